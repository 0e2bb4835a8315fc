/* generate_graph.c — generate and regenerate in compiled code (DESIGN decision 10): a
 * dynamic function's generate, captured with the key and the constraint values as leaves
 * and each draw as one DRAW op (the family's own sampler at the key folded with the
 * address: dist_draw_op), so the code draws exactly what the dynamic path draws.
 *  - Batched generate (importance sampling, SMC): the program of one call shape
 *    (function, arguments by identity, constraint addresses, dtypes and shapes, N) is
 *    compiled once the shape has been seen GEN_HOT times (at once from GEN_BIG
 *    particles); each call then runs it and builds the batched trace from its outputs.
 *  - Regenerate (MH with a selection), one particle or batched: generate with the kept
 *    choices constrained to their old values, of which only the outputs the draws reach
 *    are computed (the choices downstream of the selection), per selection pattern and
 *    trace structure, compiled once used REGEN_HOT times.
 * Batched assess runs generate's program when it draws nothing. The same traces, scores
 * and weights as the dynamic path for the same key. Calls with a user pointer stay
 * dynamic (what it points to is read as the body runs, and is no leaf). Models with calls, masked
 * constraints, or distributions whose draw has no compiled form stay on the dynamic
 * path. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../dsl/dsl_accel.h"
#include "../dsl/dsl_int.h"
#include "cache.h"
#include "cgfn.h"
#include "genc/compile.h"
#include "lane_prog.h"

#define GEN_HOT 2
/* From this many particles a call shape compiles on first use: one dynamic run costs
 * more than capturing and compiling (and the code is cached on disk). */
#define GEN_BIG 262144
#define REGEN_HOT 64
#define GEN_CACHE 32
#define GEN_MAX_CONSTRAINTS 1024
#define GEN_MAX_RECORDS 4096

typedef struct rec_plan {
    gen_addr addr;
    int value_out;  /* its output, or -1: the constraint value_cons as given */
    int value_cons;
    int score_out;
    int weight_out; /* -1: none */
    bool drawn;     /* not constrained: a draw (a selected choice, for regenerate) */
} rec_plan;

typedef struct gen_prog {
    _Atomic int refs;
    _Atomic int64_t uses;
    _Atomic int state; /* 0: not built, 1: building, 2: built (fn or lp, or none) */
    cg_fn *fn;
    /* A call whose arrays live on a device (the thread's default device is one): the
     * program of one particle run by one GPU thread each (lane_prog.h), fn NULL. */
    const backend *dev;
    cg_lane_prog *lp;
    int n_rec;
    rec_plan *rec;
    int factors_out, ret_out, ret_rec, ret_arg; /* -1: not that kind */
    int score_out, weight_out;
    int n_out;
    bool *out_batched;
    bool regen; /* a regenerate program: outputs the draws do not reach are -1 */
} gen_prog;

static void prog_free(gen_prog *p) {
    cg_fn_free(p->fn);
    cg_lane_prog_free(p->lp);
    core_free(p->rec, ((size_t)p->n_rec + 1) * sizeof *p->rec);
    core_free(p->out_batched, ((size_t)p->n_out + 1) * sizeof *p->out_batched);
    core_free(p, sizeof *p);
}

static void *prog_retain(void *p) {
    atomic_fetch_add(&((gen_prog *)p)->refs, 1);
    return p;
}

static void prog_release(void *v) {
    gen_prog *p = v;
    if (p && atomic_fetch_sub(&p->refs, 1) == 1) prog_free(p);
}

static cg_cache_entry entries[GEN_CACHE];
static cg_cache cache = CG_CACHE_INIT(entries, prog_retain, prog_release);

void cg_generate_cache_clear(void) { cg_cache_clear(&cache); }

/* Set while a program is built: the generate calls it makes run the dynamic path. */
static _Thread_local bool building;

/* ---- the constraints and the key ---- */

typedef struct cons_list {
    int n, cap; /* cap: the arrays' allocated length (less one) */
    gen_addr *addr;
    const gen_array **val;
} cons_list;

static void cons_free(cons_list *c) {
    core_free(c->addr, ((size_t)c->cap + 1) * sizeof *c->addr);
    core_free(c->val, ((size_t)c->cap + 1) * sizeof *c->val);
}

static bool cons_alloc(cons_list *c, int64_t cap) {
    *c = (cons_list){0, (int)cap, core_alloc(((size_t)cap + 1) * sizeof *c->addr),
                     core_alloc(((size_t)cap + 1) * sizeof *c->val)};
    if (c->addr && c->val) return true;
    cons_free(c);
    *c = (cons_list){0};
    gen_error_clear();
    return false;
}

/* The constraints as a choice map (in the current scope). */
static gen_choicemap *cons_map(const cons_list *c) {
    gen_choicemap_builder *b = gen_choicemap_builder_new();
    gen_status s = b ? GEN_OK : GEN_ERR_OOM;
    for (int i = 0; i < c->n && s == GEN_OK; i++) s = gen_choicemap_builder_set(b, &c->addr[i], c->val[i]);
    gen_choicemap *m = s == GEN_OK ? gen_choicemap_builder_finish(b) : NULL;
    if (b) gen_choicemap_builder_free(b);
    return m;
}

/* The constraints in iteration order; false when one cannot be an input of the code (a
 * mask, a tuple, an array neither on the host nor on dev) or there are too many. */
