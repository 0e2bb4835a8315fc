/* core.h — internal interface of the core layer: error recording (error.c); allocation,
 * the per-thread block caches and a growable pointer vector (alloc.c); ownership by
 * scopes (scope.c). Internal names carry the layer's prefix (core_*). */
#ifndef GENC_SRC_CORE_H
#define GENC_SRC_CORE_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>

#include "genc/core.h"

#if defined(__GNUC__)
#define CORE_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define CORE_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define CORE_LIKELY(x) __builtin_expect(!!(x), 1)
#define CORE_NOINLINE __attribute__((noinline))
#define CORE_ALWAYS_INLINE inline __attribute__((always_inline))
#define CORE_HIDDEN __attribute__((visibility("hidden")))
#else
#define CORE_NOINLINE
#define CORE_ALWAYS_INLINE inline
#define CORE_HIDDEN
#define CORE_PRINTF(a, b)
#define CORE_UNLIKELY(x) (x)
#define CORE_LIKELY(x) (x)
#endif

/* Records an error (overwriting any earlier one) and returns s. */
gen_status core_error_at(const char *file, int line, gen_status s, const char *fmt, ...)
    CORE_PRINTF(4, 5);
#define GEN_FAIL(s, ...) core_error_at(__FILE__, __LINE__, (s), __VA_ARGS__)
/* Puts "prefix: " in front of the recorded message (adds context, e.g. an address). */
void core_error_prefix(const char *fmt, ...) CORE_PRINTF(1, 2);
/* The status recorded in this thread's error slot (GEN_OK if none): the cause to return
 * after a callee that reports failure by a NULL result. */
gen_status core_error_pending(void);
/* What a recorded GEN_ERR_VALUE says about the point a model was evaluated at, so that
 * inference can tell a point the model rejects from a mistake (src/infer/reject.c): a
 * distribution refused a parameter value (sigma <= 0, a covariance that is not positive
 * definite, ...), a log density came out NaN or +inf, or a gradient did. Every new error
 * starts unmarked (core_error_at, gen_error_set, gen_error_clear); core_error_prefix keeps
 * the mark. Nothing public reads it: the status stays GEN_ERR_VALUE. */
typedef enum core_reject {
    CORE_REJECT_NONE = 0,
    CORE_REJECT_PARAMETER,
    CORE_REJECT_DENSITY,
    CORE_REJECT_GRADIENT
} core_reject;
/* Marks the recorded error (a no-op unless one is pending); returns its status. */
gen_status core_error_mark(core_reject why);
core_reject core_error_marked(void);
/* A copy of the error slot (status, message, location, mark), to put back once later
 * errors have overwritten it: a failed model run reports its first error. */
#define CORE_ERROR_MSG_MAX 1024
typedef struct core_error_saved {
    gen_status status;
    char msg[CORE_ERROR_MSG_MAX];
    char loc[128];
    core_reject mark; /* core_error_mark */
    unsigned seq;     /* core_error_seq: restored too, so the restored error is again the last */
} core_error_saved;
void core_error_save(core_error_saved *e);
void core_error_restore(const core_error_saved *e);
/* A count of the changes of this thread's error slot (errors recorded, gen_error_clear):
 * equal before and after a call when the call recorded none. */
unsigned core_error_seq(void);

/* Allocation through the installed allocator. core_alloc records GEN_ERR_OOM on
 * failure (and returns NULL). Sizes are checked for overflow. */
void *core_alloc(size_t nbytes);
void *core_calloc(size_t n, size_t size);
void *core_realloc(void *ptr, size_t old_nbytes, size_t new_nbytes);
void core_free(void *ptr, size_t nbytes);

/* The whole text file at path, NUL-terminated, into *text (core_alloc'd: release with
 * core_free(*text, *cap)); GEN_ERR_VALUE "fn: cannot open path: reason" and the like,
 * GEN_ERR_OOM (file.c). */
gen_status core_read_text(const char *fn, const char *path, char **text, size_t *cap);

/* The number of open scopes on this thread (gen_scope_depth), for hot paths. */
extern _Thread_local int core_scope_depth_;
/* A per-thread cache of small blocks (up to 4 KiB, in 16-byte size classes), filled
 * only inside nested scopes and emptied when the outermost scope ends (and when the
 * allocator changes), so it never outlives a computation: it spares model code's many
 * small arrays and tables a malloc/free pair each. A block from core_alloc_small must
 * go back through core_free_small with the same size (it is allocated rounded up). */
void *core_alloc_small(size_t nbytes);
void core_free_small(void *ptr, size_t nbytes);
/* The same for large blocks (array storage): a few per thread, matched by exact size. */
void *core_alloc_large(size_t nbytes);
void core_free_large(void *ptr, size_t nbytes);
/* Empties both caches. */
void core_cache_flush(void);

/* A growable array of pointers. */
typedef struct core_ptrvec {
    void **items;
    size_t len, cap;
} core_ptrvec;
gen_status core_ptrvec_push(core_ptrvec *v, void *item);
void core_ptrvec_free(core_ptrvec *v);

/* ---- refcounted objects and the debug mode (debug.c) ----
 * Every refcounted public object (array, choice map, selection, distribution, bijection,
 * generative function, trace, edit request) begins with its atomic_int count. A count
 * below zero marks a released object: the debug mode keeps released objects' blocks in a
 * quarantine with their counts set to CORE_DEAD, and the small-block cache marks the
 * blocks it holds the same way, so that an entry point seeing a released object (one
 * load and compare: core_dead) and a release finding a count at or below zero
 * (a double release) report GEN_ERR_MISUSE instead of reading or freeing what is no
 * longer theirs. The debug mode (GENC_DEBUG=1, gen_set_debug) also bypasses the block
 * caches so that memory tools see every use of freed memory. */
