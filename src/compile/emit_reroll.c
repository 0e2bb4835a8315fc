/* emit_reroll.c — loops found again in a captured graph. A model's loop over time steps
 * written with scalar ops (an ARMA or GARCH recursion, an HMM forward pass) captures as
 * T copies of one block of nodes, and its gradient as T copies of another; emitted as
 * written, that is T x ops statements, whose compilation grows faster than linearly
 * with T. Here a run of R >= 4 blocks of P nodes with the same ops, parameters and shapes
 * becomes one loop over r when every argument of the block is, across the blocks:
 *   - the same value (a parameter, a constant);
 *   - a value of the same block (computed earlier in the iteration);
 *   - a value of the previous block (the loop-carried state; block 0 reads its initial
 *     value from before the loop);
 *   - a value of an earlier loop at an affine block index (the backward pass reads the
 *     forward loop's values in reverse: block R - 1 - r);
 *   - a one-element constant that differs per block (the data y[t]): a table in the code.
 * Every value of a loop is kept per block (S<s>_<q>_<j>[r * size + i]), so code after
 * the loop reads block r's values at a constant r. Failure codes stay per node: block r's
 * node q is block 0's plus r times the blocks' node stride. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"

#define REROLL_MIN_R 4
#define REROLL_MAX_P 512
#define REROLL_MIN_NODES 16
/* Signature comparisons and argument checks one graph may spend on the search (a few
 * tenths of a second): a search that keeps failing would otherwise grow as nodes^2. */
#define REROLL_BUDGET ((int64_t)100 * 1000 * 1000)

/* A node's signature: what must be equal in every block. */
static uint64_t signature(const cg_graph *g, const cg_node *nd) {
    uint64_t h = 0xcbf29ce484222325ULL;
#define MIX(x)                                                                              \
    do {                                                                                    \
        uint64_t x_ = (uint64_t)(x);                                                        \
        for (int b_ = 0; b_ < 8; b_++) h = (h ^ ((x_ >> (8 * b_)) & 0xff)) * 0x100000001b3ULL; \
    } while (0)
    MIX(nd->kind);
    MIX(nd->op);
    MIX(nd->n_in);
    MIX(nd->n_out);
    const op_params *p = &nd->p;
    MIX(p->naxes);
    for (int i = 0; i < p->naxes && i < GEN_MAX_DIMS; i++) MIX(p->axes[i]);
    MIX(p->keepdims);
    MIX(p->axis);
    MIX(p->ndim);
    for (int i = 0; i < p->ndim && i < GEN_MAX_DIMS; i++) MIX(p->shape[i]);
    if (nd->op != OP_SLICE) MIX(p->start); /* a slice's may grow per block (checked affine) */
    MIX(p->stop);
    MIX(p->step);
    MIX(p->k);
    MIX(p->dtype);
    MIX(p->lower);
    MIX(p->transpose);
    MIX(p->reverse);
    MIX((uintptr_t)p->scalar_grad);
    if (nd->kind == CG_CHECK) {
        MIX(nd->check.kind);
        MIX((uintptr_t)nd->check.pred);
        for (const char *c = nd->check.family; *c; c++) MIX(*c);
        for (const char *c = nd->check.name; *c; c++) MIX(*c);
    }
    for (int i = 0; i < nd->n_in; i++) {
        const cg_value *v = &g->values[nd->in[i]];
        MIX(v->dtype);
        MIX(v->ndim);
        for (int d = 0; d < v->ndim; d++) MIX(v->shape[d]);
        MIX(v->kind == CG_CONST && v->size == 1 ? 7 : v->kind);
    }
    for (int j = 0; j < nd->n_out; j++) {
        const cg_value *v = &g->values[nd->out[j]];
        MIX(v->dtype);
        MIX(v->ndim);
        for (int d = 0; d < v->ndim; d++) MIX(v->shape[d]);
    }
#undef MIX
    return h;
}

