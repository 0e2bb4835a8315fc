/* nuts_batched.c — NUTS over a batched trace (gen_nuts_sample_batched): the n particles
 * as n chains, each building its own tree by nuts.c's rules, the trees built in lockstep:
 * every leapfrog step evaluates the points of the chains whose tree still grows in one
 * call (batch_chains_eval_rows), and a chain whose tree has ended waits. nuts.c's
 * recursive build_tree becomes a binary counter: each new leaf is pushed on the chain's
 * stack of completed subtrees, and the top two merge while they are of one size (uniform
 * progressive sampling, the three U-turn checks), which is where the recursion returns
 * from a call; the uniforms are drawn in nuts.c's order and the arithmetic is nuts.c's,
 * so chain 0 repeats gen_nuts (a draw's first rows are a smaller draw's). Warm-up:
 * Stan's, the step size per chain, the diagonal metric pooled over the chains
 * (nuts_warmup.c's windows and estimate). The chains' start, evaluation and write-back
 * are hmc_batched.c's (hmc_batched_int.h). */
#include <math.h>
#include <string.h>

#include "hmc_batched_int.h"
#include "nuts_int.h"

#define FN "gen_nuts_sample_batched"
#define MAX_DELTA_H 1000.0
#define UBLOCK NUTS_UBUF /* a chain's uniforms per block, as nuts.c draws them */
#define UCACHE 4         /* blocks of every chain's uniforms kept (the chains use them in order) */

/* A chain's vectors, d doubles each: the points (theta, p, grad) of the moving edge z,
 * the tree's forward and backward ends and its sample; the momenta and sharp momenta
 * (M^-1 p) at the ends of the old tree and of the new subtree (P_FB: the forward part's
 * backward end, ...), the summed momenta, scratch; then the stack of completed subtrees. */
enum { Z = 0, FWD = 3, BCK = 6, SMP = 9, P_FF = 12, PS_FF, P_FB, PS_FB, P_BF, PS_BF, P_BB, PS_BB, RHO, RHO_F, RHO_B,
       RHO_X, V, TOP_VECS };
/* A completed subtree: its proposal (a point), the momentum and sharp momentum at its
 * first and its last step (in the direction it grew), its summed momentum. */
enum { R_PT = 0, R_PSB = 3, R_PB, R_PSE, R_PE, R_RHO, REC_VECS };
/* The log densities of the points: z, the ends, the sample, then the subtrees'. */
enum { LP_Z = 0, LP_FWD, LP_BCK, LP_SMP, LP_REC };

/* One chain's tree of the current iteration. */
typedef struct tree {
    double *w;  /* TOP_VECS + REC_VECS (max_depth + 1) vectors */
    double lp[LP_REC + GEN_NUTS_MAX_DEPTH + 1];
    double rec_lsw[GEN_NUTS_MAX_DEPTH + 1];
    int level[GEN_NUTS_MAX_DEPTH + 1];
    double H0, lsw, sum_metro;
    int64_t n_leapfrog;
    int depth, sign, sp;  /* doublings done, the growing subtree's direction, the stack's size */
    bool growing, divergent;
    gen_divergence why, zwhy; /* the divergence's reason; the model's rejection of z */
    /* the step size search */
    int dir;
    double h0;
    /* the uniforms: the next block and the position in ubuf */
    uint64_t ublock;
    int upos;
    double ubuf[UBLOCK];
} tree;

typedef struct run {
    batch_chains c;
    hmc_metric m;
    gen_nuts_batched_config cfg; /* defaults filled in */
    bool adapt_step, adapt_metric;
    int64_t vecs;                /* per chain */
    tree *tr;                    /* [n] */
    double *w;                   /* every chain's vectors */
    double *eps, *normals, *eth, *elp, *eg, *minv; /* [n], [n d] x 3, [n], [n d], [d] */
    int64_t *idx;                /* [n] the chains evaluated */
    gen_divergence *ewhy;        /* [n] */
    nuts_stepsize *ss;           /* [n] */
    nuts_windows win;
    nuts_var var, gvar;          /* the window's positions; its gradients (GEN_ADAPT_GRADIENT) */
    uint64_t searches;
    /* the uniforms of the iteration: block b of all chains from fold_in(ukey, b) */
    gen_key ukey;
    double *ucache;              /* UCACHE blocks of n UBLOCK */
    int64_t ucache_b[UCACHE];
    int unext;
    gen_status failed;           /* drawing uniforms failed: the iteration fails at its end */
    double *draws, *unc, *stats; /* the results, chain-major */
    int64_t n_iter;
} run;

