/* Benchmark: the CPU simulator's D-SGD step (sim/engine.c) on logreg-nc over a ring, f64, on
 * synthetic data (tmx_data_synth, hetero 0, seed 1, m samples per agent, contiguous shards), at
 * (n, d, m, B) = (16, 1000, 200, 32), (64, 10000, 200, 32), (256, 1000, 100, 16), or at the
 * configurations given as arguments N:D:M:B.
 *
 * For each configuration, in this one process:
 *   - iterations/s and agent-steps/s of tmx_sim_step: median over several timed runs of T
 *     iterations each, after a few warm-up iterations;
 *   - the split of the step between the local gradients and the rest (tmx_sim_times), with the
 *     gradients' stream of sampled rows in GB/s;
 *   - one mixing step (tmx_sim_time_mix) as an effective bandwidth 2·n·d·8 B / time, against a
 *     STREAM-like copy (b[j] = a[j], ordinary stores, 16 B counted per element, one OpenMP parallel
 *     region per pass with the engine's thread count) of two 256 MiB arrays (the issue's
 *     reference), in rounds of passes each paired with a copy sample taken right after it (the
 *     median of the paired ratios reported), and against a copy of the same working set
 *     (two arrays of n·d doubles, cache-resident where the state is) for reference;
 *   - the time of one iteration against its memory-traffic bound tmx_sim_traffic_bytes ÷ the DRAM
 *     copy bandwidth, each timed run paired with a copy sample taken right after it and the median
 *     of the paired ratios reported: this machine's bandwidth drifts by a third within minutes, so a
 *     ratio to a copy measured at another moment says more about the drift than about the engine;
 *     and, for reference, against the copy at the iteration's footprint (the simulation's memory
 *     plus the dataset, capped at the DRAM arrays);
 *   - the same run in straightforward NumPy + scipy.sparse (ref_dsgd.py, a subprocess of
 *     /usr/bin/python3; its interpreter start-up and data generation are not timed), and ours/numpy;
 *   - the simulated clock's overhead on an iteration (sim/clock.c: compute-time draws, the max-plus
 *     recursion over W's nonzeros): CLOCK_PAIRS pairs of single timed iterations, one with the clock
 *     and one with it skipped (tmx_sim_clock_skip), the order alternating from pair to pair, the
 *     median of the paired ratios reported (target < 3%; single iterations, so that a burst from a
 *     neighbour hits one pair, not a whole run); and the clock's own update (tmx__clock_draws +
 *     tmx__clock_gossip with W^(0)) timed alone, as a share of the iteration;
 *   - the share of the CPUs that other processes took meanwhile (/proc/stat less our own CPU time):
 *     on a shared 2-core machine one busy neighbour halves what a 2-thread fork/join step gets, so
 *     a configuration run under load is flagged rather than trusted.
 * Targets (printed, not enforced): mixing/STREAM ≥ 0.8, iteration/bound ≤ 1.5, ours/numpy ≥ 2.
 * Usage: bench_sim [--no-numpy] [N:D:M:B ...] (given configurations replace the three defaults and
 * run 5 × 100 iterations each).
 *
 * OpenBLAS (NumPy's kernels; the engine's linear models stream their rows with their own kernels) may pick slow kernels on AVX-512 CPUs:
 * tmx_blas_fix_coretype re-executes with OPENBLAS_CORETYPE=SkylakeX when so, as `topomix sim` does;
 * NumPy inherits this process's environment, so both sides run the same kernel set. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <topomix/topomix.h>
#include <unistd.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include <topomix/sim.h>

#include "sim_internal.h" /* the clock's own update, timed alone */
#include "bench_util.h"

#ifndef BENCH_SIM_PY
#define BENCH_SIM_PY "ref_dsgd.py"
#endif

enum { WARMUP = 5, MIX_REPS = 101, MIX_ROUNDS = 5, CLOCK_PAIRS = 1001, CLOCK_REPS = 20000, MAXCONF = 16 };
#define DRAM_LEN ((int64_t)1 << 25) /* doubles per array: 2 × 256 MiB, far beyond any LLC here */

