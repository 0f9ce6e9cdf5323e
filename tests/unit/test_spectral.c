/* Theorems and closed forms of docs/definitions.md §4–§5 as regression tests: known spectra, the
 * exponential-graph theorem, agreement of the dense, DFT and iterative paths, ρ(W^q) = ρ(W)^q,
 * exact averaging, sequence rates. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <topomix/topomix.h>
#include <unistd.h>

#include "internal.h"

#define EPS 2.220446049250313e-16

static tmx_topo *make(const char *name, int64_t n)
{
    tmx_topo_params p;
    tmx_topo_params_init(&p);
    p.n = n;
    tmx_topo *t = NULL;
    cr_assert_eq(tmx_topo_new(name, &p, &t), TMX_OK, "%s n=%lld: %s", name, (long long)n, tmx_last_error());
    return t;
}

static tmx_rate rate(const tmx_topo *t, int64_t k, tmx_method m)
{
    tmx_rate r;
    tmx_status st = tmx_rate_topo(t, k, m, &r);
    cr_assert_eq(st, TMX_OK, "%s n=%lld method %s: %s", tmx_topo_name(t), (long long)tmx_topo_n(t),
                 tmx_method_name(m), tmx_last_error());
    return r;
}

/* Dense symmetric eigenvalues are backward stable: |computed − exact| ≤ c·n·eps·‖W − J‖₂ with
 * ‖W − J‖₂ ≤ 1 for doubly stochastic W; normal (circulant) W have perfectly conditioned
 * eigenvalues, so dgeev obeys the same bound. c = 4 is generous for LAPACK's reductions. The DFT
 * path is far more accurate (sums of ≤ τ+1 terms). */
static double dense_tol(int64_t n) { return 4.0 * (double)n * EPS; }

/* ---- known values --------------------------------------------------------------------------- */

Test(spectral, ring_rho_is_one_plus_two_cos_over_three)
{
    for (int64_t n = 5; n <= 300; n += 7) {
        tmx_topo *t = make("ring", n);
        double want = (1.0 + 2.0 * cos(2.0 * M_PI / (double)n)) / 3.0;
        tmx_rate d = rate(t, 0, TMX_METHOD_DFT);
        cr_assert(fabs(d.slem - want) <= 8 * EPS, "ring n=%lld dft %.17g want %.17g", (long long)n, d.slem, want);
        /* the gap is computed directly: 1 − ρ = (2/3)(1 − cos(2π/n)) = (4/3) sin²(π/n) to a few ulps */
        double s = sin(M_PI / (double)n), gap = 4.0 / 3.0 * s * s;
        cr_assert(fabs(d.gap - gap) <= 8 * EPS * gap, "ring n=%lld gap %.17g want %.17g", (long long)n, d.gap, gap);
        if (n <= 200) {
            tmx_rate e = rate(t, 0, TMX_METHOD_DENSE);
            cr_assert(fabs(e.slem - want) <= dense_tol(n), "ring n=%lld dense %.17g", (long long)n, e.slem);
        }
        tmx_topo_free(t);
    }
}

Test(spectral, tiny_ring_gaps_keep_their_digits)
{
    /* n = 2^20: gap ≈ 1.25e-11; computing 1 − ρ in double would keep one digit. */
    tmx_topo *t = make("ring", (int64_t)1 << 20);
    tmx_rate d = rate(t, 0, TMX_METHOD_AUTO);
    cr_assert_eq(d.method, TMX_METHOD_DFT);
    double s = sin(M_PI / (double)((int64_t)1 << 20)), gap = 4.0 / 3.0 * s * s;
    cr_assert(fabs(d.gap - gap) <= 1e-12 * gap, "gap %.17g want %.17g (rel %g)", d.gap, gap, fabs(d.gap - gap) / gap);
    tmx_topo_free(t);
}

