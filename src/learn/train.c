/* train.c — gen_train, Gen.jl's train!: epochs of examples from a data generator,
 * minibatches of mean parameter gradients each followed by one optimizer step, and the
 * objective (mean generate weight of fresh examples) reported per epoch. */
#include <string.h>

#include "train_int.h"

static const char FN[] = "gen_train";

static gen_status check_config(const gen_train_config *c) {
    if (c->num_epochs < 1) return GEN_FAIL(GEN_ERR_VALUE, "%s: num_epochs must be >= 1, got %d", FN, c->num_epochs);
    if (c->epoch_size < 1)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: epoch_size must be >= 1, got %lld", FN, (long long)c->epoch_size);
    if (c->num_minibatches < 1)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: num_minibatches must be >= 1, got %d", FN, c->num_minibatches);
    if (c->minibatch_size < 1 || c->minibatch_size > c->epoch_size)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: minibatch_size must be in [1, epoch_size = %lld], got %lld", FN,
                        (long long)c->epoch_size, (long long)c->minibatch_size);
    if (c->evaluation_size < 0)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: evaluation_size must be >= 0, got %lld", FN,
                        (long long)c->evaluation_size);
    if (c->batched && (c->minibatch_size > INT32_MAX || c->evaluation_size > INT32_MAX || c->epoch_size > INT32_MAX))
        return GEN_FAIL(GEN_ERR_VALUE, "%s: batched mode takes at most %d examples in one run", FN, INT32_MAX);
    return GEN_OK;
}

/* Draws n examples into ex[0..n) with keys fold_in(key, i); their arrays go to the
 * innermost scope. */
static gen_status draw(gen_train_data_fn data, void *payload, gen_key key, int epoch, const char *what, int64_t first,
                       int64_t n, train_example *ex) {
    for (int64_t i = 0; i < n; i++) {
        train_example *e = &ex[i];
        memset(e, 0, sizeof *e);
        gen_status st = data(payload, gen_key_fold_in(key, (uint64_t)i), e->in, &e->n_in, &e->cm);
        if (st == GEN_OK && (e->n_in < 0 || e->n_in > GEN_TRAIN_MAX_ARGS))
            st = GEN_FAIL(GEN_ERR_VALUE, "gave %d inputs (0 to %d allowed)", e->n_in, GEN_TRAIN_MAX_ARGS);
        for (int j = 0; st == GEN_OK && j < e->n_in; j++)
            if (!e->in[j]) st = core_error_pending() ? core_error_pending() : GEN_FAIL(GEN_ERR_MISUSE, "input %d is NULL", j);
        if (st == GEN_OK && !e->cm)
            st = core_error_pending() ? core_error_pending() : GEN_FAIL(GEN_ERR_MISUSE, "the constraints are NULL");
        if (st != GEN_OK) {
            if (!core_error_pending()) GEN_FAIL(st, "failed (%s)", gen_status_name(st));
            core_error_prefix("%s: epoch %d, %s %lld: data generator", FN, epoch, what, (long long)(first + i));
            return st;
        }
    }
    return GEN_OK;
}

/* Sum over the m examples ex[0..m) of their generate weights (*sum may be NULL) and, with
 * store, their parameter gradients scaled by scale added to it. */
static gen_status run_examples(const gen_gf *f, gen_key key, train_example *const *ex, int64_t m, bool batched,
                               gen_params *store, double scale, double *sum) {
    gen_status st = gen_scope_begin();
    if (st != GEN_OK) return st;
    double total = 0;
    if (batched) {
        gen_array *in[GEN_TRAIN_MAX_ARGS];
        gen_choicemap *cm = NULL;
        gen_trace *tr = NULL;
        gen_array *w = NULL;
        st = train_stack(FN, ex, m, in, &cm);
        if (st == GEN_OK) st = gen_generate_batched(f, key, m, &(gen_args){ex[0]->n_in, in, NULL}, cm, &tr, &w);
        if (st == GEN_OK && sum) st = gen_item(gen_sum(w, 0, NULL, false), &total);
        if (st == GEN_OK && store) st = gen_accumulate_param_gradients(tr, store, NULL, scale, NULL);
    } else {
        for (int64_t j = 0; st == GEN_OK && j < m; j++) {
            gen_trace *tr = NULL;
            gen_array *w = NULL;
            double wj = 0;
            st = gen_generate(f, gen_key_fold_in(key, (uint64_t)j), &(gen_args){ex[j]->n_in, ex[j]->in, NULL},
                              ex[j]->cm, &tr, &w);
            if (st == GEN_OK && sum) st = gen_item(w, &wj);
            if (st == GEN_OK && store) st = gen_accumulate_param_gradients(tr, store, NULL, scale, NULL);
            total += wj;
        }
    }
    gen_scope_end();
    if (st == GEN_OK && sum) *sum = total;
    return st;
}

/* The first m entries of a uniformly random permutation of 0..n-1 (partial Fisher-Yates
 * on 53-bit uniforms). */
