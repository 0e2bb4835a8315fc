/* switch_masked.c — Switch / Mask with a branch per particle in batched mode (DESIGN
 * decision 9: stochastic branching under batching is done by masking). Each branch
 * some particle takes runs on all N particles; per particle, only the branch it takes
 * counts: scores and weights are sums of where(idx == b, term_b, 0), the return value
 * where(idx == b, ret_b, ...), and branch b's choices carry the presence mask idx == b
 * (genc/choice.h: masked values). update / regenerate apply Gen.jl's rule to each
 * particle (switch.c: revisit for the same branch, replace for a new one). */
#include <stdio.h>
#include <string.h>

#include "switch_int.h"

/* A set of particles: a bool [N] array (scope-owned) and how many are in it. */
typedef struct pset {
    gen_array *a;
    int64_t count;
} pset;

enum { IN_NEW, SAME, GAINED, DROPPED };

/* Per-branch scratch of one operation: the particles in the branch, its return value,
 * its new and old subtraces. */
typedef struct slot {
    pset in;
    gen_array *ret;
    gen_trace *sub;
    const gen_trace *old;
} slot;

/* k zeroed slots (free with slots_free); NULL with the error on OOM. */
static slot *slots_new(const gen_gf *f) {
    slot *sl = core_calloc((size_t)((const branch_data *)f->data)->k, sizeof *sl);
    if (!sl) GEN_FAIL(GEN_ERR_OOM, "%s: out of memory", f->name);
    return sl;
}
static void slots_free(const gen_gf *f, slot *sl) {
    core_free(sl, (size_t)((const branch_data *)f->data)->k * sizeof *sl);
}

/* The particles whose branch is b now (IN_NEW), before and now (SAME), now only
 * (GAINED), before only (DROPPED); old may be NULL for IN_NEW. *out is empty on failure. */
static gen_status pset_of(int64_t n, const int64_t *old, const int64_t *now, int64_t b, int kind, pset *out) {
    *out = (pset){NULL, 0};
    bool *f = core_alloc((size_t)n);
    if (!f) return GEN_FAIL(GEN_ERR_OOM, "switch: out of memory");
    out->count = 0;
    for (int64_t i = 0; i < n; i++) {
        bool was = old && old[i] == b, is = now[i] == b;
        f[i] = kind == IN_NEW ? is : kind == SAME ? was && is : kind == GAINED ? !was && is : was && !is;
        out->count += f[i];
    }
    out->a = gen_array_from(GEN_BOOL, 1, &n, f);
    core_free(f, (size_t)n);
    return out->a ? GEN_OK : comb_pending();
}

/* *acc += where(p, term, 0) (or -= when sub). term is [N] (a weight or score). */
static gen_status add_where(gen_array **acc, const pset *p, int64_t n, const gen_array *term, bool sub) {
    if (!p->count || !term) return GEN_OK;
    const gen_array *t = p->count == n ? term : gen_where(p->a, term, gen_scalar(0.0));
    if (!t) return comb_pending();
    return sub ? comb_sub(acc, t) : comb_add(acc, t);
}

/* *acc merged with c's choices for the particles in p (masked by p). */
static gen_status add_choices(const gen_gf *f, const char *op, gen_choicemap **acc, const pset *p, int64_t n,
                              const gen_choicemap *c) {
    if (!p->count || gen_choicemap_is_empty(c)) return GEN_OK;
    const gen_choicemap *part = p->count == n ? c : gen_choicemap_keep_particles(c, p->a);
    gen_choicemap *r = !part ? NULL : *acc ? gen_choicemap_merge(*acc, part) : (gen_choicemap *)part;
    if (!r) {
        gen_status s = comb_pending();
        core_error_prefix("%s: %s: the branches' choices", f->name, op);
        return s;
    }
    *acc = r;
    return GEN_OK;
}

/* a, reshaped so that a bool [N] set broadcasts against [N] + an item of nd dims. */
static gen_array *set_for(const pset *p, int nd) {
    int64_t shape[GEN_MAX_DIMS];
    shape[0] = gen_array_shape(p->a)[0];
    for (int d = 1; d <= nd; d++) shape[d] = 1;
    return gen_reshape(p->a, nd + 1, shape);
}

