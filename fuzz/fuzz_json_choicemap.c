/* fuzz_json_choicemap.c — libFuzzer harness: choice maps read from JSON
 * (gen_choicemap_from_json), and what is done with one.
 *
 * The input up to its first NUL is the JSON text; bytes after the NUL, if any, choose a
 * failing allocator (allocation k fails, k from the next two bytes; every later one too
 * when the first of them is odd). A map that parses must:
 *   - hold well-formed values, each found again at its address (get_value, get_path with
 *     the formatted address, has_value), as many as gen_choicemap_count says;
 *   - round-trip: to_json -> from_json gives an equal map, and writing that one gives
 *     the same text;
 *   - flatten and unflatten back to an equal map (or fail cleanly: masked values);
 *   - split by a selection into restrict + restrict_complement with the counts adding up;
 *     merge with the empty map into an equal map, and not merge with itself;
 *   - serve as constraints of a small fixed model: generate (scalar and batched), then
 *     assess of the trace's choices gives the trace's score, and update.
 * Every failure must record an error with a message; nothing may stay allocated. */
#include "fuzz_common.h"
#include "genc/choice.h"
#include "genc/dsl.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static gen_gf *model_gf;

/* mu ~ normal(0, 1); sigma ~ exponential(1); y/i ~ normal(mu, sigma) for i < 3;
 * k ~ bernoulli(0.3), and z ~ normal(0, 1) when k; v ~ mvnormal(0, I) of 2. */
static gen_status model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *mu = gen_choose(ctx, "mu", gen_normal(gen_scalar(0), gen_scalar(1)));
    gen_array *sigma = gen_choose(ctx, "sigma", gen_exponential(gen_scalar(1)));
    gen_sym y = gen_intern("y");
    for (int i = 0; i < 3; i++) {
        gen_addr a;
        gen_part p[2] = {gen_part_sym(y), gen_part_int(i)};
        if (gen_addr_from(&a, 2, p) != GEN_OK) return gen_error_status();
        gen_choose_at(ctx, &a, gen_normal(mu, sigma));
    }
    gen_array *k = gen_choose(ctx, "k", gen_bernoulli(gen_scalar(0.3)));
    if (k && !gen_array_is_batched(k)) {
        int64_t on = 0;
        if (gen_item_i64(k, &on) == GEN_OK && on) gen_choose(ctx, "z", gen_normal(gen_scalar(0), gen_scalar(1)));
    }
    gen_choose(ctx, "v", gen_mvnormal(gen_zeros(GEN_F64, GEN_DIMS(2)), gen_eye(2, GEN_F64)));
    *retval = mu;
    return gen_ctx_status(ctx);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    fz_init();
    gen_set_allocator(NULL, NULL); /* the model outlives every input: default allocator */
    model_gf = gen_dynamic("fuzz_model", model);
    gen_error_clear();
    gen_set_allocator(fz_alloc_fn, &fz_mem);
    return 0;
}

/* The values are as they claim, and each is found again at its address. */
static void check_values(const gen_choicemap *m) {
    gen_choicemap_iter it;
    gen_choicemap_iter_init(&it, m);
    int64_t n = 0;
    while (gen_choicemap_iter_next(&it)) {
        n++;
        fz_check_array("choicemap value", it.value);
        FZ_CHECK(gen_choicemap_find(m, &it.addr) == it.value, "find gives another value");
        FZ_CHECK(gen_choicemap_has_value(m, &it.addr), "has_value is false at a value");
        char buf[4 * GEN_ADDR_FORMAT_MAX];
        int len = gen_addr_format(&it.addr, buf, sizeof buf);
        if (len < (int)sizeof buf) {
            gen_error_clear();
            const gen_array *v = gen_choicemap_get_path(m, buf);
            if (!v) fz_check_failure("gen_choicemap_get_path", GEN_OK); /* out of memory parsing */
            else FZ_CHECK(v == it.value, "get_path(\"%s\") gives another value", buf);
        }
    }
    FZ_CHECK(n == gen_choicemap_count(m), "%lld values iterated, count says %lld", (long long)n,
             (long long)gen_choicemap_count(m));
}

static void round_trip(const gen_choicemap *m) {
    gen_error_clear();
    char *s1 = gen_choicemap_to_json(m);
    if (!s1) {
        fz_check_failure("gen_choicemap_to_json", GEN_OK);
        return;
    }
    gen_choicemap *m2 = gen_choicemap_from_json(s1);
    if (!m2) {
        fz_check_failure("gen_choicemap_from_json (written text)", GEN_OK);
        FZ_CHECK(gen_error_status() == GEN_ERR_OOM, "GenC cannot read what it wrote: %s", s1);
    } else {
        FZ_CHECK(gen_choicemap_equal(m, m2), "the map read back differs: %s", s1);
        char *s2 = gen_choicemap_to_json(m2);
        if (!s2) fz_check_failure("gen_choicemap_to_json (2)", GEN_OK);
        else FZ_CHECK(strcmp(s1, s2) == 0, "written twice differently:\n%s\n%s", s1, s2);
        gen_choicemap_json_free(s2);
    }
    gen_choicemap_json_free(s1);
}

static void flatten(const gen_choicemap *m) {
    gen_error_clear();
    int64_t n = gen_choicemap_flat_size(m, NULL);
    gen_array *flat = gen_choicemap_flatten(m, NULL);
    if (!flat) {
        fz_check_failure("gen_choicemap_flatten", GEN_OK);
        return;
    }
    fz_check_array("gen_choicemap_flatten", flat);
    FZ_CHECK(gen_array_ndim(flat) == 1 && gen_array_size(flat) == n,
             "flatten gives %lld elements, flat_size %lld", (long long)gen_array_size(flat), (long long)n);
    gen_choicemap *back = gen_choicemap_unflatten(m, NULL, flat);
    if (!back) fz_check_failure("gen_choicemap_unflatten", GEN_OK);
    else FZ_CHECK(gen_choicemap_equal(m, back), "unflatten(flatten(m)) differs from m");
}

