/* test_diag.c — MCMC diagnostics (genc/diag.h): ESS, R-hat, MCSE and summaries against
 * ArviZ on fixed synthetic chains, statistical sanity checks, error paths, output. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "oom.h"
#include "genc.h"

/* ---- chains: the generator of diag_reference.py, in exact IEEE arithmetic ---- */

typedef struct lcg {
    uint64_t s;
} lcg;

static double lcg_uniform(lcg *g) {
    g->s = g->s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(g->s >> 11) * (1.0 / 9007199254740992.0);
}

/* Irwin-Hall: mean 0, variance 1, only additions. */
static double lcg_noise(lcg *g) {
    double e = 0.0;
    for (int k = 0; k < 12; k++) e += lcg_uniform(g);
    return e - 6.0;
}

/* nc AR(1) chains of nd draws, stationary with unit variance, chain c shifted by shift c;
 * x is [nc][nd], rows[c] points at chain c. */
static void ar1(uint64_t seed, int64_t nc, int64_t nd, double phi, double shift, double *x,
                const double **rows, int64_t *ndraws) {
    lcg g = {seed};
    double scale = sqrt(1.0 - phi * phi);
    for (int64_t c = 0; c < nc; c++) {
        double v = lcg_noise(&g);
        for (int64_t i = 0; i < nd; i++) {
            v = phi * v + scale * lcg_noise(&g);
            x[c * nd + i] = v + shift * (double)c;
        }
        rows[c] = x + c * nd;
        ndraws[c] = nd;
    }
}

/* ---- against ArviZ ---- */

typedef struct ref_set {
    uint64_t seed;
    int64_t nc, nd;
    double phi, shift;
    bool ties; /* floor(2 x): many ties for the ranks */
    /* ess_bulk, ess_tail, ess_basic, ess_q25, rhat, rhat_basic, mcse_mean, mcse_sd,
     * mcse_q5, mcse_q50, mean, sd, median, q5, q50, q95 */
    double want[16];
} ref_set;

/* tests/infer/diag_reference.py with arviz 0.23.4, numpy 2.4.6, scipy 1.17.1: the private
 * functions of arviz/stats/diagnostics.py (_ess_bulk, _ess_tail, _ess_mean, _ess_quantile,
 * _rhat_rank, _rhat(_split_chains(x)), _mcse_mean, _mcse_sd, _mcse_quantile; az.ess and
 * az.rhat give the same), the moments by numpy and the quantiles by ArviZ's
 * stats_utils.quantile. C has one chain: ArviZ's _rhat_rank gives NaN there, so its R-hat
 * is _rhat_rank's formula on the split chains. */
static const ref_set REFS[] = {
    {1, 4, 500, 0.5, 0.0, false,
     {702.49078279811192, 1117.7788517621368, 699.64917030882657, 890.99698601172554,
      1.0026353892405357, 1.0026762981503712, 0.036919220520122191, 0.021466268107158647,
      0.04773273009773138, 0.031909075143820811, -0.014398566473323, 0.97654595369652342,
      -0.026956106593716098, -1.6364613844742599, -0.026956106593716098, 1.6117720327057155}},
    {2, 4, 301, 0.9, 0.5, false,
     {12.787259307902628, 134.1909723393039, 12.263041584067309, 30.619432256886562,
      1.2478540752634375, 1.2621745687749915, 0.33846496532993087, 0.065076502828311955,
      0.16500231977906227, 0.34142542357369665, 0.78131261910310335, 1.1852577993812172,
      0.70994027462457243, -1.0961439085268465, 0.70994027462457243, 2.8205821434568041}},
    {3, 1, 1000, -0.3, 0.0, false,
     {1473.6766612362603, 997.15895354589907, 1488.2324083541739, 1083.8757312255132,
      1.0001038506112825, 1.0000670489054948, 0.025591493932099061, 0.026068129104046656,
      0.092115961758496012, 0.031326148529381037, -0.022912490472918136, 0.98725880989452919,
      -0.03752149061926395, -1.5635040197171619, -0.03752149061926395, 1.7087509965197087}},
    {4, 2, 7, 0.0, 0.0, false,
     {12.9501749525715, 12.9501749525715, 12.9501749525715, 12.9501749525715,
      0.97434341164761151, 0.91923279075356057, 0.19284453586665182, 0.12278678283797993,
      0.40409269269372006, 0.17069313430233235, 0.31674641646890161, 0.69397712551657176,
      0.50013926186939406, -0.79403580910001326, 0.50013926186939406, 1.0501020470555151}},
    {5, 3, 200, 0.7, 0.0, true,
     {115.89324021001609, 215.5720961398543, 114.83125114790867, 182.88811533448416,
      1.0047685548974694, 1.0048901543528248, 0.19346425678511653, 0.11355000758059769,
      0.5, 0.5, -0.57666666666666666, 2.0731502942284852,
      -1, -4, -1, 3}},
};

