/* The peers' random families (random-regular, small-world, random-ring) and the corrected
 * EquiTopo definitions (equistatic's M, equidyn --undirected), each against its definition in
 * docs/definitions.md §19 and §2. */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <topomix/spectral.h>
#include <topomix/topo.h>

#include "spectral/kernels.h"
#include "topo/family.h"

static tmx_topo *make_p(const char *name, const tmx_topo_params *p)
{
    tmx_topo *t = NULL;
    cr_assert_eq(tmx_topo_new(name, p, &t), TMX_OK, "%s n=%lld: %s", name, (long long)p->n, tmx_last_error());
    return t;
}

static void expect_einval(const char *name, const tmx_topo_params *p)
{
    tmx_topo *t = NULL;
    cr_assert_eq(tmx_topo_new(name, p, &t), TMX_EINVAL, "%s n=%lld must be refused", name, (long long)p->n);
    cr_assert_null(t);
    cr_assert_neq(tmx_last_error()[0], '\0');
}

/* The graph pattern of step k, as the family builds it (before weights): values are edge
 * multiplicities, since building from triplets sums repeats. */
static void pattern(const tmx_topo *t, int64_t k, tmx_csr *G)
{
    tmx_topo_ws *ws = NULL;
    cr_assert_eq(tmx_topo_ws_new(&ws), TMX_OK);
    cr_assert_eq(t->fam->build(t, k, G, ws), TMX_OK, "%s", tmx_last_error());
    tmx_topo_ws_free(ws);
}

/* G is a simple undirected graph: no loops, every value 1 (no repeated edge), symmetric. Returns
 * the smallest and largest degree. */
static void check_simple(const tmx_csr *G, int64_t *dmin, int64_t *dmax)
{
    int64_t n = G->n;
    *dmin = n, *dmax = 0;
    for (int64_t i = 0; i < n; i++) {
        int64_t d = G->rowptr[i + 1] - G->rowptr[i];
        if (d < *dmin) *dmin = d;
        if (d > *dmax) *dmax = d;
        for (int64_t e = G->rowptr[i]; e < G->rowptr[i + 1]; e++) {
            int64_t j = G->col[e];
            cr_assert_neq(j, i, "self loop at %lld", (long long)i);
            cr_assert_eq(G->val[e], 1.0, "edge %lld-%lld appears %g times", (long long)i, (long long)j, G->val[e]);
            int found = 0;
            for (int64_t f = G->rowptr[j]; f < G->rowptr[j + 1]; f++) found |= G->col[f] == i;
            cr_assert(found, "edge %lld-%lld has no reverse", (long long)i, (long long)j);
        }
    }
}

static int has_edge(const tmx_csr *G, int64_t i, int64_t j)
{
    for (int64_t e = G->rowptr[i]; e < G->rowptr[i + 1]; e++)
        if (G->col[e] == j) return 1;
    return 0;
}

static int same_csr(const tmx_csr *a, const tmx_csr *b)
{
    if (a->n != b->n || a->nnz != b->nnz) return 0;
    return !memcmp(a->rowptr, b->rowptr, (size_t)(a->n + 1) * 8) && !memcmp(a->col, b->col, (size_t)a->nnz * 8) &&
           !memcmp(a->val, b->val, (size_t)a->nnz * 8);
}

Test(random_families, every_one_is_registered_and_listed)
{
    const char *names[] = {"random-regular", "small-world", "random-ring"};
    for (int q = 0; q < 3; q++) {
        const tmx_topo_family_info *f = NULL;
        for (size_t i = 0; i < tmx_topo_family_count(); i++)
            if (strcmp(tmx_topo_family(i)->name, names[q]) == 0) f = tmx_topo_family(i);
        cr_assert_not_null(f, "%s is not in the registry", names[q]);
        cr_assert(f->seeded && f->graph, "%s: seeded graph family", names[q]);
        cr_assert_eq(f->kind, q == 2 ? TMX_TOPO_RANDOM : TMX_TOPO_STATIC, "%s", names[q]);
    }
}

/* ---- random-regular ------------------------------------------------------------------------ */

