/* test_runs.c — long runs that can be watched, stopped and resumed: the progress
 * callback of NUTS, chains, importance sampling and enumeration (the counts it hears,
 * one call at a time across threads), a cancel at unit k returning exactly the first k
 * units of an uncancelled run, a late error returning the draws before it, NUTS resumed from its
 * state (in parts, after a cancel in warm-up, after an error) giving the uncancelled run
 * exactly, the bounds on the work of one transition, and out-of-memory on these paths. */
#include <math.h>
#include <stdatomic.h>
#include <string.h>

#include "../testutil/check.h"
#include "../testutil/oom.h"
#include "conjugate_models.h"

/* ---- a callback that records what it hears and cancels on request ---- */

enum { MAXC = 8 };
typedef struct watch {
    const char *call;
    int n_chains;
    int64_t calls[MAXC], last[MAXC], total[MAXC];
    int64_t cancel_chain, cancel_at; /* cancel when chain cancel_chain reports cancel_at */
    int bad;                         /* calls that broke a rule (counted, checked after) */
    atomic_int inside;               /* callbacks running now (must stay <= 1) */
    int64_t warm;                    /* NUTS: units of the first phase (its name below) */
    int64_t step;                    /* done grows by this much a call (0: 1) */
    const char *first, *second;      /* phase names */
} watch;

static bool on_progress(void *ud, const gen_progress_info *in) {
    watch *w = ud;
    if (atomic_fetch_add(&w->inside, 1) != 0) w->bad++;
    int c = in->chain;
    if (c < 0 || c >= MAXC || in->n_chains != w->n_chains || strcmp(in->call, w->call) != 0) {
        w->bad++;
    } else {
        if (w->calls[c] > 0 && in->done != w->last[c] + (w->step ? w->step : 1)) w->bad++; /* a unit per call */
        if (w->calls[c] > 0 && in->total != w->total[c]) w->bad++;  /* a fixed total */
        if (in->done < 0 || in->done > in->total) w->bad++;
        const char *want = in->done < w->warm || (in->done == w->warm && w->warm > 0 && w->calls[c] > 0)
                               ? w->first : w->second;
        if (w->first && strcmp(in->phase, want) != 0) w->bad++;
        w->calls[c]++;
        w->last[c] = in->done;
        w->total[c] = in->total;
    }
    bool go = !(c == w->cancel_chain && in->done == w->cancel_at);
    atomic_fetch_sub(&w->inside, 1);
    return go;
}

static void watch_init(watch *w, const char *call, int n_chains, const char *first, const char *second, int64_t warm) {
    memset(w, 0, sizeof *w);
    w->call = call;
    w->n_chains = n_chains;
    w->first = first;
    w->second = second;
    w->warm = warm;
    w->cancel_chain = -1;
}

static gen_progress progress_of(watch *w) { return (gen_progress){on_progress, w}; }

/* Rows [from, to) of a [chains, rows, cols] array a, chain c, equal those of b. */
static void same_rows(const char *what, const gen_array *a, const gen_array *b, int c, int64_t from, int64_t to) {
    const int64_t *sa = gen_array_shape(a), *sb = gen_array_shape(b);
    int64_t cols = sa[2];
    CHECK(sb[2] == cols);
    const double *x = gen_array_data(a), *y = gen_array_data(b);
    for (int64_t i = from; i < to; i++)
        for (int64_t j = 0; j < cols; j++) {
            double u = x[(c * sa[1] + i) * cols + j], v = y[(c * sb[1] + i) * cols + j];
            if (!(u == v || (isnan(u) && isnan(v)))) {
                check_fail(__FILE__, __LINE__, "%s: chain %d row %lld col %lld: %.17g vs %.17g", what, c, (long long)i,
                           (long long)j, u, v);
                return;
            }
        }
}

/* Rows [from, rows) of chain c are NaN. */
static void nan_rows(const char *what, const gen_array *a, int c, int64_t from) {
    const int64_t *sa = gen_array_shape(a);
    const double *x = gen_array_data(a);
    for (int64_t i = from * sa[2]; i < sa[1] * sa[2]; i++)
        if (!isnan(x[c * sa[1] * sa[2] + i])) {
            check_fail(__FILE__, __LINE__, "%s: chain %d element %lld of a row not reached is %g", what, c,
                       (long long)i, x[c * sa[1] * sa[2] + i]);
            return;
        }
}

static int64_t i64_at(const gen_array *a, int64_t i) {
    return a && gen_array_size(a) > i ? ((const int64_t *)gen_array_data(a))[i] : -1;
}

static gen_selection *sel1(const char *name) {
    gen_addr a = {1, {gen_part_name(name)}};
    return gen_select(1, &a);
}

/* Every array of two results equal (seconds aside). */
static void same_results(const char *what, const gen_nuts_result *a, const gen_nuts_result *b) {
    if (!a->draws || !b->draws) {
        check_fail(__FILE__, __LINE__, "%s: a result is missing", what);
        return;
    }
    int64_t n = gen_array_shape(a->draws)[0];
    for (int c = 0; c < n; c++) {
        same_rows(what, a->draws, b->draws, c, 0, gen_array_shape(a->draws)[1]);
        same_rows(what, a->unconstrained, b->unconstrained, c, 0, gen_array_shape(a->draws)[1]);
        same_rows(what, a->stats, b->stats, c, 0, gen_array_shape(a->stats)[1]);
        CHECK(i64_at(a->draws_done, c) == i64_at(b->draws_done, c));
        CHECK(i64_at(a->iterations_done, c) == i64_at(b->iterations_done, c));
    }
    CHECK_ARRAY(a->step_size, gen_array_data(b->step_size), n, 0, 0);
    CHECK_ARRAY(a->inv_metric, gen_array_data(b->inv_metric), gen_array_size(b->inv_metric), 0, 0);
}

