/* tmpdir.c — a test's own folder (tmpdir.h). */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tmpdir.h"

/* The files of dir ending in suffix, each removed first where remove. */
static int each_file(const char *dir, const char *suffix, int remove) {
    DIR *d = opendir(dir);
    int n = 0;
    size_t ls = strlen(suffix);
    for (struct dirent *e; d && (e = readdir(d));) {
        size_t l = strlen(e->d_name);
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || l < ls || strcmp(e->d_name + l - ls, suffix))
            continue;
        if (remove) {
            char path[1200];
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            if (unlink(path) != 0) continue;
        }
        n++;
    }
    if (d) closedir(d);
    return n;
}

int tmpdir_count(const char *dir, const char *suffix) { return each_file(dir, suffix, 0); }

int tmpdir_unlink(const char *dir, const char *suffix) { return each_file(dir, suffix, 1); }

void tmpdir_remove(const char *dir) {
    each_file(dir, "", 1);
    rmdir(dir);
}
