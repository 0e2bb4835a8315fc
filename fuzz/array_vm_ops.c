/* array_vm_ops.c — the array machine's operations (array_vm.h): one op code for each
 * group of GenC's public array API, its operands read from the program's bytes. */
#include "array_vm.h"

#define DIMS_BUF 16

/* A shape: mostly 0-4 dims of small extents, sometimes too many dims or a negative
 * count (which GenC must reject); the buffer always holds DIMS_BUF entries. */
static int read_shape(fz_in *r, int64_t *dims) {
    uint8_t b = fz_u8(r);
    int nd = b < 240 ? b % 5 : b == 255 ? -1 : 5 + (b - 240);
    if (nd > DIMS_BUF) nd = DIMS_BUF;
    for (int k = 0; k < DIMS_BUF; k++) dims[k] = k < nd ? fz_extent(r) : 1;
    return nd;
}

static int read_axes(fz_in *r, int *axes) {
    int n = fz_u8(r) % 4;
    for (int k = 0; k < DIMS_BUF; k++) axes[k] = k < n ? fz_axis(r) : 0;
    return n;
}

/* The product of dims, or -1 when it is negative, overflows or exceeds cap. */
static int64_t product(int nd, const int64_t *dims, int64_t cap) {
    int64_t p = 1;
    for (int k = 0; k < nd; k++) {
        if (dims[k] < 0) return -1;
        if (dims[k] == 0) p = 0;
    }
    if (p == 0) return 0;
    for (int k = 0; k < nd; k++) {
        if (dims[k] > cap / p) return -1;
        p *= dims[k];
    }
    return p;
}

/* Matrix ops cost up to size x last extent (n^3 per n x n matrix, k n m for a product):
 * above this they are skipped, so that one input stays within the fuzzer's time limit
 * (a [3, 400, 400] cholesky's VJP takes seconds under the instrumentation). */
#define MATRIX_COST_MAX 4000000.0

static bool too_costly(const gen_array *a, const gen_array *b) {
    double last = 1;
    if (b && gen_array_ndim(b) > 0) last = (double)gen_array_shape(b)[gen_array_ndim(b) - 1];
    if (a && gen_array_ndim(a) > 0 && gen_array_shape(a)[gen_array_ndim(a) - 1] > last)
        last = (double)gen_array_shape(a)[gen_array_ndim(a) - 1];
    double size = (double)gen_array_size(a) + (b ? (double)gen_array_size(b) : 0);
    return size * last > MATRIX_COST_MAX;
}

typedef gen_array *(*unary_fn)(const gen_array *);
typedef gen_array *(*binary_fn)(const gen_array *, const gen_array *);
typedef gen_array *(*reduce_fn)(const gen_array *, int, const int *, bool);
typedef gen_array *(*axis_fn)(const gen_array *, int);

#define ENTRY(f) {f, #f}
static const struct { unary_fn f; const char *name; } unary[] = {
    ENTRY(gen_neg), ENTRY(gen_abs), ENTRY(gen_sign), ENTRY(gen_exp), ENTRY(gen_expm1),
    ENTRY(gen_log), ENTRY(gen_log1p), ENTRY(gen_sqrt), ENTRY(gen_square), ENTRY(gen_reciprocal),
    ENTRY(gen_sin), ENTRY(gen_cos), ENTRY(gen_tan), ENTRY(gen_tanh), ENTRY(gen_sigmoid),
    ENTRY(gen_log_sigmoid), ENTRY(gen_softplus), ENTRY(gen_floor), ENTRY(gen_ceil),
    ENTRY(gen_round), ENTRY(gen_erf), ENTRY(gen_erfc), ENTRY(gen_erfinv), ENTRY(gen_lgamma),
    ENTRY(gen_digamma), ENTRY(gen_trigamma), ENTRY(gen_log_ndtr), ENTRY(gen_logical_not),
    ENTRY(gen_isfinite), ENTRY(gen_isnan), ENTRY(gen_stop_gradient), ENTRY(gen_copy),
    ENTRY(gen_transpose), ENTRY(gen_matrix_transpose), ENTRY(gen_cholesky), ENTRY(gen_inv),
    ENTRY(gen_logdet), ENTRY(gen_diag), ENTRY(gen_diag_embed), ENTRY(gen_matrix_trace),
    ENTRY(gen_array_to_host), ENTRY(gen_batched), ENTRY(gen_unbatched)};
