/* mask.c — Mask(f): a bool flag (argument 0) says whether f runs on the other
 * arguments; off, it makes no choices, scores 0 and returns none. It is the branching
 * engine of switch.c over the branches {nothing, f}, so update switches f on (generated
 * with the constraints) or off (its choices discarded, its score subtracted) as a
 * Switch changes branch. */
#include <stdio.h>

#include "comb_int.h"

gen_gf *gen_mask(const gen_gf *f) {
    if (!f) {
        if (!core_error_pending()) GEN_FAIL(GEN_ERR_MISUSE, "gen_mask: the function is NULL");
        return NULL;
    }
    char name[128];
    snprintf(name, sizeof name, "mask(%s)", gen_gf_name(f));
    const gen_gf *branches[2] = {NULL, f};
    return comb_branch_new(name, 2, branches, true);
}
