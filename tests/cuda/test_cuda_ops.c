/* test_cuda_ops.c — every op of the op table on the GPU against the CPU backend. Each
 * case of tests/compile/compile_cases.h (an op on representative arguments:
 * broadcasting, every dtype it takes, axes, 0-d and empty arrays, NaN and infinities)
 * runs eagerly on host inputs and on their copies on the GPU; the outputs must agree
 * (integers and bools exactly, floats to the tolerances below), and so must
 * value_and_grad of sum(f(x) * w) for the cases marked grad. Calls that fail on their
 * data (a matrix not positive definite, an index out of range) must fail on the GPU at
 * the call with the CPU's status and message. Every case runs, whatever fails before
 * it: each failure is one line (the case, what differed), then a summary counts the
 * cases passed, failed, and unsupported (an op with no CUDA kernel fails clearly with
 * GEN_ERR_UNSUPPORTED: counted, named, not a failure). Last, the elementwise ops are
 * shown not to wait for the device. Skips (77) where there is no GPU. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#ifdef GENC_HAVE_CUDA
#include <cuda_runtime_api.h>
#endif

#include "../compile/compile_cases.h"
#include "../../src/array/backend_api.h"
#include "cuda_testutil.h"

static gen_device dev;
static int n_pass, n_fail, n_unsupported;

/* ---- tolerances ---- */

/* Relative tolerances: |got - want| <= rtol * max(|got|, |want|, s), s the largest finite
 * magnitude of the expected array (components that cancel to ~0 get an absolute floor).
 *   f64: 1e-12 (the bound). Arithmetic is the CPU's IEEE operations in the CPU's
 *        order (nvcc --fmad=false) and gives its bits; CUDA's libm functions differ from
 *        glibc's by a few ulp (~1e-15).
 *   f32: 4e-7 (~3 ulp). f32 arithmetic is the CPU's in float; f32 functions go through
 *        double and round once, as on the CPU, so they differ only where CUDA's and glibc's
 *        doubles round to neighbouring floats (1 ulp). */
#define RTOL_F64 1e-12
#define RTOL_F32 4e-7

/* Looser tolerances by op (the case name up to its first '/', ' ' or '('), with why. */
static const struct {
    const char *op;
    double f64, f32;
} looser[] = {
    /* Special functions computed by special.h's procedures from several CUDA libm
     * results (erf, erfc, log, log1p, sin, tan, each within 2-4 ulp of glibc's, CUDA Math
     * API accuracy tables): erfinv's Halley steps stop at a root that moves with erf's and
     * erfc's ulp differences over their slope; the reflection formulas of lgamma,
     * digamma and trigamma on the negative axis subtract terms, so near the functions'
     * zeros they keep only absolute accuracy relative to the terms; log_ndtr takes
     * log1p(-Q) of erfc's result. 1e-11 bounds these with two digits to spare. */
    {"erfinv", 1e-11, RTOL_F32},
    {"lgamma", 1e-11, RTOL_F32},
    {"digamma", 1e-11, RTOL_F32},
    {"trigamma", 1e-11, RTOL_F32},
    {"log_ndtr", 1e-11, RTOL_F32},
    /* Sums in another order than the CPU's loops (the GPU's reductions, cuBLAS with fused
     * multiply-adds): a sum of k terms differs by up to ~k ulp of its largest partial sum,
     * which for f32 (k up to 50 here) exceeds a few ulp of the result. */
    {"sum", RTOL_F64, 4e-6},
    {"prod", RTOL_F64, 4e-6},
    {"logsumexp", RTOL_F64, 4e-6},
    {"cumsum", RTOL_F64, 4e-6},
    {"cumlogsumexp", RTOL_F64, 4e-6},
    {"cumlogsumexp_vjp", RTOL_F64, 4e-6},
    {"matmul", RTOL_F64, 4e-6},
    {"normal_logpdf_sum", RTOL_F64, 4e-6},
    {"rows", RTOL_F64, 4e-6},
    {"poly", RTOL_F64, 4e-6},
    /* LAPACK against cuSOLVER: blocked factorizations in another order agree to about
     * cond(A) * eps; the SPD inputs (M M^T / n + I) and triangular ones (diagonal in
     * [1, 2]) have cond(A) below ~1e2, logdet/single's normal 4x4 matrix a few 1e2. */
    {"cholesky", 1e-10, 1e-4},
    {"cholesky_vjp", 1e-10, 1e-4},
    {"triangular_solve", 1e-10, 1e-4},
    {"solve", 1e-10, 1e-4},
    {"inv", 1e-10, 1e-4},
    {"logdet", 1e-10, 1e-4},
};