static bool cons_collect(const gen_choicemap *m, const backend *dev, cons_list *c) {
    int64_t n = gen_choicemap_count(m);
    *c = (cons_list){0};
    if (n > GEN_MAX_CONSTRAINTS || !cons_alloc(c, n)) return false;
    gen_choicemap_iter it;
    gen_choicemap_iter_init(&it, m);
    while (gen_choicemap_iter_next(&it)) {
        gen_device d = gen_array_device(it.value);
        if (it.mask || c->n >= n || gen_array_is_tuple(it.value) || (d != GEN_DEVICE_CPU && d != dev->device)) {
            cons_free(c);
            return false;
        }
        c->addr[c->n] = it.addr;
        c->val[c->n++] = it.value;
    }
    if (c->n == n) return true;
    cons_free(c);
    return false;
}

/* The key: what the code depends on — function, arguments (identity), N, and each
 * constraint's address, dtype, shape and particle-axis mark; for regenerate (d, the old
 * trace's records) every record's, and whether it is selected. */
static void put_value(char **p, const gen_addr *a, const gen_array *v, int flag) {
    int dt = (int)gen_array_dtype(v), nd = gen_array_ndim(v), b = gen_array_is_batched(v);
    memcpy(*p, &a->len, sizeof a->len), *p += sizeof a->len;
    memcpy(*p, a->parts, (size_t)a->len * sizeof *a->parts), *p += (size_t)a->len * sizeof *a->parts;
    int h[4] = {dt, nd, b, flag};
    memcpy(*p, h, sizeof h), *p += sizeof h;
    memcpy(*p, gen_array_shape(v), (size_t)nd * sizeof(int64_t)), *p += (size_t)nd * sizeof(int64_t);
}

static char *call_key(const gen_gf *f, const gen_args *args, int64_t n, const cons_list *c, const dsl_data *d,
                      const bool *selected, const backend *dev, size_t *len) {
    int na = args ? args->n : 0;
    int64_t items = d ? d->n : c->n;
    size_t size = sizeof(void *) * (size_t)(4 + na) + sizeof(int64_t) * 2 +
                  (size_t)items * (sizeof(gen_addr) + sizeof(int) * 4 + sizeof(int64_t) * GEN_MAX_DIMS);
    char *k = core_calloc(1, size), *p = k;
    if (!k) return NULL;
    bool regen = d != NULL;
#define PUT(x) (memcpy(p, &(x), sizeof(x)), p += sizeof(x))
    PUT(regen);
    PUT(dev);
    PUT(f);
    PUT(n);
    PUT(na);
    for (int i = 0; i < na; i++) PUT(args->v[i]);
    void *user = args ? args->user : NULL;
    PUT(user);
#undef PUT
    for (int64_t i = 0; i < items; i++)
        if (d) put_value(&p, &d->recs[i].addr, d->recs[i].value, selected[i]);
        else put_value(&p, &c->addr[i], c->val[i], 0);
    *len = (size_t)(p - k);
    char *fit = core_realloc(k, size, *len); /* freed at its length */
    if (!fit) core_free(k, size);
    return fit;
}

/* ---- capture ---- */

typedef struct capture_call {
    const gen_gf *f;
    gen_key key;
    const gen_args *args;
    const cons_list *cons;
    int n_rec;
    gen_prog *p;
} capture_call;

static int find_leaf(const gen_array *v, int n_in, gen_array *const *in) {
    for (int i = 1; i < n_in; i++)
        if (in[i] == v) return i - 1;
    return -1;
}

/* generate on the leaves; outputs: the values drawn, the scores and weights, the factor
 * total, the return value, the score and the weight (the rest of the n_out slots repeat
 * the key leaf and are dropped). */
static gen_status generate_fn(void *payload, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    capture_call *c = payload;
    gen_prog *p = c->p;
    const cons_list leaves = {c->cons->n, c->cons->n, c->cons->addr, (const gen_array **)(in + 1)};
    gen_choicemap *cm = cons_map(&leaves);
    gen_status s = cm ? GEN_OK : core_error_pending() ? core_error_pending() : GEN_ERR_OOM;
    dsl_draw_capture dc = {in[0], c->key, ""}, *outer = dsl_capturing_draws;
    dsl_capturing_draws = &dc;
    gen_trace *t = NULL;
    gen_array *w = NULL;
    if (s == GEN_OK) s = gen_generate(c->f, c->key, c->args, cm, &t, &w);
    dsl_capturing_draws = outer;
    if (s == GEN_OK && dc.refused[0]) s = GEN_FAIL(GEN_ERR_UNSUPPORTED, "%s", dc.refused);
    const dsl_data *d = t ? t->data : NULL;
    if (s == GEN_OK && d->n != c->n_rec)
        s = GEN_FAIL(GEN_ERR_UNSUPPORTED, "the model's structure changed under capture");
    for (int j = 0; j < n_out; j++) out[j] = in[0];
    int k = 0;
    for (int64_t i = 0; i < c->n_rec && s == GEN_OK; i++) {
        const dsl_rec *r = &d->recs[i];
        rec_plan *rp = &p->rec[i];
        if (r->sub || !r->value || gen_array_is_tuple(r->value)) {
            s = GEN_FAIL(GEN_ERR_UNSUPPORTED, "a call or a tuple value in the trace");
            break;
        }
        rp->addr = r->addr;
        rp->drawn = !r->weight;
        rp->value_cons = find_leaf(r->value, n_in, in);
        rp->value_out = rp->value_cons >= 0 ? -1 : k;
        if (rp->value_cons < 0) out[k++] = r->value;
        rp->score_out = k;
        out[k++] = r->score;
        rp->weight_out = !r->weight ? -1 : r->weight == r->score ? rp->score_out : k;
        if (r->weight && r->weight != r->score) out[k++] = r->weight;
    }
    p->factors_out = p->ret_out = p->ret_rec = p->ret_arg = -1;
    if (s == GEN_OK && d->factors) {
        p->factors_out = k;
        out[k++] = d->factors;
    }
    const gen_array *ret = t ? t->retval : NULL;
    for (int64_t i = 0; s == GEN_OK && ret && i < c->n_rec && p->ret_rec < 0; i++)
        if (d->recs[i].value == ret) p->ret_rec = (int)i;
    for (int i = 0; s == GEN_OK && ret && p->ret_rec < 0 && c->args && i < c->args->n && p->ret_arg < 0; i++)
        if (c->args->v[i] == ret) p->ret_arg = i;
    if (s == GEN_OK && ret && p->ret_rec < 0 && p->ret_arg < 0) {
        if (gen_array_is_tuple(ret)) s = GEN_FAIL(GEN_ERR_UNSUPPORTED, "the return value is a tuple");
        p->ret_out = k;
        out[k++] = (gen_array *)ret;
    }
    if (s == GEN_OK) {
        p->score_out = k;
        out[k++] = t->score;
        p->weight_out = k;
        out[k++] = w;
        core_free(p->out_batched, ((size_t)p->n_out + 1) * sizeof *p->out_batched); /* an earlier capture's */
        p->n_out = k;
        if (!(p->out_batched = core_calloc((size_t)k + 1, sizeof *p->out_batched))) s = GEN_ERR_OOM;
        for (int j = 0; s == GEN_OK && j < k; j++) p->out_batched[j] = gen_array_is_batched(out[j]);
    }
    return s;
}

