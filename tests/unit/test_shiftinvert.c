/* Shift-invert Lanczos (lib/src/spectral/shiftinvert.c), through CHOLMOD's sparse factor and through
 * LAPACK's dense one, against the reference paths: the dense tridiagonal reduction on grids up to
 * n = 4096 and on other families, the DFT closed form on tori and rings, and a W whose most negative
 * eigenvalue dominates (the second factorisation). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <topomix/topomix.h>

#include "internal.h"
#include "spectral/kernels.h"

#define EPS 2.220446049250313e-16

static tmx_topo *make(const char *name, int64_t n, int64_t rows)
{
    tmx_topo_params p;
    tmx_topo_params_init(&p);
    p.n = n;
    p.rows = rows;
    tmx_topo *t = NULL;
    cr_assert_eq(tmx_topo_new(name, &p, &t), TMX_OK, "%s n=%lld: %s", name, (long long)n, tmx_last_error());
    return t;
}

typedef struct si {
    double slem, gap, res;
    int64_t solves;
} si;

static si shift_invert(const tmx_csr *W)
{
    si s;
    tmx_status st = tmx__rate_shift_invert(W, &s.slem, &s.gap, &s.res, &s.solves);
    cr_assert_eq(st, TMX_OK, "n=%lld: %s", (long long)W->n, tmx_last_error());
    cr_assert(s.solves > 0);
    return s;
}

static si dense_shift_invert(const tmx_csr *W)
{
    si s = {0, 0, 0, 0};
    tmx_status st = tmx__rate_dense_shift_invert(W, &s.slem, &s.gap, &s.res, &s.solves);
    cr_assert_eq(st, TMX_OK, "n=%lld: %s", (long long)W->n, tmx_last_error());
    cr_assert(s.solves > 0);
    return s;
}

/* The reference: max |λ| of the dense W − J by the tridiagonal reduction and bisection (dense.c),
 * which tmx_rate_csr's dense method no longer takes for symmetric W from n = 2048 on. */
static double tridiagonal_slem(const tmx_csr *W)
{
    tmx_mat A = {0};
    cr_assert_eq(tmx_csr_to_dense(W, &A), TMX_OK);
    for (size_t q = 0; q < (size_t)W->n * (size_t)W->n; q++) A.data[q] -= 1.0 / (double)W->n;
    double slem = 0.0;
    cr_assert_eq(tmx__dense_sym_maxabs(&A, &slem), TMX_OK, "%s", tmx_last_error());
    tmx_mat_destroy(&A);
    return slem;
}

/* Dense: dsyev's eigenvalues are backward stable, |λ̂ − λ| ≤ c·n·eps·‖W − J‖₂ with ‖W − J‖₂ ≤ 1
 * (c = 4, as in test_spectral.c). Shift-invert: ARPACK stops at a relative residual of 1e-12 on
 * θ = 1/gap, and the solves carry a relative error of about κ(I − W)·eps = eps/gap; both are far
 * below the dense bound at these sizes, so the dense bound is the tolerance. */
Test(shiftinvert, grids_against_dense)
{
    static const int64_t side[][2] = {{4, 4}, {5, 7}, {16, 16}, {20, 50}, {32, 64}, {64, 64}};
    for (size_t q = 0; q < sizeof side / sizeof side[0]; q++) {
        int64_t r = side[q][0], c = side[q][1], n = r * c;
        tmx_topo *t = make("grid", n, r);
        tmx_csr W = {0};
        cr_assert_eq(tmx_topo_weights(t, 0, &W), TMX_OK);
        tmx_rate d;
        d.slem = tridiagonal_slem(&W);
        d.gap = 1.0 - d.slem;
        si s = shift_invert(&W);
        double tol = 4.0 * (double)n * EPS;
        cr_expect(fabs(s.slem - d.slem) <= tol, "grid %lldx%lld: slem %.17g, dense %.17g", (long long)r, (long long)c,
                  s.slem, d.slem);
        cr_expect(fabs(s.gap - d.gap) <= tol, "grid %lldx%lld: gap %.17g, dense %.17g", (long long)r, (long long)c,
                  s.gap, d.gap);
        /* the residual is measured with W itself, so it bounds the distance to an eigenvalue */
        cr_expect(s.res <= 1e-10, "grid %lldx%lld: residual %g", (long long)r, (long long)c, s.res);
        tmx_csr_destroy(&W);
        tmx_topo_free(t);
    }
}

