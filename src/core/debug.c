/* debug.c — the debug mode (GENC_DEBUG=1 or gen_set_debug): released objects are not
 * freed but kept, marked dead, in a quarantine with a description of what they were,
 * so that a use after release or a double release is reported as GEN_ERR_MISUSE naming
 * the object; and the reports themselves, in and outside the mode. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

#ifdef GENC_DEBUG_DEFAULT
#define DEBUG_DEFAULT 1
#else
#define DEBUG_DEFAULT 0
#endif

atomic_int core_debug_ = -1;

int core_debug_init(void) {
    const char *e = getenv("GENC_DEBUG");
    int on = e && *e ? strcmp(e, "0") != 0 : DEBUG_DEFAULT;
    int unread = -1;
    atomic_compare_exchange_strong(&core_debug_, &unread, on);
    return atomic_load(&core_debug_);
}

bool gen_debug(void) { return core_debug(); }

/* ---- the quarantine: a FIFO of released blocks, freed oldest first past a budget ---- */

/* The bytes of released objects kept (object headers only: array storage is freed at
 * once, since nothing reads it to detect a mistake): GENC_DEBUG_QUARANTINE MiB, 16 by
 * default (about 60000 objects). More keeps a released object detectable longer; it costs
 * speed, as the blocks freed at last are colder. */
static size_t budget(void) {
    static size_t bytes;
    if (!bytes) {
        const char *e = getenv("GENC_DEBUG_QUARANTINE");
        long mib = e ? strtol(e, NULL, 10) : 0;
        bytes = (mib > 0 && mib < 1 << 20 ? (size_t)mib : 16) << 20;
    }
    return bytes;
}

typedef struct q_entry {
    void *obj;
    size_t nbytes;
    bool small;
    core_describe_fn describe; /* NULL: desc holds the description */
    uint64_t aux;
    char desc[CORE_DESC_MAX];
} q_entry;

static struct {
    pthread_mutex_t lock;
    q_entry *items; /* a ring of cap entries: head is the oldest, len in use */
    size_t cap, head, len, bytes;
    bool at_exit;
} quarantine = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void entry_free(q_entry *e) {
    if (e->small) core_free_small(e->obj, e->nbytes); /* the cache is bypassed in the mode */
    else core_free(e->obj, e->nbytes);
    quarantine.bytes -= e->nbytes + sizeof *e;
}

static void drop_oldest(void) {
    entry_free(&quarantine.items[quarantine.head]);
    quarantine.head = (quarantine.head + 1) % quarantine.cap;
    quarantine.len--;
}

static void flush_locked(void) {
    while (quarantine.len) drop_oldest();
    free(quarantine.items); /* the ring itself comes from malloc: not an object of the allocator hook */
    quarantine.items = NULL;
    quarantine.cap = quarantine.head = 0;
}

void core_quarantine_flush(void) {
    pthread_mutex_lock(&quarantine.lock);
    flush_locked();
    pthread_mutex_unlock(&quarantine.lock);
}

static void flush_at_exit(void) { core_quarantine_flush(); }

/* Makes room for one more entry; false if the ring cannot grow (then the block is freed
 * at once: the mode degrades, it does not fail). */
static bool grow_locked(void) {
    if (quarantine.len < quarantine.cap) return true;
    size_t ncap = quarantine.cap ? 2 * quarantine.cap : 1024;
    q_entry *n = malloc(ncap * sizeof *n);
    if (!n) return false;
    for (size_t i = 0; i < quarantine.len; i++)
        n[i] = quarantine.items[(quarantine.head + i) % quarantine.cap];
    free(quarantine.items);
    quarantine.items = n;
    quarantine.cap = ncap;
    quarantine.head = 0;
    return true;
}

