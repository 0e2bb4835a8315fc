/* target_cache.c — compiled log densities shared by the targets of one model (a kernel
 * such as gen_hmc makes a target per step): keyed by what the captured graph depends on
 * — the function, its arguments, every choice value that is not a coordinate (by
 * identity: they are the graph's constants) and the coordinates' addresses, dtypes and
 * shapes. The cache holds references to all of them, so no key's pointer can be reused
 * by another object while its entry lives. A few entries, least recently used out. */
#include <pthread.h>
#include <string.h>

#include "accel.h"
#include "infer_int.h"

#define CACHE_ENTRIES 32

typedef struct entry {
    char *key;
    size_t key_n;
    accel_fn *fn;
    gen_gf *gf;
    gen_array **keep;
    int64_t n_keep;
    uint64_t used; /* the clock at its last use */
} entry;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static entry entries[CACHE_ENTRIES];
static uint64_t clock_;

static void entry_clear(entry *e) {
    core_free(e->key, e->key_n);
    accel_fn_free(e->fn);
    gen_gf_release(e->gf);
    for (int64_t i = 0; i < e->n_keep; i++) gen_array_release(e->keep[i]);
    core_free(e->keep, (size_t)(e->n_keep + 1) * sizeof *e->keep);
    *e = (entry){0};
}

accel_fn *target_cache_find(const char *key, size_t n) {
    accel_fn *found = NULL;
    pthread_mutex_lock(&lock);
    for (int i = 0; i < CACHE_ENTRIES && !found; i++)
        if (entries[i].key && entries[i].key_n == n && !memcmp(entries[i].key, key, n)) {
            entries[i].used = ++clock_;
            found = accel_fn_retain(entries[i].fn);
        }
    pthread_mutex_unlock(&lock);
    return found;
}

void target_cache_put(const char *key, size_t n, accel_fn *fn, const gen_gf *gf, gen_array *const *keep,
                      int64_t n_keep) {
    char *k = core_alloc(n);
    gen_array **kp = core_alloc((size_t)(n_keep + 1) * sizeof *kp);
    if (!k || !kp) {
        core_free(k, n);
        core_free(kp, (size_t)(n_keep + 1) * sizeof *kp);
        gen_error_clear();
        return;
    }
    memcpy(k, key, n);
    for (int64_t i = 0; i < n_keep; i++) kp[i] = gen_array_retain(keep[i]);
    pthread_mutex_lock(&lock);
    int victim = 0;
    for (int i = 1; i < CACHE_ENTRIES; i++)
        if (entries[i].used < entries[victim].used) victim = i;
    entry old = entries[victim];
    entries[victim] = (entry){k, n, accel_fn_retain(fn), gen_gf_retain((gen_gf *)gf), kp, n_keep, ++clock_};
    pthread_mutex_unlock(&lock);
    entry_clear(&old); /* outside the lock: releasing may free models */
}

void target_cache_clear(void) {
    target_reuse_clear(); /* this thread's reused target holds a compiled function too */
    pthread_mutex_lock(&lock);
    entry copy[CACHE_ENTRIES];
    memcpy(copy, entries, sizeof copy);
    memset(entries, 0, sizeof entries);
    pthread_mutex_unlock(&lock);
    for (int i = 0; i < CACHE_ENTRIES; i++) entry_clear(&copy[i]);
}
