/* test_cc_module.c — gen_cc_module (genc/compile.h): a C file compiled into the cache and
 * loaded, its symbols found; the second load served from the cache (same object, its
 * mtime unchanged); a changed file or flag makes a new object; the compiler's messages
 * copied to opts->messages and its failure an error naming the file; a missing file and
 * a NULL symbol name are errors. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "tmpdir.h"

static char dir[128], src[256];

static void write_src(const char *text) {
    FILE *f = fopen(src, "w");
    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void test_load_and_cache(void) {
    write_src("int twice(int x) { return 2 * x + OFFSET; }\n");
    const char *flags[] = {"-O1", "-DOFFSET=1"};
    gen_cc_options o = {NULL, flags, 2, NULL, 0, NULL};
    gen_cc_module *m = NULL, *m2 = NULL, *m3 = NULL;
    CHECK_OK(gen_cc_module_load(src, &o, &m));
    CHECK(m && !gen_cc_module_cached(m));
    int (*twice)(int) = NULL;
    *(void **)&twice = gen_cc_module_symbol(m, "twice");
    CHECK(twice && twice(20) == 41);
    CHECK(gen_cc_module_symbol(m, "thrice") == NULL);
    CHECK(gen_cc_module_symbol(m, NULL) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_cc_module_symbol: the name is NULL");
    struct stat a, b;
    CHECK(stat(gen_cc_module_object(m), &a) == 0);
    CHECK_OK(gen_cc_module_load(src, &o, &m2));
    CHECK(m2 && gen_cc_module_cached(m2) && !strcmp(gen_cc_module_object(m), gen_cc_module_object(m2)));
    CHECK(stat(gen_cc_module_object(m2), &b) == 0 && a.st_mtim.tv_sec == b.st_mtim.tv_sec &&
          a.st_mtim.tv_nsec == b.st_mtim.tv_nsec);
    /* another flag: another object */
    flags[1] = "-DOFFSET=2";
    CHECK_OK(gen_cc_module_load(src, &o, &m3));
    CHECK(m3 && !gen_cc_module_cached(m3) && strcmp(gen_cc_module_object(m), gen_cc_module_object(m3)));
    *(void **)&twice = gen_cc_module_symbol(m3, "twice");
    CHECK(twice && twice(20) == 42);
    CHECK(tmpdir_count(dir, ".so") == 2);
    gen_cc_module_close(m);
    gen_cc_module_close(m2);
    gen_cc_module_close(m3);
}

static void test_errors(void) {
    gen_cc_module *m = (gen_cc_module *)&m;
    char missing[300];
    snprintf(missing, sizeof missing, "%s/missing.c", dir);
    CHECK(gen_cc_module_load(missing, NULL, &m) == GEN_ERR_VALUE && m == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "cannot read");
    write_src("int broken(void) { return 1 +; }\n");
    char log[300];
    snprintf(log, sizeof log, "%s/messages.txt", dir);
    FILE *f = fopen(log, "w+");
    gen_cc_options o = {NULL, NULL, 0, NULL, 0, f};
    CHECK(gen_cc_module_load(src, &o, &m) == GEN_ERR_VALUE && m == NULL);
    CHECK(strstr(gen_error_message(), "failed on") && strstr(gen_error_message(), "m.c"));
    CHECK_ERROR(GEN_ERR_VALUE, "the C compiler");
    char text[4096] = {0};
    rewind(f);
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    CHECK(n > 0 && strstr(text, "m.c:1") && strstr(text, "error"));
    gen_cc_options none = {"/nonexistent/cc", NULL, 0, NULL, 0, NULL};
    write_src("int ok(void) { return 1; }\n");
    CHECK(gen_cc_module_load(src, &none, &m) == GEN_ERR_UNSUPPORTED && m == NULL);
    CHECK_ERROR(GEN_ERR_UNSUPPORTED, "no C compiler");
    gen_cc_options bad = {NULL, NULL, -1, NULL, 0, NULL};
    CHECK(gen_cc_module_load(src, &bad, &m) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "n_flags");
}

int main(int argc, char **argv) {
    check_only = argc > 1 ? argv[1] : NULL;
    snprintf(dir, sizeof dir, "/tmp/genc-ccm-%d", (int)getpid());
    snprintf(src, sizeof src, "%s/m.c", dir);
    if (mkdir(dir, 0700) != 0) return 1;
    setenv("GENC_CACHE_DIR", dir, 1);
    RUN_ONLY(test_load_and_cache);
    RUN_ONLY(test_errors);
    tmpdir_remove(dir);
    return check_finish();
}
