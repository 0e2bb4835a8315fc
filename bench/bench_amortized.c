/* bench_amortized.c — amortized inference with a neural proposal, against the prior as
 * proposal, in importance sampling's ESS per particle and ESS per second.
 *
 * The model: a 2-d latent z ~ N(0, I) and K = 6 observations
 *     y_k ~ N(z_1 + exp(z_2 / 2) t_k, 0.3),  t = linspace(-1, 1, K)
 * (an offset and a positive slope, the slope's log-scale latent entering nonlinearly).
 * The proposal q(z; y) = N(mu(y), exp(log_sd(y))) with [mu, log_sd] = MLP(y), a
 * 6 -> 32 -> 32 -> 4 tanh network (genc/nn.h), trained by wake-sleep's sleep phase
 * (gen_lecture_batched: simulated (z, y) pairs, ascending log q(z; y)) with Adam.
 * Then, on R observation sets simulated from the model (fixed keys, not seen in
 * training), batched importance sampling with N particles (gen_importance_sampling_batched)
 * proposes from the prior and from q; each run's ESS / N and its time give ESS per second
 * (ESS / seconds). Medians over the sets (times: medians of REPS alternating runs each).
 *   bench_amortized [TRAIN_STEPS] [N]     (defaults 3000, 1000) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "genc.h"

#define K 6
#define OBS_SD 0.3
#define R 25
#define REPS 7

static gen_addr ZA, YA;
static gen_array *TS; /* t_k */
static gen_gf *NET;

static gen_status model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *z = gen_choose(ctx, "z", gen_broadcasted_normal(gen_zeros(GEN_F64, GEN_DIMS(2)), gen_ones(GEN_F64, GEN_DIMS(2))));
    gen_array *z1 = gen_slice(z, -1, 0, 1, 1), *z2 = gen_slice(z, -1, 1, 2, 1);
    gen_array *mu = gen_add(z1, gen_mul(gen_exp(gen_mul(gen_scalar(0.5), z2)), TS));
    *retval = gen_choose(ctx, "y", gen_broadcasted_normal(mu, gen_scalar(OBS_SD)));
    return gen_ctx_status(ctx);
}

/* q(z; y): the network's output split into the mean and the log standard deviation */
static gen_status proposal(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *out = gen_call(ctx, "net", NET, args);
    if (!out) return gen_ctx_status(ctx);
    gen_array *mu = gen_slice(out, -1, 0, 2, 1), *log_sd = gen_slice(out, -1, 2, 4, 1);
    *retval = gen_choose(ctx, "z", gen_broadcasted_normal(mu, gen_exp(log_sd)));
    return gen_ctx_status(ctx);
}

static gen_status q_args(void *payload, const gen_trace *tr, gen_array **args, int *n) {
    (void)payload;
    args[0] = (gen_array *)gen_trace_value(tr, &YA);
    *n = 1;
    return args[0] ? GEN_OK : gen_error_status();
}

static void die(const char *what) {
    fprintf(stderr, "bench_amortized: %s: %s\n", what, gen_error_message());
    exit(1);
}

typedef struct job {
    gen_gf *m, *q; /* q NULL: the prior */
    gen_choicemap *obs;
    gen_array *y;
    int64_t n;
    double ess;
} job;

static void run_is(void *p) {
    job *j = p;
    gen_scope_begin();
    gen_trace *tr = NULL;
    gen_array *lw = NULL;
    if (gen_importance_sampling_batched(j->m, gen_key_new(4242), NULL, j->obs, j->q, j->q ? &(gen_args){1, &j->y, NULL} : NULL,
                                        j->n, &tr, &lw, NULL) != GEN_OK ||
        gen_ess_of_log_weights(lw, &j->ess) != GEN_OK)
        die("importance sampling");
    gen_scope_end();
}



int main(int argc, char **argv) {
    int steps = argc > 1 ? atoi(argv[1]) : 3000;
    int64_t n = argc > 2 ? atoll(argv[2]) : 1000;
    gen_addr_parse(&ZA, "z");
    gen_addr_parse(&YA, "y");
    TS = gen_linspace(-1, 1, K);
    gen_params *s = gen_params_new();
    int64_t sizes[4] = {K, 32, 32, 4};
    gen_activation acts[3] = {GEN_ACT_TANH, GEN_ACT_TANH, GEN_ACT_IDENTITY};
    NET = gen_mlp(s, gen_key_new(1), "q", 3, sizes, acts);
    gen_gf *m = gen_dynamic("model", model), *q = gen_dynamic("proposal", proposal);
    if (!NET || !m || !q) die("setup");

    /* sleep-phase training */
    gen_lecture_spec spec = {m, NULL, q, s, gen_select_paths(1, (const char *[]){"z"}), q_args, NULL};
    gen_optimizer *o = gen_optimizer_new(&(gen_opt_config){.kind = GEN_OPT_ADAM, .step = 0.003});
    double t0 = bench_now(), score = 0, first = 0;
    for (int it = 0; it < steps; it++) {
        gen_scope_begin();
        if (gen_lecture_batched(&spec, gen_key_fold_in(gen_key_new(2), (uint64_t)it), 128, 1.0, &score) != GEN_OK ||
            gen_params_apply(s, o) != GEN_OK)
            die("training");
        if (it == 0) first = score;
        gen_scope_end();
    }
    double train_s = bench_now() - t0;
    printf("bench_amortized: trained q (%d sleep steps of 128 simulations, Adam 0.003) in %.2f s; "
           "mean log q(z; y) %.3f -> %.3f\n", steps, train_s, first, score);

    /* evaluation on R fresh observation sets */
    double ess_p[R], ess_q[R], eps_p[R], eps_q[R], t_p[R], t_q[R];
    for (int r = 0; r < R; r++) {
        gen_scope_begin();
        gen_trace *tr = NULL;
        if (gen_simulate(m, gen_key_fold_in(gen_key_new(777), (uint64_t)r), NULL, &tr) != GEN_OK) die("simulate");
        gen_array *y = (gen_array *)gen_trace_value(tr, &YA);
        job jp = {m, NULL, gen_choicemap_set(gen_choicemap_empty(), &YA, y), y, n, 0}, jq = jp;
        jq.q = q;
        double tq_reps[REPS], tp_reps[REPS];
        for (int k = 0; k < REPS; k++) { /* alternating, so load drift hits both alike */
            double a = bench_now();
            run_is(&jq);
            double b = bench_now();
            run_is(&jp);
            tq_reps[k] = b - a;
            tp_reps[k] = bench_now() - b;
        }
        t_q[r] = bench_median(tq_reps, REPS);
        t_p[r] = bench_median(tp_reps, REPS);
        ess_q[r] = jq.ess / (double)n;
        ess_p[r] = jp.ess / (double)n;
        eps_q[r] = jq.ess / t_q[r];
        eps_p[r] = jp.ess / t_p[r];
        gen_scope_end();
    }
    double mq = bench_median(ess_q, R), mp = bench_median(ess_p, R), sq = bench_median(eps_q, R), sp = bench_median(eps_p, R);
    double tq = bench_median(t_q, R), tp = bench_median(t_p, R);
    printf("%d observation sets, N = %lld particles, medians:\n", R, (long long)n);
    bench_report("amortized", "ESS per particle, neural proposal", mq, "", "prior", mp);
    bench_report("amortized", "ESS per second, neural proposal", sq, "1/s", "prior", sp);
    bench_report("amortized", "microseconds per IS run, neural proposal", 1e6 * tq, "us", "prior", 1e6 * tp);
    gen_optimizer_free(o);
    gen_params_free(s);
    gen_array_release(TS);
    return 0;
}