/* s is status want with a message containing a and b (then cleared). */
static void expect_error(int line, gen_status s, gen_status want, const char *a, const char *b) {
    check_count++;
    const char *m = gen_error_message();
    if (s != want || !strstr(m, a) || !strstr(m, b))
        check_fail(__FILE__, line, "expected %s with \"%s\" and \"%s\", got %s: \"%s\"", gen_status_name(want), a, b,
                   gen_status_name(s), m);
    gen_error_clear();
}

/* ---- NUTS ---- */

/* (a, b): a ~ N(0, 1); b ~ N(0.8 a, 0.6): correlated, for the dense metric */
static gen_status corr(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *a = gen_choose(ctx, "a", gen_normal(gen_scalar(0), gen_scalar(1)));
    *retval = gen_choose(ctx, "b", gen_normal(gen_mul(gen_scalar(0.8), a), gen_scalar(0.6)));
    return gen_ctx_status(ctx);
}

static gen_trace *corr_trace(void) {
    gen_trace *tr = NULL;
    CHECK_OK(gen_simulate(gen_dynamic("corr", corr), gen_key_new(3), NULL, &tr));
    return tr;
}

static gen_selection *ab(void) {
    gen_addr p[2] = {{1, {gen_part_name("a")}}, {1, {gen_part_name("b")}}};
    return gen_select(2, p);
}

static void test_nuts_progress(void) {
    gen_trace *tr = observed(normal_model, "y", 5, Y, 'f');
    gen_trace *init[3] = {tr, tr, tr};
    watch w;
    watch_init(&w, "gen_nuts_sample", 3, "warmup", "sampling", 40);
    gen_nuts_config cfg = {.warmup = 40, .draws = 60, .metric = GEN_METRIC_DIAG, .progress = progress_of(&w)};
    gen_nuts_result r;
    CHECK_OK(gen_nuts_sample(gen_key_new(5), 3, init, sel1("mu"), &cfg, 2, &r));
    CHECK(w.bad == 0);
    for (int c = 0; c < 3; c++) {
        CHECK(w.calls[c] == 101); /* a start and one per iteration */
        CHECK(w.last[c] == 100 && w.total[c] == 100);
        CHECK(i64_at(r.draws_done, c) == 60 && i64_at(r.iterations_done, c) == 100);
    }
    /* the same run without a callback gives the same draws */
    gen_nuts_result r0;
    cfg.progress = (gen_progress){0};
    CHECK_OK(gen_nuts_sample(gen_key_new(5), 3, init, sel1("mu"), &cfg, 1, &r0));
    same_results("with and without a callback", &r, &r0);
    /* the final traces are at the last draws */
    for (int c = 0; c < 3 && r.traces; c++) {
        gen_array *v = gen_choicemap_flatten(gen_trace_choices(r.traces[c]), sel1("mu"));
        CHECK_ARRAY(v, (const double *)gen_array_data(r.draws) + c * 60 + 59, 1, 0, 0);
    }
    CHECK(r.traces != NULL && r.state != NULL);
}

static void test_nuts_cancel(void) {
    gen_trace *tr = observed(normal_model, "y", 5, Y, 'f');
    gen_nuts_config cfg = {.warmup = 50, .draws = 100, .metric = GEN_METRIC_DIAG};
    gen_nuts_result full, r;
    CHECK_OK(gen_nuts_sample(gen_key_new(7), 1, &tr, sel1("mu"), &cfg, 1, &full));
    watch w;
    watch_init(&w, "gen_nuts_sample", 1, "warmup", "sampling", 50);
    w.cancel_chain = 0;
    w.cancel_at = 50 + 37; /* after the 37th draw */
    cfg.progress = progress_of(&w);
    CHECK_ERROR(gen_nuts_sample(gen_key_new(7), 1, &tr, sel1("mu"), &cfg, 1, &r),
                "gen_nuts_sample: cancelled by the progress callback (chain 0, after 87 of 150 iterations)");
    CHECK(w.bad == 0 && w.calls[0] == 88);
    if (!r.draws || !full.draws) {
        check_fail(__FILE__, __LINE__, "no results on cancel");
        return;
    }
    CHECK_SHAPE(r.draws, 1, 100, 1);
    CHECK(i64_at(r.draws_done, 0) == 37 && i64_at(r.iterations_done, 0) == 87);
    same_rows("cancelled draws", r.draws, full.draws, 0, 0, 37);
    same_rows("cancelled positions", r.unconstrained, full.unconstrained, 0, 0, 37);
    same_rows("cancelled stats", r.stats, full.stats, 0, 0, 87);
    nan_rows("draws not reached", r.draws, 0, 37);
    nan_rows("stats not reached", r.stats, 0, 87);
    gen_array *v = gen_choicemap_flatten(gen_trace_choices(r.traces[0]), sel1("mu"));
    CHECK_ARRAY(v, (const double *)gen_array_data(full.draws) + 36, 1, 0, 0);
    CHECK_ARRAY(r.step_size, gen_array_data(full.step_size), 1, 0, 0); /* adapted before sampling */
    /* a cancel before the start: nothing runs, the trace is the initial one */
    w = (watch){0};
    watch_init(&w, "gen_nuts_sample", 1, "warmup", "sampling", 50);
    w.cancel_chain = 0;
    w.cancel_at = 0;
    cfg.progress = progress_of(&w);
    CHECK_ERROR(gen_nuts_sample(gen_key_new(7), 1, &tr, sel1("mu"), &cfg, 1, &r), "cancelled by the progress callback");
    CHECK(w.calls[0] == 1 && i64_at(r.iterations_done, 0) == 0 && r.traces && r.traces[0] == tr);
    /* a cancel at the last iteration changes nothing */
    w = (watch){0};
    watch_init(&w, "gen_nuts_sample", 1, "warmup", "sampling", 50);
    w.cancel_chain = 0;
    w.cancel_at = 150;
    cfg.progress = progress_of(&w);
    CHECK_OK(gen_nuts_sample(gen_key_new(7), 1, &tr, sel1("mu"), &cfg, 1, &r));
    same_results("cancel after the end", &r, &full);
}

