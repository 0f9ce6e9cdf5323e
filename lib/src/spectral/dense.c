/* topomix — dense spectral kernels: LAPACKE on OpenBLAS, eigenvalues/singular values only.
 *
 * Every kernel overwrites its input matrix (LAPACK works in place) and never forms eigenvectors.
 *
 * Symmetric path, measured (n = 4096, OpenBLAS 0.3.21 SkylakeX kernels, 2 cores; seconds, medians):
 *   dsyevd 'N' (NumPy's eigvalsh)           ≈ 1.85   = dsytrd + dsterf
 *   dsyevr 'N','A'                          ≈ 1.85   (also dsytrd + dsterf for all eigenvalues)
 *   dsyevd_2stage 'N' / dsyevr_2stage       ≈ 2.4–2.8 (the band → tridiagonal stage is serial here)
 *   dsytrd 'L' + dsterf                     ≈ 1.85   (dsterf alone ≈ 0.17 s; 0.012 s at n = 1024)
 *   dsytrd 'L' + dstebz (both ends only)    ≈ 1.68   (two bisections ≈ 0.003 s)
 * dsytrd with uplo 'L' was 10–40% faster than 'U'. We want only max |λ| = max(|λ_min|, |λ_max|), so
 * we reduce to tridiagonal form once and bisect for the two extreme eigenvalues of T: the O(n²)
 * dsterf sweep over all n eigenvalues is dropped, the O(n³) reduction (backward stable) is the same
 * as in dsyevd. */
#include "kernels.h"

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

static double *alloc_doubles(size_t count)
{
    return malloc((count ? count : 1) * sizeof(double));
}

tmx_status tmx__dense_sym_maxabs(tmx_mat *A, double *out)
{
    static const char fn[] = "dense_sym_maxabs";
    tmx_status st = TMX_OK;
    double *d = NULL, *e = NULL, *tau = NULL;
    lapack_int *isplit = NULL, *iblock = NULL;
    TMX_TRY(check_square(fn, A, out));
    TMX_TRY(check_finite(fn, A, 1));
    lapack_int n = (lapack_int)A->rows, lda = (lapack_int)A->ld;
    if (n == 1) {
        *out = fabs(A->data[0]);
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
    lapack_int info = LAPACKE_dsytrd(LAPACK_COL_MAJOR, 'L', n, A->data, lda, d, e, tau);
    if (info != 0) {
        st = lapack_failed(fn, "dsytrd", info);
        goto cleanup;
    }
    /* Bisection for the smallest (il = iu = 1) and the largest (il = iu = n) eigenvalue of T, with
     * the tolerance LAPACK recommends for the most accurate result (abstol = 2·underflow). dstebz
     * may store more than the requested eigenvalue before discarding extras (ties), so its outputs
     * get length n: tau, no longer needed, holds them. */
    double abstol = 2.0 * LAPACKE_dlamch('S'), ends[2] = {0.0, 0.0};
    for (int k = 0; k < 2; k++) {
        lapack_int idx = k == 0 ? 1 : n, m = 0, nsplit = 0;
        info = LAPACKE_dstebz('I', 'E', n, 0.0, 0.0, idx, idx, abstol, d, e, &m, &nsplit, tau, iblock,
                              isplit);
        if (info != 0) {
            st = lapack_failed(fn, "dstebz", info);
            goto cleanup;
        }
        if (m != 1) {
            st = tmx__error(TMX_ELAPACK, "%s: dstebz returned %d eigenvalues, expected 1", fn, (int)m);
            goto cleanup;
        }
        ends[k] = tau[0];
    }
    *out = fmax(fabs(ends[0]), fabs(ends[1]));
cleanup:
    free(d);
    free(e);
    free(tau);
    free(isplit);
    free(iblock);
    return st;
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
