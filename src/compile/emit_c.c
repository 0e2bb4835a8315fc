/* emit_c.c — the C code generator: one straight-line function per graph (emit.h), the
 * storage of every value, the prelude the generated code shares (the runtime table and
 * the scalar helpers of the CPU kernels, with their formulas, so results agree), the
 * elementwise ops, the checks and the outputs. The other op families are in
 * emit_reduce.c, emit_shape.c and emit_linalg.c. */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "emit.h"
#include "runtime.h"

/* ---- text ---- */

void cg_text_printf(cg_text *t, const char *fmt, ...) {
    if (t->oom) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = t->cap - t->n;
        int w = vsnprintf(t->s ? t->s + t->n : NULL, t->s ? room : 0, fmt, ap);
        va_end(ap);
        if (w < 0) {
            t->oom = true;
            return;
        }
        if (t->s && (size_t)w < room) {
            t->n += (size_t)w;
            return;
        }
        size_t nc = t->cap ? t->cap : 4096;
        while (nc - t->n <= (size_t)w) nc *= 2;
        char *ns = core_realloc(t->s, t->cap, nc);
        if (!ns) {
            t->oom = true;
            return;
        }
        t->s = ns;
        t->cap = nc;
    }
}

void cg_text_free(cg_text *t) {
    core_free(t->s, t->cap);
    *t = (cg_text){0};
}

/* ---- values ---- */

const char *cg_ctype(gen_dtype t) {
    switch (t) {
    case GEN_F64: return "double";
    case GEN_F32: return "float";
    case GEN_I64: return "int64_t";
    case GEN_BOOL: return "uint8_t";
    }
    return "double";
}

void cg_unsupported(cg_emit *e, const char *fmt, ...) {
    if (e->why[0]) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->why, sizeof e->why, fmt, ap);
    va_end(ap);
}

const char *cg_ref(cg_emit *e, int32_t v, const char *idx) {
    char *r = e->ring[e->ring_at++ % 16];
    int32_t root = e->st[v].root;
    if (e->fusing && e->grp[root] == e->cur_grp) { /* computed in this iteration of the fused loop */
        snprintf(r, sizeof e->ring[0], "t%d", (int)root);
        return r;
    }
    if (e->ovr && e->ovr[root]) { /* a loop's value (emit_reroll.c): its expression at idx */
        const char *x = e->ovr[root];
        size_t w = 0;
        for (const char *p = x; *p && w + 1 < sizeof e->ring[0]; p++) {
            if (p[0] == '$' && p[1] == 'i') {
                int k = snprintf(r + w, sizeof e->ring[0] - w, "%s", idx);
                w += k > 0 ? (size_t)k : 0;
                if (w >= sizeof e->ring[0]) w = sizeof e->ring[0] - 1;
                p++;
            } else {
                r[w++] = *p;
            }
        }
        r[w] = 0;
        return r;
    }
    const cg_store *s = &e->st[root];
    switch (s->kind) {
    case CG_STORE_SCALAR: snprintf(r, sizeof e->ring[0], "v%d", (int)e->st[v].root); break;
    case CG_STORE_LITERAL: snprintf(r, sizeof e->ring[0], "%s", s->lit); break;
    case CG_STORE_POINTER:
        e->st[root].used = true;
        snprintf(r, sizeof e->ring[0], "p%d[%s]", (int)root, idx);
        break;
    }
    return r;
}

/* A one-element constant as a C literal of its dtype. */
static void literal(const gen_array *a, char *out, size_t n) {
    switch ((gen_dtype)gen_array_dtype(a)) {
    case GEN_I64: snprintf(out, n, "INT64_C(%" PRId64 ")", *(const int64_t *)gen_array_data(a)); break;
    case GEN_BOOL: snprintf(out, n, "%d", *(const uint8_t *)gen_array_data(a) ? 1 : 0); break;
    default: {
        bool f32 = gen_array_dtype(a) == GEN_F32;
        double x = f32 ? (double)*(const float *)gen_array_data(a) : *(const double *)gen_array_data(a);
        const char *cast = f32 ? "(float)" : "(double)";
        if (isnan(x)) snprintf(out, n, "(%sNAN)", cast);
        else if (isinf(x)) snprintf(out, n, "(%s%sINFINITY)", x > 0 ? "" : "-", cast);
        else snprintf(out, n, "(%s%a)", cast, x); /* exact */
    }
    }
}

