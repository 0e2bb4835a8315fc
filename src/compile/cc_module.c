/* cc_module.c — C files compiled with the system compiler and loaded (gen_cc_module of
 * genc/compile.h): the public face of cc_build.c for the genc tool's model files. The
 * object's hash covers the file's text, the compiler command, the arguments and the
 * library that loads it (its version, and the size and time of its file, found with
 * dladdr), so a rebuilt GenC recompiles models whose headers may have changed. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "genc/compile.h"
#include "../backend/disk_cache.h"
#include "../core/core.h"
#include "cc_build.h"

#define CC_MAX_WORDS 16

struct gen_cc_module {
    void *dl;
    char *object;
    size_t object_n;
    bool cached;
};

/* One compilation at a time in this process (other processes are kept apart by rename). */
static pthread_mutex_t cc_lock = PTHREAD_MUTEX_INITIALIZER;

/* The library's identity for the hash: version, file, size, modification time. */
static int library_identity(char *buf, size_t n) {
    Dl_info info;
    struct stat st;
    const char *file = "";
    long long size = 0, mtime = 0, mtime_ns = 0;
    if (dladdr((void *)(uintptr_t)gen_cc_module_load, &info) && info.dli_fname) file = info.dli_fname;
    if (*file && stat(file, &st) == 0) {
        size = (long long)st.st_size;
        mtime = (long long)st.st_mtim.tv_sec;
        mtime_ns = (long long)st.st_mtim.tv_nsec;
    }
    return snprintf(buf, n, "genc %s %s %lld %lld.%09lld", GENC_VERSION_STRING, file, size, mtime, mtime_ns);
}

/* The compiler command's words (split at spaces) into words, their text in buf. */
static int compiler_words(const char *cc, char *buf, size_t n, const char **words) {
    if (!cc || !*cc) cc = getenv("GENC_CC");
    if (!cc || !*cc) cc = getenv("CC");
    if (!cc || !*cc) cc = "cc";
    snprintf(buf, n, "%s", cc);
    int k = 0;
    for (char *p = strtok(buf, " \t"); p && k < CC_MAX_WORDS; p = strtok(NULL, " \t")) words[k++] = p;
    if (k == 0) words[k++] = "cc";
    return k;
}

static gen_status open_object(const char *so, bool cached, gen_cc_module **out) {
    void *dl = dlopen(so, RTLD_NOW | RTLD_LOCAL);
    if (!dl) return GEN_FAIL(GEN_ERR_VALUE, "gen_cc_module_load: cannot load %s: %s", so, dlerror());
    gen_cc_module *m = core_calloc(1, sizeof *m);
    size_t n = strlen(so) + 1;
    char *copy = m ? core_alloc(n) : NULL;
    if (!copy) {
        core_free(m, sizeof *m);
        dlclose(dl);
        return GEN_FAIL(GEN_ERR_OOM, "gen_cc_module_load: out of memory");
    }
    memcpy(copy, so, n);
    *m = (gen_cc_module){dl, copy, n, cached};
    *out = m;
    return GEN_OK;
}

