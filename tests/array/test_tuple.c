/* test_tuple.c — tuples of arrays: construction, nesting, queries, formatting,
 * refcounting (items live as long as the tuple, released exactly once), and every path
 * that rejects a tuple where an array of numbers is needed. */
#include <string.h>

#include "check.h"
#include "oom.h"
#include "genc/autodiff.h"

#define ARRS(...) ((gen_array *[]){__VA_ARGS__})

static gen_array *vec_i64(void) {
    return gen_array_from(GEN_I64, GEN_DIMS(2), (const int64_t[]){1, 2});
}

static void test_construct(void) {
    gen_array *a = gen_scalar(1), *b = vec_i64();
    gen_array *t = CHECK_ARR(gen_tuple(2, ARRS(a, b)));
    CHECK(gen_array_is_tuple(t));
    CHECK(!gen_array_is_tuple(a) && !gen_array_is_tuple(NULL));
    CHECK(gen_tuple_size(t) == 2);
    CHECK(gen_tuple_get(t, 0) == a && gen_tuple_get(t, 1) == b);
    /* Generic queries answer as for an f64 [n]. */
    CHECK(gen_array_ndim(t) == 1 && gen_array_size(t) == 2 && gen_array_dim(t, 0) == 2);
    CHECK_SHAPE(t, 2);
    CHECK(gen_array_dtype(t) == GEN_F64);
    CHECK(!gen_array_is_batched(t));
    gen_array *const *items = gen_array_data(t);
    CHECK(items[0] == a && items[1] == b);
    /* The same item twice, and the empty tuple (items may be NULL then). */
    gen_array *twice = CHECK_ARR(gen_tuple(2, ARRS(a, a)));
    CHECK(gen_tuple_get(twice, 0) == a && gen_tuple_get(twice, 1) == a);
    gen_array *empty = CHECK_ARR(gen_tuple(0, NULL));
    CHECK(gen_tuple_size(empty) == 0);
    CHECK_SHAPE(empty, 0);
    /* A large tuple (its items in a buffer, not inline). */
    gen_array *many[40];
    for (int i = 0; i < 40; i++) many[i] = gen_scalar(i);
    gen_array *big = CHECK_ARR(gen_tuple(40, many));
    CHECK(gen_tuple_size(big) == 40);
    double v = 0;
    for (int i = 0; i < 40; i++) {
        CHECK(gen_tuple_get(big, i) == many[i]);
        CHECK_OK(gen_item(gen_tuple_get(big, i), &v));
        CHECK(v == i);
    }
}

static void test_nesting(void) {
    gen_array *a = gen_scalar(1), *b = vec_i64(), *c = gen_scalar_bool(true);
    gen_array *inner = gen_tuple(2, ARRS(b, c));
    gen_array *outer = CHECK_ARR(gen_tuple(2, ARRS(a, inner)));
    CHECK(gen_tuple_get(outer, 1) == inner);
    CHECK(gen_tuple_get(gen_tuple_get(outer, 1), 0) == b);
    CHECK(gen_tuple_size(gen_tuple_get(outer, 1)) == 2);
    char buf[256];
    CHECK_OK(gen_array_format(outer, buf, sizeof buf));
    CHECK(!strcmp(buf, "(tuple of 2: f64[] 1, (tuple of 2: i64[2] [1, 2], bool[] true))"));
    CHECK_OK(gen_array_format(gen_tuple(0, NULL), buf, sizeof buf));
    CHECK(!strcmp(buf, "(tuple of 0)"));
    /* Truncation keeps a terminated prefix of the full text at every size. */
    const char *full = "(tuple of 2: f64[] 1, (tuple of 2: i64[2] [1, 2], bool[] true))";
    for (size_t n = 1; n <= strlen(full) + 1; n++) {
        char small[80];
        memset(small, 'x', sizeof small);
        CHECK_OK(gen_array_format(outer, small, n));
        CHECK(strlen(small) == n - 1 && !strncmp(small, full, n - 1));
    }
}