/* Tori are circulant: the DFT gives λ₂ from sums of five terms, to a few ulps. Shift-invert's gap
 * is relative to the gap (θ = 1/gap is what ARPACK converges, to 1e-12 relative), with the solves'
 * κ·eps = eps/gap ≤ 1e-11 here: 1e-9 relative leaves room for both. */
Test(shiftinvert, tori_against_dft)
{
    static const int64_t side[][2] = {{10, 10}, {30, 40}, {100, 100}, {150, 200}};
    for (size_t q = 0; q < sizeof side / sizeof side[0]; q++) {
        int64_t r = side[q][0], c = side[q][1], n = r * c;
        tmx_topo *t = make("torus", n, r);
        tmx_rate f;
        cr_assert_eq(tmx_rate_topo(t, 0, TMX_METHOD_DFT, &f), TMX_OK, "%s", tmx_last_error());
        tmx_csr W = {0};
        cr_assert_eq(tmx_topo_weights(t, 0, &W), TMX_OK);
        si s = shift_invert(&W);
        cr_expect(fabs(s.gap - f.gap) <= 1e-9 * f.gap, "torus %lldx%lld: gap %.17g, DFT %.17g", (long long)r,
                  (long long)c, s.gap, f.gap);
        cr_expect(fabs(s.slem - f.slem) <= 1e-9 * f.gap + 4 * EPS, "torus %lldx%lld: slem %.17g, DFT %.17g",
                  (long long)r, (long long)c, s.slem, f.slem);
        tmx_csr_destroy(&W);
        tmx_topo_free(t);
    }
}

/* K_{m,m} with diagonal δ and (1 − δ)/m across: eigenvalues 1, 2δ − 1 (once) and δ (the rest), so
 * for δ = 0.1 the SLEM is |2δ − 1| = 0.8 from the bottom of the spectrum, which Gershgorin's discs
 * (lower end δ − (1 − δ) = −0.8) cannot rule out: the second factorisation of I + W must find it. */
/* K_{m,m}: diagonal δ (none when δ = 0), (1 − δ)/m to each node of the other side. */
static tmx_csr complete_bipartite(int64_t m, double delta)
{
    int64_t n = 2 * m, cnt = n + 2 * m * m;
    int64_t *ti = malloc((size_t)cnt * sizeof *ti), *tj = malloc((size_t)cnt * sizeof *tj);
    double *tv = malloc((size_t)cnt * sizeof *tv);
    cr_assert(ti && tj && tv);
    int64_t q = 0;
    for (int64_t i = 0; i < n; i++) {
        if (delta > 0) ti[q] = i, tj[q] = i, tv[q] = delta, q++;
        for (int64_t j = (i < m ? m : 0); j < (i < m ? n : m); j++) ti[q] = i, tj[q] = j, tv[q] = (1.0 - delta) / m, q++;
    }
    tmx_csr W = {0};
    cr_assert_eq(tmx_csr_from_triplets(&W, n, q, ti, tj, tv), TMX_OK);
    free(ti), free(tj), free(tv);
    return W;
}

Test(shiftinvert, negative_end_dominates)
{
    tmx_csr W = complete_bipartite(60, 0.1);
    si s = shift_invert(&W);
    /* 0.8 and the gap 0.2 are exact; the solves' errors are O(κ·eps) with κ ≤ 1/0.1 */
    cr_expect(fabs(s.slem - 0.8) <= 1e-12, "slem %.17g, expected 0.8", s.slem);
    cr_expect(fabs(s.gap - 0.2) <= 1e-12, "gap %.17g, expected 0.2", s.gap);
    tmx_csr_destroy(&W);
}

