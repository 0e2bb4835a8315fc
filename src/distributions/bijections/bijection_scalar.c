/* bijection_scalar.c — one value through the exp, lower-bound and interval bijections
 * under one reverse-mode transform: x and log |det J| as one tape node with two outputs,
 * value and partials in plain C, in place of the array path's ops (a dozen for the
 * interval's branches guarded by where). Unconstrained evaluation (gen_target) moves
 * every selected positive or bounded scalar choice through here at each gradient. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "../dist_int.h"
#include "../../array/autodiff_int.h"
#include "../../array/special.h"

enum { BS_NONE, BS_EXP, BS_LOWER, BS_INTERVAL };

static int kind_of(const gen_bijection *b) {
    const char *n = b->kind->name;
    return !strcmp(n, "exp") ? BS_EXP : !strcmp(n, "lower_bound") ? BS_LOWER : !strcmp(n, "interval") ? BS_INTERVAL : BS_NONE;
}

static int n_params(int k) { return k == BS_EXP ? 0 : k == BS_LOWER ? 1 : 2; }

/* x = forward(u), ld = log |det J| at u, with the array path's operations in its order,
 * and their partials in u then the parameters (lo, hi). */
static void eval(int k, double u, const double *p, double *x, double *ld, double dx[3], double dld[3]) {
    dx[1] = dx[2] = dld[1] = dld[2] = 0;
    if (k == BS_INTERVAL) { /* lo + w sigmoid(u); log w + log sigmoid(u) + log sigmoid(-u) */
        double w = p[1] - p[0], s = sf_sigmoid(u), sn = sf_sigmoid(-u);
        *x = p[0] + w * s;
        *ld = log(w) + (sf_log_sigmoid(u) + sf_log_sigmoid(-u));
        dx[0] = w * s * sn, dx[1] = sn, dx[2] = s;
        dld[0] = sn - s, dld[1] = -1 / w, dld[2] = 1 / w;
        return;
    }
    double e = exp(u); /* exp: e^u; lower bound: lo + e^u; log |det J| = u for both */
    *x = k == BS_LOWER ? p[0] + e : e;
    *ld = u;
    dx[0] = e, dld[0] = 1;
    if (k == BS_LOWER) dx[1] = 1;
}

/* Cotangents of u and the parameters from those of x and ld (payload: the kind). */
static gen_status scalar_vjp(void *payload, int n_in, gen_array *const *in, int n_out, gen_array *const *out,
                             gen_array *const *cot, gen_array **cin) {
    (void)n_out, (void)out;
    int k = (int)(intptr_t)payload;
    double p[2] = {0, 0}, x, ld, dx[3], dld[3];
    for (int i = 1; i < n_in; i++) p[i - 1] = *(const double *)in[i]->data;
    eval(k, *(const double *)in[0]->data, p, &x, &ld, dx, dld);
    double cx = *(const double *)cot[0]->data, cl = *(const double *)cot[1]->data;
    for (int i = 0; i < n_in; i++)
        if (in[i]->ad && !(cin[i] = gen_scalar(cx * dx[i] + cl * dld[i]))) return core_error_pending();
    return GEN_OK;
}

bool bij_scalar_forward(const gen_bijection *b, const gen_array *u, gen_array **x, gen_array **ld, gen_status *st) {
    *st = GEN_OK;
    int k = kind_of(b), np = n_params(k);
    if (k == BS_NONE || u->ndim != 0 || u->dtype != GEN_F64 || u->batched || !ad_single_reverse()) return false;
    gen_array *in[3] = {(gen_array *)u, NULL, NULL};
    double p[2] = {0, 0};
    bool linked = u->ad != NULL;
    for (int i = 0; i < np; i++) {
        gen_array *a = b->params[i];
        if (!a || a->ndim != 0 || a->dtype != GEN_F64 || a->batched || !isfinite(*(const double *)a->data)) return false;
        p[i] = *(const double *)a->data;
        in[i + 1] = a;
        linked |= a->ad != NULL;
    }
    double xv, lv, dx[3], dld[3];
    eval(k, *(const double *)u->data, p, &xv, &lv, dx, dld);
    gen_array *outs[2] = {gen_scalar(xv), gen_scalar(lv)};
    if (!outs[0] || !outs[1]) *st = core_error_pending();
    else if (linked) *st = ad_record_custom(scalar_vjp, (void *)(intptr_t)k, 1 + np, in, 2, outs);
    *x = *st == GEN_OK ? outs[0] : NULL;
    *ld = *st == GEN_OK ? outs[1] : NULL;
    return true;
}
