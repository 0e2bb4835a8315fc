/* genc/choice.h — addresses, choice maps and selections (the choice layer).
 *
 * Addresses. A random choice of a model lives at a hierarchical address such as y/3/z:
 * a path of parts, each a symbol (an interned string) or an integer. A part is a tagged
 * 64-bit value, so building, comparing and hashing addresses never touches strings;
 * strings appear only when an address is parsed or formatted (for messages and files).
 *
 * Choice maps. An immutable tree: a leaf holds a value (an array, retained), an internal
 * node maps parts to non-empty children. The root itself may be a value (the choice map
 * of a distribution used as a generative function: its value is at the empty address).
 * Updates are persistent: gen_choicemap_set returns a new map sharing every untouched
 * subtree with the old one. Large maps are built in O(size) with gen_choicemap_builder.
 *
 * Order. Children are kept sorted by part: integers first, by value, then symbols in the
 * order of their ids: names interned in this process first, in the order they were
 * interned (for a model: the order its names were first seen), then names known only as
 * keys of JSON maps (see gen_intern). Shallow and deep iteration, flattening and JSON output all
 * follow it, so they are deterministic for a given program.
 *
 * Selections. An immutable set of addresses, each selecting its whole subtree; with
 * complement and union, and borrowed subselections for walking a model's call tree.
 *
 * Ownership follows array.h: a function returning a new gen_choicemap* or gen_selection*
 * gives a new reference owned by the innermost open scope, or by the caller if none is
 * open (then release it). Getters return borrowed pointers, valid while the map is.
 * Arguments are borrowed. Errors return NULL or a status and record a message naming
 * the address ("choicemap merge: both maps have a value at y/3"); a NULL map or
 * selection argument returns NULL and keeps the error already recorded. */
#ifndef GENC_CHOICE_H
#define GENC_CHOICE_H

#include "genc/array.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- symbols ----------------------------------------------------------------------- */

/* An interned name: a small integer, the same for equal strings within a process. */
typedef uint32_t gen_sym;
#define GEN_SYM_INVALID UINT32_MAX

/* The symbol of name (a non-empty NUL-terminated string), interning it on first use.
 * Thread-safe; a known name is found without taking a lock. GEN_SYM_INVALID with the
 * error recorded: GEN_ERR_MISUSE for NULL, GEN_ERR_VALUE for "", GEN_ERR_OOM. Names
 * interned here live until process exit; gen_intern gives them ids 0, 1, 2, ...
 * Keys of choice maps parsed from JSON (gen_choicemap_from_json) are not interned for
 * good: a key whose name no address uses gets an id from 2^31 up that lives as long as
 * a map holds it, so parsing maps with ever new keys does not grow the process. Interning
 * such a name later returns the same id and makes it permanent. */
gen_sym gen_intern(const char *name);
/* The same for the len bytes at name (no NUL needed; none may be NUL). */
gen_sym gen_intern_n(const char *name, size_t len);
/* The name of s (borrowed: until exit for a name interned with gen_intern, else while a
 * choice map holds the key), or NULL if s names nothing (never interned, or a JSON key
 * whose maps are all released). */
const char *gen_sym_name(gen_sym s);
/* Number of symbols gen_intern has made (the next one gets this id). */
uint32_t gen_sym_count(void);
/* Forgets every symbol and frees the table (tests only). Not thread-safe: call it only
 * when no other thread uses symbols and no live object holds one. */
void gen_intern_reset(void);

/* ---- parts -------------------------------------------------------------------------- */

/* One part of an address, by value. Integer parts lie in [GEN_PART_INT_MIN,
 * GEN_PART_INT_MAX]. The zero value is an invalid part (what a zeroed struct holds). */
typedef struct gen_part {
    uint64_t v;
} gen_part;
#define GEN_PART_INT_MAX ((int64_t)0x3FFFFFFFFFFFFFFF)  /* 2^62 - 1 */
#define GEN_PART_INT_MIN (-GEN_PART_INT_MAX)

/* Integer parts encode i + 2^62 (so 0 is invalid); symbols set the top bit. Comparing
 * v as unsigned gives the documented order: integers by value, then symbols by id. */
