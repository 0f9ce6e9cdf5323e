/* Tests of the peers' deterministic families (docs/definitions.md §18) and of bipartite-exp's
 * schedule (§2): each family against a brute-force construction written here from its source's
 * definition (BlueFog, SGP, pcode, Vogels et al. 2022), at many n, plus the spectral facts that
 * have a closed form. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <topomix/topomix.h>

#define EPS 2.220446049250313e-16
/* Entries are single divisions (exact the same way in both constructions) or a diagonal 1 − Σ of
 * at most n terms, summed in another order: n·eps, < 1e-13 for every n compared densely here
 * (n ≤ 400). */
#define ENTRY_TOL 1e-13

static tmx_status make(const char *name, int64_t n, int64_t base, int64_t peers, tmx_topo **t)
{
    tmx_topo_params p;
    tmx_topo_params_init(&p);
    p.n = n;
    p.base = base;
    p.peers = peers;
    *t = NULL;
    return tmx_topo_new(name, &p, t);
}

static tmx_topo *must(const char *name, int64_t n, int64_t base, int64_t peers)
{
    tmx_topo *t = NULL;
    cr_assert_eq(make(name, n, base, peers, &t), TMX_OK, "%s n=%lld: %s", name, (long long)n, tmx_last_error());
    return t;
}

/* D ← W^(k) of t, dense n × n row-major (caller frees). */
static double *dense(const tmx_topo *t, int64_t k)
{
    tmx_csr W = {0};
    cr_assert_eq(tmx_topo_weights(t, k, &W), TMX_OK, "%s", tmx_last_error());
    int64_t n = W.n;
    double *D = calloc((size_t)(n * n), sizeof *D);
    cr_assert_not_null(D);
    for (int64_t i = 0; i < n; i++)
        for (int64_t e = W.rowptr[i]; e < W.rowptr[i + 1]; e++) D[i * n + W.col[e]] = W.val[e];
    tmx_csr_destroy(&W);
    return D;
}

static void assert_same(const char *what, int64_t n, int64_t k, const double *got, const double *want)
{
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < n; j++)
            cr_assert(fabs(got[i * n + j] - want[i * n + j]) <= ENTRY_TOL,
                      "%s n=%lld step %lld: W[%lld][%lld] = %.17g, want %.17g", what, (long long)n, (long long)k,
                      (long long)i, (long long)j, got[i * n + j], want[i * n + j]);
}

/* Metropolis–Hastings weights of a 0/1 symmetric adjacency (no diagonal), written out here. */
static double *metropolis(int64_t n, const unsigned char *adj)
{
    double *W = calloc((size_t)(n * n), sizeof *W);
    int64_t *d = calloc((size_t)n, sizeof *d);
    cr_assert(W && d);
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < n; j++) d[i] += adj[i * n + j];
    for (int64_t i = 0; i < n; i++) {
        double s = 0;
        for (int64_t j = 0; j < n; j++)
            if (adj[i * n + j]) s += W[i * n + j] = 1.0 / (double)(1 + (d[i] > d[j] ? d[i] : d[j]));
        W[i * n + i] = 1.0 - s;
    }
    free(d);
    return W;
}

/* The family's W^(k) is a mixing matrix: validated doubly stochastic, (symmetric), connected. */
static void assert_mixing(const tmx_topo *t, int64_t k, int symmetric, int connected)
{
    tmx_topo_report r;
    cr_assert_eq(tmx_topo_validate(t, k, 1e-12, &r), TMX_OK, "%s", tmx_last_error());
    cr_assert(r.step.doubly_stochastic && r.step.nonnegative, "%s n=%lld step %lld: row err %g col err %g",
              tmx_topo_name(t), (long long)tmx_topo_n(t), (long long)k, r.step.max_row_error, r.step.max_col_error);
    if (symmetric) cr_assert(r.step.symmetric, "%s n=%lld not symmetric", tmx_topo_name(t), (long long)tmx_topo_n(t));
    if (connected) cr_assert(r.step.connected, "%s n=%lld not connected", tmx_topo_name(t), (long long)tmx_topo_n(t));
}

/* x a power of b (x ≥ 1), by division: the exact test BlueFog's float logarithm approximates. */
static int is_power(int64_t x, int64_t b)
{
    while (x % b == 0) x /= b;
    return x == 1;
}

/* ---- exp --base B: BlueFog's ExponentialGraph(n, B) -------------------------------------------- */

/* BlueFog's row: x_0 = 1, x_i = 1 when i in 1..n-1 is a power of B, normalised; row r = x rolled by r. */
static void bluefog_exp_row(int64_t n, int64_t B, int64_t r, double *row, int symmetric)
{
    int64_t cnt = 0;
    memset(row, 0, (size_t)n * sizeof *row);
    for (int64_t i = 0; i < n; i++) {
        int64_t idx = symmetric ? (i <= n / 2 ? i : n - i) : i;
        if (i == 0 || is_power(idx, B)) row[(r + i) % n] = 1.0, cnt++;
    }
    for (int64_t j = 0; j < n; j++) row[j] /= (double)cnt;
}

