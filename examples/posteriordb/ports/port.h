/* port.h — what the posteriordb ports (examples/posteriordb/ports/<posterior>.c) share: a
 * port's description (its model function and how it reads its data), a run of NUTS with
 * the documented defaults, and the comparison with the stored reference posterior
 * (tests/data/posteriordb/<posterior>/: data.json as posteriordb gives it, reference.json
 * the mean, sd and quantiles of posteriordb's reference draws per Stan parameter).
 *
 * Each port is written as a Stan user would write it: the data read by name with
 * gen_data (genc/data.h), a choice for each Stan parameter with the distribution of its
 * `~` (or gen_flat / gen_half_flat when Stan gives it no prior), gen_factor for Stan's
 * `target +=`. Header-only: each port includes it, and tests/tools/test_pdb_ports.c
 * includes every port (PORT_NO_MAIN: their model functions without their mains). */
#ifndef GENC_EXAMPLES_PDB_PORT_H
#define GENC_EXAMPLES_PDB_PORT_H

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "genc.h"

#define PORT_MAX_ARGS 8
#define PORT_MAX_PARAMS 8
#define PORT_MAX_REF 32
#define PORT_MAX_CHAINS 16

/* One draw, its recorded choices flattened (gen_nuts_result.draws' row). */
typedef struct port_draw {
    const double *row;
    const int64_t *offset; /* the first column of each of the port's params */
    const struct port_model *m;
} port_draw;

/* A port's model with its data: what setup fills in. */
typedef struct port_model {
    gen_body body;
    int n_args;
    gen_array *args[PORT_MAX_ARGS];
    /* the observed choices, and a valid value of each parameter with a flat prior (flat
     * priors cannot be simulated; the chains start at Stan's uniform(-2, 2) anyway) */
    gen_choicemap *constraints;
    int n_params;
    const char *params[PORT_MAX_PARAMS]; /* the sampled choices */
    /* Stan's value of parameter `name` ("mu[2]") in a draw, for parameters that are not a
     * choice of that name (an ordered vector written as its first element and gaps); NULL:
     * every Stan parameter x[i] is element i - 1 of choice x. */
    double (*stan_value)(const port_draw *d, const char *name);
} port_model;

typedef struct port_def {
    const char *name; /* the posterior's name in posteriordb */
    /* Reads the data, fills m; arrays and maps in the current scope. */
    gen_status (*setup)(const gen_data *d, port_model *m);
} port_def;

/* The reference: Stan's parameter names in posteriordb's order, their means and sds over
 * the 10 x 1000 reference draws. */
typedef struct port_ref {
    int n;
    char names[PORT_MAX_REF][32];
    double mean[PORT_MAX_REF], sd[PORT_MAX_REF];
} port_ref;

/* A run and its comparison with the reference. */
typedef struct port_report {
    port_ref ref;
    gen_summary s[PORT_MAX_REF];
    double z[PORT_MAX_REF];       /* (mean - ref) / se, se the MCSE of both */
    double rel_sd[PORT_MAX_REF];  /* sd / ref sd - 1 */
    bool ok[PORT_MAX_REF];        /* |z| < 5 and |rel_sd| < 10% */
    int n_ok;
    double min_ess_bulk, warmup_s, sampling_s, leapfrog_per_draw;
    int64_t divergent;
} port_report;

/* Element i of choice `choice` in a draw (NaN if the port has no such choice). */
static inline double port_get(const port_draw *d, const char *choice, int64_t i) {
    for (int k = 0; k < d->m->n_params; k++)
        if (!strcmp(d->m->params[k], choice)) return d->row[d->offset[k] + i];
    return NAN;
}

/* Stan's parameter `name` by the default rule (x[i] is element i - 1 of choice x). */
static inline double port_plain_value(const port_draw *d, const char *name) {
    char choice[32];
    snprintf(choice, sizeof choice, "%s", name);
    char *br = strchr(choice, '[');
    int64_t i = 1;
    if (br) {
        i = atoll(br + 1);
        *br = 0;
    }
    return port_get(d, choice, i - 1);
}