/* The op a case is named after. */
static void case_op(const char *name, char *op, size_t n) {
    size_t k = strcspn(name, "/ (");
    if (k >= n) k = n - 1;
    memcpy(op, name, k);
    op[k] = '\0';
}

static double rtol_of(const char *name, gen_dtype t) {
    char op[64];
    case_op(name, op, sizeof op);
    for (size_t i = 0; i < sizeof looser / sizeof *looser; i++)
        if (!strcmp(looser[i].op, op)) return t == GEN_F32 ? looser[i].f32 : looser[i].f64;
    return t == GEN_F32 ? RTOL_F32 : RTOL_F64;
}

/* ---- comparing ---- */

static double elem(const gen_array *a, int64_t k) {
    const void *d = gen_array_data(a);
    switch (gen_array_dtype(a)) {
    case GEN_F64: return ((const double *)d)[k];
    case GEN_F32: return ((const float *)d)[k];
    case GEN_I64: return (double)((const int64_t *)d)[k];
    default: return ((const uint8_t *)d)[k];
    }
}

/* Whether got (a host array) equals want, as the header says; why says what differed. */
static bool same_array(const gen_array *got, const gen_array *want, double rtol, char *why, size_t n) {
    gen_dtype t = gen_array_dtype(want);
    int nd = gen_array_ndim(want);
    if (gen_array_dtype(got) != t || gen_array_ndim(got) != nd ||
        memcmp(gen_array_shape(got), gen_array_shape(want), (size_t)nd * sizeof(int64_t))) {
        snprintf(why, n, "got %s of %d dims, want %s of %d dims", gen_dtype_name(gen_array_dtype(got)),
                 gen_array_ndim(got), gen_dtype_name(t), nd);
        return false;
    }
    int64_t size = gen_array_size(want), bad = -1;
    if (t == GEN_I64 || t == GEN_BOOL) { /* bit-exact */
        size_t es = gen_dtype_size(t);
        const char *a = gen_array_data(got), *b = gen_array_data(want);
        for (int64_t k = 0; k < size && bad < 0; k++)
            if (memcmp(a + k * es, b + k * es, es)) bad = k;
        if (bad >= 0)
            snprintf(why, n, "element %lld is %.17g, want %.17g (%s, bit-exact)", (long long)bad, elem(got, bad),
                     elem(want, bad), gen_dtype_name(t));
        return bad < 0;
    }
    double scale = 0, max_abs = 0, max_rel = 0;
    for (int64_t k = 0; k < size; k++)
        if (isfinite(elem(want, k))) scale = fmax(scale, fabs(elem(want, k)));
    for (int64_t k = 0; k < size; k++) {
        double x = elem(got, k), y = elem(want, k);
        if (x == y || (isnan(x) && isnan(y))) continue;
        double m = fmax(fmax(fabs(x), fabs(y)), scale), d = fabs(x - y);
        bool ok = isfinite(x) && isfinite(y) && d <= rtol * m;
        if (isfinite(d)) max_abs = fmax(max_abs, d), max_rel = fmax(max_rel, d / m);
        if (!ok && bad < 0) bad = k;
    }
    if (bad >= 0)
        snprintf(why, n, "element %lld is %.17g, want %.17g (max abs error %.3g, max rel error %.3g, rtol %g)",
                 (long long)bad, elem(got, bad), elem(want, bad), max_abs, max_rel, rtol);
    return bad < 0;
}

/* ---- running one function on both devices ---- */

/* A call's status, message and outputs. */
typedef struct outcome {
    gen_status st;
    char msg[512];
    gen_array *out[5];
} outcome;

/* f at in with the default device d (where constants the function makes go). */
static void run_on(outcome *r, gen_closure f, int n_in, gen_array *const *in, int n_out, gen_device d) {
    memset(r, 0, sizeof *r);
    gen_device old = gen_device_set_default(d);
    r->st = f.fn(f.payload, n_in, in, n_out, r->out);
    gen_device_set_default(old);
    if (r->st != GEN_OK) snprintf(r->msg, sizeof r->msg, "%s", gen_error_message());
    gen_error_clear();
}

/* The ops found unsupported: named by their GEN_ERR_UNSUPPORTED message ("<op>: not
 * supported on the cuda0 backend"), else the op the case is named after. */
static bool unsupported[OP_COUNT];

