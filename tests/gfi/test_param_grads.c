/* test_param_grads.c — the GFI's gradient operations: gen_choice_gradients and
 * gen_accumulate_param_gradients on small models against hand-derived gradients and
 * central finite differences of gen_assess; retgrad and scale honoured; batched traces
 * (the sum of the particles' scalar results); parameters inside a Map kernel and a
 * callee, an Unfold kernel (also after an update that reruns only the last step) and a
 * Switch branch (also after an update that changes the branch); choices of positive
 * support (gradients in constrained space, no Jacobian); argument-gradient annotations; a custom-gradient generative function inside
 * a model (scalar and batched); parameters in every GFI operation (values read when the
 * operation runs, also after a change of the store, also on the compiled path); and the
 * errors. */
#include <math.h>

#include "../testutil/check.h"

static gen_params *S;
static gen_addr XA, YA;

/* mu, log_s parameters; a the argument:
 *   x ~ N(mu a, exp(log_s)),  y ~ N(x, 1),  returns 2 x */
static gen_status model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *mu = gen_param(ctx, "mu"), *ls = gen_param(ctx, "log_s");
    gen_array *x = gen_choose(ctx, "x", gen_normal(gen_mul(mu, args->v[0]), gen_exp(ls)));
    gen_choose(ctx, "y", gen_normal(x, gen_scalar(1)));
    *retval = gen_mul(gen_scalar(2), x);
    return gen_ctx_status(ctx);
}

typedef struct point {
    double mu, ls, a, x, y;
} point;

/* log p at a point: through gen_assess with a store of its own (the reference for the
 * finite differences) */
static double logp_at(gen_gf *f, const point *p) {
    gen_scope_begin();
    gen_params *s = gen_params_new();
    gen_params_init(s, "mu", gen_scalar(p->mu));
    gen_params_init(s, "log_s", gen_scalar(p->ls));
    gen_gf *g = gen_dynamic_params("model", model, s);
    (void)f;
    gen_choicemap *cm = gen_choicemap_set(gen_choicemap_set(gen_choicemap_empty(), &XA, gen_scalar(p->x)), &YA, gen_scalar(p->y));
    gen_array *w = NULL, *a[1] = {gen_scalar(p->a)};
    gen_assess(g, &(gen_args){1, a, NULL}, cm, &w, NULL);
    double v = check_item(w);
    gen_scope_end();
    gen_params_free(s);
    return v;
}

/* central difference of logp_at along field k of the point */
static double fd(gen_gf *f, point p, int k) {
    double *v = &p.mu + k, x0 = *v, h = 1e-6 * fmax(1, fabs(x0));
    *v = x0 + h;
    double up = logp_at(f, &p);
    *v = x0 - h;
    double down = logp_at(f, &p);
    return (up - down) / (2 * h);
}

static gen_trace *trace_at(gen_gf *f, const point *p) {
    gen_choicemap *cm = gen_choicemap_set(gen_choicemap_set(gen_choicemap_empty(), &XA, gen_scalar(p->x)), &YA, gen_scalar(p->y));
    gen_array *a[1] = {gen_scalar(p->a)};
    gen_trace *tr = NULL;
    CHECK_OK(gen_generate(f, (gen_key){{1, 2}}, &(gen_args){1, a, NULL}, cm, &tr, NULL));
    return tr;
}

static void set_params(const point *p) {
    gen_params_init(S, "mu", gen_scalar(p->mu));
    gen_params_init(S, "log_s", gen_scalar(p->ls));
}

