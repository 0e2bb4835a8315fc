/* array_vm.c — the array machine's stack, scopes, batched modes and autodiff transforms
 * (array_vm.h); the array operations themselves are in array_vm_ops.c. */
#include "array_vm.h"

void vm_init(vm *m, const uint8_t *p, size_t n, int *budget, int tdepth) {
    memset(m, 0, sizeof *m);
    m->in.p = p;
    m->in.n = n;
    m->budget = budget;
    m->tdepth = tdepth;
}

gen_array *vm_top(const vm *m, int k) { return k < m->sp ? m->st[m->sp - 1 - k].a : NULL; }

/* GENC_FUZZ_TRACE=1 in the environment prints each result (for reducing a finding). */
int vm_tracing(void) {
    static int t = -1;
    if (t < 0) t = getenv("GENC_FUZZ_TRACE") != NULL;
    return t;
}

void vm_push(vm *m, const char *what, gen_array *a) {
    if (vm_tracing()) {
        char buf[160];
        if (!a || gen_array_format(a, buf, sizeof buf) != GEN_OK) snprintf(buf, sizeof buf, "NULL");
        fprintf(stderr, "%*s%s -> %s%s%s%s\n", 2 * m->tdepth, "", what,
                a && gen_array_is_batched(a) ? "(batched) " : "", buf, a ? "" : ": ",
                a ? "" : gen_error_message());
    }
    if (!a) {
        fz_check_failure(what, GEN_OK);
        m->last_fail = gen_error_status();
        return;
    }
    fz_check_array(what, a);
    if (m->sp == VM_STACK) { /* the oldest goes (its scope still owns it) */
        memmove(m->st, m->st + 1, (VM_STACK - 1) * sizeof *m->st);
        m->sp--;
    }
    m->st[m->sp].a = a;
    m->st[m->sp++].level = m->level;
}

void vm_run(vm *m) {
    while (fz_more(&m->in) && *m->budget > 0) {
        (*m->budget)--;
        gen_error_clear();
        vm_op(m, fz_u8(&m->in));
    }
    while (m->nmodes > 0) vm_mode_pop(m);
    while (m->level > 0) vm_scope_end(m);
}

/* ---- scopes ---- */

void vm_scope_begin(vm *m) {
    if (m->level == VM_LEVELS) return;
    int d = gen_scope_depth();
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) {
        fz_check_failure("gen_scope_begin", s);
        return;
    }
    FZ_CHECK(gen_scope_depth() == d + 1, "gen_scope_begin: depth %d -> %d", d, gen_scope_depth());
    m->level++;
}

/* Ends the innermost scope of this program, keeping the top array when that scope owns
 * it (gen_scope_return); the other arrays it owned leave the stack. */
void vm_scope_end(vm *m) {
    if (m->level == 0) return;
    gen_array *keep = (m->sp > 0 && m->st[m->sp - 1].level == m->level) ? m->st[m->sp - 1].a : NULL;
    if (keep) {
        gen_error_clear();
        gen_array *r = gen_scope_return(keep);
        if (!r) fz_check_failure("gen_scope_return", GEN_OK); /* out of memory: not kept */
        FZ_CHECK(!r || r == keep, "gen_scope_return did not return its argument");
        keep = r;
    }
    int d = gen_scope_depth();
    gen_status s = gen_scope_end();
    FZ_CHECK(s == GEN_OK, "gen_scope_end of an open scope gave %s", gen_status_name(s));
    FZ_CHECK(gen_scope_depth() == d - 1, "gen_scope_end: depth %d -> %d", d, gen_scope_depth());
    m->level--;
    int k = 0;
    for (int i = 0; i < m->sp; i++) {
        if (m->st[i].level > m->level && !(keep && i == m->sp - 1)) continue;
        m->st[k] = m->st[i];
        if (m->st[k].level > m->level) m->st[k].level = m->level;
        k++;
    }
    m->sp = k;
    if (keep) fz_check_array("gen_scope_return", keep);
}

/* ---- batched mode ---- */

