/* test_cuda_index.c — the reduce and shape ops on the GPU against the CPU on the same
 * random inputs: reductions over every set of axes (short, long and whole-array ones,
 * 1e6 elements), argmax / argmin, cumulative ops both ways and cumlogsumexp's VJP,
 * argsort and sort (1e5 rows, a 1e6 row), take_along / scatter_along, permute,
 * concatenate, slice, flip, tile, take and the index updates; 0-d and empty arrays,
 * NaN, infinities and signed zeros; and bad indices, whose errors must be the CPU's,
 * word for word. Exact where the result does not depend on the order of operations
 * (integers, extremes, positions, sorts, copies, the scatters, which add in the CPU's
 * order), else within 1e-12 of the CPU's f64 result (sums: relative to the sum of
 * magnitudes), 1e-6 for f32. Skips where there is no GPU. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cuda_testutil.h"
#include "../../src/array/op.h"

static gen_device dev;

/* ---- random inputs ---- */

static uint64_t rng = 0x9e3779b97f4a7c15u;
static uint64_t next_u64(void) { /* xorshift64* */
    rng ^= rng >> 12, rng ^= rng << 25, rng ^= rng >> 27;
    return rng * 2685821657736338717u;
}
static double unif(void) { return (double)(next_u64() >> 11) / 9007199254740992.0; }
static double normal(void) { return sqrt(-2 * log(1 - unif())) * cos(6.283185307179586 * unif()); }

enum {
    V_NORMAL,  /* N(0, 1) */
    V_SPECIAL, /* every fourth element NaN, +-inf or +-0; the rest N(0, 1) */
    V_TIES,    /* small integers as floats, +-0, some NaN and infinities: sorts with ties */
    V_NEAR1,   /* 1 + 1e-3 N(0, 1): products that neither overflow nor vanish */
    V_NEGINF,  /* N(0, 1), the first elements -inf */
    V_POSINF,  /* N(0, 1), some elements +inf (no NaN) */
    V_ALLNEG,  /* -inf everywhere */
    V_INT,     /* integers in [-lim, lim] */
    V_WRAP,    /* i64 near the limits: sums and products wrap around */
    V_INDEX,   /* indices in [-lim, lim) (negative ones count from the end) */
    V_NINDEX,  /* indices in [0, lim) */
    V_BOOL,    /* true with probability 1/2 */
    V_MOSTLY,  /* true with probability 0.999 (so all() is sometimes true) */
};

/* A host array of dtype t, shape (nd, shape), values of kind v (lim: V_INT, V_INDEX,
 * V_NINDEX). */
static gen_array *make(gen_dtype t, int v, int64_t lim, int nd, const int64_t *shape) {
    int64_t n = 1;
    for (int d = 0; d < nd; d++) n *= shape[d];
    bool ints = v >= V_INT;
    void *buf = malloc((size_t)(n ? n : 1) * 8);
    double *x = buf;
    int64_t *k = buf;
    for (int64_t i = 0; i < n; i++) {
        double z = normal();
        uint64_t u = next_u64();
        switch (v) {
        case V_NORMAL: x[i] = z; break;
        case V_SPECIAL: {
            static const double sp[] = {NAN, INFINITY, -INFINITY, 0.0, -0.0, -NAN};
            x[i] = u % 4 == 0 ? sp[(u >> 8) % 6] : z;
            break;
        }
        case V_TIES: {
            static const double sp[] = {NAN, INFINITY, -INFINITY, 0.0, -0.0};
            x[i] = u % 8 == 0 ? sp[(u >> 8) % 5] : (double)((int64_t)(u >> 8) % 7 - 3);
            break;
        }
        case V_NEAR1: x[i] = 1 + 1e-3 * z; break;
        case V_NEGINF: x[i] = i % 11 < 3 ? -INFINITY : z; break;
        case V_POSINF: x[i] = i % 1013 == 17 ? INFINITY : z; break;
        case V_ALLNEG: x[i] = -INFINITY; break;
        case V_INT: k[i] = (int64_t)(u % (uint64_t)(2 * lim + 1)) - lim; break;
        case V_WRAP: k[i] = (int64_t)(u >> 1) * (u & 1 ? 1 : -1); break;
        case V_INDEX: k[i] = (int64_t)(u % (uint64_t)(2 * lim)) - lim; break;
        case V_NINDEX: k[i] = (int64_t)(u % (uint64_t)lim); break;
        case V_BOOL: k[i] = (int64_t)(u & 1); break;
        default: k[i] = u % 1000 != 0; break;
        }
    }
    gen_array *a = gen_array_from(ints ? GEN_I64 : GEN_F64, nd, shape, buf);
    free(buf);
    return (gen_dtype)gen_array_dtype(a) == t ? a : gen_cast(a, t);
}
#define MAKE(t, v, lim, ...) make(GEN_##t, v, lim, GEN_DIMS(__VA_ARGS__))

