/* eval_read.c: an OCR file of any format read as pages of lines of words
 * with their boxes, for `varco-ocr eval`: ALTO (String), PAGE-XML (Word,
 * else the line's or region's TextEquiv), hOCR (ocrx_word, else the line's
 * text), Tesseract TSV (level-5 rows), varco-ocr's JSON (words, or a
 * "text") and plain text. The format is told by
 * the content, never by the name. Files are untrusted: no network, no
 * entity expansion, a size limit. */
#include "src/eval/eval_impl.h"
#include "src/util/alloc.h"
#include "src/util/buf.h"

#include <jansson.h>
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <utf8proc.h>

#define EVAL_MAX_FILE (256u << 20)
/* a TSV number beyond this is no page coordinate, and could overflow left + width */
#define TSV_MAX_VALUE 100000000

const char *eval_format_name(eval_format f)
{
    static const char *const names[] = {[EVAL_TXT] = "text", [EVAL_ALTO] = "ALTO",
                                        [EVAL_PAGE] = "PAGE", [EVAL_HOCR] = "hOCR",
                                        [EVAL_TSV] = "TSV", [EVAL_JSON] = "JSON"};
    return names[f];
}

const char *eval_unit_name(eval_unit u)
{
    static const char *const names[] = {[EVAL_UNIT_PIXEL] = "pixel", [EVAL_UNIT_MM10] = "mm10",
                                        [EVAL_UNIT_INCH1200] = "inch1200"};
    return names[u];
}

void eval_doc_free(eval_doc *doc)
{
    for (size_t p = 0; p < doc->n; p++) {
        for (size_t i = 0; i < doc->pages[p].n; i++)
            vo_free(doc->pages[p].words[i].text);
        vo_free(doc->pages[p].words);
    }
    vo_free(doc->pages);
    memset(doc, 0, sizeof *doc);
}

vo_status eval_new_page(eval_doc *doc)
{
    if (vo_grow((void **)&doc->pages, &doc->cap, doc->n + 1, sizeof *doc->pages))
        return VO_ERR_NOMEM;
    memset(&doc->pages[doc->n++], 0, sizeof *doc->pages);
    return VO_OK;
}

/* a copy of text[0, len) where bytes that are not UTF-8 (an HTML file that
 * lied about its encoding) are U+FFFD each: a word read is always scored */
static char *utf8_clean(const char *text, size_t len)
{
    char *out = vo_malloc(3 * len + 1), *o = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < len;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t r = utf8proc_iterate((const utf8proc_uint8_t *)text + i,
                                              (utf8proc_ssize_t)(len - i), &cp);
        if (r <= 0 || cp == 0) {
            memcpy(o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
            continue;
        }
        memcpy(o, text + i, (size_t)r);
        o += r;
        i += (size_t)r;
    }
    *o = '\0';
    return out;
}

vo_status eval_add_word(eval_doc *doc, const char *text, size_t len, const vo_box *box,
                        bool new_line)
{
    if (doc->n == 0 && eval_new_page(doc))
        return VO_ERR_NOMEM;
    eval_page *pg = &doc->pages[doc->n - 1];
    if (new_line || pg->lines == 0)
        pg->lines++;
    if (vo_grow((void **)&pg->words, &pg->cap, pg->n + 1, sizeof *pg->words))
        return VO_ERR_NOMEM;
    eval_word *w = &pg->words[pg->n];
    if (!(w->text = utf8_clean(text, len)))
        return VO_ERR_NOMEM;
    w->has_box = box != NULL;
    w->box = box ? *box : (vo_box){0, 0, 0, 0};
    w->line = pg->lines - 1;
    pg->n++;
    return VO_OK;
}

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v';
}

vo_status eval_add_text(eval_doc *doc, const char *text, size_t len, bool new_line)
{
    size_t i = 0;
    while (i < len) {
        if (text[i] == '\n') {
            new_line = true;
            i++;
            continue;
        }
        if (is_space((unsigned char)text[i])) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < len && !is_space((unsigned char)text[j]))
            j++;
        if (eval_add_word(doc, text + i, j - i, NULL, new_line))
            return VO_ERR_NOMEM;
        new_line = false;
        i = j;
    }
    return VO_OK;
}