static gen_status pick(gen_key key, int64_t n, int64_t m, int64_t *perm) {
    gen_status st = gen_scope_begin();
    if (st != GEN_OK) return st;
    gen_device dev = gen_device_set_default(GEN_DEVICE_CPU); /* host indices: drawn there (the same bits) */
    gen_array *u = gen_random_uniform(key, GEN_F64, GEN_DIMS(m));
    gen_device_set_default(dev);
    const double *uu = u ? gen_array_data(u) : NULL;
    if (!uu) st = core_error_pending() ? core_error_pending() : GEN_ERR_INTERNAL;
    for (int64_t i = 0; st == GEN_OK && i < n; i++) perm[i] = i;
    for (int64_t i = 0; st == GEN_OK && i < m; i++) {
        int64_t k = i + (int64_t)(uu[i] * (double)(n - i));
        if (k >= n) k = n - 1;
        int64_t t = perm[i];
        perm[i] = perm[k];
        perm[k] = t;
    }
    gen_scope_end();
    return st;
}

/* One epoch: draw, train, evaluate. */
static gen_status epoch_run(const gen_gf *f, gen_key key, gen_params *store, gen_optimizer *opt,
                            gen_train_data_fn data, void *payload, const gen_train_config *c, int e,
                            train_example *ex, train_example **mb, int64_t *perm, double *objective) {
    gen_key k[4];
    gen_status st = gen_key_split(key, 4, k);
    if (st == GEN_OK) st = draw(data, payload, k[0], e, "example", 0, c->epoch_size, ex);
    for (int b = 0; st == GEN_OK && b < c->num_minibatches; b++) {
        st = pick(gen_key_fold_in(k[1], (uint64_t)b), c->epoch_size, c->minibatch_size, perm);
        for (int64_t j = 0; st == GEN_OK && j < c->minibatch_size; j++) mb[j] = &ex[perm[j]];
        if (st == GEN_OK)
            st = run_examples(f, gen_key_fold_in(k[2], (uint64_t)b), mb, c->minibatch_size, c->batched, store,
                              1.0 / (double)c->minibatch_size, NULL);
        if (st == GEN_OK) st = gen_params_apply(store, opt);
    }
    int64_t n_eval = c->evaluation_size ? c->evaluation_size : c->epoch_size;
    double total = 0;
    for (int64_t done = 0; st == GEN_OK && done < n_eval; done += c->epoch_size) {
        /* the evaluation examples, in chunks of at most epoch_size (the buffers' size) */
        int64_t m = n_eval - done < c->epoch_size ? n_eval - done : c->epoch_size;
        double part = 0;
        st = gen_scope_begin();
        if (st != GEN_OK) break;
        st = draw(data, payload, gen_key_fold_in(k[3], (uint64_t)done), e, "evaluation example", done, m, ex);
        for (int64_t j = 0; j < m; j++) mb[j] = &ex[j];
        if (st == GEN_OK)
            st = run_examples(f, gen_key_fold_in(k[3], UINT64_MAX - (uint64_t)done), mb, m, c->batched, NULL, 0, &part);
        gen_scope_end();
        total += part;
    }
    if (st == GEN_OK) *objective = total / (double)n_eval;
    return st;
}

gen_status gen_train(const gen_gf *f, gen_key key, gen_params *store, gen_optimizer *opt, gen_train_data_fn data,
                     void *data_payload, const gen_train_config *c, double *objectives, gen_train_epoch_fn on_epoch,
                     void *epoch_payload) {
    if (!f || !store || !opt || !data || !c)
        return GEN_FAIL(GEN_ERR_MISUSE, "%s: %s is NULL", FN,
                        !f     ? "the generative function"
                        : !store ? "the store"
                        : !opt   ? "the optimizer"
                        : !data  ? "the data generator"
                                 : "the config");
    gen_status st = check_config(c);
    if (st != GEN_OK) return st;
    size_t n = (size_t)c->epoch_size;
    train_example *ex = core_alloc(n * sizeof *ex);
    train_example **mb = core_alloc(n * sizeof *mb);
    int64_t *perm = core_alloc(n * sizeof *perm);
    if (!ex || !mb || !perm) st = GEN_ERR_OOM;
    for (int e = 0; st == GEN_OK && e < c->num_epochs; e++) {
        double objective = 0;
        st = gen_scope_begin();
        if (st != GEN_OK) break;
        st = epoch_run(f, gen_key_fold_in(key, (uint64_t)e), store, opt, data, data_payload, c, e, ex, mb, perm,
                       &objective);
        gen_scope_end();
        if (st != GEN_OK) {
            if (!strstr(gen_error_message(), FN)) core_error_prefix("%s: epoch %d", FN, e);
            break;
        }
        if (objectives) objectives[e] = objective;
        if (on_epoch && !on_epoch(epoch_payload, e, objective))
            st = GEN_FAIL(GEN_CANCELLED, "%s: cancelled by the epoch callback after epoch %d", FN, e);
    }
    core_free(ex, n * sizeof *ex);
    core_free(mb, n * sizeof *mb);
    core_free(perm, n * sizeof *perm);
    return st;
}
