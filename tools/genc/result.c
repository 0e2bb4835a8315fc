/* result.c — what a run gives: the draws of every chain (rows a chain did not reach are
 * NaN; done[c] says how many it filled), the algorithm's statistics and series. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

bool tool_result_alloc(tool_result *r, int chains, int64_t draws) {
    r->chains = chains;
    r->draws = draws;
    size_t n = (size_t)chains * (size_t)draws * (size_t)(r->cols.n ? r->cols.n : 1);
    r->done = calloc((size_t)chains, sizeof *r->done);
    r->v = malloc(n * sizeof *r->v);
    if (!r->done || !r->v) {
        gen_error_set(GEN_ERR_OOM, "genc: out of memory for %lld draws of %d columns", (long long)draws, r->cols.n);
        return false;
    }
    for (size_t i = 0; i < n; i++) r->v[i] = NAN;
    return true;
}

double *tool_result_row(const tool_result *r, int chain, int64_t i) {
    return r->v + ((size_t)chain * (size_t)r->draws + (size_t)i) * (size_t)r->cols.n;
}

bool tool_result_add_series(tool_result *r, const char *name, int64_t n, const double *x, const double *y) {
    if (r->n_series == (int)(sizeof r->series / sizeof *r->series)) return false;
    tool_series *s = &r->series[r->n_series];
    s->x = malloc((size_t)(n ? n : 1) * sizeof *s->x);
    s->y = malloc((size_t)(n ? n : 1) * sizeof *s->y);
    if (!s->x || !s->y) {
        free(s->x);
        free(s->y);
        s->x = s->y = NULL;
        return false;
    }
    snprintf(s->name, sizeof s->name, "%s", name);
    s->n = n;
    for (int64_t i = 0; i < n; i++) {
        s->x[i] = x ? x[i] : (double)i;
        s->y[i] = y[i];
    }
    r->n_series++;
    return true;
}

void tool_result_free(tool_result *r) {
    tool_cols_free(&r->cols);
    free(r->done);
    free(r->v);
    free(r->nuts_stats);
    free(r->part_name);
    free(r->part_accepted);
    for (int i = 0; i < r->n_series; i++) {
        free(r->series[i].x);
        free(r->series[i].y);
    }
    memset(r, 0, sizeof *r);
}
