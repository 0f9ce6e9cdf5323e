/* Tests of the topology registry: hand-derived matrices, invariants of every family at several n,
 * reproducibility of random topologies, and every documented error. docs/definitions.md §1–§3. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <math.h>
#include <string.h>
#include <topomix/topomix.h>

#include "internal.h"

/* Weights are sums of at most n terms of size ≤ 1 computed once (Metropolis diagonal = 1 − Σ),
 * so every row/column sum is within n·eps of 1; 1e-12 covers n ≤ 4096 with margin. */
#define SUM_TOL 1e-12

static tmx_topo *make(const char *name, int64_t n)
{
    tmx_topo_params p;
    tmx_topo_params_init(&p);
    p.n = n;
    tmx_topo *t = NULL;
    tmx_status st = tmx_topo_new(name, &p, &t);
    cr_assert_eq(st, TMX_OK, "%s n=%lld: %s", name, (long long)n, tmx_last_error());
    return t;
}

/* Dense W^(k) of a topology, row-major in a static buffer (n ≤ 64). */
static double dense[64 * 64];
static void weights_dense(const tmx_topo *t, int64_t k)
{
    tmx_csr W = {0};
    cr_assert_eq(tmx_topo_weights(t, k, &W), TMX_OK, "%s", tmx_last_error());
    int64_t n = W.n;
    cr_assert_leq(n, 64);
    memset(dense, 0, sizeof dense);
    for (int64_t i = 0; i < n; i++)
        for (int64_t e = W.rowptr[i]; e < W.rowptr[i + 1]; e++) dense[i * n + W.col[e]] = W.val[e];
    tmx_csr_destroy(&W);
}

/* Compares with a hand-derived matrix; entries are single divisions or 1 − (sum of ≤ 4 divisions),
 * so a few ulps of 1 suffice: absolute 4·eps. */
static void assert_matrix(const char *what, int64_t n, const double *want)
{
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < n; j++)
            cr_assert(fabs(dense[i * n + j] - want[i * n + j]) <= 4 * 2.220446049250313e-16,
                      "%s: W[%lld][%lld] = %.17g, want %.17g", what, (long long)i, (long long)j,
                      dense[i * n + j], want[i * n + j]);
}

#define T3 (1.0 / 3.0)

Test(topo, ring_of_five_is_one_third_on_the_three_diagonals)
{
    tmx_topo *t = make("ring", 5);
    weights_dense(t, 0);
    const double want[25] = {T3, T3, 0, 0, T3, T3, T3, T3, 0, 0, 0, T3, T3, T3, 0,
                             0,  0,  T3, T3, T3, T3, 0,  0,  T3, T3};
    assert_matrix("ring5", 5, want);
    tmx_topo_free(t);
}

Test(topo, small_rings_follow_metropolis)
{
    tmx_topo *t = make("ring", 2);
    weights_dense(t, 0);
    const double two[4] = {0.5, 0.5, 0.5, 0.5};
    assert_matrix("ring2", 2, two);
    tmx_topo_free(t);
    t = make("ring", 1);
    weights_dense(t, 0);
    const double one[1] = {1.0};
    assert_matrix("ring1", 1, one);
    tmx_topo_free(t);
}

Test(topo, dring_has_half_on_self_and_predecessor)
{
    tmx_topo *t = make("dring", 4);
    weights_dense(t, 0);
    const double want[16] = {.5, 0, 0, .5, .5, .5, 0, 0, 0, .5, .5, 0, 0, 0, .5, .5};
    assert_matrix("dring4", 4, want);
    cr_assert(tmx_topo_directed(t));
    tmx_topo_free(t);
}

Test(topo, star_puts_one_over_n_on_the_hub)
{
    tmx_topo *t = make("star", 4);
    weights_dense(t, 0);
    const double q = 0.25, r = 0.75;
    const double want[16] = {q, q, q, q, q, r, 0, 0, q, 0, r, 0, q, 0, 0, r};
    assert_matrix("star4", 4, want);
    tmx_topo_free(t);
}

