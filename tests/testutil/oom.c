/* oom.c — the out-of-memory check (oom.h). */
#include "oom.h"

#include <stdbool.h>

enum { MAX_RUNS = 100000 };

/* The debug mode (GENC_DEBUG=1) keeps released blocks in its quarantine: give them back
 * (turning the mode off and on again, with no scope open) before counting live blocks. */
static void settle(void) {
    if (gen_debug() && gen_scope_depth() == 0) {
        gen_set_debug(false);
        gen_set_debug(true);
    }
}

void check_oom_at(const char *file, int line, const char *what, check_oom_fn workload, int min_failures) {
    int d = gen_scope_depth();
    for (int i = 0; i < d; i++) gen_scope_end();
    gen_scope_begin();
    gen_status st = workload(); /* warm up */
    gen_scope_end();
    gen_compile_cache_clear(); /* compiled functions kept for reuse are not the workload's leaks */
    check_count++;
    if (st != GEN_OK)
        check_fail(file, line, "%s: fails with the default allocator: %s: %s", what, gen_status_name(st),
                   gen_error_message());
    check_counting c = {0, 0, 0, -1};
    gen_set_allocator(check_counting_alloc, &c);
    int n;
    bool passed = false;
    for (n = 0; st == GEN_OK && n < MAX_RUNS; n++) {
        c.calls = 0;
        c.fail_after = n;
        gen_error_clear();
        gen_scope_begin();
        gen_status sn = workload();
        gen_scope_end(); /* may itself be the only thing left to do */
        gen_compile_cache_clear();
        settle();
        if ((passed = sn == GEN_OK)) break;
        if (sn != GEN_ERR_OOM) {
            check_fail(file, line, "%s: allocation %d failing gave %s: %s", what, n, gen_status_name(sn),
                       gen_error_message());
            break;
        }
        if (c.live_blocks != 0 || c.live_bytes != 0) {
            check_fail(file, line, "%s: allocation %d failing leaked %ld blocks, %ld bytes", what, n, c.live_blocks,
                       c.live_bytes);
            break;
        }
    }
    check_count++;
    if (n == MAX_RUNS) check_fail(file, line, "%s: still failing after %d runs", what, MAX_RUNS);
    else if (passed && n < min_failures)
        check_fail(file, line, "%s: passed after %d failing allocations, fewer than %d", what, n, min_failures);
    check_count++;
    if (c.live_blocks != 0 || c.live_bytes != 0)
        check_fail(file, line, "%s: %ld blocks, %ld bytes left alive", what, c.live_blocks, c.live_bytes);
    gen_set_allocator(NULL, NULL);
    gen_error_clear();
    for (int i = 0; i < d; i++) gen_scope_begin();
}
