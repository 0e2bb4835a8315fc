/* test_split_merge.c — the reversible-jump split/merge helper: splits and merges with
 * the check on give the transform's values, log |det J| and move probabilities computed
 * by hand, and a split then its merge give back the start; a chain of split/merge and a
 * random walk on a mixture of one to three normals has the posterior over the number of
 * components computed by exact enumeration; the errors name what is wrong. */
#include <math.h>
#include <string.h>

#include "../testutil/oom.h"

static const double LOG_2PI = 1.8378770664093453;

static gen_addr A(const char *path) {
    gen_addr a;
    gen_addr_parse(&a, path);
    return a;
}
static gen_addr A_int(const char *name, int64_t j) {
    gen_addr a = {2, {gen_part_name(name), gen_part_int(j)}};
    return a;
}
static gen_addr A_int_name(const char *name, int64_t j, const char *leaf) {
    gen_addr a = {3, {gen_part_name(name), gen_part_int(j), gen_part_name(leaf)}};
    return a;
}
static gen_choicemap *cm_set(gen_choicemap *m, gen_addr a, const gen_array *v) { return gen_choicemap_set(m, &a, v); }
static const gen_array *cm_get(const gen_choicemap *m, const char *path) {
    gen_addr a = A(path);
    return gen_choicemap_find(m, &a);
}
static double tr_at(const gen_trace *tr, gen_addr a) { return check_item(gen_trace_value(tr, &a)); }
static int64_t trace_k(const gen_trace *tr) {
    gen_addr a = A("k");
    int64_t k = -1;
    gen_item_i64(gen_trace_value(tr, &a), &k);
    return k;
}
static double score(const gen_trace *tr) { return check_item(gen_trace_score(tr)); }
static double log_normal(double x, double mu, double sigma) {
    double z = (x - mu) / sigma;
    return -0.5 * z * z - log(sigma) - 0.5 * LOG_2PI;
}

/* ---- weighted components: k ~ U{1, 3}; comp/j/m ~ N(0, 1), comp/j/w ~ Gamma(2, 1) -------
 * split: m -> (m - u1, m + u1), w -> (w u2, w (1 - u2)), u1 ~ N(0, 1), u2 ~ Beta(2, 2);
 * |det J| = 2 w (the (m, u1) block gives 2, the (w, u2) block w). */

static gen_status weighted(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    (void)retval;
    gen_array *k = gen_choose(ctx, "k", gen_uniform_discrete(gen_scalar_i64(1), gen_scalar_i64(3)));
    int64_t K = 0;
    if (!k || gen_item_i64(k, &K) != GEN_OK) return gen_ctx_status(ctx);
    for (int64_t j = 0; j < K; j++) {
        gen_addr m = A_int_name("comp", j, "m"), w = A_int_name("comp", j, "w");
        gen_choose_at(ctx, &m, gen_normal(gen_scalar(0), gen_scalar(1)));
        gen_choose_at(ctx, &w, gen_gamma(gen_scalar(2), gen_scalar(1)));
    }
    return gen_ctx_status(ctx);
}

static gen_status weighted_aux(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    (void)retval;
    gen_choose(ctx, "u1", gen_normal(gen_scalar(0), gen_scalar(1)));
    gen_choose(ctx, "u2", gen_beta(gen_scalar(2), gen_scalar(2)));
    return gen_ctx_status(ctx);
}

static gen_choicemap *pair(const char *a, const gen_array *va, const char *b, const gen_array *vb) {
    return cm_set(cm_set(gen_choicemap_empty(), A(a), va), A(b), vb);
}

static gen_status weighted_split(void *ud, const gen_args *margs, const gen_choicemap *c,
                                 const gen_choicemap *aux, gen_choicemap **first,
                                 gen_choicemap **second) {
    (void)ud, (void)margs;
    const gen_array *m = cm_get(c, "m"), *w = cm_get(c, "w"), *u1 = cm_get(aux, "u1"), *u2 = cm_get(aux, "u2");
    *first = pair("m", gen_sub(m, u1), "w", gen_mul(w, u2));
    *second = pair("m", gen_add(m, u1), "w", gen_mul(w, gen_sub(gen_scalar(1), u2)));
    return *first && *second ? GEN_OK : gen_error_status();
}

