/* test_addr.c — symbols (interning, thread safety), parts and addresses (parse/format
 * round trip, order, equality, hashing, the depth limit) and their error paths. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "check.h"

static gen_addr A(const char *s) {
    gen_addr a = {0};
    CHECK_OK(gen_addr_parse(&a, s));
    return a;
}

static void test_intern(void) {
    gen_sym x = gen_intern("x"), y = gen_intern("y");
    CHECK(x != GEN_SYM_INVALID && y != GEN_SYM_INVALID && x != y);
    char buf[] = "x";
    CHECK(gen_intern(buf) == x); /* equal strings, not equal pointers */
    CHECK(gen_intern_n("xyz", 1) == x);
    CHECK(strcmp(gen_sym_name(y), "y") == 0);
    CHECK(gen_sym_name(gen_sym_count()) == NULL);
    CHECK(gen_sym_name(GEN_SYM_INVALID) == NULL);
    /* Many names force the table to grow; ids stay stable. */
    gen_sym ids[3000];
    for (int i = 0; i < 3000; i++) {
        char n[32];
        snprintf(n, sizeof n, "name_%d", i);
        ids[i] = gen_intern(n);
    }
    for (int i = 0; i < 3000; i += 7) {
        char n[32];
        snprintf(n, sizeof n, "name_%d", i);
        CHECK(gen_intern(n) == ids[i]);
        CHECK(strcmp(gen_sym_name(ids[i]), n) == 0);
    }
    CHECK(gen_intern("x") == x);
}

static void test_intern_errors(void) {
    CHECK(gen_intern(NULL) == GEN_SYM_INVALID);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_intern: the name is NULL");
    CHECK(gen_intern("") == GEN_SYM_INVALID);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_intern: the name is empty");
    CHECK(gen_intern_n("a\0b", 3) == GEN_SYM_INVALID);
    CHECK_ERROR(GEN_ERR_VALUE, "contains a NUL byte");
    CHECK(!gen_part_valid(gen_part_name("")));
    CHECK_ERROR(GEN_ERR_VALUE, "empty");
}

/* Four threads intern overlapping names; all must agree on every id. */
#define T_NAMES 2003 /* prime: each thread visits a permutation */
static gen_sym thread_ids[4][T_NAMES];

static void *intern_worker(void *arg) {
    int t = (int)(intptr_t)arg;
    for (int k = 0; k < T_NAMES; k++) {
        int i = (k * (2 * t + 1) + 37 * t) % T_NAMES; /* a different order per thread */
        char n[32];
        snprintf(n, sizeof n, "thr_%d", i);
        thread_ids[t][i] = gen_intern(n);
    }
    return NULL;
}

static void test_intern_threads(void) {
    pthread_t th[4];
    for (int t = 0; t < 4; t++) pthread_create(&th[t], NULL, intern_worker, (void *)(intptr_t)t);
    for (int t = 0; t < 4; t++) pthread_join(th[t], NULL);
    int bad = 0;
    for (int i = 0; i < T_NAMES; i++) {
        char n[32];
        snprintf(n, sizeof n, "thr_%d", i);
        for (int t = 0; t < 4; t++) bad += thread_ids[t][i] != thread_ids[0][i];
        bad += thread_ids[0][i] == GEN_SYM_INVALID || strcmp(gen_sym_name(thread_ids[0][i]), n) != 0;
    }
    CHECK(bad == 0);
    /* Distinct names got distinct ids. */
    for (int i = 1; i < T_NAMES; i++) bad += thread_ids[0][i] == thread_ids[0][i - 1];
    CHECK(bad == 0);
}

