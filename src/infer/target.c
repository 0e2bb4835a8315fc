/* target.c — a trace's selected continuous choices as a point in unconstrained space
 * (each mapped by its support's bijection), with the model's log density there (plus
 * the log-Jacobians), its gradient, and the trace at any point: what gradient-based
 * kernels move on. Built on the GFI's unconstrained assess (src/gfi/gfi_int.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "accel.h"
#include "genc/compile.h"
#include "infer_int.h"
#include "../gfi/gfi_int.h"

struct gen_target {
    gen_trace *tr;            /* retained */
    gen_selection *sel;       /* retained */
    gen_choicemap *template_; /* tr's choices with the selected float values unconstrained */
    gen_array *theta0;        /* retained: the trace's point */
    int64_t dim;
    /* The template's selected float values (deep order, as flatten takes them): their
     * absolute addresses, offsets in theta and template values (borrowed from
     * template_). An evaluation hands the model theta's slices through its evaluation
     * state (gfi_int.h) instead
     * of building a choice map (unflatten); table.n 0: unflatten is used. */
    gfi_uc_table table;
    int64_t *off;
    const gen_array **like;
    int64_t table_cap; /* slots of off and like */
    /* The compiled log density and gradient over the table's values (accel.h), or NULL
     * with the reason in note. */
    accel_fn *accel;
    char note[600];
    /* The compiled constrained values of a recorded selection (target_record_raw):
     * made on first use for rec (retained); tried once. */
    accel_fn *rec_accel;
    gen_selection *rec;
    bool rec_tried;
    /* Every selected choice maps by the identity (the last inverse run found): theta is
     * the values themselves. */
    bool identity;
};

static bool is_float(const gen_array *v) {
    return gen_array_dtype(v) == GEN_F64 || gen_array_dtype(v) == GEN_F32;
}

/* Runs assess of tr's function on choices in unconstrained mode; vals (NULL: none) are
 * the values of t->table's addresses. *hits: how many of them the run took (inverse:
 * how many selected float choices it transformed); *identity (may be NULL): whether
 * every one of those maps by the identity. */
static gen_status uc_assess(const gen_target *t, int mode, const gen_choicemap *choices,
                            gen_array *const *vals, gen_choicemap_builder *out, gen_array **w,
                            int64_t *hits, bool *identity) {
    gen_eval ev = {.mode = mode, .sel = t->sel, .out = out, .table = vals ? &t->table : NULL, .values = vals};
    gen_status s = gfi_assess_in(gen_trace_gf(t->tr), &ev, gen_trace_args(t->tr), choices, w, NULL);
    if (hits) *hits = mode == GEN_EVAL_INVERSE ? ev.seen : ev.hits;
    if (identity) *identity = ev.non_identity == 0;
    return s;
}

/* The selection must name only addresses tr has, contain only continuous (float) choices
 * and at least one: *n gets how many it contains. Errors name the address. */
static gen_status check_selected(const gen_trace *tr, const gen_selection *sel, int64_t *n) {
    const char *fn = "gen_target_new";
    *n = 0;
    gen_status s = gfi_check_selection(fn, tr, sel);
    if (s != GEN_OK) return s;
    const gen_choicemap *m = gen_trace_choices(tr);
    if (!m) return infer_pending();
    gen_choicemap_iter it;
    gen_choicemap_iter_init(&it, m);
    while (gen_choicemap_iter_next(&it)) {
        if (!gen_selection_contains(sel, &it.addr)) continue;
        if (!is_float(it.value)) {
            char buf[GEN_ADDR_FORMAT_MAX];
            gen_addr_format(&it.addr, buf, sizeof buf);
            return GEN_FAIL(GEN_ERR_VALUE, "%s: %s: %s is a discrete choice (%s), and gradient-based inference "
                            "moves continuous choices only: leave it out of the selection (e.g. with "
                            "gen_selection_complement)", fn, gen_gf_name(gen_trace_gf(tr)), buf,
                            gen_dtype_name(gen_array_dtype(it.value)));
        }
        (*n)++;
    }
    if (*n == 0)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: %s: the selection contains no continuous choice of the trace "
                        "(nothing to move)", fn, gen_gf_name(gen_trace_gf(tr)));
    return GEN_OK;
}

/* The n selected float choices, which an inverse run must have transformed every one
 * of: a generative function that ignores its evaluation state (genc/gf_impl.h) scores
 * its choices as given, so gradient-based kernels could not move them. */