typedef struct bench_conf {
    int64_t n, d, m, B;
    int iters, runs, py_runs;
} bench_conf;

typedef struct bench_result {
    int ok, py_ok;
    double ips, ips_best, t_iter, t_mix, mix_bw, copy_ws, copy_ws1, copy_fp, footprint, traffic;
    double it_bound;   /* median over runs of iteration time / (traffic / the DRAM copy sampled after the run) */
    double mix_stream; /* the DRAM copy sampled after each round of mixing passes (median) */
    double mix_ratio;  /* median over the rounds of mixing bandwidth / that sample */
    double grad_share, rows_bw; /* share of the step in local gradients; their row stream in B/s */
    double bound, stream, loss, other, py_ips, py_best, py_loss, py_gather, py_grad, py_gossip;
    double clock_overhead; /* median over pairs of (time with the clock / time without) − 1 */
    double clock_alone;    /* seconds of the clock's own update per step (median of 5 rounds) */
} bench_result;

/* Size in KiB of the level-`level` data or unified cache of cpu0 per sysfs (what lscpu shows; glibc's
 * sysconf can report the host's cache under a hypervisor), or 0. */
static long cache_kib(int level)
{
    for (int idx = 0; idx < 8; idx++) {
        char path[96], type[32] = "";
        int lv = 0;
        long kib = 0;
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/level", idx);
        FILE *f = fopen(path, "r");
        if (!f) break;
        int got = fscanf(f, "%d", &lv);
        fclose(f);
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/type", idx);
        if ((f = fopen(path, "r"))) {
            if (fscanf(f, "%31s", type) != 1) type[0] = '\0';
            fclose(f);
        }
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/size", idx);
        if (got == 1 && lv == level && strcmp(type, "Instruction") != 0 && (f = fopen(path, "r"))) {
            if (fscanf(f, "%ldK", &kib) != 1) kib = 0;
            fclose(f);
            return kib;
        }
    }
    return 0;
}

/* ---- load from other processes (this machine is shared; its figures move 10–25% run to run) ---- */

typedef struct load_mark {
    double t, busy, steal, ours; /* wall s; machine busy and steal CPU-seconds; our CPU-seconds */
} load_mark;

static load_mark load_now(void)
{
    load_mark L = {now(), NAN, NAN, 0.0};
    unsigned long long v[8] = {0};
    FILE *f = fopen("/proc/stat", "r");
    if (f) {
        if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
                   &v[7]) == 8) {
            double hz = (double)sysconf(_SC_CLK_TCK);
            L.busy = (double)(v[0] + v[1] + v[2] + v[5] + v[6]) / hz; /* user nice system irq softirq */
            L.steal = (double)v[7] / hz;
        }
        fclose(f);
    }
    struct rusage self, kids;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &kids);
    L.ours = (double)(self.ru_utime.tv_sec + self.ru_stime.tv_sec + kids.ru_utime.tv_sec + kids.ru_stime.tv_sec) +
             1e-6 * (double)(self.ru_utime.tv_usec + self.ru_stime.tv_usec + kids.ru_utime.tv_usec + kids.ru_stime.tv_usec);
    return L;
}

/* Prints the share of the machine's CPUs that other processes, and the hypervisor (steal), took
 * between a and b; returns the other processes' share. */
static double load_report(load_mark a, load_mark b)
{
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    double cap = (b.t - a.t) * (double)(ncpu > 0 ? ncpu : 1);
    if (!isfinite(a.busy) || !isfinite(b.busy) || cap <= 0) return NAN;
    double other = (b.busy - a.busy) - (b.ours - a.ours);
    printf("  load   : other processes used %.0f%% of the %ld CPUs meanwhile, steal %.0f%%%s\n",
           100.0 * (other > 0 ? other : 0.0) / cap, ncpu, 100.0 * (b.steal - a.steal) / cap,
           other > 0.1 * cap ? " (figures of this configuration are disturbed)" : "");
    return (other > 0 ? other : 0.0) / cap;
}

