/* test_cuda_random.c — randomness on the GPU against the CPU's, element by element, for
 * the same keys (docs/random.md: element i is a pure function of (key, i)).
 *
 * What is expected, and why:
 *  - bits and uniforms (f64, f32): equal bit for bit (integer arithmetic and exact
 *    conversions), for 1e6 elements and odd sizes and shapes;
 *  - normals: equal bit for bit wherever the ziggurat's rectangle decides (about 99% of
 *    elements: exact arithmetic on fixed tables, checked per element); the rest go
 *    through exp and log, where CUDA and glibc may differ by an ulp: tail values may then
 *    differ by a few ulps ("close"), and in principle a comparison with exp/log can fall
 *    the other way ("flipped": another value altogether) — with ulp-sized differences
 *    that has probability ~1e-16 per comparison, so at most 2 are allowed per case;
 *  - samplers over parameter grids: integers (Poisson, binomial) equal except flips; gamma
 *    with alpha >= 1 and beta with a, b >= 1 are exact arithmetic on the accepted normal,
 *    so they are equal except where the normal came from the ziggurat's tail (about
 *    2.6e-4 of attempts: at most 1e-3 of a cell's elements may be merely close); the
 *    boosted gamma (alpha < 1) and beta from logarithms apply exp/log to every element, so
 *    any number may be close (relative difference below 1e-9, far above the ulp-level
 *    differences, far below those of independent draws); flips at most 2 per sampler;
 *  - KS tests of GPU draws against exact CDFs (GSL) and chi-square tests of GPU counts at
 *    fixed keys;
 *  - placement: draws on the default device, samplers on their parameters' device (small
 *    host parameters travel), parameter errors with the CPU's messages.
 * Skips (77) without a GPU. */
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cuda_testutil.h"
#include "stats.h"
#include "../../src/random/random_hd.h"

static gen_device dev;

/* Element counts of a comparison of GPU values with the CPU's. */
typedef struct {
    int64_t same, close, flipped;
} diffs;

static double *f64_copy(const gen_array *a) {
    int64_t n = gen_array_size(a);
    double *d = malloc((size_t)(n ? n : 1) * sizeof *d);
    CHECK_OK(gen_array_copy_to(a, GEN_F64, d, (size_t)n * sizeof *d));
    return d;
}

/* Elements [from, to) of gpu against cpu: identical, close (relative difference below
 * rel, or both below 1e-300: the subnormal range, where exp's rounding is absolute), or
 * flipped. */
static diffs compare(const double *gpu, const double *cpu, int64_t from, int64_t to, double rel) {
    diffs d = {0, 0, 0};
    for (int64_t i = from; i < to; i++) {
        double g = gpu[i], c = cpu[i];
        if (g == c || (g != g && c != c)) d.same++;
        else if (fabs(g - c) <= rel * fmax(fabs(g), fabs(c)) || (fabs(g) < 1e-300 && fabs(c) < 1e-300)) d.close++;
        else d.flipped++;
    }
    return d;
}

/* The arrays' bytes are equal (dtype, shape and elements). */
static bool same_bits(const gen_array *gpu, const gen_array *cpu) {
    if (!gpu || !cpu || gen_array_dtype(gpu) != gen_array_dtype(cpu) || gen_array_size(gpu) != gen_array_size(cpu))
        return false;
    gen_array *h = cuda_test_host((gen_array *)gpu);
    size_t n = (size_t)gen_array_size(cpu) * gen_dtype_size(gen_array_dtype(cpu));
    return h && (n == 0 || !memcmp(gen_array_data(h), gen_array_data(cpu), n));
}

/* ---- draws without parameters ---- */

static void test_bits_and_uniforms_exact(void) {
    static const struct {
        int ndim;
        int64_t shape[3];
    } shapes[] = {{1, {1000000}}, {1, {9}}, {1, {17}}, {1, {1023}}, {2, {7, 13}}, {3, {7, 13, 11}}, {1, {0}},
                  {1, {999999}}};
    gen_key key = gen_key_new(20240611);
    for (size_t j = 0; j < sizeof shapes / sizeof *shapes; j++) {
        int nd = shapes[j].ndim;
        const int64_t *sh = shapes[j].shape;
        gen_scope_begin();
        gen_array *cb = gen_random_bits(key, nd, sh), *cu = gen_random_uniform(key, GEN_F64, nd, sh),
                  *cf = gen_random_uniform(key, GEN_F32, nd, sh);
        gen_device old = gen_device_set_default(dev);
        gen_array *gb = gen_random_bits(key, nd, sh), *gu = gen_random_uniform(key, GEN_F64, nd, sh),
                  *gf = gen_random_uniform(key, GEN_F32, nd, sh);
        gen_device_set_default(old);
        int64_t n = gen_array_size(cb);
        CHECK(gen_array_device(gb) == (n * 8 > 64 ? dev : GEN_DEVICE_CPU));
        CHECK(gen_array_device(gf) == (n * 4 > 64 ? dev : GEN_DEVICE_CPU));
        CHECK(same_bits(gb, cb));
        CHECK(same_bits(gu, cu));
        CHECK(same_bits(gf, cf));
        gen_scope_end();
    }
}

