/* cuda_fused.cu — CUDA kernels of the fused rows (launchers: cuda_fused_kern.h). One
 * thread per output element (grid-stride loops), one thread per row where the CPU sums
 * in an order the result depends on, a block per row only for long rows (CUB's block
 * reduction). The per-element arithmetic is the CPU kernels' own (array/fused_hd.h). */
#include <cub/block/block_reduce.cuh>

#include "../../array/dtype_convert.h"
#include "../../array/fused_hd.h"
#include "cuda_fused_kern.h"

#define GRID_STRIDE(i, n)                                                                                         \
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < (n); i += (int64_t)gridDim.x * blockDim.x)

/* The element of input k read at output element i (cu_bcast's modes). */
static __device__ __forceinline__ int64_t bc_off(const cu_bcast &b, int k, int64_t i) { return cu_bcast_offset(&b, k, i); }

/* Element i of an array of dtype t as a double (arr_get_f64). */
static __device__ __forceinline__ double ld_f64(const void *p, int t, int64_t i) {
    switch (t) {
    case CU_BOOL: return ((const uint8_t *)p)[i] ? 1.0 : 0.0;
    case CU_I64: return (double)((const int64_t *)p)[i];
    case CU_F32: return (double)((const float *)p)[i];
    default: return ((const double *)p)[i];
    }
}

/* v stored as arr_set_f64 stores it. */
static __device__ __forceinline__ void st(float *o, int64_t i, double v) { o[i] = cvt_f64_to_f32(v); }
static __device__ __forceinline__ void st(double *o, int64_t i, double v) { o[i] = v; }

/* ---- NORMAL_LOGPDF ---- */

static __global__ void normal_logpdf_kernel(double *out, const double *x, const double *mu, const double *sg,
                                            cu_bcast b) {
    GRID_STRIDE(i, b.size) out[i] = fused_normal_lpdf(x[bc_off(b, 0, i)], mu[bc_off(b, 1, i)], sg[bc_off(b, 2, i)]);
}

extern "C" cudaError_t cu_normal_logpdf(cudaStream_t s, double *out, const double *x, const double *mu,
                                        const double *sigma, cu_bcast b) {
    if (b.size == 0) return cudaSuccess;
    normal_logpdf_kernel<<<cu_grid(b.size), CU_BLOCK, 0, s>>>(out, x, mu, sigma, b);
    return cudaGetLastError();
}

/* ---- NORMAL_LOGPDF_SUM ---- */

/* One thread per row: the CPU's sums in its order. */
static __global__ void normal_sum_serial(double *out, const double *x, int64_t xrs, const double *mu, int64_t sm,
                                         int64_t mrs, const double *sg, int64_t ss, int64_t rows, int64_t m) {
    GRID_STRIDE(r, rows) out[r] = fused_normal_lpdf_sum(x + r * xrs, mu + r * mrs, sm, sg, ss, m);
}

/* One block per row: each thread sums a strided part, the block adds the parts (CUB),
 * and the normalization is fused_normal_lpdf_sum's. */
#define SUM_BLOCK 256
static __global__ void normal_sum_block(double *out, const double *x, int64_t xrs, const double *mu, int64_t sm,
                                        int64_t mrs, const double *sg, int64_t ss, int64_t rows, int64_t m) {
    typedef cub::BlockReduce<double, SUM_BLOCK> reduce;
    __shared__ typename reduce::TempStorage tmp;
    for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
        const double *xr = x + r * xrs, *mr = mu + r * mrs;
        double acc = 0;
        if (!ss) {
            double inv = 1 / sg[0];
            for (int64_t j = threadIdx.x; j < m; j += SUM_BLOCK) {
                double z = (xr[j] - mr[j * sm]) * inv;
                acc += z * z;
            }
        } else {
            for (int64_t j = threadIdx.x; j < m; j += SUM_BLOCK) {
                double z = (xr[j] - mr[j * sm]) / sg[j];
                acc += -0.5 * (z * z) - log(sg[j]);
            }
        }
        double total = reduce(tmp).Sum(acc);
        if (threadIdx.x == 0)
            out[r] = ss ? total - (double)m * FUSED_HALF_LOG_2PI
                        : -0.5 * total - (double)m * (log(sg[0]) + FUSED_HALF_LOG_2PI);
        __syncthreads(); /* tmp is reused by the next row */
    }
}