static void note_unsupported(const char *msg, const char *name) {
    char op[64];
    case_op(name, op, sizeof op);
    int named = -1;
    for (int k = 0; k < OP_COUNT && named < 0; k++) {
        size_t n = strlen(op_table[k].name);
        if (!strncmp(msg, op_table[k].name, n) && msg[n] == ':') named = k;
    }
    for (int k = 0; k < OP_COUNT && named < 0; k++)
        if (!strcmp(op, op_table[k].name)) named = k;
    if (named >= 0) unsupported[named] = true;
}

typedef enum { R_PASS, R_FAIL, R_UNSUPPORTED } result;

/* Runs fh on the host inputs and fd (the same function, with what it closes over on the
 * GPU) on the device inputs; compares. name names the case in failure lines. */
static result compare(const char *name, gen_closure fh, gen_closure fd, int n_in, gen_array *const *in_h,
                      gen_array *const *in_d, int n_out) {
    outcome cpu, gpu;
    run_on(&cpu, fh, n_in, in_h, n_out, GEN_DEVICE_CPU);
    run_on(&gpu, fd, n_in, in_d, n_out, dev);
    if (gpu.st == GEN_ERR_UNSUPPORTED && cpu.st != GEN_ERR_UNSUPPORTED) {
        note_unsupported(gpu.msg, name);
        return R_UNSUPPORTED;
    }
    if (cpu.st != gpu.st || strcmp(cpu.msg, gpu.msg)) {
        check_fail(__FILE__, __LINE__, "%s: the GPU gave %s \"%s\", the CPU %s \"%s\"", name, gen_status_name(gpu.st),
                   gpu.msg, gen_status_name(cpu.st), cpu.msg);
        return R_FAIL;
    }
    if (cpu.st != GEN_OK) return R_PASS; /* the same error */
    for (int j = 0; j < n_out; j++) {
        gen_array *got = cuda_test_host(gpu.out[j]);
        char why[512];
        if (!got) {
            check_fail(__FILE__, __LINE__, "%s: output %d: copying it to the host failed: %s", name, j,
                       gen_error_message());
            gen_error_clear();
            return R_FAIL;
        }
        /* computed from device arrays, it stays there, but for a small result stored inline
         * on the host (64 bytes at most, as a zero gradient may be) */
        int64_t bytes = gen_array_size(got) * (int64_t)gen_dtype_size(gen_array_dtype(got));
        if (gen_array_device(gpu.out[j]) != dev && bytes > 64) {
            check_fail(__FILE__, __LINE__, "%s: output %d is on %s, not on the GPU", name, j,
                       gen_device_name(gen_array_device(gpu.out[j])));
            return R_FAIL;
        }
        if (!same_array(got, cpu.out[j], rtol_of(name, gen_array_dtype(cpu.out[j])), why, sizeof why)) {
            check_fail(__FILE__, __LINE__, "%s: output %d: %s", name, j, why);
            return R_FAIL;
        }
    }
    return R_PASS;
}

static void count(result r) {
    check_count++;
    if (r == R_PASS) n_pass++;
    else if (r == R_FAIL) n_fail++;
    else n_unsupported++;
}

/* ---- the cases ---- */

/* value_and_grad of sum(f(x) * w) of case c (compile_cases.h's grad_fn), weights on each
 * device. */
static result compare_grad(const op_case *c, gen_array *const *in_h, gen_array *const *in_d) {
    gen_array *o[4] = {0};
    if (c->fn((void *)c, c->n_in, in_h, c->n_out, o) != GEN_OK) {
        check_fail(__FILE__, __LINE__, "%s: %s", c->name, gen_error_message());
        gen_error_clear();
        return R_FAIL;
    }
    grad_fn gh, gd;
    grad_fn_init(&gh, c, o);
    gd = gh;
    for (int j = 0; j < c->n_out; j++)
        if (gh.w[j]) gd.w[j] = gen_array_to_device(gh.w[j], dev);
    char name[160];
    snprintf(name, sizeof name, "%s (value_and_grad)", c->name);
    return compare(name, (gen_closure){grad_outer, &gh}, (gen_closure){grad_outer, &gd}, c->n_in, in_h, in_d,
                   1 + gh.nf);
}

static void run_case(const op_case *c) {
    gen_scope_begin();
    gen_array *in_h[4], *in_d[4];
    for (int i = 0; i < c->n_in; i++) {
        in_h[i] = make_input(&c->in[i], 1000 + (uint64_t)i);
        in_d[i] = gen_array_to_device(in_h[i], dev);
    }
    gen_closure f = {c->fn, (void *)c};
    result r = compare(c->name, f, f, c->n_in, in_h, in_d, c->n_out);
    if (c->grad && r != R_FAIL) {
        result rg = compare_grad(c, in_h, in_d);
        if (rg != R_PASS) r = rg;
    }
    count(r);
    gen_scope_end();
}

