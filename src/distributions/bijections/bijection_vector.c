/* bijection_vector.c — Stan's vector transforms (Stan Reference Manual, "Constraint
 * transforms"), acting on the last axis: ordered (x_1 = u_1, x_k = x_(k-1) + exp(u_k)),
 * positive_ordered (the same from x_0 = 0) and unit_vector (u / |u|, with the radius
 * given a chi distribution through the "log-Jacobian" -|u|^2 / 2). */
#include "../dist_int.h"

/* u, or u converted to f64 (NULL, with the error recorded, when that fails). */
static gen_array *as_float(const gen_array *u) {
    return arr_is_float((gen_dtype)u->dtype) ? (gen_array *)u : gen_cast(u, GEN_F64);
}

static gen_status vector_shape(const char *name, int64_t min_k, int ndim, const int64_t *shape, int *on,
                               int64_t *os) {
    if (ndim < 1 || shape[ndim - 1] < min_k)
        return GEN_FAIL(GEN_ERR_SHAPE, "%s: needs a vector event shape [K] with K >= %lld, got %d dimensions%s",
                        name, (long long)min_k, ndim, ndim ? " and a shorter K" : "");
    *on = ndim;
    for (int i = 0; i < ndim; i++) os[i] = shape[i];
    return GEN_OK;
}

/* ---- ordered and positive_ordered: cumulative sums of positive steps ---- */

/* The steps of x = cumsum(steps): u_1 (or exp(u_1) when positive), then exp(u_k). */
static gen_array *ord_fwd_any(const gen_array *u, bool positive) {
    gen_array *uf = as_float(u);
    if (!uf) return NULL;
    if (positive || uf->shape[uf->ndim - 1] == 0) return gen_cumsum(positive ? gen_exp(uf) : uf, -1);
    gen_array *parts[2] = {gen_slice(uf, -1, 0, 1, 1), gen_exp(gen_slice(uf, -1, 1, GEN_END, 1))};
    return gen_cumsum(gen_concatenate(2, parts, -1), -1);
}

/* u_k = log(x_k - x_(k-1)) for k >= 2; u_1 = x_1 (log x_1 when positive). */
static gen_array *ord_inv_any(const gen_array *x, bool positive) {
    gen_array *xf = as_float(x);
    if (!xf) return NULL;
    int64_t k = xf->shape[xf->ndim - 1];
    if (k == 0) return gen_reshape(xf, xf->ndim, xf->shape);
    gen_array *first = gen_slice(xf, -1, 0, 1, 1);
    gen_array *steps = gen_sub(gen_slice(xf, -1, 1, GEN_END, 1), gen_slice(xf, -1, 0, k - 1, 1));
    gen_array *parts[2] = {positive ? gen_log(first) : first, gen_log(steps)};
    return gen_concatenate(2, parts, -1);
}

/* The Jacobian is lower triangular with diagonal (1 or exp(u_1), exp(u_2), ...). */
static gen_array *ord_logdet_any(const gen_array *u, bool positive) {
    gen_array *uf = as_float(u);
    if (!uf) return NULL;
    return dist_sum_last(positive ? uf : gen_slice(uf, -1, 1, GEN_END, 1), 1);
}

static gen_array *ord_fwd(const gen_bijection *b, const gen_array *u) { (void)b; return ord_fwd_any(u, false); }
static gen_array *ord_inv(const gen_bijection *b, const gen_array *x) { (void)b; return ord_inv_any(x, false); }
static gen_array *ord_logdet(const gen_bijection *b, const gen_array *u) { (void)b; return ord_logdet_any(u, false); }
static gen_status ord_shape(const gen_bijection *b, int ndim, const int64_t *shape, int *on, int64_t *os) {
    return vector_shape(b->kind->name, 1, ndim, shape, on, os);
}
static const bij_kind ordered_kind = {"ordered", 1, GEN_SUPPORT_ORDERED, ord_fwd, ord_inv, ord_logdet, ord_shape, NULL};
gen_bijection *gen_bijection_ordered(void) { return bij_new(&ordered_kind, NULL, NULL, NULL); }

static gen_array *pord_fwd(const gen_bijection *b, const gen_array *u) { (void)b; return ord_fwd_any(u, true); }
static gen_array *pord_inv(const gen_bijection *b, const gen_array *x) { (void)b; return ord_inv_any(x, true); }
static gen_array *pord_logdet(const gen_bijection *b, const gen_array *u) { (void)b; return ord_logdet_any(u, true); }
static const bij_kind positive_ordered_kind = {"positive_ordered", 1, GEN_SUPPORT_POSITIVE_ORDERED, pord_fwd,
                                               pord_inv, pord_logdet, ord_shape, NULL};
gen_bijection *gen_bijection_positive_ordered(void) { return bij_new(&positive_ordered_kind, NULL, NULL, NULL); }

/* ---- unit_vector: x = u / |u|; the density of x times that of a chi(K) radius, whose
 * log is -|u|^2/2 up to a constant, is the density of u (Stan's unit_vector) ---- */

static gen_array *uv_fwd(const gen_bijection *b, const gen_array *u) {
    (void)b;
    gen_array *uf = as_float(u);
    if (!uf) return NULL;
    return gen_div(uf, gen_sqrt(gen_sum(gen_square(uf), GEN_AXES(-1), true)));
}
static gen_array *uv_inv(const gen_bijection *b, const gen_array *x) {
    (void)b;
    gen_array *xf = as_float(x);
    return xf ? gen_reshape(xf, xf->ndim, xf->shape) : NULL; /* a new reference, like identity */
}
static gen_array *uv_logdet(const gen_bijection *b, const gen_array *u) {
    (void)b;
    gen_array *uf = as_float(u);
    if (!uf) return NULL;
    return gen_mul(dist_const(uf, -0.5), gen_sum(gen_square(uf), GEN_AXES(-1), false));
}
static gen_status uv_shape(const gen_bijection *b, int ndim, const int64_t *shape, int *on, int64_t *os) {
    return vector_shape(b->kind->name, 2, ndim, shape, on, os);
}
static const bij_kind unit_vector_kind = {"unit_vector", 1, GEN_SUPPORT_UNIT_VECTOR, uv_fwd, uv_inv, uv_logdet,
                                          uv_shape, NULL};
gen_bijection *gen_bijection_unit_vector(void) { return bij_new(&unit_vector_kind, NULL, NULL, NULL); }
