/* dsl_int.h — the dynamic DSL's private structures (prefix dsl_): the context a body
 * runs with, the per-operation handlers, the records a run leaves (the per-trace data
 * that project walks) and the table of traced addresses. */
#ifndef GENC_SRC_DSL_INT_H
#define GENC_SRC_DSL_INT_H

#include "../array/array_int.h"
#include "../gfi/gfi_int.h"
#include "genc/dsl.h"

/* One traced site of a run: a choice (value set) or a call (sub set in generate). */
typedef struct dsl_rec {
    gen_addr addr;     /* relative to the running function */
    gen_array *value;  /* choice value, retained (NULL for a call) */
    gen_array *score;  /* 0-d log density of the choice / score of the call, retained */
    gen_array *weight; /* its part of the generate/assess weight (NULL: none), retained */
    gen_trace *sub;    /* the callee's trace (calls in generate), retained */
} dsl_rec;

/* The per-trace data of a dynamic function (gen_trace.data). */
typedef struct dsl_data {
    dsl_rec *recs;
    int64_t n, cap;
    gen_array *factors; /* 0-d sum of gen_factor terms, retained (NULL: none) */
} dsl_data;

typedef struct dsl_handler {
    gen_array *(*on_choice)(gen_ctx *ctx, const gen_addr *a, const gen_dist *d);
    gen_array *(*on_call)(gen_ctx *ctx, const gen_addr *a, const gen_gf *f, const gen_args *args);
    gen_status (*on_factor)(gen_ctx *ctx, const gen_array *logw); /* logw: 0-d */
} dsl_handler;

typedef struct dsl_slot {
    uint64_t hash;
    int64_t rec; /* record whose address (truncated to len parts) is the key */
    int len;
    int kind; /* DSL_SLOT_* */
} dsl_slot;

enum { DSL_SLOT_EMPTY, DSL_SLOT_CHOICE, DSL_SLOT_CALL, DSL_SLOT_PREFIX };

/* Whether f is a dynamic function bound to a parameter store (its body may read values
 * that change between runs with the same arguments: an update reruns it). */
bool dsl_reads_params(const gen_gf *f);

/* The records of the trace being edited (update, regenerate), found by address; each
 * record taken by the new run is marked visited, the others were dropped. */
typedef struct dsl_prev {
    const dsl_data *d;
    int64_t *slots; /* record index + 1 (0: empty), open addressing, power-of-two cap */
    int64_t cap;
    bool *visited; /* one per record */
    int64_t next;  /* cursor: the record after the last one taken (runs repeat in order) */
    bool filled;   /* slots filled (on the first lookup the cursor misses) */
} dsl_prev;

struct gen_ctx {
    const dsl_handler *h;
    const char *op; /* "generate" or "assess", for messages */
    gen_status status; /* first error of the run (sticky) */
    gen_key key;
    const gen_choicemap *constraints; /* never NULL */
    int64_t used;                     /* constraint values used */
    dsl_data data;                    /* records, moved into the trace at the end */
    dsl_slot *table;                  /* open addressing, power-of-two capacity */
    int64_t tcap, tn;
    dsl_prev old;                     /* update, regenerate: the old trace's records */
    const gen_selection *sel;         /* regenerate: what to resample */
    gen_choicemap_builder *discard;   /* update: the discarded old values */
    int64_t n;                        /* particle count in batched mode, else 0 */
    int64_t hint;                     /* expected record count (0: unknown) */
    gen_eval *ev;                     /* assess: the evaluation state (NULL: normal) */
    bool root;                        /* the root address was traced (dsl_claim) */
    void *payload;                    /* the running body's function's payload */
    gen_params *params;               /* the running body's function's store (NULL: none) */
    const char *fname;                /* the running body's function's name */
};

/* update through the model's graph (graph_update.c): true when it took the edit (*st its
 * status), false when the body must run. */
bool dsl_graph_update(const gen_trace *tr, const gen_args *args, const gen_diff *argdiffs,
                      const gen_choicemap *constraints, gen_trace **new_tr, gen_array **weight,
                      gen_diff *retdiff, gen_choicemap **discard, gen_status *st);

extern const dsl_handler dsl_generate_handler, dsl_assess_handler, dsl_update_handler,
    dsl_regenerate_handler;
extern const gfi_vtable dsl_vtable;

/* Claims address a for a choice or call (kind): fails with "a: address already traced"
 * when a, a prefix of a, or an address below a was traced (the root: see dsl_check_root). Pushes a record for a and
 * returns its index, or -1 (ctx->status set). */