void core_quarantine(void *obj, size_t nbytes, bool small, const char *desc, core_describe_fn describe,
                     uint64_t aux) {
    atomic_store_explicit((atomic_int *)obj, CORE_DEAD, memory_order_relaxed);
    pthread_mutex_lock(&quarantine.lock);
    if (!quarantine.at_exit) {
        quarantine.at_exit = true;
        atexit(flush_at_exit); /* so that leak checkers see nothing left */
    }
    while (quarantine.len && quarantine.bytes + nbytes + sizeof(q_entry) > budget()) drop_oldest();
    if (!grow_locked()) {
        pthread_mutex_unlock(&quarantine.lock);
        if (small) core_free_small(obj, nbytes);
        else core_free(obj, nbytes);
        return;
    }
    q_entry *e = &quarantine.items[(quarantine.head + quarantine.len) % quarantine.cap];
    e->obj = obj;
    e->nbytes = nbytes;
    e->small = small;
    e->describe = describe;
    e->aux = aux;
    if (!describe) snprintf(e->desc, sizeof e->desc, "%s", desc && *desc ? desc : "an object");
    quarantine.len++;
    quarantine.bytes += nbytes + sizeof *e;
    pthread_mutex_unlock(&quarantine.lock);
}

/* The kept description of obj into buf, or false when obj is not in the quarantine. The
 * newest entry of a block wins (a block freed and reused holds only its latest object). */
static bool describe(const void *obj, char *buf, size_t n) {
    bool found = false;
    pthread_mutex_lock(&quarantine.lock);
    for (size_t i = quarantine.len; i-- > 0 && !found;) {
        const q_entry *e = &quarantine.items[(quarantine.head + i) % quarantine.cap];
        if (e->obj == obj) {
            if (e->describe) e->describe(obj, e->aux, buf, n);
            else snprintf(buf, n, "%s", e->desc);
            found = true;
        }
    }
    pthread_mutex_unlock(&quarantine.lock);
    return found;
}

gen_status gen_set_debug(bool on) {
    if (gen_scope_depth() != 0)
        return GEN_FAIL(GEN_ERR_MISUSE, "gen_set_debug: a scope is open (change the mode before any GenC work, "
                                        "with no scope open and no object alive)");
    if (on == core_debug()) return GEN_OK;
    if (on) core_cache_flush(); /* this thread's cached blocks go back: from now on none is kept */
    else core_quarantine_flush();
    atomic_store(&core_debug_, on ? 1 : 0);
    return GEN_OK;
}

/* ---- the reports ---- */

/* The description of obj: the kept one, or kind with the hint. */
static const char *name_of(const void *obj, const char *kind, char *buf, size_t n) {
    if (core_debug() && describe(obj, buf, n)) return buf;
    snprintf(buf, n, "%s", kind);
    return NULL;
}

/* The object of the last use-after-release report, and the error count after it. */
static _Thread_local struct {
    const void *obj;
    unsigned seq;
} last_dead;

gen_status core_dead_fail(const char *fn, const char *what, const void *obj, const char *kind) {
    char d[CORE_DESC_MAX];
    bool named = name_of(obj, kind, d, sizeof d) != NULL;
    GEN_FAIL(GEN_ERR_MISUSE, "%s: %s is %s that was already released (use after release%s)", fn, what, d,
             named ? "" : "; set GENC_DEBUG=1 to name it");
    last_dead.obj = obj;
    last_dead.seq = core_error_seq();
    return GEN_ERR_MISUSE;
}

/* The description of the last object found released twice, for gen_scope_end's report;
 * quiet when that object's use after release was the last error reported. */
static _Thread_local struct {
    char desc[CORE_DESC_MAX];
    bool named, quiet;
} last_double;

void core_double_release(const char *fn, const void *obj, const char *kind) {
    last_double.named = name_of(obj, kind, last_double.desc, sizeof last_double.desc) != NULL;
    last_double.quiet = obj == last_dead.obj && core_error_seq() == last_dead.seq;
    core_release_errors_++;
    if (!last_double.quiet)
        GEN_FAIL(GEN_ERR_MISUSE, "%s: double release of %s%s", fn, last_double.desc,
                 last_double.named ? "" : " (set GENC_DEBUG=1 to name it)");
}

gen_status core_double_release_in_scope(void) {
    if (last_double.quiet) return GEN_ERR_MISUSE;
    return GEN_FAIL(GEN_ERR_MISUSE, "gen_scope_end: double release of %s (it was released before its scope ended: "
                                    "one release too many%s)", last_double.desc,
                    last_double.named ? "" : "; set GENC_DEBUG=1 to name it");
}

gen_status core_double_release_in(const char *who, const char *part) {
    return GEN_FAIL(GEN_ERR_MISUSE, "%s: %s released an object once too often: double release of %s%s", who, part,
                    last_double.desc, last_double.named ? "" : " (set GENC_DEBUG=1 to name it)");
}
