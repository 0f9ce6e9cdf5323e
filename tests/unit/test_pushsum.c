/* Push-sum: the push weights (lib/src/topo/push.c) against a dense construction, validation's
 * push-sum flag and check, the push-sum rate against LAPACK on W − w1ᵀ, and SGP (sim/sgp.c) against
 * a dense re-implementation of its update, reaching consensus on the true average where D-SGD with
 * the same column-stochastic W does not (docs/definitions.md §20). */
#include <criterion/criterion.h>
#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <topomix/topomix.h>
#include <unistd.h>

#include "topo/push.h"

/* A directed graph as a pattern: row i lists the in-neighbours j of i (edges j → i), from a
 * splitmix-like stream; diag and zeros add stored diagonal and zero-valued entries that the push
 * weights must ignore. Every node gets the edge i → i+1 (mod n) so the graph is strongly connected. */
static void random_pattern(int64_t n, uint64_t seed, double density, int diag, tmx_csr *G)
{
    int64_t cap = n * n, cnt = 0;
    int64_t *ti = malloc((size_t)cap * sizeof *ti), *tj = malloc((size_t)cap * sizeof *tj);
    double *tv = malloc((size_t)cap * sizeof *tv);
    uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < n; j++) {
            x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
            double u = (double)((x * 0x2545f4914f6cdd1dull) >> 11) / 9007199254740992.0;
            int ring = n > 1 && i == (j + 1) % n;
            if (i == j ? diag : (ring || u < density)) ti[cnt] = i, tj[cnt] = j, tv[cnt] = i == j ? 0.3 : 1.0 + u, cnt++;
            else if (diag && u > 0.97) ti[cnt] = i, tj[cnt] = j, tv[cnt] = 0.0, cnt++; /* a stored zero: no edge */
        }
    cr_assert_eq(tmx_csr_from_triplets(G, n, cnt, ti, tj, tv), TMX_OK, "%s", tmx_last_error());
    free(ti), free(tj), free(tv);
}

/* Dense push weights from the definition: column j holds 1/(d_j + 1) on j and its out-neighbours. */
static double *dense_push(const tmx_csr *G)
{
    int64_t n = G->n;
    double *A = calloc((size_t)(n * n), sizeof *A), *D = calloc((size_t)(n * n), sizeof *D);
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < n; j++) A[i * n + j] = i != j && tmx_csr_get(G, i, j) != 0.0;
    for (int64_t j = 0; j < n; j++) {
        double d = 0.0;
        for (int64_t i = 0; i < n; i++) d += A[i * n + j];
        for (int64_t i = 0; i < n; i++) D[i * n + j] = (A[i * n + j] != 0.0 || i == j) ? 1.0 / (d + 1.0) : 0.0;
    }
    free(A);
    return D; /* row-major */
}

static void assert_equals_dense(const tmx_csr *W, const double *D, const char *what)
{
    int64_t n = W->n;
    cr_assert_eq(tmx_csr_check(W), TMX_OK, "%s: %s", what, tmx_last_error());
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < n; j++) /* the same divisions: equal bit for bit */
            cr_assert(tmx_csr_get(W, i, j) == D[i * n + j], "%s: (%lld, %lld) = %.17g, want %.17g", what, (long long)i,
                      (long long)j, tmx_csr_get(W, i, j), D[i * n + j]);
}

Test(pushsum, push_weights_match_the_dense_construction)
{
    static const int64_t sizes[] = {1, 2, 3, 5, 8, 17, 40};
    tmx_topo_ws *ws;
    cr_assert_eq(tmx_topo_ws_new(&ws), TMX_OK);
    for (size_t q = 0; q < sizeof sizes / sizeof *sizes; q++)
        for (int diag = 0; diag < 2; diag++) {
            tmx_csr G = {0}, W = {0};
            random_pattern(sizes[q], 7 + q, 0.2, diag, &G);
            cr_assert_eq(tmx__push_weights(&G, &W, ws), TMX_OK, "%s", tmx_last_error());
            double *D = dense_push(&G);
            char what[64];
            snprintf(what, sizeof what, "n=%lld diag=%d", (long long)sizes[q], diag);
            assert_equals_dense(&W, D, what);
            free(D);
            tmx_csr_destroy(&G);
            tmx_csr_destroy(&W);
        }
    tmx_topo_ws_free(ws);
}

