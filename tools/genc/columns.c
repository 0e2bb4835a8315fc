/* columns.c — the scalar columns of a run's draws: one per element of each summarized
 * choice, named as genc/choice.h names flattened elements (gen_addr_format_elem: "mu",
 * "beta[3]", "L[2,1]", "y/3[1]": Stan's 1-based row-major indices), integer choices too. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

static bool wanted(const gen_addr *a, const gen_array *v, const gen_selection *sel, const gen_choicemap *obs,
                   bool floats_only) {
    if (floats_only && gen_array_dtype(v) != GEN_F64 && gen_array_dtype(v) != GEN_F32) return false;
    if (sel) return gen_selection_contains(sel, a);
    return !gen_choicemap_has_value(obs, a);
}

static bool push(tool_cols *c, int *cap, const gen_addr *a, int64_t elem, const char *name) {
    if (c->n == *cap) {
        int ncap = *cap ? 2 * *cap : 16;
        tool_col *col = realloc(c->col, (size_t)ncap * sizeof *col);
        if (!col) return false;
        c->col = col;
        char **nm = realloc(c->name, (size_t)ncap * sizeof *nm);
        if (!nm) return false;
        c->name = nm;
        *cap = ncap;
    }
    if (!(c->name[c->n] = strdup(name))) return false;
    c->col[c->n++] = (tool_col){*a, elem};
    return true;
}

bool tool_cols_of(const gen_trace *tr, const gen_selection *sel, const gen_choicemap *obs, bool floats_only,
                  tool_cols *c) {
    memset(c, 0, sizeof *c);
    int cap = 0;
    gen_choicemap_iter it;
    gen_choicemap_iter_init(&it, gen_trace_choices(tr));
    while (gen_choicemap_iter_next(&it)) {
        if (!wanted(&it.addr, it.value, sel, obs, floats_only)) continue;
        char name[GEN_ADDR_FORMAT_MAX + 64];
        int nd = gen_array_ndim(it.value);
        const int64_t *shape = gen_array_shape(it.value);
        int64_t size = nd == 0 ? 1 : gen_array_size(it.value);
        for (int64_t e = 0; e < size; e++) {
            gen_addr_format_elem(&it.addr, nd, shape, e, name, sizeof name);
            if (!push(c, &cap, &it.addr, nd == 0 ? -1 : e, name)) goto oom;
        }
    }
    return true;
oom:
    tool_cols_free(c);
    gen_error_set(GEN_ERR_OOM, "genc: out of memory listing the columns");
    return false;
}

void tool_cols_read(const tool_cols *c, const gen_choicemap *choices, double *row) {
    double small[256], *buf = small;
    size_t cap = 256;
    for (int i = 0; i < c->n;) {
        int j = i + 1; /* the columns of one address are consecutive */
        while (j < c->n && gen_addr_equal(&c->col[j].addr, &c->col[i].addr)) j++;
        const gen_array *v = gen_choicemap_find(choices, &c->col[i].addr);
        int64_t size = v ? gen_array_size(v) : 0;
        bool ok = v != NULL && !gen_array_is_batched(v);
        if (ok && (size_t)size > cap) {
            double *nb = malloc((size_t)size * sizeof *nb);
            if (nb) {
                if (buf != small) free(buf);
                buf = nb;
                cap = (size_t)size;
            } else {
                ok = false;
            }
        }
        ok = ok && gen_array_copy_to(v, GEN_F64, buf, (size_t)size * sizeof *buf) == GEN_OK;
        if (!ok) gen_error_clear();
        for (int k = i; k < j; k++) {
            int64_t e = c->col[k].elem < 0 ? 0 : c->col[k].elem;
            bool shape_ok = ok && (c->col[k].elem < 0 ? gen_array_ndim(v) == 0 : e < size);
            row[k] = shape_ok ? buf[e] : NAN;
        }
        i = j;
    }
    if (buf != small) free(buf);
}

void tool_cols_free(tool_cols *c) {
    for (int i = 0; i < c->n; i++) free(c->name[i]);
    free(c->name);
    free(c->col);
    memset(c, 0, sizeof *c);
}
