/* choice_int.h — the choice layer's private structures (prefix cm_ for choice maps,
 * sel_ for selections, addr_ and intern_ for addresses and symbols).
 *
 * A choice map node is one block: a value (leaf), or n children sorted by part (the
 * part's 64-bit encoding compared as unsigned), or neither (the empty map). Children
 * are never empty maps. Nodes are immutable once published and shared by refcount.
 * Internal functions return references the caller owns, not yet given to a scope;
 * public wrappers publish them (cm_publish / sel_publish). */
#ifndef GENC_SRC_CHOICE_INT_H
#define GENC_SRC_CHOICE_INT_H

#include <stdatomic.h>

#include "../core/core.h"
#include "../array/array_int.h"
#include "genc/choice.h"

/* ---- choice maps ---- */

typedef struct cm_entry {
    uint64_t key;
    gen_choicemap *child; /* owned reference, never empty */
} cm_entry;

struct gen_choicemap {
    atomic_int refcount;
    bool immortal;     /* the static empty map */
    int64_t count;     /* values in the whole tree */
    gen_array *value;  /* leaf value (owned), or NULL */
    gen_array *mask;   /* leaf only: bool [N] presence per particle (owned), NULL: all.
                        * Never all true nor all false (cm_leaf_masked normalizes). */
    int64_t n;         /* number of children */
    cm_entry entries[]; /* n children, sorted by key */
};

extern gen_choicemap cm_empty_map;

/* A new internal node with room for n entries (refcount 1, count 0). NULL on OOM. */
gen_choicemap *cm_alloc(int64_t n);
/* A new leaf holding value (retained). NULL on OOM. */
gen_choicemap *cm_leaf(const gen_array *value);
/* A new leaf holding value present for the particles where mask (bool [N], value
 * batched [N] + shape; both retained) is true: an unmasked leaf when mask is all true,
 * the empty map when it is all false. NULL on OOM. Arguments checked by the caller. */
gen_choicemap *cm_leaf_masked(const gen_array *value, const gen_array *mask);
/* The elements of a readable on the host (masks and values the choice layer reads in C):
 * a's own when it is on the host, else those of a host copy (a synchronizing copy from
 * its device) held in *hold until the caller releases it (gen_array_release(*hold); NULL
 * when nothing is held). NULL with the error recorded on failure. */
const void *cm_host_data(const gen_array *a, gen_array **hold);
/* JSON of one array as choice maps write a value (cmap_json.c, genc/choice.h's format):
 * cm_json_write_array gives a new cJSON object {"dtype", "shape", "data"} (NULL on
 * error); cm_json_read_array reads one back as a new array owned by the caller, or NULL
 * with GEN_ERR_VALUE "who: at where: what is wrong". Also used by parameter stores. */
struct cJSON;
struct cJSON *cm_json_write_array(const gen_array *v);
gen_array *cm_json_read_array(const struct cJSON *o, const char *who, const char *where);
/* GEN_OK when mask fits value (bool [N], value batched with N particles), else a
 * GEN_ERR_VALUE / GEN_ERR_SHAPE naming fn and addr. */
gen_status cm_check_mask(const char *fn, const gen_array *value, const gen_array *mask,
                         const gen_addr *addr);
/* The merge of two values at path (gen_choicemap_merge): masked ones with disjoint
 * masks, one dtype and one shape join (an owned leaf); else NULL with the error. */
gen_choicemap *cm_merge_masked(const gen_choicemap *a, const gen_choicemap *b, const gen_addr *path);
/* Frees a node never published whose first `filled` entries hold owned children. */
void cm_discard(gen_choicemap *m, int64_t filled);
/* Sums the children's counts into m->count; returns m. An internal node with no
 * children is freed and the empty map returned. */
gen_choicemap *cm_seal(gen_choicemap *m);
/* Gives an owned reference to the innermost scope (or the caller). NULL on OOM. */
gen_choicemap *cm_publish(gen_choicemap *m);
/* Index of key among m's children, or -1. */
int64_t cm_find(const gen_choicemap *m, uint64_t key);
/* Index where key would be inserted (first entry with a key >= key). */
int64_t cm_lower_bound(const gen_choicemap *m, uint64_t key);
/* A new reference to the borrowed m (the empty map stays immortal). */
static inline gen_choicemap *cm_ref(const gen_choicemap *m) {
    return gen_choicemap_retain((gen_choicemap *)m);
}
/* Released maps (core_dead): cm_describe writes "a choice map of 3 values" into buf and
 * returns it; cm_dead_fail records GEN_ERR_MISUSE "<fn>: <what> is a choice map of 3
 * values that was already released (use after release)" and returns false. */
