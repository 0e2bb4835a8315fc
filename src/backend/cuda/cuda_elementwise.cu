/* cuda_elementwise.cu — the kernels of the elementwise ops (ops_unary.def,
 * ops_binary.def, ops_core.def; launchers in cuda_elementwise_kern.h). One thread per
 * output element in grid-stride loops, a template per dtype. Each op computes what its
 * CPU kernel (backend/cpu/cpu_unary.c, cpu_binary.c, cpu_core.c) computes: each applies
 * the op's functor of cuda_ew_fn.h (shared with the fused kernels of cuda_fuse.c) with
 * the dtypes named here. */
#include "cuda_elementwise_kern.h"
#include "cuda_ew_fn.h"

namespace {

#define FOR_EACH(i, n)                                                                         \
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < (n);                  \
         i += (int64_t)gridDim.x * blockDim.x)

/* Input k (elements x) at output element i (cuda_kern.h's cu_bcast): read through the
 * broadcast, or the value passed by value. */
template <typename T> __device__ __forceinline__ T bc_load(const T *x, const cu_bcast &b, int k, int64_t i) {
    if (b.mode[k] == CU_VALUE) {
        T v;
        memcpy(&v, &b.value[k], sizeof v);
        return v;
    }
    return x[cu_bcast_offset(&b, k, i)];
}

/* ---- kernels and their launches ---- */

template <typename TO, typename TI, typename F> __global__ void map1_kernel(TO *o, const TI *x, int64_t n, F f) {
    FOR_EACH(i, n) o[i] = (TO)f(x[i]);
}

template <typename TO, typename TI, typename F>
__global__ void map2_kernel(TO *o, const TI *a, const TI *b, cu_bcast bc, F f) {
    FOR_EACH(i, bc.size) o[i] = (TO)f(bc_load(a, bc, 0, i), bc_load(b, bc, 1, i));
}

template <typename TO, typename T0, typename T, typename F>
__global__ void map3_kernel(TO *o, const T0 *x0, const T *x1, const T *x2, cu_bcast bc, F f) {
    FOR_EACH(i, bc.size) o[i] = (TO)f(bc_load(x0, bc, 0, i), bc_load(x1, bc, 1, i), bc_load(x2, bc, 2, i));
}

template <typename T> __global__ void gather_kernel(T *o, const T *x, cu_bcast bc) {
    FOR_EACH(i, bc.size) o[i] = bc_load(x, bc, 0, i);
}

template <typename TO, typename TI, typename F>
cudaError_t map1(cudaStream_t s, const cu_arr &out, const cu_arr &in, F f) {
    if (out.size == 0) return cudaSuccess;
    map1_kernel<<<cu_grid(out.size), CU_BLOCK, 0, s>>>((TO *)out.p, (const TI *)in.p, out.size, f);
    return cudaGetLastError();
}

template <typename TO, typename TI, typename F>
cudaError_t map2(cudaStream_t s, const cu_arr &out, const cu_arr &a, const cu_arr &b, const cu_bcast *bc, F f) {
    if (out.size == 0) return cudaSuccess;
    map2_kernel<<<cu_grid(out.size), CU_BLOCK, 0, s>>>((TO *)out.p, (const TI *)a.p, (const TI *)b.p, *bc, f);
    return cudaGetLastError();
}

template <typename TO, typename T0, typename T, typename F>
cudaError_t map3(cudaStream_t s, const cu_arr &out, const cu_arr &x0, const cu_arr &x1, const cu_arr &x2,
                 const cu_bcast *bc, F f) {
    if (out.size == 0) return cudaSuccess;
    map3_kernel<<<cu_grid(out.size), CU_BLOCK, 0, s>>>((TO *)out.p, (const T0 *)x0.p, (const T *)x1.p,
                                                       (const T *)x2.p, *bc, f);
    return cudaGetLastError();
}

/* ---- unary ops (the functors: cuda_ew_fn.h) ---- */

template <typename F> cudaError_t unary_split(cudaStream_t s, const cu_arr &out, const cu_arr &in, F f) {
    switch (out.dtype) {
    case CU_F64: return map1<double, double>(s, out, in, f);
    case CU_F32: return map1<float, float>(s, out, in, f);
    case CU_I64: return map1<int64_t, int64_t>(s, out, in, f);
    default: return cudaErrorNotSupported;
    }
}

template <typename F> cudaError_t unary_float(cudaStream_t s, const cu_arr &out, const cu_arr &in, F f) {
    switch (out.dtype) {
    case CU_F64: return map1<double, double>(s, out, in, f);
    case CU_F32: return map1<float, float>(s, out, in, f);
    default: return cudaErrorNotSupported;
    }
}

template <typename F> cudaError_t unary_bool(cudaStream_t s, const cu_arr &out, const cu_arr &in, F f) {
    switch (in.dtype) {
    case CU_F64: return map1<uint8_t, double>(s, out, in, f);
    case CU_F32: return map1<uint8_t, float>(s, out, in, f);
    case CU_I64: return map1<uint8_t, int64_t>(s, out, in, f);
    default: return map1<uint8_t, uint8_t>(s, out, in, f);
    }
}

/* ---- binary ops ---- */

template <typename F>
cudaError_t binary_split(cudaStream_t s, const cu_arr &out, const cu_arr &a, const cu_arr &b, const cu_bcast *bc, F f) {
    switch (out.dtype) {
    case CU_F64: return map2<double, double>(s, out, a, b, bc, f);
    case CU_F32: return map2<float, float>(s, out, a, b, bc, f);
    case CU_I64: return map2<int64_t, int64_t>(s, out, a, b, bc, f);
    default: return cudaErrorNotSupported;
    }
}

