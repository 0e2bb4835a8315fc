/* test_lazy.c — deferred elementwise ops (src/array/lazy.c) on the fake device, which
 * defers them as the CUDA backend does and then computes them op by op: elementwise ops
 * queue no kernel, whatever reads the elements (a copy, another op, a view's reader)
 * computes them first, values equal the host's bit for bit, pending arrays released
 * unread are never computed and leak nothing, long chains stay bounded, broadcasting
 * through views of pending arrays, one-element host values, casts, where and clip, and
 * gradients through pending ops. The fake device aborts when a kernel reads an argument
 * still pending. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "fake_device.h"
#include "genc.h"
#include "../../src/array/backend_api.h"

static bool pending(const gen_array *a) { return arr_pending_of(a) != NULL; }

/* a (on the device) equals want (on the host) bit for bit. */
static void same_bits(const char *what, const gen_array *a, const gen_array *want) {
    gen_array *h = gen_array_to_host(a);
    if (!h || !want || gen_array_dtype(h) != gen_array_dtype(want) || gen_array_size(h) != gen_array_size(want)) {
        check_fail(__FILE__, __LINE__, "%s: no array, or the dtype or size differs", what);
        return;
    }
    size_t n = (size_t)gen_array_size(h) * gen_dtype_size(gen_array_dtype(h));
    if (memcmp(gen_array_data(h), gen_array_data(want), n) != 0) check_fail(__FILE__, __LINE__, "%s: values differ", what);
}

static gen_array *lin(gen_dtype t, int64_t n, double start, double step) {
    return gen_cast(gen_add(gen_scalar(start), gen_mul(gen_scalar(step), gen_arange(0, (double)n, 1, GEN_F64))), t);
}

/* exp(x * y + 1) - sqrt(|x|) / y, and its comparison and where/clip/cast companions */
static gen_array *constant(double v, gen_dtype t) { return t == GEN_F32 ? gen_scalar_f32((float)v) : gen_scalar(v); }

static gen_array *expr(gen_array *x, gen_array *y, gen_array *one) {
    gen_dtype t = gen_array_dtype(x);
    gen_array *e = gen_sub(gen_exp(gen_add(gen_mul(x, y), one)), gen_div(gen_sqrt(gen_abs(x)), y));
    gen_array *w = gen_where(gen_gt(x, y), e, gen_neg(e));
    return gen_add(gen_clip(w, constant(-3, t), constant(40, t)), gen_cast(gen_lt(x, one), t));
}

static void test_chain(gen_dtype t) {
    gen_array *hx = gen_reshape(lin(t, 20, -1.3, 0.17), GEN_DIMS(4, 5)), *hy = lin(t, 5, 0.5, 0.25);
    gen_array *one = t == GEN_F32 ? gen_scalar_f32(1) : gen_scalar(1);
    gen_array *want = expr(hx, hy, one);
    gen_array *dx = fake_put(hx), *dy = fake_put(hy);
    long k0 = fake_counts.kernels, f0 = fake_counts.fuse_calls;
    gen_array *got = expr(dx, dy, one);
    CHECK(got && pending(got));
    CHECK(fake_counts.kernels == k0); /* nothing ran yet */
    same_bits(t == GEN_F32 ? "chain f32" : "chain f64", got, want);
    CHECK(!pending(got));
    CHECK(fake_counts.fuse_calls == f0 + 1); /* one expression computed */
    CHECK(fake_counts.kernels > k0);
    long k1 = fake_counts.kernels;
    same_bits("read again", got, want);
    CHECK(fake_counts.kernels == k1); /* computed once */
}

/* Released unread: never computed, nothing left behind. */
static void test_released_unread(void) {
    gen_array *dx = fake_put(lin(GEN_F64, 1000, 0, 0.001));
    long k0 = fake_counts.kernels, live = fake_counts.live_buffers;
    gen_scope_begin();
    gen_array *t = gen_exp(gen_mul(dx, dx));
    CHECK(pending(t));
    CHECK(fake_counts.live_buffers == live + 2);
    gen_scope_end();
    CHECK(fake_counts.kernels == k0);
    CHECK(fake_counts.live_buffers == live);
}

/* Another op's argument is computed first (the fake kernel aborts otherwise), and a
 * pending intermediate that is read later is computed then, from its own expression. */
static void test_read_by_other_ops(void) {
    gen_array *hx = gen_reshape(lin(GEN_F64, 12, -2, 0.4), GEN_DIMS(3, 4));
    gen_array *dx = fake_put(hx);
    gen_array *d1 = gen_square(dx), *d2 = gen_add(d1, dx);
    gen_array *s = gen_sum(d2, 0, NULL, false);
    CHECK(!pending(d2)); /* the sum read d2 (d1 too, on this device: computed op by op) */
    same_bits("sum of pending", s, gen_sum(gen_add(gen_square(hx), hx), 0, NULL, false));
    same_bits("intermediate read later", d1, gen_square(hx));
    same_bits("matmul of pending", gen_matmul(gen_transpose(d2), d1),
              gen_matmul(gen_transpose(gen_add(gen_square(hx), hx)), gen_square(hx)));
}

/* Views of pending arrays: a reshape shares the buffer (reading it computes), and axes of
 * extent 1 let pending [3, 4] broadcast as [3, 1, 4] against [3, 2, 4]. */
