/* test-tokenizer-json.c: the streaming tokenizer.json reader: syntax, escapes,
 * limits, cursors, malformed real files, both merges forms give equal ids. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/model/tokenizer.h"
#include "src/model/tokenizer_json.h"
#include "src/util/alloc.h"
#include "tests/tap.h"

static const vo_tokjson_limits lim64 = {64, 1000, 1000};

static vo_status scan(vo_ctx *ctx, const char *text, size_t len, const vo_tokjson_limits *lim, vo_tokjson *doc)
{
    return vo_tokjson_scan(ctx, "t.json", text, len, lim, doc);
}

static void test_syntax(vo_ctx *ctx)
{
    static const char *bad[] = {
        "", "   ", "{", "{\"a\":", "{\"a\" 1}", "{\"a\":1,}", "[1,]", "{,}", "[01]", "[1.]", "[-]", "[1e]", "[tru]",
        "[nul]", "{} x", "{}{}", "{1:2}", "[\"abc]", "[\"abc\\", "[\"\\x\"]", "[\"\\u12G4\"]", "[\"\\u12\"]",
        "[\"\\ud800\"]", "[\"\\udc00\"]", "[\"\\ud800\\u0041\"]", "[\"\\ud800x\"]", "[\"\\u0000\"]", "[\"a\tb\"]",
        "[\"a\nb\"]", "[\"\xff\"]", "[\"\xc0\x80\"]", "[\"\xed\xa0\x80\"]", "[\"\xf4\x90\x80\x80\"]", "[\"\xe4\xb8\"]",
        "{\"model\":{\"vocab\":{\"a\":0,}}}", "{\"model\":{\"merges\":[\"a b\" \"c d\"]}}",
    };
    int good = 0, named = 0;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        vo_tokjson doc;
        vo_status st = scan(ctx, bad[i], strlen(bad[i]), &lim64, &doc);
        good += st == VO_ERR_FORMAT;
        named += strstr(vo_last_error(ctx), "t.json: not valid JSON (line 1: ") != NULL;
        if (st != VO_ERR_FORMAT)
            diag("accepted: %s", bad[i]);
        vo_tokjson_free(&doc);
    }
    ok(good == (int)(sizeof bad / sizeof *bad) && named == good,
       "tokjson 1.1: %d/%zu malformed texts refused, %d named", good, sizeof bad / sizeof *bad, named);
    static const char *fine[] = {
        "{}", " [ ] ", "[0,-0,1.5e3,-2E-2,true,false,null]",
        "{\"a\":\"\\ud83d\\ude00 \\\" \\\\ \\/ \\b\\f\\n\\r\\t\\u00e9\xed\x95\x9c\xf0\x9f\x98\x80\"}",
        "{\"a\":{\"b\":[{\"c\":[]}]}}",
    };
    good = 0;
    for (size_t i = 0; i < sizeof fine / sizeof *fine; i++) {
        vo_tokjson doc;
        good += scan(ctx, fine[i], strlen(fine[i]), &lim64, &doc) == VO_OK;
        vo_tokjson_free(&doc);
    }
    ok(good == (int)(sizeof fine / sizeof *fine), "tokjson 1.2: %d/%zu valid texts accepted", good,
       sizeof fine / sizeof *fine);
    /* the line of the error is counted */
    vo_tokjson doc;
    const char *t = "{\n\"a\": 1,\n\n \"b\": \"\\q\"}";
    ok(scan(ctx, t, strlen(t), &lim64, &doc) == VO_ERR_FORMAT && strstr(vo_last_error(ctx), "line 4: bad escape"),
       "tokjson 1.3: error names line 4 (%s)", vo_last_error(ctx));
    vo_tokjson_free(&doc);
}

