/* Unit tests: the dense (LAPACKE) and iterative (ARPACK) spectral kernels of
 * lib/src/spectral/{dense,iterative,blas}.c, against closed forms, against each other, and on every
 * error path that can be triggered.
 *
 * Tolerances, all absolute on values of size ≈ 1 unless stated:
 * - Dense symmetric eigenvalues and all singular values: LAPACK's reductions are backward stable,
 *   the computed values are exact for A + E with ‖E‖₂ ≲ c·n·eps·‖A‖₂, and these values are perfectly
 *   conditioned (Weyl), so |computed − exact| ≤ c·n·eps·‖A‖; we use c = 10 and ‖A‖_F ≥ ‖A‖₂.
 * - Dense nonsymmetric eigenvalues: the same backward error times the eigenvalue's condition number
 *   κ = ‖x‖‖y‖/|yᴴx| (x, y right/left eigenvectors).
 * - Iterative vs dense: the kernels return the residual ‖A v − θ v‖ of a unit Ritz vector. For a
 *   symmetric A some eigenvalue λ has |θ − λ| ≤ residual (Weyl / Bauer–Fike with κ = 1); for a
 *   general A, |θ − λ| ≤ κ·residual to first order (we allow 2κ); for norm2 the returned residual
 *   already bounds |σ − σ_j|. Plus the dense error above. */
#include "spectral/kernels.h"

#include <complex.h>
#include <criterion/criterion.h>
#include <float.h>
#include <lapacke.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <topomix/error.h>
#include <topomix/mat.h>
#include <topomix/spectral.h>

#define EPS DBL_EPSILON
#define PI 3.14159265358979323846

/* ---- helpers ------------------------------------------------------------------------------ */

/* splitmix64: the random instances are the same on every run. */
static uint64_t rng_state;
static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static double rng_unit(void) { return (double)(rng_next() >> 11) * 0x1p-53; } /* [0, 1) */
static double rng_sym(void) { return 2.0 * rng_unit() - 1.0; }               /* [-1, 1) */
static int64_t rng_below(int64_t n) { return (int64_t)(rng_next() % (uint64_t)n); }

static void mat_new(tmx_mat *A, size_t n)
{
    cr_assert_eq(tmx_mat_init(A, n, n), TMX_OK, "%s", tmx_last_error());
}

static double frob(const tmx_mat *A)
{
    double s = 0.0;
    for (size_t j = 0; j < A->cols; j++)
        for (size_t i = 0; i < A->rows; i++) s += tmx_mat_get(A, i, j) * tmx_mat_get(A, i, j);
    return sqrt(s);
}

static void mat_copy(tmx_mat *dst, const tmx_mat *src)
{
    mat_new(dst, src->rows);
    memcpy(dst->data, src->data, src->rows * src->cols * sizeof(double));
}

/* The three dense kernels on copies of A. */
static void dense_all(const tmx_mat *A, double *sym, double *gen, double *nrm)
{
    tmx_mat B;
    if (sym) {
        mat_copy(&B, A);
        cr_assert_eq(tmx__dense_sym_maxabs(&B, sym), TMX_OK, "%s", tmx_last_error());
        tmx_mat_destroy(&B);
    }
    if (gen) {
        mat_copy(&B, A);
        cr_assert_eq(tmx__dense_gen_maxabs(&B, gen), TMX_OK, "%s", tmx_last_error());
        tmx_mat_destroy(&B);
    }
    if (nrm) {
        mat_copy(&B, A);
        cr_assert_eq(tmx__dense_norm2(&B, nrm), TMX_OK, "%s", tmx_last_error());
        tmx_mat_destroy(&B);
    }
}

#define assert_close(got, want, tol, what)                                                         \
    cr_assert(fabs((got) - (want)) <= (tol), "%s: got %.17g, want %.17g (|diff| %.3g > tol %.3g)",  \
              (what), (double)(got), (double)(want), fabs((got) - (want)), (double)(tol))

/* ---- sparse test operators (COO, duplicates summed) ------------------------------------------- */

typedef struct coo {
    int64_t n, nnz, cap;
    int64_t *i, *j;
    double *v;
    int minus_mean; /* operator is A − J·(row sums are not assumed): y = A x − mean(x)·1 */
} coo;

