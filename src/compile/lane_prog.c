/* lane_prog.c — building and running a lane program on a device (lane_prog.h): the
 * constants copied to the device once, per run the kernel's parameter block (addresses,
 * strides, small shared inputs by value), per-thread work space from the device's
 * stream-ordered pool, one launch, and the failure record read back only when the code
 * can fail: the first failure found is run again alone to learn its element and values,
 * which word the eager path's error. */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "cgfn.h"
#include "lane_prog.h"

static const backend *host_devices[8];
static _Atomic int n_host_devices;

void cg_lane_prog_host_device(const backend *be) {
    int n = atomic_load(&n_host_devices);
    if (n < 8 && !cg_lane_prog_supports(be)) {
        host_devices[n] = be;
        atomic_store(&n_host_devices, n + 1);
    }
}

bool cg_lane_prog_supports(const backend *be) {
    if (be->host) return false;
    if (be->queue) return true;
    for (int i = 0; i < atomic_load(&n_host_devices); i++)
        if (host_devices[i] == be) return true;
    return false;
}

/* Memory of n bytes on be (NULL with the error recorded). */
static void *dev_alloc(const backend *be, size_t n) { return be->mem_alloc(n ? n : 16); }
static void dev_free(const backend *be, void *p, size_t n) {
    if (p) be->mem_free(p, n ? n : 16);
}

static bool uses_const(const cg_lanes *l, int32_t c) {
    const cg_graph *g = l->g;
    for (int32_t v = 0; v < g->n_values; v++) {
        const cg_value *x = &g->values[v];
        if (x->kind == CG_CONST && x->index == c && !cg_inline_const(g, v)) return true;
    }
    for (int t = 0; t < g->n_inputs - l->n_inputs0; t++)
        if (l->const_of[t] == c) return true;
    return false;
}

void cg_lane_prog_free(cg_lane_prog *p) {
    if (!p) return;
    if (p->consts)
        for (int32_t c = 0; c < p->src->n_consts; c++)
            if (p->consts[c]) gen_array_release(p->consts[c]);
    if (p->src) core_free(p->consts, ((size_t)p->src->n_consts + 1) * sizeof *p->consts);
    if (p->be) {
        dev_free(p->be, p->ktable, ((size_t)p->code.n_k + 1) * sizeof(void *));
        if (p->fail_host) p->be->mapped_free(p->fail_host);
        else dev_free(p->be, p->fail, sizeof *p->fail);
    }
    cg_module_free(p->host);
    cg_lane_code_free(&p->code);
    cg_lanes_free(p->lanes);
    cg_graph_free(p->src);
    core_free(p, sizeof *p);
}

/* The constants the code reads, on be, and the table of their addresses there. */
static bool place_consts(cg_lane_prog *p, char *why, size_t why_n) {
    const cg_graph *src = p->src;
    size_t nk = (size_t)p->code.n_k + 1;
    const void **table = core_calloc(nk, sizeof *table);
    p->consts = core_calloc((size_t)src->n_consts + 1, sizeof *p->consts);
    bool ok = table && p->consts;
    for (int32_t c = 0; ok && c < src->n_consts; c++) {
        if (!uses_const(p->lanes, c)) continue;
        const gen_array *a = src->consts[c];
        p->consts[c] = arr_backend_of(a) == p->be ? gen_array_retain((gen_array *)a)
                                                  : arr_copy_to_backend("compiled kernel", a, p->be);
        if (!p->consts[c]) {
            snprintf(why, why_n, "a constant could not be copied to %s: %s", p->be->name, gen_error_message());
            ok = false;
        } else if (c < p->code.n_k) {
            table[c] = p->consts[c]->data;
        }
    }
    if (ok) {
        p->ktable = dev_alloc(p->be, nk * sizeof *table);
        if (p->be->mapped_alloc) p->fail_host = p->be->mapped_alloc(sizeof *p->fail, (void **)&p->fail);
        else p->fail = dev_alloc(p->be, sizeof *p->fail);
        ok = p->ktable && p->fail && p->be->from_host(p->ktable, table, nk * sizeof *table) == GEN_OK;
        if (!ok) snprintf(why, why_n, "%s: %s", p->be->name, gen_error_message());
    }
    core_free(table, nk * sizeof *table);
    return ok;
}

