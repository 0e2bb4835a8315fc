/* params_int.h — the parameter store's private structures (prefix gfi_params_): the
 * store itself, and the per-thread overrides through which gen_params_value_and_grad
 * makes parameters the inputs of a transform (params_grad.c). */
#ifndef GENC_SRC_PARAMS_INT_H
#define GENC_SRC_PARAMS_INT_H

#include "gfi_int.h"
#include "genc/params.h"

typedef struct gfi_param {
    char *name;       /* owned copy */
    size_t len;       /* strlen(name) */
    uint64_t hash;    /* of name */
    gen_array *value; /* owned reference */
    gen_array *grad;  /* owned reference: value's dtype and shape */
} gfi_param;

struct gen_params {
    gfi_param *p;
    int n, cap;
    int *slots; /* index + 1 (0: empty), open addressing on hash, power-of-two scap */
    int scap;
    int busy;   /* gen_params_value_and_grad calls running on the store */
};

/* The index of name in s, or -1. */
int gfi_params_find(const gen_params *s, const char *name);
/* A store changed while value_and_grad runs on it: GEN_ERR_MISUSE naming fn. */
gen_status gfi_params_check_idle(const gen_params *s, const char *fn);
/* The value that a body bound to s reads for parameter i: the innermost override of s on
 * this thread (gen_params_value_and_grad's input) or the stored array. Borrowed. */
const gen_array *gfi_params_read_at(const gen_params *s, int i);
/* A value fit to be parameter name (float, not a tuple, not batched): GEN_OK or the
 * error, naming fn. */
gen_status gfi_params_check_value(const char *fn, const char *name, const gen_array *v);

#endif