static void compare_rows(const char *what, const tmx_topo *t, int64_t B, int symmetric, const int64_t *rows, int nrows)
{
    int64_t n = tmx_topo_n(t);
    double *row = malloc((size_t)n * sizeof *row);
    tmx_csr W = {0};
    cr_assert_eq(tmx_topo_weights(t, 0, &W), TMX_OK, "%s", tmx_last_error());
    for (int q = 0; q < nrows; q++) {
        int64_t r = rows[q], want_nnz = 0;
        bluefog_exp_row(n, B, r, row, symmetric);
        for (int64_t j = 0; j < n; j++) want_nnz += row[j] != 0.0;
        cr_assert_eq(W.rowptr[r + 1] - W.rowptr[r], want_nnz, "%s B=%lld n=%lld row %lld", what, (long long)B,
                     (long long)n, (long long)r);
        for (int64_t e = W.rowptr[r]; e < W.rowptr[r + 1]; e++)
            cr_assert(fabs(W.val[e] - row[W.col[e]]) <= ENTRY_TOL, "%s B=%lld n=%lld W[%lld][%lld] = %.17g, want %.17g",
                      what, (long long)B, (long long)n, (long long)r, (long long)W.col[e], W.val[e], row[W.col[e]]);
    }
    tmx_csr_destroy(&W);
    free(row);
}

static const int64_t sizes[] = {1,  2,  3,  4,  5,  7,  8,  9,  11, 13, 15, 16,  17,  24,  25,  26,  27,  28,
                                31, 32, 33, 37, 63, 64, 65, 80, 81, 82, 97, 99, 100, 101, 125, 127, 128, 129};
#define NSIZES (sizeof sizes / sizeof sizes[0])

Test(exp, every_base_matches_bluefog_on_every_row)
{
    const int64_t bases[] = {2, 3, 4, 5, 7, 10, 200};
    for (size_t b = 0; b < sizeof bases / sizeof *bases; b++)
        for (size_t q = 0; q < NSIZES; q++) {
            int64_t n = sizes[q], rows[130];
            for (int64_t r = 0; r < n; r++) rows[r] = r;
            tmx_topo *t = must("exp", n, bases[b], 0);
            compare_rows("exp", t, bases[b], 0, rows, (int)n);
            assert_mixing(t, 0, 0, 1);
            tmx_topo_free(t);
        }
}

Test(exp, exact_powers_where_a_float_logarithm_drops_them)
{
    /* (n, B, the power BlueFog's int(log(x, B)) misses): the hop must be there once n exceeds it */
    const struct {
        int64_t n, B, hop;
    } c[] = {{243, 3, 81},   {244, 3, 243},   {245, 3, 243},     {1000, 10, 100},
             {1001, 10, 1000}, {1002, 10, 1000}, {59049, 3, 19683}, {59050, 3, 59049}};
    for (size_t q = 0; q < sizeof c / sizeof *c; q++) {
        int64_t n = c[q].n, rows[] = {0, 1, n / 2, n - 1};
        tmx_topo *t = must("exp", n, c[q].B, 0);
        compare_rows("exp", t, c[q].B, 0, rows, 4);
        tmx_csr W = {0};
        cr_assert_eq(tmx_topo_weights(t, 0, &W), TMX_OK);
        cr_assert_gt(tmx_csr_get(&W, 0, c[q].hop), 0.0, "n=%lld B=%lld: hop %lld missing", (long long)n,
                     (long long)c[q].B, (long long)c[q].hop);
        tmx_csr_destroy(&W);
        tmx_topo_free(t);
    }
}

Test(exp, base_two_is_the_default)
{
    for (size_t q = 0; q < NSIZES; q++) {
        tmx_topo *a = must("exp", sizes[q], 0, 0), *b = must("exp", sizes[q], 2, 0);
        cr_assert_eq(tmx_topo_params_of(a)->base, 2);
        double *A = dense(a, 0), *B = dense(b, 0);
        cr_assert_eq(memcmp(A, B, (size_t)(sizes[q] * sizes[q]) * sizeof *A), 0, "n=%lld", (long long)sizes[q]);
        /* the former definition: 1/(τ+1) on i and i + 2^t, t < τ = ⌈log2 n⌉ */
        int tau = 0;
        while (((int64_t)1 << tau) < sizes[q]) tau++;
        for (int64_t j = 0; j < sizes[q]; j++) {
            int on = j == 0;
            for (int s = 0; s < tau; s++) on |= j == ((int64_t)1 << s);
            cr_assert_eq(A[j], on ? 1.0 / (tau + 1) : 0.0, "n=%lld W[0][%lld]", (long long)sizes[q], (long long)j);
        }
        free(A), free(B);
        tmx_topo_free(a), tmx_topo_free(b);
    }
}