Test(topo, complete_is_J)
{
    tmx_topo *t = make("complete", 3);
    weights_dense(t, 0);
    const double want[9] = {T3, T3, T3, T3, T3, T3, T3, T3, T3};
    assert_matrix("complete3", 3, want);
    tmx_topo_free(t);
}

Test(topo, grid_of_six_is_a_two_by_three_mesh_with_metropolis_weights)
{
    /* 2 x 3 mesh, node a*3 + b:   0 1 2 / 3 4 5.  Degrees 2 3 2 / 2 3 2.
     * w_ij = 1/(1 + max(d_i, d_j)): edges touching 1 or 4 get 1/4, edges 0-3 and 2-5 get 1/3.
     * Diagonals: corners 1 - 1/4 - 1/3 = 5/12, middles 1 - 3/4 = 1/4. */
    tmx_topo *t = make("grid", 6);
    int64_t r, c;
    tmx_topo_shape(t, &r, &c);
    cr_assert_eq(r, 2);
    cr_assert_eq(c, 3);
    weights_dense(t, 0);
    const double q = 0.25, h = 5.0 / 12.0;
    const double want[36] = {h, q, 0, T3, 0, 0, /**/ q, q, q, 0, q, 0, /**/ 0, q, h, 0, 0, T3,
                             T3, 0, 0, h, q, 0, /**/ 0, q, 0, q, q, q, /**/ 0, 0, T3, 0, q, h};
    assert_matrix("grid6", 6, want);
    tmx_topo_free(t);
}

Test(topo, torus_of_nine_puts_one_fifth_everywhere)
{
    tmx_topo *t = make("torus", 9);
    weights_dense(t, 0);
    for (int i = 0; i < 9; i++) {
        int a = i / 3, b = i % 3, nb = 0;
        for (int j = 0; j < 9; j++) {
            int c = j / 3, d = j % 3;
            int adj = (a == c && (d == (b + 1) % 3 || d == (b + 2) % 3)) ||
                      (b == d && (c == (a + 1) % 3 || c == (a + 2) % 3));
            double want = (i == j || adj) ? 0.2 : 0.0;
            nb += adj;
            cr_assert(fabs(dense[i * 9 + j] - want) <= 4 * 2.220446049250313e-16, "torus9 W[%d][%d]=%g", i, j,
                      dense[i * 9 + j]);
        }
        cr_assert_eq(nb, 4);
    }
    tmx_topo_free(t);
}

Test(topo, torus_with_two_rows_is_a_simple_graph)
{
    /* 2 x 4: up and down are the same node, so degree 3 and Metropolis 1/4. */
    tmx_topo_params p;
    tmx_topo_params_init(&p);
    p.n = 8;
    p.rows = 2;
    tmx_topo *t = NULL;
    cr_assert_eq(tmx_topo_new("torus", &p, &t), TMX_OK);
    weights_dense(t, 0);
    cr_assert_float_eq(dense[0 * 8 + 4], 0.25, 1e-15);
    cr_assert_float_eq(dense[0 * 8 + 1], 0.25, 1e-15);
    cr_assert_float_eq(dense[0 * 8 + 3], 0.25, 1e-15);
    cr_assert_float_eq(dense[0], 0.25, 1e-15);
    tmx_topo_free(t);
}

Test(topo, hypercube_of_eight_weights_one_quarter)
{
    tmx_topo *t = make("hypercube", 8);
    weights_dense(t, 0);
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 8; j++) {
            int x = i ^ j;
            double want = (x == 0 || x == 1 || x == 2 || x == 4) ? 0.25 : 0.0;
            cr_assert(fabs(dense[i * 8 + j] - want) <= 4e-16, "hypercube8 W[%d][%d]=%g", i, j, dense[i * 8 + j]);
        }
    tmx_topo_free(t);
}

