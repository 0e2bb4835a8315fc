/* optim.c — the optimizers of genc/learn.h: a config checked once, per-parameter state
 * in a small hash table keyed by name, and one step of gradient ascent (SGD fixed or
 * decaying, momentum, Adam, Stan's adaptive sequence) with clipping, on host doubles
 * (learn_optim_step) and on arrays (gen_optimizer_step). */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "learn_int.h"

/* One parameter's state: m (momentum / Adam's first moment), s (Adam's second moment,
 * the adaptive sequence's running squared gradient), each size doubles, as the kind
 * needs them. */
typedef struct opt_state {
    char *name;
    size_t name_bytes;
    uint64_t hash;
    int64_t size, t;
    double *m, *s;
} opt_state;

struct gen_optimizer {
    gen_opt_config c;
    opt_state *slots; /* open addressing, cap a power of two (0: none yet) */
    size_t cap, len;
};

static const char *kind_name(gen_opt_kind k) {
    switch (k) {
    case GEN_OPT_SGD: return "GEN_OPT_SGD";
    case GEN_OPT_MOMENTUM: return "GEN_OPT_MOMENTUM";
    case GEN_OPT_ADAM: return "GEN_OPT_ADAM";
    case GEN_OPT_ADAPTIVE: return "GEN_OPT_ADAPTIVE";
    }
    return "?";
}

/* The config with defaults, or GEN_ERR_VALUE naming the bad field. */
static gen_status check_config(const gen_opt_config *in, gen_opt_config *c) {
    static const char fn[] = "gen_optimizer_new";
    *c = *in;
    gen_opt_kind k = c->kind;
    if (k != GEN_OPT_SGD && k != GEN_OPT_MOMENTUM && k != GEN_OPT_ADAM && k != GEN_OPT_ADAPTIVE)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: unknown kind %d", fn, (int)k);
    if (!(c->step > 0) || !isfinite(c->step))
        return GEN_FAIL(GEN_ERR_VALUE, "%s: step must be finite and > 0, got %g", fn, c->step);
    if (!(c->decay >= 0) || !isfinite(c->decay))
        return GEN_FAIL(GEN_ERR_VALUE, "%s: decay must be finite and >= 0, got %g", fn, c->decay);
    if (c->decay > 0 && k != GEN_OPT_SGD && k != GEN_OPT_MOMENTUM)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: decay is for GEN_OPT_SGD and GEN_OPT_MOMENTUM, not %s", fn, kind_name(k));
    if (c->momentum != 0 && k != GEN_OPT_MOMENTUM)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: momentum is for GEN_OPT_MOMENTUM, not %s", fn, kind_name(k));
    if ((c->beta1 != 0 || c->beta2 != 0 || c->eps != 0) && k != GEN_OPT_ADAM)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: %s is for GEN_OPT_ADAM, not %s", fn,
                        c->beta1 != 0 ? "beta1" : c->beta2 != 0 ? "beta2" : "eps", kind_name(k));
    if (!(c->momentum >= 0 && c->momentum < 1))
        return GEN_FAIL(GEN_ERR_VALUE, "%s: momentum must be in [0, 1), got %g", fn, c->momentum);
    if (!(c->beta1 >= 0 && c->beta1 < 1))
        return GEN_FAIL(GEN_ERR_VALUE, "%s: beta1 must be in [0, 1), got %g", fn, c->beta1);
    if (!(c->beta2 >= 0 && c->beta2 < 1))
        return GEN_FAIL(GEN_ERR_VALUE, "%s: beta2 must be in [0, 1), got %g", fn, c->beta2);
    if (!(c->eps >= 0) || !isfinite(c->eps))
        return GEN_FAIL(GEN_ERR_VALUE, "%s: eps must be finite and >= 0 (0: 1e-8), got %g", fn, c->eps);
    if (!(c->clip_norm >= 0))
        return GEN_FAIL(GEN_ERR_VALUE, "%s: clip_norm must be >= 0 (0: none), got %g", fn, c->clip_norm);
    if (!(c->clip_value >= 0))
        return GEN_FAIL(GEN_ERR_VALUE, "%s: clip_value must be >= 0 (0: none), got %g", fn, c->clip_value);
    if (k == GEN_OPT_MOMENTUM && c->momentum == 0) c->momentum = 0.9;
    if (k == GEN_OPT_ADAM) {
        if (c->beta1 == 0) c->beta1 = 0.9;
        if (c->beta2 == 0) c->beta2 = 0.999;
        if (c->eps == 0) c->eps = 1e-8;
    }
    return GEN_OK;
}

