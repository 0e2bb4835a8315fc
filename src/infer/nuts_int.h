/* nuts_int.h — the No-U-Turn sampler's state and its warm-up, shared by the transition
 * (nuts.c), the adaptation (nuts_warmup.c), the chain runner (nuts_sample.c) and the
 * state a run ends with and resumes from (nuts_state.c). */
#ifndef GENC_SRC_INFER_NUTS_INT_H
#define GENC_SRC_INFER_NUTS_INT_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include "hmc_int.h"

#define NUTS_UBUF 64

/* A sampler on one target: the metric, the step size, and the workspace of a
 * trajectory (the moving edge z, the tree's ends and the per-depth subtree buffers). */
typedef struct nuts {
    const gen_target *t;
    int64_t d;
    hmc_metric m;
    double eps;
    int max_depth;
    /* the running transition */
    double H0, sum_metro;
    int64_t n_leapfrog;
    bool divergent;
    gen_divergence why; /* of the divergence (of the last step in the step size search) */
    /* uniforms drawn in blocks from key; failed: the error of drawing them (OOM) */
    gen_status failed;
    gen_key key;
    uint64_t block;
    int upos;
    double ubuf[NUTS_UBUF];
    /* workspace */
    double *ws;
    size_t ws_n;
    hmc_point z;
    double *v, *top, *levels;
} nuts;

/* The generalized no-U-turn criterion on a trajectory with summed momentum rho, between
 * the sharp momenta (M^-1 p) at its two ends; shared by nuts.c and nuts_batched.c. */
static inline bool nuts_criterion(int64_t d, const double *p_sharp_minus, const double *p_sharp_plus,
                                  const double *rho) {
    double plus = 0, minus = 0;
    for (int64_t i = 0; i < d; i++) plus += p_sharp_plus[i] * rho[i];
    if (!(plus > 0)) return false;
    for (int64_t i = 0; i < d; i++) minus += p_sharp_minus[i] * rho[i];
    return minus > 0;
}

/* log(exp(a) + exp(b)), exact at -inf. */
static inline double nuts_log_add(double a, double b) {
    if (a == -INFINITY) return b;
    if (b == -INFINITY) return a;
    return a > b ? a + log1p(exp(b - a)) : b + log1p(exp(a - b));
}

gen_status nuts_init(nuts *n, const gen_target *t, int max_depth);
void nuts_free(nuts *n);
/* One transition from x (theta, grad, logp; p is overwritten) to the next state, with
 * its statistics in st. */
gen_status nuts_transition(nuts *n, hmc_point *x, gen_key key, gen_nuts_stats *st);
/* One transition of static HMC (GEN_ENGINE_HMC_STATIC) from x: L = max(1, floor(int_time
 * / eps)) leapfrog steps (at most 2^GEN_NUTS_MAX_DEPTH) and a Metropolis accept, using n's
 * metric, step and workspace (hmc_static.c). */
gen_status hmc_static_transition(nuts *n, hmc_point *x, gen_key key, double int_time, gen_nuts_stats *st);
/* Stan's initial step size heuristic at x: doubles or halves eps until the acceptance
 * probability of one leapfrog step crosses 0.8. */
gen_status nuts_init_stepsize(nuts *n, const hmc_point *x, gen_key key);

/* ---- warm-up (Stan's): dual averaging of the step size, windowed metric estimation */

typedef struct nuts_stepsize {
    double mu, s_bar, x_bar, delta, gamma, t0, kappa;
    int64_t counter;
} nuts_stepsize;

void nuts_stepsize_restart(nuts_stepsize *a);
/* Updates *eps from the acceptance statistic of the last transition. */
void nuts_stepsize_learn(nuts_stepsize *a, double *eps, double accept_stat);

typedef struct nuts_windows {
    int64_t num_warmup, init_buffer, term_buffer, base_window;
    int64_t counter, window_size, next_window;
    bool off; /* too short a warm-up: no metric adaptation */
} nuts_windows;

void nuts_windows_init(nuts_windows *w, int64_t num_warmup, int64_t init_buffer,
                       int64_t term_buffer, int64_t base_window);

