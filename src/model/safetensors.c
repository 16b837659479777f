/* safetensors.c: maps safetensors files read-only, validates every header
 * field against the file size, and builds the name -> view table. */
#include "src/model/safetensors.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/util/alloc.h"
#include "src/util/buf.h"

/* A header larger than this is not a real checkpoint (the 14B one is
 * well under 1 MB per shard). */
#define SAFETENSORS_MAX_HEADER ((uint64_t)100 * 1024 * 1024)
/* More tensors than any real shard holds (a 1.7B model has ~800): a header
 * listing more is refused before the JSON parser spends seconds on it. */
#define SAFETENSORS_MAX_TENSORS 200000
#define SAFETENSORS_MAX_INDEX ((size_t)64 * 1024 * 1024)
#define SAFETENSORS_MAX_SHARDS 4096

typedef struct {
    char *path;
    void *map;
    size_t size;
} safetensors_shard;

struct vo_weights {
    safetensors_shard *shards;
    size_t n_shards;
    vo_tensor_view *views; /* sorted by name */
    size_t n_views, cap_views;
    uint64_t total_bytes;
    int legacy;
};

size_t vo_dtype_size(vo_dtype dt)
{
    return dt == VO_DT_F32 ? 4 : 2;
}

const char *vo_dtype_name(vo_dtype dt)
{
    switch (dt) {
    case VO_DT_F32: return "F32";
    case VO_DT_F16: return "F16";
    case VO_DT_BF16: return "BF16";
    }
    return "?";
}

static int safetensors_parse_dtype(const char *s, vo_dtype *dt)
{
    if (!strcmp(s, "F32")) *dt = VO_DT_F32;
    else if (!strcmp(s, "F16")) *dt = VO_DT_F16;
    else if (!strcmp(s, "BF16")) *dt = VO_DT_BF16;
    else return 0;
    return 1;
}

/* --- one file --- */

static vo_status safetensors_map(vo_ctx *ctx, const char *path, safetensors_shard *sh)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return vo_fail(ctx, errno == ENOENT ? VO_ERR_MISSING : VO_ERR_IO,
                       "%s: cannot open weights: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return vo_fail(ctx, VO_ERR_IO, "%s: cannot stat: %s", path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return vo_fail(ctx, VO_ERR_FORMAT, "%s: not a regular file", path);
    }
    if (st.st_size < 8) {
        close(fd);
        return vo_fail(ctx, VO_ERR_FORMAT,
                       "%s: %lld bytes is too short for a safetensors file (truncated download?)",
                       path, (long long)st.st_size);
    }
    if ((uint64_t)st.st_size > SIZE_MAX) {
        close(fd);
        return vo_fail(ctx, VO_ERR_LIMIT, "%s: file too large to map", path);
    }
    void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    int e = errno;
    close(fd);
    if (map == MAP_FAILED && e == ENOMEM)
        return vo_fail(ctx, VO_ERR_NOMEM,
                       "%s: not enough memory or address space to map its %lld bytes: free "
                       "memory, or raise the limit (ulimit -v)", path, (long long)st.st_size);
    if (map == MAP_FAILED)
        return vo_fail(ctx, VO_ERR_IO, "%s: mmap failed: %s", path, strerror(e));
#ifdef MADV_HUGEPAGE
    madvise(map, (size_t)st.st_size, MADV_HUGEPAGE); /* a hint; failure is fine */
#endif
    sh->map = map;
    sh->size = (size_t)st.st_size;
    return VO_OK;
}

void vo_weights_drop_pages(const vo_weights *w, const void *p, size_t n)
{
    uintptr_t a = (uintptr_t)p, b = a + n;
    long pg = sysconf(_SC_PAGESIZE);
    if (!w || !p || n == 0 || pg <= 0 || b < a)
        return;
    for (size_t i = 0; i < w->n_shards; i++) {
        uintptr_t m = (uintptr_t)w->shards[i].map, e = m + w->shards[i].size;
        if (!w->shards[i].map || a < m || b > e)
            continue;
        uintptr_t lo = (a + (uintptr_t)pg - 1) / (uintptr_t)pg * (uintptr_t)pg;
        uintptr_t hi = b / (uintptr_t)pg * (uintptr_t)pg;
        if (hi > lo)    /* a hint: the mapping is PROT_READ, MAP_PRIVATE of the file */
            madvise((void *)lo, hi - lo, MADV_DONTNEED);
        return;
    }
}

static vo_status safetensors_add_view(vo_weights *w, const vo_tensor_view *v)
{
    vo_status st = vo_grow((void **)&w->views, &w->cap_views, w->n_views + 1, sizeof *v);
    if (st != VO_OK)
        return st;
    w->views[w->n_views++] = *v;
    return VO_OK;
}

