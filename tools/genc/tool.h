/* tool.h — the genc program's parts (tools/genc; docs/genc-tool.md): options, where
 * models and the library are, loading a model file, the algorithms, what a run gives,
 * and the writers. The program uses GenC's public API only (it links libgenc.so, which
 * the model files it compiles link too, so both share one copy of the library). */
#ifndef GENC_TOOL_H
#define GENC_TOOL_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "genc.h"

/* Exit statuses (docs/genc-tool.md). */
enum {
    TOOL_EXIT_OK = 0,
    TOOL_EXIT_FAIL = 1,        /* the run failed: a model, data or inference error */
    TOOL_EXIT_USAGE = 2,       /* bad options or an unknown model / command */
    TOOL_EXIT_INTERRUPTED = 130 /* stopped by Ctrl-C (SIGINT); the draws made are written */
};

/* ---- options (options.c) ---- */
typedef struct tool_opts {
    const char *model;     /* a gallery name or a file path */
    const char *algorithm; /* NULL: the model's */
    int chains;            /* [4] (is, smc, advi: 1) */
    int64_t warmup;        /* [1000] (NUTS, HMC, MH, Gibbs, kernel: warm-up / burn-in) */
    int64_t draws;         /* [1000] */
    int64_t particles;     /* [1000] (is, smc) */
    uint64_t seed;         /* [1] */
    const char *data;      /* a posteriordb JSON file, or NULL */
    const char *device;    /* "cpu" or "cuda" [cpu] */
    const char *out;       /* the output folder [genc-out/<model name>] */
    bool quiet;
    double step;           /* HMC's step size [0.1] */
    int leapfrog;          /* HMC's leapfrog steps [10] */
    gen_metric_adapt adapt; /* NUTS's metric warm-up [GEN_ADAPT_DEFAULT: the library's] */
    double target_accept;  /* NUTS's target acceptance [0: the schedule's] */
    int threads;           /* chains run on this many threads [0: one per chain] */
    bool no_report;
    const char *pairs;     /* the report's pair plot: 2 to 8 column names joined by ',', or
                              "none" [NULL: the first up to 4 columns] */
} tool_opts;

/* Parses the options after "run" (argv[0] is the first of them); false with a message on
 * stderr. *help set for --help. */
bool tool_parse_run(int argc, char **argv, tool_opts *o, bool *help);
void tool_usage_run(FILE *f);

/* ---- where things are (locate.c) ---- */
typedef struct tool_paths {
    char include_dir[4096]; /* the headers models compile against */
    char lib_dir[4096];     /* the folder of libgenc.so they link */
    char gallery[8][4096];  /* the folders searched for gallery models, in order */
    int n_gallery;
    bool build_tree;        /* the program runs from its build tree */
} tool_paths;
/* Finds them from the program's own place (docs/genc-tool.md: search order). */
void tool_paths_find(tool_paths *p);
/* The model file for name into path: name itself when it is a path (has a '/' or ends in
 * .c) or the file of a gallery model <dir>/<name>.c; false when there is none. */
bool tool_model_path(const tool_paths *p, const char *name, char *path, size_t n);
/* Prints the gallery: each model's name and description (read from its GEN_MODEL line). */
void tool_list_gallery(const tool_paths *p, FILE *f);

/* ---- a model file, compiled and set up (load.c) ---- */
typedef struct tool_model {
    gen_cc_module *mod;
    const gen_model_info *info;
    gen_model *m;
    gen_data *data;
    bool cached; /* the compiled object came from the cache */
} tool_model;
/* Compiles (or finds in the cache), loads and sets up the model file at path with the
 * data file (NULL: none). The compiler's output goes to stderr. False with the error
 * printed. */
bool tool_model_load(const tool_paths *p, const char *path, const char *data, tool_model *tm);
void tool_model_free(tool_model *tm);

/* ---- columns: the scalar elements of the summarized addresses (columns.c) ----
 * Column names: the address as genc/choice.h formats it (parts joined by '/', "y/3"),
 * then for a value with elements the element's index in brackets, row-major
 * ("beta[2]", "L[1,0]"). */
typedef struct tool_col {
    gen_addr addr;
    int64_t elem; /* the element of the value (row-major), -1 for a 0-d value */
} tool_col;
typedef struct tool_cols {
    int n;
    tool_col *col;
    char **name;
} tool_cols;
/* The columns of the choices of tr that sel contains (NULL: those obs leaves out), in
 * deep order; floats_only: only f64/f32 choices (the order of gen_choicemap_flatten). */
bool tool_cols_of(const gen_trace *tr, const gen_selection *sel, const gen_choicemap *obs, bool floats_only,
                  tool_cols *c);
/* Reads the columns of choices into row (NaN where the trace has no such element). */
void tool_cols_read(const tool_cols *c, const gen_choicemap *choices, double *row);
void tool_cols_free(tool_cols *c);

