/* The fast spectral paths of issue 16 against the reference paths they replace:
 * - β of a non-symmetric W from the Gram matrix (tmx__dense_beta_gram) against the SVD of W − J
 *   (tmx__dense_norm2, dgesdd);
 * - the top end alone of a symmetric matrix (tmx__dense_sym_top) against all eigenvalues (dsyevd);
 * - circulant detection, and rate_dense's slem = β for circulant W against the DFT;
 * - AUTO's iterative-first choice for symmetric W below the dense limit, and the quick Lanczos
 *   attempt on few-hop graphs, against the dense path.
 * Tolerances come from the backward errors (docs/definitions.md §4): a symmetric eigensolver returns
 * the eigenvalues of A + E with ‖E‖ ≤ c·n·eps·‖A‖; singular values likewise. */
#include <cblas.h>
#include <criterion/criterion.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <topomix/topomix.h>

#include "spectral/kernels.h"

#define EPS 2.220446049250313e-16
/* c in c·n·eps: LAPACK's Householder reductions stay well inside 4 in practice; 8 leaves room for the
 * Gram matrix's own rounding (a few eps per entry, ≤ n·eps·B² in norm). */
#define C_LAPACK 8.0

static double unit(uint64_t *s) { return (double)(tmx__mix64((*s)++) >> 11) * 0x1p-53; }

/* W = Σ_k a_k P_k for `perms` random permutation matrices (a_k > 0, Σ a_k = 1): doubly stochastic,
 * non-symmetric, non-normal in general. With `lazy` > 0, lazy·I + (1 − lazy)·W. */
static void perm_mixture(tmx_csr *W, int64_t n, int perms, double lazy, uint64_t seed)
{
    int64_t count = (int64_t)perms * n + n;
    int64_t *Ri = malloc((size_t)count * sizeof *Ri), *Ci = malloc((size_t)count * sizeof *Ci), *p = malloc((size_t)n * sizeof *p);
    double *Vi = malloc((size_t)count * sizeof *Vi), *a = malloc((size_t)perms * sizeof *a), sum = 0.0;
    cr_assert(Ri && Ci && Vi && p && a);
    uint64_t s = seed;
    for (int k = 0; k < perms; k++) sum += (a[k] = 0.2 + unit(&s));
    int64_t q = 0;
    for (int k = 0; k < perms; k++) {
        for (int64_t i = 0; i < n; i++) p[i] = i;
        for (int64_t i = n - 1; i > 0; i--) { /* Fisher–Yates */
            int64_t r = (int64_t)(unit(&s) * (double)(i + 1)), t = p[i];
            p[i] = p[r], p[r] = t;
        }
        for (int64_t i = 0; i < n; i++) Ri[q] = i, Ci[q] = p[i], Vi[q++] = (1.0 - lazy) * a[k] / sum;
    }
    for (int64_t i = 0; i < n; i++) Ri[q] = i, Ci[q] = i, Vi[q++] = lazy;
    cr_assert_eq(tmx_csr_from_triplets(W, n, q, Ri, Ci, Vi), TMX_OK, "%s", tmx_last_error());
    free(Ri), free(Ci), free(Vi), free(p), free(a);
}

/* Reference β = ‖W − J‖₂ by the SVD (dgesdd) of the dense W − J. */
static double beta_svd(const tmx_csr *W)
{
    tmx_mat D = {0};
    cr_assert_eq(tmx_csr_to_dense(W, &D), TMX_OK);
    for (size_t q = 0; q < D.rows * D.cols; q++) D.data[q] -= 1.0 / (double)W->n;
    double b = 0.0;
    cr_assert_eq(tmx__dense_norm2(&D, &b), TMX_OK, "%s", tmx_last_error());
    tmx_mat_destroy(&D);
    return b;
}