/* Leaves the scopes RUN and others opened (the small-block cache only holds blocks
 * inside nested scopes), runs fn with the counting allocator, and checks that fn's
 * releases leave no block alive. */
static void with_counting(void (*fn)(check_counting *c)) {
    int d = gen_scope_depth();
    for (int i = 0; i < d; i++) gen_scope_end();
    check_counting c = {0, 0, 0, -1};
    gen_set_allocator(check_counting_alloc, &c);
    fn(&c);
    if (gen_debug()) { /* its quarantine keeps released blocks: give them back */
        gen_set_debug(false);
        gen_set_debug(true);
    }
    CHECK(c.live_blocks == 0 && c.live_bytes == 0);
    gen_set_allocator(NULL, NULL);
    for (int i = 0; i < d; i++) gen_scope_begin();
}

/* No scope: the caller owns every array; the tuple keeps its items alive. */
static void refs_owned(check_counting *c) {
    gen_array *a = gen_scalar(7), *b = vec_i64();
    gen_array *many[12];
    for (int i = 0; i < 12; i++) many[i] = a;
    gen_array *big = gen_tuple(12, many); /* 12 references to a, in a buffer */
    gen_array *t = gen_tuple(3, ARRS(a, b, big));
    gen_array *outer = gen_tuple(2, ARRS(t, t));
    gen_array_release(a);
    gen_array_release(b);
    gen_array_release(big);
    gen_array_release(t);
    CHECK(c->live_blocks > 0);
    double v = 0;
    CHECK_OK(gen_item(gen_tuple_get(gen_tuple_get(outer, 0), 0), &v));
    CHECK(v == 7);
    CHECK(gen_tuple_get(gen_tuple_get(gen_tuple_get(outer, 1), 2), 11) == a);
    gen_array_release(outer); /* the last reference: everything goes, once */
}

/* In a scope: the tuple kept with gen_scope_return outlives the scope's items. */
static void refs_scoped(check_counting *c) {
    (void)c;
    gen_scope_begin();
    gen_scope_begin();
    gen_array *x = gen_add(gen_scalar(2), gen_scalar(3));
    gen_array *t = gen_scope_return(gen_tuple(2, ARRS(x, gen_neg(x))));
    gen_scope_end();
    double v = 0;
    CHECK_OK(gen_item(gen_tuple_get(t, 0), &v));
    CHECK(v == 5);
    CHECK_OK(gen_item(gen_tuple_get(t, 1), &v));
    CHECK(v == -5);
    gen_scope_end();
}

/* Tuples of 2 and of 20 items (one in a buffer of its own), for CHECK_OOM. */
static gen_status tuples(void) {
    gen_array *a = gen_scalar(1), *items[20];
    for (int i = 0; i < 20; i++) items[i] = a;
    gen_array *small = a ? gen_tuple(2, items) : NULL, *big = small ? gen_tuple(20, items) : NULL;
    return big ? GEN_OK : gen_error_status();
}

static void test_refcounts(void) {
    with_counting(refs_owned);
    with_counting(refs_scoped);
    CHECK_OOM(tuples, 2);
}

