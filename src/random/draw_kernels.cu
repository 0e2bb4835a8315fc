/* draw_kernels.cu — gen_random_bits / _uniform / _normal on a CUDA device: one thread per
 * Threefry block (elements 2j and 2j + 1), each element computed by the procedures the
 * CPU uses (random_hd.h), so bits and uniforms equal the CPU's bit for bit, and normals
 * too wherever the ziggurat's rectangle decides (the tail and wedge use CUDA's exp and
 * log). */
#include "random_kern.h"

#define RND_BLOCK 256

/* Threads per launch: one per block of two elements, grid-stride loops beyond. */
static unsigned grid_for(int64_t n) {
    int64_t g = (n + RND_BLOCK - 1) / RND_BLOCK;
    return (unsigned)(g < 1 ? 1 : g > 65535 * 8 ? 65535 * 8 : g);
}

/* Element i (raw word w) of a draw of kind KIND, as T. */
template <typename T, int KIND> __device__ static T element(uint64_t w, gen_key kz, uint64_t i);
template <> __device__ int64_t element<int64_t, RND_BITS>(uint64_t w, gen_key, uint64_t) { return (int64_t)w; }
template <> __device__ double element<double, RND_UNIFORM>(uint64_t w, gen_key, uint64_t) { return rnd_u64_to_f64(w); }
template <> __device__ float element<float, RND_UNIFORM>(uint64_t w, gen_key, uint64_t) { return rnd_u64_to_f32(w); }
template <> __device__ double element<double, RND_NORMAL>(uint64_t w, gen_key kz, uint64_t i) {
    return rnd_normal_from_word(w, kz, i);
}
template <> __device__ float element<float, RND_NORMAL>(uint64_t w, gen_key kz, uint64_t i) {
    return (float)rnd_normal_from_word(w, kz, i);
}

template <typename T, int KIND> __global__ void draw_kernel(gen_key key, gen_key kz, int64_t n, T *out) {
    int64_t nblocks = (n + 1) / 2;
    for (int64_t j = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; j < nblocks; j += (int64_t)gridDim.x * blockDim.x) {
        threefry2x64_ctr_t b = rnd_draw_block(key, (uint64_t)j);
        int64_t i = 2 * j;
        out[i] = element<T, KIND>(b.v[0], kz, (uint64_t)i);
        if (i + 1 < n) out[i + 1] = element<T, KIND>(b.v[1], kz, (uint64_t)(i + 1));
    }
}

template <typename T, int KIND> static void launch(cudaStream_t s, gen_key key, int64_t n, void *out) {
    gen_key kz = KIND == RND_NORMAL ? rnd_ziggurat_key(key) : key;
    draw_kernel<T, KIND><<<grid_for((n + 1) / 2), RND_BLOCK, 0, s>>>(key, kz, n, (T *)out);
}

extern "C" cudaError_t rnd_launch_draw(cudaStream_t s, int kind, gen_key key, int dtype, int64_t n, void *out) {
    if (n == 0) return cudaSuccess;
    if (kind == RND_BITS) launch<int64_t, RND_BITS>(s, key, n, out);
    else if (kind == RND_UNIFORM && dtype == GEN_F64) launch<double, RND_UNIFORM>(s, key, n, out);
    else if (kind == RND_UNIFORM) launch<float, RND_UNIFORM>(s, key, n, out);
    else if (dtype == GEN_F64) launch<double, RND_NORMAL>(s, key, n, out);
    else launch<float, RND_NORMAL>(s, key, n, out);
    return cudaGetLastError();
}
