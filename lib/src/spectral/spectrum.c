/* topomix — the whole spectrum of one mixing matrix (for figures): LAPACKE dsyevd for exactly
 * symmetric W (eigenvalues only), dgeev otherwise. */
#include "internal.h"

#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <topomix/spectral.h>

/* Decreasing modulus, then decreasing real part, then decreasing imaginary part: a conjugate pair
 * stays together, + first. */
typedef struct eig {
    double re, im;
} eig;

static int by_modulus(const void *a, const void *b)
{
    const eig *x = a, *y = b;
    double mx = hypot(x->re, x->im), my = hypot(y->re, y->im);
    if (mx != my) return mx < my ? 1 : -1;
    if (x->re != y->re) return x->re < y->re ? 1 : -1;
    return (x->im < y->im) - (x->im > y->im);
}

tmx_status tmx_spectrum(const tmx_csr *W, double *re, double *im, int *symmetric)
{
    static const char fn[] = "spectrum";
    tmx_status st = TMX_OK;
    tmx_mat A = {0};
    double *wi = NULL;
    if (!W || !re || !im) return tmx__error(TMX_EINVAL, "%s: NULL argument", fn);
    if (W->n < 1) return tmx__error(TMX_EINVAL, "%s: empty matrix (n = 0)", fn);
    if (W->n > TMX_DENSE_MAX_N)
        return tmx__error(TMX_EUNSUP, "%s: n = %lld exceeds the dense limit %d (every eigenvalue needs W as a dense matrix)",
                          fn, (long long)W->n, TMX_DENSE_MAX_N);
    int sym = tmx__csr_exactly_symmetric(W);
    if (symmetric) *symmetric = sym;
    double n = (double)W->n;
    /* the dense copy and LAPACK's workspace: dsyevd 'N' needs 2n + 1 doubles, dgeev about 4n,
     * plus the eigenvalues' sort buffer */
    TMX_TRY(tmx__check_bytes(n * n * 8.0 + 8.0 * n * 8.0, "the spectrum (dense)"));
    TMX_TRY(tmx_csr_to_dense(W, &A));
    for (int64_t q = 0; q < W->nnz; q++)
        if (!isfinite(W->val[q])) {
            st = tmx__error(TMX_EINVAL, "%s: non-finite entry %g", fn, W->val[q]);
            goto cleanup;
        }
    lapack_int ln = (lapack_int)W->n, info;
    if (sym) {
        info = LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'N', 'L', ln, A.data, (lapack_int)A.ld, re);
        if (info != 0) goto lapack_error;
        for (int64_t i = 0; i < W->n; i++) im[i] = 0.0; /* dsyevd: ascending */
    } else {
        eig *e = NULL;
        wi = malloc((size_t)W->n * sizeof *wi);
        if (!wi) {
            st = tmx__error(TMX_ENOMEM, "%s: cannot allocate %lld doubles", fn, (long long)W->n);
            goto cleanup;
        }
        info = LAPACKE_dgeev(LAPACK_COL_MAJOR, 'N', 'N', ln, A.data, (lapack_int)A.ld, re, wi, NULL, 1, NULL, 1);
        if (info != 0) goto lapack_error;
        e = malloc((size_t)W->n * sizeof *e);
        if (!e) {
            st = tmx__error(TMX_ENOMEM, "%s: cannot allocate %lld eigenvalues", fn, (long long)W->n);
            goto cleanup;
        }
        for (int64_t i = 0; i < W->n; i++) e[i] = (eig){re[i], wi[i]};
        qsort(e, (size_t)W->n, sizeof *e, by_modulus);
        for (int64_t i = 0; i < W->n; i++) re[i] = e[i].re, im[i] = e[i].im;
        free(e);
    }
    goto cleanup;
lapack_error:
    if (info == LAPACK_WORK_MEMORY_ERROR || info == LAPACK_TRANSPOSE_MEMORY_ERROR)
        st = tmx__error(TMX_ENOMEM, "%s: %s could not allocate its workspace", fn, sym ? "dsyevd" : "dgeev");
    else if (info < 0)
        st = tmx__error(TMX_ELAPACK, "%s: %s rejected argument %d", fn, sym ? "dsyevd" : "dgeev", (int)-info);
    else
        st = tmx__error(TMX_ELAPACK, "%s: %s failed to converge (info = %d)", fn, sym ? "dsyevd" : "dgeev", (int)info);
cleanup:
    free(wi);
    tmx_mat_destroy(&A);
    return st;
}
