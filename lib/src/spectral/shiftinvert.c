/* topomix — the rates of a large sparse symmetric W by shift-invert Lanczos (docs/definitions.md §4).
 *
 * Plain Lanczos on W − J needs about 1/√gap steps: for a 1000 × 1000 grid (gap ≈ 10⁻⁶) that is
 * thousands of restarts. Inverting moves the wanted eigenvalue to the top and separates it:
 * the largest eigenvalue of (I − W)⁺ is 1/λ₂(I − W) = 1/(1 − λ₂(W)), and the next one is at most
 * half of it on a grid, so ARPACK converges in a few dozen applications, each two triangular solves
 * with the sparse Cholesky factor of I − W grounded at its last node (CHOLMOD, fill-reducing
 * ordering). Grounding: I − W is singular (it kills 1), but for b ⊥ 1 the solution of
 * (I − W) x = b with x_{n−1} = 0 solves the first n − 1 equations, and the last one follows (the
 * equations sum to 1ᵀ(I − W) x = 0 = 1ᵀb); projecting x onto 1⊥ gives (I − W)⁺ b exactly.
 *
 * The other end: |λ_n| ≤ λ₂ is certified by Gershgorin's discs when every w_ii − Σ_{j≠i} |w_ij| ≥
 * −λ₂ (Metropolis and lazy weights usually are); otherwise λ_n comes from the top eigenvalue
 * 1/(1 + λ_n) of (I + W)⁻¹, a second factorisation.
 *
 * The dense form (gap --method dense, and auto below the dense limit) factors I ∓ (W − J) with
 * LAPACK's dpotrf instead: n³/3 flops at dgemm speed, where the tridiagonal reduction that every
 * dense eigensolver starts from costs 4n³/3 flops, half of them in memory-bound dsymv. Adding J
 * gives 1 the eigenvalue 1 and leaves the others (1 ∓ λ_i), so no grounding is needed. */
#include "kernels.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Iterative tolerance handed to ARPACK (relative to the Ritz value), as rate.c's. */
#define SI_TOL 1e-12

static void project(int64_t n, double *x)
{
    double s = 0.0;
    for (int64_t i = 0; i < n; i++) s += x[i];
    s /= (double)n;
    for (int64_t i = 0; i < n; i++) x[i] -= s;
}

/* The top eigenvalue θ of the inverse of I − W (sign −1) or I + W (sign +1) on 1⊥, with its
 * eigenvector in vec (n); TMX_EUNSUP when that matrix cannot be factored. */
typedef tmx_status (*inverse_top_fn)(const tmx_csr *W, int sign, double *theta, double *vec, int64_t *solves);

#if TMX_HAVE_CHOLMOD
#include TMX_CHOLMOD_H
/* Most factor entries per entry of W (and of the diagonal) before Lanczos on W − J is preferred. */
#define SI_FILL_MAX 20.0

typedef struct si_ctx {
    cholmod_common *cm;
    cholmod_factor *L;
    cholmod_dense *B, *X, *Y, *E; /* right-hand side and cholmod_l_solve2's reused workspace */
    int64_t n, m;                 /* n: W's size; m: the factored size (n − 1 grounded, n plain) */
    int grounded;
    tmx_status st;
    int64_t solves;
} si_ctx;

/* y ← P A⁻¹ P x (grounded: A = I − W without its last row and column; P the projection on 1⊥). */
static void op_inverse(const double *x, double *y, void *vctx)
{
    si_ctx *c = vctx;
    double *b = c->B->x;
    memcpy(b, x, (size_t)c->m * sizeof *b);
    if (c->grounded) { /* b ← (P x) without its last entry */
        double s = 0.0;
        for (int64_t i = 0; i < c->n; i++) s += x[i];
        s /= (double)c->n;
        for (int64_t i = 0; i < c->m; i++) b[i] -= s;
    }
    if (!cholmod_l_solve2(CHOLMOD_A, c->L, c->B, NULL, &c->X, NULL, &c->Y, &c->E, c->cm)) {
        c->st = tmx__error(TMX_ELAPACK, "shift-invert: CHOLMOD's solve failed (status %d)", c->cm->status);
        for (int64_t i = 0; i < c->n; i++) y[i] = NAN; /* stops ARPACK at once */
        return;
    }
    c->solves++;
    memcpy(y, c->X->x, (size_t)c->m * sizeof *y);
    if (c->grounded) {
        y[c->n - 1] = 0.0;
        project(c->n, y);
    }
}