/* A cancel from one chain stops every chain, running or queued; resuming gives the
 * uncancelled run. */
static void test_nuts_cancel_threads(void) {
    gen_trace *tr = observed(normal_model, "y", 5, Y, 'f');
    gen_trace *init[4] = {tr, tr, tr, tr};
    gen_nuts_config cfg = {.warmup = 100, .draws = 400, .metric = GEN_METRIC_DIAG};
    gen_nuts_result full, r, r2;
    CHECK_OK(gen_nuts_sample(gen_key_new(8), 4, init, sel1("mu"), &cfg, 2, &full));
    watch w;
    watch_init(&w, "gen_nuts_sample", 4, "warmup", "sampling", 100);
    w.cancel_chain = 1;
    w.cancel_at = 30;
    cfg.progress = progress_of(&w);
    CHECK_ERROR(gen_nuts_sample(gen_key_new(8), 4, init, sel1("mu"), &cfg, 2, &r), "(chain 1, after 30 of 500");
    CHECK(w.bad == 0);
    if (!r.draws) return;
    /* chain 1 stopped at 30; the others stopped wherever they were. Chains 2 and 3,
     * queued behind 0 and 1, usually never start, but on a loaded machine the thread of
     * chain 0 can finish 0, 2 and even 3 before chain 1 reaches 30, so no bound below
     * 500 holds for them: the rows checks below are what the cancel must keep. */
    CHECK(i64_at(r.iterations_done, 1) == 30);
    for (int c = 0; c < 4; c++) CHECK(i64_at(r.iterations_done, c) >= 0 && i64_at(r.iterations_done, c) <= 500);
    for (int c = 0; c < 4; c++) {
        int64_t it = i64_at(r.iterations_done, c);
        same_rows("rows before the cancel", r.stats, full.stats, c, 0, it);
        nan_rows("rows after the cancel", r.stats, c, it);
    }
    cfg.progress = (gen_progress){0};
    cfg.resume = &r;
    CHECK_OK(gen_nuts_sample(gen_key_new(8), 4, NULL, sel1("mu"), &cfg, 3, &r2));
    same_results("cancelled on threads, resumed", &r2, &full);
}

/* mu ~ N(0, 1), y ~ N(mu, 1) whose body fails (GEN_ERR_CALLBACK, not a rejection) once it
 * has run more than *limit times; *count counts the runs. */
typedef struct counter {
    int64_t count, limit;
} counter;

static gen_status counted(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    counter *k = gen_ctx_payload(ctx);
    if (++k->count > k->limit) return gen_error_set(GEN_ERR_CALLBACK, "counted: run %lld fails", (long long)k->count);
    return normal_model(ctx, args, retval);
}

typedef struct at_iteration {
    counter *k;
    int64_t at, seen;
} at_iteration;

static bool note_count(void *ud, const gen_progress_info *in) {
    at_iteration *a = ud;
    if (in->done == a->at) a->seen = a->k->count;
    return true;
}

static void test_nuts_late_error(void) {
    /* the model must run at every evaluation: compiled code runs no model body */
    gen_set_compile(false);
    static counter k = {0, INT64_MAX};
    gen_gf *f = gen_dynamic_with("counted", counted, &k, NULL);
    gen_trace *tr = NULL;
    CHECK_OK(gen_generate(f, gen_key_new(1), NULL, observations("y", 5, Y, 'f'), &tr, NULL));
    /* the run count after 949 draws (50 warm-up iterations) */
    at_iteration a = {&k, 50 + 949, -1};
    gen_nuts_config cfg = {.warmup = 50, .draws = 1000, .metric = GEN_METRIC_DIAG, .progress = {note_count, &a}};
    gen_nuts_result full, r, r2;
    k.count = 0;
    CHECK_OK(gen_nuts_sample(gen_key_new(9), 1, &tr, sel1("mu"), &cfg, 1, &full));
    CHECK(a.seen > 0);
    /* the same run failing at its first model run of draw 950 */
    k.count = 0;
    k.limit = a.seen;
    expect_error(__LINE__, gen_nuts_sample(gen_key_new(9), 1, &tr, sel1("mu"), &cfg, 1, &r), GEN_ERR_CALLBACK,
                 "gen_nuts_sample: chain 0: iteration 999: ", "counted: run ");
    if (!r.draws || !full.draws) {
        check_fail(__FILE__, __LINE__, "no results after a late error");
        return;
    }
    CHECK(i64_at(r.draws_done, 0) == 949 && i64_at(r.iterations_done, 0) == 999);
    same_rows("draws before the error", r.draws, full.draws, 0, 0, 949);
    same_rows("stats before the error", r.stats, full.stats, 0, 0, 999);
    nan_rows("draws after the error", r.draws, 0, 949);
    /* the state is the last completed iteration: resumed, it gives the full run */
    k.limit = INT64_MAX;
    cfg.resume = &r;
    cfg.progress = (gen_progress){0};
    CHECK_OK(gen_nuts_sample(gen_key_new(9), 1, NULL, sel1("mu"), &cfg, 1, &r2));
    same_results("resumed after an error", &r2, &full);
    gen_set_compile(true);
}

