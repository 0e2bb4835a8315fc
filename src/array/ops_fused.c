/* ops_fused.c — shape, gradient and tangent rules of the fused rows of ops_fused.def
 * (the discrete rows are in ops_discrete.c; kernels in backend/cpu/cpu_fused.c). Each
 * VJP rule computes in plain C while nothing records the backward pass (a single
 * reverse transform: the only case in which callers choose these rows under autodiff)
 * and with public ops when an enclosing transform records it, so gradients of
 * gradients stay right; the scalar-family row has no formula in public ops and says so. */
#include <string.h>

#include "autodiff_int.h"
#include "backend_api.h"
#include "fused_math.h"

/* ---- shared checks ---- */

static gen_status need_f64(const op_call *c) {
    for (int i = 0; i < c->n_in; i++)
        if (c->in[i]->dtype != GEN_F64)
            return GEN_FAIL(GEN_ERR_DTYPE, "%s: argument %d is %s; this fused op takes f64", op_table[c->op].name, i,
                            gen_dtype_name(c->in[i]->dtype));
    return GEN_OK;
}

static gen_status need_scalars(const op_call *c, int min_in, int max_in) {
    const char *name = op_table[c->op].name;
    if (c->n_in < min_in || c->n_in > max_in)
        return GEN_FAIL(GEN_ERR_MISUSE, "%s: %d arguments (expected %d to %d)", name, c->n_in, min_in, max_in);
    for (int i = 0; i < c->n_in; i++)
        if (c->in[i]->ndim != 0)
            return GEN_FAIL(GEN_ERR_SHAPE, "%s: argument %d has %d dimensions; this fused op takes scalars", name, i,
                            c->in[i]->ndim);
    return need_f64(c);
}

static void sig_scalar(op_sig *s) {
    s->dtype = GEN_F64;
    s->ndim = 0;
}

static double f64_of(const gen_array *a) { return *(const double *)a->data; }

/* Whether the rules below may read the call's values in plain C: every argument and
 * every cotangent in host memory. (Dispatch put the arguments on one device, but a small
 * host argument travels to a device for the kernel only, so one argument on the host
 * says nothing of the others; and the cotangents are made where the values live.) On a
 * device the rules use public ops, which run there. */
static bool c_rule_ok(const op_call *c, gen_array *const *cot) {
    for (int i = 0; i < c->n_in; i++)
        if (!arr_on_host(c->in[i])) return false;
    for (int j = 0; j < c->n_out; j++)
        if (!arr_on_host(cot[j])) return false;
    return true;
}

/* The name of the device of the call's first value off the host (for messages). */
static const char *device_of(const op_call *c) {
    for (int i = 0; i < c->n_in; i++)
        if (!arr_on_host(c->in[i])) return arr_backend_of(c->in[i])->name;
    return arr_backend_of(c->out)->name;
}

/* d lp / d (x, mu, sigma) of the normal log density as public ops, times g (which
 * broadcasts against the arguments). */
static void normal_cots(const op_call *c, gen_array *g, gen_array **cin) {
    gen_array *x = c->in[0], *mu = c->in[1], *sg = c->in[2];
    gen_array *z = gen_div(gen_sub(x, mu), sg);
    gen_array *dmu = gen_div(gen_mul(g, z), sg);
    if (x->ad) cin[0] = gen_neg(dmu);
    if (mu->ad) cin[1] = dmu;
    if (sg->ad) cin[2] = gen_div(gen_mul(g, gen_sub(gen_square(z), gen_scalar(1.0))), sg);
}

static gen_status cots_status(const op_call *c, gen_array **cin) {
    for (int i = 0; i < c->n_in; i++)
        if (c->in[i]->ad && !cin[i]) return core_error_pending() ? core_error_pending() : GEN_ERR_OOM;
    return GEN_OK;
}

/* The tangent of the normal log density from tangents of (x, mu, sigma) (NULL: zero). */
static gen_array *normal_tangent(const op_call *c, gen_array *const *t) {
    gen_array *z = gen_div(gen_sub(c->in[0], c->in[1]), c->in[2]);
    gen_array *dx = gen_div(gen_neg(z), c->in[2]), *r = NULL;
    if (t[0]) r = gen_mul(dx, t[0]);
    if (t[1]) r = r ? gen_sub(r, gen_mul(dx, t[1])) : gen_neg(gen_mul(dx, t[1]));
    if (t[2]) {
        gen_array *ds = gen_mul(gen_div(gen_sub(gen_square(z), gen_scalar(1.0)), c->in[2]), t[2]);
        r = r ? gen_add(r, ds) : ds;
    }
    return r;
}

/* ---- NORMAL_LOGPDF ---- */

