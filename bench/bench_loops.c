/* bench_loops.c — issue 13's "Loops" benchmark, GenC's side: the time of one gradient of
 * the log density in the unconstrained space (gen_target_logpdf_grad, the call HMC and
 * NUTS make) at the init point of the scalar-loop models of examples/loops/loops.h
 * (ARMA(1,1), GARCH(1,1), an HMM forward pass), through the public API only. Each case is
 * measured twice in the same process: on the default path (compiled code where the model
 * captures: genc/compile.h; GENC_COMPILE=0 turns it off) and on the eager path
 * (gen_set_compile(false)), with the target's set-up time (capture, code generation and
 * the C compiler, or the on-disk cache: see setup_ms). Each: a warm-up round, then ROUNDS
 * rounds of REPS gradients (20 x REPS on a compiled target); the median over rounds of the
 * time per gradient. bench/run_loops.sh sets these against Stan's in the same job.
 *   bench_loops [REPS [ROUNDS]]   one table row and one JSON line per case
 *   bench_loops data DIR          writes DIR/<case>/data.json and init.json for Stan */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "common.h"
#include "genc.h"
#include "../examples/loops/loops.h"

typedef struct bench_case {
    loops_kind kind;
    int64_t T, K;
} bench_case;

static const bench_case cases[] = {
    {LOOPS_ARMA11, 100, 0}, {LOOPS_ARMA11, 200, 0}, {LOOPS_GARCH11, 100, 0}, {LOOPS_GARCH11, 200, 0},
    {LOOPS_HMM, 100, 2},    {LOOPS_HMM, 200, 2},    {LOOPS_HMM, 100, 3},
};
enum { N_CASES = sizeof cases / sizeof cases[0], SEED = 20240613 };

