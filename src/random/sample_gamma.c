/* sample_gamma.c — Gamma(alpha, 1) draws: Marsaglia–Tsang (2000) with the alpha < 1
 * boost done in log space; one C loop over the elements, each with its own key. */
#include "sample_int.h"

void smp_gamma_init(smp_gamma_prm *g, double alpha) {
    g->alpha = alpha;
    g->boost = alpha < 1;
    g->d = (g->boost ? alpha + 1 : alpha) - 1.0 / 3;
    g->c = 1 / sqrt(9 * g->d);
}

/* Attempt j reads blocks 2j (Box–Muller normal z from both words) and 2j+1 (word 0:
 * the acceptance uniform u; word 1: the boost uniform, used if the attempt is accepted). */
double smp_gamma_draw(const smp_gamma_prm *g, gen_key k, uint64_t tag, double *log_x) {
    const double d = g->d, c = g->c;
    for (uint64_t j = 0;; j++) {
        double z = smp_normal(rnd_block(k, 2 * j, tag));
        double v = 1 + c * z;
        if (v <= 0) continue;
        v = v * v * v;
        threefry2x64_ctr_t b = rnd_block(k, 2 * j + 1, tag);
        double u = rnd_u64_to_f64(b.v[0]), z2 = z * z;
        if (u >= 1 - 0.0331 * z2 * z2 && log(u) >= 0.5 * z2 + d * (1 - v + log(v))) continue;
        double x = d * v;
        if (!g->boost) {
            if (log_x) *log_x = log(x);
            return x;
        }
        double lx = log(x) + log(rnd_u64_to_f64(b.v[1])) / g->alpha;
        if (log_x) *log_x = lx;
        return exp(lx);
    }
}

static const char *bad_alpha(double x) {
    if (x > 0 && x < INFINITY) return NULL;
    return x > 0 ? "finite" : "> 0";
}

gen_array *gen_random_gamma(gen_key key, const gen_array *alpha) {
    static const char fn[] = "gen_random_gamma";
    if (!alpha) {
        if (!core_error_pending()) GEN_FAIL(GEN_ERR_MISUSE, "%s: alpha is NULL", fn);
        return NULL;
    }
    if (smp_check(fn, "alpha", alpha, bad_alpha) != GEN_OK) return NULL;
    gen_dtype t = arr_float_type(alpha->dtype);
    gen_scope_begin();
    const gen_array *a = smp_as(alpha, GEN_F64);
    gen_array *out = a ? arr_alloc(t, alpha->ndim, alpha->shape) : NULL;
    if (!out) return arr_scope_return(NULL);
    const double *ad = a->data;
    smp_gamma_prm g = {.alpha = NAN};
    for (int64_t i = 0; i < out->size; i++) {
        if (ad[i] != g.alpha) smp_gamma_init(&g, ad[i]); /* set up once per run of equal alphas */
        double x = smp_gamma_draw(&g, smp_key(key, i, RND_TAG_GAMMA), RND_TAG_DRAW, NULL);
        if (t == GEN_F64) ((double *)out->data)[i] = x;
        else ((float *)out->data)[i] = (float)x;
    }
    return arr_scope_return(arr_publish(out));
}