/* The circulant closed form (first_row through the DFT) against LAPACK on the built matrix. */
static void dft_matches_dense(const char *name, int64_t n, int64_t base, int64_t peers)
{
    tmx_topo *t = must(name, n, base, peers);
    tmx_rate a, b;
    cr_assert_eq(tmx_rate_topo(t, 0, TMX_METHOD_DFT, &a), TMX_OK, "%s n=%lld: %s", name, (long long)n, tmx_last_error());
    cr_assert_eq(tmx_rate_topo(t, 0, TMX_METHOD_DENSE, &b), TMX_OK, "%s", tmx_last_error());
    /* LAPACK's eigenvalues: backward stable, within n·eps·‖W‖₂ (‖W‖₂ = 1); n ≤ 200 here */
    cr_assert(fabs(a.slem - b.slem) <= 1e-12 && fabs(a.beta - b.beta) <= 1e-12,
              "%s n=%lld base=%lld: dft slem %.17g beta %.17g, dense %.17g %.17g", name, (long long)n, (long long)base,
              a.slem, a.beta, b.slem, b.beta);
    tmx_topo_free(t);
}

Test(exp, closed_form_rates_match_dense)
{
    const int64_t ns[] = {5, 27, 28, 64, 100, 127};
    for (int64_t B = 2; B <= 5; B++)
        for (size_t q = 0; q < sizeof ns / sizeof *ns; q++) {
            dft_matches_dense("exp", ns[q], B, 0);
            dft_matches_dense("sym-exp", ns[q], B, 0);
        }
}

/* ---- sym-exp: BlueFog's SymmetricExponentialGraph(n, B) --------------------------------------- */

Test(sym_exp, matches_bluefog_and_is_regular)
{
    const int64_t bases[] = {2, 3, 4, 10};
    for (size_t b = 0; b < sizeof bases / sizeof *bases; b++)
        for (size_t q = 0; q < NSIZES; q++) {
            int64_t n = sizes[q], rows[130];
            for (int64_t r = 0; r < n; r++) rows[r] = r;
            tmx_topo *t = must("sym-exp", n, bases[b], 0);
            compare_rows("sym-exp", t, bases[b], 1, rows, (int)n);
            tmx_topo_report r;
            cr_assert_eq(tmx_topo_validate(t, 0, 1e-12, &r), TMX_OK);
            cr_assert(r.step.doubly_stochastic && r.step.symmetric && r.step.connected);
            cr_assert_eq(r.step.min_in_degree, r.step.max_in_degree, "n=%lld: a circulant graph is regular", (long long)n);
            tmx_topo_free(t);
        }
    tmx_topo *t = must("sym-exp", 16, 0, 0);
    cr_assert_eq(tmx_topo_params_of(t)->base, 4, "BlueFog's default base");
    tmx_topo_free(t);
}

/* ---- npeer-exp: SGP's NPeerDynamicDirectedExponentialGraph ----------------------------------- */

/* SGP's mechanism: the phone book lists j (P+1)^i for i = 0..I ((P+1)^I ≤ n − 1), j = 1..P; the P
 * group indices start at 0..P-1 and advance by P each step; every node keeps 1/(P+1) and gives
 * 1/(P+1) to each peer. Row r (topomix's convention, as onepeer-exp) holds r + d. */
static double *sgp_npeer(int64_t n, int64_t P, int64_t step)
{
    int64_t book[256], L = 0;
    for (int64_t s = 1; n > 1; s *= P + 1) {
        for (int64_t j = 1; j <= P; j++) book[L++] = j * s;
        if (s * (P + 1) > n - 1) break;
    }
    double *W = calloc((size_t)(n * n), sizeof *W);
    for (int64_t r = 0; r < n; r++) {
        W[r * n + r] += 1.0 / (double)(P + 1);
        for (int64_t g = 0; g < P && L > 0; g++) W[r * n + (r + book[(g + step * P) % L]) % n] += 1.0 / (double)(P + 1);
    }
    if (n == 1) W[0] = 1.0;
    return W;
}

Test(npeer_exp, follows_sgp_phone_book_at_every_step)
{
    const int64_t peers[] = {1, 2, 3, 4, 7};
    for (size_t p = 0; p < sizeof peers / sizeof *peers; p++)
        for (size_t q = 0; q < NSIZES; q++) {
            int64_t n = sizes[q], P = peers[p];
            if (P > (n > 1 ? n - 1 : 1)) continue;
            tmx_topo *t = must("npeer-exp", n, 0, P);
            int64_t per = tmx_topo_period(t);
            for (int64_t k = 0; k < 2 * per + 1; k++) {
                double *got = dense(t, k), *want = sgp_npeer(n, P, k);
                assert_same("npeer-exp", n, k, got, want);
                free(got), free(want);
            }
            assert_mixing(t, per - 1, 0, 0);
            tmx_topo_free(t);
        }
}

