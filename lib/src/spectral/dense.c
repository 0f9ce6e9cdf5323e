/* topomix — dense spectral kernels: LAPACKE on OpenBLAS, eigenvalues/singular values only.
 *
 * Every kernel overwrites its input matrix (LAPACK works in place) and never forms eigenvectors.
 *
 * Symmetric path. We want only max |λ| = max(|λ_min|, |λ_max|), so we reduce A to tridiagonal T
 * once (the O(n³) part, backward stable) and bisect (dstebz) for the two extreme eigenvalues of T
 * (≈ 3 ms at n = 4096) instead of computing all n with dsterf (≈ 0.17 s at n = 4096, 0.012 s at
 * 1024; what dsyevd/dsyevr 'N' do after dsytrd). The reduction is one-stage dsytrd ('L': 10–40%
 * faster than 'U' here) below TMX__SYM_2STAGE_N and two-stage dsytrd_2stage (dense → band by
 * BLAS-3, then band → tridiagonal by bulge chasing) from there on: dsytrd's half of BLAS-2
 * (dsymv) streams the trailing matrix from memory once the matrix outgrows the last-level cache,
 * which the two-stage form avoids. Medians of 5–9 alternating runs in one process (ranges: medians
 * of separate sessions), OpenBLAS 0.3.21 SkylakeX kernels, 2 cores with 32 MiB L3, seconds:
 *
 *      n    dsyevd 'N' (NumPy)   dsytrd+dstebz   dsytrd_2stage+dstebz   dsyevd_2stage 'N'
 *   1024          0.037              0.025               0.058                 0.065
 *   2048          0.207              0.160               0.232                 0.289
 *   3072          0.767              0.654               0.696                 0.815
 *   4096          1.93–2.26          1.85–2.00           1.47–1.59             1.69–1.70
 *
 * dsyevr 'N','A' runs dsytrd + dsterf like dsyevd. The crossover depends on the cache size; 3072
 * was an even point on this machine. When bisection fails (large clusters of equal eigenvalues)
 * we fall back to dsterf on the same T.
 *
 * From n = 512, tmx__dense_sym_maxabs and tmx__dense_sym_top first try Lanczos with a Cholesky
 * certificate (below, docs/definitions.md §4), which needs no reduction at all when the ends of
 * the spectrum stand apart from the rest. */
#include "kernels.h"

#include <cblas.h>
#include <lapacke.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <topomix/spectral.h>

/* OpenBLAS's own entry point. Declared here rather than through <cblas.h>: on Debian that header is
 * an alternatives link that may point to netlib's CBLAS, which lacks it; we always link OpenBLAS. */
extern char *openblas_get_corename(void);

const char *tmx_blas_corename(void)
{
    const char *s = openblas_get_corename();
    return (s && *s) ? s : "unknown";
}

/* Common argument checks: a square, non-empty matrix whose size fits LAPACK's 32-bit integers. */
static tmx_status check_square(const char *fn, const tmx_mat *A, const double *out)
{
    if (!A || !out) return tmx__error(TMX_EINVAL, "%s: NULL argument", fn);
    if (A->rows != A->cols)
        return tmx__error(TMX_ENOTSQR, "%s: matrix is %zu x %zu, not square", fn, A->rows, A->cols);
    if (A->rows == 0) return tmx__error(TMX_EINVAL, "%s: empty matrix (n = 0)", fn);
    if (!A->data) return tmx__error(TMX_EINVAL, "%s: matrix has no data", fn);
    if (A->ld < A->rows)
        return tmx__error(TMX_EINVAL, "%s: leading dimension %zu < rows %zu", fn, A->ld, A->rows);
    if (A->rows > (size_t)INT_MAX || A->ld > (size_t)INT_MAX)
        return tmx__error(TMX_EUNSUP, "%s: n = %zu exceeds LAPACK's 32-bit index range", fn, A->rows);
    return TMX_OK;
}

/* TMX_EINVAL unless every entry that LAPACK will read is finite (LAPACKE's own NaN check would
 * report it only as "illegal argument 5"). lower != 0: only the lower triangle is read. */