static int max_threads(void)
{
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

/* ---- STREAM-like copy ------------------------------------------------------------------------- */

/* One pass dst ← src over len doubles in one parallel region of nthr threads (static schedule,
 * the engine's pattern); returns its wall time. meson builds this file with
 * -fno-tree-loop-distribute-patterns, so the loop stays a loop of ordinary loads and stores (as
 * in the engine's gossip) instead of becoming a memcpy call that may use non-temporal stores. */
static double copy_pass(double *restrict dst, const double *restrict src, int64_t len, int nthr)
{
    double t0 = now();
#ifdef _OPENMP
#pragma omp parallel for schedule(static) num_threads(nthr)
#endif
    for (int64_t j = 0; j < len; j++) dst[j] = src[j];
    return now() - t0;
}

/* Median copy bandwidth in bytes/s (16 B per element: one read, one write) over two arrays of len
 * doubles, first touched by the threads that copy them; NAN when they cannot be allocated. */
static double copy_bw(int64_t len, int nthr)
{
    size_t bytes = ((size_t)len * sizeof(double) + 63) / 64 * 64;
    double *a = aligned_alloc(64, bytes), *b = aligned_alloc(64, bytes);
    if (!a || !b) {
        free(a);
        free(b);
        return NAN;
    }
#ifdef _OPENMP
#pragma omp parallel for schedule(static) num_threads(nthr)
#endif
    for (int64_t j = 0; j < len; j++) a[j] = 1.0 + (double)(j & 1023), b[j] = 0.0;
    /* about 1.5 GB moved in all: 11 passes at DRAM sizes, up to 2001 for cache-resident ones */
    double want = 1.5e9 / (16.0 * (double)len);
    int reps = want < 11 ? 11 : want > 2001 ? 2001 : (int)want;
    double *t = malloc((size_t)reps * sizeof *t);
    double bw = NAN;
    if (t) {
        for (int r = 0; r < 3; r++) copy_pass(b, a, len, nthr);
        for (int r = 0; r < reps; r++) t[r] = copy_pass(r % 2 ? a : b, r % 2 ? b : a, len, nthr);
        bw = 16.0 * (double)len / median(t, reps);
    }
    free(t);
    free(a);
    free(b);
    return bw;
}

/* The DRAM copy sampled next to each timed run, so that a ratio to it pairs figures taken a
 * moment apart (this machine's bandwidth drifts by a third within minutes): two arrays of DRAM_LEN
 * doubles kept for the whole benchmark. */
typedef struct dram_copy {
    double *a, *b;
    int nthr;
} dram_copy;

static int dram_open(dram_copy *m, int nthr)
{
    size_t bytes = (size_t)DRAM_LEN * sizeof(double);
    m->nthr = nthr;
    m->a = aligned_alloc(64, bytes);
    m->b = aligned_alloc(64, bytes);
    if (!m->a || !m->b) return -1;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) num_threads(nthr)
#endif
    for (int64_t j = 0; j < DRAM_LEN; j++) m->a[j] = 1.0 + (double)(j & 1023), m->b[j] = 0.0;
    return 0;
}

/* Median bandwidth of 5 copy passes (about 2.7 GB moved, 60–100 ms here). */
static double dram_sample(dram_copy *m)
{
    double t[5];
    copy_pass(m->b, m->a, DRAM_LEN, m->nthr);
    for (int r = 0; r < 5; r++) t[r] = copy_pass(r % 2 ? m->a : m->b, r % 2 ? m->b : m->a, DRAM_LEN, m->nthr);
    return 16.0 * (double)DRAM_LEN / median(t, 5);
}

static void dram_close(dram_copy *m)
{
    free(m->a);
    free(m->b);
}

/* ---- NumPy reference -------------------------------------------------------------------------- */

