/* diff.c — rich diffs (vector, int, set, map): validation, the lookups combinators use
 * (did element i / key k change), and deep copies (optionally inverted) for edit
 * requests, which must own what they hold. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "gfi_int.h"

#define DIFF_MAX_DEPTH 64
#define LABEL_MAX 512

/* ---- validation ---- */

/* The label of the diff being checked ("argdiff 0 element 3"), grown as checks nest. */
typedef struct label {
    char buf[LABEL_MAX];
    size_t len;
} label;

static size_t label_push(label *l, const char *fmt, ...) CORE_PRINTF(2, 3);
static size_t label_push(label *l, const char *fmt, ...) {
    size_t old = l->len;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(l->buf + old, sizeof l->buf - old, fmt, ap);
    va_end(ap);
    if (n > 0) l->len = old + (size_t)n < sizeof l->buf ? old + (size_t)n : sizeof l->buf - 1;
    return old;
}

static void label_pop(label *l, size_t old) {
    l->len = old;
    l->buf[old] = '\0';
}

static gen_status check_rec(const gen_diff *d, label *l, int depth);

static gen_status check_count(const label *l, const char *what, const char *list, int64_t n,
                              const void *p) {
    if (n < 0)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: %s diff: %s count is negative (%lld)", l->buf, what,
                        list, (long long)n);
    if (n > 0 && !p)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: %s diff: %s has %lld entries but a NULL array",
                        l->buf, what, list, (long long)n);
    return GEN_OK;
}

/* Nested diffs diffs[0..n) (NULL: all unknown), labelled by index or key. */
static gen_status check_nested(const gen_diff *diffs, int64_t n, const int64_t *idx,
                               const gen_part *keys, label *l, int depth) {
    for (int64_t k = 0; diffs && k < n; k++) {
        char part[GEN_ADDR_FORMAT_MAX];
        if (!idx) gen_part_format(keys[k], part, sizeof part);
        size_t old = idx ? label_push(l, " element %lld", (long long)idx[k])
                         : label_push(l, " key %s", part);
        gen_status s = check_rec(&diffs[k], l, depth + 1);
        label_pop(l, old);
        if (s != GEN_OK) return s;
    }
    return GEN_OK;
}

static gen_status check_vector(const gen_vector_diff *v, label *l, int depth) {
    if (v->new_length < 0 || v->prev_length < 0)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: vector diff: negative length (prev %lld, new %lld)",
                        l->buf, (long long)v->prev_length, (long long)v->new_length);
    gen_status s = check_count(l, "vector", "updated", v->n_updated, v->updated);
    if (s != GEN_OK) return s;
    int64_t min = v->new_length < v->prev_length ? v->new_length : v->prev_length;
    for (int64_t k = 0; k < v->n_updated; k++) {
        int64_t i = v->updated[k];
        if (i < 0 || i >= min)
            return GEN_FAIL(GEN_ERR_VALUE,
                            "%s: vector diff: updated index %lld is not in [0, min(prev length "
                            "%lld, new length %lld))",
                            l->buf, (long long)i, (long long)v->prev_length,
                            (long long)v->new_length);
        if (k > 0 && i <= v->updated[k - 1])
            return GEN_FAIL(GEN_ERR_VALUE,
                            "%s: vector diff: updated indices must be strictly increasing: %lld "
                            "follows %lld",
                            l->buf, (long long)i, (long long)v->updated[k - 1]);
    }
    return check_nested(v->updated_diffs, v->n_updated, v->updated, NULL, l, depth);
}

/* parts[0..n) valid and strictly increasing. */
static gen_status check_parts(const label *l, const char *what, const char *list, int64_t n,
                              const gen_part *p) {
    gen_status s = check_count(l, what, list, n, p);
    for (int64_t k = 0; s == GEN_OK && k < n; k++) {
        if (!gen_part_valid(p[k]))
            return GEN_FAIL(GEN_ERR_VALUE, "%s: %s diff: %s part %lld is invalid", l->buf, what,
                            list, (long long)k);
        if (k > 0 && gen_part_compare(p[k - 1], p[k]) >= 0) {
            char a[GEN_ADDR_FORMAT_MAX], b[GEN_ADDR_FORMAT_MAX];
            gen_part_format(p[k - 1], a, sizeof a);
            gen_part_format(p[k], b, sizeof b);
            return GEN_FAIL(GEN_ERR_VALUE,
                            "%s: %s diff: %s parts must be strictly increasing (gen_part_compare): "
                            "%s follows %s",
                            l->buf, what, list, b, a);
        }
    }
    return s;
}

