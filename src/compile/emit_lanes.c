/* emit_lanes.c — the lane target's code generator (CUDA C for NVRTC): one function
 * computing one lane's graph (lanes.h), written by the C generator's emitters (the same
 * text, so a lane computes what the C target and the eager kernels compute), with the
 * runtime's calls made to device functions (lane_runtime.h) and each draw written as
 * code (the random layer's element procedures: the family's sampler at the key folded
 * with the address, element lane * size + j, as the eager draw), and a kernel in which each thread runs lanes
 * first + t, first + t + T, ... The program is plain C too: without NVRTC it defines a
 * host loop over the lanes (tests check the code that way on machines without a GPU). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../backend/rtc.h"
#include "../distributions/dist_int.h"
#include "lane_embed.h"
#include "lanes.h"

/* ---- draws ---- */

/* How a family samples, as code of one element: the primitive the element draws from its
 * key (from the random layer's procedures: lane_runtime.h) and a formula of it ($0, $1:
 * the parameters at the element), in the operations of the family's sample function
 * (families/<name>.c), so the element is the eager draw's. */
typedef enum prim {
    P_NORMAL,   /* Z: element of gen_random_normal of the draw's dtype */
    P_UNIFORM,  /* U: gen_random_uniform of the draw's dtype */
    P_UNIF64,   /* U: gen_random_uniform f64 (a bool draw) */
    P_GAMMA,    /* G: gen_random_gamma at arg (f64) */
    P_BETA,     /* G: gen_random_beta at arg's two parameters (f64) */
    P_POISSON,  /* G: gen_random_poisson at arg (an i64 draw) */
    P_BINOMIAL  /* G: gen_random_binomial at arg's n and p (an i64 draw) */
} prim;

typedef struct draw_form {
    const char *family;
    int n_params;
    prim prim;
    bool any_float;  /* also f32 (formulas without literals) */
    const char *arg; /* a sampler's arguments */
    const char *expr;
} draw_form;

static const draw_form draw_forms[] = {
    {"normal", 2, P_NORMAL, true, NULL, "($0 + $1 * Z)"},
    {"broadcasted_normal", 2, P_NORMAL, true, NULL, "($0 + $1 * Z)"},
    {"half_normal", 1, P_NORMAL, true, NULL, "($0 * fabs(Z))"},
    {"lognormal", 2, P_NORMAL, false, NULL, "exp($0 + $1 * Z)"},
    {"uniform", 2, P_UNIFORM, true, NULL, "($0 + ($1 - $0) * U)"},
    {"exponential", 1, P_UNIFORM, false, NULL, "((-log(U)) / $0)"},
    {"gumbel", 2, P_UNIFORM, false, NULL, "($0 + $1 * (-log(-log(U))))"},
    {"logistic", 2, P_UNIFORM, false, NULL, "($0 + $1 * (log(U) - log1p(-U)))"},
    {"cauchy", 2, P_UNIFORM, false, NULL, "($0 + $1 * tan(3.14159265358979323846 * (U - 0.5)))"},
    {"half_cauchy", 1, P_UNIFORM, false, NULL, "($0 * tan((3.14159265358979323846 / 2) * U))"},
    {"laplace", 2, P_UNIFORM, false, NULL, "($0 + $1 * (U < 0.5 ? log(2.0 * U) : -log(2.0 * (1.0 - U))))"},
    {"weibull", 2, P_UNIFORM, false, NULL, "($1 * pow(-log(U), 1.0 / $0))"},
    {"pareto", 2, P_UNIFORM, false, NULL, "($0 * exp(-(log(U) / $1)))"},
    {"bernoulli", 1, P_UNIF64, true, NULL, "(U < $0)"},
    {"bernoulli_logit", 1, P_UNIF64, false, NULL, "(U < cg_rt_sigmoid($0))"},
    {"gamma", 2, P_GAMMA, false, "$0", "(G * $1)"},
    {"chi2", 1, P_GAMMA, false, "($0 * 0.5)", "(G * 2.0)"},
    {"beta", 2, P_BETA, false, "$0, $1", "G"},
    {"poisson", 1, P_POISSON, false, "(double)$0", "G"},
    {"binomial", 2, P_BINOMIAL, false, NULL, "G"},
};

