/* test_recurse.c — the Recurse combinator: a full binary tree against a hand-written
 * recursion (node ids, addresses, score, return value), incremental update (kernel runs
 * counted), a random grammar whose update grows and prunes the tree (weights by hand,
 * the discard, updating back), the GFI laws (scalar, batched, in a model), the errors. */
#include <math.h>

#include "../testutil/check.h"
#include "../testutil/gfi_laws.h"

static const double HALF_LOG_2PI = 0.91893853320467274178;
static int prod_runs, agg_runs;

static double log_normal(double x, double mu, double sigma) {
    double z = (x - mu) / sigma;
    return -0.5 * z * z - log(sigma) - HALF_LOG_2PI;
}

static gen_array *pair(gen_array *v, int k, gen_array **kids) {
    gen_array *none = gen_scalar(0);
    return gen_tuple(2, (gen_array *[]){v, gen_tuple(k, k ? kids : &none)});
}

/* full tree: v ~ N(x, 1); two children with input x + 1 while x < 2 */
static gen_status prod_full(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    prod_runs++;
    gen_array *x = args->v[0];
    gen_array *v = gen_choose(ctx, "v", gen_normal(x, gen_scalar(1)));
    double xv = 0;
    if (!v || gen_item(x, &xv) != GEN_OK) return gen_ctx_status(ctx);
    gen_array *x1 = gen_add(x, gen_scalar(1));
    gen_array *kids[2] = {x1, x1};
    *retval = pair(v, xv < 2 ? 2 : 0, kids);
    return gen_ctx_status(ctx);
}

/* s ~ N(v + sum of the children's results, 0.5); returns s */
static gen_status agg_sum(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    agg_runs++;
    gen_array *m = args->v[0];
    for (int c = 0; c < gen_tuple_size(args->v[1]); c++) m = gen_add(m, gen_tuple_get(args->v[1], c));
    *retval = gen_choose(ctx, "s", gen_normal(m, gen_scalar(0.5)));
    return gen_ctx_status(ctx);
}

static gen_gf *full(void) { return gen_recurse(gen_dynamic("prod", prod_full), gen_dynamic("agg", agg_sum), 2); }

static gen_addr path(const char *p) {
    gen_addr a;
    gen_addr_parse(&a, p);
    return a;
}

static gen_addr node_addr(int64_t id, const char *kernel, const char *name) {
    return (gen_addr){3, {gen_part_int(id), gen_part_name(kernel), gen_part_name(name)}};
}

/* constraints v = 0.1 id, s = 0.2 id + 0.3 at every node of the full tree */
static gen_choicemap *full_constraints(int64_t root) {
    gen_choicemap *c = gen_choicemap_empty();
    int64_t ids[7] = {root, 2 * root + 1, 2 * root + 2};
    for (int i = 0; i < 2; i++) {
        ids[3 + 2 * i] = 2 * ids[1 + i] + 1;
        ids[4 + 2 * i] = 2 * ids[1 + i] + 2;
    }
    for (int i = 0; i < 7; i++) {
        gen_addr v = node_addr(ids[i], "production", "v"), s = node_addr(ids[i], "aggregation", "s");
        c = gen_choicemap_set(c, &v, gen_scalar(0.1 * (double)ids[i]));
        c = gen_choicemap_set(c, &s, gen_scalar(0.2 * (double)ids[i] + 0.3));
    }
    return c;
}

/* the log density of the full tree below node id at input x (by recursion) */
static double ref_density(int64_t id, double x) {
    double v = 0.1 * (double)id, s = 0.2 * (double)id + 0.3, lp = log_normal(v, x, 1), m = v;
    if (x < 2)
        for (int c = 0; c < 2; c++) {
            int64_t cid = id * 2 + c + 1;
            lp += ref_density(cid, x + 1);
            m += 0.2 * (double)cid + 0.3;
        }
    return lp + log_normal(s, m, 0.5);
}

