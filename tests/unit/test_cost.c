/* The communication cost of docs/definitions.md §14 as theorems: steps_to_eps equals a brute-force
 * count over the dense products for every static and periodic family at small n, exact-averaging
 * sequences get their exact step counts, messages per step of known graphs, the closed form of the
 * time on a regular static topology, the expected count of random ones, and bad arguments. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <topomix/topomix.h>

#include "internal.h"
#include "spectral/kernels.h"
#include "topo/family.h"

static tmx_topo *make_p(const char *name, const tmx_topo_params *p)
{
    tmx_topo *t = NULL;
    cr_assert_eq(tmx_topo_new(name, p, &t), TMX_OK, "%s n=%lld: %s", name, (long long)p->n, tmx_last_error());
    return t;
}

static tmx_topo *make(const char *name, int64_t n)
{
    tmx_topo_params p;
    tmx_topo_params_init(&p);
    p.n = n;
    return make_p(name, &p);
}

static tmx_cost cost_of(const tmx_topo *t, double eps)
{
    tmx_cost_opts o;
    tmx_cost_opts_init(&o);
    o.eps = eps;
    tmx_cost c;
    cr_assert_eq(tmx_cost_topo(t, &o, &c), TMX_OK, "%s n=%lld: %s", tmx_topo_name(t), (long long)tmx_topo_n(t),
                 tmx_last_error());
    return c;
}

/* Brute force: the smallest t with ‖W^(t−1)⋯W^(0) − J‖₂ ≤ eps, forming each product densely
 * from the CSR matrices (row-major, naive multiplication) and taking its largest singular value
 * with LAPACK; *last ← that norm. −1 if not reached within max_steps. */
static int64_t brute_steps(const tmx_topo *t, double eps, int64_t max_steps, double *last)
{
    int64_t n = tmx_topo_n(t);
    size_t nn = (size_t)(n * n);
    double *P = calloc(nn, sizeof *P), *Q = calloc(nn, sizeof *Q);
    tmx_mat A = {0};
    cr_assert(P && Q);
    cr_assert_eq(tmx_mat_init(&A, (size_t)n, (size_t)n), TMX_OK);
    for (int64_t i = 0; i < n; i++) P[i * n + i] = 1.0;
    tmx_csr W = {0};
    int64_t found = -1;
    for (int64_t k = 0; k < max_steps && found < 0; k++) {
        cr_assert_eq(tmx_topo_weights(t, k, &W), TMX_OK);
        memset(Q, 0, nn * sizeof *Q);
        for (int64_t i = 0; i < n; i++) /* Q = W P */
            for (int64_t e = W.rowptr[i]; e < W.rowptr[i + 1]; e++)
                for (int64_t j = 0; j < n; j++) Q[i * n + j] += W.val[e] * P[W.col[e] * n + j];
        double *tmp = P;
        P = Q;
        Q = tmp;
        for (int64_t i = 0; i < n; i++)
            for (int64_t j = 0; j < n; j++) A.data[(size_t)j * A.ld + (size_t)i] = P[i * n + j] - 1.0 / (double)n;
        double norm;
        cr_assert_eq(tmx__dense_norm2(&A, &norm), TMX_OK);
        if (norm <= eps) found = k + 1, *last = norm;
    }
    tmx_csr_destroy(&W);
    tmx_mat_destroy(&A);
    free(P);
    free(Q);
    return found;
}