/* B² = ‖W‖₁‖W‖∞ ≥ ‖W‖₂², the scale of the Gram route's error. */
static double hoelder_sq(const tmx_csr *W)
{
    double *col = calloc((size_t)W->n, sizeof *col), rmax = 0.0, cmax = 0.0;
    cr_assert(col);
    for (int64_t i = 0; i < W->n; i++) {
        double r = 0.0;
        for (int64_t e = W->rowptr[i]; e < W->rowptr[i + 1]; e++) r += fabs(W->val[e]), col[W->col[e]] += fabs(W->val[e]);
        rmax = fmax(rmax, r);
    }
    for (int64_t j = 0; j < W->n; j++) cmax = fmax(cmax, col[j]);
    free(col);
    return rmax * cmax;
}

/* |β_gram − β_svd| ≤ c·n·eps·B²/β (the Gram route: |δ(β²)| ≤ c·n·eps·B², divided by β̂ + β ≥ β)
 * + c·n·eps·B (the SVD's own backward error on W − J, ‖W − J‖ ≤ B + 1). */
static void check_gram(const tmx_csr *W, const char *what)
{
    double ref = beta_svd(W), got = 0.0, b2 = hoelder_sq(W);
    cr_assert_eq(tmx__dense_beta_gram(W, &got), TMX_OK, "%s: %s", what, tmx_last_error());
    double n = (double)W->n, tol = C_LAPACK * n * EPS * (b2 / ref + sqrt(b2) + 1.0);
    cr_assert(fabs(got - ref) <= tol, "%s: beta gram %.17g svd %.17g (diff %.3g > tol %.3g)", what, got, ref,
              fabs(got - ref), tol);
}

Test(dense_fast, gram_beta_matches_the_svd_on_permutation_mixtures)
{
    int64_t sizes[] = {17, 64, 200, 513};
    for (size_t q = 0; q < sizeof sizes / sizeof *sizes; q++)
        for (int perms = 1; perms <= 4; perms++) {
            tmx_csr W = {0};
            perm_mixture(&W, sizes[q], perms, perms == 1 ? 0.5 : 0.0, 100 + (uint64_t)perms);
            char what[64];
            snprintf(what, sizeof what, "n=%lld perms=%d", (long long)sizes[q], perms);
            check_gram(&W, what);
            tmx_csr_destroy(&W);
        }
}

/* Clustered top: two directed cycles, each lazy, joined by a weak exchange ε between node 0 of each.
 * The top singular values of W − J come in a tight group (the two cycles' near-identical ones)
 * and, as ε → 0, β → 1 (a tiny gap). */
Test(dense_fast, gram_beta_matches_the_svd_with_clustered_ends_and_tiny_gaps)
{
    const int64_t half = 150, n = 2 * half;
    double eps_list[] = {1e-2, 1e-6, 1e-10};
    for (size_t k = 0; k < sizeof eps_list / sizeof *eps_list; k++) {
        double e = eps_list[k];
        int64_t Ri[4 * 300], Ci[4 * 300];
        double Vi[4 * 300];
        int64_t q = 0;
        for (int64_t c = 0; c < 2; c++)
            for (int64_t i = 0; i < half; i++) {
                int64_t u = c * half + i, v = c * half + (i + 1) % half;
                double keep = i == 0 ? 0.5 - e : 0.5;
                Ri[q] = u, Ci[q] = u, Vi[q++] = keep;
                Ri[q] = u, Ci[q] = v, Vi[q++] = 0.5;
            }
        /* node 0 of each cycle gives ε to the other's node 0: rows and columns still sum to 1 */
        Ri[q] = 0, Ci[q] = half, Vi[q++] = e;
        Ri[q] = half, Ci[q] = 0, Vi[q++] = e;
        tmx_csr W = {0};
        cr_assert_eq(tmx_csr_from_triplets(&W, n, q, Ri, Ci, Vi), TMX_OK, "%s", tmx_last_error());
        char what[64];
        snprintf(what, sizeof what, "two cycles, eps=%g", e);
        check_gram(&W, what);
        tmx_csr_destroy(&W);
    }
}