/* --weights push on families: the pattern is the graph (star) or W's off-diagonal nonzeros
 * (base-k, exp); on a regular directed family it gives back the family's uniform weights. */
Test(pushsum, push_weights_of_families_follow_their_out_neighbours)
{
    static const struct { const char *name; int64_t n; } fam[] = {{"star", 7}, {"grid", 12}, {"exp", 12},
                                                                  {"dring", 5}, {"base-k", 10}, {"er", 9}};
    for (size_t q = 0; q < sizeof fam / sizeof *fam; q++) {
        tmx_topo_params tp;
        tmx_topo_params_init(&tp);
        tp.n = fam[q].n;
        tmx_topo *t0, *t1;
        cr_assert_eq(tmx_topo_new(fam[q].name, &tp, &t0), TMX_OK, "%s", tmx_last_error());
        tp.weights = TMX_WEIGHTS_PUSH;
        cr_assert_eq(tmx_topo_new(fam[q].name, &tp, &t1), TMX_OK, "%s: %s", fam[q].name, tmx_last_error());
        int64_t steps = tmx_topo_period(t0) > 1 ? tmx_topo_period(t0) : 1;
        for (int64_t k = 0; k < steps; k++) {
            tmx_csr W0 = {0}, W1 = {0};
            cr_assert_eq(tmx_topo_weights(t0, k, &W0), TMX_OK);
            cr_assert_eq(tmx_topo_weights(t1, k, &W1), TMX_OK, "%s", tmx_last_error());
            double *D = dense_push(&W0);
            assert_equals_dense(&W1, D, fam[q].name);
            free(D);
            tmx_csr_destroy(&W0);
            tmx_csr_destroy(&W1);
        }
        if (strcmp(fam[q].name, "exp") == 0) { /* circulant: the DFT's first row agrees with the matrix */
            tmx_rate a, b;
            cr_assert_eq(tmx_rate_topo(t1, 0, TMX_METHOD_DFT, &a), TMX_OK, "%s", tmx_last_error());
            cr_assert_eq(tmx_rate_topo(t1, 0, TMX_METHOD_DENSE, &b), TMX_OK, "%s", tmx_last_error());
            cr_assert(fabs(a.slem - b.slem) <= 1e-13, "dft %.17g dense %.17g", a.slem, b.slem);
        }
        tmx_topo_free(t0);
        tmx_topo_free(t1);
    }
}

/* The non-regular directed graph of the SGP tests: the cycle 0 → 1 → … → n−1 → 0 plus 0 → 2..n−2,
 * so node 0 pushes to n − 2 nodes and every other node to one. */
static void lopsided(int64_t n, tmx_csr *W)
{
    int64_t ti[64], tj[64], cnt = 0;
    double tv[64];
    for (int64_t j = 0; j < n; j++) ti[cnt] = (j + 1) % n, tj[cnt] = j, tv[cnt] = 1.0, cnt++;
    for (int64_t i = 2; i < n - 1; i++) ti[cnt] = i, tj[cnt] = 0, tv[cnt] = 1.0, cnt++;
    tmx_csr G = {0};
    cr_assert_eq(tmx_csr_from_triplets(&G, n, cnt, ti, tj, tv), TMX_OK);
    tmx_topo_ws *ws;
    cr_assert_eq(tmx_topo_ws_new(&ws), TMX_OK);
    cr_assert_eq(tmx__push_weights(&G, W, ws), TMX_OK);
    tmx_topo_ws_free(ws);
    tmx_csr_destroy(&G);
}

