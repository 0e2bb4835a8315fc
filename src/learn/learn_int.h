/* learn_int.h — what the learning files share (prefix learn_). */
#ifndef GENC_SRC_LEARN_INT_H
#define GENC_SRC_LEARN_INT_H

#include "../core/core.h"
#include "genc/learn.h"

/* One optimizer step on host doubles (optim.c; what gen_optimizer_step does once its
 * arrays are read): parameter i is names[i] with size[i] doubles at theta[i], updated in
 * place, and its gradient at grad[i], which the step may overwrite (clipping). fn names
 * the caller in messages. Validates everything (distinct names, sizes that match the
 * state, finite gradients) before changing anything. */
gen_status learn_optim_step(gen_optimizer *o, const char *fn, int n, const char *const *names, double *const *theta,
                            double *const *grad, const int64_t *size);

#endif
