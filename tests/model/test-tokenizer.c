/* test-tokenizer.c: ids equal to the reference on tokenizer-cases.jsonl and
 * the manifests' tokenizer_cases; decode(encode(s)) == NFC(s); streaming
 * decode; special-token lookup; malformed tokenizer.json refused. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utf8proc.h>

#include "src/model/tokenizer.h"
#include "src/util/alloc.h"
#include "tests/tap.h"

static int ids_equal(const int32_t *a, size_t na, json_t *want)
{
    if (na != json_array_size(want))
        return 0;
    for (size_t i = 0; i < na; i++)
        if (a[i] != json_integer_value(json_array_get(want, i)))
            return 0;
    return 1;
}

/* Encode, compare ids, round-trip, stream; return 1 when all hold. */
static int check_case(vo_ctx *ctx, const vo_tokenizer *tok, const char *text, size_t len, json_t *want,
                      int *ids_ok, int *rt_ok, int *stream_ok)
{
    int32_t *ids = NULL;
    size_t n = 0;
    *ids_ok = *rt_ok = *stream_ok = 0;
    if (vo_tokenizer_encode(ctx, tok, text, len, &ids, &n) != VO_OK)
        return 0;
    *ids_ok = ids_equal(ids, n, want);
    vo_buf dec = VO_BUF_INIT, st = VO_BUF_INIT;
    utf8proc_uint8_t *nfc = NULL;
    utf8proc_ssize_t nn = utf8proc_map((const utf8proc_uint8_t *)text, (utf8proc_ssize_t)len, &nfc,
                                       UTF8PROC_STABLE | UTF8PROC_COMPOSE);
    if (vo_tokenizer_decode(ctx, tok, ids, n, &dec) == VO_OK && nn >= 0)
        *rt_ok = dec.len == (size_t)nn && (nn == 0 || !memcmp(dec.data, nfc, (size_t)nn));
    vo_token_stream *s = NULL;
    if (vo_new_token_stream(ctx, tok, &s) == VO_OK) {
        int good = 1;
        for (size_t i = 0; i < n; i++) {
            size_t before = st.len;
            good &= vo_token_stream_push(ctx, s, ids[i], &st) == VO_OK;
            /* what was emitted so far is always complete UTF-8 */
            for (size_t k = before; k < st.len;) {
                utf8proc_int32_t cp;
                utf8proc_ssize_t r = utf8proc_iterate((const utf8proc_uint8_t *)st.data + k,
                                                      (utf8proc_ssize_t)(st.len - k), &cp);
                if (r <= 0) {
                    good = 0;
                    break;
                }
                k += (size_t)r;
            }
        }
        good &= vo_token_stream_flush(ctx, s, &st) == VO_OK;
        *stream_ok = good && st.len == dec.len && (st.len == 0 || !memcmp(st.data, dec.data, st.len));
        vo_drop_token_stream(s);
    }
    free(nfc);
    vo_buf_free(&dec);
    vo_buf_free(&st);
    vo_free(ids);
    return *ids_ok && *rt_ok && *stream_ok;
}

static void test_jsonl(vo_ctx *ctx, const vo_tokenizer *tok, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!ok(f != NULL, "tokenizer 2.0: %s opens", path))
        return;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int total = 0, n_ids = 0, n_rt = 0, n_st = 0;
    while ((n = getline(&line, &cap, f)) > 0) {
        json_error_t jerr;
        json_t *o = json_loadb(line, (size_t)n, 0, &jerr);
        json_t *text = json_object_get(o, "text");
        if (!json_is_string(text)) {
            json_decref(o);
            continue;
        }
        total++;
        int a, b, c;
        check_case(ctx, tok, json_string_value(text), json_string_length(text), json_object_get(o, "ids"), &a, &b, &c);
        n_ids += a, n_rt += b, n_st += c;
        if (!a)
            diag("ids differ on line %d: %.60s", total, json_string_value(text));
        json_decref(o);
    }
    free(line);
    fclose(f);
    ok(total >= 300 && n_ids == total, "tokenizer 2.1: ids equal on %d/%d lines of tokenizer-cases.jsonl", n_ids, total);
    ok(total >= 300 && n_rt == total, "tokenizer 2.2: decode(encode(s)) == NFC(s) on %d/%d lines", n_rt, total);
    ok(total >= 300 && n_st == total, "tokenizer 2.3: streamed decode == whole decode on %d/%d lines", n_st, total);
}

