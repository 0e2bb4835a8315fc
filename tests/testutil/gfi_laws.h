/* gfi_laws.h — the GFI's laws as one property check any generative function can run
 * (combinator tests use it on their functions and on nestings of them). */
#ifndef GENC_TEST_GFI_LAWS_H
#define GENC_TEST_GFI_LAWS_H

#include "check.h"

/* For seeds 1..n_seeds, on traces of f at args (a NULL args is none), checks:
 *  - assess of simulate's choices gives the score (and the same return value shape);
 *    generate with every choice constrained has weight = score and the same choices;
 *  - project(all) = score; propose's weight = assess of its choices;
 *  - update with no constraints and no-change argdiffs: weight 0, the same choices;
 *  - update moving one f64 scalar choice (picked by the seed): when no choice appears
 *    or disappears, weight = new score - old score; updating back with the discard
 *    gives the original choices with weight -w;
 *  - regenerate of that choice: when no choice appears or disappears, weight = (new
 *    score - its new density) - (old score - its old density) (densities by project);
 *  - batched (if batched_n > 0): simulate_batched's score of each particle = assess of
 *    that particle's choices.
 * Failures are reported at file:line with what. */
void check_gfi_laws_at(const char *file, int line, const char *what, const gen_gf *f,
                       const gen_args *args, int n_seeds, int64_t batched_n);
#define CHECK_GFI_LAWS(what, f, args, n_seeds, batched_n) \
    check_gfi_laws_at(__FILE__, __LINE__, (what), (f), (args), (n_seeds), (batched_n))

#endif
