/* options.c — the options of `genc run` (docs/genc-tool.md): --name VALUE or
 * --name=VALUE; every error names the option and what it wanted. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

void tool_usage_run(FILE *f) {
    fputs("usage: genc run MODEL [options]\n"
          "\n"
          "Runs inference on MODEL: a gallery model's name (genc list) or a model file (a C file\n"
          "ending in GEN_MODEL(...); see docs/genc-tool.md).\n"
          "\n"
          "options:\n"
          "  --algorithm NAME  is, mh, hmc, nuts, gibbs, smc, advi or kernel (default: the model's)\n"
          "  --chains N        MCMC chains [4]\n"
          "  --warmup N        warm-up (NUTS) or burn-in (other MCMC) iterations per chain [1000]\n"
          "  --draws N         draws per chain (is, smc, advi: draws in all) [1000]\n"
          "  --particles N     particles of importance sampling and SMC [1000]\n"
          "  --seed N          the random seed [1]\n"
          "  --data FILE       a data file (posteriordb's JSON) for the model\n"
          "  --device NAME     cpu or cuda [cpu]\n"
          "  --out DIR         where draws.csv, draws.json and report.html go [genc-out/<model>]\n"
          "  --step X          HMC's step size [0.1]\n"
          "  --leapfrog N      HMC's leapfrog steps [10]\n"
          "  --adapt NAME      NUTS's metric warm-up: lowrank (nutpie's low-rank metric), grad\n"
          "                    (nutpie's diagonal) or stan (Stan's windows) [lowrank]\n"
          "  --target-accept X NUTS's target acceptance in (0, 1) [0.9; 0.8 with stan]\n"
          "  --threads N       threads for the chains [one per chain]\n"
          "  --no-report       do not write report.html\n"
          "  --pairs A,B,...   the report's pair plot: 2 to 8 columns, or none [the first up to 4]\n"
          "  --quiet, -q       no progress bar, no summary table\n"
          "  --help, -h        this text\n",
          f);
}

static bool parse_i64(const char *opt, const char *s, int64_t lo, int64_t *out) {
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || errno || v < lo) {
        fprintf(stderr, "genc run: %s wants an integer >= %lld, got '%s'\n", opt, (long long)lo, s);
        return false;
    }
    *out = v;
    return true;
}

static bool parse_double(const char *opt, const char *s, double *out) {
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (!*s || *end || errno || !(v > 0) || v > 1e300) {
        fprintf(stderr, "genc run: %s wants a number > 0, got '%s'\n", opt, s);
        return false;
    }
    *out = v;
    return true;
}

/* --pairs: "none", or 2 to GEN_REPORT_MAX_PAIRS non-empty names joined by ','. */
static bool parse_pairs(const char *s) {
    if (!strcmp(s, "none")) return true;
    int n = 1;
    bool empty = !*s || *s == ',' || s[strlen(s) - 1] == ',' || strstr(s, ",,");
    for (const char *p = s; *p; p++) n += *p == ',';
    if (empty || n < 2 || n > GEN_REPORT_MAX_PAIRS || strlen(s) >= 1024) {
        fprintf(stderr, "genc run: --pairs wants 2 to %d column names joined by ',' (or none), got '%s'\n",
                GEN_REPORT_MAX_PAIRS, s);
        return false;
    }
    return true;
}

static const char *const ALGORITHMS[] = {"is", "mh", "hmc", "nuts", "gibbs", "smc", "advi", "kernel"};

bool tool_algorithm_known(const char *a) {
    for (size_t i = 0; i < sizeof ALGORITHMS / sizeof *ALGORITHMS; i++)
        if (!strcmp(a, ALGORITHMS[i])) return true;
    return false;
}

