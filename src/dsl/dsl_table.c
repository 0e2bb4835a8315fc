/* dsl_table.c — the set of addresses a run has traced (choices, calls, and the proper
 * prefixes of both), so a duplicate or overlapping address is caught when it is
 * traced, in O(depth) hash lookups. */
#include <string.h>

#include "dsl_int.h"

static bool slot_matches(const gen_ctx *ctx, const dsl_slot *s, const gen_addr *a, uint64_t h) {
    if (s->hash != h || s->len != a->len) return false;
    const gen_part *r = ctx->data.recs[s->rec].addr.parts;
    for (int k = 0; k < a->len; k++) /* addresses are short: no memcmp call */
        if (r[k].v != a->parts[k].v) return false;
    return true;
}

/* The slot holding a, or the empty slot where it would go. */
static int64_t find_slot(const gen_ctx *ctx, const gen_addr *a, uint64_t h) {
    int64_t mask = ctx->tcap - 1, i = (int64_t)(h & (uint64_t)mask);
    while (ctx->table[i].kind != DSL_SLOT_EMPTY && !slot_matches(ctx, &ctx->table[i], a, h))
        i = (i + 1) & mask;
    return i;
}

/* How many records the run will likely make, so the first allocations fit: the old
 * trace's count in update and regenerate, else the count of the function's last run
 * (ctx->hint; the constraint count would include the choices under calls). */
static int64_t size_hint(const gen_ctx *ctx) { return ctx->old.d ? ctx->old.d->n : ctx->hint; }

/* Room for `more` insertions at load <= 1/2. */
static gen_status table_reserve(gen_ctx *ctx, int64_t more) {
    if (2 * (ctx->tn + more) <= ctx->tcap) return GEN_OK;
    int64_t ncap = ctx->tcap ? ctx->tcap : 64;
    if (!ctx->tcap)
        while (ncap < 4 * size_hint(ctx)) ncap *= 2; /* room for the hint and its prefixes */
    while (2 * (ctx->tn + more) > ncap) ncap *= 2;
    dsl_slot *t = core_alloc_small((size_t)ncap * sizeof *t); /* a run's table: cached */
    if (!t) return GEN_ERR_OOM;
    memset(t, 0, (size_t)ncap * sizeof *t);
    for (int64_t i = 0; i < ctx->tcap; i++) {
        if (ctx->table[i].kind == DSL_SLOT_EMPTY) continue;
        int64_t j = (int64_t)(ctx->table[i].hash & (uint64_t)(ncap - 1));
        while (t[j].kind != DSL_SLOT_EMPTY) j = (j + 1) & (ncap - 1);
        t[j] = ctx->table[i];
    }
    if (ctx->table) core_free_small(ctx->table, (size_t)ctx->tcap * sizeof *ctx->table);
    ctx->table = t;
    ctx->tcap = ncap;
    return GEN_OK;
}

static gen_status push_record(gen_ctx *ctx, const gen_addr *a) {
    dsl_data *d = &ctx->data;
    if (d->n == d->cap) {
        int64_t hint = d->cap ? 0 : size_hint(ctx), ncap = d->cap ? 2 * d->cap : hint > 16 ? hint : 16;
        dsl_rec *r = core_realloc(d->recs, (size_t)d->cap * sizeof *r, (size_t)ncap * sizeof *r);
        if (!r) return GEN_ERR_OOM;
        d->recs = r;
        d->cap = ncap;
    }
    dsl_rec *r = &d->recs[d->n++];
    /* Only the address's parts are copied: a gen_addr is mostly unused room. */
    r->addr.len = a->len;
    memcpy(r->addr.parts, a->parts, (size_t)a->len * sizeof a->parts[0]);
    r->value = r->score = r->weight = NULL;
    r->sub = NULL;
    return GEN_OK;
}

static const char *kind_name(int kind) {
    return kind == DSL_SLOT_CHOICE ? "a choice" : kind == DSL_SLOT_CALL ? "a call" : "a namespace";
}

