/* sample_beta.c — Beta(a, b) draws as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b); when
 * a or b < 1 the ratio is formed from log X and log Y, so tiny parameters (whose gamma
 * draws underflow) still give correct draws near 0 and 1 instead of 0/0. */
#include "sample_int.h"

/* X / (X + Y) from lx = log X, ly = log Y, without forming X or Y. */
static double ratio_from_logs(double lx, double ly) {
    double d = ly - lx;
    if (d != d) d = 0; /* both -inf (subnormal parameters): no information left */
    if (d <= 0) return 1 / (1 + exp(d));
    double e = exp(-d);
    return e / (1 + e);
}

typedef struct beta_prm {
    smp_gamma_prm ga, gb;
    int logspace;
} beta_prm;

/* X reads the blocks T({j, DRAW}, k), Y the blocks T({j, BETA}, k). */
static double beta_draw(const beta_prm *s, gen_key k) {
    if (!s->logspace) {
        double x = smp_gamma_draw(&s->ga, k, RND_TAG_DRAW, NULL);
        double y = smp_gamma_draw(&s->gb, k, RND_TAG_BETA, NULL);
        return x / (x + y);
    }
    double lx, ly;
    smp_gamma_draw(&s->ga, k, RND_TAG_DRAW, &lx);
    smp_gamma_draw(&s->gb, k, RND_TAG_BETA, &ly);
    return ratio_from_logs(lx, ly);
}

static const char *bad_param(double x) {
    if (x > 0 && x < INFINITY) return NULL;
    return x > 0 ? "finite" : "> 0";
}

gen_array *gen_random_beta(gen_key key, const gen_array *a, const gen_array *b) {
    static const char fn[] = "gen_random_beta";
    if (!a || !b) {
        if (!core_error_pending()) GEN_FAIL(GEN_ERR_MISUSE, "%s: %s is NULL", fn, a ? "b" : "a");
        return NULL;
    }
    smp_bcast bc;
    if (smp_broadcast(fn, a, b, &bc) != GEN_OK || smp_check(fn, "a", a, bad_param) != GEN_OK ||
        smp_check(fn, "b", b, bad_param) != GEN_OK)
        return NULL;
    gen_dtype t = arr_float_type(arr_promote(a->dtype, b->dtype));
    gen_scope_begin();
    const gen_array *af = smp_as(a, GEN_F64), *bf = smp_as(b, GEN_F64);
    gen_array *out = af && bf ? arr_alloc(t, bc.ndim, bc.shape) : NULL;
    if (!out) return arr_scope_return(NULL);
    const double *ad = af->data, *bd = bf->data;
    beta_prm s = {.ga = {.alpha = NAN}, .gb = {.alpha = NAN}};
    for (int64_t i = 0; i < out->size; i++, smp_next(&bc)) {
        double av = ad[bc.off[0]], bv = bd[bc.off[1]];
        if (av != s.ga.alpha || bv != s.gb.alpha) { /* once per run of equal (a, b) */
            smp_gamma_init(&s.ga, av);
            smp_gamma_init(&s.gb, bv);
            s.logspace = s.ga.boost || s.gb.boost;
        }
        double x = beta_draw(&s, smp_key(key, i, RND_TAG_BETA));
        if (t == GEN_F64) ((double *)out->data)[i] = x;
        else ((float *)out->data)[i] = (float)x;
    }
    return arr_scope_return(arr_publish(out));
}
