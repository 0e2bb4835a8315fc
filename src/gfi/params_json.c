/* params_json.c — a parameter store to and from JSON ({"params": {name: value, ...}},
 * each value in the choice maps' form, written and read by the choice layer's
 * cm_json_write_array / cm_json_read_array), and to and from files. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "../choice/choice_int.h"
#include "params_int.h"

char *gen_params_to_json(const gen_params *s) {
    if (!s) {
        GEN_FAIL(GEN_ERR_MISUSE, "gen_params_to_json: the store is NULL");
        return NULL;
    }
    cJSON *root = cJSON_CreateObject(), *ps = cJSON_CreateObject();
    bool ok = root && ps && cJSON_AddItemToObject(root, "params", ps);
    if (!ok) cJSON_Delete(ps);
    for (int i = 0; ok && i < s->n; i++) {
        cJSON *v = cm_json_write_array(s->p[i].value);
        ok = v && cJSON_AddItemToObject(ps, s->p[i].name, v);
        if (!ok) cJSON_Delete(v);
    }
    char *text = ok ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    if (!text && !core_error_pending()) GEN_FAIL(GEN_ERR_OOM, "gen_params_to_json: out of memory");
    return text;
}

void gen_params_json_free(char *json) {
    if (json) cJSON_free(json);
}

/* v (read from the JSON) may replace parameter k's value: same dtype and shape. */
static gen_status check_fits(const gen_params *s, int k, const gen_array *v) {
    const gen_array *old = s->p[k].value;
    const char *name = s->p[k].name;
    if (gen_array_dtype(v) != gen_array_dtype(old))
        return GEN_FAIL(GEN_ERR_DTYPE, "gen_params_load_json: parameter '%s' is %s in the store, %s in the JSON", name,
                        gen_dtype_name(gen_array_dtype(old)), gen_dtype_name(gen_array_dtype(v)));
    int nd = gen_array_ndim(v);
    if (nd != gen_array_ndim(old) || memcmp(gen_array_shape(v), gen_array_shape(old), (size_t)nd * sizeof(int64_t))) {
        char a[ARR_SHAPE_STR_MAX], b[ARR_SHAPE_STR_MAX];
        return GEN_FAIL(GEN_ERR_SHAPE, "gen_params_load_json: parameter '%s' has shape %s in the store, %s in the JSON",
                        name, arr_shape_str(gen_array_ndim(old), gen_array_shape(old), a, sizeof a),
                        arr_shape_str(nd, gen_array_shape(v), b, sizeof b));
    }
    return GEN_OK;
}

gen_status gen_params_load_json(gen_params *s, const char *json) {
    if (!s || !json) return GEN_FAIL(GEN_ERR_MISUSE, "gen_params_load_json: the %s is NULL", s ? "text" : "store");
    gen_status st = gfi_params_check_idle(s, "gen_params_load_json");
    if (st != GEN_OK) return st;
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithOpts(json, &end, true);
    if (!j) {
        size_t at = end ? (size_t)(end - json) : 0;
        return GEN_FAIL(GEN_ERR_VALUE, "gen_params_load_json: invalid JSON at byte %zu near \"%.20s\"", at,
                        end ? end : "");
    }
    const cJSON *ps = cJSON_IsObject(j) ? cJSON_GetObjectItemCaseSensitive(j, "params") : NULL;
    if (!cJSON_IsObject(ps)) {
        cJSON_Delete(j);
        return GEN_FAIL(GEN_ERR_VALUE, "gen_params_load_json: expected an object {\"params\": {name: value, ...}}");
    }
    int n = cJSON_GetArraySize(ps), k = 0;
    gen_array **vals = core_calloc((size_t)n + 1, sizeof *vals);
    if (!vals) st = GEN_ERR_OOM;
    const cJSON *e;
    /* every value read and checked first: a failure changes nothing */
    cJSON_ArrayForEach(e, ps) {
        if (st != GEN_OK) break;
        if (!*e->string) st = GEN_FAIL(GEN_ERR_VALUE, "gen_params_load_json: a parameter name is empty");
        for (const cJSON *f = ps->child; st == GEN_OK && f != e; f = f->next)
            if (strcmp(f->string, e->string) == 0)
                st = GEN_FAIL(GEN_ERR_VALUE, "gen_params_load_json: parameter '%s' appears twice", e->string);
        if (st == GEN_OK && !(vals[k] = cm_json_read_array(e, "gen_params_load_json", e->string)))
            st = core_error_pending() ? core_error_pending() : GEN_ERR_OOM;
        if (st == GEN_OK) st = gfi_params_check_value("gen_params_load_json", e->string, vals[k]);
        int at = st == GEN_OK ? gfi_params_find(s, e->string) : -1;
        if (at >= 0) st = check_fits(s, at, vals[k]);
        k++;
    }
    k = 0;
    cJSON_ArrayForEach(e, ps) {
        if (st != GEN_OK) break;
        st = gfi_params_find(s, e->string) >= 0 ? gen_params_set_value(s, e->string, vals[k])
                                                : gen_params_init(s, e->string, vals[k]);
        k++;
    }
    for (int i = 0; vals && i < n; i++) gen_array_release(vals[i]);
    if (vals) core_free(vals, ((size_t)n + 1) * sizeof *vals);
    cJSON_Delete(j);
    return st;
}

gen_status gen_params_save(const gen_params *s, const char *path) {
    if (!s || !path) return GEN_FAIL(GEN_ERR_MISUSE, "gen_params_save: the %s is NULL", s ? "path" : "store");
    char *text = gen_params_to_json(s);
    if (!text) return core_error_pending() ? core_error_pending() : GEN_ERR_OOM;
    FILE *fp = fopen(path, "w");
    gen_status st = GEN_OK;
    if (!fp) st = GEN_FAIL(GEN_ERR_VALUE, "gen_params_save: cannot open %s for writing: %s", path, strerror(errno));
    else {
        size_t len = strlen(text);
        bool ok = fwrite(text, 1, len, fp) == len;
        if (fclose(fp) != 0) ok = false;
        if (!ok) st = GEN_FAIL(GEN_ERR_VALUE, "gen_params_save: writing %s failed", path);
    }
    gen_params_json_free(text);
    return st;
}

gen_status gen_params_load(gen_params *s, const char *path) {
    if (!s || !path) return GEN_FAIL(GEN_ERR_MISUSE, "gen_params_load: the %s is NULL", s ? "path" : "store");
    char *buf = NULL;
    size_t cap = 0;
    gen_status st = core_read_text("gen_params_load", path, &buf, &cap);
    if (st != GEN_OK) return st;
    st = gen_params_load_json(s, buf);
    if (st != GEN_OK) core_error_prefix("%s", path);
    core_free(buf, cap);
    return st;
}