Test(pushsum, validation_reports_a_push_sum_matrix_as_such)
{
    tmx_csr W = {0};
    lopsided(6, &W);
    tmx_validation v;
    cr_assert_eq(tmx_csr_validate(&W, 1e-12, &v), TMX_OK);
    cr_assert(v.col_stochastic && !v.row_stochastic && !v.doubly_stochastic && v.connected && v.push_sum);
    cr_assert_eq(tmx_csr_check_mixing(&W, TMX_MIXING_TOL, TMX_MIXING_CONNECTED | TMX_MIXING_PUSH), TMX_OK, "%s",
                 tmx_last_error());
    cr_assert_eq(tmx_csr_check_mixing(&W, TMX_MIXING_TOL, TMX_MIXING_CONNECTED), TMX_EINVAL);
    cr_assert(strstr(tmx_last_error(), "W is not a mixing matrix: row 1 sums to"), "%s", tmx_last_error());
    /* a doubly stochastic matrix is a push-sum matrix too */
    tmx_csr R = {0};
    tmx_topo_params tp;
    tmx_topo_params_init(&tp);
    tp.n = 8;
    tmx_topo *t;
    cr_assert_eq(tmx_topo_new("ring", &tp, &t), TMX_OK);
    cr_assert_eq(tmx_topo_weights(t, 0, &R), TMX_OK);
    cr_assert_eq(tmx_csr_validate(&R, 1e-12, &v), TMX_OK);
    cr_assert(v.doubly_stochastic && v.push_sum);
    tmx_topo_free(t);
    /* a zero diagonal: column stochastic, but a node that keeps nothing can lose its whole weight */
    int64_t ti[] = {0, 1, 1}, tj[] = {1, 0, 1};
    double tv[] = {1.0, 1.0, 0.0};
    tmx_csr Z = {0};
    cr_assert_eq(tmx_csr_from_triplets(&Z, 2, 3, ti, tj, tv), TMX_OK);
    cr_assert_eq(tmx_csr_validate(&Z, 1e-12, &v), TMX_OK);
    cr_assert(v.col_stochastic && v.connected && !v.push_sum);
    cr_assert_eq(tmx_csr_check_mixing(&Z, TMX_MIXING_TOL, TMX_MIXING_PUSH), TMX_EINVAL);
    cr_assert(strstr(tmx_last_error(), "W is not a push-sum mixing matrix: entry (1, 1) = 0"), "%s", tmx_last_error());
    /* a row-stochastic, not column-stochastic W is refused by the push check at its column */
    tmx_csr T = {0};
    cr_assert_eq(tmx_csr_transpose(&T, &W), TMX_OK);
    cr_assert_eq(tmx_csr_validate(&T, 1e-12, &v), TMX_OK);
    cr_assert(v.row_stochastic && !v.col_stochastic && !v.push_sum);
    cr_assert_eq(tmx_csr_check_mixing(&T, TMX_MIXING_TOL, TMX_MIXING_PUSH), TMX_EINVAL);
    cr_assert(strstr(tmx_last_error(), "column 1 sums to"), "%s", tmx_last_error());
    tmx_csr_destroy(&W), tmx_csr_destroy(&R), tmx_csr_destroy(&Z), tmx_csr_destroy(&T);
}

/* The push-sum rate against LAPACK in the test: the Perron vector from dgeev's right eigenvectors
 * (another route than the library's bordered solve), then dgesvd of W − w1ᵀ (the library uses
 * dgesdd) and dgeev's moduli. Both are backward stable: the values agree to a few hundred ulps of
 * ‖W‖ ≤ √n at these sizes, well inside 1e-12. */
