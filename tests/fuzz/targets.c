/* targets.c: what each fuzz target does with its bytes (model folder files,
 * tokenizer, grounded output through every writer, PDF/TIFF input, CLI). */
#include "tests/fuzz/targets.h"

#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <libxml/parser.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utf8proc.h>

#include "formats/writer.h"
#include "src/cli/options.h"
#include "src/model/config.h"
#include "src/model/safetensors.h"
#include "src/model/tokenizer.h"
#include "src/eval/eval_impl.h"
#include "src/ocr/ground.h"
#include "src/ocr/layout.h"
#include "src/pipeline/pages.h"
#include "src/source/document.h"
#include "src/util/alloc.h"
#include "src/util/output.h"
#include "src/util/status.h"

/* --- shared helpers --- */

static char tmp_root[512];
static char problem[512];
static vo_tokenizer *real_tok;
static int real_tok_tried;

const char *fuzz_last_problem(void)
{
    return problem;
}

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(problem, sizeof problem, fmt, ap);
    va_end(ap);
    return -1;
}

static int rm_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)sb;
    (void)type;
    (void)ftw;
    remove(path);
    return 0;
}

void fuzz_cleanup(void)
{
    vo_drop_tokenizer(real_tok);
    real_tok = NULL;
    real_tok_tried = 0;
    if (tmp_root[0])
        nftw(tmp_root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    tmp_root[0] = 0;
}

/* The temp folder, made on first use: sub is "" or a subfolder name. */
static const char *tmp_path(char *buf, size_t cap, const char *sub, const char *file)
{
    if (!tmp_root[0]) {
        const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
        snprintf(tmp_root, sizeof tmp_root, "%s/vo-fuzz-XXXXXX", base);
        if (!mkdtemp(tmp_root)) {
            tmp_root[0] = 0;
            return NULL;
        }
        atexit(fuzz_cleanup);
    }
    snprintf(buf, cap, "%s/%s", tmp_root, sub);
    mkdir(buf, 0700);
    if (file)
        snprintf(buf, cap, "%s/%s/%s", tmp_root, sub, file);
    return buf;
}

static int write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    int bad = n && fwrite(data, 1, n, f) != n;
    return fclose(f) || bad ? -1 : 0;
}

static void discard_log(void *user, int level, const char *msg)
{
    (void)user;
    (void)level;
    (void)msg;
}

/* A context whose warnings are formatted (debug level) but not printed. */
static vo_ctx *quiet_ctx(void)
{
    vo_ctx *ctx = vo_new_ctx();
    if (ctx) {
        vo_set_log(ctx, discard_log, NULL);
        vo_set_verbosity(ctx, 3);
    }
    return ctx;
}

/* An error must come with a message. */
static int check_error(vo_ctx *ctx, vo_status st, const char *what)
{
    if (st != VO_OK && !vo_last_error(ctx)[0])
        return fail("%s failed (%s) without a message", what, vo_status_name(st));
    return 0;
}

/* --- safetensors: bytes as model.safetensors, or as the index of two shards --- */

static int write_safetensors(const char *path, const char *header, const void *data, size_t n)
{
    size_t hl = strlen(header);
    unsigned char len[8];
    for (int i = 0; i < 8; i++)
        len[i] = (unsigned char)((uint64_t)hl >> (8 * i));
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    int bad = fwrite(len, 1, 8, f) != 8 || fwrite(header, 1, hl, f) != hl ||
              (n && fwrite(data, 1, n, f) != n);
    return fclose(f) || bad ? -1 : 0;
}