/* ---- running an op on both devices ---- */

/* What a case computes from its inputs; arg: the case's parameters. */
typedef gen_array *(*case_fn)(gen_array *const *in, const void *arg);

/* How results compare: exactly (rtol 0: the same bits, except that any NaN equals any
 * NaN), or within rtol * (|cpu| + |scale|) + atol, where scale is the case applied on
 * the CPU to the magnitudes of the inputs in abs_mask (the sum of magnitudes of a sum). */
typedef struct tol {
    double rtol, atol;
    unsigned abs_mask;
} tol;
static const tol EXACT = {0, 0, 0};

static bool same_bits(double a, double b) { return (a != a && b != b) || (a == b && signbit(a) == signbit(b)); }

/* Compares the device result g with the CPU's c (and scale s); reports the first
 * difference. */
static void compare_at(const char *file, int line, const char *what, const gen_array *c, const gen_array *g,
                       const gen_array *s, tol t) {
    check_count++;
    int nd = gen_array_ndim(c);
    if (gen_array_dtype(g) != gen_array_dtype(c) || gen_array_ndim(g) != nd ||
        memcmp(gen_array_shape(g), gen_array_shape(c), (size_t)nd * sizeof(int64_t))) {
        check_fail(file, line, "%s: the device result is %s[%d dims], the CPU's %s[%d dims]", what,
                   gen_dtype_name(gen_array_dtype(g)), gen_array_ndim(g), gen_dtype_name(gen_array_dtype(c)), nd);
        return;
    }
    int64_t n = gen_array_size(c);
    if (!n) return;
    bool ints = gen_array_dtype(c) == GEN_I64 || gen_array_dtype(c) == GEN_BOOL;
    gen_dtype rt = ints ? GEN_I64 : GEN_F64;
    void *cb = malloc((size_t)n * 8), *gb = malloc((size_t)n * 8), *sb = s ? malloc((size_t)n * 8) : NULL;
    if (gen_array_copy_to(c, rt, cb, (size_t)n * 8) != GEN_OK || gen_array_copy_to(g, rt, gb, (size_t)n * 8) != GEN_OK ||
        (s && gen_array_copy_to(s, GEN_F64, sb, (size_t)n * 8) != GEN_OK)) {
        check_fail(file, line, "%s: reading the results: %s", what, gen_error_message());
        n = 0;
    }
    for (int64_t i = 0; i < n; i++) {
        bool ok;
        double cv, gv;
        if (ints) {
            ok = ((int64_t *)cb)[i] == ((int64_t *)gb)[i];
            cv = (double)((int64_t *)cb)[i], gv = (double)((int64_t *)gb)[i];
        } else {
            cv = ((double *)cb)[i], gv = ((double *)gb)[i];
            if (t.rtol == 0 || !isfinite(cv) || !isfinite(gv)) ok = same_bits(cv, gv);
            else ok = fabs(gv - cv) <= t.rtol * (fabs(cv) + (sb ? fabs(((double *)sb)[i]) : 0)) + t.atol;
        }
        if (!ok) {
            check_fail(file, line, "%s: element %lld of %lld: device %.17g, CPU %.17g", what, (long long)i,
                       (long long)n, gv, cv);
            break;
        }
    }
    free(cb), free(gb), free(sb);
}

/* Runs f on the host inputs and on copies of them on the device and compares: the
 * results, or, when the CPU fails, the device's failure (status and message). */
static void twin_at(const char *file, int line, const char *what, case_fn f, const void *arg, int n,
                    gen_array *const *in, tol t) {
    gen_scope_begin();
    gen_array *din[8];
    for (int i = 0; i < n; i++) din[i] = gen_array_to_device(in[i], dev);
    gen_error_clear();
    gen_array *c = f(in, arg);
    gen_status cst = gen_error_status();
    char cmsg[512];
    snprintf(cmsg, sizeof cmsg, "%s", gen_error_message());
    gen_error_clear();
    gen_array *g = f(din, arg);
    gen_status gst = gen_error_status();
    check_count++;
    if (!c || !g) {
        if (c || g || gst != cst || strcmp(cmsg, gen_error_message()))
            check_fail(file, line, "%s: CPU %s \"%s\", device %s \"%s\"", what, gen_status_name(cst), cmsg,
                       gen_status_name(gst), gen_error_message());
    } else {
        if (g && gen_array_device(g) != dev) check_fail(file, line, "%s: the result is not on the device", what);
        gen_array *s = NULL;
        if (t.abs_mask) {
            gen_array *ain[8];
            for (int i = 0; i < n; i++) ain[i] = t.abs_mask >> i & 1 ? gen_abs(in[i]) : in[i];
            s = f(ain, arg);
        }
        compare_at(file, line, what, c, g, s, t);
    }
    gen_error_clear();
    gen_scope_end();
}
#define TWIN(what, f, arg, t, ...)                                                                          \
    twin_at(__FILE__, __LINE__, what, f, arg, (int)(sizeof((gen_array *[]){__VA_ARGS__}) / sizeof(gen_array *)), \
            (gen_array *[]){__VA_ARGS__}, t)

