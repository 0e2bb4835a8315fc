/* cache.h — a small cache of compile-layer objects (model graphs, batched generate
 * programs) under byte-string keys that name a generative function and its argument
 * arrays by identity: an entry holds references to them, so no key's pointer can be
 * reused by another object while the entry lives. A few entries, least recently used out. */
#ifndef GENC_SRC_COMPILE_CACHE_H
#define GENC_SRC_COMPILE_CACHE_H

#include <pthread.h>

#include "genc/gfi.h"

typedef struct cg_cache_entry {
    char *key;
    size_t key_n;
    void *val;
    gen_gf *gf;
    gen_array **args;
    int n_args;
    uint64_t used; /* the clock at its last use */
} cg_cache_entry;

typedef struct cg_cache {
    pthread_mutex_t lock;
    cg_cache_entry *e; /* cap entries (static storage of the user) */
    int cap;
    uint64_t clock;
    void *(*retain)(void *val); /* a new reference (values may be NULL: a cached "none") */
    void (*release)(void *val);
} cg_cache;

#define CG_CACHE_INIT(entries, retain_fn, release_fn)                                               \
    {PTHREAD_MUTEX_INITIALIZER, entries, (int)(sizeof entries / sizeof entries[0]), 0, retain_fn, release_fn}

/* The value under key (a new reference; NULL may be a cached value) and whether there is
 * one. */
void *cg_cache_find(cg_cache *c, const char *key, size_t n, bool *found);
/* Stores val (its reference is taken) under a copy of key, with references to gf and
 * args; the least recently used entry goes. Nothing is stored on out of memory. */
void cg_cache_put(cg_cache *c, const char *key, size_t n, void *val, const gen_gf *gf, const gen_args *args);
void cg_cache_clear(cg_cache *c);

#endif
