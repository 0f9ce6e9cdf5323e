/* Simulated wall-clock tests (sim/clock.c, docs/definitions.md §15): the closed forms of the model
 * with constant compute times (regular topologies, All-Reduce, local steps, gradient tracking,
 * consensus control), a 4-node max-plus recursion with a slow node worked by hand, the recursion
 * against an independent dense re-implementation on time-varying and random topologies, a straggler
 * setting D-PSGD's pace, the compute-time distributions, determinism and checkpoints.
 *
 * The closed-form tests use dyadic parameters (T = 1/8 s, α = 1/4 s, S = 1024 bytes, B = 4096 bytes/s,
 * so one message costs 1/2 s): every partial sum is then exact in double precision and the tests
 * compare with ==. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <topomix/topomix.h>
#include <unistd.h>

#include <topomix/sim.h>

#include "sim_rig.h"


/* ---- closed forms ----------------------------------------------------------------------------- */

Test(clock, constant_compute_on_a_regular_topology_takes_K_times_T_plus_degree_messages)
{
    static const struct {
        const char *topo;
        int64_t n, deg;
    } cases[] = {{"ring", 16, 2}, {"exp", 16, 4}, {"complete", 16, 15}, {"dring", 16, 1}, {"hypercube", 16, 4}};
    static const tmx_algo algos[] = {TMX_ALGO_DSGD, TMX_ALGO_DPSGD, TMX_ALGO_DMSGD, TMX_ALGO_VDMSGD, TMX_ALGO_QGDMSGD};
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++)
        for (size_t a = 0; a < sizeof algos / sizeof *algos; a++) {
            tmx_sim_config cfg;
            dyadic_config(&cfg);
            cfg.algo = algos[a];
            rig r;
            rig_new(&r, &cfg, cases[c].topo, cases[c].n);
            double per_step = T_STEP + (double)cases[c].deg * MSG;
            cr_assert_eq(tmx_sim_time(r.s), 0.0);
            for (int64_t k = 1; k <= 12; k++) {
                steps(r.s, 1);
                cr_assert_eq(tmx_sim_time(r.s), (double)k * per_step, "%s on %s, step %lld: time %.17g, expected %.17g",
                             tmx_algo_name(algos[a]), cases[c].topo, (long long)k, tmx_sim_time(r.s), (double)k * per_step);
            }
            /* every node computes 12 T and sends 12 deg messages, and never waits */
            tmx_sim_metrics m = metrics(r.s);
            cr_assert_eq(m.time, 12.0 * per_step);
            cr_assert_eq(m.time_compute, 12.0 * T_STEP);
            cr_assert_eq(m.time_comm, 12.0 * (double)cases[c].deg * MSG);
            for (int64_t i = 0; i < cases[c].n; i++) cr_assert_eq(tmx_sim_node_time(r.s, i), m.time);
            rig_free(&r);
        }
}

Test(clock, all_reduce_costs_a_barrier_and_2_n_minus_1_times_alpha_plus_S_over_nB)
{
    const int64_t n = 8, K = 12;
    const double ar = 2.0 * (double)(n - 1) * (ALPHA + S_BYTES / ((double)n * BW)); /* 3.9375 */
    tmx_sim_config cfg;
    dyadic_config(&cfg);
    cfg.algo = TMX_ALGO_PSGD;
    rig r;
    rig_new(&r, &cfg, "ring", n); /* psgd ignores the topology */
    steps(r.s, K);
    tmx_sim_metrics m = metrics(r.s);
    cr_assert_eq(m.time, (double)K * (T_STEP + ar), "psgd: %.17g, expected %.17g", m.time, (double)K * (T_STEP + ar));
    cr_assert_eq(m.time_comm, (double)K * ar);
    rig_free(&r);

    /* local SGD and EASGD: local steps pay their compute only, every 4th step an All-Reduce */
    static const tmx_algo periodic[] = {TMX_ALGO_LOCAL, TMX_ALGO_EASGD};
    for (int a = 0; a < 2; a++) {
        dyadic_config(&cfg);
        cfg.algo = periodic[a];
        cfg.period = 4;
        cfg.alpha = 0.1;
        rig_new(&r, &cfg, "ring", n);
        for (int64_t k = 1; k <= K; k++) {
            steps(r.s, 1);
            double expect = (double)k * T_STEP + (double)(k / 4) * ar;
            cr_assert_eq(tmx_sim_time(r.s), expect, "%s step %lld: %.17g, expected %.17g", tmx_algo_name(periodic[a]),
                         (long long)k, tmx_sim_time(r.s), expect);
        }
        rig_free(&r);
    }

    /* coop A(2, J, 0) on the complete graph is local SGD: an All-Reduce; A(2, W_ring, 0) gossips */
    static const char *const topos[] = {"complete", "ring"};
    for (int q = 0; q < 2; q++) {
        dyadic_config(&cfg);
        cfg.algo = TMX_ALGO_COOP;
        cfg.period = 2;
        rig_new(&r, &cfg, topos[q], n);
        steps(r.s, K);
        double expect = (double)K * T_STEP + (double)(K / 2) * (q == 0 ? ar : 2.0 * MSG);
        cr_assert_eq(tmx_sim_time(r.s), expect, "coop on %s: %.17g, expected %.17g", topos[q], tmx_sim_time(r.s), expect);
        rig_free(&r);
    }
}

