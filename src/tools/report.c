/* report.c — the report object of genc/report.h: creating and freeing it, and adding its
 * sections (draws, series, text, tables) as copies, each checked before anything is
 * added. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report_int.h"

char *rep_strdup(const char *s) {
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *c = core_alloc(n);
    if (c) memcpy(c, s, n);
    return c;
}

void rep_strfree(char *s) {
    if (s) core_free(s, strlen(s) + 1);
}

static void strs_free(char **v, int64_t n) {
    if (!v) return;
    for (int64_t i = 0; i < n; i++) rep_strfree(v[i]);
    core_free(v, (size_t)n * sizeof *v);
}

/* Copies of the n strings v[i] (NULL entries stay NULL); NULL on OOM (recorded). */
static char **strs_dup(const char *const *v, int64_t n) {
    char **c = core_calloc((size_t)(n ? n : 1), sizeof *c);
    if (!c) return NULL;
    for (int64_t i = 0; i < n; i++)
        if (v[i] && !(c[i] = rep_strdup(v[i]))) {
            strs_free(c, n ? n : 1);
            return NULL;
        }
    return c;
}

void rep_column(const rep_draws *d, int64_t j, double *out) {
    int64_t n = d->chains * d->draws;
    for (int64_t i = 0; i < n; i++) out[i] = d->x[i * d->cols + j];
}

static void section_free(rep_section *s) {
    switch (s->kind) {
    case REP_DRAWS: {
        rep_draws *d = &s->u.d;
        rep_strfree(d->title);
        strs_free(d->names, d->cols);
        core_free(d->x, (size_t)(d->chains * d->draws * d->cols) * sizeof *d->x);
        core_free(d->div, (size_t)(d->chains * d->draws));
        break;
    }
    case REP_SERIES: {
        rep_series *q = &s->u.s;
        rep_strfree(q->title), rep_strfree(q->xlabel), rep_strfree(q->ylabel), rep_strfree(q->ref_label);
        core_free(q->x, (size_t)q->n * sizeof *q->x);
        core_free(q->y, (size_t)q->n * sizeof *q->y);
        break;
    }
    case REP_TEXT:
        rep_strfree(s->u.t.heading), rep_strfree(s->u.t.text);
        break;
    case REP_TABLE: {
        rep_table *t = &s->u.tb;
        rep_strfree(t->title);
        if (t->header) strs_free(t->header, t->cols);
        strs_free(t->cells, t->rows * t->cols > 0 ? t->rows * t->cols : 1);
        break;
    }
    }
    core_free(s, sizeof *s);
}

gen_report *gen_report_new(const char *title) {
    if (!title) {
        GEN_FAIL(GEN_ERR_MISUSE, "gen_report_new: title is NULL");
        return NULL;
    }
    gen_report *r = core_calloc(1, sizeof *r);
    if (!r) return NULL;
    if (!(r->title = rep_strdup(title))) {
        core_free(r, sizeof *r);
        return NULL;
    }
    r->density = GEN_REPORT_KDE;
    return r;
}

void gen_report_free(gen_report *r) {
    if (!r) return;
    for (size_t i = 0; i < r->sections.len; i++) section_free(r->sections.items[i]);
    core_ptrvec_free(&r->sections);
    rep_strfree(r->title);
    core_free(r, sizeof *r);
}

/* Appends s (freeing it when that fails). */
static gen_status add_section(gen_report *r, rep_section *s, const char *fn) {
    if (core_ptrvec_push(&r->sections, s) != GEN_OK) {
        section_free(s);
        core_error_prefix("%s", fn);
        return GEN_ERR_OOM;
    }
    return GEN_OK;
}

static rep_section *new_section(rep_kind kind) {
    rep_section *s = core_calloc(1, sizeof *s);
    if (s) s->kind = kind;
    return s;
}

/* ---- draws ---- */

/* A host f64 copy of a's elements into out (n values); a is real, integer or bool. */
static gen_status read_f64(const gen_array *a, double *out, int64_t n) {
    gen_status st = gen_scope_begin();
    if (st != GEN_OK) return st;
    gen_array *h = gen_cast(gen_array_to_host(a), GEN_F64);
    const double *v = h ? gen_array_data(h) : NULL;
    if (v) memcpy(out, v, (size_t)n * sizeof *out);
    st = v ? GEN_OK : core_error_pending();
    gen_status se = gen_scope_end();
    return st != GEN_OK ? st : se;
}