Test(random_families, random_regular_is_simple_regular_and_connected)
{
    /* small n exhaustively in D, larger n at low, middle and high D (the high ones are drawn as
     * complements of sparse graphs) */
    const int64_t sizes[] = {2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 16, 17, 31, 32, 64, 101, 128, 257};
    int checked = 0;
    for (size_t q = 0; q < sizeof sizes / sizeof *sizes; q++) {
        int64_t n = sizes[q];
        for (int64_t D = 1; D < n; D++) {
            if (n > 13 && !(D <= 6 || D == n / 2 || D == (n - 1) / 2 + 1 || D >= n - 3)) continue;
            tmx_topo_params p;
            tmx_topo_params_init(&p);
            p.n = n;
            p.degree = D;
            p.seed = 7 + (uint64_t)D;
            if ((n * D) % 2 || (D == 1 && n > 2)) {
                expect_einval("random-regular", &p);
                continue;
            }
            tmx_topo *t = make_p("random-regular", &p);
            tmx_csr G = {0}, W = {0};
            pattern(t, 0, &G);
            int64_t dmin, dmax;
            check_simple(&G, &dmin, &dmax);
            cr_assert(dmin == D && dmax == D, "n=%lld D=%lld: degrees %lld..%lld", (long long)n, (long long)D,
                      (long long)dmin, (long long)dmax);
            cr_assert(tmx_csr_is_connected(&G), "n=%lld D=%lld: not connected", (long long)n, (long long)D);
            /* Metropolis on a D-regular graph: 1/(D + 1) on the pattern, and on the diagonal up to
             * the rounding of 1 minus D such terms */
            cr_assert_eq(tmx_topo_weights(t, 0, &W), TMX_OK);
            cr_assert_eq(W.nnz, n * (D + 1));
            for (int64_t i = 0; i < n; i++)
                for (int64_t e = W.rowptr[i]; e < W.rowptr[i + 1]; e++)
                    cr_assert(fabs(W.val[e] - 1.0 / (double)(D + 1)) <= (W.col[e] == i ? (double)D * DBL_EPSILON : 0.0),
                              "n=%lld D=%lld: w_%lld,%lld = %.17g", (long long)n, (long long)D, (long long)i,
                              (long long)W.col[e], W.val[e]);
            tmx_csr_destroy(&G);
            tmx_csr_destroy(&W);
            tmx_topo_free(t);
            checked++;
        }
    }
    cr_assert_geq(checked, 112, "%d checked", checked); /* the valid (n, D) of the loops above */
}

Test(random_families, random_regular_refuses_impossible_degrees)
{
    tmx_topo_params p;
    tmx_topo_params_init(&p);
    p.n = 9, p.degree = 3; /* n·D odd */
    expect_einval("random-regular", &p);
    p.n = 8, p.degree = 8; /* D ≥ n */
    expect_einval("random-regular", &p);
    p.degree = 1; /* a perfect matching: never connected */
    expect_einval("random-regular", &p);
    p.n = 1, p.degree = 0;
    expect_einval("random-regular", &p);
    p.n = 8, p.degree = -2;
    expect_einval("random-regular", &p);
    p.degree = 3, p.p = 0.5; /* parameter of another family */
    expect_einval("random-regular", &p);
    /* the default degree: min(4, n − 1) */
    tmx_topo_params_init(&p);
    for (int64_t n = 2; n <= 9; n++) {
        p.n = n;
        tmx_topo *t = make_p("random-regular", &p);
        cr_assert_eq(tmx_topo_params_of(t)->degree, n - 1 < 4 ? n - 1 : 4);
        tmx_topo_free(t);
    }
}

/* Every labelled 5-cycle is the same graph up to renaming the nodes, and the pairing treats nodes
 * alike, so the 12 of them must come out equally often: a χ² test over 1200 seeds (11 degrees of
 * freedom; 31.3 is the 0.999 quantile, so a fair draw fails one time in a thousand, and with
 * fixed seeds the outcome is fixed). */
Test(random_families, random_regular_draws_every_labelled_cycle_equally)
{
    int count[5 * 5 * 5 * 5 * 5] = {0}, distinct = 0;
    const int S = 1200;
    for (int s = 0; s < S; s++) {
        tmx_topo_params p;
        tmx_topo_params_init(&p);
        p.n = 5, p.degree = 2, p.seed = (uint64_t)s + 1;
        tmx_topo *t = make_p("random-regular", &p);
        tmx_csr G = {0};
        pattern(t, 0, &G);
        /* the cycle as the sequence of nodes from 0, towards its smaller neighbour */
        int seq = 0, prev = -1, cur = 0;
        for (int q = 0; q < 5; q++) {
            seq = seq * 5 + cur;
            int a = (int)G.col[G.rowptr[cur]], b = (int)G.col[G.rowptr[cur] + 1];
            int next = q == 0 ? (a < b ? a : b) : (a == prev ? b : a);
            prev = cur, cur = next;
        }
        cr_assert_eq(cur, 0, "not a 5-cycle");
        distinct += count[seq]++ == 0;
        tmx_csr_destroy(&G);
        tmx_topo_free(t);
    }
    cr_assert_eq(distinct, 12);
    double chi2 = 0.0, want = S / 12.0;
    for (int q = 0; q < 3125; q++)
        if (count[q]) chi2 += (count[q] - want) * (count[q] - want) / want;
    cr_assert_lt(chi2, 31.3, "chi2 = %g over the 12 labelled 5-cycles", chi2);
}

