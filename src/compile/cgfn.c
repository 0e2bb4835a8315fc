/* cgfn.c — a compiled function: capture (capture.c), liveness (graph.c), C code
 * (emit_c.c), the compiler and loader (jit_c.c), and running it on raw pointers with the
 * eager path's error messages for failed checks and kernels. */
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../infer/infer_int.h"
#include "cgfn.h"
#include "emit.h"
#include "genc/compile.h"

/* ---- the switch ---- */

static int compile_state = -1; /* -1: not read from the environment yet */

void gen_set_compile(bool on) { compile_state = on; }

bool gen_compile_enabled(void) {
    if (compile_state < 0) {
        const char *s = getenv("GENC_COMPILE");
        compile_state = !(s && (!strcmp(s, "0") || !strcmp(s, "off") || !strcmp(s, "no")));
    }
    return compile_state;
}

void cg_model_cache_clear(void);    /* model_graph.c */
void cg_generate_cache_clear(void); /* generate_graph.c */

void gen_compile_cache_clear(void) {
    target_cache_clear();
    cg_model_cache_clear();
    cg_generate_cache_clear();
}

/* ---- building ---- */

void cg_fn_free(cg_fn *fn) {
    if (!fn) return;
    cg_module_free(fn->mod);
    if (fn->g) core_free(fn->K, (size_t)(fn->g->n_consts + 1) * sizeof *fn->K);
    if (fn->g && fn->host_k) {
        for (int32_t c = 0; c < fn->g->n_consts; c++) gen_array_release(fn->host_k[c]);
        core_free(fn->host_k, (size_t)(fn->g->n_consts + 1) * sizeof *fn->host_k);
    }
    core_free(fn->work, (size_t)fn->work_bytes + 16);
    cg_graph_free(fn->g);
    core_free(fn, sizeof *fn);
}

/* The compiled function of g; host_copies: constants on a device are read from host
 * copies (else such a graph does not compile). */
static cg_fn *fn_from_graph(const char *name, cg_graph *g, bool host_copies, char *why, size_t why_n) {
    why[0] = 0;
    core_error_saved saved;
    core_error_save(&saved);
    cg_fn *fn = core_calloc(1, sizeof *fn);
    cg_text src = {0};
    char msg[400] = "";
    bool ok = fn != NULL;
    if (fn) fn->g = g;
    else cg_graph_free(g);
    if (ok && cg_graph_prune(fn->g) != GEN_OK) ok = false;
    if (ok && !(ok = cg_emit_c(fn->g, &src, &fn->work_bytes, msg, sizeof msg))) snprintf(why, why_n, "%s: %s", name, msg);
    if (ok && !(fn->mod = cg_target_c.load(src.s, src.n, msg, sizeof msg))) {
        ok = false;
        snprintf(why, why_n, "%s: %s", name, msg);
    }
    if (ok) {
        fn->main = cg_module_main(fn->mod);
        fn->K = core_calloc((size_t)fn->g->n_consts + 1, sizeof *fn->K);
        fn->host_k = core_calloc((size_t)fn->g->n_consts + 1, sizeof *fn->host_k);
        fn->work = core_alloc((size_t)fn->work_bytes + 16);
        ok = fn->K && fn->host_k && fn->work;
        for (int32_t c = 0; ok && c < fn->g->n_consts; c++) {
            const gen_array *k = fn->g->consts[c];
            if (gen_array_device(k) != GEN_DEVICE_CPU && !host_copies) {
                ok = false;
                snprintf(why, why_n, "%s: a constant is on a device", name);
            } else if (gen_array_device(k) != GEN_DEVICE_CPU) { /* the code runs on the host: a copy there */
                ok = gen_scope_begin() == GEN_OK;
                fn->host_k[c] = ok ? gen_array_retain(gen_array_to_host(k)) : NULL; /* ours past the scope */
                if (ok) gen_scope_end();
                ok = fn->host_k[c] != NULL;
                if (!ok) snprintf(why, why_n, "%s: a constant on a device could not be copied to the host", name);
                else fn->K[c] = gen_array_data(fn->host_k[c]);
            } else {
                fn->K[c] = gen_array_data(k);
            }
        }
    }
    cg_text_free(&src);
    core_error_restore(&saved);
    if (!ok) {
        if (!why[0]) snprintf(why, why_n, "%s: out of memory", name);
        cg_fn_free(fn);
        return NULL;
    }
    return fn;
}