static const struct { binary_fn f; const char *name; } binary[] = {
    ENTRY(gen_add), ENTRY(gen_sub), ENTRY(gen_mul), ENTRY(gen_div), ENTRY(gen_pow),
    ENTRY(gen_maximum), ENTRY(gen_minimum), ENTRY(gen_atan2), ENTRY(gen_mod),
    ENTRY(gen_logaddexp), ENTRY(gen_eq), ENTRY(gen_ne), ENTRY(gen_lt), ENTRY(gen_le),
    ENTRY(gen_gt), ENTRY(gen_ge), ENTRY(gen_logical_and), ENTRY(gen_logical_or),
    ENTRY(gen_matmul), ENTRY(gen_outer), ENTRY(gen_solve)};
static const struct { reduce_fn f; const char *name; } reduce[] = {
    ENTRY(gen_sum), ENTRY(gen_prod), ENTRY(gen_mean), ENTRY(gen_max), ENTRY(gen_min),
    ENTRY(gen_logsumexp), ENTRY(gen_all), ENTRY(gen_any)};
static const struct { axis_fn f; const char *name; } along[] = {
    ENTRY(gen_cumsum), ENTRY(gen_cumlogsumexp), ENTRY(gen_sort), ENTRY(gen_argsort),
    ENTRY(gen_flip), ENTRY(gen_expand_dims)};
#define COUNT(t) (sizeof t / sizeof *t)


static gen_array *make_from(fz_in *r, gen_dtype t, int nd, const int64_t *dims) {
    int64_t n = product(nd, dims, 64);
    if (n < 0 || nd < 0 || nd > GEN_MAX_DIMS) return gen_full(t, nd, dims, fz_double(r));
    union { double f64[64]; float f32[64]; int64_t i64[64]; bool b[64]; } data;
    for (int64_t i = 0; i < n; i++) {
        if (t == GEN_F64) data.f64[i] = fz_double(r);
        else if (t == GEN_F32) data.f32[i] = (float)fz_double(r);
        else if (t == GEN_I64) data.i64[i] = fz_index(r);
        else data.b[i] = fz_u8(r) & 1;
    }
    return t == GEN_F64 && (fz_u8(r) & 1) ? gen_array_from_f64(nd, dims, data.f64)
                                         : gen_array_from(t, nd, dims, &data);
}

/* Reading out: gen_item, gen_array_format, gen_array_copy_to into a buffer of exactly
 * the size given (so ASan sees any write past it), moving to a device. */
static void readout(vm *m, gen_array *a) {
    uint8_t how = fz_u8(&m->in) % 5;
    gen_status s;
    if (how == 0) {
        double v;
        int64_t i;
        if ((s = gen_item(a, &v)) != GEN_OK) fz_check_failure("gen_item", s);
        if ((s = gen_item_i64(a, &i)) != GEN_OK) fz_check_failure("gen_item_i64", s);
    } else if (how == 1) {
        size_t n = fz_u8(&m->in);
        char *buf = malloc(n ? n : 1);
        if ((s = gen_array_format(a, buf, n)) != GEN_OK) fz_check_failure("gen_array_format", s);
        else if (n) FZ_CHECK(memchr(buf, 0, n) != NULL, "gen_array_format: no terminating NUL in %zu bytes", n);
        free(buf);
    } else if (how == 2) {
        gen_dtype t = fz_dtype(&m->in);
        int64_t size = gen_array_size(a);
        size_t need = (size_t)size * gen_dtype_size(t);
        size_t n = need + (size_t)(fz_u8(&m->in) % 3) - 1; /* one short, exact, one more */
        if (need == 0 && n > need) n = 0;
        char *buf = malloc(n ? n : 1);
        if ((s = gen_array_copy_to(a, t, buf, n)) != GEN_OK) fz_check_failure("gen_array_copy_to", s);
        else FZ_CHECK(n >= need, "gen_array_copy_to: GEN_OK into %zu bytes, %zu needed", n, need);
        free(buf);
    } else if (how == 3) {
        int d = (int)(fz_u8(&m->in) % 4) - 1;
        vm_push(m, "gen_array_to_device", gen_array_to_device(a, (gen_device)d));
    } else {
        int i = fz_axis(&m->in);
        int64_t dim = gen_array_dim(a, i);
        int nd = gen_array_ndim(a);
        int ok = i >= -nd && i < nd;
        FZ_CHECK(ok ? dim == gen_array_shape(a)[i < 0 ? i + nd : i] : dim == -1,
                 "gen_array_dim(a, %d) = %lld for ndim %d", i, (long long)dim, nd);
    }
}