static void test_manifest(vo_ctx *ctx, const char *dir, const char *label)
{
    vo_tokenizer *tok = NULL;
    char path[1100];
    if (!ok(vo_load_tokenizer(ctx, dir, &tok) == VO_OK, "tokenizer 3.%s.0: %s loads (%s)", label, dir,
            vo_last_error(ctx)))
        return;
    snprintf(path, sizeof path, "%s/golden/manifest.json", dir);
    json_error_t jerr;
    json_t *m = json_load_file(path, 0, &jerr);
    json_t *cases = json_object_get(m, "tokenizer_cases");
    size_t i;
    json_t *c;
    int total = 0, good = 0;
    json_array_foreach(cases, i, c) {
        json_t *text = json_object_get(c, "text");
        int a, b, d;
        total++;
        good += check_case(ctx, tok, json_string_value(text), json_string_length(text), json_object_get(c, "ids"), &a,
                           &b, &d);
        if (!(a && b && d))
            diag("case %zu: ids %d roundtrip %d stream %d: %.60s", i, a, b, d, json_string_value(text));
    }
    ok(total > 0 && good == total, "tokenizer 3.%s.1: manifest tokenizer_cases all equal (%d/%d)", label, good, total);
    json_decref(m);
    vo_drop_tokenizer(tok);
}

static void test_specials(vo_ctx *ctx, const vo_tokenizer *tok)
{
    ok(vo_tokenizer_token_id(tok, "<|im_start|>") == 151644 && vo_tokenizer_token_id(tok, "<|im_end|>") == 151645 &&
           vo_tokenizer_token_id(tok, "<|endoftext|>") == 151643,
       "tokenizer 4.1: ChatML specials by string");
    int32_t img = vo_tokenizer_token_id(tok, "<image>"), ocr = vo_tokenizer_token_id(tok, "<ocr>");
    ok(img == 151679 && ocr == 151671 && vo_tokenizer_is_special(tok, img), "tokenizer 4.2: <image> %d, <ocr> %d",
       (int)img, (int)ocr);
    ok(vo_tokenizer_token_id(tok, "no such token") == -1 && vo_tokenizer_token_id(tok, "user") == 872,
       "tokenizer 4.3: absent token -1, vocab token 'user' 872");
    ok(vo_tokenizer_vocab_size(tok) == 151680, "tokenizer 4.4: vocab size %zu", vo_tokenizer_vocab_size(tok));
    vo_buf b = VO_BUF_INIT;
    int32_t bad = 99999999;
    ok(vo_tokenizer_decode(ctx, tok, &bad, 1, &b) == VO_ERR_ARGUMENT, "tokenizer 4.5: unknown id refused in decode");
    int32_t *ids = NULL;
    size_t n = 0;
    ok(vo_tokenizer_encode(ctx, tok, "a\xff", 2, &ids, &n) == VO_ERR_ARGUMENT && !ids,
       "tokenizer 4.6: invalid UTF-8 refused in encode");
    /* a Hangul syllable split over byte tokens: the stream holds it back */
    vo_token_stream *s = NULL;
    int32_t e1 = vo_tokenizer_token_id(tok, "\xc3\xab"), e2 = vo_tokenizer_token_id(tok, "\xc4\xa6"),
            e3 = vo_tokenizer_token_id(tok, "\xc4\xb2"); /* bytes eb 84 90 = U+B110 */
    vo_buf_reset(&b);
    int good = vo_new_token_stream(ctx, tok, &s) == VO_OK && e1 >= 0 && e2 >= 0 && e3 >= 0;
    good = good && vo_token_stream_push(ctx, s, e1, &b) == VO_OK && b.len == 0;
    good = good && vo_token_stream_push(ctx, s, e2, &b) == VO_OK && b.len == 0;
    good = good && vo_token_stream_push(ctx, s, e3, &b) == VO_OK && b.len == 3 && !memcmp(b.data, "\xeb\x84\x90", 3);
    ok(good, "tokenizer 4.7: stream holds back an incomplete syllable, then emits it");
    vo_buf_reset(&b);
    good = vo_token_stream_push(ctx, s, e1, &b) == VO_OK && b.len == 0 &&
           vo_token_stream_flush(ctx, s, &b) == VO_OK && b.len == 3 && !memcmp(b.data, "\xef\xbf\xbd", 3);
    ok(good, "tokenizer 4.8: flush turns a dangling lead byte into U+FFFD");
    vo_drop_token_stream(s);
    vo_buf_free(&b);
}

