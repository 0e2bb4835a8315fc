/* emit_shape.c — C code of the ops that move elements: slice and flip, concatenate,
 * permute, tile, take, index_set and index_add (indices computed at run time are
 * checked as the CPU kernels check them; constant ones were checked when the graph was
 * captured). */
#include <inttypes.h>
#include <string.h>

#include "emit.h"

/* The array seen as [outer, n, inner] around axis. */
static void split_axis(const cg_value *a, int axis, int64_t *outer, int64_t *inner) {
    *outer = *inner = 1;
    for (int d = 0; d < axis; d++) *outer *= a->shape[d];
    for (int d = axis + 1; d < a->ndim; d++) *inner *= a->shape[d];
}

static void emit_slice(cg_emit *e, const cg_node *nd) {
    const cg_value *a = cg_val(e, nd->in[0]);
    int64_t outer, inner, n = a->shape[nd->p.axis];
    split_axis(a, nd->p.axis, &outer, &inner);
    char src[200], dst[96], start[80];
    if (e->start_expr) snprintf(start, sizeof start, "%s", e->start_expr); /* a loop's (emit_reroll.c) */
    else snprintf(start, sizeof start, "%" PRId64, nd->p.start);
    snprintf(src, sizeof src, "(q * %" PRId64 " + %s + j * %" PRId64 ") * %" PRId64 " + i", n, start, nd->p.step, inner);
    snprintf(dst, sizeof dst, "(q * %" PRId64 " + j) * %" PRId64 " + i", nd->p.k, inner);
    char s1[200];
    snprintf(s1, sizeof s1, "%s", cg_ref(e, nd->in[0], src));
    cg_text_printf(&e->body,
                   "    for (int64_t q = 0; q < %" PRId64 "; q++) for (int64_t j = 0; j < %" PRId64
                   "; j++) for (int64_t i = 0; i < %" PRId64 "; i++) %s = %s;\n",
                   outer, nd->p.k, inner, cg_ref(e, nd->out[0], dst), s1);
}

static void emit_concatenate(cg_emit *e, const cg_node *nd) {
    const cg_value *o = cg_val(e, nd->out[0]);
    int64_t outer, inner, at = 0, total = o->shape[nd->p.axis];
    split_axis(o, nd->p.axis, &outer, &inner);
    for (int k = 0; k < nd->n_in; k++) {
        const cg_value *a = cg_val(e, nd->in[k]);
        int64_t rows = a->shape[nd->p.axis];
        if (rows * inner == 0) continue;
        char src[96], dst[128], s1[200];
        snprintf(src, sizeof src, "q * %" PRId64 " + r", rows * inner);
        snprintf(dst, sizeof dst, "q * %" PRId64 " + %" PRId64 " + r", total * inner, at * inner);
        snprintf(s1, sizeof s1, "%s", cg_ref(e, nd->in[k], src));
        cg_text_printf(&e->body,
                       "    for (int64_t q = 0; q < %" PRId64 "; q++) for (int64_t r = 0; r < %" PRId64 "; r++) %s = %s;\n",
                       outer, rows * inner, cg_ref(e, nd->out[0], dst), s1);
        at += rows;
    }
}

static void emit_permute(cg_emit *e, const cg_node *nd) {
    const cg_value *a = cg_val(e, nd->in[0]), *o = cg_val(e, nd->out[0]);
    int64_t ins[GEN_MAX_DIMS], s = 1;
    for (int d = a->ndim - 1; d >= 0; d--) ins[d] = s, s *= a->shape[d];
    char src[256];
    size_t w = 0;
    src[0] = '0';
    src[1] = 0;
    cg_text_printf(&e->body, "    { int64_t q = 0;\n");
    for (int d = 0; d < o->ndim; d++) {
        cg_text_printf(&e->body, "    for (int64_t i%d = 0; i%d < %" PRId64 "; i%d++)\n", d, d, o->shape[d], d);
        int c = snprintf(src + w, sizeof src - w, "%si%d * %" PRId64, w ? " + " : "", d, ins[nd->p.axes[d]]);
        w += c > 0 ? (size_t)c : 0;
        if (w >= sizeof src) w = sizeof src - 1;
    }
    char s1[300];
    snprintf(s1, sizeof s1, "%s", cg_ref(e, nd->in[0], src));
    cg_text_printf(&e->body, "        %s = %s, q++;\n    }\n", cg_ref(e, nd->out[0], "q"), s1);
}

