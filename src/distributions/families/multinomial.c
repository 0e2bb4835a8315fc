/* multinomial.c — Multinomial(n, p [..., K]): count vectors [..., K] summing to n, log
 * mass log n! - sum log x_k! + sum x_k log p_k (0 log 0 = 0); sampled by sequential
 * conditional binomials; small supports enumerate in lexicographic order. */
#include <stdlib.h>
#include <string.h>

#include "discrete_util.h"

#define MULTINOMIAL_ENUM_MAX 100000 /* compositions listed by enumerate */

static const char *const names[] = {"n", "p"};

static int64_t num_categories(const gen_dist *d) { return d->event_shape[0]; }

static gen_array *multinomial_logpdf(const gen_dist *d, const gen_array *x) {
    gen_dtype t = disc_ftype(d);
    gen_array *n = disc_value(d->params[0], t), *p = gen_cast(d->params[1], t);
    gen_array *xok = gen_logical_and(disc_is_int(x), gen_ge(x, gen_scalar_i64(0)));
    gen_array *xf = disc_value(dist_safe(xok, x, 0), t);
    gen_array *ok = gen_logical_and(gen_all(xok, GEN_AXES(-1), false),
                                    gen_eq(dist_sum_last(xf, 1), n));
    gen_array *k = gen_where(gen_expand_dims(ok, -1), xf, dist_const(xf, 0));
    gen_array *terms = gen_sub(disc_xlogy(k, disc_log(p)), disc_lfact(k));
    return dist_mask_support(ok, gen_add(disc_lfact(n), dist_sum_last(terms, 1)));
}

/* x_j ~ Binomial(n - x_0 - ... - x_{j-1}, p_j / (p_j + ... + p_{K-1})), the last
 * category taking the rest; each category has its own key (fold_in j). */