static inline gen_addr port_addr(const char *name) { return (gen_addr){1, {gen_part_name(name)}}; }
/* m with value at the choice `name`. */
static inline gen_choicemap *port_set(gen_choicemap *m, const char *name, const gen_array *v) {
    gen_addr a = port_addr(name);
    return gen_choicemap_set(m, &a, v);
}

/* ---- files ------------------------------------------------------------------------- */

/* The folder of the stored posteriors: $GENC_PDB_PORTS, else tests/data/posteriordb of the
 * source tree that holds src_file (a file three folders below the root: pass __FILE__
 * from examples/posteriordb/ports/ or tests/tools/ with up = 3 or 2). */
static inline const char *port_data_dir(const char *src_file, int up, char *buf, size_t n) {
    const char *env = getenv("GENC_PDB_PORTS");
    if (env) return env;
    char root[1024];
    snprintf(root, sizeof root, "%s", src_file);
    for (int i = 0; i <= up; i++) {
        char *s = strrchr(root, '/');
        if (s) *s = 0;
        else snprintf(root, sizeof root, ".");
    }
    snprintf(buf, n, "%s/tests/data/posteriordb", root);
    return buf;
}

/* Reads dir/name/reference.json (posteriordb's summaries, in its parameters' order). */
static inline gen_status port_load_ref(const char *dir, const char *name, port_ref *ref) {
    char path[1400];
    snprintf(path, sizeof path, "%s/%s/reference.json", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) return gen_error_set(GEN_ERR_VALUE, "port: cannot open %s", path);
    char *buf = NULL;
    long len = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (len > 0 && fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)len + 1)) != NULL) {
        if (fread(buf, 1, (size_t)len, f) == (size_t)len) buf[len] = 0;
        else len = -1;
    }
    fclose(f);
    cJSON *j = len > 0 && buf ? cJSON_Parse(buf) : NULL;
    free(buf);
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(j, "params"), *e;
    ref->n = 0;
    cJSON_ArrayForEach(e, params) {
        const cJSON *mean = cJSON_GetObjectItemCaseSensitive(e, "mean"), *sd = cJSON_GetObjectItemCaseSensitive(e, "sd");
        if (ref->n >= PORT_MAX_REF || !cJSON_IsNumber(mean) || !cJSON_IsNumber(sd) || strlen(e->string) >= 32) {
            ref->n = 0;
            break;
        }
        snprintf(ref->names[ref->n], 32, "%s", e->string);
        ref->mean[ref->n] = mean->valuedouble;
        ref->sd[ref->n] = sd->valuedouble;
        ref->n++;
    }
    cJSON_Delete(j);
    if (ref->n == 0)
        return gen_error_set(GEN_ERR_VALUE, "port: %s: no parameters with a mean and sd (at most %d)", path,
                             PORT_MAX_REF);
    return GEN_OK;
}

/* Reads dir/name/data.json and sets the port up: *gf, *args (pointing into m) and the
 * initial trace *tr, the selection of its parameters *sel. */
static inline gen_status port_setup(const port_def *def, const char *dir, port_model *m, gen_gf **gf, gen_args *args,
                                    gen_trace **tr, gen_selection **sel) {
    char path[1400];
    snprintf(path, sizeof path, "%s/%s/data.json", dir, def->name);
    gen_data *d = NULL;
    gen_status st = gen_data_load(path, &d);
    if (st != GEN_OK) return st;
    memset(m, 0, sizeof *m);
    m->constraints = gen_choicemap_empty();
    st = def->setup(d, m);
    gen_data_free(d);
    if (st != GEN_OK) return st;
    *gf = gen_dynamic(def->name, m->body);
    *args = (gen_args){m->n_args, m->args, NULL};
    st = gen_generate(*gf, gen_key_new(0), args, m->constraints, tr, NULL);
    if (st != GEN_OK) return st;
    gen_addr a[PORT_MAX_PARAMS];
    for (int i = 0; i < m->n_params; i++) a[i] = port_addr(m->params[i]);
    *sel = gen_select(m->n_params, a);
    return *sel ? GEN_OK : gen_error_set(GEN_ERR_VALUE, "port: %s: cannot select the parameters", def->name);
}