/* A symmetric positive definite matrix from a: a a^T + c I (for cholesky and friends). */
static gen_array *spd(vm *m, gen_array *a) {
    double c = fz_double(&m->in);
    gen_array *aat = gen_matmul(a, gen_matrix_transpose(a));
    int64_t n = aat && gen_array_ndim(aat) >= 1 ? gen_array_shape(aat)[gen_array_ndim(aat) - 1] : 0;
    gen_array *eye = aat ? gen_eye(n, GEN_F64) : NULL;
    return gen_add(aat, gen_mul(eye, gen_scalar(c)));
}

static void stack_op(vm *m) {
    uint8_t b = fz_u8(&m->in) % 4;
    if (m->sp == 0) return;
    if (b == 0) vm_push(m, "dup", vm_top(m, 0));
    else if (b == 1 && m->sp >= 2) {
        vm_ent t = m->st[m->sp - 1];
        m->st[m->sp - 1] = m->st[m->sp - 2];
        m->st[m->sp - 2] = t;
        /* an array owned by an inner scope must not sink below the outer ones' */
        int lo = m->st[m->sp - 2].level, hi = m->st[m->sp - 1].level;
        if (lo > hi) m->st[m->sp - 2].level = m->st[m->sp - 1].level = lo; /* both leave with the inner scope */
    } else if (b == 2) m->sp--;
    else if (m->sp >= 2) vm_push(m, "over", vm_top(m, 1));
}