static void split(const gen_choicemap *m) {
    gen_choicemap_iter it;
    gen_choicemap_iter_init(&it, m);
    if (!gen_choicemap_iter_next(&it)) return;
    gen_error_clear();
    gen_selection *s = gen_select(1, &it.addr);
    if (!s) {
        fz_check_failure("gen_select", GEN_OK);
        return;
    }
    FZ_CHECK(gen_selection_contains(s, &it.addr), "a selection lacks its own address");
    gen_choicemap *in = gen_choicemap_restrict(m, s), *out = gen_choicemap_restrict_complement(m, s);
    if (!in || !out) {
        fz_check_failure("gen_choicemap_restrict", GEN_OK);
        return;
    }
    FZ_CHECK(gen_choicemap_count(in) + gen_choicemap_count(out) == gen_choicemap_count(m),
             "restrict %lld + complement %lld != %lld", (long long)gen_choicemap_count(in),
             (long long)gen_choicemap_count(out), (long long)gen_choicemap_count(m));
    gen_choicemap *both = gen_choicemap_merge(in, out);
    if (!both) fz_check_failure("gen_choicemap_merge", GEN_OK);
    else FZ_CHECK(gen_choicemap_equal(both, m), "restrict merged with complement differs from m");
    gen_error_clear();
    gen_choicemap *e = gen_choicemap_merge(m, gen_choicemap_empty());
    if (!e) fz_check_failure("gen_choicemap_merge (empty)", GEN_OK);
    else FZ_CHECK(gen_choicemap_equal(e, m), "merge with the empty map differs");
    gen_error_clear();
    gen_choicemap *self = gen_choicemap_merge(m, m);
    FZ_CHECK(!self, "a non-empty map merges with itself");
    fz_check_failure("gen_choicemap_merge (itself)", GEN_OK);
    for (int64_t i = -1; i < 3; i++) {
        gen_error_clear();
        gen_choicemap *p = gen_choicemap_particle(m, i);
        if (!p) fz_check_failure("gen_choicemap_particle", GEN_OK);
        else check_values(p);
    }
}

static void use_as_constraints(const gen_choicemap *m) {
    gen_key key = gen_key_new(7);
    gen_trace *tr = NULL;
    gen_array *w = NULL;
    gen_error_clear();
    gen_status s = gen_generate(model_gf, key, NULL, m, &tr, &w);
    if (s != GEN_OK) {
        fz_check_failure("gen_generate", s);
        FZ_CHECK(!tr && !w, "gen_generate failed but set its outputs");
    } else {
        fz_check_array("gen_generate weight", w);
        FZ_CHECK(gen_array_ndim(w) == 0, "gen_generate: weight of %d dims", gen_array_ndim(w));
        gen_array *aw = NULL;
        gen_error_clear();
        s = gen_assess(model_gf, NULL, gen_trace_choices(tr), &aw, NULL);
        if (s != GEN_OK) fz_check_failure("gen_assess", s);
        else {
            double a = 0, b = 0;
            FZ_CHECK(gen_item(aw, &a) == GEN_OK && gen_item(gen_trace_score(tr), &b) == GEN_OK, "item");
            FZ_CHECK(a == b || (isnan(a) && isnan(b)) || fabs(a - b) <= 1e-9 * fabs(b),
                     "assess of a trace's choices %.17g, its score %.17g", a, b);
        }
        gen_trace *t2 = NULL;
        gen_array *uw = NULL;
        gen_choicemap *discard = NULL;
        gen_error_clear();
        s = gen_update(tr, gen_key_fold_in(key, 1), NULL, NULL, m, &t2, &uw, NULL, &discard);
        if (s != GEN_OK) fz_check_failure("gen_update", s);
    }
    tr = NULL;
    w = NULL;
    gen_error_clear();
    s = gen_generate_batched(model_gf, key, 3, NULL, m, &tr, &w);
    if (s != GEN_OK) fz_check_failure("gen_generate_batched", s);
    else {
        fz_check_array("gen_generate_batched weight", w);
        FZ_CHECK(gen_array_ndim(w) == 1 && gen_array_shape(w)[0] == 3, "batched weight not [3]");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const uint8_t *nul = memchr(data, 0, size);
    size_t len = nul ? (size_t)(nul - data) : size;
    char *text = malloc(len + 1);
    memcpy(text, data, len);
    text[len] = 0;
    fz_alloc_reset();
    if (nul) {
        fz_in tail = {nul + 1, size - len - 1, 0};
        uint8_t how = fz_u8(&tail);
        fz_mem.fail_at = fz_u16(&tail) % 2048;
        fz_mem.fail_after = how & 1;
    }
    gen_error_clear();
    FZ_CHECK(gen_scope_begin() == GEN_OK, "gen_scope_begin");
    gen_choicemap *m = gen_choicemap_from_json(text);
    if (!m) fz_check_failure("gen_choicemap_from_json", GEN_OK);
    else {
        check_values(m);
        round_trip(m);
        flatten(m);
        split(m);
        use_as_constraints(m);
    }
    FZ_CHECK(gen_scope_end() == GEN_OK, "gen_scope_end");
    free(text);
    fz_check_still_works("fuzz_json_choicemap");
    fz_forget_symbols();
    return 0;
}
