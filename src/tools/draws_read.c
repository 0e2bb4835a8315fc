/* draws_read.c — reading draws CSV files (genc/draws.h): ours (chain, draw, the
 * sampler's columns, the parameters) and CmdStan's (comment lines, one chain, dotted
 * names). The file is read whole and split in place: lines, then RFC 4180 fields. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/core.h"
#include "genc/draws.h"

typedef struct reader {
    const char *fn, *path;
    int64_t line; /* 1-based, of the line being read */
    char **field; /* the current line's fields (pointers into the text) */
    int64_t nf, cap;
} reader;

static gen_status fail_line(const reader *r, const char *what) {
    return GEN_FAIL(GEN_ERR_VALUE, "%s: %s line %lld: %s", r->fn, r->path, (long long)r->line, what);
}

/* Splits the line s (NUL-terminated, no line break) into r's fields, unquoting in place. */
static gen_status split(reader *r, char *s) {
    r->nf = 0;
    for (;;) {
        if (r->nf == r->cap) {
            int64_t ncap = r->cap ? 2 * r->cap : 64;
            char **nf = core_realloc(r->field, (size_t)r->cap * sizeof *nf, (size_t)ncap * sizeof *nf);
            if (!nf) return GEN_ERR_OOM;
            r->field = nf, r->cap = ncap;
        }
        char *out = s;
        r->field[r->nf++] = out;
        if (*s == '"') {
            for (s++;; s++) {
                if (!*s) return fail_line(r, "a quoted field is not closed (fields spanning lines are not read)");
                if (*s == '"' && s[1] == '"') *out++ = '"', s++;
                else if (*s == '"') break;
                else *out++ = *s;
            }
            s++;
            if (*s && *s != ',') return fail_line(r, "text after a closing quote");
        } else {
            while (*s && *s != ',') *out++ = *s++;
        }
        bool more = *s == ',';
        *out = '\0';
        if (!more) return GEN_OK;
        s++;
    }
}

/* A number as strtod reads it, or NA; surrounding spaces allowed. */
static bool parse_num(const char *s, double *v) {
    while (*s == ' ') s++;
    if (!strncmp(s, "NA", 2) && (s[2] == '\0' || s[2] == ' ')) {
        *v = NAN;
        return true;
    }
    char *end;
    *v = strtod(s, &end);
    if (end == s) return false;
    while (*end == ' ') end++;
    return *end == '\0';
}

static bool parse_pos_int(const char *s, int64_t *v) {
    while (*s == ' ') s++;
    char *end;
    errno = 0;
    long long x = strtoll(s, &end, 10);
    while (end != s && *end == ' ') end++;
    if (end == s || *end || errno || x < 1 || x > ((int64_t)1 << 40)) return false;
    *v = x;
    return true;
}

static bool ends_with_uu(const char *s) {
    size_t n = strlen(s);
    return n >= 2 && s[n - 2] == '_' && s[n - 1] == '_';
}

/* CmdStan's theta.3 / L.2.1 as theta[3] / L[2,1] (a new core_alloc'd string), or a copy
 * of name when its dotted parts are not all positive integers. */
static char *map_name(const char *name, bool cmdstan) {
    const char *dot = cmdstan ? strchr(name, '.') : NULL;
    bool ok = dot != NULL && dot != name;
    for (const char *p = dot; ok && *p; p++) {
        if (*p == '.') ok = p[1] >= '1' && p[1] <= '9';
        else ok = *p >= '0' && *p <= '9';
    }
    size_t n = strlen(name);
    char *s = core_alloc(n + 2);
    if (!s) return NULL;
    memcpy(s, name, n + 1);
    if (!ok) return s;
    size_t k = (size_t)(dot - name);
    s[k++] = '[';
    for (const char *p = dot + 1; *p; p++) s[k++] = *p == '.' ? ',' : *p;
    s[k++] = ']';
    s[k] = '\0';
    return s;
}

/* Which columns to read: stats (names ending in __) or the parameters. */
typedef struct wanted {
    int64_t *col; /* the header's column of each wanted one */
    char **name;
    int64_t n;
} wanted;

static void names_drop(char **names, int64_t filled, int64_t slots) {
    for (int64_t i = 0; i < filled; i++) core_free(names[i], strlen(names[i]) + 1);
    core_free(names, (size_t)(slots > 0 ? slots : 1) * sizeof *names);
}