/* Normals of 1e6 elements, f64 and f32: the rectangle path (decided on the host from
 * the raw bits, with the CPU's own procedure) is exact; the rest close, at most 2 flipped. */
static void test_normals(void) {
    const int64_t n = 1000000;
    gen_key key = gen_key_new(777);
    gen_array *bits = gen_random_bits(key, GEN_DIMS(n));
    const uint64_t *w = gen_array_data(bits);
    for (int t = 0; t < 2; t++) {
        gen_dtype dt = t ? GEN_F32 : GEN_F64;
        gen_array *c = gen_random_normal(key, dt, GEN_DIMS(n));
        gen_device old = gen_device_set_default(dev);
        gen_array *g = CHECK_ARR(gen_random_normal(key, dt, GEN_DIMS(n)));
        gen_device_set_default(old);
        CHECK(gen_array_device(g) == dev);
        double *gv = f64_copy(g), *cv = f64_copy(c);
        int64_t rect = 0, rect_mismatch = 0;
        diffs other = {0, 0, 0};
        for (int64_t i = 0; i < n; i++) {
            double x;
            if (rnd_normal_rect(w[i], &x)) {
                rect++;
                rect_mismatch += gv[i] != cv[i];
            } else {
                diffs d = compare(gv, cv, i, i + 1, t ? 1e-6 : 1e-14);
                other.same += d.same, other.close += d.close, other.flipped += d.flipped;
            }
        }
        printf("normal %s: %lld by the rectangle (%lld differ); of the other %lld: %lld equal, %lld close, %lld "
               "flipped\n",
               t ? "f32" : "f64", (long long)rect, (long long)rect_mismatch, (long long)(n - rect),
               (long long)other.same, (long long)other.close, (long long)other.flipped);
        CHECK(rect > 0.98 * (double)n && rect_mismatch == 0);
        CHECK(other.flipped <= 2);
        free(gv);
        free(cv);
        /* odd sizes too */
        gen_array *c7 = gen_random_normal(key, dt, GEN_DIMS(3, 37));
        old = gen_device_set_default(dev);
        gen_array *g7 = gen_random_normal(key, dt, GEN_DIMS(3, 37));
        gen_device_set_default(old);
        double *a = f64_copy(g7), *b = f64_copy(c7);
        diffs d7 = compare(a, b, 0, 111, t ? 1e-6 : 1e-14);
        CHECK(d7.flipped == 0);
        free(a);
        free(b);
    }
    /* the f32 normal is the f64 normal rounded, on the GPU too */
    gen_device old = gen_device_set_default(dev);
    gen_array *g64 = gen_random_normal(key, GEN_F64, GEN_DIMS(4097)), *g32 = gen_random_normal(key, GEN_F32, GEN_DIMS(4097));
    gen_device_set_default(old);
    CHECK(same_bits(g32, gen_cast(gen_array_to_host(g64), GEN_F32)));
}

/* ---- samplers over parameter grids ---- */

#define CELL 20000

/* A host f64 array holding each value of v CELL times in a row. */
static gen_array *grid(const double *v, int nv, int64_t cell) {
    double *d = malloc((size_t)(nv * cell) * sizeof *d);
    for (int k = 0; k < nv; k++)
        for (int64_t i = 0; i < cell; i++) d[k * cell + i] = v[k];
    gen_array *a = gen_array_from(GEN_F64, GEN_DIMS(nv * cell), d);
    free(d);
    return a;
}

