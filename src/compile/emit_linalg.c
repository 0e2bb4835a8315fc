/* emit_linalg.c — C code of the matrix ops: matmul (the CPU kernel's BLAS calls),
 * diag and diag_embed, and the factorizations and solves (cholesky and its VJP,
 * triangular_solve, solve, inv, logdet) as calls of the runtime's LAPACK kernels
 * (runtime.h) per batch matrix, in double with the kernels' work space in the work
 * block. A matrix that is not positive definite or is singular fails the call as the
 * eager kernel does (op_failure.c words it). */
#include <inttypes.h>
#include <string.h>

#include "emit.h"
#include "runtime.h"

/* The batch offset (in matrices) of argument a for the output's batch position b,
 * as a C expression over the batch loop variables b<d>. */
static void batch_index(const cg_value *a, int mdims, const cg_value *o, char *buf, size_t n) {
    int nb = o->ndim - 2, ab = a->ndim - mdims;
    int64_t s = 1, str[GEN_MAX_DIMS];
    for (int d = nb - 1; d >= 0; d--) {
        int ad = d - (nb - ab);
        str[d] = ad < 0 || a->shape[ad] == 1 ? 0 : s;
        if (ad >= 0) s *= a->shape[ad];
    }
    size_t w = 0;
    buf[0] = '0';
    buf[1] = 0;
    for (int d = 0; d < nb; d++)
        if (str[d]) {
            int c = snprintf(buf + w, n - w, "%sb%d * %" PRId64, w ? " + " : "", d, str[d]);
            w += c > 0 ? (size_t)c : 0;
            if (w >= n) w = n - 1;
        }
}


/* matmul with inner dimension k <= 1 (each element one product, or zero): loops. */
static void emit_matmul_loops(cg_emit *e, const cg_node *nd) {
    const cg_value *a = cg_val(e, nd->in[0]), *b = cg_val(e, nd->in[1]), *o = cg_val(e, nd->out[0]);
    int64_t m = a->shape[a->ndim - 2], k = a->shape[a->ndim - 1], n = b->shape[b->ndim - 1];
    char ba[128], bb[128], ia[256], ib[256], io[160], x[200], y[200];
    batch_index(a, 2, o, ba, sizeof ba);
    batch_index(b, 2, o, bb, sizeof bb);
    cg_text_printf(&e->body, "    { int64_t bq = 0;\n");
    for (int d = 0; d < o->ndim - 2; d++)
        cg_text_printf(&e->body, "    for (int64_t b%d = 0; b%d < %" PRId64 "; b%d++)\n", d, d, o->shape[d], d);
    snprintf(ia, sizeof ia, "(%s) * %" PRId64 " + r * %" PRId64 " + t", ba, m * k, k);
    snprintf(ib, sizeof ib, "(%s) * %" PRId64 " + t * %" PRId64 " + c", bb, k * n, n);
    snprintf(io, sizeof io, "bq * %" PRId64 " + r * %" PRId64 " + c", m * n, n);
    snprintf(x, sizeof x, "%s", cg_ref(e, nd->in[0], ia));
    snprintf(y, sizeof y, "%s", cg_ref(e, nd->in[1], ib));
    const char *ct = cg_ctype(o->dtype);
    cg_text_printf(&e->body,
                   "    { for (int64_t r = 0; r < %" PRId64 "; r++) for (int64_t c = 0; c < %" PRId64 "; c++) {\n"
                   "        %s s = 0; for (int64_t t = 0; t < %" PRId64 "; t++) s += %s * %s;\n"
                   "        %s = s; }\n      bq++; }\n    }\n",
                   m, n, ct, k, x, y, cg_ref(e, nd->out[0], io));
}

/* matmul: the CPU kernel's BLAS calls (runtime gemm), batched as the kernel batches:
 * one call on stacked rows when b is one matrix and a is not broadcast, else one per
 * batch matrix, so products round exactly as the eager ones (a different summation
 * order is amplified by ill-conditioned solves downstream). */
