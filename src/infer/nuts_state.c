/* nuts_state.c — the state gen_nuts_sample ends with (gen_nuts_state: each chain's
 * position, step size, metric, warm-up state and trace) and the checks that a run may
 * go on from it (gen_nuts_config.resume). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "nuts_int.h"

#define GEN_TWO_PI 6.283185307179586 /* Stan's static HMC integration time */

/* The internal metric kinds are the inverse metric's ndim: 0 unit, 1 diagonal, 2 dense. */
static int metric_kind(gen_metric_kind m) { return m == GEN_METRIC_UNIT ? 0 : m == GEN_METRIC_DENSE ? 2 : 1; }

gen_nuts_config gen_nuts_config_default(void) {
    return (gen_nuts_config){
        .warmup = 1000,
        .draws = 1000,
        .metric = GEN_METRIC_DIAG,
        .step = 1,
        .max_depth = 10,
        .target_accept = 0.9,
        .init_buffer = 75,
        .term_buffer = 50,
        .base_window = 25,
        .init_radius = 2,
        .engine = GEN_ENGINE_NUTS,
        .int_time = GEN_TWO_PI,
        .adapt = GEN_ADAPT_LOW_RANK,
        .adapt_window = 80,
        .adapt_early_window = 10,
        .adapt_update = 0, /* the mode's: 1 diagonal, 20 low rank */
        .max_rank = 10,
    };
}

gen_nuts_config gen_nuts_config_stan(void) {
    gen_nuts_config c = gen_nuts_config_default();
    c.adapt = GEN_ADAPT_STAN;
    c.target_accept = 0.8;
    return c;
}

gen_nuts_config nuts_config_resolved(const gen_nuts_config *cfg) {
    gen_nuts_config c = *cfg;
    if (c.adapt == GEN_ADAPT_DEFAULT)
        c.adapt = c.metric == GEN_METRIC_DIAG && !c.inv_metric ? GEN_ADAPT_LOW_RANK : GEN_ADAPT_STAN;
    if (c.target_accept == 0) c.target_accept = c.adapt == GEN_ADAPT_STAN ? 0.8 : 0.9;
    return c;
}

void nuts_settings_of(const gen_nuts_config *cfg, nuts_settings *out) {
    bool nutpie = cfg->adapt == GEN_ADAPT_GRADIENT || cfg->adapt == GEN_ADAPT_LOW_RANK;
    *out = (nuts_settings){
        .warmup = cfg->warmup,
        .metric = cfg->inv_metric ? gen_array_ndim(cfg->inv_metric)
                  : cfg->adapt == GEN_ADAPT_LOW_RANK ? 3 : metric_kind(cfg->metric),
        .fixed_metric = cfg->inv_metric != NULL,
        .seeded = cfg->init_inv_metric != NULL,
        .step = cfg->step > 0 ? cfg->step : 1,
        .fixed_step = cfg->fixed_step,
        .max_depth = cfg->max_depth > 0 ? cfg->max_depth : 10,
        .target_accept = cfg->target_accept > 0 ? cfg->target_accept : 0.8,
        .init_buffer = cfg->init_buffer > 0 ? cfg->init_buffer : 75,
        .term_buffer = cfg->term_buffer > 0 ? cfg->term_buffer : 50,
        .base_window = cfg->base_window > 0 ? cfg->base_window : 25,
        .init_radius = cfg->init_at_trace ? 0 : cfg->init_radius > 0 ? cfg->init_radius : 2,
        .engine = (int)cfg->engine,
        .int_time = cfg->engine != GEN_ENGINE_HMC_STATIC ? 0 : cfg->int_time > 0 ? cfg->int_time : GEN_TWO_PI,
        .adapt = (int)cfg->adapt,
        .adapt_window = !nutpie ? 0 : cfg->adapt_window > 0 ? cfg->adapt_window : 80,
        .adapt_early_window = !nutpie ? 0 : cfg->adapt_early_window > 0 ? cfg->adapt_early_window : 10,
        .adapt_update = !nutpie ? 0 : cfg->adapt_update > 0 ? cfg->adapt_update : cfg->adapt == GEN_ADAPT_LOW_RANK ? 20 : 1,
        .max_rank = cfg->adapt != GEN_ADAPT_LOW_RANK ? 0 : cfg->max_rank > 0 ? cfg->max_rank : 10,
    };
}