static void test_full_tree(void) {
    gen_gf *f = full();
    gen_array *x = gen_scalar(0);
    gen_args args = {1, &x, NULL};
    gen_trace *tr = NULL;
    gen_array *w = NULL, *aw = NULL, *ret = NULL;
    CHECK_OK(gen_generate(f, gen_key_new(1), &args, full_constraints(0), &tr, &w));
    CHECK_CLOSE(check_item(w), ref_density(0, 0), 1e-13);
    if (!tr) return;
    CHECK(gen_choicemap_count(gen_trace_choices(tr)) == 14);
    CHECK(check_item(gen_trace_retval(tr)) == 0.3);
    gen_addr a6 = path("6/production/v");
    CHECK(check_item(gen_trace_value(tr, &a6)) == 0.1 * 6);
    CHECK_OK(gen_assess(f, &args, full_constraints(0), &aw, &ret));
    CHECK_CLOSE(check_item(aw), ref_density(0, 0), 1e-13);
    CHECK(ret && check_item(ret) == 0.3);
    /* project: node 2's production */
    gen_array *p = NULL;
    gen_selection *s2 = gen_select_paths(1, (const char *[]){"2/production"});
    CHECK_OK(gen_project(tr, s2, &p));
    CHECK_CLOSE(check_item(p), log_normal(0.2, 1, 1), 1e-14);
    /* a root node id of 3 (Gen.jl's root_idx): children 7 and 8, ... */
    gen_array *rv[2] = {gen_scalar(0), gen_scalar_i64(3)};
    gen_args rargs = {2, rv, NULL};
    CHECK_OK(gen_generate(f, gen_key_new(2), &rargs, full_constraints(3), &tr, &w));
    CHECK_CLOSE(check_item(w), ref_density(3, 0), 1e-13);
    /* missing choices: assess fails */
    gen_addr a0 = path("0/aggregation/s");
    CHECK_ERROR(gen_assess(f, &args, gen_choicemap_remove(full_constraints(0), &a0), &aw, NULL),
                "recurse(prod, agg): assess: the choices lack some of the tree's choices (13 given, 14 made)");
}

static void test_incremental(void) {
    /* counts the bodies the combinator reruns: the dynamic path (compiled updates run none) */
    gen_set_compile(false);
    gen_gf *f = full();
    gen_array *x = gen_scalar(0);
    gen_args args = {1, &x, NULL};
    gen_trace *tr = NULL, *t2 = NULL, *t3 = NULL;
    gen_array *w = NULL, *w3 = NULL;
    gen_diff rd;
    gen_choicemap *disc = NULL;
    CHECK_OK(gen_generate(f, gen_key_new(1), &args, full_constraints(0), &tr, NULL));
    if (!tr) return;
    /* a leaf's value: its production and aggregation rerun; its result (s, kept) is the
     * same array, so its parent's aggregation is kept */
    gen_addr a4 = path("4/production/v");
    prod_runs = agg_runs = 0;
    CHECK_OK(gen_update(tr, gen_key_new(2), &args, NULL, gen_choicemap_set(gen_choicemap_empty(), &a4, gen_scalar(1.0)),
                        &t2, &w, &rd, &disc));
    CHECK(prod_runs == 1 && agg_runs == 1);
    if (!t2) return;
    double s4 = 0.2 * 4 + 0.3;
    double want = log_normal(1.0, 2, 1) - log_normal(0.4, 2, 1) + log_normal(s4, 1.0, 0.5) - log_normal(s4, 0.4, 0.5);
    CHECK_CLOSE(check_item(w), want, 1e-13);
    CHECK(rd.kind == GEN_DIFF_NO_CHANGE && gen_trace_retval(t2) == gen_trace_retval(tr));
    CHECK(check_item(gen_choicemap_get_value(disc, &a4)) == 0.4 && gen_choicemap_count(disc) == 1);
    CHECK_OK(gen_update(t2, gen_key_new(3), &args, NULL, disc, &t3, &w3, NULL, NULL));
    if (t3) {
        CHECK(gen_choicemap_equal(gen_trace_choices(t3), gen_trace_choices(tr)));
        CHECK_CLOSE(check_item(w3), -want, 1e-13);
    }
    /* a leaf's result changes: the aggregations on its path to the root rerun (3) */
    gen_addr s5 = path("5/aggregation/s");
    prod_runs = agg_runs = 0;
    CHECK_OK(gen_update(tr, gen_key_new(4), &args, NULL, gen_choicemap_set(gen_choicemap_empty(), &s5, gen_scalar(0.0)),
                        &t2, &w, &rd, NULL));
    CHECK(prod_runs == 0 && agg_runs == 2); /* node 2's result s is kept: the root is not rerun */
    if (t2) {
        double m2 = 0.2 + (0.2 * 5 + 0.3) + (0.2 * 6 + 0.3), s2v = 0.2 * 2 + 0.3;
        double want5 = log_normal(0, 0.5, 0.5) - log_normal(1.3, 0.5, 0.5) + log_normal(s2v, m2 - 1.3, 0.5) -
                       log_normal(s2v, m2, 0.5);
        CHECK_CLOSE(check_item(w), want5, 1e-13);
    }
    /* nothing: nothing reruns */
    prod_runs = agg_runs = 0;
    CHECK_OK(gen_update(tr, gen_key_new(5), &args, NULL, gen_choicemap_empty(), &t2, &w, &rd, NULL));
    CHECK(prod_runs == 0 && agg_runs == 0 && check_item(w) == 0 && rd.kind == GEN_DIFF_NO_CHANGE);
    /* a new root input: every production sees a new input (x + depth) and reruns; the
     * structure and the kept values are the same, so no aggregation reruns */
    gen_array *x2 = gen_scalar(0.5);
    gen_args args2 = {1, &x2, NULL};
    prod_runs = agg_runs = 0;
    CHECK_OK(gen_update(tr, gen_key_new(6), &args2, NULL, gen_choicemap_empty(), &t2, &w, &rd, NULL));
    CHECK(prod_runs == 7 && agg_runs == 0);
    if (t2) {
        double dw = 0;
        for (int64_t id = 0; id < 7; id++) {
            double depth = id == 0 ? 0 : id < 3 ? 1 : 2;
            dw += log_normal(0.1 * (double)id, depth + 0.5, 1) - log_normal(0.1 * (double)id, depth, 1);
        }
        CHECK_CLOSE(check_item(w), dw, 1e-13);
        CHECK(rd.kind == GEN_DIFF_NO_CHANGE);
    }
    /* regenerate one choice */
    gen_selection *sel = gen_select_paths(1, (const char *[]){"3/production/v"});
    prod_runs = agg_runs = 0;
    CHECK_OK(gen_regenerate(tr, gen_key_new(7), &args, NULL, sel, &t2, &w, &rd));
    CHECK(prod_runs == 1 && agg_runs == 1);
    if (t2) {
        gen_addr a3 = path("3/production/v"), as3 = path("3/aggregation/s");
        double v3 = check_item(gen_trace_value(t2, &a3)), s3 = check_item(gen_trace_value(t2, &as3));
        CHECK_CLOSE(check_item(w), log_normal(s3, v3, 0.5) - log_normal(s3, 0.3, 0.5), 1e-12);
    }
    gen_set_compile(true);
}