Test(pushsum, push_rate_matches_lapack_on_w_minus_w1t)
{
    for (int64_t n = 3; n <= 30; n += 9) {
        for (int g = 0; g < 2; g++) {
            tmx_csr G = {0}, W = {0};
            if (g == 0) {
                lopsided(n, &W);
            } else {
                tmx_topo_ws *ws;
                cr_assert_eq(tmx_topo_ws_new(&ws), TMX_OK);
                random_pattern(n, 100 + (uint64_t)n, 0.15, 0, &G);
                cr_assert_eq(tmx__push_weights(&G, &W, ws), TMX_OK);
                tmx_topo_ws_free(ws);
            }
            tmx_push_rate r;
            cr_assert_eq(tmx_rate_push_csr(&W, &r), TMX_OK, "%s", tmx_last_error());
            double *A = calloc((size_t)(n * n), sizeof *A), *B = calloc((size_t)(n * n), sizeof *B);
            double *wr = malloc((size_t)n * sizeof *wr), *wi = malloc((size_t)n * sizeof *wi);
            double *vr = malloc((size_t)(n * n) * sizeof *vr), *s = malloc((size_t)n * sizeof *s);
            for (int64_t i = 0; i < n; i++)
                for (int64_t j = 0; j < n; j++) A[i + j * n] = tmx_csr_get(&W, i, j); /* column-major */
            memcpy(B, A, (size_t)(n * n) * sizeof *A);
            cr_assert_eq(LAPACKE_dgeev(LAPACK_COL_MAJOR, 'N', 'V', (lapack_int)n, B, (lapack_int)n, wr, wi, NULL, 1, vr,
                                       (lapack_int)n), 0);
            int64_t one = 0;
            for (int64_t i = 1; i < n; i++)
                if (fabs(wr[i] - 1.0) + fabs(wi[i]) < fabs(wr[one] - 1.0) + fabs(wi[one])) one = i;
            double sum = 0.0, second = 0.0;
            for (int64_t i = 0; i < n; i++) sum += vr[i + one * n];
            for (int64_t i = 0; i < n; i++)
                if (i != one) second = fmax(second, hypot(wr[i], wi[i]));
            double lo = INFINITY, hi = 0.0;
            for (int64_t i = 0; i < n; i++) {
                double w = vr[i + one * n] / sum;
                lo = fmin(lo, w), hi = fmax(hi, w);
                for (int64_t j = 0; j < n; j++) A[i + j * n] -= w;
            }
            double superb[64];
            cr_assert_eq(LAPACKE_dgesvd(LAPACK_COL_MAJOR, 'N', 'N', (lapack_int)n, (lapack_int)n, A, (lapack_int)n, s, NULL,
                                        1, NULL, 1, superb), 0);
            cr_assert(fabs(r.beta - s[0]) <= 1e-12, "n=%lld: beta %.17g, LAPACK %.17g", (long long)n, r.beta, s[0]);
            cr_assert(fabs(r.slem - second) <= 1e-12, "n=%lld: slem %.17g, LAPACK %.17g", (long long)n, r.slem, second);
            cr_assert(fabs(r.gap - (1.0 - r.slem)) == 0.0);
            cr_assert(fabs(r.perron_min - (double)n * lo) <= 1e-12 && fabs(r.perron_max - (double)n * hi) <= 1e-12);
            if (g == 0 && n >= 4) cr_assert(r.perron_max > r.perron_min + 0.1, "lopsided: the Perron vector is not uniform");
            free(A), free(B), free(wr), free(wi), free(vr), free(s);
            tmx_csr_destroy(&G), tmx_csr_destroy(&W);
        }
    }
    /* doubly stochastic W: w1ᵀ = J, so the push-sum rates are tmx_rate's */
    tmx_topo_params tp;
    tmx_topo_params_init(&tp);
    tp.n = 20;
    tmx_topo *t;
    cr_assert_eq(tmx_topo_new("grid", &tp, &t), TMX_OK);
    tmx_push_rate pr;
    tmx_rate rr;
    cr_assert_eq(tmx_rate_push_topo(t, 0, &pr), TMX_OK, "%s", tmx_last_error());
    cr_assert_eq(tmx_rate_topo(t, 0, TMX_METHOD_DENSE, &rr), TMX_OK);
    cr_assert(fabs(pr.beta - rr.beta) <= 1e-12 && fabs(pr.slem - rr.slem) <= 1e-12, "push %.17g %.17g, rate %.17g %.17g",
              pr.beta, pr.slem, rr.beta, rr.slem);
    cr_assert(fabs(pr.perron_min - 1.0) <= 1e-12 && fabs(pr.perron_max - 1.0) <= 1e-12);
    tmx_topo_free(t);
    /* a row-stochastic W is refused */
    tmx_csr W = {0}, T = {0};
    lopsided(6, &W);
    cr_assert_eq(tmx_csr_transpose(&T, &W), TMX_OK);
    cr_assert_eq(tmx_rate_push_csr(&T, &pr), TMX_EINVAL);
    tmx_csr_destroy(&W), tmx_csr_destroy(&T);
}