/* The doubles of a chain: theta, grad (d each) and minv (nmetric). */
static size_t chain_doubles(int64_t d, int64_t nmetric) { return (size_t)(2 * d + nmetric + 1); }

gen_status nuts_chain_alloc(nuts_chain *c, int64_t d, int64_t nmetric) {
    *c = (nuts_chain){0};
    double *m = core_calloc(chain_doubles(d, nmetric), sizeof(double));
    if (!m) return GEN_ERR_OOM;
    c->theta = m;
    c->grad = m + d;
    c->minv = m + 2 * d;
    return GEN_OK;
}

gen_status nuts_chain_copy(nuts_chain *dst, const nuts_chain *src, int64_t d, int64_t nmetric) {
    gen_status s = nuts_chain_alloc(dst, d, nmetric);
    if (s != GEN_OK) return s;
    double *theta = dst->theta, *grad = dst->grad, *minv = dst->minv;
    *dst = *src;
    dst->theta = theta;
    dst->grad = grad;
    dst->minv = minv;
    dst->var = (nuts_var){0};
    dst->ga = (nuts_gadapt){0};
    dst->trace = NULL;
    memcpy(theta, src->theta, chain_doubles(d, nmetric) * sizeof(double)); /* theta, grad and minv */
    if (src->var.mean && (s = nuts_var_init(&dst->var, src->var.kind, d)) == GEN_OK) {
        dst->var.n = src->var.n;
        memcpy(dst->var.mean, src->var.mean, (size_t)d * sizeof(double));
        memcpy(dst->var.m2, src->var.m2, (size_t)(src->var.kind == 2 ? d * d : d) * sizeof(double));
    }
    if (s == GEN_OK) s = nuts_gadapt_copy(&dst->ga, &src->ga);
    if (s != GEN_OK) {
        nuts_chain_free(dst, d, nmetric);
        return s;
    }
    dst->trace = gen_trace_retain(src->trace);
    return GEN_OK;
}

void nuts_chain_free(nuts_chain *c, int64_t d, int64_t nmetric) {
    if (c->theta) core_free(c->theta, chain_doubles(d, nmetric) * sizeof(double));
    nuts_var_free(&c->var);
    nuts_gadapt_free(&c->ga);
    gen_trace_release(c->trace);
    c->theta = c->grad = c->minv = NULL;
    c->trace = NULL;
}

static void state_free(gen_nuts_state *st) {
    for (int c = 0; c < st->n_chains; c++) nuts_chain_free(&st->chains[c], st->d, st->nmetric);
    core_free(st->chains, (size_t)st->n_chains * sizeof *st->chains);
    core_free(st->traces, (size_t)st->n_chains * sizeof *st->traces);
    core_free(st, sizeof *st);
}

gen_nuts_state *nuts_state_new(int n_chains, int64_t d, int64_t dims, int64_t nmetric, int64_t draws,
                               const nuts_settings *set, nuts_chain *chains) {
    gen_nuts_state *st = core_calloc(1, sizeof *st);
    gen_trace **traces = core_calloc((size_t)n_chains, sizeof *traces);
    if (!st || !traces) {
        if (st) core_free(st, sizeof *st);
        if (traces) core_free(traces, (size_t)n_chains * sizeof *traces);
        for (int c = 0; c < n_chains; c++) nuts_chain_free(&chains[c], d, nmetric);
        core_free(chains, (size_t)n_chains * sizeof *chains);
        return NULL;
    }
    *st = (gen_nuts_state){n_chains, d, dims, nmetric, draws, *set, chains, traces};
    for (int c = 0; c < n_chains; c++) traces[c] = chains[c].trace;
    return st;
}

void gen_nuts_state_release(gen_nuts_state *state) {
    if (state) state_free(state);
}