bool cg_is_alias(const cg_graph *g, const cg_node *nd) {
    if (nd->kind != CG_OP || nd->n_out != 1) return false;
    const cg_value *in = &g->values[nd->in[0]], *out = &g->values[nd->out[0]];
    if (in->dtype != out->dtype || in->size != out->size) return false;
    return nd->op == OP_RESHAPE || nd->op == OP_COPY || nd->op == OP_STOP_GRADIENT || nd->op == OP_CAST ||
           (nd->op == OP_BROADCAST_TO && in->size == out->size);
}

static void assign_storage(cg_emit *e) {
    const cg_graph *g = e->g;
    for (int32_t v = 0; v < g->n_values; v++) {
        const cg_value *x = &g->values[v];
        cg_store *s = &e->st[v];
        s->root = v;
        if (x->kind == CG_CONST && cg_inline_const(g, v)) {
            s->kind = CG_STORE_LITERAL;
            literal(g->consts[x->index], s->lit, sizeof s->lit);
        } else if (x->kind == CG_NODE && x->size == 1) {
            s->kind = CG_STORE_SCALAR;
        } else {
            s->kind = CG_STORE_POINTER;
            if (x->kind == CG_NODE) {
                s->off = e->work_bytes;
                e->work_bytes += (x->size * (int64_t)gen_dtype_size(x->dtype) + 15) / 16 * 16;
            }
        }
    }
    for (int32_t k = 0; k < g->n_nodes; k++) { /* aliases share their argument's storage */
        const cg_node *nd = &g->nodes[k];
        if (nd->live && cg_is_alias(g, nd)) e->st[nd->out[0]].root = e->st[nd->in[0]].root;
    }
    /* A node's array that is an output is computed in the caller's output itself (the
     * first output it is): no work space and no copy at the end. Outputs do not overlap
     * inputs (cg_fn_run). An alias of another dtype or shape keeps its own copy. */
    for (int j = 0; j < g->n_outputs; j++) {
        int32_t v = g->outputs[j], r = e->st[v].root;
        const cg_value *x = &g->values[v], *rx = &g->values[r];
        cg_store *s = &e->st[r];
        if (rx->kind == CG_NODE && s->kind == CG_STORE_POINTER && !s->out && x->dtype == rx->dtype && x->size == rx->size)
            s->out = j + 1;
    }
}

/* Lays out the work block: the nodes' scratch space (whose offsets are in the code), then
 * only the values whose pointer the code names (a fused loop's temporaries have none),
 * then the loops' arrays. */
static void layout_work(cg_emit *e) {
    const cg_graph *g = e->g;
    int64_t at = (e->scratch_end + 15) / 16 * 16;
    for (int32_t v = 0; v < g->n_values; v++) {
        const cg_value *x = &g->values[v];
        cg_store *s = &e->st[v];
        if (s->root != v || x->kind != CG_NODE || s->kind != CG_STORE_POINTER || !s->used || (e->ovr && e->ovr[v]) ||
            s->out)
            continue;
        s->off = at;
        at += (x->size * (int64_t)gen_dtype_size(x->dtype) + 15) / 16 * 16;
    }
    for (int k = 0; k < e->n_segs; k++) {
        cg_segment *sg = &e->segs[k];
        for (int32_t q = 0; q < sg->P; q++) {
            const cg_node *nd = &g->nodes[sg->body[q]];
            if (nd->kind == CG_OP && cg_is_alias(g, nd)) continue;
            for (int j = 0; j < nd->n_out; j++) {
                const cg_value *x = &g->values[nd->out[j]];
                sg->off[q * 2 + j] = at;
                at += (sg->R * x->size * (int64_t)gen_dtype_size(x->dtype) + 15) / 16 * 16;
            }
        }
    }
    e->work_bytes = at;
}

