/* fuzz_addr.c — libFuzzer harness: addresses, parsed from text and built from parts.
 *
 * The input up to its first NUL is a path for gen_addr_parse; the bytes after it are a
 * program building addresses from parts (integers at the edges of the range, symbols
 * from a small set of names that includes '/', '\', digits and very long names) with
 * push, pop and concat. Every address must:
 *   - format into the syntax gen_addr_parse reads, and parse back to itself;
 *   - format truncated into any buffer as the full text's prefix, NUL-terminated, with
 *     the full length returned;
 *   - compare equal to itself and hash alike when equal, order consistently, be a
 *     prefix of its extensions;
 *   - be found again in a choice map and a selection made at it, and in the JSON
 *     written from that map and read back.
 * Failures record an error with a message; nothing stays allocated. */
#include "fuzz_common.h"
#include "genc/choice.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    fz_init();
    return 0;
}

#define TEXT_MAX (GEN_ADDR_MAX_DEPTH * 2 * 1200 + 1)
static char text[TEXT_MAX], text2[TEXT_MAX];

static void check_format(const gen_addr *a) {
    int len = gen_addr_format(a, text, sizeof text);
    FZ_CHECK(len >= 0 && len < (int)sizeof text, "gen_addr_format length %d", len);
    FZ_CHECK((int)strlen(text) == len, "gen_addr_format returned %d, wrote %zu", len, strlen(text));
    for (size_t n = 0; n <= (size_t)len + 1 && n < 40; n++) { /* truncated, into exactly n bytes */
        char *small = malloc(n ? n : 1);
        int l2 = gen_addr_format(a, small, n);
        FZ_CHECK(l2 == len, "gen_addr_format into %zu bytes returned %d, not %d", n, l2, len);
        if (n) {
            size_t w = strlen(small), want = n - 1 < (size_t)len ? n - 1 : (size_t)len;
            FZ_CHECK(w == want && memcmp(small, text, w) == 0, "gen_addr_format into %zu bytes wrote \"%s\" of \"%s\"",
                     n, small, text);
        }
        free(small);
    }
    gen_addr b;
    gen_error_clear();
    gen_status s = gen_addr_parse(&b, text);
    FZ_CHECK(s == GEN_OK, "gen_addr_parse cannot read what gen_addr_format wrote: \"%s\": %s", text,
             gen_error_message());
    FZ_CHECK(gen_addr_equal(a, &b), "\"%s\" parses to another address", text);
    FZ_CHECK(gen_addr_hash(a) == gen_addr_hash(&b), "equal addresses hash differently");
    FZ_CHECK(gen_addr_compare(a, &b) == 0, "equal addresses compare unequal");
    int len2 = gen_addr_format(&b, text2, sizeof text2);
    FZ_CHECK(len2 == len && strcmp(text, text2) == 0, "formatting is not canonical");
}

/* A choice map and a selection at a; the map's JSON read back. */
static void check_uses(const gen_addr *a) {
    gen_error_clear();
    FZ_CHECK(gen_scope_begin() == GEN_OK, "gen_scope_begin");
    gen_array *v = gen_scalar(1.5);
    gen_choicemap *m = v ? gen_choicemap_set(gen_choicemap_empty(), a, v) : NULL;
    if (!m) fz_check_failure("gen_choicemap_set", GEN_OK);
    else {
        FZ_CHECK(gen_choicemap_find(m, a) == v, "the value set at an address is not found there");
        FZ_CHECK(gen_choicemap_count(m) == 1, "one value set, count %lld", (long long)gen_choicemap_count(m));
        gen_choicemap_iter it;
        gen_choicemap_iter_init(&it, m);
        FZ_CHECK(gen_choicemap_iter_next(&it) && gen_addr_equal(&it.addr, a) && it.value == v,
                 "iteration does not give the address back");
        gen_error_clear();
        char *js = gen_choicemap_to_json(m);
        if (!js) fz_check_failure("gen_choicemap_to_json", GEN_OK);
        else {
            gen_choicemap *m2 = gen_choicemap_from_json(js);
            FZ_CHECK(m2 || gen_error_status() == GEN_ERR_OOM, "the JSON of a map at an address does not read back: %s: %s",
                     js, gen_error_message());
            if (m2) FZ_CHECK(gen_choicemap_equal(m, m2), "JSON round trip differs: %s", js);
            gen_choicemap_json_free(js);
        }
    }
    gen_error_clear();
    gen_selection *s = gen_select(1, a);
    if (!s) fz_check_failure("gen_select", GEN_OK);
    else {
        FZ_CHECK(gen_selection_contains(s, a), "a selection does not contain its address");
        gen_selection *c = gen_selection_complement(s);
        if (c) FZ_CHECK(!gen_selection_contains(c, a), "a complement contains the address");
        else fz_check_failure("gen_selection_complement", GEN_OK);
    }
    FZ_CHECK(gen_scope_end() == GEN_OK, "gen_scope_end");
}

