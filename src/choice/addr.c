/* addr.c — parts and addresses: construction, parsing, formatting, order and hashing. */
#include <stdio.h>
#include <string.h>

#include "choice_int.h"

#define PART_ESC_STACK 256 /* escaped names up to this long are unescaped on the stack */

gen_part gen_part_name(const char *name) {
    if (!name) return GEN_FAIL(GEN_ERR_MISUSE, "gen_part_name: the name is NULL"), (gen_part){0};
    return gen_part_sym(gen_intern(name));
}

/* True for an optional '-' followed by one or more decimal digits. */
static bool int_like(const char *s, size_t len) {
    size_t i = (len > 0 && s[0] == '-') ? 1 : 0;
    if (i == len) return false;
    for (; i < len; i++)
        if (s[i] < '0' || s[i] > '9') return false;
    return true;
}

/* Appends c to buf[*k] if it fits; always counts it. */
static void put(char *buf, size_t n, size_t *k, char c) {
    if (*k + 1 < n) buf[*k] = c;
    (*k)++;
}

static size_t format_part(gen_part p, char *buf, size_t n, size_t k) {
    if (gen_part_is_int(p)) {
        char tmp[32];
        int m = snprintf(tmp, sizeof tmp, "%lld", (long long)gen_part_get_int(p));
        for (int i = 0; i < m; i++) put(buf, n, &k, tmp[i]);
        return k;
    }
    const char *name = gen_part_is_sym(p) ? gen_sym_name(gen_part_get_sym(p)) : NULL;
    if (!name) name = gen_part_is_sym(p) ? "<unknown symbol>" : "<invalid part>";
    if (int_like(name, strlen(name))) put(buf, n, &k, '\\');
    for (const char *c = name; *c; c++) {
        if (*c == '/' || *c == '\\') put(buf, n, &k, '\\');
        put(buf, n, &k, *c);
    }
    return k;
}

static int finish(char *buf, size_t n, size_t k) {
    if (n) buf[k < n ? k : n - 1] = '\0';
    return (int)k;
}

/* A NULL argument of fn: GEN_ERR_MISUSE "<fn>: <what> is NULL"; returns false. Out of
 * line: the checks on the hot paths cost one predictable branch. */
static CORE_NOINLINE bool addr_null(const char *fn, const char *what) {
    GEN_FAIL(GEN_ERR_MISUSE, "%s: %s is NULL", fn, what);
    return false;
}

int gen_part_format(gen_part p, char *buf, size_t n) {
    if (CORE_UNLIKELY(!buf && n)) return addr_null("gen_part_format", "the buffer"), 0;
    return finish(buf, n, format_part(p, buf, n, 0));
}

int gen_addr_format(const gen_addr *a, char *buf, size_t n) {
    if (CORE_UNLIKELY(!buf && n)) return addr_null("gen_addr_format", "the buffer"), 0;
    if (CORE_UNLIKELY(!a)) {
        addr_null("gen_addr_format", "the address");
        return finish(buf, n, 0);
    }
    size_t k = 0;
    int len = a->len;
    for (int i = 0; i < len; i++) {
        if (i) put(buf, n, &k, '/');
        k = format_part(a->parts[i], buf, n, k);
    }
    return finish(buf, n, k);
}

const char *addr_str(const gen_addr *a, char *buf) {
    if (!a || a->len == 0) {
        snprintf(buf, GEN_ADDR_FORMAT_MAX, "(root)");
        return buf;
    }
    if (gen_addr_format(a, buf, GEN_ADDR_FORMAT_MAX) >= GEN_ADDR_FORMAT_MAX)
        memcpy(buf + GEN_ADDR_FORMAT_MAX - 4, "...", 4);
    return buf;
}

