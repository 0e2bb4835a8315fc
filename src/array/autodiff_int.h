/* autodiff_int.h — the tapes behind the autodiff transforms (prefix ad_).
 *
 * While a transform runs, a tape sits on this thread's transform stack. Arrays that
 * depend on the transform's inputs carry a link to the tape: for reverse mode, the
 * tape node that produced them; for forward mode, their tangent. op_apply calls
 * ad_record after each op when any transform is active (ad_active). */
#ifndef GENC_SRC_AUTODIFF_INT_H
#define GENC_SRC_AUTODIFF_INT_H

#include "op.h"
#include "genc/autodiff.h"

typedef struct ad_tape ad_tape;

typedef struct ad_link {
    ad_tape *tape;
    int32_t node;          /* reverse mode: the producing node */
    int32_t out_index;     /* reverse mode: which output of that node */
    gen_array *tangent;    /* forward mode: the tangent (owned) */
    struct ad_link *next;
} ad_link;

/* Number of transforms running on this thread (0: the fast path, nothing recorded). */
extern _Thread_local int ad_depth;
static inline bool ad_active(void) { return ad_depth > 0; }

/* Whether any tape on this thread records (a backward pass runs with its own tape
 * disabled: gradient rules may then compute in plain C what needs no derivative). */
bool ad_recording(void);
/* Records one op application (its outputs c->outs[0..c->n_out) made) on every enabled
 * tape whose inputs it depends on. Called by dispatch (op_apply) only. */
gen_status ad_record(const op_call *c);
/* Frees the links an array still carries when it dies. */
void ad_links_free(gen_array *a);

/* Tape lifecycle used by transforms.c. */
ad_tape *ad_tape_push(bool forward);
void ad_tape_pop(ad_tape *t); /* removes links, releases references, frees */
/* Reverse mode: a leaf view of primal (a new array linked to t). */
gen_array *ad_leaf(ad_tape *t, const gen_array *primal);
/* Forward mode: a view of primal carrying tangent (retained). */
gen_array *ad_tangent_leaf(ad_tape *t, const gen_array *primal, gen_array *tangent);
/* Forward mode: the tangent of a on t, or NULL (zero). Borrowed. */
gen_array *ad_tangent_of(ad_tape *t, const gen_array *a);
/* Reverse mode: propagates cotangents of outs back to the leaves. leaf_cot[i] receives
 * the cotangent of the i-th leaf created by ad_leaf (published, or a zero array). */
gen_status ad_backward(ad_tape *t, int n_out, gen_array *const *outs, gen_array *const *cots,
                       int n_leaves, gen_array *const *leaves, gen_array **leaf_cot);
/* True when exactly one transform runs, in reverse mode, and records: a fused row (see
 * ops_fused.def) may then stand for a whole formula, since its VJP rule will run with
 * nothing recording and may compute in plain C. */
bool ad_single_reverse(void);
/* Disables every tape on this thread (for running code that must not be recorded);
 * returns a token for ad_resume. */
unsigned ad_pause_all(void);
void ad_resume_all(unsigned token);

/* Sums g down to (ndim, shape) over broadcast axes and casts to dtype: used for
 * cotangents of broadcast arguments. Published result. */
gen_array *ad_sum_to(gen_array *g, gen_dtype dtype, int ndim, const int64_t *shape);

#endif