/* ---- SGP ------------------------------------------------------------------------------------- */

typedef struct run {
    char path[40];
    tmx_topo *topo;
    tmx_dataset ds;
    tmx_partition P;
    tmx_sim *s;
} run;

/* A simulation of `algo` over the mixing matrix W (written to a Matrix Market file and read back
 * as file:, %.17g: the same doubles), on synthetic regression data with heterogeneous shards. */
static void run_new(run *r, tmx_algo algo, const tmx_csr *W, int64_t batch, double lr, tmx_precision prec)
{
    memset(r, 0, sizeof *r);
    strcpy(r->path, "/tmp/topomix-pushsum-XXXXXX");
    int fd = mkstemp(r->path);
    cr_assert_geq(fd, 0);
    FILE *f = fdopen(fd, "w");
    cr_assert_eq(tmx_mm_write(f, W, 0, "test"), TMX_OK);
    cr_assert_eq(fclose(f), 0);
    char name[64];
    snprintf(name, sizeof name, "file:%s", r->path);
    tmx_topo_params tp;
    tmx_topo_params_init(&tp);
    cr_assert_eq(tmx_topo_new(name, &tp, &r->topo), TMX_OK, "%s", tmx_last_error());
    tmx_synth_params sp;
    tmx_synth_params_init(&sp);
    sp.shards = W->n;
    sp.per_shard = 20;
    sp.d = 5;
    sp.hetero = 1.0;
    sp.seed = 3;
    sp.mode = TMX_LABELS_RAW;
    cr_assert_eq(tmx_data_synth(&sp, &r->ds), TMX_OK, "%s", tmx_last_error());
    cr_assert_eq(tmx_partition_make(&r->ds, W->n, TMX_PART_CONTIGUOUS, 0, 1, &r->P), TMX_OK);
    tmx_sim_config cfg;
    tmx_sim_config_init(&cfg);
    cfg.algo = algo;
    cfg.problem = TMX_PROB_LSQ_NC;
    cfg.batch = batch;
    cfg.lr = lr;
    cfg.init_scale = 0.5; /* nonzero models, identical on every agent */
    cfg.precision = prec;
    cr_assert_eq(tmx_sim_new(&cfg, r->topo, &r->ds, &r->P, &r->s), TMX_OK, "%s", tmx_last_error());
}

static void run_free(run *r)
{
    tmx_sim_free(r->s);
    tmx_topo_free(r->topo);
    tmx_partition_destroy(&r->P);
    tmx_dataset_destroy(&r->ds);
    unlink(r->path);
}

/* ∇f_i(z) of lsq-nc on shard i: (1/m_i) Σ_r (a_r·z − b_r) a_r + 2λ z_k/(1 + z_k²)². */
static void lsq_grad(const run *r, int64_t i, const double *z, double lam, double *g)
{
    int64_t d = r->ds.d, lo = r->P.start[i], hi = r->P.start[i + 1];
    for (int64_t k = 0; k < d; k++) g[k] = 0.0;
    for (int64_t q = lo; q < hi; q++) {
        const double *a = r->ds.A + r->P.order[q] * d;
        double dot = 0.0;
        for (int64_t k = 0; k < d; k++) dot += a[k] * z[k];
        double c = (dot - r->ds.y[r->P.order[q]]) / (double)(hi - lo);
        for (int64_t k = 0; k < d; k++) g[k] += c * a[k];
    }
    for (int64_t k = 0; k < d; k++) g[k] += 2.0 * lam * z[k] / ((1.0 + z[k] * z[k]) * (1.0 + z[k] * z[k]));
}

