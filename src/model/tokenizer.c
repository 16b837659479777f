/* tokenizer.c: loads tokenizer.json (byte-level BPE, Qwen2/Qwen3 family) and
 * encodes / decodes exactly as HF tokenizers does (MODEL.md §9). */
#include "src/model/tokenizer.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <jansson.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "src/model/tokenizer_json.h"
#include "src/util/alloc.h"

#define TOK_MAX_FILE ((size_t)512 * 1024 * 1024)
#define TOK_MAX_ID (1 << 24)      /* larger ids are a corrupt file, not a vocabulary */
#define TOK_MAX_TOKEN_BYTES 4096  /* longest token string accepted */
#define TOK_MAX_ENTRIES (1 << 22) /* model.vocab members, model.merges elements */
#define TOK_MAX_DEPTH 64          /* JSON nesting (the real file nests 5 deep) */

/* --- a string -> int32 hash map over an arena (open addressing) --- */

typedef struct {
    uint32_t off, len; /* key bytes in arena */
    int32_t val;
} tok_entry;

typedef struct {
    uint64_t *slots; /* high 32 bits of the hash << 32 | entry index + 1; 0 = empty */
    size_t mask;
    tok_entry *ent;
    size_t n, cap;
    char *arena;
    size_t arena_len, arena_cap;
} tok_map;

static uint64_t tok_hash(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 0x100000001b3ull;
    return h ^ (h >> 29);
}

static vo_status tok_map_init(tok_map *m, size_t expect)
{
    memset(m, 0, sizeof *m);
    size_t cap = 16;
    while (cap < expect * 2)
        cap <<= 1;
    m->slots = vo_calloc(cap, sizeof *m->slots);
    if (!m->slots)
        return VO_ERR_NOMEM;
    m->mask = cap - 1;
    return VO_OK;
}

static void tok_map_free(tok_map *m)
{
    vo_free(m->slots);
    vo_free(m->ent);
    vo_free(m->arena);
    memset(m, 0, sizeof *m);
}

/* Index of the entry holding key, or -1. The slot's hash bits spare most
 * entry and key reads on a collision. */
static long tok_map_find(const tok_map *m, const void *key, size_t n)
{
    if (!m->slots)
        return -1;
    uint64_t h = tok_hash(key, n), tag = h >> 32 << 32;
    for (size_t i = h & m->mask;; i = (i + 1) & m->mask) {
        uint64_t s = m->slots[i];
        if (!s)
            return -1;
        if ((s & ~(uint64_t)UINT32_MAX) != tag)
            continue;
        const tok_entry *e = &m->ent[(uint32_t)s - 1];
        if (e->len == n && !memcmp(m->arena + e->off, key, n))
            return (long)((uint32_t)s - 1);
    }
}

static vo_status tok_map_rehash(tok_map *m)
{
    size_t cap = (m->mask + 1) * 2;
    uint64_t *s = vo_calloc(cap, sizeof *s);
    if (!s)
        return VO_ERR_NOMEM;
    for (size_t e = 0; e < m->n; e++) {
        uint64_t h = tok_hash(m->arena + m->ent[e].off, m->ent[e].len);
        size_t i = h & (cap - 1);
        while (s[i])
            i = (i + 1) & (cap - 1);
        s[i] = (h >> 32 << 32) | ((uint64_t)e + 1);
    }
    vo_free(m->slots);
    m->slots = s;
    m->mask = cap - 1;
    return VO_OK;
}

/* Insert key -> val; an existing key keeps its first value, or with
 * replace takes the new one (a repeated JSON key: the last one wins). */
static vo_status tok_map_add(tok_map *m, const void *key, size_t n, int32_t val, int replace)
{
    long have = tok_map_find(m, key, n);
    if (have >= 0) {
        if (replace)
            m->ent[have].val = val;
        return VO_OK;
    }
    vo_status st;
    if (m->n + 1 >= UINT32_MAX)
        return VO_ERR_LIMIT;
    if ((m->n + 1) * 2 > m->mask + 1 && (st = tok_map_rehash(m)) != VO_OK)
        return st;
    if ((st = vo_grow((void **)&m->ent, &m->cap, m->n + 1, sizeof *m->ent)) != VO_OK)
        return st;
    if (m->arena_len + n + 1 > UINT32_MAX)
        return VO_ERR_LIMIT;
    if ((st = vo_grow((void **)&m->arena, &m->arena_cap, m->arena_len + n + 1, 1)) != VO_OK)
        return st;
    memcpy(m->arena + m->arena_len, key, n);
    m->arena[m->arena_len + n] = 0;
    m->ent[m->n] = (tok_entry){(uint32_t)m->arena_len, (uint32_t)n, val};
    m->arena_len += n + 1;
    uint64_t h = tok_hash(key, n);
    size_t i = h & m->mask;
    while (m->slots[i])
        i = (i + 1) & m->mask;
    m->slots[i] = (h >> 32 << 32) | ((uint64_t)m->n + 1);
    m->n++;
    return VO_OK;
}

static vo_status tok_map_put(tok_map *m, const void *key, size_t n, int32_t val)
{
    return tok_map_add(m, key, n, val, 0);
}

/* --- merges: (left id, right id) -> (rank, merged id) --- */

typedef struct {
    uint64_t key; /* (left << 32 | right) + 1; 0 = empty */
    int32_t rank, merged;
} tok_merge;

typedef struct {
    tok_merge *slots;
    size_t mask;
} tok_merges;

static uint64_t tok_mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return x;
}