static void coo_init(coo *A, int64_t n, int64_t cap)
{
    A->n = n;
    A->nnz = 0;
    A->cap = cap;
    A->i = malloc((size_t)cap * sizeof *A->i);
    A->j = malloc((size_t)cap * sizeof *A->j);
    A->v = malloc((size_t)cap * sizeof *A->v);
    A->minus_mean = 0;
    cr_assert(A->i && A->j && A->v);
}
static void coo_push(coo *A, int64_t i, int64_t j, double v)
{
    cr_assert_lt(A->nnz, A->cap);
    A->i[A->nnz] = i;
    A->j[A->nnz] = j;
    A->v[A->nnz] = v;
    A->nnz++;
}
static void coo_free(coo *A)
{
    free(A->i);
    free(A->j);
    free(A->v);
}
static double mean(int64_t n, const double *x)
{
    double s = 0.0;
    for (int64_t k = 0; k < n; k++) s += x[k];
    return s / (double)n;
}
static void coo_mv(const double *x, double *y, void *ctx)
{
    const coo *A = ctx;
    double m = A->minus_mean ? mean(A->n, x) : 0.0;
    for (int64_t k = 0; k < A->n; k++) y[k] = -m;
    for (int64_t e = 0; e < A->nnz; e++) y[A->i[e]] += A->v[e] * x[A->j[e]];
}
static void coo_mvt(const double *x, double *y, void *ctx)
{
    const coo *A = ctx;
    double m = A->minus_mean ? mean(A->n, x) : 0.0;
    for (int64_t k = 0; k < A->n; k++) y[k] = -m;
    for (int64_t e = 0; e < A->nnz; e++) y[A->j[e]] += A->v[e] * x[A->i[e]];
}
static void coo_dense(const coo *A, tmx_mat *M)
{
    mat_new(M, (size_t)A->n);
    if (A->minus_mean)
        for (size_t k = 0; k < (size_t)(A->n * A->n); k++) M->data[k] = -1.0 / (double)A->n;
    for (int64_t e = 0; e < A->nnz; e++)
        M->data[(size_t)A->i[e] + (size_t)A->j[e] * M->ld] += A->v[e];
}

/* Symmetric: k random off-diagonal pairs per row with values in [-1, 1), and a random diagonal. */
static void random_sym(coo *A, int64_t n, int k)
{
    coo_init(A, n, n * (2 * k + 1));
    for (int64_t i = 0; i < n; i++) {
        coo_push(A, i, i, rng_sym());
        for (int t = 0; t < k; t++) {
            int64_t j = rng_below(n);
            if (j == i) continue;
            double v = rng_sym();
            coo_push(A, i, j, v);
            coo_push(A, j, i, v);
        }
    }
}

/* W − J for W the mean of k random perfect matchings (n even): symmetric, doubly stochastic. */
static void random_matchings_minus_J(coo *A, int64_t n, int k)
{
    coo_init(A, n, n * k);
    A->minus_mean = 1;
    int64_t *perm = malloc((size_t)n * sizeof *perm);
    cr_assert(perm);
    for (int t = 0; t < k; t++) {
        for (int64_t i = 0; i < n; i++) perm[i] = i;
        for (int64_t i = n - 1; i > 0; i--) { /* Fisher–Yates */
            int64_t r = rng_below(i + 1), tmp = perm[i];
            perm[i] = perm[r];
            perm[r] = tmp;
        }
        for (int64_t p = 0; p < n; p += 2) {
            coo_push(A, perm[p], perm[p + 1], 1.0 / k);
            coo_push(A, perm[p + 1], perm[p], 1.0 / k);
        }
    }
    free(perm);
}

/* Nonsymmetric, nonnegative: k random entries in [0, 1) per row (plus the diagonal). Its Perron
 * root is real, simple and dominant. */
static void random_nonneg(coo *A, int64_t n, int k)
{
    coo_init(A, n, n * (k + 1));
    for (int64_t i = 0; i < n; i++) {
        coo_push(A, i, i, rng_unit());
        for (int t = 0; t < k; t++) coo_push(A, i, rng_below(n), rng_unit());
    }
}

/* Nonsymmetric with a planted dominant complex pair: 0.9·rotation(1 rad) on coordinates 0, 1, a
 * diagonal in [-0.5, 0.5) elsewhere, and k small random couplings (|·| ≤ 0.02) per row. */
static void planted_pair(coo *A, int64_t n, int k)
{
    coo_init(A, n, n * (k + 1) + 4);
    double c = 0.9 * cos(1.0), s = 0.9 * sin(1.0);
    coo_push(A, 0, 0, c);
    coo_push(A, 0, 1, -s);
    coo_push(A, 1, 0, s);
    coo_push(A, 1, 1, c);
    for (int64_t i = 2; i < n; i++) coo_push(A, i, i, 0.5 * rng_sym());
    for (int64_t i = 0; i < n; i++)
        for (int t = 0; t < k; t++) coo_push(A, i, rng_below(n), 0.02 * rng_sym());
}

/* Eigenvalue of largest modulus of a dense A and its condition number κ = ‖x‖‖y‖/|yᴴx|, from
 * dgeev with left and right vectors (unit 2-norm). */