static void test_hand_and_fd(void) {
    point p = {0.8, -0.3, 1.7, 0.4, -0.9};
    set_params(&p);
    gen_gf *f = gen_dynamic_params("model", model, S);
    gen_trace *tr = trace_at(f, &p);
    double s2 = exp(2 * p.ls), r = p.x - p.mu * p.a;
    double d_mu = r / s2 * p.a, d_ls = -1 + r * r / s2, d_a = r / s2 * p.mu;
    double d_x = -r / s2 + (p.y - p.x), d_y = -(p.y - p.x);
    /* choice_gradients, no retgrad */
    gen_selection *sel = gen_select_paths(2, (const char *[]){"x", "y"});
    gen_array *ag[1] = {NULL};
    gen_choicemap *vals = NULL, *grads = NULL;
    CHECK_OK(gen_choice_gradients(tr, sel, NULL, ag, &vals, &grads));
    CHECK_CLOSE(check_item(gen_choicemap_get_value(grads, &XA)), d_x, 1e-12);
    CHECK_CLOSE(check_item(gen_choicemap_get_value(grads, &YA)), d_y, 1e-12);
    CHECK(check_item(gen_choicemap_get_value(vals, &XA)) == p.x && check_item(gen_choicemap_get_value(vals, &YA)) == p.y);
    CHECK(gen_choicemap_count(grads) == 2 && gen_choicemap_count(vals) == 2);
    CHECK_CLOSE(check_item(ag[0]), d_a, 1e-12);
    /* against finite differences of gen_assess (fields: mu 0, log_s 1, a 2, x 3, y 4) */
    CHECK_CLOSE(check_item(gen_choicemap_get_value(grads, &XA)), fd(f, p, 3), 1e-7);
    CHECK_CLOSE(check_item(gen_choicemap_get_value(grads, &YA)), fd(f, p, 4), 1e-7);
    CHECK_CLOSE(check_item(ag[0]), fd(f, p, 2), 1e-7);
    /* retgrad r on the return value 2x adds 2r to d/dx only */
    gen_selection *sx = gen_select_paths(1, (const char *[]){"x"});
    CHECK_OK(gen_choice_gradients(tr, sx, gen_scalar(0.3), ag, &vals, &grads));
    CHECK_CLOSE(check_item(gen_choicemap_get_value(grads, &XA)), d_x + 0.6, 1e-12);
    CHECK(gen_choicemap_count(grads) == 1 && !gen_choicemap_has_value(grads, &YA));
    CHECK_CLOSE(check_item(ag[0]), d_a, 1e-12);
    /* outputs not wanted */
    CHECK_OK(gen_choice_gradients(tr, sx, NULL, NULL, NULL, NULL));
    /* the store's gradients are untouched by choice_gradients */
    CHECK(check_item(gen_params_grad(S, "mu")) == 0);

    /* accumulate_param_gradients: scale * gradient added, arg grads unscaled */
    CHECK_OK(gen_accumulate_param_gradients(tr, S, NULL, 0.5, ag));
    CHECK_CLOSE(check_item(gen_params_grad(S, "mu")), 0.5 * d_mu, 1e-12);
    CHECK_CLOSE(check_item(gen_params_grad(S, "log_s")), 0.5 * d_ls, 1e-12);
    CHECK_CLOSE(check_item(ag[0]), d_a, 1e-12);
    CHECK_CLOSE(d_mu, fd(f, p, 0), 1e-7);
    CHECK_CLOSE(d_ls, fd(f, p, 1), 1e-7);
    CHECK_OK(gen_accumulate_param_gradients(tr, S, NULL, 1.5, NULL)); /* accumulates */
    CHECK_CLOSE(check_item(gen_params_grad(S, "mu")), 2 * d_mu, 1e-12);
    /* retgrad: the return value 2x does not depend on the parameters here */
    CHECK_OK(gen_params_zero_grads(S));
    CHECK_OK(gen_accumulate_param_gradients(tr, S, gen_scalar(10), 1, NULL));
    CHECK_CLOSE(check_item(gen_params_grad(S, "mu")), d_mu, 1e-12);
    CHECK_OK(gen_params_zero_grads(S));
}

/* mu parameter: x ~ N(0, 1), returns mu * x^2 (a return value that depends on a
 * parameter and a choice: retgrad matters for both gradients) */
static gen_status ret_model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *x = gen_choose(ctx, "x", gen_normal(gen_scalar(0), gen_scalar(1)));
    *retval = gen_mul(gen_param(ctx, "mu"), gen_square(x));
    return gen_ctx_status(ctx);
}

static void test_retgrad(void) {
    gen_params_init(S, "mu", gen_scalar(0.9));
    gen_gf *f = gen_dynamic_params("ret_model", ret_model, S);
    double x = 1.3, r = -0.7;
    gen_trace *tr = NULL;
    CHECK_OK(gen_generate(f, (gen_key){{3, 4}}, NULL, gen_choicemap_set(gen_choicemap_empty(), &XA, gen_scalar(x)), &tr, NULL));
    CHECK_OK(gen_accumulate_param_gradients(tr, S, gen_scalar(r), 2.0, NULL));
    CHECK_CLOSE(check_item(gen_params_grad(S, "mu")), 2.0 * r * x * x, 1e-12);
    gen_choicemap *g = NULL;
    CHECK_OK(gen_choice_gradients(tr, gen_select_all(), gen_scalar(r), NULL, NULL, &g));
    CHECK_CLOSE(check_item(gen_choicemap_get_value(g, &XA)), -x + r * 0.9 * 2 * x, 1e-12);
    /* errors: a retgrad of another shape; a retgrad for a function returning nothing */
    CHECK(gen_choice_gradients(tr, gen_select_all(), gen_zeros(GEN_F64, GEN_DIMS(2)), NULL, NULL, &g) == GEN_ERR_SHAPE);
    CHECK_ERROR(GEN_ERR_SHAPE, "gen_choice_gradients: ret_model: retgrad has shape [2], the return value []");
    CHECK(gen_accumulate_param_gradients(tr, S, gen_zeros(GEN_F64, GEN_DIMS(2)), 1, NULL) == GEN_ERR_SHAPE);
    CHECK_ERROR(GEN_ERR_SHAPE, "gen_accumulate_param_gradients: ret_model: retgrad has shape [2]");
    CHECK_OK(gen_params_zero_grads(S));
}

/* a discrete choice */
static gen_status coin_model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args, (void)retval;
    gen_array *n = gen_choose(ctx, "n", gen_poisson(gen_scalar(3)));
    gen_choose(ctx, "x", gen_normal(gen_cast(n, GEN_F64), gen_scalar(1)));
    return gen_ctx_status(ctx);
}