static const tok_merge *tok_merges_find(const tok_merges *m, int32_t a, int32_t b)
{
    uint64_t key = (((uint64_t)(uint32_t)a << 32) | (uint32_t)b) + 1;
    for (size_t i = tok_mix(key) & m->mask;; i = (i + 1) & m->mask) {
        if (m->slots[i].key == key)
            return &m->slots[i];
        if (!m->slots[i].key)
            return NULL;
    }
}

/* --- the tokenizer --- */

typedef struct {
    char *text;
    size_t len;
    int32_t id;
    int special;
} tok_added;

struct vo_tokenizer {
    tok_map vocab;         /* byte-level string -> id */
    size_t n_ids;          /* largest id + 1 */
    const char **id_str;   /* id -> vocabulary string (NULL = no token) */
    uint32_t *dec_off, *dec_len; /* id -> decoded bytes in dec */
    char *dec;
    unsigned char *is_added; /* 0 none, 1 added, 2 added special */
    tok_merges merges;
    tok_added *added;
    size_t n_added;
    uint16_t added_first[256][2]; /* [first byte] -> range in added_by_byte */
    uint32_t *added_by_byte;      /* added indices grouped by first byte, longest first */
    int32_t byte_id[256];         /* id of the byte-level char of each byte */
    char byte_char[256][3];       /* byte -> its UTF-8 char in the byte-level alphabet */
    unsigned char char_byte[512]; /* code point (< 512) -> byte */
    int nfc;
    pcre2_code *re;
    int jit;
};

/* The GPT-2 byte-level alphabet: printable bytes map to themselves, the
 * others to 256 + n in byte order. */
static void tok_init_bytes(vo_tokenizer *t)
{
    int n = 0;
    for (int b = 0; b < 256; b++) {
        int printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
        int cp = printable ? b : 256 + n++;
        utf8proc_uint8_t buf[4];
        utf8proc_ssize_t k = utf8proc_encode_char(cp, buf);
        memset(t->byte_char[b], 0, 3);
        memcpy(t->byte_char[b], buf, (size_t)k);
        t->char_byte[cp] = (unsigned char)b;
    }
}

void vo_drop_tokenizer(vo_tokenizer *t)
{
    if (!t)
        return;
    tok_map_free(&t->vocab);
    vo_free(t->id_str);
    vo_free(t->dec_off);
    vo_free(t->dec_len);
    vo_free(t->dec);
    vo_free(t->is_added);
    vo_free(t->merges.slots);
    for (size_t i = 0; i < t->n_added; i++)
        vo_free(t->added[i].text);
    vo_free(t->added);
    vo_free(t->added_by_byte);
    if (t->re)
        pcre2_code_free(t->re);
    vo_free(t);
}

static const char *tok_type(json_t *o)
{
    json_t *ty = json_object_get(o, "type");
    return json_is_string(ty) ? json_string_value(ty) : "";
}

/* normalizer: null, NFC, or a Sequence holding only NFC. */
static vo_status tok_read_normalizer(vo_ctx *ctx, const char *path, json_t *root, vo_tokenizer *t)
{
    json_t *n = json_object_get(root, "normalizer");
    if (!n || json_is_null(n))
        return VO_OK;
    if (!strcmp(tok_type(n), "NFC")) {
        t->nfc = 1;
        return VO_OK;
    }
    if (!strcmp(tok_type(n), "Sequence")) {
        json_t *list = json_object_get(n, "normalizers");
        size_t i;
        json_t *e;
        json_array_foreach(list, i, e) {
            if (strcmp(tok_type(e), "NFC"))
                goto unsupported;
            t->nfc = 1;
        }
        return VO_OK;
    }
unsupported:
    return vo_fail(ctx, VO_ERR_FORMAT, "%s: normalizer \"%s\" is not supported (only NFC)", path, tok_type(n));
}

/* pre_tokenizer: Sequence [Split(Regex, Isolated), ByteLevel(use_regex false)]. */
static vo_status tok_read_pretokenizer(vo_ctx *ctx, const char *path, json_t *root, vo_tokenizer *t)
{
    json_t *p = json_object_get(root, "pre_tokenizer");
    json_t *list = json_object_get(p, "pretokenizers");
    json_t *split = json_array_get(list, 0), *bl = json_array_get(list, 1);
    if (strcmp(tok_type(p), "Sequence") || json_array_size(list) != 2 || strcmp(tok_type(split), "Split") ||
        strcmp(tok_type(bl), "ByteLevel") || json_is_true(json_object_get(bl, "use_regex")) ||
        json_is_true(json_object_get(bl, "add_prefix_space")))
        return vo_fail(ctx, VO_ERR_FORMAT,
                       "%s: pre_tokenizer is not the Qwen shape (Sequence of Split regex + ByteLevel without "
                       "regex or prefix space); not supported",
                       path);
    json_t *re = json_object_get(json_object_get(split, "pattern"), "Regex");
    json_t *beh = json_object_get(split, "behavior");
    if (!json_is_string(re) || !json_is_string(beh) || strcmp(json_string_value(beh), "Isolated") ||
        json_is_true(json_object_get(split, "invert")))
        return vo_fail(ctx, VO_ERR_FORMAT,
                       "%s: pre_tokenizer.pretokenizers[0] must be a Split with a Regex pattern, "
                       "behavior Isolated, invert false",
                       path);
    int err;
    PCRE2_SIZE eoff;
    t->re = pcre2_compile((PCRE2_SPTR)json_string_value(re), json_string_length(re), PCRE2_UTF | PCRE2_UCP, &err,
                          &eoff, NULL);
    if (!t->re) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(err, msg, sizeof msg);
        return vo_fail(ctx, VO_ERR_FORMAT, "%s: pre-tokenizer regex does not compile at offset %zu: %s", path,
                       (size_t)eoff, (const char *)msg);
    }
    t->jit = pcre2_jit_compile(t->re, PCRE2_JIT_COMPLETE) == 0;
    return VO_OK;
}