#define CORE_DEAD (-0x3fff0000)
extern CORE_HIDDEN atomic_int core_debug_; /* 1 on, 0 off, -1 not yet read from the environment (hidden: one load) */
int core_debug_init(void);
/* Whether the debug mode is on (one load; the environment is read on the first call). */
static inline bool core_debug(void) {
    int v = atomic_load_explicit(&core_debug_, memory_order_relaxed);
    return CORE_UNLIKELY(v != 0) && (v > 0 || core_debug_init());
}
/* Whether obj (not NULL; its first member is its count) was released. */
static inline bool core_dead(const void *obj) {
    return CORE_UNLIKELY(atomic_load_explicit((atomic_int *)(void *)obj, memory_order_relaxed) < 0);
}
/* Records GEN_ERR_MISUSE "<fn>: <what> is <description> that was already released (use
 * after release)" and returns it. The description ("an array f64[2,3]") is the one the
 * debug mode kept; outside it, kind ("an array") and a hint to turn the mode on. */
gen_status core_dead_fail(const char *fn, const char *what, const void *obj, const char *kind);
/* A release found the count of obj at old <= 0: records GEN_ERR_MISUSE "<fn>: double
 * release of <description>" and counts it, so that a scope's end that made the release
 * returns GEN_ERR_MISUSE (core_double_release_in_scope: "gen_scope_end: double release of
 * <description> (...)"). The caller frees nothing. When the last error recorded was the
 * use of the same object after its release (core_dead_fail), that report stands: the
 * double release is counted but records nothing. */
void core_double_release(const char *fn, const void *obj, const char *kind);
gen_status core_double_release_in_scope(void);
/* GEN_ERR_MISUSE "<who>: <part> released an object once too often: double release of
 * <description of the last one found>" (core_guard_fail). */
gen_status core_double_release_in(const char *who, const char *part);
/* core_obj_free frees the block of nbytes of a refcounted object whose count reached
 * zero (after its contents were released): in the debug mode core_quarantine keeps it,
 * marked dead, with its description (desc, at most CORE_DESC_MAX bytes, made before the
 * contents were released); else it goes back to core_free_small (small) or core_free.
 * core_quarantine takes instead of desc a function describe, called only when a report
 * needs the description: describe(obj, aux, buf, n) makes it from what the quarantined
 * block still holds (everything but its count) and aux (what the caller overwrote, e.g.
 * an array's dtype). */
#define CORE_DESC_MAX 96
typedef void (*core_describe_fn)(const void *obj, uint64_t aux, char *buf, size_t n);
void core_quarantine(void *obj, size_t nbytes, bool small, const char *desc, core_describe_fn describe, uint64_t aux);
static inline void core_obj_free(void *obj, size_t nbytes, bool small, const char *desc) {
    if (core_debug()) core_quarantine(obj, nbytes, small, desc, NULL, 0);
    else if (small) core_free_small(obj, nbytes); /* marks the block dead if it keeps it */
    else core_free(obj, nbytes);
}
/* Frees every quarantined block (at exit, when the allocator or the mode changes). */
void core_quarantine_flush(void);

/* Scopes (see genc/core.h). A scope owns objects together with the function that
 * releases them. core_scope_own adds obj to the innermost open scope and returns
 * GEN_OK, returns GEN_ERR_MISUSE (recording nothing) when no scope is open — the
 * caller then keeps ownership — or GEN_ERR_OOM. core_scope_own_parent adds to the
 * scope enclosing the innermost one (same return convention). */
typedef void (*core_release_fn)(void *obj);
gen_status core_scope_own(void *obj, core_release_fn release);
gen_status core_scope_own_parent(void *obj, core_release_fn release);

/* ---- user code inside GenC's scopes (scope.c) ----
 * A model body or a user callback runs inside scopes GenC opened (DESIGN decision 4);
 * it must leave the stack as it found it. core_guard_begin sets the floor of the stack
 * at the current depth, so that a gen_scope_end that would close a scope the user code
 * did not open is refused (GEN_ERR_MISUSE, nothing released) and counted;
 * CORE_GUARD_END(g, s, part, who_fmt, ...) restores the floor and returns GEN_OK when
 * the depth is the one at the start, nothing was refused and no double release was found
 * (core_double_release), else closes the scopes left open (releasing what they own) and
 * records GEN_ERR_MISUSE "<who>: <part> left 1 scope open (...)", "<who>: <part> ended 1
 * scope it did not open (...)" or "<who>: <part> released an object once too often:
 * double release of ..." (this last one only when s, the user code's own status, is
 * GEN_OK: a failure it reported itself, often the use of the same object, stands). A few
 * thread-local loads and stores a call. Outputs of the user code are then not to be used:
 * a scope closed for it may have owned them. */
typedef struct core_guard {
    int depth, floor, refused, errors;
} core_guard;
extern _Thread_local int core_scope_floor_, core_scope_refused_, core_release_errors_;
static inline core_guard core_guard_begin(void) {
    core_guard g = {core_scope_depth_, core_scope_floor_, core_scope_refused_, core_release_errors_};
    core_scope_floor_ = core_scope_depth_;
    return g;
}
gen_status core_guard_fail(const core_guard *g, gen_status s, const char *part, const char *who_fmt, ...)
    CORE_PRINTF(4, 5);
#define CORE_GUARD_END(g, s, part, ...)                                                      \
    (core_scope_floor_ = (g).floor,                                                          \
     CORE_UNLIKELY(core_scope_depth_ != (g).depth || core_scope_refused_ != (g).refused ||   \
                   core_release_errors_ != (g).errors)                                       \
         ? core_guard_fail(&(g), (s), (part), __VA_ARGS__)                                   \
         : GEN_OK)

#endif