Test(spectral, torus_eigenvalues_follow_the_two_dimensional_closed_form)
{
    const int64_t shapes[][2] = {{3, 3}, {3, 4}, {4, 4}, {4, 6}, {5, 7}, {8, 8}, {6, 10}, {16, 20}};
    for (size_t q = 0; q < sizeof shapes / sizeof *shapes; q++) {
        int64_t r = shapes[q][0], c = shapes[q][1];
        tmx_topo_params p;
        tmx_topo_params_init(&p);
        p.n = r * c;
        p.rows = r;
        tmx_topo *t = NULL;
        cr_assert_eq(tmx_topo_new("torus", &p, &t), TMX_OK);
        double want = 0.0;
        for (int64_t a = 0; a < r; a++)
            for (int64_t b = 0; b < c; b++)
                if (a || b)
                    want = fmax(want, fabs((1 + 2 * cos(2 * M_PI * a / (double)r) + 2 * cos(2 * M_PI * b / (double)c)) / 5));
        tmx_rate d = rate(t, 0, TMX_METHOD_DFT), e = rate(t, 0, TMX_METHOD_DENSE);
        cr_assert(fabs(d.slem - want) <= 16 * EPS, "torus %lldx%lld dft %.17g want %.17g", (long long)r, (long long)c,
                  d.slem, want);
        cr_assert(fabs(e.slem - want) <= dense_tol(r * c), "torus %lldx%lld dense %.17g", (long long)r, (long long)c, e.slem);
        tmx_topo_free(t);
    }
}

Test(spectral, complete_has_rho_zero_and_hypercube_one_minus_two_over_tau_plus_one)
{
    for (int64_t n = 1; n <= 64; n++) {
        tmx_topo *t = make("complete", n);
        cr_assert(rate(t, 0, TMX_METHOD_DFT).slem <= 4 * EPS, "complete n=%lld", (long long)n);
        cr_assert(rate(t, 0, TMX_METHOD_DENSE).slem <= dense_tol(n), "complete n=%lld dense", (long long)n);
        tmx_topo_free(t);
    }
    for (int tau = 1; tau <= 9; tau++) {
        tmx_topo *t = make("hypercube", (int64_t)1 << tau);
        double want = 1.0 - 2.0 / (tau + 1);
        tmx_rate e = rate(t, 0, TMX_METHOD_DENSE);
        cr_assert(fabs(e.slem - want) <= dense_tol((int64_t)1 << tau), "hypercube tau=%d %.17g", tau, e.slem);
        tmx_topo_free(t);
    }
}

/* ---- the static exponential graph theorem (docs/definitions.md §4) ---------------------- */

static void check_exp_theorem(int64_t n, tmx_method m)
{
    tmx_topo *t = make("exp", n);
    tmx_rate r = rate(t, 0, m);
    int tau = tmx__ceil_log2(n);
    double bound = 1.0 - 2.0 / (tau + 1);
    /* DFT: |λ_m| from ≤ τ+1 terms, error ≲ (τ+1)·eps; dense: dense_tol */
    double tol = m == TMX_METHOD_DFT ? 64 * EPS : dense_tol(n);
    if (n % 2 == 0)
        cr_assert(fabs(r.slem - bound) <= tol, "exp n=%lld (even): rho %.17g, want %.17g", (long long)n, r.slem, bound);
    else
        cr_assert(r.slem < bound - tol, "exp n=%lld (odd): rho %.17g not below %.17g", (long long)n, r.slem, bound);
    cr_assert(fabs(r.beta - r.slem) <= tol, "exp n=%lld: beta %.17g != rho %.17g", (long long)n, r.beta, r.slem);
    tmx_topo_free(t);
}

Test(spectral, exp_theorem_holds_for_every_n_from_2_to_512)
{
    for (int64_t n = 2; n <= 512; n++) check_exp_theorem(n, TMX_METHOD_DFT);
}

Test(spectral, exp_theorem_holds_near_2_to_the_16_and_2_to_the_20)
{
    const int64_t ns[] = {65535, 65536, 65537, 65538, 1048575, 1048576, 1048577, 1048578};
    for (size_t q = 0; q < sizeof ns / sizeof *ns; q++) check_exp_theorem(ns[q], TMX_METHOD_DFT);
}

Test(spectral, exp_beta_equals_rho_through_dense_svd)
{
    /* β from dgesdd of W − J, ρ from dgeev: two independent LAPACK paths */
    for (int64_t n = 2; n <= 40; n++) check_exp_theorem(n, TMX_METHOD_DENSE);
    check_exp_theorem(200, TMX_METHOD_DENSE);
    check_exp_theorem(201, TMX_METHOD_DENSE);
}

/* ---- agreement of the paths ------------------------------------------------------------------- */