/* The keys a primitive derives from the draw's key (once per thread): the folded key
 * (and the ziggurat's rejection key), or a sampler's streams of three keys each. */
static int prim_keys(prim p) {
    switch (p) {
    case P_NORMAL: return 2;
    case P_UNIFORM: case P_UNIF64: return 1;
    case P_BETA: return 6;
    default: return 3;
    }
}

static const char *prim_tag(prim p) {
    switch (p) {
    case P_GAMMA: return "RND_TAG_GAMMA";
    case P_BETA: return "RND_TAG_BETA";
    case P_POISSON: return "RND_TAG_POIS";
    default: return "RND_TAG_BINO";
    }
}

/* The emitter's state beside the C emitters': the lanes, and the draws' keys, which do
 * not depend on the lane (the key input is shared) and are derived once per thread before
 * its lanes run (cg_lane_keys), not once per lane. */
typedef struct lane_emit {
    const cg_lanes *l;
    cg_text keys; /* statements setting ks[...] from IN */
    int n_keys;
} lane_emit;

static const draw_form *find_form(const char *family) {
    for (size_t i = 0; i < sizeof draw_forms / sizeof *draw_forms; i++)
        if (!strcmp(draw_forms[i].family, family)) return &draw_forms[i];
    return NULL;
}

static bool is_float(gen_dtype t) { return t == GEN_F64 || t == GEN_F32; }

/* Whether form f draws a value of dtype out from parameters of the node's dtypes as the
 * sample function computes it (no promotion the formula would miss). */
static bool form_fits(const cg_emit *e, const cg_node *nd, const draw_form *f, gen_dtype out) {
    for (int i = 1; i < nd->n_in; i++) {
        gen_dtype t = cg_val(e, nd->in[i])->dtype;
        switch (f->prim) {
        case P_NORMAL: case P_UNIFORM: case P_GAMMA: case P_BETA:
            if (t != out) return false;
            break;
        case P_UNIF64: if (!(t == GEN_F64 || (f->any_float && t == GEN_F32))) return false; break;
        case P_POISSON: if (t == GEN_BOOL) return false; break;
        default: if (i == 2 ? !is_float(t) : t == GEN_BOOL) return false; break;
        }
    }
    switch (f->prim) {
    case P_NORMAL: case P_UNIFORM: return out == GEN_F64 || (f->any_float && out == GEN_F32);
    case P_UNIF64: return out == GEN_BOOL;
    case P_GAMMA: case P_BETA: return out == GEN_F64;
    default: return out == GEN_I64;
    }
}

/* A DRAW node as code: per element of the lane's draw, the primitive at element lane *
 * size + j (a per-lane draw) or j, and the family's formula of it. */
