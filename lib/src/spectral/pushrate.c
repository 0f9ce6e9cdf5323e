/* topomix — rates of push-sum (column-stochastic) mixing matrices (docs/definitions.md §20): the
 * Perron vector w, ‖W − w1ᵀ‖₂ and ρ(W − w1ᵀ), densely. */
#include "kernels.h"

#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <topomix/spectral.h>

/* w ← the Perron vector of the column-stochastic W (dense, n × n): W w = w, Σ w_i = 1. The rows of
 * W − I sum to the zero row (its columns sum to 0), so its last row depends on the others; replacing
 * it by 1ᵀ gives a system that is nonsingular exactly when the eigenvalue 1 is simple (a strongly
 * connected W), solved by LU with partial pivoting (dgesv). */
static tmx_status perron(const tmx_mat *D, double *w)
{
    static const char fn[] = "push-sum rate";
    tmx_status st = TMX_OK;
    size_t n = D->rows;
    tmx_mat B = {0};
    lapack_int *piv = malloc(n * sizeof *piv);
    if (!piv) return tmx__error(TMX_ENOMEM, "%s: out of memory", fn);
    TMX_TRY(tmx_mat_init(&B, n, n));
    for (size_t j = 0; j < n; j++)
        for (size_t i = 0; i < n; i++) B.data[i + j * B.ld] = tmx_mat_get(D, i, j) - (i == j ? 1.0 : 0.0);
    for (size_t j = 0; j < n; j++) B.data[(n - 1) + j * B.ld] = 1.0;
    for (size_t i = 0; i < n; i++) w[i] = i + 1 == n ? 1.0 : 0.0;
    lapack_int info = LAPACKE_dgesv(LAPACK_COL_MAJOR, (lapack_int)n, 1, B.data, (lapack_int)B.ld, piv, w, (lapack_int)n);
    if (info > 0)
        st = tmx__error(TMX_EINVAL, "%s: the eigenvalue 1 of W is not simple (W is not strongly connected)", fn);
    else if (info < 0)
        st = tmx__error(TMX_ELAPACK, "%s: dgesv rejected argument %d", fn, (int)-info);
cleanup:
    free(piv);
    tmx_mat_destroy(&B);
    return st;
}

tmx_status tmx_rate_push_csr(const tmx_csr *W, tmx_push_rate *out)
{
    static const char fn[] = "push-sum rate";
    memset(out, 0, sizeof *out);
    tmx_mat D = {0}, A = {0};
    double *w = NULL;
    tmx_status st = tmx_csr_check(W);
    if (st != TMX_OK) return st;
    if (W->n < 1) return tmx__error(TMX_EINVAL, "%s: empty matrix", fn);
    if (W->n > TMX_DENSE_MAX_N)
        return tmx__error(TMX_EUNSUP, "%s: n = %lld exceeds the dense limit %d (the Perron vector and the SVD are dense)",
                          fn, (long long)W->n, TMX_DENSE_MAX_N);
    size_t n = (size_t)W->n;
    /* W, the bordered system, and W − w1ᵀ with its copy for the second decomposition */
    st = tmx__check_bytes(4.0 * (double)n * (double)n * 8.0, "the push-sum rate (dense)");
    if (st != TMX_OK) return st;
    tmx_validation v;
    if ((st = tmx_csr_validate(W, TMX_MIXING_TOL, &v)) != TMX_OK) return st;
    if (!v.col_stochastic || !v.nonnegative)
        return tmx__error(TMX_EINVAL, "%s: W is not column stochastic and nonnegative (max |column sum - 1| %.3g)", fn,
                          v.max_col_error);
    w = malloc(n * sizeof *w);
    if (!w) return tmx__error(TMX_ENOMEM, "%s: out of memory", fn);
    TMX_TRY(tmx_csr_to_dense(W, &D));
    TMX_TRY(perron(&D, w));
    double lo = INFINITY, hi = 0.0;
    for (size_t i = 0; i < n; i++) lo = fmin(lo, w[i]), hi = fmax(hi, w[i]);
    if (!(lo > 0.0)) {
        st = tmx__error(TMX_EINVAL, "%s: the Perron vector of W has an entry %.3g <= 0 (W is not strongly connected)", fn, lo);
        goto cleanup;
    }
    out->perron_min = (double)n * lo;
    out->perron_max = (double)n * hi;
    for (size_t j = 0; j < n; j++) /* D ← W − w1ᵀ */
        for (size_t i = 0; i < n; i++) D.data[i + j * D.ld] -= w[i];
    TMX_TRY(tmx_mat_init(&A, n, n));
    memcpy(A.data, D.data, n * n * sizeof *A.data);
    TMX_TRY(tmx__dense_norm2(&A, &out->beta));
    TMX_TRY(tmx__dense_gen_maxabs(&D, &out->slem));
    out->gap = 1.0 - out->slem;
cleanup:
    free(w);
    tmx_mat_destroy(&D);
    tmx_mat_destroy(&A);
    return st;
}

tmx_status tmx_rate_push_topo(const tmx_topo *t, int64_t k, tmx_push_rate *out)
{
    memset(out, 0, sizeof *out);
    if (k < 0) return tmx__error(TMX_EINVAL, "step must be >= 0, got %lld", (long long)k);
    tmx_csr W = {0};
    tmx_status st = tmx_topo_weights(t, k, &W);
    if (st == TMX_OK) st = tmx_rate_push_csr(&W, out);
    tmx_csr_destroy(&W);
    return st;
}