static inline gen_part gen_part_sym(gen_sym s) {
    gen_part p = {s == GEN_SYM_INVALID ? 0 : ((uint64_t)1 << 63) | s};
    return p;
}
static inline gen_part gen_part_int(int64_t i) {
    gen_part p = {(i < GEN_PART_INT_MIN || i > GEN_PART_INT_MAX)
                      ? 0
                      : (uint64_t)(i + ((int64_t)1 << 62))};
    return p;
}
static inline bool gen_part_valid(gen_part p) { return p.v != 0; }
static inline bool gen_part_is_sym(gen_part p) { return (p.v >> 63) != 0; }
static inline bool gen_part_is_int(gen_part p) { return p.v != 0 && (p.v >> 63) == 0; }
/* The symbol of a symbol part (GEN_SYM_INVALID otherwise). */
static inline gen_sym gen_part_get_sym(gen_part p) {
    return gen_part_is_sym(p) ? (gen_sym)(p.v & 0xFFFFFFFFu) : GEN_SYM_INVALID;
}
/* The integer of an integer part (0 otherwise). */
static inline int64_t gen_part_get_int(gen_part p) {
    return gen_part_is_int(p) ? (int64_t)p.v - ((int64_t)1 << 62) : 0;
}
static inline bool gen_part_equal(gen_part a, gen_part b) { return a.v == b.v; }
/* <0, 0, >0 in the documented order. */
static inline int gen_part_compare(gen_part a, gen_part b) { return (a.v > b.v) - (a.v < b.v); }
/* The symbol part of name (interned); invalid part (error recorded) on failure. */
gen_part gen_part_name(const char *name);
/* Writes the part as it appears in a formatted address ("y", "3", "\3" for the symbol
 * named 3); returns the length it needs, like snprintf. */
int gen_part_format(gen_part p, char *buf, size_t n);

/* ---- addresses -------------------------------------------------------------------- */

#define GEN_ADDR_MAX_DEPTH 32

/* A path of len parts (len 0: the root). A plain value: copy it freely. */
typedef struct gen_addr {
    int len;
    gen_part parts[GEN_ADDR_MAX_DEPTH];
} gen_addr;

/* The address of the n parts (GEN_ERR_VALUE for an invalid part or n > max depth). */
gen_status gen_addr_from(gen_addr *out, int n, const gen_part *parts);
/* Appends a part / removes the last one (GEN_ERR_VALUE beyond the depth limit, for an
 * invalid part, or popping the root). */
gen_status gen_addr_push(gen_addr *a, gen_part p);
gen_status gen_addr_pop(gen_addr *a);
/* a followed by b. */
gen_status gen_addr_concat(gen_addr *out, const gen_addr *a, const gen_addr *b);
/* Parses "y/3/z": parts separated by '/', a part of decimal digits (optional leading
 * '-') is an integer, anything else a symbol; '\' makes the next character literal and
 * makes the part a symbol ("\3" is the symbol named 3, "a\/b" the symbol a/b). "" is
 * the root. Errors (GEN_ERR_VALUE, naming the text): empty parts ("y//z", "/y"),
 * integers out of range, a trailing '\', more than GEN_ADDR_MAX_DEPTH parts. */
gen_status gen_addr_parse(gen_addr *out, const char *path);
/* Writes the address in the syntax gen_addr_parse reads ("" for the root); returns the
 * length it needs, like snprintf (the output is truncated to n-1 chars and terminated).
 * Never fails. */
int gen_addr_format(const gen_addr *a, char *buf, size_t n);
/* A buffer size that fits most formatted addresses (for error messages). */
#define GEN_ADDR_FORMAT_MAX 256
bool gen_addr_equal(const gen_addr *a, const gen_addr *b);
/* Lexicographic by parts (a prefix comes first). */
int gen_addr_compare(const gen_addr *a, const gen_addr *b);
/* A hash of the parts' symbol ids and integers: fast, but symbol ids depend on the order
 * names were interned, so it differs between processes (hash tables only). */
uint64_t gen_addr_hash(const gen_addr *a);
/* A hash of the address's text (names by their characters, integers by value): the same
 * in every process and interning order. The key of a choice is fold_in(key, this hash)
 * (genc/gfi.h), so a model draws the same values for the same key in any program. */
uint64_t gen_addr_key_hash(const gen_addr *a);
/* True if p is a prefix of a (every address starts with the root). */
bool gen_addr_has_prefix(const gen_addr *a, const gen_addr *p);

/* ---- choice maps: values and structure ---------------------------------------------- */

typedef struct gen_choicemap gen_choicemap;