static gen_status weighted_merge(void *ud, const gen_args *margs, const gen_choicemap *a,
                                 const gen_choicemap *b, gen_choicemap **c, gen_choicemap **aux) {
    (void)ud, (void)margs;
    const gen_array *m1 = cm_get(a, "m"), *w1 = cm_get(a, "w"), *m2 = cm_get(b, "m"), *w2 = cm_get(b, "w");
    gen_array *half = gen_scalar(0.5), *w = gen_add(w1, w2);
    *c = pair("m", gen_mul(gen_add(m1, m2), half), "w", w);
    *aux = pair("u1", gen_mul(gen_sub(m2, m1), half), "u2", gen_div(w1, w));
    return *c && *aux ? GEN_OK : gen_error_status();
}

static gen_split_merge weighted_config(void) {
    return (gen_split_merge){A("k"), A("comp"), 1, 3, gen_dynamic("weighted_aux", weighted_aux), weighted_split,
                             weighted_merge, NULL};
}

static gen_trace *weighted_trace(int64_t k, const double *m, const double *w) {
    gen_choicemap *c = cm_set(gen_choicemap_empty(), A("k"), gen_scalar_i64(k));
    for (int64_t j = 0; j < k; j++)
        c = cm_set(cm_set(c, A_int_name("comp", j, "m"), gen_scalar(m[j])), A_int_name("comp", j, "w"), gen_scalar(w[j]));
    gen_trace *tr = NULL;
    CHECK_OK(gen_generate(gen_dynamic("weighted", weighted), gen_key_new(5), NULL, c, &tr, NULL));
    return tr;
}

static double log_gamma2(double w) { return log(w) - w; }
static double log_beta22(double u) { return log(6.0) + log(u) + log(1 - u); }

/* From k = 2 (m = 0.4, -0.9; w = 1.5, 0.7): each proposal is a split of j (to 3
 * components, new last) or the merge of 0 and 1 (to 1). */