static void agree(const char *name, int64_t n, int64_t k)
{
    tmx_topo *t = make(name, n);
    tmx_rate d = rate(t, k, TMX_METHOD_DFT), e = rate(t, k, TMX_METHOD_DENSE);
    double tol = fmax(1e-12, dense_tol(n));
    cr_assert(fabs(d.slem - e.slem) <= tol, "%s n=%lld k=%lld: dft %.17g dense %.17g", name, (long long)n, (long long)k,
              d.slem, e.slem);
    cr_assert(fabs(d.beta - e.beta) <= tol, "%s n=%lld k=%lld: beta dft %.17g dense %.17g", name, (long long)n,
              (long long)k, d.beta, e.beta);
    tmx_topo_free(t);
}

Test(spectral, dense_and_dft_agree_for_every_circulant_topology)
{
    const char *names[] = {"complete", "ring", "dring", "exp", "onepeer-exp", "torus"};
    for (size_t q = 0; q < 6; q++)
        for (int64_t n = 1; n <= 48; n++)
            for (int64_t k = 0; k < (strcmp(names[q], "onepeer-exp") ? 1 : 3); k++) agree(names[q], n, k);
    const int64_t big[] = {100, 257, 512};
    for (size_t q = 0; q < 6; q++)
        for (size_t b = 0; b < 3; b++) agree(names[q], big[b], 1);
    agree("ring", 2048, 0);
    agree("torus", 2048, 0);
    agree("exp", 1024, 0);
}

Test(spectral, iterative_agrees_with_dense_within_its_residual)
{
    /* For a symmetric operator, a Ritz pair (θ, v) with ‖Av − θv‖ = r has an eigenvalue within r of
     * θ (Weyl/Bauer–Fike); the largest-magnitude one is what both paths report, so
     * |θ − λ| ≤ r + dense_tol. Nonsymmetric (exp) is normal: the same bound holds for |λ|. */
    struct {
        const char *name;
        int64_t n;
    } cases[] = {{"grid", 400}, {"star", 300}, {"er", 300}, {"hypercube", 256}, {"torus", 400}, {"exp", 300},
                 {"ring", 301}};
    for (size_t q = 0; q < sizeof cases / sizeof *cases; q++) {
        tmx_topo *t = make(cases[q].name, cases[q].n);
        tmx_rate it = rate(t, 0, TMX_METHOD_ITERATIVE), e = rate(t, 0, TMX_METHOD_DENSE);
        cr_assert_eq(it.method, TMX_METHOD_ITERATIVE);
        cr_assert(it.residual >= 0 && it.residual < 1e-6, "%s: residual %g", cases[q].name, it.residual);
        double tol = it.residual + dense_tol(cases[q].n) + 1e-13;
        cr_assert(fabs(it.slem - e.slem) <= tol, "%s n=%lld: iterative %.17g dense %.17g (residual %g)", cases[q].name,
                  (long long)cases[q].n, it.slem, e.slem, it.residual);
        cr_assert(fabs(it.beta - e.beta) <= tol, "%s: beta iterative %.17g dense %.17g", cases[q].name, it.beta, e.beta);
        tmx_topo_free(t);
    }
}

Test(spectral, auto_picks_dft_for_circulants_dense_for_small_and_iterative_for_large)
{
    tmx_topo *t = make("exp", 100);
    cr_assert_eq(rate(t, 0, TMX_METHOD_AUTO).method, TMX_METHOD_DFT);
    tmx_topo_free(t);
    t = make("grid", 100);
    cr_assert_eq(rate(t, 0, TMX_METHOD_AUTO).method, TMX_METHOD_DENSE);
    tmx_topo_free(t);
    t = make("grid", 10000);
    tmx_rate r = rate(t, 0, TMX_METHOD_AUTO);
    cr_assert_eq(r.method, TMX_METHOD_ITERATIVE);
    /* grid 100 x 100: Metropolis weights on a path product; the gap is O(1/n) */
    cr_assert(r.slem > 0.99 && r.slem < 1.0, "grid 100x100 slem %.17g", r.slem);
    tmx_topo_free(t);
}

Test(spectral, dft_is_refused_for_non_circulant_topologies)
{
    const char *names[] = {"grid", "star", "hypercube", "er", "base-k", "matching"};
    for (size_t q = 0; q < 6; q++) {
        tmx_topo *t = make(names[q], 16);
        tmx_rate r;
        cr_assert_eq(tmx_rate_topo(t, 0, TMX_METHOD_DFT, &r), TMX_EUNSUP, "%s", names[q]);
        cr_assert(strstr(tmx_last_error(), "circulant") != NULL, "%s", tmx_last_error());
        tmx_topo_free(t);
    }
    tmx_method m;
    cr_assert_eq(tmx_method_parse("fast", &m), TMX_EINVAL);
}