/* A run of 600 draws = 300 then 300 more; a warm-up cancelled mid-window (87), resumed
 * and cancelled after the last window (150), resumed to the end = one run; for the
 * diagonal and the dense metric, on threads. */
static void test_nuts_resume(void) {
    gen_trace *tr = corr_trace();
    gen_trace *init[2] = {tr, tr};
    for (int m = 1; m <= 2; m++) {
        gen_nuts_config cfg = {.warmup = 200, .draws = 600, .metric = m == 1 ? GEN_METRIC_DIAG : GEN_METRIC_DENSE, .init_radius = 2};
        gen_nuts_result full, a, b, c, d, e, f;
        CHECK_OK(gen_nuts_sample(gen_key_new(11), 2, init, ab(), &cfg, 2, &full));
        cfg.draws = 300;
        CHECK_OK(gen_nuts_sample(gen_key_new(11), 2, init, ab(), &cfg, 2, &a));
        CHECK_SHAPE(a.draws, 2, 300, 2);
        cfg.draws = 600;
        cfg.resume = &a;
        CHECK_OK(gen_nuts_sample(gen_key_new(11), 2, NULL, ab(), &cfg, 2, &b));
        same_results(m == 1 ? "300 + 300 (diag)" : "300 + 300 (dense)", &b, &full);
        /* cancelled in warm-up three times: inside the first metric window (87), inside the
         * second (120, after one step size search), after the last (150, on threads) */
        watch w;
        watch_init(&w, "gen_nuts_sample", 2, "warmup", "sampling", 200);
        w.cancel_chain = 0;
        w.cancel_at = 87;
        cfg.resume = NULL;
        cfg.progress = progress_of(&w);
        CHECK_ERROR(gen_nuts_sample(gen_key_new(11), 2, init, ab(), &cfg, 1, &c), "cancelled");
        CHECK(i64_at(c.iterations_done, 0) == 87 && i64_at(c.iterations_done, 1) == 0); /* chain 1 never started */
        CHECK(c.traces && c.traces[1] == tr);
        watch_init(&w, "gen_nuts_sample", 2, "warmup", "sampling", 200);
        w.cancel_chain = 0;
        w.cancel_at = 120;
        cfg.resume = &c;
        CHECK_ERROR(gen_nuts_sample(gen_key_new(11), 2, NULL, ab(), &cfg, 1, &d), "(chain 0, after 120 of 800");
        CHECK(w.calls[0] == 120 - 87 + 1 && w.calls[1] == 0 && w.bad == 0); /* resumed counts go on */
        watch_init(&w, "gen_nuts_sample", 2, "warmup", "sampling", 200);
        w.cancel_chain = 1;
        w.cancel_at = 150;
        cfg.resume = &d;
        CHECK_ERROR(gen_nuts_sample(gen_key_new(11), 2, NULL, ab(), &cfg, 2, &e), "(chain 1, after 150 of 800");
        CHECK(i64_at(e.iterations_done, 1) == 150 && i64_at(e.iterations_done, 0) >= 120 && w.bad == 0);
        cfg.resume = &e;
        cfg.progress = (gen_progress){0};
        CHECK_OK(gen_nuts_sample(gen_key_new(11), 2, NULL, ab(), &cfg, 2, &f));
        same_results(m == 1 ? "cancelled three times in warm-up (diag)" : "cancelled three times in warm-up (dense)", &f,
                     &full);
        /* the resumed run samples the prior: a ~ N(0, 1), b ~ N(0, 1) (within 5 MCSE) */
        gen_summary sm[2];
        if (f.draws && gen_summarize_array(f.draws, NULL, 0, sm, 2) == GEN_OK) {
            for (int j = 0; j < 2; j++) {
                CHECK(fabs(sm[j].mean) < 5 * sm[j].sd / sqrt(sm[j].ess_bulk));
                CHECK(fabs(sm[j].sd - 1) < 5 * sm[j].mcse_sd);
            }
        }
    }
}

