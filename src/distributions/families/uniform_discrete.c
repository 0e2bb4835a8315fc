/* uniform_discrete.c — UniformDiscrete(lo, hi): each integer lo..hi (both included) with
 * mass 1 / (hi - lo + 1); lo and hi are integers (i64 or integral floats). */
#include "discrete_util.h"

static const char *const names[] = {"lo", "hi"};

/* hi - lo + 1 as i64 (the bounds kept by disc_new are i64). */
static gen_array *count(const gen_dist *d) {
    return gen_add(gen_sub(disc_hi(d), disc_lo(d)), gen_scalar_i64(1));
}

static gen_array *uniform_discrete_logpdf(const gen_dist *d, const gen_array *x) {
    gen_array *ok = gen_logical_and(disc_is_int(x), gen_logical_and(gen_ge(x, disc_lo(d)),
                                                                    gen_le(x, disc_hi(d))));
    gen_array *lp = gen_neg(gen_log(gen_cast(count(d), disc_ftype(d))));
    return dist_mask_support(ok, lp);
}

/* lo + floor(u n), capped at n - 1 (u n may round up to n for huge n). */
static gen_array *uniform_discrete_sample(const gen_dist *d, gen_key key, int ndim,
                                          const int64_t *shape) {
    if (gen_scope_begin() != GEN_OK) return NULL;
    gen_array *n = count(d);
    gen_array *u = gen_random_uniform(key, GEN_F64, ndim, shape);
    gen_array *off = gen_cast(gen_floor(gen_mul(u, gen_cast(n, GEN_F64))), GEN_I64);
    off = gen_minimum(off, gen_sub(n, gen_scalar_i64(1)));
    return arr_scope_return(gen_add(disc_lo(d), off));
}

static gen_array *uniform_discrete_enumerate(const gen_dist *d) {
    return disc_enumerate_range("uniform_discrete", disc_lo(d), disc_hi(d));
}

static const dist_family uniform_discrete_family = {
    .name = "uniform_discrete",
    .param_names = names,
    .discrete = true,
    .sample = uniform_discrete_sample,
    .logpdf = uniform_discrete_logpdf,
    .support = disc_support_range,
    .enumerate = uniform_discrete_enumerate,
    .free_extra = disc_free_bounds,
    .extra_is_support = true,
};

gen_dist *gen_uniform_discrete(const gen_array *lo, const gen_array *hi) {
    const gen_array *p[2] = {lo, hi};
    if (lo && hi && (disc_check_integer("uniform_discrete", "lo", lo) != GEN_OK ||
                     disc_check_integer("uniform_discrete", "hi", hi) != GEN_OK ||
                     dist_check_less_equal("uniform_discrete", "lo", lo, "hi", hi) != GEN_OK))
        return NULL;
    return disc_new(&uniform_discrete_family, GEN_I64, 2, p, -1, NULL, 0, NULL, lo, hi);
}
