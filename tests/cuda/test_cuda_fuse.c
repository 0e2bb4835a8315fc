/* test_cuda_fuse.c — the CUDA backend's fused elementwise kernels (src/backend/cuda/
 * cuda_fuse.c). Without a GPU: the programs written for pending expressions of every
 * op family, dtype and kind of broadcast (on the fake device, whose arrays stay pending
 * until read) compile with NVRTC for sm_90. With a GPU: each expression computed as one
 * fused kernel has the bits of its ops run one by one by the elementwise kernels (the
 * backend's fuse turned off), and so have sums over rows, all and any of it read
 * without computing it; intermediates stay uncomputed; the importance-sampling shapes
 * (particles [N, 1] against data [50]) read through views. Skips (77) in a build
 * without CUDA; without a GPU the second part is skipped with a message. The programs
 * go through the disk cache: compiled into it once, loaded from it after. */
#include <string.h>

#include "cuda_testutil.h"
#include "fake_device.h"
#include "tmpdir.h"
#include "../../src/backend/backend.h"

static bool pending(const gen_array *a) { return a && arr_pending_of(a) != NULL; }

static gen_array *lin(gen_dtype t, int64_t n, double start, double step) {
    return gen_cast(gen_add(gen_scalar(start), gen_mul(gen_scalar(step), gen_arange(0, (double)n, 1, GEN_F64))), t);
}
static gen_array *constant(double v, gen_dtype t) {
    return t == GEN_F32 ? gen_scalar_f32((float)v) : t == GEN_I64 ? gen_scalar_i64((int64_t)v) : gen_scalar(v);
}

/* ---- the expressions (each takes its inputs on one device) ---- */

typedef gen_array *(*expr_fn)(gen_array *const *in, gen_dtype t);

/* Every float unary op, chained so each feeds the next (kept in range). */
static gen_array *unary_float(gen_array *const *in, gen_dtype t) {
    gen_array *x = in[0], *u = gen_sigmoid(x); /* (0, 1) */
    gen_array *s = gen_add(gen_exp(x), gen_expm1(x));
    s = gen_add(s, gen_log(gen_add(u, constant(0.5, t))));
    s = gen_add(s, gen_log1p(u));
    s = gen_add(s, gen_sqrt(u));
    s = gen_add(s, gen_reciprocal(gen_add(u, constant(1, t))));
    s = gen_add(s, gen_mul(gen_sin(x), gen_cos(x)));
    s = gen_add(s, gen_tan(gen_mul(u, constant(0.5, t))));
    s = gen_add(s, gen_tanh(x));
    s = gen_add(s, gen_log_sigmoid(x));
    s = gen_add(s, gen_softplus(x));
    s = gen_add(s, gen_sub(gen_erf(x), gen_erfc(x)));
    s = gen_add(s, gen_erfinv(gen_sub(gen_mul(u, constant(1.8, t)), constant(0.9, t))));
    gen_array *g = gen_add(u, constant(0.7, t));
    s = gen_add(s, gen_add(gen_lgamma(g), gen_digamma(g)));
    s = gen_add(s, gen_trigamma(g));
    return gen_add(s, gen_log_ndtr(x));
}

/* The unary ops that keep the type, the binary ops of every family, where and clip. */
static gen_array *mixed(gen_array *const *in, gen_dtype t) {
    gen_array *x = in[0], *y = in[1];
    gen_array *s = gen_add(gen_neg(x), gen_abs(y));
    s = gen_add(s, gen_mul(gen_sign(x), gen_square(y)));
    s = gen_add(s, gen_sub(gen_floor(x), gen_ceil(y)));
    s = gen_add(s, gen_round(gen_mul(x, constant(3.3, t))));
    s = gen_add(s, gen_maximum(x, y));
    s = gen_sub(s, gen_minimum(x, y));
    s = gen_add(s, gen_mod(x, gen_add(gen_abs(y), constant(0.5, t))));
    s = gen_add(s, gen_div(x, gen_add(gen_abs(y), constant(0.25, t))));
    s = gen_add(s, gen_pow(gen_abs(x), y));
    s = gen_add(s, gen_atan2(x, y));
    s = gen_add(s, op_apply2(OP_FLOOR_DIVIDE, x, gen_add(gen_abs(y), constant(0.75, t)), NULL));
    s = gen_add(s, gen_logaddexp(x, y));
    gen_array *c = gen_logical_or(gen_logical_and(gen_lt(x, y), gen_ne(x, y)), gen_logical_not(gen_ge(x, y)));
    c = gen_logical_or(c, gen_eq(gen_le(x, y), gen_gt(x, y)));
    s = gen_where(c, s, gen_neg(s));
    s = gen_where(gen_isnan(s), constant(0, t), s);
    s = gen_where(gen_isfinite(s), s, constant(1, t));
    return gen_clip(s, constant(-50, t), constant(50, t));
}