/* ---- small-world --------------------------------------------------------------------------- */

Test(random_families, small_world_at_p_zero_is_the_ring_lattice)
{
    const int64_t cases[][2] = {{3, 2}, {5, 4}, {8, 2}, {8, 6}, {17, 4}, {17, 16}, {64, 10}};
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        int64_t n = cases[c][0], K = cases[c][1];
        tmx_csr G = {0};
        cr_assert_eq(tmx__small_world_draw(n, K, 0.0, 99, &G), TMX_OK);
        cr_assert_eq(G.nnz, n * K);
        for (int64_t i = 0; i < n; i++)
            for (int64_t j = 0; j < n; j++) {
                int64_t dist = llabs(i - j) < n - llabs(i - j) ? llabs(i - j) : n - llabs(i - j);
                cr_assert_eq(has_edge(&G, i, j), dist >= 1 && dist <= K / 2, "n=%lld K=%lld: %lld-%lld", (long long)n,
                             (long long)K, (long long)i, (long long)j);
            }
        tmx_csr_destroy(&G);
    }
}

Test(random_families, small_world_keeps_its_edge_count_and_each_nodes_own_edges)
{
    /* Rewiring moves the far end of (u, u + j) and keeps u: n·K/2 edges, simple, and every node
     * keeps at least its K/2 own edges. With p < 1 the registry's graph is connected. */
    const int64_t ns[] = {5, 8, 12, 31, 100};
    const int64_t Ks[] = {2, 4, 6, 10};
    const double ps[] = {0.05, 0.3, 1.0};
    for (size_t a = 0; a < sizeof ns / sizeof *ns; a++)
        for (size_t b = 0; b < sizeof Ks / sizeof *Ks; b++)
            for (size_t c = 0; c < sizeof ps / sizeof *ps; c++) {
                int64_t n = ns[a], K = Ks[b];
                if (K >= n) continue;
                for (uint64_t seed = 1; seed <= 5; seed++) {
                    tmx_csr G = {0};
                    cr_assert_eq(tmx__small_world_draw(n, K, ps[c], seed, &G), TMX_OK);
                    int64_t dmin, dmax;
                    check_simple(&G, &dmin, &dmax);
                    cr_assert_eq(G.nnz, n * K, "n=%lld K=%lld p=%g: %lld entries", (long long)n, (long long)K, ps[c],
                                 (long long)G.nnz);
                    cr_assert_geq(dmin, K / 2);
                    tmx_csr_destroy(&G);
                }
                if (ps[c] < 1.0) {
                    tmx_topo_params p;
                    tmx_topo_params_init(&p);
                    p.n = n, p.k = K, p.p = ps[c];
                    tmx_topo *t = make_p("small-world", &p);
                    tmx_csr G = {0};
                    pattern(t, 0, &G);
                    cr_assert(tmx_csr_is_connected(&G));
                    cr_assert_eq(G.nnz, n * K);
                    tmx_csr_destroy(&G);
                    tmx_topo_free(t);
                }
            }
}

Test(random_families, small_world_rewires_about_a_fraction_p)
{
    /* n = 2000, K = 4, p = 0.2: each of the 4000 lattice edges is rewired with probability 0.2
     * (and lands on a lattice position again with probability about 4/2000), so the edges off the
     * lattice are Binomial(4000, 0.2) ≈ 800 ± 25; 6 standard deviations either side */
    tmx_csr G = {0};
    const int64_t n = 2000;
    cr_assert_eq(tmx__small_world_draw(n, 4, 0.2, 3, &G), TMX_OK);
    int64_t off = 0;
    for (int64_t i = 0; i < n; i++)
        for (int64_t e = G.rowptr[i]; e < G.rowptr[i + 1]; e++) {
            int64_t d = llabs(G.col[e] - i);
            if (d > 2 && d < n - 2) off++;
        }
    off /= 2;
    cr_assert(off > 800 - 6 * 25 && off < 800 + 6 * 25, "%lld edges off the lattice", (long long)off);
    tmx_csr_destroy(&G);
}