gen_nuts_batched_config gen_nuts_batched_config_default(void) {
    gen_nuts_config s = gen_nuts_config_stan(); /* Stan's windows, pooled over the chains */
    return (gen_nuts_batched_config){
        .warmup = s.warmup,
        .draws = s.draws,
        .metric = s.metric,
        .step = s.step,
        .max_depth = s.max_depth,
        .target_accept = s.target_accept,
        .init_buffer = s.init_buffer,
        .term_buffer = s.term_buffer,
        .base_window = s.base_window,
        .adapt = GEN_ADAPT_STAN,
    };
}

static gen_status check_config(const gen_trace *tr, const gen_selection *sel, const gen_nuts_batched_config *cfg,
                               gen_nuts_batched_result *out) {
    if (!out) return GEN_FAIL(GEN_ERR_MISUSE, FN ": out is NULL");
    *out = (gen_nuts_batched_result){0};
    if (!tr) return infer_null(FN, "the trace");
    if (!sel) return infer_null(FN, "the selection");
    if (!cfg) return GEN_FAIL(GEN_ERR_MISUSE, FN ": the configuration is NULL");
    gen_status s = batch_sampler_check(FN, tr, cfg->warmup, cfg->draws, cfg->metric, cfg->inv_metric, cfg->step,
                                       cfg->fixed_step);
    if (s != GEN_OK) return s;
    if (cfg->max_depth < 0 || cfg->max_depth > GEN_NUTS_MAX_DEPTH)
        return GEN_FAIL(GEN_ERR_VALUE, FN ": max_depth must be in 1..%d (0: 10), got %d", GEN_NUTS_MAX_DEPTH,
                        cfg->max_depth);
    if (!(cfg->target_accept >= 0 && cfg->target_accept < 1))
        return GEN_FAIL(GEN_ERR_VALUE, FN ": target_accept must be in (0, 1) (0: 0.8), got %g", cfg->target_accept);
    if (cfg->adapt != GEN_ADAPT_DEFAULT && cfg->adapt != GEN_ADAPT_STAN && cfg->adapt != GEN_ADAPT_GRADIENT)
        return GEN_FAIL(cfg->adapt == GEN_ADAPT_LOW_RANK ? GEN_ERR_UNSUPPORTED : GEN_ERR_VALUE,
                        FN ": adapt must be GEN_ADAPT_STAN or GEN_ADAPT_GRADIENT (0: STAN) for many chains, got %d",
                        (int)cfg->adapt);
    if (cfg->init_buffer < 0 || cfg->term_buffer < 0 || cfg->base_window < 0)
        return GEN_FAIL(GEN_ERR_VALUE, FN ": init_buffer, term_buffer and base_window must be >= 0 (0: 75, 50, 25), "
                        "got %lld, %lld, %lld", (long long)cfg->init_buffer, (long long)cfg->term_buffer,
                        (long long)cfg->base_window);
    return GEN_OK;
}

/* cfg with its zero fields at their defaults. */
static gen_nuts_batched_config with_defaults(const gen_nuts_batched_config *cfg) {
    gen_nuts_batched_config r = *cfg, def = gen_nuts_batched_config_default();
    if (r.step == 0) r.step = def.step;
    if (r.max_depth == 0) r.max_depth = def.max_depth;
    if (r.target_accept == 0) r.target_accept = def.target_accept;
    if (r.init_buffer == 0) r.init_buffer = def.init_buffer;
    if (r.term_buffer == 0) r.term_buffer = def.term_buffer;
    if (r.base_window == 0) r.base_window = def.base_window;
    if (r.adapt == GEN_ADAPT_DEFAULT) r.adapt = def.adapt;
    return r;
}

/* ---- buffers */

static void *alloc_n(int64_t n, size_t size) { return core_alloc((size_t)n * size + 1); }
static void free_n(void *p, int64_t n, size_t size) {
    if (p) core_free(p, (size_t)n * size + 1);
}

static void run_free(run *r) {
    int64_t n = r->c.n, d = r->c.d;
    free_n(r->tr, n, sizeof *r->tr);
    free_n(r->w, n * r->vecs * d, sizeof(double));
    free_n(r->eps, 2 * n + 4 * n * d + d, sizeof(double));
    free_n(r->idx, n, sizeof *r->idx);
    free_n(r->ewhy, n, sizeof *r->ewhy);
    free_n(r->ss, n, sizeof *r->ss);
    free_n(r->ucache, UCACHE * n * UBLOCK, sizeof(double));
    free_n(r->draws, n * r->cfg.draws * r->c.dims, sizeof(double));
    free_n(r->unc, n * r->cfg.draws * d, sizeof(double));
    free_n(r->stats, n * r->n_iter * GEN_NUTS_NSTATS, sizeof(double));
    nuts_var_free(&r->var);
    nuts_var_free(&r->gvar);
    hmc_metric_free(&r->m);
    batch_chains_free(&r->c);
}

