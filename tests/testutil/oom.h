/* oom.h — the out-of-memory check every test with an allocator-failure loop runs: a
 * workload is run with each of its allocations failing in turn (the counting allocator
 * of check.h); each run must fail cleanly with GEN_ERR_OOM and leave no block alive,
 * until the workload gets all the memory it asks for and passes. */
#ifndef GENC_TEST_OOM_H
#define GENC_TEST_OOM_H

#include "check.h"

/* A workload: runs inside a scope of its own; returns GEN_OK, or the error status of
 * whatever failed (never aborting). */
typedef gen_status (*check_oom_fn)(void);

/* Runs workload once with the default allocator (call-site caches and interned symbols
 * come from malloc, not the hook), then with allocation k failing for k = 0, 1, ...:
 * every failing run must return GEN_ERR_OOM and leak nothing (live blocks and bytes 0
 * once its scope ends), and the workload must pass within 100000 runs after at least
 * min_failures failing ones (so the loop reached its allocations). The caller's open
 * scopes are closed for the check (their storage must come from the counting allocator
 * too) and reopened after; the default allocator is restored and the error cleared.
 * Failures are reported at file:line naming what and the failing allocation. */
void check_oom_at(const char *file, int line, const char *what, check_oom_fn workload, int min_failures);
#define CHECK_OOM(workload, min_failures) check_oom_at(__FILE__, __LINE__, #workload, (workload), (min_failures))

#endif
