/* genc/array.h — n-dimensional arrays and the operations on them.
 *
 * Arrays are immutable values: an operation returns a new array. Element types are
 * f64 (the default), f32, i64 and bool; at most GEN_MAX_DIMS dimensions; storage is
 * contiguous and row-major. Binary operations broadcast by NumPy's rules.
 *
 * Ownership: every function returning gen_array* returns a new reference. If a scope
 * is open (gen_scope_begin) the scope owns it and releases it at gen_scope_end;
 * otherwise the caller owns it and calls gen_array_release. Arguments are borrowed.
 *
 * Errors: functions returning gen_array* return NULL on failure and record the error
 * (gen_error_status / gen_error_message). Given a NULL argument they return NULL and
 * keep the error already recorded, so operations can be chained and checked once.
 *
 * Shapes: extents are >= 0, and the product of an array's nonzero extents is at most
 * 2^59 - 1 (INT64_MAX / 16; a 0 extent does not lift the bound), whatever creates the
 * shape: creation, reshape, broadcasting, concatenation, stacking, a sample shape or a
 * particle axis in front of another shape. Past it an operation records GEN_ERR_SHAPE
 * naming itself and the shape ("add: shapes [0,2147483648,1] and [0,1,8589934592]
 * broadcast to [0,2147483648,8589934592], which is too large", "gen_zeros: shape is too
 * large: [...]", "gen_zeros: dimension 1 is negative (-3) in shape [2,-3]"). A valid
 * shape whose memory cannot be had is GEN_ERR_OOM.
 *
 * Type promotion: bool < i64 < f32 < f64. Operations that need floating point (exp,
 * div, mean, ...) turn bool and i64 into f64. Axes may be negative (counted from the
 * end). */
#ifndef GENC_ARRAY_H
#define GENC_ARRAY_H

#include "genc/core.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GEN_MAX_DIMS 8

typedef enum gen_dtype { GEN_BOOL = 0, GEN_I64 = 1, GEN_F32 = 2, GEN_F64 = 3 } gen_dtype;

typedef struct gen_array gen_array;

/* Where an array's elements live. Every array is on one device; an operation runs on
 * the device of its arguments and its result is on that device. Arguments on different
 * devices are GEN_ERR_MISUSE naming the operation and the two devices, with one
 * exception: small host arrays (at most 64 bytes of elements: scalars, short vectors,
 * whatever gen_scalar makes) travel with an operation to the device of its other
 * arguments, so constants in model code need no copying by hand. Operations with no
 * array argument (gen_zeros, gen_full, gen_array_from, gen_arange, the random draws)
 * make their arrays on the calling thread's default device (gen_device_set_default; the
 * CPU unless set), except that arrays of at most 64 bytes are always made on the host;
 * likewise an operation on small host arrays alone whose result is larger (a scalar
 * broadcast to [N]) runs on the default device.
 * The CPU is device 0 and always present; other devices are the backends this build
 * registers, numbered from 1 as they are first used (gen_device_cuda). */
typedef enum gen_device { GEN_DEVICE_NONE = -1, GEN_DEVICE_CPU = 0 } gen_device;

/* Shape and axis literals: gen_zeros(GEN_F64, GEN_DIMS(3, 4)) passes ndim = 2 and the
 * dims {3, 4}; gen_sum(a, GEN_AXES(0, 2), false) passes naxes = 2 and axes {0, 2}. */
#define GEN_DIMS(...) \
    (int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)), (const int64_t[]){__VA_ARGS__}
#define GEN_AXES(...) (int)(sizeof((int[]){__VA_ARGS__}) / sizeof(int)), (const int[]){__VA_ARGS__}

/* ---- reference counting ---------------------------------------------------------- */

/* Adds a reference (thread-safe); returns a. The caller then owns that reference. */
gen_array *gen_array_retain(gen_array *a);
/* Drops a reference; frees the array when none remain. NULL is ignored. */
void gen_array_release(gen_array *a);
/* Keeps a past the end of the innermost scope: the enclosing scope owns the new
 * reference, or the caller if there is none. Returns a (NULL stays NULL). */