/* The run's buffers, once the chains know n, d and dims. */
static gen_status run_alloc(run *r) {
    int64_t n = r->c.n, d = r->c.d;
    r->n_iter = r->cfg.warmup + r->cfg.draws;
    r->vecs = TOP_VECS + REC_VECS * (r->cfg.max_depth + 1);
    /* the buffers' doubles, counted in double so that no count overflows */
    double need = (double)n * ((double)(r->vecs + 4) * (double)(d + 1) + UCACHE * UBLOCK +
                               (double)r->n_iter * GEN_NUTS_NSTATS + (double)r->cfg.draws * (double)(r->c.dims + d));
    if (!(need < 1e17))
        return GEN_FAIL(GEN_ERR_OOM, "%lld chains of %lld coordinates, %lld iterations: %g doubles are too many",
                        (long long)n, (long long)d, (long long)r->n_iter, need);
    r->tr = alloc_n(n, sizeof *r->tr);
    r->w = alloc_n(n * r->vecs * d, sizeof(double));
    r->eps = alloc_n(2 * n + 4 * n * d + d, sizeof(double));
    r->idx = alloc_n(n, sizeof *r->idx);
    r->ewhy = alloc_n(n, sizeof *r->ewhy);
    r->ss = alloc_n(n, sizeof *r->ss);
    r->ucache = alloc_n(UCACHE * n * UBLOCK, sizeof(double));
    r->draws = alloc_n(n * r->cfg.draws * r->c.dims, sizeof(double));
    r->unc = alloc_n(n * r->cfg.draws * d, sizeof(double));
    r->stats = alloc_n(n * r->n_iter * GEN_NUTS_NSTATS, sizeof(double));
    if (!r->tr || !r->w || !r->eps || !r->idx || !r->ewhy || !r->ss || !r->ucache || !r->draws || !r->unc || !r->stats)
        return GEN_ERR_OOM;
    r->normals = r->eps + n, r->eth = r->normals + n * d, r->eg = r->eth + n * d, r->elp = r->eg + n * d;
    r->minv = r->elp + n;
    for (int64_t i = 0; i < n; i++) r->tr[i] = (tree){.w = r->w + i * r->vecs * d};
    return GEN_OK;
}

/* ---- one chain's vectors and points */

static double *vec(const run *r, int64_t i, int k) { return r->tr[i].w + k * r->c.d; }
static double *rec(const run *r, int64_t i, int slot, int k) { return vec(r, i, TOP_VECS + slot * REC_VECS + k); }

static void vcopy(int64_t d, double *dst, const double *src) { memcpy(dst, src, (size_t)d * sizeof(double)); }
static void vsum(int64_t d, double *dst, const double *a, const double *b) {
    for (int64_t k = 0; k < d; k++) dst[k] = a[k] + b[k];
}
/* A point's three vectors (theta, p, grad), starting at dst and src. */
static void pcopy(int64_t d, double *dst, const double *src) { memcpy(dst, src, (size_t)(3 * d) * sizeof(double)); }

/* H at the point (theta, p) with log density lp; NaN is +inf (nuts.c's). */
static double hamiltonian(run *r, int64_t i, double lp, const double *p) {
    double h = -lp + hmc_kinetic(&r->m, p, vec(r, i, V));
    return isnan(h) ? INFINITY : h;
}

/* ---- the uniforms: chain i's next one, from block b = its next of the iteration's */

static const double *ublock(run *r, uint64_t b) {
    int64_t n = r->c.n, len = n * UBLOCK;
    for (int k = 0; k < UCACHE; k++)
        if (r->ucache_b[k] == (int64_t)b) return r->ucache + k * len;
    int k = r->unext;
    r->unext = (r->unext + 1) % UCACHE;
    double *dst = r->ucache + k * len;
    r->ucache_b[k] = -1;
    if (gen_scope_begin() != GEN_OK) return NULL;
    gen_array *u = gen_random_uniform(gen_key_fold_in(r->ukey, b), GEN_F64, 1, &len);
    bool ok = u && gen_array_copy_to(u, GEN_F64, dst, (size_t)len * sizeof *dst) == GEN_OK;
    gen_scope_end();
    if (!ok) return NULL;
    r->ucache_b[k] = (int64_t)b;
    return dst;
}

static double uniform(run *r, int64_t i) {
    tree *t = r->tr + i;
    if (t->upos >= UBLOCK) {
        const double *b = ublock(r, t->ublock++);
        t->upos = 0;
        if (b) {
            memcpy(t->ubuf, b + i * UBLOCK, sizeof t->ubuf);
        } else { /* the iteration goes on with 0.5s and fails at its end (nuts.c's) */
            if (!r->failed) r->failed = infer_pending();
            for (int k = 0; k < UBLOCK; k++) t->ubuf[k] = 0.5;
        }
    }
    return t->ubuf[t->upos++];
}