/* CHOLMOD's lower triangle of I − W (sign −1, grounded) or I + W (sign +1), m × m. */
static cholmod_sparse *shifted(const tmx_csr *W, int sign, int64_t m, cholmod_common *cm)
{
    int64_t nnz = 0;
    for (int64_t i = 0; i < m; i++)
        for (int64_t e = W->rowptr[i]; e < W->rowptr[i + 1]; e++)
            if (W->col[e] <= i) nnz++;
    cholmod_sparse *A = cholmod_l_allocate_sparse((size_t)m, (size_t)m, (size_t)(nnz + m), 1, 1, -1, CHOLMOD_REAL, cm);
    if (!A) return NULL;
    /* W symmetric: row i's entries with j ≥ i are column i's lower part (CSC, column i = row i). */
    SuiteSparse_long *p = A->p, *ri = A->i;
    double *x = A->x;
    int64_t q = 0;
    for (int64_t i = 0; i < m; i++) {
        p[i] = q;
        int diag = 0;
        for (int64_t e = W->rowptr[i]; e < W->rowptr[i + 1]; e++) {
            int64_t j = W->col[e];
            if (j < i || j >= m) continue;
            if (j == i && !diag) { /* the diagonal first: CSR columns are sorted, so it is */
                ri[q] = i, x[q] = 1.0 + sign * W->val[e], q++, diag = 1;
                continue;
            }
            if (!diag) ri[q] = i, x[q] = 1.0, q++, diag = 1;
            ri[q] = j, x[q] = sign * W->val[e], q++;
        }
        if (!diag) ri[q] = i, x[q] = 1.0, q++;
    }
    p[m] = q;
    return A;
}

/* Top eigenvalue θ of the inverse of the shifted matrix, with its eigenvector in vec (n). */
static tmx_status inverse_top(const tmx_csr *W, int sign, double *theta, double *vec, int64_t *solves)
{
    cholmod_common cm;
    cholmod_l_start(&cm);
    cm.print = 0;
    cm.error_handler = NULL;
    tmx_status st = TMX_OK;
    int grounded = sign < 0;
    int64_t n = W->n, m = grounded ? n - 1 : n;
    si_ctx c = {&cm, NULL, NULL, NULL, NULL, NULL, n, m, grounded, TMX_OK, 0};
    cholmod_sparse *A = shifted(W, sign, m, &cm);
    if (!A) {
        st = tmx__error(TMX_ENOMEM, "shift-invert: cannot allocate the %lld x %lld matrix", (long long)m, (long long)m);
        goto cleanup;
    }
    c.L = cholmod_l_analyze(A, &cm);
    if (!c.L) {
        st = tmx__error(TMX_ENOMEM, "shift-invert: CHOLMOD's analysis failed (status %d)", cm.status);
        goto cleanup;
    }
    /* The factor's size is known now. Much fill (random graphs have no small separators) makes
     * each solve cost more than many Lanczos steps, whose count such graphs' large gaps keep small;
     * a factor that does not fit leaves Lanczos too: both give the caller the plain path. */
    if (cm.lnz > SI_FILL_MAX * (double)(W->nnz + n)) {
        st = tmx__error(TMX_EUNSUP, "shift-invert: the factor would hold %.3g entries", cm.lnz);
        goto cleanup;
    }
    char what[112];
    snprintf(what, sizeof what, "the sparse Cholesky factor of I %c W (n=%lld, %.3g entries)", grounded ? '-' : '+',
             (long long)n, cm.lnz);
    if (tmx__check_bytes(16.0 * cm.lnz + 64.0 * (double)n, what) != TMX_OK) {
        st = TMX_EUNSUP;
        goto cleanup;
    }
    if (!cholmod_l_factorize(A, c.L, &cm) || cm.status != CHOLMOD_OK) {
        st = cm.status == CHOLMOD_NOT_POSDEF
                 ? tmx__error(TMX_EUNSUP, "shift-invert: I %c W is not positive definite", grounded ? '-' : '+')
                 : tmx__error(TMX_ENOMEM, "shift-invert: CHOLMOD's factorisation failed (status %d)", cm.status);
        goto cleanup;
    }
    cholmod_l_free_sparse(&A, &cm);
    if (!(c.B = cholmod_l_zeros((size_t)m, 1, CHOLMOD_REAL, &cm))) {
        st = tmx__error(TMX_ENOMEM, "shift-invert: out of memory");
        goto cleanup;
    }
    tmx__iter_result r = {0};
    r.vec = vec;
    st = tmx__op_sym_maxabs(n, op_inverse, &c, SI_TOL, &r);
    if (c.st != TMX_OK) st = c.st;
    *theta = r.value;
    *solves += c.solves;
cleanup:
    cholmod_l_free_sparse(&A, &cm);
    cholmod_l_free_factor(&c.L, &cm);
    cholmod_l_free_dense(&c.B, &cm);
    cholmod_l_free_dense(&c.X, &cm);
    cholmod_l_free_dense(&c.Y, &cm);
    cholmod_l_free_dense(&c.E, &cm);
    cholmod_l_finish(&cm);
    return st;
}