Test(topo, exp_of_six_has_offsets_one_two_four)
{
    /* tau = 3: offsets 1, 2, 4 and self, each 1/4. */
    tmx_topo *t = make("exp", 6);
    weights_dense(t, 0);
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 6; j++) {
            int d = ((j - i) % 6 + 6) % 6;
            double want = (d == 0 || d == 1 || d == 2 || d == 4) ? 0.25 : 0.0;
            cr_assert_eq(dense[i * 6 + j], want, "exp6 W[%d][%d]=%g", i, j, dense[i * 6 + j]);
        }
    tmx_topo_free(t);
}

Test(topo, onepeer_exp_cycles_through_powers_of_two)
{
    tmx_topo *t = make("onepeer-exp", 8);
    cr_assert_eq(tmx_topo_period(t), 3);
    for (int64_t k = 0; k < 7; k++) {
        weights_dense(t, k);
        int off = 1 << (k % 3);
        for (int i = 0; i < 8; i++)
            for (int j = 0; j < 8; j++) {
                double want = (j == i || j == (i + off) % 8) ? 0.5 : 0.0;
                cr_assert_eq(dense[i * 8 + j], want, "k=%lld W[%d][%d]", (long long)k, i, j);
            }
    }
    tmx_topo_free(t);
}

Test(topo, onepeer_hypercube_pairs_across_one_bit)
{
    tmx_topo *t = make("onepeer-hypercube", 8);
    for (int64_t k = 0; k < 6; k++) {
        weights_dense(t, k);
        int bit = 1 << (k % 3);
        for (int i = 0; i < 8; i++)
            for (int j = 0; j < 8; j++)
                cr_assert_eq(dense[i * 8 + j], (j == i || j == (i ^ bit)) ? 0.5 : 0.0);
    }
    tmx_topo_free(t);
}

Test(topo, bipartite_exp_pairs_odd_with_even_at_the_stated_offsets)
{
    /* offsets 1, 3, 5, 9, each +o then −o mod 10, repeats skipped: 1, 9, 3, 7, 5 (−5 ≡ 5, +9 ≡ −1
     * and −9 ≡ 1 are already listed) */
    tmx_topo *t = make("bipartite-exp", 10);
    const int offs[] = {1, 9, 3, 7, 5};
    cr_assert_eq(tmx_topo_period(t), 5);
    for (int64_t k = 0; k < 5; k++) {
        weights_dense(t, k);
        for (int i = 1; i < 10; i += 2) {
            int j = (i + offs[k]) % 10;
            cr_assert_eq(j % 2, 0);
            cr_assert_eq(dense[i * 10 + j], 0.5, "k=%lld pair (%d,%d)", (long long)k, i, j);
            cr_assert_eq(dense[j * 10 + i], 0.5);
            cr_assert_eq(dense[i * 10 + i], 0.5);
        }
    }
    tmx_topo_free(t);
}

Test(topo, lazy_weights_halve_towards_identity)
{
    tmx_topo_params p;
    tmx_topo_params_init(&p);
    p.n = 5;
    p.weights = TMX_WEIGHTS_LAZY;
    tmx_topo *t = NULL;
    cr_assert_eq(tmx_topo_new("ring", &p, &t), TMX_OK);
    weights_dense(t, 0);
    cr_assert(fabs(dense[0] - (0.5 + 0.5 * T3)) <= 4e-16);
    cr_assert(fabs(dense[1] - 0.5 * T3) <= 4e-16);
    tmx_topo_free(t);
}

Test(topo, uniform_weights_use_the_maximum_degree)
{
    tmx_topo_params p;
    tmx_topo_params_init(&p);
    p.n = 5;
    p.weights = TMX_WEIGHTS_UNIFORM;
    tmx_topo *t = NULL;
    cr_assert_eq(tmx_topo_new("star", &p, &t), TMX_OK);
    weights_dense(t, 0);
    /* d_max = 4: every edge 1/5; leaves keep 4/5; hub keeps 1/5. */
    cr_assert(fabs(dense[1] - 0.2) <= 4e-16);
    cr_assert(fabs(dense[1 * 5 + 1] - 0.8) <= 4e-16);
    cr_assert(fabs(dense[0] - 0.2) <= 1e-15);
    tmx_topo_free(t);
}

