/* cuda_fused.c — CUDA kernels of the fused rows of ops_fused.def (the kernels proper
 * are in cuda_fused.cu; this side reads the calls as the CPU kernels do, in
 * backend/cpu/cpu_fused.c and cpu_discrete.c). Not here: SCALAR_LOGPDF, whose density is
 * a host C function of a family (dist.c keeps device values off it: the family's array
 * formulas run on the device instead); on a device it is "not supported". DRAW runs the
 * family's sampler through the op table, as on the CPU, and copies the draw into its
 * output on the device. */
#include <pthread.h>

#include "../../array/fused_math.h"
#include "cuda_fused_kern.h"
#include "cuda_int.h"

static const void *data_of(const gen_array *a) { return a->data; }

static gen_status cuda_normal_logpdf(const op_call *c) {
    return cuda_launched(c, cu_normal_logpdf(cuda_stream(c), c->out->data, data_of(c->in[0]), data_of(c->in[1]),
                                             data_of(c->in[2]), cuda_bcast(c, 3)));
}

/* The two cases of the shape rule (ops_fused.c): rows of mu against one sigma, or one
 * value of x's shape. */
static gen_status cuda_normal_logpdf_sum(const op_call *c) {
    const gen_array *x = c->in[0], *mu = c->in[1], *sg = c->in[2];
    bool full;
    cudaError_t e;
    if (fused_normal_sum_rows(x, mu, sg, c->p->ndim, &full)) {
        int64_t rows = c->out->size, m = rows ? mu->size / rows : 0;
        e = cu_normal_logpdf_sum(cuda_stream(c), c->out->data, x->data, full ? m : 0, mu->data, 1, m, sg->data, 0,
                                 rows, m);
    } else {
        e = cu_normal_logpdf_sum(cuda_stream(c), c->out->data, x->data, 0, mu->data, mu->size == 1 ? 0 : 1, 0,
                                 sg->data, sg->size == 1 ? 0 : 1, 1, x->size);
    }
    return cuda_launched(c, e);
}

static gen_status cuda_bijection_scalar(const op_call *c) {
    const double *lo = c->n_in > 1 ? data_of(c->in[1]) : NULL, *hi = c->n_in > 2 ? data_of(c->in[2]) : NULL;
    return cuda_launched(c, cu_bijection_scalar(cuda_stream(c), (int)c->p->k, data_of(c->in[0]), lo, hi,
                                                c->outs[0]->data, c->outs[1]->data));
}

static gen_status cuda_sum_scalars(const op_call *c) {
    enum { STACK = 64 };
    const double *stack[STACK], **terms = c->n_in <= STACK ? stack : core_alloc((size_t)c->n_in * sizeof *terms);
    if (!terms) return GEN_ERR_OOM;
    for (int i = 0; i < c->n_in; i++) terms[i] = data_of(c->in[i]);
    gen_status st = cuda_launched(c, cu_sum_scalars(cuda_stream(c), c->out->data, terms, c->n_in));
    if (terms != stack) core_free(terms, (size_t)c->n_in * sizeof *terms);
    return st;
}

/* Dispatch makes custom_vjp's outputs views of the forward outputs and runs no kernel;
 * as a kernel (as cpu_custom_vjp) it copies them. */
static gen_status cuda_custom_vjp(const op_call *c) {
    int k = (int)c->p->k;
    for (int j = 0; j < c->n_out; j++) {
        const gen_array *src = c->in[k + j];
        size_t n = (size_t)src->size * gen_dtype_size((gen_dtype)src->dtype);
        if (!n) continue;
        cudaError_t e = cudaMemcpyAsync(c->outs[j]->data, src->data, n, cudaMemcpyDeviceToDevice, cuda_stream(c));
        if (e != cudaSuccess) return cuda_launched(c, e);
    }
    return GEN_OK;
}

/* x against the output, and the first element of each output element's table row. */
static gen_status cuda_categorical_gather(const op_call *c) {
    const gen_array *x = c->in[0], *table = c->in[1];
    int64_t k = table->shape[table->ndim - 1];
    cu_bcast b = cuda_bcast(c, 1);
    b.nin = 2;
    b.mode[1] = CU_STRIDED;
    fused_row_strides(table->ndim - 1, table->shape, k, c->out->ndim, b.strides[1]);
    return cuda_launched(c, cu_categorical_gather(cuda_stream(c), c->out->data, c->out->dtype, x->data, x->dtype,
                                                  table->data, k, b));
}