/* A general square W (negative entries, rows and columns not summing to 1): the Gram formula with
 * column sums c, G = WᵀW − (c1ᵀ + 1cᵀ − 11ᵀ)/n, holds for any W. */
Test(dense_fast, gram_beta_matches_the_svd_on_a_general_matrix)
{
    const int64_t n = 120, per = 6;
    int64_t Ri[120 * 6], Ci[120 * 6];
    double Vi[120 * 6];
    uint64_t s = 7;
    int64_t q = 0;
    for (int64_t i = 0; i < n; i++)
        for (int64_t k = 0; k < per; k++) Ri[q] = i, Ci[q] = (int64_t)(unit(&s) * (double)n), Vi[q++] = unit(&s) - 0.3;
    tmx_csr W = {0};
    cr_assert_eq(tmx_csr_from_triplets(&W, n, q, Ri, Ci, Vi), TMX_OK, "%s", tmx_last_error());
    check_gram(&W, "general sparse W");
    tmx_csr_destroy(&W);
}

/* β ≪ B: the Gram route declines (TMX_EUNSUP) and rate_dense falls back to the SVD, which keeps β
 * to c·n·eps. W = J (complete graph, averaging in one step): β = 0 exactly. A directed perturbation
 * of J keeps β tiny. */
Test(dense_fast, gram_declines_when_beta_is_small_and_the_svd_takes_over)
{
    const int64_t n = 64;
    int64_t *Ri = malloc(n * n * sizeof *Ri), *Ci = malloc(n * n * sizeof *Ci);
    double *Vi = malloc(n * n * sizeof *Vi);
    cr_assert(Ri && Ci && Vi);
    int64_t q = 0;
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < n; j++) Ri[q] = i, Ci[q] = j, Vi[q++] = 1.0 / (double)n + (j == (i + 1) % n ? 1e-9 : 0.0) - (j == i ? 1e-9 : 0.0);
    tmx_csr W = {0};
    cr_assert_eq(tmx_csr_from_triplets(&W, n, q, Ri, Ci, Vi), TMX_OK, "%s", tmx_last_error());
    double got = 0.0;
    cr_assert_eq(tmx__dense_beta_gram(&W, &got), TMX_EUNSUP);
    tmx_rate r;
    cr_assert_eq(tmx_rate_csr(&W, TMX_METHOD_DENSE, &r), TMX_OK, "%s", tmx_last_error());
    double ref = beta_svd(&W);
    cr_assert(ref > 1e-9 && ref < 3e-9, "reference beta %.3g", ref); /* ‖1e-9·(P − Ri)‖₂ = 2e-9 */
    cr_assert(fabs(r.beta - ref) <= C_LAPACK * (double)n * EPS, "beta %.17g svd %.17g", r.beta, ref);
    free(Ri), free(Ci), free(Vi);
    tmx_csr_destroy(&W);
}

/* ---- circulants ---------------------------------------------------------------------------------- */

static tmx_topo *make(const char *name, int64_t n)
{
    tmx_topo_params p;
    tmx_topo_params_init(&p);
    p.n = n;
    tmx_topo *t = NULL;
    cr_assert_eq(tmx_topo_new(name, &p, &t), TMX_OK, "%s n=%lld: %s", name, (long long)n, tmx_last_error());
    return t;
}

Test(dense_fast, circulant_detection)
{
    const char *yes[] = {"exp", "dring", "ring", "complete"};
    for (size_t q = 0; q < 4; q++) {
        tmx_topo *t = make(yes[q], 37);
        tmx_csr W = {0};
        cr_assert_eq(tmx_topo_weights(t, 0, &W), TMX_OK);
        cr_assert(tmx__csr_is_circulant(&W), "%s is circulant", yes[q]);
        /* one entry off by one ulp breaks it */
        W.val[W.rowptr[5]] = nextafter(W.val[W.rowptr[5]], 2.0);
        cr_assert(!tmx__csr_is_circulant(&W), "%s with one entry changed", yes[q]);
        tmx_csr_destroy(&W);
        tmx_topo_free(t);
    }
    tmx_csr W = {0};
    perm_mixture(&W, 37, 2, 0.0, 3);
    cr_assert(!tmx__csr_is_circulant(&W));
    tmx_csr_destroy(&W);
}

