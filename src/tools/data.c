/* data.c — data files in Stan's / posteriordb's JSON format (genc/data.h): the parsed
 * JSON object is kept, checked once at load (numbers, the special strings, arrays of
 * them), and each variable is turned into an array when asked for. */
#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../core/core.h"
#include "genc/data.h"

struct gen_data {
    cJSON *root; /* the object of variables */
};

#define MAX_DIMS 16

/* The special values Stan writes as strings. */
static bool special(const cJSON *j, double *v) {
    if (!cJSON_IsString(j)) return false;
    const char *s = j->valuestring;
    if (!strcmp(s, "NaN") || !strcmp(s, "nan")) *v = NAN;
    else if (!strcmp(s, "Inf") || !strcmp(s, "+Inf") || !strcmp(s, "Infinity") || !strcmp(s, "inf")) *v = INFINITY;
    else if (!strcmp(s, "-Inf") || !strcmp(s, "-Infinity") || !strcmp(s, "-inf")) *v = -INFINITY;
    else return false;
    return true;
}

static bool number(const cJSON *j, double *v) {
    if (cJSON_IsNumber(j)) {
        *v = j->valuedouble;
        return true;
    }
    return special(j, v);
}

/* The shape of a variable (rows of equal lengths all the way down), or an error naming
 * the variable and where ("fn: variable X: row 2 has 3 elements, row 0 has 2"). */
static gen_status shape_of(const char *fn, const char *name, const cJSON *j, int *ndim, int64_t *shape) {
    *ndim = 0;
    const cJSON *e = j;
    while (cJSON_IsArray(e)) {
        if (*ndim == MAX_DIMS) return GEN_FAIL(GEN_ERR_VALUE, "%s: variable %s: nested deeper than %d", fn, name, MAX_DIMS);
        shape[(*ndim)++] = cJSON_GetArraySize(e);
        e = e->child;
        if (!e) break;
    }
    return GEN_OK;
}

/* Checks j against the shape from depth k on and writes its numbers at v[*at...];
 * *integral stays true while every number is an integer in range. v may be NULL (a check
 * only). */
static gen_status walk(const char *fn, const char *name, const cJSON *j, int k, int ndim, const int64_t *shape,
                       double *v, int64_t *at, bool *integral) {
    if (k == ndim) {
        double x = 0;
        if (!number(j, &x)) {
            const char *kind = cJSON_IsString(j) ? "a string" : cJSON_IsArray(j) ? "an array (deeper than its first element)"
                               : cJSON_IsObject(j) ? "an object" : cJSON_IsBool(j) ? "a boolean" : "null";
            return GEN_FAIL(GEN_ERR_VALUE, "%s: variable %s: element %lld is %s, not a number", fn, name, (long long)*at,
                            kind);
        }
        if (!(isfinite(x) && x == floor(x) && fabs(x) < 9.2e18)) *integral = false;
        if (v) v[*at] = x;
        (*at)++;
        return GEN_OK;
    }
    if (!cJSON_IsArray(j))
        return GEN_FAIL(GEN_ERR_VALUE, "%s: variable %s: a number where an array of %lld was expected (element %lld)",
                        fn, name, (long long)shape[k], (long long)*at);
    int64_t len = cJSON_GetArraySize(j);
    if (len != shape[k])
        return GEN_FAIL(GEN_ERR_VALUE, "%s: variable %s: a row at depth %d has %lld elements, the first has %lld", fn,
                        name, k, (long long)len, (long long)shape[k]);
    for (const cJSON *e = j->child; e; e = e->next) {
        gen_status s = walk(fn, name, e, k + 1, ndim, shape, v, at, integral);
        if (s != GEN_OK) return s;
    }
    return GEN_OK;
}

/* fn names the call and the file for messages ("gen_data_load: d.json"). */
static gen_status from_json(const char *fn, const char *json, gen_data **out) {
    if (!out) return GEN_FAIL(GEN_ERR_MISUSE, "%s: out is NULL", fn);
    *out = NULL;
    if (!json) return GEN_FAIL(GEN_ERR_MISUSE, "%s: the JSON text is NULL", fn);
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(json, &end, true);
    if (!root) {
        const char *at = end ? end : json;
        int line = 1;
        for (const char *p = json; p < at && *p; p++) line += *p == '\n';
        return GEN_FAIL(GEN_ERR_VALUE, "%s: not valid JSON near line %d: %.30s", fn, line, at);
    }
    gen_status s = GEN_OK;
    if (!cJSON_IsObject(root))
        s = GEN_FAIL(GEN_ERR_VALUE, "%s: the data must be one JSON object of variables", fn);
    for (const cJSON *v = root->child; s == GEN_OK && v; v = v->next) {
        int ndim = 0;
        int64_t shape[MAX_DIMS], at = 0;
        bool integral = true;
        s = shape_of(fn, v->string, v, &ndim, shape);
        if (s == GEN_OK) s = walk(fn, v->string, v, 0, ndim, shape, NULL, &at, &integral);
    }
    gen_data *d = s == GEN_OK ? core_alloc(sizeof *d) : NULL;
    if (!d) {
        cJSON_Delete(root);
        return s == GEN_OK ? GEN_ERR_OOM : s;
    }
    d->root = root;
    *out = d;
    return GEN_OK;
}

gen_status gen_data_parse(const char *json, gen_data **out) { return from_json("gen_data_parse", json, out); }

