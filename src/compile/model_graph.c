/* model_graph.c — level 1 of the compilation ladder (src/dsl/dsl_accel.h): a dynamic
 * function's graph over all its choices, captured by running generate with every choice
 * constrained to a capture leaf. Its outputs are each choice's score, the factor total
 * and the return value; from the graph, the outputs each choice reaches. An edit of some
 * choices runs a compiled function of only the outputs they reach (one per pattern of
 * reached outputs, made on first use), so only the choices downstream of what changed
 * are revisited. Graphs are cached per function, arguments and trace structure. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../dsl/dsl_accel.h"
#include "../dsl/dsl_int.h"
#include "cache.h"
#include "cgfn.h"
#include "genc/compile.h"

#define MODEL_PATTERNS 64
#define MODEL_CACHE 16
/* Uses of a pattern before it is compiled: until then its part of the graph runs op by op
 * (cg_interpret), which costs no compilation. */
#define MODEL_HOT 512

typedef struct pattern {
    uint64_t *bits; /* the outputs it computes */
    int n_out;
    int32_t *outs; /* their indices among the graph's outputs */
    cg_graph *sub; /* the graph of those outputs (pruned) */
    int64_t uses;
    cg_fn *fn; /* compiled once hot */
} pattern;

struct dsl_model {
    _Atomic int refs;
    cg_graph *g;
    int n_rec;
    int factors_out, ret_out; /* output indices, -1: none */
    int ret_rec;              /* the record whose value the return value is (-1: none) */
    bool ret_arg;             /* the return value is an argument or absent: never changes */
    int words;                /* uint64 words of an output bitset */
    uint64_t *deps;           /* per input: the outputs it reaches (words each) */
    pattern pat[MODEL_PATTERNS];
    int n_pat;
    pthread_mutex_t lock;
};

static void model_free(dsl_model *m) {
    for (int p = 0; p < m->n_pat; p++) {
        core_free(m->pat[p].bits, (size_t)m->words * sizeof(uint64_t));
        core_free(m->pat[p].outs, ((size_t)m->pat[p].n_out + 1) * sizeof(int32_t));
        cg_graph_free(m->pat[p].sub);
        cg_fn_free(m->pat[p].fn);
    }
    core_free(m->deps, ((size_t)m->n_rec * (size_t)m->words + 1) * sizeof(uint64_t));
    cg_graph_free(m->g);
    pthread_mutex_destroy(&m->lock);
    core_free(m, sizeof *m);
}

void dsl_model_release(dsl_model *m) {
    if (m && atomic_fetch_sub(&m->refs, 1) == 1) model_free(m);
}

/* ---- capture ---- */

typedef struct capture_call {
    const gen_trace *tr;
    bool has_factors, has_ret;
} capture_call;

/* generate with every choice constrained to its leaf: the scores, factors, return value. */
static gen_status model_fn(void *payload, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    const capture_call *c = payload;
    const dsl_data *d = c->tr->data;
    gen_choicemap_builder *b = gen_choicemap_builder_new();
    gen_status s = b ? GEN_OK : GEN_ERR_OOM;
    for (int i = 0; i < n_in && s == GEN_OK; i++) s = gen_choicemap_builder_set(b, &d->recs[i].addr, in[i]);
    gen_choicemap *cm = s == GEN_OK ? gen_choicemap_builder_finish(b) : NULL;
    if (b) gen_choicemap_builder_free(b);
    gen_trace *t = NULL;
    if (s == GEN_OK) s = cm ? gen_generate(c->tr->gf, gen_key_new(0), &c->tr->args, cm, &t, NULL) : GEN_ERR_OOM;
    const dsl_data *nd = t ? t->data : NULL;
    if (s == GEN_OK && (nd->n != n_in || !!nd->factors != c->has_factors))
        s = GEN_FAIL(GEN_ERR_UNSUPPORTED, "the model's structure changed under capture");
    for (int i = 0; i < n_in && s == GEN_OK; i++) {
        if (nd->recs[i].sub || !gen_addr_equal(&nd->recs[i].addr, &d->recs[i].addr))
            s = GEN_FAIL(GEN_ERR_UNSUPPORTED, "the model's structure changed under capture");
        else out[i] = nd->recs[i].score;
    }
    int k = n_in;
    if (s == GEN_OK && c->has_factors) out[k++] = nd->factors;
    if (s == GEN_OK && c->has_ret) out[k++] = t->retval;
    if (s == GEN_OK && k != n_out) s = GEN_FAIL(GEN_ERR_INTERNAL, "model graph: %d outputs, %d expected", k, n_out);
    return s;
}

