/* draft.c (test): the OCR grammar's drafter on realistic model output. Text
 * lines with exact character boxes (tesseract's kor and eng test lines) are
 * stacked into pages of 20 lines and written as the OCR model writes a page
 * (one `<char>c</char><bbox>x1, y1, x2, y2</bbox>` item per character,
 * coordinates of the page normalized to 3 decimals), tokenized with the real
 * tokenizer; the drafter then replays them as the decoder would use it (a
 * pass gives the model's token and every draft token that matches the
 * recorded ones, up to VO_GEN_DRAFT_MAX drafts). Prints the passes per generated token,
 * Korean and English apart, and checks the drafter's reading of the
 * tokenizer. The lines are the whole corpus's 310 + 300 (tests/data/ocr);
 * VO_DRAFT_LINES="KOR.jsonl ENG.jsonl" replays other files. */
#include "src/model/tokenizer.h"
#include "src/util/alloc.h"
#include "src/util/buf.h"
#include "src/vlm/draft.h"
#include "src/vlm/generate.h"
#include "tests/tap.h"
#include "tests/vlm/fixture.h"
#include "tests/vlm/ocr-lines.h"

#include <unistd.h>

#define MAX_DRAFT VO_GEN_DRAFT_MAX /* as the decoder feeds them */

typedef struct {
    long tokens, passes, pages, chars;
} replay;

/* the drafter over one page's ids, as the decoder runs it */
static void replay_page(const vo_draft_ids *dids, const int32_t *ids, long n, replay *r)
{
    vo_drafter *d = vo_drafter_new(dids);
    int32_t draft[MAX_DRAFT];
    for (long pos = 0; d && pos < n;) {
        int nd = vo_drafter_propose(d, ids, (int)pos, draft, MAX_DRAFT);
        long m = 0;
        while (m < nd && pos + m < n && draft[m] == ids[pos + m])
            m++;
        pos += m + 1 < n - pos ? m + 1 : n - pos;
        r->passes++;
    }
    r->tokens += n;
    vo_drafter_free(d);
}

static int replay_file(vo_ctx *ctx, const vo_tokenizer *tok, const vo_draft_ids *dids,
                       const char *path, replay *r)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char line[1 << 16];
    json_t *page[LINES_PER_PAGE];
    int n = 0, good = 1;
    for (;;) {
        int more = fgets(line, sizeof line, f) != NULL;
        json_t *j = more ? json_loads(line, 0, NULL) : NULL;
        if (j)
            page[n++] = j;
        if (n == LINES_PER_PAGE || (!more && n > 0)) {
            vo_buf text = VO_BUF_INIT;
            r->chars += ocr_lines_page(page, n, &text);
            int32_t *ids = NULL;
            size_t ni = 0;
            if (text.len && vo_tokenizer_encode(ctx, tok, text.data, text.len, &ids, &ni) == VO_OK)
                replay_page(dids, ids, (long)ni, r);
            else
                good = 0;
            r->pages++;
            vo_free(ids);
            vo_buf_free(&text);
            for (int i = 0; i < n; i++)
                json_decref(page[i]);
            n = 0;
        }
        if (!more)
            break;
    }
    fclose(f);
    return good && r->pages > 0;
}

