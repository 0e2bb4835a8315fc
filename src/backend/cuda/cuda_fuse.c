/* cuda_fuse.c — the CUDA backend's fuse (backend_api.h's deferred elementwise ops): a
 * buffer's pending expression becomes one kernel, generated as CUDA C, compiled by NVRTC
 * (backend/rtc.h) once per shape of expression (the text without sizes, addresses or
 * values: those travel in the launch's parameters), and launched on the device's stream.
 *
 * One thread per output element (grid-stride, as the elementwise kernels). Each pending
 * op is a local variable computed by the op's functor of cuda_ew_fn.h with the dtypes the
 * elementwise launchers give it, so the result has the bits of the ops run one by one.
 * Arrays that are computed (leaves) are read through their broadcast to the output's
 * shape: at the same element, at element 0, or at an offset from the output element's
 * index and per-axis strides. An argument that views a pending array with other extents
 * (a reshape that adds or drops axes of extent 1 keeps the expression; any other reshape
 * computes the viewed array first) is read through the composed broadcast. Intermediates
 * are never written: they stay pending, and most are released unread. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../rtc.h"
#include "cuda_ew_fn.h"
#include "cuda_int.h"

extern const char *const cuda_fuse_texts[];
extern const int cuda_fuse_texts_n;

#define FZ_MAX_LEAVES 32
#define FZ_MAX_NODES (2 * ARR_PENDING_MAX_COST)
#define FZ_TEXT 24576

/* The kernel's parameters; the program declares the same layout (fz_params_text). */
typedef struct fz_params {
    void *out;
    int64_t size;
    int64_t shape[CU_MAX_DIMS];
    uint32_t magic[CU_MAX_DIMS];
    int32_t shift[CU_MAX_DIMS];
    const void *leaf[FZ_MAX_LEAVES];
    uint64_t value[FZ_MAX_LEAVES];
    int64_t stride[FZ_MAX_LEAVES][CU_MAX_DIMS];
} fz_params;
static const char fz_params_text[] =
    "typedef struct fz_params {\n    void *out;\n    long long size;\n    long long shape[8];\n"
    "    unsigned magic[8];\n    int shift[8];\n    const void *leaf[32];\n    unsigned long long value[32];\n"
    "    long long stride[32][8];\n} fz_params;\n";
_Static_assert(CU_MAX_DIMS == 8 && FZ_MAX_LEAVES == 32, "fz_params_text spells these sizes");

/* How the ops compute (the families of cuda_ew_fn.h and the core ops). */
enum { FZ_NONE, FZ_UN_SPLIT, FZ_UN_FLOAT, FZ_UN_BOOL, FZ_BIN_SPLIT, FZ_BIN_FLOAT, FZ_BIN_BOOL, FZ_WHERE, FZ_CLIP,
       FZ_CAST, FZ_SAME };
static const unsigned char family[OP_COUNT] = {
#define F_UN_SPLIT(ID, FEXPR, IEXPR) [OP_##ID] = FZ_UN_SPLIT,
#define F_UN_FLOAT(ID, EXPR) [OP_##ID] = FZ_UN_FLOAT,
#define F_UN_BOOL(ID, FEXPR, IEXPR) [OP_##ID] = FZ_UN_BOOL,
#define F_BIN_SPLIT(ID, FEXPR, IEXPR) [OP_##ID] = FZ_BIN_SPLIT,
#define F_BIN_FLOAT(ID, EXPR) [OP_##ID] = FZ_BIN_FLOAT,
#define F_BIN_BOOL(ID, EXPR) [OP_##ID] = FZ_BIN_BOOL,
    UNARY_SPLIT(F_UN_SPLIT) UNARY_FLOAT(F_UN_FLOAT) UNARY_BOOL(F_UN_BOOL)
    BINARY_SPLIT(F_BIN_SPLIT) BINARY_FLOAT(F_BIN_FLOAT) BINARY_BOOL(F_BIN_BOOL)
    [OP_WHERE] = FZ_WHERE, [OP_CLIP] = FZ_CLIP, [OP_CAST] = FZ_CAST,
    [OP_COPY] = FZ_SAME, [OP_STOP_GRADIENT] = FZ_SAME, [OP_BROADCAST_TO] = FZ_SAME,
};
static const char *const ctype[4] = {"uint8_t", "int64_t", "float", "double"}; /* by gen_dtype */
/* The functors are named by the op's id (un_EXP, bin_ADD). */
static const char *const functor_id[OP_COUNT] = {
#define OP(ID, name, arity, shape, cpu, vjp, jvp) [OP_##ID] = #ID,
#include "../../array/ops_unary.def"
#include "../../array/ops_binary.def"
#undef OP
};

