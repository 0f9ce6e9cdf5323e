/* Benchmark: one straggler among 16 workers, in simulated time (the shape of seed 002's Table 2,
 * Lian et al. 2018), and AD-PSGD's event throughput in real time. Prints; asserts nothing about speed.
 *
 * Setting: 16 workers on a ring, a 1 MB model message (--message-bytes 1e6; the simulated model is
 * logistic regression with d = 100, since the time comes from the clock), 10 Gbit/s links with 10 µs
 * latency, a constant 50 ms per minibatch step (batch 32), one worker 1×, 2×, 10×, 100×, 1000× or
 * 10000× slower. An epoch is every sample seen once: m/B minibatch gradients in all, i.e.
 * m/(nB) iterations of any algorithm (an AD-PSGD iteration is n gradient events). Time per epoch
 * (TPE) is the simulated time of 3 epochs over 3; speedup, as in the seed, is one unslowed learner's
 * TPE (m/B steps of 50 ms, no communication) over the algorithm's; "vs 1x" is the algorithm's TPE
 * without a straggler over its TPE with one. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <topomix/sim.h>
#include <topomix/topomix.h>

#define N 16
#define PER_SHARD 256
#define BATCH 32
#define STEP 0.05
#define EPOCHS 3

static double wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void die(const char *what)
{
    fprintf(stderr, "bench_straggler: %s: %s\n", what, tmx_last_error());
    exit(1);
}

typedef struct setup {
    tmx_dataset ds;
    tmx_partition P;
    tmx_topo *topo;
} setup;

static void setup_new(setup *u, int64_t n, int64_t per_shard)
{
    tmx_synth_params sp;
    tmx_synth_params_init(&sp);
    sp.shards = n;
    sp.per_shard = per_shard;
    sp.d = 100;
    sp.seed = 7;
    if (tmx_data_synth(&sp, &u->ds) != TMX_OK) die("data");
    if (tmx_partition_make(&u->ds, n, TMX_PART_CONTIGUOUS, 0, 1, &u->P) != TMX_OK) die("partition");
    tmx_topo_params tp;
    tmx_topo_params_init(&tp);
    tp.n = n;
    if (tmx_topo_new("ring", &tp, &u->topo) != TMX_OK) die("topology");
}

static void setup_free(setup *u)
{
    tmx_topo_free(u->topo);
    tmx_partition_destroy(&u->P);
    tmx_dataset_destroy(&u->ds);
}

static void config(tmx_sim_config *c, tmx_algo a, const double *slow, int64_t iters)
{
    tmx_sim_config_init(c);
    c->algo = a;
    c->batch = BATCH;
    c->iters = iters;
    c->compute_a = STEP;
    c->message_bytes = 1e6;
    c->slowdown = slow;
}

/* Simulated seconds per epoch of algorithm a with worker 5 `factor` times slower. */
static double tpe(setup *u, tmx_algo a, double factor)
{
    const int64_t iters = EPOCHS * PER_SHARD / BATCH; /* m/(nB) iterations an epoch */
    double slow[N];
    for (int i = 0; i < N; i++) slow[i] = i == 5 ? factor : 1.0;
    tmx_sim_config c;
    config(&c, a, slow, iters);
    tmx_sim *s;
    if (tmx_sim_new(&c, u->topo, &u->ds, &u->P, &s) != TMX_OK) die("sim");
    for (int64_t k = 0; k < iters; k++)
        if (tmx_sim_step(s) != TMX_OK) die("step");
    double t = tmx_sim_time(s) / EPOCHS;
    tmx_sim_free(s);
    return t;
}

/* Real AD-PSGD gradient events per second over at least `secs` of wall time. */
static double events_per_second(int64_t n, double secs)
{
    setup u = {0};
    setup_new(&u, n, 64);
    tmx_sim_config c;
    config(&c, TMX_ALGO_ADPSGD, NULL, 1 << 30);
    tmx_sim *s;
    if (tmx_sim_new(&c, u.topo, &u.ds, &u.P, &s) != TMX_OK) die("sim");
    int64_t iters = 0;
    double t0 = wall(), dt;
    do {
        if (tmx_sim_step(s) != TMX_OK) die("step");
        iters++;
    } while ((dt = wall() - t0) < secs);
    tmx_sim_free(s);
    setup_free(&u);
    return (double)(iters * n) / dt;
}

int main(void)
{
    static const double factors[] = {1, 2, 10, 100, 1000, 10000};
    static const tmx_algo algos[] = {TMX_ALGO_ADPSGD, TMX_ALGO_DPSGD, TMX_ALGO_PSGD};
    setup u = {0};
    setup_new(&u, N, PER_SHARD);
    double single = (double)(N * PER_SHARD / BATCH) * STEP; /* one learner, every sample once */
    printf("# one slow worker among %d on a ring; 1 MB messages at 10 Gbit/s, 10 us latency; %g s per step of\n"
           "# batch %d; epoch = %d samples = %d iterations; one learner alone: %.2f s per epoch\n",
           N, STEP, BATCH, N * PER_SHARD, PER_SHARD / BATCH, single);
    printf("%-10s", "slowdown");
    for (int a = 0; a < 3; a++) printf(" | %-8s %9s %7s %7s", tmx_algo_name(algos[a]), "TPE (s)", "speedup", "vs 1x");
    printf("\n");
    double base[3];
    for (size_t f = 0; f < sizeof factors / sizeof *factors; f++) {
        char label[16];
        snprintf(label, sizeof label, "%gx", factors[f]);
        printf("%-10s", f == 0 ? "none" : label);
        for (int a = 0; a < 3; a++) {
            double t = tpe(&u, algos[a], factors[f]);
            if (f == 0) base[a] = t;
            printf(" | %-8s %9.4g %7.3g %7.3g", "", t, single / t, base[a] / t);
        }
        printf("\n");
        fflush(stdout);
    }
    setup_free(&u);
    printf("# AD-PSGD events per second (real time, d = 100, batch %d, ring, one thread of events):\n", BATCH);
    for (int64_t n = 16; n <= 256; n *= 16)
        printf("n = %-4lld %12.4g events/s\n", (long long)n, events_per_second(n, 1.0));
    return 0;
}
