/* emit_fused.c — C code of the fused rows of ops_fused.def that carry no function
 * pointer: the normal log density (elementwise and summed over events), the sum of a
 * model's score terms, the scalar bijections, the categorical gather and sampler and
 * the Poisson log mass, each with its CPU kernel's operations in their order (so sums
 * round alike). scalar_logpdf (a C density through a pointer) and custom_vjp (its
 * forward runs outside every tape, so capture sees its outputs as constants) are
 * refused by the driver, which names them. */
#include <inttypes.h>
#include <string.h>

#include "emit.h"

#define HALF_LOG_2PI "0.91893853320467274178" /* FUSED_HALF_LOG_2PI */

static bool same_shape(const cg_value *a, int nd, const int64_t *shape) {
    return a->ndim == nd && !memcmp(a->shape, shape, (size_t)nd * sizeof *shape);
}

/* NORMAL_LOGPDF_SUM: with one sigma, per row of m event elements four partial sums of
 * z^2 (rows of mu's batch, or one row); with sigma of the event shape the sum of
 * -z^2 / 2 - log sigma_j (cpu_normal_logpdf_sum, fused_normal_lpdf_sum). */
static void emit_normal_sum(cg_emit *e, const cg_node *nd) {
    const cg_value *x = cg_val(e, nd->in[0]), *mu = cg_val(e, nd->in[1]), *sg = cg_val(e, nd->in[2]);
    const cg_value *o = cg_val(e, nd->out[0]);
    int ne = nd->p.ndim, nb = mu->ndim - ne;
    bool rows_case = ne >= 0 && nb >= 0 && sg->size == 1 &&
                     (same_shape(x, mu->ndim, mu->shape) || same_shape(x, ne, mu->shape + nb));
    int64_t rows = rows_case ? o->size : 1, m = rows_case ? (rows ? mu->size / rows : 0) : x->size;
    bool x_full = rows_case && same_shape(x, mu->ndim, mu->shape); /* else x is one row */
    int64_t smu = rows_case || mu->size != 1 ? 1 : 0; /* mu: full rows, or one value */
    char xs[200], ms[200], ss[200];
    snprintf(xs, sizeof xs, "%s", cg_ref(e, nd->in[0], "xa"));
    snprintf(ms, sizeof ms, "%s", cg_ref(e, nd->in[1], "ma"));
    snprintf(ss, sizeof ss, "%s", cg_ref(e, nd->in[2], sg->size == 1 ? "0" : "j"));
    if (sg->size != 1) { /* one value; sigma of the event shape */
        cg_text_printf(&e->body,
                       "    { double sum = 0;\n"
                       "    for (int64_t j = 0; j < %" PRId64 "; j++) { int64_t xa = j, ma = j * %" PRId64 ";"
                       " double z = (%s - %s) / %s; sum += -0.5 * (z * z) - log(%s); }\n"
                       "    %s = sum - (double)%" PRId64 " * " HALF_LOG_2PI "; }\n",
                       m, smu, xs, ms, ss, ss, cg_ref(e, nd->out[0], "0"), m);
        return;
    }
    if (rows == 0) return;
    cg_text_printf(&e->body,
                   "    { double sigma = %s, inv = 1 / sigma, norm = (double)%" PRId64 " * (log(sigma) + " HALF_LOG_2PI ");\n"
                   "    for (int64_t r = 0; r < %" PRId64 "; r++) {\n"
                   "        double acc[4] = {0, 0, 0, 0}; int64_t j = 0;\n"
                   "        for (; j + 4 <= %" PRId64 "; j += 4) for (int k = 0; k < 4; k++) {\n"
                   "            int64_t xa = r * %" PRId64 " + j + k, ma = (r * %" PRId64 " + j + k) * %" PRId64 ";"
                   " double z = (%s - %s) * inv; acc[k] += z * z; }\n"
                   "        for (; j < %" PRId64 "; j++) {\n"
                   "            int64_t xa = r * %" PRId64 " + j, ma = (r * %" PRId64 " + j) * %" PRId64 ";"
                   " double z = (%s - %s) * inv; acc[0] += z * z; }\n"
                   "        %s = -0.5 * ((acc[0] + acc[1]) + (acc[2] + acc[3])) - norm;\n    }\n    }\n",
                   ss, m, rows, m, x_full ? m : 0, m, smu, xs, ms, m, x_full ? m : 0, m, smu, xs, ms,
                   cg_ref(e, nd->out[0], o->size == 1 ? "0" : "r"));
}