Test(clock, gradient_tracking_sends_x_and_y_and_pays_its_initial_gradient)
{
    tmx_sim_config cfg;
    dyadic_config(&cfg);
    cfg.algo = TMX_ALGO_GT;
    rig r;
    rig_new(&r, &cfg, "ring", 8);
    steps(r.s, 10);
    /* y_0 = g(x_0) is one more local step; each step sends x and y: two messages per edge */
    double expect = T_STEP + 10.0 * (T_STEP + 2.0 * 2.0 * MSG);
    cr_assert_eq(tmx_sim_time(r.s), expect, "gt: %.17g, expected %.17g", tmx_sim_time(r.s), expect);
    rig_free(&r);
}

Test(clock, consensus_control_rounds_cost_gossip_time_without_compute)
{
    tmx_sim_config cfg;
    dyadic_config(&cfg);
    cfg.algo = TMX_ALGO_DSGD;
    cfg.lr = 0.5;
    cfg.control = TMX_CONTROL_ADAPTIVE;
    cfg.control_factor = 1e-3;
    rig r;
    rig_new(&r, &cfg, "ring", 16);
    int64_t K = 20;
    steps(r.s, K);
    tmx_sim_metrics m = metrics(r.s);
    int64_t extra = m.gossip_rounds - K;
    cr_assert(extra > 0, "control never added a round: the test does not exercise it");
    double expect = (double)K * (T_STEP + 2.0 * MSG) + (double)extra * 2.0 * MSG;
    cr_assert_eq(m.time, expect, "%.17g, expected %.17g (%lld extra rounds)", m.time, expect, (long long)extra);
    rig_free(&r);
}

/* ---- the max-plus recursion by hand ----------------------------------------------------------- */

/* Directed ring over 4 nodes (node i receives from i − 1: in- and out-degree 1), compute T = 1 s,
 * node 0 three times slower (c = 3, 1, 1, 1), α = 1 s, S = 0 (one message: 1 s). With
 * fin_j = t_j + c_j and t_i ← max(fin_i, fin_{i−1}) + 1:
 *     t^(0) = (0, 0, 0, 0)     fin = ( 3,  1,  1,  1)
 *     t^(1) = (4, 4, 2, 2)     fin = ( 7,  5,  3,  3)   [t_1 = max(1, 3) + 1; t_3 = max(1, 1) + 1]
 *     t^(2) = (8, 8, 6, 4)     fin = (11,  9,  7,  5)   [t_2 = max(3, 5) + 1; t_3 = max(3, 3) + 1]
 *     t^(3) = (12, 12, 10, 8)  fin = (15, 13, 11,  9)   [t_3 = max(5, 7) + 1]
 *     t^(4) = (16, 16, 14, 12)
 * The slow node's delay travels one hop per step; from then on every node keeps its pace, 4 s per
 * step. After 4 steps: compute 12 + 4 + 4 + 4 = 24 node-seconds (mean 6), communication 16 (mean 4),
 * time 16, so the nodes wait 16 − 6 − 4 = 6 s on average (0, 8, 8, 8: node 1 waits for node 0). */