static void test_bad(vo_ctx *ctx)
{
    static const struct { const char *json, *must_say; } cases[] = {
        {"garbage{{{", "not valid JSON"},
        {"[1,2]", "not a JSON object"},
        {"{\"model\": {\"type\": \"Unigram\"}}", "not BPE"},
        {"{\"model\": {\"type\": \"BPE\", \"vocab\": {}, \"merges\": []}, \"normalizer\": {\"type\": \"NFKC\"}}",
         "normalizer"},
        {"{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []}}", "pre_tokenizer"},
        {"{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 2000000000}, \"merges\": []}, \"pre_tokenizer\": "
         "{\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": \"Split\", \"pattern\": {\"Regex\": \"\\\\s+\"}, "
         "\"behavior\": \"Isolated\"}, {\"type\": \"ByteLevel\"}]}}",
         "id must be"},
        {"{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []}, \"pre_tokenizer\": "
         "{\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": \"Split\", \"pattern\": {\"Regex\": \"(\"}, "
         "\"behavior\": \"Isolated\"}, {\"type\": \"ByteLevel\"}]}}",
         "does not compile"},
        {"{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []}, \"pre_tokenizer\": "
         "{\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": \"Split\", \"pattern\": {\"Regex\": \"\\\\s+\"}, "
         "\"behavior\": \"Isolated\"}, {\"type\": \"ByteLevel\"}]}}",
         "byte-level token"},
    };
    const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char dir[512], path[600];
    snprintf(dir, sizeof dir, "%s/vo-tok-XXXXXX", base);
    if (!mkdtemp(dir)) {
        ok(0, "tokenizer 5.0: temp folder");
        return;
    }
    snprintf(path, sizeof path, "%s/tokenizer.json", dir);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        FILE *f = fopen(path, "wb");
        if (f) {
            fputs(cases[i].json, f);
            fclose(f);
        }
        vo_tokenizer *tok = (vo_tokenizer *)1;
        vo_status st = vo_load_tokenizer(ctx, dir, &tok);
        ok(st == VO_ERR_FORMAT && !tok && strstr(vo_last_error(ctx), "tokenizer.json") &&
               strstr(vo_last_error(ctx), cases[i].must_say),
           "tokenizer 5.%zu: malformed tokenizer.json refused: %s (%s)", i + 1, cases[i].must_say, vo_last_error(ctx));
    }
    unlink(path);
    vo_tokenizer *tok = NULL;
    ok(vo_load_tokenizer(ctx, dir, &tok) == VO_ERR_MISSING, "tokenizer 5.%zu: missing tokenizer.json",
       sizeof cases / sizeof *cases + 1);
    rmdir(dir);
}

int main(void)
{
    vo_ctx *ctx = vo_new_ctx();
    vo_set_verbosity(ctx, 0);
    const char *srcdir = getenv("top_srcdir") ? getenv("top_srcdir") : ".";
    char dir[1024], path[1100];
    snprintf(dir, sizeof dir, "%s/tests/data/fixtures/tiny-varco", srcdir);
    vo_tokenizer *tok = NULL;
    if (!ok(vo_load_tokenizer(ctx, dir, &tok) == VO_OK, "tokenizer 1.1: tiny-varco tokenizer.json loads (%s)",
            vo_last_error(ctx)))
        return done_testing();
    snprintf(path, sizeof path, "%s/tests/data/fixtures/tokenizer-cases.jsonl", srcdir);
    test_jsonl(ctx, tok, path);
    test_manifest(ctx, dir, "1");
    const char *shared = getenv("VO_SHARED");
    struct stat sb;
    if (shared && stat(shared, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        snprintf(dir, sizeof dir, "%s/fixtures/tiny-varco-v1", shared);
        test_manifest(ctx, dir, "2");
    } else {
        diag("VO_SHARED is not a folder: tiny-varco-v1 tokenizer not checked");
    }
    test_specials(ctx, tok);
    test_bad(ctx);
    vo_drop_tokenizer(tok);
    vo_drop_ctx(ctx);
    return done_testing();
}