/* Two sorted lists share no part. */
static gen_status check_disjoint(const label *l, const char *what, const char *la, int64_t na,
                                 const gen_part *a, const char *lb, int64_t nb, const gen_part *b) {
    for (int64_t i = 0, j = 0; i < na && j < nb;) {
        int c = gen_part_compare(a[i], b[j]);
        if (c == 0) {
            char buf[GEN_ADDR_FORMAT_MAX];
            gen_part_format(a[i], buf, sizeof buf);
            return GEN_FAIL(GEN_ERR_VALUE, "%s: %s diff: %s is both %s and %s", l->buf, what, buf,
                            la, lb);
        }
        i += c < 0;
        j += c > 0;
    }
    return GEN_OK;
}

static gen_status check_set(const gen_set_diff *d, label *l) {
    gen_status s = check_parts(l, "set", "added", d->n_added, d->added);
    if (s == GEN_OK) s = check_parts(l, "set", "deleted", d->n_deleted, d->deleted);
    if (s == GEN_OK)
        s = check_disjoint(l, "set", "added", d->n_added, d->added, "deleted", d->n_deleted,
                           d->deleted);
    return s;
}

static gen_status check_map(const gen_map_diff *d, label *l, int depth) {
    gen_status s = check_parts(l, "map", "added", d->n_added, d->added);
    if (s == GEN_OK) s = check_parts(l, "map", "deleted", d->n_deleted, d->deleted);
    if (s == GEN_OK) s = check_parts(l, "map", "updated", d->n_updated, d->updated);
    if (s == GEN_OK)
        s = check_disjoint(l, "map", "added", d->n_added, d->added, "deleted", d->n_deleted,
                           d->deleted);
    if (s == GEN_OK)
        s = check_disjoint(l, "map", "added", d->n_added, d->added, "updated", d->n_updated,
                           d->updated);
    if (s == GEN_OK)
        s = check_disjoint(l, "map", "deleted", d->n_deleted, d->deleted, "updated", d->n_updated,
                           d->updated);
    if (s == GEN_OK) s = check_nested(d->updated_diffs, d->n_updated, NULL, d->updated, l, depth);
    return s;
}

static gen_status check_rec(const gen_diff *d, label *l, int depth) {
    if (depth > DIFF_MAX_DEPTH)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: diffs nested more than %d deep (a cycle?)", l->buf,
                        DIFF_MAX_DEPTH);
    static const char *const names[] = {"no-change", "unknown", "vector", "int", "set", "map"};
    switch (d->kind) {
    case GEN_DIFF_NO_CHANGE:
    case GEN_DIFF_UNKNOWN:
        if (d->detail)
            return GEN_FAIL(GEN_ERR_VALUE, "%s: a %s diff has a non-NULL detail", l->buf,
                            names[d->kind]);
        return GEN_OK;
    case GEN_DIFF_INT:
        return GEN_OK;
    case GEN_DIFF_VECTOR:
    case GEN_DIFF_SET:
    case GEN_DIFF_MAP:
        if (!d->detail)
            return GEN_FAIL(GEN_ERR_VALUE, "%s: %s diff has a NULL payload", l->buf,
                            names[d->kind]);
        if (d->kind == GEN_DIFF_VECTOR) return check_vector(d->vector, l, depth);
        if (d->kind == GEN_DIFF_SET) return check_set(d->set, l);
        return check_map(d->map, l, depth);
    }
    return GEN_FAIL(GEN_ERR_VALUE, "%s has unknown kind %d", l->buf, (int)d->kind);
}

gen_status gfi_diff_check_as(const gen_diff *d, const char *what) {
    label l = {.len = 0};
    label_push(&l, "%s", what);
    return check_rec(d, &l, 0);
}

gen_status gfi_diff_check_arg(const gen_diff *d, int i) {
    /* the common diffs are checked without their label (formatting it cost a few % of a
     * particle filter's update) */
    if (((d->kind == GEN_DIFF_NO_CHANGE || d->kind == GEN_DIFF_UNKNOWN) && !d->detail) || d->kind == GEN_DIFF_INT)
        return GEN_OK;
    char what[32];
    snprintf(what, sizeof what, "argdiff %d", i);
    return gfi_diff_check_as(d, what);
}