static void test_limits(vo_ctx *ctx)
{
    vo_tokjson_limits lim = {4, 3, 3};
    vo_tokjson doc;
    const char *t = "{\"model\":{\"vocab\":{\"a\":0,\"b\":1,\"c\":2,\"d\":3},\"merges\":[]}}";
    ok(scan(ctx, t, strlen(t), &lim, &doc) == VO_ERR_FORMAT &&
           strstr(vo_last_error(ctx), "model.vocab has more than 3 entries"),
       "tokjson 2.1: vocab count over the limit refused (%s)", vo_last_error(ctx));
    vo_tokjson_free(&doc);
    lim.max_vocab = 4;
    ok(scan(ctx, t, strlen(t), &lim, &doc) == VO_OK && doc.has_vocab && doc.n_vocab == 4 && doc.has_merges &&
           doc.n_merges == 0 && doc.rest.len == strlen("{\"model\":{\"vocab\":{},\"merges\":[]}}") &&
           !memcmp(doc.rest.data, "{\"model\":{\"vocab\":{},\"merges\":[]}}", doc.rest.len),
       "tokjson 2.2: at the limit accepted, rest has {} and [] (%s)", doc.rest.data ? doc.rest.data : "");
    vo_tokjson_free(&doc);
    t = "{\"model\":{\"merges\":[\"a b\",\"a b\",\"a b\",\"a b\"]}}";
    ok(scan(ctx, t, strlen(t), &lim, &doc) == VO_ERR_FORMAT &&
           strstr(vo_last_error(ctx), "model.merges has more than 3 entries"),
       "tokjson 2.3: merges count over the limit refused (%s)", vo_last_error(ctx));
    vo_tokjson_free(&doc);
    t = "{\"other\":[1,2,3,4,5,6,7],\"vocab\":{\"a\":0,\"b\":1,\"c\":2,\"d\":3,\"e\":4}}";
    ok(scan(ctx, t, strlen(t), &lim, &doc) == VO_OK && !doc.has_vocab,
       "tokjson 2.4: the counts bind model.vocab/merges only (%s)", vo_last_error(ctx));
    vo_tokjson_free(&doc);
    ok(scan(ctx, "[[[[1]]]]", 9, &lim, &doc) == VO_OK, "tokjson 2.5: 4 levels accepted with max_depth 4");
    vo_tokjson_free(&doc);
    ok(scan(ctx, "[[[[[1]]]]]", 11, &lim, &doc) == VO_ERR_FORMAT &&
           strstr(vo_last_error(ctx), "nesting deeper than 4 levels"),
       "tokjson 2.6: 5 levels refused (%s)", vo_last_error(ctx));
    vo_tokjson_free(&doc);
    /* a million levels: refused at the limit, not a stack overflow */
    size_t n = 1000000;
    char *deep = vo_malloc(2 * n + 1);
    if (deep) {
        memset(deep, '[', n);
        memset(deep + n, ']', n);
        deep[2 * n] = 0;
        ok(scan(ctx, deep, 2 * n, &lim64, &doc) == VO_ERR_FORMAT && strstr(vo_last_error(ctx), "nesting deeper"),
           "tokjson 2.7: 1,000,000 levels refused");
        vo_tokjson_free(&doc);
        memset(deep, '{', n); /* and unbalanced object openers */
        ok(scan(ctx, deep, n, &lim64, &doc) == VO_ERR_FORMAT, "tokjson 2.8: 1,000,000 '{' refused");
        vo_tokjson_free(&doc);
        vo_free(deep);
    }
    /* the last "model" and the last "vocab" are the ones kept (jansson: the last key wins) */
    t = "{\"model\":{\"vocab\":{\"a\":0}},\"model\":{\"vocab\":{\"b\":1,\"c\":2},\"vocab\":{\"d\":3}}}";
    ok(scan(ctx, t, strlen(t), &lim, &doc) == VO_OK && doc.has_vocab && doc.n_vocab == 1 &&
           !memcmp(t + doc.vocab_off, "{\"d\":3}", 7) && !doc.has_merges,
       "tokjson 2.9: duplicate model/vocab keys: the last one is read");
    vo_tokjson_free(&doc);
    t = "{\"model\":{\"vocab\":{\"a\":0}},\"model\":{\"vocab\":\"x\"}}";
    ok(scan(ctx, t, strlen(t), &lim, &doc) == VO_OK && !doc.has_vocab && strstr(doc.rest.data, "\"vocab\":\"x\""),
       "tokjson 2.10: a later non-object vocab replaces the earlier one");
    vo_tokjson_free(&doc);
    t = "{\"model\":{\"vocab\":{\"a\":0},\"merges\":[]},\"model\":{\"type\":\"BPE\"}}";
    ok(scan(ctx, t, strlen(t), &lim, &doc) == VO_OK && !doc.has_vocab && !doc.has_merges,
       "tokjson 2.11: a later model without vocab/merges drops the earlier ones");
    vo_tokjson_free(&doc);
}

