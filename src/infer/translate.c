/* translate.c — a user's map of (model choices, auxiliary choices) to (new model choices,
 * backward auxiliary choices), shared by involutive MCMC and SMCP3: its guarded call and
 * the log |det J| of its continuous part by forward-mode autodiff. */
#include <math.h>
#include <stdio.h>

#include "translate_int.h"

/* "<call>: <what>", or "<what>" without a call, for messages. */
static const char *head(const translate_map *m, char *buf, size_t n) {
    if (!m->call) return m->what;
    snprintf(buf, n, "%s: %s", m->call, m->what);
    return buf;
}

gen_status translate_apply(const translate_map *m, const gen_choicemap *model, const gen_choicemap *aux,
                           gen_choicemap **nm, gen_choicemap **bwd) {
    *nm = *bwd = NULL;
    core_guard g = core_guard_begin();
    gen_status s = m->fn(m->ctx, model, aux, nm, bwd);
    /* the guard's messages: "<call>: <what> left 1 scope open", or without a call
     * "<what>: its callback left 1 scope open" */
    gen_status sg = m->call ? CORE_GUARD_END(g, s, m->what, "%s", m->call) : CORE_GUARD_END(g, s, "its callback", "%s", m->what);
    if (CORE_UNLIKELY(sg != GEN_OK)) {
        *nm = *bwd = NULL; /* a scope closed for it may have owned them */
        return sg;
    }
    char h[160];
    if (s != GEN_OK) {
        if (!core_error_pending())
            return GEN_FAIL(GEN_ERR_CALLBACK, "%s failed (%s)", head(m, h, sizeof h), gen_status_name(s));
        core_error_prefix("%s", head(m, h, sizeof h));
        return s;
    }
    if (!*nm || !*bwd)
        return GEN_FAIL(GEN_ERR_CALLBACK, "%s returned no %s", head(m, h, sizeof h),
                        *nm ? "backward auxiliary choices" : "model choices");
    return GEN_OK;
}

/* What the Jacobian's function reads: the map evaluated at the continuous inputs it
 * consumes (the model's values that the move replaces or drops, then the auxiliary
 * choices), as one flat vector. */
typedef struct jac_ctx {
    const translate_map *m;
    const gen_choicemap *model, *aux;
    const gen_selection *consumed;
    int64_t dm, d;
} jac_ctx;

static gen_status jac_fn(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)n_in;
    (void)n_out;
    const jac_ctx *j = p;
    gen_array *xm = gen_slice(in[0], 0, 0, j->dm, 1), *xa = gen_slice(in[0], 0, j->dm, GEN_END, 1);
    gen_choicemap *m = gen_choicemap_unflatten(j->model, j->consumed, xm);
    gen_choicemap *a = gen_choicemap_unflatten(j->aux, NULL, xa);
    if (!m || !a) return infer_pending();
    gen_choicemap *nm = NULL, *bwd = NULL;
    gen_status s = translate_apply(j->m, m, a, &nm, &bwd);
    if (s != GEN_OK) return s;
    gen_array *parts[2] = {gen_choicemap_flatten(nm, NULL), gen_choicemap_flatten(bwd, NULL)};
    out[0] = gen_concatenate(2, parts, 0);
    if (!out[0]) return infer_pending();
    char h[160];
    if (gen_array_size(out[0]) != j->d)
        return GEN_FAIL(GEN_ERR_VALUE, "%s's continuous outputs changed size under autodiff (%lld, not %lld): its structure must depend only on discrete values",
                        head(j->m, h, sizeof h), (long long)gen_array_size(out[0]), (long long)j->d);
    return GEN_OK;
}

gen_status translate_log_abs_det(const translate_map *m, const gen_choicemap *model, const gen_choicemap *aux,
                                 const gen_choicemap *consumed_vals, const gen_choicemap *nm,
                                 const gen_choicemap *bwd, double *out) {
    *out = 0;
    char h[160];
    gen_selection *consumed = infer_select_values(consumed_vals);
    if (!consumed) return infer_pending();
    jac_ctx j = {m, model, aux, consumed, gen_choicemap_flat_size(model, consumed), 0};
    int64_t d_in = j.dm + gen_choicemap_flat_size(aux, NULL);
    int64_t d_out = gen_choicemap_flat_size(nm, NULL) + gen_choicemap_flat_size(bwd, NULL);
    if (d_in != d_out)
        return GEN_FAIL(GEN_ERR_VALUE, "%s maps %lld continuous values (%lld of the model, %lld auxiliary) to %lld: dimensions must match",
                        head(m, h, sizeof h), (long long)d_in, (long long)j.dm, (long long)(d_in - j.dm), (long long)d_out);
    j.d = d_in;
    if (d_in == 0) return GEN_OK;
    gen_array *parts[2] = {gen_choicemap_flatten(model, consumed), gen_choicemap_flatten(aux, NULL)};
    gen_array *x = gen_concatenate(2, parts, 0);
    gen_array **cols = core_calloc((size_t)d_in, sizeof *cols);
    if (!x || !cols) {
        core_free(cols, (size_t)d_in * sizeof *cols);
        return infer_pending();
    }
    gen_status s = GEN_OK;
    for (int64_t i = 0; i < d_in && s == GEN_OK; i++) {
        gen_array *e = gen_one_hot(gen_scalar_i64(i), d_in, GEN_F64);
        s = e ? gen_jvp((gen_closure){jac_fn, &j}, 1, &x, &e, 1, NULL, &cols[i]) : infer_pending();
    }
    gen_array *jm = s == GEN_OK ? gen_stack((int)d_in, cols, 1) : NULL;
    gen_array *ld = jm ? gen_logdet(jm) : NULL;
    core_free(cols, (size_t)d_in * sizeof *cols);
    if (s == GEN_OK && (!ld || (s = gen_item(ld, out)) != GEN_OK)) s = infer_pending();
    if (s == GEN_OK && !isfinite(*out))
        return GEN_FAIL(GEN_ERR_VALUE, "%s's Jacobian is singular (log |det J| = %g)", head(m, h, sizeof h), *out);
    if (s != GEN_OK) core_error_prefix("%s's Jacobian", head(m, h, sizeof h));
    return s;
}
