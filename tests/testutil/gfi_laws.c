/* gfi_laws.c — the GFI law checks of gfi_laws.h. */
#include "gfi_laws.h"

#include <math.h>
#include <stdio.h>

#define TOL 1e-9

static void fail(const char *file, int line, const char *what, uint64_t seed, const char *msg) {
    check_fail(file, line, "%s (seed %llu): %s%s%s", what, (unsigned long long)seed, msg,
               gen_error_status() ? ": " : "", gen_error_status() ? gen_error_message() : "");
}

static bool close_to(double a, double b) {
    if (a == b) return true;
    return fabs(a - b) <= TOL * fmax(1.0, fmax(fabs(a), fabs(b)));
}

static double item(const gen_array *a) {
    double v = NAN;
    if (a) gen_item(a, &v);
    return v;
}

/* The k-th f64 scalar choice of m (deep order), or false. */
typedef struct pick {
    int64_t k, seen;
    gen_addr addr;
    double value;
    bool found;
} pick;

static gen_status visit(void *ud, const gen_addr *addr, const gen_array *v) {
    pick *p = ud;
    if (gen_array_dtype(v) != GEN_F64 || gen_array_ndim(v) != 0) return GEN_OK;
    if (p->seen++ == p->k) {
        p->addr = *addr;
        p->value = item(v);
        p->found = true;
    }
    return GEN_OK;
}

static void laws_one(const char *file, int line, const char *what, const gen_gf *f,
                     const gen_args *args, uint64_t seed) {
    gen_trace *tr = NULL;
    if (gen_simulate(f, gen_key_new(seed), args, &tr) != GEN_OK) return fail(file, line, what, seed, "simulate failed");
    double score = item(gen_trace_score(tr));
    const gen_choicemap *cm = gen_trace_choices(tr);
    gen_array *aw = NULL, *gw = NULL, *pa = NULL, *pw = NULL, *paw = NULL;
    gen_trace *t2 = NULL;
    if (gen_assess(f, args, cm, &aw, NULL) != GEN_OK || !close_to(item(aw), score))
        return fail(file, line, what, seed, "assess of the choices is not the score");
    if (gen_generate(f, gen_key_new(seed + 1000), args, cm, &t2, &gw) != GEN_OK || !close_to(item(gw), score) ||
        !gen_choicemap_equal(gen_trace_choices(t2), cm))
        return fail(file, line, what, seed, "generate with every choice constrained");
    if (gen_project(tr, gen_select_all(), &pa) != GEN_OK || !close_to(item(pa), score))
        return fail(file, line, what, seed, "project(all) is not the score");
    gen_choicemap *pc = NULL;
    if (gen_propose(f, gen_key_new(seed + 2000), args, &pc, &pw, NULL) != GEN_OK ||
        gen_assess(f, args, pc, &paw, NULL) != GEN_OK || !close_to(item(pw), item(paw)))
        return fail(file, line, what, seed, "propose's weight is not assess of its choices");

    int n = args ? args->n : 0;
    gen_diff same[16];
    for (int i = 0; i < n && i < 16; i++) same[i] = gen_diff_no_change();
    const gen_diff *nc = n <= 16 ? same : NULL;
    gen_trace *t3 = NULL;
    gen_array *w = NULL;
    if (gen_update(tr, gen_key_new(seed + 3000), args, nc, gen_choicemap_empty(), &t3, &w, NULL, NULL) != GEN_OK ||
        item(w) != 0 || !gen_choicemap_equal(gen_trace_choices(t3), cm))
        return fail(file, line, what, seed, "an empty update is not the identity with weight 0");

    pick p = {.k = (int64_t)(seed % 7)};
    gen_choicemap_foreach(cm, visit, &p);
    if (!p.found && p.seen > 0) {
        p.k = (int64_t)(seed % (uint64_t)p.seen);
        p.seen = 0;
        gen_choicemap_foreach(cm, visit, &p);
    }
    if (!p.found) return; /* no f64 scalar choice to move */
    gen_choicemap *c = gen_choicemap_set(gen_choicemap_empty(), &p.addr, gen_scalar(p.value + 0.1));
    gen_trace *t4 = NULL, *t5 = NULL;
    gen_choicemap *disc = NULL;
    gen_array *w4 = NULL, *w5 = NULL;
    if (gen_update(tr, gen_key_new(seed + 4000), args, nc, c, &t4, &w4, NULL, &disc) != GEN_OK)
        return fail(file, line, what, seed, "update of one choice failed");
    bool same_set = gen_choicemap_count(gen_trace_choices(t4)) == gen_choicemap_count(cm);
    if (same_set && isfinite(item(w4)) &&
        !close_to(item(w4), item(gen_trace_score(t4)) - score))
        return fail(file, line, what, seed, "update's weight is not the score difference");
    if (gen_update(t4, gen_key_new(seed + 5000), args, nc, disc, &t5, &w5, NULL, NULL) != GEN_OK ||
        !gen_choicemap_equal(gen_trace_choices(t5), cm) || (same_set && !close_to(item(w5), -item(w4))))
        return fail(file, line, what, seed, "updating back with the discard");

    gen_selection *sel = gen_select(1, &p.addr);
    gen_trace *t6 = NULL;
    gen_array *w6 = NULL, *po = NULL, *pn = NULL;
    if (gen_regenerate(tr, gen_key_new(seed + 6000), args, nc, sel, &t6, &w6, NULL) != GEN_OK)
        return fail(file, line, what, seed, "regenerate of one choice failed");
    if (gen_choicemap_count(gen_trace_choices(t6)) == gen_choicemap_count(cm) &&
        gen_choicemap_has_value(gen_trace_choices(t6), &p.addr)) {
        if (gen_project(tr, sel, &po) != GEN_OK || gen_project(t6, sel, &pn) != GEN_OK)
            return fail(file, line, what, seed, "project of the regenerated choice failed");
        double want = (item(gen_trace_score(t6)) - item(pn)) - (score - item(po));
        if (isfinite(want) && !close_to(item(w6), want))
            return fail(file, line, what, seed, "regenerate's weight is not its definition");
    }
}

static void batched(const char *file, int line, const char *what, const gen_gf *f,
                    const gen_args *args, int64_t n) {
    gen_trace *tr = NULL;
    if (gen_simulate_batched(f, gen_key_new(77), n, args, &tr) != GEN_OK)
        return fail(file, line, what, 77, "simulate_batched failed");
    const double *s = gen_array_data(gen_trace_score(tr));
    if (gen_array_ndim(gen_trace_score(tr)) != 1 || gen_array_shape(gen_trace_score(tr))[0] != n)
        return fail(file, line, what, 77, "the batched score is not [n]");
    for (int64_t i = 0; i < n; i++) {
        gen_array *w = NULL;
        gen_choicemap *ci = gen_choicemap_particle(gen_trace_choices(tr), i);
        if (!ci || gen_assess(f, args, ci, &w, NULL) != GEN_OK || !close_to(item(w), s[i]))
            return fail(file, line, what, 77, "a particle's batched score is not assess of its choices");
    }
}

void check_gfi_laws_at(const char *file, int line, const char *what, const gen_gf *f,
                       const gen_args *args, int n_seeds, int64_t batched_n) {
    for (int seed = 1; seed <= n_seeds; seed++) {
        gen_scope_begin();
        gen_error_clear();
        laws_one(file, line, what, f, args, (uint64_t)seed);
        gen_scope_end();
    }
    if (batched_n > 0) {
        gen_scope_begin();
        gen_error_clear();
        batched(file, line, what, f, args, batched_n);
        gen_scope_end();
    }
}