Test(clock, four_node_max_plus_recursion_with_a_slow_node_matches_a_hand_computation)
{
    static const double expect[5][4] = {{0, 0, 0, 0}, {4, 4, 2, 2}, {8, 8, 6, 4}, {12, 12, 10, 8}, {16, 16, 14, 12}};
    double slow[4] = {3, 1, 1, 1};
    tmx_sim_config cfg;
    tmx_sim_config_init(&cfg);
    cfg.algo = TMX_ALGO_DSGD;
    cfg.compute_a = 1.0;
    cfg.latency = 1.0;
    cfg.message_bytes = 0.0;
    cfg.slowdown = slow;
    rig r;
    rig_new(&r, &cfg, "dring", 4);
    slow[0] = 7; /* the simulation keeps its own copy */
    for (int k = 0; k <= 4; k++) {
        if (k) steps(r.s, 1);
        for (int64_t i = 0; i < 4; i++)
            cr_assert_eq(tmx_sim_node_time(r.s, i), expect[k][i], "t_%lld^(%d) = %g, expected %g", (long long)i, k,
                         tmx_sim_node_time(r.s, i), expect[k][i]);
        cr_assert_eq(tmx_sim_time(r.s), 4.0 * k);
    }
    tmx_sim_metrics m = metrics(r.s);
    cr_assert_eq(m.time_compute, 6.0);
    cr_assert_eq(m.time_comm, 4.0);
    cr_assert(isnan(tmx_sim_node_time(r.s, 4)) && isnan(tmx_sim_node_time(r.s, -1)));
    rig_free(&r);
}

/* A directed graph whose in- and out-degrees differ (row i lists whom node i receives from):
 *     node 0 receives from 1, 2, 3   in 3, out 1  → g_0 = 3
 *     node 1 receives from 0         in 1, out 2  → g_1 = 2 (it sends to 0 and 2)
 *     node 2 receives from 1         in 1, out 2  → g_2 = 2
 *     node 3 receives from 2         in 1, out 1  → g_3 = 1
 * (messages of 1 s, compute 1 s). t^(1) = 1 + g = (4, 3, 3, 2); fin = t + 1 = (5, 4, 4, 3);
 * t^(2) = (max(5, 4, 4, 3) + 3, max(4, 5) + 2, max(4, 4) + 2, max(3, 4) + 1) = (8, 7, 6, 5). */
Test(clock, gossip_cost_is_the_larger_of_in_and_out_degree)
{
    static const double expect[3][4] = {{0, 0, 0, 0}, {4, 3, 3, 2}, {8, 7, 6, 5}};
    char path[] = "/tmp/topomix-test-clock-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("%%MatrixMarket matrix coordinate real general\n4 4 10\n"
          "1 1 0.25\n1 2 0.25\n1 3 0.25\n1 4 0.25\n2 1 0.5\n2 2 0.5\n3 2 0.5\n3 3 0.5\n4 3 0.5\n4 4 0.5\n",
          f);
    fclose(f);
    char name[64];
    snprintf(name, sizeof name, "file:%s", path);
    tmx_sim_config cfg;
    tmx_sim_config_init(&cfg);
    cfg.compute_a = 1.0;
    cfg.latency = 1.0;
    cfg.message_bytes = 0.0;
    rig r;
    rig_new(&r, &cfg, name, 4);
    remove(path);
    for (int k = 0; k <= 2; k++) {
        if (k) steps(r.s, 1);
        for (int64_t i = 0; i < 4; i++)
            cr_assert_eq(tmx_sim_node_time(r.s, i), expect[k][i], "t_%lld^(%d) = %g, expected %g", (long long)i, k,
                         tmx_sim_node_time(r.s, i), expect[k][i]);
    }
    rig_free(&r);
}

/* ---- against an independent dense recursion ---------------------------------------------------- */

/* t ← the recursion over W (dense, N × N): t_i ← max_{j: w_ij ≠ 0 or j = i} (t_j + c_j) + g_i with
 * g_i = copies · max(#{j ≠ i: w_ij ≠ 0}, #{j ≠ i: w_ji ≠ 0}) · msg. */
static void ref_round(int64_t N, const double *W, double *t, const double *c, int copies, double msg)
{
    double fin[64], next[64];
    for (int64_t j = 0; j < N; j++) fin[j] = t[j] + (c ? c[j] : 0.0);
    for (int64_t i = 0; i < N; i++) {
        int in = 0, out = 0;
        double m = fin[i];
        for (int64_t j = 0; j < N; j++) {
            if (j == i) continue;
            in += W[i * N + j] != 0.0;
            out += W[j * N + i] != 0.0;
            if (W[i * N + j] != 0.0 && fin[j] > m) m = fin[j];
        }
        next[i] = m + (double)(in > out ? in : out) * ((double)copies * msg);
    }
    memcpy(t, next, (size_t)N * sizeof *t);
}