/* ---- what a run gives (result.c) ---- */
typedef struct tool_series {
    char name[64];
    int64_t n;
    double *x, *y;
} tool_series;
typedef struct tool_result {
    const char *algorithm;
    int chains;
    int64_t draws;     /* rows per chain requested */
    int64_t *done;     /* [chains] rows filled */
    tool_cols cols;
    double *v;         /* [chains][draws][cols.n] */
    /* per-algorithm statistics (has_*: shown) */
    bool has_accept, has_div, has_log_ml, has_ess;
    double accept;             /* mean acceptance rate (NUTS: mean accept_stat) */
    /* a cycle of kernels (mh, and kernel where the model's is a cycle): each part's own
     * acceptance over every step of every chain, in place of accept (a cycle accepts when
     * some part did, and a Gibbs part always does) */
    int n_parts;
    char (*part_name)[128];    /* what the part is and moves: "gibbs on tau", "mu" */
    int64_t *part_accepted, part_steps;
    int64_t divergences;
    double log_ml, ess;
    double *nuts_stats;        /* NUTS: [chains][draws][GEN_NUTS_NSTATS] of the draws, or NULL */
    tool_series series[4];     /* SMC: ESS and log ML per step; VI: ELBO per iteration */
    int n_series;
    char note[512];            /* one line more for the summary (ADVI: iterations, eta) */
    bool cancelled;
} tool_result;
bool tool_result_alloc(tool_result *r, int chains, int64_t draws);
double *tool_result_row(const tool_result *r, int chain, int64_t i);
bool tool_result_add_series(tool_result *r, const char *name, int64_t n, const double *x, const double *y);
void tool_result_free(tool_result *r);

/* ---- the algorithms (run_mcmc.c, run_is.c, run_smc.c, run_advi.c) ---- */
/* Each runs the model per the options into r (r->cols set up by it), honouring the stop
 * flag (tool_stop_requested) through the library's progress callbacks; false with the
 * error printed (a cancel is not an error: r->cancelled). */
bool tool_run_mcmc(const tool_model *tm, const tool_opts *o, const char *alg, tool_result *r);
bool tool_run_is(const tool_model *tm, const tool_opts *o, tool_result *r);
bool tool_run_smc(const tool_model *tm, const tool_opts *o, tool_result *r);
bool tool_run_advi(const tool_model *tm, const tool_opts *o, tool_result *r);
/* The selection MCMC and VI move: the model's latents, else every choice the
 * observations leave out (a new selection in the current scope). */
const gen_selection *tool_latents(const tool_model *tm, const gen_trace *tr);
/* Whether name is one of the algorithms (options.c). */
bool tool_algorithm_known(const char *name);

/* ---- progress and Ctrl-C (progress.c) ---- */
/* Installs the SIGINT handler (a first Ctrl-C asks the run to stop, a second one kills)
 * and chooses whether a bar is drawn (stderr a terminal and not quiet). */
void tool_progress_init(bool quiet);
bool tool_stop_requested(void);
/* Starts a phase of total units over n_chains chains (the bar's label). */
void tool_progress_start(const char *label, int n_chains, int64_t per_chain);
/* A gen_progress callback for the library's long calls (ud unused): updates the bar,
 * returns false once a stop was asked. */
bool tool_progress_fn(void *ud, const gen_progress_info *info);
/* The tool's own loops: chain c did done units of total. False once a stop was asked. */
bool tool_progress_step(int chain, const char *phase, int64_t done, int64_t total);
void tool_progress_end(void);

/* ---- writers (output.c) ---- */
/* The rows every chain that drew something filled (the chains may stop at different
 * rows after a Ctrl-C; the summary, the files and the report use these); *used the
 * number of such chains. */
int64_t tool_common_rows(const tool_result *r, int *used);
/* Prints the summary table and the algorithm's statistics; false with the error printed. */
bool tool_print_summary(FILE *f, const tool_model *tm, const tool_result *r);
/* Writes <dir>/draws.csv and <dir>/draws.json (and returns their paths' folder made);
 * false with the error printed. */
bool tool_write_draws(const char *dir, const tool_model *tm, const tool_opts *o, const tool_result *r);
/* Writes the report (html_report.c) to path: the run, the statistics, the draws' plots
 * and the series. TOOL_EXIT_OK; TOOL_EXIT_FAIL with the error printed; TOOL_EXIT_USAGE
 * when --pairs names a column the run does not have (printed; the report is written with
 * the default pair plot). */
int tool_write_report(const char *path, const tool_model *tm, const tool_opts *o, const tool_result *r);
/* mkdir -p; false with errno set. */
bool tool_make_dirs(const char *dir);
/* The summaries of the columns (NaN fields where a statistic cannot be computed): s[ncols]. */
void tool_summarize(const tool_result *r, gen_summary *s);

#endif
