/* AD-PSGD tests (sim/adpsgd.c, docs/definitions.md §16): pairwise averaging keeps the workers' mean,
 * a 2-node trace worked by hand, a 10000x straggler that leaves the others' event rate at (n−1)/n of
 * the unslowed one while it stalls synchronous D-PSGD, determinism, checkpoints in flight, and the
 * options that make no sense for it.
 *
 * Times use dyadic parameters (T = 1/8 s or 1 s, α = 1/4 s, S = 1024 bytes, B = 4096 bytes/s, so one
 * message costs 1/2 s and an average 1 s): every sum is exact in double precision. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <topomix/topomix.h>
#include <unistd.h>

#include <topomix/sim.h>

#include "sim_internal.h" /* the zero-step test sets the models and γ directly */
#include "sim_rig.h"

/* The dyadic configuration of algorithm `algo`. */
static void dyadic(tmx_sim_config *cfg, tmx_algo algo)
{
    dyadic_config(cfg);
    cfg->algo = algo;
}


Test(adpsgd, pairwise_averaging_keeps_the_mean_and_shrinks_consensus_with_a_zero_step)
{
    const int64_t n = 16;
    tmx_sim_config cfg;
    dyadic(&cfg, TMX_ALGO_ADPSGD);
    cr_assert_eq(tmx_compute_time_parse("exp:0.125", &cfg), TMX_OK);
    rig r;
    rig_new(&r, &cfg, "exp", n);
    int64_t p = tmx_sim_dim(r.s);
    /* distinct models (the API starts every worker at the same one), snapshots too; γ = 0 */
    double *X = r.s->buf[BUF_X], *V = r.s->buf[BUF_V], mean0[64] = {0};
    cr_assert(p <= 64);
    for (int64_t i = 0; i < n; i++)
        for (int64_t k = 0; k < p; k++) X[i * p + k] = V[i * p + k] = sin((double)(i * p + k) + 0.5) * (double)(i + 1);
    for (int64_t i = 0; i < n; i++)
        for (int64_t k = 0; k < p; k++) mean0[k] += X[i * p + k] / (double)n;
    r.s->cfg.lr = 0.0;
    double prev = metrics(r.s).consensus, first = prev, scale = 0.0;
    for (int64_t k = 0; k < p; k++) scale = fmax(scale, fabs(mean0[k]));
    for (int it = 0; it < 12; it++) {
        steps(r.s, 1);
        tmx_sim_metrics m = metrics(r.s);
        /* a pairwise average replaces a + b by 2·fl((a + b)/2) = fl(a + b): one rounding per event
         * and coordinate, so after E events the sum has drifted by at most E ulps of the largest
         * partial sum (|x| ≤ 16 here) */
        for (int64_t k = 0; k < p; k++) {
            double mk = 0.0;
            for (int64_t i = 0; i < n; i++) mk += tmx_sim_model(r.s, i)[k] / (double)n;
            double tol = (double)m.events * 16.0 * 0x1p-52 + 64.0 * 0x1p-52 * (scale + 16.0);
            cr_assert(fabs(mk - mean0[k]) <= tol, "iteration %d, coordinate %lld: mean %.17g, initially %.17g", it,
                      (long long)k, mk, mean0[k]);
        }
        cr_assert(m.consensus <= prev * (1.0 + 1e-12), "iteration %d: consensus rose from %g to %g", it, prev, m.consensus);
        prev = m.consensus;
    }
    /* 12 n averages on the 4-regular exponential graph: far below the start */
    cr_assert(prev < 0.05 * first, "consensus %g after 12 iterations, %g at the start", prev, first);
    rig_free(&r);
}

