/* test_scalar_grad.c — the fused scalar log densities (a family's logpdf1_grad: one tape
 * node under a single reverse-mode transform, value and partials in plain C) against the
 * array path: the same density at [1]-shaped arguments (which the fused path does not
 * take), value and gradient in every argument, over grids of values inside, at the edge
 * of and outside the support (where the array path's values and partials are limits,
 * possibly infinite, the fused ones must be the same); and against central finite
 * differences strictly inside the support. */
#include <math.h>

#include "check.h"
#include "fd.h"
#include "genc.h"

typedef gen_dist *(*make_fn)(gen_array *const *p);

typedef struct family_case {
    const char *name;
    make_fn make;
    int n_params;
    double params[3][3]; /* up to three parameter settings */
    double xs[10];       /* values tried (NAN ends the list early) */
} family_case;

static gen_dist *make_half_cauchy(gen_array *const *p) { return gen_half_cauchy(p[0]); }
static gen_dist *make_gamma(gen_array *const *p) { return gen_gamma(p[0], p[1]); }
static gen_dist *make_chi2(gen_array *const *p) { return gen_chi2(p[0]); }
static gen_dist *make_beta(gen_array *const *p) { return gen_beta(p[0], p[1]); }
static gen_dist *make_uniform(gen_array *const *p) { return gen_uniform(p[0], p[1]); }
static gen_dist *make_half_normal(gen_array *const *p) { return gen_half_normal(p[0]); }
static gen_dist *make_exponential(gen_array *const *p) { return gen_exponential(p[0]); }
static gen_dist *make_lognormal(gen_array *const *p) { return gen_lognormal(p[0], p[1]); }
static gen_dist *make_cauchy(gen_array *const *p) { return gen_cauchy(p[0], p[1]); }
static gen_dist *make_student_t(gen_array *const *p) { return gen_student_t(p[0], p[1], p[2]); }
static gen_dist *make_inv_gamma(gen_array *const *p) { return gen_inv_gamma(p[0], p[1]); }
static gen_dist *make_laplace(gen_array *const *p) { return gen_laplace(p[0], p[1]); }
static gen_dist *make_logistic(gen_array *const *p) { return gen_logistic(p[0], p[1]); }

static const family_case CASES[] = {
    {"half_cauchy", make_half_cauchy, 1, {{5}, {0.3}, {40}}, {0, 1e-3, 0.5, 1, 4.9, 5.1, 300, -1, NAN}},
    {"gamma", make_gamma, 2, {{2, 1.5}, {0.5, 3}, {1, 0.7}}, {0, 1e-3, 0.5, 2, 7.5, 40, -1, INFINITY, NAN}},
    {"chi2", make_chi2, 1, {{4}, {1}, {2}}, {0, 1e-3, 0.5, 2, 7.5, 40, -1, INFINITY, NAN}},
    {"beta", make_beta, 2, {{2, 3}, {0.5, 0.7}, {1, 1}}, {0, 1e-3, 0.3, 0.5, 0.999, 1, -0.1, 1.5, NAN}},
    {"beta", make_beta, 2, {{1, 4}, {3, 1}, {0.4, 1}}, {0, 1e-3, 0.3, 0.9, 1, 1.5, NAN}},
    {"uniform", make_uniform, 2, {{-1, 2}, {0, 0.5}, {3, 1e3}}, {-1, -0.5, 0, 0.25, 0.5, 2, 3, 999, 1e3, 2e3}},
    {"half_normal", make_half_normal, 1, {{1}, {0.05}, {30}}, {0, 1e-3, 0.04, 1, 3, 100, -1e-3, INFINITY, NAN}},
    {"exponential", make_exponential, 1, {{1}, {0.02}, {40}}, {0, 1e-3, 0.5, 3, 250, -1e-3, INFINITY, NAN}},
    {"lognormal", make_lognormal, 2, {{0, 1}, {-3, 0.2}, {2.5, 4}}, {0, 1e-6, 0.05, 1, 12, 1e4, -1, INFINITY, NAN}},
    {"cauchy", make_cauchy, 2, {{0, 1}, {-2, 0.3}, {5, 40}}, {-1e5, -3, -2.1, -1, 0, 0.5, 5, 300, -INFINITY, INFINITY}},
    /* df on both sides of the series' threshold h = 25 */
    {"student_t", make_student_t, 3, {{3, 0, 1}, {0.7, -2, 0.4}, {49.5, 1, 2}}, {-1e4, -3, -2.1, 0, 0.9, 1, 4, 1e3, INFINITY, NAN}},
    {"student_t", make_student_t, 3, {{50.5, 0, 1}, {300, -1, 5}, {1, 2, 0.1}}, {-40, -1, 0, 2, 2.5, 30, 1e6, -INFINITY, NAN}},
    {"inv_gamma", make_inv_gamma, 2, {{2, 1.5}, {0.5, 0.1}, {7, 20}}, {0, 5e-324, 1e-300, 0.02, 0.2, 1, 3, 1e4, -1, INFINITY}},
    {"laplace", make_laplace, 2, {{0, 1}, {-2, 0.3}, {5, 40}}, {-1e3, -3, -2, -1, 0, 0.5, 5, 300, -INFINITY, INFINITY}},
    {"logistic", make_logistic, 2, {{0, 1}, {-2, 0.3}, {5, 40}}, {-1e4, -800, -2, -1, 0, 0.5, 5, 300, -INFINITY, INFINITY}},
};

