/* bench_is_gpu.c — issue 14's GPU benchmark: batched importance sampling on the
 * polynomial regression (bench/poly_model.h; the prior as proposal), all N particles in
 * one gen_importance_sampling_batched, in f32 and f64, on three sides:
 *   genc_gpu        on gen_device_cuda(0) (the default device; x and the observed y on
 *                   the device), compilation on: the compiled path;
 *   genc_gpu_eager  the same with compilation off (gen_set_compile(false)): op by op;
 *   genc_cpu        on the host, one thread, compilation on (bench_is_poly's GenC side):
 *                   the speed-up of the GPU over GenC's batched CPU run.
 * Each (side, dtype, N) runs 2 warm-up calls (the compile layer captures and compiles a
 * call shape on its second use, or its first from 262144 particles: both warm-ups
 * together are what JAX's first, compiling, call is to the peers), then REPS timed calls:
 * the timer runs from the call to gen_device_synchronize after it, so every side ends
 * with the particles (the trace's a, b, c and the log weights) on its device and the log
 * marginal likelihood estimate on the host, as the Python peers (bench/peers/is_poly_*.py)
 * do. The key is the same in every call (7), so the three GenC sides draw the same
 * particles: their log ML estimates agree to rounding.
 * Printed per row (a table line and one JSON line): the median and minimum ms, the log ML
 * estimate beside the exact one, the effective sample size of the weights (its Monte
 * Carlo error: s.e. of log ML ~ sqrt(1/ESS - 1/N)), the dtype and device of the weights
 * that came back (GenC's weights are f64 in an f32 run too: the GFI's scores are f64),
 * and for the GPU sides the achieved bandwidth against the least memory traffic the run
 * needs: a, b, c and the log weights written once (N elements each; the data are 100
 * numbers, the draws come from counter-based keys), over the median time.
 * With a CUDA build and a GPU it also measures the device's copy bandwidth (cudaMemcpy
 * device to device of 1 GiB, median of 10, read + write bytes): that traffic at that
 * bandwidth is the floor the GPU rows are compared with ("floor_ms", "over_floor").
 * Without a GPU (or a CUDA build) the GPU rows say so and the CPU rows still run.
 * bench/run_is_gpu.sh runs it with the peers on the GPU machine.
 *   bench_is_gpu [--reps R] [--cpu-reps R] [--cpu-max N] [--dtypes f32,f64]
 *                [--sides genc_gpu,genc_gpu_eager,genc_cpu] [N ...]   (default 1e3 ... 1e7)
 *   bench_is_gpu data FILE        (the data as JSON, for the peers)
 * Defaults: 21 GPU reps; CPU reps 5 up to N = 1e5, 3 up to 1e6, 1 above; CPU up to 1e7. */
#include <cblas.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef GENC_BENCH_CUDA
#include <cuda_runtime_api.h>
#endif

#include "common.h"
#include "poly_model.h"

#define MAX_SIZES 16

typedef struct side {
    const char *name;
    bool gpu, compile;
} side;

static const side SIDES[] = {{"genc_gpu", true, true}, {"genc_gpu_eager", true, false}, {"genc_cpu", false, true}};
#define N_SIDES (int)(sizeof SIDES / sizeof *SIDES)

typedef struct options {
    int reps, cpu_reps; /* cpu_reps 0: by N */
    int64_t cpu_max;
    int n_sizes;
    int64_t sizes[MAX_SIZES];
    bool dtype_on[2]; /* f32, f64 */
    bool side_on[N_SIDES];
} options;

/* One (side, dtype, N) measurement. */
typedef struct row {
    const char *side;
    gen_dtype dtype;
    int64_t n;
    int reps;
    double median_ms, min_ms, log_ml, ess;
    gen_dtype weights_dtype;
    gen_device weights_device;
    char error[300]; /* empty: it ran */
} row;

static double xs[POLY_POINTS], ys[POLY_POINTS], exact_log_ml;
static double copy_gb_s; /* the device's copy bandwidth, GB/s (read + write); 0: not measured */

