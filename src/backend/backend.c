/* backend.c: the common op layer: type/shape checks, the sticky first error
 * with the op's name, and dispatch into the backend's table. */
#include "src/backend/backend_impl.h"
#include "src/util/alloc.h"
#include "src/util/clock.h"

#include <stdio.h>
#include <string.h>

size_t vo_type_size(vo_type t)
{
    switch (t) {
    case VO_F32: case VO_I32: return 4;
    case VO_F16: case VO_BF16: return 2;
    case VO_Q8: return 4 + VO_Q8_BLOCK;
    case VO_Q4: return 4 + VO_Q8_BLOCK / 2;
    case VO_Q8ROW: return 1;
    default: return 0;
    }
}

int64_t vo_type_block(vo_type t) { return t == VO_Q8 || t == VO_Q4 ? VO_Q8_BLOCK : 1; }

size_t vo_row_size(vo_type t, int64_t ne0)
{
    if (t == VO_Q8ROW)
        return 4 + (size_t)ne0;     /* the row's scale, then its int8 */
    return (size_t)(ne0 / vo_type_block(t)) * vo_type_size(t);
}

size_t vo_nbytes(const vo_tensor *t)
{
    return vo_row_size(t->type, t->ne[0]) * (size_t)vo_nrows(t);
}

const char *vo_type_name(vo_type t)
{
    static const char *names[] = {"f32", "f16", "bf16", "i32", "q8", "q4", "q8row"};
    return (unsigned)t < VO_TYPE_COUNT_ ? names[t] : "?";
}

int64_t vo_nelements(const vo_tensor *t) { return t->ne[0] * t->ne[1] * t->ne[2] * t->ne[3]; }
int64_t vo_nrows(const vo_tensor *t) { return t->ne[1] * t->ne[2] * t->ne[3]; }

bool vo_is_contiguous(const vo_tensor *t)
{
    if (t->ne[0] > 1 && t->nb[0] != vo_type_size(t->type))
        return false;
    size_t s = vo_row_size(t->type, t->ne[0]);
    for (int i = 1; i < 4; i++) {
        if (t->ne[i] > 1 && t->nb[i] != s)
            return false;
        s *= (size_t)t->ne[i];
    }
    return true;
}

void vo_tensor_init(vo_tensor *t, vo_type type, int64_t ne0, int64_t ne1, int64_t ne2,
                    int64_t ne3, const char *name)
{
    memset(t, 0, sizeof *t);
    t->type = type;
    t->ne[0] = ne0; t->ne[1] = ne1; t->ne[2] = ne2; t->ne[3] = ne3;
    t->nb[0] = vo_type_size(type);
    t->nb[1] = vo_row_size(type, ne0);
    for (int i = 2; i < 4; i++)
        t->nb[i] = t->nb[i - 1] * (size_t)t->ne[i - 1];
    snprintf(t->name, sizeof t->name, "%s", name ? name : "");
}

vo_tensor vo_view(const vo_tensor *t, int64_t ne0, int64_t ne1, int64_t ne2, int64_t ne3,
                  size_t nb1, size_t nb2, size_t nb3, size_t offset)
{
    vo_tensor v = *t;
    v.ne[0] = ne0; v.ne[1] = ne1; v.ne[2] = ne2; v.ne[3] = ne3;
    v.nb[0] = vo_type_size(t->type);
    v.nb[1] = nb1 ? nb1 : vo_row_size(t->type, ne0);
    v.nb[2] = nb2 ? nb2 : v.nb[1] * (size_t)ne1;
    v.nb[3] = nb3 ? nb3 : v.nb[2] * (size_t)ne2;
    v.offset = t->offset + offset;
    return v;
}

void vo_backend_error(vo_backend *be, vo_status st, const char *fmt, ...)
{
    if (be->err != VO_OK)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(be->err_msg, sizeof be->err_msg, fmt, ap);
    va_end(ap);
    be->err = st;
}

vo_status vo_backend_sync(vo_backend *be, vo_ctx *ctx)
{
    if (be->err == VO_OK && be->ops->sync)
        be->ops->sync(be);
    if (be->err != VO_OK)
        return vo_fail(ctx, be->err, "%s backend: %s", be->ops->name, be->err_msg);
    return VO_OK;
}

