/* generate_graph.c — batched generate in compiled code (DESIGN decision 10, level 2, for
 * importance sampling and SMC): a dynamic function's generate at N particles, captured
 * with the key and the constraint values as leaves and each draw as one DRAW op (the
 * family's own sampler at the key folded with the address: dist_draw_op), so the code
 * draws exactly what the dynamic path draws. The program of one call shape (function,
 * arguments by identity, constraint addresses, dtypes and shapes, N) is compiled once the
 * shape has been seen GEN_HOT times; then each call runs it and builds the batched trace
 * from its outputs: the same trace, scores and weight as the dynamic path for the same
 * key. Models with calls, masked constraints, or distributions whose draw has no compiled
 * form stay on the dynamic path. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../dsl/dsl_accel.h"
#include "../dsl/dsl_int.h"
#include "cache.h"
#include "cgfn.h"
#include "genc/compile.h"

#define GEN_HOT 2
#define GEN_CACHE 16
#define GEN_MAX_CONSTRAINTS 1024
#define GEN_MAX_RECORDS 4096

typedef struct rec_plan {
    gen_addr addr;
    int value_out;  /* its output, or -1: the constraint value_cons as given */
    int value_cons;
    int score_out;
    int weight_out; /* -1: none */
} rec_plan;

typedef struct gen_prog {
    _Atomic int refs;
    _Atomic int64_t uses;
    _Atomic int state; /* 0: not built, 1: building, 2: built (fn, or none) */
    cg_fn *fn;
    int n_cons;
    int n_rec;
    rec_plan *rec;
    int factors_out, ret_out, ret_rec, ret_arg; /* -1: not that kind */
    int score_out, weight_out;
    int n_out;
    bool *out_batched;
} gen_prog;

static void prog_free(gen_prog *p) {
    cg_fn_free(p->fn);
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
    int n;
    gen_addr *addr;
    const gen_array **val;
} cons_list;

static void cons_free(cons_list *c) {
    core_free(c->addr, ((size_t)c->n + 1) * sizeof *c->addr);
    core_free(c->val, ((size_t)c->n + 1) * sizeof *c->val);
}

/* The constraints in iteration order; false when one cannot be an input of the code (a
 * mask, a tuple, an array off the host) or there are too many. */
static bool cons_collect(const gen_choicemap *m, cons_list *c) {
    int64_t n = gen_choicemap_count(m);
    *c = (cons_list){0};
    if (n > GEN_MAX_CONSTRAINTS) return false;
    c->addr = core_alloc(((size_t)n + 1) * sizeof *c->addr);
    c->val = core_alloc(((size_t)n + 1) * sizeof *c->val);
    if (!c->addr || !c->val) {
        cons_free(c);
        gen_error_clear();
        return false;
    }
    gen_choicemap_iter it;
    gen_choicemap_iter_init(&it, m);
    while (gen_choicemap_iter_next(&it)) {
        if (it.mask || c->n >= n || gen_array_is_tuple(it.value) || gen_array_device(it.value) != GEN_DEVICE_CPU) {
            c->n = (int)n;
            cons_free(c);
            return false;
        }
        c->addr[c->n] = it.addr;
        c->val[c->n++] = it.value;
    }
    return c->n == n;
}

/* The key: function, arguments (identity), N, and each constraint's address, dtype,
 * shape and particle-axis mark. */
