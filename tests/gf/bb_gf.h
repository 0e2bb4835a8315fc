/* bb_gf.h — a user-written generative function (genc/gf_impl.h) for the tests: a
 * collapsed beta-bernoulli. Arguments (c, n): a concentration c > 0 (f64 0-d) and a
 * count n >= 0 (i64 0-d). Choices: m ~ Beta(2, 2) at "m", and n flips x/0 .. x/(n-1)
 * (i64 0 or 1) with p ~ Beta(c m, c (1 - m)) integrated out:
 *   score = log Beta(m; 2, 2) + lbeta(c m + h, c (1 - m) + n - h) - lbeta(c m, c (1 - m))
 * with h the number of heads. Returns h (i64 0-d). The per-trace data keeps h and the
 * flips, so an update of flips or of m costs O(1) array operations (only the flips'
 * bytes are copied). project(sel) = log Beta(m) if m is selected + the marginal log
 * probability of the selected flips (exchangeable: it depends on their count and heads);
 * regenerate resamples m from its prior and the selected flips from their marginal
 * (a Polya urn over them), so its weight is (score' - project(t', sel)) - (score -
 * project(t, sel)). generate and assess run batched (particle by particle); update,
 * regenerate and project of a batched trace are refused. m takes part in unconstrained
 * evaluation (gen_eval_choice), so gradient-based kernels can move it. */
#ifndef GENC_TEST_BB_GF_H
#define GENC_TEST_BB_GF_H

#include <stdlib.h>
#include <string.h>

#include "genc.h"
#include "genc/gf_impl.h"

typedef struct bb_data {
    int64_t n, h;
    uint8_t *x;   /* n flips */
    gen_array *m; /* retained */
} bb_data;

static void bb_free_trace(gen_trace *tr) {
    bb_data *d = gen_trace_data(tr);
    gen_array_release(d->m);
    free(d->x);
    free(d);
}

static gen_addr bb_addr_m(void) {
    gen_addr a;
    gen_addr_parse(&a, "m");
    return a;
}
static gen_addr bb_addr_x(int64_t i) {
    gen_addr a;
    gen_addr_parse(&a, "x");
    a.parts[a.len++] = gen_part_int(i);
    return a;
}
/* The flip index of address a (x/i, 0 <= i < n), or -1. */
static int64_t bb_flip_of(const gen_addr *a, int64_t n) {
    gen_addr x = bb_addr_x(0);
    if (a->len != 2 || a->parts[0].v != x.parts[0].v || !gen_part_is_int(a->parts[1])) return -1;
    int64_t i = gen_part_get_int(a->parts[1]);
    return i >= 0 && i < n ? i : -1;
}

static gen_dist *bb_prior_m(void) { return gen_beta(gen_scalar(2), gen_scalar(2)); }

/* lbeta(p, q) of arrays. */
static gen_array *bb_lbeta(const gen_array *p, const gen_array *q) {
    return gen_sub(gen_add(gen_lgamma(p), gen_lgamma(q)), gen_lgamma(gen_add(p, q)));
}
/* The collapsed log probability of k flips with h heads: lbeta(a + h, b + k - h) - lbeta(a, b). */
static gen_array *bb_lp_flips(const gen_array *c, const gen_array *m, int64_t h, int64_t k) {
    gen_array *a = gen_mul(c, m), *b = gen_mul(c, gen_sub(gen_scalar(1), m));
    return gen_sub(bb_lbeta(gen_add(a, gen_scalar((double)h)), gen_add(b, gen_scalar((double)(k - h)))), bb_lbeta(a, b));
}

static gen_status bb_args(const gen_args *args, const gen_array **c, int64_t *n) {
    if (!args || args->n != 2) return gen_error_set(GEN_ERR_VALUE, "takes 2 arguments (c, n), got %d", args ? args->n : 0);
    *c = args->v[0];
    if (gen_array_dtype(*c) != GEN_F64 || gen_array_ndim(*c) != 0)
        return gen_error_set(GEN_ERR_VALUE, "c must be a 0-d f64 array");
    double cv = 0;
    gen_item(*c, &cv);
    if (!(cv > 0)) return gen_error_set(GEN_ERR_VALUE, "c must be > 0, got %g", cv);
    if (gen_item_i64(args->v[1], n) != GEN_OK || gen_array_ndim(args->v[1]) != 0 || *n < 0)
        return gen_error_set(GEN_ERR_VALUE, "n must be a 0-d integer >= 0");
    return GEN_OK;
}

