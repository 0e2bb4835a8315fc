/* test_user_scopes.c — user code that GenC runs inside its own scopes must leave the
 * scope stack as it found it: a model body (under every GFI operation, and called from
 * another model), a user kind of generative function, the callbacks of gen_dist_gf,
 * gen_contramap, gen_grad, gen_custom_vjp, custom distributions and bijections, MCMC
 * kernels, involutions and Gibbs candidates. A body that leaves a scope open gets
 * GEN_ERR_MISUSE "... left 1 scope open" (the scope is closed for it); one that calls
 * gen_scope_end for a scope it did not open is refused and gets GEN_ERR_MISUSE "... ended
 * 1 scope it did not open". Either way the caller's scope depth is unchanged, the
 * caller's objects are intact, and the next well-behaved call works. */
#include <string.h>

#include "../testutil/check.h"
#include "genc/autodiff.h"

enum { BEHAVE, LEAVE_OPEN, END_ONE };
static int misbehave;

/* What every callback below does first. */
static void misbehave_now(void) {
    if (misbehave == LEAVE_OPEN) gen_scope_begin();
    else if (misbehave == END_ONE) gen_scope_end();
}

static gen_addr A(const char *path) {
    gen_addr a;
    gen_addr_parse(&a, path);
    return a;
}

/* ---- the user code ---- */

static gen_status body(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    misbehave_now();
    *retval = gen_choose(ctx, "x", gen_normal(gen_scalar(0), gen_scalar(1)));
    return gen_ctx_status(ctx);
}

static gen_status plain_body(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    *retval = gen_choose(ctx, "x", gen_normal(gen_scalar(0), gen_scalar(1)));
    return gen_ctx_status(ctx);
}

static gen_gf *inner_gf, *plain_gf;

static gen_status outer_body(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    *retval = gen_call(ctx, "sub", inner_gf, NULL);
    return gen_ctx_status(ctx);
}

static gen_status ugf_generate(const gen_gf *f, gen_key key, const gen_args *args, const gen_choicemap *c,
                               gen_trace **tr, gen_array **w) {
    (void)f;
    misbehave_now();
    return gen_generate(plain_gf, key, args, c, tr, w);
}
static gen_status ugf_assess(const gen_gf *f, gen_eval *ev, const gen_args *args, const gen_choicemap *c,
                             gen_array **w, gen_array **r) {
    (void)f, (void)ev, (void)args, (void)c, (void)w, (void)r;
    return gen_error_set(GEN_ERR_UNSUPPORTED, "not here");
}
static gen_status ugf_project(const gen_trace *tr, const gen_selection *s, gen_array **w) {
    (void)tr, (void)s, (void)w;
    return gen_error_set(GEN_ERR_UNSUPPORTED, "not here");
}
static const gen_gf_vtable ugf_vtable = {.kind = "user_kind", .generate = ugf_generate, .assess = ugf_assess,
                                         .project = ugf_project};

static gen_dist *make_normal(void *payload, const gen_args *args) {
    (void)payload, (void)args;
    misbehave_now();
    return gen_normal(gen_scalar(0), gen_scalar(1));
}

static gen_status pre(void *payload, const gen_args *in, gen_array **out, int cap, int *n_out) {
    (void)payload, (void)in, (void)out, (void)cap;
    misbehave_now();
    *n_out = 0;
    return GEN_OK;
}

static gen_status square(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)p, (void)n_in, (void)n_out;
    misbehave_now();
    out[0] = gen_mul(in[0], in[0]);
    return GEN_OK;
}
static gen_status square_quiet(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)p, (void)n_in, (void)n_out;
    out[0] = gen_mul(in[0], in[0]);
    return GEN_OK;
}
static gen_status square_rule(void *p, int n_in, gen_array *const *in, int n_out, gen_array *const *out,
                              gen_array *const *cot, gen_array **cin) {
    (void)p, (void)n_in, (void)n_out, (void)out;
    misbehave_now();
    cin[0] = gen_mul(gen_mul(gen_scalar(2), in[0]), cot[0]);
    return GEN_OK;
}
static gen_status square_custom(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)p;
    return gen_custom_vjp((gen_closure){square_quiet, NULL}, square_rule, NULL, n_in, in, n_out, out);
}