gen_array *gen_scope_return(gen_array *a);

/* ---- creation ---------------------------------------------------------------------- */

gen_array *gen_scalar(double v); /* 0-d f64 */
gen_array *gen_scalar_f32(float v);
gen_array *gen_scalar_i64(int64_t v);
gen_array *gen_scalar_bool(bool v);
/* Copies shape-many elements of dtype from data (row-major). */
gen_array *gen_array_from(gen_dtype dtype, int ndim, const int64_t *shape, const void *data);
/* Copies f64 data (the common case of gen_array_from). */
gen_array *gen_array_from_f64(int ndim, const int64_t *shape, const double *data);
gen_array *gen_zeros(gen_dtype dtype, int ndim, const int64_t *shape);
gen_array *gen_ones(gen_dtype dtype, int ndim, const int64_t *shape);
gen_array *gen_full(gen_dtype dtype, int ndim, const int64_t *shape, double value);
/* [start, start + step, ...) while < stop (> stop for negative step); 1-d. */
gen_array *gen_arange(double start, double stop, double step, gen_dtype dtype);
/* n points from a to b, both included (n >= 1); f64. */
gen_array *gen_linspace(double a, double b, int64_t n);
/* n x n identity. */
gen_array *gen_eye(int64_t n, gen_dtype dtype);
/* indices (i64, any shape, values in 0..k-1) -> shape + [k] of 0/1 in dtype. */
gen_array *gen_one_hot(const gen_array *indices, int64_t k, gen_dtype dtype);
/* A contiguous copy (a new array with the same values). */
gen_array *gen_copy(const gen_array *a);

/* ---- queries and read-out -------------------------------------------------------- */

gen_dtype gen_array_dtype(const gen_array *a);
int gen_array_ndim(const gen_array *a);
/* Borrowed pointer to ndim dims. */
const int64_t *gen_array_shape(const gen_array *a);
int64_t gen_array_dim(const gen_array *a, int axis); /* -1 if axis is invalid */
int64_t gen_array_size(const gen_array *a);          /* number of elements */
const char *gen_dtype_name(gen_dtype dtype);
size_t gen_dtype_size(gen_dtype dtype);
/* Borrowed read-only pointer to the elements on the host (row-major); for a tuple, its
 * items (see tuples below). Host memory only: for an array on another device, NULL and
 * GEN_ERR_MISUSE "gen_array_data: the array is on device <name>; copy it to the host
 * first (gen_array_to_host)". NULL (keeping the pending error) for NULL. */
const void *gen_array_data(const gen_array *a);

/* ---- devices (see gen_device) ------------------------------------------------------ */

/* The device holding a's elements (GEN_DEVICE_CPU for NULL and for tuples). */
gen_device gen_array_device(const gen_array *a);
/* The device's name ("cpu"), or "?" for a device this build does not have. */
const char *gen_device_name(gen_device d);
/* The number of devices of this build (1 + the registered backends); devices are
 * 0 .. gen_device_count() - 1. */
int gen_device_count(void);
/* a on the host: a itself (a new reference) when it is already in host memory, else a
 * new host copy with the same dtype, shape and batched flag. NULL propagates; a tuple is
 * GEN_ERR_DTYPE. Copies are not differentiated: an array tracked by a running autodiff
 * transform is GEN_ERR_NOGRAD. */
gen_array *gen_array_to_host(const gen_array *a);
/* a on device d: a itself (a new reference) when it is there already, else a copy
 * there. Errors as gen_array_to_host, and GEN_ERR_VALUE for a device this build does
 * not have. */