/* The parameters of a case. */
typedef struct args {
    int naxes, axes[GEN_MAX_DIMS]; /* naxes -1: every axis */
    bool keepdims, reverse;
    int axis, n;
    int64_t k, start, stop, step, reps[GEN_MAX_DIMS];
    gen_array *(*red)(const gen_array *, int, const int *, bool);
    gen_array *(*arg1)(const gen_array *, int, bool);
} args;

/* ---- reductions ---- */

static gen_array *do_reduce(gen_array *const *in, const void *p) {
    const args *a = p;
    return a->naxes < 0 ? a->red(in[0], 0, NULL, a->keepdims) : a->red(in[0], a->naxes, a->axes, a->keepdims);
}

typedef struct red_shape {
    int nd;
    int64_t shape[GEN_MAX_DIMS];
    int naxes, axes[GEN_MAX_DIMS];
} red_shape;

static void test_reductions(void) {
    static const red_shape shapes[] = {
        {0, {0}, -1, {0}},
        {1, {0}, -1, {0}},
        {2, {3, 0}, 1, {1}},
        {2, {3, 0}, 1, {0}},
        {1, {5}, -1, {0}},
        {3, {4, 5, 6}, -1, {0}},
        {3, {4, 5, 6}, 1, {0}},
        {3, {4, 5, 6}, 1, {1}},
        {3, {4, 5, 6}, 1, {2}},
        {3, {4, 5, 6}, 2, {0, 2}},
        {3, {4, 5, 6}, 2, {1, 2}},
        {3, {4, 5, 6}, 2, {0, 1}},
        {5, {2, 3, 1, 4, 5}, 3, {0, 2, 4}},
        {5, {2, 3, 1, 4, 5}, 2, {1, 3}},
        {2, {100000, 7}, 1, {1}},  /* one thread per output */
        {2, {100000, 7}, 1, {0}},  /* 7 long segments */
        {2, {40000, 100}, 1, {1}}, /* many outputs of medium length: one thread each */
        {2, {300, 2000}, 1, {1}},  /* segmented */
        {2, {300, 2000}, 1, {0}},  /* segmented, strided */
        {1, {1000000}, -1, {0}},   /* device-wide */
        {2, {1000, 1000}, 2, {0, 1}},
    };
    static const tol sum_f64 = {1e-12, 0, 1}, sum_f32 = {1e-6, 0, 1}, prod_f64 = {1e-12, 0, 0},
                     prod_f32 = {1e-6, 0, 0}, lse_f64 = {1e-12, 1e-12, 0}, lse_f32 = {1e-6, 1e-6, 0};
    char what[160];
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
        const red_shape *rs = &shapes[i];
        args a = {.naxes = rs->naxes, .keepdims = i % 2 == 1};
        memcpy(a.axes, rs->axes, sizeof a.axes);
        snprintf(what, sizeof what, "reduction case %zu", i);
        gen_scope_begin();
        gen_array *xn = make(GEN_F64, V_NORMAL, 0, rs->nd, rs->shape), *xs = make(GEN_F64, V_SPECIAL, 0, rs->nd, rs->shape);
        gen_array *x1 = make(GEN_F64, V_NEAR1, 0, rs->nd, rs->shape), *xw = make(GEN_I64, V_WRAP, 0, rs->nd, rs->shape);
        gen_array *xi = make(GEN_I64, V_INT, 3, rs->nd, rs->shape), *xb = make(GEN_BOOL, V_BOOL, 0, rs->nd, rs->shape);
        gen_array *xm = make(GEN_BOOL, V_MOSTLY, 0, rs->nd, rs->shape);
        gen_array *xn32 = gen_cast(xn, GEN_F32), *xs32 = gen_cast(xs, GEN_F32), *x132 = gen_cast(x1, GEN_F32);
        a.red = gen_sum;
        TWIN(what, do_reduce, &a, sum_f64, xn);
        TWIN(what, do_reduce, &a, sum_f64, xs);
        TWIN(what, do_reduce, &a, sum_f32, xn32);
        TWIN(what, do_reduce, &a, EXACT, xw);
        TWIN(what, do_reduce, &a, EXACT, xb);
        a.red = gen_prod;
        TWIN(what, do_reduce, &a, prod_f64, x1);
        TWIN(what, do_reduce, &a, prod_f32, x132);
        TWIN(what, do_reduce, &a, EXACT, xw);
        TWIN(what, do_reduce, &a, EXACT, xi);
        for (int m = 0; m < 2; m++) {
            a.red = m ? gen_min : gen_max;
            TWIN(what, do_reduce, &a, EXACT, xs);
            TWIN(what, do_reduce, &a, EXACT, xs32);
            TWIN(what, do_reduce, &a, EXACT, xi);
            TWIN(what, do_reduce, &a, EXACT, xw);
            TWIN(what, do_reduce, &a, EXACT, xb);
        }
        a.red = gen_logsumexp;
        TWIN(what, do_reduce, &a, lse_f64, xn);
        TWIN(what, do_reduce, &a, lse_f64, xs);
        TWIN(what, do_reduce, &a, lse_f32, xn32);
        /* the one-pass kernel of a contiguous run: -inf heads, +inf without NaN, all -inf */
        TWIN(what, do_reduce, &a, lse_f64, make(GEN_F64, V_NEGINF, 0, rs->nd, rs->shape));
        TWIN(what, do_reduce, &a, lse_f64, make(GEN_F64, V_POSINF, 0, rs->nd, rs->shape));
        TWIN(what, do_reduce, &a, lse_f64, make(GEN_F64, V_ALLNEG, 0, rs->nd, rs->shape));
        TWIN(what, do_reduce, &a, lse_f32, gen_cast(make(GEN_F64, V_NEGINF, 0, rs->nd, rs->shape), GEN_F32));
        for (int m = 0; m < 2; m++) {
            a.red = m ? gen_any : gen_all;
            TWIN(what, do_reduce, &a, EXACT, xb);
            TWIN(what, do_reduce, &a, EXACT, xm);
            TWIN(what, do_reduce, &a, EXACT, xs); /* cast to bool */
        }
        gen_scope_end();
    }
}