/* ---- invariants of every family at several n ---------------------------------------------- */

typedef struct {
    const char *name;
    int64_t n;
} case_t;

static int allowed(const char *name, int64_t n)
{
    if (!strcmp(name, "hypercube") || !strcmp(name, "onepeer-hypercube")) return tmx__is_pow2(n);
    if (!strcmp(name, "bipartite-exp")) return n % 2 == 0;
    if (!strncmp(name, "equi", 4)) return n >= 2;
    return 1;
}

static const char *const all_names[] = {"complete", "ring", "dring", "star", "grid", "torus",
                                        "hypercube", "er", "exp", "onepeer-exp", "onepeer-hypercube",
                                        "bipartite-exp", "matching", "base-k", "equistatic", "equidyn"};
static const int64_t sizes[] = {1, 2, 3, 4, 5, 8, 12, 16, 17, 31, 64};

Test(topo, every_family_at_every_size_is_nonnegative_and_doubly_stochastic)
{
    for (size_t f = 0; f < sizeof all_names / sizeof *all_names; f++)
        for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
            const char *name = all_names[f];
            int64_t n = sizes[s];
            tmx_topo_params p;
            tmx_topo_params_init(&p);
            p.n = n;
            tmx_topo *t = NULL;
            tmx_status st = tmx_topo_new(name, &p, &t);
            if (!allowed(name, n)) {
                cr_assert_eq(st, TMX_EINVAL, "%s n=%lld must be refused", name, (long long)n);
                cr_assert_neq(tmx_last_error()[0], '\0');
                continue;
            }
            cr_assert_eq(st, TMX_OK, "%s n=%lld: %s", name, (long long)n, tmx_last_error());
            int64_t steps = tmx_topo_period(t) > 0 ? tmx_topo_period(t) : 5;
            for (int64_t k = 0; k < steps; k++) {
                tmx_topo_report r;
                cr_assert_eq(tmx_topo_validate(t, k, SUM_TOL, &r), TMX_OK, "%s", tmx_last_error());
                cr_assert(r.step.nonnegative, "%s n=%lld k=%lld has a negative entry", name, (long long)n, (long long)k);
                cr_assert(r.step.doubly_stochastic, "%s n=%lld k=%lld: row err %g col err %g", name, (long long)n,
                          (long long)k, r.step.max_row_error, r.step.max_col_error);
                if (!tmx_topo_directed(t))
                    cr_assert(r.step.symmetric, "%s n=%lld k=%lld not symmetric", name, (long long)n, (long long)k);
                if (tmx_topo_kind_of(t) == TMX_TOPO_STATIC)
                    cr_assert(r.step.connected, "%s n=%lld not connected", name, (long long)n);
                if (tmx_topo_kind_of(t) == TMX_TOPO_PERIODIC)
                    cr_assert_eq(r.period_connected, 1, "%s n=%lld: union over a period not connected", name,
                                 (long long)n);
                /* diagonal always stored */
                tmx_csr W = {0};
                cr_assert_eq(tmx_topo_weights(t, k, &W), TMX_OK);
                cr_assert_eq(tmx_csr_check(&W), TMX_OK, "%s", tmx_last_error());
                tmx_csr_destroy(&W);
            }
            tmx_topo_free(t);
        }
}

Test(topo, degrees_match_the_definitions)
{
    struct {
        const char *name;
        int64_t n, lo, hi;
    } want[] = {{"ring", 10, 2, 2},       {"dring", 10, 1, 1},      {"star", 10, 1, 9},
                {"torus", 16, 4, 4},      {"grid", 16, 2, 4},       {"hypercube", 16, 4, 4},
                {"exp", 16, 4, 4},        {"exp", 17, 5, 5},        {"onepeer-exp", 16, 1, 1},
                {"complete", 7, 6, 6},    {"matching", 8, 1, 1},    {"matching", 7, 0, 1}};
    for (size_t q = 0; q < sizeof want / sizeof *want; q++) {
        tmx_topo *t = make(want[q].name, want[q].n);
        tmx_topo_report r;
        cr_assert_eq(tmx_topo_validate(t, 0, SUM_TOL, &r), TMX_OK);
        cr_assert_eq(r.step.min_in_degree, want[q].lo, "%s n=%lld min degree %lld", want[q].name,
                     (long long)want[q].n, (long long)r.step.min_in_degree);
        cr_assert_eq(r.step.max_in_degree, want[q].hi, "%s n=%lld max degree %lld", want[q].name,
                     (long long)want[q].n, (long long)r.step.max_in_degree);
        tmx_topo_free(t);
    }
}