gen_status shape_normal_logpdf(const op_call *c, op_sig *s) {
    const gen_array *x = c->in[0], *mu = c->in[1], *sg = c->in[2];
    if (x->dtype != GEN_F64 || mu->dtype != GEN_F64 || sg->dtype != GEN_F64) return need_f64(c);
    if (!(x->ndim | mu->ndim | sg->ndim)) { /* the scalar case of gradients */
        sig_scalar(s);
        return GEN_OK;
    }
    return op_shape_broadcast(c, s);
}

gen_status vjp_normal_logpdf(const op_call *c, gen_array *const *cot, gen_array **cin) {
    bool scalars = c->out->ndim == 0 && c->in[0]->ndim == 0 && c->in[1]->ndim == 0 && c->in[2]->ndim == 0;
    if (scalars && !ad_recording() && c_rule_ok(c, cot)) {
        /* d lp / d mu = (x - mu) / sigma^2 = -d lp / d x; d lp / d sigma = (z^2 - 1) / sigma */
        double inv = 1 / f64_of(c->in[2]), g = f64_of(cot[0]);
        double z = (f64_of(c->in[0]) - f64_of(c->in[1])) * inv, dmu = g * z * inv;
        double v[3] = {-dmu, dmu, g * (z * z - 1) * inv};
        for (int i = 0; i < 3; i++)
            if (c->in[i]->ad && !(cin[i] = gen_scalar(v[i]))) return core_error_pending();
        return GEN_OK;
    }
    normal_cots(c, cot[0], cin);
    return cots_status(c, cin);
}

gen_array *jvp_normal_logpdf(const op_call *c, gen_array *const *t) { return normal_tangent(c, t); }

/* ---- NORMAL_LOGPDF_SUM ---- */

static bool same_shape(const gen_array *a, int nd, const int64_t *shape) {
    return a->ndim == nd && arr_same_axes(a->shape, shape, nd);
}

gen_status shape_normal_logpdf_sum(const op_call *c, op_sig *s) {
    gen_status st = need_f64(c);
    if (st != GEN_OK) return st;
    const gen_array *x = c->in[0], *mu = c->in[1], *sg = c->in[2];
    int ne = c->p->ndim, nb = mu->ndim - ne;
    bool full;
    s->dtype = GEN_F64;
    if (fused_normal_sum_rows(x, mu, sg, ne, &full)) { /* batch rows */
        s->ndim = nb;
        memcpy(s->shape, mu->shape, (size_t)nb * sizeof *s->shape);
        return GEN_OK;
    }
    /* one value: x of the event shape, mu and sigma each of it or one value */
    if (ne >= 0 && x->ndim == ne && (mu->size == 1 || same_shape(mu, ne, x->shape)) &&
        (sg->size == 1 || same_shape(sg, ne, x->shape))) {
        s->ndim = 0;
        return GEN_OK;
    }
    char s1[ARR_SHAPE_STR_MAX], s2[ARR_SHAPE_STR_MAX], s3[ARR_SHAPE_STR_MAX];
    return GEN_FAIL(GEN_ERR_SHAPE,
                    "normal_logpdf_sum: x %s, mu %s, sigma %s over %d event axes: not a fused case (sigma one value "
                    "and mu the full shape, or x the event shape)",
                    arr_shape_str(x->ndim, x->shape, s1, sizeof s1), arr_shape_str(mu->ndim, mu->shape, s2, sizeof s2),
                    arr_shape_str(sg->ndim, sg->shape, s3, sizeof s3), ne);
}

/* g of the output's shape seen with ne trailing size-1 axes (broadcasts to the args). */
static gen_array *expand_event(gen_array *g, int ne) {
    if (ne == 0 || !g) return g;
    int64_t shape[GEN_MAX_DIMS];
    memcpy(shape, g->shape, (size_t)g->ndim * sizeof *shape);
    for (int k = 0; k < ne; k++) shape[g->ndim + k] = 1;
    return gen_reshape(g, g->ndim + ne, shape);
}