static vo_status tok_set_id(vo_ctx *ctx, const char *path, vo_tokenizer *t, json_t *jid, const char *what,
                            int32_t *id)
{
    if (!json_is_integer(jid) || json_integer_value(jid) < 0 || json_integer_value(jid) >= TOK_MAX_ID)
        return vo_fail(ctx, VO_ERR_FORMAT, "%s: %s: id must be an integer in [0, %d)", path, what, TOK_MAX_ID);
    *id = (int32_t)json_integer_value(jid);
    if ((size_t)*id + 1 > t->n_ids)
        t->n_ids = (size_t)*id + 1;
    return VO_OK;
}

/* Decode a byte-level string into bytes; 0 if a char is outside the alphabet. */
static int tok_unbyte(const vo_tokenizer *t, const char *s, size_t n, char *out, size_t *outn)
{
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t r = utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(n - i), &cp);
        if (r <= 0 || cp >= 512 || (cp < 256 && strlen(t->byte_char[t->char_byte[cp]]) != (size_t)r) ||
            memcmp(t->byte_char[t->char_byte[cp]], s + i, (size_t)r))
            return 0;
        out[k++] = (char)t->char_byte[cp];
        i += (size_t)r;
    }
    *outn = k;
    return 1;
}

static int tok_cmp_added_len(const void *a, const void *b, void *arg)
{
    const tok_added *ad = arg;
    size_t la = ad[*(const uint32_t *)a].len, lb = ad[*(const uint32_t *)b].len;
    return la < lb ? 1 : la > lb ? -1 : 0;
}

/* model.vocab from the streaming reader: byte-level string -> id. */
static vo_status tok_read_vocab(vo_ctx *ctx, const char *path, const vo_tokjson *doc, vo_tokenizer *t)
{
    vo_status st = VO_OK;
    vo_tokjson_cursor c;
    vo_tokjson_vocab_begin(doc, &c);
    if (tok_map_init(&t->vocab, doc->n_vocab) != VO_OK) {
        st = vo_fail(ctx, VO_ERR_NOMEM, "%s: out of memory for %zu vocab entries", path, doc->n_vocab);
        goto done;
    }
    /* the keys take at most the bytes of their JSON text */
    size_t span = doc->has_vocab ? doc->vocab_end - doc->vocab_off : 0;
    if (span < UINT32_MAX && vo_grow((void **)&t->vocab.arena, &t->vocab.arena_cap, span + 1, 1) != VO_OK) {
        st = vo_fail(ctx, VO_ERR_NOMEM, "%s: out of memory for the vocab", path);
        goto done;
    }
    for (;;) {
        const char *key;
        size_t n;
        int64_t id;
        int r = vo_tokjson_vocab_next(&c, &key, &n, &id);
        if (r == VO_TOKJSON_END)
            break;
        if (r == VO_TOKJSON_NOMEM || r == VO_TOKJSON_BAD) {
            st = r == VO_TOKJSON_NOMEM ? vo_fail(ctx, VO_ERR_NOMEM, "%s: out of memory", path)
                                       : vo_fail(ctx, VO_ERR_FORMAT, "%s: model.vocab entry %zu is malformed", path,
                                                 c.index);
            goto done;
        }
        if (n > TOK_MAX_TOKEN_BYTES) {
            st = vo_fail(ctx, VO_ERR_FORMAT, "%s: model.vocab: a token of %zu bytes (limit %d)", path, n,
                         TOK_MAX_TOKEN_BYTES);
            goto done;
        }
        if (id < 0 || id >= TOK_MAX_ID) {
            st = vo_fail(ctx, VO_ERR_FORMAT, "%s: %.*s: id must be an integer in [0, %d)", path,
                         (int)(n < 200 ? n : 200), key, TOK_MAX_ID);
            goto done;
        }
        if ((st = tok_map_add(&t->vocab, key, n, (int32_t)id, 1)) != VO_OK) {
            st = vo_fail(ctx, st, "%s: out of memory", path);
            goto done;
        }
    }
    for (size_t e = 0; e < t->vocab.n; e++) /* after duplicates settled: only kept ids count */
        if ((size_t)t->vocab.ent[e].val + 1 > t->n_ids)
            t->n_ids = (size_t)t->vocab.ent[e].val + 1;
done:
    vo_tokjson_cursor_free(&c);
    return st;
}