/* The first column of each of m's params in a flattened draw, and *dims the columns: the
 * flattening follows the choice map's order, not the selection's, so every element is
 * marked with its column. These are also the params' coordinates in a gen_target of tr
 * when every param is a scalar or a vector whose bijection keeps its size. */
static inline gen_status port_offsets(const port_def *def, const port_model *m, const gen_trace *tr,
                                      const gen_selection *sel, int64_t *dims, int64_t *offset) {
    const gen_choicemap *cm = gen_trace_choices(tr);
    *dims = gen_choicemap_flat_size(cm, sel);
    gen_choicemap *marks = gen_choicemap_unflatten(cm, sel, gen_arange(0, (double)*dims, 1, GEN_F64));
    for (int i = 0; i < m->n_params; i++) {
        gen_addr a = port_addr(m->params[i]);
        const gen_array *v = marks ? gen_choicemap_find(marks, &a) : NULL;
        if (!v) return gen_error_set(GEN_ERR_VALUE, "port: %s: no choice %s", def->name, m->params[i]);
        offset[i] = (int64_t)((const double *)gen_array_data(gen_cast(v, GEN_F64)))[0];
    }
    return GEN_OK;
}

/* Runs NUTS (cfg) with `chains` chains on n_threads threads (<= 0: one per chain) and
 * compares every reference parameter with the reference. Arrays in the current scope. */
static inline gen_status port_run(const port_def *def, const char *dir, gen_key key, int chains,
                                  const gen_nuts_config *cfg, int n_threads, port_report *out) {
    memset(out, 0, sizeof *out);
    if (chains < 1 || chains > PORT_MAX_CHAINS)
        return gen_error_set(GEN_ERR_VALUE, "port_run: chains must be in 1..%d, got %d", PORT_MAX_CHAINS, chains);
    gen_status st = port_load_ref(dir, def->name, &out->ref);
    if (st != GEN_OK) return st;
    port_model m;
    gen_gf *gf = NULL;
    gen_args args;
    gen_trace *tr = NULL;
    gen_selection *sel = NULL;
    st = port_setup(def, dir, &m, &gf, &args, &tr, &sel);
    if (st != GEN_OK) return st;
    int64_t dims = 0, offset[PORT_MAX_PARAMS];
    st = port_offsets(def, &m, tr, sel, &dims, offset);
    if (st != GEN_OK) return st;
    gen_trace *init[PORT_MAX_CHAINS];
    for (int c = 0; c < chains; c++) init[c] = tr;
    gen_nuts_result r;
    st = gen_nuts_sample(key, chains, init, sel, cfg, n_threads, &r);
    if (st != GEN_OK) return st;
    int64_t n = cfg->draws, iters = cfg->warmup + cfg->draws, k_ref = out->ref.n;
    const double *x = gen_array_data(r.draws), *stats = gen_array_data(r.stats), *sec = gen_array_data(r.seconds);
    double *v = malloc((size_t)(chains * n * k_ref) * sizeof *v); /* [param][chain][draw] */
    if (!v) return gen_error_set(GEN_ERR_OOM, "port_run: out of memory");
    for (int64_t i = 0; i < chains * n; i++) {
        port_draw d = {x + i * dims, offset, &m};
        for (int64_t k = 0; k < k_ref; k++) {
            const char *name = out->ref.names[k];
            v[k * chains * n + i] = m.stan_value ? m.stan_value(&d, name) : port_plain_value(&d, name);
        }
    }
    double leap = 0;
    out->min_ess_bulk = INFINITY;
    for (int c = 0; c < chains; c++) {
        out->warmup_s += sec[2 * c];
        out->sampling_s += sec[2 * c + 1];
        for (int64_t i = cfg->warmup; i < iters; i++) {
            leap += stats[(c * iters + i) * GEN_NUTS_NSTATS + GEN_NUTS_N_LEAPFROG];
            out->divergent += stats[(c * iters + i) * GEN_NUTS_NSTATS + GEN_NUTS_DIVERGENT] != 0;
        }
    }
    out->leapfrog_per_draw = leap / (double)(chains * n);
    for (int64_t k = 0; k < k_ref && st == GEN_OK; k++) {
        const double *ch[PORT_MAX_CHAINS];
        int64_t nd[PORT_MAX_CHAINS];
        for (int c = 0; c < chains; c++) {
            ch[c] = v + k * chains * n + c * n;
            nd[c] = n;
        }
        gen_summary *s = &out->s[k];
        st = gen_summarize(ch, chains, nd, NULL, 0, s);
        if (st != GEN_OK) break;
        /* the criterion: the mean within 5 MCSE (ours and the reference's, whose
         * 10,000 draws are thinned to near independence) and the sd within 10% */
        double rm = out->ref.mean[k], rs = out->ref.sd[k];
        double se = sqrt(s->mcse_mean * s->mcse_mean + rs * rs / 10000.0);
        out->z[k] = (s->mean - rm) / se;
        out->rel_sd[k] = s->sd / rs - 1;
        out->ok[k] = fabs(out->z[k]) < 5 && fabs(out->rel_sd[k]) < 0.1;
        out->n_ok += out->ok[k];
        if (s->ess_bulk < out->min_ess_bulk) out->min_ess_bulk = s->ess_bulk;
    }
    free(v);
    return st;
}