static int safetensors_cmp_begin(const void *a, const void *b)
{
    const vo_tensor_view *x = a, *y = b;
    uintptr_t px = (uintptr_t)x->data, py = (uintptr_t)y->data;
    if (px != py)
        return px < py ? -1 : 1;
    return x->nbytes < y->nbytes ? -1 : x->nbytes > y->nbytes;
}

/* Parse one tensor entry of a header into *v (name not yet copied). */
static vo_status safetensors_parse_entry(vo_ctx *ctx, const char *path, const char *name,
                                         json_t *e, const uint8_t *data, uint64_t data_size,
                                         vo_tensor_view *v)
{
    if (!json_is_object(e))
        return vo_fail(ctx, VO_ERR_FORMAT, "%s: tensor %s: header entry is not an object", path, name);
    json_t *jd = json_object_get(e, "dtype");
    json_t *js = json_object_get(e, "shape");
    json_t *jo = json_object_get(e, "data_offsets");
    if (!json_is_string(jd) || !json_is_array(js) || !json_is_array(jo) || json_array_size(jo) != 2)
        return vo_fail(ctx, VO_ERR_FORMAT,
                       "%s: tensor %s: needs dtype (string), shape (array) and data_offsets ([begin, end])",
                       path, name);
    if (!safetensors_parse_dtype(json_string_value(jd), &v->dtype))
        return vo_fail(ctx, VO_ERR_FORMAT,
                       "%s: tensor %s has dtype \"%s\"; only BF16, F16 and F32 are supported "
                       "(convert the checkpoint to one of them)",
                       path, name, json_string_value(jd));
    size_t nd = json_array_size(js);
    if (nd > VO_TENSOR_MAX_DIMS)
        return vo_fail(ctx, VO_ERR_FORMAT, "%s: tensor %s has %zu dimensions (at most %d)",
                       path, name, nd, VO_TENSOR_MAX_DIMS);
    v->ndim = (int)nd;
    uint64_t count = 1;
    for (int i = 0; i < VO_TENSOR_MAX_DIMS; i++)
        v->shape[i] = 1;
    for (size_t i = 0; i < nd; i++) {
        json_t *d = json_array_get(js, i);
        if (!json_is_integer(d) || json_integer_value(d) < 0)
            return vo_fail(ctx, VO_ERR_FORMAT, "%s: tensor %s: shape[%zu] is not a non-negative integer",
                           path, name, i);
        v->shape[i] = json_integer_value(d);
        if (vo_mul_u64(&count, count, (uint64_t)v->shape[i]) != VO_OK)
            return vo_fail(ctx, VO_ERR_FORMAT, "%s: tensor %s: shape product overflows 64 bits",
                           path, name);
    }
    uint64_t nbytes;
    if (vo_mul_u64(&nbytes, count, vo_dtype_size(v->dtype)) != VO_OK)
        return vo_fail(ctx, VO_ERR_FORMAT, "%s: tensor %s: byte size overflows 64 bits", path, name);
    json_t *jb = json_array_get(jo, 0), *je = json_array_get(jo, 1);
    if (!json_is_integer(jb) || !json_is_integer(je) || json_integer_value(jb) < 0 ||
        json_integer_value(je) < json_integer_value(jb))
        return vo_fail(ctx, VO_ERR_FORMAT, "%s: tensor %s: data_offsets must be integers 0 <= begin <= end",
                       path, name);
    uint64_t begin = (uint64_t)json_integer_value(jb), end = (uint64_t)json_integer_value(je);
    if (end > data_size)
        return vo_fail(ctx, VO_ERR_FORMAT,
                       "%s: tensor %s ends at byte %llu of the data area, past its end (%llu bytes; truncated file?)",
                       path, name, (unsigned long long)end, (unsigned long long)data_size);
    if (end - begin != nbytes)
        return vo_fail(ctx, VO_ERR_FORMAT,
                       "%s: tensor %s: shape x %s needs %llu bytes but data_offsets span %llu",
                       path, name, vo_dtype_name(v->dtype), (unsigned long long)nbytes,
                       (unsigned long long)(end - begin));
    v->data = data + begin;
    v->nbytes = (size_t)nbytes;
    return VO_OK;
}