static gen_status bb_flip_value(const gen_addr *a, const gen_array *v, uint8_t *out) {
    double x = -1;
    if (gen_array_ndim(v) == 0) gen_item(v, &x);
    if (x != 0 && x != 1) {
        char buf[64];
        gen_addr_format(a, buf, sizeof buf);
        return gen_error_set(GEN_ERR_VALUE, "%s: a flip must be 0 or 1", buf);
    }
    *out = (uint8_t)x;
    return GEN_OK;
}

static gen_status bb_unused(const gen_addr *a) {
    char buf[64];
    gen_addr_format(a, buf, sizeof buf);
    return gen_error_set(GEN_ERR_VALUE, "the choices have a value at %s, which is not a choice of it", buf);
}

static gen_choicemap *bb_build(const gen_trace *tr) {
    const bb_data *d = gen_trace_data(tr);
    gen_scope_begin();
    gen_choicemap_builder *b = gen_choicemap_builder_new();
    gen_addr am = bb_addr_m();
    gen_status s = b ? gen_choicemap_builder_set(b, &am, d->m) : GEN_ERR_OOM;
    for (int64_t i = 0; i < d->n && s == GEN_OK; i++) {
        gen_addr ax = bb_addr_x(i);
        s = gen_choicemap_builder_set(b, &ax, gen_scalar_i64(d->x[i]));
    }
    gen_choicemap *m = s == GEN_OK ? gen_choicemap_retain(gen_choicemap_builder_finish(b)) : NULL;
    gen_choicemap_builder_free(b);
    gen_scope_end();
    return m;
}

/* Draws the flips at the indices where want[i] is set, in order, from the Polya urn of
 * Beta(c m, c (1 - m)) over those flips (counting only them): *h_sel gets their heads. */
static gen_status bb_draw(gen_key key, double c, double m, int64_t n, const uint8_t *want, uint8_t *x, int64_t *h_sel) {
    int64_t k = 0, h = 0;
    for (int64_t i = 0; i < n; i++) {
        if (!want[i]) continue;
        double p1 = (c * m + (double)h) / (c + (double)k);
        int64_t v = 0;
        gen_array *draw = gen_dist_sample(gen_bernoulli(gen_scalar(p1)), gen_key_fold_in(key, (uint64_t)i + 1), 0, NULL);
        if (!draw || gen_item_i64(draw, &v) != GEN_OK) return gen_error_status() ? gen_error_status() : GEN_ERR_OOM;
        x[i] = (uint8_t)v;
        h += v;
        k++;
    }
    *h_sel = h;
    return GEN_OK;
}

