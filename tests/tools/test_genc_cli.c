/* test_genc_cli.c — the genc program (tools/genc) run as a subprocess on model files this
 * test writes, in a folder of its own (GENC_CACHE_DIR there too):
 *   - a normal-normal model (mu ~ N(0, 1), y[i] ~ N(mu, 1), four y; b [2] ~ N(0, 1) left
 *     unobserved) under NUTS: exit 0, the summary table's mean of mu within 5 MCSE of the
 *     exact posterior mean sum(y) / 5 (2 x 2000 draws), draws.csv (chain, draw, Stan's
 *     sampler columns, mu, b[1], b[2]: Stan's names; read back by gen_draws_read_csv) and
 *     draws.json with chains x draws rows; no progress bar when stderr is a file;
 *   - the compiled model reused from the cache on a second run (no compilation: the
 *     cached object's mtime and the number of objects unchanged);
 *   - importance sampling: the log marginal likelihood estimate within 5 standard errors
 *     of the exact log N(y; 0, I + 1 1^T);
 *   - errors: an unknown option, an unknown algorithm, a bad data file (named), a model
 *     file with a syntax error (the compiler's message shown once, status 1), a file without
 *     GEN_MODEL, an unknown model (the gallery listed), a missing model file;
 *   - a cycle of kernels: each part's own acceptance (changepoint's Gibbs 1, its HMC part
 *     the rate counted from the draws; mh's part per choice);
 *   - the gallery: `genc list` lists the nine models, each runs (short settings) to a
 *     non-empty draws.csv and report.html, hmm and tracking print their reference;
 *   - --data: eight_schools on a posteriordb-format file of three schools (its columns,
 *     its effects from the draws near the data's); a file with disagreeing shapes: the
 *     model's error; --algorithm hmc (one rate) and gibbs (changepoint's tau; none on the
 *     normal model: an error); an edited model file compiled again (the cache keyed by
 *     content: a new object, the new model's mean), the same content not;
 *   - Ctrl-C: SIGINT during a long MH run stops it with status 130 and keeps the draws
 *     made (0 < rows < requested, "cancelled": true); the same during NUTS, which stops
 *     through the library's progress callback, draws.csv read back;
 *   - the report (report.html): for NUTS one trace plot per column, the statistics table,
 *     a pair plot of the 3 columns, the divergence count equal to the JSON's (0 for the
 *     normal model; > 0 for Neal's funnel, whose divergent draws are marked); for SMC
 *     (the gallery's hmm) the ESS and log marginal likelihood series, the latter with the
 *     forward algorithm's value as a dashed line; for ADVI the ELBO series; --pairs
 *     choosing the pair plot's columns (a name that is no column: status 2); --no-report
 *     and --quiet: no file / no line naming it. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

extern char **environ;

static char dir[256];
static const double Y[4] = {1.0, 2.0, 0.5, 1.5};

static const char *MODEL =
    "/* nn.c: mu ~ N(0, 1), y[i] ~ N(mu, 1) (four), b[2] ~ N(0, 1) */\n"
    "#include \"genc.h\"\n"
    "static gen_status body(gen_ctx *ctx, const gen_args *args, gen_array **retval) {\n"
    "    gen_array *mu = gen_choose(ctx, \"mu\", gen_normal(gen_scalar(0), gen_scalar(1)));\n"
    "    gen_choose(ctx, \"b\", gen_broadcasted_normal(gen_zeros(GEN_F64, GEN_DIMS(2)), gen_scalar(1)));\n"
    "    *retval = gen_choose(ctx, \"y\", gen_broadcasted_normal(gen_mul(mu, gen_ones(GEN_F64, GEN_DIMS(4))),\n"
    "                                                          gen_scalar(1)));\n"
    "    return gen_ctx_status(ctx);\n"
    "}\n"
    "static gen_status setup(gen_model *m, const gen_data *data) {\n"
    "    static const double Y[4] = {1.0, 2.0, 0.5, 1.5};\n"
    "    gen_gf *f = gen_dynamic(\"nn\", body);\n"
    "    gen_choicemap *obs = gen_choicemap_set_path(gen_choicemap_empty(), \"y\",\n"
    "                                                gen_array_from_f64(GEN_DIMS(4), Y));\n"
    "    gen_status s = gen_model_set_gf(m, f, NULL);\n"
    "    return s == GEN_OK ? gen_model_set_observations(m, obs) : s;\n"
    "}\n"
    "GEN_MODEL(\"normal_normal\", \"mu ~ N(0, 1), four y ~ N(mu, 1)\", setup);\n";

/* Neal's funnel: NUTS diverges in its neck. */
static const char *FUNNEL =
    "#include \"genc.h\"\n"
    "static gen_status body(gen_ctx *ctx, const gen_args *args, gen_array **retval) {\n"
    "    gen_array *v = gen_choose(ctx, \"v\", gen_normal(gen_scalar(0), gen_scalar(3)));\n"
    "    *retval = gen_choose(ctx, \"x\", gen_broadcasted_normal(gen_zeros(GEN_F64, GEN_DIMS(2)),\n"
    "                                                            gen_exp(gen_mul(v, gen_scalar(0.5)))));\n"
    "    return gen_ctx_status(ctx);\n"
    "}\n"
    "static gen_status setup(gen_model *m, const gen_data *data) {\n"
    "    return gen_model_set_gf(m, gen_dynamic(\"funnel\", body), NULL);\n"
    "}\n"
    "GEN_MODEL(\"funnel\", \"Neal's funnel\", setup);\n";

static void expect_error(const char *const *args, int want, const char *s1, const char *s2);

static void path_of(char *buf, size_t n, const char *name) { snprintf(buf, n, "%s/%s", dir, name); }

static void write_text(const char *name, const char *text) {
    char p[512];
    path_of(p, sizeof p, name);
    FILE *f = fopen(p, "w");
    CHECK(f != NULL);
    if (!f) return;
    fputs(text, f);
    fclose(f);
}