static void shape_str(const gen_array *a, char *buf, size_t nbuf) {
    int nd = gen_array_ndim(a);
    const int64_t *sh = gen_array_shape(a);
    size_t k = (size_t)snprintf(buf, nbuf, "[");
    for (int i = 0; i < nd && k < nbuf; i++)
        k += (size_t)snprintf(buf + k, nbuf - k, i ? ", %lld" : "%lld", (long long)sh[i]);
    if (k < nbuf) snprintf(buf + k, nbuf - k, "]");
}

static gen_status check_draws(const char *title, const gen_array *draws, const char *const *names,
                              int64_t nnames, const gen_array *divergent, int64_t *dims) {
    const char *fn = "gen_report_add_draws";
    if (!title) return GEN_FAIL(GEN_ERR_MISUSE, "%s: title is NULL", fn);
    if (!draws) return GEN_FAIL(GEN_ERR_MISUSE, "%s: draws is NULL", fn);
    if (!names) return GEN_FAIL(GEN_ERR_MISUSE, "%s: names is NULL", fn);
    if (core_dead(draws)) return core_dead_fail(fn, "draws", draws, "an array");
    if (divergent && core_dead(divergent)) return core_dead_fail(fn, "divergent", divergent, "an array");
    if (gen_array_is_tuple(draws) || (divergent && gen_array_is_tuple(divergent)))
        return GEN_FAIL(GEN_ERR_DTYPE, "%s: %s is a tuple, not an array of numbers", fn,
                        gen_array_is_tuple(draws) ? "draws" : "divergent");
    char shape[96];
    shape_str(draws, shape, sizeof shape);
    int nd = gen_array_ndim(draws);
    if (nd != 2 && nd != 3)
        return GEN_FAIL(GEN_ERR_SHAPE, "%s: draws has shape %s: want [chains, draws, columns] or [chains, draws]",
                        fn, shape);
    const int64_t *sh = gen_array_shape(draws);
    dims[0] = sh[0], dims[1] = sh[1], dims[2] = nd == 3 ? sh[2] : 1;
    if (dims[0] < 1) return GEN_FAIL(GEN_ERR_SHAPE, "%s: draws has shape %s: no chains", fn, shape);
    if (dims[1] < 4)
        return GEN_FAIL(GEN_ERR_SHAPE, "%s: draws has shape %s: %lld draws per chain, need at least 4", fn,
                        shape, (long long)dims[1]);
    if (dims[2] < 1) return GEN_FAIL(GEN_ERR_SHAPE, "%s: draws has shape %s: no columns", fn, shape);
    if (nnames != dims[2])
        return GEN_FAIL(GEN_ERR_SHAPE, "%s: %lld names for the %lld columns of draws (shape %s)", fn,
                        (long long)nnames, (long long)dims[2], shape);
    for (int64_t j = 0; j < nnames; j++)
        if (!names[j]) return GEN_FAIL(GEN_ERR_MISUSE, "%s: names[%lld] is NULL", fn, (long long)j);
    if (divergent) {
        const int64_t *dv = gen_array_shape(divergent);
        if (gen_array_ndim(divergent) != 2 || dv[0] != dims[0] || dv[1] != dims[1]) {
            char ds[96];
            shape_str(divergent, ds, sizeof ds);
            return GEN_FAIL(GEN_ERR_SHAPE, "%s: divergent has shape %s but draws have %lld chains of %lld draws",
                            fn, ds, (long long)dims[0], (long long)dims[1]);
        }
    }
    if (dims[0] > INT64_MAX / 8 / dims[1] / dims[2])
        return GEN_FAIL(GEN_ERR_VALUE, "%s: draws of shape %s are too many", fn, shape);
    return GEN_OK;
}

