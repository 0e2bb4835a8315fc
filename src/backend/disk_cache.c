/* disk_cache.c — the run-time compilers' cache folder (disk_cache.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/core.h"
#include "disk_cache.h"

/* mkdir -p of path (which it modifies and restores). */
static bool make_dirs(char *path) {
    for (char *p = path + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        if (mkdir(path, 0700) != 0 && errno != EEXIST) return (*p = '/'), false;
        *p = '/';
    }
    return mkdir(path, 0700) == 0 || errno == EEXIST;
}

bool backend_cache_dir(char *buf, size_t n) {
    const char *d = getenv("GENC_CACHE_DIR"), *x = getenv("XDG_CACHE_HOME"), *h = getenv("HOME");
    if (d && *d) snprintf(buf, n, "%s", d);
    else if (x && *x) snprintf(buf, n, "%s/genc", x);
    else if (h && *h) snprintf(buf, n, "%s/.cache/genc", h);
    else snprintf(buf, n, "/tmp/genc-%d", (int)getuid());
    return make_dirs(buf);
}

uint64_t backend_hash(uint64_t h, const void *p, size_t n) {
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ULL;
    return h;
}

void *backend_cache_read(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    void *p = NULL;
    long size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (size > 0 && fseek(f, 0, SEEK_SET) == 0 && (p = core_alloc((size_t)size))) {
        if (fread(p, 1, (size_t)size, f) != (size_t)size) {
            core_free(p, (size_t)size);
            p = NULL;
        }
    }
    fclose(f);
    if (p) *n = (size_t)size;
    return p;
}

bool backend_cache_write(const char *path, const void *p, size_t n) {
    char tmp[1300];
    if (snprintf(tmp, sizeof tmp, "%s.%d", path, (int)getpid()) >= (int)sizeof tmp) return false;
    FILE *f = fopen(tmp, "wb");
    if (!f) return false;
    bool ok = fwrite(p, 1, n, f) == n;
    ok = fclose(f) == 0 && ok && rename(tmp, path) == 0;
    if (!ok) unlink(tmp);
    return ok;
}
