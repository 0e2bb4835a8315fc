/* gallery.h — what the gallery's tests share: a model file's setup run on a new gen_model
 * (with data parsed from JSON, or its built-in data), its initial trace, NUTS chains and
 * kernel chains as the genc tool runs them, and the checks of a posterior mean or sd
 * against a reference within 5 Monte Carlo standard errors. A test includes its model
 * file (examples/gallery/NAME.c) before this header. gallery_quick (argv[1] "quick": the
 * valgrind run of scripts/test.sh) asks a test for a short run that checks that every
 * part runs, not the statistics. */
#ifndef GENC_TEST_GALLERY_H
#define GENC_TEST_GALLERY_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static bool gallery_quick;

/* main's start: the quick mode from argv[1] ("quick") or the environment
 * (GENC_GALLERY_QUICK=1: how scripts/test.sh runs the gallery under the sanitizers, whose
 * statistics the release run checks). */
static inline void gallery_args(int argc, char **argv) {
    const char *env = getenv("GENC_GALLERY_QUICK");
    gallery_quick = (argc > 1 && strcmp(argv[1], "quick") == 0) || (env && strcmp(env, "1") == 0);
}

/* A model set up by info's setup from the data json (NULL: the built-in data), or from
 * the data file path when path is true; NULL (and a failed check) on error. Caller frees. */
static inline gen_model *gallery_model_from(const gen_model_info *info, const char *json, bool path) {
    gen_data *d = NULL;
    if (json) {
        gen_status s = path ? gen_data_load(json, &d) : gen_data_parse(json, &d);
        CHECK_OK(s);
        if (s != GEN_OK) return NULL;
    }
    gen_model *m = gen_model_new();
    CHECK(m != NULL);
    gen_status s = m ? info->setup(m, d) : GEN_ERR_OOM;
    CHECK_OK(s);
    gen_data_free(d);
    if (s != GEN_OK) {
        gen_model_free(m);
        return NULL;
    }
    return m;
}
static inline gen_model *gallery_model(const gen_model_info *info, const char *json) {
    return gallery_model_from(info, json, false);
}

/* The model's trace with its observations, the rest drawn from the prior with seed. */
static inline gen_trace *gallery_trace(const gen_model *m, uint64_t seed) {
    gen_trace *tr = NULL;
    CHECK_OK(gen_generate(gen_model_gf(m), gen_key_new(seed), gen_model_args(m), gen_model_observations(m), &tr, NULL));
    return tr;
}

/* NUTS with Stan's warm-up (diagonal metric) on the model's latents, chains from the
 * prior trace: the result's draws are [chains, draws, dims] of the latents. */
static inline gen_nuts_result gallery_nuts(const gen_model *m, uint64_t seed, int chains, int64_t warmup, int64_t draws) {
    gen_nuts_result r = {0};
    gen_trace *init[16];
    for (int c = 0; c < chains && c < 16; c++) init[c] = gallery_trace(m, seed + 1000 + (uint64_t)c);
    for (int c = 0; c < chains; c++)
        if (!init[c]) return r;
    gen_nuts_config cfg = {.warmup = warmup, .draws = draws, .metric = GEN_METRIC_DIAG, .init_radius = 2};
    CHECK_OK(gen_nuts_sample(gen_key_new(seed), chains, init, gen_model_latents(m), &cfg, 0, &r));
    return r;
}

/* The column of element elem of the choice at path among the flattened latents of the
 * model's traces (the order of the draws' last axis), found by matching a trace's values;
 * -1 (and a failed check) if it is not there. */
