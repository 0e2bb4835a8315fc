/* interp.c — a graph run op by op through the op table (cgfn.h: cg_interpret): the
 * eager kernels on the live nodes only, for the parts of a model graph an edit reaches
 * too rarely to be worth compiling. Checks are tested on the values at hand and fail as
 * compiled code fails. */
#include <math.h>
#include <string.h>

#include "cgfn.h"

/* The first element of a check's argument(s) that fails it, or -1; v gets the values. */
static int64_t failing(const cg_node *nd, gen_array *const *in, double *v) {
    const ad_check *c = &nd->check;
    if (c->kind == AD_CHECK_EACH || c->kind == AD_CHECK_DENSITY) {
        const gen_array *a = in[0];
        for (int64_t i = 0; i < a->size; i++) {
            double x = arr_get_f64(a, i);
            if (!c->pred(x)) {
                v[0] = x;
                return i;
            }
        }
        return -1;
    }
    gen_array *args[2] = {in[0], in[1]};
    int nd_out;
    int64_t shape[GEN_MAX_DIMS];
    if (arr_broadcast_shapes("check", in[0]->ndim, in[0]->shape, in[1]->ndim, in[1]->shape, &nd_out, shape) != GEN_OK)
        return 0;
    for (int k = 0; k < 2; k++) args[k] = gen_broadcast_to(in[k], nd_out, shape);
    if (!args[0] || !args[1]) return 0;
    for (int64_t i = 0; i < args[0]->size; i++) {
        double a = arr_get_f64(args[0], i), b = arr_get_f64(args[1], i);
        if (c->kind == AD_CHECK_LESS ? !(a < b) : !(a <= b)) {
            v[0] = a, v[1] = b;
            return i;
        }
    }
    return -1;
}

gen_status cg_interpret(const cg_graph *g, gen_array *const *inputs, gen_array **outputs) {
    gen_array **val = core_calloc((size_t)g->n_values + 1, sizeof *val);
    if (!val) return GEN_ERR_OOM;
    for (int i = 0; i < g->n_inputs; i++) val[g->inputs[i]] = inputs[i];
    for (int32_t v = 0; v < g->n_values; v++)
        if (g->values[v].kind == CG_CONST) val[v] = g->consts[g->values[v].index];
    gen_status s = GEN_OK;
    gen_array *small[8];
    for (int32_t k = 0; k < g->n_nodes && s == GEN_OK; k++) {
        const cg_node *nd = &g->nodes[k];
        if (!nd->live) continue;
        gen_array **in = nd->n_in <= 8 ? small : core_alloc((size_t)nd->n_in * sizeof *in);
        if (!in) {
            s = GEN_ERR_OOM;
            break;
        }
        for (int i = 0; i < nd->n_in; i++) in[i] = val[nd->in[i]];
        if (nd->kind == CG_CHECK) {
            double fv[2] = {0, 0};
            int64_t at = failing(nd, in, fv);
            if (at >= 0) s = core_error_pending() ? core_error_pending() : cg_check_failure(g, k, at, fv);
        } else {
            gen_array *outs[OP_MAX_OUT] = {0};
            s = op_apply_n(nd->op, nd->n_in, in, &nd->p, nd->n_out, outs);
            for (int j = 0; s == GEN_OK && j < nd->n_out; j++) val[nd->out[j]] = outs[j];
        }
        if (in != small) core_free(in, (size_t)nd->n_in * sizeof *in);
    }
    for (int j = 0; s == GEN_OK && j < g->n_outputs; j++) {
        gen_array *o = val[g->outputs[j]];
        if (!o) s = GEN_FAIL(GEN_ERR_INTERNAL, "graph interpreter: output %d was not computed", j);
        else outputs[j] = o;
    }
    core_free(val, ((size_t)g->n_values + 1) * sizeof *val);
    return s;
}