/* The whole file (malloc'd, "" when missing). */
static char *read_text(const char *path) {
    FILE *f = fopen(path, "rb");
    char *s = NULL;
    long n = 0;
    if (f && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 && (s = malloc((size_t)n + 1))) {
        s[fread(s, 1, (size_t)n, f)] = 0;
    }
    if (f) fclose(f);
    if (!s && (s = malloc(1))) s[0] = 0;
    return s;
}

/* Starts genc with args (NULL-terminated) in dir, its stdout and stderr into out.txt and
 * err.txt; the child's pid. */
static pid_t start(const char *const *args) {
    const char *argv[40];
    int k = 0;
    argv[k++] = GENC_TOOL_EXE;
    for (int i = 0; args[i] && k < 39; i++) argv[k++] = args[i];
    argv[k] = NULL;
    char out[512], err[512];
    path_of(out, sizeof out, "out.txt");
    path_of(err, sizeof err, "err.txt");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid = -1;
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) check_fail(__FILE__, __LINE__, "cannot start %s: %s", argv[0], strerror(rc));
    return rc == 0 ? pid : -1;
}

/* Waits for pid (at most 120 s, then kills it); the exit status, 128 + the signal. */
static int finish(pid_t pid) {
    if (pid < 0) return -1;
    int status = 0;
    for (int i = 0; i < 12000; i++) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        nanosleep(&(struct timespec){0, 10000000}, NULL);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    check_fail(__FILE__, __LINE__, "genc did not finish in 120 s");
    return -1;
}

static int run(const char *const *args) { return finish(start(args)); }

static char *out_text(void) {
    char p[512];
    path_of(p, sizeof p, "out.txt");
    return read_text(p);
}
static char *err_text(void) {
    char p[512];
    path_of(p, sizeof p, "err.txt");
    return read_text(p);
}

/* A number after `key` in text (after the first occurrence of `after`), NaN if absent. */
static double json_number(const char *text, const char *after, const char *key) {
    const char *s = after ? strstr(text, after) : text;
    s = s ? strstr(s, key) : NULL;
    return s ? strtod(s + strlen(key), NULL) : NAN;
}

static int count(const char *text, const char *what) {
    int n = 0;
    for (const char *s = text; (s = strstr(s, what)); s += strlen(what)) n++;
    return n;
}

/* The number of columns draws.json in folder names. */
static int json_columns(const char *folder) {
    char p[600];
    snprintf(p, sizeof p, "%s/draws.json", folder);
    char *js = read_text(p);
    const char *a = strstr(js, "\"columns\": ["), *e = a ? strchr(a, ']') : NULL;
    int n = 0;
    for (const char *s = a; a && e && s < e; s++) n += *s == '"';
    free(js);
    return (n - 2) / 2;
}

/* folder's draws.json's path into p. */
static const char *json_path(char *p, size_t n, const char *folder) {
    snprintf(p, n, "%s/draws.json", folder);
    return p;
}

/* folder's report.html (malloc'd, "" when missing). */
static char *report_text(const char *folder) {
    char p[600];
    snprintf(p, sizeof p, "%s/report.html", folder);
    return read_text(p);
}

static bool exists(const char *folder, const char *name) {
    char p[600];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", folder, name);
    return stat(p, &st) == 0;
}

static int count_lines(const char *text) {
    int n = 0;
    for (; *text; text++) n += *text == '\n';
    return n;
}

/* The compiled model files in the cache folder (cc-<hash>.so): the last one's path into
 * p; how many. */
static int cached_object(char *p, size_t n) {
    char cache[512];
    path_of(cache, sizeof cache, "cache");
    DIR *d = opendir(cache);
    int count = 0;
    p[0] = 0;
    for (struct dirent *e; d && (e = readdir(d));) {
        size_t l = strlen(e->d_name);
        if (strncmp(e->d_name, "cc-", 3) || l < 3 || strcmp(e->d_name + l - 3, ".so")) continue;
        snprintf(p, n, "%.300s/%.200s", cache, e->d_name);
        count++;
    }
    if (d) closedir(d);
    return count;
}