/* Which outputs each input reaches: per value, the inputs it depends on, propagated in
 * node order; then transposed. */
static bool dependencies(dsl_model *m) {
    const cg_graph *g = m->g;
    int in_words = (g->n_inputs + 63) / 64;
    size_t vb = ((size_t)g->n_values + 1) * (size_t)in_words * sizeof(uint64_t);
    uint64_t *dep = core_calloc(1, vb);
    m->deps = core_calloc((size_t)m->n_rec * (size_t)m->words + 1, sizeof(uint64_t));
    if (!dep || !m->deps) {
        core_free(dep, vb);
        return false;
    }
    for (int i = 0; i < g->n_inputs; i++) dep[(size_t)g->inputs[i] * (size_t)in_words + (size_t)i / 64] |= 1ull << (i % 64);
    for (int32_t k = 0; k < g->n_nodes; k++) {
        const cg_node *nd = &g->nodes[k];
        for (int j = 0; j < nd->n_out; j++)
            for (int i = 0; i < nd->n_in; i++)
                for (int w = 0; w < in_words; w++)
                    dep[(size_t)nd->out[j] * (size_t)in_words + (size_t)w] |= dep[(size_t)nd->in[i] * (size_t)in_words + (size_t)w];
    }
    for (int o = 0; o < g->n_outputs; o++)
        for (int i = 0; i < g->n_inputs; i++)
            if (dep[(size_t)g->outputs[o] * (size_t)in_words + (size_t)i / 64] >> (i % 64) & 1)
                m->deps[(size_t)i * (size_t)m->words + (size_t)o / 64] |= 1ull << (o % 64);
    core_free(dep, vb);
    return true;
}

static dsl_model *model_new(const gen_trace *tr) {
    const dsl_data *d = tr->data;
    int n = (int)d->n;
    /* the return value: a choice's value or an argument keeps its identity (as the body
     * would return that very array); a tuple cannot be a graph output */
    int ret_rec = -1;
    bool ret_arg = !tr->retval;
    for (int i = 0; i < n && tr->retval && ret_rec < 0; i++)
        if (d->recs[i].value == tr->retval) ret_rec = i;
    for (int i = 0; i < tr->args.n && tr->retval; i++) ret_arg |= tr->args.v[i] == tr->retval;
    if (ret_rec < 0 && !ret_arg && gen_array_is_tuple(tr->retval)) return NULL;
    capture_call c = {tr, d->factors != NULL, ret_rec < 0 && !ret_arg};
    int n_out = n + c.has_factors + c.has_ret;
    dsl_model *m = core_calloc(1, sizeof *m);
    if (!m) return NULL;
    atomic_store(&m->refs, 1);
    pthread_mutex_init(&m->lock, NULL);
    m->n_rec = n;
    m->factors_out = c.has_factors ? n : -1;
    m->ret_out = c.has_ret ? n + c.has_factors : -1;
    m->ret_rec = ret_rec;
    m->ret_arg = ret_arg;
    m->words = (n_out + 63) / 64;
    gen_array **like = core_calloc((size_t)n + 1, sizeof *like);
    for (int i = 0; like && i < n; i++) like[i] = d->recs[i].value;
    cg_refusal why;
    core_error_saved saved;
    core_error_save(&saved);
    m->g = like ? cg_capture((gen_closure){model_fn, &c}, n, like, n_out, NULL, NULL, &why) : NULL;
    if (!m->g && getenv("GENC_COMPILE_VERBOSE"))
        fprintf(stderr, "genc: %s: no model graph: %s\n", gen_gf_name(tr->gf), why.msg[0] ? why.msg : gen_error_message());
    core_error_restore(&saved);
    core_free(like, ((size_t)n + 1) * sizeof *like);
    if (!m->g || !dependencies(m)) {
        model_free(m);
        return NULL;
    }
    for (int o = 0; o < n; o++) /* scores must be f64 numbers */
        if (m->g->values[m->g->outputs[o]].size != 1 || m->g->values[m->g->outputs[o]].dtype != GEN_F64) {
            model_free(m);
            return NULL;
        }
    return m;
}

/* ---- the cache ---- */

static void *model_retain(void *m) {
    atomic_fetch_add(&((dsl_model *)m)->refs, 1);
    return m;
}