#endif

/* ---- the dense form --------------------------------------------------------------------------- */

/* ARPACK restarts allowed on the dense inverse: a W whose spectrum clusters at its ends (well-mixing
 * dense graphs) leaves the inverse's top eigenvalues clustered too, and then the tridiagonal
 * reduction is cheaper than many more solves (TMX_ENOCONV sends the caller there). */
#define DSI_RESTARTS 4

typedef struct dsi_ctx {
    int64_t n;
    const double *L; /* the Cholesky factor, lower triangle, column-major */
    int64_t solves;
    tmx_status st;
} dsi_ctx;

/* y ← P (L Lᵀ)⁻¹ P x: two triangular solves (dtrsv) between projections. (LAPACKE_dpotrs scanned
 * the whole factor for NaNs at every call, and dpotrs's dtrsm packed it: together 60% of the time
 * of `gap ring -n 1024 --method dense`.) */
static void op_dense_inverse(const double *x, double *y, void *vctx)
{
    dsi_ctx *c = vctx;
    int n = (int)c->n;
    memcpy(y, x, (size_t)c->n * sizeof *y);
    project(c->n, y);
    cblas_dtrsv(CblasColMajor, CblasLower, CblasNoTrans, CblasNonUnit, n, c->L, n, y, 1);
    cblas_dtrsv(CblasColMajor, CblasLower, CblasTrans, CblasNonUnit, n, c->L, n, y, 1);
    c->solves++;
    project(c->n, y);
}

static tmx_status dense_inverse_top(const tmx_csr *W, int sign, double *theta, double *vec, int64_t *solves)
{
    int64_t n = W->n;
    if (n > 46340) return tmx__error(TMX_EUNSUP, "shift-invert: n = %lld is past the dense limit", (long long)n);
    char what[96];
    snprintf(what, sizeof what, "the dense Cholesky factor of I %c W (n=%lld)", sign < 0 ? '-' : '+', (long long)n);
    tmx_status st = tmx__check_bytes(8.0 * (double)n * (double)n, what);
    if (st != TMX_OK) return st;
    double *A = malloc((size_t)n * (size_t)n * sizeof *A);
    if (!A) return tmx__error(TMX_ENOMEM, "shift-invert: cannot allocate %s", what);
    /* A = I + sign·(W − J), lower triangle only (dpotrf reads no more); W is symmetric, so row i of
     * the CSR is column i */
    double s = (double)sign, jn = 1.0 / (double)n;
    for (int64_t j = 0; j < n; j++) {
        double *col = A + (size_t)j * (size_t)n;
        for (int64_t i = j; i < n; i++) col[i] = -s * jn;
        col[j] += 1.0;
        for (int64_t e = W->rowptr[j]; e < W->rowptr[j + 1]; e++)
            if (W->col[e] >= j) col[W->col[e]] += s * W->val[e];
    }
    lapack_int info = LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', (lapack_int)n, A, (lapack_int)n);
    if (info > 0) {
        st = tmx__error(TMX_EUNSUP, "shift-invert: I %c W is not positive definite", sign < 0 ? '-' : '+');
    } else if (info < 0) {
        st = tmx__error(TMX_ELAPACK, "shift-invert: dpotrf rejected argument %d", (int)-info);
    } else {
        dsi_ctx c = {n, A, 0, TMX_OK};
        tmx__iter_result r = {0};
        r.vec = vec;
        st = tmx__op_sym_maxabs_budget(n, op_dense_inverse, &c, SI_TOL, DSI_RESTARTS, &r);
        if (c.st != TMX_OK) st = c.st;
        *theta = r.value;
        *solves += c.solves;
    }
    free(A);
    return st;
}

