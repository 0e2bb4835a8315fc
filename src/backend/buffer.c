/* buffer.c — refcounted storage on a backend. */
#include "backend.h"

arr_buffer *backend_buffer_new(const backend *b, size_t nbytes) {
    arr_buffer *buf = core_alloc_small(sizeof *buf);
    if (!buf) return NULL;
    buf->data = b->mem_alloc(nbytes);
    if (!buf->data) {
        core_free_small(buf, sizeof *buf);
        return NULL;
    }
    atomic_init(&buf->refcount, 1);
    buf->backend = b;
    buf->nbytes = nbytes;
    return buf;
}

void backend_buffer_release(arr_buffer *buf) {
    if (atomic_fetch_sub_explicit(&buf->refcount, 1, memory_order_acq_rel) != 1) return;
    buf->backend->mem_free(buf->data, buf->nbytes);
    core_free_small(buf, sizeof *buf);
}