static void check_ref(const ref_set *r) {
    int64_t n = r->nc * r->nd, ndraws[8];
    double *x = malloc((size_t)n * sizeof *x), got[16], rtol = 1e-9;
    const double *rows[8];
    ar1(r->seed, r->nc, r->nd, r->phi, r->shift, x, rows, ndraws);
    if (r->ties)
        for (int64_t i = 0; i < n; i++) x[i] = floor(2.0 * x[i]);
    CHECK_OK(gen_ess_bulk(rows, r->nc, ndraws, &got[0]));
    CHECK_OK(gen_ess_tail(rows, r->nc, ndraws, &got[1]));
    CHECK_OK(gen_ess_basic(rows, r->nc, ndraws, &got[2]));
    CHECK_OK(gen_ess_quantile(rows, r->nc, ndraws, 0.25, &got[3]));
    CHECK_OK(gen_rhat(rows, r->nc, ndraws, &got[4]));
    CHECK_OK(gen_rhat_basic(rows, r->nc, ndraws, &got[5]));
    CHECK_OK(gen_mcse_mean(rows, r->nc, ndraws, &got[6]));
    CHECK_OK(gen_mcse_sd(rows, r->nc, ndraws, &got[7]));
    CHECK_OK(gen_mcse_quantile(rows, r->nc, ndraws, 0.05, &got[8]));
    CHECK_OK(gen_mcse_quantile(rows, r->nc, ndraws, 0.5, &got[9]));
    for (int k = 0; k < 10; k++) {
        if (!check_close_at(__FILE__, __LINE__, "statistic", got[k], r->want[k], rtol, 0))
            fprintf(stderr, "  (set with seed %d, statistic %d)\n", (int)r->seed, k);
    }
    gen_summary s;
    CHECK_OK(gen_summarize(rows, r->nc, ndraws, NULL, 0, &s));
    CHECK(s.nprobs == 3 && s.probs[0] == 0.05 && s.probs[1] == 0.5 && s.probs[2] == 0.95);
    double sum[] = {s.ess_bulk, s.ess_tail, s.rhat, s.mcse_mean, s.mcse_sd, s.mean, s.sd,
                    s.median, s.quantiles[0], s.quantiles[1], s.quantiles[2]};
    int idx[] = {0, 1, 4, 6, 7, 10, 11, 12, 13, 14, 15};
    for (int k = 0; k < 11; k++) {
        /* the mean's rounding differs from numpy's pairwise sums: 1e-12 absolute */
        if (!check_close_at(__FILE__, __LINE__, "summary", sum[k], r->want[idx[k]], rtol, 1e-12))
            fprintf(stderr, "  (set with seed %d, summary entry %d)\n", (int)r->seed, k);
    }
    free(x);
}

static void test_against_arviz(void) {
    for (size_t i = 0; i < sizeof REFS / sizeof REFS[0]; i++) check_ref(&REFS[i]);
}

