/* accel.c — the compile layer's service to inference (src/infer/accel.h): a target's
 * log density and its gradient as a compiled function (cgfn.h), checked against the eager
 * evaluation at the capture point, then run on raw doubles with no dispatch, tape or
 * allocation per evaluation. */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../infer/accel.h"
#include "cgfn.h"
#include "lane_prog.h"

struct accel_fn {
    _Atomic int refs;
    cg_fn *fn;
    int n_in;
    int64_t *in_size; /* elements of each input */
    /* The lane program of many chains on a device (made on first use, for the first
     * device asked; NULL when that failed). */
    _Atomic bool chains_made;
    cg_lane_prog *chains;
};

accel_fn *accel_fn_retain(accel_fn *a) {
    if (a) atomic_fetch_add(&a->refs, 1);
    return a;
}

void accel_fn_free(accel_fn *a) {
    if (!a || atomic_fetch_sub(&a->refs, 1) > 1) return;
    cg_lane_prog_free(a->chains);
    cg_fn_free(a->fn);
    core_free(a->in_size, (size_t)(a->n_in + 1) * sizeof *a->in_size);
    core_free(a, sizeof *a);
}

/* Every output must be f64 of its input's shape (the gradient) or one element (the
 * density), every input f64: the caller's buffers are doubles. */