/* The two shards an index seed may name (made once). */
static int make_shards(void)
{
    static int made;
    if (made)
        return 0;
    static const unsigned char bytes[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    char p[600];
    if (!tmp_path(p, sizeof p, "idx", "model-00001-of-00002.safetensors") ||
        write_safetensors(p, "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                             "\"model.language_model.embed_tokens.weight\":{\"dtype\":\"BF16\","
                             "\"shape\":[2,2],\"data_offsets\":[8,16]}}", bytes, 16))
        return -1;
    if (!tmp_path(p, sizeof p, "idx", "model-00002-of-00002.safetensors") ||
        write_safetensors(p, "{\"__metadata__\":{\"format\":\"pt\"},\"lm_head.weight\":{\"dtype\":\"BF16\","
                             "\"shape\":[2,2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F16\",\"shape\":[],"
                             "\"data_offsets\":[8,10]}}", bytes, 10))
        return -1;
    made = 1;
    return 0;
}

static int check_weights(vo_ctx *ctx, const vo_weights *w, size_t file_size)
{
    size_t n = vo_weights_count(w);
    uint64_t total = 0;
    volatile unsigned sum = 0;
    for (size_t i = 0; i < n; i++) {
        const vo_tensor_view *v = vo_weights_at(w, i);
        if (!v || !v->name || !v->file)
            return fail("safetensors: view %zu of %zu is missing", i, n);
        if (vo_weights_find(w, v->name) == NULL)
            return fail("safetensors: '%s' not found by its own name", v->name);
        if (v->ndim < 0 || v->ndim > VO_TENSOR_MAX_DIMS)
            return fail("safetensors: '%s' has %d dimensions", v->name, v->ndim);
        uint64_t elems = 1;
        for (int d = 0; d < v->ndim; d++) {
            if (v->shape[d] < 0 || vo_mul_u64(&elems, elems, (uint64_t)v->shape[d]))
                return fail("safetensors: '%s' has a bad shape", v->name);
        }
        if (elems * vo_dtype_size(v->dtype) != v->nbytes)
            return fail("safetensors: '%s' holds %zu bytes for %llu elements", v->name, v->nbytes,
                        (unsigned long long)elems);
        if (file_size && v->nbytes > file_size)
            return fail("safetensors: '%s' is larger than its file", v->name);
        const unsigned char *b = v->data;
        for (size_t k = 0; k < v->nbytes; k++)
            sum += b[k];
        total += v->nbytes;
    }
    if (total != vo_weights_total_bytes(w))
        return fail("safetensors: total bytes %llu, views add up to %llu",
                    (unsigned long long)vo_weights_total_bytes(w), (unsigned long long)total);
    const vo_tensor_view *head = NULL;
    vo_status st = vo_weights_lm_head(ctx, w, 1, &head);
    if (check_error(ctx, st, "vo_weights_lm_head"))
        return -1;
    (void)vo_weights_find_any(w, "model.image_newline");
    (void)vo_weights_find_any(w, "language_model.model.embed_tokens.weight");
    (void)vo_weights_legacy_names(w);
    return 0;
}

int fuzz_safetensors(const uint8_t *data, size_t size)
{
    int index = size > 0 && data[0] == '{';
    char dir[600], path[700];
    if (index ? make_shards() : 0)
        return 0;
    if (!tmp_path(dir, sizeof dir, index ? "idx" : "st", NULL))
        return 0;
    snprintf(path, sizeof path, "%s/%s", dir, index ? "model.safetensors.index.json" : "model.safetensors");
    if (write_file(path, data, size))
        return 0;
    vo_ctx *ctx = quiet_ctx();
    if (!ctx)
        return 0;
    vo_weights *w = NULL;
    vo_status st = vo_open_weights(ctx, dir, &w);
    int r = check_error(ctx, st, "vo_open_weights");
    if (st == VO_OK && !r)
        r = check_weights(ctx, w, index ? 0 : size);
    else if (st != VO_OK && w)
        r = fail("vo_open_weights failed but set *out");
    vo_drop_weights(w);
    vo_drop_ctx(ctx);
    if (index)
        unlink(path);
    return r;
}

/* --- config: NUL-separated config.json, preprocessor, generation, processor --- */

int fuzz_config(const uint8_t *data, size_t size)
{
    static const char *names[] = {"config.json", "preprocessor_config.json", "generation_config.json",
                                  "processor_config.json"};
    char dir[600], path[700];
    if (!tmp_path(dir, sizeof dir, "cfg", NULL))
        return 0;
    size_t at = 0;
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (at > size || (i > 0 && at == 0)) {
            unlink(path);
            continue;
        }
        const uint8_t *nul = memchr(data + at, 0, size - at);
        size_t len = nul ? (size_t)(nul - (data + at)) : size - at;
        if (write_file(path, data + at, len))
            return 0;
        at = nul ? at + len + 1 : size + 1;
    }
    vo_ctx *ctx = quiet_ctx();
    if (!ctx)
        return 0;
    static vo_config cfg;
    vo_status st = vo_load_config(ctx, dir, &cfg);
    int r = check_error(ctx, st, "vo_load_config");
    if (st == VO_OK && !r) {
        if (cfg.num_attention_heads <= 0 || cfg.num_key_value_heads <= 0 || cfg.head_dim <= 0 ||
            cfg.vision_num_attention_heads <= 0 || cfg.vision_patch_size <= 0 ||
            cfg.patches_per_side <= 0 || cfg.n_eos < 0 || cfg.n_eos > VO_CONFIG_MAX_STOP_IDS ||
            cfg.n_pinpoints < 0 || cfg.n_pinpoints > VO_CONFIG_MAX_PINPOINTS)
            r = fail("config accepted with a zero divisor or a bad count (heads %d/%d, head_dim %d, "
                     "vision heads %d, patch %d, patches/side %d, eos %d, pinpoints %d)",
                     cfg.num_attention_heads, cfg.num_key_value_heads, cfg.head_dim,
                     cfg.vision_num_attention_heads, cfg.vision_patch_size, cfg.patches_per_side,
                     cfg.n_eos, cfg.n_pinpoints);
        vo_buf b = VO_BUF_INIT;
        st = vo_config_dump(ctx, &cfg, &b);
        if (!r)
            r = check_error(ctx, st, "vo_config_dump");
        vo_buf_free(&b);
    }
    vo_drop_ctx(ctx);
    return r;
}