extern "C" cudaError_t cu_normal_logpdf_sum(cudaStream_t s, double *out, const double *x, int64_t xrs,
                                            const double *mu, int64_t sm, int64_t mrs, const double *sigma,
                                            int64_t ss, int64_t rows, int64_t m) {
    if (rows == 0) return cudaSuccess;
    if (m <= CU_NORMAL_SUM_SERIAL)
        normal_sum_serial<<<cu_grid(rows), CU_BLOCK, 0, s>>>(out, x, xrs, mu, sm, mrs, sigma, ss, rows, m);
    else
        normal_sum_block<<<(unsigned)(rows < 65535 * 8 ? rows : 65535 * 8), SUM_BLOCK, 0, s>>>(out, x, xrs, mu, sm, mrs,
                                                                                                sigma, ss, rows, m);
    return cudaGetLastError();
}

/* ---- BIJECTION_SCALAR ---- */

static __global__ void bijection_kernel(int k, const double *u, const double *lo, const double *hi, double *x,
                                        double *ld) {
    double p[2] = {lo ? lo[0] : 0, hi ? hi[0] : 0}, dx[3], dld[3];
    bij_scalar_eval(k, u[0], p, x, ld, dx, dld);
}

extern "C" cudaError_t cu_bijection_scalar(cudaStream_t s, int k, const double *u, const double *lo, const double *hi,
                                           double *x, double *ld) {
    bijection_kernel<<<1, 1, 0, s>>>(k, u, lo, hi, x, ld);
    return cudaGetLastError();
}

/* ---- SUM_SCALARS ---- */

/* The addresses of up to SUM_CHUNK terms, passed by value (no copy of a pointer list). */
#define SUM_CHUNK 256
typedef struct sum_terms {
    const double *p[SUM_CHUNK];
} sum_terms;

/* out[0] = (first ? t[0] : out[0]) + the rest of t's n terms, left to right. */
static __global__ void sum_scalars_kernel(double *out, sum_terms t, int n, bool first) {
    double s = first ? t.p[0][0] : out[0];
    for (int i = first ? 1 : 0; i < n; i++) s += t.p[i][0];
    out[0] = s;
}

extern "C" cudaError_t cu_sum_scalars(cudaStream_t s, double *out, const double *const *terms, int64_t n) {
    for (int64_t i = 0; i < n; i += SUM_CHUNK) {
        int m = (int)(n - i < SUM_CHUNK ? n - i : SUM_CHUNK);
        sum_terms t;
        for (int j = 0; j < m; j++) t.p[j] = terms[i + j];
        sum_scalars_kernel<<<1, 1, 0, s>>>(out, t, m, i == 0);
        cudaError_t e = cudaGetLastError();
        if (e != cudaSuccess) return e;
    }
    return cudaSuccess;
}

/* ---- CATEGORICAL_GATHER ---- */

/* The index x's element i holds among k (fused_int_index / fused_float_index), or -1. */
static __device__ __forceinline__ int64_t value_index(const void *x, int t, int64_t i, int64_t k) {
    switch (t) {
    case CU_I64: return fused_int_index(((const int64_t *)x)[i], k);
    case CU_BOOL: return fused_int_index(((const uint8_t *)x)[i], k);
    default: return fused_float_index(ld_f64(x, t, i), k);
    }
}

template <typename T>
static __global__ void gather_kernel(T *out, const void *x, int tx, const T *table, int64_t k, cu_bcast b) {
    GRID_STRIDE(i, b.size) {
        int64_t v = value_index(x, tx, bc_off(b, 0, i), k);
        out[i] = v >= 0 ? table[bc_off(b, 1, i) + v] : (T)-INFINITY;
    }
}