/* Validate the whole header of a mapped shard and append its views. */
static vo_status safetensors_read_header(vo_ctx *ctx, vo_weights *w, safetensors_shard *sh)
{
    const uint8_t *p = sh->map;
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--)
        hlen = (hlen << 8) | p[i];
    if (hlen > sh->size - 8)
        return vo_fail(ctx, VO_ERR_FORMAT,
                       "%s: header length %llu is past the end of the file (%zu bytes; truncated or not safetensors)",
                       sh->path, (unsigned long long)hlen, sh->size);
    if (hlen > SAFETENSORS_MAX_HEADER)
        return vo_fail(ctx, VO_ERR_FORMAT, "%s: header length %llu is over the 100 MB limit",
                       sh->path, (unsigned long long)hlen);
    size_t n_offsets = 0;
    /* memchr, not memmem: sanitizers check the whole rest at each memmem */
    for (const char *q = (const char *)p + 8, *end = q + hlen;
         (q = memchr(q, 'd', (size_t)(end - q))) != NULL; q++)
        if (end - q >= 12 && !memcmp(q, "data_offsets", 12) && ++n_offsets > SAFETENSORS_MAX_TENSORS)
            return vo_fail(ctx, VO_ERR_FORMAT, "%s: header lists over %d tensors (damaged or hostile file)",
                           sh->path, SAFETENSORS_MAX_TENSORS);
    json_error_t jerr;
    json_t *root = json_loadb((const char *)p + 8, (size_t)hlen, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return vo_fail(ctx, VO_ERR_FORMAT, "%s: header is not valid JSON (byte %d: %s)",
                       sh->path, jerr.position, jerr.text);
    vo_status st = VO_OK;
    size_t first = w->n_views;
    if (!json_is_object(root)) {
        st = vo_fail(ctx, VO_ERR_FORMAT, "%s: header is not a JSON object", sh->path);
        goto fail;
    }
    const uint8_t *data = p + 8 + hlen;
    uint64_t data_size = sh->size - 8 - hlen;
    const char *key;
    json_t *val;
    json_object_foreach(root, key, val) {
        if (!strcmp(key, "__metadata__"))
            continue;
        vo_tensor_view v;
        memset(&v, 0, sizeof v);
        if ((st = safetensors_parse_entry(ctx, sh->path, key, val, data, data_size, &v)) != VO_OK)
            goto fail;
        v.file = sh->path;
        if (!(v.name = vo_strdup(key))) {
            st = vo_fail(ctx, VO_ERR_NOMEM, "%s: out of memory", sh->path);
            goto fail;
        }
        if ((st = safetensors_add_view(w, &v)) != VO_OK) {
            vo_free((char *)v.name);
            st = vo_fail(ctx, st, "%s: out of memory", sh->path);
            goto fail;
        }
        w->total_bytes += v.nbytes;
    }
    /* overlap check: sort this shard's views by start, each must begin at or
     * after the previous one's end */
    if (w->n_views - first > 1) /* a shard may hold no tensor (and views be NULL) */
        qsort(w->views + first, w->n_views - first, sizeof *w->views, safetensors_cmp_begin);
    for (size_t i = first + 1; i < w->n_views; i++) {
        const vo_tensor_view *a = &w->views[i - 1], *b = &w->views[i];
        if (a->nbytes && b->nbytes &&
            (const uint8_t *)b->data < (const uint8_t *)a->data + a->nbytes) {
            st = vo_fail(ctx, VO_ERR_FORMAT, "%s: tensors %s and %s overlap in the data area",
                         sh->path, a->name, b->name);
            goto fail;
        }
    }
fail:
    json_decref(root);
    return st;
}

/* --- the set of shards --- */

static int safetensors_cmp_name(const void *a, const void *b)
{
    return strcmp(((const vo_tensor_view *)a)->name, ((const vo_tensor_view *)b)->name);
}

static vo_status safetensors_add_shard(vo_ctx *ctx, vo_weights *w, const char *path)
{
    safetensors_shard *sh = &w->shards[w->n_shards];
    memset(sh, 0, sizeof *sh);
    if (!(sh->path = vo_strdup(path)))
        return vo_fail(ctx, VO_ERR_NOMEM, "%s: out of memory", path);
    w->n_shards++;
    vo_status st = safetensors_map(ctx, path, sh);
    if (st != VO_OK)
        return st;
    return safetensors_read_header(ctx, w, sh);
}

static vo_status safetensors_finish(vo_ctx *ctx, vo_weights *w)
{
    if (w->n_views)
        qsort(w->views, w->n_views, sizeof *w->views, safetensors_cmp_name);
    for (size_t i = 1; i < w->n_views; i++)
        if (!strcmp(w->views[i - 1].name, w->views[i].name))
            return vo_fail(ctx, VO_ERR_FORMAT, "tensor %s is stored twice (%s and %s)",
                           w->views[i].name, w->views[i - 1].file, w->views[i].file);
    w->legacy = vo_weights_find(w, "language_model.model.embed_tokens.weight") != NULL ||
                vo_weights_find(w, "language_model.lm_head.weight") != NULL;
    return VO_OK;
}

