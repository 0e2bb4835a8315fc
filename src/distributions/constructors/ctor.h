/* ctor.h — private helpers shared by the distribution constructors (transformed,
 * mixture, mixture_of, iid, independent, product, custom): per-instance family tables,
 * drawing a child distribution at a broadcast batch shape, mixture arithmetic, and the
 * Cartesian product of enumerations. */
#ifndef GENC_SRC_DIST_CTOR_H
#define GENC_SRC_DIST_CTOR_H

#include "../dist_int.h"

/* Every constructor's d->extra starts with this: a copy of the family table, so flags
 * that depend on the children (discrete, rsample) and names can differ per instance. */
typedef struct ctor_extra {
    dist_family fam;
    void (*free_fn)(struct ctor_extra *ex); /* releases what the extra holds, then itself */
} ctor_extra;

/* dist_new with ex->fam as the family; on success d->extra = ex, on failure ex is freed
 * through ex->free_fn (the caller's references pass to the distribution either way). */
gen_dist *ctor_new(ctor_extra *ex, gen_dtype dtype, int n_params, gen_array *const *params,
                   int batch_ndim, const int64_t *batch_shape, int event_ndim,
                   const int64_t *event_shape);
/* Marks d batched when one of the n children is (d may be NULL); returns d. */
gen_dist *ctor_inherit_batched(gen_dist *d, int n, gen_dist *const *children);
/* The free_extra of every constructor family. */
void ctor_free_extra(gen_dist *d);

/* A MISUSE error "family: what is NULL" unless an error is already recorded. */
gen_status ctor_null(const char *family, const char *what);

/* Draws c at sample shape S (ns dims) for a batch shape (nb, batch) that c's batch
 * broadcasts to: returns S + batch + c's event, every batch member independent (size-1
 * batch axes of c that the batch expands get their own draws). Calls c's sampler
 * directly (differentiable when it is). */
gen_array *ctor_draw(const gen_dist *c, gen_key key, int ns, const int64_t *S, int nb,
                     const int64_t *batch);

/* log sum_k w[..., k] exp(lp[..., k]) along the last axis, stable, with finite gradients
 * for zero weights and -inf (no NaN gradient) where every term vanishes. */
gen_array *ctor_mix_logpdf(const gen_array *w, const gen_array *lp);
/* Component indices (i64, shape (nd, shape)) drawn with probabilities w [..., K] (w's
 * leading axes broadcast against the trailing axes of shape) by inverse CDF. */
gen_array *ctor_pick(gen_key key, const gen_array *w, int nd, const int64_t *shape);
/* Selects draws[..., idx, event...] along axis (draws.ndim - 1 - event_ndim): one_hot
 * gathering, exact for every dtype. */
gen_array *ctor_select(const gen_array *idx, const gen_array *draws, int event_ndim);

/* The Cartesian product of n enumerations vals[i] ([M_i] + event, same event shape):
 * [prod M_i, n] + event in dtype, row-major over (i0, i1, ...). UNSUPPORTED when
 * the product exceeds 2^20 values. */
gen_array *ctor_enum_product(const char *family, int n, gen_array *const *vals, gen_dtype dtype);

/* The union of n supports of the same kind: the same kind with bounds min(lo) / max(hi)
 * (NULL when any is NULL); CUSTOM when the kinds differ. Bounds are new arrays owned by
 * the caller (retained). Each support's bounds are first reduced with reduce_last (min /
 * max over the last axis after broadcasting to (nb, batch)) when reduce_last. */
typedef struct ctor_support {
    gen_support_kind kind;
    gen_array *lo, *hi; /* owned */
} ctor_support;
gen_status ctor_support_union(int n, gen_dist *const *comps, bool reduce_last, ctor_support *out);
void ctor_support_release(ctor_support *s);

/* "[2,3]" for messages. */
#define CTOR_SHAPE(nd, sh, buf) arr_shape_str((nd), (sh), (buf), sizeof(buf))

#endif