/* A [C, N, P] array gives each parameter's values; [C, N] the single one. */
static void test_arrays(void) {
    const ref_set *a = &REFS[0], *b = &REFS[1];
    int64_t nc = 4, nd = 300, ndraws[4];
    double *xa = malloc(sizeof(double) * 4 * 500), *xb = malloc(sizeof(double) * 4 * 301);
    double *packed = malloc(sizeof(double) * 4 * 300 * 2);
    const double *rows[4];
    ar1(a->seed, a->nc, a->nd, a->phi, a->shift, xa, rows, ndraws);
    ar1(b->seed, b->nc, b->nd, b->phi, b->shift, xb, rows, ndraws);
    /* parameter 0: the first 300 draws of set A's chains, parameter 1: of set B's */
    for (int64_t c = 0; c < nc; c++)
        for (int64_t i = 0; i < nd; i++) {
            packed[(c * nd + i) * 2] = xa[c * 500 + i];
            packed[(c * nd + i) * 2 + 1] = xb[c * 301 + i];
        }
    gen_array *arr = CHECK_ARR(gen_array_from(GEN_F64, GEN_DIMS(4, 300, 2), packed));
    double got[3] = {0, 0, 7};
    CHECK_OK(gen_diag_array(gen_ess_bulk, arr, got, 3));
    CHECK(isnan(got[2])); /* NaN beyond the parameters */
    gen_summary s[2];
    CHECK_OK(gen_summarize_array(arr, NULL, 0, s, 2));
    for (int p = 0; p < 2; p++) {
        const double *src = p == 0 ? xa : xb;
        int64_t stride = p == 0 ? 500 : 301;
        for (int64_t c = 0; c < nc; c++) rows[c] = src + c * stride, ndraws[c] = nd;
        double want;
        CHECK_OK(gen_ess_bulk(rows, nc, ndraws, &want));
        CHECK_CLOSE(got[p], want, 1e-15);
        CHECK_CLOSE(s[p].ess_bulk, want, 1e-15);
        CHECK_OK(gen_rhat(rows, nc, ndraws, &want));
        CHECK_CLOSE(s[p].rhat, want, 1e-15);
    }
    /* [C, N]: parameter 1 alone, in f32 (converted) */
    float *f = malloc(sizeof(float) * 4 * 300);
    double *back = malloc(sizeof(double) * 4 * 300);
    for (int64_t i = 0; i < 4 * 300; i++) back[i] = f[i] = (float)packed[2 * i + 1];
    gen_array *f32 = CHECK_ARR(gen_array_from(GEN_F32, GEN_DIMS(4, 300), f));
    for (int64_t c = 0; c < nc; c++) rows[c] = back + c * nd;
    double one, want;
    CHECK_OK(gen_diag_array(gen_mcse_sd, f32, &one, 1));
    CHECK_OK(gen_mcse_sd(rows, nc, ndraws, &want));
    CHECK_CLOSE(one, want, 1e-15);
    /* errors */
    CHECK(gen_diag_array(gen_ess_bulk, arr, got, 1) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "out holds 1 values, the draws have 2 parameters");
    CHECK(gen_summarize_array(gen_zeros(GEN_F64, GEN_DIMS(8)), NULL, 0, s, 2) == GEN_ERR_SHAPE);
    CHECK_ERROR(GEN_ERR_SHAPE, "draws have 1 axes");
    CHECK(gen_diag_array(gen_ess_bulk, gen_zeros(GEN_F64, GEN_DIMS(2, 3, 2)), got, 2) ==
          GEN_ERR_SHAPE);
    CHECK_ERROR(GEN_ERR_SHAPE, "parameter 0: gen_ess_bulk: chain 0 has 3 draws");
    CHECK(isnan(got[0]) && isnan(got[1]));
    gen_error_clear();
    CHECK(gen_diag_array(gen_ess_bulk, NULL, got, 2) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "draws is NULL");
    /* a NULL array from a failed operation passes its error on */
    gen_array *bad = gen_reshape(arr, GEN_DIMS(7));
    CHECK(bad == NULL);
    gen_status pending = gen_error_status();
    CHECK(gen_summarize_array(bad, NULL, 0, s, 2) == pending);
    gen_error_clear();
    free(xa), free(xb), free(packed), free(f), free(back);
}

/* ---- statistical sanity: the ESS of AR(1) chains is n (1 - phi) / (1 + phi) ---- */

/* Over R independent sets of 4 chains, the mean of ESS / expected is 1 within 4 standard
 * errors (measured: within 1.4 for every phi here). */