/* --- XML helpers --- */

static bool named(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static double attr_num(xmlNode *n, const char *name, bool *ok)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    if (!v) {
        *ok = false;
        return 0;
    }
    char *end;
    double d = strtod((const char *)v, &end);
    if (end == (char *)v)
        *ok = false;
    xmlFree(v);
    return d;
}

/* the text of element n (all its descendants' text), added as words */
static vo_status add_content(eval_doc *doc, xmlNode *n, bool new_line)
{
    xmlChar *t = xmlNodeGetContent(n);
    if (!t)
        return VO_OK;
    vo_status st = eval_add_text(doc, (const char *)t, strlen((const char *)t), new_line);
    xmlFree(t);
    return st;
}

/* --- ALTO --- */

static vo_status alto_walk(eval_doc *doc, xmlNode *n, bool *new_line)
{
    for (xmlNode *c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        vo_status st = VO_OK;
        if (named(c, "Page")) {
            if ((st = eval_new_page(doc)))
                return st;
            st = alto_walk(doc, c, new_line);
        } else if (named(c, "MeasurementUnit")) {
            xmlChar *u = xmlNodeGetContent(c);
            if (u && strstr((const char *)u, "mm10"))
                doc->unit = EVAL_UNIT_MM10;
            else if (u && strstr((const char *)u, "inch1200"))
                doc->unit = EVAL_UNIT_INCH1200;
            xmlFree(u);
        } else if (named(c, "TextLine")) {
            *new_line = true;
            st = alto_walk(doc, c, new_line);
        } else if (named(c, "String")) {
            xmlChar *text = xmlGetProp(c, (const xmlChar *)"CONTENT");
            bool ok = true;
            double x = attr_num(c, "HPOS", &ok), y = attr_num(c, "VPOS", &ok);
            double w = attr_num(c, "WIDTH", &ok), h = attr_num(c, "HEIGHT", &ok);
            vo_box b = {(float)x, (float)y, (float)(x + w), (float)(y + h)};
            if (text && *text) {
                st = eval_add_word(doc, (const char *)text, strlen((const char *)text),
                                   ok ? &b : NULL, *new_line);
                *new_line = false;
            }
            xmlFree(text);
        } else {
            st = alto_walk(doc, c, new_line);
        }
        if (st)
            return st;
    }
    return VO_OK;
}

/* --- PAGE-XML --- */

static xmlNode *child(xmlNode *n, const char *name)
{
    for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
        if (named(c, name))
            return c;
    return NULL;
}

/* the Unicode of n's first TextEquiv */
static xmlChar *page_text(xmlNode *n)
{
    xmlNode *u = child(child(n, "TextEquiv"), "Unicode");
    return u ? xmlNodeGetContent(u) : NULL;
}

/* Coords points="x,y x,y ...": their bounding box */
static bool page_box(xmlNode *n, vo_box *b)
{
    xmlNode *c = child(n, "Coords");
    xmlChar *pts = c ? xmlGetProp(c, (const xmlChar *)"points") : NULL;
    if (!pts)
        return false;
    const char *s = (const char *)pts;
    int k = 0;
    while (*s) {
        char *end;
        double x = strtod(s, &end);
        if (end == s || *end != ',')
            break;
        s = end + 1;
        double y = strtod(s, &end);
        if (end == s)
            break;
        s = end;
        while (*s == ' ')
            s++;
        if (k++ == 0)
            *b = (vo_box){(float)x, (float)y, (float)x, (float)y};
        b->x0 = b->x0 < x ? b->x0 : (float)x;
        b->y0 = b->y0 < y ? b->y0 : (float)y;
        b->x1 = b->x1 > x ? b->x1 : (float)x;
        b->y1 = b->y1 > y ? b->y1 : (float)y;
    }
    xmlFree(pts);
    return k > 0;
}