static void test_parts(void) {
    gen_part a = gen_part_int(3), b = gen_part_int(-5), s = gen_part_name("z");
    CHECK(gen_part_is_int(a) && !gen_part_is_sym(a) && gen_part_get_int(a) == 3);
    CHECK(gen_part_get_int(b) == -5);
    CHECK(gen_part_is_sym(s) && gen_part_get_sym(s) == gen_intern("z"));
    CHECK(gen_part_get_sym(a) == GEN_SYM_INVALID && gen_part_get_int(s) == 0);
    CHECK(gen_part_compare(b, a) < 0 && gen_part_compare(a, s) < 0 && gen_part_compare(a, a) == 0);
    CHECK(gen_part_get_int(gen_part_int(GEN_PART_INT_MAX)) == GEN_PART_INT_MAX);
    CHECK(gen_part_get_int(gen_part_int(GEN_PART_INT_MIN)) == GEN_PART_INT_MIN);
    CHECK(!gen_part_valid(gen_part_int(GEN_PART_INT_MAX + 1)));
    CHECK(!gen_part_valid(gen_part_int(INT64_MIN)));
    CHECK(!gen_part_valid(gen_part_sym(GEN_SYM_INVALID)));
    gen_part zero = {0};
    CHECK(!gen_part_valid(zero) && !gen_part_is_int(zero) && !gen_part_is_sym(zero));
    char buf[16];
    CHECK(gen_part_format(b, buf, sizeof buf) == 2 && strcmp(buf, "-5") == 0);
    CHECK(gen_part_format(gen_part_name("7"), buf, sizeof buf) == 2 && strcmp(buf, "\\7") == 0);
}

static void round_trip(const char *text, const char *canonical) {
    gen_addr a = A(text), b;
    char buf[GEN_ADDR_FORMAT_MAX];
    int n = gen_addr_format(&a, buf, sizeof buf);
    CHECK(n == (int)strlen(canonical));
    if (strcmp(buf, canonical) != 0) printf("  format(%s) = %s, want %s\n", text, buf, canonical);
    CHECK(strcmp(buf, canonical) == 0);
    CHECK_OK(gen_addr_parse(&b, buf));
    CHECK(gen_addr_equal(&a, &b));
}

static void test_parse_format(void) {
    gen_addr a = A("y/3/z");
    CHECK(a.len == 3);
    CHECK(a.parts[0].v == gen_part_name("y").v);
    CHECK(gen_part_is_int(a.parts[1]) && gen_part_get_int(a.parts[1]) == 3);
    CHECK(a.parts[2].v == gen_part_name("z").v);
    round_trip("y/3/z", "y/3/z");
    round_trip("", "");
    round_trip("-12/0/x_1", "-12/0/x_1");
    round_trip("007", "7"); /* integers are canonicalized */
    round_trip("\\3/a\\/b/back\\\\slash", "\\3/a\\/b/back\\\\slash");
    round_trip("\\-4", "\\-4");
    round_trip("-", "-");
    round_trip("4611686018427387903", "4611686018427387903");
    gen_addr s3 = A("\\3");
    CHECK(gen_part_is_sym(s3.parts[0]) && strcmp(gen_sym_name(gen_part_get_sym(s3.parts[0])), "3") == 0);
    gen_addr i3 = A("3");
    CHECK(!gen_addr_equal(&s3, &i3));
    gen_addr sl = A("a\\/b");
    CHECK(sl.len == 1 && strcmp(gen_sym_name(gen_part_get_sym(sl.parts[0])), "a/b") == 0);
    /* Truncated output still reports the full length and is terminated. */
    char small[5];
    CHECK(gen_addr_format(&a, small, sizeof small) == 5 && strcmp(small, "y/3/") == 0);
    CHECK(gen_addr_format(&a, NULL, 0) == 5);
}

/* Whatever gen_addr_format writes, gen_addr_parse reads back: also a long symbol name
 * that needs escapes ('/' and '\\' written as "\\/" and "\\\\"), which an escaped part
 * once could not spell past 511 bytes (found by fuzz/fuzz_addr: a name of 600 '/' and
 * ' '). The same name as a JSON key of a choice map round-trips too. */