/* Value of `key=` in line, or NAN. */
static double field(const char *line, const char *key)
{
    char pat[32];
    snprintf(pat, sizeof pat, " %s=", key);
    const char *p = strstr(line, pat);
    return p ? strtod(p + strlen(pat), NULL) : NAN;
}

/* Runs ref_dsgd.py for c; result ← its `result:` line, info ← its `info:` line. 0 on success. */
static int run_numpy(const bench_conf *c, char *result, size_t rlen, char *info, size_t ilen)
{
    int fd[2];
    if (pipe(fd) != 0) return -1;
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        close(fd[0]);
        close(fd[1]);
        return -1;
    }
    if (pid == 0) {
        char a[6][32];
        snprintf(a[0], 32, "%lld", (long long)c->n);
        snprintf(a[1], 32, "%lld", (long long)c->d);
        snprintf(a[2], 32, "%lld", (long long)c->m);
        snprintf(a[3], 32, "%lld", (long long)c->B);
        snprintf(a[4], 32, "%d", c->iters);
        snprintf(a[5], 32, "%d", c->py_runs);
        dup2(fd[1], STDOUT_FILENO);
        close(fd[0]);
        close(fd[1]);
        char *args[] = {(char *)"python3", (char *)BENCH_SIM_PY, a[0], a[1], a[2], a[3], a[4], a[5], NULL};
        execv("/usr/bin/python3", args);
        _exit(127);
    }
    close(fd[1]);
    FILE *f = fdopen(fd[0], "r");
    result[0] = info[0] = '\0';
    if (f) {
        char buf[2048];
        while (fgets(buf, sizeof buf, f)) {
            buf[strcspn(buf, "\n")] = '\0';
            if (strncmp(buf, "result:", 7) == 0) snprintf(result, rlen, "%s", buf);
            if (strncmp(buf, "info:", 5) == 0) snprintf(info, ilen, "%s", buf + 6);
        }
        fclose(f);
    } else {
        close(fd[0]);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return (WIFEXITED(status) && WEXITSTATUS(status) == 0 && result[0]) ? 0 : -1;
}

/* ---- one configuration ------------------------------------------------------------------------ */

static void human_bytes(double b, char *out, size_t len)
{
    if (b >= 1e9)
        snprintf(out, len, "%.2f GB", b / 1e9);
    else if (b >= 1e6)
        snprintf(out, len, "%.2f MB", b / 1e6);
    else
        snprintf(out, len, "%.0f kB", b / 1e3);
}