static vo_status page_line(eval_doc *doc, xmlNode *line)
{
    bool new_line = true;
    vo_status st = VO_OK;
    for (xmlNode *w = line->children; w && !st; w = w->next) {
        if (!named(w, "Word"))
            continue;
        xmlChar *t = page_text(w);
        vo_box b;
        bool boxed = page_box(w, &b);
        if (t && *t) {
            st = eval_add_word(doc, (const char *)t, strlen((const char *)t), boxed ? &b : NULL,
                               new_line);
            new_line = false;
        }
        xmlFree(t);
    }
    if (new_line && !st) {      /* no Word with text: the line's own text */
        xmlChar *t = page_text(line);
        if (t)
            st = eval_add_text(doc, (const char *)t, strlen((const char *)t), true);
        xmlFree(t);
    }
    return st;
}

static vo_status page_walk(eval_doc *doc, xmlNode *n)
{
    for (xmlNode *c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        vo_status st = VO_OK;
        if (named(c, "Page")) {
            if (!(st = eval_new_page(doc)))
                st = page_walk(doc, c);
        } else if (named(c, "TextLine")) {
            st = page_line(doc, c);
        } else if (named(c, "TextRegion")) {
            bool lines = false;
            for (xmlNode *l = c->children; l; l = l->next)
                lines |= named(l, "TextLine");
            if (lines) {
                st = page_walk(doc, c);
            } else {        /* a region with its text only, and nested regions */
                xmlChar *t = page_text(c);
                if (t)
                    st = eval_add_text(doc, (const char *)t, strlen((const char *)t), true);
                xmlFree(t);
                if (!st)
                    st = page_walk(doc, c);
            }
        } else if (!named(c, "TextEquiv")) {
            st = page_walk(doc, c);
        }
        if (st)
            return st;
    }
    return VO_OK;
}

/* --- hOCR --- */

static bool has_class(xmlNode *n, const char *const *classes)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)"class");
    bool found = false;
    for (const char *s = (const char *)v; s && *s && !found;) {
        while (*s == ' ')
            s++;
        size_t len = strcspn(s, " ");
        for (int i = 0; classes[i] && !found; i++)
            found = len && strlen(classes[i]) == len && memcmp(classes[i], s, len) == 0;
        s += len;
    }
    xmlFree(v);
    return found;
}

static const char *const hocr_page[] = {"ocr_page", NULL};
static const char *const hocr_line[] = {"ocr_line", "ocrx_line", "ocr_header", "ocr_caption",
                                        "ocr_textfloat", NULL};
static const char *const hocr_word[] = {"ocrx_word", NULL};

/* title="...; bbox x0 y0 x1 y1; ..." */
static bool hocr_box(xmlNode *n, vo_box *b)
{
    xmlChar *t = xmlGetProp(n, (const xmlChar *)"title");
    const char *s = t ? strstr((const char *)t, "bbox ") : NULL;
    double v[4];
    int k = 0;
    if (s) {
        s += 5;
        for (; k < 4; k++) {
            char *end;
            v[k] = strtod(s, &end);
            if (end == s)
                break;
            s = end;
        }
    }
    xmlFree(t);
    if (k < 4)
        return false;
    *b = (vo_box){(float)v[0], (float)v[1], (float)v[2], (float)v[3]};
    return true;
}

static bool has_word(xmlNode *n)
{
    for (xmlNode *c = n->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && (has_class(c, hocr_word) || has_word(c)))
            return true;
    return false;
}

