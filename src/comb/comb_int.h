/* comb_int.h — what the combinators share (prefix comb_): batched-mode bookkeeping,
 * elements of arguments, stacking return values, sums of scores and weights, choice
 * maps of indexed subtraces, and the check that every constraint reached a call. */
#ifndef GENC_SRC_COMB_INT_H
#define GENC_SRC_COMB_INT_H

#include "../gfi/gfi_int.h"
#include "genc/comb.h"

/* A combinator's operation runs with batched mode suspended (it keeps the particle axis
 * itself, like the DSL's handlers) and resumes it around each kernel call. */
typedef struct comb_mode {
    int64_t n; /* particle count, 0 if not batched */
} comb_mode;

static inline comb_mode comb_enter(void) { return (comb_mode){gen_batch_suspend()}; }
static inline void comb_leave(comb_mode m) { gen_batch_resume(m.n); }
static inline int64_t comb_kernel_begin(comb_mode m) {
    int64_t saved = gen_batch_suspend();
    gen_batch_resume(m.n);
    return saved;
}
static inline void comb_kernel_end(int64_t saved) { gen_batch_resume(saved); }

/* The number of elements of a (axis 0, or axis 1 if a is batched in batched mode
 * m), or -1 with an error naming who and the argument index. */
int64_t comb_length(comb_mode m, const char *who, int arg, const gen_array *a);
/* Element i of a along that axis (marked batched if a is). NULL on error. */
gen_array *comb_element(comb_mode m, const gen_array *a, int64_t i);
/* The n arrays stacked along the element axis: axis 0, or axis 1 when one is batched
 * (the others are broadcast over the particles first; the result is marked). Items
 * must have one shape. n >= 1. NULL on error. */
gen_array *comb_stack(comb_mode m, int64_t n, gen_array *const *items);

/* *acc += term (a NULL *acc is 0). GEN_OK or the error. */
gen_status comb_add(gen_array **acc, const gen_array *term);
/* *acc -= term. */
gen_status comb_sub(gen_array **acc, const gen_array *term);
/* 0, or zeros [n] in batched mode. */
gen_array *comb_zero(comb_mode m);

/* The choice map with subs[i]'s choices at integer address i (empty ones left out).
 * New reference; NULL on error. */
gen_choicemap *comb_indexed_choices(int64_t n, gen_trace *const *subs);
/* Every top-level key of m is an integer in [0, n): else GEN_ERR_VALUE "who: op:
 * constraint at <addr> is not an element (n elements)". */
gen_status comb_check_indexed(const char *who, const char *op, const gen_choicemap *m,
                              int64_t n);

/* a and b hold the same values: the same array, or equal dtype, shape, batch mark and
 * contents, tuples item by item (never while an autodiff transform records: the values
 * may be its inputs). */
bool comb_same_array(const gen_array *a, const gen_array *b);
/* The address of m's first value (deep order) written into buf ("" if m is empty). */
void comb_first_addr(const gen_choicemap *m, char *buf, size_t n);

/* Branching (switch.c; used by Switch and Mask): a gf whose argument 0 picks one of k
 * branches (an i64 index, or a bool flag picking branches[1] when true, branches[0]
 * when false) and passes it the other arguments; a NULL branch makes no choices and
 * returns none. Retains the branches. */
gen_gf *comb_branch_new(const char *name, int k, const gen_gf *const *branches, bool flag);

/* The pending error, or GEN_ERR_OOM. */
gen_status comb_pending(void);
/* Prefixes the pending error with "who: i" (the element's address) and returns it. */
gen_status comb_fail_at(const char *who, int64_t i);

#endif