Test(random_families, small_world_refuses_bad_lattices)
{
    tmx_topo_params p;
    tmx_topo_params_init(&p);
    p.n = 10, p.k = 3; /* odd */
    expect_einval("small-world", &p);
    p.k = 10; /* ≥ n */
    expect_einval("small-world", &p);
    p.k = 12;
    expect_einval("small-world", &p);
    p.k = 4, p.p = 1.5;
    expect_einval("small-world", &p);
    p.p = 0.1, p.n = 2, p.k = 0;
    expect_einval("small-world", &p);
    p.n = 10, p.degree = 4;
    expect_einval("small-world", &p);
}

/* ---- random-ring --------------------------------------------------------------------------- */

Test(random_families, random_ring_is_a_hamiltonian_cycle_each_step)
{
    const int64_t sizes[] = {3, 4, 5, 8, 17, 64, 257};
    for (size_t q = 0; q < sizeof sizes / sizeof *sizes; q++) {
        int64_t n = sizes[q];
        tmx_topo_params p;
        tmx_topo_params_init(&p);
        p.n = n;
        tmx_topo *t = make_p("random-ring", &p);
        cr_assert_eq(tmx_topo_period(t), 0);
        char *seen = malloc((size_t)n);
        for (int64_t k = 0; k < 20; k++) {
            tmx_csr G = {0}, W = {0};
            pattern(t, k, &G);
            int64_t dmin, dmax;
            check_simple(&G, &dmin, &dmax);
            cr_assert(dmin == 2 && dmax == 2, "n=%lld step %lld", (long long)n, (long long)k);
            /* walk the cycle from 0: it must visit every node once before returning */
            memset(seen, 0, (size_t)n);
            int64_t prev = -1, cur = 0, len = 0;
            do {
                cr_assert(!seen[cur], "n=%lld step %lld: node %lld twice", (long long)n, (long long)k, (long long)cur);
                seen[cur] = 1, len++;
                int64_t a = G.col[G.rowptr[cur]], b = G.col[G.rowptr[cur] + 1];
                int64_t next = a == prev ? b : a;
                prev = cur, cur = next;
            } while (cur != 0);
            cr_assert_eq(len, n, "n=%lld step %lld: a cycle of %lld nodes", (long long)n, (long long)k, (long long)len);
            /* pcode's weights: 1/3 on self and both neighbours (Metropolis on a cycle) */
            cr_assert_eq(tmx_topo_weights(t, k, &W), TMX_OK);
            for (int64_t e = 0; e < W.nnz; e++) cr_assert(fabs(W.val[e] - 1.0 / 3.0) <= 1e-16);
            tmx_csr_destroy(&G);
            tmx_csr_destroy(&W);
        }
        free(seen);
        tmx_topo_free(t);
    }
    /* n = 1: no edge; n = 2: the one edge, 1/2 each */
    tmx_topo_params p;
    tmx_topo_params_init(&p);
    p.n = 2;
    tmx_topo *t = make_p("random-ring", &p);
    tmx_csr W = {0};
    cr_assert_eq(tmx_topo_weights(t, 5, &W), TMX_OK);
    cr_assert_eq(W.nnz, 4);
    for (int e = 0; e < 4; e++) cr_assert_eq(W.val[e], 0.5);
    tmx_topo_free(t);
    p.n = 1;
    t = make_p("random-ring", &p);
    cr_assert_eq(tmx_topo_weights(t, 0, &W), TMX_OK);
    cr_assert(W.nnz == 1 && W.val[0] == 1.0);
    tmx_csr_destroy(&W);
    tmx_topo_free(t);
}