/* One particle's generate: every output in the current scope. */
static gen_status bb_generate1(const gen_gf *f, gen_key key, const gen_args *args, const gen_choicemap *cons,
                               gen_trace **tr, gen_array **weight) {
    const gen_array *c = NULL;
    int64_t n = 0;
    gen_status s = bb_args(args, &c, &n);
    if (s != GEN_OK) return s;
    gen_addr am = bb_addr_m();
    const gen_array *mc = gen_choicemap_find(cons, &am);
    int64_t used = mc != NULL;
    gen_array *w = gen_scalar(0);
    gen_array *m = mc ? (gen_array *)mc : gen_dist_sample(bb_prior_m(), gen_key_fold_in(key, 0), 0, NULL);
    if (mc && (gen_array_dtype(mc) != GEN_F64 || gen_array_ndim(mc) != 0))
        return gen_error_set(GEN_ERR_VALUE, "m must be a 0-d f64 array");
    if (mc) w = gen_dist_logpdf(bb_prior_m(), m);
    bb_data *d = calloc(1, sizeof *d);
    uint8_t *given = n ? calloc((size_t)n, 1) : NULL;
    if (d) d->x = n ? calloc((size_t)n, 1) : NULL;
    if (!d || (n && (!given || !d->x))) s = gen_error_set(GEN_ERR_OOM, "out of memory");
    for (int64_t i = 0; i < n && s == GEN_OK; i++) {
        gen_addr ax = bb_addr_x(i);
        const gen_array *v = gen_choicemap_find(cons, &ax);
        if (v && (s = bb_flip_value(&ax, v, &d->x[i])) == GEN_OK) given[i] = 1, used++;
    }
    /* sequentially: a constrained flip adds its conditional probability to the weight,
     * an unconstrained one is drawn from it */
    double cv = 0, mv = 0;
    gen_item(c, &cv);
    gen_item(m, &mv);
    int64_t h = 0;
    for (int64_t i = 0; i < n && s == GEN_OK; i++) {
        if (given[i]) {
            gen_array *num = gen_add(gen_mul(c, d->x[i] ? m : gen_sub(gen_scalar(1), m)),
                                     gen_scalar((double)(d->x[i] ? h : i - h)));
            w = gen_add(w, gen_log(gen_div(num, gen_add(c, gen_scalar((double)i)))));
        } else {
            double p1 = (cv * mv + (double)h) / (cv + (double)i);
            int64_t v = 0;
            gen_array *draw = gen_dist_sample(gen_bernoulli(gen_scalar(p1)), gen_key_fold_in(key, (uint64_t)i + 1), 0, NULL);
            s = draw ? gen_item_i64(draw, &v) : GEN_ERR_OOM;
            d->x[i] = (uint8_t)v;
        }
        h += d->x[i];
    }
    free(given);
    if (s == GEN_OK && used != gen_choicemap_count(cons)) {
        gen_choicemap_iter it;
        gen_choicemap_iter_init(&it, cons);
        while (gen_choicemap_iter_next(&it))
            if (bb_flip_of(&it.addr, n) < 0 && !gen_addr_equal(&it.addr, &am)) break;
        s = bb_unused(&it.addr);
    }
    gen_array *score = s == GEN_OK ? gen_add(gen_dist_logpdf(bb_prior_m(), m), bb_lp_flips(c, m, h, n)) : NULL;
    if (s == GEN_OK && (!score || !w)) s = gen_error_status() ? gen_error_status() : GEN_ERR_OOM;
    if (s != GEN_OK) {
        if (d) free(d->x);
        free(d);
        return s;
    }
    d->n = n, d->h = h, d->m = gen_array_retain(m);
    *tr = gen_trace_new(f, args, gen_scalar_i64(h), NULL, score, d);
    if (weight) *weight = w;
    return *tr ? GEN_OK : gen_error_status();
}

/* One particle's assess under ev. */
static gen_status bb_assess1(const gen_gf *f, gen_eval *ev, const gen_args *args, const gen_choicemap *choices,
                             gen_array **weight, gen_array **retval) {
    (void)f;
    const gen_array *c = NULL;
    int64_t n = 0, h = 0;
    gen_status s = bb_args(args, &c, &n);
    if (s != GEN_OK) return s;
    gen_addr am = bb_addr_m();
    const gen_array *mc = gen_choicemap_find(choices, &am);
    if (!mc) return gen_error_set(GEN_ERR_VALUE, "assess: the choices have no value at m");
    for (int64_t i = 0; i < n; i++) {
        gen_addr ax = bb_addr_x(i);
        const gen_array *v = gen_choicemap_find(choices, &ax);
        uint8_t b = 0;
        if (!v) return gen_error_set(GEN_ERR_VALUE, "assess: the choices have no value at x/%lld", (long long)i);
        if ((s = bb_flip_value(&ax, v, &b)) != GEN_OK) return s;
        h += b;
    }
    if (gen_choicemap_count(choices) != n + 1) {
        gen_choicemap_iter it;
        gen_choicemap_iter_init(&it, choices);
        while (gen_choicemap_iter_next(&it))
            if (bb_flip_of(&it.addr, n) < 0 && !gen_addr_equal(&it.addr, &am)) break;
        return bb_unused(&it.addr);
    }
    gen_array *m = NULL, *lpm = NULL;
    if ((s = gen_eval_choice(ev, &am, bb_prior_m(), mc, &m, &lpm)) != GEN_OK) return s;
    *weight = gen_add(lpm, bb_lp_flips(c, m, h, n));
    if (retval) *retval = gen_scalar_i64(h);
    return *weight ? GEN_OK : gen_error_status();
}

/* Element i of a batched argument (a shared one as it is). */
static gen_array *bb_particle_arg(gen_array *a, int64_t i) {
    if (!gen_array_is_batched(a)) return a;
    int axis0 = 0;
    return gen_squeeze(gen_unbatched(gen_slice(a, 0, i, i + 1, 1)), 1, &axis0);
}

/* Runs one particle at a time in batched mode (gen_batch_size() particles), stacking
 * the results: how a kind without a vectorized path supports batching. */
