/* data.c — data files in Stan's / posteriordb's JSON format (genc/data.h). Reading: cJSON
 * parses and checks the text, and each variable is converted once, at load, into its
 * numbers with its dtype and shape; the number tokens are also read from the text itself,
 * since cJSON keeps only a double for each (it loses whether 28 was written as 28 or
 * 28.0, and integers beyond 2^53). Writing prints the stored numbers back in that form. */
#include <cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/core.h"
#include "genc/data.h"
#include "text_buf.h"

#define MAX_DIMS 16

/* One variable: size numbers of dtype (GEN_I64 or GEN_F64) in row-major order. */
typedef struct var {
    char *name; /* core_alloc'd, strlen + 1 bytes */
    gen_dtype dtype;
    int ndim;
    int64_t shape[MAX_DIMS];
    int64_t size;
    void *v; /* size elements (NULL when size is 0) */
} var;

struct gen_data {
    var *vars; /* in the file's order, then in the order first set */
    int n, cap;
};

static void var_clear(var *x) {
    if (x->name) core_free(x->name, strlen(x->name) + 1);
    if (x->v) core_free(x->v, (size_t)x->size * 8); /* i64 and f64 alike */
    x->name = NULL;
    x->v = NULL;
}

/* ---- reading ---- */

/* A number token of the text: written as an integer (no '.' or exponent, within the i64
 * range: its exact value in i) or not. */
typedef struct token {
    bool is_int;
    int64_t i;
} token;

/* The number tokens of valid JSON text in order (strings skipped), into *out (core_alloc'd
 * n elements, NULL when there are none). The order is the order of cJSON's number items
 * walked depth-first. */
static gen_status scan_tokens(const char *json, token **out, int64_t *n) {
    *out = NULL;
    *n = 0;
    for (int pass = 0; pass < 2; pass++) {
        int64_t k = 0;
        for (const char *p = json; *p;) {
            if (*p == '"') {
                for (p++; *p && *p != '"'; p++)
                    if (*p == '\\' && p[1]) p++;
                if (*p) p++;
            } else if (*p == '-' || (*p >= '0' && *p <= '9')) {
                const char *e = p;
                bool is_int = true;
                for (; *e && strchr("+-.0123456789eE", *e); e++)
                    if (*e == '.' || *e == 'e' || *e == 'E') is_int = false;
                if (pass) {
                    errno = 0;
                    char *end = NULL;
                    long long i = is_int ? strtoll(p, &end, 10) : 0;
                    (*out)[k] = (token){is_int && errno != ERANGE, (int64_t)i};
                }
                k++;
                p = e;
            } else {
                p++;
            }
        }
        if (!pass) {
            if (!k) return GEN_OK;
            *n = k;
            if (!(*out = core_alloc((size_t)k * sizeof **out))) return GEN_ERR_OOM;
        }
    }
    return GEN_OK;
}

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

/* The shape of a variable as its first elements give it (walk checks the rest). */
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

/* What walk fills: the numbers as doubles and, while every one is an integer token
 * (integral), as integers; both NULL for a check only. tok is the next number token (end
 * past the last: the text's tokens and cJSON's numbers agree, but a mismatch must not
 * read out of bounds). */
typedef struct fill {
    double *dv;
    int64_t *iv;
    int64_t at;
    bool integral;
    const token *tok, *end;
} fill;

/* Checks j against the shape from depth k on and writes its numbers at the fill's place,
 * or an error naming the variable and where. */