/* ---- lockstep leapfrog steps */

/* One leapfrog step of size step[i] of the edge z of every chain i with on[i] (hmc_leapfrog's
 * arithmetic), the new points evaluated at once; t->zwhy the model's rejection of chain
 * i's new point (its log density then -inf and its momentum's second half-step skipped). */
static gen_status leapfrog(run *r, const bool *on, const double *step) {
    int64_t n = r->c.n, d = r->c.d, m = 0;
    for (int64_t i = 0; i < n; i++) {
        if (!on[i]) continue;
        double *th = vec(r, i, Z), *p = vec(r, i, Z + 1), *g = vec(r, i, Z + 2), *v = vec(r, i, V);
        for (int64_t k = 0; k < d; k++) p[k] += 0.5 * step[i] * g[k];
        hmc_apply_minv(&r->m, p, v);
        for (int64_t k = 0; k < d; k++) th[k] += step[i] * v[k];
        vcopy(d, r->eth + m * d, th);
        r->idx[m++] = i;
    }
    gen_status s = batch_chains_eval_rows(&r->c, m, r->eth, r->elp, r->eg, r->ewhy);
    for (int64_t j = 0; s == GEN_OK && j < m; j++) {
        int64_t i = r->idx[j];
        tree *t = r->tr + i;
        double *p = vec(r, i, Z + 1), *g = vec(r, i, Z + 2);
        t->zwhy = r->ewhy[j];
        t->lp[LP_Z] = r->elp[j];
        vcopy(d, g, r->eg + j * d);
        if (t->zwhy != GEN_DIVERGENCE_NONE) continue;
        for (int64_t k = 0; k < d; k++) p[k] += 0.5 * step[i] * g[k];
        hmc_apply_minv(&r->m, p, vec(r, i, V));
    }
    return s;
}

/* Stan's step size heuristic (nuts_init_stepsize) for every chain at once, from its
 * current point: attempt a draws the momenta from fold_in(key, a); a chain's step is
 * doubled (halved) until one step's acceptance probability falls below (rises above)
 * 0.8. The searching chains step in lockstep; one that passes 1e7 or reaches 0 is an
 * error naming it. */
static gen_status find_steps(run *r, gen_key key) {
    batch_chains *c = &r->c;
    int64_t n = c->n, d = c->d, left = 0;
    bool *on = c->acc; /* the chains still searching */
    for (int64_t i = 0; i < n; i++) {
        on[i] = !(r->eps[i] == 0 || r->eps[i] > 1e7 || isnan(r->eps[i]));
        left += on[i];
    }
    gen_status s = GEN_OK;
    for (uint64_t a = 0; s == GEN_OK && left > 0; a++) {
        if ((s = hmc_normals(gen_key_fold_in(key, a), n * d, r->normals)) != GEN_OK) break;
        for (int64_t i = 0; i < n; i++) {
            if (!on[i]) continue;
            double *z = vec(r, i, Z);
            vcopy(d, z, c->theta0 + i * d);
            vcopy(d, z + 2 * d, c->grad0 + i * d);
            hmc_draw_momentum(&r->m, r->normals + i * d, z + d);
            r->tr[i].h0 = hamiltonian(r, i, c->lp0[i], z + d);
        }
        if ((s = leapfrog(r, on, r->eps)) != GEN_OK) break;
        for (int64_t i = 0; s == GEN_OK && i < n; i++) {
            tree *t = r->tr + i;
            if (!on[i]) continue;
            double h = t->zwhy == GEN_DIVERGENCE_NONE ? hamiltonian(r, i, t->lp[LP_Z], vec(r, i, Z + 1)) : INFINITY;
            double dh = t->h0 - h;
            if (a == 0) {
                t->dir = dh > log(0.8) ? 1 : -1;
                continue;
            }
            if ((t->dir == 1 && !(dh > log(0.8))) || (t->dir == -1 && !(dh < log(0.8)))) {
                on[i] = false, left--;
                continue;
            }
            r->eps[i] = t->dir == 1 ? 2 * r->eps[i] : 0.5 * r->eps[i];
            if (r->eps[i] > 1e7)
                s = GEN_FAIL(GEN_ERR_VALUE, "chain %lld: the step size search passed 1e7: the log density hardly "
                             "changes along any momentum (a flat direction: the posterior may be improper)", (long long)i);
            else if (r->eps[i] == 0)
                s = GEN_FAIL(GEN_ERR_VALUE, "chain %lld: no acceptably small step size: even the smallest step from "
                             "the starting point is rejected (%s; the gradient may disagree with the log density)",
                             (long long)i,
                             infer_divergence_name(t->zwhy != GEN_DIVERGENCE_NONE ? t->zwhy : GEN_DIVERGENCE_ENERGY));
        }
    }
    return s;
}