/* The running (co)variance of the draws of one window (Welford). */
typedef struct nuts_var {
    int kind; /* 1 diagonal, 2 dense */
    int64_t d, n;
    double *mean, *m2, *delta;
} nuts_var;

gen_status nuts_var_init(nuts_var *v, int kind, int64_t d);
void nuts_var_free(nuts_var *v);
/* Adds theta when inside an adaptation window; at a window's end writes the regularized
 * estimate into minv (d or d * d doubles) and returns true. */
bool nuts_var_learn(nuts_var *v, nuts_windows *w, const double *theta, double *minv);
/* The same for one iteration of several chains: the rows of theta ([rows, d]) all enter
 * the window's estimate, which pools them (nuts_batched.c). */
bool nuts_var_learn_rows(nuts_var *v, nuts_windows *w, int64_t rows, const double *theta, double *minv);
/* The same with the rows' gradients g ([rows, d]) beside, in vg (diagonal, both): at a
 * window's end minv = sqrt(var(theta) / var(g)) element by element (nutpie's diagonal:
 * on a Gaussian, sqrt(Sigma_kk / P_kk) with P the precision; Sigma_kk where independent),
 * where finite and positive (else the element keeps its value), within [1e-20, 1e20]. */
bool nuts_var_learn_rows_grad(nuts_var *v, nuts_var *vg, nuts_windows *w, int64_t rows, const double *theta,
                              const double *g, double *minv);

/* ---- warm-up (nutpie's): the metric from draws and gradients (nuts_adapt_grad.c; the
 * schedule is documented at gen_nuts_config) */

typedef struct nuts_gadapt {
    int kind;            /* 1 diagonal (GEN_ADAPT_GRADIENT), 3 low rank */
    int64_t d, kmax;     /* low rank: the most eigen-directions */
    int64_t early_end;   /* draws before it switch every early_window */
    int64_t step_start;  /* from this draw on only the step size adapts */
    int64_t window, early_window, update_every;
    int64_t last_update; /* the draw of the last metric update (0 before the first) */
    bool initial;        /* the metric is still the one from the initial gradient */
    /* diagonal: Welford sums of draws and gradients, fg then bg, each [mean_x, m2_x,
     * mean_g, m2_g] (4 d); low rank: the rows of draws then gradients since the
     * foreground began, [lo, hi) of cap rows each, the background from split */
    int64_t n_fg, n_bg;
    int64_t lo, split, hi, cap;
    double *buf;
    size_t nbuf;
} nuts_gadapt;

/* The estimators of a warm-up of W iterations (set: the windows; kind 1 or 3); the
 * initial point (theta, grad) is their first draw; the metric from its gradient is
 * written to minv (d, or hmc_lowrank_size(d, kmax) doubles), or, seeded, minv's diagonal
 * (the first d) is kept (low rank: with no directions). */
gen_status nuts_gadapt_init(nuts_gadapt *a, int kind, int64_t d, int64_t kmax, int64_t W, int64_t window,
                            int64_t early_window, int64_t update_every, const double *theta, const double *grad,
                            bool seeded, double *minv);
/* nutpie's diagonal from the sums of squared deviations of draws (m2x) and gradients
 * (m2g): minv[i] = sqrt(m2x[i] / m2g[i]) within [1e-20, 1e20] where finite and nonzero
 * (else minv[i] is kept). */
void nuts_gadapt_diag(int64_t d, const double *m2x, const double *m2g, double *minv);
void nuts_gadapt_free(nuts_gadapt *a);
gen_status nuts_gadapt_copy(nuts_gadapt *dst, const nuts_gadapt *src);
/* Warm-up draw i at (theta, grad); good: it enters the estimators (the transition moved
 * and did not diverge). Returns true when minv changed; *first: the first change. */
bool nuts_gadapt_learn(nuts_gadapt *a, int64_t i, const double *theta, const double *grad, bool good, double *minv,
                       bool *first);
/* The low-rank estimate from n rows of draws xs and gradients gs ([n, d] each) into
 * minv (packed, hmc_int.h); false (minv untouched) when it fails or is not finite
 * (nuts_lowrank.c). */