static void test_nuts(void) {
    char model[512], outdir[512], csv[600], json[600];
    path_of(model, sizeof model, "nn.c");
    path_of(outdir, sizeof outdir, "nuts");
    int rc = run((const char *const[]){"run", model, "--chains", "2", "--warmup", "300", "--draws", "2000", "--seed",
                                       "3", "--out", outdir, NULL});
    char *out = out_text(), *err = err_text();
    CHECK(rc == 0);
    if (rc != 0) fprintf(stderr, "genc said:\n%s\n%s\n", out, err);
    CHECK(strchr(err, '\r') == NULL); /* no progress bar: stderr is no terminal */
    /* the summary table: "mu <mean> <sd> ..." */
    const char *row = strstr(out, "\nmu ");
    double mean = row ? strtod(row + 4, NULL) : NAN;
    snprintf(json, sizeof json, "%s/draws.json", outdir);
    char *js = read_text(json);
    double mcse = json_number(js, "{\"name\": \"mu\"", "\"mcse_mean\": ");
    double jmean = json_number(js, "{\"name\": \"mu\"", "\"mean\": ");
    double exact = (Y[0] + Y[1] + Y[2] + Y[3]) / 5;
    CHECK(mcse > 0 && mcse < 0.02);
    CHECK(fabs(mean - exact) < 5 * mcse);
    CHECK_NEAR(mean, jmean, 1e-3 * fabs(jmean));
    /* b's posterior is its prior N(0, 1) */
    double bmean = json_number(js, "{\"name\": \"b[1]\"", "\"mean\": ");
    double bmcse = json_number(js, "{\"name\": \"b[1]\"", "\"mcse_mean\": ");
    CHECK(fabs(bmean) < 5 * bmcse);
    CHECK(strstr(js, "\"columns\": [\"mu\", \"b[1]\", \"b[2]\"]") != NULL);
    CHECK(strstr(js, "\"algorithm\": \"nuts\"") && strstr(js, "\"cancelled\": false"));
    /* the JSON's draws: 2 chains of 500 rows of 3 numbers */
    const char *d = strstr(js, "\"draws\": ["), *e = strstr(js, "\"summary\"");
    int open = 0;
    for (const char *s = d; d && e && s < e; s++) open += *s == '[';
    CHECK(open == 1 + 2 + 2 * 2000);
    snprintf(csv, sizeof csv, "%s/draws.csv", outdir);
    char *cs = read_text(csv);
    const char *header = "chain,draw,lp__,accept_stat__,stepsize__,treedepth__,n_leapfrog__,divergent__,energy__,"
                         "mu,b[1],b[2]\n";
    CHECK(!strncmp(cs, header, strlen(header)));
    CHECK(count_lines(cs) == 1 + 2 * 2000);
    CHECK(strstr(cs, "\n2,2000,") != NULL && strstr(cs, "\n1,1,") == cs + strlen(header) - 1);
    /* it reads back: the library's reader gives the JSON's columns */
    gen_array *back = NULL;
    char **names = NULL;
    int64_t nn = 0;
    CHECK_OK(gen_draws_read_csv(csv, &back, &names, &nn));
    CHECK_SHAPE(back, 2, 2000, 3);
    CHECK(nn == 3 && !strcmp(names[2], "b[2]"));
    gen_names_free(names, nn);
    /* the report: its path printed, a trace and a density per column, the statistics, the
     * divergences as the JSON counts them, the default pair plot of the 3 columns */
    char *rep = report_text(outdir), line[700];
    snprintf(line, sizeof line, "report: %s/report.html\n", outdir);
    CHECK(strstr(out, line) != NULL);
    CHECK(!strncmp(rep, "<!DOCTYPE html>", 15));
    CHECK(count(rep, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"trace\"") == 3);
    CHECK(count(rep, "class=\"density\"") >= 3);
    CHECK(count(rep, "<section class=\"draws\">") == 1);
    CHECK(strstr(rep, "<h2>Statistics (nuts)</h2>") && strstr(rep, "<td>acceptance rate (mean accept_stat)</td>"));
    CHECK(strstr(rep, "<h2>NUTS per chain (sampling iterations)</h2>") != NULL);
    char div[128];
    snprintf(div, sizeof div, "Divergent transitions: <b>%.0f</b> of 4000", json_number(js, NULL, "\"divergences\": "));
    CHECK(strstr(rep, div) != NULL);
    CHECK(strstr(rep, "grid-template-columns: repeat(3,") != NULL);
    CHECK(count(rep, "<section class=\"series\">") == 0);
    free(rep);
    free(cs);
    free(js);
    free(out);
    free(err);
}

/* NUTS with Stan's warm-up on Neal's funnel diverges: the report counts the JSON's
 * divergences and marks them. */
static void test_report_divergences(void) {
    char model[512], outdir[512], json[600];
    write_text("funnel.c", FUNNEL);
    path_of(model, sizeof model, "funnel.c");
    path_of(outdir, sizeof outdir, "funnel");
    int rc = run((const char *const[]){"run", model, "--chains", "2", "--warmup", "200", "--draws", "300", "--seed",
                                       "5", "--adapt", "stan", "--out", outdir, "--pairs", "x[1],v", NULL});
    CHECK(rc == 0);
    snprintf(json, sizeof json, "%s/draws.json", outdir);
    char *js = read_text(json), *rep = report_text(outdir), div[128];
    double n = json_number(js, NULL, "\"divergences\": ");
    CHECK(n > 0);
    snprintf(div, sizeof div, "Divergent transitions: <b>%.0f</b> of 600", n);
    CHECK(strstr(rep, div) != NULL);
    /* each trace and the pair plot's scatter panel mark them */
    CHECK(count(rep, "<g class=\"divergent\"") >= 3 + 1);
    CHECK(count(rep, "class=\"trace\"") == 3);
    CHECK(strstr(rep, "grid-template-columns: repeat(2,") != NULL);
    free(js);
    free(rep);
}

/* SMC on the gallery's hmm: ESS and log marginal likelihood per step, the latter with
 * the forward algorithm's value dashed; ADVI: the ELBO; --pairs; --quiet. */
static void test_report_smc_advi(void) {
    char model[512], outdir[512];
    path_of(outdir, sizeof outdir, "hmm");
    int rc = run((const char *const[]){"run", "hmm", "--particles", "200", "--draws", "100", "--out", outdir, NULL});
    CHECK(rc == 0);
    char *rep = report_text(outdir), *js = NULL;
    int cols = json_columns(outdir);
    CHECK(cols > 0 && count(rep, "class=\"trace\"") == cols);
    CHECK(count(rep, "<section class=\"series\">") == 2);
    CHECK(strstr(rep, "<h2>ESS per step</h2>") != NULL);
    const char *lml = strstr(rep, "<h2>log marginal likelihood estimate after each step</h2>");
    CHECK(lml && strstr(lml, "stroke-dasharray") && strstr(lml, "log marginal likelihood (forward algorithm), all steps"));
    CHECK(strstr(rep, "<td>log marginal likelihood (forward algorithm) (reference)</td>") != NULL);
    CHECK(strstr(rep, "<td>log marginal likelihood (estimate)</td>") != NULL);
    CHECK(strstr(rep, "Divergent transitions") == NULL);
    free(rep);
    /* the series' points: one per step, as in the JSON */
    char json[600];
    snprintf(json, sizeof json, "%s/draws.json", outdir);
    js = read_text(json);
    CHECK(strstr(js, "\"name\": \"ESS\"") && strstr(js, "\"name\": \"log marginal likelihood\""));
    free(js);

    path_of(model, sizeof model, "nn.c");
    path_of(outdir, sizeof outdir, "advi");
    rc = run((const char *const[]){"run", model, "--algorithm", "advi", "--draws", "200", "--out", outdir, "--pairs",
                                   "b[1],mu", "-q", NULL});
    CHECK(rc == 0);
    char *out = out_text();
    CHECK(out[0] == 0); /* --quiet: not even the report's path */
    free(out);
    rep = report_text(outdir);
    CHECK(count(rep, "class=\"trace\"") == 3);
    CHECK(count(rep, "<section class=\"series\">") == 1);
    CHECK(strstr(rep, "<h2>ELBO over the iterations</h2>") != NULL);
    CHECK(strstr(rep, "stroke-dasharray") == NULL);
    CHECK(strstr(rep, "grid-template-columns: repeat(2,") != NULL);
    free(rep);
    /* a pair-plot column the run does not have: status 2, named; a single name: refused */
    expect_error((const char *const[]){"run", model, "--algorithm", "advi", "--draws", "50", "--out", outdir,
                                       "--pairs", "mu,tau", NULL},
                 2, "no column 'tau'", NULL);
    CHECK(exists(outdir, "report.html"));
    expect_error((const char *const[]){"run", model, "--pairs", "mu", NULL}, 2, "--pairs wants 2 to 8", "'mu'");
}

