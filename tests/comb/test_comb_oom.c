/* test_comb_oom.c — every combinator's operations with each allocation failing in turn
 * (CHECK_OOM): generate, update to new arguments constraining one choice (with its
 * discard), regenerate back to the first arguments, assess of the new trace's choices
 * (a lazy trace's built then) and project, for Map, Unfold, Scan, Switch, Mask, Mix,
 * Dimap and Recurse. New arguments grow the chains and Map (new steps / elements), then
 * the regenerate shrinks them (dropped ones); they switch branches. Each failing run
 * must end in GEN_ERR_OOM and leak nothing: the combinators' shared epilogue
 * (comb_finish.c) and the chain engine on every failure path. */
#include "../testutil/check.h"
#include "../testutil/oom.h"

/* x ~ N(args[0], 1); returns x */
static gen_status kernel(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    *retval = gen_choose(ctx, "x", gen_normal(args->v[0], gen_scalar(1)));
    return gen_ctx_status(ctx);
}

static gen_gf *k(void) { return gen_dynamic("k", kernel); }

/* The operations of f on the n arguments v, then new ones v2, moving the f64 choice at
 * path (made under both). */
static gen_status ops(const gen_gf *f, int n, gen_array **v, gen_array **v2, const char *path) {
    for (int j = 0; j < n; j++)
        if (!v[j] || !v2[j]) return gen_error_status();
    gen_args args = {n, v, NULL}, args2 = {n, v2, NULL};
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
    if (s == GEN_OK) s = gen_update(tr, gen_key_new(2), &args2, NULL, c, &t2, &w, &rd, &disc);
    if (s == GEN_OK) s = gen_regenerate(t2, gen_key_new(3), &args, NULL, sel, &t3, &w, &rd);
    const gen_choicemap *ch = s == GEN_OK ? gen_trace_choices(t3) : NULL;
    if (s == GEN_OK && !ch) s = gen_error_status();
    if (s == GEN_OK) s = gen_assess(f, &args, ch, &w, &ret);
    if (s == GEN_OK) s = gen_project(t3, sel, &w);
    return s;
}

static gen_array *vec(int n, const double *x) { return gen_array_from_f64(1, (int64_t[]){n}, x); }

static gen_status map_ops(void) {
    const double x[4] = {0.1, 0.2, 0.3, 0.4};
    return ops(gen_map(k()), 1, (gen_array *[]){vec(3, x)}, (gen_array *[]){vec(4, x)}, "1/x");
}

/* Unfold's kernel (t, state): x ~ N(state, 1), the next state */
static gen_status step(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    *retval = gen_choose(ctx, "x", gen_normal(args->v[1], gen_scalar(1)));
    return gen_ctx_status(ctx);
}

static gen_status unfold_ops(void) {
    gen_gf *s = gen_dynamic("step", step);
    return ops(s ? gen_unfold(s) : NULL, 2, (gen_array *[]){gen_scalar_i64(3), gen_scalar(0.5)},
               (gen_array *[]){gen_scalar_i64(5), gen_scalar(0.5)}, "1/x");
}

/* Scan's kernel (carry, x): z ~ N(carry + x, 1), returning (z, z) */
static gen_status scan_step(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *z = gen_choose(ctx, "z", gen_normal(gen_add(args->v[0], args->v[1]), gen_scalar(1)));
    *retval = gen_tuple(2, (gen_array *[]){z, z});
    return gen_ctx_status(ctx);
}

static gen_status scan_ops(void) {
    const double x[4] = {0.1, 0.2, 0.3, 0.4}, x2[4] = {0.1, 0.5, 0.3, 0.4};
    gen_gf *s = gen_dynamic("step", scan_step);
    return ops(s ? gen_scan(s) : NULL, 2, (gen_array *[]){gen_scalar(0.0), vec(3, x)},
               (gen_array *[]){gen_scalar(0.0), vec(4, x2)}, "1/z");
}

static gen_status switch_ops(void) {
    gen_gf *b[2] = {k(), k()};
    return ops(b[0] && b[1] ? gen_switch(2, (const gen_gf *const *)b) : NULL, 2,
               (gen_array *[]){gen_scalar_i64(1), gen_scalar(0.5)}, (gen_array *[]){gen_scalar_i64(0), gen_scalar(0.5)},
               "x");
}

static gen_status mask_ops(void) {
    return ops(gen_mask(k()), 2, (gen_array *[]){gen_scalar_bool(true), gen_scalar(0.5)},
               (gen_array *[]){gen_scalar_bool(true), gen_scalar(0.7)}, "x");
}

static gen_status mix_ops(void) {
    gen_gf *c[2] = {k(), k()};
    return ops(c[0] && c[1] ? gen_mix(2, (const gen_gf *const *)c) : NULL, 2,
               (gen_array *[]){vec(2, (double[]){0.0, 0.5}), gen_scalar(0.5)},
               (gen_array *[]){vec(2, (double[]){0.5, 0.0}), gen_scalar(0.7)}, "component/x");
}

static gen_status negate(void *payload, const gen_array *ret, gen_array **out) {
    (void)payload;
    *out = gen_neg(ret);
    return *out ? GEN_OK : gen_error_status();
}

static gen_status dimap_ops(void) {
    return ops(gen_dimap(k(), NULL, negate, NULL), 1, (gen_array *[]){gen_scalar(0.5)},
               (gen_array *[]){gen_scalar(0.7)}, "x");
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
    gen_gf *p = gen_dynamic("prod", prod), *a = gen_dynamic("agg", agg);
    return ops(p && a ? gen_recurse(p, a, 2) : NULL, 1, (gen_array *[]){gen_scalar(0.5)},
               (gen_array *[]){gen_scalar(0.2)}, "1/production/v");
}

static void test_out_of_memory(void) {
    CHECK_OOM(map_ops, 21);
    CHECK_OOM(unfold_ops, 21);
    CHECK_OOM(scan_ops, 21);
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
