/* Simulator tests: every algorithm against an independent dense re-implementation of the update
 * rules of docs/definitions.md §6 on tiny problems (3–4 agents, 2 features, a few iterations, full
 * batches), the special cases that must coincide, the Cooperative-SGD identity, gradient tracking's
 * exactness under heterogeneous data, consensus control, checkpoints and determinism. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <topomix/topomix.h>
#include <unistd.h>

#include <topomix/sim.h>

enum { D = 2, MAXN = 8, ROWS = 2 };

/* Tiny heterogeneous least-squares data: agent i has ROWS rows (a, b). */
static double A_data[MAXN * ROWS * D], y_data[MAXN * ROWS];

static void make_data(int64_t n, tmx_dataset *ds, tmx_partition *P)
{
    for (int64_t r = 0; r < n * ROWS; r++) {
        A_data[r * D + 0] = 1.0 + 0.25 * (double)(r % 3);
        A_data[r * D + 1] = -0.5 + 0.3 * (double)(r % 5);
        y_data[r] = (r % 2 ? 1.0 : -1.0) * (1.0 + 0.1 * (double)r); /* labels differ by agent: heterogeneous */
    }
    memset(ds, 0, sizeof *ds);
    ds->m = n * ROWS;
    ds->d = D;
    ds->A = A_data;
    ds->y = y_data;
    ds->nclass = 0;
    memset(P, 0, sizeof *P);
    cr_assert_eq(tmx_partition_make(ds, n, TMX_PART_CONTIGUOUS, 0, 1, P), TMX_OK, "%s", tmx_last_error());
}

/* ∇f_i(x) of lsq-nc: (1/m_i) Σ_j a_j (a_jᵀx − b_j) + λ·2x/(1 + x²)², written out by hand. */
static void ref_grad(int64_t i, const double *x, double reg, double *g)
{
    g[0] = g[1] = 0.0;
    for (int r = 0; r < ROWS; r++) {
        const double *a = A_data + (i * ROWS + r) * D;
        double res = a[0] * x[0] + a[1] * x[1] - y_data[i * ROWS + r];
        g[0] += a[0] * res / ROWS;
        g[1] += a[1] * res / ROWS;
    }
    for (int k = 0; k < D; k++) g[k] += reg * 2.0 * x[k] / ((1.0 + x[k] * x[k]) * (1.0 + x[k] * x[k]));
}

typedef struct ref_cfg {
    tmx_algo algo;
    int64_t n, aux, iters, period;
    double lr, beta, mu, alpha, reg;
} ref_cfg;