static void test_weighted_moves(void) {
    const double m[2] = {0.4, -0.9}, w[2] = {1.5, 0.7};
    gen_trace *t = weighted_trace(2, m, w), *out = NULL, *back = NULL;
    if (!t) return;
    gen_split_merge sm = weighted_config();
    int splits[2] = {0, 0}, merges = 0, round_trips = 0;
    for (int i = 0; i < 40; i++) {
        gen_involutive_info info;
        CHECK_OK(gen_split_merge_propose(t, gen_key_new(100 + (uint64_t)i), &sm, true, &out, &info));
        if (!out) return;
        int64_t k = trace_k(out);
        CHECK(k == 1 || k == 3);
        CHECK_NEAR(info.update_weight, score(out) - score(t), 1e-12);
        CHECK_NEAR(info.log_alpha, info.update_weight - info.fwd_score + info.bwd_score + info.log_abs_det, 1e-12);
        if (k == 1) {
            merges++;
            double mm = tr_at(out, A_int_name("comp", 0, "m")), ww = tr_at(out, A_int_name("comp", 0, "w"));
            double u1 = (m[1] - m[0]) / 2, u2 = w[0] / (w[0] + w[1]);
            CHECK_NEAR(mm, (m[0] + m[1]) / 2, 1e-15);
            CHECK_NEAR(ww, w[0] + w[1], 1e-15);
            CHECK_NEAR(info.log_abs_det, -log(2 * ww), 1e-12);
            /* merge at k = 2 (probability 1/2), j = 0 of {0}; back: split at 1 (probability 1), j = 0 */
            CHECK_NEAR(info.fwd_score, log(0.5), 1e-12);
            CHECK_NEAR(info.bwd_score, log_normal(u1, 0, 1) + log_beta22(u2), 1e-12);
            double want = log_normal(mm, 0, 1) + log_gamma2(ww) - log_normal(m[0], 0, 1) - log_gamma2(w[0]) -
                          log_normal(m[1], 0, 1) - log_gamma2(w[1]);
            CHECK_NEAR(info.update_weight, want, 1e-12);
            continue;
        }
        /* a split of j: j changed, the other kept, the new one at 2 */
        int j = tr_at(out, A_int_name("comp", 0, "m")) != m[0] ? 0 : 1;
        splits[j]++;
        CHECK(tr_at(out, A_int_name("comp", 1 - j, "m")) == m[1 - j]);
        CHECK(tr_at(out, A_int_name("comp", 1 - j, "w")) == w[1 - j]);
        double m1 = tr_at(out, A_int_name("comp", j, "m")), w1 = tr_at(out, A_int_name("comp", j, "w"));
        double m2 = tr_at(out, A_int_name("comp", 2, "m")), w2 = tr_at(out, A_int_name("comp", 2, "w"));
        double u1 = m[j] - m1, u2 = w1 / w[j];
        CHECK_NEAR(m2, m[j] + u1, 1e-14);
        CHECK_NEAR(w2, w[j] * (1 - u2), 1e-14);
        CHECK_NEAR(info.log_abs_det, log(2 * w[j]), 1e-12);
        /* split at k = 2 (1/2), j of {0, 1} (1/2); back: merge at 3 (1), j of {0, 1} (1/2) */
        CHECK_NEAR(info.fwd_score, 2 * log(0.5) + log_normal(u1, 0, 1) + log_beta22(u2), 1e-12);
        CHECK_NEAR(info.bwd_score, log(0.5), 1e-12);
        double want = log_normal(m1, 0, 1) + log_normal(m2, 0, 1) - log_normal(m[j], 0, 1) + log_gamma2(w1) +
                      log_gamma2(w2) - log_gamma2(w[j]);
        CHECK_NEAR(info.update_weight, want, 1e-12);
        /* the merge of j and 2 gives back the start: propose from out until it picks j */
        for (int r = 0; r < 20; r++) {
            CHECK_OK(gen_split_merge_propose(out, gen_key_new(1000 + (uint64_t)(40 * i + r)), &sm, true, &back, &info));
            if (!back) return;
            if (fabs(tr_at(back, A_int_name("comp", j, "w")) - w[j]) > 1e-9) continue;
            round_trips++;
            CHECK(trace_k(back) == 2);
            for (int c = 0; c < 2; c++) {
                CHECK_NEAR(tr_at(back, A_int_name("comp", c, "m")), m[c], 1e-12);
                CHECK_NEAR(tr_at(back, A_int_name("comp", c, "w")), w[c], 1e-12);
            }
            CHECK_NEAR(info.log_abs_det, -log(2 * w[j]), 1e-12);
            break;
        }
    }
    /* the split is chosen with probability 1/2 and each j with 1/4 */
    CHECK(splits[0] > 0 && splits[1] > 0 && merges > 0);
    CHECK(round_trips == splits[0] + splits[1]);
    /* from k = 1 always a split (the minimum), from k = 3 always a merge (the maximum) */
    const double m3[3] = {0.1, 0.2, -0.3}, w3[3] = {1, 2, 3};
    gen_trace *t1 = weighted_trace(1, m, w), *t3 = weighted_trace(3, m3, w3);
    for (int i = 0; i < 10 && t1 && t3; i++) {
        gen_involutive_info info;
        CHECK_OK(gen_split_merge_propose(t1, gen_key_new(200 + (uint64_t)i), &sm, true, &out, &info));
        CHECK(out && trace_k(out) == 2);
        /* split (1) of j = 0 (1); back: merge at 2 (1/2) of j = 0 (1) */
        CHECK_NEAR(info.bwd_score, log(0.5), 1e-12);
        CHECK_OK(gen_split_merge_propose(t3, gen_key_new(300 + (uint64_t)i), &sm, true, &out, &info));
        if (!out) return;
        CHECK(trace_k(out) == 2);
        /* components j and 2 merged into j, the other kept */
        int j = tr_at(out, A_int_name("comp", 0, "w")) != w3[0] ? 0 : 1;
        CHECK(tr_at(out, A_int_name("comp", 1 - j, "m")) == m3[1 - j]);
        CHECK_NEAR(tr_at(out, A_int_name("comp", j, "m")), (m3[j] + m3[2]) / 2, 1e-15);
        CHECK_NEAR(tr_at(out, A_int_name("comp", j, "w")), w3[j] + w3[2], 1e-15);
        CHECK_NEAR(info.log_abs_det, -log(2 * (w3[j] + w3[2])), 1e-12);
        /* merge (1) of j of {0, 1} (1/2) */
        CHECK_NEAR(info.fwd_score, log(0.5), 1e-12);
    }
}

