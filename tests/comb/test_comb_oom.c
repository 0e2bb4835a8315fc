/* test_comb_oom.c — every combinator's operations with each allocation failing in turn
 * (CHECK_OOM): generate, update constraining one choice (with its discard), regenerate
 * of it, assess of the new trace's choices and project, for Map, Switch, Mask, Mix,
 * Dimap and Recurse: each failing run ends in GEN_ERR_OOM and leaks nothing (the
 * combinators' shared epilogue, comb_finish.c, on every failure path). Unfold and Scan
 * have their own in test_unfold.c and test_scan.c. */
#include "../testutil/check.h"
#include "../testutil/oom.h"

/* x ~ N(args[0], 1); returns x */
static gen_status kernel(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    *retval = gen_choose(ctx, "x", gen_normal(args->v[0], gen_scalar(1)));
    return gen_ctx_status(ctx);
}

static gen_gf *k(void) { return gen_dynamic("k", kernel); }

/* The operations of f on the n arguments v, moving the f64 choice at path. */
static gen_status ops(const gen_gf *f, int n, gen_array **v, const char *path) {
    for (int j = 0; j < n; j++)
        if (!v[j]) return gen_error_status();
    gen_args args = {n, v, NULL};
    gen_addr a;
    gen_status s = f ? gen_addr_parse(&a, path) : gen_error_status();
    gen_choicemap *c = s == GEN_OK ? gen_choicemap_set(gen_choicemap_empty(), &a, gen_scalar(0.3)) : NULL;
    gen_selection *sel = c ? gen_select(1, &a) : NULL;
    gen_trace *tr = NULL, *t2 = NULL, *t3 = NULL;
    gen_array *w = NULL, *ret = NULL;
    gen_choicemap *disc = NULL;
    gen_diff rd;
    if (s == GEN_OK && !sel) s = gen_error_status();
    if (s == GEN_OK) s = gen_simulate(f, gen_key_new(1), &args, &tr);
    if (s == GEN_OK) s = gen_update(tr, gen_key_new(2), &args, NULL, c, &t2, &w, &rd, &disc);
    if (s == GEN_OK) s = gen_regenerate(t2, gen_key_new(3), &args, NULL, sel, &t3, &w, &rd);
    const gen_choicemap *ch = s == GEN_OK ? gen_trace_choices(t3) : NULL;
    if (s == GEN_OK && !ch) s = gen_error_status();
    if (s == GEN_OK) s = gen_assess(f, &args, ch, &w, &ret);
    if (s == GEN_OK) s = gen_project(t3, sel, &w);
    return s;
}

static gen_status map_ops(void) {
    gen_array *v[1] = {gen_array_from_f64(GEN_DIMS(3), (double[]){0.1, 0.2, 0.3})};
    return ops(gen_map(k()), 1, v, "1/x");
}

static gen_status switch_ops(void) {
    gen_gf *b[2] = {k(), k()};
    gen_array *v[2] = {gen_scalar_i64(1), gen_scalar(0.5)};
    return ops(b[0] ? gen_switch(2, (const gen_gf *const *)b) : NULL, 2, v, "x");
}

static gen_status mask_ops(void) {
    gen_array *v[2] = {gen_scalar_bool(true), gen_scalar(0.5)};
    return ops(gen_mask(k()), 2, v, "x");
}

static gen_status mix_ops(void) {
    gen_gf *c[2] = {k(), k()};
    gen_array *v[2] = {gen_array_from_f64(GEN_DIMS(2), (double[]){0.0, 0.5}), gen_scalar(0.5)};
    return ops(c[0] ? gen_mix(2, (const gen_gf *const *)c) : NULL, 2, v, "component/x");
}

static gen_status negate(void *payload, const gen_array *ret, gen_array **out) {
    (void)payload;
    *out = gen_neg(ret);
    return *out ? GEN_OK : gen_error_status();
}

static gen_status dimap_ops(void) {
    gen_array *v[1] = {gen_scalar(0.5)};
    return ops(gen_dimap(k(), NULL, negate, NULL), 1, v, "x");
}

/* a node: v ~ N(x, 1) with two children of input x + 1 while x < 1; aggregated as
 * s ~ N(v + the children's s, 1) */
static gen_status prod(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *x = args->v[0], *v = gen_choose(ctx, "v", gen_normal(x, gen_scalar(1)));
    double xv = 0;
    if (!v || gen_item(x, &xv) != GEN_OK) return gen_ctx_status(ctx);
    gen_array *x1 = gen_add(x, gen_scalar(1)), *none = gen_scalar(0);
    gen_array *kids[2] = {x1, x1};
    *retval = gen_tuple(2, (gen_array *[]){v, xv < 1 ? gen_tuple(2, kids) : gen_tuple(0, &none)});
    return gen_ctx_status(ctx);
}

static gen_status agg(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *m = args->v[0];
    for (int c = 0; c < gen_tuple_size(args->v[1]); c++) m = gen_add(m, gen_tuple_get(args->v[1], c));
    *retval = gen_choose(ctx, "s", gen_normal(m, gen_scalar(1)));
    return gen_ctx_status(ctx);
}

static gen_status recurse_ops(void) {
    gen_array *v[1] = {gen_scalar(0.5)};
    gen_gf *p = gen_dynamic("prod", prod), *a = gen_dynamic("agg", agg);
    return ops(p && a ? gen_recurse(p, a, 2) : NULL, 1, v, "1/production/v");
}

static void test_out_of_memory(void) {
    CHECK_OOM(map_ops, 21);
    CHECK_OOM(switch_ops, 21);
    CHECK_OOM(mask_ops, 21);
    CHECK_OOM(mix_ops, 21);
    CHECK_OOM(dimap_ops, 21);
    CHECK_OOM(recurse_ops, 21);
}

int main(void) {
    RUN(test_out_of_memory);
    return check_finish();
}