void vm_op(vm *m, uint8_t op) {
    fz_in *r = &m->in;
    int64_t dims[DIMS_BUF];
    int axes[DIMS_BUF];
    gen_array *a = vm_top(m, 0), *b = vm_top(m, 1), *c = vm_top(m, 2);
    switch (op % OP_COUNT) {
    case OP_SCALAR: {
        uint8_t k = fz_u8(r) % 4;
        double v = fz_double(r);
        vm_push(m, "gen_scalar", k == 0 ? gen_scalar(v) : k == 1 ? gen_scalar_f32((float)v)
                               : k == 2 ? gen_scalar_i64(fz_index(r)) : gen_scalar_bool(v != 0));
        break;
    }
    case OP_FROM: {
        gen_dtype t = fz_dtype(r);
        int nd = read_shape(r, dims);
        vm_push(m, "gen_array_from", make_from(r, t, nd, dims));
        break;
    }
    case OP_FULL: {
        uint8_t k = fz_u8(r) % 3;
        gen_dtype t = fz_dtype(r);
        int nd = read_shape(r, dims);
        vm_push(m, "gen_full", k == 0 ? gen_zeros(t, nd, dims) : k == 1 ? gen_ones(t, nd, dims)
                                                              : gen_full(t, nd, dims, fz_double(r)));
        break;
    }
    case OP_ARANGE: {
        double start = fz_double(r), stop = fz_double(r), step = fz_double(r);
        vm_push(m, "gen_arange", gen_arange(start, stop, step, fz_dtype(r)));
        break;
    }
    case OP_LINSPACE: {
        double lo = fz_double(r), hi = fz_double(r);
        vm_push(m, "gen_linspace", gen_linspace(lo, hi, fz_extent(r)));
        break;
    }
    case OP_EYE: {
        int64_t n = fz_extent(r);
        vm_push(m, "gen_eye", gen_eye(n, fz_dtype(r)));
        break;
    }
    case OP_ONE_HOT: {
        int64_t k = fz_extent(r);
        gen_dtype t = fz_dtype(r);
        if (a) vm_push(m, "gen_one_hot", gen_one_hot(a, k, t));
        break;
    }
    case OP_BATCHED_FULL: { /* a batched array of the running particle count */
        int64_t n = gen_batch_size() ? gen_batch_size() : 1 + fz_u8(r) % 3;
        gen_dtype t = fz_dtype(r);
        int64_t pdims[DIMS_BUF + 1];
        int nd = read_shape(r, pdims + 1);
        if (nd < 0 || nd >= DIMS_BUF) break;
        pdims[0] = n;
        gen_array *x = make_from(r, t, nd + 1, pdims);
        vm_push(m, "gen_batched", x ? gen_batched(x) : NULL);
        break;
    }
    case OP_UNARY:
    case OP_UNARY2: {
        uint8_t k = fz_u8(r) % COUNT(unary);
        bool cubic = unary[k].f == gen_cholesky || unary[k].f == gen_inv || unary[k].f == gen_logdet;
        if (a && !(cubic && too_costly(a, NULL))) vm_push(m, unary[k].name, unary[k].f(a));
        break;
    }
    case OP_CAST: {
        int t = fz_u8(r) % 6 - 1; /* -1 and 4: not a dtype */
        if (a) vm_push(m, "gen_cast", gen_cast(a, (gen_dtype)t));
        break;
    }
    case OP_BINARY:
    case OP_BINARY2: {
        uint8_t k = fz_u8(r) % COUNT(binary);
        bool cubic = binary[k].f == gen_matmul || binary[k].f == gen_solve;
        if (b && !(cubic && too_costly(b, a))) vm_push(m, binary[k].name, binary[k].f(b, a));
        break;
    }
    case OP_WHERE:
        if (c) vm_push(m, "gen_where", gen_where(c, b, a));
        break;
    case OP_CLIP:
        if (c) vm_push(m, "gen_clip", gen_clip(c, b, a));
        break;
    case OP_REDUCE: {
        uint8_t k = fz_u8(r) % COUNT(reduce);
        int n = read_axes(r, axes);
        bool keep = fz_u8(r) & 1;
        if (a) vm_push(m, reduce[k].name, reduce[k].f(a, n, n ? axes : NULL, keep));
        break;
    }
    case OP_ARG: {
        uint8_t k = fz_u8(r);
        int ax = fz_axis(r);
        if (a) vm_push(m, "gen_argmax/argmin", (k & 1 ? gen_argmax : gen_argmin)(a, ax, k & 2));
        break;
    }
    case OP_ALONG: {
        uint8_t k = fz_u8(r) % COUNT(along);
        int ax = fz_axis(r);
        if (a) vm_push(m, along[k].name, along[k].f(a, ax));
        if (along[k].f == gen_cumlogsumexp) m->inexact_vjp = true;
        break;
    }
    case OP_RESHAPE: {
        int nd = read_shape(r, dims);
        if (fz_u8(r) & 1 && nd > 0) dims[fz_u8(r) % nd] = -1;
        if (a && nd >= 0) vm_push(m, "gen_reshape", gen_reshape(a, nd, dims));
        break;
    }
    case OP_PERMUTE: {
        int n = fz_u8(r) % 6;
        for (int k = 0; k < DIMS_BUF; k++) axes[k] = k < n ? fz_axis(r) : 0;
        if (a) vm_push(m, "gen_permute", gen_permute(a, n, axes));
        break;
    }
    case OP_SQUEEZE: {
        int n = read_axes(r, axes);
        if (a) vm_push(m, "gen_squeeze", gen_squeeze(a, n, n ? axes : NULL));
        break;
    }
    case OP_BROADCAST_TO: {
        int nd = read_shape(r, dims);
        if (a && nd >= 0) vm_push(m, "gen_broadcast_to", gen_broadcast_to(a, nd, dims));
        break;
    }
    case OP_JOIN: {
        uint8_t k = fz_u8(r);
        int n = k % 4, ax = fz_axis(r);
        if (n > m->sp) break;
        gen_array *items[4];
        for (int i = 0; i < n; i++) items[i] = vm_top(m, n - 1 - i);
        vm_push(m, k & 4 ? "gen_stack" : "gen_concatenate",
                (k & 4 ? gen_stack : gen_concatenate)(n, items, ax));
        break;
    }
    case OP_SLICE: {
        int ax = fz_axis(r);
        int64_t start = fz_index(r), stop = fz_u8(r) & 1 ? GEN_END : fz_index(r), step = fz_index(r);
        if (a) vm_push(m, "gen_slice", gen_slice(a, ax, start, stop, step));
        break;
    }
    case OP_TAKE: { /* the indices on top, the array below */
        int ax = fz_axis(r);
        if (b) vm_push(m, "gen_take", gen_take(b, a, ax));
        break;
    }
    case OP_INDEX_UPDATE: { /* array, indices, values from the top down */
        uint8_t k = fz_u8(r);
        int ax = fz_axis(r);
        /* one update per element of take's shape (the values broadcast to it, never
         * made): up to size(array) x size(indices), skipped past the time limit */
        if (c && (double)gen_array_size(c) * (double)gen_array_size(b) <= MATRIX_COST_MAX)
            vm_push(m, k & 1 ? "gen_index_add" : "gen_index_set",
                    (k & 1 ? gen_index_add : gen_index_set)(c, ax, b, a));
        break;
    }
    case OP_TILE: {
        int n = read_shape(r, dims);
        if (a && n >= 0) vm_push(m, "gen_tile", gen_tile(a, n, dims));
        break;
    }
    case OP_TRIANGULAR_SOLVE: {
        uint8_t k = fz_u8(r);
        if (b && !too_costly(b, a)) vm_push(m, "gen_triangular_solve", gen_triangular_solve(b, a, k & 1, k & 2));
        break;
    }
    case OP_SPD:
        if (a && !too_costly(a, NULL)) {
            gen_array *s = spd(m, a);
            if (!s) fz_check_failure("spd", GEN_OK);
            if (s && (fz_u8(r) & 1)) s = gen_cholesky(s);
            vm_push(m, "spd/cholesky", s);
        }
        break;
    case OP_TUPLE: {
        uint8_t k = fz_u8(r);
        if (k & 1) {
            int n = (k >> 1) % 4;
            if (n > m->sp) break;
            gen_array *items[4];
            for (int i = 0; i < n; i++) items[i] = vm_top(m, n - 1 - i);
            vm_push(m, "gen_tuple", gen_tuple(n, items));
        } else if (a) {
            int i = (k >> 1) % 5 - 1;
            if (gen_array_is_tuple(a)) vm_push(m, "gen_tuple_get", gen_tuple_get(a, i));
            else {
                FZ_CHECK(gen_tuple_size(a) == -1, "gen_tuple_size of an array is not -1");
                fz_check_failure("gen_tuple_size", GEN_OK);
            }
        }
        break;
    }
    case OP_READOUT:
        if (a) readout(m, a);
        break;
    case OP_STACK:
        stack_op(m);
        break;
    case OP_SCOPE_BEGIN:
        vm_scope_begin(m);
        break;
    case OP_SCOPE_END:
        vm_scope_end(m);
        break;
    case OP_MODE_BATCH:
        vm_mode_batch(m);
        break;
    case OP_MODE_SUSPEND:
        vm_mode_suspend(m);
        break;
    case OP_MODE_POP:
        vm_mode_pop(m);
        break;
    case OP_TRANSFORM:
        vm_transform(m, false);
        break;
    case OP_DIST:
        vm_dist(m);
        break;
    case OP_RANDOM:
        vm_random(m);
        break;
    case OP_RETAIN: /* a reference taken and given back changes nothing */
        if (a) {
            FZ_CHECK(gen_array_retain(a) == a, "gen_array_retain did not return its argument");
            gen_array_release(a);
            fz_check_array("retain/release", a);
        }
        break;
    default: { /* OP_INDICES: an i64 index array */
        int64_t idx[8];
        int n = fz_u8(r) % 9;
        for (int i = 0; i < n; i++) idx[i] = fz_index(r);
        int64_t shape[1] = {n};
        vm_push(m, "gen_array_from (indices)", gen_array_from(GEN_I64, 1, shape, idx));
        break;
    }
    }
}