/* exp (non-symmetric circulant) by the dense path: slem = β from the Gram route, against the DFT
 * (far more accurate: sums of ≤ τ + 1 terms) and the theorem ρ = 1 − 2/(τ + 1) for even n. */
Test(dense_fast, exp_dense_slem_is_beta_and_matches_the_dft)
{
    int64_t sizes[] = {64, 256, 1000};
    for (size_t q = 0; q < 3; q++) {
        tmx_topo *t = make("exp", sizes[q]);
        tmx_rate d, f;
        cr_assert_eq(tmx_rate_topo(t, 0, TMX_METHOD_DENSE, &d), TMX_OK, "%s", tmx_last_error());
        cr_assert_eq(tmx_rate_topo(t, 0, TMX_METHOD_DFT, &f), TMX_OK, "%s", tmx_last_error());
        cr_assert_eq(d.slem, d.beta);
        /* B = 1 (doubly stochastic, nonnegative); β ≥ 1/2 here, so the bound is c·n·eps·(2 + 1 + 1) */
        double tol = C_LAPACK * (double)sizes[q] * EPS * 4.0;
        cr_assert(fabs(d.beta - f.beta) <= tol, "exp n=%lld dense %.17g dft %.17g", (long long)sizes[q], d.beta, f.beta);
        tmx_topo_free(t);
    }
}

/* A non-circulant directed W still gets its slem from dgeev: ρ(W − J) ≤ β, and for a single lazy
 * permutation (normal: P is orthogonal) they agree. */
Test(dense_fast, non_circulant_slem_from_the_eigenvalues)
{
    tmx_csr W = {0};
    perm_mixture(&W, 90, 3, 0.0, 11);
    tmx_rate r;
    cr_assert_eq(tmx_rate_csr(&W, TMX_METHOD_DENSE, &r), TMX_OK, "%s", tmx_last_error());
    cr_assert(r.slem <= r.beta + C_LAPACK * 90 * EPS, "slem %.17g beta %.17g", r.slem, r.beta);
    cr_assert(r.slem < r.beta - 1e-3, "a non-normal mixture: slem %.17g well below beta %.17g", r.slem, r.beta);
    tmx_csr_destroy(&W);
    perm_mixture(&W, 90, 1, 0.5, 12);
    cr_assert_eq(tmx_rate_csr(&W, TMX_METHOD_DENSE, &r), TMX_OK, "%s", tmx_last_error());
    cr_assert(fabs(r.slem - r.beta) <= 2 * C_LAPACK * 90 * EPS, "normal W: slem %.17g beta %.17g", r.slem, r.beta);
    tmx_csr_destroy(&W);
}

/* ---- the top end alone ---------------------------------------------------------------------------- */

/* A = Q diag(λ) Qᵀ with Q from the QR of a random matrix, and λ with a cluster at the top
 * (1, 1 − 1e-13, 1 − 2e-13, …) or at both ends: dsym_top against dsyevd's largest. */
