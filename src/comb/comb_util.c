/* comb_util.c — helpers shared by the combinators (see comb_int.h). */
#include <stdio.h>
#include <string.h>

#include "comb_int.h"

gen_status comb_pending(void) { return core_error_pending() ? core_error_pending() : GEN_ERR_OOM; }

gen_status comb_fail_at(const char *who, int64_t i) {
    gen_status s = comb_pending();
    core_error_prefix("%s: %lld", who, (long long)i);
    return s;
}

static int element_axis(comb_mode m, const gen_array *a) { return m.n && gen_array_is_batched(a) ? 1 : 0; }

int64_t comb_length(comb_mode m, const char *who, int arg, const gen_array *a) {
    int axis = element_axis(m, a);
    if (gen_array_ndim(a) <= axis) {
        GEN_FAIL(GEN_ERR_SHAPE, "%s: argument %d has no element axis (%d dims%s)", who, arg,
                 gen_array_ndim(a), axis ? ", batched" : "");
        return -1;
    }
    return gen_array_shape(a)[axis];
}

gen_array *comb_element(comb_mode m, const gen_array *a, int64_t i) {
    int axis = element_axis(m, a);
    gen_array *e = gen_take(a, gen_scalar_i64(i), axis);
    return axis ? gen_batched(e) : e;
}

gen_array *comb_stack(comb_mode m, int64_t n, gen_array *const *items) {
    bool batched = false;
    for (int64_t i = 0; i < n; i++) batched |= m.n && gen_array_is_batched(items[i]);
    if (!batched) return gen_stack((int)n, items, 0);
    if (gen_scope_begin() != GEN_OK) return NULL;
    gen_array **all = core_alloc((size_t)n * sizeof *all);
    gen_array *out = NULL;
    if (all) {
        bool ok = true;
        for (int64_t i = 0; i < n && ok; i++) {
            gen_array *x = items[i];
            if (!gen_array_is_batched(x)) { /* shared by the particles: one copy each */
                int64_t shape[GEN_MAX_DIMS];
                int nd = gen_array_ndim(x);
                shape[0] = m.n;
                memcpy(shape + 1, gen_array_shape(x), (size_t)nd * sizeof *shape);
                x = gen_broadcast_to(x, nd + 1, shape);
            }
            ok = (all[i] = x) != NULL;
        }
        if (ok) out = gen_batched(gen_stack((int)n, all, 1));
        core_free(all, (size_t)n * sizeof *all);
    }
    out = gen_scope_return(out);
    gen_scope_end();
    return out;
}

gen_array *comb_stack_empty(comb_mode m, const gen_array *item) {
    int nd = gen_array_ndim(item), b = m.n && gen_array_is_batched(item) ? 1 : 0;
    int64_t shape[GEN_MAX_DIMS + 1];
    if (nd >= GEN_MAX_DIMS) {
        GEN_FAIL(GEN_ERR_SHAPE, "stacking: an item of %d dims has no room for the element axis", nd);
        return NULL;
    }
    memcpy(shape, gen_array_shape(item), (size_t)nd * sizeof *shape);
    memmove(shape + b + 1, shape + b, (size_t)(nd - b) * sizeof *shape);
    shape[b] = 0;
    gen_array *z = gen_zeros(gen_array_dtype(item), nd + 1, shape);
    return b ? gen_batched(z) : z;
}

bool comb_same_item_shape(comb_mode m, const gen_array *a, const gen_array *b) {
    int ba = m.n && gen_array_is_batched(a), bb = m.n && gen_array_is_batched(b);
    int na = gen_array_ndim(a) - ba, nb = gen_array_ndim(b) - bb;
    return na == nb && !memcmp(gen_array_shape(a) + ba, gen_array_shape(b) + bb, (size_t)na * sizeof(int64_t));
}

gen_status comb_add(gen_array **acc, const gen_array *term) {
    gen_array *r = *acc ? gen_add(*acc, term) : (gen_array *)term;
    if (!r) return comb_pending();
    *acc = r;
    return GEN_OK;
}

gen_status comb_sub(gen_array **acc, const gen_array *term) {
    gen_array *r = *acc ? gen_sub(*acc, term) : gen_neg(term);
    if (!r) return comb_pending();
    *acc = r;
    return GEN_OK;
}

gen_array *comb_zero(comb_mode m) {
    return m.n ? gen_zeros(GEN_F64, 1, &m.n) : gen_scalar(0.0);
}

gen_choicemap *comb_indexed_choices(int64_t n, gen_trace *const *subs) {
    gen_choicemap_builder *b = gen_choicemap_builder_new();
    if (!b) return NULL;
    gen_status s = GEN_OK;
    for (int64_t i = 0; i < n && s == GEN_OK; i++) {
        const gen_choicemap *c = gen_trace_choices(subs[i]);
        if (gen_choicemap_is_empty(c)) continue;
        gen_addr a = {1, {gen_part_int(i)}};
        s = gen_choicemap_builder_set_submap(b, &a, c);
    }
    gen_choicemap *m = s == GEN_OK ? gen_choicemap_builder_finish(b) : NULL;
    gen_choicemap_builder_free(b);
    return m;
}

gen_status comb_check_indexed(const char *who, const char *op, const gen_choicemap *m, int64_t n) {
    int64_t k = gen_choicemap_num_children(m);
    for (int64_t j = 0; j < k; j++) {
        gen_part p;
        gen_choicemap_child_at(m, j, &p);
        if (gen_part_is_int(p) && gen_part_get_int(p) >= 0 && gen_part_get_int(p) < n) continue;
        char buf[GEN_ADDR_FORMAT_MAX];
        gen_addr a = {1, {p}};
        gen_addr_format(&a, buf, sizeof buf);
        return GEN_FAIL(GEN_ERR_VALUE, "%s: %s: constraint at %s is not an element (%lld elements)",
                        who, op, buf, (long long)n);
    }
    if (gen_choicemap_is_value(m))
        return GEN_FAIL(GEN_ERR_VALUE, "%s: %s: a value at the root is not an element", who, op);
    return GEN_OK;
}

typedef struct first_addr {
    char *buf;
    size_t n;
} first_addr;

static gen_status take_first(void *ud, const gen_addr *addr, const gen_array *v) {
    (void)v;
    first_addr *f = ud;
    if (f->n && !f->buf[0]) gen_addr_format(addr, f->buf, f->n); /* error paths only */
    return GEN_OK;
}

void comb_first_addr(const gen_choicemap *m, char *buf, size_t n) {
    if (n) buf[0] = 0;
    first_addr f = {buf, n};
    gen_choicemap_foreach(m, take_first, &f);
}
