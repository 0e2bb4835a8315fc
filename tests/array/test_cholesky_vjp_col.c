/* test_cholesky_vjp_col.c — the column-at-a-time form of the Cholesky VJP (what the CUDA
 * backend's CHOLESKY_VJP kernel runs, a thread per column: src/array/cholesky_vjp_col.h)
 * gives the same bits as the CPU kernel's chol_vjp_matrix (cholesky_vjp.h), on the host:
 * for sizes around the CPU form's register blocking (1 to 19) and random factors and
 * cotangents, including factors with tiny and large diagonal entries. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "../../src/array/cholesky_vjp.h"
#include "../../src/array/cholesky_vjp_col.h"

static uint64_t lcg_state = 12345;
static double uniform(double lo, double hi) { /* [lo, hi) from a 53-bit LCG draw */
    lcg_state = lcg_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return lo + (hi - lo) * (double)(lcg_state >> 11) / 9007199254740992.0;
}

/* The column form over a whole matrix: the three passes as the GPU runs them. */
static void vjp_by_columns(const double *L, const double *G, double *A, double *z, int64_t n) {
    for (int64_t j = 0; j < n; j++) chol_vjp_col_z(L, G, z, n, j);
    for (int64_t j = 0; j < n; j++) chol_vjp_col_pt(L, z, A, n, j);
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = i; j < n; j++) chol_vjp_sym(A, n, i, j);
}

static void check_size(int64_t n, double diag_lo, double diag_hi) {
    size_t nn = (size_t)(n * n);
    double *L = calloc(nn, sizeof *L), *G = malloc(nn * sizeof *G), *want = calloc(nn, sizeof *want),
           *got = malloc(nn * sizeof *got), *work = calloc(3 * nn, sizeof *work);
    for (int64_t i = 0; i < n; i++) {
        for (int64_t j = 0; j < i; j++) L[i * n + j] = uniform(-1, 1);
        L[i * n + i] = uniform(diag_lo, diag_hi);
    }
    for (size_t e = 0; e < nn; e++) G[e] = uniform(-2, 2);
    chol_vjp_matrix(L, G, want, work, work + nn, n);
    vjp_by_columns(L, G, got, work + 2 * nn, n);
    if (memcmp(got, want, nn * sizeof *got)) check_fail(__FILE__, __LINE__, "n = %lld: the bits differ", (long long)n);
    check_count++;
    free(L), free(G), free(want), free(got), free(work);
}

static void test_same_bits(void) {
    for (int64_t n = 1; n <= 19; n++) check_size(n, 0.5, 2.0);
    check_size(33, 0.5, 2.0);
    check_size(7, 1e-3, 1e3); /* badly scaled factors: large and tiny results */
}

int main(void) {
    RUN(test_same_bits);
    return check_finish();
}
