/* unfold.c — Unfold(kernel): a state-space chain, Scan without inputs. Step t runs the
 * kernel on (t, state, params...) and returns the next state; its choices live at
 * address t; the return value stacks the states. It is the chain engine of scan.c with
 * the step number t in place of xs[t] and the kernel's return value as both the carry
 * and the step's output, so it shares Scan's lazy traces and its update, which reruns
 * only the steps whose state, params or constraints changed. */
#include "comb_int.h"

gen_gf *gen_unfold(const gen_gf *kernel) { return comb_chain_new("gen_unfold", kernel, true); }