static gen_array *cd_sample(void *p, gen_key key, int ndim, const int64_t *shape, int np, gen_array *const *params) {
    (void)p, (void)key, (void)np, (void)params;
    misbehave_now();
    return gen_zeros(GEN_F64, ndim, shape);
}
static gen_array *cd_logpdf(void *p, const gen_array *x, int np, gen_array *const *params) {
    (void)p, (void)np, (void)params;
    misbehave_now();
    return gen_neg(gen_mul(x, x));
}

static gen_array *bij_fwd(void *p, const gen_array *u) {
    (void)p;
    misbehave_now();
    return gen_exp(u);
}
static gen_array *bij_inv(void *p, const gen_array *x) {
    (void)p;
    return gen_log(x);
}
static gen_array *bij_ld(void *p, const gen_array *u) {
    (void)p;
    return gen_copy(u);
}

static gen_status kernel_fn(void *p, gen_key key, const gen_trace *tr, gen_trace **out, bool *acc) {
    (void)p, (void)key;
    misbehave_now();
    gen_scope_begin(); /* the input, kept for the caller's scope (as the ready-made kernels do) */
    *out = gen_trace_scope_return((gen_trace *)tr);
    gen_scope_end();
    *acc = false;
    return GEN_OK;
}

static gen_status no_choices(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args, (void)retval;
    return gen_ctx_status(ctx);
}
/* x ~ N(0, 1): the involution keeps x (a valid, if idle, move) */
static gen_status keep_inv(void *ud, const gen_args *margs, const gen_choicemap *model, const gen_choicemap *aux,
                           const gen_array *ret, gen_choicemap **nm, gen_choicemap **bwd) {
    (void)ud, (void)margs, (void)aux, (void)ret;
    misbehave_now();
    gen_addr x = A("x");
    *nm = gen_choicemap_set(gen_choicemap_empty(), &x, gen_choicemap_find(model, &x));
    *bwd = gen_choicemap_empty();
    return *nm ? GEN_OK : gen_error_status();
}

static gen_status coin(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    *retval = gen_choose(ctx, "c", gen_bernoulli(gen_scalar(0.3)));
    return gen_ctx_status(ctx);
}
static gen_array *coin_candidates(void *ud, const gen_trace *tr, const gen_addr *a) {
    (void)ud, (void)tr, (void)a;
    misbehave_now();
    return gen_array_from(GEN_BOOL, GEN_DIMS(2), (const bool[]){false, true});
}

/* ---- the sites: each runs one operation that calls the user code once or more ---- */

static gen_trace *trace_of(const gen_gf *f) {
    int m = misbehave;
    misbehave = BEHAVE;
    gen_trace *tr = NULL;
    CHECK_OK(gen_simulate(f, gen_key_new(7), NULL, &tr));
    misbehave = m;
    return tr;
}

