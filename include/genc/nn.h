/* genc/nn.h — neural-network building blocks on the array core: activations, dense
 * layers, and the multilayer perceptron as a deterministic generative function whose
 * weights are trainable parameters of a store (genc/params.h).
 *
 * Everything here is made of array operations (genc/array.h), so it differentiates
 * (gen_grad, gen_params_value_and_grad), runs in batched mode (a leading particle or
 * minibatch axis) and on any device the operations run on. Shapes: a layer maps inputs
 * [..., n_in] to [..., n_out]; leading axes (a minibatch, the particle axis) are carried
 * through. Weights are W [n_in, n_out] and biases b [n_out], f64. */
#ifndef GENC_NN_H
#define GENC_NN_H

#include "genc/dsl.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Elementwise activations. */
typedef enum gen_activation {
    GEN_ACT_IDENTITY = 0, /* x */
    GEN_ACT_RELU = 1,     /* max(x, 0) (gradient 0 at x = 0) */
    GEN_ACT_TANH = 2,     /* tanh x */
    GEN_ACT_SIGMOID = 3,  /* 1 / (1 + exp(-x)) */
    GEN_ACT_SOFTPLUS = 4  /* log(1 + exp(x)), computed stably */
} gen_activation;

/* act(x), a new array (array.h's ownership). NULL with GEN_ERR_VALUE for an unknown
 * activation ("gen_activate: unknown activation 9"); NULL x keeps the pending error. */
gen_array *gen_activate(const gen_array *x, gen_activation act);
/* The activation's name ("relu"; "?" for an unknown one). */
const char *gen_activation_name(gen_activation act);

/* One dense layer: act(x W + b), x [..., n_in], w [n_in, n_out], b [n_out] (NULL: no
 * bias); the result is [..., n_out] (gen_matmul's rules: a 1-d x gives [n_out]). A new
 * array; NULL on error: GEN_ERR_SHAPE when x's last axis is not w's first or b is not
 * [n_out] ("gen_dense: x has 3 features, w is [4,2]"), GEN_ERR_VALUE for w not 2-d or an
 * unknown activation, GEN_ERR_MISUSE for a NULL x or w. */
gen_array *gen_dense(const gen_array *x, const gen_array *w, const gen_array *b, gen_activation act);

/* Initializes the parameters w_name ([n_in, n_out]) and b_name ([n_out]; NULL: none) of a
 * dense layer in s (gen_params_init: added, or reset if present, gradients zeroed):
 * w's entries are drawn uniformly from [-a, a] with key, where
 *   a = sqrt(6 / n_in)            (He uniform) for GEN_ACT_RELU,
 *   a = sqrt(6 / (n_in + n_out))  (Glorot/Xavier uniform) for every other activation;
 * b is zeros. Errors: GEN_ERR_MISUSE for a NULL s or w_name; GEN_ERR_VALUE for n_in or
 * n_out < 1 or an unknown activation; gen_params_init's. */
gen_status gen_dense_init(gen_params *s, gen_key key, const char *w_name, const char *b_name, int64_t n_in,
                          int64_t n_out, gen_activation act);

/* A multilayer perceptron as a generative function: n_layers dense layers, layer l
 * (1-based) mapping sizes[l-1] features to sizes[l] with activation acts[l-1] (sizes has
 * n_layers + 1 entries; acts n_layers), its weights the parameters "<prefix>/W<l>"
 * ([sizes[l-1], sizes[l]]) and "<prefix>/b<l>" ([sizes[l]]) of store, e.g. "enc/W1",
 * "enc/b1", "enc/W2", ... This call initializes them (gen_dense_init with
 * gen_key_fold_in(key, l) for layer l: He uniform before a ReLU, Glorot uniform
 * otherwise, zero biases), replacing values the store had under those names (load saved
 * values afterwards with gen_params_load to resume).
 *
 * The function (named prefix) takes one argument x [..., sizes[0]] (f64 or f32; batched
 * or not) and returns the network's output [..., sizes[n_layers]]; it makes no random
 * choice (score 0), so it is a deterministic part of a model or proposal: call it with
 * gen_call and the gradients of choices and parameters flow through it
 * (gen_accumulate_param_gradients reaches its weights). It reads its weights when it
 * runs, so training the store changes what it computes. A call with another number of
 * arguments or the wrong feature count fails ("enc: takes 1 argument (the input), got
 * 2", "enc: the input has 3 features (last axis), the network takes 5").
 *
 * The store is borrowed (it must outlive the function). Returns a new function (genc/
 * gfi.h ownership), NULL on error: GEN_ERR_MISUSE for a NULL store, prefix, sizes or
 * acts; GEN_ERR_VALUE for n_layers < 1, a size < 1, an unknown activation or an empty
 * prefix; gen_params_init's (the store busy in gen_params_value_and_grad). */
gen_gf *gen_mlp(gen_params *store, gen_key key, const char *prefix, int n_layers, const int64_t *sizes,
                const gen_activation *acts);

#ifdef __cplusplus
}
#endif
#endif