static void declare(cg_emit *e, cg_text *t) {
    const cg_graph *g = e->g;
    for (int32_t v = 0; v < g->n_values; v++) {
        const cg_value *x = &g->values[v];
        const cg_store *s = &e->st[v];
        if (s->root != v || s->kind == CG_STORE_LITERAL || (e->ovr && e->ovr[v])) continue; /* loops' values: S arrays */
        if (x->kind == CG_NODE && s->kind == CG_STORE_POINTER && !s->used) continue; /* fused away */
        const char *ct = cg_ctype(x->dtype);
        if (s->kind == CG_STORE_SCALAR) {
            cg_text_printf(t, "    %s v%d = 0;\n", ct, (int)v);
        } else if (x->kind == CG_INPUT) {
            cg_text_printf(t, "    const %s *const p%d = (const %s *)IN[%d];\n", ct, (int)v, ct, (int)x->index);
        } else if (x->kind == CG_CONST) {
            cg_text_printf(t, "    const %s *const p%d = (const %s *)K[%d];\n", ct, (int)v, ct, (int)x->index);
        } else if (s->out) {
            cg_text_printf(t, "    %s *const p%d = (%s *)OUT[%d];\n", ct, (int)v, ct, s->out - 1);
        } else {
            cg_text_printf(t, "    %s *const p%d = (%s *)(W + %" PRId64 ");\n", ct, (int)v, ct, s->off);
        }
    }
}

/* ---- the elementwise map ---- */

void cg_substitute(const char *expr, const char *const *arg, char *out, size_t n) {
    size_t w = 0;
    for (const char *p = expr; *p && w + 1 < n; p++) {
        if (p[0] == '$' && p[1] >= '0' && p[1] <= '3') {
            int k = snprintf(out + w, n - w, "%s", arg[p[1] - '0']);
            w += k > 0 ? (size_t)k : 0;
            if (w >= n) w = n - 1;
            p++;
        } else {
            out[w++] = *p;
        }
    }
    out[w] = 0;
}

/* How argument a (aligned at the right) is indexed by the output position: its strides
 * along the output's axes (0 where broadcast). */
static void bstrides(const cg_value *a, const cg_value *o, int64_t *str) {
    int64_t s = 1;
    for (int d = o->ndim - 1; d >= 0; d--) {
        int ad = d - (o->ndim - a->ndim);
        if (ad < 0 || a->shape[ad] == 1) {
            str[d] = 0;
        } else {
            str[d] = s;
        }
        if (ad >= 0) s *= a->shape[ad];
    }
}

void cg_emit_map(cg_emit *e, int32_t out, int n_args, const int32_t *args, const char *expr) {
    const cg_value *o = cg_val(e, out);
    char ix[4][96], stmt[1024];
    const char *refs[4];
    if (o->size == 0) return;
    if (e->fusing) { /* inside the fused loop at i: a temporary, stored if used outside */
        for (int k = 0; k < n_args; k++) refs[k] = cg_ref(e, args[k], cg_fused_index(e, args[k]));
        cg_substitute(expr, refs, stmt, sizeof stmt);
        cg_text_printf(&e->body, "        const %s t%d = %s;\n", cg_ctype(o->dtype), (int)out, stmt);
        if (e->store[out]) {
            e->st[out].used = true;
            cg_text_printf(&e->body, "        p%d[i] = t%d;\n", (int)out, (int)out);
        }
        return;
    }
    bool simple = true; /* every argument one element or the output's shape */
    for (int k = 0; k < n_args; k++) {
        const cg_value *a = cg_val(e, args[k]);
        simple &= a->size == 1 || a->size == o->size;
    }
    if (o->size == 1 || simple) {
        const char *i = o->size == 1 ? "0" : "i";
        for (int k = 0; k < n_args; k++) refs[k] = cg_ref(e, args[k], cg_val(e, args[k])->size == 1 ? "0" : i);
        cg_substitute(expr, refs, stmt, sizeof stmt);
        if (o->size == 1) {
            cg_text_printf(&e->body, "    %s = %s;\n", cg_ref(e, out, "0"), stmt);
        } else {
            cg_text_printf(&e->body, "    for (int64_t i = 0; i < %" PRId64 "; i++) %s = %s;\n", o->size,
                           cg_ref(e, out, "i"), stmt);
        }
        return;
    }
    /* general broadcasting: one loop per output axis, a running output position q */
    cg_text_printf(&e->body, "    { int64_t q = 0;\n");
    for (int d = 0; d < o->ndim; d++)
        cg_text_printf(&e->body, "    for (int64_t i%d = 0; i%d < %" PRId64 "; i%d++)\n", d, d, o->shape[d], d);
    for (int k = 0; k < n_args; k++) {
        int64_t str[GEN_MAX_DIMS];
        bstrides(cg_val(e, args[k]), o, str);
        size_t w = 0;
        ix[k][0] = '0';
        ix[k][1] = 0;
        for (int d = 0; d < o->ndim; d++)
            if (str[d]) {
                int c = snprintf(ix[k] + w, sizeof ix[k] - w, "%si%d * %" PRId64, w ? " + " : "", d, str[d]);
                w += c > 0 ? (size_t)c : 0;
                if (w >= sizeof ix[k]) w = sizeof ix[k] - 1;
            }
        refs[k] = cg_ref(e, args[k], ix[k]);
    }
    cg_substitute(expr, refs, stmt, sizeof stmt);
    cg_text_printf(&e->body, "        %s = %s, q++;\n    }\n", cg_ref(e, out, "q"), stmt);
}

