/* cmap_names.c — the names of flattened elements (genc/choice.h: names of draws): one
 * per element gen_choicemap_flatten gives, in its order, written as Stan writes
 * parameters ("sigma", "beta[3]", "L[2,1]": 1-based row-major indices after the
 * formatted address), so draws read like a Stan program's output. */
#include <stdio.h>
#include <string.h>

#include "choice_int.h"

/* Appends the text to buf[*k] as far as it fits; always counts it (snprintf's rule). */
static void put_str(char *buf, size_t n, size_t *k, const char *s, size_t len) {
    if (*k < n) memcpy(buf + *k, s, (*k + len < n ? len : n - 1 - *k));
    *k += len;
}

int gen_addr_format_elem(const gen_addr *a, int ndim, const int64_t *shape, int64_t elem, char *buf,
                         size_t n) {
    const char *fn = "gen_addr_format_elem";
    if (!buf && n) return GEN_FAIL(GEN_ERR_MISUSE, "%s: the buffer is NULL", fn), -1;
    if (!a) return GEN_FAIL(GEN_ERR_MISUSE, "%s: the address is NULL", fn), -1;
    if (ndim < 0 || ndim > GEN_MAX_DIMS || (ndim > 0 && !shape))
        return GEN_FAIL(GEN_ERR_VALUE, "%s: ndim must be 0..%d with a shape, got %d%s", fn, GEN_MAX_DIMS, ndim,
                        ndim > 0 && !shape ? " and a NULL shape" : ""),
               -1;
    int64_t size = 1;
    for (int d = 0; d < ndim; d++) {
        if (shape[d] < 0) return GEN_FAIL(GEN_ERR_VALUE, "%s: dimension %d is negative (%lld)", fn, d,
                                          (long long)shape[d]), -1;
        size *= shape[d];
    }
    if (elem < 0 || elem >= size)
        return GEN_FAIL(GEN_ERR_INDEX, "%s: element %lld is out of range for %lld elements", fn, (long long)elem,
                        (long long)size), -1;
    size_t k = (size_t)gen_addr_format(a, buf, n);
    if (ndim == 0) return (int)k;
    int64_t idx[GEN_MAX_DIMS];
    for (int d = ndim - 1; d >= 0; d--) { /* unravel row-major */
        idx[d] = elem % shape[d];
        elem /= shape[d];
    }
    char tmp[24];
    for (int d = 0; d < ndim; d++) {
        int m = snprintf(tmp, sizeof tmp, "%c%lld", d ? ',' : '[', (long long)(idx[d] + 1));
        put_str(buf, n, &k, tmp, (size_t)m);
    }
    put_str(buf, n, &k, "]", 1);
    if (n) buf[k < n ? k : n - 1] = '\0';
    return (int)k;
}

void gen_names_free(char **names, int64_t n) {
    if (!names) return;
    for (int64_t i = 0; i < n; i++)
        if (names[i]) core_free(names[i], strlen(names[i]) + 1);
    core_free(names, (size_t)(n > 0 ? n : 1) * sizeof *names);
}

typedef struct names_ctx {
    char **names;
    int64_t n, cap;
} names_ctx;

static gen_status add_names(void *ud, const gen_addr *path, const gen_array *v) {
    names_ctx *c = ud;
    char abuf[GEN_ADDR_FORMAT_MAX];
    if (gen_array_is_batched(v))
        return GEN_FAIL(GEN_ERR_UNSUPPORTED, "gen_choicemap_flat_names: the value at %s is batched (a particle "
                        "axis of %lld): its elements have no parameter names; name one particle's choices "
                        "(gen_choicemap_particle)", addr_str(path, abuf), (long long)gen_array_dim(v, 0));
    int64_t size = gen_array_size(v);
    int nd = gen_array_ndim(v);
    const int64_t *shape = gen_array_shape(v);
    for (int64_t e = 0; e < size; e++) {
        int len = gen_addr_format_elem(path, nd, shape, e, NULL, 0);
        if (len < 0) return gen_error_status();
        char *s = core_alloc((size_t)len + 1);
        if (!s) return GEN_ERR_OOM;
        gen_addr_format_elem(path, nd, shape, e, s, (size_t)len + 1);
        c->names[c->n++] = s;
    }
    return GEN_OK;
}

gen_status gen_choicemap_flat_names(const gen_choicemap *m, const gen_selection *sel, char ***names,
                                    int64_t *n) {
    const char *fn = "gen_choicemap_flat_names";
    if (names) *names = NULL;
    if (n) *n = 0;
    if (!names || !n) return GEN_FAIL(GEN_ERR_MISUSE, "%s: the %s output is NULL", fn, names ? "count" : "names");
    if (!cm_check_arg(fn, m, "the map")) return gen_error_status();
    int64_t size = gen_choicemap_flat_size(m, sel);
    if (size < 0) return gen_error_status();
    names_ctx c = {core_alloc((size_t)(size > 0 ? size : 1) * sizeof(char *)), 0, size};
    if (!c.names) return GEN_ERR_OOM;
    gen_addr path = {0};
    gen_status st = cm_flat_visit(m, sel ? sel : &sel_all, add_names, &c, &path);
    if (st != GEN_OK) {
        for (int64_t i = 0; i < c.n; i++) core_free(c.names[i], strlen(c.names[i]) + 1);
        core_free(c.names, (size_t)(size > 0 ? size : 1) * sizeof(char *));
        return st;
    }
    *names = c.names;
    *n = size;
    return GEN_OK;
}