static inline int64_t gallery_column(const gen_model *m, const char *path, int64_t elem) {
    gen_trace *tr = gallery_trace(m, 99);
    if (!tr) return -1;
    gen_array *flat = gen_choicemap_flatten(gen_trace_choices(tr), gen_model_latents(m));
    const gen_array *v = gen_choicemap_get_path(gen_trace_choices(tr), path);
    CHECK(flat && v);
    if (!flat || !v) return -1;
    const double *f = gen_array_data(flat);
    double want = NAN;
    gen_array *one = gen_reshape(gen_cast(v, GEN_F64), GEN_DIMS(gen_array_size(v)));
    const double *vv = one ? gen_array_data(one) : NULL;
    if (vv && elem < gen_array_size(one)) want = vv[elem];
    for (int64_t i = 0; i < gen_array_size(flat); i++)
        if (f[i] == want) return i;
    check_fail(__FILE__, __LINE__, "gallery_column: %s[%lld] is not among the latents", path, (long long)elem);
    return -1;
}

/* One particle filter of n particles over the model's sequential steps, as the genc tool
 * runs them: the step callback gives each step's arguments, argdiffs and observations;
 * step 0 is gen_pf_init, each later step resamples (systematic) when the ESS is below
 * n / 2, then gen_pf_step. After each step on_step(ud, t, pf) (may be NULL) reads the
 * filter. Returns the log marginal likelihood estimate (NaN on error). */
typedef void (*gallery_pf_fn)(void *ud, int64_t t, const gen_pf *pf);
static inline double gallery_pf(const gen_model *m, uint64_t seed, int64_t n, gallery_pf_fn on_step, void *ud) {
    gen_model_step_fn fn = NULL;
    void *payload = NULL;
    int64_t steps = gen_model_smc(m, &fn, &payload);
    CHECK(steps > 0 && fn);
    gen_pf *pf = NULL;
    double log_ml = NAN;
    gen_key key = gen_key_new(seed);
    for (int64_t t = 0; t < steps; t++) {
        gen_scope_begin();
        gen_array *slots[GEN_MODEL_MAX_ARGS] = {0};
        gen_diff diffs[GEN_MODEL_MAX_ARGS];
        gen_args a = {0, slots, NULL};
        gen_choicemap *obs = NULL;
        gen_key k[2];
        gen_key_split(gen_key_fold_in(key, (uint64_t)t), 2, k);
        gen_status s = fn(payload, t, &a, diffs, &obs);
        CHECK_OK(s);
        if (s == GEN_OK && t == 0) CHECK_OK(s = gen_pf_init(gen_model_gf(m), k[0], &a, obs, NULL, NULL, n, &pf));
        if (s == GEN_OK && t > 0) {
            CHECK_OK(s = gen_pf_maybe_resample(pf, k[0], GEN_RESAMPLE_SYSTEMATIC, (double)n / 2, NULL));
            if (s == GEN_OK) CHECK_OK(s = gen_pf_step(pf, k[1], &a, diffs, obs, NULL, NULL));
        }
        if (s == GEN_OK && on_step) on_step(ud, t, pf);
        gen_scope_end();
        if (s != GEN_OK) break;
    }
    if (pf) CHECK_OK(gen_pf_log_ml(pf, &log_ml));
    if (pf && gen_pf_steps(pf) != steps - 1) log_ml = NAN;
    gen_pf_free(pf);
    return log_ml;
}

/* R independent filters' log marginal likelihood estimates l[0..R): their mean plus half
 * their variance (a log of an unbiased estimate is low by var / 2 to first order) within
 * 5 standard errors of the exact value. */
static inline void gallery_check_log_ml_at(const char *file, int line, const double *l, int R, double exact) {
    double m = 0, v = 0;
    for (int r = 0; r < R; r++) m += l[r] / R;
    for (int r = 0; r < R; r++) v += (l[r] - m) * (l[r] - m) / (R - 1);
    double se = sqrt(v / R);
    check_count++;
    if (!(fabs(m + v / 2 - exact) < 5 * se + 1e-12))
        check_fail(file, line, "mean log ML %.5f (+ var/2 = %.5f), exact %.5f (se %.3g)", m, m + v / 2, exact, se);
}
#define GALLERY_CHECK_LOG_ML(l, R, exact) gallery_check_log_ml_at(__FILE__, __LINE__, (l), (R), (exact))