static void test_long_escaped_names(void) {
    enum { N = 3000 };
    static char name[N + 1], text[2 * N + 16];
    for (int len = 256; len <= N; len *= 2) {
        for (int i = 0; i < len; i++) name[i] = (i % 3 == 0) ? '/' : (i % 3 == 1) ? '\\' : 'x';
        name[len] = 0;
        gen_part parts[2] = {gen_part_name(name), gen_part_int(4)};
        gen_addr a, b;
        CHECK_OK(gen_addr_from(&a, 2, parts));
        int n = gen_addr_format(&a, text, sizeof text);
        CHECK(n < (int)sizeof text && n == (int)strlen(text));
        CHECK_OK(gen_addr_parse(&b, text));
        CHECK(gen_addr_equal(&a, &b));
        gen_scope_begin();
        gen_choicemap *m = gen_choicemap_set(gen_choicemap_empty(), &a, gen_scalar(1));
        char *js = gen_choicemap_to_json(m);
        CHECK(js != NULL);
        gen_choicemap *back = gen_choicemap_from_json(js);
        CHECK(back && gen_choicemap_equal(m, back));
        gen_choicemap_json_free(js);
        gen_scope_end();
    }
}

static void test_parse_errors(void) {
    gen_addr a;
    CHECK(gen_addr_parse(&a, "y//z") == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "empty part in \"y//z\"");
    CHECK(gen_addr_parse(&a, "/y") == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "empty part in \"/y\"");
    CHECK(gen_addr_parse(&a, "y/") == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "empty part in \"y/\"");
    CHECK(gen_addr_parse(&a, "y/ab\\") == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "trailing '\\'");
    CHECK(gen_addr_parse(&a, "x/4611686018427387904") == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "integer part 4611686018427387904 is out of range");
    CHECK(gen_addr_parse(&a, "99999999999999999999999") == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "out of range");
    CHECK(gen_addr_parse(&a, NULL) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "NULL");
    /* The depth limit: 32 parts parse, 33 do not. */
    char path[256] = "";
    for (int i = 0; i < GEN_ADDR_MAX_DEPTH; i++) strcat(path, i ? "/a" : "a");
    CHECK_OK(gen_addr_parse(&a, path));
    CHECK(a.len == GEN_ADDR_MAX_DEPTH);
    strcat(path, "/b");
    CHECK(gen_addr_parse(&a, path) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "has more than 32 parts");
}

static void test_build_ops(void) {
    gen_part ps[3] = {gen_part_name("y"), gen_part_int(3), gen_part_name("z")};
    gen_addr a, b = A("y/3/z"), c;
    CHECK_OK(gen_addr_from(&a, 3, ps));
    CHECK(gen_addr_equal(&a, &b) && gen_addr_compare(&a, &b) == 0);
    CHECK(gen_addr_hash(&a) == gen_addr_hash(&b));
    gen_addr y3 = A("y/3");
    CHECK(gen_addr_has_prefix(&a, &y3) && !gen_addr_has_prefix(&y3, &a));
    gen_addr root = {0};
    CHECK(gen_addr_has_prefix(&a, &root));
    CHECK(gen_addr_compare(&y3, &a) < 0 && gen_addr_compare(&a, &y3) > 0);
    gen_addr y4 = A("y/4");
    CHECK(gen_addr_compare(&y3, &y4) < 0 && gen_addr_compare(&a, &y4) < 0);
    CHECK(gen_addr_hash(&y3) != gen_addr_hash(&y4));
    CHECK(gen_addr_hash(&y3) != gen_addr_hash(&a));
    gen_addr rev = A("z/3/y");
    CHECK(gen_addr_hash(&rev) != gen_addr_hash(&a) && !gen_addr_equal(&rev, &a));
    /* Hash spread over 4096 addresses into 4096 buckets: no bucket absurdly full. */
    static int bucket[4096];
    memset(bucket, 0, sizeof bucket);
    int worst = 0;
    for (int i = 0; i < 4096; i++) {
        gen_addr t = A("y");
        CHECK_OK(gen_addr_push(&t, gen_part_int(i / 64)));
        CHECK_OK(gen_addr_push(&t, gen_part_int(i % 64)));
        int k = (int)(gen_addr_hash(&t) & 4095);
        if (++bucket[k] > worst) worst = bucket[k];
    }
    CHECK(worst <= 8);
    CHECK_OK(gen_addr_pop(&a));
    CHECK(gen_addr_equal(&a, &y3));
    CHECK_OK(gen_addr_concat(&c, &y3, &rev));
    CHECK(c.len == 5 && c.parts[4].v == gen_part_name("y").v);
    CHECK_OK(gen_addr_concat(&c, &c, &root)); /* aliasing is fine */
    CHECK(c.len == 5);
}