/* i64 arithmetic and casts between every pair of dtypes. */
static gen_array *casts(gen_array *const *in, gen_dtype t) {
    gen_array *i = gen_cast(gen_mul(in[0], constant(7, t)), GEN_I64);
    gen_array *k = gen_add(gen_mul(gen_mod(i, gen_scalar_i64(5)), gen_neg(i)), gen_abs(i));
    k = gen_clip(gen_sub(gen_square(k), i), gen_scalar_i64(-40), gen_scalar_i64(400));
    gen_dtype ts[4] = {GEN_BOOL, GEN_I64, GEN_F32, GEN_F64};
    gen_array *s = gen_cast(k, t);
    for (int a = 0; a < 4; a++)
        for (int b = 0; b < 4; b++) s = gen_add(s, gen_cast(gen_cast(gen_cast(k, ts[a]), ts[b]), t));
    return s;
}

/* Broadcasting as a batched model does: in[2] ([N]) viewed as [N, 1] against in[3]
 * ([50]) and in[4] ([N, 50]), a pending [N] through a view of axes of extent 1, and
 * broadcast_to. */
static gen_array *broadcast(gen_array *const *in, gen_dtype t) {
    int64_t n = gen_array_shape(in[2])[0];
    gen_array *a = gen_reshape(gen_mul(in[2], constant(0.5, t)), GEN_DIMS(n, 1));
    gen_array *b = gen_reshape(in[2], GEN_DIMS(n, 1)), *x = in[3];
    gen_array *mu = gen_add(a, gen_mul(x, gen_add(b, gen_mul(b, x))));
    gen_array *z = gen_div(gen_sub(in[4], mu), constant(0.05, t));
    gen_array *lp = gen_sub(gen_mul(constant(-0.5, t), gen_square(z)), constant(0.9, t));
    gen_array *w = gen_broadcast_to(gen_reshape(gen_exp(in[2]), GEN_DIMS(1, n, 1)), GEN_DIMS(2, n, 50));
    return gen_add(gen_reshape(lp, GEN_DIMS(1, n, 50)), w);
}

typedef struct fuse_case {
    const char *name;
    expr_fn f;
} fuse_case;
static const fuse_case cases[] = {
    {"unary_float", unary_float}, {"mixed", mixed}, {"casts", casts}, {"broadcast", broadcast}};
#define N_CASES (int)(sizeof cases / sizeof *cases)

/* The inputs of the cases in dtype t, on the host: x, y [N], p [N], data [50], obs [N, 50]. */
static void inputs(gen_dtype t, int64_t n, gen_array **in) {
    in[0] = lin(t, n, -2.1, 4.3 / (double)n);
    in[1] = lin(t, n, 1.7, -3.9 / (double)n);
    in[2] = lin(t, n, -1, 2.0 / (double)n);
    in[3] = lin(t, 50, 0, 1.0 / 49);
    in[4] = gen_reshape(lin(t, n * 50, -0.5, 1.0 / (double)(n * 50)), GEN_DIMS(n, 50));
}

/* ---- without a GPU: the programs compile ---- */