Test(random_families, random_ring_depends_only_on_seed_and_step)
{
    tmx_topo_params p;
    tmx_topo_params_init(&p);
    p.n = 30;
    p.seed = 4242;
    tmx_topo *a = make_p("random-ring", &p), *b = make_p("random-ring", &p);
    tmx_csr Wa[12], Wb = {0};
    for (int k = 0; k < 12; k++) {
        tmx_csr_init(&Wa[k]);
        cr_assert_eq(tmx_topo_weights(a, k, &Wa[k]), TMX_OK);
    }
    const int order[12] = {7, 3, 11, 0, 5, 9, 1, 10, 2, 8, 4, 6};
    tmx_topo_ws *ws = NULL;
    cr_assert_eq(tmx_topo_ws_new(&ws), TMX_OK);
    for (int q = 0; q < 12; q++) { /* another handle, another order, through a workspace */
        cr_assert_eq(tmx_topo_weights_ws(b, order[q], &Wb, ws), TMX_OK);
        cr_assert(same_csr(&Wa[order[q]], &Wb), "step %d differs when asked in another order", order[q]);
    }
    int differ = 0;
    for (int k = 1; k < 12; k++) differ += !same_csr(&Wa[0], &Wa[k]);
    cr_assert_geq(differ, 10, "the ring must be redrawn each step");
    p.seed = 4243;
    tmx_topo *c = make_p("random-ring", &p);
    cr_assert_eq(tmx_topo_weights(c, 0, &Wb), TMX_OK);
    cr_assert(!same_csr(&Wa[0], &Wb), "another seed, another ring");
    for (int k = 0; k < 12; k++) tmx_csr_destroy(&Wa[k]);
    tmx_csr_destroy(&Wb);
    tmx_topo_ws_free(ws);
    tmx_topo_free(a);
    tmx_topo_free(b);
    tmx_topo_free(c);
}

/* n = 4 has 3 labelled cycles (which node sits opposite node 0); each step draws one uniformly:
 * χ² over 3000 steps, 2 degrees of freedom, 13.8 the 0.999 quantile. */
Test(random_families, random_ring_draws_each_cycle_equally)
{
    tmx_topo_params p;
    tmx_topo_params_init(&p);
    p.n = 4;
    tmx_topo *t = make_p("random-ring", &p);
    int count[4] = {0};
    const int S = 3000;
    for (int k = 0; k < S; k++) {
        tmx_csr G = {0};
        pattern(t, k, &G);
        int opposite = -1;
        for (int j = 1; j < 4; j++)
            if (!has_edge(&G, 0, j)) opposite = j;
        cr_assert_geq(opposite, 1);
        count[opposite]++;
        tmx_csr_destroy(&G);
    }
    double chi2 = 0.0;
    for (int j = 1; j < 4; j++) chi2 += (count[j] - S / 3.0) * (count[j] - S / 3.0) / (S / 3.0);
    cr_assert_lt(chi2, 13.8, "chi2 = %g (%d %d %d)", chi2, count[1], count[2], count[3]);
    tmx_topo_free(t);
}

/* ---- equistatic ---------------------------------------------------------------------------- */

/* W = I/n + ((n − 1)/n) Σ_a (c_a/M) P^a with counts c_a ≥ 0 summing to M: W is circulant, its
 * diagonal 1/n, and each off-diagonal entry times nM/(n − 1) an integer (the count). Returns the
 * count of shift a in counts[a] (undirected: the counts of a and n − a, halved, add up). */
static void equistatic_counts(const tmx_topo *t, double *counts)
{
    int64_t n = tmx_topo_n(t), M = tmx_topo_params_of(t)->m;
    tmx_csr W = {0};
    cr_assert_eq(tmx_topo_weights(t, 0, &W), TMX_OK);
    double *row0 = calloc((size_t)n, sizeof *row0);
    for (int64_t e = W.rowptr[0]; e < W.rowptr[1]; e++) row0[W.col[e]] = W.val[e];
    cr_assert(fabs(row0[0] - 1.0 / (double)n) <= 1e-15);
    for (int64_t i = 0; i < n; i++)
        for (int64_t e = W.rowptr[i]; e < W.rowptr[i + 1]; e++)
            cr_assert(fabs(W.val[e] - row0[(W.col[e] - i + n) % n]) <= 1e-15, "not circulant at row %lld", (long long)i);
    double total = 0.0;
    for (int64_t a = 1; a < n; a++) {
        counts[a] = row0[a] * (double)n * (double)M / (double)(n - 1);
        total += counts[a];
    }
    cr_assert(fabs(total - (double)M) <= 1e-9 * (double)M, "counts add to %.17g, M=%lld", total, (long long)M);
    free(row0);
    tmx_csr_destroy(&W);
}