static void dense_at(const tmx_topo *topo, int64_t k, double *W)
{
    tmx_csr S = {0};
    cr_assert_eq(tmx_topo_weights(topo, k, &S), TMX_OK);
    int64_t N = S.n;
    memset(W, 0, sizeof(double) * (size_t)(N * N));
    for (int64_t i = 0; i < N; i++)
        for (int64_t e = S.rowptr[i]; e < S.rowptr[i + 1]; e++) W[i * N + S.col[e]] = S.val[e];
    tmx_csr_destroy(&S);
}

/* Runs `topo` on n = 12 nodes for K = 15 steps and compares every node's clock after every step with
 * ref_round's: compute times exponential (mean 0.3 s) or constant (0.25 s), node 5 slowed 6× or
 * not, adaptive consensus control (extra rounds without compute) or not. */
static void against_the_dense_reference(const char *topo, tmx_algo algo, int control, int constant, int slow5)
{
    const int64_t n = 12, K = 15;
    double W[64 * 64], t[64] = {0}, c[64], slow[12];
    for (int64_t i = 0; i < n; i++) slow[i] = i == 5 && slow5 ? 6.0 : 1.0;
    tmx_sim_config cfg;
    tmx_sim_config_init(&cfg);
    cfg.algo = algo;
    cfg.compute = constant ? TMX_COMPUTE_CONST : TMX_COMPUTE_EXP;
    cfg.compute_a = constant ? 0.25 : 0.3;
    cfg.latency = 0.01;
    cfg.bandwidth = 1e6;
    cfg.slowdown = slow;
    cfg.lr = 0.5;
    if (control) cfg.control = TMX_CONTROL_ADAPTIVE, cfg.control_factor = 1e-3;
    rig r;
    rig_new(&r, &cfg, topo, n);
    double msg = cfg.latency + (double)tmx_sim_dim(r.s) * 8.0 / cfg.bandwidth;
    int64_t rounds = 0, extra_seen = 0;
    for (int64_t k = 0; k < K; k++) {
        for (int64_t i = 0; i < n; i++) {
            c[i] = tmx_sim_compute_time(r.s, i, k);
            cr_assert(c[i] > 0 && isfinite(c[i]));
        }
        if (algo == TMX_ALGO_GT && k == 0) { /* y_0's gradient: one more draw, of its own */
            steps(r.s, 1);
            double lo = 0;
            for (int64_t i = 0; i < n; i++) lo = fmax(lo, c[i]);
            cr_assert(tmx_sim_time(r.s) > lo, "gt's first step did not pay y_0");
            /* take the engine's state as the reference's start (the extra draw is not public) */
            for (int64_t i = 0; i < n; i++) t[i] = tmx_sim_node_time(r.s, i);
            rounds = 1;
            continue;
        }
        steps(r.s, 1);
        dense_at(r.topo, k, W);
        ref_round(n, W, t, c, algo == TMX_ALGO_GT ? 2 : 1, msg);
        tmx_sim_metrics m = metrics(r.s);
        for (int64_t x = rounds + 1; x < m.gossip_rounds; x++) ref_round(n, W, t, NULL, 1, msg); /* control */
        extra_seen += m.gossip_rounds - rounds - 1;
        rounds = m.gossip_rounds;
        for (int64_t i = 0; i < n; i++)
            cr_assert_eq(tmx_sim_node_time(r.s, i), t[i], "%s/%s step %lld node %lld: %.17g, reference %.17g", topo,
                         tmx_algo_name(algo), (long long)k, (long long)i, tmx_sim_node_time(r.s, i), t[i]);
    }
    if (control) cr_assert(extra_seen > 0, "%s: control never added a round", topo);
    rig_free(&r);
}

Test(clock, the_recursion_matches_a_dense_reference_on_time_varying_and_random_topologies)
{
    static const struct {
        const char *topo;
        tmx_algo algo;
        int control;
    } cases[] = {{"onepeer-exp", TMX_ALGO_DSGD, 0}, {"matching", TMX_ALGO_DPSGD, 0}, {"er", TMX_ALGO_GT, 0},
                 {"matching", TMX_ALGO_DSGD, 1},    {"base-k", TMX_ALGO_DMSGD, 0},   {"equidyn", TMX_ALGO_DSGD, 1}};
    for (size_t q = 0; q < sizeof cases / sizeof *cases; q++)
        against_the_dense_reference(cases[q].topo, cases[q].algo, cases[q].control, 0, 1);
}

/* Constant compute times: clocks that read the same everywhere stay so through a step whose W has
 * one degree everywhere (sim/clock.c then skips W), and stop being so at a slow node or at a W whose
 * degrees differ — on n = 12, some of onepeer-exp's and base-k's matrices; the grid's borders —
 * after which the full recursion must take over and come back to the same numbers. */