static gen_status bb_batched(const gen_gf *f, gen_key key, gen_eval *ev, const gen_args *args,
                             const gen_choicemap *cm, bool gen, gen_trace **tr, gen_array **weight,
                             gen_array **retval) {
    int64_t n = gen_batch_suspend();
    gen_array **ws = calloc((size_t)n, sizeof *ws), **ss = calloc((size_t)n, sizeof *ss),
              **rs = calloc((size_t)n, sizeof *rs), **ms = calloc((size_t)n, sizeof *ms);
    gen_trace **ts = calloc((size_t)n, sizeof *ts);
    gen_status s = ws && ss && rs && ms && ts ? GEN_OK : gen_error_set(GEN_ERR_OOM, "out of memory");
    int64_t nflips = 0;
    for (int64_t i = 0; i < n && s == GEN_OK; i++) {
        gen_array *av[2] = {bb_particle_arg(args->v[0], i), bb_particle_arg(args->v[1], i)};
        gen_args ai = {2, av, args->user};
        const gen_choicemap *ci = gen_choicemap_particle(cm, i);
        if (!av[0] || !av[1] || !ci) s = gen_error_status() ? gen_error_status() : GEN_ERR_OOM;
        else if (gen) {
            s = bb_generate1(f, gen_key_fold_in(key, (uint64_t)i), &ai, ci, &ts[i], &ws[i]);
            if (s == GEN_OK) {
                const bb_data *d = gen_trace_data(ts[i]);
                if (i > 0 && d->n != nflips) s = gen_error_set(GEN_ERR_UNSUPPORTED, "batched: n must be the same for every particle");
                nflips = d->n;
                ss[i] = (gen_array *)gen_trace_score(ts[i]), rs[i] = (gen_array *)gen_trace_retval(ts[i]), ms[i] = d->m;
            }
        } else
            s = bb_assess1(f, ev, &ai, ci, &ws[i], &rs[i]);
    }
    gen_array *w = s == GEN_OK ? gen_stack((int)n, ws, 0) : NULL, *r = s == GEN_OK ? gen_batched(gen_stack((int)n, rs, 0)) : NULL;
    if (s == GEN_OK && (!w || !r)) s = gen_error_status();
    if (s == GEN_OK && gen) {
        gen_choicemap_builder *b = gen_choicemap_builder_new();
        gen_addr am = bb_addr_m();
        s = b ? gen_choicemap_builder_set(b, &am, gen_batched(gen_stack((int)n, ms, 0))) : GEN_ERR_OOM;
        for (int64_t j = 0; j < nflips && s == GEN_OK; j++) {
            int64_t *col = malloc((size_t)n * sizeof *col);
            for (int64_t i = 0; col && i < n; i++) col[i] = ((const bb_data *)gen_trace_data(ts[i]))->x[j];
            gen_addr ax = bb_addr_x(j);
            s = col ? gen_choicemap_builder_set(b, &ax, gen_batched(gen_array_from(GEN_I64, 1, &n, col))) : GEN_ERR_OOM;
            free(col);
        }
        gen_choicemap *choices = s == GEN_OK ? gen_choicemap_builder_finish(b) : NULL;
        gen_choicemap_builder_free(b);
        gen_array *score = s == GEN_OK ? gen_stack((int)n, ss, 0) : NULL;
        /* a batched trace keeps no per-particle data: only generate and assess run batched */
        *tr = choices && score ? gen_trace_new(f, args, r, choices, score, NULL) : NULL;
        if (s == GEN_OK && !*tr) s = gen_error_status();
        if (weight && s == GEN_OK) *weight = w;
    } else if (s == GEN_OK) {
        *weight = w;
        if (retval) *retval = r;
    }
    free(ws), free(ss), free(rs), free(ms), free(ts);
    gen_batch_resume(n);
    return s;
}

static gen_status bb_generate(const gen_gf *f, gen_key key, const gen_args *args, const gen_choicemap *cons,
                              gen_trace **tr, gen_array **weight) {
    if (gen_batch_size()) return bb_batched(f, key, NULL, args, cons, true, tr, weight, NULL);
    return bb_generate1(f, key, args, cons, tr, weight);
}

static gen_status bb_assess(const gen_gf *f, gen_eval *ev, const gen_args *args, const gen_choicemap *choices,
                            gen_array **weight, gen_array **retval) {
    if (gen_batch_size()) return bb_batched(f, gen_key_new(0), ev, args, choices, false, NULL, weight, retval);
    return bb_assess1(f, ev, args, choices, weight, retval);
}

static gen_status bb_no_batch(const gen_trace *tr, const char *op) {
    if (!gen_trace_batch_size(tr)) return GEN_OK;
    return gen_error_set(GEN_ERR_UNSUPPORTED, "%s of a batched trace is not implemented", op);
}

