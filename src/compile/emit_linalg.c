/* emit_linalg.c — C code of the matrix ops: matmul as loops over broadcast batches
 * (the products of models are small; summation order is the only difference from
 * BLAS), diag and diag_embed. */
#include <inttypes.h>
#include <string.h>

#include "emit.h"

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

static void emit_matmul(cg_emit *e, const cg_node *nd) {
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
    cg_text_printf(&e->body,
                   "    { for (int64_t r = 0; r < %" PRId64 "; r++) for (int64_t c = 0; c < %" PRId64 "; c++) {\n"
                   "        double s = 0; for (int64_t t = 0; t < %" PRId64 "; t++) s += (double)%s * (double)%s;\n"
                   "        %s = (%s)s; }\n      bq++; }\n    }\n",
                   m, n, k, x, y, cg_ref(e, nd->out[0], io), cg_ctype(o->dtype));
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

bool cg_emit_linalg(cg_emit *e, const cg_node *nd) {
    switch (nd->op) {
    case OP_MATMUL: emit_matmul(e, nd); return true;
    case OP_DIAG: emit_diag(e, nd, false); return true;
    case OP_DIAG_EMBED: emit_diag(e, nd, true); return true;
    default: return false;
    }
}
