/* array_vm_dist.c — the array machine's distribution and sampler ops (array_vm.h): a
 * family built from the arrays on the stack (any shapes, any values: the constructors
 * must reject what is invalid), then sampled with fuzzed sample shapes, scored at another
 * array, enumerated, or its bijection applied; the raw samplers of genc/random.h. Every
 * sampler must finish (a rejection loop at an extreme parameter is a hang libFuzzer
 * reports) and give values in its support's shape. */
#include "array_vm.h"
#include "genc/dist.h"

typedef gen_dist *(*fam1)(const gen_array *);
typedef gen_dist *(*fam2)(const gen_array *, const gen_array *);
typedef gen_dist *(*fam3)(const gen_array *, const gen_array *, const gen_array *);

#define ENTRY(f) {f, #f}
static const struct { fam1 f; const char *name; } f1[] = {
    ENTRY(gen_exponential), ENTRY(gen_half_normal), ENTRY(gen_half_cauchy), ENTRY(gen_chi2),
    ENTRY(gen_bernoulli), ENTRY(gen_bernoulli_logit), ENTRY(gen_categorical),
    ENTRY(gen_categorical_logits), ENTRY(gen_poisson), ENTRY(gen_geometric), ENTRY(gen_dirichlet),
    ENTRY(gen_delta)};
static const struct { fam2 f; const char *name; } f2[] = {
    ENTRY(gen_normal), ENTRY(gen_uniform), ENTRY(gen_beta), ENTRY(gen_gamma), ENTRY(gen_inv_gamma),
    ENTRY(gen_laplace), ENTRY(gen_cauchy), ENTRY(gen_lognormal), ENTRY(gen_logistic),
    ENTRY(gen_weibull), ENTRY(gen_pareto), ENTRY(gen_gumbel), ENTRY(gen_von_mises),
    ENTRY(gen_wrapped_cauchy), ENTRY(gen_broadcasted_normal), ENTRY(gen_mvnormal),
    ENTRY(gen_mvnormal_chol), ENTRY(gen_wishart), ENTRY(gen_inv_wishart), ENTRY(gen_neg_binomial),
    ENTRY(gen_binomial), ENTRY(gen_multinomial), ENTRY(gen_uniform_discrete),
    ENTRY(gen_piecewise_uniform)};
static const struct { fam3 f; const char *name; } f3[] = {ENTRY(gen_student_t), ENTRY(gen_beta_uniform)};
#define COUNT(t) (int)(sizeof t / sizeof *t)

/* A distribution from the top of the stack, or NULL (failure checked). */
static gen_dist *make_dist(vm *m, const char **name) {
    int k = fz_u8(&m->in) % (COUNT(f1) + COUNT(f2) + COUNT(f3) + 4);
    gen_array *a = vm_top(m, 0), *b = vm_top(m, 1), *c = vm_top(m, 2), *d = vm_top(m, 3);
    gen_dist *r;
    if (k < COUNT(f1)) {
        if (!a) return NULL;
        *name = f1[k].name;
        r = f1[k].f(a);
    } else if ((k -= COUNT(f1)) < COUNT(f2)) {
        if (!b) return NULL;
        *name = f2[k].name;
        r = f2[k].f(b, a);
    } else if ((k -= COUNT(f2)) < COUNT(f3)) {
        if (!c) return NULL;
        *name = f3[k].name;
        r = f3[k].f(c, b, a);
    } else if ((k -= COUNT(f3)) == 0) {
        if (!d) return NULL;
        *name = "gen_truncated_normal";
        r = gen_truncated_normal(d, c, b, a);
    } else if (k == 1) {
        if (!a) return NULL;
        int64_t dim = fz_extent(&m->in);
        *name = "gen_lkj_cholesky";
        r = gen_lkj_cholesky(dim, a);
        if (vm_tracing()) fprintf(stderr, "gen_lkj_cholesky(%lld)\n", (long long)dim);
    } else {
        int64_t dims[GEN_MAX_DIMS + 1];
        int nd = fz_u8(&m->in) % (GEN_MAX_DIMS + 2) - 1;
        for (int i = 0; i <= GEN_MAX_DIMS; i++) dims[i] = fz_extent(&m->in);
        *name = k == 2 ? "gen_flat" : "gen_half_flat";
        r = (k == 2 ? gen_flat : gen_half_flat)(nd < 0 ? 0 : nd, dims);
    }
    if (!r) {
        fz_check_failure(*name, GEN_OK);
        m->last_fail = gen_error_status();
        return NULL;
    }
    /* wrapped: iid copies, batch axes as event axes */
    uint8_t w = fz_u8(&m->in);
    if (w % 4 == 1) {
        int64_t dims[2];
        int nd = w / 4 % 3;
        for (int i = 0; i < nd; i++) dims[i] = fz_extent(&m->in);
        gen_dist *i = gen_iid(r, nd, dims);
        if (vm_tracing()) fprintf(stderr, "gen_iid(%d dims [%lld, %lld])\n", nd, (long long)dims[0], (long long)dims[1]);
        if (!i) fz_check_failure("gen_iid", GEN_OK);
        else r = i;
    } else if (w % 4 == 2) {
        gen_dist *i = gen_independent(r, fz_axis(&m->in));
        if (!i) fz_check_failure("gen_independent", GEN_OK);
        else r = i;
    }
    return r;
}