gen_status gen_report_add_draws(gen_report *r, const char *title, const gen_array *draws,
                                const char *const *names, int64_t nnames,
                                const gen_array *divergent) {
    const char *fn = "gen_report_add_draws";
    if (!r) return GEN_FAIL(GEN_ERR_MISUSE, "%s: the report is NULL", fn);
    int64_t dims[3] = {0, 0, 0};
    gen_status st = check_draws(title, draws, names, nnames, divergent, dims);
    if (st != GEN_OK) return st;
    rep_section *s = new_section(REP_DRAWS);
    if (!s) return GEN_ERR_OOM;
    rep_draws *d = &s->u.d;
    int64_t n = dims[0] * dims[1];
    d->chains = dims[0], d->draws = dims[1], d->cols = dims[2];
    d->title = rep_strdup(title);
    d->names = strs_dup(names, nnames);
    d->x = core_alloc((size_t)(n * d->cols) * sizeof *d->x);
    double *dv = NULL;
    if (divergent) {
        d->div = core_alloc((size_t)n);
        dv = core_alloc((size_t)n * sizeof *dv);
    }
    if (!d->title || !d->names || !d->x || (divergent && (!d->div || !dv))) st = GEN_ERR_OOM;
    if (st == GEN_OK) st = read_f64(draws, d->x, n * d->cols);
    if (st == GEN_OK && divergent) {
        st = read_f64(divergent, dv, n);
        for (int64_t i = 0; st == GEN_OK && i < n; i++) d->div[i] = dv[i] != 0;
    }
    if (dv) core_free(dv, (size_t)n * sizeof *dv);
    if (st != GEN_OK) {
        section_free(s);
        core_error_prefix("%s", fn);
        return st;
    }
    d->npairs = (int)(d->cols < 4 ? d->cols : 4);
    if (d->npairs < 2) d->npairs = 0;
    for (int k = 0; k < d->npairs; k++) d->pairs[k] = k;
    st = add_section(r, s, fn);
    if (st == GEN_OK) r->last_draws = d;
    return st;
}

gen_status gen_report_set_pairs(gen_report *r, const char *const *names, int64_t n) {
    const char *fn = "gen_report_set_pairs";
    if (!r) return GEN_FAIL(GEN_ERR_MISUSE, "%s: the report is NULL", fn);
    if (!names && n > 0) return GEN_FAIL(GEN_ERR_MISUSE, "%s: names is NULL", fn);
    rep_draws *d = r->last_draws;
    if (!d) return GEN_FAIL(GEN_ERR_MISUSE, "%s: the report has no draws yet (gen_report_add_draws)", fn);
    if (n < 0 || n > GEN_REPORT_MAX_PAIRS || n == 1)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: n = %lld: choose 0 (no pair plot) or 2 to %d columns", fn,
                        (long long)n, GEN_REPORT_MAX_PAIRS);
    int64_t pick[GEN_REPORT_MAX_PAIRS];
    for (int64_t k = 0; k < n; k++) {
        if (!names[k]) return GEN_FAIL(GEN_ERR_MISUSE, "%s: names[%lld] is NULL", fn, (long long)k);
        pick[k] = -1;
        for (int64_t j = 0; j < d->cols && pick[k] < 0; j++)
            if (strcmp(d->names[j], names[k]) == 0) pick[k] = j;
        if (pick[k] < 0)
            return GEN_FAIL(GEN_ERR_VALUE, "%s: no column '%s' in the draws '%s'", fn, names[k], d->title);
    }
    d->npairs = (int)n;
    memcpy(d->pairs, pick, (size_t)n * sizeof *pick);
    return GEN_OK;
}

gen_status gen_report_set_density(gen_report *r, gen_report_density kind) {
    if (!r) return GEN_FAIL(GEN_ERR_MISUSE, "gen_report_set_density: the report is NULL");
    if (kind != GEN_REPORT_KDE && kind != GEN_REPORT_HISTOGRAM)
        return GEN_FAIL(GEN_ERR_VALUE, "gen_report_set_density: %d is not a density kind", (int)kind);
    r->density = kind;
    return GEN_OK;
}

/* ---- series, text, tables ---- */

static double *doubles_dup(const double *v, int64_t n) {
    double *c = core_alloc((size_t)n * sizeof *c);
    if (c) memcpy(c, v, (size_t)n * sizeof *c);
    return c;
}