/* The code being written for one expression. */
typedef struct fz {
    fz_params P;
    int ndim;          /* the output's */
    int n_leaves, n_vars, n_nodes;
    bool strided;      /* some leaf needs the output element's index */
    gen_status st;     /* GEN_ERR_UNSUPPORTED: not fused (too many leaves, a dtype the
                        * launchers do not take); else an error of readying a view */
    struct {
        const void *p;
        int var;
    } leaves[FZ_MAX_LEAVES];
    struct {
        const arr_pending *p;
        int axes[CU_MAX_DIMS];
        int var;
    } nodes[FZ_MAX_NODES];
    size_t len;
    char text[FZ_TEXT];
} fz;

static void put(fz *f, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(f->text + f->len, sizeof f->text - f->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof f->text - f->len) f->st = GEN_ERR_UNSUPPORTED, f->len = sizeof f->text - 1;
    else f->len += (size_t)n;
}

static int declined(fz *f) {
    if (f->st == GEN_OK) f->st = GEN_ERR_UNSUPPORTED;
    return -1;
}

/* A one-element host argument: its bits in the parameters. */
static int leaf_value(fz *f, const gen_array *x) {
    if (f->n_leaves == FZ_MAX_LEAVES) return declined(f);
    int L = f->n_leaves++, v = f->n_vars++;
    memcpy(&f->P.value[L], x->data, gen_dtype_size((gen_dtype)x->dtype));
    static const char *const read[4] = {"(uint8_t)P.value[%d]", "(int64_t)P.value[%d]",
                                        "__int_as_float((int)(unsigned)P.value[%d])",
                                        "__longlong_as_double((long long)P.value[%d])"};
    put(f, "        const %s v%d = ", ctype[x->dtype], v);
    put(f, read[x->dtype], L);
    put(f, ";\n");
    return v;
}

/* A computed device array read at the output's element through axes (axes[j]: the
 * output axis that x's axis j follows, -1 for none). */
static int leaf_array(fz *f, const gen_array *x, const int *axes) {
    int64_t st[CU_MAX_DIMS] = {0}, s = 1;
    for (int j = x->ndim - 1; j >= 0; j--) {
        if (x->shape[j] != 1 && axes[j] >= 0) st[axes[j]] += s;
        s *= x->shape[j];
    }
    /* read at the same element: x has the output's elements in its order */
    bool same = x->size == f->P.size, scalar = x->size == 1;
    int64_t so = 1;
    for (int o = f->ndim - 1; o >= 0 && same; o--) {
        if (f->P.shape[o] != 1 && st[o] != so) same = false;
        so *= f->P.shape[o];
    }
    for (int k = 0; k < f->n_leaves; k++)
        if (f->leaves[k].p == x->data && f->P.leaf[k] == x->data &&
            !memcmp(f->P.stride[k], st, sizeof st) && f->leaves[k].var >= 0)
            return f->leaves[k].var;
    if (f->n_leaves == FZ_MAX_LEAVES) return declined(f);
    int L = f->n_leaves++, v = f->n_vars++;
    f->P.leaf[L] = x->data;
    memcpy(f->P.stride[L], st, sizeof st);
    f->leaves[L].p = x->data;
    f->leaves[L].var = v;
    put(f, "        const %s v%d = ((const %s *)P.leaf[%d])", ctype[x->dtype], v, ctype[x->dtype], L);
    if (scalar) put(f, "[0];\n");
    else if (same) put(f, "[i];\n");
    else {
        f->strided = true;
        put(f, "[");
        for (int o = 0; o < f->ndim; o++) put(f, "%sx[%d] * P.stride[%d][%d]", o ? " + " : "", o, L, o);
        put(f, "];\n");
    }
    return v;
}

/* The axes of node p (its output's shape) from those of x, an array viewing p's buffer
 * with shape x->shape: the same extents apart from axes of extent 1. false for any other
 * view (a reshape that regroups elements). */
static bool node_axes(const gen_array *x, const arr_pending *p, const int *axes, int *out) {
    int i = 0, j = 0, nv = x->ndim, ns = p->ndim;
    for (;;) {
        while (i < nv && x->shape[i] == 1) i++;
        while (j < ns && p->shape[j] == 1) out[j++] = -1;
        if (i == nv || j == ns) break;
        if (x->shape[i] != p->shape[j]) return false;
        out[j++] = axes[i++];
    }
    return i == nv && j == ns;
}

