/* test_discrete_noscope.c — every discrete family used with no scope open: the caller
 * owns each result and releases it, and nothing else may remain (run under valgrind). */
#include "test_discrete_util.h"

static gen_dist *make(int i, gen_array *const *a) {
    switch (i) {
    case 0: return gen_bernoulli(a[0]);
    case 1: return gen_bernoulli_logit(a[1]);
    case 2: return gen_categorical(a[2]);
    case 3: return gen_categorical_logits(a[1]);
    case 4: return gen_geometric(a[0]);
    case 5: return gen_uniform_discrete(a[3], a[4]);
    case 6: return gen_poisson(a[4]);
    case 7: return gen_binomial(a[4], a[0]);
    case 8: return gen_neg_binomial(a[4], a[0]);
    default: return gen_multinomial(a[3], a[2]);
    }
}

int main(void) {
    gen_array *a[5] = {gen_scalar(0.4), gen_array_from_f64(GEN_DIMS(3), (double[]){0.1, -1, 2}),
                       gen_array_from_f64(GEN_DIMS(3), (double[]){0.2, 0.3, 0.5}), gen_scalar_i64(2),
                       gen_scalar_i64(5)};
    for (int i = 0; i < 10; i++) {
        CHECK(gen_scope_depth() == 0);
        gen_dist *d = make(i, a);
        gen_array *s = gen_dist_sample(d, gen_key_new((uint64_t)i), GEN_DIMS(3));
        gen_array *lp = gen_dist_logpdf(d, s);
        CHECK(s && lp);
        gen_support sp;
        CHECK_OK(gen_dist_support(d, &sp));
        gen_array *e = gen_dist_enumerate(d);
        if (!e) gen_error_clear();
        gen_array_release(e);
        gen_array_release(lp);
        gen_array_release(s);
        gen_dist_release(d);
    }
    for (int i = 0; i < 5; i++) gen_array_release(a[i]);
    return check_finish();
}