static vo_status hocr_walk(eval_doc *doc, xmlNode *n, bool *new_line)
{
    for (xmlNode *c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        vo_status st = VO_OK;
        if (has_class(c, hocr_page)) {
            if (!(st = eval_new_page(doc)))
                st = hocr_walk(doc, c, new_line);
        } else if (has_class(c, hocr_word)) {
            xmlChar *t = xmlNodeGetContent(c);
            size_t len = t ? strlen((const char *)t) : 0;
            vo_box b;
            bool boxed = hocr_box(c, &b);
            /* a word's own spaces are trimmed */
            const char *s = (const char *)t;
            while (len && is_space((unsigned char)*s))
                s++, len--;
            while (len && is_space((unsigned char)s[len - 1]))
                len--;
            if (len) {
                st = eval_add_word(doc, s, len, boxed ? &b : NULL, *new_line);
                *new_line = false;
            }
            xmlFree(t);
        } else if (has_class(c, hocr_line)) {
            *new_line = true;
            st = has_word(c) ? hocr_walk(doc, c, new_line) : add_content(doc, c, true);
        } else {
            st = hocr_walk(doc, c, new_line);
        }
        if (st)
            return st;
    }
    return VO_OK;
}

/* --- Tesseract TSV --- */

static vo_status read_tsv(vo_ctx *ctx, const char *path, char *s, eval_doc *doc)
{
    long page = -1, line_key[3] = {-1, -1, -1};
    bool header = true;
    int row = 0;
    for (char *ln = s; ln && *ln;) {
        char *next = strchr(ln, '\n');
        if (next)
            *next++ = '\0';
        row++;
        if (header) {
            header = false;
            ln = next;
            continue;
        }
        char *f[12];
        int k = 0;
        for (char *p = ln; k < 12; k++) {
            f[k] = p;
            char *tab = k < 11 ? strchr(p, '\t') : NULL;
            if (k < 11 && !tab)
                break;
            if (tab) {
                *tab = '\0';
                p = tab + 1;
            }
        }
        if (*ln == '\0' || (k == 0 && f[0][0] == '\r')) {
            ln = next;
            continue;
        }
        if (k < 12)
            return vo_fail(ctx, VO_ERR_FORMAT, "%s: line %d: a TSV row needs 12 columns (level, "
                           "page_num, block_num, par_num, line_num, word_num, left, top, "
                           "width, height, conf, text)", path, row);
        long v[10];
        for (int i = 0; i < 10; i++) {
            char *end;
            v[i] = strtol(f[i], &end, 10);
            if (end == f[i])
                return vo_fail(ctx, VO_ERR_FORMAT, "%s: line %d: column %d is not a number",
                               path, row, i + 1);
            if (v[i] < -TSV_MAX_VALUE || v[i] > TSV_MAX_VALUE)
                return vo_fail(ctx, VO_ERR_FORMAT, "%s: line %d: column %d is %ld, outside "
                               "+-%d", path, row, i + 1, v[i], TSV_MAX_VALUE);
        }
        if (v[1] != page) {
            page = v[1];
            if (eval_new_page(doc))
                return VO_ERR_NOMEM;
        }
        size_t len = strlen(f[11]);
        while (len && is_space((unsigned char)f[11][len - 1]))
            len--;
        if (v[0] == 5 && len) {
            bool new_line = v[2] != line_key[0] || v[3] != line_key[1] || v[4] != line_key[2];
            line_key[0] = v[2], line_key[1] = v[3], line_key[2] = v[4];
            vo_box b = {(float)v[6], (float)v[7], (float)(v[6] + v[8]), (float)(v[7] + v[9])};
            if (eval_add_word(doc, f[11], len, &b, new_line))
                return VO_ERR_NOMEM;
        }
        ln = next;
    }
    return VO_OK;
}

/* --- plain text: pages at form feeds --- */

/* text and TSV must be UTF-8 (the XML parsers convert what they read) */
static vo_status check_utf8(vo_ctx *ctx, const char *path, const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t r = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
                                              (utf8proc_ssize_t)(n - i), &cp);
        if (r <= 0 || cp == 0)
            return vo_fail(ctx, VO_ERR_FORMAT, "%s: not UTF-8 text (byte %zu), nor ALTO, PAGE, "
                           "hOCR or TSV", path, i);
        i += (size_t)r;
    }
    return VO_OK;
}