static void test_errors(void) {
    gen_gf *f = gen_dynamic("coin_model", coin_model);
    gen_trace *tr = NULL;
    CHECK_OK(gen_simulate(f, (gen_key){{5, 6}}, NULL, &tr));
    gen_choicemap *g = NULL, *v = NULL;
    CHECK(gen_choice_gradients(tr, gen_select_all(), NULL, NULL, &v, &g) == GEN_ERR_DTYPE);
    CHECK_ERROR(GEN_ERR_DTYPE, "gen_choice_gradients: coin_model: the selected choice at n is discrete (i64)");
    CHECK(v == NULL && g == NULL);
    CHECK_OK(gen_choice_gradients(tr, gen_select_paths(1, (const char *[]){"x"}), NULL, NULL, &v, &g));
    CHECK(gen_trace_retval(tr) == NULL);
    CHECK(gen_choice_gradients(tr, gen_select_all(), gen_scalar(1), NULL, &v, &g) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "retgrad given, but the trace has no return value");
    CHECK(gen_accumulate_param_gradients(tr, NULL, NULL, 1, NULL) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "the store is NULL");
    CHECK(gen_accumulate_param_gradients(tr, S, NULL, INFINITY, NULL) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "the scale must be finite");
    /* gen_param: a missing parameter names the function and the parameter; a function with no store */
    gen_params *empty = gen_params_new();
    gen_trace *t2 = NULL;
    CHECK(gen_simulate(gen_dynamic_params("model", model, empty), (gen_key){{1, 1}}, (&(gen_args){1, (gen_array *[]){gen_scalar(1)}, NULL}), &t2) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "model: gen_param: the parameter store has no parameter 'mu'");
    CHECK(gen_simulate(gen_dynamic("plain", model), (gen_key){{1, 1}}, (&(gen_args){1, (gen_array *[]){gen_scalar(1)}, NULL}), &t2) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "plain: gen_param: 'mu': the function has no parameter store");
    CHECK(gen_dynamic_params("m", model, NULL) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_dynamic_params: the store is NULL");
    gen_params_free(empty);
}

/* ---- batched ---- */

static void test_batched(void) {
    point p = {0.8, -0.3, 1.7, 0, 0};
    set_params(&p);
    gen_gf *f = gen_dynamic_params("model", model, S);
    const int64_t n = 5;
    gen_trace *tb = NULL;
    gen_array *a[1] = {gen_scalar(p.a)};
    CHECK_OK(gen_simulate_batched(f, (gen_key){{7, 8}}, n, &(gen_args){1, a, NULL}, &tb));
    gen_array *rg = gen_batched(gen_linspace(-1, 1, n)); /* a retgrad per particle */
    gen_array *agb[1] = {NULL};
    CHECK_OK(gen_accumulate_param_gradients(tb, S, rg, 0.25, agb));
    double gmu = check_item(gen_params_grad(S, "mu")), gls = check_item(gen_params_grad(S, "log_s"));
    gen_choicemap *gb = NULL;
    gen_array *agc[1] = {NULL};
    CHECK_OK(gen_choice_gradients(tb, gen_select_all(), rg, agc, NULL, &gb));
    CHECK_SHAPE(gen_choicemap_get_value(gb, &XA), 5);
    CHECK(gen_array_is_batched(gen_choicemap_get_value(gb, &XA)));
    /* the sum of the particles' scalar traces */
    CHECK_OK(gen_params_zero_grads(S));
    double sum_a = 0;
    const double *gx = gen_array_data(gen_choicemap_get_value(gb, &XA));
    for (int64_t i = 0; i < n; i++) {
        gen_trace *ti = NULL;
        CHECK_OK(gen_generate(f, (gen_key){{0, 0}}, &(gen_args){1, a, NULL}, gen_choicemap_particle(gen_trace_choices(tb), i), &ti, NULL));
        gen_array *ri = gen_scalar(-1 + 2.0 * (double)i / (double)(n - 1)), *ai[1] = {NULL};
        CHECK_OK(gen_accumulate_param_gradients(ti, S, ri, 0.25, ai));
        sum_a += check_item(ai[0]);
        gen_choicemap *gi = NULL;
        CHECK_OK(gen_choice_gradients(ti, gen_select_all(), ri, NULL, NULL, &gi));
        CHECK_CLOSE(gx[i], check_item(gen_choicemap_get_value(gi, &XA)), 1e-12);
    }
    CHECK_CLOSE(gmu, check_item(gen_params_grad(S, "mu")), 1e-12);
    CHECK_CLOSE(gls, check_item(gen_params_grad(S, "log_s")), 1e-12);
    CHECK_CLOSE(check_item(agb[0]), sum_a, 1e-12);
    CHECK_CLOSE(check_item(agc[0]), sum_a, 1e-12);
    CHECK_OK(gen_params_zero_grads(S));
}

/* ---- a Map kernel and a callee with parameters ---- */

/* kernel: x ~ N(w z, 1) with w a parameter, z the element */
static gen_status kernel(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    *retval = gen_choose(ctx, "x", gen_normal(gen_mul(gen_param(ctx, "w"), args->v[0]), gen_scalar(1)));
    return gen_ctx_status(ctx);
}

static gen_gf *MAPPED;

/* calls the Map at "m" on z, then y ~ N(b, 1) with b a parameter of the caller's store */
static gen_status outer(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)retval;
    gen_call(ctx, "m", MAPPED, args);
    gen_choose(ctx, "y", gen_normal(gen_param(ctx, "b"), gen_scalar(1)));
    return gen_ctx_status(ctx);
}