static void test_cache_and_is(void) {
    char model[512], outdir[512], obj[512], obj2[512], json[600];
    struct stat st1, st2;
    path_of(model, sizeof model, "nn.c");
    path_of(outdir, sizeof outdir, "is");
    int n1 = cached_object(obj, sizeof obj);
    CHECK(n1 == 1 && stat(obj, &st1) == 0);
    int rc = run((const char *const[]){"run", model, "--algorithm", "is", "--particles", "4000", "--draws", "200",
                                       "--out", outdir, "--no-report", NULL});
    char *err = err_text(), *out = out_text();
    CHECK(rc == 0);
    CHECK(exists(outdir, "draws.csv") && !exists(outdir, "report.html"));
    CHECK(strstr(out, "report:") == NULL);
    free(out);
    CHECK(strstr(err, "compiled earlier") != NULL);
    int n2 = cached_object(obj2, sizeof obj2);
    CHECK(n2 == 1 && !strcmp(obj, obj2) && stat(obj2, &st2) == 0);
    CHECK(st1.st_mtim.tv_sec == st2.st_mtim.tv_sec && st1.st_mtim.tv_nsec == st2.st_mtim.tv_nsec);
    /* the log marginal likelihood: y ~ N(0, I + 1 1^T), whose inverse is I - 1 1^T / 5 and
     * determinant 5 */
    double s = 0, ss = 0;
    for (int i = 0; i < 4; i++) s += Y[i], ss += Y[i] * Y[i];
    double exact = -0.5 * (ss - s * s / 5) - 0.5 * log(5.0) - 2 * log(2 * acos(-1.0));
    snprintf(json, sizeof json, "%s/draws.json", outdir);
    char *js = read_text(json);
    double est = json_number(js, NULL, "\"log_ml\": "), ess = json_number(js, NULL, "\"ess\": ");
    /* the delta method: var(log mean w) ~ (n / ESS - 1) / n */
    double se = sqrt(fmax(1.0 / ess - 1.0 / 4000, 1e-12));
    CHECK(ess > 100 && ess <= 4000);
    CHECK(fabs(est - exact) < 5 * se);
    char csv[600];
    snprintf(csv, sizeof csv, "%s/draws.csv", outdir);
    char *cs = read_text(csv);
    CHECK(count_lines(cs) == 1 + 200);
    free(cs);
    free(js);
    free(err);
}

/* genc with args fails with status want and its stderr contains each of the strings. */
static void expect_error(const char *const *args, int want, const char *s1, const char *s2) {
    int rc = run(args);
    char *err = err_text();
    CHECK(rc == want);
    if (rc != want) fprintf(stderr, "status %d, stderr:\n%s\n", rc, err);
    if (s1 && !strstr(err, s1)) check_fail(__FILE__, __LINE__, "stderr lacks '%s':\n%s", s1, err);
    if (s2 && !strstr(err, s2)) check_fail(__FILE__, __LINE__, "stderr lacks '%s':\n%s", s2, err);
    free(err);
}

static void test_errors(void) {
    char model[512], bad_data[512], bad_c[512], no_reg[512], missing[512];
    path_of(model, sizeof model, "nn.c");
    expect_error((const char *const[]){"run", model, "--bogus", "3", NULL}, 2, "unknown option '--bogus'", NULL);
    expect_error((const char *const[]){"run", model, "--algorithm", "magic", NULL}, 2, "unknown algorithm 'magic'", NULL);
    expect_error((const char *const[]){"run", model, "--adapt", "nutpie", NULL}, 2,
                 "--adapt wants lowrank, grad or stan, got 'nutpie'", NULL);
    expect_error((const char *const[]){"run", model, "--target-accept", "1.5", NULL}, 2,
                 "--target-accept wants a number in (0, 1), got '1.5'", NULL);
    expect_error((const char *const[]){"run", model, "--chains", "zero", NULL}, 2, "--chains", "'zero'");
    expect_error((const char *const[]){"frobnicate", NULL}, 2, "unknown command 'frobnicate'", NULL);
    write_text("bad.json", "{\"N\": 3, \"y\": [1, 2,");
    path_of(bad_data, sizeof bad_data, "bad.json");
    expect_error((const char *const[]){"run", model, "--data", bad_data, NULL}, 1, "bad data file", "bad.json");
    write_text("bad.c", "#include \"genc.h\"\nstatic int broken(void) { return 1 +; }\n"
                        "GEN_MODEL(\"bad\", \"does not compile\", NULL);\n");
    path_of(bad_c, sizeof bad_c, "bad.c");
    expect_error((const char *const[]){"run", bad_c, NULL}, 1, "bad.c:2", "could not be built");
    /* the compiler's messages once (not again at the end of genc's) */
    char *err = err_text();
    CHECK(count(err, "error: expected expression") == 1);
    CHECK(strstr(err, "(exit status 1; its messages are above)\n") != NULL);
    free(err);
    write_text("noreg.c", "#include \"genc.h\"\nint not_a_model(void) { return 3; }\n");
    path_of(no_reg, sizeof no_reg, "noreg.c");
    expect_error((const char *const[]){"run", no_reg, NULL}, 1, "registers no model", "GEN_MODEL");
    expect_error((const char *const[]){"run", "no_such_model", NULL}, 2, "unknown model 'no_such_model'", "gallery");
    path_of(missing, sizeof missing, "missing.c");
    expect_error((const char *const[]){"run", missing, NULL}, 2, "no such model file", "missing.c");
    expect_error((const char *const[]){"run", model, "--algorithm", "smc", "--out", dir, NULL}, 1,
                 "declares no sequential steps", NULL);
    /* --help everywhere */
    CHECK(run((const char *const[]){"--help", NULL}) == 0);
    CHECK(run((const char *const[]){"run", "--help", NULL}) == 0);
    char *out = out_text();
    CHECK(strstr(out, "--algorithm") != NULL);
    free(out);
    CHECK(run((const char *const[]){"list", "--help", NULL}) == 0);
}

