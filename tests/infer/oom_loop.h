/* oom_loop.h — runs a workload with each of its allocations failing in turn (the
 * counting allocator of check.h): every run must fail with GEN_ERR_OOM and leak
 * nothing, until the workload passes. */
#ifndef GENC_TEST_OOM_LOOP_H
#define GENC_TEST_OOM_LOOP_H

#include "../testutil/check.h"

static void check_oom(const char *what, gen_status (*workload)(void)) {
    int d = gen_scope_depth();
    for (int i = 0; i < d; i++) gen_scope_end();
    gen_scope_begin();
    CHECK_OK(workload()); /* warm up: symbols and caches come from malloc */
    gen_scope_end();
    check_counting c = {0, 0, 0, -1};
    gen_set_allocator(check_counting_alloc, &c);
    int n;
    for (n = 0; n < 100000; n++) {
        c.calls = 0;
        c.fail_after = n;
        gen_error_clear();
        gen_scope_begin();
        gen_status st = workload();
        gen_scope_end();
        if (st == GEN_OK) break;
        if (st != GEN_ERR_OOM) {
            check_fail(__FILE__, __LINE__, "%s: allocation %d failing gave %s: %s", what, n, gen_status_name(st),
                       gen_error_message());
            break;
        }
        if (c.live_blocks != 0 || c.live_bytes != 0) {
            check_fail(__FILE__, __LINE__, "%s: allocation %d failing leaked %ld blocks, %ld bytes", what, n,
                       c.live_blocks, c.live_bytes);
            break;
        }
    }
    CHECK(n > 20 && n < 100000);
    CHECK(c.live_blocks == 0 && c.live_bytes == 0);
    gen_set_allocator(NULL, NULL);
    gen_error_clear();
    for (int i = 0; i < d; i++) gen_scope_begin();
}

#endif
