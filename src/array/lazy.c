/* lazy.c — deferred elementwise ops on devices (backend_api.h): recording an op on its
 * output's buffer instead of running it, and computing a buffer's pending expression when
 * something reads it, through the backend's fuse or, where that declines, by running the
 * pending ops one by one into their own buffers. */
#include <pthread.h>

#include "backend_api.h"

/* The ops that may wait: one output element from the arguments' elements at the same
 * (broadcast) position, no parameters but the output's dtype, no failure on any data. */
static const bool deferrable[OP_COUNT] = {
#define OP(ID, name, arity, shape, cpu, vjp, jvp) [OP_##ID] = true,
#include "ops_unary.def"
#include "ops_binary.def"
#undef OP
    [OP_CAST] = true, [OP_COPY] = true, [OP_STOP_GRADIENT] = true, [OP_BROADCAST_TO] = true,
};

bool arr_defer(const backend *be, const op_call *c) {
    if (!deferrable[c->op] || c->n_out != 1 || !c->out->buf || c->out->size == 0 || c->n_in > 3) return false;
    bool by_value = be->scalar_args && be->scalar_args[c->op];
    int cost = 1;
    for (int i = 0; i < c->n_in; i++) {
        const gen_array *a = c->in[i];
        if (a->buf ? a->buf->backend != be : !(by_value && a->size == 1)) return false;
        const arr_pending *p = arr_pending_of(a);
        if (p) cost += p->cost;
    }
    if (cost > ARR_PENDING_MAX_COST) { /* the arguments become leaves: ready them first */
        for (int i = 0; i < c->n_in; i++)
            if (arr_ready(c->in[i]) != GEN_OK) return false; /* dispatch's kernel call reports it again */
        cost = 1;
    }
    arr_pending *p = core_alloc_small(sizeof *p);
    if (!p) return false; /* run now instead */
    p->op = c->op;
    p->n_in = c->n_in;
    for (int i = 0; i < c->n_in; i++) p->in[i] = arr_retain(c->in[i]);
    p->cost = cost;
    p->dtype = c->out->dtype;
    p->ndim = c->out->ndim;
    p->size = c->out->size;
    for (int k = 0; k < c->out->ndim; k++) p->shape[k] = c->out->shape[k];
    atomic_store_explicit(&c->out->buf->pending, p, memory_order_release);
    return true;
}

void arr_pending_free(arr_pending *p) {
    for (int i = 0; i < p->n_in; i++) gen_array_release(p->in[i]);
    core_free_small(p, sizeof *p);
}

/* Computing is serialized: two threads reading one pending array compute it once. The
 * lock is recursive because replaying an op readies its arguments first. */
static pthread_mutex_t force_lock;
static pthread_once_t force_once = PTHREAD_ONCE_INIT;
static void force_lock_init(void) {
    pthread_mutexattr_t at;
    pthread_mutexattr_init(&at);
    pthread_mutexattr_settype(&at, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&force_lock, &at);
    pthread_mutexattr_destroy(&at);
}

static gen_status force(arr_buffer *buf, bool fuse);

/* The pending op p of buf run by its own kernel into buf, its pending arguments replayed
 * first (the backend declined the whole expression: it is not asked again for parts). */
static gen_status replay(arr_buffer *buf, const arr_pending *p) {
    for (int i = 0; i < p->n_in; i++) {
        gen_status st = arr_pending_of(p->in[i]) ? force(p->in[i]->buf, false) : GEN_OK;
        if (st != GEN_OK) return st;
    }
    /* the output's header: the buffer and the shape dispatch allocated (no inline data) */
    gen_array out = {.dtype = p->dtype, .ndim = p->ndim, .size = p->size, .data = buf->data, .buf = buf};
    atomic_init(&out.refcount, 1);
    for (int k = 0; k < p->ndim; k++) out.shape[k] = p->shape[k];
    gen_array *outs[1] = {&out};
    op_params params = op_no_params;
    params.dtype = (gen_dtype)p->dtype; /* cast's target */
    if (p->op == OP_BROADCAST_TO) {
        params.ndim = p->ndim;
        for (int k = 0; k < p->ndim; k++) params.shape[k] = p->shape[k];
    }
    op_call c = {p->op, p->n_in, p->in, &params, &out, 1, outs};
    op_kernel_fn k = buf->backend->kernels[p->op];
    if (!k) return GEN_FAIL(GEN_ERR_UNSUPPORTED, "%s: not supported on the %s backend", op_table[p->op].name,
                            buf->backend->name);
    return arr_run_kernel(buf->backend, k, &c);
}

static gen_status force(arr_buffer *buf, bool fuse) {
    pthread_once(&force_once, force_lock_init);
    pthread_mutex_lock(&force_lock);
    arr_pending *p = atomic_load_explicit(&buf->pending, memory_order_acquire);
    gen_status st = GEN_OK;
    if (p) {
        const backend *be = buf->backend;
        st = fuse && be->fuse ? be->fuse(buf) : GEN_ERR_UNSUPPORTED;
        if (st == GEN_ERR_UNSUPPORTED) st = replay(buf, p);
        if (st == GEN_OK) {
            atomic_store_explicit(&buf->pending, NULL, memory_order_release);
            arr_pending_free(p);
        }
    }
    pthread_mutex_unlock(&force_lock);
    return st;
}

gen_status arr_force(arr_buffer *buf) { return force(buf, true); }