/* Which values of g depend on input `in` (a pass in node order). */
static bool *reach_of_input(const cg_graph *g, int in) {
    bool *r = core_calloc((size_t)g->n_values + 1, sizeof *r);
    if (!r) return NULL;
    r[g->inputs[in]] = true;
    for (int32_t k = 0; k < g->n_nodes; k++) {
        const cg_node *nd = &g->nodes[k];
        bool any = false;
        for (int i = 0; i < nd->n_in && !any; i++) any = r[nd->in[i]];
        for (int j = 0; j < nd->n_out && any; j++) r[nd->out[j]] = true;
    }
    return r;
}

/* A regenerate program keeps the outputs the draws reach (they depend on the key leaf),
 * less generate's own score and weight; the plan's indices follow. NULL: out of memory. */
static cg_graph *regen_outputs(gen_prog *p, const cg_graph *g) {
    bool *r = reach_of_input(g, 0);
    int *map = core_alloc(((size_t)p->n_out + 1) * sizeof *map);
    int32_t *vals = core_alloc(((size_t)p->n_out + 1) * sizeof *vals);
    bool *batched = core_calloc((size_t)p->n_out + 1, sizeof *batched);
    cg_graph *sel = NULL;
    if (r && map && vals && batched) {
        int k = 0;
        for (int j = 0; j < p->n_out; j++) {
            map[j] = -1;
            if (j == p->score_out || j == p->weight_out || !r[g->outputs[j]]) continue;
            batched[k] = p->out_batched[j];
            vals[k] = g->outputs[j];
            map[j] = k++;
        }
#define REMAP(x) ((x) = (x) >= 0 ? map[x] : -1)
        for (int i = 0; i < p->n_rec; i++) {
            REMAP(p->rec[i].value_out);
            REMAP(p->rec[i].score_out);
            p->rec[i].weight_out = -1;
        }
        REMAP(p->factors_out);
        REMAP(p->ret_out);
#undef REMAP
        p->score_out = p->weight_out = -1;
        core_free(p->out_batched, ((size_t)p->n_out + 1) * sizeof *p->out_batched);
        p->out_batched = batched;
        batched = NULL;
        p->n_out = k;
        sel = cg_graph_with_outputs(g, k, vals);
    }
    core_free(r, ((size_t)g->n_values + 1) * sizeof *r);
    core_free(map, ((size_t)p->n_out + 1) * sizeof *map);
    core_free(vals, ((size_t)p->n_out + 1) * sizeof *vals);
    core_free(batched, ((size_t)p->n_out + 1) * sizeof *batched);
    return sel;
}

/* Names the capture's inputs in a refusal: the key stands for the draws. */
static void name_input(void *payload, int i, char *buf, size_t n) {
    const cons_list *c = payload;
    if (i == 0) {
        snprintf(buf, n, "a draw");
        return;
    }
    char a[GEN_ADDR_FORMAT_MAX];
    gen_addr_format(&c->addr[i - 1], a, sizeof a);
    snprintf(buf, n, "%s", a);
}

/* The record count of f's generate (the dynamic path, once). -1: it failed. */
static int record_count(const gen_gf *f, gen_key key, const gen_args *args, const cons_list *cons) {
    gen_trace *t0 = NULL;
    if (gen_scope_begin() != GEN_OK) return -1;
    gen_choicemap *m = cons_map(cons);
    building = true;
    gen_status s = m ? gen_generate(f, key, args, m, &t0, NULL) : GEN_ERR_OOM;
    building = false;
    int64_t n = s == GEN_OK ? ((const dsl_data *)t0->data)->n : -1;
    gen_scope_end();
    gen_error_clear();
    return n > GEN_MAX_RECORDS ? -1 : (int)n;
}