static void model_release(void *m) { dsl_model_release(m); }

static cg_cache_entry entries[MODEL_CACHE];
static cg_cache cache = CG_CACHE_INIT(entries, model_retain, model_release);

void cg_model_cache_clear(void) { cg_cache_clear(&cache); }

/* The key: function, arguments (identity), and each record's address, dtype and shape. */
static char *model_key(const gen_trace *tr, size_t *n) {
    const dsl_data *d = tr->data;
    size_t size = sizeof(void *) * (size_t)(2 + tr->args.n) + sizeof(int) +
                  (size_t)d->n * (sizeof(gen_addr) + sizeof(int) * 2 + sizeof(int64_t) * GEN_MAX_DIMS);
    char *k = core_calloc(1, size), *p = k;
    if (!k) return NULL;
#define PUT(x) (memcpy(p, &(x), sizeof(x)), p += sizeof(x))
    PUT(tr->gf);
    PUT(tr->args.n);
    for (int i = 0; i < tr->args.n; i++) PUT(tr->args.v[i]);
    PUT(tr->args.user);
    for (int64_t i = 0; i < d->n; i++) {
        const dsl_rec *r = &d->recs[i];
        PUT(r->addr.len);
        memcpy(p, r->addr.parts, (size_t)r->addr.len * sizeof *r->addr.parts);
        p += (size_t)r->addr.len * sizeof *r->addr.parts;
        int dt = r->value ? (int)gen_array_dtype(r->value) : -1, nd = r->value ? gen_array_ndim(r->value) : -1;
        PUT(dt);
        PUT(nd);
        for (int a = 0; a < nd; a++) PUT(gen_array_shape(r->value)[a]);
    }
#undef PUT
    *n = (size_t)(p - k);
    char *fit = core_realloc(k, size, *n); /* the cache frees it at its length */
    if (!fit) core_free(k, size);
    return fit;
}

dsl_model *dsl_model_get(const gen_trace *tr) {
    if (!gen_compile_enabled() || tr->batch || tr->gf->vt != &dsl_vtable) return NULL;
    const dsl_data *d = tr->data;
    if (!d || d->n < 1 || d->n > 100000) return NULL;
    for (int64_t i = 0; i < d->n; i++)
        if (d->recs[i].sub || !d->recs[i].value || gen_array_is_tuple(d->recs[i].value)) return NULL;
    size_t kn = 0;
    char *key = model_key(tr, &kn);
    if (!key) {
        gen_error_clear();
        return NULL;
    }
    bool found; /* a model that does not capture is cached as NULL: it is tried once */
    dsl_model *m = cg_cache_find(&cache, key, kn, &found);
    if (!found) {
        m = model_new(tr);
        cg_cache_put(&cache, key, kn, m ? model_retain(m) : NULL, tr->gf, &tr->args);
    }
    core_free(key, kn);
    gen_error_clear();
    return m;
}

/* ---- evaluation ---- */

/* The pattern of the outputs in bits (made on first use; compiled once hot), or NULL.
 * *fn gets its compiled function when it has one. */
static pattern *pattern_get(dsl_model *m, const uint64_t *bits, cg_fn **fn) {
    pthread_mutex_lock(&m->lock);
    pattern *found = NULL;
    for (int p = 0; p < m->n_pat && !found; p++)
        if (!memcmp(m->pat[p].bits, bits, (size_t)m->words * sizeof *bits)) found = &m->pat[p];
    if (!found && m->n_pat < MODEL_PATTERNS) {
        pattern *p = &m->pat[m->n_pat];
        int n = 0;
        for (int o = 0; o < m->g->n_outputs; o++) n += (int)(bits[o / 64] >> (o % 64) & 1);
        p->bits = core_alloc((size_t)m->words * sizeof *bits);
        p->outs = core_alloc(((size_t)n + 1) * sizeof *p->outs);
        int32_t *vals = core_alloc(((size_t)n + 1) * sizeof *vals);
        if (p->bits && p->outs && vals) {
            memcpy(p->bits, bits, (size_t)m->words * sizeof *bits);
            p->n_out = 0;
            for (int o = 0; o < m->g->n_outputs; o++)
                if (bits[o / 64] >> (o % 64) & 1) {
                    vals[p->n_out] = m->g->outputs[o];
                    p->outs[p->n_out++] = o;
                }
            p->sub = cg_graph_with_outputs(m->g, p->n_out, vals);
            if (p->sub && cg_graph_prune(p->sub) != GEN_OK) {
                cg_graph_free(p->sub);
                p->sub = NULL;
            }
        }
        core_free(vals, ((size_t)n + 1) * sizeof *vals);
        if (p->sub) {
            found = p;
            m->n_pat++;
        } else {
            core_free(p->bits, (size_t)m->words * sizeof *bits);
            core_free(p->outs, ((size_t)n + 1) * sizeof *p->outs);
            *p = (pattern){0};
        }
    }
    if (found && !found->fn && ++found->uses == MODEL_HOT) {
        cg_graph *copy = cg_graph_with_outputs(found->sub, found->n_out, found->sub->outputs);
        char why[400];
        found->fn = copy ? cg_fn_from_graph("model graph", copy, why, sizeof why) : NULL;
        gen_error_clear();
    }
    *fn = found ? found->fn : NULL;
    pthread_mutex_unlock(&m->lock);
    return found;
}