static tmx_status check_finite(const char *fn, const tmx_mat *A, int lower)
{
    for (size_t j = 0; j < A->cols; j++) {
        const double *col = A->data + j * A->ld;
        for (size_t i = lower ? j : 0; i < A->rows; i++)
            if (!isfinite(col[i]))
                return tmx__error(TMX_EINVAL, "%s: non-finite entry %g at (%zu, %zu)", fn, col[i], i, j);
    }
    return TMX_OK;
}

static tmx_status lapack_failed(const char *fn, const char *routine, lapack_int info)
{
    if (info == LAPACK_WORK_MEMORY_ERROR || info == LAPACK_TRANSPOSE_MEMORY_ERROR)
        return tmx__error(TMX_ENOMEM, "%s: %s could not allocate its workspace", fn, routine);
    if (info < 0)
        return tmx__error(TMX_ELAPACK, "%s: %s rejected argument %d", fn, routine, (int)-info);
    return tmx__error(TMX_ELAPACK, "%s: %s failed to converge (info = %d)", fn, routine, (int)info);
}

/* From this n on, the two-stage tridiagonal reduction (see the top of this file). */
#define TMX__SYM_2STAGE_N 3072

static double *alloc_doubles(size_t count)
{
    return malloc((count ? count : 1) * sizeof(double));
}

/* Two-stage reduction of the lower triangle of A to tridiagonal form (d, e), no Q (vect = 'N').
 * LAPACKE has no wrapper for dsytrd_2stage: this calls LAPACK's Fortran routine through lapack.h
 * (included by lapacke.h), with a workspace query first. */
static tmx_status tridiag_2stage(const char *fn, lapack_int n, double *A, lapack_int lda, double *d,
                                 double *e, double *tau)
{
    tmx_status st = TMX_OK;
    double *hous2 = NULL, *work = NULL, qh = 0.0, qw = 0.0;
    lapack_int lhous2 = -1, lwork = -1, info = 0;
    LAPACK_dsytrd_2stage("N", "L", &n, A, &lda, d, e, tau, &qh, &lhous2, &qw, &lwork, &info);
    if (info != 0) return lapack_failed(fn, "dsytrd_2stage (workspace query)", info);
    lhous2 = (lapack_int)qh;
    lwork = (lapack_int)qw;
    if (lhous2 < 1) lhous2 = 1;
    if (lwork < 1) lwork = 1;
    size_t bytes = tmx__mul_size((size_t)lhous2 + (size_t)lwork, sizeof(double));
    TMX_TRY(tmx__check_bytes((double)bytes, "dsytrd_2stage workspace"));
    hous2 = alloc_doubles((size_t)lhous2);
    work = alloc_doubles((size_t)lwork);
    if (!hous2 || !work) {
        st = tmx__error(TMX_ENOMEM, "%s: cannot allocate dsytrd_2stage workspace (%d + %d doubles)", fn,
                        (int)lhous2, (int)lwork);
        goto cleanup;
    }
    LAPACK_dsytrd_2stage("N", "L", &n, A, &lda, d, e, tau, hous2, &lhous2, work, &lwork, &info);
    if (info != 0) st = lapack_failed(fn, "dsytrd_2stage", info);
cleanup:
    free(hous2);
    free(work);
    return st;
}

/* The smallest (*lo, when lo != NULL) and the largest (*hi) eigenvalue of a symmetric A, read from
 * its lower triangle; A is overwritten. */