cg_lane_prog *cg_lane_prog_new(cg_lanes *l, cg_graph *src, const backend *be, char *why, size_t why_n) {
    why[0] = 0;
    core_error_saved saved;
    core_error_save(&saved);
    cg_lane_prog *p = core_calloc(1, sizeof *p);
    if (!p) {
        cg_lanes_free(l);
        cg_graph_free(src);
        snprintf(why, why_n, "out of memory");
        core_error_restore(&saved);
        return NULL;
    }
    p->lanes = l;
    p->src = src;
    p->be = be;
    bool ok = cg_lane_prog_supports(be);
    if (!ok) snprintf(why, why_n, "%s runs no compiled kernels", be->name);
    ok = ok && cg_emit_lanes(l, &p->code, why, why_n);
    if (ok && be->queue) {
        ok = (p->kernel = cg_cuda_kernel_get(p->code.src.s, p->code.src.n, be->ordinal, why, why_n)) != NULL;
    } else if (ok) {
        ok = (p->host = cg_target_c.load(p->code.src.s, p->code.src.n, why, why_n)) != NULL;
    }
    ok = ok && place_consts(p, why, why_n);
    if (!ok) {
        if (!why[0]) snprintf(why, why_n, "out of memory");
        cg_lane_prog_free(p);
        p = NULL;
    }
    core_error_restore(&saved);
    return p;
}

int64_t cg_lane_prog_stride(const cg_lane_prog *p, bool input, int i) {
    const cg_graph *g = p->lanes->g;
    int32_t v = input ? g->inputs[i] : g->outputs[i];
    const cg_value *x = &g->values[v];
    return p->lanes->each[v] ? x->size * (int64_t)gen_dtype_size(x->dtype) : 0;
}

/* ---- running ---- */

/* One launch's parameter block and what the run allocated for it. */
typedef struct launch {
    uint64_t *w;
    int words;
    void *work;
    size_t work_bytes;
    int64_t threads;
} launch;

static gen_status start(const cg_lane_prog *p, launch *L, cg_fail *fail, int64_t first, int64_t n, int64_t report) {
    L->threads = p->kernel ? cg_cuda_threads(p->be->ordinal, n, CG_LANE_BLOCK) : 1;
    L->work_bytes = (size_t)(L->threads * p->code.work);
    L->work = NULL;
    if (L->work_bytes && !(L->work = dev_alloc(p->be, L->work_bytes))) return core_error_pending();
    uint64_t *w = L->w;
    w[0] = (uint64_t)(uintptr_t)p->ktable;
    w[1] = (uint64_t)(uintptr_t)L->work;
    w[2] = (uint64_t)(uintptr_t)fail;
    w[3] = (uint64_t)n;
    w[4] = (uint64_t)first;
    w[5] = (uint64_t)report;
    w[6] = (uint64_t)(report ? -1 : first);
    gen_status s;
    if (p->kernel) {
        void *mark = p->be->mark_begin ? p->be->mark_begin(p->be, "compiled kernel") : NULL;
        s = cg_cuda_launch(p->kernel, p->be, L->threads, CG_LANE_BLOCK, w, (size_t)L->words * sizeof *w);
        if (mark) p->be->mark_end(mark);
    } else {
        int64_t at = 0;
        double v[2] = {0, 0};
        cg_module_main(p->host)(NULL, (const void *const *)(const void *)w, NULL, NULL, NULL, &at, v);
        s = GEN_OK;
    }
    dev_free(p->be, L->work, L->work_bytes); /* stream-ordered: after the kernel */
    L->work = NULL;
    return s;
}

/* The eager path's error for node k failing in lane `lane` at element at with values v. */
static gen_status failure(const cg_lane_prog *p, int32_t k, int64_t lane, int64_t at, const double *v) {
    const cg_graph *g = p->src;
    const cg_lanes *l = p->lanes;
    const cg_node *nd = &g->nodes[k];
    gen_status s;
    if (nd->kind == CG_CHECK) {
        s = cg_check_failure(g, k, cg_lanes_source_index(l, nd->in[0], lane, at), v);
    } else {
        int32_t of = nd->in[0];
        int64_t unit = 1; /* at counts elements of `of`, or its matrices */
        if (nd->op == OP_TAKE || nd->op == OP_INDEX_SET || nd->op == OP_INDEX_ADD) of = nd->in[1];
        if (nd->op == OP_CHOLESKY || nd->op == OP_SOLVE || nd->op == OP_INV) {
            const cg_value *a = &g->values[of];
            unit = a->ndim >= 2 ? a->shape[a->ndim - 1] * a->shape[a->ndim - 2] : 1;
        }
        int64_t src_at = unit ? cg_lanes_source_index(l, of, lane, at * unit) / unit : at;
        s = cg_op_failure(g, k, src_at, v);
    }
    if (l->chains) core_error_prefix("chain %lld", (long long)lane);
    return s;
}

/* The failure record at fail (on be; mapped: the same in host memory, or NULL) set to
 * *rec before a launch, and read into *rec after it (waiting for it). */