static gen_status walk(const char *fn, const char *name, const cJSON *j, int k, int ndim, const int64_t *shape,
                       fill *f) {
    if (k == ndim) {
        double x = 0;
        if (cJSON_IsNumber(j)) {
            x = j->valuedouble;
            if (f->tok < f->end && f->tok->is_int) {
                if (f->iv) f->iv[f->at] = f->tok->i;
            } else {
                f->integral = false;
            }
            if (f->tok < f->end) f->tok++;
        } else if (special(j, &x)) {
            f->integral = false;
        } else {
            const char *kind = cJSON_IsString(j) ? "a string" : cJSON_IsArray(j) ? "an array (deeper than its first element)"
                               : cJSON_IsObject(j) ? "an object" : cJSON_IsBool(j) ? "a boolean" : "null";
            return GEN_FAIL(GEN_ERR_VALUE, "%s: variable %s: element %lld is %s, not a number", fn, name, (long long)f->at,
                            kind);
        }
        if (f->dv) f->dv[f->at] = x;
        f->at++;
        return GEN_OK;
    }
    if (!cJSON_IsArray(j))
        return GEN_FAIL(GEN_ERR_VALUE, "%s: variable %s: a number where an array of %lld was expected (element %lld)",
                        fn, name, (long long)shape[k], (long long)f->at);
    int64_t len = cJSON_GetArraySize(j);
    if (len != shape[k])
        return GEN_FAIL(GEN_ERR_VALUE, "%s: variable %s: a row at depth %d has %lld elements, the first has %lld", fn,
                        name, k, (long long)len, (long long)shape[k]);
    for (const cJSON *e = j->child; e; e = e->next) {
        gen_status s = walk(fn, name, e, k + 1, ndim, shape, f);
        if (s != GEN_OK) return s;
    }
    return GEN_OK;
}

static char *copy_name(const char *name) {
    size_t n = strlen(name) + 1;
    char *c = core_alloc(n);
    if (c) memcpy(c, name, n);
    return c;
}

/* Converts the JSON item j into *x (its tokens from *tok on, which it moves past): checked
 * whole first, so that a ragged array is an error before anything is allocated. */
