/* particle.c — one particle of a batched choice map: each batched value (array.h:
 * batched mode) indexed at the particle, shared values kept as they are, masked values
 * absent for the particle left out. */
#include "choice_int.h"

gen_choicemap *gen_choicemap_particle(const gen_choicemap *m, int64_t i) {
    if (!m) {
        if (!core_error_pending()) GEN_FAIL(GEN_ERR_MISUSE, "gen_choicemap_particle: the map is NULL");
        return NULL;
    }
    if (gen_scope_begin() != GEN_OK) return NULL;
    gen_choicemap_builder *b = gen_choicemap_builder_new();
    gen_array *index = gen_scalar_i64(i);
    gen_status s = b && index ? GEN_OK : GEN_ERR_OOM;
    gen_choicemap_iter it;
    gen_choicemap_iter_init(&it, m);
    while (s == GEN_OK && gen_choicemap_iter_next(&it)) {
        const gen_array *v = it.value;
        if (gen_array_is_batched(v)) {
            int64_t n = gen_array_shape(v)[0];
            if (i < 0 || i >= n) {
                char buf[GEN_ADDR_FORMAT_MAX];
                gen_addr_format(&it.addr, buf, sizeof buf);
                s = GEN_FAIL(GEN_ERR_INDEX, "gen_choicemap_particle: particle %lld is out of range for the %lld particles at %s",
                             (long long)i, (long long)n, buf);
                break;
            }
            if (it.mask) { /* absent here: left out (a device's mask is read on the host) */
                gen_array *hold;
                const bool *mk = cm_host_data(it.mask, &hold);
                bool absent = mk && !mk[i];
                gen_array_release(hold);
                if (!mk) {
                    s = core_error_pending();
                    break;
                }
                if (absent) continue;
            }
            v = gen_take(v, index, 0);
        }
        s = v ? gen_choicemap_builder_set(b, &it.addr, v) : (core_error_pending() ? core_error_pending() : GEN_ERR_OOM);
    }
    gen_choicemap *out = s == GEN_OK ? gen_choicemap_builder_finish(b) : NULL;
    if (b) gen_choicemap_builder_free(b);
    out = gen_choicemap_scope_return(out);
    gen_scope_end();
    return out;
}