gen_choicemap *gen_choicemap_retain(gen_choicemap *m);
void gen_choicemap_release(gen_choicemap *m);
/* Keeps m past the innermost scope (like gen_scope_return for arrays). */
gen_choicemap *gen_choicemap_scope_return(gen_choicemap *m);

/* The empty map (a shared immortal object: retain/release are harmless). */
gen_choicemap *gen_choicemap_empty(void);
/* The map holding value at the root (the choice map of a single random choice). */
gen_choicemap *gen_choicemap_of_value(const gen_array *value);

bool gen_choicemap_is_empty(const gen_choicemap *m);
/* True if the root of m is a value. */
bool gen_choicemap_is_value(const gen_choicemap *m);
/* The root value (borrowed), or NULL if m is not a value. */
const gen_array *gen_choicemap_value(const gen_choicemap *m);
/* Number of values in the whole tree (O(1)). */
int64_t gen_choicemap_count(const gen_choicemap *m);

/* The value at addr (borrowed), or NULL recording nothing: the fast "has and get". */
const gen_array *gen_choicemap_find(const gen_choicemap *m, const gen_addr *addr);
/* The value at addr (borrowed), or NULL with GEN_ERR_INDEX "choicemap: no value at y/3"
 * (or "... y is a value, not a map" style messages for paths through a value). */
const gen_array *gen_choicemap_get_value(const gen_choicemap *m, const gen_addr *addr);
bool gen_choicemap_has_value(const gen_choicemap *m, const gen_addr *addr);
/* gen_choicemap_get_value at an address given as a path in gen_addr_parse syntax
 * (gen_choicemap_get_path(m, "y/3")). Borrowed, or NULL with the error prefixed by the
 * call and the path: GEN_ERR_VALUE for a path that does not parse
 * ("gen_choicemap_get_path(\"y//3\"): gen_addr_parse: empty part in ..."), GEN_ERR_INDEX
 * when no value is there ("gen_choicemap_get_path(\"y/7\"): choicemap: no value at
 * y/7"), GEN_ERR_MISUSE for a NULL map or path. */
const gen_array *gen_choicemap_get_path(const gen_choicemap *m, const char *path);
/* The subtree at addr (borrowed): a value map, an internal map, or the empty map when
 * nothing is there. Never NULL for a non-NULL m. */
const gen_choicemap *gen_choicemap_get_submap(const gen_choicemap *m, const gen_addr *addr);
/* The child at one part (borrowed; the empty map if absent). The hot path of walking. */
const gen_choicemap *gen_choicemap_child(const gen_choicemap *m, gen_part p);

/* Shallow iteration: children i = 0 .. num_children-1 in the documented order. */
int64_t gen_choicemap_num_children(const gen_choicemap *m);
/* Child i (borrowed; NULL if i is out of range) and its part (if part is not NULL). */
const gen_choicemap *gen_choicemap_child_at(const gen_choicemap *m, int64_t i, gen_part *part);

/* Deep iteration over every (address, value), depth first in the documented order:
 *   gen_choicemap_iter it;
 *   gen_choicemap_iter_init(&it, m);
 *   while (gen_choicemap_iter_next(&it)) use(&it.addr, it.value);
 * The map must stay alive during the iteration. Fields after value are private. */
typedef struct gen_choicemap_iter {
    gen_addr addr;          /* address of the current value */
    const gen_array *value; /* the current value (borrowed) */
    const gen_array *mask;  /* its presence mask (borrowed; NULL: every particle) */
    const gen_choicemap *node_[GEN_ADDR_MAX_DEPTH + 1];
    int64_t pos_[GEN_ADDR_MAX_DEPTH + 1];
    int top_;
} gen_choicemap_iter;
void gen_choicemap_iter_init(gen_choicemap_iter *it, const gen_choicemap *m);
bool gen_choicemap_iter_next(gen_choicemap_iter *it);
/* Calls fn for each (address, value) in deep order; stops at the first status other
 * than GEN_OK and returns it. */
typedef gen_status (*gen_choicemap_visit_fn)(void *ud, const gen_addr *addr,
                                             const gen_array *value);
gen_status gen_choicemap_foreach(const gen_choicemap *m, gen_choicemap_visit_fn fn, void *ud);

/* Same structure and, at each address, values of the same dtype, shape and bits (for a
 * masked value: the same mask, and the same bits for the particles present). */
bool gen_choicemap_equal(const gen_choicemap *a, const gen_choicemap *b);