vo_status vo_backend_status(vo_backend *be, vo_ctx *ctx)
{
    if (be->err != VO_OK)
        return vo_fail(ctx, be->err, "%s backend: %s", be->ops->name, be->err_msg);
    return VO_OK;
}

void vo_backend_set_stream(vo_backend *be, vo_stream s)
{
    if (be->ops->set_stream && s >= VO_STREAM_MAIN && s < VO_STREAM_COUNT_)
        be->ops->set_stream(be, s);
}

bool vo_backend_stream_done(vo_backend *be, vo_stream s)
{
    return !be->ops->stream_done || be->ops->stream_done(be, s);
}

void vo_backend_clear_error(vo_backend *be) { be->err = VO_OK; be->err_msg[0] = 0; }
void vo_backend_set_cancel(vo_backend *be, const volatile sig_atomic_t *flag) { be->cancel = flag; }
void vo_backend_set_deadline(vo_backend *be, double monotonic_s) { be->deadline = monotonic_s; }

/* Whether an op must do nothing: an error sticks, or the run was cancelled
 * (which then sticks as VO_ERR_ABORT), or the deadline passed (VO_ERR_LIMIT). */
static bool op_halted(vo_backend *be)
{
    if (be->err == VO_OK && be->cancel && *be->cancel)
        vo_backend_error(be, VO_ERR_ABORT, "cancelled (the run is stopping)");
    if (be->err == VO_OK && be->deadline > 0 && vo_monotonic_seconds() > be->deadline)
        vo_backend_error(be, VO_ERR_LIMIT, "stopped at the caller's deadline");
    return be->err != VO_OK;
}
const char *vo_backend_name(const vo_backend *be) { return be->ops->name; }

bool vo_backend_supports(const vo_backend *be, vo_op op, vo_type type)
{
    return be->ops->supports(be, op, type);
}

void vo_backend_drop(vo_backend *be)
{
    if (be)
        be->ops->drop(be);
}

/* --- buffers --- */

static vo_tensor *tensor_make(vo_backend *be, vo_type type, int64_t ne0, int64_t ne1,
                              int64_t ne2, int64_t ne3, const char *name)
{
    if (be->err != VO_OK)
        return NULL;
    if (ne0 < 1 || ne1 < 1 || ne2 < 1 || ne3 < 1 || vo_type_size(type) == 0 ||
        ne0 % vo_type_block(type)) {
        vo_backend_error(be, VO_ERR_ARGUMENT, "tensor %s: bad shape or type", name);
        return NULL;
    }
    size_t n = vo_row_size(type, ne0);
    int64_t ne[4] = {1, ne1, ne2, ne3};
    for (int i = 0; i < 4; i++)
        if (vo_mul_size(&n, n, (size_t)ne[i]) != VO_OK) {
            vo_backend_error(be, VO_ERR_LIMIT, "tensor %s: size overflows", name);
            return NULL;
        }
    vo_tensor *t = vo_malloc(sizeof *t);
    if (!t) {
        vo_backend_error(be, VO_ERR_NOMEM, "tensor %s: out of memory", name);
        return NULL;
    }
    vo_tensor_init(t, type, ne0, ne1, ne2, ne3, name);
    return t;
}

vo_tensor *vo_tensor_new(vo_backend *be, vo_type type, int64_t ne0, int64_t ne1, int64_t ne2,
                         int64_t ne3, const char *name)
{
    vo_tensor *t = tensor_make(be, type, ne0, ne1, ne2, ne3, name);
    if (t && be->ops->alloc(be, t) != VO_OK) {
        vo_free(t);
        return NULL;
    }
    return t;
}

vo_tensor *vo_tensor_from_host(vo_backend *be, vo_type type, const void *data, int64_t ne0,
                               int64_t ne1, int64_t ne2, int64_t ne3, const char *name)
{
    vo_tensor *t = tensor_make(be, type, ne0, ne1, ne2, ne3, name);
    if (t && be->ops->from_host(be, t, data) != VO_OK) {
        vo_free(t);
        return NULL;
    }
    return t;
}

void vo_tensor_free(vo_backend *be, vo_tensor *t)
{
    if (!t)
        return;
    be->ops->free(be, t);
    vo_free(t);
}