Test(random_families, equistatic_accepts_more_shifts_than_nodes)
{
    /* EquiTopo draws its shifts with replacement: M = 50 at n = 5 is fine */
    tmx_topo_params p;
    tmx_topo_params_init(&p);
    p.n = 5, p.m = 50;
    tmx_topo *t = make_p("equistatic", &p);
    double counts[5];
    equistatic_counts(t, counts);
    for (int a = 1; a < 5; a++) {
        cr_assert(fabs(counts[a] - round(counts[a])) <= 1e-9, "count of shift %d: %.17g", a, counts[a]);
        cr_assert_gt(counts[a], 0.0, "50 draws of 4 shifts miss one with probability 4 (3/4)^50 ≈ 2e-6");
    }
    tmx_topo_free(t);
    /* M = 1 is one basis matrix: row 0 has 1/n and (n − 1)/n at the shift */
    p.n = 9, p.m = 1;
    t = make_p("equistatic", &p);
    tmx_csr W = {0};
    cr_assert_eq(tmx_topo_weights(t, 0, &W), TMX_OK);
    cr_assert_eq(W.nnz, 18);
    cr_assert(W.val[0] == 1.0 / 9.0 || W.val[1] == 1.0 / 9.0);
    tmx_csr_destroy(&W);
    tmx_topo_free(t);
}

Test(random_families, equistatic_chooses_m_from_eps_and_fail_prob)
{
    /* M = ⌊8 ln(2n/p)/(3ε²)⌋, worked by hand:
     *   n = 16, ε = 0.5, p = 0.1 (the default): 8 ln 320 / 0.75 = 8 · 5.76832 / 0.75 = 61.53 → 61
     *   n = 100, ε = 0.3, p = 0.01: 8 ln 20000 / 0.27 = 8 · 9.90349 / 0.27 = 293.44 → 293 */
    const struct { int64_t n; double eps, fp; int64_t M; } cases[] = {{16, 0.5, 0.0, 61}, {100, 0.3, 0.01, 293}};
    for (int c = 0; c < 2; c++) {
        tmx_topo_params p;
        tmx_topo_params_init(&p);
        p.n = cases[c].n, p.eps = cases[c].eps, p.fail_prob = cases[c].fp, p.seed = 5;
        tmx_topo *t = make_p("equistatic", &p);
        cr_assert_eq(tmx_topo_params_of(t)->m, cases[c].M, "M=%lld", (long long)tmx_topo_params_of(t)->m);
        cr_assert_eq(tmx_topo_params_of(t)->fail_prob, cases[c].fp != 0.0 ? cases[c].fp : 0.1);
        /* the same W as asking for that M directly */
        tmx_topo_params q;
        tmx_topo_params_init(&q);
        q.n = cases[c].n, q.m = cases[c].M, q.seed = 5;
        tmx_topo *u = make_p("equistatic", &q);
        tmx_csr A = {0}, B = {0};
        cr_assert_eq(tmx_topo_weights(t, 0, &A), TMX_OK);
        cr_assert_eq(tmx_topo_weights(u, 0, &B), TMX_OK);
        cr_assert(same_csr(&A, &B));
        tmx_csr_destroy(&A);
        tmx_csr_destroy(&B);
        tmx_topo_free(t);
        tmx_topo_free(u);
    }
}

Test(random_families, equistatic_refuses_conflicting_or_huge_choices)
{
    tmx_topo_params p;
    tmx_topo_params_init(&p);
    p.n = 16, p.m = 4, p.eps = 0.5; /* both */
    expect_einval("equistatic", &p);
    p.m = 0, p.eps = 0, p.fail_prob = 0.1; /* p without ε */
    expect_einval("equistatic", &p);
    p.eps = 1.0, p.fail_prob = 0;
    expect_einval("equistatic", &p);
    p.eps = 0.5, p.fail_prob = 1.0;
    expect_einval("equistatic", &p);
    p.eps = 1e-5, p.fail_prob = 0; /* M ≈ 2·10^11 shifts */
    expect_einval("equistatic", &p);
    cr_assert(strstr(tmx_last_error(), "limit"), "%s", tmx_last_error());
    p.eps = 0.5;
    expect_einval("ring", &p); /* equi-eps is equistatic's alone */
}

/* ---- equidyn --undirected: EquiTopo's one-peer matching ------------------------------------- */

static tmx_topo *equidyn(int64_t n, double eta, int undirected)
{
    tmx_topo_params p;
    tmx_topo_params_init(&p);
    p.n = n, p.eta = eta, p.undirected = undirected;
    return make_p("equidyn", &p);
}

/* W (sparse) against a dense expected matrix, exactly up to rounding of η/n + (1 − η). */
static void expect_dense(const tmx_csr *W, const double *want, int64_t n, const char *what)
{
    for (int64_t i = 0; i < n; i++) {
        double row[16] = {0};
        for (int64_t e = W->rowptr[i]; e < W->rowptr[i + 1]; e++) row[W->col[e]] += W->val[e];
        for (int64_t j = 0; j < n; j++)
            cr_assert(fabs(row[j] - want[i * n + j]) <= 1e-15, "%s: w_%lld%lld = %.17g, want %.17g", what, (long long)i,
                      (long long)j, row[j], want[i * n + j]);
    }
}

