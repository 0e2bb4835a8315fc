/* genc/dsl.h — the dynamic modeling language: generative functions written as C bodies.
 *
 * A body is a C function that makes random choices through a context:
 *
 *   static gen_status model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
 *       gen_array *a = gen_choose(ctx, "a", gen_normal(gen_scalar(0), gen_scalar(1)));
 *       ...
 *       *retval = a;
 *       return gen_ctx_status(ctx);
 *   }
 *   gen_gf *f = gen_dynamic("model", model);
 *
 * What a choice does depends on the GFI operation running the body (DESIGN decision 8:
 * the context carries that operation's handler); the body never knows which one runs
 * it. The body runs inside a scope opened by the operation: every array it creates is
 * freed when it returns, except the traced values and the return value, which the
 * trace keeps. The key of a choice is fold_in(op key, hash of its address), so draws
 * depend on addresses, not on the order of statements.
 *
 * Errors. A DSL call that fails records an error naming the address ("y/3: normal:
 * sigma must be > 0, ...") and returns NULL (or a status); every later DSL call of the
 * same run returns NULL at once, and the operation returns that error whatever status
 * the body returns. A body returning a non-OK status on its own makes the operation
 * fail with the message prefixed by the function's name. */
#ifndef GENC_DSL_H
#define GENC_DSL_H

#include "genc/dist.h"
#include "genc/gfi.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gen_ctx gen_ctx;

/* The body of a dynamic generative function. *retval (initially NULL) may be set to the
 * return value: an array created in the body, or an argument. */
typedef gen_status (*gen_body)(gen_ctx *ctx, const gen_args *args, gen_array **retval);

/* A new generative function running body (name: for messages; copied). NULL on error
 * (a NULL name or body: GEN_ERR_MISUSE). Owned like any new object (genc/gfi.h). */
gen_gf *gen_dynamic(const char *name, gen_body body);
/* The same with a payload the body reads through gen_ctx_payload: a body with data of
 * its own (a proposal built from an inference kernel's settings) without globals. The
 * function owns payload from this call on: free_payload (NULL: nothing to free) is
 * called once, when the function is released or if this call fails. Two functions are
 * the same function (an update reuses the old subtraces of a call) when they have the
 * same body and the same payload pointer. */
gen_gf *gen_dynamic_with(const char *name, gen_body body, void *payload, void (*free_payload)(void *payload));

/* ---- trainable parameters (genc/params.h) ----------------------------------------------
 * A dynamic function bound to a parameter store reads its parameters with gen_param. The
 * store is borrowed: it must outlive the function (and every trace of it that runs
 * again). The same with a payload: as gen_dynamic_with. Two functions are the same (see
 * gen_dynamic_with) only if they are bound to the same store too. NULL on error
 * (GEN_ERR_MISUSE for a NULL name, body or store). */
gen_gf *gen_dynamic_params(const char *name, gen_body body, gen_params *store);
gen_gf *gen_dynamic_params_with(const char *name, gen_body body, gen_params *store, void *payload,
                                void (*free_payload)(void *payload));
/* The value of parameter name of the running function's store (a spliced body reads its
 * own function's store), borrowed: valid until the body returns. Shared by every
 * particle in batched mode (an unbatched array). Under gen_params_value_and_grad of that
 * store (directly, or through gen_accumulate_param_gradients) it is the transform's
 * input, so gradients flow to the store. Works in every GFI operation and wherever the
 * function runs (a callee, a combinator's kernel). A body reading parameters is not
 * compiled (genc/compile.h): its graph would hold today's values. NULL on error, which
 * fails the run: GEN_ERR_VALUE "model: gen_param: the parameter store has no parameter
 * 'w'", GEN_ERR_MISUSE for a function with no store or a NULL name. */
gen_array *gen_param(gen_ctx *ctx, const char *name);

/* name ~ d: the value of the random choice at address name (a single part), borrowed
 * (valid until the body returns). NULL on error. */
gen_array *gen_choose(gen_ctx *ctx, const char *name, const gen_dist *d);
/* The same at addr (e.g. y/3), relative to the running function's namespace. */
gen_array *gen_choose_at(gen_ctx *ctx, const gen_addr *addr, const gen_dist *d);
/* Calls f on a with its choices under name/...; returns f's return value (borrowed;
 * NULL if f returns none or on error: check gen_ctx_status). */