static gen_status check_seen(const gen_trace *tr, int64_t n, int64_t seen) {
    if (n == seen) return GEN_OK;
    return GEN_FAIL(GEN_ERR_UNSUPPORTED, "%s: %lld of the %lld selected continuous choices were evaluated in "
                    "unconstrained space: a generative function in the model ignores its evaluation state "
                    "(genc/gf_impl.h: gen_eval_choice)", gen_gf_name(gen_trace_gf(tr)), (long long)seen, (long long)n);
}

/* Fills t's table from its template; left empty (unflatten is used) when the values
 * found do not add up to theta (so the two orders could differ) or on OOM. */
static void table_init(gen_target *t) {
    int64_t n = 0, cap = 0, sum = 0;
    gen_addr *addrs = NULL;
    gen_choicemap_iter it;
    gen_choicemap_iter_init(&it, t->template_);
    bool ok = true;
    while (ok && gen_choicemap_iter_next(&it)) {
        if (!is_float(it.value) || gen_array_size(it.value) == 0 || !gen_selection_contains(t->sel, &it.addr))
            continue;
        if (n == cap) {
            int64_t nc = cap ? 2 * cap : 8;
            gen_addr *na = core_realloc(addrs, (size_t)cap * sizeof *addrs, (size_t)nc * sizeof *addrs);
            const gen_array **nl = core_realloc(t->like, (size_t)cap * sizeof *t->like, (size_t)nc * sizeof *t->like);
            int64_t *no = core_realloc(t->off, (size_t)cap * sizeof *t->off, (size_t)nc * sizeof *t->off);
            if (na) addrs = na;
            if (nl) t->like = nl;
            if (no) t->off = no;
            ok = na && nl && no;
            if (!ok) { /* each block at its own size: the grown ones at nc */
                core_free(addrs, (size_t)(na ? nc : cap) * sizeof *addrs);
                core_free(t->like, (size_t)(nl ? nc : cap) * sizeof *t->like);
                core_free(t->off, (size_t)(no ? nc : cap) * sizeof *t->off);
                addrs = NULL;
                t->like = NULL;
                t->off = NULL;
                cap = 0;
                break;
            }
            for (int64_t k = cap; k < nc; k++) t->like[k] = NULL, t->off[k] = 0;
            cap = nc;
        }
        addrs[n] = it.addr;
        t->like[n] = it.value;
        t->off[n] = sum;
        sum += gen_array_size(it.value);
        n++;
    }
    if (ok && sum == t->dim && gfi_uc_table_init(&t->table, n, addrs) == GEN_OK && n) {
        t->table_cap = cap;
    } else {
        core_free(t->like, (size_t)cap * sizeof *t->like);
        core_free(t->off, (size_t)cap * sizeof *t->off);
        t->like = NULL;
        t->off = NULL;
        t->table = (gfi_uc_table){0};
    }
    core_free(addrs, (size_t)cap * sizeof *addrs);
    gen_error_clear(); /* an OOM here only means no table */
}

/* The table's values at theta: the slices unflatten would make (the same ops, so the
 * same gradients), into vals (t->table.n slots). */
static gen_status slot_values(const gen_target *t, const gen_array *theta, gen_array **vals) {
    for (int64_t k = 0; k < t->table.n; k++) {
        const gen_array *v = t->like[k];
        int64_t n = gen_array_size(v);
        gen_array *p = gen_slice(theta, 0, t->off[k], t->off[k] + n, 1);
        p = gen_reshape(p, gen_array_ndim(v), gen_array_shape(v));
        if (p && gen_array_dtype(p) != gen_array_dtype(v)) p = gen_cast(p, gen_array_dtype(v));
        if (!(vals[k] = p)) return infer_pending();
    }
    return GEN_OK;
}

/* Forward assess at theta: with the table when it serves (every value taken) and
 * nothing is recorded (out NULL), else with the unflattened map. In the current scope. */
static gen_status forward_at(const gen_target *t, const gen_array *theta, gen_choicemap_builder *out,
                             gen_array **w) {
    if (t->table.n && !out) {
        gen_array *small[16] = {0}, **vals = t->table.n <= 16 ? small : core_alloc((size_t)t->table.n * sizeof *vals);
        if (!vals) return GEN_ERR_OOM;
        int64_t hits = 0;
        gen_status s = slot_values(t, theta, vals);
        if (s == GEN_OK) s = uc_assess(t, GEN_EVAL_FORWARD, t->template_, vals, out, w, &hits, NULL);
        if (vals != small) core_free(vals, (size_t)t->table.n * sizeof *vals);
        if (s != GEN_OK || hits == t->table.n) return s;
    }
    gen_choicemap *c = gen_choicemap_unflatten(t->template_, t->sel, theta);
    return c ? uc_assess(t, GEN_EVAL_FORWARD, c, NULL, out, w, NULL, NULL) : infer_pending();
}