/* The index j of in[1] normalized into [0, n): checked when in[1] is computed. */
static void index_of(cg_emit *e, const cg_node *nd, int64_t n, char *out, size_t len) {
    const cg_value *ix = cg_val(e, nd->in[1]);
    const char *r = cg_ref(e, nd->in[1], ix->size == 1 ? "0" : "j");
    snprintf(out, len, "(%s < 0 ? %s + %" PRId64 " : %s)", r, r, n, r);
    if (ix->kind != CG_CONST) /* computed indices: the kernel's range check */
        cg_text_printf(&e->body,
                       "    for (int64_t j = 0; j < %" PRId64 "; j++) if (!(%s >= -%" PRId64 " && %s < %" PRId64
                       ")) { *fail = j; failv[0] = (double)%s; return %d; }\n",
                       ix->size, cg_ref(e, nd->in[1], ix->size == 1 ? "0" : "j"), n,
                       cg_ref(e, nd->in[1], ix->size == 1 ? "0" : "j"), n, cg_ref(e, nd->in[1], ix->size == 1 ? "0" : "j"),
                       (int)e->node + 1);
}

static void emit_take(cg_emit *e, const cg_node *nd) {
    const cg_value *a = cg_val(e, nd->in[0]), *ix = cg_val(e, nd->in[1]);
    int64_t outer, inner, n = a->shape[nd->p.axis], m = ix->size;
    split_axis(a, nd->p.axis, &outer, &inner);
    char j[160], src[256], dst[96], s1[300];
    index_of(e, nd, n, j, sizeof j);
    snprintf(src, sizeof src, "(q * %" PRId64 " + %s) * %" PRId64 " + i", n, j, inner);
    snprintf(dst, sizeof dst, "(q * %" PRId64 " + j) * %" PRId64 " + i", m, inner);
    snprintf(s1, sizeof s1, "%s", cg_ref(e, nd->in[0], src));
    cg_text_printf(&e->body,
                   "    for (int64_t q = 0; q < %" PRId64 "; q++) for (int64_t j = 0; j < %" PRId64
                   "; j++) for (int64_t i = 0; i < %" PRId64 "; i++) %s = %s;\n",
                   outer, m, inner, cg_ref(e, nd->out[0], dst), s1);
}

/* out = a, then out[q, idx[j], i] (+)= values[q, j, i] in row-major order of take's
 * shape (the last of repeated indices wins for index_set), values broadcast to it:
 * one loop per axis of take's shape, with q, j, i and the values' position as linear
 * expressions of the loop variables. index_add wraps i64 around and ors bools. */