static void test_map_kernel(void) {
    gen_params_init(S, "w", gen_scalar(0.6));
    gen_params *s2 = gen_params_new();
    gen_params_init(s2, "b", gen_scalar(-0.2));
    MAPPED = gen_map(gen_dynamic_params("kernel", kernel, S));
    gen_gf *f = gen_dynamic_params("outer", outer, s2);
    double z[3] = {1, -2, 0.5};
    gen_array *a[1] = {gen_array_from_f64(GEN_DIMS(3), z)};
    gen_trace *tr = NULL;
    CHECK_OK(gen_simulate(f, (gen_key){{9, 9}}, &(gen_args){1, a, NULL}, &tr));
    double want = 0, dz[3];
    for (int i = 0; i < 3; i++) {
        gen_addr xi = {3, {gen_part_name("m"), gen_part_int(i), gen_part_name("x")}};
        double x = check_item(gen_trace_value(tr, &xi));
        want += (x - 0.6 * z[i]) * z[i];
        dz[i] = (x - 0.6 * z[i]) * 0.6;
    }
    gen_array *ag[1] = {NULL};
    CHECK_OK(gen_accumulate_param_gradients(tr, S, NULL, 1, ag));
    CHECK_CLOSE(check_item(gen_params_grad(S, "w")), want, 1e-12);
    CHECK_ARRAY(ag[0], dz, 3, 1e-12, 0);
    /* the other store: only b */
    CHECK_OK(gen_accumulate_param_gradients(tr, s2, NULL, 1, NULL));
    double y = check_item(gen_trace_value(tr, &YA));
    CHECK_CLOSE(check_item(gen_params_grad(s2, "b")), y + 0.2, 1e-12);
    CHECK_CLOSE(check_item(gen_params_grad(S, "w")), want, 1e-12); /* unchanged */
    CHECK_OK(gen_params_zero_grads(S));
    gen_params_free(s2);
}

/* ---- an Unfold kernel and a Switch branch with parameters ---- */

static int STEP_RUNS; /* kernel body executions */

/* kernel (t, state): x ~ N(w state, exp(log_s)), y ~ N(c x, 1) with w, log_s, c
 * parameters of S; returns x, the next state */
static gen_status ss_step(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    STEP_RUNS++;
    gen_array *w = gen_param(ctx, "w"), *ls = gen_param(ctx, "log_s"), *c = gen_param(ctx, "c");
    gen_array *x = gen_choose(ctx, "x", gen_normal(gen_mul(w, args->v[1]), gen_exp(ls)));
    gen_choose(ctx, "y", gen_normal(gen_mul(c, x), gen_scalar(1)));
    *retval = x;
    return gen_ctx_status(ctx);
}

static gen_addr step_addr(int64_t t, const char *name) { return (gen_addr){2, {gen_part_int(t), gen_part_name(name)}}; }

/* log p of tr's choices on tr's arguments with S's parameter name at value v (the store
 * restored after) */
static double assess_with(const gen_trace *tr, const char *name, double v) {
    gen_scope_begin();
    gen_array *keep = gen_array_retain((gen_array *)gen_params_value(S, name)), *w = NULL;
    CHECK_OK(gen_params_set_value(S, name, gen_scalar(v)));
    CHECK_OK(gen_assess(gen_trace_gf(tr), gen_trace_args(tr), gen_trace_choices(tr), &w, NULL));
    double lp = check_item(w);
    CHECK_OK(gen_params_set_value(S, name, keep));
    gen_array_release(keep);
    gen_scope_end();
    return lp;
}

static double fd_param(const gen_trace *tr, const char *name) {
    double v = check_item(gen_params_value(S, name)), h = 1e-6 * fmax(1, fabs(v));
    return (assess_with(tr, name, v + h) - assess_with(tr, name, v - h)) / (2 * h);
}

/* the hand-derived gradients of the chain's log density in (w, log_s, c) and init_state,
 * from the trace's values */
static void chain_grads(const gen_trace *tr, int n, double s0, double w, double ls, double c, double *g) {
    double s2 = exp(2 * ls), prev = s0;
    g[0] = g[1] = g[2] = 0;
    for (int t = 0; t < n; t++) {
        gen_addr xa = step_addr(t, "x"), ya = step_addr(t, "y");
        double x = check_item(gen_trace_value(tr, &xa)), y = check_item(gen_trace_value(tr, &ya)), r = x - w * prev;
        g[0] += r * prev / s2;
        g[1] += -1 + r * r / s2;
        g[2] += (y - c * x) * x;
        if (t == 0) g[3] = r * w / s2;
        prev = x;
    }
}

static void check_chain_grads(const gen_trace *tr, int n, double s0, double w, double ls, double c) {
    const char *names[3] = {"w", "log_s", "c"};
    double g[4];
    chain_grads(tr, n, s0, w, ls, c, g);
    gen_array *ag[2] = {NULL, NULL};
    CHECK_OK(gen_accumulate_param_gradients(tr, S, NULL, 1, ag));
    for (int i = 0; i < 3; i++) {
        double got = check_item(gen_params_grad(S, names[i]));
        CHECK_CLOSE(got, g[i], 1e-12);
        CHECK_CLOSE(got, fd_param(tr, names[i]), 1e-7);
    }
    CHECK(ag[0] == NULL); /* n is an integer */
    CHECK_CLOSE(check_item(ag[1]), g[3], 1e-12);
    CHECK_OK(gen_params_zero_grads(S));
}

