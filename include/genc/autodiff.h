/* genc/autodiff.h — gradients as function transforms (DESIGN decision 3).
 *
 * A function to differentiate is a C closure: a function pointer plus a payload. It
 * reads n_in arrays and writes n_out arrays (new references it creates with array
 * operations; it need not release anything — the transform runs it inside a scope).
 * A tape exists only while a transform runs. Transforms nest (grad of grad, jvp of
 * grad for Hessian-vector products). Only floating-point inputs can be differentiated.
 *
 * Results follow array.h's ownership rule: they belong to the innermost open scope,
 * or to the caller if none is open. On error no result is returned (outputs are set to
 * NULL) and nothing leaks. */
#ifndef GENC_AUTODIFF_H
#define GENC_AUTODIFF_H

#include "genc/array.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef gen_status (*gen_fn)(void *payload, int n_in, gen_array *const *in, int n_out,
                             gen_array **out);
typedef struct gen_closure {
    gen_fn fn;
    void *payload;
} gen_closure;

/* Reverse mode. Runs f at primals; out[j] receives output j; in_cot[i] receives
 * sum_j cot[j] . d out_j / d in_i (shape and dtype of primals[i]). cot[j] must have
 * out[j]'s shape; a NULL cot[j] means zeros. out may be NULL if not wanted. */
gen_status gen_vjp(gen_closure f, int n_in, gen_array *const *primals, int n_out,
                   gen_array *const *cot, gen_array **out, gen_array **in_cot);

/* Gradient of a function with one scalar (size-1) output w.r.t. each input. */
gen_status gen_grad(gen_closure f, int n_in, gen_array *const *primals, gen_array **grads);

/* Both the scalar value and the gradient, from one forward pass. */
gen_status gen_value_and_grad(gen_closure f, int n_in, gen_array *const *primals,
                              gen_array **value, gen_array **grads);

/* Forward mode. tangents[i] has primals[i]'s shape (NULL: zeros); out_tan[j] receives
 * the directional derivative of output j. out may be NULL. */
gen_status gen_jvp(gen_closure f, int n_in, gen_array *const *primals,
                   gen_array *const *tangents, int n_out, gen_array **out,
                   gen_array **out_tan);

/* A user-defined reverse-mode rule. Given the inputs, the outputs and the cotangents
 * of the outputs (never NULL), write into cot_in[i] the cotangent of input i (shape of
 * in[i], or NULL for zeros). Return GEN_OK or an error status. */
typedef gen_status (*gen_vjp_rule)(void *payload, int n_in, gen_array *const *in, int n_out,
                                   gen_array *const *out, gen_array *const *cot_out,
                                   gen_array **cot_in);

/* Runs fwd on in (without recording its operations) and writes its n_out outputs to
 * out; under a reverse-mode transform, the outputs' gradient is given by rule. rule
 * and rule_payload must stay valid until the enclosing transform returns. Forward
 * mode (gen_jvp) through a custom VJP is GEN_ERR_NOGRAD. */
gen_status gen_custom_vjp(gen_closure fwd, gen_vjp_rule rule, void *rule_payload, int n_in,
                          gen_array *const *in, int n_out, gen_array **out);

#ifdef __cplusplus
}
#endif
#endif
