/* genc.h — GenC, Gen's probabilistic programming system in C.
 *
 * The layers, in order, each a header using only those above it in this list:
 *   genc/core.h      status codes, error messages, the allocator hook, scopes
 *   genc/array.h     n-d arrays, broadcasting, elementwise math, reductions, shapes,
 *                    linear algebra, batched mode (a leading particle axis)
 *   genc/autodiff.h  vjp, grad, value_and_grad, jvp, custom VJPs
 *   genc/random.h    splittable counter-based keys and raw draws
 *   genc/dist.h      distributions, supports and bijections, constructors (the modeling
 *                    library)
 *   genc/choice.h    addresses, interned symbols, choice maps and selections
 *   genc/params.h    parameter stores (trainable named arrays with gradients, JSON),
 *                    gen_params_value_and_grad
 *   genc/gfi.h       generative functions, traces, diffs, edit requests and the GFI
 *                    operations (scalar and batched)
 *   genc/gf_impl.h   implementing a new kind of generative function (the GFI vtable),
 *                    distributions as generative functions use it through genc/dsl.h
 *   genc/dsl.h       the dynamic modeling language (model bodies in C)
 *   genc/comb.h      combinators: Map, Unfold, Scan, Switch, Mask, Mix, Dimap, Recurse
 *   genc/infer.h     inference: importance sampling, resampling, MH (selections, custom
 *                    proposals, involutive, reversible jump), HMC, MALA, NUTS, the
 *                    posterior mode, elliptical slice, Gibbs, enumeration, kernels, chains
 *   genc/filter.h    exact filters: Kalman filter, smoother and path sampler of
 *                    linear-Gaussian models; forward algorithm, smoother, FFBS and
 *                    Viterbi of discrete HMMs (host arrays, log space)
 *   genc/smc.h       sequential Monte Carlo: the particle filter object (init, step,
 *                    resample, rejuvenate, log marginal likelihood, ESS)
 *   genc/pmcmc.h     particle MCMC: conditional SMC, particle Gibbs, PMMH for the
 *                    static parameters of state-space models
 *   genc/adev.h      programmable variational inference (ADEV): gradient strategies,
 *                    unbiased gradient estimates, ELBO / IWELBO / VIMCO, black-box VI
 *   genc/compile.h   compiled inference: the switch (targets use compiled code by
 *                    default; gen_target_compile_note in genc/infer.h says why not)
 *   genc/nn.h        neural-network blocks: activations, dense layers, the MLP as a
 *                    deterministic generative function with parameters in a store
 *   genc/train.h     training: gen_params_apply, gen_train (Gen.jl's train!), wake-sleep
 *                    (gen_lecture, gen_lecture_batched, gen_wake)
 *   genc/diag.h      MCMC diagnostics: ESS, R-hat, MCSE, summary tables (over arrays of
 *                    draws, so it needs only genc/array.h)
 *   genc/draws.h     draws as CSV files (tools layer): written with Stan's column names,
 *                    read back exactly, and CmdStan's output CSV read
 *   genc/report.h    a self-contained HTML report of a run (tools layer): trace plots,
 *                    densities, pair plots, the ESS/R-hat table, series, text and tables
 * Under genc/array.h sits the backend that runs the ops (src/backend: the CPU today);
 * it has no public header.
 *
 * Where the key goes. Randomness comes only from a gen_key argument (genc/random.h), and
 * every public signature places it by one rule: the key comes right after the object the
 * call acts on, its first argument — a distribution (gen_dist_sample(d, key, ...)), a
 * generative function (gen_simulate(f, key, args, ...), gen_importance_sampling(model,
 * key, args, ...)), a trace (gen_update(tr, key, ...), gen_mh_select(tr, key, sel, ...),
 * gen_hmc(tr, key, sel, ...)) or a kernel (gen_kernel_apply(k, key, tr, ...),
 * gen_run_chain(k, key, init, ...), gen_run_chains(k, key, n_chains, inits, ...): the
 * chains are the kernel's, so the kernel is the object; a kernel function receives its
 * payload, the kernel's state, then the key). A call that acts on no one object takes the
 * key first: raw draws (gen_random_normal(key, ...)), gen_key_split, gen_key_fold_in,
 * gen_resample(key, log_weights, ...) and gen_nuts_sample(key, n_chains, inits, ...),
 * which runs several chains over several traces with no kernel value.
 *
 * docs/tutorial.md walks through a first model and its inference; the rest of docs/
 * records the design choices behind the layers. */
#ifndef GENC_H
#define GENC_H

#include "genc/core.h"
#include "genc/array.h"
#include "genc/autodiff.h"
#include "genc/random.h"
#include "genc/dist.h"
#include "genc/choice.h"
#include "genc/params.h"
#include "genc/gfi.h"
#include "genc/gf_impl.h"
#include "genc/dsl.h"
#include "genc/comb.h"
#include "genc/infer.h"
#include "genc/filter.h"
#include "genc/smc.h"
#include "genc/pmcmc.h"
#include "genc/adev.h"
#include "genc/compile.h"
#include "genc/diag.h"
#include "genc/learn.h"
#include "genc/vi.h"
#include "genc/nn.h"
#include "genc/train.h"
#include "genc/data.h"
#include "genc/draws.h"
#include "genc/model.h"
#include "genc/report.h"

#define GENC_VERSION_MAJOR 0
#define GENC_VERSION_MINOR 1

#endif