static vo_status read_txt(vo_ctx *ctx, const char *path, const char *s, size_t n, eval_doc *doc)
{
    vo_status st = check_utf8(ctx, path, s, n);
    if (st)
        return st;
    for (const char *p = s, *end = s + n; p <= end;) {
        const char *ff = memchr(p, '\f', (size_t)(end - p));
        const char *stop = ff ? ff : end;
        if (eval_new_page(doc) || eval_add_text(doc, p, (size_t)(stop - p), true))
            return VO_ERR_NOMEM;
        if (!ff)
            break;
        p = ff + 1;
        if (p == end)       /* a last form feed ends the last page */
            break;
    }
    return VO_OK;
}

/* whether the first 4 KiB of s hold `tag` (ASCII, any case) */
static bool head_has(const char *s, size_t n, const char *tag)
{
    size_t k = strlen(tag);
    n = n < 4096 ? n : 4096;
    for (size_t i = 0; i + k <= n; i++)
        if (strncasecmp(s + i, tag, k) == 0)
            return true;
    return false;
}

/* markup: an XML declaration, or the start of ALTO, PAGE or (X)HTML; a
 * text that merely starts with '<' ("<i> by ...") is text */
static bool is_markup(const char *s, size_t n)
{
    return strncmp(s, "<?xml", 5) == 0 || head_has(s, n, "<alto") ||
           head_has(s, n, "<pcgts") || head_has(s, n, "<html") ||
           head_has(s, n, "<!doctype html");
}

static vo_status read_xml(vo_ctx *ctx, const char *path, const char *s, size_t n, eval_doc *doc)
{
    int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
    bool html = head_has(s, n, "<html") || head_has(s, n, "<!doctype html");
    xmlDoc *x = html ? NULL : xmlReadMemory(s, (int)n, path, NULL, opts);
    if (html)   /* hOCR, as HTML or XHTML */
        x = htmlReadMemory(s, (int)n, path, "UTF-8", HTML_PARSE_NONET | HTML_PARSE_NOERROR |
                           HTML_PARSE_NOWARNING | HTML_PARSE_NOIMPLIED);
    xmlNode *root = x ? xmlDocGetRootElement(x) : NULL;
    if (!root) {
        if (x)
            xmlFreeDoc(x);
        return vo_fail(ctx, VO_ERR_FORMAT, "%s: not well-formed XML or HTML", path);
    }
    vo_status st;
    bool new_line = true;
    const char *name = (const char *)root->name;
    if (!html && strcmp(name, "alto") == 0) {
        doc->format = EVAL_ALTO;
        st = alto_walk(doc, root, &new_line);
    } else if (!html && strcmp(name, "PcGts") == 0) {
        doc->format = EVAL_PAGE;
        st = page_walk(doc, root);
    } else if (html || strcmp(name, "html") == 0) {
        doc->format = EVAL_HOCR;
        st = hocr_walk(doc, root, &new_line);
    } else {
        st = vo_fail(ctx, VO_ERR_FORMAT, "%s: XML with root <%s>: not ALTO (<alto>), PAGE "
                     "(<PcGts>) or hOCR (<html>)", path, name);
    }
    xmlFreeDoc(x);
    if (st == VO_ERR_NOMEM)
        return vo_fail(ctx, st, "%s: out of memory", path);
    return st;
}

/* --- JSON: varco-ocr's page model (-f json), or an object with "text" --- */

static vo_status json_words(eval_doc *doc, json_t *words)
{
    bool new_line = true;
    size_t i;
    json_t *w;
    json_array_foreach(words, i, w) {
        const char *text = json_string_value(json_object_get(w, "text"));
        json_t *bb = json_object_get(w, "bbox");
        if (!text || !*text)
            continue;
        vo_box b;
        bool boxed = json_array_size(bb) == 4;
        for (size_t k = 0; boxed && k < 4; k++)
            boxed = json_is_number(json_array_get(bb, k));
        if (boxed)
            b = (vo_box){(float)json_number_value(json_array_get(bb, 0)),
                         (float)json_number_value(json_array_get(bb, 1)),
                         (float)json_number_value(json_array_get(bb, 2)),
                         (float)json_number_value(json_array_get(bb, 3))};
        if (eval_add_word(doc, text, strlen(text), boxed ? &b : NULL, new_line))
            return VO_ERR_NOMEM;
        new_line = false;
    }
    return VO_OK;
}

