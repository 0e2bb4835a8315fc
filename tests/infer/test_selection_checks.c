/* test_selection_checks.c — selections are checked where they become targets: an address
 * the trace lacks (a typo, or a prefix with nothing below it), a discrete choice selected
 * (by name or by select_all), and a selection with no continuous choice are errors naming
 * the address, in gen_target_new and in every method built on targets (HMC, MALA, NUTS and
 * its kernel, the posterior mode, gen_nuts_sample), and so is a typo in what a chain
 * records, and in Gibbs's selection; selections that name existing
 * continuous choices (and complements that leave the discrete ones out) still work. */
#include <string.h>

#include "conjugate_models.h"

static gen_selection *paths(int n, const char *const *p) { return gen_select_paths(n, p); }

/* Every target-based method on tr and sel fails with status s and a message containing
 * msg. */
static void check_all(const char *what, const gen_trace *tr, const gen_selection *sel, gen_status s, const char *msg) {
    gen_trace *out = NULL;
    gen_status st[7];
    gen_target *t = gen_target_new(tr, sel);
    st[0] = t ? GEN_OK : gen_error_status();
    const char *m0 = gen_error_message();
    char first[1024];
    strncpy(first, m0, sizeof first - 1);
    first[sizeof first - 1] = 0;
    gen_target_free(t);
    gen_error_clear();
    char msgs[7][1024] = {{0}};
    strcpy(msgs[0], first);
#define TRY(i, call)                                                 \
    do {                                                             \
        st[i] = (call);                                              \
        strncpy(msgs[i], gen_error_message(), sizeof msgs[i] - 1);   \
        gen_error_clear();                                           \
    } while (0)
    TRY(1, gen_hmc(tr, gen_key_new(1), sel, 0.1, 3, NULL, &out, NULL));
    TRY(2, gen_mala(tr, gen_key_new(1), sel, 0.1, &out, NULL));
    TRY(3, gen_nuts(tr, gen_key_new(1), sel, 0.1, NULL, 3, &out, NULL));
    TRY(4, gen_posterior_mode(tr, sel, 10, 1e-8, &out, NULL));
    gen_nuts_config cfg = {.warmup = 10, .draws = 10};
    gen_nuts_result r;
    TRY(5, gen_nuts_sample(gen_key_new(1), 1, (gen_trace *const *)&tr, sel, &cfg, 1, &r));
    gen_nuts_kernel nk = {sel, 0.1, NULL, 3};
    gen_chain_config cc = {.burn_in = 0, .draws = 3, .thin = 1};
    TRY(6, gen_run_chain(gen_kernel_nuts(&nk), gen_key_new(1), tr, &cc, NULL, NULL, NULL));
#undef TRY
    static const char *const names[7] = {"gen_target_new", "gen_hmc", "gen_mala", "gen_nuts", "gen_posterior_mode",
                                         "gen_nuts_sample", "nuts kernel chain"};
    for (int i = 0; i < 7; i++)
        if (st[i] != s || !strstr(msgs[i], msg))
            check_fail(__FILE__, __LINE__, "%s: %s: got %s \"%s\", want %s containing \"%s\"", what, names[i],
                       gen_status_name(st[i]), msgs[i], gen_status_name(s), msg);
}

static void test_missing(void) {
    gen_trace *tr = observed(normal_model, "y", 5, Y, 'f');
    check_all("typo", tr, paths(1, (const char *[]){"muu"}), GEN_ERR_VALUE,
              "the selection names muu, which the trace does not have");
    check_all("one of two", tr, paths(2, (const char *[]){"mu", "sigmaa"}), GEN_ERR_VALUE, "names sigmaa");
    /* y exists, y/7 does not */
    check_all("below a prefix", tr, paths(2, (const char *[]){"mu", "y/7"}), GEN_ERR_VALUE, "names y/7");
    /* a prefix of existing choices is fine: mu and y/0..4 (observed, but selected) */
    gen_target *t = gen_target_new(tr, paths(2, (const char *[]){"mu", "y"}));
    CHECK(t && gen_target_dim(t) == 6);
    gen_target_free(t);
}