/* model.merges from the streaming reader, "a b" or [a, b], rank = position. */
static vo_status tok_read_merges(vo_ctx *ctx, const char *path, const vo_tokjson *doc, vo_tokenizer *t)
{
    vo_status st = VO_OK;
    size_t cap = 16;
    while (cap < doc->n_merges * 2)
        cap <<= 1;
    if (!(t->merges.slots = vo_calloc(cap, sizeof *t->merges.slots)))
        return vo_fail(ctx, VO_ERR_NOMEM, "%s: out of memory for %zu merges", path, doc->n_merges);
    t->merges.mask = cap - 1;
    vo_tokjson_cursor c;
    vo_tokjson_merges_begin(doc, &c);
    char buf[2 * TOK_MAX_TOKEN_BYTES + 2];
    for (;;) {
        const char *a, *b;
        size_t la, lb;
        int r = vo_tokjson_merges_next(&c, &a, &la, &b, &lb);
        if (r == VO_TOKJSON_END)
            break;
        if (r == VO_TOKJSON_NOMEM) {
            st = vo_fail(ctx, VO_ERR_NOMEM, "%s: out of memory", path);
            break;
        }
        if (r == VO_TOKJSON_BAD || la > TOK_MAX_TOKEN_BYTES || lb > TOK_MAX_TOKEN_BYTES) {
            st = vo_fail(ctx, VO_ERR_FORMAT, "%s: model.merges[%zu] is not \"a b\" or [a, b]", path, c.index);
            break;
        }
        long ea = tok_map_find(&t->vocab, a, la), eb = tok_map_find(&t->vocab, b, lb);
        memcpy(buf, a, la);
        memcpy(buf + la, b, lb);
        long em = tok_map_find(&t->vocab, buf, la + lb);
        if (ea < 0 || eb < 0 || em < 0) {
            st = vo_fail(ctx, VO_ERR_FORMAT, "%s: model.merges[%zu] names a token missing from the vocab", path,
                         c.index);
            break;
        }
        uint64_t mk = (((uint64_t)(uint32_t)t->vocab.ent[ea].val << 32) | (uint32_t)t->vocab.ent[eb].val) + 1;
        size_t s = tok_mix(mk) & t->merges.mask;
        while (t->merges.slots[s].key && t->merges.slots[s].key != mk)
            s = (s + 1) & t->merges.mask;
        if (!t->merges.slots[s].key) { /* a repeated pair keeps its first (best) rank */
            t->merges.slots[s].key = mk;
            t->merges.slots[s].rank = (int32_t)c.index;
            t->merges.slots[s].merged = t->vocab.ent[em].val;
        }
    }
    vo_tokjson_cursor_free(&c);
    return st;
}

static vo_status tok_build(vo_ctx *ctx, const char *path, json_t *root, const vo_tokjson *doc, vo_tokenizer *t)
{
    vo_status st;
    json_t *model = json_object_get(root, "model");
    if (!json_is_object(model) || (json_object_get(model, "type") && strcmp(tok_type(model), "BPE")))
        return vo_fail(ctx, VO_ERR_FORMAT, "%s: model.type \"%s\" is not BPE", path, tok_type(model));
    if (json_is_true(json_object_get(model, "byte_fallback")))
        return vo_fail(ctx, VO_ERR_FORMAT, "%s: model.byte_fallback BPE is not supported", path);
    json_t *vocab = json_object_get(model, "vocab"), *merges = json_object_get(model, "merges");
    if (!json_is_object(vocab) || !json_is_array(merges))
        return vo_fail(ctx, VO_ERR_FORMAT, "%s: model.vocab (object) or model.merges (list) missing", path);
    if ((st = tok_read_normalizer(ctx, path, root, t)) != VO_OK ||
        (st = tok_read_pretokenizer(ctx, path, root, t)) != VO_OK)
        return st;

    /* vocabulary (json has it as {}: the streaming reader holds it) */
    if ((st = tok_read_vocab(ctx, path, doc, t)) != VO_OK)
        return st;
    json_t *val;
    /* added tokens */
    json_t *added = json_object_get(root, "added_tokens");
    if (added && !json_is_array(added))
        return vo_fail(ctx, VO_ERR_FORMAT, "%s: added_tokens must be a list", path);
    if (json_array_size(added) > 65535)
        return vo_fail(ctx, VO_ERR_FORMAT, "%s: %zu added tokens (limit 65535)", path, json_array_size(added));
    if (json_array_size(added) && !(t->added = vo_calloc(json_array_size(added), sizeof *t->added)))
        return vo_fail(ctx, VO_ERR_NOMEM, "%s: out of memory", path);
    size_t i;
    json_array_foreach(added, i, val) {
        json_t *c = json_object_get(val, "content");
        if (!json_is_string(c) || json_string_length(c) == 0 || json_string_length(c) > TOK_MAX_TOKEN_BYTES)
            return vo_fail(ctx, VO_ERR_FORMAT, "%s: added_tokens[%zu].content must be a non-empty string", path, i);
        tok_added *a = &t->added[t->n_added];
        if ((st = tok_set_id(ctx, path, t, json_object_get(val, "id"), "added_tokens", &a->id)) != VO_OK)
            return st;
        if (!(a->text = vo_strndup(json_string_value(c), json_string_length(c))))
            return vo_fail(ctx, VO_ERR_NOMEM, "%s: out of memory", path);
        a->len = json_string_length(c);
        a->special = json_is_true(json_object_get(val, "special"));
        t->n_added++;
    }
    /* id tables */
    if (!(t->id_str = vo_calloc(t->n_ids, sizeof *t->id_str)) ||
        !(t->dec_off = vo_calloc(t->n_ids, sizeof *t->dec_off)) ||
        !(t->dec_len = vo_calloc(t->n_ids, sizeof *t->dec_len)) || !(t->is_added = vo_calloc(t->n_ids, 1)) ||
        !(t->dec = vo_malloc(t->vocab.arena_len + 1)))
        return vo_fail(ctx, VO_ERR_NOMEM, "%s: out of memory for %zu ids", path, t->n_ids);
    size_t dec_len = 0;
    tok_init_bytes(t);
    for (size_t e = 0; e < t->vocab.n; e++) {
        int32_t id = t->vocab.ent[e].val;
        const char *s = t->vocab.arena + t->vocab.ent[e].off;
        size_t n = t->vocab.ent[e].len, k;
        if (t->id_str[id])
            return vo_fail(ctx, VO_ERR_FORMAT, "%s: model.vocab: id %d used twice", path, (int)id);
        t->id_str[id] = s;
        if (!tok_unbyte(t, s, n, t->dec + dec_len, &k)) {
            /* not byte-level text: decode it literally (only reachable by id) */
            memcpy(t->dec + dec_len, s, n);
            k = n;
        }
        t->dec_off[id] = (uint32_t)dec_len;
        t->dec_len[id] = (uint32_t)k;
        dec_len += k;
    }
    for (size_t a = 0; a < t->n_added; a++) {
        int32_t id = t->added[a].id;
        t->id_str[id] = t->added[a].text;
        t->is_added[id] = t->added[a].special ? 2 : 1;
    }
    /* the 256 byte-level chars must all be tokens */
    for (int b = 0; b < 256; b++) {
        long e = tok_map_find(&t->vocab, t->byte_char[b], strlen(t->byte_char[b]));
        if (e < 0)
            return vo_fail(ctx, VO_ERR_FORMAT, "%s: model.vocab lacks the byte-level token of byte 0x%02x", path, b);
        t->byte_id[b] = t->vocab.ent[e].val;
    }
    /* added tokens grouped by first byte, longest first (leftmost-longest match) */
    if (t->n_added) {
        if (!(t->added_by_byte = vo_malloc(t->n_added * sizeof *t->added_by_byte)))
            return vo_fail(ctx, VO_ERR_NOMEM, "%s: out of memory", path);
        size_t k = 0;
        for (int b = 0; b < 256; b++) {
            t->added_first[b][0] = (uint16_t)k;
            for (size_t a = 0; a < t->n_added && k < 65535; a++)
                if ((unsigned char)t->added[a].text[0] == b)
                    t->added_by_byte[k++] = (uint32_t)a;
            t->added_first[b][1] = (uint16_t)k;
            qsort_r(t->added_by_byte + t->added_first[b][0], k - t->added_first[b][0], sizeof *t->added_by_byte,
                    tok_cmp_added_len, t->added);
        }
    }
    return tok_read_merges(ctx, path, doc, t);
}

