/* cuda_linalg.cu — the small kernels of the linalg ops (launchers in cuda_linalg_kern.h):
 * column-major double work copies in and out, NaN guards, identities, the pointer
 * arrays of the libraries' batched calls, the first failed factorization, logdet from
 * an LU factor, diagonals, and the Cholesky VJP a thread per column. The factorizations,
 * products and solves themselves are cuBLAS's and cuSOLVER's (cuda_linalg.c). */
#include <math_constants.h>

#include "../../array/cholesky_vjp_col.h"
#include "cuda_linalg_kern.h"

#define GRID_STRIDE(i, n)                                                                             \
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < (n); i += (int64_t)gridDim.x * blockDim.x)

/* Element i of an array of dtype, as a double; and a double stored as dtype (as the
 * CPU's arr_get_f64 / arr_set_f64). */
__device__ static double get_f64(const void *p, int dtype, int64_t i) {
    switch (dtype) {
    case CU_F64: return ((const double *)p)[i];
    case CU_F32: return (double)((const float *)p)[i];
    case CU_I64: return (double)((const int64_t *)p)[i];
    default: return ((const uint8_t *)p)[i] ? 1.0 : 0.0;
    }
}
__device__ static void set_f64(void *p, int dtype, int64_t i, double v) {
    switch (dtype) {
    case CU_F64: ((double *)p)[i] = v; break;
    case CU_F32: ((float *)p)[i] = (float)v; break;
    case CU_I64: ((int64_t *)p)[i] = (int64_t)v; break;
    default: ((uint8_t *)p)[i] = v != 0; break;
    }
}

/* A map passed by value (NULL: none). */
static cu_lin_map map_or_none(const cu_lin_map *map, bool *mapped) {
    cu_lin_map m = {};
    *mapped = map != NULL;
    if (map) m = *map;
    return m;
}

/* ---- work copies ---- */

__global__ void load_kernel(double *dst, const void *src, int dtype, int64_t rows, int64_t cols, cu_lin_map map,
                            bool mapped, int64_t total) {
    int64_t rc = rows * cols;
    GRID_STRIDE(e, total) { /* e: element (r, c) of matrix b, column-major */
        int64_t b = e / rc, rem = e % rc, c = rem / rows, r = rem % rows;
        int64_t sb = mapped ? cu_lin_src(&map, b) : b;
        dst[e] = get_f64(src, dtype, sb * rc + r * cols + c);
    }
}

extern "C" cudaError_t cu_lin_load(cudaStream_t s, double *dst, const void *src, int dtype, int64_t rows,
                                   int64_t cols, const cu_lin_map *map, int64_t nb) {
    int64_t total = nb * rows * cols;
    if (total == 0) return cudaSuccess;
    bool mapped;
    cu_lin_map m = map_or_none(map, &mapped);
    load_kernel<<<cu_grid(total), CU_BLOCK, 0, s>>>(dst, src, dtype, rows, cols, m, mapped, total);
    return cudaGetLastError();
}

__global__ void store_kernel(void *dst, int dtype, const double *src, int64_t rows, int64_t cols, bool lower,
                             const int *nan_flag, int64_t total) {
    int64_t rc = rows * cols;
    GRID_STRIDE(e, total) { /* e: element (r, c) of matrix b, row-major */
        int64_t b = e / rc, rem = e % rc, r = rem / cols, c = rem % cols;
        double v;
        if (nan_flag && nan_flag[b]) v = CUDART_NAN;
        else if (lower && c > r) v = 0.0;
        else v = src[b * rc + c * rows + r];
        set_f64(dst, dtype, e, v);
    }
}

extern "C" cudaError_t cu_lin_store(cudaStream_t s, void *dst, int dtype, const double *src, int64_t rows,
                                    int64_t cols, int64_t nb, bool lower, const int *nan_flag) {
    int64_t total = nb * rows * cols;
    if (total == 0) return cudaSuccess;
    store_kernel<<<cu_grid(total), CU_BLOCK, 0, s>>>(dst, dtype, src, rows, cols, lower, nan_flag, total);
    return cudaGetLastError();
}

/* ---- NaN guards and identities ---- */

__global__ void nan_find_kernel(const double *w, int64_t n, bool lower, int *flag, int64_t total) {
    int64_t nn = n * n;
    GRID_STRIDE(e, total) { /* column-major: element (r, c) at c n + r */
        int64_t b = e / nn, rem = e % nn, c = rem / n, r = rem % n;
        if ((!lower || r >= c) && isnan(w[e])) flag[b] = 1;
    }
}

