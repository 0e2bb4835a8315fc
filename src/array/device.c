/* device.c — which device holds an array, what each device runs (the supports query),
 * and copies between devices (the explicit host access of include/genc/array.h). The backends themselves are reached through the
 * registry of backend_api.h. */
#include <string.h>

#include "autodiff_int.h"
#include "backend_api.h"

gen_device gen_array_device(const gen_array *a) {
    return a && !a->tuple ? arr_backend_of(a)->device : GEN_DEVICE_CPU;
}

int gen_device_count(void) { return arr_backend_count; }

const char *gen_device_name(gen_device d) {
    return (int)d >= 0 && (int)d < arr_backend_count ? arr_backend_table[d]->name : "?";
}

bool gen_device_supports(gen_device d, const char *op_name) {
    if (!op_name || (int)d < 0 || (int)d >= arr_backend_count) return false;
    for (int i = 0; i < OP_COUNT; i++)
        if (!strcmp(op_table[i].name, op_name)) return backend_supports(arr_backend_table[d], (op_id)i);
    return false;
}

gen_status arr_device_fail(const char *fn, const gen_array *a) {
    return GEN_FAIL(GEN_ERR_MISUSE, "%s: the array is on device %s; copy it to the host first (gen_array_to_host)",
                    fn, arr_backend_of(a)->name);
}

_Thread_local const backend *arr_creation_be;

gen_device gen_device_default(void) { return arr_creation_backend()->device; }

gen_device gen_device_set_default(gen_device d) {
    const backend *b = arr_backend_get("gen_device_set_default", d);
    if (!b) return GEN_DEVICE_NONE;
    gen_device old = gen_device_default();
    arr_creation_be = b->host ? NULL : b;
    return old;
}

gen_status gen_device_synchronize(gen_device d) {
    const backend *b = arr_backend_get("gen_device_synchronize", d);
    if (!b) return core_error_pending();
    return b->synchronize ? b->synchronize() : GEN_OK;
}

/* a's elements copied to a new array on backend to (refcount 1, unpublished). */
static gen_array *copy_to(const char *fn, const gen_array *a, const backend *to) {
    const backend *from = arr_backend_of(a);
    if (arr_ready(a) != GEN_OK) return NULL;
    gen_array *r = arr_alloc_on(fn, to, (gen_dtype)a->dtype, a->ndim, a->shape);
    if (!r) return NULL;
    r->batched = a->batched;
    size_t n = (size_t)a->size * gen_dtype_size((gen_dtype)a->dtype);
    gen_status st = GEN_OK;
    if (n == 0) return r; /* nothing to copy */
    if (from->host && to->host) {
        memcpy(r->data, a->data, n);
    } else if (from->host) {
        st = to->from_host(r->data, a->data, n);
    } else if (to->host) {
        st = from->to_host(r->data, a->data, n);
    } else { /* device to device: through the host */
        void *tmp = core_alloc(n);
        st = tmp ? from->to_host(tmp, a->data, n) : GEN_ERR_OOM;
        if (st == GEN_OK) st = to->from_host(r->data, tmp, n);
        if (tmp) core_free(tmp, n);
    }
    if (st != GEN_OK) {
        gen_array_release(r);
        if (!core_error_pending()) GEN_FAIL(st, "%s: copying from %s to %s failed", fn, from->name, to->name);
        return NULL;
    }
    return r;
}

gen_array *arr_copy_to_backend(const char *fn, const gen_array *a, const backend *to) {
    return copy_to(fn, a, to);
}

gen_array *arr_to_creation_device(const char *fn, gen_array *a) {
    const backend *to = arr_creation_be;
    if (!a || !to || !a->buf) return a; /* the host, or inline (small arrays stay on the host) */
    gen_array *r = copy_to(fn, a, to);
    gen_array_release(a);
    return r;
}

gen_array *arr_host_ref(const gen_array *a) {
    return arr_on_host(a) ? gen_array_retain((gen_array *)a) : copy_to("arr_host_ref", a, arr_default_backend());
}

static gen_array *move(const char *fn, const gen_array *a, const backend *to) {
    if (!a) {
        if (!core_error_pending()) GEN_FAIL(GEN_ERR_MISUSE, "%s: the array is NULL", fn);
        return NULL;
    }
    if (a->tuple) {
        arr_tuple_fail(fn, "the argument");
        return NULL;
    }
    if (!to) return NULL;
    const backend *from = arr_backend_of(a);
    if (from == to || (from->host && to->host && to == arr_default_backend()))
        return arr_publish(gen_array_retain((gen_array *)a));
    if (a->ad && ad_active()) {
        GEN_FAIL(GEN_ERR_NOGRAD, "%s: copies between devices (%s to %s) are not differentiated", fn, from->name,
                 to->name);
        return NULL;
    }
    return arr_publish(copy_to(fn, a, to));
}

gen_array *gen_array_to_host(const gen_array *a) {
    return move("gen_array_to_host", a, arr_default_backend());
}

gen_array *gen_array_to_device(const gen_array *a, gen_device d) {
    return move("gen_array_to_device", a, arr_backend_get("gen_array_to_device", d));
}