gen_array *gen_array_to_device(const gen_array *a, gen_device d);
/* The device of CUDA GPU `ordinal` (0 for the first), set up on first use (its stream,
 * memory pool and library handles); every later call returns the same device. On
 * failure GEN_DEVICE_NONE with GEN_ERR_UNSUPPORTED: the build has no CUDA backend ("this
 * build has no CUDA backend (configure with GENC_CUDA=ON where nvcc is installed)"),
 * there is no such GPU ("gen_device_cuda: no CUDA device 0: no CUDA-capable device is
 * detected"), or GEN_ERR_VALUE for a negative ordinal. Thread-safe. */
gen_device gen_device_cuda(int ordinal);
/* Whether device d runs the operation named op_name (the name its errors carry: "add",
 * "matmul", "cholesky", "normal_logpdf"; gen_op_name lists them all): true when d's
 * backend has a kernel for it. False, recording nothing, for a name that is no
 * operation, for NULL and for a device this build does not have. An operation a device
 * lacks fails there with GEN_ERR_UNSUPPORTED "<op>: not supported on the <device>
 * backend"; the CPU runs every operation. To list what a GPU lacks:
 *   for (int i = 0; i < gen_op_count(); i++)
 *       if (!gen_device_supports(gpu, gen_op_name(i))) puts(gen_op_name(i)); */
bool gen_device_supports(gen_device d, const char *op_name);
/* The number of operations of the op table, and the name of operation i (0 <= i <
 * gen_op_count()): a static string, or NULL (recording nothing) for i out of range. */
int gen_op_count(void);
const char *gen_op_name(int i);
/* The calling thread's default device: where operations with no array argument make
 * their arrays (see gen_device). The CPU until set. */
gen_device gen_device_default(void);
/* Sets the calling thread's default device to d and returns the one it replaces (so a
 * scope restores it: `gen_device old = gen_device_set_default(gpu); ...;
 * gen_device_set_default(old);`). GEN_DEVICE_NONE with GEN_ERR_VALUE for a device this
 * build does not have, and nothing changes. */
gen_device gen_device_set_default(gen_device d);
/* Waits until the work queued on device d is done. Devices run operations
 * asynchronously: a kernel's failure that is only found on the device (an index out of
 * range in a gather) is reported by the next call that waits, this one or a read of
 * values (gen_item, gen_array_to_host, ...). GEN_OK on the CPU. */
gen_status gen_device_synchronize(gen_device d);
/* The single element of a size-1 array, converted to double / int64. An array on
 * another device is copied to the host for it (waiting for the device). */
gen_status gen_item(const gen_array *a, double *out);
gen_status gen_item_i64(const gen_array *a, int64_t *out);
/* Copies all elements, converted to dtype, into buf of nbytes bytes (which must hold
 * size * gen_dtype_size(dtype) bytes); from another device through a host copy. */
gen_status gen_array_copy_to(const gen_array *a, gen_dtype dtype, void *buf, size_t nbytes);
/* Writes a short human-readable form ("f64[2,3] [[1, 2, 3], [4, 5, 6]]") into buf. */
gen_status gen_array_format(const gen_array *a, char *buf, size_t nbytes);

/* ---- tuples (DESIGN decision 1) -----------------------------------------------------
 * A tuple is a gen_array that holds references to n other arrays (its items), so that a
 * function (a generative function's return value, a combinator's kernel) can return or
 * take several arrays as one: gen_tuple(2, (gen_array *[]){carry, out}). Items may be
 * tuples themselves. A tuple is immutable like every array; it is refcounted and scoped
 * like every array (gen_array_retain/release, gen_scope_return), and it keeps its items
 * alive: releasing its last reference releases each item once.
 *
 * A tuple is not an array of numbers:
 *   - every array operation (gen_add, gen_sum, gen_reshape, gen_copy, gen_cast, ...)
 *     given a tuple fails with GEN_ERR_DTYPE "<op>: argument k is a tuple, not an array
 *     of numbers" (an operation built from others names the one that met the tuple:
 *     gen_transpose says permute, gen_mean sum, gen_matmul reshape); so do gen_item, gen_item_i64, gen_array_copy_to, gen_one_hot,
 *     gen_batched / gen_unbatched, the autodiff transforms (inputs, outputs, tangents
 *     and cotangents), distributions and samplers (parameters and values), and choice
 *     maps (a tuple is never a choice value: GEN_ERR_VALUE "choicemap: the value at y
 *     is a tuple");
 *   - gen_array_format writes "(tuple of 2: f64[] 1, i64[2] [1, 2])";
 *   - queries answer so that generic code does not crash: gen_array_ndim 1,
 *     gen_array_shape [n], gen_array_size n, gen_array_dtype GEN_F64 (meaningless:
 *     test gen_array_is_tuple first), gen_array_is_batched false, and gen_array_data
 *     the item pointers (gen_array *const *, n of them, borrowed). */