static int cmp_double(const void *p, const void *q) {
    double x = *(const double *)p, y = *(const double *)q;
    return (x > y) - (x < y);
}

static const char *dtype_label(gen_dtype dt) { return dt == GEN_F32 ? "f32" : "f64"; }

/* The least bytes a run moves: a, b, c (in the run's dtype) and the log weights (GenC's
 * scores and weights are f64 in every run) written once. */
static double min_bytes(const row *r) {
    return (double)r->n * (3.0 * (double)gen_dtype_size(r->dtype) + (double)gen_dtype_size(r->weights_dtype));
}

/* The effective sample size (sum w)^2 / sum w^2 of log weights lw (copied to the host). */
static gen_status weights_ess(const gen_array *lw, int64_t n, double *ess) {
    double *w = malloc((size_t)n * sizeof *w);
    if (!w) return gen_error_set(GEN_ERR_OOM, "bench_is_gpu: no memory for %lld weights", (long long)n);
    gen_status s = gen_array_copy_to(lw, GEN_F64, w, (size_t)n * sizeof *w);
    if (s == GEN_OK) {
        double max = -INFINITY, s1 = 0, s2 = 0;
        for (int64_t i = 0; i < n; i++) max = w[i] > max ? w[i] : max;
        for (int64_t i = 0; i < n; i++) {
            double e = exp(w[i] - max);
            s1 += e;
            s2 += e * e;
        }
        *ess = s1 * s1 / s2;
    }
    free(w);
    return s;
}

/* One call of the run: importance sampling of r->n particles on dev, timed up to the
 * device's synchronization; with stats, also the ESS, dtype and device of its weights. */
static gen_status run_once(gen_gf *model, const gen_args *args, const gen_choicemap *obs, gen_device dev, row *r,
                           double *seconds, bool stats) {
    gen_scope_begin();
    gen_trace *tr = NULL;
    gen_array *lw = NULL;
    double t0 = bench_now();
    gen_status s = gen_importance_sampling_batched(model, gen_key_new(7), args, obs, NULL, NULL, r->n, &tr, &lw,
                                                   &r->log_ml);
    if (s == GEN_OK) s = gen_device_synchronize(dev);
    *seconds = bench_now() - t0;
    if (s == GEN_OK && stats) {
        r->weights_dtype = gen_array_dtype(lw);
        r->weights_device = gen_array_device(lw);
        s = weights_ess(lw, r->n, &r->ess);
    }
    gen_scope_end();
    return s;
}

/* The observed y in dtype on dev. */
static gen_choicemap *observations(gen_dtype dt, gen_device dev) {
    gen_addr ya = {1, {gen_part_name("y")}};
    gen_array *y = gen_array_to_device(gen_cast(gen_array_from_f64(GEN_DIMS(POLY_POINTS), ys), dt), dev);
    return y ? gen_choicemap_set(gen_choicemap_empty(), &ya, y) : NULL;
}