/* The first setting in which a and b differ, written "name a there, b here" into msg. */
static bool settings_differ(const nuts_settings *a, const nuts_settings *b, char *msg, size_t cap) {
#define DIFF_I(f)                                                                                   \
    if (a->f != b->f) {                                                                           \
        snprintf(msg, cap, "%s %lld there, %lld here", #f, (long long)a->f, (long long)b->f);     \
        return true;                                                                              \
    }
#define DIFF_D(f)                                                                                   \
    if (a->f != b->f) {                                                                           \
        snprintf(msg, cap, "%s %g there, %g here", #f, a->f, b->f);                               \
        return true;                                                                              \
    }
    DIFF_I(warmup)
    DIFF_I(metric)
    DIFF_I(fixed_metric)
    DIFF_I(seeded)
    DIFF_D(step)
    DIFF_I(fixed_step)
    DIFF_I(max_depth)
    DIFF_D(target_accept)
    DIFF_I(init_buffer)
    DIFF_I(term_buffer)
    DIFF_I(base_window)
    DIFF_D(init_radius)
    DIFF_I(engine)
    DIFF_D(int_time)
    DIFF_I(adapt)
    DIFF_I(adapt_window)
    DIFF_I(adapt_early_window)
    DIFF_I(adapt_update)
    DIFF_I(max_rank)
#undef DIFF_I
#undef DIFF_D
    return false;
}

/* a is an f64 array of the shape (n, rows, cols...) of ndim dimensions. */
static bool shaped(const gen_array *a, int ndim, const int64_t *shape) {
    if (!a || gen_array_dtype(a) != GEN_F64 || gen_array_ndim(a) != ndim) return false;
    return memcmp(gen_array_shape(a), shape, (size_t)ndim * sizeof *shape) == 0;
}

gen_status nuts_state_check(const char *fn, const gen_nuts_result *prev, const gen_nuts_config *cfg,
                            int n_chains, int64_t d, int64_t dims) {
    const gen_nuts_state *st = prev->state;
    if (!st) return GEN_FAIL(GEN_ERR_VALUE, "%s: the result to resume has no state (a failed call's?)", fn);
    if (st->n_chains != n_chains)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: cfg->resume resumes %d chains, got %d", fn, st->n_chains, n_chains);
    nuts_settings set;
    nuts_settings_of(cfg, &set);
    char msg[160];
    if (settings_differ(&st->set, &set, msg, sizeof msg))
        return GEN_FAIL(GEN_ERR_VALUE, "%s: a resumed run keeps the settings of the run it resumes: %s", fn, msg);
    if (d != st->d)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: the selection has %lld unconstrained coordinates, the run resumed %lld", fn,
                        (long long)d, (long long)st->d);
    if (dims != st->dims)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: the recorded choices have %lld values, in the run resumed %lld", fn,
                        (long long)dims, (long long)st->dims);
    int64_t most = 0;
    for (int c = 0; c < n_chains; c++) {
        const nuts_chain *ch = &st->chains[c];
        int64_t done = ch->it > st->set.warmup ? ch->it - st->set.warmup : 0;
        if (done > most) most = done;
        if (ch->broken)
            return GEN_FAIL(GEN_ERR_VALUE, "%s: chain %d of the run resumed failed inside a warm-up window's update "
                            "(iteration %lld) and cannot go on", fn, c, (long long)ch->it);
    }
    if (cfg->draws < most)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: draws (%lld) must be at least the draws done (%lld)", fn,
                        (long long)cfg->draws, (long long)most);
    int64_t W = st->set.warmup, N = st->draws, n = n_chains;
    if (!shaped(prev->draws, 3, (int64_t[]){n, N, dims}) || !shaped(prev->unconstrained, 3, (int64_t[]){n, N, d}) ||
        !shaped(prev->stats, 3, (int64_t[]){n, W + N, GEN_NUTS_NSTATS}))
        return GEN_FAIL(GEN_ERR_VALUE, "%s: the arrays of the result to resume are missing or not its own", fn);
    return GEN_OK;
}
