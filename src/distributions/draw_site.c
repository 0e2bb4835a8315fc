/* draw_site.c — a random choice's draw as one op (the DRAW row, op.h) for compiled batched
 * generate: the site records the family, the parameters' batched marks and the shapes, and
 * at run time rebuilds the distribution from the parameter values it is given and samples
 * it exactly as the dynamic DSL's draw does (gen_dist_sample at the key folded with the
 * address), so compiled and eager runs draw the same values from the same key. Sites are
 * interned: a graph keeps a pointer to its sites for the process's lifetime. */
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "dist_int.h"
#include "../array/op.h"

typedef struct draw_site {
    op_draw_site head;
    struct draw_site *next;
    const dist_family *family;
    gen_dtype dtype;
    int n_params;
    bool param_batched[DIST_MAX_PARAMS];
    int batch_ndim, event_ndim;
    int64_t batch_shape[GEN_MAX_DIMS], event_shape[GEN_MAX_DIMS];
    bool batched; /* the distribution carries the particle axis */
    int64_t n;    /* batched mode's particle count (0: not batched) */
    uint64_t hash; /* the address's, folded into the key */
} draw_site;

static pthread_mutex_t sites_lock = PTHREAD_MUTEX_INITIALIZER;
static draw_site *sites;

/* The parameters as fresh headers nothing tracks (views of the op's arguments: a capture
 * records nothing of the sampler's ops), with the batched marks the eager distribution's
 * parameters had. */
static gen_status rebuild(const draw_site *s, const op_call *c, gen_dist **out) {
    gen_array *params[DIST_MAX_PARAMS];
    for (int i = 0; i < s->n_params; i++) {
        const gen_array *a = c->in[1 + i];
        gen_array *v = arr_view(a, a->ndim, a->shape);
        if (v) v->batched = s->param_batched[i];
        if (!(params[i] = arr_publish(v))) return core_error_pending() ? core_error_pending() : GEN_ERR_OOM;
    }
    *out = dist_new(s->family, s->dtype, s->n_params, params, s->batch_ndim, s->batch_shape, s->event_ndim,
                    s->event_shape);
    return *out ? GEN_OK : core_error_pending() ? core_error_pending() : GEN_ERR_OOM;
}

/* The key's two words, wherever the key lies (a device kernel sees a device copy). */
static gen_status read_key(const gen_array *k, int64_t kw[2]) {
    gen_array *h = arr_host_ref(k);
    if (!h) return core_error_pending() ? core_error_pending() : GEN_ERR_OOM;
    memcpy(kw, h->data, 2 * sizeof *kw);
    gen_array_release(h);
    return GEN_OK;
}

static gen_array *sample(const op_draw_site *site, const op_call *c) {
    const draw_site *s = (const draw_site *)site;
    int64_t kw[2];
    if (read_key(c->in[0], kw) != GEN_OK || gen_scope_begin() != GEN_OK) return NULL;
    gen_key key = gen_key_fold_in((gen_key){{(uint64_t)kw[0], (uint64_t)kw[1]}}, s->hash);
    int64_t saved = arr_batch_suspend();
    /* what the sampler makes goes where the draw goes */
    gen_device creation = gen_device_set_default(gen_array_device(c->out));
    gen_status st = s->n ? gen_batch_begin(s->n) : GEN_OK;
    gen_dist *d = NULL;
    if (st == GEN_OK) st = rebuild(s, c, &d);
    int nd = s->n && !s->batched ? 1 : 0; /* as the dynamic DSL's draw: the particle axis in front */
    gen_array *x = st == GEN_OK ? gen_dist_sample(d, key, nd, nd ? &s->n : NULL) : NULL;
    if (st == GEN_OK && !x) st = core_error_pending() ? core_error_pending() : GEN_ERR_OOM;
    const gen_array *o = c->out;
    if (st == GEN_OK && (x->dtype != o->dtype || x->ndim != o->ndim ||
                         memcmp(x->shape, o->shape, (size_t)o->ndim * sizeof *o->shape)))
        st = GEN_FAIL(GEN_ERR_INTERNAL, "draw: %s drew a value of another dtype or shape than its site's",
                      s->family->name);
    if (s->n) gen_batch_end();
    gen_device_set_default(creation);
    arr_batch_resume(saved);
    if (st != GEN_OK) {
        gen_scope_end();
        return NULL;
    }
    return arr_scope_return(x);
}

static const draw_site *intern(const draw_site *key);

