/* lane_runtime.h — what a lane program's statements call: the draws' element procedures
 * (the random layer's, embedded before this text, through a few helpers) and the
 * runtime (the cg_rt_* names of runtime.h's table, which the lane target writes for the
 * C target's rt->...), as plain C that runs in one GPU thread: the special functions are the library's own (special.h, embedded
 * before this text), argsort and the Cholesky VJP the CPU kernels' own procedures
 * (mergesort.h, cholesky_vjp.h, embedded too); the matrix kernels are textbook loops in
 * place of BLAS and LAPACK (a product sums in index order, Cholesky by rows, LU with
 * partial pivoting), so their results agree with the eager ones to rounding. Failures
 * are reported as the runtime's are (the order of a minor that is not positive definite,
 * the row of a zero pivot). Not included by the library: emit_lanes.c embeds this text
 * in every lane program. */

/* ---- draws (random_hd.h, sample_hd.h) ---- */

#ifndef __CUDACC_RTC__
const double smp_fact[23] = SMP_FACT_INIT; /* the host's table, as sample_common.c's */
#endif

/* gen_key_fold_in(k, d). */
static inline gen_key cg_fold_in(gen_key k, uint64_t d) { return rnd_key_of(rnd_block(k, d, RND_TAG_FOLD)); }
/* The draw word of element i of a draw at k: word i % 2 of block i / 2. */
static inline uint64_t cg_word(gen_key k, uint64_t i) { return rnd_draw_block(k, i / 2).v[i % 2]; }
/* Element i of gen_random_uniform(k, f64 / f32) and of gen_random_normal(k, f64) (kz:
 * rnd_ziggurat_key(k); f32: that rounded). */
static inline double cg_uniform_f64(gen_key k, uint64_t i) { return rnd_u64_to_f64(cg_word(k, i)); }
static inline float cg_uniform_f32(gen_key k, uint64_t i) { return rnd_u64_to_f32(cg_word(k, i)); }
static inline double cg_normal(gen_key k, gen_key kz, uint64_t i) { return rnd_normal_from_word(cg_word(k, i), kz, i); }
/* A sampler's stream from its keys a, z, v. */
static inline smp_stream cg_stream(gen_key a, gen_key z, gen_key v) {
    smp_stream s;
    s.a = a, s.z = z, s.v = v;
    return s;
}
/* Element i of gen_random_gamma at stream st (alpha > 0, checked by the model). */
static inline double cg_gamma(const smp_stream *st, uint64_t i, double alpha) {
    if (!smp_valid(SMP_POSITIVE, alpha)) return NAN; /* not reached: the model checks it (no endless rejection) */
    smp_gamma_prm g;
    smp_gamma_init(&g, alpha);
    threefry2x64_ctr_t b = smp_attempt(st, i, 0);
    return smp_gamma_draw(&g, st, i, b.v[0], b.v[1], g.boost ? smp_boost_word(st, i) : 0);
}
/* Element i of gen_random_beta at streams st[0..2). */
static inline double cg_beta(const smp_stream *st, uint64_t i, double a, double b) {
    if (!smp_valid(SMP_POSITIVE, a) || !smp_valid(SMP_POSITIVE, b)) return NAN;
    smp_beta_prm s;
    smp_beta_init(&s, a, b);
    threefry2x64_ctr_t x = smp_attempt(&st[0], i, 0), y = smp_attempt(&st[1], i, 0);
    uint64_t wx[3] = {x.v[0], x.v[1], s.logspace ? smp_boost_word(&st[0], i) : 0};
    uint64_t wy[3] = {y.v[0], y.v[1], s.logspace ? smp_boost_word(&st[1], i) : 0};
    return smp_beta_draw(&s, st, i, wx, wy);
}
/* Element i of gen_random_poisson at stream st. */
static inline int64_t cg_poisson_draw(const smp_stream *st, uint64_t i, double rate) {
    if (!smp_valid(SMP_RATE, rate)) return -1;
    smp_pois_prm s;
    smp_pois_init(&s, rate);
    threefry2x64_ctr_t b = smp_attempt(st, i, 0);
    return smp_pois_draw(&s, st, i, b.v[0], b.v[1]);
}
/* Element i of gen_random_binomial at stream st. */
static inline int64_t cg_binomial(const smp_stream *st, uint64_t i, int64_t n, double p) {
    if (n < 0 || !smp_valid(SMP_PROB, p)) return -1;
    smp_bino_prm s;
    smp_bino_init(&s, n, p);
    threefry2x64_ctr_t b = smp_attempt(st, i, 0);
    return smp_bino_draw(&s, st, i, b.v[0], b.v[1]);
}

