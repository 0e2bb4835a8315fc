/* hmm_model.h — the discrete HMM shared by the Gibbs and enumeration tests (3 states,
 * 3 symbols, 10 steps): the model, its observations, and the exact forward-backward
 * algorithm (log marginal likelihood and posterior marginals of the states). */
#ifndef GENC_TEST_HMM_MODEL_H
#define GENC_TEST_HMM_MODEL_H

#include <math.h>
#include <string.h>

#include "../testutil/check.h"

enum { HMM_S = 3, HMM_T = 10 };
static const double HMM_PI[HMM_S] = {0.5, 0.3, 0.2};
static const double HMM_TR[HMM_S][HMM_S] = {{0.7, 0.2, 0.1}, {0.15, 0.7, 0.15}, {0.1, 0.3, 0.6}};
static const double HMM_EM[HMM_S][HMM_S] = {{0.8, 0.15, 0.05}, {0.1, 0.7, 0.2}, {0.1, 0.2, 0.7}};
static const int64_t HMM_X[HMM_T] = {0, 0, 1, 2, 2, 1, 0, 2, 1, 1};

static gen_addr hmm_addr(const char *name, int t) {
    gen_addr a = {2, {gen_part_name(name), gen_part_int(t)}};
    return a;
}

/* z/0 ~ cat(pi); z/t ~ cat(T[z/t-1]); x/t ~ cat(E[z/t]) */
static gen_status hmm_body(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    (void)retval;
    int64_t z = 0;
    for (int t = 0; t < HMM_T; t++) {
        gen_addr za = hmm_addr("z", t), xa = hmm_addr("x", t);
        const double *row = t ? HMM_TR[z] : HMM_PI;
        gen_array *zv = gen_choose_at(ctx, &za, gen_categorical(gen_array_from_f64(GEN_DIMS(HMM_S), row)));
        if (!zv || gen_item_i64(zv, &z) != GEN_OK) return gen_ctx_status(ctx);
        gen_choose_at(ctx, &xa, gen_categorical(gen_array_from_f64(GEN_DIMS(HMM_S), HMM_EM[z])));
    }
    return gen_ctx_status(ctx);
}

static gen_choicemap *hmm_obs(void) {
    gen_choicemap *m = gen_choicemap_empty();
    for (int t = 0; t < HMM_T; t++) {
        gen_addr a = hmm_addr("x", t);
        m = gen_choicemap_set(m, &a, gen_scalar_i64(HMM_X[t]));
    }
    return m;
}

/* Forward-backward with scaling: the log marginal likelihood and marg[t][s] = p(z_t = s | x). */
static double hmm_forward_backward(double marg[HMM_T][HMM_S]) {
    double al[HMM_T][HMM_S], be[HMM_T][HMM_S], c[HMM_T], lml = 0;
    for (int t = 0; t < HMM_T; t++) {
        c[t] = 0;
        for (int s = 0; s < HMM_S; s++) {
            double p = 0;
            if (t == 0) p = HMM_PI[s];
            else
                for (int r = 0; r < HMM_S; r++) p += al[t - 1][r] * HMM_TR[r][s];
            al[t][s] = p * HMM_EM[s][HMM_X[t]];
            c[t] += al[t][s];
        }
        for (int s = 0; s < HMM_S; s++) al[t][s] /= c[t];
        lml += log(c[t]);
    }
    for (int s = 0; s < HMM_S; s++) be[HMM_T - 1][s] = 1;
    for (int t = HMM_T - 2; t >= 0; t--)
        for (int s = 0; s < HMM_S; s++) {
            be[t][s] = 0;
            for (int r = 0; r < HMM_S; r++) be[t][s] += HMM_TR[s][r] * HMM_EM[r][HMM_X[t + 1]] * be[t + 1][r];
            be[t][s] /= c[t + 1];
        }
    for (int t = 0; t < HMM_T; t++) {
        double n = 0;
        for (int s = 0; s < HMM_S; s++) n += (marg[t][s] = al[t][s] * be[t][s]);
        for (int s = 0; s < HMM_S; s++) marg[t][s] /= n;
    }
    return lml;
}

/* Runs kernel k from a trace of the observations (generated with key seed) for burn +
 * sweeps steps (step i keyed fold_in(seed + 1, i)) and checks each state's posterior
 * marginals against forward-backward within 5 batch-means standard errors (40 batches). */
static inline void hmm_check_chain(const char *what, gen_kernel k, uint64_t seed, int sweeps, int burn) {
    enum { B = 40 };
    static double bm[B][HMM_T][HMM_S];
    double exact[HMM_T][HMM_S];
    hmm_forward_backward(exact);
    memset(bm, 0, sizeof bm);
    gen_trace *tr = NULL;
    CHECK_OK(gen_generate(gen_dynamic("hmm", hmm_body), gen_key_new(seed), NULL, hmm_obs(), &tr, NULL));
    gen_trace *cur = tr ? gen_trace_retain(tr) : NULL;
    const int per = sweeps / B;
    for (int i = 0; i < burn + sweeps && cur; i++) {
        gen_scope_begin();
        gen_trace *next = NULL;
        CHECK_OK(gen_kernel_apply(k, gen_key_fold_in(gen_key_new(seed + 1), (uint64_t)i), cur, &next, NULL));
        gen_trace_release(cur);
        cur = next ? gen_trace_retain(next) : NULL;
        gen_scope_end();
        if (i < burn || !cur || (i - burn) / per >= B) continue;
        for (int t = 0; t < HMM_T; t++) {
            gen_addr a = hmm_addr("z", t);
            int64_t z = -1;
            gen_item_i64(gen_trace_value(cur, &a), &z);
            bm[(i - burn) / per][t][z] += 1.0 / per;
        }
    }
    gen_trace_release(cur);
    for (int t = 0; t < HMM_T; t++)
        for (int s = 0; s < HMM_S; s++) {
            double m = 0, v = 0;
            for (int b = 0; b < B; b++) m += bm[b][t][s] / B;
            for (int b = 0; b < B; b++) v += (bm[b][t][s] - m) * (bm[b][t][s] - m);
            double se = sqrt(v / (B - 1) / B);
            if (fabs(m - exact[t][s]) > 5 * se + 1e-3 || se > 0.03)
                check_fail(__FILE__, __LINE__, "%s: p(z/%d = %d): %g, exact %g (se %g)", what, t, s, m, exact[t][s], se);
        }
}

#endif