/* tr's choices with each value that u has replaced by u's. */
static gen_choicemap *with_values(const gen_choicemap *m, const gen_choicemap *u) {
    gen_choicemap_builder *b = gen_choicemap_builder_new();
    if (!b) return NULL;
    gen_choicemap_iter it;
    gen_choicemap_iter_init(&it, m);
    gen_status s = GEN_OK;
    while (s == GEN_OK && gen_choicemap_iter_next(&it)) {
        const gen_array *v = gen_choicemap_find(u, &it.addr);
        s = gen_choicemap_builder_set(b, &it.addr, v ? v : it.value);
    }
    gen_choicemap *out = s == GEN_OK ? gen_choicemap_builder_finish(b) : NULL;
    gen_choicemap_builder_free(b);
    return out;
}

/* The log density as a function of the table's values (one input each, slots_fn): the
 * model takes them straight from the evaluation state, so no op splits theta under the
 * tape. hits: how many it took. */
typedef struct slots_call {
    const gen_target *t;
    int64_t hits;
} slots_call;

static gen_status slots_fn(void *payload, int n_in, gen_array *const *in, int n_out, gen_array **out);

/* The table's values' log density and gradients, as one function for capture. */
static gen_status slots_value_grad_fn(void *payload, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)n_out;
    slots_call c = {payload, 0};
    gen_status s = gen_value_and_grad((gen_closure){slots_fn, &c}, n_in, in, &out[0], out + 1);
    if (s == GEN_OK && c.hits != n_in)
        s = GEN_FAIL(GEN_ERR_UNSUPPORTED, "the model took %lld of %d values from the table", (long long)c.hits, n_in);
    return s;
}

static void coordinate_name(const gen_target *t, int64_t i, char *buf, size_t n);

/* Input k of the compiled function: the table's k-th address. */
static void slot_name(void *payload, int k, char *buf, size_t n) {
    const gen_target *t = payload;
    coordinate_name(t, t->off[k], buf, n);
    char *el = strstr(buf, " (unconstrained element");
    if (el) *el = 0;
}

/* The cache key of t's compiled function (target_cache.c): the function, its arguments
 * and every choice that is not a coordinate by identity, the coordinates by address,
 * dtype and shape. keep receives the arrays named by identity. */
typedef struct key_buf {
    char *s;
    size_t n, cap;
    gen_array **keep;
    int64_t n_keep, cap_keep;
    bool oom;
} key_buf;

static void key_put(key_buf *k, const void *p, size_t n) {
    if (k->oom) return;
    if (k->n + n > k->cap) {
        size_t nc = k->cap ? 2 * k->cap : 256;
        while (nc < k->n + n) nc *= 2;
        char *ns = core_realloc(k->s, k->cap, nc);
        if (!ns) {
            k->oom = true;
            return;
        }
        k->s = ns;
        k->cap = nc;
    }
    memcpy(k->s + k->n, p, n);
    k->n += n;
}

static void key_keep(key_buf *k, const gen_array *a) {
    if (k->oom || !a) return;
    if (k->n_keep == k->cap_keep) {
        int64_t nc = k->cap_keep ? 2 * k->cap_keep : 16;
        gen_array **nk = core_realloc(k->keep, (size_t)k->cap_keep * sizeof *nk, (size_t)nc * sizeof *nk);
        if (!nk) {
            k->oom = true;
            return;
        }
        k->keep = nk;
        k->cap_keep = nc;
    }
    k->keep[k->n_keep++] = (gen_array *)a;
    key_put(k, &a, sizeof a);
}

static void key_free(key_buf *k) {
    core_free(k->s, k->cap);
    core_free(k->keep, (size_t)k->cap_keep * sizeof *k->keep);
}

static bool target_key(const gen_target *t, key_buf *k) {
    const gen_gf *gf = gen_trace_gf(t->tr);
    const gen_args *args = gen_trace_args(t->tr);
    key_put(k, &gf, sizeof gf);
    int n = args ? args->n : 0;
    key_put(k, &n, sizeof n);
    for (int i = 0; i < n; i++) key_keep(k, args->v[i]);
    if (args) key_put(k, &args->user, sizeof args->user);
    gen_choicemap_iter it;
    gen_choicemap_iter_init(&it, t->template_);
    int64_t slot = 0;
    while (gen_choicemap_iter_next(&it)) {
        key_put(k, &it.addr.len, sizeof it.addr.len);
        key_put(k, it.addr.parts, (size_t)it.addr.len * sizeof *it.addr.parts);
        if (slot < t->table.n && it.value == t->like[slot]) { /* a coordinate */
            const gen_array *v = it.value;
            int nd = gen_array_ndim(v);
            gen_dtype dt = gen_array_dtype(v);
            key_put(k, "S", 1);
            key_put(k, &dt, sizeof dt);
            key_put(k, &nd, sizeof nd);
            key_put(k, gen_array_shape(v), (size_t)nd * sizeof(int64_t));
            slot++;
        } else {
            key_put(k, "V", 1);
            key_keep(k, it.value);
        }
    }
    return !k->oom && slot == t->table.n;
}