/* The graph of generate at the running particle count on cons (n_rec records; outputs
 * as generate_fn makes them, the plan in p). NULL with msg filled. */
static cg_graph *capture_at(gen_prog *p, const gen_gf *f, gen_key key, const gen_args *args, const cons_list *cons,
                            int n_rec, char *msg, size_t msg_n) {
    int n_in = 1 + cons->n, n_out = 3 * n_rec + 4;
    gen_array **like = core_calloc((size_t)n_in + 1, sizeof *like);
    if (!like) return NULL;
    like[0] = gen_array_from(GEN_I64, 1, (const int64_t[]){2}, key.k);
    for (int i = 0; i < cons->n; i++) like[1 + i] = (gen_array *)cons->val[i];
    capture_call c = {f, key, args, cons, n_rec, p};
    cg_refusal why;
    cg_graph *g = like[0] ? cg_capture((gen_closure){generate_fn, &c}, n_in, like, n_out, name_input, (void *)cons, &why)
                          : NULL;
    if (!g) snprintf(msg, msg_n, "%s", why.msg[0] ? why.msg : gen_error_message());
    core_free(like, ((size_t)n_in + 1) * sizeof *like);
    return g;
}

/* Particle counts of the twin captures (graph_rescale.c): primes, unlikely to be a data
 * extent; a batched generate of more than TWIN_FROM particles is captured at these. */
#define TWIN_N0 1021
#define TWIN_N1 1031
#define TWIN_FROM 8192

/* cons with each batched value cut to its first m particles (in the current scope);
 * false when a value has n leading rows without the batched mark (whether it is one per
 * particle would then depend on the count). */
static bool cons_cut(const cons_list *c, int64_t n, int64_t m, cons_list *out) {
    *out = (cons_list){c->n, c->n, c->addr, core_alloc(((size_t)c->n + 1) * sizeof *out->val)};
    if (!out->val) return false;
    for (int i = 0; i < c->n; i++) {
        const gen_array *v = c->val[i];
        bool rows = gen_array_ndim(v) > 0 && gen_array_shape(v)[0] == n;
        out->val[i] = v;
        if (rows && !gen_array_is_batched(v)) return false;
        if (rows) {
            int64_t saved = gen_batch_suspend();
            gen_array *cut = gen_slice(v, 0, 0, m, 1);
            gen_batch_resume(saved);
            if (!(out->val[i] = cut ? gen_batched(cut) : NULL)) return false;
        }
    }
    return true;
}

/* The graph at n particles from twin captures at TWIN_N0 and TWIN_N1. NULL: capture at n. */
static cg_graph *capture_twins(gen_prog *p, const gen_gf *f, gen_key key, const gen_args *args, const cons_list *cons,
                               int64_t n, int *n_rec, char *msg, size_t msg_n) {
    const int64_t m[2] = {TWIN_N0, TWIN_N1};
    cg_graph *g[2] = {NULL, NULL}, *r = NULL;
    int64_t saved = gen_batch_suspend();
    for (int t = 0; t < 2; t++) {
        if (gen_scope_begin() != GEN_OK) break;
        cons_list cut = {0};
        bool ok = gen_batch_begin(m[t]) == GEN_OK;
        if (ok && cons_cut(cons, n, m[t], &cut)) {
            if (t == 0) *n_rec = record_count(f, key, args, &cut);
            if (*n_rec >= 0 && (p->rec || (p->rec = core_calloc((size_t)*n_rec + 1, sizeof *p->rec))))
                g[t] = capture_at(p, f, key, args, &cut, *n_rec, msg, msg_n);
        }
        if (cut.val) core_free(cut.val, ((size_t)cut.n + 1) * sizeof *cut.val);
        if (ok) gen_batch_end();
        gen_scope_end();
        if (!g[t]) break;
    }
    gen_batch_resume(saved);
    if (g[0] && g[1]) r = cg_graph_rescale(g[0], g[1], m[0], m[1], n, msg, msg_n);
    cg_graph_free(g[0]);
    cg_graph_free(g[1]);
    gen_error_clear();
    return r;
}

/* What a capture for a device program runs on: host copies of the constraint values and
 * the arguments (in the current scope), captured with the host as the default device.
 * The capture then needs no eager kernel of the device, and the graph's constants are
 * host copies of what the call reads, which the program copies to the device once. */
typedef struct host_call {
    cons_list cons;
    gen_args args;
    const backend *saved;
} host_call;

static bool host_call_begin(host_call *h, const gen_args *args, const cons_list *cons) {
    int na = args ? args->n : 0;
    gen_array **hv = core_alloc(((size_t)na + 1) * sizeof *hv);
    *h = (host_call){{cons->n, cons->n, cons->addr, core_alloc(((size_t)cons->n + 1) * sizeof *h->cons.val)},
                     {na, hv, args ? args->user : NULL}, arr_creation_be};
    bool ok = h->cons.val && hv;
    for (int i = 0; ok && i < cons->n; i++) ok = (h->cons.val[i] = gen_array_to_host(cons->val[i])) != NULL;
    for (int i = 0; ok && i < na; i++)
        ok = (hv[i] = gen_array_is_tuple(args->v[i]) ? args->v[i] : gen_array_to_host(args->v[i])) != NULL;
    arr_creation_be = NULL;
    return ok;
}

static void host_call_end(host_call *h) {
    arr_creation_be = h->saved;
    core_free(h->cons.val, ((size_t)h->cons.n + 1) * sizeof *h->cons.val);
    core_free((void *)h->args.v, ((size_t)h->args.n + 1) * sizeof *h->args.v);
}

