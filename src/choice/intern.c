/* intern.c — the process-wide symbol table: names <-> small integer ids.
 *
 * Two kinds of symbols share one id space and one lookup:
 *  - permanent symbols (gen_intern): dense ids from 0, names live until reset or exit;
 *  - held symbols: names first met as keys of a parsed JSON choice map (intern_hold_n),
 *    with ids from INTERN_HELD_BASE up. A held symbol is refcounted by the choice-map
 *    nodes whose entries use it (cm_seal takes a reference, cm_free drops it) and freed
 *    with the last one, so parsing maps with ever new keys does not grow the process.
 *    gen_intern of a held symbol's name returns the same id and pins it: from then on
 *    it is permanent (never freed), so addresses and maps agree on the name's id.
 *    Ids are never reused: an address copied out of a map whose held names died holds
 *    an id that formats as "<unknown symbol>" and equals no other name's.
 *
 * Lookups of permanent symbols take no lock: the hash table is reached through an atomic
 * pointer and each slot is a pair of atomic words (the name, then hash << 32 | id + 1,
 * written in that order, once). Inserts take a mutex, and a full table is replaced by a
 * larger copy; old tables stay allocated (readers may still be probing them) until reset
 * or exit, which together cost at most twice the final table. Dense names live in chunks
 * of doubling size reached through a fixed directory, so an id's name never moves. Held
 * symbols live in a mutex-guarded table of their own (only JSON parsing, the map nodes
 * holding them and gen_sym_name of their ids touch it). The tables use malloc directly:
 * they outlive every GenC object and any allocator installed by tests. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "choice_int.h"

#define NAME_CHUNK0 64 /* chunk k holds NAME_CHUNK0 << k names */
#define NAME_CHUNKS 25 /* enough for the dense ids below INTERN_HELD_BASE */

typedef struct intern_slot {
    _Atomic(const char *) name;
    _Atomic uint64_t hid; /* hash << 32 | (id + 1); 0: empty */
} intern_slot;

typedef struct intern_table {
    size_t mask; /* slots - 1 (a power of two minus one) */
    size_t used; /* filled slots (under the lock) */
    struct intern_table *older; /* the table this one replaced (freed at reset) */
    intern_slot slots[];
} intern_table;

/* A held symbol (under the lock). */
typedef struct held_sym {
    char *name;
    uint32_t hash;
    gen_sym id;
    int64_t refs;
    bool pinned; /* interned by gen_intern too: permanent */
} held_sym;

/* Open addressing over held_sym pointers (under the lock), for one key (name or id). */
typedef struct held_index {
    size_t cap, used, dead; /* slots, live entries, tombstones */
    held_sym **slot;
} held_index;
#define HELD_DEAD ((held_sym *)1)

static _Atomic(intern_table *) table;
static _Atomic(char **) name_chunks[NAME_CHUNKS];
static _Atomic uint32_t n_syms;
static pthread_mutex_t insert_lock = PTHREAD_MUTEX_INITIALIZER;
static bool atexit_done;
static held_index held_by_name, held_by_id;
static uint32_t next_held = INTERN_HELD_BASE;
static int64_t n_held; /* held symbols alive and not pinned */
_Atomic uint32_t intern_epoch_;

static uint32_t hash_name(const char *s, size_t len) {
    uint64_t h = 0xcbf29ce484222325u; /* FNV-1a */
    for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)s[i]) * 0x100000001b3u;
    h ^= h >> 29;
    return (uint32_t)(h ^ (h >> 32));
}

static uint32_t hash_id(gen_sym id) { return (uint32_t)(((uint64_t)id * 0x9E3779B97F4A7C15u) >> 32); }

static void chunk_of(uint32_t id, unsigned *k, size_t *off) {
    uint64_t x = (uint64_t)id + NAME_CHUNK0;
    unsigned hb = 63u - (unsigned)__builtin_clzll(x);
    *k = hb - 6; /* log2(NAME_CHUNK0) == 6 */
    *off = (size_t)(x - ((uint64_t)NAME_CHUNK0 << *k));
}

/* ---- held symbols (all under insert_lock) ---- */

static bool same_name(const char *s, const char *name, size_t len) {
    return strncmp(s, name, len) == 0 && s[len] == '\0';
}

