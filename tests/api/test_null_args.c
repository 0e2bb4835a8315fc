/* test_null_args.c — every public entry point given NULL for a pointer argument that must
 * not be NULL: the call records GEN_ERR_MISUSE naming the function (its name without the
 * gen_ prefix, as messages spell it: "add: argument 1 is NULL", "gen_simulate: ...") and
 * returns it, NULL or a neutral value; never a crash. The other arguments are valid, so
 * the NULL is the only fault.
 *
 * The policy of genc/core.h, row by row:
 *   ST   a status: GEN_ERR_MISUSE returned and recorded;
 *   PTR  a new object or array: NULL, GEN_ERR_MISUSE recorded (arrays given a NULL keep an
 *        error already pending: NULL propagates through chains of array operations);
 *   REC  a plain value (bool, int, a diff): GEN_ERR_MISUSE recorded, the value neutral;
 *   DOC  a query of one object (its dimensions, name, parts) or a release given NULL: the
 *        documented neutral value, nothing recorded, so a chain keeps the error that made
 *        the NULL (gen_array_ndim(gen_add(a, b)) after a failed add);
 *   KERNEL a kernel made from a NULL payload (or payload fields): applying it records
 *        GEN_ERR_MISUSE naming the kernel.
 * Arguments documented as optional ("may be NULL") have no row; they are listed at the
 * end of each section with the functions that take no pointer. Every function of the
 * public headers appears in this file: the test api/null_args_coverage checks it
 * (scripts/null_args_coverage.sh), so a new entry point gets its rows. */
#include <string.h>

#include "../testutil/check.h"

/* ---- the fixture: a valid value of every argument type ---- */

static gen_array *X, *S, *S1, *I, *MASK, *DRAWS, *THETA, *ARRS[2];
static gen_choicemap *CM, *OBS;
static gen_gf *GF, *GF2, *PROP;
static gen_addr ADDR;
static gen_part PARTS[1], PART;
static gen_trace *TR, *TRS[1];
static const int64_t SHAPE1[1] = {1}, NDRAWS[1] = {4};
static const int AXES1[1] = {0};
static gen_dist *D, *DS[2];
static gen_selection *SEL;
static const double PROBS[2] = {0.5, 0.5}, CHAIN0[4] = {1, 2, 4, 3}, *const CHAINS[1] = {CHAIN0};
static const char *const NAMES[1] = {"a"};
static const double BYTES[2] = {1, 2};
static gen_choicemap_builder *BUILDER;
static gen_bijection *BIJ;
static gen_diff DIFF;
static gen_edit_request *REQ;
static gen_target *TGT;
static gen_ctx *CTX;
static gen_eval *const EVAL = NULL; /* NULL: plain assessment (gen_eval_choice) */
static gen_kernel KERNEL, KPARTS[1];
static gen_mh_select_kernel KMH;
static gen_chain_config CHAIN_CFG = {.draws = 2, .thin = 1};
static gen_split_merge SPLIT_MERGE;
static gen_birth_death BIRTH_DEATH;
static gen_dist_callbacks DIST_CB = {.name = "cb"};
static gen_gf_vtable VTABLE = {.kind = "vt"};
static gen_candidates CANDIDATES;
static gen_grid_axis GRID[1];
static gen_nuts_config NUTS_CFG = {.draws = 1};
static gen_chees_config CHEES_CFG = {.draws = 1};
static gen_nuts_batched_config NUTSB_CFG = {.draws = 1};
static gen_summary SUMM[1];
static FILE *FOUT;
static gen_key KEY;
static gen_closure CLOSURE;
static gen_params *P;
static gen_involution INVOLUTION;
static gen_array *MAT1, *YS, *LOG_INIT, *LOG_TRANS, *LOG_LIK;
static gen_lgssm LG, LG_FIELDS[6];

/* outputs */
static gen_array *o_arr;
static gen_choicemap *o_cm;
static gen_addr o_addr;
static gen_part o_part;
static gen_trace *o_tr, *o_trs[2];
static int64_t o_i64, o_idx[2];
static int o_int;
static double o_dbl, o_rates[1];
static char o_buf[64];
static bool o_bool;
static gen_diff o_diff;
static gen_edit_request *o_req;
static gen_choicemap_iter o_iter;
static gen_summary o_summ[2];
static gen_involutive_info o_info;
static gen_support o_support;
static gen_nuts_stats o_nuts_stats;
static gen_nuts_result o_nuts_result;
static gen_pathfinder_result o_pf_result;
static gen_trace *o_trs_pf[1];
static gen_chees_result o_chees_result;
static gen_nuts_batched_result o_nutsb_result;

/* a ~ N(0, 1), returning a */
static gen_status BODY(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    *retval = gen_choose(ctx, "a", gen_normal(gen_scalar(0), gen_scalar(1)));
    return gen_ctx_status(ctx);
}
/* a ~ N(0, 1), b ~ N(a, 1) */
static gen_status body2(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *a = gen_choose(ctx, "a", gen_normal(gen_scalar(0), gen_scalar(1)));
    *retval = gen_choose(ctx, "b", gen_normal(a, gen_scalar(1)));
    return gen_ctx_status(ctx);
}
static gen_status ARGS_FN(void *p, const gen_args *in, gen_array **out, int cap, int *n_out) {
    (void)p, (void)in, (void)out, (void)cap;
    *n_out = 0;
    return GEN_OK;
}
static gen_status RETVAL_FN(void *p, const gen_array *ret, gen_array **out) {
    (void)p;
    *out = (gen_array *)ret;
    return GEN_OK;
}
static gen_status VISIT_FN(void *ud, const gen_addr *a, const gen_array *v) {
    (void)ud, (void)a, (void)v;
    return GEN_OK;
}
static gen_status SEL_VISIT_FN(void *ud, const gen_addr *a) {
    (void)ud, (void)a;
    return GEN_OK;
}
static gen_status VJP_RULE(void *p, int n_in, gen_array *const *in, int n_out, gen_array *const *out,
                           gen_array *const *cot_out, gen_array **cot_in) {
    (void)p, (void)n_in, (void)in, (void)n_out, (void)out, (void)cot_out;
    cot_in[0] = NULL;
    return GEN_OK;
}
static gen_status closure_fn(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)p, (void)n_in, (void)n_out;
    out[0] = gen_sum(in[0], 0, NULL, false);
    return gen_error_status();
}
static gen_dist *FNPTR_FAMILY(const gen_array *a) { return gen_exponential(a); }
static gen_dist *FNPTR_FAMILY2(const gen_array *a, const gen_array *b) { return gen_normal(a, b); }
static gen_dist *FNPTR_FAMILY3(const gen_array *a, const gen_array *b, const gen_array *c) {
    return gen_student_t(a, b, c);
}
static gen_dist *FNPTR_MAKE(void *p, const gen_args *a) {
    (void)p, (void)a;
    return gen_normal(gen_scalar(0), gen_scalar(1));
}
static void FNPTR_FREE_PAYLOAD(void *p) { (void)p; }
static gen_status invol_fn(void *ud, const gen_args *ma, const gen_choicemap *m, const gen_choicemap *aux,
                           const gen_array *r, gen_choicemap **nm, gen_choicemap **bwd) {
    (void)ud, (void)ma, (void)r;
    *nm = (gen_choicemap *)m;
    *bwd = (gen_choicemap *)aux;
    return GEN_OK;
}

static void fixture(void) {
    X = gen_array_from_f64(GEN_DIMS(2), PROBS);
    S = gen_scalar(0.5);
    S1 = gen_array_from_f64(GEN_DIMS(1), PROBS);
    I = gen_zeros(GEN_I64, GEN_DIMS(1));
    MASK = gen_ones(GEN_BOOL, GEN_DIMS(1));
    DRAWS = gen_array_from_f64(GEN_DIMS(1, 4), CHAIN0);
    THETA = gen_zeros(GEN_F64, GEN_DIMS(1));
    ARRS[0] = X, ARRS[1] = X;
    gen_addr_parse(&ADDR, "a");
    PART = ADDR.parts[0];
    PARTS[0] = PART;
    CM = gen_choicemap_set(gen_choicemap_empty(), &ADDR, S);
    OBS = gen_choicemap_set_path(gen_choicemap_empty(), "b", S);
    GF = gen_dynamic("model", BODY);
    P = gen_params_new();
    gen_params_init(P, "a", X);
    GF2 = gen_dynamic("model2", body2);
    PROP = gen_dynamic("proposal", BODY);
    CHECK_OK(gen_simulate(GF, gen_key_new(1), NULL, &TR));
    TRS[0] = TR;
    D = gen_normal(gen_scalar(0), gen_scalar(1));
    DS[0] = D, DS[1] = D;
    SEL = gen_select(1, &ADDR);
    BUILDER = gen_choicemap_builder_new();
    BIJ = gen_bijection_exp();
    DIFF = gen_diff_unknown();
    REQ = gen_edit_update(NULL, NULL, CM);
    TGT = gen_target_new(TR, SEL);
    KMH.sel = SEL;
    KERNEL = gen_kernel_mh_select(&KMH);
    KPARTS[0] = KERNEL;
    FOUT = fopen("/dev/null", "w");
    KEY = gen_key_new(7);
    CLOSURE = (gen_closure){closure_fn, NULL};
    INVOLUTION = (gen_involution){invol_fn, NULL};
    GRID[0].addr = ADDR;
    GRID[0].values = X;
    CHECK_OK(gen_summarize(CHAINS, 1, NDRAWS, NULL, 0, SUMM));
    MAT1 = gen_ones(GEN_F64, GEN_DIMS(1, 1));
    YS = gen_zeros(GEN_F64, GEN_DIMS(2, 1));
    LG = (gen_lgssm){S1, MAT1, MAT1, NULL, MAT1, MAT1, NULL, MAT1};
    for (int i = 0; i < 6; i++) LG_FIELDS[i] = LG; /* each with one required field NULL */
    LG_FIELDS[0].m0 = NULL, LG_FIELDS[1].P0 = NULL, LG_FIELDS[2].A = NULL;
    LG_FIELDS[3].Q = NULL, LG_FIELDS[4].C = NULL, LG_FIELDS[5].R = NULL;
    LOG_INIT = gen_log(X);
    LOG_TRANS = gen_log(gen_full(GEN_F64, GEN_DIMS(2, 2), 0.5));
    LOG_LIK = gen_zeros(GEN_F64, GEN_DIMS(3, 2));
    CHECK(X && S && S1 && I && MASK && DRAWS && THETA && CM && OBS && GF && GF2 && PROP && TR && D && SEL &&
          BUILDER && BIJ && REQ && TGT && FOUT);
}

/* ---- the checks ---- */

/* The name a message must contain: the function's without the gen_ prefix (and without
 * the _with suffix: gen_importance_sampling_with reports as gen_importance_sampling, the
 * same function with a progress argument). */
static const char *fn_name(const char *call, char *buf, size_t n) {
    const char *p = strncmp(call, "gen_", 4) == 0 ? call + 4 : call;
    size_t k = strcspn(p, "(");
    if (k >= n) k = n - 1;
    if (k > 5 && strncmp(p + k - 5, "_with", 5) == 0) k -= 5;
    memcpy(buf, p, k);
    buf[k] = '\0';
    return buf;
}

static void check_misuse(int line, const char *call, const char *name, bool returned_ok, const char *what) {
    check_count++;
    char nb[64];
    if (!name) name = fn_name(call, nb, sizeof nb);
    const char *msg = gen_error_message();
    if (gen_error_status() != GEN_ERR_MISUSE || !strstr(msg, name) || !returned_ok)
        check_fail(__FILE__, line, "%s: want GEN_ERR_MISUSE naming %s%s, got %s: \"%s\"%s", call, name,
                   what, gen_status_name(gen_error_status()), msg, returned_ok ? "" : " (and the wrong result)");
    gen_error_clear();
}

static void check_quiet(int line, const char *call, bool ok) {
    check_count++;
    if (!ok || gen_error_status() != GEN_OK)
        check_fail(__FILE__, line, "%s: want the documented value and nothing recorded, got %s%s: \"%s\"", call,
                   ok ? "the value, " : "another value, ", gen_status_name(gen_error_status()), gen_error_message());
    gen_error_clear();
}

/* The kernel's short name: gen_kernel_mh_select(...) -> "mh_select". */
static void check_kernel(int line, const char *call, gen_kernel k) {
    char nb[64];
    fn_name(call + strlen("gen_kernel_"), nb, sizeof nb);
    gen_trace *out = NULL;
    gen_error_clear();
    gen_status s = gen_kernel_apply(k, KEY, TR, &out, NULL);
    check_misuse(line, call, nb, s == GEN_ERR_MISUSE && !out, " when applied");
}

#define ST(call) (gen_error_clear(), check_status_at(__LINE__, #call, (call)))
static void check_status_at(int line, const char *call, gen_status s) {
    check_misuse(line, call, NULL, s == GEN_ERR_MISUSE, "");
}
#define PTR(call) (gen_error_clear(), check_misuse(__LINE__, #call, NULL, (call) == NULL, ""))
#define REC(call) (gen_error_clear(), (void)(call), check_misuse(__LINE__, #call, NULL, true, ""))
#define DOC(call, want) (gen_error_clear(), check_quiet(__LINE__, #call, (call) == (want)))
#define DOC_STR(call, want) (gen_error_clear(), check_quiet(__LINE__, #call, strcmp((call), (want)) == 0))
#define NOOP(call) (gen_error_clear(), (call), check_quiet(__LINE__, #call, true))
#define KERNEL(call) check_kernel(__LINE__, #call, (call))

/* ---- NULL fields of payloads, and the messages the issue names ---- */

static gen_status choose_null_dist(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    *retval = gen_choose(ctx, "a", NULL);
    return gen_ctx_status(ctx);
}

