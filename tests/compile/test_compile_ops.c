/* test_compile_ops.c — compiled code against the eager CPU kernels, op by op. Every
 * function of compile_cases.h is compiled with gen_compile and run on two sets of
 * inputs; its outputs must equal the eager function's (integers and bools exactly,
 * floats to 1e-12 relative, f32 to a few units in the last place). Cases marked grad
 * also compile value_and_grad of sum(f(x) * w) (the gradient is captured as ops, so this
 * runs the code of the backward ops too). The captured graphs show which ops each case
 * reaches: every op of the table must be reached by a case, every op with a gradient
 * rule by a gradient case, except the ops listed as refused, whose cases must fail to
 * compile naming them. Kernel failures at run time (a matrix not positive definite or
 * singular, an index out of range, a failed parameter check) must give the eager
 * path's error, status and message. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "compile_cases.h"
#include "compile_check.h"
#include "genc/compile.h"
#include "../../src/compile/emit.h"
#include "../../src/compile/jit.h"

/* Ops that legitimately have no code: their parameters carry a C function pointer
 * (scalar_logpdf's density; custom_vjp's rule, and its forward runs outside every
 * tape, so capture would see its outputs as constants). */
static const op_id refused[] = {OP_SCALAR_LOGPDF, OP_CUSTOM_VJP};

static bool is_refused(int op) {
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++)
        if ((int)refused[i] == op) return true;
    return false;
}

/* ---- running a case ---- */

static bool fwd_seen[OP_COUNT], grad_seen[OP_COUNT];
static int n_compiled;

/* The ops of f's captured graph at in. */
static void ops_of(gen_closure f, int n_in, gen_array *const *in, int n_out, bool *seen) {
    cg_refusal why;
    cg_graph *g = cg_capture(f, n_in, in, n_out, NULL, NULL, &why);
    if (!g) {
        check_fail(__FILE__, __LINE__, "capture failed: %s %s", why.msg, gen_error_message());
        return;
    }
    for (int32_t k = 0; k < g->n_nodes; k++)
        if (g->nodes[k].kind == CG_OP) seen[g->nodes[k].op] = true;
    cg_graph_free(g);
}

/* Compiles f at the inputs of seed 1 and compares it with f at seeds 1 and 2. */
static bool compare_compiled(const char *name, gen_closure f, const op_case *c, int n_out) {
    gen_array *in[2][4];
    for (int s = 0; s < 2; s++)
        for (int i = 0; i < c->n_in; i++) in[s][i] = make_input(&c->in[i], 1000 * (uint64_t)(s + 1) + (uint64_t)i);
    gen_compiled *cc = gen_compile(f, c->n_in, in[0], n_out);
    if (!cc) {
        check_fail(__FILE__, __LINE__, "%s: gen_compile: %s", name, gen_error_message());
        return false;
    }
    n_compiled++;
    bool ok = true;
    for (int s = 0; s < 2; s++) {
        gen_array *want[5] = {0}, *got[5] = {0};
        gen_status se = f.fn(f.payload, c->n_in, in[s], n_out, want);
        gen_status sc = gen_compiled_call(cc, in[s], got);
        if (se != GEN_OK || sc != GEN_OK) {
            check_fail(__FILE__, __LINE__, "%s: eager %s, compiled %s: %s", name, gen_status_name(se), gen_status_name(sc),
                       gen_error_message());
            ok = false;
            continue;
        }
        for (int j = 0; j < n_out; j++) {
            char what[160];
            snprintf(what, sizeof what, "%s (inputs %d, output %d)", name, s + 1, j);
            ok &= same_array(what, got[j], want[j]);
        }
    }
    gen_compiled_free(cc);
    return ok;
}