/* ---- argmax / argmin ---- */

static gen_array *do_arg(gen_array *const *in, const void *p) {
    const args *a = p;
    return a->arg1(in[0], a->axis, a->keepdims);
}

static void test_argreduce(void) {
    static const struct {
        int nd;
        int64_t shape[3];
        int axis;
    } shapes[] = {{1, {5}, 0},         {3, {4, 5, 6}, 0},   {3, {4, 5, 6}, 1},   {3, {4, 5, 6}, 2},
                  {2, {3, 0}, 0},      {2, {0, 3}, 1},      {2, {100000, 7}, 1}, {2, {100000, 7}, 0},
                  {1, {1000000}, 0},   {2, {300, 2000}, 1}, {2, {2, 0}, 1}};
    char what[160];
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
        snprintf(what, sizeof what, "argmax/argmin case %zu", i);
        gen_scope_begin();
        int nd = shapes[i].nd;
        const int64_t *sh = shapes[i].shape;
        gen_array *xs = make(GEN_F64, V_SPECIAL, 0, nd, sh), *xt = make(GEN_F64, V_TIES, 0, nd, sh);
        gen_array *xi = make(GEN_I64, V_INT, 2, nd, sh), *xb = make(GEN_BOOL, V_BOOL, 0, nd, sh);
        gen_array *xn = make(GEN_F64, V_NORMAL, 0, nd, sh);
        for (int m = 0; m < 2; m++) {
            args a = {.axis = shapes[i].axis, .keepdims = m == 1, .arg1 = m ? gen_argmin : gen_argmax};
            TWIN(what, do_arg, &a, EXACT, xs);
            TWIN(what, do_arg, &a, EXACT, gen_cast(xs, GEN_F32));
            TWIN(what, do_arg, &a, EXACT, xt);
            TWIN(what, do_arg, &a, EXACT, xn);
            TWIN(what, do_arg, &a, EXACT, xi);
            TWIN(what, do_arg, &a, EXACT, xb);
        }
        gen_scope_end();
    }
}

/* ---- cumulative ops ---- */

static gen_array *do_cumulate(gen_array *const *in, const void *p) {
    const args *a = p;
    op_params q = {.axis = a->axis, .reverse = a->reverse};
    return op_apply1(a->n ? OP_CUMLOGSUMEXP : OP_CUMSUM, in[0], &q);
}
static gen_array *do_cumsum_public(gen_array *const *in, const void *p) { return gen_cumsum(in[0], ((const args *)p)->axis); }
static gen_array *do_cumlse_vjp(gen_array *const *in, const void *p) {
    op_params q = {.axis = ((const args *)p)->axis};
    return op_apply(OP_CUMLSE_VJP, 3, in, &q);
}

