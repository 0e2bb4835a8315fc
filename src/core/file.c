/* file.c — reading a whole text file into memory (the loaders of JSON files: parameter
 * stores, data files), with errors that name the file. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core.h"

gen_status core_read_text(const char *fn, const char *path, char **text, size_t *cap) {
    *text = NULL;
    *cap = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp) return GEN_FAIL(GEN_ERR_VALUE, "%s: cannot open %s: %s", fn, path, strerror(errno));
    size_t n = 4096, len = 0;
    char *buf = core_alloc(n);
    gen_status st = buf ? GEN_OK : GEN_ERR_OOM;
    while (st == GEN_OK) {
        if (len + 1 == n) {
            char *b = core_realloc(buf, n, 2 * n);
            if (!b) {
                st = GEN_ERR_OOM;
                break;
            }
            buf = b;
            n *= 2;
        }
        size_t got = fread(buf + len, 1, n - 1 - len, fp);
        len += got;
        if (got == 0) {
            if (ferror(fp)) st = GEN_FAIL(GEN_ERR_VALUE, "%s: reading %s failed", fn, path);
            break;
        }
    }
    fclose(fp);
    if (st != GEN_OK) {
        if (buf) core_free(buf, n);
        return st;
    }
    buf[len] = 0;
    *text = buf;
    *cap = n;
    return GEN_OK;
}