vo_status vo_open_safetensors(vo_ctx *ctx, const char *path, vo_weights **out)
{
    *out = NULL;
    vo_weights *w = vo_calloc(1, sizeof *w);
    if (!w || !(w->shards = vo_calloc(1, sizeof *w->shards))) {
        vo_free(w);
        return vo_fail(ctx, VO_ERR_NOMEM, "%s: out of memory", path);
    }
    vo_status st = safetensors_add_shard(ctx, w, path);
    if (st == VO_OK)
        st = safetensors_finish(ctx, w);
    if (st != VO_OK) {
        vo_drop_weights(w);
        return st;
    }
    *out = w;
    return VO_OK;
}

/* A shard name from the index must be a plain file name in the folder. */
static int safetensors_plain_name(const char *s)
{
    return s[0] && s[0] != '.' && !strchr(s, '/') && !strchr(s, '\\');
}

static vo_status safetensors_open_index(vo_ctx *ctx, const char *dir, const char *index_path,
                                        vo_weights *w)
{
    vo_buf b = VO_BUF_INIT, path = VO_BUF_INIT;
    json_t *root = NULL, *files = NULL;
    vo_status st = vo_read_file(ctx, index_path, SAFETENSORS_MAX_INDEX, &b);
    if (st != VO_OK)
        goto fail;
    json_error_t jerr;
    root = json_loadb(b.data ? b.data : "", b.len, 0, &jerr);
    if (!root) {
        st = vo_fail(ctx, VO_ERR_FORMAT, "%s: not valid JSON (line %d: %s)", index_path, jerr.line, jerr.text);
        goto fail;
    }
    json_t *map = json_object_get(root, "weight_map");
    if (!json_is_object(map) || json_object_size(map) == 0) {
        st = vo_fail(ctx, VO_ERR_FORMAT, "%s: weight_map missing or empty", index_path);
        goto fail;
    }
    /* the distinct shard names, in first-seen order */
    if (!(files = json_object())) {
        st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
        goto fail;
    }
    const char *key;
    json_t *val;
    json_object_foreach(map, key, val) {
        if (!json_is_string(val) || !safetensors_plain_name(json_string_value(val))) {
            st = vo_fail(ctx, VO_ERR_FORMAT, "%s: tensor %s: shard must be a plain file name", index_path, key);
            goto fail;
        }
        json_object_set_new(files, json_string_value(val), json_true());
    }
    if (json_object_size(files) > SAFETENSORS_MAX_SHARDS) {
        st = vo_fail(ctx, VO_ERR_FORMAT, "%s: names %zu shards (limit %d)", index_path,
                     json_object_size(files), SAFETENSORS_MAX_SHARDS);
        goto fail;
    }
    if (!(w->shards = vo_calloc(json_object_size(files), sizeof *w->shards))) {
        st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
        goto fail;
    }
    json_object_foreach(files, key, val) {
        vo_buf_reset(&path);
        if ((st = vo_buf_printf(&path, "%s/%s", dir, key)) != VO_OK) {
            st = vo_fail(ctx, st, "out of memory");
            goto fail;
        }
        if ((st = safetensors_add_shard(ctx, w, path.data)) != VO_OK) {
            vo_fail_where(ctx, "%s: ", index_path);
            goto fail;
        }
    }
    if ((st = safetensors_finish(ctx, w)) != VO_OK)
        goto fail;
    json_object_foreach(map, key, val) {
        const vo_tensor_view *v = vo_weights_find(w, key);
        const char *f = v ? strrchr(v->file, '/') : NULL;
        if (!v || strcmp(f ? f + 1 : v->file, json_string_value(val))) {
            st = vo_fail(ctx, VO_ERR_FORMAT, "%s: tensor %s is listed in shard %s but that shard does not hold it",
                         index_path, key, json_string_value(val));
            goto fail;
        }
    }
fail:
    json_decref(files);
    json_decref(root);
    vo_buf_free(&b);
    vo_buf_free(&path);
    return st;
}