/* A new tuple of items[0..n) (n >= 0; each retained). A NULL item returns NULL,
 * keeping the error already recorded (GEN_ERR_MISUSE if none). */
gen_array *gen_tuple(int n, gen_array *const *items);
/* Whether a is a tuple (false for NULL). */
bool gen_array_is_tuple(const gen_array *a);
/* The number of items; -1 and GEN_ERR_DTYPE if t is not a tuple (GEN_ERR_MISUSE, or
 * the pending error, if t is NULL). */
int gen_tuple_size(const gen_array *t);
/* Item i (borrowed: valid while t is); NULL and GEN_ERR_INDEX "gen_tuple_get: index 2
 * is out of range for a tuple of 2" when i is not in 0..n-1; errors as gen_tuple_size
 * when t is not a tuple. */
gen_array *gen_tuple_get(const gen_array *t, int i);

/* ---- batched mode (DESIGN decision 9) ------------------------------------------------
 * The same model code runs for N particles at once: an array marked batched carries a
 * leading particle axis of size N. Between gen_batch_begin(N) and gen_batch_end():
 *   - elementwise ops (arithmetic, comparisons, where, math functions) see a batched
 *     argument by its per-particle shape: a batched [N] (one scalar per particle) times an
 *     unbatched [50] gives a batched [N, 50], as the unbatched code would give [50];
 *   - reductions over all axes reduce each particle's axes, keeping the particle axis;
 *   - every other op sees the physical shape, particle axis first: give axes counted
 *     from the end (negative) so the code means the same in both modes;
 *   - a result is batched when an argument was and the result keeps the leading axis.
 * Outside batched mode the mark is carried but changes nothing. gen_array_ndim and
 * gen_array_shape always give the physical shape. Gradient rules run on physical
 * shapes, so transforms work inside batched mode. */
/* Enters batched mode with n particles (n >= 1). Calls nest when n is the same. */
gen_status gen_batch_begin(int64_t n);
/* Leaves the innermost gen_batch_begin. */
void gen_batch_end(void);
/* The particle count of the running batched mode, 0 outside it (and while suspended). */
int64_t gen_batch_size(void);
/* Suspends batched mode (ops see physical shapes) and returns the particle count to give
 * gen_batch_resume; for code that keeps its own per-particle bookkeeping inside a
 * batched run (the DSL's handlers, custom generative functions). */
int64_t gen_batch_suspend(void);
void gen_batch_resume(int64_t n);
/* A view of a marked batched (a must have ndim >= 1; in batched mode, a leading axis of
 * the particle count). */
gen_array *gen_batched(const gen_array *a);
/* A view of a without the mark. */
gen_array *gen_unbatched(const gen_array *a);
bool gen_array_is_batched(const gen_array *a);

/* ---- elementwise, one argument ------------------------------------------------------
 * neg, abs, sign, square keep integer types; floor, ceil, round are the identity on
 * integers; the rest compute in floating point. */