static void check_ar1_ess(double phi, int64_t nd) {
    enum { R = 20, NC = 4 };
    double *x = malloc(sizeof(double) * NC * (size_t)nd), ratio[3][R];
    const double *rows[NC];
    int64_t ndraws[NC];
    double expected = (double)(NC * nd) * (1 - phi) / (1 + phi);
    for (int k = 0; k < R; k++) {
        ar1(1000 + (uint64_t)k, NC, nd, phi, 0.0, x, rows, ndraws);
        double e[3];
        CHECK_OK(gen_ess_basic(rows, NC, ndraws, &e[0]));
        CHECK_OK(gen_ess_bulk(rows, NC, ndraws, &e[1]));
        CHECK_OK(gen_ess_tail(rows, NC, ndraws, &e[2]));
        for (int j = 0; j < 3; j++) ratio[j][k] = e[j] / expected;
    }
    for (int j = 0; j < 2; j++) { /* tail ESS measures something else: checked below */
        double m = 0, v = 0;
        for (int k = 0; k < R; k++) m += ratio[j][k];
        m /= R;
        for (int k = 0; k < R; k++) v += (ratio[j][k] - m) * (ratio[j][k] - m);
        double se = sqrt(v / (R - 1) / R);
        CHECK_NEAR(m, 1.0, 4 * se);
    }
    for (int k = 0; k < R; k++) CHECK(ratio[2][k] > 0.3 && ratio[2][k] < 3);
    free(x);
}

static void test_ess_sanity(void) {
    check_ar1_ess(0.0, 1000); /* iid: ESS ~ n */
    check_ar1_ess(0.5, 1000);
    check_ar1_ess(0.9, 2000);
    check_ar1_ess(-0.3, 1000); /* antithetic: ESS > n */
    /* one long chain: the FFT path at n = 2^17 + 1 */
    int64_t nd = (1 << 17) + 1, ndraws[1];
    double *x = malloc(sizeof(double) * (size_t)nd), e;
    const double *rows[1];
    ar1(77, 1, nd, 0.8, 0.0, x, rows, ndraws);
    CHECK_OK(gen_ess_basic(rows, 1, ndraws, &e));
    CHECK_CLOSE(e, (double)nd * 0.2 / 1.8, 0.05);
    free(x);
}

static void test_rhat_sanity(void) {
    int64_t ndraws[4];
    double *x = malloc(sizeof(double) * 4 * 1000), r, rb;
    const double *rows[4];
    ar1(9, 4, 1000, 0.5, 0.0, x, rows, ndraws);
    CHECK_OK(gen_rhat(rows, 4, ndraws, &r));
    CHECK_OK(gen_rhat_basic(rows, 4, ndraws, &rb));
    CHECK(r >= rb - 1e-3);   /* bulk-and-tail is at least about the classic one */
    CHECK(r < 1.01 && rb < 1.01);
    ar1(9, 4, 1000, 0.5, 0.5, x, rows, ndraws); /* chain means 0, 0.5, 1, 1.5 */
    CHECK_OK(gen_rhat(rows, 4, ndraws, &r));
    CHECK_OK(gen_rhat_basic(rows, 4, ndraws, &rb));
    CHECK(r > 1.1 && rb > 1.1);
    /* scale differences only: the tail (folded) R-hat sees them, the classic does not */
    ar1(10, 4, 1000, 0.0, 0.0, x, rows, ndraws);
    for (int64_t i = 2000; i < 4000; i++) x[i] *= 4;
    CHECK_OK(gen_rhat(rows, 4, ndraws, &r));
    CHECK_OK(gen_rhat_basic(rows, 4, ndraws, &rb));
    CHECK(r > 1.1 && rb < 1.01);
    free(x);
}

/* ---- edge cases and errors ---- */

static void test_constant(void) {
    double c0[6] = {2, 2, 2, 2, 2, 2}, c1[6] = {2, 2, 2, 2, 2, 2}, v;
    const double *rows[2] = {c0, c1};
    int64_t nd[2] = {6, 6};
    gen_diag_fn fns[] = {gen_ess_bulk, gen_ess_tail, gen_ess_basic, gen_rhat, gen_rhat_basic,
                         gen_mcse_mean, gen_mcse_sd};
    for (size_t k = 0; k < sizeof fns / sizeof fns[0]; k++) {
        v = 0;
        CHECK_OK(fns[k](rows, 2, nd, &v));
        CHECK(isnan(v));
    }
    CHECK_OK(gen_ess_quantile(rows, 2, nd, 0.3, &v));
    CHECK(isnan(v));
    CHECK_OK(gen_mcse_quantile(rows, 2, nd, 0.3, &v));
    CHECK(isnan(v));
    gen_summary s;
    double probs[] = {0.1, 0.9};
    CHECK_OK(gen_summarize(rows, 2, nd, probs, 2, &s));
    CHECK(s.mean == 2 && s.sd == 0 && s.median == 2 && s.quantiles[0] == 2 &&
          s.quantiles[1] == 2);
    CHECK(s.nprobs == 2 && s.probs[1] == 0.9);
    CHECK(isnan(s.ess_bulk) && isnan(s.ess_tail) && isnan(s.rhat) && isnan(s.mcse_mean));
    /* each chain constant, at different values: chains never mix, R-hat is infinite */
    for (int i = 0; i < 6; i++) c1[i] = 3;
    CHECK_OK(gen_rhat(rows, 2, nd, &v));
    CHECK(isinf(v) && v > 0);
    CHECK_OK(gen_rhat_basic(rows, 2, nd, &v));
    CHECK(isinf(v) && v > 0);
}