/* The draws of folder's draws.csv ([chains, draws, cols], read by the library's reader)
 * and the index of column name in them (-1 if none). NULL when unreadable. */
static gen_array *read_draws(const char *folder, const char *name, int *col) {
    char csv[600];
    snprintf(csv, sizeof csv, "%s/draws.csv", folder);
    gen_array *d = NULL;
    char **names = NULL;
    int64_t n = 0;
    CHECK_OK(gen_draws_read_csv(csv, &d, &names, &n));
    *col = -1;
    for (int64_t j = 0; j < n; j++)
        if (!strcmp(names[j], name)) *col = (int)j;
    gen_names_free(names, n);
    CHECK(*col >= 0);
    return d;
}

/* The draws after which column col changed: sum over chains of #{i >= 1: x[c][i] != x[c][i-1]}. */
static int64_t changes(const gen_array *d, int col) {
    const int64_t *sh = gen_array_shape(d);
    const double *x = gen_array_data(d);
    int64_t k = 0;
    for (int64_t c = 0; c < sh[0]; c++)
        for (int64_t i = 1; i < sh[1]; i++)
            k += x[(c * sh[1] + i) * sh[2] + col] != x[(c * sh[1] + i - 1) * sh[2] + col];
    return k;
}

/* Part `part`'s accepted steps in draws.json's "acceptance_parts" (-1 if absent), its steps
 * into *steps. */
static int64_t part_accepted(const char *js, const char *part, int64_t *steps) {
    char key[160];
    snprintf(key, sizeof key, "{\"part\": \"%s\"", part);
    double a = json_number(js, key, "\"accepted\": ");
    *steps = (int64_t)json_number(js, key, "\"steps\": ");
    return isnan(a) ? -1 : (int64_t)a;
}

/* A cycle of kernels reports each part's own acceptance, not "some part accepted" (which
 * a Gibbs part makes always true). changepoint's kernel is Gibbs on tau, then HMC on the
 * rates early and late: Gibbs accepts every step; with no warm-up, draw i > 1 differs
 * from draw i-1 in early exactly when HMC accepted at step i (Gibbs leaves the rates;
 * an accepted HMC move changes a continuous value), so the HMC part's accepted steps are
 * those changes plus at most one per chain (the first step, whose start is not in the
 * file). The same for mh (single-site) on the normal model: part "mu" and mu's changes;
 * part "b", unobserved, resimulated from its prior, which is its posterior: always. */
static void test_part_acceptance(void) {
    char outdir[512], json[600], model[512];
    path_of(outdir, sizeof outdir, "changepoint");
    int rc = run((const char *const[]){"run", "changepoint", "--chains", "2", "--warmup", "0", "--draws", "150",
                                       "--seed", "4", "--out", outdir, NULL});
    CHECK(rc == 0);
    char *out = out_text(), *rep = report_text(outdir);
    snprintf(json, sizeof json, "%s/draws.json", outdir);
    char *js = read_text(json);
    int64_t gsteps = 0, hsteps = 0;
    int64_t gacc = part_accepted(js, "gibbs on tau", &gsteps), hacc = part_accepted(js, "hmc on early, late", &hsteps);
    CHECK(gsteps == 300 && hsteps == 300);
    CHECK(gacc == 300);
    CHECK(hacc > 0 && hacc < 300);
    int col = -1;
    gen_array *d = read_draws(outdir, "early", &col);
    if (d && col >= 0) {
        int64_t k = changes(d, col);
        CHECK(k <= hacc && hacc <= k + 2);
        if (!(k <= hacc && hacc <= k + 2)) fprintf(stderr, "hmc accepted %lld, early changed %lld times\n",
                                                   (long long)hacc, (long long)k);
    }
    /* the summary and the report show one line per part, no overall rate */
    char line[128];
    snprintf(line, sizeof line, "acceptance rate (hmc on early, late): %.3f\n", (double)hacc / 300);
    CHECK(strstr(out, "acceptance rate (gibbs on tau): 1.000\n") && strstr(out, line));
    CHECK(strstr(out, "\nacceptance rate:") == NULL && strstr(js, "\"acceptance\":") == NULL);
    CHECK(strstr(rep, "<td>acceptance rate (gibbs on tau)</td>") && strstr(rep, "<td>acceptance rate (hmc on early, late)</td>"));
    free(out);
    free(rep);
    free(js);

    path_of(model, sizeof model, "nn.c");
    path_of(outdir, sizeof outdir, "mh");
    rc = run((const char *const[]){"run", model, "--algorithm", "mh", "--chains", "2", "--warmup", "0", "--draws",
                                   "400", "--seed", "6", "--out", outdir, "--no-report", NULL});
    CHECK(rc == 0);
    js = read_text(json_path(json, sizeof json, outdir));
    int64_t msteps = 0, bsteps = 0, macc = part_accepted(js, "mu", &msteps), bacc = part_accepted(js, "b", &bsteps);
    CHECK(msteps == 800 && bsteps == 800);
    CHECK(macc > 0 && macc < 800);
    CHECK(bacc == 800); /* b's posterior is its prior: every resimulation from it is accepted */
    gen_array *dm = read_draws(outdir, "mu", &col);
    if (dm && col >= 0) {
        int64_t k = changes(dm, col);
        CHECK(k <= macc && macc <= k + 2);
    }
    free(js);
}

