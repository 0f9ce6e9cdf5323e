/* topomix — users' graphs and the weight schemes built on a graph's Laplacian: components, and
 * Xiao & Boyd's best constant edge weight (docs/definitions.md §17). */
#include "../spectral/kernels.h"
#include "family.h"

#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <topomix/spectral.h>

/* Root of i in the union-find forest, halving the path on the way. */
static int64_t uf_find(int64_t *parent, int64_t i)
{
    while (parent[i] != i) i = parent[i] = parent[parent[i]];
    return i;
}

int64_t tmx__graph_components(const tmx_csr *G)
{
    int64_t *parent = malloc((size_t)(G->n > 0 ? G->n : 1) * sizeof *parent), count = G->n;
    if (!parent) return -1;
    for (int64_t i = 0; i < G->n; i++) parent[i] = i;
    for (int64_t i = 0; i < G->n; i++)
        for (int64_t e = G->rowptr[i]; e < G->rowptr[i + 1]; e++) {
            if (G->col[e] == i || G->val[e] == 0.0) continue;
            int64_t a = uf_find(parent, i), b = uf_find(parent, G->col[e]);
            if (a != b) parent[a] = b, count--;
        }
    free(parent);
    return count;
}

/* α = 2/(λ_max + λ⁺_min) from the extreme eigenvalues; 0 without edges (λ_max = 0). On a connected
 * graph λ⁺_min is λ_{n−1}, the algebraic connectivity; on a step graph of a time-varying family
 * that is disconnected (a matching), it is the smallest eigenvalue that is not one of the
 * components' zeros, which makes α the best constant on every component at once. */
static double alpha_of(double lmax, double lmin)
{
    return lmax > 0.0 ? 2.0 / (lmax + lmin) : 0.0;
}

tmx_status tmx__best_constant_dense(const tmx_csr *G, const char *who, double *alpha)
{
    int64_t n = G->n;
    if (n > TMX_DENSE_MAX_N)
        return tmx__error(TMX_EUNSUP, "best-constant weights on %s: the Laplacian's eigenvalues are computed densely, for "
                          "n <= %d, and n = %lld (metropolis, uniform and max-degree need no eigenvalues)",
                          who, TMX_DENSE_MAX_N, (long long)n);
    char what[128];
    snprintf(what, sizeof what, "best-constant weights on %s (the dense Laplacian, n=%lld)", who, (long long)n);
    /* L, its eigenvalues, and dsyevd's workspace for eigenvalues only (2n + 1 doubles, 1 int) */
    tmx_status st = tmx__check_bytes(8.0 * (double)n * (double)n + 32.0 * (double)n + 16.0, what);
    if (st != TMX_OK) return st;
    int64_t comps = tmx__graph_components(G);
    double *L = calloc((size_t)(n * n), sizeof *L), *w = malloc((size_t)n * sizeof *w);
    if (!L || !w || comps < 0) {
        free(L), free(w);
        return tmx__error(TMX_ENOMEM, "%s: out of memory", what);
    }
    for (int64_t i = 0; i < n; i++)
        for (int64_t e = G->rowptr[i]; e < G->rowptr[i + 1]; e++) {
            int64_t j = G->col[e];
            if (j == i || G->val[e] == 0.0) continue;
            L[i + j * n] = -1.0;
            L[i + i * n] += 1.0;
        }
    lapack_int info = LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'N', 'L', (lapack_int)n, L, (lapack_int)n, w);
    if (info != 0) st = tmx__error(TMX_ELAPACK, "%s: LAPACK dsyevd failed (info %d)", what, (int)info);
    /* ascending: the first `comps` are the components' zeros */
    else *alpha = comps >= n ? 0.0 : alpha_of(w[n - 1], w[comps]);
    free(L);
    free(w);
    return st;
}

/* Greatest common divisor of a ≥ 0 and b ≥ 0. */
static int64_t gcd64(int64_t a, int64_t b)
{
    while (b) {
        int64_t r = a % b;
        a = b, b = r;
    }
    return a;
}

__extension__ typedef unsigned __int128 u128; /* exact products of indices up to 2^64 */

tmx_status tmx__best_constant_circulant(const double *c, int64_t rows, int64_t cols, double *alpha)
{
    int64_t n = rows * cols, d = 0, g = n;
    int64_t *off = malloc((size_t)n * sizeof *off);
    if (!off) return tmx__error(TMX_ENOMEM, "best-constant weights: out of memory");
    for (int64_t j = 1; j < n; j++)
        if (c[j] != 0.0) off[d++] = j, g = gcd64(g, j);
    if (d == 0) {
        free(off);
        *alpha = 0.0;
        return TMX_OK;
    }
    tmx__dft D;
    tmx_status st = tmx__dft_init_shape(&D, rows, cols);
    if (st != TMX_OK) {
        free(off);
        return st;
    }
    /* the adjacency's first row: the eigenvalues of L are d − Re X[m] */
    for (int64_t j = 0; j < n; j++) D.c[j] = j != 0 && c[j] != 0.0 ? 1.0 : 0.0;
    fftw_execute(D.plan);
    double lmax = 0.0, lmin = INFINITY;
    for (int64_t q = 0; q < D.rows * D.half; q++) {
        int64_t ma = q / D.half, mb = q % D.half;
        /* λ(m) = 0 exactly when every neighbour offset s has ⟨s, m⟩ ∈ Z: decided in integers, since
         * the smallest nonzero λ (4π²/n² on a ring) can be as small as the transform's rounding */
        int zero = 1;
        if (rows == 1) {
            zero = (int64_t)(((u128)mb * (u128)g) % (u128)n) == 0;
        } else {
            for (int64_t q2 = 0; q2 < d && zero; q2++) {
                int64_t sa = off[q2] / cols, sb = off[q2] % cols;
                u128 a = ((u128)sa * (u128)ma) % (u128)rows, b = ((u128)sb * (u128)mb) % (u128)cols;
                u128 s = a * (u128)cols + b * (u128)rows;
                zero = s == 0 || s == (u128)rows * (u128)cols;
            }
        }
        if (zero) continue;
        double lam = (double)d - D.X[q][0];
        if (lam > lmax) lmax = lam;
        if (lam < lmin) lmin = lam;
    }
    tmx__dft_free(&D);
    free(off);
    *alpha = isfinite(lmin) ? alpha_of(lmax, lmin) : 0.0;
    return TMX_OK;
}

/* M ← its off-diagonal nonzeros, each 1: the graph of a matrix. */
void tmx__keep_pattern(tmx_csr *M)
{
    int64_t q = 0;
    for (int64_t i = 0; i < M->n; i++) {
        int64_t start = M->rowptr[i];
        M->rowptr[i] = q;
        for (int64_t e = start; e < M->rowptr[i + 1]; e++)
            if (M->col[e] != i && M->val[e] != 0.0) M->col[q] = M->col[e], M->val[q] = 1.0, q++;
    }
    M->rowptr[M->n] = M->nnz = q;
}