/* Column col of draws [chains, draws, dims] as a summary (mean, sd, MCSEs, ESS). */
static inline gen_summary gallery_summary(const gen_array *draws, int64_t col) {
    gen_summary s = {0};
    const int64_t *sh = gen_array_shape(draws);
    int64_t C = sh[0], N = sh[1], D = sh[2];
    double *buf = malloc((size_t)(C * N) * sizeof *buf);
    const double *x = gen_array_data(draws);
    const double *ch[64];
    int64_t nd[64];
    for (int64_t c = 0; c < C && c < 64; c++) {
        for (int64_t i = 0; i < N; i++) buf[c * N + i] = x[(c * N + i) * D + col];
        ch[c] = buf + c * N;
        nd[c] = N;
    }
    CHECK_OK(gen_summarize(ch, C, nd, NULL, 0, &s));
    free(buf);
    return s;
}

/* |mean - want| < 5 sqrt(mcse^2 + want_se^2) (want_se: the reference's own error). */
static inline void gallery_check_mean_at(const char *file, int line, const char *what, gen_summary s, double want,
                                         double want_se) {
    double se = sqrt(s.mcse_mean * s.mcse_mean + want_se * want_se);
    check_count++;
    if (!(fabs(s.mean - want) < 5 * se))
        check_fail(file, line, "%s: posterior mean %.5g, reference %.5g (se %.3g, ess %.0f)", what, s.mean, want, se,
                   s.ess_bulk);
}
#define GALLERY_CHECK_MEAN(what, s, want, want_se) gallery_check_mean_at(__FILE__, __LINE__, (what), (s), (want), (want_se))

/* |sd - want| < 5 mcse_sd. */
static inline void gallery_check_sd_at(const char *file, int line, const char *what, gen_summary s, double want) {
    check_count++;
    if (!(fabs(s.sd - want) < 5 * s.mcse_sd))
        check_fail(file, line, "%s: posterior sd %.5g, reference %.5g (mcse %.3g)", what, s.sd, want, s.mcse_sd);
}
#define GALLERY_CHECK_SD(what, s, want) gallery_check_sd_at(__FILE__, __LINE__, (what), (s), (want))

/* A batch-means check of the time average of a chain's statistic: values[0..n) split in
 * B batches, the mean within 5 standard errors of want (and the se below max_se). */
static inline void gallery_check_batch_mean_at(const char *file, int line, const char *what, const double *values,
                                               int64_t n, double want, double max_se) {
    enum { B = 40 };
    double bm[B] = {0}, m = 0, v = 0;
    int64_t per = n / B;
    for (int b = 0; b < B; b++) {
        for (int64_t i = 0; i < per; i++) bm[b] += values[b * per + i] / (double)per;
        m += bm[b] / B;
    }
    for (int b = 0; b < B; b++) v += (bm[b] - m) * (bm[b] - m) / (B - 1);
    double se = sqrt(v / B);
    check_count++;
    if (!(fabs(m - want) < 5 * se + 1.0 / (double)n) || !(se < max_se)) /* 1 / n: a chain that never moves */
        check_fail(file, line, "%s: chain average %.5g, reference %.5g (batch-means se %.3g)", what, m, want, se);
}
#define GALLERY_CHECK_BATCH_MEAN(what, values, n, want, max_se) \
    gallery_check_batch_mean_at(__FILE__, __LINE__, (what), (values), (n), (want), (max_se))

/* The model's setup refuses the data json with an error containing msg. */
static inline void gallery_check_bad_data_at(const char *file, int line, const gen_model_info *info, const char *json,
                                             const char *msg) {
    gen_data *d = NULL;
    if (gen_data_parse(json, &d) != GEN_OK) {
        check_fail(file, line, "the test's data is not valid: %s", gen_error_message());
        gen_error_clear();
        return;
    }
    gen_model *m = gen_model_new();
    check_error_at(file, line, info->setup(m, d), msg);
    gen_model_free(m);
    gen_data_free(d);
}
#define GALLERY_CHECK_BAD_DATA(json, msg) gallery_check_bad_data_at(__FILE__, __LINE__, &genc_model, (json), (msg))

#endif