gen_array *gen_neg(const gen_array *a);
gen_array *gen_abs(const gen_array *a);
gen_array *gen_sign(const gen_array *a);
gen_array *gen_exp(const gen_array *a);
gen_array *gen_expm1(const gen_array *a);
gen_array *gen_log(const gen_array *a);   /* log(0) = -inf, log(x<0) = nan */
gen_array *gen_log1p(const gen_array *a);
gen_array *gen_sqrt(const gen_array *a);
gen_array *gen_square(const gen_array *a);
gen_array *gen_reciprocal(const gen_array *a);
gen_array *gen_sin(const gen_array *a);
gen_array *gen_cos(const gen_array *a);
gen_array *gen_tan(const gen_array *a);
gen_array *gen_tanh(const gen_array *a);
gen_array *gen_sigmoid(const gen_array *a);
gen_array *gen_log_sigmoid(const gen_array *a); /* log(1 / (1 + exp(-x))), stable */
gen_array *gen_softplus(const gen_array *a);    /* log(1 + exp(x)), stable */
gen_array *gen_floor(const gen_array *a);
gen_array *gen_ceil(const gen_array *a);
gen_array *gen_round(const gen_array *a); /* half to even, like NumPy */
gen_array *gen_erf(const gen_array *a);
gen_array *gen_erfc(const gen_array *a);
gen_array *gen_erfinv(const gen_array *a); /* erfinv(+-1) = +-inf */
gen_array *gen_lgamma(const gen_array *a); /* log|Gamma(x)|; +inf at poles */
gen_array *gen_digamma(const gen_array *a); /* -inf at +0, nan at negative integers (SciPy) */
gen_array *gen_trigamma(const gen_array *a); /* has no gradient rule */
gen_array *gen_log_ndtr(const gen_array *a); /* log of the standard normal CDF, stable */
gen_array *gen_logical_not(const gen_array *a); /* -> bool */
gen_array *gen_isfinite(const gen_array *a);    /* -> bool */
gen_array *gen_isnan(const gen_array *a);       /* -> bool */
/* Converts to dtype (float -> int truncates toward zero; nonzero -> true). */
gen_array *gen_cast(const gen_array *a, gen_dtype dtype);
/* The same values, through which no gradient flows. */
gen_array *gen_stop_gradient(const gen_array *a);

/* ---- elementwise, two or three arguments (broadcasting) ------------------------------ */
gen_array *gen_add(const gen_array *a, const gen_array *b);
gen_array *gen_sub(const gen_array *a, const gen_array *b);
gen_array *gen_mul(const gen_array *a, const gen_array *b);
gen_array *gen_div(const gen_array *a, const gen_array *b); /* always floating point */
gen_array *gen_pow(const gen_array *a, const gen_array *b); /* floating point */
gen_array *gen_maximum(const gen_array *a, const gen_array *b);
gen_array *gen_minimum(const gen_array *a, const gen_array *b);
gen_array *gen_atan2(const gen_array *y, const gen_array *x);
gen_array *gen_mod(const gen_array *a, const gen_array *b); /* sign of b, like NumPy */
gen_array *gen_logaddexp(const gen_array *a, const gen_array *b);
gen_array *gen_eq(const gen_array *a, const gen_array *b); /* comparisons -> bool */
gen_array *gen_ne(const gen_array *a, const gen_array *b);
gen_array *gen_lt(const gen_array *a, const gen_array *b);
gen_array *gen_le(const gen_array *a, const gen_array *b);
gen_array *gen_gt(const gen_array *a, const gen_array *b);
gen_array *gen_ge(const gen_array *a, const gen_array *b);
gen_array *gen_logical_and(const gen_array *a, const gen_array *b);
gen_array *gen_logical_or(const gen_array *a, const gen_array *b);
/* cond ? x : y elementwise; cond is cast to bool. */
gen_array *gen_where(const gen_array *cond, const gen_array *x, const gen_array *y);
/* min(max(a, lo), hi). */
gen_array *gen_clip(const gen_array *a, const gen_array *lo, const gen_array *hi);

/* ---- reductions ---------------------------------------------------------------------
 * Over the naxes axes listed (naxes == 0 with axes == NULL: over all axes). keepdims
 * keeps reduced axes with size 1. sum/prod/max/min keep the type (bool sums to i64);
 * mean and logsumexp are floating point; all/any give bool. Reducing an empty axis
 * with max/min/argmax/argmin is an error. */
