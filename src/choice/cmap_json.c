/* cmap_json.c — choice maps to and from JSON with cJSON (the format is described in
 * genc/choice.h). Numbers that JSON cannot carry exactly (non-finite floats, integers
 * beyond 2^53) are written as strings, so every value round-trips bit for bit. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "../array/array_int.h"
#include "choice_int.h"

#define JSON_EXACT_INT 9007199254740992.0 /* 2^53 */

/* ---- writing ---- */

/* The shortest of %.15g..%.17g that reads back as exactly v (cJSON's own printing
 * accepts a relative error of DBL_EPSILON). f32 values get the shortest float form. */
static cJSON *float_item(double v, bool single) {
    if (isnan(v)) return cJSON_CreateString("nan");
    if (isinf(v)) return cJSON_CreateString(v > 0 ? "inf" : "-inf");
    char buf[40];
    for (int prec = single ? 6 : 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        double back = strtod(buf, NULL);
        if (single ? (float)back == (float)v : back == v) break;
    }
    return cJSON_CreateRaw(buf);
}

cJSON *cm_json_write_array(const gen_array *v) {
    cJSON *o = cJSON_CreateObject(), *shape = cJSON_CreateArray(), *data = cJSON_CreateArray();
    gen_array *hold = NULL; /* a device's values: their host copy */
    const void *p = NULL;
    if (!o || !shape || !data) goto fail;
    gen_dtype t = gen_array_dtype(v);
    cJSON_AddItemToObject(o, "dtype", cJSON_CreateString(gen_dtype_name(t)));
    for (int i = 0; i < gen_array_ndim(v); i++)
        cJSON_AddItemToArray(shape, cJSON_CreateNumber((double)gen_array_shape(v)[i])); /* < 2^40 */
    cJSON_AddItemToObject(o, "shape", shape);
    shape = NULL;
    p = cm_host_data(v, &hold);
    for (int64_t i = 0, n = p ? gen_array_size(v) : 0; i < n; i++) {
        cJSON *e;
        if (t == GEN_F64) e = float_item(((const double *)p)[i], false);
        else if (t == GEN_F32) e = float_item(((const float *)p)[i], true);
        else if (t == GEN_BOOL) e = cJSON_CreateBool(((const bool *)p)[i]);
        else {
            int64_t x = ((const int64_t *)p)[i];
            char buf[32];
            snprintf(buf, sizeof buf, "%lld", (long long)x);
            bool exact = x >= -(int64_t)JSON_EXACT_INT && x <= (int64_t)JSON_EXACT_INT;
            e = exact ? cJSON_CreateRaw(buf) : cJSON_CreateString(buf);
        }
        if (!e || !cJSON_AddItemToArray(data, e)) {
            cJSON_Delete(e);
            goto fail;
        }
    }
    if (!p) goto fail;
    gen_array_release(hold);
    cJSON_AddItemToObject(o, "data", data);
    return o;
fail:
    gen_array_release(hold);
    cJSON_Delete(o);
    cJSON_Delete(shape);
    cJSON_Delete(data);
    return NULL;
}