/* --- tokenizer: bytes as tokenizer.json, and as text for the real one --- */

static const char *real_tokenizer_path(char *buf, size_t cap)
{
    const char *p = getenv("VO_FUZZ_TOKENIZER");
    if (p)
        return p;
    const char *src = getenv("top_srcdir");
    snprintf(buf, cap, "%s/tests/data/fixtures/tiny-varco/tokenizer.json", src ? src : ".");
    return buf;
}

void fuzz_tokenizer_prepare(void)
{
    if (real_tok_tried)
        return;
    vo_ctx *ctx = vo_new_ctx();
    char buf[600];
    real_tok_tried = 1;
    if (!ctx || vo_load_tokenizer_file(ctx, real_tokenizer_path(buf, sizeof buf), &real_tok) != VO_OK)
        real_tok = NULL;
    vo_drop_ctx(ctx);
}

/* encode, decode, and the NFC round trip HF promises for byte-level BPE. */
static int encode_round_trip(vo_ctx *ctx, const vo_tokenizer *tok, const char *text, size_t len,
                             int check)
{
    int32_t *ids = NULL;
    size_t n = 0;
    vo_status st = vo_tokenizer_encode(ctx, tok, text, len, &ids, &n);
    if (check_error(ctx, st, "vo_tokenizer_encode"))
        return -1;
    if (st != VO_OK) {
        vo_free(ids);
        return 0;
    }
    vo_buf out = VO_BUF_INIT;
    st = vo_tokenizer_decode(ctx, tok, ids, n, &out);
    int r = check_error(ctx, st, "vo_tokenizer_decode");
    for (size_t i = 0; i < n && !r; i++) {
        (void)vo_tokenizer_token_str(tok, ids[i]);
        (void)vo_tokenizer_is_special(tok, ids[i]);
    }
    if (st == VO_OK && !r && check) {
        utf8proc_uint8_t *nfc = NULL;
        utf8proc_ssize_t m = utf8proc_map((const utf8proc_uint8_t *)text, (utf8proc_ssize_t)len, &nfc,
                                          UTF8PROC_STABLE | UTF8PROC_COMPOSE);
        /* the check holds for text already in NFC (added tokens split the
         * text before normalization) */
        if (m >= 0 && (size_t)m == len && memcmp(nfc, text, len) == 0 &&
            (out.len != len || (len && memcmp(out.data, text, len))))
            r = fail("tokenizer: decode(encode(x)) != x for %zu bytes of NFC text (got %zu bytes)", len,
                     out.len);
        free(nfc);
    }
    vo_buf_free(&out);
    vo_free(ids);
    return r;
}

