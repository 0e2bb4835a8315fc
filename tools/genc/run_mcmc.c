/* run_mcmc.c — the MCMC algorithms of `genc run`: nuts (gen_nuts_sample with Stan's
 * warm-up), and the kernels hmc (gen_kernel_hmc, fixed --step and --leapfrog), mh
 * (single-site: a cycle of gen_kernel_mh_select over each latent choice, resimulated
 * from the prior), gibbs (gen_kernel_gibbs on the discrete latents) and kernel (the
 * model's own), each run as chains by the tool's loop below: one thread per chain (at
 * most --threads), --warmup steps of burn-in, then --draws recorded steps, the draws read
 * at the summarized choices (discrete ones too), stopping at a Ctrl-C. A cycle of kernels
 * (mh's, or the model's own when gen_kernel_cycle made it) is stepped part by part as the
 * cycle steps it (gen_kernel_cycle_parts), so that each part's acceptance is counted: the
 * cycle itself accepts when some part did, and a Gibbs part always does. */
#include <pthread.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

const gen_selection *tool_latents(const tool_model *tm, const gen_trace *tr) {
    const gen_selection *l = gen_model_latents(tm->m);
    if (l) return l;
    (void)tr;
    const gen_choicemap *obs = gen_model_observations(tm->m);
    int64_t n = gen_choicemap_count(obs), k = 0;
    gen_addr *addrs = calloc((size_t)(n ? n : 1), sizeof *addrs);
    if (!addrs) return NULL;
    gen_choicemap_iter it;
    gen_choicemap_iter_init(&it, obs);
    while (gen_choicemap_iter_next(&it) && k < n) addrs[k++] = it.addr;
    gen_selection *sel = gen_selection_complement(k ? gen_select(k, addrs) : gen_select_none());
    free(addrs);
    return sel;
}

/* What the summary shows: the model's summary, else its latents, else NULL (every
 * unobserved choice). */
static const gen_selection *summary_sel(const tool_model *tm) {
    const gen_selection *s = gen_model_summary(tm->m);
    return s ? s : gen_model_latents(tm->m);
}

/* Chain c's initial trace: generate with the observations (key fold_in(k, c)). */
static bool init_traces(const tool_model *tm, gen_key k, int n, gen_trace **init) {
    for (int c = 0; c < n; c++) {
        if (gen_generate(gen_model_gf(tm->m), gen_key_fold_in(k, (uint64_t)c), gen_model_args(tm->m),
                         gen_model_observations(tm->m), &init[c], NULL) != GEN_OK) {
            fprintf(stderr, "genc: model '%s': the initial trace of chain %d: %s\n", tm->info->name, c,
                    gen_error_message());
            return false;
        }
    }
    return true;
}

/* ---- NUTS ---- */

