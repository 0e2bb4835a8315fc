/* switch_int.h — the branching engine shared by switch.c (Switch, Mask; uniform
 * branches) and switch_masked.c (branches differing per particle in batched mode:
 * masking, DESIGN decision 9). Private to those two files; prefix sw_. */
#ifndef GENC_SRC_COMB_SWITCH_INT_H
#define GENC_SRC_COMB_SWITCH_INT_H

#include "comb_int.h"

typedef struct branch_data {
    int k;
    gen_gf **gf; /* retained; NULL: the empty branch */
    bool flag;   /* argument 0 is a bool (Mask), else an i64 index (Switch) */
} branch_data;

/* Uniform (index >= 0): every particle takes branch index, whose subtrace is sub (NULL
 * for the empty branch). Per particle (index < 0, batched only): idx holds each
 * particle's branch and subs[b] is branch b run on all N particles when some particle
 * takes it (NULL otherwise, and for the empty branch); only the particles taking b
 * count in subs[b]. */
typedef struct branch_trace {
    int64_t index;
    gen_trace *sub;   /* retained */
    gen_array *idx;   /* retained: i64 [N] */
    gen_trace **subs; /* k retained entries */
    int k;
} branch_trace;

/* What an update (constraints, discard) or a regenerate (sel) asks. */
typedef struct branch_edit {
    const gen_choicemap *constraints; /* update */
    const gen_selection *sel;         /* regenerate */
    gen_choicemap *discard;           /* update: the discard (scope-owned), if wanted */
    bool want_discard;
} branch_edit;

void sw_free_trace_data(branch_trace *d);
gen_args sw_rest_of(const gen_args *args);
/* The empty branch uses no constraints (or choices). */
gen_status sw_check_unused(const gen_gf *f, const char *op, const gen_choicemap *m);
/* Prefixes the pending error with the branch's name. */
gen_status sw_fail_in(const gen_gf *f, int64_t index);
/* Generates branch index (NULL sub and weight 0 for the empty one); sub is retained. */
gen_status sw_gen_branch(comb_mode m, const gen_gf *f, const char *op, int64_t index, gen_key key,
                         const gen_args *args, const gen_choicemap *constraints, gen_trace **sub, gen_array **w);
/* The uniform trace of f with branch index's subtrace sub (taken). */
gen_status sw_finish_trace(comb_mode m, const gen_gf *f, const gen_args *args, int64_t index, gen_trace *sub,
                           gen_trace **tr);

/* ---- per-particle branches (switch_masked.c); idx: each particle's branch (i64 [m.n],
 * unbatched, in range). Choices of branch b carry the mask idx == b. ---- */
gen_status sw_pp_generate(comb_mode m, const gen_gf *f, gen_key key, const gen_args *args, const gen_array *idx,
                          const gen_choicemap *constraints, gen_trace **tr, gen_array **w);
gen_status sw_pp_assess(comb_mode m, const gen_gf *f, const gen_args *args, const gen_array *idx,
                        const gen_choicemap *choices, gen_array **w, gen_array **ret);
gen_status sw_pp_project(comb_mode m, const gen_trace *tr, const gen_selection *sel, gen_array **w);
/* Update / regenerate of tr (uniform or per particle) to the new branches idx (Gen.jl's
 * rule per particle). */
gen_status sw_pp_edit(comb_mode m, const gen_trace *tr, gen_key key, const gen_args *args, const gen_diff *argdiffs,
                      branch_edit *e, const gen_array *idx, gen_trace **t, gen_array **w);

#endif