/* Compiles the log density and gradient over the table (accel.h), or takes it from the
 * cache; the reason it did not in t->note. */
static void compile_target(gen_target *t) {
    if (!t->table.n || t->table.n > INT32_MAX / 2) {
        snprintf(t->note, sizeof t->note, "not compiled: the model does not take its values from the table");
        return;
    }
    if (!gen_compile_enabled()) {
        snprintf(t->note, sizeof t->note, "not compiled: compilation is off (gen_set_compile / GENC_COMPILE=0)");
        return;
    }
    key_buf k = {0};
    bool keyed = target_key(t, &k);
    if (keyed && (t->accel = target_cache_find(k.s, k.n))) {
        snprintf(t->note, sizeof t->note, "compiled");
        key_free(&k);
        return;
    }
    int n = (int)t->table.n;
    gen_array *small[16], **in = n <= 16 ? small : core_calloc((size_t)n, sizeof *in);
    if (!in || gen_scope_begin() != GEN_OK) {
        snprintf(t->note, sizeof t->note, "not compiled: out of memory");
        if (in && in != small) core_free(in, (size_t)n * sizeof *in);
        key_free(&k);
        gen_error_clear();
        return;
    }
    for (int j = 0; j < n; j++) in[j] = (gen_array *)t->like[j]; /* the template's values: the capture point */
    char why[sizeof t->note - 16];
    t->accel = accel_value_and_grad_new(gen_gf_name(gen_trace_gf(t->tr)), (gen_closure){slots_value_grad_fn, t}, n, in,
                                        slot_name, t, why, sizeof why);
    gen_scope_end();
    if (in != small) core_free(in, (size_t)n * sizeof *in);
    if (t->accel && keyed) target_cache_put(k.s, k.n, t->accel, gen_trace_gf(t->tr), k.keep, k.n_keep);
    key_free(&k);
    if (t->accel) snprintf(t->note, sizeof t->note, "compiled");
    else snprintf(t->note, sizeof t->note, "not compiled: %s", why);
    gen_error_clear();
}

bool gen_target_compiled(const gen_target *t) { return t && t->accel; }

typedef struct record_call {
    const gen_target *t;
    const gen_selection *rec;
} record_call;

/* The constrained values of rec's choices (flattened, f64) at the table's values. */
static gen_status record_fn(void *payload, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)n_out;
    const record_call *c = payload;
    gen_choicemap_builder *b = gen_choicemap_builder_new();
    gen_array *w = NULL;
    int64_t hits = 0;
    gen_status s = b ? uc_assess(c->t, GEN_EVAL_FORWARD, c->t->template_, in, b, &w, &hits, NULL) : GEN_ERR_OOM;
    if (s == GEN_OK && hits != n_in) s = GEN_FAIL(GEN_ERR_UNSUPPORTED, "the model did not take every value from the table");
    gen_choicemap *u = s == GEN_OK ? gen_choicemap_builder_finish(b) : NULL;
    gen_choicemap *m = u ? with_values(gen_trace_choices(c->t->tr), u) : NULL;
    gen_array *v = m ? gen_choicemap_flatten(m, c->rec) : NULL;
    if (v && gen_array_dtype(v) != GEN_F64) v = gen_cast(v, GEN_F64);
    if (b) gen_choicemap_builder_free(b);
    out[0] = v;
    return v ? GEN_OK : s != GEN_OK ? s : infer_pending();
}

gen_status target_record_raw(gen_target *t, const gen_selection *rec, const double *theta, int64_t dims, double *out,
                             bool *done) {
    *done = false;
    if (!t->accel) return GEN_OK;
    if (!t->rec_tried || t->rec != rec) {
        accel_fn_free(t->rec_accel);
        gen_selection_release(t->rec);
        t->rec_accel = NULL;
        t->rec = gen_selection_retain((gen_selection *)rec);
        t->rec_tried = true;
        int n = (int)t->table.n;
        gen_array *small[16], **in = n <= 16 ? small : core_calloc((size_t)n, sizeof *in);
        if (!in) return GEN_ERR_OOM;
        for (int k = 0; k < n; k++) in[k] = (gen_array *)t->like[k];
        record_call c = {t, rec};
        t->rec_accel = accel_map_new(gen_gf_name(gen_trace_gf(t->tr)), (gen_closure){record_fn, &c}, n, in, slot_name,
                                     t, NULL, 0);
        if (in != small) core_free(in, (size_t)n * sizeof *in);
        if (t->rec_accel && accel_map_size(t->rec_accel) != dims) {
            accel_fn_free(t->rec_accel);
            t->rec_accel = NULL;
        }
    }
    if (!t->rec_accel) return GEN_OK;
    *done = true;
    return accel_map(t->rec_accel, theta, t->off, out);
}