static gen_status put_record(const backend *be, cg_fail *fail, cg_fail *mapped, const cg_fail *rec) {
    if (!mapped) return be->from_host(fail, rec, sizeof *rec);
    *mapped = *rec; /* the last kernel that wrote it was waited for */
    return GEN_OK;
}
static gen_status get_record(const backend *be, cg_fail *fail, cg_fail *mapped, cg_fail *rec) {
    if (!mapped) return be->to_host(rec, fail, sizeof *rec);
    gen_status s = be->synchronize();
    if (s == GEN_OK) memcpy(rec, mapped, sizeof *rec); /* written before the wait returned */
    return s;
}

gen_status cg_lane_prog_run(const cg_lane_prog *p, int64_t lanes, const cg_lane_io *in, const cg_lane_io *out) {
    const cg_lanes *l = p->lanes;
    const cg_graph *g = l->g;
    const cg_lane_code *c = &p->code;
    cg_lane_prog *mp = (cg_lane_prog *)p;
    if (lanes <= 0) return GEN_OK;
    launch L = {.words = c->words};
    int n_in = g->n_inputs, n0 = l->n_inputs0;
    void **temp = core_calloc((size_t)n_in + 1, sizeof *temp);
    size_t *temp_n = core_calloc((size_t)n_in + 1, sizeof *temp_n);
    L.w = core_calloc((size_t)c->words, sizeof *L.w);
    gen_status s = temp && temp_n && L.w ? GEN_OK : GEN_ERR_OOM;
    for (int i = 0; i < n_in && s == GEN_OK; i++) {
        const cg_value *x = &g->values[g->inputs[i]];
        size_t bytes = (size_t)(x->size * (int64_t)gen_dtype_size(x->dtype));
        cg_lane_io io = i < n0 ? in[i]
                               : (cg_lane_io){p->consts[l->const_of[i - n0]]->data, false, cg_lane_prog_stride(p, true, i)};
        if (c->inline_at[i] >= 0) { /* by value */
            void *dst = L.w + c->inl_at + c->inline_at[i];
            s = io.host ? (memcpy(dst, io.p, bytes), GEN_OK) : p->be->to_host(dst, io.p, bytes);
            continue;
        }
        const void *addr = io.p;
        if (io.host) { /* copied to the device for this run */
            temp_n[i] = io.stride ? (size_t)io.stride * (size_t)(lanes - 1) + bytes : bytes;
            temp[i] = dev_alloc(p->be, temp_n[i]);
            s = temp[i] ? p->be->from_host(temp[i], io.p, temp_n[i]) : core_error_pending();
            addr = temp[i];
        }
        L.w[c->io_at + i] = (uint64_t)(uintptr_t)addr;
        L.w[c->st_at + i] = (uint64_t)io.stride;
    }
    for (int j = 0; j < g->n_outputs; j++) {
        L.w[c->io_at + n_in + j] = (uint64_t)(uintptr_t)out[j].p;
        L.w[c->st_at + n_in + j] = (uint64_t)out[j].stride;
    }
    /* the failure record: the program's own, or one of this run's while another runs */
    int expected = 0;
    bool own = c->can_fail && atomic_compare_exchange_strong(&mp->busy, &expected, 1);
    cg_fail *fail = !c->can_fail ? p->fail : own ? p->fail : dev_alloc(p->be, sizeof *fail);
    cg_fail rec = {~(uint64_t)0, 0, {0, 0}, 0};
    cg_fail *mapped = own ? p->fail_host : NULL; /* read in place after a wait */
    if (s == GEN_OK && !fail) s = core_error_pending();
    if (s == GEN_OK && c->can_fail) s = put_record(p->be, fail, mapped, &rec);
    if (s == GEN_OK) s = start(p, &L, fail, 0, lanes, 0);
    for (int i = 0; i < n_in; i++) dev_free(p->be, temp[i], temp_n[i]);
    if (s == GEN_OK && c->can_fail) s = get_record(p->be, fail, mapped, &rec);
    if (s == GEN_OK && rec.key != ~(uint64_t)0) { /* the first failure, run alone to learn where */
        int64_t lane = l->chains ? (int64_t)(rec.key >> 24) : (int64_t)(rec.key & ((UINT64_C(1) << 40) - 1));
        s = start(p, &L, fail, lane, 1, 1);
        if (s == GEN_OK) s = get_record(p->be, fail, mapped, &rec);
        if (s == GEN_OK) s = rec.rc > 0 ? failure(p, (int32_t)(rec.rc - 1), lane, rec.at, rec.v)
                                        : GEN_FAIL(GEN_ERR_INTERNAL, "a compiled kernel's failure did not repeat");
    }
    if (own) atomic_store(&mp->busy, 0);
    else if (c->can_fail && fail) dev_free(p->be, fail, sizeof *fail);
    core_free(temp, ((size_t)n_in + 1) * sizeof *temp);
    core_free(temp_n, ((size_t)n_in + 1) * sizeof *temp_n);
    core_free(L.w, (size_t)c->words * sizeof *L.w);
    return s;
}