/* ---- the trees */

/* Chain i's next subtree (nuts.c's loop body up to build_tree): its direction, the old
 * tree's summed momentum and near end handed to the other side, z at the end it grows
 * from. */
static void subtree_begin(run *r, int64_t i) {
    tree *t = r->tr + i;
    int64_t d = r->c.d;
    t->sp = 0;
    if (uniform(r, i) > 0.5) { /* forwards: the old tree becomes the backward part */
        t->sign = 1;
        vcopy(d, vec(r, i, RHO_B), vec(r, i, RHO));
        vcopy(d, vec(r, i, P_BF), vec(r, i, P_FF));
        vcopy(d, vec(r, i, PS_BF), vec(r, i, PS_FF));
        pcopy(d, vec(r, i, Z), vec(r, i, FWD));
        t->lp[LP_Z] = t->lp[LP_FWD];
    } else {
        t->sign = -1;
        vcopy(d, vec(r, i, RHO_F), vec(r, i, RHO));
        vcopy(d, vec(r, i, P_FB), vec(r, i, P_BB));
        vcopy(d, vec(r, i, PS_FB), vec(r, i, PS_BB));
        pcopy(d, vec(r, i, Z), vec(r, i, BCK));
        t->lp[LP_Z] = t->lp[LP_BCK];
    }
}

/* The iteration's start for chain i at its point (c->theta0, grad0, lp0): momentum from
 * its normals, the tree a single point, the first subtree begun. */
static void tree_begin(run *r, int64_t i) {
    batch_chains *c = &r->c;
    tree *t = r->tr + i;
    int64_t d = c->d;
    double *x = vec(r, i, FWD);
    vcopy(d, x, c->theta0 + i * d);
    hmc_draw_momentum(&r->m, r->normals + i * d, x + d);
    vcopy(d, x + 2 * d, c->grad0 + i * d);
    pcopy(d, vec(r, i, BCK), x);
    pcopy(d, vec(r, i, SMP), x);
    t->lp[LP_FWD] = t->lp[LP_BCK] = t->lp[LP_SMP] = c->lp0[i];
    const double *p = x + d;
    vcopy(d, vec(r, i, P_FF), p);
    hmc_apply_minv(&r->m, p, vec(r, i, PS_FF));
    for (int k = P_FB; k <= PS_BB; k += 2) {
        vcopy(d, vec(r, i, k), p);
        vcopy(d, vec(r, i, k + 1), vec(r, i, PS_FF));
    }
    vcopy(d, vec(r, i, RHO), p);
    t->lsw = 0;
    t->H0 = hamiltonian(r, i, c->lp0[i], p);
    t->n_leapfrog = 0;
    t->sum_metro = 0;
    t->divergent = false;
    t->why = GEN_DIVERGENCE_NONE;
    t->depth = 0;
    t->growing = true;
    subtree_begin(r, i);
}

/* Merges chain i's two top subtrees, the older (a) and the newer (b), into a's slot (the
 * second half of nuts.c's build_tree); false on a U-turn. */
static bool merge(run *r, int64_t i) {
    tree *t = r->tr + i;
    int64_t d = r->c.d;
    int a = t->sp - 2, b = t->sp - 1;
    double lsw_sub = nuts_log_add(t->rec_lsw[a], t->rec_lsw[b]);
    if (t->rec_lsw[b] > lsw_sub || uniform(r, i) < exp(t->rec_lsw[b] - lsw_sub)) {
        pcopy(d, rec(r, i, a, R_PT), rec(r, i, b, R_PT));
        t->lp[LP_REC + a] = t->lp[LP_REC + b];
    }
    t->rec_lsw[a] = lsw_sub;
    double *x = vec(r, i, RHO_X);
    vsum(d, x, rec(r, i, a, R_RHO), rec(r, i, b, R_PB));
    bool persist = nuts_criterion(d, rec(r, i, a, R_PSB), rec(r, i, b, R_PSB), x);
    vsum(d, x, rec(r, i, b, R_RHO), rec(r, i, a, R_PE));
    persist = nuts_criterion(d, rec(r, i, a, R_PSE), rec(r, i, b, R_PSE), x) && persist;
    double *rho = rec(r, i, a, R_RHO);
    for (int64_t k = 0; k < d; k++) rho[k] += rec(r, i, b, R_RHO)[k];
    persist = nuts_criterion(d, rec(r, i, a, R_PSB), rec(r, i, b, R_PSE), rho) && persist;
    vcopy(d, rec(r, i, a, R_PSE), rec(r, i, b, R_PSE));
    vcopy(d, rec(r, i, a, R_PE), rec(r, i, b, R_PE));
    t->level[a]++;
    t->sp--;
    return persist;
}