Test(npeer_exp, one_peer_is_onepeer_exp)
{
    for (size_t q = 0; q < NSIZES; q++) {
        tmx_topo *a = must("npeer-exp", sizes[q], 0, 0), *b = must("onepeer-exp", sizes[q], 0, 0);
        cr_assert_eq(tmx_topo_period(a), tmx_topo_period(b), "n=%lld", (long long)sizes[q]);
        for (int64_t k = 0; k < tmx_topo_period(a); k++) {
            double *A = dense(a, k), *B = dense(b, k);
            cr_assert_eq(memcmp(A, B, (size_t)(sizes[q] * sizes[q]) * sizeof *A), 0, "n=%lld k=%lld", (long long)sizes[q],
                         (long long)k);
            free(A), free(B);
        }
        tmx_topo_free(a), tmx_topo_free(b);
    }
}

Test(npeer_exp, averages_exactly_when_n_is_a_power_of_p_plus_one)
{
    /* ∏_t (1/(P+1)) Σ_j S^{j (P+1)^t} = (1/n) Σ over every base-(P+1) number = J, n = (P+1)^T */
    const struct {
        int64_t n, P;
    } c[] = {{9, 2}, {27, 2}, {81, 2}, {16, 3}, {64, 3}, {25, 4}, {125, 4}, {64, 7}};
    for (size_t q = 0; q < sizeof c / sizeof *c; q++) {
        tmx_topo *t = must("npeer-exp", c[q].n, 0, c[q].P);
        tmx_seq_rate r;
        cr_assert_eq(tmx_rate_periodic(t, TMX_METHOD_DENSE, &r), TMX_OK, "%s", tmx_last_error());
        /* the product's entries are sums of T·(P+1) rounded terms: 1e-12 bounds their rounding */
        cr_assert(r.period_rate <= 1e-12, "n=%lld P=%lld: period rate %g", (long long)c[q].n, (long long)c[q].P,
                  r.period_rate);
        tmx_seq_rate d;
        cr_assert_eq(tmx_rate_periodic(t, TMX_METHOD_DFT, &d), TMX_OK, "%s", tmx_last_error());
        cr_assert(d.period_rate <= 1e-12);
        tmx_topo_free(t);
    }
}

/* ---- bipartite-exp: SGP's DynamicBipartiteExponentialGraph ----------------------------------- */

/* SGP's phone books: offsets 1 and 1 + 2^i (2^i ≤ n − 1); active (odd) ranks list r + o then r − o,
 * passive (even) ranks r − o then r + o, skipping ranks already listed; step s uses entry s mod L,
 * and each node averages 1/2, 1/2 with its entry — asserted to be a pairing. */
static double *sgp_bipartite(int64_t n, int64_t step, int64_t *period)
{
    int64_t *book = calloc((size_t)(n * 130), sizeof *book), *len = calloc((size_t)n, sizeof *len);
    for (int64_t r = 0; r < n; r++)
        for (int64_t i = 0; ((int64_t)1 << i) <= n - 1; i++) {
            int64_t o = i == 0 ? 1 : 1 + ((int64_t)1 << i), f = (r + o) % n, b = ((r - o) % n + n) % n;
            int64_t order[2] = {r % 2 ? f : b, r % 2 ? b : f};
            for (int q = 0; q < 2; q++) {
                int seen = 0;
                for (int64_t s = 0; s < len[r]; s++) seen |= book[r * 130 + s] == order[q];
                if (!seen) book[r * 130 + len[r]++] = order[q];
            }
        }
    double *W = calloc((size_t)(n * n), sizeof *W);
    for (int64_t r = 0; r < n; r++) {
        cr_assert_eq(len[r], len[0], "every phone book has the same length");
        int64_t p = book[r * 130 + step % len[r]];
        cr_assert_eq(book[p * 130 + step % len[p]], r, "n=%lld step %lld: %lld's peer %lld is not paired back",
                     (long long)n, (long long)step, (long long)r, (long long)p);
        W[r * n + r] += 0.5;
        W[r * n + p] += 0.5;
    }
    *period = len[0];
    free(book), free(len);
    return W;
}

Test(bipartite_exp, follows_sgp_phone_books)
{
    for (int64_t n = 2; n <= 130; n += 2) {
        tmx_topo *t = must("bipartite-exp", n, 0, 0);
        for (int64_t k = 0; k < 2 * tmx_topo_period(t); k++) {
            int64_t per;
            double *got = dense(t, k), *want = sgp_bipartite(n, k, &per);
            cr_assert_eq(tmx_topo_period(t), per, "n=%lld", (long long)n);
            assert_same("bipartite-exp", n, k, got, want);
            free(got), free(want);
        }
        assert_mixing(t, 0, 1, 0);
        tmx_topo_report r;
        cr_assert_eq(tmx_topo_validate(t, 0, 1e-12, &r), TMX_OK);
        cr_assert_eq(r.period_connected, 1, "n=%lld", (long long)n);
        tmx_topo_free(t);
    }
}