Test(dense_fast, symmetric_top_matches_all_eigenvalues_with_clustered_ends)
{
    const lapack_int n = 300;
    double *Q = malloc((size_t)n * n * sizeof *Q), *A = malloc((size_t)n * n * sizeof *A), *B = malloc((size_t)n * n * sizeof *B);
    double *tau = malloc((size_t)n * sizeof *tau), *lam = malloc((size_t)n * sizeof *lam), *w = malloc((size_t)n * sizeof *w);
    cr_assert(Q && A && B && tau && lam && w);
    uint64_t s = 99;
    for (size_t q = 0; q < (size_t)n * n; q++) Q[q] = unit(&s) - 0.5;
    cr_assert_eq(LAPACKE_dgeqrf(LAPACK_COL_MAJOR, n, n, Q, n, tau), 0);
    cr_assert_eq(LAPACKE_dorgqr(LAPACK_COL_MAJOR, n, n, n, Q, n, tau), 0);
    for (int shape = 0; shape < 3; shape++) {
        for (lapack_int i = 0; i < n; i++) {
            double x = unit(&s) * 1.6 - 0.8;
            if (shape == 0) x = i < 10 ? 1.0 - 1e-13 * i : x;              /* clustered top */
            if (shape == 1) x = i < 10 ? 1.0 - 1e-13 * i : i < 20 ? -1.0 + 1e-13 * i : x; /* both */
            if (shape == 2) x = i == 0 ? 1.0 : i == 1 ? 1.0 - 1e-15 : x;   /* a tiny gap */
            lam[i] = x;
        }
        /* A = Q diag(λ) Qᵀ */
        for (lapack_int j = 0; j < n; j++)
            for (lapack_int i = 0; i < n; i++) B[i + j * n] = Q[i + j * n] * lam[j];
        for (lapack_int j = 0; j < n; j++)
            for (lapack_int i = 0; i < n; i++) {
                double acc = 0.0;
                for (lapack_int k = 0; k < n; k++) acc += B[i + k * n] * Q[j + k * n];
                A[i + j * n] = acc;
            }
        tmx_mat M = {0};
        cr_assert_eq(tmx_mat_init(&M, n, n), TMX_OK);
        memcpy(M.data, A, (size_t)n * n * sizeof *A);
        double top = 0.0;
        cr_assert_eq(tmx__dense_sym_top(&M, &top), TMX_OK, "%s", tmx_last_error());
        memcpy(B, A, (size_t)n * n * sizeof *A);
        cr_assert_eq(LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'N', 'L', n, B, n, w), 0);
        /* both are backward stable for the same A (‖A‖ = 1): within c·n·eps of λ_max, hence of each other */
        double tol = 2.0 * C_LAPACK * (double)n * EPS;
        cr_assert(fabs(top - w[n - 1]) <= tol, "shape %d: top %.17g dsyevd %.17g", shape, top, w[n - 1]);
        cr_assert(fabs(top - 1.0) <= tol, "shape %d: top %.17g, constructed 1", shape, top);
        tmx_mat_destroy(&M);
    }
    free(Q), free(A), free(B), free(tau), free(lam), free(w);
}

/* ---- Lanczos with a certificate, from n = 512 (dense.c) ------------------------------------------ */

/* A = Q diag(λ) Qᵀ for a random orthogonal Q (n × n); ‖A‖ = max |λ_i|. */
static void spectrum_matrix(lapack_int n, const double *lam, uint64_t seed, double *A)
{
    double *Q = malloc((size_t)n * n * sizeof *Q), *B = malloc((size_t)n * n * sizeof *B), *tau = malloc((size_t)n * sizeof *tau);
    cr_assert(Q && B && tau);
    uint64_t s = seed;
    for (size_t q = 0; q < (size_t)n * n; q++) Q[q] = unit(&s) - 0.5;
    cr_assert_eq(LAPACKE_dgeqrf(LAPACK_COL_MAJOR, n, n, Q, n, tau), 0);
    cr_assert_eq(LAPACKE_dorgqr(LAPACK_COL_MAJOR, n, n, n, Q, n, tau), 0);
    for (lapack_int j = 0; j < n; j++)
        for (lapack_int i = 0; i < n; i++) B[i + j * n] = Q[i + j * n] * lam[j];
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, n, n, n, 1.0, B, n, Q, n, 0.0, A, n);
    for (lapack_int j = 0; j < n; j++) /* exactly symmetric, as the callers' matrices are */
        for (lapack_int i = j + 1; i < n; i++) A[j + i * n] = A[i + j * n];
    free(Q), free(B), free(tau);
}

