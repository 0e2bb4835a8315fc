/* cmap_path.c — the choice-map calls that take an address as a path string ("y/3", in
 * gen_addr_parse syntax): read, set and build in one call. Each parses the path and
 * runs the gen_addr form; a failure's message is prefixed with the call and the path. */
#include "choice_int.h"

/* Parses path into *a for fn; false with the error (naming fn and the path). */
static bool parse_for(const char *fn, const char *path, gen_addr *a) {
    if (!path) {
        GEN_FAIL(GEN_ERR_MISUSE, "%s: the path is NULL", fn);
        return false;
    }
    if (gen_addr_parse(a, path) == GEN_OK) return true;
    core_error_prefix("%s(\"%s\")", fn, path);
    return false;
}

const gen_array *gen_choicemap_get_path(const gen_choicemap *m, const char *path) {
    const char *fn = "gen_choicemap_get_path";
    gen_addr a;
    if (!parse_for(fn, path, &a)) return NULL;
    const gen_array *v = gen_choicemap_get_value(m, &a);
    if (!v) core_error_prefix("%s(\"%s\")", fn, path);
    return v;
}

gen_choicemap *gen_choicemap_set_path(const gen_choicemap *m, const char *path,
                                      const gen_array *value) {
    const char *fn = "gen_choicemap_set_path";
    gen_addr a;
    if (!parse_for(fn, path, &a)) return NULL;
    gen_choicemap *r = gen_choicemap_set(m, &a, value);
    if (!r) core_error_prefix("%s(\"%s\")", fn, path);
    return r;
}

gen_status gen_choicemap_builder_set_path(gen_choicemap_builder *b, const char *path,
                                          const gen_array *value) {
    const char *fn = "gen_choicemap_builder_set_path";
    gen_addr a;
    if (!parse_for(fn, path, &a)) return gen_error_status();
    gen_status s = gen_choicemap_builder_set(b, &a, value);
    if (s != GEN_OK) core_error_prefix("%s(\"%s\")", fn, path);
    return s;
}