/* ---- the rates from the two inverses --------------------------------------------------------- */

/* ‖W v − λ v‖ / ‖v‖. */
static double residual(const tmx_csr *W, const double *v, double lambda, double *y)
{
    tmx_csr_matvec(W, v, y);
    double r = 0.0, vv = 0.0;
    for (int64_t i = 0; i < W->n; i++) {
        double d = y[i] - lambda * v[i];
        r += d * d;
        vv += v[i] * v[i];
    }
    return vv > 0.0 ? sqrt(r / vv) : INFINITY;
}

/* Gershgorin's lower end of W's spectrum, min_i (w_ii − Σ_{j≠i} |w_ij|); *bad ← the first row whose
 * entries do not sum to 1 (to 1e-12), or stays as it was. */
static double gershgorin_lower(const tmx_csr *W, int64_t *bad)
{
    double lower = INFINITY;
    for (int64_t i = 0; i < W->n; i++) {
        double s = 0.0, off = 0.0, d = 0.0;
        for (int64_t e = W->rowptr[i]; e < W->rowptr[i + 1]; e++) {
            s += W->val[e];
            if (W->col[e] == i) d = W->val[e];
            else off += fabs(W->val[e]);
        }
        if (fabs(s - 1.0) > 1e-12 && *bad < 0) *bad = i;
        lower = fmin(lower, d - off);
    }
    return lower;
}

static tmx_status rate_from_inverses(const tmx_csr *W, inverse_top_fn top, double *slem, double *gap, double *res,
                                     int64_t *solves)
{
    int64_t n = W->n;
    if (n < 3) return tmx__error(TMX_EUNSUP, "shift-invert: n < 3");
    if (!tmx__csr_exactly_symmetric(W)) return tmx__error(TMX_EUNSUP, "shift-invert: W is not symmetric");
    /* rows summing to 1 (else 1 is not W's eigenvector), and Gershgorin's lower end */
    int64_t bad = -1;
    double lower = gershgorin_lower(W, &bad);
    if (bad >= 0) {
        double s = 0.0;
        for (int64_t e = W->rowptr[bad]; e < W->rowptr[bad + 1]; e++) s += W->val[e];
        return tmx__error(TMX_EUNSUP, "shift-invert: row %lld sums to %.17g", (long long)bad, s);
    }
    /* the eigenvectors (n each) and a scratch vector, beside the factor checked by top */
    tmx_status st = tmx__check_bytes(16.0 * (double)n, "the shift-invert eigensolver's vectors");
    if (st != TMX_OK) return st;
    double *v = malloc((size_t)n * sizeof *v), *y = malloc((size_t)n * sizeof *y);
    if (!v || !y) {
        free(v), free(y);
        return tmx__error(TMX_ENOMEM, "shift-invert: out of memory");
    }
    *solves = 0;
    double theta2 = 0.0, thetan = 0.0;
    if ((st = top(W, -1, &theta2, v, solves)) != TMX_OK) goto done;
    double g2 = 1.0 / theta2, lambda2 = 1.0 - g2; /* λ₂(I − W) = 1/θ, with its digits */
    *res = residual(W, v, lambda2, y);
    *slem = fabs(lambda2);
    *gap = lambda2 >= 0.0 ? g2 : 1.0 - *slem;
    if (lower < -fabs(lambda2)) { /* Gershgorin cannot rule out |λ_n| > |λ₂|: find λ_n */
        if ((st = top(W, +1, &thetan, v, solves)) != TMX_OK) goto done;
        double lambdan = 1.0 / thetan - 1.0;
        double rn = residual(W, v, lambdan, y);
        if (fabs(lambdan) > *slem) {
            *slem = fabs(lambdan);
            *gap = 1.0 - *slem;
        }
        *res = fmax(*res, rn);
    }
done:
    free(v);
    free(y);
    return st;
}