static gen_status convert(const char *fn, const cJSON *j, const token **tok, const token *end, var *x) {
    const char *name = j->string;
    gen_status s = shape_of(fn, name, j, &x->ndim, x->shape);
    if (s != GEN_OK) return s;
    fill f = {.integral = true, .tok = *tok, .end = end};
    if ((s = walk(fn, name, j, 0, x->ndim, x->shape, &f)) != GEN_OK) return s;
    x->size = f.at;
    x->dtype = f.integral && x->size ? GEN_I64 : GEN_F64;
    if (!(x->name = copy_name(name))) return GEN_ERR_OOM;
    if (!x->size) return GEN_OK;
    double *dv = core_alloc((size_t)x->size * sizeof *dv);
    int64_t *iv = dv && x->dtype == GEN_I64 ? core_alloc((size_t)x->size * sizeof *iv) : NULL;
    if (!dv || (x->dtype == GEN_I64 && !iv)) {
        if (dv) core_free(dv, (size_t)x->size * sizeof *dv);
        return GEN_ERR_OOM;
    }
    f = (fill){dv, iv, 0, true, *tok, end};
    walk(fn, name, j, 0, x->ndim, x->shape, &f); /* checked above */
    *tok = f.tok;
    if (iv) core_free(dv, (size_t)x->size * sizeof *dv);
    x->v = iv ? (void *)iv : (void *)dv;
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
    token *toks = NULL;
    int64_t ntok = 0;
    gen_data *d = NULL;
    if (!cJSON_IsObject(root)) s = GEN_FAIL(GEN_ERR_VALUE, "%s: the data must be one JSON object of variables", fn);
    if (s == GEN_OK) s = scan_tokens(json, &toks, &ntok);
    if (s == GEN_OK && !(d = gen_data_new())) s = GEN_ERR_OOM;
    int n = cJSON_GetArraySize(root);
    if (s == GEN_OK && n && !(d->vars = core_alloc((size_t)n * sizeof *d->vars))) s = GEN_ERR_OOM;
    if (s == GEN_OK) d->cap = n;
    const token *tok = toks;
    for (const cJSON *v = root->child; s == GEN_OK && v; v = v->next) {
        d->vars[d->n] = (var){0};
        s = convert(fn, v, &tok, toks ? toks + ntok : NULL, &d->vars[d->n]);
        d->n++; /* a failed one is cleared by gen_data_free */
    }
    if (toks) core_free(toks, (size_t)ntok * sizeof *toks);
    cJSON_Delete(root);
    if (s != GEN_OK) {
        gen_data_free(d);
        return s;
    }
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

gen_data *gen_data_new(void) {
    gen_data *d = core_alloc(sizeof *d);
    if (d) *d = (gen_data){0};
    return d;
}

void gen_data_free(gen_data *d) {
    if (!d) return;
    for (int i = 0; i < d->n; i++) var_clear(&d->vars[i]);
    if (d->vars) core_free(d->vars, (size_t)d->cap * sizeof *d->vars);
    core_free(d, sizeof *d);
}

int gen_data_count(const gen_data *d) { return d ? d->n : -1; }

const char *gen_data_name(const gen_data *d, int i) { return d && i >= 0 && i < d->n ? d->vars[i].name : NULL; }

static int find(const gen_data *d, const char *name) {
    for (int i = 0; i < d->n; i++)
        if (!strcmp(d->vars[i].name, name)) return i; /* exact: Stan's names are case-sensitive */
    return -1;
}

bool gen_data_has(const gen_data *d, const char *name) { return d && name && find(d, name) >= 0; }

/* "no variable 'y' (the data has N, J, sigma)" */
static gen_status missing(const char *fn, const gen_data *d, const char *name) {
    char list[256] = "";
    size_t n = 0;
    for (int i = 0; i < d->n && n + 8 < sizeof list; i++)
        n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", n ? ", " : "", d->vars[i].name);
    if (n >= sizeof list) snprintf(list + sizeof list - 5, 5, "...");
    return GEN_FAIL(GEN_ERR_VALUE, "%s: no variable '%s' (the data has %s)", fn, name, n ? list : "no variables");
}

/* The variable name of d (borrowed), or an error. */
static gen_status lookup(const char *fn, const gen_data *d, const char *name, const var **x) {
    *x = NULL;
    if (!d || !name) return GEN_FAIL(GEN_ERR_MISUSE, "%s: the %s is NULL", fn, d ? "name" : "data");
    int i = find(d, name);
    if (i < 0) return missing(fn, d, name);
    *x = &d->vars[i];
    return GEN_OK;
}

static gen_status as_array(const char *fn, const gen_data *d, const char *name, bool f64, gen_array **out) {
    if (!out) return GEN_FAIL(GEN_ERR_MISUSE, "%s: out is NULL", fn);
    *out = NULL;
    const var *x = NULL;
    gen_status s = lookup(fn, d, name, &x);
    if (s != GEN_OK) return s;
    if (!x->size) {
        *out = gen_zeros(GEN_F64, x->ndim, x->shape);
    } else if (f64 && x->dtype == GEN_I64) {
        double *dv = core_alloc((size_t)x->size * sizeof *dv);
        for (int64_t i = 0; dv && i < x->size; i++) dv[i] = (double)((const int64_t *)x->v)[i];
        *out = dv ? gen_array_from(GEN_F64, x->ndim, x->shape, dv) : NULL;
        if (dv) core_free(dv, (size_t)x->size * sizeof *dv);
    } else {
        *out = gen_array_from(x->dtype, x->ndim, x->shape, x->v);
    }
    return *out ? GEN_OK : (core_error_pending() ? core_error_pending() : GEN_ERR_OOM);
}

gen_status gen_data_array(const gen_data *d, const char *name, gen_array **out) {
    return as_array("gen_data_array", d, name, false, out);
}

gen_status gen_data_f64(const gen_data *d, const char *name, gen_array **out) {
    return as_array("gen_data_f64", d, name, true, out);
}

/* A scalar variable's value, and whether it is an integer in value. */
static gen_status scalar(const char *fn, const gen_data *d, const char *name, double *x, bool *integral) {
    const var *v = NULL;
    gen_status s = lookup(fn, d, name, &v);
    if (s != GEN_OK) return s;
    if (v->ndim != 0) return GEN_FAIL(GEN_ERR_VALUE, "%s: variable %s is an array, not a scalar", fn, name);
    if (v->dtype == GEN_I64) {
        *x = (double)*(const int64_t *)v->v;
        *integral = true;
    } else {
        *x = *(const double *)v->v;
        *integral = isfinite(*x) && *x == floor(*x) && fabs(*x) < 9.2e18;
    }
    return GEN_OK;
}

gen_status gen_data_int(const gen_data *d, const char *name, int64_t *out) {
    if (!out) return GEN_FAIL(GEN_ERR_MISUSE, "gen_data_int: out is NULL");
    double x = 0;
    bool integral = false;
    gen_status s = scalar("gen_data_int", d, name, &x, &integral);
    if (s != GEN_OK) return s;
    if (!integral) return GEN_FAIL(GEN_ERR_VALUE, "gen_data_int: variable %s is %g, not an integer", name, x);
    const var *v = &d->vars[find(d, name)];
    *out = v->dtype == GEN_I64 ? *(const int64_t *)v->v : (int64_t)x; /* exact beyond 2^53 */
    return GEN_OK;
}

gen_status gen_data_real(const gen_data *d, const char *name, double *out) {
    if (!out) return GEN_FAIL(GEN_ERR_MISUSE, "gen_data_real: out is NULL");
    bool integral = false;
    return scalar("gen_data_real", d, name, out, &integral);
}

/* ---- building ---- */

/* The shortest of %.15g..%.17g that reads back as exactly x (or, for an f32 value, as the
 * same float), into buf[40]. */
static void shortest(double x, bool single, char *buf) {
    for (int prec = single ? 6 : 15; prec <= 17; prec++) {
        snprintf(buf, 40, "%.*g", prec, x);
        double back = strtod(buf, NULL);
        if (single ? (float)back == (float)x : back == x) break;
    }
}

/* Stan's identifiers: a letter, then letters, digits and underscores, not ending in "__"
 * (reserved for Stan's own names). */
static bool stan_identifier(const char *s) {
    size_t n = strlen(s);
    if (!n || !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z'))) return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_'))
            return false;
    return !(n >= 2 && s[n - 1] == '_' && s[n - 2] == '_');
}