static bool run_nuts(const tool_model *tm, const tool_opts *o, gen_key key, gen_trace **init, tool_result *r) {
    const gen_selection *lat = tool_latents(tm, init[0]);
    const gen_selection *rec = summary_sel(tm);
    if (!rec) rec = lat;
    if (!lat || !tool_cols_of(init[0], rec, gen_model_observations(tm->m), true, &r->cols)) {
        fprintf(stderr, "genc: %s\n", gen_error_message());
        return false;
    }
    if (!tool_result_alloc(r, o->chains, o->draws)) return false;
    gen_nuts_config cfg = gen_nuts_config_default(); /* the library's: nutpie's low-rank warm-up */
    if (o->adapt != GEN_ADAPT_DEFAULT || o->target_accept > 0) {
        cfg.adapt = o->adapt;
        cfg.target_accept = o->target_accept; /* 0: the schedule's own */
    }
    cfg.warmup = o->warmup;
    cfg.draws = o->draws;
    cfg.record = rec;
    cfg.progress = (gen_progress){tool_progress_fn, NULL};
    gen_nuts_result res = {0};
    tool_progress_start("nuts", o->chains, o->warmup + o->draws);
    gen_status st = gen_nuts_sample(key, o->chains, init, lat, &cfg, o->threads, &res);
    tool_progress_end();
    if (st != GEN_OK && st != GEN_CANCELLED) {
        fprintf(stderr, "genc: model '%s': nuts: %s\n", tm->info->name, gen_error_message());
        return false;
    }
    r->cancelled = st == GEN_CANCELLED;
    if (!res.draws) {
        fprintf(stderr, "genc: model '%s': nuts returned no draws: %s\n", tm->info->name, gen_error_message());
        return false;
    }
    int64_t dims = gen_array_ndim(res.draws) == 3 ? gen_array_shape(res.draws)[2] : -1;
    if (dims != r->cols.n) {
        fprintf(stderr, "genc: model '%s': nuts recorded %lld values per draw, the summary has %d columns\n",
                tm->info->name, (long long)dims, r->cols.n);
        return false;
    }
    size_t cells = (size_t)o->chains * (size_t)o->draws;
    int64_t rows = o->warmup + o->draws;
    double *stats = malloc((size_t)o->chains * (size_t)rows * GEN_NUTS_NSTATS * sizeof *stats);
    r->nuts_stats = malloc(cells * GEN_NUTS_NSTATS * sizeof *r->nuts_stats);
    if (!stats || !r->nuts_stats ||
        gen_array_copy_to(res.draws, GEN_F64, r->v, cells * (size_t)r->cols.n * sizeof *r->v) != GEN_OK ||
        gen_array_copy_to(res.draws_done, GEN_I64, r->done, (size_t)o->chains * sizeof *r->done) != GEN_OK ||
        gen_array_copy_to(res.stats, GEN_F64, stats, (size_t)o->chains * (size_t)rows * GEN_NUTS_NSTATS *
                                                         sizeof *stats) != GEN_OK) {
        free(stats);
        fprintf(stderr, "genc: reading the draws: %s\n", gen_error_message());
        return false;
    }
    double acc = 0;
    int64_t n_acc = 0;
    for (int c = 0; c < o->chains; c++)
        for (int64_t i = 0; i < o->draws; i++) {
            const double *s = stats + ((size_t)c * (size_t)rows + (size_t)(o->warmup + i)) * GEN_NUTS_NSTATS;
            memcpy(r->nuts_stats + ((size_t)c * (size_t)o->draws + (size_t)i) * GEN_NUTS_NSTATS, s,
                   GEN_NUTS_NSTATS * sizeof *s);
            if (i < r->done[c]) {
                acc += s[GEN_NUTS_ACCEPT_STAT];
                n_acc++;
                r->divergences += s[GEN_NUTS_DIVERGENT] != 0;
            }
        }
    free(stats);
    r->has_accept = r->has_div = true;
    r->accept = n_acc ? acc / (double)n_acc : 0;
    return true;
}

/* ---- chains of a kernel, the tool's loop ---- */

typedef struct chain_run {
    const tool_model *tm;
    const tool_opts *o;
    gen_kernel k;
    gen_key key;
    gen_trace **init;
    tool_result *r;
    gen_device device;
    atomic_int next;
    const gen_kernel_list *parts; /* the cycle's parts, or NULL: k stepped whole */
    int64_t *accepted, *steps;
    int64_t *part_acc; /* [chains][parts->n] */
    gen_status *st;
    char (*err)[1024];
} chain_run;

