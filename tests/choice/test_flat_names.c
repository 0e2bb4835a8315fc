/* test_flat_names.c — gen_choicemap_flat_names and gen_addr_format_elem: Stan's names
 * (1-based row-major indices after the formatted address), exactly the elements and the
 * order of gen_choicemap_flatten (nested maps, selections, skipped integer and masked
 * integer values, 0-d, 1-d, 2-d, empty values), each name read back to its value; the
 * errors (masked and batched float values, NULL arguments, bad shapes). */
#include <stdlib.h>
#include <string.h>

#include "check.h"

static gen_addr A(const char *s) {
    gen_addr a = {0};
    CHECK_OK(gen_addr_parse(&a, s));
    return a;
}

static void put(gen_choicemap_builder *b, const char *path, gen_array *v) {
    gen_addr a = A(path);
    CHECK_OK(gen_choicemap_builder_set(b, &a, v));
}

/* sigma (0-d), beta [3], L [2,2], obs/3/y [2] and obs/1/y (f32 0-d), with integer values
 * (obs/3/k, n) and an empty one (e) between them. */
static gen_choicemap *model_like(void) {
    gen_choicemap_builder *b = gen_choicemap_builder_new();
    put(b, "sigma", gen_scalar(0.5));
    put(b, "beta", gen_array_from_f64(GEN_DIMS(3), (double[]){1, 2, 3}));
    put(b, "L", gen_array_from_f64(GEN_DIMS(2, 2), (double[]){11, 12, 21, 22}));
    put(b, "obs/3/y", gen_array_from_f64(GEN_DIMS(2), (double[]){31, 32}));
    put(b, "obs/3/k", gen_scalar_i64(4));
    put(b, "obs/1/y", gen_scalar_f32(0.25f));
    put(b, "n", gen_array_from(GEN_I64, GEN_DIMS(2), (int64_t[]){1, 2}));
    put(b, "e", gen_zeros(GEN_F64, GEN_DIMS(0, 2)));
    gen_choicemap *m = gen_choicemap_builder_finish(b);
    gen_choicemap_builder_free(b);
    return m;
}

/* Reads name back independently of the library's naming: the address before '[', the
 * 1-based indices inside, the element of the map's value there. */
static double value_of_name(const gen_choicemap *m, const char *name) {
    char buf[256];
    snprintf(buf, sizeof buf, "%s", name);
    char *br = strchr(buf, '[');
    int64_t idx[8];
    int k = 0;
    if (br) {
        *br = '\0';
        for (char *p = br + 1; *p && *p != ']' && k < 8;) {
            idx[k++] = strtoll(p, &p, 10) - 1;
            if (*p == ',') p++;
        }
    }
    gen_addr a = A(buf);
    const gen_array *v = gen_choicemap_get_value(m, &a);
    if (!v || gen_array_ndim(v) != k) return -1e300;
    int64_t e = 0;
    for (int d = 0; d < k; d++) e = e * gen_array_shape(v)[d] + idx[d];
    double x[64];
    if (gen_array_size(v) > 64 || gen_array_copy_to(v, GEN_F64, x, sizeof x) != GEN_OK) return -1e300;
    return x[e];
}

/* names and flatten agree: the same count, and name i reads back flatten's element i. */
static void check_against_flatten(const gen_choicemap *m, const gen_selection *sel) {
    char **names = NULL;
    int64_t n = -1;
    CHECK_OK(gen_choicemap_flat_names(m, sel, &names, &n));
    gen_array *flat = gen_choicemap_flatten(m, sel);
    CHECK(flat && n == gen_array_size(flat) && n == gen_choicemap_flat_size(m, sel));
    if (!flat || !names || n != gen_array_size(flat)) return gen_names_free(names, n);
    const double *f = gen_array_data(flat);
    for (int64_t i = 0; i < n; i++)
        if (value_of_name(m, names[i]) != f[i]) check_fail(__FILE__, __LINE__, "%s is not element %lld", names[i], (long long)i);
    gen_names_free(names, n);
}