static void test_cumulative(void) {
    static const struct {
        int nd;
        int64_t shape[3];
        int axis;
    } shapes[] = {{1, {5}, 0},          {1, {0}, 0},           {2, {3, 0}, 1},       {3, {4, 5, 6}, 0},
                  {3, {4, 5, 6}, 1},    {3, {4, 5, 6}, 2},     {2, {100000, 3}, 1},  {2, {3, 100000}, 1},
                  {1, {1000000}, 0},    {3, {50, 2000, 3}, 1}, {2, {40000, 50}, 1},  {2, {50, 40000}, 0}};
    static const tol sum_f64 = {1e-12, 0, 1}, sum_f32 = {1e-6, 0, 1}, lse_f64 = {1e-12, 1e-12, 0},
                     lse_f32 = {1e-6, 1e-6, 0}, vjp = {1e-11, 0, 4};
    char what[160];
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
        snprintf(what, sizeof what, "cumulative case %zu", i);
        gen_scope_begin();
        int nd = shapes[i].nd;
        const int64_t *sh = shapes[i].shape;
        gen_array *xn = make(GEN_F64, V_NORMAL, 0, nd, sh), *xs = make(GEN_F64, V_SPECIAL, 0, nd, sh);
        gen_array *xw = make(GEN_I64, V_WRAP, 0, nd, sh), *xb = make(GEN_BOOL, V_BOOL, 0, nd, sh);
        for (int r = 0; r < 2; r++) {
            args a = {.axis = shapes[i].axis, .reverse = r == 1};
            TWIN(what, do_cumulate, &a, sum_f64, xn);
            TWIN(what, do_cumulate, &a, sum_f64, xs);
            TWIN(what, do_cumulate, &a, sum_f32, gen_cast(xn, GEN_F32));
            TWIN(what, do_cumulate, &a, EXACT, xw);
            TWIN(what, do_cumsum_public, &a, EXACT, xb); /* bool counts as i64 */
            a.n = 1;
            TWIN(what, do_cumulate, &a, lse_f64, xn);
            TWIN(what, do_cumulate, &a, lse_f64, xs);
            TWIN(what, do_cumulate, &a, lse_f32, gen_cast(xn, GEN_F32));
        }
        /* the VJP: x (with -inf heads: weights 0), its cumlogsumexp, a cotangent */
        args a = {.axis = shapes[i].axis};
        gen_array *x = make(GEN_F64, V_NEGINF, 0, nd, sh), *g = make(GEN_F64, V_NORMAL, 0, nd, sh);
        TWIN(what, do_cumlse_vjp, &a, vjp, x, gen_cumlogsumexp(x, a.axis), g);
        gen_scope_end();
    }
    gen_scope_begin(); /* 0-d: the axis is out of range on both */
    args a = {.axis = 0};
    TWIN("cumsum of a 0-d array", do_cumsum_public, &a, EXACT, gen_scalar(2));
    gen_scope_end();
}

/* ---- argsort, sort, take_along, scatter_along ---- */

static gen_array *do_argsort(gen_array *const *in, const void *p) { return gen_argsort(in[0], ((const args *)p)->axis); }
static gen_array *do_sort(gen_array *const *in, const void *p) { return gen_sort(in[0], ((const args *)p)->axis); }
static gen_array *do_take_along(gen_array *const *in, const void *p) {
    op_params q = {.axis = ((const args *)p)->axis};
    return op_apply2(OP_TAKE_ALONG, in[0], in[1], &q);
}
static gen_array *do_scatter_along(gen_array *const *in, const void *p) {
    op_params q = {.axis = ((const args *)p)->axis, .k = ((const args *)p)->k};
    return op_apply2(OP_SCATTER_ALONG, in[0], in[1], &q);
}