/* ---- ρ(W^q) = ρ(W)^q for symmetric W ----------------------------------------------------------- */

Test(spectral, rho_of_a_power_is_the_power_of_rho)
{
    const char *names[] = {"ring", "grid", "star", "er", "torus", "hypercube"};
    for (size_t q = 0; q < 6; q++) {
        tmx_topo *t = make(names[q], 64);
        tmx_csr W = {0}, P = {0}, T = {0};
        cr_assert_eq(tmx_topo_weights(t, 0, &W), TMX_OK);
        tmx_rate r1;
        cr_assert_eq(tmx_rate_csr(&W, TMX_METHOD_DENSE, &r1), TMX_OK);
        cr_assert_eq(tmx_csr_copy(&P, &W), TMX_OK);
        for (int power = 2; power <= 5; power++) {
            cr_assert_eq(tmx_csr_mul(&T, &P, &W), TMX_OK);
            tmx_csr_destroy(&P);
            P = T;
            tmx_csr_init(&T);
            tmx_rate rq;
            cr_assert_eq(tmx_rate_csr(&P, TMX_METHOD_DENSE, &rq), TMX_OK, "%s W^%d: %s", names[q], power, tmx_last_error());
            /* W^q formed with q·n·eps relative error per entry, then the dense tolerance */
            double want = pow(r1.slem, power), tol = (power + 1) * dense_tol(64);
            cr_assert(fabs(rq.slem - want) <= tol, "%s: rho(W^%d) = %.17g, rho^%d = %.17g", names[q], power, rq.slem,
                      power, want);
        }
        tmx_csr_destroy(&W);
        tmx_csr_destroy(&P);
        tmx_topo_free(t);
    }
}

/* ---- exact averaging (docs/definitions.md §5) ------------------------------------------------- */

Test(exact, onepeer_topologies_average_in_exactly_tau_steps_from_every_phase)
{
    const char *names[] = {"onepeer-exp", "onepeer-hypercube"};
    for (int q = 0; q < 2; q++)
        for (int tau = 1; tau <= 12; tau++) {
            tmx_topo *t = make(names[q], (int64_t)1 << tau);
            for (int64_t k = 0; k < tau; k++) {
                tmx_exact_result r;
                cr_assert_eq(tmx_exact_check(t, k, 3 * tau, 0.0, &r), TMX_OK);
                /* the products are dyadic: exactly J, residual 0, no tolerance needed */
                cr_assert(r.exact && r.steps == tau, "%s n=2^%d phase %lld: steps %lld residual %g", names[q], tau,
                          (long long)k, (long long)r.steps, r.residual);
                cr_assert_eq(r.residual, 0.0);
            }
            tmx_topo_free(t);
        }
}

Test(exact, onepeer_exp_never_averages_exactly_when_n_is_not_a_power_of_two)
{
    for (int64_t n = 3; n <= 100; n++) {
        if (tmx__is_pow2(n)) continue;
        tmx_topo *t = make("onepeer-exp", n);
        tmx_exact_result r;
        cr_assert_eq(tmx_exact_check(t, 0, tmx_exact_default_max_steps(t), 1e-12, &r), TMX_OK);
        cr_assert(!r.exact && r.steps == -1 && r.residual > 1e-12, "n=%lld: steps %lld residual %g", (long long)n,
                  (long long)r.steps, r.residual);
        tmx_topo_free(t);
    }
}

Test(exact, base_k_averages_exactly_within_one_period_for_every_n_up_to_100)
{
    /* dense product: relative rounding ≤ P·(k+1)·eps ≈ 1.8e-14 per entry (see test_basek.c); the
     * check's tolerance is relative to 1/n: 1e-13 */
    for (int64_t k = 1; k <= 4; k++)
        for (int64_t n = 1; n <= 100; n++) {
            tmx_topo_params p;
            tmx_topo_params_init(&p);
            p.n = n;
            p.k = k;
            tmx_topo *t = NULL;
            cr_assert_eq(tmx_topo_new("base-k", &p, &t), TMX_OK);
            tmx_exact_result r;
            cr_assert_eq(tmx_exact_check(t, 0, tmx_topo_period(t), 1e-13, &r), TMX_OK);
            cr_assert(r.exact && r.steps <= tmx_topo_period(t), "base-k n=%lld k=%lld: steps %lld residual %g",
                      (long long)n, (long long)k, (long long)r.steps, r.residual);
            tmx_topo_free(t);
        }
}

