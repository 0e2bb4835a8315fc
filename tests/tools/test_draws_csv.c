/* test_draws_csv.c — draws as CSV (genc/draws.h): the exact round trip of draws and
 * sampler columns (awkward doubles, NaN and infinities, a stopped chain's NaN rows left
 * out and read back as NaN, names with commas and quotes), the file's text, CmdStan's
 * CSV (comments, dotted names, no chain column), a small NUTS run written with its
 * names, and the errors naming file and line. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define C 2
#define N 5
#define D 4
#define S 3

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    static char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void spit(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) fputs(text, f), fclose(f);
}

static bool same_bits(double a, double b) { return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0; }

static void test_round_trip(void) {
    const char *path = "test_draws_rt.csv";
    double d[C * N * D], s[C * (N + 2) * S];
    for (int i = 0; i < C * N * D; i++) d[i] = (i % 3 == 0 ? -1 : 1) * (0.1 * i + 1.0 / 3.0) * pow(10, i % 7 - 3);
    d[1] = INFINITY, d[2] = -INFINITY, d[3] = 5e-324, d[5] = NAN, d[6] = -0.0;
    for (int k = 0; k < D; k++) d[(1 * N + 3) * D + k] = d[(1 * N + 4) * D + k] = NAN; /* chain 2 stopped after 3 */
    for (int i = 0; i < C * (N + 2) * S; i++) s[i] = i + 0.5;
    for (int k = 0; k < S; k++) s[(1 * (N + 2) + 2 + 3) * S + k] = s[(1 * (N + 2) + 2 + 4) * S + k] = NAN;
    gen_array *draws = gen_array_from_f64(GEN_DIMS(C, N, D), d), *stats = gen_array_from_f64(GEN_DIMS(C, N + 2, S), s);
    const char *names[D] = {"mu", "L[2,1]", "say \"hi\"", " pad"};
    const char *snames[S] = {"lp__", NULL, "energy__"};
    CHECK_OK(gen_draws_write_csv(path, draws, names, stats, snames, 2));
    char *text = slurp(path);
    const char *header = "chain,draw,lp__,energy__,mu,\"L[2,1]\",\"say \"\"hi\"\"\",\" pad\"\n";
    CHECK(text && !strncmp(text, header, strlen(header)));
    CHECK(text && strstr(text, "\n1,1,6.5,8.5,-0.00033333333333333332,Inf,-Inf,4.9406564584124654e-324\n"));
    CHECK(text && strstr(text, "\n2,3,") && !strstr(text, "\n2,4,"));
    gen_array *back = NULL;
    char **bn = NULL;
    int64_t nb = 0;
    CHECK_OK(gen_draws_read_csv(path, &back, &bn, &nb));
    CHECK(nb == D);
    for (int k = 0; bn && k < nb && k < D; k++) CHECK(!strcmp(bn[k], names[k]));
    CHECK_SHAPE(back, C, N, D);
    const double *b = gen_array_data(back);
    for (int i = 0; b && i < C * N * D; i++)
        if (!same_bits(b[i], d[i])) check_fail(__FILE__, __LINE__, "element %d: %.17g, want %.17g", i, b[i], d[i]);
    gen_names_free(bn, nb);
    gen_array *bs = NULL;
    CHECK_OK(gen_draws_read_csv_stats(path, &bs, &bn, &nb));
    CHECK(nb == 2 && !strcmp(bn[0], "lp__") && !strcmp(bn[1], "energy__"));
    CHECK_SHAPE(bs, C, N, 2);
    const double *bsv = gen_array_data(bs);
    for (int c = 0; bsv && c < C; c++)
        for (int i = 0; i < N; i++) {
            bool gone = c == 1 && i >= 3;
            CHECK(same_bits(bsv[(c * N + i) * 2], gone ? NAN : s[(c * (N + 2) + 2 + i) * S]));
            CHECK(same_bits(bsv[(c * N + i) * 2 + 1], gone ? NAN : s[(c * (N + 2) + 2 + i) * S + 2]));
        }
    gen_names_free(bn, nb);
    /* without stats, f32 draws */
    CHECK_OK(gen_draws_write_csv(path, gen_cast(draws, GEN_F32), names, NULL, NULL, 0));
    CHECK_OK(gen_draws_read_csv(path, &back, &bn, &nb));
    CHECK_ARRAY(back, (const double *)gen_array_data(gen_cast(gen_cast(draws, GEN_F32), GEN_F64)), C * N * D, 0, 0);
    gen_names_free(bn, nb);
    remove(path);
}