Test(bipartite_exp, n16_hand_worked_sequence_and_rate)
{
    /* offsets 1, 3, 5, 9, each forwards then backwards: 1, 15, 3, 13, 5, 11, 9, 7 (mod 16) */
    const int d[8] = {1, 15, 3, 13, 5, 11, 9, 7};
    tmx_topo *t = must("bipartite-exp", 16, 0, 0);
    cr_assert_eq(tmx_topo_period(t), 8);
    for (int k = 0; k < 8; k++) {
        double *W = dense(t, k);
        for (int i = 0; i < 16; i++)
            for (int j = 0; j < 16; j++) {
                int odd = i % 2 ? i : j, even = i % 2 ? j : i;
                int paired = i != j && (odd + d[k]) % 16 == even;
                cr_assert_eq(W[i * 16 + j], (i == j || paired) ? 0.5 : 0.0, "k=%d W[%d][%d]", k, i, j);
            }
        free(W);
    }
    /* The number, to its three digits: per-step rate (max over phases of ‖∏ − J‖₂)^(1/8).
     * The former forward-only schedule (offsets 1, 3, 5, 9, period 4) gave 0.881. */
    tmx_seq_rate r;
    cr_assert_eq(tmx_rate_periodic(t, TMX_METHOD_DENSE, &r), TMX_OK, "%s", tmx_last_error());
    cr_assert_eq(r.period, 8);
    cr_assert(fabs(r.step_rate - 0.771) < 5e-4, "step rate %.6f", r.step_rate);
    /* the same number independently: power iteration on MᵀM, M = ∏ − J, every phase */
    double worst = 0;
    for (int ph = 0; ph < 8; ph++) {
        double M[256], P[256];
        for (int q = 0; q < 256; q++) M[q] = (q / 16 == q % 16);
        for (int s = 0; s < 8; s++) { /* M ← W^(ph+s) M */
            double *W = dense(t, ph + s);
            for (int i = 0; i < 16; i++)
                for (int j = 0; j < 16; j++) {
                    double a = 0;
                    for (int l = 0; l < 16; l++) a += W[i * 16 + l] * M[l * 16 + j];
                    P[i * 16 + j] = a;
                }
            memcpy(M, P, sizeof M);
            free(W);
        }
        for (int q = 0; q < 256; q++) M[q] -= 1.0 / 16;
        double v[16], u[16], lam = 0;
        for (int i = 0; i < 16; i++) v[i] = 1.0 + i * 0.37 - (i % 3);
        for (int it = 0; it < 3000; it++) {
            double nv = 0;
            for (int i = 0; i < 16; i++) {
                u[i] = 0;
                for (int j = 0; j < 16; j++) u[i] += M[i * 16 + j] * v[j];
            }
            for (int j = 0; j < 16; j++) {
                v[j] = 0;
                for (int i = 0; i < 16; i++) v[j] += M[i * 16 + j] * u[i];
                nv += v[j] * v[j];
            }
            nv = sqrt(nv);
            for (int j = 0; j < 16; j++) v[j] /= nv;
            lam = nv;
        }
        if (sqrt(lam) > worst) worst = sqrt(lam);
    }
    cr_assert(fabs(worst - r.period_rate) <= 1e-9, "power iteration %.17g, library %.17g", worst, r.period_rate);
    tmx_topo_free(t);
}

/* ---- ring-antipodal ---------------------------------------------------------------------------- */

Test(ring_antipodal, metropolis_on_the_cycle_plus_opposite_links)
{
    for (int64_t n = 4; n <= 64; n += 2) {
        unsigned char *adj = calloc((size_t)(n * n), 1);
        for (int64_t i = 0; i < n; i++) {
            adj[i * n + (i + 1) % n] = adj[((i + 1) % n) * n + i] = 1;
            adj[i * n + (i + n / 2) % n] = 1;
        }
        double *want = metropolis(n, adj);
        tmx_topo *t = must("ring-antipodal", n, 0, 0);
        double *got = dense(t, 0);
        assert_same("ring-antipodal", n, 0, got, want);
        /* pcode's RingExtGraph: (I + cycle + opposite)/4 */
        for (int64_t j = 0; j < n; j++)
            cr_assert_eq(got[j], (j == 0 || j == 1 || j == n - 1 || j == n / 2) ? 0.25 : 0.0);
        /* circulant eigenvalues (1 + 2 cos(2πk/n) + (−1)^k)/4; SLEM = max over k ≠ 0 */
        double slem = 0;
        for (int64_t k = 1; k < n; k++) {
            double l = fabs((1 + 2 * cos(2 * acos(-1.0) * (double)k / (double)n) + (k % 2 ? -1.0 : 1.0)) / 4);
            if (l > slem) slem = l;
        }
        tmx_rate r;
        cr_assert_eq(tmx_rate_topo(t, 0, TMX_METHOD_DENSE, &r), TMX_OK);
        cr_assert(fabs(r.slem - slem) <= 1e-12, "n=%lld: %.17g vs closed form %.17g", (long long)n, r.slem, slem);
        dft_matches_dense("ring-antipodal", n, 0, 0);
        free(adj), free(want), free(got);
        tmx_topo_free(t);
    }
}

