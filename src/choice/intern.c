/* intern.c — the process-wide symbol table: names <-> small integer ids.
 *
 * Lookups take no lock: the hash table is reached through an atomic pointer and its
 * slots are atomic words (hash << 32 | id + 1) written once, after the name they point
 * to is published. Inserts take a mutex, and a full table is replaced by a larger copy;
 * old tables stay allocated (readers may still be probing them) until reset or exit,
 * which together cost at most twice the final table. Names live in chunks of doubling
 * size reached through a fixed directory, so an id's name never moves. The table uses
 * malloc directly: it outlives every GenC object and any allocator installed by tests. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "choice_int.h"

#define NAME_CHUNK0 64 /* chunk k holds NAME_CHUNK0 << k names */
#define NAME_CHUNKS 26 /* enough for 2^32 - 64 ids */

typedef struct intern_table {
    size_t mask; /* slots - 1 (a power of two minus one) */
    struct intern_table *older; /* the table this one replaced (freed at reset) */
    _Atomic uint64_t slots[];
} intern_table;

static _Atomic(intern_table *) table;
static _Atomic(char **) name_chunks[NAME_CHUNKS];
static _Atomic uint32_t n_syms;
static pthread_mutex_t insert_lock = PTHREAD_MUTEX_INITIALIZER;
static bool atexit_done;

static uint32_t hash_name(const char *s, size_t len) {
    uint64_t h = 0xcbf29ce484222325u; /* FNV-1a */
    for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)s[i]) * 0x100000001b3u;
    h ^= h >> 29;
    return (uint32_t)(h ^ (h >> 32));
}

static void chunk_of(uint32_t id, unsigned *k, size_t *off) {
    uint64_t x = (uint64_t)id + NAME_CHUNK0;
    unsigned hb = 63u - (unsigned)__builtin_clzll(x);
    *k = hb - 6; /* log2(NAME_CHUNK0) == 6 */
    *off = (size_t)(x - ((uint64_t)NAME_CHUNK0 << *k));
}

const char *gen_sym_name(gen_sym s) {
    if (s >= atomic_load_explicit(&n_syms, memory_order_acquire)) return NULL;
    unsigned k;
    size_t off;
    chunk_of(s, &k, &off);
    char **chunk = atomic_load_explicit(&name_chunks[k], memory_order_acquire);
    return chunk[off];
}

uint32_t gen_sym_count(void) { return atomic_load_explicit(&n_syms, memory_order_acquire); }

/* The id of name in t, or GEN_SYM_INVALID. */
static gen_sym probe(const intern_table *t, const char *name, size_t len, uint32_t h) {
    for (size_t i = h & t->mask;; i = (i + 1) & t->mask) {
        uint64_t w = atomic_load_explicit(&t->slots[i], memory_order_acquire);
        if (w == 0) return GEN_SYM_INVALID;
        if ((uint32_t)(w >> 32) == h) {
            gen_sym id = (gen_sym)(w & 0xFFFFFFFFu) - 1;
            const char *s = gen_sym_name(id);
            if (strncmp(s, name, len) == 0 && s[len] == '\0') return id;
        }
    }
}

/* Under the lock: the first empty slot of hash h's probe sequence, where a name not in t
 * goes (the table is never full: ensure_room keeps it at most half full). */
static size_t empty_slot(const intern_table *t, uint32_t h) {
    size_t i = h & t->mask;
    while (atomic_load_explicit(&t->slots[i], memory_order_relaxed)) i = (i + 1) & t->mask;
    return i;
}

static intern_table *table_new(size_t nslots) {
    intern_table *t = calloc(1, sizeof *t + nslots * sizeof(uint64_t));
    if (t) t->mask = nslots - 1;
    return t;
}

void gen_intern_reset(void) {
    pthread_mutex_lock(&insert_lock);
    intern_table *t = atomic_exchange(&table, NULL);
    while (t) {
        intern_table *o = t->older;
        free(t);
        t = o;
    }
    uint32_t n = atomic_exchange(&n_syms, 0);
    for (uint32_t id = 0; id < n; id++) {
        unsigned k;
        size_t off;
        chunk_of(id, &k, &off);
        free(atomic_load(&name_chunks[k])[off]);
    }
    for (int k = 0; k < NAME_CHUNKS; k++) free(atomic_exchange(&name_chunks[k], NULL));
    pthread_mutex_unlock(&insert_lock);
}