static char *call_key(const gen_gf *f, const gen_args *args, int64_t n, const cons_list *c, size_t *len) {
    int na = args ? args->n : 0;
    size_t size = sizeof(void *) * (size_t)(3 + na) + sizeof(int64_t) * 2 +
                  (size_t)c->n * (sizeof(gen_addr) + sizeof(int) * 3 + sizeof(int64_t) * GEN_MAX_DIMS);
    char *k = core_calloc(1, size), *p = k;
    if (!k) return NULL;
#define PUT(x) (memcpy(p, &(x), sizeof(x)), p += sizeof(x))
    PUT(f);
    PUT(n);
    PUT(na);
    for (int i = 0; i < na; i++) PUT(args->v[i]);
    void *user = args ? args->user : NULL;
    PUT(user);
    for (int i = 0; i < c->n; i++) {
        const gen_array *v = c->val[i];
        PUT(c->addr[i].len);
        memcpy(p, c->addr[i].parts, (size_t)c->addr[i].len * sizeof *c->addr[i].parts);
        p += (size_t)c->addr[i].len * sizeof *c->addr[i].parts;
        int dt = (int)gen_array_dtype(v), nd = gen_array_ndim(v), b = gen_array_is_batched(v);
        PUT(dt);
        PUT(nd);
        PUT(b);
        for (int d = 0; d < nd; d++) PUT(gen_array_shape(v)[d]);
    }
#undef PUT
    *len = (size_t)(p - k);
    return k;
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
    gen_choicemap_builder *b = gen_choicemap_builder_new();
    gen_status s = b ? GEN_OK : GEN_ERR_OOM;
    for (int i = 0; i < c->cons->n && s == GEN_OK; i++) s = gen_choicemap_builder_set(b, &c->cons->addr[i], in[1 + i]);
    gen_choicemap *cm = s == GEN_OK ? gen_choicemap_builder_finish(b) : NULL;
    if (b) gen_choicemap_builder_free(b);
    if (s == GEN_OK && !cm) s = core_error_pending() ? core_error_pending() : GEN_ERR_OOM;
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
        p->n_out = k;
        if (!(p->out_batched = core_calloc((size_t)k + 1, sizeof *p->out_batched))) s = GEN_ERR_OOM;
        for (int j = 0; s == GEN_OK && j < k; j++) p->out_batched[j] = gen_array_is_batched(out[j]);
    }
    return s;
}

/* Captures and compiles p for this call shape (f's trace t0 from the dynamic path gives
 * the record count). False: it stays on the dynamic path. */
static bool build(gen_prog *p, const gen_gf *f, gen_key key, const gen_args *args, const gen_choicemap *constraints,
                  const cons_list *cons) {
    gen_trace *t0 = NULL;
    if (gen_scope_begin() != GEN_OK) return false;
    building = true;
    gen_status s = gen_generate(f, key, args, constraints, &t0, NULL);
    building = false;
    const dsl_data *d0 = s == GEN_OK ? t0->data : NULL;
    int64_t n_rec64 = d0 ? d0->n : -1;
    gen_scope_end();
    if (n_rec64 < 0 || n_rec64 > GEN_MAX_RECORDS) return false;
    int n_rec = (int)n_rec64;
    if (!(p->rec = core_calloc((size_t)n_rec + 1, sizeof *p->rec))) return false;
    p->n_rec = n_rec;
    p->n_cons = cons->n;
    int n_in = 1 + cons->n, n_out = 3 * n_rec + 4;
    gen_array **like = core_calloc((size_t)n_in + 1, sizeof *like);
    if (!like) return false;
    like[0] = gen_array_from(GEN_I64, 1, (const int64_t[]){2}, key.k);
    for (int i = 0; i < cons->n; i++) like[1 + i] = (gen_array *)cons->val[i];
    capture_call c = {f, key, args, cons, n_rec, p};
    cg_refusal why;
    char msg[600] = "";
    cg_graph *g = like[0] ? cg_capture((gen_closure){generate_fn, &c}, n_in, like, n_out, NULL, NULL, &why) : NULL;
    if (!g) snprintf(msg, sizeof msg, "%s", why.msg[0] ? why.msg : gen_error_message());
    core_free(like, ((size_t)n_in + 1) * sizeof *like);
    cg_graph *sel = g ? cg_graph_with_outputs(g, p->n_out, g->outputs) : NULL;
    cg_graph_free(g);
    char fwhy[400] = "";
    p->fn = sel ? cg_fn_from_graph("batched generate", sel, fwhy, sizeof fwhy) : NULL;
    if (!p->fn && !msg[0]) snprintf(msg, sizeof msg, "%s", fwhy[0] ? fwhy : gen_error_message());
    if (!p->fn && getenv("GENC_COMPILE_VERBOSE"))
        fprintf(stderr, "genc: %s: batched generate not compiled: %s\n", gen_gf_name(f), msg);
    gen_error_clear();
    return p->fn != NULL;
}