static gen_status site_simulate(void) {
    gen_trace *tr = NULL;
    gen_status s = gen_simulate(inner_gf, gen_key_new(1), NULL, &tr);
    if (s != GEN_OK) CHECK(tr == NULL);
    return s;
}
static gen_status site_generate(void) {
    gen_addr x = A("x");
    gen_trace *tr = NULL;
    gen_array *w = NULL;
    gen_status s = gen_generate(inner_gf, gen_key_new(1), NULL, gen_choicemap_set(gen_choicemap_empty(), &x, gen_scalar(0.5)),
                                &tr, &w);
    if (s != GEN_OK) CHECK(tr == NULL && w == NULL);
    return s;
}
static gen_status site_assess(void) {
    gen_addr x = A("x");
    gen_array *w = NULL;
    gen_status s = gen_assess(inner_gf, NULL, gen_choicemap_set(gen_choicemap_empty(), &x, gen_scalar(0.5)), &w, NULL);
    if (s == GEN_OK) CHECK_CLOSE(check_item(w), -0.125 - 0.91893853320467274178, 1e-12);
    else CHECK(w == NULL);
    return s;
}
static gen_status site_update(void) {
    gen_trace *tr = trace_of(inner_gf), *out = NULL;
    gen_addr x = A("x");
    gen_status s = gen_update(tr, gen_key_new(2), NULL, NULL, gen_choicemap_set(gen_choicemap_empty(), &x, gen_scalar(1)),
                              &out, NULL, NULL, NULL);
    if (s != GEN_OK) CHECK(out == NULL);
    return s;
}
static gen_status site_regenerate(void) {
    gen_trace *tr = trace_of(inner_gf), *out = NULL;
    return gen_regenerate(tr, gen_key_new(2), NULL, NULL, gen_select_all(), &out, NULL, NULL);
}
static gen_status site_propose(void) {
    gen_choicemap *c = NULL;
    return gen_propose(inner_gf, gen_key_new(1), NULL, &c, NULL, NULL);
}
static gen_status site_nested_call(void) {
    gen_trace *tr = NULL;
    return gen_simulate(gen_dynamic("outer", outer_body), gen_key_new(1), NULL, &tr);
}
static gen_status site_user_kind(void) {
    gen_trace *tr = NULL;
    gen_status s = gen_simulate(gen_gf_new(&ugf_vtable, "mine", NULL), gen_key_new(1), NULL, &tr);
    if (s != GEN_OK) CHECK(tr == NULL);
    return s;
}
static gen_status site_dist_gf(void) {
    gen_trace *tr = NULL;
    return gen_simulate(gen_dist_gf("made", make_normal, NULL, NULL), gen_key_new(1), NULL, &tr);
}
static gen_status site_contramap(void) {
    gen_trace *tr = NULL;
    return gen_simulate(gen_contramap(plain_gf, pre, NULL), gen_key_new(1), NULL, &tr);
}
static gen_status site_grad(void) {
    gen_array *g = NULL;
    gen_status s = gen_grad((gen_closure){square, NULL}, 1, (gen_array *[]){gen_scalar(3)}, &g);
    if (s == GEN_OK) CHECK_CLOSE(check_item(g), 6, 0);
    else CHECK(g == NULL);
    return s;
}
static gen_status site_custom_vjp(void) {
    gen_array *g = NULL;
    gen_status s = gen_grad((gen_closure){square_custom, NULL}, 1, (gen_array *[]){gen_scalar(3)}, &g);
    if (s == GEN_OK) CHECK_CLOSE(check_item(g), 6, 0);
    return s;
}
static const gen_dist_callbacks cd_callbacks = {.name = "mine", .dtype = GEN_F64, .support = GEN_SUPPORT_REAL,
                                                .sample = cd_sample, .logpdf = cd_logpdf};
static gen_status site_dist_logpdf(void) {
    gen_array *lp = gen_dist_logpdf(gen_dist_custom(&cd_callbacks, NULL, 0, NULL), gen_scalar(2));
    if (lp) CHECK_CLOSE(check_item(lp), -4, 0);
    return lp ? GEN_OK : gen_error_status();
}
static gen_status site_dist_sample(void) {
    gen_array *x = gen_dist_sample(gen_dist_custom(&cd_callbacks, NULL, 0, NULL), gen_key_new(1), 0, NULL);
    return x ? GEN_OK : gen_error_status();
}
static gen_status site_bijection(void) {
    gen_bijection_callbacks cb = {.name = "myexp", .codomain = GEN_SUPPORT_POSITIVE, .forward = bij_fwd,
                                  .inverse = bij_inv, .log_det_jacobian = bij_ld};
    gen_array *x = gen_bijection_forward(gen_bijection_custom(&cb, NULL), gen_scalar(0));
    if (x) CHECK_CLOSE(check_item(x), 1, 0);
    return x ? GEN_OK : gen_error_status();
}
static gen_status site_kernel(void) {
    gen_trace *tr = trace_of(plain_gf), *out = NULL;
    bool acc = true;
    gen_status s = gen_kernel_apply((gen_kernel){kernel_fn, NULL, NULL}, gen_key_new(1), tr, &out, &acc);
    if (s != GEN_OK) CHECK(out == NULL);
    return s;
}
static gen_status site_involution(void) {
    gen_trace *tr = trace_of(plain_gf), *out = NULL;
    bool acc = false;
    return gen_mh_involutive(tr, gen_key_new(1), gen_dynamic("none", no_choices), NULL, (gen_involution){keep_inv, NULL},
                             false, &out, &acc);
}
static gen_status site_gibbs(void) {
    gen_trace *tr = trace_of(gen_dynamic("coin", coin)), *out = NULL;
    gen_candidates cand = {coin_candidates, NULL, NULL};
    return gen_gibbs(tr, gen_key_new(1), gen_select_all(), &cand, &out);
}

typedef struct site {
    const char *name;
    gen_status (*run)(void);
    const char *who; /* what the message names */
} site;