/* Prints the summary (mean, sd, ESS, R-hat per Stan parameter) and OK / FAIL per
 * parameter against the reference. */
static inline void port_print(FILE *f, const char *name, const port_report *r) {
    fprintf(f, "%s: %lld divergent, %.1f leapfrog steps per draw, %.2f s warm-up, %.2f s sampling\n", name,
            (long long)r->divergent, r->leapfrog_per_draw, r->warmup_s, r->sampling_s);
    fprintf(f, "  %-12s %10s %10s %9s %9s %7s %7s %6s %6s\n", "parameter", "mean", "ref", "sd", "ref sd", "ess",
            "rhat", "z", "");
    for (int k = 0; k < r->ref.n; k++) {
        const gen_summary *s = &r->s[k];
        fprintf(f, "  %-12s %10.4g %10.4g %9.4g %9.4g %7.0f %7.3f %6.2f %s\n", r->ref.names[k], s->mean,
                r->ref.mean[k], s->sd, r->ref.sd[k], s->ess_bulk, s->rhat, r->z[k], r->ok[k] ? "OK" : "FAIL");
    }
    fprintf(f, "%s: %d of %d parameters match the reference\n", name, r->n_ok, r->ref.n);
}

/* A port's main: NUTS with the documented defaults (gen_nuts_config_default(): nutpie's
 * low-rank warm-up, target_accept 0.9; 4 chains, on a thread each), the
 * summary, the comparison. Arguments: [DATA_DIR] (default: the source tree's
 * tests/data/posteriordb) [--bench] (the chains one after another on one thread, as
 * rstan with cores = 1, and a JSON line for bench/run_pdb_ports.sh after the table).
 * Exit status 0 when every parameter matches. */
static inline int port_main(const port_def *def, const char *src_file, int argc, char **argv) {
    char buf[1100];
    const char *dir = NULL;
    bool bench = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--bench")) bench = true;
        else dir = argv[i];
    }
    if (!dir) dir = port_data_dir(src_file, 3, buf, sizeof buf);
    gen_nuts_config cfg = gen_nuts_config_default(); /* 1000 + 1000, low-rank metric, ... */
    gen_scope_begin();
    port_report r;
    gen_status st = port_run(def, dir, gen_key_new(1), 4, &cfg, bench ? 1 : 0, &r);
    if (st == GEN_OK) port_print(stdout, def->name, &r);
    else fprintf(stderr, "%s: %s\n", def->name, gen_error_message());
    if (st == GEN_OK && bench)
        printf("{\"peer\": \"genc\", \"posterior\": \"%s\", \"min_ess_bulk\": %.6g, \"warmup_s\": %.6g, "
               "\"sampling_s\": %.6g, \"leapfrog_per_draw\": %.4g, \"divergent\": %lld, \"match\": %d, "
               "\"params\": %d}\n",
               def->name, r.min_ess_bulk, r.warmup_s, r.sampling_s, r.leapfrog_per_draw, (long long)r.divergent,
               r.n_ok, r.ref.n);
    gen_scope_end();
    return st == GEN_OK && r.n_ok == r.ref.n ? 0 : 1;
}

#endif
