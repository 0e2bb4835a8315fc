/* test_cuda_pf.c — the batched particle filter on the GPU runs unchanged: the nonlinear
 * model of Gen's PLDI paper, written with Unfold, filtered with the GPU as the default
 * device (every particle array on cuda0) gives the CPU run's log weights at every step
 * and its log marginal likelihood for the same key (the draws are the same bits,
 * docs/random.md; the arithmetic agrees to f64 rounding, libm's functions to a few ulps),
 * with resampling (the gather on the device) and a batched MH rejuvenation; the weights
 * stay on the device. Resampling weights on the device draws the host's ancestors, for
 * every scheme. Skips where there is no GPU. */
#include <math.h>

#include "cuda_testutil.h"

enum { T = 12, N = 2000 };
#define RTOL 1e-9

static gen_status step(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    int64_t t = 0;
    gen_item_i64(args->v[0], &t);
    gen_array *mean = gen_scalar(0), *sd = gen_scalar(sqrt(5.0));
    if (t > 0) {
        gen_array *x = args->v[1];
        mean = gen_add(gen_add(gen_mul(gen_scalar(0.5), x),
                               gen_div(gen_mul(gen_scalar(25), x), gen_add(gen_scalar(1), gen_mul(x, x)))),
                       gen_scalar(8 * cos(1.2 * (double)(t + 1))));
        sd = gen_scalar(sqrt(10.0));
    }
    gen_array *x = gen_choose(ctx, "x", gen_normal(mean, sd));
    gen_choose(ctx, "y", gen_normal(gen_div(gen_mul(x, x), gen_scalar(20)), gen_scalar(1)));
    *retval = x;
    return gen_ctx_status(ctx);
}

static gen_addr at(int64_t t, const char *name) { return (gen_addr){2, {gen_part_int(t), gen_part_name(name)}}; }

/* One batched filter on device d; the log weights after every step into lw [T][N] and
 * the log ML returned. */
static double run(gen_device d, const double *ys, double (*lw)[N], int64_t *accepted) {
    gen_device old = gen_device_set_default(d);
    gen_scope_begin();
    gen_gf *model = gen_unfold(gen_dynamic("pldi_step", step));
    gen_array *v[2] = {gen_scalar_i64(1), gen_scalar(0)};
    gen_args args = {2, v, NULL};
    gen_diff diffs[2] = {gen_diff_int(1), gen_diff_no_change()};
    gen_key key = gen_key_new(77);
    gen_pf *pf = NULL;
    double lml = NAN;
    *accepted = 0;
    for (int t = 0; t < T; t++) {
        gen_key k[3];
        gen_key_split(gen_key_fold_in(key, (uint64_t)t), 3, k);
        gen_addr a = at(t, "y");
        gen_choicemap *obs = gen_choicemap_set(gen_choicemap_empty(), &a, gen_scalar(ys[t]));
        v[0] = gen_scalar_i64(t + 1);
        if (t == 0) {
            CHECK_OK(gen_pf_init_batched(model, k[1], &args, obs, NULL, NULL, N, &pf));
        } else {
            CHECK_OK(gen_pf_maybe_resample(pf, k[0], GEN_RESAMPLE_SYSTEMATIC, N / 2.0, NULL));
            CHECK_OK(gen_pf_step(pf, k[1], &args, diffs, obs, NULL, NULL));
            gen_addr ax = at(t, "x");
            gen_mh_select_kernel mh = {gen_select(1, &ax)};
            int64_t acc = 0;
            CHECK_OK(gen_pf_rejuvenate(pf, k[2], gen_kernel_mh_select(&mh), &acc));
            *accepted += acc;
        }
        if (!pf) break;
        gen_array *w = NULL;
        CHECK_OK(gen_pf_log_weights(pf, &w));
        if (w) gen_array_copy_to(w, GEN_F64, lw[t], sizeof lw[t]);
        CHECK(w && gen_array_device(w) == d); /* kept where the particles are */
        if (t == T - 1) {
            gen_addr ax = at(t, "x");
            const gen_array *x = gen_trace_value(gen_pf_batched_trace(pf), &ax);
            CHECK(x && gen_array_device(x) == d); /* the particles live on the device */
        }
    }
    CHECK_OK(gen_pf_log_ml(pf, &lml));
    gen_pf_free(pf);
    gen_scope_end();
    gen_device_set_default(old);
    return lml;
}