static tmx_status sym_ends(const char *fn, tmx_mat *A, double *lo, double *hi)
{
    tmx_status st = TMX_OK;
    double *d = NULL, *e = NULL, *tau = NULL;
    lapack_int *isplit = NULL, *iblock = NULL;
    TMX_TRY(check_square(fn, A, hi));
    TMX_TRY(check_finite(fn, A, 1));
    lapack_int n = (lapack_int)A->rows, lda = (lapack_int)A->ld;
    if (n == 1) {
        *hi = A->data[0];
        if (lo) *lo = A->data[0];
        goto cleanup;
    }
    d = alloc_doubles((size_t)n);
    e = alloc_doubles((size_t)n);
    tau = alloc_doubles((size_t)n);
    isplit = malloc((size_t)n * sizeof *isplit);
    iblock = malloc((size_t)n * sizeof *iblock);
    if (!d || !e || !tau || !isplit || !iblock) {
        st = tmx__error(TMX_ENOMEM, "%s: cannot allocate workspace for n = %d", fn, (int)n);
        goto cleanup;
    }
    /* A = Q T Qᵀ from the lower triangle; T's diagonal in d, off-diagonal in e. */
    lapack_int info = 0;
    if (n < TMX__SYM_2STAGE_N) {
        info = LAPACKE_dsytrd(LAPACK_COL_MAJOR, 'L', n, A->data, lda, d, e, tau);
        if (info != 0) {
            st = lapack_failed(fn, "dsytrd", info);
            goto cleanup;
        }
    } else {
        TMX_TRY(tridiag_2stage(fn, n, A->data, lda, d, e, tau));
    }
    /* Bisection for the smallest (il = iu = 1) and the largest (il = iu = n) eigenvalue of T, with
     * the tolerance LAPACK recommends for the most accurate result (abstol = 2·underflow). dstebz
     * may store more than the requested eigenvalue before discarding extras (ties), so its outputs
     * get length n: tau, no longer needed, holds them. d and e are only read. */
    double abstol = 2.0 * LAPACKE_dlamch('S'), ends[2] = {0.0, 0.0};
    int bisected = 1;
    for (int k = lo ? 0 : 1; k < 2 && bisected; k++) {
        lapack_int idx = k == 0 ? 1 : n, m = 0, nsplit = 0;
        info = LAPACKE_dstebz('I', 'E', n, 0.0, 0.0, idx, idx, abstol, d, e, &m, &nsplit, tau, iblock,
                              isplit);
        if (info < 0) {
            st = lapack_failed(fn, "dstebz", info);
            goto cleanup;
        }
        bisected = info == 0 && m == 1;
        ends[k] = tau[0];
    }
    /* Bisection gives up (info = 2 or 3) when rounding makes the Sturm count non-monotonic, which
     * happens with large clusters of equal eigenvalues: W² − J of a star has one eigenvalue of
     * multiplicity n − 2. Then compute all eigenvalues with dsterf (root-free QL/QR, ascending). */
    if (!bisected) {
        info = LAPACKE_dsterf(n, d, e);
        if (info != 0) {
            st = lapack_failed(fn, "dsterf", info);
            goto cleanup;
        }
        ends[0] = d[0];
        ends[1] = d[n - 1];
    }
    *hi = ends[1];
    if (lo) *lo = ends[0];
cleanup:
    free(d);
    free(e);
    free(tau);
    free(isplit);
    free(iblock);
    return st;
}

/* ---- the largest |λ| by Lanczos, with a certificate -----------------------------------------
 * max |λ| needs no tridiagonal form when Lanczos finds it quickly: a Ritz value θ with residual r
 * puts an eigenvalue within r of θ, and t = |θ| + δ bounds every |λ| exactly when t·I − A and
 * t·I + A are positive definite, which two Cholesky factorisations decide (n³/3 flops each at
 * dgemm speed, against the reduction's 4n³/3, half of it memory-bound dsymv). Lanczos runs on
 * A's lower triangle (dsymv) with a budget of SYM_LANCZOS_RESTARTS restarts; when it does not
 * converge in that budget (tight clusters at the ends: a ring's W − J) or a factorisation fails,
 * the reduction runs as before. dpotrf succeeding on a matrix within rounding of t·I ∓ A shows
 * |λ| ≤ t + O(nε‖A‖), the reduction's own backward error. */