/* The lane program of graph g (taken) for n particles on device dev: a constraint input
 * is one per particle when it carries the particle axis. NULL with why filled. */
static cg_lane_prog *lane_program(cg_graph *g, const cons_list *cons, int64_t n, const backend *dev, char *why,
                                  size_t why_n) {
    bool *each = core_calloc((size_t)g->n_inputs + 1, sizeof *each);
    if (!each) {
        cg_graph_free(g);
        snprintf(why, why_n, "out of memory");
        return NULL;
    }
    for (int i = 0; i < cons->n && 1 + i < g->n_inputs; i++) {
        const gen_array *v = cons->val[i];
        each[1 + i] = gen_array_is_batched(v) && gen_array_ndim(v) >= 1 && gen_array_shape(v)[0] == n;
    }
    cg_lanes *l = cg_lanes_particles(g, n, each, why, why_n);
    core_free(each, ((size_t)g->n_inputs + 1) * sizeof *each);
    if (!l) {
        cg_graph_free(g);
        return NULL;
    }
    return cg_lane_prog_new(l, g, dev, why, why_n);
}

/* Captures and compiles p (n_rec records; -1: count them first). False: it stays on the
 * dynamic path. A big batched generate is captured at small twin counts, and at its own
 * when those differ otherwise than in the count. */
static bool build(gen_prog *p, const gen_gf *f, gen_key key, const gen_args *args, const cons_list *cons, int n_rec) {
    int64_t n = gen_batch_size();
    char msg[600] = "";
    cg_graph *g = NULL;
    host_call h = {0};
    const cons_list *dev_cons = cons;
    if (!p->dev->host) { /* a device program: captured on the host */
        if (gen_scope_begin() != GEN_OK) return false;
        bool ok = host_call_begin(&h, args, cons);
        if (!ok) {
            host_call_end(&h);
            gen_scope_end();
            gen_error_clear();
            return false;
        }
        cons = &h.cons;
        args = args ? &h.args : NULL;
    }
    if (!p->regen && n > TWIN_FROM) {
        g = capture_twins(p, f, key, args, cons, n, &n_rec, msg, sizeof msg);
        if (!g && getenv("GENC_COMPILE_VERBOSE"))
            fprintf(stderr, "genc: %s: batched generate captured at %lld particles: %s\n", gen_gf_name(f), (long long)n,
                    msg);
    }
    if (!g && p->rec) { /* the twins' plan goes: the capture at n makes its own */
        core_free(p->rec, ((size_t)n_rec + 1) * sizeof *p->rec);
        p->rec = NULL;
        n_rec = -1;
    }
    if (!g && n_rec < 0) n_rec = record_count(f, key, args, cons);
    bool planned = n_rec >= 0 && n_rec <= GEN_MAX_RECORDS &&
                   (p->rec || (p->rec = core_calloc((size_t)n_rec + 1, sizeof *p->rec)));
    if (planned) p->n_rec = n_rec;
    msg[0] = 0;
    if (planned && !g) g = capture_at(p, f, key, args, cons, n_rec, msg, sizeof msg);
    if (!p->dev->host) {
        host_call_end(&h);
        gen_scope_end();
    }
    if (!planned) {
        cg_graph_free(g);
        gen_error_clear();
        return false;
    }
    cg_graph *sel = !g ? NULL : p->regen ? regen_outputs(p, g) : cg_graph_with_outputs(g, p->n_out, g->outputs);
    cg_graph_free(g);
    const char *what = p->regen ? "regenerate" : "batched generate";
    char fwhy[400] = "";
    if (sel && !p->dev->host) p->lp = lane_program(sel, dev_cons, n, p->dev, fwhy, sizeof fwhy);
    else p->fn = sel ? cg_fn_from_graph(what, sel, fwhy, sizeof fwhy) : NULL;
    bool made = p->fn || p->lp;
    if (!made && !msg[0]) snprintf(msg, sizeof msg, "%s", fwhy[0] ? fwhy : gen_error_message());
    if (!made && getenv("GENC_COMPILE_VERBOSE"))
        fprintf(stderr, "genc: %s: %s%s not compiled: %s\n", gen_gf_name(f), what, p->dev->host ? "" : " on the device",
                msg);
    gen_error_clear();
    return made;
}

/* ---- running ---- */

/* run_code for a program of lanes: the outputs on its device, one GPU thread per
 * particle. */
static gen_status run_lanes(const gen_prog *p, gen_key key, const cons_list *cons, gen_array **res) {
    const cg_lane_prog *lp = p->lp;
    const cg_graph *g = lp->src;
    int64_t n = gen_batch_size(), kw[2] = {(int64_t)key.k[0], (int64_t)key.k[1]};
    cg_lane_io *in = core_alloc(((size_t)cons->n + 2) * sizeof *in), *out = core_alloc(((size_t)p->n_out + 1) * sizeof *out);
    gen_status s = in && out ? GEN_OK : GEN_ERR_OOM;
    if (s == GEN_OK) {
        in[0] = (cg_lane_io){kw, true, 0};
        for (int i = 0; i < cons->n && s == GEN_OK; i++) s = arr_ready(cons->val[i]);
        for (int i = 0; i < cons->n; i++)
            in[1 + i] = (cg_lane_io){cons->val[i]->data, gen_array_device(cons->val[i]) == GEN_DEVICE_CPU,
                                     cg_lane_prog_stride(lp, true, 1 + i)};
    }
    for (int j = 0; j < p->n_out && s == GEN_OK; j++) {
        const cg_value *v = &g->values[g->outputs[j]];
        gen_array *a = arr_alloc_on("generate", p->dev, v->dtype, v->ndim, v->shape);
        if (!a) {
            s = core_error_pending() ? core_error_pending() : GEN_ERR_OOM;
            break;
        }
        a->batched = p->out_batched[j];
        res[j] = arr_publish(a);
        out[j] = (cg_lane_io){a->data, false, cg_lane_prog_stride(lp, false, j)};
    }
    if (s == GEN_OK) s = cg_lane_prog_run(lp, n, in, out);
    core_free(in, ((size_t)cons->n + 2) * sizeof *in);
    core_free(out, ((size_t)p->n_out + 1) * sizeof *out);
    return s;
}