static gen_status pick_columns(reader *r, int64_t first, bool stats, bool cmdstan, wanted *w) {
    int64_t slots = r->nf > 0 ? r->nf : 1;
    w->col = core_alloc((size_t)slots * sizeof *w->col);
    w->name = core_alloc((size_t)slots * sizeof *w->name);
    w->n = 0;
    if (!w->col || !w->name) return GEN_ERR_OOM;
    for (int64_t j = first; j < r->nf; j++) {
        if (ends_with_uu(r->field[j]) != stats) continue;
        char *nm = map_name(r->field[j], cmdstan);
        if (!nm) return GEN_ERR_OOM;
        for (int64_t k = 0; k < w->n; k++)
            if (!strcmp(w->name[k], nm)) {
                char msg[200];
                snprintf(msg, sizeof msg, "two columns are named %.120s", nm);
                core_free(nm, strlen(nm) + 1);
                return fail_line(r, msg);
            }
        w->col[w->n] = j;
        w->name[w->n++] = nm;
    }
    return GEN_OK;
}

/* One read row: chain, draw, then the wanted values. */
typedef struct rows {
    double *v;
    size_t len, cap; /* doubles */
} rows;

static gen_status push(rows *rs, double x) {
    if (rs->len == rs->cap) {
        size_t ncap = rs->cap ? 2 * rs->cap : 1024;
        double *nv = core_realloc(rs->v, rs->cap * sizeof *nv, ncap * sizeof *nv);
        if (!nv) return GEN_ERR_OOM;
        rs->v = nv, rs->cap = ncap;
    }
    rs->v[rs->len++] = x;
    return GEN_OK;
}

/* Reads the rows of the text after the header into rs (chain, draw, values per row). */
static gen_status read_rows(reader *r, char **next, int64_t nh, bool ours, const wanted *w, rows *rs,
                            int64_t *max_chain, int64_t *max_draw) {
    int64_t count = 0;
    for (char *s = *next; s && *s;) {
        char *eol = strchr(s, '\n');
        if (eol) *eol = '\0';
        size_t len = strlen(s);
        if (len && s[len - 1] == '\r') s[--len] = '\0';
        r->line++;
        char *line = s;
        s = eol ? eol + 1 : NULL;
        if (len == 0 || line[0] == '#') continue;
        gen_status st = split(r, line);
        if (st != GEN_OK) return st;
        if (r->nf != nh) {
            char msg[120];
            snprintf(msg, sizeof msg, "%lld fields, the header has %lld", (long long)r->nf, (long long)nh);
            return fail_line(r, msg);
        }
        int64_t c = 1, d = ++count;
        if (ours && (!parse_pos_int(r->field[0], &c) || !parse_pos_int(r->field[1], &d))) {
            char msg[200];
            snprintf(msg, sizeof msg, "the %s '%.80s' is not a positive integer",
                     parse_pos_int(r->field[0], &c) ? "draw" : "chain",
                     parse_pos_int(r->field[0], &c) ? r->field[1] : r->field[0]);
            return fail_line(r, msg);
        }
        if (c > *max_chain) *max_chain = c;
        if (d > *max_draw) *max_draw = d;
        if ((st = push(rs, (double)c)) != GEN_OK || (st = push(rs, (double)d)) != GEN_OK) return st;
        for (int64_t k = 0; k < w->n; k++) {
            double x;
            if (!parse_num(r->field[w->col[k]], &x)) {
                char msg[300];
                snprintf(msg, sizeof msg, "column %.100s: '%.80s' is not a number", w->name[k], r->field[w->col[k]]);
                return fail_line(r, msg);
            }
            if ((st = push(rs, x)) != GEN_OK) return st;
        }
    }
    return GEN_OK;
}

/* Places the rows into a new [chains, n, k] array; a (chain, draw) given twice is an
 * error naming the file (the line is not kept). */