static void test_cursors(vo_ctx *ctx)
{
    vo_tokjson doc;
    vo_tokjson_cursor c;
    const char *t = "{\"model\":{\"vocab\":{ \"a\\u00e9\\ud83d\\ude00\\\"\" : 5 , \"plain\":16777215,\"n\":-1,"
                    "\"r\":1.5,\"e\":1e3,\"big\":99999999999999999999999,\"z\":-0,\"s\":\"7\"}}}";
    const char *key;
    size_t kn;
    int64_t id;
    int good = scan(ctx, t, strlen(t), &lim64, &doc) == VO_OK && doc.n_vocab == 8;
    vo_tokjson_vocab_begin(&doc, &c);
    good = good && vo_tokjson_vocab_next(&c, &key, &kn, &id) == VO_TOKJSON_ENTRY && id == 5 &&
           kn == strlen("a\xc3\xa9\xf0\x9f\x98\x80\"") && !memcmp(key, "a\xc3\xa9\xf0\x9f\x98\x80\"", kn);
    ok(good, "tokjson 3.1: escaped vocab key decoded (surrogate pair to 4 bytes)");
    static const struct { const char *k; int64_t id; } want[] = {
        {"plain", 16777215}, {"n", -1}, {"r", -1}, {"e", -1}, {"big", -1}, {"z", 0}, {"s", -1},
    };
    good = 1;
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        int r = vo_tokjson_vocab_next(&c, &key, &kn, &id);
        good &= r == VO_TOKJSON_ENTRY && kn == strlen(want[i].k) && !memcmp(key, want[i].k, kn) && id == want[i].id;
        if (!good)
            diag("vocab entry %zu: r %d id %lld", i, r, (long long)id);
    }
    good &= vo_tokjson_vocab_next(&c, &key, &kn, &id) == VO_TOKJSON_END;
    ok(good, "tokjson 3.2: ids: integers read, reals/negatives/overflow/strings -1");
    vo_tokjson_cursor_free(&c);
    vo_tokjson_free(&doc);

    t = "{\"model\":{\"merges\":[\"a b\",[\"c\" , \"d e\"],\"\\u0041 \\u0042 C\",[\"x\",\"\\ud83d\\ude00\"]]}}";
    const char *a, *b;
    size_t la, lb;
    good = scan(ctx, t, strlen(t), &lim64, &doc) == VO_OK && doc.n_merges == 4;
    vo_tokjson_merges_begin(&doc, &c);
    good = good && vo_tokjson_merges_next(&c, &a, &la, &b, &lb) == VO_TOKJSON_ENTRY && la == 1 && *a == 'a' &&
           lb == 1 && *b == 'b';
    good = good && vo_tokjson_merges_next(&c, &a, &la, &b, &lb) == VO_TOKJSON_ENTRY && la == 1 && *a == 'c' &&
           lb == 3 && !memcmp(b, "d e", 3);
    good = good && vo_tokjson_merges_next(&c, &a, &la, &b, &lb) == VO_TOKJSON_ENTRY && la == 1 && *a == 'A' &&
           lb == 3 && !memcmp(b, "B C", 3);
    good = good && vo_tokjson_merges_next(&c, &a, &la, &b, &lb) == VO_TOKJSON_ENTRY && la == 1 && *a == 'x' &&
           lb == 4 && !memcmp(b, "\xf0\x9f\x98\x80", 4) && c.index == 3;
    good = good && vo_tokjson_merges_next(&c, &a, &la, &b, &lb) == VO_TOKJSON_END;
    ok(good, "tokjson 3.3: merges: \"a b\" split at the first space, pairs, escapes");
    vo_tokjson_cursor_free(&c);
    vo_tokjson_free(&doc);

    static const char *bad[] = {"\"nospace\"", "[\"a\"]", "[\"a\",\"b\",\"c\"]", "5", "[\"a\",1]", "{\"a\":\"b\"}",
                                "null"};
    good = 0;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char buf[128];
        snprintf(buf, sizeof buf, "{\"model\":{\"merges\":[\"a b\",%s]}}", bad[i]);
        if (scan(ctx, buf, strlen(buf), &lim64, &doc) == VO_OK) {
            vo_tokjson_merges_begin(&doc, &c);
            good += vo_tokjson_merges_next(&c, &a, &la, &b, &lb) == VO_TOKJSON_ENTRY &&
                    vo_tokjson_merges_next(&c, &a, &la, &b, &lb) == VO_TOKJSON_BAD && c.index == 1;
            vo_tokjson_cursor_free(&c);
        }
        vo_tokjson_free(&doc);
    }
    ok(good == (int)(sizeof bad / sizeof *bad), "tokjson 3.4: %d/%zu malformed merges reported at their index", good,
       sizeof bad / sizeof *bad);
}

