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

/* ---- capture: a tape that records a run as a graph (the compile layer) ----
 * A capture tape sits under any transforms and records every op application that
 * depends on its leaves (any dtype, gradient or not, also while other tapes pause), so
 * that a gradient computed inside it is recorded too, backward pass included. Code that
 * reads on the host a value the capture tracks (control flow on it) calls
 * ad_capture_refuse; parameter checks on tracked values become check nodes. */
extern _Thread_local int ad_capture_depth;
/* Whether a transform that differentiates runs: a capture alone records ops but takes no
 * gradient, so choices between a fused row and its formula (the distributions' log
 * densities) may take the row under it, as they do outside every transform. */
static inline bool ad_differentiating(void) { return ad_depth > ad_capture_depth; }

/* A parameter check as a graph node. AD_CHECK_EACH: every element x of in[0] must
 * satisfy pred, else the run fails with "<family>: <name> must be <what>, got x at index
 * i"; AD_CHECK_LESS(_EQUAL): in[0] < (<=) in[1] elementwise after broadcasting, else
 * "<family>: <name> must be < (<=) <what>, got a and b" (what holds the second name);
 * AD_CHECK_DENSITY: a log density neither NaN nor +inf ("<family>: <name> is NaN"),
 * marked CORE_REJECT_DENSITY. */
enum { AD_CHECK_EACH, AD_CHECK_LESS, AD_CHECK_LESS_EQUAL, AD_CHECK_DENSITY };
typedef struct ad_check {
    bool (*pred)(double);
    int kind;
    char family[48], name[48], what[48];
    char site[64]; /* the address the check belongs to (ad_capture_site), or "" */
} ad_check;

typedef enum ad_view_kind { AD_VIEW_OP, AD_VIEW_LEAF, AD_VIEW_CHECK } ad_view_kind;
/* One recorded node (borrowed: valid until the tape is popped). Checks: in[0] is the
 * checked array and p->payload the ad_check. */
typedef struct ad_node_view {
    ad_view_kind kind;
    op_id op;
    int n_in;
    gen_array *const *in;
    int n_out;
    gen_array *const *out;
    const op_params *p;
} ad_node_view;

/* Pushes a capture tape (pop with ad_tape_pop). NULL on error. */
ad_tape *ad_capture_push(void);
/* A leaf of the capture: a new header viewing primal, tracked by t. */
gen_array *ad_capture_leaf(ad_tape *t, const gen_array *primal);
size_t ad_tape_size(const ad_tape *t);
ad_node_view ad_tape_node(const ad_tape *t, size_t k);
/* Which node (and output) of t made a; false for an array t does not track. */
bool ad_tape_link(const ad_tape *t, const gen_array *a, int32_t *node, int32_t *out_index);
/* The first refusal recorded on t (NULL: none) and the node whose value was read. */
const char *ad_capture_refusal(const ad_tape *t, int32_t *node);
bool ad_captured_slow(const gen_array *a);
/* Whether a capture tracks a (its value depends on the leaves of a running capture). */
static inline bool ad_captured(const gen_array *a) {
    return CORE_UNLIKELY(ad_capture_depth) && a && a->ad && ad_captured_slow(a);
}
/* Records on a's capture that the host read a's value (what: who read it, for the
 * message); nothing when no capture tracks a. */
void ad_capture_refuse(const gen_array *a, const char *what);
/* Records on every running capture that the run read a value from outside its inputs
 * that may differ on the next run (a parameter store's value: what names it), so the
 * graph cannot stand for the run; nothing when no capture runs. */
void ad_capture_refuse_all(const char *what);
/* Names site (an address) as the place of the checks recorded on the innermost capture
 * since the last call. */
void ad_capture_site(const char *site);
/* Records a parameter check of a (and b for the ordered kinds; else NULL) on the capture
 * that tracks either (nothing when none does). */
gen_status ad_capture_check(const gen_array *a, const gen_array *b, const ad_check *check);

/* Sums g down to (ndim, shape) over broadcast axes and casts to dtype: used for
 * cotangents of broadcast arguments. Published result. */
gen_array *ad_sum_to(gen_array *g, gen_dtype dtype, int ndim, const int64_t *shape);

#endif