/* ---- two-cliques ------------------------------------------------------------------------------- */

Test(two_cliques, metropolis_and_closed_form_gap)
{
    for (int64_t n = 2; n <= 40; n++) {
        int64_t h = n / 2;
        unsigned char *adj = calloc((size_t)(n * n), 1);
        for (int64_t i = 0; i < n; i++)
            for (int64_t j = 0; j < n; j++) adj[i * n + j] = i != j && ((i < h) == (j < h));
        adj[h] = adj[h * n] = 1;
        double *want = metropolis(n, adj);
        tmx_topo *t = must("two-cliques", n, 0, 0);
        double *got = dense(t, 0);
        assert_same("two-cliques", n, 0, got, want);
        assert_mixing(t, 0, 1, 1);
        if (n % 2 == 0 && n >= 4) {
            /* Cliques of m = n/2: vectors symmetric or antisymmetric under the swap of the cliques,
             * constant on each clique's m − 1 ordinary nodes (a) and its bridge node (b), map by
             * [[m, 1], [m − 1, 1 ± 1]]/(m + 1); the rest (zero-sum on the ordinary nodes) by
             * 1/(m(m + 1)). The antisymmetric block's top eigenvalue is λ₂ and the SLEM:
             * (m + √(m² + 4m − 4)) / (2(m + 1)). */
            double m = (double)h, want_slem = (m + sqrt(m * m + 4 * m - 4)) / (2 * (m + 1));
            tmx_rate r;
            cr_assert_eq(tmx_rate_topo(t, 0, TMX_METHOD_DENSE, &r), TMX_OK);
            cr_assert(fabs(r.slem - want_slem) <= 1e-12, "n=%lld: slem %.17g, closed form %.17g", (long long)n, r.slem,
                      want_slem);
        }
        free(adj), free(want), free(got);
        tmx_topo_free(t);
    }
}

/* ---- binary-tree (Vogels et al.'s BinaryTreeTopology) ----------------------------------------- */

Test(binary_tree, heap_numbering_degrees_and_metropolis)
{
    for (int64_t n = 1; n <= 70; n++) {
        unsigned char *adj = calloc((size_t)(n * n), 1);
        for (int64_t i = 1; i < n; i++) { /* parent ⌊i/2⌋, node 1's parent being 0 */
            adj[i * n + i / 2] = adj[(i / 2) * n + i] = 1;
        }
        double *want = metropolis(n, adj);
        tmx_topo *t = must("binary-tree", n, 0, 0);
        double *got = dense(t, 0);
        assert_same("binary-tree", n, 0, got, want);
        /* degrees: node 0 one (node 1), node i ≥ 1 its parent and its children 2i, 2i + 1 below n */
        for (int64_t i = 0; i < n; i++) {
            int64_t d = 0, want_d = i == 0 ? (n > 1) : 1 + (2 * i < n) + (2 * i + 1 < n);
            for (int64_t j = 0; j < n; j++) d += j != i && got[i * n + j] != 0.0;
            cr_assert_eq(d, want_d, "n=%lld node %lld degree", (long long)n, (long long)i);
        }
        tmx_topo_report r;
        cr_assert_eq(tmx_topo_validate(t, 0, 1e-12, &r), TMX_OK);
        cr_assert_eq(r.step.nnz, n + 2 * (n - 1), "a tree has n − 1 edges");
        cr_assert(r.step.doubly_stochastic && r.step.symmetric && r.step.connected);
        free(adj), free(want), free(got);
        tmx_topo_free(t);
    }
}

/* ---- margulis (pcode's MargulisExpanderGraph) --------------------------------------------------- */

/* The 8-regular Gabber–Galil multigraph as pcode gets it from networkx: A counts links, (x, y) ↦
 * x·m + y, a self loop counted twice in the degree (8 link ends per node). */
static double *gabber_galil(int64_t m)
{
    int64_t n = m * m;
    double *A = calloc((size_t)(n * n), sizeof *A);
    for (int64_t x = 0; x < m; x++)
        for (int64_t y = 0; y < m; y++) {
            int64_t to[4][2] = {{(x + 2 * y) % m, y}, {(x + 2 * y + 1) % m, y}, {x, (y + 2 * x) % m}, {x, (y + 2 * x + 1) % m}};
            for (int q = 0; q < 4; q++) {
                int64_t a = x * m + y, b = to[q][0] * m + to[q][1];
                A[a * n + b] += 1;
                A[b * n + a] += 1;
            }
        }
    return A;
}

/* pcode's weights, step by step: entries > 1 set to 1, degrees = row sums, then for each node by
 * decreasing degree the entries still 1 in its column and row become 1/degree, and its diagonal
 * takes the rest of its row. */