#define SYM_LANCZOS_MIN_N 512   /* below, the reduction is as cheap as the attempt */
#define SYM_LANCZOS_RESTARTS 2  /* ARPACK restarts before giving up: ≤ 3·32 products */
#define SYM_LANCZOS_TOL 1e-14   /* ARPACK's relative residual tolerance */
#define SYM_LANCZOS_MARGIN 1e-12 /* δ ≥ this times |θ| (and ≥ 4r) */

static void op_dense_sym(const double *x, double *y, void *ctx)
{
    const tmx_mat *A = ctx;
    cblas_dsymv(CblasColMajor, CblasLower, (int)A->rows, 1.0, A->data, (int)A->ld, x, 1, 0.0, y, 1);
}

/* 1 when t·I + sign·A is positive definite by dpotrf (M: n² doubles of scratch), else 0. */
static int shifted_definite(const tmx_mat *A, double sign, double t, double *M)
{
    size_t n = A->rows;
    for (size_t j = 0; j < n; j++) {
        const double *a = A->data + j * A->ld;
        double *m = M + j * n;
        for (size_t i = j; i < n; i++) m[i] = sign * a[i];
        m[j] += t;
    }
    return LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', (lapack_int)n, M, (lapack_int)n) == 0;
}

int tmx__dense_sym_certify(const tmx_mat *A, int top_only, double value, double residual)
{
    size_t n = A->rows;
    double t = value + fmax(4.0 * residual, SYM_LANCZOS_MARGIN * value), *M = alloc_doubles(n * n);
    int ok = M && shifted_definite(A, -1.0, t, M) && (top_only || shifted_definite(A, 1.0, t, M));
    free(M);
    return ok;
}

/* TMX_OK with *out = max |λ| (top_only: λ_max) when Lanczos converges within the budget and the
 * certificates hold: t·I − A, and unless top_only t·I + A, positive definite. top_only needs the
 * Ritz value of largest modulus to be positive (its sign from the Rayleigh quotient of its vector).
 * TMX_ENOCONV otherwise (the caller reduces). A is not modified. */
tmx_status tmx__dense_sym_lanczos(const tmx_mat *A, int top_only, double *out)
{
    size_t n = A->rows;
    if (n < SYM_LANCZOS_MIN_N || tmx__check_bytes((double)n * ((double)n + 2.0) * sizeof(double), "dense certificate") != TMX_OK)
        return TMX_ENOCONV;
    double *v = alloc_doubles(n), *Av = alloc_doubles(n);
    int ok = 0;
    tmx__iter_result r = {.vec = v};
    if (!v || !Av ||
        tmx__op_sym_maxabs_budget((int64_t)n, op_dense_sym, (void *)A, SYM_LANCZOS_TOL, SYM_LANCZOS_RESTARTS, &r) !=
            TMX_OK ||
        !(r.value > 0.0) || !isfinite(r.residual))
        goto done;
    op_dense_sym(v, Av, (void *)A);
    if (top_only && !(cblas_ddot((int)n, v, 1, Av, 1) > 0.0)) goto done;
    ok = tmx__dense_sym_certify(A, top_only, r.value, r.residual);
done:
    free(v);
    free(Av);
    if (!ok) return TMX_ENOCONV;
    *out = r.value;
    return TMX_OK;
}

/* 1 when A is large enough for the attempt, and valid (else the reduction reports the error). */
static int lanczos_first(const char *fn, const tmx_mat *A, const double *out)
{
    return A && check_square(fn, A, out) == TMX_OK && A->rows >= SYM_LANCZOS_MIN_N && check_finite(fn, A, 1) == TMX_OK;
}

tmx_status tmx__dense_sym_maxabs(tmx_mat *A, double *out)
{
    if (lanczos_first("dense_sym_maxabs", A, out) && tmx__dense_sym_lanczos(A, 0, out) == TMX_OK) return TMX_OK;
    return tmx__dense_sym_maxabs_reduced(A, out);
}

tmx_status tmx__dense_sym_maxabs_reduced(tmx_mat *A, double *out)
{
    if (!out) return tmx__error(TMX_EINVAL, "dense_sym_maxabs: NULL argument");
    double lo = 0.0, hi = 0.0;
    tmx_status st = sym_ends("dense_sym_maxabs", A, &lo, &hi);
    if (st == TMX_OK) *out = fmax(fabs(lo), fabs(hi));
    return st;
}

