/* Base-(k+1) graph (Takezawa et al. 2023): exact averaging after one period for every n, degree
 * at most k, period at most 2·log_{k+1}(n) + 2. docs/definitions.md §2 and §5. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <topomix/topomix.h>

static tmx_topo *basek(int64_t n, int64_t k)
{
    tmx_topo_params p;
    tmx_topo_params_init(&p);
    p.n = n;
    p.k = k;
    tmx_topo *t = NULL;
    cr_assert_eq(tmx_topo_new("base-k", &p, &t), TMX_OK, "n=%lld k=%lld: %s", (long long)n, (long long)k,
                 tmx_last_error());
    return t;
}

/* (k+1)^(P-2) <= n^2, i.e. P <= 2 log_{k+1} n + 2, decided in integers. */
static int period_within_bound(int64_t P, int64_t n, int64_t k)
{
    if (P <= 2) return 1;
    int64_t lhs = 1, rhs = n * n; /* n <= 2^31 here: no overflow; lhs <= rhs before each multiply */
    for (int64_t i = 0; i < P - 2; i++) {
        lhs *= (k + 1);
        if (lhs > rhs) return 0;
    }
    return 1;
}

/* max_ij |(W^(P-1)…W^(0))_ij − 1/n|, products formed densely (row-major X ← W X). */
static double product_error(const tmx_topo *t, int64_t from)
{
    int64_t n = tmx_topo_n(t), P = tmx_topo_period(t);
    double *X = calloc((size_t)(n * n), sizeof *X), *Y = malloc((size_t)(n * n) * sizeof *Y);
    for (int64_t i = 0; i < n; i++) X[i * n + i] = 1.0;
    tmx_csr W = {0};
    for (int64_t s = 0; s < P; s++) {
        cr_assert_eq(tmx_topo_weights(t, from + s, &W), TMX_OK);
        memset(Y, 0, (size_t)(n * n) * sizeof *Y);
        for (int64_t i = 0; i < n; i++)
            for (int64_t e = W.rowptr[i]; e < W.rowptr[i + 1]; e++)
                for (int64_t j = 0; j < n; j++) Y[i * n + j] += W.val[e] * X[W.col[e] * n + j];
        double *tmp = X;
        X = Y;
        Y = tmp;
    }
    double err = 0.0;
    for (int64_t q = 0; q < n * n; q++) err = fmax(err, fabs(X[q] - 1.0 / (double)n));
    tmx_csr_destroy(&W);
    free(X);
    free(Y);
    return err;
}

Test(basek, one_period_averages_exactly_for_every_n_up_to_100_and_k_up_to_4)
{
    /* Each step multiplies by a doubly stochastic matrix with ≤ k+1 nonzeros per row, so each
     * entry of the product picks up ≤ (k+1)·eps of relative rounding per step: with P ≤ 16 steps and
     * k ≤ 4 that is ≤ 80·eps ≈ 1.8e-14 of 1/n-sized entries. 1e-13 leaves a 5x margin. */
    for (int64_t k = 1; k <= 4; k++)
        for (int64_t n = 1; n <= 100; n++) {
            tmx_topo *t = basek(n, k);
            int64_t P = tmx_topo_period(t);
            cr_assert_geq(P, 1);
            cr_assert(period_within_bound(P, n, k), "n=%lld k=%lld: period %lld above 2 log_{k+1} n + 2",
                      (long long)n, (long long)k, (long long)P);
            double err = product_error(t, 0);
            cr_assert_leq(err, 1e-13, "n=%lld k=%lld: |prod - J|_max = %g", (long long)n, (long long)k, err);
            for (int64_t s = 0; s < P; s++) {
                tmx_topo_report r;
                cr_assert_eq(tmx_topo_validate(t, s, 1e-12, &r), TMX_OK);
                cr_assert_leq(r.step.max_in_degree, k, "n=%lld k=%lld step %lld: degree %lld", (long long)n,
                              (long long)k, (long long)s, (long long)r.step.max_in_degree);
                cr_assert(r.step.symmetric && r.step.doubly_stochastic && r.step.nonnegative,
                          "n=%lld k=%lld step %lld not symmetric doubly stochastic", (long long)n, (long long)k,
                          (long long)s);
            }
            tmx_topo_free(t);
        }
}

Test(basek, periods_match_the_papers_examples)
{
    tmx_topo *t = basek(17, 1);
    cr_assert_eq(tmx_topo_period(t), 9);
    tmx_topo_free(t);
    for (int m = 1; m <= 10; m++) {
        t = basek((int64_t)1 << m, 1);
        cr_assert_eq(tmx_topo_period(t), m, "n=2^%d", m);
        tmx_topo_free(t);
    }
    t = basek(1, 1);
    cr_assert_eq(tmx_topo_period(t), 1);
    tmx_topo_free(t);
}

Test(basek, steps_repeat_with_the_period)
{
    tmx_topo *t = basek(23, 2);
    int64_t P = tmx_topo_period(t);
    tmx_csr A = {0}, B = {0};
    for (int64_t s = 0; s < P; s++) {
        cr_assert_eq(tmx_topo_weights(t, s, &A), TMX_OK);
        cr_assert_eq(tmx_topo_weights(t, s + 3 * P, &B), TMX_OK);
        cr_assert_eq(A.nnz, B.nnz);
        cr_assert(!memcmp(A.val, B.val, (size_t)A.nnz * sizeof(double)));
    }
    tmx_csr_destroy(&A);
    tmx_csr_destroy(&B);
    tmx_topo_free(t);
}