static int emit(fz *f, const gen_array *x, const int *axes);

/* Whether the launchers of cuda_elementwise.cu take this op with these dtypes (dispatch's
 * wrappers make it so; anything else is not fused, and runs as its kernel does). */
static bool dtypes_fit(int fam, int out, const arr_pending *p) {
    gen_array *const *in = p->in;
    bool split = out == GEN_F64 || out == GEN_F32 || out == GEN_I64, flt = out == GEN_F64 || out == GEN_F32;
    switch (fam) {
    case FZ_UN_SPLIT: return split && in[0]->dtype == out;
    case FZ_UN_FLOAT: return flt && in[0]->dtype == out;
    case FZ_UN_BOOL: return out == GEN_BOOL;
    case FZ_BIN_SPLIT: return split && in[0]->dtype == out && in[1]->dtype == out;
    case FZ_BIN_FLOAT: return flt && in[0]->dtype == out && in[1]->dtype == out;
    case FZ_BIN_BOOL: return out == GEN_BOOL && in[1]->dtype == in[0]->dtype;
    case FZ_WHERE: return in[0]->dtype == GEN_BOOL && in[1]->dtype == out && in[2]->dtype == out;
    case FZ_CLIP: return split && in[0]->dtype == out && in[1]->dtype == out && in[2]->dtype == out;
    case FZ_CAST: return true;
    case FZ_SAME: return in[0]->dtype == out;
    default: return false;
    }
}

/* Pending op p at the output's element, its output axes following axes. */
static int emit_node(fz *f, const arr_pending *p, const int *axes) {
    for (int k = 0; k < f->n_nodes; k++)
        if (f->nodes[k].p == p && !memcmp(f->nodes[k].axes, axes, (size_t)p->ndim * sizeof *axes))
            return f->nodes[k].var;
    int fam = family[p->op];
    if (!dtypes_fit(fam, p->dtype, p) || f->n_nodes == FZ_MAX_NODES) return declined(f);
    int v[3];
    for (int k = 0; k < p->n_in; k++) {
        const gen_array *a = p->in[k];
        int ax[CU_MAX_DIMS], off = p->ndim - a->ndim;
        if (off < 0) return declined(f);
        for (int j = 0; j < a->ndim; j++) ax[j] = a->shape[j] == 1 ? -1 : axes[j + off];
        if ((v[k] = emit(f, a, ax)) < 0) return -1;
    }
    int r = f->n_vars++;
    const char *t = ctype[p->dtype];
    char fn[48];
    switch (fam) {
    case FZ_UN_SPLIT:
    case FZ_UN_FLOAT:
    case FZ_UN_BOOL: snprintf(fn, sizeof fn, "un_%s()", functor_id[p->op]); break;
    case FZ_BIN_SPLIT:
    case FZ_BIN_FLOAT:
    case FZ_BIN_BOOL: snprintf(fn, sizeof fn, "bin_%s()", functor_id[p->op]); break;
    case FZ_WHERE: snprintf(fn, sizeof fn, "where_fn()"); break;
    case FZ_CLIP: snprintf(fn, sizeof fn, "clip_fn()"); break;
    case FZ_CAST: snprintf(fn, sizeof fn, "convert_to<%s>()", t); break;
    default: fn[0] = 0; break; /* the same value */
    }
    put(f, "        const %s v%d = (%s)%s(", t, r, t, fn);
    for (int k = 0; k < p->n_in; k++) put(f, "%sv%d", k ? ", " : "", v[k]);
    put(f, ");\n");
    f->nodes[f->n_nodes].p = p;
    memcpy(f->nodes[f->n_nodes].axes, axes, (size_t)p->ndim * sizeof *axes);
    f->nodes[f->n_nodes++].var = r;
    return r;
}

static int emit(fz *f, const gen_array *x, const int *axes) {
    if (f->st != GEN_OK) return -1;
    if (!x->buf) return leaf_value(f, x);
    const arr_pending *p = atomic_load_explicit(&x->buf->pending, memory_order_acquire);
    if (p) {
        int ax[CU_MAX_DIMS];
        if (node_axes(x, p, axes, ax)) return emit_node(f, p, ax);
        gen_status st = arr_force(x->buf); /* regrouped by a reshape: computed first */
        if (st != GEN_OK) {
            f->st = st;
            return -1;
        }
    }
    return leaf_array(f, x, axes);
}

/* The body of buf's expression into f (the text that names a compiled kernel), and its
 * parameters. */