extern "C" cudaError_t cu_categorical_gather(cudaStream_t s, void *out, int out_dtype, const void *x, int x_dtype,
                                             const void *table, int64_t k, cu_bcast b) {
    if (b.size == 0) return cudaSuccess;
    if (out_dtype == CU_F64)
        gather_kernel<<<cu_grid(b.size), CU_BLOCK, 0, s>>>((double *)out, x, x_dtype, (const double *)table, k, b);
    else
        gather_kernel<<<cu_grid(b.size), CU_BLOCK, 0, s>>>((float *)out, x, x_dtype, (const float *)table, k, b);
    return cudaGetLastError();
}

/* ---- CATEGORICAL_SAMPLE ---- */

/* Row r's weights read as doubles, then its normalized cumulative sums (the CPU's). */
static __global__ void cdf_kernel(double *cdf, const void *a, int ta, int64_t rows, int64_t k, bool logits) {
    GRID_STRIDE(r, rows) {
        double *cr = cdf + r * k;
        for (int64_t j = 0; j < k; j++) cr[j] = ld_f64(a, ta, r * k + j);
        fused_row_cdf(cr, k, logits);
    }
}

static __global__ void search_kernel(int64_t *out, int64_t n, const double *cdf, int64_t rows, int64_t k,
                                     const double *u) {
    GRID_STRIDE(i, n) out[i] = fused_search(cdf + (i % rows) * k, k - 1, u[i]);
}

extern "C" cudaError_t cu_categorical_sample(cudaStream_t s, int64_t *out, int64_t n, const void *a, int a_dtype,
                                             int64_t rows, int64_t k, bool logits, const double *u, double *cdf) {
    if (n == 0 || rows == 0) return cudaSuccess;
    cdf_kernel<<<cu_grid(rows), CU_BLOCK, 0, s>>>(cdf, a, a_dtype, rows, k, logits);
    cudaError_t e = cudaGetLastError();
    if (e != cudaSuccess) return e;
    search_kernel<<<cu_grid(n), CU_BLOCK, 0, s>>>(out, n, cdf, rows, k, u);
    return cudaGetLastError();
}

/* ---- POISSON_LOGPMF ---- */

typedef struct lfact_table {
    double v[CU_LFACT_TABLE];
} lfact_table;
static_assert(CU_LFACT_TABLE == FUSED_LFACT_TABLE, "the CPU's table");

template <typename T>
static __global__ void poisson_kernel(T *out, const void *x, int tx, const void *rate, int tr, cu_bcast b,
                                      lfact_table lf) {
    GRID_STRIDE(i, b.size) {
        int64_t ix = bc_off(b, 0, i);
        double r = ld_f64(rate, tr, bc_off(b, 1, i));
        double v = tx == CU_I64 ? fused_count_int(((const int64_t *)x)[ix]) : fused_count_float(ld_f64(x, tx, ix));
        st(out, i, fused_poisson_lpmf(v, r, log(r), lf.v));
    }
}

extern "C" cudaError_t cu_poisson_logpmf(cudaStream_t s, void *out, int out_dtype, const void *x, int x_dtype,
                                         const void *rate, int rate_dtype, cu_bcast b, const double *lfact) {
    if (b.size == 0) return cudaSuccess;
    lfact_table lf;
    for (int i = 0; i < CU_LFACT_TABLE; i++) lf.v[i] = lfact[i];
    if (out_dtype == CU_F64)
        poisson_kernel<<<cu_grid(b.size), CU_BLOCK, 0, s>>>((double *)out, x, x_dtype, rate, rate_dtype, b, lf);
    else
        poisson_kernel<<<cu_grid(b.size), CU_BLOCK, 0, s>>>((float *)out, x, x_dtype, rate, rate_dtype, b, lf);
    return cudaGetLastError();
}
