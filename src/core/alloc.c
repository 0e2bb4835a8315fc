/* alloc.c — every allocation in GenC goes through here, so tests can swap in an
 * allocator that fails on demand and prove the out-of-memory paths. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

static void *default_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    (void)ud;
    (void)osize;
    if (nsize == 0) {
        free(ptr);
        return NULL;
    }
    return realloc(ptr, nsize);
}

static gen_alloc_fn alloc_fn = default_alloc;
static void *alloc_ud = NULL;

void gen_set_allocator(gen_alloc_fn fn, void *ud) {
    core_cache_flush(); /* cached and quarantined blocks belong to the old allocator */
    core_quarantine_flush();
    alloc_fn = fn ? fn : default_alloc;
    alloc_ud = fn ? ud : NULL;
}

void *core_alloc(size_t nbytes) {
    void *p = alloc_fn(alloc_ud, NULL, 0, nbytes ? nbytes : 1);
    if (CORE_UNLIKELY(!p)) GEN_FAIL(GEN_ERR_OOM, "out of memory allocating %zu bytes", nbytes);
    return p;
}

void *core_calloc(size_t n, size_t size) {
    if (size && n > SIZE_MAX / size) {
        GEN_FAIL(GEN_ERR_OOM, "allocation of %zu x %zu bytes overflows", n, size);
        return NULL;
    }
    void *p = core_alloc(n * size);
    if (p) memset(p, 0, n * size);
    return p;
}

void *core_realloc(void *ptr, size_t old_nbytes, size_t new_nbytes) {
    void *p = alloc_fn(alloc_ud, ptr, old_nbytes, new_nbytes ? new_nbytes : 1);
    if (CORE_UNLIKELY(!p))
        GEN_FAIL(GEN_ERR_OOM, "out of memory growing a block to %zu bytes", new_nbytes);
    return p;
}

void core_free(void *ptr, size_t nbytes) {
    if (ptr) alloc_fn(alloc_ud, ptr, nbytes, 0);
}

gen_status core_ptrvec_push(core_ptrvec *v, void *item) {
    if (v->len == v->cap) {
        size_t ncap = v->cap ? 2 * v->cap : 16;
        void **n = core_realloc(v->items, v->cap * sizeof *n, ncap * sizeof *n);
        if (!n) return GEN_ERR_OOM;
        v->items = n;
        v->cap = ncap;
    }
    v->items[v->len++] = item;
    return GEN_OK;
}

void core_ptrvec_free(core_ptrvec *v) {
    core_free(v->items, v->cap * sizeof *v->items);
    v->items = NULL;
    v->len = v->cap = 0;
}

/* ---- the small-block cache ---- */

/* Size classes of 16-byte steps up to SMALL_MAX, each a free list linked through the
 * blocks' second word, holding at most SMALL_BUDGET bytes: room for the temporaries of
 * a typical model run (array headers and storage, distributions, tables). Blocks of a
 * class are always allocated at the class's size, so any block of the list fits any
 * request of the class. A cached block's first int is CORE_DEAD: an object released
 * twice, or used after its release, is seen as released (core_dead) as long as its block
 * waits here, instead of corrupting the list. The debug mode caches nothing. */
#define SMALL_GRAIN 16
#define SMALL_MAX 4096
#define SMALL_CLASSES (SMALL_MAX / SMALL_GRAIN)
#define SMALL_BUDGET ((size_t)64 << 10)

static _Thread_local struct {
    void *head[SMALL_CLASSES];
    size_t bytes[SMALL_CLASSES];
} cache;

#define LINK_AT 8 /* the list's link: after the object's count, which stays readable */
_Static_assert(LINK_AT >= sizeof(int) && LINK_AT + sizeof(void *) <= SMALL_GRAIN, "a link fits a block");
/* What a cached block's first 8 bytes hold: CORE_DEAD, then 0xff bytes (an array's dtype,
 * rank, batched mark and tuple flag: the checks that test the tuple flag anyway, in op
 * dispatch and the read-outs, see it and find the array released; array_int.h). */