vo_status vo_load_tokenizer_file(vo_ctx *ctx, const char *path, vo_tokenizer **out)
{
    *out = NULL;
    vo_buf b = VO_BUF_INIT;
    vo_status st = vo_read_file(ctx, path, TOK_MAX_FILE, &b);
    if (st != VO_OK)
        return st;
    /* one strict pass finds model.vocab / model.merges; jansson builds a
     * tree only of the small rest (those two blanked to {} and []) */
    static const vo_tokjson_limits lim = {TOK_MAX_DEPTH, TOK_MAX_ENTRIES, TOK_MAX_ENTRIES};
    vo_tokjson doc;
    if ((st = vo_tokjson_scan(ctx, path, b.data ? b.data : "", b.len, &lim, &doc)) != VO_OK) {
        vo_tokjson_free(&doc);
        vo_buf_free(&b);
        return st;
    }
    json_error_t jerr;
    json_t *root = json_loadb(doc.rest.data ? doc.rest.data : "", doc.rest.len, 0, &jerr);
    if (!root) {
        st = vo_fail(ctx, VO_ERR_FORMAT, "%s: not valid JSON (line %zu: %s)", path,
                     vo_tokjson_rest_line(&doc, jerr.position > 0 ? (size_t)jerr.position : 0), jerr.text);
        vo_tokjson_free(&doc);
        vo_buf_free(&b);
        return st;
    }
    vo_tokenizer *t = vo_calloc(1, sizeof *t);
    if (!t)
        st = vo_fail(ctx, VO_ERR_NOMEM, "%s: out of memory", path);
    else if (!json_is_object(root))
        st = vo_fail(ctx, VO_ERR_FORMAT, "%s: not a JSON object", path);
    else
        st = tok_build(ctx, path, root, &doc, t);
    json_decref(root);
    vo_tokjson_free(&doc);
    vo_buf_free(&b);
    if (st != VO_OK) {
        vo_drop_tokenizer(t);
        return st;
    }
    *out = t;
    return VO_OK;
}

vo_status vo_load_tokenizer(vo_ctx *ctx, const char *model_dir, vo_tokenizer **out)
{
    vo_buf p = VO_BUF_INIT;
    *out = NULL;
    if (vo_buf_printf(&p, "%s/tokenizer.json", model_dir) != VO_OK)
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    FILE *f = fopen(p.data, "rb");
    vo_status st;
    if (!f)
        st = vo_fail(ctx, VO_ERR_MISSING, "%s: missing (the tokenizer is required)", p.data);
    else {
        fclose(f);
        st = vo_load_tokenizer_file(ctx, p.data, out);
    }
    vo_buf_free(&p);
    return st;
}

/* --- encode --- */

typedef struct {
    int32_t *v;
    size_t n, cap;
} tok_ids;

static vo_status tok_ids_push(tok_ids *ids, int32_t id)
{
    if (ids->n == ids->cap) {
        vo_status st = vo_grow((void **)&ids->v, &ids->cap, ids->n + 1, sizeof *ids->v);
        if (st != VO_OK)
            return st;
    }
    ids->v[ids->n++] = id;
    return VO_OK;
}

/* Per-call state: the piece cache (piece bytes -> span of cached ids). */
typedef struct {
    tok_map cache; /* value = index into spans */
    tok_ids cached;
    uint32_t *span_off, *span_len;
    size_t n_spans, cap_off, cap_len;
    /* BPE scratch */
    int32_t *sym;
    int32_t *next, *prev;
    size_t scratch_cap;
    struct tok_heap_e { int32_t rank, pos; int32_t a, b; } *heap;
    size_t heap_n, heap_cap;
    pcre2_match_data *md;
} tok_enc;

static void tok_heap_push(tok_enc *e, struct tok_heap_e x)
{
    size_t i = e->heap_n++;
    while (i) {
        size_t p = (i - 1) / 2;
        struct tok_heap_e *q = &e->heap[p];
        if (q->rank < x.rank || (q->rank == x.rank && q->pos < x.pos))
            break;
        e->heap[i] = *q;
        i = p;
    }
    e->heap[i] = x;
}