static bool emit_draw(cg_emit *e, const cg_node *nd) {
    if (nd->op != OP_DRAW) return false;
    lane_emit *le = e->hook_payload;
    const cg_lanes *l = le->l;
    dist_draw_info di = dist_draw_site_info((const op_draw_site *)nd->p.payload);
    const draw_form *f = find_form(di.family);
    const cg_value *o = cg_val(e, nd->out[0]), *key = cg_val(e, nd->in[0]);
    if (!f || f->n_params != nd->n_in - 1) {
        cg_unsupported(e, "a draw of %s (no sampler on the device)", di.family);
        return true;
    }
    if (!form_fits(e, nd, f, o->dtype)) {
        cg_unsupported(e, "a draw of %s of dtype %s from these parameters", di.family, gen_dtype_name(o->dtype));
        return true;
    }
    if (key->kind != CG_INPUT || l->each[nd->in[0]]) {
        cg_unsupported(e, "a draw of %s whose key is not the call's", di.family);
        return true;
    }
    if (o->size == 0) return true;
    /* the keys, once per thread */
    int at = le->n_keys;
    le->n_keys += prim_keys(f->prim);
    cg_text_printf(&le->keys,
                   "    { const int64_t *k = (const int64_t *)IN[%d];\n"
                   "      gen_key key = {{(uint64_t)k[0], (uint64_t)k[1]}}, kd = cg_fold_in(key, UINT64_C(0x%016" PRIx64 "));\n",
                   (int)key->index, di.hash);
    switch (f->prim) {
    case P_NORMAL: cg_text_printf(&le->keys, "      ks[%d] = kd; ks[%d] = rnd_ziggurat_key(kd); }\n", at, at + 1); break;
    case P_UNIFORM: case P_UNIF64: cg_text_printf(&le->keys, "      ks[%d] = kd; }\n", at); break;
    default:
        for (int s = 0; s < prim_keys(f->prim) / 3; s++)
            cg_text_printf(&le->keys,
                           "      { smp_stream st = smp_stream_new(kd, %s, %d); ks[%d] = st.a; ks[%d] = st.z; ks[%d] = st.v; }\n",
                           prim_tag(f->prim), s, at + 3 * s, at + 3 * s + 1, at + 3 * s + 2);
        cg_text_printf(&le->keys, "    }\n");
    }
    /* the elements */
    const char *ct = cg_ctype(o->dtype);
    int64_t so[GEN_MAX_DIMS], sa[GEN_MAX_DIMS];
    char lo[240], la[240], args[DIST_MAX_PARAMS][200], x[600], a[400];
    for (int i = 1; i < nd->n_in; i++) {
        const cg_value *v = cg_val(e, nd->in[i]);
        cg_bcast_strides(v->ndim, v->shape, 1, o->ndim, o->shape, sa);
        cg_linear(la, sizeof la, o->ndim, o->shape, sa, "d");
        snprintf(args[i - 1], sizeof args[i - 1], "%s", cg_ref(e, nd->in[i], la));
    }
    cg_strides(o->ndim, o->shape, so);
    cg_linear(lo, sizeof lo, o->ndim, o->shape, so, "d");
    cg_text_printf(&e->body, "    {\n");
    if (f->prim == P_GAMMA || f->prim == P_POISSON || f->prim == P_BINOMIAL)
        cg_text_printf(&e->body, "      const smp_stream st = cg_stream(ks[%d], ks[%d], ks[%d]);\n", at, at + 1, at + 2);
    if (f->prim == P_BETA)
        cg_text_printf(&e->body, "      const smp_stream st[2] = {cg_stream(ks[%d], ks[%d], ks[%d]), cg_stream(ks[%d], ks[%d], ks[%d])};\n",
                       at, at + 1, at + 2, at + 3, at + 4, at + 5);
    cg_open_loops(e, o->ndim, o->shape, "d");
    cg_text_printf(&e->body, "    { const int64_t oa = %s;\n", lo);
    if (l->each[nd->out[0]])
        cg_text_printf(&e->body, "      const uint64_t ei = (uint64_t)(lane * INT64_C(%" PRId64 ") + oa);\n", o->size);
    else
        cg_text_printf(&e->body, "      const uint64_t ei = (uint64_t)oa;\n");
    _Static_assert(DIST_MAX_PARAMS == 4, "cg_substitute reads $0 .. $3");
    const char *argv[4] = {args[0], args[1], args[2], args[3]};
    if (f->arg) cg_substitute(f->arg, argv, a, sizeof a);
    switch (f->prim) {
    case P_NORMAL: cg_text_printf(&e->body, "      const %s Z = (%s)cg_normal(ks[%d], ks[%d], ei);\n", ct, ct, at, at + 1); break;
    case P_UNIFORM:
        cg_text_printf(&e->body, "      const %s U = cg_uniform_%s(ks[%d], ei);\n", ct, o->dtype == GEN_F32 ? "f32" : "f64", at);
        break;
    case P_UNIF64: cg_text_printf(&e->body, "      const double U = cg_uniform_f64(ks[%d], ei);\n", at); break;
    case P_GAMMA: cg_text_printf(&e->body, "      const double G = cg_gamma(&st, ei, %s);\n", a); break;
    case P_BETA: cg_text_printf(&e->body, "      const double G = cg_beta(st, ei, %s);\n", a); break;
    case P_POISSON: cg_text_printf(&e->body, "      const int64_t G = cg_poisson_draw(&st, ei, %s);\n", a); break;
    case P_BINOMIAL: { /* n as gen_cast makes it i64, p as the sampler reads it (f64) */
        bool nf = is_float(cg_val(e, nd->in[1])->dtype);
        cg_text_printf(&e->body, "      const int64_t G = cg_binomial(&st, ei, %s%s%s, (double)%s);\n", nf ? "cg_f2i((double)" : "(int64_t)",
                       args[0], nf ? ")" : "", args[1]);
        break;
    }
    }
    cg_substitute(f->expr, argv, x, sizeof x);
    cg_text_printf(&e->body, "      %s = (%s)%s; }\n    }\n", cg_ref(e, nd->out[0], "oa"), ct, x);
    return true;
}