/* Matrices b of w with flag[b] set (every one when flag is NULL) become the identity. */
__global__ void identity_kernel(double *w, int64_t n, const int *flag, int64_t total) {
    int64_t nn = n * n;
    GRID_STRIDE(e, total) {
        int64_t b = e / nn, rem = e % nn;
        if (!flag || flag[b]) w[e] = rem / n == rem % n ? 1.0 : 0.0;
    }
}

extern "C" cudaError_t cu_lin_nan_guard(cudaStream_t s, double *w, int64_t n, int64_t nb, bool lower, int *flag) {
    if (nb == 0) return cudaSuccess;
    cudaError_t e = cudaMemsetAsync(flag, 0, (size_t)nb * sizeof *flag, s);
    int64_t total = nb * n * n;
    if (e != cudaSuccess || total == 0) return e;
    nan_find_kernel<<<cu_grid(total), CU_BLOCK, 0, s>>>(w, n, lower, flag, total);
    identity_kernel<<<cu_grid(total), CU_BLOCK, 0, s>>>(w, n, flag, total);
    return cudaGetLastError();
}

extern "C" cudaError_t cu_lin_identity(cudaStream_t s, double *w, int64_t n, int64_t nb) {
    int64_t total = nb * n * n;
    if (total == 0) return cudaSuccess;
    identity_kernel<<<cu_grid(total), CU_BLOCK, 0, s>>>(w, n, NULL, total);
    return cudaGetLastError();
}

/* ---- pointer arrays and pivots ---- */

__global__ void ptrs_kernel(void **ptrs, char *base, int64_t matrix_bytes, cu_lin_map map, bool mapped, int64_t nb) {
    GRID_STRIDE(b, nb) ptrs[b] = base + (mapped ? cu_lin_src(&map, b) : b) * matrix_bytes;
}

extern "C" cudaError_t cu_lin_ptrs(cudaStream_t s, void **ptrs, void *base, int64_t matrix_bytes,
                                   const cu_lin_map *map, int64_t nb) {
    if (nb == 0) return cudaSuccess;
    bool mapped;
    cu_lin_map m = map_or_none(map, &mapped);
    ptrs_kernel<<<cu_grid(nb), CU_BLOCK, 0, s>>>(ptrs, (char *)base, matrix_bytes, m, mapped, nb);
    return cudaGetLastError();
}

__global__ void expand_pivots_kernel(int *dst, const int *src, int64_t n, cu_lin_map map, bool mapped,
                                     int64_t total) {
    GRID_STRIDE(e, total) {
        int64_t b = e / n;
        dst[e] = src[(mapped ? cu_lin_src(&map, b) : b) * n + e % n];
    }
}

extern "C" cudaError_t cu_lin_expand_pivots(cudaStream_t s, int *dst, const int *src, int64_t n,
                                            const cu_lin_map *map, int64_t nb) {
    int64_t total = nb * n;
    if (total == 0) return cudaSuccess;
    bool mapped;
    cu_lin_map m = map_or_none(map, &mapped);
    expand_pivots_kernel<<<cu_grid(total), CU_BLOCK, 0, s>>>(dst, src, n, m, mapped, total);
    return cudaGetLastError();
}

/* ---- the first failed factorization ---- */

/* res[0] starts as all ones bits: ULLONG_MAX unsigned, -1 as an int64 (none). */
__global__ void first_failure_kernel(const int *info, const int *skip, int64_t nb, unsigned long long *res) {
    GRID_STRIDE(b, nb) {
        if (info[b] != 0 && !(skip && skip[b])) atomicMin(res, (unsigned long long)b);
    }
}

__global__ void failure_info_kernel(const int *info, int64_t *res) {
    res[1] = res[0] >= 0 ? info[res[0]] : 0;
}

extern "C" cudaError_t cu_lin_first_failure(cudaStream_t s, const int *info, const int *skip, int64_t nb,
                                            int64_t *res) {
    cudaError_t e = cudaMemsetAsync(res, 0xFF, sizeof *res, s);
    if (e != cudaSuccess) return e;
    if (nb > 0) first_failure_kernel<<<cu_grid(nb), CU_BLOCK, 0, s>>>(info, skip, nb, (unsigned long long *)res);
    failure_info_kernel<<<1, 1, 0, s>>>(info, res);
    return cudaGetLastError();
}

/* ---- logdet ---- */

__global__ void logdet_kernel(void *out, int dtype, const double *lu, int64_t n, const int *info,
                              const int *nan_flag, int64_t nb) {
    GRID_STRIDE(b, nb) {
        double v;
        if (nan_flag && nan_flag[b]) v = CUDART_NAN;
        else if (info[b] > 0) v = -CUDART_INF;
        else {
            const double *a = lu + b * n * n;
            v = 0.0;
            for (int64_t j = 0; j < n; j++) v += log(fabs(a[j * n + j]));
        }
        set_f64(out, dtype, b, v);
    }
}