/* X[i][k]: the reference trajectory, with W given densely (N = n + aux nodes). */
static void ref_run(const ref_cfg *c, const double *W, double X[MAXN][D])
{
    int64_t n = c->n, N = c->n + c->aux;
    double G[MAXN][D] = {{0}}, M[MAXN][D] = {{0}}, Mh[MAXN][D] = {{0}}, Y[MAXN][D] = {{0}}, Gold[MAXN][D] = {{0}},
           V[MAXN][D], T[MAXN][D], z[D] = {0};
    memset(X, 0, sizeof(double) * MAXN * D);
    if (c->algo == TMX_ALGO_GT) {
        for (int64_t i = 0; i < n; i++) ref_grad(i, X[i], c->reg, Gold[i]);
        memcpy(Y, Gold, sizeof Y);
    }
#define MIXTO(dst, src)                                                                                            \
    for (int64_t i = 0; i < N; i++)                                                                                \
        for (int k = 0; k < D; k++) {                                                                              \
            double acc = 0;                                                                                        \
            for (int64_t j = 0; j < N; j++) acc += W[i * N + j] * (src)[j][k];                                     \
            (dst)[i][k] = acc;                                                                                     \
        }
    for (int64_t t = 0; t < c->iters; t++) {
        double g = c->lr;
        for (int64_t i = 0; i < n; i++) ref_grad(i, X[i], c->reg, G[i]);
        for (int64_t i = n; i < N; i++) G[i][0] = G[i][1] = 0.0;
        switch (c->algo) {
        case TMX_ALGO_DSGD: /* x_i ← Σ_j w_ij (x_j − γ g_j) */
            for (int64_t i = 0; i < N; i++)
                for (int k = 0; k < D; k++) V[i][k] = X[i][k] - g * G[i][k];
            MIXTO(X, V);
            break;
        case TMX_ALGO_COOP: /* X ← (X − ηG) W_k, W_k = W when (t+1) mod τ = 0 */
            for (int64_t i = 0; i < N; i++)
                for (int k = 0; k < D; k++) V[i][k] = X[i][k] - g * G[i][k];
            if ((t + 1) % c->period == 0) {
                MIXTO(X, V);
            } else {
                memcpy(X, V, sizeof V);
            }
            break;
        case TMX_ALGO_DPSGD: /* x_i ← Σ_j w_ij x_j − γ g_i */
            MIXTO(T, X);
            for (int64_t i = 0; i < N; i++)
                for (int k = 0; k < D; k++) X[i][k] = T[i][k] - g * G[i][k];
            break;
        case TMX_ALGO_DMSGD: /* m ← βm + g; x ← W(x − γm) */
            for (int64_t i = 0; i < N; i++)
                for (int k = 0; k < D; k++) M[i][k] = c->beta * M[i][k] + G[i][k], V[i][k] = X[i][k] - g * M[i][k];
            MIXTO(X, V);
            break;
        case TMX_ALGO_VDMSGD: /* m ← βm + g; x ← Wx − γm */
            for (int64_t i = 0; i < N; i++)
                for (int k = 0; k < D; k++) M[i][k] = c->beta * M[i][k] + G[i][k];
            MIXTO(T, X);
            for (int64_t i = 0; i < N; i++)
                for (int k = 0; k < D; k++) X[i][k] = T[i][k] - g * M[i][k];
            break;
        case TMX_ALGO_QGDMSGD: /* m ← β m̂ + g; x⁺ = W(x − γm); m̂ ← μ m̂ + (1−μ)(x − x⁺)/γ */
            for (int64_t i = 0; i < N; i++)
                for (int k = 0; k < D; k++) M[i][k] = c->beta * Mh[i][k] + G[i][k], V[i][k] = X[i][k] - g * M[i][k];
            MIXTO(T, V);
            for (int64_t i = 0; i < N; i++)
                for (int k = 0; k < D; k++) Mh[i][k] = c->mu * Mh[i][k] + (1 - c->mu) * (X[i][k] - T[i][k]) / g;
            memcpy(X, T, sizeof T);
            break;
        case TMX_ALGO_PSGD: { /* x ← x − γ mean(g) */
            double gb[D] = {0};
            for (int64_t i = 0; i < n; i++)
                for (int k = 0; k < D; k++) gb[k] += G[i][k] / (double)n;
            for (int64_t i = 0; i < n; i++)
                for (int k = 0; k < D; k++) X[i][k] -= g * gb[k];
            break;
        }
        case TMX_ALGO_LOCAL: /* local steps; every τ steps x_i ← x̄ */
        case TMX_ALGO_EASGD: {
            for (int64_t i = 0; i < n; i++)
                for (int k = 0; k < D; k++) X[i][k] -= g * G[i][k];
            if ((t + 1) % c->period != 0) break;
            double xb[D] = {0};
            for (int64_t i = 0; i < n; i++)
                for (int k = 0; k < D; k++) xb[k] += X[i][k];
            for (int k = 0; k < D; k++) {
                double zk = z[k];
                if (c->algo == TMX_ALGO_LOCAL) {
                    for (int64_t i = 0; i < n; i++) X[i][k] = xb[k] / (double)n;
                } else { /* x_i ← (1−α)x_i + αz, z ← (1 − nα)z + α Σ_i x_i */
                    for (int64_t i = 0; i < n; i++) X[i][k] = (1 - c->alpha) * X[i][k] + c->alpha * zk;
                    z[k] = (1 - (double)n * c->alpha) * zk + c->alpha * xb[k];
                }
            }
            break;
        }
        case TMX_ALGO_GT: /* x⁺ = W(x − γy); y⁺ = Wy + g(x⁺) − g(x) */
            for (int64_t i = 0; i < N; i++)
                for (int k = 0; k < D; k++) V[i][k] = X[i][k] - g * Y[i][k];
            MIXTO(X, V);
            for (int64_t i = 0; i < n; i++) ref_grad(i, X[i], c->reg, G[i]);
            MIXTO(T, Y);
            for (int64_t i = 0; i < N; i++)
                for (int k = 0; k < D; k++) Y[i][k] = T[i][k] + G[i][k] - Gold[i][k], Gold[i][k] = G[i][k];
            break;
        default: cr_assert_fail("algorithm missing in the reference");
        }
    }
#undef MIXTO
}

static tmx_topo *topo_of(const char *name, int64_t n)
{
    tmx_topo_params p;
    tmx_topo_params_init(&p);
    p.n = n;
    tmx_topo *t = NULL;
    cr_assert_eq(tmx_topo_new(name, &p, &t), TMX_OK, "%s", tmx_last_error());
    return t;
}

static void dense_W(const tmx_topo *t, double *W)
{
    tmx_csr S = {0};
    cr_assert_eq(tmx_topo_weights(t, 0, &S), TMX_OK);
    int64_t N = S.n;
    memset(W, 0, sizeof(double) * (size_t)(N * N));
    for (int64_t i = 0; i < N; i++)
        for (int64_t e = S.rowptr[i]; e < S.rowptr[i + 1]; e++) W[i * N + S.col[e]] = S.val[e];
    tmx_csr_destroy(&S);
}

static tmx_sim *run_engine(const ref_cfg *c, const char *topo_name, tmx_topo **topo, tmx_dataset *ds, tmx_partition *P)
{
    make_data(c->n, ds, P);
    *topo = topo_of(topo_name, c->n + c->aux);
    tmx_sim_config cfg;
    tmx_sim_config_init(&cfg);
    cfg.algo = c->algo;
    cfg.problem = TMX_PROB_LSQ_NC;
    cfg.iters = c->iters;
    cfg.lr = c->lr;
    cfg.momentum = c->beta;
    cfg.qg_mu = c->mu;
    cfg.reg = c->reg;
    cfg.batch = 0;
    cfg.period = c->period;
    cfg.alpha = c->alpha;
    cfg.aux = c->aux;
    tmx_sim *s = NULL;
    cr_assert_eq(tmx_sim_new(&cfg, *topo, ds, P, &s), TMX_OK, "%s", tmx_last_error());
    for (int64_t t = 0; t < c->iters; t++) cr_assert_eq(tmx_sim_step(s), TMX_OK, "%s", tmx_last_error());
    return s;
}