gen_optimizer *gen_optimizer_new(const gen_opt_config *c) {
    if (!c) {
        GEN_FAIL(GEN_ERR_MISUSE, "gen_optimizer_new: the config is NULL");
        return NULL;
    }
    gen_opt_config cc;
    if (check_config(c, &cc) != GEN_OK) return NULL;
    gen_optimizer *o = core_calloc(1, sizeof *o);
    if (o) o->c = cc;
    return o;
}

gen_opt_config gen_optimizer_config(const gen_optimizer *o) { return o ? o->c : (gen_opt_config){0}; }

/* The buffers hold size + 1 doubles (never a zero-byte block). */
static size_t state_bytes(const opt_state *st) { return (size_t)(st->size + 1) * sizeof(double); }

static void state_free(opt_state *st) {
    core_free(st->name, st->name_bytes);
    core_free(st->m, state_bytes(st));
    core_free(st->s, state_bytes(st));
}

void gen_optimizer_reset(gen_optimizer *o) {
    if (!o) return;
    for (size_t i = 0; i < o->cap; i++)
        if (o->slots[i].name) state_free(&o->slots[i]);
    core_free(o->slots, o->cap * sizeof *o->slots);
    o->slots = NULL;
    o->cap = o->len = 0;
}

void gen_optimizer_free(gen_optimizer *o) {
    if (!o) return;
    gen_optimizer_reset(o);
    core_free(o, sizeof *o);
}

static uint64_t name_hash(const char *s) { /* FNV-1a */
    uint64_t h = UINT64_C(14695981039346656037);
    for (; *s; s++) h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
    return h;
}

/* The slot of name (its state, or the empty slot where it would go). */
static opt_state *slot_of(const gen_optimizer *o, const char *name, uint64_t h) {
    size_t mask = o->cap - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        opt_state *st = &o->slots[i];
        if (!st->name || (st->hash == h && strcmp(st->name, name) == 0)) return st;
    }
}

/* Room for `more` new names (load at most 1/2). */
static gen_status reserve(gen_optimizer *o, size_t more) {
    if (2 * (o->len + more) <= o->cap) return GEN_OK;
    size_t cap = o->cap ? o->cap : 8;
    while (2 * (o->len + more) > cap) cap *= 2;
    opt_state *slots = core_calloc(cap, sizeof *slots), *old = o->slots;
    if (!slots) return GEN_ERR_OOM;
    size_t old_cap = o->cap;
    o->slots = slots;
    o->cap = cap;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].name) *slot_of(o, old[i].name, old[i].hash) = old[i];
    core_free(old, old_cap * sizeof *old);
    return GEN_OK;
}

/* A new state for name (not yet in the table) into *out. */
static gen_status state_new(const gen_optimizer *o, const char *name, int64_t size, opt_state *out) {
    opt_state n = {.hash = name_hash(name), .size = size, .name_bytes = strlen(name) + 1};
    bool need_m = o->c.kind == GEN_OPT_MOMENTUM || o->c.kind == GEN_OPT_ADAM;
    bool need_s = o->c.kind == GEN_OPT_ADAM || o->c.kind == GEN_OPT_ADAPTIVE;
    n.name = core_alloc(n.name_bytes);
    if (need_m && n.name) n.m = core_calloc(1, state_bytes(&n));
    if (need_s && n.name && (!need_m || n.m)) n.s = core_calloc(1, state_bytes(&n));
    if (!n.name || (need_m && !n.m) || (need_s && !n.s)) {
        state_free(&n);
        return GEN_ERR_OOM;
    }
    memcpy(n.name, name, n.name_bytes);
    *out = n;
    return GEN_OK;
}

/* Every check before any change: names given and distinct, sizes as the state has them,
 * gradients finite. */
static gen_status validate(const gen_optimizer *o, const char *fn, int n, const char *const *names,
                           double *const *grad, const int64_t *size, int *fresh) {
    *fresh = 0;
    for (int i = 0; i < n; i++) {
        if (!names[i]) return GEN_FAIL(GEN_ERR_MISUSE, "%s: names[%d] is NULL", fn, i);
        for (int j = 0; j < i; j++)
            if (strcmp(names[i], names[j]) == 0)
                return GEN_FAIL(GEN_ERR_VALUE, "%s: the parameter %s is given twice (%d and %d)", fn, names[i], j, i);
        for (int64_t k = 0; k < size[i]; k++)
            if (!isfinite(grad[i][k]))
                return GEN_FAIL(GEN_ERR_VALUE, "%s: %s: the gradient is not finite (%g at element %lld)", fn, names[i],
                                grad[i][k], (long long)k);
        const opt_state *st = o->cap ? slot_of(o, names[i], name_hash(names[i])) : NULL;
        if (st && st->name && st->size != size[i])
            return GEN_FAIL(GEN_ERR_SHAPE, "%s: %s has %lld elements, %lld at its earlier steps", fn, names[i],
                            (long long)size[i], (long long)st->size);
        if (!st || !st->name) (*fresh)++;
    }
    return GEN_OK;
}