/* The subtree of chain i complete (the stack's one entry): nuts.c's loop body after
 * build_tree: its ends handed to the tree, the biased progressive sample, the U-turn
 * checks of the whole tree; the next subtree begun, or the tree ended. */
static void subtree_end(run *r, int64_t i) {
    tree *t = r->tr + i;
    int64_t d = r->c.d;
    bool fwd = t->sign == 1;
    vcopy(d, vec(r, i, fwd ? PS_FB : PS_BF), rec(r, i, 0, R_PSB));
    vcopy(d, vec(r, i, fwd ? PS_FF : PS_BB), rec(r, i, 0, R_PSE));
    vcopy(d, vec(r, i, fwd ? RHO_F : RHO_B), rec(r, i, 0, R_RHO));
    vcopy(d, vec(r, i, fwd ? P_FB : P_BF), rec(r, i, 0, R_PB));
    vcopy(d, vec(r, i, fwd ? P_FF : P_BB), rec(r, i, 0, R_PE));
    pcopy(d, vec(r, i, fwd ? FWD : BCK), vec(r, i, Z));
    t->lp[fwd ? LP_FWD : LP_BCK] = t->lp[LP_Z];
    t->depth++;
    double lsw_sub = t->rec_lsw[0];
    if (lsw_sub > t->lsw || uniform(r, i) < exp(lsw_sub - t->lsw)) {
        pcopy(d, vec(r, i, SMP), rec(r, i, 0, R_PT));
        t->lp[LP_SMP] = t->lp[LP_REC];
    }
    t->lsw = nuts_log_add(t->lsw, lsw_sub);
    double *rho = vec(r, i, RHO), *x = vec(r, i, RHO_X);
    vsum(d, rho, vec(r, i, RHO_B), vec(r, i, RHO_F));
    bool persist = nuts_criterion(d, vec(r, i, PS_BB), vec(r, i, PS_FF), rho);
    vsum(d, x, vec(r, i, RHO_B), vec(r, i, P_FB));
    persist = persist && nuts_criterion(d, vec(r, i, PS_BB), vec(r, i, PS_FB), x);
    vsum(d, x, vec(r, i, RHO_F), vec(r, i, P_BF));
    persist = persist && nuts_criterion(d, vec(r, i, PS_BF), vec(r, i, PS_FF), x);
    if (!persist || t->depth >= r->cfg.max_depth) t->growing = false;
    else subtree_begin(r, i);
}

/* Chain i's new leaf at z (after its leapfrog step; nuts.c's build_tree at depth 0):
 * pushed as a subtree of one step, merged with the completed subtrees of its size; the
 * tree ends on a divergence or a U-turn inside the subtree. */
static void leaf(run *r, int64_t i) {
    tree *t = r->tr + i;
    int64_t d = r->c.d;
    t->n_leapfrog++;
    const double *z = vec(r, i, Z);
    double h = t->zwhy == GEN_DIVERGENCE_NONE ? hamiltonian(r, i, t->lp[LP_Z], z + d) : INFINITY;
    if (h - t->H0 > MAX_DELTA_H) {
        t->divergent = true;
        t->why = t->zwhy != GEN_DIVERGENCE_NONE ? t->zwhy : GEN_DIVERGENCE_ENERGY;
    }
    t->sum_metro += t->H0 - h > 0 ? 1 : exp(t->H0 - h);
    if (t->divergent) {
        t->growing = false;
        return;
    }
    int s = t->sp++;
    t->rec_lsw[s] = nuts_log_add(-INFINITY, t->H0 - h);
    t->level[s] = 0;
    pcopy(d, rec(r, i, s, R_PT), z);
    t->lp[LP_REC + s] = t->lp[LP_Z];
    hmc_apply_minv(&r->m, z + d, rec(r, i, s, R_PSB));
    vcopy(d, rec(r, i, s, R_PSE), rec(r, i, s, R_PSB));
    vcopy(d, rec(r, i, s, R_PB), z + d);
    vcopy(d, rec(r, i, s, R_PE), z + d);
    vcopy(d, rec(r, i, s, R_RHO), z + d);
    while (t->sp >= 2 && t->level[t->sp - 1] == t->level[t->sp - 2])
        if (!merge(r, i)) {
            t->growing = false;
            return;
        }
    if (t->sp == 1 && t->level[0] == t->depth) subtree_end(r, i);
}