gen_status gen_diff_check(const gen_diff *d) {
    if (!d) return GEN_FAIL(GEN_ERR_MISUSE, "gen_diff_check: the diff is NULL");
    return gfi_diff_check_as(d, "diff");
}

/* ---- lookups ---- */

bool gen_diff_is_no_change(const gen_diff *d) {
    if (!d) return false;
    switch (d->kind) {
    case GEN_DIFF_NO_CHANGE:
        return true;
    case GEN_DIFF_INT:
        return d->delta == 0;
    case GEN_DIFF_VECTOR: {
        const gen_vector_diff *v = d->vector;
        if (v->new_length != v->prev_length) return false;
        if (v->n_updated > 0 && !v->updated_diffs) return false;
        for (int64_t k = 0; k < v->n_updated; k++)
            if (!gen_diff_is_no_change(&v->updated_diffs[k])) return false;
        return true;
    }
    case GEN_DIFF_SET:
        return d->set->n_added == 0 && d->set->n_deleted == 0;
    case GEN_DIFF_MAP: {
        const gen_map_diff *m = d->map;
        if (m->n_added || m->n_deleted) return false;
        if (m->n_updated > 0 && !m->updated_diffs) return false;
        for (int64_t k = 0; k < m->n_updated; k++)
            if (!gen_diff_is_no_change(&m->updated_diffs[k])) return false;
        return true;
    }
    default:
        return false;
    }
}

/* Index of i in the sorted idx[0..n), or -1. */
static int64_t find_index(const int64_t *idx, int64_t n, int64_t i) {
    int64_t lo = 0, hi = n;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (idx[mid] < i) lo = mid + 1;
        else hi = mid;
    }
    return lo < n && idx[lo] == i ? lo : -1;
}

static int64_t find_part(const gen_part *p, int64_t n, gen_part key) {
    int64_t lo = 0, hi = n;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (gen_part_compare(p[mid], key) < 0) lo = mid + 1;
        else hi = mid;
    }
    return lo < n && gen_part_equal(p[lo], key) ? lo : -1;
}

gen_diff gen_diff_element(const gen_diff *d, int64_t i) {
    if (d && d->kind == GEN_DIFF_NO_CHANGE) return gen_diff_no_change();
    if (!d || d->kind != GEN_DIFF_VECTOR || !d->vector) return gen_diff_unknown();
    const gen_vector_diff *v = d->vector;
    if (i < 0 || i >= v->new_length || i >= v->prev_length) return gen_diff_unknown();
    int64_t k = find_index(v->updated, v->n_updated, i);
    if (k < 0) return gen_diff_no_change();
    return v->updated_diffs ? v->updated_diffs[k] : gen_diff_unknown();
}

bool gen_diff_element_changed(const gen_diff *d, int64_t i) {
    gen_diff e = gen_diff_element(d, i);
    return !gen_diff_is_no_change(&e);
}

gen_diff gen_diff_key(const gen_diff *d, gen_part key) {
    if (d && d->kind == GEN_DIFF_NO_CHANGE) return gen_diff_no_change();
    if (!d || !d->detail) return gen_diff_unknown();
    if (d->kind == GEN_DIFF_SET) {
        const gen_set_diff *s = d->set;
        bool moved = find_part(s->added, s->n_added, key) >= 0 ||
                     find_part(s->deleted, s->n_deleted, key) >= 0;
        return moved ? gen_diff_unknown() : gen_diff_no_change();
    }
    if (d->kind != GEN_DIFF_MAP) return gen_diff_unknown();
    const gen_map_diff *m = d->map;
    if (find_part(m->added, m->n_added, key) >= 0 || find_part(m->deleted, m->n_deleted, key) >= 0)
        return gen_diff_unknown();
    int64_t k = find_part(m->updated, m->n_updated, key);
    if (k < 0) return gen_diff_no_change();
    return m->updated_diffs ? m->updated_diffs[k] : gen_diff_unknown();
}

/* ---- deep copies: one block, the n top-level diffs first, then every payload ---- */