/* Runs p's code at key on the constraint values: its outputs, new arrays in the current
 * scope (marked as the captured ones were), into res[0..n_out). */
static gen_status run_code(const gen_prog *p, gen_key key, const cons_list *cons, gen_array **res) {
    if (p->lp) return run_lanes(p, key, cons, res);
    const cg_graph *g = p->fn->g;
    const void *small_in[16];
    void *small_out[32];
    const void **in = cons->n + 1 <= 16 ? small_in : core_alloc(((size_t)cons->n + 1) * sizeof *in);
    void **out = p->n_out <= 32 ? small_out : core_alloc(((size_t)p->n_out + 1) * sizeof *out);
    gen_status s = in && out ? GEN_OK : GEN_ERR_OOM;
    int64_t kw[2] = {(int64_t)key.k[0], (int64_t)key.k[1]};
    if (s == GEN_OK) {
        in[0] = kw;
        for (int i = 0; i < cons->n; i++) in[1 + i] = cons->val[i]->data;
    }
    for (int j = 0; j < p->n_out && s == GEN_OK; j++) {
        const cg_value *v = &g->values[g->outputs[j]];
        gen_array *a = arr_alloc("generate", v->dtype, v->ndim, v->shape);
        if (!a) {
            s = core_error_pending() ? core_error_pending() : GEN_ERR_OOM;
            break;
        }
        a->batched = p->out_batched[j];
        res[j] = arr_publish(a);
        out[j] = a->data;
    }
    if (s == GEN_OK) {
        int64_t saved = gen_batch_suspend();
        s = cg_fn_run(p->fn, in, out);
        gen_batch_resume(saved);
    }
    if (in != small_in) core_free((void *)in, ((size_t)cons->n + 1) * sizeof *in);
    if (out != small_out) core_free(out, ((size_t)p->n_out + 1) * sizeof *out);
    return s;
}

/* The records of the new trace: each value an output, a constraint, or the old value;
 * each score an output or the old score. */
static gen_status fill_records(const gen_prog *p, gen_array *const *res, const cons_list *cons, const dsl_data *old,
                               gen_ctx *ctx) {
    if (!(ctx->data.recs = core_calloc((size_t)p->n_rec + 1, sizeof *ctx->data.recs))) return GEN_ERR_OOM;
    ctx->data.cap = p->n_rec + 1;
    for (int i = 0; i < p->n_rec; i++) {
        const rec_plan *rp = &p->rec[i];
        dsl_rec *r = &ctx->data.recs[i];
        r->addr = rp->addr;
        r->value = dsl_keep(rp->value_out >= 0    ? res[rp->value_out]
                            : rp->value_cons >= 0 ? cons->val[rp->value_cons]
                                                  : old->recs[i].value); /* regenerate: kept */
        r->score = dsl_keep(rp->score_out >= 0 ? res[rp->score_out] : old->recs[i].score);
        r->weight = rp->weight_out >= 0 ? dsl_keep(res[rp->weight_out]) : NULL;
        ctx->data.n = i + 1;
    }
    const gen_array *fa = p->factors_out >= 0 ? res[p->factors_out] : old ? old->factors : NULL;
    ctx->data.factors = dsl_keep(fa);
    return GEN_OK;
}

static gen_status generate_trace(const gen_prog *p, const gen_gf *f, gen_key key, const gen_args *args,
                                 const cons_list *cons, int64_t n, gen_trace **tr, gen_array **weight) {
    gen_array **res = core_calloc((size_t)p->n_out + 1, sizeof *res);
    gen_status s = res ? run_code(p, key, cons, res) : GEN_ERR_OOM;
    gen_ctx ctx = {0};
    ctx.n = n;
    if (s == GEN_OK) s = fill_records(p, res, cons, NULL, &ctx);
    gen_array *ret = NULL;
    if (s == GEN_OK)
        ret = p->ret_out >= 0 ? res[p->ret_out]
              : p->ret_rec >= 0 ? ctx.data.recs[p->ret_rec].value
              : p->ret_arg >= 0 ? args->v[p->ret_arg]
                                : NULL;
    gen_trace *t = NULL;
    if (s == GEN_OK) s = dsl_new_trace(f, &ctx, args, ret, NULL, res[p->score_out], &t);
    if (s == GEN_OK && weight && !(*weight = gen_scope_return(res[p->weight_out]))) s = dsl_pending_or_oom();
    dsl_ctx_free(&ctx);
    core_free(res, ((size_t)p->n_out + 1) * sizeof *res);
    if (s == GEN_OK) *tr = t;
    else gen_trace_release(t);
    return s;
}

/* Element i of a score term (one value, or one per particle). */
static inline double term(const gen_array *a, int64_t i) {
    const double *d = a->data;
    return a->size == 1 ? d[0] : d[i];
}