/* SUM_SCALARS: the terms added in argument order. */
static void emit_sum_scalars(cg_emit *e, const cg_node *nd) {
    cg_text_printf(&e->body, "    { double s = %s;\n", cg_ref(e, nd->in[0], "0"));
    for (int i = 1; i < nd->n_in; i++) cg_text_printf(&e->body, "      s += %s;\n", cg_ref(e, nd->in[i], "0"));
    cg_text_printf(&e->body, "      %s = s; }\n", cg_ref(e, nd->out[0], "0"));
}

/* BIJECTION_SCALAR (p.k: 0 exp, 1 lower bound, 2 interval): x and log |det J| at u
 * (bij_scalar_eval). */
static void emit_bijection(cg_emit *e, const cg_node *nd) {
    char u[160], lo[160] = "0", hi[160] = "0";
    snprintf(u, sizeof u, "%s", cg_ref(e, nd->in[0], "0"));
    if (nd->n_in > 1) snprintf(lo, sizeof lo, "%s", cg_ref(e, nd->in[1], "0"));
    if (nd->n_in > 2) snprintf(hi, sizeof hi, "%s", cg_ref(e, nd->in[2], "0"));
    char x[160], ld[160];
    snprintf(x, sizeof x, "%s", cg_ref(e, nd->out[0], "0"));
    snprintf(ld, sizeof ld, "%s", cg_ref(e, nd->out[1], "0"));
    if (nd->p.k == 2) {
        cg_text_printf(&e->body,
                       "    { double u = %s, lo = %s, w = %s - lo, s = rt->sigmoid(u);\n"
                       "      %s = lo + w * s; %s = log(w) + (rt->log_sigmoid(u) + rt->log_sigmoid(-u)); }\n",
                       u, lo, hi, x, ld);
    } else {
        cg_text_printf(&e->body, "    { double u = %s, ex = exp(u); %s = %s%sex; %s = u; }\n", u, x,
                       nd->p.k == 1 ? lo : "", nd->p.k == 1 ? " + " : "", ld);
    }
}

/* CATEGORICAL_GATHER: out (the broadcast of x and the table's batch) = the table row's
 * entry at x when x holds an integer in [0, K), else -inf (cpu_categorical_gather). */
static void emit_gather(cg_emit *e, const cg_node *nd) {
    const cg_value *x = cg_val(e, nd->in[0]), *t = cg_val(e, nd->in[1]), *o = cg_val(e, nd->out[0]);
    int64_t k = t->shape[t->ndim - 1], sx[GEN_MAX_DIMS], st[GEN_MAX_DIMS], so[GEN_MAX_DIMS];
    if (o->size == 0) return;
    cg_bcast_strides(x->ndim, x->shape, 1, o->ndim, o->shape, sx);
    cg_bcast_strides(t->ndim - 1, t->shape, k, o->ndim, o->shape, st);
    cg_strides(o->ndim, o->shape, so);
    char lx[240], lt[240], lo[240], xv[160], tv[160];
    cg_linear(lx, sizeof lx, o->ndim, o->shape, sx, "i");
    cg_linear(lt, sizeof lt, o->ndim, o->shape, st, "i");
    cg_linear(lo, sizeof lo, o->ndim, o->shape, so, "i");
    snprintf(xv, sizeof xv, "%s", cg_ref(e, nd->in[0], "xa"));
    snprintf(tv, sizeof tv, "%s", cg_ref(e, nd->in[1], "ta + v"));
    const char *index; /* cpu_discrete.c's value_index (K: the row length) */
    switch (x->dtype) {
    case GEN_I64: index = "(uint64_t)xv < (uint64_t)K ? xv : -1"; break;
    case GEN_BOOL: index = "xv < K ? xv : -1"; break;
    default: index = "xv >= 0 && xv < (double)K && xv == floor(xv) ? (int64_t)xv : -1"; break;
    }
    cg_text_printf(&e->body, "    { const int64_t K = %" PRId64 ";\n", k);
    cg_open_loops(e, o->ndim, o->shape, "i");
    cg_text_printf(&e->body,
                   "    { int64_t xa = %s, ta = %s, oa = %s; %s xv = %s; int64_t v = %s;\n"
                   "      %s = v >= 0 ? %s : -INFINITY; }\n    }\n",
                   lx, lt, lo, x->dtype == GEN_I64 || x->dtype == GEN_BOOL ? "int64_t" : "double", xv, index,
                   cg_ref(e, nd->out[0], "oa"), tv);
}