cg_fn *cg_fn_from_graph(const char *name, cg_graph *g, char *why, size_t why_n) {
    return fn_from_graph(name, g, false, why, why_n);
}

cg_fn *cg_fn_new(const char *name, gen_closure f, int n_in, gen_array *const *like, int n_out,
                 cg_input_namer namer, void *namer_payload, bool host_copies, char *why, size_t why_n) {
    why[0] = 0;
    if (!gen_compile_enabled()) {
        snprintf(why, why_n, "compilation is off (gen_set_compile / GENC_COMPILE=0)");
        return NULL;
    }
    core_error_saved saved;
    core_error_save(&saved);
    cg_refusal refusal;
    cg_graph *g = cg_capture(f, n_in, like, n_out, namer, namer_payload, &refusal);
    if (!g) {
        if (refusal.msg[0]) snprintf(why, why_n, "%s: %s", name, refusal.msg);
        else snprintf(why, why_n, "%s: capture failed: %s", name, gen_error_message());
        core_error_restore(&saved);
        return NULL;
    }
    core_error_restore(&saved);
    return fn_from_graph(name, g, host_copies, why, why_n);
}

/* ---- running ---- */

/* The error of a failed check (node k of a's graph), as the eager check records it. */
gen_status cg_check_failure(const cg_graph *g, int32_t k, int64_t at, const double *v) {
    const cg_node *nd = &g->nodes[k];
    const ad_check *c = &nd->check;
    if (c->kind == AD_CHECK_DENSITY) {
        GEN_FAIL(GEN_ERR_VALUE, "%s: %s is %s; only finite values and -inf are allowed", c->family, c->name,
                 isnan(v[0]) ? "NaN" : "+inf");
        core_error_mark(CORE_REJECT_DENSITY);
        if (c->site[0]) core_error_prefix("%s", c->site);
        return GEN_ERR_VALUE;
    }
    if (c->kind != AD_CHECK_EACH) {
        GEN_FAIL(GEN_ERR_VALUE, "%s: %s must be %s %s, got %g and %g", c->family, c->name,
                 c->kind == AD_CHECK_LESS ? "<" : "<=", c->what, v[0], v[1]);
        core_error_mark(CORE_REJECT_PARAMETER);
        if (c->site[0]) core_error_prefix("%s", c->site);
        return GEN_ERR_VALUE;
    }
    const cg_value *x = &g->values[nd->in[0]];
    int64_t idx[GEN_MAX_DIMS], r = at;
    for (int d = x->ndim - 1; d >= 0; d--) {
        idx[d] = x->shape[d] ? r % x->shape[d] : 0;
        r = x->shape[d] ? r / x->shape[d] : 0;
    }
    char buf[ARR_SHAPE_STR_MAX];
    GEN_FAIL(GEN_ERR_VALUE, "%s: %s must be %s, got %g at index %s", c->family, c->name, c->what, v[0],
             arr_shape_str(x->ndim, idx, buf, sizeof buf));
    core_error_mark(CORE_REJECT_PARAMETER);
    if (c->site[0]) core_error_prefix("%s", c->site);
    return GEN_ERR_VALUE;
}

/* The error of a failed check or kernel (node k), prefixed by the check's address. */
static gen_status failure(const cg_fn *a, int32_t k, int64_t at, const double *v) {
    const cg_node *nd = &a->g->nodes[k];
    if (nd->kind == CG_CHECK) return cg_check_failure(a->g, k, at, v);
    return cg_op_failure(a->g, k, at, v);
}

gen_status cg_fn_run(const cg_fn *fn, const void *const *in, void *const *out) {
    cg_fn *m = (cg_fn *)fn;
    int expected = 0;
    bool own = atomic_compare_exchange_strong(&m->busy, &expected, 1);
    unsigned char *w = own ? fn->work : core_alloc((size_t)fn->work_bytes + 16);
    if (!w) return GEN_ERR_OOM;
    int64_t at = 0;
    double v[2] = {0, 0};
    const cg_graph *was = cg_runtime_enter(fn->g);
    int rc = fn->main(cg_runtime(), fn->K, in, out, w, &at, v);
    cg_runtime_enter(was);
    if (own) atomic_store(&m->busy, 0);
    else core_free(w, (size_t)fn->work_bytes + 16);
    return rc ? failure(fn, rc - 1, at, v) : GEN_OK;
}