static struct tok_heap_e tok_heap_pop(tok_enc *e)
{
    struct tok_heap_e top = e->heap[0], x = e->heap[--e->heap_n];
    size_t i = 0, n = e->heap_n;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && (e->heap[c + 1].rank < e->heap[c].rank ||
                          (e->heap[c + 1].rank == e->heap[c].rank && e->heap[c + 1].pos < e->heap[c].pos)))
            c++;
        if (x.rank < e->heap[c].rank || (x.rank == e->heap[c].rank && x.pos < e->heap[c].pos))
            break;
        e->heap[i] = e->heap[c];
        i = c;
    }
    if (n)
        e->heap[i] = x;
    return top;
}

/* Queue the merge of symbol i with its right neighbour, if one exists. */
static void tok_try_pair(const vo_tokenizer *t, tok_enc *e, int32_t i)
{
    int32_t j = e->next[i];
    if (j < 0)
        return;
    const tok_merge *m = tok_merges_find(&t->merges, e->sym[i], e->sym[j]);
    if (m)
        tok_heap_push(e, (struct tok_heap_e){m->rank, i, e->sym[i], e->sym[j]});
}

/* BPE of one pre-tokenized piece: lowest rank first, leftmost on ties. */
static vo_status tok_bpe(const vo_tokenizer *t, tok_enc *e, const unsigned char *p, size_t n, tok_ids *out)
{
    vo_status st;
    if (n > e->scratch_cap) {
        size_t c1 = e->scratch_cap, c2 = e->scratch_cap, c3 = e->scratch_cap;
        if ((st = vo_grow((void **)&e->sym, &c1, n, sizeof *e->sym)) != VO_OK ||
            (st = vo_grow((void **)&e->next, &c2, n, sizeof *e->next)) != VO_OK ||
            (st = vo_grow((void **)&e->prev, &c3, n, sizeof *e->prev)) != VO_OK)
            return st;
        e->scratch_cap = c1 < c2 ? (c1 < c3 ? c1 : c3) : (c2 < c3 ? c2 : c3);
    }
    /* every merge queues at most two new pairs: 3n entries bound the heap */
    if (3 * n > e->heap_cap && (st = vo_grow((void **)&e->heap, &e->heap_cap, 3 * n, sizeof *e->heap)) != VO_OK)
        return st;
    for (size_t i = 0; i < n; i++) {
        e->sym[i] = t->byte_id[p[i]];
        e->next[i] = i + 1 < n ? (int32_t)i + 1 : -1;
        e->prev[i] = (int32_t)i - 1;
    }
    e->heap_n = 0;
    for (size_t i = 0; i + 1 < n; i++)
        tok_try_pair(t, e, (int32_t)i);
    while (e->heap_n) {
        struct tok_heap_e h = tok_heap_pop(e);
        int32_t i = h.pos, j = e->next[i];
        /* stale entry: either side changed since it was queued */
        if (e->sym[i] != h.a || j < 0 || e->sym[j] != h.b)
            continue;
        const tok_merge *m = tok_merges_find(&t->merges, h.a, h.b);
        e->sym[i] = m->merged;
        e->sym[j] = -1;
        e->next[i] = e->next[j];
        if (e->next[j] >= 0)
            e->prev[e->next[j]] = i;
        if (e->prev[i] >= 0)
            tok_try_pair(t, e, e->prev[i]);
        tok_try_pair(t, e, i);
    }
    for (int32_t i = 0; i >= 0; i = e->next[i])
        if ((st = tok_ids_push(out, e->sym[i])) != VO_OK)
            return st;
    return VO_OK;
}

static vo_status tok_piece(const vo_tokenizer *t, tok_enc *e, const unsigned char *p, size_t n, tok_ids *out)
{
    vo_status st;
    if (n == 1)
        return tok_ids_push(out, t->byte_id[p[0]]);
    long c = tok_map_find(&e->cache, p, n);
    if (c >= 0) {
        int32_t s = e->cache.ent[c].val;
        for (uint32_t k = 0; k < e->span_len[s]; k++)
            if ((st = tok_ids_push(out, e->cached.v[e->span_off[s] + k])) != VO_OK)
                return st;
        return VO_OK;
    }
    size_t before = out->n;
    if ((st = tok_bpe(t, e, p, n, out)) != VO_OK)
        return st;
    if (e->cached.n + (out->n - before) > UINT32_MAX)
        return VO_OK; /* cache full: still correct, just slower */
    if ((st = vo_grow((void **)&e->span_off, &e->cap_off, e->n_spans + 1, sizeof *e->span_off)) != VO_OK ||
        (st = vo_grow((void **)&e->span_len, &e->cap_len, e->n_spans + 1, sizeof *e->span_len)) != VO_OK)
        return st;
    e->span_off[e->n_spans] = (uint32_t)e->cached.n;
    e->span_len[e->n_spans] = (uint32_t)(out->n - before);
    for (size_t k = before; k < out->n; k++)
        if ((st = tok_ids_push(&e->cached, out->v[k])) != VO_OK)
            return st;
    if ((st = tok_map_put(&e->cache, p, n, (int32_t)e->n_spans)) != VO_OK)
        return st;
    e->n_spans++;
    return VO_OK;
}

static int tok_is_ascii(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] & 0x80)
            return 0;
    return 1;
}