const char *gen_target_compile_note(const gen_target *t) { return t ? t->note : NULL; }

void gen_target_free(gen_target *t) {
    if (!t) return;
    gen_trace_release(t->tr);
    gen_selection_release(t->sel);
    gen_choicemap_release(t->template_);
    gen_array_release(t->theta0);
    gfi_uc_table_free(&t->table);
    accel_fn_free(t->accel);
    accel_fn_free(t->rec_accel);
    gen_selection_release(t->rec);
    core_free(t->like, (size_t)t->table_cap * sizeof *t->like);
    core_free(t->off, (size_t)t->table_cap * sizeof *t->off);
    core_free(t, sizeof *t);
}

gen_target *gen_target_new(const gen_trace *tr, const gen_selection *sel) {
    if (!tr || !sel) {
        infer_null("gen_target_new", tr ? "the selection" : "the trace");
        return NULL;
    }
    if (gen_trace_batch_size(tr)) {
        GEN_FAIL(GEN_ERR_UNSUPPORTED, "gen_target_new: the trace is batched");
        return NULL;
    }
    gen_target *t = core_calloc(1, sizeof *t);
    if (!t) return NULL;
    t->tr = gen_trace_retain((gen_trace *)tr);
    t->sel = gen_selection_retain((gen_selection *)sel);
    if (gen_scope_begin() != GEN_OK) {
        gen_target_free(t);
        return NULL;
    }
    int64_t n = 0, seen = 0;
    gen_status s = check_selected(tr, sel, &n);
    if (s != GEN_OK) {
        gen_scope_end();
        gen_target_free(t);
        return NULL;
    }
    gen_choicemap_builder *b = gen_choicemap_builder_new();
    gen_array *w = NULL;
    s = b ? uc_assess(t, GEN_EVAL_INVERSE, gen_trace_choices(tr), NULL, b, &w, &seen, &t->identity) : GEN_ERR_OOM;
    if (s == GEN_OK) s = check_seen(tr, n, seen);
    gen_choicemap *u = s == GEN_OK ? gen_choicemap_builder_finish(b) : NULL;
    gen_choicemap *tmpl = u ? with_values(gen_trace_choices(tr), u) : NULL;
    gen_array *theta = tmpl ? gen_choicemap_flatten(tmpl, sel) : NULL;
    if (s == GEN_OK && !theta) s = infer_pending();
    if (s == GEN_OK && gen_array_size(theta) == 0)
        s = GEN_FAIL(GEN_ERR_VALUE, "%s: the selected continuous choices have no elements (dimension 0)",
                     gen_gf_name(gen_trace_gf(tr)));
    if (s == GEN_OK) {
        t->template_ = gen_choicemap_retain(tmpl);
        t->theta0 = gen_array_retain(theta);
        t->dim = gen_array_size(theta);
        table_init(t);
        compile_target(t);
    } else {
        core_error_prefix("gen_target_new");
    }
    if (b) gen_choicemap_builder_free(b);
    gen_scope_end();
    if (s != GEN_OK) {
        gen_target_free(t);
        return NULL;
    }
    return t;
}

int64_t gen_target_dim(const gen_target *t) { return t ? t->dim : -1; }
const gen_array *gen_target_position(const gen_target *t) { return t ? t->theta0 : NULL; }
const gen_trace *gen_target_base(const gen_target *t) { return t ? t->tr : NULL; }
const gen_selection *target_selection(const gen_target *t) { return t->sel; }
bool target_identity(const gen_target *t) { return t->identity; }

static gen_status check_theta(const char *fn, const gen_target *t, const gen_array *theta) {
    if (!t) return infer_null(fn, "the target");
    if (!theta) return infer_null(fn, "theta");
    if (gen_array_ndim(theta) != 1 || gen_array_size(theta) != t->dim)
        return GEN_FAIL(GEN_ERR_SHAPE, "%s: theta must be 1-d of %lld elements", fn, (long long)t->dim);
    return GEN_OK;
}