Test(exact, exact_averaging_scales_to_2_to_the_20)
{
    tmx_topo *t = make("onepeer-exp", (int64_t)1 << 20);
    tmx_exact_result r;
    cr_assert_eq(tmx_exact_check(t, 5, 40, 0.0, &r), TMX_OK);
    cr_assert(r.one_column);
    cr_assert(r.exact && r.steps == 20);
    tmx_topo_free(t);
}

Test(exact, bad_arguments_are_refused)
{
    tmx_topo *t = make("ring", 8);
    tmx_exact_result r;
    cr_assert_eq(tmx_exact_check(t, -1, 5, 0.0, &r), TMX_EINVAL);
    cr_assert_eq(tmx_exact_check(t, 0, 0, 0.0, &r), TMX_EINVAL);
    cr_assert_eq(tmx_exact_check(t, 0, 5, NAN, &r), TMX_EINVAL);
    tmx_topo_free(t);
}

/* ---- sequence rates --------------------------------------------------------------------------- */

Test(sequence, periodic_rate_is_zero_when_one_period_averages_exactly)
{
    const char *names[] = {"onepeer-exp", "onepeer-hypercube", "base-k"};
    for (int q = 0; q < 3; q++) {
        tmx_topo *t = make(names[q], 64);
        tmx_seq_rate s;
        cr_assert_eq(tmx_rate_periodic(t, TMX_METHOD_AUTO, &s), TMX_OK, "%s", tmx_last_error());
        /* product = J up to rounding of dyadic (or ≤ P(k+1)eps) arithmetic; the SVD adds n·eps */
        cr_assert(s.period_rate <= dense_tol(64), "%s: period rate %g", names[q], s.period_rate);
        tmx_topo_free(t);
    }
}

Test(sequence, periodic_dft_and_dense_agree_when_n_is_not_a_power_of_two)
{
    const int64_t ns[] = {3, 5, 6, 12, 20, 33};
    for (size_t q = 0; q < 6; q++) {
        tmx_topo *t = make("onepeer-exp", ns[q]);
        tmx_seq_rate a, b;
        cr_assert_eq(tmx_rate_periodic(t, TMX_METHOD_DFT, &a), TMX_OK);
        cr_assert_eq(tmx_rate_periodic(t, TMX_METHOD_DENSE, &b), TMX_OK);
        cr_assert(a.period_rate > 1e-6, "n=%lld: a non-power of two cannot average exactly", (long long)ns[q]);
        cr_assert(fabs(a.period_rate - b.period_rate) <= dense_tol(ns[q]) * tmx_topo_period(t),
                  "n=%lld: dft %.17g dense %.17g", (long long)ns[q], a.period_rate, b.period_rate);
        cr_assert(fabs(a.step_rate - pow(a.period_rate, 1.0 / (double)a.period)) <= 4 * EPS);
        tmx_topo_free(t);
    }
}

Test(sequence, iterative_periodic_rate_matches_dense)
{
    tmx_topo_params p;
    tmx_topo_params_init(&p);
    p.n = 30;
    tmx_topo *t = NULL;
    cr_assert_eq(tmx_topo_new("bipartite-exp", &p, &t), TMX_OK);
    tmx_seq_rate a, b;
    cr_assert_eq(tmx_rate_periodic(t, TMX_METHOD_DENSE, &a), TMX_OK);
    cr_assert_eq(tmx_rate_periodic(t, TMX_METHOD_ITERATIVE, &b), TMX_OK, "%s", tmx_last_error());
    cr_assert(fabs(a.period_rate - b.period_rate) <= 1e-9, "dense %.17g iterative %.17g", a.period_rate, b.period_rate);
    tmx_topo_free(t);
}