static void run_case(const op_case *c) {
    gen_scope_begin();
    gen_closure f = {c->fn, (void *)c};
    gen_array *like[4];
    for (int i = 0; i < c->n_in; i++) like[i] = make_input(&c->in[i], 1000 + (uint64_t)i);
    if (c->refusal) {
        gen_compiled *cc = gen_compile(f, c->n_in, like, c->n_out);
        CHECK(cc == NULL);
        if (cc) gen_compiled_free(cc);
        else CHECK_ERROR(GEN_ERR_UNSUPPORTED, c->refusal);
        ops_of(f, c->n_in, like, c->n_out, fwd_seen);
        gen_scope_end();
        return;
    }
    bool seen[OP_COUNT] = {0};
    ops_of(f, c->n_in, like, c->n_out, seen);
    bool ok = compare_compiled(c->name, f, c, c->n_out);
    if (c->grad) {
        grad_fn g;
        gen_array *o[4] = {0};
        CHECK_OK(c->fn((void *)c, c->n_in, like, c->n_out, o));
        grad_fn_init(&g, c, o);
        char name[160];
        snprintf(name, sizeof name, "%s (value_and_grad)", c->name);
        if (compare_compiled(name, (gen_closure){grad_outer, &g}, c, 1 + g.nf))
            for (int k = 0; k < OP_COUNT; k++) grad_seen[k] |= seen[k];
    }
    if (ok)
        for (int k = 0; k < OP_COUNT; k++) fwd_seen[k] |= seen[k];
    gen_scope_end();
}

static void test_cases(void) {
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    size_t n = sizeof op_cases / sizeof *op_cases;
    for (size_t i = 0; i < n; i++) run_case(&op_cases[i]);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    cg_jit_stats st = cg_jit_counters();
    printf("%zu cases, %d functions compiled and compared (%lld built by the C compiler in %.1f s, %lld from the "
           "cache), %.1f s in all\n",
           n, n_compiled, (long long)st.compiled, st.compile_seconds, (long long)st.cached,
           (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec));
}

/* Every op of the table is reached by a case that compiled and matched (or is refused,
 * with a case that checks the refusal), and every op with a gradient rule by a gradient
 * case. */
static void test_coverage(void) {
    for (int k = 0; k < OP_COUNT; k++) {
        const op_info *op = &op_table[k];
        /* draw: only a capture of batched generate makes it; test_generate_graph compiles it */
        if (!fwd_seen[k] && k != OP_DRAW) check_fail(__FILE__, __LINE__, "op %s: no case compiles it (add one to compile_cases.h)", op->name);
        bool differentiable = op->vjp != op_no_vjp && op->vjp != op_zero_vjp;
        if (differentiable && !is_refused(k) && !grad_seen[k])
            check_fail(__FILE__, __LINE__, "op %s: no gradient case reaches it", op->name);
    }
}

/* ---- failures at run time: the eager path's status and message ---- */

static void same_failure(const char *name, gen_closure f, int n_in, gen_array *const *like, gen_array *const *bad,
                         gen_status want) {
    gen_compiled *cc = gen_compile(f, n_in, like, 1);
    CHECK(cc != NULL);
    if (!cc) {
        printf("%s: %s\n", name, gen_error_message());
        return;
    }
    gen_array *o = NULL;
    gen_status se = f.fn(f.payload, n_in, bad, 1, &o);
    char eager[512];
    snprintf(eager, sizeof eager, "%s", gen_error_message());
    gen_error_clear();
    gen_status sc = gen_compiled_call(cc, bad, &o);
    CHECK(se == want);
    CHECK(sc == want);
    CHECK(o == NULL);
    if (strcmp(eager, gen_error_message()) != 0)
        check_fail(__FILE__, __LINE__, "%s: compiled error \"%s\", eager \"%s\"", name, gen_error_message(), eager);
    gen_error_clear();
    gen_compiled_free(cc);
}

static gen_status f_normal_density(void *pl, int n_in, gen_array *const *x, int n_out, gen_array **out) {
    CASE_ARGS;
    return done(out[0] = gen_dist_logpdf(gen_normal(x[1], x[2]), x[0]));
}

/* A nest with a check: rows of mu = a x + a ([N, 1] by [M]) checked finite by the normal,
 * summed along the rows. */