/* The selected flips (want[i] = 1) and their count and heads. */
static int64_t bb_selected(const gen_selection *sel, const bb_data *d, uint8_t *want, int64_t *h_sel) {
    int64_t k = 0, h = 0;
    for (int64_t i = 0; i < d->n; i++) {
        gen_addr ax = bb_addr_x(i);
        want[i] = gen_selection_contains(sel, &ax);
        k += want[i];
        h += want[i] ? d->x[i] : 0;
    }
    *h_sel = h;
    return k;
}

/* project's weight from the parts (see the top of the file). */
static gen_array *bb_project_w(const gen_array *c, const bb_data *d, bool m_sel, int64_t k, int64_t h_sel) {
    gen_array *w = bb_lp_flips(c, d->m, h_sel, k);
    return m_sel ? gen_add(w, gen_dist_logpdf(bb_prior_m(), d->m)) : w;
}

static gen_status bb_project(const gen_trace *tr, const gen_selection *sel, gen_array **weight) {
    gen_status s = bb_no_batch(tr, "project");
    if (s != GEN_OK) return s;
    const bb_data *d = gen_trace_data(tr);
    uint8_t *want = d->n ? calloc((size_t)d->n, 1) : NULL;
    if (d->n && !want) return gen_error_set(GEN_ERR_OOM, "out of memory");
    int64_t h_sel = 0, k = bb_selected(sel, d, want, &h_sel);
    gen_addr am = bb_addr_m();
    *weight = bb_project_w(gen_trace_args(tr)->v[0], d, gen_selection_contains(sel, &am), k, h_sel);
    free(want);
    return *weight ? GEN_OK : gen_error_status();
}

/* A copy of d's flips with a new m (retained) for the new trace. */
static bb_data *bb_copy(const bb_data *d, gen_array *m) {
    bb_data *e = calloc(1, sizeof *e);
    if (!e) return NULL;
    *e = *d;
    e->x = d->n ? malloc((size_t)d->n) : NULL;
    if (d->n && !e->x) {
        free(e);
        return NULL;
    }
    if (d->n) memcpy(e->x, d->x, (size_t)d->n);
    e->m = gen_array_retain(m);
    return e;
}

static gen_status bb_same_n(const gen_trace *tr, const gen_args *args, const gen_array **c) {
    int64_t n = 0;
    gen_status s = bb_args(args, c, &n);
    if (s == GEN_OK && n != ((const bb_data *)gen_trace_data(tr))->n)
        s = gen_error_set(GEN_ERR_UNSUPPORTED, "changing n (%lld to %lld) is not implemented",
                     (long long)((const bb_data *)gen_trace_data(tr))->n, (long long)n);
    return s;
}

/* O(constraints): the new m, the changed flips and h; the weight from the totals. */
static gen_status bb_update(const gen_trace *tr, gen_key key, const gen_args *args, const gen_diff *argdiffs,
                            const gen_choicemap *cons, gen_trace **new_tr, gen_array **weight, gen_diff *retdiff,
                            gen_choicemap **discard) {
    (void)key, (void)argdiffs;
    const gen_array *c = NULL;
    gen_status s = bb_no_batch(tr, "update");
    if (s == GEN_OK) s = bb_same_n(tr, args, &c);
    if (s != GEN_OK) return s;
    const bb_data *d = gen_trace_data(tr);
    gen_addr am = bb_addr_m();
    const gen_array *mc = gen_choicemap_find(cons, &am);
    if (mc && (gen_array_dtype(mc) != GEN_F64 || gen_array_ndim(mc) != 0))
        return gen_error_set(GEN_ERR_VALUE, "m must be a 0-d f64 array");
    bb_data *e = bb_copy(d, mc ? (gen_array *)mc : d->m);
    gen_choicemap_builder *b = gen_choicemap_builder_new();
    if (!e || !b) s = gen_error_set(GEN_ERR_OOM, "out of memory");
    if (s == GEN_OK && mc) s = gen_choicemap_builder_set(b, &am, d->m);
    gen_choicemap_iter it;
    gen_choicemap_iter_init(&it, cons);
    while (s == GEN_OK && gen_choicemap_iter_next(&it)) {
        if (gen_addr_equal(&it.addr, &am)) continue;
        int64_t i = bb_flip_of(&it.addr, d->n);
        uint8_t v = 0;
        if (i < 0) s = bb_unused(&it.addr);
        else if ((s = bb_flip_value(&it.addr, it.value, &v)) == GEN_OK) {
            s = gen_choicemap_builder_set(b, &it.addr, gen_scalar_i64(d->x[i]));
            e->h += (int64_t)v - (int64_t)e->x[i];
            e->x[i] = v;
        }
    }
    gen_array *score = s == GEN_OK ? gen_add(gen_dist_logpdf(bb_prior_m(), e->m), bb_lp_flips(c, e->m, e->h, e->n)) : NULL;
    gen_choicemap *disc = s == GEN_OK ? gen_choicemap_builder_finish(b) : NULL;
    gen_choicemap_builder_free(b);
    if (s == GEN_OK && (!score || !disc)) s = gen_error_status();
    if (s != GEN_OK) {
        if (e) {
            gen_array_release(e->m);
            free(e->x);
            free(e);
        }
        return s;
    }
    int64_t h_old = d->h;
    *new_tr = gen_trace_new(gen_trace_gf(tr), args, gen_scalar_i64(e->h), NULL, score, e);
    if (weight) *weight = gen_sub(score, gen_trace_score(tr));
    if (discard) *discard = disc;
    if (retdiff) *retdiff = e->h == h_old ? gen_diff_no_change() : gen_diff_unknown();
    return *new_tr && (!weight || *weight) ? GEN_OK : gen_error_status();
}