Test(topo, periods_are_as_defined)
{
    struct {
        const char *name;
        int64_t n, period;
    } want[] = {{"onepeer-exp", 16, 4}, {"onepeer-exp", 17, 5}, {"onepeer-exp", 1, 1},
                {"onepeer-hypercube", 32, 5}, {"bipartite-exp", 16, 8}, {"ring", 9, 1},
                {"matching", 9, 0}, {"equidyn", 9, 0}};
    for (size_t q = 0; q < sizeof want / sizeof *want; q++) {
        tmx_topo *t = make(want[q].name, want[q].n);
        cr_assert_eq(tmx_topo_period(t), want[q].period, "%s n=%lld", want[q].name, (long long)want[q].n);
        tmx_topo_free(t);
    }
}

/* ---- EquiTopo ----------------------------------------------------------------------------- */

Test(topo, equitopo_basis_mean_is_J)
{
    /* With M = n - 1 ... the registry draws shifts at random, so build the basis mean directly:
     * equidyn with eta = 1 gives exactly W^(a) for its random a; enumerate steps until every a in
     * 1..n-1 has been seen, then average one W^(a) per shift. */
    const int64_t n = 7;
    tmx_topo_params p;
    tmx_topo_params_init(&p);
    p.n = n;
    p.eta = 1.0;
    tmx_topo *t = NULL;
    cr_assert_eq(tmx_topo_new("equidyn", &p, &t), TMX_OK);
    double mean[49] = {0};
    int seen[7] = {0}, distinct = 0;
    for (int64_t k = 0; k < 10000 && distinct < n - 1; k++) {
        weights_dense(t, k);
        int a = 0;
        for (int j = 1; j < n; j++)
            if (dense[j] != 0.0) a = j; /* row 0: the shift */
        cr_assert(a >= 1);
        cr_assert(fabs(dense[0] - 1.0 / n) <= 1e-16 && fabs(dense[a] - (n - 1.0) / n) <= 1e-15);
        if (seen[a]) continue;
        seen[a] = 1, distinct++;
        for (int q = 0; q < n * n; q++) mean[q] += dense[q] / (double)(n - 1);
    }
    cr_assert_eq(distinct, n - 1);
    /* each mean entry is a sum of n-1 terms ≤ 1 divided by n-1: a few ulps */
    for (int q = 0; q < n * n; q++) cr_assert(fabs(mean[q] - 1.0 / n) <= 1e-15, "mean[%d]=%.17g", q, mean[q]);
    tmx_topo_free(t);
}

Test(topo, equistatic_undirected_is_symmetric)
{
    tmx_topo_params p;
    tmx_topo_params_init(&p);
    p.n = 20;
    p.m = 5;
    p.undirected = 1;
    tmx_topo *t = NULL;
    cr_assert_eq(tmx_topo_new("equistatic", &p, &t), TMX_OK);
    tmx_topo_report r;
    cr_assert_eq(tmx_topo_validate(t, 0, SUM_TOL, &r), TMX_OK);
    cr_assert(r.step.symmetric && r.step.doubly_stochastic);
    tmx_topo_free(t);
}

/* ---- reproducibility ---------------------------------------------------------------------- */

static int same_csr(const tmx_csr *a, const tmx_csr *b)
{
    if (a->n != b->n || a->nnz != b->nnz) return 0;
    return !memcmp(a->rowptr, b->rowptr, (size_t)(a->n + 1) * 8) && !memcmp(a->col, b->col, (size_t)a->nnz * 8) &&
           !memcmp(a->val, b->val, (size_t)a->nnz * 8);
}

