/* tmpdir.c — a test's own folder (tmpdir.h). */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tmpdir.h"

int tmpdir_count(const char *dir, const char *suffix) {
    DIR *d = opendir(dir);
    int n = 0;
    size_t ls = strlen(suffix);
    for (struct dirent *e; d && (e = readdir(d));) {
        size_t l = strlen(e->d_name);
        n += l >= ls && !strcmp(e->d_name + l - ls, suffix);
    }
    if (d) closedir(d);
    return n;
}

void tmpdir_remove(const char *dir) {
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char path[1200];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    if (d) closedir(d);
    rmdir(dir);
}