gen_status gen_report_add_series(gen_report *r, const gen_report_series *s) {
    const char *fn = "gen_report_add_series";
    if (!r) return GEN_FAIL(GEN_ERR_MISUSE, "%s: the report is NULL", fn);
    if (!s) return GEN_FAIL(GEN_ERR_MISUSE, "%s: the series is NULL", fn);
    if (!s->title) return GEN_FAIL(GEN_ERR_MISUSE, "%s: the series' title is NULL", fn);
    if (!s->y) return GEN_FAIL(GEN_ERR_MISUSE, "%s: series '%s': y is NULL", fn, s->title);
    if (s->n < 1) return GEN_FAIL(GEN_ERR_VALUE, "%s: series '%s': n = %lld, need at least 1 point", fn,
                                  s->title, (long long)s->n);
    if (s->has_reference && !isfinite(s->reference))
        return GEN_FAIL(GEN_ERR_VALUE, "%s: series '%s': the reference %g is not finite", fn, s->title,
                        s->reference);
    if (s->n > INT64_MAX / 16) return GEN_FAIL(GEN_ERR_VALUE, "%s: series '%s': n is too large", fn, s->title);
    rep_section *sec = new_section(REP_SERIES);
    if (!sec) return GEN_ERR_OOM;
    rep_series *q = &sec->u.s;
    q->n = s->n;
    q->has_ref = s->has_reference, q->ref = s->reference;
    q->title = rep_strdup(s->title);
    q->ref_label = rep_strdup(s->reference_label ? s->reference_label : "reference");
    q->y = doubles_dup(s->y, s->n);
    if (s->x) q->x = doubles_dup(s->x, s->n);
    else if ((q->x = core_alloc((size_t)s->n * sizeof *q->x)))
        for (int64_t i = 0; i < s->n; i++) q->x[i] = (double)i;
    bool ok = q->title && q->ref_label && q->y && q->x;
    if (ok && s->xlabel) ok = (q->xlabel = rep_strdup(s->xlabel)) != NULL;
    if (ok && s->ylabel) ok = (q->ylabel = rep_strdup(s->ylabel)) != NULL;
    if (!ok) {
        section_free(sec);
        core_error_prefix("%s", fn);
        return GEN_ERR_OOM;
    }
    return add_section(r, sec, fn);
}

gen_status gen_report_add_text(gen_report *r, const char *heading, const char *text) {
    const char *fn = "gen_report_add_text";
    if (!r) return GEN_FAIL(GEN_ERR_MISUSE, "%s: the report is NULL", fn);
    if (!text) return GEN_FAIL(GEN_ERR_MISUSE, "%s: text is NULL", fn);
    rep_section *s = new_section(REP_TEXT);
    if (!s) return GEN_ERR_OOM;
    s->u.t.text = rep_strdup(text);
    bool ok = s->u.t.text != NULL;
    if (ok && heading) ok = (s->u.t.heading = rep_strdup(heading)) != NULL;
    if (!ok) {
        section_free(s);
        core_error_prefix("%s", fn);
        return GEN_ERR_OOM;
    }
    return add_section(r, s, fn);
}

gen_status gen_report_add_table(gen_report *r, const char *title, int64_t nrows,
                                int64_t ncols, const char *const *header,
                                const char *const *cells) {
    const char *fn = "gen_report_add_table";
    if (!r) return GEN_FAIL(GEN_ERR_MISUSE, "%s: the report is NULL", fn);
    if (nrows < 0 || ncols < 0 || (ncols == 0 && nrows > 0) || (nrows > 0 && ncols > INT64_MAX / 8 / nrows))
        return GEN_FAIL(GEN_ERR_VALUE, "%s: a table of %lld rows and %lld columns", fn, (long long)nrows,
                        (long long)ncols);
    if (!cells && nrows * ncols > 0) return GEN_FAIL(GEN_ERR_MISUSE, "%s: cells is NULL", fn);
    rep_section *s = new_section(REP_TABLE);
    if (!s) return GEN_ERR_OOM;
    rep_table *t = &s->u.tb;
    t->rows = nrows, t->cols = ncols;
    const char *const none[1] = {NULL};
    t->cells = strs_dup(nrows * ncols > 0 ? cells : none, nrows * ncols);
    bool ok = t->cells != NULL;
    if (ok && title) ok = (t->title = rep_strdup(title)) != NULL;
    if (ok && header && ncols > 0) ok = (t->header = strs_dup(header, ncols)) != NULL;
    if (!ok) {
        section_free(s);
        core_error_prefix("%s", fn);
        return GEN_ERR_OOM;
    }
    return add_section(r, s, fn);
}