/* ---- elementwise ops ---- */

typedef struct ew_rule {
    op_id op;
    const char *f; /* float outputs (f64/f32) */
    const char *i; /* integer outputs (i64), NULL: float only */
} ew_rule;

static const ew_rule ew_rules[] = {
    {OP_NEG, "(-$0)", "((int64_t)(0u - (uint64_t)$0))"},
    {OP_ABS, "fabs($0)", "($0 < 0 ? (int64_t)(0u - (uint64_t)$0) : $0)"},
    {OP_SIGN, "(isnan($0) ? $0 : (($0 > 0) - ($0 < 0)))", "(($0 > 0) - ($0 < 0))"},
    {OP_SQUARE, "($0 * $0)", "((int64_t)((uint64_t)$0 * (uint64_t)$0))"},
    {OP_FLOOR, "floor($0)", "$0"},
    {OP_CEIL, "ceil($0)", "$0"},
    {OP_ROUND, "rt->round_even($0)", "$0"},
    {OP_EXP, "exp($0)", NULL},
    {OP_EXPM1, "expm1($0)", NULL},
    {OP_LOG, "log($0)", NULL},
    {OP_LOG1P, "log1p($0)", NULL},
    {OP_SQRT, "sqrt($0)", NULL},
    {OP_RECIPROCAL, "(1.0 / $0)", NULL},
    {OP_SIN, "sin($0)", NULL},
    {OP_COS, "cos($0)", NULL},
    {OP_TAN, "tan($0)", NULL},
    {OP_TANH, "tanh($0)", NULL},
    {OP_SIGMOID, "rt->sigmoid($0)", NULL},
    {OP_LOG_SIGMOID, "rt->log_sigmoid($0)", NULL},
    {OP_SOFTPLUS, "rt->softplus($0)", NULL},
    {OP_ERF, "erf($0)", NULL},
    {OP_ERFC, "erfc($0)", NULL},
    {OP_ERFINV, "rt->erfinv($0)", NULL},
    {OP_LGAMMA, "rt->lgamma($0)", NULL},
    {OP_DIGAMMA, "rt->digamma($0)", NULL},
    {OP_TRIGAMMA, "rt->trigamma($0)", NULL},
    {OP_LOG_NDTR, "rt->log_ndtr($0)", NULL},
    {OP_ADD, "($0 + $1)", "((int64_t)((uint64_t)$0 + (uint64_t)$1))"},
    {OP_SUB, "($0 - $1)", "((int64_t)((uint64_t)$0 - (uint64_t)$1))"},
    {OP_MUL, "($0 * $1)", "((int64_t)((uint64_t)$0 * (uint64_t)$1))"},
    {OP_DIV, "($0 / $1)", NULL},
    {OP_MAXIMUM, "(($0 > $1 || $0 != $0) ? $0 : $1)", "($0 > $1 ? $0 : $1)"},
    {OP_MINIMUM, "(($0 < $1 || $0 != $0) ? $0 : $1)", "($0 < $1 ? $0 : $1)"},
    {OP_POW, "pow($0, $1)", NULL},
    {OP_ATAN2, "atan2($0, $1)", NULL},
    {OP_MOD, "cg_mod($0, $1)", "cg_mod_i64($0, $1)"},
    {OP_FLOOR_DIVIDE, "cg_floor_divide($0, $1)", NULL},
    {OP_LOGADDEXP, "cg_logaddexp($0, $1)", NULL},
    {OP_WHERE, "($0 ? $1 : $2)", "($0 ? $1 : $2)"},
    {OP_CLIP, "cg_clip($0, $1, $2)", "cg_clip_i64($0, $1, $2)"},
};

