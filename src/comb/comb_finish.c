/* comb_finish.c — how every combinator ends an operation: the new trace built (batched
 * as the operation ran, a NULL score read as zero), then the weight, return value and
 * trace handed to the caller's scope, the operation's scope closed and batched mode
 * resumed; on failure everything the operation made is released and the outputs are
 * cleared. One epilogue for Map, Unfold / Scan, Switch / Mask, Mix, Dimap and Recurse. */
#include "comb_int.h"

gen_status comb_trace_new(comb_mode m, const gen_gf *f, const gen_args *args, gen_array *retval,
                          gen_choicemap *choices, gen_array *score, void *data, gfi_materialize_fn materialize,
                          gen_trace **tr) {
    *tr = NULL;
    if (!score && !(score = comb_zero(m))) {
        if (data) f->vt->free_trace_data(&(gen_trace){.data = data});
        return comb_pending();
    }
    *tr = materialize ? gfi_trace_new_lazy(f, args, score, data, materialize)
                      : gfi_trace_new(f, args, retval, choices, score, data);
    if (!*tr) return comb_pending();
    (*tr)->batch = m.n;
    return GEN_OK;
}

/* The whole end of an operation; comb_return, comb_publish and comb_publish_edit are its
 * cases (NULL outputs are not asked for: each case compiles to its own straight line). */
static inline gen_status finish(comb_mode m, gen_status s, gen_trace *t, gen_array *w, gen_array *ret, gen_diff rd,
                                gen_choicemap *disc, gen_array **weight, gen_array **retval, gen_trace **tr,
                                gen_diff *retdiff, gen_choicemap **discard) {
    if (s == GEN_OK && discard && !(*discard = gen_choicemap_scope_return(disc ? disc : gen_choicemap_empty())))
        s = comb_pending();
    if (s == GEN_OK && weight && !(*weight = gen_scope_return(w ? w : comb_zero(m)))) s = comb_pending();
    if (s == GEN_OK && retval && (*retval = ret) && !(*retval = gen_scope_return(ret))) s = comb_pending();
    gen_scope_end();
    comb_leave(m);
    if (tr && s == GEN_OK && !(*tr = gfi_trace_publish(t))) s = GEN_ERR_OOM; /* t released */
    else if (tr && s != GEN_OK) gen_trace_release(t);
    if (s != GEN_OK) { /* what was given to the caller's scope is left to it */
        if (weight) *weight = NULL;
        if (retval) *retval = NULL;
        if (discard) *discard = NULL;
    }
    if (retdiff) *retdiff = s == GEN_OK ? rd : gen_diff_unknown();
    return s;
}

gen_status comb_return(comb_mode m, gen_status s, gen_array *w, gen_array *ret, gen_array **weight,
                       gen_array **retval) {
    return finish(m, s, NULL, w, ret, gen_diff_unknown(), NULL, weight, retval, NULL, NULL, NULL);
}

gen_status comb_publish(comb_mode m, gen_status s, gen_trace *t, gen_array *w, gen_array **weight,
                        gen_trace **tr) {
    return finish(m, s, t, w, NULL, gen_diff_unknown(), NULL, weight, NULL, tr, NULL, NULL);
}

gen_status comb_publish_edit(comb_mode m, gen_status s, gen_trace *t, gen_array *w, gen_diff rd, gen_choicemap *disc,
                             gen_array **weight, gen_trace **tr, gen_diff *retdiff, gen_choicemap **discard) {
    return finish(m, s, t, w, NULL, rd, disc, weight, NULL, tr, retdiff, discard);
}
