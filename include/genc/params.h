/* genc/params.h — trainable parameters: a store of named arrays with accumulated
 * gradients, the learning primitive that differentiates with respect to them, and a
 * store's JSON form.
 *
 * A store (gen_params) holds named floating-point arrays (f64 or f32, not batched, not
 * tuples), each with a gradient of the same dtype and shape (zeros until something
 * accumulates into it). Model code reads a parameter through the function it runs in: a
 * dynamic function is bound to a store when it is made (gen_dynamic_params, genc/dsl.h)
 * and its body calls gen_param(ctx, "w"). There is no default store: every store is
 * passed explicitly, and nothing about stores is global.
 *
 * Ownership. The caller owns a store (gen_params_new / gen_params_free) and must keep it
 * alive while functions bound to it exist. The store holds its own references to the
 * arrays it is given (arrays are immutable: nothing is copied); the getters return
 * borrowed pointers, valid until the parameter's value or gradient is next replaced or
 * the store is freed. Parameters are kept in the order they were first added, and
 * addressed by name or by that index (0 .. gen_params_count - 1): an optimizer step
 * over a store is a loop over the indices (gen_params_value_at, gen_params_grad_at,
 * gen_params_set_value).
 *
 * Threads. A store is not locked: concurrent reads (models running on several threads)
 * are fine; changing it (init, set_value, set_grad, zero_grads, value_and_grad, a load)
 * while another thread uses it is a data race.
 *
 * Gradients as inputs. gen_params_value_and_grad runs a function while the parameters it
 * reads are inputs of a reverse-mode transform: within that call on this thread,
 * gen_param of a body bound to the store returns the transform's input for the parameter
 * rather than the stored array (an override visible only to that thread and that call;
 * calls nest, the innermost override of a store winning, so gradients of gradients work).
 * Work the function hands to other threads reads the stored values, as constants. */
#ifndef GENC_PARAMS_H
#define GENC_PARAMS_H

#include "genc/autodiff.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gen_params gen_params;

/* A new empty store (caller-owned: gen_params_free). NULL on GEN_ERR_OOM. */
gen_params *gen_params_new(void);
/* Frees s and releases its arrays (NULL is ignored). Functions bound to s must not run
 * afterwards. */
void gen_params_free(gen_params *s);

/* Adds parameter name (copied; non-empty) with value, or resets an existing one to value
 * (any shape); either way its gradient becomes zeros of value's dtype and shape.
 * Errors: GEN_ERR_MISUSE for a NULL argument, or while gen_params_value_and_grad runs on
 * s ("gen_params_init: the store is in use by gen_params_value_and_grad"); GEN_ERR_VALUE
 * for an empty name, a tuple or a batched array; GEN_ERR_DTYPE for a value that is not
 * f64 or f32 ("gen_params_init: parameter 'w' must be f64 or f32, got i64"). */
gen_status gen_params_init(gen_params *s, const char *name, const gen_array *value);

/* Whether s has a parameter name (false for NULL arguments, recording nothing). */
bool gen_params_has(const gen_params *s, const char *name);
/* The number of parameters (0 for NULL). */
int gen_params_count(const gen_params *s);
/* The index of parameter name, or -1 (recording nothing) if s has none or an argument is
 * NULL. */
int gen_params_index(const gen_params *s, const char *name);
/* The name of parameter i (borrowed, valid while s is); NULL with GEN_ERR_INDEX for i
 * outside [0, count), NULL for a NULL s. */
const char *gen_params_name(const gen_params *s, int i);

/* The value of parameter name (borrowed; see Ownership). NULL if absent, recording
 * GEN_ERR_VALUE "gen_params_value: the store has no parameter 'w'". */
const gen_array *gen_params_value(const gen_params *s, const char *name);
/* The value of parameter i; NULL with GEN_ERR_INDEX for i outside [0, count). */
const gen_array *gen_params_value_at(const gen_params *s, int i);
/* Replaces the value of the existing parameter name (its gradient is kept). value must
 * have the old value's dtype and shape: GEN_ERR_DTYPE / GEN_ERR_SHAPE naming both
 * ("gen_params_set_value: parameter 'w' has shape [3], the new value [2]"), GEN_ERR_VALUE
 * for an unknown name (add it with gen_params_init) or a batched value, GEN_ERR_MISUSE as
 * for gen_params_init. */