/* What shift-invert does not take, it refuses with TMX_EUNSUP, and tmx_rate_csr's iterative path
 * then answers by plain Lanczos: a non-symmetric W, rows not summing to 1. */
Test(shiftinvert, declines_what_it_cannot_do)
{
    tmx_topo *t = make("exp", 64, 0);
    tmx_csr W = {0};
    cr_assert_eq(tmx_topo_weights(t, 0, &W), TMX_OK);
    si s;
    cr_expect_eq(tmx__rate_shift_invert(&W, &s.slem, &s.gap, &s.res, &s.solves), TMX_EUNSUP);
    tmx_csr_destroy(&W);
    tmx_topo_free(t);

    t = make("ring", 100, 0);
    cr_assert_eq(tmx_topo_weights(t, 0, &W), TMX_OK);
    for (int64_t e = 0; e < W.nnz; e++) W.val[e] *= 0.5; /* rows sum to 1/2 */
    cr_expect_eq(tmx__rate_shift_invert(&W, &s.slem, &s.gap, &s.res, &s.solves), TMX_EUNSUP);
    tmx_rate it, d;
    cr_assert_eq(tmx_rate_csr(&W, TMX_METHOD_ITERATIVE, &it), TMX_OK, "%s", tmx_last_error());
    cr_assert_eq(tmx_rate_csr(&W, TMX_METHOD_DENSE, &d), TMX_OK, "%s", tmx_last_error());
    cr_expect(fabs(it.slem - d.slem) <= 1e-10, "plain Lanczos %.17g, dense %.17g", it.slem, d.slem);
    tmx_csr_destroy(&W);
    tmx_topo_free(t);
}

/* The dense form against the tridiagonal reduction on families with different spectra: a tiny gap
 * (ring, grid), a clustered top (hypercube: eigenvalue multiplicities C(log n, k)), a star (one
 * hub), random graphs, and Gershgorin's discs failing (the second factorisation). Both paths are
 * backward stable with errors c·n·eps·‖W − J‖₂ (c = 4 as above); ARPACK's 1e-12 on θ = 1/gap and
 * the solves' eps/gap stay below that at these sizes. */
Test(shiftinvert, dense_form_against_tridiagonal)
{
    static const struct {
        const char *name;
        int64_t n, rows;
        int params; /* 1: er's p, 2: random-regular's degree, 3: small-world's k and p */
    } cases[] = {{"ring", 600, 0, 0},  {"ring", 1001, 0, 0}, {"grid", 1000, 20, 0},          {"torus", 1024, 32, 0},
                 {"hypercube", 512, 0, 0}, {"star", 600, 0, 0}, {"er", 700, 0, 1}, {"random-regular", 800, 0, 2},
                 {"small-world", 600, 0, 3}};
    for (size_t q = 0; q < sizeof cases / sizeof cases[0]; q++) {
        tmx_topo_params p;
        tmx_topo_params_init(&p);
        p.n = cases[q].n;
        p.rows = cases[q].rows;
        if (cases[q].params == 1) p.p = 0.02;
        if (cases[q].params == 2) p.degree = 4;
        if (cases[q].params == 3) p.k = 4, p.p = 0.1;
        tmx_topo *t = NULL;
        cr_assert_eq(tmx_topo_new(cases[q].name, &p, &t), TMX_OK, "%s: %s", cases[q].name, tmx_last_error());
        tmx_csr W = {0};
        cr_assert_eq(tmx_topo_weights(t, 0, &W), TMX_OK);
        double ref = tridiagonal_slem(&W), tol = 4.0 * (double)W.n * EPS;
        si s = dense_shift_invert(&W);
        cr_expect(fabs(s.slem - ref) <= tol, "%s n=%lld: slem %.17g, tridiagonal %.17g", cases[q].name,
                  (long long)W.n, s.slem, ref);
        cr_expect(fabs(s.gap - (1.0 - ref)) <= tol, "%s n=%lld: gap %.17g, tridiagonal %.17g", cases[q].name,
                  (long long)W.n, s.gap, 1.0 - ref);
        cr_expect(s.res <= 1e-10, "%s n=%lld: residual %g", cases[q].name, (long long)W.n, s.res);
        /* and tmx_rate_csr's dense method (by size and spectrum this path, certified Lanczos or the
         * reduction) says the same */
        tmx_rate d;
        cr_assert_eq(tmx_rate_csr(&W, TMX_METHOD_DENSE, &d), TMX_OK, "%s", tmx_last_error());
        cr_expect(fabs(d.slem - ref) <= tol, "%s: rate_csr dense %.17g, tridiagonal %.17g", cases[q].name, d.slem, ref);
        tmx_csr_destroy(&W);
        tmx_topo_free(t);
    }
}

