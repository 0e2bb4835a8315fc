/* scope.c — the per-thread stack of scopes that own temporaries (DESIGN decision 4).
 * Each scope is a vector of (object, release) pairs; the storage is kept while any
 * scope is open and freed when the outermost one ends, so threads leak nothing. */
#include <stdio.h>

#include "core.h"

#define SCOPE_MAX_DEPTH 256

typedef struct scope_entry {
    void *obj;
    core_release_fn release;
} scope_entry;

typedef struct scope {
    scope_entry *items;
    size_t len, cap;
} scope;

static _Thread_local scope scopes[SCOPE_MAX_DEPTH];
_Thread_local int core_scope_depth_; /* the open scopes (read inline by core.h users) */
static _Thread_local int high_water; /* deepest scope with storage */
/* The depth below which gen_scope_end refuses (the scopes user code running in a guard
 * did not open), and the refusals so far (core_guard_begin / CORE_GUARD_END). */
_Thread_local int core_scope_floor_, core_scope_refused_;
/* The double releases found so far (core_double_release): a scope's end that finds one
 * reports it. */
_Thread_local int core_release_errors_;

int gen_scope_depth(void) { return core_scope_depth_; }

gen_status gen_scope_begin(void) {
    if (core_scope_depth_ == SCOPE_MAX_DEPTH)
        return GEN_FAIL(GEN_ERR_MISUSE, "gen_scope_begin: more than %d nested scopes",
                        SCOPE_MAX_DEPTH);
    scopes[core_scope_depth_++].len = 0;
    return GEN_OK;
}

/* A gen_scope_end at the floor: none open, or user code ending a scope it did not open. */
static CORE_NOINLINE gen_status refuse_end(void) {
    if (core_scope_depth_ == 0) return GEN_FAIL(GEN_ERR_MISUSE, "gen_scope_end: no scope is open");
    core_scope_refused_++;
    return GEN_FAIL(GEN_ERR_MISUSE, "gen_scope_end: the innermost scope was not opened by the code running now (a "
                                    "model body or callback may end only the scopes it began); nothing was released");
}

gen_status gen_scope_end(void) {
    if (CORE_UNLIKELY(core_scope_depth_ <= core_scope_floor_)) return refuse_end();
    scope *s = &scopes[core_scope_depth_ - 1];
    /* Release in reverse order of creation; a release may not open or close scopes. A
     * release that finds its object already released (core_double_release) counts it:
     * the rest are released as usual, and the scope's end reports it. */
    int errors = core_release_errors_;
    for (size_t i = s->len; i-- > 0;) s->items[i].release(s->items[i].obj);
    s->len = 0;
    core_scope_depth_--;
    if (core_scope_depth_ == 0) {
        core_cache_flush();
        for (int d = 0; d < high_water; d++) {
            core_free(scopes[d].items, scopes[d].cap * sizeof(scope_entry));
            scopes[d].items = NULL;
            scopes[d].cap = 0;
        }
        high_water = 0;
    }
    return CORE_UNLIKELY(core_release_errors_ != errors) ? core_double_release_in_scope() : GEN_OK;
}

gen_status core_guard_fail(const core_guard *g, gen_status s, const char *part, const char *who_fmt, ...) {
    char who[256];
    va_list ap;
    va_start(ap, who_fmt);
    vsnprintf(who, sizeof who, who_fmt, ap);
    va_end(ap);
    int open = core_scope_depth_ - g->depth, refused = core_scope_refused_ - g->refused;
    core_scope_refused_ = g->refused; /* reported here, not again by an enclosing guard */
    while (core_scope_depth_ > g->depth) gen_scope_end(); /* the floor is the caller's again */
    bool doubled = core_release_errors_ != g->errors;
    core_release_errors_ = g->errors;
    if (open > 0)
        return GEN_FAIL(GEN_ERR_MISUSE, "%s: %s left %d scope%s open (a gen_scope_begin without its gen_scope_end; "
                                        "closed now)%s", who, part, open, open == 1 ? "" : "s",
                        refused ? ", and called gen_scope_end for a scope it did not open" : "");
    if (open == 0 && !refused && doubled) return s == GEN_OK ? core_double_release_in(who, part) : GEN_OK;
    if (open < 0) /* a scope was ended below the floor: only by a bug in GenC itself */
        return GEN_FAIL(GEN_ERR_INTERNAL, "%s: %s returned with %d scope%s fewer than it started with", who, part,
                        -open, open == -1 ? "" : "s");
    return GEN_FAIL(GEN_ERR_MISUSE, "%s: %s ended %d scope%s it did not open (gen_scope_end called inside a model "
                                    "or callback: refused)", who, part, refused, refused == 1 ? "" : "s");
}

/* Grows scope d's storage (the rare path of own_at, kept out of line). */
static CORE_NOINLINE gen_status grow(int d) {
    scope *s = &scopes[d];
    size_t ncap = s->cap ? 2 * s->cap : 64;
    scope_entry *n = core_realloc(s->items, s->cap * sizeof(scope_entry), ncap * sizeof(scope_entry));
    if (!n) return GEN_ERR_OOM;
    s->items = n;
    s->cap = ncap;
    if (d + 1 > high_water) high_water = d + 1;
    return GEN_OK;
}

static gen_status own_at(int d, void *obj, core_release_fn release) {
    if (d < 0) return GEN_ERR_MISUSE;
    scope *s = &scopes[d];
    if (CORE_UNLIKELY(s->len == s->cap) && grow(d) != GEN_OK) return GEN_ERR_OOM;
    s->items[s->len].obj = obj;
    s->items[s->len].release = release;
    s->len++;
    return GEN_OK;
}

gen_status core_scope_own(void *obj, core_release_fn release) {
    return own_at(core_scope_depth_ - 1, obj, release);
}

gen_status core_scope_own_parent(void *obj, core_release_fn release) {
    return own_at(core_scope_depth_ - 2, obj, release);
}
