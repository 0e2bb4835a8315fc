/* genc/compile.h — compiled inference (DESIGN decision 10).
 *
 * GenC captures a model's static graph by running it once on arrays a capture tracks
 * (every op applied to what depends on the model's continuous choices is recorded,
 * gradient included), generates straight-line C for it, compiles it with the system C
 * compiler and loads it (cached on disk by a hash of the code: $GENC_CACHE_DIR, else
 * $XDG_CACHE_HOME/genc, else ~/.cache/genc). Gradient-based inference (HMC, MALA, NUTS,
 * the posterior mode: everything built on gen_target) then evaluates the log density
 * and its gradient through that code, with no op dispatch, tape or allocation per
 * evaluation. Results equal the eager path's (the same formulas; sums may round in a
 * different order, ~1e-15 relative); every compiled function is checked against the
 * eager evaluation once, where it is made.
 *
 * A model whose computation depends on the value of a random choice in a way capture
 * cannot see (a C branch on gen_item of a choice, a host read with gen_array_data) does
 * not capture: it runs on the dynamic path, and gen_target_compile_note says why, naming
 * the choice ("gen_item read a value computed from tau on the host ..."). Without a C
 * compiler ($GENC_CC, else cc) the same fallback happens with that reason. */
#ifndef GENC_COMPILE_H
#define GENC_COMPILE_H

#include <stdbool.h>

#include "genc/autodiff.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Turns automatic compilation on (the default) or off for this process. The
 * environment variable GENC_COMPILE=0 (or off, no) turns it off at start-up. */
void gen_set_compile(bool on);
/* Whether compilation is on. */
bool gen_compile_enabled(void);

/* Frees the compiled functions kept for reuse (targets of one model share one: the cache
 * holds references to the models and arrays it was made for, at most 32 entries, least
 * recently used out). Compiled code on disk stays. */
void gen_compile_cache_clear(void);

/* ---- compiling an array function explicitly ---------------------------------------------
 * Any function of arrays (a gen_closure, as the autodiff transforms take) compiles for
 * inputs of fixed dtypes and shapes: f runs once on inputs like like[0..n_in) under a
 * capture, and every later call runs the generated code. f may call gen_grad and friends
 * (the gradient is captured too), and may compute on arrays it closes over (constants of
 * the compiled function: they must stay alive and unchanged while it is used). */
typedef struct gen_compiled gen_compiled;

/* A compiled form of f (caller-owned: gen_compiled_free), or NULL with the error:
 * GEN_ERR_UNSUPPORTED naming why it does not compile (f reads a value computed from an
 * input on the host, an op has no code generator, no C compiler, compilation off), or
 * f's own error. The compiled function is checked against f at like. */
gen_compiled *gen_compile(gen_closure f, int n_in, gen_array *const *like, int n_out);
/* Runs c on in[0..n_in) (each of its like's dtype and shape: GEN_ERR_SHAPE / DTYPE
 * otherwise) and stores the n_out results in out[] (new arrays in the current scope).
 * A parameter check in f that fails fails here with the same error. */
gen_status gen_compiled_call(const gen_compiled *c, gen_array *const *in, gen_array **out);
void gen_compiled_free(gen_compiled *c);

#ifdef __cplusplus
}
#endif
#endif
