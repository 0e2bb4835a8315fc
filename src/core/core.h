/* core.h — internal interface of the core layer: error recording (error.c); allocation,
 * the per-thread block caches and a growable pointer vector (alloc.c); ownership by
 * scopes (scope.c). Internal names carry the layer's prefix (core_*). */
#ifndef GENC_SRC_CORE_H
#define GENC_SRC_CORE_H

#include <stdarg.h>
#include <stddef.h>

#include "genc/core.h"

#if defined(__GNUC__)
#define CORE_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define CORE_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define CORE_NOINLINE __attribute__((noinline))
#else
#define CORE_NOINLINE
#define CORE_PRINTF(a, b)
#define CORE_UNLIKELY(x) (x)
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
} core_error_saved;
void core_error_save(core_error_saved *e);
void core_error_restore(const core_error_saved *e);

/* Allocation through the installed allocator. core_alloc records GEN_ERR_OOM on
 * failure (and returns NULL). Sizes are checked for overflow. */
void *core_alloc(size_t nbytes);
void *core_calloc(size_t n, size_t size);
void *core_realloc(void *ptr, size_t old_nbytes, size_t new_nbytes);
void core_free(void *ptr, size_t nbytes);

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

/* Scopes (see genc/core.h). A scope owns objects together with the function that
 * releases them. core_scope_own adds obj to the innermost open scope and returns
 * GEN_OK, returns GEN_ERR_MISUSE (recording nothing) when no scope is open — the
 * caller then keeps ownership — or GEN_ERR_OOM. core_scope_own_parent adds to the
 * scope enclosing the innermost one (same return convention). */
typedef void (*core_release_fn)(void *obj);
gen_status core_scope_own(void *obj, core_release_fn release);
gen_status core_scope_own_parent(void *obj, core_release_fn release);

#endif
