/* genc/draws.h — draws of a sampler as CSV files, written and read back (the tools
 * layer).
 *
 * The file. One header line, then one line per draw; fields separated by commas; a
 * field holding a comma, a double quote, a line break or a leading or trailing space
 * is quoted as RFC 4180 says ("L[2,1]", a quote doubled inside). Columns:
 *   chain, draw       1-based (Stan's and the posterior package's numbering)
 *   lp__, ...         the sampler's columns when stats are given (Stan's names end in
 *                     "__": lp__, accept_stat__, stepsize__, treedepth__, n_leapfrog__,
 *                     divergent__, energy__ for NUTS, genc/infer.h GEN_NUTS_*)
 *   the parameters    one per flattened element, named as genc/choice.h names them
 *                     (gen_choicemap_flat_names: "sigma", "beta[3]", "L[2,1]")
 * Numbers are written with %.17g, so every finite double reads back to the same bits;
 * NaN is written NA, infinities Inf and -Inf (what R and pandas read). A draw row that
 * is NaN in every column (the rows a stopped run did not reach: genc/infer.h) is left
 * out; the draw column keeps the others' numbers.
 *
 * Reading. gen_draws_read_csv reads these files exactly, and also CmdStan's output CSV:
 * lines starting with '#' (its configuration, adaptation and timing comments) and empty
 * lines are skipped wherever they are; without "chain" and "draw" as the first two
 * columns the file is one chain whose rows are its draws in order; CmdStan's dotted
 * names are mapped to ours (theta.3 -> theta[3], L.2.1 -> L[2,1]; a name whose dotted
 * parts are not all positive integers is kept as written). Columns whose names end in
 * "__" are the sampler's: gen_draws_read_csv_stats reads them. Numbers are what strtod
 * reads, plus NA, NaN, nan, Inf, inf, Infinity with an optional sign. Not read: files
 * of several chains without a chain column (concatenate CmdStan's per-chain files by
 * reading each), fields spanning lines. */
#ifndef GENC_DRAWS_H
#define GENC_DRAWS_H

#include "genc/choice.h"
#include "genc/infer.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Writes draws (f64 or f32 [chains, n, d], on any device) with the d parameter names
 * to a new file at path (replacing one there). stats (may be NULL) adds the sampler
 * columns: an [chains, m, s] array whose row stats_offset + i belongs to draw i (NUTS:
 * the warm-up count, gen_nuts_result.stats rows come warm-up first), with stat_names its
 * s column names; a NULL entry leaves that column out (GEN_NUTS_DIVERGENCE is not a Stan
 * column). Errors: GEN_ERR_MISUSE for a NULL path, draws or names, or stats without
 * stat_names; GEN_ERR_SHAPE naming the arrays whose shapes disagree (draws not 3-d,
 * stats with another chain count or fewer than stats_offset + n rows); GEN_ERR_VALUE
 * for a NULL name or a name with a line break ("gen_draws_write_csv: names[2] is
 * NULL"), and for a file that cannot be written ("gen_draws_write_csv: cannot write
 * out/draws.csv: No such file or directory"). */
gen_status gen_draws_write_csv(const char *path, const gen_array *draws, const char *const *names,
                               const gen_array *stats, const char *const *stat_names,
                               int64_t stats_offset);

/* Stan's name of column k of gen_nuts_result.stats ("lp__" for GEN_NUTS_LP, ...,
 * "energy__"), or NULL for a column Stan does not write (GEN_NUTS_DIVERGENCE) or a k
 * outside 0..GEN_NUTS_NSTATS-1: the stat_names of gen_draws_write_csv for NUTS stats. */
const char *gen_nuts_stat_name(int k);

/* The draws of a NUTS run (gen_nuts_sample) as above: its draws, its Stan statistics
 * (lp__ .. energy__ of the sampling iterations) and the names of the recorded choices,
 * gen_choicemap_flat_names(gen_trace_choices(r->traces[0]), record), where record is
 * what the run recorded (gen_nuts_config.record, or sel when that was NULL). Errors as
 * gen_draws_write_csv, those of gen_choicemap_flat_names, and GEN_ERR_SHAPE when record
 * gives another number of names than draws has columns. */
gen_status gen_nuts_write_csv(const char *path, const gen_nuts_result *r, const gen_selection *record);

/* Reads the parameter columns of a file in the format above (ours or CmdStan's): *draws
 * a new f64 [chains, n, d] array (scope rules of genc/array.h), n the largest draw
 * number (rows missing from the file, the unreached rows of a stopped run, are NaN),
 * chains the largest chain number; *names a new array of the d names (free it with
 * gen_names_free(*names, *n_names)). Errors (outputs NULL and 0): GEN_ERR_MISUSE for a
 * NULL argument; GEN_ERR_VALUE naming the file and line for a file that cannot be read,
 * has no header, a row with another number of fields than the header, a field that is
 * not a number ("gen_draws_read_csv: fit.csv line 7: column theta[2]: 'x1' is not a
 * number"), a chain or draw that is not a positive integer, a draw given twice, or two
 * columns of one name. */
gen_status gen_draws_read_csv(const char *path, gen_array **draws, char ***names, int64_t *n_names);
/* The sampler columns (names ending in "__") of such a file, in the layout of
 * gen_draws_read_csv's draws ([chains, n, s], NaN where a row is missing), with their
 * names. Errors as gen_draws_read_csv. */
gen_status gen_draws_read_csv_stats(const char *path, gen_array **stats, char ***names, int64_t *n_names);

#ifdef __cplusplus
}
#endif
#endif