/* Unfold's update reruns only the steps it must and keeps the others' subtraces: the
 * parameters' gradient of the new trace still counts every step, with the new value at
 * the changed one. */
static void test_unfold_kernel(void) {
    enum { N = 4 };
    double w = 0.7, ls = -0.4, c = 1.3, s0 = 0.5, ys[N] = {0.4, -0.3, 1.1, 0.8};
    gen_params_init(S, "w", gen_scalar(w));
    gen_params_init(S, "log_s", gen_scalar(ls));
    gen_params_init(S, "c", gen_scalar(c));
    gen_gf *f = gen_unfold(gen_dynamic_params("ss_step", ss_step, S));
    gen_choicemap *obs = gen_choicemap_empty();
    for (int t = 0; t < N; t++) {
        gen_addr ya = step_addr(t, "y");
        obs = gen_choicemap_set(obs, &ya, gen_scalar(ys[t]));
    }
    gen_array *a[2] = {gen_scalar_i64(N), gen_scalar(s0)};
    gen_args args = {2, a, NULL};
    gen_trace *tr = NULL, *t2 = NULL;
    CHECK_OK(gen_generate(f, (gen_key){{4, 2}}, &args, obs, &tr, NULL));
    if (!tr) return;
    check_chain_grads(tr, N, s0, w, ls, c);
    /* only the last step's observation changes: one kernel run */
    gen_addr ylast = step_addr(N - 1, "y");
    gen_diff same[2] = {gen_diff_no_change(), gen_diff_no_change()};
    STEP_RUNS = 0;
    CHECK_OK(gen_update(tr, (gen_key){{4, 3}}, &args, same, gen_choicemap_set(gen_choicemap_empty(), &ylast, gen_scalar(-1.6)),
                        &t2, NULL, NULL, NULL));
    CHECK(STEP_RUNS == 1);
    if (!t2) return;
    CHECK(check_item(gen_trace_value(t2, &ylast)) == -1.6);
    double g_old[4], g_new[4];
    chain_grads(tr, N, s0, w, ls, c, g_old);
    chain_grads(t2, N, s0, w, ls, c, g_new);
    CHECK(fabs(g_new[2] - g_old[2]) > 0.1); /* the change shows in dJ/dc */
    check_chain_grads(t2, N, s0, w, ls, c);
}

/* branch 0: x ~ N(w, 1); branch 1: x ~ N(2 w, exp(log_s)) */
static gen_status br0(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    *retval = gen_choose(ctx, "x", gen_normal(gen_param(ctx, "w"), gen_scalar(1)));
    return gen_ctx_status(ctx);
}

static gen_status br1(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *mu = gen_mul(gen_scalar(2), gen_param(ctx, "w"));
    *retval = gen_choose(ctx, "x", gen_normal(mu, gen_exp(gen_param(ctx, "log_s"))));
    return gen_ctx_status(ctx);
}

/* the parameters of the branch taken, also after an update that changes the branch */
static void test_switch_branch(void) {
    double w = 0.3, ls = 0.2, x = 1.4, s2 = exp(2 * ls);
    gen_params_init(S, "w", gen_scalar(w));
    gen_params_init(S, "log_s", gen_scalar(ls));
    gen_gf *f = gen_switch(2, (const gen_gf *[]){gen_dynamic_params("br0", br0, S), gen_dynamic_params("br1", br1, S)});
    gen_choicemap *cx = gen_choicemap_set(gen_choicemap_empty(), &XA, gen_scalar(x));
    gen_array *a0[1] = {gen_scalar_i64(0)}, *a1[1] = {gen_scalar_i64(1)};
    gen_trace *tr = NULL, *t2 = NULL;
    CHECK_OK(gen_generate(f, (gen_key){{6, 1}}, &(gen_args){1, a0, NULL}, cx, &tr, NULL));
    if (!tr) return;
    CHECK_OK(gen_accumulate_param_gradients(tr, S, NULL, 1, NULL));
    CHECK_CLOSE(check_item(gen_params_grad(S, "w")), x - w, 1e-12);
    CHECK_CLOSE(check_item(gen_params_grad(S, "w")), fd_param(tr, "w"), 1e-7);
    CHECK(check_item(gen_params_grad(S, "log_s")) == 0); /* not read by branch 0 */
    CHECK_OK(gen_params_zero_grads(S));
    CHECK_OK(gen_update(tr, (gen_key){{6, 2}}, &(gen_args){1, a1, NULL}, NULL, cx, &t2, NULL, NULL, NULL));
    if (!t2) return;
    double r = x - 2 * w;
    CHECK_OK(gen_accumulate_param_gradients(t2, S, NULL, 1, NULL));
    CHECK_CLOSE(check_item(gen_params_grad(S, "w")), 2 * r / s2, 1e-12);
    CHECK_CLOSE(check_item(gen_params_grad(S, "log_s")), -1 + r * r / s2, 1e-12);
    CHECK_CLOSE(check_item(gen_params_grad(S, "w")), fd_param(t2, "w"), 1e-7);
    CHECK_CLOSE(check_item(gen_params_grad(S, "log_s")), fd_param(t2, "log_s"), 1e-7);
    CHECK_OK(gen_params_zero_grads(S));
}