static gen_array *multinomial_sample(const gen_dist *d, gen_key key, int ndim, const int64_t *shape) {
    int64_t k = num_categories(d);
    int bnd = ndim - 1; /* sample + batch */
    gen_array **cols = core_calloc((size_t)k, sizeof *cols);
    if (!cols || gen_scope_begin() != GEN_OK) {
        core_free(cols, (size_t)k * sizeof *cols);
        return NULL;
    }
    gen_array *p = gen_cast(d->params[1], GEN_F64);
    gen_array *tail = gen_flip(gen_cumsum(gen_flip(p, -1), -1), -1);
    gen_array *pos = gen_gt(tail, gen_scalar(0));
    gen_array *q = gen_where(pos, gen_minimum(gen_div(p, dist_safe(pos, tail, 1)), gen_scalar(1)), gen_scalar(0));
    gen_array *rest = gen_broadcast_to(gen_cast(d->params[0], GEN_I64), bnd, shape);
    for (int64_t j = 0; j + 1 < k && rest; j++) {
        gen_array *qj = gen_broadcast_to(gen_squeeze(gen_slice(q, -1, j, j + 1, 1), GEN_AXES(-1)), bnd, shape);
        cols[j] = gen_random_binomial(gen_key_fold_in(key, (uint64_t)j), rest, qj);
        rest = gen_sub(rest, cols[j]);
    }
    cols[k - 1] = rest;
    gen_array *x = rest ? gen_stack((int)k, cols, -1) : NULL;
    core_free(cols, (size_t)k * sizeof *cols);
    return arr_scope_return(x);
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* C(n + k - 1, k - 1), capped just above limit. */
static double compositions(int64_t n, int64_t k, double limit) {
    double c = 1;
    for (int64_t i = 1; i < k && c <= limit; i++) c = c * (double)(n + i) / (double)i;
    return c;
}

/* Writes the compositions of n into k parts in lexicographic order: from (0, ..., 0, n),
 * each step moves one unit from the last nonzero part m (m >= 1) to part m - 1 and the
 * rest of part m to the end. */
static int64_t *write_compositions(int64_t *o, int64_t n, int64_t k) {
    memset(o, 0, (size_t)k * sizeof *o);
    o[k - 1] = n;
    for (;;) {
        int64_t *x = o;
        o += k;
        int64_t m = k - 1;
        while (m >= 1 && x[m] == 0) m--;
        if (m < 1) return o;
        memcpy(o, x, (size_t)k * sizeof *o);
        int64_t s = o[m];
        o[m - 1]++;
        o[m] = 0;
        o[k - 1] = s - 1;
    }
}

/* All count vectors for each distinct n of the batch (ascending n), [M, K]. */
static gen_array *multinomial_enumerate(const gen_dist *d) {
    const gen_array *nb = disc_hi(d);
    int64_t k = num_categories(d), m = nb->size, total = 0, distinct = 0;
    int64_t *ns = core_calloc((size_t)(m ? m : 1), sizeof *ns);
    if (!ns) return NULL;
    if (m && gen_array_copy_to(nb, GEN_I64, ns, (size_t)m * sizeof *ns) != GEN_OK) { /* a device's: a copy */
        core_free(ns, (size_t)m * sizeof *ns);
        return NULL;
    }
    qsort(ns, (size_t)m, sizeof *ns, cmp_i64);
    double count = 0;
    for (int64_t i = 0; i < m; i++) {
        if (i && ns[i] == ns[i - 1]) continue;
        ns[distinct++] = ns[i];
        count += compositions(ns[i], k, MULTINOMIAL_ENUM_MAX);
    }
    if (count > MULTINOMIAL_ENUM_MAX || count * (double)k > DISC_ENUM_MAX) {
        GEN_FAIL(GEN_ERR_UNSUPPORTED,
                 "gen_dist_enumerate: multinomial: more than %d count vectors (n up to %lld, %lld categories)",
                 MULTINOMIAL_ENUM_MAX, (long long)ns[distinct - 1], (long long)k);
        core_free(ns, (size_t)(m ? m : 1) * sizeof *ns);
        return NULL;
    }
    total = (int64_t)(count + 0.5);
    gen_array *r = arr_alloc("gen_dist_enumerate: multinomial", GEN_I64, 2, (const int64_t[]){total, k});
    if (r) {
        int64_t *o = r->data;
        for (int64_t i = 0; i < distinct; i++) o = write_compositions(o, ns[i], k);
        r = arr_publish(dist_to_device_of("gen_dist_enumerate: multinomial", r, nb));
    }
    core_free(ns, (size_t)(m ? m : 1) * sizeof *ns);
    return r;
}

static gen_status multinomial_support(const gen_dist *d, gen_support *out) {
    out->kind = GEN_SUPPORT_INTEGER_VECTOR;
    out->hi = disc_hi(d); /* the total n of each batch member */
    return GEN_OK;
}

static const dist_family multinomial_family = {
    .name = "multinomial",
    .param_names = names,
    .discrete = true,
    .sample = multinomial_sample,
    .logpdf = multinomial_logpdf,
    .support = multinomial_support,
    .enumerate = multinomial_enumerate,
    .free_extra = disc_free_bounds,
    .extra_is_support = true,
};

gen_dist *gen_multinomial(const gen_array *n, const gen_array *p) {
    const gen_array *prm[2] = {n, p};
    int nd = -1;
    int64_t batch[GEN_MAX_DIMS];
    if (n && p) { /* otherwise disc_new reports the NULL parameter */
        if (dist_check_count("multinomial", "n", n) != GEN_OK ||
            disc_check_categories("multinomial", "p", p) != GEN_OK ||
            dist_check_simplex("multinomial", "p", p) != GEN_OK ||
            arr_broadcast_shapes("multinomial", n->ndim, n->shape, p->ndim - 1, p->shape, &nd, batch) != GEN_OK)
            return NULL;
    }
    int64_t k = p && p->ndim ? p->shape[p->ndim - 1] : 0;
    return disc_new(&multinomial_family, GEN_I64, 2, prm, nd, batch, 1, &k, NULL, n);
}