/* grammar: leaf ~ bernoulli(0.6) (forced below depth 2: a leaf at depth 2); a leaf's
 * value is x ~ N(0, 1), an inner node has two children at depth + 1 */
static gen_status prod_grammar(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    double depth = 0;
    gen_item(args->v[0], &depth);
    int64_t leaf = 1;
    if (depth < 2) {
        gen_array *l = gen_choose(ctx, "leaf", gen_bernoulli(gen_scalar(0.6)));
        if (!l || gen_item_i64(l, &leaf) != GEN_OK) return gen_ctx_status(ctx);
    }
    gen_array *d1 = gen_add(args->v[0], gen_scalar(1));
    gen_array *kids[2] = {d1, d1};
    gen_array *v = leaf ? gen_choose(ctx, "x", gen_normal(gen_scalar(0), gen_scalar(1))) : gen_scalar(0);
    *retval = pair(v, leaf ? 0 : 2, kids);
    return gen_ctx_status(ctx);
}

/* a leaf's result is its value; an inner node's the sum of its children's */
static gen_status agg_plain(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)ctx;
    *retval = args->v[0];
    for (int c = 0; c < gen_tuple_size(args->v[1]); c++) *retval = gen_add(*retval, gen_tuple_get(args->v[1], c));
    return GEN_OK;
}

static gen_gf *grammar(void) { return gen_recurse(gen_dynamic("prod", prod_grammar), gen_dynamic("agg", agg_plain), 2); }

static gen_choicemap *set_leaf(gen_choicemap *m, int64_t id, bool leaf) {
    gen_addr a = node_addr(id, "production", "leaf");
    return gen_choicemap_set(m ? m : gen_choicemap_empty(), &a, gen_scalar_bool(leaf));
}