static void dominant_kappa(const tmx_mat *A, double *modulus, double *kappa)
{
    lapack_int n = (lapack_int)A->rows;
    tmx_mat B, VL, VR;
    mat_copy(&B, A);
    mat_new(&VL, (size_t)n);
    mat_new(&VR, (size_t)n);
    double *wr = malloc((size_t)n * sizeof *wr), *wi = malloc((size_t)n * sizeof *wi);
    cr_assert(wr && wi);
    lapack_int info = LAPACKE_dgeev(LAPACK_COL_MAJOR, 'V', 'V', n, B.data, n, wr, wi, VL.data, n,
                                    VR.data, n);
    cr_assert_eq(info, 0, "dgeev info %d", (int)info);
    lapack_int best = 0;
    double bm = -1.0;
    for (lapack_int j = 0; j < n; j += (wi[j] != 0.0) ? 2 : 1)
        if (hypot(wr[j], wi[j]) > bm) {
            bm = hypot(wr[j], wi[j]);
            best = j;
        }
    double complex yx = 0.0, xx = 0.0, yy = 0.0;
    for (lapack_int i = 0; i < n; i++) {
        double complex x = VR.data[i + best * n], y = VL.data[i + best * n];
        if (wi[best] != 0.0) {
            x += I * VR.data[i + (best + 1) * n];
            y += I * VL.data[i + (best + 1) * n];
        }
        yx += conj(y) * x;
        xx += conj(x) * x;
        yy += conj(y) * y;
    }
    *modulus = bm;
    *kappa = sqrt(creal(xx) * creal(yy)) / cabs(yx);
    free(wr);
    free(wi);
    tmx_mat_destroy(&B);
    tmx_mat_destroy(&VL);
    tmx_mat_destroy(&VR);
}

/* ---- dense: closed forms ------------------------------------------------------------------- */

Test(dense, diagonal_maxabs_is_the_largest_modulus_entry)
{
    const double d[5] = {0.3, -2.5, 1.0, 2.4, -0.0};
    tmx_mat A;
    mat_new(&A, 5);
    for (size_t i = 0; i < 5; i++) tmx_mat_set(&A, i, i, d[i]);
    double s, g, nrm;
    dense_all(&A, &s, &g, &nrm);
    double tol = 10 * 5 * EPS * 2.5;
    assert_close(s, 2.5, tol, "sym");
    assert_close(g, 2.5, tol, "gen");
    assert_close(nrm, 2.5, tol, "norm2");
    tmx_mat_destroy(&A);
}

Test(dense, one_by_one_is_the_absolute_value)
{
    tmx_mat A;
    mat_new(&A, 1);
    A.data[0] = -0.75;
    double s, g, nrm;
    dense_all(&A, &s, &g, &nrm);
    cr_assert_eq(s, 0.75);
    assert_close(g, 0.75, 4 * EPS, "gen");
    assert_close(nrm, 0.75, 4 * EPS, "norm2");
    tmx_mat_destroy(&A);
}

/* r·[[c, −s], [s, c]] is normal with eigenvalues r·e^{±iφ}: modulus and norm r. Embedded with a
 * smaller diagonal so that the maximum comes from the complex pair. */
Test(dense, scaled_rotation_has_complex_pair_of_modulus_r)
{
    const double r = 0.7, phi = 2.0;
    tmx_mat A;
    mat_new(&A, 4);
    tmx_mat_set(&A, 0, 0, r * cos(phi));
    tmx_mat_set(&A, 0, 1, -r * sin(phi));
    tmx_mat_set(&A, 1, 0, r * sin(phi));
    tmx_mat_set(&A, 1, 1, r * cos(phi));
    tmx_mat_set(&A, 2, 2, 0.5);
    tmx_mat_set(&A, 3, 3, -0.6);
    double g, nrm;
    dense_all(&A, NULL, &g, &nrm);
    double tol = 10 * 4 * EPS; /* normal matrix: κ = 1 */
    assert_close(g, r, tol, "gen");
    assert_close(nrm, r, tol, "norm2");
    tmx_mat_destroy(&A);
}

/* A = Q D Qᵀ with Q a product of n random Householder reflections. Forming A in floating point
 * perturbs it by ‖δA‖₂ ≲ n²·eps·max|D| (n-term dot products, n entries per row, Q orthogonal to
 * O(n·eps)); LAPACK adds its c·n·eps·‖A‖. */
Test(dense, symmetric_QDQt_returns_the_planted_largest_modulus)
{
    rng_state = 11;
    const size_t n = 60;
    double *D = malloc(n * sizeof *D), *v = malloc(n * sizeof *v), *Qv = malloc(n * sizeof *Qv);
    cr_assert(D && v && Qv);
    for (size_t i = 0; i < n; i++) D[i] = rng_sym();
    D[17] = -1.5; /* the largest modulus, negative */
    D[3] = 1.25;
    tmx_mat Q, A;
    mat_new(&Q, n);
    mat_new(&A, n);
    for (size_t i = 0; i < n; i++) tmx_mat_set(&Q, i, i, 1.0);
    for (size_t h = 0; h < n; h++) { /* Q ← Q (I − 2 v vᵀ / vᵀv) */
        double vv = 0.0;
        for (size_t i = 0; i < n; i++) {
            v[i] = rng_sym();
            vv += v[i] * v[i];
        }
        for (size_t i = 0; i < n; i++) {
            Qv[i] = 0.0;
            for (size_t k = 0; k < n; k++) Qv[i] += tmx_mat_get(&Q, i, k) * v[k];
        }
        for (size_t j = 0; j < n; j++)
            for (size_t i = 0; i < n; i++)
                Q.data[i + j * n] -= 2.0 * Qv[i] * v[j] / vv;
    }
    for (size_t j = 0; j < n; j++)
        for (size_t i = j; i < n; i++) {
            double s = 0.0;
            for (size_t k = 0; k < n; k++) s += tmx_mat_get(&Q, i, k) * D[k] * tmx_mat_get(&Q, j, k);
            tmx_mat_set(&A, i, j, s);
            tmx_mat_set(&A, j, i, s);
        }
    double s, g, nrm;
    dense_all(&A, &s, &g, &nrm);
    double tol = 4.0 * (double)(n * n) * EPS * 1.5;
    assert_close(s, 1.5, tol, "sym");
    assert_close(g, 1.5, tol, "gen");
    assert_close(nrm, 1.5, tol, "norm2");
    tmx_mat_destroy(&Q);
    tmx_mat_destroy(&A);
    free(D);
    free(v);
    free(Qv);
}