gen_status gen_params_set_value(gen_params *s, const char *name, const gen_array *value);

/* The accumulated gradient of parameter name (borrowed; dtype and shape of its value).
 * NULL if absent, recording GEN_ERR_VALUE as gen_params_value does. */
const gen_array *gen_params_grad(const gen_params *s, const char *name);
/* The gradient of parameter i; NULL with GEN_ERR_INDEX for i outside [0, count). */
const gen_array *gen_params_grad_at(const gen_params *s, int i);
/* Replaces the accumulated gradient of parameter name (e.g. with a clipped one); errors
 * as gen_params_set_value. */
gen_status gen_params_set_grad(gen_params *s, const char *name, const gen_array *grad);
/* Sets every accumulated gradient to zeros. GEN_ERR_MISUSE for NULL or while
 * gen_params_value_and_grad runs on s. */
gen_status gen_params_zero_grads(gen_params *s);

/* The learning primitive every trainer uses: evaluates the scalar function f at primals
 * (as gen_value_and_grad) while every parameter of s that the run reads (gen_param in a
 * body bound to s, at any depth of calls and combinators) is a differentiable input:
 * *value = f (value may be NULL), in_grads[i] = df/dprimals[i] (in_grads may be NULL;
 * else n_in entries), and scale * df/dparam is ADDED to each parameter's accumulated
 * gradient in s (parameters the run does not read gain nothing). f must return one
 * output of size 1, or one value per particle of a batched run (a batched array, or a 1-D
 * one such as gen_assess_batched's weight), which is summed over the particles. The gradients are added only if
 * everything succeeds: on error s is unchanged and the outputs are NULL.
 * f must not change s (init, set_value, set_grad, zero_grads: GEN_ERR_MISUSE). Outputs
 * belong to the innermost scope (or the caller). Errors: GEN_ERR_MISUSE for a NULL s,
 * f.fn or primals (n_in > 0), a negative n_in; GEN_ERR_VALUE for a non-finite scale;
 * gen_value_and_grad's errors (an input that is not floating point, an output not of
 * size 1, f's own). */
gen_status gen_params_value_and_grad(gen_params *s, gen_closure f, int n_in,
                                     gen_array *const *primals, double scale,
                                     gen_array **value, gen_array **in_grads);

/* ---- JSON -------------------------------------------------------------------------
 * A store's values (not its gradients) as JSON: {"params": {"w": V, "b": V, ...}} in
 * the store's order, each V written as choice maps write a value (genc/choice.h:
 * {"dtype": "f64", "shape": [2, 3], "data": [...]}, doubles in the shortest form that
 * reads back exactly, non-finite ones as "inf", "-inf", "nan"), so a save and a load
 * give every value back bit for bit. */

/* A new NUL-terminated string (free it with gen_params_json_free); NULL on error
 * (GEN_ERR_MISUSE for NULL, GEN_ERR_OOM). */
char *gen_params_to_json(const gen_params *s);
void gen_params_json_free(char *json);
/* Loads json into s: a parameter s has must keep its dtype and shape (its value is
 * replaced, its gradient kept); a parameter s lacks is added (gen_params_init). All or
 * nothing: on any error s is unchanged. Errors: GEN_ERR_VALUE for text that is not JSON
 * or not of the form above, naming the parameter and what is wrong
 * ("gen_params_load_json: at w: the shape has 6 elements, data has 5"); GEN_ERR_SHAPE /
 * GEN_ERR_DTYPE for a parameter whose saved shape or dtype differs from the store's
 * ("gen_params_load_json: parameter 'w' has shape [3] in the store, [2] in the JSON");
 * GEN_ERR_MISUSE as for gen_params_init. */
gen_status gen_params_load_json(gen_params *s, const char *json);
/* gen_params_to_json written to the file path / gen_params_load_json of its contents.
 * GEN_ERR_VALUE naming the path when it cannot be written or read. */
gen_status gen_params_save(const gen_params *s, const char *path);
gen_status gen_params_load(gen_params *s, const char *path);

#ifdef __cplusplus
}
#endif
#endif