/* Per value: where a loop computes it (segment, body position, output, block), or -1. */
typedef struct where {
    int32_t seg, q, j, r;
} where;

typedef struct finder {
    cg_emit *e;
    int32_t *live; /* live node ids in order */
    int32_t n_live;
    uint64_t *sig;  /* per live position */
    int64_t work;   /* comparisons so far (REROLL_BUDGET) */
    where *at;      /* per root value */
    /* the body expressions of the loop being examined */
    int32_t *ov_val;
    char **ov_expr;
    int32_t n_ov, cap_ov;
} finder;

static int32_t root(const cg_emit *e, int32_t v) { return e->st[v].root; }

static bool block_affine(const finder *f, int32_t s, int32_t P, int32_t R) {
    /* node ids of block r at position q are block 0's plus r times one stride */
    int32_t stride = f->live[s + P] - f->live[s];
    for (int32_t r = 1; r < R; r++)
        for (int32_t q = 0; q < P; q++)
            if (f->live[s + r * P + q] - f->live[s + q] != r * stride) return false;
    return true;
}

/* Records the body's expression for value v (a root); false when v already has another. */
static bool body_expr(finder *f, int32_t v, const char *expr) {
    for (int32_t k = 0; k < f->n_ov; k++)
        if (f->ov_val[k] == v) return !strcmp(f->ov_expr[k], expr);
    if (f->n_ov == f->cap_ov) { /* both grow together, or neither (their size is cap_ov) */
        int32_t nc = f->cap_ov ? 2 * f->cap_ov : 64;
        int32_t *nv = core_alloc((size_t)nc * sizeof *nv);
        char **ne = core_alloc((size_t)nc * sizeof *ne);
        if (!nv || !ne) {
            core_free(nv, (size_t)nc * sizeof *nv);
            core_free(ne, (size_t)nc * sizeof *ne);
            return false;
        }
        if (f->n_ov) {
            memcpy(nv, f->ov_val, (size_t)f->n_ov * sizeof *nv);
            memcpy(ne, f->ov_expr, (size_t)f->n_ov * sizeof *ne);
        }
        core_free(f->ov_val, (size_t)f->cap_ov * sizeof *nv);
        core_free(f->ov_expr, (size_t)f->cap_ov * sizeof *ne);
        f->ov_val = nv;
        f->ov_expr = ne;
        f->cap_ov = nc;
    }
    size_t n = strlen(expr) + 1;
    char *c = core_alloc(n);
    if (!c) return false;
    memcpy(c, expr, n);
    f->ov_val[f->n_ov] = v;
    f->ov_expr[f->n_ov++] = c;
    return true;
}

static void body_exprs_free(finder *f) {
    for (int32_t k = 0; k < f->n_ov; k++) core_free(f->ov_expr[k], strlen(f->ov_expr[k]) + 1);
    core_free(f->ov_val, (size_t)f->cap_ov * sizeof *f->ov_val);
    core_free(f->ov_expr, (size_t)f->cap_ov * sizeof *f->ov_expr);
    f->ov_val = NULL;
    f->ov_expr = NULL;
    f->n_ov = f->cap_ov = 0;
}

/* The rule for argument i of body node q across the blocks, as the body's expression of
 * block 0's value; false when the blocks follow none. */