/* SGP against the update written out densely: g_j at z_j = x_j / w_j, x_i ← Σ_j w_ij (x_j − γ g_j),
 * w_i ← Σ_j w_ij w_j. Full batch, so nothing is sampled. The library sums the dot products four
 * rows and several lanes at a time, the test in order: each step's values differ by rounding
 * (a few ulps of a dot product of d = 5 terms of order 1), which the contraction does not amplify
 * over 6 steps: 1e-12 relative to the models' size holds with room to spare. */
Test(pushsum, sgp_matches_a_dense_reimplementation_of_its_update)
{
    int64_t n = 6, T = 6;
    tmx_csr W = {0};
    lopsided(n, &W);
    run r;
    double gamma = 0.2;
    run_new(&r, TMX_ALGO_SGP, &W, 0, gamma, TMX_PREC_F64);
    int64_t d = tmx_sim_dim(r.s);
    double *x = malloc((size_t)(n * d) * sizeof *x), *y = malloc((size_t)(n * d) * sizeof *y);
    double w[8], wn[8], *g = malloc((size_t)d * sizeof *g), *z = malloc((size_t)d * sizeof *z);
    for (int64_t i = 0; i < n; i++) {
        memcpy(x + i * d, tmx_sim_model(r.s, i), (size_t)d * sizeof *x); /* z(0) = x(0), w(0) = 1 */
        w[i] = 1.0;
    }
    for (int64_t t = 0; t < T; t++) {
        cr_assert_eq(tmx_sim_step(r.s), TMX_OK, "%s", tmx_last_error());
        for (int64_t j = 0; j < n; j++) {
            for (int64_t k = 0; k < d; k++) z[k] = x[j * d + k] / w[j];
            lsq_grad(&r, j, z, 1e-3, g);
            for (int64_t k = 0; k < d; k++) y[j * d + k] = x[j * d + k] - gamma * g[k];
        }
        for (int64_t i = 0; i < n; i++) {
            wn[i] = 0.0;
            for (int64_t k = 0; k < d; k++) x[i * d + k] = 0.0;
            for (int64_t j = 0; j < n; j++) {
                double a = tmx_csr_get(&W, i, j);
                wn[i] += a * w[j];
                for (int64_t k = 0; k < d; k++) x[i * d + k] += a * y[j * d + k];
            }
        }
        memcpy(w, wn, sizeof w);
        double scale = 0.0, err = 0.0;
        for (int64_t i = 0; i < n; i++) {
            const double *zi = tmx_sim_model(r.s, i); /* the library's de-biased model */
            for (int64_t k = 0; k < d; k++) {
                double want = x[i * d + k] / w[i];
                scale = fmax(scale, fabs(want));
                err = fmax(err, fabs(zi[k] - want));
            }
        }
        cr_assert(err <= 1e-12 * scale, "step %lld: max |z - z_dense| = %.3g (scale %.3g)", (long long)t, err, scale);
    }
    /* the weights moved off 1 (W is not row stochastic), so the test exercised the de-biasing */
    cr_assert(fabs(w[0] - 1.0) > 1e-3 || fabs(w[1] - 1.0) > 1e-3);
    free(x), free(y), free(g), free(z);
    run_free(&r);
    tmx_csr_destroy(&W);
}

/* On the lopsided graph, W is column stochastic only. SGP's de-biased models reach consensus and
 * its mean a stationary point of f = (1/n) Σ f_i, up to its constant step's O(γ) neighbourhood;
 * D-SGD with the same W keeps Σ x_i but its models tend to n·w_i times their mean (w the Perron
 * vector): they stay apart, and their mean is not where ∇f vanishes. */