static void test_build_errors(void) {
    gen_addr a = {0};
    CHECK(gen_addr_pop(&a) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_addr_pop: the root has no parts");
    gen_part bad = {0};
    CHECK(gen_addr_push(&a, bad) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_addr_push: part 0 is invalid");
    CHECK(gen_addr_push(&a, gen_part_int(INT64_MAX)) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "invalid");
    gen_part ps[GEN_ADDR_MAX_DEPTH + 1];
    for (int i = 0; i <= GEN_ADDR_MAX_DEPTH; i++) ps[i] = gen_part_int(i);
    CHECK(gen_addr_from(&a, GEN_ADDR_MAX_DEPTH + 1, ps) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "33 parts (at most 32)");
    CHECK_OK(gen_addr_from(&a, GEN_ADDR_MAX_DEPTH, ps));
    CHECK(gen_addr_push(&a, gen_part_int(1)) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "already has 32 parts");
    ps[1] = bad;
    CHECK(gen_addr_from(&a, 2, ps) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_addr_from: part 1 is invalid");
    gen_addr x, y;
    CHECK_OK(gen_addr_from(&x, 20, ps + 2));
    CHECK_OK(gen_addr_from(&y, 20, ps + 2));
    CHECK(gen_addr_concat(&a, &x, &y) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "has more than 32 parts");
    CHECK(gen_addr_from(NULL, 0, ps) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "NULL");
}

/* Runs last: afterwards the table is empty and names get fresh ids. */
static void test_intern_reset(void) {
    gen_intern("before_reset");
    gen_intern_reset();
    CHECK(gen_sym_count() == 0);
    gen_sym s = gen_intern("after_reset");
    CHECK(s == 0 && strcmp(gen_sym_name(s), "after_reset") == 0);
}

/* The key hash is a function of the address's text: the same whatever order its names
 * were interned in (the id hash is not), and it tells apart what the id hash does. Runs
 * after test_intern_reset (it resets the table itself). */
static void test_key_hash(void) {
    gen_intern_reset();
    gen_intern("alpha"), gen_intern("beta");
    gen_addr a = A("beta/7/alpha");
    uint64_t key1 = gen_addr_key_hash(&a), id1 = gen_addr_hash(&a);
    gen_intern_reset();
    gen_intern("beta"), gen_intern("alpha"); /* the other order: other ids */
    a = A("beta/7/alpha");
    CHECK(gen_addr_key_hash(&a) == key1);
    CHECK(gen_addr_hash(&a) != id1);
    /* a known value: the text alone fixes it (any process, any order) */
    gen_addr y = A("y");
    uint64_t fnv = 0xcbf29ce484222325u;
    fnv = ((fnv ^ 'y') * 0x100000001b3u) | ((uint64_t)1 << 63);
    uint64_t h = 0x9E3779B97F4A7C15u ^ 1u;
    h ^= fnv;
    h *= 0xff51afd7ed558ccdu;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53u;
    CHECK(gen_addr_key_hash(&y) == (h ^ (h >> 33)));
    gen_addr b = A("beta/8/alpha"), c = A("alpha/7/beta"), n = A("7"), sym7 = A("\\7");
    CHECK(gen_addr_key_hash(&b) != key1 && gen_addr_key_hash(&c) != key1);
    CHECK(gen_addr_key_hash(&n) != gen_addr_key_hash(&sym7)); /* the integer 7, the name "7" */
    gen_addr root = {0};
    CHECK(gen_addr_key_hash(&root) != gen_addr_key_hash(&y));
}

int main(void) {
    RUN(test_intern);
    RUN(test_intern_errors);
    RUN(test_intern_threads);
    RUN(test_parts);
    RUN(test_parse_format);
    RUN(test_long_escaped_names);
    RUN(test_parse_errors);
    RUN(test_build_ops);
    RUN(test_build_errors);
    RUN(test_intern_reset);
    RUN(test_key_hash);
    return check_finish();
}