int fuzz_tokenizer(const uint8_t *data, size_t size)
{
    vo_ctx *ctx = quiet_ctx();
    if (!ctx)
        return 0;
    int r = 0;
    char path[700];
    if (tmp_path(path, sizeof path, "tok", "tokenizer.json") && !write_file(path, data, size)) {
        vo_tokenizer *tok = NULL;
        vo_status st = vo_load_tokenizer_file(ctx, path, &tok);
        r = check_error(ctx, st, "vo_load_tokenizer_file");
        if (st == VO_OK && !r) {
            static const char sample[] = "Hello, 세계! <|im_start|>user\n  123 \xea\xb0\x80\xea\xb0";
            r = encode_round_trip(ctx, tok, sample, sizeof sample - 1, 0);
            (void)vo_tokenizer_token_id(tok, "<|im_end|>");
            (void)vo_tokenizer_vocab_size(tok);
            vo_token_stream *s = NULL;
            if (!r && vo_new_token_stream(ctx, tok, &s) == VO_OK) {
                vo_buf out = VO_BUF_INIT;
                for (int32_t id = 0; id < 300; id += 7)
                    (void)vo_token_stream_push(ctx, s, id, &out);
                (void)vo_token_stream_flush(ctx, s, &out);
                vo_buf_free(&out);
            }
            vo_drop_token_stream(s);
        } else if (st != VO_OK && tok) {
            r = fail("vo_load_tokenizer_file failed but set *out");
        }
        vo_drop_tokenizer(tok);
    }
    fuzz_tokenizer_prepare();
    if (!r && real_tok) {
        /* an exact-size copy, so any read past the text is seen by ASan */
        char *text = malloc(size ? size : 1);
        if (text) {
            memcpy(text, data, size);
            r = encode_round_trip(ctx, real_tok, text, size, 1);
            free(text);
        }
        /* the streamed decoder over ids taken from the bytes */
        vo_token_stream *s = NULL;
        if (!r && vo_new_token_stream(ctx, real_tok, &s) == VO_OK) {
            vo_buf out = VO_BUF_INIT;
            for (size_t i = 0; i + 3 <= size && i < 96; i += 3) {
                int32_t id = (int32_t)(data[i] | data[i + 1] << 8 | (data[i + 2] & 3) << 16);
                (void)vo_token_stream_push(ctx, s, id, &out);
            }
            (void)vo_token_stream_flush(ctx, s, &out);
            vo_buf_free(&out);
        }
        vo_drop_token_stream(s);
    }
    vo_drop_ctx(ctx);
    return r;
}

/* --- grounded output: parser (whole and cut in pieces), layout, writers --- */