static size_t payload_bytes(const gen_diff *d) {
    size_t b = 0;
    const gen_diff *nested = NULL;
    int64_t nn = 0;
    if (d->kind == GEN_DIFF_VECTOR) {
        b = sizeof(gen_vector_diff) + (size_t)d->vector->n_updated * sizeof(int64_t);
        nested = d->vector->updated_diffs;
        nn = d->vector->n_updated;
    } else if (d->kind == GEN_DIFF_SET) {
        b = sizeof(gen_set_diff) + (size_t)(d->set->n_added + d->set->n_deleted) * sizeof(gen_part);
    } else if (d->kind == GEN_DIFF_MAP) {
        const gen_map_diff *m = d->map;
        b = sizeof(gen_map_diff) + (size_t)(m->n_added + m->n_deleted + m->n_updated) * sizeof(gen_part);
        nested = m->updated_diffs;
        nn = m->n_updated;
    }
    if (nested) b += (size_t)nn * sizeof(gen_diff);
    for (int64_t k = 0; nested && k < nn; k++) b += payload_bytes(&nested[k]);
    return b;
}

/* Carves n bytes (a multiple of 8: every payload piece is) from *cur. */
static void *take(char **cur, size_t n) {
    void *p = *cur;
    *cur += n;
    return p;
}

static const void *copy_bytes(char **cur, const void *src, size_t n) {
    if (n == 0) return NULL;
    return memcpy(take(cur, n), src, n);
}

static gen_diff copy_rec(const gen_diff *d, bool invert, char **cur);

static const gen_diff *copy_nested(const gen_diff *src, int64_t n, bool invert, char **cur) {
    if (!src) return NULL;
    gen_diff *out = take(cur, (size_t)n * sizeof *out);
    for (int64_t k = 0; k < n; k++) out[k] = copy_rec(&src[k], invert, cur);
    return out;
}

static gen_diff copy_rec(const gen_diff *d, bool invert, char **cur) {
    gen_diff r = *d;
    if (d->kind == GEN_DIFF_INT && invert)
        r = d->delta == INT64_MIN ? gen_diff_unknown() : gen_diff_int(-d->delta);
    else if (d->kind == GEN_DIFF_VECTOR) {
        const gen_vector_diff *v = d->vector;
        gen_vector_diff *c = take(cur, sizeof *c);
        c->new_length = invert ? v->prev_length : v->new_length;
        c->prev_length = invert ? v->new_length : v->prev_length;
        c->n_updated = v->n_updated;
        c->updated = copy_bytes(cur, v->updated, (size_t)v->n_updated * sizeof(int64_t));
        c->updated_diffs = copy_nested(v->updated_diffs, v->n_updated, invert, cur);
        r.vector = c;
    } else if (d->kind == GEN_DIFF_SET) {
        const gen_set_diff *s = d->set;
        gen_set_diff *c = take(cur, sizeof *c);
        c->n_added = invert ? s->n_deleted : s->n_added;
        c->n_deleted = invert ? s->n_added : s->n_deleted;
        c->added = copy_bytes(cur, invert ? s->deleted : s->added, (size_t)c->n_added * sizeof(gen_part));
        c->deleted = copy_bytes(cur, invert ? s->added : s->deleted, (size_t)c->n_deleted * sizeof(gen_part));
        r.set = c;
    } else if (d->kind == GEN_DIFF_MAP) {
        const gen_map_diff *m = d->map;
        gen_map_diff *c = take(cur, sizeof *c);
        c->n_added = invert ? m->n_deleted : m->n_added;
        c->n_deleted = invert ? m->n_added : m->n_deleted;
        c->added = copy_bytes(cur, invert ? m->deleted : m->added, (size_t)c->n_added * sizeof(gen_part));
        c->deleted = copy_bytes(cur, invert ? m->added : m->deleted, (size_t)c->n_deleted * sizeof(gen_part));
        c->n_updated = m->n_updated;
        c->updated = copy_bytes(cur, m->updated, (size_t)m->n_updated * sizeof(gen_part));
        c->updated_diffs = copy_nested(m->updated_diffs, m->n_updated, invert, cur);
        r.map = c;
    }
    return r;
}

gen_diff *gfi_diffs_copy(int n, const gen_diff *src, bool invert, size_t *bytes) {
    *bytes = 0;
    if (n <= 0) return NULL;
    size_t b = (size_t)n * sizeof(gen_diff);
    for (int i = 0; src && i < n; i++) b += payload_bytes(&src[i]);
    gen_diff *out = core_alloc(b);
    if (!out) return NULL;
    char *cur = (char *)(out + n);
    for (int i = 0; i < n; i++) out[i] = src ? copy_rec(&src[i], invert, &cur) : gen_diff_no_change();
    *bytes = b;
    return out;
}