static const op_draw_site *rescaled(const op_draw_site *site, const op_draw_site *twin, int64_t n0, int64_t n1,
                                    int64_t n) {
    const draw_site *a = (const draw_site *)site, *b = (const draw_site *)twin;
    if (a->family != b->family || a->dtype != b->dtype || a->n_params != b->n_params || a->hash != b->hash ||
        a->batched != b->batched || a->batch_ndim != b->batch_ndim || a->event_ndim != b->event_ndim ||
        memcmp(a->param_batched, b->param_batched, sizeof a->param_batched))
        return NULL;
    draw_site k = *a;
    k.next = NULL;
    k.n = op_scale_extent(a->n, b->n, n0, n1, n);
    bool ok = k.n >= 0;
    for (int i = 0; i < a->batch_ndim && ok; i++)
        ok = (k.batch_shape[i] = op_scale_extent(a->batch_shape[i], b->batch_shape[i], n0, n1, n)) >= 0;
    for (int i = 0; i < a->event_ndim && ok; i++)
        ok = (k.event_shape[i] = op_scale_extent(a->event_shape[i], b->event_shape[i], n0, n1, n)) >= 0;
    const draw_site *r = ok ? intern(&k) : NULL;
    return r ? &r->head : NULL;
}

static const draw_site *intern(const draw_site *key) {
    pthread_mutex_lock(&sites_lock);
    const draw_site *found = NULL;
    for (const draw_site *s = sites; s && !found; s = s->next)
        if (!memcmp((const char *)s + offsetof(draw_site, family), (const char *)key + offsetof(draw_site, family),
                    sizeof *s - offsetof(draw_site, family)))
            found = s;
    if (!found) {
        draw_site *s = malloc(sizeof *s); /* a process-lifetime table (as intern.c's): not the workload's */
        if (s) {
            memcpy(s, key, sizeof *s);
            s->next = sites;
            sites = s;
            found = s;
        }
    }
    pthread_mutex_unlock(&sites_lock);
    return found;
}

dist_draw_info dist_draw_site_info(const op_draw_site *site) {
    const draw_site *s = (const draw_site *)site;
    dist_draw_info r = {s->family->name, s->dtype, s->n_params, {false}, s->hash, s->n, s->batched};
    memcpy(r.param_batched, s->param_batched, sizeof r.param_batched);
    return r;
}

gen_array *dist_draw_op(const gen_dist *d, const gen_array *key, uint64_t hash, int64_t n) {
    if ((d->extra && !d->family->extra_is_support) || !d->family->sample) {
        GEN_FAIL(GEN_ERR_UNSUPPORTED, "%s: its draw has no compiled form (%s)", d->family->name,
                 d->extra ? "a distribution with data of its own" : "it cannot be simulated");
        return NULL;
    }
    draw_site k;
    memset(&k, 0, sizeof k); /* padding too: sites compare as bytes */
    k.head.sample = sample;
    k.head.rescaled = rescaled;
    k.family = d->family;
    k.dtype = d->dtype;
    k.n_params = d->n_params;
    for (int i = 0; i < d->n_params; i++) k.param_batched[i] = d->params[i]->batched;
    k.batch_ndim = d->batch_ndim;
    k.event_ndim = d->event_ndim;
    memcpy(k.batch_shape, d->batch_shape, sizeof k.batch_shape);
    memcpy(k.event_shape, d->event_shape, sizeof k.event_shape);
    k.batched = d->batched;
    k.n = n;
    k.hash = hash;
    const draw_site *s = intern(&k);
    if (!s) {
        GEN_FAIL(GEN_ERR_OOM, "%s: out of memory for its draw site", d->family->name);
        return NULL;
    }
    op_params p;
    memset(&p, 0, sizeof p);
    p.payload = (void *)s;
    p.dtype = d->dtype;
    p.ndim = 0;
    if (n && !d->batched) p.shape[p.ndim++] = n;
    for (int i = 0; i < d->batch_ndim; i++) p.shape[p.ndim++] = d->batch_shape[i];
    for (int i = 0; i < d->event_ndim; i++) p.shape[p.ndim++] = d->event_shape[i];
    gen_array *in[1 + DIST_MAX_PARAMS];
    in[0] = (gen_array *)key;
    for (int i = 0; i < d->n_params; i++) in[1 + i] = d->params[i];
    return op_apply_physical(OP_DRAW, 1 + d->n_params, in, &p);
}
