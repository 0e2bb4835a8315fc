/* cc_build.h — C files through the system C compiler into shared objects in the disk
 * cache (prefix cg_cc): the object is named by a hash of what makes it (the source text,
 * the compiler command and its arguments, anything else the caller names), so it is
 * compiled once per machine, and it appears by rename, so concurrent processes never load
 * half of one. Used by the C target of generated code (jit_c.c) and by the public
 * gen_cc_module (cc_module.c: the genc tool's model files). */
#ifndef GENC_SRC_COMPILE_CC_BUILD_H
#define GENC_SRC_COMPILE_CC_BUILD_H

#include <stdbool.h>
#include <stddef.h>

typedef struct cg_cc_job {
    const char *const *cc;    /* the compiler command's words ({"cc"}), n_cc of them */
    int n_cc;
    const char *const *flags; /* arguments before the source, n_flags of them */
    int n_flags;
    const char *const *libs;  /* arguments after the source, n_libs of them (may be NULL) */
    int n_libs;
    const char *src_path;     /* the file the compiler reads */
    const void *key;          /* what names the object besides the command: the source's */
    size_t key_n;             /* text, and whatever else the object depends on */
    const char *prefix;       /* the object's file name is <prefix>-<hash>.so */
} cg_cc_job;

/* The object's path in the cache folder (made when missing) into so; false with why when
 * the folder cannot be made or the path does not fit. */
bool cg_cc_object_path(const cg_cc_job *j, char *so, size_t so_n, char *why, size_t why_n);

/* Runs the compiler: <cc> <flags> -o <temporary> <src_path> <libs>, then renames the
 * temporary object to so. The compiler's output (stdout and stderr) goes to *log
 * (core_alloc'd, NUL-terminated, *log_n bytes with the NUL; "" when it said nothing) when
 * log is not NULL, on success and failure alike. False with why: no compiler (*no_cc set
 * when not NULL), the compiler failing (why: its command's first word, the file, the exit
 * status and the last lines of its output), or the rename. */
bool cg_cc_compile(const cg_cc_job *j, const char *so, char **log, size_t *log_n, bool *no_cc, char *why,
                   size_t why_n);

#endif