/* Upper triangular [[0.5, 3], [0, 0.4]]: ρ = 0.5 < ‖A‖₂ = √((T + √(T² − 4Δ²))/2), T = ‖A‖_F²,
 * Δ = det. κ(0.5) = √(1 + (3/0.1)²) ≈ 30. */
Test(dense, jordan_like_nonnormal_has_rho_below_the_norm)
{
    tmx_mat A;
    mat_new(&A, 2);
    tmx_mat_set(&A, 0, 0, 0.5);
    tmx_mat_set(&A, 0, 1, 3.0);
    tmx_mat_set(&A, 1, 1, 0.4);
    double g, nrm;
    dense_all(&A, NULL, &g, &nrm);
    double T = 0.25 + 9.0 + 0.16, det = 0.2, want = sqrt((T + sqrt(T * T - 4 * det * det)) / 2);
    assert_close(g, 0.5, 31 * 10 * 2 * EPS * 3.1, "rho");
    assert_close(nrm, want, 10 * 2 * EPS * want, "norm2");
    cr_assert_gt(nrm, 6 * g, "a nonnormal matrix: ‖A‖₂ = %g ≫ ρ = %g", nrm, g);
    tmx_mat_destroy(&A);
}

/* Bidiagonal, diagonal 0.5, 0.4, …, 0 and superdiagonal 1 (n = 6): distinct eigenvalues, ρ = 0.5,
 * but strongly nonnormal (κ(0.5) ≈ 10⁵·…): allow κ·c·n·eps·‖A‖ with κ ≤ 10⁷. */
Test(dense, bidiagonal_jordan_like_rho_is_the_top_diagonal_entry)
{
    const size_t n = 6;
    tmx_mat A;
    mat_new(&A, n);
    for (size_t i = 0; i < n; i++) {
        tmx_mat_set(&A, i, i, 0.5 - 0.1 * (double)i);
        if (i + 1 < n) tmx_mat_set(&A, i, i + 1, 1.0);
    }
    double g, nrm;
    dense_all(&A, NULL, &g, &nrm);
    assert_close(g, 0.5, 1e7 * 10 * (double)n * EPS * 2.5, "rho");
    cr_assert_gt(nrm, 1.0, "‖A‖₂ ≥ ‖A e₂‖ > 1, got %g", nrm);
    tmx_mat_destroy(&A);
}

/* Ring (Metropolis, 1/3 on i−1, i, i+1) minus J at n = 50: ρ = (1 + 2cos(2π/n))/3
 * (docs/definitions.md §4); W − J is symmetric, so slem = beta. */
Test(dense, ring_minus_J_at_50_matches_the_closed_form)
{
    const size_t n = 50;
    tmx_mat A;
    mat_new(&A, n);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            size_t d = i > j ? i - j : j - i;
            double w = (d == 0 || d == 1 || d == n - 1) ? 1.0 / 3.0 : 0.0;
            tmx_mat_set(&A, i, j, w - 1.0 / (double)n);
        }
    double s, g, nrm, want = (1.0 + 2.0 * cos(2.0 * PI / (double)n)) / 3.0;
    dense_all(&A, &s, &g, &nrm);
    double tol = 10 * (double)n * EPS * frob(&A);
    assert_close(s, want, tol, "sym");
    assert_close(g, want, tol, "gen (normal: κ = 1)");
    assert_close(nrm, want, tol, "norm2");
    tmx_mat_destroy(&A);
}

/* From n = 3072 on the symmetric kernel reduces in two stages (dsytrd_2stage). J − W of the ring
 * at n = 3072: max |λ| = ρ at λ = −ρ. */