static double *pcode_margulis(int64_t m)
{
    int64_t n = m * m;
    double *M = gabber_galil(m), *deg = calloc((size_t)n, sizeof *deg);
    int64_t *order = calloc((size_t)n, sizeof *order);
    for (int64_t q = 0; q < n * n; q++)
        if (M[q] > 1) M[q] = 1;
    for (int64_t i = 0; i < n; i++) {
        for (int64_t j = 0; j < n; j++) deg[i] += M[i * n + j];
        order[i] = i;
    }
    for (int64_t a = 0; a < n; a++) /* selection sort by decreasing degree */
        for (int64_t b = a + 1; b < n; b++)
            if (deg[order[b]] > deg[order[a]]) {
                int64_t s = order[a];
                order[a] = order[b], order[b] = s;
            }
    for (int64_t q = 0; q < n; q++) {
        int64_t v = order[q];
        double s = 0;
        for (int64_t i = 0; i < n; i++)
            if (M[i * n + v] == 1) M[i * n + v] = 1.0 / deg[v];
        for (int64_t j = 0; j < n; j++)
            if (M[v * n + j] == 1) M[v * n + j] = 1.0 / deg[v];
        for (int64_t j = 0; j < n; j++) s += M[v * n + j];
        M[v * n + v] = 1 - s + M[v * n + v];
    }
    free(deg), free(order);
    return M;
}

Test(margulis, pcode_weights_on_the_gabber_galil_graph)
{
    for (int64_t m = 1; m <= 20; m++) {
        int64_t n = m * m;
        double *want = pcode_margulis(m), *A = gabber_galil(m);
        tmx_topo *t = must("margulis", n, 0, 0);
        double *got = dense(t, 0);
        assert_same("margulis", n, 0, got, want);
        for (int64_t i = 0; i < n; i++) {
            double ends = 0;
            for (int64_t j = 0; j < n; j++) {
                ends += A[i * n + j];
                cr_assert_eq(i != j && A[i * n + j] > 0, i != j && got[i * n + j] > 0, "m=%lld: links of %lld",
                             (long long)m, (long long)i);
            }
            cr_assert_eq(ends, 8.0, "the multigraph is 8-regular");
        }
        assert_mixing(t, 0, 1, 1);
        free(want), free(A), free(got);
        tmx_topo_free(t);
    }
}

Test(margulis, the_multigraph_meets_the_gabber_galil_bound)
{
    /* λ₂(A) ≤ 5√2 for the 8-regular multigraph: through the lazy walk (I + A/8)/2, whose eigenvalues
     * are ≥ 0, so that its SLEM is (1 + λ₂/8)/2. */
    for (int64_t m = 2; m <= 16; m++) {
        int64_t n = m * m, cnt = 0;
        double *A = gabber_galil(m);
        int64_t *ii = malloc((size_t)(n * n) * sizeof *ii), *jj = malloc((size_t)(n * n) * sizeof *jj);
        double *vv = malloc((size_t)(n * n) * sizeof *vv);
        for (int64_t i = 0; i < n; i++)
            for (int64_t j = 0; j < n; j++) {
                double w = A[i * n + j] / 16 + (i == j ? 0.5 : 0.0);
                if (w != 0) ii[cnt] = i, jj[cnt] = j, vv[cnt++] = w;
            }
        tmx_csr L = {0};
        cr_assert_eq(tmx_csr_from_triplets(&L, n, cnt, ii, jj, vv), TMX_OK);
        tmx_rate r;
        cr_assert_eq(tmx_rate_csr(&L, TMX_METHOD_DENSE, &r), TMX_OK);
        cr_assert_leq(r.slem, (1 + 5 * sqrt(2) / 8) / 2, "m=%lld: λ₂ = %.6f > 5√2", (long long)m, (2 * r.slem - 1) * 8);
        tmx_csr_destroy(&L);
        free(A), free(ii), free(jj), free(vv);
    }
}

Test(margulis, refuses_non_squares)
{
    const int64_t bad[] = {2, 3, 5, 8, 15, 17, 99, 101};
    for (size_t q = 0; q < sizeof bad / sizeof *bad; q++) {
        tmx_topo *t = NULL;
        cr_assert_eq(make("margulis", bad[q], 0, 0, &t), TMX_EINVAL, "n=%lld", (long long)bad[q]);
        cr_assert_null(t);
        cr_assert(strstr(tmx_last_error(), "square"), "%s", tmx_last_error());
    }
}

/* ---- cycle-plus-inverse (pcode's ExpanderGraph) ------------------------------------------------- */

static int prime(int64_t n)
{
    if (n < 2) return 0;
    for (int64_t d = 2; d * d <= n; d++)
        if (n % d == 0) return 0;
    return 1;
}

