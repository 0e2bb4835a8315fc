/* test_compile_pdb.c — compiled code against the eager path on the eight posteriordb
 * posteriors (examples/posteriordb/posteriordb.h): each must capture and compile, and its
 * compiled log density and gradient must equal the eager evaluation's (compilation
 * turned off) to 1e-12 relative, at the initial point and at random points around it. */
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "../../examples/posteriordb/posteriordb.h"

/* The eager and compiled values at theta; the gradient compared per coordinate,
 * relative to the largest component (a component that cancels to ~0 is compared to the
 * scale of the others). */
static void compare_at(gen_target *eager, gen_target *comp, const double *th, int64_t d, const char *name) {
    gen_scope_begin();
    gen_array *theta = gen_array_from(GEN_F64, 1, &d, th), *ge = NULL, *gc = NULL;
    double le = 0, lc = 0;
    gen_status se = gen_target_logpdf_grad(eager, theta, &le, &ge);
    gen_status sc = gen_target_logpdf_grad(comp, theta, &lc, &gc);
    CHECK(se == sc);
    if (se == GEN_OK && sc == GEN_OK) {
        if (!check_close_at(__FILE__, __LINE__, name, lc, le, 1e-12, 0)) printf("  %s: log density %.17g vs %.17g\n", name, lc, le);
        const double *a = gen_array_data(gc), *b = gen_array_data(ge);
        double scale = 0;
        for (int64_t i = 0; i < d; i++) scale = fmax(scale, fabs(b[i]));
        for (int64_t i = 0; i < d; i++)
            if (!check_close_at(__FILE__, __LINE__, name, a[i], b[i], 1e-12, 1e-12 * scale))
                printf("  %s: gradient %lld: %.17g vs %.17g\n", name, (long long)i, a[i], b[i]);
    }
    gen_scope_end();
}

static void test_posterior(int which, const char *dir) {
    gen_scope_begin();
    pdb_posterior p;
    CHECK(pdb_load(which, dir, &p));
    gen_gf *gf = NULL;
    gen_args args;
    gen_trace *tr = pdb_trace(&p, &gf, &args);
    CHECK(tr != NULL);
    gen_selection *sel = pdb_selection(&p);
    gen_set_compile(false);
    gen_target *eager = gen_target_new(tr, sel);
    gen_set_compile(true);
    gen_target *comp = gen_target_new(tr, sel);
    CHECK(eager && comp);
    CHECK(!gen_target_compiled(eager));
    printf("%-42s %s\n", p.name, gen_target_compile_note(comp));
    CHECK(gen_target_compiled(comp));
    int64_t d = gen_target_dim(comp);
    double *th = malloc((size_t)d * sizeof *th);
    gen_array_copy_to(gen_target_position(comp), GEN_F64, th, (size_t)d * sizeof *th);
    compare_at(eager, comp, th, d, p.name);
    gen_key key = gen_key_new(77 + (uint64_t)which);
    for (int r = 0; r < 5; r++) {
        int64_t one = d;
        gen_array *z = gen_random_normal(gen_key_fold_in(key, (uint64_t)r), GEN_F64, 1, &one);
        const double *zz = gen_array_data(z);
        double *pt = malloc((size_t)d * sizeof *pt);
        for (int64_t i = 0; i < d; i++) pt[i] = th[i] + 0.5 * zz[i];
        compare_at(eager, comp, pt, d, p.name);
        free(pt);
    }
    free(th);
    gen_target_free(eager);
    gen_target_free(comp);
    gen_scope_end(); /* the posterior's objects belong to the scope */
}

int main(void) {
    char buf[1000];
    const char *dir = pdb_find_dir(__FILE__, buf, sizeof buf);
    if (!dir) {
        printf("posteriordb not found: skipped\n");
        return 0;
    }
    for (int i = 0; i < 8; i++) test_posterior(i, dir);
    return check_finish();
}
