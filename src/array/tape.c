/* tape.c — recording op applications on tapes and propagating cotangents (reverse
 * mode) or tangents (forward mode). Rules are written with public array ops, so the
 * backward pass is itself recorded by any enclosing transform: that is how nested
 * transforms (grad of grad, jvp of grad) work. */
#include <stdio.h>
#include <string.h>

#include "autodiff_int.h"
#include "backend_api.h"

#define AD_MAX_DEPTH 32
#define AD_LEAF ((op_id)-1)
#define AD_CHECK ((op_id)-2) /* a capture tape's parameter check (ad_capture_check) */
#define AD_SMALL_LISTS 6  /* in + 2 out pointers of most nodes (binary ops, small fused ones) */
#define AD_INLINE_NODES 96 /* nodes stored in the tape's own block before it grows */

typedef struct ad_node {
    op_id op; /* or AD_LEAF */
    int n_in, n_out;
    gen_array **in;  /* retained */
    gen_array **out; /* retained */
    gen_array **cot; /* accumulated output cotangents (owned by the backward scope) */
    bool has_p;      /* p holds the op's parameters; else it had none (op_no_params) */
    op_params p;
    gen_array *small[AD_SMALL_LISTS]; /* the lists when they fit (no allocation) */
} ad_node;

/* Links come from chunks owned by their tape (one allocation per 64 links instead of
 * one per link); every link of a tape is unlinked before the tape frees its chunks,
 * because the tape holds a reference to every array that carries one. */
#define LINK_CHUNK 64
typedef struct link_chunk {
    struct link_chunk *next;
    int used;
    ad_link links[LINK_CHUNK];
} link_chunk;

/* A tape, its first link chunk and its first nodes are one block from the large-block
 * cache (core_alloc_large): a gradient evaluation allocates nothing else per node
 * until it outgrows them. */
struct ad_tape {
    bool forward, enabled;
    bool capture;       /* records every op on what depends on its leaves (ad_capture_push) */
    char *refusal;      /* capture: why the graph cannot stand for the run (owned), or NULL */
    int32_t refused_at; /* capture: the node whose value was read on the host (-1: none) */
    size_t site_from;   /* capture: the first node ad_capture_site has not named yet */
    ad_node *nodes; /* inline_nodes, or a heap block once grown */
    size_t n, cap;
    core_ptrvec linked; /* forward mode: arrays carrying a tangent link (retained) */
    link_chunk *chunks; /* the last one is first_chunk */
    link_chunk first_chunk;
    ad_node inline_nodes[AD_INLINE_NODES];
};

_Thread_local int ad_depth;
_Thread_local int ad_capture_depth;
static _Thread_local ad_tape *stack[AD_MAX_DEPTH];

/* ---- links ---- */

static ad_link *link_find(const gen_array *a, const ad_tape *t) {
    for (ad_link *l = a->ad; l; l = l->next)
        if (l->tape == t) return l;
    return NULL;
}

static ad_link *link_add(gen_array *a, ad_tape *t) {
    if (!t->chunks || t->chunks->used == LINK_CHUNK) {
        link_chunk *c = core_alloc(sizeof *c);
        if (!c) return NULL;
        c->next = t->chunks;
        c->used = 0;
        t->chunks = c;
    }
    ad_link *l = &t->chunks->links[t->chunks->used++];
    *l = (ad_link){.tape = t, .next = a->ad};
    a->ad = l;
    return l;
}

static void link_remove(gen_array *a, const ad_tape *t) {
    for (ad_link **pl = &a->ad; *pl; pl = &(*pl)->next) {
        if ((*pl)->tape == t) {
            ad_link *l = *pl;
            *pl = l->next;
            gen_array_release(l->tangent); /* the link's memory belongs to the tape */
            return;
        }
    }
}

void ad_links_free(gen_array *a) {
    while (a->ad) { /* the memory belongs to the links' tapes */
        ad_link *l = a->ad;
        a->ad = l->next;
        gen_array_release(l->tangent);
    }
}

/* ---- tapes ---- */