static void emit_matmul(cg_emit *e, const cg_node *nd) {
    const cg_value *a = cg_val(e, nd->in[0]), *b = cg_val(e, nd->in[1]), *o = cg_val(e, nd->out[0]);
    int64_t m = a->shape[a->ndim - 2], k = a->shape[a->ndim - 1], n = b->shape[b->ndim - 1];
    if (o->size == 0) return;
    if (k <= 1) {
        emit_matmul_loops(e, nd);
        return;
    }
    gen_dtype t = o->dtype;
    int f32 = t == GEN_F32;
    char pa[96], pb[96], po[96];
    cg_elems_as(e, nd->in[0], t, true, pa, sizeof pa);
    cg_elems_as(e, nd->in[1], t, true, pb, sizeof pb);
    bool copy = cg_elems_as(e, nd->out[0], t, false, po, sizeof po);
    int64_t nbat = o->size / (m * n), nba = a->size / (m * k), nbb = b->size / (k * n);
    if (nbb == 1 && nba == nbat) {
        cg_text_printf(&e->body, "    rt->gemm(%d, %" PRId64 ", %" PRId64 ", %" PRId64 ", %s, %s, %s);\n", f32, nbat * m, n,
                       k, pa, pb, po);
    } else {
        int nbd = o->ndim - 2;
        int64_t sa[GEN_MAX_DIMS], sb[GEN_MAX_DIMS], so[GEN_MAX_DIMS];
        cg_bcast_strides(a->ndim - 2, a->shape, 1, nbd, o->shape, sa);
        cg_bcast_strides(b->ndim - 2, b->shape, 1, nbd, o->shape, sb);
        cg_strides(nbd, o->shape, so);
        char ia[200], ib[200], io[200];
        cg_linear(ia, sizeof ia, nbd, o->shape, sa, "b");
        cg_linear(ib, sizeof ib, nbd, o->shape, sb, "b");
        cg_linear(io, sizeof io, nbd, o->shape, so, "b");
        cg_text_printf(&e->body, "    {\n");
        cg_open_loops(e, nbd, o->shape, "b");
        cg_text_printf(&e->body,
                       "        rt->gemm(%d, %" PRId64 ", %" PRId64 ", %" PRId64 ", %s + (%s) * %" PRId64 ", %s + (%s) * %" PRId64
                       ", %s + (%s) * %" PRId64 ");\n    }\n",
                       f32, m, n, k, pa, ia, m * k, pb, ib, k * n, po, io, m * n);
    }
    if (copy) cg_copy_out(e, nd->out[0], t, po);
}

static void emit_diag(cg_emit *e, const cg_node *nd, bool embed) {
    const cg_value *a = cg_val(e, nd->in[0]);
    int64_t n = a->shape[a->ndim - 1], nb = n ? a->size / (embed ? n : n * n) : 0;
    char src[96], dst[96], s1[200];
    if (embed) {
        cg_emit_map(e, nd->out[0], 0, NULL, "0");
        snprintf(src, sizeof src, "b * %" PRId64 " + i", n);
        snprintf(dst, sizeof dst, "b * %" PRId64 " + i * %" PRId64, n * n, n + 1);
    } else {
        snprintf(src, sizeof src, "b * %" PRId64 " + i * %" PRId64, n * n, n + 1);
        snprintf(dst, sizeof dst, "b * %" PRId64 " + i", n);
    }
    snprintf(s1, sizeof s1, "%s", cg_ref(e, nd->in[0], src));
    cg_text_printf(&e->body, "    for (int64_t b = 0; b < %" PRId64 "; b++) for (int64_t i = 0; i < %" PRId64 "; i++) %s = %s;\n",
                   nb, n, cg_ref(e, nd->out[0], dst), s1);
}

/* ---- factorizations and solves (runtime kernels on doubles) ---- */

/* The kernel's work space: `doubles` doubles of scratch (at least one). */
static void work_of(cg_emit *e, int64_t doubles, char *buf, size_t n) {
    snprintf(buf, n, "((double *)(W + %" PRId64 "))", cg_scratch(e, (doubles > 0 ? doubles : 1) * 8));
}

/* The failure branch of a kernel call: rc nonzero, at the batch matrix `at` of input 0. */
static void fail_branch(cg_emit *e, const char *at) {
    cg_text_printf(&e->body, "        if (rc) { *fail = %s; failv[0] = (double)rc; return %d; }\n", at, (int)e->node + 1);
}

/* cholesky, inv, logdet: one matrix of the argument per result (no broadcasting). */
static void emit_factor(cg_emit *e, const cg_node *nd) {
    const cg_value *a = cg_val(e, nd->in[0]), *o = cg_val(e, nd->out[0]);
    int64_t n = a->shape[a->ndim - 1], nn = n * n, nb = nn ? a->size / nn : o->size;
    if (o->size == 0) return;
    char in[96], out[96], w[96];
    cg_elems_as(e, nd->in[0], GEN_F64, true, in, sizeof in);
    if (nd->op == OP_LOGDET) {
        work_of(e, CG_RT_WORK_LOGDET(n), w, sizeof w);
        cg_text_printf(&e->body, "    for (int64_t b = 0; b < %" PRId64 "; b++) %s = %s(rt->logdet(%s + b * %" PRId64
                       ", %" PRId64 ", %s));\n",
                       nb, cg_ref(e, nd->out[0], o->size == 1 ? "0" : "b"), cg_convert(GEN_F64, o->dtype), in, nn, n, w);
        return;
    }
    bool copy = cg_elems_as(e, nd->out[0], GEN_F64, false, out, sizeof out);
    bool chol = nd->op == OP_CHOLESKY;
    work_of(e, chol ? CG_RT_WORK_CHOLESKY(n) : CG_RT_WORK_INV(n), w, sizeof w);
    cg_text_printf(&e->body,
                   "    for (int64_t b = 0; b < %" PRId64 "; b++) {\n"
                   "        int64_t rc = rt->%s(%s + b * %" PRId64 ", %s + b * %" PRId64 ", %" PRId64 ", %s);\n",
                   nb, chol ? "cholesky" : "inv", out, nn, in, nn, n, w);
    fail_branch(e, "b");
    cg_text_printf(&e->body, "    }\n");
    if (copy) cg_copy_out(e, nd->out[0], GEN_F64, out);
}

