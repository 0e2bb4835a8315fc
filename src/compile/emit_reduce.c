/* emit_reduce.c — C code of the reductions (sum, prod, max, min, logsumexp, all, any,
 * argmax, argmin) and the running ones (cumsum, cumlogsumexp), with the CPU kernels'
 * rules for NaN, infinities and empty axes. */
#include <inttypes.h>
#include <string.h>

#include "emit.h"

/* Row-major strides of a value. */
static void strides_of(const cg_value *a, int64_t *s) {
    int64_t m = 1;
    for (int d = a->ndim - 1; d >= 0; d--) {
        s[d] = m;
        m *= a->shape[d];
    }
}

static bool reduced(const op_params *p, int d) {
    for (int k = 0; k < p->naxes; k++)
        if (p->axes[k] == d) return true;
    return false;
}

/* Opens loops over the axes of a in `which` (true: reduced ones) named j<d>. */
static void open_loops(cg_emit *e, const cg_value *a, const op_params *p, bool which) {
    for (int d = 0; d < a->ndim; d++)
        if (reduced(p, d) == which)
            cg_text_printf(&e->body, "    for (int64_t j%d = 0; j%d < %" PRId64 "; j%d++)\n", d, d, a->shape[d], d);
}

/* The flat index of a's element at the loop variables j<d>. */
static void index_expr(const cg_value *a, char *buf, size_t n) {
    int64_t s[GEN_MAX_DIMS];
    strides_of(a, s);
    size_t w = 0;
    buf[0] = '0';
    buf[1] = 0;
    for (int d = 0; d < a->ndim; d++) {
        if (a->shape[d] == 1) continue;
        int c = snprintf(buf + w, n - w, "%sj%d * %" PRId64, w ? " + " : "", d, s[d]);
        w += c > 0 ? (size_t)c : 0;
        if (w >= n) w = n - 1;
    }
}

static void emit_full_reduce(cg_emit *e, const cg_node *nd) {
    const cg_value *a = cg_val(e, nd->in[0]), *o = cg_val(e, nd->out[0]);
    bool fl = a->dtype == GEN_F64 || a->dtype == GEN_F32;
    const char *acc_t = fl ? "double" : a->dtype == GEN_BOOL && nd->op != OP_SUM ? "int" : "int64_t";
    const char *init = NULL, *step = NULL, *fin = "s";
    switch (nd->op) {
    case OP_SUM: init = "0"; step = fl ? "s += x" : "s = (int64_t)((uint64_t)s + (uint64_t)x)"; break;
    case OP_PROD: init = "1"; step = fl ? "s *= x" : "s = (int64_t)((uint64_t)s * (uint64_t)x)"; break;
    case OP_MAX:
        init = fl ? "-INFINITY" : "INT64_MIN";
        step = fl ? "if (x > s || x != x) s = x" : "if (x > s) s = x";
        break;
    case OP_MIN:
        init = fl ? "INFINITY" : "INT64_MAX";
        step = fl ? "if (x < s || x != x) s = x" : "if (x < s) s = x";
        break;
    case OP_ALL: init = "1"; step = "s = s && x != 0"; break;
    case OP_ANY: init = "0"; step = "s = s || x != 0"; break;
    case OP_LOGSUMEXP: init = "0"; break;
    default: return;
    }
    if (nd->op == OP_LOGSUMEXP && !fl) {
        cg_unsupported(e, "logsumexp of %s", gen_dtype_name(a->dtype));
        return;
    }
    if (a->dtype == GEN_BOOL && (nd->op == OP_SUM || nd->op == OP_PROD || nd->op == OP_MAX || nd->op == OP_MIN)) {
        cg_unsupported(e, "%s of bool", op_table[nd->op].name);
        return;
    }
    char ix[256];
    index_expr(a, ix, sizeof ix);
    const char *x = cg_ref(e, nd->in[0], ix);
    char xs[200];
    snprintf(xs, sizeof xs, "%s", x);
    cg_text_printf(&e->body, "    { int64_t q = 0; (void)q;\n");
    open_loops(e, a, &nd->p, false);
    cg_text_printf(&e->body, "    { %s s = %s;\n", acc_t, init);
    if (nd->op == OP_LOGSUMEXP) {
        cg_text_printf(&e->body, "    double m = -INFINITY;\n");
        open_loops(e, a, &nd->p, true);
        cg_text_printf(&e->body, "    { double x = %s; if (x > m || x != x) m = x; }\n", xs);
        cg_text_printf(&e->body, "    if (isfinite(m)) {\n");
        open_loops(e, a, &nd->p, true);
        cg_text_printf(&e->body, "    { double x = %s; s += exp(x - m); }\n    }\n", xs);
        fin = "(isfinite(m) ? m + log(s) : m)";
    } else {
        open_loops(e, a, &nd->p, true);
        cg_text_printf(&e->body, "    { %s x = %s; %s; }\n", cg_ctype(a->dtype), xs, step);
    }
    cg_text_printf(&e->body, "    %s = (%s)%s; q++; }\n    }\n", cg_ref(e, nd->out[0], o->size == 1 ? "0" : "q"),
                   cg_ctype(o->dtype), fin);
}