static void test_gamma_grid(void) {
    static const double alphas[] = {1e-3, 0.1, 0.5, 0.999, 1, 1.5, 2.5, 10, 30, 1e3, 1e6};
    const int na = sizeof alphas / sizeof *alphas;
    gen_key key = gen_key_new(31);
    for (int t = 0; t < 2; t++) {
        gen_array *alpha = grid(alphas, na, CELL);
        if (t) alpha = gen_cast(alpha, GEN_F32);
        gen_array *c = gen_random_gamma(key, alpha);
        gen_array *g = CHECK_ARR(gen_random_gamma(key, gen_array_to_device(alpha, dev)));
        CHECK(gen_array_device(g) == dev && gen_array_dtype(g) == gen_array_dtype(c));
        double *gv = f64_copy(g), *cv = f64_copy(c);
        int64_t flipped = 0;
        for (int k = 0; k < na; k++) {
            diffs d = compare(gv, cv, k * CELL, (k + 1) * CELL, t ? 1e-6 : 1e-9);
            printf("gamma(%g) %s: %lld equal, %lld close, %lld flipped\n", alphas[k], t ? "f32" : "f64",
                   (long long)d.same, (long long)d.close, (long long)d.flipped);
            if (alphas[k] >= 1) CHECK(d.close <= CELL / 1000);
            flipped += d.flipped;
        }
        CHECK(flipped <= 2);
        free(gv);
        free(cv);
    }
}

static void test_beta_grid(void) {
    static const double v[] = {1e-3, 0.1, 0.5, 1, 2.5, 30};
    const int nv = sizeof v / sizeof *v;
    const int64_t cell = 5000;
    double av[36], bv[36];
    for (int i = 0; i < nv; i++)
        for (int j = 0; j < nv; j++) av[i * nv + j] = v[i], bv[i * nv + j] = v[j];
    gen_array *a = grid(av, nv * nv, cell), *b = grid(bv, nv * nv, cell);
    gen_key key = gen_key_new(32);
    gen_array *c = gen_random_beta(key, a, b);
    gen_array *g = CHECK_ARR(gen_random_beta(key, gen_array_to_device(a, dev), gen_array_to_device(b, dev)));
    CHECK(gen_array_device(g) == dev);
    double *gv = f64_copy(g), *cv = f64_copy(c);
    int64_t flipped = 0;
    for (int k = 0; k < nv * nv; k++) {
        diffs d = compare(gv, cv, k * cell, (k + 1) * cell, 1e-9);
        if (d.close || d.flipped)
            printf("beta(%g, %g): %lld equal, %lld close, %lld flipped\n", av[k], bv[k], (long long)d.same,
                   (long long)d.close, (long long)d.flipped);
        if (av[k] >= 1 && bv[k] >= 1) CHECK(d.close <= 2 * cell / 1000);
        flipped += d.flipped;
    }
    CHECK(flipped <= 2);
    free(gv);
    free(cv);
    /* broadcasting on the device: a [6, 1] against b [6], f32 both (an f32 result) */
    gen_array *a61 = gen_cast(gen_array_from(GEN_F64, GEN_DIMS(6, 1), v), GEN_F32);
    gen_array *b6 = gen_cast(gen_array_from(GEN_F64, GEN_DIMS(6), v), GEN_F32);
    gen_array *gb = CHECK_ARR(gen_random_beta(key, gen_array_to_device(a61, dev), gen_array_to_device(b6, dev)));
    gen_array *cb = gen_random_beta(key, a61, b6);
    CHECK(gen_array_dtype(gb) == GEN_F32);
    CHECK_SHAPE(gb, 6, 6);
    double *x = f64_copy(gb), *y = f64_copy(cb);
    CHECK(compare(x, y, 0, 36, 1e-6).flipped == 0);
    free(x);
    free(y);
}

static void test_poisson_grid(void) {
    static const double rates[] = {0, 1e-3, 0.5, 3, 9.99, 10, 50, 1e3, 1e6, 1e12};
    const int nr = sizeof rates / sizeof *rates;
    gen_array *r = grid(rates, nr, CELL);
    gen_key key = gen_key_new(33);
    gen_array *c = gen_random_poisson(key, r);
    gen_array *g = CHECK_ARR(gen_random_poisson(key, gen_array_to_device(r, dev)));
    CHECK(gen_array_device(g) == dev && gen_array_dtype(g) == GEN_I64);
    double *gv = f64_copy(g), *cv = f64_copy(c);
    diffs d = compare(gv, cv, 0, nr * CELL, 0);
    printf("poisson grid: %lld equal, %lld flipped\n", (long long)d.same, (long long)d.flipped);
    CHECK(d.close == 0 && d.flipped <= 2);
    free(gv);
    free(cv);
    /* i64 rates (converted on the device) */
    gen_array *ri = gen_array_from(GEN_I64, GEN_DIMS(5), (int64_t[]){0, 1, 4, 20, 1000});
    CHECK(same_bits(gen_random_poisson(key, gen_array_to_device(ri, dev)), gen_random_poisson(key, ri)));
}