/* Two workers on the complete graph (each the other's only neighbour), least squares with one
 * feature: worker 0's sample is (a = 1, b = 1), worker 1's (1, −1), so with the full batch and no
 * regulariser g_0(x) = x − 1 and g_1(x) = x + 1. γ = 1/2, x(0) = 0. Compute times: 1 s for worker 0,
 * 2 s for worker 1 (--slow 1:2); an average costs 2(α + S/B) = 1 s. Snapshots in brackets.
 *   t=1 w0 [0]: g = −1; average x0 = x1 = 0; x0 = 0 + 1/2 = 1/2; restarts at 2 [1/2], due 3;
 *       staleness 0
 *   t=2 w1 [0]: g = 1; average (1/2 + 0)/2 = 1/4; x1 = 1/4 − 1/2 = −1/4; restarts at 3 [−1/4],
 *       due 5; staleness 1 (w0 averaged with it at t=1)
 *   t=3 w0 [1/2]: g = −1/2; average (1/4 − 1/4)/2 = 0; x0 = 0 + 1/4 = 1/4; restarts at 4 [1/4],
 *       due 5; staleness 1 (w1 averaged with it at t=2)
 *   t=5 a tie, node 0 first. w0 [1/4]: g = −3/4; average (1/4 + 0)/2 = 1/8; x0 = 1/8 + 3/8 = 1/2;
 *       restarts at 6 [1/2], due 7; staleness 0
 *   t=5 w1 [−1/4]: g = 3/4; average (1/2 + 1/8)/2 = 5/16; x1 = 5/16 − 3/8 = −1/16; restarts at 6,
 *       due 8; staleness 2 (w0 at t=3 and t=5)
 *   t=7 w0 [1/2]: g = −1/2; average (5/16 − 1/16)/2 = 1/8; x0 = 1/8 + 1/4 = 3/8; restarts at 8;
 *       staleness 1
 * An iteration is two events: after 1, x = (1/4, −1/4) and t = (2, 3); after 2, (1/2, 1/8) and
 * (6, 3); after 3, (3/8, 1/8) and (8, 6). Staleness per iteration: 1/2, 1/2, 3/2. */
Test(adpsgd, two_node_trace_matches_a_hand_computation)
{
    rig r;
    memset(&r, 0, sizeof r);
    r.ds.m = 2;
    r.ds.d = 1;
    r.ds.A = malloc(2 * sizeof(double));
    r.ds.y = malloc(2 * sizeof(double));
    cr_assert(r.ds.A && r.ds.y);
    r.ds.A[0] = r.ds.A[1] = 1.0;
    r.ds.y[0] = 1.0;
    r.ds.y[1] = -1.0;
    r.ds.nclass = 2;
    cr_assert_eq(tmx_partition_make(&r.ds, 2, TMX_PART_CONTIGUOUS, 0, 1, &r.P), TMX_OK, "%s", tmx_last_error());
    rig_topo(&r, "complete", 2);
    tmx_sim_config cfg;
    dyadic(&cfg, TMX_ALGO_ADPSGD);
    double slow[2] = {1.0, 2.0};
    cfg.problem = TMX_PROB_LSQ_NC;
    cfg.reg = 0.0;
    cfg.batch = 0;
    cfg.lr = 0.5;
    cfg.init_scale = 0.0;
    cfg.compute_a = 1.0;
    cfg.slowdown = slow;
    cr_assert_eq(tmx_sim_new(&cfg, r.topo, &r.ds, &r.P, &r.s), TMX_OK, "%s", tmx_last_error());
    static const struct {
        double x0, x1, t0, t1, stale;
    } want[3] = {{0.25, -0.25, 2, 3, 0.5}, {0.5, 0.125, 6, 3, 0.5}, {0.375, 0.125, 8, 6, 1.5}};
    tmx_sim_metrics m0 = metrics(r.s);
    cr_assert(isnan(m0.staleness), "no events yet: staleness %g", m0.staleness);
    for (int it = 0; it < 3; it++) {
        steps(r.s, 1);
        tmx_sim_metrics m = metrics(r.s);
        cr_assert_eq(tmx_sim_model(r.s, 0)[0], want[it].x0, "iteration %d: x0 %.17g", it + 1, tmx_sim_model(r.s, 0)[0]);
        cr_assert_eq(tmx_sim_model(r.s, 1)[0], want[it].x1, "iteration %d: x1 %.17g", it + 1, tmx_sim_model(r.s, 1)[0]);
        cr_assert_eq(tmx_sim_node_time(r.s, 0), want[it].t0, "iteration %d: t0 %g", it + 1, tmx_sim_node_time(r.s, 0));
        cr_assert_eq(tmx_sim_node_time(r.s, 1), want[it].t1, "iteration %d: t1 %g", it + 1, tmx_sim_node_time(r.s, 1));
        cr_assert_eq(m.time, fmax(want[it].t0, want[it].t1));
        cr_assert_eq(m.staleness, want[it].stale, "iteration %d: staleness %g", it + 1, m.staleness);
        cr_assert_eq(m.events, 2 * (it + 1));
        cr_assert_eq(m.messages, 4 * (it + 1));
        cr_assert_eq(m.gossip_rounds, 2 * (it + 1));
    }
    /* compute: 1 + 2 + 1 + 1 + 2 + 1 = 8 s, communication 6 × 1 s, per node */
    tmx_sim_metrics m = metrics(r.s);
    cr_assert_eq(m.time_compute, 4.0);
    cr_assert_eq(m.time_comm, 3.0);
    cr_assert(isnan(m.staleness), "an interval without events has no staleness");
    rig_free(&r);
}