/* Spectra at n = 600 whose ends Lanczos finds within the budget (an isolated top, an isolated
 * bottom, ±1 together as a hypercube's) and whose ends it does not (a ring-like cluster at the top:
 * the budget runs out and the reduction answers). Each case: the attempt accepts or declines as
 * expected, and tmx__dense_sym_maxabs / tmx__dense_sym_top agree with dsyevd and with the
 * constructed value. Tolerance: the certificate places max |λ| in [θ − r, θ + δ] with
 * r ≤ 1e-14·θ (ARPACK's tol) and δ = max(4r, 1e-12·θ) (dense.c), plus both factorisations' and
 * dsyevd's backward error c·n·eps·‖A‖ (‖A‖ = 1). */
Test(dense_fast, lanczos_with_a_cholesky_certificate_against_all_eigenvalues)
{
    const lapack_int n = 600;
    static const struct {
        const char *what;
        double top, bottom; /* the ends; the rest uniform in (−0.5, 0.5) */
        int ring;           /* the rest instead 1 − 2(1 − cos 2πk/n)/3, clustered below the top */
        int maxabs_ok, top_ok; /* the attempt's expected answers (1: accepted, 0: declined, −1: either) */
    } cases[] = {
        {"isolated top", 1.0, -0.6, 0, 1, 1},
        {"isolated bottom", 0.55, -1.0, 0, 1, 0},   /* top_only: the largest modulus is negative */
        {"hypercube-like ends", 0.8, -0.8, 0, 1, -1}, /* ±0.8 twice each (66 products); top_only: if θ > 0 */
        {"ring-like top cluster", 0.0, 0.0, 1, 0, 0},
    };
    double *lam = malloc((size_t)n * sizeof *lam), *A = malloc((size_t)n * n * sizeof *A), *B = malloc((size_t)n * n * sizeof *B),
           *w = malloc((size_t)n * sizeof *w);
    cr_assert(lam && A && B && w);
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        uint64_t s = 7 + c;
        for (lapack_int i = 0; i < n; i++) {
            lam[i] = cases[c].ring ? 1.0 - 2.0 * (1.0 - cos(2.0 * M_PI * (double)(i + 1) / (double)n)) / 3.0
                                   : unit(&s) - 0.5;
        }
        if (!cases[c].ring) {
            lam[0] = cases[c].top;
            lam[1] = cases[c].bottom;
            if (c == 2) lam[2] = cases[c].top, lam[3] = cases[c].bottom;
        }
        spectrum_matrix(n, lam, 1000 + c, A);
        memcpy(B, A, (size_t)n * n * sizeof *A);
        cr_assert_eq(LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'N', 'L', n, B, n, w), 0);
        double want_abs = fmax(fabs(w[0]), fabs(w[n - 1])), want_top = w[n - 1];
        double theta = fmax(want_abs, 1e-300), tol = 2.0 * C_LAPACK * (double)n * EPS + 1e-12 * theta;
        tmx_mat M = {0};
        cr_assert_eq(tmx_mat_init(&M, n, n), TMX_OK);
        for (int top_only = 0; top_only <= 1; top_only++) {
            double want = top_only ? want_top : want_abs, got = -1.0;
            int expect = top_only ? cases[c].top_ok : cases[c].maxabs_ok;
            memcpy(M.data, A, (size_t)n * n * sizeof *A);
            tmx_status st = tmx__dense_sym_lanczos(&M, top_only, &got);
            if (expect >= 0)
                cr_assert_eq(st, expect ? TMX_OK : TMX_ENOCONV, "%s, top_only %d: the attempt returned %d", cases[c].what,
                             top_only, (int)st);
            cr_assert(memcmp(M.data, A, (size_t)n * n * sizeof *A) == 0, "%s: the attempt changed A", cases[c].what);
            if (st == TMX_OK)
                cr_assert(fabs(got - want) <= tol, "%s, top_only %d: Lanczos %.17g dsyevd %.17g", cases[c].what, top_only,
                          got, want);
            got = -1.0;
            cr_assert_eq((top_only ? tmx__dense_sym_top : tmx__dense_sym_maxabs)(&M, &got), TMX_OK, "%s", tmx_last_error());
            cr_assert(fabs(got - want) <= tol, "%s, top_only %d: %.17g, dsyevd %.17g", cases[c].what, top_only, got, want);
            if (!cases[c].ring) {
                double built = top_only ? fmax(cases[c].top, 0.5) : fmax(cases[c].top, -cases[c].bottom);
                cr_assert(fabs(got - built) <= tol, "%s: %.17g, constructed %.17g", cases[c].what, got, built);
            }
        }
        tmx_mat_destroy(&M);
    }
    free(lam), free(A), free(B), free(w);
}