static void case_name(const bench_case *c, char *buf, size_t n) {
    if (c->kind == LOOPS_HMM) snprintf(buf, n, "%s_K%lld_T%lld", loops_names[c->kind], (long long)c->K, (long long)c->T);
    else snprintf(buf, n, "%s_T%lld", loops_names[c->kind], (long long)c->T);
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median seconds per gradient over rounds of reps gradients at the target's own point;
 * *logp the log density there. Negative on error. */
static double time_gradient(const gen_target *t, int reps, int rounds, double *logp) {
    double *per = malloc((size_t)rounds * sizeof *per);
    if (!per) return -1;
    for (int r = -1; r < rounds; r++) { /* round -1: warm-up */
        double t0 = bench_now();
        for (int i = 0; i < reps; i++) {
            gen_scope_begin();
            gen_array *g = NULL;
            gen_status st = gen_target_logpdf_grad(t, gen_target_position(t), logp, &g);
            gen_scope_end();
            if (st != GEN_OK) {
                free(per);
                return -1;
            }
        }
        if (r >= 0) per[r] = (bench_now() - t0) / reps;
    }
    qsort(per, (size_t)rounds, sizeof *per, cmp_double);
    double med = per[rounds / 2];
    free(per);
    return med;
}

/* s as a JSON string (quotes and backslashes escaped, control characters dropped). */
static void print_json_string(const char *s) {
    putchar('"');
    for (; s && *s; s++) {
        if (*s == '"' || *s == '\\') putchar('\\');
        if ((unsigned char)*s >= 0x20) putchar(*s);
    }
    putchar('"');
}

/* A target for m's trace with compilation on or off; *setup the seconds it took. */
static gen_target *target_for(const loops_model *m, const gen_trace *tr, bool compile, double *setup) {
    bool was = gen_compile_enabled();
    gen_set_compile(compile);
    double t0 = bench_now();
    gen_target *t = gen_target_new(tr, loops_selection(m));
    *setup = bench_now() - t0;
    gen_set_compile(was);
    return t;
}

static int run_times(int reps, int rounds) {
    bool compile = gen_compile_enabled();
    printf("%-16s %4s %5s %10s %10s %8s %9s  %s\n", "case", "dim", "T", "us/grad", "eager", "speed-up", "setup ms",
           "path");
    for (int i = 0; i < N_CASES; i++) {
        const bench_case *c = &cases[i];
        char name[64];
        case_name(c, name, sizeof name);
        gen_scope_begin();
        loops_model m;
        gen_gf *gf = NULL;
        gen_args args;
        gen_trace *tr = loops_load(c->kind, c->T, c->K, SEED + (uint64_t)i, &m) ? loops_trace(&m, &gf, &args) : NULL;
        double setup = 0, setup_eager = 0, lp = 0, lp_eager = 0;
        gen_target *t = tr ? target_for(&m, tr, compile, &setup) : NULL;
        gen_target *te = tr ? target_for(&m, tr, false, &setup_eager) : NULL;
        bool compiled = gen_target_compiled(t);
        double sec = t ? time_gradient(t, compiled ? 20 * reps : reps, rounds, &lp) : -1;
        double sec_eager = te && sec >= 0 ? time_gradient(te, reps, rounds, &lp_eager) : -1;
        if (sec < 0 || sec_eager < 0) {
            fprintf(stderr, "bench_loops: %s: %s\n", name, gen_error_message());
            gen_target_free(t);
            gen_target_free(te);
            gen_scope_end();
            return 1;
        }
        const char *note = gen_target_compile_note(t);
        printf("%-16s %4lld %5lld %10.2f %10.2f %7.1fx %9.1f  %s\n", name, (long long)gen_target_dim(t), (long long)c->T,
               sec * 1e6, sec_eager * 1e6, sec_eager / sec, setup * 1e3, note);
        printf("{\"bench\": \"loops\", \"peer\": \"genc\", \"case\": \"%s\", \"model\": \"%s\", \"T\": %lld, \"K\": %lld, "
               "\"dim\": %lld, \"us_per_grad\": %.6g, \"eager_us_per_grad\": %.6g, \"compiled\": %s, \"setup_ms\": %.6g, "
               "\"reps\": %d, \"rounds\": %d, \"logp\": %.17g, \"logp_eager\": %.17g, \"note\": ",
               name, m.name, (long long)c->T, (long long)c->K, (long long)gen_target_dim(t), sec * 1e6, sec_eager * 1e6,
               compiled ? "true" : "false", setup * 1e3, reps, rounds, lp, lp_eager);
        print_json_string(note);
        printf("}\n");
        fflush(stdout);
        gen_target_free(t);
        gen_target_free(te);
        gen_scope_end();
    }
    return 0;
}

static int write_data(const char *dir) {
    mkdir(dir, 0777);
    for (int i = 0; i < N_CASES; i++) {
        const bench_case *c = &cases[i];
        char name[64], path[1200];
        case_name(c, name, sizeof name);
        gen_scope_begin();
        loops_model m;
        if (!loops_load(c->kind, c->T, c->K, SEED + (uint64_t)i, &m)) {
            fprintf(stderr, "bench_loops: %s: %s\n", name, gen_error_message());
            gen_scope_end();
            return 1;
        }
        snprintf(path, sizeof path, "%s/%s", dir, name);
        mkdir(path, 0777);
        FILE *f[3];
        const char *files[3] = {"data.json", "init.json", "model"};
        for (int k = 0; k < 3; k++) {
            snprintf(path, sizeof path, "%s/%s/%s", dir, name, files[k]);
            f[k] = fopen(path, "w");
        }
        if (!f[0] || !f[1] || !f[2]) {
            fprintf(stderr, "bench_loops: cannot write %s\n", path);
            for (int k = 0; k < 3; k++)
                if (f[k]) fclose(f[k]);
            gen_scope_end();
            return 1;
        }
        loops_write_json(f[0], &m);
        loops_write_init_json(f[1], &m);
        fprintf(f[2], "%s\n", m.name);
        for (int k = 0; k < 3; k++) fclose(f[k]);
        gen_scope_end();
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc > 1 && !strcmp(argv[1], "data")) {
        if (argc < 3) {
            fprintf(stderr, "usage: bench_loops data DIR\n");
            return 2;
        }
        return write_data(argv[2]);
    }
    int reps = argc > 1 ? atoi(argv[1]) : 200, rounds = argc > 2 ? atoi(argv[2]) : 11;
    if (reps < 1 || rounds < 1) {
        fprintf(stderr, "usage: bench_loops [REPS [ROUNDS]] | bench_loops data DIR\n");
        return 2;
    }
    return run_times(reps, rounds);
}