tmx_status tmx__dense_sym_top(tmx_mat *A, double *out)
{
    if (lanczos_first("dense_sym_top", A, out) && tmx__dense_sym_lanczos(A, 1, out) == TMX_OK) return TMX_OK;
    return sym_ends("dense_sym_top", A, NULL, out);
}

tmx_status tmx__dense_gen_maxabs(tmx_mat *A, double *out)
{
    static const char fn[] = "dense_gen_maxabs";
    tmx_status st = TMX_OK;
    double *wr = NULL, *wi = NULL;
    TMX_TRY(check_square(fn, A, out));
    TMX_TRY(check_finite(fn, A, 0));
    lapack_int n = (lapack_int)A->rows;
    wr = alloc_doubles((size_t)n);
    wi = alloc_doubles((size_t)n);
    if (!wr || !wi) {
        st = tmx__error(TMX_ENOMEM, "%s: cannot allocate 2 x %d doubles", fn, (int)n);
        goto cleanup;
    }
    lapack_int info = LAPACKE_dgeev(LAPACK_COL_MAJOR, 'N', 'N', n, A->data, (lapack_int)A->ld, wr, wi,
                                    NULL, 1, NULL, 1);
    if (info != 0) {
        st = lapack_failed(fn, "dgeev", info);
        goto cleanup;
    }
    double best = 0.0;
    for (lapack_int i = 0; i < n; i++) best = fmax(best, hypot(wr[i], wi[i]));
    *out = best;
cleanup:
    free(wr);
    free(wi);
    return st;
}

tmx_status tmx__dense_norm2(tmx_mat *A, double *out)
{
    static const char fn[] = "dense_norm2";
    tmx_status st = TMX_OK;
    double *s = NULL;
    TMX_TRY(check_square(fn, A, out));
    TMX_TRY(check_finite(fn, A, 0));
    lapack_int n = (lapack_int)A->rows;
    s = alloc_doubles((size_t)n);
    if (!s) {
        st = tmx__error(TMX_ENOMEM, "%s: cannot allocate %d doubles", fn, (int)n);
        goto cleanup;
    }
    /* Singular values only (jobz = 'N'): bidiagonalisation + dbdsdc, descending order. */
    lapack_int info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'N', n, n, A->data, (lapack_int)A->ld, s, NULL, 1,
                                     NULL, 1);
    if (info != 0) {
        st = lapack_failed(fn, "dgesdd", info);
        goto cleanup;
    }
    *out = s[0];
cleanup:
    free(s);
    return st;
}

/* β = ‖W − J‖₂ from the Gram matrix G = (W − J)ᵀ(W − J), whose largest eigenvalue is β². With
 * c = Wᵀ1 (column sums), G = WᵀW − (c 1ᵀ + 1 cᵀ − 11ᵀ)/n: the sparse product WᵀW costs O(n·d²)
 * for d entries a row, so the only O(n³) work is the reduction of G, the symmetric path above — no
 * dense product (SciPy's eigh on (W − J)ᵀ(W − J) spends 2n³ flops forming it) and no SVD.
 * Accuracy: G's entries carry absolute errors of a few eps·B² and the eigensolver's backward error
 * is c·n·eps·‖G‖, where B² = ‖W‖₁‖W‖∞ ≥ ‖W‖₂² ≥ ‖G‖ (Hölder); since |σ̂² − σ²| = |σ̂ − σ|(σ̂ + σ),
 * the error in β is about c·n·eps·B²/(2β). The largest singular value loses no digits while β is
 * comparable to B; from β < B/8 on (8× the SVD's c·n·eps·B, for well-mixing W such as the
 * complete graph, where β → 0) TMX_EUNSUP is returned and the caller takes the SVD of W − J. */