/* ---- a mixture of one to three normals, each mean a single choice: mu/j ---------------- */

enum { N_Y = 5, K_MAX = 3 };
static const double Y[N_Y] = {-1.6, -1.1, -0.7, 1.2, 1.9};
static const double PRIOR_SD = 2;

/* k ~ U{1, kmax}; mu/j ~ N(0, 2) for j < k; y/i ~ sum_j N(mu/j, 1) / k. args: kmax. */
static gen_status mixture(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)retval;
    gen_array *k = gen_choose(ctx, "k", gen_uniform_discrete(gen_scalar_i64(1), args->v[0]));
    int64_t K = 0;
    if (!k || gen_item_i64(k, &K) != GEN_OK) return gen_ctx_status(ctx);
    gen_array *mus[K_MAX];
    for (int64_t j = 0; j < K; j++) {
        gen_addr a = A_int("mu", j);
        if (!(mus[j] = gen_choose_at(ctx, &a, gen_normal(gen_scalar(0), gen_scalar(PRIOR_SD))))) return gen_ctx_status(ctx);
    }
    gen_dist *comp = gen_mixture(gen_full(GEN_F64, GEN_DIMS(K), 1.0 / (double)K),
                                 gen_normal(gen_stack((int)K, mus, 0), gen_scalar(1)));
    for (int64_t i = 0; i < N_Y; i++) {
        gen_addr a = A_int("y", i);
        gen_choose_at(ctx, &a, comp);
    }
    return gen_ctx_status(ctx);
}

/* d ~ N(0, 1 + j / 2): the argument j reaches the proposal */
static gen_status half_gap(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)retval;
    gen_array *sd = gen_add(gen_scalar(1), gen_div(gen_cast(args->v[0], GEN_F64), gen_scalar(2)));
    gen_choose(ctx, "d", gen_normal(gen_scalar(0), sd));
    return gen_ctx_status(ctx);
}

/* mu -> (mu - d, mu + d) and back */
static gen_status mean_split(void *ud, const gen_args *margs, const gen_choicemap *c,
                             const gen_choicemap *aux, gen_choicemap **first, gen_choicemap **second) {
    (void)ud, (void)margs;
    const gen_array *mu = gen_choicemap_value(c), *d = cm_get(aux, "d");
    *first = gen_choicemap_of_value(gen_sub(mu, d));
    *second = gen_choicemap_of_value(gen_add(mu, d));
    return *first && *second ? GEN_OK : gen_error_status();
}

static gen_status mean_merge(void *ud, const gen_args *margs, const gen_choicemap *a,
                             const gen_choicemap *b, gen_choicemap **c, gen_choicemap **aux) {
    (void)ud, (void)margs;
    const gen_array *m1 = gen_choicemap_value(a), *m2 = gen_choicemap_value(b);
    gen_array *half = gen_scalar(0.5);
    *c = gen_choicemap_of_value(gen_mul(gen_add(m1, m2), half));
    *aux = cm_set(gen_choicemap_empty(), A("d"), gen_mul(gen_sub(m2, m1), half));
    return *c && *aux ? GEN_OK : gen_error_status();
}

static gen_split_merge mixture_config(void) {
    return (gen_split_merge){A("k"), A("mu"), 1, K_MAX, gen_dynamic("half_gap", half_gap), mean_split, mean_merge, NULL};
}

