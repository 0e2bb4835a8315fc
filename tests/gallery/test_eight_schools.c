/* test_eight_schools.c — the gallery's eight schools (examples/gallery/eight_schools.c),
 * non-centered, sampled by NUTS with posteriordb's data file: the posterior means of mu,
 * tau and the eight effects theta[j] = mu + tau theta_trans[j] within 5 standard errors
 * (ours and the reference's) of posteriordb's reference posterior (reference.json: 10
 * Stan chains, 10,000 draws), and the sds within 5 of our MCSEs of the sd; the built-in
 * data is posteriordb's. */
#include <cjson/cJSON.h>

#include "../../examples/gallery/eight_schools.c"
#include "../../examples/posteriordb/posteriordb.h"
#include "gallery.h"

static const char *const POST = "eight_schools-eight_schools_noncentered";

/* The reference mean and sd of parameter name ("mu", "theta[3]"). */
static bool reference(const cJSON *ref, const char *name, double *mean, double *sd) {
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(ref, "params"), name);
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(p, "mean"), *s = cJSON_GetObjectItemCaseSensitive(p, "sd");
    if (!cJSON_IsNumber(m) || !cJSON_IsNumber(s)) return false;
    *mean = m->valuedouble, *sd = s->valuedouble;
    return true;
}

static void check_param(const cJSON *ref, const char *name, const double *x, int64_t chains, int64_t draws) {
    double mean = NAN, sd = NAN;
    CHECK(reference(ref, name, &mean, &sd));
    const double *ch[8];
    int64_t nd[8];
    for (int64_t c = 0; c < chains; c++) ch[c] = x + c * draws, nd[c] = draws;
    gen_summary s;
    CHECK_OK(gen_summarize(ch, chains, nd, NULL, 0, &s));
    printf("%-9s mean %7.3f (reference %7.3f)  sd %6.3f (reference %6.3f)  ess %5.0f\n", name, s.mean, mean, s.sd, sd,
           s.ess_bulk);
    if (gallery_quick) return;
    GALLERY_CHECK_MEAN(name, s, mean, sd / sqrt(10000.0));
    GALLERY_CHECK_SD(name, s, sd);
}

static void test_posteriordb_reference(void) {
    char buf[1024], path[1200];
    const char *dir = pdb_find_dir(__FILE__, buf, sizeof buf);
    if (!dir) {
        check_fail(__FILE__, __LINE__, "posteriordb not found (set GENC_POSTERIORDB)");
        return;
    }
    snprintf(path, sizeof path, "%s/%s/data.json", dir, POST);
    gen_model *m = gallery_model_from(&genc_model, path, true);
    cJSON *ref = pdb_read_json(dir, POST, "reference.json");
    CHECK(ref != NULL);
    if (!m || !ref) {
        gen_model_free(m);
        cJSON_Delete(ref);
        return;
    }
    int64_t chains = gallery_quick ? 1 : 4, warmup = gallery_quick ? 30 : 1000, draws = gallery_quick ? 20 : 2000;
    gen_nuts_result r = gallery_nuts(m, 8, (int)chains, warmup, draws);
    int64_t cmu = gallery_column(m, "mu", 0), ctau = gallery_column(m, "tau", 0), ctt[8];
    for (int j = 0; j < 8; j++) ctt[j] = gallery_column(m, "theta_trans", j);
    if (r.draws && cmu >= 0 && ctau >= 0) {
        int64_t D = gen_array_shape(r.draws)[2], n = chains * draws;
        const double *x = gen_array_data(r.draws);
        double *col = malloc((size_t)n * sizeof *col);
        for (int64_t i = 0; i < n; i++) col[i] = x[i * D + cmu];
        check_param(ref, "mu", col, chains, draws);
        for (int64_t i = 0; i < n; i++) col[i] = x[i * D + ctau];
        check_param(ref, "tau", col, chains, draws);
        for (int j = 0; j < 8; j++) {
            char name[32];
            snprintf(name, sizeof name, "theta[%d]", j + 1);
            for (int64_t i = 0; i < n; i++) col[i] = x[i * D + cmu] + x[i * D + ctau] * x[i * D + ctt[j]];
            check_param(ref, name, col, chains, draws);
        }
        free(col);
        /* divergent transitions after warm-up are rare on the non-centered form (Stan's
         * reference run has none): at most 1 in 1000 */
        const double *st = gen_array_data(r.stats);
        int64_t div = 0;
        for (int64_t c = 0; c < chains; c++)
            for (int64_t i = warmup; i < warmup + draws; i++)
                div += st[(c * (warmup + draws) + i) * GEN_NUTS_NSTATS + GEN_NUTS_DIVERGENT] != 0;
        printf("%lld divergent transitions after warm-up\n", (long long)div);
        CHECK(gallery_quick || div * 1000 <= chains * draws);
    }
    cJSON_Delete(ref);
    gen_model_free(m);
}

/* The built-in data is posteriordb's: the same observations and arguments. */
static void test_builtin_data(void) {
    char buf[1024], path[1200];
    const char *dir = pdb_find_dir(__FILE__, buf, sizeof buf);
    if (!dir) return;
    snprintf(path, sizeof path, "%s/%s/data.json", dir, POST);
    gen_model *a = gallery_model(&genc_model, NULL), *b = gallery_model_from(&genc_model, path, true);
    if (a && b) {
        gen_addr ya = {1, {gen_part_name("y")}};
        const gen_array *ay = gen_choicemap_find(gen_model_observations(a), &ya), *by = gen_choicemap_find(gen_model_observations(b), &ya);
        CHECK(ay && by && gen_array_size(ay) == 8 && gen_array_size(by) == 8);
        if (ay && by) CHECK_ARRAY(gen_cast(by, GEN_F64), gen_array_data(ay), 8, 0, 0);
        CHECK_ARRAY(gen_cast(gen_model_args(b)->v[0], GEN_F64), SCHOOLS_SIGMA, 8, 0, 0);
    }
    gen_model_free(a);
    gen_model_free(b);
    GALLERY_CHECK_BAD_DATA("{\"J\": 3, \"y\": [1, 2], \"sigma\": [1, 1]}", "y must hold J = 3 numbers");
}

int main(int argc, char **argv) {
    gallery_args(argc, argv);
    RUN(test_posteriordb_reference);
    RUN(test_builtin_data);
    return check_finish();
}