Test(pushsum, sgp_reaches_the_true_average_where_dsgd_drifts)
{
    int64_t n = 6;
    tmx_csr W = {0};
    lopsided(n, &W);
    run a, b, c;
    run_new(&a, TMX_ALGO_SGP, &W, 0, 0.05, TMX_PREC_F64);
    run_new(&b, TMX_ALGO_DSGD, &W, 0, 0.05, TMX_PREC_F64);
    run_new(&c, TMX_ALGO_PSGD, &W, 0, 0.05, TMX_PREC_F64); /* the exact average: the reference */
    for (int t = 0; t < 3000; t++) {
        cr_assert_eq(tmx_sim_step(a.s), TMX_OK, "%s", tmx_last_error());
        cr_assert_eq(tmx_sim_step(b.s), TMX_OK, "%s", tmx_last_error());
        cr_assert_eq(tmx_sim_step(c.s), TMX_OK, "%s", tmx_last_error());
    }
    tmx_sim_metrics ma, mb, mc;
    cr_assert_eq(tmx_sim_metrics_get(a.s, &ma), TMX_OK);
    cr_assert_eq(tmx_sim_metrics_get(b.s, &mb), TMX_OK);
    cr_assert_eq(tmx_sim_metrics_get(c.s, &mc), TMX_OK);
    /* seen (first data generator): sgp loss 0.005208028, grad2 6.3e-07, consensus 7.2e-06; dsgd
     * 0.01250706, 0.0154, 0.246; psgd 0.005207712, 2.6e-30 */
    cr_assert(ma.grad_norm2 < 1e-3 * mb.grad_norm2, "sgp %.3g, dsgd %.3g", ma.grad_norm2, mb.grad_norm2);
    cr_assert(ma.consensus < 1e-3 * mb.consensus, "sgp %.3g, dsgd %.3g", ma.consensus, mb.consensus);
    /* the loss at the mean: SGP's within its O(γ) neighbourhood of the exact average's, D-SGD's above
     * it by far more than that neighbourhood (how far depends on the data drawn: seen 2.4 times and
     * 1.31 times the exact average's loss for two generators; SGP's distance was below 1e-4 relative
     * with both) */
    cr_assert(fabs(ma.loss - mc.loss) < 1e-3 * mc.loss, "sgp %.9g, psgd %.9g", ma.loss, mc.loss);
    cr_assert(mb.loss - mc.loss > 100.0 * fabs(ma.loss - mc.loss) && mb.loss > 1.1 * mc.loss,
              "dsgd %.9g, sgp %.9g, psgd %.9g", mb.loss, ma.loss, mc.loss);
    run_free(&a), run_free(&b), run_free(&c);
    tmx_csr_destroy(&W);
}

/* A checkpoint carries the push-sum weights: save at 7, go on to 15; load into a fresh run, go on to
 * 15: the same models bit for bit. */
