/* runtime.h — what generated code calls back into (prefix cg_rt): the library's own
 * special functions and matrix kernels, handed to a module as a table of function
 * pointers, so compiled code computes them with the very code of the eager path (the
 * same LAPACK calls on the same column-major copies, the same sort order). The
 * X-macro gives both the C struct here and its declaration in the generated source. */
#ifndef GENC_SRC_COMPILE_RUNTIME_H
#define GENC_SRC_COMPILE_RUNTIME_H

#include <stdint.h>

/* X(return type, name, parameter list) */
#define CG_RT_FUNCS(X)                                                                        \
    X(double, sigmoid, (double))                                                              \
    X(double, softplus, (double))                                                             \
    X(double, log_sigmoid, (double))                                                          \
    X(double, round_even, (double))                                                           \
    X(double, erfinv, (double))                                                               \
    X(double, lgamma, (double))                                                               \
    X(double, digamma, (double))                                                              \
    X(double, trigamma, (double))                                                             \
    X(double, log_ndtr, (double))                                                             \
    /* o[m, n] = a[m, k] b[k, n], row-major, f64 or (f32 set) f32: the CPU kernel's BLAS  \
     * call (gemv for a vector on either side, else gemm) */                             \
    X(void, gemm, (int f32, int64_t m, int64_t n, int64_t k, const void *a, const void *b, void *o)) \
    /* The matrix kernels take row-major doubles and work space w (CG_RT_WORK_*: no     \
     * allocation per call). L = chol(A), n x n (lower; the upper triangle zero; NaN   \
     * everywhere when A's lower triangle holds a NaN); returns 0, or the order of the   \
     * leading minor that is not positive definite */                                   \
    X(int64_t, cholesky, (double * L, const double *A, int64_t n, double *w))            \
    /* A = cholesky's VJP at factor L and cotangent G (cholesky_vjp.h), n x n */         \
    X(void, cholesky_vjp, (double *A, const double *L, const double *G, int64_t n, double *w)) \
    /* X = op(T)^-1 B, T n x n triangular (lower or upper), B n x m; transpose: T^T */    \
    X(void, trisolve, (double *X, const double *T, const double *B, int64_t n, int64_t m, int lower, int transpose, \
                       double *w))                                                       \
    /* X = A^-1 B (LU with partial pivoting), B n x m; returns 0, or the row of the first \
     * zero pivot (A singular) */                                                        \
    X(int64_t, solve, (double *X, const double *A, const double *B, int64_t n, int64_t m, double *w)) \
    /* X = A^-1, as solve with B the identity */                                          \
    X(int64_t, inv, (double *X, const double *A, int64_t n, double *w))                  \
    /* log |det A| (LU): -inf if singular, NaN if A holds a NaN, 0 for n = 0 */          \
    X(double, logdet, (const double *A, int64_t n, double *w))                           \
    /* idx = the stable order of key[0..n) (NaN last for doubles), tmp n scratch */       \
    X(void, argsort_f64, (const double *key, int64_t *idx, int64_t *tmp, int64_t n))     \
    X(void, argsort_i64, (const int64_t *key, int64_t *idx, int64_t *tmp, int64_t n))     \
    /* node k of the running function's graph through the op table (arguments and result \
     * by pointer, in the graph's dtypes and shapes); nonzero with the error recorded on  \
     * failure */                                                                         \
    X(int, host_op, (int32_t k, const void *const *in, void *out))

/* Doubles of work space the matrix kernels need (pivots take a double each). */
#define CG_RT_WORK_CHOLESKY(n) ((n) * (n))
#define CG_RT_WORK_CHOLESKY_VJP(n) (2 * (n) * (n))
#define CG_RT_WORK_TRISOLVE(n, m) ((n) * (n) + (n) * (m))
#define CG_RT_WORK_SOLVE(n, m) ((n) * (n) + (n) * (m) + (n))
#define CG_RT_WORK_INV(n) (2 * (n) * (n) + (n))
#define CG_RT_WORK_LOGDET(n) ((n) * (n) + (n))

#define CG_RT_FIELD(ret, name, args) ret(*name) args;
typedef struct cg_rt {
    CG_RT_FUNCS(CG_RT_FIELD)
} cg_rt;
#undef CG_RT_FIELD

/* The table of this library's functions. */
const cg_rt *cg_runtime(void);

struct cg_graph;
/* The graph whose code runs on this thread (what host_op reads; cg_fn_run sets it):
 * returns the one it replaced. */
const struct cg_graph *cg_runtime_enter(const struct cg_graph *g);

#endif
