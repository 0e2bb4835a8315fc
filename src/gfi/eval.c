/* eval.c — one choice scored under an evaluation state (gen_eval_choice): the
 * unconstrained forward and inverse maps of selected float choices, and the support
 * enumeration Gibbs uses (see gfi_int.h and genc/gf_impl.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gfi_int.h"
#include "../array/autodiff_int.h"
#include "../distributions/dist_int.h"

gen_status gfi_log_density_fail(const gen_array *lp, int64_t i, const char *who, const char *what) {
    const double v = ((const double *)lp->data)[i];
    char at[48] = "";
    if (gen_array_ndim(lp) > 0) snprintf(at, sizeof at, " (particle %lld)", (long long)i);
    GEN_FAIL(GEN_ERR_VALUE, "%s: %s is %s%s; only finite values and -inf are allowed", who, what,
             isnan(v) ? "NaN" : "+inf", at);
    return core_error_mark(CORE_REJECT_DENSITY); /* inference: the model rejects this point */
}

static bool density_allowed(double v) { return !isnan(v) && v != INFINITY; }

gen_status gfi_check_log_density_captured(const gen_array *lp, const char *who, const char *what) {
    if (ad_captured(lp)) {
        ad_check c = {.pred = density_allowed, .kind = AD_CHECK_DENSITY};
        snprintf(c.family, sizeof c.family, "%s", who);
        snprintf(c.name, sizeof c.name, "%s", what);
        gen_status s = ad_capture_check(lp, NULL, &c);
        if (s != GEN_OK) return s;
    }
    const double *v = lp->data; /* the value at hand, read past the capture's watch */
    for (int64_t i = 0; i < lp->size; i++)
        if (CORE_UNLIKELY(!density_allowed(v[i]))) return gfi_log_density_fail(lp, i, who, what);
    return GEN_OK;
}

static gen_array *densities_allowed(const gen_array *lp, const gen_array *unused) {
    (void)unused;
    return gen_logical_and(gen_logical_not(gen_isnan(lp)), gen_ne(lp, gen_scalar(INFINITY)));
}

gen_status gfi_check_log_density_device(const gen_array *lp, const char *who, const char *what) {
    if (dist_device_all(densities_allowed, lp, NULL)) return GEN_OK;
    gen_array *h = arr_host_ref(lp);
    if (!h) return core_error_pending();
    gen_status s = GEN_OK;
    const double *v = h->data;
    for (int64_t i = 0; s == GEN_OK && i < h->size; i++)
        if (!density_allowed(v[i])) s = gfi_log_density_fail(h, i, who, what);
    gen_array_release(h);
    return s;
}

gen_status gfi_check_given(const char *op, const gen_dist *d, const gen_array *c, int64_t n) {
    if (CORE_UNLIKELY(!dist_value_fits(d, c, false)))
        return GEN_FAIL(GEN_ERR_DTYPE, "%s: the value is %s, but the choice (%s) is %s", op,
                        gen_dtype_name((gen_dtype)c->dtype), gen_dist_name(d), gen_dtype_name(d->dtype));
    if (n || dist_value_fits(d, c, true)) return GEN_OK;
    int nb = d->batch_ndim, ne = d->event_ndim;
    int64_t want[2 * GEN_MAX_DIMS];
    memcpy(want, d->batch_shape, (size_t)nb * sizeof *want);
    memcpy(want + nb, d->event_shape, (size_t)ne * sizeof *want);
    char s1[ARR_SHAPE_STR_MAX], s2[ARR_SHAPE_STR_MAX];
    return GEN_FAIL(GEN_ERR_SHAPE, "%s: the value has shape %s, but the choice (%s) has shape %s", op,
                    arr_shape_str(c->ndim, c->shape, s1, sizeof s1), gen_dist_name(d),
                    arr_shape_str(nb + ne, want, s2, sizeof s2));
}

/* The log density of x under d summed to 0-d (NaN and +inf refused). */
static gen_array *choice_logpdf(const gen_dist *d, const gen_array *x) {
    gen_array *lp = gen_dist_logpdf(d, x);
    if (!lp || gfi_check_log_density(lp, gen_dist_name(d), "the log density") != GEN_OK) return NULL;
    return gen_array_ndim(lp) > 0 ? gen_sum(lp, 0, NULL, false) : lp;
}

/* GEN_EVAL_SUPPORT: records d's finite support at abs (nothing when it has none). */
static gen_status record_support(gen_eval *ev, const gen_dist *d, const gen_addr *abs) {
    gen_array *vals = gen_dist_enumerate(d);
    if (!vals) {
        gen_status s = core_error_pending();
        if (s != GEN_ERR_UNSUPPORTED) return s;
        gen_error_clear();
        return GEN_OK;
    }
    return gen_choicemap_builder_set(ev->out, abs, vals);
}