static void at_exit(void) { gen_intern_reset(); }

/* Under the lock: grows the table when it would pass 1/2 full. */
static intern_table *ensure_room(intern_table *t, uint32_t n) {
    if (t && (size_t)(n + 1) * 2 <= t->mask + 1) return t;
    size_t nslots = t ? 2 * (t->mask + 1) : 256;
    intern_table *g = table_new(nslots);
    if (!g) return NULL;
    for (uint32_t id = 0; id < n; id++) {
        const char *s = gen_sym_name(id);
        uint32_t h = hash_name(s, strlen(s));
        atomic_store_explicit(&g->slots[empty_slot(g, h)], ((uint64_t)h << 32) | (id + 1),
                              memory_order_relaxed);
    }
    g->older = t;
    atomic_store_explicit(&table, g, memory_order_release);
    return g;
}

/* Under the lock: stores the name of the next id (copying it). */
static bool push_name(uint32_t id, const char *name, size_t len) {
    unsigned k;
    size_t off;
    chunk_of(id, &k, &off);
    if (k >= NAME_CHUNKS) return false;
    char **chunk = atomic_load_explicit(&name_chunks[k], memory_order_relaxed);
    if (!chunk) {
        chunk = calloc((size_t)NAME_CHUNK0 << k, sizeof *chunk);
        if (!chunk) return false;
        atomic_store_explicit(&name_chunks[k], chunk, memory_order_release);
    }
    char *copy = malloc(len + 1);
    if (!copy) return false;
    memcpy(copy, name, len);
    copy[len] = '\0';
    chunk[off] = copy;
    return true;
}

static gen_sym insert(const char *name, size_t len, uint32_t h) {
    pthread_mutex_lock(&insert_lock);
    if (!atexit_done) atexit_done = atexit(at_exit) == 0;
    intern_table *t = atomic_load_explicit(&table, memory_order_relaxed);
    gen_sym id = t ? probe(t, name, len, h) : GEN_SYM_INVALID;
    if (id != GEN_SYM_INVALID) goto done; /* another thread added it meanwhile */
    uint32_t n = atomic_load_explicit(&n_syms, memory_order_relaxed);
    if (n == GEN_SYM_INVALID - 1 || !(t = ensure_room(t, n)) || !push_name(n, name, len)) {
        GEN_FAIL(GEN_ERR_OOM, "gen_intern: out of memory interning a name of %zu bytes", len);
        goto done;
    }
    atomic_store_explicit(&n_syms, n + 1, memory_order_release); /* publishes the name */
    atomic_store_explicit(&t->slots[empty_slot(t, h)], ((uint64_t)h << 32) | (n + 1),
                          memory_order_release);
    id = n;
done:
    pthread_mutex_unlock(&insert_lock);
    return id;
}

/* name[0..len) holds no NUL. */
static gen_sym lookup(const char *name, size_t len) {
    uint32_t h = hash_name(name, len);
    intern_table *t = atomic_load_explicit(&table, memory_order_acquire);
    if (t) {
        gen_sym id = probe(t, name, len, h);
        if (id != GEN_SYM_INVALID) return id;
    }
    return insert(name, len, h);
}

static bool check_name(const char *name, size_t len) {
    if (name && len) return true;
    GEN_FAIL(GEN_ERR_VALUE, "gen_intern: the name is %s", name ? "empty" : "NULL");
    return false;
}

gen_sym gen_intern_n(const char *name, size_t len) {
    if (!check_name(name, len)) return GEN_SYM_INVALID;
    if (memchr(name, '\0', len)) {
        GEN_FAIL(GEN_ERR_VALUE, "gen_intern: the name contains a NUL byte");
        return GEN_SYM_INVALID;
    }
    return lookup(name, len);
}

gen_sym gen_intern(const char *name) {
    size_t len = name ? strlen(name) : 0;
    return check_name(name, len) ? lookup(name, len) : GEN_SYM_INVALID;
}