static gen_status f_normal_rows(void *pl, int n_in, gen_array *const *x, int n_out, gen_array **out) {
    CASE_ARGS;
    gen_array *mu = gen_add(gen_mul(x[0], x[1]), x[0]);
    return done(out[0] = gen_sum(gen_dist_logpdf(gen_normal(mu, gen_scalar(0.5)), x[2]), 1, (const int[]){-1}, false));
}

static void test_failures(void) {
    gen_array *spd = make_input(&(in_spec)IN(F64, SPD, 2, 3, 3), 5), *rhs = make_input(&(in_spec)IN(F64, NORMAL, 3, 2), 6);
    double indefinite[9] = {1, 2, 0, 2, 1, 0, 0, 0, 1}, singular[9] = {1, 2, 3, 2, 4, 6, 0, 0, 1};
    gen_array *bad_spd = gen_concatenate(2, (gen_array *[]){gen_slice(spd, 0, 0, 1, 1),
                                                            gen_array_from_f64(GEN_DIMS(1, 3, 3), indefinite)}, 0);
    gen_array *bad_lu = gen_concatenate(2, (gen_array *[]){gen_array_from_f64(GEN_DIMS(1, 3, 3), singular),
                                                           gen_slice(spd, 0, 1, 2, 1)}, 0);
    op_case chol = {.un = gen_cholesky}, inv = {.un = gen_inv}, solve = {.bin = gen_solve};
    same_failure("cholesky", (gen_closure){f_unary, &chol}, 1, &spd, &bad_spd, GEN_ERR_LINALG);
    same_failure("inv", (gen_closure){f_unary, &inv}, 1, &spd, &bad_lu, GEN_ERR_LINALG);
    same_failure("solve", (gen_closure){f_binary, &solve}, 2, (gen_array *[]){spd, rhs}, (gen_array *[]){bad_lu, rhs},
                 GEN_ERR_LINALG);
    gen_array *a = make_input(&(in_spec)IN(F64, NORMAL, 3, 4), 7);
    gen_array *ix = gen_array_from(GEN_I64, GEN_DIMS(3), (const int64_t[]){0, -4, 3});
    gen_array *bad_ix = gen_array_from(GEN_I64, GEN_DIMS(3), (const int64_t[]){0, 4, 3});
    op_case take = {.axis = 1}, along = {.axis = 1};
    same_failure("take", (gen_closure){f_take, &take}, 2, (gen_array *[]){a, ix}, (gen_array *[]){a, bad_ix},
                 GEN_ERR_INDEX);
    gen_array *ia = gen_array_from(GEN_I64, GEN_DIMS(3, 1), (const int64_t[]){0, 3, 2});
    gen_array *bad_ia = gen_array_from(GEN_I64, GEN_DIMS(3, 1), (const int64_t[]){0, 5, 2});
    same_failure("take_along", (gen_closure){f_take_along, &along}, 2, (gen_array *[]){a, ia},
                 (gen_array *[]){a, bad_ia}, GEN_ERR_VALUE);
    gen_array *x = make_input(&(in_spec)IN(F64, NORMAL, 4), 8), *mu = gen_scalar(0.5);
    gen_array *sigma = make_input(&(in_spec)IN(F64, POS, 4), 9);
    gen_array *bad_sigma = gen_array_from_f64(GEN_DIMS(4), (const double[]){1, 2, -1, 3});
    same_failure("normal sigma", (gen_closure){f_normal_density, NULL}, 3, (gen_array *[]){x, mu, sigma},
                 (gen_array *[]){x, mu, bad_sigma}, GEN_ERR_VALUE);
    /* the first row with a non-finite mu is row 2 (row 4 has one too): the error names the
     * element the eager check names */
    gen_array *a_rows = make_input(&(in_spec)IN(F64, NORMAL, 6, 1), 10), *xs = make_input(&(in_spec)IN(F64, NORMAL, 7), 11);
    gen_array *ys = make_input(&(in_spec)IN(F64, NORMAL, 7), 12);
    gen_array *bad_rows = gen_array_from_f64(GEN_DIMS(6, 1), (const double[]){0.5, -1, INFINITY, 2, NAN, 1});
    same_failure("normal mu rows", (gen_closure){f_normal_rows, NULL}, 3, (gen_array *[]){a_rows, xs, ys},
                 (gen_array *[]){bad_rows, xs, ys}, GEN_ERR_VALUE);
}