static void test_tuple_errors(void) {
    gen_array *a = gen_scalar(1), *t = gen_tuple(1, ARRS(a));
    CHECK(gen_tuple(-1, NULL) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_tuple: bad item list (n = -1)");
    CHECK(gen_tuple(2, NULL) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "items is NULL");
    CHECK(gen_tuple(2, ARRS(a, NULL)) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_tuple: item 1 is NULL");
    /* A NULL item propagates the error already recorded. */
    CHECK(gen_tuple(2, ARRS(a, gen_reshape(a, GEN_DIMS(3)))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "reshape");
    CHECK(gen_tuple_size(a) == -1);
    CHECK_ERROR(GEN_ERR_DTYPE, "gen_tuple_size: the argument is not a tuple (it is f64[])");
    CHECK(gen_tuple_size(NULL) == -1);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_tuple_size: the tuple is NULL");
    CHECK(gen_tuple_get(a, 0) == NULL);
    CHECK_ERROR(GEN_ERR_DTYPE, "gen_tuple_get: the argument is not a tuple");
    CHECK(gen_tuple_get(t, 1) == NULL);
    CHECK_ERROR(GEN_ERR_INDEX, "gen_tuple_get: index 1 is out of range for a tuple of 1");
    CHECK(gen_tuple_get(t, -1) == NULL);
    CHECK_ERROR(GEN_ERR_INDEX, "index -1 is out of range for a tuple of 1");
}

/* Each array op given a tuple names itself (or the primitive it is built from) and the
 * argument. */
#define REJECTS(expr, msg)                                                                  \
    do {                                                                                    \
        CHECK((expr) == NULL);                                                              \
        CHECK_ERROR(GEN_ERR_DTYPE, msg ": argument");                                       \
    } while (0)

static void test_ops_reject(void) {
    gen_array *x = gen_ones(GEN_F64, GEN_DIMS(2, 2)), *i = gen_scalar_i64(0);
    gen_array *t = gen_tuple(2, ARRS(x, x)), *t1 = gen_tuple(1, ARRS(x));
    CHECK(gen_neg(t) == NULL);
    CHECK_ERROR(GEN_ERR_DTYPE, "neg: argument 0 is a tuple, not an array of numbers");
    CHECK(gen_add(x, t) == NULL);
    CHECK_ERROR(GEN_ERR_DTYPE, "add: argument 1 is a tuple, not an array of numbers");
    CHECK(gen_where(gen_scalar_bool(true), x, t) == NULL);
    CHECK_ERROR(GEN_ERR_DTYPE, "where: argument 2 is a tuple");
    REJECTS(gen_add(t, x), "add");
    REJECTS(gen_mul(t, t), "mul");
    REJECTS(gen_div(t, x), "div");
    REJECTS(gen_eq(t, x), "eq");
    REJECTS(gen_exp(t), "exp");
    REJECTS(gen_log(t), "log");
    REJECTS(gen_sigmoid(t), "sigmoid");
    REJECTS(gen_isnan(t), "isnan");
    REJECTS(gen_copy(t), "copy");
    REJECTS(gen_cast(t, GEN_I64), "cast");
    REJECTS(gen_cast(t, GEN_F64), "cast");
    REJECTS(gen_stop_gradient(t), "stop_gradient");
    REJECTS(gen_reshape(t, GEN_DIMS(2, 1)), "reshape");
    REJECTS(gen_reshape(t, GEN_DIMS(2)), "reshape");
    REJECTS(gen_transpose(t), "permute");
    REJECTS(gen_expand_dims(t, 0), "reshape");
    REJECTS(gen_squeeze(t1, 0, NULL), "reshape");
    REJECTS(gen_broadcast_to(t, GEN_DIMS(3, 2)), "broadcast_to");
    REJECTS(gen_slice(t, 0, 0, 1, 1), "slice");
    REJECTS(gen_flip(t, 0), "flip");
    REJECTS(gen_take(t, i, 0), "take");
    CHECK(gen_take(x, t, 0) == NULL);
    CHECK_ERROR(GEN_ERR_DTYPE, "take: argument 1 is a tuple");
    CHECK(gen_index_add(x, 0, t, x) == NULL);
    CHECK_ERROR(GEN_ERR_DTYPE, "index_add: argument 1 is a tuple");
    REJECTS(gen_index_set(t, 0, gen_scalar_i64(0), x), "index_set");
    REJECTS(gen_cholesky(t), "cholesky");
    REJECTS(gen_concatenate(2, ARRS(gen_ones(GEN_F64, GEN_DIMS(2)), t), 0), "concatenate");
    REJECTS(gen_stack(2, ARRS(t, t), 0), "reshape");
    REJECTS(gen_sum(t, 0, NULL, false), "sum");
    REJECTS(gen_mean(t, 0, NULL, false), "sum");
    REJECTS(gen_max(t, 0, NULL, false), "max");
    REJECTS(gen_logsumexp(t, 0, NULL, false), "logsumexp");
    REJECTS(gen_argmax(t, 0, false), "argmax");
    REJECTS(gen_cumsum(t, 0), "cumsum");
    REJECTS(gen_sort(t, 0), "take_along");
    REJECTS(gen_matmul(x, t), "reshape");
    REJECTS(gen_outer(t, t), "reshape");
}

static void test_readers_reject(void) {
    gen_array *t1 = gen_tuple(1, ARRS(gen_scalar(1)));
    double v = 0;
    int64_t k = 0;
    CHECK_ERROR(gen_item(t1, &v), "gen_item: argument 0 is a tuple, not an array of numbers");
    CHECK_ERROR(gen_item_i64(t1, &k), "gen_item_i64: argument 0 is a tuple");
    double buf[4];
    CHECK_ERROR(gen_array_copy_to(t1, GEN_F64, buf, sizeof buf),
                "gen_array_copy_to: argument 0 is a tuple");
    CHECK(gen_one_hot(t1, 3, GEN_F64) == NULL);
    CHECK_ERROR(GEN_ERR_DTYPE, "gen_one_hot: indices is a tuple");
    CHECK(gen_batched(t1) == NULL);
    CHECK_ERROR(GEN_ERR_DTYPE, "gen_batched: the argument is a tuple");
    CHECK(gen_unbatched(t1) == NULL);
    CHECK_ERROR(GEN_ERR_DTYPE, "gen_unbatched: the argument is a tuple");
    /* In batched mode, too (op_apply's batched path reaches the same check). */
    CHECK_OK(gen_batch_begin(3));
    gen_array *xb = gen_batched(gen_ones(GEN_F64, GEN_DIMS(3)));
    CHECK(gen_add(xb, t1) == NULL);
    CHECK_ERROR(GEN_ERR_DTYPE, "add: argument 1 is a tuple");
    CHECK(gen_sum(t1, 0, NULL, false) == NULL);
    CHECK_ERROR(GEN_ERR_DTYPE, "sum: argument 0 is a tuple");
    gen_batch_end();
}

/* ---- autodiff ---- */

static gen_status ret_tuple(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)p, (void)n_in, (void)n_out;
    out[0] = gen_tuple(2, ARRS(in[0], in[0]));
    return GEN_OK;
}

static gen_status ret_sum(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)p, (void)n_in, (void)n_out;
    out[0] = gen_sum(in[0], 0, NULL, false);
    return GEN_OK;
}

/* Packs (x, x^2) and unpacks item 1: the items are the tracked arrays themselves, so
 * gradients flow through a tuple built and taken apart inside a transform. */
static gen_status through_tuple(void *p, int n_in, gen_array *const *in, int n_out,
                                gen_array **out) {
    (void)p, (void)n_in, (void)n_out;
    gen_array *t = gen_tuple(2, ARRS(in[0], gen_square(in[0])));
    out[0] = gen_sum(gen_tuple_get(t, 1), 0, NULL, false);
    return GEN_OK;
}

static gen_status no_rule(void *p, int n_in, gen_array *const *in, int n_out,
                          gen_array *const *out, gen_array *const *cot, gen_array **cot_in) {
    (void)p, (void)n_in, (void)in, (void)n_out, (void)out, (void)cot, (void)cot_in;
    return GEN_OK;
}

static void test_autodiff_rejects(void) {
    gen_array *x = gen_ones(GEN_F64, GEN_DIMS(2)), *t = gen_tuple(1, ARRS(x));
    gen_closure ft = {ret_tuple, NULL}, fs = {ret_sum, NULL};
    gen_array *g[1] = {NULL}, *out[1] = {NULL}, *v = NULL;
    CHECK_ERROR(gen_grad(ft, 1, ARRS(x), g), "gen_grad: output 0 is a tuple, not an array of numbers");
    CHECK(g[0] == NULL);
    CHECK_ERROR(gen_value_and_grad(ft, 1, ARRS(x), &v, g), "gen_value_and_grad: output 0 is a tuple");
    CHECK(v == NULL && g[0] == NULL);
    CHECK_ERROR(gen_grad(fs, 1, ARRS(t), g), "gen_grad: input 0 is a tuple, not an array of numbers");
    CHECK_ERROR(gen_vjp(ft, 1, ARRS(x), 1, ARRS(x), out, g), "gen_vjp: output 0 is a tuple");
    CHECK_ERROR(gen_vjp(fs, 1, ARRS(x), 1, ARRS(t), out, g), "gen_vjp: cotangent 0 is a tuple");
    CHECK(out[0] == NULL && g[0] == NULL);
    CHECK_ERROR(gen_jvp(ft, 1, ARRS(x), ARRS(x), 1, out, g), "gen_jvp: output 0 is a tuple");
    CHECK_ERROR(gen_jvp(fs, 1, ARRS(t), NULL, 1, out, g), "gen_jvp: input 0 is a tuple");
    CHECK_ERROR(gen_jvp(fs, 1, ARRS(x), ARRS(t), 1, out, g), "gen_jvp: tangent 0 is a tuple");
    CHECK_ERROR(gen_custom_vjp(ft, no_rule, NULL, 1, ARRS(x), 1, out),
                "gen_custom_vjp: output 0 is a tuple");
    CHECK(out[0] == NULL);
    CHECK_ERROR(gen_custom_vjp(fs, no_rule, NULL, 1, ARRS(t), 1, out),
                "gen_custom_vjp: input 0 is a tuple");
    /* The same closures work on arrays. */
    CHECK_OK(gen_grad(fs, 1, ARRS(x), g));
    CHECK_ARRAY(g[0], ((const double[]){1, 1}), 2, 0, 0);
    gen_array *x2 = gen_array_from_f64(GEN_DIMS(2), (const double[]){1.5, -3});
    CHECK_OK(gen_grad((gen_closure){through_tuple, NULL}, 1, ARRS(x2), g));
    CHECK_ARRAY(g[0], ((const double[]){3, -6}), 2, 0, 0);
}

/* ---- other layers: choice maps, distributions, samplers ---- */

static void test_layers_reject(void) {
    gen_array *t = gen_tuple(1, ARRS(gen_scalar(1))), *one = gen_scalar(1);
    gen_addr y;
    CHECK_OK(gen_addr_parse(&y, "y/3"));
    CHECK(gen_choicemap_set(gen_choicemap_empty(), &y, t) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "choicemap: the value at y/3 is a tuple");
    CHECK(gen_choicemap_of_value(t) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "choicemap: the value at (root) is a tuple");
    gen_choicemap_builder *b = gen_choicemap_builder_new();
    CHECK_ERROR(gen_choicemap_builder_set(b, &y, t), "choicemap: the value at y/3 is a tuple");
    CHECK_OK(gen_choicemap_builder_set(b, &y, one));
    gen_choicemap *m = gen_choicemap_builder_finish(b);
    CHECK(gen_choicemap_count(m) == 1);
    gen_choicemap_builder_free(b);

    CHECK(gen_normal(t, one) == NULL);
    CHECK_ERROR(GEN_ERR_DTYPE, "normal: mu is a tuple, not an array of numbers");
    CHECK(gen_normal(one, t) == NULL);
    CHECK_ERROR(GEN_ERR_DTYPE, "normal: sigma is a tuple");
    CHECK(gen_dist_logpdf(gen_normal(one, one), t) == NULL);
    CHECK_ERROR(GEN_ERR_DTYPE, "normal: the logpdf value is a tuple");
    CHECK(gen_random_gamma(gen_key_new(1), t) == NULL);
    CHECK_ERROR(GEN_ERR_DTYPE, "gen_random_gamma: alpha is a tuple");
    CHECK(gen_random_binomial(gen_key_new(1), gen_scalar_i64(3), t) == NULL);
    CHECK_ERROR(GEN_ERR_DTYPE, "gen_random_binomial: p is a tuple");
}

int main(void) {
    RUN(test_construct);
    RUN(test_nesting);
    RUN(test_refcounts);
    RUN(test_tuple_errors);
    RUN(test_ops_reject);
    RUN(test_readers_reject);
    RUN(test_autodiff_rejects);
    RUN(test_layers_reject);
    return check_finish();
}