static void test_cases(void) {
    for (size_t i = 0; i < sizeof op_cases / sizeof *op_cases; i++) run_case(&op_cases[i]);
}

/* ---- failures on the data: the CPU's status and message, at the call ---- */

static void same_failure(const char *name, gen_closure f, int n_in, gen_array *const *in_h) {
    gen_array *in_d[4];
    for (int i = 0; i < n_in; i++) in_d[i] = gen_array_to_device(in_h[i], dev);
    outcome cpu;
    run_on(&cpu, f, n_in, in_h, 1, GEN_DEVICE_CPU);
    if (cpu.st == GEN_OK) { /* the case itself is wrong */
        check_fail(__FILE__, __LINE__, "%s: the CPU did not fail", name);
        count(R_FAIL);
        return;
    }
    count(compare(name, f, f, n_in, in_h, in_d, 1));
}

static gen_status f_normal_density(void *pl, int n_in, gen_array *const *x, int n_out, gen_array **out) {
    CASE_ARGS;
    return done(out[0] = gen_dist_logpdf(gen_normal(x[1], x[2]), x[0]));
}

static void test_failures(void) {
    gen_array *spd = make_input(&(in_spec)IN(F64, SPD, 2, 3, 3), 5);
    gen_array *rhs = make_input(&(in_spec)IN(F64, NORMAL, 3, 2), 6);
    double indefinite[9] = {1, 2, 0, 2, 1, 0, 0, 0, 1}, singular[9] = {1, 2, 3, 2, 4, 6, 0, 0, 1};
    /* the second matrix of the batch fails: the message names its batch index */
    gen_array *bad_spd = gen_concatenate(2, (gen_array *[]){gen_slice(spd, 0, 0, 1, 1),
                                                            gen_array_from_f64(GEN_DIMS(1, 3, 3), indefinite)}, 0);
    gen_array *bad_lu = gen_concatenate(2, (gen_array *[]){gen_array_from_f64(GEN_DIMS(1, 3, 3), singular),
                                                           gen_slice(spd, 0, 1, 2, 1)}, 0);
    op_case chol = {.un = gen_cholesky}, inv = {.un = gen_inv}, solve = {.bin = gen_solve};
    same_failure("cholesky/not positive definite", (gen_closure){f_unary, &chol}, 1, &bad_spd);
    same_failure("cholesky/one matrix not positive definite", (gen_closure){f_unary, &chol}, 1,
                 (gen_array *[]){gen_array_from_f64(GEN_DIMS(3, 3), indefinite)});
    same_failure("inv/singular", (gen_closure){f_unary, &inv}, 1, &bad_lu);
    same_failure("solve/singular", (gen_closure){f_binary, &solve}, 2, (gen_array *[]){bad_lu, rhs});
    gen_array *a = make_input(&(in_spec)IN(F64, NORMAL, 3, 4), 7);
    gen_array *bad_ix = gen_array_from(GEN_I64, GEN_DIMS(3), (const int64_t[]){0, 4, 3});
    op_case take = {.axis = 1}, along = {.axis = 1}, scatter = {.axis = 1, .k = 4}, set = {.axis = 1};
    same_failure("take/index out of range", (gen_closure){f_take, &take}, 2, (gen_array *[]){a, bad_ix});
    gen_array *bad_ia = gen_array_from(GEN_I64, GEN_DIMS(3, 1), (const int64_t[]){0, 5, 2});
    same_failure("take_along/index out of range", (gen_closure){f_take_along, &along}, 2, (gen_array *[]){a, bad_ia});
    gen_array *bad_is = gen_array_from(GEN_I64, GEN_DIMS(3, 4), (const int64_t[]){0, 1, 2, 3, 3, 2, 1, 0, 0, -1, 2, 3});
    same_failure("scatter_along/index out of range", (gen_closure){f_scatter_along, &scatter}, 2,
                 (gen_array *[]){a, bad_is});
    same_failure("index_set/index out of range", (gen_closure){f_index_update, &set}, 3,
                 (gen_array *[]){a, gen_array_from(GEN_I64, GEN_DIMS(2), (const int64_t[]){1, -5}), gen_scalar(2)});
    gen_array *x = make_input(&(in_spec)IN(F64, NORMAL, 4), 8), *mu = gen_scalar(0.5);
    gen_array *bad_sigma = gen_array_from_f64(GEN_DIMS(4), (const double[]){1, 2, -1, 3});
    same_failure("normal/sigma < 0", (gen_closure){f_normal_density, NULL}, 3, (gen_array *[]){x, mu, bad_sigma});
}