static gen_status bb_regenerate(const gen_trace *tr, gen_key key, const gen_args *args, const gen_diff *argdiffs,
                                const gen_selection *sel, gen_trace **new_tr, gen_array **weight, gen_diff *retdiff) {
    (void)argdiffs;
    const gen_array *c = NULL;
    gen_status s = bb_no_batch(tr, "regenerate");
    if (s == GEN_OK) s = bb_same_n(tr, args, &c);
    if (s != GEN_OK) return s;
    const bb_data *d = gen_trace_data(tr);
    gen_addr am = bb_addr_m();
    bool m_sel = gen_selection_contains(sel, &am);
    gen_array *m = m_sel ? gen_dist_sample(bb_prior_m(), gen_key_fold_in(key, 0), 0, NULL) : d->m;
    bb_data *e = m ? bb_copy(d, m) : NULL;
    uint8_t *want = d->n ? calloc((size_t)d->n, 1) : NULL;
    if (!e || (d->n && !want)) s = gen_error_set(GEN_ERR_OOM, "out of memory");
    int64_t h_sel_old = 0, h_sel_new = 0, k = 0;
    double cv = 0, mv = 0;
    if (s == GEN_OK) {
        k = bb_selected(sel, d, want, &h_sel_old);
        gen_item(c, &cv);
        gen_item(m, &mv);
        s = bb_draw(key, cv, mv, d->n, want, e->x, &h_sel_new);
        e->h = d->h - h_sel_old + h_sel_new;
    }
    free(want);
    gen_array *score = s == GEN_OK ? gen_add(gen_dist_logpdf(bb_prior_m(), m), bb_lp_flips(c, m, e->h, e->n)) : NULL;
    gen_array *w = NULL;
    if (score) {
        gen_array *pn = bb_project_w(c, e, m_sel, k, h_sel_new), *po = bb_project_w(gen_trace_args(tr)->v[0], d, m_sel, k, h_sel_old);
        w = pn && po ? gen_sub(gen_sub(score, pn), gen_sub(gen_trace_score(tr), po)) : NULL;
    }
    if (s == GEN_OK && !w) s = gen_error_status();
    if (s != GEN_OK) {
        if (e) {
            gen_array_release(e->m);
            free(e->x);
            free(e);
        }
        return s;
    }
    int64_t h_old = d->h, h_new = e->h;
    *new_tr = gen_trace_new(gen_trace_gf(tr), args, gen_scalar_i64(e->h), NULL, score, e);
    if (weight) *weight = w;
    if (retdiff) *retdiff = h_new == h_old ? gen_diff_no_change() : gen_diff_unknown();
    return *new_tr ? GEN_OK : gen_error_status();
}

static const gen_gf_vtable bb_vtable = {
    .kind = "beta_bernoulli",
    .generate = bb_generate,
    .assess = bb_assess,
    .project = bb_project,
    .update = bb_update,
    .regenerate = bb_regenerate,
    .free_trace_data = bb_free_trace,
    .build_choices = bb_build,
};

static inline gen_gf *bb_gf(void) { return gen_gf_new(&bb_vtable, "bb", NULL); }

#endif
