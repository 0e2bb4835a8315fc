/* jit.h — turning generated source into running code (prefix cg_jit): a code-generator
 * target compiles a source text into a loaded module, cached on disk by a hash of the
 * text (and the compiler command), so a model compiles once per machine. The C target
 * runs the system compiler ($GENC_CC, else cc) and loads the shared object with dlopen;
 * the CUDA target (NVRTC) plugs in beside it with the same interface. */
#ifndef GENC_SRC_COMPILE_JIT_H
#define GENC_SRC_COMPILE_JIT_H

#include <stdbool.h>
#include <stddef.h>

#include "runtime.h"

typedef int (*cg_main_fn)(const cg_rt *rt, const void *const *K, const void *const *IN, void *const *OUT,
                          unsigned char *W, int64_t *fail, double *failv);

typedef struct cg_module cg_module;

typedef struct cg_target {
    const char *name;
    /* Compiles and loads src; NULL with why filled (no compiler, a compiler error). */
    cg_module *(*load)(const char *src, size_t n, char *why, size_t why_n);
} cg_target;

extern const cg_target cg_target_c;

/* The module's entry point. */
cg_main_fn cg_module_main(const cg_module *m);
/* Unloads (the module stays in the disk cache). */
void cg_module_free(cg_module *m);


/* Counters of this process (for tests and reports): compilations run and loads served
 * from the disk cache. */
typedef struct cg_jit_stats {
    int64_t compiled, cached;
    double compile_seconds;
} cg_jit_stats;
cg_jit_stats cg_jit_counters(void);

#endif