/* ---- masked values (batched maps: per-particle branching) ------------------------------
 * In a batched choice map (genc/array.h: batched mode), a value may be present for some
 * particles only: it carries a presence mask, a bool [N] array (true: particle i has
 * this choice); the value is batched, [N] + the per-particle shape, and its entries for
 * absent particles mean nothing. Switch, Mask and Mix make such maps when particles take
 * different branches (genc/comb.h). A masked value counts as one value (count,
 * iteration; gen_choicemap_iter's mask field gives the mask); gen_choicemap_particle(m,
 * i) leaves out the values absent for particle i; merge joins two values at one address
 * when their masks are disjoint (see gen_choicemap_merge); restrict, set and remove keep
 * masks; JSON writes the mask ("mask": [true, false, ...]); flattening a masked value is
 * an error (GEN_ERR_UNSUPPORTED). A mask is never all true (such a value is stored
 * unmasked) nor all false (nothing is stored). */

/* The presence mask of the value at addr (borrowed), or NULL: no value there, or one
 * present for every particle. */
const gen_array *gen_choicemap_mask_at(const gen_choicemap *m, const gen_addr *addr);
/* A new map: m with value at addr, present for the particles where mask is true (an all
 * true mask sets value as gen_choicemap_set; an all false one removes addr). value must
 * be batched (array.h) with N = mask's length particles, mask a bool [N] array:
 * GEN_ERR_VALUE / GEN_ERR_SHAPE naming the address otherwise. */
gen_choicemap *gen_choicemap_set_masked(const gen_choicemap *m, const gen_addr *addr,
                                        const gen_array *value, const gen_array *mask);
/* The choices of m for the particles where keep (bool [N]) is true: each value's
 * presence is its mask (or all) and keep; values then present for no particle are left
 * out; a shared (unbatched) value becomes a batched one broadcast over the N particles.
 * A new map. */
gen_choicemap *gen_choicemap_keep_particles(const gen_choicemap *m, const gen_array *keep);
/* m as seen by a batched run whose particles outside only (bool [N]) do not matter
 * (their results are thrown away): a value present for every particle in only becomes
 * unmasked, one present for none of them is left out, others keep mask and only. A new
 * map. */
gen_choicemap *gen_choicemap_for_particles(const gen_choicemap *m, const gen_array *only);

/* ---- persistent updates --------------------------------------------------------------- */

/* A new map: m with value at addr, replacing whatever was there (a value or a subtree).
 * Shares every untouched subtree with m. GEN_ERR_VALUE "choicemap set: y is a value,
 * cannot set y/3" when a proper prefix of addr holds a value; NULL value: GEN_ERR_MISUSE. */
gen_choicemap *gen_choicemap_set(const gen_choicemap *m, const gen_addr *addr,
                                 const gen_array *value);
/* gen_choicemap_set at a path in gen_addr_parse syntax: m with value at "y/3" (a new map
 * in the current scope). NULL with the error prefixed by the call and the path, as for
 * gen_choicemap_get_path ("gen_choicemap_set_path(\"y/3/z\"): gen_choicemap_set: y/3 is a
 * value, cannot set y/3/z below it"). */
gen_choicemap *gen_choicemap_set_path(const gen_choicemap *m, const char *path,
                                      const gen_array *value);
/* A new map: m with sub at addr (replacing what was there; an empty sub removes it). */
gen_choicemap *gen_choicemap_set_submap(const gen_choicemap *m, const gen_addr *addr,
                                        const gen_choicemap *sub);
/* A new map without anything at addr (m's contents if nothing is there). */
gen_choicemap *gen_choicemap_remove(const gen_choicemap *m, const gen_addr *addr);
/* The union of a and b, sharing subtrees present in one only. GEN_ERR_VALUE naming the
 * address when both have a value there, or one has a value where the other has a map.
 * Two masked values with disjoint masks, one dtype and one shape merge into one value
 * present for either's particles (each particle's entries from the map that has it). */
gen_choicemap *gen_choicemap_merge(const gen_choicemap *a, const gen_choicemap *b);

/* Particle i of a batched choice map (genc/array.h: batched mode; a batched trace's
 * choices): every batched value indexed at i along its particle axis, every other value
 * (shared by all particles, e.g. observed data) kept, masked values absent for particle
 * i left out (and the submaps they leave empty). GEN_ERR_INDEX naming the address when
 * i is out of range. */
gen_choicemap *gen_choicemap_particle(const gen_choicemap *m, int64_t i);