/* Whether shift-invert on W (symmetric, rows summing to 1) needs one factorisation only: Gershgorin's
 * lower end settles the bottom of the spectrum when it is ≥ −|λ₂| (rate_from_inverses). λ₂ is not
 * known before the factorisation, but the Rayleigh quotient of any vector ⊥ 1 bounds it from below,
 * and 30 steps of the power method on (I + W)/2 (eigenvalues in [0, 1], the top of 1⊥ first) from a
 * fixed pseudo-random start raise the quotient towards λ₂ at O(nnz) each. 1: one factorisation;
 * 0: perhaps two, or no memory for the vectors. */
int tmx__shift_invert_one_factor(const tmx_csr *W)
{
    int64_t n = W->n, bad = -1;
    double lower = gershgorin_lower(W, &bad);
    if (lower >= 0.0) return 1;
    if (n < 2) return 0;
    double *v = malloc((size_t)n * sizeof *v), *y = malloc((size_t)n * sizeof *y), theta = -INFINITY;
    if (!v || !y) {
        free(v), free(y);
        return 0;
    }
    uint64_t st = 0x5eed;
    for (int64_t i = 0; i < n; i++) v[i] = (double)(tmx__mix64(st += 0x9e3779b97f4a7c15ull) >> 11) * 0x1p-53 - 0.5;
    for (int it = 0; it <= 30; it++) {
        double mean = 0.0, nrm = 0.0;
        for (int64_t i = 0; i < n; i++) mean += v[i];
        mean /= (double)n;
        for (int64_t i = 0; i < n; i++) v[i] -= mean, nrm += v[i] * v[i];
        if (!(nrm > 0.0)) break;
        nrm = sqrt(nrm);
        for (int64_t i = 0; i < n; i++) v[i] /= nrm;
        double q = 0.0;
        for (int64_t i = 0; i < n; i++) {
            double a = 0.0;
            for (int64_t e = W->rowptr[i]; e < W->rowptr[i + 1]; e++) a += W->val[e] * v[W->col[e]];
            y[i] = a;
            q += v[i] * a;
        }
        theta = fmax(theta, q); /* vᵀWv with v ⊥ 1, ‖v‖ = 1: ≤ λ₂ */
        for (int64_t i = 0; i < n; i++) v[i] = 0.5 * (v[i] + y[i]);
    }
    free(v);
    free(y);
    return theta > -lower + 1e-9; /* a margin above the quotient's rounding errors */
}

tmx_status tmx__rate_dense_shift_invert(const tmx_csr *W, double *slem, double *gap, double *res, int64_t *solves)
{
    return rate_from_inverses(W, dense_inverse_top, slem, gap, res, solves);
}

#if TMX_HAVE_CHOLMOD

tmx_status tmx__rate_shift_invert(const tmx_csr *W, double *slem, double *gap, double *res, int64_t *solves)
{
    return rate_from_inverses(W, inverse_top, slem, gap, res, solves);
}

#else

tmx_status tmx__rate_shift_invert(const tmx_csr *W, double *slem, double *gap, double *res, int64_t *solves)
{
    (void)W, (void)slem, (void)gap, (void)res, (void)solves;
    return tmx__error(TMX_EUNSUP, "shift-invert: this build has no CHOLMOD");
}

#endif
