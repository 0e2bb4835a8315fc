/* sample_place.c — where a raw sampler runs, chosen from its parameters as ops choose
 * their device (src/array/dispatch.c): the host loop; the CUDA kernels on a device with a
 * native queue (parameters checked there, with the host loop's messages); or, on a
 * device without one (a test's fake device), the host loop on host copies and a copy of
 * the result back to that device. */
#include "sample_int.h"

/* The parameters are on different devices: names the first pair. */
static gen_status mixed_devices(const smp_sampler *s, const gen_array *const *p) {
    return GEN_FAIL(GEN_ERR_MISUSE, "%s: parameters on different devices (%s on %s, %s on %s)", s->fn, s->names[0],
                    arr_backend_of(p[0])->name, s->names[1], arr_backend_of(p[1])->name);
}

/* The backend of the parameters' device, NULL when they are all on the host; *err on a
 * mix of devices. Small host arrays (inline) go with any device; larger host arrays
 * (host buffers) keep the call on the host. */
static const backend *param_device(const smp_sampler *s, const gen_array *const *p, bool *host_buf, bool *err) {
    const backend *be = NULL;
    *host_buf = *err = false;
    for (int k = 0; k < s->nparam; k++) {
        const arr_buffer *buf = p[k]->buf;
        if (!buf) continue;
        if (buf->host) *host_buf = true;
        else if (be && buf->backend != be) *err = true;
        else be = buf->backend;
    }
    if (be && *host_buf) *err = true;
    if (*err) mixed_devices(s, p);
    return be;
}

/* The host loop on host copies of the parameters, its result copied to be. */
static gen_array *via_host(const smp_sampler *s, const backend *be, gen_key key, const gen_array *const *p) {
    gen_array *h[2] = {NULL, NULL};
    for (int k = 0; k < s->nparam; k++)
        if (!(h[k] = arr_host_ref(p[k]))) break;
    gen_array *d = NULL;
    if (h[0] && (s->nparam == 1 || h[1])) {
        gen_scope_begin();
        gen_array *r = s->host(key, h[0], h[1]);
        d = r ? arr_copy_to_backend(s->fn, r, be) : NULL;
        gen_scope_end();
    }
    for (int k = 0; k < s->nparam; k++) gen_array_release(h[k]);
    return arr_publish(d);
}

/* Checks parameters on the device: their first bad elements found there (one wait for
 * the stream), the message made by the host check of a host copy (error paths only). */
static gen_status check_on_device(const smp_sampler *s, const backend *be, const gen_array *const *p) {
    const gen_array *dev[2];
    int rules[2], which[2], n = 0;
    for (int k = 0; k < s->nparam; k++) {
        if (!p[k]->buf) { /* a small host array: checked here, before it travels */
            gen_status st = smp_check(s->fn, s->names[k], p[k], s->rules[k]);
            if (st != GEN_OK) return st;
            continue;
        }
        dev[n] = p[k], rules[n] = (int)s->rules[k], which[n++] = k;
    }
    if (n == 0) return GEN_OK;
    int64_t first[2];
    gen_status st = rnd_cuda_first_bad(s->fn, be, n, dev, rules, first);
    for (int j = 0; j < n && st == GEN_OK; j++) {
        if (first[j] < 0) continue;
        int k = which[j];
        gen_array *h = arr_host_ref(p[k]);
        if (!h) return core_error_pending();
        st = smp_check_slow(s->fn, s->names[k], h, s->rules[k]);
        gen_array_release(h);
        if (st == GEN_OK) /* the device and the host disagree */
            st = GEN_FAIL(GEN_ERR_INTERNAL, "%s: the device found %s invalid at element %lld, the host did not", s->fn,
                          s->names[k], (long long)first[j]);
    }
    return st;
}

/* The CUDA kernels on be: the parameters checked, small host ones copied there. */
static gen_array *on_cuda(const smp_sampler *s, const backend *be, gen_key key, const gen_array *const *p,
                          gen_dtype out_t) {
    smp_bcast bc;
    if (smp_broadcast(s->fn, p[0], p[1], &bc) != GEN_OK) return NULL;
    if (check_on_device(s, be, p) != GEN_OK) return NULL;
    gen_array *up[2] = {NULL, NULL};
    const gen_array *q[2] = {p[0], p[1]};
    for (int k = 0; k < s->nparam; k++) {
        if (p[k]->buf) continue;
        if (!(up[k] = arr_copy_to_backend(s->fn, p[k], be))) {
            gen_array_release(up[0]);
            return NULL;
        }
        q[k] = up[k];
    }
    if (s->nparam == 1) q[1] = q[0];
    gen_array *out = rnd_cuda_sample(s->fn, be, s->kind, key, q[0], q[1], out_t, bc.ndim, bc.shape, bc.strides[0],
                                     bc.strides[1]);
    /* the uploads are freed in the stream's order, after the kernel has read them */
    for (int k = 0; k < s->nparam; k++) gen_array_release(up[k]);
    return arr_publish(out);
}

gen_array *smp_sample(const smp_sampler *s, gen_key key, const gen_array *a, const gen_array *b, gen_dtype out_t) {
    const gen_array *p[2] = {a, s->nparam > 1 ? b : a};
    if (CORE_UNLIKELY(p[0]->tuple || p[1]->tuple)) return s->host(key, a, b); /* tuples (or released arrays): its errors */
    bool host_buf, mixed;
    const backend *be = param_device(s, p, &host_buf, &mixed);
    if (mixed) return NULL;
    if (!be) {
        if (host_buf || !arr_creation_be) return s->host(key, a, b);
        /* only small host parameters: the default device, unless the result is small too */
        smp_bcast bc;
        if (smp_broadcast(s->fn, p[0], p[1], &bc) != GEN_OK) return NULL;
        if ((size_t)arr_shape_size(bc.ndim, bc.shape) * gen_dtype_size(out_t) <= ARR_INLINE_BYTES)
            return s->host(key, a, b);
        be = arr_creation_be;
    }
    return be->queue ? on_cuda(s, be, key, p, out_t) : via_host(s, be, key, p);
}
