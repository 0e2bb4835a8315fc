/* test_op_table.c — consistency of the op table: every row has a unique name, a shape
 * rule, a CPU kernel and both gradient rules, and the "no gradient" / "zero gradient"
 * sentinels come in forward/reverse pairs. Differentiating an op without a rule is a
 * clear GEN_ERR_NOGRAD naming the op. */
#include <string.h>

#include "check.h"
#include "../../src/backend/backend.h"

static void test_rows(void) {
    CHECK(OP_COUNT > 0);
    for (int i = 0; i < OP_COUNT; i++) {
        const op_info *op = &op_table[i];
        CHECK(op->name && op->name[0]);
        CHECK(op->shape && cpu_backend.kernels[i] && op->vjp && op->jvp);
        CHECK(backend_supports(&cpu_backend, (op_id)i));
        /* rows whose VJP gives every cotangent at once (OPX) have op_vjp_via_all in the
         * vjp column; some of them have no forward-mode rule */
        CHECK((op->vjp == op_vjp_via_all) == (op->vjp_all != NULL));
        if (!op->vjp_all) CHECK((op->vjp == op_no_vjp) == (op->jvp == op_no_jvp));
        CHECK((op->vjp == op_zero_vjp) == (op->jvp == op_zero_jvp));
        for (int j = 0; j < i; j++)
            if (!strcmp(op_table[j].name, op->name)) check_fail(__FILE__, __LINE__, "duplicate op name %s", op->name);
    }
}

static gen_status call_trigamma(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)p, (void)n_in, (void)n_out;
    out[0] = gen_sum(gen_trigamma(in[0]), 0, NULL, false);
    return out[0] ? GEN_OK : gen_error_status();
}

static void test_no_gradient(void) {
    gen_array *x = gen_scalar(1.5), *g = NULL, *t = NULL;
    CHECK(gen_grad((gen_closure){call_trigamma, NULL}, 1, &x, &g) == GEN_ERR_NOGRAD);
    CHECK_ERROR(GEN_ERR_NOGRAD, "trigamma: this operation has no gradient rule");
    CHECK(g == NULL);
    CHECK(gen_jvp((gen_closure){call_trigamma, NULL}, 1, &x, &x, 1, NULL, &t) == GEN_ERR_NOGRAD);
    CHECK_ERROR(GEN_ERR_NOGRAD, "trigamma");
    /* The forward value itself is fine. */
    CHECK(gen_trigamma(x) != NULL);
}

int main(void) {
    RUN(test_rows);
    RUN(test_no_gradient);
    return check_finish();
}