Test(clock, the_recursion_matches_a_dense_reference_with_constant_compute_times)
{
    static const char *const topos[] = {"ring", "exp", "onepeer-exp", "base-k", "grid", "matching"};
    for (size_t q = 0; q < sizeof topos / sizeof *topos; q++)
        for (int slow5 = 0; slow5 <= 1; slow5++)
            for (int control = 0; control <= 1; control++)
                against_the_dense_reference(topos[q], TMX_ALGO_DSGD, control, 1, slow5);
    against_the_dense_reference("exp", TMX_ALGO_GT, 0, 1, 0);
}

/* ---- a straggler sets the pace of synchronous gossip ------------------------------------------ */

/* Bounds for D-PSGD on a ring with one node s slowed: node s's own chain gives
 * t_s^(K) ≥ Σ_k (c_s^(k) + 2·msg), and no node's time grows by more than max_j c_j^(k) + 2·msg in
 * step k, so Σ_k (c_s^(k) + 2 msg) ≤ time(K) ≤ Σ_k (max_j c_j^(k) + 2 msg). With constant compute
 * both bounds are K·(F·T + 2 msg): the run goes exactly at the straggler's pace. */
Test(clock, a_slow_node_slows_synchronous_dpsgd_to_its_pace)
{
    const int64_t n = 16, K = 40, slow_node = 5;
    double slow[16];
    for (int64_t i = 0; i < n; i++) slow[i] = i == slow_node ? 100.0 : 1.0;
    for (int dist = 0; dist < 2; dist++) {
        tmx_sim_config cfg;
        dyadic_config(&cfg);
        cfg.algo = TMX_ALGO_DPSGD;
        if (dist) cfg.compute = TMX_COMPUTE_UNIFORM, cfg.compute_a = 0.05, cfg.compute_b = 0.15;
        rig fast, r;
        rig_new(&fast, &cfg, "ring", n);
        cfg.slowdown = slow;
        rig_new(&r, &cfg, "ring", n);
        double lo = 0.0, hi = 0.0;
        for (int64_t k = 0; k < K; k++) {
            double top = 0.0;
            for (int64_t i = 0; i < n; i++) top = fmax(top, tmx_sim_compute_time(r.s, i, k));
            lo += tmx_sim_compute_time(r.s, slow_node, k) + 2.0 * MSG;
            hi += top + 2.0 * MSG;
        }
        steps(fast.s, K);
        steps(r.s, K);
        double time = tmx_sim_time(r.s);
        if (!dist) {
            cr_assert_eq(time, (double)K * (100.0 * T_STEP + 2.0 * MSG));
            cr_assert_eq(tmx_sim_time(fast.s), (double)K * (T_STEP + 2.0 * MSG));
        }
        /* the sums above and the engine's add the same terms in other orders: 1e-12 relative. Here the
         * straggler's draw (≥ 100 × 0.05) is every step's largest (≤ 0.15 elsewhere), so lo = hi: the
         * run goes exactly at the straggler's pace */
        cr_assert_eq(lo, hi);
        cr_assert(time >= lo * (1 - 1e-12) && time <= hi * (1 + 1e-12), "time %.17g outside [%.17g, %.17g]", time, lo, hi);
        /* without the straggler each step takes at most 0.15 + 2 msg */
        cr_assert(tmx_sim_time(fast.s) <= (double)K * (0.15 + 2.0 * MSG), "unslowed %g", tmx_sim_time(fast.s));
        rig_free(&fast);
        rig_free(&r);
    }
}

/* ---- draws ------------------------------------------------------------------------------------ */

Test(clock, compute_time_distributions_have_their_means_and_ranges)
{
    static const char *const specs[] = {"0.25", "exp:0.25", "lognormal:0.25,0.5", "uniform:0.1,0.4"};
    /* sd of a draw over T: exp 1, lognormal sqrt(e^{σ²} − 1) = 0.533, uniform 0.3/sqrt(12)/0.25 = 0.35;
     * the mean of 16 × 2000 draws has sd ≤ 1/sqrt(32000) = 0.0056 of T: 6 sd = 3.4% */
    for (int q = 0; q < 4; q++) {
        tmx_sim_config cfg;
        tmx_sim_config_init(&cfg);
        cr_assert_eq(tmx_compute_time_parse(specs[q], &cfg), TMX_OK, "%s: %s", specs[q], tmx_last_error());
        rig r;
        rig_new(&r, &cfg, "ring", 16);
        double sum = 0, lo = INFINITY, hi = 0;
        for (int64_t i = 0; i < 16; i++)
            for (int64_t k = 0; k < 2000; k++) {
                double c = tmx_sim_compute_time(r.s, i, k);
                sum += c;
                lo = fmin(lo, c);
                hi = fmax(hi, c);
            }
        double mean = sum / 32000.0;
        cr_assert(fabs(mean - 0.25) <= 0.034 * 0.25, "%s: mean %g", specs[q], mean);
        if (q == 0) cr_assert(lo == 0.25 && hi == 0.25);
        if (q == 3) cr_assert(lo >= 0.1 && hi <= 0.4 && hi - lo > 0.29, "%s: [%g, %g]", specs[q], lo, hi);
        if (q == 1 || q == 2) cr_assert(lo > 0 && hi > 3 * 0.25, "%s: [%g, %g] has no tail", specs[q], lo, hi);
        rig_free(&r);
    }
}