static const struct {
    int count;
    unsigned char tags[4];
} dead_word = {CORE_DEAD, {0xff, 0xff, 0xff, 0xff}};
_Static_assert(sizeof dead_word == LINK_AT, "the mark fills the bytes before the link");

static size_t small_class(size_t nbytes) { return (nbytes + SMALL_GRAIN - 1) / SMALL_GRAIN - 1; }

void *core_alloc_small(size_t nbytes) {
    if (nbytes == 0 || nbytes > SMALL_MAX) return core_alloc(nbytes);
    size_t c = small_class(nbytes);
    void *p = cache.head[c];
    if (!p) return core_alloc((c + 1) * SMALL_GRAIN);
    memcpy(&cache.head[c], (char *)p + LINK_AT, sizeof(void *));
    cache.bytes[c] -= (c + 1) * SMALL_GRAIN;
    return p;
}

void core_free_small(void *ptr, size_t nbytes) {
    if (!ptr) return;
    if (nbytes == 0 || nbytes > SMALL_MAX) {
        core_free(ptr, nbytes);
        return;
    }
    size_t c = small_class(nbytes), size = (c + 1) * SMALL_GRAIN;
    /* Only inside nested scopes: blocks freed by an outermost scope's end would be
     * flushed right away, so caching them would only cost. */
    if (core_scope_depth_ > 1 && cache.bytes[c] + size <= SMALL_BUDGET && !core_debug()) {
        memcpy(ptr, &dead_word, sizeof dead_word);
        memcpy((char *)ptr + LINK_AT, &cache.head[c], sizeof(void *));
        cache.head[c] = ptr;
        cache.bytes[c] += size;
        return;
    }
    core_free(ptr, size);
}

/* ---- the large-block cache ---- */

/* Batched model code makes the same big temporaries run after run; malloc hands such
 * blocks back to the kernel on free (mmap, heap trimming), so every run would pay page
 * faults on fresh memory. A few are kept per thread, by exact size, within a budget (1 GiB,
 * blocks up to a quarter of it: a run over ten million particles keeps its 80 MB arrays),
 * and all go back when the outermost scope ends. */
#define LARGE_MAX 64
#define LARGE_BUDGET ((size_t)1024 << 20)

static _Thread_local struct {
    void *blocks[LARGE_MAX];
    size_t sizes[LARGE_MAX];
    int n;
    size_t bytes;
} large;

void *core_alloc_large(size_t nbytes) {
    for (int i = large.n - 1; i >= 0; i--)
        if (large.sizes[i] == nbytes) {
            void *p = large.blocks[i];
            large.bytes -= nbytes;
            large.n--;
            large.blocks[i] = large.blocks[large.n];
            large.sizes[i] = large.sizes[large.n];
            return p;
        }
    return core_alloc(nbytes);
}

void core_free_large(void *ptr, size_t nbytes) {
    if (!ptr) return;
    if (gen_scope_depth() <= 1 || nbytes > LARGE_BUDGET / 4 || core_debug()) {
        core_free(ptr, nbytes);
        return;
    }
    while (large.n > 0 && (large.n == LARGE_MAX || large.bytes + nbytes > LARGE_BUDGET)) {
        core_free(large.blocks[0], large.sizes[0]); /* the oldest goes */
        large.bytes -= large.sizes[0];
        large.n--;
        memmove(large.blocks, large.blocks + 1, (size_t)large.n * sizeof *large.blocks);
        memmove(large.sizes, large.sizes + 1, (size_t)large.n * sizeof *large.sizes);
    }
    large.blocks[large.n] = ptr;
    large.sizes[large.n++] = nbytes;
    large.bytes += nbytes;
}

void core_cache_flush(void) {
    for (size_t c = 0; c < SMALL_CLASSES; c++) {
        while (cache.head[c]) {
            void *p = cache.head[c];
            memcpy(&cache.head[c], (char *)p + LINK_AT, sizeof(void *));
            core_free(p, (c + 1) * SMALL_GRAIN);
        }
        cache.bytes[c] = 0;
    }
    while (large.n > 0) {
        large.n--;
        core_free(large.blocks[large.n], large.sizes[large.n]);
    }
    large.bytes = 0;
}