static bool describe(finder *f, int32_t sid, int32_t s, int32_t P, int32_t R, int32_t q, int i) {
    cg_emit *e = f->e;
    const cg_graph *g = e->g;
#define ARG(r) root(e, g->nodes[f->live[s + (r) * P + q]].in[i])
    int32_t v0 = ARG(0);
    bool same = true;
    for (int32_t r = 1; r < R && same; r++) same = ARG(r) == v0;
    const where *w0 = &f->at[v0];
    char buf[320];
    if (same && w0->seg < 0) { /* invariant: its own storage (recorded, so no other rule claims the value) */
        snprintf(buf, sizeof buf, "%s", cg_ref(e, v0, "$i"));
        return body_expr(f, v0, buf);
    }
    int32_t v1 = ARG(1);
    const where *w1 = &f->at[v1];
    const cg_value *x = &g->values[v1];
    if (w1->seg == sid) { /* this loop's: the same block, or the previous one */
        bool cur = w0->seg == sid && w0->r == 0 && w0->q < q, prev = w0->seg != sid && w1->r == 0;
        for (int32_t r = 1; r < R && (prev || cur); r++) {
            const where *wr = &f->at[ARG(r)];
            if (wr->seg != sid || wr->q != w1->q || wr->j != w1->j) prev = cur = false;
            else if (cur && wr->r != r) cur = false;
            else if (prev && wr->r != r - 1) prev = false;
        }
        if (cur) {
            snprintf(buf, sizeof buf, "S%d_%d_%d[blk * %" PRId64 " + ($i)]", (int)sid, (int)w1->q, (int)w1->j, x->size);
        } else if (prev) {
            char init[200];
            snprintf(init, sizeof init, "%s", cg_ref(e, v0, "$i"));
            snprintf(buf, sizeof buf, "(blk == 0 ? %s : S%d_%d_%d[(blk - 1) * %" PRId64 " + ($i)])", init, (int)sid,
                     (int)w1->q, (int)w1->j, x->size);
        } else {
            return false;
        }
    } else if (w0->seg >= 0) { /* an earlier loop's values, at an affine block */
        int64_t a = (int64_t)w1->r - w0->r, b = w0->r;
        for (int32_t r = 0; r < R; r++) {
            const where *wr = &f->at[ARG(r)];
            if (wr->seg != w0->seg || wr->q != w0->q || wr->j != w0->j || wr->r != a * r + b) return false;
        }
        snprintf(buf, sizeof buf, "S%d_%d_%d[(%" PRId64 " * blk + %" PRId64 ") * %" PRId64 " + ($i)]", (int)w0->seg,
                 (int)w0->q, (int)w0->j, a, b, g->values[v0].size);
    } else { /* one-element constants, one per block: a table */
        for (int32_t r = 0; r < R; r++) {
            int32_t vr = ARG(r);
            if (!cg_inline_const(g, vr) || g->values[vr].dtype != g->values[v0].dtype) return false;
        }
        snprintf(buf, sizeof buf, "T%d_%d_%d[blk]", (int)sid, (int)q, i);
        cg_text_printf(&e->tables, "    static const %s T%d_%d_%d[%d] = {", cg_ctype(g->values[v0].dtype), (int)sid,
                       (int)q, i, (int)R);
        for (int32_t r = 0; r < R; r++) cg_text_printf(&e->tables, "%s%s", r ? ", " : "", e->st[ARG(r)].lit);
        cg_text_printf(&e->tables, "};\n");
    }
#undef ARG
    return body_expr(f, v0, buf);
}

/* The longest run of blocks from live position s: *P and *R (R 0: none). */
static void find_run(finder *f, int32_t s, int32_t *P, int32_t *R) {
    *P = *R = 0;
    int64_t best = 0;
    for (int32_t p = 1; p <= REROLL_MAX_P && s + REROLL_MIN_R * p <= f->n_live; p++) {
        int32_t r = 1;
        while (s + (r + 1) * p <= f->n_live) {
            int32_t q = 0;
            while (q < p && f->sig[s + r * p + q] == f->sig[s + q]) q++;
            f->work += q + 1;
            if (q < p) break;
            r++;
        }
        if (r >= REROLL_MIN_R && (int64_t)r * p > best && (int64_t)r * p >= REROLL_MIN_NODES) {
            best = (int64_t)r * p;
            *P = p;
            *R = r;
        }
    }
}

/* Marks where loop sid's values are (or clears it: sid -1). */
static void place(finder *f, int32_t sid, int32_t s, int32_t P, int32_t R) {
    const cg_graph *g = f->e->g;
    for (int32_t r = 0; r < R; r++)
        for (int32_t q = 0; q < P; q++) {
            const cg_node *nd = &g->nodes[f->live[s + r * P + q]];
            if (nd->kind == CG_OP && cg_is_alias(g, nd)) continue; /* its value is its argument's */
            for (int j = 0; j < nd->n_out; j++) f->at[nd->out[j]] = (where){sid, q, j, r};
        }
}