int64_t dsl_claim(gen_ctx *ctx, const gen_addr *a, int kind);
/* GEN_OK unless the run traced the root address and another site (the root must be its
 * only site): GEN_ERR_VALUE naming the second one. */
gen_status dsl_check_root(gen_ctx *ctx);
/* The kind of the slot holding exactly a (DSL_SLOT_EMPTY if none). */
int dsl_lookup_kind(const gen_ctx *ctx, const gen_addr *a);
void dsl_table_free(gen_ctx *ctx);
/* Records the failure at address a: prefixes the pending error with the address path
 * (or records GEN_ERR_INTERNAL if none is pending), sets ctx->status; returns NULL. */
gen_array *dsl_fail_at(gen_ctx *ctx, const gen_addr *a);
/* Runs f's body (f must be dynamic) with ctx; returns its status, the body's own
 * failures prefixed with f's name. */
gen_status dsl_run_body(const gen_gf *f, gen_ctx *ctx, const gen_args *args, gen_array **ret);
/* Puts back the error dsl_fail_at recorded for ctx's run, if later ones overwrote it (the
 * body runs on after a failed choice). */
void dsl_restore_first_error(const gen_ctx *ctx);
/* Releases what the records hold and frees them. */
void dsl_data_clear(dsl_data *d);
/* Frees the records and the address table of ctx. */
void dsl_ctx_free(gen_ctx *ctx);

/* ---- shared by the operations (dynamic.c, dsl_handlers.c) ---- */

/* ---- one choice, scalar or batched (dsl_handlers.c). Handlers run with batched mode
 * suspended: they keep the particle axis themselves. ---- */

/* The log density of choice value x under d: 0-d (summed over batch axes), or [n] per
 * particle in batched mode. NULL on error. */
gen_array *dsl_choice_logpdf(const gen_ctx *ctx, const gen_dist *d, const gen_array *x);
/* While the compile layer captures a generate call (dsl_accel.h): its key as a capture
 * leaf (two i64 words) and its value; dsl_draw makes the call's draws DRAW ops on it, and
 * names in refused a draw it cannot capture. NULL otherwise. */
typedef struct dsl_draw_capture {
    const gen_array *key_leaf;
    gen_key key;
    char refused[GEN_ADDR_FORMAT_MAX + 64];
} dsl_draw_capture;
extern _Thread_local dsl_draw_capture *dsl_capturing_draws;
/* A prior draw at address a (key folded with a's hash): in batched mode n draws (or one
 * of a batched distribution), marked batched. NULL on error. */
gen_array *dsl_draw(const gen_ctx *ctx, const gen_addr *a, const gen_dist *d);
/* A given value (constraint, choice to assess) for d: itself in scalar mode, where it
 * must have the choice's shape (d's batch and event shape); in batched mode a value
 * shared by the particles (the per-particle shape) or one per particle (leading axis n,
 * returned marked batched). Its dtype must be a float for a continuous d, d's own for a
 * discrete one. NULL with an error naming the shapes (GEN_ERR_SHAPE) or dtypes
 * (GEN_ERR_DTYPE); the caller adds the address. */
gen_array *dsl_given(const gen_ctx *ctx, const gen_dist *d, const gen_array *c);
/* where(mask, a, b) per particle: mask is bool [n], a and b [n] + shapes. */
gen_array *dsl_where_particles(const gen_array *mask, const gen_array *a, const gen_array *b);
/* A masked constraint c (present for the particles in mask, genc/choice.h): the given
 * value there, elsewhere's value for the other particles; marked batched. */
gen_array *dsl_masked_given(const gen_ctx *ctx, const gen_dist *d, const gen_array *c,
                            const gen_array *mask, const gen_array *elsewhere);
/* Score and weight of shape [n] in batched mode (broadcasting 0-d totals). */
gen_status dsl_batch_totals(const gen_ctx *ctx, gen_array **score, gen_array **weight);
/* Calls a GFI operation of a callee from a handler: with ctx's batched mode on. */
static inline int64_t dsl_callee_begin(const gen_ctx *ctx) {
    int64_t saved = gen_batch_suspend();
    gen_batch_resume(ctx->n);
    return saved;
}
static inline void dsl_callee_end(int64_t saved) { gen_batch_resume(saved); }
/* A record's new reference to an array the run made or was given (NULL stays NULL):
 * arr_retain, without the checks of gen_array_retain (one per choice). */