static gen_trace *mixture_trace(int64_t kmax, int64_t k, const double *mu) {
    gen_choicemap *c = cm_set(gen_choicemap_empty(), A("k"), gen_scalar_i64(k));
    for (int64_t j = 0; j < k; j++) c = cm_set(c, A_int("mu", j), gen_scalar(mu[j]));
    for (int64_t i = 0; i < N_Y; i++) c = cm_set(c, A_int("y", i), gen_scalar(Y[i]));
    gen_array *km = gen_scalar_i64(kmax);
    gen_args args = {1, &km, NULL};
    gen_trace *tr = NULL;
    CHECK_OK(gen_generate(gen_dynamic("mixture", mixture), gen_key_new(7), &args, c, &tr, NULL));
    return tr;
}

/* log p(y, mu, k) of the mixture by hand */
static double mixture_logp(int64_t kmax, int64_t k, const double *mu) {
    double lp = -log((double)kmax);
    for (int64_t j = 0; j < k; j++) lp += log_normal(mu[j], 0, PRIOR_SD);
    for (int i = 0; i < N_Y; i++) {
        double p = 0;
        for (int64_t j = 0; j < k; j++) p += exp(log_normal(Y[i], mu[j], 1)) / (double)k;
        lp += log(p);
    }
    return lp;
}

/* From k = 2, mu = (0.1, 0.5): splits by (mu - d, mu + d) have log |det| = log 2. */
static void test_mean_moves(void) {
    const double mu[2] = {0.1, 0.5};
    gen_trace *t = mixture_trace(K_MAX, 2, mu), *out = NULL;
    if (!t) return;
    CHECK_NEAR(score(t), mixture_logp(K_MAX, 2, mu), 1e-12);
    gen_split_merge sm = mixture_config();
    int splits = 0, merges = 0;
    for (int i = 0; i < 20; i++) {
        gen_involutive_info info;
        CHECK_OK(gen_split_merge_propose(t, gen_key_new(400 + (uint64_t)i), &sm, true, &out, &info));
        if (!out) return;
        if (trace_k(out) == 1) {
            merges++;
            double m = 0.3, d = 0.2;
            CHECK_NEAR(tr_at(out, A_int("mu", 0)), m, 1e-15);
            CHECK_NEAR(info.log_abs_det, -log(2), 1e-12);
            CHECK_NEAR(info.bwd_score, log_normal(d, 0, 1), 1e-12); /* split at 1 of j = 0 */
            CHECK_NEAR(info.update_weight, mixture_logp(K_MAX, 1, &m) - mixture_logp(K_MAX, 2, mu), 1e-12);
            continue;
        }
        splits++;
        CHECK(trace_k(out) == 3);
        int j = tr_at(out, A_int("mu", 0)) != mu[0] ? 0 : 1;
        double after[3] = {tr_at(out, A_int("mu", 0)), tr_at(out, A_int("mu", 1)), tr_at(out, A_int("mu", 2))};
        double d = mu[j] - after[j];
        CHECK(after[1 - j] == mu[1 - j]);
        CHECK_NEAR(after[2], mu[j] + d, 1e-14);
        CHECK_NEAR(info.log_abs_det, log(2), 1e-12);
        CHECK_NEAR(info.fwd_score, 2 * log(0.5) + log_normal(d, 0, 1 + j / 2.0), 1e-12);
        CHECK_NEAR(info.bwd_score, log(0.5), 1e-12);
        CHECK_NEAR(info.update_weight, mixture_logp(K_MAX, 3, after) - mixture_logp(K_MAX, 2, mu), 1e-12);
        CHECK_NEAR(info.log_alpha, info.update_weight - info.fwd_score + info.bwd_score + log(2), 1e-12);
    }
    CHECK(splits > 0 && merges > 0);
    /* one MH step: the new trace when accepted, the same trace otherwise */
    int accepted = 0;
    for (int i = 0; i < 20; i++) {
        bool acc = false;
        CHECK_OK(gen_mh_split_merge(t, gen_key_new(500 + (uint64_t)i), &sm, false, &out, &acc));
        CHECK(out && (acc ? trace_k(out) != 2 : out == t));
        accepted += acc;
    }
    CHECK(accepted > 0 && accepted < 20);
}

