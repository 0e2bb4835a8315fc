/* test_emit_cuda.c — the lane target (CUDA C compiled by NVRTC, one GPU thread per
 * particle or chain) on a machine without a GPU. Every op case of compile_cases.h (and
 * its gradient) is made a lane program of three chains whose source NVRTC must compile
 * for sm_90; the same source, built by the C compiler, runs its lanes on a stand-in
 * device ("lanes": device memory the host can read, as in tests/array/test_device.c),
 * and each chain's outputs must equal the eager function's at that chain's inputs (as
 * test_compile_ops.c compares). Failed checks and kernels give the eager error, naming
 * the first failing chain. Models: batched generate and importance sampling with the
 * stand-in device as the default device run the compiled lane path and give the eager
 * CPU path's draws (bit for bit) and weights (1e-12) for the same key; the log density
 * and gradient of a target over many chains equal the eager ones chain by chain; every
 * lane program those runs made is compiled by NVRTC too. Exits 77 (skipped) only where
 * NVRTC is absent (a build without CUDA). */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "compile_cases.h"
#include "compile_check.h"
#include "genc/compile.h"
#include "../../src/backend/backend.h"
#include "../../src/compile/lane_prog.h"

static gen_device lane_dev;
static const double lane_draw_rtol = 0, lane_math_rtol = 0; /* the stand-in device computes on the host */
#include "lane_models.h"
#include "tmpdir.h"

/* ---- the stand-in device: malloc'd memory that the library treats as a device's ---- */

static void *dev_alloc(size_t n) { return malloc(n); }
static void dev_free(void *p, size_t n) {
    (void)n;
    free(p);
}
static gen_status dev_copy(void *dst, const void *src, size_t n) {
    memcpy(dst, src, n);
    return GEN_OK;
}
static gen_status dev_kernel(const op_call *c) { return cpu_backend.kernels[c->op](c); }
static op_kernel_fn dev_kernels[OP_COUNT];
static backend lanes_dev = {.name = "lanes", .host = false, .mem_alloc = dev_alloc, .mem_free = dev_free,
                            .to_host = dev_copy, .from_host = dev_copy, .kernels = dev_kernels};
static gen_device dev;

static int nvrtc_programs;
static double nvrtc_seconds;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* NVRTC compiles src for sm_90 (H100 / H200). */
static bool nvrtc_compiles(const char *what, const char *src, size_t n) {
    void *image = NULL;
    size_t size = 0;
    char why[600];
    double t0 = now();
    bool ok = cg_cuda_compile(src, n, 9, 0, &image, &size, why, sizeof why);
    nvrtc_seconds += now() - t0;
    nvrtc_programs++;
    check_count++;
    if (!ok) check_fail(__FILE__, __LINE__, "%s: NVRTC: %s", what, why);
    else core_free(image, size);
    return ok;
}

/* ---- op cases as lane programs of three chains ---- */

#define LANES 3

static bool fwd_seen[OP_COUNT], grad_seen[OP_COUNT];
static int n_programs;

/* Chains of f (n_in inputs, n_out outputs) on in[lane][...]: the lane program made at
 * lane 0's inputs must compile with NVRTC and give f's outputs in every lane. */