gen_array *gen_target_logpdf(const gen_target *t, const gen_array *theta) {
    if (check_theta("gen_target_logpdf", t, theta) != GEN_OK) return NULL;
    if (gen_scope_begin() != GEN_OK) return NULL;
    gen_array *w = NULL;
    gen_status s = forward_at(t, theta, NULL, &w);
    w = s == GEN_OK ? gen_scope_return(w) : NULL;
    gen_scope_end();
    return w;
}

static gen_status logpdf_fn(void *payload, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)n_in;
    (void)n_out;
    out[0] = gen_target_logpdf(payload, in[0]);
    return out[0] ? GEN_OK : infer_pending();
}

static gen_status slots_fn(void *payload, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)n_in;
    (void)n_out;
    slots_call *c = payload;
    return uc_assess(c->t, GEN_EVAL_FORWARD, c->t->template_, in, NULL, &out[0], &c->hits, NULL);
}

/* Value and gradient through slots_fn (in the current scope); *served false when the
 * model did not take every value from the table (the caller then differentiates
 * through theta). */
static gen_status slots_grad(const gen_target *t, const gen_array *theta, gen_array **v, gen_array **grad,
                             bool *served) {
    int64_t n = t->table.n;
    *served = false;
    gen_array *small[32] = {0}, **buf = n <= 16 ? small : core_calloc((size_t)(2 * n), sizeof *buf);
    if (!buf) return GEN_ERR_OOM;
    gen_array **in = buf, **g = buf + n;
    const double *th = gen_array_data(theta);
    gen_status s = GEN_OK;
    for (int64_t k = 0; k < n && s == GEN_OK; k++) {
        const gen_array *like = t->like[k];
        in[k] = gen_array_from(GEN_F64, gen_array_ndim(like), gen_array_shape(like), th + t->off[k]);
        if (in[k] && gen_array_dtype(like) != GEN_F64) in[k] = gen_cast(in[k], gen_array_dtype(like));
        if (!in[k]) s = infer_pending();
    }
    slots_call c = {t, 0};
    if (s == GEN_OK) s = gen_value_and_grad((gen_closure){slots_fn, &c}, (int)n, in, v, g);
    if (s == GEN_OK && c.hits == n) {
        *served = true;
        double local[64], *d = t->dim <= 64 ? local : core_alloc((size_t)t->dim * sizeof *d);
        if (!d) s = GEN_ERR_OOM;
        for (int64_t k = 0; k < n && s == GEN_OK; k++)
            s = gen_array_copy_to(g[k], GEN_F64, d + t->off[k], (size_t)gen_array_size(g[k]) * sizeof *d);
        if (s == GEN_OK && !(*grad = gen_array_from(GEN_F64, 1, &t->dim, d))) s = infer_pending();
        if (d && d != local) core_free(d, (size_t)t->dim * sizeof *d);
    }
    if (buf != small) core_free(buf, (size_t)(2 * n) * sizeof *buf);
    return s;
}

/* The address of coordinate i of theta (the template's selected float values in deep
 * order, as flatten takes them) into buf, with the element within the choice when it has
 * several. */
static void coordinate_name(const gen_target *t, int64_t i, char *buf, size_t n) {
    gen_choicemap_iter it;
    gen_choicemap_iter_init(&it, t->template_);
    int64_t off = 0;
    while (gen_choicemap_iter_next(&it)) {
        if (!is_float(it.value) || !gen_selection_contains(t->sel, &it.addr)) continue;
        int64_t size = gen_array_size(it.value);
        if (i < off + size) {
            char a[GEN_ADDR_FORMAT_MAX];
            gen_addr_format(&it.addr, a, sizeof a);
            if (size > 1) snprintf(buf, n, "%s (unconstrained element %lld)", a, (long long)(i - off));
            else snprintf(buf, n, "%s", a);
            return;
        }
        off += size;
    }
    snprintf(buf, n, "coordinate %lld", (long long)i);
}

/* The log density must be finite or -inf (the gradient then means nothing); where it is
 * finite, the gradient (t's dimension of doubles) must be finite: errors marked for
 * inference (reject.c). */
static gen_status check_finite_raw(const gen_target *t, double lp, const double *g) {
    if (lp == -INFINITY) return GEN_OK;
    if (isnan(lp) || lp == INFINITY) {
        GEN_FAIL(GEN_ERR_VALUE, "gen_target_logpdf_grad: the log density is %s", isnan(lp) ? "NaN" : "+inf");
        return core_error_mark(CORE_REJECT_DENSITY);
    }
    for (int64_t i = 0; i < t->dim; i++)
        if (CORE_UNLIKELY(!isfinite(g[i]))) {
            char buf[GEN_ADDR_FORMAT_MAX + 48];
            coordinate_name(t, i, buf, sizeof buf);
            GEN_FAIL(GEN_ERR_VALUE, "gen_target_logpdf_grad: %s: the gradient of the log density is %s where "
                     "the log density is finite (%g)", buf, isnan(g[i]) ? "NaN" : g[i] > 0 ? "+inf" : "-inf", lp);
            return core_error_mark(CORE_REJECT_GRADIENT);
        }
    return GEN_OK;
}