static gen_status place(reader *r, const rows *rs, int64_t k, int64_t C, int64_t N, gen_array **out) {
    size_t cells = (size_t)C * (size_t)N, bytes = (cells * (size_t)k > 0 ? cells * (size_t)k : 1) * sizeof(double);
    double *v = core_alloc(bytes);
    bool *seen = core_calloc(cells > 0 ? cells : 1, 1);
    gen_status st = v && seen ? GEN_OK : GEN_ERR_OOM;
    for (size_t i = 0; st == GEN_OK && i < cells * (size_t)k; i++) v[i] = NAN;
    for (size_t at = 0; st == GEN_OK && at < rs->len; at += 2 + (size_t)k) {
        int64_t c = (int64_t)rs->v[at] - 1, d = (int64_t)rs->v[at + 1] - 1;
        size_t cell = (size_t)c * (size_t)N + (size_t)d;
        if (seen[cell]) {
            st = GEN_FAIL(GEN_ERR_VALUE, "%s: %s: chain %lld draw %lld appears twice", r->fn, r->path,
                          (long long)c + 1, (long long)d + 1);
            break;
        }
        seen[cell] = true;
        memcpy(v + cell * (size_t)k, rs->v + at + 2, (size_t)k * sizeof *v);
    }
    if (st == GEN_OK && !(*out = gen_array_from_f64(GEN_DIMS(C, N, k), v))) st = gen_error_status();
    if (v) core_free(v, bytes);
    if (seen) core_free(seen, cells > 0 ? cells : 1);
    return st;
}

static gen_status read_csv(const char *fn, const char *path, bool stats, gen_array **out, char ***names,
                           int64_t *n_names) {
    if (out) *out = NULL;
    if (names) *names = NULL;
    if (n_names) *n_names = 0;
    if (!path || !out || !names || !n_names)
        return GEN_FAIL(GEN_ERR_MISUSE, "%s: %s is NULL", fn, !path ? "the path" : !out ? "the array output"
                                                               : !names ? "the names output" : "the count output");
    char *text = NULL;
    size_t cap = 0;
    gen_status st = core_read_text(fn, path, &text, &cap);
    if (st != GEN_OK) return st;
    reader r = {fn, path, 0, NULL, 0, 0};
    wanted w = {0};
    rows rs = {0};
    int64_t nh = 0, C = 0, N = 0;
    char *s = text;
    bool header = false, ours = false;
    while (s && *s && !header) { /* the header: the first line neither empty nor a comment */
        char *eol = strchr(s, '\n');
        if (eol) *eol = '\0';
        size_t len = strlen(s);
        if (len && s[len - 1] == '\r') s[--len] = '\0';
        r.line++;
        char *line = s;
        s = eol ? eol + 1 : NULL;
        if (len == 0 || line[0] == '#') continue;
        header = true;
        if ((st = split(&r, line)) != GEN_OK) break;
        nh = r.nf;
        ours = nh >= 2 && !strcmp(r.field[0], "chain") && !strcmp(r.field[1], "draw");
        st = pick_columns(&r, ours ? 2 : 0, stats, !ours, &w);
    }
    if (st == GEN_OK && !header) st = GEN_FAIL(GEN_ERR_VALUE, "%s: %s has no header line", fn, path);
    if (st == GEN_OK) st = read_rows(&r, &s, nh, ours, &w, &rs, &C, &N);
    if (st == GEN_OK) st = place(&r, &rs, w.n, C, N, out);
    if (st == GEN_OK && w.n != nh) { /* gen_names_free frees n_names slots */
        char **fit = core_realloc(w.name, (size_t)nh * sizeof *fit, (size_t)(w.n > 0 ? w.n : 1) * sizeof *fit);
        if (fit) w.name = fit;
        else st = GEN_ERR_OOM;
    }
    if (st == GEN_OK) {
        *names = w.name;
        *n_names = w.n;
        w.name = NULL;
    }
    if (w.name) names_drop(w.name, w.n, nh);
    if (w.col) core_free(w.col, (size_t)(nh > 0 ? nh : 1) * sizeof *w.col);
    if (rs.v) core_free(rs.v, rs.cap * sizeof *rs.v);
    if (r.field) core_free(r.field, (size_t)r.cap * sizeof *r.field);
    core_free(text, cap);
    if (st == GEN_ERR_OOM && !core_error_pending()) GEN_FAIL(GEN_ERR_OOM, "%s: %s: out of memory", fn, path);
    return st;
}

gen_status gen_draws_read_csv(const char *path, gen_array **draws, char ***names, int64_t *n_names) {
    return read_csv("gen_draws_read_csv", path, false, draws, names, n_names);
}

gen_status gen_draws_read_csv_stats(const char *path, gen_array **stats, char ***names, int64_t *n_names) {
    return read_csv("gen_draws_read_csv_stats", path, true, stats, names, n_names);
}
