/* genc.h — GenC, Gen's probabilistic programming system in C.
 *
 * The layers, each a header, each using only those above it in this list:
 *   genc/core.h      status codes, error messages, the allocator hook, scopes
 *   genc/array.h     n-d arrays, broadcasting, elementwise math, reductions, shapes,
 *                    linear algebra
 *   genc/autodiff.h  vjp, grad, value_and_grad, jvp, custom VJPs
 *   genc/random.h    splittable counter-based keys and raw draws
 *   genc/dist.h      distributions, supports and bijections (the modeling library)
 *   genc/choice.h    addresses, interned symbols, choice maps and selections
 *   genc/gfi.h       generative functions, traces and the GFI operations
 *   genc/gf_impl.h   implementing a new kind of generative function (the GFI vtable)
 *   genc/dsl.h       the dynamic modeling language (model bodies in C)
 * See docs/ for the design choices behind them. */
#ifndef GENC_H
#define GENC_H

#include "genc/core.h"
#include "genc/array.h"
#include "genc/autodiff.h"
#include "genc/random.h"
#include "genc/dist.h"
#include "genc/choice.h"
#include "genc/gfi.h"
#include "genc/gf_impl.h"
#include "genc/dsl.h"
#include "genc/comb.h"
#include "genc/infer.h"
#include "genc/diag.h"

#define GENC_VERSION_MAJOR 0
#define GENC_VERSION_MINOR 1

#endif