/* ---- the program ---- */

/* s with each runtime call rt->name made the device function cg_rt_name. */
static void put_device_calls(cg_text *t, const char *s) {
    for (const char *p = s; *p;) {
        const char *q = strstr(p, "rt->");
        while (q && q > s && (q[-1] == '_' || (q[-1] >= 'a' && q[-1] <= 'z') || (q[-1] >= 'A' && q[-1] <= 'Z') ||
                              (q[-1] >= '0' && q[-1] <= '9')))
            q = strstr(q + 4, "rt->");
        if (!q) {
            cg_text_printf(t, "%s", p);
            return;
        }
        cg_text_printf(t, "%.*scg_rt_", (int)(q - p), p);
        p = q + 4;
    }
}

/* An embedded text without its #include lines (the program supplies the headers). */
static void put_text(cg_text *t, const char *s) {
    size_t len;
    for (const char *p = s; *p; p += len)
        if (backend_rtc_keep_line(p, &len)) cg_text_printf(t, "%.*s", (int)len, p);
}

static const char portability[] =
    "/* A GenC lane program (src/compile/emit_lanes.c): CUDA C for NVRTC, or plain C. */\n" BACKEND_RTC_PRELUDE;


void cg_lane_code_free(cg_lane_code *code) {
    cg_text_free(&code->src);
    core_free(code->inline_at, ((size_t)code->n_in + 1) * sizeof *code->inline_at);
    *code = (cg_lane_code){0};
}

/* The inputs' pointers of lane `lane`: inline, or at the lane's elements. */
static void put_inputs(cg_text *t, const cg_graph *g, const cg_lane_code *c) {
    cg_text_printf(t, "    const void *IN[%d];\n", g->n_inputs + 1);
    for (int i = 0; i < g->n_inputs; i++) {
        if (c->inline_at[i] >= 0)
            cg_text_printf(t, "    IN[%d] = (const void *)(P->inl + %d);\n", i, c->inline_at[i]);
        else
            cg_text_printf(t, "    IN[%d] = (const void *)((const char *)P->io[%d] + lane * P->st[%d]);\n", i, i, i);
    }
}

/* The draws' keys (from the shared key input, so at any lane), then the lane function's
 * pointers: inputs inline or at their lane, outputs at their lane, a shared output
 * written by lane 0 only (the others write their own work space). */
