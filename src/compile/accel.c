/* accel.c — the compile layer's service to inference (src/infer/accel.h): a log density
 * and its gradient captured once (capture.c), generated as C (emit_c.c), compiled and
 * loaded (jit_c.c), checked against the eager evaluation at the capture point, then run
 * on raw doubles with no dispatch, tape or allocation per evaluation. */
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../infer/accel.h"
#include "emit.h"
#include "genc/compile.h"
#include "jit.h"

struct accel_fn {
    cg_graph *g;
    cg_module *mod;
    cg_main_fn main;
    const void **K; /* the constants' elements */
    int n_in;
    int64_t *in_size; /* elements of each input */
    int64_t work_bytes;
    unsigned char *work; /* one evaluation's work block; a second at once allocates its own */
    _Atomic int busy;
};

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

/* ---- building ---- */

void accel_fn_free(accel_fn *a) {
    if (!a) return;
    cg_module_free(a->mod);
    if (a->g) core_free(a->K, (size_t)(a->g->n_consts + 1) * sizeof *a->K);
    core_free(a->in_size, (size_t)(a->n_in + 1) * sizeof *a->in_size);
    core_free(a->work, (size_t)a->work_bytes + 16);
    cg_graph_free(a->g);
    core_free(a, sizeof *a);
}

/* Every output must be f64 of its input's shape (the gradient) or one element (the
 * density): the caller's buffers are doubles. */
static bool outputs_fit(const cg_graph *g, int n_in, gen_array *const *like, char *why, size_t n) {
    const cg_value *lp = &g->values[g->outputs[0]];
    if (lp->size != 1 || lp->dtype != GEN_F64) {
        snprintf(why, n, "the log density is not one f64 number");
        return false;
    }
    for (int i = 0; i < n_in; i++) {
        const cg_value *v = &g->values[g->outputs[1 + i]];
        if (v->dtype != GEN_F64 || v->size != gen_array_size(like[i])) {
            snprintf(why, n, "a gradient is not f64 of its input's size");
            return false;
        }
    }
    for (int i = 0; i < n_in; i++)
        if (gen_array_dtype(like[i]) != GEN_F64) {
            snprintf(why, n, "an input is not f64 (compiled code takes f64 coordinates)");
            return false;
        }
    return true;
}

/* The eager values of f at like (its log density and gradients, concatenated). */
static bool eager_values(gen_closure f, int n_in, gen_array *const *like, int64_t dim, double *out) {
    if (gen_scope_begin() != GEN_OK) return false;
    gen_array **res = core_calloc((size_t)n_in + 1, sizeof *res);
    bool ok = res && f.fn(f.payload, n_in, like, n_in + 1, res) == GEN_OK;
    int64_t at = 0;
    for (int j = 0; ok && j <= n_in; j++) {
        int64_t n = gen_array_size(res[j]);
        ok = at + n <= dim + 1 && gen_array_copy_to(res[j], GEN_F64, out + at, (size_t)n * sizeof *out) == GEN_OK;
        at += n;
    }
    core_free(res, ((size_t)n_in + 1) * sizeof *res);
    gen_scope_end();
    gen_error_clear();
    return ok;
}

static bool close_enough(double a, double b) {
    if (a == b || (isnan(a) && isnan(b))) return true;
    return fabs(a - b) <= 1e-9 * fmax(1.0, fmax(fabs(a), fabs(b)));
}

/* The compiled values at like must be the eager ones: a computation capture could not
 * see (a value read on the host behind the tape's back) shows up here. */
static bool verify(accel_fn *a, gen_closure f, int n_in, gen_array *const *like, char *why, size_t n) {
    int64_t dim = 0;
    for (int i = 0; i < n_in; i++) dim += a->in_size[i];
    double *buf = core_alloc((size_t)(3 * dim + 3) * sizeof *buf);
    if (!buf) return false;
    double *theta = buf, *want = buf + dim, *got = buf + 2 * dim + 1;
    int64_t *off = core_alloc((size_t)(n_in + 1) * sizeof *off);
    bool ok = off != NULL;
    int64_t at = 0;
    for (int i = 0; ok && i < n_in; i++) {
        off[i] = at;
        ok = gen_array_copy_to(like[i], GEN_F64, theta + at, (size_t)a->in_size[i] * sizeof *theta) == GEN_OK;
        at += a->in_size[i];
    }
    if (ok && eager_values(f, n_in, like, dim, want)) {
        gen_status s = accel_value_and_grad(a, theta, off, got, got + 1);
        gen_error_clear();
        for (int64_t k = 0; s == GEN_OK && k <= dim && ok; k++) ok = close_enough(got[k], want[k]);
        if (s != GEN_OK || !ok)
            snprintf(why, n, "the compiled code disagrees with the eager evaluation at the capture point (a "
                             "computation capture cannot see, e.g. a value read on the host)");
        ok = ok && s == GEN_OK;
    }
    core_free(off, (size_t)(n_in + 1) * sizeof *off);
    core_free(buf, (size_t)(3 * dim + 3) * sizeof *buf);
    return ok;
}