Test(dense, two_stage_path_matches_the_ring_closed_form_at_3072, .timeout = 120)
{
    const size_t n = 3072;
    tmx_mat A;
    mat_new(&A, n);
    for (size_t j = 0; j < n; j++)
        for (size_t i = 0; i < n; i++) {
            size_t d = i > j ? i - j : j - i;
            double w = (d == 0 || d == 1 || d == n - 1) ? 1.0 / 3.0 : 0.0;
            A.data[i + j * n] = 1.0 / (double)n - w;
        }
    double s, want = (1.0 + 2.0 * cos(2.0 * PI / (double)n)) / 3.0, tol = 10 * (double)n * EPS * frob(&A);
    cr_assert_eq(tmx__dense_sym_maxabs(&A, &s), TMX_OK, "%s", tmx_last_error());
    assert_close(s, want, tol, "sym, two-stage");
    tmx_mat_destroy(&A);
}

/* W² − J for the star (hub 0; w_0j = w_j0 = w_00 = 1/n, w_jj = 1 − 1/n) at n = 64: W has the
 * eigenvalue 1 − 1/n with multiplicity n − 2 and 1 once (the rest is 0), so ρ(W² − J) = (1 − 1/n)².
 * The cluster defeats dstebz's bisection (non-monotonic Sturm counts, info = 2); the kernel must
 * fall back to dsterf. */
Test(dense, star_squared_cluster_falls_back_from_bisection)
{
    const size_t n = 64;
    tmx_mat W, A;
    mat_new(&W, n);
    mat_new(&A, n);
    for (size_t i = 1; i < n; i++) {
        tmx_mat_set(&W, i, i, 1.0 - 1.0 / (double)n);
        tmx_mat_set(&W, 0, i, 1.0 / (double)n);
        tmx_mat_set(&W, i, 0, 1.0 / (double)n);
    }
    tmx_mat_set(&W, 0, 0, 1.0 / (double)n);
    for (size_t j = 0; j < n; j++)
        for (size_t i = 0; i < n; i++) {
            double s = 0.0;
            for (size_t k = 0; k < n; k++) s += tmx_mat_get(&W, i, k) * tmx_mat_get(&W, k, j);
            tmx_mat_set(&A, i, j, s - 1.0 / (double)n);
        }
    double s, g, nrm, want = (1.0 - 1.0 / (double)n) * (1.0 - 1.0 / (double)n);
    dense_all(&A, &s, &g, &nrm);
    double tol = 10 * (double)n * EPS * frob(&A) + 2 * (double)n * EPS; /* + forming W² */
    assert_close(s, want, tol, "sym");
    assert_close(g, want, tol, "gen (symmetric: κ = 1)");
    assert_close(nrm, want, tol, "norm2");
    tmx_mat_destroy(&W);
    tmx_mat_destroy(&A);
}

/* ---- dense: errors ------------------------------------------------------------------------ */

typedef tmx_status (*dense_fn)(tmx_mat *, double *);
static const dense_fn dense_fns[3] = {tmx__dense_sym_maxabs, tmx__dense_gen_maxabs, tmx__dense_norm2};

Test(dense, null_arguments_are_einval)
{
    tmx_mat A;
    mat_new(&A, 3);
    double out;
    for (int k = 0; k < 3; k++) {
        cr_assert_eq(dense_fns[k](NULL, &out), TMX_EINVAL);
        cr_assert_eq(dense_fns[k](&A, NULL), TMX_EINVAL);
    }
    tmx_mat_destroy(&A);
}

Test(dense, non_square_is_enotsqr)
{
    tmx_mat A;
    cr_assert_eq(tmx_mat_init(&A, 3, 4), TMX_OK);
    double out;
    for (int k = 0; k < 3; k++) {
        cr_assert_eq(dense_fns[k](&A, &out), TMX_ENOTSQR);
        cr_assert(strstr(tmx_last_error(), "3 x 4") != NULL, "message: %s", tmx_last_error());
    }
    tmx_mat_destroy(&A);
}

Test(dense, empty_matrix_is_einval)
{
    double dummy = 0.0, out;
    tmx_mat A = {0, 0, 0, &dummy, 0};
    for (int k = 0; k < 3; k++) cr_assert_eq(dense_fns[k](&A, &out), TMX_EINVAL);
}

Test(dense, short_leading_dimension_is_einval)
{
    tmx_mat A;
    mat_new(&A, 3);
    A.ld = 2;
    double out;
    for (int k = 0; k < 3; k++) cr_assert_eq(dense_fns[k](&A, &out), TMX_EINVAL);
    A.ld = 3;
    tmx_mat_destroy(&A);
}

Test(dense, non_finite_entry_is_einval)
{
    tmx_mat A;
    mat_new(&A, 3);
    double out;
    for (int k = 0; k < 3; k++) {
        memset(A.data, 0, 9 * sizeof(double));
        tmx_mat_set(&A, 2, 1, k == 1 ? INFINITY : NAN); /* lower triangle: read by all three */
        cr_assert_eq(dense_fns[k](&A, &out), TMX_EINVAL);
        cr_assert(strstr(tmx_last_error(), "(2, 1)") != NULL, "message: %s", tmx_last_error());
    }
    tmx_mat_destroy(&A);
}