static void test_programs_compile(void) {
    gen_dtype ts[2] = {GEN_F64, GEN_F32};
    int64_t ns[2] = {40, 1100}; /* all / any of the broadcast case: by elements, by rows */
    for (int k = 0; k < N_CASES; k++)
        for (int j = 0; j < 4; j++) {
            gen_array *in[5];
            inputs(ts[j % 2], ns[j / 2], in);
            for (int i = 0; i < 5; i++) in[i] = fake_put(in[i]);
            gen_array *r = cases[k].f(in, ts[j % 2]);
            CHECK(pending(r));
            int modes[4] = {-1, OP_SUM, OP_ALL, OP_ANY};
            for (int m = 0; m < 4; m++) {
                gen_status st = r ? backend_cuda_fuse_compile(r, modes[m], 90) : gen_error_status();
                if (st != GEN_OK)
                    check_fail(__FILE__, __LINE__, "%s %s N = %lld (reduction %d): %s", cases[k].name,
                               gen_dtype_name(ts[j % 2]), (long long)ns[j / 2], modes[m], gen_error_message());
                gen_error_clear();
            }
        }
}

/* ---- with a GPU: fused bits are the elementwise kernels' bits ---- */

static void same_bits(const char *what, gen_array *got, gen_array *want) {
    gen_array *g = cuda_test_host(got), *w = cuda_test_host(want);
    if (!g || !w || gen_array_size(g) != gen_array_size(w) || gen_array_dtype(g) != gen_array_dtype(w)) {
        check_fail(__FILE__, __LINE__, "%s: %s", what, g && w ? "the shapes differ" : gen_error_message());
        return;
    }
    size_t n = (size_t)gen_array_size(g) * gen_dtype_size(gen_array_dtype(g));
    if (memcmp(gen_array_data(g), gen_array_data(w), n) != 0) check_fail(__FILE__, __LINE__, "%s: the bits differ", what);
}