/* "f64[N, 3]": a value's dtype and shape, for messages ("none" for NULL, "a tuple"). */
static const char *describe(const gen_array *r, char *buf, size_t n) {
    if (!r) return "none";
    if (gen_array_is_tuple(r)) return "a tuple";
    size_t len = (size_t)snprintf(buf, n, "%s[", gen_dtype_name(gen_array_dtype(r)));
    for (int d = 0; d < gen_array_ndim(r) && len < n; d++)
        len += (size_t)snprintf(buf + len, n - len, "%s%lld", d ? ", " : "", (long long)gen_array_shape(r)[d]);
    if (len < n) snprintf(buf + len, n - len, "]");
    return buf;
}

/* The return value: where(idx == b, rets[b]) over the branches taken (in[b].count > 0):
 * none if none returns one; an error if they differ in shape or dtype or some return
 * none (Mask: f returning a value while some flags are off), as no per-particle value
 * could stand for every particle. */
static gen_status combine_ret(comb_mode m, const gen_gf *f, const char *op, const slot *sl, gen_array **out) {
    const branch_data *d = f->data;
    int first = -1;
    for (int b = 0; b < d->k && first < 0; b++)
        if (sl[b].in.count) first = b;
    *out = NULL;
    gen_array *acc = NULL;
    for (int b = 0; b < d->k; b++) {
        if (!sl[b].in.count) continue;
        const gen_array *r = sl[b].ret, *r0 = sl[first].ret;
        if (!r && !r0) continue;
        if (!r || !r0 || gen_array_is_tuple(r) || gen_array_is_tuple(r0) || gen_array_dtype(r) != gen_array_dtype(r0) ||
            !comb_same_item_shape(m, r, r0)) {
            char s0[96], s1[96];
            if (d->flag)
                return GEN_FAIL(GEN_ERR_SHAPE,
                                "%s: %s: the flag differs between particles and f returns a value (%s): the "
                                "off particles would have none (return none from f, or give one flag)",
                                f->name, op, describe(r ? r : r0, s0, sizeof s0));
            return GEN_FAIL(GEN_ERR_SHAPE,
                            "%s: %s: particles take branches %d and %d whose return values differ in shape or "
                            "dtype (%s and %s): a per-particle return value needs one shape",
                            f->name, op, first, b, describe(r0, s0, sizeof s0), describe(r, s1, sizeof s1));
        }
        int nd = gen_array_ndim(r) - (gen_array_is_batched(r) ? 1 : 0);
        if (!acc) {
            int64_t shape[GEN_MAX_DIMS];
            shape[0] = m.n;
            memcpy(shape + 1, gen_array_shape(r) + gen_array_ndim(r) - nd, (size_t)nd * sizeof *shape);
            acc = gen_broadcast_to(gen_unbatched(r), nd + 1, shape);
        } else
            acc = gen_where(set_for(&sl[b].in, nd), gen_unbatched(r), acc);
        if (!acc) return comb_pending();
    }
    *out = acc ? gen_batched(acc) : NULL;
    return !acc || *out ? GEN_OK : comb_pending();
}

/* The trace of f with each particle in branch idx[i]; the slots' subtraces taken (the
 * slots freed). */