Test(random_families, equidyn_undirected_matches_hand_worked_cases)
{
    int64_t partner[8];
    tmx_csr W = {0};
    const double f = 1.0 / 5.0, g = 4.0 / 5.0;
    /* n = 5, a = 2, start 0: 0 takes 2, 1 takes 3; 2, 3 and 4 find a partner taken: 4 idles */
    const double w520[25] = {f, 0, g, 0, 0, /**/ 0, f, 0, g, 0, /**/ g, 0, f, 0, 0, /**/ 0, g, 0, f, 0, /**/ 0, 0, 0, 0, 1};
    tmx_topo *t = equidyn(5, 1.0, 1);
    cr_assert_eq(tmx__equidyn_matrix(t, 2, 0, partner, &W), TMX_OK);
    expect_dense(&W, w520, 5, "n=5 a=2 s=0");
    /* start 3: 3 takes 0, 4 takes 1; then 0, 1, 2 find a partner taken: 2 idles */
    const double w523[25] = {f, 0, 0, g, 0, /**/ 0, f, 0, 0, g, /**/ 0, 0, 1, 0, 0, /**/ g, 0, 0, f, 0, /**/ 0, g, 0, 0, f};
    cr_assert_eq(tmx__equidyn_matrix(t, 2, 3, partner, &W), TMX_OK);
    expect_dense(&W, w523, 5, "n=5 a=2 s=3");
    tmx_topo_free(t);
    /* η = 1/2: matched 1/2 + 1/2 · 1/5 = 3/5 on the diagonal and 2/5 to the partner; idle 1.
     * n = 5, a = 1, start 4: 4 takes 0, 1 takes 2, 3 finds 4 taken: 3 idles */
    const double h = 3.0 / 5.0, k = 2.0 / 5.0;
    const double w514[25] = {h, 0, 0, 0, k, /**/ 0, h, k, 0, 0, /**/ 0, k, h, 0, 0, /**/ 0, 0, 0, 1, 0, /**/ k, 0, 0, 0, h};
    t = equidyn(5, 0.5, 1);
    cr_assert_eq(tmx__equidyn_matrix(t, 1, 4, partner, &W), TMX_OK);
    expect_dense(&W, w514, 5, "n=5 a=1 s=4 eta=1/2");
    tmx_topo_free(t);
    /* n = 6, a = 3 (= n/2), start 1: 1-4, 2-5, 3-0: a perfect matching; n = 6, a = 2, start 0:
     * 0-2, 1-3, and 4, 5 idle (their partners 0 and 1 are taken) */
    const double u = 1.0 / 6.0, v = 5.0 / 6.0;
    const double w631[36] = {u, 0, 0, v, 0, 0, /**/ 0, u, 0, 0, v, 0, /**/ 0, 0, u, 0, 0, v,
                             v, 0, 0, u, 0, 0, /**/ 0, v, 0, 0, u, 0, /**/ 0, 0, v, 0, 0, u};
    const double w620[36] = {u, 0, v, 0, 0, 0, /**/ 0, u, 0, v, 0, 0, /**/ v, 0, u, 0, 0, 0,
                             0, v, 0, u, 0, 0, /**/ 0, 0, 0, 0, 1, 0, /**/ 0, 0, 0, 0, 0, 1};
    t = equidyn(6, 1.0, 1);
    cr_assert_eq(tmx__equidyn_matrix(t, 3, 1, partner, &W), TMX_OK);
    expect_dense(&W, w631, 6, "n=6 a=3 s=1");
    cr_assert_eq(tmx__equidyn_matrix(t, 2, 0, partner, &W), TMX_OK);
    expect_dense(&W, w620, 6, "n=6 a=2 s=0");
    tmx_topo_free(t);
    /* the directed version is unchanged: w_ii = 1/n, w_{i,i+a} = (n − 1)/n */
    const double d41[16] = {0.25, 0.75, 0, 0, /**/ 0, 0.25, 0.75, 0, /**/ 0, 0, 0.25, 0.75, /**/ 0.75, 0, 0, 0.25};
    t = equidyn(4, 1.0, 0);
    cr_assert_eq(tmx__equidyn_matrix(t, 1, 0, NULL, &W), TMX_OK);
    expect_dense(&W, d41, 4, "directed n=4 a=1");
    tmx_topo_free(t);
    tmx_csr_destroy(&W);
}