extern "C" cudaError_t cu_lin_logdet(cudaStream_t s, void *out, int dtype, const double *lu, int64_t n,
                                     int64_t nb, const int *info, const int *nan_flag) {
    if (nb == 0) return cudaSuccess;
    logdet_kernel<<<cu_grid(nb), CU_BLOCK, 0, s>>>(out, dtype, lu, n, info, nan_flag, nb);
    return cudaGetLastError();
}

/* ---- diagonals (any element type: they copy) ---- */

template <typename T> __global__ void diag_kernel(T *dst, const T *src, int64_t n, int64_t total) {
    GRID_STRIDE(e, total) { /* e: element i of matrix b's diagonal */
        int64_t b = e / n, i = e % n;
        dst[e] = src[b * n * n + i * n + i];
    }
}

template <typename T> __global__ void diag_embed_kernel(T *dst, const T *src, int64_t n, int64_t total) {
    int64_t nn = n * n;
    GRID_STRIDE(e, total) {
        int64_t b = e / nn, rem = e % nn, r = rem / n, c = rem % n;
        dst[e] = r == c ? src[b * n + r] : T(0);
    }
}

extern "C" cudaError_t cu_lin_diag(cudaStream_t s, void *dst, const void *src, int es, int64_t n, int64_t nb) {
    int64_t total = nb * n;
    if (total == 0) return cudaSuccess;
    unsigned g = cu_grid(total);
    switch (es) {
    case 8: diag_kernel<<<g, CU_BLOCK, 0, s>>>((uint64_t *)dst, (const uint64_t *)src, n, total); break;
    case 4: diag_kernel<<<g, CU_BLOCK, 0, s>>>((uint32_t *)dst, (const uint32_t *)src, n, total); break;
    default: diag_kernel<<<g, CU_BLOCK, 0, s>>>((uint8_t *)dst, (const uint8_t *)src, n, total); break;
    }
    return cudaGetLastError();
}

extern "C" cudaError_t cu_lin_diag_embed(cudaStream_t s, void *dst, const void *src, int es, int64_t n,
                                         int64_t nb) {
    int64_t total = nb * n * n;
    if (total == 0) return cudaSuccess;
    unsigned g = cu_grid(total);
    switch (es) {
    case 8: diag_embed_kernel<<<g, CU_BLOCK, 0, s>>>((uint64_t *)dst, (const uint64_t *)src, n, total); break;
    case 4: diag_embed_kernel<<<g, CU_BLOCK, 0, s>>>((uint32_t *)dst, (const uint32_t *)src, n, total); break;
    default: diag_embed_kernel<<<g, CU_BLOCK, 0, s>>>((uint8_t *)dst, (const uint8_t *)src, n, total); break;
    }
    return cudaGetLastError();
}

/* ---- the Cholesky VJP: a thread per column of each matrix, three passes ---- */

__global__ void chol_z_kernel(const double *l, const double *g, double *z, int64_t n, int64_t total) {
    GRID_STRIDE(t, total) {
        int64_t off = t / n * n * n;
        chol_vjp_col_z(l + off, g + off, z + off, n, t % n);
    }
}

__global__ void chol_pt_kernel(const double *l, const double *z, double *a, int64_t n, int64_t total) {
    GRID_STRIDE(t, total) {
        int64_t off = t / n * n * n;
        chol_vjp_col_pt(l + off, z + off, a + off, n, t % n);
    }
}

__global__ void chol_sym_kernel(double *a, int64_t n, int64_t total) {
    int64_t nn = n * n;
    GRID_STRIDE(e, total) {
        int64_t b = e / nn, rem = e % nn, i = rem / n, j = rem % n;
        if (i <= j) chol_vjp_sym(a + b * nn, n, i, j);
    }
}

extern "C" cudaError_t cu_chol_vjp(cudaStream_t s, const double *l, const double *g, double *a, double *z,
                                   int64_t n, int64_t nb) {
    int64_t cols = nb * n;
    if (cols == 0) return cudaSuccess;
    chol_z_kernel<<<cu_grid(cols), CU_BLOCK, 0, s>>>(l, g, z, n, cols);
    chol_pt_kernel<<<cu_grid(cols), CU_BLOCK, 0, s>>>(l, z, a, n, cols);
    chol_sym_kernel<<<cu_grid(cols * n), CU_BLOCK, 0, s>>>(a, n, cols * n);
    return cudaGetLastError();
}