static void test_names(void) {
    gen_intern("sigma"), gen_intern("beta"), gen_intern("L"), gen_intern("obs"), gen_intern("y"),
        gen_intern("k"), gen_intern("n"), gen_intern("e");
    gen_choicemap *m = model_like();
    char **names = NULL;
    int64_t n = 0;
    CHECK_OK(gen_choicemap_flat_names(m, NULL, &names, &n));
    const char *want[] = {"sigma",   "beta[1]", "beta[2]", "beta[3]",    "L[1,1]",     "L[1,2]",
                          "L[2,1]",  "L[2,2]",  "obs/1/y", "obs/3/y[1]", "obs/3/y[2]"};
    CHECK(n == 11);
    for (int64_t i = 0; names && i < n && i < 11; i++)
        if (strcmp(names[i], want[i])) check_fail(__FILE__, __LINE__, "name %lld: %s, want %s", (long long)i, names[i], want[i]);
    gen_names_free(names, n);
    check_against_flatten(m, NULL);
    const char *p[] = {"obs", "L"};
    gen_selection *s = gen_select_paths(2, p);
    check_against_flatten(m, s);
    CHECK_OK(gen_choicemap_flat_names(m, s, &names, &n));
    CHECK(n == 7 && !strcmp(names[0], "L[1,1]") && !strcmp(names[4], "obs/1/y"));
    gen_names_free(names, n);
    check_against_flatten(m, gen_selection_complement(s));
    /* nothing selected, and the empty map: no names, an array to free all the same */
    CHECK_OK(gen_choicemap_flat_names(m, gen_select_none(), &names, &n));
    CHECK(n == 0 && names != NULL);
    gen_names_free(names, n);
    CHECK_OK(gen_choicemap_flat_names(gen_choicemap_empty(), NULL, &names, &n));
    CHECK(n == 0);
    gen_names_free(names, n);
    /* a value at the root (a distribution's choice map) */
    CHECK_OK(gen_choicemap_flat_names(gen_choicemap_of_value(gen_array_from_f64(GEN_DIMS(2), (double[]){1, 2})), NULL,
                                      &names, &n));
    CHECK(n == 2 && !strcmp(names[0], "[1]") && !strcmp(names[1], "[2]"));
    gen_names_free(names, n);
}

/* Masked integer values are skipped (as flatten skips them); a masked float value is an
 * error of both; a batched float value is an error of the names naming its address. */
static void test_masked_batched(void) {
    gen_addr k = A("k"), x = A("x");
    gen_array *mask = gen_array_from(GEN_BOOL, GEN_DIMS(2), (bool[]){true, false});
    gen_choicemap *m = gen_choicemap_set(gen_choicemap_empty(), &x, gen_array_from_f64(GEN_DIMS(2), (double[]){1, 2}));
    m = gen_choicemap_set_masked(m, &k, gen_batched(gen_array_from(GEN_I64, GEN_DIMS(2), (int64_t[]){3, 4})), mask);
    CHECK(gen_choicemap_count(m) == 2);
    check_against_flatten(m, NULL);
    char **names = NULL;
    int64_t n = -1;
    gen_choicemap *mf = gen_choicemap_set_masked(m, &k, gen_batched(gen_array_from_f64(GEN_DIMS(2), (double[]){3, 4})),
                                                 mask);
    CHECK_ERROR(gen_choicemap_flat_names(mf, NULL, &names, &n), "the value at k is masked");
    CHECK(names == NULL && n == 0);
    gen_addr y = A("obs/2/y");
    gen_choicemap *mb = gen_choicemap_set(m, &y, gen_batched(gen_zeros(GEN_F64, GEN_DIMS(4, 3))));
    CHECK_ERROR(gen_choicemap_flat_names(mb, NULL, &names, &n), "the value at obs/2/y is batched (a particle axis of 4)");
    CHECK(names == NULL && n == 0);
    CHECK_OK(gen_choicemap_flat_names(mb, gen_select_paths(1, (const char *[]){"x"}), &names, &n));
    CHECK(n == 2 && !strcmp(names[1], "x[2]"));
    gen_names_free(names, n);
}

static void test_format_elem(void) {
    gen_addr a = A("obs/3/y");
    char buf[64];
    CHECK(gen_addr_format_elem(&a, GEN_DIMS(2, 3), 5, buf, sizeof buf) == 12 && !strcmp(buf, "obs/3/y[2,3]"));
    CHECK(gen_addr_format_elem(&a, 0, NULL, 0, buf, sizeof buf) == 7 && !strcmp(buf, "obs/3/y"));
    /* snprintf's rule: the length needed, the text truncated and terminated */
    CHECK(gen_addr_format_elem(&a, GEN_DIMS(12), 10, buf, 10) == 11 && !strcmp(buf, "obs/3/y[1"));
    CHECK(gen_addr_format_elem(&a, GEN_DIMS(12), 10, NULL, 0) == 11);
    CHECK(gen_addr_format_elem(&a, GEN_DIMS(2, 3), 6, buf, sizeof buf) == -1);
    CHECK_ERROR(GEN_ERR_INDEX, "element 6 is out of range for 6 elements");
    CHECK(gen_addr_format_elem(&a, GEN_DIMS(2, -3), 0, buf, sizeof buf) == -1);
    CHECK_ERROR(GEN_ERR_VALUE, "dimension 1 is negative");
    CHECK(gen_addr_format_elem(NULL, GEN_DIMS(2), 0, buf, sizeof buf) == -1);
    CHECK_ERROR(GEN_ERR_MISUSE, "the address is NULL");
    char **names = NULL;
    int64_t n = 0;
    CHECK_ERROR(gen_choicemap_flat_names(gen_choicemap_empty(), NULL, NULL, &n), "the names output is NULL");
    CHECK_ERROR(gen_choicemap_flat_names(NULL, NULL, &names, &n), "is NULL");
    gen_names_free(NULL, 3); /* ignored */
}

int main(void) {
    RUN(test_names);
    RUN(test_masked_batched);
    RUN(test_format_elem);
    return check_finish();
}