bool tool_parse_run(int argc, char **argv, tool_opts *o, bool *help) {
    *o = (tool_opts){.chains = 4, .warmup = 1000, .draws = 1000, .particles = 1000, .seed = 1, .device = "cpu",
                     .step = 0.1, .leapfrog = 10};
    *help = false;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            *help = true;
            return true;
        }
        if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            o->quiet = true;
            continue;
        }
        if (!strcmp(a, "--no-report")) {
            o->no_report = true;
            continue;
        }
        if (a[0] != '-' || !a[1]) {
            if (o->model) {
                fprintf(stderr, "genc run: one model only: got '%s' and '%s'\n", o->model, a);
                return false;
            }
            o->model = a;
            continue;
        }
        /* --name VALUE or --name=VALUE */
        char name[64];
        const char *val = NULL, *eq = strchr(a, '=');
        size_t len = eq ? (size_t)(eq - a) : strlen(a);
        if (len >= sizeof name) len = sizeof name - 1;
        memcpy(name, a, len);
        name[len] = 0;
        static const char *const valued[] = {"--algorithm", "--chains", "--warmup", "--draws", "--particles",
                                             "--seed", "--data", "--device", "--out", "--step", "--leapfrog",
                                             "--threads", "--pairs", "--adapt", "--target-accept"};
        bool known = false;
        for (size_t k = 0; k < sizeof valued / sizeof *valued; k++) known = known || !strcmp(name, valued[k]);
        if (!known) {
            fprintf(stderr, "genc run: unknown option '%s' (genc run --help lists them)\n", a);
            return false;
        }
        if (eq) val = eq + 1;
        else if (i + 1 < argc) val = argv[++i];
        else {
            fprintf(stderr, "genc run: %s wants a value\n", name);
            return false;
        }
        int64_t v = 0;
        if (!strcmp(name, "--algorithm")) {
            if (!tool_algorithm_known(val)) {
                fprintf(stderr, "genc run: unknown algorithm '%s' (is, mh, hmc, nuts, gibbs, smc, advi or kernel)\n",
                        val);
                return false;
            }
            o->algorithm = val;
        } else if (!strcmp(name, "--chains")) {
            if (!parse_i64(name, val, 1, &v)) return false;
            if (v > 4096) {
                fprintf(stderr, "genc run: --chains wants at most 4096, got %s\n", val);
                return false;
            }
            o->chains = (int)v;
        } else if (!strcmp(name, "--warmup")) {
            if (!parse_i64(name, val, 0, &o->warmup)) return false;
        } else if (!strcmp(name, "--draws")) {
            if (!parse_i64(name, val, 1, &o->draws)) return false;
        } else if (!strcmp(name, "--particles")) {
            if (!parse_i64(name, val, 1, &o->particles)) return false;
        } else if (!strcmp(name, "--seed")) {
            if (!parse_i64(name, val, 0, &v)) return false;
            o->seed = (uint64_t)v;
        } else if (!strcmp(name, "--data")) {
            o->data = val;
        } else if (!strcmp(name, "--device")) {
            if (strcmp(val, "cpu") && strcmp(val, "cuda")) {
                fprintf(stderr, "genc run: --device wants cpu or cuda, got '%s'\n", val);
                return false;
            }
            o->device = val;
        } else if (!strcmp(name, "--out")) {
            o->out = val;
        } else if (!strcmp(name, "--step")) {
            if (!parse_double(name, val, &o->step)) return false;
        } else if (!strcmp(name, "--leapfrog")) {
            if (!parse_i64(name, val, 1, &v)) return false;
            if (v > GEN_MAX_LEAPFROG) {
                fprintf(stderr, "genc run: --leapfrog wants at most %d, got %s\n", GEN_MAX_LEAPFROG, val);
                return false;
            }
            o->leapfrog = (int)v;
        } else if (!strcmp(name, "--adapt")) {
            static const char *const names[] = {"stan", "grad", "lowrank"};
            o->adapt = GEN_ADAPT_DEFAULT;
            for (int k = 0; k < 3; k++)
                if (!strcmp(val, names[k])) o->adapt = (gen_metric_adapt)(GEN_ADAPT_STAN + k);
            if (o->adapt == GEN_ADAPT_DEFAULT) {
                fprintf(stderr, "genc run: --adapt wants lowrank, grad or stan, got '%s'\n", val);
                return false;
            }
        } else if (!strcmp(name, "--target-accept")) {
            if (!parse_double(name, val, &o->target_accept)) return false;
            if (!(o->target_accept < 1)) {
                fprintf(stderr, "genc run: --target-accept wants a number in (0, 1), got '%s'\n", val);
                return false;
            }
        } else if (!strcmp(name, "--pairs")) {
            if (!parse_pairs(val)) return false;
            o->pairs = val;
        } else if (!strcmp(name, "--threads")) {
            if (!parse_i64(name, val, 0, &v)) return false;
            o->threads = v > 4096 ? 4096 : (int)v;
        }
    }
    if (!o->model) {
        fprintf(stderr, "genc run: no model given (genc list shows the gallery; genc run --help)\n");
        return false;
    }
    return true;
}