Test(clock, draws_depend_on_seed_node_and_step_only_and_slowdown_multiplies_them)
{
    double slow[8] = {1, 1, 1, 4, 1, 1, 1, 1};
    tmx_sim_config cfg;
    tmx_sim_config_init(&cfg);
    cr_assert_eq(tmx_compute_time_parse("exp:0.5", &cfg), TMX_OK);
    rig a, b, c;
    rig_new(&a, &cfg, "ring", 8);
    cfg.algo = TMX_ALGO_PSGD; /* another algorithm, the same draws */
    cfg.slowdown = slow;
    rig_new(&b, &cfg, "exp", 8);
    cfg.seed = 2;
    rig_new(&c, &cfg, "ring", 8);
    int differ = 0;
    for (int64_t i = 0; i < 8; i++)
        for (int64_t k = 0; k < 50; k++) {
            double x = tmx_sim_compute_time(a.s, i, k), y = tmx_sim_compute_time(b.s, i, k);
            if (i == 3)
                cr_assert(fabs(y - 4.0 * x) <= 1e-15 * y, "node 3, step %lld: %.17g vs 4 x %.17g", (long long)k, y, x);
            else
                cr_assert_eq(x, y);
            differ += tmx_sim_compute_time(c.s, i, k) != y;
        }
    cr_assert(differ > 390, "seed 2 repeats seed 1's draws (%d of 400 differ)", differ);
    cr_assert(isnan(tmx_sim_compute_time(a.s, 8, 0)) && isnan(tmx_sim_compute_time(a.s, 0, -1)));
    rig_free(&a);
    rig_free(&b);
    rig_free(&c);
}

/* ---- determinism, checkpoints, no effect on the models ------------------------------------------ */

static void clocked(tmx_sim_config *cfg, tmx_algo algo, const double *slow)
{
    tmx_sim_config_init(cfg);
    cfg->algo = algo;
    cfg->batch = 4;
    cr_assert_eq(tmx_compute_time_parse("lognormal:0.2,0.7", cfg), TMX_OK);
    cfg->slowdown = slow;
    cfg->message_bytes = 4e6;
}

Test(clock, same_seed_same_time_column_and_another_seed_differs)
{
    double slow[8] = {1, 1, 2.5, 1, 1, 1, 1, 1}, first[20];
    for (int rep = 0; rep < 3; rep++) {
        tmx_sim_config cfg;
        clocked(&cfg, TMX_ALGO_DSGD, slow);
        cfg.seed = rep == 2 ? 11 : 10;
        rig r;
        rig_new(&r, &cfg, "matching", 8);
        int differ = 0;
        for (int k = 0; k < 20; k++) {
            steps(r.s, 1);
            double t = tmx_sim_time(r.s);
            if (rep == 0) first[k] = t;
            else if (rep == 1) cr_assert(!memcmp(&t, &first[k], sizeof t), "step %d: %.17g vs %.17g", k, t, first[k]);
            else differ += t != first[k];
        }
        if (rep == 2) cr_assert(differ > 15, "seeds 10 and 11 gave the same times");
        rig_free(&r);
    }
}

