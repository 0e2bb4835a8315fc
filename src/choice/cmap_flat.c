/* cmap_flat.c — flattening the float values of a choice map into one f64 vector and
 * rebuilding a map of the same structure from such a vector (gradient-based inference).
 * Both are written with public array ops, so gradients flow through them. Integer and
 * bool values are discrete and skipped. */
#include "choice_int.h"

static bool is_float(const gen_array *v) {
    gen_dtype t = gen_array_dtype(v);
    return t == GEN_F64 || t == GEN_F32;
}

/* A masked value (present for some particles only) has no flat form. */
static gen_status fail_masked(const gen_addr *path) {
    char buf[GEN_ADDR_FORMAT_MAX];
    return GEN_FAIL(GEN_ERR_UNSUPPORTED, "choicemap flatten: the value at %s is masked (present for some "
                    "particles only): masked values cannot be flattened", addr_str(path, buf));
}

gen_status cm_flat_visit(const gen_choicemap *m, const gen_selection *s, cm_flat_fn fn, void *ud, gen_addr *path) {
    if (m->count == 0 || (sel_uniform(s) && !s->self)) return GEN_OK;
    if (m->value) {
        if (!s->self || !is_float(m->value)) return GEN_OK;
        return CORE_UNLIKELY(m->mask != NULL) ? fail_masked(path) : fn(ud, path, m->value);
    }
    for (int64_t i = 0; i < m->n; i++) {
        path->parts[path->len++].v = m->entries[i].key;
        gen_status st = cm_flat_visit(m->entries[i].child, sel_sub(s, m->entries[i].key), fn, ud, path);
        path->len--;
        if (st != GEN_OK) return st;
    }
    return GEN_OK;
}

static gen_status add_size(void *ud, const gen_addr *path, const gen_array *v) {
    (void)path;
    *(int64_t *)ud += gen_array_size(v);
    return GEN_OK;
}

static gen_status push_value(void *ud, const gen_addr *path, const gen_array *v) {
    (void)path;
    return core_ptrvec_push(ud, (void *)v);
}

static bool check_args(const char *fn, const gen_choicemap *m) {
    return cm_check_arg(fn, m, "the map");
}

int64_t gen_choicemap_flat_size(const gen_choicemap *m, const gen_selection *sel) {
    if (!check_args("gen_choicemap_flat_size", m)) return -1;
    int64_t n = 0;
    gen_addr path = {0};
    return cm_flat_visit(m, sel ? sel : &sel_all, add_size, &n, &path) == GEN_OK ? n : -1;
}

gen_array *gen_choicemap_flatten(const gen_choicemap *m, const gen_selection *sel) {
    if (!check_args("gen_choicemap_flatten", m)) return NULL;
    core_ptrvec vals = {0};
    gen_addr path = {0};
    if (cm_flat_visit(m, sel ? sel : &sel_all, push_value, &vals, &path) != GEN_OK) {
        core_ptrvec_free(&vals);
        return NULL;
    }
    if (vals.len == 0) {
        core_ptrvec_free(&vals);
        return gen_zeros(GEN_F64, GEN_DIMS(0));
    }
    gen_scope_begin();
    gen_array **parts = core_alloc(vals.len * sizeof *parts);
    gen_array *r = NULL;
    if (parts) {
        bool ok = true;
        for (size_t i = 0; i < vals.len && ok; i++) {
            const gen_array *v = vals.items[i];
            gen_array *p = gen_reshape(v, GEN_DIMS(gen_array_size(v)));
            if (p && gen_array_dtype(p) != GEN_F64) p = gen_cast(p, GEN_F64);
            parts[i] = p;
            ok = p != NULL;
        }
        if (ok) r = gen_concatenate((int)vals.len, parts, 0);
        core_free(parts, vals.len * sizeof *parts);
    }
    core_ptrvec_free(&vals);
    r = gen_scope_return(r);
    gen_scope_end();
    return r;
}

/* template with its selected float values replaced by slices of flat from *off on. */
static gen_choicemap *rebuild(const gen_choicemap *m, const gen_selection *s,
                              const gen_array *flat, int64_t *off) {
    if (m->count == 0 || (sel_uniform(s) && !s->self)) return cm_ref(m);
    if (m->value) {
        const gen_array *v = m->value;
        int64_t n = gen_array_size(v);
        if (!s->self || !is_float(v) || n == 0) return cm_ref(m);
        gen_array *p = gen_slice(flat, 0, *off, *off + n, 1);
        p = gen_reshape(p, gen_array_ndim(v), gen_array_shape(v));
        if (p && gen_array_dtype(p) != gen_array_dtype(v)) p = gen_cast(p, gen_array_dtype(v));
        *off += n;
        return p ? cm_leaf(p) : NULL;
    }
    gen_choicemap *r = cm_alloc(m->n);
    if (!r) return NULL;
    for (int64_t i = 0; i < m->n; i++) {
        gen_choicemap *c = rebuild(m->entries[i].child, sel_sub(s, m->entries[i].key), flat, off);
        if (!c) {
            cm_discard(r, i);
            return NULL;
        }
        r->entries[i].key = m->entries[i].key;
        r->entries[i].child = c;
    }
    return cm_seal(r);
}

gen_choicemap *gen_choicemap_unflatten(const gen_choicemap *template_, const gen_selection *sel,
                                       const gen_array *flat) {
    const char *fn = "gen_choicemap_unflatten";
    if (!check_args(fn, template_)) return NULL;
    if (!flat) {
        if (!core_error_pending()) GEN_FAIL(GEN_ERR_MISUSE, "%s: the flat array is NULL", fn);
        return NULL;
    }
    const gen_selection *s = sel ? sel : &sel_all;
    int64_t want = gen_choicemap_flat_size(template_, s);
    if (want < 0) return NULL;
    if (gen_array_ndim(flat) != 1 || gen_array_size(flat) != want) {
        GEN_FAIL(GEN_ERR_SHAPE, "%s: flat must be 1-d with %lld elements (the map's selected "
                                "float values), got ndim %d and %lld elements",
                 fn, (long long)want, gen_array_ndim(flat), (long long)gen_array_size(flat));
        return NULL;
    }
    if (gen_array_dtype(flat) != GEN_F64 && gen_array_dtype(flat) != GEN_F32) {
        GEN_FAIL(GEN_ERR_DTYPE, "%s: flat must be f64 or f32, got %s", fn,
                 gen_dtype_name(gen_array_dtype(flat)));
        return NULL;
    }
    gen_scope_begin(); /* the slices: the new leaves retain what they keep */
    int64_t off = 0;
    gen_choicemap *r = rebuild(template_, s, flat, &off);
    gen_scope_end();
    return cm_publish(r);
}