/* ---- the runtime table's functions ---- */

#define cg_rt_sigmoid sf_sigmoid
#define cg_rt_softplus sf_softplus
#define cg_rt_log_sigmoid sf_log_sigmoid
#define cg_rt_round_even sf_round_even
#define cg_rt_erfinv sf_erfinv
#define cg_rt_lgamma sf_lgamma
#define cg_rt_digamma sf_digamma
#define cg_rt_trigamma sf_trigamma
#define cg_rt_log_ndtr sf_log_ndtr

/* o[m, n] = a[m, k] b[k, n], row-major, f64 or (f32 set) f32. */
static inline void cg_rt_gemm(int f32, int64_t m, int64_t n, int64_t k, const void *a, const void *b, void *o) {
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
            if (f32) {
                const float *A = (const float *)a, *B = (const float *)b;
                float s = 0;
                for (int64_t t = 0; t < k; t++) s += A[i * k + t] * B[t * n + j];
                ((float *)o)[i * n + j] = s;
            } else {
                const double *A = (const double *)a, *B = (const double *)b;
                double s = 0;
                for (int64_t t = 0; t < k; t++) s += A[i * k + t] * B[t * n + j];
                ((double *)o)[i * n + j] = s;
            }
        }
}

/* L = chol(A) (lower, the upper triangle zero; NaN everywhere when A's lower triangle
 * holds a NaN); 0, or the order of the leading minor that is not positive definite. */
static inline int64_t cg_rt_cholesky(double *L, const double *A, int64_t n, double *w) {
    (void)w;
    for (int64_t j = 0; j < n; j++)
        for (int64_t i = j; i < n; i++)
            if (isnan(A[i * n + j])) {
                for (int64_t t = 0; t < n * n; t++) L[t] = NAN;
                return 0;
            }
    for (int64_t j = 0; j < n; j++) {
        double d = A[j * n + j];
        for (int64_t t = 0; t < j; t++) d -= L[j * n + t] * L[j * n + t];
        if (!(d > 0)) return j + 1;
        double ljj = sqrt(d);
        L[j * n + j] = ljj;
        for (int64_t i = j + 1; i < n; i++) {
            double s = A[i * n + j];
            for (int64_t t = 0; t < j; t++) s -= L[i * n + t] * L[j * n + t];
            L[i * n + j] = s / ljj;
        }
        for (int64_t i = 0; i < j; i++) L[i * n + j] = 0;
    }
    return 0;
}

static inline void cg_rt_cholesky_vjp(double *A, const double *L, const double *G, int64_t n, double *w) {
    chol_vjp_matrix(L, G, A, w, w + n * n, n);
}

/* X = op(T)^-1 B: T n x n triangular (lower or upper; transpose: T^T), B n x m. */
static inline void cg_rt_trisolve(double *X, const double *T, const double *B, int64_t n, int64_t m, int lower,
                                  int transpose, double *w) {
    (void)w;
    bool forward = (lower != 0) != (transpose != 0); /* op(T) lower */
    for (int64_t c = 0; c < m; c++)
        for (int64_t s = 0; s < n; s++) {
            int64_t i = forward ? s : n - 1 - s;
            double acc = B[i * m + c];
            for (int64_t r = 0; r < s; r++) {
                int64_t t = forward ? r : n - 1 - r; /* an unknown found before i */
                double tik = transpose ? T[t * n + i] : T[i * n + t];
                acc -= tik * X[t * m + c];
            }
            X[i * m + c] = acc / T[i * n + i];
        }
}

/* LU with partial pivoting of the n x n row-major copy a (in place; piv the row each
 * step took); 0, or the row (from 1) of the first zero pivot. */