/* CATEGORICAL_SAMPLE: per row of a the normalized cumulative weights (exp(l - max l)
 * for logits), per draw the number of them <= u among the first K - 1: counted when
 * K - 1 <= 32, else by the kernel's branch-free binary search. */
static void emit_sample(cg_emit *e, const cg_node *nd) {
    const cg_value *a = cg_val(e, nd->in[0]), *o = cg_val(e, nd->out[0]);
    int64_t k = a->shape[a->ndim - 1], rows = a->size / k, n = k - 1;
    if (o->size == 0) return;
    if (rows == 0) {
        cg_unsupported(e, "categorical_sample of no rows");
        return;
    }
    char av[160], uv[160];
    snprintf(av, sizeof av, "%s", cg_ref(e, nd->in[0], "r * K + j"));
    snprintf(uv, sizeof uv, "%s", cg_ref(e, nd->in[1], "i"));
    cg_text_printf(&e->body,
                   "    { const int64_t K = %" PRId64 "; double *c = (double *)(W + %" PRId64 ");\n"
                   "    for (int64_t r = 0; r < %" PRId64 "; r++) {\n"
                   "        double *cr = c + r * K, m = -INFINITY, s = 0;\n"
                   "        for (int64_t j = 0; j < K; j++) { cr[j] = (double)%s; if (cr[j] > m) m = cr[j]; }\n"
                   "%s"
                   "        for (int64_t j = 0; j < K; j++) cr[j] = s += cr[j];\n"
                   "        for (int64_t j = 0; j < K; j++) cr[j] /= s;\n    }\n"
                   "    for (int64_t i = 0, r = 0; i < %" PRId64 "; i++) {\n"
                   "        const double *cr = c + r * K; double u = %s; int64_t j = 0;\n",
                   k, cg_scratch(e, rows * k * 8), rows, av,
                   nd->p.k ? "        for (int64_t j = 0; j < K; j++) cr[j] = exp(cr[j] - m);\n" : "", o->size, uv);
    if (n <= 32) {
        cg_text_printf(&e->body, "        for (int64_t t = 0; t < %" PRId64 "; t++) j += cr[t] <= u;\n", n);
    } else {
        cg_text_printf(&e->body,
                       "        { const double *b = cr; int64_t nn = %" PRId64 ";\n"
                       "          while (nn > 1) { int64_t half = nn / 2; b = b[half - 1] <= u ? b + half : b; nn -= half; }\n"
                       "          j = (b - cr) + (*b <= u); }\n",
                       n);
    }
    cg_text_printf(&e->body, "        %s = j; if (++r == %" PRId64 ") r = 0;\n    }\n    }\n",
                   cg_ref(e, nd->out[0], "i"), rows);
}

bool cg_emit_fused(cg_emit *e, const cg_node *nd) {
    const cg_value *o = cg_val(e, nd->out[0]);
    switch (nd->op) {
    case OP_NORMAL_LOGPDF: cg_emit_map(e, nd->out[0], 3, nd->in, "cg_normal_lpdf($0, $1, $2)"); return true;
    case OP_NORMAL_LOGPDF_SUM: emit_normal_sum(e, nd); return true;
    case OP_SUM_SCALARS: emit_sum_scalars(e, nd); return true;
    case OP_BIJECTION_SCALAR: emit_bijection(e, nd); return true;
    case OP_CATEGORICAL_GATHER: emit_gather(e, nd); return true;
    case OP_CATEGORICAL_SAMPLE: emit_sample(e, nd); return true;
    case OP_POISSON_LOGPMF: {
        const char *v = cg_val(e, nd->in[0])->dtype == GEN_I64 ? "($0 >= 0 ? (double)$0 : -1)" : "cg_count_value((double)$0)";
        char expr[200];
        snprintf(expr, sizeof expr, "%s(cg_poisson(rt, %s, (double)$1))", o->dtype == GEN_F32 ? "cg_f2f" : "", v);
        cg_emit_map(e, nd->out[0], 2, nd->in, expr);
        return true;
    }
    default: return false;
    }
}