Test(sequence, expected_rates_of_random_topologies_match_monte_carlo)
{
    /* The exact values (enumeration of every shift for equidyn, exchangeability for matching)
     * against an independent Monte Carlo estimate of E[WᵀW] formed here from 4000 draws. */
    const char *names[] = {"matching", "equidyn"};
    for (int q = 0; q < 2; q++) {
        const int64_t n = 10;
        tmx_topo *t = make(names[q], n);
        tmx_random_rate ex;
        cr_assert_eq(tmx_rate_random(t, 1000, &ex), TMX_OK, "%s", tmx_last_error());
        cr_assert(ex.exact);
        cr_assert(ex.p > 0 && ex.p <= 1, "%s p=%g", names[q], ex.p);
        /* Monte Carlo: E[WᵀW] from 4000 steps, λ_max of E − J on 1⊥ by power iteration on
         * the centred matrix (PSD, so the dominant eigenvalue is λ_max) */
        double E[100] = {0};
        const int S = 4000;
        tmx_csr W = {0};
        for (int s = 0; s < S; s++) {
            cr_assert_eq(tmx_topo_weights(t, s, &W), TMX_OK);
            for (int64_t i = 0; i < n; i++)
                for (int64_t e = W.rowptr[i]; e < W.rowptr[i + 1]; e++)
                    for (int64_t f = W.rowptr[i]; f < W.rowptr[i + 1]; f++)
                        E[W.col[e] * n + W.col[f]] += W.val[e] * W.val[f] / S;
        }
        tmx_csr_destroy(&W);
        double v[10], w[10], lam = 0;
        for (int i = 0; i < n; i++) v[i] = (i % 3) - 1.0 + 0.1 * i;
        for (int it = 0; it < 2000; it++) {
            double mean = 0, norm = 0;
            for (int i = 0; i < n; i++) mean += v[i] / n;
            for (int i = 0; i < n; i++) v[i] -= mean;
            for (int i = 0; i < n; i++) {
                w[i] = 0;
                for (int j = 0; j < n; j++) w[i] += E[i * n + j] * v[j];
            }
            for (int i = 0; i < n; i++) norm += w[i] * w[i];
            norm = sqrt(norm);
            double vn = 0;
            for (int i = 0; i < n; i++) vn += v[i] * v[i];
            lam = norm / sqrt(vn);
            for (int i = 0; i < n; i++) v[i] = w[i] / norm;
        }
        /* sampling error of a λ_max estimate from S draws: entries have variance ≤ 1/S, so the
         * eigenvalue moves by O(n/√S) ≈ 0.16 at worst; observed errors are far smaller. 0.05 */
        cr_assert(fabs(lam - ex.one_minus_p) < 0.05, "%s: exact 1-p = %.6f, Monte Carlo %.6f", names[q], ex.one_minus_p,
                  lam);
        tmx_topo_free(t);
    }
}

Test(sequence, monte_carlo_rate_reports_samples_and_a_standard_error)
{
    tmx_topo_params p;
    tmx_topo_params_init(&p);
    p.n = 12;
    p.weights = TMX_WEIGHTS_LAZY; /* lazy matching has no closed form here: Monte Carlo */
    tmx_topo *t = NULL;
    cr_assert_eq(tmx_topo_new("matching", &p, &t), TMX_OK);
    tmx_random_rate r;
    cr_assert_eq(tmx_rate_random(t, 2000, &r), TMX_OK, "%s", tmx_last_error());
    cr_assert(!r.exact);
    cr_assert_eq(r.samples, 2000);
    cr_assert(r.stderr_p > 0 && r.stderr_p < 0.05, "stderr %g", r.stderr_p);
    /* lazy matching: W_l = (I + W)/2, W_lᵀW_l = (I + 3W)/4, so 1 − p = (1 + 3(1 − nq))/4 with the
     * matching's q = 1/(2(n−1)). λ_max of a sample mean is biased upward (E λ_max(Ê) ≥ λ_max(E),
     * strongly so here, where E − J has one 11-fold eigenvalue): the estimate may exceed the truth by
     * the sampling noise's spectral norm, O(√(n/S)) ≈ 0.08·σ, but can fall below it only by the
     * batch-means standard error. Bound: truth − 6·se ≤ estimate ≤ truth + 6·se + 0.03. */
    double want = (1.0 + 3.0 * (1.0 - 12.0 / 22.0)) / 4.0;
    cr_assert(r.one_minus_p >= want - 6 * r.stderr_p && r.one_minus_p <= want + 6 * r.stderr_p + 0.03,
              "1-p %.6f want %.6f (se %.2g)", r.one_minus_p, want, r.stderr_p);
    tmx_topo_free(t);
}

