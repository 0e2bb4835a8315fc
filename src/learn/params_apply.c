/* params_apply.c — gen_params_apply: one optimizer step over every parameter of a store
 * with its accumulated gradient, then the gradients zeroed; all or nothing. */
#include "../core/core.h"
#include "genc/train.h"

gen_status gen_params_apply(gen_params *s, gen_optimizer *o) {
    static const char fn[] = "gen_params_apply";
    if (!s || !o) return GEN_FAIL(GEN_ERR_MISUSE, "%s: %s is NULL", fn, !s ? "the store" : "the optimizer");
    int n = gen_params_count(s);
    if (n == 0) return GEN_OK;
    const char **names = core_calloc((size_t)n, sizeof *names);
    gen_array **values = core_calloc((size_t)n, sizeof *values);
    gen_array **grads = core_calloc((size_t)n, sizeof *grads);
    gen_status st = names && values && grads ? GEN_OK : GEN_ERR_OOM;
    /* the optimizer takes references we own outright (no scope) and replaces them */
    for (int i = 0; st == GEN_OK && i < n; i++) {
        names[i] = gen_params_name(s, i);
        values[i] = gen_array_retain((gen_array *)gen_params_value_at(s, i));
        grads[i] = gen_array_retain((gen_array *)gen_params_grad_at(s, i));
    }
    /* a store in use by gen_params_value_and_grad refuses changes: find out before the
     * optimizer's state moves (setting a gradient to itself changes nothing) */
    if (st == GEN_OK) st = gen_params_set_grad(s, names[0], grads[0]);
    if (st == GEN_OK) st = gen_optimizer_step(o, n, names, values, (const gen_array *const *)grads);
    /* on success values[] are the new arrays (the old references released by the step);
     * on failure the old ones, unchanged: release ours either way after storing */
    for (int i = 0; st == GEN_OK && i < n; i++) st = gen_params_set_value(s, names[i], values[i]);
    if (st == GEN_OK) st = gen_params_zero_grads(s);
    for (int i = 0; values && i < n; i++) gen_array_release(values[i]);
    for (int i = 0; grads && i < n; i++) gen_array_release(grads[i]);
    core_free(names, (size_t)n * sizeof *names);
    core_free(values, (size_t)n * sizeof *values);
    core_free(grads, (size_t)n * sizeof *grads);
    return st;
}