static void test_views(void) {
    gen_array *hx = gen_reshape(lin(GEN_F64, 12, -2, 0.4), GEN_DIMS(3, 4));
    gen_array *hz = gen_reshape(lin(GEN_F64, 24, 1, 0.5), GEN_DIMS(3, 2, 4));
    gen_array *dx = fake_put(hx), *dz = fake_put(hz);
    gen_array *p = gen_tanh(dx);
    gen_array *flat = gen_reshape(p, GEN_DIMS(12));
    gen_array *bc = gen_mul(gen_reshape(p, GEN_DIMS(3, 1, 4)), dz);
    CHECK(pending(bc));
    same_bits("broadcast through a view", bc, gen_mul(gen_reshape(gen_tanh(hx), GEN_DIMS(3, 1, 4)), hz));
    same_bits("reshape view", flat, gen_reshape(gen_tanh(hx), GEN_DIMS(12)));
    gen_array *b2 = gen_broadcast_to(gen_exp(dx), GEN_DIMS(2, 3, 4));
    same_bits("broadcast_to of pending", gen_sub(b2, gen_reshape(dz, GEN_DIMS(2, 3, 4))),
              gen_sub(gen_broadcast_to(gen_exp(hx), GEN_DIMS(2, 3, 4)), gen_reshape(hz, GEN_DIMS(2, 3, 4))));
}

/* A long chain: pending expressions stay bounded (their arguments become ready). */
static void test_long_chain(void) {
    gen_array *hx = lin(GEN_F64, 64, 0, 0.01), *dx = fake_put(hx);
    gen_array *h = hx, *d = dx;
    for (int i = 0; i < 5 * ARR_PENDING_MAX_COST; i++) {
        h = gen_add(gen_mul(h, gen_scalar(0.999)), hx);
        d = gen_add(gen_mul(d, gen_scalar(0.999)), dx);
        CHECK(!pending(d) || arr_pending_of(d)->cost <= ARR_PENDING_MAX_COST);
    }
    same_bits("long chain", d, h);
}

/* Integer and bool ops, casts between every dtype. */
static void test_dtypes(void) {
    gen_array *hi = gen_arange(-6, 6, 1, GEN_I64), *di = fake_put(hi);
    gen_array *seven = gen_scalar_i64(7);
    same_bits("i64 arithmetic", gen_mod(gen_mul(di, seven), gen_scalar_i64(5)),
              gen_mod(gen_mul(hi, seven), gen_scalar_i64(5)));
    gen_array *hb = gen_logical_and(gen_gt(hi, gen_scalar_i64(-3)), gen_lt(hi, gen_scalar_i64(4)));
    gen_array *db = gen_logical_and(gen_gt(di, gen_scalar_i64(-3)), gen_lt(di, gen_scalar_i64(4)));
    same_bits("bool", db, hb);
    gen_dtype ts[4] = {GEN_BOOL, GEN_I64, GEN_F32, GEN_F64};
    for (int a = 0; a < 4; a++)
        for (int b = 0; b < 4; b++)
            same_bits("casts", gen_cast(gen_cast(gen_mul(di, seven), ts[a]), ts[b]),
                      gen_cast(gen_cast(gen_mul(hi, seven), ts[a]), ts[b]));
}

static gen_status loss(void *payload, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)payload, (void)n_in, (void)n_out;
    gen_array *z = gen_sub(gen_mul(gen_sin(in[0]), in[1]), gen_log1p(gen_square(in[0])));
    out[0] = gen_sum(gen_exp(z), 0, NULL, false);
    return out[0] ? GEN_OK : gen_error_status();
}

static void test_gradients(void) {
    gen_array *hx = lin(GEN_F64, 30, -1.5, 0.1), *hy = lin(GEN_F64, 30, 0.3, 0.05);
    gen_array *hg[2], *dg[2];
    CHECK_OK(gen_grad((gen_closure){loss, NULL}, 2, (gen_array *[]){hx, hy}, hg));
    CHECK_OK(gen_grad((gen_closure){loss, NULL}, 2, (gen_array *[]){fake_put(hx), fake_put(hy)}, dg));
    same_bits("gradient x", dg[0], hg[0]);
    same_bits("gradient y", dg[1], hg[1]);
}

/* Errors of a read reach the reader; a NULL argument still propagates. */
static void test_errors(void) {
    gen_array *dx = fake_put(lin(GEN_F64, 10, 0, 1));
    CHECK(gen_add(dx, NULL) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "add: argument 1 is NULL");
    gen_array *p = gen_exp(dx);
    CHECK(pending(p));
    gen_array *big = fake_put(lin(GEN_F64, 11, 0, 1));
    CHECK(gen_add(p, big) == NULL); /* a shape error before anything is computed */
    CHECK_ERROR(GEN_ERR_SHAPE, "add");
    CHECK(pending(p));
}

int main(void) {
    RUN(test_errors);
    gen_scope_begin();
    test_chain(GEN_F64);
    test_chain(GEN_F32);
    gen_scope_end();
    RUN(test_released_unread);
    RUN(test_read_by_other_ops);
    RUN(test_views);
    RUN(test_long_chain);
    RUN(test_dtypes);
    RUN(test_gradients);
    return check_finish();
}