Test(dense, size_beyond_lapack_int_is_eunsup)
{
    double dummy = 0.0, out;
    size_t big = (size_t)INT_MAX + 1;
    tmx_mat A = {big, big, big, &dummy, 0}; /* never read: refused before */
    for (int k = 0; k < 3; k++) cr_assert_eq(dense_fns[k](&A, &out), TMX_EUNSUP);
}

/* ---- iterative vs dense ---------------------------------------------------------------------- */

#define ITER_TOL 1e-10

static void check_sym(coo *A, const char *what)
{
    tmx_mat M;
    coo_dense(A, &M);
    double dense, nrm, fa = frob(&M);
    dense_all(&M, &dense, NULL, &nrm);
    tmx__iter_result r = {0};
    cr_assert_eq(tmx__op_sym_maxabs(A->n, coo_mv, A, ITER_TOL, &r), TMX_OK, "%s: %s", what,
                 tmx_last_error());
    cr_assert_gt(r.applies, 0);
    cr_assert_leq(r.residual, 1e-8 * fa, "%s: residual %g", what, r.residual);
    double dense_err = 10 * (double)A->n * EPS * fa;
    assert_close(r.value, dense, r.residual + dense_err, what);
    /* symmetric: ‖A‖₂ = max |λ| too */
    tmx__iter_result s = {0};
    cr_assert_eq(tmx__op_norm2(A->n, coo_mv, coo_mvt, A, ITER_TOL, &s), TMX_OK, "%s", tmx_last_error());
    assert_close(s.value, nrm, s.residual + dense_err, what);
    tmx_mat_destroy(&M);
}

Test(iterative, symmetric_random_sparse_agrees_with_dense_within_residual)
{
    rng_state = 2024;
    const int64_t sizes[3] = {200, 333, 500};
    for (int q = 0; q < 3; q++) {
        coo A;
        random_sym(&A, sizes[q], 3);
        check_sym(&A, "random sparse symmetric");
        coo_free(&A);
    }
}

Test(iterative, matchings_minus_J_agrees_with_dense_within_residual)
{
    rng_state = 7;
    coo A;
    random_matchings_minus_J(&A, 400, 3);
    check_sym(&A, "mean of 3 matchings, minus J");
    coo_free(&A);
}

/* Cycle adjacency at even n: eigenvalues 2cos(2πm/n), so +2 and −2 both occur (the ±ρ case). */
Test(iterative, cycle_with_plus_and_minus_two_finds_modulus_two)
{
    const int64_t n = 200;
    coo A;
    coo_init(&A, n, 2 * n);
    for (int64_t i = 0; i < n; i++) {
        coo_push(&A, i, (i + 1) % n, 1.0);
        coo_push(&A, i, (i + n - 1) % n, 1.0);
    }
    tmx__iter_result r = {0};
    cr_assert_eq(tmx__op_sym_maxabs(n, coo_mv, &A, ITER_TOL, &r), TMX_OK, "%s", tmx_last_error());
    assert_close(r.value, 2.0, r.residual, "cycle");
    coo_free(&A);
}

/* The ring's W − J at n = 500 (1/3 on three diagonals, minus the mean): ρ = (1 + 2cos(2π/n))/3 is a
 * double eigenvalue with a relative gap to the next one of ≈ 4π²/n²·… — a hard case for Lanczos. */
Test(iterative, ring_minus_J_at_500_matches_the_closed_form_within_residual)
{
    const int64_t n = 500;
    coo A;
    coo_init(&A, n, 3 * n);
    A.minus_mean = 1;
    for (int64_t i = 0; i < n; i++)
        for (int64_t d = -1; d <= 1; d++) coo_push(&A, i, (i + d + n) % n, 1.0 / 3.0);
    double want = (1.0 + 2.0 * cos(2.0 * PI / (double)n)) / 3.0;
    tmx__iter_result r = {0}, g = {0}, s = {0};
    cr_assert_eq(tmx__op_sym_maxabs(n, coo_mv, &A, ITER_TOL, &r), TMX_OK, "%s", tmx_last_error());
    cr_assert_eq(tmx__op_gen_maxabs(n, coo_mv, &A, ITER_TOL, &g), TMX_OK, "%s", tmx_last_error());
    cr_assert_eq(tmx__op_norm2(n, coo_mv, coo_mvt, &A, ITER_TOL, &s), TMX_OK, "%s", tmx_last_error());
    double round = 10 * (double)n * EPS; /* the operator's own rounding, ‖δA‖ ≲ n·eps */
    assert_close(r.value, want, r.residual + round, "sym");
    assert_close(g.value, want, g.residual + round, "gen (normal)");
    assert_close(s.value, want, s.residual + round, "norm2");
    coo_free(&A);
}