gen_status addr_parse_part(const char *s, size_t len, gen_part *out, const char *what, bool held) {
    if (len == 0) return GEN_FAIL(GEN_ERR_VALUE, "%s: empty part in \"%s\"", what, s);
    if (!memchr(s, '\\', len)) {
        if (int_like(s, len)) {
            bool neg = s[0] == '-';
            int64_t v = 0;
            for (size_t i = neg; i < len; i++) {
                if (v > (GEN_PART_INT_MAX - (s[i] - '0')) / 10)
                    return GEN_FAIL(GEN_ERR_VALUE,
                                    "%s: integer part %.*s is out of range (|i| < 2^62)", what,
                                    (int)len, s);
                v = 10 * v + (s[i] - '0');
            }
            *out = gen_part_int(neg ? -v : v);
            return GEN_OK;
        }
        *out = gen_part_sym(held ? intern_hold_n(s, len) : gen_intern_n(s, len));
        return gen_part_valid(*out) ? GEN_OK : gen_error_status();
    }
    /* The name is at most len bytes, however long: whatever gen_addr_format writes
     * (its escapes double a name's slashes and backslashes) parses back. */
    char small[PART_ESC_STACK], *name = len <= sizeof small ? small : core_alloc(len);
    if (!name) return GEN_ERR_OOM;
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\\' && ++i == len) {
            if (name != small) core_free(name, len);
            return GEN_FAIL(GEN_ERR_VALUE, "%s: trailing '\\' in \"%.*s\"", what, (int)len, s);
        }
        name[k++] = s[i];
    }
    *out = gen_part_sym(held ? intern_hold_n(name, k) : gen_intern_n(name, k));
    if (name != small) core_free(name, len);
    return gen_part_valid(*out) ? GEN_OK : gen_error_status();
}

gen_status gen_addr_parse(gen_addr *out, const char *path) {
    if (!out || !path) return GEN_FAIL(GEN_ERR_MISUSE, "gen_addr_parse: NULL argument");
    gen_addr a = {0};
    for (const char *s = path; *s;) {
        const char *e = s;
        while (*e && *e != '/') e += (e[0] == '\\' && e[1]) ? 2 : 1;
        if (a.len == GEN_ADDR_MAX_DEPTH)
            return GEN_FAIL(GEN_ERR_VALUE, "gen_addr_parse: \"%s\" has more than %d parts", path,
                            GEN_ADDR_MAX_DEPTH);
        if (e == s)
            return GEN_FAIL(GEN_ERR_VALUE, "gen_addr_parse: empty part in \"%s\"", path);
        if (addr_parse_part(s, (size_t)(e - s), &a.parts[a.len], "gen_addr_parse", false) != GEN_OK) {
            core_error_prefix("in \"%s\"", path);
            return gen_error_status();
        }
        a.len++;
        if (*e == '/' && e[1] == '\0')
            return GEN_FAIL(GEN_ERR_VALUE, "gen_addr_parse: empty part in \"%s\"", path);
        s = *e ? e + 1 : e;
    }
    *out = a;
    return GEN_OK;
}

static gen_status check_part(const char *fn, gen_part p, int i) {
    if (gen_part_valid(p)) return GEN_OK;
    return GEN_FAIL(GEN_ERR_VALUE, "%s: part %d is invalid (an integer beyond +-(2^62-1), an "
                                   "uninterned symbol, or a zeroed gen_part)", fn, i);
}

gen_status gen_addr_from(gen_addr *out, int n, const gen_part *parts) {
    if (!out || (n > 0 && !parts)) return GEN_FAIL(GEN_ERR_MISUSE, "gen_addr_from: NULL argument");
    if (n < 0 || n > GEN_ADDR_MAX_DEPTH)
        return GEN_FAIL(GEN_ERR_VALUE, "gen_addr_from: %d parts (at most %d)", n,
                        GEN_ADDR_MAX_DEPTH);
    for (int i = 0; i < n; i++)
        if (check_part("gen_addr_from", parts[i], i) != GEN_OK) return GEN_ERR_VALUE;
    out->len = n;
    if (n) memcpy(out->parts, parts, (size_t)n * sizeof *parts);
    return GEN_OK;
}

gen_status gen_addr_push(gen_addr *a, gen_part p) {
    if (!a) return GEN_FAIL(GEN_ERR_MISUSE, "gen_addr_push: NULL address");
    if (a->len >= GEN_ADDR_MAX_DEPTH) {
        char buf[GEN_ADDR_FORMAT_MAX];
        return GEN_FAIL(GEN_ERR_VALUE, "gen_addr_push: %s already has %d parts (the most)",
                        addr_str(a, buf), GEN_ADDR_MAX_DEPTH);
    }
    if (check_part("gen_addr_push", p, a->len) != GEN_OK) return GEN_ERR_VALUE;
    a->parts[a->len++] = p;
    return GEN_OK;
}