/* Times the engine on c; fills the engine's half of r. */
static int bench_engine(const bench_conf *c, int nthr, dram_copy *dram, bench_result *r)
{
    tmx_synth_params sp;
    tmx_synth_params_init(&sp);
    sp.shards = c->n;
    sp.per_shard = c->m;
    sp.d = c->d;
    sp.seed = 1;
    sp.hetero = 0.0;
    tmx_dataset D = {0};
    tmx_partition P = {0};
    tmx_topo *topo = NULL;
    tmx_sim *s = NULL;
    double *rates = malloc(3 * (size_t)c->runs * sizeof *rates), *streams = rates + c->runs, *ratios = streams + c->runs;
    int ok = 0;
    double t0 = now();
    tmx_topo_params tp;
    tmx_topo_params_init(&tp);
    tp.n = c->n;
    tmx_sim_config cfg;
    tmx_sim_config_init(&cfg);
    cfg.algo = TMX_ALGO_DSGD;
    cfg.problem = TMX_PROB_LOGREG_NC;
    cfg.batch = c->B;
    cfg.seed = 1;
    cfg.reg = 1e-3;
    cfg.lr = 0.1;
    cfg.iters = WARMUP + (int64_t)c->runs * c->iters;
    if (!rates || tmx_data_synth(&sp, &D) != TMX_OK ||
        tmx_partition_make(&D, c->n, TMX_PART_CONTIGUOUS, 0.0, 1, &P) != TMX_OK ||
        tmx_topo_new("ring", &tp, &topo) != TMX_OK || tmx_sim_new(&cfg, topo, &D, &P, &s) != TMX_OK) {
        printf("  setup failed: %s\n", tmx_last_error());
        goto done;
    }
    double setup = now() - t0;
    for (int w = 0; w < WARMUP; w++)
        if (tmx_sim_step(s) != TMX_OK) goto step_failed;
    r->traffic = tmx_sim_traffic_bytes(s);
    for (int q = 0; q < c->runs; q++) { /* each run paired with a DRAM copy sample right after it */
        t0 = now();
        for (int k = 0; k < c->iters; k++)
            if (tmx_sim_step(s) != TMX_OK) goto step_failed;
        rates[q] = (double)c->iters / (now() - t0);
        streams[q] = dram_sample(dram);
        ratios[q] = streams[q] / (rates[q] * r->traffic); /* iteration time / (traffic / copy bandwidth) */
    }
    r->it_bound = median(ratios, c->runs);
    r->stream = median(streams, c->runs);
    /* the clock's overhead: paired runs with and without it, the order alternating (a drift of the
     * machine's speed within a pair then cancels over the pairs) */
    double clock_ratio[CLOCK_PAIRS];
    for (int q = 0; q < CLOCK_PAIRS; q++) {
        double t_pair[2];
        for (int h = 0; h < 2; h++) {
            int skip = h ^ (q & 1);
            tmx_sim_clock_skip(s, skip);
            t0 = now();
            if (tmx_sim_step(s) != TMX_OK) goto step_failed;
            t_pair[skip] = now() - t0;
        }
        clock_ratio[q] = t_pair[0] / t_pair[1] - 1.0;
    }
    tmx_sim_clock_skip(s, 0);
    r->clock_overhead = median(clock_ratio, CLOCK_PAIRS);
    {
        tmx_csr W0 = {0};
        double tc[5];
        if (tmx_topo_weights(topo, 0, &W0) != TMX_OK) goto step_failed;
        for (int q = 0; q < 5; q++) {
            t0 = now();
            for (int k = 0; k < CLOCK_REPS; k++) {
                tmx__clock_draws(s, k, 0);
                tmx__clock_gossip(s, &W0, 0, 1, 1);
            }
            tc[q] = (now() - t0) / CLOCK_REPS;
        }
        tmx_csr_destroy(&W0);
        r->clock_alone = median(tc, 5);
    }
    double t_step, t_grad;
    tmx_sim_times(s, &t_step, &t_grad); /* over warm-up and runs alike */
    r->grad_share = t_grad / t_step;
    r->rows_bw = (double)c->B * (double)c->n * (double)c->d * 8.0 * (double)cfg.iters / t_grad;
    tmx_sim_metrics met;
    r->loss = tmx_sim_metrics_get(s, &met) == TMX_OK ? met.loss : NAN;
    r->ips = median(rates, c->runs);
    r->ips_best = rates[c->runs - 1];
    r->t_iter = 1.0 / r->ips;
    r->footprint = tmx_sim_bytes(s) + (double)D.m * (double)(D.d + 1) * 8.0;
    /* overwrites the state: after the metrics. MIX_ROUNDS rounds of MIX_REPS passes, each followed
     * by a DRAM copy sample: a burst from a neighbour can cover one round's ~10 ms */
    double tm[MIX_ROUNDS], sm[MIX_ROUNDS], rm[MIX_ROUNDS];
    for (int q = 0; q < MIX_ROUNDS; q++) {
        tm[q] = tmx_sim_time_mix(s, MIX_REPS);
        sm[q] = dram_sample(dram);
        rm[q] = 2.0 * (double)c->n * (double)c->d * 8.0 / tm[q] / sm[q];
    }
    r->t_mix = median(tm, MIX_ROUNDS);
    r->mix_stream = median(sm, MIX_ROUNDS);
    r->mix_ratio = median(rm, MIX_ROUNDS);
    r->mix_bw = 2.0 * (double)c->n * (double)c->d * 8.0 / r->t_mix;
    tmx_sim_free(s);
    s = NULL;
    tmx_dataset_destroy(&D); /* before the copies and NumPy need the memory */

    r->copy_ws = copy_bw(c->n * c->d, nthr);
    r->copy_ws1 = copy_bw(c->n * c->d, 1);
    int64_t fp_len = (int64_t)(r->footprint / 16.0);
    r->copy_fp = fp_len >= DRAM_LEN ? r->stream : copy_bw(fp_len, nthr);
    r->bound = r->traffic / r->copy_fp;

    char fb[32], tb[32], wb[32];
    human_bytes(r->footprint, fb, sizeof fb);
    human_bytes(r->traffic, tb, sizeof tb);
    human_bytes(16.0 * (double)(c->n * c->d), wb, sizeof wb);
    printf("  ours   : %d runs x %d iterations after %d warm-up (setup %.2f s): %.1f it/s median, %.1f best,"
           " %.4g agent-steps/s; %.3f ms per iteration\n",
           c->runs, c->iters, WARMUP, setup, r->ips, r->ips_best, r->ips * (double)c->n, 1e3 * r->t_iter);
    printf("  clock  : simulated wall-clock's overhead on an iteration, median of %d pairs of single iterations"
           " (with/without, order alternating): %+.2f%% (target < 3%%);\n"
           "           its update alone (draws + max-plus over W^(0)): %.3f us per step = %.3f%% of an iteration\n",
           CLOCK_PAIRS, 100.0 * r->clock_overhead, 1e6 * r->clock_alone, 100.0 * r->clock_alone / r->t_iter);
    printf("  split  : local gradients %.0f%% of the step (sampled rows read at %.1f GB/s), gossip and updates %.0f%%\n",
           100.0 * r->grad_share, r->rows_bw / 1e9, 100.0 * (1.0 - r->grad_share));
    printf("  mixing : tmx_sim_time_mix, median of %d rounds of median of %d: %.2f us = %.1f GB/s effective (2*n*d*8 B = %s per pass),"
           " %.0f%% of an iteration\n",
           MIX_ROUNDS, MIX_REPS, 1e6 * r->t_mix, r->mix_bw / 1e9, wb, 100.0 * r->t_mix / r->t_iter);
    printf("  copy   : same working set (2 x n*d doubles): %.1f GB/s with %d threads, %.1f GB/s with 1; DRAM %.1f GB/s"
           " (sampled after each round)\n",
           r->copy_ws / 1e9, nthr, r->copy_ws1 / 1e9, r->mix_stream / 1e9);
    printf("           mixing/STREAM (DRAM copy; median of the paired ratios) = %.2f (target >= 0.8); mixing/copy(same size,"
           " %d threads) = %.2f\n",
           r->mix_ratio, nthr, r->mix_bw / r->copy_ws);
    printf("  traffic: tmx_sim_traffic_bytes = %s per iteration; DRAM copy sampled after each run: median %.1f GB/s\n", tb,
           r->stream / 1e9);
    printf("           iteration/bound = median over the runs of iteration time x copy bandwidth / traffic = %.2f"
           " (target <= 1.5)\n",
           r->it_bound);
    printf("           footprint (sim + data) %s, copy there %.1f GB/s: bound %.3f ms -> %.2f\n", fb, r->copy_fp / 1e9,
           1e3 * r->bound, r->t_iter / r->bound);
    ok = 1;
    goto done;
step_failed:
    printf("  step failed: %s\n", tmx_last_error());
done:
    tmx_sim_free(s);
    tmx_topo_free(topo);
    tmx_partition_destroy(&P);
    tmx_dataset_destroy(&D);
    free(rates);
    r->ok = ok;
    return ok ? 0 : -1;
}