static void test_nuts_resume_errors(void) {
    gen_trace *tr = observed(normal_model, "y", 5, Y, 'f');
    gen_trace *init[2] = {tr, tr};
    gen_nuts_config cfg = {.warmup = 30, .draws = 20};
    gen_nuts_result r, r2;
    CHECK_OK(gen_nuts_sample(gen_key_new(12), 2, init, sel1("mu"), &cfg, 1, &r));
    gen_nuts_config c2 = cfg;
    c2.resume = &r;
    c2.max_depth = 12;
    CHECK_ERROR(gen_nuts_sample(gen_key_new(12), 2, NULL, sel1("mu"), &c2, 1, &r2),
                "gen_nuts_sample: a resumed run keeps the settings of the run it resumes: max_depth 10 there, 12 here");
    CHECK(r2.draws == NULL);
    c2 = cfg;
    c2.resume = &r;
    c2.warmup = 40;
    CHECK_ERROR(gen_nuts_sample(gen_key_new(12), 2, NULL, sel1("mu"), &c2, 1, &r2), "warmup 30 there, 40 here");
    c2 = cfg;
    c2.resume = &r;
    c2.draws = 10;
    CHECK_ERROR(gen_nuts_sample(gen_key_new(12), 2, NULL, sel1("mu"), &c2, 1, &r2),
                "draws (10) must be at least the draws done (20)");
    c2 = cfg;
    c2.resume = &r;
    CHECK_ERROR(gen_nuts_sample(gen_key_new(12), 1, NULL, sel1("mu"), &c2, 1, &r2), "resumes 2 chains, got 1");
    CHECK_ERROR(gen_nuts_sample(gen_key_new(12), 2, NULL, gen_select_all(), &c2, 1, &r2),
                "the selection has 6 unconstrained coordinates, the run resumed 1");
    CHECK_ERROR(gen_nuts_sample(gen_key_new(12), 2, NULL, sel1("mu"), &c2, 1, &r), "out must not be cfg->resume");
    CHECK(r.state != NULL); /* untouched */
    gen_nuts_result none = {0};
    c2.resume = &none;
    CHECK_ERROR(gen_nuts_sample(gen_key_new(12), 2, NULL, sel1("mu"), &c2, 1, &r2), "has no state");
    /* the same draws: nothing to do, the same result */
    c2.resume = &r;
    CHECK_OK(gen_nuts_sample(gen_key_new(12), 2, NULL, sel1("mu"), &c2, 1, &r2));
    same_results("resumed with nothing to do", &r2, &r);
}

/* mu ~ flat: an improper target, where every tree runs to max_depth */
static gen_status flat_model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    *retval = gen_choose(ctx, "mu", gen_flat(0, NULL));
    return gen_ctx_status(ctx);
}

static void test_work_bounds(void) {
    gen_trace *tr = observed(normal_model, "y", 5, Y, 'f'), *out = NULL;
    gen_trace *flat = NULL;
    gen_choicemap *m = gen_choicemap_set(gen_choicemap_empty(), &(gen_addr){1, {gen_part_name("mu")}}, gen_scalar(0));
    CHECK_OK(gen_generate(gen_dynamic("flat", flat_model), gen_key_new(1), NULL, m, &flat, NULL));
    /* the probe: max_depth 40 on a flat density would run 2^40 leapfrog steps */
    CHECK_ERROR(gen_nuts(flat, gen_key_new(1), sel1("mu"), 0.1, NULL, 40, &out, NULL),
                "gen_nuts: max_depth must be in 1..20 (0: 10), got 40");
    CHECK_ERROR(gen_nuts(tr, gen_key_new(1), sel1("mu"), 0.1, NULL, 21, &out, NULL), "got 21");
    CHECK_ERROR(gen_nuts(tr, gen_key_new(1), sel1("mu"), 0.1, NULL, -1, &out, NULL), "got -1");
    CHECK(out == NULL);
    gen_nuts_kernel k = {sel1("mu"), 0.1, NULL, 1000};
    bool acc;
    CHECK_ERROR(gen_kernel_apply(gen_kernel_nuts(&k), gen_key_new(1), tr, &out, &acc), "got 1000");
    gen_nuts_config cfg = {.warmup = 10, .draws = 10, .max_depth = 31};
    gen_nuts_result r;
    CHECK_ERROR(gen_nuts_sample(gen_key_new(1), 1, &tr, sel1("mu"), &cfg, 1, &r),
                "gen_nuts_sample: max_depth must be in 1..20 (0: 10), got 31");
    cfg.max_depth = -2;
    CHECK_ERROR(gen_nuts_sample(gen_key_new(1), 1, &tr, sel1("mu"), &cfg, 1, &r), "got -2");
    /* the largest allowed depth runs (on the flat density every tree is full) */
    gen_nuts_stats st;
    CHECK_OK(gen_nuts(flat, gen_key_new(2), sel1("mu"), 0.5, NULL, 12, &out, &st));
    CHECK(st.tree_depth == 12 && st.n_leapfrog == 4095);
    CHECK_ERROR(gen_hmc(tr, gen_key_new(1), sel1("mu"), 0.1, GEN_MAX_LEAPFROG + 1, NULL, &out, NULL),
                "gen_hmc: n_leapfrog must be in 1..1048576, got 1048577");
    CHECK_ERROR(gen_hmc(tr, gen_key_new(1), sel1("mu"), 0.1, 0, NULL, &out, NULL), "got 0");
    gen_hmc_kernel hk = {sel1("mu"), 0.1, INT32_MAX, NULL};
    CHECK_ERROR(gen_kernel_apply(gen_kernel_hmc(&hk), gen_key_new(1), tr, &out, &acc), "got 2147483647");
}

/* ---- chains ---- */

/* A kernel that fails (GEN_ERR_CALLBACK) at its fail_at-th call, else MH on mu. */
typedef struct failing {
    gen_mh_select_kernel mh;
    int64_t calls, fail_at;
} failing;

static gen_status failing_fn(void *p, gen_key key, const gen_trace *tr, gen_trace **out, bool *acc) {
    failing *f = p;
    if (++f->calls == f->fail_at) return gen_error_set(GEN_ERR_CALLBACK, "failing: call %lld", (long long)f->calls);
    return gen_kernel_apply(gen_kernel_mh_select(&f->mh), key, tr, out, acc);
}

