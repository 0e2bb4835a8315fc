/* linalg.h — helpers shared by the linear-algebra op files (prefix lin_): dtype
 * handling, batch-shape checks, constant triangle masks, and matrix-form entry points
 * that gradient rules use (no 1-d promotion, so no ambiguity about vectors). */
#ifndef GENC_SRC_LINALG_H
#define GENC_SRC_LINALG_H

#include "op.h"

/* The float type a linear-algebra op computes in: bool and i64 become f64. */
gen_dtype lin_type(const gen_array *a, const gen_array *b);
/* a as dtype t (a itself when it already is; otherwise a cast, owned by the scope). */
gen_array *lin_as(const gen_array *a, gen_dtype t);
/* NumPy broadcasting of two batch shapes; false if they do not broadcast. */
bool lin_batch(int na, const int64_t *sa, int nb, const int64_t *sb, int *nout, int64_t *out);
/* Records GEN_ERR_SHAPE "<op>: <what>: <shape of a> and <shape of b>" and returns it. */
gen_status lin_fail2(const char *op, const char *what, const gen_array *a, const gen_array *b);
/* Checks that a is [..., n, n] (records "<op>: needs ... got <shape>" otherwise). */
gen_status lin_check_square(const char *op, const gen_array *a);
/* Removes axis (negative: from the end) of size 1 from a, by a reshape. */
gen_array *lin_drop_axis(gen_array *a, int axis);
/* Constant n x n matrix of dtype t: below the diagonal, on it, above it; on the calling
 * thread's creation device (that of the values, in gradient rules). */
gen_array *lin_tri_mask(int64_t n, double below, double on, double above, gen_dtype t);
/* x with everything outside the lower (lower) or upper triangle zeroed. */
gen_array *lin_triangle(gen_array *x, bool lower);
/* 0.5 * (x + x^T) over the last two axes. */
gen_array *lin_sym(gen_array *x);
/* Applies a one-argument row after turning bool/i64 into f64. */
gen_array *lin_apply1(op_id op, const gen_array *a);
/* For a composed op given a NULL argument: keeps the recorded error (or records one). */
gen_array *lin_null(const char *op);
/* Matrix forms used by rules: b is [..., n, k]; arguments are promoted to a common
 * float type. */
gen_array *lin_solve_mat(const gen_array *a, const gen_array *b);
gen_array *lin_trisolve_mat(const gen_array *t, const gen_array *b, bool lower, bool transpose);

#endif
