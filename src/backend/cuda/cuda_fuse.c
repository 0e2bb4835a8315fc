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
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../rtc.h"
#include "cuda_ew_fn.h"
#include "cuda_int.h"
#include "cuda_layout.h"

extern const char *const cuda_fuse_texts[];
extern const int cuda_fuse_texts_n;

#define FZ_MAX_LEAVES 32
#define FZ_MAX_NODES (2 * ARR_PENDING_MAX_COST)
#define FZ_TEXT 24576

/* The kernel's parameters; the program declares the same layout (fz_params_text). */
typedef struct fz_params {
    void *out;
    int64_t size;
    int64_t nout, len; /* reductions: outputs, and elements of each */
    int64_t shape[CU_MAX_DIMS];
    uint32_t magic[CU_MAX_DIMS];
    int32_t shift[CU_MAX_DIMS];
    const void *leaf[FZ_MAX_LEAVES];
    uint64_t value[FZ_MAX_LEAVES];
    int64_t stride[FZ_MAX_LEAVES][CU_MAX_DIMS];
} fz_params;
static const char fz_params_text[] =
    "typedef struct fz_params {\n    void *out;\n    long long size;\n    long long nout, len;\n    long long shape[8];\n"
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

/* What a kernel computes from its expression: its elements (an elementwise op's
 * output), or a reduction of them over rows of len (o * len + r: sums in order, as the
 * elementwise ops' sums over short rows are; all / any, in any order). */
enum { FZ_ELEMENTS, FZ_SUM_ROWS, FZ_ALL, FZ_ANY };
static const char *const mode_name[] = {"elements", "sum of rows", "all", "any"};

#define FZ_MAX_VARS (FZ_MAX_LEAVES + FZ_MAX_NODES)

/* The code being written for one expression. A kernel runs a thread per element, or per
 * row (sums, all / any of several outputs, and all / any of everything whose rows hoist
 * reads): a row's thread computes the values that do not change along its row (leaves
 * whose strides along the row's axes are 0, and ops of those only) once, before its loop
 * over the row; the same functors on the same values, so the same bits. */
typedef struct fz {
    fz_params P;
    int mode;
    int out_dtype;
    int ndim;          /* the output's */
    bool rows;         /* a thread per row of P.len (P.nout rows), else per element */
    bool single;       /* all / any by rows into one flag (else a flag per row) */
    int inner;         /* by rows: the row's axes are inner .. ndim - 1 */
    bool narrow;       /* fewer than 2^31 elements: 32-bit indexing */
    int n_leaves, n_vars, n_nodes;
    int hoisted;       /* array leaves read once per row */
    bool outer_x, inner_x; /* the index's axes before inner (per row) / from inner (per element) are needed */
    gen_status st;     /* GEN_ERR_UNSUPPORTED: not fused (too many leaves, a dtype the
                        * launchers do not take); else an error of readying a view */
    int leaf_var[FZ_MAX_LEAVES]; /* the variable of leaf L (arrays: P.leaf[L] and its strides) */
    bool per_row[FZ_MAX_VARS];   /* variable v is computed once per row */
    struct {
        const arr_pending *p;
        int axes[CU_MAX_DIMS];
        int var;
    } nodes[FZ_MAX_NODES];
    size_t len, pre_len, split; /* text: the per-row part [0, split), then the body */
    /* the texts last: fz_new zeroes what comes before them */
    char text[FZ_TEXT];
    char pre[FZ_TEXT];
} fz;

/* A new fz, its fields zeroed but not its two text buffers (48 KB a launch: they are
 * written before they are read). NULL with the error recorded. */
static fz *fz_new(void) {
    fz *f = core_alloc(sizeof *f);
    if (f) memset(f, 0, offsetof(fz, text));
    return f;
}

static void put_to(fz *f, bool pre, const char *fmt, va_list ap) {
    char *t = pre ? f->pre : f->text;
    size_t *len = pre ? &f->pre_len : &f->len;
    int n = vsnprintf(t + *len, FZ_TEXT - *len, fmt, ap);
    if (n < 0 || (size_t)n >= FZ_TEXT - *len) f->st = GEN_ERR_UNSUPPORTED, *len = FZ_TEXT - 1;
    else *len += (size_t)n;
}