static const site SITES[] = {
    {"simulate", site_simulate, "model 'inner': the body"},
    {"generate", site_generate, "model 'inner': the body"},
    {"assess", site_assess, "model 'inner': the body"},
    {"update", site_update, "model 'inner': the body"},
    {"regenerate", site_regenerate, "model 'inner': the body"},
    {"propose", site_propose, "model 'inner': the body"},
    {"nested call", site_nested_call, "model 'inner': the body"},
    {"user kind", site_user_kind, "mine (user_kind): generate"},
    {"gen_dist_gf", site_dist_gf, "made: gen_dist_gf: the callback"},
    {"contramap", site_contramap, "contramap(plain): generate: the argument transform"},
    {"gen_grad", site_grad, "gen_grad: the function"},
    {"custom VJP", site_custom_vjp, "custom VJP rule"},
    {"custom logpdf", site_dist_logpdf, "distribution 'mine': logpdf"},
    {"custom sample", site_dist_sample, "distribution 'mine': sample"},
    {"custom bijection", site_bijection, "bijection 'myexp': forward"},
    {"kernel", site_kernel, "gen_kernel_apply: the kernel function"},
    {"involution", site_involution, "the involution"},
    {"gibbs candidates", site_gibbs, "the candidates callback"},
};

static void check_site(const site *st, int mode) {
    gen_scope_begin();
    int depth = gen_scope_depth();
    gen_array *mine = gen_full(GEN_F64, GEN_DIMS(3), 42); /* the caller's: must survive */
    misbehave = mode;
    gen_error_clear();
    gen_status s = st->run();
    misbehave = BEHAVE;
    check_count++;
    if (mode == BEHAVE && s != GEN_OK)
        check_fail(__FILE__, __LINE__, "%s: %s: %s", st->name, gen_status_name(s), gen_error_message());
    if (mode != BEHAVE) {
        const char *what = mode == LEAVE_OPEN ? "left 1 scope open" : "ended 1 scope it did not open";
        if (s != GEN_ERR_MISUSE || !strstr(gen_error_message(), what) || !strstr(gen_error_message(), st->who))
            check_fail(__FILE__, __LINE__, "%s, %s: got %s \"%s\", want GEN_ERR_MISUSE naming \"%s\" and \"%s\"",
                       st->name, what, gen_status_name(s), gen_error_message(), st->who, what);
        if (strcmp(st->name, "nested call") == 0) CHECK(strstr(gen_error_message(), "sub") != NULL);
    }
    check_count++;
    if (gen_scope_depth() != depth)
        check_fail(__FILE__, __LINE__, "%s (mode %d): scope depth %d, want %d", st->name, mode, gen_scope_depth(), depth);
    CHECK_ARRAY(mine, ((const double[]){42, 42, 42}), 3, 0, 0);
    gen_error_clear();
    CHECK_OK(gen_scope_end());
}

static void test_sites(void) {
    for (size_t i = 0; i < sizeof SITES / sizeof SITES[0]; i++) {
        check_site(&SITES[i], LEAVE_OPEN);
        check_site(&SITES[i], END_ONE);
        check_site(&SITES[i], BEHAVE); /* and the next well-behaved call works */
    }
}

/* gen_scope_end inside a body is refused (the scope it would end is the operation's),
 * and ending more than one is refused each time. */
static gen_status ends_two(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_status a = gen_scope_end(), b = gen_scope_end();
    CHECK(a == GEN_ERR_MISUSE && b == GEN_ERR_MISUSE);
    *retval = gen_choose(ctx, "x", gen_normal(gen_scalar(0), gen_scalar(1)));
    return gen_ctx_status(ctx);
}
/* Balanced scopes inside a body are fine. */
static gen_status balanced(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_scope_begin();
    gen_array *t = gen_scope_return(gen_scalar(1));
    gen_scope_end();
    *retval = gen_choose(ctx, "x", gen_normal(t, gen_scalar(1)));
    return gen_ctx_status(ctx);
}

static void test_body_details(void) {
    int depth = gen_scope_depth();
    gen_trace *tr = NULL;
    CHECK(gen_simulate(gen_dynamic("twice", ends_two), gen_key_new(1), NULL, &tr) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "model 'twice': the body ended 2 scopes it did not open (gen_scope_end called inside a model");
    CHECK(gen_scope_depth() == depth);
    CHECK_OK(gen_simulate(gen_dynamic("balanced", balanced), gen_key_new(1), NULL, &tr));
    CHECK(tr != NULL);
}

int main(void) {
    inner_gf = gen_dynamic("inner", body); /* no scope open: main owns them */
    plain_gf = gen_dynamic("plain", plain_body);
    RUN(test_sites);
    RUN(test_body_details);
    gen_gf_release(inner_gf);
    gen_gf_release(plain_gf);
    return check_finish();
}
