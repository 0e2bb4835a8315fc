/* test_pdb_ports.c — the posteriordb ports (examples/posteriordb/ports, their model
 * functions compiled in) against the stored reference posteriors
 * (tests/data/posteriordb):
 *  - mesquite, kidiq interaction, gp_regr, hmm_example: a short NUTS run (2 chains of 300
 *    warm-up and 300 draws) whose every parameter's mean is within 5 MCSE of the
 *    reference (our MCSE and the reference's, sd / sqrt(10000)) and whose sd is within 5
 *    of its MCSEs, checked in optimized builds; Debug and sanitizer builds run 1 chain of
 *    20 + 20 and check only that it runs;
 *  - arma11 and nes, whose runs take seconds: the log density NUTS samples and its
 *    gradient at one unconstrained point against tests/data/posteriordb/logp_reference.py
 *    (plain Python from the Stan programs);
 *  - a data file without a variable the port reads: an error naming it. */
#include <math.h>
#include <stdlib.h>

#include <string.h>

#include "check.h"

#define PORT_NO_MAIN
#include "../../examples/posteriordb/ports/arma-arma11.c"
#include "../../examples/posteriordb/ports/gp_pois_regr-gp_regr.c"
#include "../../examples/posteriordb/ports/hmm_example-hmm_example.c"
#include "../../examples/posteriordb/ports/kidiq_with_mom_work-kidscore_interaction_c.c"
#include "../../examples/posteriordb/ports/mesquite-logmesquite_logvas.c"
#include "../../examples/posteriordb/ports/nes1996-nes.c"

static char dir_buf[1100];
static const char *dir;

static void check_run(const port_def *def, uint64_t seed) {
    gen_scope_begin();
#ifdef NDEBUG
    int chains = 2;
    gen_nuts_config cfg = gen_nuts_config_default();
    cfg.warmup = 300, cfg.draws = 300;
#else /* Debug and sanitizer builds: that it runs */
    int chains = 1;
    gen_nuts_config cfg = gen_nuts_config_default();
    cfg.warmup = 20, cfg.draws = 20;
#endif
    port_report r;
    CHECK_OK(port_run(def, dir, gen_key_new(seed), chains, &cfg, 0, &r));
#ifdef NDEBUG
    port_print(stdout, def->name, &r);
    CHECK(r.divergent == 0);
    for (int k = 0; k < r.ref.n; k++) {
        const gen_summary *s = &r.s[k];
        double rs = r.ref.sd[k], se_sd = sqrt(s->mcse_sd * s->mcse_sd + rs * rs / 20000.0);
        if (!(fabs(r.z[k]) < 5) || !(fabs(s->sd - rs) < 5 * se_sd))
            check_fail(__FILE__, __LINE__, "%s: %s: mean %g (ref %g, z %.2f), sd %g (ref %g, mcse %g)", def->name,
                       r.ref.names[k], s->mean, r.ref.mean[k], r.z[k], s->sd, rs, se_sd);
    }
#endif
    gen_scope_end();
}

/* The log density and gradient at u (unconstrained: sigma's coordinate is log sigma; the
 * port's params in their order, as logp_reference.py's) against logp_reference.py's. The
 * target's coordinates follow the choice map's order: port_offsets places them. */
static void check_logp(const port_def *def, int d, const double *u, double want_lp, const double *want_grad) {
    gen_scope_begin();
    port_model m;
    gen_gf *gf = NULL;
    gen_args args;
    gen_trace *tr = NULL;
    gen_selection *sel = NULL;
    CHECK_OK(port_setup(def, dir, &m, &gf, &args, &tr, &sel));
    gen_target *t = tr ? gen_target_new(tr, sel) : NULL;
    int64_t dims = 0, offset[PORT_MAX_PARAMS];
    CHECK(t != NULL && gen_target_dim(t) == d);
    if (t) CHECK_OK(port_offsets(def, &m, tr, sel, &dims, offset));
    if (t && gen_target_dim(t) == d && dims == d) {
        double theta[16], want[16], lp = NAN;
        int64_t order[PORT_MAX_PARAMS], n = m.n_params; /* the params by column */
        for (int64_t i = 0; i < n; i++) order[i] = i;
        for (int64_t i = 0; i < n; i++)
            for (int64_t k = i + 1; k < n; k++)
                if (offset[order[k]] < offset[order[i]]) {
                    int64_t tmp = order[i];
                    order[i] = order[k];
                    order[k] = tmp;
                }
        /* u's block of param i starts at the sum of the earlier params' sizes */
        int64_t start[PORT_MAX_PARAMS], size[PORT_MAX_PARAMS];
        for (int64_t r = 0; r < n; r++) size[order[r]] = (r + 1 < n ? offset[order[r + 1]] : d) - offset[order[r]];
        for (int64_t i = 0, at = 0; i < n; i++) {
            start[i] = at;
            at += size[i];
        }
        for (int64_t i = 0; i < n; i++)
            for (int64_t k = 0; k < size[i]; k++) {
                theta[offset[i] + k] = u[start[i] + k];
                want[offset[i] + k] = want_grad[start[i] + k];
            }
        gen_array *g = NULL;
        CHECK_OK(gen_target_logpdf_grad(t, gen_array_from(GEN_F64, 1, (int64_t[]){d}, theta), &lp, &g));
        check_close_at(__FILE__, __LINE__, def->name, lp, want_lp, 1e-12, 1e-9);
        if (g) check_array_at(__FILE__, __LINE__, def->name, g, want, d, 1e-5, 1e-4);
    }
    gen_target_free(t);
    gen_scope_end();
}

static void test_arma_logp(void) {
    double u[4] = {0.01, 0.9, -0.05, log(0.17)};
    double g[4] = {-29.1419270177, 119.801154379, 20.2693572206, -5.06335589343};
    check_logp(&port_arma, 4, u, 63.939035319584541, g);
}

static void test_nes_logp(void) {
    double u[10] = {0.1, 0.9, -1.2, 0.0, -0.3, -0.1, 0.25, -0.05, 0.2, log(1.7)};
    double g[10] = {15.0519031195, 92.5605535031, 15.8131488585, 2.17993075466, 9.06574404098,
                    2.35294118056, 45.4498268141, 20.5363322152, 52.6816606452, -32.4463664583};
    check_logp(&port_nes, 10, u, -2016.1443443482503, g);
}

static void test_runs(void) {
    check_run(&port_mesquite, 1);
    check_run(&port_kidiq, 2);
    check_run(&port_gp, 3);
    check_run(&port_hmm, 4);
}

/* A variable the port reads is missing: the data reader's error names it. */
static void test_missing_variable(void) {
    gen_scope_begin();
    gen_data *d = NULL;
    CHECK_OK(gen_data_parse("{\"N\": 2, \"weight\": [1, 2]}", &d));
    port_model m;
    memset(&m, 0, sizeof m);
    m.constraints = gen_choicemap_empty();
    CHECK(mesquite_setup(d, &m) == GEN_ERR_VALUE);
    CHECK(strstr(gen_error_message(), "diam1") != NULL);
    gen_data_free(d);
    gen_error_clear();
    gen_scope_end();
}

int main(int argc, char **argv) {
    check_only = argc > 1 ? argv[1] : NULL; /* one test by name (valgrind runs a few) */
    dir = port_data_dir(__FILE__, 2, dir_buf, sizeof dir_buf);
    RUN_ONLY(test_arma_logp);
    RUN_ONLY(test_nes_logp);
    RUN_ONLY(test_missing_variable);
    RUN_ONLY(test_runs);
    return check_finish();
}