/* ---- the mixing-matrix check of a topology --------------------------------------------------- */

Test(mixing, every_built_in_family_passes_the_check_at_several_n)
{
    /* Every family, default and lazy weights (and metropolis/uniform for graph families), at sizes
     * each allows: W^(k) of every step the check covers is a mixing matrix, connected (over a period
     * for periodic families) except random ones' single draws. The general path (tmx_csr_check_mixing
     * on the formed W) must agree with the first-row path the check takes for circulants. */
    const int64_t sizes[] = {2, 3, 8, 16, 17, 64, 100};
    const tmx_weights schemes[] = {TMX_WEIGHTS_DEFAULT, TMX_WEIGHTS_LAZY, TMX_WEIGHTS_METROPOLIS, TMX_WEIGHTS_UNIFORM};
    int checked = 0;
    for (size_t f = 0; f < tmx_topo_family_count(); f++) {
        const tmx_topo_family_info *info = tmx_topo_family(f);
        if (strcmp(info->name, "file") == 0) continue;
        for (size_t q = 0; q < sizeof sizes / sizeof *sizes; q++)
            for (int w = 0; w < (info->graph ? 4 : 2); w++) {
                tmx_topo_params p;
                tmx_topo_params_init(&p);
                p.n = sizes[q];
                p.weights = schemes[w];
                tmx_topo *t = NULL;
                tmx_status st = tmx_topo_new(info->name, &p, &t);
                if (st == TMX_EINVAL) continue; /* a size this family does not allow */
                cr_assert_eq(st, TMX_OK, "%s n=%lld: %s", info->name, (long long)p.n, tmx_last_error());
                int random = tmx_topo_kind_of(t) == TMX_TOPO_RANDOM;
                st = tmx_topo_check_mixing(t, 3, random ? 0 : TMX_MIXING_CONNECTED);
                cr_assert_eq(st, TMX_OK, "%s n=%lld weights %s: %s", info->name, (long long)p.n,
                             tmx_weights_name(p.weights), tmx_last_error());
                int64_t P = tmx_topo_period(t) > 0 ? tmx_topo_period(t) : 1;
                for (int64_t k = 0; k < P; k++) {
                    tmx_csr W = {0};
                    cr_assert_eq(tmx_topo_weights(t, random ? 3 : k, &W), TMX_OK);
                    st = tmx_csr_check_mixing(&W, TMX_MIXING_TOL, P == 1 && !random ? TMX_MIXING_CONNECTED : 0);
                    cr_assert_eq(st, TMX_OK, "%s n=%lld step %lld: %s", info->name, (long long)p.n, (long long)k,
                                 tmx_last_error());
                    tmx_csr_destroy(&W);
                }
                tmx_topo_free(t);
                checked++;
            }
    }
    cr_assert(checked > 100, "only %d topologies checked", checked);
}

/* A file: topology holding the given Matrix Market text. */
static tmx_topo *file_topo(const char *text, char *path)
{
    strcpy(path, "/tmp/topomix-test-XXXXXX");
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    char name[64];
    snprintf(name, sizeof name, "file:%s", path);
    tmx_topo_params p;
    tmx_topo_params_init(&p);
    tmx_topo *t = NULL;
    cr_assert_eq(tmx_topo_new(name, &p, &t), TMX_OK, "%s", tmx_last_error());
    return t;
}

Test(mixing, a_file_matrix_is_refused_naming_what_fails)
{
    static const struct {
        const char *text, *want;
        unsigned flags;
    } cases[] = {
        /* the 0/1 adjacency of the 4-cycle */
        {"%%MatrixMarket matrix coordinate real general\n4 4 8\n1 2 1\n2 1 1\n2 3 1\n3 2 1\n3 4 1\n4 3 1\n1 4 1\n4 1 1\n",
         "row 1 sums to 2", 0},
        /* row stochastic, column 1 sums to 2 */
        {"%%MatrixMarket matrix coordinate real general\n3 3 5\n1 1 0.5\n1 2 0.5\n2 1 1\n3 1 0.5\n3 3 0.5\n",
         "column 1 sums to 2", 0},
        /* doubly stochastic, two blocks: refused only when connectivity is asked for */
        {"%%MatrixMarket matrix coordinate real general\n4 4 8\n1 1 0.5\n1 2 0.5\n2 1 0.5\n2 2 0.5\n"
         "3 3 0.5\n3 4 0.5\n4 3 0.5\n4 4 0.5\n",
         "disconnected (2 components)", TMX_MIXING_CONNECTED},
    };
    for (size_t q = 0; q < sizeof cases / sizeof *cases; q++) {
        char path[64];
        tmx_topo *t = file_topo(cases[q].text, path);
        if (cases[q].flags) cr_assert_eq(tmx_topo_check_mixing(t, 0, 0), TMX_OK, "%s", tmx_last_error());
        cr_assert_eq(tmx_topo_check_mixing(t, 0, cases[q].flags), TMX_EINVAL, "case %zu", q);
        cr_assert(strstr(tmx_last_error(), cases[q].want), "case %zu: '%s' lacks '%s'", q, tmx_last_error(),
                  cases[q].want);
        tmx_topo_free(t);
        unlink(path);
    }
}