/* CmdStan's output: comments before, inside and after, sampler columns, dotted names. */
static void test_cmdstan(void) {
    const char *path = "test_draws_cmdstan.csv";
    spit(path, "# stan_version_major = 2\n# model = eight_schools\n"
               "lp__,accept_stat__,stepsize__,treedepth__,n_leapfrog__,divergent__,energy__,mu,theta.1,theta.2,L.2.1,z.real\n"
               "# Adaptation terminated\n# Step size = 0.4\n#\n"
               "-4.5,0.9,0.4,3,7,0,5.1,1.25,-0.5,2e-3,0.1,7\n"
               "\n"
               "-4.25,0.8,0.4,2,3,0,4.9,1.5,-0.75,nan,0.2,8\r\n"
               "# \n#  Elapsed Time: 0.01 seconds (Warm-up)\n");
    gen_array *x = NULL;
    char **nm = NULL;
    int64_t n = 0;
    CHECK_OK(gen_draws_read_csv(path, &x, &nm, &n));
    const char *want[] = {"mu", "theta[1]", "theta[2]", "L[2,1]", "z.real"};
    CHECK(n == 5);
    for (int k = 0; nm && k < n && k < 5; k++) CHECK(!strcmp(nm[k], want[k]));
    CHECK_SHAPE(x, 1, 2, 5);
    CHECK_ARRAY(x, ((double[]){1.25, -0.5, 2e-3, 0.1, 7, 1.5, -0.75, NAN, 0.2, 8}), 10, 0, 0);
    gen_names_free(nm, n);
    CHECK_OK(gen_draws_read_csv_stats(path, &x, &nm, &n));
    CHECK(n == 7 && !strcmp(nm[3], "treedepth__"));
    CHECK_ARRAY(x, ((double[]){-4.5, 0.9, 0.4, 3, 7, 0, 5.1, -4.25, 0.8, 0.4, 2, 3, 0, 4.9}), 14, 0, 0);
    gen_names_free(nm, n);
    remove(path);
}

static void check_read_error(const char *text, const char *msg) {
    const char *path = "test_draws_bad.csv";
    spit(path, text);
    gen_array *x = (gen_array *)1;
    char **nm = (char **)1;
    int64_t n = 1;
    CHECK_ERROR(gen_draws_read_csv(path, &x, &nm, &n), msg);
    CHECK(x == NULL && nm == NULL && n == 0);
    remove(path);
}

static void test_errors(void) {
    check_read_error("chain,draw,a\n1,1,2\n1,2\n", "test_draws_bad.csv line 3: 2 fields, the header has 3");
    check_read_error("chain,draw,a\n1,1,2\n# c\n1,2,x1\n", "test_draws_bad.csv line 4: column a: 'x1' is not a number");
    check_read_error("chain,draw,a\n0,1,2\n", "line 2: the chain '0' is not a positive integer");
    check_read_error("chain,draw,a\n1,1.5,2\n", "line 2: the draw '1.5' is not a positive integer");
    check_read_error("chain,draw,a\n1,1,2\n1,1,3\n", "test_draws_bad.csv: chain 1 draw 1 appears twice");
    check_read_error("a,b,a\n1,2,3\n", "line 1: two columns are named a");
    check_read_error("# only\n\n", "test_draws_bad.csv has no header line");
    check_read_error("chain,draw,\"a\n1,1,2\n", "line 1: a quoted field is not closed");
    gen_array *x = NULL;
    char **nm = NULL;
    int64_t n = 0;
    CHECK_ERROR(gen_draws_read_csv("no/such/dir/draws.csv", &x, &nm, &n), "no/such/dir/draws.csv");
    CHECK_ERROR(gen_draws_read_csv(NULL, &x, &nm, &n), "the path is NULL");
    gen_array *d = gen_zeros(GEN_F64, GEN_DIMS(1, 2, 2));
    const char *names[2] = {"a", NULL};
    CHECK_ERROR(gen_draws_write_csv("x.csv", d, names, NULL, NULL, 0), "gen_draws_write_csv: names[1] is NULL");
    names[1] = "b\nc";
    CHECK_ERROR(gen_draws_write_csv("x.csv", d, names, NULL, NULL, 0), "names[1] holds a line break");
    names[1] = "b";
    CHECK_ERROR(gen_draws_write_csv("x.csv", gen_zeros(GEN_F64, GEN_DIMS(2, 2)), names, NULL, NULL, 0),
                "draws must be a 3-d array");
    CHECK_ERROR(gen_draws_write_csv("x.csv", d, names, gen_zeros(GEN_F64, GEN_DIMS(1, 2, 1)), names, 1),
                "stats must be [chains, m, s] with 1 chains and at least stats_offset (1) + 2 rows");
    CHECK_ERROR(gen_draws_write_csv("no/such/dir/x.csv", d, names, NULL, NULL, 0),
                "gen_draws_write_csv: cannot write no/such/dir/x.csv");
    CHECK_ERROR(gen_draws_write_csv("x.csv", d, NULL, NULL, NULL, 0), "names is NULL");
}