static void print_row(const row *r, const char *device_name) {
    char msg[640];
    if (r->error[0]) {
        bench_json_string(msg, sizeof msg, r->error);
        printf("%-15s %s %10lld   failed: %s\n", r->side, dtype_label(r->dtype), (long long)r->n, r->error);
        printf("{\"peer\": \"%s\", \"bench\": \"is_poly_gpu\", \"n\": %lld, \"dtype\": \"%s\", \"device\": \"%s\", "
               "\"error\": \"%s\"}\n",
               r->side, (long long)r->n, dtype_label(r->dtype), device_name, msg);
        fflush(stdout);
        return;
    }
    bool gpu = strcmp(r->side, "genc_cpu") != 0;
    double gb_s = min_bytes(r) / (r->median_ms * 1e-3) / 1e9;
    double floor_ms = copy_gb_s > 0 ? min_bytes(r) / (copy_gb_s * 1e9) * 1e3 : 0;
    printf("%-15s %s %10lld %12.4f ms  log ML %10.4f  ESS %10.1f", r->side, dtype_label(r->dtype), (long long)r->n,
           r->median_ms, r->log_ml, r->ess);
    if (gpu) printf("  %8.1f GB/s", gb_s);
    if (gpu && floor_ms > 0) printf(" (%.1fx the floor)", r->median_ms / floor_ms);
    printf("\n");
    printf("{\"peer\": \"%s\", \"bench\": \"is_poly_gpu\", \"n\": %lld, \"dtype\": \"%s\", \"device\": \"%s\", "
           "\"median_ms\": %.6g, \"min_ms\": %.6g, \"reps\": %d, \"log_ml\": %.6f, \"exact_log_ml\": %.6f, "
           "\"ess\": %.6g, \"weights_dtype\": \"%s\", \"weights_device\": \"%s\"",
           r->side, (long long)r->n, dtype_label(r->dtype), device_name, r->median_ms, r->min_ms, r->reps, r->log_ml,
           exact_log_ml, r->ess, gen_dtype_name(r->weights_dtype), gen_device_name(r->weights_device));
    if (gpu) {
        printf(", \"min_bytes\": %.0f, \"gb_s\": %.6g", min_bytes(r), gb_s);
        if (floor_ms > 0) printf(", \"floor_ms\": %.6g, \"over_floor\": %.4f", floor_ms, r->median_ms / floor_ms);
    }
    printf("}\n");
    fflush(stdout);
}

/* Times one (side, dtype, N) into r: 2 warm-ups, reps timed calls, the ESS of the last. */
static void measure(gen_gf *model, const gen_args *args, const gen_choicemap *obs, gen_device dev, row *r) {
    double *t = malloc((size_t)r->reps * sizeof *t), sec = 0;
    gen_status s = t ? GEN_OK : gen_error_set(GEN_ERR_OOM, "bench_is_gpu: no memory for the times");
    for (int w = 0; w < 2 && s == GEN_OK; w++) s = run_once(model, args, obs, dev, r, &sec, false);
    for (int k = 0; k < r->reps && s == GEN_OK; k++) s = run_once(model, args, obs, dev, r, &t[k], k == r->reps - 1);
    if (s != GEN_OK) {
        snprintf(r->error, sizeof r->error, "%s", gen_error_message());
        gen_error_clear();
    } else {
        qsort(t, (size_t)r->reps, sizeof *t, cmp_double);
        r->median_ms = t[r->reps / 2] * 1e3;
        r->min_ms = t[0] * 1e3;
    }
    free(t);
}

/* Every N of one side and dtype: x and y made on the side's device once (the compile
 * layer keys a call shape on its arguments' identity). */
static void run_side(const options *o, const side *sd, gen_dtype dt, gen_device gpu, const char *gpu_error,
                     gen_gf *model) {
    gen_device dev = sd->gpu ? gpu : GEN_DEVICE_CPU;
    const char *dev_name = sd->gpu ? (gpu != GEN_DEVICE_NONE ? gen_device_name(gpu) : "none") : "cpu";
    gen_set_compile(sd->compile);
    gen_scope_begin();
    gen_array *x = NULL;
    const gen_choicemap *obs = NULL;
    char setup_error[300] = "";
    if (sd->gpu && gpu == GEN_DEVICE_NONE) {
        snprintf(setup_error, sizeof setup_error, "no GPU: %s", gpu_error);
    } else {
        x = gen_array_to_device(gen_cast(gen_linspace(0, 1, POLY_POINTS), dt), dev);
        obs = observations(dt, dev);
        if (!x || !obs) {
            snprintf(setup_error, sizeof setup_error, "the data on %s: %s", dev_name, gen_error_message());
            gen_error_clear();
        }
    }
    gen_args args = {1, &x, NULL};
    gen_device old = gen_device_set_default(dev == GEN_DEVICE_NONE ? GEN_DEVICE_CPU : dev);
    for (int i = 0; i < o->n_sizes; i++) {
        row r = {.side = sd->name, .dtype = dt, .n = o->sizes[i], .reps = o->reps};
        if (!sd->gpu) {
            if (r.n > o->cpu_max) continue;
            r.reps = o->cpu_reps ? o->cpu_reps : r.n <= 100000 ? 5 : r.n <= 1000000 ? 3 : 1;
        }
        if (setup_error[0])
            snprintf(r.error, sizeof r.error, "%s", setup_error);
        else
            measure(model, &args, obs, dev, &r);
        print_row(&r, dev_name);
    }
    gen_device_set_default(old);
    gen_scope_end();
    gen_compile_cache_clear(); /* the next side's arrays are others: this side's programs are done */
    gen_set_compile(true);
}

