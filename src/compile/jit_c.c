/* jit_c.c — the C target: the generated source goes through the system C compiler into
 * a shared object in the cache folder, named by a hash of the source and the compiler
 * command, and is loaded with dlopen. Why this and not libgccjit or an embedded
 * compiler: docs/compile.md (measured there). The cache folder is $GENC_CACHE_DIR, else
 * $XDG_CACHE_HOME/genc, else $HOME/.cache/genc, else /tmp/genc-<uid>; files appear by
 * rename, so concurrent processes never load a half-written object. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../backend/disk_cache.h"
#include "../core/core.h"
#include "jit.h"

extern char **environ;

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

/* The last lines of the compiler's messages, for the error. */
static void read_tail(const char *path, char *out, size_t n) {
    out[0] = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return;
    fseek(f, 0, SEEK_END);
    long size = ftell(f), from = size > (long)n - 1 ? size - (long)n + 1 : 0;
    fseek(f, from, SEEK_SET);
    size_t got = fread(out, 1, n - 1, f);
    out[got] = 0;
    fclose(f);
}

/* Runs the compiler on src_path into so_path; false with why filled. */
static bool run_compiler(const char *src_path, const char *so_path, const char *log_path, char *why, size_t why_n) {
    const char *argv[16];
    int k = 0;
    argv[k++] = compiler();
    for (size_t i = 0; i < sizeof cc_flags / sizeof *cc_flags; i++) argv[k++] = cc_flags[i];
    argv[k++] = "-o";
    argv[k++] = so_path;
    argv[k++] = src_path;
    argv[k++] = "-lm";
    argv[k] = NULL;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        snprintf(why, why_n, "no C compiler: cannot run '%s' (%s); set GENC_CC to a C compiler, or install one "
                 "(apt-get install gcc)", argv[0], strerror(rc));
        return false;
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return true;
    char tail[300];
    read_tail(log_path, tail, sizeof tail);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        snprintf(why, why_n, "no C compiler: '%s' was not found; set GENC_CC or install one", argv[0]);
    else
        snprintf(why, why_n, "the C compiler '%s' failed on %s: %s", argv[0], src_path, tail);
    return false;
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
    char dir[1024], so[1200], tmp_c[1200], tmp_so[1200], log[1200];
    if (!backend_cache_dir(dir, sizeof dir)) {
        snprintf(why, why_n, "cannot create the cache folder %s (%s); set GENC_CACHE_DIR", dir, strerror(errno));
        return NULL;
    }
    uint64_t h = backend_hash(BACKEND_HASH_START, src, n);
    h = backend_hash(h, compiler(), strlen(compiler()));
    for (size_t i = 0; i < sizeof cc_flags / sizeof *cc_flags; i++) h = backend_hash(h, cc_flags[i], strlen(cc_flags[i]));
    snprintf(so, sizeof so, "%s/cg-%016llx.so", dir, (unsigned long long)h);
    pthread_mutex_lock(&jit_lock);
    cg_module *m = NULL;
    if (access(so, R_OK) == 0 && (m = load(so, why, why_n))) {
        counters.cached++;
        pthread_mutex_unlock(&jit_lock);
        return m;
    }
    int pid = (int)getpid();
    snprintf(tmp_c, sizeof tmp_c, "%s/cg-%016llx.%d.c", dir, (unsigned long long)h, pid);
    snprintf(tmp_so, sizeof tmp_so, "%s/cg-%016llx.%d.so", dir, (unsigned long long)h, pid);
    snprintf(log, sizeof log, "%s/cg-%016llx.%d.log", dir, (unsigned long long)h, pid);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (!write_file(tmp_c, src, n)) {
        snprintf(why, why_n, "cannot write %s (%s)", tmp_c, strerror(errno));
    } else if (run_compiler(tmp_c, tmp_so, log, why, why_n)) {
        if (rename(tmp_so, so) != 0) snprintf(why, why_n, "cannot rename %s (%s)", tmp_so, strerror(errno));
        else m = load(so, why, why_n);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (m) {
        counters.compiled++;
        counters.compile_seconds += (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    }
    /* the source stays beside its object (cg-<hash>.c: for reading what was generated) */
    char kept[1200];
    snprintf(kept, sizeof kept, "%s/cg-%016llx.c", dir, (unsigned long long)h);
    if (rename(tmp_c, kept) != 0) unlink(tmp_c);
    unlink(tmp_so);
    unlink(log);
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