/* a JSON object: '{' then a key's quote or the closing brace; a text line
 * that starts with '{' ("{replylink ...", a corpus line) is text */
static bool is_json(const char *s, size_t n)
{
    if (n == 0 || s[0] != '{')
        return false;
    size_t i = 1;
    while (i < n && is_space((unsigned char)s[i]))
        i++;
    return i < n && (s[i] == '"' || s[i] == '}');
}

static vo_status read_json(vo_ctx *ctx, const char *path, const char *s, size_t n, eval_doc *doc)
{
    json_error_t err;
    json_t *root = json_loadb(s, n, JSON_REJECT_DUPLICATES, &err);
    if (!json_is_object(root)) {
        json_decref(root);
        return vo_fail(ctx, VO_ERR_FORMAT, "%s: line %d: not a JSON object (%s)", path, err.line,
                       err.text);
    }
    vo_status st = VO_OK;
    json_t *pages = json_object_get(root, "pages");
    const char *text = json_string_value(json_object_get(root, "text"));
    if (json_is_array(pages)) {
        size_t i;
        json_t *pg;
        json_array_foreach(pages, i, pg) {
            if ((st = eval_new_page(doc)))
                break;
            size_t bi, pi, li;
            json_t *b, *par, *line;
            json_array_foreach(json_object_get(pg, "blocks"), bi, b)
                json_array_foreach(json_object_get(b, "paragraphs"), pi, par)
                    json_array_foreach(json_object_get(par, "lines"), li, line)
                        if (!st)
                            st = json_words(doc, json_object_get(line, "words"));
            if (st)
                break;
        }
    } else if (text) {      /* a ground truth as {"text": "..."} */
        st = eval_new_page(doc);
        if (!st)
            st = eval_add_text(doc, text, strlen(text), true);
    } else {
        st = vo_fail(ctx, VO_ERR_FORMAT, "%s: JSON with neither \"pages\" (varco-ocr -f json) "
                     "nor \"text\"", path);
    }
    json_decref(root);
    return st;
}

vo_status eval_read(vo_ctx *ctx, const char *path, eval_doc *doc)
{
    vo_buf b = VO_BUF_INIT;
    vo_status st = vo_read_file(ctx, path, EVAL_MAX_FILE, &b);
    if (st) {
        vo_buf_free(&b);
        return st;
    }
    const char *s = b.data ? b.data : "";
    size_t n = b.len;
    if (n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
        s += 3, n -= 3;
    size_t lead = 0;
    while (lead < n && is_space((unsigned char)s[lead]))
        lead++;
    if (lead < n && s[lead] == '<' && is_markup(s + lead, n - lead)) {
        st = read_xml(ctx, path, s, n, doc);
    } else if (is_json(s + lead, n - lead)) {
        doc->format = EVAL_JSON;
        st = read_json(ctx, path, s, n, doc);
    } else if (strncmp(s, "level\tpage_num\t", 15) == 0) {
        doc->format = EVAL_TSV;
        st = check_utf8(ctx, path, s, n);
        if (!st)
            st = read_tsv(ctx, path, b.data + (s - b.data), doc);
    } else {
        doc->format = EVAL_TXT;
        st = read_txt(ctx, path, s, n, doc);
    }
    if (st == VO_ERR_NOMEM && vo_last_status(ctx) != VO_ERR_NOMEM)
        st = vo_fail(ctx, st, "%s: out of memory", path);
    vo_buf_free(&b);
    return st;
}