static gen_status pp_finish(comb_mode m, const gen_gf *f, const char *op, const gen_args *args, const gen_array *idx,
                            slot *sl, gen_trace **tr) {
    const branch_data *d = f->data;
    int taken = -1, n_taken = 0;
    gen_status s = GEN_OK;
    for (int b = 0; b < d->k && s == GEN_OK; b++) {
        s = pset_of(m.n, NULL, gen_array_data(idx), b, IN_NEW, &sl[b].in);
        if (s == GEN_OK && sl[b].in.count) taken = b, n_taken++;
    }
    gen_array *score = s == GEN_OK ? comb_zero(m) : NULL, *ret = NULL;
    gen_choicemap *cm = gen_choicemap_empty();
    if (s == GEN_OK && !score) s = comb_pending();
    for (int b = 0; b < d->k && s == GEN_OK && n_taken > 1; b++) {
        if (!sl[b].sub) continue;
        sl[b].ret = (gen_array *)gen_trace_retval(sl[b].sub);
        s = add_where(&score, &sl[b].in, m.n, gen_trace_score(sl[b].sub), false);
        if (s == GEN_OK) s = add_choices(f, op, &cm, &sl[b].in, m.n, gen_trace_choices(sl[b].sub));
    }
    if (s == GEN_OK && n_taken > 1) s = combine_ret(m, f, op, sl, &ret);
    branch_trace *data = s == GEN_OK && n_taken > 1 ? core_calloc(1, sizeof *data) : NULL;
    gen_trace **keep = data ? core_alloc((size_t)d->k * sizeof *keep) : NULL;
    if (s == GEN_OK && n_taken > 1 && !keep) s = GEN_FAIL(GEN_ERR_OOM, "%s: out of memory", f->name);
    for (int b = 0; b < d->k; b++) {
        if (keep) keep[b] = sl[b].sub;
        else if (s != GEN_OK || b != taken) gen_trace_release(sl[b].sub);
    }
    gen_trace *one = s == GEN_OK && taken >= 0 ? sl[taken].sub : NULL;
    slots_free(f, sl);
    if (s != GEN_OK) {
        if (data) core_free(data, sizeof *data);
        return s;
    }
    if (n_taken == 1) return sw_finish_trace(m, f, args, taken, one, tr); /* every particle: a uniform trace */
    *data = (branch_trace){.index = -1, .idx = gen_array_retain((gen_array *)idx), .subs = keep, .k = d->k};
    *tr = gfi_trace_new(f, args, ret, cm, score, data);
    if (!*tr) return comb_pending();
    (*tr)->batch = m.n;
    return GEN_OK;
}

gen_status sw_pp_generate(comb_mode m, const gen_gf *f, gen_key key, const gen_args *args, const gen_array *idx,
                          const gen_choicemap *constraints, gen_trace **tr, gen_array **w) {
    const branch_data *d = f->data;
    slot *sl = slots_new(f);
    gen_status s = sl && (*w = comb_zero(m)) ? GEN_OK : comb_pending();
    for (int b = 0; b < d->k && s == GEN_OK; b++) {
        pset in;
        gen_array *wb = NULL;
        s = pset_of(m.n, NULL, gen_array_data(idx), b, IN_NEW, &in);
        if (s != GEN_OK || !in.count) continue;
        const gen_choicemap *c = gen_choicemap_for_particles(constraints, in.a);
        s = c ? sw_gen_branch(m, f, "generate", b, gen_key_fold_in(key, (uint64_t)b), args, c, &sl[b].sub, &wb)
              : comb_pending();
        if (s == GEN_OK) s = add_where(w, &in, m.n, wb, false);
    }
    if (s == GEN_OK) return pp_finish(m, f, "generate", args, idx, sl, tr);
    for (int b = 0; sl && b < d->k; b++) gen_trace_release(sl[b].sub);
    if (sl) slots_free(f, sl);
    return s;
}

gen_status sw_pp_assess(comb_mode m, const gen_gf *f, const gen_args *args, const gen_array *idx,
                        const gen_choicemap *choices, gen_array **w, gen_array **ret) {
    const branch_data *d = f->data;
    slot *sl = slots_new(f);
    gen_args ra = sw_rest_of(args);
    gen_status s = sl && (*w = comb_zero(m)) ? GEN_OK : comb_pending();
    for (int b = 0; b < d->k && s == GEN_OK; b++) {
        gen_array *wb = NULL;
        s = pset_of(m.n, NULL, gen_array_data(idx), b, IN_NEW, &sl[b].in);
        if (s != GEN_OK || !sl[b].in.count) continue;
        const gen_choicemap *c = gen_choicemap_for_particles(choices, sl[b].in.a);
        if (!c) s = comb_pending();
        else if (!d->gf[b]) s = sw_check_unused(f, "assess", c);
        else {
            int64_t saved = comb_kernel_begin(m);
            s = gen_assess(d->gf[b], &ra, c, &wb, &sl[b].ret);
            comb_kernel_end(saved);
            if (s != GEN_OK) s = sw_fail_in(f, b);
        }
        if (s == GEN_OK) s = add_where(w, &sl[b].in, m.n, wb, false);
    }
    if (s == GEN_OK) s = combine_ret(m, f, "assess", sl, ret);
    if (sl) slots_free(f, sl);
    return s;
}