/* Clipping by value, then by the joint norm. */
static void clip(const gen_opt_config *c, int n, double *const *grad, const int64_t *size) {
    if (c->clip_value > 0)
        for (int i = 0; i < n; i++)
            for (int64_t k = 0; k < size[i]; k++) grad[i][k] = fmin(fmax(grad[i][k], -c->clip_value), c->clip_value);
    if (!(c->clip_norm > 0)) return;
    double big = 0, sum = 0; /* the norm, scaled against overflow */
    for (int i = 0; i < n; i++)
        for (int64_t k = 0; k < size[i]; k++) big = fmax(big, fabs(grad[i][k]));
    if (big == 0) return;
    for (int i = 0; i < n; i++)
        for (int64_t k = 0; k < size[i]; k++) sum += (grad[i][k] / big) * (grad[i][k] / big);
    double norm = big * sqrt(sum);
    if (norm <= c->clip_norm) return;
    double f = c->clip_norm / norm;
    for (int i = 0; i < n; i++)
        for (int64_t k = 0; k < size[i]; k++) grad[i][k] *= f;
}

/* The update of one parameter at its step st->t (already counted). */
static void update(const gen_opt_config *c, opt_state *st, double *theta, const double *g) {
    double t = (double)st->t;
    double a = c->decay > 0 ? c->step * (c->decay + 1) / (c->decay + t) : c->step;
    int64_t n = st->size;
    switch (c->kind) {
    case GEN_OPT_SGD:
        for (int64_t k = 0; k < n; k++) theta[k] += a * g[k];
        break;
    case GEN_OPT_MOMENTUM:
        for (int64_t k = 0; k < n; k++) {
            st->m[k] = c->momentum * st->m[k] + a * g[k];
            theta[k] += st->m[k];
        }
        break;
    case GEN_OPT_ADAM: {
        double c1 = 1 - pow(c->beta1, t), c2 = 1 - pow(c->beta2, t);
        for (int64_t k = 0; k < n; k++) {
            st->m[k] = c->beta1 * st->m[k] + (1 - c->beta1) * g[k];
            st->s[k] = c->beta2 * st->s[k] + (1 - c->beta2) * g[k] * g[k];
            theta[k] += c->step * (st->m[k] / c1) / (sqrt(st->s[k] / c2) + c->eps);
        }
        break;
    }
    case GEN_OPT_ADAPTIVE: {
        double r = c->step / sqrt(t);
        for (int64_t k = 0; k < n; k++) {
            st->s[k] = st->t == 1 ? g[k] * g[k] : 0.9 * st->s[k] + 0.1 * g[k] * g[k];
            theta[k] += r * g[k] / (1 + sqrt(st->s[k]));
        }
        break;
    }
    }
}

gen_status learn_optim_step(gen_optimizer *o, const char *fn, int n, const char *const *names, double *const *theta,
                            double *const *grad, const int64_t *size) {
    int fresh = 0;
    gen_status s = validate(o, fn, n, names, grad, size, &fresh);
    if (s == GEN_OK && fresh > 0) s = reserve(o, (size_t)fresh);
    if (s != GEN_OK) return s;
    opt_state *made = fresh > 0 ? core_alloc((size_t)fresh * sizeof *made) : NULL;
    if (fresh > 0 && !made) return GEN_ERR_OOM;
    int nm = 0; /* the new names' states, all made before any goes in the table */
    for (int i = 0; s == GEN_OK && i < n; i++)
        if (!slot_of(o, names[i], name_hash(names[i]))->name && (s = state_new(o, names[i], size[i], &made[nm])) == GEN_OK)
            nm++;
    for (int j = 0; j < nm; j++)
        if (s == GEN_OK) *slot_of(o, made[j].name, made[j].hash) = made[j];
        else state_free(&made[j]);
    if (made) core_free(made, (size_t)fresh * sizeof *made);
    if (s != GEN_OK) return s;
    o->len += (size_t)nm;
    clip(&o->c, n, grad, size);
    for (int i = 0; i < n; i++) {
        opt_state *st = slot_of(o, names[i], name_hash(names[i]));
        st->t++;
        update(&o->c, st, theta[i], grad[i]);
    }
    return GEN_OK;
}