/* Same arithmetic in another order: relative 1e-13 on O(1) values over ≤ 3 iterations. */
static void compare(const ref_cfg *c, const char *topo_name)
{
    tmx_dataset ds;
    tmx_partition P;
    tmx_topo *t;
    tmx_sim *s = run_engine(c, topo_name, &t, &ds, &P);
    double W[MAXN * MAXN], X[MAXN][D];
    dense_W(t, W);
    ref_run(c, W, X);
    for (int64_t i = 0; i < c->n + c->aux; i++)
        for (int k = 0; k < D; k++) {
            double got = tmx_sim_model(s, i)[k], want = X[i][k];
            cr_assert(fabs(got - want) <= 1e-13 * (1.0 + fabs(want)), "%s on %s: agent %lld coord %d: %.17g, reference %.17g",
                      tmx_algo_name(c->algo), topo_name, (long long)i, k, got, want);
        }
    tmx_sim_free(s);
    tmx_topo_free(t);
    tmx_partition_destroy(&P);
}

Test(sim, every_algorithm_follows_its_update_rule)
{
    const tmx_algo algos[] = {TMX_ALGO_DSGD, TMX_ALGO_DPSGD,  TMX_ALGO_DMSGD, TMX_ALGO_VDMSGD, TMX_ALGO_QGDMSGD,
                              TMX_ALGO_PSGD, TMX_ALGO_LOCAL, TMX_ALGO_EASGD, TMX_ALGO_COOP,   TMX_ALGO_GT};
    for (size_t a = 0; a < sizeof algos / sizeof *algos; a++)
        for (int64_t iters = 1; iters <= 3; iters++) {
            ref_cfg c = {algos[a], 4, 0, iters, 2, 0.2, 0.9, 0.7, 0.1, 0.01};
            compare(&c, "ring");
            c.n = 3;
            compare(&c, "dring");
        }
}

Test(sim, dsgd_two_steps_match_a_hand_computation)
{
    /* n = 2 agents on ring (W = [[1/2, 1/2], [1/2, 1/2]]), λ = 0, γ = 0.5, x(0) = 0.
     * Agent 0 rows: a = (1, −0.5), b = −1;  a = (1.25, −0.2), b = 1.1.
     * Agent 1 rows: a = (1.5, 0.1), b = −1.2; a = (1, 0.4), b = 1.3.
     * At x = 0: g_0 = −(1/2)[a·b] = −(1/2)[(−1 + 1.375, 0.5 − 0.22)] = (−0.1875, −0.14),
     *           g_1 = −(1/2)[(−1.8 + 1.3, −0.12 + 0.52)] = (0.25, −0.2).
     * x(1) = mean(x − γg) = −0.5·mean(g) = −0.5·(0.03125, −0.17) = (−0.015625, 0.085) for both. */
    ref_cfg c = {TMX_ALGO_DSGD, 2, 0, 1, 1, 0.5, 0, 0, 0, 0.0};
    tmx_dataset ds;
    tmx_partition P;
    tmx_topo *t;
    tmx_sim *s = run_engine(&c, "ring", &t, &ds, &P);
    for (int i = 0; i < 2; i++) {
        cr_assert(fabs(tmx_sim_model(s, i)[0] - (-0.015625)) < 1e-15, "%.17g", tmx_sim_model(s, i)[0]);
        cr_assert(fabs(tmx_sim_model(s, i)[1] - 0.085) < 1e-15, "%.17g", tmx_sim_model(s, i)[1]);
    }
    tmx_sim_free(s);
    tmx_topo_free(t);
    tmx_partition_destroy(&P);
}

/* ---- special cases that must coincide ---------------------------------------------------------- */

static void models(const ref_cfg *c, const char *topo, double out[MAXN][D])
{
    tmx_dataset ds;
    tmx_partition P;
    tmx_topo *t;
    tmx_sim *s = run_engine(c, topo, &t, &ds, &P);
    for (int64_t i = 0; i < c->n; i++) memcpy(out[i], tmx_sim_model(s, i), sizeof(double) * D);
    tmx_sim_free(s);
    tmx_topo_free(t);
    tmx_partition_destroy(&P);
}

static void same(double a[MAXN][D], double b[MAXN][D], int64_t n, const char *what)
{
    for (int64_t i = 0; i < n; i++)
        for (int k = 0; k < D; k++)
            cr_assert(fabs(a[i][k] - b[i][k]) <= 1e-13 * (1 + fabs(b[i][k])), "%s: agent %lld: %.17g vs %.17g", what,
                      (long long)i, a[i][k], b[i][k]);
}

Test(sim, special_cases_of_cooperative_sgd_coincide)
{
    double a[MAXN][D], b[MAXN][D];
    ref_cfg local = {TMX_ALGO_LOCAL, 4, 0, 9, 3, 0.2, 0, 0, 0, 0.01};
    ref_cfg coop = local;
    coop.algo = TMX_ALGO_COOP;
    models(&coop, "complete", a);
    models(&local, "complete", b);
    same(a, b, 4, "coop(3, J, 0) = local SGD");
    coop.period = 1;
    ref_cfg psgd = {TMX_ALGO_PSGD, 4, 0, 9, 1, 0.2, 0, 0, 0, 0.01};
    models(&coop, "complete", a);
    models(&psgd, "complete", b);
    same(a, b, 4, "coop(1, J, 0) = psgd");
    ref_cfg dsgd = psgd;
    dsgd.algo = TMX_ALGO_DSGD;
    models(&dsgd, "complete", a);
    same(a, b, 4, "dsgd on complete = psgd");
}

/* ---- the Cooperative-SGD identity (docs/definitions.md §6) ----------------------------------- */

