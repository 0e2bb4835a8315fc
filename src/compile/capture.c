/* capture.c — a function's static graph, captured by running it once on leaves that a
 * capture tape tracks (autodiff_int.h): every op applied to what depends on them is a
 * node, everything else it reads is a constant, and a host read of a tracked value (a
 * branch on it) refuses the capture with a message naming the inputs it came from. */
#include <stdio.h>
#include <string.h>

#include "graph.h"

static bool grow(void **items, int32_t *cap, int32_t need, size_t size) {
    if (need <= *cap) return true;
    int32_t nc = *cap ? *cap : 16;
    while (nc < need) nc *= 2;
    void *p = core_realloc(*items, (size_t)*cap * size, (size_t)nc * size);
    if (!p) return false;
    *items = p;
    *cap = nc;
    return true;
}

static int32_t add_value(cg_graph *g, cg_vkind kind, const gen_array *a, int32_t index, int32_t out) {
    if (!grow((void **)&g->values, &g->cap_values, g->n_values + 1, sizeof *g->values)) return -1;
    cg_value *v = &g->values[g->n_values];
    memset(v, 0, sizeof *v);
    v->kind = kind;
    v->dtype = (gen_dtype)a->dtype;
    v->ndim = a->ndim;
    v->size = a->size;
    memcpy(v->shape, a->shape, (size_t)a->ndim * sizeof *a->shape);
    v->index = index;
    v->out = out;
    return g->n_values++;
}

/* Constants seen so far: array -> value id, open addressing (capture's own). */
typedef struct const_map {
    const gen_array **keys;
    int32_t *vals;
    size_t cap, n;
} const_map;

static _Thread_local const_map *cmap;

static size_t ptr_hash(const void *p) {
    uint64_t x = (uint64_t)(uintptr_t)p;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    return (size_t)(x ^ (x >> 33));
}

static int32_t map_find(const const_map *m, const gen_array *a) {
    if (!m || !m->cap) return -1;
    for (size_t i = ptr_hash(a) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        if (m->keys[i] == a) return m->vals[i];
        if (!m->keys[i]) return -1;
    }
}

static bool map_put(const_map *m, const gen_array *a, int32_t v) {
    if (2 * (m->n + 1) > m->cap) {
        size_t nc = m->cap ? 2 * m->cap : 64;
        const gen_array **nk = core_calloc(nc, sizeof *nk);
        int32_t *nv = core_alloc(nc * sizeof *nv);
        if (!nk || !nv) {
            core_free(nk, nc * sizeof *nk);
            core_free(nv, nc * sizeof *nv);
            return false;
        }
        for (size_t i = 0; i < m->cap; i++)
            if (m->keys[i]) {
                size_t j = ptr_hash(m->keys[i]) & (nc - 1);
                while (nk[j]) j = (j + 1) & (nc - 1);
                nk[j] = m->keys[i];
                nv[j] = m->vals[i];
            }
        core_free(m->keys, m->cap * sizeof *m->keys);
        core_free(m->vals, m->cap * sizeof *m->vals);
        m->keys = nk;
        m->vals = nv;
        m->cap = nc;
    }
    size_t j = ptr_hash(a) & (m->cap - 1);
    while (m->keys[j]) j = (j + 1) & (m->cap - 1);
    m->keys[j] = a;
    m->vals[j] = v;
    m->n++;
    return true;
}

static void map_free(const_map *m) {
    core_free(m->keys, m->cap * sizeof *m->keys);
    core_free(m->vals, m->cap * sizeof *m->vals);
    *m = (const_map){0};
}

/* The value id of a constant (one per distinct array). */
static int32_t const_value(cg_graph *g, const gen_array *a) {
    int32_t found = map_find(cmap, a);
    if (found >= 0) return found;
    if (!grow((void **)&g->consts, &g->cap_consts, g->n_consts + 1, sizeof *g->consts)) return -1;
    int32_t v = add_value(g, CG_CONST, a, g->n_consts, 0);
    if (v < 0 || (cmap && !map_put(cmap, a, v))) return -1;
    g->consts[g->n_consts++] = gen_array_retain((gen_array *)a);
    return v;
}