static size_t packed_bytes(const vo_tensor *t) { return vo_nbytes(t); }

void vo_tensor_set(vo_backend *be, vo_tensor *t, const void *src, size_t bytes)
{
    if (be->err != VO_OK)
        return;
    if (!vo_is_contiguous(t) || bytes > packed_bytes(t))
        return vo_backend_error(be, VO_ERR_ARGUMENT, "set %s: %zu bytes into a %zu-byte tensor",
                                t->name, bytes, packed_bytes(t));
    be->ops->set(be, t, src, bytes);
}

void vo_tensor_get(vo_backend *be, const vo_tensor *t, void *dst, size_t bytes)
{
    if (be->err != VO_OK)
        return;
    if (!vo_is_contiguous(t) || bytes > packed_bytes(t))
        return vo_backend_error(be, VO_ERR_ARGUMENT, "get %s: %zu bytes from a %zu-byte tensor",
                                t->name, bytes, packed_bytes(t));
    be->ops->get(be, t, dst, bytes);
}

void vo_tensor_copy_bytes(vo_backend *be, vo_tensor *dst, const vo_tensor *src, size_t bytes)
{
    if (be->err != VO_OK || bytes == 0)
        return;
    if (!vo_is_contiguous(dst) || !vo_is_contiguous(src) || bytes > packed_bytes(dst) ||
        bytes > packed_bytes(src))
        return vo_backend_error(be, VO_ERR_ARGUMENT, "copy %zu bytes from %s (%zu) into %s (%zu)",
                                bytes, src->name, packed_bytes(src), dst->name, packed_bytes(dst));
    be->ops->copy_bytes(be, dst, src, bytes);
}

/* --- checks shared by the ops --- */

#define CHECK(cond, ...) do { if (!(cond)) { \
    vo_backend_error(be, VO_ERR_ARGUMENT, __VA_ARGS__); return; } } while (0)

static bool is_float(vo_type t) { return t == VO_F32 || t == VO_F16 || t == VO_BF16; }
static bool is_weight(vo_type t) { return is_float(t) || t == VO_Q8 || t == VO_Q4; }
static bool same_shape(const vo_tensor *a, const vo_tensor *b)
{
    return a->ne[0] == b->ne[0] && a->ne[1] == b->ne[1] && a->ne[2] == b->ne[2] &&
           a->ne[3] == b->ne[3];
}
static bool row_packed(const vo_tensor *t) { return t->nb[0] == vo_type_size(t->type); }
static bool f32_rows(const vo_tensor *t) { return t->type == VO_F32 && row_packed(t); }

#define SHAPE_FMT "[%lld,%lld,%lld,%lld]"
#define SHAPE(t) (long long)(t)->ne[0], (long long)(t)->ne[1], (long long)(t)->ne[2], \
    (long long)(t)->ne[3]

/* the contract of vo_matmul (op names it in the message); be's error set
 * when it does not hold */
static void matmul_check(vo_backend *be, const char *op, const vo_tensor *out,
                         const vo_tensor *w, const vo_tensor *x, const vo_tensor *bias)
{
    CHECK(is_weight(w->type) && row_packed(w) && w->ne[2] == 1 && w->ne[3] == 1 &&
          f32_rows(x) && f32_rows(out),
          "%s %s: weight must be a 2-D float or q8 matrix, x and out f32", op, w->name);
    CHECK(vo_backend_supports(be, VO_OP_MATMUL, w->type),
          "%s %s: the %s backend has no %s weights", op, w->name, be->ops->name,
          vo_type_name(w->type));
    CHECK(x->ne[0] == w->ne[0] && out->ne[0] == w->ne[1] && vo_nrows(out) == vo_nrows(x),
          "%s %s: w " SHAPE_FMT " x " SHAPE_FMT " out " SHAPE_FMT " do not fit", op, w->name,
          SHAPE(w), SHAPE(x), SHAPE(out));
    CHECK(!bias || (is_float(bias->type) && vo_nelements(bias) == w->ne[1]),
          "%s %s: bias needs %lld values", op, w->name, (long long)w->ne[1]);
}