/* Normalize, split by the regex, BPE each piece. */
static vo_status tok_segment(vo_ctx *ctx, const vo_tokenizer *t, tok_enc *e, const char *s, size_t n, tok_ids *out)
{
    utf8proc_uint8_t *norm = NULL;
    vo_status st = VO_OK;
    if (t->nfc && !tok_is_ascii(s, n)) {
        utf8proc_ssize_t r = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, &norm,
                                          UTF8PROC_STABLE | UTF8PROC_COMPOSE);
        if (r < 0)
            return vo_fail(ctx, r == UTF8PROC_ERROR_NOMEM ? VO_ERR_NOMEM : VO_ERR_ARGUMENT,
                           "tokenizer: cannot NFC-normalize the text: %s", utf8proc_errmsg(r));
        s = (const char *)norm;
        n = (size_t)r;
    }
    PCRE2_SIZE off = 0, prev_end = 0;
    while (off < n) {
        int rc = t->jit ? pcre2_jit_match(t->re, (PCRE2_SPTR)s, n, off, PCRE2_NO_UTF_CHECK, e->md, NULL)
                        : pcre2_match(t->re, (PCRE2_SPTR)s, n, off, PCRE2_NO_UTF_CHECK, e->md, NULL);
        if (rc == PCRE2_ERROR_NOMATCH)
            break;
        if (rc < 0) {
            st = vo_fail(ctx, VO_ERR_LIBRARY, "tokenizer: pre-tokenizer regex failed (PCRE2 error %d)", rc);
            goto done;
        }
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(e->md);
        PCRE2_SIZE ms = ov[0], me = ov[1];
        if (ms > prev_end && (st = tok_piece(t, e, (const unsigned char *)s + prev_end, ms - prev_end, out)) != VO_OK)
            goto done;
        if (me > ms && (st = tok_piece(t, e, (const unsigned char *)s + ms, me - ms, out)) != VO_OK)
            goto done;
        prev_end = me;
        if (me == ms) { /* empty match: step over one character */
            off = me + 1;
            while (off < n && ((unsigned char)s[off] & 0xc0) == 0x80)
                off++;
        } else {
            off = me;
        }
    }
    if (n > prev_end)
        st = tok_piece(t, e, (const unsigned char *)s + prev_end, n - prev_end, out);
done:
    free(norm); /* utf8proc allocates with malloc */
    return st;
}

vo_status vo_tokenizer_encode(vo_ctx *ctx, const vo_tokenizer *t, const char *text, size_t len, int32_t **ids,
                              size_t *n)
{
    *ids = NULL;
    *n = 0;
    tok_ids out = {NULL, 0, 0};
    tok_enc e;
    memset(&e, 0, sizeof e);
    vo_status st = VO_OK;
    /* validate UTF-8 once; PCRE2 then skips its own check */
    for (size_t i = 0; i < len;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t r = utf8proc_iterate((const utf8proc_uint8_t *)text + i, (utf8proc_ssize_t)(len - i), &cp);
        if (r <= 0)
            return vo_fail(ctx, VO_ERR_ARGUMENT, "tokenizer: text is not valid UTF-8 at byte %zu", i);
        i += (size_t)r;
    }
    if (!(e.md = pcre2_match_data_create_from_pattern(t->re, NULL)) || tok_map_init(&e.cache, 1024) != VO_OK) {
        st = vo_fail(ctx, VO_ERR_NOMEM, "tokenizer: out of memory");
        goto done;
    }
    size_t seg = 0;
    for (size_t i = 0; i < len;) {
        const tok_added *hit = NULL;
        if (t->n_added) {
            unsigned char c = (unsigned char)text[i];
            for (uint32_t k = t->added_first[c][0]; k < t->added_first[c][1]; k++) {
                const tok_added *a = &t->added[t->added_by_byte[k]];
                if (a->len <= len - i && !memcmp(text + i, a->text, a->len)) {
                    hit = a;
                    break;
                }
            }
        }
        if (!hit) {
            i++;
            continue;
        }
        if (i > seg && (st = tok_segment(ctx, t, &e, text + seg, i - seg, &out)) != VO_OK)
            goto done;
        if ((st = tok_ids_push(&out, hit->id)) != VO_OK)
            goto nomem;
        i += hit->len;
        seg = i;
    }
    if (len > seg && (st = tok_segment(ctx, t, &e, text + seg, len - seg, &out)) != VO_OK)
        goto done;
    *ids = out.v;
    *n = out.n;
    out.v = NULL;
    goto done;
nomem:
    st = vo_fail(ctx, st, "tokenizer: out of memory");
done:
    if (st != VO_OK && vo_last_status(ctx) == VO_OK)
        vo_fail(ctx, st, "tokenizer: out of memory");
    vo_free(out.v);
    tok_map_free(&e.cache);
    vo_free(e.cached.v);
    vo_free(e.span_off);
    vo_free(e.span_len);
    vo_free(e.sym);
    vo_free(e.next);
    vo_free(e.prev);
    vo_free(e.heap);
    pcre2_match_data_free(e.md);
    return st;
}

/* --- decode --- */

/* One UTF-8 step: 1 = valid sequence of *adv bytes; 0 = invalid, *adv =
 * maximal invalid subpart (>= 1); -1 = a valid but incomplete prefix that
 * runs to the end of the buffer. */