static void test_fused_bits(gen_device dev, int64_t n) {
    backend *be = (backend *)arr_backend_table[dev]; /* the test turns fusing off and on */
    gen_status (*fuse)(arr_buffer *) = be->fuse;
    gen_status (*fuse_op)(const op_call *) = be->fuse_op;
    CHECK(fuse != NULL && fuse_op != NULL);
    gen_dtype ts[2] = {GEN_F64, GEN_F32};
    for (int k = 0; k < N_CASES; k++)
        for (int j = 0; j < 2; j++) {
            char what[96];
            snprintf(what, sizeof what, "%s %s N=%lld", cases[k].name, gen_dtype_name(ts[j]), (long long)n);
            gen_array *in[5];
            inputs(ts[j], n, in);
            for (int i = 0; i < 5; i++) in[i] = gen_array_to_device(in[i], dev);
            be->fuse = NULL;
            be->fuse_op = NULL;
            gen_array *want = cases[k].f(in, ts[j]);
            CHECK(!pending(want));
            gen_array *want_sum = gen_sum(want, 1, (int[]){-1}, false);
            gen_array *want_all = gen_all(gen_isfinite(want), 0, NULL, false);
            gen_array *want_any = gen_any(gen_gt(want, constant(1, ts[j])), 1, (int[]){-1}, false);
            /* flags of both values, of everything and of rows */
            gen_array *want_all_gt = gen_all(gen_gt(want, constant(1, ts[j])), 0, NULL, false);
            gen_array *want_any_gt = gen_any(gen_gt(want, constant(1, ts[j])), 0, NULL, false);
            gen_array *want_any_nan = gen_any(gen_isnan(want), 0, NULL, false);
            gen_array *want_all_rows = gen_all(gen_lt(want, constant(1, ts[j])), 1, (int[]){-1}, false);
            be->fuse = fuse;
            be->fuse_op = fuse_op;
            gen_array *got = cases[k].f(in, ts[j]);
            CHECK(pending(got));
            /* reductions read the pending expression, then its elements */
            char part[128];
            snprintf(part, sizeof part, "%s: sum of rows", what);
            same_bits(part, gen_sum(got, 1, (int[]){-1}, false), want_sum);
            snprintf(part, sizeof part, "%s: all", what);
            same_bits(part, gen_all(gen_isfinite(got), 0, NULL, false), want_all);
            snprintf(part, sizeof part, "%s: any of rows", what);
            same_bits(part, gen_any(gen_gt(got, constant(1, ts[j])), 1, (int[]){-1}, false), want_any);
            snprintf(part, sizeof part, "%s: all of x > 1", what);
            same_bits(part, gen_all(gen_gt(got, constant(1, ts[j])), 0, NULL, false), want_all_gt);
            snprintf(part, sizeof part, "%s: any of x > 1", what);
            same_bits(part, gen_any(gen_gt(got, constant(1, ts[j])), 0, NULL, false), want_any_gt);
            snprintf(part, sizeof part, "%s: any of isnan", what);
            same_bits(part, gen_any(gen_isnan(got), 0, NULL, false), want_any_nan);
            snprintf(part, sizeof part, "%s: all of rows of x < 1", what);
            same_bits(part, gen_all(gen_lt(got, constant(1, ts[j])), 1, (int[]){-1}, false), want_all_rows);
            snprintf(part, sizeof part, "%s: elements", what);
            same_bits(part, got, want);
        }
    /* one kernel: the intermediates are not computed */
    gen_array *x = gen_array_to_device(lin(GEN_F32, n, -1, 1.0 / (double)n), dev);
    be->fuse = NULL;
    gen_array *want_v = gen_sub(gen_mul(gen_exp(x), gen_exp(x)), x);
    be->fuse = fuse;
    gen_array *t = gen_exp(x), *u = gen_mul(t, t), *v = gen_sub(u, x);
    same_bits("chain", v, want_v);
    CHECK(!pending(v) && pending(t) && pending(u));
    /* a sum over many rows of a pending expression reads it without computing it */
    gen_array *m = gen_reshape(gen_array_to_device(lin(GEN_F32, 40000 * 20, -1, 1e-6), dev), GEN_DIMS(40000, 20));
    be->fuse = NULL;
    be->fuse_op = NULL;
    gen_array *want_rows = gen_sum(gen_exp(m), 1, (int[]){1}, false);
    be->fuse = fuse;
    be->fuse_op = fuse_op;
    gen_array *e = gen_exp(m), *rows = gen_sum(e, 1, (int[]){1}, false);
    same_bits("sum of many rows", rows, want_rows);
    CHECK(pending(e));
}

int main(void) {
    char dir[] = "/tmp/genc-fuse-XXXXXX"; /* the disk cache of this test's programs */
    if (!mkdtemp(dir)) return 1;
    setenv("GENC_CACHE_DIR", dir, 1);
    gen_scope_begin();
    {
        gen_array *x = fake_put(gen_arange(0, 4, 1, GEN_F64));
        gen_status st = backend_cuda_fuse_compile(gen_exp(x), -1, 90);
        if (st == GEN_ERR_UNSUPPORTED) {
            printf("SKIP: test_cuda_fuse: %s\n", gen_error_message());
            tmpdir_remove(dir);
            return 77;
        }
        CHECK(st == GEN_OK);
        gen_error_clear();
    }
    /* the programs compile into the disk cache (an image and its source each); the second
     * time they load from it: a compilation would write the removed sources again */
    RUN(test_programs_compile);
    int images = tmpdir_count(dir, ".cubin"), sources = tmpdir_unlink(dir, ".cu");
    CHECK(images >= 4 * N_CASES && sources == images);
    RUN(test_programs_compile);
    CHECK(tmpdir_count(dir, ".cubin") == images && tmpdir_count(dir, ".cu") == 0);
    gen_device dev = gen_device_cuda(0);
    if (dev == GEN_DEVICE_NONE) {
        printf("no GPU (%s): the programs compiled; their runs on a GPU are not checked here\n", gen_error_message());
        gen_error_clear();
    } else {
        gen_scope_begin();
        test_fused_bits(dev, 1000);
        test_fused_bits(dev, 100003);
        gen_scope_end();
    }
    gen_scope_end();
    tmpdir_remove(dir);
    return check_finish();
}
