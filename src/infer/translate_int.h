/* translate_int.h — what involutive MCMC and SMCP3 share (prefix translate_): a user's
 * map of (model choices, auxiliary choices) to (new model choices, backward auxiliary
 * choices), run under a scope guard, and log |det J| of its continuous part by
 * forward-mode autodiff. */
#ifndef GENC_SRC_INFER_TRANSLATE_INT_H
#define GENC_SRC_INFER_TRANSLATE_INT_H

#include "kernels_int.h"

/* One evaluation of the user's map at (model, aux): *new_model and *bwd_aux new in the
 * current scope. ctx carries what else the user's callback reads (its payload, the
 * arguments, the proposal's return value). */
typedef gen_status (*translate_fn)(const void *ctx, const gen_choicemap *model, const gen_choicemap *aux,
                                   gen_choicemap **new_model, gen_choicemap **bwd_aux);

typedef struct translate_map {
    translate_fn fn;
    const void *ctx;
    const char *call; /* the public function, for messages: "gen_mh_involutive" (NULL: none) */
    const char *what; /* the user's map, for messages: "the involution" */
} translate_map;

/* Messages below begin with the head "<call>: <what>" ("<what>" when call is NULL). */

/* Runs the map under a scope guard and checks it returned both maps: a failure it
 * reports is prefixed with the head, one without a message is GEN_ERR_CALLBACK "<head>
 * failed (<status>)", a missing output GEN_ERR_CALLBACK "<head> returned no model
 * choices" (or "no backward auxiliary choices"); the guard's errors are "<call>: <what>
 * left 1 scope open (...)" ("<what>: its callback left ..." without a call). */
gen_status translate_apply(const translate_map *m, const gen_choicemap *model, const gen_choicemap *aux,
                           gen_choicemap **new_model, gen_choicemap **bwd_aux);

/* log |det J| of the map at (model, aux), whose outputs were new_model and bwd_aux: the
 * inputs are the continuous values of model at the addresses of consumed's values (the
 * choices the move changes or drops: update's discard) and of aux; the outputs the
 * continuous values of new_model and bwd_aux. Values the move keeps map to themselves
 * (an identity block) and drop out. 0 when there are no continuous values. Errors
 * (GEN_ERR_VALUE): "<head> maps 3 continuous values (1 of the model, 2 auxiliary) to 2:
 * dimensions must match", "<head>'s continuous outputs changed size under autodiff",
 * "<head>'s Jacobian is singular"; autodiff failures are prefixed "<head>'s Jacobian". */
gen_status translate_log_abs_det(const translate_map *m, const gen_choicemap *model, const gen_choicemap *aux,
                                 const gen_choicemap *consumed, const gen_choicemap *new_model,
                                 const gen_choicemap *bwd_aux, double *out);

#endif