Test(sim, cooperative_sgd_average_model_moves_by_m_over_m_plus_v_times_the_mean_gradient)
{
    /* A(τ, W, v) with m = 4 workers and v = 1 anchor on a 5-node ring: W doubly stochastic keeps
     * the average u over all m + v nodes, so u ← u − (m/(m+v)) η mean_i g_i exactly. */
    ref_cfg c = {TMX_ALGO_COOP, 4, 1, 0, 2, 0.2, 0, 0, 0, 0.01};
    tmx_dataset ds;
    tmx_partition P;
    make_data(4, &ds, &P);
    tmx_topo *t = topo_of("ring", 5);
    tmx_sim_config cfg;
    tmx_sim_config_init(&cfg);
    cfg.algo = TMX_ALGO_COOP;
    cfg.problem = TMX_PROB_LSQ_NC;
    cfg.batch = 0;
    cfg.lr = c.lr;
    cfg.reg = c.reg;
    cfg.period = 2;
    cfg.aux = 1;
    cfg.iters = 10;
    cfg.init_scale = 0.5;
    tmx_sim *s = NULL;
    cr_assert_eq(tmx_sim_new(&cfg, t, &ds, &P, &s), TMX_OK, "%s", tmx_last_error());
    for (int step = 0; step < 10; step++) {
        double u[D] = {0}, gbar[D] = {0}, g[D];
        for (int64_t i = 0; i < 5; i++)
            for (int k = 0; k < D; k++) u[k] += tmx_sim_model(s, i)[k] / 5.0;
        for (int64_t i = 0; i < 4; i++) {
            ref_grad(i, tmx_sim_model(s, i), c.reg, g);
            for (int k = 0; k < D; k++) gbar[k] += g[k] / 4.0;
        }
        cr_assert_eq(tmx_sim_step(s), TMX_OK);
        for (int k = 0; k < D; k++) {
            double un = 0;
            for (int64_t i = 0; i < 5; i++) un += tmx_sim_model(s, i)[k] / 5.0;
            double want = u[k] - (4.0 / 5.0) * c.lr * gbar[k];
            cr_assert(fabs(un - want) <= 1e-14 * (1 + fabs(want)), "step %d coord %d: u %.17g, want %.17g", step, k, un, want);
        }
    }
    tmx_sim_free(s);
    tmx_topo_free(t);
    tmx_partition_destroy(&P);
}

/* ---- gradient tracking removes the heterogeneity bias ---------------------------------------- */

Test(sim, gradient_tracking_reaches_the_optimum_where_dsgd_does_not)
{
    /* λ = 0: f = (1/n) Σ f_i is a least-squares problem with optimum x* from its normal equations.
     * D-SGD with a constant step stops at a fixed point where agents disagree; GT converges to x*. */
    const int64_t n = 4;
    double AtA[2][2] = {{0}}, Atb[2] = {0};
    for (int64_t r = 0; r < n * ROWS; r++) {
        tmx_dataset ds;
        tmx_partition P;
        if (r == 0) make_data(n, &ds, &P), tmx_partition_destroy(&P);
        const double *a = A_data + r * D;
        for (int p = 0; p < 2; p++) {
            Atb[p] += a[p] * y_data[r];
            for (int q = 0; q < 2; q++) AtA[p][q] += a[p] * a[q];
        }
    }
    double det = AtA[0][0] * AtA[1][1] - AtA[0][1] * AtA[1][0];
    double xs[2] = {(AtA[1][1] * Atb[0] - AtA[0][1] * Atb[1]) / det, (AtA[0][0] * Atb[1] - AtA[1][0] * Atb[0]) / det};
    double err[2];
    for (int q = 0; q < 2; q++) {
        ref_cfg c = {q ? TMX_ALGO_GT : TMX_ALGO_DSGD, n, 0, 3000, 1, 0.1, 0, 0, 0, 0.0};
        tmx_dataset ds;
        tmx_partition P;
        tmx_topo *t;
        tmx_sim *s = run_engine(&c, "ring", &t, &ds, &P);
        err[q] = 0;
        for (int64_t i = 0; i < n; i++)
            for (int k = 0; k < D; k++) err[q] = fmax(err[q], fabs(tmx_sim_model(s, i)[k] - xs[k]));
        tmx_sim_free(s);
        tmx_topo_free(t);
        tmx_partition_destroy(&P);
    }
    cr_assert(err[1] < 1e-10, "gradient tracking: max |x_i - x*| = %g", err[1]);
    cr_assert(err[0] > 1e-3, "dsgd unexpectedly exact: max |x_i - x*| = %g", err[0]);
}

/* ---- consensus ------------------------------------------------------------------------------- */

static tmx_sim *synth_sim(tmx_sim_config *cfg, const char *topo_name, int64_t n, tmx_topo **t, tmx_dataset *ds,
                          tmx_partition *P)
{
    tmx_synth_params sp;
    tmx_synth_params_init(&sp);
    sp.shards = n;
    sp.per_shard = 50;
    sp.d = 20;
    sp.hetero = 1.0;
    sp.seed = 7;
    memset(ds, 0, sizeof *ds);
    cr_assert_eq(tmx_data_synth(&sp, ds), TMX_OK, "%s", tmx_last_error());
    memset(P, 0, sizeof *P);
    cr_assert_eq(tmx_partition_make(ds, n, TMX_PART_CONTIGUOUS, 0, 1, P), TMX_OK);
    *t = topo_of(topo_name, n);
    tmx_sim *s = NULL;
    cr_assert_eq(tmx_sim_new(cfg, *t, ds, P, &s), TMX_OK, "%s", tmx_last_error());
    return s;
}

