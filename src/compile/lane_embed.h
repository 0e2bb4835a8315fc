/* lane_embed.h — the C that every lane program carries (emit_lanes.c), embedded at build
 * time by cmake/embed_text.cmake from the source tree, so the GPU runs the library's own
 * special functions and sort and the draws' procedures without the sources present at
 * run time. In order: array/special.h, array/mergesort.h, array/cholesky_vjp.h,
 * compile/lane_random.h, compile/lane_runtime.h (the order the program needs them in). */
#ifndef GENC_SRC_COMPILE_LANE_EMBED_H
#define GENC_SRC_COMPILE_LANE_EMBED_H

enum { CG_TEXT_SPECIAL, CG_TEXT_MERGESORT, CG_TEXT_CHOL_VJP, CG_TEXT_RANDOM, CG_TEXT_RUNTIME };
extern const char *const cg_lane_texts[];
extern const int cg_lane_n_texts;

#endif