static gen_status write_body(fz *f, const arr_buffer *buf) {
    const arr_pending *p = atomic_load_explicit(&buf->pending, memory_order_acquire);
    f->st = GEN_OK;
    f->ndim = p->ndim;
    f->P.out = buf->data;
    f->P.size = p->size;
    bool narrow = p->size < ((int64_t)1 << 31);
    for (int k = 0; k < p->ndim; k++) {
        f->P.shape[k] = p->shape[k];
        if (narrow) cu_divider((uint32_t)(p->shape[k] ? p->shape[k] : 1), &f->P.magic[k], (int *)&f->P.shift[k]);
    }
    int axes[CU_MAX_DIMS];
    for (int k = 0; k < p->ndim; k++) axes[k] = k;
    int r = emit_node(f, p, axes);
    if (r >= 0) put(f, "        ((%s *)P.out)[i] = v%d;\n", ctype[p->dtype], r);
    return f->st;
}

/* ---- compiled kernels, by their text ---- */

typedef struct fz_kernel {
    struct fz_kernel *next;
    uint64_t hash;
    char *key;    /* the expression's text (write_expression's) */
    size_t n;
    void *fn;     /* a cudaKernel_t; NULL: NVRTC failed on it (not tried again) */
} fz_kernel;
static fz_kernel *kernels; /* under lazy.c's lock: fuse runs only there */

static uint64_t fnv(const char *s, size_t n) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
    return h;
}

/* The whole program of f's expression: the prelude, the embedded C without its #include
 * lines, the parameters, the kernel. core_alloc'd, NUL-terminated, *n bytes with the NUL. */
static char *program(const fz *f, size_t *n) {
    bool narrow = f->P.size < ((int64_t)1 << 31);
    size_t cap = sizeof BACKEND_RTC_PRELUDE + sizeof fz_params_text + f->len + 2048;
    for (int k = 0; k < cuda_fuse_texts_n; k++) cap += strlen(cuda_fuse_texts[k]);
    char *s = core_alloc(cap);
    if (!s) return NULL;
    size_t len = 0;
#define PUT(...) len += (size_t)snprintf(s + len, cap - len, __VA_ARGS__)
    PUT("/* A GenC fused elementwise kernel (src/backend/cuda/cuda_fuse.c). */\n%s", BACKEND_RTC_PRELUDE);
    for (int k = 0; k < cuda_fuse_texts_n; k++)
        for (const char *p = cuda_fuse_texts[k]; *p;) {
            const char *nl = strchr(p, '\n');
            size_t l = nl ? (size_t)(nl - p + 1) : strlen(p);
            const char *q = p;
            while (q < p + l && (*q == ' ' || *q == '\t')) q++;
            if (strncmp(q, "#include", 8) != 0) PUT("%.*s", (int)l, p);
            p += l;
        }
    PUT("%s", fz_params_text);
    PUT("extern \"C\" __global__ void genc_fused(const fz_params P) {\n"
        "    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < P.size;\n"
        "         i += (long long)gridDim.x * blockDim.x) {\n");
    if (f->strided) {
        PUT("        long long x[%d];\n", f->ndim);
        if (narrow)
            PUT("        unsigned u = (unsigned)i;\n"
                "        for (int d = %d; d >= 0; d--) {\n"
                "            unsigned q = (__umulhi(u, P.magic[d]) + u) >> P.shift[d];\n"
                "            x[d] = u - q * (unsigned)P.shape[d];\n            u = q;\n        }\n",
                f->ndim - 1);
        else
            PUT("        long long r = i;\n"
                "        for (int d = %d; d >= 0; d--) {\n"
                "            long long q = r / P.shape[d];\n            x[d] = r - q * P.shape[d];\n"
                "            r = q;\n        }\n",
                f->ndim - 1);
    }
    PUT("%.*s    }\n}\n", (int)f->len, f->text);
#undef PUT
    if (len + 1 >= cap) {
        core_free(s, cap);
        return NULL;
    }
    char *t = core_alloc(len + 1);
    if (t) memcpy(t, s, len + 1);
    core_free(s, cap);
    *n = len + 1;
    return t;
}

/* The kernel of f's expression for GPU ordinal (compiled and loaded on first use); NULL
 * when NVRTC or the loader failed (told on stderr under GENC_COMPILE_VERBOSE, once). */