/* A masked value: its object with "mask" added. */
static cJSON *masked_json(const gen_choicemap *m) {
    cJSON *o = cm_json_write_array(m->value), *mk = o ? cJSON_CreateArray() : NULL;
    gen_array *hold = NULL;
    const bool *p = mk ? cm_host_data(m->mask, &hold) : NULL;
    for (int64_t i = 0, n = p ? gen_array_size(m->mask) : 0; mk && i < n; i++) {
        cJSON *e = cJSON_CreateBool(p[i]);
        if (!e || !cJSON_AddItemToArray(mk, e)) {
            cJSON_Delete(e);
            cJSON_Delete(mk);
            mk = NULL;
        }
    }
    gen_array_release(hold);
    if (mk && !p) { /* the mask could not be read */
        cJSON_Delete(mk);
        mk = NULL;
    }
    if (!mk || !cJSON_AddItemToObject(o, "mask", mk)) {
        cJSON_Delete(mk);
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static cJSON *node_json(const gen_choicemap *m) {
    if (m->value) return CORE_UNLIKELY(m->mask != NULL) ? masked_json(m) : cm_json_write_array(m->value);
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    for (int64_t i = 0; i < m->n; i++) {
        char key[GEN_ADDR_FORMAT_MAX], *k = key;
        gen_part p = {m->entries[i].key};
        int need = gen_part_format(p, key, sizeof key);
        if (need >= (int)sizeof key) { /* a very long name */
            if (!(k = malloc((size_t)need + 1))) goto fail;
            gen_part_format(p, k, (size_t)need + 1);
        }
        cJSON *c = node_json(m->entries[i].child);
        bool ok = c && cJSON_AddItemToObject(o, k, c);
        if (k != key) free(k);
        if (!ok) {
            cJSON_Delete(c);
            goto fail;
        }
    }
    return o;
fail:
    cJSON_Delete(o);
    return NULL;
}

char *gen_choicemap_to_json(const gen_choicemap *m) {
    if (!cm_check_arg("gen_choicemap_to_json", m, "the map")) return NULL;
    cJSON *j = node_json(m);
    char *s = j ? cJSON_PrintUnformatted(j) : NULL;
    cJSON_Delete(j);
    if (!s) GEN_FAIL(GEN_ERR_OOM, "gen_choicemap_to_json: out of memory");
    return s;
}

void gen_choicemap_json_free(char *json) { cJSON_free(json); }

/* ---- reading ---- */

typedef struct jctx {
    gen_addr path; /* the address being read, for messages */
} jctx;

static gen_status jfail(jctx *c, const char *fmt, const char *detail) {
    char buf[GEN_ADDR_FORMAT_MAX];
    return GEN_FAIL(GEN_ERR_VALUE, "gen_choicemap_from_json: at %s: %s%s", addr_str(&c->path, buf),
                    fmt, detail ? detail : "");
}

static bool parse_dtype(const char *s, gen_dtype *t) {
    for (int i = GEN_BOOL; i <= GEN_F64; i++)
        if (strcmp(s, gen_dtype_name((gen_dtype)i)) == 0) {
            *t = (gen_dtype)i;
            return true;
        }
    return false;
}

/* One element of data into slot i of a; false if it does not fit the dtype. */
static bool read_elem(const cJSON *e, gen_dtype t, void *data, int64_t i) {
    if (t == GEN_BOOL) {
        if (!cJSON_IsBool(e)) return false;
        ((bool *)data)[i] = cJSON_IsTrue(e);
        return true;
    }
    if (t == GEN_I64) {
        if (cJSON_IsNumber(e)) {
            double d = e->valuedouble;
            if (d != floor(d) || fabs(d) > JSON_EXACT_INT) return false;
            ((int64_t *)data)[i] = (int64_t)d;
            return true;
        }
        if (!cJSON_IsString(e)) return false;
        char *end;
        errno = 0;
        long long x = strtoll(e->valuestring, &end, 10);
        if (end == e->valuestring || *end || errno == ERANGE) return false;
        ((int64_t *)data)[i] = x;
        return true;
    }
    double d;
    if (cJSON_IsNumber(e)) d = e->valuedouble;
    else if (cJSON_IsString(e) && strcmp(e->valuestring, "nan") == 0) d = NAN;
    else if (cJSON_IsString(e) && strcmp(e->valuestring, "inf") == 0) d = INFINITY;
    else if (cJSON_IsString(e) && strcmp(e->valuestring, "-inf") == 0) d = -INFINITY;
    else return false;
    if (t == GEN_F64) ((double *)data)[i] = d;
    else ((float *)data)[i] = (float)d;
    return true;
}

/* The leaf of value a (borrowed) with the presence mask mk: a bool per particle along
 * a's leading axis, which becomes its particle axis. */
static gen_choicemap *masked_from(jctx *c, const gen_array *a, const cJSON *mk) {
    int64_t n = cJSON_IsArray(mk) ? cJSON_GetArraySize(mk) : -1;
    if (n < 0 || gen_array_ndim(a) < 1 || gen_array_shape(a)[0] != n) {
        jfail(c, "\"mask\" must be an array of a bool per particle (the value's leading axis)", NULL);
        return NULL;
    }
    gen_array *mask = arr_alloc("gen_choicemap_from_json", GEN_BOOL, 1, &n);
    if (!mask) return NULL;
    int64_t i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, mk) {
        if (!read_elem(e, GEN_BOOL, mask->data, i++)) {
            gen_array_release(mask);
            jfail(c, "\"mask\" entries must be true or false", NULL);
            return NULL;
        }
    }
    gen_choicemap *m = NULL;
    if (gen_scope_begin() == GEN_OK) {
        gen_array *b = gen_batched(a);
        m = b ? cm_leaf_masked(b, mask) : NULL;
        gen_scope_end();
    }
    gen_array_release(mask);
    return m;
}

/* "who: at where: msg detail" (GEN_ERR_VALUE). */
static gen_status afail(const char *who, const char *where, const char *msg, const char *detail) {
    return GEN_FAIL(GEN_ERR_VALUE, "%s: at %s: %s%s", who, where, msg, detail ? detail : "");
}

gen_array *cm_json_read_array(const cJSON *o, const char *who, const char *where) {
    gen_dtype t;
    const cJSON *dt = cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, "dtype") : NULL;
    const cJSON *sh = dt ? cJSON_GetObjectItemCaseSensitive(o, "shape") : NULL;
    const cJSON *da = dt ? cJSON_GetObjectItemCaseSensitive(o, "data") : NULL;
    if (!cJSON_IsString(dt)) {
        afail(who, where, "a value must be an object with a \"dtype\" string", NULL);
        return NULL;
    }
    if (!parse_dtype(dt->valuestring, &t)) {
        afail(who, where, "unknown dtype ", dt->valuestring);
        return NULL;
    }
    if (!cJSON_IsArray(sh) || !cJSON_IsArray(da)) {
        afail(who, where, "a value needs \"shape\" and \"data\" arrays", NULL);
        return NULL;
    }
    int ndim = cJSON_GetArraySize(sh);
    int64_t shape[GEN_MAX_DIMS], size;
    if (ndim > GEN_MAX_DIMS) {
        afail(who, where, "shape has too many dimensions", NULL);
        return NULL;
    }
    int k = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, sh) {
        double d = cJSON_IsNumber(e) ? e->valuedouble : -1;
        if (d < 0 || d != floor(d) || d > 1e18) { /* within int64_t */
            afail(who, where, "shape entries must be non-negative integers", NULL);
            return NULL;
        }
        shape[k++] = (int64_t)d;
    }
    if (!arr_shape_fits(ndim, shape, &size)) { /* the one checked size computation */
        char buf[ARR_SHAPE_STR_MAX];
        afail(who, where, "the value is too large: shape ", arr_shape_str(ndim, shape, buf, sizeof buf));
        return NULL;
    }
    if (cJSON_GetArraySize(da) != size) {
        char buf[96];
        snprintf(buf, sizeof buf, "%lld elements, data has %d", (long long)size,
                 cJSON_GetArraySize(da));
        afail(who, where, "the shape has ", buf);
        return NULL;
    }
    gen_array *a = arr_alloc(who, t, ndim, shape);
    if (!a) return NULL;
    int64_t i = 0;
    cJSON_ArrayForEach(e, da) {
        if (!read_elem(e, t, a->data, i++)) {
            gen_array_release(a);
            char buf[64];
            snprintf(buf, sizeof buf, "%lld is not a valid %s", (long long)(i - 1), gen_dtype_name(t));
            afail(who, where, "data element ", buf);
            return NULL;
        }
    }
    return a;
}