accel_fn *accel_value_and_grad_new(const char *name, gen_closure f, int n_in, gen_array *const *like,
                                   accel_namer namer, void *namer_payload, char *why, size_t why_n) {
    char local[8];
    if (!why) why = local, why_n = sizeof local;
    why[0] = 0;
    if (!gen_compile_enabled()) {
        snprintf(why, why_n, "compilation is off (gen_set_compile / GENC_COMPILE=0)");
        return NULL;
    }
    core_error_saved saved;
    core_error_save(&saved);
    accel_fn *a = core_calloc(1, sizeof *a);
    cg_refusal refusal;
    cg_text src = {0};
    bool ok = a != NULL;
    if (ok) {
        a->n_in = n_in;
        a->g = cg_capture(f, n_in, like, n_in + 1, namer, namer_payload, &refusal);
        if (!a->g) {
            ok = false;
            if (refusal.msg[0]) snprintf(why, why_n, "%s: %s", name, refusal.msg);
            else snprintf(why, why_n, "%s: capture failed: %s", name, gen_error_message());
        }
    }
    if (ok) ok = outputs_fit(a->g, n_in, like, why, why_n) && cg_graph_prune(a->g) == GEN_OK;
    char msg[400] = "";
    if (ok && !(ok = cg_emit_c(a->g, &src, &a->work_bytes, msg, sizeof msg))) snprintf(why, why_n, "%s: %s", name, msg);
    if (ok && !(a->mod = cg_target_c.load(src.s, src.n, msg, sizeof msg))) {
        ok = false;
        snprintf(why, why_n, "%s: %s", name, msg);
    }
    if (ok) {
        a->main = cg_module_main(a->mod);
        a->K = core_calloc((size_t)a->g->n_consts + 1, sizeof *a->K);
        a->in_size = core_calloc((size_t)n_in + 1, sizeof *a->in_size);
        a->work = core_alloc((size_t)a->work_bytes + 16);
        ok = a->K && a->in_size && a->work;
        for (int32_t c = 0; ok && c < a->g->n_consts; c++) {
            const gen_array *k = a->g->consts[c];
            if (gen_array_device(k) != GEN_DEVICE_CPU) {
                ok = false;
                snprintf(why, why_n, "%s: a constant is on a device", name);
            } else {
                a->K[c] = gen_array_data(k);
            }
        }
        for (int i = 0; ok && i < n_in; i++) a->in_size[i] = gen_array_size(like[i]);
        if (ok) ok = verify(a, f, n_in, like, why, why_n);
    }
    cg_text_free(&src);
    core_error_restore(&saved);
    if (!ok) {
        if (!why[0]) snprintf(why, why_n, "%s: out of memory", name);
        accel_fn_free(a);
        return NULL;
    }
    return a;
}

/* ---- running ---- */

/* The message of a failed check or kernel (node k of a's graph). */
static gen_status failure(const accel_fn *a, int32_t k, int64_t at, const double *v) {
    const cg_node *nd = &a->g->nodes[k];
    if (nd->kind == CG_CHECK) {
        const ad_check *c = &nd->check;
        if (c->kind == AD_CHECK_DENSITY) {
            GEN_FAIL(GEN_ERR_VALUE, "%s: %s is %s; only finite values and -inf are allowed", c->family, c->name,
                     isnan(v[0]) ? "NaN" : "+inf");
            return core_error_mark(CORE_REJECT_DENSITY);
        }
        if (c->kind != AD_CHECK_EACH) {
            GEN_FAIL(GEN_ERR_VALUE, "%s: %s must be %s %s, got %g and %g", c->family, c->name,
                     c->kind == AD_CHECK_LESS ? "<" : "<=", c->what, v[0], v[1]);
        } else {
            const cg_value *x = &a->g->values[nd->in[0]];
            int64_t idx[GEN_MAX_DIMS], r = at;
            for (int d = x->ndim - 1; d >= 0; d--) {
                idx[d] = x->shape[d] ? r % x->shape[d] : 0;
                r = x->shape[d] ? r / x->shape[d] : 0;
            }
            char buf[ARR_SHAPE_STR_MAX];
            GEN_FAIL(GEN_ERR_VALUE, "%s: %s must be %s, got %g at index %s", c->family, c->name, c->what, v[0],
                     arr_shape_str(x->ndim, idx, buf, sizeof buf));
        }
        return core_error_mark(CORE_REJECT_PARAMETER);
    }
    if (nd->op == OP_TAKE || nd->op == OP_INDEX_SET || nd->op == OP_INDEX_ADD)
        return GEN_FAIL(GEN_ERR_INDEX, "%s: index %g at position %lld is out of range (compiled code)",
                        op_table[nd->op].name, v[0], (long long)at);
    return GEN_FAIL(GEN_ERR_VALUE, "%s: failed at matrix %lld (compiled code)", op_table[nd->op].name, (long long)at);
}

gen_status accel_value_and_grad(const accel_fn *a, const double *theta, const int64_t *off, double *lp,
                                double *grad) {
    const void *in_small[16];
    void *out_small[17];
    const void **in = a->n_in <= 16 ? in_small : core_alloc((size_t)a->n_in * sizeof *in);
    void **out = a->n_in <= 16 ? out_small : core_alloc((size_t)(a->n_in + 1) * sizeof *out);
    accel_fn *m = (accel_fn *)a;
    int expected = 0;
    bool own = atomic_compare_exchange_strong(&m->busy, &expected, 1);
    unsigned char *w = own ? a->work : core_alloc((size_t)a->work_bytes + 16);
    gen_status s = in && out && w ? GEN_OK : GEN_ERR_OOM;
    if (s == GEN_OK) {
        out[0] = lp;
        for (int i = 0; i < a->n_in; i++) {
            in[i] = theta + off[i];
            out[1 + i] = grad + off[i];
        }
        int64_t at = 0;
        double v[2] = {0, 0};
        int rc = a->main(cg_runtime(), a->K, in, out, w, &at, v);
        if (rc) s = failure(a, rc - 1, at, v);
    }
    if (own) atomic_store(&m->busy, 0);
    else core_free(w, (size_t)a->work_bytes + 16);
    if (in != in_small) core_free(in, (size_t)a->n_in * sizeof *in);
    if (out != out_small) core_free(out, (size_t)(a->n_in + 1) * sizeof *out);
    return s;
}