static void free_all(tmx_sim *s, tmx_topo *t, tmx_dataset *ds, tmx_partition *P)
{
    tmx_sim_free(s);
    tmx_topo_free(t);
    tmx_partition_destroy(P);
    tmx_dataset_destroy(ds);
}

Test(sim, psgd_keeps_every_agent_identical)
{
    tmx_sim_config cfg;
    tmx_sim_config_init(&cfg);
    cfg.algo = TMX_ALGO_PSGD;
    cfg.batch = 8;
    cfg.iters = 30;
    tmx_topo *t;
    tmx_dataset ds;
    tmx_partition P;
    tmx_sim *s = synth_sim(&cfg, "ring", 8, &t, &ds, &P);
    for (int k = 0; k < 30; k++) cr_assert_eq(tmx_sim_step(s), TMX_OK);
    for (int64_t i = 1; i < 8; i++)
        cr_assert(!memcmp(tmx_sim_model(s, i), tmx_sim_model(s, 0), sizeof(double) * 20), "agent %lld differs", (long long)i);
    tmx_sim_metrics m;
    cr_assert_eq(tmx_sim_metrics_get(s, &m), TMX_OK);
    /* identical columns: Ξ² is the rounding of the mean alone, ≤ (n·eps·|x|)² ≈ 1e-28 for |x| ≤ 10 */
    cr_assert(m.consensus <= 1e-28, "psgd consensus %g", m.consensus);
    free_all(s, t, &ds, &P);
}

Test(sim, consensus_control_meets_its_target_after_every_step)
{
    const tmx_control kinds[] = {TMX_CONTROL_CONST, TMX_CONTROL_ADAPTIVE};
    for (int q = 0; q < 2; q++) {
        tmx_sim_config cfg;
        tmx_sim_config_init(&cfg);
        cfg.algo = TMX_ALGO_DSGD;
        cfg.batch = 4;
        cfg.iters = 40;
        cfg.lr = 0.5;
        cfg.control = kinds[q];
        cfg.control_factor = q == 0 ? 0.2 : 1e-3;
        tmx_topo *t;
        tmx_dataset ds;
        tmx_partition P;
        tmx_sim *s = synth_sim(&cfg, "ring", 16, &t, &ds, &P);
        int64_t extra = 0;
        for (int k = 0; k < 40; k++) {
            cr_assert_eq(tmx_sim_step(s), TMX_OK);
            tmx_sim_metrics m;
            cr_assert_eq(tmx_sim_metrics_get(s, &m), TMX_OK);
            /* metrics recompute Ξ² independently of the fused pass: rounding, relative 1e-12 */
            cr_assert(m.consensus <= m.control_target * (1 + 1e-12) + 1e-300, "step %d: consensus %g > target %g", k,
                      m.consensus, m.control_target);
            cr_assert_eq(m.control_capped, 0);
            extra = m.gossip_rounds - (k + 1);
        }
        cr_assert(extra > 0, "control never needed an extra round: the test does not exercise it");
        free_all(s, t, &ds, &P);
    }
}

/* ---- determinism and checkpoints ------------------------------------------------------------- */

static void run_steps(tmx_sim *s, int64_t k)
{
    for (int64_t q = 0; q < k; q++) cr_assert_eq(tmx_sim_step(s), TMX_OK, "%s", tmx_last_error());
}

Test(sim, same_seed_same_state_bit_for_bit_and_another_seed_differs)
{
    const tmx_algo algos[] = {TMX_ALGO_DSGD, TMX_ALGO_QGDMSGD, TMX_ALGO_GT, TMX_ALGO_EASGD};
    for (int a = 0; a < 4; a++) {
        double *first = NULL;
        for (int rep = 0; rep < 3; rep++) {
            tmx_sim_config cfg;
            tmx_sim_config_init(&cfg);
            cfg.algo = algos[a];
            cfg.batch = 5;
            cfg.iters = 25;
            cfg.seed = rep == 2 ? 99 : 5;
            tmx_topo *t;
            tmx_dataset ds;
            tmx_partition P;
            tmx_sim *s = synth_sim(&cfg, "onepeer-exp", 8, &t, &ds, &P);
            run_steps(s, 25);
            size_t bytes = sizeof(double) * 20 * 8;
            if (rep == 0) {
                first = malloc(bytes);
                memcpy(first, tmx_sim_model(s, 0), bytes);
            } else if (rep == 1) {
                cr_assert(!memcmp(first, tmx_sim_model(s, 0), bytes), "%s: same seed, different state", tmx_algo_name(algos[a]));
            } else {
                cr_assert(memcmp(first, tmx_sim_model(s, 0), bytes), "%s: seeds 5 and 99 gave the same state",
                          tmx_algo_name(algos[a]));
            }
            free_all(s, t, &ds, &P);
        }
        free(first);
    }
}