static void test_sort(void) {
    static const struct {
        int nd;
        int64_t shape[3];
        int axis;
    } shapes[] = {{1, {5}, 0},         {1, {0}, 0},         {2, {3, 0}, 1},       {2, {3, 0}, 0},
                  {3, {4, 5, 6}, 0},   {3, {4, 5, 6}, 1},   {3, {4, 5, 6}, 2},    {2, {100000, 8}, 1},
                  {2, {8, 100000}, 0}, {1, {1000000}, 0},   {2, {3, 300000}, 1},  {3, {20, 1, 30}, 1}};
    char what[160];
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
        snprintf(what, sizeof what, "sort case %zu", i);
        gen_scope_begin();
        int nd = shapes[i].nd;
        const int64_t *sh = shapes[i].shape;
        args a = {.axis = shapes[i].axis};
        gen_array *xt = make(GEN_F64, V_TIES, 0, nd, sh), *xn = make(GEN_F64, V_NORMAL, 0, nd, sh);
        gen_array *xi = make(GEN_I64, V_INT, 3, nd, sh), *xw = make(GEN_I64, V_WRAP, 0, nd, sh);
        gen_array *xb = make(GEN_BOOL, V_BOOL, 0, nd, sh);
        TWIN(what, do_argsort, &a, EXACT, xt);
        TWIN(what, do_argsort, &a, EXACT, gen_cast(xt, GEN_F32));
        TWIN(what, do_argsort, &a, EXACT, xn);
        TWIN(what, do_argsort, &a, EXACT, xi);
        TWIN(what, do_argsort, &a, EXACT, xw);
        TWIN(what, do_argsort, &a, EXACT, xb);
        TWIN(what, do_sort, &a, EXACT, xt);
        TWIN(what, do_sort, &a, EXACT, xb);
        /* take_along with indices of another length along the axis (repeats), and its
         * transpose scatter_along into m positions, every dtype */
        int64_t ish[3];
        memcpy(ish, sh, sizeof ish);
        ish[a.axis] = sh[a.axis] ? 2 * sh[a.axis] + 1 : 0;
        int64_t len = sh[a.axis];
        if (len > 0 && sh[a.axis] <= 1000) {
            gen_array *idx = make(GEN_I64, V_NINDEX, len, nd, ish);
            TWIN(what, do_take_along, &a, EXACT, xt, idx);
            TWIN(what, do_take_along, &a, EXACT, gen_cast(xn, GEN_F32), idx);
            TWIN(what, do_take_along, &a, EXACT, xw, idx);
            TWIN(what, do_take_along, &a, EXACT, xb, idx);
            a.k = len;
            gen_array *g = make(GEN_F64, V_NORMAL, 0, nd, ish);
            TWIN(what, do_scatter_along, &a, EXACT, g, idx); /* sums in the CPU's order */
            TWIN(what, do_scatter_along, &a, EXACT, gen_cast(g, GEN_F32), idx);
            TWIN(what, do_scatter_along, &a, EXACT, make(GEN_I64, V_WRAP, 0, nd, ish), idx);
            a.k = len + 3; /* targets beyond the indices stay 0 */
            TWIN(what, do_scatter_along, &a, EXACT, g, idx);
        }
        gen_scope_end();
    }
}

/* Bad indices along an axis: the first in the CPU's order (rows, then along the row). */
static void test_along_errors(void) {
    args a = {.axis = 1};
    /* idx [2, 3, 4] along axis 1 of a [2, 5, 4]: (0, 1, 3) = 9 comes first in flat
     * order, (0, 2, 0) = -1 first in the CPU's (row (0, 0) before row (0, 3)) */
    int64_t iv[24] = {0};
    iv[1 * 4 + 3] = 9, iv[2 * 4 + 0] = -1, iv[23] = 7;
    gen_array *idx = gen_array_from(GEN_I64, GEN_DIMS(2, 3, 4), iv);
    gen_array *x = MAKE(F64, V_NORMAL, 0, 2, 5, 4);
    TWIN("take_along: a bad index", do_take_along, &a, EXACT, x, idx);
    a.k = 5;
    TWIN("scatter_along: a bad index", do_scatter_along, &a, EXACT, MAKE(F64, V_NORMAL, 0, 2, 3, 4), idx);
    a.k = 0; /* no target at all */
    TWIN("scatter_along into nothing", do_scatter_along, &a, EXACT, MAKE(F64, V_NORMAL, 0, 2, 3, 4),
         gen_array_from(GEN_I64, GEN_DIMS(2, 3, 4), (int64_t[24]){0}));
    /* the device is usable after a failure */
    a.k = 5;
    TWIN("scatter_along after a failure", do_scatter_along, &a, EXACT, MAKE(F64, V_NORMAL, 0, 2, 3, 4),
         MAKE(I64, V_NINDEX, 5, 2, 3, 4));
}

/* ---- copies: permute, concatenate, slice, flip, tile ---- */

static gen_array *do_permute(gen_array *const *in, const void *p) {
    const args *a = p;
    return gen_permute(in[0], a->naxes, a->axes);
}
static gen_array *do_concatenate(gen_array *const *in, const void *p) {
    const args *a = p;
    return gen_concatenate(a->n, in, a->axis);
}
static gen_array *do_stack(gen_array *const *in, const void *p) {
    const args *a = p;
    return gen_stack(a->n, in, a->axis);
}
static gen_array *do_slice(gen_array *const *in, const void *p) {
    const args *a = p;
    return gen_slice(in[0], a->axis, a->start, a->stop, a->step);
}
static gen_array *do_flip(gen_array *const *in, const void *p) { return gen_flip(in[0], ((const args *)p)->axis); }
static gen_array *do_tile(gen_array *const *in, const void *p) {
    const args *a = p;
    return gen_tile(in[0], a->n, a->reps);
}