/* A sampled value has sample + batch + event shape and the distribution's dtype. */
static void check_draw(const char *what, const gen_dist *d, const gen_array *x, int nd, const int64_t *s) {
    int bn = gen_dist_batch_ndim(d), en = gen_dist_event_ndim(d);
    FZ_CHECK(gen_array_ndim(x) == nd + bn + en, "%s: a draw of %d dims, want %d + %d + %d", what,
             gen_array_ndim(x), nd, bn, en);
    const int64_t *xs = gen_array_shape(x);
    for (int i = 0; i < nd; i++) FZ_CHECK(xs[i] == s[i], "%s: sample extent %d", what, i);
    for (int i = 0; i < bn; i++) FZ_CHECK(xs[nd + i] == gen_dist_batch_shape(d)[i], "%s: batch extent %d", what, i);
    for (int i = 0; i < en; i++)
        FZ_CHECK(xs[nd + bn + i] == gen_dist_event_shape(d)[i], "%s: event extent %d", what, i);
}

void vm_dist(vm *m) {
    const char *name = "?";
    gen_error_clear();
    gen_dist *d = make_dist(m, &name);
    uint8_t what = fz_u8(&m->in) % 6;
    if (!d) return;
    gen_key key = gen_key_new(fz_u8(&m->in));
    int64_t dims[3];
    int nd = fz_u8(&m->in) % 4;
    for (int i = 0; i < 3; i++) dims[i] = fz_extent(&m->in);
    if (vm_tracing())
        fprintf(stderr, "%*sdistribution %s (batch %d dims, event %d dims), op %d, sample shape %d dims [%lld, %lld, %lld]\n",
                2 * m->tdepth, "", name, gen_dist_batch_ndim(d), gen_dist_event_ndim(d), what, nd,
                (long long)dims[0], (long long)dims[1], (long long)dims[2]);
    gen_error_clear();
    switch (what) {
    case 0:
    case 1: {
        gen_array *x = (what ? gen_dist_rsample : gen_dist_sample)(d, key, nd, dims);
        if (x) {
            fz_check_array(name, x);
            check_draw(name, d, x, nd, dims);
            FZ_CHECK(gen_array_dtype(x) == gen_dist_dtype(d), "%s: a draw of %s, the family's %s", name,
                     gen_dtype_name(gen_array_dtype(x)), gen_dtype_name(gen_dist_dtype(d)));
            gen_array *lp = gen_dist_logpdf(d, x); /* a draw can be scored */
            if (lp) fz_check_array("gen_dist_logpdf (of a draw)", lp);
            else {
                fz_check_failure("gen_dist_logpdf (of a draw)", GEN_OK);
                /* a draw of GEN_MAX_DIMS dims may leave a family's density no room for
                 * the extra axis it computes with (categorical's one-hot while a
                 * transform records): a clean error, accepted */
                FZ_CHECK(gen_error_status() == GEN_ERR_OOM || gen_array_ndim(x) == GEN_MAX_DIMS,
                         "%s: its own draw cannot be scored", name);
            }
        }
        vm_push(m, name, x);
        break;
    }
    case 2:
        if (vm_top(m, 0)) vm_push(m, "gen_dist_logpdf", gen_dist_logpdf(d, vm_top(m, 0)));
        break;
    case 3:
        vm_push(m, "gen_dist_enumerate", gen_dist_enumerate(d));
        break;
    case 4: {
        gen_bijection *b = gen_dist_bijection(d);
        if (!b) {
            fz_check_failure("gen_dist_bijection", GEN_OK);
            break;
        }
        gen_array *u = vm_top(m, 0);
        uint8_t k = fz_u8(&m->in) % 3;
        vm_push(m, "gen_bijection_*", k == 0 ? gen_bijection_forward(b, u)
                                      : k == 1 ? gen_bijection_inverse(b, u)
                                               : gen_bijection_log_det_jacobian(b, u));
        break;
    }
    default: {
        gen_support s;
        gen_status st = gen_dist_support(d, &s);
        if (st != GEN_OK) fz_check_failure("gen_dist_support", st);
        else FZ_CHECK(gen_support_name(s.kind) != NULL, "support kind %d", (int)s.kind);
        break;
    }
    }
}

/* The raw samplers on the top arrays (parameters of any shape and value). */
void vm_random(vm *m) {
    uint8_t k = fz_u8(&m->in) % 7;
    gen_key key = gen_key_new(fz_u8(&m->in));
    int64_t dims[3];
    int nd = fz_u8(&m->in) % 4;
    for (int i = 0; i < 3; i++) dims[i] = fz_extent(&m->in);
    gen_array *a = vm_top(m, 0), *b = vm_top(m, 1);
    switch (k) {
    case 0: vm_push(m, "gen_random_bits", gen_random_bits(key, nd, dims)); break;
    case 1: vm_push(m, "gen_random_uniform", gen_random_uniform(key, fz_dtype(&m->in), nd, dims)); break;
    case 2: vm_push(m, "gen_random_normal", gen_random_normal(key, fz_dtype(&m->in), nd, dims)); break;
    case 3: if (a) vm_push(m, "gen_random_gamma", gen_random_gamma(key, a)); break;
    case 4: if (a) vm_push(m, "gen_random_poisson", gen_random_poisson(key, a)); break;
    case 5: if (b) vm_push(m, "gen_random_binomial", gen_random_binomial(key, b, a)); break;
    default: if (b) vm_push(m, "gen_random_beta", gen_random_beta(key, b, a)); break;
    }
}