static void bench_numpy(const bench_conf *c, bench_result *r, int *info_shown)
{
    char line[2048], info[2048];
    if (run_numpy(c, line, sizeof line, info, sizeof info) != 0) {
        printf("  numpy  : running %s failed\n", BENCH_SIM_PY);
        return;
    }
    if (!*info_shown && info[0]) {
        printf("  numpy  : %s\n", info);
        *info_shown = 1;
    }
    r->py_ips = field(line, "ips");
    r->py_best = field(line, "best");
    r->py_loss = field(line, "loss");
    r->py_gather = field(line, "gather");
    r->py_grad = field(line, "grad");
    r->py_gossip = field(line, "gossip");
    r->py_ok = isfinite(r->py_ips) && r->py_ips > 0;
    if (!r->py_ok) {
        printf("  numpy  : unreadable result: %s\n", line);
        return;
    }
    printf("  numpy  : %d runs x %d iterations: %.1f it/s median, %.1f best -> ours/numpy = %.2f (target >= 2)\n",
           c->py_runs, c->iters, r->py_ips, r->py_best, r->ips / r->py_ips);
    printf("           its step: gather rows %.0f%%, gradient math %.0f%%, gossip W @ X %.0f%%\n", 100 * r->py_gather,
           100 * r->py_grad, 100 * r->py_gossip);
    printf("  check  : f(xbar) after the run: ours %.6f, numpy %.6f (other draws of the same distribution)\n", r->loss,
           r->py_loss);
}