static bool compare_lanes(const char *name, gen_closure f, int n_in, gen_array *in[LANES][4], int n_out, bool *seen) {
    cg_refusal refusal;
    cg_graph *g = cg_capture(f, n_in, in[0], n_out, NULL, NULL, &refusal);
    if (!g) {
        check_fail(__FILE__, __LINE__, "%s: capture: %s %s", name, refusal.msg, gen_error_message());
        return false;
    }
    for (int32_t k = 0; seen && k < g->n_nodes; k++)
        if (g->nodes[k].kind == CG_OP) seen[g->nodes[k].op] = true;
    char why[600];
    cg_lanes *l = cg_graph_prune(g) == GEN_OK ? cg_lanes_chains(g) : NULL;
    cg_lane_prog *p = l ? cg_lane_prog_new(l, g, &lanes_dev, why, sizeof why) : NULL;
    if (!p) {
        check_fail(__FILE__, __LINE__, "%s: no lane program: %s", name, l ? why : "out of memory");
        if (!l) cg_graph_free(g);
        return false;
    }
    n_programs++;
    bool ok = nvrtc_compiles(name, p->code.src.s, p->code.src.n);
    /* inputs: each chain's elements after the other's, on the host; outputs on the device */
    cg_lane_io io_in[4], io_out[8];
    void *bufs[12] = {0};
    size_t sizes[12] = {0};
    for (int i = 0; i < n_in; i++) {
        size_t b = (size_t)gen_array_size(in[0][i]) * gen_dtype_size(gen_array_dtype(in[0][i]));
        char *buf = malloc(LANES * b + 1);
        for (int s = 0; s < LANES; s++) memcpy(buf + s * b, gen_array_data(in[s][i]), b);
        bufs[i] = buf, sizes[i] = b;
        io_in[i] = (cg_lane_io){buf, true, (int64_t)b};
    }
    const cg_graph *lg = p->lanes->g;
    for (int j = 0; j < n_out; j++) {
        const cg_value *v = &lg->values[lg->outputs[j]];
        size_t b = (size_t)v->size * gen_dtype_size(v->dtype);
        bufs[4 + j] = lanes_dev.mem_alloc(LANES * b + 1), sizes[4 + j] = b;
        io_out[j] = (cg_lane_io){bufs[4 + j], false, (int64_t)b};
    }
    gen_status s = cg_lane_prog_run(p, LANES, io_in, io_out);
    if (s != GEN_OK) {
        check_fail(__FILE__, __LINE__, "%s: lanes failed: %s", name, gen_error_message());
        ok = false;
    }
    for (int lane = 0; lane < LANES && s == GEN_OK; lane++) {
        gen_array *want[8] = {0};
        gen_status se = f.fn(f.payload, n_in, in[lane], n_out, want);
        if (se != GEN_OK) {
            check_fail(__FILE__, __LINE__, "%s: eager: %s", name, gen_error_message());
            ok = false;
            break;
        }
        for (int j = 0; j < n_out; j++) {
            const cg_value *v = &lg->values[lg->outputs[j]];
            gen_array *got = gen_array_from(v->dtype, v->ndim, v->shape, (char *)bufs[4 + j] + lane * sizes[4 + j]);
            char what[200];
            snprintf(what, sizeof what, "%s (chain %d, output %d)", name, lane, j);
            ok &= same_array(what, got, want[j]);
        }
    }
    for (int i = 0; i < n_in; i++) free(bufs[i]);
    for (int j = 0; j < n_out; j++) lanes_dev.mem_free(bufs[4 + j], 0);
    cg_lane_prog_free(p);
    return ok;
}

static void run_case(const op_case *c) {
    if (c->refusal) return; /* test_compile_ops checks the refusals */
    gen_scope_begin();
    gen_closure f = {c->fn, (void *)c};
    gen_array *in[LANES][4];
    for (int s = 0; s < LANES; s++)
        for (int i = 0; i < c->n_in; i++) in[s][i] = make_input(&c->in[i], 1000 * (uint64_t)(s + 1) + (uint64_t)i);
    bool seen[OP_COUNT] = {0};
    if (compare_lanes(c->name, f, c->n_in, in, c->n_out, seen))
        for (int k = 0; k < OP_COUNT; k++) fwd_seen[k] |= seen[k];
    if (c->grad) {
        grad_fn g;
        gen_array *o[4] = {0};
        CHECK_OK(c->fn((void *)c, c->n_in, in[0], c->n_out, o));
        grad_fn_init(&g, c, o);
        char name[160];
        snprintf(name, sizeof name, "%s (value_and_grad)", c->name);
        bool gseen[OP_COUNT] = {0};
        if (compare_lanes(name, (gen_closure){grad_outer, &g}, c->n_in, in, 1 + g.nf, gseen))
            for (int k = 0; k < OP_COUNT; k++) grad_seen[k] |= gseen[k];
    }
    gen_scope_end();
}