Test(adpsgd, a_10000x_straggler_leaves_the_others_rate_while_dpsgd_slows_to_its_pace)
{
    const int64_t n = 8, K = 40;
    double slow[8] = {1, 1, 1, 10000, 1, 1, 1, 1};
    double rate[2], dtime[2];
    for (int q = 0; q < 2; q++) {
        tmx_sim_config cfg;
        dyadic(&cfg, TMX_ALGO_ADPSGD);
        cfg.slowdown = q ? slow : NULL;
        rig r;
        rig_new(&r, &cfg, "ring", n);
        steps(r.s, K);
        tmx_sim_metrics m = metrics(r.s);
        cr_assert_eq(m.events, K * n);
        rate[q] = (double)m.events / m.time;
        /* the straggler (first gradient due at 1250 s) has done nothing: every event is the others' */
        if (q) cr_assert(m.time < 10000 * 0.125, "the run reached the straggler's first completion");
        rig_free(&r);
        dyadic(&cfg, TMX_ALGO_DPSGD);
        cfg.slowdown = q ? slow : NULL;
        rig_new(&r, &cfg, "ring", n);
        steps(r.s, K);
        dtime[q] = tmx_sim_time(r.s);
        rig_free(&r);
    }
    /* unslowed: every worker cycles T + 2 messages = 1.125 s, n / 1.125 events per second */
    cr_assert_eq(rate[0], (double)n / 1.125);
    double want = (double)(n - 1) / (double)n * rate[0];
    cr_assert(fabs(rate[1] - want) <= 0.05 * want, "events/s with the straggler %g, (n-1)/n of the unslowed %g", rate[1],
              want);
    /* synchronous D-PSGD: every step waits for the straggler's 1250 s through the ring */
    cr_assert_eq(dtime[0], (double)K * (0.125 + 2 * 0.5));
    cr_assert(dtime[1] >= (double)(K - 3) * 10000 * 0.125, "D-PSGD with the straggler took %g s", dtime[1]);
}

