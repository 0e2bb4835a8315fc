/* dist_gf.c — distributions as generative functions (Gen.jl's semantics): one choice at
 * the root address, the distribution's parameters as the arguments, the choice as the
 * return value. A dynamic function whose body makes that one choice, so every GFI
 * operation, batched mode and the evaluation states come from the DSL. */
#include "dsl_int.h"

enum { DG_FIXED, DG_CALLBACK, DG_FAMILY1, DG_FAMILY2, DG_FAMILY3 };

typedef struct dist_gf {
    int how;
    int arity; /* the argument count the family takes (DG_FAMILY*) */
    gen_dist *fixed; /* DG_FIXED: retained */
    gen_dist *(*make)(void *payload, const gen_args *args);
    void *payload;
    void (*free_payload)(void *payload);
    gen_dist *(*f1)(const gen_array *);
    gen_dist *(*f2)(const gen_array *, const gen_array *);
    gen_dist *(*f3)(const gen_array *, const gen_array *, const gen_array *);
} dist_gf;

static void dist_gf_free(void *p) {
    dist_gf *g = p;
    gen_dist_release(g->fixed);
    if (g->free_payload) g->free_payload(g->payload);
    core_free(g, sizeof *g);
}

static gen_dist *make_dist(const dist_gf *g, const gen_args *args) {
    if (g->how == DG_FIXED) return g->fixed;
    if (g->how == DG_CALLBACK) {
        core_guard guard = core_guard_begin();
        gen_dist *d = g->make(g->payload, args);
        return CORE_GUARD_END(guard, d ? GEN_OK : GEN_ERR_CALLBACK, "the callback", "gen_dist_gf") == GEN_OK ? d : NULL;
    }
    if (args->n != g->arity) {
        GEN_FAIL(GEN_ERR_VALUE, "takes %d argument%s (the distribution's parameters), got %d", g->arity,
                 g->arity == 1 ? "" : "s", args->n);
        return NULL;
    }
    gen_array *const *v = args->v;
    return g->how == DG_FAMILY1 ? g->f1(v[0]) : g->how == DG_FAMILY2 ? g->f2(v[0], v[1]) : g->f3(v[0], v[1], v[2]);
}

static gen_status dist_body(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_dist *d = make_dist(gen_ctx_payload(ctx), args);
    if (!d) {
        gen_status s = core_error_pending();
        return s ? s : GEN_FAIL(GEN_ERR_CALLBACK, "the distribution callback returned NULL without an error");
    }
    static const gen_addr root = {0, {{0}}};
    *retval = gen_choose_at(ctx, &root, d);
    return gen_ctx_status(ctx);
}

static gen_gf *dist_gf_new(const char *name, dist_gf *g) {
    if (!g) return NULL;
    return gen_dynamic_with(name, dist_body, g, dist_gf_free);
}

static dist_gf *dist_gf_alloc(const char *fn, const char *name, const void *what) {
    if (!name || !what) {
        GEN_FAIL(GEN_ERR_MISUSE, "%s: the %s is NULL", fn, name ? "distribution" : "name");
        return NULL;
    }
    return core_calloc(1, sizeof(dist_gf));
}

gen_gf *gen_dist_gf_fixed(const char *name, const gen_dist *d) {
    if (!d && core_error_pending()) return NULL;
    dist_gf *g = dist_gf_alloc("gen_dist_gf_fixed", name, d);
    if (!g) return NULL;
    g->how = DG_FIXED;
    g->fixed = gen_dist_retain((gen_dist *)d);
    return dist_gf_new(name, g);
}

gen_gf *gen_dist_gf(const char *name, gen_dist *(*make)(void *payload, const gen_args *args), void *payload,
                    void (*free_payload)(void *payload)) {
    dist_gf *g = dist_gf_alloc("gen_dist_gf", name, (const void *)(uintptr_t)make);
    if (!g) {
        if (free_payload) free_payload(payload);
        return NULL;
    }
    *g = (dist_gf){.how = DG_CALLBACK, .make = make, .payload = payload, .free_payload = free_payload};
    return dist_gf_new(name, g);
}

gen_gf *gen_dist_gf1(const char *name, gen_dist *(*family)(const gen_array *)) {
    dist_gf *g = dist_gf_alloc("gen_dist_gf1", name, (const void *)(uintptr_t)family);
    if (!g) return NULL;
    *g = (dist_gf){.how = DG_FAMILY1, .arity = 1, .f1 = family};
    return dist_gf_new(name, g);
}

gen_gf *gen_dist_gf2(const char *name, gen_dist *(*family)(const gen_array *, const gen_array *)) {
    dist_gf *g = dist_gf_alloc("gen_dist_gf2", name, (const void *)(uintptr_t)family);
    if (!g) return NULL;
    *g = (dist_gf){.how = DG_FAMILY2, .arity = 2, .f2 = family};
    return dist_gf_new(name, g);
}

gen_gf *gen_dist_gf3(const char *name, gen_dist *(*family)(const gen_array *, const gen_array *, const gen_array *)) {
    dist_gf *g = dist_gf_alloc("gen_dist_gf3", name, (const void *)(uintptr_t)family);
    if (!g) return NULL;
    *g = (dist_gf){.how = DG_FAMILY3, .arity = 3, .f3 = family};
    return dist_gf_new(name, g);
}