/* The ring's gap from the DFT (all digits, docs/performance.md §2): the dense form computes it as
 * 1/θ directly, so it keeps relative precision where 1 − slem of the tridiagonal path keeps about
 * eps/gap: at n = 2000, gap ≈ 3.3e-6, that is 1e-9 relative against 7e-11 here. */
Test(shiftinvert, dense_form_keeps_the_gap_digits)
{
    tmx_topo *t = make("ring", 2000, 0);
    tmx_rate f;
    cr_assert_eq(tmx_rate_topo(t, 0, TMX_METHOD_DFT, &f), TMX_OK, "%s", tmx_last_error());
    tmx_csr W = {0};
    cr_assert_eq(tmx_topo_weights(t, 0, &W), TMX_OK);
    si s = dense_shift_invert(&W);
    /* ARPACK's 1e-12 on θ, and the solves' relative error eps·κ = eps/gap ≈ 7e-11 */
    cr_expect(fabs(s.gap - f.gap) <= 1e-10 * f.gap, "gap %.17g, DFT %.17g", s.gap, f.gap);
    tmx_csr_destroy(&W);
    tmx_topo_free(t);
}

/* K_{m,m} as in negative_end_dominates, through the dense form (directly, and through the dense method): the
 * SLEM 0.8 comes from I + W − J's factor. With δ = 0 the bottom eigenvalue is −1: I + W − J is
 * singular, and whether dpotrf stops or rounding lets it through with a tiny pivot, the answer
 * must be a SLEM of 1 (a bipartite, periodic W never averages). */
Test(shiftinvert, dense_form_negative_end)
{
    const int64_t m = 300, n = 2 * m;
    for (int k = 0; k < 2; k++) {
        const double delta = k == 0 ? 0.1 : 0.0;
        tmx_csr W = complete_bipartite(m, delta);
        tmx_rate d;
        cr_assert_eq(tmx_rate_csr(&W, TMX_METHOD_DENSE, &d), TMX_OK, "%s", tmx_last_error());
        double want = k == 0 ? 0.8 : 1.0;
        cr_expect(fabs(d.slem - want) <= 4.0 * (double)n * EPS, "delta %g: slem %.17g, expected %g", delta, d.slem, want);
        if (k == 0) {
            si s = dense_shift_invert(&W);
            cr_expect(fabs(s.gap - 0.2) <= 1e-12, "gap %.17g, expected 0.2", s.gap);
        }
        tmx_csr_destroy(&W);
    }
}

