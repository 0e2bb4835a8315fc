/* params.c — the parameter store (genc/params.h): named float arrays with accumulated
 * gradients, found by name through a small open-addressing table and kept in insertion
 * order, so that optimizers and savers walk them by index. */
#include <stdio.h>
#include <string.h>

#include "params_int.h"

static uint64_t name_hash(const char *s, size_t *len) {
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    const char *p = s;
    for (; *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ull;
    *len = (size_t)(p - s);
    return h;
}

gen_params *gen_params_new(void) { return core_calloc(1, sizeof(gen_params)); }

void gen_params_free(gen_params *s) {
    if (!s) return;
    for (int i = 0; i < s->n; i++) {
        gen_array_release(s->p[i].value);
        gen_array_release(s->p[i].grad);
        core_free(s->p[i].name, s->p[i].len + 1);
    }
    if (s->p) core_free(s->p, (size_t)s->cap * sizeof *s->p);
    if (s->slots) core_free(s->slots, (size_t)s->scap * sizeof *s->slots);
    core_free(s, sizeof *s);
}

int gfi_params_find(const gen_params *s, const char *name) {
    if (!s->scap) return -1;
    size_t len;
    uint64_t h = name_hash(name, &len);
    for (int i = (int)(h & (uint64_t)(s->scap - 1));; i = (i + 1) & (s->scap - 1)) {
        int k = s->slots[i] - 1;
        if (k < 0) return -1;
        const gfi_param *p = &s->p[k];
        if (p->hash == h && p->len == len && memcmp(p->name, name, len) == 0) return k;
    }
}

gen_status gfi_params_check_idle(const gen_params *s, const char *fn) {
    return s->busy ? GEN_FAIL(GEN_ERR_MISUSE, "%s: the store is in use by gen_params_value_and_grad", fn) : GEN_OK;
}

gen_status gfi_params_check_value(const char *fn, const char *name, const gen_array *v) {
    if (gen_array_is_tuple(v)) return GEN_FAIL(GEN_ERR_VALUE, "%s: parameter '%s' is a tuple", fn, name);
    gen_dtype t = gen_array_dtype(v);
    if (t != GEN_F64 && t != GEN_F32)
        return GEN_FAIL(GEN_ERR_DTYPE, "%s: parameter '%s' must be f64 or f32, got %s", fn, name, gen_dtype_name(t));
    if (gen_array_is_batched(v))
        return GEN_FAIL(GEN_ERR_VALUE, "%s: parameter '%s' is a batched array (parameters are shared by every particle)",
                        fn, name);
    return GEN_OK;
}

/* Zeros of v's dtype, shape and device, owned by the caller (NULL on error). */
static gen_array *zeros_like(const gen_array *v) {
    if (gen_scope_begin() != GEN_OK) return NULL;
    gen_array *z = gen_zeros(gen_array_dtype(v), gen_array_ndim(v), gen_array_shape(v));
    if (z && gen_array_device(v) != gen_array_device(z)) z = gen_array_to_device(z, gen_array_device(v));
    z = gen_array_retain(z);
    gen_scope_end();
    return z;
}

static gen_status grow(gen_params *s) {
    if (s->n < s->cap && 2 * (s->n + 1) <= s->scap) return GEN_OK;
    if (s->n == s->cap) {
        int cap = s->cap ? 2 * s->cap : 8;
        gfi_param *p = core_realloc(s->p, (size_t)s->cap * sizeof *p, (size_t)cap * sizeof *p);
        if (!p) return GEN_ERR_OOM;
        s->p = p;
        s->cap = cap;
    }
    if (2 * (s->n + 1) > s->scap) {
        int scap = s->scap ? 2 * s->scap : 16;
        int *slots = core_calloc((size_t)scap, sizeof *slots);
        if (!slots) return GEN_ERR_OOM;
        if (s->slots) core_free(s->slots, (size_t)s->scap * sizeof *s->slots);
        s->slots = slots;
        s->scap = scap;
        for (int k = 0; k < s->n; k++) {
            int i = (int)(s->p[k].hash & (uint64_t)(scap - 1));
            while (slots[i]) i = (i + 1) & (scap - 1);
            slots[i] = k + 1;
        }
    }
    return GEN_OK;
}

static gen_status check_args(const char *fn, const gen_params *s, const char *name, const void *v, const char *what) {
    if (!s) return GEN_FAIL(GEN_ERR_MISUSE, "%s: the store is NULL", fn);
    if (!name) return GEN_FAIL(GEN_ERR_MISUSE, "%s: the name is NULL", fn);
    if (!v) {
        gen_status p = core_error_pending();
        return p ? p : GEN_FAIL(GEN_ERR_MISUSE, "%s: the %s is NULL", fn, what);
    }
    if (core_dead(v)) return core_dead_fail(fn, what, v, "an array");
    return gfi_params_check_idle(s, fn);
}

gen_status gen_params_init(gen_params *s, const char *name, const gen_array *value) {
    gen_status st = check_args("gen_params_init", s, name, value, "value");
    if (st != GEN_OK) return st;
    if (!*name) return GEN_FAIL(GEN_ERR_VALUE, "gen_params_init: the name is empty");
    if ((st = gfi_params_check_value("gen_params_init", name, value)) != GEN_OK) return st;
    gen_array *z = zeros_like(value);
    if (!z) return core_error_pending() ? core_error_pending() : GEN_ERR_OOM;
    int k = gfi_params_find(s, name);
    if (k >= 0) {
        gfi_param *p = &s->p[k];
        gen_array_release(p->value);
        gen_array_release(p->grad);
        p->value = gen_array_retain((gen_array *)value);
        p->grad = z;
        return GEN_OK;
    }
    size_t len;
    uint64_t h = name_hash(name, &len);
    char *copy = core_alloc(len + 1);
    if (!copy || grow(s) != GEN_OK) {
        if (copy) core_free(copy, len + 1);
        gen_array_release(z);
        return GEN_FAIL(GEN_ERR_OOM, "gen_params_init: out of memory");
    }
    memcpy(copy, name, len + 1);
    s->p[s->n] = (gfi_param){copy, len, h, gen_array_retain((gen_array *)value), z};
    int i = (int)(h & (uint64_t)(s->scap - 1));
    while (s->slots[i]) i = (i + 1) & (s->scap - 1);
    s->slots[i] = ++s->n;
    return GEN_OK;
}

bool gen_params_has(const gen_params *s, const char *name) { return s && name && gfi_params_find(s, name) >= 0; }

int gen_params_count(const gen_params *s) { return s ? s->n : 0; }

int gen_params_index(const gen_params *s, const char *name) { return s && name ? gfi_params_find(s, name) : -1; }

static const gfi_param *at(const gen_params *s, int i, const char *fn) {
    if (!s) return NULL;
    if (i < 0 || i >= s->n) {
        GEN_FAIL(GEN_ERR_INDEX, "%s: index %d is out of range for a store of %d parameters", fn, i, s->n);
        return NULL;
    }
    return &s->p[i];
}

const char *gen_params_name(const gen_params *s, int i) {
    const gfi_param *p = at(s, i, "gen_params_name");
    return p ? p->name : NULL;
}

static const gfi_param *named(const gen_params *s, const char *name, const char *fn) {
    if (!s || !name) {
        GEN_FAIL(GEN_ERR_MISUSE, "%s: the %s is NULL", fn, s ? "name" : "store");
        return NULL;
    }
    int k = gfi_params_find(s, name);
    if (k < 0) {
        GEN_FAIL(GEN_ERR_VALUE, "%s: the store has no parameter '%s'", fn, name);
        return NULL;
    }
    return &s->p[k];
}

const gen_array *gen_params_value(const gen_params *s, const char *name) {
    const gfi_param *p = named(s, name, "gen_params_value");
    return p ? p->value : NULL;
}

const gen_array *gen_params_value_at(const gen_params *s, int i) {
    const gfi_param *p = at(s, i, "gen_params_value_at");
    return p ? p->value : NULL;
}

const gen_array *gen_params_grad(const gen_params *s, const char *name) {
    const gfi_param *p = named(s, name, "gen_params_grad");
    return p ? p->grad : NULL;
}

const gen_array *gen_params_grad_at(const gen_params *s, int i) {
    const gfi_param *p = at(s, i, "gen_params_grad_at");
    return p ? p->grad : NULL;
}

/* Replaces *slot (parameter name's value or gradient) by v, which must match old. */
static gen_status replace(const char *fn, gen_params *s, const char *name, const gen_array *v, bool grad) {
    gen_status st = check_args(fn, s, name, v, grad ? "gradient" : "value");
    if (st != GEN_OK) return st;
    int k = gfi_params_find(s, name);
    if (k < 0) return GEN_FAIL(GEN_ERR_VALUE, "%s: the store has no parameter '%s' (add it with gen_params_init)", fn, name);
    if ((st = gfi_params_check_value(fn, name, v)) != GEN_OK) return st;
    gfi_param *p = &s->p[k];
    if (gen_array_dtype(v) != gen_array_dtype(p->value))
        return GEN_FAIL(GEN_ERR_DTYPE, "%s: parameter '%s' is %s, the new %s %s", fn, name,
                        gen_dtype_name(gen_array_dtype(p->value)), grad ? "gradient" : "value",
                        gen_dtype_name(gen_array_dtype(v)));
    int nd = gen_array_ndim(v);
    if (nd != gen_array_ndim(p->value) ||
        memcmp(gen_array_shape(v), gen_array_shape(p->value), (size_t)nd * sizeof(int64_t)) != 0) {
        char a[ARR_SHAPE_STR_MAX], b[ARR_SHAPE_STR_MAX];
        return GEN_FAIL(GEN_ERR_SHAPE, "%s: parameter '%s' has shape %s, the new %s %s", fn, name,
                        arr_shape_str(gen_array_ndim(p->value), gen_array_shape(p->value), a, sizeof a),
                        grad ? "gradient" : "value", arr_shape_str(nd, gen_array_shape(v), b, sizeof b));
    }
    gen_array **slot = grad ? &p->grad : &p->value;
    gen_array *old = *slot;
    *slot = gen_array_retain((gen_array *)v);
    gen_array_release(old);
    return GEN_OK;
}

gen_status gen_params_set_value(gen_params *s, const char *name, const gen_array *value) {
    return replace("gen_params_set_value", s, name, value, false);
}

gen_status gen_params_set_grad(gen_params *s, const char *name, const gen_array *grad) {
    return replace("gen_params_set_grad", s, name, grad, true);
}

gen_status gen_params_zero_grads(gen_params *s) {
    if (!s) return GEN_FAIL(GEN_ERR_MISUSE, "gen_params_zero_grads: the store is NULL");
    gen_status st = gfi_params_check_idle(s, "gen_params_zero_grads");
    for (int i = 0; i < s->n && st == GEN_OK; i++) {
        gen_array *z = zeros_like(s->p[i].value);
        if (!z) return core_error_pending() ? core_error_pending() : GEN_ERR_OOM;
        gen_array_release(s->p[i].grad);
        s->p[i].grad = z;
    }
    return st;
}