static void test_cases(void) {
    double t0 = now();
    size_t n = sizeof op_cases / sizeof *op_cases;
    for (size_t i = 0; i < n; i++) run_case(&op_cases[i]);
    printf("%zu cases: %d lane programs compared chain by chain, %d compiled by NVRTC in %.1f s; %.1f s in all\n", n,
           n_programs, nvrtc_programs, nvrtc_seconds, now() - t0);
}

/* Every op with code is reached by a case whose lane program matched (draws: by the
 * models below), and every op with a gradient rule by a gradient case. */
static void test_coverage(void) {
    for (int k = 0; k < OP_COUNT; k++) {
        const op_info *op = &op_table[k];
        if (k == OP_SCALAR_LOGPDF || k == OP_CUSTOM_VJP || k == OP_DRAW) continue;
        if (!fwd_seen[k]) check_fail(__FILE__, __LINE__, "op %s: no case's lane program compiles it", op->name);
        bool differentiable = op->vjp != op_no_vjp && op->vjp != op_zero_vjp;
        if (differentiable && !grad_seen[k]) check_fail(__FILE__, __LINE__, "op %s: no gradient case reaches it", op->name);
    }
}


/* ---- chains: failures ---- */

static gen_status f_normal_density(void *pl, int n_in, gen_array *const *x, int n_out, gen_array **out) {
    CASE_ARGS;
    return done(out[0] = gen_dist_logpdf(gen_normal(x[1], x[2]), x[0]));
}

/* f's lane program over three chains whose second (and third) inputs are bad: the eager
 * error at the second chain's inputs, prefixed "chain 1". */
static void same_failure(const char *name, gen_closure f, int n_in, gen_array *const *good, gen_array *const *bad) {
    cg_refusal refusal;
    cg_graph *g = cg_capture(f, n_in, good, 1, NULL, NULL, &refusal);
    char why[600];
    cg_lanes *l = g && cg_graph_prune(g) == GEN_OK ? cg_lanes_chains(g) : NULL;
    cg_lane_prog *p = l ? cg_lane_prog_new(l, g, &lanes_dev, why, sizeof why) : NULL;
    CHECK(p != NULL);
    if (!p) {
        printf("%s: %s %s\n", name, refusal.msg, why);
        return;
    }
    gen_array *o = NULL;
    gen_status se = f.fn(f.payload, n_in, bad, 1, &o);
    char eager[600];
    snprintf(eager, sizeof eager, "chain 1: %s", gen_error_message());
    gen_error_clear();
    cg_lane_io io_in[4], io_out[1];
    void *bufs[4];
    for (int i = 0; i < n_in; i++) {
        size_t b = (size_t)gen_array_size(good[i]) * gen_dtype_size(gen_array_dtype(good[i]));
        char *buf = malloc(LANES * b + 1);
        for (int s = 0; s < LANES; s++) memcpy(buf + s * b, gen_array_data(s ? bad[i] : good[i]), b);
        bufs[i] = buf;
        io_in[i] = (cg_lane_io){buf, true, (int64_t)b};
    }
    const cg_value *v = &p->lanes->g->values[p->lanes->g->outputs[0]];
    size_t ob = (size_t)v->size * gen_dtype_size(v->dtype);
    void *obuf = malloc(LANES * ob + 1);
    io_out[0] = (cg_lane_io){obuf, false, (int64_t)ob};
    gen_status sc = cg_lane_prog_run(p, LANES, io_in, io_out);
    CHECK(se != GEN_OK && sc == se);
    if (strcmp(eager, gen_error_message()) != 0)
        check_fail(__FILE__, __LINE__, "%s: lane error \"%s\", eager \"%s\"", name, gen_error_message(), eager);
    gen_error_clear();
    for (int i = 0; i < n_in; i++) free(bufs[i]);
    free(obuf);
    cg_lane_prog_free(p);
}

