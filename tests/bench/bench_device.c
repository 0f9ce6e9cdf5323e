/* The device backend's benchmark (sim/device/, docs/definitions.md §23), run by scripts/gpu-check.sh
 * on a GPU and in every -Ddevice=omp build at small sizes:
 *   - gossip bandwidth: the fused gossip X ← X·W^(0)ᵀ with its consensus statistics (ring, 3 entries
 *     per row) against a device-to-device copy of the same state measured in the same run, both
 *     reading and writing p × N elements once (the statistics are summed in the same pass; the
 *     gossip reads its neighbours' columns from cache), and the CPU backend's gossip for scale;
 *   - D-SGD iterations/s on the device backend against the CPU backend, same run;
 *   - the largest configurations: n = 1024 agents × d = 10^6 in f32, n = 10^6 agents × d = 100
 *     (lsq-nc, one sample per agent, batch 1), each skipped with a line when it does not fit.
 * Each configuration ends with one line "= n=N x d=D PREC: gossip G GB/s, F% of a copy; dsgd ..." that
 * gpu-check.sh collects. Usage: bench_device [--large] (default: the small sizes, a few seconds on two
 * cores). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench_util.h"
#include "sim_internal.h"
#include <topomix/topomix.h>

typedef struct run {
    tmx_dataset ds;
    tmx_partition P;
    tmx_topo *topo;
} run;

static int run_new(run *r, int64_t n, int64_t d, int64_t samples)
{
    tmx_synth_params sp;
    tmx_synth_params_init(&sp);
    sp.shards = n;
    sp.per_shard = samples;
    sp.d = d;
    sp.seed = 7;
    sp.mode = TMX_LABELS_RAW;
    memset(r, 0, sizeof *r);
    tmx_topo_params tp;
    tmx_topo_params_init(&tp);
    tp.n = n;
    if (tmx_data_synth(&sp, &r->ds) != TMX_OK || tmx_partition_make(&r->ds, n, TMX_PART_CONTIGUOUS, 0, 1, &r->P) != TMX_OK ||
        tmx_topo_new("ring", &tp, &r->topo) != TMX_OK)
        return -1;
    return 0;
}

static void run_free(run *r)
{
    tmx_topo_free(r->topo);
    tmx_partition_destroy(&r->P);
    tmx_dataset_destroy(&r->ds);
}

static tmx_sim *sim_on(run *r, int f32, tmx_device dev)
{
    tmx_sim_config cfg;
    tmx_sim_config_init(&cfg);
    cfg.algo = TMX_ALGO_DSGD;
    cfg.problem = TMX_PROB_LSQ_NC;
    cfg.batch = 1;
    cfg.lr = 0.01;
    cfg.iters = 1000;
    cfg.precision = f32 ? TMX_PREC_F32 : TMX_PREC_F64;
    cfg.device = dev;
    tmx_sim *s = NULL;
    if (tmx_sim_new(&cfg, r->topo, &r->ds, &r->P, &s) != TMX_OK) return NULL;
    return s;
}

/* Median seconds of a device-to-device copy of the state X → V. */
static double time_copy(tmx_sim *s, int reps)
{
    double t[32];
    size_t bytes = (size_t)s->p * (size_t)s->N * s->esz;
    if (reps > 32) reps = 32;
    s->be->copy(s, s->buf[BUF_V], s->buf[BUF_X], bytes); /* warm */
    for (int q = 0; q < reps; q++) {
        double t0 = now();
        s->be->copy(s, s->buf[BUF_V], s->buf[BUF_X], bytes);
        t[q] = now() - t0;
    }
    return median(t, reps);
}

/* Iterations per second over `steps` steps after one warm-up step; 0 when a step fails. */
static double its(tmx_sim *s, int steps)
{
    if (tmx_sim_step(s) != TMX_OK) return 0.0;
    double t0 = now();
    for (int q = 0; q < steps; q++)
        if (tmx_sim_step(s) != TMX_OK) return 0.0;
    return steps / (now() - t0);
}

