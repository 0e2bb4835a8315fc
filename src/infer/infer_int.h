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
/* What a kernel made from a NULL payload (gen_kernel_<kernel>(NULL)) does when applied:
 * GEN_ERR_MISUSE "gen_kernel_apply: the <kernel> kernel's payload is NULL", or naming
 * the payload's field (what) when what is not NULL. */
gen_status infer_kernel_null(const char *kernel, const char *what);
/* log U for U uniform in (0, 1) from key: the MH acceptance test is log U < alpha. */
double infer_log_uniform(gen_key key);

#endif