/* ---- main ------------------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    /* First thing: may replace this process with one that uses OpenBLAS's AVX-512 kernels. */
    if (tmx_blas_fix_coretype(argv) != 0) printf("note: could not re-execute with OPENBLAS_CORETYPE=SkylakeX\n");
    const char *replaced = getenv("TMX_BLAS_REEXEC");
    if (replaced)
        printf("note: OpenBLAS picked its %s kernels on this AVX-512 CPU; re-executed with OPENBLAS_CORETYPE=SkylakeX "
               "(NumPy inherits it)\n",
               replaced);
    const char *env = getenv("OPENBLAS_CORETYPE");

    bench_conf conf[MAXCONF] = {
        {16, 1000, 200, 32, 500, 9, 5},
        {64, 10000, 200, 32, 50, 7, 5},
        {256, 1000, 100, 16, 100, 9, 5},
    };
    int nconf = 3, numpy = 1, given = 0;
    for (int a = 1; a < argc; a++) {
        long long n, d, m, B;
        if (strcmp(argv[a], "--no-numpy") == 0) {
            numpy = 0;
        } else if (sscanf(argv[a], "%lld:%lld:%lld:%lld", &n, &d, &m, &B) == 4 && n > 0 && d > 0 && m > 0 && B > 0) {
            if (!given++) nconf = 0; /* configurations given replace the defaults */
            if (nconf < MAXCONF) conf[nconf++] = (bench_conf){n, d, m, B, 100, 5, 5};
        } else {
            fprintf(stderr, "usage: %s [--no-numpy] [N:D:M:B ...]\n", argv[0]);
            return 2;
        }
    }

    int nthr = max_threads();
    long l2 = cache_kib(2), l3 = cache_kib(3);
    printf("sim-dsgd: D-SGD (adapt-then-combine) on logreg-nc (lambda 1e-3, lr 0.1), ring (Metropolis, 1/3), f64;\n"
           "          synthetic data (tmx_data_synth, hetero 0, seed 1), contiguous shards\n");
    printf("machine : %d OpenMP threads (the engine's count), OpenBLAS kernels %s (OPENBLAS_CORETYPE=%s); "
           "L2 %ld KiB, L3 %ld KiB (cpu0, sysfs)\n",
           nthr, tmx_blas_corename(), env && *env ? env : "(unset)", l2, l3);
    dram_copy dram;
    if (dram_open(&dram, nthr) != 0) {
        printf("cannot allocate the 2 x 256 MiB copy arrays\n");
        dram_close(&dram);
        return 1;
    }
    double dram_bw = dram_sample(&dram), dram_bw1 = copy_bw(DRAM_LEN, 1);
    printf("copy    : STREAM-like b[j] = a[j], ordinary stores, 16 B per element, median of passes, one parallel region "
           "each;\n          DRAM (2 x 256 MiB): %.1f GB/s with %d threads, %.1f GB/s with 1\n",
           dram_bw / 1e9, nthr, dram_bw1 / 1e9);
    printf("          mixing is compared with the copy of the same working set (2 x n*d doubles): the timed passes keep "
           "the state\n          wherever it fits, so a cache-resident state must be compared with a cache-resident copy "
           "(DRAM shown for reference)\n");

    bench_result res[MAXCONF];
    memset(res, 0, sizeof res);
    int rc = 0, info_shown = 0;
    for (int q = 0; q < nconf; q++) {
        const bench_conf *c = &conf[q];
        printf("\n[%d/%d] n=%lld d=%lld m=%lld B=%lld\n", q + 1, nconf, (long long)c->n, (long long)c->d,
               (long long)c->m, (long long)c->B);
        fflush(stdout);
        load_mark l0 = load_now();
        if (bench_engine(c, nthr, &dram, &res[q]) != 0) {
            rc = 1;
            continue;
        }
        if (numpy) bench_numpy(c, &res[q], &info_shown);
        res[q].other = load_report(l0, load_now());
        fflush(stdout);
    }
    double dram_end = dram_sample(&dram);
    dram_close(&dram);
    printf("\ncopy    : DRAM again at the end: %.1f GB/s with %d threads (run-to-run noise on this machine)\n",
           dram_end / 1e9, nthr);

    printf("\nsummary (medians; * = misses its target). Targets against the STREAM copy (DRAM-sized arrays, the\n"
           "issue's reference, sampled next to each measurement): mix/STREAM >= 0.8, iteration/bound <= 1.5 with\n"
           "bound = traffic / STREAM (the median over runs of the paired ratios). The stricter\n"
           "columns compare with a copy of the same, possibly cache-resident, size (mix/same) and with the copy at\n"
           "the iteration's footprint (it/fp-bound).\n");
    printf("%-18s %9s %12s %10s %8s %8s %10s %8s %9s %8s %11s %8s\n", "n,d,m,B", "ours it/s", "agent-st/s", "numpy it/s",
           "ours/np", "mix GB/s", "mix/STREAM", "it/bound", "mix/same", "iter ms", "it/fp-bound", "clock");
    printf("%-18s %9s %12s %10s %8s %8s %10s %8s %9s %8s %11s %8s\n", "", "", "", "", "(>=2)", "", "(>=0.8)", "(<=1.5)", "",
           "", "", "(<3%)");
    for (int q = 0; q < nconf; q++) {
        const bench_conf *c = &conf[q];
        const bench_result *r = &res[q];
        char name[64];
        snprintf(name, sizeof name, "%lld,%lld,%lld,%lld", (long long)c->n, (long long)c->d, (long long)c->m,
                 (long long)c->B);
        if (!r->ok) {
            printf("%-18s failed\n", name);
            continue;
        }
        double sp = r->py_ok ? r->ips / r->py_ips : NAN, ms = r->mix_ratio, ib = r->it_bound;
        char npb[16] = "-", spb[16] = "-";
        if (r->py_ok) {
            snprintf(npb, sizeof npb, "%.1f", r->py_ips);
            snprintf(spb, sizeof spb, "%.2f%s", sp, sp < 2.0 ? "*" : "");
        }
        printf("%-18s %9.1f %12.4g %10s %8s %8.1f %9.2f%s %7.2f%s %9.2f %8.3f %11.2f %+6.2f%%%s", name, r->ips,
               r->ips * (double)c->n, npb, spb, r->mix_bw / 1e9, ms, ms < 0.8 ? "*" : " ", ib, ib > 1.5 ? "*" : " ",
               r->mix_bw / r->copy_ws, 1e3 * r->t_iter, r->t_iter / r->bound, 100.0 * r->clock_overhead,
               r->clock_overhead >= 0.03 ? "*" : " ");
        if (r->other > 0.1) printf("  disturbed: other processes took %.0f%% of the CPUs", 100.0 * r->other);
        printf("\n");
    }
    return rc;
}