/* The slot of the record matching (name, len) / id, or the empty slot where it goes. */
static held_sym **held_find_name(const char *name, size_t len, uint32_t h) {
    held_sym **tomb = NULL;
    for (size_t i = h & (held_by_name.cap - 1);; i = (i + 1) & (held_by_name.cap - 1)) {
        held_sym *r = held_by_name.slot[i];
        if (!r) return tomb ? tomb : &held_by_name.slot[i];
        if (r == HELD_DEAD) {
            if (!tomb) tomb = &held_by_name.slot[i];
        } else if (r->hash == h && same_name(r->name, name, len)) {
            return &held_by_name.slot[i];
        }
    }
}

static held_sym **held_find_id(gen_sym id) {
    held_sym **tomb = NULL;
    for (size_t i = hash_id(id) & (held_by_id.cap - 1);; i = (i + 1) & (held_by_id.cap - 1)) {
        held_sym *r = held_by_id.slot[i];
        if (!r) return tomb ? tomb : &held_by_id.slot[i];
        if (r == HELD_DEAD) {
            if (!tomb) tomb = &held_by_id.slot[i];
        } else if (r->id == id) {
            return &held_by_id.slot[i];
        }
    }
}

/* Resizes an index to hold `live` entries at most half full (and at least 64 slots),
 * dropping its tombstones; by_name chooses the key. False on OOM (index unchanged). */
static bool held_rehash(held_index *x, size_t live, bool by_name) {
    size_t cap = 64;
    while (cap < 4 * live) cap *= 2;
    held_sym **slots = calloc(cap, sizeof *slots);
    if (!slots) return false;
    held_index old = *x;
    *x = (held_index){cap, 0, 0, slots};
    for (size_t i = 0; i < old.cap; i++) {
        held_sym *r = old.slot[i];
        if (!r || r == HELD_DEAD) continue;
        held_sym **s = by_name ? held_find_name(r->name, strlen(r->name), r->hash) : held_find_id(r->id);
        *s = r;
        x->used++;
    }
    free(old.slot);
    return true;
}

/* Room for one more entry in x (grows or cleans it when 1/2 full with tombstones). */
static bool held_room(held_index *x, bool by_name) {
    if (x->cap && (x->used + x->dead + 1) * 2 <= x->cap) return true;
    return held_rehash(x, x->used + 1, by_name);
}

/* Removes r from x (leaving a tombstone; shrinks a sparse index). */
static void held_remove(held_index *x, held_sym **s, bool by_name) {
    *s = HELD_DEAD;
    x->used--;
    x->dead++;
    if (x->cap > 64 && x->used * 8 < x->cap) held_rehash(x, x->used, by_name); /* OOM: keeps the old */
}

/* The held record of name, or NULL. */
static held_sym *held_lookup(const char *name, size_t len, uint32_t h) {
    if (!held_by_name.cap) return NULL;
    held_sym *r = *held_find_name(name, len, h);
    return r && r != HELD_DEAD ? r : NULL;
}

/* A new held record of name with no reference yet, or NULL (error recorded). */
static held_sym *held_new(const char *name, size_t len, uint32_t h) {
    if (next_held == GEN_SYM_INVALID) {
        GEN_FAIL(GEN_ERR_OOM, "intern: no symbol ids left for JSON keys");
        return NULL;
    }
    held_sym *r = malloc(sizeof *r);
    char *copy = malloc(len + 1);
    if (!r || !copy || !held_room(&held_by_name, true) || !held_room(&held_by_id, false)) {
        free(r);
        free(copy);
        GEN_FAIL(GEN_ERR_OOM, "intern: out of memory holding a name of %zu bytes", len);
        return NULL;
    }
    memcpy(copy, name, len);
    copy[len] = '\0';
    *r = (held_sym){copy, h, next_held++, 0, false};
    held_sym **sn = held_find_name(name, len, h), **si = held_find_id(r->id);
    if (*sn == HELD_DEAD) held_by_name.dead--;
    if (*si == HELD_DEAD) held_by_id.dead--;
    *sn = r, *si = r;
    held_by_name.used++, held_by_id.used++;
    n_held++;
    return r;
}

static void held_free_all(void) {
    for (size_t i = 0; i < held_by_id.cap; i++) {
        held_sym *r = held_by_id.slot[i];
        if (r && r != HELD_DEAD) {
            free(r->name);
            free(r);
        }
    }
    free(held_by_name.slot);
    free(held_by_id.slot);
    held_by_name = held_by_id = (held_index){0};
    next_held = INTERN_HELD_BASE;
    n_held = 0;
}