/* One NUTS transition of every chain from its point, iteration key kit; the new points
 * into c->theta0, grad0, lp0 and the statistics into row it. */
static gen_status transition(run *r, gen_key kit, int64_t it) {
    batch_chains *c = &r->c;
    int64_t n = c->n, d = c->d;
    gen_status s = hmc_normals(gen_key_fold_in(kit, 0), n * d, r->normals);
    if (s != GEN_OK) return s;
    r->ukey = gen_key_fold_in(kit, 1);
    for (int k = 0; k < UCACHE; k++) r->ucache_b[k] = -1;
    r->failed = GEN_OK;
    bool *on = c->acc; /* the chains whose tree grows */
    int64_t left = n;
    for (int64_t i = 0; i < n; i++) {
        r->tr[i].ublock = 0, r->tr[i].upos = UBLOCK;
        tree_begin(r, i);
        on[i] = true;
    }
    while (s == GEN_OK && left > 0) {
        for (int64_t i = 0; i < n; i++) /* the signed steps */
            if (on[i]) c->alpha[i] = r->tr[i].sign * r->eps[i];
        if ((s = leapfrog(r, on, c->alpha)) != GEN_OK) break;
        for (int64_t i = 0; i < n; i++) {
            if (!on[i]) continue;
            leaf(r, i);
            if (!r->tr[i].growing) on[i] = false, left--;
        }
    }
    if (s == GEN_OK && r->failed) s = r->failed;
    for (int64_t i = 0; s == GEN_OK && i < n; i++) {
        tree *t = r->tr + i;
        const double *x = vec(r, i, SMP);
        vcopy(d, c->theta0 + i * d, x);
        vcopy(d, c->grad0 + i * d, x + 2 * d);
        c->lp0[i] = t->lp[LP_SMP];
        double *st = r->stats + (i * r->n_iter + it) * GEN_NUTS_NSTATS;
        st[GEN_NUTS_LP] = c->lp0[i];
        st[GEN_NUTS_ACCEPT_STAT] = t->n_leapfrog ? t->sum_metro / (double)t->n_leapfrog : 0;
        st[GEN_NUTS_STEP_SIZE] = r->eps[i];
        st[GEN_NUTS_TREE_DEPTH] = t->depth;
        st[GEN_NUTS_N_LEAPFROG] = (double)t->n_leapfrog;
        st[GEN_NUTS_DIVERGENT] = t->divergent;
        st[GEN_NUTS_ENERGY] = hamiltonian(r, i, c->lp0[i], x + d);
        st[GEN_NUTS_DIVERGENCE] = (double)t->why;
    }
    return s;
}

/* ---- the run */

/* After warm-up iteration it: each chain's dual averaging, the pooled metric's window
 * (at its end: the new metric, then every chain's step size search and a restart of its
 * averaging), the final steps after the last one. */
static gen_status adapt(run *r, int64_t it, gen_key ksearch) {
    int64_t n = r->c.n, d = r->c.d;
    gen_status s = GEN_OK;
    if (r->adapt_step)
        for (int64_t i = 0; i < n; i++)
            nuts_stepsize_learn(r->ss + i, r->eps + i,
                                r->stats[(i * r->n_iter + it) * GEN_NUTS_NSTATS + GEN_NUTS_ACCEPT_STAT]);
    bool ends = r->adapt_metric && (r->cfg.adapt == GEN_ADAPT_GRADIENT
                                        ? nuts_var_learn_rows_grad(&r->var, &r->gvar, &r->win, n, r->c.theta0,
                                                                   r->c.grad0, r->minv)
                                        : nuts_var_learn_rows(&r->var, &r->win, n, r->c.theta0, r->minv));
    if (ends) {
        s = hmc_metric_set(&r->m, 1, d, r->minv);
        if (s == GEN_OK && r->adapt_step) s = find_steps(r, gen_key_fold_in(ksearch, r->searches++));
        for (int64_t i = 0; i < n; i++) {
            r->ss[i].mu = log(10 * r->eps[i]);
            nuts_stepsize_restart(r->ss + i);
        }
        if (s != GEN_OK) core_error_prefix("the metric window's update");
    }
    if (s == GEN_OK && it == r->cfg.warmup - 1 && r->adapt_step)
        for (int64_t i = 0; i < n; i++) r->eps[i] = exp(r->ss[i].x_bar);
    return s;
}

/* The draw of iteration it (after warm-up): every chain's position and values. */
static gen_status record(run *r, int64_t it) {
    return batch_chains_record(&r->c, it - r->cfg.warmup, r->cfg.draws, r->unc, r->draws);
}

/* The results into out (arrays in the current scope) and the trace at the chains' final
 * points, whose target the next batched step on it takes up (target_reuse.c). */
