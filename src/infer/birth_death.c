/* birth_death.c — the reversible-jump birth/death move, built on involutive MCMC: for a
 * model with a count choice K and components under components/0 .. components/K-1, a
 * birth adds components/K (its choices proposed by a user generative function) and a
 * death removes components/K-1. */
#include "genc/dsl.h"
#include "kernels_int.h"

static const char *FN = "gen_mh_birth_death";

/* The proposal reads the configuration as its payload (gen_ctx_payload) and the trace as args->user. */

static gen_status read_count(const gen_birth_death *bd, const gen_choicemap *m, int64_t *k) {
    return infer_read_count(FN, m, &bd->count, bd->min_count, bd->max_count, k);
}

static double p_birth(const gen_birth_death *bd, int64_t k) { return infer_p_grow(k, bd->min_count, bd->max_count); }

/* birth ~ bernoulli(p_birth(K)); on a birth, new ~ the component proposal. */
static gen_status bd_proposal(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)retval;
    const gen_birth_death *bd = gen_ctx_payload(ctx);
    int64_t k = 0;
    gen_status s = read_count(bd, gen_trace_choices(args->user), &k);
    if (s != GEN_OK) return s;
    gen_array *b = gen_choose(ctx, "birth", gen_bernoulli(gen_scalar(p_birth(bd, k))));
    int64_t birth = 0;
    if (b && gen_item_i64(b, &birth) == GEN_OK && birth) {
        gen_args a = {0, NULL, args->user};
        gen_call(ctx, "new", bd->component_proposal, &a);
    }
    return gen_ctx_status(ctx);
}

static gen_status component_addr(const gen_birth_death *bd, int64_t j, gen_addr *a) {
    *a = bd->components;
    return gen_addr_push(a, gen_part_int(j));
}

/* birth: (K, new) -> (K + 1, components/K = new), backward birth = false;
 * death: K -> K - 1 (dropping components/K-1), backward birth = true, new = it. */
static gen_status bd_involution(void *ud, const gen_args *margs, const gen_choicemap *model,
                                const gen_choicemap *aux, const gen_array *ret,
                                gen_choicemap **nm, gen_choicemap **bwd) {
    (void)margs, (void)ret;
    const gen_birth_death *bd = ud;
    int64_t k = 0, birth = 0;
    gen_addr ba = {1, {gen_part_name("birth")}}, na = {1, {gen_part_name("new")}}, ca;
    gen_status s = read_count(bd, model, &k);
    if (s == GEN_OK) s = gen_item_i64(gen_choicemap_get_value(aux, &ba), &birth);
    if (s == GEN_OK) s = component_addr(bd, birth ? k : k - 1, &ca);
    if (s != GEN_OK) return s;
    gen_choicemap *m = gen_choicemap_set(gen_choicemap_empty(), &bd->count, gen_scalar_i64(birth ? k + 1 : k - 1));
    gen_choicemap *b = gen_choicemap_set(gen_choicemap_empty(), &ba, gen_scalar_bool(!birth));
    if (birth) m = gen_choicemap_set_submap(m, &ca, gen_choicemap_get_submap(aux, &na));
    else b = gen_choicemap_set_submap(b, &na, gen_choicemap_get_submap(model, &ca));
    *nm = m;
    *bwd = b;
    return m && b ? GEN_OK : infer_pending();
}

gen_status gen_mh_birth_death(const gen_trace *tr, gen_key key, const gen_birth_death *bd,
                              bool check, gen_trace **out, bool *accepted) {
    if (out) *out = NULL;
    if (!bd) return infer_null(FN, "the configuration");
    if (!bd->component_proposal) return infer_null(FN, "the component proposal");
    if (bd->min_count < 0 || bd->max_count <= bd->min_count)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: needs 0 <= min_count < max_count (got %lld, %lld)", FN,
                        (long long)bd->min_count, (long long)bd->max_count);
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    gen_gf *q = gen_dynamic_with("birth_death_proposal", bd_proposal, (void *)bd, NULL);
    s = q ? gen_mh_involutive(tr, key, q, NULL, (gen_involution){bd_involution, (void *)bd}, check, out, accepted)
          : infer_pending();
    if (s == GEN_OK && !(*out = gen_trace_scope_return(*out))) s = infer_pending();
    gen_scope_end();
    return s;
}

static gen_status bd_fn(void *p, gen_key key, const gen_trace *tr, gen_trace **out, bool *acc) {
    if (CORE_UNLIKELY(!p)) return infer_kernel_null("birth_death", NULL);
    const gen_birth_death_kernel *k = p;
    return gen_mh_birth_death(tr, key, &k->config, k->check, out, acc);
}

gen_kernel gen_kernel_birth_death(gen_birth_death_kernel *k) { return (gen_kernel){.fn = bd_fn, .payload = k}; }