static void test_copies(void) {
    gen_dtype types[] = {GEN_F64, GEN_F32, GEN_I64, GEN_BOOL};
    for (int t = 0; t < 4; t++) {
        gen_scope_begin();
        gen_dtype dt = types[t];
        gen_array *x = make(dt, dt == GEN_BOOL ? V_BOOL : V_INT, 1000, GEN_DIMS(2, 3, 4, 5));
        static const int perms[][4] = {{0, 1, 2, 3}, {3, 2, 1, 0}, {1, 0, 3, 2}, {2, 3, 0, 1}, {0, 2, 1, 3}};
        for (int i = 0; i < 5; i++) {
            args a = {.naxes = 4};
            memcpy(a.axes, perms[i], sizeof perms[i]);
            TWIN("permute", do_permute, &a, EXACT, x);
        }
        args a3 = {.naxes = 3, .axes = {2, 0, 1}};
        TWIN("permute of an empty array", do_permute, &a3, EXACT, make(dt, V_INT, 9, GEN_DIMS(3, 0, 2)));
        TWIN("permute with size-1 axes", do_permute, &a3, EXACT, make(dt, V_INT, 9, GEN_DIMS(1, 7, 1)));
        args a0 = {.naxes = 0};
        TWIN("permute of a 0-d array", do_permute, &a0, EXACT, make(dt, V_INT, 9, 0, NULL));
        /* concatenate and stack along every axis, an empty part included */
        for (int ax = 0; ax < 3; ax++) {
            int64_t s1[3] = {2, 3, 4}, s2[3] = {2, 3, 4}, s3[3] = {2, 3, 4};
            s2[ax] = 0, s3[ax] = 5;
            args a = {.axis = ax, .n = 3};
            TWIN("concatenate", do_concatenate, &a, EXACT, make(dt, V_INT, 9, 3, s1), make(dt, V_INT, 9, 3, s2),
                 make(dt, V_INT, 9, 3, s3));
            TWIN("stack", do_stack, &a, EXACT, make(dt, V_INT, 9, 3, s1), make(dt, V_INT, 9, 3, s1),
                 make(dt, V_INT, 9, 3, s1));
        }
        /* slice: steps of both signs, bounds from the end, empty results; flip */
        static const int64_t sl[][3] = {{0, GEN_END, 1}, {1, 5, 2}, {-2, GEN_END, 1}, {GEN_END, 0, -1},
                                        {5, 1, -3},      {3, 3, 1}, {-100, 100, 4},   {4, -100, -2}};
        for (int ax = 0; ax < 4; ax++) {
            for (size_t i = 0; i < sizeof sl / sizeof *sl; i++) {
                args a = {.axis = ax, .start = sl[i][0], .stop = sl[i][1], .step = sl[i][2]};
                TWIN("slice", do_slice, &a, EXACT, x);
            }
            args a = {.axis = ax};
            TWIN("flip", do_flip, &a, EXACT, x);
        }
        /* tile: per axis, padded with leading axes, zero repeats, a 0-d array */
        static const struct {
            int n;
            int64_t reps[GEN_MAX_DIMS];
        } tl[] = {{4, {1, 1, 1, 1}}, {4, {2, 1, 3, 1}}, {1, {3}}, {6, {2, 1, 1, 2, 1, 2}}, {4, {1, 0, 2, 1}}, {0, {0}}};
        for (size_t i = 0; i < sizeof tl / sizeof *tl; i++) {
            args a = {.n = tl[i].n};
            memcpy(a.reps, tl[i].reps, sizeof tl[i].reps);
            TWIN("tile", do_tile, &a, EXACT, x);
        }
        args a2 = {.n = 2, .reps = {2, 3}};
        TWIN("tile of a 0-d array", do_tile, &a2, EXACT, make(dt, V_INT, 9, 0, NULL));
        gen_scope_end();
    }
    /* big ones */
    gen_scope_begin();
    gen_array *m = MAKE(F32, V_NORMAL, 0, 1000, 3000);
    args tr = {.naxes = 2, .axes = {1, 0}};
    TWIN("transpose of a 1000 x 3000 matrix", do_permute, &tr, EXACT, m);
    args fl = {.axis = 1};
    TWIN("flip of a 1000 x 3000 matrix", do_flip, &fl, EXACT, m);
    args tb = {.n = 2, .reps = {3, 2}};
    TWIN("tile of a 1000 x 3000 matrix", do_tile, &tb, EXACT, m);
    args cc = {.axis = 1, .n = 2};
    TWIN("concatenate of big matrices", do_concatenate, &cc, EXACT, m, m);
    gen_scope_end();
}

/* ---- take and the index updates ---- */

static gen_array *do_take(gen_array *const *in, const void *p) { return gen_take(in[0], in[1], ((const args *)p)->axis); }
static gen_array *do_index_set(gen_array *const *in, const void *p) {
    return gen_index_set(in[0], ((const args *)p)->axis, in[1], in[2]);
}
static gen_array *do_index_add(gen_array *const *in, const void *p) {
    return gen_index_add(in[0], ((const args *)p)->axis, in[1], in[2]);
}