static void test_fields(void) {
    /* a kernel list whose kernels or probabilities are NULL */
    gen_kernel_list no_kernels = {1, NULL, PROBS}, no_probs = {1, KPARTS, NULL};
    gen_trace *out = NULL;
    CHECK(gen_kernel_apply(gen_kernel_cycle(&no_kernels), KEY, TR, &out, NULL) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_kernel_apply: the cycle kernel's list of kernels is NULL");
    CHECK(gen_kernel_apply(gen_kernel_mixture(&no_kernels), KEY, TR, &out, NULL) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_kernel_apply: the mixture kernel's list of kernels is NULL");
    CHECK(gen_kernel_apply(gen_kernel_mixture(&no_probs), KEY, TR, &out, NULL) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_kernel_apply: the mixture kernel's list of probabilities is NULL");
    CHECK(gen_kernel_apply(gen_kernel_mh_select(NULL), KEY, TR, &out, NULL) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_kernel_apply: the mh_select kernel's payload is NULL (gen_kernel_mh_select(NULL))");
    /* a payload whose fields are NULL: the step function names what is missing */
    gen_mh_select_kernel no_sel = {NULL};
    CHECK(gen_kernel_apply(gen_kernel_mh_select(&no_sel), KEY, TR, &out, NULL) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_mh_select: the selection is NULL");
    gen_hmc_kernel no_hmc_sel = {NULL, 0.1, 2, NULL};
    CHECK(gen_kernel_apply(gen_kernel_hmc(&no_hmc_sel), KEY, TR, &out, NULL) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_hmc: the selection is NULL");
    gen_mh_proposal_kernel no_prop = {NULL, NULL};
    CHECK(gen_kernel_apply(gen_kernel_mh_proposal(&no_prop), KEY, TR, &out, NULL) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_mh_proposal: the proposal is NULL");
    CHECK(gen_kernel_apply((gen_kernel){NULL, NULL, NULL}, KEY, TR, &out, NULL) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_kernel_apply: the kernel has no function");
    /* gen_choose(ctx, "a", NULL): a misuse naming the address, not an internal error */
    gen_trace *tr = NULL;
    CHECK(gen_simulate(gen_dynamic("null_dist", choose_null_dist), KEY, NULL, &tr) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "a: gen_choose: the distribution is NULL");
    /* gen_error_set with no format: a misuse (it used to pass NULL to vsnprintf) */
    const char *no_fmt = NULL;
    CHECK(gen_error_set(GEN_ERR_VALUE, no_fmt, 0) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_error_set: fmt is NULL");
    /* gen_addr_equal given NULL: a misuse naming the argument (it used to crash) */
    gen_addr b;
    CHECK_OK(gen_addr_parse(&b, "b"));
    CHECK(gen_addr_equal(&b, NULL) == false);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_addr_equal: b is NULL");
}

/* ---- genc/array.h ---- */

static void test_array(void) {
    DOC(gen_array_retain(NULL), NULL);
    NOOP(gen_array_release(NULL));
    DOC(gen_scope_return(NULL), NULL);
    PTR(gen_array_from(GEN_F64, 1, NULL, BYTES));
    PTR(gen_array_from(GEN_F64, 1, SHAPE1, NULL));
    PTR(gen_array_from_f64(1, NULL, PROBS));
    PTR(gen_array_from_f64(1, SHAPE1, NULL));
    PTR(gen_zeros(GEN_F64, 1, NULL));
    PTR(gen_ones(GEN_F64, 1, NULL));
    PTR(gen_full(GEN_F64, 1, NULL, 0.5));
    PTR(gen_one_hot(NULL, 2, GEN_F64));
    PTR(gen_copy(NULL));
    DOC(gen_array_dtype(NULL), GEN_F64);
    DOC(gen_array_ndim(NULL), 0);
    DOC(gen_array_shape(NULL), NULL);
    DOC(gen_array_dim(NULL, 1), -1);
    DOC(gen_array_size(NULL), 0);
    DOC(gen_array_data(NULL), NULL);
    DOC(gen_array_device(NULL), GEN_DEVICE_CPU);
    PTR(gen_array_to_host(NULL));
    PTR(gen_array_to_device(NULL, GEN_DEVICE_CPU));
    DOC(gen_device_supports(GEN_DEVICE_CPU, NULL), false);
    ST(gen_item(NULL, &o_dbl));
    ST(gen_item(S, NULL));
    ST(gen_item_i64(NULL, &o_i64));
    ST(gen_item_i64(S, NULL));
    ST(gen_array_copy_to(NULL, GEN_F64, NULL, sizeof o_buf));
    ST(gen_array_copy_to(X, GEN_F64, NULL, sizeof o_buf));
    ST(gen_array_format(NULL, o_buf, sizeof o_buf));
    ST(gen_array_format(X, NULL, sizeof o_buf));
    PTR(gen_tuple(1, NULL));
    DOC(gen_array_is_tuple(NULL), false);
    REC(gen_tuple_size(NULL));
    PTR(gen_tuple_get(NULL, 0));
    PTR(gen_batched(NULL));
    PTR(gen_unbatched(NULL));
    DOC(gen_array_is_batched(NULL), false);
    PTR(gen_neg(NULL));
    PTR(gen_abs(NULL));
    PTR(gen_sign(NULL));
    PTR(gen_exp(NULL));
    PTR(gen_expm1(NULL));
    PTR(gen_log(NULL));
    PTR(gen_log1p(NULL));
    PTR(gen_sqrt(NULL));
    PTR(gen_square(NULL));
    PTR(gen_reciprocal(NULL));
    PTR(gen_sin(NULL));
    PTR(gen_cos(NULL));
    PTR(gen_tan(NULL));
    PTR(gen_tanh(NULL));
    PTR(gen_sigmoid(NULL));
    PTR(gen_log_sigmoid(NULL));
    PTR(gen_softplus(NULL));
    PTR(gen_floor(NULL));
    PTR(gen_ceil(NULL));
    PTR(gen_round(NULL));
    PTR(gen_erf(NULL));
    PTR(gen_erfc(NULL));
    PTR(gen_erfinv(NULL));
    PTR(gen_lgamma(NULL));
    PTR(gen_digamma(NULL));
    PTR(gen_trigamma(NULL));
    PTR(gen_log_ndtr(NULL));
    PTR(gen_logical_not(NULL));
    PTR(gen_isfinite(NULL));
    PTR(gen_isnan(NULL));
    PTR(gen_cast(NULL, GEN_F64));
    PTR(gen_stop_gradient(NULL));
    PTR(gen_add(NULL, X));
    PTR(gen_add(X, NULL));
    PTR(gen_sub(NULL, X));
    PTR(gen_sub(X, NULL));
    PTR(gen_mul(NULL, X));
    PTR(gen_mul(X, NULL));
    PTR(gen_div(NULL, X));
    PTR(gen_div(X, NULL));
    PTR(gen_pow(NULL, X));
    PTR(gen_pow(X, NULL));
    PTR(gen_maximum(NULL, X));
    PTR(gen_maximum(X, NULL));
    PTR(gen_minimum(NULL, X));
    PTR(gen_minimum(X, NULL));
    PTR(gen_atan2(NULL, X));
    PTR(gen_atan2(X, NULL));
    PTR(gen_mod(NULL, X));
    PTR(gen_mod(X, NULL));
    PTR(gen_logaddexp(NULL, X));
    PTR(gen_logaddexp(X, NULL));
    PTR(gen_eq(NULL, X));
    PTR(gen_eq(X, NULL));
    PTR(gen_ne(NULL, X));
    PTR(gen_ne(X, NULL));
    PTR(gen_lt(NULL, X));
    PTR(gen_lt(X, NULL));
    PTR(gen_le(NULL, X));
    PTR(gen_le(X, NULL));
    PTR(gen_gt(NULL, X));
    PTR(gen_gt(X, NULL));
    PTR(gen_ge(NULL, X));
    PTR(gen_ge(X, NULL));
    PTR(gen_logical_and(NULL, X));
    PTR(gen_logical_and(X, NULL));
    PTR(gen_logical_or(NULL, X));
    PTR(gen_logical_or(X, NULL));
    PTR(gen_where(NULL, X, X));
    PTR(gen_where(X, NULL, X));
    PTR(gen_where(X, X, NULL));
    PTR(gen_clip(NULL, X, X));
    PTR(gen_clip(X, NULL, X));
    PTR(gen_clip(X, X, NULL));
    PTR(gen_sum(NULL, 1, AXES1, false));
    PTR(gen_sum(X, 1, NULL, false));
    PTR(gen_prod(NULL, 1, AXES1, false));
    PTR(gen_prod(X, 1, NULL, false));
    PTR(gen_mean(NULL, 1, AXES1, false));
    PTR(gen_mean(X, 1, NULL, false));
    PTR(gen_max(NULL, 1, AXES1, false));
    PTR(gen_max(X, 1, NULL, false));
    PTR(gen_min(NULL, 1, AXES1, false));
    PTR(gen_min(X, 1, NULL, false));
    PTR(gen_logsumexp(NULL, 1, AXES1, false));
    PTR(gen_logsumexp(X, 1, NULL, false));
    PTR(gen_all(NULL, 1, AXES1, false));
    PTR(gen_all(X, 1, NULL, false));
    PTR(gen_any(NULL, 1, AXES1, false));
    PTR(gen_any(X, 1, NULL, false));
    PTR(gen_argmax(NULL, 1, false));
    PTR(gen_argmin(NULL, 1, false));
    PTR(gen_cumsum(NULL, 1));
    PTR(gen_cumlogsumexp(NULL, 1));
    PTR(gen_sort(NULL, 1));
    PTR(gen_argsort(NULL, 1));
    PTR(gen_reshape(NULL, 1, SHAPE1));
    PTR(gen_reshape(X, 1, NULL));
    PTR(gen_transpose(NULL));
    PTR(gen_permute(NULL, 1, AXES1));
    PTR(gen_permute(X, 1, NULL));
    PTR(gen_expand_dims(NULL, 1));
    PTR(gen_squeeze(NULL, 1, AXES1));
    PTR(gen_squeeze(X, 1, NULL));
    PTR(gen_broadcast_to(NULL, 1, SHAPE1));
    PTR(gen_broadcast_to(X, 1, NULL));
    PTR(gen_concatenate(1, NULL, 1));
    PTR(gen_stack(1, NULL, 1));
    PTR(gen_slice(NULL, 1, 1, 1, 1));
    PTR(gen_take(NULL, I, 0));
    PTR(gen_take(X, NULL, 0));
    PTR(gen_index_set(NULL, 0, I, S));
    PTR(gen_index_set(X, 0, NULL, S));
    PTR(gen_index_set(X, 0, I, NULL));
    PTR(gen_index_add(NULL, 0, I, S));
    PTR(gen_index_add(X, 0, NULL, S));
    PTR(gen_index_add(X, 0, I, NULL));
    PTR(gen_flip(NULL, 1));
    PTR(gen_at(NULL, 0));
    PTR(gen_at2(NULL, 0, 0));
    PTR(gen_range(NULL, 0, 1));
    PTR(gen_tile(NULL, 1, SHAPE1));
    PTR(gen_tile(X, 1, NULL));
    PTR(gen_matmul(NULL, X));
    PTR(gen_matmul(X, NULL));
    PTR(gen_matrix_transpose(NULL));
    PTR(gen_outer(NULL, X));
    PTR(gen_outer(X, NULL));
    PTR(gen_cholesky(NULL));
    PTR(gen_triangular_solve(NULL, X, false, false));
    PTR(gen_triangular_solve(X, NULL, false, false));
    PTR(gen_solve(NULL, X));
    PTR(gen_solve(X, NULL));
    PTR(gen_inv(NULL));
    PTR(gen_logdet(NULL));
    PTR(gen_diag(NULL));
    PTR(gen_diag_embed(NULL));
    PTR(gen_matrix_trace(NULL));
    /* No pointer argument: gen_scalar, gen_scalar_f32, gen_scalar_i64, gen_scalar_bool,
     * gen_arange, gen_linspace, gen_eye, gen_dtype_name, gen_dtype_size, gen_device_name,
     * gen_device_count, gen_device_cuda, gen_device_default, gen_device_set_default,
     * gen_device_synchronize, gen_op_count, gen_op_name, gen_batch_begin, gen_batch_end, gen_batch_size, gen_batch_suspend,
     * gen_batch_resume. */
}

/* ---- genc/autodiff.h ---- */

static void test_autodiff(void) {
    ST(gen_vjp(CLOSURE, 1, NULL, 1, ARRS, &o_arr, &o_arr));
    ST(gen_vjp(CLOSURE, 1, ARRS, 1, NULL, &o_arr, &o_arr));
    ST(gen_vjp(CLOSURE, 1, ARRS, 1, ARRS, &o_arr, NULL));
    ST(gen_grad(CLOSURE, 1, NULL, &o_arr));
    ST(gen_grad(CLOSURE, 1, ARRS, NULL));
    ST(gen_value_and_grad(CLOSURE, 1, NULL, &o_arr, &o_arr));
    ST(gen_value_and_grad(CLOSURE, 1, ARRS, NULL, &o_arr));
    ST(gen_value_and_grad(CLOSURE, 1, ARRS, &o_arr, NULL));
    ST(gen_jvp(CLOSURE, 1, NULL, ARRS, 1, &o_arr, &o_arr));
    ST(gen_jvp(CLOSURE, 1, ARRS, ARRS, 1, &o_arr, NULL));
    ST(gen_custom_vjp(CLOSURE, VJP_RULE, NULL, 1, NULL, 1, &o_arr));
    /* Optional (documented "may be NULL", no row): gen_vjp out, gen_jvp tangents, gen_jvp out,
     * gen_custom_vjp rule_payload, gen_custom_vjp out. */
}

/* ---- genc/choice.h ---- */

static void test_choice(void) {
    REC(gen_intern(NULL));
    REC(gen_intern_n(NULL, sizeof o_buf));
    REC(gen_part_name(NULL));
    REC(gen_part_format(PART, NULL, sizeof o_buf));
    ST(gen_addr_from(NULL, 1, PARTS));
    ST(gen_addr_from(&o_addr, 1, NULL));
    ST(gen_addr_push(NULL, PART));
    ST(gen_addr_pop(NULL));
    ST(gen_addr_concat(NULL, &ADDR, &ADDR));
    ST(gen_addr_concat(&o_addr, NULL, &ADDR));
    ST(gen_addr_concat(&o_addr, &ADDR, NULL));
    ST(gen_addr_parse(NULL, "a"));
    ST(gen_addr_parse(&o_addr, NULL));
    REC(gen_addr_format(NULL, o_buf, sizeof o_buf));
    REC(gen_addr_format(&ADDR, NULL, sizeof o_buf));
    REC(gen_addr_equal(NULL, &ADDR));
    REC(gen_addr_equal(&ADDR, NULL));
    REC(gen_addr_compare(NULL, &ADDR));
    REC(gen_addr_compare(&ADDR, NULL));
    REC(gen_addr_hash(NULL));
    REC(gen_addr_key_hash(NULL));
    REC(gen_addr_has_prefix(NULL, &ADDR));
    REC(gen_addr_has_prefix(&ADDR, NULL));
    DOC(gen_choicemap_retain(NULL), NULL);
    NOOP(gen_choicemap_release(NULL));
    DOC(gen_choicemap_scope_return(NULL), NULL);
    PTR(gen_choicemap_of_value(NULL));
    DOC(gen_choicemap_is_empty(NULL), true);
    DOC(gen_choicemap_is_value(NULL), false);
    DOC(gen_choicemap_value(NULL), NULL);
    DOC(gen_choicemap_count(NULL), 0);
    DOC(gen_choicemap_find(NULL, &ADDR), NULL);
    PTR(gen_choicemap_find(CM, NULL));
    PTR(gen_choicemap_get_value(NULL, &ADDR));
    PTR(gen_choicemap_get_value(CM, NULL));
    DOC(gen_choicemap_has_value(NULL, &ADDR), false);
    REC(gen_choicemap_has_value(CM, NULL));
    PTR(gen_choicemap_get_path(NULL, "a"));
    PTR(gen_choicemap_get_path(CM, NULL));
    PTR(gen_choicemap_get_submap(NULL, &ADDR));
    PTR(gen_choicemap_get_submap(CM, NULL));
    DOC(gen_choicemap_child(NULL, PART), NULL);
    DOC(gen_choicemap_num_children(NULL), 0);
    DOC(gen_choicemap_child_at(NULL, 1, &o_part), NULL);
    REC(gen_choicemap_iter_init(NULL, CM));
    REC(gen_choicemap_iter_init(&o_iter, NULL));
    REC(gen_choicemap_iter_next(NULL));
    ST(gen_choicemap_foreach(NULL, VISIT_FN, NULL));
    DOC(gen_choicemap_equal(NULL, CM), false);
    DOC(gen_choicemap_equal(CM, NULL), false);
    DOC(gen_choicemap_mask_at(NULL, &ADDR), NULL);
    PTR(gen_choicemap_mask_at(CM, NULL));
    PTR(gen_choicemap_set_masked(NULL, &ADDR, X, MASK));
    PTR(gen_choicemap_set_masked(CM, NULL, X, MASK));
    PTR(gen_choicemap_set_masked(CM, &ADDR, NULL, MASK));
    PTR(gen_choicemap_set_masked(CM, &ADDR, X, NULL));
    PTR(gen_choicemap_keep_particles(NULL, MASK));
    PTR(gen_choicemap_keep_particles(CM, NULL));
    PTR(gen_choicemap_for_particles(NULL, MASK));
    PTR(gen_choicemap_for_particles(CM, NULL));
    PTR(gen_choicemap_set(NULL, &ADDR, X));
    PTR(gen_choicemap_set(CM, NULL, X));
    PTR(gen_choicemap_set(CM, &ADDR, NULL));
    PTR(gen_choicemap_set_path(NULL, "a", X));
    PTR(gen_choicemap_set_path(CM, NULL, X));
    PTR(gen_choicemap_set_path(CM, "a", NULL));
    PTR(gen_choicemap_set_submap(NULL, &ADDR, CM));
    PTR(gen_choicemap_set_submap(CM, NULL, CM));
    PTR(gen_choicemap_set_submap(CM, &ADDR, NULL));
    PTR(gen_choicemap_remove(NULL, &ADDR));
    PTR(gen_choicemap_remove(CM, NULL));
    PTR(gen_choicemap_merge(NULL, CM));
    PTR(gen_choicemap_merge(CM, NULL));
    PTR(gen_choicemap_particle(NULL, 0));
    NOOP(gen_choicemap_builder_free(NULL));
    ST(gen_choicemap_builder_set(NULL, &ADDR, X));
    ST(gen_choicemap_builder_set(BUILDER, NULL, X));
    ST(gen_choicemap_builder_set(BUILDER, &ADDR, NULL));
    ST(gen_choicemap_builder_set_path(NULL, "a", X));
    ST(gen_choicemap_builder_set_path(BUILDER, NULL, X));
    ST(gen_choicemap_builder_set_path(BUILDER, "a", NULL));
    ST(gen_choicemap_builder_set_masked(NULL, &ADDR, X, MASK));
    ST(gen_choicemap_builder_set_masked(BUILDER, NULL, X, MASK));
    ST(gen_choicemap_builder_set_masked(BUILDER, &ADDR, NULL, MASK));
    ST(gen_choicemap_builder_set_masked(BUILDER, &ADDR, X, NULL));
    ST(gen_choicemap_builder_set_submap(NULL, &ADDR, CM));
    ST(gen_choicemap_builder_set_submap(BUILDER, NULL, CM));
    ST(gen_choicemap_builder_set_submap(BUILDER, &ADDR, NULL));
    PTR(gen_choicemap_builder_finish(NULL));
    DOC(gen_selection_retain(NULL), NULL);
    NOOP(gen_selection_release(NULL));
    DOC(gen_selection_scope_return(NULL), NULL);
    PTR(gen_select(1, NULL));
    PTR(gen_select_paths(1, NULL));
    PTR(gen_selection_complement(NULL));
    PTR(gen_selection_union(NULL, SEL));
    PTR(gen_selection_union(SEL, NULL));
    DOC(gen_selection_sub(NULL, PART), NULL);
    DOC(gen_selection_contains(NULL, &ADDR), false);
    REC(gen_selection_contains(SEL, NULL));
    DOC(gen_selection_is_all(NULL), false);
    DOC(gen_selection_is_none(NULL), false);
    ST(gen_selection_foreach_named(NULL, SEL_VISIT_FN, NULL));
    PTR(gen_choicemap_restrict(NULL, SEL));
    PTR(gen_choicemap_restrict(CM, NULL));
    PTR(gen_choicemap_restrict_complement(NULL, SEL));
    PTR(gen_choicemap_restrict_complement(CM, NULL));
    REC(gen_choicemap_flat_size(NULL, SEL));
    PTR(gen_choicemap_flatten(NULL, SEL));
    PTR(gen_choicemap_unflatten(NULL, SEL, S1));
    PTR(gen_choicemap_unflatten(CM, SEL, NULL));
    {
        char **names = NULL, buf[8];
        int64_t n = 0;
        REC(gen_addr_format_elem(NULL, 0, NULL, 0, buf, sizeof buf));
        REC(gen_addr_format_elem(&ADDR, 0, NULL, 0, NULL, sizeof buf));
        ST(gen_choicemap_flat_names(NULL, SEL, &names, &n));
        ST(gen_choicemap_flat_names(CM, SEL, NULL, &n));
        ST(gen_choicemap_flat_names(CM, SEL, &names, NULL));
        NOOP(gen_names_free(NULL, 0));
    }
    PTR(gen_choicemap_to_json(NULL));
    NOOP(gen_choicemap_json_free(NULL));
    PTR(gen_choicemap_from_json(NULL));
    /* No pointer argument: gen_sym_name, gen_sym_count, gen_intern_reset, gen_choicemap_empty,
     * gen_choicemap_builder_new, gen_select_all, gen_select_none, gen_part_sym, gen_part_int,
     * gen_part_valid, gen_part_is_sym, gen_part_is_int, gen_part_get_sym, gen_part_get_int,
     * gen_part_equal, gen_part_compare. */
    /* Optional (documented "may be NULL", no row): gen_choicemap_child_at part,
     * gen_choicemap_foreach ud, gen_selection_foreach_named ud, gen_choicemap_flat_size sel,
     * gen_choicemap_flatten sel, gen_choicemap_unflatten sel, gen_choicemap_flat_names sel,
     * gen_addr_format_elem buf when its size is 0 and shape when ndim is 0. */
}

/* ---- genc/comb.h ---- */

static void test_comb(void) {
    PTR(gen_map(NULL));
    PTR(gen_switch(1, NULL));
    PTR(gen_mask(NULL));
    PTR(gen_mix(1, NULL));
    PTR(gen_dimap(NULL, ARGS_FN, RETVAL_FN, NULL));
    PTR(gen_contramap(NULL, ARGS_FN, NULL));
    PTR(gen_recurse(NULL, GF, 1));
    PTR(gen_recurse(GF, NULL, 1));
    PTR(gen_unfold(NULL));
    PTR(gen_scan(NULL));
    /* Optional (documented "may be NULL", no row): gen_dimap payload, gen_contramap payload. */
}

/* ---- genc/compile.h ---- */

static void test_compile(void) {
    gen_closure none = {NULL, NULL};
    PTR(gen_compile(none, 1, ARRS, 1));
    PTR(gen_compile(CLOSURE, 1, NULL, 1));
    ST(gen_compiled_call(NULL, ARRS, &o_arr));
    NOOP(gen_compiled_free(NULL));
    gen_cc_module *ccm = NULL;
    ST(gen_cc_module_load(NULL, NULL, &ccm));
    ST(gen_cc_module_load("m.c", NULL, NULL));
    DOC(gen_cc_module_symbol(NULL, "f"), NULL);
    DOC(gen_cc_module_object(NULL), NULL);
    DOC(gen_cc_module_cached(NULL), false);
    NOOP(gen_cc_module_close(NULL));
    /* No pointer argument: gen_set_compile, gen_compile_enabled, gen_compile_cache_clear. */
    /* Optional (documented "may be NULL", no row): gen_cc_module_load opts. The NULL name of
     * gen_cc_module_symbol needs a loaded module: tests/compile/test_cc_module.c. */
}

/* ---- genc/core.h ---- */

static void test_core(void) {

    /* No pointer argument: gen_error_status, gen_error_message, gen_error_location,
     * gen_error_clear, gen_status_name, gen_scope_begin, gen_scope_end, gen_scope_depth,
     * gen_debug, gen_set_debug, gen_error_set (its NULL format: test_fields). */
    /* Optional (documented "may be NULL", no row): gen_set_allocator fn and ud (NULL: the
     * default allocator). */
}

/* ---- genc/diag.h ---- */

static void test_diag(void) {
    ST(gen_ess_bulk(NULL, 1, NDRAWS, &o_dbl));
    ST(gen_ess_bulk(CHAINS, 1, NULL, &o_dbl));
    ST(gen_ess_bulk(CHAINS, 1, NDRAWS, NULL));
    ST(gen_ess_tail(NULL, 1, NDRAWS, &o_dbl));
    ST(gen_ess_tail(CHAINS, 1, NULL, &o_dbl));
    ST(gen_ess_tail(CHAINS, 1, NDRAWS, NULL));
    ST(gen_ess_quantile(NULL, 1, NDRAWS, 0.5, &o_dbl));
    ST(gen_ess_quantile(CHAINS, 1, NULL, 0.5, &o_dbl));
    ST(gen_ess_quantile(CHAINS, 1, NDRAWS, 0.5, NULL));
    ST(gen_ess_basic(NULL, 1, NDRAWS, &o_dbl));
    ST(gen_ess_basic(CHAINS, 1, NULL, &o_dbl));
    ST(gen_ess_basic(CHAINS, 1, NDRAWS, NULL));
    ST(gen_rhat(NULL, 1, NDRAWS, &o_dbl));
    ST(gen_rhat(CHAINS, 1, NULL, &o_dbl));
    ST(gen_rhat(CHAINS, 1, NDRAWS, NULL));
    ST(gen_rhat_basic(NULL, 1, NDRAWS, &o_dbl));
    ST(gen_rhat_basic(CHAINS, 1, NULL, &o_dbl));
    ST(gen_rhat_basic(CHAINS, 1, NDRAWS, NULL));
    ST(gen_mcse_mean(NULL, 1, NDRAWS, &o_dbl));
    ST(gen_mcse_mean(CHAINS, 1, NULL, &o_dbl));
    ST(gen_mcse_mean(CHAINS, 1, NDRAWS, NULL));
    ST(gen_mcse_sd(NULL, 1, NDRAWS, &o_dbl));
    ST(gen_mcse_sd(CHAINS, 1, NULL, &o_dbl));
    ST(gen_mcse_sd(CHAINS, 1, NDRAWS, NULL));
    ST(gen_mcse_quantile(NULL, 1, NDRAWS, 0.5, &o_dbl));
    ST(gen_mcse_quantile(CHAINS, 1, NULL, 0.5, &o_dbl));
    ST(gen_mcse_quantile(CHAINS, 1, NDRAWS, 0.5, NULL));
    ST(gen_diag_array(gen_rhat, NULL, &o_dbl, 1));
    ST(gen_diag_array(gen_rhat, DRAWS, NULL, 1));
    ST(gen_summarize(NULL, 1, NDRAWS, PROBS, 1, o_summ));
    ST(gen_summarize(CHAINS, 1, NULL, PROBS, 1, o_summ));
    ST(gen_summarize(CHAINS, 1, NDRAWS, PROBS, 1, NULL));
    ST(gen_summarize_array(NULL, PROBS, 1, o_summ, 1));
    ST(gen_summarize_array(DRAWS, PROBS, 1, NULL, 1));
    ST(gen_summary_print(NULL, SUMM, 1, NAMES));
    ST(gen_summary_print(FOUT, NULL, 1, NAMES));
    ST(gen_summary_write_json(NULL, SUMM, 1, NAMES));
    ST(gen_summary_write_json(FOUT, NULL, 1, NAMES));
    /* Optional (documented "may be NULL", no row): gen_summarize probs, gen_summarize_array
     * probs, gen_summary_print names, gen_summary_write_json names. */
}

/* ---- genc/report.h ---- */

static void test_report(void) {
    const char *const names2[2] = {"a", "b"};
    gen_array *draws = gen_array_from_f64(GEN_DIMS(1, 4), CHAIN0);
    PTR(gen_report_new(NULL));
    gen_report *r = gen_report_new("r");
    NOOP(gen_report_free(NULL));
    ST(gen_report_add_draws(NULL, "t", draws, NAMES, 1, NULL));
    ST(gen_report_add_draws(r, NULL, draws, NAMES, 1, NULL));
    ST(gen_report_add_draws(r, "t", NULL, NAMES, 1, NULL));
    ST(gen_report_add_draws(r, "t", draws, NULL, 1, NULL));
    ST(gen_report_set_pairs(NULL, names2, 2));
    ST(gen_report_set_pairs(r, NULL, 2));
    ST(gen_report_set_density(NULL, GEN_REPORT_KDE));
    gen_report_series s = {.title = "s", .n = 1, .y = CHAIN0};
    ST(gen_report_add_series(NULL, &s));
    ST(gen_report_add_series(r, NULL));
    s.title = NULL;
    ST(gen_report_add_series(r, &s));
    s.title = "s", s.y = NULL;
    ST(gen_report_add_series(r, &s));
    ST(gen_report_add_text(NULL, "h", "t"));
    ST(gen_report_add_text(r, "h", NULL));
    ST(gen_report_add_table(NULL, "t", 1, 1, NULL, NAMES));
    ST(gen_report_add_table(r, "t", 1, 1, NULL, NULL));
    ST(gen_report_write_html(NULL, "/dev/null"));
    ST(gen_report_write_html(r, NULL));
    gen_report_free(r);
    /* Optional (documented "may be NULL", no row): gen_report_add_draws divergent,
     * gen_report_set_pairs names with n = 0, the series' x, xlabel, ylabel and
     * reference_label, gen_report_add_text heading, gen_report_add_table title, header and
     * cells of an empty table. */
}

/* ---- genc/dist.h ---- */

static void test_dist(void) {
    DOC(gen_dist_retain(NULL), NULL);
    NOOP(gen_dist_release(NULL));
    DOC(gen_dist_scope_return(NULL), NULL);
    DOC_STR(gen_dist_name(NULL), "(null)");
    DOC(gen_dist_dtype(NULL), GEN_F64);
    DOC(gen_dist_batch_ndim(NULL), 0);
    DOC(gen_dist_batch_shape(NULL), NULL);
    DOC(gen_dist_event_ndim(NULL), 0);
    DOC(gen_dist_event_shape(NULL), NULL);
    DOC(gen_dist_is_discrete(NULL), false);
    DOC(gen_dist_is_batched(NULL), false);
    DOC(gen_dist_num_params(NULL), 0);
    DOC(gen_dist_param(NULL, 1), NULL);
    DOC(gen_dist_param_name(NULL, 1), NULL);
    PTR(gen_dist_sample(NULL, KEY, 1, SHAPE1));
    PTR(gen_dist_sample(D, KEY, 1, NULL));
    PTR(gen_dist_rsample(NULL, KEY, 1, SHAPE1));
    PTR(gen_dist_rsample(D, KEY, 1, NULL));
    DOC(gen_dist_has_rsample(NULL), false);
    PTR(gen_dist_logpdf(NULL, X));
    PTR(gen_dist_logpdf(D, NULL));
    ST(gen_dist_support(NULL, &o_support));
    ST(gen_dist_support(D, NULL));
    PTR(gen_dist_enumerate(NULL));
    PTR(gen_dist_cdf(NULL, X));
    PTR(gen_dist_cdf(D, NULL));
    PTR(gen_dist_log_cdf(NULL, X));
    PTR(gen_dist_log_cdf(D, NULL));
    PTR(gen_dist_log_ccdf(NULL, X));
    PTR(gen_dist_log_ccdf(D, NULL));
    PTR(gen_dist_quantile(NULL, X));
    PTR(gen_dist_quantile(D, NULL));
    PTR(gen_dist_bijection(NULL));
    PTR(gen_normal(NULL, X));
    PTR(gen_normal(X, NULL));
    PTR(gen_uniform(NULL, X));
    PTR(gen_uniform(X, NULL));
    PTR(gen_beta(NULL, X));
    PTR(gen_beta(X, NULL));
    PTR(gen_gamma(NULL, X));
    PTR(gen_gamma(X, NULL));
    PTR(gen_inv_gamma(NULL, X));
    PTR(gen_inv_gamma(X, NULL));
    PTR(gen_exponential(NULL));
    PTR(gen_laplace(NULL, X));
    PTR(gen_laplace(X, NULL));
    PTR(gen_cauchy(NULL, X));
    PTR(gen_cauchy(X, NULL));
    PTR(gen_student_t(NULL, X, X));
    PTR(gen_student_t(X, NULL, X));
    PTR(gen_student_t(X, X, NULL));
    PTR(gen_lognormal(NULL, X));
    PTR(gen_lognormal(X, NULL));
    PTR(gen_truncated_normal(NULL, X, X, X));
    PTR(gen_truncated_normal(X, NULL, X, X));
    PTR(gen_truncated_normal(X, X, NULL, X));
    PTR(gen_truncated_normal(X, X, X, NULL));
    PTR(gen_half_normal(NULL));
    PTR(gen_half_cauchy(NULL));
    PTR(gen_logistic(NULL, X));
    PTR(gen_logistic(X, NULL));
    PTR(gen_weibull(NULL, X));
    PTR(gen_weibull(X, NULL));
    PTR(gen_pareto(NULL, X));
    PTR(gen_pareto(X, NULL));
    PTR(gen_chi2(NULL));
    PTR(gen_gumbel(NULL, X));
    PTR(gen_gumbel(X, NULL));
    PTR(gen_von_mises(NULL, X));
    PTR(gen_von_mises(X, NULL));
    PTR(gen_wrapped_cauchy(NULL, X));
    PTR(gen_wrapped_cauchy(X, NULL));
    PTR(gen_beta_uniform(NULL, X, X));
    PTR(gen_beta_uniform(X, NULL, X));
    PTR(gen_beta_uniform(X, X, NULL));
    PTR(gen_piecewise_uniform(NULL, X));
    PTR(gen_piecewise_uniform(X, NULL));
    PTR(gen_broadcasted_normal(NULL, X));
    PTR(gen_broadcasted_normal(X, NULL));
    PTR(gen_delta(NULL));
    PTR(gen_flat(1, NULL));
    PTR(gen_half_flat(1, NULL));
    PTR(gen_mvnormal(NULL, X));
    PTR(gen_mvnormal(X, NULL));
    PTR(gen_mvnormal_chol(NULL, X));
    PTR(gen_mvnormal_chol(X, NULL));
    PTR(gen_dirichlet(NULL));
    PTR(gen_wishart(NULL, X));
    PTR(gen_wishart(X, NULL));
    PTR(gen_inv_wishart(NULL, X));
    PTR(gen_inv_wishart(X, NULL));
    PTR(gen_lkj_cholesky(2, NULL));
    PTR(gen_bernoulli(NULL));
    PTR(gen_bernoulli_logit(NULL));
    PTR(gen_categorical(NULL));
    PTR(gen_categorical_logits(NULL));
    PTR(gen_poisson(NULL));
    PTR(gen_geometric(NULL));
    PTR(gen_neg_binomial(NULL, X));
    PTR(gen_neg_binomial(X, NULL));
    PTR(gen_binomial(NULL, X));
    PTR(gen_binomial(X, NULL));
    PTR(gen_multinomial(NULL, X));
    PTR(gen_multinomial(X, NULL));
    PTR(gen_uniform_discrete(NULL, X));
    PTR(gen_uniform_discrete(X, NULL));
    PTR(gen_transformed(NULL, BIJ));
    PTR(gen_transformed(D, NULL));
    PTR(gen_truncated(NULL, X, X));
    PTR(gen_mixture(NULL, DS[0]));
    PTR(gen_mixture(X, NULL));
    PTR(gen_mixture_of(2, NULL, X));
    PTR(gen_mixture_of(2, DS, NULL));
    PTR(gen_iid(NULL, 1, SHAPE1));
    PTR(gen_iid(D, 1, NULL));
    PTR(gen_independent(NULL, 1));
    PTR(gen_product(2, NULL));
    PTR(gen_dist_custom(NULL, NULL, 1, ARRS));
    PTR(gen_dist_custom(&DIST_CB, NULL, 1, NULL));
    DOC(gen_bijection_retain(NULL), NULL);
    NOOP(gen_bijection_release(NULL));
    DOC(gen_bijection_scope_return(NULL), NULL);
    DOC_STR(gen_bijection_name(NULL), "(null)");
    PTR(gen_bijection_forward(NULL, X));
    PTR(gen_bijection_forward(BIJ, NULL));
    PTR(gen_bijection_inverse(NULL, X));
    PTR(gen_bijection_inverse(BIJ, NULL));
    PTR(gen_bijection_log_det_jacobian(NULL, X));
    PTR(gen_bijection_log_det_jacobian(BIJ, NULL));
    ST(gen_bijection_unconstrained_shape(NULL, 1, SHAPE1, &o_int, &o_i64));
    ST(gen_bijection_unconstrained_shape(BIJ, 1, NULL, &o_int, &o_i64));
    ST(gen_bijection_unconstrained_shape(BIJ, 1, SHAPE1, NULL, &o_i64));
    ST(gen_bijection_unconstrained_shape(BIJ, 1, SHAPE1, &o_int, NULL));
    PTR(gen_bijection_affine(NULL, X));
    PTR(gen_bijection_affine(X, NULL));
    PTR(gen_bijection_lower_bound(NULL));
    PTR(gen_bijection_upper_bound(NULL));
    PTR(gen_bijection_interval(NULL, X));
    PTR(gen_bijection_interval(X, NULL));
    PTR(gen_bijection_compose(NULL, BIJ));
    PTR(gen_bijection_compose(BIJ, NULL));
    PTR(gen_bijection_custom(NULL, NULL));
    PTR(gen_bijection_upper_bound(NULL));
    PTR(gen_ordered(NULL, 2));
    PTR(gen_flat_on(GEN_SUPPORT_REAL, NULL, NULL, 1, NULL));
    PTR(gen_flat_on(GEN_SUPPORT_GREATER_THAN, NULL, NULL, 1, SHAPE1));
    PTR(gen_flat_on(GEN_SUPPORT_LESS_THAN, NULL, NULL, 1, SHAPE1));
    PTR(gen_flat_on(GEN_SUPPORT_INTERVAL, NULL, X, 1, SHAPE1));
    PTR(gen_flat_on(GEN_SUPPORT_INTERVAL, X, NULL, 1, SHAPE1));
    /* No pointer argument: gen_support_name, gen_bijection_identity, gen_bijection_exp,
     * gen_bijection_stick_breaking, gen_bijection_corr_cholesky,
     * gen_bijection_positive_definite, gen_bijection_ordered,
     * gen_bijection_positive_ordered, gen_bijection_unit_vector,
     * gen_bijection_cholesky_cov, gen_unit_vector. */
    /* Optional (documented "may be NULL", no row): gen_dist_custom payload,
     * gen_bijection_custom payload, gen_flat_on lo and hi where the kind has none. */
}

/* ---- genc/gf_impl.h ---- */

static void test_gf_impl(void) {
    PTR(gen_gf_new(NULL, "a", NULL));
    PTR(gen_gf_new(&VTABLE, NULL, NULL));
    DOC(gen_gf_data(NULL), NULL);
    DOC_STR(gen_gf_kind(NULL), "(null)");
    PTR(gen_trace_new(NULL, NULL, X, CM, X, NULL));
    PTR(gen_trace_new(GF, NULL, X, CM, NULL, NULL));
    DOC(gen_trace_data(NULL), NULL);
    DOC(gen_eval_mode(NULL), GEN_EVAL_NORMAL);
    ST(gen_eval_choice(EVAL, NULL, D, X, &o_arr, &o_arr));
    ST(gen_eval_choice(EVAL, &ADDR, NULL, X, &o_arr, &o_arr));
    ST(gen_eval_choice(EVAL, &ADDR, D, NULL, &o_arr, &o_arr));
    ST(gen_eval_choice(EVAL, &ADDR, D, X, NULL, &o_arr));
    ST(gen_eval_choice(EVAL, &ADDR, D, X, &o_arr, NULL));
    ST(gen_eval_assess_at(EVAL, NULL, GF, NULL, CM, &o_arr, &o_arr));
    ST(gen_eval_assess_at(EVAL, &ADDR, NULL, NULL, CM, &o_arr, &o_arr));
    ST(gen_eval_assess_at(EVAL, &ADDR, GF, NULL, NULL, &o_arr, &o_arr));
    /* Optional (documented "may be NULL", no row): gen_gf_new data, gen_trace_new args,
     * gen_trace_new retval, gen_trace_new choices, gen_trace_new data, gen_eval_choice ev,
     * gen_eval_assess_at ev, gen_eval_assess_at args, gen_eval_assess_at weight,
     * gen_eval_assess_at retval. */
}

/* ---- genc/gfi.h ---- */

static void test_gfi(void) {
    ST(gen_diff_check(NULL));
    DOC(gen_diff_is_no_change(NULL), false);
    DOC(gen_diff_element(NULL, 1).kind, GEN_DIFF_UNKNOWN);
    DOC(gen_diff_element_changed(NULL, 1), true);
    DOC(gen_diff_key(NULL, PART).kind, GEN_DIFF_UNKNOWN);
    DOC(gen_gf_retain(NULL), NULL);
    NOOP(gen_gf_release(NULL));
    DOC(gen_gf_scope_return(NULL), NULL);
    DOC_STR(gen_gf_name(NULL), "(null)");
    DOC(gen_trace_retain(NULL), NULL);
    NOOP(gen_trace_release(NULL));
    DOC(gen_trace_scope_return(NULL), NULL);
    DOC(gen_trace_gf(NULL), NULL);
    DOC(gen_trace_args(NULL), NULL);
    DOC(gen_trace_retval(NULL), NULL);
    DOC(gen_trace_choices(NULL), NULL);
    DOC(gen_trace_score(NULL), NULL);
    DOC(gen_trace_batch_size(NULL), 0);
    PTR(gen_trace_value(NULL, &ADDR));
    PTR(gen_trace_value(TR, NULL));
    ST(gen_simulate(NULL, KEY, NULL, &o_tr));
    ST(gen_simulate(GF, KEY, NULL, NULL));
    ST(gen_generate(NULL, KEY, NULL, CM, &o_tr, &o_arr));
    ST(gen_generate(GF, KEY, NULL, NULL, &o_tr, &o_arr));
    ST(gen_generate(GF, KEY, NULL, CM, NULL, &o_arr));
    ST(gen_assess(NULL, NULL, CM, &o_arr, &o_arr));
    ST(gen_assess(GF, NULL, NULL, &o_arr, &o_arr));
    ST(gen_propose(NULL, KEY, NULL, &o_cm, &o_arr, &o_arr));
    ST(gen_propose(GF, KEY, NULL, NULL, &o_arr, &o_arr));
    ST(gen_project(NULL, SEL, &o_arr));
    ST(gen_project(TR, NULL, &o_arr));
    ST(gen_update(NULL, KEY, NULL, &DIFF, CM, &o_tr, &o_arr, &o_diff, &o_cm));
    ST(gen_update(TR, KEY, NULL, &DIFF, NULL, &o_tr, &o_arr, &o_diff, &o_cm));
    ST(gen_update(TR, KEY, NULL, &DIFF, CM, NULL, &o_arr, &o_diff, &o_cm));
    ST(gen_regenerate(NULL, KEY, NULL, &DIFF, SEL, &o_tr, &o_arr, &o_diff));
    ST(gen_regenerate(TR, KEY, NULL, &DIFF, NULL, &o_tr, &o_arr, &o_diff));
    ST(gen_regenerate(TR, KEY, NULL, &DIFF, SEL, NULL, &o_arr, &o_diff));
    ST(gen_simulate_batched(NULL, KEY, 1, NULL, &o_tr));
    ST(gen_simulate_batched(GF, KEY, 1, NULL, NULL));
    ST(gen_generate_batched(NULL, KEY, 1, NULL, CM, &o_tr, &o_arr));
    ST(gen_generate_batched(GF, KEY, 1, NULL, NULL, &o_tr, &o_arr));
    ST(gen_generate_batched(GF, KEY, 1, NULL, CM, NULL, &o_arr));
    ST(gen_assess_batched(NULL, 1, NULL, CM, &o_arr, &o_arr));
    ST(gen_assess_batched(GF, 1, NULL, NULL, &o_arr, &o_arr));
    ST(gen_trace_gather(NULL, I, &o_tr));
    ST(gen_trace_gather(TR, NULL, &o_tr));
    ST(gen_trace_gather(TR, I, NULL));
    ST(gen_trace_where(NULL, TR, TR, &o_tr));
    ST(gen_trace_where(MASK, NULL, TR, &o_tr));
    ST(gen_trace_where(MASK, TR, NULL, &o_tr));
    ST(gen_trace_where(MASK, TR, TR, NULL));
    PTR(gen_edit_update(NULL, &DIFF, NULL));
    PTR(gen_edit_regenerate(NULL, &DIFF, NULL));
    DOC(gen_edit_request_retain(NULL), NULL);
    NOOP(gen_edit_request_release(NULL));
    DOC(gen_edit_request_scope_return(NULL), NULL);
    DOC(gen_edit_request_kind(NULL), 0);
    DOC(gen_edit_request_args(NULL), NULL);
    DOC(gen_edit_request_argdiffs(NULL), NULL);
    DOC(gen_edit_request_constraints(NULL), NULL);
    DOC(gen_edit_request_selection(NULL), NULL);
    ST(gen_edit(NULL, KEY, REQ, &o_tr, &o_arr, &o_diff, &o_req));
    ST(gen_edit(TR, KEY, NULL, &o_tr, &o_arr, &o_diff, &o_req));
    ST(gen_edit(TR, KEY, REQ, NULL, &o_arr, &o_diff, &o_req));
    ST(gen_gf_set_argument_grads(NULL, 0, NULL));
    ST(gen_gf_set_argument_grads(GF, 1, NULL));
    REC(gen_gf_has_argument_grad(NULL, 0));
    ST(gen_choice_gradients(NULL, SEL, NULL, NULL, &o_cm, &o_cm));
    ST(gen_choice_gradients(TR, NULL, NULL, NULL, &o_cm, &o_cm));
    ST(gen_accumulate_param_gradients(NULL, P, NULL, 1, NULL));
    ST(gen_accumulate_param_gradients(TR, NULL, NULL, 1, NULL));
    /* No pointer argument: gen_diff_no_change, gen_diff_unknown, gen_diff_int. */
    /* Optional (documented "may be NULL", no row): gen_simulate args, gen_generate args,
     * gen_generate weight, gen_assess args, gen_assess weight, gen_assess retval, gen_propose
     * args, gen_propose weight, gen_propose retval, gen_project weight, gen_update args,
     * gen_update argdiffs, gen_update weight, gen_update retdiff, gen_update discard,
     * gen_regenerate args, gen_regenerate argdiffs, gen_regenerate weight, gen_regenerate
     * retdiff, gen_simulate_batched args, gen_generate_batched args, gen_generate_batched
     * weight, gen_assess_batched args, gen_assess_batched weight, gen_assess_batched retval,
     * gen_edit_update args, gen_edit_update argdiffs, gen_edit_regenerate args,
     * gen_edit_regenerate argdiffs, gen_edit weight, gen_edit retdiff, gen_edit backward,
     * gen_diff_vector v, gen_diff_set s, gen_diff_map m (a diff of a NULL payload is rejected
     * where it is used: gen_diff_check), gen_choice_gradients retgrad, arg_grads, values and
     * grads, gen_accumulate_param_gradients retgrad and arg_grads, gen_gf_set_argument_grads
     * has_grad with n 0. */
}

/* ---- genc/infer.h ---- */

static void test_infer(void) {
    ST(gen_log_mean_exp(NULL, &o_dbl));
    ST(gen_log_mean_exp(X, NULL));
    ST(gen_ess_of_log_weights(NULL, &o_dbl));
    ST(gen_ess_of_log_weights(X, NULL));
    ST(gen_resample(KEY, NULL, GEN_RESAMPLE_MULTINOMIAL, 2, o_idx));
    ST(gen_resample(KEY, X, GEN_RESAMPLE_MULTINOMIAL, 2, NULL));
    ST(gen_importance_sampling(NULL, KEY, NULL, OBS, PROP, NULL, 2, o_trs, &o_arr, &o_dbl));
    ST(gen_importance_sampling(GF2, KEY, NULL, NULL, PROP, NULL, 2, o_trs, &o_arr, &o_dbl));
    ST(gen_importance_sampling_with(NULL, KEY, NULL, OBS, PROP, NULL, 2, NULL, o_trs, &o_arr, &o_dbl));
    ST(gen_importance_sampling_with(GF2, KEY, NULL, NULL, PROP, NULL, 2, NULL, o_trs, &o_arr, &o_dbl));
    ST(gen_importance_sampling_batched(NULL, KEY, NULL, OBS, PROP, NULL, 2, &o_tr, &o_arr, &o_dbl));
    ST(gen_importance_sampling_batched(GF2, KEY, NULL, NULL, PROP, NULL, 2, &o_tr, &o_arr, &o_dbl));
    ST(gen_importance_sampling_batched_with(NULL, KEY, NULL, OBS, PROP, NULL, 2, NULL, &o_tr, &o_arr, &o_dbl));
    ST(gen_importance_sampling_batched_with(GF2, KEY, NULL, NULL, PROP, NULL, 2, NULL, &o_tr, &o_arr, &o_dbl));
    ST(gen_importance_resampling(NULL, KEY, NULL, OBS, PROP, NULL, 2, &o_tr, &o_dbl));
    ST(gen_importance_resampling(GF2, KEY, NULL, NULL, PROP, NULL, 2, &o_tr, &o_dbl));
    ST(gen_importance_resampling(GF2, KEY, NULL, OBS, PROP, NULL, 2, NULL, &o_dbl));
    ST(gen_importance_resampling_with(NULL, KEY, NULL, OBS, PROP, NULL, 2, NULL, &o_tr, &o_dbl));
    ST(gen_importance_resampling_with(GF2, KEY, NULL, NULL, PROP, NULL, 2, NULL, &o_tr, &o_dbl));
    ST(gen_importance_resampling_with(GF2, KEY, NULL, OBS, PROP, NULL, 2, NULL, NULL, &o_dbl));
    ST(gen_mh_select(NULL, KEY, SEL, &o_tr, &o_bool));
    ST(gen_mh_select(TR, KEY, NULL, &o_tr, &o_bool));
    ST(gen_mh_select(TR, KEY, SEL, NULL, &o_bool));
    ST(gen_mh_proposal(NULL, KEY, GF, NULL, &o_tr, &o_bool));
    ST(gen_mh_proposal(TR, KEY, NULL, NULL, &o_tr, &o_bool));
    ST(gen_mh_proposal(TR, KEY, GF, NULL, NULL, &o_bool));
    PTR(gen_target_new(NULL, SEL));
    PTR(gen_target_new(TR, NULL));
    NOOP(gen_target_free(NULL));
    DOC(gen_target_dim(NULL), -1);
    DOC(gen_target_position(NULL), NULL);
    DOC(gen_target_base(NULL), NULL);
    PTR(gen_target_logpdf(NULL, THETA));
    PTR(gen_target_logpdf(TGT, NULL));
    ST(gen_target_logpdf_grad(NULL, THETA, &o_dbl, &o_arr));
    ST(gen_target_logpdf_grad(TGT, NULL, &o_dbl, &o_arr));
    ST(gen_target_logpdf_grad(TGT, THETA, &o_dbl, NULL));
    ST(gen_target_logpdf_grad_chains(NULL, THETA, &o_arr, &o_arr));
    ST(gen_target_logpdf_grad_chains(TGT, NULL, &o_arr, &o_arr));
    ST(gen_target_logpdf_grad_chains(TGT, THETA, NULL, &o_arr));
    ST(gen_target_logpdf_grad_chains(TGT, THETA, &o_arr, NULL));
    ST(gen_target_trace(NULL, THETA, &o_tr));
    ST(gen_target_trace(TGT, NULL, &o_tr));
    ST(gen_target_trace(TGT, THETA, NULL));
    DOC(gen_target_compiled(NULL), false);
    DOC(gen_target_compile_note(NULL), NULL);
    ST(gen_hmc(NULL, KEY, SEL, 0.5, 1, NULL, &o_tr, &o_bool));
    ST(gen_hmc(TR, KEY, NULL, 0.5, 1, NULL, &o_tr, &o_bool));
    ST(gen_hmc(TR, KEY, SEL, 0.5, 1, NULL, NULL, &o_bool));
    ST(gen_mala(NULL, KEY, SEL, 0.5, &o_tr, &o_bool));
    ST(gen_mala(TR, KEY, NULL, 0.5, &o_tr, &o_bool));
    ST(gen_mala(TR, KEY, SEL, 0.5, NULL, &o_bool));
    ST(gen_posterior_mode(NULL, SEL, 1, 0.5, &o_tr, &o_dbl));
    ST(gen_posterior_mode(TR, NULL, 1, 0.5, &o_tr, &o_dbl));
    ST(gen_posterior_mode(TR, SEL, 1, 0.5, NULL, &o_dbl));
    KERNEL(gen_kernel_mh_select(NULL));
    KERNEL(gen_kernel_mh_proposal(NULL));
    KERNEL(gen_kernel_hmc(NULL));
    KERNEL(gen_kernel_mala(NULL));
    KERNEL(gen_kernel_cycle(NULL));
    KERNEL(gen_kernel_mixture(NULL));
    KERNEL(gen_kernel_repeated(NULL));
    DOC(gen_kernel_cycle_parts((gen_kernel){0}), NULL); /* no function: no cycle */
    DOC(gen_kernel_cycle_parts(gen_kernel_cycle(NULL)), NULL); /* a cycle of no list */
    ST(gen_kernel_apply(KERNEL, KEY, NULL, &o_tr, &o_bool));
    ST(gen_kernel_apply(KERNEL, KEY, TR, NULL, &o_bool));
    ST(gen_kernel_apply_batched(KERNEL, KEY, NULL, &o_tr, &o_arr));
    ST(gen_kernel_apply_batched(KERNEL, KEY, TR, NULL, &o_arr));
    ST(gen_run_chain(KERNEL, KEY, NULL, &CHAIN_CFG, &o_arr, &o_tr, &o_dbl));
    ST(gen_run_chain(KERNEL, KEY, TR, NULL, &o_arr, &o_tr, &o_dbl));
    ST(gen_run_chains(KERNEL, KEY, 1, NULL, &CHAIN_CFG, 1, &o_arr, o_rates, &o_i64));
    ST(gen_run_chains(KERNEL, KEY, 1, TRS, NULL, 1, &o_arr, o_rates, &o_i64));
    ST(gen_mh_involutive(NULL, KEY, GF, NULL, INVOLUTION, false, &o_tr, &o_bool));
    ST(gen_mh_involutive(TR, KEY, NULL, NULL, INVOLUTION, false, &o_tr, &o_bool));
    ST(gen_mh_involutive(TR, KEY, GF, NULL, INVOLUTION, false, NULL, &o_bool));
    ST(gen_involutive_propose(NULL, KEY, GF, NULL, INVOLUTION, false, &o_tr, &o_info));
    ST(gen_involutive_propose(TR, KEY, NULL, NULL, INVOLUTION, false, &o_tr, &o_info));
    ST(gen_involutive_propose(TR, KEY, GF, NULL, INVOLUTION, false, NULL, &o_info));
    KERNEL(gen_kernel_involutive(NULL));
    ST(gen_mh_birth_death(NULL, KEY, &BIRTH_DEATH, false, &o_tr, &o_bool));
    ST(gen_mh_birth_death(TR, KEY, NULL, false, &o_tr, &o_bool));
    ST(gen_mh_birth_death(TR, KEY, &BIRTH_DEATH, false, NULL, &o_bool));
    KERNEL(gen_kernel_birth_death(NULL));
    ST(gen_mh_split_merge(NULL, KEY, &SPLIT_MERGE, false, &o_tr, &o_bool));
    ST(gen_mh_split_merge(TR, KEY, NULL, false, &o_tr, &o_bool));
    ST(gen_mh_split_merge(TR, KEY, &SPLIT_MERGE, false, NULL, &o_bool));
    ST(gen_split_merge_propose(NULL, KEY, &SPLIT_MERGE, false, &o_tr, &o_info));
    ST(gen_split_merge_propose(TR, KEY, NULL, false, &o_tr, &o_info));
    ST(gen_split_merge_propose(TR, KEY, &SPLIT_MERGE, false, NULL, &o_info));
    KERNEL(gen_kernel_split_merge(NULL));
    ST(gen_elliptical_slice(NULL, KEY, &ADDR, X, X, &o_tr));
    ST(gen_elliptical_slice(TR, KEY, NULL, X, X, &o_tr));
    ST(gen_elliptical_slice(TR, KEY, &ADDR, NULL, X, &o_tr));
    ST(gen_elliptical_slice(TR, KEY, &ADDR, X, NULL, &o_tr));
    ST(gen_elliptical_slice(TR, KEY, &ADDR, X, X, NULL));
    KERNEL(gen_kernel_elliptical_slice(NULL));
    ST(gen_gibbs(NULL, KEY, SEL, &CANDIDATES, &o_tr));
    ST(gen_gibbs(TR, KEY, NULL, &CANDIDATES, &o_tr));
    ST(gen_gibbs(TR, KEY, SEL, &CANDIDATES, NULL));
    KERNEL(gen_kernel_gibbs(NULL));
    ST(gen_enumerate(NULL, NULL, CM, 1, GRID, &o_arr, &o_dbl));
    ST(gen_enumerate(GF, NULL, CM, 1, NULL, &o_arr, &o_dbl));
    ST(gen_enumerate_with(NULL, NULL, CM, 1, GRID, NULL, &o_arr, &o_dbl));
    ST(gen_enumerate_with(GF, NULL, CM, 1, NULL, NULL, &o_arr, &o_dbl));
    ST(gen_nuts(NULL, KEY, SEL, 0.5, NULL, 2, &o_tr, &o_nuts_stats));
    ST(gen_nuts(TR, KEY, NULL, 0.5, NULL, 2, &o_tr, &o_nuts_stats));
    ST(gen_nuts(TR, KEY, SEL, 0.5, NULL, 2, NULL, &o_nuts_stats));
    KERNEL(gen_kernel_nuts(NULL));
    NOOP(gen_nuts_state_release(NULL));
    ST(gen_nuts_sample(KEY, 1, NULL, SEL, &NUTS_CFG, 1, &o_nuts_result));
    ST(gen_nuts_sample(KEY, 1, TRS, NULL, &NUTS_CFG, 1, &o_nuts_result));
    ST(gen_nuts_sample(KEY, 1, TRS, SEL, NULL, 1, &o_nuts_result));
    ST(gen_nuts_sample(KEY, 1, TRS, SEL, &NUTS_CFG, 1, NULL));
    ST(gen_pathfinder(KEY, NULL, SEL, NULL, &o_pf_result));
    ST(gen_pathfinder(KEY, TR, NULL, NULL, &o_pf_result));
    ST(gen_pathfinder(KEY, TR, SEL, NULL, NULL));
    ST(gen_pathfinder_trace(NULL, SEL, &o_pf_result, 0, &o_tr));
    ST(gen_pathfinder_trace(TR, NULL, &o_pf_result, 0, &o_tr));
    ST(gen_pathfinder_trace(TR, SEL, NULL, 0, &o_tr));
    ST(gen_pathfinder_trace(TR, SEL, &o_pf_result, 0, NULL));
    ST(gen_pathfinder_inits(KEY, NULL, SEL, NULL, 1, o_trs_pf, NULL));
    ST(gen_pathfinder_inits(KEY, TR, NULL, NULL, 1, o_trs_pf, NULL));
    ST(gen_pathfinder_inits(KEY, TR, SEL, NULL, 1, NULL, NULL));
    ST(gen_chees_sample(NULL, KEY, SEL, &CHEES_CFG, &o_chees_result));
    ST(gen_chees_sample(TR, KEY, NULL, &CHEES_CFG, &o_chees_result));
    ST(gen_chees_sample(TR, KEY, SEL, NULL, &o_chees_result));
    ST(gen_chees_sample(TR, KEY, SEL, &CHEES_CFG, NULL));
    ST(gen_nuts_sample_batched(NULL, KEY, SEL, &NUTSB_CFG, &o_nutsb_result));
    ST(gen_nuts_sample_batched(TR, KEY, NULL, &NUTSB_CFG, &o_nutsb_result));
    ST(gen_nuts_sample_batched(TR, KEY, SEL, NULL, &o_nutsb_result));
    ST(gen_nuts_sample_batched(TR, KEY, SEL, &NUTSB_CFG, NULL));
    /* No pointer argument: gen_nuts_config_default, gen_nuts_config_stan, gen_chees_config_default,
     * gen_nuts_batched_config_default. */
    /* Optional (documented "may be NULL", no row): gen_importance_sampling args,
     * gen_importance_sampling proposal, gen_importance_sampling proposal_args,
     * gen_importance_sampling traces, gen_importance_sampling log_weights,
     * gen_importance_sampling log_ml, gen_importance_sampling_with args,
     * gen_importance_sampling_with proposal, gen_importance_sampling_with proposal_args,
     * gen_importance_sampling_with progress, gen_importance_sampling_with traces,
     * gen_importance_sampling_with log_weights, gen_importance_sampling_with log_ml,
     * gen_importance_sampling_batched args, gen_importance_sampling_batched proposal,
     * gen_importance_sampling_batched proposal_args, gen_importance_sampling_batched trace,
     * gen_importance_sampling_batched log_weights, gen_importance_sampling_batched log_ml,
     * gen_importance_sampling_batched_with args, gen_importance_sampling_batched_with proposal,
     * gen_importance_sampling_batched_with proposal_args, gen_importance_sampling_batched_with
     * progress, gen_importance_sampling_batched_with trace,
     * gen_importance_sampling_batched_with log_weights, gen_importance_sampling_batched_with
     * log_ml, gen_importance_resampling args, gen_importance_resampling proposal,
     * gen_importance_resampling proposal_args, gen_importance_resampling log_ml,
     * gen_importance_resampling_with args, gen_importance_resampling_with proposal,
     * gen_importance_resampling_with proposal_args, gen_importance_resampling_with progress,
     * gen_importance_resampling_with log_ml, gen_mh_select accepted, gen_mh_proposal
     * proposal_args, gen_mh_proposal accepted, gen_target_logpdf_grad logp, gen_hmc inv_metric,
     * gen_hmc accepted, gen_mala accepted, gen_posterior_mode logp, gen_kernel_apply accepted, gen_kernel_apply_batched accepted,
     * gen_run_chain samples, gen_run_chain final, gen_run_chain accept_rate, gen_run_chains
     * samples, gen_run_chains accept_rates, gen_run_chains draws_done, gen_mh_involutive
     * proposal_args, gen_mh_involutive accepted, gen_involutive_propose proposal_args,
     * gen_involutive_propose info, gen_mh_birth_death accepted, gen_mh_split_merge accepted,
     * gen_split_merge_propose info, gen_gibbs cand, gen_enumerate args, gen_enumerate obs,
     * gen_enumerate log_probs, gen_enumerate log_ml, gen_enumerate_with args,
     * gen_enumerate_with obs, gen_enumerate_with progress, gen_enumerate_with log_probs,
     * gen_enumerate_with log_ml, gen_nuts inv_metric, gen_nuts stats, gen_pathfinder cfg,
     * gen_pathfinder_inits cfg, gen_pathfinder_inits inv_metric. */
}

/* ---- genc/filter.h ---- */

static void test_filter(void) {
    ST(gen_kalman_filter(NULL, YS, &o_arr, &o_arr, &o_arr, &o_arr, &o_dbl));
    ST(gen_kalman_filter(&LG, NULL, &o_arr, &o_arr, &o_arr, &o_arr, &o_dbl));
    for (int i = 0; i < 6; i++) {
        ST(gen_kalman_filter(&LG_FIELDS[i], YS, &o_arr, NULL, NULL, NULL, &o_dbl));
        ST(gen_kalman_smoother(&LG_FIELDS[i], YS, &o_arr, &o_arr, &o_dbl));
        ST(gen_kalman_sample(&LG_FIELDS[i], KEY, YS, 2, &o_arr));
    }
    ST(gen_kalman_smoother(NULL, YS, &o_arr, &o_arr, &o_dbl));
    ST(gen_kalman_smoother(&LG, NULL, &o_arr, &o_arr, &o_dbl));
    ST(gen_kalman_smoother(&LG, YS, NULL, &o_arr, &o_dbl));
    ST(gen_kalman_smoother(&LG, YS, &o_arr, NULL, &o_dbl));
    ST(gen_kalman_sample(NULL, KEY, YS, 2, &o_arr));
    ST(gen_kalman_sample(&LG, KEY, NULL, 2, &o_arr));
    ST(gen_kalman_sample(&LG, KEY, YS, 2, NULL));
    ST(gen_hmm_forward(NULL, LOG_TRANS, LOG_LIK, &o_arr, &o_dbl));
    ST(gen_hmm_forward(LOG_INIT, NULL, LOG_LIK, &o_arr, &o_dbl));
    ST(gen_hmm_forward(LOG_INIT, LOG_TRANS, NULL, &o_arr, &o_dbl));
    ST(gen_hmm_smoother(NULL, LOG_TRANS, LOG_LIK, &o_arr, &o_dbl));
    ST(gen_hmm_smoother(LOG_INIT, NULL, LOG_LIK, &o_arr, &o_dbl));
    ST(gen_hmm_smoother(LOG_INIT, LOG_TRANS, NULL, &o_arr, &o_dbl));
    ST(gen_hmm_smoother(LOG_INIT, LOG_TRANS, LOG_LIK, NULL, &o_dbl));
    ST(gen_hmm_ffbs(KEY, NULL, LOG_TRANS, LOG_LIK, 2, &o_arr));
    ST(gen_hmm_ffbs(KEY, LOG_INIT, NULL, LOG_LIK, 2, &o_arr));
    ST(gen_hmm_ffbs(KEY, LOG_INIT, LOG_TRANS, NULL, 2, &o_arr));
    ST(gen_hmm_ffbs(KEY, LOG_INIT, LOG_TRANS, LOG_LIK, 2, NULL));
    ST(gen_hmm_viterbi(NULL, LOG_TRANS, LOG_LIK, &o_arr, &o_dbl));
    ST(gen_hmm_viterbi(LOG_INIT, NULL, LOG_LIK, &o_arr, &o_dbl));
    ST(gen_hmm_viterbi(LOG_INIT, LOG_TRANS, NULL, &o_arr, &o_dbl));
    ST(gen_hmm_viterbi(LOG_INIT, LOG_TRANS, LOG_LIK, NULL, &o_dbl));
    /* Optional (documented "may be NULL", no row): gen_lgssm b and d, gen_kalman_filter means,
     * covs, pred_means, pred_covs and log_ml, gen_kalman_smoother log_ml, gen_hmm_forward
     * filtered and log_ml, gen_hmm_smoother log_ml, gen_hmm_viterbi log_joint. */
}

/* ---- genc/smc.h ---- */

static gen_status empty_translate(void *ud, const gen_args *old_args, const gen_args *new_args,
                                  const gen_choicemap *old, const gen_choicemap *u, const gen_array *ret,
                                  gen_choicemap **nm, gen_choicemap **bwd) {
    (void)ud, (void)old_args, (void)new_args, (void)old, (void)u, (void)ret;
    *nm = gen_choicemap_empty();
    *bwd = gen_choicemap_empty();
    return GEN_OK;
}

static void test_smc(void) {
    gen_pf *pf = NULL, *o_pf = NULL;
    CHECK_OK(gen_pf_init(GF2, KEY, NULL, OBS, NULL, NULL, 2, &pf));
    gen_choicemap *none = gen_choicemap_empty();
    ST(gen_pf_init(NULL, KEY, NULL, OBS, NULL, NULL, 2, &o_pf));
    ST(gen_pf_init(GF2, KEY, NULL, NULL, NULL, NULL, 2, &o_pf));
    ST(gen_pf_init(GF2, KEY, NULL, OBS, NULL, NULL, 2, NULL));
    ST(gen_pf_step(NULL, KEY, NULL, NULL, none, NULL, NULL));
    ST(gen_pf_step(pf, KEY, NULL, NULL, NULL, NULL, NULL));
    ST(gen_pf_maybe_resample(NULL, KEY, GEN_RESAMPLE_MULTINOMIAL, 1, &o_bool));
    ST(gen_pf_rejuvenate(NULL, KEY, KERNEL, NULL));
    NOOP(gen_pf_free(NULL));
    DOC(gen_pf_size(NULL), -1);
    DOC(gen_pf_steps(NULL), -1);
    DOC(gen_pf_traces(NULL), NULL);
    ST(gen_pf_log_ml(NULL, &o_dbl));
    ST(gen_pf_log_ml(pf, NULL));
    ST(gen_pf_ess(NULL, &o_dbl));
    ST(gen_pf_ess(pf, NULL));
    ST(gen_pf_ess_history(NULL, &o_arr));
    ST(gen_pf_ess_history(pf, NULL));
    ST(gen_pf_log_weights(NULL, &o_arr));
    ST(gen_pf_log_weights(pf, NULL));
    ST(gen_pf_normalized_weights(NULL, &o_arr));
    ST(gen_pf_normalized_weights(pf, NULL));
    ST(gen_pf_sample_unweighted_traces(NULL, KEY, 1, o_trs));
    ST(gen_pf_sample_unweighted_traces(pf, KEY, 1, NULL));
    ST(gen_pf_init_batched(NULL, KEY, NULL, OBS, NULL, NULL, 2, &o_pf));
    ST(gen_pf_init_batched(GF2, KEY, NULL, NULL, NULL, NULL, 2, &o_pf));
    ST(gen_pf_init_batched(GF2, KEY, NULL, OBS, NULL, NULL, 2, NULL));
    DOC(gen_pf_batched_trace(NULL), NULL);
    ST(gen_pf_sample_unweighted_batched(NULL, KEY, 1, &o_tr));
    ST(gen_pf_sample_unweighted_batched(pf, KEY, 1, NULL));
    gen_smcp3_move mv = {PROP, NULL, PROP, NULL, {empty_translate, NULL}};
    gen_smcp3_move no_fwd = {NULL, NULL, PROP, NULL, {empty_translate, NULL}};
    gen_smcp3_move no_bwd = {PROP, NULL, NULL, NULL, {empty_translate, NULL}};
    gen_smcp3_move no_fn = {PROP, NULL, PROP, NULL, {NULL, NULL}};
    ST(gen_pf_init_smcp3(NULL, KEY, NULL, OBS, &mv, 2, &o_pf));
    ST(gen_pf_init_smcp3(GF2, KEY, NULL, NULL, &mv, 2, &o_pf));
    ST(gen_pf_init_smcp3(GF2, KEY, NULL, OBS, NULL, 2, &o_pf));
    ST(gen_pf_init_smcp3(GF2, KEY, NULL, OBS, &no_fwd, 2, &o_pf));
    ST(gen_pf_init_smcp3(GF2, KEY, NULL, OBS, &mv, 2, NULL));
    ST(gen_pf_step_smcp3(NULL, KEY, NULL, NULL, none, &mv));
    ST(gen_pf_step_smcp3(pf, KEY, NULL, NULL, NULL, &mv));
    ST(gen_pf_step_smcp3(pf, KEY, NULL, NULL, none, NULL));
    ST(gen_pf_step_smcp3(pf, KEY, NULL, NULL, none, &no_fwd));
    ST(gen_pf_step_smcp3(pf, KEY, NULL, NULL, none, &no_bwd));
    ST(gen_pf_step_smcp3(pf, KEY, NULL, NULL, none, &no_fn));
    ST(gen_pf_move_smcp3(NULL, KEY, &mv));
    ST(gen_pf_move_smcp3(pf, KEY, NULL));
    ST(gen_pf_move_smcp3(pf, KEY, &no_bwd));
    ST(gen_smcp3_propose(TR, KEY, NULL, NULL, NULL, NULL, NULL, &o_tr, NULL));
    ST(gen_smcp3_propose(TR, KEY, NULL, NULL, NULL, NULL, &mv, NULL, NULL));
    ST(gen_smcp3_propose(NULL, KEY, NULL, NULL, NULL, NULL, &mv, &o_tr, NULL));
    gen_pf_free(pf);
    /* Optional (documented "may be NULL", no row): gen_pf_init args, proposal and
     * proposal_args, gen_pf_step args, argdiffs, proposal and proposal_args,
     * gen_pf_maybe_resample did_resample, gen_pf_rejuvenate n_accepted,
     * gen_pf_sample_unweighted_traces out when n_out is 0; gen_pf_init_smcp3 args,
     * gen_pf_step_smcp3 args and argdiffs, the move's forward_args and backward_args,
     * gen_smcp3_propose model (with a trace), args, argdiffs, obs and info. */
}

/* ---- genc/pmcmc.h ---- */

static void test_pmcmc(void) {
    gen_ssm ssm = {GF2, NULL, OBS, 0, NULL, NULL, NULL}, no_model = ssm;
    no_model.model = NULL;
    gen_trace *ref = NULL;
    CHECK_OK(gen_generate(GF2, KEY, NULL, OBS, &ref, NULL));
    ST(gen_csmc(NULL, KEY, &ssm, &(gen_csmc_config){SEL, 2, false}, &o_tr));
    ST(gen_csmc(ref, KEY, NULL, &(gen_csmc_config){SEL, 2, false}, &o_tr));
    ST(gen_csmc(ref, KEY, &no_model, &(gen_csmc_config){SEL, 2, false}, &o_tr));
    ST(gen_csmc(ref, KEY, &ssm, NULL, &o_tr));
    ST(gen_csmc(ref, KEY, &ssm, &(gen_csmc_config){SEL, 2, false}, NULL));
    gen_particle_gibbs_kernel pg = {&ssm, {SEL, 2, false}, {0}}, pg_no_ssm = {NULL, {SEL, 2, false}, {0}};
    ST(gen_particle_gibbs(NULL, KEY, &pg, &o_tr, &o_bool));
    ST(gen_particle_gibbs(ref, KEY, NULL, &o_tr, &o_bool));
    ST(gen_particle_gibbs(ref, KEY, &pg_no_ssm, &o_tr, &o_bool));
    ST(gen_particle_gibbs(ref, KEY, &pg, NULL, &o_bool));
    KERNEL(gen_kernel_particle_gibbs(NULL));
    gen_pmmh_config cfg = {.params = SEL, .proposal = PROP, .n_particles = 2, .draws = 1, .thin = 1}, c = cfg;
    gen_pmmh_result res;
    ST(gen_pmmh(NULL, KEY, CM, &cfg, &res));
    ST(gen_pmmh(&no_model, KEY, CM, &cfg, &res));
    ST(gen_pmmh(&ssm, KEY, NULL, &cfg, &res));
    ST(gen_pmmh(&ssm, KEY, CM, NULL, &res));
    ST(gen_pmmh(&ssm, KEY, CM, &cfg, NULL));
    c.params = NULL;
    ST(gen_pmmh(&ssm, KEY, CM, &c, &res));
    c = cfg, c.proposal = NULL;
    ST(gen_pmmh(&ssm, KEY, CM, &c, &res));
    /* Optional (documented "may be NULL", no row): gen_ssm init_args, init_obs,
     * step_argdiffs and its entries, step_obs entries, step_args and step_obs when
     * n_steps is 0; gen_csmc params; gen_particle_gibbs accepted, k->params and
     * k->param_kernel.fn; gen_pmmh cfg->proposal_args and cfg->record. */
}

/* ---- genc/learn.h and genc/vi.h ---- */

static void test_learn(void) {
    gen_optimizer *opt = gen_optimizer_new(&(gen_opt_config){.kind = GEN_OPT_SGD, .step = 1});
    gen_array *vals[1] = {X};
    const gen_array *grads[1] = {X};
    PTR(gen_optimizer_new(NULL));
    ST(gen_optimizer_step(NULL, 1, NAMES, vals, grads));
    ST(gen_optimizer_step(opt, 1, NULL, vals, grads));
    ST(gen_optimizer_step(opt, 1, NAMES, NULL, grads));
    ST(gen_optimizer_step(opt, 1, NAMES, vals, NULL));
    NOOP(gen_optimizer_free(NULL));
    NOOP(gen_optimizer_reset(NULL));
    DOC(gen_optimizer_config(NULL).step, 0.0);
    gen_optimizer_free(opt);
    gen_advi_config cfg = {.max_iters = 1};
    gen_advi_result res;
    ST(gen_advi(NULL, KEY, SEL, &cfg, &res));
    ST(gen_advi(TR, KEY, NULL, &cfg, &res));
    ST(gen_advi(TR, KEY, SEL, NULL, &res));
    ST(gen_advi(TR, KEY, SEL, &cfg, NULL));
}

/* ---- genc/random.h ---- */

static void test_random(void) {
    ST(gen_key_split(KEY, 2, NULL));
    PTR(gen_random_bits(KEY, 1, NULL));
    PTR(gen_random_uniform(KEY, GEN_F64, 1, NULL));
    PTR(gen_random_normal(KEY, GEN_F64, 1, NULL));
    PTR(gen_random_gamma(KEY, NULL));
    PTR(gen_random_poisson(KEY, NULL));
    PTR(gen_random_binomial(KEY, NULL, X));
    PTR(gen_random_binomial(KEY, X, NULL));
    PTR(gen_random_beta(KEY, NULL, X));
    PTR(gen_random_beta(KEY, X, NULL));
    /* No pointer argument: gen_key_new, gen_key_fold_in. */
}

/* ---- genc/params.h ---- */

static void test_params(void) {
    NOOP(gen_params_free(NULL));
    ST(gen_params_init(NULL, "a", X));
    ST(gen_params_init(P, NULL, X));
    ST(gen_params_init(P, "a", NULL));
    DOC(gen_params_has(NULL, "a"), false);
    DOC(gen_params_has(P, NULL), false);
    DOC(gen_params_count(NULL), 0);
    DOC(gen_params_index(NULL, "a"), -1);
    DOC(gen_params_index(P, NULL), -1);
    DOC(gen_params_name(NULL, 0), NULL);
    PTR(gen_params_value(NULL, "a"));
    PTR(gen_params_value(P, NULL));
    DOC(gen_params_value_at(NULL, 0), NULL);
    ST(gen_params_set_value(NULL, "a", X));
    ST(gen_params_set_value(P, NULL, X));
    ST(gen_params_set_value(P, "a", NULL));
    PTR(gen_params_grad(NULL, "a"));
    PTR(gen_params_grad(P, NULL));
    DOC(gen_params_grad_at(NULL, 0), NULL);
    ST(gen_params_set_grad(NULL, "a", X));
    ST(gen_params_set_grad(P, NULL, X));
    ST(gen_params_set_grad(P, "a", NULL));
    ST(gen_params_zero_grads(NULL));
    ST(gen_params_value_and_grad(NULL, CLOSURE, 1, ARRS, 1, &o_arr, NULL));
    ST(gen_params_value_and_grad(P, (gen_closure){NULL, NULL}, 1, ARRS, 1, &o_arr, NULL));
    ST(gen_params_value_and_grad(P, CLOSURE, 1, NULL, 1, &o_arr, NULL));
    PTR(gen_params_to_json(NULL));
    NOOP(gen_params_json_free(NULL));
    ST(gen_params_load_json(NULL, "{}"));
    ST(gen_params_load_json(P, NULL));
    ST(gen_params_save(NULL, "x"));
    ST(gen_params_save(P, NULL));
    ST(gen_params_load(NULL, "x"));
    ST(gen_params_load(P, NULL));
    /* No pointer argument: gen_params_new. Optional (documented "may be NULL", no row):
     * gen_params_value_and_grad value and in_grads. */
}

/* ---- genc/dsl.h: each row runs in a model body of its own (a failed call ends the run) ---- */

static int dsl_row;
#define DSL_ROWS 41

static gen_status dsl_rows(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    CTX = ctx;
    *retval = NULL;
    switch (dsl_row) {
    case 0:
        PTR(gen_dynamic(NULL, BODY));
        break;
    case 1:
        PTR(gen_dynamic_with(NULL, BODY, NULL, FNPTR_FREE_PAYLOAD));
        break;
    case 2:
        PTR(gen_choose(NULL, "a", D));
        break;
    case 3:
        PTR(gen_choose(CTX, NULL, D));
        break;
    case 4:
        PTR(gen_choose(CTX, "a", NULL));
        break;
    case 5:
        PTR(gen_choose_at(NULL, &ADDR, D));
        break;
    case 6:
        PTR(gen_choose_at(CTX, NULL, D));
        break;
    case 7:
        PTR(gen_choose_at(CTX, &ADDR, NULL));
        break;
    case 8:
        PTR(gen_call(NULL, "a", GF, NULL));
        break;
    case 9:
        PTR(gen_call(CTX, NULL, GF, NULL));
        break;
    case 10:
        PTR(gen_call(CTX, "a", NULL, NULL));
        break;
    case 11:
        PTR(gen_splice(NULL, GF, NULL));
        break;
    case 12:
        PTR(gen_splice(CTX, NULL, NULL));
        break;
    case 13:
        ST(gen_factor(NULL, X));
        break;
    case 14:
        ST(gen_factor(CTX, NULL));
        break;
    case 15:
        ST(gen_ctx_status(NULL));
        break;
    case 16:
        DOC(gen_ctx_payload(NULL), NULL);
        break;
    case 17:
        PTR(gen_dist_gf1(NULL, FNPTR_FAMILY));
        break;
    case 18:
        PTR(gen_dist_gf1("a", NULL));
        break;
    case 19:
        PTR(gen_dist_gf2(NULL, FNPTR_FAMILY2));
        break;
    case 20:
        PTR(gen_dist_gf2("a", NULL));
        break;
    case 21:
        PTR(gen_dist_gf3(NULL, FNPTR_FAMILY3));
        break;
    case 22:
        PTR(gen_dist_gf3("a", NULL));
        break;
    case 23:
        PTR(gen_dist_gf(NULL, FNPTR_MAKE, NULL, FNPTR_FREE_PAYLOAD));
        break;
    case 24:
        PTR(gen_dist_gf("a", NULL, NULL, FNPTR_FREE_PAYLOAD));
        break;
    case 25:
        PTR(gen_dist_gf_fixed(NULL, D));
        break;
    case 26:
        PTR(gen_dist_gf_fixed("a", NULL));
        break;
    case 27:
        PTR(gen_dynamic_params(NULL, BODY, P));
        break;
    case 28:
        PTR(gen_dynamic_params("a", NULL, P));
        break;
    case 29:
        PTR(gen_dynamic_params("a", BODY, NULL));
        break;
    case 30:
        PTR(gen_dynamic_params_with(NULL, BODY, P, NULL, FNPTR_FREE_PAYLOAD));
        break;
    case 31:
        PTR(gen_dynamic_params_with("a", NULL, P, NULL, FNPTR_FREE_PAYLOAD));
        break;
    case 32:
        PTR(gen_dynamic_params_with("a", BODY, NULL, NULL, FNPTR_FREE_PAYLOAD));
        break;
    case 33:
        PTR(gen_param(NULL, "a"));
        break;
    case 34:
        PTR(gen_param(CTX, NULL));
        break;
    case 35:
        PTR(gen_custom_gradient_gf(NULL, 1, closure_fn, VJP_RULE, NULL, FNPTR_FREE_PAYLOAD));
        break;
    case 36:
        PTR(gen_custom_gradient_gf("a", 1, NULL, VJP_RULE, NULL, FNPTR_FREE_PAYLOAD));
        break;
    case 37:
        PTR(gen_custom_gradient_gf("a", 1, closure_fn, NULL, NULL, FNPTR_FREE_PAYLOAD));
        break;
    case 38:
        ST(gen_adev_simulate(CTX, NULL, GF, NULL, &o_tr));
        break;
    case 39:
        ST(gen_adev_simulate(CTX, "a", NULL, NULL, &o_tr));
        break;
    case 40:
        ST(gen_adev_simulate(CTX, "a", GF, NULL, NULL));
        break;
    }
    return GEN_OK;
}

static void test_dsl(void) {
    gen_gf *f = gen_dynamic("rows", dsl_rows);
    for (dsl_row = 0; dsl_row < DSL_ROWS; dsl_row++) {
        gen_trace *tr = NULL;
        (void)gen_simulate(f, KEY, NULL, &tr); /* fails: the row's call failed */
        gen_error_clear();
    }
    /* Optional (documented "may be NULL", no row): gen_dynamic_with payload, gen_dynamic_with
     * free_payload, gen_call a, gen_splice a, gen_dist_gf payload, gen_dist_gf free_payload,
     * gen_dynamic_params_with payload and free_payload, gen_custom_gradient_gf payload and
     * free_payload. */
}

/* ---- genc/adev.h ---- */

static void test_adev(void) {
    gen_adev_vi_config cfg = {.iters = 1};
    gen_args args = {0, NULL, NULL};
    gen_closure f;
    gen_array *one[1] = {X};
    PTR(gen_adev_with(NULL, GEN_ADEV_REINFORCE));
    PTR(gen_adev_reparam(NULL));
    PTR(gen_adev_reinforce(NULL));
    PTR(gen_adev_enum(NULL));
    PTR(gen_adev_mvd(NULL));
    DOC(gen_adev_strategy_of(NULL), GEN_ADEV_DEFAULT);
    ST(gen_adev_estimate(NULL, KEY, &args, NULL, &o_arr, NULL));
    ST(gen_adev_surrogate(NULL, KEY, &args, NULL, &f));
    ST(gen_adev_surrogate(GF, KEY, &args, NULL, NULL));
    NOOP(gen_adev_surrogate_free(NULL));
    ST(gen_adev_simulate(NULL, "a", GF, NULL, &o_tr));
    PTR(gen_adev_elbo(NULL, NULL, OBS, GF));
    PTR(gen_adev_elbo(GF, NULL, NULL, GF));
    PTR(gen_adev_elbo(GF, NULL, OBS, NULL));
    PTR(gen_adev_iwelbo(NULL, NULL, OBS, GF, 2));
    PTR(gen_adev_iwelbo(GF, NULL, NULL, GF, 2));
    PTR(gen_adev_iwelbo(GF, NULL, OBS, NULL, 2));
    PTR(gen_adev_vimco(NULL, NULL, OBS, GF, 2));
    PTR(gen_adev_vimco(GF, NULL, NULL, GF, 2));
    PTR(gen_adev_vimco(GF, NULL, OBS, NULL, 2));
    const char *names[1] = {"a"};
    gen_optimizer *opt = gen_optimizer_new(&(gen_opt_config){.kind = GEN_OPT_SGD, .step = 1});
    ST(gen_adev_vi(NULL, KEY, 1, one, names, &cfg, opt, NULL));
    ST(gen_adev_vi(GF, KEY, 1, NULL, names, &cfg, opt, NULL));
    ST(gen_adev_vi(GF, KEY, 1, one, NULL, &cfg, opt, NULL));
    ST(gen_adev_vi(GF, KEY, 1, one, names, NULL, opt, NULL));
    ST(gen_adev_vi(GF, KEY, 1, one, names, &cfg, NULL, NULL));
    gen_params *store = gen_params_new();
    ST(gen_adev_vi_params(NULL, KEY, NULL, store, &cfg, opt, NULL));
    ST(gen_adev_vi_params(GF, KEY, NULL, NULL, &cfg, opt, NULL));
    ST(gen_adev_vi_params(GF, KEY, NULL, store, NULL, opt, NULL));
    ST(gen_adev_vi_params(GF, KEY, NULL, store, &cfg, NULL, NULL));
    gen_params_free(store);
    gen_optimizer_free(opt);
    /* Optional (documented "may be NULL", no row): gen_adev_estimate args, options, value
     * and grads; gen_adev_surrogate args and options; gen_adev_simulate args; the
     * objectives' model_args; gen_adev_vi history; gen_adev_vi_params args and history. */
}

/* ---- genc/nn.h and genc/train.h ---- */

static gen_status learn_data(void *p, gen_key key, gen_array **in, int *n, gen_choicemap **cm) {
    (void)p, (void)key, (void)in, (void)cm;
    *n = 0;
    return GEN_OK;
}

static gen_status learn_qargs(void *p, const gen_trace *tr, gen_array **args, int *n) {
    (void)p, (void)tr, (void)args;
    *n = 0;
    return GEN_OK;
}

static void test_nn_train(void) {
    int64_t sizes[2] = {1, 1};
    gen_activation acts[1] = {GEN_ACT_TANH};
    PTR(gen_activate(NULL, GEN_ACT_TANH));
    PTR(gen_dense(NULL, X, NULL, GEN_ACT_TANH));
    PTR(gen_dense(X, NULL, NULL, GEN_ACT_TANH));
    ST(gen_dense_init(NULL, KEY, "w", "b", 1, 1, GEN_ACT_TANH));
    ST(gen_dense_init(P, KEY, NULL, "b", 1, 1, GEN_ACT_TANH));
    PTR(gen_mlp(NULL, KEY, "e", 1, sizes, acts));
    PTR(gen_mlp(P, KEY, NULL, 1, sizes, acts));
    PTR(gen_mlp(P, KEY, "e", 1, NULL, acts));
    PTR(gen_mlp(P, KEY, "e", 1, sizes, NULL));
    gen_optimizer *opt = gen_optimizer_new(&(gen_opt_config){.kind = GEN_OPT_SGD, .step = 0.1});
    ST(gen_params_apply(NULL, opt));
    ST(gen_params_apply(P, NULL));
    gen_train_config c = {.num_epochs = 1, .epoch_size = 1, .num_minibatches = 1, .minibatch_size = 1};
    ST(gen_train(NULL, KEY, P, opt, learn_data, NULL, &c, NULL, NULL, NULL));
    ST(gen_train(GF, KEY, NULL, opt, learn_data, NULL, &c, NULL, NULL, NULL));
    ST(gen_train(GF, KEY, P, NULL, learn_data, NULL, &c, NULL, NULL, NULL));
    ST(gen_train(GF, KEY, P, opt, NULL, NULL, &c, NULL, NULL, NULL));
    ST(gen_train(GF, KEY, P, opt, learn_data, NULL, NULL, NULL, NULL, NULL));
    gen_lecture_spec full = {GF, NULL, GF, P, NULL, learn_qargs, NULL}, sp;
    ST(gen_lecture(NULL, KEY, 1, NULL));
    sp = full, sp.model = NULL;
    ST(gen_lecture(&sp, KEY, 1, NULL));
    sp = full, sp.proposal = NULL;
    ST(gen_lecture(&sp, KEY, 1, NULL));
    sp = full, sp.proposal_params = NULL;
    ST(gen_lecture(&sp, KEY, 1, NULL));
    sp = full, sp.proposal_args = NULL;
    ST(gen_lecture(&sp, KEY, 1, NULL));
    ST(gen_lecture_batched(NULL, KEY, 2, 1, NULL));
    sp = full, sp.model = NULL;
    ST(gen_lecture_batched(&sp, KEY, 2, 1, NULL));
    ST(gen_wake(NULL, KEY, NULL, OBS, P, NULL, NULL, 2, 1, NULL));
    ST(gen_wake(GF, KEY, NULL, NULL, P, NULL, NULL, 2, 1, NULL));
    ST(gen_wake(GF, KEY, NULL, OBS, NULL, NULL, NULL, 2, 1, NULL));
    gen_optimizer_free(opt);
    /* No pointer argument: gen_activation_name. Optional (documented "may be NULL", no
     * row): gen_dense b, gen_dense_init b_name; gen_train data_payload, objectives,
     * on_epoch, epoch_payload; the lecture spec's model_args, latents and payload, and
     * score; gen_wake args, proposal, proposal_args and log_ml. */
}

/* ---- genc/data.h, genc/draws.h and genc/model.h ---- */

static gen_status model_step(void *p, int64_t t, gen_args *a, gen_diff *d, gen_choicemap **o) {
    (void)p, (void)t, (void)a, (void)d, (void)o;
    return GEN_OK;
}

static void test_data_model(void) {
    gen_data *d = NULL;
    gen_array *a = NULL;
    int64_t i = 0;
    double x = 0;
    ST(gen_data_load(NULL, &d));
    ST(gen_data_load("d.json", NULL));
    ST(gen_data_parse(NULL, &d));
    ST(gen_data_parse("{}", NULL));
    gen_data_parse("{\"n\": 1}", &d);
    ST(gen_data_array(NULL, "n", &a));
    ST(gen_data_array(d, NULL, &a));
    ST(gen_data_array(d, "n", NULL));
    ST(gen_data_f64(NULL, "n", &a));
    ST(gen_data_f64(d, NULL, &a));
    ST(gen_data_f64(d, "n", NULL));
    ST(gen_data_int(NULL, "n", &i));
    ST(gen_data_int(d, NULL, &i));
    ST(gen_data_int(d, "n", NULL));
    ST(gen_data_real(NULL, "n", &x));
    ST(gen_data_real(d, NULL, &x));
    ST(gen_data_real(d, "n", NULL));
    ST(gen_data_set(NULL, "n", S));
    ST(gen_data_set(d, NULL, S));
    ST(gen_data_set(d, "n", NULL));
    ST(gen_data_remove(NULL, "n"));
    ST(gen_data_remove(d, NULL));
    PTR(gen_data_to_json(NULL));
    NOOP(gen_data_json_free(NULL));
    ST(gen_data_write(NULL, "d.json"));
    ST(gen_data_write(d, NULL));
    gen_data_free(d);
    /* genc/draws.h */
    gen_array *dr = gen_zeros(GEN_F64, GEN_DIMS(1, 1, 1)), *out = NULL;
    char **names = NULL;
    int64_t nn = 0;
    ST(gen_draws_write_csv(NULL, dr, NAMES, NULL, NULL, 0));
    ST(gen_draws_write_csv("x.csv", NULL, NAMES, NULL, NULL, 0));
    ST(gen_draws_write_csv("x.csv", dr, NULL, NULL, NULL, 0));
    ST(gen_draws_write_csv("x.csv", dr, NAMES, dr, NULL, 0)); /* stats without stat_names */
    ST(gen_nuts_write_csv(NULL, &(gen_nuts_result){0}, SEL));
    ST(gen_nuts_write_csv("x.csv", NULL, SEL));
    ST(gen_draws_read_csv(NULL, &out, &names, &nn));
    ST(gen_draws_read_csv("x.csv", NULL, &names, &nn));
    ST(gen_draws_read_csv("x.csv", &out, NULL, &nn));
    ST(gen_draws_read_csv("x.csv", &out, &names, NULL));
    ST(gen_draws_read_csv_stats(NULL, &out, &names, &nn));
    ST(gen_draws_read_csv_stats("x.csv", NULL, &names, &nn));
    ST(gen_draws_read_csv_stats("x.csv", &out, NULL, &nn));
    ST(gen_draws_read_csv_stats("x.csv", &out, &names, NULL));
    /* Optional (no row): gen_draws_write_csv stats and stat_names (together),
     * gen_nuts_write_csv record (NULL: every value). No pointer argument:
     * gen_nuts_stat_name. */
    gen_model *m = gen_model_new();
    ST(gen_model_set_gf(NULL, GF, NULL));
    ST(gen_model_set_gf(m, NULL, NULL));
    ST(gen_model_set_observations(NULL, OBS));
    ST(gen_model_set_observations(m, NULL));
    ST(gen_model_set_latents(NULL, SEL));
    ST(gen_model_set_latents(m, NULL));
    ST(gen_model_set_algorithm(NULL, "mh"));
    ST(gen_model_set_algorithm(m, NULL));
    ST(gen_model_set_kernel(NULL, (gen_kernel){0}, NULL));
    ST(gen_model_set_smc(NULL, 1, model_step, NULL, NULL));
    ST(gen_model_set_smc(m, 1, NULL, NULL, NULL));
    ST(gen_model_set_summary(NULL, SEL));
    ST(gen_model_set_summary(m, NULL));
    ST(gen_model_set_reference(NULL, "a", 1));
    ST(gen_model_set_reference(m, NULL, 1));
    gen_model_free(m);
    /* NULL-tolerant (documented: NULL gives NULL / -1 / false, or is ignored), no row:
     * gen_data_free, gen_data_count, gen_data_name, gen_data_has, gen_model_free,
     * gen_model_gf, gen_model_args, gen_model_observations, gen_model_latents,
     * gen_model_algorithm, gen_model_kernel, gen_model_smc, gen_model_summary,
     * gen_model_reference. No pointer argument: gen_model_new, gen_data_new. */
}

int main(void) {
    gen_scope_begin();
    fixture();
    RUN(test_array);
    RUN(test_autodiff);
    RUN(test_choice);
    RUN(test_comb);
    RUN(test_compile);
    RUN(test_core);
    RUN(test_params);
    RUN(test_diag);
    RUN(test_report);
    RUN(test_dist);
    RUN(test_gf_impl);
    RUN(test_gfi);
    RUN(test_infer);
    RUN(test_filter);
    RUN(test_smc);
    RUN(test_pmcmc);
    RUN(test_random);
    RUN(test_learn);
    RUN(test_dsl);
    RUN(test_adev);
    RUN(test_nn_train);
    RUN(test_data_model);
    RUN(test_fields);
    gen_scope_end();
    if (FOUT) fclose(FOUT);
    gen_params_free(P);
    return check_finish();
}