void vo_matmul(vo_backend *be, vo_tensor *out, const vo_tensor *w, const vo_tensor *x,
               const vo_tensor *bias)
{
    if (op_halted(be)) return;
    matmul_check(be, "matmul", out, w, x, bias);
    if (be->err == VO_OK)
        be->ops->matmul(be, out, w, x, bias);
}

void vo_matmul_add(vo_backend *be, vo_tensor *out, const vo_tensor *w, const vo_tensor *x,
                   const vo_tensor *bias, vo_tensor *scratch)
{
    if (op_halted(be)) return;
    CHECK(f32_rows(out) && f32_rows(scratch) && same_shape(out, scratch),
          "matmul_add %s: out and scratch must be f32 of one shape", w->name);
    if (!be->ops->matmul_add) {
        vo_matmul(be, scratch, w, x, bias);
        vo_add(be, out, out, scratch);
        return;
    }
    matmul_check(be, "matmul_add", out, w, x, bias);
    if (be->err == VO_OK)
        be->ops->matmul_add(be, out, w, x, bias);
}

static bool broadcastable(const vo_tensor *a, const vo_tensor *b)
{
    for (int i = 0; i < 4; i++)
        if (b->ne[i] != a->ne[i] && b->ne[i] != 1)
            return false;
    return true;
}

void vo_add(vo_backend *be, vo_tensor *out, const vo_tensor *a, const vo_tensor *b)
{
    if (op_halted(be)) return;
    CHECK(f32_rows(out) && f32_rows(a) && f32_rows(b) && same_shape(out, a) &&
          broadcastable(a, b), "add %s: a " SHAPE_FMT " b " SHAPE_FMT " do not broadcast",
          out->name, SHAPE(a), SHAPE(b));
    be->ops->add(be, out, a, b);
}

void vo_mul(vo_backend *be, vo_tensor *out, const vo_tensor *a, const vo_tensor *b)
{
    if (op_halted(be)) return;
    CHECK(f32_rows(out) && f32_rows(a) && f32_rows(b) && same_shape(out, a) &&
          broadcastable(a, b), "mul %s: a " SHAPE_FMT " b " SHAPE_FMT " do not broadcast",
          out->name, SHAPE(a), SHAPE(b));
    be->ops->mul(be, out, a, b);
}

void vo_rms_norm(vo_backend *be, vo_tensor *out, const vo_tensor *x, const vo_tensor *w,
                 float eps)
{
    if (op_halted(be)) return;
    CHECK(f32_rows(out) && f32_rows(x) && same_shape(out, x),
          "rms_norm %s: x and out must be f32 of one shape", out->name);
    CHECK(!w || (is_float(w->type) && vo_is_contiguous(w) && vo_nelements(w) == x->ne[0]),
          "rms_norm %s: weight %s needs %lld values", out->name, w ? w->name : "",
          (long long)x->ne[0]);
    be->ops->rms_norm(be, out, x, w, eps);
}

void vo_layer_norm(vo_backend *be, vo_tensor *out, const vo_tensor *x, const vo_tensor *w,
                   const vo_tensor *b, float eps)
{
    if (op_halted(be)) return;
    CHECK(f32_rows(out) && f32_rows(x) && same_shape(out, x),
          "layer_norm %s: x and out must be f32 of one shape", out->name);
    CHECK(is_float(w->type) && vo_is_contiguous(w) && vo_nelements(w) == x->ne[0] &&
          is_float(b->type) && vo_is_contiguous(b) && vo_nelements(b) == x->ne[0],
          "layer_norm %s: weight/bias need %lld values", out->name, (long long)x->ne[0]);
    be->ops->layer_norm(be, out, x, w, b, eps);
}

void vo_rope(vo_backend *be, vo_tensor *out, const vo_tensor *x, const vo_tensor *pos,
             float theta)
{
    if (op_halted(be)) return;
    CHECK(f32_rows(out) && f32_rows(x) && same_shape(out, x) && x->ne[0] % 2 == 0 &&
          x->ne[3] == 1, "rope %s: x must be f32 [even head_dim, heads, T]", out->name);
    CHECK(pos->type == VO_I32 && vo_is_contiguous(pos) && vo_nelements(pos) == x->ne[2],
          "rope %s: positions must be i32 [%lld]", out->name, (long long)x->ne[2]);
    be->ops->rope(be, out, x, pos, theta);
}