vo_status vo_open_weights(vo_ctx *ctx, const char *model_dir, vo_weights **out)
{
    *out = NULL;
    vo_buf path = VO_BUF_INIT;
    vo_status st;
    if ((st = vo_buf_printf(&path, "%s/model.safetensors.index.json", model_dir)) != VO_OK)
        return vo_fail(ctx, st, "out of memory");
    if (access(path.data, F_OK) == 0) {
        vo_weights *w = vo_calloc(1, sizeof *w);
        if (!w) {
            vo_buf_free(&path);
            return vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
        }
        st = safetensors_open_index(ctx, model_dir, path.data, w);
        vo_buf_free(&path);
        if (st != VO_OK) {
            vo_drop_weights(w);
            return st;
        }
        *out = w;
        return VO_OK;
    }
    vo_buf_reset(&path);
    if ((st = vo_buf_printf(&path, "%s/model.safetensors", model_dir)) != VO_OK)
        return vo_fail(ctx, st, "out of memory");
    if (access(path.data, F_OK) != 0) {
        st = vo_fail(ctx, VO_ERR_MISSING,
                     "%s: no model.safetensors or model.safetensors.index.json (is this a model folder?)",
                     model_dir);
        vo_buf_free(&path);
        return st;
    }
    st = vo_open_safetensors(ctx, path.data, out);
    vo_buf_free(&path);
    return st;
}

void vo_drop_weights(vo_weights *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->n_views; i++)
        vo_free((char *)w->views[i].name);
    vo_free(w->views);
    for (size_t i = 0; i < w->n_shards; i++) {
        if (w->shards[i].map)
            munmap(w->shards[i].map, w->shards[i].size);
        vo_free(w->shards[i].path);
    }
    vo_free(w->shards);
    vo_free(w);
}

/* --- lookup --- */

const vo_tensor_view *vo_weights_find(const vo_weights *w, const char *name)
{
    if (!w || !name || !w->n_views)
        return NULL;
    vo_tensor_view key;
    key.name = name;
    return bsearch(&key, w->views, w->n_views, sizeof *w->views, safetensors_cmp_name);
}

/* Prefix pairs of the two layouts (MODEL.md §2.2): {current, older}. */
static const char *const safetensors_layouts[][2] = {
    {"model.language_model.", "language_model.model."},
    {"lm_head.", "language_model.lm_head."},
    {"model.vision_tower.", "vision_tower."},
    {"model.multi_modal_projector.", "multi_modal_projector."},
    {"model.image_newline", "image_newline"},
};

const vo_tensor_view *vo_weights_find_any(const vo_weights *w, const char *name)
{
    const vo_tensor_view *v = vo_weights_find(w, name);
    if (v || !name)
        return v;
    char tmp[512];
    size_t n = strlen(name);
    for (size_t i = 0; i < sizeof safetensors_layouts / sizeof *safetensors_layouts; i++) {
        for (int from = 0; from < 2; from++) {
            const char *a = safetensors_layouts[i][from], *b = safetensors_layouts[i][!from];
            size_t la = strlen(a), lb = strlen(b);
            if (strncmp(name, a, la) || n - la + lb >= sizeof tmp)
                continue;
            memcpy(tmp, b, lb);
            memcpy(tmp + lb, name + la, n - la + 1);
            if ((v = vo_weights_find(w, tmp)))
                return v;
        }
    }
    return NULL;
}

vo_status vo_weights_lm_head(vo_ctx *ctx, const vo_weights *w, int tied, const vo_tensor_view **out)
{
    const vo_tensor_view *head = vo_weights_find_any(w, "lm_head.weight");
    const vo_tensor_view *emb = vo_weights_find_any(w, "model.language_model.embed_tokens.weight");
    *out = NULL;
    if (head) {
        if (tied && emb && (head->nbytes != emb->nbytes || head->dtype != emb->dtype ||
                            memcmp(head->data, emb->data, head->nbytes)))
            vo_warn(ctx, "%s: config says tie_word_embeddings but lm_head.weight differs from "
                         "embed_tokens.weight; using lm_head.weight", head->file);
        *out = head;
        return VO_OK;
    }
    if (!emb)
        return vo_fail(ctx, VO_ERR_FORMAT,
                       "weights hold neither lm_head.weight nor model.language_model.embed_tokens.weight "
                       "(either name layout); not a LLaVA-OneVision checkpoint?");
    *out = emb;
    return VO_OK;
}

int vo_weights_legacy_names(const vo_weights *w)
{
    return w ? w->legacy : 0;
}

size_t vo_weights_count(const vo_weights *w)
{
    return w ? w->n_views : 0;
}

const vo_tensor_view *vo_weights_at(const vo_weights *w, size_t i)
{
    return w && i < w->n_views ? &w->views[i] : NULL;
}

uint64_t vo_weights_total_bytes(const vo_weights *w)
{
    return w ? w->total_bytes : 0;
}