/* ---- names of ids ---- */

const char *gen_sym_name(gen_sym s) {
    if (CORE_UNLIKELY(s >= INTERN_HELD_BASE)) {
        if (s == GEN_SYM_INVALID) return NULL;
        pthread_mutex_lock(&insert_lock);
        held_sym *r = held_by_id.cap ? *held_find_id(s) : NULL;
        const char *name = r && r != HELD_DEAD ? r->name : NULL;
        pthread_mutex_unlock(&insert_lock);
        return name;
    }
    if (s >= atomic_load_explicit(&n_syms, memory_order_acquire)) return NULL;
    unsigned k;
    size_t off;
    chunk_of(s, &k, &off);
    char **chunk = atomic_load_explicit(&name_chunks[k], memory_order_acquire);
    return chunk[off];
}

uint32_t gen_sym_count(void) { return atomic_load_explicit(&n_syms, memory_order_acquire); }

int64_t intern_held_count(void) {
    pthread_mutex_lock(&insert_lock);
    int64_t n = n_held;
    pthread_mutex_unlock(&insert_lock);
    return n;
}

/* ---- the permanent table ---- */

/* The id of name in t, or GEN_SYM_INVALID. */
static gen_sym probe(const intern_table *t, const char *name, size_t len, uint32_t h) {
    for (size_t i = h & t->mask;; i = (i + 1) & t->mask) {
        uint64_t w = atomic_load_explicit(&t->slots[i].hid, memory_order_acquire);
        if (w == 0) return GEN_SYM_INVALID;
        if ((uint32_t)(w >> 32) == h &&
            same_name(atomic_load_explicit(&t->slots[i].name, memory_order_relaxed), name, len))
            return (gen_sym)(w & 0xFFFFFFFFu) - 1;
    }
}

/* Under the lock: stores (name, hid) in the first empty slot of hash h's probe sequence
 * (the table is never full: ensure_room keeps it at most half full). */
static void slot_put(intern_table *t, uint32_t h, const char *name, uint64_t hid) {
    size_t i = h & t->mask;
    while (atomic_load_explicit(&t->slots[i].hid, memory_order_relaxed)) i = (i + 1) & t->mask;
    atomic_store_explicit(&t->slots[i].name, name, memory_order_relaxed);
    atomic_store_explicit(&t->slots[i].hid, hid, memory_order_release); /* publishes the name */
    t->used++;
}

static intern_table *table_new(size_t nslots) {
    intern_table *t = calloc(1, sizeof *t + nslots * sizeof(intern_slot));
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
    held_free_all();
    atomic_fetch_add_explicit(&intern_epoch_, 1, memory_order_release);
    pthread_mutex_unlock(&insert_lock);
}

static void at_exit(void) { gen_intern_reset(); }

/* Under the lock: grows the table when one more entry would pass 1/2 full. */
static intern_table *ensure_room(intern_table *t) {
    if (t && (t->used + 1) * 2 <= t->mask + 1) return t;
    size_t nslots = t ? 2 * (t->mask + 1) : 256;
    intern_table *g = table_new(nslots);
    if (!g) return NULL;
    for (size_t i = 0; t && i <= t->mask; i++) {
        uint64_t w = atomic_load_explicit(&t->slots[i].hid, memory_order_relaxed);
        if (w) slot_put(g, (uint32_t)(w >> 32), atomic_load_explicit(&t->slots[i].name, memory_order_relaxed), w);
    }
    g->older = t;
    atomic_store_explicit(&table, g, memory_order_release);
    return g;
}

/* Under the lock: stores the name of the next dense id (copying it); the copy or NULL. */
static const char *push_name(uint32_t id, const char *name, size_t len) {
    unsigned k;
    size_t off;
    chunk_of(id, &k, &off);
    if (k >= NAME_CHUNKS) return NULL;
    char **chunk = atomic_load_explicit(&name_chunks[k], memory_order_relaxed);
    if (!chunk) {
        chunk = calloc((size_t)NAME_CHUNK0 << k, sizeof *chunk);
        if (!chunk) return NULL;
        atomic_store_explicit(&name_chunks[k], chunk, memory_order_release);
    }
    char *copy = malloc(len + 1);
    if (!copy) return NULL;
    memcpy(copy, name, len);
    copy[len] = '\0';
    chunk[off] = copy;
    return copy;
}