/* The certificate alone (what stands between a misled Lanczos and a wrong answer: a start vector
 * nearly orthogonal to the top eigenvector, which rounding makes too rare to build here — Lanczos
 * recovered the top from a component of 1e-15 even 10⁻⁶ away). Spectrum: 1 and −1 + 10⁻⁶ at the
 * ends, the rest in (−0.5, 0.5), n = 530. The true ends pass; a value 10⁻⁶ short of the top, or a
 * residual too small to cover that, fails; top_only ignores the bottom end. */
Test(dense_fast, the_certificate_refuses_a_value_below_an_end)
{
    const lapack_int n = 530;
    double *lam = malloc((size_t)n * sizeof *lam);
    tmx_mat M = {0};
    cr_assert(lam);
    cr_assert_eq(tmx_mat_init(&M, n, n), TMX_OK);
    uint64_t s = 11;
    for (lapack_int i = 0; i < n; i++) lam[i] = i == 0 ? 1.0 : i == 1 ? -1.0 + 1e-6 : unit(&s) - 0.5;
    spectrum_matrix(n, lam, 77, M.data);
    cr_assert(tmx__dense_sym_certify(&M, 0, 1.0, 1e-16));
    cr_assert(tmx__dense_sym_certify(&M, 1, 1.0, 1e-16));
    cr_assert(!tmx__dense_sym_certify(&M, 0, 1.0 - 1e-6, 1e-16), "max |λ| = 1 passed as 1 − 1e-6");
    cr_assert(!tmx__dense_sym_certify(&M, 1, 1.0 - 1e-6, 1e-16), "λ_max = 1 passed as 1 − 1e-6");
    cr_assert(tmx__dense_sym_certify(&M, 0, 1.0 - 1e-6, 1e-6), "a residual of 1e-6 covers it");
    for (lapack_int i = 0; i < n; i++) lam[i] = i == 0 ? 0.7 : i == 1 ? -1.0 : unit(&s) - 0.5;
    spectrum_matrix(n, lam, 78, M.data);
    cr_assert(!tmx__dense_sym_certify(&M, 0, 0.7, 1e-16), "the bottom end −1 was not checked");
    cr_assert(tmx__dense_sym_certify(&M, 1, 0.7, 1e-16), "top_only looked at the bottom");
    tmx_mat_destroy(&M);
    free(lam);
}

/* A certificate that must fail: Lanczos's answer is right, but a shift that leaves no margin is
 * refused by the factorisation — the attempt then declines (here: A = 0 has θ = 0). */
Test(dense_fast, lanczos_declines_the_zero_matrix)
{
    tmx_mat M = {0};
    cr_assert_eq(tmx_mat_init(&M, 520, 520), TMX_OK);
    memset(M.data, 0, (size_t)520 * 520 * sizeof *M.data);
    double got = -1.0;
    cr_assert_eq(tmx__dense_sym_lanczos(&M, 0, &got), TMX_ENOCONV);
    cr_assert_eq(tmx__dense_sym_maxabs(&M, &got), TMX_OK, "%s", tmx_last_error());
    cr_assert_eq(got, 0.0);
    tmx_mat_destroy(&M);
}