Test(adpsgd, same_seed_same_run_and_another_seed_differs)
{
    double slow[8] = {1, 1, 3, 1, 1, 1, 1, 1};
    double first_loss[15], first_x[15];
    for (int rep = 0; rep < 3; rep++) {
        tmx_sim_config cfg;
        dyadic(&cfg, TMX_ALGO_ADPSGD);
        cr_assert_eq(tmx_compute_time_parse("lognormal:0.2,0.7", &cfg), TMX_OK);
        cfg.slowdown = slow;
        cfg.seed = rep == 2 ? 11 : 10;
        rig r;
        rig_new(&r, &cfg, "er", 8);
        int differ = 0;
        for (int k = 0; k < 15; k++) {
            steps(r.s, 1);
            tmx_sim_metrics m = metrics(r.s);
            double x = tmx_sim_model(r.s, 5)[2];
            if (rep == 0) first_loss[k] = m.time + m.loss + m.staleness, first_x[k] = x;
            else if (rep == 1) {
                double v = m.time + m.loss + m.staleness;
                cr_assert(!memcmp(&v, &first_loss[k], sizeof v) && !memcmp(&x, &first_x[k], sizeof x), "iteration %d", k);
            } else differ += x != first_x[k];
        }
        if (rep == 2) cr_assert(differ > 10, "seeds 10 and 11 gave the same models");
        rig_free(&r);
    }
}

Test(adpsgd, resuming_in_flight_is_bit_identical)
{
    static const char *const topos[] = {"ring", "er", "onepeer-exp"};
    double slow[8] = {1, 1, 1, 1, 1, 7, 1, 1};
    char path[] = "/tmp/topomix-test-adpsgd-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    for (int q = 0; q < 6; q++) {
        tmx_sim_config cfg;
        dyadic(&cfg, TMX_ALGO_ADPSGD);
        cr_assert_eq(tmx_compute_time_parse("exp:0.2", &cfg), TMX_OK);
        cfg.slowdown = slow;
        cfg.iters = 30;
        cfg.precision = q >= 3 ? TMX_PREC_F32 : TMX_PREC_F64;
        rig whole, part;
        rig_new(&whole, &cfg, topos[q % 3], 8);
        tmx_sim_metrics a[3], b[3];
        for (int k = 1; k <= 30; k++) {
            steps(whole.s, 1);
            if (k % 10 == 0) a[k / 10 - 1] = metrics(whole.s);
        }
        rig_new(&part, &cfg, topos[q % 3], 8);
        steps(part.s, 10);
        b[0] = metrics(part.s);
        steps(part.s, 3); /* saved at 13: every worker has a gradient in flight, 3 iterations past the mark */
        cr_assert_eq(tmx_sim_save(part.s, path), TMX_OK, "%s", tmx_last_error());
        tmx_sim_free(part.s);
        cr_assert_eq(tmx_sim_new(&cfg, part.topo, &part.ds, &part.P, &part.s), TMX_OK);
        cr_assert_eq(tmx_sim_load(part.s, path), TMX_OK, "%s", tmx_last_error());
        steps(part.s, 7);
        b[1] = metrics(part.s);
        steps(part.s, 10);
        b[2] = metrics(part.s);
        for (int r = 0; r < 3; r++) {
            cr_assert(!memcmp(&a[r].loss, &b[r].loss, sizeof(double)), "%s row %d: loss", topos[q % 3], r);
            cr_assert(!memcmp(&a[r].time, &b[r].time, sizeof(double)), "%s row %d: time", topos[q % 3], r);
            cr_assert(!memcmp(&a[r].staleness, &b[r].staleness, sizeof(double)), "%s row %d: staleness %.17g vs %.17g",
                      topos[q % 3], r, a[r].staleness, b[r].staleness);
            cr_assert(!memcmp(&a[r].time_compute, &b[r].time_compute, sizeof(double)));
            cr_assert_eq(a[r].events, b[r].events);
            cr_assert_eq(a[r].messages, b[r].messages);
        }
        int64_t p = tmx_sim_dim(whole.s);
        for (int64_t i = 0; i < 8; i++) {
            double xa[64], xb[64];
            cr_assert(p <= 64);
            memcpy(xa, tmx_sim_model(whole.s, i), (size_t)p * sizeof(double));
            memcpy(xb, tmx_sim_model(part.s, i), (size_t)p * sizeof(double));
            cr_assert(!memcmp(xa, xb, (size_t)p * sizeof(double)), "%s: worker %lld's model differs", topos[q % 3],
                      (long long)i);
            cr_assert_eq(tmx_sim_node_time(whole.s, i), tmx_sim_node_time(part.s, i));
        }
        rig_free(&whole);
        rig_free(&part);
    }
    /* a synchronous run's checkpoint is refused by an adpsgd run, naming the algorithm */
    tmx_sim_config cfg;
    dyadic(&cfg, TMX_ALGO_DPSGD);
    rig r;
    rig_new(&r, &cfg, "ring", 8);
    steps(r.s, 2);
    cr_assert_eq(tmx_sim_save(r.s, path), TMX_OK, "%s", tmx_last_error());
    rig_free(&r);
    dyadic(&cfg, TMX_ALGO_ADPSGD);
    rig_new(&r, &cfg, "ring", 8);
    cr_assert_eq(tmx_sim_load(r.s, path), TMX_EINVAL);
    cr_assert(strstr(tmx_last_error(), "algo=dpsgd, this run has algo=adpsgd"), "%s", tmx_last_error());
    cr_assert_eq(tmx_sim_iter(r.s), 0);
    rig_free(&r);
    remove(path);
}