/* One configuration: gossip vs copy on the device, then D-SGD on the device and on the CPU. */
static int config(int64_t n, int64_t d, int f32, int reps, int dev_steps, int cpu_steps)
{
    run r;
    const char *prec = f32 ? "f32" : "f64";
    double gib = (double)n * (double)d * (f32 ? 4.0 : 8.0) / 1073741824.0;
    if (run_new(&r, n, d, 1) != 0) {
        printf("n=%lld x d=%lld %s: skipped, the data or topology do not fit here (%s)\n", (long long)n, (long long)d, prec,
               tmx_last_error());
        run_free(&r);
        return 0;
    }
    tmx_sim *g = sim_on(&r, f32, TMX_DEVICE_GPU);
    if (!g) {
        printf("n=%lld x d=%lld %s: skipped, the state does not fit on the device (%s)\n", (long long)n, (long long)d, prec,
               tmx_last_error());
        run_free(&r);
        return 0;
    }
    double tc = time_copy(g, reps), tm = tmx_sim_time_mix(g, reps);
    double state = (double)n * (double)d * (f32 ? 4.0 : 8.0);
    printf("n=%lld x d=%lld %s (state %.3g GiB): gossip %.4g s, device copy %.4g s -> gossip bandwidth %.0f%% of a copy "
           "(%.0f GB/s read + write)\n",
           (long long)n, (long long)d, prec, gib, tm, tc, 100.0 * tc / tm, 2.0 * state / tm / 1e9);
    fflush(stdout);
    tmx_sim_free(g);
    double tcpu = 0.0;
    if (cpu_steps > 0) { /* the CPU backend's gossip of the same state, for scale */
        tmx_sim *c = sim_on(&r, f32, TMX_DEVICE_CPU);
        tcpu = c ? tmx_sim_time_mix(c, cpu_steps > 2 ? reps : 3) : 0.0;
        if (c) printf("  gossip on the cpu backend: %.4g s -> device/cpu speed %.2fx\n", tcpu, tcpu / tm);
        tmx_sim_free(c);
        fflush(stdout);
    }
    g = sim_on(&r, f32, TMX_DEVICE_GPU); /* fresh: the timed gossip passes moved the models */
    double ig = g ? its(g, dev_steps) : 0.0;
    tmx_sim_free(g);
    int ok = ig > 0;
    double ic = 0.0;
    if (cpu_steps > 0) {
        tmx_sim *c = sim_on(&r, f32, TMX_DEVICE_CPU);
        ic = c ? its(c, cpu_steps) : 0.0;
        tmx_sim_free(c);
    }
    if (ic > 0)
        printf("  dsgd: device %.4g it/s, cpu %.4g it/s -> %.2fx\n", ig, ic, ig / ic);
    else
        printf("  dsgd: device %.4g it/s (cpu: %s)\n", ig, cpu_steps > 0 ? "does not fit" : "not measured");
    /* the figures on one line, "= CONFIG: ...", which gpu-check.sh collects */
    printf("= n=%lld x d=%lld %s: gossip %.0f GB/s, %.0f%% of a copy; dsgd %.4g it/s device", (long long)n, (long long)d,
           prec, 2.0 * state / tm / 1e9, 100.0 * tc / tm, ig);
    if (ic > 0) printf(", %.4g it/s cpu (%.2fx)", ic, ig / ic);
    printf("\n");
    fflush(stdout);
    run_free(&r);
    return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    int large = argc > 1 && strcmp(argv[1], "--large") == 0;
    char name[256];
    if (tmx_sim_device_name(name, sizeof name) != TMX_OK) {
        printf("bench_device: no device: %s\n", tmx_last_error());
        return 1;
    }
    printf("device backend: %s\n", name);
    int bad = 0;
    if (large) {
        bad |= config(1024, 100000, 1, 10, 50, 5);
        bad |= config(1024, 1000000, 1, 10, 20, 2);
        bad |= config(1000000, 100, 1, 10, 20, 2);
        bad |= config(1000000, 100, 0, 10, 20, 2);
    } else {
        bad |= config(64, 20000, 1, 5, 5, 5);
        bad |= config(20000, 10, 0, 5, 5, 5);
    }
    return bad;
}
