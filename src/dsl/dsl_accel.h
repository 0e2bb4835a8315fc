/* dsl_accel.h — what the dynamic DSL asks of the compile layer (src/compile/, above it:
 * declared here, defined there): a model's static graph over its choices (DESIGN
 * decision 10, level 1), which tells which scores an edit of some choices reaches and
 * computes only those, in compiled code. update takes it when a trace's structure stays
 * (graph_update.c). */
#ifndef GENC_SRC_DSL_ACCEL_H
#define GENC_SRC_DSL_ACCEL_H

#include "genc/gfi.h"

typedef struct dsl_model dsl_model;

/* The model graph of tr's function at tr's arguments and structure (its records: every
 * choice's address, dtype and shape; no calls), a new reference, or NULL when there is
 * none (compilation off, a record that is a call, the body reads a choice's value on the
 * host, an op without code). Graphs are cached per function, arguments and structure. */
dsl_model *dsl_model_get(const gen_trace *tr);
void dsl_model_release(dsl_model *m);
/* Evaluates the part of the graph that the choices flagged in changed reach, at values
 * (one per record, each of its record's dtype and shape): into scores[i] a new 0-d score
 * for each record reached (NULL for the others), *factors the new factor total (NULL if
 * not reached or the model has none), *retval the new return value (NULL if not reached
 * or not an array). New arrays are in the current scope. A failed check is the eager
 * path's error. GEN_ERR_UNSUPPORTED (nothing recorded) when a value does not fit. */
gen_status dsl_model_eval(dsl_model *m, gen_array *const *values, const bool *changed, gen_array **scores,
                          gen_array **factors, gen_array **retval);

/* Batched generate in compiled code (generate_graph.c): true when it ran (*st its
 * status; on success *tr and *weight as generate makes them), false when the call runs
 * the dynamic path (not batched, compilation off, a shape not yet hot, a model that does
 * not capture). */
bool dsl_graph_generate(const gen_gf *f, gen_key key, const gen_args *args, const gen_choicemap *constraints,
                        gen_trace **tr, gen_array **weight, gen_status *st);
/* Batched assess in compiled code: generate's program of the same call shape when it
 * draws nothing (every choice given); false otherwise. */
bool dsl_graph_assess(const gen_gf *f, const gen_args *args, const gen_choicemap *choices, gen_array **weight,
                      gen_array **retval, gen_status *st);
/* Regenerate in compiled code (generate_graph.c): true when it ran (*st its status; on
 * success the outputs as regenerate makes them), false when it runs the dynamic path
 * (other arguments, a call in the trace, nothing selected, a pattern not yet hot, a
 * model that does not capture). */
bool dsl_graph_regenerate(const gen_trace *tr, gen_key key, const gen_args *args, const gen_selection *sel,
                          gen_trace **new_tr, gen_array **weight, gen_diff *retdiff, gen_status *st);

#endif