/* Every gallery model through genc with short settings (every part runs: the statistics
 * are the gallery's tests'): `genc list` lists the nine; each run exits 0 and writes a
 * non-empty draws.csv and report.html; hmm and tracking print their reference (the
 * forward algorithm's, the Kalman filter's log marginal likelihood), the value draws.json
 * holds. */
static void test_gallery(void) {
    static const char *const names[9] = {"changepoint", "eight_schools", "hmm", "logistic_regression", "mixture",
                                         "outliers", "polynomial_regression", "robot", "tracking"};
    CHECK(run((const char *const[]){"list", NULL}) == 0);
    char *out = out_text();
    int listed = 0;
    for (const char *l = strchr(out, '\n'); l && l[1]; l = strchr(l + 1, '\n')) listed += l[1] == ' ';
    CHECK(listed == 9);
    for (int i = 0; i < 9; i++) {
        char line[64];
        snprintf(line, sizeof line, "\n  %s ", names[i]);
        if (!strstr(out, line)) check_fail(__FILE__, __LINE__, "genc list lacks %s:\n%s", names[i], out);
    }
    free(out);
    for (int i = 0; i < 9; i++) {
        char outdir[512], p[600], sub[64];
        snprintf(sub, sizeof sub, "gallery-%s", names[i]);
        path_of(outdir, sizeof outdir, sub);
        int rc = run((const char *const[]){"run", names[i], "--chains", "2", "--warmup", "5", "--draws", "10",
                                           "--particles", "50", "--out", outdir, NULL});
        if (rc != 0) {
            char *err = err_text();
            check_fail(__FILE__, __LINE__, "genc run %s: status %d:\n%s", names[i], rc, err);
            free(err);
            continue;
        }
        const char *files[2] = {"draws.csv", "report.html"};
        for (int f = 0; f < 2; f++) {
            struct stat st;
            snprintf(p, sizeof p, "%s/%s", outdir, files[f]);
            if (stat(p, &st) != 0 || st.st_size == 0)
                check_fail(__FILE__, __LINE__, "genc run %s: %s missing or empty", names[i], files[f]);
        }
        const char *what = !strcmp(names[i], "hmm") ? "forward algorithm" : !strcmp(names[i], "tracking") ? "Kalman filter" : NULL;
        if (!what) continue;
        char label[128];
        snprintf(label, sizeof label, "log marginal likelihood (%s) (reference): ", what);
        out = out_text();
        const char *ref = strstr(out, label);
        double printed = ref ? strtod(ref + strlen(label), NULL) : NAN;
        char *js = read_text(json_path(p, sizeof p, outdir));
        double saved = json_number(js, "\"reference\": {", "\"value\": ");
        CHECK(isfinite(printed) && printed < 0);
        CHECK_NEAR(printed, saved, 1e-5 * fabs(saved)); /* printed with 6 digits */
        free(js);
        free(out);
    }
}

static void test_sigint(void) {
    char model[512], outdir[512], csv[600], json[600];
    path_of(model, sizeof model, "nn.c");
    path_of(outdir, sizeof outdir, "sigint");
    pid_t pid = start((const char *const[]){"run", model, "--algorithm", "mh", "--chains", "2", "--warmup", "0",
                                            "--draws", "3000000", "--out", outdir, NULL});
    nanosleep(&(struct timespec){1, 500000000}, NULL);
    if (pid > 0) kill(pid, SIGINT);
    int rc = finish(pid);
    CHECK(rc == 130);
    snprintf(csv, sizeof csv, "%s/draws.csv", outdir);
    snprintf(json, sizeof json, "%s/draws.json", outdir);
    char *cs = read_text(csv), *js = read_text(json), *out = out_text();
    int rows = count_lines(cs) - 1;
    CHECK(rows > 0 && rows < 2 * 3000000);
    CHECK(strstr(js, "\"cancelled\": true") != NULL);
    CHECK(strstr(out, "stopped by Ctrl-C") != NULL);
    free(cs);
    free(js);
    free(out);
}

/* --data with a posteriordb-format file: eight_schools on three schools whose effects are
 * all 100 (sigma 1) has three theta_trans columns, and its effects theta_j = mu + tau
 * theta_trans[j], computed from the draws, near 100 (the built-in data's are below 30).
 * A file that parses but whose shapes disagree: the model's error, status 1. */
static void test_data(void) {
    char data[512], outdir[512], json[600];
    write_text("schools3.json", "{\"J\": 3, \"y\": [100, 100, 100], \"sigma\": [1, 1, 1]}");
    path_of(data, sizeof data, "schools3.json");
    path_of(outdir, sizeof outdir, "schools3");
    int rc = run((const char *const[]){"run", "eight_schools", "--data", data, "--chains", "1", "--warmup", "200",
                                       "--draws", "200", "--seed", "2", "--out", outdir, "--no-report", NULL});
    CHECK(rc == 0);
    char *js = read_text(json_path(json, sizeof json, outdir));
    CHECK(strstr(js, "\"columns\": [\"mu\", \"tau\", \"theta_trans[1]\", \"theta_trans[2]\", \"theta_trans[3]\"]") != NULL);
    free(js);
    int mu = -1, tau = -1, tt = -1;
    gen_array *d = read_draws(outdir, "mu", &mu);
    read_draws(outdir, "tau", &tau); /* the same draws (the scope's): tau's column */
    read_draws(outdir, "theta_trans[3]", &tt);
    if (d && mu >= 0 && tau >= 0 && tt >= 0) {
        const int64_t *sh = gen_array_shape(d);
        const double *x = gen_array_data(d);
        double mean = 0;
        for (int64_t i = 0; i < sh[1]; i++) mean += x[i * sh[2] + mu] + x[i * sh[2] + tau] * x[i * sh[2] + tt];
        mean /= (double)sh[1];
        CHECK(sh[1] == 200);
        if (!(fabs(mean - 100) < 5)) check_fail(__FILE__, __LINE__, "theta[3]'s mean %g, want about 100", mean);
    }
    write_text("schools_bad.json", "{\"J\": 3, \"y\": [1, 2, 3], \"sigma\": [1, 2]}");
    path_of(data, sizeof data, "schools_bad.json");
    expect_error((const char *const[]){"run", "eight_schools", "--data", data, "--out", outdir, NULL}, 1,
                 "schools_bad.json", "y and sigma must be vectors of one length J");
}