static int64_t fail_traced(gen_ctx *ctx, const gen_addr *a, const gen_addr *other, int kind) {
    char s[GEN_ADDR_FORMAT_MAX] = "the root address", o[GEN_ADDR_FORMAT_MAX];
    if (a->len) gen_addr_format(a, s, sizeof s);
    if (kind == DSL_SLOT_PREFIX)
        ctx->status = GEN_FAIL(GEN_ERR_VALUE, "%s: address already traced (choices lie below it)", s);
    else if (other)
        ctx->status = GEN_FAIL(GEN_ERR_VALUE, "%s: address already traced (%s is %s)", s,
                               (gen_addr_format(other, o, sizeof o), o), kind_name(kind));
    else
        ctx->status = GEN_FAIL(GEN_ERR_VALUE, "%s: address already traced", s);
    return -1;
}

/* The root address (a distribution used as a generative function: its one choice) is
 * the prefix of every other: it may be traced only as the run's one site. */
gen_status dsl_check_root(gen_ctx *ctx) {
    if (!ctx->root || ctx->data.n == 1) return GEN_OK;
    char buf[GEN_ADDR_FORMAT_MAX];
    gen_addr_format(&ctx->data.recs[1].addr, buf, sizeof buf);
    return ctx->status = GEN_FAIL(GEN_ERR_VALUE, "%s: address already traced (the root address is traced, and "
                                  "every address lies below it)", buf);
}

/* The rest of dsl_claim for the root (slot i, hash h, record rec pushed): it must be the
 * run's first site. A site after it is refused by dsl_check_root when the body returns
 * (not in dsl_claim, which runs once per choice). */
static int64_t claim_root(gen_ctx *ctx, int64_t i, uint64_t h, int64_t rec, int kind) {
    if (rec > 0) {
        ctx->status = GEN_FAIL(GEN_ERR_VALUE, "the root address: address already traced (choices lie below it)");
        return -1;
    }
    ctx->table[i] = (dsl_slot){h, rec, 0, kind};
    ctx->tn++;
    ctx->root = true;
    return rec;
}

int64_t dsl_claim(gen_ctx *ctx, const gen_addr *a, int kind) {
    /* one slot at least: the root has no parts */
    if (table_reserve(ctx, a->len ? a->len : 1) != GEN_OK || push_record(ctx, a) != GEN_OK) {
        ctx->status = GEN_ERR_OOM;
        return -1;
    }
    int64_t rec = ctx->data.n - 1;
    uint64_t h = gen_addr_hash(a);
    int64_t i = find_slot(ctx, a, h);
    if (ctx->table[i].kind != DSL_SLOT_EMPTY) return fail_traced(ctx, a, NULL, ctx->table[i].kind);
    if (CORE_UNLIKELY(a->len == 0)) return claim_root(ctx, i, h, rec, kind);
    gen_addr p; /* the prefixes of a, in place; parts beyond a->len are never read */
    memcpy(p.parts, a->parts, (size_t)(a->len - 1) * sizeof a->parts[0]);
    for (int k = 1; k < a->len; k++) {
        p.len = k;
        uint64_t hp = gen_addr_hash(&p);
        int64_t j = find_slot(ctx, &p, hp);
        int kj = ctx->table[j].kind;
        if (kj == DSL_SLOT_CHOICE || kj == DSL_SLOT_CALL) return fail_traced(ctx, a, &p, kj);
        if (kj == DSL_SLOT_EMPTY) {
            ctx->table[j] = (dsl_slot){hp, rec, k, DSL_SLOT_PREFIX};
            ctx->tn++;
        }
    }
    i = find_slot(ctx, a, h); /* the prefixes may have taken the slot found first */
    ctx->table[i] = (dsl_slot){h, rec, a->len, kind};
    ctx->tn++;
    return rec;
}

int dsl_lookup_kind(const gen_ctx *ctx, const gen_addr *a) {
    if (!ctx->tcap) return DSL_SLOT_EMPTY;
    return ctx->table[find_slot(ctx, a, gen_addr_hash(a))].kind;
}

void dsl_table_free(gen_ctx *ctx) {
    if (ctx->table) core_free_small(ctx->table, (size_t)ctx->tcap * sizeof *ctx->table);
    ctx->table = NULL;
    ctx->tcap = ctx->tn = 0;
}