static void test_binomial_grid(void) {
    static const double ns[] = {0, 1, 7, 100, 1000, 1e6, 0x1p40};
    static const double ps[] = {0, 1e-6, 0.01, 0.3, 0.5, 0.7, 0.999, 1};
    const int nn = sizeof ns / sizeof *ns, np = sizeof ps / sizeof *ps;
    const int64_t cell = 4000;
    /* n [nn, 1, cell] against p [np, 1]: broadcast to [nn, np, cell] on the device */
    double *nd = malloc((size_t)(nn * cell) * sizeof *nd);
    for (int k = 0; k < nn; k++)
        for (int64_t i = 0; i < cell; i++) nd[k * cell + i] = ns[k];
    gen_array *n = gen_cast(gen_array_from(GEN_F64, GEN_DIMS(nn, 1, cell), nd), GEN_I64);
    free(nd);
    gen_array *p = gen_array_from(GEN_F64, GEN_DIMS(np, 1), ps);
    gen_key key = gen_key_new(34);
    gen_array *c = gen_random_binomial(key, n, p);
    gen_array *g = CHECK_ARR(gen_random_binomial(key, gen_array_to_device(n, dev), gen_array_to_device(p, dev)));
    CHECK(gen_array_device(g) == dev);
    CHECK_SHAPE(g, nn, np, cell);
    double *gv = f64_copy(g), *cv = f64_copy(c);
    diffs d = compare(gv, cv, 0, nn * np * cell, 0);
    printf("binomial grid: %lld equal, %lld flipped\n", (long long)d.same, (long long)d.flipped);
    CHECK(d.close == 0 && d.flipped <= 2);
    free(gv);
    free(cv);
    /* n as an integral f64 array, p a host scalar that travels */
    gen_array *nf = gen_array_from(GEN_F64, GEN_DIMS(4), (double[]){3, 30, 300, 3000});
    CHECK(same_bits(gen_random_binomial(key, gen_array_to_device(nf, dev), gen_scalar(0.4)),
                    gen_random_binomial(key, nf, gen_scalar(0.4))));
}

/* ---- goodness of fit of GPU draws ---- */

static double cdf_normal(double x, const double *p) { return (void)p, gsl_cdf_ugaussian_P(x); }
static double cdf_gamma(double x, const double *p) { return gsl_cdf_gamma_P(x, p[0], 1); }
static double cdf_beta(double x, const double *p) { return gsl_cdf_beta_P(x, p[0], p[1]); }

static void test_goodness_of_fit(void) {
    const int64_t n = 100000;
    gen_key key = gen_key_new(4242);
    gen_device old = gen_device_set_default(dev);
    gen_array *z = gen_random_normal(key, GEN_F64, GEN_DIMS(n)), *z32 = gen_random_normal(key, GEN_F32, GEN_DIMS(n));
    gen_array *g05 = gen_random_gamma(key, gen_full(GEN_F64, GEN_DIMS(n), 0.5));
    gen_array *g25 = gen_random_gamma(key, gen_full(GEN_F64, GEN_DIMS(n), 2.5));
    gen_array *g30 = gen_random_gamma(key, gen_full(GEN_F64, GEN_DIMS(n), 30));
    gen_array *b1 = gen_random_beta(key, gen_full(GEN_F64, GEN_DIMS(n), 0.5), gen_scalar(2));
    gen_array *b2 = gen_random_beta(key, gen_full(GEN_F64, GEN_DIMS(n), 2), gen_scalar(3));
    gen_array *p3 = gen_random_poisson(key, gen_full(GEN_F64, GEN_DIMS(n), 3));
    gen_array *p50 = gen_random_poisson(key, gen_full(GEN_F64, GEN_DIMS(n), 50));
    gen_array *bn = gen_random_binomial(key, gen_scalar_i64(1000), gen_full(GEN_F64, GEN_DIMS(n), 0.3));
    gen_array *bs = gen_random_binomial(key, gen_scalar_i64(10), gen_full(GEN_F64, GEN_DIMS(n), 0.2));
    gen_device_set_default(old);
    CHECK(gen_array_device(z) == dev && gen_array_device(g25) == dev && gen_array_device(bn) == dev);
    STATS_KS("normal f64", z, cdf_normal, (double[]){0});
    STATS_KS("normal f32", z32, cdf_normal, (double[]){0});
    STATS_KS("gamma(0.5)", g05, cdf_gamma, (double[]){0.5});
    STATS_KS("gamma(2.5)", g25, cdf_gamma, (double[]){2.5});
    STATS_KS("gamma(30)", g30, cdf_gamma, (double[]){30});
    STATS_KS("beta(0.5, 2)", b1, cdf_beta, (double[]){0.5, 2});
    STATS_KS("beta(2, 3)", b2, cdf_beta, (double[]){2, 3});
    double probs[200];
    for (int k = 0; k < 40; k++) probs[k] = gsl_ran_poisson_pdf((unsigned)k, 3);
    STATS_CHISQ("poisson(3)", p3, probs, 40);
    for (int k = 0; k < 200; k++) probs[k] = gsl_ran_poisson_pdf((unsigned)k, 50);
    STATS_CHISQ("poisson(50)", p50, probs, 200);
    for (int k = 0; k <= 10; k++) probs[k] = gsl_ran_binomial_pdf((unsigned)k, 0.2, 10);
    STATS_CHISQ("binomial(10, 0.2)", bs, probs, 11);
    static double pb[1001];
    for (int k = 0; k <= 1000; k++) pb[k] = gsl_ran_binomial_pdf((unsigned)k, 0.3, 1000);
    STATS_CHISQ("binomial(1000, 0.3)", bn, pb, 1001);
}