ad_tape *ad_tape_push(bool forward) {
    if (ad_depth == AD_MAX_DEPTH) {
        GEN_FAIL(GEN_ERR_MISUSE, "autodiff: more than %d nested transforms", AD_MAX_DEPTH);
        return NULL;
    }
    ad_tape *t = core_alloc_large(sizeof *t);
    if (!t) return NULL;
    t->forward = forward;
    t->enabled = true;
    t->capture = false;
    t->refusal = NULL;
    t->refused_at = -1;
    t->site_from = 0;
    t->nodes = t->inline_nodes;
    t->n = 0;
    t->cap = AD_INLINE_NODES;
    t->linked = (core_ptrvec){0};
    t->first_chunk.next = NULL;
    t->first_chunk.used = 0;
    t->chunks = &t->first_chunk;
    stack[ad_depth++] = t;
    return t;
}

/* A node's three lists share one block: in[n_in], out[n_out], cot[n_out]. */
static size_t node_lists_bytes(int n_in, int n_out) {
    return (size_t)(n_in + 2 * n_out) * sizeof(gen_array *);
}

static void node_free(ad_tape *t, ad_node *nd) {
    for (int j = 0; j < nd->n_out; j++) {
        link_remove(nd->out[j], t);
        gen_array_release(nd->out[j]);
    }
    for (int i = 0; i < nd->n_in; i++) gen_array_release(nd->in[i]);
    if (nd->in != nd->small) core_free(nd->in, node_lists_bytes(nd->n_in, nd->n_out));
    if (nd->op == AD_CHECK) core_free(nd->p.payload, sizeof(ad_check));
}

void ad_tape_pop(ad_tape *t) {
    /* Transforms are strictly nested, so t is the top of the stack. */
    if (ad_depth > 0 && stack[ad_depth - 1] == t) ad_depth--;
    if (t->capture) ad_capture_depth--;
    core_free(t->refusal, t->refusal ? strlen(t->refusal) + 1 : 0);
    for (size_t k = 0; k < t->n; k++) node_free(t, &t->nodes[k]);
    if (t->nodes != t->inline_nodes) core_free(t->nodes, t->cap * sizeof *t->nodes);
    for (size_t k = 0; k < t->linked.len; k++) {
        link_remove(t->linked.items[k], t);
        gen_array_release(t->linked.items[k]);
    }
    core_ptrvec_free(&t->linked);
    while (t->chunks != &t->first_chunk) {
        link_chunk *c = t->chunks;
        t->chunks = c->next;
        core_free(c, sizeof *c);
    }
    core_free_large(t, sizeof *t);
}

/* Not under a capture: a fused row stands for its formula only where its VJP may then
 * compute in plain C, and a capture records every op in public form. */
bool ad_single_reverse(void) {
    return ad_depth == 1 && !stack[0]->forward && stack[0]->enabled && !stack[0]->capture;
}

/* Capture tapes keep recording: what runs unrecorded carries no gradient, but it is still
 * part of the computation a graph must reproduce. */
unsigned ad_pause_all(void) {
    unsigned token = 0;
    for (int d = 0; d < ad_depth; d++) {
        if (stack[d]->capture) continue;
        if (stack[d]->enabled) token |= 1u << d;
        stack[d]->enabled = false;
    }
    return token;
}

void ad_resume_all(unsigned token) {
    for (int d = 0; d < ad_depth; d++)
        if (!stack[d]->capture) stack[d]->enabled = (token >> d) & 1u;
}

/* The parameters a node's rules see. */
static inline const op_params *node_params(const ad_node *nd) { return nd->has_p ? &nd->p : &op_no_params; }

/* Appends a node with copies of the argument lists (retaining every array). */
static ad_node *node_push(ad_tape *t, op_id op, int n_in, gen_array *const *in, int n_out,
                          gen_array *const *out) {
    if (t->n == t->cap) {
        size_t ncap = 2 * t->cap;
        ad_node *nn = core_alloc(ncap * sizeof *nn);
        if (!nn) return NULL;
        memcpy(nn, t->nodes, t->n * sizeof *nn);
        for (size_t k = 0; k < t->n; k++) /* inline lists moved with their nodes */
            if (nn[k].in == t->nodes[k].small) {
                nn[k].in = nn[k].small;
                nn[k].out = nn[k].small + nn[k].n_in;
                nn[k].cot = nn[k].small + nn[k].n_in + nn[k].n_out;
            }
        if (t->nodes != t->inline_nodes) core_free(t->nodes, t->cap * sizeof *nn);
        t->nodes = nn;
        t->cap = ncap;
    }
    ad_node *nd = &t->nodes[t->n];
    nd->has_p = false;
    bool small = n_in + 2 * n_out <= AD_SMALL_LISTS;
    gen_array **lists = small ? nd->small : core_alloc(node_lists_bytes(n_in, n_out));
    if (!lists) return NULL;
    nd->in = lists;
    nd->out = lists + n_in;
    nd->cot = lists + n_in + n_out;
    for (int j = 0; j < n_out; j++) {
        nd->cot[j] = NULL; /* here, not in a loop of its own (which compiles to a memset call) */
        ad_link *l = link_add(out[j], t);
        if (!l) {
            for (int k = 0; k < j; k++) link_remove(out[k], t);
            if (!small) core_free(lists, node_lists_bytes(n_in, n_out));
            return NULL;
        }
        l->node = (int32_t)t->n;
        l->out_index = j;
    }
    nd->op = op;
    nd->n_in = n_in;
    nd->n_out = n_out;
    for (int i = 0; i < n_in; i++) nd->in[i] = arr_retain(in[i]);
    for (int j = 0; j < n_out; j++) nd->out[j] = arr_retain(out[j]);
    t->n++;
    return nd;
}