/* ---- builder ---------------------------------------------------------------------- */

/* A mutable map under construction (not thread-safe, not scope-owned): set values and
 * submaps in any order, then finish. Later sets at the same address replace earlier
 * ones; a set below an address holding a value is an error (as for gen_choicemap_set).
 * Total cost O(size log width). */
typedef struct gen_choicemap_builder gen_choicemap_builder;

/* A new builder (caller owns it; NULL on OOM). */
gen_choicemap_builder *gen_choicemap_builder_new(void);
/* Frees the builder and everything it holds (after finish, or to abandon it). */
void gen_choicemap_builder_free(gen_choicemap_builder *b);
gen_status gen_choicemap_builder_set(gen_choicemap_builder *b, const gen_addr *addr,
                                     const gen_array *value);
/* gen_choicemap_builder_set at a path in gen_addr_parse syntax, in one call:
 * gen_choicemap_builder_set_path(b, "y/3", value). Errors as gen_choicemap_builder_set's
 * (the builder keeps what it had), prefixed by the call and the path; a path that does
 * not parse is GEN_ERR_VALUE, a NULL path GEN_ERR_MISUSE. */
gen_status gen_choicemap_builder_set_path(gen_choicemap_builder *b, const char *path,
                                          const gen_array *value);
/* Sets value present for the particles where mask is true (as gen_choicemap_set_masked). */
gen_status gen_choicemap_builder_set_masked(gen_choicemap_builder *b, const gen_addr *addr,
                                            const gen_array *value, const gen_array *mask);
/* Sets sub (retained, shared) at addr; an empty sub removes what is there. */
gen_status gen_choicemap_builder_set_submap(gen_choicemap_builder *b, const gen_addr *addr,
                                            const gen_choicemap *sub);
/* The built map (new reference, scope rules as usual). The builder is emptied and may
 * be reused or freed. */
gen_choicemap *gen_choicemap_builder_finish(gen_choicemap_builder *b);

/* ---- selections ---------------------------------------------------------------------- */

typedef struct gen_selection gen_selection;

gen_selection *gen_selection_retain(gen_selection *s);
void gen_selection_release(gen_selection *s);
gen_selection *gen_selection_scope_return(gen_selection *s);

/* Every address / no address (shared immortal objects). */
gen_selection *gen_select_all(void);
gen_selection *gen_select_none(void);
/* The n addresses, each with its whole subtree (the root selects everything). */
gen_selection *gen_select(int64_t n, const gen_addr *addrs);
/* The same from n paths in gen_addr_parse syntax (errors name the path). */
gen_selection *gen_select_paths(int64_t n, const char *const *paths);
/* Exactly the addresses s does not contain. */
gen_selection *gen_selection_complement(const gen_selection *s);
/* Addresses in a or b. */
gen_selection *gen_selection_union(const gen_selection *a, const gen_selection *b);
/* The selection under part p (borrowed): what s selects below p, relative to p. */
const gen_selection *gen_selection_sub(const gen_selection *s, gen_part p);
/* True if s contains addr, i.e. selects addr and everything below it. */
bool gen_selection_contains(const gen_selection *s, const gen_addr *addr);
bool gen_selection_is_all(const gen_selection *s);
bool gen_selection_is_none(const gen_selection *s);
/* Calls fn for each address s names, in address order, stopping at the first status
 * other than GEN_OK (returned). s names address a (not the root) when s selects
 * something at a itself (a, or everything below a but exceptions) while a's parent
 * selects nothing by default: for a selection made by gen_select (and unions of
 * those), the listed addresses not below another listed one; all, none and
 * complements name none. Costs O(size of s), not of any choice map. */
typedef gen_status (*gen_selection_visit_fn)(void *ud, const gen_addr *addr);
gen_status gen_selection_foreach_named(const gen_selection *s, gen_selection_visit_fn fn,
                                       void *ud);

/* ---- choice maps and selections ---------------------------------------------------- */

/* The values of m at addresses s contains (sharing subtrees kept whole). */
gen_choicemap *gen_choicemap_restrict(const gen_choicemap *m, const gen_selection *s);
/* The values of m at addresses s does not contain. */
gen_choicemap *gen_choicemap_restrict_complement(const gen_choicemap *m, const gen_selection *s);

/* ---- flattening (gradient-based inference) ------------------------------------------ */