/* The device's copy bandwidth (GB/s, bytes read + written): cudaMemcpy device to device
 * of 1 GiB, median of 10 timed by CUDA events. 0 with *why set when it cannot be had. */
static double device_copy_bandwidth(char *why, size_t why_n) {
#ifdef GENC_BENCH_CUDA
    const size_t bytes = (size_t)1 << 30;
    enum { REPS = 10 };
    void *src = NULL, *dst = NULL;
    cudaEvent_t e0 = NULL, e1 = NULL;
    float ms[REPS];
    cudaError_t e = cudaSetDevice(0);
    if (e == cudaSuccess) e = cudaMalloc(&src, bytes);
    if (e == cudaSuccess) e = cudaMalloc(&dst, bytes);
    if (e == cudaSuccess) e = cudaMemset(src, 1, bytes);
    if (e == cudaSuccess) e = cudaEventCreate(&e0);
    if (e == cudaSuccess) e = cudaEventCreate(&e1);
    if (e == cudaSuccess) e = cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToDevice); /* warm-up */
    for (int k = 0; k < REPS && e == cudaSuccess; k++) {
        e = cudaEventRecord(e0, 0);
        if (e == cudaSuccess) e = cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, 0);
        if (e == cudaSuccess) e = cudaEventRecord(e1, 0);
        if (e == cudaSuccess) e = cudaEventSynchronize(e1);
        if (e == cudaSuccess) e = cudaEventElapsedTime(&ms[k], e0, e1);
    }
    double gb_s = 0;
    if (e == cudaSuccess) {
        double t[REPS];
        for (int k = 0; k < REPS; k++) t[k] = ms[k];
        qsort(t, REPS, sizeof *t, cmp_double);
        gb_s = 2.0 * (double)bytes / (t[REPS / 2] * 1e-3) / 1e9;
    } else {
        snprintf(why, why_n, "cudaMemcpy device to device: %s", cudaGetErrorString(e));
    }
    if (e0) cudaEventDestroy(e0);
    if (e1) cudaEventDestroy(e1);
    cudaFree(src);
    cudaFree(dst);
    return gb_s;
#else
    snprintf(why, why_n, "this build has no CUDA runtime");
    return 0;
#endif
}

static bool parse_count(const char *s, int64_t *out) {
    char *end = NULL;
    double v = strtod(s, &end); /* 1e7 or 10000000 */
    if (!end || end == s || *end || !(v >= 1 && v <= 1e12) || v != floor(v)) return false;
    *out = (int64_t)v;
    return true;
}

/* Marks the names of list (comma-separated) found in names[0..n) in on[]; false for an
 * unknown name. */
static bool parse_list(const char *list, const char *const *names, int n, bool *on) {
    memset(on, 0, (size_t)n * sizeof *on);
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        int k = 0;
        while (k < n && strcmp(tok, names[k])) k++;
        if (k == n) return false;
        on[k] = true;
    }
    return true;
}

static int usage(void) {
    fprintf(stderr, "usage: bench_is_gpu [--reps R] [--cpu-reps R] [--cpu-max N] [--dtypes f32,f64]\n"
                    "                    [--sides genc_gpu,genc_gpu_eager,genc_cpu] [N ...]\n"
                    "       bench_is_gpu data FILE\n");
    return 2;
}