/* Every static and periodic family, n = 4..16 where valid, two targets. */
Test(cost, steps_equal_brute_force_products)
{
    static const char *const names[] = {"complete", "ring", "dring", "star", "grid", "torus", "hypercube", "er", "exp",
                                        "onepeer-exp", "onepeer-hypercube", "bipartite-exp", "base-k", "equistatic"};
    static const double eps[] = {1e-2, 1e-4};
    int checked = 0;
    for (size_t f = 0; f < sizeof names / sizeof *names; f++)
        for (int64_t n = 4; n <= 16; n++)
            for (int variant = 0; variant < 3; variant++) {
                tmx_topo_params p;
                tmx_topo_params_init(&p);
                p.n = n;
                if (variant == 1) p.weights = TMX_WEIGHTS_LAZY;
                if (variant == 2) { /* the parameterised families' other settings */
                    if (strcmp(names[f], "base-k") == 0) p.k = 2;
                    else if (strcmp(names[f], "equistatic") == 0) p.undirected = 1;
                    else continue;
                }
                tmx_topo *t = NULL;
                if (tmx_topo_new(names[f], &p, &t) != TMX_OK) continue; /* invalid at this n */
                if (tmx_topo_check_mixing(t, 0, TMX_MIXING_CONNECTED) != TMX_OK) { /* equistatic's shifts */
                    tmx_topo_free(t);
                    continue;
                }
                for (size_t e = 0; e < 2; e++) {
                    tmx_cost c = cost_of(t, eps[e]);
                    double last = 0.0;
                    int64_t want = brute_steps(t, eps[e], 5000, &last);
                    cr_assert_eq(c.steps_to_eps, want, "%s n=%lld variant %d eps %g: %lld steps (%s), brute force %lld",
                                 names[f], (long long)n, variant, eps[e], (long long)c.steps_to_eps,
                                 tmx_cost_steps_how_name(c.steps_how), (long long)want);
                    cr_assert_leq(c.error_at_steps, eps[e]);
                    checked++;
                }
                tmx_topo_free(t);
            }
    cr_assert_gt(checked, 300, "only %d cases checked", checked);
}

Test(cost, exact_averaging_sequences_get_their_exact_counts)
{
    tmx_topo *t = make("onepeer-exp", 16);
    tmx_cost c = cost_of(t, 1e-4);
    cr_assert_eq(c.steps_to_eps, 4);
    cr_assert(c.exact_averaging);
    tmx_topo_free(t);
    t = make("onepeer-hypercube", 32);
    c = cost_of(t, 1e-8);
    cr_assert_eq(c.steps_to_eps, 5);
    cr_assert(c.exact_averaging);
    tmx_topo_free(t);
    /* base-k reaches J after one period from phase 0 for every n, and not before (a partial period
     * leaves some block unaveraged, so its error is of order 1, far above 1e-10) */
    for (int64_t n = 2; n <= 40; n++)
        for (int64_t k = 1; k <= 3; k++) {
            tmx_topo_params p;
            tmx_topo_params_init(&p);
            p.n = n;
            p.k = k;
            t = make_p("base-k", &p);
            tmx_exact_result ex;
            cr_assert_eq(tmx_exact_check(t, 0, tmx_topo_period(t), 1e-12, &ex), TMX_OK);
            c = cost_of(t, 1e-10);
            cr_assert(c.exact_averaging, "base-k n=%lld k=%lld", (long long)n, (long long)k);
            cr_assert_eq(c.steps_to_eps, ex.steps, "base-k n=%lld k=%lld: %lld, exact check %lld", (long long)n,
                         (long long)k, (long long)c.steps_to_eps, (long long)ex.steps);
            tmx_topo_free(t);
        }
    /* onepeer-exp at n not a power of two never averages exactly */
    t = make("onepeer-exp", 12);
    c = cost_of(t, 1e-4);
    cr_assert(!c.exact_averaging);
    cr_assert_gt(c.steps_to_eps, 4);
    tmx_topo_free(t);
}