/* ---- bounded work and progress --------------------------------------------------------------- */

Test(exact, work_estimate_is_steps_times_nnz_times_the_columns_tracked)
{
    /* ring: circulant, one column, 3 entries a row; base-k n=17 k=1: the whole product, n columns */
    tmx_topo *t = make("ring", 8);
    double work = 0.0;
    cr_assert_eq(tmx_exact_work(t, 0, 100, &work), TMX_OK);
    cr_assert_eq(work, 100.0 * 24.0);
    tmx_topo_free(t);
    t = make("base-k", 17);
    tmx_csr W = {0};
    cr_assert_eq(tmx_topo_weights(t, 2, &W), TMX_OK);
    cr_assert_eq(tmx_exact_work(t, 2, 50, &work), TMX_OK);
    cr_assert_eq(work, 50.0 * (double)W.nnz * 17.0);
    cr_assert_eq(tmx_exact_work(t, -1, 50, &work), TMX_EINVAL);
    tmx_csr_destroy(&W);
    tmx_topo_free(t);
}

typedef struct seen {
    int calls, bad;
    double last, total;
    char what[64];
} seen;

static void record(const char *what, double done, double total, void *ctx)
{
    seen *s = ctx;
    if (done < s->last || done > total || (s->calls && total != s->total)) s->bad++;
    s->calls++;
    s->last = done;
    s->total = total;
    snprintf(s->what, sizeof s->what, "%s", what);
}

Test(progress, exact_reports_steps_out_of_max_steps)
{
    /* ring n=4096 never meets tol 0: 2000 steps of 12288 multiply-adds, 2.5e7 in all, about 5
     * reports of 2^22 */
    tmx_topo *t = make("ring", 4096);
    seen s = {0};
    tmx_progress_set(record, &s);
    tmx_exact_result r;
    cr_assert_eq(tmx_exact_check(t, 0, 2000, 0.0, &r), TMX_OK);
    tmx_progress_set(NULL, NULL);
    cr_assert(!r.exact);
    cr_assert(s.calls >= 3 && s.calls <= 8, "%d reports", s.calls);
    cr_assert_eq(s.bad, 0);
    cr_assert_eq(s.total, 2000.0);
    cr_assert_str_eq(s.what, "exact-averaging product");
    /* off again: no more reports */
    int before = s.calls;
    cr_assert_eq(tmx_exact_check(t, 0, 2000, 0.0, &r), TMX_OK);
    cr_assert_eq(s.calls, before);
    tmx_topo_free(t);
}

Test(progress, the_iterative_method_reports_operator_applications_against_its_cap)
{
    tmx_topo *t = make("grid", 5000);
    seen s = {0};
    tmx_progress_set(record, &s);
    tmx_rate r = rate(t, 0, TMX_METHOD_ITERATIVE);
    tmx_progress_set(NULL, NULL);
    /* symmetric: one dsaupd solve, ncv·n = 160000 multiply-adds an application, a report every 27 */
    cr_assert(s.calls >= 1 && s.calls <= r.iterations / 26 + 1, "%d reports for %lld applications", s.calls,
              (long long)r.iterations);
    cr_assert_eq(s.bad, 0);
    cr_assert_eq(s.total, (1.0 + TMX_ITER_MAX_RESTARTS) * TMX_ITER_NCV);
    cr_assert(s.last <= (double)r.iterations);
    cr_assert_str_eq(s.what, "iterative eigensolver");
    tmx_topo_free(t);
}