static gen_choicemap *set_x(gen_choicemap *m, int64_t id, double x) {
    gen_addr a = node_addr(id, "production", "x");
    return gen_choicemap_set(m, &a, gen_scalar(x));
}

static void test_grammar(void) {
    gen_gf *f = grammar();
    gen_array *d0 = gen_scalar(0);
    gen_args args = {1, &d0, NULL};
    /* root inner, node 1 a leaf, node 2 inner with leaves 5, 6 */
    gen_choicemap *c = set_leaf(set_leaf(set_leaf(NULL, 0, false), 1, true), 2, false);
    c = set_x(set_x(set_x(c, 1, 0.5), 5, -1.0), 6, 2.0);
    gen_trace *tr = NULL, *t2 = NULL, *t3 = NULL;
    gen_array *w = NULL, *w3 = NULL;
    gen_diff rd;
    gen_choicemap *disc = NULL;
    CHECK_OK(gen_generate(f, gen_key_new(1), &args, c, &tr, &w));
    double lp = log(0.4) + log(0.6) + log_normal(0.5, 0, 1) + log(0.4) + log_normal(-1, 0, 1) + log_normal(2, 0, 1);
    CHECK_CLOSE(check_item(w), lp, 1e-13);
    if (!tr) return;
    CHECK(check_item(gen_trace_retval(tr)) == 1.5);
    CHECK(gen_choicemap_count(gen_trace_choices(tr)) == 6);
    /* node 2 becomes a leaf with x = 3: nodes 5 and 6 are dropped */
    CHECK_OK(gen_update(tr, gen_key_new(2), &args, NULL, set_x(set_leaf(NULL, 2, true), 2, 3.0), &t2, &w, &rd, &disc));
    if (!t2) return;
    double want = log(0.6) - log(0.4) + log_normal(3, 0, 1) - log_normal(-1, 0, 1) - log_normal(2, 0, 1);
    CHECK_CLOSE(check_item(w), want, 1e-13);
    CHECK(check_item(gen_trace_retval(t2)) == 3.5 && rd.kind == GEN_DIFF_UNKNOWN);
    CHECK(gen_choicemap_count(gen_trace_choices(t2)) == 5 && gen_choicemap_count(disc) == 3);
    gen_addr x5 = node_addr(5, "production", "x");
    CHECK(check_item(gen_choicemap_get_value(disc, &x5)) == -1.0);
    /* back with the discard: the tree grows again, weight -w */
    CHECK_OK(gen_update(t2, gen_key_new(3), &args, NULL, disc, &t3, &w3, &rd, NULL));
    if (t3) {
        CHECK(gen_choicemap_equal(gen_trace_choices(t3), gen_trace_choices(tr)));
        CHECK_CLOSE(check_item(w3), -want, 1e-13);
    }
    /* node 1 becomes inner without constraints: its children sampled (weight: the
     * leaf's change and x dropped) */
    CHECK_OK(gen_update(tr, gen_key_new(4), &args, NULL, set_leaf(NULL, 1, false), &t2, &w, &rd, NULL));
    if (t2) {
        CHECK_CLOSE(check_item(w), log(0.4) - log(0.6) - log_normal(0.5, 0, 1), 1e-13);
        gen_array *aw = NULL;
        CHECK_OK(gen_assess(f, &args, gen_trace_choices(t2), &aw, NULL));
        CHECK_CLOSE(check_item(aw), check_item(gen_trace_score(t2)), 1e-13);
    }
    /* regenerate the root's leaf choice: structure proposed from the prior, weight 0 */
    gen_selection *sel = gen_select_paths(1, (const char *[]){"0/production/leaf"});
    for (uint64_t s = 0; s < 6; s++) {
        CHECK_OK(gen_regenerate(tr, gen_key_new(10 + s), &args, NULL, sel, &t2, &w, &rd));
        if (t2) CHECK(check_item(w) == 0);
    }
}

/* n ~ N(0, 1); t = recurse(full)(n) */
static gen_status model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *n = gen_choose(ctx, "n", gen_normal(gen_scalar(0), gen_scalar(1)));
    gen_array *r = gen_call(ctx, "t", full(), &(gen_args){1, &n, NULL});
    *retval = gen_choose(ctx, "y", gen_normal(r ? r : gen_scalar(0), gen_scalar(1)));
    return gen_ctx_status(ctx);
}