void cg_graph_free(cg_graph *g) {
    if (!g) return;
    for (int32_t k = 0; k < g->n_nodes; k++) core_free(g->nodes[k].in, ((size_t)g->nodes[k].n_in + 1) * sizeof(int32_t));
    for (int32_t c = 0; c < g->n_consts; c++) gen_array_release(g->consts[c]);
    core_free(g->values, (size_t)g->cap_values * sizeof *g->values);
    core_free(g->nodes, (size_t)g->cap_nodes * sizeof *g->nodes);
    core_free(g->consts, (size_t)g->cap_consts * sizeof *g->consts);
    core_free(g->inputs, ((size_t)g->n_inputs + 1) * sizeof *g->inputs);
    core_free(g->outputs, ((size_t)g->n_outputs + 1) * sizeof *g->outputs);
    core_free(g, sizeof *g);
}

/* Maps the tape's nodes to values: per tape node, the value id of its first output. */
typedef struct tape_map {
    int32_t *first; /* tape node -> value id of output 0, or -1 */
    size_t n;
} tape_map;

static int32_t value_of(cg_graph *g, const ad_tape *t, const tape_map *m, const gen_array *a) {
    int32_t node, out;
    if (ad_tape_link(t, a, &node, &out)) return m->first[node] < 0 ? -1 : m->first[node] + out;
    return const_value(g, a);
}

static gen_status add_node(cg_graph *g, const ad_tape *t, tape_map *m, size_t k) {
    ad_node_view nv = ad_tape_node(t, k);
    if (nv.kind == AD_VIEW_LEAF) return GEN_OK; /* set up by the caller */
    if (nv.n_out > OP_MAX_OUT)
        return GEN_FAIL(GEN_ERR_UNSUPPORTED, "capture: %s: %d outputs", op_table[nv.op].name, nv.n_out);
    if (!grow((void **)&g->nodes, &g->cap_nodes, g->n_nodes + 1, sizeof *g->nodes)) return GEN_ERR_OOM;
    cg_node *nd = &g->nodes[g->n_nodes];
    memset(nd, 0, sizeof *nd);
    nd->kind = nv.kind == AD_VIEW_CHECK ? CG_CHECK : CG_OP;
    nd->op = nv.op;
    nd->p = *nv.p;
    if (nd->kind == CG_CHECK) {
        nd->check = *(const ad_check *)nv.p->payload;
        nd->p.payload = NULL;
    }
    if (!(nd->in = core_alloc(((size_t)nv.n_in + 1) * sizeof *nd->in))) return GEN_ERR_OOM;
    nd->n_in = nv.n_in;
    for (int i = 0; i < nv.n_in; i++) {
        int32_t v = value_of(g, t, m, nv.in[i]);
        if (v < 0) {
            core_free(nd->in, ((size_t)nd->n_in + 1) * sizeof *nd->in);
            return core_error_pending() ? core_error_pending() : GEN_ERR_OOM;
        }
        nd->in[i] = v;
    }
    int32_t id = g->n_nodes++;
    nd = &g->nodes[id]; /* add_value below may move nothing here, but keep the pointer fresh */
    for (int j = 0; j < nv.n_out; j++) {
        int32_t v = add_value(g, CG_NODE, nv.out[j], id, j);
        if (v < 0) return GEN_ERR_OOM;
        g->nodes[id].out[j] = v;
        if (j == 0) m->first[k] = v;
    }
    g->nodes[id].n_out = nv.n_out;
    return GEN_OK;
}

/* The inputs a value depends on, as a bit per input (at most 64 named). */
static void inputs_of(const cg_graph *g, int32_t v, bool *seen_nodes, bool *hit) {
    const cg_value *x = &g->values[v];
    if (x->kind == CG_INPUT) {
        hit[x->index] = true;
        return;
    }
    if (x->kind != CG_NODE || seen_nodes[x->index]) return;
    seen_nodes[x->index] = true;
    const cg_node *nd = &g->nodes[x->index];
    for (int i = 0; i < nd->n_in; i++) inputs_of(g, nd->in[i], seen_nodes, hit);
}

static void refusal_message(const cg_graph *g, int32_t v, const char *what, cg_input_namer namer, void *np,
                            cg_refusal *why) {
    char names[320] = "";
    size_t used = 0;
    int named = 0;
    bool *seen = core_calloc((size_t)g->n_nodes + 1, sizeof *seen);
    bool *hit = core_calloc((size_t)g->n_inputs + 1, sizeof *hit);
    if (seen && hit && v >= 0) inputs_of(g, v, seen, hit);
    for (int i = 0; i < g->n_inputs && hit && used < sizeof names - 1; i++) {
        if (!hit[i]) continue;
        char one[128];
        if (namer) namer(np, i, one, sizeof one);
        else snprintf(one, sizeof one, "input %d", i);
        int w = snprintf(names + used, sizeof names - used, "%s%s", named++ ? ", " : "", one);
        if (w > 0) used += (size_t)w;
    }
    core_free(seen, ((size_t)g->n_nodes + 1) * sizeof *seen);
    core_free(hit, ((size_t)g->n_inputs + 1) * sizeof *hit);
    snprintf(why->msg, sizeof why->msg,
             "%s read a value computed from %s on the host (control flow or a host computation that depends on "
             "a random choice); the model runs on the dynamic path",
             what, named ? names : "a random choice");
}

