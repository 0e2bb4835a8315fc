/* gf_impl.c — the public side of the GFI vtable (genc/gf_impl.h): generative functions
 * and traces of user kinds, the checks on what their implementations return, and the
 * callee assess under an evaluation state. */
#include "gfi_int.h"

gen_gf *gen_gf_new(const gen_gf_vtable *vt, const char *name, void *data) {
    const char *missing = !vt ? "table" : !name ? "name" : NULL;
    if (!missing) missing = !vt->kind ? "table's kind" : !vt->generate ? "table's generate"
                          : !vt->assess ? "table's assess" : !vt->project ? "table's project" : NULL;
    if (missing) {
        GEN_FAIL(GEN_ERR_MISUSE, "gen_gf_new: %s: the %s is NULL", name ? name : "(unnamed)", missing);
        if (vt && vt->free_data) {
            gen_gf tmp = {.vt = vt, .data = data};
            vt->free_data(&tmp);
        }
        return NULL;
    }
    gen_gf *f = gfi_gf_new(vt, name, data);
    if (f) f->user = true;
    return f;
}

void *gen_gf_data(const gen_gf *f) { return f ? f->data : NULL; }
const char *gen_gf_kind(const gen_gf *f) { return f ? f->vt->kind : "(null)"; }
void *gen_trace_data(const gen_trace *tr) { return tr ? tr->data : NULL; }

static void drop_data(const gen_gf *f, void *data) {
    if (!data || !f || !f->vt->free_trace_data) return;
    gen_trace tmp = {.gf = (gen_gf *)f, .data = data};
    f->vt->free_trace_data(&tmp);
}

gen_trace *gen_trace_new(const gen_gf *f, const gen_args *args, const gen_array *retval,
                         const gen_choicemap *choices, const gen_array *score, void *data) {
    const char *who = f ? f->name : "(null)";
    gen_status s = GEN_OK;
    if (!f || !score)
        s = GEN_FAIL(GEN_ERR_MISUSE, "gen_trace_new: %s: the %s is NULL", who, f ? "score" : "generative function");
    else if (!choices && !f->vt->build_choices)
        s = GEN_FAIL(GEN_ERR_MISUSE, "gen_trace_new: %s: the choices are NULL and the kind (%s) has no build_choices",
                     who, f->vt->kind);
    else if (gen_array_dtype(score) != GEN_F64 || gen_array_ndim(score) > 1)
        s = GEN_FAIL(GEN_ERR_SHAPE, "gen_trace_new: %s: the score must be a 0-d f64 array (or [N] for a batched "
                     "trace), got %d dims of %s", who, gen_array_ndim(score), gen_dtype_name(gen_array_dtype(score)));
    else if (args)
        s = gfi_check_call("gen_trace_new", f, args);
    if (s != GEN_OK) {
        drop_data(f, data);
        return NULL;
    }
    gen_trace *tr = gfi_trace_new(f, args, (gen_array *)retval, (gen_choicemap *)choices, (gen_array *)score, data);
    if (!tr) return NULL;
    tr->batch = gen_array_ndim(score) == 1 ? gen_array_shape(score)[0] : 0;
    return gfi_trace_publish(tr);
}

gen_status gfi_user_result(const gen_gf *f, const char *op, gen_status s, bool produced, const char *what) {
    if (s == GEN_OK && produced) return GEN_OK;
    if (s == GEN_OK)
        return GEN_FAIL(GEN_ERR_CALLBACK, "%s: %s (%s) returned GEN_OK without a %s", op, f->name, f->vt->kind, what);
    if (!core_error_pending())
        return GEN_FAIL(s, "%s: %s (%s) returned %s without a message", op, f->name, f->vt->kind, gen_status_name(s));
    core_error_prefix("%s", f->name);
    return s;
}

gen_status gen_eval_assess_at(gen_eval *ev, const gen_addr *a, const gen_gf *f, const gen_args *args,
                              const gen_choicemap *choices, gen_array **weight, gen_array **retval) {
    if (!a || !f || !choices) {
        if (weight) *weight = NULL;
        if (retval) *retval = NULL;
        if (!a) return GEN_FAIL(GEN_ERR_MISUSE, "gen_eval_assess_at: the address is NULL");
        if (core_error_pending()) return core_error_pending(); /* a NULL object from a failed call */
        return GEN_FAIL(GEN_ERR_MISUSE, "gen_eval_assess_at: %s is NULL", f ? "choices" : "the generative function");
    }
    return gfi_assess_at(f, ev, a, args, choices, weight, retval);
}