static void check_addr(const gen_addr *a) {
    FZ_CHECK(a->len >= 0 && a->len <= GEN_ADDR_MAX_DEPTH, "address of %d parts", a->len);
    FZ_CHECK(gen_addr_equal(a, a) && gen_addr_compare(a, a) == 0, "not equal to itself");
    FZ_CHECK(gen_addr_has_prefix(a, a), "not a prefix of itself");
    check_format(a);
    check_uses(a);
}

/* A symbol from a small set (so the intern table stays small however long we run). */
static gen_part read_sym(fz_in *r) {
    static const char alphabet[] = "ab/\\0-1 .~";
    static const int lengths[] = {1, 1, 1, 2, 3, 3, 255, 256, 511, 512, 600};
    char name[601];
    uint8_t b = fz_u8(r);
    int len = lengths[(b >> 4) % (sizeof lengths / sizeof *lengths)];
    char c0 = alphabet[b % (sizeof alphabet - 1)], c1 = alphabet[fz_u8(r) % (sizeof alphabet - 1)];
    for (int i = 0; i < len; i++) name[i] = (i % 2) ? c1 : c0;
    name[len] = 0;
    return gen_part_name(name);
}

static gen_part read_part(fz_in *r) {
    uint8_t b = fz_u8(r);
    if (b & 1) return read_sym(r);
    if (b & 2) return gen_part_int(fz_index(r));
    static const int64_t edge[] = {GEN_PART_INT_MAX, GEN_PART_INT_MIN, GEN_PART_INT_MAX + 1,
                                   GEN_PART_INT_MIN - 1, 0, -1};
    return gen_part_int(edge[(b >> 2) % 6]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const uint8_t *nul = memchr(data, 0, size);
    size_t len = nul ? (size_t)(nul - data) : size;
    char *path = malloc(len + 1);
    memcpy(path, data, len);
    path[len] = 0;
    fz_alloc_reset();
    gen_addr a;
    gen_error_clear();
    gen_status s = gen_addr_parse(&a, path);
    if (s != GEN_OK) fz_check_failure("gen_addr_parse", s);
    else check_addr(&a);
    free(path);
    if (!nul) {
        fz_check_still_works("fuzz_addr");
        fz_forget_symbols();
        return 0;
    }
    /* the parts program: a stack of two addresses */
    fz_in r = {nul + 1, size - len - 1, 0};
    gen_addr x = {0}, y = {0};
    for (int steps = 0; fz_more(&r) && steps < 64; steps++) {
        uint8_t op = fz_u8(&r);
        gen_error_clear();
        gen_addr *t = (op & 8) ? &y : &x;
        switch (op % 8) {
        case 0:
        case 1: {
            gen_part p = read_part(&r);
            int before = t->len;
            s = gen_addr_push(t, p);
            if (s != GEN_OK) {
                fz_check_failure("gen_addr_push", s);
                FZ_CHECK(t->len == before, "a failed push changed the address");
                FZ_CHECK(!gen_part_valid(p) || before == GEN_ADDR_MAX_DEPTH, "a valid push failed");
            } else FZ_CHECK(t->len == before + 1 && gen_part_equal(t->parts[before], p), "push");
            break;
        }
        case 2:
            s = gen_addr_pop(t);
            if (s != GEN_OK) fz_check_failure("gen_addr_pop", s);
            break;
        case 3: {
            gen_addr c;
            s = gen_addr_concat(&c, &x, &y);
            if (s != GEN_OK) {
                fz_check_failure("gen_addr_concat", s);
                FZ_CHECK(x.len + y.len > GEN_ADDR_MAX_DEPTH, "a concat within the limit failed");
            } else {
                FZ_CHECK(gen_addr_has_prefix(&c, &x), "x is not a prefix of x/y");
                FZ_CHECK(gen_addr_compare(&x, &c) <= 0, "x sorts after x/y");
                if (op & 16) x = c;
                check_addr(&c);
            }
            break;
        }
        case 4: {
            int cxy = gen_addr_compare(&x, &y), cyx = gen_addr_compare(&y, &x);
            FZ_CHECK((cxy > 0) - (cxy < 0) == -((cyx > 0) - (cyx < 0)), "compare is not antisymmetric");
            FZ_CHECK((cxy == 0) == gen_addr_equal(&x, &y), "compare and equal disagree");
            if (cxy == 0) FZ_CHECK(gen_addr_hash(&x) == gen_addr_hash(&y), "equal, hashed differently");
            break;
        }
        case 5: {
            gen_part parts[GEN_ADDR_MAX_DEPTH + 1];
            int n = fz_u8(&r) % (GEN_ADDR_MAX_DEPTH + 2);
            for (int i = 0; i < n; i++) parts[i] = read_part(&r);
            s = gen_addr_from(t, n, parts);
            if (s != GEN_OK) fz_check_failure("gen_addr_from", s);
            break;
        }
        default:
            check_addr(t);
            break;
        }
    }
    check_addr(&x);
    check_addr(&y);
    fz_check_still_works("fuzz_addr");
    fz_forget_symbols();
    return 0;
}
