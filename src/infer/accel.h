/* accel.h — what the inference layer asks of the compile layer (src/compile/, above
 * it: declared here, defined there, so infer names no compile header): a target's log
 * density and gradient as compiled code, used instead of the eager evaluation whenever
 * the model captured (gen_set_compile turns this off). */
#ifndef GENC_SRC_INFER_ACCEL_H
#define GENC_SRC_INFER_ACCEL_H

#include "genc/autodiff.h"
#include "genc/gfi.h"

typedef struct accel_fn accel_fn;
struct backend;

/* Names input i (an address with its element) for messages. */
typedef void (*accel_namer)(void *payload, int i, char *buf, size_t n);

/* Compiles f (n_in f64 inputs shaped like like[0..n_in); outputs: the log density, then
 * its gradient with respect to each input) for repeated evaluation. NULL when it does
 * not compile (compilation off, no compiler, a read of a random value on the host, an op
 * without code): *why (may be NULL) then holds the reason. Errors are not left pending:
 * the caller falls back to f itself. */
accel_fn *accel_value_and_grad_new(const char *name, gen_closure f, int n_in, gen_array *const *like,
                                   accel_namer namer, void *namer_payload, char *why, size_t why_n);
/* The log density at theta (f64, dim elements: input k at offsets off[k]) into *lp and
 * its gradient into grad (dim doubles). Errors as the eager evaluation's (a parameter
 * check: GEN_ERR_VALUE marked CORE_REJECT_PARAMETER). */
gen_status accel_value_and_grad(const accel_fn *a, const double *theta, const int64_t *off, double *lp,
                                double *grad);
/* The log density and gradient of n points at once (chains), one GPU thread each, on
 * device backend be (a backend of the array layer): theta [n, dim] f64 there (chain c's
 * input k at theta + c dim + off[k]), lp [n] and grad [n, dim] there. Values as
 * accel_value_and_grad's, with no check of their finiteness; a failed check is the
 * first failing chain's error, prefixed "chain c". GEN_ERR_UNSUPPORTED (nothing
 * recorded) when there is no lane program of a for be: the caller evaluates chain by
 * chain. */
gen_status accel_value_and_grad_chains(const accel_fn *a, const struct backend *be, int64_t n, const void *theta,
                                       const int64_t *off, int64_t dim, void *lp, void *grad);
/* Drops a reference (the last one frees). */
void accel_fn_free(accel_fn *a);
/* Another reference to a (shared by targets of one model: target_cache.c). */
accel_fn *accel_fn_retain(accel_fn *a);

/* Compiles f (the same inputs; one output: any f64 vector, e.g. the constrained values of
 * recorded choices) for repeated evaluation. NULL as accel_value_and_grad_new. */
accel_fn *accel_map_new(const char *name, gen_closure f, int n_in, gen_array *const *like, accel_namer namer,
                        void *namer_payload, char *why, size_t why_n);
/* f at theta (inputs at off[k]) into out (the output's size of doubles). */
gen_status accel_map(const accel_fn *a, const double *theta, const int64_t *off, double *out);
/* The output's number of elements. */
int64_t accel_map_size(const accel_fn *a);

#endif
