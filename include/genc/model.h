/* genc/model.h — models the genc tool runs (`genc run MODEL`): a model file is a C source
 * that includes "genc.h", defines a setup function, and ends with one registration line:
 *
 *   static gen_status setup(gen_model *m, const gen_data *data) {   // data: --data, or NULL
 *       ... build the generative function, its arguments and the observations ...
 *       gen_model_set_gf(m, f, &args);
 *       gen_model_set_observations(m, obs);
 *       return GEN_OK;
 *   }
 *   GEN_MODEL("eight_schools", "Eight schools, non-centered", setup);
 *
 * GEN_MODEL defines one exported constant, genc_model, which the tool finds (dlsym) after
 * compiling the file into a shared object; a test can #include the model file and call
 * genc_model.setup(m, data) on a gen_model_new(). The setup runs with a scope open (the
 * tool's): arrays it makes there may be handed to the setters below, which keep their
 * own references — the gen_model owns everything it is given. */
#ifndef GENC_MODEL_H
#define GENC_MODEL_H

#include <stdint.h>

#include "genc/data.h"
#include "genc/gfi.h"
#include "genc/infer.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gen_model gen_model;

/* A model file's setup: declares the model on m from the data file (NULL: the model's
 * own default data). Returns GEN_OK or an error status (with gen_error_set). */
typedef gen_status (*gen_model_setup_fn)(gen_model *m, const gen_data *data);

/* What GEN_MODEL defines; abi is GEN_MODEL_ABI of the header the file was built with. */
#define GEN_MODEL_ABI 1
typedef struct gen_model_info {
    int abi;
    const char *name, *description;
    gen_model_setup_fn setup;
} gen_model_info;

#if defined(__GNUC__) || defined(__clang__)
#define GEN_MODEL_EXPORT __attribute__((visibility("default")))
#else
#define GEN_MODEL_EXPORT
#endif
#define GEN_MODEL(name, description, setup) \
    GEN_MODEL_EXPORT const gen_model_info genc_model = {GEN_MODEL_ABI, (name), (description), (setup)}

/* A new, empty model (caller-owned: gen_model_free), or NULL on GEN_ERR_OOM. */
gen_model *gen_model_new(void);
/* Releases everything the model holds and calls the free_payload functions given with
 * the kernel and the sequential steps. NULL is ignored. */
void gen_model_free(gen_model *m);

/* ---- what a setup declares (each replaces an earlier declaration of the same thing) ---- */

/* The generative function and its arguments (args may be NULL: none; its arrays are
 * retained, args->user is kept as a pointer that must outlive m). Required. */
gen_status gen_model_set_gf(gen_model *m, const gen_gf *f, const gen_args *args);
/* The observed choices (default: none). */
gen_status gen_model_set_observations(gen_model *m, const gen_choicemap *obs);
/* What MCMC and VI move (default: every choice the observations leave out): the
 * continuous ones for hmc, nuts, mala and advi, the discrete ones for gibbs. */
gen_status gen_model_set_latents(gen_model *m, const gen_selection *sel);
/* The algorithm `genc run` uses when --algorithm is absent (default "nuts"; copied). */
gen_status gen_model_set_algorithm(gen_model *m, const char *name);
/* A custom MCMC kernel (e.g. Gibbs on outlier indicators, then HMC on the curve): the
 * algorithm "kernel" runs chains of it. free_payload (may be NULL) is called on
 * k.payload when m is freed or the kernel replaced. */
gen_status gen_model_set_kernel(gen_model *m, gen_kernel k, void (*free_payload)(void *));
/* A sequential model (the algorithm "smc": a particle filter): steps steps; the callback
 * gives step t's arguments (args->v: up to GEN_MODEL_MAX_ARGS arrays it writes, made in
 * the scope open when called), argdiffs (as many, for t >= 1) and observations (*obs).
 * t = 0 initializes the filter (gen_pf_init with the model's function), each later t
 * steps it (gen_pf_step). free_payload (may be NULL) as for the kernel. */
#define GEN_MODEL_MAX_ARGS 16
typedef gen_status (*gen_model_step_fn)(void *payload, int64_t t, gen_args *args, gen_diff *argdiffs,
                                        gen_choicemap **obs);
gen_status gen_model_set_smc(gen_model *m, int64_t steps, gen_model_step_fn step, void *payload,
                             void (*free_payload)(void *));
/* What the summary and the report show (default: the latents). */
gen_status gen_model_set_summary(gen_model *m, const gen_selection *sel);
/* An exact value the tool prints beside its estimate (what: e.g. "log marginal
 * likelihood", copied; the forward algorithm's or the Kalman filter's). */
gen_status gen_model_set_reference(gen_model *m, const char *what, double value);

/* Errors of the setters: GEN_ERR_MISUSE for a NULL m or a NULL required argument (f,
 * obs, sel, name, k.fn, step, what), GEN_ERR_VALUE for steps < 1 or a name longer than
 * 63 characters. */

/* ---- what the tool reads (borrowed, valid while m is and until replaced) ---------------- */

const gen_gf *gen_model_gf(const gen_model *m);              /* NULL until set */
const gen_args *gen_model_args(const gen_model *m);          /* never NULL for a model */
const gen_choicemap *gen_model_observations(const gen_model *m); /* the empty map by default */
/* The latents as declared, or NULL: every choice the observations leave out. */
const gen_selection *gen_model_latents(const gen_model *m);
const char *gen_model_algorithm(const gen_model *m);         /* "nuts" by default */
/* Whether a kernel was declared, and it (into *k). */
bool gen_model_kernel(const gen_model *m, gen_kernel *k);
/* The sequential steps: their count (0 when none was declared), the callback and payload. */
int64_t gen_model_smc(const gen_model *m, gen_model_step_fn *step, void **payload);
/* The summary's selection as declared, or NULL: the latents. */
const gen_selection *gen_model_summary(const gen_model *m);
/* Whether a reference was declared; *what and *value (either may be NULL) get it. */
bool gen_model_reference(const gen_model *m, const char **what, double *value);

#ifdef __cplusplus
}
#endif
#endif