/* p(k | y) exactly: p(y | k) sums over the k^n assignments z of y to components of
 * k^-n prod_j p(y_{z = j}), each group's mean integrated out (y_g ~ N(0, I + s^2 1 1^T)). */
static double group_log_marginal(const double *y, const int *z, int j) {
    double n = 0, sum = 0, sq = 0, s2 = PRIOR_SD * PRIOR_SD;
    for (int i = 0; i < N_Y; i++)
        if (z[i] == j) n++, sum += y[i], sq += y[i] * y[i];
    return -0.5 * (n * LOG_2PI + log(1 + n * s2) + sq - s2 * sum * sum / (1 + n * s2));
}

static void exact_posterior(int kmax, double *post) {
    double logml[K_MAX], top = -INFINITY, total = 0;
    for (int k = 1; k <= kmax; k++) {
        int z[N_Y] = {0}, n_assign = 1;
        for (int i = 0; i < N_Y; i++) n_assign *= k;
        double sum = 0;
        for (int a = 0; a < n_assign; a++) {
            for (int i = 0, r = a; i < N_Y; i++, r /= k) z[i] = r % k;
            double l = -N_Y * log((double)k);
            for (int j = 0; j < k; j++) l += group_log_marginal(Y, z, j);
            sum += exp(l);
        }
        logml[k - 1] = log(sum);
        top = fmax(top, logml[k - 1]);
    }
    for (int k = 0; k < kmax; k++) total += post[k] = exp(logml[k] - top);
    for (int k = 0; k < kmax; k++) post[k] /= total;
}

static gen_status walk_mus(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)retval;
    int64_t k = trace_k(args->user);
    for (int64_t j = 0; j < k; j++) {
        gen_addr a = A_int("mu", j);
        gen_choose_at(ctx, &a, gen_normal(gen_trace_value(args->user, &a), gen_scalar(0.7)));
    }
    return gen_ctx_status(ctx);
}

/* The chain (split/merge, then a random walk on the means) visits k = 1, 2, 3 as the
 * posterior says: each fraction within 5 batch-means standard errors. */
static void test_posterior_of_k(void) {
    double post[K_MAX];
    exact_posterior(2, post);
    /* the reference agrees with a 2401^2 grid integration for k in {1, 2} (scipy) */
    CHECK_NEAR(post[1], 0.724717692414431, 1e-9);
    exact_posterior(K_MAX, post);

    const double mu0 = 0.1;
    gen_trace *cur = mixture_trace(K_MAX, 1, &mu0);
    if (!cur) return;
    gen_split_merge_kernel ks = {mixture_config(), false};
    gen_mh_proposal_kernel kw = {gen_dynamic("walk", walk_mus), NULL};
    gen_kernel parts[2] = {gen_kernel_split_merge(&ks), gen_kernel_mh_proposal(&kw)};
    gen_kernel_list cyc = {2, parts, NULL};
    gen_kernel chain = gen_kernel_cycle(&cyc);
    enum { BURN = 200, N = 24000, B = 40 };
    double bm[B][K_MAX] = {{0}};
    int moves = 0;
    gen_trace_retain(cur);
    for (int i = 0; i < BURN + N; i++) {
        gen_scope_begin();
        gen_trace *next = NULL;
        int64_t before = trace_k(cur);
        gen_status s = gen_kernel_apply(chain, gen_key_fold_in(gen_key_new(21), (uint64_t)i), cur, &next, NULL);
        CHECK_OK(s);
        if (s == GEN_OK) {
            gen_trace_release(cur);
            cur = gen_trace_retain(next);
        }
        gen_scope_end();
        if (s != GEN_OK) break;
        int64_t k = trace_k(cur);
        moves += k != before;
        if (i >= BURN) bm[(i - BURN) / (N / B)][k - 1] += 1.0 / (N / B);
    }
    gen_trace_release(cur);
    for (int k = 0; k < K_MAX; k++) {
        double m = 0, v = 0;
        for (int b = 0; b < B; b++) m += bm[b][k] / B;
        for (int b = 0; b < B; b++) v += (bm[b][k] - m) * (bm[b][k] - m);
        double se = sqrt(v / (B - 1) / B);
        if (fabs(m - post[k]) > 5 * se || se > 0.03)
            check_fail(__FILE__, __LINE__, "p(k = %d) %g, want %g (se %g)", k + 1, m, post[k], se);
    }
    CHECK(moves > N / 20);
}

