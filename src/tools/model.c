/* model.c — the model a model file declares for the genc tool (genc/model.h): a holder
 * of references (the function, its arguments, the observations, selections, a kernel,
 * the sequential steps) with defaults, and nothing else. */
#include <string.h>

#include "../core/core.h"
#include "genc/model.h"

struct gen_model {
    gen_gf *gf;
    gen_array *argv[GEN_MODEL_MAX_ARGS];
    gen_args args;
    gen_choicemap *obs;
    gen_selection *latents, *summary;
    char algorithm[64];
    bool has_kernel;
    gen_kernel kernel;
    void (*free_kernel)(void *);
    int64_t steps;
    gen_model_step_fn step;
    void *step_payload;
    void (*free_steps)(void *);
    bool has_reference;
    char reference_what[64];
    double reference;
};

gen_model *gen_model_new(void) {
    gen_model *m = core_alloc(sizeof *m);
    if (!m) return NULL;
    memset(m, 0, sizeof *m);
    m->args.v = m->argv;
    m->obs = gen_choicemap_empty();
    strcpy(m->algorithm, "nuts");
    return m;
}

static void drop_kernel(gen_model *m) {
    if (m->has_kernel && m->free_kernel) m->free_kernel(m->kernel.payload);
    m->has_kernel = false;
}

static void drop_steps(gen_model *m) {
    if (m->steps && m->free_steps) m->free_steps(m->step_payload);
    m->steps = 0;
}

void gen_model_free(gen_model *m) {
    if (!m) return;
    gen_gf_release(m->gf);
    for (int i = 0; i < m->args.n; i++) gen_array_release(m->argv[i]);
    gen_choicemap_release(m->obs);
    gen_selection_release(m->latents);
    gen_selection_release(m->summary);
    drop_kernel(m);
    drop_steps(m);
    core_free(m, sizeof *m);
}

static gen_status null_arg(const char *fn, const char *what) {
    return GEN_FAIL(GEN_ERR_MISUSE, "%s: the %s is NULL", fn, what);
}

gen_status gen_model_set_gf(gen_model *m, const gen_gf *f, const gen_args *args) {
    const char *fn = "gen_model_set_gf";
    if (!m) return null_arg(fn, "model");
    if (!f) return null_arg(fn, "generative function");
    int n = args ? args->n : 0;
    if (n < 0 || n > GEN_MODEL_MAX_ARGS)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: %d arguments (at most %d)", fn, n, GEN_MODEL_MAX_ARGS);
    for (int i = 0; i < n; i++)
        if (!args->v || !args->v[i]) return GEN_FAIL(GEN_ERR_MISUSE, "%s: argument %d is NULL", fn, i);
    gen_array *keep[GEN_MODEL_MAX_ARGS];
    for (int i = 0; i < n; i++) keep[i] = gen_array_retain(args->v[i]);
    gen_gf *g = gen_gf_retain((gen_gf *)f);
    for (int i = 0; i < m->args.n; i++) gen_array_release(m->argv[i]);
    gen_gf_release(m->gf);
    m->gf = g;
    for (int i = 0; i < n; i++) m->argv[i] = keep[i];
    m->args.n = n;
    m->args.user = args ? args->user : NULL;
    return GEN_OK;
}

gen_status gen_model_set_observations(gen_model *m, const gen_choicemap *obs) {
    if (!m) return null_arg("gen_model_set_observations", "model");
    if (!obs) return null_arg("gen_model_set_observations", "observation map");
    gen_choicemap *o = gen_choicemap_retain((gen_choicemap *)obs);
    gen_choicemap_release(m->obs);
    m->obs = o;
    return GEN_OK;
}

static gen_status set_selection(const char *fn, gen_model *m, gen_selection **slot, const gen_selection *sel) {
    if (!m) return null_arg(fn, "model");
    if (!sel) return null_arg(fn, "selection");
    gen_selection *s = gen_selection_retain((gen_selection *)sel);
    gen_selection_release(*slot);
    *slot = s;
    return GEN_OK;
}

gen_status gen_model_set_latents(gen_model *m, const gen_selection *sel) {
    return set_selection("gen_model_set_latents", m, m ? &m->latents : NULL, sel);
}

gen_status gen_model_set_summary(gen_model *m, const gen_selection *sel) {
    return set_selection("gen_model_set_summary", m, m ? &m->summary : NULL, sel);
}

/* name into a 64-byte slot */
static gen_status copy_name(const char *fn, char *slot, const char *name) {
    if (strlen(name) >= 64) return GEN_FAIL(GEN_ERR_VALUE, "%s: the name is longer than 63 characters", fn);
    strcpy(slot, name);
    return GEN_OK;
}

gen_status gen_model_set_algorithm(gen_model *m, const char *name) {
    const char *fn = "gen_model_set_algorithm";
    if (!m) return null_arg(fn, "model");
    if (!name) return null_arg(fn, "name");
    return copy_name(fn, m->algorithm, name);
}

gen_status gen_model_set_kernel(gen_model *m, gen_kernel k, void (*free_payload)(void *)) {
    const char *fn = "gen_model_set_kernel";
    if (!m) return null_arg(fn, "model");
    if (!k.fn) return null_arg(fn, "kernel's function");
    drop_kernel(m);
    m->kernel = k;
    m->free_kernel = free_payload;
    m->has_kernel = true;
    return GEN_OK;
}

gen_status gen_model_set_smc(gen_model *m, int64_t steps, gen_model_step_fn step, void *payload,
                             void (*free_payload)(void *)) {
    const char *fn = "gen_model_set_smc";
    if (!m) return null_arg(fn, "model");
    if (!step) return null_arg(fn, "step callback");
    if (steps < 1) return GEN_FAIL(GEN_ERR_VALUE, "%s: steps must be >= 1, got %lld", fn, (long long)steps);
    drop_steps(m);
    m->steps = steps;
    m->step = step;
    m->step_payload = payload;
    m->free_steps = free_payload;
    return GEN_OK;
}

gen_status gen_model_set_reference(gen_model *m, const char *what, double value) {
    const char *fn = "gen_model_set_reference";
    if (!m) return null_arg(fn, "model");
    if (!what) return null_arg(fn, "description");
    gen_status s = copy_name(fn, m->reference_what, what);
    if (s != GEN_OK) return s;
    m->reference = value;
    m->has_reference = true;
    return GEN_OK;
}

const gen_gf *gen_model_gf(const gen_model *m) { return m ? m->gf : NULL; }
const gen_args *gen_model_args(const gen_model *m) { return m ? &m->args : NULL; }
const gen_choicemap *gen_model_observations(const gen_model *m) { return m ? m->obs : NULL; }
const gen_selection *gen_model_latents(const gen_model *m) { return m ? m->latents : NULL; }
const char *gen_model_algorithm(const gen_model *m) { return m ? m->algorithm : NULL; }

bool gen_model_kernel(const gen_model *m, gen_kernel *k) {
    if (!m || !m->has_kernel) return false;
    if (k) *k = m->kernel;
    return true;
}

int64_t gen_model_smc(const gen_model *m, gen_model_step_fn *step, void **payload) {
    if (!m || !m->steps) return 0;
    if (step) *step = m->step;
    if (payload) *payload = m->step_payload;
    return m->steps;
}

const gen_selection *gen_model_summary(const gen_model *m) { return m ? m->summary : NULL; }

bool gen_model_reference(const gen_model *m, const char **what, double *value) {
    if (!m || !m->has_reference) return false;
    if (what) *what = m->reference_what;
    if (value) *value = m->reference;
    return true;
}