static gen_status model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args, (void)retval;
    gen_array *mu = gen_choose(ctx, "mu", gen_normal(gen_scalar(0), gen_scalar(1)));
    gen_array *beta = gen_choose(ctx, "beta", gen_normal(gen_zeros(GEN_F64, GEN_DIMS(2)), gen_scalar(1)));
    gen_choose(ctx, "y", gen_normal(gen_add(mu, gen_at(beta, 1)), gen_scalar(1)));
    return GEN_OK;
}

/* A short NUTS run written with its names: the columns and values are the result's. */
static void test_nuts(void) {
    const char *path = "test_draws_nuts.csv";
    gen_addr y = {0};
    CHECK_OK(gen_addr_parse(&y, "y"));
    gen_choicemap *obs = gen_choicemap_set(gen_choicemap_empty(), &y, gen_scalar(0.5));
    gen_trace *tr = NULL;
    CHECK_OK(gen_generate(gen_dynamic("m", model), gen_key_new(1), NULL, obs, &tr, NULL));
    gen_selection *sel = gen_select_paths(2, (const char *[]){"mu", "beta"});
    gen_nuts_config cfg = {.warmup = 10, .draws = 6};
    gen_nuts_result r;
    CHECK_OK(gen_nuts_sample(gen_key_new(2), 1, &tr, sel, &cfg, 1, &r));
    if (!r.draws) return;
    CHECK_OK(gen_nuts_write_csv(path, &r, sel));
    char *text = slurp(path);
    const char *header = "chain,draw,lp__,accept_stat__,stepsize__,treedepth__,n_leapfrog__,divergent__,energy__,"
                         "mu,beta[1],beta[2]\n";
    CHECK(text && !strncmp(text, header, strlen(header)));
    gen_array *x = NULL;
    char **nm = NULL;
    int64_t n = 0;
    CHECK_OK(gen_draws_read_csv(path, &x, &nm, &n));
    CHECK(n == 3);
    CHECK_ARRAY(x, (const double *)gen_array_data(r.draws), 18, 0, 0);
    gen_names_free(nm, n);
    CHECK_OK(gen_draws_read_csv_stats(path, &x, &nm, &n));
    CHECK_SHAPE(x, 1, 6, 7);
    const double *st = gen_array_data(r.stats), *xs = gen_array_data(x);
    for (int i = 0; xs && i < 6; i++)
        for (int k = 0; k < 7; k++) CHECK(same_bits(xs[i * 7 + k], st[(10 + i) * GEN_NUTS_NSTATS + k]));
    gen_names_free(nm, n);
    CHECK_ERROR(gen_nuts_write_csv(path, &r, NULL), "the selection names 4 elements of the chains' choices, the draws have 3");
    remove(path);
}

int main(void) {
    RUN(test_round_trip);
    RUN(test_cmdstan);
    RUN(test_errors);
    RUN(test_nuts);
    return check_finish();
}