static void check_gen(coo *A, const char *what)
{
    tmx_mat M;
    coo_dense(A, &M);
    double dense, nrm, modulus, kappa, fa = frob(&M);
    dense_all(&M, NULL, &dense, &nrm);
    dominant_kappa(&M, &modulus, &kappa);
    tmx__iter_result r = {0}, s = {0};
    cr_assert_eq(tmx__op_gen_maxabs(A->n, coo_mv, A, ITER_TOL, &r), TMX_OK, "%s: %s", what,
                 tmx_last_error());
    cr_assert_leq(r.residual, 1e-8 * fa, "%s: residual %g", what, r.residual);
    double dense_err = 10 * (double)A->n * EPS * fa;
    assert_close(r.value, dense, 2 * kappa * r.residual + kappa * dense_err, what);
    cr_assert_eq(tmx__op_norm2(A->n, coo_mv, coo_mvt, A, ITER_TOL, &s), TMX_OK, "%s: %s", what,
                 tmx_last_error());
    assert_close(s.value, nrm, s.residual + dense_err, what);
    cr_assert_geq(s.value, r.value * (1 - 1e-12), "%s: ‖A‖₂ ≥ ρ(A)", what);
    tmx_mat_destroy(&M);
}

Test(iterative, nonnegative_random_sparse_agrees_with_dense)
{
    rng_state = 99;
    const int64_t sizes[2] = {250, 400};
    for (int q = 0; q < 2; q++) {
        coo A;
        random_nonneg(&A, sizes[q], 4);
        check_gen(&A, "random sparse nonnegative");
        coo_free(&A);
    }
}

Test(iterative, planted_complex_pair_agrees_with_dense)
{
    rng_state = 5;
    coo A;
    planted_pair(&A, 300, 3);
    check_gen(&A, "planted complex pair");
    coo_free(&A);
}

/* ARPACK needs ncv ≤ n; just above the dense fallback ncv = n. */
Test(iterative, sizes_around_the_dense_fallback_agree_with_dense)
{
    rng_state = 3;
    const int64_t sizes[] = {1, 2, 3, 5, 16, 17, 20, 32, 33, 40};
    for (size_t q = 0; q < sizeof sizes / sizeof *sizes; q++) {
        coo A;
        random_sym(&A, sizes[q], 2);
        check_sym(&A, "small symmetric");
        coo_free(&A);
        random_nonneg(&A, sizes[q], 2);
        check_gen(&A, "small nonnegative");
        coo_free(&A);
    }
}

Test(iterative, dense_fallback_handles_a_complex_pair)
{
    rng_state = 8;
    coo A;
    planted_pair(&A, 9, 1);
    check_gen(&A, "planted pair, n = 9");
    coo_free(&A);
}

static void zero_op(const double *x, double *y, void *ctx)
{
    int64_t n = *(const int64_t *)ctx;
    (void)x;
    for (int64_t i = 0; i < n; i++) y[i] = 0.0;
}

/* ARPACK stops with "starting vector is zero" on the zero operator; the kernels answer 0. */
Test(iterative, zero_operator_gives_zero_with_zero_residual)
{
    int64_t n = 100;
    tmx__iter_result r = {1, 1, 0, NULL};
    cr_assert_eq(tmx__op_sym_maxabs(n, zero_op, &n, ITER_TOL, &r), TMX_OK, "%s", tmx_last_error());
    cr_assert(r.value == 0.0 && r.residual == 0.0 && r.applies > 0);
    r.value = 1;
    cr_assert_eq(tmx__op_gen_maxabs(n, zero_op, &n, ITER_TOL, &r), TMX_OK, "%s", tmx_last_error());
    cr_assert(r.value == 0.0 && r.residual == 0.0);
    r.value = 1;
    cr_assert_eq(tmx__op_norm2(n, zero_op, zero_op, &n, ITER_TOL, &r), TMX_OK, "%s", tmx_last_error());
    cr_assert(r.value == 0.0 && r.residual == 0.0);
}

Test(iterative, repeated_calls_give_the_same_result)
{
    rng_state = 42;
    coo A;
    random_sym(&A, 300, 3);
    tmx__iter_result a = {0}, b = {0};
    cr_assert_eq(tmx__op_sym_maxabs(A.n, coo_mv, &A, ITER_TOL, &a), TMX_OK);
    cr_assert_eq(tmx__op_sym_maxabs(A.n, coo_mv, &A, ITER_TOL, &b), TMX_OK);
    cr_assert_eq(a.applies, b.applies);
    assert_close(a.value, b.value, 4 * EPS * a.value, "repeat");
    coo_free(&A);
}

/* ---- iterative: errors --------------------------------------------------------------------- */

Test(iterative, nonpositive_n_is_einval)
{
    int64_t n = 10;
    tmx__iter_result r = {0};
    const int64_t bad[2] = {0, -5};
    for (int q = 0; q < 2; q++) {
        cr_assert_eq(tmx__op_sym_maxabs(bad[q], zero_op, &n, ITER_TOL, &r), TMX_EINVAL);
        cr_assert_eq(tmx__op_gen_maxabs(bad[q], zero_op, &n, ITER_TOL, &r), TMX_EINVAL);
        cr_assert_eq(tmx__op_norm2(bad[q], zero_op, zero_op, &n, ITER_TOL, &r), TMX_EINVAL);
        cr_assert(strstr(tmx_last_error(), "positive") != NULL, "message: %s", tmx_last_error());
    }
}