/* --- on the real fixture file --- */

static int write_file(const char *path, const char *a, size_t na, const char *b, size_t nb, const char *c, size_t nc)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    int good = fwrite(a, 1, na, f) == na && fwrite(b, 1, nb, f) == nb && fwrite(c, 1, nc, f) == nc;
    return fclose(f) == 0 && good;
}

/* Load dir/tokenizer.json written as text[0, at) + ins + text[cut, len). */
static vo_status load_spliced(vo_ctx *ctx, const char *dir, const vo_buf *text, size_t at, const char *ins,
                              size_t cut, vo_tokenizer **tok)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/tokenizer.json", dir);
    *tok = NULL;
    vo_clear_error(ctx); /* so that a message printed is this load's */
    if (!write_file(path, text->data, at, ins, strlen(ins), text->data + cut, text->len - cut))
        return VO_ERR_IO;
    return vo_load_tokenizer(ctx, dir, tok);
}

/* ids of every line of cases.jsonl equal those of ref */
static int same_ids(vo_ctx *ctx, const vo_tokenizer *ref, const vo_tokenizer *tok, const char *cases, int *lines)
{
    FILE *f = fopen(cases, "r");
    char *line = NULL;
    size_t cap = 0;
    int good = f != NULL;
    *lines = 0;
    while (f && getline(&line, &cap, f) > 0) {
        json_error_t jerr;
        json_t *o = json_loads(line, 0, &jerr);
        json_t *s = json_object_get(o, "text");
        int32_t *x = NULL, *y = NULL;
        size_t nx = 0, ny = 0;
        if (json_is_string(s)) {
            (*lines)++;
            good &= vo_tokenizer_encode(ctx, ref, json_string_value(s), json_string_length(s), &x, &nx) == VO_OK &&
                    vo_tokenizer_encode(ctx, tok, json_string_value(s), json_string_length(s), &y, &ny) == VO_OK &&
                    nx == ny && !memcmp(x, y, nx * sizeof *x);
        }
        vo_free(x);
        vo_free(y);
        json_decref(o);
    }
    free(line);
    if (f)
        fclose(f);
    return good && *lines >= 300;
}

