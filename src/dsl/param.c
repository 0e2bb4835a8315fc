/* param.c — trainable parameters in model bodies (gen_param) and the dynamic functions
 * bound to a parameter store (gen_dynamic_params, in dynamic.c). A read goes through
 * the store's overrides (src/gfi/params_int.h), so under gen_params_value_and_grad the
 * body computes with the transform's inputs and the gradient reaches the store. */
#include "dsl_int.h"
#include "../array/autodiff_int.h"
#include "../gfi/params_int.h"

gen_array *gen_param(gen_ctx *ctx, const char *name) {
    static const gen_addr nowhere = {0, {{0}}}; /* the message names the function */
    if (!ctx) {
        GEN_FAIL(GEN_ERR_MISUSE, "gen_param: the context is NULL");
        return NULL;
    }
    if (ctx->status != GEN_OK) return NULL;
    const char *fname = ctx->fname ? ctx->fname : "(unnamed)";
    if (!name) {
        GEN_FAIL(GEN_ERR_MISUSE, "%s: gen_param: the parameter name is NULL", fname);
        return dsl_fail_at(ctx, &nowhere);
    }
    if (!ctx->params) {
        GEN_FAIL(GEN_ERR_MISUSE, "%s: gen_param: '%s': the function has no parameter store (make it with "
                 "gen_dynamic_params)", fname, name);
        return dsl_fail_at(ctx, &nowhere);
    }
    int i = gfi_params_find(ctx->params, name);
    if (i < 0) {
        GEN_FAIL(GEN_ERR_VALUE, "%s: gen_param: the parameter store has no parameter '%s'", fname, name);
        return dsl_fail_at(ctx, &nowhere);
    }
    /* A compiled graph would hold today's value as a constant: the run stays dynamic. */
    if (CORE_UNLIKELY(ad_capture_depth)) ad_capture_refuse_all("gen_param (a parameter store's value)");
    return (gen_array *)gfi_params_read_at(ctx->params, i);
}