/* The dense method from n = 1024 takes shift-invert when one factorisation will do. The pre-test:
 * Gershgorin's lower end against a Rayleigh-quotient lower bound of λ₂. Rings and tori (λ₂ near 1,
 * lower end −1/3 or −3/5 under Metropolis weights) pass; the hypercube (λ_n = −λ₂ exactly, so no
 * lower bound of λ₂ can clear the lower end) and K_{m,m} (λ_n = −0.8 < −λ₂ = 0) do not; a lazy W
 * (every disc in [0, 1]) passes without the quotient. Then through tmx_rate_csr: rings of 512 and 1024 by
 * shift-invert (solves counted) with the DFT's gap to 1e-10 relative (ARPACK's 1e-12 on θ and the
 * solves' eps/gap ≈ 2e-11); hypercubes of 1024 and 2048 without shift-invert (no solves: the
 * certified Lanczos of dense.c, whose interval [θ − r, θ + δ] with δ ≤ 1e-12·θ lies inside the dense
 * bound 4·n·eps at these sizes) at their SLEM 1 − 2/(log₂ n + 1). */
Test(shiftinvert, dense_method_one_factor_from_512)
{
    static const struct {
        const char *name;
        int64_t n, rows;
        int lazy, want;
    } cases[] = {{"ring", 1024, 0, 0, 1}, {"torus", 1024, 32, 0, 1}, {"ring", 1500, 0, 1, 1}, {"hypercube", 1024, 0, 0, 0},
                 {"hypercube", 64, 0, 0, 0}, {"exp", 1024, 0, 0, 1}};
    for (size_t q = 0; q < sizeof cases / sizeof *cases; q++) {
        tmx_topo_params p;
        tmx_topo_params_init(&p);
        p.n = cases[q].n;
        p.rows = cases[q].rows;
        if (cases[q].lazy) p.weights = TMX_WEIGHTS_LAZY;
        tmx_topo *t = NULL;
        cr_assert_eq(tmx_topo_new(cases[q].name, &p, &t), TMX_OK, "%s: %s", cases[q].name, tmx_last_error());
        tmx_csr W = {0};
        cr_assert_eq(tmx_topo_weights(t, 0, &W), TMX_OK);
        if (tmx__csr_exactly_symmetric(&W))
            cr_expect_eq(tmx__shift_invert_one_factor(&W), cases[q].want, "%s n=%lld%s", cases[q].name,
                         (long long)cases[q].n, cases[q].lazy ? " lazy" : "");
        tmx_csr_destroy(&W);
        tmx_topo_free(t);
    }
    tmx_csr B = complete_bipartite(40, 0.1);
    cr_expect_eq(tmx__shift_invert_one_factor(&B), 0, "K_{40,40}: the negative end dominates");
    tmx_csr_destroy(&B);

    tmx_topo *t;
    tmx_rate f, d;
    for (int64_t n = 512; n <= 1024; n *= 2) {
        t = make("ring", n, 0);
        cr_assert_eq(tmx_rate_topo(t, 0, TMX_METHOD_DFT, &f), TMX_OK, "%s", tmx_last_error());
        cr_assert_eq(tmx_rate_topo(t, 0, TMX_METHOD_DENSE, &d), TMX_OK, "%s", tmx_last_error());
        cr_expect(d.iterations > 0, "ring %lld: the dense method did not take shift-invert", (long long)n);
        cr_expect(fabs(d.gap - f.gap) <= 1e-10 * f.gap, "ring %lld: gap %.17g, DFT %.17g", (long long)n, d.gap, f.gap);
        tmx_topo_free(t);
    }
    for (int64_t n = 1024, k = 10; n <= 2048; n *= 2, k++) {
        t = make("hypercube", n, 0);
        cr_assert_eq(tmx_rate_topo(t, 0, TMX_METHOD_DENSE, &d), TMX_OK, "%s", tmx_last_error());
        cr_expect_eq(d.iterations, 0, "hypercube %lld: shift-invert ran (two factorisations)", (long long)n);
        double want = 1.0 - 2.0 / (double)(k + 1);
        cr_expect(fabs(d.slem - want) <= 4.0 * (double)n * EPS, "hypercube %lld: slem %.17g, expected %.17g", (long long)n,
                  d.slem, want);
        tmx_topo_free(t);
    }
}