static void lock_insert(void) {
    pthread_mutex_lock(&insert_lock);
    if (!atexit_done) atexit_done = atexit(at_exit) == 0;
}

static gen_sym insert(const char *name, size_t len, uint32_t h) {
    lock_insert();
    intern_table *t = atomic_load_explicit(&table, memory_order_relaxed);
    gen_sym id = t ? probe(t, name, len, h) : GEN_SYM_INVALID;
    if (id != GEN_SYM_INVALID) goto done; /* another thread added it meanwhile */
    if (!(t = ensure_room(t))) goto oom;
    held_sym *r = held_lookup(name, len, h);
    if (r) { /* a JSON key's name, now used by an address: pinned, the same id */
        if (!r->pinned) n_held--;
        r->pinned = true;
        slot_put(t, h, r->name, ((uint64_t)h << 32) | ((uint64_t)r->id + 1));
        id = r->id;
        goto done;
    }
    uint32_t n = atomic_load_explicit(&n_syms, memory_order_relaxed);
    const char *copy = n < INTERN_HELD_BASE ? push_name(n, name, len) : NULL;
    if (!copy) goto oom;
    atomic_store_explicit(&n_syms, n + 1, memory_order_release); /* publishes the name */
    slot_put(t, h, copy, ((uint64_t)h << 32) | (n + 1));
    id = n;
    goto done;
oom:
    GEN_FAIL(GEN_ERR_OOM, "gen_intern: out of memory interning a name of %zu bytes", len);
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

/* ---- entry points ---- */

/* name[0..len) is a name (not NULL, not empty, no NUL byte; a string's strlen needs no
 * search for one: counted false). */
static bool check_name(const char *fn, const char *name, size_t len, bool counted) {
    if (!name) return GEN_FAIL(GEN_ERR_MISUSE, "%s: the name is NULL", fn), false;
    if (!len) return GEN_FAIL(GEN_ERR_VALUE, "%s: the name is empty", fn), false;
    if (counted && memchr(name, '\0', len)) return GEN_FAIL(GEN_ERR_VALUE, "%s: the name contains a NUL byte", fn), false;
    return true;
}

gen_sym gen_intern_n(const char *name, size_t len) {
    return check_name("gen_intern_n", name, len, true) ? lookup(name, len) : GEN_SYM_INVALID;
}

gen_sym gen_intern(const char *name) {
    size_t len = name ? strlen(name) : 0;
    return check_name("gen_intern", name, len, false) ? lookup(name, len) : GEN_SYM_INVALID;
}

gen_sym intern_hold_n(const char *name, size_t len) {
    if (!check_name("gen_choicemap_from_json", name, len, true)) return GEN_SYM_INVALID;
    uint32_t h = hash_name(name, len);
    intern_table *t = atomic_load_explicit(&table, memory_order_acquire);
    gen_sym id = t ? probe(t, name, len, h) : GEN_SYM_INVALID;
    if (id != GEN_SYM_INVALID) return id; /* a permanent symbol: nothing to hold */
    lock_insert();
    t = atomic_load_explicit(&table, memory_order_relaxed);
    id = t ? probe(t, name, len, h) : GEN_SYM_INVALID;
    if (id == GEN_SYM_INVALID) {
        held_sym *r = held_lookup(name, len, h);
        if (!r) r = held_new(name, len, h);
        if (r) {
            r->refs++;
            id = r->id;
        }
    }
    pthread_mutex_unlock(&insert_lock);
    return id;
}

void intern_hold(gen_sym id) {
    pthread_mutex_lock(&insert_lock);
    held_sym **s = held_by_id.cap ? held_find_id(id) : NULL;
    if (s && *s && *s != HELD_DEAD) (*s)->refs++;
    pthread_mutex_unlock(&insert_lock);
}

void intern_drop(gen_sym id) {
    pthread_mutex_lock(&insert_lock);
    held_sym **s = held_by_id.cap ? held_find_id(id) : NULL;
    held_sym *r = s && *s != HELD_DEAD ? *s : NULL;
    if (r && --r->refs == 0 && !r->pinned) {
        held_remove(&held_by_name, held_find_name(r->name, strlen(r->name), r->hash), true);
        held_remove(&held_by_id, held_find_id(r->id), false);
        free(r->name);
        free(r);
        n_held--;
    }
    pthread_mutex_unlock(&insert_lock);
}