static gen_status pending(void) { return core_error_pending() ? core_error_pending() : GEN_ERR_OOM; }

/* The transformed choice: *value and *lp set, or a status. */
static gen_status eval_selected(gen_eval *ev, const gen_addr *abs, const gen_dist *d, const gen_array *c,
                                gen_array **value, gen_array **lp) {
    bool identity = dist_bijection_is_identity(d);
    gen_bijection *b = identity ? NULL : gen_dist_bijection(d);
    if (!identity && !b) return pending();
    ev->seen++;
    if (identity || !strcmp(gen_bijection_name(b), "identity")) {
        /* u is x and log |det J| is 0 (in both directions): skip the view, the zero
         * log-Jacobian and the addition */
        if (ev->out && gen_choicemap_builder_set(ev->out, abs, c) != GEN_OK) return pending();
        *value = (gen_array *)c;
        return (*lp = choice_logpdf(d, c)) ? GEN_OK : pending();
    }
    ev->non_identity++;
    if (ev->mode == GEN_EVAL_INVERSE) {
        gen_array *u = gen_bijection_inverse(b, c);
        if (!u || (ev->out && gen_choicemap_builder_set(ev->out, abs, u) != GEN_OK)) return pending();
        *value = (gen_array *)c;
        return (*lp = choice_logpdf(d, c)) ? GEN_OK : pending();
    }
    gen_array *x = NULL, *ld = NULL;
    gen_status st;
    if (bij_scalar_forward(b, c, &x, &ld, &st)) {
        if (st != GEN_OK) return st;
    } else {
        x = gen_bijection_forward(b, c), ld = gen_bijection_log_det_jacobian(b, c);
        if (ld && gen_array_ndim(ld) > 0) ld = gen_sum(ld, 0, NULL, false);
    }
    if (!x || !ld || (ev->out && gen_choicemap_builder_set(ev->out, abs, x) != GEN_OK)) return pending();
    gen_array *lpx = choice_logpdf(d, x);
    *value = x;
    return (*lp = lpx ? gen_add(lpx, ld) : NULL) ? GEN_OK : pending();
}

gen_status gen_eval_choice(gen_eval *ev, const gen_addr *a, const gen_dist *d, const gen_array *given,
                           gen_array **value, gen_array **logpdf) {
    if (value) *value = NULL;
    if (logpdf) *logpdf = NULL;
    if (!a || !d || !given || !value || !logpdf) {
        gen_status s = core_error_pending();
        return s ? s : GEN_FAIL(GEN_ERR_MISUSE, "gen_eval_choice: the %s is NULL",
                                !a ? "address" : !d ? "distribution" : !given ? "value" : "output");
    }
    if (!ev) { /* the caller's value: checked (with ev, values come from traces, or are u) */
        int64_t n = gen_batch_size();
        if (CORE_UNLIKELY(!dist_value_fits(d, given, !n)) && gfi_check_given("assess", d, given, n) != GEN_OK) {
            if (a->len) {
                char buf[GEN_ADDR_FORMAT_MAX];
                gen_addr_format(a, buf, sizeof buf);
                core_error_prefix("%s", buf);
            }
            return core_error_pending();
        }
        *value = (gen_array *)given;
        return (*logpdf = choice_logpdf(d, given)) ? GEN_OK : pending();
    }
    if (gen_batch_size()) return GEN_FAIL(GEN_ERR_UNSUPPORTED, "unconstrained assess does not run batched");
    gen_addr abs; /* the prefix and a, inline on this hot path; too deep is gen_addr_concat's error */
    if (CORE_UNLIKELY(ev->prefix.len + a->len > GEN_ADDR_MAX_DEPTH)) return gen_addr_concat(&abs, &ev->prefix, a);
    abs = ev->prefix;
    for (int k = 0; k < a->len; k++) abs.parts[abs.len++] = a->parts[k];
    const gen_array *c = given;
    if (ev->table && ev->mode == GEN_EVAL_FORWARD) {
        int64_t k = gfi_uc_table_find(ev->table, &abs);
        if (k >= 0) {
            c = ev->values[k];
            ev->hits++;
        }
    }
    gen_dtype t = gen_array_dtype(c);
    if (ev->mode == GEN_EVAL_SUPPORT) {
        if (gen_selection_contains(ev->sel, &abs) && record_support(ev, d, &abs) != GEN_OK) return pending();
    } else if ((t == GEN_F64 || t == GEN_F32) && gen_selection_contains(ev->sel, &abs)) {
        return eval_selected(ev, &abs, d, c, value, logpdf);
    }
    *value = (gen_array *)c;
    return (*logpdf = choice_logpdf(d, c)) ? GEN_OK : pending();
}

int gen_eval_mode(const gen_eval *ev) { return ev ? ev->mode : GEN_EVAL_NORMAL; }