/* Makes loop sid of R blocks of P nodes from live position s, or returns false. */
static bool make_loop(finder *f, int32_t s, int32_t P, int32_t R) {
    cg_emit *e = f->e;
    const cg_graph *g = e->g;
    int32_t sid = e->n_segs;
    size_t tables = e->tables.n;
    bool code = false; /* a run of views only needs no loop */
    for (int32_t q = 0; q < P && !code; q++) {
        const cg_node *n0 = &g->nodes[f->live[s + q]];
        code = !(n0->kind == CG_OP && cg_is_alias(g, n0));
    }
    if (!code) return false;
    place(f, sid, s, P, R);
    bool ok = true;
    int64_t *steps = core_calloc((size_t)P + 1, sizeof *steps);
    ok = steps != NULL;
    for (int32_t q = 0; q < P && ok; q++) { /* a slice's first index: affine in the block */
        const cg_node *n0 = &g->nodes[f->live[s + q]];
        if (n0->kind != CG_OP || n0->op != OP_SLICE) continue;
        steps[q] = g->nodes[f->live[s + P + q]].p.start - n0->p.start;
        for (int32_t r = 1; r < R && ok; r++) ok = g->nodes[f->live[s + r * P + q]].p.start == n0->p.start + r * steps[q];
    }
    for (int32_t q = 0; q < P && ok; q++) {
        const cg_node *nd = &g->nodes[f->live[s + q]];
        if (nd->kind == CG_OP && cg_is_alias(g, nd)) continue;
        for (int i = 0; i < nd->n_in && ok; i++) ok = describe(f, sid, s, P, R, q, i);
        for (int j = 0; j < nd->n_out && ok; j++) { /* what the body writes */
            char buf[160];
            snprintf(buf, sizeof buf, "S%d_%d_%d[blk * %" PRId64 " + ($i)]", (int)sid, (int)q, j, g->values[nd->out[j]].size);
            ok = body_expr(f, nd->out[j], buf);
        }
    }
    cg_segment *sg = &e->segs[sid];
    if (ok) {
        *sg = (cg_segment){.P = P, .R = R, .stride = f->live[s + P] - f->live[s], .start_step = steps};
        sg->body = core_alloc(((size_t)P + 1) * sizeof *sg->body);
        sg->off = core_calloc((size_t)P * 2 + 1, sizeof *sg->off);
        ok = sg->body && sg->off;
    }
    if (!ok) {
        if (sg->body) core_free(sg->body, ((size_t)P + 1) * sizeof *sg->body);
        if (sg->off) core_free(sg->off, ((size_t)P * 2 + 1) * sizeof *sg->off);
        *sg = (cg_segment){0};
        core_free(steps, ((size_t)P + 1) * sizeof *steps);
        place(f, -1, s, P, R);
        body_exprs_free(f);
        e->tables.n = tables;
        if (e->tables.s) e->tables.s[tables] = 0;
        return false;
    }
    sg->n_ov = f->n_ov;
    sg->cap_ov = f->cap_ov;
    sg->ov_val = f->ov_val;
    sg->ov_expr = f->ov_expr;
    f->ov_val = NULL, f->ov_expr = NULL, f->n_ov = f->cap_ov = 0; /* the loop owns them (n_ov of them) */
    for (int32_t q = 0; q < P; q++) {
        sg->body[q] = f->live[s + q];
        const cg_node *nd = &g->nodes[sg->body[q]];
        if (nd->kind == CG_OP && cg_is_alias(g, nd)) continue;
        for (int j = 0; j < nd->n_out; j++) {
            const cg_value *x = &g->values[nd->out[j]];
            sg->off[q * 2 + j] = e->work_bytes;
            e->work_bytes += (R * x->size * (int64_t)gen_dtype_size(x->dtype) + 15) / 16 * 16;
        }
    }
    for (int32_t r = 0; r < R; r++) /* code after the loop reads block r's values at r */
        for (int32_t q = 0; q < P; q++) {
            int32_t k = f->live[s + r * P + q];
            e->seg_of[k] = sid;
            const cg_node *nd = &g->nodes[k];
            if (nd->kind == CG_OP && cg_is_alias(g, nd)) continue;
            for (int j = 0; j < nd->n_out; j++) {
                char buf[128];
                int n = snprintf(buf, sizeof buf, "S%d_%d_%d[%d * %" PRId64 " + ($i)]", (int)sid, (int)q, j, (int)r,
                                 g->values[nd->out[j]].size);
                char *c = core_alloc((size_t)n + 1);
                if (c) memcpy(c, buf, (size_t)n + 1);
                else cg_unsupported(e, "out of memory"); /* its readers would read nothing */
                e->ovr[nd->out[j]] = c;
            }
        }
    e->n_segs++;
    return true;
}

