/* compile_check.h — what the compile tests share: the inputs of an op case (values of
 * each kind of compile_cases.h from a seed) and the comparison of compiled results with
 * eager ones (integers and bools exactly, f64 to 1e-12 relative, f32 to a few ulp). */
#ifndef GENC_TEST_COMPILE_CHECK_H
#define GENC_TEST_COMPILE_CHECK_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "compile_cases.h"

/* ---- inputs ---- */

static uint64_t mix64(uint64_t z) {
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
static double unif(uint64_t *s) { return (double)((*s = mix64(*s)) >> 11) * 0x1p-53 + 0x1p-54; }
static double gauss(uint64_t *s) { return sqrt(-2 * log(unif(s))) * cos(6.283185307179586 * unif(s)); }

static double float_value(int kind, int64_t i, uint64_t *s, int lim) {
    static const double specials[] = {NAN, INFINITY, -INFINITY, 0.0, -0.0, 1e300, -1e-300, 7.0};
    switch (kind) {
    case K_POS: return 0.2 + 2 * fabs(gauss(s));
    case K_ABOVE1: return 1 + 2 * fabs(gauss(s));
    case K_UNIT: return 0.95 * (2 * unif(s) - 1);
    case K_SPECIAL: return i % 3 == 0 ? specials[(i / 3 + (int64_t)(*s % 8)) % 8] : 2 * gauss(s);
    case K_INT: return floor(unif(s) * (2 * lim + 1)) - lim;
    case K_PROBS: return i % 5 == 3 ? 0 : unif(s);
    default: return 1.5 * gauss(s);
    }
}

/* A batch of n x n matrices: SPD (M M^T / n + I) or lower triangular. */
static void matrices(double *v, int64_t size, int64_t n, bool spd, uint64_t *s) {
    for (int64_t b = 0; n && b < size / (n * n); b++) {
        double *a = v + b * n * n, m[64];
        for (int64_t i = 0; i < n * n; i++) m[i] = gauss(s);
        for (int64_t i = 0; i < n; i++)
            for (int64_t j = 0; j < n; j++) {
                double acc = 0;
                for (int64_t k = 0; k < n; k++) acc += m[i * n + k] * m[j * n + k];
                a[i * n + j] = spd ? acc / (double)n + (i == j) : i < j ? 0 : i == j ? 1 + unif(s) : 0.5 * m[i * n + j];
            }
    }
}

static gen_array *make_input(const in_spec *sp, uint64_t seed) {
    int64_t size = 1;
    for (int d = 0; d < sp->nd; d++) size *= sp->shape[d];
    uint64_t s = mix64(seed);
    if (sp->t == GEN_I64) {
        int64_t *v = calloc((size_t)size + 1, sizeof *v);
        for (int64_t i = 0; i < size; i++) {
            double u = unif(&s);
            int lim = sp->lim;
            switch (sp->kind) {
            case K_WRAP: {
                static const int64_t big[] = {INT64_MAX, INT64_MIN, INT64_MAX - 3, INT64_MIN + 2, 3, -5, 1, 0};
                v[i] = big[(i + (int64_t)(s % 8)) % 8];
                break;
            }
            case K_IDX: v[i] = (int64_t)floor(u * 2 * lim) - lim; break;
            case K_NIDX: v[i] = (int64_t)floor(u * lim); break;
            default: v[i] = (int64_t)floor(u * (2 * lim + 1)) - lim; break;
            }
        }
        gen_array *a = gen_array_from(GEN_I64, sp->nd, sp->shape, v);
        free(v);
        return a;
    }
    double *v = calloc((size_t)size + 1, sizeof *v);
    if (sp->kind == K_SPD || sp->kind == K_TRI) matrices(v, size, sp->nd ? sp->shape[sp->nd - 1] : 1, sp->kind == K_SPD, &s);
    else
        for (int64_t i = 0; i < size; i++)
            v[i] = sp->t == GEN_BOOL ? unif(&s) < 0.5 : float_value(sp->kind, i, &s, sp->lim);
    gen_array *a = gen_array_from(GEN_F64, sp->nd, sp->shape, v);
    free(v);
    return sp->t == GEN_F64 ? a : gen_cast(a, sp->t); /* f32: huge values become inf */
}

/* ---- comparing ---- */

static double elem(const gen_array *a, int64_t k) {
    const void *d = gen_array_data(a);
    switch (gen_array_dtype(a)) {
    case GEN_F64: return ((const double *)d)[k];
    case GEN_F32: return ((const float *)d)[k];
    case GEN_I64: return (double)((const int64_t *)d)[k];
    default: return ((const uint8_t *)d)[k];
    }
}

/* got equals want: dtype and shape, integers and bools exactly, floats to rtol relative
 * (an absolute floor of rtol times the array's largest magnitude, for components that
 * cancel to ~0). */
static bool same_array(const char *what, const gen_array *got, const gen_array *want) {
    check_count++;
    if (!got || !want) {
        check_fail(__FILE__, __LINE__, "%s: %s is NULL", what, got ? "want" : "got");
        return false;
    }
    gen_dtype t = gen_array_dtype(want);
    if (gen_array_dtype(got) != t || gen_array_ndim(got) != gen_array_ndim(want) ||
        memcmp(gen_array_shape(got), gen_array_shape(want), (size_t)gen_array_ndim(want) * sizeof(int64_t))) {
        check_fail(__FILE__, __LINE__, "%s: got %s of %d dims, want %s of %d dims", what,
                   gen_dtype_name(gen_array_dtype(got)), gen_array_ndim(got), gen_dtype_name(t), gen_array_ndim(want));
        return false;
    }
    if (t == GEN_I64) {
        const int64_t *a = gen_array_data(got), *b = gen_array_data(want);
        for (int64_t k = 0; k < gen_array_size(want); k++)
            if (a[k] != b[k]) {
                check_fail(__FILE__, __LINE__, "%s: element %lld is %lld, want %lld", what, (long long)k, (long long)a[k],
                           (long long)b[k]);
                return false;
            }
        return true;
    }
    double rtol = t == GEN_F32 ? 4e-7 : t == GEN_F64 ? 1e-12 : 0, scale = 0;
    for (int64_t k = 0; k < gen_array_size(want); k++)
        if (isfinite(elem(want, k))) scale = fmax(scale, fabs(elem(want, k)));
    for (int64_t k = 0; k < gen_array_size(want); k++) {
        double x = elem(got, k), y = elem(want, k);
        bool ok = x == y || (isnan(x) && isnan(y)) ||
                  (isfinite(x) && isfinite(y) && fabs(x - y) <= rtol * fmax(fmax(fabs(x), fabs(y)), scale));
        if (!ok) {
            check_fail(__FILE__, __LINE__, "%s: element %lld is %.17g, want %.17g", what, (long long)k, x, y);
            return false;
        }
    }
    return true;
}

#endif