Test(topo, random_topologies_depend_only_on_seed_and_step)
{
    const char *names[] = {"er", "matching", "equistatic", "equidyn"};
    for (int q = 0; q < 4; q++) {
        tmx_topo_params p;
        tmx_topo_params_init(&p);
        p.n = 24;
        p.seed = 12345;
        tmx_topo *a = NULL, *b = NULL;
        cr_assert_eq(tmx_topo_new(names[q], &p, &a), TMX_OK);
        cr_assert_eq(tmx_topo_new(names[q], &p, &b), TMX_OK);
        tmx_csr Wa[6], Wb = {0};
        for (int k = 0; k < 6; k++) {
            tmx_csr_init(&Wa[k]);
            cr_assert_eq(tmx_topo_weights(a, k, &Wa[k]), TMX_OK);
        }
        for (int k = 5; k >= 0; k--) { /* reverse order on a second handle */
            cr_assert_eq(tmx_topo_weights(b, k, &Wb), TMX_OK);
            cr_assert(same_csr(&Wa[k], &Wb), "%s step %d differs when asked in another order", names[q], k);
        }
        if (tmx_topo_kind_of(a) == TMX_TOPO_RANDOM) {
            int differ = 0;
            for (int k = 1; k < 6; k++) differ |= !same_csr(&Wa[0], &Wa[k]);
            cr_assert(differ, "%s: every step drew the same matrix", names[q]);
        }
        /* another seed gives another draw */
        tmx_topo *c = NULL;
        p.seed = 54321;
        cr_assert_eq(tmx_topo_new(names[q], &p, &c), TMX_OK);
        cr_assert_eq(tmx_topo_weights(c, 0, &Wb), TMX_OK);
        cr_assert(!same_csr(&Wa[0], &Wb), "%s: seeds 12345 and 54321 drew the same matrix", names[q]);
        for (int k = 0; k < 6; k++) tmx_csr_destroy(&Wa[k]);
        tmx_csr_destroy(&Wb);
        tmx_topo_free(a);
        tmx_topo_free(b);
        tmx_topo_free(c);
    }
}

Test(topo, er_with_p_one_is_complete_and_sparse_p_stays_connected)
{
    tmx_topo_params p;
    tmx_topo_params_init(&p);
    p.n = 9;
    p.p = 1.0;
    tmx_topo *t = NULL;
    cr_assert_eq(tmx_topo_new("er", &p, &t), TMX_OK);
    tmx_topo_report r;
    cr_assert_eq(tmx_topo_validate(t, 0, SUM_TOL, &r), TMX_OK);
    cr_assert_eq(r.step.min_in_degree, 8);
    tmx_topo_free(t);
    p.n = 200;
    p.p = 0.05; /* above the ln(n)/n ≈ 0.026 threshold: redraws terminate quickly */
    cr_assert_eq(tmx_topo_new("er", &p, &t), TMX_OK);
    cr_assert_eq(tmx_topo_validate(t, 0, SUM_TOL, &r), TMX_OK);
    cr_assert(r.step.connected && r.step.doubly_stochastic);
    tmx_topo_free(t);
}

Test(topo, matching_pairs_are_perfect_and_uniform_over_pairs)
{
    /* Over many steps at n = 4, each of the 6 pairs is matched with probability 1/3 per step. */
    tmx_topo *t = make("matching", 4);
    int count[16] = {0};
    const int steps = 3000;
    for (int k = 0; k < steps; k++) {
        weights_dense(t, k);
        for (int i = 0; i < 4; i++)
            for (int j = i + 1; j < 4; j++)
                if (dense[i * 4 + j] != 0.0) count[i * 4 + j]++;
    }
    for (int i = 0; i < 4; i++)
        for (int j = i + 1; j < 4; j++) {
            /* binomial(3000, 1/3): sd ≈ 25.8; 6 sd bound for a deterministic-seed test */
            cr_assert(fabs(count[i * 4 + j] - steps / 3.0) < 6 * 25.8, "pair (%d,%d) matched %d times", i, j,
                      count[i * 4 + j]);
        }
    tmx_topo_free(t);
}