gen_status dsl_model_eval(dsl_model *m, gen_array *const *values, const bool *changed, gen_array **scores,
                          gen_array **factors, gen_array **retval) {
    const cg_graph *g = m->g;
    *factors = *retval = NULL;
    for (int i = 0; i < m->n_rec; i++) scores[i] = NULL;
    for (int i = 0; i < g->n_inputs; i++) {
        const cg_value *v = &g->values[g->inputs[i]];
        const gen_array *a = values[i];
        if (gen_array_dtype(a) != v->dtype || gen_array_ndim(a) != v->ndim || gen_array_device(a) != GEN_DEVICE_CPU ||
            (v->ndim && memcmp(gen_array_shape(a), v->shape, (size_t)v->ndim * sizeof *v->shape)))
            return GEN_ERR_UNSUPPORTED;
    }
    uint64_t small[4] = {0}, *bits = m->words <= 4 ? small : core_calloc((size_t)m->words, sizeof *bits);
    if (!bits) return GEN_ERR_OOM;
    bool any = false;
    for (int i = 0; i < m->n_rec; i++)
        if (changed[i]) {
            any = true;
            for (int w = 0; w < m->words; w++) bits[w] |= m->deps[(size_t)i * (size_t)m->words + (size_t)w];
        }
    gen_status s = GEN_OK;
    cg_fn *fn = NULL;
    const pattern *p = any ? pattern_get(m, bits, &fn) : NULL;
    if (bits != small) core_free(bits, (size_t)m->words * sizeof *bits);
    if (!any) return GEN_OK;
    if (!p) return GEN_ERR_UNSUPPORTED;
    gen_array **res = core_calloc((size_t)p->n_out + 1, sizeof *res);
    const void **in = NULL;
    void **out = NULL;
    if (!res) s = GEN_ERR_OOM;
    else if (!fn) s = cg_interpret(p->sub, values, res); /* cold: op by op */
    else if (!(in = core_alloc(((size_t)g->n_inputs + 1) * sizeof *in)) ||
             !(out = core_alloc(((size_t)p->n_out + 1) * sizeof *out)))
        s = GEN_ERR_OOM;
    if (s == GEN_OK && fn) { /* compiled: into new arrays */
        for (int i = 0; i < g->n_inputs; i++) in[i] = gen_array_data(values[i]);
        for (int j = 0; s == GEN_OK && j < p->n_out; j++) {
            const cg_value *v = &g->values[g->outputs[p->outs[j]]];
            if (!(res[j] = gen_zeros(v->dtype, v->ndim, v->shape))) s = core_error_pending();
            else out[j] = (void *)gen_array_data(res[j]);
        }
        if (s == GEN_OK) s = cg_fn_run(fn, in, out);
    }
    for (int j = 0; s == GEN_OK && j < p->n_out; j++) {
        int o = p->outs[j];
        if (o < m->n_rec) scores[o] = res[j];
        else if (o == m->factors_out) *factors = res[j];
        else *retval = res[j];
    }
    if (s == GEN_OK && m->ret_rec >= 0 && changed[m->ret_rec]) *retval = values[m->ret_rec];
    if (s != GEN_OK) {
        for (int i = 0; i < m->n_rec; i++) scores[i] = NULL;
        *factors = *retval = NULL;
    }
    core_free(in, ((size_t)g->n_inputs + 1) * sizeof *in);
    core_free(out, ((size_t)p->n_out + 1) * sizeof *out);
    core_free(res, ((size_t)p->n_out + 1) * sizeof *res);
    return s;
}