template <typename F>
cudaError_t binary_float(cudaStream_t s, const cu_arr &out, const cu_arr &a, const cu_arr &b, const cu_bcast *bc, F f) {
    switch (out.dtype) {
    case CU_F64: return map2<double, double>(s, out, a, b, bc, f);
    case CU_F32: return map2<float, float>(s, out, a, b, bc, f);
    default: return cudaErrorNotSupported;
    }
}

template <typename F>
cudaError_t binary_bool(cudaStream_t s, const cu_arr &out, const cu_arr &a, const cu_arr &b, const cu_bcast *bc, F f) {
    switch (a.dtype) {
    case CU_F64: return map2<uint8_t, double>(s, out, a, b, bc, f);
    case CU_F32: return map2<uint8_t, float>(s, out, a, b, bc, f);
    case CU_I64: return map2<uint8_t, int64_t>(s, out, a, b, bc, f);
    default: return map2<uint8_t, uint8_t>(s, out, a, b, bc, f);
    }
}

/* ---- cast ---- */

template <typename TD> cudaError_t cast_to(cudaStream_t s, const cu_arr &out, const cu_arr &in) {
    switch (in.dtype) {
    case CU_F64: return map1<TD, double>(s, out, in, convert_to<TD>());
    case CU_F32: return map1<TD, float>(s, out, in, convert_to<TD>());
    case CU_I64: return map1<TD, int64_t>(s, out, in, convert_to<TD>());
    default: return map1<TD, uint8_t>(s, out, in, convert_to<TD>());
    }
}

} // namespace

/* ---- the launchers ---- */

extern "C" cudaError_t cu_ew_unary(cudaStream_t s, int op, cu_arr out, cu_arr in) {
    switch (op) {
#define CASE_SPLIT(ID, FEXPR, IEXPR) \
    case CU_EW_##ID: return unary_split(s, out, in, un_##ID());
#define CASE_FLOAT(ID, EXPR) \
    case CU_EW_##ID: return unary_float(s, out, in, un_##ID());
#define CASE_BOOL(ID, FEXPR, IEXPR) \
    case CU_EW_##ID: return unary_bool(s, out, in, un_##ID());
        UNARY_SPLIT(CASE_SPLIT)
        UNARY_FLOAT(CASE_FLOAT)
        UNARY_BOOL(CASE_BOOL)
    default: return cudaErrorNotSupported;
    }
}

extern "C" cudaError_t cu_ew_binary(cudaStream_t s, int op, cu_arr out, cu_arr a, cu_arr b, const cu_bcast *bc) {
    switch (op) {
#define CASE_BIN_SPLIT(ID, FEXPR, IEXPR) \
    case CU_EW_##ID: return binary_split(s, out, a, b, bc, bin_##ID());
#define CASE_BIN_FLOAT(ID, EXPR) \
    case CU_EW_##ID: return binary_float(s, out, a, b, bc, bin_##ID());
#define CASE_BIN_BOOL(ID, EXPR) \
    case CU_EW_##ID: return binary_bool(s, out, a, b, bc, bin_##ID());
        BINARY_SPLIT(CASE_BIN_SPLIT)
        BINARY_FLOAT(CASE_BIN_FLOAT)
        BINARY_BOOL(CASE_BIN_BOOL)
    default: return cudaErrorNotSupported;
    }
}

extern "C" cudaError_t cu_ew_ternary(cudaStream_t s, int op, cu_arr out, cu_arr x0, cu_arr x1, cu_arr x2,
                                     const cu_bcast *bc) {
    if (op == CU_EW_WHERE) {
        switch (out.dtype) {
        case CU_F64: return map3<double, uint8_t, double>(s, out, x0, x1, x2, bc, where_fn());
        case CU_F32: return map3<float, uint8_t, float>(s, out, x0, x1, x2, bc, where_fn());
        case CU_I64: return map3<int64_t, uint8_t, int64_t>(s, out, x0, x1, x2, bc, where_fn());
        default: return map3<uint8_t, uint8_t, uint8_t>(s, out, x0, x1, x2, bc, where_fn());
        }
    }
    if (op == CU_EW_CLIP) {
        switch (out.dtype) {
        case CU_F64: return map3<double, double, double>(s, out, x0, x1, x2, bc, clip_fn());
        case CU_F32: return map3<float, float, float>(s, out, x0, x1, x2, bc, clip_fn());
        case CU_I64: return map3<int64_t, int64_t, int64_t>(s, out, x0, x1, x2, bc, clip_fn());
        default: return cudaErrorNotSupported;
        }
    }
    return cudaErrorNotSupported;
}

extern "C" cudaError_t cu_ew_cast(cudaStream_t s, cu_arr out, cu_arr in) {
    switch (out.dtype) {
    case CU_F64: return cast_to<double>(s, out, in);
    case CU_F32: return cast_to<float>(s, out, in);
    case CU_I64: return cast_to<int64_t>(s, out, in);
    default: return cast_to<uint8_t>(s, out, in);
    }
}

extern "C" cudaError_t cu_ew_broadcast(cudaStream_t s, cu_arr out, cu_arr in, const cu_bcast *bc) {
    if (out.size == 0) return cudaSuccess;
    unsigned g = cu_grid(out.size);
    switch (out.dtype) {
    case CU_F64:
    case CU_I64: gather_kernel<<<g, CU_BLOCK, 0, s>>>((uint64_t *)out.p, (const uint64_t *)in.p, *bc); break;
    case CU_F32: gather_kernel<<<g, CU_BLOCK, 0, s>>>((uint32_t *)out.p, (const uint32_t *)in.p, *bc); break;
    default: gather_kernel<<<g, CU_BLOCK, 0, s>>>((uint8_t *)out.p, (const uint8_t *)in.p, *bc); break;
    }
    return cudaGetLastError();
}