/* --algorithm hmc and gibbs: HMC on the normal model runs, one acceptance rate in (0, 1];
 * Gibbs on changepoint moves tau (its one discrete latent: always accepted); on the
 * normal model, which has none, a clear error. */
static void test_hmc_gibbs(void) {
    char model[512], outdir[512], json[600];
    path_of(model, sizeof model, "nn.c");
    path_of(outdir, sizeof outdir, "hmc");
    int rc = run((const char *const[]){"run", model, "--algorithm", "hmc", "--step", "0.3", "--leapfrog", "5", "--chains",
                                       "2", "--warmup", "10", "--draws", "200", "--out", outdir, "--no-report", NULL});
    CHECK(rc == 0);
    char *js = read_text(json_path(json, sizeof json, outdir));
    double acc = json_number(js, "\"stats\"", "\"acceptance\": ");
    CHECK(acc > 0 && acc <= 1);
    CHECK(strstr(js, "\"algorithm\": \"hmc\"") && strstr(js, "acceptance_parts") == NULL);
    free(js);
    path_of(outdir, sizeof outdir, "gibbs");
    rc = run((const char *const[]){"run", "changepoint", "--algorithm", "gibbs", "--chains", "1", "--warmup", "0",
                                   "--draws", "20", "--out", outdir, "--no-report", NULL});
    CHECK(rc == 0);
    char *out = out_text();
    CHECK(strstr(out, "acceptance rate: 1.000\n") != NULL);
    free(out);
    int col = -1;
    gen_array *d = read_draws(outdir, "early", &col);
    if (d && col >= 0) CHECK(changes(d, col) == 0); /* Gibbs on tau leaves the rates */
    expect_error((const char *const[]){"run", model, "--algorithm", "gibbs", "--out", outdir, NULL}, 1,
                 "has no discrete latent choices for gibbs", NULL);
}

/* The cache is keyed by the file's content: a model file edited (at once, its mtime maybe
 * the same second) is compiled again, to a new object, and the new model runs: its prior
 * mean moves from 3 to -3. */
static void test_recompile(void) {
    static const char *EDIT =
        "#include \"genc.h\"\n"
        "static gen_status body(gen_ctx *ctx, const gen_args *args, gen_array **retval) {\n"
        "    *retval = gen_choose(ctx, \"x\", gen_normal(gen_scalar(%s), gen_scalar(0.1)));\n"
        "    return gen_ctx_status(ctx);\n"
        "}\n"
        "static gen_status setup(gen_model *m, const gen_data *data) {\n"
        "    return gen_model_set_gf(m, gen_dynamic(\"edit\", body), NULL);\n"
        "}\n"
        "GEN_MODEL(\"edit_%s\", \"x ~ N(%s, 0.1)\", setup);\n";
    const char *means[2] = {"3", "-3"}, *names[2] = {"a", "b"};
    char model[512], outdir[512], obj[2][512], text[1024];
    path_of(model, sizeof model, "edit.c");
    path_of(outdir, sizeof outdir, "edit");
    int before = cached_object(obj[0], sizeof obj[0]);
    for (int v = 0; v < 2; v++) {
        snprintf(text, sizeof text, EDIT, means[v], names[v], means[v]);
        write_text("edit.c", text);
        int rc = run((const char *const[]){"run", model, "--algorithm", "is", "--particles", "200", "--draws", "100",
                                           "--out", outdir, "--no-report", NULL});
        CHECK(rc == 0);
        char *out = out_text(), *err = err_text(), head[64];
        snprintf(head, sizeof head, "model edit_%s, is:", names[v]);
        CHECK(strstr(out, head) != NULL);
        CHECK(strstr(err, "compiled earlier") == NULL);
        const char *row = strstr(out, "\nx ");
        double mean = row ? strtod(row + 3, NULL) : NAN;
        CHECK(fabs(mean - atof(means[v])) < 0.1);
        free(out);
        free(err);
        CHECK(cached_object(obj[v], sizeof obj[v]) == before + 1 + v); /* one object more each time */
    }
    /* the same content again: no compilation, no new object */
    CHECK(run((const char *const[]){"run", model, "--algorithm", "is", "--particles", "200", "--draws", "100", "--out",
                                    outdir, "--no-report", NULL}) == 0);
    char *err = err_text();
    CHECK(strstr(err, "compiled earlier") != NULL);
    free(err);
    CHECK(cached_object(obj[0], sizeof obj[0]) == before + 2);
}

/* A model whose NUTS iterations take a while: mu ~ N(0, 1) and 200 observations
 * y/i ~ N(mu, 1), each a choice of its own (200 calls per gradient). */
static const char *SLOW =
    "#include \"genc.h\"\n"
    "static gen_status body(gen_ctx *ctx, const gen_args *args, gen_array **retval) {\n"
    "    gen_array *mu = gen_choose(ctx, \"mu\", gen_normal(gen_scalar(0), gen_scalar(1)));\n"
    "    for (int i = 0; i < 200; i++) {\n"
    "        gen_addr a = {2, {gen_part_name(\"y\"), gen_part_int(i)}};\n"
    "        gen_choose_at(ctx, &a, gen_normal(mu, gen_scalar(1)));\n"
    "    }\n"
    "    *retval = mu;\n"
    "    return gen_ctx_status(ctx);\n"
    "}\n"
    "static gen_status setup(gen_model *m, const gen_data *data) {\n"
    "    gen_choicemap *obs = gen_choicemap_empty();\n"
    "    for (int i = 0; i < 200; i++) {\n"
    "        gen_addr a = {2, {gen_part_name(\"y\"), gen_part_int(i)}};\n"
    "        obs = gen_choicemap_set(obs, &a, gen_scalar(0.01 * i));\n"
    "    }\n"
    "    gen_status s = gen_model_set_gf(m, gen_dynamic(\"slow\", body), NULL);\n"
    "    return s == GEN_OK ? gen_model_set_observations(m, obs) : s;\n"
    "}\n"
    "GEN_MODEL(\"slow\", \"200 observations, one choice each\", setup);\n";

