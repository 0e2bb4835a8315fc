/* train_int.h — what the training files share (prefix train_). */
#ifndef GENC_SRC_TRAIN_INT_H
#define GENC_SRC_TRAIN_INT_H

#include "../core/core.h"
#include "genc/train.h"

/* One training example: the function's arguments and the constraints (arrays and map
 * owned by the scope they were made in). */
typedef struct train_example {
    gen_array *in[GEN_TRAIN_MAX_ARGS];
    int n_in;
    gen_choicemap *cm;
} train_example;

/* The m examples ex[0..m) as one batched run's arguments and constraints
 * (train_stack.c): inputs[j] is the examples' input j stacked on a new leading axis and
 * marked batched (ex[0]->n_in of them), and *cm holds at each address of ex[0]'s
 * constraints the examples' values stacked likewise. Made in the innermost scope. fn
 * names the caller in messages ("gen_train: example 3 has no constraint at y, example 0
 * has"). */
gen_status train_stack(const char *fn, train_example *const *ex, int64_t m, gen_array **inputs, gen_choicemap **cm);

#endif