/* Text of the body (per element). */
static void put(fz *f, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    put_to(f, false, fmt, ap);
    va_end(ap);
}

/* Text of the body, or of the per-row part where pre. */
static void put_in(fz *f, bool pre, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    put_to(f, pre, fmt, ap);
    va_end(ap);
}

static int declined(fz *f) {
    if (f->st == GEN_OK) f->st = GEN_ERR_UNSUPPORTED;
    return -1;
}

/* A new variable, computed once per row where pre. */
static int new_var(fz *f, bool pre) {
    int v = f->n_vars++;
    f->per_row[v] = pre;
    return v;
}

/* A one-element host argument: its bits in the parameters (once per row, by rows). */
static int leaf_value(fz *f, const gen_array *x) {
    if (f->n_leaves == FZ_MAX_LEAVES) return declined(f);
    int L = f->n_leaves++, v = new_var(f, f->rows);
    memcpy(&f->P.value[L], x->data, gen_dtype_size((gen_dtype)x->dtype));
    static const char *const read[4] = {"(uint8_t)P.value[%d]", "(int64_t)P.value[%d]",
                                        "__int_as_float((int)(unsigned)P.value[%d])",
                                        "__longlong_as_double((long long)P.value[%d])"};
    put_in(f, f->rows, "        const %s v%d = ", ctype[x->dtype], v);
    put_in(f, f->rows, read[x->dtype], L);
    put_in(f, f->rows, ";\n");
    return v;
}

/* The terms x[o] * stride of leaf L's offset over output axes [from, to) with a stride. */
static void put_offset(fz *f, bool pre, int L, int from, int to, bool *any) {
    for (int o = from; o < to; o++)
        if (f->P.stride[L][o]) {
            put_in(f, pre, "%sx[%d] * (%s)P.stride[%d][%d]", *any ? " + " : "", o, f->narrow ? "unsigned" : "long long", L, o);
            *any = true;
        }
}

/* A computed device array read at the output's element through axes (axes[j]: the
 * output axis that x's axis j follows, -1 for none). By rows, one that does not change
 * along the row is read once per row; one that does has its offset's part of the row's
 * outer axes computed once per row. */