/* Leaves are fresh headers made by an op (reshape to the same shape), so transforms
 * enclosing this one still see them as functions of the primal. */
gen_array *ad_leaf(ad_tape *t, const gen_array *primal) {
    /* A primal no tape tracks needs no recorded reshape: a plain view will do. */
    gen_array *v = primal->ad || primal->batched ? gen_reshape(primal, primal->ndim, primal->shape)
                                                 : arr_publish(arr_view(primal, primal->ndim, primal->shape));
    if (!v) return NULL;
    v->batched = primal->batched; /* a physical reshape drops the mark outside batched mode */
    return node_push(t, AD_LEAF, 0, NULL, 1, &v) ? v : NULL; /* v stays owned by the scope */
}

gen_array *ad_tangent_leaf(ad_tape *t, const gen_array *primal, gen_array *tangent) {
    gen_array *v = gen_reshape(primal, primal->ndim, primal->shape);
    if (v) v->batched = primal->batched;
    if (!v || !tangent) return v;
    ad_link *l = link_add(v, t);
    if (!l) return NULL;
    if (core_ptrvec_push(&t->linked, v) != GEN_OK) {
        link_remove(v, t);
        return NULL;
    }
    l->tangent = gen_array_retain(tangent);
    gen_array_retain(v);
    return v;
}

gen_array *ad_tangent_of(ad_tape *t, const gen_array *a) {
    ad_link *l = link_find(a, t);
    return l ? l->tangent : NULL;
}

/* ---- recording ---- */

/* Casts and broadcasts a tangent to out's dtype and shape. Published. */
static gen_array *fit_tangent(gen_array *tan, const gen_array *out) {
    if (tan->dtype != out->dtype) tan = gen_cast(tan, (gen_dtype)out->dtype);
    if (tan && (tan->ndim != out->ndim ||
                memcmp(tan->shape, out->shape, out->ndim * sizeof *out->shape)))
        tan = gen_broadcast_to(tan, out->ndim, out->shape);
    return tan;
}

static gen_status record_forward(ad_tape *t, const op_call *c) {
    op_id op = c->op;
    int n_in = c->n_in;
    gen_array *const *in = c->in;
    gen_array *out = c->out;
    gen_array *tans_small[4], **tans = tans_small;
    if (n_in > 4) {
        tans = core_alloc((size_t)n_in * sizeof *tans);
        if (!tans) return GEN_ERR_OOM;
    }
    bool any = false;
    for (int i = 0; i < n_in; i++) {
        tans[i] = ad_tangent_of(t, in[i]);
        any |= tans[i] != NULL;
    }
    gen_status st = GEN_OK;
    if (any) {
        t->enabled = false;
        gen_scope_begin();
        const backend *saved = arr_creation_follow(out);
        gen_array *tan = op_table[op].jvp(c, tans);
        arr_creation_restore(saved);
        if (tan && c->n_out > 1) { /* forward mode carries one tangent per node */
            tan = NULL;
            GEN_FAIL(GEN_ERR_NOGRAD, "%s: no forward-mode rule for its %d outputs", op_table[op].name, c->n_out);
        }
        if (tan) tan = fit_tangent(tan, out);
        if (tan) gen_array_retain(tan);
        gen_scope_end();
        t->enabled = true;
        ad_link *l = tan ? link_add(out, t) : NULL;
        if (l) l->tangent = tan; /* the link owns it from here: link_remove releases it */
        if (!l || core_ptrvec_push(&t->linked, out) != GEN_OK) {
            if (l) link_remove(out, t);
            else gen_array_release(tan);
            st = core_error_pending() ? core_error_pending() : GEN_ERR_OOM;
        } else {
            gen_array_retain(out);
        }
    }
    if (tans != tans_small) core_free(tans, (size_t)n_in * sizeof *tans);
    return st;
}