Test(clock, resuming_from_a_checkpoint_continues_the_clock_bit_for_bit)
{
    static const tmx_algo algos[] = {TMX_ALGO_DSGD, TMX_ALGO_GT, TMX_ALGO_LOCAL, TMX_ALGO_PSGD};
    static const char *const topos[] = {"matching", "onepeer-exp", "ring", "ring"};
    double slow[8] = {1, 1, 1, 1, 1, 1, 1, 30};
    char path[] = "/tmp/topomix-test-clock-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    for (int a = 0; a < 4; a++) {
        tmx_sim_config cfg;
        clocked(&cfg, algos[a], slow);
        cfg.iters = 30;
        cfg.control = algos[a] == TMX_ALGO_DSGD ? TMX_CONTROL_ADAPTIVE : TMX_CONTROL_NONE;
        cfg.control_factor = 0.01;
        rig whole, part;
        rig_new(&whole, &cfg, topos[a], 8);
        steps(whole.s, 30);
        rig_new(&part, &cfg, topos[a], 8);
        steps(part.s, 13);
        cr_assert_eq(tmx_sim_save(part.s, path), TMX_OK, "%s", tmx_last_error());
        tmx_sim_free(part.s);
        cr_assert_eq(tmx_sim_new(&cfg, part.topo, &part.ds, &part.P, &part.s), TMX_OK);
        cr_assert_eq(tmx_sim_time(part.s), 0.0);
        cr_assert_eq(tmx_sim_load(part.s, path), TMX_OK, "%s", tmx_last_error());
        cr_assert(tmx_sim_time(part.s) > 0);
        steps(part.s, 17);
        tmx_sim_metrics ma = metrics(whole.s), mb = metrics(part.s);
        cr_assert(!memcmp(&ma.time, &mb.time, sizeof ma.time), "%s: %.17g vs %.17g", tmx_algo_name(algos[a]), ma.time,
                  mb.time);
        cr_assert(!memcmp(&ma.time_compute, &mb.time_compute, sizeof(double)));
        cr_assert(!memcmp(&ma.time_comm, &mb.time_comm, sizeof(double)));
        for (int64_t i = 0; i < 8; i++) cr_assert_eq(tmx_sim_node_time(whole.s, i), tmx_sim_node_time(part.s, i));
        rig_free(&whole);
        rig_free(&part);
    }
    /* a checkpoint written with other clock options is refused, naming the field */
    static const struct {
        const char *field;
        int what;
    } other[] = {{"compute-time=lognormal:0.2,0.7, this run has compute-time=exp:0.2", 0},
                 {"slow=7:30, this run has slow=7:31", 1},
                 {"latency=1e-05, this run has latency=0.001", 2},
                 {"bandwidth=1250000000, this run has bandwidth=1000", 3},
                 {"message-bytes=4000000, this run has message-bytes=1000", 4}};
    for (int q = 0; q < 5; q++) {
        double slow2[8] = {1, 1, 1, 1, 1, 1, 1, 31};
        tmx_sim_config cfg;
        clocked(&cfg, TMX_ALGO_PSGD, other[q].what == 1 ? slow2 : slow);
        cfg.iters = 30;
        cfg.control_factor = 0.01; /* as the checkpoint's: only the clock's field differs */
        if (other[q].what == 0) cfg.compute = TMX_COMPUTE_EXP;
        if (other[q].what == 2) cfg.latency = 1e-3;
        if (other[q].what == 3) cfg.bandwidth = 1e3;
        if (other[q].what == 4) cfg.message_bytes = 1e3;
        rig r;
        rig_new(&r, &cfg, "ring", 8);
        steps(r.s, 2);
        double before = tmx_sim_time(r.s);
        cr_assert_eq(tmx_sim_load(r.s, path), TMX_EINVAL);
        cr_assert(strstr(tmx_last_error(), other[q].field) != NULL, "%s", tmx_last_error());
        cr_assert_eq(tmx_sim_time(r.s), before, "a failed load moved the clock");
        rig_free(&r);
    }
    remove(path);
}

Test(clock, the_clock_never_changes_the_models)
{
    double slow[8] = {1, 9, 1, 1, 1, 1, 1, 1};
    rig a, b;
    tmx_sim_config cfg;
    clocked(&cfg, TMX_ALGO_DMSGD, NULL);
    rig_new(&a, &cfg, "matching", 8);
    clocked(&cfg, TMX_ALGO_DMSGD, slow);
    cfg.latency = 3.0;
    rig_new(&b, &cfg, "matching", 8);
    tmx_sim_clock_skip(b.s, 1);
    steps(a.s, 20);
    steps(b.s, 20);
    cr_assert_eq(tmx_sim_time(b.s), 0.0, "a skipped clock moved");
    cr_assert(tmx_sim_time(a.s) > 0.0);
    for (int64_t i = 0; i < 8; i++)
        cr_assert(!memcmp(tmx_sim_model(a.s, i), tmx_sim_model(b.s, i), sizeof(double) * (size_t)tmx_sim_dim(a.s)),
                  "agent %lld's model depends on the clock", (long long)i);
    rig_free(&a);
    rig_free(&b);
}