static void test_chain_cancel(void) {
    gen_trace *tr = observed(normal_model, "y", 5, Y, 'f');
    gen_mh_select_kernel k = {sel1("mu")};
    gen_chain_config cfg = {.burn_in = 10, .draws = 100, .thin = 2, .sel = sel1("mu")};
    gen_array *full = NULL, *s = NULL;
    gen_trace *fin = NULL;
    double rate = 0;
    CHECK_OK(gen_run_chain(gen_kernel_mh_select(&k), gen_key_new(13), tr, &cfg, &full, NULL, NULL));
    watch w;
    watch_init(&w, "gen_run_chain", 1, "burn_in", "sampling", 10);
    w.cancel_chain = 0;
    w.cancel_at = 10 + 2 * 37 + 1; /* a step after the 37th draw */
    cfg.progress = progress_of(&w);
    CHECK_ERROR(gen_run_chain(gen_kernel_mh_select(&k), gen_key_new(13), tr, &cfg, &s, &fin, &rate),
                "gen_run_chain: cancelled by the progress callback (chain 0, after 85 of 210 steps)");
    CHECK(w.bad == 0 && w.calls[0] == 86);
    if (!s || !full) {
        check_fail(__FILE__, __LINE__, "no draws on cancel");
        return;
    }
    CHECK_SHAPE(s, 37, 1);
    CHECK_ARRAY(s, gen_array_data(full), 37, 0, 0);
    CHECK(fin != NULL && rate > 0 && rate < 1);
    /* the full run without a cancel, with the callback: the counts */
    watch_init(&w, "gen_run_chain", 1, "burn_in", "sampling", 10);
    cfg.progress = progress_of(&w);
    CHECK_OK(gen_run_chain(gen_kernel_mh_select(&k), gen_key_new(13), tr, &cfg, &s, NULL, NULL));
    CHECK(w.bad == 0 && w.calls[0] == 211 && w.last[0] == 210);
    CHECK_ARRAY(s, gen_array_data(full), 100, 0, 0);
    /* a step failing at 950 of 1000: 949 draws, the error's status and message */
    static failing f;
    f = (failing){{sel1("mu")}, 0, 950};
    gen_chain_config c2 = {.burn_in = 0, .draws = 1000, .thin = 1, .sel = sel1("mu")};
    CHECK_OK(gen_run_chain(gen_kernel_mh_select(&k), gen_key_new(14), tr, &c2, &full, NULL, NULL));
    fin = NULL;
    expect_error(__LINE__, gen_run_chain((gen_kernel){failing_fn, &f, NULL}, gen_key_new(14), tr, &c2, &s, &fin, &rate),
                 GEN_ERR_CALLBACK, "gen_run_chain: step 949: ", "failing: call 950");
    if (!s) {
        check_fail(__FILE__, __LINE__, "no draws after a late error");
        return;
    }
    CHECK_SHAPE(s, 949, 1);
    CHECK_ARRAY(s, gen_array_data(full), 949, 0, 0);
    if (fin) CHECK_ARRAY(gen_choicemap_flatten(gen_trace_choices(fin), sel1("mu")), (const double *)gen_array_data(full) + 948, 1, 0, 0);
    else check_fail(__FILE__, __LINE__, "no final trace after a late error");
}

/* A kernel that fails when mu leaves (-0.2, 1.9): each chain at its own step. */
static gen_status bounded_fn(void *p, gen_key key, const gen_trace *tr, gen_trace **out, bool *acc) {
    gen_status s = gen_kernel_apply(gen_kernel_mh_select(p), key, tr, out, acc);
    double mu = s == GEN_OK ? check_item(gen_trace_retval(*out)) : 0;
    if (s == GEN_OK && (mu < -0.2 || mu > 1.9)) return gen_error_set(GEN_ERR_CALLBACK, "bounded: mu = %g", mu);
    return s;
}

