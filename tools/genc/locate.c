/* locate.c — where the genc program finds the headers and library models compile
 * against, and the gallery (docs/genc-tool.md, "Where genc looks"):
 *   - run from its build tree (the program is the one the build made): the source tree's
 *     include/ and examples/gallery/, and the build's libgenc.so;
 *   - installed: <prefix>/include, <prefix>/lib and <prefix>/share/genc/examples, the
 *     prefix found from the program's own place (so an installed tree may move);
 *   - $GENC_GALLERY (folders separated by ':') is searched before the gallery. */
#define _GNU_SOURCE
#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tool.h"

static void dir_of_self(char *buf, size_t n) {
    char exe[4096];
    ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (k <= 0) {
        snprintf(buf, n, ".");
        return;
    }
    exe[k] = 0;
    char *slash = strrchr(exe, '/');
    if (slash) *slash = 0;
    snprintf(buf, n, "%s", exe);
}

static bool same_dir(const char *a, const char *b) {
    char ra[PATH_MAX], rb[PATH_MAX];
    return realpath(a, ra) && realpath(b, rb) && !strcmp(ra, rb);
}

static void add_gallery(tool_paths *p, const char *dir) {
    if (p->n_gallery < (int)(sizeof p->gallery / sizeof *p->gallery) && *dir)
        snprintf(p->gallery[p->n_gallery++], sizeof p->gallery[0], "%.4000s", dir);
}

void tool_paths_find(tool_paths *p) {
    char self[4096];
    memset(p, 0, sizeof *p);
    dir_of_self(self, sizeof self);
    const char *env = getenv("GENC_GALLERY");
    if (env && *env) {
        char buf[8192];
        snprintf(buf, sizeof buf, "%s", env);
        for (char *s = strtok(buf, ":"); s; s = strtok(NULL, ":")) add_gallery(p, s);
    }
    p->build_tree = same_dir(self, GENC_TOOL_BUILD_BIN);
    if (p->build_tree) {
        snprintf(p->include_dir, sizeof p->include_dir, "%s/include", GENC_TOOL_SOURCE_DIR);
        snprintf(p->lib_dir, sizeof p->lib_dir, "%s", GENC_TOOL_BUILD_LIBDIR);
        char g[4200];
        snprintf(g, sizeof g, "%s/examples/gallery", GENC_TOOL_SOURCE_DIR);
        add_gallery(p, g);
    } else {
        char d[4200];
        snprintf(d, sizeof d, "%s/%s", self, GENC_TOOL_REL_INCLUDE);
        if (!realpath(d, p->include_dir)) snprintf(p->include_dir, sizeof p->include_dir, "%.4000s", d);
        snprintf(d, sizeof d, "%s/%s", self, GENC_TOOL_REL_LIB);
        if (!realpath(d, p->lib_dir)) snprintf(p->lib_dir, sizeof p->lib_dir, "%.4000s", d);
        char g[PATH_MAX];
        snprintf(d, sizeof d, "%s/%s", self, GENC_TOOL_REL_EXAMPLES);
        add_gallery(p, realpath(d, g) ? g : d);
    }
}

static bool ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcmp(s + n - m, suffix);
}

bool tool_model_path(const tool_paths *p, const char *name, char *path, size_t n) {
    if (strchr(name, '/') || ends_with(name, ".c")) {
        snprintf(path, n, "%s", name);
        return access(path, F_OK) == 0;
    }
    for (int i = 0; i < p->n_gallery; i++) {
        snprintf(path, n, "%s/%s.c", p->gallery[i], name);
        if (access(path, R_OK) == 0) return true;
    }
    return false;
}

/* The C string literal at *s (after spaces) into out; s moves past it. */
static bool read_literal(const char **s, char *out, size_t n) {
    const char *p = *s;
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
    if (*p != '"') return false;
    size_t k = 0;
    for (p++; *p && *p != '"'; p++) {
        if (*p == '\\' && p[1]) p++;
        if (k + 1 < n) out[k++] = *p;
    }
    out[k] = 0;
    if (*p != '"') return false;
    *s = p + 1;
    return true;
}

/* The name and description of a model file's GEN_MODEL line. */
static bool registration(const char *path, char *name, size_t name_n, char *desc, size_t desc_n) {
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    static char text[1 << 20];
    size_t got = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[got] = 0;
    const char *s = text, *at = NULL;
    while ((s = strstr(s, "GEN_MODEL(")) != NULL) at = s++; /* the last one: the registration line */
    if (!at) return false;
    s = at + strlen("GEN_MODEL(");
    if (!read_literal(&s, name, name_n)) return false;
    while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r') s++;
    if (*s++ != ',' || !read_literal(&s, desc, desc_n)) desc[0] = 0;
    return true;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

void tool_list_gallery(const tool_paths *p, FILE *f) {
    char seen[256][128];
    int n_seen = 0, shown = 0;
    for (int i = 0; i < p->n_gallery; i++) {
        DIR *d = opendir(p->gallery[i]);
        if (!d) continue;
        char *files[256];
        int n = 0;
        struct dirent *e;
        while ((e = readdir(d)) != NULL && n < 256)
            if (ends_with(e->d_name, ".c") && (files[n] = strdup(e->d_name)) != NULL) n++;
        closedir(d);
        qsort(files, (size_t)n, sizeof *files, cmp_str);
        for (int j = 0; j < n; j++) {
            char path[8400], name[128], desc[512], stem[128];
            snprintf(path, sizeof path, "%s/%s", p->gallery[i], files[j]);
            snprintf(stem, sizeof stem, "%.*s", (int)(strlen(files[j]) - 2), files[j]);
            bool dup = false;
            for (int k = 0; k < n_seen; k++) dup = dup || !strcmp(seen[k], stem);
            if (!dup && registration(path, name, sizeof name, desc, sizeof desc)) {
                fprintf(f, "  %-24s %s\n", stem, desc);
                if (n_seen < 256) snprintf(seen[n_seen++], sizeof seen[0], "%s", stem);
                shown++;
            }
            free(files[j]);
        }
    }
    if (!shown) {
        fprintf(f, "  (no gallery models found; searched:");
        for (int i = 0; i < p->n_gallery; i++) fprintf(f, " %s", p->gallery[i]);
        fprintf(f, ")\n");
    }
}