void vo_rms_norm_rope(vo_backend *be, vo_tensor *out, const vo_tensor *x, const vo_tensor *w,
                      float eps, const vo_tensor *pos, float theta)
{
    if (op_halted(be)) return;
    CHECK(f32_rows(out) && f32_rows(x) && same_shape(out, x) && x->ne[0] % 2 == 0 &&
          x->ne[3] == 1, "rms_norm_rope %s: x must be f32 [even head_dim, heads, T]", out->name);
    CHECK(!w || (is_float(w->type) && vo_is_contiguous(w) && vo_nelements(w) == x->ne[0]),
          "rms_norm_rope %s: weight %s needs %lld values", out->name, w ? w->name : "",
          (long long)x->ne[0]);
    CHECK(pos->type == VO_I32 && vo_is_contiguous(pos) && vo_nelements(pos) == x->ne[2],
          "rms_norm_rope %s: positions must be i32 [%lld]", out->name, (long long)x->ne[2]);
    if (be->ops->rms_norm_rope) {
        be->ops->rms_norm_rope(be, out, x, w, eps, pos, theta);
        return;
    }
    be->ops->rms_norm(be, out, x, w, eps);
    be->ops->rope(be, out, out, pos, theta);
}

void vo_attention(vo_backend *be, vo_tensor *out, const vo_tensor *q, const vo_attn_seq *seqs,
                  int n_seqs, float scale, bool causal)
{
    if (op_halted(be)) return;
    CHECK(f32_rows(out) && f32_rows(q) && same_shape(out, q) && q->ne[3] == 1,
          "attention %s: q/out must be f32 [head_dim, heads, T]", out->name);
    for (int s = 0; s < n_seqs; s++) {
        const vo_attn_seq *S = &seqs[s];
        CHECK((is_float(S->k->type) || S->k->type == VO_Q8ROW) && row_packed(S->k) &&
              (is_float(S->v->type) || S->v->type == VO_Q8ROW) &&
              row_packed(S->v) && S->k->ne[0] == q->ne[0] && same_shape(S->k, S->v) &&
              S->k->ne[1] >= 1 && q->ne[1] % S->k->ne[1] == 0,
              "attention %s: seq %d: k/v must be float or q8row [%lld, kv_heads dividing %lld, n]",
              out->name, s, (long long)q->ne[0], (long long)q->ne[1]);
        CHECK(vo_backend_supports(be, VO_OP_ATTENTION, S->k->type) &&
              vo_backend_supports(be, VO_OP_ATTENTION, S->v->type),
              "attention %s: the %s backend reads no %s/%s cache", out->name, be->ops->name,
              vo_type_name(S->k->type), vo_type_name(S->v->type));
        CHECK(S->q_start >= 0 && S->n_q >= 0 && S->q_start + S->n_q <= q->ne[2] &&
              S->n_kv >= 1 && S->n_kv <= S->k->ne[2] && (!causal || S->n_q <= S->n_kv),
              "attention %s: seq %d: rows [%lld,+%lld) / %lld keys out of range", out->name,
              s, (long long)S->q_start, (long long)S->n_q, (long long)S->n_kv);
        int64_t br = S->block_rows;
        CHECK(!S->blocks ||
              (S->blocks->type == VO_I32 && vo_is_contiguous(S->blocks) &&
               br >= VO_ATTN_BLOCK_ALIGN && br % VO_ATTN_BLOCK_ALIGN == 0 && !(br & (br - 1)) &&
               S->k->ne[2] % br == 0 && vo_nelements(S->blocks) >= (S->n_kv + br - 1) / br),
              "attention %s: seq %d: a block table must be i32 [>= %lld] of blocks of a power "
              "of two rows, a multiple of %d, that divides the pool", out->name, s,
              (long long)((S->n_kv + (br > 0 ? br : 1) - 1) / (br > 0 ? br : 1)),
              VO_ATTN_BLOCK_ALIGN);
    }
    be->ops->attention(be, out, q, seqs, n_seqs, scale, causal);
}

