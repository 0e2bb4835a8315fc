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
#include <stdio.h>

#include "genc/autodiff.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Turns automatic compilation on (the default) or off for this process. The
 * environment variable GENC_COMPILE=0 (or off, no) turns it off at start-up. */
void gen_set_compile(bool on);
/* Whether compilation is on. */
bool gen_compile_enabled(void);

/* Frees the compiled functions kept for reuse (targets of one model share one: the cache
 * holds references to the models and arrays it was made for, at most 32 entries, least
 * recently used out). Compiled code on disk stays. */
void gen_compile_cache_clear(void);

/* ---- compiling an array function explicitly ---------------------------------------------
 * Any function of arrays (a gen_closure, as the autodiff transforms take) compiles for
 * inputs of fixed dtypes and shapes: f runs once on inputs like like[0..n_in) under a
 * capture, and every later call runs the generated code. f may call gen_grad and friends
 * (the gradient is captured too), and may compute on arrays it closes over (constants of
 * the compiled function: they must stay alive and unchanged while it is used). */
typedef struct gen_compiled gen_compiled;

/* A compiled form of f (caller-owned: gen_compiled_free), or NULL with the error:
 * GEN_ERR_UNSUPPORTED naming why it does not compile (f reads a value computed from an
 * input on the host, an op has no code generator, no C compiler, compilation off), or
 * f's own error. The compiled function is checked against f at like. */
gen_compiled *gen_compile(gen_closure f, int n_in, gen_array *const *like, int n_out);
/* Runs c on in[0..n_in) (each of its like's dtype and shape: GEN_ERR_SHAPE / DTYPE
 * otherwise) and stores the n_out results in out[] (new arrays in the current scope).
 * A parameter check in f that fails fails here with the same error. */
gen_status gen_compiled_call(const gen_compiled *c, gen_array *const *in, gen_array **out);
void gen_compiled_free(gen_compiled *c);

/* ---- C files compiled and loaded ---------------------------------------------------------
 * A C source file (a model file of the genc tool, a plug-in) compiled with the system C
 * compiler into a shared object in the cache folder above, and loaded. The object is
 * named by a hash of the file's text, the compiler command, the arguments and the library
 * (its version, and the size and modification time of the file it was loaded from, so a
 * rebuilt GenC recompiles), so an unchanged file compiles once per machine; it appears by
 * rename, so concurrent processes never load half of one. A header the file includes is
 * not part of the hash: name what it depends on in the flags (e.g. -DVERSION=3). */
typedef struct gen_cc_options {
    const char *cc;           /* the compiler command, split at spaces ("ccache gcc"); NULL or
                                 "": $GENC_CC, else $CC, else "cc" */
    const char *const *flags; /* n_flags arguments before the file (-I..., -O2, -D...) */
    int n_flags;
    const char *const *libs;  /* n_libs arguments after it (-L..., -lgenc, -Wl,...) */
    int n_libs;
    FILE *messages;           /* the compiler's output, warnings and errors in full, is copied
                                 here when it compiles; NULL: not shown */
} gen_cc_options;

/* A loaded object (opaque). */
typedef struct gen_cc_module gen_cc_module;

/* Compiles the C file at path (the compiler runs "<cc> -shared -fPIC <flags> -o <object>
 * <path> <libs>", so its messages name path) unless the cache holds its object, and loads
 * it with dlopen (RTLD_NOW | RTLD_LOCAL: every symbol it uses must resolve now). opts may be
 * NULL (no flags). *out is caller-owned (gen_cc_module_close). Errors (*out NULL):
 * GEN_ERR_VALUE for a file that cannot be read ("gen_cc_module_load: cannot read m.c: No
 * such file or directory"), a compiler that fails ("...: the C compiler 'cc' failed on
 * m.c (exit status 1): <the end of its output>"; the whole of it went to opts->messages)
 * and an object dlopen refuses (its message: an undefined symbol, say);
 * GEN_ERR_UNSUPPORTED when there is no C compiler; GEN_ERR_VALUE when the cache folder
 * cannot be made. */
gen_status gen_cc_module_load(const char *path, const gen_cc_options *opts, gen_cc_module **out);
/* The address of the symbol name in m (dlsym), NULL when m has none (or for NULL). */
void *gen_cc_module_symbol(const gen_cc_module *m, const char *name);
/* The shared object's path in the cache (borrowed, valid while m is; NULL for NULL). */
const char *gen_cc_module_object(const gen_cc_module *m);
/* Whether the object came from the cache (true) or was compiled by this call (false). */
bool gen_cc_module_cached(const gen_cc_module *m);
/* Unloads m (its object stays in the cache); NULL is ignored. Pointers from
 * gen_cc_module_symbol are invalid afterwards. */
void gen_cc_module_close(gen_cc_module *m);

#ifdef __cplusplus
}
#endif
#endif