/* Ops with a bool result from arguments of any dtype. */
static const ew_rule ew_bool[] = {
    {OP_LOGICAL_NOT, "($0 == 0)", NULL}, {OP_ISFINITE, "isfinite($0)", "1"}, {OP_ISNAN, "isnan($0)", "0"},
    {OP_EQ, "($0 == $1)", NULL},         {OP_NE, "($0 != $1)", NULL},         {OP_LT, "($0 < $1)", NULL},
    {OP_LE, "($0 <= $1)", NULL},         {OP_GT, "($0 > $1)", NULL},          {OP_GE, "($0 >= $1)", NULL},
    {OP_LOGICAL_AND, "($0 != 0 && $1 != 0)", NULL}, {OP_LOGICAL_OR, "($0 != 0 || $1 != 0)", NULL},
};

/* The conversion of one element from dtype `from` to `to`, as the eager cast does. */
static const char *cast_expr(gen_dtype from, gen_dtype to) {
    if (to == GEN_BOOL) return "($0 != 0)";
    if (to == GEN_I64) return from == GEN_F64 || from == GEN_F32 ? "cg_f2i($0)" : "(int64_t)$0";
    if (to == GEN_F32) return from == GEN_F64 ? "cg_f2f($0)" : "(float)$0";
    return "(double)$0";
}

bool cg_emit_elementwise(cg_emit *e, const cg_node *nd) {
    const cg_value *o = cg_val(e, nd->out[0]);
    bool is_float = o->dtype == GEN_F64 || o->dtype == GEN_F32;
    if (nd->op == OP_CAST) {
        cg_emit_map(e, nd->out[0], 1, nd->in, cast_expr(cg_val(e, nd->in[0])->dtype, o->dtype));
        return true;
    }
    if (nd->op == OP_BROADCAST_TO || nd->op == OP_COPY || nd->op == OP_STOP_GRADIENT || nd->op == OP_RESHAPE) {
        cg_emit_map(e, nd->out[0], 1, nd->in, "$0");
        return true;
    }
    for (size_t k = 0; k < sizeof ew_rules / sizeof *ew_rules; k++)
        if (ew_rules[k].op == nd->op) {
            const char *x = is_float ? ew_rules[k].f : ew_rules[k].i;
            if (!x) {
                cg_unsupported(e, "%s on %s", op_table[nd->op].name, gen_dtype_name(o->dtype));
                return true;
            }
            cg_emit_map(e, nd->out[0], nd->n_in, nd->in, x);
            return true;
        }
    for (size_t k = 0; k < sizeof ew_bool / sizeof *ew_bool; k++)
        if (ew_bool[k].op == nd->op) {
            gen_dtype t = cg_val(e, nd->in[0])->dtype;
            const char *x = ew_bool[k].i && (t == GEN_I64 || t == GEN_BOOL) ? ew_bool[k].i : ew_bool[k].f;
            cg_emit_map(e, nd->out[0], nd->n_in, nd->in, x);
            return true;
        }
    return false;
}

/* ---- checks ---- */

/* The C form of a check's predicate on element x. */
static const char *pred_expr(bool (*pred)(double));

