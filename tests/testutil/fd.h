/* fd.h — gradient checks against central finite differences.
 *
 * fd_check(f, inputs) builds the Jacobian of f column by column with central
 * differences (step h = FD_EPS * max(1, |x|)) at f64 inputs, then compares
 *  - gen_vjp with a fixed pseudo-random cotangent u:  u^T J, and
 *  - gen_jvp with a fixed pseudo-random tangent v:    J v,
 * each to rtol/atol. Inputs must be f64 (they are perturbed in place on copies). */
#ifndef GENC_TEST_FD_H
#define GENC_TEST_FD_H

#include "check.h"

#define FD_EPS 1e-6

/* Returns 1 when both checks pass; failures are reported at file:line. */
int fd_check_at(const char *file, int line, const char *what, gen_closure f, int n_in,
                gen_array *const *in, int n_out, double rtol, double atol);
#define FD_CHECK(what, f, n_in, in, n_out, rtol, atol) \
    fd_check_at(__FILE__, __LINE__, (what), (f), (n_in), (in), (n_out), (rtol), (atol))

/* A closure for a function of one or two arrays (the common case in op tests). */
typedef gen_array *(*fd_fn1)(const gen_array *a);
typedef gen_array *(*fd_fn2)(const gen_array *a, const gen_array *b);
gen_closure fd_closure1(fd_fn1 *fn);
gen_closure fd_closure2(fd_fn2 *fn);
/* Checks a one-argument op at x (shorthand for FD_CHECK with fd_closure1). */
#define FD_CHECK1(op, x, rtol, atol)                                                        \
    do {                                                                                    \
        static fd_fn1 fn_ = op;                                                             \
        gen_array *in_[1] = {(x)};                                                          \
        FD_CHECK(#op, fd_closure1(&fn_), 1, in_, 1, (rtol), (atol));                        \
    } while (0)
#define FD_CHECK2(op, x, y, rtol, atol)                                                     \
    do {                                                                                    \
        static fd_fn2 fn_ = op;                                                             \
        gen_array *in_[2] = {(x), (y)};                                                     \
        FD_CHECK(#op, fd_closure2(&fn_), 2, in_, 1, (rtol), (atol));                        \
    } while (0)

/* Deterministic test inputs: f64 array of the given shape with values uniform in
 * [lo, hi), from a tiny LCG seeded by seed (independent of GenC's random layer). */
gen_array *fd_uniform(uint64_t seed, double lo, double hi, int ndim, const int64_t *shape);

#endif