static void test_forms(vo_ctx *ctx, const vo_tokenizer *ref, const char *fixture, const char *dir, const char *cases)
{
    char in[1200], path[1200];
    snprintf(in, sizeof in, "%s/tokenizer.json", fixture);
    snprintf(path, sizeof path, "%s/tokenizer.json", dir);
    json_error_t jerr;
    json_t *root = json_load_file(in, 0, &jerr);
    json_t *merges = json_object_get(json_object_get(root, "model"), "merges");
    size_t i, pairs = 0;
    json_t *m;
    /* hub layout of Qwen3 (pairs, indented) */
    vo_clear_error(ctx);
    int good = json_dump_file(root, path, JSON_INDENT(2)) == 0;
    vo_tokenizer *tok = NULL;
    int lines = 0;
    good = good && vo_load_tokenizer(ctx, dir, &tok) == VO_OK;
    good = good && vo_tokenizer_vocab_size(tok) == vo_tokenizer_vocab_size(ref) &&
           same_ids(ctx, ref, tok, cases, &lines);
    ok(good, "tokjson 4.1: indented [a, b] merges: ids identical on %d lines (%s)", lines, vo_last_error(ctx));
    vo_drop_tokenizer(tok);
    /* the older "a b" strings, compact */
    json_array_foreach(merges, i, m) {
        json_t *a = json_array_get(m, 0), *b = json_array_get(m, 1);
        if (json_is_string(a) && json_is_string(b)) {
            vo_buf s = VO_BUF_INIT;
            if (vo_buf_printf(&s, "%s %s", json_string_value(a), json_string_value(b)) == VO_OK &&
                json_array_set_new(merges, i, json_string(s.data)) == 0)
                pairs++;
            vo_buf_free(&s);
        }
    }
    good = pairs > 150000 && json_dump_file(root, path, JSON_COMPACT) == 0;
    good = good && vo_load_tokenizer(ctx, dir, &tok) == VO_OK;
    good = good && vo_tokenizer_vocab_size(tok) == vo_tokenizer_vocab_size(ref) &&
           same_ids(ctx, ref, tok, cases, &lines);
    ok(good, "tokjson 4.2: \"a b\" merges (%zu): ids identical on %d lines (%s)", pairs, lines, vo_last_error(ctx));
    vo_drop_tokenizer(tok);
    /* a jansson-only error (real overflow) after 300,000 indented lines names its true line */
    good = json_dump_file(root, path, JSON_INDENT(2)) == 0;
    json_decref(root);
    vo_buf text = VO_BUF_INIT;
    good = good && vo_read_file(ctx, path, 0, &text) == VO_OK;
    const char *end = text.data ? strrchr(text.data, ']') : NULL; /* the end of merges, the last list */
    if (good && end) {
        size_t at = (size_t)(end - text.data) + 1, line = 1;
        for (size_t k = 0; k < at; k++)
            line += text.data[k] == '\n';
        char want[64];
        snprintf(want, sizeof want, "(line %zu: ", line);
        vo_status st = load_spliced(ctx, dir, &text, at, ", \"x\": 1e999", at, &tok);
        ok(st == VO_ERR_FORMAT && !tok && strstr(vo_last_error(ctx), want) && line > 300000,
           "tokjson 4.3: error past the vocab names the file's line %zu (%s)", line, vo_last_error(ctx));
    } else {
        ok(0, "tokjson 4.3: indented copy written and read");
    }
    vo_buf_free(&text);
}