tmx_status tmx__dense_beta_gram(const tmx_csr *W, double *out)
{
    static const char fn[] = "dense_beta_gram";
    if (!W || !out) return tmx__error(TMX_EINVAL, "%s: NULL argument", fn);
    int64_t n = W->n;
    tmx_status st = TMX_OK;
    tmx_csr Wt = {0}, C = {0};
    tmx_mat G = {0};
    double *c = calloc((size_t)(n > 0 ? n : 1), sizeof *c);
    if (!c) return tmx__error(TMX_ENOMEM, "%s: cannot allocate %lld doubles", fn, (long long)n);
    double row_max = 0.0, col_max = 0.0;
    double *colabs = calloc((size_t)(n > 0 ? n : 1), sizeof *colabs);
    if (!colabs) {
        st = tmx__error(TMX_ENOMEM, "%s: cannot allocate %lld doubles", fn, (long long)n);
        goto cleanup;
    }
    for (int64_t i = 0; i < n; i++) {
        double ra = 0.0;
        for (int64_t e = W->rowptr[i]; e < W->rowptr[i + 1]; e++) {
            c[W->col[e]] += W->val[e];
            colabs[W->col[e]] += fabs(W->val[e]);
            ra += fabs(W->val[e]);
        }
        row_max = fmax(row_max, ra);
    }
    for (int64_t j = 0; j < n; j++) col_max = fmax(col_max, colabs[j]);
    TMX_TRY(tmx_csr_transpose(&Wt, W));
    TMX_TRY(tmx_csr_mul(&C, &Wt, W));
    TMX_TRY(tmx_mat_init(&G, (size_t)n, (size_t)n));
    double inv_n = 1.0 / (double)n;
    for (int64_t j = 0; j < n; j++) { /* column j of the lower triangle (G is symmetric) */
        double *g = G.data + (size_t)j * G.ld;
        for (int64_t i = j; i < n; i++) g[i] = -(c[i] + c[j] - 1.0) * inv_n;
    }
    for (int64_t i = 0; i < n; i++) /* (WᵀW)_{ij} for j ≤ i */
        for (int64_t e = C.rowptr[i]; e < C.rowptr[i + 1]; e++)
            if (C.col[e] <= i) G.data[(size_t)i + (size_t)C.col[e] * G.ld] += C.val[e];
    tmx_csr_destroy(&Wt);
    tmx_csr_destroy(&C);
    double top = 0.0, b2 = row_max * col_max;
    TMX_TRY(tmx__dense_sym_top(&G, &top));
    if (!(top >= b2 / 64.0)) {
        st = tmx__error(TMX_EUNSUP, "%s: beta^2 = %.3g is below B^2/64 = %.3g: the Gram matrix would lose digits", fn,
                        top, b2 / 64.0);
        goto cleanup;
    }
    *out = sqrt(top);
cleanup:
    free(c);
    free(colabs);
    tmx_csr_destroy(&Wt);
    tmx_csr_destroy(&C);
    tmx_mat_destroy(&G);
    return st;
}

int tmx__csr_is_circulant(const tmx_csr *W)
{
    int64_t n = W->n;
    if (n < 1) return 0;
    double *c = calloc((size_t)n, sizeof *c);
    char *has = calloc((size_t)n, 1);
    int circ = c && has;
    int64_t count = W->rowptr[1] - W->rowptr[0];
    for (int64_t e = 0; circ && e < W->rowptr[1]; e++) c[W->col[e]] = W->val[e], has[W->col[e]] = 1;
    /* row i must hold exactly row 0's entries shifted by i: the same count, and every entry
     * (i, j) equal to row 0's at offset (j − i) mod n; together these leave no room for others */
    for (int64_t i = 1; circ && i < n; i++) {
        if (W->rowptr[i + 1] - W->rowptr[i] != count) circ = 0;
        for (int64_t e = W->rowptr[i]; circ && e < W->rowptr[i + 1]; e++) {
            int64_t s = (W->col[e] - i + n) % n;
            if (!has[s] || c[s] != W->val[e]) circ = 0;
        }
    }
    free(c);
    free(has);
    return circ;
}