Test(sim, resuming_from_a_checkpoint_is_bit_identical)
{
    const tmx_algo algos[] = {TMX_ALGO_DSGD, TMX_ALGO_QGDMSGD, TMX_ALGO_GT, TMX_ALGO_EASGD, TMX_ALGO_VDMSGD};
    char path[] = "/tmp/topomix-test-ckpt-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    for (int a = 0; a < 5; a++) {
        tmx_sim_config cfg;
        tmx_sim_config_init(&cfg);
        cfg.algo = algos[a];
        cfg.batch = 5;
        cfg.iters = 30;
        cfg.control = algos[a] == TMX_ALGO_DSGD ? TMX_CONTROL_ADAPTIVE : TMX_CONTROL_NONE;
        cfg.control_factor = 0.01;
        tmx_topo *t1, *t2;
        tmx_dataset d1, d2;
        tmx_partition p1, p2;
        tmx_sim *whole = synth_sim(&cfg, "matching", 8, &t1, &d1, &p1);
        run_steps(whole, 30);
        tmx_sim *part = synth_sim(&cfg, "matching", 8, &t2, &d2, &p2);
        run_steps(part, 13);
        cr_assert_eq(tmx_sim_save(part, path), TMX_OK, "%s", tmx_last_error());
        tmx_sim_free(part);
        cr_assert_eq(tmx_sim_new(&cfg, t2, &d2, &p2, &part), TMX_OK);
        cr_assert_eq(tmx_sim_load(part, path), TMX_OK, "%s", tmx_last_error());
        cr_assert_eq(tmx_sim_iter(part), 13);
        run_steps(part, 17);
        tmx_sim_metrics ma, mb;
        cr_assert_eq(tmx_sim_metrics_get(whole, &ma), TMX_OK);
        cr_assert_eq(tmx_sim_metrics_get(part, &mb), TMX_OK);
        for (int64_t i = 0; i < 8; i++)
            cr_assert(!memcmp(tmx_sim_model(whole, i), tmx_sim_model(part, i), sizeof(double) * 20), "%s: agent %lld differs",
                      tmx_algo_name(algos[a]), (long long)i);
        cr_assert_eq(ma.gossip_rounds, mb.gossip_rounds);
        cr_assert(!memcmp(&ma.loss, &mb.loss, sizeof ma.loss));
        free_all(whole, t1, &d1, &p1);
        free_all(part, t2, &d2, &p2);
    }
    /* a checkpoint of another configuration is refused */
    tmx_sim_config cfg;
    tmx_sim_config_init(&cfg);
    cfg.lr = 0.05;
    tmx_topo *t;
    tmx_dataset ds;
    tmx_partition P;
    tmx_sim *s = synth_sim(&cfg, "matching", 8, &t, &ds, &P);
    cr_assert_eq(tmx_sim_load(s, path), TMX_EINVAL);
    /* the first field that differs, both values (the checkpoint was vdmsgd's, lr 0.1) */
    cr_assert(strstr(tmx_last_error(), "algo=vdmsgd, this run has algo=dsgd") != NULL, "%s", tmx_last_error());
    cr_assert_eq(tmx_sim_load(s, "/nonexistent/ckpt"), TMX_EIO);
    free_all(s, t, &ds, &P);
    remove(path);
}

/* Reads a whole file into a malloc'd buffer. */
static unsigned char *slurp(const char *path, long *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f);
    fseek(f, 0, SEEK_END);
    *len = ftell(f);
    rewind(f);
    unsigned char *b = malloc((size_t)*len);
    cr_assert(fread(b, 1, (size_t)*len, f) == (size_t)*len);
    fclose(f);
    return b;
}

static void spit(const char *path, const unsigned char *b, long len)
{
    FILE *f = fopen(path, "wb");
    cr_assert(f);
    cr_assert(fwrite(b, 1, (size_t)len, f) == (size_t)len);
    fclose(f);
}

Test(sim, a_corrupt_or_truncated_checkpoint_is_refused_and_the_state_is_kept)
{
    char path[] = "/tmp/topomix-test-ckbad-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    tmx_sim_config cfg;
    tmx_sim_config_init(&cfg);
    cfg.algo = TMX_ALGO_DMSGD;
    tmx_topo *t;
    tmx_dataset ds;
    tmx_partition P;
    tmx_sim *s = synth_sim(&cfg, "ring", 4, &t, &ds, &P);
    run_steps(s, 7);
    cr_assert_eq(tmx_sim_save(s, path), TMX_OK, "%s", tmx_last_error());
    long len;
    unsigned char *good = slurp(path, &len);
    run_steps(s, 3);
    double before[20];
    memcpy(before, tmx_sim_model(s, 2), sizeof before);
    /* every single-byte change is caught: in the header (a field or the CRC), counters or state */
    for (long at = 8; at < len; at += len / 37 + 1) {
        unsigned char *bad = malloc((size_t)len);
        memcpy(bad, good, (size_t)len);
        bad[at] ^= 0x10;
        spit(path, bad, len);
        tmx_status st = tmx_sim_load(s, path);
        cr_assert(st == TMX_EPARSE || st == TMX_EINVAL, "byte %ld changed: status %d", at, st);
        cr_assert_eq(tmx_sim_iter(s), 10, "byte %ld: a failed load changed the iteration", at);
        cr_assert(!memcmp(before, tmx_sim_model(s, 2), sizeof before), "byte %ld: a failed load changed a model", at);
        free(bad);
    }
    spit(path, good, len - 1);
    cr_assert_eq(tmx_sim_load(s, path), TMX_EPARSE);
    cr_assert(strstr(tmx_last_error(), "truncated") != NULL, "%s", tmx_last_error());
    spit(path, good, len);
    cr_assert_eq(tmx_sim_load(s, path), TMX_OK, "%s", tmx_last_error());
    cr_assert_eq(tmx_sim_iter(s), 7);
    /* a directory is neither written nor read as a checkpoint */
    cr_assert_eq(tmx_sim_save(s, "/tmp"), TMX_EINVAL);
    cr_assert_eq(tmx_sim_load(s, "/tmp"), TMX_EIO);
    free(good);
    free_all(s, t, &ds, &P);
    remove(path);
}

