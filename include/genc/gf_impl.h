/* genc/gf_impl.h — implementing a new kind of generative function in C.
 * (Draft: the evaluation state; the vtable follows.) */
#ifndef GENC_GF_IMPL_H
#define GENC_GF_IMPL_H

#include "genc/dist.h"
#include "genc/gfi.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gen_eval gen_eval;

enum { GEN_EVAL_NORMAL = 0, GEN_EVAL_FORWARD = 1, GEN_EVAL_INVERSE = 2, GEN_EVAL_SUPPORT = 3 };

int gen_eval_mode(const gen_eval *ev);
gen_status gen_eval_choice(gen_eval *ev, const gen_addr *a, const gen_dist *d, const gen_array *given,
                           gen_array **value, gen_array **logpdf);

#ifdef __cplusplus
}
#endif
#endif