/* Flattening sees only floating-point values (f64, f32): integer and bool values are
 * discrete, carry no gradient, and are skipped. sel restricts to the selected values
 * (NULL: all). Batched values are flattened whole (all particles); a selected masked
 * float value is an error (GEN_ERR_UNSUPPORTED naming its address). */

/* Number of elements gen_choicemap_flatten gives. */
int64_t gen_choicemap_flat_size(const gen_choicemap *m, const gen_selection *sel);
/* A 1-d f64 array: the float values, raveled and concatenated in deep order. Built with
 * array ops, so it is differentiable in the values under gen_grad and friends. */
gen_array *gen_choicemap_flatten(const gen_choicemap *m, const gen_selection *sel);
/* A map with template's structure whose flattened values (same sel) are flat's
 * elements: each is a reshaped slice of flat cast back to the template value's dtype;
 * other values are shared. Differentiable in flat. GEN_ERR_SHAPE if flat is not 1-d of
 * gen_choicemap_flat_size elements. */
gen_choicemap *gen_choicemap_unflatten(const gen_choicemap *template_, const gen_selection *sel,
                                       const gen_array *flat);

/* ---- names of flattened elements (draws, CSV files) -----------------------------------
 * One convention, Stan's (as its print/summary, CmdStan's CSV header after the dots are
 * mapped, and posteriordb write parameters): the element of a value at address a is
 * named by a formatted as gen_addr_format writes it, then, for a value with dimensions,
 * its row-major indices counted from 1 in brackets: "sigma" (0-d), "beta[3]" (the third
 * element of a 1-d value), "L[2,1]" (row 2, column 1), "obs/3/y[2]". The integer parts
 * of the address stay as written (from 0, as the model wrote them); only the element
 * indices count from 1. A 0-d value at the root is named "". */

/* Writes the name of element elem (0-based, row-major) of a value of shape
 * [ndim, shape] at address a into buf (truncated to n-1 chars and terminated, as
 * snprintf); returns the length it needs. -1 with the error recorded for a NULL address
 * or buffer (with n > 0; GEN_ERR_MISUSE), a bad shape (GEN_ERR_VALUE) or elem outside
 * 0..size-1 (GEN_ERR_INDEX). */
int gen_addr_format_elem(const gen_addr *a, int ndim, const int64_t *shape, int64_t elem, char *buf,
                         size_t n);
/* The names of the elements gen_choicemap_flatten(m, sel) gives, in its order: *names a
 * new array of *n strings (the caller frees it with gen_names_free(*names, *n); an empty
 * flattening gives *n = 0 and an array to free all the same). Errors (nothing to free,
 * *names NULL and *n 0): those of gen_choicemap_flat_size (a selected masked value);
 * GEN_ERR_UNSUPPORTED naming the address for a selected batched float value (its
 * elements are particles' copies, not parameters: name one particle's map,
 * gen_choicemap_particle); GEN_ERR_MISUSE for NULL m, names or n; GEN_ERR_OOM. */
gen_status gen_choicemap_flat_names(const gen_choicemap *m, const gen_selection *sel, char ***names,
                                    int64_t *n);
/* Frees n names and their array as GenC returns them (gen_choicemap_flat_names,
 * gen_draws_read_csv). NULL is ignored. */
void gen_names_free(char **names, int64_t n);

/* ---- JSON ------------------------------------------------------------------------- */

/* JSON form: an internal node is an object whose keys are its parts formatted as in an
 * address ("3" is the integer 3, "\\3" — the JSON spelling of \3 — the symbol named 3,
 * "y" the symbol y); a value is {"dtype": "f64"|"f32"|"i64"|"bool", "shape": [...],
 * "data": [...]} with data flat in row-major order (an object is a value iff its
 * "dtype" member is a string), plus "mask": [true, false, ...] for a masked value (its
 * leading axis is the particle axis: read back batched). Non-finite floats are written as the strings "inf",
 * "-inf", "nan"; integers beyond +-2^53 as decimal strings, so everything round-trips
 * exactly. The empty map is {}. */

/* A new NUL-terminated string (free it with gen_choicemap_json_free); NULL on error. */
char *gen_choicemap_to_json(const gen_choicemap *m);
void gen_choicemap_json_free(char *json);
/* Parses the form above; GEN_ERR_VALUE naming the address of the first bad entry. */
gen_choicemap *gen_choicemap_from_json(const char *json);

#ifdef __cplusplus
}
#endif
#endif