bool nuts_lowrank_estimate(int64_t d, int64_t kmax, int64_t n, const double *xs, const double *gs, double *minv);
/* The same, with the eigen-problems solved in the span of the window (project: O(d n^2
 * + n^3)) or in all d dimensions (O(d^3)); the answer is the same (the estimate above
 * projects where 2n < d). */
bool nuts_lowrank_estimate_in(int64_t d, int64_t kmax, int64_t n, const double *xs, const double *gs, bool project,
                              double *minv);

/* ---- a chain between two iterations: what a resumed run goes on from (nuts_state.c) */

/* The settings of a run with the defaults filled in (what a resumed run must keep). */
typedef struct nuts_settings {
    int64_t warmup;
    int metric;        /* the metric kind: cfg->metric, or the inv_metric's */
    bool fixed_metric; /* inv_metric given */
    bool seeded;       /* init_inv_metric given */
    double step;
    bool fixed_step;
    int max_depth;
    double target_accept;
    int64_t init_buffer, term_buffer, base_window;
    double init_radius; /* 0: start at the trace's point */
    int engine;         /* gen_hmc_engine */
    double int_time;    /* static HMC's (0 for NUTS) */
    int adapt;          /* gen_metric_adapt */
    int64_t adapt_window, adapt_early_window, adapt_update, max_rank; /* nutpie's (0 for Stan's) */
} nuts_settings;

/* cfg with its defaults that depend on other fields made explicit: adapt (the low-rank
 * schedule where a diagonal metric is adapted, else Stan's) and target_accept (0.9 with
 * nutpie's schedules, 0.8 with Stan's). gen_nuts_sample runs on this. */
gen_nuts_config nuts_config_resolved(const gen_nuts_config *cfg);
/* The settings of a resolved cfg, with the defaults filled in. */
void nuts_settings_of(const gen_nuts_config *cfg, nuts_settings *out);

typedef struct nuts_chain {
    bool started;    /* past the initial point and the first step size search */
    bool broken;     /* stopped inside a window's update: cannot go on */
    int64_t it;      /* iterations done, warm-up and sampling */
    double eps;      /* the step size */
    double logp;     /* at theta */
    double *theta, *grad; /* [d] the position and the gradient there */
    double *minv;    /* [nmetric] the inverse metric (ones for the identity) */
    nuts_stepsize ss;
    nuts_windows win;
    nuts_var var;    /* the running (co)variance of the window (buffers NULL: none) */
    nuts_gadapt ga;  /* nutpie's estimators (buf NULL: none) */
    uint64_t searches;    /* step size searches after windows so far */
    double seconds[2];    /* warm-up and sampling wall time so far */
    gen_trace *trace;     /* at theta (the initial trace before the start); a reference */
} nuts_chain;

/* A chain's buffers for d coordinates and nmetric metric entries (var is not made). */
gen_status nuts_chain_alloc(nuts_chain *c, int64_t d, int64_t nmetric);
/* A copy of src (its own buffers; the trace retained). */
gen_status nuts_chain_copy(nuts_chain *dst, const nuts_chain *src, int64_t d, int64_t nmetric);
void nuts_chain_free(nuts_chain *c, int64_t d, int64_t nmetric);

struct gen_nuts_state {
    int n_chains;
    int64_t d, dims, nmetric, draws;
    nuts_settings set;
    nuts_chain *chains;
    gen_trace **traces; /* the chains' traces, for gen_nuts_result.traces (borrowed) */
};

/* A state taking the chains (moved: their buffers and traces, the array too). */
gen_nuts_state *nuts_state_new(int n_chains, int64_t d, int64_t dims, int64_t nmetric, int64_t draws,
                               const nuts_settings *set, nuts_chain *chains);
/* Checks that cfg, n_chains, d and dims may go on from prev (fn: for the messages). */
gen_status nuts_state_check(const char *fn, const gen_nuts_result *prev, const gen_nuts_config *cfg,
                            int n_chains, int64_t d, int64_t dims);

#endif