/* ---- errors ------------------------------------------------------------------------------- */

static void expect_error(const char *name, tmx_topo_params p, tmx_status want)
{
    tmx_topo *t = NULL;
    tmx_clear_error();
    tmx_status st = tmx_topo_new(name, &p, &t);
    cr_assert_eq(st, want, "%s: got %s (%s), want %s", name, tmx_errname(st), tmx_last_error(), tmx_errname(want));
    cr_assert_null(t);
    cr_assert_neq(tmx_last_error()[0], '\0', "%s: no message", name);
}

Test(topo, bad_parameters_are_refused_with_a_message)
{
    tmx_topo_params p;
    tmx_topo_params_init(&p);
    p.n = 0;
    expect_error("ring", p, TMX_EINVAL);
    p.n = -5;
    expect_error("ring", p, TMX_EINVAL);
    p.n = 12;
    expect_error("no-such-topology", p, TMX_EINVAL);
    expect_error("hypercube", p, TMX_EINVAL);
    expect_error("onepeer-hypercube", p, TMX_EINVAL);
    p.n = 7;
    expect_error("bipartite-exp", p, TMX_EINVAL);
    p.n = 12;
    p.rows = 5;
    expect_error("grid", p, TMX_EINVAL);
    expect_error("ring", p, TMX_EINVAL); /* rows does not apply */
    p.rows = 0;
    p.p = 1.5;
    expect_error("er", p, TMX_EINVAL);
    p.p = NAN;
    expect_error("er", p, TMX_EINVAL);
    p.p = 0;
    p.weights = TMX_WEIGHTS_UNIFORM;
    expect_error("exp", p, TMX_EINVAL); /* fixed weights */
    p.weights = (tmx_weights)42;
    expect_error("ring", p, TMX_EINVAL);
    p.weights = TMX_WEIGHTS_DEFAULT;
    p.k = -1;
    expect_error("base-k", p, TMX_EINVAL);
    p.k = 0;
    p.eta = 2.0;
    expect_error("equidyn", p, TMX_EINVAL);
    p.eta = 0;
    p.m = 100; /* M > n is allowed (shifts drawn with replacement), but not with equi-eps */
    p.eps = 0.5;
    expect_error("equistatic", p, TMX_EINVAL);
    p.m = 0;
    p.eps = 0;
    p.n = 1;
    expect_error("equistatic", p, TMX_EINVAL);
    expect_error("file:", p, TMX_EINVAL);
    expect_error("file:/nonexistent/W.mtx", p, TMX_EIO);
}

Test(topo, sizes_that_exceed_memory_are_refused_before_allocating)
{
    tmx_topo_params p;
    tmx_topo_params_init(&p);
    p.n = (int64_t)1 << 24; /* complete: 2^48 entries */
    expect_error("complete", p, TMX_ENOMEM);
    cr_assert(strstr(tmx_last_error(), "needs") != NULL, "%s", tmx_last_error());
    expect_error("er", p, TMX_ENOMEM);
    p.n = (int64_t)1 << 40;
    expect_error("ring", p, TMX_ENOMEM);
}

Test(topo, negative_step_and_dense_overflow_are_refused)
{
    tmx_topo *t = make("ring", 4);
    tmx_csr W = {0};
    cr_assert_eq(tmx_topo_weights(t, -1, &W), TMX_EINVAL);
    tmx_topo_free(t);
    tmx_csr big = {0};
    big.n = (int64_t)1 << 30; /* the dense copy would need 8 EiB */
    tmx_mat D = {0};
    cr_assert_eq(tmx_csr_to_dense(&big, &D), TMX_ENOMEM);
}

