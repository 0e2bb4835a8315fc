/* genc/core.h — status codes, error messages, the allocator hook and scopes.
 *
 * Errors: every public function either returns a gen_status or, for functions that
 * return an object (arrays), returns NULL on failure. In both cases the failure is
 * recorded in a thread-local error slot: gen_error_status() and gen_error_message()
 * read it. Array operations given a NULL argument return NULL and leave the recorded
 * error untouched, so a chain of operations reports the first thing that went wrong
 * (like cairo's sticky error objects). The library never aborts the process.
 *
 * NULL arguments. A NULL for a pointer argument that must not be NULL records
 * GEN_ERR_MISUSE naming the function ("gen_simulate: the generative function is NULL",
 * "add: argument 1 is NULL"; an array or object argument that is NULL keeps the error
 * already pending, which is what made it NULL) and the function returns that status,
 * NULL, or a neutral value (false, 0) for functions returning a plain value
 * (gen_addr_equal, gen_choicemap_has_value given a NULL address). Queries of one object
 * (gen_array_ndim, gen_trace_score, gen_dist_name, ...) given a NULL object return the
 * neutral value their header gives (0, NULL, "(null)") and record nothing, and releases
 * ignore NULL, so neither hides the error of the call that produced the NULL. Arguments
 * documented as optional ("weight may be NULL") are not wanted outputs or defaults.
 * tests/api/test_null_args.c calls every public function this way. */
#ifndef GENC_CORE_H
#define GENC_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum gen_status {
    GEN_OK = 0,
    GEN_ERR_SHAPE,       /* incompatible or invalid shapes */
    GEN_ERR_DTYPE,       /* an operation does not accept this element type */
    GEN_ERR_VALUE,       /* an invalid argument value (negative size, bad axis, ...) */
    GEN_ERR_INDEX,       /* an index out of range */
    GEN_ERR_OOM,         /* an allocation failed */
    GEN_ERR_NOGRAD,      /* differentiating an operation that has no gradient rule */
    GEN_ERR_LINALG,      /* a matrix is singular or not positive definite */
    GEN_ERR_MISUSE,      /* the API was used wrongly (NULL argument, unbalanced scope) */
    GEN_ERR_UNSUPPORTED, /* valid request that this build or backend cannot do */
    GEN_ERR_CALLBACK,    /* a user callback reported failure */
    GEN_ERR_INTERNAL,    /* a bug in GenC: please report it */
    GEN_CANCELLED        /* a progress callback stopped a long run (genc/infer.h: gen_progress);
                            the results so far are returned */
} gen_status;

/* The status of the last recorded error on this thread (GEN_OK if none). */
gen_status gen_error_status(void);
/* The message of the last recorded error on this thread ("" if none). Borrowed; valid
 * until the next error on this thread. */
const char *gen_error_message(void);
/* Where in GenC's sources the last error was raised, "file:line" (for bug reports). */
const char *gen_error_location(void);
/* Forget the recorded error. */
void gen_error_clear(void);
/* A constant name for a status, e.g. "GEN_ERR_SHAPE". */
const char *gen_status_name(gen_status s);
/* Record an error from user code (e.g. a callback). Returns s (GEN_ERR_MISUSE, recorded,
 * for a NULL fmt). */
gen_status gen_error_set(gen_status s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* The allocator: one function with Lua's contract. With nsize == 0 it frees ptr and
 * returns NULL; otherwise it returns a block of nsize bytes (reallocating ptr, whose
 * size is osize, when ptr is not NULL) or NULL on failure. Tests install one that
 * fails on demand. Passing fn == NULL restores the default (malloc/realloc/free).
 * Change it only while no GenC object is alive. */
typedef void *(*gen_alloc_fn)(void *ud, void *ptr, size_t osize, size_t nsize);
void gen_set_allocator(gen_alloc_fn fn, void *ud);

/* Scopes (DESIGN decision 4). Every array created while a scope is open on this thread
 * belongs to that scope and is released by gen_scope_end(), unless it was kept with
 * gen_scope_return() or retained by the caller (gen_array_retain). Arrays created with
 * no scope open belong to the caller, who releases them with gen_array_release().
 * Scopes nest; gen_scope_end() closes the innermost. */
gen_status gen_scope_begin(void);
gen_status gen_scope_end(void);
/* Depth of the scope stack on this thread (0: no scope open). */
int gen_scope_depth(void);
/* Model bodies and callbacks (custom VJPs, distributions, kernels, ...) run inside scopes
 * GenC opened and must leave the stack as they found it: a gen_scope_end there that
 * would close a scope they did not open is refused (GEN_ERR_MISUSE, nothing released),
 * and the operation running them then fails with GEN_ERR_MISUSE "model 'm': the body
 * ended 1 scope it did not open (...)"; scopes they leave open are closed for them and
 * the operation fails with "model 'm': the body left 1 scope open (...)". An object
 * released once too often while they ran (found by the operation's own scope end, say)
 * fails the operation too: "m (dynamic): generate released an object once too often:
 * double release of an array f64[2]".
 *
 * Lifetime mistakes. Releasing an object once too often, or using it after its last
 * reference is gone (released, or its scope ended), is a mistake GenC reports when it
 * can see it: a release finding the object already released records GEN_ERR_MISUSE
 * "gen_array_release: double release of ..." and frees nothing (the *_release functions
 * return nothing: read gen_error_status), and gen_scope_end returns GEN_ERR_MISUSE when
 * one of its objects had been released already (its other objects are released as
 * usual); an entry point given a released object returns GEN_ERR_MISUSE "add:
 * argument 1 is an array f64[2,3] that was already released (use after release)" (or
 * NULL, or the answer for NULL, with that error). Without the debug mode this is seen only while the object's
 * memory is not yet reused, and the object is not named. */

/* The debug mode: GenC keeps every released object (its header: arrays' elements are
 * freed) marked as released, with its description ("an array f64[2,3]", "a trace of
 * 'model'"), in a quarantine freed oldest first past GENC_DEBUG_QUARANTINE MiB (16 by
 * default, some 60000 objects) and at exit, and keeps no freed block for reuse, so that
 * a use after release or double release of an array, trace, choice map, selection,
 * generative function, distribution, bijection or edit request is reported naming the
 * object (while the quarantine holds it), and memory checkers (ASan, valgrind) see every
 * use of other freed memory (array elements, tables), which GenC no longer recycles. It costs memory and speed (model code runs some 3 times slower):
 * for finding mistakes, not for production runs. It is on when the environment
 * variable GENC_DEBUG is set to anything but "0" when GenC first needs to know (the
 * CMake option GENC_DEBUG makes it on by default, GENC_DEBUG=0 turning it off), or
 * after gen_set_debug(true). Whether it is on. */
bool gen_debug(void);
/* Turns the debug mode on or off for the process. Only before any GenC work or between
 * runs, with no scope open and no GenC object alive (objects released in the mode are
 * freed when it is turned off): GEN_ERR_MISUSE when a scope is open on this thread. */
gen_status gen_set_debug(bool on);

#ifdef __cplusplus
}
#endif
#endif