/* ---- positive-support choices: gradients in constrained space ----
 * x ~ gamma(k, theta), y ~ exponential(rate x): d log p / dx at x itself, no Jacobian of a
 * log transform: (k - 1) / x - 1 / theta + 1 / x - y; d/dy = -x */
static gen_status pos_model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args, (void)retval;
    gen_array *x = gen_choose(ctx, "x", gen_gamma(gen_scalar(2.5), gen_scalar(0.8)));
    gen_choose(ctx, "y", gen_exponential(x));
    return gen_ctx_status(ctx);
}

static void test_positive_support(void) {
    gen_gf *f = gen_dynamic("pos_model", pos_model);
    double x = 1.7, y = 0.35, h = 1e-6;
    gen_choicemap *cm = gen_choicemap_set(gen_choicemap_set(gen_choicemap_empty(), &XA, gen_scalar(x)), &YA, gen_scalar(y));
    gen_trace *tr = NULL;
    CHECK_OK(gen_generate(f, (gen_key){{8, 1}}, NULL, cm, &tr, NULL));
    gen_choicemap *g = NULL;
    CHECK_OK(gen_choice_gradients(tr, gen_select_all(), NULL, NULL, NULL, &g));
    double gx = check_item(gen_choicemap_get_value(g, &XA)), gy = check_item(gen_choicemap_get_value(g, &YA));
    double want_x = 1.5 / x - 1 / 0.8 + 1 / x - y;
    CHECK_CLOSE(gx, want_x, 1e-12);
    CHECK_CLOSE(gy, -x, 1e-12);
    /* the unconstrained-space gradient (u = log x) would be x * want_x + 1: far from it */
    CHECK(fabs(gx - (x * want_x + 1)) > 0.5);
    /* central differences of gen_assess in x and y */
    double lp[4];
    for (int k = 0; k < 4; k++) {
        gen_array *w = NULL;
        double d = k % 2 ? -h : h;
        gen_choicemap *c = k < 2 ? gen_choicemap_set(cm, &XA, gen_scalar(x + d)) : gen_choicemap_set(cm, &YA, gen_scalar(y + d));
        CHECK_OK(gen_assess(f, NULL, c, &w, NULL));
        lp[k] = check_item(w);
    }
    CHECK_CLOSE(gx, (lp[0] - lp[1]) / (2 * h), 1e-7);
    CHECK_CLOSE(gy, (lp[2] - lp[3]) / (2 * h), 1e-7);
}

/* ---- argument-gradient annotations ---- */

/* callee(u, v): x ~ N(u + 2 v, 1); returns x */
static gen_status callee(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    *retval = gen_choose(ctx, "x", gen_normal(gen_add(args->v[0], gen_mul(gen_scalar(2), args->v[1])), gen_scalar(1)));
    return gen_ctx_status(ctx);
}

static gen_gf *CALLEE;

/* caller(a): calls callee(a, a) at "c" */
static gen_status caller(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)retval;
    gen_call(ctx, "c", CALLEE, &(gen_args){2, (gen_array *[]){args->v[0], args->v[0]}, NULL});
    return gen_ctx_status(ctx);
}

static void test_annotations(void) {
    CALLEE = gen_dynamic("callee", callee);
    CHECK(gen_gf_has_argument_grad(CALLEE, 0) && gen_gf_has_argument_grad(CALLEE, 7));
    CHECK_OK(gen_gf_set_argument_grads(CALLEE, 2, (const bool[]){true, false}));
    CHECK(gen_gf_has_argument_grad(CALLEE, 0) && !gen_gf_has_argument_grad(CALLEE, 1) && gen_gf_has_argument_grad(CALLEE, 2));
    double u = 0.3, v = -0.4, x = 1.1;
    gen_trace *tr = NULL;
    gen_array *a2[2] = {gen_scalar(u), gen_scalar(v)};
    CHECK_OK(gen_generate(CALLEE, (gen_key){{1, 3}}, &(gen_args){2, a2, NULL}, gen_choicemap_set(gen_choicemap_empty(), &XA, gen_scalar(x)), &tr, NULL));
    gen_array *ag[2] = {NULL, NULL};
    CHECK_OK(gen_choice_gradients(tr, gen_select_none(), NULL, ag, NULL, NULL));
    CHECK_CLOSE(check_item(ag[0]), x - u - 2 * v, 1e-12);
    CHECK(ag[1] == NULL);
    /* through a call: only the annotated path carries the gradient, d/da = (x - 3a) * 1 */
    gen_gf *f = gen_dynamic("caller", caller);
    double a = 0.2;
    gen_addr cx = {2, {gen_part_name("c"), gen_part_name("x")}};
    gen_trace *t2 = NULL;
    gen_array *a1[1] = {gen_scalar(a)};
    CHECK_OK(gen_generate(f, (gen_key){{1, 3}}, &(gen_args){1, a1, NULL}, gen_choicemap_set(gen_choicemap_empty(), &cx, gen_scalar(x)), &t2, NULL));
    gen_array *ag1[1] = {NULL};
    CHECK_OK(gen_choice_gradients(t2, gen_select_none(), NULL, ag1, NULL, NULL));
    CHECK_CLOSE(check_item(ag1[0]), (x - 3 * a) * 1, 1e-12);
    /* integer arguments have none */
    CHECK(gen_gf_set_argument_grads(CALLEE, -1, NULL) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "n is -1");
    CHECK(gen_gf_set_argument_grads(CALLEE, 1, NULL) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "has_grad is NULL");
    CHECK_OK(gen_gf_set_argument_grads(CALLEE, 0, NULL)); /* every argument again */
    CHECK(gen_gf_has_argument_grad(CALLEE, 1));
}

