/* train_stack.c — a minibatch of training examples as one batched run: the examples'
 * arguments and constraint values stacked on a leading particle axis. */
#include <string.h>

#include "train_int.h"

typedef struct stack_ctx {
    const char *fn;
    train_example *const *ex;
    int64_t m;
    gen_array **vals; /* m slots */
    gen_choicemap_builder *b;
} stack_ctx;

static gen_status stack_value(void *ud, const gen_addr *addr, const gen_array *value) {
    stack_ctx *c = ud;
    (void)value;
    char where[GEN_ADDR_FORMAT_MAX];
    for (int64_t j = 0; j < c->m; j++) {
        c->vals[j] = (gen_array *)gen_choicemap_find(c->ex[j]->cm, addr);
        if (!c->vals[j]) {
            gen_addr_format(addr, where, sizeof where);
            return GEN_FAIL(GEN_ERR_VALUE, "%s: example %lld has no constraint at %s, example 0 has", c->fn,
                            (long long)j, where);
        }
    }
    gen_array *s = gen_batched(gen_stack((int)c->m, c->vals, 0));
    if (!s) {
        gen_addr_format(addr, where, sizeof where);
        core_error_prefix("%s: stacking the examples' constraints at %s", c->fn, where);
        return core_error_pending();
    }
    return gen_choicemap_builder_set(c->b, addr, s);
}

gen_status train_stack(const char *fn, train_example *const *ex, int64_t m, gen_array **inputs, gen_choicemap **cm) {
    *cm = NULL;
    if (m > INT32_MAX) return GEN_FAIL(GEN_ERR_VALUE, "%s: %lld examples are too many to stack", fn, (long long)m);
    int n_in = ex[0]->n_in;
    int64_t count = gen_choicemap_count(ex[0]->cm);
    for (int64_t j = 1; j < m; j++) {
        if (ex[j]->n_in != n_in)
            return GEN_FAIL(GEN_ERR_VALUE, "%s: example %lld has %d inputs, example 0 has %d", fn, (long long)j,
                            ex[j]->n_in, n_in);
        if (gen_choicemap_count(ex[j]->cm) != count)
            return GEN_FAIL(GEN_ERR_VALUE, "%s: example %lld has %lld constraints, example 0 has %lld", fn,
                            (long long)j, (long long)gen_choicemap_count(ex[j]->cm), (long long)count);
    }
    gen_array **vals = core_alloc((size_t)m * sizeof *vals);
    if (!vals) return GEN_ERR_OOM;
    gen_status st = GEN_OK;
    for (int i = 0; st == GEN_OK && i < n_in; i++) {
        for (int64_t j = 0; j < m; j++) vals[j] = ex[j]->in[i];
        inputs[i] = gen_batched(gen_stack((int)m, vals, 0));
        if (!inputs[i]) {
            core_error_prefix("%s: stacking the examples' input %d", fn, i);
            st = core_error_pending();
        }
    }
    gen_choicemap_builder *b = st == GEN_OK ? gen_choicemap_builder_new() : NULL;
    if (st == GEN_OK && !b) st = GEN_FAIL(GEN_ERR_OOM, "%s: out of memory", fn);
    if (st == GEN_OK) {
        stack_ctx c = {fn, ex, m, vals, b};
        st = gen_choicemap_foreach(ex[0]->cm, stack_value, &c);
    }
    if (st == GEN_OK) {
        *cm = gen_choicemap_builder_finish(b);
        if (!*cm) st = core_error_pending() ? core_error_pending() : GEN_ERR_INTERNAL;
    }
    gen_choicemap_builder_free(b);
    core_free(vals, (size_t)m * sizeof *vals);
    return st;
}
