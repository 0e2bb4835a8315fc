/* test_cuda_learn.c — training runs on the GPU unchanged: with the GPU as the default
 * device, an MLP regressor (gen_mlp over a parameter store) trained by gen_train in
 * batched minibatches with Adam keeps its parameters on the device (those over 64 bytes:
 * smaller arrays live on the host by design, docs/cuda.md) and ends with the CPU run's
 * parameters and per-epoch objectives for the same key (the draws are the same bits,
 * docs/random.md; the arithmetic agrees to f64 rounding, libm's tanh to a few ulps, so
 * 1e-9 after the steps). Skips where there is no GPU. */
#include <math.h>

#include "cuda_testutil.h"

enum { EPOCHS = 3, MAXP = 8 };
#define RTOL 1e-9

/* y ~ N(net(x), 0.1) for one example x [1] */
static gen_status regress(gen_ctx *ctx, const gen_args *a, gen_array **ret) {
    const gen_gf *net = gen_ctx_payload(ctx);
    gen_array *out = gen_call(ctx, "net", net, a);
    *ret = gen_choose(ctx, "y", gen_normal(out, gen_scalar(0.1)));
    return gen_ctx_status(ctx);
}

/* x ~ U(-2, 2), y = sin(2x) + noise, on the default device */
static gen_status data(void *payload, gen_key key, gen_array **inputs, int *n_inputs, gen_choicemap **cons) {
    (void)payload;
    gen_key k[2];
    gen_key_split(key, 2, k);
    gen_array *x = gen_sub(gen_mul(gen_random_uniform(k[0], GEN_F64, 1, (int64_t[]){1}), gen_scalar(4)), gen_scalar(2));
    gen_array *y = gen_add(gen_sin(gen_mul(x, gen_scalar(2))),
                           gen_mul(gen_random_normal(k[1], GEN_F64, 1, (int64_t[]){1}), gen_scalar(0.1)));
    inputs[0] = x;
    *n_inputs = 1;
    gen_addr ay = {1, {gen_part_name("y")}};
    *cons = gen_choicemap_set(gen_choicemap_empty(), &ay, y);
    return x && y && *cons ? GEN_OK : GEN_ERR_VALUE;
}

/* Trains on device d; the parameters' host values into p (names in the store's order),
 * the objectives into obj. Returns the parameter count. */
static int run(gen_device d, double p[MAXP][64], int64_t sizes[MAXP], double *obj) {
    gen_device old = gen_device_set_default(d);
    gen_scope_begin();
    gen_params *store = gen_params_new();
    gen_gf *net = gen_mlp(store, gen_key_new(3), "net", 2, (int64_t[]){1, 16, 1},
                          (gen_activation[]){GEN_ACT_TANH, GEN_ACT_IDENTITY});
    gen_gf *model = gen_dynamic_params_with("regress", regress, store, net, NULL);
    gen_optimizer *opt = gen_optimizer_new(&(gen_opt_config){.kind = GEN_OPT_ADAM, .step = 0.01});
    gen_train_config c = {.num_epochs = EPOCHS, .epoch_size = 64, .num_minibatches = 4, .minibatch_size = 16,
                          .batched = true};
    CHECK_OK(gen_train(model, gen_key_new(11), store, opt, data, NULL, &c, obj, NULL, NULL));
    int n = gen_params_count(store);
    CHECK(n == 4);
    for (int i = 0; i < n && i < MAXP; i++) {
        const gen_array *v = gen_params_value_at(store, i);
        if (v && gen_array_size(v) > 8) CHECK(gen_array_device(v) == d); /* the parameters live on the device */
        sizes[i] = v ? gen_array_size(v) : 0;
        if (v && sizes[i] <= 64) gen_array_copy_to(v, GEN_F64, p[i], (size_t)sizes[i] * sizeof(double));
    }
    gen_optimizer_free(opt);
    gen_params_free(store);
    gen_scope_end();
    gen_device_set_default(old);
    return n;
}

static void test_train(gen_device dev) {
    static double p_cpu[MAXP][64], p_gpu[MAXP][64];
    int64_t s_cpu[MAXP], s_gpu[MAXP];
    double o_cpu[EPOCHS], o_gpu[EPOCHS];
    int n = run(GEN_DEVICE_CPU, p_cpu, s_cpu, o_cpu);
    int m = run(dev, p_gpu, s_gpu, o_gpu);
    CHECK(n == m);
    for (int e = 0; e < EPOCHS; e++) CHECK_CLOSE(o_gpu[e], o_cpu[e], RTOL);
    CHECK(o_cpu[EPOCHS - 1] > o_cpu[0]); /* it trained */
    for (int i = 0; i < n && i < MAXP; i++) {
        CHECK(s_cpu[i] == s_gpu[i]);
        for (int64_t j = 0; j < s_cpu[i] && j < 64; j++) CHECK_CLOSE(p_gpu[i][j], p_cpu[i][j], RTOL);
    }
}

int main(void) {
    gen_device dev = cuda_test_device("test_cuda_learn");
    test_train(dev);
    return check_finish();
}