void vm_mode_batch(vm *m) {
    uint8_t b = fz_u8(&m->in);
    int64_t n = gen_batch_size();
    if (n == 0 || b >= 200) n = (b % 8 == 7) ? fz_extent(&m->in) : 1 + b % 4;
    if (m->nmodes == VM_MODES) return;
    gen_status s = gen_batch_begin(n);
    if (s != GEN_OK) {
        fz_check_failure("gen_batch_begin", s);
        return;
    }
    FZ_CHECK(gen_batch_size() == n, "gen_batch_begin(%lld): batch size %lld", (long long)n,
             (long long)gen_batch_size());
    if (vm_tracing()) fprintf(stderr, "%*sgen_batch_begin(%lld)\n", 2 * m->tdepth, "", (long long)n);
    m->mode_kind[m->nmodes++] = 0;
}

void vm_mode_suspend(vm *m) {
    if (m->nmodes == VM_MODES) return;
    m->mode_saved[m->nmodes] = gen_batch_suspend();
    FZ_CHECK(gen_batch_size() == 0, "gen_batch_suspend: batch size %lld", (long long)gen_batch_size());
    m->mode_kind[m->nmodes++] = 1;
}

void vm_mode_pop(vm *m) {
    if (m->nmodes == 0) return;
    m->nmodes--;
    if (m->mode_kind[m->nmodes] == 0) gen_batch_end();
    else gen_batch_resume(m->mode_saved[m->nmodes]);
}

/* ---- transforms ---- */

enum { T_GRAD, T_VALUE_AND_GRAD, T_VJP, T_JVP, T_CUSTOM_VJP, T_KINDS };

typedef struct sub {
    const uint8_t *p;
    size_t n;
    int *budget;
    int tdepth;
    int n_out;
    int scalar; /* reduce the output to a scalar with gen_sum (grad, value_and_grad) */
    int strict; /* return an error when an op of the sub-program failed */
    int lazy;   /* return GEN_OK leaving the outputs NULL (a misuse GenC must report) */
    uint8_t rule; /* custom VJP: what the rule writes */
    gen_status failed; /* the status of an op of the last run that failed (GEN_OK: none) */
    bool inexact_vjp;  /* the last run ran an op of known inexact VJP (vm.inexact_vjp) */
} sub;

static gen_status sub_fn(void *payload, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    sub *s = payload;
    vm c;
    vm_init(&c, s->p, s->n, s->budget, s->tdepth);
    for (int i = 0; i < n_in; i++) vm_push(&c, "closure input", in[i]);
    vm_run(&c);
    s->failed = c.last_fail;
    s->inexact_vjp = c.inexact_vjp;
    if (s->lazy) return GEN_OK;
    for (int j = 0; j < n_out; j++) {
        gen_array *a = vm_top(&c, j);
        if (a && s->scalar) {
            a = gen_sum(a, 0, NULL, false);
            if (!a) fz_check_failure("gen_sum (closure output)", GEN_OK);
        }
        if (!a) return gen_error_status() ? gen_error_status()
                                          : gen_error_set(GEN_ERR_VALUE, "fuzz: the closure's stack is short");
        out[j] = a;
    }
    if (s->strict && c.last_fail != GEN_OK)
        return gen_error_set(c.last_fail, "fuzz: an operation of the closure failed");
    return GEN_OK;
}

/* The custom VJP rule: cotangents of the inputs chosen by the rule byte (NULL, zeros of
 * the right shape, or the output's cotangent whatever its shape). The byte travels in
 * the payload pointer itself: the rule may run after vm_transform returned (in the
 * backward pass of a transform around it), when no frame of it is left to point to. */
static gen_status sub_rule(void *payload, int n_in, gen_array *const *in, int n_out,
                           gen_array *const *out, gen_array *const *cot_out, gen_array **cot_in) {
    unsigned rule = (unsigned)(uintptr_t)payload;
    for (int i = 0; i < n_in; i++) {
        int how = (rule >> (2 * (i % 4))) & 3;
        if (how == 0) cot_in[i] = NULL;
        else if (how == 1 || how == 3)
            cot_in[i] = gen_zeros(gen_array_dtype(in[i]), gen_array_ndim(in[i]), gen_array_shape(in[i]));
        else cot_in[i] = gen_mul(cot_out[0], gen_scalar(2.0));
        if (how && !cot_in[i]) return gen_error_status();
    }
    return GEN_OK;
}

