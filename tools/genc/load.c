/* load.c — a model file compiled against the library (gen_cc_module: cached by the hash
 * of its text, the compiler, the flags and the library), its genc_model found, its data
 * file read and its setup run. Errors name the file and what is wrong. */
#include <string.h>

#include "tool.h"

bool tool_model_load(const tool_paths *p, const char *path, const char *data, tool_model *tm) {
    memset(tm, 0, sizeof *tm);
    char inc[4200], libdir[4200], rpath[4300];
    snprintf(inc, sizeof inc, "-I%s", p->include_dir);
    snprintf(libdir, sizeof libdir, "-L%s", p->lib_dir);
    snprintf(rpath, sizeof rpath, "-Wl,-rpath,%s", p->lib_dir);
    const char *flags[] = {"-O2", "-g", "-Wall", inc};
    const char *libs[] = {libdir, rpath, "-lgenc", "-lm", "-Wl,--no-undefined"};
    gen_cc_options cc = {NULL, flags, 4, libs, 5, stderr};
    if (gen_cc_module_load(path, &cc, &tm->mod) != GEN_OK) {
        /* A failed compiler's message ends with the end of its output ("... failed on m.c
         * (exit status 1): <tail>", genc/compile.h), which went to stderr in full just
         * above: printed once, without the tail. */
        const char *msg = gen_error_message(), *st = strstr(msg, " (exit status "), *end = st ? strchr(st, ')') : NULL;
        if (end)
            fprintf(stderr, "genc: the model file %s could not be built: %.*s; its messages are above)\n", path,
                    (int)(end - msg), msg);
        else
            fprintf(stderr, "genc: the model file %s could not be built: %s\n", path, msg);
        return false;
    }
    tm->cached = gen_cc_module_cached(tm->mod);
    tm->info = gen_cc_module_symbol(tm->mod, "genc_model");
    if (!tm->info) {
        fprintf(stderr,
                "genc: %s registers no model: a model file ends with GEN_MODEL(\"name\", \"description\", setup); "
                "(genc/model.h)\n",
                path);
        tool_model_free(tm);
        return false;
    }
    if (tm->info->abi != GEN_MODEL_ABI || !tm->info->setup || !tm->info->name) {
        fprintf(stderr, "genc: %s: its genc_model is not one this genc reads (abi %d, this genc's %d%s)\n", path,
                tm->info->abi, GEN_MODEL_ABI, tm->info->setup ? "" : ", no setup function");
        tool_model_free(tm);
        return false;
    }
    if (data && gen_data_load(data, &tm->data) != GEN_OK) {
        fprintf(stderr, "genc: bad data file %s: %s\n", data, gen_error_message());
        tool_model_free(tm);
        return false;
    }
    if (!(tm->m = gen_model_new())) {
        fprintf(stderr, "genc: out of memory\n");
        tool_model_free(tm);
        return false;
    }
    gen_scope_begin();
    gen_status st = tm->info->setup(tm->m, tm->data);
    gen_scope_end();
    if (st != GEN_OK || !gen_model_gf(tm->m)) {
        if (st != GEN_OK)
            fprintf(stderr, "genc: model '%s' (%s): its setup failed%s%s: %s\n", tm->info->name, path,
                    data ? " with the data file " : "", data ? data : "", gen_error_message());
        else
            fprintf(stderr, "genc: model '%s' (%s): its setup declared no generative function "
                            "(gen_model_set_gf)\n", tm->info->name, path);
        tool_model_free(tm);
        return false;
    }
    return true;
}

void tool_model_free(tool_model *tm) {
    gen_model_free(tm->m);
    gen_data_free(tm->data);
    /* compiled targets hold the model's functions, whose code is in the module */
    gen_compile_cache_clear();
    gen_cc_module_close(tm->mod);
    memset(tm, 0, sizeof *tm);
}