gen_status vjp_normal_logpdf_sum(const op_call *c, gen_array *const *cot, gen_array **cin) {
    const gen_array *x = c->in[0], *mu = c->in[1], *sg = c->in[2];
    if (c->out->ndim == 0 && x->ndim == c->p->ndim && !ad_recording() && c_rule_ok(c, cot)) {
        /* d lp / d mu_j = (x_j - mu_j) / sigma_j^2 = -d lp / d x_j; d lp / d sigma_j =
         * (z_j^2 - 1) / sigma_j; a parameter given as one value gets the sum over j */
        gen_array *gx = x->ad ? arr_alloc("normal_logpdf_sum", GEN_F64, x->ndim, x->shape) : NULL;
        gen_array *gm = mu->ad ? arr_alloc("normal_logpdf_sum", GEN_F64, mu->ndim, mu->shape) : NULL;
        gen_array *gs = sg->ad ? arr_alloc("normal_logpdf_sum", GEN_F64, sg->ndim, sg->shape) : NULL;
        cin[0] = arr_publish(gx), cin[1] = arr_publish(gm), cin[2] = arr_publish(gs);
        if ((x->ad && !cin[0]) || (mu->ad && !cin[1]) || (sg->ad && !cin[2])) return core_error_pending();
        int64_t m = x->size, sm = mu->size == 1 ? 0 : 1, ss = sg->size == 1 ? 0 : 1;
        double g = f64_of(cot[0]);
        const double *xv = x->data, *mv = mu->data, *sv = sg->data;
        double *dx = gx ? gx->data : NULL, *dm = gm ? gm->data : NULL, *ds = gs ? gs->data : NULL;
        if (dm && !sm) dm[0] = 0;
        if (ds && !ss) ds[0] = 0;
        for (int64_t j = 0; j < m; j++) {
            double inv = 1 / sv[j * ss], z = (xv[j] - mv[j * sm]) * inv, dmu = g * z * inv;
            if (dx) dx[j] = -dmu;
            double dsg = g * (z * z - 1) * inv;
            if (dm && sm) dm[j] = dmu;
            else if (dm) dm[0] += dmu; /* one value: the sum */
            if (ds && ss) ds[j] = dsg;
            else if (ds) ds[0] += dsg;
        }
        return GEN_OK;
    }
    normal_cots(c, expand_event(cot[0], c->p->ndim), cin);
    return cots_status(c, cin);
}

gen_array *jvp_normal_logpdf_sum(const op_call *c, gen_array *const *t) {
    gen_array *e = normal_tangent(c, t);
    int ne = c->p->ndim, axes[GEN_MAX_DIMS];
    if (!e) return NULL;
    for (int k = 0; k < ne; k++) axes[k] = e->ndim - ne + k;
    return ne ? gen_sum(e, ne, axes, false) : e;
}

/* ---- SCALAR_LOGPDF ---- */

gen_status shape_scalar_logpdf(const op_call *c, op_sig *s) {
    if (!c->p->scalar_grad) return GEN_FAIL(GEN_ERR_MISUSE, "scalar_logpdf: no density (params.scalar_grad)");
    gen_status st = need_scalars(c, 1, 1 + OP_SCALAR_MAX_PARAMS);
    if (st == GEN_OK) sig_scalar(s);
    return st;
}

gen_status vjp_scalar_logpdf(const op_call *c, gen_array *const *cot, gen_array **cin) {
    if (ad_recording())
        return GEN_FAIL(GEN_ERR_NOGRAD, "scalar_logpdf: its gradient is computed in C and cannot be differentiated "
                                        "again (use the family's array formulas under nested transforms)");
    if (!c_rule_ok(c, cot)) /* its callers keep device values off this row (dist.c) */
        return GEN_FAIL(GEN_ERR_UNSUPPORTED, "scalar_logpdf: its gradient is computed in C from host values; its "
                                             "values are on %s",
                        device_of(c));
    double p[OP_SCALAR_MAX_PARAMS] = {0}, g[OP_SCALAR_MAX_PARAMS + 1] = {0};
    for (int i = 1; i < c->n_in; i++) p[i - 1] = f64_of(c->in[i]);
    c->p->scalar_grad(p, f64_of(c->in[0]), g);
    double k = f64_of(cot[0]);
    for (int i = 0; i < c->n_in; i++)
        if (c->in[i]->ad && !(cin[i] = gen_scalar(k * g[i]))) return core_error_pending();
    return GEN_OK;
}

/* ---- BIJECTION_SCALAR ---- */

gen_status shape_bijection_scalar(const op_call *c, op_sig *s) {
    int k = (int)c->p->k;
    if (k < BIJ_SCALAR_EXP || k > BIJ_SCALAR_INTERVAL)
        return GEN_FAIL(GEN_ERR_MISUSE, "bijection_scalar: unknown bijection %d", k);
    int np = bij_scalar_n_params(k);
    gen_status st = need_scalars(c, 1 + np, 1 + np);
    if (st != GEN_OK) return st;
    sig_scalar(&s[0]);
    sig_scalar(&s[1]);
    s[0].n_out = 2;
    return GEN_OK;
}