/* ---- loop nests: the fusion happens ---- */

static const op_case *case_named(const char *name) {
    for (size_t i = 0; i < sizeof op_cases / sizeof *op_cases; i++)
        if (!strcmp(op_cases[i].name, name)) return &op_cases[i];
    check_fail(__FILE__, __LINE__, "no case named %s", name);
    return NULL;
}

/* The generated code of case c at its inputs, with loop nests (or the flat loops only,
 * as GENC_NO_FUSE2D=1 asks): whether it has a nest over rows, and its work block's size. */
static bool code_of(const op_case *c, bool nests, bool *has_nest, int64_t *work) {
    gen_array *like[4];
    for (int i = 0; i < c->n_in; i++) like[i] = make_input(&c->in[i], 1000 + (uint64_t)i);
    cg_refusal why;
    cg_graph *g = cg_capture((gen_closure){c->fn, (void *)c}, c->n_in, like, c->n_out, NULL, NULL, &why);
    cg_text src = {0};
    char msg[256] = "";
    if (!nests) setenv("GENC_NO_FUSE2D", "1", 1);
    bool ok = g && cg_graph_prune(g) == GEN_OK && cg_emit_c(g, &src, work, msg, sizeof msg);
    unsetenv("GENC_NO_FUSE2D");
    if (!ok) check_fail(__FILE__, __LINE__, "%s: no code: %s %s", c->name, why.msg, msg);
    *has_nest = ok && strstr(src.s, "const int64_t i = i0 * ") != NULL;
    cg_text_free(&src);
    cg_graph_free(g);
    return ok;
}

/* Each case's code has a nest whose [N, M] intermediates never reach memory: the work
 * block holds nothing (the N scores leave the nest straight into the caller's output,
 * as every node array that is an output does); with the flat
 * loops only, the same graph keeps [N, M] values (so this test can tell). Arguments
 * broadcast along a middle axis make no nest. */
static void test_nests(void) {
    static const struct {
        const char *name;
        int64_t work; /* with nests */
        int64_t rows_by_cols; /* N * M: the flat loops keep at least one such f64 value */
    } want[] = {
        {"poly/N 1000 normal_logpdf", 0, 1000 * 50},
        {"poly/N 1000 formula", 0, 1000 * 50},
        {"poly/N 1000 normal_logpdf_sum", 0, 1000 * 50},
        {"rows/[N,M]-[N,1] max", 0, 6 * 5},
        {"rows/3-d [A,B,C]-[C] max", 0, 2 * 3 * 4},
    };
    gen_scope_begin();
    for (size_t k = 0; k < sizeof want / sizeof *want; k++) {
        const op_case *c = case_named(want[k].name);
        bool nest = false, flat_nest = true;
        int64_t work = -1, flat_work = -1;
        if (!c || !code_of(c, true, &nest, &work) || !code_of(c, false, &flat_nest, &flat_work)) continue;
        if (!nest || work != want[k].work)
            check_fail(__FILE__, __LINE__, "%s: nest %d, work block %lld bytes, want a nest and %lld", c->name, nest,
                       (long long)work, (long long)want[k].work);
        if (flat_nest || flat_work < want[k].rows_by_cols * 8)
            check_fail(__FILE__, __LINE__, "%s with GENC_NO_FUSE2D: nest %d, work block %lld bytes, want none and >= %lld",
                       c->name, flat_nest, (long long)flat_work, (long long)want[k].rows_by_cols * 8);
        check_count++;
    }
    bool nest = true;
    int64_t work = 0;
    if (code_of(case_named("add/F64NORMAL"), true, &nest, &work)) CHECK(!nest); /* [2, 1, 3] + [4, 1] */
    gen_scope_end();
}

int main(void) {
    RUN(test_cases);
    RUN(test_nests);
    RUN(test_coverage);
    RUN(test_failures);
    return check_finish();
}