static void *kernel_of(const fz *f, int ordinal) {
    uint64_t h = fnv(f->text, f->len);
    for (fz_kernel *k = kernels; k; k = k->next)
        if (k->hash == h && k->n == f->len && !memcmp(k->key, f->text, f->len)) return k->fn;
    fz_kernel *k = core_calloc(1, sizeof *k);
    char *key = k ? core_alloc(f->len) : NULL;
    if (!key) {
        core_free(k, sizeof *k);
        gen_error_clear();
        return NULL;
    }
    memcpy(key, f->text, f->len);
    k->hash = h;
    k->key = key;
    k->n = f->len;
    int major = 0, minor = 0;
    char arch[32], why[600] = "out of memory";
    bool cubin = false;
    void *image = NULL, *lib = NULL;
    size_t size = 0, n = 0;
    char *src = program(f, &n);
    if (!src) {
        gen_error_clear();
    } else if (cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, ordinal) != cudaSuccess ||
               cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, ordinal) != cudaSuccess) {
        cudaGetLastError();
        snprintf(why, sizeof why, "the GPU's compute capability is unknown");
    } else if (backend_rtc_arch(major * 10 + minor, arch, sizeof arch, &cubin, why, sizeof why) &&
               backend_rtc_compile(src, arch, cubin, &image, &size, why, sizeof why)) {
        backend_rtc_load(ordinal, image, "genc_fused", &lib, &k->fn, why, sizeof why);
        core_free(image, size);
    }
    core_free(src, n);
    if (!k->fn && getenv("GENC_COMPILE_VERBOSE"))
        fprintf(stderr, "genc: a fused elementwise kernel is not compiled (its ops run one by one): %s\n", why);
    k->next = kernels;
    kernels = k;
    return k->fn;
}

/* The expression's text (the key of its kernel) for a GPU of compute capability cc (one of
 * another architecture compiles its own), with the indexing it needs. */
static gen_status write_expression(fz *f, const arr_buffer *buf, int cc) {
    f->len = 0;
    gen_status st = write_body(f, buf);
    put(f, "        /* sm_%d%s%s */\n", cc, f->strided ? ", indexed" : "",
        f->P.size < ((int64_t)1 << 31) ? ", 32-bit" : "");
    return st == GEN_OK ? f->st : st;
}

static gen_status cuda_fuse(arr_buffer *buf) {
    const backend *be = buf->backend;
    cuda_dev *d = cuda_dev_of(be);
    fz *f = core_calloc(1, sizeof *f);
    if (!f) return core_error_pending();
    int cc = d->cc;
    gen_status st = write_expression(f, buf, cc);
    void *fn = NULL;
    if (st == GEN_OK && !(fn = kernel_of(f, d->ordinal))) st = GEN_ERR_UNSUPPORTED;
    if (st == GEN_OK) {
        void *mark = be->mark_begin ? be->mark_begin(be, "fused") : NULL;
        void *args[1] = {&f->P};
        dim3 grid = {cu_grid(f->P.size), 1, 1}, block = {CU_BLOCK, 1, 1};
        cudaError_t e = cudaSetDevice(d->ordinal);
        if (e == cudaSuccess) e = cudaLaunchKernel(fn, grid, block, args, 0, d->stream);
        if (mark) be->mark_end(mark);
        if (e != cudaSuccess) st = cuda_fail("a fused elementwise kernel", e);
    }
    core_free(f, sizeof *f);
    return st;
}

gen_status (*cuda_fuse_fn(void))(arr_buffer *) {
    const char *v = getenv("GENC_FUSE");
    return v && !strcmp(v, "0") ? NULL : cuda_fuse;
}

gen_status backend_cuda_fuse_compile(const arr_buffer *buf, int cc) {
    fz *f = core_calloc(1, sizeof *f);
    if (!f) return core_error_pending();
    gen_status st = write_expression(f, buf, cc);
    size_t n = 0, size = 0;
    char *src = st == GEN_OK ? program(f, &n) : NULL;
    char arch[32], why[600];
    bool cubin = false;
    void *image = NULL;
    if (st == GEN_ERR_UNSUPPORTED && !core_error_pending())
        GEN_FAIL(st, "backend_cuda_fuse_compile: the expression is not fused");
    else if (st == GEN_OK && !src)
        st = core_error_pending() ? core_error_pending() : GEN_ERR_OOM;
    else if (st == GEN_OK && !(backend_rtc_arch(cc, arch, sizeof arch, &cubin, why, sizeof why) &&
                               backend_rtc_compile(src, arch, cubin, &image, &size, why, sizeof why)))
        st = GEN_FAIL(GEN_ERR_INTERNAL, "backend_cuda_fuse_compile: %s", why);
    core_free(image, size);
    core_free(src, n);
    core_free(f, sizeof *f);
    return st;
}
