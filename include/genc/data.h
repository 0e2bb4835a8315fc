/* genc/data.h — data files in Stan's and posteriordb's JSON format: one object whose
 * members are the variables, each a number, a string "NaN" / "Inf" / "-Inf" (Stan's
 * spelling of the special values), or an array of them nested to any depth
 * ({"N": 8, "y": [28, 8, -3], "sigma": [15.0, 10.0, 16.0], "X": [[1, 0.5], [1, 2]]}).
 * A model reads its variables as arrays (genc/array.h) by name.
 *
 * Types. A variable whose numbers are all integers (in value: 28 and 28.0 alike, within
 * the i64 range) reads as i64 through gen_data_array, any other as f64; gen_data_f64 reads
 * any numeric variable as f64 (what a model wants for Stan's real data). Nested arrays
 * read as n-d arrays in row-major order (Stan's arrays and matrices alike); an array whose
 * rows differ in length is an error naming the variable. */
#ifndef GENC_DATA_H
#define GENC_DATA_H

#include <stdbool.h>
#include <stdint.h>

#include "genc/array.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gen_data gen_data;

/* Reads the data file at path: *out a new data set (caller-owned: gen_data_free), NULL on
 * error. Errors: GEN_ERR_MISUSE for a NULL path or out; GEN_ERR_VALUE for a file that
 * cannot be read ("gen_data_load: cannot open d.json: No such file or directory"), is not
 * JSON ("gen_data_load: d.json: not valid JSON near line 3: ..."), or is not one object of
 * variables, or has a variable of another kind (an object, a boolean, a string other than
 * the special values: "gen_data_load: d.json: variable y: element 2 is a string, not a number"). */
gen_status gen_data_load(const char *path, gen_data **out);
/* The same from the JSON text itself (messages say "gen_data_parse"). */
gen_status gen_data_parse(const char *json, gen_data **out);
void gen_data_free(gen_data *d);

/* The number of variables (-1 for NULL), the name of variable i in the file's order
 * (borrowed; NULL out of range), and whether a variable of that name exists. */
int gen_data_count(const gen_data *d);
const char *gen_data_name(const gen_data *d, int i);
bool gen_data_has(const gen_data *d, const char *name);

/* The variable as a new array in the current scope (i64 when its numbers are all
 * integers, else f64; see the types above): a number gives a 0-d array, an array of
 * depth k a k-d array. Errors: GEN_ERR_MISUSE for a NULL argument; GEN_ERR_VALUE for a
 * missing variable ("gen_data_array: no variable 'y' (the data has N, J, sigma)") or a
 * ragged array ("gen_data_array: variable X: a row at depth 1 has 3 elements, the first
 * has 2"). */
gen_status gen_data_array(const gen_data *d, const char *name, gen_array **out);
/* The same as f64 whatever its numbers. */
gen_status gen_data_f64(const gen_data *d, const char *name, gen_array **out);
/* A scalar variable: an integer (GEN_ERR_VALUE when it is not a number with an integer
 * value, or not a scalar) or any number. */
gen_status gen_data_int(const gen_data *d, const char *name, int64_t *out);
gen_status gen_data_real(const gen_data *d, const char *name, double *out);

#ifdef __cplusplus
}
#endif
#endif