#ifdef GENC_HAVE_CUDA /* (without CUDA the test skips before this) */
/* ---- the elementwise ops queue their work and return: none waits for the device ---- */

/* A gate on the device's stream: a host function queued there that holds the stream
 * until the test opens the gate (or 60 s pass: an op that waited for the stream would
 * have waited for the gate, so the time-out turns a hang into a failure). */
typedef struct gate {
    pthread_mutex_t m;
    pthread_cond_t cv;
    bool open, timed_out;
} gate;

static void CUDART_CB hold_stream(void *p) {
    gate *g = p;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 60;
    pthread_mutex_lock(&g->m);
    while (!g->open && !g->timed_out)
        if (pthread_cond_timedwait(&g->cv, &g->m, &until) == ETIMEDOUT) g->timed_out = true;
    pthread_mutex_unlock(&g->m);
}

/* The ops of the three tables, applied to device arrays while the gate holds the stream:
 * every call must return (with its result queued) before the gate opens. */
static const op_id elementwise_ops[] = {
#define OP(ID, name, arity, shape, cpu, vjp, jvp) OP_##ID,
#include "../../src/array/ops_unary.def"
#include "../../src/array/ops_binary.def"
#include "../../src/array/ops_core.def"
#undef OP
};

static void test_asynchronous(void) {
    gen_array *x = gen_array_to_device(make_input(&(in_spec)IN(F64, NORMAL, 64, 64), 21), dev);
    gen_array *y = gen_array_to_device(make_input(&(in_spec)IN(F64, POS, 64), 22), dev);
    gen_array *b = gen_array_to_device(make_input(&(in_spec)IN(BOOL, BOOL, 64, 64), 23), dev);
    CHECK_OK(gen_device_synchronize(dev));
    gate g = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, false};
    cudaStream_t stream = arr_backend_table[dev]->queue;
    CHECK(cudaLaunchHostFunc(stream, hold_stream, &g) == cudaSuccess);
    size_t n = sizeof elementwise_ops / sizeof *elementwise_ops;
    gen_array *results[sizeof elementwise_ops / sizeof *elementwise_ops];
    for (size_t i = 0; i < n; i++) {
        op_id op = elementwise_ops[i];
        op_params p = {.dtype = GEN_F32, .ndim = 2, .shape = {4096, 1}};
        if (op == OP_BROADCAST_TO) p.shape[0] = 2, p.shape[1] = 64, results[i] = op_apply1(op, y, &p);
        else if (op == OP_WHERE) results[i] = op_apply(op, 3, (gen_array *[]){b, x, y}, NULL);
        else if (op_table[op].arity == 3) results[i] = op_apply(op, 3, (gen_array *[]){x, y, gen_add(y, y)}, NULL);
        else if (op_table[op].arity == 2) results[i] = op_apply2(op, x, y, NULL);
        else results[i] = op_apply1(op, x, &p);
        if (!results[i]) { /* (printing does not wait for the device) */
            check_fail(__FILE__, __LINE__, "%s: %s", op_table[op].name, gen_error_message());
            gen_error_clear();
        }
    }
    pthread_mutex_lock(&g.m);
    bool waited = g.timed_out;
    g.open = true;
    pthread_cond_signal(&g.cv);
    pthread_mutex_unlock(&g.m);
    if (waited) check_fail(__FILE__, __LINE__, "an elementwise op waited for the device");
    CHECK_OK(gen_device_synchronize(dev));
    for (size_t i = 0; i < n; i++)
        if (results[i]) CHECK(gen_array_device(results[i]) == dev);
}
#endif

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0); /* the summary after the failure lines (stderr) */
    dev = cuda_test_device("test_cuda_ops");
    RUN(test_cases);
    RUN(test_failures);
    printf("test_cuda_ops: %d cases: %d passed, %d failed, %d unsupported on the GPU\n",
           n_pass + n_fail + n_unsupported, n_pass, n_fail, n_unsupported);
    if (n_unsupported) {
        printf("unsupported on the GPU:");
        for (int k = 0, first = 1; k < OP_COUNT; k++)
            if (unsupported[k]) printf("%s %s", first ? "" : ",", op_table[k].name), first = 0;
        printf("\n");
    }
#ifdef GENC_HAVE_CUDA
    RUN(test_asynchronous);
#endif
    return check_finish();
}