static void put_runner(cg_text *t, const cg_lanes *l, cg_lane_code *c, const lane_emit *le, int64_t stmt_work) {
    const cg_graph *g = l->g;
    int64_t dummy = (stmt_work + 15) / 16 * 16;
    cg_text_printf(t, "#define CG_NKEYS %d\nstatic void cg_lane_keys(const cg_params *P, gen_key *ks) {\n"
                      "    const int64_t lane = P->first;\n", le->n_keys);
    put_inputs(t, g, c);
    cg_text_printf(t, "    (void)IN; (void)ks;\n%s}\n", le->keys.s ? le->keys.s : "");
    cg_text_printf(t, "static int cg_run_lane(const cg_params *P, unsigned char *W, int64_t lane, const gen_key *ks, int64_t *at,\n"
                      "                      double *fv) {\n");
    put_inputs(t, g, c);
    cg_text_printf(t, "    void *OUT[%d];\n", g->n_outputs + 1);
    for (int j = 0; j < g->n_outputs; j++) {
        int io = g->n_inputs + j;
        const cg_value *v = &g->values[g->outputs[j]];
        if (l->each[g->outputs[j]]) {
            cg_text_printf(t, "    OUT[%d] = (void *)((char *)P->io[%d] + lane * P->st[%d]);\n", j, io, io);
        } else {
            cg_text_printf(t, "    OUT[%d] = lane == P->lane0 ? (void *)P->io[%d] : (void *)(W + %" PRId64 ");\n", j, io, dummy);
            dummy += (v->size * (int64_t)gen_dtype_size(v->dtype) + 15) / 16 * 16;
        }
    }
    cg_text_printf(t, "    return cg_lane(P->K, IN, OUT, W, lane, ks, at, fv);\n}\n");
    c->work = dummy;
}

static const char kernel[] =
    "static void cg_failed(cg_fail *f, int64_t report, int rc, int64_t lane, int64_t at, const double *fv) {\n"
    "    if (report) { f->rc = rc; f->at = at; f->v[0] = fv[0]; f->v[1] = fv[1]; return; }\n"
    "    uint64_t key = CG_FAIL_KEY((uint64_t)rc, (uint64_t)lane);\n"
    "#ifdef __CUDACC_RTC__\n"
    "    atomicMin((unsigned long long *)&f->key, (unsigned long long)key);\n"
    "#else\n"
    "    if (key < f->key) f->key = key;\n"
    "#endif\n"
    "}\n"
    "#ifdef __CUDACC_RTC__\n"
    "extern \"C\" __global__ void __launch_bounds__(CG_BLOCK) cg_kernel(const __grid_constant__ cg_params P) {\n"
    "    const int64_t T = (int64_t)gridDim.x * blockDim.x, t = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;\n"
    "    unsigned char *W = P.W + t * CG_WORK;\n"
    "    gen_key ks[CG_NKEYS + 1];\n"
    "    if (t < P.n) cg_lane_keys(&P, ks);\n"
    "    for (int64_t i = t; i < P.n; i += T) {\n"
    "        int64_t lane = P.first + i, at = 0;\n"
    "        double fv[2] = {0, 0};\n"
    "        int rc = cg_run_lane(&P, W, lane, ks, &at, fv);\n"
    "        if (rc) cg_failed(P.fail, P.report, rc, lane, at, fv);\n"
    "    }\n"
    "}\n"
    "#else\n"
    "struct cg_rt_host;\n"
    "int cg_main(const struct cg_rt_host *rt, const void *const *K, const void *const *IN, void *const *OUT,\n"
    "            unsigned char *W, int64_t *fail, double *failv) {\n"
    "    const cg_params *P = (const cg_params *)(const void *)K;\n"
    "    (void)rt; (void)IN; (void)OUT; (void)W; (void)fail; (void)failv;\n"
    "    gen_key ks[CG_NKEYS + 1];\n"
    "    cg_lane_keys(P, ks);\n"
    "    for (int64_t i = 0; i < P->n; i++) {\n"
    "        int64_t lane = P->first + i, at = 0;\n"
    "        double fv[2] = {0, 0};\n"
    "        int rc = cg_run_lane(P, P->W, lane, ks, &at, fv);\n"
    "        if (rc) cg_failed(P->fail, P->report, rc, lane, at, fv);\n"
    "    }\n"
    "    return 0;\n"
    "}\n"
    "#endif\n";