/* ---- errors --------------------------------------------------------------------------- */

/* mu -> (mu - d, mu + 2 d): not undone by mean_merge */
static gen_status lopsided_split(void *ud, const gen_args *margs, const gen_choicemap *c,
                                 const gen_choicemap *aux, gen_choicemap **first, gen_choicemap **second) {
    (void)ud, (void)margs;
    const gen_array *mu = gen_choicemap_value(c), *d = cm_get(aux, "d");
    *first = gen_choicemap_of_value(gen_sub(mu, d));
    *second = gen_choicemap_of_value(gen_add(mu, gen_mul(d, gen_scalar(2))));
    return GEN_OK;
}

static gen_status failing_split(void *ud, const gen_args *margs, const gen_choicemap *c,
                                const gen_choicemap *aux, gen_choicemap **first, gen_choicemap **second) {
    (void)margs, (void)c, (void)aux, (void)first, (void)second;
    return ud ? gen_error_set(GEN_ERR_VALUE, "cannot split this one") : GEN_OK;
}

/* mu -> (mu, mu + 1): adds a dimension with no auxiliary choice to carry it */
static gen_status copy_split(void *ud, const gen_args *margs, const gen_choicemap *c,
                             const gen_choicemap *aux, gen_choicemap **first, gen_choicemap **second) {
    (void)ud, (void)margs, (void)aux;
    const gen_array *mu = gen_choicemap_value(c);
    *first = gen_choicemap_of_value(mu);
    *second = gen_choicemap_of_value(gen_add(mu, gen_scalar(1)));
    return *first && *second ? GEN_OK : gen_error_status();
}

static gen_status no_aux(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args, (void)retval;
    return gen_ctx_status(ctx);
}