Test(adpsgd, options_without_meaning_for_it_are_refused_and_its_memory_is_estimated)
{
    tmx_sim_config cfg;
    dyadic(&cfg, TMX_ALGO_ADPSGD);
    cfg.control = TMX_CONTROL_CONST;
    rig r;
    memset(&r, 0, sizeof r);
    tmx_synth_params sp;
    tmx_synth_params_init(&sp);
    sp.shards = 4;
    sp.d = 3;
    cr_assert_eq(tmx_data_synth(&sp, &r.ds), TMX_OK);
    cr_assert_eq(tmx_partition_make(&r.ds, 4, TMX_PART_CONTIGUOUS, 0, 1, &r.P), TMX_OK);
    rig_topo(&r, "ring", 4);
    cr_assert_eq(tmx_sim_new(&cfg, r.topo, &r.ds, &r.P, &r.s), TMX_EINVAL);
    cr_assert(strstr(tmx_last_error(), "adpsgd"), "%s", tmx_last_error());
    cfg.control = TMX_CONTROL_NONE;
    cfg.aux = 1;
    cr_assert_eq(tmx_sim_new(&cfg, r.topo, &r.ds, &r.P, &r.s), TMX_EINVAL);
    cr_assert(strstr(tmx_last_error(), "--aux"), "%s", tmx_last_error());
    cfg.aux = 0;
    /* the snapshots are a third state buffer beside X and the gradients; plus 40 bytes a worker */
    tmx_sim_config sync = cfg;
    sync.algo = TMX_ALGO_DPSGD;
    cr_assert_eq(tmx_sim_estimate_bytes(&cfg, 100, 1000, 0) - tmx_sim_estimate_bytes(&sync, 100, 1000, 0), 4000.0);
    cr_assert(tmx_sim_estimate_bytes(&cfg, 100, 1000, 0) >= 3.0 * 100 * 1000 * 8);
    cr_assert_eq(tmx_sim_new(&cfg, r.topo, &r.ds, &r.P, &r.s), TMX_OK, "%s", tmx_last_error());
    cr_assert(tmx_sim_bytes(r.s) >= 3.0 * 4 * 3 * 8 + 4 * 40);
    tmx_algo a;
    cr_assert_eq(tmx_algo_parse("adpsgd", &a), TMX_OK);
    cr_assert_eq(a, TMX_ALGO_ADPSGD);
    cr_assert_str_eq(tmx_algo_name(TMX_ALGO_ADPSGD), "adpsgd");
    rig_free(&r);
}