static int leaf_array(fz *f, const gen_array *x, const int *axes) {
    int64_t st[CU_MAX_DIMS] = {0}, s = 1;
    for (int j = x->ndim - 1; j >= 0; j--) {
        if (x->shape[j] != 1 && axes[j] >= 0) st[axes[j]] += s;
        s *= x->shape[j];
    }
    /* read at the same element: x has the output's elements in its order */
    bool same = x->size == f->P.size, scalar = x->size == 1, pre = f->rows;
    int64_t so = 1;
    for (int o = f->ndim - 1; o >= 0 && same; o--) {
        if (f->P.shape[o] != 1 && st[o] != so) same = false;
        so *= f->P.shape[o];
    }
    for (int o = f->rows ? f->inner : f->ndim; o < f->ndim; o++) pre &= st[o] == 0;
    for (int k = 0; k < f->n_leaves; k++) /* one-element host values have no P.leaf */
        if (f->P.leaf[k] == x->data && !memcmp(f->P.stride[k], st, sizeof st)) return f->leaf_var[k];
    if (f->n_leaves == FZ_MAX_LEAVES) return declined(f);
    int L = f->n_leaves++, v = new_var(f, pre);
    f->P.leaf[L] = x->data;
    memcpy(f->P.stride[L], st, sizeof st);
    f->leaf_var[L] = v;
    f->hoisted += pre && !scalar;
    const char *t = ctype[x->dtype];
    bool any = false;
    if (scalar) {
        put_in(f, pre, "        const %s v%d = ((const %s *)P.leaf[%d])[0];\n", t, v, t, L);
    } else if (same) {
        put_in(f, pre, "        const %s v%d = ((const %s *)P.leaf[%d])[%s];\n", t, v, t, L, pre ? "i0" : "i");
    } else if (!f->rows) {
        f->inner_x = true;
        put(f, "        const %s v%d = ((const %s *)P.leaf[%d])[", t, v, t, L);
        put_offset(f, false, L, 0, f->ndim, &any);
        put(f, "%s];\n", any ? "" : "0");
    } else if (pre) {
        f->outer_x = true;
        put_in(f, true, "        const %s v%d = ((const %s *)P.leaf[%d])[", t, v, t, L);
        put_offset(f, true, L, 0, f->inner, &any);
        put_in(f, true, "%s];\n", any ? "" : "0");
    } else {
        put_in(f, true, "        const %s b%d = ", f->narrow ? "unsigned" : "long long", v);
        put_offset(f, true, L, 0, f->inner, &any);
        put_in(f, true, "%s;\n", any ? "" : "0");
        f->outer_x |= any;
        f->inner_x = true;
        put(f, "        const %s v%d = ((const %s *)P.leaf[%d])[b%d + ", t, v, t, L, v);
        any = false;
        put_offset(f, false, L, f->inner, f->ndim, &any);
        put(f, "%s];\n", any ? "" : "0");
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
    if (!dtypes_fit(fam, p->dtype, p)) return declined(f);
    int v[3];
    for (int k = 0; k < p->n_in; k++) {
        const gen_array *a = p->in[k];
        int ax[CU_MAX_DIMS], off = p->ndim - a->ndim;
        if (off < 0) return declined(f);
        for (int j = 0; j < a->ndim; j++) ax[j] = a->shape[j] == 1 ? -1 : axes[j + off];
        if ((v[k] = emit(f, a, ax)) < 0) return -1;
    }
    bool pre = f->rows;
    if (f->n_nodes == FZ_MAX_NODES) return declined(f); /* its arguments may have taken the last */
    for (int k = 0; k < p->n_in; k++) pre &= f->per_row[v[k]];
    int r = new_var(f, pre);
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
    put_in(f, pre, "        const %s v%d = (%s)%s(", t, r, t, fn);
    for (int k = 0; k < p->n_in; k++) put_in(f, pre, "%sv%d", k ? ", " : "", v[k]);
    put_in(f, pre, ");\n");
    f->nodes[f->n_nodes].p = p;
    memcpy(f->nodes[f->n_nodes].axes, axes, (size_t)p->ndim * sizeof *axes);
    f->nodes[f->n_nodes++].var = r;
    return r;
}

static int emit(fz *f, const gen_array *x, const int *axes) {
    if (f->st != GEN_OK) return -1;
    if (!x->buf) return leaf_value(f, x);
    const arr_pending *p = arr_pending_of(x);
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

/* f set up for mode over an expression of shape (ndim, shape, size): by rows of len
 * (nout of them; the row's axes trail) where rows, else by elements. */
static void set_shape(fz *f, int mode, int ndim, const int64_t *shape, int64_t size, bool rows, int64_t nout,
                      int64_t len) {
    f->mode = mode;
    f->ndim = ndim;
    f->P.size = size;
    f->narrow = size < ((int64_t)1 << 31);
    for (int k = 0; k < ndim; k++) {
        f->P.shape[k] = shape[k];
        if (f->narrow) cu_divider((uint32_t)(shape[k] ? shape[k] : 1), &f->P.magic[k], (int *)&f->P.shift[k]);
    }
    f->rows = rows;
    f->P.nout = nout;
    f->P.len = len;
    int64_t n = 1;
    f->inner = ndim;
    while (rows && f->inner > 0 && n < len) n *= shape[--f->inner];
}

/* The use of the expression's value v (at element i) by the kernel's mode: by rows and
 * into one flag, a thread's flag; by elements into a flag per row, the row's flag (filled
 * with the identity before: any thread may change it, to the same value). */
static void put_use(fz *f, int v) {
    bool direct = !f->rows && !f->single;
    switch (f->mode) {
    case FZ_ELEMENTS: put(f, "        ((%s *)P.out)[i] = v%d;\n", ctype[f->out_dtype], v); break;
    case FZ_SUM_ROWS: put(f, "        acc = acc + (double)v%d;\n", v); break;
    case FZ_ALL: put(f, direct ? "        if (!(v%d != 0)) ((uint8_t *)P.out)[i / P.len] = 0;\n"
                               : "        if (!(v%d != 0)) flag = 0;\n", v); break;
    default: put(f, direct ? "        if (v%d != 0) ((uint8_t *)P.out)[i / P.len] = 1;\n"
                           : "        if (v%d != 0) flag = 1;\n", v); break;
    }
}

/* The expression's text (the key of its kernel) for a GPU of compute capability cc (one of
 * another architecture compiles its own): by rows, the part computed once per row and a
 * line; the body at element i; a line naming the mode and the indexing it needs.
 * root_pending: the expression of a buffer (an elementwise op's output); else root, an
 * array viewing one. */
static gen_status write_expression(fz *f, const arr_pending *root_pending, const gen_array *root, int cc) {
    f->st = GEN_OK;
    f->len = f->pre_len = f->split = 0;
    f->n_leaves = f->n_vars = f->n_nodes = f->hoisted = 0;
    f->outer_x = f->inner_x = false;
    int axes[CU_MAX_DIMS];
    for (int k = 0; k < f->ndim; k++) axes[k] = k;
    int v = root_pending ? emit_node(f, root_pending, axes) : emit(f, root, axes);
    if (v >= 0) put_use(f, v);
    /* the loop's form and the indexing are part of the key: the same body may sit in
     * loops over elements or rows, over axes of any number */
    put(f, "        /* sm_%d, %s%s%s, %d axes, rows from axis %d%s%s%s */\n", cc, mode_name[f->mode],
        f->rows ? " by rows" : "", f->single ? " into one" : "", f->ndim, f->inner, f->outer_x ? ", outer index" : "",
        f->inner_x ? ", inner index" : "", f->narrow ? ", 32-bit" : "");
    if (f->st != GEN_OK || !f->rows) return f->st;
    static const char line[] = "        /* per element */\n";
    if (f->pre_len + sizeof line + f->len >= FZ_TEXT) return f->st = GEN_ERR_UNSUPPORTED;
    memmove(f->text + f->pre_len + sizeof line - 1, f->text, f->len + 1);
    memcpy(f->text, f->pre, f->pre_len);
    memcpy(f->text + f->pre_len, line, sizeof line - 1);
    f->split = f->pre_len + sizeof line - 1;
    f->len += f->split;
    return GEN_OK;
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

/* Code setting x[hi] .. x[lo] to the coordinates of index v over those axes (v < the
 * product of their extents); its length (snprintf's). */
static int put_decompose(char *s, size_t cap, const fz *f, const char *v, int hi, int lo) {
    if (f->narrow)
        return snprintf(s, cap,
                        "        { unsigned u = (unsigned)%s;\n"
                        "          for (int d = %d; d >= %d; d--) {\n"
                        "              unsigned q = (__umulhi(u, P.magic[d]) + u) >> P.shift[d];\n"
                        "              x[d] = u - q * (unsigned)P.shape[d];\n              u = q;\n          } }\n",
                        v, hi, lo);
    return snprintf(s, cap,
                    "        { long long u = %s;\n"
                    "          for (int d = %d; d >= %d; d--) {\n"
                    "              long long q = u / P.shape[d];\n              x[d] = u - q * P.shape[d];\n"
                    "              u = q;\n          } }\n",
                    v, hi, lo);
}

/* The whole program of f's expression: the prelude, the embedded C without its #include
 * lines, the parameters, the kernel. core_alloc'd, NUL-terminated, *n bytes with the NUL. */
static char *program(const fz *f, size_t *n) {
    size_t cap = sizeof BACKEND_RTC_PRELUDE + sizeof fz_params_text + f->len + 2048;
    for (int k = 0; k < cuda_fuse_texts_n; k++) cap += strlen(cuda_fuse_texts[k]);
    char *s = core_alloc(cap);
    if (!s) return NULL;
    size_t len = 0, l;
#define PUT(...) len += (size_t)snprintf(s + len, cap - len, __VA_ARGS__)
    PUT("/* A GenC fused elementwise kernel (src/backend/cuda/cuda_fuse.c). */\n%s", BACKEND_RTC_PRELUDE);
    for (int k = 0; k < cuda_fuse_texts_n; k++)
        for (const char *p = cuda_fuse_texts[k]; *p; p += l)
            if (backend_rtc_keep_line(p, &l)) PUT("%.*s", (int)l, p);
    PUT("%s", fz_params_text);
    PUT("extern \"C\" __global__ void genc_fused(const fz_params P) {\n");
    const char *ix = f->narrow ? "unsigned" : "long long";
    int id = f->mode == FZ_ALL; /* the flag's identity */
    if (!f->rows) {
        if (f->single) PUT("    uint8_t flag = %d;\n", id);
        PUT("    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < P.size;\n"
            "         i += (long long)gridDim.x * blockDim.x) {\n");
        if (f->inner_x) {
            PUT("        %s x[%d];\n", ix, f->ndim);
            len += (size_t)put_decompose(s + len, cap - len, f, "i", f->ndim - 1, 0);
        }
        PUT("%.*s    }\n", (int)f->len, f->text);
        if (f->single) /* one output, filled with the identity: any thread may change it */
            PUT("    if (flag != %d) *(uint8_t *)P.out = flag;\n", id);
    } else {
        PUT("    for (long long o = blockIdx.x * (long long)blockDim.x + threadIdx.x; o < P.nout;\n"
            "         o += (long long)gridDim.x * blockDim.x) {\n"
            "        const long long i0 = o * P.len;\n");
        if (f->outer_x || f->inner_x) PUT("        %s x[%d];\n", ix, f->ndim);
        if (f->outer_x) len += (size_t)put_decompose(s + len, cap - len, f, "o", f->inner - 1, 0);
        PUT("%.*s", (int)f->split, f->text);
        if (f->mode == FZ_SUM_ROWS) PUT("        double acc = 0.0;\n");
        else PUT("        uint8_t flag = %d;\n", id);
        PUT("        for (long long r = 0; r < P.len; r++) {\n        const long long i = i0 + r;\n");
        if (f->inner_x && f->inner == f->ndim - 1) PUT("        x[%d] = (%s)r;\n", f->inner, ix);
        else if (f->inner_x) len += (size_t)put_decompose(s + len, cap - len, f, "r", f->ndim - 1, f->inner);
        PUT("%.*s        }\n", (int)(f->len - f->split), f->text + f->split);
        if (f->mode == FZ_SUM_ROWS) PUT("        ((%s *)P.out)[o] = (%s)acc;\n", ctype[f->out_dtype], ctype[f->out_dtype]);
        else if (!f->single) PUT("        ((uint8_t *)P.out)[o] = flag;\n");
        else PUT("        if (flag != %d) *(uint8_t *)P.out = flag;\n", id);
        PUT("    }\n");
    }
    PUT("}\n");
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

/* f's program compiled by NVRTC for compute capability cc into *image (core_alloc'd, *size
 * bytes). false with why filled. */
static bool compile_image(const fz *f, int cc, void **image, size_t *size, char *why, size_t why_n) {
    size_t n = 0;
    char *src = program(f, &n);
    if (!src) {
        gen_error_clear();
        snprintf(why, why_n, "out of memory");
        return false;
    }
    bool ok = backend_rtc_compile_cached(src, n, cc, image, size, why, why_n);
    core_free(src, n);
    return ok;
}

/* The kernel of f's expression for d (compiled and loaded on first use); NULL when NVRTC
 * or the loader failed (told on stderr under GENC_COMPILE_VERBOSE, once). */
static void *kernel_of(const fz *f, const cuda_dev *d) {
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
    char why[600];
    void *image = NULL, *lib = NULL;
    size_t size = 0;
    if (compile_image(f, d->cc, &image, &size, why, sizeof why)) {
        backend_rtc_load(d->ordinal, image, "genc_fused", &lib, &k->fn, why, sizeof why);
        core_free(image, size);
    }
    if (!k->fn && getenv("GENC_COMPILE_VERBOSE"))
        fprintf(stderr, "genc: a fused elementwise kernel is not compiled (its ops run one by one): %s\n", why);
    k->next = kernels;
    kernels = k;
    return k->fn;
}

/* Launches f's kernel (compiled on first use) on be's stream: one thread per element,
 * or per output for reductions over rows. */
static gen_status launch(fz *f, const backend *be) {
    cuda_dev *d = cuda_dev_of(be);
    void *fn = kernel_of(f, d);
    if (!fn) return GEN_ERR_UNSUPPORTED;
    int64_t threads = f->rows ? f->P.nout : f->P.size;
    void *mark = be->mark_begin ? be->mark_begin(be, f->mode == FZ_ELEMENTS ? "fused" : "fused reduction") : NULL;
    void *args[1] = {&f->P};
    dim3 grid = {cu_grid(threads), 1, 1}, block = {CU_BLOCK, 1, 1};
    cudaError_t e = cudaSetDevice(d->ordinal);
    if (e == cudaSuccess && f->mode != FZ_ELEMENTS && f->mode != FZ_SUM_ROWS && (!f->rows || f->single))
        e = cudaMemsetAsync(f->P.out, f->mode == FZ_ALL, (size_t)(f->single ? 1 : f->P.nout), d->stream);
    if (e == cudaSuccess) e = cudaLaunchKernel(fn, grid, block, args, 0, d->stream);
    if (mark) be->mark_end(mark);
    return e == cudaSuccess ? GEN_OK : cuda_fail("a fused elementwise kernel", e);
}

static gen_status cuda_fuse(arr_buffer *buf) {
    const arr_pending *p = atomic_load_explicit(&buf->pending, memory_order_acquire);
    fz *f = fz_new();
    if (!f) return core_error_pending();
    f->out_dtype = p->dtype;
    f->P.out = buf->data;
    set_shape(f, FZ_ELEMENTS, p->ndim, p->shape, p->size, false, 1, 1);
    gen_status st = write_expression(f, p, NULL, cuda_dev_of(buf->backend)->cc);
    if (st == GEN_OK) st = launch(f, buf->backend);
    core_free(f, sizeof *f);
    return st;
}

/* The reduction c as rows of its argument x: the kept axes (extent above 1) all before
 * the reduced ones, so output o reduces elements o * len .. o * len + len - 1. */
static bool reduced_rows(const op_call *c, int64_t *nout, int64_t *len) {
    const gen_array *x = c->in[0];
    bool seen_reduced = false;
    *nout = *len = 1;
    for (int k = 0; k < x->ndim; k++) {
        bool red = false;
        for (int j = 0; j < c->p->naxes; j++) red |= c->p->axes[j] == k;
        if (red) *len *= x->shape[k];
        else *nout *= x->shape[k];
        if (x->shape[k] == 1) continue;
        if (!red && seen_reduced) return false;
        seen_reduced |= red;
    }
    return true;
}

/* The kernel of reduction mode of x into nout outputs of len elements each: sums by
 * rows; all / any by rows where a row's thread reads something once for the whole row
 * (the rows of the reduction, or for one output the rows of x's last axis), else by
 * elements. */
#define FZ_MIN_ROWS 2048 /* fewer rows than this leave the GPU idle: by elements */
static gen_status write_reduction(fz *f, int mode, const gen_array *x, int64_t nout, int64_t len, int cc) {
    f->single = mode != FZ_SUM_ROWS && nout == 1;
    if (mode == FZ_SUM_ROWS) {
        set_shape(f, mode, x->ndim, x->shape, x->size, true, nout, len);
        return write_expression(f, NULL, x, cc);
    }
    int k = x->ndim - 1;
    while (k > 0 && x->shape[k] == 1) k--;
    int64_t row = nout > 1 ? len : k >= 0 ? x->shape[k] : 1;
    if (row >= 2 && row <= CU_MEDIUM_LEN && x->size / row >= FZ_MIN_ROWS) {
        set_shape(f, mode, x->ndim, x->shape, x->size, true, x->size / row, row);
        gen_status st = write_expression(f, NULL, x, cc);
        if (st != GEN_OK || f->hoisted) return st;
    }
    set_shape(f, mode, x->ndim, x->shape, x->size, false, nout, len);
    return write_expression(f, NULL, x, cc);
}

/* sum of f32 / f64 over rows reduced in order (the bits of the sum kernel on the computed
 * argument), all and any over rows or everything. */
static gen_status cuda_fuse_op(const op_call *c) {
    int mode = c->op == OP_SUM ? FZ_SUM_ROWS : c->op == OP_ALL ? FZ_ALL : c->op == OP_ANY ? FZ_ANY : -1;
    const gen_array *x = c->in[0];
    int64_t nout, len;
    if (mode < 0 || c->n_in != 1 || !arr_pending_of(x) || x->size == 0 ||
        !reduced_rows(c, &nout, &len))
        return GEN_ERR_UNSUPPORTED;
    if (mode == FZ_SUM_ROWS && (!(x->dtype == GEN_F32 || x->dtype == GEN_F64) || c->out->dtype != x->dtype ||
                                !cu_reduce_in_order(nout, len) || (nout == 1 && len > CU_SHORT_LEN)))
        return GEN_ERR_UNSUPPORTED;
    fz *f = fz_new();
    if (!f) return core_error_pending();
    f->out_dtype = c->out->dtype;
    f->P.out = c->out->data;
    gen_status st = write_reduction(f, mode, x, nout, len, cuda_dev_of(c->out->buf->backend)->cc);
    if (st == GEN_OK) st = launch(f, c->out->buf->backend);
    core_free(f, sizeof *f);
    return st;
}

bool cuda_fusing(void) {
    const char *v = getenv("GENC_FUSE");
    return !(v && !strcmp(v, "0"));
}
gen_status (*const cuda_fuse_fn)(arr_buffer *buf) = cuda_fuse;
gen_status (*const cuda_fuse_op_fn)(const op_call *c) = cuda_fuse_op;

gen_status backend_cuda_fuse_compile(const gen_array *x, int reduce, int cc) {
    const arr_pending *p = arr_pending_of(x);
    if (!p) return GEN_FAIL(GEN_ERR_MISUSE, "backend_cuda_fuse_compile: the array is not pending");
    fz *f = fz_new();
    if (!f) return core_error_pending();
    int mode = reduce == OP_SUM ? FZ_SUM_ROWS : reduce == OP_ALL ? FZ_ALL : reduce == OP_ANY ? FZ_ANY : FZ_ELEMENTS;
    f->out_dtype = mode == FZ_ELEMENTS || mode == FZ_SUM_ROWS ? x->dtype : GEN_BOOL;
    int64_t len = x->ndim ? x->shape[x->ndim - 1] : 1;
    gen_status st;
    if (mode == FZ_ELEMENTS) {
        set_shape(f, mode, x->ndim, x->shape, x->size, false, 1, 1);
        st = write_expression(f, p, NULL, cc);
    } else {
        st = write_reduction(f, mode, x, x->size / (len ? len : 1), len, cc);
    }
    char why[600];
    void *image = NULL;
    size_t size = 0;
    if (st == GEN_ERR_UNSUPPORTED && !core_error_pending())
        GEN_FAIL(st, "backend_cuda_fuse_compile: the expression is not fused");
    else if (st == GEN_OK && !compile_image(f, cc, &image, &size, why, sizeof why))
        st = GEN_FAIL(GEN_ERR_INTERNAL, "backend_cuda_fuse_compile: %s", why);
    core_free(image, size);
    core_free(f, sizeof *f);
    return st;
}