static void test_real(vo_ctx *ctx, const vo_tokenizer *ref, const char *fixture, const char *dir)
{
    char in[1200];
    snprintf(in, sizeof in, "%s/tokenizer.json", fixture);
    vo_buf text = VO_BUF_INIT;
    if (!ok(vo_read_file(ctx, in, 0, &text) == VO_OK, "tokjson 5.0: fixture read"))
        return;
    const char *vocab = strstr(text.data, "\"vocab\":{"), *merges = strstr(text.data, "\"merges\":[");
    if (!ok(vocab && merges && vocab < merges, "tokjson 5.0: fixture has compact vocab then merges"))
        return;
    size_t v = (size_t)(vocab - text.data) + 9, mg = (size_t)(merges - text.data) + 10;
    vo_tokenizer *tok = NULL;
    /* truncated anywhere: refused, never read past the end (ASan) */
    size_t cuts[] = {1, 20, v - 3, v, v + 1, v + 3, v + 100000, mg - 1, mg, mg + 2, mg + 9, text.len / 2,
                     text.len - 3, text.len - 2, text.len - 1};
    int good = 0;
    for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
        vo_status st = load_spliced(ctx, dir, &text, cuts[i], "", text.len, &tok);
        good += st == VO_ERR_FORMAT && !tok && strstr(vo_last_error(ctx), "tokenizer.json: not valid JSON");
        if (st != VO_ERR_FORMAT || !strstr(vo_last_error(ctx), "not valid JSON"))
            diag("cut at %zu: %s", cuts[i], vo_last_error(ctx));
        vo_drop_tokenizer(tok);
    }
    ok(good == (int)(sizeof cuts / sizeof *cuts), "tokjson 5.1: truncated at %d/%zu places: refused", good,
       sizeof cuts / sizeof *cuts);
    /* a bad member at the start of the vocab or of the merges */
    static const struct { int in_merges; const char *ins, *must_say; } cases[] = {
        {0, "\"\\x\":151700,", "bad escape"},
        {0, "\"\\ud800\":151700,", "surrogate"},
        {0, "\"\\udc00x\":151700,", "lone low surrogate"},
        {0, "\"\\u0000\":151700,", "\\u0000"},
        {0, "\"\xc3\x28\":151700,", "invalid UTF-8"},
        {0, "\"q\":99999999999999999999999,", "id must be"},
        {0, "\"q\":1.0,", "id must be"},
        {0, "\"q\":[1],", "id must be"},
        {0, "\"q\":16777216,", "id must be"},
        {1, "\"\\u0120 \\u0120\" \"x\",", "not valid JSON"},
        {1, "[\"\\u0120\"],", "not \"a b\" or [a, b]"},
        {1, "\"\\u0120\\u0120\",", "not \"a b\" or [a, b]"},
        {1, "[\"\\u0120\",\"nosuchtoken\"],", "missing from the vocab"},
        {1, "{},", "not \"a b\" or [a, b]"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        size_t at = cases[i].in_merges ? mg : v;
        vo_status st = load_spliced(ctx, dir, &text, at, cases[i].ins, at, &tok);
        ok(st == VO_ERR_FORMAT && !tok && strstr(vo_last_error(ctx), "tokenizer.json") &&
               strstr(vo_last_error(ctx), cases[i].must_say),
           "tokjson 5.%zu: %s %s refused: %s (%s)", i + 2, cases[i].in_merges ? "merges" : "vocab", cases[i].ins,
           cases[i].must_say, vo_last_error(ctx));
        vo_drop_tokenizer(tok);
    }
    size_t k = sizeof cases / sizeof *cases + 2;
    /* a token longer than the limit */
    char *longkey = vo_malloc(5000 + 32);
    if (longkey) {
        longkey[0] = '"';
        memset(longkey + 1, 'a', 5000);
        strcpy(longkey + 5001, "\":151700,");
        vo_status st = load_spliced(ctx, dir, &text, v, longkey, v, &tok);
        ok(st == VO_ERR_FORMAT && strstr(vo_last_error(ctx), "a token of 5000 bytes"), "tokjson 5.%zu: %s", k++,
           vo_last_error(ctx));
        vo_drop_tokenizer(tok);
        vo_free(longkey);
    }
    /* escaped keys that decode to real tokens, and duplicates: the last one wins */
    vo_status st = load_spliced(
        ctx, dir, &text, v, "\"\\ud83d\\ude00\\/\":151700,\"qqzzqqzz\":151701,\"qqzzqqzz\":151702,", v, &tok);
    ok(st == VO_OK && vo_tokenizer_token_id(tok, "\xf0\x9f\x98\x80/") == 151700 &&
           vo_tokenizer_token_id(tok, "qqzzqqzz") == 151702 && !vo_tokenizer_token_str(tok, 151701) &&
           vo_tokenizer_vocab_size(tok) == 151703 && vo_tokenizer_token_id(tok, "user") == 872,
       "tokjson 5.%zu: escaped key decoded; duplicate key: the last id wins (%s)", k++, vo_last_error(ctx));
    vo_drop_tokenizer(tok);
    /* a "model" key after the real one replaces it, as in jansson */
    const char *tail = ",\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0},\"merges\":[]}}";
    st = load_spliced(ctx, dir, &text, text.len - 1, tail, text.len, &tok);
    ok(st == VO_ERR_FORMAT && strstr(vo_last_error(ctx), "lacks the byte-level token"),
       "tokjson 5.%zu: a later \"model\" is the one read (%s)", k++, vo_last_error(ctx));
    vo_drop_tokenizer(tok);
    /* one placed before it is ignored */
    st = load_spliced(ctx, dir, &text, 1, "\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0},\"merges\":[]},", 1, &tok);
    ok(st == VO_OK && vo_tokenizer_vocab_size(tok) == vo_tokenizer_vocab_size(ref) &&
           vo_tokenizer_token_id(tok, "a") == 64,
       "tokjson 5.%zu: an earlier \"model\" is ignored (%s)", k++, vo_last_error(ctx));
    vo_drop_tokenizer(tok);
    /* deep nesting in the small rest (normalizer) is refused by the reader */
    vo_buf deep = VO_BUF_INIT;
    int built = vo_buf_puts(&deep, "\"deep\":") == VO_OK;
    for (int i = 0; i < 100000 && built; i++)
        built = vo_buf_putc(&deep, '[') == VO_OK;
    for (int i = 0; i < 100000 && built; i++)
        built = vo_buf_putc(&deep, ']') == VO_OK;
    built = built && vo_buf_putc(&deep, ',') == VO_OK;
    st = built ? load_spliced(ctx, dir, &text, 1, deep.data, 1, &tok) : VO_ERR_NOMEM;
    ok(st == VO_ERR_FORMAT && strstr(vo_last_error(ctx), "nesting deeper than"), "tokjson 5.%zu: %s", k++,
       vo_last_error(ctx));
    vo_drop_tokenizer(tok);
    vo_buf_free(&deep);
    vo_buf_free(&text);
}