/* ---- running ---- */

static gen_status run(const gen_prog *p, const gen_gf *f, gen_key key, const gen_args *args, const cons_list *cons,
                      int64_t n, gen_trace **tr, gen_array **weight) {
    const cg_graph *g = p->fn->g;
    const void *small_in[16];
    void *small_out[32];
    const void **in = cons->n + 1 <= 16 ? small_in : core_alloc(((size_t)cons->n + 1) * sizeof *in);
    void **out = p->n_out <= 32 ? small_out : core_alloc((size_t)p->n_out * sizeof *out);
    gen_array **res = core_calloc((size_t)p->n_out + 1, sizeof *res);
    gen_status s = in && out && res ? GEN_OK : GEN_ERR_OOM;
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
    if (s == GEN_OK) s = cg_fn_run(p->fn, in, out);
    gen_ctx ctx = {0};
    ctx.n = n;
    if (s == GEN_OK && !(ctx.data.recs = core_calloc((size_t)p->n_rec + 1, sizeof *ctx.data.recs))) s = GEN_ERR_OOM;
    ctx.data.cap = p->n_rec + 1;
    for (int i = 0; i < p->n_rec && s == GEN_OK; i++) {
        const rec_plan *rp = &p->rec[i];
        dsl_rec *r = &ctx.data.recs[i];
        r->addr = rp->addr;
        r->value = dsl_keep(rp->value_out >= 0 ? res[rp->value_out] : cons->val[rp->value_cons]);
        r->score = dsl_keep(res[rp->score_out]);
        r->weight = rp->weight_out >= 0 ? dsl_keep(res[rp->weight_out]) : NULL;
        ctx.data.n = i + 1;
    }
    if (s == GEN_OK && p->factors_out >= 0) ctx.data.factors = dsl_keep(res[p->factors_out]);
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
    if (in != small_in) core_free((void *)in, ((size_t)cons->n + 1) * sizeof *in);
    if (out != small_out) core_free(out, (size_t)p->n_out * sizeof *out);
    core_free(res, ((size_t)p->n_out + 1) * sizeof *res);
    if (s == GEN_OK) *tr = t;
    else gen_trace_release(t);
    return s;
}

bool dsl_graph_generate(const gen_gf *f, gen_key key, const gen_args *args, const gen_choicemap *constraints,
                        gen_trace **tr, gen_array **weight, gen_status *st) {
    int64_t n = gen_batch_size();
    if (n < 1 || building || ad_capture_depth || ad_active() || !gen_compile_enabled()) return false;
    cons_list cons;
    if (!cons_collect(constraints, &cons)) return false;
    size_t kn = 0;
    char *key_bytes = call_key(f, args, n, &cons, &kn);
    bool found = false, done = false;
    gen_prog *p = key_bytes ? cg_cache_find(&cache, key_bytes, kn, &found) : NULL;
    if (key_bytes && !found) {
        p = core_calloc(1, sizeof *p);
        if (p) atomic_store(&p->refs, 1);
        cg_cache_put(&cache, key_bytes, kn, p ? prog_retain(p) : NULL, f, args);
    }
    core_free(key_bytes, kn);
    gen_error_clear();
    if (p && atomic_load(&p->state) == 0 && atomic_fetch_add(&p->uses, 1) + 1 >= GEN_HOT) {
        int expected = 0;
        if (atomic_compare_exchange_strong(&p->state, &expected, 1)) {
            build(p, f, key, args, constraints, &cons);
            atomic_store(&p->state, 2);
        }
    }
    if (p && atomic_load(&p->state) == 2 && p->fn) {
        gen_status s = gen_scope_begin();
        gen_trace *t = NULL;
        if (s == GEN_OK) {
            int64_t saved = gen_batch_suspend();
            s = run(p, f, key, args, &cons, n, &t, weight);
            gen_batch_resume(saved);
            gen_scope_end();
        }
        done = true;
        *st = s;
        if (s == GEN_OK && !(*tr = gfi_trace_publish(t))) *st = GEN_ERR_OOM;
    }
    prog_release(p);
    cons_free(&cons);
    return done;
}