gen_status sw_pp_project(comb_mode m, const gen_trace *tr, const gen_selection *sel, gen_array **w) {
    const branch_trace *d = tr->data;
    gen_status s = (*w = comb_zero(m)) ? GEN_OK : comb_pending();
    for (int b = 0; b < d->k && s == GEN_OK; b++) {
        if (!d->subs[b]) continue;
        pset in;
        gen_array *wb = NULL;
        s = pset_of(m.n, NULL, gen_array_data(d->idx), b, IN_NEW, &in);
        if (s != GEN_OK) break;
        int64_t saved = comb_kernel_begin(m);
        s = gen_project(d->subs[b], sel, &wb);
        comb_kernel_end(saved);
        s = s == GEN_OK ? add_where(w, &in, m.n, wb, false) : sw_fail_in(tr->gf, b);
    }
    return s;
}

/* ---- update and regenerate ---- */

/* The particles that stay in branch b (same): its update / regenerate on all N
 * particles, with the constraints those particles have (switch.c's revisit). */
static gen_status pp_revisit(comb_mode m, const gen_trace *tr, int64_t b, gen_key key, const gen_args *args,
                             const gen_diff *argdiffs, branch_edit *e, const pset *same, const gen_trace *old,
                             gen_trace **sub, gen_array **w, gen_choicemap **disc) {
    const gen_gf *f = tr->gf;
    const char *op = e->sel ? "regenerate" : "update";
    const gen_choicemap *c = e->sel ? NULL : gen_choicemap_for_particles(e->constraints, same->a);
    if (!e->sel && !c) return comb_pending();
    if (!old) return e->sel ? GEN_OK : sw_check_unused(f, op, c); /* the empty branch */
    gen_args ra = sw_rest_of(args);
    gen_array *wb = NULL;
    gen_choicemap *db = NULL;
    gen_diff rd;
    int64_t saved = comb_kernel_begin(m);
    gen_status s = e->sel ? gen_regenerate(old, key, &ra, argdiffs ? argdiffs + 1 : NULL, e->sel, sub, &wb, &rd)
                          : gen_update(old, key, &ra, argdiffs ? argdiffs + 1 : NULL, c, sub, &wb, &rd,
                                       e->want_discard ? &db : NULL);
    comb_kernel_end(saved);
    if (s != GEN_OK) return sw_fail_in(f, b);
    gen_trace_retain(*sub);
    s = add_where(w, same, m.n, wb, false);
    if (s == GEN_OK && db) s = add_choices(f, op, disc, same, m.n, db);
    return s;
}

/* Particles that left branch b (dropped): update subtracts the old score and discards
 * the old choices; regenerate subtracts the old branch's non-choice terms (switch.c's
 * replace). */
static gen_status pp_drop(comb_mode m, const gen_trace *tr, int64_t b, branch_edit *e, const pset *dropped,
                          const gen_trace *old, gen_array **w, gen_choicemap **disc) {
    if (!old) return GEN_OK;
    if (!e->sel) {
        gen_status s = add_where(w, dropped, m.n, gen_trace_score(old), true);
        if (s == GEN_OK && e->want_discard) s = add_choices(tr->gf, "update", disc, dropped, m.n, gen_trace_choices(old));
        return s;
    }
    gen_array *rest = NULL;
    int64_t saved = comb_kernel_begin(m);
    gen_status s = gen_project(old, gen_select_none(), &rest);
    comb_kernel_end(saved);
    return s == GEN_OK ? add_where(w, dropped, m.n, rest, true) : sw_fail_in(tr->gf, b);
}

/* One subtrace of branch b from u (the particles in same) and g (the others): b
 * generated with every choice given, each particle's from its trace (u, g taken). */