static int same_spans(const vo_ground *a, const vo_ground *b)
{
    size_t na, nb;
    const vo_span *sa = vo_ground_spans(a, &na), *sb = vo_ground_spans(b, &nb);
    if (na != nb)
        return fail("ground: %zu spans whole, %zu when fed in pieces", na, nb);
    for (size_t i = 0; i < na; i++) {
        if (strcmp(sa[i].text, sb[i].text) || memcmp(&sa[i].box, &sb[i].box, sizeof sa[i].box))
            return fail("ground: span %zu differs when fed in pieces ('%s' / '%s')", i, sa[i].text,
                        sb[i].text);
        if (!sa[i].text[0])
            return fail("ground: span %zu has empty text", i);
        if (!(sa[i].box.x0 >= 0 && sa[i].box.x0 < sa[i].box.x1 && sa[i].box.x1 <= 1 &&
              sa[i].box.y0 >= 0 && sa[i].box.y0 < sa[i].box.y1 && sa[i].box.y1 <= 1))
            return fail("ground: span %zu has a box outside [0,1] or of no area", i);
    }
    return 0;
}

static int check_output(vo_format fmt, const char *text, size_t len)
{
    if (fmt == VO_FORMAT_HOCR || fmt == VO_FORMAT_ALTO || fmt == VO_FORMAT_PAGE) {
        xmlDocPtr doc = xmlReadMemory(text, (int)len, "out.xml", NULL,
                                      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
        if (!doc)
            return fail("%s output is not well-formed XML", vo_format_name(fmt));
        xmlFreeDoc(doc);
    } else if (fmt == VO_FORMAT_JSON) {
        json_error_t err;
        json_t *j = json_loadb(text, len, 0, &err);
        if (!j)
            return fail("json output does not parse: %s (line %d)", err.text, err.line);
        json_decref(j);
    } else if (fmt == VO_FORMAT_TSV) {
        int fields = -1, line = 1;
        const char *p = text, *end = text + len;
        while (p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            const char *e = nl ? nl : end;
            int tabs = 0;
            for (const char *q = p; q < e; q++)
                tabs += *q == '\t';
            if (fields < 0)
                fields = tabs;
            else if (tabs != fields)
                return fail("tsv line %d has %d tabs, the header %d", line, tabs, fields);
            p = e + 1;
            line++;
        }
    }
    return 0;
}

int fuzz_write_page(vo_ctx *ctx, vo_page *page, unsigned variant)
{
    static const vo_format fmts[] = {VO_FORMAT_TXT, VO_FORMAT_HOCR, VO_FORMAT_ALTO,
                                     VO_FORMAT_PAGE, VO_FORMAT_TSV, VO_FORMAT_JSON};
    vo_writer_opts wopts = {.alto_unit = (vo_alto_unit)(variant % 3),
                            .hocr_char_boxes = (int)(variant % 2),
                            .no_pdfa = variant % 5 == 0};
    vo_doc_info info = {.source = "fuzz.png", .n_pages = 1};
    int r = 0;
    for (size_t i = 0; i < sizeof fmts / sizeof *fmts && !r; i++) {
        vo_output *out = NULL;
        if (vo_output_open_buffer(ctx, &out))
            break;
        vo_page *pages[1] = {page};
        vo_status st = vo_write_document(ctx, fmts[i], out, &wopts, &info, pages, 1);
        r = check_error(ctx, st, vo_format_name(fmts[i]));
        if (st == VO_OK && !r && vo_output_close(ctx, out) == VO_OK) {
            size_t len = 0;
            const char *s = vo_output_data(out, &len);
            r = check_output(fmts[i], s ? s : "", s ? len : 0);
        }
        vo_output_drop(out);
    }
    return r;
}

int fuzz_ground(const uint8_t *data, size_t size)
{
    vo_ctx *ctx = quiet_ctx();
    if (!ctx)
        return 0;
    char *text = malloc(size ? size : 1);
    vo_ground *whole = NULL, *cut = NULL;
    vo_page *page = NULL;
    int r = 0;
    if (!text)
        goto done;
    memcpy(text, data, size);
    vo_ground_opts opts = {0};
    opts.where = "fuzz: page 1";
    opts.max_spans = 2000;
    vo_status st = vo_ground_parse(ctx, &opts, text, size, NULL, 0, &whole);
    if ((r = check_error(ctx, st, "vo_ground_parse")) || st)
        goto done;
    /* the same text cut into pieces of 1..8 bytes */
    st = vo_ground_new(ctx, &opts, &cut);
    if (st)
        goto done;
    uint32_t seed = (uint32_t)size * 2654435761u;
    for (size_t at = 0; at < size && !st;) {
        seed = seed * 1103515245u + 12345u;
        size_t piece = 1 + (seed >> 16) % 8;
        if (piece > size - at)
            piece = size - at;
        st = vo_ground_feed(cut, text + at, piece, VO_LOGPROB_NONE);
        at += piece;
    }
    if (!st)
        st = vo_ground_finish(cut);
    if (st || (r = same_spans(whole, cut)))
        goto done;

    size_t n;
    const vo_span *spans = vo_ground_spans(whole, &n);
    int width = 200 + (int)(size % 1800), height = 200 + (int)((size * 7) % 2600);
    page = vo_new_page(1, width, height, 300, 300, "fuzz.png");
    if (!page)
        goto done;
    st = vo_layout_page(ctx, spans, n, NULL, page);
    if ((r = check_error(ctx, st, "vo_layout_page")) || st)
        goto done;
    r = fuzz_write_page(ctx, page, (unsigned)size);
done:
    vo_drop_page(page);
    vo_drop_ground(cut);
    vo_drop_ground(whole);
    free(text);
    vo_drop_ctx(ctx);
    return r;
}

/* --- documents: open, count, info, render page 1 small, text layer --- */

static int fuzz_document(const uint8_t *data, size_t size, const char *name)
{
    char path[700];
    if (!tmp_path(path, sizeof path, "doc", name) || write_file(path, data, size))
        return 0;
    vo_ctx *ctx = quiet_ctx();
    if (!ctx)
        return 0;
    vo_document *doc = NULL;
    vo_raster *ras = NULL;
    vo_page *text = NULL;
    vo_status st = vo_open_document(ctx, path, NULL, &doc);
    int r = check_error(ctx, st, "vo_open_document");
    if (st || r)
        goto done;
    int n = vo_document_page_count(doc);
    (void)vo_document_title(doc);
    (void)vo_document_kind(doc);
    if (n < 1)
        goto done;
    vo_page_info info;
    st = vo_document_page_info(ctx, doc, 1, &info);
    if ((r = check_error(ctx, st, "vo_document_page_info")))
        goto done;
    vo_source_limits lim = {1u << 20};
    st = vo_render_page(ctx, doc, 1, 36, &lim, &ras);
    if ((r = check_error(ctx, st, "vo_render_page")))
        goto done;
    if (st == VO_OK) {
        if (ras->width < 1 || ras->height < 1 || (uint64_t)ras->width * (uint64_t)ras->height > lim.max_pixels ||
            ras->stride < 3 * ras->width)
            r = fail("raster %dx%d (stride %d) breaks the limit of %llu pixels", ras->width, ras->height,
                     ras->stride, (unsigned long long)lim.max_pixels);
        else {
            volatile uint8_t last = ras->rgb[(size_t)(ras->height - 1) * (size_t)ras->stride + 3u * (size_t)ras->width - 1];
            (void)last;
        }
    }
    st = vo_extract_text_layer(ctx, doc, 1, 36, &text);
    if (!r)
        r = check_error(ctx, st, "vo_extract_text_layer");
    /* the document's own words (any coordinates a hostile file gives)
     * through every writer */
    if (st == VO_OK && text && !r)
        r = fuzz_write_page(ctx, text, (unsigned)size);
done:
    vo_drop_page(text);
    vo_drop_raster(ras);
    vo_drop_document(doc);
    vo_drop_ctx(ctx);
    unlink(path);
    return r;
}

int fuzz_pdf(const uint8_t *data, size_t size)
{
    return fuzz_document(data, size, "input.pdf");
}

int fuzz_tiff(const uint8_t *data, size_t size)
{
    return fuzz_document(data, size, "input.tif");
}

/* --- command line: the page-range parser, and argv split at NUL bytes --- */

#define CLI_MAX_ARGS 48

int fuzz_cli(const uint8_t *data, size_t size)
{
    char *copy = malloc(size + 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    copy[size] = 0;
    int r = 0;

    vo_ctx *ctx = quiet_ctx();
    if (ctx) {
        vo_page_ranges pr = {0};
        vo_status st = vo_parse_page_ranges(ctx, copy, &pr);
        r = check_error(ctx, st, "vo_parse_page_ranges");
        if (st == VO_OK)
            for (int p = 0; p <= 40; p++)
                (void)vo_page_ranges_contains(&pr, p, 33);
        vo_page_ranges_free(&pr);
        vo_drop_ctx(ctx);
    }

    char *argv[CLI_MAX_ARGS + 2];
    int argc = 0;
    argv[argc++] = "varco-ocr";
    for (size_t at = 0; at <= size && argc < CLI_MAX_ARGS;) {
        argv[argc++] = copy + at;
        at += strlen(copy + at) + 1;
    }
    argv[argc] = NULL;
    /* --help and --version print to stdout: send it to /dev/null */
    static int devnull = -1, saved = -1;
    if (devnull < 0) {
        devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
        saved = dup(1);
    }
    fflush(stdout);
    if (devnull >= 0)
        dup2(devnull, 1);
    vo_cli cli;
    optind = 0; /* glibc: a full reset of getopt's state */
    int rc = vo_cli_parse(argc, argv, &cli);
    fflush(stdout);
    if (saved >= 0)
        dup2(saved, 1);
    if (rc < 0 || rc > 2)
        r = fail("vo_cli_parse returned %d", rc);
    if (rc == 0 && !r && cli.n_formats < 1)
        r = fail("vo_cli_parse accepted a command line without a format");
    vo_cli_free(&cli);
    free(copy);
    return r;
}

/* --- eval: any file read back as OCR output, each page scored against
 * itself (0 edits: the reader and the scores agree on what a page is) --- */
int fuzz_eval(const uint8_t *data, size_t size)
{
    char path[512];
    if (!tmp_path(path, sizeof path, "eval", "in.ocr") || write_file(path, data, size))
        return 0;
    vo_ctx *ctx = quiet_ctx();
    if (!ctx)
        return 0;
    eval_doc doc;
    memset(&doc, 0, sizeof doc);
    vo_status st = eval_read(ctx, path, &doc);
    int r = 0;
    if (st && !vo_last_error(ctx)[0])
        r = fail("eval: status %s without a message", vo_status_name(st));
    for (size_t p = 0; !st && !r && p < doc.n; p++) {
        eval_counts c;
        vo_status ss = eval_score_page(ctx, &doc.pages[p], &doc.pages[p], true, 1.0, &c);
        if (ss != VO_OK && ss != VO_ERR_LIMIT)
            r = fail("eval: page %zu cannot be scored against itself: %s", p + 1,
                     vo_last_error(ctx));
        else if (ss == VO_OK && (c.char_edits || c.jamo_edits || c.word_edits ||
                                 c.bow_missing || c.bow_extra || c.box_matched > c.box_gt))
            r = fail("eval: page %zu differs from itself (%lld character edits)", p + 1,
                     (long long)c.char_edits);
    }
    eval_doc_free(&doc);
    vo_drop_ctx(ctx);
    return r;
}

const fuzz_target fuzz_targets[] = {
    {"safetensors", fuzz_safetensors},
    {"config", fuzz_config},
    {"tokenizer", fuzz_tokenizer},
    {"ground", fuzz_ground},
    {"pdf", fuzz_pdf},
    {"tiff", fuzz_tiff},
    {"cli", fuzz_cli},
    {"eval", fuzz_eval},
    {NULL, NULL},
};