/* Whether any output is float (integer/bool results carry no gradient). */
static bool any_float(const op_call *c) {
    for (int j = 0; j < c->n_out; j++)
        if (arr_is_float(c->outs[j]->dtype)) return true;
    return false;
}

/* Whether an argument of c depends on t's leaves. */
static bool depends_on(const ad_tape *t, const op_call *c) {
    for (int i = 0; i < c->n_in; i++)
        if (link_find(c->in[i], t)) return true;
    return false;
}

/* Capture tapes record every op that depends on their leaves, whatever its dtype or
 * gradient: a comparison feeding a where is part of the graph. */
static gen_status record_capture(const op_call *c) {
    for (int d = 0; d < ad_depth; d++) {
        ad_tape *t = stack[d];
        if (!t->capture || !depends_on(t, c)) continue;
        ad_node *nd = node_push(t, c->op, c->n_in, c->in, c->n_out, c->outs);
        if (!nd) return GEN_ERR_OOM;
        if ((nd->has_p = c->p != &op_no_params)) nd->p = *c->p;
    }
    return GEN_OK;
}

gen_status ad_record(const op_call *c) {
    if (CORE_UNLIKELY(ad_capture_depth)) {
        gen_status st = record_capture(c);
        if (st != GEN_OK) return st;
    }
    if (c->n_out == 1 ? !arr_is_float(c->out->dtype) : !any_float(c)) return GEN_OK;
    if (op_table[c->op].vjp == op_zero_vjp) return GEN_OK; /* constant: nothing to record */
    for (int d = 0; d < ad_depth; d++) {
        ad_tape *t = stack[d];
        if (!t->enabled || t->capture) continue;
        if (t->forward) {
            gen_status st = record_forward(t, c);
            if (st != GEN_OK) return st;
            continue;
        }
        bool depends = false;
        for (int i = 0; i < c->n_in && !depends; i++) depends = link_find(c->in[i], t) != NULL;
        if (!depends) continue;
        ad_node *nd = node_push(t, c->op, c->n_in, c->in, c->n_out, c->outs);
        if (!nd) return GEN_ERR_OOM;
        /* most ops take no parameters: skip copying the (large) empty block */
        if ((nd->has_p = c->p != &op_no_params)) nd->p = *c->p;
    }
    return GEN_OK;
}

/* ---- reverse pass ---- */

bool ad_recording(void) {
    for (int d = 0; d < ad_depth; d++)
        if (stack[d]->enabled) return true;
    return false;
}

/* ---- capture (the compile layer's graphs) ---- */

ad_tape *ad_capture_push(void) {
    ad_tape *t = ad_tape_push(false);
    if (!t) return NULL;
    t->capture = true;
    ad_capture_depth++;
    return t;
}

gen_array *ad_capture_leaf(ad_tape *t, const gen_array *primal) {
    gen_array *v = arr_publish(arr_view(primal, primal->ndim, primal->shape));
    if (!v) return NULL;
    return node_push(t, AD_LEAF, 0, NULL, 1, &v) ? v : NULL;
}

size_t ad_tape_size(const ad_tape *t) { return t->n; }

ad_node_view ad_tape_node(const ad_tape *t, size_t k) {
    const ad_node *nd = &t->nodes[k];
    return (ad_node_view){nd->op == AD_LEAF ? AD_VIEW_LEAF : nd->op == AD_CHECK ? AD_VIEW_CHECK : AD_VIEW_OP,
                          nd->op, nd->n_in, nd->in, nd->n_out, nd->out, node_params(nd)};
}

bool ad_tape_link(const ad_tape *t, const gen_array *a, int32_t *node, int32_t *out_index) {
    const ad_link *l = link_find(a, t);
    if (!l) return false;
    *node = l->node;
    *out_index = l->out_index;
    return true;
}

const char *ad_capture_refusal(const ad_tape *t, int32_t *node) {
    *node = t->refused_at;
    return t->refusal;
}

/* The innermost capture tape a depends on, or NULL. */
static ad_tape *captured_by(const gen_array *a) {
    for (int d = ad_depth; d-- > 0;)
        if (stack[d]->capture && link_find(a, stack[d])) return stack[d];
    return NULL;
}