static void test_chains_stop(void) {
    gen_trace *tr = observed(normal_model, "y", 5, Y, 'f');
    gen_trace *init[4] = {tr, tr, tr, tr};
    gen_mh_select_kernel k = {sel1("mu")};
    gen_chain_config cfg = {.burn_in = 20, .draws = 3000, .thin = 1, .sel = sel1("mu")};
    gen_array *full = NULL, *s = NULL;
    int64_t done[4] = {0};
    double rates[4];
    CHECK_OK(gen_run_chains(gen_kernel_mh_select(&k), gen_key_new(15), 4, init, &cfg, 2, &full, NULL, done));
    CHECK(done[0] == 3000 && done[3] == 3000);
    watch w;
    watch_init(&w, "gen_run_chains", 4, "burn_in", "sampling", 20);
    w.cancel_chain = 1;
    w.cancel_at = 50;
    cfg.progress = progress_of(&w);
    CHECK_ERROR(gen_run_chains(gen_kernel_mh_select(&k), gen_key_new(15), 4, init, &cfg, 2, &s, rates, done),
                "gen_run_chains: cancelled by the progress callback (chain 1, after 50 of 3020 steps)");
    CHECK(w.bad == 0);
    if (!s || !full) {
        check_fail(__FILE__, __LINE__, "no draws after a cancel");
        return;
    }
    CHECK_SHAPE(s, 4, 3000, 1);
    /* chain 1 stopped at 30 draws; chains 2 and 3 (queued) usually never start, but on a
     * loaded machine chain 0's thread can run them before chain 1 reaches 50 steps */
    CHECK(done[1] == 30);
    for (int c = 0; c < 4; c++) CHECK(done[c] >= 0 && done[c] <= 3000);
    for (int c = 0; c < 4; c++) {
        same_rows("chains before the cancel", s, full, c, 0, done[c]);
        nan_rows("chains after the cancel", s, c, done[c]);
    }
    /* an error stops its chain only; each chain matches its own run alone */
    cfg.progress = (gen_progress){0};
    expect_error(__LINE__, gen_run_chains((gen_kernel){bounded_fn, &k, NULL}, gen_key_new(15), 4, init, &cfg, 2, &s, NULL, done),
                 GEN_ERR_CALLBACK, "gen_run_chains: chain ", "bounded: mu = ");
    for (int c = 0; c < 4 && s; c++) {
        gen_array *one = NULL;
        gen_status sc = gen_run_chain((gen_kernel){bounded_fn, &k, NULL}, gen_key_fold_in(gen_key_new(15), (uint64_t)c), tr,
                                      &cfg, &one, NULL, NULL);
        gen_error_clear();
        CHECK(one != NULL && gen_array_shape(one)[0] == done[c] && (sc == GEN_OK) == (done[c] == 3000));
        if (one && done[c] > 0) CHECK_ARRAY(one, (const double *)gen_array_data(s) + c * 3000, done[c], 0, 0);
        nan_rows("a chain after its error", s, c, done[c]);
    }
}

/* ---- importance sampling ---- */

static void test_importance_cancel(void) {
    static counter k;
    k = (counter){0, INT64_MAX};
    gen_gf *f = gen_dynamic_with("counted", counted, &k, NULL);
    gen_choicemap *obs = observations("y", 5, Y, 'f');
    enum { N = 1000 };
    static gen_trace *all[N], *tr[N];
    gen_array *lw_full = NULL, *lw = NULL;
    double lml = 0;
    watch w;
    watch_init(&w, "gen_importance_sampling", 1, "particles", "particles", 0);
    gen_progress p = progress_of(&w);
    CHECK_OK(gen_importance_sampling_with(f, gen_key_new(16), NULL, obs, NULL, NULL, N, &p, all, &lw_full, NULL));
    CHECK(w.bad == 0 && w.calls[0] == N + 1 && w.last[0] == N && w.total[0] == N);
    /* cancelled after 300 particles */
    watch_init(&w, "gen_importance_sampling", 1, "particles", "particles", 0);
    w.cancel_chain = 0;
    w.cancel_at = 300;
    CHECK_ERROR(gen_importance_sampling_with(f, gen_key_new(16), NULL, obs, NULL, NULL, N, &p, tr, &lw, &lml),
                "gen_importance_sampling: cancelled by the progress callback (chain 0, after 300 of 1000 particles)");
    if (!lw || !lw_full) {
        check_fail(__FILE__, __LINE__, "no particles after a cancel");
        return;
    }
    CHECK_SHAPE(lw, 300);
    CHECK_ARRAY(lw, gen_array_data(lw_full), 300, 0, 0);
    CHECK(tr[0] != NULL && tr[299] != NULL && tr[300] == NULL && tr[N - 1] == NULL);
    double want = 0;
    CHECK_OK(gen_log_mean_exp(lw, &want));
    CHECK(lml == want);
    /* particle 950 fails: 949 particles and the error */
    k = (counter){0, 949};
    expect_error(__LINE__, gen_importance_sampling(f, gen_key_new(16), NULL, obs, NULL, NULL, N, tr, &lw, &lml),
                 GEN_ERR_CALLBACK, "gen_importance_sampling: particle 949: ", "counted: run 950 fails");
    if (lw) CHECK_ARRAY(lw, gen_array_data(lw_full), 949, 0, 0);
    else check_fail(__FILE__, __LINE__, "no particles after a late error");
    CHECK(tr[948] != NULL && tr[949] == NULL);
    /* batched: one unit; a cancel before it runs nothing */
    k = (counter){0, INT64_MAX};
    gen_trace *bt = NULL;
    watch_init(&w, "gen_importance_sampling_batched", 1, "particles", "particles", 0);
    w.step = N;
    CHECK_OK(gen_importance_sampling_batched_with(f, gen_key_new(17), NULL, obs, NULL, NULL, N, &p, &bt, &lw, NULL));
    CHECK(w.bad == 0 && w.calls[0] == 2 && w.last[0] == N && bt != NULL);
    watch_init(&w, "gen_importance_sampling_batched", 1, "particles", "particles", 0);
    w.cancel_chain = 0;
    k.count = 0;
    CHECK_ERROR(gen_importance_sampling_batched_with(f, gen_key_new(17), NULL, obs, NULL, NULL, N, &p, &bt, &lw, NULL),
                "cancelled by the progress callback");
    CHECK(k.count == 0 && bt == NULL && lw == NULL);
    /* resampling: the progress of its particles, nothing on cancel */
    watch_init(&w, "gen_importance_resampling", 1, "particles", "particles", 0);
    w.cancel_chain = 0;
    w.cancel_at = 10;
    gen_trace *one = tr[0];
    CHECK_ERROR(gen_importance_resampling_with(f, gen_key_new(18), NULL, obs, NULL, NULL, N, &p, &one, NULL),
                "gen_importance_resampling: cancelled by the progress callback (chain 0, after 10 of 1000 particles)");
    CHECK(one == NULL && w.calls[0] == 11);
}

