/* genc/data.h — data files in Stan's and posteriordb's JSON format: one object whose
 * members are the variables, each a number, a string "NaN" / "Inf" / "-Inf" (Stan's
 * spelling of the special values), or an array of them nested to any depth
 * ({"N": 8, "y": [28, 8, -3], "sigma": [15.0, 10.0, 16.0], "X": [[1, 0.5], [1, 2]]}).
 * A model reads its variables as arrays (genc/array.h) by name; a data set can also be
 * built from arrays and written (data simulated by a GenC model, for Stan).
 *
 * Types, as Stan reads them. A variable whose numbers are all written as integers (no '.'
 * or exponent: 28, not 28.0 or 2.8e1) within the i64 range reads as i64 through
 * gen_data_array, exactly (beyond 2^53 too); any other as f64 (what the text's number
 * reads as with strtod; an empty array is f64). gen_data_f64 reads any numeric variable
 * as f64 (what a model wants for Stan's real data, which files often write as 15, not
 * 15.0). Nested arrays read as n-d arrays in row-major order (Stan's arrays and matrices
 * alike); an array whose rows differ in length is an error naming the variable.
 *
 * Round trips. gen_data_write / gen_data_to_json then gen_data_load / gen_data_parse
 * give back every variable with its name, place, shape and numbers bit for bit: i64
 * values as i64; f64 values as f64 (NaN as a NaN, -0.0, subnormals and integral values
 * such as 28.0 kept real); bool values as i64 0/1 and f32 values as f64 (the double the
 * shortest decimal form of the float reads as, which gen_data_set keeps already, so
 * gen_data_array gives the same before and after). Arrays with no elements come back as
 * f64, with their dimensions up to the first 0 ([2, 0] stays [2, 0], [0, 3] becomes [0],
 * as JSON's [] says no more). */
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
/* A new empty data set (caller-owned: gen_data_free); NULL (GEN_ERR_OOM) when out of memory. */
gen_data *gen_data_new(void);
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

/* Adds variable name with value's numbers (copied; from any device), or replaces the
 * variable of that name in its place; a new one goes last. A 0-d array is a number, an n-d
 * array nested arrays in row-major order; i64 and bool (as 0/1) values are integers, f64
 * and f32 values reals (see the round trips above). On error d is unchanged. Errors:
 * GEN_ERR_MISUSE for a NULL argument; GEN_ERR_VALUE for a name that is not a Stan
 * identifier ("gen_data_set: 'y[1]' is not a Stan variable name (a letter, then letters,
 * digits and _, not ending in __)"), a tuple, or a batched array (gen_batched: one value
 * per particle; set one particle's). */
gen_status gen_data_set(gen_data *d, const char *name, const gen_array *value);
/* Removes variable name. Errors as gen_data_array's (a missing variable: GEN_ERR_VALUE). */
gen_status gen_data_remove(gen_data *d, const char *name);

/* The data as JSON text, one variable a line in the data set's order:
 *     {
 *       "N": 3,
 *       "y": [28, 8, -3],
 *       "X": [[1.0, 0.5], [2.0, "NaN"]]
 *     }
 * Integers as integers; reals as the shortest of 15, 16 or 17 significant digits that
 * reads back as the same double, with ".0" when that has no '.' or exponent; NaN, Inf and
 * -Inf as Stan's strings "NaN", "Inf", "-Inf". A new NUL-terminated string (free it with
 * gen_data_json_free); NULL on error (GEN_ERR_MISUSE for NULL d, GEN_ERR_OOM). */
char *gen_data_to_json(const gen_data *d);
void gen_data_json_free(char *json);
/* Writes gen_data_to_json's text to the file at path (replacing it). Errors: GEN_ERR_MISUSE
 * for a NULL argument; GEN_ERR_VALUE for a file that cannot be written ("gen_data_write:
 * cannot write out/d.json: No such file or directory"). */
gen_status gen_data_write(const gen_data *d, const char *path);

#ifdef __cplusplus
}
#endif
#endif