gen_array *gen_call(gen_ctx *ctx, const char *name, const gen_gf *f, const gen_args *a);
/* Calls the dynamic function f on a with its choices in the caller's namespace, as if
 * its body were written inline. */
gen_array *gen_splice(gen_ctx *ctx, const gen_gf *f, const gen_args *a);
/* Adds log_weight (an array, summed to a scalar) to the score: Stan's target +=. In
 * generate and assess it adds to the weight too. */
gen_status gen_factor(gen_ctx *ctx, const gen_array *log_weight);
/* GEN_OK, or the first error of this run of the body. */
gen_status gen_ctx_status(const gen_ctx *ctx);
/* The payload of the function whose body is running (gen_dynamic_with; NULL for
 * gen_dynamic): a spliced body (gen_splice) sees its own function's payload. Borrowed. */
void *gen_ctx_payload(const gen_ctx *ctx);

/* ---- distributions as generative functions ---------------------------------------------
 * Gen.jl's semantics: a distribution used as a generative function makes one choice, at
 * the root address (its choice map is a single value: gen_choicemap_value), returns
 * that choice, and takes the distribution's parameters as its arguments; its score is
 * the choice's log density. Called from a body with gen_call(ctx, "x", normal_gf, &a),
 * the choice is at x, exactly as gen_choose(ctx, "x", gen_normal(...)) would make it;
 * it also serves as the kernel of Map and Unfold, runs batched, and takes part in the
 * unconstrained evaluation of gradient-based kernels. Each constructor returns a new
 * function owned like any new object, or NULL on error (GEN_ERR_MISUSE for a NULL
 * name or distribution / family / callback). A call with the wrong number of
 * arguments fails with GEN_ERR_VALUE ("normal: takes 2 arguments (the distribution's
 * parameters), got 1"), and the family's own errors name it ("normal: sigma must be
 * > 0, got -1"). */

/* A family of one, two or three parameters (gen_exponential, gen_normal,
 * gen_student_t, ...): the arguments are its parameters in order. */
gen_gf *gen_dist_gf1(const char *name, gen_dist *(*family)(const gen_array *));
gen_gf *gen_dist_gf2(const char *name, gen_dist *(*family)(const gen_array *, const gen_array *));
gen_gf *gen_dist_gf3(const char *name,
                     gen_dist *(*family)(const gen_array *, const gen_array *, const gen_array *));
/* Any distribution built from the arguments by make (called on every run; it returns a
 * distribution in the current scope, or NULL with the error recorded). The function
 * owns payload as gen_dynamic_with does. */
gen_gf *gen_dist_gf(const char *name, gen_dist *(*make)(void *payload, const gen_args *args), void *payload,
                    void (*free_payload)(void *payload));
/* The fixed distribution d (retained), whatever the arguments. */
gen_gf *gen_dist_gf_fixed(const char *name, const gen_dist *d);

/* ---- custom-gradient generative functions (Gen.jl's CustomGradientGF) ----------------
 * A deterministic generative function (no choices, score 0) whose return value is
 * forward's output (out[0]; forward is called with n_out 1) and whose gradient, under a
 * reverse-mode transform, is the rule vjp (genc/autodiff.h: gen_custom_vjp runs the
 * pair): gradients flow through it inside models (gen_choice_gradients,
 * gen_accumulate_param_gradients, HMC's gradients of a model calling it). forward and vjp
 * receive payload, which the function owns as gen_dynamic_with's does (free_payload may
 * be NULL). n_args >= 0 fixes the argument count (a call with another fails with
 * GEN_ERR_VALUE "f: takes 2 arguments, got 1"); -1 takes any. Every GFI operation and
 * batched mode work (forward then sees batched arguments, as a body would; vjp sees
 * physical shapes). Declare arguments without gradients with gen_gf_set_argument_grads.
 * NULL on error (GEN_ERR_MISUSE for a NULL name, forward or vjp; GEN_ERR_VALUE for
 * n_args < -1). */
gen_gf *gen_custom_gradient_gf(const char *name, int n_args, gen_fn forward, gen_vjp_rule vjp, void *payload,
                               void (*free_payload)(void *payload));

#ifdef __cplusplus
}
#endif
#endif