/* ---- options ---------------------------------------------------------------------------------- */

Test(clock, compute_time_specs_parse_strictly)
{
    static const char *const good[] = {"0", "0.1", "1e-3", "exp:2", "lognormal:1,0", "lognormal:1,0.5", "uniform:0,1",
                                       "uniform:2,2"};
    static const char *const bad[] = {"",        "abc",        "-0.5",       "exp:",         "exp:-1",     "exp:1,2",
                                      "0.1,2",   "lognormal:1", "lognormal:1,-1", "uniform:2,1", "uniform:1", "gamma:1",
                                      "exp:1x",  "inf",        "nan",        "uniform:-1,1", "exp:1e999", ":1"};
    for (size_t q = 0; q < sizeof good / sizeof *good; q++) {
        tmx_sim_config cfg;
        tmx_sim_config_init(&cfg);
        cr_assert_eq(tmx_compute_time_parse(good[q], &cfg), TMX_OK, "'%s' refused: %s", good[q], tmx_last_error());
    }
    tmx_sim_config cfg;
    tmx_sim_config_init(&cfg);
    cr_assert_eq(tmx_compute_time_parse("lognormal:0.3,0.2", &cfg), TMX_OK);
    cr_assert(cfg.compute == TMX_COMPUTE_LOGNORMAL && cfg.compute_a == 0.3 && cfg.compute_b == 0.2);
    for (size_t q = 0; q < sizeof bad / sizeof *bad; q++) {
        tmx_sim_config_init(&cfg);
        cr_assert_eq(tmx_compute_time_parse(bad[q], &cfg), TMX_EINVAL, "'%s' accepted", bad[q]);
        cr_assert(strstr(tmx_last_error(), "--compute-time") != NULL, "%s", tmx_last_error());
        cr_assert(cfg.compute == TMX_COMPUTE_CONST && cfg.compute_a == 0.1, "'%s': a refused spec changed the config", bad[q]);
    }
}

Test(clock, bad_clock_configurations_are_refused)
{
    double zero[4] = {1, 0, 1, 1}, inf[4] = {1, 1, INFINITY, 1};
    for (int q = 0; q < 6; q++) {
        tmx_sim_config cfg;
        tmx_sim_config_init(&cfg);
        const char *want = NULL;
        switch (q) {
        case 0: cfg.latency = -1, want = "--latency"; break;
        case 1: cfg.bandwidth = 0, want = "--bandwidth"; break;
        case 2: cfg.bandwidth = INFINITY, want = "--bandwidth"; break;
        case 3: cfg.slowdown = zero, want = "node 1"; break;
        case 4: cfg.slowdown = inf, want = "node 2"; break;
        default: cfg.compute = TMX_COMPUTE_UNIFORM, cfg.compute_a = 2, cfg.compute_b = 1, want = "--compute-time"; break;
        }
        tmx_synth_params sp;
        tmx_synth_params_init(&sp);
        sp.shards = 4;
        sp.per_shard = 5;
        sp.d = 3;
        tmx_dataset ds = {0};
        tmx_partition P = {0};
        cr_assert_eq(tmx_data_synth(&sp, &ds), TMX_OK);
        cr_assert_eq(tmx_partition_make(&ds, 4, TMX_PART_CONTIGUOUS, 0, 1, &P), TMX_OK);
        tmx_topo_params tp;
        tmx_topo_params_init(&tp);
        tp.n = 4;
        tmx_topo *t = NULL;
        cr_assert_eq(tmx_topo_new("ring", &tp, &t), TMX_OK);
        tmx_sim *s = NULL;
        cr_assert_eq(tmx_sim_new(&cfg, t, &ds, &P, &s), TMX_EINVAL, "case %d accepted", q);
        cr_assert(strstr(tmx_last_error(), want) != NULL, "case %d: %s", q, tmx_last_error());
        cr_assert_null(s);
        tmx_topo_free(t);
        tmx_partition_destroy(&P);
        tmx_dataset_destroy(&ds);
    }
}

/* One source for the network: the simulator's defaults are the cost model's (gap, compare). */
Test(clock, the_network_defaults_are_the_cost_models)
{
    tmx_sim_config cfg;
    tmx_sim_config_init(&cfg);
    cr_assert_eq(cfg.latency, TMX_COST_DEFAULT_ALPHA);
    cr_assert_eq(cfg.bandwidth, TMX_COST_DEFAULT_BANDWIDTH);
}