static bool fits(const cg_graph *g, int n_in, gen_array *const *like, char *why, size_t n) {
    const cg_value *lp = &g->values[g->outputs[0]];
    if (lp->size != 1 || lp->dtype != GEN_F64) {
        snprintf(why, n, "the log density is not one f64 number");
        return false;
    }
    for (int i = 0; i < n_in; i++) {
        const cg_value *v = &g->values[g->outputs[1 + i]];
        if (v->dtype != GEN_F64 || v->size != gen_array_size(like[i]) || gen_array_dtype(like[i]) != GEN_F64) {
            snprintf(why, n, "an input or its gradient is not f64 (compiled targets take f64 coordinates)");
            return false;
        }
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

/* The compiled values at theta (like's shapes) must be the eager ones: a computation
 * capture could not see (a value read on the host behind the tape's back, a branch
 * taken by a value) shows up as a difference. A point where the eager evaluation fails
 * proves nothing and passes. */
static bool verify_at(accel_fn *a, gen_closure f, gen_array *const *like, const double *theta, const int64_t *off,
                      int64_t dim, char *why, size_t n) {
    int n_in = a->n_in;
    double *buf = core_alloc((size_t)(2 * dim + 3) * sizeof *buf);
    if (!buf || gen_scope_begin() != GEN_OK) {
        core_free(buf, (size_t)(2 * dim + 3) * sizeof *buf);
        return false;
    }
    double *want = buf, *got = buf + dim + 1;
    gen_array *small[16], **in = n_in <= 16 ? small : core_calloc((size_t)n_in, sizeof *in);
    bool ok = in != NULL;
    for (int i = 0; ok && i < n_in; i++) { /* where like[i] is: the eager run must not mix devices */
        in[i] = gen_array_from(GEN_F64, gen_array_ndim(like[i]), gen_array_shape(like[i]), theta + off[i]);
        if (in[i] && gen_array_device(like[i]) != GEN_DEVICE_CPU) in[i] = gen_array_to_device(in[i], gen_array_device(like[i]));
        ok = in[i] != NULL;
    }
    if (ok && eager_values(f, n_in, in, dim, want)) {
        gen_status s = accel_value_and_grad(a, theta, off, got, got + 1);
        gen_error_clear();
        for (int64_t k = 0; s == GEN_OK && k <= dim && ok; k++) ok = close_enough(got[k], want[k]);
        if (s != GEN_OK || !ok)
            snprintf(why, n, "the compiled code disagrees with the eager evaluation (a computation capture cannot "
                             "see, e.g. a value read on the host or a branch on one)");
        ok = ok && s == GEN_OK;
    }
    if (in && in != small) core_free(in, (size_t)n_in * sizeof *in);
    gen_scope_end();
    gen_error_clear();
    core_free(buf, (size_t)(2 * dim + 3) * sizeof *buf);
    return ok;
}

/* Checks at the capture point and at a point moved from it in every coordinate. */
static bool verify(accel_fn *a, gen_closure f, gen_array *const *like, char *why, size_t n) {
    int n_in = a->n_in;
    int64_t dim = 0;
    for (int i = 0; i < n_in; i++) dim += a->in_size[i];
    double *theta = core_alloc((size_t)(2 * dim + 1) * sizeof *theta);
    int64_t *off = core_alloc((size_t)(n_in + 1) * sizeof *off);
    bool ok = theta && off;
    int64_t at = 0;
    for (int i = 0; ok && i < n_in; i++) {
        off[i] = at;
        ok = gen_array_copy_to(like[i], GEN_F64, theta + at, (size_t)a->in_size[i] * sizeof *theta) == GEN_OK;
        at += a->in_size[i];
    }
    for (int64_t k = 0; ok && k < dim; k++) /* a deterministic move of a few tenths */
        theta[dim + k] = theta[k] + (0.1 + 0.07 * (double)(k % 5)) * (k % 2 ? -1 : 1) * (1 + 0.1 * fabs(theta[k]));
    ok = ok && verify_at(a, f, like, theta, off, dim, why, n) && verify_at(a, f, like, theta + dim, off, dim, why, n);
    core_free(off, (size_t)(n_in + 1) * sizeof *off);
    core_free(theta, (size_t)(2 * dim + 1) * sizeof *theta);
    gen_error_clear();
    return ok;
}

/* A new function object (one reference) for n_in inputs; NULL with why filled on OOM. */
static accel_fn *accel_alloc(int n_in, char *why, size_t why_n) {
    accel_fn *a = core_calloc(1, sizeof *a);
    if (!a) {
        gen_error_clear();
        snprintf(why, why_n, "out of memory");
        return NULL;
    }
    atomic_store(&a->refs, 1);
    a->n_in = n_in;
    return a;
}

/* NULL for a function that did not make it (freed), the reason in why (default: memory). */
static accel_fn *refuse(accel_fn *a, char *why, size_t why_n) {
    if (!why[0]) snprintf(why, why_n, "out of memory");
    accel_fn_free(a);
    gen_error_clear();
    return NULL;
}

accel_fn *accel_value_and_grad_new(const char *name, gen_closure f, int n_in, gen_array *const *like,
                                   accel_namer namer, void *namer_payload, char *why, size_t why_n) {
    char local[8];
    if (!why) why = local, why_n = sizeof local;
    accel_fn *a = accel_alloc(n_in, why, why_n);
    if (!a) return NULL;
    a->fn = cg_fn_new(name, f, n_in, like, n_in + 1, namer, namer_payload, true, why, why_n); /* host in, host out */
    a->in_size = core_calloc((size_t)n_in + 1, sizeof *a->in_size);
    bool ok = a->fn && a->in_size && fits(a->fn->g, n_in, like, why, why_n);
    for (int i = 0; ok && i < n_in; i++) a->in_size[i] = gen_array_size(like[i]);
    if (ok) ok = verify(a, f, like, why, why_n);
    return ok ? a : refuse(a, why, why_n);
}

gen_status accel_value_and_grad(const accel_fn *a, const double *theta, const int64_t *off, double *lp,
                                double *grad) {
    const void *in_small[16] = {0};
    void *out_small[17] = {0};
    const void **in = a->n_in <= 16 ? in_small : core_alloc((size_t)a->n_in * sizeof *in);
    void **out = a->n_in <= 16 ? out_small : core_alloc((size_t)(a->n_in + 1) * sizeof *out);
    gen_status s = in && out ? GEN_OK : GEN_ERR_OOM;
    if (s == GEN_OK) {
        out[0] = lp;
        for (int i = 0; i < a->n_in; i++) {
            in[i] = theta + off[i];
            out[1 + i] = grad + off[i];
        }
        s = cg_fn_run(a->fn, in, out);
    }
    if (in && in != in_small) core_free(in, (size_t)a->n_in * sizeof *in);
    if (out && out != out_small) core_free(out, (size_t)(a->n_in + 1) * sizeof *out);
    return s;
}

/* The lane program of a's chains on be, made once (NULL: none). */
static pthread_mutex_t chains_lock = PTHREAD_MUTEX_INITIALIZER;

static cg_lane_prog *chains_of(const accel_fn *a, const backend *be) {
    accel_fn *m = (accel_fn *)a;
    if (!atomic_load(&m->chains_made)) {
        pthread_mutex_lock(&chains_lock);
        if (!atomic_load(&m->chains_made)) {
            char why[400];
            cg_graph *src = cg_graph_with_outputs(a->fn->g, a->fn->g->n_outputs, a->fn->g->outputs);
            cg_lanes *l = src ? cg_lanes_chains(src) : NULL;
            m->chains = l ? cg_lane_prog_new(l, src, be, why, sizeof why) : NULL;
            if (!l) cg_graph_free(src);
            if (!m->chains && getenv("GENC_COMPILE_VERBOSE"))
                fprintf(stderr, "genc: the target's chains are not compiled for %s: %s\n", be->name,
                        l ? why : "out of memory");
            gen_error_clear();
            atomic_store(&m->chains_made, true);
        }
        pthread_mutex_unlock(&chains_lock);
    }
    return a->chains && a->chains->be == be ? a->chains : NULL;
}

gen_status accel_value_and_grad_chains(const accel_fn *a, const backend *be, int64_t n, const void *theta,
                                       const int64_t *off, int64_t dim, void *lp, void *grad) {
    cg_lane_prog *p = cg_lane_prog_supports(be) ? chains_of(a, be) : NULL;
    if (!p) return GEN_ERR_UNSUPPORTED;
    cg_lane_io small_in[16], small_out[17];
    cg_lane_io *in = a->n_in <= 16 ? small_in : core_alloc((size_t)a->n_in * sizeof *in);
    cg_lane_io *out = a->n_in <= 16 ? small_out : core_alloc((size_t)(a->n_in + 1) * sizeof *out);
    gen_status s = in && out ? GEN_OK : GEN_ERR_OOM;
    int64_t row = dim * (int64_t)sizeof(double);
    if (s == GEN_OK) {
        out[0] = (cg_lane_io){lp, false, (int64_t)sizeof(double)};
        for (int i = 0; i < a->n_in; i++) {
            in[i] = (cg_lane_io){(const double *)theta + off[i], false, row};
            out[1 + i] = (cg_lane_io){(double *)grad + off[i], false, row};
        }
        s = cg_lane_prog_run(p, n, in, out);
    }
    if (in && in != small_in) core_free(in, (size_t)a->n_in * sizeof *in);
    if (out && out != small_out) core_free(out, (size_t)(a->n_in + 1) * sizeof *out);
    return s;
}

/* ---- maps ---- */

accel_fn *accel_map_new(const char *name, gen_closure f, int n_in, gen_array *const *like, accel_namer namer,
                        void *namer_payload, char *why, size_t why_n) {
    char local[8];
    if (!why) why = local, why_n = sizeof local;
    accel_fn *a = accel_alloc(n_in, why, why_n);
    if (!a) return NULL;
    a->fn = cg_fn_new(name, f, n_in, like, 1, namer, namer_payload, true, why, why_n); /* host in, host out */
    bool ok = a->fn != NULL;
    if (ok) {
        const cg_value *o = &a->fn->g->values[a->fn->g->outputs[0]];
        for (int i = 0; ok && i < n_in; i++) ok = gen_array_dtype(like[i]) == GEN_F64;
        if (ok && o->dtype != GEN_F64) ok = false;
        if (!ok) snprintf(why, why_n, "%s: an input or the output is not f64", name);
    }
    if (ok) { /* checked against f at like */
        int64_t n = accel_map_size(a), dim = 0;
        for (int i = 0; i < n_in; i++) dim += gen_array_size(like[i]);
        double *buf = core_alloc((size_t)(dim + 2 * n + 1) * sizeof *buf);
        int64_t *off = core_alloc((size_t)(n_in + 1) * sizeof *off);
        ok = buf && off && gen_scope_begin() == GEN_OK;
        if (ok) {
            int64_t at = 0;
            for (int i = 0; ok && i < n_in; i++) {
                off[i] = at;
                ok = gen_array_copy_to(like[i], GEN_F64, buf + at, (size_t)gen_array_size(like[i]) * sizeof *buf) == GEN_OK;
                at += gen_array_size(like[i]);
            }
            gen_array *want = NULL;
            ok = ok && f.fn(f.payload, n_in, like, 1, &want) == GEN_OK && gen_array_size(want) == n &&
                 gen_array_copy_to(want, GEN_F64, buf + dim, (size_t)n * sizeof *buf) == GEN_OK &&
                 accel_map(a, buf, off, buf + dim + n) == GEN_OK;
            for (int64_t k = 0; ok && k < n; k++) ok = close_enough(buf[dim + n + k], buf[dim + k]);
            gen_scope_end();
            if (!ok) snprintf(why, why_n, "%s: the compiled code disagrees with the eager evaluation", name);
        }
        core_free(buf, (size_t)(dim + 2 * n + 1) * sizeof *buf);
        core_free(off, (size_t)(n_in + 1) * sizeof *off);
    }
    return ok ? a : refuse(a, why, why_n);
}

int64_t accel_map_size(const accel_fn *a) { return a->fn->g->values[a->fn->g->outputs[0]].size; }

gen_status accel_map(const accel_fn *a, const double *theta, const int64_t *off, double *out) {
    const void *in_small[16] = {0};
    const void **in = a->n_in <= 16 ? in_small : core_alloc((size_t)a->n_in * sizeof *in);
    if (!in) return GEN_ERR_OOM;
    for (int i = 0; i < a->n_in; i++) in[i] = theta + off[i];
    void *o[1] = {out};
    gen_status s = cg_fn_run(a->fn, in, o);
    if (in != in_small) core_free(in, (size_t)a->n_in * sizeof *in);
    return s;
}