static inline gen_array *dsl_keep(const gen_array *a) { return a ? arr_retain((gen_array *)a) : NULL; }
/* The body's DSL calls reach the handler with batched mode suspended. */
static inline gen_array *dsl_on_choice(gen_ctx *ctx, const gen_addr *a, const gen_dist *d) {
    int64_t saved = gen_batch_suspend();
    gen_array *x = ctx->h->on_choice(ctx, a, d);
    gen_batch_resume(saved);
    return x;
}
static inline gen_array *dsl_on_call(gen_ctx *ctx, const gen_addr *a, const gen_gf *f,
                                     const gen_args *args) {
    int64_t saved = gen_batch_suspend();
    gen_array *x = ctx->h->on_call(ctx, a, f, args);
    gen_batch_resume(saved);
    return x;
}
/* Adds a 0-d factor to ctx's factor total. */
gen_status dsl_add_factor(gen_ctx *ctx, const gen_array *logw);
/* Every constraint was used, or an error naming the first unused one. */
gen_status dsl_check_used(gen_ctx *ctx);
/* Score (records and factors) and weight (records' weights and factors), in the current
 * scope. */
gen_status dsl_totals(gen_ctx *ctx, gen_array **score, gen_array **weight);
/* The choice map of the records d (published in the current scope). NULL on error. */
gen_choicemap *dsl_build_choices(const dsl_data *d);
/* Moves ctx's records into a new unpublished trace of f (cm NULL: the map is built
 * from the records on first use). */
gen_status dsl_new_trace(const gen_gf *f, gen_ctx *ctx, const gen_args *args, gen_array *ret,
                         gen_choicemap *cm, gen_array *score, gen_trace **tr);
/* The pending error, or GEN_ERR_OOM. */
gen_status dsl_pending_or_oom(void);
/* The selection below a (borrowed). */
const gen_selection *dsl_sub_selection(const gen_selection *sel, const gen_addr *a);
/* True if a and b are the same generative function (the same object, or dynamic
 * functions with the same body): a call's old subtrace is then updated in place. */
bool dsl_same_gf(const gen_gf *a, const gen_gf *b);

/* ---- update and regenerate (prev.c, edit.c, update.c, regenerate.c) ---- */

gen_status dsl_prev_init(dsl_prev *p, const dsl_data *d);
void dsl_prev_free(dsl_prev *p);
/* The old record at a if it is of the same kind (a choice, or a call of the same
 * function f), marking it visited; NULL otherwise. */
const dsl_rec *dsl_prev_take(dsl_prev *p, const gen_addr *a, const gen_gf *f);
/* True when an old call can keep its subtrace as it is (update with no constraint below
 * it, regenerate with nothing selected below it): the very same argument values (the
 * same arrays, or equal dtype, shape and elements; the same user pointer) and no
 * autodiff transform running (which must see the new arguments flow into the scores).
 * Bodies are functions of their arguments and choices, so rerunning would reproduce the
 * subtrace with weight 0. */
bool dsl_call_unchanged(const dsl_rec *old, const gen_args *args);
/* The argdiffs of an old call's new arguments: GEN_DIFF_NO_CHANGE for each the same
 * value (as above), GEN_DIFF_UNKNOWN otherwise, into buf (cap entries); NULL (all
 * unknown) when they do not fit, the count changed or a transform runs. */
gen_diff *dsl_call_argdiffs(const dsl_rec *old, const gen_args *args, gen_diff *buf, int cap);
/* Runs prev's function on args under ctx (handler, op, key, constraints, sel set by the
 * caller) and publishes the new trace, weight, retdiff and discard (update only). */
gen_status dsl_edit(const gen_trace *prev, gen_ctx *ctx, const gen_args *args,
                    gen_trace **new_tr, gen_array **weight, gen_diff *retdiff,
                    gen_choicemap **discard);
gen_status dsl_update(const gen_trace *tr, gen_key key, const gen_args *args,
                      const gen_diff *argdiffs, const gen_choicemap *constraints,
                      gen_trace **new_tr, gen_array **weight, gen_diff *retdiff,
                      gen_choicemap **discard);
gen_status dsl_regenerate(const gen_trace *tr, gen_key key, const gen_args *args,
                          const gen_diff *argdiffs, const gen_selection *sel,
                          gen_trace **new_tr, gen_array **weight, gen_diff *retdiff);

#endif