/* ---- iterative first below the dense limit ------------------------------------------------------- */

/* |slem_auto − slem_dense| ≤ residual (Weyl: some eigenvalue lies within the residual of the Ritz
 * value) + the dense path's c·n·eps. */
static void auto_vs_dense(const char *name, int64_t n, double p, const char *what)
{
    tmx_topo_params par;
    tmx_topo_params_init(&par);
    par.n = n;
    par.p = p;
    tmx_topo *t = NULL;
    cr_assert_eq(tmx_topo_new(name, &par, &t), TMX_OK, "%s: %s", what, tmx_last_error());
    tmx_csr W = {0};
    cr_assert_eq(tmx_topo_weights(t, 0, &W), TMX_OK);
    tmx_rate a, d;
    cr_assert_eq(tmx_rate_csr(&W, TMX_METHOD_AUTO, &a), TMX_OK, "%s: %s", what, tmx_last_error());
    cr_assert_eq(tmx_rate_csr(&W, TMX_METHOD_DENSE, &d), TMX_OK, "%s: %s", what, tmx_last_error());
    cr_assert_eq(a.method, TMX_METHOD_ITERATIVE, "%s: AUTO took %s", what, tmx_method_name(a.method));
    double tol = a.residual + C_LAPACK * (double)n * EPS;
    cr_assert(fabs(a.slem - d.slem) <= tol, "%s: auto %.17g dense %.17g (residual %.3g)", what, a.slem, d.slem, a.residual);
    cr_assert_eq(a.beta, a.slem);
    tmx_csr_destroy(&W);
    tmx_topo_free(t);
}

Test(dense_fast, auto_goes_iterative_for_symmetric_w_from_n_1024)
{
    auto_vs_dense("er", 1024, 0.01, "er n=1024 (few hops: quick Lanczos)");
    auto_vs_dense("grid", 1024, 0.0, "grid 32x32 (shift-invert)");
    auto_vs_dense("hypercube", 1024, 0.0, "hypercube n=1024 (few hops)");
    /* below 1024 AUTO stays dense */
    tmx_topo *t = make("grid", 900);
    tmx_csr W = {0};
    cr_assert_eq(tmx_topo_weights(t, 0, &W), TMX_OK);
    tmx_rate r;
    cr_assert_eq(tmx_rate_csr(&W, TMX_METHOD_AUTO, &r), TMX_OK);
    cr_assert_eq(r.method, TMX_METHOD_DENSE);
    tmx_csr_destroy(&W);
    tmx_topo_free(t);
}

/* The restart budget: on the ring's W − J (ρ a double eigenvalue with a gap O(1/n²) to the next)
 * one restart cannot converge and reports TMX_ENOCONV; without the budget it converges. */
static void ring_minus_J(const double *x, double *y, void *ctx)
{
    int64_t n = *(const int64_t *)ctx;
    double mean = 0.0;
    for (int64_t i = 0; i < n; i++) mean += x[i];
    mean /= (double)n;
    for (int64_t i = 0; i < n; i++) y[i] = (x[(i + n - 1) % n] + x[i] + x[(i + 1) % n]) / 3.0 - mean;
}

Test(dense_fast, lanczos_restart_budget)
{
    int64_t n = 400;
    tmx__iter_result r = {0};
    cr_assert_eq(tmx__op_sym_maxabs_budget(n, ring_minus_J, &n, 1e-12, 1, &r), TMX_ENOCONV);
    cr_assert_eq(tmx__op_sym_maxabs_budget(n, ring_minus_J, &n, 1e-12, 0, &r), TMX_OK, "%s", tmx_last_error());
    double want = (1.0 + 2.0 * cos(2.0 * M_PI / (double)n)) / 3.0;
    cr_assert(fabs(r.value - want) <= r.residual + 8 * EPS, "ring %.17g want %.17g", r.value, want);
}
