/* infer_int.h — what the inference files share (prefix infer_). */
#ifndef GENC_SRC_INFER_INT_H
#define GENC_SRC_INFER_INT_H

#include "../core/core.h"
#include "genc/autodiff.h"
#include "genc/choice.h"
#include "genc/gfi.h"
#include "genc/infer.h"
#include "genc/random.h"

/* The pending error, or GEN_ERR_OOM. */
static inline gen_status infer_pending(void) {
    return core_error_pending() ? core_error_pending() : GEN_ERR_OOM;
}
/* The pending error for a NULL argument, or GEN_ERR_MISUSE "fn: what is NULL". */
static inline gen_status infer_null(const char *fn, const char *what) {
    return core_error_pending() ? core_error_pending() : GEN_FAIL(GEN_ERR_MISUSE, "%s: %s is NULL", fn, what);
}
/* Whether the failure s of a model run at a proposed point is the model rejecting that
 * point (reject.c): the reason, with the error cleared (its message first copied to msg,
 * n bytes, when msg is not NULL); GEN_DIVERGENCE_NONE for an error that must propagate
 * (the error kept). */
gen_divergence infer_rejection(gen_status s, char *msg, size_t n);
/* A phrase for a reason, for messages ("a non-finite gradient"). */
const char *infer_divergence_name(gen_divergence why);
/* log U for U uniform in (0, 1) from key: the MH acceptance test is log U < alpha. */
double infer_log_uniform(gen_key key);

#endif
