/* fd.c — see fd.h. */
#include "fd.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static uint64_t lcg_next(uint64_t *s) {
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 11;
}

static double lcg_uniform(uint64_t *s) { return (double)lcg_next(s) * 0x1.0p-53; }

gen_array *fd_uniform(uint64_t seed, double lo, double hi, int ndim, const int64_t *shape) {
    int64_t n = 1;
    for (int i = 0; i < ndim; i++) n *= shape[i];
    double *d = malloc((size_t)(n ? n : 1) * sizeof *d);
    uint64_t s = seed * 2654435761ULL + 12345;
    for (int64_t i = 0; i < n; i++) d[i] = lo + (hi - lo) * lcg_uniform(&s);
    gen_array *a = gen_array_from_f64(ndim, shape, d);
    free(d);
    return a;
}

static gen_status call1(void *payload, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)n_in, (void)n_out;
    out[0] = (*(fd_fn1 *)payload)(in[0]);
    return out[0] ? GEN_OK : gen_error_status();
}

static gen_status call2(void *payload, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)n_in, (void)n_out;
    out[0] = (*(fd_fn2 *)payload)(in[0], in[1]);
    return out[0] ? GEN_OK : gen_error_status();
}

gen_closure fd_closure1(fd_fn1 *fn) { return (gen_closure){call1, fn}; }
gen_closure fd_closure2(fd_fn2 *fn) { return (gen_closure){call2, fn}; }

/* Evaluates f and copies its outputs (as f64) into vals[j]. */
static int eval(gen_closure f, int n_in, gen_array *const *in, int n_out, double **vals) {
    gen_scope_begin();
    gen_array *out[16] = {0};
    gen_status st = f.fn(f.payload, n_in, in, n_out, out);
    int ok = st == GEN_OK;
    for (int j = 0; j < n_out && ok; j++)
        ok = out[j] && gen_array_copy_to(out[j], GEN_F64, vals[j],
                                         (size_t)gen_array_size(out[j]) * sizeof(double)) == GEN_OK;
    gen_scope_end();
    return ok;
}

int fd_check_at(const char *file, int line, const char *what, gen_closure f, int n_in,
                gen_array *const *in, int n_out, double rtol, double atol) {
    check_count++;
    gen_scope_begin();
    int ok = 1;
    gen_array *out[16] = {0};
    /* Shapes of the outputs, from one plain evaluation. */
    if (f.fn(f.payload, n_in, in, n_out, out) != GEN_OK) {
        check_fail(file, line, "%s: evaluation failed: %s", what, gen_error_message());
        gen_scope_end();
        return 0;
    }
    int64_t out_n[16], in_n[16];
    double *y[16], *yp[16], *ym[16], *u[16], *vjp_fd[16], *jvp_fd[16], *v[16];
    uint64_t seed = 7;
    gen_array *cot[16], *tan[16];
    for (int j = 0; j < n_out; j++) {
        out_n[j] = gen_array_size(out[j]);
        size_t b = (size_t)(out_n[j] ? out_n[j] : 1) * sizeof(double);
        y[j] = malloc(b), yp[j] = malloc(b), ym[j] = malloc(b), u[j] = malloc(b);
        jvp_fd[j] = calloc(1, b);
        for (int64_t k = 0; k < out_n[j]; k++) u[j][k] = lcg_uniform(&seed) * 2 - 1;
        cot[j] = gen_array_from_f64(gen_array_ndim(out[j]), gen_array_shape(out[j]), u[j]);
        if (gen_array_dtype(out[j]) != GEN_F64) cot[j] = gen_cast(cot[j], gen_array_dtype(out[j]));
    }
    gen_array *x[16];
    double *xd[16];
    for (int i = 0; i < n_in; i++) {
        in_n[i] = gen_array_size(in[i]);
        size_t b = (size_t)(in_n[i] ? in_n[i] : 1) * sizeof(double);
        xd[i] = malloc(b), v[i] = malloc(b), vjp_fd[i] = calloc(1, b);
        gen_array_copy_to(in[i], GEN_F64, xd[i], (size_t)in_n[i] * sizeof(double));
        for (int64_t k = 0; k < in_n[i]; k++) v[i][k] = lcg_uniform(&seed) * 2 - 1;
        tan[i] = gen_array_from_f64(gen_array_ndim(in[i]), gen_array_shape(in[i]), v[i]);
        x[i] = (gen_array *)in[i];
    }
    /* Jacobian columns by central differences. */
    for (int i = 0; i < n_in && ok; i++) {
        for (int64_t k = 0; k < in_n[i] && ok; k++) {
            double x0 = xd[i][k], h = FD_EPS * fmax(1.0, fabs(x0));
            xd[i][k] = x0 + h;
            x[i] = gen_array_from_f64(gen_array_ndim(in[i]), gen_array_shape(in[i]), xd[i]);
            ok = eval(f, n_in, x, n_out, yp);
            xd[i][k] = x0 - h;
            x[i] = gen_array_from_f64(gen_array_ndim(in[i]), gen_array_shape(in[i]), xd[i]);
            ok = ok && eval(f, n_in, x, n_out, ym);
            xd[i][k] = x0;
            x[i] = (gen_array *)in[i];
            for (int j = 0; j < n_out && ok; j++)
                for (int64_t m = 0; m < out_n[j]; m++) {
                    double d = (yp[j][m] - ym[j][m]) / (2 * h);
                    vjp_fd[i][k] += u[j][m] * d;
                    jvp_fd[j][m] += d * v[i][k];
                }
        }
    }
    if (!ok) check_fail(file, line, "%s: evaluation at a perturbed point failed: %s", what, gen_error_message());
    /* Reverse mode. */
    gen_array *in_cot[16] = {0};
    if (ok && gen_vjp(f, n_in, in, n_out, cot, NULL, in_cot) != GEN_OK) {
        check_fail(file, line, "%s: gen_vjp failed: %s", what, gen_error_message());
        ok = 0;
    }
    for (int i = 0; i < n_in && ok; i++) {
        char buf[200];
        snprintf(buf, sizeof buf, "%s: vjp of input %d", what, i);
        ok = check_array_at(file, line, buf, in_cot[i], vjp_fd[i], in_n[i], rtol, atol);
    }
    /* Forward mode. */
    gen_array *out_tan[16] = {0};
    if (ok && gen_jvp(f, n_in, in, tan, n_out, NULL, out_tan) != GEN_OK) {
        check_fail(file, line, "%s: gen_jvp failed: %s", what, gen_error_message());
        ok = 0;
    }
    for (int j = 0; j < n_out && ok; j++) {
        char buf[200];
        snprintf(buf, sizeof buf, "%s: jvp of output %d", what, j);
        ok = check_array_at(file, line, buf, out_tan[j], jvp_fd[j], out_n[j], rtol, atol);
    }
    for (int j = 0; j < n_out; j++) free(y[j]), free(yp[j]), free(ym[j]), free(u[j]), free(jvp_fd[j]);
    for (int i = 0; i < n_in; i++) free(xd[i]), free(v[i]), free(vjp_fd[i]);
    gen_scope_end();
    return ok;
}