gen_status vjp_bijection_scalar(const op_call *c, gen_array *const *cot, gen_array **cin) {
    int k = (int)c->p->k;
    gen_array *u = c->in[0], *cx = cot[0], *cl = cot[1];
    if (ad_recording() || !c_rule_ok(c, cot)) { /* the same partials as public ops (see bij_scalar_eval) */
        if (k == BIJ_SCALAR_INTERVAL) {
            gen_array *w = gen_sub(c->in[2], c->in[1]), *s = gen_sigmoid(u), *sn = gen_sigmoid(gen_neg(u));
            gen_array *inv_w = gen_reciprocal(w);
            if (u->ad) cin[0] = gen_add(gen_mul(cx, gen_mul(w, gen_mul(s, sn))), gen_mul(cl, gen_sub(sn, s)));
            if (c->in[1]->ad) cin[1] = gen_sub(gen_mul(cx, sn), gen_mul(cl, inv_w));
            if (c->in[2]->ad) cin[2] = gen_add(gen_mul(cx, s), gen_mul(cl, inv_w));
        } else {
            if (u->ad) cin[0] = gen_add(gen_mul(cx, gen_exp(u)), cl);
            if (k == BIJ_SCALAR_LOWER && c->in[1]->ad) cin[1] = cx;
        }
        return cots_status(c, cin);
    }
    double p[2] = {0, 0}, x, ld, dx[3], dld[3];
    for (int i = 1; i < c->n_in; i++) p[i - 1] = f64_of(c->in[i]);
    bij_scalar_eval(k, f64_of(u), p, &x, &ld, dx, dld);
    double gx = f64_of(cx), gl = f64_of(cl);
    for (int i = 0; i < c->n_in; i++)
        if (c->in[i]->ad && !(cin[i] = gen_scalar(gx * dx[i] + gl * dld[i]))) return core_error_pending();
    return GEN_OK;
}

/* ---- SUM_SCALARS ---- */

gen_status shape_sum_scalars(const op_call *c, op_sig *s) {
    bool ok = c->n_in >= 1;
    for (int i = 0; i < c->n_in; i++) ok &= !c->in[i]->ndim & (c->in[i]->dtype == GEN_F64);
    if (!ok) return need_scalars(c, 1, INT32_MAX); /* names the argument */
    sig_scalar(s);
    return GEN_OK;
}

/* The cotangent of a sum reaches every term unchanged (one call for all terms: the
 * engine sums nothing down). */
gen_status vjp_sum_scalars(const op_call *c, gen_array *const *cot, gen_array **cin) {
    for (int i = 0; i < c->n_in; i++) cin[i] = cot[0];
    return GEN_OK;
}

gen_array *jvp_sum_scalars(const op_call *c, gen_array *const *t) {
    gen_array *r = NULL;
    for (int i = 0; i < c->n_in; i++)
        if (t[i]) r = r ? gen_add(r, t[i]) : t[i];
    return r;
}

/* ---- CUSTOM_VJP ---- */

gen_status shape_custom_vjp(const op_call *c, op_sig *s) {
    int k = (int)c->p->k;
    if (!c->p->rule || k < 0 || k >= c->n_in)
        return GEN_FAIL(GEN_ERR_MISUSE, "custom_vjp: bad call (%d arguments, %d inputs, rule %s)", c->n_in, k,
                        c->p->rule ? "set" : "NULL");
    const gen_array *o = c->in[k];
    s->view = true;
    s->view_of = k;
    s->n_out = c->n_in - k;
    s->dtype = (gen_dtype)o->dtype;
    s->ndim = o->ndim;
    memcpy(s->shape, o->shape, (size_t)o->ndim * sizeof *s->shape);
    return GEN_OK;
}

gen_status vjp_custom_vjp(const op_call *c, gen_array *const *cot, gen_array **cin) {
    int k = (int)c->p->k;
    core_guard g = core_guard_begin();
    gen_status st = c->p->rule(c->p->payload, k, c->in, c->n_out, c->outs, cot, cin);
    gen_status sg = CORE_GUARD_END(g, st, "custom VJP rule", "gen_custom_vjp");
    if (CORE_UNLIKELY(sg != GEN_OK)) {
        for (int i = 0; i < k; i++) cin[i] = NULL; /* a scope closed for it may have owned them */
        return sg;
    }
    if (st != GEN_OK) core_error_prefix("custom VJP rule");
    return st;
}

gen_array *jvp_custom_vjp(const op_call *c, gen_array *const *t) {
    (void)c, (void)t;
    GEN_FAIL(GEN_ERR_NOGRAD, "gen_jvp: a custom VJP has no forward-mode rule; use gen_vjp");
    return NULL;
}

/* ---- DRAW ---- */

gen_status shape_draw(const op_call *c, op_sig *s) {
    const gen_array *k = c->n_in >= 1 ? c->in[0] : NULL;
    if (!c->p->payload || !k || k->dtype != GEN_I64 || k->ndim != 1 || k->shape[0] != 2)
        return GEN_FAIL(GEN_ERR_MISUSE, "draw: bad call (%d arguments; the first must be a key of two i64 words, "
                        "and the site set)", c->n_in);
    s->dtype = c->p->dtype;
    s->ndim = c->p->ndim;
    memcpy(s->shape, c->p->shape, (size_t)c->p->ndim * sizeof *s->shape);
    return GEN_OK;
}