/* ---- enumeration ---- */

static void test_enumerate_cancel(void) {
    /* mu on 400 midpoints of [-2, 4]: each a unit */
    enum { K = 400 };
    double mids[K];
    for (int i = 0; i < K; i++) mids[i] = -2 + 6 * (i + 0.5) / K;
    gen_grid_axis ax = {{1, {gen_part_name("mu")}}, gen_array_from(GEN_F64, 1, (int64_t[]){K}, mids), gen_scalar(6.0 / K)};
    gen_gf *f = gen_dynamic("model", normal_model);
    gen_choicemap *obs = observations("y", 5, Y, 'f');
    gen_array *lp = NULL, *lp0 = NULL;
    double lml = 0, lml0 = 0;
    watch w;
    watch_init(&w, "gen_enumerate", 1, "grid", "grid", 0);
    gen_progress p = progress_of(&w);
    CHECK_OK(gen_enumerate_with(f, NULL, obs, 1, &ax, &p, &lp, &lml));
    CHECK(w.bad == 0 && w.calls[0] == K + 1 && w.last[0] == K && w.total[0] == K);
    CHECK_OK(gen_enumerate(f, NULL, obs, 1, &ax, &lp0, &lml0));
    if (lp && lp0) CHECK_ARRAY(lp, gen_array_data(lp0), K, 0, 0);
    CHECK(lml == lml0);
    watch_init(&w, "gen_enumerate", 1, "grid", "grid", 0);
    w.cancel_chain = 0;
    w.cancel_at = 123;
    lml = 7;
    CHECK_ERROR(gen_enumerate_with(f, NULL, obs, 1, &ax, &p, &lp, &lml),
                "gen_enumerate: cancelled by the progress callback (chain 0, after 123 of 400 grid points)");
    CHECK(lp == NULL && lml == 7 && w.calls[0] == 124);
}

/* ---- out of memory on the paths of a stop and a resume ---- */

static bool cancel_at_3(void *ud, const gen_progress_info *in) {
    (void)ud;
    return in->done != 3;
}

static gen_status oom_nuts(void) {
    gen_trace *tr = NULL;
    gen_status s = gen_generate(gen_dynamic("model", normal_model), gen_key_new(1), NULL, observations("y", 2, Y, 'f'), &tr, NULL);
    if (s != GEN_OK) return s;
    gen_nuts_config cfg = {.warmup = 2, .draws = 3, .step = 0.5, .fixed_step = true, .max_depth = 2,
                           .progress = {cancel_at_3, NULL}};
    gen_nuts_result r, r2;
    s = gen_nuts_sample(gen_key_new(2), 1, &tr, sel1("mu"), &cfg, 1, &r);
    if (s != GEN_CANCELLED) return s;
    gen_error_clear();
    cfg.progress = (gen_progress){0};
    cfg.resume = &r;
    return gen_nuts_sample(gen_key_new(2), 1, NULL, sel1("mu"), &cfg, 1, &r2);
}

static gen_status oom_chain(void) {
    gen_trace *tr = NULL;
    gen_status s = gen_generate(gen_dynamic("model", normal_model), gen_key_new(1), NULL, observations("y", 2, Y, 'f'), &tr, NULL);
    if (s != GEN_OK) return s;
    gen_mh_select_kernel k = {sel1("mu")};
    gen_chain_config cfg = {.burn_in = 1, .draws = 5, .thin = 1, .sel = sel1("mu"), .progress = {cancel_at_3, NULL}};
    gen_array *a = NULL;
    gen_trace *fin = NULL;
    s = gen_run_chain(gen_kernel_mh_select(&k), gen_key_new(3), tr, &cfg, &a, &fin, NULL);
    if (s != GEN_CANCELLED) return s;
    gen_error_clear();
    gen_trace *init[2] = {tr, tr};
    int64_t done[2];
    s = gen_run_chains(gen_kernel_mh_select(&k), gen_key_new(3), 2, init, &cfg, 1, &a, NULL, done);
    return s == GEN_CANCELLED ? (gen_error_clear(), GEN_OK) : s;
}

static gen_status oom_importance(void) {
    gen_gf *f = gen_dynamic("model", normal_model);
    gen_choicemap *obs = observations("y", 2, Y, 'f');
    if (!f || !obs) return gen_error_status();
    gen_progress p = {cancel_at_3, NULL};
    gen_trace *tr[5];
    gen_array *lw = NULL;
    double lml;
    gen_status s = gen_importance_sampling_with(f, gen_key_new(4), NULL, obs, NULL, NULL, 5, &p, tr, &lw, &lml);
    return s == GEN_CANCELLED ? (gen_error_clear(), GEN_OK) : s;
}

static void test_out_of_memory(void) {
    CHECK_OOM(oom_nuts, 21);
    CHECK_OOM(oom_chain, 21);
    CHECK_OOM(oom_importance, 21);
}

int main(void) {
    RUN(test_nuts_progress);
    RUN(test_nuts_cancel);
    RUN(test_nuts_cancel_threads);
    RUN(test_nuts_late_error);
    RUN(test_nuts_resume);
    RUN(test_nuts_resume_errors);
    RUN(test_work_bounds);
    RUN(test_chain_cancel);
    RUN(test_chains_stop);
    RUN(test_importance_cancel);
    RUN(test_enumerate_cancel);
    RUN(test_out_of_memory);
    return check_finish();
}