/* What to record: a typo recorded nothing. */
static void test_record(void) {
    gen_trace *tr = observed(normal_model, "y", 5, Y, 'f');
    gen_selection *mu = paths(1, (const char *[]){"mu"}), *typo = paths(1, (const char *[]){"muu"});
    gen_nuts_config cfg = {.warmup = 10, .draws = 10, .record = typo};
    gen_nuts_result r;
    CHECK_ERROR(gen_nuts_sample(gen_key_new(1), 1, &tr, mu, &cfg, 1, &r), "gen_nuts_sample: model: the selection names muu");
    gen_mh_select_kernel k = {mu};
    gen_chain_config cc = {.burn_in = 0, .draws = 3, .thin = 1, .sel = typo};
    gen_array *s = NULL;
    CHECK_ERROR(gen_run_chain(gen_kernel_mh_select(&k), gen_key_new(1), tr, &cc, &s, NULL, NULL),
                "gen_run_chain: model: the selection names muu");
    CHECK(!s);
    gen_trace *two[2] = {tr, tr};
    CHECK_ERROR(gen_run_chains(gen_kernel_mh_select(&k), gen_key_new(1), 2, two, &cc, 2, &s, NULL, NULL),
                "gen_run_chains: model: the selection names muu");
    cc.sel = mu;
    CHECK_OK(gen_run_chain(gen_kernel_mh_select(&k), gen_key_new(1), tr, &cc, &s, NULL, NULL));
}

/* Gibbs resamples what the selection contains: a typo did nothing (GEN_OK). */
static void test_gibbs(void) {
    gen_trace *tr = observed(beta_bernoulli, "x", 10, XS, 'b'), *out = NULL;
    CHECK_ERROR(gen_gibbs(tr, gen_key_new(1), paths(1, (const char *[]){"xx/0"}), NULL, &out),
                "gen_gibbs: model: the selection names xx/0, which the trace does not have");
    CHECK(!out);
    CHECK_OK(gen_gibbs(tr, gen_key_new(1), paths(1, (const char *[]){"x/0"}), NULL, &out));
}

static void test_discrete(void) {
    gen_trace *tr = observed(counts, "k", 4, KS, 'i');
    const char *msg = "k/0 is a discrete choice (i64)";
    check_all("by name", tr, paths(2, (const char *[]){"l", "k/0"}), GEN_ERR_VALUE, msg);
    check_all("by prefix", tr, paths(2, (const char *[]){"l", "k"}), GEN_ERR_VALUE, msg);
    check_all("all", tr, gen_select_all(), GEN_ERR_VALUE, msg);
    /* the complement of the discrete ones: fine */
    gen_target *t = gen_target_new(tr, gen_selection_complement(paths(1, (const char *[]){"k"})));
    CHECK(t && gen_target_dim(t) == 1);
    gen_target_free(t);
    gen_trace *tb = observed(beta_bernoulli, "x", 10, XS, 'b');
    check_all("bool", tb, gen_select_all(), GEN_ERR_VALUE, "x/0 is a discrete choice (bool)");
}

static void test_empty(void) {
    gen_trace *tr = observed(normal_model, "y", 5, Y, 'f');
    const char *msg = "the selection contains no continuous choice";
    check_all("none", tr, gen_select_none(), GEN_ERR_VALUE, msg);
    check_all("complement of all", tr, gen_selection_complement(gen_select_all()), GEN_ERR_VALUE, msg);
    check_all("complement of everything there", tr, gen_selection_complement(paths(2, (const char *[]){"mu", "y"})),
              GEN_ERR_VALUE, msg);
}

int main(void) {
    RUN(test_missing);
    RUN(test_record);
    RUN(test_gibbs);
    RUN(test_discrete);
    RUN(test_empty);
    return check_finish();
}