static void emit_index_update(cg_emit *e, const cg_node *nd) {
    const cg_value *a = cg_val(e, nd->in[0]), *ix = cg_val(e, nd->in[1]), *v = cg_val(e, nd->in[2]);
    const cg_value *o = cg_val(e, nd->out[0]);
    int axis = nd->p.axis, tn = 0;
    int64_t n = a->shape[axis], ts[GEN_MAX_DIMS], sq[GEN_MAX_DIMS] = {0}, sj[GEN_MAX_DIMS] = {0},
            si[GEN_MAX_DIMS] = {0}, sv[GEN_MAX_DIMS], str[GEN_MAX_DIMS], outer, inner;
    split_axis(a, axis, &outer, &inner);
    cg_strides(axis, a->shape, str); /* q: the position in a's axes before the axis */
    for (int d = 0; d < axis; d++) sq[tn] = str[d], ts[tn++] = a->shape[d];
    cg_strides(ix->ndim, ix->shape, str);
    for (int d = 0; d < ix->ndim; d++) sj[tn] = str[d], ts[tn++] = ix->shape[d];
    cg_strides(a->ndim, a->shape, str);
    for (int d = axis + 1; d < a->ndim; d++) si[tn] = str[d], ts[tn++] = a->shape[d];
    cg_bcast_strides(v->ndim, v->shape, 1, tn, ts, sv);
    cg_emit_map(e, nd->out[0], 1, nd->in, "$0"); /* out = a */
    if (o->size == 0 || ix->size == 0) return;
    char j[160], lq[240], lj[240], li[240], lv[240], val[200];
    index_of(e, nd, n, j, sizeof j); /* for its range check: the index is normalized below */
    cg_linear(lq, sizeof lq, tn, ts, sq, "t");
    cg_linear(lj, sizeof lj, tn, ts, sj, "t");
    cg_linear(li, sizeof li, tn, ts, si, "t");
    cg_linear(lv, sizeof lv, tn, ts, sv, "t");
    cg_text_printf(&e->body, "    {\n");
    cg_open_loops(e, tn, ts, "t");
    snprintf(val, sizeof val, "%s", cg_ref(e, nd->in[2], "vv"));
    const char *r = cg_ref(e, nd->in[1], "j");
    cg_text_printf(&e->body,
                   "    { int64_t q = %s, j = %s, i = %s, vv = %s; (void)q; (void)i; (void)vv;\n"
                   "      int64_t x = %s < 0 ? %s + %" PRId64 " : %s, d = (q * %" PRId64 " + x) * %" PRId64 " + i;\n",
                   lq, lj, li, lv, r, r, n, r, n, inner);
    const char *out = cg_ref(e, nd->out[0], "d");
    if (nd->op == OP_INDEX_SET) cg_text_printf(&e->body, "      %s = %s; }\n", out, val);
    else if (o->dtype == GEN_I64)
        cg_text_printf(&e->body, "      %s = (int64_t)((uint64_t)%s + (uint64_t)%s); }\n", out, out, val);
    else if (o->dtype == GEN_BOOL) cg_text_printf(&e->body, "      %s |= %s; }\n", out, val);
    else cg_text_printf(&e->body, "      %s += %s; }\n", out, val);
    cg_text_printf(&e->body, "    }\n");
}

/* tile: the output in row-major order is the loop nest (r0, j0, r1, j1, ...) over the
 * repetitions r and the argument's positions j of each axis. */
static void emit_tile(cg_emit *e, const cg_node *nd) {
    const cg_value *a = cg_val(e, nd->in[0]), *o = cg_val(e, nd->out[0]);
    if (o->size == 0) return;
    int64_t shape[2 * GEN_MAX_DIMS], str[2 * GEN_MAX_DIMS], as[GEN_MAX_DIMS];
    cg_strides(a->ndim, a->shape, as);
    for (int d = 0; d < a->ndim; d++) {
        shape[2 * d] = nd->p.shape[d], str[2 * d] = 0;
        shape[2 * d + 1] = a->shape[d], str[2 * d + 1] = as[d];
    }
    char src[400], s1[200];
    cg_linear(src, sizeof src, 2 * a->ndim, shape, str, "t");
    cg_text_printf(&e->body, "    { int64_t q = 0, x;\n");
    cg_open_loops(e, 2 * a->ndim, shape, "t");
    snprintf(s1, sizeof s1, "%s", cg_ref(e, nd->in[0], "x"));
    cg_text_printf(&e->body, "        x = %s, %s = %s, q++;\n    }\n", src, cg_ref(e, nd->out[0], "q"), s1);
}

bool cg_emit_shape(cg_emit *e, const cg_node *nd) {
    switch (nd->op) {
    case OP_SLICE: case OP_FLIP: emit_slice(e, nd); return true;
    case OP_CONCATENATE: emit_concatenate(e, nd); return true;
    case OP_PERMUTE: emit_permute(e, nd); return true;
    case OP_TAKE: emit_take(e, nd); return true;
    case OP_INDEX_SET: case OP_INDEX_ADD: emit_index_update(e, nd); return true;
    case OP_TILE: emit_tile(e, nd); return true;
    default: return false;
    }
}