/* ---- a custom-gradient generative function ---- */

/* softplus, computed by ops the transform does not see (gen_custom_vjp runs it
 * unrecorded): the gradient can only come from the rule */
static gen_status sp_forward(void *payload, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)payload, (void)n_in, (void)n_out;
    out[0] = gen_softplus(in[0]);
    return out[0] ? GEN_OK : gen_error_status();
}

static int VJP_CALLS;

static gen_status sp_vjp(void *payload, int n_in, gen_array *const *in, int n_out, gen_array *const *out,
                         gen_array *const *cot_out, gen_array **cot_in) {
    (void)payload, (void)n_in, (void)n_out, (void)out;
    VJP_CALLS++;
    cot_in[0] = gen_mul(cot_out[0], gen_sigmoid(in[0]));
    return cot_in[0] ? GEN_OK : gen_error_status();
}

static gen_gf *SP;

/* x ~ N(0, 1); y ~ N(softplus(x), 1) with softplus the custom function, called at "sp" */
static gen_status sp_model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *x = gen_choose(ctx, "x", gen_normal(gen_scalar(0), gen_scalar(1)));
    gen_array *m = gen_call(ctx, "sp", SP, &(gen_args){1, &x, NULL});
    *retval = gen_choose(ctx, "y", gen_normal(m, gen_scalar(1)));
    return gen_ctx_status(ctx);
}

static double softplus(double x) { return log1p(exp(x)); }

