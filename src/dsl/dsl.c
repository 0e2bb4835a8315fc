/* dsl.c — the body-facing calls (gen_choose, gen_choose_at, gen_call, gen_splice,
 * gen_factor): argument checks, then the running operation's handler. */
#include <string.h>

#include "dsl_int.h"
#include "../array/autodiff_int.h"
#include "../choice/choice_int.h"

/* The failed-run and NULL-context checks shared by every call. */
static bool ctx_ok(gen_ctx *ctx, const char *fn) {
    if (!ctx) {
        GEN_FAIL(GEN_ERR_MISUSE, "%s: the context is NULL", fn);
        return false;
    }
    return ctx->status == GEN_OK;
}

/* gen_intern through a small per-thread cache keyed by the name's pointer: bodies pass
 * the same string literals run after run. The pointer alone proves nothing (a buffer
 * may have been rewritten), so a hit is confirmed by the text: the symbol's name, kept
 * from when it was cached (the name of an interned symbol never moves or dies before a
 * table reset, which the epoch tells). */
static gen_sym intern_cached(const char *name) {
    static _Thread_local struct {
        const char *p, *text;
        gen_sym s;
        uint32_t epoch;
    } cache[256];
    /* p ^ p >> 3 is one-to-one on runs of names 1, 2 or 8 bytes apart (adjacent literals
     * "a", "b", "c"; a table of char[8] names), so such runs never evict each other */
    size_t i = (size_t)(((uintptr_t)name ^ ((uintptr_t)name >> 3)) & 255);
    uint32_t epoch = intern_epoch();
    if (cache[i].p == name && cache[i].epoch == epoch && strcmp(cache[i].text, name) == 0) return cache[i].s;
    gen_sym s = gen_intern(name);
    const char *text = s != GEN_SYM_INVALID ? gen_sym_name(s) : NULL;
    if (text) {
        cache[i].p = name;
        cache[i].text = text;
        cache[i].s = s;
        cache[i].epoch = epoch;
    }
    return s;
}

static bool name_addr(gen_ctx *ctx, const char *fn, const char *name, gen_addr *a) {
    if (!name) {
        ctx->status = GEN_FAIL(GEN_ERR_MISUSE, "%s: the address name is NULL", fn);
        return false;
    }
    gen_sym s = *name ? intern_cached(name) : GEN_SYM_INVALID;
    if (s == GEN_SYM_INVALID) {
        if (!*name) GEN_FAIL(GEN_ERR_VALUE, "%s: the address name is empty", fn);
        ctx->status = core_error_pending();
        return false;
    }
    a->len = 1;
    a->parts[0] = gen_part_sym(s);
    return true;
}

/* A choice at a: the handler's, or for a NULL distribution the error that made it (a
 * family's "normal: sigma must be > 0, got -1") or GEN_ERR_MISUSE, prefixed by a; for a
 * released one GEN_ERR_MISUSE naming it. */
static CORE_NOINLINE gen_array *choice_fail(gen_ctx *ctx, const char *fn, const gen_addr *a, const gen_dist *d) {
    if (d) core_dead_fail(fn, "the distribution", d, "a distribution");
    else if (!core_error_pending()) GEN_FAIL(GEN_ERR_MISUSE, "%s: the distribution is NULL", fn);
    return dsl_fail_at(ctx, a);
}

/* Under a capture: the checks recorded for this choice (its distribution's parameter
 * checks, its density's) name its address, as the eager path's errors do. */
static CORE_NOINLINE void capture_site(const gen_addr *a) {
    char buf[GEN_ADDR_FORMAT_MAX];
    gen_addr_format(a, buf, sizeof buf);
    ad_capture_site(buf);
}

static inline gen_array *choice_at(gen_ctx *ctx, const char *fn, const gen_addr *a, const gen_dist *d) {
    if (CORE_UNLIKELY(!d || core_dead(d))) return choice_fail(ctx, fn, a, d);
    gen_array *r = dsl_on_choice(ctx, a, d);
    if (CORE_UNLIKELY(ad_capture_depth)) capture_site(a);
    return r;
}

gen_array *gen_choose_at(gen_ctx *ctx, const gen_addr *addr, const gen_dist *d) {
    if (!ctx_ok(ctx, "gen_choose_at")) return NULL;
    if (!addr) {
        ctx->status = GEN_FAIL(GEN_ERR_MISUSE, "gen_choose_at: the address is NULL");
        return NULL;
    }
    return choice_at(ctx, "gen_choose_at", addr, d);
}

gen_array *gen_choose(gen_ctx *ctx, const char *name, const gen_dist *d) {
    gen_addr a;
    if (!ctx_ok(ctx, "gen_choose") || !name_addr(ctx, "gen_choose", name, &a)) return NULL;
    return choice_at(ctx, "gen_choose", &a, d);
}

gen_array *gen_call(gen_ctx *ctx, const char *name, const gen_gf *f, const gen_args *args) {
    gen_addr a;
    if (!ctx_ok(ctx, "gen_call") || !name_addr(ctx, "gen_call", name, &a)) return NULL;
    if (CORE_UNLIKELY(!f)) {
        if (!core_error_pending()) GEN_FAIL(GEN_ERR_MISUSE, "gen_call: the generative function is NULL");
        return dsl_fail_at(ctx, &a);
    }
    return dsl_on_call(ctx, &a, f, args);
}

gen_array *gen_splice(gen_ctx *ctx, const gen_gf *f, const gen_args *args) {
    if (!ctx_ok(ctx, "gen_splice")) return NULL;
    gen_status s = gfi_check_call("gen_splice", f, args);
    if (s == GEN_OK && f->vt != &dsl_vtable)
        s = GEN_FAIL(GEN_ERR_UNSUPPORTED, "gen_splice: %s is not a dynamic function (only those "
                     "can be spliced; use gen_call)", f->name);
    if (s != GEN_OK) {
        ctx->status = s;
        return NULL;
    }
    gen_array *ret = NULL;
    return dsl_run_body(f, ctx, args, &ret) == GEN_OK ? ret : NULL;
}

gen_status gen_factor(gen_ctx *ctx, const gen_array *log_weight) {
    if (!ctx_ok(ctx, "gen_factor")) return ctx ? ctx->status : GEN_ERR_MISUSE;
    if (!log_weight) {
        gen_status s = core_error_pending();
        return ctx->status = s ? s : GEN_FAIL(GEN_ERR_MISUSE, "gen_factor: the log weight is NULL");
    }
    const gen_array *w = log_weight;
    if (gen_array_ndim(w) > 0) w = gen_sum(w, 0, NULL, false);
    if (!w) return ctx->status = core_error_pending() ? core_error_pending() : GEN_ERR_OOM;
    if (gfi_check_log_density(w, "gen_factor", "the log weight") != GEN_OK) return ctx->status = GEN_ERR_VALUE;
    int64_t saved = gen_batch_suspend(); /* w: 0-d, or [n] per particle in batched mode */
    gen_status s = ctx->h->on_factor(ctx, w);
    gen_batch_resume(saved);
    return s;
}

gen_status gen_ctx_status(const gen_ctx *ctx) {
    return ctx ? ctx->status : GEN_FAIL(GEN_ERR_MISUSE, "gen_ctx_status: the context is NULL");
}

void *gen_ctx_payload(const gen_ctx *ctx) { return ctx ? ctx->payload : NULL; }