/* Whether the density is finite a little either side of x (parameters of setting s),
 * so central differences see no edge of the support. */
static bool interior(const family_case *c, int s, double x) {
    double h = 1e-5 * fmax(1, fabs(x));
    bool ok = true;
    for (int side = -1; side <= 1; side++) {
        gen_scope_begin();
        gen_array *p[3];
        for (int j = 0; j < c->n_params; j++) p[j] = gen_scalar(c->params[s][j]);
        gen_array *lp = gen_dist_logpdf(c->make(p), gen_scalar(x + side * h));
        ok &= lp && isfinite(check_item(lp));
        gen_scope_end();
    }
    return ok;
}

/* logpdf of CASES[*(int *)payload] at in = (x, params...). */
static gen_status lp_fn(void *payload, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)n_in, (void)n_out;
    const family_case *c = &CASES[*(const int *)payload];
    gen_array *lp = gen_dist_logpdf(c->make(in + 1), in[0]);
    out[0] = lp ? gen_sum(lp, 0, NULL, false) : NULL;
    return out[0] ? GEN_OK : gen_error_status();
}

static void check_case(int k) {
    const family_case *c = &CASES[k];
    int n_in = c->n_params + 1;
    for (int s = 0; s < 3; s++) {
        for (int i = 0; i < 10 && !isnan(c->xs[i]); i++) {
            gen_scope_begin();
            gen_array *scalar_in[4], *vector_in[4], *gs[4], *gv[4], *vs = NULL, *vv = NULL;
            for (int j = 0; j < n_in; j++) {
                double v = j ? c->params[s][j - 1] : c->xs[i];
                scalar_in[j] = gen_scalar(v);
                vector_in[j] = gen_full(GEN_F64, GEN_DIMS(1), v);
            }
            gen_closure f = {lp_fn, &k};
            CHECK_OK(gen_value_and_grad(f, n_in, scalar_in, &vs, gs));
            CHECK_OK(gen_value_and_grad(f, n_in, vector_in, &vv, gv));
            if (!vs || !vv) {
                gen_scope_end();
                continue;
            }
            double a = check_item(vs), b = check_item(vv);
            if (!(a == b || fabs(a - b) <= 1e-13 * (1 + fabs(b))))
                check_fail(__FILE__, __LINE__, "%s(p%d) at x = %g: fused logpdf %.17g, array path %.17g", c->name, s,
                           c->xs[i], a, b);
            for (int j = 0; j < n_in; j++) {
                double ga = check_item(gs[j]), gb = check_item(gv[j]);
                if (!(ga == gb || fabs(ga - gb) <= 1e-10 * (1 + fabs(gb))))
                    check_fail(__FILE__, __LINE__, "%s(p%d) at x = %g: d/d(input %d) fused %.17g, array path %.17g",
                               c->name, s, c->xs[i], j, ga, gb);
            }
            if (interior(c, s, c->xs[i]))
                FD_CHECK(c->name, f, n_in, scalar_in, 1, 1e-6, 1e-8);
            gen_scope_end();
        }
    }
}

int main(void) {
    for (int k = 0; k < (int)(sizeof CASES / sizeof *CASES); k++) check_case(k);
    return check_finish();
}