/* check_finite_raw on a gradient array (an f32 theta's, or one on a device, through a
 * host f64 copy). */
static gen_status check_finite(const gen_target *t, double lp, const gen_array *grad) {
    int64_t d = t->dim;
    if (gen_array_dtype(grad) == GEN_F64 && gen_array_device(grad) == GEN_DEVICE_CPU)
        return check_finite_raw(t, lp, gen_array_data(grad));
    double local[64], *copy = d <= 64 ? local : core_alloc((size_t)d * sizeof *copy);
    gen_status s = copy ? gen_array_copy_to(grad, GEN_F64, copy, (size_t)d * sizeof *copy) : GEN_ERR_OOM;
    if (s == GEN_OK) s = check_finite_raw(t, lp, copy);
    if (copy && copy != local) core_free(copy, (size_t)d * sizeof *copy);
    return s;
}

gen_status target_value_grad_raw(const gen_target *t, const double *theta, double *logp, double *grad) {
    if (t->accel) {
        double lp = 0;
        gen_status s = accel_value_and_grad(t->accel, theta, t->off, &lp, grad);
        if (s == GEN_OK) s = check_finite_raw(t, lp, grad);
        if (s == GEN_OK) *logp = lp;
        return s;
    }
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    gen_array *th = gen_array_from(GEN_F64, 1, &t->dim, theta), *g = NULL;
    s = th ? gen_target_logpdf_grad(t, th, logp, &g) : infer_pending();
    if (s == GEN_OK) s = gen_array_copy_to(g, GEN_F64, grad, (size_t)t->dim * sizeof *grad);
    gen_scope_end();
    return s;
}

/* The value and gradient at theta, eagerly (through the slots or through theta): finite
 * or not. */
static gen_status value_grad_eager(const gen_target *t, const gen_array *theta, double *logp, gen_array **grad) {
    gen_status s = GEN_OK;
    gen_array *v = NULL;
    double lp = 0;
    bool served = false;
    if (t->table.n && t->table.n <= INT32_MAX && gen_array_dtype(theta) == GEN_F64) {
        if ((s = gen_scope_begin()) != GEN_OK) return s;
        s = slots_grad(t, theta, &v, grad, &served);
        if (served && s == GEN_OK) {
            s = gen_item(v, &lp);
            if (s == GEN_OK && !(*grad = gen_scope_return(*grad))) s = infer_pending();
        }
        gen_scope_end();
    }
    if (s == GEN_OK && !served) { /* through theta */
        s = gen_value_and_grad((gen_closure){logpdf_fn, (void *)t}, 1, (gen_array *const *)&theta, &v, grad);
        if (s == GEN_OK) s = gen_item(v, &lp);
    }
    *logp = lp;
    return s;
}

gen_status target_value_grad_unchecked(const gen_target *t, const double *theta, double *logp, double *grad) {
    if (t->accel) return accel_value_and_grad(t->accel, theta, t->off, logp, grad);
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    gen_array *th = gen_array_from(GEN_F64, 1, &t->dim, theta), *g = NULL;
    s = th ? value_grad_eager(t, th, logp, &g) : infer_pending();
    if (s == GEN_OK) s = gen_array_copy_to(g, GEN_F64, grad, (size_t)t->dim * sizeof *grad);
    gen_scope_end();
    return s;
}

const accel_fn *target_accel(const gen_target *t, const int64_t **off) {
    *off = t->off;
    return t->accel;
}

gen_status gen_target_logpdf_grad(const gen_target *t, const gen_array *theta, double *logp,
                                  gen_array **grad) {
    if (grad) *grad = NULL;
    gen_status s = check_theta("gen_target_logpdf_grad", t, theta);
    if (s != GEN_OK) return s;
    if (!grad) return GEN_FAIL(GEN_ERR_MISUSE, "gen_target_logpdf_grad: grad is NULL");
    double lp = 0;
    if (t->accel && gen_array_dtype(theta) == GEN_F64 && gen_array_device(theta) == GEN_DEVICE_CPU) {
        double local[64], *g = t->dim <= 64 ? local : core_alloc((size_t)t->dim * sizeof *g);
        if (!g) return GEN_ERR_OOM;
        s = target_value_grad_raw(t, gen_array_data(theta), &lp, g);
        if (s == GEN_OK && !(*grad = gen_array_from(GEN_F64, 1, &t->dim, g))) s = infer_pending();
        if (g != local) core_free(g, (size_t)t->dim * sizeof *g);
        if (s == GEN_OK && logp) *logp = lp;
        return s;
    }
    s = value_grad_eager(t, theta, &lp, grad);
    if (s == GEN_OK) s = check_finite(t, lp, *grad);
    if (s != GEN_OK) {
        *grad = NULL;
        return s;
    }
    if (logp) *logp = lp;
    return GEN_OK;
}