Test(pushsum, sgp_resumes_bit_identically_from_a_checkpoint)
{
    int64_t n = 6;
    tmx_csr W = {0};
    lopsided(n, &W);
    run a, b;
    run_new(&a, TMX_ALGO_SGP, &W, 4, 0.1, TMX_PREC_F64);
    run_new(&b, TMX_ALGO_SGP, &W, 4, 0.1, TMX_PREC_F64);
    char ck[] = "/tmp/topomix-pushsum-ck-XXXXXX";
    int fd = mkstemp(ck);
    cr_assert_geq(fd, 0);
    close(fd);
    for (int t = 0; t < 7; t++) cr_assert_eq(tmx_sim_step(a.s), TMX_OK);
    cr_assert_eq(tmx_sim_save(a.s, ck), TMX_OK, "%s", tmx_last_error());
    for (int t = 7; t < 15; t++) cr_assert_eq(tmx_sim_step(a.s), TMX_OK);
    cr_assert_eq(tmx_sim_load(b.s, ck), TMX_OK, "%s", tmx_last_error());
    cr_assert_eq(tmx_sim_iter(b.s), 7);
    for (int t = 7; t < 15; t++) cr_assert_eq(tmx_sim_step(b.s), TMX_OK);
    int64_t d = tmx_sim_dim(a.s);
    double *za = malloc((size_t)d * sizeof *za);
    for (int64_t i = 0; i < n; i++) {
        memcpy(za, tmx_sim_model(a.s, i), (size_t)d * sizeof *za);
        cr_assert_eq(memcmp(za, tmx_sim_model(b.s, i), (size_t)d * sizeof *za), 0, "agent %lld differs", (long long)i);
    }
    /* a checkpoint of another algorithm is refused by its header */
    run c;
    run_new(&c, TMX_ALGO_DSGD, &W, 4, 0.1, TMX_PREC_F64);
    cr_assert_eq(tmx_sim_load(c.s, ck), TMX_EINVAL);
    cr_assert(strstr(tmx_last_error(), "algo=sgp"), "%s", tmx_last_error());
    free(za);
    unlink(ck);
    run_free(&a), run_free(&b), run_free(&c);
    tmx_csr_destroy(&W);
}

/* SGP on a regular directed family (exp, onepeer-exp) with push weights: W is doubly stochastic,
 * the weights stay 1 up to rounding, and SGP follows D-SGD's trajectory. */
Test(pushsum, sgp_follows_dsgd_when_w_is_doubly_stochastic)
{
    static const char *const fams[] = {"exp", "onepeer-exp"};
    for (int q = 0; q < 2; q++) {
        tmx_topo_params tp;
        tmx_topo_params_init(&tp);
        tp.n = 12;
        tp.weights = TMX_WEIGHTS_PUSH;
        tmx_topo *t;
        cr_assert_eq(tmx_topo_new(fams[q], &tp, &t), TMX_OK, "%s", tmx_last_error());
        tmx_synth_params sp;
        tmx_synth_params_init(&sp);
        sp.shards = 12, sp.per_shard = 10, sp.d = 4, sp.hetero = 1.0;
        tmx_dataset ds = {0};
        tmx_partition P = {0};
        cr_assert_eq(tmx_data_synth(&sp, &ds), TMX_OK);
        cr_assert_eq(tmx_partition_make(&ds, 12, TMX_PART_CONTIGUOUS, 0, 1, &P), TMX_OK);
        tmx_sim *s[2];
        for (int a = 0; a < 2; a++) {
            tmx_sim_config cfg;
            tmx_sim_config_init(&cfg);
            cfg.algo = a ? TMX_ALGO_SGP : TMX_ALGO_DSGD;
            cfg.batch = 3;
            cfg.lr = 0.3;
            cr_assert_eq(tmx_sim_new(&cfg, t, &ds, &P, &s[a]), TMX_OK, "%s", tmx_last_error());
            for (int k = 0; k < 20; k++) cr_assert_eq(tmx_sim_step(s[a]), TMX_OK);
        }
        /* w = W·1 is 1 within an ulp or two per step (a row's d + 1 entries 1/(d + 1) summed in
         * floating point), so z = x / w and D-SGD's x differ by rounding only: 20 steps of a
         * contraction keep that far below 1e-13 relative */
        for (int64_t i = 0; i < 12; i++) {
            const double *x = tmx_sim_model(s[0], i);
            double *xc = malloc(4 * sizeof *xc);
            memcpy(xc, x, 4 * sizeof *xc);
            const double *z = tmx_sim_model(s[1], i);
            for (int k = 0; k < 4; k++) cr_assert(fabs(z[k] - xc[k]) <= 1e-13 * (1.0 + fabs(xc[k])), "%s agent %lld", fams[q], (long long)i);
            free(xc);
        }
        tmx_sim_free(s[0]), tmx_sim_free(s[1]);
        tmx_partition_destroy(&P), tmx_dataset_destroy(&ds);
        tmx_topo_free(t);
    }
}