/* argmax / argmin along p->axis: the first best, the first NaN outright. */
static void emit_arg(cg_emit *e, const cg_node *nd) {
    const cg_value *a = cg_val(e, nd->in[0]);
    int ax = nd->p.axis;
    int64_t outer = 1, n = a->ndim ? a->shape[ax] : 1, inner = 1;
    for (int d = 0; d < ax; d++) outer *= a->shape[d];
    for (int d = ax + 1; d < a->ndim; d++) inner *= a->shape[d];
    const char *cmp = nd->op == OP_ARGMAX ? ">" : "<";
    const char *ct = cg_ctype(a->dtype);
    char first[64], kth[96], at[64], best[200], xk[200];
    snprintf(first, sizeof first, "ro * %" PRId64 " + ri", n * inner);
    snprintf(kth, sizeof kth, "ro * %" PRId64 " + ri + k * %" PRId64, n * inner, inner);
    snprintf(at, sizeof at, "ro * %" PRId64 " + ri", inner);
    snprintf(best, sizeof best, "%s", cg_ref(e, nd->in[0], first));
    snprintf(xk, sizeof xk, "%s", cg_ref(e, nd->in[0], kth));
    cg_text_printf(&e->body,
                   "    for (int64_t ro = 0; ro < %" PRId64 "; ro++) for (int64_t ri = 0; ri < %" PRId64 "; ri++) {\n"
                   "        int64_t bi = 0; %s best = %s;\n"
                   "        for (int64_t k = 1; k < %" PRId64 " && best == best; k++) { %s x = %s; if (x != x || x %s best) best = x, bi = k; }\n"
                   "        %s = bi;\n    }\n",
                   outer, inner, ct, best, n, ct, xk, cmp, cg_ref(e, nd->out[0], at));
}

/* cumsum / cumlogsumexp along p->axis (from the end when p->reverse). */
static void emit_cumulate(cg_emit *e, const cg_node *nd) {
    const cg_value *a = cg_val(e, nd->in[0]);
    int ax = nd->p.axis;
    int64_t outer = 1, n = a->ndim ? a->shape[ax] : 1, inner = 1;
    for (int d = 0; d < ax; d++) outer *= a->shape[d];
    for (int d = ax + 1; d < a->ndim; d++) inner *= a->shape[d];
    bool fl = a->dtype == GEN_F64 || a->dtype == GEN_F32;
    const char *st = fl ? "double" : "int64_t", *init, *step;
    if (nd->op == OP_CUMSUM) {
        init = "0";
        step = fl ? "s + x" : "(int64_t)((uint64_t)s + (uint64_t)x)";
    } else {
        if (!fl) {
            cg_unsupported(e, "cumlogsumexp of %s", gen_dtype_name(a->dtype));
            return;
        }
        init = "-INFINITY";
        step = "cg_logaddexp_acc(s, x)";
    }
    char at[160];
    snprintf(at, sizeof at, "ro * %" PRId64 " + ri + (%s) * %" PRId64, n * inner,
             nd->p.reverse ? "__N - 1 - k" : "k", inner);
    /* __N: the axis length, substituted as a number */
    char fixed[200];
    const char *pos = strstr(at, "__N");
    if (pos) snprintf(fixed, sizeof fixed, "%.*s%" PRId64 "%s", (int)(pos - at), at, n, pos + 3);
    else snprintf(fixed, sizeof fixed, "%s", at);
    cg_text_printf(&e->body,
                   "    for (int64_t ro = 0; ro < %" PRId64 "; ro++) for (int64_t ri = 0; ri < %" PRId64 "; ri++) {\n"
                   "        %s s = %s;\n        for (int64_t k = 0; k < %" PRId64 "; k++) { %s x = %s; s = %s; %s = (%s)s; }\n    }\n",
                   outer, inner, st, init, n, st, cg_ref(e, nd->in[0], fixed), step, cg_ref(e, nd->out[0], fixed),
                   cg_ctype(a->dtype));
}

/* cumlogsumexp's VJP (x, out, g): the CPU kernel's backward recursion per lane. */
static void emit_cumlse_vjp(cg_emit *e, const cg_node *nd) {
    const cg_value *a = cg_val(e, nd->in[0]);
    int ax = nd->p.axis;
    int64_t outer = 1, n = a->ndim ? a->shape[ax] : 1, inner = 1;
    for (int d = 0; d < ax; d++) outer *= a->shape[d];
    for (int d = ax + 1; d < a->ndim; d++) inner *= a->shape[d];
    char at[96], x[160], o[160], g[160];
    snprintf(at, sizeof at, "ro * %" PRId64 " + ri + k * %" PRId64, n * inner, inner);
    snprintf(x, sizeof x, "%s", cg_ref(e, nd->in[0], at));
    snprintf(o, sizeof o, "%s", cg_ref(e, nd->in[1], at));
    snprintf(g, sizeof g, "%s", cg_ref(e, nd->in[2], at));
    cg_text_printf(&e->body,
                   "    for (int64_t ro = 0; ro < %" PRId64 "; ro++) for (int64_t ri = 0; ri < %" PRId64 "; ri++) {\n"
                   "        double acc = 0, onext = 0;\n"
                   "        for (int64_t k = %" PRId64 " - 1; k >= 0; k--) { double ok = %s;\n"
                   "            acc = k == %" PRId64 " - 1 ? %s : %s + (ok == -INFINITY ? 0 : exp(ok - onext)) * acc;\n"
                   "            %s = ok == -INFINITY ? 0 : exp(%s - ok) * acc; onext = ok; }\n    }\n",
                   outer, inner, n, o, n, g, g, cg_ref(e, nd->out[0], at), x);
}

bool cg_emit_reduce(cg_emit *e, const cg_node *nd) {
    switch (nd->op) {
    case OP_SUM: case OP_PROD: case OP_MAX: case OP_MIN: case OP_LOGSUMEXP: case OP_ALL: case OP_ANY:
        emit_full_reduce(e, nd);
        return true;
    case OP_ARGMAX: case OP_ARGMIN:
        emit_arg(e, nd);
        return true;
    case OP_CUMSUM: case OP_CUMLOGSUMEXP:
        emit_cumulate(e, nd);
        return true;
    case OP_CUMLSE_VJP:
        emit_cumlse_vjp(e, nd);
        return true;
    default: return false;
    }
}