static void test_errors(void) {
    const double mu[3] = {0.1, 0.5, 0.9};
    gen_trace *t2 = mixture_trace(K_MAX, 2, mu), *t3 = mixture_trace(K_MAX, 3, mu), *out = NULL;
    if (!t2 || !t3) return;
    gen_split_merge sm = mixture_config(), bad = sm;
    bool acc;
    bad.min_count = 0;
    CHECK_ERROR(gen_mh_split_merge(t2, gen_key_new(1), &bad, false, &out, &acc),
                "gen_mh_split_merge: needs 1 <= min_count < max_count (got 0, 3)");
    bad = sm;
    bad.max_count = 1;
    CHECK_ERROR(gen_mh_split_merge(t2, gen_key_new(1), &bad, false, &out, &acc), "needs 1 <= min_count < max_count (got 1, 1)");
    bad = sm;
    bad.max_count = 2;
    CHECK_ERROR(gen_mh_split_merge(t3, gen_key_new(1), &bad, false, &out, &acc),
                "gen_mh_split_merge: the count at k is 3, outside [min_count, max_count] = [1, 2]");
    bad = sm;
    bad.count = A("K");
    CHECK_ERROR(gen_mh_split_merge(t2, gen_key_new(1), &bad, false, &out, &acc), "gen_mh_split_merge: the model has no count choice at K");
    bad.count = A("mu/0");
    CHECK_ERROR(gen_mh_split_merge(t2, gen_key_new(1), &bad, false, &out, &acc),
                "gen_mh_split_merge: the count at mu/0 must be a 0-d i64");
    CHECK(out == NULL);
    bad = sm;
    bad.merge = NULL;
    CHECK_ERROR(gen_mh_split_merge(t2, gen_key_new(1), &bad, false, &out, &acc), "gen_mh_split_merge: the merge function is NULL");
    bad = sm;
    bad.aux_proposal = NULL;
    CHECK_ERROR(gen_split_merge_propose(t2, gen_key_new(1), &bad, false, &out, NULL), "the auxiliary proposal is NULL");
    CHECK_ERROR(gen_mh_split_merge(NULL, gen_key_new(1), &sm, false, &out, &acc), "gen_mh_split_merge: the trace is NULL");
    CHECK_ERROR(gen_mh_split_merge(t2, gen_key_new(1), NULL, false, &out, &acc), "gen_mh_split_merge: the configuration is NULL");
    CHECK_ERROR(gen_mh_split_merge(t2, gen_key_new(1), &sm, false, NULL, &acc), "gen_mh_split_merge: out is NULL");
    /* from k = 1 the move is a split: the check finds a transform that is not undone */
    gen_trace *t1 = mixture_trace(K_MAX, 1, mu);
    bad = sm;
    bad.split = lopsided_split;
    CHECK_ERROR(gen_mh_split_merge(t1, gen_key_new(1), &bad, true, &out, &acc), "the involution is not its own inverse");
    bad.split = failing_split;
    bad.ud = (void *)1;
    CHECK_ERROR(gen_mh_split_merge(t1, gen_key_new(1), &bad, false, &out, &acc),
                "gen_mh_split_merge: the split: cannot split this one");
    bad.ud = NULL;
    CHECK_ERROR(gen_mh_split_merge(t1, gen_key_new(1), &bad, false, &out, &acc),
                "gen_mh_split_merge: the split returned no first component");
    /* u must carry the dimensions the split adds */
    bad = sm;
    bad.aux_proposal = gen_dynamic("no_aux", no_aux);
    bad.split = copy_split;
    CHECK_ERROR(gen_mh_split_merge(t1, gen_key_new(1), &bad, false, &out, &acc),
                "the involution maps 1 continuous values (1 of the model, 0 auxiliary) to 2");
}

/* ---- out of memory: each allocation fails in turn, nothing leaks ------------------------ */

static gen_status oom_workload(void) {
    const double m[2] = {0.4, -0.9}, w[2] = {1.5, 0.7};
    gen_split_merge sm = weighted_config();
    gen_choicemap *c = cm_set(gen_choicemap_empty(), A("k"), gen_scalar_i64(2));
    for (int64_t j = 0; j < 2; j++)
        c = cm_set(cm_set(c, A_int_name("comp", j, "m"), gen_scalar(m[j])), A_int_name("comp", j, "w"), gen_scalar(w[j]));
    gen_gf *f = gen_dynamic("weighted", weighted);
    gen_trace *tr = NULL, *out = NULL;
    gen_status s = c && f && sm.aux_proposal ? gen_generate(f, gen_key_new(5), NULL, c, &tr, NULL) : gen_error_status();
    gen_involutive_info info;
    /* from k = 2 (split or merge), then from its result (k = 1: a split, 3: a merge) */
    if (s == GEN_OK) s = gen_split_merge_propose(tr, gen_key_new(1), &sm, true, &out, &info);
    if (s == GEN_OK) s = gen_split_merge_propose(out, gen_key_new(2), &sm, true, &out, &info);
    return s;
}

static void test_out_of_memory(void) { CHECK_OOM(oom_workload, 21); }


/* argv[1], if given, runs only the tests whose names contain it (valgrind runs all but
 * the chain). */
int main(int argc, char **argv) {
    check_only = argc > 1 ? argv[1] : NULL;
    RUN_ONLY(test_weighted_moves);
    RUN_ONLY(test_mean_moves);
    RUN_ONLY(test_posterior_of_k);
    RUN_ONLY(test_errors);
    RUN_ONLY(test_out_of_memory);
    return check_finish();
}