static void test_errors(void) {
    double a[5] = {1, 2, 3, 4, 5}, b[5] = {2, 1, 4, 3, 6}, v = 0;
    const double *rows[2] = {a, b};
    int64_t nd[2] = {5, 5};
    CHECK(gen_ess_bulk(rows, 2, (int64_t[]){3, 3}, &v) == GEN_ERR_SHAPE);
    CHECK_ERROR(GEN_ERR_SHAPE, "gen_ess_bulk: chain 0 has 3 draws: need at least 4");
    CHECK(isnan(v));
    CHECK(gen_rhat(rows, 2, (int64_t[]){5, 4}, &v) == GEN_ERR_SHAPE);
    CHECK_ERROR(GEN_ERR_SHAPE, "chain 1 has 4 draws but chain 0 has 5: chains must have equal");
    CHECK(gen_mcse_mean(rows, 0, nd, &v) == GEN_ERR_SHAPE);
    CHECK_ERROR(GEN_ERR_SHAPE, "gen_mcse_mean: 0 chains");
    b[2] = NAN;
    CHECK(gen_ess_tail(rows, 2, nd, &v) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_ess_tail: draw 2 of chain 1 is NaN");
    b[2] = -INFINITY;
    CHECK(gen_mcse_sd(rows, 2, nd, &v) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "draw 2 of chain 1 is infinite");
    b[2] = 4;
    gen_summary s;
    CHECK(gen_summarize(rows, 2, (int64_t[]){5, 6}, NULL, 0, &s) == GEN_ERR_SHAPE);
    CHECK_ERROR(GEN_ERR_SHAPE, "gen_summarize: chain 1 has 6 draws");
    CHECK(isnan(s.mean) && isnan(s.rhat));
    CHECK(gen_ess_quantile(rows, 2, nd, 1.0, &v) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_ess_quantile: prob 1 is not in (0, 1)");
    CHECK(gen_mcse_quantile(rows, 2, nd, NAN, &v) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "prob nan is not in (0, 1)");
    CHECK(gen_summarize(rows, 2, nd, (double[]){0.5, 0}, 2, &s) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "quantile level 1 is 0, not in (0, 1)");
    CHECK(gen_summarize(rows, 2, nd, (double[]){0.5}, GEN_SUMMARY_MAX_PROBS + 1, &s) ==
          GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "17 quantile levels: at most 16");
    CHECK(gen_ess_bulk(rows, 2, nd, NULL) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_ess_bulk: out is NULL");
    CHECK(gen_ess_bulk(NULL, 2, nd, &v) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "chains or ndraws is NULL");
    CHECK(gen_ess_bulk((const double *[]){a, NULL}, 2, nd, &v) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "chain 1 is NULL");
    /* four draws are enough */
    CHECK_OK(gen_ess_bulk(rows, 2, (int64_t[]){4, 4}, &v));
    CHECK(isfinite(v) && v > 0);
}

/* ---- output ---- */

static double json_number(const char *line, const char *key) {
    const char *p = strstr(line, key);
    return p ? strtod(p + strlen(key), NULL) : NAN;
}

static void test_output(void) {
    const ref_set *r = &REFS[0];
    double *x = malloc(sizeof(double) * 4 * 500), c[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    const double *rows[4];
    int64_t nd[4];
    ar1(r->seed, r->nc, r->nd, r->phi, r->shift, x, rows, nd);
    gen_summary s[2];
    CHECK_OK(gen_summarize(rows, 4, nd, NULL, 0, &s[0]));
    CHECK_OK(gen_summarize((const double *[]){c, c + 4}, 2, (int64_t[]){4, 4}, NULL, 0, &s[1]));
    const char *names[] = {"theta", "constant_one"};
    FILE *f = tmpfile();
    CHECK_OK(gen_summary_print(f, s, 2, names));
    char buf[4096];
    rewind(f);
    size_t len = fread(buf, 1, sizeof buf - 1, f);
    buf[len] = '\0';
    fclose(f);
    /* header and two rows, columns at fixed positions */
    const char *want_header = "param              mean         sd     median         5%        50%"
                              "        95%  mcse_mean    mcse_sd  ess_bulk  ess_tail   r_hat\n";
    CHECK(strncmp(buf, want_header, strlen(want_header)) == 0);
    const char *row0 = buf + strlen(want_header);
    CHECK(strncmp(row0, "theta           -0.0144     0.9765   -0.02696     -1.636   -0.02696"
                        "      1.612      0.037      0.021       702      1118   1.003\n",
                  strlen(want_header)) == 0);
    CHECK(strstr(buf, "constant_one          1          0          1          1          1"
                      "          1        nan        nan       nan       nan     nan\n") != NULL);
    if (strncmp(buf, want_header, strlen(want_header)) != 0) fprintf(stderr, "%s", buf);

    f = tmpfile();
    CHECK_OK(gen_summary_write_json(f, s, 2, NULL));
    rewind(f);
    len = fread(buf, 1, sizeof buf - 1, f);
    buf[len] = '\0';
    fclose(f);
    char *second = strchr(buf, '\n');
    CHECK(second != NULL && strchr(second + 1, '\n') == buf + len - 1);
    if (!second) return;
    *second++ = '\0';
    CHECK(strncmp(buf, "{\"name\":\"[0]\",\"mean\":", 21) == 0);
    CHECK(json_number(buf, "\"ess_bulk\":") == s[0].ess_bulk); /* exact round trip */
    CHECK(json_number(buf, "\"rhat\":") == s[0].rhat);
    CHECK(json_number(buf, "{\"prob\":0.95,\"value\":") == s[0].quantiles[2]);
    CHECK(strstr(second, "\"name\":\"[1]\",\"mean\":1,\"sd\":0,\"median\":1") != NULL);
    CHECK(strstr(second, "\"ess_bulk\":null,\"ess_tail\":null,\"rhat\":null}") != NULL);
    CHECK(gen_summary_print(NULL, s, 2, NULL) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_summary_print: f or s is NULL");
    CHECK(gen_summary_write_json(stdout, s, -1, NULL) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "n = -1 is negative");
    free(x);
}

/* ---- out of memory: every allocation failing in turn leaks nothing ---- */

static gen_status workload(void) {
    double x[2 * 40];
    const double *rows[2] = {x, x + 40};
    int64_t nd[2] = {40, 40};
    lcg g = {3};
    for (int i = 0; i < 80; i++) x[i] = lcg_noise(&g);
    gen_summary s;
    gen_status st = gen_summarize(rows, 2, nd, NULL, 0, &s);
    double v;
    if (st == GEN_OK) st = gen_mcse_quantile(rows, 2, nd, 0.2, &v);
    if (st == GEN_OK) st = gen_rhat_basic(rows, 2, nd, &v);
    gen_array *a = st == GEN_OK ? gen_array_from(GEN_F64, GEN_DIMS(2, 40), x) : NULL;
    if (st == GEN_OK && !a) st = gen_error_status();
    if (st == GEN_OK) st = gen_summarize_array(a, NULL, 0, &s, 1);
    if (st == GEN_OK) st = gen_diag_array(gen_ess_tail, a, &v, 1);
    return st;
}

static void test_out_of_memory(void) { CHECK_OOM(workload, 21); }

int main(void) {
    RUN(test_against_arviz);
    RUN(test_arrays);
    RUN(test_ess_sanity);
    RUN(test_rhat_sanity);
    RUN(test_constant);
    RUN(test_errors);
    RUN(test_output);
    RUN(test_out_of_memory);
    return check_finish();
}