#define UNARY(fn, label) \
void vo_##fn(vo_backend *be, vo_tensor *out, const vo_tensor *x) \
{ \
    if (op_halted(be)) return; \
    CHECK(f32_rows(out) && f32_rows(x) && same_shape(out, x), \
          label " %s: x and out must be f32 of one shape", out->name); \
    be->ops->fn(be, out, x); \
}
UNARY(gelu_tanh, "gelu_tanh")
UNARY(gelu_erf, "gelu_erf")
UNARY(softmax, "softmax")

void vo_silu_mul(vo_backend *be, vo_tensor *out, const vo_tensor *gate, const vo_tensor *up)
{
    if (op_halted(be)) return;
    CHECK(f32_rows(out) && f32_rows(gate) && f32_rows(up) && same_shape(out, gate) &&
          same_shape(out, up), "silu_mul %s: gate, up and out must be f32 of one shape",
          out->name);
    be->ops->silu_mul(be, out, gate, up);
}

void vo_get_rows(vo_backend *be, vo_tensor *out, const vo_tensor *table, const vo_tensor *ids)
{
    if (op_halted(be)) return;
    CHECK(is_float(table->type) && row_packed(table) && table->ne[2] == 1 &&
          f32_rows(out) && out->ne[0] == table->ne[0] && ids->type == VO_I32 &&
          vo_is_contiguous(ids) && vo_nelements(ids) == vo_nrows(out),
          "get_rows %s: table " SHAPE_FMT " ids [%lld] out " SHAPE_FMT " do not fit",
          table->name, SHAPE(table), (long long)vo_nelements(ids), SHAPE(out));
    be->ops->get_rows(be, out, table, ids);
}

void vo_copy(vo_backend *be, vo_tensor *out, const vo_tensor *x)
{
    if (op_halted(be)) return;
    CHECK((is_float(out->type) || out->type == VO_Q8ROW) && row_packed(out) && f32_rows(x) &&
          x->ne[0] == out->ne[0] && broadcastable(out, x),
          "copy %s: x " SHAPE_FMT " (f32) into out " SHAPE_FMT " (float or q8row)", out->name,
          SHAPE(x), SHAPE(out));
    CHECK(vo_backend_supports(be, VO_OP_COPY, out->type), "copy %s: the %s backend writes no %s",
          out->name, be->ops->name, vo_type_name(out->type));
    be->ops->copy(be, out, x);
}

void vo_patch_embed(vo_backend *be, vo_tensor *out, const vo_tensor *img, const vo_tensor *w,
                    const vo_tensor *bias, int patch)
{
    if (op_halted(be)) return;
    CHECK(patch >= 1 && img->ne[0] == img->ne[1] && img->ne[0] >= patch && f32_rows(img) &&
          f32_rows(out), "patch_embed %s: img must be f32 [S, S, C, N] with S >= patch",
          out->name);
    int64_t g = img->ne[0] / patch;
    CHECK(is_float(w->type) && vo_is_contiguous(w) &&
          w->ne[0] == img->ne[2] * patch * patch && out->ne[0] == w->ne[1] &&
          out->ne[1] == g * g && out->ne[2] == img->ne[3] && out->ne[3] == 1,
          "patch_embed %s: w " SHAPE_FMT " img " SHAPE_FMT " out " SHAPE_FMT " do not fit",
          w->name, SHAPE(w), SHAPE(img), SHAPE(out));
    CHECK(!bias || (is_float(bias->type) && vo_nelements(bias) == w->ne[1]),
          "patch_embed %s: bias needs %lld values", w->name, (long long)w->ne[1]);
    be->ops->patch_embed(be, out, img, w, bias, patch);
}

void vo_resize_bilinear(vo_backend *be, vo_tensor *out, const vo_tensor *in)
{
    if (op_halted(be)) return;
    CHECK(f32_rows(out) && f32_rows(in) && out->ne[0] == in->ne[0] && in->ne[3] == 1 &&
          out->ne[3] == 1, "resize_bilinear %s: in/out must be f32 [C, W, H]", out->name);
    be->ops->resize_bilinear(be, out, in);
}

void vo_argmax_logprob(vo_backend *be, const vo_tensor *logits, int32_t *ids, float *logprob)
{
    if (op_halted(be)) return;
    CHECK(f32_rows(logits) && logits->ne[0] >= 1, "argmax_logprob %s: logits must be f32",
          logits->name);
    be->ops->argmax_logprob(be, logits, ids, logprob);
}
