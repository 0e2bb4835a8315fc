/* jit_c.c — the C target: the generated source goes through the system C compiler into
 * a shared object in the cache folder, named by a hash of the source and the compiler
 * command, and is loaded with dlopen. Why this and not libgccjit or an embedded
 * compiler: docs/compile.md (measured there). The cache folder is $GENC_CACHE_DIR, else
 * $XDG_CACHE_HOME/genc, else $HOME/.cache/genc, else /tmp/genc-<uid>; files appear by
 * rename, so concurrent processes never load a half-written object. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../core/core.h"
#include "cc_build.h"
#include "jit.h"

struct cg_module {
    void *dl;
    cg_main_fn main;
};

static pthread_mutex_t jit_lock = PTHREAD_MUTEX_INITIALIZER;
static cg_jit_stats counters;

cg_jit_stats cg_jit_counters(void) {
    pthread_mutex_lock(&jit_lock);
    cg_jit_stats s = counters;
    pthread_mutex_unlock(&jit_lock);
    return s;
}

/* Flags that keep IEEE semantics exactly as the library's own build has them: no fast
 * math, no contraction into fused multiply-adds (the eager kernels round each step). */
static const char *const cc_flags[] = {"-O2", "-fPIC", "-shared", "-fno-math-errno", "-ffp-contract=off", "-w"};

static const char *compiler(void) {
    const char *cc = getenv("GENC_CC");
    return cc && *cc ? cc : "cc";
}

static bool write_file(const char *path, const char *s, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f) return false;
    bool ok = fwrite(s, 1, n, f) == n;
    return fclose(f) == 0 && ok;
}

static cg_module *load(const char *so_path, char *why, size_t why_n) {
    void *dl = dlopen(so_path, RTLD_NOW | RTLD_LOCAL);
    if (!dl) {
        snprintf(why, why_n, "dlopen %s: %s", so_path, dlerror());
        return NULL;
    }
    cg_main_fn f;
    *(void **)&f = dlsym(dl, "cg_main");
    cg_module *m = f ? core_alloc(sizeof *m) : NULL;
    if (!m) {
        snprintf(why, why_n, f ? "out of memory" : "%s has no cg_main", so_path);
        dlclose(dl);
        return NULL;
    }
    m->dl = dl;
    m->main = f;
    return m;
}

static cg_module *load_c(const char *src, size_t n, char *why, size_t why_n) {
    const char *cc = compiler(), *libs[] = {"-lm"};
    char so[1200], tmp_c[1300];
    if (!cg_cc_object_path(&(cg_cc_job){&cc, 1, cc_flags, (int)(sizeof cc_flags / sizeof *cc_flags), libs, 1, NULL,
                                        src, n, "cg"},
                           so, sizeof so, why, why_n))
        return NULL;
    pthread_mutex_lock(&jit_lock);
    cg_module *m = NULL;
    if (access(so, R_OK) == 0 && (m = load(so, why, why_n))) {
        counters.cached++;
        pthread_mutex_unlock(&jit_lock);
        return m;
    }
    /* the source stays beside its object (cg-<hash>.c: for reading what was generated) */
    size_t stem = strlen(so) - 3;
    snprintf(tmp_c, sizeof tmp_c, "%.*s.%d.c", (int)stem, so, (int)getpid());
    cg_cc_job job = {&cc, 1, cc_flags, (int)(sizeof cc_flags / sizeof *cc_flags), libs, 1, tmp_c, src, n, "cg"};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (!write_file(tmp_c, src, n)) snprintf(why, why_n, "cannot write %s (%s)", tmp_c, strerror(errno));
    else if (cg_cc_compile(&job, so, NULL, NULL, NULL, why, why_n)) m = load(so, why, why_n);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (m) {
        counters.compiled++;
        counters.compile_seconds += (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    }
    char kept[1300];
    snprintf(kept, sizeof kept, "%.*s.c", (int)stem, so);
    if (rename(tmp_c, kept) != 0) unlink(tmp_c);
    pthread_mutex_unlock(&jit_lock);
    return m;
}

const cg_target cg_target_c = {"c", load_c};

cg_main_fn cg_module_main(const cg_module *m) { return m->main; }

void cg_module_free(cg_module *m) {
    if (!m) return;
    dlclose(m->dl);
    core_free(m, sizeof *m);
}
