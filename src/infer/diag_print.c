/* diag_print.c — summaries out: a fixed-width table, and JSON lines through cJSON. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "diag_int.h"

static void param_name(const char *const *names, int64_t i, char *buf, size_t nbuf) {
    if (names && names[i]) snprintf(buf, nbuf, "%s", names[i]);
    else snprintf(buf, nbuf, "[%lld]", (long long)i);
}

static gen_status check_args(const char *fn, FILE *f, const gen_summary *s, int64_t n) {
    if (!f || (!s && n > 0)) return GEN_FAIL(GEN_ERR_MISUSE, "%s: f or s is NULL", fn);
    if (n < 0) return GEN_FAIL(GEN_ERR_VALUE, "%s: n = %lld is negative", fn, (long long)n);
    return GEN_OK;
}

gen_status gen_summary_print(FILE *f, const gen_summary *s, int64_t n,
                             const char *const *names) {
    gen_status st = check_args("gen_summary_print", f, s, n);
    if (st != GEN_OK) return st;
    int width = 8, nq = n > 0 ? s[0].nprobs : 0;
    char name[64];
    for (int64_t i = 0; i < n; i++) {
        param_name(names, i, name, sizeof name);
        if ((int)strlen(name) > width) width = (int)strlen(name);
    }
    fprintf(f, "%-*s %10s %10s %10s", width, "param", "mean", "sd", "median");
    for (int q = 0; q < nq; q++) {
        char label[32];
        snprintf(label, sizeof label, "%g%%", 100 * s[0].probs[q]);
        fprintf(f, " %10s", label);
    }
    fprintf(f, " %10s %10s %9s %9s %7s\n", "mcse_mean", "mcse_sd", "ess_bulk", "ess_tail",
            "r_hat");
    for (int64_t i = 0; i < n; i++) {
        param_name(names, i, name, sizeof name);
        fprintf(f, "%-*s %10.4g %10.4g %10.4g", width, name, s[i].mean, s[i].sd, s[i].median);
        for (int q = 0; q < nq; q++) fprintf(f, " %10.4g", q < s[i].nprobs ? s[i].quantiles[q] : NAN);
        fprintf(f, " %10.2g %10.2g %9.0f %9.0f %7.3f\n", s[i].mcse_mean, s[i].mcse_sd,
                s[i].ess_bulk, s[i].ess_tail, s[i].rhat);
    }
    if (ferror(f)) return GEN_FAIL(GEN_ERR_VALUE, "gen_summary_print: writing failed");
    return GEN_OK;
}

/* A number as the shortest of %.15g..%.17g that reads back exactly (cJSON's own printing
 * accepts a relative error of DBL_EPSILON), or null where JSON has none (NaN, inf). */
static void add_num(cJSON *o, const char *key, double v) {
    char buf[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) break;
    }
    cJSON_AddItemToObject(o, key, isfinite(v) ? cJSON_CreateRaw(buf) : cJSON_CreateNull());
}

static cJSON *summary_json(const gen_summary *s, const char *name) {
    cJSON *o = cJSON_CreateObject(), *qs = cJSON_CreateArray();
    if (!o || !qs) {
        cJSON_Delete(o);
        cJSON_Delete(qs);
        return NULL;
    }
    cJSON_AddItemToObject(o, "name", cJSON_CreateString(name));
    add_num(o, "mean", s->mean);
    add_num(o, "sd", s->sd);
    add_num(o, "median", s->median);
    for (int q = 0; q < s->nprobs; q++) {
        cJSON *e = cJSON_CreateObject();
        if (!e) continue; /* caught below: the printed object is incomplete */
        add_num(e, "prob", s->probs[q]);
        add_num(e, "value", s->quantiles[q]);
        cJSON_AddItemToArray(qs, e);
    }
    cJSON_AddItemToObject(o, "quantiles", qs);
    add_num(o, "mcse_mean", s->mcse_mean);
    add_num(o, "mcse_sd", s->mcse_sd);
    add_num(o, "ess_bulk", s->ess_bulk);
    add_num(o, "ess_tail", s->ess_tail);
    add_num(o, "rhat", s->rhat);
    return o;
}

gen_status gen_summary_write_json(FILE *f, const gen_summary *s, int64_t n,
                                  const char *const *names) {
    gen_status st = check_args("gen_summary_write_json", f, s, n);
    if (st != GEN_OK) return st;
    char name[256];
    for (int64_t i = 0; i < n; i++) {
        param_name(names, i, name, sizeof name);
        cJSON *o = summary_json(&s[i], name);
        char *text = o ? cJSON_PrintUnformatted(o) : NULL;
        int items = o ? cJSON_GetArraySize(o) : 0;
        cJSON_Delete(o);
        if (!text || items != 10) {
            cJSON_free(text);
            return GEN_FAIL(GEN_ERR_OOM, "gen_summary_write_json: out of memory");
        }
        fprintf(f, "%s\n", text);
        cJSON_free(text);
    }
    if (ferror(f)) return GEN_FAIL(GEN_ERR_VALUE, "gen_summary_write_json: writing failed");
    return GEN_OK;
}