/* The rows' cumulative weights live in work space from the device's pool, freed in
 * stream order after the draws. */
static gen_status cuda_categorical_sample(const op_call *c) {
    const gen_array *a = c->in[0], *u = c->in[1];
    int64_t k = a->shape[a->ndim - 1], rows = a->size / k;
    if (rows == 0 || c->out->size == 0) return GEN_OK;
    const backend *be = c->out->buf->backend;
    size_t nbytes = (size_t)(rows * k) * sizeof(double);
    double *cdf = be->mem_alloc(nbytes);
    if (!cdf) return core_error_pending() ? core_error_pending() : GEN_ERR_OOM;
    cudaError_t e = cu_categorical_sample(cuda_stream(c), c->out->data, c->out->size, a->data, a->dtype, rows, k,
                                          c->p->k != 0, u->data, cdf);
    be->mem_free(cdf, nbytes);
    return cuda_launched(c, e);
}

/* log k! for k < FUSED_LFACT_TABLE, computed on the host with the CPU kernel's function
 * (the same table, bit for bit), once. */
static double lfact[FUSED_LFACT_TABLE];
static pthread_once_t lfact_once = PTHREAD_ONCE_INIT;
static void lfact_init(void) {
    for (int i = 0; i < FUSED_LFACT_TABLE; i++) lfact[i] = sf_lgamma(i + 1.0);
}

static gen_status cuda_poisson_logpmf(const op_call *c) {
    const gen_array *x = c->in[0], *rate = c->in[1];
    pthread_once(&lfact_once, lfact_init);
    return cuda_launched(c, cu_poisson_logpmf(cuda_stream(c), c->out->data, c->out->dtype, x->data, x->dtype,
                                              rate->data, rate->dtype, cuda_bcast(c, 2), lfact));
}

/* The draw x into c->out: from the host (the runtime stages pageable memory before
 * returning, so x may be freed at once), within the device in stream order, or from
 * another device through a host copy. */
static gen_status copy_draw(const op_call *c, const gen_array *x) {
    gen_array *o = c->out;
    const backend *be = o->buf->backend;
    size_t n = (size_t)o->size * gen_dtype_size((gen_dtype)o->dtype);
    if (n == 0) return GEN_OK;
    if (arr_on_host(x)) return be->from_host(o->data, x->data, n);
    gen_status st = arr_ready(x); /* the sampler's last ops may still be pending */
    if (st != GEN_OK) return st;
    if (x->buf->backend == be)
        return cuda_launched(c, cudaMemcpyAsync(o->data, x->data, n, cudaMemcpyDeviceToDevice, cuda_stream(c)));
    gen_array *h = arr_host_ref(x);
    if (!h) return core_error_pending() ? core_error_pending() : GEN_ERR_OOM;
    st = be->from_host(o->data, h->data, n);
    gen_array_release(h);
    return st;
}

static gen_status cuda_draw(const op_call *c) {
    const op_draw_site *site = c->p->payload;
    gen_status st = gen_scope_begin();
    if (st != GEN_OK) return st;
    gen_array *x = site->sample(site, c);
    st = x ? copy_draw(c, x) : core_error_pending() ? core_error_pending() : GEN_ERR_OOM;
    gen_scope_end();
    return st;
}

void cuda_kernels_fused(op_kernel_fn *k) {
    k[OP_NORMAL_LOGPDF] = cuda_normal_logpdf;
    k[OP_NORMAL_LOGPDF_SUM] = cuda_normal_logpdf_sum;
    k[OP_BIJECTION_SCALAR] = cuda_bijection_scalar;
    k[OP_SUM_SCALARS] = cuda_sum_scalars;
    k[OP_CUSTOM_VJP] = cuda_custom_vjp;
    k[OP_CATEGORICAL_GATHER] = cuda_categorical_gather;
    k[OP_CATEGORICAL_SAMPLE] = cuda_categorical_sample;
    k[OP_POISSON_LOGPMF] = cuda_poisson_logpmf;
    k[OP_DRAW] = cuda_draw;
    /* OP_SCALAR_LOGPDF: none (see the top) */
}