/* ---- placement and errors ---- */

static void test_placement_and_errors(void) {
    gen_key key = gen_key_new(8);
    /* only small host parameters: the default device takes a large result, not a small one */
    double v[8] = {0.5, 1, 2, 3, 4, 5, 6, 7};
    gen_array *a = gen_array_from(GEN_F64, GEN_DIMS(8), v), *bcol = gen_array_from(GEN_F64, GEN_DIMS(8, 1), v);
    gen_device old = gen_device_set_default(dev);
    gen_array *d = CHECK_ARR(gen_random_beta(key, a, bcol));
    gen_array *s = CHECK_ARR(gen_random_gamma(key, gen_scalar(2.5)));
    gen_device_set_default(old);
    CHECK(gen_array_device(d) == dev && gen_array_device(s) == GEN_DEVICE_CPU);
    double *x = f64_copy(d), *y = f64_copy(gen_random_beta(key, a, bcol));
    CHECK(compare(x, y, 0, 64, 1e-9).flipped == 0);
    free(x);
    free(y);
    /* bad parameters found on the device, reported with the CPU's messages */
    gen_array *bad = gen_array_to_device(gen_array_from(GEN_F64, GEN_DIMS(100), (double[100]){[57] = -2}), dev);
    CHECK(gen_random_gamma(key, bad) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_random_gamma: alpha must be > 0, got 0 at index [0]");
    double r[100];
    for (int i = 0; i < 100; i++) r[i] = i == 57 ? -1 : 1;
    gen_array *ok = gen_array_to_device(gen_full(GEN_F64, GEN_DIMS(100), 1), dev);
    CHECK(gen_random_poisson(key, gen_array_to_device(gen_array_from(GEN_F64, GEN_DIMS(100), r), dev)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_random_poisson: rate must be >= 0, got -1 at index [57]");
    gen_array *nf = gen_array_to_device(gen_array_from(GEN_F64, GEN_DIMS(2, 2), (double[]){1, 2, 3, 3.5}), dev);
    CHECK(gen_random_binomial(key, nf, gen_scalar(0.5)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_random_binomial: n must be an integer >= 0, got 3.5 at index [1,1]");
    CHECK(gen_random_beta(key, ok, gen_array_to_device(gen_full(GEN_F64, GEN_DIMS(100), NAN), dev)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_random_beta: b must be > 0, got nan at index [0]");
    /* a device parameter with a host one too large to travel */
    CHECK(gen_random_beta(key, ok, gen_full(GEN_F64, GEN_DIMS(100), 1)) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_random_beta: parameters on different devices (a on cuda0, b on cpu)");
    CHECK(gen_device_synchronize(dev) == GEN_OK);
}

int main(void) {
    dev = cuda_test_device("test_cuda_random");
    RUN(test_bits_and_uniforms_exact);
    RUN(test_normals);
    RUN(test_gamma_grid);
    RUN(test_beta_grid);
    RUN(test_poisson_grid);
    RUN(test_binomial_grid);
    RUN(test_goodness_of_fit);
    RUN(test_placement_and_errors);
    return check_finish();
}