const char *cm_describe(const gen_choicemap *m, char *buf, size_t n);
bool cm_dead_fail(const char *fn, const char *what, const gen_choicemap *m);
/* Checks a map argument of function fn: NULL propagates (error set if none pending), a
 * released map is reported. */
bool cm_check_arg(const char *fn, const gen_choicemap *m, const char *name);
bool cm_check_addr(const char *fn, const gen_addr *a);
/* A tuple is never a choice value: records GEN_ERR_VALUE "choicemap: the value at
 * <addr> is a tuple" and returns false when value is one. */
bool cm_fail_tuple(const gen_addr *addr);
static inline bool cm_check_value(const gen_array *value, const gen_addr *addr) {
    return CORE_UNLIKELY(gen_array_is_tuple(value)) ? cm_fail_tuple(addr) : true;
}

/* The walk of flattening (cmap_flat.c): calls fn(ud, path, value) for each float (f64,
 * f32) value of m that s selects, in deep order; path is the value's address (m at the
 * address path on entry; restored on return). A selected masked float value is
 * GEN_ERR_UNSUPPORTED naming its address. Stops at and returns fn's first non-GEN_OK. */
typedef gen_status (*cm_flat_fn)(void *ud, const gen_addr *path, const gen_array *v);
gen_status cm_flat_visit(const gen_choicemap *m, const gen_selection *s, cm_flat_fn fn, void *ud,
                         gen_addr *path);

/* ---- selections ---- */

typedef struct sel_entry {
    uint64_t key;
    gen_selection *child; /* owned reference */
} sel_entry;

/* A node: whether its own address is contained (self), what parts without an entry
 * select (dflt: all or none), and the exceptions (n entries sorted by key). all is
 * {1, 1, none}, none is {0, 0, none}; nodes are normalized to those singletons. */
struct gen_selection {
    atomic_int refcount;
    bool immortal;
    bool self, dflt;
    int64_t n;
    sel_entry entries[];
};

extern gen_selection sel_all, sel_none;

/* The child under key (borrowed; the default singleton when absent). */
const gen_selection *sel_sub(const gen_selection *s, uint64_t key);
/* True when s selects the same thing at every address below it (all or none). */
static inline bool sel_uniform(const gen_selection *s) { return s->n == 0 && s->self == s->dflt; }

/* ---- symbols held by choice maps (intern.c) ----
 * Names first met as keys of a parsed JSON map get ids from INTERN_HELD_BASE up and are
 * refcounted by the map nodes that use them as keys (cm_seal holds, cm_free drops), so
 * they die with the last such node unless gen_intern pins them (then they are permanent,
 * with the same id). */
#define INTERN_HELD_BASE 0x80000000u
/* Whether a node's key is a held symbol's part (symbol tag and an id from the base up). */
static inline bool intern_is_held(uint64_t key) {
    return (key & (((uint64_t)1 << 63) | INTERN_HELD_BASE)) == (((uint64_t)1 << 63) | INTERN_HELD_BASE) &&
           (uint32_t)key != GEN_SYM_INVALID;
}
/* The id of the len bytes at name: a permanent symbol's (no reference), else a held
 * symbol's with one more reference (the caller drops it with intern_drop). GEN_SYM_INVALID
 * with the error recorded (NULL or empty name, NUL byte, out of memory). */
gen_sym intern_hold_n(const char *name, size_t len);
/* One more / one less reference to a held symbol (no-op for other ids); the last drop of
 * a symbol gen_intern never pinned frees it. */
void intern_hold(gen_sym id);
void intern_drop(gen_sym id);
/* Held symbols alive and not pinned (tests: JSON parsing does not grow the table). */
int64_t intern_held_count(void);
/* Incremented by gen_intern_reset: caches of names (dsl.c) check it before trusting a
 * name pointer. */
extern _Atomic uint32_t intern_epoch_;
static inline uint32_t intern_epoch(void) { return atomic_load_explicit(&intern_epoch_, memory_order_relaxed); }

/* ---- addresses ---- */

/* Formats a for a message into buf (GEN_ADDR_FORMAT_MAX bytes); "(root)" for the root.
 * Returns buf. */
const char *addr_str(const gen_addr *a, char *buf);
/* Parses one part from s[0..len) (the component syntax of gen_addr_parse). A symbol is
 * interned with gen_intern_n, or with intern_hold_n when held (a JSON key: the caller
 * drops the reference of a held id after building its map). */
gen_status addr_parse_part(const char *s, size_t len, gen_part *out, const char *what, bool held);

#endif
