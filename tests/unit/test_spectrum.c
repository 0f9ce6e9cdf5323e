/* tmx_spectrum (topomix plot spectrum, docs/definitions.md §21): every eigenvalue of a mixing matrix
 * against closed forms, the symmetric/general paths, the order, and the refusals. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <topomix/topomix.h>

#define EPS 2.220446049250313e-16

/* Backward-stable dense eigensolvers on W with ‖W‖₂ = 1: |computed − exact| ≤ c·n·eps, and the
 * circulant W below are normal, so their eigenvalues are perfectly conditioned; c = 4 is generous
 * for LAPACK's reductions (as in test_spectral). */
static double tol(int64_t n) { return 4.0 * (double)n * EPS; }

static void weights(const char *name, int64_t n, tmx_csr *W)
{
    tmx_topo_params p;
    tmx_topo_params_init(&p);
    p.n = n;
    tmx_topo *t = NULL;
    cr_assert_eq(tmx_topo_new(name, &p, &t), TMX_OK, "%s: %s", name, tmx_last_error());
    cr_assert_eq(tmx_topo_weights(t, 0, W), TMX_OK, "%s: %s", name, tmx_last_error());
    tmx_topo_free(t);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

Test(spectrum, ring_matches_the_closed_form_ascending)
{
    /* ring with weights 1/3: λ_k = (1 + 2 cos(2πk/n))/3, k = 0..n−1 */
    const int64_t n = 12;
    tmx_csr W = {0};
    weights("ring", n, &W);
    double re[12], im[12], want[12];
    int sym = -1;
    cr_assert_eq(tmx_spectrum(&W, re, im, &sym), TMX_OK, "%s", tmx_last_error());
    cr_assert_eq(sym, 1, "a symmetric W takes the symmetric path");
    for (int64_t k = 0; k < n; k++) want[k] = (1.0 + 2.0 * cos(2.0 * M_PI * (double)k / (double)n)) / 3.0;
    qsort(want, (size_t)n, sizeof *want, cmp_double);
    for (int64_t k = 0; k < n; k++) {
        cr_assert_eq(im[k], 0.0);
        cr_assert(fabs(re[k] - want[k]) <= tol(n), "λ_%lld = %.17g, closed form %.17g", (long long)k, re[k], want[k]);
        if (k) cr_assert(re[k] >= re[k - 1], "ascending");
    }
    tmx_csr_destroy(&W);
}

Test(spectrum, dring_is_complex_and_sorted_by_modulus)
{
    /* dring: W = (I + P)/2 with P the cyclic shift, λ_k = (1 + e^{2πik/n})/2, |λ_k| = |cos(πk/n)| */
    const int64_t n = 9;
    tmx_csr W = {0};
    weights("dring", n, &W);
    double re[9], im[9];
    int sym = -1;
    cr_assert_eq(tmx_spectrum(&W, re, im, &sym), TMX_OK, "%s", tmx_last_error());
    cr_assert_eq(sym, 0, "a non-symmetric W takes the general path");
    cr_assert(fabs(re[0] - 1.0) <= tol(n) && fabs(im[0]) <= tol(n), "the eigenvalue 1 first: %g%+gi", re[0], im[0]);
    int matched[9] = {0};
    for (int64_t i = 0; i < n; i++) {
        if (i) cr_assert(hypot(re[i], im[i]) <= hypot(re[i - 1], im[i - 1]) + tol(n), "decreasing modulus");
        int64_t best = -1;
        double err = INFINITY;
        for (int64_t k = 0; k < n; k++) {
            double e = hypot(re[i] - (1.0 + cos(2.0 * M_PI * (double)k / (double)n)) / 2.0,
                             im[i] - sin(2.0 * M_PI * (double)k / (double)n) / 2.0);
            if (!matched[k] && e < err) err = e, best = k;
        }
        cr_assert(best >= 0 && err <= tol(n), "%g%+gi is no eigenvalue of dring (nearest off by %g)", re[i], im[i], err);
        matched[best] = 1;
    }
    /* a conjugate pair: positive imaginary part first */
    for (int64_t i = 1; i + 1 < n; i += 2) cr_assert(im[i] > 0 && fabs(im[i] + im[i + 1]) <= tol(n));
    tmx_csr_destroy(&W);
}

Test(spectrum, refusals)
{
    tmx_csr W = {0};
    double x[1];
    cr_assert_eq(tmx_spectrum(NULL, x, x, NULL), TMX_EINVAL);
    cr_assert_eq(tmx_csr_identity(&W, TMX_DENSE_MAX_N + 1), TMX_OK);
    double *re = malloc((size_t)W.n * sizeof *re), *im = malloc((size_t)W.n * sizeof *im);
    cr_assert_eq(tmx_spectrum(&W, re, im, NULL), TMX_EUNSUP, "n beyond the dense limit is refused");
    cr_assert(strstr(tmx_last_error(), "dense limit") != NULL, "%s", tmx_last_error());
    free(re);
    free(im);
    tmx_csr_destroy(&W);
}