Test(cost, messages_per_step_of_known_graphs)
{
    static const struct { const char *name; int64_t n; double want; } cases[] = {
        {"ring", 16, 2}, {"ring", 2, 1}, {"exp", 16, 4}, {"exp", 17, 5}, {"onepeer-exp", 16, 1},
        {"onepeer-exp", 24, 1}, {"complete", 16, 15}, {"star", 16, 15}, {"star", 7, 6}, {"dring", 9, 1},
        {"hypercube", 32, 5}, {"torus", 48, 4}, {"base-k", 16, 1}, {"matching", 16, 1}, {"matching", 15, 1},
        {"equidyn", 16, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        tmx_topo *t = make(cases[i].name, cases[i].n);
        double m;
        int exact;
        int64_t samples;
        cr_assert_eq(tmx_cost_messages(t, &m, &exact, &samples), TMX_OK);
        cr_assert_eq(m, cases[i].want, "%s n=%lld: %g messages, want %g", cases[i].name, (long long)cases[i].n, m,
                     cases[i].want);
        cr_assert(exact);
        tmx_topo_free(t);
    }
}

/* max over nodes of max(in, out) off the diagonal, counted directly. */
static int64_t busiest(const tmx_csr *W)
{
    int64_t best = 0, n = W->n;
    int64_t *out = calloc((size_t)n, sizeof *out);
    cr_assert(out);
    for (int64_t i = 0; i < n; i++) {
        int64_t in = 0;
        for (int64_t e = W->rowptr[i]; e < W->rowptr[i + 1]; e++)
            if (W->col[e] != i && W->val[e] != 0.0) in++, out[W->col[e]]++;
        if (in > best) best = in;
    }
    for (int64_t i = 0; i < n; i++)
        if (out[i] > best) best = out[i];
    free(out);
    return best;
}

/* The closed forms against the draws themselves: every matching draw's busiest node has one peer;
 * equidyn's expectation is the mean over every shift a = 1..n−1 (undirected: and every start of
 * the matching's walk, s = 0..n−1), enumerated. */
Test(cost, random_closed_forms_match_the_draws)
{
    tmx_csr W = {0};
    for (int64_t n = 2; n <= 11; n++) {
        tmx_topo *t = make("matching", n);
        double m;
        int exact;
        int64_t samples;
        cr_assert_eq(tmx_cost_messages(t, &m, &exact, &samples), TMX_OK);
        for (int64_t k = 0; k < 200; k++) {
            cr_assert_eq(tmx_topo_weights(t, k, &W), TMX_OK);
            cr_assert_eq((double)busiest(&W), m, "matching n=%lld step %lld", (long long)n, (long long)k);
        }
        tmx_topo_free(t);
        for (int und = 0; und < 2; und++) {
            tmx_topo_params p;
            tmx_topo_params_init(&p);
            p.n = n;
            p.undirected = und;
            t = make_p("equidyn", &p);
            cr_assert_eq(tmx_cost_messages(t, &m, &exact, &samples), TMX_OK);
            cr_assert(exact);
            double sum = 0.0;
            int64_t starts = und ? n : 1, partner[11];
            for (int64_t a = 1; a < n; a++)
                for (int64_t s = 0; s < starts; s++) {
                    cr_assert_eq(tmx__equidyn_matrix(t, a, s, partner, &W), TMX_OK);
                    sum += (double)busiest(&W);
                }
            double mean = sum / (double)((n - 1) * starts);
            cr_assert_float_eq(m, mean, 1e-15, "equidyn n=%lld undirected %d: %g vs %g", (long long)n, und, m, mean);
            tmx_topo_free(t);
        }
    }
    tmx_csr_destroy(&W);
}

/* A regular static topology: time = ⌈log ε / log ρ⌉ · deg · (α + S/B), ρ = (1 + 2cos(2π/n))/3. */
Test(cost, time_closed_form_on_the_ring)
{
    for (int64_t n = 5; n <= 40; n += 7) {
        tmx_topo *t = make("ring", n);
        tmx_cost_opts o;
        tmx_cost_opts_init(&o);
        o.eps = 1e-3;
        o.model.alpha = 2e-4;
        o.model.bandwidth = 1e8;
        o.model.message_bytes = 5e5;
        tmx_cost c;
        cr_assert_eq(tmx_cost_topo(t, &o, &c), TMX_OK);
        double rho = (1.0 + 2.0 * cos(2.0 * M_PI / (double)n)) / 3.0;
        double steps = ceil(log(o.eps) / log(rho));
        cr_assert_eq((double)c.steps_to_eps, steps, "n=%lld: %lld, closed form %g", (long long)n,
                     (long long)c.steps_to_eps, steps);
        cr_assert_eq(c.steps_how, TMX_COST_STEPS_SPECTRAL);
        cr_assert_eq(c.messages_per_step, 2.0);
        /* products of integers and one rounding each: equal to a few ulps */
        double want = steps * 2.0 * (2e-4 + 5e5 / 1e8);
        cr_assert_float_eq(c.time_to_eps, want, 4e-16 * want, "n=%lld: %.17g vs %.17g", (long long)n, c.time_to_eps, want);
        cr_assert_eq(c.bytes_per_node_to_eps, steps * 2.0 * 5e5);
        tmx_topo_free(t);
    }
}

/* Random: the smallest t with (1 − p)^{t/2} ≤ ε, p of the matching's closed form. */
Test(cost, random_steps_in_expectation)
{
    for (int64_t n = 3; n <= 20; n++) {
        tmx_topo *t = make("matching", n);
        tmx_cost c = cost_of(t, 1e-4);
        double q = (n % 2 == 0) ? 0.5 / (double)(n - 1) : 0.5 / (double)n, omp = 1.0 - (double)n * q;
        int64_t want = 1;
        while (pow(omp, 0.5 * (double)want) > 1e-4) want++;
        cr_assert_eq(c.steps_to_eps, want, "matching n=%lld: %lld, want %lld", (long long)n, (long long)c.steps_to_eps,
                     (long long)want);
        cr_assert_eq(c.steps_how, TMX_COST_STEPS_EXPECTED);
        cr_assert_float_eq(c.rate, sqrt(omp), 1e-15);
        cr_assert(!c.exact_averaging);
        tmx_topo_free(t);
    }
}

/* A periodic run that stops mid-period pays for the steps it took: base-k at n = 17 (k = 1), whose
 * steps have different degrees, with a loose target. */
Test(cost, periodic_messages_are_those_of_the_steps_taken)
{
    tmx_topo *t = make("base-k", 48);
    for (double eps = 0.95; eps > 1e-6; eps /= 3.0) {
        tmx_cost c = cost_of(t, eps);
        cr_assert_gt(c.steps_to_eps, 0);
        double sum = 0.0;
        tmx_csr W = {0};
        for (int64_t k = 0; k < c.steps_to_eps; k++) {
            cr_assert_eq(tmx_topo_weights(t, k, &W), TMX_OK);
            int64_t best = 0;
            for (int64_t i = 0; i < W.n; i++) {
                int64_t in = 0;
                for (int64_t e = W.rowptr[i]; e < W.rowptr[i + 1]; e++) in += W.col[e] != i && W.val[e] != 0.0;
                if (in > best) best = in; /* symmetric: in = out */
            }
            sum += (double)best;
        }
        tmx_csr_destroy(&W);
        cr_assert_eq(c.messages_to_eps, sum, "eps %g: %g, want %g", eps, c.messages_to_eps, sum);
    }
    tmx_topo_free(t);
}

/* The complaint: base-k at n = 48 ranks below torus by step_rate, yet takes less time. */
Test(cost, basek_beats_torus_at_48)
{
    tmx_topo *b = make("base-k", 48), *tor = make("torus", 48);
    tmx_cost cb = cost_of(b, 1e-4), ct = cost_of(tor, 1e-4);
    cr_assert_gt(cb.rate, ct.rate); /* the per-step rate points the wrong way ... */
    cr_assert_lt(cb.time_to_eps, ct.time_to_eps); /* ... the time does not */
    tmx_topo_free(b);
    tmx_topo_free(tor);
}

Test(cost, n_one_needs_nothing)
{
    tmx_topo *t = make("ring", 1);
    tmx_cost c = cost_of(t, 1e-4);
    cr_assert_eq(c.steps_to_eps, 0);
    cr_assert_eq(c.time_to_eps, 0.0);
    tmx_topo_free(t);
}

Test(cost, bad_arguments)
{
    tmx_topo *t = make("ring", 8);
    tmx_cost_opts o;
    tmx_cost c;
    static const double bad_eps[] = {0.0, 1.0, -0.5, 2.0, NAN};
    for (size_t i = 0; i < sizeof bad_eps / sizeof *bad_eps; i++) {
        tmx_cost_opts_init(&o);
        o.eps = bad_eps[i];
        cr_assert_eq(tmx_cost_topo(t, &o, &c), TMX_EINVAL, "eps %g", bad_eps[i]);
        cr_assert(strstr(tmx_last_error(), "eps"));
    }
    tmx_cost_opts_init(&o);
    o.model.alpha = -1.0;
    cr_assert_eq(tmx_cost_topo(t, &o, &c), TMX_EINVAL);
    cr_assert(strstr(tmx_last_error(), "latency"));
    tmx_cost_opts_init(&o);
    o.model.bandwidth = 0.0;
    cr_assert_eq(tmx_cost_topo(t, &o, &c), TMX_EINVAL);
    cr_assert(strstr(tmx_last_error(), "bandwidth"));
    tmx_cost_opts_init(&o);
    o.model.message_bytes = INFINITY;
    cr_assert_eq(tmx_cost_topo(t, &o, &c), TMX_EINVAL);
    cr_assert(strstr(tmx_last_error(), "message size"));
    tmx_topo_free(t);
}