Test(sim, a_diverging_run_stops_with_a_message_naming_the_iteration)
{
    tmx_sim_config cfg;
    tmx_sim_config_init(&cfg);
    cfg.problem = TMX_PROB_LSQ_NC;
    cfg.lr = 1e6;
    cfg.iters = 200;
    tmx_topo *t;
    tmx_dataset ds;
    tmx_partition P;
    tmx_sim *s = synth_sim(&cfg, "ring", 4, &t, &ds, &P);
    tmx_status st = TMX_OK;
    int k = 0;
    for (; k < 200 && st == TMX_OK; k++) st = tmx_sim_step(s);
    cr_assert_eq(st, TMX_ENOCONV);
    cr_assert(strstr(tmx_last_error(), "iteration") != NULL, "%s", tmx_last_error());
    free_all(s, t, &ds, &P);
}

Test(sim, bad_configurations_are_refused)
{
    tmx_sim_config base;
    tmx_sim_config_init(&base);
    tmx_sim_config c = base;
    tmx_topo *t;
    tmx_dataset ds;
    tmx_partition P;
    tmx_sim *s = synth_sim(&c, "ring", 4, &t, &ds, &P);
    tmx_sim_free(s);
    tmx_sim_config bad[8];
    for (int q = 0; q < 8; q++) bad[q] = base;
    bad[0].lr = -1;
    bad[1].momentum = 1.0;
    bad[2].period = 0;
    bad[3].aux = 1; /* aux with dsgd */
    bad[4].algo = TMX_ALGO_PSGD, bad[4].control = TMX_CONTROL_CONST;
    bad[5].ndecay = 2, bad[5].decay_at[0] = 0.8, bad[5].decay_at[1] = 0.5;
    bad[6].lr = NAN;
    bad[7].problem = TMX_PROB_MLP; /* ±1 data, no classes */
    for (int q = 0; q < 8; q++) {
        tmx_clear_error();
        tmx_status st = tmx_sim_new(&bad[q], t, &ds, &P, &s);
        cr_assert_eq(st, TMX_EINVAL, "case %d accepted (%s)", q, tmx_errname(st));
        cr_assert_neq(tmx_last_error()[0], '\0');
        cr_assert_null(s);
    }
    /* a topology whose size does not match the agents */
    tmx_topo *t5 = topo_of("ring", 5);
    cr_assert_eq(tmx_sim_new(&base, t5, &ds, &P, &s), TMX_EDIM);
    tmx_topo_free(t5);
    free_all(NULL, t, &ds, &P);
}

/* ---- single precision -------------------------------------------------------------------------- */

Test(sim, f32_agrees_with_f64)
{
    /* Full batches: the same arithmetic in another precision. Each step rounds every entry with
     * relative error ≤ eps_f32 ≈ 6e-8; over T = 60 contracting steps the models drift ≤ T·eps·|x|
     * ≈ 4e-6 relatively, and the loss (Lipschitz in x with a constant ≈ ‖∇f‖ ≤ 1) as much. Bound:
     * 1e-4 relative on the loss, and on Ξ² (a difference of models) 1e-3 relative plus 1e-9. */
    const tmx_algo algos[] = {TMX_ALGO_DSGD, TMX_ALGO_DPSGD, TMX_ALGO_QGDMSGD, TMX_ALGO_GT, TMX_ALGO_EASGD};
    for (int a = 0; a < 5; a++) {
        tmx_sim_metrics m[2];
        for (int q = 0; q < 2; q++) {
            tmx_sim_config cfg;
            tmx_sim_config_init(&cfg);
            cfg.algo = algos[a];
            cfg.batch = 0;
            cfg.iters = 60;
            cfg.lr = 0.2;
            cfg.precision = q ? TMX_PREC_F32 : TMX_PREC_F64;
            tmx_topo *t;
            tmx_dataset ds;
            tmx_partition P;
            tmx_sim *s = synth_sim(&cfg, "exp", 8, &t, &ds, &P);
            run_steps(s, 60);
            cr_assert_eq(tmx_sim_metrics_get(s, &m[q]), TMX_OK);
            free_all(s, t, &ds, &P);
        }
        cr_assert(fabs(m[1].loss - m[0].loss) <= 1e-4 * fabs(m[0].loss), "%s: loss f32 %.9g, f64 %.9g",
                  tmx_algo_name(algos[a]), m[1].loss, m[0].loss);
        cr_assert(fabs(m[1].consensus - m[0].consensus) <= 1e-3 * m[0].consensus + 1e-9, "%s: consensus f32 %.9g, f64 %.9g",
                  tmx_algo_name(algos[a]), m[1].consensus, m[0].consensus);
        cr_assert(m[1].loss != m[0].loss, "%s: f32 gave the f64 result bit for bit: is it really single precision?",
                  tmx_algo_name(algos[a]));
    }
}