static void test_take(void) {
    gen_dtype types[] = {GEN_F64, GEN_F32, GEN_I64, GEN_BOOL};
    for (int t = 0; t < 4; t++) {
        gen_scope_begin();
        gen_dtype dt = types[t];
        int vk = dt == GEN_BOOL ? V_BOOL : V_INT;
        gen_array *x = make(dt, vk, 1000, GEN_DIMS(4, 5, 6));
        for (int ax = 0; ax < 3; ax++) {
            int64_t n = gen_array_dim(x, ax);
            args a = {.axis = ax};
            gen_array *i1 = make(GEN_I64, V_INDEX, n, GEN_DIMS(7)), *i2 = make(GEN_I64, V_INDEX, n, GEN_DIMS(2, 3));
            gen_array *i0 = gen_scalar_i64(-1), *ie = make(GEN_I64, V_INDEX, n, GEN_DIMS(0));
            TWIN("take", do_take, &a, EXACT, x, i1);
            TWIN("take, 2-d indices", do_take, &a, EXACT, x, i2);
            TWIN("take, a 0-d index", do_take, &a, EXACT, x, i0);
            TWIN("take, no indices", do_take, &a, EXACT, x, ie);
            /* index updates: values of take's shape, broadcast, scalar; repeats */
            int64_t ts[3] = {4, 5, 6}, bs[3] = {1, 1, 1};
            ts[ax] = 7, bs[ax] = 7;
            gen_array *vf = make(dt, vk, 1000, 3, ts), *vb = make(dt, vk, 1000, 3 - ax, bs + ax);
            gen_array *vs = gen_cast(gen_scalar(1), dt);
            for (int u = 0; u < 2; u++) {
                case_fn f = u ? do_index_add : do_index_set;
                TWIN("index update", f, &a, EXACT, x, i1, vf);
                TWIN("index update, broadcast values", f, &a, EXACT, x, i1, vb);
                TWIN("index update, a scalar value", f, &a, EXACT, x, i1, vs);
                TWIN("index update, no indices", f, &a, EXACT, x, ie, gen_cast(gen_scalar(1), dt));
                TWIN("index update, f64 values", f, &a, EXACT, x, i1, make(GEN_F64, V_NORMAL, 0, 3, ts));
            }
        }
        gen_scope_end();
    }
    /* big: 1e6 repeated indices into 1e5 (sums in the CPU's order: exact) */
    gen_scope_begin();
    args a = {.axis = 0};
    gen_array *big = MAKE(F64, V_NORMAL, 0, 100000), *idx = MAKE(I64, V_INDEX, 100000, 1000000);
    gen_array *vals = MAKE(F64, V_NORMAL, 0, 1000000);
    TWIN("take, 1e6 indices", do_take, &a, EXACT, big, idx);
    TWIN("index_set, 1e6 indices", do_index_set, &a, EXACT, big, idx, vals);
    TWIN("index_add, 1e6 indices", do_index_add, &a, EXACT, big, idx, vals);
    TWIN("index_add, 1e6 i64", do_index_add, &a, EXACT, MAKE(I64, V_WRAP, 0, 100000), idx, MAKE(I64, V_WRAP, 0, 1000000));
    args a1 = {.axis = 1};
    gen_array *m = MAKE(F32, V_NORMAL, 0, 300, 1000), *mi = MAKE(I64, V_INDEX, 1000, 20, 50);
    TWIN("take along axis 1 of a matrix", do_take, &a1, EXACT, m, mi);
    TWIN("index_add along axis 1 of a matrix", do_index_add, &a1, EXACT, m, mi, MAKE(F32, V_NORMAL, 0, 300, 20, 50));
    gen_scope_end();
}

/* Bad indices of take and the updates: the first in flat order, named by its position. */
static void test_take_errors(void) {
    gen_array *x = MAKE(F64, V_NORMAL, 0, 4, 5, 6);
    gen_array *bad = gen_array_from(GEN_I64, GEN_DIMS(2, 3), (int64_t[]){0, -5, 4, 5, -6, 9});
    for (int ax = 0; ax < 3; ax++) {
        args a = {.axis = ax};
        TWIN("take: a bad index", do_take, &a, EXACT, x, bad);
        TWIN("index_set: a bad index", do_index_set, &a, EXACT, x, bad, gen_scalar(1));
        TWIN("index_add: a bad index", do_index_add, &a, EXACT, x, bad, gen_scalar(1));
    }
    args a = {.axis = 1};
    TWIN("take from an empty axis", do_take, &a, EXACT, MAKE(F64, V_NORMAL, 0, 3, 0), gen_scalar_i64(0));
    TWIN("take: a 0-d bad index", do_take, &a, EXACT, x, gen_scalar_i64(-6));
    TWIN("take after a failure", do_take, &a, EXACT, x, gen_scalar_i64(-5));
}

int main(void) {
    dev = cuda_test_device("test_cuda_index");
    RUN(test_reductions);
    RUN(test_argreduce);
    RUN(test_cumulative);
    RUN(test_sort);
    RUN(test_along_errors);
    RUN(test_copies);
    RUN(test_take);
    RUN(test_take_errors);
    return check_finish();
}