void cg_emit_check(cg_emit *e, const cg_node *nd, int32_t k) {
    const cg_value *a = cg_val(e, nd->in[0]);
    if (nd->check.kind == AD_CHECK_EACH || nd->check.kind == AD_CHECK_DENSITY) {
        const char *p = pred_expr(nd->check.pred);
        if (!p) {
            cg_unsupported(e, "a parameter check of %s (%s)", nd->check.family, nd->check.name);
            return;
        }
        char stmt[256];
        const char *x = cg_ref(e, nd->in[0], a->size == 1 ? "0" : "i");
        cg_substitute(p, &x, stmt, sizeof stmt);
        if (e->fusing && e->fuse_count_checks) { /* x - x: 0 when finite, NaN when not (no compare) */
            if (!strcmp(p, "isfinite($0)")) cg_text_printf(&e->body, "        cf += %s - %s;\n", x, x);
            else cg_text_printf(&e->body, "        cf += (%s) ? 0 : 1;\n", stmt);
            return;
        }
        if (e->fusing) {
            cg_text_printf(&e->body, "        if (!(%s)) { *fail = i; failv[0] = (double)%s; return %d; }\n", stmt, x,
                           (int)k + 1);
            return;
        }
        cg_text_printf(&e->body,
                       "    for (int64_t i = 0; i < %" PRId64 "; i++) if (!(%s)) { *fail = i; failv[0] = (double)%s; return %d; }\n",
                       a->size, stmt, x, (int)k + 1);
        return;
    }
    /* ordered: in[0] < in[1] (or <=) over their broadcast */
    const cg_value *b = cg_val(e, nd->in[1]);
    cg_value o = *a;
    if (b->ndim > o.ndim || (b->ndim == o.ndim && b->size > o.size)) o = *b;
    const char *op = nd->check.kind == AD_CHECK_LESS ? "<" : "<=";
    if ((a->size == 1 || a->size == o.size) && (b->size == 1 || b->size == o.size) &&
        (a->size == 1 || b->size == 1 || a->ndim == b->ndim)) {
        char xa[160], xb[160];
        snprintf(xa, sizeof xa, "%s", cg_ref(e, nd->in[0], a->size == 1 ? "0" : "i"));
        snprintf(xb, sizeof xb, "%s", cg_ref(e, nd->in[1], b->size == 1 ? "0" : "i"));
        cg_text_printf(&e->body,
                       "    for (int64_t i = 0; i < %" PRId64 "; i++) if (!(%s %s %s)) { *fail = i; failv[0] = (double)%s;"
                       " failv[1] = (double)%s; return %d; }\n",
                       o.size, xa, op, xb, xa, xb, (int)k + 1);
        return;
    }
    cg_unsupported(e, "an ordering check of %s (%s) between broadcast shapes", nd->check.family, nd->check.name);
}

/* The check predicates of the dist layer (check.c), by behaviour: each is tried on
 * probe values and matched to the C expression that gives the same answers. */
static const char *pred_expr(bool (*pred)(double)) {
    static const struct {
        const char *expr;
        bool (*ref)(double);
    } forms[] = {{"$0 > 0", NULL}, {"$0 >= 0", NULL}, {"isfinite($0)", NULL}, {"!isnan($0)", NULL},
                 {"($0 >= 0 && $0 <= 1)", NULL}, {"($0 >= 0 && $0 == floor($0) && isfinite($0))", NULL},
                 {"(!isnan($0) && $0 != INFINITY)", NULL}};
    static const double probes[] = {-INFINITY, -2.5, -1, -0.0, 0.0, 1e-300, 0.5, 1, 1.5, 2, 3, 1e300, INFINITY, NAN};
    for (size_t f = 0; f < sizeof forms / sizeof *forms; f++) {
        bool same = true;
        for (size_t p = 0; p < sizeof probes / sizeof *probes && same; p++) {
            double x = probes[p];
            bool want;
            switch (f) {
            case 0: want = x > 0; break;
            case 1: want = x >= 0; break;
            case 2: want = isfinite(x); break;
            case 3: want = !isnan(x); break;
            case 4: want = x >= 0 && x <= 1; break;
            case 6: want = !isnan(x) && x != INFINITY; break;
            default: want = x >= 0 && x == floor(x) && isfinite(x); break;
            }
            same = pred(x) == want;
        }
        if (same) return forms[f].expr;
    }
    return NULL;
}

/* An op the generated code hands back to the library through the runtime's host_op (a
 * random draw: the family's own sampler, so compiled code draws what the eager path
 * draws): its arguments' and result's elements by pointer. */