static void test_filter(gen_device dev) {
    double ys[T];
    for (int t = 0; t < T; t++) ys[t] = 5 * sin(0.7 * t) * sin(0.7 * t) + 0.3 * t; /* x^2 / 20 near these */
    static double lw_cpu[T][N], lw_gpu[T][N];
    int64_t acc_cpu = 0, acc_gpu = 0;
    double lml_cpu = run(GEN_DEVICE_CPU, ys, lw_cpu, &acc_cpu);
    double lml_gpu = run(dev, ys, lw_gpu, &acc_gpu);
    CHECK(isfinite(lml_cpu));
    CHECK_CLOSE(lml_gpu, lml_cpu, RTOL);
    CHECK(acc_gpu == acc_cpu && acc_cpu > 0); /* the same particles accept */
    int bad = 0;
    for (int t = 0; t < T; t++)
        for (int i = 0; i < N; i++) {
            double a = lw_gpu[t][i], b = lw_cpu[t][i];
            if (!(a == b || fabs(a - b) <= RTOL * fabs(b))) {
                if (!bad++)
                    check_fail(__FILE__, __LINE__, "step %d particle %d: log weight %.17g on the GPU, %.17g on the CPU", t,
                               i, a, b);
            }
        }
    check_count++;
}

/* gen_resample of weights on the device (resampled there) gives the host's ancestors:
 * the same uniforms, the same CDF up to rounding (a point within rounding of a CDF step
 * has probability ~1e-13 here). Weights span 30 orders of magnitude, some are zero. */
static void test_resample(gen_device dev) {
    enum { M = 1000 };
    static double w[M];
    static int64_t a_cpu[M], a_gpu[M];
    gen_scope_begin();
    gen_array *u = gen_random_uniform(gen_key_new(5), GEN_F64, 1, (int64_t[]){M});
    gen_array_copy_to(u, GEN_F64, w, sizeof w);
    for (int i = 0; i < M; i++) w[i] = i % 97 == 3 ? -INFINITY : 70 * w[i] - 35;
    gen_array *lw = gen_array_from(GEN_F64, 1, (int64_t[]){M}, w), *lw_dev = gen_array_to_device(lw, dev);
    const int64_t sizes[2] = {M, 777};
    for (int method = GEN_RESAMPLE_MULTINOMIAL; method <= GEN_RESAMPLE_RESIDUAL; method++)
        for (int k = 0; k < 3; k++)
            for (int z = 0; z < 2; z++) {
                gen_key key = gen_key_new(100 + (uint64_t)k);
                int64_t m = sizes[z];
                CHECK_OK(gen_resample(key, lw, (gen_resampling)method, m, a_cpu));
                CHECK_OK(gen_resample(key, lw_dev, (gen_resampling)method, m, a_gpu));
                int bad = 0;
                for (int64_t j = 0; j < m; j++)
                    if (a_cpu[j] != a_gpu[j] && !bad++)
                        check_fail(__FILE__, __LINE__, "method %d key %d n_out %lld: ancestor %lld is %lld on the GPU, %lld on the CPU",
                                   method, k, (long long)m, (long long)j, (long long)a_gpu[j], (long long)a_cpu[j]);
                check_count++;
            }
    gen_scope_end();
}

int main(void) {
    gen_device dev = cuda_test_device("test_cuda_pf");
    test_filter(dev);
    test_resample(dev);
    return check_finish();
}