static void run_chain(chain_run *cr, int c) {
    const tool_opts *o = cr->o;
    int64_t total = o->warmup + o->draws;
    gen_key kc = gen_key_fold_in(cr->key, (uint64_t)c);
    gen_trace *tr = gen_trace_retain(cr->init[c]);
    if (!tool_progress_step(c, o->warmup > 0 ? "burn-in" : "sampling", 0, total)) total = 0;
    for (int64_t s = 0; s < total; s++) {
        gen_scope_begin();
        gen_trace *out = NULL;
        bool acc = false;
        gen_key ks = gen_key_fold_in(kc, (uint64_t)s);
        gen_status st = GEN_OK;
        if (cr->parts) { /* the cycle's step: part i with fold_in(ks, i), in this step's scope */
            const gen_trace *cur = tr;
            for (int i = 0; i < cr->parts->n && st == GEN_OK; i++) {
                gen_trace *next = NULL;
                bool a = false;
                st = gen_kernel_apply(cr->parts->kernels[i], gen_key_fold_in(ks, (uint64_t)i), cur, &next, &a);
                cr->part_acc[(size_t)c * (size_t)cr->parts->n + (size_t)i] += a;
                acc |= a;
                cur = next;
            }
            out = (gen_trace *)cur;
        } else {
            st = gen_kernel_apply(cr->k, ks, tr, &out, &acc);
        }
        if (st != GEN_OK) {
            cr->st[c] = st;
            snprintf(cr->err[c], sizeof cr->err[c], "chain %d: step %lld: %s", c, (long long)s, gen_error_message());
            gen_scope_end();
            break;
        }
        cr->steps[c]++;
        cr->accepted[c] += acc;
        if (s >= o->warmup) {
            tool_cols_read(&cr->r->cols, gen_trace_choices(out), tool_result_row(cr->r, c, s - o->warmup));
            cr->r->done[c]++;
        }
        gen_trace_retain(out);
        gen_scope_end();
        gen_trace_release(tr);
        tr = out;
        if (!tool_progress_step(c, s + 1 < o->warmup ? "burn-in" : "sampling", s + 1, total)) break;
    }
    gen_trace_release(tr);
}

static void *chain_worker(void *p) {
    chain_run *cr = p;
    if (cr->device != GEN_DEVICE_CPU) gen_device_set_default(cr->device);
    for (int c; (c = atomic_fetch_add(&cr->next, 1)) < cr->o->chains;) run_chain(cr, c);
    return NULL;
}

/* Appends the addresses a selection names to buf, joined by ", " (visited by
 * gen_selection_foreach_named); count says how many. */
typedef struct name_list {
    char *buf;
    size_t n, len;
    int count;
} name_list;

static gen_status add_name(void *ud, const gen_addr *addr) {
    name_list *l = ud;
    char a[256];
    gen_addr_format(addr, a, sizeof a);
    if (l->len < l->n) l->len += (size_t)snprintf(l->buf + l->len, l->n - l->len, "%s%s", l->count ? ", " : "", a);
    l->count++;
    return GEN_OK;
}

/* What part i of the model's cycle is and moves, for the ready-made kernels (their payload
 * structs are public: the selection they move): "gibbs on tau", "hmc on early, late",
 * "split/merge"; one of the model's own: "part <i+1>". */
static void part_name(gen_kernel k, int i, char *buf, size_t n) {
    const struct {
        gen_kernel_fn fn;
        const char *kind;
        size_t sel_offset; /* of the payload's selection, or (size_t)-1: none */
    } kinds[] = {
        {gen_kernel_mh_select(NULL).fn, "mh", offsetof(gen_mh_select_kernel, sel)},
        {gen_kernel_hmc(NULL).fn, "hmc", offsetof(gen_hmc_kernel, sel)},
        {gen_kernel_mala(NULL).fn, "mala", offsetof(gen_mala_kernel, sel)},
        {gen_kernel_gibbs(NULL).fn, "gibbs", offsetof(gen_gibbs_kernel, sel)},
        {gen_kernel_nuts(NULL).fn, "nuts", offsetof(gen_nuts_kernel, sel)},
        {gen_kernel_mh_proposal(NULL).fn, "mh with a proposal", (size_t)-1},
        {gen_kernel_split_merge(NULL).fn, "split/merge", (size_t)-1},
        {gen_kernel_birth_death(NULL).fn, "birth/death", (size_t)-1},
        {gen_kernel_involutive(NULL).fn, "involutive mh", (size_t)-1},
        {gen_kernel_elliptical_slice(NULL).fn, "elliptical slice", (size_t)-1},
    };
    snprintf(buf, n, "part %d", i + 1);
    for (size_t j = 0; j < sizeof kinds / sizeof *kinds; j++) {
        if (kinds[j].fn != k.fn) continue;
        name_list l = {buf, n, (size_t)snprintf(buf, n, "%s on ", kinds[j].kind), 0};
        const gen_selection *sel = NULL;
        if (k.payload && kinds[j].sel_offset != (size_t)-1)
            memcpy(&sel, (const char *)k.payload + kinds[j].sel_offset, sizeof sel);
        if (!sel || gen_selection_foreach_named(sel, add_name, &l) != GEN_OK || l.count == 0)
            snprintf(buf, n, "%s", kinds[j].kind); /* no selection, or one that names none */
        return;
    }
}