bool ad_captured_slow(const gen_array *a) { return captured_by(a) != NULL; }

void ad_capture_refuse(const gen_array *a, const char *what) {
    ad_tape *t = captured_by(a);
    if (!t || t->refusal) return; /* the first reason is the one to report */
    size_t n = strlen(what) + 1;
    if (!(t->refusal = core_alloc(n))) {
        t->refusal = NULL;
        return;
    }
    memcpy(t->refusal, what, n);
    const ad_link *l = link_find(a, t);
    t->refused_at = l->node;
}

void ad_capture_refuse_all(const char *what) {
    for (int d = ad_depth; d-- > 0;) {
        ad_tape *t = stack[d];
        if (!t->capture || t->refusal) continue;
        size_t n = strlen(what) + 1;
        if ((t->refusal = core_alloc(n))) memcpy(t->refusal, what, n);
        t->refused_at = -1;
    }
}

void ad_capture_site(const char *site) {
    for (int d = ad_depth; d-- > 0;) {
        ad_tape *t = stack[d];
        if (!t->capture) continue;
        for (size_t k = t->site_from; k < t->n; k++)
            if (t->nodes[k].op == AD_CHECK) {
                ad_check *c = t->nodes[k].p.payload;
                if (!c->site[0]) snprintf(c->site, sizeof c->site, "%s", site);
            }
        t->site_from = t->n;
        return;
    }
}

gen_status ad_capture_check(const gen_array *a, const gen_array *b, const ad_check *check) {
    ad_tape *t = captured_by(a);
    if (!t && b) t = captured_by(b);
    if (!t) return GEN_OK;
    ad_check *copy = core_alloc(sizeof *copy);
    if (!copy) return GEN_ERR_OOM;
    *copy = *check;
    gen_array *in[2] = {(gen_array *)a, (gen_array *)b};
    ad_node *nd = node_push(t, AD_CHECK, b ? 2 : 1, in, 0, NULL);
    if (!nd) {
        core_free(copy, sizeof *copy);
        return GEN_ERR_OOM;
    }
    nd->has_p = true;
    nd->p = op_no_params;
    nd->p.payload = copy;
    return GEN_OK;
}

gen_array *ad_sum_to(gen_array *g, gen_dtype dtype, int ndim, const int64_t *shape) {
    if (!g) return NULL;
    if (ndim == 0 && g->ndim > 0 && g->dtype == GEN_F64 && dtype == GEN_F64 && !ad_recording() && arr_on_host(g)) {
        /* the common broadcast scalar parameter, nothing recording (backward runs with
         * its tape disabled): sum in place of a reduction op, adding in the same order as
         * the sum kernel */
        const double *x = gen_array_data(g);
        double acc = 0.0;
        for (int64_t i = 0; i < g->size; i++) acc += x[i];
        return gen_scalar(acc);
    }
    if (g->ndim != ndim || !arr_same_axes(g->shape, shape, ndim)) {
        int axes[GEN_MAX_DIMS], naxes = 0;
        int lead = g->ndim - ndim;
        if (lead < 0) { /* a lower-rank cotangent: broadcast it up */
            g = gen_broadcast_to(g, ndim, shape);
        } else {
            for (int i = 0; i < g->ndim; i++)
                if (i < lead || (shape[i - lead] == 1 && g->shape[i] != 1)) axes[naxes++] = i;
            if (ndim == 0) { /* down to a scalar: every axis summed, no reshape needed */
                g = gen_sum(g, naxes, axes, false);
            } else {
                if (naxes) g = gen_sum(g, naxes, axes, true);
                if (g) g = gen_reshape(g, ndim, shape);
                if (g && arr_shape_size(ndim, shape) != g->size) g = gen_broadcast_to(g, ndim, shape);
            }
        }
    }
    if (g && g->dtype != dtype) g = gen_cast(g, dtype);
    return g;
}

/* cot += g for output j of node k (g already fits the output). */
static gen_status accumulate(ad_node *nd, int j, gen_array *g) {
    if (!g) return core_error_pending() ? core_error_pending() : GEN_ERR_INTERNAL;
    const gen_array *o = nd->out[j];
    g = ad_sum_to(g, (gen_dtype)o->dtype, o->ndim, o->shape);
    if (!g) return core_error_pending();
    nd->cot[j] = nd->cot[j] ? gen_add(nd->cot[j], g) : g;
    return nd->cot[j] ? GEN_OK : core_error_pending();
}