Test(iterative, null_arguments_are_einval)
{
    int64_t n = 10;
    tmx__iter_result r = {0};
    cr_assert_eq(tmx__op_sym_maxabs(n, NULL, &n, ITER_TOL, &r), TMX_EINVAL);
    cr_assert_eq(tmx__op_gen_maxabs(n, zero_op, &n, ITER_TOL, NULL), TMX_EINVAL);
    cr_assert_eq(tmx__op_norm2(n, zero_op, NULL, &n, ITER_TOL, &r), TMX_EINVAL);
    cr_assert_eq(tmx__op_norm2(n, NULL, zero_op, &n, ITER_TOL, &r), TMX_EINVAL);
}

Test(iterative, bad_tolerance_is_einval)
{
    int64_t n = 50;
    tmx__iter_result r = {0};
    const double bad[3] = {-1e-8, NAN, INFINITY};
    for (int q = 0; q < 3; q++) {
        cr_assert_eq(tmx__op_sym_maxabs(n, zero_op, &n, bad[q], &r), TMX_EINVAL);
        cr_assert_eq(tmx__op_gen_maxabs(n, zero_op, &n, bad[q], &r), TMX_EINVAL);
        cr_assert_eq(tmx__op_norm2(n, zero_op, zero_op, &n, bad[q], &r), TMX_EINVAL);
    }
}

Test(iterative, size_beyond_arpack_int_is_eunsup)
{
    int64_t n = 10, big = (int64_t)INT_MAX + 1;
    tmx__iter_result r = {0};
    cr_assert_eq(tmx__op_sym_maxabs(big, zero_op, &n, ITER_TOL, &r), TMX_EUNSUP);
    cr_assert_eq(tmx__op_gen_maxabs(big, zero_op, &n, ITER_TOL, &r), TMX_EUNSUP);
    cr_assert_eq(tmx__op_norm2(big, zero_op, zero_op, &n, ITER_TOL, &r), TMX_EUNSUP);
}

static void nan_op(const double *x, double *y, void *ctx)
{
    int64_t n = *(const int64_t *)ctx;
    for (int64_t i = 0; i < n; i++) y[i] = x[i];
    y[n / 2] = NAN;
}

Test(iterative, non_finite_operator_output_is_einval)
{
    const int64_t sizes[2] = {8, 100}; /* dense fallback and ARPACK */
    for (int q = 0; q < 2; q++) {
        int64_t n = sizes[q];
        tmx__iter_result r = {0};
        cr_assert_eq(tmx__op_sym_maxabs(n, nan_op, &n, ITER_TOL, &r), TMX_EINVAL);
        cr_assert(strstr(tmx_last_error(), "non-finite") != NULL, "message: %s", tmx_last_error());
        cr_assert_eq(tmx__op_gen_maxabs(n, nan_op, &n, ITER_TOL, &r), TMX_EINVAL);
        cr_assert_eq(tmx__op_norm2(n, nan_op, nan_op, &n, ITER_TOL, &r), TMX_EINVAL);
    }
}

static void shift_op(const double *x, double *y, void *ctx)
{
    int64_t n = *(const int64_t *)ctx;
    for (int64_t i = 0; i < n; i++) y[i] = x[(i + 1) % n];
}

/* The cyclic shift has all n eigenvalues on the unit circle: "largest modulus" cannot be
 * separated, and Arnoldi with 32 vectors never converges for n = 100. */
Test(iterative, cyclic_shift_does_not_converge_enoconv)
{
    int64_t n = 100;
    tmx__iter_result r = {0};
    cr_assert_eq(tmx__op_gen_maxabs(n, shift_op, &n, ITER_TOL, &r), TMX_ENOCONV);
    cr_assert(strstr(tmx_last_error(), "did not converge") != NULL, "message: %s", tmx_last_error());
}

/* ---- OpenBLAS kernel selection --------------------------------------------------------------- */

Test(blas, corename_is_a_nonempty_name)
{
    const char *c = tmx_blas_corename();
    cr_assert(c != NULL && c[0] != '\0');
}

Test(blas, fix_coretype_respects_a_set_coretype)
{
    cr_assert_eq(setenv("OPENBLAS_CORETYPE", "Haswell", 1), 0);
    char *argv[] = {(char *)"test_kernels", NULL};
    cr_assert_eq(tmx_blas_fix_coretype(argv), 0); /* and did not re-execute */
}

/* Without argv it cannot re-execute: 0 when nothing is needed, else -1 with the environment left
 * unchanged. */
Test(blas, fix_coretype_without_argv_changes_nothing)
{
    cr_assert_eq(unsetenv("OPENBLAS_CORETYPE"), 0);
    int rc = tmx_blas_fix_coretype(NULL);
    cr_assert(rc == 0 || rc == -1, "rc %d", rc);
    cr_assert_null(getenv("OPENBLAS_CORETYPE"));
    cr_assert_null(getenv("TMX_BLAS_REEXEC"));
}