/* value as a variable (its numbers copied from the host, converted as data.h says). */
static gen_status from_array(const char *fn, const char *name, const gen_array *value, var *x) {
    if (gen_array_is_tuple(value)) return GEN_FAIL(GEN_ERR_VALUE, "%s: variable %s: the value is a tuple", fn, name);
    if (gen_array_is_batched(value))
        return GEN_FAIL(GEN_ERR_VALUE, "%s: variable %s: the value is a batched array (one value per particle); "
                                       "write one particle's value", fn, name);
    gen_dtype t = gen_array_dtype(value);
    *x = (var){.dtype = t == GEN_I64 || t == GEN_BOOL ? GEN_I64 : GEN_F64, .ndim = gen_array_ndim(value),
               .size = gen_array_size(value)};
    memcpy(x->shape, gen_array_shape(value), (size_t)x->ndim * sizeof *x->shape);
    if (!(x->name = copy_name(name))) return GEN_ERR_OOM;
    if (!x->size) return GEN_OK;
    if (!(x->v = core_alloc((size_t)x->size * 8))) return GEN_ERR_OOM;
    gen_status s = gen_array_copy_to(value, t == GEN_F32 ? GEN_F64 : x->dtype, x->v, (size_t)x->size * 8);
    if (s == GEN_OK && t == GEN_F32) {
        /* an f32 value is kept as the double its shortest form reads as (0.1f as 0.1), so
         * that what is kept is what the written file reads back as */
        double *dv = x->v;
        char buf[40];
        for (int64_t i = 0; i < x->size; i++)
            if (isfinite(dv[i])) shortest(dv[i], true, buf), dv[i] = strtod(buf, NULL);
    }
    return s;
}

gen_status gen_data_set(gen_data *d, const char *name, const gen_array *value) {
    const char *fn = "gen_data_set";
    if (!d || !name || !value)
        return GEN_FAIL(GEN_ERR_MISUSE, "%s: the %s is NULL", fn, !d ? "data" : !name ? "name" : "value");
    if (!stan_identifier(name))
        return GEN_FAIL(GEN_ERR_VALUE, "%s: '%s' is not a Stan variable name (a letter, then letters, digits and _, "
                                       "not ending in __)", fn, name);
    int i = find(d, name);
    if (i < 0 && d->n == d->cap) {
        int cap = d->cap ? 2 * d->cap : 8;
        var *vs = core_realloc(d->vars, (size_t)d->cap * sizeof *vs, (size_t)cap * sizeof *vs);
        if (!vs) return GEN_ERR_OOM;
        d->vars = vs;
        d->cap = cap;
    }
    var x = {0};
    gen_status s = from_array(fn, name, value, &x);
    if (s != GEN_OK) {
        var_clear(&x);
        return s;
    }
    if (i >= 0) var_clear(&d->vars[i]); /* replacing keeps the place */
    else i = d->n++;
    d->vars[i] = x;
    return GEN_OK;
}