/* A transform's output has the shape (and dtype) of what it is the gradient of. */
static void check_same_shape(const char *what, const gen_array *a, const gen_array *like, int i,
                             int dtype_too) {
    FZ_CHECK(a != NULL, "%s: output %d is NULL after GEN_OK", what, i);
    fz_check_array(what, a);
    FZ_CHECK(!dtype_too || gen_array_dtype(a) == gen_array_dtype(like), "%s: output %d is %s, its primal %s",
             what, i, gen_dtype_name(gen_array_dtype(a)), gen_dtype_name(gen_array_dtype(like)));
    int nd = gen_array_ndim(like);
    FZ_CHECK(gen_array_ndim(a) == nd, "%s: output %d has %d dims, its primal %d", what, i,
             gen_array_ndim(a), nd);
    for (int k = 0; k < nd; k++)
        FZ_CHECK(gen_array_shape(a)[k] == gen_array_shape(like)[k],
                 "%s: output %d extent %d is %lld, its primal's %lld", what, i, k,
                 (long long)gen_array_shape(a)[k], (long long)gen_array_shape(like)[k]);
}

/* A transform's primal outputs equal the closure's run without it (the same shape,
 * dtype and values, NaN where NaN; 1e-12 relative for f64: recording may take another
 * kernel path than a plain run). */
static void check_same_values(const char *what, const gen_array *t, const gen_array *p) {
    FZ_CHECK(gen_array_dtype(t) == gen_array_dtype(p) && gen_array_ndim(t) == gen_array_ndim(p),
             "%s: the value is %s[%d dims], the closure run plainly gives %s[%d dims]", what,
             gen_dtype_name(gen_array_dtype(t)), gen_array_ndim(t), gen_dtype_name(gen_array_dtype(p)),
             gen_array_ndim(p));
    for (int k = 0; k < gen_array_ndim(t); k++)
        FZ_CHECK(gen_array_shape(t)[k] == gen_array_shape(p)[k], "%s: extent %d is %lld, plainly %lld",
                 what, k, (long long)gen_array_shape(t)[k], (long long)gen_array_shape(p)[k]);
    int64_t n = gen_array_size(t);
    /* f32 values are not compared: a recorded f32 computation may round where the plain
     * path computes in f64 (poisson's log mass at 1e10 in f32: -16384 recorded, -12.43
     * plainly) */
    if (gen_array_is_tuple(t) || n == 0 || n > 4096 || gen_array_dtype(t) == GEN_F32) return;
    double *a = malloc((size_t)n * sizeof *a), *b = malloc((size_t)n * sizeof *b);
    if (gen_array_copy_to(t, GEN_F64, a, (size_t)n * sizeof *a) == GEN_OK &&
        gen_array_copy_to(p, GEN_F64, b, (size_t)n * sizeof *b) == GEN_OK)
        for (int64_t i = 0; i < n; i++)
            FZ_CHECK(a[i] == b[i] || (isnan(a[i]) && isnan(b[i])) || fabs(a[i] - b[i]) <= 1e-12 * fabs(b[i]),
                     "%s: element %lld is %.17g, the closure run plainly gives %.17g", what, (long long)i,
                     a[i], b[i]);
    free(a);
    free(b);
    gen_error_clear();
}

/* Runs the closure without a transform and compares its outputs with the transform's. */
static void check_plain_run(const char *what, sub *s, int n_in, gen_array *const *prim, int n_out,
                            gen_array *const *vals, int ops_run) {
    /* an allocation refused in either run may have changed what the closure's ops did,
     * and so may the end of the op budget; some ops fail under a transform only (a
     * custom VJP under gen_jvp): a run where an op failed is not compared */
    if (s->lazy || fz_mem.refused || *s->budget == 0 || s->failed != GEN_OK || s->inexact_vjp) return;
    gen_array *plain[4] = {0};
    gen_error_clear();
    int left = *s->budget;
    *s->budget = ops_run; /* the same ops again */
    gen_status st = sub_fn(s, n_in, prim, n_out, plain);
    *s->budget = left;
    if (fz_mem.refused) return;
    FZ_CHECK(st == GEN_OK && s->failed == GEN_OK, "%s succeeded but its closure run plainly fails: %s: %s",
             what, gen_status_name(st ? st : s->failed), gen_error_message());
    for (int j = 0; j < n_out; j++) check_same_values(what, vals[j], plain[j]);
}