static inline int64_t cg_lu(double *a, int64_t *piv, int64_t n) {
    int64_t info = 0;
    for (int64_t j = 0; j < n; j++) {
        int64_t p = j;
        for (int64_t i = j + 1; i < n; i++)
            if (fabs(a[i * n + j]) > fabs(a[p * n + j])) p = i;
        piv[j] = p;
        if (p != j)
            for (int64_t t = 0; t < n; t++) {
                double x = a[j * n + t];
                a[j * n + t] = a[p * n + t];
                a[p * n + t] = x;
            }
        double d = a[j * n + j];
        if (d == 0) {
            if (!info) info = j + 1;
            continue;
        }
        for (int64_t i = j + 1; i < n; i++) {
            double f = a[i * n + j] / d;
            a[i * n + j] = f;
            for (int64_t t = j + 1; t < n; t++) a[i * n + t] -= f * a[j * n + t];
        }
    }
    return info;
}

/* X = a^-1 B from cg_lu's factors (B n x m, rows permuted as the factorization did). */
static inline void cg_lu_solve(double *X, const double *a, const int64_t *piv, const double *B, int64_t n,
                               int64_t m) {
    for (int64_t t = 0; t < n * m; t++) X[t] = B[t];
    for (int64_t j = 0; j < n; j++)
        if (piv[j] != j)
            for (int64_t c = 0; c < m; c++) {
                double x = X[j * m + c];
                X[j * m + c] = X[piv[j] * m + c];
                X[piv[j] * m + c] = x;
            }
    for (int64_t c = 0; c < m; c++) {
        for (int64_t i = 0; i < n; i++)
            for (int64_t t = 0; t < i; t++) X[i * m + c] -= a[i * n + t] * X[t * m + c];
        for (int64_t i = n - 1; i >= 0; i--) {
            for (int64_t t = i + 1; t < n; t++) X[i * m + c] -= a[i * n + t] * X[t * m + c];
            X[i * m + c] /= a[i * n + i];
        }
    }
}

/* X = A^-1 B, B n x m; 0, or the row of the first zero pivot (A singular). w: n n + n m
 * + n doubles (CG_RT_WORK_SOLVE). */
static inline int64_t cg_rt_solve(double *X, const double *A, const double *B, int64_t n, int64_t m, double *w) {
    int64_t *piv = (int64_t *)(w + n * n + n * m);
    for (int64_t t = 0; t < n * n; t++) w[t] = A[t];
    int64_t info = cg_lu(w, piv, n);
    if (info) return info;
    cg_lu_solve(X, w, piv, B, n, m);
    return 0;
}

/* X = A^-1 (w: 2 n n + n doubles, CG_RT_WORK_INV). */
static inline int64_t cg_rt_inv(double *X, const double *A, int64_t n, double *w) {
    double *eye = w + n * n;
    int64_t *piv = (int64_t *)(w + 2 * n * n);
    for (int64_t t = 0; t < n * n; t++) w[t] = A[t], eye[t] = 0;
    for (int64_t t = 0; t < n; t++) eye[t * n + t] = 1;
    int64_t info = cg_lu(w, piv, n);
    if (info) return info;
    cg_lu_solve(X, w, piv, eye, n, n);
    return 0;
}

/* log |det A|: -inf if singular, NaN if A holds a NaN, 0 for n = 0 (w: n n + n doubles). */
static inline double cg_rt_logdet(const double *A, int64_t n, double *w) {
    if (n == 0) return 0.0;
    for (int64_t t = 0; t < n * n; t++)
        if (isnan(A[t])) return NAN;
    int64_t *piv = (int64_t *)(w + n * n);
    for (int64_t t = 0; t < n * n; t++) w[t] = A[t];
    if (cg_lu(w, piv, n)) return -INFINITY;
    double s = 0.0;
    for (int64_t j = 0; j < n; j++) s += log(fabs(w[j * n + j]));
    return s;
}

static inline void cg_rt_argsort_f64(const double *key, int64_t *idx, int64_t *tmp, int64_t n) {
    for (int64_t k = 0; k < n; k++) idx[k] = k;
    arr_mergesort_f64(key, idx, tmp, n);
}

static inline void cg_rt_argsort_i64(const int64_t *key, int64_t *idx, int64_t *tmp, int64_t n) {
    for (int64_t k = 0; k < n; k++) idx[k] = k;
    arr_mergesort_i64(key, idx, tmp, n);
}