gen_status gen_target_trace(const gen_target *t, const gen_array *theta, gen_trace **tr) {
    if (tr) *tr = NULL;
    gen_status s = check_theta("gen_target_trace", t, theta);
    if (s == GEN_OK && !tr) s = GEN_FAIL(GEN_ERR_MISUSE, "gen_target_trace: tr is NULL");
    if (s != GEN_OK || (s = gen_scope_begin()) != GEN_OK) return s;
    gen_choicemap_builder *b = gen_choicemap_builder_new();
    gen_choicemap *x = NULL;
    gen_array *w = NULL;
    if (!b) s = infer_pending();
    if (s == GEN_OK) s = forward_at(t, theta, b, &w);
    if (s == GEN_OK && !(x = gen_choicemap_builder_finish(b))) s = infer_pending();
    gen_diff nc[16];
    int n = gen_trace_args(t->tr)->n;
    for (int i = 0; i < n && i < 16; i++) nc[i] = gen_diff_no_change();
    gen_trace *out = NULL;
    if (s == GEN_OK)
        s = gen_update(t->tr, gen_key_new(0), gen_trace_args(t->tr), n <= 16 ? nc : NULL, x, &out, NULL, NULL, NULL);
    if (s == GEN_OK && !(*tr = gen_trace_scope_return(out))) s = infer_pending();
    if (b) gen_choicemap_builder_free(b);
    gen_scope_end();
    return s;
}

gen_status target_point_of(const gen_target *t, const gen_choicemap *choices, double *theta) {
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    gen_choicemap_builder *b = gen_choicemap_builder_new();
    gen_array *w = NULL, *th = NULL;
    int64_t seen = 0;
    s = b ? uc_assess(t, GEN_EVAL_INVERSE, choices, NULL, b, &w, &seen, NULL) : infer_pending();
    gen_choicemap *u = s == GEN_OK ? gen_choicemap_builder_finish(b) : NULL;
    gen_choicemap *m = u ? with_values(choices, u) : NULL;
    if (s == GEN_OK && !(m && (th = gen_choicemap_flatten(m, t->sel)))) s = infer_pending();
    if (s == GEN_OK && gen_array_size(th) != t->dim)
        s = GEN_FAIL(GEN_ERR_VALUE, "%s: the selected continuous choices have %lld elements, not %lld",
                     gen_gf_name(gen_trace_gf(t->tr)), (long long)gen_array_size(th), (long long)t->dim);
    if (s == GEN_OK) s = gen_array_copy_to(th, GEN_F64, theta, (size_t)t->dim * sizeof *theta);
    if (b) gen_choicemap_builder_free(b);
    gen_scope_end();
    return s;
}

gen_status target_values_at(gen_target *t, const double *theta, int64_t dims, double *x) {
    bool done = false;
    gen_status s = target_record_raw(t, t->sel, theta, dims, x, &done);
    if (s != GEN_OK || done) return s;
    if ((s = gen_scope_begin()) != GEN_OK) return s;
    gen_choicemap_builder *b = gen_choicemap_builder_new();
    gen_array *th = gen_array_from(GEN_F64, 1, &t->dim, theta), *w = NULL, *v = NULL;
    s = b && th ? forward_at(t, th, b, &w) : infer_pending();
    gen_choicemap *m = s == GEN_OK ? gen_choicemap_builder_finish(b) : NULL;
    if (s == GEN_OK && !(m && (v = gen_choicemap_flatten(m, t->sel)))) s = infer_pending();
    if (s == GEN_OK && gen_array_size(v) != dims)
        s = GEN_FAIL(GEN_ERR_VALUE, "%s: the selected continuous choices have %lld elements, not %lld",
                     gen_gf_name(gen_trace_gf(t->tr)), (long long)gen_array_size(v), (long long)dims);
    if (s == GEN_OK) s = gen_array_copy_to(v, GEN_F64, x, (size_t)dims * sizeof *x);
    if (b) gen_choicemap_builder_free(b);
    gen_scope_end();
    return s;
}
