/* registry.c — the backends this build has, as the table the array layer dispatches
 * through (arr_backend_table, declared in src/array/backend_api.h). */
#include "backend.h"

const backend *arr_backend_table[ARR_MAX_BACKENDS] = {[GEN_DEVICE_CPU] = &cpu_backend};
int arr_backend_count = 1;

int backend_register(backend *b) {
    if (arr_backend_count == ARR_MAX_BACKENDS) {
        GEN_FAIL(GEN_ERR_UNSUPPORTED, "backend_register: %s: at most %d backends", b->name, ARR_MAX_BACKENDS);
        return -1;
    }
    b->device = (gen_device)arr_backend_count;
    arr_backend_table[arr_backend_count++] = b;
    return (int)b->device;
}