int main(void)
{
    vo_ctx *ctx = vo_new_ctx();
    vo_set_verbosity(ctx, 0);
    test_syntax(ctx);
    test_limits(ctx);
    test_cursors(ctx);
    const char *srcdir = getenv("top_srcdir") ? getenv("top_srcdir") : ".";
    char fixture[1024], cases[1100];
    snprintf(fixture, sizeof fixture, "%s/tests/data/fixtures/tiny-varco", srcdir);
    snprintf(cases, sizeof cases, "%s/tests/data/fixtures/tokenizer-cases.jsonl", srcdir);
    vo_tokenizer *ref = NULL;
    if (!ok(vo_load_tokenizer(ctx, fixture, &ref) == VO_OK, "tokjson 4.0: fixture loads (%s)", vo_last_error(ctx)))
        return done_testing();
    const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char dir[512], path[600];
    snprintf(dir, sizeof dir, "%s/vo-tokjson-XXXXXX", base);
    if (ok(mkdtemp(dir) != NULL, "tokjson 4.0: temp folder")) {
        test_forms(ctx, ref, fixture, dir, cases);
        test_real(ctx, ref, fixture, dir);
        snprintf(path, sizeof path, "%s/tokenizer.json", dir);
        unlink(path);
        rmdir(dir);
    }
    vo_drop_tokenizer(ref);
    vo_drop_ctx(ctx);
    return done_testing();
}