int main(void)
{
    const char *d = fx_dir("tiny-varco");
    if (!d)
        skip_all("tests/data/fixtures/tiny-varco not found (set top_srcdir)");
    vo_ctx *ctx = vo_new_ctx();
    vo_tokenizer *tok = NULL;
    vo_draft_ids dids;
    ok(vo_load_tokenizer(ctx, d, &tok) == VO_OK && vo_draft_ids_read(ctx, tok, &dids) == VO_OK,
       "draft 1.1: the pieces of the grammar are single tokens of the real tokenizer (%s)",
       vo_last_error(ctx));
    if (!tok)
        return done_testing();
    ok(dids.char_open == vo_tokenizer_token_id(tok, "<char>") &&
       dids.bbox_close == vo_tokenizer_token_id(tok, "</bbox>") && dids.digit[0] != dids.digit[1],
       "draft 1.2: tags and digits have their ids (<char> %d, </bbox> %d)", (int)dids.char_open,
       (int)dids.bbox_close);

    /* a tokenizer that does not split the grammar as the drafter needs is
     * refused: the real one without its added token <char> */
    char src[4200], tmp[] = "/tmp/vo-draft-tok-XXXXXX";
    snprintf(src, sizeof src, "%s/tokenizer.json", d);
    json_t *tj = json_load_file(src, 0, NULL), *added = json_object_get(tj, "added_tokens"), *a;
    size_t k;
    json_array_foreach(added, k, a)
        if (!strcmp(json_string_value(json_object_get(a, "content")) ?: "", "<char>")) {
            json_array_remove(added, k);
            break;
        }
    int fd = mkstemp(tmp);
    vo_tokenizer *merged = NULL;
    if (fd >= 0) {
        close(fd);
        if (tj && json_dump_file(tj, tmp, 0) == 0)
            vo_load_tokenizer_file(ctx, tmp, &merged);
        unlink(tmp);
    }
    json_decref(tj);
    vo_draft_ids bad;
    ok(merged && vo_draft_ids_read(ctx, merged, &bad) == VO_ERR_UNSUPPORTED,
       "draft 1.3: a tokenizer without the grammar's single tokens turns drafting off (%s)",
       vo_last_error(ctx));
    vo_drop_tokenizer(merged);

    /* the drafter fed anything: drafts within max, never more */
    vo_drafter *dr = vo_drafter_new(&dids);
    int32_t junk[400], draft[8];
    unsigned seed = 7;
    int within = dr != NULL;
    for (int i = 0; i < 400 && dr; i++) {
        seed = seed * 1103515245u + 12345u;
        int pick = (int)((seed >> 16) % 20);
        junk[i] = pick < 10 ? dids.digit[pick] : pick == 10 ? dids.char_open
                  : pick == 11 ? dids.bbox_open : pick == 12 ? dids.bbox_close
                  : pick == 13 ? dids.comma : pick == 14 ? dids.space : pick == 15 ? dids.dot
                  : pick == 16 ? dids.char_close : (int32_t)(seed % 150000u);
        int nd = vo_drafter_propose(dr, junk, i + 1, draft, 1 + i % 8);
        within &= nd >= 0 && nd <= 1 + i % 8;
    }
    vo_drafter_free(dr);
    ok(within, "draft 1.4: 400 tokens in any order: drafts stay within their room");

    /* replay of realistic pages */
    const char *env = getenv("VO_DRAFT_LINES");
    char kor[4200], eng[4200];
    const char *top = getenv("top_srcdir");
    if (env && sscanf(env, "%4199s %4199s", kor, eng) == 2) {
        diag("replaying %s and %s", kor, eng);
    } else {
        snprintf(kor, sizeof kor, "%s/tests/data/ocr/kor-lines.jsonl", top ? top : "..");
        snprintf(eng, sizeof eng, "%s/tests/data/ocr/eng-lines.jsonl", top ? top : "..");
    }
    replay rk = {0}, re = {0};
    int gk = replay_file(ctx, tok, &dids, kor, &rk);
    int ge = replay_file(ctx, tok, &dids, eng, &re);
    double pk = rk.tokens ? (double)rk.passes / (double)rk.tokens : 1;
    double pe = re.tokens ? (double)re.passes / (double)re.tokens : 1;
    ok(gk && pk <= 0.5, "draft 2.1: Korean: %ld pages, %ld characters, %ld tokens in %ld passes: "
       "%.3f passes a token (%.1f tokens a character)", rk.pages, rk.chars, rk.tokens, rk.passes,
       pk, rk.chars ? (double)rk.tokens / (double)rk.chars : 0.0);
    ok(ge && pe <= 0.5, "draft 2.2: English: %ld pages, %ld characters, %ld tokens in %ld passes: "
       "%.3f passes a token (%.1f tokens a character)", re.pages, re.chars, re.tokens, re.passes,
       pe, re.chars ? (double)re.tokens / (double)re.chars : 0.0);
    printf("# {\"draft.passes_per_token.kor\": %.4f, \"draft.passes_per_token.eng\": %.4f, "
           "\"draft.tokens_per_char.kor\": %.2f, \"draft.tokens_per_char.eng\": %.2f}\n", pk, pe,
           rk.chars ? (double)rk.tokens / (double)rk.chars : 0.0,
           re.chars ? (double)re.tokens / (double)re.chars : 0.0);
    vo_drop_tokenizer(tok);
    vo_drop_ctx(ctx);
    return done_testing();
}