bool cg_emit_lanes(const cg_lanes *l, cg_lane_code *c, char *why, size_t why_n) {
    const cg_graph *g = l->g;
    *c = (cg_lane_code){0};
    cg_text body = {0}, *t = &c->src;
    int64_t stmt_work = 0;
    lane_emit le = {l, {0}, 0};
    cg_emit_opts opts = {emit_draw, &le, !l->chains};
    if (!cg_emit_statements(g, &opts, &body, &stmt_work, why, why_n)) {
        cg_text_free(&le.keys);
        return false;
    }
    c->n_k = g->n_consts;
    c->n_in = g->n_inputs;
    c->n_out = g->n_outputs;
    c->can_fail = body.s && strstr(body.s, "*fail = ") != NULL;
    c->inline_at = core_alloc(((size_t)g->n_inputs + 1) * sizeof *c->inline_at);
    if (!c->inline_at) {
        cg_text_free(&body);
        snprintf(why, why_n, "out of memory");
        return false;
    }
    int n_inl = 0; /* shared inputs of at most 64 bytes travel in the parameters */
    for (int i = 0; i < g->n_inputs; i++) {
        const cg_value *v = &g->values[g->inputs[i]];
        int64_t bytes = v->size * (int64_t)gen_dtype_size(v->dtype);
        c->inline_at[i] = -1;
        if (!l->each[g->inputs[i]] && bytes <= 64) {
            c->inline_at[i] = n_inl;
            n_inl += (int)((bytes + 7) / 8);
        }
    }
    int nio = g->n_inputs + g->n_outputs, nio_a = nio ? nio : 1, inl_a = n_inl ? n_inl : 1;
    c->io_at = 7;
    c->st_at = c->io_at + nio_a;
    c->inl_at = c->st_at + nio_a;
    c->words = c->inl_at + inl_a;
    if (c->words * 8 > CG_LANE_MAX_PARAMS) {
        cg_text_free(&body);
        cg_lane_code_free(c);
        snprintf(why, why_n, "%d inputs and outputs are more than one kernel's parameters hold", nio);
        return false;
    }
    cg_text_printf(t, "%s", portability);
    for (int k = 0; k < cg_lane_n_texts; k++) put_text(t, cg_lane_texts[k]);
    cg_text_printf(t, "%s", cg_prelude_helpers);
    cg_text_printf(t, "typedef struct cg_rt { int unused; } cg_rt;\n");
    put_device_calls(t, cg_prelude_ops);
    cg_text_printf(t, "static int cg_lane(const void *const *K, const void *const *IN, void *const *OUT, unsigned char *W,\n"
                      "                   int64_t lane, const gen_key *ks, int64_t *fail, double *failv) {\n"
                      "    const cg_rt *rt = 0;\n"
                      "    (void)rt; (void)K; (void)IN; (void)W; (void)lane; (void)ks; (void)fail; (void)failv;\n");
    put_device_calls(t, body.s ? body.s : "");
    cg_text_printf(t, "}\n");
    cg_text_printf(t,
                   "typedef struct cg_fail { uint64_t key; int64_t at; double v[2]; int64_t rc; } cg_fail;\n"
                   "typedef struct cg_params {\n"
                   "    const void *const *K;\n    unsigned char *W;\n    cg_fail *fail;\n"
                   "    int64_t n, first, report, lane0;\n"
                   "    const void *io[%d];\n    int64_t st[%d];\n    int64_t inl[%d];\n} cg_params;\n",
                   nio_a, nio_a, inl_a);
    put_runner(t, l, c, &le, stmt_work);
    c->work = (c->work + 15) / 16 * 16;
    cg_text_printf(t, "#define CG_BLOCK %d\n#define CG_WORK INT64_C(%" PRId64 ")\n", CG_LANE_BLOCK, c->work);
    cg_text_printf(t, "#define CG_FAIL_KEY(rc, lane) %s\n",
                   l->chains ? "(((lane) << 24) | (rc))" : "(((rc) << 40) | (lane))");
    cg_text_printf(t, "%s", kernel);
    cg_text_free(&body);
    bool keys_oom = le.keys.oom;
    cg_text_free(&le.keys);
    if (t->oom || keys_oom) {
        cg_lane_code_free(c);
        snprintf(why, why_n, "out of memory");
        return false;
    }
    return true;
}