gen_array *gen_sum(const gen_array *a, int naxes, const int *axes, bool keepdims);
gen_array *gen_prod(const gen_array *a, int naxes, const int *axes, bool keepdims);
gen_array *gen_mean(const gen_array *a, int naxes, const int *axes, bool keepdims);
gen_array *gen_max(const gen_array *a, int naxes, const int *axes, bool keepdims);
gen_array *gen_min(const gen_array *a, int naxes, const int *axes, bool keepdims);
gen_array *gen_logsumexp(const gen_array *a, int naxes, const int *axes, bool keepdims);
gen_array *gen_all(const gen_array *a, int naxes, const int *axes, bool keepdims);
gen_array *gen_any(const gen_array *a, int naxes, const int *axes, bool keepdims);
/* Index (i64) of the first maximum / minimum along one axis. */
gen_array *gen_argmax(const gen_array *a, int axis, bool keepdims);
gen_array *gen_argmin(const gen_array *a, int axis, bool keepdims);
/* Running sum / running logsumexp along axis (same shape as a). */
gen_array *gen_cumsum(const gen_array *a, int axis);
gen_array *gen_cumlogsumexp(const gen_array *a, int axis);
/* Ascending, stable; NaN sorts last. argsort gives i64 indices. */
gen_array *gen_sort(const gen_array *a, int axis);
gen_array *gen_argsort(const gen_array *a, int axis);

/* ---- shapes ---------------------------------------------------------------------- */
/* One dimension may be -1 (inferred). */
gen_array *gen_reshape(const gen_array *a, int ndim, const int64_t *shape);
/* Reverses the axes. */
gen_array *gen_transpose(const gen_array *a);
/* Output axis i is input axis perm[i]; naxes must equal ndim. */
gen_array *gen_permute(const gen_array *a, int naxes, const int *perm);
/* Inserts a size-1 axis at position axis (in the result; -1 appends). */
gen_array *gen_expand_dims(const gen_array *a, int axis);
/* Removes the listed size-1 axes (naxes == 0: all size-1 axes). */
gen_array *gen_squeeze(const gen_array *a, int naxes, const int *axes);
gen_array *gen_broadcast_to(const gen_array *a, int ndim, const int64_t *shape);
/* Joins along axis; dtypes are promoted to the widest; shapes must be equal except
 * along axis. */
gen_array *gen_concatenate(int n, gen_array *const *arrays, int axis);
/* New axis at position axis; shapes must be equal. */
gen_array *gen_stack(int n, gen_array *const *arrays, int axis);
/* Elements start, start+step, ... before stop along axis (Python's rules: negative
 * start/stop count from the end and are clamped; step != 0, may be negative).
 * GEN_END as stop means "to the end" (for either sign of step). */
#define GEN_END INT64_MAX /* as start it is just a large index, clamped to the end */
gen_array *gen_slice(const gen_array *a, int axis, int64_t start, int64_t stop, int64_t step);
/* Gathers along axis: result shape a.shape[:axis] + indices.shape + a.shape[axis+1:].
 * indices must be i64 (bool and float indices are GEN_ERR_DTYPE); negative ones count
 * from the end; out of range is GEN_ERR_INDEX. */
gen_array *gen_take(const gen_array *a, const gen_array *indices, int axis);
/* Copy of a with a[..., indices[j], ...] (along axis) set to / incremented by
 * values[..., j, ...]; values broadcast to the shape gen_take would give. The result has
 * the promoted dtype of a and values. With index_add, repeated indices accumulate; with
 * index_set, a repeated index keeps the value of its last occurrence (row-major order of
 * indices). */
gen_array *gen_index_set(const gen_array *a, int axis, const gen_array *indices,
                         const gen_array *values);
gen_array *gen_index_add(const gen_array *a, int axis, const gen_array *indices,
                         const gen_array *values);