static bool run_kernel_chains(const tool_model *tm, const tool_opts *o, gen_kernel k, gen_key key, gen_trace **init,
                              const char *label, char (*names)[128], tool_result *r) {
    if (!tool_cols_of(init[0], summary_sel(tm), gen_model_observations(tm->m), false, &r->cols) ||
        !tool_result_alloc(r, o->chains, o->draws)) {
        fprintf(stderr, "genc: %s\n", gen_error_message());
        return false;
    }
    int n = o->chains, nt = o->threads > 0 && o->threads < n ? o->threads : n;
    const gen_kernel_list *parts = gen_kernel_cycle_parts(k);
    int np = parts && parts->n > 0 && parts->kernels ? parts->n : 0;
    chain_run cr = {tm, o, k, key, init, r, gen_device_default(), 0, np ? parts : NULL, calloc((size_t)n, sizeof(int64_t)),
                    calloc((size_t)n, sizeof(int64_t)), calloc((size_t)n * (size_t)(np ? np : 1), sizeof(int64_t)),
                    calloc((size_t)n, sizeof(gen_status)), calloc((size_t)n, sizeof *cr.err)};
    pthread_t *th = calloc((size_t)nt, sizeof *th);
    r->part_name = np ? calloc((size_t)np, sizeof *r->part_name) : NULL;
    r->part_accepted = np ? calloc((size_t)np, sizeof *r->part_accepted) : NULL;
    bool ok = cr.accepted && cr.steps && cr.part_acc && cr.st && cr.err && th && (!np || (r->part_name && r->part_accepted));
    tool_progress_start(label, n, o->warmup + o->draws);
    int started = 0;
    for (int t = 0; ok && t < nt; t++)
        if (pthread_create(&th[t], NULL, chain_worker, &cr) == 0) started++;
    if (ok && started == 0) chain_worker(&cr);
    for (int t = 0; t < started; t++) pthread_join(th[t], NULL);
    tool_progress_end();
    if (!ok) fprintf(stderr, "genc: out of memory\n");
    int64_t acc = 0, steps = 0;
    for (int c = 0; ok && c < n; c++) {
        acc += cr.accepted[c];
        steps += cr.steps[c];
        if (cr.st[c] != GEN_OK) {
            fprintf(stderr, "genc: model '%s': %s: %s\n", tm->info->name, label, cr.err[c]);
            ok = false;
        }
    }
    r->cancelled = tool_stop_requested();
    r->accept = steps ? (double)acc / (double)steps : 0;
    r->has_accept = np == 0;
    if (ok && np) {
        r->n_parts = np;
        r->part_steps = steps;
        for (int i = 0; i < np; i++) {
            if (names) snprintf(r->part_name[i], sizeof r->part_name[i], "%s", names[i]);
            else part_name(parts->kernels[i], i, r->part_name[i], sizeof r->part_name[i]);
            for (int c = 0; c < n; c++) r->part_accepted[i] += cr.part_acc[(size_t)c * (size_t)np + (size_t)i];
        }
    }
    free(cr.accepted);
    free(cr.part_acc);
    free(cr.steps);
    free(cr.st);
    free(cr.err);
    free(th);
    return ok;
}