void cg_reroll(cg_emit *e) {
    const cg_graph *g = e->g;
    finder f = {.e = e};
    f.live = core_alloc(((size_t)g->n_nodes + 1) * sizeof *f.live);
    f.sig = core_alloc(((size_t)g->n_nodes + 1) * sizeof *f.sig);
    f.at = core_alloc(((size_t)g->n_values + 1) * sizeof *f.at);
    e->ovr = core_calloc((size_t)g->n_values + 1, sizeof *e->ovr);
    e->seg_of = core_alloc(((size_t)g->n_nodes + 1) * sizeof *e->seg_of);
    if (f.live && f.sig && f.at && e->ovr && e->seg_of && !getenv("GENC_NO_REROLL")) {
        for (int32_t k = 0; k < g->n_nodes; k++) e->seg_of[k] = -1;
        for (int32_t v = 0; v < g->n_values; v++) f.at[v] = (where){-1, 0, 0, 0};
        for (int32_t k = 0; k < g->n_nodes; k++)
            if (g->nodes[k].live) {
                f.sig[f.n_live] = signature(g, &g->nodes[k]);
                f.live[f.n_live++] = k;
            }
        for (int32_t s = 0; s < f.n_live;) {
            int32_t P, R;
            find_run(&f, s, &P, &R);
            if (R) f.work += (int64_t)P * R; /* the checks of a candidate */
            if (R && e->n_segs < CG_MAX_SEGS && block_affine(&f, s, P, R) && make_loop(&f, s, P, R)) s += P * R;
            else s++;
            if (f.work > REROLL_BUDGET) break; /* the rest stays straight-line */
        }
    } else if (e->seg_of) {
        for (int32_t k = 0; k < g->n_nodes; k++) e->seg_of[k] = -1;
    }
    body_exprs_free(&f);
    core_free(f.live, ((size_t)g->n_nodes + 1) * sizeof *f.live);
    core_free(f.sig, ((size_t)g->n_nodes + 1) * sizeof *f.sig);
    core_free(f.at, ((size_t)g->n_values + 1) * sizeof *f.at);
}

void cg_reroll_declare(cg_emit *e, cg_text *t) {
    for (int s = 0; s < e->n_segs; s++) {
        const cg_segment *sg = &e->segs[s];
        for (int32_t q = 0; q < sg->P; q++) {
            const cg_node *nd = &e->g->nodes[sg->body[q]];
            if (nd->kind == CG_OP && cg_is_alias(e->g, nd)) continue;
            for (int j = 0; j < nd->n_out; j++) {
                const char *ct = cg_ctype(e->g->values[nd->out[j]].dtype);
                cg_text_printf(t, "    %s *const S%d_%d_%d = (%s *)(W + %" PRId64 ");\n", ct, s, (int)q, j, ct,
                               sg->off[q * 2 + j]);
            }
        }
    }
    if (e->tables.s) cg_text_printf(t, "%s", e->tables.s);
}