static gen_status publish(run *r, const gen_trace *tr, const gen_selection *sel, gen_nuts_batched_result *out) {
    batch_chains *c = &r->c;
    int64_t n = c->n, d = c->d, draws = r->cfg.draws;
    int64_t sd[3] = {n, draws, c->dims}, su[3] = {n, draws, d}, ss[3] = {n, r->n_iter, GEN_NUTS_NSTATS};
    for (int64_t k = 0; k < d; k++) c->tmp[k] = r->m.kind == 1 ? r->m.minv[k] : 1;
    out->draws = gen_array_from(GEN_F64, 3, sd, r->draws);
    out->unconstrained = gen_array_from(GEN_F64, 3, su, r->unc);
    out->stats = gen_array_from(GEN_F64, 3, ss, r->stats);
    out->step_size = gen_array_from(GEN_F64, 1, &n, r->eps);
    out->inv_metric = gen_array_from(GEN_F64, 1, &d, c->tmp);
    if (!out->draws || !out->unconstrained || !out->stats || !out->step_size || !out->inv_metric)
        return infer_pending();
    return batch_chains_finish(c, tr, sel, &out->trace);
}

gen_status gen_nuts_sample_batched(const gen_trace *tr, gen_key key, const gen_selection *sel,
                                   const gen_nuts_batched_config *cfg, gen_nuts_batched_result *out) {
    gen_status s = check_config(tr, sel, cfg, out);
    if (s != GEN_OK) return s;
    run r = {0};
    r.cfg = with_defaults(cfg);
    int64_t W = r.cfg.warmup;
    gen_key k[3];
    s = batch_chains_init(&r.c, tr, sel);
    int64_t n = r.c.n, d = r.c.d;
    if (s == GEN_OK) s = run_alloc(&r);
    if (s == GEN_OK)
        s = cfg->inv_metric ? hmc_metric_init(&r.m, cfg->inv_metric, d)
                            : hmc_metric_set(&r.m, r.cfg.metric == GEN_METRIC_DIAG ? 1 : 0, d, NULL);
    r.adapt_step = !r.cfg.fixed_step && W > 0;
    r.adapt_metric = !cfg->inv_metric && r.cfg.metric == GEN_METRIC_DIAG && W > 0;
    if (s == GEN_OK && r.adapt_metric) {
        nuts_windows_init(&r.win, W, r.cfg.init_buffer, r.cfg.term_buffer, r.cfg.base_window);
        s = nuts_var_init(&r.var, 1, d);
        if (s == GEN_OK && r.cfg.adapt == GEN_ADAPT_GRADIENT) s = nuts_var_init(&r.gvar, 1, d);
        for (int64_t j = 0; j < d; j++) r.minv[j] = 1; /* the gradient estimate keeps an element it cannot form */
    }
    if (s == GEN_OK) s = gen_key_split(key, 3, k);
    if (s == GEN_OK) s = batch_chains_eval(&r.c, r.c.theta0, r.c.lp0, r.c.grad0, true);
    for (int64_t i = 0; s == GEN_OK && i < n; i++) {
        r.eps[i] = r.cfg.step;
        r.ss[i] = (nuts_stepsize){0, 0, 0, r.cfg.target_accept, 0.05, 10, 0.75, 0};
    }
    if (s == GEN_OK && r.adapt_step) {
        s = find_steps(&r, k[0]);
        for (int64_t i = 0; i < n; i++) r.ss[i].mu = log(10 * r.eps[i]);
    }
    infer_run prog;
    infer_run_init(&prog, FN, "iterations", &cfg->progress, 1);
    bool stopped = s == GEN_OK && !batch_chains_report(&prog, 0, W, r.n_iter);
    for (int64_t it = 0; s == GEN_OK && !stopped && it < r.n_iter; it++) {
        if ((s = gen_scope_begin()) != GEN_OK) break;
        s = transition(&r, gen_key_fold_in(k[1], (uint64_t)it), it);
        if (s == GEN_OK && it < W) s = adapt(&r, it, k[2]);
        if (s == GEN_OK && it >= W) s = record(&r, it);
        gen_scope_end();
        if (s != GEN_OK) core_error_prefix("iteration %lld", (long long)it);
        else stopped = !batch_chains_report(&prog, it + 1, W, r.n_iter);
    }
    if (s == GEN_OK && stopped) s = infer_run_cancelled(&prog);
    infer_run_free(&prog);
    if (s == GEN_OK) s = publish(&r, tr, sel, out);
    run_free(&r);
    if (s != GEN_OK) {
        *out = (gen_nuts_batched_result){0};
        if (s != GEN_CANCELLED) core_error_prefix(FN); /* the cancel's message names FN */
    }
    return s;
}