Test(sim, f32_checkpoints_resume_bit_identically)
{
    char path[] = "/tmp/topomix-test-ckpt32-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    tmx_sim_config cfg;
    tmx_sim_config_init(&cfg);
    cfg.algo = TMX_ALGO_QGDMSGD;
    cfg.batch = 4;
    cfg.iters = 20;
    cfg.precision = TMX_PREC_F32;
    tmx_topo *t1, *t2;
    tmx_dataset d1, d2;
    tmx_partition p1, p2;
    tmx_sim *whole = synth_sim(&cfg, "ring", 6, &t1, &d1, &p1), *part = synth_sim(&cfg, "ring", 6, &t2, &d2, &p2);
    run_steps(whole, 20);
    run_steps(part, 7);
    cr_assert_eq(tmx_sim_save(part, path), TMX_OK);
    tmx_sim_free(part);
    cr_assert_eq(tmx_sim_new(&cfg, t2, &d2, &p2, &part), TMX_OK);
    cr_assert_eq(tmx_sim_load(part, path), TMX_OK, "%s", tmx_last_error());
    run_steps(part, 13);
    for (int64_t i = 0; i < 6; i++) {
        double a[20], b[20];
        memcpy(a, tmx_sim_model(whole, i), sizeof a);
        memcpy(b, tmx_sim_model(part, i), sizeof b);
        cr_assert(!memcmp(a, b, sizeof a), "agent %lld differs", (long long)i);
    }
    /* an f64 simulation refuses the f32 checkpoint */
    tmx_sim_config c64 = cfg;
    c64.precision = TMX_PREC_F64;
    tmx_sim *s64 = NULL;
    cr_assert_eq(tmx_sim_new(&c64, t2, &d2, &p2, &s64), TMX_OK);
    cr_assert_eq(tmx_sim_load(s64, path), TMX_EINVAL);
    tmx_sim_free(s64);
    free_all(whole, t1, &d1, &p1);
    free_all(part, t2, &d2, &p2);
    remove(path);
}

/* The gradient kernels stream sampled rows four at a time (a block of fewer repeats its first row
 * with coefficient 0). Checked against a direct sum in long double for every batch size 1..11 (all
 * remainders, repeated rows) and d from 1 to 33 (vector tails), both linear problems, f64 and f32.
 * Tolerance from the standard bounds, u the unit roundoff, γ_k = k·u/(1 − k·u): each margin z_j =
 * a_j·x carries |δz_j| ≤ γ_d Σ_k |a_jk x_k|; the loss derivative is 1-Lipschitz in z for lsq-nc
 * (z − b) and |b|²/4-Lipschitz for logreg-nc (−b σ(−bz)), plus a few u of its value (exp, divide);
 * the weighted sum over the batch adds γ_(B+2) Σ_j |c_j a_jk|. The test allows twice that. */
#include "problem.h"

static void check_rows_gradient(tmx_problem_kind kind, int f32)
{
    enum { M = 12, DMAX = 33 };
    static double A[M * DMAX], y[M];
    static float Af[M * DMAX];
    for (int64_t d = 1; d <= DMAX; d += (d < 10 ? 1 : 7)) {
        for (int r = 0; r < M; r++) {
            y[r] = (r % 3) ? 1.0 : -1.0;
            for (int64_t k = 0; k < d; k++) {
                A[r * d + k] = sin(1.0 + 0.7 * (double)r + 1.3 * (double)k);
                if (f32) A[r * d + k] = (float)A[r * d + k]; /* exact in both precisions */
                Af[r * d + k] = (float)A[r * d + k];
            }
        }
        tmx_dataset ds = {.m = M, .d = d, .A = A, .y = y, .nclass = 0};
        tmx__problem pb;
        cr_assert_eq(tmx__problem_init(&pb, kind, &ds, 0, 0.0), TMX_OK, "%s", tmx_last_error());
        pb.Af = Af;
        double x[DMAX], u = f32 ? 0x1p-24 : 0x1p-53;
        float xf[DMAX];
        for (int64_t k = 0; k < d; k++) xf[k] = (float)(0.3 * cos(2.0 * (double)k)), x[k] = xf[k];
        for (int64_t B = 1; B <= 11; B++) {
            int64_t rows[11];
            for (int64_t q = 0; q < B; q++) rows[q] = (q * 5 + B) % M; /* repeats once B > M/gcd */
            double g[DMAX] = {0}, ws[8];
            float gf[DMAX] = {0};
            double scale = 0.75, w = scale / (double)B;
            if (f32)
                tmx__problem_grad_f32(&pb, xf, rows, B, scale, gf, ws);
            else
                tmx__problem_grad(&pb, x, rows, B, scale, g, ws);
            double gd = (double)d * u / (1.0 - (double)d * u), gb = (double)(B + 2) * u / (1.0 - (double)(B + 2) * u);
            for (int64_t k = 0; k < d; k++) {
                long double want = 0.0L;
                double bound = 0.0;
                for (int64_t q = 0; q < B; q++) {
                    const double *a = A + rows[q] * d;
                    long double z = 0.0L;
                    double zabs = 0.0;
                    for (int64_t t = 0; t < d; t++) z += (long double)a[t] * x[t], zabs += fabs(a[t] * x[t]);
                    double b = y[rows[q]];
                    long double dz = kind == TMX_PROB_LSQ_NC ? z - b : -b / (1.0L + expl(b * z));
                    double lip = kind == TMX_PROB_LSQ_NC ? 1.0 : b * b / 4.0;
                    want += (long double)w * dz * a[k];
                    double c = fabs(w * (double)dz * a[k]);
                    bound += fabs(w * a[k]) * (lip * gd * zabs + 4.0 * u * fabs((double)dz)) + gb * c;
                }
                double got = f32 ? (double)gf[k] : g[k];
                cr_assert(fabs(got - (double)want) <= 2.0 * bound + 1e-300, "%s %s d=%lld B=%lld k=%lld: %.9g, want %.9g (bound %.3g)",
                          tmx_problem_name(kind), f32 ? "f32" : "f64", (long long)d, (long long)B, (long long)k, got,
                          (double)want, 2.0 * bound);
            }
        }
    }
}

Test(sim, sampled_rows_gradient_matches_a_direct_sum_for_every_batch_remainder)
{
    for (int f32 = 0; f32 <= 1; f32++) {
        check_rows_gradient(TMX_PROB_LSQ_NC, f32);
        check_rows_gradient(TMX_PROB_LOGREG_NC, f32);
    }
}