static void test_laws(void) {
    gen_array *x = gen_scalar(0);
    gen_args args = {1, &x, NULL};
    CHECK_GFI_LAWS("recurse: full tree", full(), &args, 10, 8);
    CHECK_GFI_LAWS("recurse: grammar", grammar(), &args, 16, 0);
    gen_array *x1 = gen_scalar(1.5);
    gen_args args1 = {1, &x1, NULL};
    CHECK_GFI_LAWS("recurse: a small tree", full(), &args1, 6, 8);
    CHECK_GFI_LAWS("recurse in a model", gen_dynamic("model", model), NULL, 8, 0);
}

static gen_status prod_bad(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)ctx;
    double mode = 0;
    gen_item(args->v[0], &mode);
    gen_array *kids[3] = {args->v[0], args->v[0], args->v[0]};
    if (mode == 0) *retval = args->v[0];
    else if (mode == 1) *retval = pair(args->v[0], 3, kids);
    return GEN_OK;
}

static void test_errors(void) {
    gen_gf *f = full();
    gen_trace *tr = NULL;
    CHECK_ERROR(gen_simulate(f, gen_key_new(1), NULL, &tr), "recurse(prod, agg): generate: takes (root input) or (root input, root node id), got 0 arguments");
    gen_array *rv[2] = {gen_scalar(0), gen_scalar(1.0)};
    gen_args rargs = {2, rv, NULL};
    CHECK_ERROR(gen_simulate(f, gen_key_new(1), &rargs, &tr), "the root node id (argument 1) must be a 0-d i64 array >= 0");
    gen_array *x = gen_scalar(0);
    gen_args args = {1, &x, NULL};
    gen_addr bad = path("9/production/v"), bad2 = path("0/other");
    CHECK_ERROR(gen_generate(f, gen_key_new(1), &args, gen_choicemap_set(gen_choicemap_empty(), &bad, gen_scalar(0)), &tr, NULL),
                "recurse(prod, agg): generate: constraint at 9 is not a node's production or aggregation (7 nodes)");
    CHECK_ERROR(gen_generate(f, gen_key_new(1), &args, gen_choicemap_set(gen_choicemap_empty(), &bad2, gen_scalar(0)), &tr, NULL),
                "constraint at 0/other is not a node's production or aggregation");
    gen_addr inner = path("2/production/q");
    CHECK_ERROR(gen_generate(f, gen_key_new(1), &args, gen_choicemap_set(gen_choicemap_empty(), &inner, gen_scalar(0)), &tr, NULL),
                "recurse(prod, agg): 2: production: generate: constraint at q was not used by the model");
    gen_gf *b = gen_recurse(gen_dynamic("bad", prod_bad), gen_dynamic("agg", agg_plain), 2);
    CHECK_ERROR(gen_simulate(b, gen_key_new(1), &args, &tr),
                "recurse(bad, agg): 0: production: the return value must be a tuple (value, tuple of children's inputs), got f64[] 0");
    x = gen_scalar(1);
    CHECK_ERROR(gen_simulate(b, gen_key_new(1), &args, &tr), "recurse(bad, agg): 0: production: 3 children, more than max_branch 2");
    x = gen_scalar(2);
    CHECK_ERROR(gen_simulate(b, gen_key_new(1), &args, &tr), "got none");
    x = gen_scalar(0);
    CHECK_OK(gen_simulate(f, gen_key_new(1), &args, &tr));
    gen_array *rv2[2] = {x, gen_scalar_i64(1)};
    gen_trace *t2 = NULL;
    if (tr)
        CHECK_ERROR(gen_update(tr, gen_key_new(2), &(gen_args){2, rv2, NULL}, NULL, gen_choicemap_empty(), &t2, NULL, NULL, NULL),
                    "recurse(prod, agg): update: the root node id cannot change (0 -> 1)");
    CHECK(gen_recurse(NULL, f, 2) == NULL);
    CHECK_ERROR(gen_error_status(), "gen_recurse: the production kernel is NULL");
    CHECK(gen_recurse(f, f, 0) == NULL);
    CHECK_ERROR(gen_error_status(), "gen_recurse: max_branch must be >= 1, got 0");
}

int main(void) {
    RUN(test_full_tree);
    RUN(test_incremental);
    RUN(test_grammar);
    RUN(test_laws);
    RUN(test_errors);
    return check_finish();
}
