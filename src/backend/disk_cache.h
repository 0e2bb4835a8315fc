/* disk_cache.h — the folder where GenC keeps the code it compiles at run time (prefix
 * backend_cache): the compile layer's lane programs (C shared objects, CUDA images) and
 * the CUDA backend's fused kernels, each file named by a hash of what made it, so a
 * program is compiled once per machine. Files appear by rename, so concurrent
 * processes never read half of one. */
#ifndef GENC_SRC_BACKEND_DISK_CACHE_H
#define GENC_SRC_BACKEND_DISK_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The folder ($GENC_CACHE_DIR, else $XDG_CACHE_HOME/genc, else $HOME/.cache/genc, else
 * /tmp/genc-<uid>) into buf, made when missing; false when it cannot be. */
bool backend_cache_dir(char *buf, size_t n);
/* FNV-1a of n bytes at p, continuing from h (BACKEND_HASH_START to start). */
#define BACKEND_HASH_START 0xcbf29ce484222325ULL
uint64_t backend_hash(uint64_t h, const void *p, size_t n);
/* The whole file at path (core_alloc'd, *n bytes), or NULL when it is missing, empty or
 * unreadable (no error is set: the caller compiles instead). */
void *backend_cache_read(const char *path, size_t *n);
/* n bytes at p into path, through a temporary file of this process renamed into place;
 * false (nothing left behind) when it cannot be written. */
bool backend_cache_write(const char *path, const void *p, size_t n);

#endif
