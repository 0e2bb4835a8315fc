/* sample_binomial.c — Binomial(n, p) draws: with q = min(p, 1 - p) (p > 1/2 by
 * symmetry), inversion by sequential search for n q < 10, else Hörmann's BTRS
 * transformed rejection (1993) (the element procedure: sample_hd.h). n and p broadcast
 * together; on the host one C loop over the elements. */
#include "sample_int.h"

static const char fn[] = "gen_random_binomial";

/* The host loop (n and p on the host). */
static gen_array *binomial_host(gen_key key, const gen_array *n, const gen_array *p) {
    smp_bcast bc;
    if (smp_broadcast(fn, n, p, &bc) != GEN_OK || smp_check(fn, "n", n, SMP_COUNT) != GEN_OK ||
        smp_check(fn, "p", p, SMP_PROB) != GEN_OK)
        return NULL;
    gen_scope_begin();
    const gen_array *ni = smp_as(n, GEN_I64), *pf = smp_as(p, GEN_F64);
    gen_array *out = ni && pf ? arr_alloc(fn, GEN_I64, bc.ndim, bc.shape) : NULL;
    if (!out) return arr_scope_return(NULL);
    const int64_t *nd = ni->data;
    const double *pd = pf->data;
    int64_t *o = out->data;
    smp_bino_prm s = {.n = -1}; /* no parameters yet */
    smp_stream st = smp_stream_new(key, RND_TAG_BINO, 0);
    uint64_t w[2 * SMP_CHUNK];
    for (int64_t c = 0; c < out->size; c += SMP_CHUNK) {
        int64_t len = out->size - c < SMP_CHUNK ? out->size - c : SMP_CHUNK;
        smp_first_attempts(&st, c, len, w);
        for (int64_t k = 0; k < len; k++, smp_next(&bc)) {
            int64_t nv = nd[bc.off[0]];
            double pv = pd[bc.off[1]];
            if (nv != s.n || pv != s.p) smp_bino_init(&s, nv, pv); /* once per run of equal (n, p) */
            o[c + k] = smp_bino_draw(&s, &st, (uint64_t)(c + k), w[2 * k], w[2 * k + 1]);
        }
    }
    return arr_scope_return(arr_publish(out));
}

static const smp_sampler binomial_sampler = {fn, RND_BINOMIAL, 2, {"n", "p"}, {SMP_COUNT, SMP_PROB}, binomial_host};

gen_array *gen_random_binomial(gen_key key, const gen_array *n, const gen_array *p) {
    if (!n || !p) {
        if (!core_error_pending()) GEN_FAIL(GEN_ERR_MISUSE, "%s: %s is NULL", fn, n ? "p" : "n");
        return NULL;
    }
    if (n->dtype == GEN_BOOL) {
        GEN_FAIL(GEN_ERR_DTYPE, "%s: n must be i64, f64 or f32, got bool", fn);
        return NULL;
    }
    if (!arr_is_float(p->dtype)) {
        GEN_FAIL(GEN_ERR_DTYPE, "%s: p must be f64 or f32, got %s", fn, gen_dtype_name(p->dtype));
        return NULL;
    }
    return smp_sample(&binomial_sampler, key, n, p, GEN_I64);
}