/* The addresses of tr's choices in sel whose dtype is discrete (want_discrete) or not. */
static gen_addr *choices_in(const gen_trace *tr, const gen_selection *sel, bool want_discrete, bool any, int64_t *n) {
    int64_t cap = gen_choicemap_count(gen_trace_choices(tr)), k = 0;
    gen_addr *a = calloc((size_t)(cap ? cap : 1), sizeof *a);
    if (!a) return NULL;
    gen_choicemap_iter it;
    gen_choicemap_iter_init(&it, gen_trace_choices(tr));
    while (gen_choicemap_iter_next(&it) && k < cap) {
        gen_dtype d = gen_array_dtype(it.value);
        bool discrete = d != GEN_F64 && d != GEN_F32;
        if (gen_selection_contains(sel, &it.addr) && (any || discrete == want_discrete)) a[k++] = it.addr;
    }
    *n = k;
    return a;
}

bool tool_run_mcmc(const tool_model *tm, const tool_opts *o, const char *alg, tool_result *r) {
    gen_key keys[2];
    gen_key_split(gen_key_new(o->seed), 2, keys);
    gen_trace **init = calloc((size_t)o->chains, sizeof *init);
    if (!init) return false;
    bool ok = false;
    gen_scope_begin();
    if (!init_traces(tm, keys[0], o->chains, init)) goto done;
    if (!strcmp(alg, "nuts")) {
        ok = run_nuts(tm, o, keys[1], init, r);
        goto done;
    }
    const gen_selection *lat = tool_latents(tm, init[0]);
    if (!lat) {
        fprintf(stderr, "genc: %s\n", gen_error_message());
        goto done;
    }
    if (!strcmp(alg, "hmc")) {
        gen_hmc_kernel hk = {lat, o->step, o->leapfrog, NULL};
        ok = run_kernel_chains(tm, o, gen_kernel_hmc(&hk), keys[1], init, "hmc", NULL, r);
    } else if (!strcmp(alg, "kernel")) {
        gen_kernel k;
        if (!gen_model_kernel(tm->m, &k)) {
            fprintf(stderr, "genc: model '%s' declares no kernel (gen_model_set_kernel): choose another --algorithm\n",
                    tm->info->name);
            goto done;
        }
        ok = run_kernel_chains(tm, o, k, keys[1], init, "kernel", NULL, r);
    } else if (!strcmp(alg, "gibbs") || !strcmp(alg, "mh")) {
        bool gibbs = !strcmp(alg, "gibbs");
        int64_t n = 0;
        gen_addr *addrs = choices_in(init[0], lat, true, !gibbs, &n);
        if (!addrs || n == 0) {
            fprintf(stderr, "genc: model '%s' has no %s latent choices for %s\n", tm->info->name,
                    gibbs ? "discrete" : "", alg);
            free(addrs);
            goto done;
        }
        if (gibbs) {
            gen_gibbs_kernel gk = {gen_select(n, addrs), NULL};
            ok = gk.sel && run_kernel_chains(tm, o, gen_kernel_gibbs(&gk), keys[1], init, "gibbs", NULL, r);
        } else {
            /* single-site MH: one prior-resimulation move per latent choice, in turn */
            gen_mh_select_kernel *mk = calloc((size_t)n, sizeof *mk);
            gen_kernel *parts = calloc((size_t)n, sizeof *parts);
            char(*names)[128] = calloc((size_t)n, sizeof *names); /* each part by its choice */
            ok = mk && parts && names;
            for (int64_t i = 0; ok && i < n; i++) {
                mk[i].sel = gen_select(1, &addrs[i]);
                parts[i] = gen_kernel_mh_select(&mk[i]);
                gen_addr_format(&addrs[i], names[i], sizeof names[i]);
                ok = mk[i].sel != NULL;
            }
            gen_kernel_list list = {(int)n, parts, NULL};
            ok = ok && run_kernel_chains(tm, o, gen_kernel_cycle(&list), keys[1], init, "mh", names, r);
            free(mk);
            free(parts);
            free(names);
        }
        free(addrs);
    }
done:
    gen_scope_end();
    free(init);
    return ok;
}
