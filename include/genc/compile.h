/* genc/compile.h — compiled inference (DESIGN decision 10).
 *
 * GenC captures a model's static graph by running it once on arrays a capture tracks
 * (every op applied to what depends on the model's continuous choices is recorded,
 * gradient included), generates straight-line C for it, compiles it with the system C
 * compiler and loads it (cached on disk by a hash of the code: $GENC_CACHE_DIR, else
 * $XDG_CACHE_HOME/genc, else ~/.cache/genc). Gradient-based inference (HMC, MALA, NUTS,
 * the posterior mode: everything built on gen_target) then evaluates the log density
 * and its gradient through that code, with no op dispatch, tape or allocation per
 * evaluation. Results equal the eager path's (the same formulas; sums may round in a
 * different order, ~1e-15 relative); every compiled function is checked against the
 * eager evaluation once, where it is made.
 *
 * A model whose computation depends on the value of a random choice in a way capture
 * cannot see (a C branch on gen_item of a choice, a host read with gen_array_data) does
 * not capture: it runs on the dynamic path, and gen_target_compile_note says why, naming
 * the choice ("gen_item read a value computed from tau on the host ..."). Without a C
 * compiler ($GENC_CC, else cc) the same fallback happens with that reason. */
#ifndef GENC_COMPILE_H
#define GENC_COMPILE_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Turns automatic compilation on (the default) or off for this process. The
 * environment variable GENC_COMPILE=0 (or off, no) turns it off at start-up. */
void gen_set_compile(bool on);
/* Whether compilation is on. */
bool gen_compile_enabled(void);

#ifdef __cplusplus
}
#endif
#endif
