/* compiled.c — gen_compile (genc/compile.h): any array function as a compiled function
 * (cgfn.h) for inputs of fixed dtypes and shapes, checked once against the function
 * itself where it is made. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cgfn.h"
#include "genc/compile.h"

struct gen_compiled {
    cg_fn *fn;
    int n_in, n_out;
    cg_value *in, *out; /* the inputs' and outputs' dtypes and shapes */
};

void gen_compiled_free(gen_compiled *c) {
    if (!c) return;
    cg_fn_free(c->fn);
    core_free(c->in, (size_t)(c->n_in + 1) * sizeof *c->in);
    core_free(c->out, (size_t)(c->n_out + 1) * sizeof *c->out);
    core_free(c, sizeof *c);
}

/* Element k of a as a double (any dtype). */
static double elem(const gen_array *a, int64_t k) {
    const void *d = gen_array_data(a);
    switch (gen_array_dtype(a)) {
    case GEN_F64: return ((const double *)d)[k];
    case GEN_F32: return ((const float *)d)[k];
    case GEN_I64: return (double)((const int64_t *)d)[k];
    default: return ((const uint8_t *)d)[k];
    }
}

static bool agree(const gen_array *a, const gen_array *b) {
    if (gen_array_size(a) != gen_array_size(b)) return false;
    double tol = gen_array_dtype(a) == GEN_F32 ? 1e-5 : 1e-9;
    for (int64_t k = 0; k < gen_array_size(a); k++) {
        double x = elem(a, k), y = elem(b, k);
        if (!(x == y || (isnan(x) && isnan(y)) || fabs(x - y) <= tol * fmax(1.0, fmax(fabs(x), fabs(y)))))
            return false;
    }
    return true;
}

/* f and the compiled code agree at like. */
static gen_status verify(gen_compiled *c, gen_closure f, gen_array *const *like) {
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    gen_array **want = core_calloc((size_t)c->n_out + 1, sizeof *want);
    gen_array **got = core_calloc((size_t)c->n_out + 1, sizeof *got);
    s = want && got ? f.fn(f.payload, c->n_in, like, c->n_out, want) : GEN_ERR_OOM;
    if (s != GEN_OK && !core_error_pending()) GEN_FAIL(GEN_ERR_CALLBACK, "gen_compile: the function returned %s", gen_status_name(s));
    if (s == GEN_OK) s = gen_compiled_call(c, like, got);
    for (int j = 0; s == GEN_OK && j < c->n_out; j++)
        if (!agree(got[j], want[j]))
            s = GEN_FAIL(GEN_ERR_UNSUPPORTED, "gen_compile: output %d of the compiled code disagrees with the function "
                         "(a computation capture cannot see, e.g. a value read on the host)", j);
    core_free(want, ((size_t)c->n_out + 1) * sizeof *want);
    core_free(got, ((size_t)c->n_out + 1) * sizeof *got);
    gen_scope_end();
    return s;
}

gen_compiled *gen_compile(gen_closure f, int n_in, gen_array *const *like, int n_out) {
    if (!f.fn) {
        GEN_FAIL(GEN_ERR_MISUSE, "gen_compile: the closure's function is NULL");
        return NULL;
    }
    if (n_in < 0 || n_out < 1 || (n_in && !like)) {
        GEN_FAIL(GEN_ERR_MISUSE, "gen_compile: needs n_in >= 0 inputs (like not NULL) and n_out >= 1, got %d and %d",
                 n_in, n_out);
        return NULL;
    }
    for (int i = 0; i < n_in; i++)
        if (!like[i]) {
            GEN_FAIL(GEN_ERR_MISUSE, "gen_compile: input %d is NULL", i);
            return NULL;
        }
    gen_compiled *c = core_calloc(1, sizeof *c);
    if (!c) return NULL;
    c->n_in = n_in;
    c->n_out = n_out;
    char why[600];
    c->fn = cg_fn_new("gen_compile", f, n_in, like, n_out, NULL, NULL, false, why, sizeof why); /* outputs on the default device */
    if (!c->fn) {
        gen_compiled_free(c);
        GEN_FAIL(GEN_ERR_UNSUPPORTED, "%s", why);
        return NULL;
    }
    c->in = core_calloc((size_t)n_in + 1, sizeof *c->in);
    c->out = core_calloc((size_t)n_out + 1, sizeof *c->out);
    if (!c->in || !c->out) {
        gen_compiled_free(c);
        return NULL;
    }
    for (int i = 0; i < n_in; i++) c->in[i] = c->fn->g->values[c->fn->g->inputs[i]];
    for (int j = 0; j < n_out; j++) c->out[j] = c->fn->g->values[c->fn->g->outputs[j]];
    if (verify(c, f, like) != GEN_OK) {
        gen_compiled_free(c);
        return NULL;
    }
    return c;
}