cg_graph *cg_capture(gen_closure f, int n_in, gen_array *const *in, int n_out, cg_input_namer namer,
                     void *namer_payload, cg_refusal *why) {
    why->msg[0] = 0;
    cg_graph *g = core_calloc(1, sizeof *g);
    if (!g) return NULL;
    g->inputs = core_calloc((size_t)n_in + 1, sizeof *g->inputs);
    g->outputs = core_calloc((size_t)n_out + 1, sizeof *g->outputs);
    g->n_inputs = n_in;
    g->n_outputs = n_out;
    gen_array *small_l[8], *small_o[8];
    gen_array **leaves = n_in <= 8 ? small_l : core_calloc((size_t)n_in, sizeof *leaves);
    gen_array **out = n_out <= 8 ? small_o : core_calloc((size_t)n_out, sizeof *out);
    tape_map m = {NULL, 0};
    gen_status st = g->inputs && g->outputs && leaves && out ? gen_scope_begin() : GEN_ERR_OOM;
    if (st != GEN_OK) goto fail_early;
    ad_tape *t = ad_capture_push();
    if (!t) st = core_error_pending() ? core_error_pending() : GEN_ERR_OOM;
    for (int i = 0; i < n_in && st == GEN_OK; i++)
        if (!(leaves[i] = ad_capture_leaf(t, in[i]))) st = core_error_pending();
    for (int j = 0; j < n_out; j++) out[j] = NULL;
    if (st == GEN_OK) {
        st = f.fn(f.payload, n_in, leaves, n_out, out);
        if (st != GEN_OK && !core_error_pending()) GEN_FAIL(st, "capture: the function returned %s", gen_status_name(st));
        for (int j = 0; j < n_out && st == GEN_OK; j++)
            if (!out[j] || out[j]->tuple)
                st = GEN_FAIL(GEN_ERR_CALLBACK, "capture: output %d is %s", j, out[j] ? "a tuple" : "NULL");
    }
    if (st == GEN_OK) {
        m.n = ad_tape_size(t);
        if (!(m.first = core_alloc(m.n * sizeof *m.first + 1))) st = GEN_ERR_OOM;
        for (size_t k = 0; k < m.n && st == GEN_OK; k++) m.first[k] = -1;
    }
    for (int i = 0; i < n_in && st == GEN_OK; i++) { /* the leaves are the tape's first nodes */
        int32_t node, o, v = add_value(g, CG_INPUT, leaves[i], i, 0);
        if (v < 0) st = GEN_ERR_OOM;
        else if (ad_tape_link(t, leaves[i], &node, &o)) m.first[node] = v;
        g->inputs[i] = v;
    }
    const_map consts = {0}, *outer = cmap; /* captures may nest (a compiled function captured) */
    cmap = &consts;
    for (size_t k = 0; k < m.n && st == GEN_OK; k++) st = add_node(g, t, &m, k);
    for (int j = 0; j < n_out && st == GEN_OK; j++)
        if ((g->outputs[j] = value_of(g, t, &m, out[j])) < 0) st = core_error_pending() ? core_error_pending() : GEN_ERR_OOM;
    cmap = outer;
    map_free(&consts);
    if (st == GEN_OK) {
        int32_t at;
        const char *what = ad_capture_refusal(t, &at);
        if (what) {
            refusal_message(g, at >= 0 && (size_t)at < m.n ? m.first[at] : -1, what, namer, namer_payload, why);
            st = GEN_ERR_UNSUPPORTED;
        }
    }
    gen_scope_end(); /* the leaves and temporaries, before the tape drops its references */
    if (t) ad_tape_pop(t);
    core_free(m.first, m.n * sizeof *m.first + 1);
fail_early:
    if (leaves != small_l) core_free(leaves, (size_t)n_in * sizeof *leaves);
    if (out != small_o) core_free(out, (size_t)n_out * sizeof *out);
    if (st != GEN_OK) {
        cg_graph_free(g);
        return NULL;
    }
    return g;
}
