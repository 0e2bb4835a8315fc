/* emit_loops.c — what the per-family emitters share: loop nests over static shapes,
 * the linear index expressions inside them (with broadcasting), and scratch space in
 * the work block for the node being emitted. */
#include <inttypes.h>
#include <string.h>

#include "emit.h"

void cg_strides(int nd, const int64_t *shape, int64_t *str) {
    int64_t s = 1;
    for (int d = nd - 1; d >= 0; d--) {
        str[d] = s;
        s *= shape[d];
    }
}

void cg_bcast_strides(int a_nd, const int64_t *a_shape, int64_t elem, int nd, const int64_t *shape, int64_t *str) {
    int64_t s = elem;
    for (int d = nd - 1; d >= 0; d--) {
        int ad = d - (nd - a_nd);
        str[d] = ad < 0 || a_shape[ad] == 1 ? 0 : s;
        if (ad >= 0) s *= a_shape[ad];
    }
}

void cg_open_loops(cg_emit *e, int nd, const int64_t *shape, const char *var) {
    for (int d = 0; d < nd; d++)
        if (shape[d] != 1)
            cg_text_printf(&e->body, "    for (int64_t %s%d = 0; %s%d < %" PRId64 "; %s%d++)\n", var, d, var, d,
                           shape[d], var, d);
}

void cg_linear(char *buf, size_t n, int nd, const int64_t *shape, const int64_t *str, const char *var) {
    size_t w = 0;
    buf[0] = 0;
    for (int d = 0; d < nd; d++) {
        if (shape[d] == 1 || str[d] == 0) continue;
        int c = snprintf(buf + w, n - w, "%s%s%d * %" PRId64, w ? " + " : "", var, d, str[d]);
        w += c > 0 ? (size_t)c : 0;
        if (w >= n) w = n - 1;
    }
    if (!w) snprintf(buf, n, "0");
}

int64_t cg_scratch(cg_emit *e, int64_t bytes) {
    if (!e->scratch_used) {
        e->scratch_used = true;
        e->scratch_node = e->node;
        e->scratch_at = 0;
    } else if (e->scratch_node != e->node) {
        e->scratch_node = e->node;
        e->scratch_at = 0;
    }
    int64_t off = e->scratch_at; /* the work block's start: the values' storage is laid after it at the end */
    e->scratch_at += (bytes + 15) / 16 * 16;
    if (e->scratch_at > e->scratch_end) e->scratch_end = e->scratch_at;
    return off;
}

/* The helpers generated code calls: the eager path's f64 -> f32 conversion (overflow to
 * inf), and the fused rows' scalar formulas (array/fused_math.h, cpu_discrete.c) in
 * their operation order. */
const char cg_prelude_ops[] =
    "static inline float cg_f2f(double v) { return fabs(v) > 0x1.fffffep+127 && isfinite(v) ?"
    " copysignf(INFINITY, (float)(v > 0 ? 1 : -1)) : (float)v; }\n"
    "static inline double cg_normal_lpdf(double x, double mu, double sigma) { double z = (x - mu) / sigma;"
    " return (-0.5 * (z * z) - log(sigma)) - 0.91893853320467274178; }\n"
    "static inline double cg_count_value(double v) { return v == floor(v) && isfinite(v) ? v : -1; }\n"
    "static inline double cg_poisson(const cg_rt *rt, double v, double r) { if (v < 0) return -INFINITY;"
    " return (v == 0 ? 0 : v * log(r)) - r - rt->lgamma(v + 1); }\n";

/* A pointer (C type of dtype t) to all of v's elements for a runtime call: v's own
 * storage when it has dtype t and is held by pointer (false), else scratch space (true),
 * which for an argument (in) is filled with v's elements converted; a result's scratch
 * is copied out by cg_copy_out. */
bool cg_elems_as(cg_emit *e, int32_t v, gen_dtype t, bool in, char *buf, size_t n) {
    const cg_value *x = cg_val(e, v);
    int32_t r = e->st[v].root;
    if (x->dtype == t && e->st[r].kind == CG_STORE_POINTER) {
        e->st[r].used = true;
        snprintf(buf, n, "p%d", (int)r);
        return false;
    }
    snprintf(buf, n, "((%s *)(W + %" PRId64 "))", cg_ctype(t), cg_scratch(e, x->size * (int64_t)gen_dtype_size(t)));
    if (in)
        cg_text_printf(&e->body, "    for (int64_t i = 0; i < %" PRId64 "; i++) %s[i] = (%s)%s;\n", x->size, buf,
                       cg_ctype(t), cg_ref(e, v, x->size == 1 ? "0" : "i"));
    return true;
}

/* An element of dtype t as one of dtype to (f64 to f32: the eager conversion, which
 * overflows to inf). */
const char *cg_convert(gen_dtype t, gen_dtype to) { return t == GEN_F64 && to == GEN_F32 ? "cg_f2f" : ""; }

void cg_copy_out(cg_emit *e, int32_t v, gen_dtype t, const char *buf) {
    const cg_value *x = cg_val(e, v);
    cg_text_printf(&e->body, "    for (int64_t i = 0; i < %" PRId64 "; i++) %s = %s(%s[i]);\n", x->size,
                   cg_ref(e, v, x->size == 1 ? "0" : "i"), cg_convert(t, x->dtype), buf);
}