Test(random_families, equidyn_undirected_steps_are_matchings_from_the_enumeration)
{
    /* each step's W is one of the n(n − 1) matrices W(a, s), a symmetric doubly stochastic
     * matching; over 400 steps, every (a, s) matrix that is distinct shows up */
    const int64_t n = 6;
    tmx_topo *t = equidyn(n, 0.5, 1);
    tmx_csr all[30], W = {0};
    int64_t partner[6];
    int hit[30] = {0};
    for (int64_t a = 1; a < n; a++)
        for (int64_t s = 0; s < n; s++) {
            tmx_csr_init(&all[(a - 1) * n + s]);
            cr_assert_eq(tmx__equidyn_matrix(t, a, s, partner, &all[(a - 1) * n + s]), TMX_OK);
        }
    for (int64_t k = 0; k < 400; k++) {
        cr_assert_eq(tmx_topo_weights(t, k, &W), TMX_OK);
        tmx_validation v;
        cr_assert_eq(tmx_csr_validate(&W, 1e-14, &v), TMX_OK);
        cr_assert(v.symmetric && v.doubly_stochastic && v.max_in_degree <= 2, "step %lld", (long long)k);
        int found = 0;
        for (int q = 0; q < 30; q++)
            if (same_csr(&W, &all[q])) hit[q] = 1, found = 1;
        cr_assert(found, "step %lld is no W(a, s)", (long long)k);
    }
    for (int q = 0; q < 30; q++) {
        int covered = hit[q];
        for (int r = 0; r < 30 && !covered; r++) covered = hit[r] && same_csr(&all[q], &all[r]);
        cr_assert(covered, "W(a=%d, s=%d) never drawn in 400 steps", q / 6 + 1, q % 6);
    }
    for (int q = 0; q < 30; q++) tmx_csr_destroy(&all[q]);
    tmx_csr_destroy(&W);
    tmx_topo_free(t);
}

/* The exact expected rate (now over shifts and starts) against E[WᵀW] formed densely here from
 * every (a, s), and λ_max(E − J) from the dense symmetric eigensolver. */
Test(random_families, equidyn_exact_rate_counts_every_start)
{
    const int64_t sizes[] = {2, 3, 4, 5, 8, 9, 16};
    for (size_t q = 0; q < sizeof sizes / sizeof *sizes; q++)
        for (int und = 0; und < 2; und++)
            for (int lazy = 0; lazy < 2; lazy++) {
                int64_t n = sizes[q];
                tmx_topo_params p;
                tmx_topo_params_init(&p);
                p.n = n, p.eta = 0.75, p.undirected = und;
                p.weights = lazy ? TMX_WEIGHTS_LAZY : TMX_WEIGHTS_DEFAULT;
                tmx_topo *t = make_p("equidyn", &p);
                tmx_random_rate r;
                cr_assert_eq(tmx_rate_random(t, 1000, &r), TMX_OK, "%s", tmx_last_error());
                cr_assert(r.exact);
                tmx_mat E = {0};
                cr_assert_eq(tmx_mat_init(&E, (size_t)n, (size_t)n), TMX_OK);
                int64_t partner[16], starts = und ? n : 1;
                tmx_csr W = {0};
                double w = 1.0 / (double)((n - 1) * starts);
                for (int64_t a = 1; a < n; a++)
                    for (int64_t s = 0; s < starts; s++) {
                        cr_assert_eq(tmx__equidyn_matrix(t, a, s, partner, &W), TMX_OK);
                        for (int64_t i = 0; i < n; i++)
                            for (int64_t e = W.rowptr[i]; e < W.rowptr[i + 1]; e++)
                                for (int64_t f = W.rowptr[i]; f < W.rowptr[i + 1]; f++)
                                    E.data[(size_t)W.col[e] + (size_t)W.col[f] * E.ld] += w * W.val[e] * W.val[f];
                    }
                for (size_t x = 0; x < (size_t)(n * n); x++) E.data[x] -= 1.0 / (double)n;
                double want;
                cr_assert_eq(tmx__dense_sym_maxabs(&E, &want), TMX_OK);
                /* both sum O(n) products of weights ≤ 1: agreement to a few hundred ulps */
                cr_assert(fabs(r.one_minus_p - want) <= 1e-13, "n=%lld undirected %d lazy %d: %.17g vs dense %.17g",
                          (long long)n, und, lazy, r.one_minus_p, want);
                tmx_mat_destroy(&E);
                tmx_csr_destroy(&W);
                tmx_topo_free(t);
            }
}
