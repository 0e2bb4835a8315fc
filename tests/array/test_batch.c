/* test_batch.c — batched mode (array.h): elementwise ops align batched arguments by
 * their per-particle shapes, reductions over all axes keep the particle axis, other ops
 * see physical shapes, results carry the mark, gradients work inside batched mode,
 * distribution parameters align, and misuse gives clear errors. */
#include <math.h>

#include "../testutil/check.h"
#include "../testutil/fd.h"

#define N 4

static gen_array *vec(int n, const double *v) {
    return gen_array_from(GEN_F64, 1, (int64_t[]){n}, v);
}

static void test_elementwise(void) {
    gen_array *a = gen_batched(vec(N, (double[]){1, 2, 3, 4}));   /* one scalar per particle */
    gen_array *x = vec(3, (double[]){10, 20, 30});                 /* shared data */
    CHECK(gen_array_is_batched(a) && !gen_array_is_batched(x));
    CHECK_OK(gen_batch_begin(N));
    CHECK(gen_batch_size() == N);
    gen_array *y = gen_add(gen_mul(a, x), gen_scalar(1)); /* per particle: a*x + 1, [3] */
    CHECK_SHAPE(y, N, 3);
    CHECK(gen_array_is_batched(y));
    double want[N * 3];
    for (int i = 0; i < N; i++)
        for (int j = 0; j < 3; j++) want[i * 3 + j] = (i + 1) * 10.0 * (j + 1) + 1;
    CHECK_ARRAY(y, want, N * 3, 0, 0);
    /* batched [N,3] against batched [N]: the scalar one is padded, not right-aligned */
    gen_array *z = gen_sub(y, a);
    CHECK_SHAPE(z, N, 3);
    CHECK_CLOSE(((const double *)gen_array_data(z))[5], 2 * 30.0 + 1 - 2, 0);
    /* N == data length: still per-particle alignment (plain broadcasting would pair them) */
    gen_array *x4 = vec(N, (double[]){1, 1, 1, 1});
    CHECK_SHAPE(gen_mul(a, x4), N, N);
    /* where with a batched condition */
    gen_array *w = gen_where(gen_gt(a, gen_scalar(2.5)), x, gen_scalar(0));
    CHECK_SHAPE(w, N, 3);
    CHECK(((const double *)gen_array_data(w))[0] == 0 && ((const double *)gen_array_data(w))[11] == 30);
    /* unary ops keep the mark */
    CHECK(gen_array_is_batched(gen_exp(a)));
    /* reductions over all axes are per particle; explicit axes are physical */
    gen_array *s = gen_sum(y, 0, NULL, false);
    CHECK_SHAPE(s, N);
    CHECK(gen_array_is_batched(s));
    CHECK_CLOSE(((const double *)gen_array_data(s))[1], 2 * 60.0 + 3, 0);
    gen_array *s2 = gen_sum(y, 1, (int[]){-1}, false);
    CHECK_SHAPE(s2, N);
    gen_array *s0 = gen_sum(y, 1, (int[]){0}, false); /* over the particles: no longer batched */
    CHECK_SHAPE(s0, 3);
    CHECK(!gen_array_is_batched(s0));
    gen_batch_end();
    CHECK(gen_batch_size() == 0);
    /* outside batched mode the mark changes nothing: plain broadcasting */
    CHECK_ERROR(gen_mul(a, x) ? GEN_OK : gen_error_status(), "broadcast");
    gen_error_clear();
    CHECK_SHAPE(gen_mul(a, x4), N);
    CHECK(!gen_array_is_batched(gen_unbatched(a)));
}

/* f(a) = sum over particles of sum_j (a x_j)^2, computed in batched mode. */
static gen_status sum_sq(void *payload, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)payload;
    (void)n_in;
    (void)n_out;
    gen_array *x = vec(3, (double[]){0.5, -1, 2});
    gen_status s = gen_batch_begin(N);
    if (s != GEN_OK) return s;
    gen_array *a = gen_batched(in[0]);
    gen_array *per = gen_sum(gen_square(gen_mul(a, x)), 0, NULL, false); /* [N] */
    out[0] = gen_sum(gen_unbatched(per), 0, NULL, false);
    gen_batch_end();
    return out[0] ? GEN_OK : gen_error_status();
}

static void test_gradients(void) {
    gen_array *a = vec(N, (double[]){0.3, -1.2, 2, 0.7});
    gen_array *g = NULL;
    CHECK_OK(gen_grad((gen_closure){sum_sq, NULL}, 1, &a, &g));
    double sx2 = 0.25 + 1 + 4, want[N];
    for (int i = 0; i < N; i++) want[i] = 2 * ((const double *)gen_array_data(a))[i] * sx2;
    CHECK_ARRAY(g, want, N, 1e-14, 0);
    FD_CHECK("batched sum of squares", ((gen_closure){sum_sq, NULL}), 1, &a, 1, 1e-7, 1e-8);
}