/* cholesky_vjp (L, G): the runtime's plain-C VJP per batch matrix. */
static void emit_cholesky_vjp(cg_emit *e, const cg_node *nd) {
    const cg_value *o = cg_val(e, nd->out[0]);
    int64_t n = o->shape[o->ndim - 1], nn = n * n;
    if (o->size == 0) return;
    char pl[96], pg[96], out[96], w[96];
    cg_elems_as(e, nd->in[0], GEN_F64, true, pl, sizeof pl);
    cg_elems_as(e, nd->in[1], GEN_F64, true, pg, sizeof pg);
    bool copy = cg_elems_as(e, nd->out[0], GEN_F64, false, out, sizeof out);
    work_of(e, CG_RT_WORK_CHOLESKY_VJP(n), w, sizeof w);
    cg_text_printf(&e->body,
                   "    for (int64_t b = 0; b < %" PRId64 "; b++) rt->cholesky_vjp(%s + b * %" PRId64 ", %s + b * %" PRId64
                   ", %s + b * %" PRId64 ", %" PRId64 ", %s);\n",
                   o->size / nn, out, nn, pl, nn, pg, nn, n, w);
    if (copy) cg_copy_out(e, nd->out[0], GEN_F64, out);
}

/* solve and triangular_solve: a [..., n, n] and b [..., n, m] over the broadcast batch. */
static void emit_solve(cg_emit *e, const cg_node *nd) {
    const cg_value *a = cg_val(e, nd->in[0]), *b = cg_val(e, nd->in[1]), *o = cg_val(e, nd->out[0]);
    int64_t n = b->shape[b->ndim - 2], m = b->shape[b->ndim - 1];
    if (o->size == 0) return;
    int nbd = o->ndim - 2;
    int64_t sa[GEN_MAX_DIMS], sb[GEN_MAX_DIMS], so[GEN_MAX_DIMS];
    cg_bcast_strides(a->ndim - 2, a->shape, 1, nbd, o->shape, sa);
    cg_bcast_strides(b->ndim - 2, b->shape, 1, nbd, o->shape, sb);
    cg_strides(nbd, o->shape, so);
    char ia[200], ib[200], io[200], pa[96], pb[96], out[96], w[96];
    cg_linear(ia, sizeof ia, nbd, o->shape, sa, "b");
    cg_linear(ib, sizeof ib, nbd, o->shape, sb, "b");
    cg_linear(io, sizeof io, nbd, o->shape, so, "b");
    cg_elems_as(e, nd->in[0], GEN_F64, true, pa, sizeof pa);
    cg_elems_as(e, nd->in[1], GEN_F64, true, pb, sizeof pb);
    bool copy = cg_elems_as(e, nd->out[0], GEN_F64, false, out, sizeof out);
    bool tri = nd->op == OP_TRIANGULAR_SOLVE;
    work_of(e, tri ? CG_RT_WORK_TRISOLVE(n, m) : CG_RT_WORK_SOLVE(n, m), w, sizeof w);
    cg_text_printf(&e->body, "    {\n");
    cg_open_loops(e, nbd, o->shape, "b");
    cg_text_printf(&e->body, "    {\n        int64_t ia = %s, ib = %s, io = %s;\n", ia, ib, io);
    if (tri) {
        cg_text_printf(&e->body,
                       "        rt->trisolve(%s + io * %" PRId64 ", %s + ia * %" PRId64 ", %s + ib * %" PRId64
                       ", %" PRId64 ", %" PRId64 ", %d, %d, %s);\n",
                       out, n * m, pa, n * n, pb, n * m, n, m, (int)nd->p.lower, (int)nd->p.transpose, w);
    } else {
        cg_text_printf(&e->body,
                       "        int64_t rc = rt->solve(%s + io * %" PRId64 ", %s + ia * %" PRId64 ", %s + ib * %" PRId64
                       ", %" PRId64 ", %" PRId64 ", %s);\n",
                       out, n * m, pa, n * n, pb, n * m, n, m, w);
        fail_branch(e, "ia");
    }
    cg_text_printf(&e->body, "    }\n    }\n");
    if (copy) cg_copy_out(e, nd->out[0], GEN_F64, out);
}

bool cg_emit_linalg(cg_emit *e, const cg_node *nd) {
    switch (nd->op) {
    case OP_MATMUL: emit_matmul(e, nd); return true;
    case OP_DIAG: emit_diag(e, nd, false); return true;
    case OP_DIAG_EMBED: emit_diag(e, nd, true); return true;
    case OP_CHOLESKY: case OP_INV: case OP_LOGDET: emit_factor(e, nd); return true;
    case OP_CHOLESKY_VJP: emit_cholesky_vjp(e, nd); return true;
    case OP_SOLVE: case OP_TRIANGULAR_SOLVE: emit_solve(e, nd); return true;
    default: return false;
    }
}