static void test_custom_gradient(void) {
    SP = gen_custom_gradient_gf("softplus", 1, sp_forward, sp_vjp, NULL, NULL);
    gen_gf *f = gen_dynamic("sp_model", sp_model);
    double x = 0.45, y = 1.9;
    gen_choicemap *cm = gen_choicemap_set(gen_choicemap_set(gen_choicemap_empty(), &XA, gen_scalar(x)), &YA, gen_scalar(y));
    gen_trace *tr = NULL;
    CHECK_OK(gen_generate(f, (gen_key){{2, 2}}, NULL, cm, &tr, NULL));
    gen_addr spa = {1, {gen_part_name("sp")}};
    CHECK(gen_choicemap_get_submap(gen_trace_choices(tr), &spa) == NULL || gen_choicemap_is_empty(gen_choicemap_get_submap(gen_trace_choices(tr), &spa)));
    VJP_CALLS = 0;
    gen_choicemap *g = NULL;
    CHECK_OK(gen_choice_gradients(tr, gen_select_paths(1, (const char *[]){"x"}), NULL, NULL, NULL, &g));
    double sig = 1 / (1 + exp(-x)), want = -x + (y - softplus(x)) * sig;
    CHECK_CLOSE(check_item(gen_choicemap_get_value(g, &XA)), want, 1e-12);
    CHECK(VJP_CALLS == 1);
    /* finite differences of the log density */
    double h = 1e-6, lp[2];
    for (int k = 0; k < 2; k++) {
        gen_array *w = NULL;
        gen_choicemap *c = gen_choicemap_set(cm, &XA, gen_scalar(x + (k ? -h : h)));
        CHECK_OK(gen_assess(f, NULL, c, &w, NULL));
        lp[k] = check_item(w);
    }
    CHECK_CLOSE(check_item(gen_choicemap_get_value(g, &XA)), (lp[0] - lp[1]) / (2 * h), 1e-7);
    /* the return value and score of the function alone, and a wrong argument count */
    gen_trace *ts = NULL;
    gen_array *in[1] = {gen_scalar(x)};
    CHECK_OK(gen_simulate(SP, (gen_key){{0, 1}}, &(gen_args){1, in, NULL}, &ts));
    CHECK_CLOSE(check_item(gen_trace_retval(ts)), softplus(x), 1e-14);
    CHECK(check_item(gen_trace_score(ts)) == 0 && gen_choicemap_is_empty(gen_trace_choices(ts)));
    gen_array *ag[1] = {NULL};
    CHECK_OK(gen_choice_gradients(ts, gen_select_none(), gen_scalar(2), ag, NULL, NULL));
    CHECK_CLOSE(check_item(ag[0]), 2 * sig, 1e-12);
    CHECK(gen_simulate(SP, (gen_key){{0, 1}}, NULL, &ts) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "softplus: takes 1 argument, got 0");
    /* batched: per-particle gradients equal the scalar ones */
    gen_trace *tb = NULL;
    CHECK_OK(gen_generate_batched(f, (gen_key){{4, 4}}, 6, NULL, gen_choicemap_set(gen_choicemap_empty(), &YA, gen_scalar(y)), &tb, NULL));
    gen_choicemap *gb = NULL;
    CHECK_OK(gen_choice_gradients(tb, gen_select_paths(1, (const char *[]){"x"}), NULL, NULL, NULL, &gb));
    const double *xs = gen_array_data(gen_trace_value(tb, &XA)), *gs = gen_array_data(gen_choicemap_get_value(gb, &XA));
    for (int i = 0; i < 6; i++) {
        double s = 1 / (1 + exp(-xs[i]));
        CHECK_CLOSE(gs[i], -xs[i] + (y - softplus(xs[i])) * s, 1e-12);
    }
    CHECK(gen_custom_gradient_gf(NULL, 1, sp_forward, sp_vjp, NULL, NULL) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_custom_gradient_gf: the name is NULL");
    CHECK(gen_custom_gradient_gf("f", -2, sp_forward, sp_vjp, NULL, NULL) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "n_args must be >= -1");
}

/* ---- parameters in every GFI operation ---- */

/* y ~ N(mu, 1), mu a parameter */
static gen_status one(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    *retval = gen_choose(ctx, "y", gen_normal(gen_param(ctx, "mu"), gen_scalar(1)));
    return gen_ctx_status(ctx);
}

static gen_gf *ONE;

/* calls ONE at "c" (no arguments: an update may not skip it when the store changed) */
static gen_status calls_one(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    *retval = gen_call(ctx, "c", ONE, NULL);
    return gen_ctx_status(ctx);
}

static double lnorm(double y, double mu) { return -0.5 * log(2 * 3.14159265358979323846) - 0.5 * (y - mu) * (y - mu); }

static void test_every_operation(void) {
    gen_params *s = gen_params_new();
    gen_params_init(s, "mu", gen_scalar(0.5));
    ONE = gen_dynamic_params("one", one, s);
    gen_gf *f = gen_dynamic("calls_one", calls_one);
    double y = 1.25;
    gen_addr cy = {2, {gen_part_name("c"), gen_part_name("y")}};
    gen_choicemap *obs = gen_choicemap_set(gen_choicemap_empty(), &cy, gen_scalar(y));
    gen_trace *tr = NULL, *t2 = NULL;
    gen_array *w = NULL;
    CHECK_OK(gen_generate(f, (gen_key){{1, 1}}, NULL, obs, &tr, &w));
    CHECK_CLOSE(check_item(w), lnorm(y, 0.5), 1e-14);
    CHECK_OK(gen_assess(f, NULL, obs, &w, NULL));
    CHECK_CLOSE(check_item(w), lnorm(y, 0.5), 1e-14);
    CHECK_OK(gen_project(tr, gen_select_all(), &w));
    CHECK_CLOSE(check_item(w), lnorm(y, 0.5), 1e-14);
    /* the store changes: update and regenerate rerun the callee with the new value */
    CHECK_OK(gen_params_set_value(s, "mu", gen_scalar(-0.75)));
    CHECK_OK(gen_update(tr, (gen_key){{1, 2}}, NULL, NULL, gen_choicemap_empty(), &t2, &w, NULL, NULL));
    CHECK_CLOSE(check_item(w), lnorm(y, -0.75) - lnorm(y, 0.5), 1e-12);
    CHECK_CLOSE(check_item(gen_trace_score(t2)), lnorm(y, -0.75), 1e-12);
    CHECK_OK(gen_regenerate(tr, (gen_key){{1, 2}}, NULL, NULL, gen_select_none(), &t2, &w, NULL));
    CHECK_CLOSE(check_item(w), lnorm(y, -0.75) - lnorm(y, 0.5), 1e-12);
    /* batched generate, many times (the compiled path is taken for hot call shapes): the
     * weights follow the store */
    for (int rep = 0; rep < 6; rep++) {
        double mu = 0.1 * rep;
        CHECK_OK(gen_params_set_value(s, "mu", gen_scalar(mu)));
        gen_trace *tb = NULL;
        gen_array *wb = NULL;
        CHECK_OK(gen_generate_batched(ONE, (gen_key){{3, (uint64_t)rep}}, 8, NULL,
                                      gen_choicemap_set(gen_choicemap_empty(), &YA, gen_scalar(y)), &tb, &wb));
        double w0 = 0;
        CHECK_OK(gen_item(gen_slice(wb, 0, 0, 1, 1), &w0));
        CHECK_CLOSE(w0, lnorm(y, mu), 1e-12);
        CHECK_OK(gen_simulate(ONE, (gen_key){{3, 3}}, NULL, &tb));
    }
    gen_params_free(s);
}

int main(void) {
    S = gen_params_new();
    XA = (gen_addr){1, {gen_part_name("x")}};
    YA = (gen_addr){1, {gen_part_name("y")}};
    RUN(test_hand_and_fd);
    RUN(test_retgrad);
    RUN(test_errors);
    RUN(test_batched);
    RUN(test_map_kernel);
    RUN(test_unfold_kernel);
    RUN(test_switch_branch);
    RUN(test_positive_support);
    RUN(test_annotations);
    RUN(test_custom_gradient);
    RUN(test_every_operation);
    gen_params_free(S);
    return check_finish();
}