gen_status gen_compiled_call(const gen_compiled *c, gen_array *const *in, gen_array **out) {
    if (!c) return GEN_FAIL(GEN_ERR_MISUSE, "gen_compiled_call: the compiled function is NULL");
    if ((c->n_in && !in) || !out) return GEN_FAIL(GEN_ERR_MISUSE, "gen_compiled_call: %s is NULL", out ? "in" : "out");
    for (int j = 0; j < c->n_out; j++) out[j] = NULL;
    const void *in_small[8] = {0};
    void *out_small[8] = {0};
    const void **ip = c->n_in <= 8 ? in_small : core_alloc((size_t)c->n_in * sizeof *ip);
    void **op = c->n_out <= 8 ? out_small : core_alloc((size_t)c->n_out * sizeof *op);
    gen_status s = ip && op ? GEN_OK : GEN_ERR_OOM;
    gen_array **host = core_calloc((size_t)c->n_in + 1, sizeof *host);
    if (!host) s = GEN_ERR_OOM;
    for (int i = 0; s == GEN_OK && i < c->n_in; i++) {
        const cg_value *v = &c->in[i];
        const gen_array *a = in[i];
        if (!a) {
            s = GEN_FAIL(GEN_ERR_MISUSE, "gen_compiled_call: input %d is NULL", i);
        } else if (gen_array_dtype(a) != v->dtype) {
            s = GEN_FAIL(GEN_ERR_DTYPE, "gen_compiled_call: input %d is %s, compiled for %s", i,
                         gen_dtype_name(gen_array_dtype(a)), gen_dtype_name(v->dtype));
        } else if (gen_array_ndim(a) != v->ndim ||
                   (v->ndim && memcmp(gen_array_shape(a), v->shape, (size_t)v->ndim * sizeof *v->shape))) {
            char s1[ARR_SHAPE_STR_MAX], s2[ARR_SHAPE_STR_MAX];
            s = GEN_FAIL(GEN_ERR_SHAPE, "gen_compiled_call: input %d has shape %s, compiled for %s", i,
                         arr_shape_str(gen_array_ndim(a), gen_array_shape(a), s1, sizeof s1),
                         arr_shape_str(v->ndim, v->shape, s2, sizeof s2));
        } else if (gen_array_device(a) != GEN_DEVICE_CPU) {
            if (!(host[i] = gen_array_to_host(a))) s = core_error_pending();
            else ip[i] = gen_array_data(host[i]);
        } else {
            ip[i] = gen_array_data(a);
        }
    }
    for (int j = 0; s == GEN_OK && j < c->n_out; j++) {
        if (!(out[j] = gen_zeros(c->out[j].dtype, c->out[j].ndim, c->out[j].shape))) s = core_error_pending();
        else op[j] = (void *)gen_array_data(out[j]);
    }
    if (s == GEN_OK) s = cg_fn_run(c->fn, ip, op);
    if (s != GEN_OK)
        for (int j = 0; j < c->n_out; j++) out[j] = NULL;
    for (int i = 0; host && i < c->n_in; i++) gen_array_release(host[i]);
    core_free(host, ((size_t)c->n_in + 1) * sizeof *host);
    if (ip && ip != in_small) core_free(ip, (size_t)c->n_in * sizeof *ip);
    if (op && op != out_small) core_free(op, (size_t)c->n_out * sizeof *op);
    return s;
}