/* Starts genc as start() does but with stderr on a pseudo-terminal, so that it draws its
 * progress bar there; *master the terminal's side to read (non-blocking), -1 on failure. */
static pid_t start_tty(const char *const *args, int *master) {
    *master = posix_openpt(O_RDWR | O_NOCTTY);
    const char *slave = *master >= 0 && grantpt(*master) == 0 && unlockpt(*master) == 0 ? ptsname(*master) : NULL;
    if (!slave) {
        check_fail(__FILE__, __LINE__, "no pseudo-terminal: %s", strerror(errno));
        return -1;
    }
    fcntl(*master, F_SETFL, fcntl(*master, F_GETFL) | O_NONBLOCK);
    const char *argv[40];
    int k = 0;
    argv[k++] = GENC_TOOL_EXE;
    for (int i = 0; args[i] && k < 39; i++) argv[k++] = args[i];
    argv[k] = NULL;
    char out[512];
    path_of(out, sizeof out, "out.txt");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, 2, slave, O_RDWR | O_NOCTTY, 0);
    pid_t pid = -1;
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) check_fail(__FILE__, __LINE__, "cannot start %s: %s", argv[0], strerror(rc));
    return rc == 0 ? pid : -1;
}

/* Reads what the terminal has into tty (the last part of it, NUL-terminated). */
static void drain(int master, char *tty, size_t n) {
    char buf[4096];
    for (ssize_t r; (r = read(master, buf, sizeof buf)) > 0;) {
        size_t len = strlen(tty), add = (size_t)r;
        if (len + add >= n) { /* keep the newer half */
            memmove(tty, tty + len / 2, len - len / 2 + 1);
            len = strlen(tty);
        }
        if (add >= n - len) add = n - len - 1;
        memcpy(tty + len, buf, add);
        tty[len + add] = 0;
    }
}

/* Ctrl-C during NUTS, which stops through the library's progress callback (gen_nuts_sample
 * returns GEN_CANCELLED with the draws so far): status 130, draws.json says cancelled,
 * the rows made are kept and draws.csv reads back with them. No timing: the signal goes
 * once the progress bar (genc's stderr on a pseudo-terminal) shows the sampling phase,
 * so the one chain has drawn; the run asked for is far longer. */
static void test_sigint_nuts(void) {
    char model[512], outdir[512], csv[600], json[600];
    write_text("slow.c", SLOW);
    path_of(model, sizeof model, "slow.c");
    path_of(outdir, sizeof outdir, "sigint-nuts");
    int master = -1, rc = -1, status = 0;
    static char tty[1 << 16];
    tty[0] = 0;
    pid_t pid = start_tty((const char *const[]){"run", model, "--chains", "1", "--warmup", "20", "--draws", "100000",
                                                "--out", outdir, NULL},
                          &master);
    bool sent = false;
    for (int i = 0; pid > 0 && i < 12000; i++) { /* at most 120 s */
        drain(master, tty, sizeof tty);
        if (!sent && strstr(tty, "sampling")) sent = kill(pid, SIGINT) == 0;
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid) {
            rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            break;
        }
        nanosleep(&(struct timespec){0, 10000000}, NULL);
    }
    if (pid > 0 && rc < 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        check_fail(__FILE__, __LINE__, "genc did not finish in 120 s; its terminal:\n%s", tty);
    }
    if (master >= 0) close(master);
    CHECK(sent);
    CHECK(rc == 130);
    CHECK(strstr(tty, "genc: stopping") != NULL);
    snprintf(json, sizeof json, "%s/draws.json", outdir);
    char *js = read_text(json), *out = out_text();
    CHECK(strstr(js, "\"algorithm\": \"nuts\"") && strstr(js, "\"cancelled\": true"));
    CHECK(strstr(out, "stopped by Ctrl-C") != NULL);
    snprintf(csv, sizeof csv, "%s/draws.csv", outdir);
    gen_array *d = NULL;
    char **names = NULL;
    int64_t nn = 0;
    CHECK_OK(gen_draws_read_csv(csv, &d, &names, &nn));
    if (d) { /* [1 chain, rows, mu] */
        CHECK(gen_array_ndim(d) == 3 && gen_array_shape(d)[0] == 1 && gen_array_shape(d)[2] == 1);
        CHECK(gen_array_shape(d)[1] > 0 && gen_array_shape(d)[1] < 100000);
        CHECK(nn == 1 && !strcmp(names[0], "mu"));
        char rows[64];
        snprintf(rows, sizeof rows, "1 chain x %lld draws (stopped", (long long)gen_array_shape(d)[1]);
        CHECK(strstr(out, rows) != NULL);
    }
    gen_names_free(names, nn);
    free(js);
    free(out);
}

int main(int argc, char **argv) {
    check_only = argc > 1 ? argv[1] : NULL;
    snprintf(dir, sizeof dir, "/tmp/genc-cli-XXXXXX");
    if (!mkdtemp(dir)) {
        fprintf(stderr, "cannot make a folder: %s\n", strerror(errno));
        return 1;
    }
    char cache[512];
    path_of(cache, sizeof cache, "cache");
    setenv("GENC_CACHE_DIR", cache, 1);
    write_text("nn.c", MODEL);
    RUN(test_nuts);
    RUN(test_cache_and_is);
    RUN_ONLY(test_report_divergences);
    RUN_ONLY(test_report_smc_advi);
    RUN_ONLY(test_errors);
    RUN_ONLY(test_sigint);
    RUN_ONLY(test_part_acceptance);
    RUN_ONLY(test_gallery);
    RUN_ONLY(test_sigint_nuts);
    RUN_ONLY(test_data);
    RUN_ONLY(test_hmc_gibbs);
    RUN_ONLY(test_recompile);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return check_finish();
}