/* The score (factors, then every record, as dsl_totals adds them) and regenerate's weight
 * (new factors, plus new - old of every kept record, less the old factors), per particle. */
static gen_status regen_totals(const gen_prog *p, const gen_ctx *ctx, const dsl_data *old, int64_t n, bool old_mark,
                               gen_array **score, gen_array **weight) {
    int64_t m = n ? n : 1;
    gen_array *sa = arr_alloc("regenerate", GEN_F64, n ? 1 : 0, &n), *wa = arr_alloc("regenerate", GEN_F64, n ? 1 : 0, &n);
    if (!sa || !wa) {
        if (sa) gen_array_release(sa);
        if (wa) gen_array_release(wa);
        return dsl_pending_or_oom();
    }
    sa->batched = wa->batched = old_mark; /* as the dynamic path's sums come out */
    double *sd = sa->data, *wd = wa->data;
    const gen_array *nf = ctx->data.factors, *of = old->factors;
    for (int64_t i = 0; i < m; i++) {
        double s = nf ? term(nf, i) : 0.0, w = s;
        for (int r = 0; r < p->n_rec; r++) {
            double sc = term(ctx->data.recs[r].score, i);
            s += sc;
            if (!p->rec[r].drawn) w += sc - term(old->recs[r].score, i);
        }
        if (of) w -= term(of, i);
        sd[i] = s;
        wd[i] = w;
    }
    *score = arr_publish(sa);
    *weight = arr_publish(wa);
    return GEN_OK;
}

static gen_status regen_trace(const gen_prog *p, const gen_trace *tr, gen_key key, const cons_list *cons,
                              gen_trace **out, gen_array **weight, gen_diff *retdiff) {
    const dsl_data *old = tr->data;
    gen_array **res = core_calloc((size_t)p->n_out + 1, sizeof *res);
    gen_status s = res ? run_code(p, key, cons, res) : GEN_ERR_OOM;
    gen_ctx ctx = {0};
    ctx.n = tr->batch;
    if (s == GEN_OK) s = fill_records(p, res, cons, old, &ctx);
    gen_array *ret = tr->retval, *score = NULL, *w = NULL;
    if (s == GEN_OK) {
        if (p->ret_out >= 0) ret = res[p->ret_out];
        else if (p->ret_rec >= 0) ret = ctx.data.recs[p->ret_rec].value;
        s = regen_totals(p, &ctx, old, tr->batch, gen_array_is_batched(tr->score), &score, &w);
    }
    gen_trace *t = NULL;
    if (s == GEN_OK) s = dsl_new_trace(tr->gf, &ctx, &tr->args, ret, NULL, score, &t);
    if (s == GEN_OK && weight && !(*weight = gen_scope_return(w))) s = dsl_pending_or_oom();
    if (s == GEN_OK && retdiff) *retdiff = ret == tr->retval ? gen_diff_no_change() : gen_diff_unknown();
    dsl_ctx_free(&ctx);
    core_free(res, ((size_t)p->n_out + 1) * sizeof *res);
    if (s == GEN_OK) *out = t;
    else gen_trace_release(t);
    return s;
}

/* ---- the entry points ---- */

/* The program under key (made on first sight), a new reference, or NULL. */
static gen_prog *prog_get(const char *key, size_t kn, const gen_gf *f, const gen_args *args, bool regen,
                          const backend *dev) {
    bool found = false;
    gen_prog *p = cg_cache_find(&cache, key, kn, &found);
    if (!found) {
        p = core_calloc(1, sizeof *p);
        if (p) {
            atomic_store(&p->refs, 1);
            p->regen = regen;
            p->dev = dev;
        }
        cg_cache_put(&cache, key, kn, p ? prog_retain(p) : NULL, f, args);
    }
    gen_error_clear();
    return p;
}

/* Whether p has code to run: builds it (once, by one thread) when it turns hot. */
static bool prog_ready(gen_prog *p, int64_t hot, const gen_gf *f, gen_key key, const gen_args *args,
                       const cons_list *cons, int n_rec) {
    if (!p) return false;
    if (atomic_load(&p->state) == 0 && atomic_fetch_add(&p->uses, 1) + 1 >= hot) {
        int expected = 0;
        if (atomic_compare_exchange_strong(&p->state, &expected, 1)) {
            build(p, f, key, args, cons, n_rec);
            atomic_store(&p->state, 2);
        }
    }
    return atomic_load(&p->state) == 2 && (p->fn || p->lp);
}

/* Whether p constrains every record (assess's case: it draws nothing). */
static bool draws_nothing(const gen_prog *p) {
    for (int i = 0; i < p->n_rec; i++)
        if (p->rec[i].drawn) return false;
    return true;
}

/* Batched generate, or (assess) its weight and return value when it draws nothing. */
/* Whether a run uses a device (a default device, or an argument there): the C programs
 * are host code, so such runs take the dynamic path, whose ops run on the device, unless
 * the default device runs lane programs (a GPU: batched generate runs one there). */
static bool on_a_device(const gen_args *args) {
    if (gen_device_default() != GEN_DEVICE_CPU) return true;
    for (int i = 0; args && i < args->n; i++)
        if (args->v[i] && gen_array_device(args->v[i]) != GEN_DEVICE_CPU) return true;
    return false;
}