gen_status gen_data_remove(gen_data *d, const char *name) {
    const var *x = NULL;
    gen_status s = lookup("gen_data_remove", d, name, &x);
    if (s != GEN_OK) return s;
    int i = (int)(x - d->vars);
    var_clear(&d->vars[i]);
    memmove(d->vars + i, d->vars + i + 1, (size_t)(d->n - i - 1) * sizeof *d->vars);
    d->n--;
    return GEN_OK;
}

/* ---- writing ---- */

/* A name as a JSON string (names read from a file may hold any character). */
static void put_name(rep_buf *t, const char *s) {
    rep_puts(t, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char buf[8];
        if (*p == '"' || *p == '\\') snprintf(buf, sizeof buf, "\\%c", *p);
        else if (*p < 0x20) snprintf(buf, sizeof buf, "\\u%04x", *p);
        else buf[0] = (char)*p, buf[1] = '\0';
        rep_puts(t, buf);
    }
    rep_puts(t, "\"");
}

/* A real so that it reads back as the same bits and as a real: Stan's strings for the
 * special values, and a ".0" for an integral value (28.0, -0.0; 1e+20 has its exponent). */
static void put_real(rep_buf *t, double x) {
    char buf[48];
    if (isnan(x)) snprintf(buf, sizeof buf, "\"NaN\"");
    else if (isinf(x)) snprintf(buf, sizeof buf, x > 0 ? "\"Inf\"" : "\"-Inf\"");
    else {
        shortest(x, false, buf);
        if (!strpbrk(buf, ".e")) strcat(buf, ".0");
    }
    rep_puts(t, buf);
}

/* The elements of x from *at on, nested from depth k. */
static void put_rows(rep_buf *t, const var *x, int k, int64_t *at) {
    if (k == x->ndim) {
        char buf[32];
        if (x->dtype == GEN_I64) {
            snprintf(buf, sizeof buf, "%lld", (long long)((const int64_t *)x->v)[*at]);
            rep_puts(t, buf);
        } else {
            put_real(t, ((const double *)x->v)[*at]);
        }
        (*at)++;
        return;
    }
    rep_puts(t, "[");
    for (int64_t i = 0; i < x->shape[k]; i++) {
        if (i) rep_puts(t, ", ");
        put_rows(t, x, k + 1, at);
    }
    rep_puts(t, "]");
}

char *gen_data_to_json(const gen_data *d) {
    if (!d) {
        GEN_FAIL(GEN_ERR_MISUSE, "gen_data_to_json: the data is NULL");
        return NULL;
    }
    rep_buf t = {0};
    rep_puts(&t, d->n ? "{\n" : "{");
    for (int i = 0; i < d->n; i++) {
        int64_t at = 0;
        rep_puts(&t, "  ");
        put_name(&t, d->vars[i].name);
        rep_puts(&t, ": ");
        put_rows(&t, &d->vars[i], 0, &at);
        rep_puts(&t, i + 1 < d->n ? ",\n" : "\n");
    }
    rep_puts(&t, "}\n");
    char *s = !t.failed ? core_realloc(t.s, t.cap, t.len + 1) : NULL; /* exact, for gen_data_json_free */
    if (!s) rep_buf_free(&t); /* the failed allocation recorded GEN_ERR_OOM */
    return s;
}

void gen_data_json_free(char *json) {
    if (json) core_free(json, strlen(json) + 1);
}

gen_status gen_data_write(const gen_data *d, const char *path) {
    if (!d || !path) return GEN_FAIL(GEN_ERR_MISUSE, "gen_data_write: the %s is NULL", d ? "path" : "data");
    char *json = gen_data_to_json(d);
    if (!json) return core_error_pending() ? core_error_pending() : GEN_ERR_OOM;
    gen_status s = GEN_OK;
    FILE *f = fopen(path, "w");
    if (!f) {
        s = GEN_FAIL(GEN_ERR_VALUE, "gen_data_write: cannot write %s: %s", path, strerror(errno));
    } else {
        size_t n = strlen(json);
        bool bad = fwrite(json, 1, n, f) != n;
        int err = errno;
        if (fclose(f) != 0) bad = true, err = errno;
        if (bad) s = GEN_FAIL(GEN_ERR_VALUE, "gen_data_write: cannot write %s: %s", path, strerror(err ? err : EIO));
    }
    gen_data_json_free(json);
    return s;
}