static gen_status accumulate_into(ad_tape *t, const gen_array *a, gen_array *g) {
    ad_link *l = link_find(a, t);
    if (!l) return GEN_OK; /* a constant: its cotangent is not needed */
    return accumulate(&t->nodes[l->node], l->out_index, g);
}

/* An OPX row: its rule gives every argument's cotangent from every output's. */
static gen_status backward_all(ad_tape *t, ad_node *nd) {
    const op_info *info = &op_table[nd->op];
    gen_status st = GEN_OK;
    gen_array *cots_small[8] = {0}, *cin_small[8] = {0}; /* the usual few: no heap */
    gen_array **cots = nd->n_out <= 8 ? cots_small : core_calloc((size_t)nd->n_out, sizeof *cots);
    gen_array **cin = nd->n_in <= 8 ? cin_small : core_calloc((size_t)nd->n_in, sizeof *cin);
    if (!cots || !cin) st = GEN_ERR_OOM;
    for (int j = 0; st == GEN_OK && j < nd->n_out; j++) {
        cots[j] = nd->cot[j] ? nd->cot[j]
                             : gen_zeros((gen_dtype)nd->out[j]->dtype, nd->out[j]->ndim,
                                         nd->out[j]->shape);
        if (!cots[j]) st = core_error_pending();
    }
    if (st == GEN_OK) {
        const op_call c = {nd->op, nd->n_in, nd->in, node_params(nd), nd->out[0], nd->n_out, nd->out};
        st = info->vjp_all(&c, cots, cin);
        if (st != GEN_OK && !core_error_pending()) GEN_FAIL(st, "%s: VJP rule failed", info->name);
    }
    for (int i = 0; st == GEN_OK && i < nd->n_in; i++)
        if (cin[i]) st = accumulate_into(t, nd->in[i], cin[i]);
    if (cots != cots_small) core_free(cots, (size_t)nd->n_out * sizeof *cots);
    if (cin != cin_small) core_free(cin, (size_t)nd->n_in * sizeof *cin);
    return st;
}

static gen_status backward_op(ad_tape *t, ad_node *nd) {
    const op_info *info = &op_table[nd->op];
    const op_call c = {nd->op, nd->n_in, nd->in, node_params(nd), nd->out[0], nd->n_out, nd->out};
    for (int i = 0; i < nd->n_in; i++) {
        if (!link_find(nd->in[i], t)) continue;
        gen_array *g = info->vjp(&c, i, nd->cot[0]);
        if (!g) {
            gen_status st = core_error_pending();
            return st ? st : GEN_FAIL(GEN_ERR_INTERNAL, "%s: VJP rule failed", info->name);
        }
        const gen_array *a = nd->in[i];
        g = ad_sum_to(g, (gen_dtype)a->dtype, a->ndim, a->shape);
        gen_status st = g ? accumulate_into(t, a, g) : core_error_pending();
        if (st != GEN_OK) return st;
    }
    return GEN_OK;
}

gen_status ad_backward(ad_tape *t, int n_out, gen_array *const *outs, gen_array *const *cots,
                       int n_leaves, gen_array *const *leaves, gen_array **leaf_cot) {
    gen_status st = GEN_OK;
    t->enabled = false;
    for (int j = 0; j < n_out && st == GEN_OK; j++)
        if (cots[j]) st = accumulate_into(t, outs[j], cots[j]);
    for (size_t k = t->n; k-- > 0 && st == GEN_OK;) {
        ad_node *nd = &t->nodes[k];
        if (nd->op == AD_LEAF) continue;
        bool any = false;
        for (int j = 0; j < nd->n_out; j++) any |= nd->cot[j] != NULL;
        if (!any) continue;
        const backend *saved = arr_creation_follow(nd->out[0]);
        st = op_table[nd->op].vjp_all ? backward_all(t, nd) : backward_op(t, nd);
        arr_creation_restore(saved);
    }
    for (int i = 0; i < n_leaves && st == GEN_OK; i++) {
        const gen_array *a = leaves[i];
        ad_link *l = link_find(a, t);
        gen_array *g = l ? t->nodes[l->node].cot[0] : NULL;
        const backend *saved = arr_creation_follow(a);
        leaf_cot[i] = g ? g : gen_zeros((gen_dtype)a->dtype, a->ndim, a->shape);
        arr_creation_restore(saved);
        if (!leaf_cot[i]) st = core_error_pending();
    }
    t->enabled = true;
    return st;
}