/* Row i of (P + Pᵀ + Q)/3, the inverse found by search as pcode does (0 ↦ 0). */
static void cycle_inverse_row(int64_t p, int64_t i, double *row)
{
    memset(row, 0, (size_t)p * sizeof *row);
    int64_t inv = 0;
    for (int64_t j = 1; j < p && i > 0; j++)
        if ((j * i) % p == 1) inv = j;
    row[(i + 1) % p] += 1.0 / 3;
    row[(i + p - 1) % p] += 1.0 / 3;
    row[inv] += 1.0 / 3;
}

Test(cycle_plus_inverse, matches_the_definition_at_every_prime)
{
    double *row = malloc(8000 * sizeof *row);
    int double_links = 0;
    int64_t ps[80], np = 0;
    for (int64_t p = 2; p <= 300; p++)
        if (prime(p)) ps[np++] = p;
    ps[np++] = 1009, ps[np++] = 7919;
    for (int q = 0; q < np; q++) {
        int64_t p = ps[q];
        tmx_topo *t = must("cycle-plus-inverse", p, 0, 0);
        tmx_csr W = {0};
        cr_assert_eq(tmx_topo_weights(t, 0, &W), TMX_OK);
        for (int64_t i = 0; i < p; i++) {
            cycle_inverse_row(p, i, row);
            int64_t nz = 0;
            for (int64_t j = 0; j < p; j++) nz += row[j] != 0, double_links += row[j] > 0.5 && j != i;
            cr_assert_eq(W.rowptr[i + 1] - W.rowptr[i], nz, "p=%lld row %lld", (long long)p, (long long)i);
            for (int64_t e = W.rowptr[i]; e < W.rowptr[i + 1]; e++)
                cr_assert(fabs(W.val[e] - row[W.col[e]]) <= ENTRY_TOL, "p=%lld W[%lld][%lld] = %.17g, want %.17g",
                          (long long)p, (long long)i, (long long)W.col[e], W.val[e], row[W.col[e]]);
        }
        tmx_csr_destroy(&W);
        assert_mixing(t, 0, 1, 1);
        tmx_topo_free(t);
    }
    /* where i⁻¹ = i ± 1 (p ≡ ±1 mod 5, e.g. p = 11: 3 · 4 = 12) the chord doubles a cycle link */
    cr_assert_gt(double_links, 0);
    free(row);
}

Test(cycle_plus_inverse, refuses_non_primes)
{
    const int64_t bad[] = {1, 4, 9, 15, 16, 25, 221, 1000};
    for (size_t q = 0; q < sizeof bad / sizeof *bad; q++) {
        tmx_topo *t = NULL;
        cr_assert_eq(make("cycle-plus-inverse", bad[q], 0, 0, &t), TMX_EINVAL, "n=%lld", (long long)bad[q]);
        cr_assert(strstr(tmx_last_error(), "prime"), "%s", tmx_last_error());
    }
}

/* ---- parameters -------------------------------------------------------------------------------- */

Test(params, base_and_peers_apply_where_they_should)
{
    tmx_topo *t = NULL;
    cr_assert_eq(make("ring", 8, 3, 0, &t), TMX_EINVAL);
    cr_assert(strstr(tmx_last_error(), "base"), "%s", tmx_last_error());
    cr_assert_eq(make("exp", 8, 0, 2, &t), TMX_EINVAL);
    cr_assert(strstr(tmx_last_error(), "peers"), "%s", tmx_last_error());
    cr_assert_eq(make("npeer-exp", 8, 3, 0, &t), TMX_EINVAL);
    cr_assert_eq(make("exp", 8, 1, 0, &t), TMX_EINVAL);
    cr_assert(strstr(tmx_last_error(), "base"), "%s", tmx_last_error());
    cr_assert_eq(make("sym-exp", 8, -2, 0, &t), TMX_EINVAL);
    cr_assert_eq(make("npeer-exp", 8, 0, -1, &t), TMX_EINVAL);
    cr_assert_eq(make("npeer-exp", 8, 0, 8, &t), TMX_EINVAL, "more peers than other nodes");
    cr_assert(strstr(tmx_last_error(), "peers"), "%s", tmx_last_error());
    cr_assert_eq(make("ring-antipodal", 7, 0, 0, &t), TMX_EINVAL);
    cr_assert_eq(make("ring-antipodal", 2, 0, 0, &t), TMX_EINVAL);
    cr_assert_eq(make("two-cliques", 1, 0, 0, &t), TMX_EINVAL);
    cr_assert_eq(make("bipartite-exp", 15, 0, 0, &t), TMX_EINVAL);
    cr_assert_null(t);
    /* the smallest sizes each family allows */
    const char *names[] = {"exp", "sym-exp", "npeer-exp", "binary-tree", "margulis"};
    for (size_t q = 0; q < sizeof names / sizeof *names; q++) {
        t = must(names[q], 1, 0, 0);
        double *W = dense(t, 0);
        cr_assert_eq(W[0], 1.0, "%s at n = 1", names[q]);
        free(W);
        tmx_topo_free(t);
    }
}
