/* cc_build.c — C files compiled into shared objects in the disk cache (cc_build.h). */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../backend/disk_cache.h"
#include "../core/core.h"
#include "cc_build.h"

extern char **environ;

static uint64_t job_hash(const cg_cc_job *j) {
    uint64_t h = backend_hash(BACKEND_HASH_START, j->key, j->key_n);
    for (int i = 0; i < j->n_cc; i++) h = backend_hash(h, j->cc[i], strlen(j->cc[i]));
    for (int i = 0; i < j->n_flags; i++) h = backend_hash(h, j->flags[i], strlen(j->flags[i]));
    for (int i = 0; i < j->n_libs; i++) h = backend_hash(h, j->libs[i], strlen(j->libs[i]) + 1);
    return h;
}

bool cg_cc_object_path(const cg_cc_job *j, char *so, size_t so_n, char *why, size_t why_n) {
    char dir[1024];
    if (!backend_cache_dir(dir, sizeof dir)) {
        snprintf(why, why_n, "cannot create the cache folder %s (%s); set GENC_CACHE_DIR", dir, strerror(errno));
        return false;
    }
    int w = snprintf(so, so_n, "%s/%s-%016llx.so", dir, j->prefix, (unsigned long long)job_hash(j));
    if (w < 0 || (size_t)w >= so_n) {
        snprintf(why, why_n, "the cache folder's path is too long: %s", dir);
        return false;
    }
    return true;
}

/* The whole file at path as a NUL-terminated string (core_alloc'd, *n with the NUL). */
static char *read_all(const char *path, size_t *n) {
    size_t size = 0;
    char *raw = backend_cache_read(path, &size); /* NULL when empty or missing */
    char *s = core_alloc(size + 1);
    if (s) {
        if (raw) memcpy(s, raw, size);
        s[size] = 0;
        *n = size + 1;
    }
    if (raw) core_free(raw, size);
    return s;
}

/* The last lines of the compiler's output (at most out_n - 1 bytes) into out. */
static void tail_of(const char *log, char *out, size_t out_n) {
    size_t len = strlen(log), from = len > out_n - 1 ? len - (out_n - 1) : 0;
    snprintf(out, out_n, "%s", log + from);
}

bool cg_cc_compile(const cg_cc_job *j, const char *so, char **log, size_t *log_n, bool *no_cc, char *why,
                   size_t why_n) {
    char tmp_so[1300], log_path[1300];
    int pid = (int)getpid();
    if (no_cc) *no_cc = false;
    if (log) *log = NULL;
    snprintf(tmp_so, sizeof tmp_so, "%.1200s.%d.tmp", so, pid);
    snprintf(log_path, sizeof log_path, "%.1200s.%d.log", so, pid);
    int argc = j->n_cc + j->n_flags + j->n_libs + 4;
    const char **argv = core_calloc((size_t)argc, sizeof *argv);
    if (!argv) {
        snprintf(why, why_n, "out of memory");
        return false;
    }
    int k = 0;
    for (int i = 0; i < j->n_cc; i++) argv[k++] = j->cc[i];
    for (int i = 0; i < j->n_flags; i++) argv[k++] = j->flags[i];
    argv[k++] = "-o";
    argv[k++] = tmp_so;
    argv[k++] = j->src_path;
    for (int i = 0; i < j->n_libs; i++) argv[k++] = j->libs[i];
    argv[k] = NULL;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    pid_t child;
    int rc = posix_spawnp(&child, argv[0], &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    core_free(argv, (size_t)argc * sizeof *argv);
    if (rc != 0) {
        unlink(log_path);
        if (no_cc) *no_cc = true;
        snprintf(why, why_n, "no C compiler: cannot run '%s' (%s); set GENC_CC to a C compiler, or install one "
                 "(apt-get install gcc)", j->cc[0], strerror(rc));
        return false;
    }
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
    size_t n = 0;
    char *out = read_all(log_path, &n);
    unlink(log_path);
    bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (ok && rename(tmp_so, so) != 0) {
        snprintf(why, why_n, "cannot rename %s (%s)", tmp_so, strerror(errno));
        ok = false;
    } else if (!ok && WIFEXITED(status) && WEXITSTATUS(status) == 127) {
        if (no_cc) *no_cc = true;
        snprintf(why, why_n, "no C compiler: '%s' was not found; set GENC_CC or install one", j->cc[0]);
    } else if (!ok) {
        char tail[300];
        tail_of(out ? out : "", tail, sizeof tail);
        if (WIFEXITED(status))
            snprintf(why, why_n, "the C compiler '%s' failed on %s (exit status %d): %s", j->cc[0], j->src_path,
                     WEXITSTATUS(status), tail);
        else
            snprintf(why, why_n, "the C compiler '%s' was killed on %s (signal %d): %s", j->cc[0], j->src_path,
                     WIFSIGNALED(status) ? WTERMSIG(status) : 0, tail);
    }
    unlink(tmp_so);
    if (log && out) {
        *log = out;
        *log_n = n;
    } else if (out) {
        core_free(out, n);
    }
    return ok;
}