gen_array *gen_flip(const gen_array *a, int axis);
/* Indexing that reads like the math, checked: a[i], a[i, j] and a[start:stop] along the
 * leading axes (0-based as C; a negative index counts from the end, -1 the last). An
 * index out of range is GEN_ERR_INDEX naming it and the axis size ("gen_at: index 3 is
 * out of range for axis 0 of size 3 ...") rather than clamped; an array with too few
 * dimensions is GEN_ERR_SHAPE. Built on gen_take / gen_slice, so they are differentiable
 * (gen_grad, gen_jvp) and captured like those. In batched mode a batched array is
 * indexed per particle: its particle axis is not counted (gen_at of a batched [N, 3, 2]
 * at 1 is the batched [N, 2] of each particle's row 1); outside batched mode the mark
 * changes nothing, as for every op.
 * gen_at: element or row i along axis 0 (the axis is dropped: a [3] gives a 0-d array,
 * a [3, 2] a [2] row). */
gen_array *gen_at(const gen_array *a, int64_t i);
/* Element or sub-array (i, j) along axes 0 and 1 (both dropped): L[i, j] of a matrix. */
gen_array *gen_at2(const gen_array *a, int64_t i, int64_t j);
/* Rows start .. stop-1 along axis 0 (the axis kept, stop - start long; GEN_END as stop:
 * to the end). Needs 0 <= start <= stop <= size after negative ones are counted from the
 * end; anything else is GEN_ERR_INDEX (gen_slice clamps instead). */
gen_array *gen_range(const gen_array *a, int64_t start, int64_t stop);
/* Repeats a reps[i] times along each axis (NumPy's tile). */
gen_array *gen_tile(const gen_array *a, int nreps, const int64_t *reps);

/* ---- linear algebra ----------------------------------------------------------------
 * Matrices are the last two axes; leading axes are batch axes and broadcast. Floating
 * point: bool and i64 arguments are converted to f64. */
/* NumPy's matmul: 1-d arguments are promoted to a row / column and that axis dropped. */
gen_array *gen_matmul(const gen_array *a, const gen_array *b);
/* Swaps the last two axes. */
gen_array *gen_matrix_transpose(const gen_array *a);
/* a[..., i] * b[..., j] -> [..., i, j]. */
gen_array *gen_outer(const gen_array *a, const gen_array *b);
/* Lower Cholesky factor L with L L^T = a; GEN_ERR_LINALG if a is not positive definite
 * (a's upper triangle is not read). Gradients treat a as symmetric (the cotangent of a
 * is symmetric). A NaN in the lower triangle gives a NaN factor. */
gen_array *gen_cholesky(const gen_array *a);
/* Solves op(t) x = b for x, t triangular ([..., n, n]); lower says which triangle of t
 * is used; transpose solves with t^T. b is [..., n] (vectors) when it is 1-d or its
 * shape is t's without the last axis; otherwise [..., n, k], its batch axes broadcasting
 * with t's. A zero on the diagonal gives inf/nan (no error). */
gen_array *gen_triangular_solve(const gen_array *t, const gen_array *b, bool lower,
                                bool transpose);
/* Solves a x = b (LU with pivoting); b as for gen_triangular_solve. GEN_ERR_LINALG if
 * a is singular. */
gen_array *gen_solve(const gen_array *a, const gen_array *b);
gen_array *gen_inv(const gen_array *a);
/* log |det a|; -inf for singular a. */
gen_array *gen_logdet(const gen_array *a);
/* The diagonal [..., n] of [..., n, n]. */
gen_array *gen_diag(const gen_array *a);
/* The diagonal matrix [..., n, n] with v [..., n] on its diagonal. */
gen_array *gen_diag_embed(const gen_array *v);
/* Sum of the diagonal of [..., n, n] -> [...] (named so that gen_trace means a GFI trace). */
gen_array *gen_matrix_trace(const gen_array *a);

#ifdef __cplusplus
}
#endif
#endif