static bool parse_options(int argc, char **argv, options *o) {
    static const char *const dtypes[] = {"f32", "f64"};
    const char *side_names[N_SIDES];
    for (int k = 0; k < N_SIDES; k++) side_names[k] = SIDES[k].name;
    *o = (options){.reps = 21, .cpu_max = 10000000, .dtype_on = {true, true}};
    for (int k = 0; k < N_SIDES; k++) o->side_on[k] = true;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int64_t num = 0;
        if (!strcmp(a, "--reps") || !strcmp(a, "--cpu-reps")) {
            if (!v || !parse_count(v, &num) || num > 1000) return false;
            *(!strcmp(a, "--reps") ? &o->reps : &o->cpu_reps) = (int)num;
            i++;
        } else if (!strcmp(a, "--cpu-max")) {
            if (!v || !parse_count(v, &o->cpu_max)) return false;
            i++;
        } else if (!strcmp(a, "--dtypes")) {
            if (!v || !parse_list(v, dtypes, 2, o->dtype_on)) return false;
            i++;
        } else if (!strcmp(a, "--sides")) {
            if (!v || !parse_list(v, side_names, N_SIDES, o->side_on)) return false;
            i++;
        } else if (o->n_sizes < MAX_SIZES && parse_count(a, &num)) {
            o->sizes[o->n_sizes++] = num;
        } else {
            return false;
        }
    }
    if (!o->n_sizes) {
        const int64_t dflt[] = {1000, 10000, 100000, 1000000, 10000000};
        o->n_sizes = 5;
        memcpy(o->sizes, dflt, sizeof dflt);
    }
    return true;
}

int main(int argc, char **argv) {
    if (argc == 3 && !strcmp(argv[1], "data")) return poly_write_data(argv[2]);
    options o;
    if (!parse_options(argc, argv, &o)) return usage();
    openblas_set_num_threads(1);
    gen_scope_begin();
    poly_data(xs, ys);
    double mean[3];
    poly_posterior(xs, ys, mean, &exact_log_ml);

    bool want_gpu = o.side_on[0] || o.side_on[1];
    char gpu_error[256] = "not asked for", why[256] = "";
    gen_device gpu = GEN_DEVICE_NONE;
    if (want_gpu && (gpu = gen_device_cuda(0)) == GEN_DEVICE_NONE) {
        snprintf(gpu_error, sizeof gpu_error, "%s", gen_error_message());
        gen_error_clear();
        printf("bench_is_gpu: the GPU is absent: %s (the GPU rows say so; the CPU rows run)\n", gpu_error);
    }
    if (gpu != GEN_DEVICE_NONE) {
        copy_gb_s = device_copy_bandwidth(why, sizeof why);
        if (copy_gb_s > 0) {
            printf("device copy bandwidth (cudaMemcpy device to device, 1 GiB, read + write): %.1f GB/s\n", copy_gb_s);
            printf("{\"peer\": \"cuda_memcpy\", \"bench\": \"is_poly_gpu\", \"device\": \"%s\", \"bytes\": %.0f, "
                   "\"gb_s\": %.6g}\n",
                   gen_device_name(gpu), 2.0 * (double)(1 << 30), copy_gb_s);
        } else {
            printf("device copy bandwidth not measured: %s\n", why);
            char msg[300];
            bench_json_string(msg, sizeof msg, why);
            printf("{\"peer\": \"cuda_memcpy\", \"bench\": \"is_poly_gpu\", \"device\": \"%s\", \"error\": \"%s\"}\n",
                   gen_device_name(gpu), msg);
        }
    }
    printf("batched importance sampling, polynomial regression (50 points, prior proposal), exact log ML %.4f;"
           " GB/s: the least traffic (a, b, c and the log weights written once) over the median time\n",
           exact_log_ml);
    gen_gf *model = gen_dynamic("polynomial", poly_model); /* the scope's */
    for (int d = 0; d < 2; d++)
        for (int k = 0; k < N_SIDES; k++)
            if (o.dtype_on[d] && o.side_on[k]) run_side(&o, &SIDES[k], d ? GEN_F64 : GEN_F32, gpu, gpu_error, model);
    gen_scope_end();
    return 0;
}