gen_status gen_addr_pop(gen_addr *a) {
    if (!a) return GEN_FAIL(GEN_ERR_MISUSE, "gen_addr_pop: NULL address");
    if (a->len <= 0) return GEN_FAIL(GEN_ERR_VALUE, "gen_addr_pop: the root has no parts");
    a->len--;
    return GEN_OK;
}

gen_status gen_addr_concat(gen_addr *out, const gen_addr *a, const gen_addr *b) {
    if (!out || !a || !b) return GEN_FAIL(GEN_ERR_MISUSE, "gen_addr_concat: NULL argument");
    if (a->len + b->len > GEN_ADDR_MAX_DEPTH) {
        char ba[GEN_ADDR_FORMAT_MAX], bb[GEN_ADDR_FORMAT_MAX];
        return GEN_FAIL(GEN_ERR_VALUE, "gen_addr_concat: %s / %s has more than %d parts",
                        addr_str(a, ba), addr_str(b, bb), GEN_ADDR_MAX_DEPTH);
    }
    gen_addr r = *a; /* out may alias a or b */
    memcpy(r.parts + a->len, b->parts, (size_t)b->len * sizeof(gen_part));
    r.len = a->len + b->len;
    *out = r;
    return GEN_OK;
}

bool gen_addr_equal(const gen_addr *a, const gen_addr *b) {
    if (CORE_UNLIKELY(!a || !b)) return addr_null("gen_addr_equal", a ? "b" : "a");
    if (a->len != b->len) return false;
    for (int i = 0; i < a->len; i++)
        if (a->parts[i].v != b->parts[i].v) return false;
    return true;
}

int gen_addr_compare(const gen_addr *a, const gen_addr *b) {
    if (CORE_UNLIKELY(!a || !b)) return addr_null("gen_addr_compare", a ? "b" : "a"), 0;
    int n = a->len < b->len ? a->len : b->len;
    for (int i = 0; i < n; i++) {
        int c = gen_part_compare(a->parts[i], b->parts[i]);
        if (c) return c;
    }
    return (a->len > b->len) - (a->len < b->len);
}

uint64_t gen_addr_hash(const gen_addr *a) {
    if (CORE_UNLIKELY(!a)) return addr_null("gen_addr_hash", "the address"), 0;
    uint64_t h = 0x9E3779B97F4A7C15u ^ (uint64_t)a->len;
    for (int i = 0; i < a->len; i++) {
        h ^= a->parts[i].v;
        h *= 0xff51afd7ed558ccdu; /* murmur3 finalizer steps */
        h ^= h >> 33;
    }
    h *= 0xc4ceb9fe1a85ec53u;
    return h ^ (h >> 33);
}

uint64_t gen_addr_key_hash(const gen_addr *a) {
    if (CORE_UNLIKELY(!a)) return addr_null("gen_addr_key_hash", "the address"), 0;
    uint64_t h = 0x9E3779B97F4A7C15u ^ (uint64_t)a->len;
    for (int i = 0; i < a->len; i++) {
        uint64_t v = a->parts[i].v;
        if (gen_part_is_sym(a->parts[i])) { /* FNV-1a of the name, top bit set as for ids */
            const char *name = gen_sym_name(gen_part_get_sym(a->parts[i]));
            v = 0xcbf29ce484222325u;
            for (const unsigned char *c = (const unsigned char *)(name ? name : ""); *c; c++) v = (v ^ *c) * 0x100000001b3u;
            v |= (uint64_t)1 << 63;
        }
        h ^= v;
        h *= 0xff51afd7ed558ccdu; /* murmur3 finalizer steps */
        h ^= h >> 33;
    }
    h *= 0xc4ceb9fe1a85ec53u;
    return h ^ (h >> 33);
}

bool gen_addr_has_prefix(const gen_addr *a, const gen_addr *p) {
    if (CORE_UNLIKELY(!a || !p)) return addr_null("gen_addr_has_prefix", a ? "p" : "a");
    if (p->len > a->len) return false;
    for (int i = 0; i < p->len; i++)
        if (a->parts[i].v != p->parts[i].v) return false;
    return true;
}