static bool emit_host(cg_emit *e, const cg_node *nd) {
    if (nd->op != OP_DRAW) return false;
    char (*bufs)[96] = core_alloc(((size_t)nd->n_in + 1) * sizeof *bufs);
    if (!bufs) {
        cg_unsupported(e, "out of memory");
        return true;
    }
    for (int i = 0; i < nd->n_in; i++) cg_elems_as(e, nd->in[i], cg_val(e, nd->in[i])->dtype, true, bufs[i], sizeof bufs[i]);
    gen_dtype ot = cg_val(e, nd->out[0])->dtype;
    char o[96];
    bool copy = cg_elems_as(e, nd->out[0], ot, false, o, sizeof o);
    cg_text_printf(&e->body, "    { const void *h[%d] = {", nd->n_in);
    for (int i = 0; i < nd->n_in; i++) cg_text_printf(&e->body, "%s%s", i ? ", " : "", bufs[i]);
    cg_text_printf(&e->body, "};\n      if (rt->host_op(%d, h, %s)) { *fail = 0; return %d; } }\n", (int)e->node, o,
                   (int)e->node + 1);
    if (copy) cg_copy_out(e, nd->out[0], ot, o);
    core_free(bufs, ((size_t)nd->n_in + 1) * sizeof *bufs);
    return true;
}

/* One node, on its own (not fused). */
void cg_emit_node(cg_emit *e, int32_t k) {
    const cg_node *nd = &e->g->nodes[k];
    e->node = k;
    if (nd->kind == CG_CHECK) {
        cg_emit_check(e, nd, k);
        return;
    }
    if (cg_is_alias(e->g, nd)) return;
    if (nd->p.scalar_grad || nd->p.rule) {
        cg_unsupported(e, "%s (a function pointer parameter)", op_table[nd->op].name);
        return;
    }
    if (e->hook && e->hook(e, nd)) return;
    if (!cg_emit_elementwise(e, nd) && !cg_emit_reduce(e, nd) && !cg_emit_shape(e, nd) && !cg_emit_linalg(e, nd) &&
        !cg_emit_fused(e, nd) && !emit_host(e, nd))
        cg_unsupported(e, "%s", op_table[nd->op].name);
}

bool cg_is_elementwise(op_id op) {
    if (op == OP_CAST || op == OP_BROADCAST_TO || op == OP_COPY || op == OP_STOP_GRADIENT || op == OP_RESHAPE) return true;
    for (size_t k = 0; k < sizeof ew_rules / sizeof *ew_rules; k++)
        if (ew_rules[k].op == op) return true;
    for (size_t k = 0; k < sizeof ew_bool / sizeof *ew_bool; k++)
        if (ew_bool[k].op == op) return true;
    return false;
}

/* ---- the function ---- */

static const char prelude_includes[] = "#include <math.h>\n#include <stdint.h>\n#include <string.h>\n";

const char cg_prelude_helpers[] =
    "static inline int64_t cg_f2i(double v) { if (v != v) return 0; if (v >= 9.2233720368547758e18) return INT64_MAX;"
    " if (v <= -9.2233720368547758e18) return INT64_MIN; return (int64_t)v; }\n"
    "static inline double cg_mod(double a, double b) { double r = fmod(a, b); if (r == 0) return copysign(0.0, b);"
    " return (b < 0) != (r < 0) ? r + b : r; }\n"
    "static inline int64_t cg_mod_i64(int64_t a, int64_t b) { if (b == 0 || b == -1) return 0; int64_t r = a % b;"
    " return r != 0 && (r < 0) != (b < 0) ? r + b : r; }\n"
    "static inline double cg_floor_divide(double a, double b) { if (b == 0) return a / b; double r = fmod(a, b),"
    " q = (a - r) / b; if (r != 0 && (b < 0) != (r < 0)) q -= 1.0; if (q == 0) return copysign(0.0, a / b);"
    " double f = floor(q); return q - f > 0.5 ? f + 1.0 : f; }\n"
    "static inline double cg_logaddexp(double a, double b) { if (a == b) return a + 0.69314718055994530942;"
    " double d = a - b; if (d > 0) return a + log1p(exp(-d)); if (d < 0) return b + log1p(exp(d)); return d; }\n"
    "static inline double cg_logaddexp_acc(double a, double b) { if (a != a || b != b) return a + b;"
    " if (a == b) return a + 0.69314718055994530942; double m = a > b ? a : b; if (m == -INFINITY) return m;"
    " return m + log1p(exp(-fabs(a - b))); }\n"
    "static inline double cg_clip(double a, double lo, double hi) { double m = (a > lo || a != a) ? a : lo;"
    " return (m < hi || m != m) ? m : hi; }\n"
    "static inline int64_t cg_clip_i64(int64_t a, int64_t lo, int64_t hi) { int64_t m = a > lo ? a : lo;"
    " return m < hi ? m : hi; }\n";