gen_status gen_data_load(const char *path, gen_data **out) {
    if (!out) return GEN_FAIL(GEN_ERR_MISUSE, "gen_data_load: out is NULL");
    *out = NULL;
    if (!path) return GEN_FAIL(GEN_ERR_MISUSE, "gen_data_load: the path is NULL");
    char *text = NULL;
    size_t cap = 0;
    gen_status s = core_read_text("gen_data_load", path, &text, &cap);
    if (s != GEN_OK) return s;
    char fn[512];
    snprintf(fn, sizeof fn, "gen_data_load: %s", path);
    s = from_json(fn, text, out);
    core_free(text, cap);
    return s;
}

void gen_data_free(gen_data *d) {
    if (!d) return;
    cJSON_Delete(d->root);
    core_free(d, sizeof *d);
}

int gen_data_count(const gen_data *d) { return d ? cJSON_GetArraySize(d->root) : -1; }

const char *gen_data_name(const gen_data *d, int i) {
    const cJSON *v = d && i >= 0 ? cJSON_GetArrayItem(d->root, i) : NULL;
    return v ? v->string : NULL;
}

static const cJSON *find(const gen_data *d, const char *name) {
    for (const cJSON *v = d->root->child; v; v = v->next)
        if (!strcmp(v->string, name)) return v; /* exact: Stan's names are case-sensitive */
    return NULL;
}

bool gen_data_has(const gen_data *d, const char *name) { return d && name && find(d, name); }

/* "no variable 'y' (the data has N, J, sigma)" */
static gen_status missing(const char *fn, const gen_data *d, const char *name) {
    char list[256] = "";
    size_t n = 0;
    for (const cJSON *v = d->root->child; v && n + 8 < sizeof list; v = v->next)
        n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", n ? ", " : "", v->string);
    if (n >= sizeof list) snprintf(list + sizeof list - 5, 5, "...");
    return GEN_FAIL(GEN_ERR_VALUE, "%s: no variable '%s' (the data has %s)", fn, name, n ? list : "no variables");
}

/* The variable's numbers [size] with its shape; *integral as walk's. */
static gen_status read_var(const char *fn, const gen_data *d, const char *name, int *ndim, int64_t *shape, double **v,
                           int64_t *size, bool *integral) {
    *v = NULL;
    if (!d || !name) return GEN_FAIL(GEN_ERR_MISUSE, "%s: the %s is NULL", fn, d ? "name" : "data");
    const cJSON *j = find(d, name);
    if (!j) return missing(fn, d, name);
    gen_status s = shape_of(fn, name, j, ndim, shape);
    if (s != GEN_OK) return s;
    *size = 1;
    for (int k = 0; k < *ndim; k++) *size *= shape[k];
    *v = core_alloc((size_t)(*size ? *size : 1) * sizeof **v);
    if (!*v) return GEN_ERR_OOM;
    int64_t at = 0;
    *integral = true;
    s = walk(fn, name, j, 0, *ndim, shape, *v, &at, integral);
    if (s != GEN_OK) {
        core_free(*v, (size_t)(*size ? *size : 1) * sizeof **v);
        *v = NULL;
    }
    return s;
}

static gen_status as_array(const char *fn, const gen_data *d, const char *name, bool f64, gen_array **out) {
    if (!out) return GEN_FAIL(GEN_ERR_MISUSE, "%s: out is NULL", fn);
    *out = NULL;
    int ndim = 0;
    int64_t shape[MAX_DIMS], size = 0;
    double *v = NULL;
    bool integral = false;
    gen_status s = read_var(fn, d, name, &ndim, shape, &v, &size, &integral);
    if (s != GEN_OK) return s;
    if (f64 || !integral || size == 0) {
        *out = gen_array_from(GEN_F64, ndim, shape, v);
    } else {
        int64_t *iv = core_alloc((size_t)size * sizeof *iv);
        for (int64_t i = 0; iv && i < size; i++) iv[i] = (int64_t)v[i];
        *out = iv ? gen_array_from(GEN_I64, ndim, shape, iv) : NULL;
        if (iv) core_free(iv, (size_t)size * sizeof *iv);
    }
    core_free(v, (size_t)(size ? size : 1) * sizeof *v);
    return *out ? GEN_OK : (core_error_pending() ? core_error_pending() : GEN_ERR_OOM);
}

gen_status gen_data_array(const gen_data *d, const char *name, gen_array **out) {
    return as_array("gen_data_array", d, name, false, out);
}

gen_status gen_data_f64(const gen_data *d, const char *name, gen_array **out) {
    return as_array("gen_data_f64", d, name, true, out);
}

static gen_status scalar(const char *fn, const gen_data *d, const char *name, double *x, bool *integral) {
    int ndim = 0;
    int64_t shape[MAX_DIMS], size = 0;
    double *v = NULL;
    gen_status s = read_var(fn, d, name, &ndim, shape, &v, &size, integral);
    if (s != GEN_OK) return s;
    *x = v[0];
    core_free(v, (size_t)(size ? size : 1) * sizeof *v);
    if (ndim != 0) return GEN_FAIL(GEN_ERR_VALUE, "%s: variable %s is an array, not a scalar", fn, name);
    return GEN_OK;
}

gen_status gen_data_int(const gen_data *d, const char *name, int64_t *out) {
    if (!out) return GEN_FAIL(GEN_ERR_MISUSE, "gen_data_int: out is NULL");
    double x = 0;
    bool integral = false;
    gen_status s = scalar("gen_data_int", d, name, &x, &integral);
    if (s != GEN_OK) return s;
    if (!integral) return GEN_FAIL(GEN_ERR_VALUE, "gen_data_int: variable %s is %g, not an integer", name, x);
    *out = (int64_t)x;
    return GEN_OK;
}

gen_status gen_data_real(const gen_data *d, const char *name, double *out) {
    if (!out) return GEN_FAIL(GEN_ERR_MISUSE, "gen_data_real: out is NULL");
    bool integral = false;
    return scalar("gen_data_real", d, name, out, &integral);
}