static void test_dist(void) {
    gen_array *mu = gen_batched(vec(N, (double[]){0, 1, 2, 3}));
    gen_array *sd = vec(3, (double[]){1, 2, 3});
    CHECK_OK(gen_batch_begin(N));
    gen_dist *d = gen_normal(mu, sd);
    CHECK(d && gen_dist_is_batched(d));
    CHECK(gen_dist_batch_ndim(d) == 2 && gen_dist_batch_shape(d)[0] == N && gen_dist_batch_shape(d)[1] == 3);
    gen_array *lp = gen_dist_logpdf(d, gen_zeros(GEN_F64, 1, (int64_t[]){3}));
    CHECK_SHAPE(lp, N, 3);
    /* particle 2, element 1: N(0 | 2, 2) */
    CHECK_CLOSE(((const double *)gen_array_data(lp))[2 * 3 + 1], -0.5 - log(2.0) - 0.91893853320467274178, 1e-14);
    gen_array *draw = gen_dist_sample(d, gen_key_new(1), 0, NULL);
    CHECK_SHAPE(draw, N, 3);
    CHECK(!gen_dist_is_batched(gen_normal(gen_scalar(0), sd)));
    gen_dist *bn = gen_broadcasted_normal(mu, sd);
    CHECK(bn && gen_dist_batch_ndim(bn) == 1 && gen_dist_event_ndim(bn) == 1);
    gen_batch_end();
}

static void test_errors(void) {
    CHECK_ERROR(gen_batch_begin(0), "particle count must be >= 1");
    CHECK_OK(gen_batch_begin(N));
    CHECK_OK(gen_batch_begin(N)); /* nests with the same count */
    CHECK_ERROR(gen_batch_begin(N + 1), "already on");
    gen_batch_end();
    CHECK(gen_batch_size() == N);
    CHECK_ERROR(gen_batched(gen_zeros(GEN_F64, 1, (int64_t[]){3})) ? GEN_OK : gen_error_status(),
                "has no particle axis of 4");
    gen_error_clear();
    int64_t saved = gen_batch_suspend();
    CHECK(gen_batch_size() == 0 && saved == N);
    CHECK_SHAPE(gen_add(gen_batched(vec(N, (double[]){1, 2, 3, 4})), vec(N, (double[]){1, 1, 1, 1})), N);
    gen_batch_resume(saved);
    gen_batch_end();
    CHECK(gen_batch_size() == 0);
    gen_batch_end(); /* unmatched: harmless */
    CHECK_ERROR(gen_batched(gen_scalar(1)) ? GEN_OK : gen_error_status(), "has no particle axis");
    gen_error_clear();
    CHECK(gen_batched(NULL) == NULL);
}

/* An array marked batched outside batched mode (any leading axis) and then used in a
 * batched mode of another particle count is an error naming both counts, for
 * elementwise ops, other ops and distribution parameters (it once broadcast into
 * garbage: a normal of [2, 1, 1] marked, in batched mode of 1, had batch shape
 * [2, 2, 1, 0]; found by fuzz/fuzz_array_ops). */
static gen_status mark_kept(void *p, int n, gen_array *const *in, int n_out, gen_array **out) {
    (void)p, (void)n, (void)n_out;
    CHECK(gen_array_is_batched(in[0])); /* the closure sees its input as the caller's */
    out[0] = gen_sum(gen_square(in[0]), 0, NULL, false);
    return out[0] ? GEN_OK : gen_error_status();
}

static void test_foreign_marks(void) {
    gen_array *two = gen_batched(gen_array_from_f64(GEN_DIMS(2, 1, 1), (double[]){1, 2}));
    CHECK(gen_array_is_batched(two));
    CHECK_OK(gen_batch_begin(1));
    CHECK(gen_exp(two) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "exp: argument 0 is marked batched with 2 particles, batched mode has 1");
    CHECK(gen_add(two, gen_scalar(1)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "add: argument 0 is marked batched with 2 particles, batched mode has 1");
    CHECK(gen_normal(two, gen_scalar(1)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "marked batched with 2 particles, batched mode has 1");
    gen_batch_end();
    /* outside batched mode the mark changes nothing, and a transform keeps it */
    CHECK_SHAPE(gen_exp(two), 2, 1, 1);
    gen_array *g = NULL;
    CHECK_OK(gen_grad((gen_closure){mark_kept, NULL}, 1, &two, &g));
    CHECK(g && gen_array_is_batched(g) == false);
    double want[2] = {2, 4};
    CHECK_ARRAY(g, want, 2, 0, 0);
}

int main(void) {
    RUN(test_elementwise);
    RUN(test_gradients);
    RUN(test_dist);
    RUN(test_errors);
    RUN(test_foreign_marks);
    return check_finish();
}