#define CG_RT_DECL(ret, name, args) "    " #ret " (*" #name ")" #args ";\n"

bool cg_emit_statements(const cg_graph *g, const cg_emit_opts *opts, cg_text *src, int64_t *work_bytes, char *why,
                        size_t why_n) {
    cg_emit e = {.g = g};
    if (opts) e.hook = opts->hook, e.hook_payload = opts->hook_payload, e.rows = opts->rows;
    e.st = core_calloc((size_t)g->n_values + 1, sizeof *e.st);
    e.grp = core_alloc(((size_t)g->n_values + 1) * sizeof *e.grp);
    e.store = core_calloc((size_t)g->n_values + 1, sizeof *e.store);
    cg_text out = {0};
    *src = (cg_text){0};
    if (e.grp)
        for (int32_t v = 0; v <= g->n_values; v++) e.grp[v] = -1;
    if (!e.st || !e.grp || !e.store) {
        core_free(e.st, ((size_t)g->n_values + 1) * sizeof *e.st);
        core_free(e.grp, ((size_t)g->n_values + 1) * sizeof *e.grp);
        core_free(e.store, ((size_t)g->n_values + 1) * sizeof *e.store);
        snprintf(why, why_n, "out of memory");
        return false;
    }
    assign_storage(&e);
    cg_reroll(&e);
    cg_emit_schedule(&e);
    for (int j = 0; j < g->n_outputs && !e.why[0]; j++) {
        int32_t v = g->outputs[j];
        const cg_value *x = cg_val(&e, v);
        const char *ct = cg_ctype(x->dtype);
        if (e.st[e.st[v].root].out == j + 1 && !(e.ovr && e.ovr[e.st[v].root])) continue; /* computed in place */
        if (x->size == 1)
            cg_text_printf(&e.body, "    ((%s *)OUT[%d])[0] = %s;\n", ct, j, cg_ref(&e, v, "0"));
        else if (x->size > 1)
            cg_text_printf(&e.body, "    for (int64_t i = 0; i < %" PRId64 "; i++) ((%s *)OUT[%d])[i] = %s;\n", x->size,
                           ct, j, cg_ref(&e, v, "i"));
    }
    bool ok = false;
    if (!e.why[0] && !e.body.oom && !e.tables.oom) {
        layout_work(&e);
        declare(&e, &out);
        cg_reroll_declare(&e, &out);
        cg_text_printf(&out, "%s    return 0;\n", e.body.s ? e.body.s : "");
        if (!out.oom) {
            *src = out;
            out = (cg_text){0};
            ok = true;
        }
    }
    if (e.why[0]) {
        snprintf(why, why_n, "no code for %s", e.why);
    } else if (!ok) {
        snprintf(why, why_n, "out of memory");
    }
    *work_bytes = e.work_bytes;
    cg_text_free(&e.body);
    cg_text_free(&out);
    cg_reroll_free(&e);
    core_free(e.st, ((size_t)g->n_values + 1) * sizeof *e.st);
    core_free(e.grp, ((size_t)g->n_values + 1) * sizeof *e.grp);
    core_free(e.store, ((size_t)g->n_values + 1) * sizeof *e.store);
    return ok;
}

bool cg_emit_c(const cg_graph *g, cg_text *src, int64_t *work_bytes, char *why, size_t why_n) {
    cg_text body = {0}, out = {0};
    *src = (cg_text){0};
    if (!cg_emit_statements(g, NULL, &body, work_bytes, why, why_n)) return false;
    cg_text_printf(&out, "%s%s", prelude_includes, cg_prelude_helpers);
    cg_text_printf(&out, "typedef struct cg_rt {\n" CG_RT_FUNCS(CG_RT_DECL) "} cg_rt;\n");
    cg_text_printf(&out, "%s", cg_prelude_ops);
    cg_text_printf(&out, "int cg_main(const cg_rt *rt, const void *const *K, const void *const *IN, "
                         "void *const *OUT, unsigned char *W, int64_t *fail, double *failv) {\n"
                         "    (void)rt; (void)K; (void)IN; (void)W; (void)fail; (void)failv;\n%s}\n",
                   body.s);
    cg_text_free(&body);
    if (out.oom) {
        cg_text_free(&out);
        snprintf(why, why_n, "out of memory");
        return false;
    }
    *src = out;
    return true;
}