static int tok_utf8_step(const unsigned char *s, size_t n, size_t *adv)
{
    unsigned char c = s[0];
    size_t need;
    unsigned char lo = 0x80, hi = 0xbf;
    if (c < 0x80) {
        *adv = 1;
        return 1;
    } else if (c >= 0xc2 && c <= 0xdf) {
        need = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
        need = 2;
        if (c == 0xe0) lo = 0xa0;
        if (c == 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 3;
        if (c == 0xf0) lo = 0x90;
        if (c == 0xf4) hi = 0x8f;
    } else {
        *adv = 1;
        return 0;
    }
    for (size_t k = 1; k <= need; k++) {
        if (k >= n) {
            *adv = n;
            return -1;
        }
        unsigned char x = s[k];
        if (k == 1 ? (x < lo || x > hi) : (x < 0x80 || x > 0xbf)) {
            *adv = k;
            return 0;
        }
    }
    *adv = need + 1;
    return 1;
}

static const char tok_fffd[] = "\xef\xbf\xbd";

/* Append bytes as UTF-8, invalid parts as U+FFFD; with hold, keep an
 * incomplete tail back and return its length. */
static vo_status tok_emit_utf8(vo_buf *out, const unsigned char *s, size_t n, int hold, size_t *held)
{
    size_t i = 0, run = 0;
    vo_status st;
    *held = 0;
    if (!n)
        return VO_OK;
    while (i < n) {
        size_t adv;
        int r = tok_utf8_step(s + i, n - i, &adv);
        if (r == 1) {
            i += adv;
            continue;
        }
        if ((st = vo_buf_append(out, s + run, i - run)) != VO_OK)
            return st;
        if (r == -1 && hold) {
            *held = n - i;
            return VO_OK;
        }
        if ((st = vo_buf_append(out, tok_fffd, 3)) != VO_OK)
            return st;
        i += adv;
        run = i;
    }
    return vo_buf_append(out, s + run, i - run);
}

static vo_status tok_bytes_of(vo_ctx *ctx, const vo_tokenizer *t, int32_t id, const char **p, size_t *n)
{
    if (id < 0 || (size_t)id >= t->n_ids || !t->id_str[id])
        return vo_fail(ctx, VO_ERR_ARGUMENT, "tokenizer: id %d has no token (vocabulary size %zu)", (int)id,
                       t->n_ids);
    if (t->is_added[id]) {
        *p = t->id_str[id];
        *n = strlen(*p);
    } else {
        *p = t->dec + t->dec_off[id];
        *n = t->dec_len[id];
    }
    return VO_OK;
}

vo_status vo_tokenizer_decode(vo_ctx *ctx, const vo_tokenizer *t, const int32_t *ids, size_t n, vo_buf *out)
{
    vo_buf raw = VO_BUF_INIT;
    vo_status st = VO_OK;
    for (size_t i = 0; i < n && st == VO_OK; i++) {
        const char *p = NULL;
        size_t k = 0;
        if ((st = tok_bytes_of(ctx, t, ids[i], &p, &k)) == VO_OK && (st = vo_buf_append(&raw, p, k)) != VO_OK)
            st = vo_fail(ctx, st, "tokenizer: out of memory");
    }
    size_t held;
    if (st == VO_OK && (st = tok_emit_utf8(out, (const unsigned char *)raw.data, raw.len, 0, &held)) != VO_OK)
        st = vo_fail(ctx, st, "tokenizer: out of memory");
    vo_buf_free(&raw);
    return st;
}

int32_t vo_tokenizer_token_id(const vo_tokenizer *t, const char *token)
{
    size_t n = strlen(token);
    for (size_t a = 0; a < t->n_added; a++)
        if (t->added[a].len == n && !memcmp(t->added[a].text, token, n))
            return t->added[a].id;
    long e = tok_map_find(&t->vocab, token, n);
    return e >= 0 ? t->vocab.ent[e].val : -1;
}

const char *vo_tokenizer_token_str(const vo_tokenizer *t, int32_t id)
{
    return id >= 0 && (size_t)id < t->n_ids ? t->id_str[id] : NULL;
}

int vo_tokenizer_is_special(const vo_tokenizer *t, int32_t id)
{
    return id >= 0 && (size_t)id < t->n_ids && t->is_added[id] == 2;
}

size_t vo_tokenizer_vocab_size(const vo_tokenizer *t)
{
    return t->n_ids;
}

/* --- streaming decode --- */

struct vo_token_stream {
    const vo_tokenizer *tok;
    vo_buf pending; /* an incomplete UTF-8 tail */
};

vo_status vo_new_token_stream(vo_ctx *ctx, const vo_tokenizer *tok, vo_token_stream **out)
{
    *out = vo_calloc(1, sizeof **out);
    if (!*out)
        return vo_fail(ctx, VO_ERR_NOMEM, "tokenizer: out of memory");
    (*out)->tok = tok;
    return VO_OK;
}

vo_status vo_token_stream_push(vo_ctx *ctx, vo_token_stream *s, int32_t id, vo_buf *out)
{
    const char *p = NULL;
    size_t n = 0, held;
    vo_status st = tok_bytes_of(ctx, s->tok, id, &p, &n);
    if (st != VO_OK)
        return st;
    if ((st = vo_buf_append(&s->pending, p, n)) != VO_OK ||
        (st = tok_emit_utf8(out, (const unsigned char *)s->pending.data, s->pending.len, 1, &held)) != VO_OK)
        return vo_fail(ctx, st, "tokenizer: out of memory");
    if (held)
        memmove(s->pending.data, s->pending.data + s->pending.len - held, held);
    s->pending.len = held;
    return VO_OK;
}

vo_status vo_token_stream_flush(vo_ctx *ctx, vo_token_stream *s, vo_buf *out)
{
    size_t held;
    vo_status st = tok_emit_utf8(out, (const unsigned char *)s->pending.data, s->pending.len, 0, &held);
    vo_buf_reset(&s->pending);
    if (st != VO_OK)
        return vo_fail(ctx, st, "tokenizer: out of memory");
    return VO_OK;
}

void vo_drop_token_stream(vo_token_stream *s)
{
    if (!s)
        return;
    vo_buf_free(&s->pending);
    vo_free(s);
}