static gen_status build_and_open(const char *path, const char *text, size_t text_n, const gen_cc_options *opts,
                                 gen_cc_module **out) {
    char ident[1400], ccbuf[512], so[1200], why[700];
    const char *cc[CC_MAX_WORDS];
    int n_cc = compiler_words(opts ? opts->cc : NULL, ccbuf, sizeof ccbuf, cc);
    int id_n = library_identity(ident, sizeof ident);
    int n_user = opts && opts->flags ? opts->n_flags : 0, n_flags = n_user + 2;
    const char **flags = core_calloc((size_t)n_flags, sizeof *flags);
    size_t key_n = text_n + 1 + (size_t)id_n;
    char *key = flags ? core_alloc(key_n) : NULL;
    if (!key) {
        core_free(flags, (size_t)n_flags * sizeof *flags);
        return GEN_FAIL(GEN_ERR_OOM, "gen_cc_module_load: out of memory");
    }
    flags[0] = "-shared";
    flags[1] = "-fPIC";
    for (int i = 0; i < n_user; i++) flags[2 + i] = opts->flags[i];
    memcpy(key, text, text_n);
    key[text_n] = 0;
    memcpy(key + text_n + 1, ident, (size_t)id_n);
    cg_cc_job job = {cc, n_cc, flags, n_flags, opts && opts->libs ? opts->libs : NULL, opts && opts->libs ? opts->n_libs : 0,
                     path, key, key_n, "cc"};
    gen_status st = GEN_OK;
    pthread_mutex_lock(&cc_lock);
    if (!cg_cc_object_path(&job, so, sizeof so, why, sizeof why)) {
        st = GEN_FAIL(GEN_ERR_VALUE, "gen_cc_module_load: %s", why);
    } else if (access(so, R_OK) == 0 && open_object(so, true, out) == GEN_OK) {
        /* from the cache */
    } else {
        gen_error_clear(); /* a cached object dlopen refused is compiled again */
        char *log = NULL;
        size_t log_n = 0;
        bool no_cc = false;
        bool ok = cg_cc_compile(&job, so, &log, &log_n, &no_cc, why, sizeof why);
        if (log && *log && opts && opts->messages) {
            fputs(log, opts->messages);
            fflush(opts->messages);
        }
        if (log) core_free(log, log_n);
        if (!ok) st = GEN_FAIL(no_cc ? GEN_ERR_UNSUPPORTED : GEN_ERR_VALUE, "gen_cc_module_load: %s", why);
        else st = open_object(so, false, out);
    }
    pthread_mutex_unlock(&cc_lock);
    core_free(key, key_n);
    core_free(flags, (size_t)n_flags * sizeof *flags);
    return st;
}

gen_status gen_cc_module_load(const char *path, const gen_cc_options *opts, gen_cc_module **out) {
    if (out) *out = NULL;
    if (!path) return GEN_FAIL(GEN_ERR_MISUSE, "gen_cc_module_load: the path is NULL");
    if (!out) return GEN_FAIL(GEN_ERR_MISUSE, "gen_cc_module_load: out is NULL");
    if (opts && ((opts->n_flags < 0 || (opts->n_flags > 0 && !opts->flags)) ||
                 (opts->n_libs < 0 || (opts->n_libs > 0 && !opts->libs))))
        return GEN_FAIL(GEN_ERR_VALUE, "gen_cc_module_load: n_flags and n_libs must be >= 0, with their arrays "
                                       "given when > 0 (got %d and %d)", opts->n_flags, opts->n_libs);
    FILE *f = fopen(path, "rb");
    if (!f) return GEN_FAIL(GEN_ERR_VALUE, "gen_cc_module_load: cannot read %s: %s", path, strerror(errno));
    fclose(f);
    size_t n = 0;
    char *text = backend_cache_read(path, &n); /* NULL for an empty file: the compiler says what is wrong */
    gen_status st = build_and_open(path, text ? text : "", text ? n : 0, opts, out);
    if (text) core_free(text, n);
    return st;
}

void *gen_cc_module_symbol(const gen_cc_module *m, const char *name) {
    if (!m) return NULL;
    if (!name) {
        GEN_FAIL(GEN_ERR_MISUSE, "gen_cc_module_symbol: the name is NULL");
        return NULL;
    }
    return dlsym(m->dl, name);
}

const char *gen_cc_module_object(const gen_cc_module *m) { return m ? m->object : NULL; }

bool gen_cc_module_cached(const gen_cc_module *m) { return m && m->cached; }

void gen_cc_module_close(gen_cc_module *m) {
    if (!m) return;
    dlclose(m->dl);
    core_free(m->object, m->object_n);
    core_free(m, sizeof *m);
}