/* Rewrites "return K;" of the body's nodes as block r's: K + r * stride. */
static void renumber(cg_emit *e, const cg_segment *sg, const char *body, size_t n) {
    const char *p = body, *end = body + n;
    while (p < end) {
        const char *m = strstr(p, "return ");
        if (!m || m >= end) {
            cg_text_printf(&e->body, "%.*s", (int)(end - p), p);
            break;
        }
        char *stop;
        long k = strtol(m + 7, &stop, 10);
        bool body_node = false;
        for (int32_t q = 0; q < sg->P && stop > m + 7 && *stop == ';'; q++) body_node |= sg->body[q] + 1 == k;
        cg_text_printf(&e->body, "%.*s", (int)(m - p), p);
        if (body_node) {
            cg_text_printf(&e->body, "return (int)(%ld + blk * %d);", k, (int)sg->stride);
            p = stop + 1;
        } else {
            cg_text_printf(&e->body, "return ");
            p = m + 7;
        }
    }
}

void cg_emit_segment(cg_emit *e, int s) {
    const cg_segment *sg = &e->segs[s];
    char **saved = core_alloc(((size_t)sg->n_ov + 1) * sizeof *saved);
    if (!saved) {
        cg_unsupported(e, "out of memory");
        return;
    }
    for (int32_t k = 0; k < sg->n_ov; k++) { /* the body's view of its values */
        saved[k] = e->ovr[sg->ov_val[k]];
        e->ovr[sg->ov_val[k]] = sg->ov_expr[k];
    }
    cg_text outer = e->body;
    e->body = (cg_text){0};
    for (int32_t q = 0; q < sg->P; q++) {
        char start[80];
        if (sg->start_step[q]) { /* a slice moving along with the blocks */
            snprintf(start, sizeof start, "(%" PRId64 " + blk * %" PRId64 ")", e->g->nodes[sg->body[q]].p.start,
                     sg->start_step[q]);
            e->start_expr = start;
        }
        cg_emit_node(e, sg->body[q]);
        e->start_expr = NULL;
    }
    cg_text inner = e->body;
    e->body = outer;
    for (int32_t k = 0; k < sg->n_ov; k++) e->ovr[sg->ov_val[k]] = saved[k];
    core_free(saved, ((size_t)sg->n_ov + 1) * sizeof *saved);
    if (inner.oom) e->body.oom = true;
    cg_text_printf(&e->body, "    for (int64_t blk = 0; blk < %d; blk++) {\n", (int)sg->R);
    if (inner.s) renumber(e, sg, inner.s, inner.n);
    cg_text_printf(&e->body, "    }\n");
    cg_text_free(&inner);
}

void cg_reroll_free(cg_emit *e) {
    for (int s = 0; s < e->n_segs; s++) {
        cg_segment *sg = &e->segs[s];
        core_free(sg->body, ((size_t)sg->P + 1) * sizeof *sg->body);
        core_free(sg->off, ((size_t)sg->P * 2 + 1) * sizeof *sg->off);
        core_free(sg->start_step, ((size_t)sg->P + 1) * sizeof *sg->start_step);
        for (int32_t k = 0; k < sg->n_ov; k++) core_free(sg->ov_expr[k], strlen(sg->ov_expr[k]) + 1);
        core_free(sg->ov_val, (size_t)sg->cap_ov * sizeof *sg->ov_val);
        core_free(sg->ov_expr, (size_t)sg->cap_ov * sizeof *sg->ov_expr);
    }
    if (e->ovr)
        for (int32_t v = 0; v < e->g->n_values; v++)
            if (e->ovr[v]) core_free(e->ovr[v], strlen(e->ovr[v]) + 1);
    core_free(e->ovr, ((size_t)e->g->n_values + 1) * sizeof *e->ovr);
    core_free(e->seg_of, ((size_t)e->g->n_nodes + 1) * sizeof *e->seg_of);
    cg_text_free(&e->tables);
}
