/* test_pvec.c — the persistent vector Unfold and Scan keep their steps in
 * (src/comb/comb_pvec.c: a 32-way trie with a tail leaf), against a plain array model:
 * appends across the leaf and level boundaries (32, 33, 1024, 1025, 32768 + 32), sets in
 * the trie and in the tail, truncations to every kind of length (into the tail, onto a
 * leaf boundary, into the trie, to 1 and 0), each old version unchanged afterwards
 * (persistence), and the references: every trace is released exactly when no version
 * holds it (valgrind and LeakSanitizer see the rest). */
#include <stdlib.h>

#include "../../src/comb/comb_int.h"
#include "../testutil/check.h"

enum { K = 7 }; /* distinct elements */
static gen_trace *elems[K];

static gen_status leaf_body(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    *retval = gen_choose(ctx, "x", gen_normal(gen_scalar(0), gen_scalar(1)));
    return gen_ctx_status(ctx);
}

/* v holds exactly model[0..n); names the first difference. */
static bool same(const comb_pvec *v, gen_trace *const *model, int64_t n, const char *what) {
    check_count++;
    if (comb_pvec_len(v) != n) {
        check_fail(__FILE__, __LINE__, "%s: length %lld, want %lld", what, (long long)comb_pvec_len(v), (long long)n);
        return false;
    }
    for (int64_t i = 0; i < n; i++)
        if (comb_pvec_get(v, i) != model[i]) {
            check_fail(__FILE__, __LINE__, "%s: element %lld differs", what, (long long)i);
            return false;
        }
    gen_trace **all = NULL;
    CHECK_OK(comb_pvec_gather(v, &all));
    bool ok = true;
    for (int64_t i = 0; all && i < n; i++) ok = ok && all[i] == model[i];
    if (all) core_free(all, (size_t)n * sizeof *all);
    CHECK(ok);
    return ok;
}

static void test_appends_and_sets(void) {
    enum { N = 32768 + 40 };
    gen_trace **model = malloc((N + 64) * sizeof *model); /* room to grow a truncation by 40 */
    comb_pvec *v = comb_pvec_new();
    comb_pvec *kept[8] = {0};
    int64_t kept_len[8], n_kept = 0;
    static const int64_t marks[8] = {1, 32, 33, 64, 1024, 1025, 1056, 32768 + 33};
    for (int64_t i = 0; v && i < N; i++) {
        model[i] = elems[(i * 5 + 3) % K];
        comb_pvec *w = comb_pvec_push(v, model[i]);
        comb_pvec_release(v);
        v = w;
        if (n_kept < 8 && i + 1 == marks[n_kept]) kept_len[n_kept] = i + 1, kept[n_kept++] = comb_pvec_retain(v);
        if (i + 1 == 33 || i + 1 == 1025 || i + 1 == 32768 + 33) CHECK(v && same(v, model, i + 1, "append"));
    }
    if (!v) {
        free(model);
        return;
    }
    CHECK(same(v, model, N, "all appended"));
    /* sets in the trie's first and inner leaves and in the tail; the old version stays */
    int64_t at[6] = {0, 31, 32, 1000, 32768 + 5, N - 1};
    for (int k = 0; k < 6; k++) {
        gen_trace *old = model[at[k]];
        model[at[k]] = elems[(k + 1) % K] == old ? elems[(k + 2) % K] : elems[(k + 1) % K];
        comb_pvec *w = comb_pvec_set(v, at[k], model[at[k]]);
        CHECK(w && same(w, model, N, "set"));
        model[at[k]] = old;
        CHECK(same(v, model, N, "the version before a set"));
        model[at[k]] = comb_pvec_get(w, at[k]);
        comb_pvec_release(v);
        v = w;
    }
    /* the versions kept along the way are as they were */
    gen_trace **orig = malloc(N * sizeof *orig);
    for (int64_t i = 0; i < N; i++) orig[i] = elems[(i * 5 + 3) % K];
    for (int k = 0; k < n_kept; k++) CHECK(same(kept[k], orig, kept_len[k], "an earlier version"));
    /* truncations: into the tail, onto leaf boundaries, into the trie, to 1 and 0; each
     * result then grows again (its tail and trie must be whole) */
    int64_t cuts[10] = {N - 3, 32768 + 32, 32768 + 31, 1057, 1025, 1024, 64, 33, 1, 0};
    for (int k = 0; k < 10; k++) {
        comb_pvec *t = comb_pvec_truncate(v, cuts[k]);
        CHECK(t && same(t, model, cuts[k], "truncated"));
        if (!t) continue;
        comb_pvec *g = t;
        for (int64_t j = 0; g && j < 40; j++) {
            model[cuts[k] + j] = elems[(j + k) % K]; /* model's tail is scratch here */
            comb_pvec *h = comb_pvec_push(g, model[cuts[k] + j]);
            comb_pvec_release(g);
            g = h;
        }
        CHECK(g && same(g, model, cuts[k] + 40, "truncated then grown"));
        comb_pvec_release(g);
        for (int64_t j = 0; j < 40 && cuts[k] + j < N; j++) model[cuts[k] + j] = comb_pvec_get(v, cuts[k] + j); /* back */
    }
    CHECK(same(v, model, N, "the version truncated"));
    for (int k = 0; k < n_kept; k++) comb_pvec_release(kept[k]);
    comb_pvec_release(v);
    free(orig);
    free(model);
}

/* Elements are retained once per version slot and released with the last version. */
static void test_references(void) {
    gen_scope_begin();
    gen_trace *t = NULL;
    CHECK_OK(gen_simulate(gen_dynamic("leaf", leaf_body), gen_key_new(9), NULL, &t));
    gen_trace *mine = gen_trace_retain(t);
    gen_scope_end(); /* mine is now the only reference */
    comb_pvec *v = comb_pvec_new();
    for (int i = 0; v && i < 70; i++) {
        comb_pvec *w = comb_pvec_push(v, mine);
        comb_pvec_release(v);
        v = w;
    }
    comb_pvec *cut = v ? comb_pvec_truncate(v, 40) : NULL;
    comb_pvec_release(v);
    CHECK(cut && comb_pvec_get(cut, 39) == mine);
    comb_pvec_release(cut);
    /* every version gone: one reference left, ours (a leak or an extra release shows
     * under valgrind and LeakSanitizer) */
    CHECK(gen_trace_batch_size(mine) == 0);
    gen_trace_release(mine);
}

int main(void) {
    gen_scope_begin();
    gen_gf *f = gen_dynamic("leaf", leaf_body);
    for (int k = 0; k < K; k++) CHECK_OK(gen_simulate(f, gen_key_new((uint64_t)k), NULL, &elems[k]));
    RUN(test_appends_and_sets);
    RUN(test_references);
    gen_scope_end();
    return check_finish();
}