void vm_transform(vm *m, bool whole_rest) {
    uint8_t b0 = fz_u8(&m->in), b1 = fz_u8(&m->in);
    size_t len = whole_rest ? SIZE_MAX : fz_u8(&m->in);
    if (len > m->in.n - m->in.i) len = m->in.n - m->in.i;
    sub s = {m->in.p + m->in.i, len, m->budget, m->tdepth + 1, 1 + (b1 >> 6) % 2, 0,
             (b1 >> 2) & 1, (b1 & 3) == 3 && (b1 >> 3) % 4 == 0, fz_u8(&m->in), GEN_OK, false};
    m->in.i += len;
    int kind = b0 % T_KINDS, n_in = 1 + (b0 / T_KINDS) % 3;
    if (m->tdepth >= VM_TDEPTH || m->sp < n_in) return;
    gen_array *prim[3], *res[4] = {0}, *res2[4] = {0}, *extra[3] = {0};
    for (int i = 0; i < n_in; i++) prim[i] = vm_top(m, n_in - 1 - i);
    /* cotangents / tangents: NULL (zeros) or arrays below the primals (any shape) */
    for (int i = 0; i < 3; i++) extra[i] = (b1 >> (4 + i)) & 1 ? vm_top(m, n_in + i) : NULL;
    gen_closure f = {sub_fn, &s};
    int budget0 = *m->budget;
    gen_status st;
    const char *what;
    int nres = 0, nres2 = 0;
    switch (kind) {
    case T_GRAD:
        s.scalar = 1;
        s.n_out = 1;
        what = "gen_grad";
        st = gen_grad(f, n_in, prim, res);
        nres = n_in;
        break;
    case T_VALUE_AND_GRAD:
        s.scalar = 1;
        s.n_out = 1;
        what = "gen_value_and_grad";
        st = gen_value_and_grad(f, n_in, prim, res2, res);
        nres = n_in;
        nres2 = 1;
        break;
    case T_VJP:
        what = "gen_vjp";
        st = gen_vjp(f, n_in, prim, s.n_out, extra, res2, res);
        nres = n_in;
        nres2 = s.n_out;
        break;
    case T_JVP:
        what = "gen_jvp";
        st = gen_jvp(f, n_in, prim, extra, s.n_out, res2, res);
        nres = s.n_out;
        nres2 = s.n_out;
        break;
    default:
        what = "gen_custom_vjp";
        st = gen_custom_vjp(f, sub_rule, (void *)(uintptr_t)s.rule, n_in, prim, s.n_out, res);
        nres = s.n_out;
        break;
    }
    if (st != GEN_OK) {
        fz_check_failure(what, st);
        for (int i = 0; i < nres; i++) FZ_CHECK(res[i] == NULL, "%s failed but set output %d", what, i);
        for (int i = 0; i < nres2; i++) FZ_CHECK(res2[i] == NULL, "%s failed but set value %d", what, i);
        m->last_fail = st;
        return;
    }
    for (int i = 0; i < nres2; i++) {
        FZ_CHECK(res2[i] != NULL, "%s: value %d is NULL after GEN_OK", what, i);
        fz_check_array(what, res2[i]);
    }
    for (int i = 0; i < nres; i++) {
        if (kind == T_JVP) check_same_shape(what, res[i], res2[i], i, 0);
        else if (kind == T_CUSTOM_VJP) FZ_CHECK(res[i] != NULL, "%s: output %d NULL", what, i);
        else check_same_shape(what, res[i], prim[i], i, 1);
    }
    if (s.inexact_vjp) m->inexact_vjp = true; /* a nested transform's values are the outer closure's */
    if (nres2) check_plain_run(what, &s, n_in, prim, nres2, res2, budget0 - *m->budget);
    for (int i = 0; i < nres2; i++) vm_push(m, what, res2[i]);
    for (int i = 0; i < nres; i++) vm_push(m, what, res[i]);
}
