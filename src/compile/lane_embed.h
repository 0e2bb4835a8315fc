/* lane_embed.h — the C that every lane program carries (emit_lanes.c), embedded at build
 * time by cmake/embed_text.cmake from the source tree, so the GPU runs the library's own
 * special functions and sort and the draws' procedures without the sources present at
 * run time. In order (the order the program needs them in): array/special.h,
 * array/mergesort.h, array/cholesky_vjp.h, random/ziggurat_tables.h,
 * compile/lane_random.h, random/random_hd.h, random/sample_hd.h, compile/lane_runtime.h. */
#ifndef GENC_SRC_COMPILE_LANE_EMBED_H
#define GENC_SRC_COMPILE_LANE_EMBED_H

extern const char *const cg_lane_texts[];
extern const int cg_lane_n_texts;

#endif