static gen_status pp_join(comb_mode m, const gen_gf *f, int64_t b, gen_key key, const gen_args *args,
                          const pset *same, gen_trace *u, gen_trace *g, gen_trace **out) {
    bool *flip = core_alloc((size_t)m.n);
    gen_status s = flip ? GEN_OK : GEN_FAIL(GEN_ERR_OOM, "%s: out of memory", f->name);
    gen_choicemap *c = NULL;
    gen_array *ignored = NULL;
    if (s == GEN_OK) {
        const bool *in = gen_array_data(same->a);
        for (int64_t i = 0; i < m.n; i++) flip[i] = !in[i];
        gen_array *other = gen_array_from(GEN_BOOL, 1, &m.n, flip);
        core_free(flip, (size_t)m.n);
        const gen_choicemap *cu = gen_choicemap_keep_particles(gen_trace_choices(u), same->a);
        const gen_choicemap *cg = other ? gen_choicemap_keep_particles(gen_trace_choices(g), other) : NULL;
        if (!cu || !cg || !(c = gen_choicemap_merge(cu, cg))) s = comb_pending();
    }
    if (s == GEN_OK) s = sw_gen_branch(m, f, "update", b, key, args, c, out, &ignored);
    gen_trace_release(u);
    gen_trace_release(g);
    return s;
}

gen_status sw_pp_edit(comb_mode m, const gen_trace *tr, gen_key key, const gen_args *args, const gen_diff *argdiffs,
                      branch_edit *e, const gen_array *idx, gen_trace **t, gen_array **w) {
    const gen_gf *f = tr->gf;
    const branch_data *d = f->data;
    const branch_trace *o = tr->data;
    const char *op = e->sel ? "regenerate" : "update";
    slot *sl = slots_new(f);
    if (!sl) return comb_pending();
    for (int b = 0; b < d->k; b++) sl[b].old = o->index < 0 ? o->subs[b] : b == o->index ? o->sub : NULL;
    gen_array *oidx = o->index < 0 ? o->idx : gen_full(GEN_I64, 1, &m.n, (double)o->index);
    gen_choicemap *disc = NULL;
    gen_status s = oidx && (*w = comb_zero(m)) ? GEN_OK : comb_pending();
    const int64_t *was = oidx ? gen_array_data(oidx) : NULL, *now = gen_array_data(idx);
    for (int b = 0; b < d->k && s == GEN_OK; b++) {
        pset same, gained, dropped;
        gen_trace *u = NULL, *g = NULL;
        if ((s = pset_of(m.n, was, now, b, SAME, &same)) != GEN_OK ||
            (s = pset_of(m.n, was, now, b, GAINED, &gained)) != GEN_OK ||
            (s = pset_of(m.n, was, now, b, DROPPED, &dropped)) != GEN_OK)
            break;
        gen_key kb = gen_key_fold_in(key, (uint64_t)b);
        if (same.count) s = pp_revisit(m, tr, b, gen_key_fold_in(kb, 0), args, argdiffs, e, &same, sl[b].old, &u, w, &disc);
        if (s == GEN_OK && gained.count) {
            const gen_choicemap *c = e->sel ? gen_choicemap_empty() : gen_choicemap_for_particles(e->constraints, gained.a);
            gen_array *wg = NULL;
            s = c ? sw_gen_branch(m, f, op, b, gen_key_fold_in(kb, 1), args, c, &g, &wg) : comb_pending();
            if (s == GEN_OK) s = add_where(w, &gained, m.n, wg, false);
        }
        if (s == GEN_OK && dropped.count) s = pp_drop(m, tr, b, e, &dropped, sl[b].old, w, &disc);
        if (s == GEN_OK && u && g) {
            s = pp_join(m, f, b, gen_key_fold_in(kb, 2), args, &same, u, g, &sl[b].sub); /* takes u, g */
            u = g = NULL;
        } else if (s == GEN_OK) {
            sl[b].sub = u ? u : g;
            u = g = NULL;
        }
        gen_trace_release(u);
        gen_trace_release(g);
    }
    if (s == GEN_OK && e->want_discard) e->discard = disc;
    if (s == GEN_OK) return pp_finish(m, f, op, args, idx, sl, t);
    for (int b = 0; b < d->k; b++) gen_trace_release(sl[b].sub);
    slots_free(f, sl);
    return s;
}