static bool graph_generate(const gen_gf *f, gen_key key, const gen_args *args, const gen_choicemap *constraints,
                           bool assess, gen_trace **tr, gen_array **weight, gen_array **retval, gen_status *st) {
    int64_t n = gen_batch_size();
    const backend *dev = arr_creation_backend(); /* a device: the arrays of this run live there */
    /* a user pointer (a custom proposal's current trace) is read by the body as it runs:
     * a capture would bake what it points to into the program, and the cache knows it by
     * address only, which a later object may reuse, so such calls stay dynamic */
    if (n < 1 || building || ad_capture_depth || ad_active() || !gen_compile_enabled() || (args && args->user) ||
        (dev->host ? on_a_device(args) : !cg_lane_prog_supports(dev)))
        return false;
    cons_list cons;
    if (!cons_collect(constraints, dev, &cons)) return false;
    size_t kn = 0;
    char *key_bytes = call_key(f, args, n, &cons, NULL, NULL, dev, &kn);
    gen_prog *p = key_bytes ? prog_get(key_bytes, kn, f, args, false, dev) : NULL;
    core_free(key_bytes, kn);
    bool done = false;
    /* on a device at once: its dynamic path is no cheaper than compiling (cached on disk) */
    int64_t hot = n >= GEN_BIG || !dev->host ? 1 : GEN_HOT;
    if (prog_ready(p, hot, f, key, args, &cons, -1) && (!assess || draws_nothing(p))) {
        gen_status s = gen_scope_begin();
        gen_trace *t = NULL;
        gen_array *w = NULL;
        if (s == GEN_OK) {
            s = generate_trace(p, f, key, args, &cons, n, &t, &w);
            if (s == GEN_OK && weight && !(*weight = gen_scope_return(w))) s = dsl_pending_or_oom();
            gen_array *ret = t ? (gen_array *)gen_trace_retval(t) : NULL;
            if (s == GEN_OK && retval && ret && !(*retval = gen_scope_return(ret))) s = dsl_pending_or_oom();
            gen_scope_end();
        }
        done = true;
        *st = s;
        if (s == GEN_OK && tr && !(*tr = gfi_trace_publish(t))) *st = GEN_ERR_OOM;
        else if (!tr || s != GEN_OK) gen_trace_release(t);
    }
    prog_release(p);
    cons_free(&cons);
    if (!done) gen_error_clear(); /* a failed run's error is the caller's */
    return done;
}

bool dsl_graph_generate(const gen_gf *f, gen_key key, const gen_args *args, const gen_choicemap *constraints,
                        gen_trace **tr, gen_array **weight, gen_status *st) {
    return graph_generate(f, key, args, constraints, false, tr, weight, NULL, st);
}

bool dsl_graph_assess(const gen_gf *f, const gen_args *args, const gen_choicemap *choices, gen_array **weight,
                      gen_array **retval, gen_status *st) {
    return graph_generate(f, gen_key_new(0), args, choices, true, NULL, weight, retval, st);
}

bool dsl_graph_regenerate(const gen_trace *tr, gen_key key, const gen_args *args, const gen_selection *sel,
                          gen_trace **new_tr, gen_array **weight, gen_diff *retdiff, gen_status *st) {
    const dsl_data *d = tr->data;
    if (building || ad_capture_depth || ad_active() || !gen_compile_enabled() || !d || d->n < 1 ||
        d->n > GEN_MAX_RECORDS || gen_batch_size() != tr->batch || on_a_device(args))
        return false;
    static const gen_args none = {0, NULL, NULL};
    if (!args) args = &none;
    if (args->n != tr->args.n || args->user || tr->args.user) return false; /* user pointers: see graph_generate */
    for (int i = 0; i < args->n; i++) /* the same arrays: an argdiff of no change is not proof */
        if (args->v[i] != tr->args.v[i]) return false;
    cons_list cons = {0};
    bool *selected = core_calloc((size_t)d->n + 1, sizeof *selected);
    bool ok = cons_alloc(&cons, d->n) && selected, any = false;
    for (int64_t i = 0; i < d->n && ok; i++) {
        const dsl_rec *r = &d->recs[i];
        ok = !r->sub && r->value && !gen_array_is_tuple(r->value) && gen_array_device(r->value) == GEN_DEVICE_CPU &&
             gen_array_dtype(r->score) == GEN_F64;
        if (ok && (selected[i] = gen_selection_contains(sel, &r->addr))) any = true;
        else if (ok) {
            cons.addr[cons.n] = r->addr;
            cons.val[cons.n++] = r->value;
        }
    }
    ok = ok && any && (!d->factors || gen_array_dtype(d->factors) == GEN_F64);
    size_t kn = 0;
    char *key_bytes = ok ? call_key(tr->gf, args, tr->batch, &cons, d, selected, arr_default_backend(), &kn) : NULL;
    gen_prog *p = key_bytes ? prog_get(key_bytes, kn, tr->gf, args, true, arr_default_backend()) : NULL;
    core_free(key_bytes, kn);
    bool done = false;
    if (prog_ready(p, REGEN_HOT, tr->gf, key, args, &cons, (int)d->n)) {
        gen_status s = gen_scope_begin();
        gen_trace *t = NULL;
        if (s == GEN_OK) {
            s = regen_trace(p, tr, key, &cons, &t, weight, retdiff);
            gen_scope_end();
        }
        done = true;
        *st = s;
        if (s == GEN_OK && !(*new_tr = gfi_trace_publish(t))) *st = GEN_ERR_OOM;
    }
    prog_release(p);
    core_free(selected, ((size_t)d->n + 1) * sizeof *selected);
    cons_free(&cons);
    if (!done) gen_error_clear(); /* a failed run's error is the caller's */
    return done;
}