Test(topo, weight_names_parse)
{
    tmx_weights w;
    cr_assert_eq(tmx_weights_parse("lazy", &w), TMX_OK);
    cr_assert_eq(w, TMX_WEIGHTS_LAZY);
    cr_assert_eq(tmx_weights_parse("Metropolis", &w), TMX_EINVAL);
    cr_assert_str_eq(tmx_weights_name(TMX_WEIGHTS_UNIFORM), "uniform");
    /* the 17 families of issue 10 and those issue 11 adds (test_random_families.c checks its own) */
    cr_assert_geq(tmx_topo_family_count(), 17);
    cr_assert_null(tmx_topo_family(tmx_topo_family_count()));
}

/* Stepping through a workspace: the same matrices bit for bit as tmx_topo_weights, and once the
 * matrices stop growing, no allocation: from the third step on the output's arrays, the generator
 * and the integer scratch keep their addresses (the lazy step swaps two matrices, so W's arrays
 * alternate between two fixed addresses). */
#include "topo/family.h"

Test(topo, stepping_through_a_workspace_reuses_its_storage)
{
    struct {
        const char *name;
        int64_t n;
        tmx_weights w;
        int undirected;
    } cases[] = {{"matching", 10, TMX_WEIGHTS_DEFAULT, 0}, {"matching", 9, TMX_WEIGHTS_LAZY, 0},
                 {"equidyn", 12, TMX_WEIGHTS_DEFAULT, 0},  {"equidyn", 12, TMX_WEIGHTS_DEFAULT, 1},
                 {"equidyn", 7, TMX_WEIGHTS_LAZY, 1},      {"er", 8, TMX_WEIGHTS_DEFAULT, 0},
                 {"onepeer-exp", 16, TMX_WEIGHTS_LAZY, 0}};
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        tmx_topo_params p;
        tmx_topo_params_init(&p);
        p.n = cases[c].n;
        p.weights = cases[c].w;
        p.undirected = cases[c].undirected;
        tmx_topo *t = NULL;
        cr_assert_eq(tmx_topo_new(cases[c].name, &p, &t), TMX_OK, "%s", tmx_last_error());
        tmx_topo_ws *ws = NULL;
        cr_assert_eq(tmx_topo_ws_new(&ws), TMX_OK);
        tmx_csr W = {0}, R = {0};
        const void *seen[2][3] = {{0}}, *rng = NULL, *ints = NULL;
        for (int64_t k = 0; k < 24; k++) {
            cr_assert_eq(tmx_topo_weights_ws(t, k, &W, ws), TMX_OK, "%s", tmx_last_error());
            cr_assert_eq(tmx_topo_weights(t, k, &R), TMX_OK);
            cr_assert(W.n == R.n && W.nnz == R.nnz, "%s step %lld: nnz %lld vs %lld", cases[c].name, (long long)k,
                      (long long)W.nnz, (long long)R.nnz);
            cr_assert(memcmp(W.rowptr, R.rowptr, (size_t)(W.n + 1) * sizeof *W.rowptr) == 0);
            cr_assert(memcmp(W.col, R.col, (size_t)W.nnz * sizeof *W.col) == 0);
            cr_assert(memcmp(W.val, R.val, (size_t)W.nnz * sizeof *W.val) == 0, "%s step %lld: values differ",
                      cases[c].name, (long long)k);
            const void *now[3] = {W.rowptr, W.col, W.val};
            if (k == 2 || k == 3) {
                memcpy(seen[k - 2], now, sizeof now);
                rng = ws->rng, ints = ws->ints;
            } else if (k > 3) {
                for (int a = 0; a < 3; a++)
                    cr_assert(now[a] == seen[k % 2][a] || now[a] == seen[1 - k % 2][a],
                              "%s n=%lld step %lld: array %d moved", cases[c].name, (long long)cases[c].n, (long long)k, a);
                cr_assert(ws->rng == rng && ws->ints == ints, "%s: scratch reallocated at step %lld", cases[c].name,
                          (long long)k);
            }
        }
        tmx_csr_destroy(&W);
        tmx_csr_destroy(&R);
        tmx_topo_ws_free(ws);
        tmx_topo_free(t);
    }
}
