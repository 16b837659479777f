/* pdfcheck.c: helpers of the PDF tests (tools, normalization, similarity,
 * pdftotext -bbox parsing). Test code: plain malloc, abort-free. */
#include "tests/pdf/pdfcheck.h"
#include "src/eval/eval_impl.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <utf8proc.h>
#include <jansson.h>

char *pc_run(const char *cmd, int *rc)
{
    FILE *p = popen(cmd, "r");
    *rc = -1;
    if (!p)
        return NULL;
    size_t len = 0, cap = 4096;
    char *s = malloc(cap);
    size_t n;
    while (s && (n = fread(s + len, 1, cap - len - 1, p)) > 0) {
        len += n;
        if (cap - len < 2) {
            char *t = realloc(s, cap * 2);
            if (!t) {
                free(s);
                s = NULL;
                break;
            }
            s = t;
            cap *= 2;
        }
    }
    int st = pclose(p);
    *rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    for (size_t i = 0; s && i < len; i++) /* one C string: a NUL (binary streams) reads as a space */
        if (!s[i])
            s[i] = ' ';
    if (s)
        s[len] = 0;
    return s;
}

int pc_have(const char *tool)
{
    char cmd[256];
    int rc;
    snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tool);
    free(pc_run(cmd, &rc));
    return rc == 0;
}

char *pc_normalize(const char *s)
{
    char *nfc = (char *)utf8proc_NFC((const utf8proc_uint8_t *)s);
    if (!nfc)
        return NULL;
    char *out = malloc(strlen(nfc) + 1);
    size_t o = 0;
    int space = 0;
    for (const char *p = nfc; *p; p++) {
        if (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r' || *p == '\f') {
            space = 1;
            continue;
        }
        if (space && o > 0)
            out[o++] = ' ';
        space = 0;
        out[o++] = *p;
    }
    out[o] = 0;
    free(nfc);
    return out;
}

static int32_t *to_cps(const char *s, size_t *n)
{
    size_t len = strlen(s);
    int32_t *cps = malloc((len + 1) * sizeof *cps);
    *n = 0;
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    while (len > 0) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate(p, (utf8proc_ssize_t)len, &cp);
        if (k <= 0) {
            cp = 0xFFFD;
            k = 1;
        }
        cps[(*n)++] = cp;
        p += k;
        len -= (size_t)k;
    }
    return cps;
}

double pc_similarity(const char *a, const char *b)
{
    size_t na, nb;
    int32_t *ca = to_cps(a, &na), *cb = to_cps(b, &nb);
    /* code points are never negative: the same bits as uint32_t */
    int64_t d = eval_distance((const uint32_t *)ca, na, (const uint32_t *)cb, nb);
    size_t dist = d < 0 ? (na > nb ? na : nb) : (size_t)d, m = na > nb ? na : nb;
    free(ca);
    free(cb);
    return m ? 1.0 - (double)dist / (double)m : 1.0;
}

static char *unescape_html(const char *s, size_t n)
{
    char *out = malloc(n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        static const struct { const char *ent; char c; } ents[] = {
            {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''},
        };
        int done = 0;
        for (size_t e = 0; e < sizeof ents / sizeof ents[0] && !done; e++) {
            size_t el = strlen(ents[e].ent);
            if (i + el <= n && !strncmp(s + i, ents[e].ent, el)) {
                out[o++] = ents[e].c;
                i += el - 1;
                done = 1;
            }
        }
        if (!done)
            out[o++] = s[i];
    }
    out[o] = 0;
    return out;
}

int pc_parse_bbox(const char *html, pc_word **words)
{
    int n = 0, cap = 0, page = 0;
    *words = NULL;
    for (const char *p = html; *p; p++) {
        if (!strncmp(p, "<page ", 6)) {
            page++;
            continue;
        }
        if (strncmp(p, "<word ", 6))
            continue;
        double x0, y0, x1, y1;
        if (sscanf(p, "<word xMin=\"%lf\" yMin=\"%lf\" xMax=\"%lf\" yMax=\"%lf\"", &x0, &y0,
                   &x1, &y1) != 4)
            continue;
        const char *t = strchr(p, '>'), *e = t ? strstr(t, "</word>") : NULL;
        if (!e)
            break;
        if (n == cap) {
            cap = cap ? 2 * cap : 256;
            *words = realloc(*words, (size_t)cap * sizeof **words);
        }
        (*words)[n].text = unescape_html(t + 1, (size_t)(e - t - 1));
        (*words)[n].box = (vo_box){(float)x0, (float)y0, (float)x1, (float)y1};
        (*words)[n].page = page;
        n++;
        p = e;
    }
    return n;
}

void pc_free_words(pc_word *w, int n)
{
    for (int i = 0; i < n; i++)
        free(w[i].text);
    free(w);
}

char *pc_page_text(const vo_page *page)
{
    size_t cap = 1024, len = 0;
    char *s = malloc(cap);
    s[0] = 0;
    for (int b = 0; b < page->n_blocks; b++)
        for (int p = 0; p < page->blocks[b].n_pars; p++)
            for (int l = 0; l < page->blocks[b].pars[p].n_lines; l++) {
                const vo_line *ln = &page->blocks[b].pars[p].lines[l];
                for (int w = 0; w < ln->n_words; w++) {
                    size_t k = strlen(ln->words[w].text);
                    if (len + k + 2 > cap) {
                        cap = 2 * (len + k + 2);
                        s = realloc(s, cap);
                    }
                    if (len)
                        s[len++] = ' ';
                    memcpy(s + len, ln->words[w].text, k + 1);
                    len += k;
                }
            }
    return s;
}

static vo_box box_of(json_t *a)
{
    return (vo_box){(float)json_number_value(json_array_get(a, 0)),
                    (float)json_number_value(json_array_get(a, 1)),
                    (float)json_number_value(json_array_get(a, 2)),
                    (float)json_number_value(json_array_get(a, 3))};
}

/* The page model straight from the ground truth (blocks → lines → words →
 * glyphs), with the PNG as its source. */
vo_page *pc_page_from_gt(json_t *gt, const char *png)
{
    vo_page *p = vo_new_page(1, (int)json_integer_value(json_object_get(gt, "width")),
                             (int)json_integer_value(json_object_get(gt, "height")),
                             (float)json_number_value(json_object_get(gt, "dpi")),
                             (float)json_number_value(json_object_get(gt, "dpi")), png);
    size_t bi, li, wi, gi;
    json_t *b, *l, *w, *g;
    json_array_foreach(json_object_get(gt, "blocks"), bi, b) {
        vo_page_add_block(p);
        vo_page_add_par(p);
        json_array_foreach(json_object_get(b, "lines"), li, l) {
            vo_page_add_line(p);
            json_array_foreach(json_object_get(l, "words"), wi, w) {
                const char *t = json_string_value(json_object_get(w, "text"));
                const char *lang = json_string_value(json_object_get(w, "lang"));
                vo_page_add_word(p, t, strlen(t), box_of(json_object_get(w, "box")), VO_CONF_NONE,
                                 lang && !strcmp(lang, "kor") ? "kor" : "eng");
                json_array_foreach(json_object_get(w, "glyphs"), gi, g) {
                    const char *gt_text = json_string_value(json_object_get(g, "text"));
                    vo_page_add_glyph(p, gt_text, strlen(gt_text), box_of(json_object_get(g, "box")),
                                      VO_CONF_NONE);
                }
            }
        }
    }
    vo_page_finish(p);
    return p;
}