static void test_failures(void) {
    gen_scope_begin();
    gen_array *spd = make_input(&(in_spec)IN(F64, SPD, 2, 3, 3), 5);
    double indefinite[9] = {1, 2, 0, 2, 1, 0, 0, 0, 1}, singular[9] = {1, 2, 3, 2, 4, 6, 0, 0, 1};
    gen_array *bad_spd = gen_concatenate(2, (gen_array *[]){gen_slice(spd, 0, 0, 1, 1),
                                                            gen_array_from_f64(GEN_DIMS(1, 3, 3), indefinite)}, 0);
    gen_array *bad_lu = gen_concatenate(2, (gen_array *[]){gen_array_from_f64(GEN_DIMS(1, 3, 3), singular),
                                                           gen_slice(spd, 0, 1, 2, 1)}, 0);
    op_case chol = {.un = gen_cholesky}, inv = {.un = gen_inv};
    same_failure("cholesky", (gen_closure){f_unary, &chol}, 1, &spd, &bad_spd);
    same_failure("inv", (gen_closure){f_unary, &inv}, 1, &spd, &bad_lu);
    gen_array *a = make_input(&(in_spec)IN(F64, NORMAL, 3, 4), 7);
    gen_array *ix = gen_array_from(GEN_I64, GEN_DIMS(3), (const int64_t[]){0, -4, 3});
    gen_array *bad_ix = gen_array_from(GEN_I64, GEN_DIMS(3), (const int64_t[]){0, 4, 3});
    op_case take = {.axis = 1};
    same_failure("take", (gen_closure){f_take, &take}, 2, (gen_array *[]){a, ix}, (gen_array *[]){a, bad_ix});
    gen_array *x = make_input(&(in_spec)IN(F64, NORMAL, 4), 8), *mu = gen_scalar(0.5);
    gen_array *sigma = make_input(&(in_spec)IN(F64, POS, 4), 9);
    gen_array *bad_sigma = gen_array_from_f64(GEN_DIMS(4), (const double[]){1, 2, -1, 3});
    same_failure("normal sigma", (gen_closure){f_normal_density, NULL}, 3, (gen_array *[]){x, mu, sigma},
                 (gen_array *[]){x, mu, bad_sigma});
    gen_scope_end();
}

/* Every lane program the models made (the C compiler built them for the stand-in
 * device) compiles with NVRTC too. */
static void test_model_programs_compile(const char *dir) {
    DIR *d = opendir(dir);
    int found = 0;
    for (struct dirent *e; d && (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len < 3 || strcmp(e->d_name + len - 2, ".c")) continue;
        char path[1200];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *fp = fopen(path, "rb");
        if (!fp) continue;
        fseek(fp, 0, SEEK_END);
        long n = ftell(fp);
        fseek(fp, 0, SEEK_SET);
        char *src = malloc((size_t)n + 1);
        size_t got = fread(src, 1, (size_t)n, fp);
        src[got] = 0;
        fclose(fp);
        if (strstr(src, "GenC lane program")) {
            found++;
            nvrtc_compiles(e->d_name, src, got);
        }
        free(src);
    }
    if (d) closedir(d);
    CHECK(found >= 7);
    printf("%d lane programs of the models compiled by NVRTC\n", found);
}

int main(void) {
    if (!cg_cuda_available()) {
        printf("SKIP: this build has no NVRTC (no CUDA toolkit where it was built)\n");
        return 77;
    }
    for (int k = 0; k < OP_COUNT; k++) dev_kernels[k] = dev_kernel;
    int d = backend_register(&lanes_dev);
    if (d < 0) return 1;
    dev = (gen_device)d;
    lane_dev = dev;
    cg_lane_prog_host_device(&lanes_dev); /* lane programs run on the host for it */
    char dir[] = "/tmp/genc-emit-cuda-XXXXXX";
    if (!mkdtemp(dir)) return 1;
    setenv("GENC_CACHE_DIR", dir, 1);
    RUN(test_cases);
    RUN(test_coverage);
    RUN(test_failures);
    char models_dir[] = "/tmp/genc-emit-cuda-models-XXXXXX"; /* the models' programs alone */
    if (!mkdtemp(models_dir)) return 1;
    setenv("GENC_CACHE_DIR", models_dir, 1);
    RUN(test_models);
    RUN(test_model_errors);
    RUN(test_importance);
    RUN(test_chains);
    RUN(test_device_trace_target);
    test_model_programs_compile(models_dir);
    tmpdir_remove(dir);
    tmpdir_remove(models_dir);
    return check_finish();
}
