/* draws.c — draws as CSV files (genc/draws.h), the writer: chain, draw, the sampler's
 * columns, the parameters by name; %.17g so numbers read back exactly (the reader is
 * draws_read.c). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/core.h"
#include "genc/draws.h"
#include "genc/gfi.h"

/* ---- writing ---- */

/* RFC 4180: quote a field holding a separator, a quote, a line break or edge spaces
 * (and the empty name, so that it is visibly one). */
static void put_field(FILE *f, const char *s) {
    size_t len = strlen(s);
    bool quote = len == 0 || s[0] == ' ' || s[len - 1] == ' ' || strpbrk(s, ",\"\r\n") != NULL;
    if (!quote) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void put_num(FILE *f, double v) {
    if (isfinite(v)) fprintf(f, ",%.17g", v);
    else fputs(isnan(v) ? ",NA" : v > 0 ? ",Inf" : ",-Inf", f);
}

/* The elements of a 3-d array as f64 on the host (core_alloc'd, *bytes long). */
static double *host_f64(const char *fn, const char *what, const gen_array *a, size_t *bytes) {
    *bytes = (size_t)(gen_array_size(a) > 0 ? gen_array_size(a) : 1) * sizeof(double);
    double *v = core_alloc(*bytes);
    if (v && gen_array_copy_to(a, GEN_F64, v, *bytes) != GEN_OK) {
        core_free(v, *bytes);
        GEN_FAIL(gen_error_status(), "%s: %s: %s", fn, what, gen_error_message());
        return NULL;
    }
    return v;
}

static gen_status check_names(const char *fn, const char *what, const char *const *names, int64_t n,
                              bool null_ok) {
    for (int64_t j = 0; j < n; j++) {
        if (!names[j] && !null_ok) return GEN_FAIL(GEN_ERR_VALUE, "%s: %s[%lld] is NULL", fn, what, (long long)j);
        if (names[j] && strpbrk(names[j], "\r\n"))
            return GEN_FAIL(GEN_ERR_VALUE, "%s: %s[%lld] holds a line break", fn, what, (long long)j);
    }
    return GEN_OK;
}

static gen_status check_write_args(const char *fn, const char *path, const gen_array *draws,
                                   const char *const *names, const gen_array *stats,
                                   const char *const *stat_names, int64_t off) {
    if (!path || !draws || !names || (stats && !stat_names)) {
        if (core_error_pending() && !draws) return core_error_pending();
        return GEN_FAIL(GEN_ERR_MISUSE, "%s: %s is NULL", fn, !path ? "the path" : !draws ? "draws" : !names ? "names"
                                                                                   : "stat_names (with stats)");
    }
    if (gen_array_is_tuple(draws) || gen_array_ndim(draws) != 3)
        return GEN_FAIL(GEN_ERR_SHAPE, "%s: draws must be a 3-d array [chains, draws, dims], got %d dimensions", fn,
                        gen_array_ndim(draws));
    const int64_t *ds = gen_array_shape(draws);
    if (check_names(fn, "names", names, ds[2], false) != GEN_OK) return GEN_ERR_VALUE;
    if (!stats) return GEN_OK;
    if (gen_array_is_tuple(stats) || gen_array_ndim(stats) != 3 || gen_array_dim(stats, 0) != ds[0] || off < 0 ||
        gen_array_dim(stats, 1) - off < ds[1])
        return GEN_FAIL(GEN_ERR_SHAPE, "%s: stats must be [chains, m, s] with %lld chains and at least stats_offset "
                        "(%lld) + %lld rows (draws is [%lld, %lld, %lld]), got %d dimensions, [%lld, %lld, ...]",
                        fn, (long long)ds[0], (long long)off, (long long)ds[1], (long long)ds[0], (long long)ds[1],
                        (long long)ds[2], gen_array_ndim(stats), (long long)gen_array_dim(stats, 0),
                        (long long)gen_array_dim(stats, 1));
    return check_names(fn, "stat_names", stat_names, gen_array_dim(stats, 2), true);
}

/* Row (c, i) is one a run did not reach: it has values and every one is NaN. */
static bool unreached(const double *d, int64_t nd, const double *s, int64_t ns, const char *const *sn) {
    int64_t seen = 0;
    for (int64_t j = 0; j < nd; j++, seen++)
        if (!isnan(d[j])) return false;
    for (int64_t j = 0; s && j < ns; j++)
        if (sn[j]) {
            if (!isnan(s[j])) return false;
            seen++;
        }
    return seen > 0;
}

gen_status gen_draws_write_csv(const char *path, const gen_array *draws, const char *const *names,
                               const gen_array *stats, const char *const *stat_names, int64_t stats_offset) {
    const char *fn = "gen_draws_write_csv";
    gen_status st = check_write_args(fn, path, draws, names, stats, stat_names, stats_offset);
    if (st != GEN_OK) return st;
    const int64_t *ds = gen_array_shape(draws);
    int64_t C = ds[0], N = ds[1], D = ds[2], M = stats ? gen_array_dim(stats, 1) : 0,
            S = stats ? gen_array_dim(stats, 2) : 0;
    size_t db = 0, sb = 0;
    double *d = host_f64(fn, "draws", draws, &db), *s = NULL;
    if (!d) return gen_error_status();
    if (stats && !(s = host_f64(fn, "stats", stats, &sb))) {
        core_free(d, db);
        return gen_error_status();
    }
    FILE *f = fopen(path, "w");
    if (!f) {
        st = GEN_FAIL(GEN_ERR_VALUE, "%s: cannot write %s: %s", fn, path, strerror(errno));
    } else {
        fputs("chain,draw", f);
        for (int64_t j = 0; j < S; j++)
            if (stat_names[j]) fputc(',', f), put_field(f, stat_names[j]);
        for (int64_t j = 0; j < D; j++) fputc(',', f), put_field(f, names[j]);
        fputc('\n', f);
        for (int64_t c = 0; c < C; c++)
            for (int64_t i = 0; i < N; i++) {
                const double *row = d + (c * N + i) * D, *srow = s ? s + (c * M + stats_offset + i) * S : NULL;
                if (unreached(row, D, srow, S, stat_names)) continue;
                fprintf(f, "%lld,%lld", (long long)c + 1, (long long)i + 1);
                for (int64_t j = 0; srow && j < S; j++)
                    if (stat_names[j]) put_num(f, srow[j]);
                for (int64_t j = 0; j < D; j++) put_num(f, row[j]);
                fputc('\n', f);
            }
        bool bad = ferror(f) != 0;
        int err = errno;
        if (fclose(f) != 0) bad = true, err = errno;
        if (bad) st = GEN_FAIL(GEN_ERR_VALUE, "%s: cannot write %s: %s", fn, path, strerror(err ? err : EIO));
    }
    core_free(d, db);
    if (s) core_free(s, sb);
    return st;
}

/* Stan's names of gen_nuts_result.stats' columns; NULL: not a Stan column. */
static const char *const NUTS_STAT_NAMES[GEN_NUTS_NSTATS] = {
    [GEN_NUTS_LP] = "lp__",           [GEN_NUTS_ACCEPT_STAT] = "accept_stat__", [GEN_NUTS_STEP_SIZE] = "stepsize__",
    [GEN_NUTS_TREE_DEPTH] = "treedepth__", [GEN_NUTS_N_LEAPFROG] = "n_leapfrog__", [GEN_NUTS_DIVERGENT] = "divergent__",
    [GEN_NUTS_ENERGY] = "energy__",   [GEN_NUTS_DIVERGENCE] = NULL};

const char *gen_nuts_stat_name(int k) { return k >= 0 && k < GEN_NUTS_NSTATS ? NUTS_STAT_NAMES[k] : NULL; }

gen_status gen_nuts_write_csv(const char *path, const gen_nuts_result *r, const gen_selection *record) {
    const char *fn = "gen_nuts_write_csv";
    if (!path || !r || !r->draws || !r->traces || !r->traces[0])
        return GEN_FAIL(GEN_ERR_MISUSE, "%s: %s is NULL", fn, !path ? "the path" : !r ? "the result"
                                                              : !r->draws ? "the result's draws (a run that failed "
                                                                            "on its arguments has none)"
                                                                          : "the result's traces");
    char **names = NULL;
    int64_t n = 0;
    gen_status st = gen_choicemap_flat_names(gen_trace_choices(r->traces[0]), record, &names, &n);
    if (st != GEN_OK) return st;
    int64_t d = gen_array_dim(r->draws, 2);
    if (n != d) {
        st = GEN_FAIL(GEN_ERR_SHAPE, "%s: the selection names %lld elements of the chains' choices, the draws have "
                      "%lld columns (pass what the run recorded: gen_nuts_config.record, or its sel)",
                      fn, (long long)n, (long long)d);
    } else {
        const gen_array *stats = r->stats && gen_array_dim(r->stats, 2) == GEN_NUTS_NSTATS ? r->stats : NULL;
        int64_t off = stats ? gen_array_dim(stats, 1) - gen_array_dim(r->draws, 1) : 0;
        st = gen_draws_write_csv(path, r->draws, (const char *const *)names, stats, NUTS_STAT_NAMES, off);
    }
    gen_names_free(names, n);
    return st;
}