static gen_choicemap *value_from(jctx *c, const cJSON *o) {
    char where[GEN_ADDR_FORMAT_MAX];
    gen_array *a = cm_json_read_array(o, "gen_choicemap_from_json", addr_str(&c->path, where));
    if (!a) return NULL;
    const cJSON *mk = cJSON_GetObjectItemCaseSensitive(o, "mask");
    gen_choicemap *m = mk ? masked_from(c, a, mk) : cm_leaf(a);
    gen_array_release(a);
    return m;
}

static int cmp_entry(const void *x, const void *y) {
    uint64_t a = ((const cm_entry *)x)->key, b = ((const cm_entry *)y)->key;
    return (a > b) - (a < b);
}

/* Drops the references parsing took on the held symbols among n keys (addr_parse_part
 * with held: a JSON key interns nothing for good, see intern.c). */
static void drop_keys(const cm_entry *e, int64_t n) {
    for (int64_t i = 0; i < n; i++)
        if (intern_is_held(e[i].key)) intern_drop((gen_sym)e[i].key);
}

static gen_choicemap *node_from(jctx *c, const cJSON *o) {
    if (!cJSON_IsObject(o)) {
        jfail(c, "expected an object (a map or a value)", NULL);
        return NULL;
    }
    const cJSON *dt = cJSON_GetObjectItemCaseSensitive(o, "dtype");
    if (cJSON_IsString(dt)) return value_from(c, o);
    if (c->path.len == GEN_ADDR_MAX_DEPTH && o->child) {
        jfail(c, "the map is deeper than the address depth limit", NULL);
        return NULL;
    }
    gen_choicemap *r = cm_alloc(cJSON_GetArraySize(o));
    if (!r) return NULL;
    int64_t k = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, o) {
        gen_part p;
        if (addr_parse_part(e->string, strlen(e->string), &p, "gen_choicemap_from_json", true) !=
            GEN_OK) {
            char buf[GEN_ADDR_FORMAT_MAX];
            core_error_prefix("at %s", addr_str(&c->path, buf));
            drop_keys(r->entries, k);
            cm_discard(r, k);
            return NULL;
        }
        c->path.parts[c->path.len++] = p;
        gen_choicemap *ch = node_from(c, e);
        c->path.len--;
        if (!ch || ch->count == 0) { /* {} children carry nothing */
            drop_keys(&(cm_entry){p.v, NULL}, 1);
            if (ch) continue;
            drop_keys(r->entries, k);
            cm_discard(r, k);
            return NULL;
        }
        r->entries[k].key = p.v;
        r->entries[k++].child = ch;
    }
    qsort(r->entries, (size_t)k, sizeof(cm_entry), cmp_entry);
    for (int64_t i = 1; i < k; i++)
        if (r->entries[i].key == r->entries[i - 1].key) {
            char key[GEN_ADDR_FORMAT_MAX];
            gen_part_format((gen_part){r->entries[i].key}, key, sizeof key);
            jfail(c, "duplicate key ", key);
            drop_keys(r->entries, k);
            cm_discard(r, k);
            return NULL;
        }
    if (k < r->n) {
        gen_choicemap *t = cm_alloc(k);
        if (!t) {
            drop_keys(r->entries, k);
            cm_discard(r, k);
            return NULL;
        }
        memcpy(t->entries, r->entries, (size_t)k * sizeof(cm_entry));
        cm_discard(r, 0);
        r = t;
    }
    gen_choicemap *sealed = cm_seal(r); /* holds its keys */
    drop_keys(sealed->entries, sealed->n);
    return sealed;
}

gen_choicemap *gen_choicemap_from_json(const char *json) {
    if (!json) {
        GEN_FAIL(GEN_ERR_MISUSE, "gen_choicemap_from_json: the text is NULL");
        return NULL;
    }
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithOpts(json, &end, true);
    if (!j) {
        size_t at = end ? (size_t)(end - json) : 0;
        GEN_FAIL(GEN_ERR_VALUE, "gen_choicemap_from_json: invalid JSON at byte %zu near \"%.20s\"",
                 at, end ? end : "");
        return NULL;
    }
    jctx c = {{0}};
    gen_choicemap *m = node_from(&c, j);
    cJSON_Delete(j);
    return cm_publish(m);
}
