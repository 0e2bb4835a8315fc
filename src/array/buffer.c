/* buffer.c — refcounted storage on a backend (the memory of arrays too large to store
 * inline, and of every array on a device). */
#include "backend_api.h"

arr_buffer *arr_buffer_new(const backend *b, size_t nbytes) {
    arr_buffer *buf = core_alloc_small(sizeof *buf);
    if (!buf) return NULL;
    buf->data = b->mem_alloc(nbytes);
    if (!buf->data) {
        core_free_small(buf, sizeof *buf);
        return NULL;
    }
    atomic_init(&buf->refcount, 1);
    buf->backend = b;
    buf->host = b->host;
    buf->device = (uint8_t)b->device;
    buf->nbytes = nbytes;
    atomic_init(&buf->pending, NULL);
    return buf;
}

void arr_buffer_release(arr_buffer *buf) {
    if (atomic_fetch_sub_explicit(&buf->refcount, 1, memory_order_acq_rel) != 1) return;
    arr_pending *p = atomic_load_explicit(&buf->pending, memory_order_acquire);
    if (p) arr_pending_free(p); /* never read: never computed */
    buf->backend->mem_free(buf->data, buf->nbytes);
    core_free_small(buf, sizeof *buf);
}

const backend *arr_backend_get(const char *fn, gen_device d) {
    if ((int)d < 0 || (int)d >= arr_backend_count) {
        GEN_FAIL(GEN_ERR_VALUE, "%s: no device %d (this build has %d)", fn, (int)d, arr_backend_count);
        return NULL;
    }
    return arr_backend_table[d];
}
