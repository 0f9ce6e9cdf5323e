/* The device backend (sim/device/, docs/definitions.md §23) against the CPU backend: every
 * algorithm's trajectory, full batch and minibatch, on three problems, in f64 and f32; checkpoints
 * that cross from one backend to the other; the refusal paths. Built only with a device backend: in
 * a -Ddevice=omp build the device kernels run here on the host's cores, so this suite tests the code
 * a GPU runs (same source, other compiler).
 *
 * Tolerances. f64: the device reproduces the CPU's arithmetic but for the order of a few sums (the
 * gradients' dot products, the column sums of large state, the reductions of the statistics), each
 * a relative perturbation of a few units of 2^-53 per step; 20 steps of non-expansive averaging and
 * gradient steps with γL < 1 keep the trajectories within 1e-12 relative (norm-wise, ‖·‖∞), the
 * issue's bound. f32: the same orders, with u = 2^-24: each entry of a step is a chain of at most
 * d + B + hidden + max degree < 64 roundings whose order may differ, so a step perturbs the state by
 * at most 64u relative and T steps, non-expansive, by T·64u: F32_TOL below (7.6e-5 at T = 20). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <topomix/topomix.h>

#include "device/device_backend.h"
#include "sim_internal.h"

#define ITERS 20
#define F64_TOL 1e-12
#define F32_TOL (ITERS * 64.0 * 0x1p-24)

typedef struct world {
    tmx_dataset ds;
    tmx_partition P;
    tmx_topo *topo;
} world;

/* Synthetic data for the problem over n shards of 20 samples in 6 features, and the topology
 * over n + aux nodes. */
static void world_new(world *w, tmx_problem_kind prob, const char *topo, int64_t n, int64_t aux)
{
    tmx_synth_params sp;
    tmx_synth_params_init(&sp);
    sp.shards = n;
    sp.per_shard = 20;
    sp.d = 6;
    sp.hetero = 0.5;
    sp.seed = 3;
    sp.mode = prob == TMX_PROB_MLP ? TMX_LABELS_CLASSES : prob == TMX_PROB_LSQ_NC ? TMX_LABELS_RAW : TMX_LABELS_BINARY;
    sp.nclass = 3;
    memset(w, 0, sizeof *w);
    cr_assert_eq(tmx_data_synth(&sp, &w->ds), TMX_OK, "%s", tmx_last_error());
    cr_assert_eq(tmx_partition_make(&w->ds, n, TMX_PART_CONTIGUOUS, 0, 1, &w->P), TMX_OK, "%s", tmx_last_error());
    tmx_topo_params tp;
    tmx_topo_params_init(&tp);
    tp.n = n + aux;
    tp.seed = 5;
    cr_assert_eq(tmx_topo_new(topo, &tp, &w->topo), TMX_OK, "%s", tmx_last_error());
}

static void world_free(world *w)
{
    tmx_topo_free(w->topo);
    tmx_partition_destroy(&w->P);
    tmx_dataset_destroy(&w->ds);
}

static tmx_sim *sim_on(const world *w, tmx_sim_config cfg, tmx_device dev)
{
    tmx_sim *s = NULL;
    cfg.device = dev;
    cr_assert_eq(tmx_sim_new(&cfg, w->topo, &w->ds, &w->P, &s), TMX_OK, "%s", tmx_last_error());
    return s;
}

/* max_k |a_k − b_k| / max_k |b_k| over every node's model (0 when both are 0). */
static double model_gap(tmx_sim *a, tmx_sim *b, int64_t nodes)
{
    int64_t p = tmx_sim_dim(a);
    double num = 0.0, den = 0.0;
    double *x = malloc((size_t)p * sizeof *x);
    cr_assert(x != NULL);
    for (int64_t i = 0; i < nodes; i++) {
        memcpy(x, tmx_sim_model(a, i), (size_t)p * sizeof *x); /* f32: the converted copy is reused */
        const double *y = tmx_sim_model(b, i);
        for (int64_t k = 0; k < p; k++) {
            cr_assert(isfinite(x[k]) && isfinite(y[k]), "node %lld entry %lld not finite", (long long)i, (long long)k);
            num = fmax(num, fabs(x[k] - y[k]));
            den = fmax(den, fabs(y[k]));
        }
    }
    free(x);
    return den > 0 ? num / den : num;
}

/* The metrics of both runs: the counters and the clock exactly (they do not depend on the models
 * but for adpsgd's order of events, which depends on the clock alone); the values to tol relative.
 * The consensus distance, a mean of squared differences of models that agree to tol·‖x‖∞, may
 * differ by 2·sqrt(cons·p)·2·tol·‖x‖∞ besides its own relative rounding. */
static void same_metrics(tmx_sim *cpu, tmx_sim *dev, double tol, double xmax, const char *what)
{
    tmx_sim_metrics a, b;
    cr_assert_eq(tmx_sim_metrics_get(cpu, &a), TMX_OK, "%s: %s", what, tmx_last_error());
    cr_assert_eq(tmx_sim_metrics_get(dev, &b), TMX_OK, "%s: %s", what, tmx_last_error());
    cr_assert_eq(a.iter, b.iter, "%s", what);
    cr_assert_eq(a.gossip_rounds, b.gossip_rounds, "%s: gossip rounds %lld vs %lld", what, (long long)a.gossip_rounds,
                 (long long)b.gossip_rounds);
    cr_assert_eq(a.messages, b.messages, "%s", what);
    cr_assert_eq(a.bytes_sent, b.bytes_sent, "%s", what);
    cr_assert_eq(a.control_capped, b.control_capped, "%s", what);
    cr_assert_eq(a.events, b.events, "%s", what);
    cr_assert(a.time == b.time, "%s: time %.17g vs %.17g", what, a.time, b.time);
    cr_assert((isnan(a.staleness) && isnan(b.staleness)) || a.staleness == b.staleness, "%s: staleness", what);
    cr_assert(fabs(a.loss - b.loss) <= tol * fabs(a.loss), "%s: loss %.17g (cpu) vs %.17g (device)", what, a.loss, b.loss);
    cr_assert(fabs(a.grad_norm2 - b.grad_norm2) <= 4 * tol * fabs(a.grad_norm2) + 1e-300, "%s: grad_norm2 %.17g vs %.17g",
              what, a.grad_norm2, b.grad_norm2);
    double p = (double)tmx_sim_dim(cpu);
    double ctol = tol * a.consensus + 4.0 * tol * sqrt(a.consensus * p) * xmax;
    cr_assert(fabs(a.consensus - b.consensus) <= ctol, "%s: consensus %.17g vs %.17g (tolerance %.3g)", what, a.consensus,
              b.consensus, ctol);
    cr_assert(fabs(a.control_target - b.control_target) <= tol * fabs(a.control_target) + ctol, "%s: control target",
              what);
    if (isnan(a.accuracy)) cr_assert(isnan(b.accuracy), "%s", what);
    else cr_assert(a.accuracy == b.accuracy, "%s: accuracy %.17g vs %.17g", what, a.accuracy, b.accuracy);
}

static double xmax_of(tmx_sim *s, int64_t nodes)
{
    double m = 0.0;
    for (int64_t i = 0; i < nodes; i++) {
        const double *x = tmx_sim_model(s, i);
        for (int64_t k = 0; k < tmx_sim_dim(s); k++) m = fmax(m, fabs(x[k]));
    }
    return m;
}

/* ITERS steps of one configuration on both backends, metrics compared every 5 steps and the
 * models of every node at the end. */
static void compare(tmx_sim_config cfg, const char *topo, int64_t n)
{
    static const char *const probs[] = {"logreg-nc", "lsq-nc", "mlp"};
    char what[160];
    snprintf(what, sizeof what, "%s %s on %s, %s, batch %lld%s", tmx_algo_name(cfg.algo), probs[cfg.problem], topo,
             cfg.precision == TMX_PREC_F32 ? "f32" : "f64", (long long)cfg.batch,
             cfg.control != TMX_CONTROL_NONE ? ", consensus control" : "");
    double tol = cfg.precision == TMX_PREC_F32 ? F32_TOL : F64_TOL;
    world w;
    world_new(&w, cfg.problem, topo, n, cfg.aux);
    tmx_sim *a = sim_on(&w, cfg, TMX_DEVICE_CPU), *b = sim_on(&w, cfg, TMX_DEVICE_GPU);
    cr_assert_str_eq(tmx_sim_backend_name(a), "cpu");
    cr_assert_str_neq(tmx_sim_backend_name(b), "cpu");
    int64_t nodes = n + cfg.aux;
    for (int64_t k = 0; k < ITERS; k++) {
        if (k % 5 == 0) same_metrics(a, b, tol, xmax_of(a, nodes), what);
        cr_assert_eq(tmx_sim_step(a), TMX_OK, "%s: %s", what, tmx_last_error());
        cr_assert_eq(tmx_sim_step(b), TMX_OK, "%s: %s", what, tmx_last_error());
    }
    double gap = model_gap(b, a, nodes);
    cr_assert(gap <= tol, "%s: the models differ by %.3g relative (tolerance %.3g)", what, gap, tol);
    same_metrics(a, b, tol, xmax_of(a, nodes), what);
    tmx_sim_free(a);
    tmx_sim_free(b);
    world_free(&w);
}

/* Every algorithm: the three problems in f64, full batch and B = 4; lsq-nc and mlp in f32 (B = 4). */
static void every_case(tmx_sim_config base, const char *topo)
{
    for (int prob = 0; prob < TMX_PROB_COUNT; prob++)
        for (int full = 0; full < 2; full++) {
            tmx_sim_config cfg = base;
            cfg.problem = (tmx_problem_kind)prob;
            cfg.batch = full ? 0 : 4;
            compare(cfg, topo, 8);
        }
    for (int prob = TMX_PROB_LSQ_NC; prob <= TMX_PROB_MLP; prob++) {
        tmx_sim_config cfg = base;
        cfg.problem = (tmx_problem_kind)prob;
        cfg.batch = 4;
        cfg.precision = TMX_PREC_F32;
        compare(cfg, topo, 8);
    }
}

/* In a CUDA build the suite needs a GPU (gpu-check.sh runs it on one); an OpenMP build always has
 * its device. */
static void need_device(void)
{
#if TMX_DEVICE_CUDA
    if (!tmx_sim_device_available()) cr_skip_test("no usable CUDA device here");
#endif
}

static tmx_sim_config config(tmx_algo algo)
{
    need_device();
    tmx_sim_config cfg;
    tmx_sim_config_init(&cfg);
    cfg.algo = algo;
    cfg.lr = 0.05;
    cfg.compute = TMX_COMPUTE_EXP; /* unequal clocks: adpsgd's events interleave */
    return cfg;
}

/* The topologies cover the three kinds of W^(k): static, periodic (several cached matrices) and
 * random (uploaded each step). */
Test(device, dsgd) { every_case(config(TMX_ALGO_DSGD), "ring"); }
Test(device, dsgd_random) { every_case(config(TMX_ALGO_DSGD), "matching"); }
Test(device, dsgd_control)
{
    tmx_sim_config cfg = config(TMX_ALGO_DSGD);
    cfg.control = TMX_CONTROL_CONST;
    cfg.control_factor = 0.5;
    every_case(cfg, "ring");
}
Test(device, dpsgd) { every_case(config(TMX_ALGO_DPSGD), "onepeer-exp"); }
Test(device, dmsgd) { every_case(config(TMX_ALGO_DMSGD), "exp"); }
Test(device, vdmsgd) { every_case(config(TMX_ALGO_VDMSGD), "ring"); }
Test(device, qgdmsgd) { every_case(config(TMX_ALGO_QGDMSGD), "ring"); }
Test(device, psgd) { every_case(config(TMX_ALGO_PSGD), "ring"); }
Test(device, local) { every_case(config(TMX_ALGO_LOCAL), "ring"); }
Test(device, easgd)
{
    tmx_sim_config cfg = config(TMX_ALGO_EASGD);
    cfg.alpha = 0.05;
    every_case(cfg, "ring");
}
Test(device, coop)
{
    tmx_sim_config cfg = config(TMX_ALGO_COOP);
    cfg.aux = 1;
    cfg.period = 2;
    every_case(cfg, "exp");
}
Test(device, gt) { every_case(config(TMX_ALGO_GT), "equidyn"); }
Test(device, adpsgd) { every_case(config(TMX_ALGO_ADPSGD), "matching"); }
Test(device, sgp) { every_case(config(TMX_ALGO_SGP), "exp"); }

/* A new empty temporary file; its path in path (char[32]). */
static void temp_file(char *path)
{
    strcpy(path, "/tmp/topomix-test-XXXXXX");
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
}

/* The bytes of a file (freed by the caller); *len its size. */
static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f != NULL, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)sz + 1);
    cr_assert(b != NULL);
    cr_assert_eq(fread(b, 1, (size_t)sz, f), (size_t)sz);
    fclose(f);
    *len = (size_t)sz;
    return b;
}

/* A checkpoint written by one backend resumes on the other: 10 steps on `from`, saved, loaded by a
 * simulation on the other backend, 10 more steps there; its models match an uninterrupted 20-step
 * run on the second backend. The checkpoints both backends write at iteration 10 have the same
 * size, header and counters (the state differs by rounding at most). */
static void cross_resume(tmx_sim_config cfg, const char *topo, tmx_device from)
{
    tmx_device to = from == TMX_DEVICE_CPU ? TMX_DEVICE_GPU : TMX_DEVICE_CPU;
    double tol = cfg.precision == TMX_PREC_F32 ? F32_TOL : F64_TOL;
    world w;
    world_new(&w, cfg.problem, topo, 8, cfg.aux);
    char path[32], path2[32];
    temp_file(path);
    temp_file(path2);
    tmx_sim *a = sim_on(&w, cfg, from), *a2 = sim_on(&w, cfg, to);
    for (int k = 0; k < 10; k++) {
        cr_assert_eq(tmx_sim_step(a), TMX_OK, "%s", tmx_last_error());
        cr_assert_eq(tmx_sim_step(a2), TMX_OK, "%s", tmx_last_error());
    }
    cr_assert_eq(tmx_sim_save(a, path), TMX_OK, "%s", tmx_last_error());
    cr_assert_eq(tmx_sim_save(a2, path2), TMX_OK, "%s", tmx_last_error());
    size_t l1, l2;
    unsigned char *f1 = slurp(path, &l1), *f2 = slurp(path2, &l2);
    cr_assert_eq(l1, l2, "checkpoints of %zu and %zu bytes", l1, l2);
    uint32_t hlen;
    memcpy(&hlen, f1 + 8, sizeof hlen);
    /* magic, header length, header, 6 int64 and 6 double counters: the same bytes */
    cr_assert_eq(memcmp(f1, f2, 12 + hlen + 6 * 8), 0, "%s: the checkpoints' headers or integer counters differ",
                 tmx_algo_name(cfg.algo));
    free(f1);
    free(f2);
    tmx_sim *b = sim_on(&w, cfg, to), *ref = sim_on(&w, cfg, to);
    cr_assert_eq(tmx_sim_load(b, path), TMX_OK, "%s", tmx_last_error());
    cr_assert_eq(tmx_sim_iter(b), 10);
    for (int k = 0; k < 10; k++) cr_assert_eq(tmx_sim_step(b), TMX_OK, "%s", tmx_last_error());
    for (int k = 0; k < 20; k++) cr_assert_eq(tmx_sim_step(ref), TMX_OK, "%s", tmx_last_error());
    double gap = model_gap(b, ref, 8 + cfg.aux);
    cr_assert(gap <= tol, "%s %s resumed on the %s from a %s checkpoint: models differ by %.3g relative (tolerance %.3g)",
              tmx_algo_name(cfg.algo), cfg.precision == TMX_PREC_F32 ? "f32" : "f64", to == TMX_DEVICE_CPU ? "cpu" : "device",
              from == TMX_DEVICE_CPU ? "cpu" : "device", gap, tol);
    same_metrics(ref, b, tol, xmax_of(ref, 8 + cfg.aux), "resumed run");
    unlink(path);
    unlink(path2);
    tmx_sim_free(a);
    tmx_sim_free(a2);
    tmx_sim_free(b);
    tmx_sim_free(ref);
    world_free(&w);
}

Test(device, checkpoint_crosses_backends)
{
    static const tmx_algo algos[] = {TMX_ALGO_DSGD, TMX_ALGO_QGDMSGD, TMX_ALGO_GT, TMX_ALGO_ADPSGD, TMX_ALGO_SGP};
    for (size_t q = 0; q < sizeof algos / sizeof *algos; q++)
        for (int prec = 0; prec < 2; prec++)
            for (int from = 0; from < 2; from++) {
                tmx_sim_config cfg = config(algos[q]);
                cfg.problem = TMX_PROB_MLP;
                cfg.batch = 4;
                cfg.iters = 40;
                cfg.precision = (tmx_precision)prec;
                cross_resume(cfg, algos[q] == TMX_ALGO_SGP ? "exp" : "ring", (tmx_device)from);
            }
}

/* A checkpoint of another run is refused by a device simulation as by a CPU one, and leaves it as
 * it was. */
Test(device, foreign_checkpoint_refused)
{
    tmx_sim_config cfg = config(TMX_ALGO_DSGD);
    cfg.problem = TMX_PROB_LSQ_NC;
    world w;
    world_new(&w, cfg.problem, "ring", 8, 0);
    char path[32];
    temp_file(path);
    tmx_sim *a = sim_on(&w, cfg, TMX_DEVICE_CPU);
    cr_assert_eq(tmx_sim_step(a), TMX_OK);
    cr_assert_eq(tmx_sim_save(a, path), TMX_OK, "%s", tmx_last_error());
    cfg.lr *= 2;
    tmx_sim *b = sim_on(&w, cfg, TMX_DEVICE_GPU);
    cr_assert_eq(tmx_sim_load(b, path), TMX_EINVAL);
    cr_assert(strstr(tmx_last_error(), "lr=") != NULL, "%s", tmx_last_error());
    cr_assert_eq(tmx_sim_iter(b), 0);
    cr_assert_eq(tmx_sim_step(b), TMX_OK, "%s", tmx_last_error());
    unlink(path);
    tmx_sim_free(a);
    tmx_sim_free(b);
    world_free(&w);
}

/* The queries and the refusals a device build can show: an unknown device value; the device's
 * description names the system ("thrust-omp on the host" in an OpenMP build, so that nobody takes
 * it for a GPU run, or the GPU's name in a CUDA build, where the suite runs only with a GPU). */
Test(device, queries_and_refusals)
{
    char name[256];
    need_device();
    cr_assert_eq(tmx_sim_device_available(), 1);
    cr_assert_eq(tmx_sim_device_name(name, sizeof name), TMX_OK, "%s", tmx_last_error());
    cr_assert(strncmp(name, "thrust-omp on the host (", 24) == 0 || strncmp(name, "thrust-cuda on ", 15) == 0, "%s", name);
    cr_assert_eq(tmx_sim_device_name(NULL, 0), TMX_OK);
    tmx_device d;
    cr_assert_eq(tmx_device_parse("gpu", &d), TMX_OK);
    cr_assert_eq(d, TMX_DEVICE_GPU);
    cr_assert_eq(tmx_device_parse("cuda", &d), TMX_EINVAL);
    cr_assert(strstr(tmx_last_error(), "cpu, gpu") != NULL, "%s", tmx_last_error());
    world w;
    world_new(&w, TMX_PROB_LSQ_NC, "ring", 4, 0);
    tmx_sim_config cfg = config(TMX_ALGO_DSGD);
    cfg.problem = TMX_PROB_LSQ_NC;
    cfg.device = (tmx_device)7;
    tmx_sim *s = NULL;
    cr_assert_eq(tmx_sim_new(&cfg, w.topo, &w.ds, &w.P, &s), TMX_EINVAL);
    cr_assert_null(s);
    cr_assert(strstr(tmx_last_error(), "device") != NULL, "%s", tmx_last_error());
    world_free(&w);
}

/* ---- the fused gossip's statistics (device_backend.cpp's mix_t, docs/definitions.md §23) ---- */

/* A D-SGD simulation on lsq-nc with model dimension p over n workers and aux auxiliary nodes (coop's:
 * the topology spans n + aux nodes), one sample per worker. */
typedef struct fused_case {
    world w;
    tmx_sim *cpu, *dev;
} fused_case;

static void fused_new(fused_case *f, int64_t p, int64_t n, int64_t aux, int f32)
{
    tmx_synth_params sp;
    tmx_synth_params_init(&sp);
    sp.shards = n;
    sp.per_shard = 1;
    sp.d = p;
    sp.seed = 11;
    sp.mode = TMX_LABELS_RAW;
    memset(f, 0, sizeof *f);
    cr_assert_eq(tmx_data_synth(&sp, &f->w.ds), TMX_OK, "%s", tmx_last_error());
    cr_assert_eq(tmx_partition_make(&f->w.ds, n, TMX_PART_CONTIGUOUS, 0, 1, &f->w.P), TMX_OK, "%s", tmx_last_error());
    tmx_topo_params tp;
    tmx_topo_params_init(&tp);
    tp.n = n + aux;
    cr_assert_eq(tmx_topo_new(n + aux >= 3 ? "ring" : "complete", &tp, &f->w.topo), TMX_OK, "%s", tmx_last_error());
    tmx_sim_config cfg = config(aux ? TMX_ALGO_COOP : TMX_ALGO_DSGD);
    cfg.problem = TMX_PROB_LSQ_NC;
    cfg.aux = aux;
    cfg.precision = f32 ? TMX_PREC_F32 : TMX_PREC_F64;
    f->cpu = sim_on(&f->w, cfg, TMX_DEVICE_CPU);
    f->dev = sim_on(&f->w, cfg, TMX_DEVICE_GPU);
    cr_assert_eq(tmx_sim_dim(f->dev), p);
    cr_assert_eq(f->dev->N, n + aux);
}

static void fused_free(fused_case *f)
{
    tmx_sim_free(f->cpu);
    tmx_sim_free(f->dev);
    world_free(&f->w);
}

/* Models of the kind: 0, near consensus (x_ir = 1000 + r + 1e-7·noise: Σ‖x_i‖² − n‖x̄‖² would keep
 * about 4 of its 16 digits); 1, worker 0 an outlier (1e-3 off, the others 1e-9 apart: the fused
 * bound fails and the second pass runs); 2, spread (noise of size 1). noise: a fixed hash. */
static double model_value(int kind, int64_t i, int64_t r)
{
    double u = (double)(((uint64_t)(i * 7919 + r * 104729 + 17) * 2654435761u) % 1000003u) / 1000003.0 - 0.5;
    if (kind == 0) return 1000.0 + (double)r + 1e-7 * u;
    if (kind == 1) return 1000.0 + (double)r + (i == 0 ? 1e-3 : 1e-9 * u);
    return (double)r * 0.01 + u;
}

/* The exact statistics of the output (long double, two passes): the consensus (1/n) Σ_{i<n} ‖x_i − x̄‖²
 * and the sum of squares over all N nodes. */
static void exact_stats(const double *X, int64_t p, int64_t n, int64_t N, double *cons, double *sumsq)
{
    long double c = 0.0L, q = 0.0L;
    for (int64_t r = 0; r < p; r++) {
        long double m = 0.0L;
        for (int64_t i = 0; i < n; i++) m += X[i * p + r];
        m /= n;
        for (int64_t i = 0; i < n; i++) c += (X[i * p + r] - m) * (X[i * p + r] - m);
        for (int64_t i = 0; i < N; i++) q += (long double)X[i * p + r] * X[i * p + r];
    }
    *cons = (double)(c / n);
    *sumsq = (double)q;
}

/* One gossip out ← W(in − γg) (W: the topology's, or NULL), g NULL or not, on both backends from the
 * same state; the device's output equals the CPU's (bit for bit on the host's cores; a GPU contracts
 * into FMAs, a few roundings of 3 terms: to 1e-12 (f64) or 2^-20 (f32) of ‖out‖∞), and its statistics
 * are the exact ones of its output to 1e-12 relative (they are summed in double, also for f32
 * states). Returns the second passes counted. */
static int64_t fused_check(fused_case *f, int kind, int use_w, int use_g, int in_place)
{
    tmx_sim *c = f->cpu, *d = f->dev;
    int64_t p = d->p, n = d->n, N = d->N, cells = p * N;
    size_t esz = d->esz, bytes = (size_t)cells * esz;
    unsigned char *x = malloc(bytes), *gv = malloc(bytes), *oc = malloc(bytes), *od = malloc(bytes);
    double *o64 = malloc((size_t)cells * sizeof *o64);
    cr_assert(x && gv && oc && od && o64);
    for (int64_t i = 0; i < N; i++)
        for (int64_t r = 0; r < p; r++) {
            double v = model_value(kind, i, r), w = 0.25 * model_value(2, i + 3, r);
            if (d->f32) ((float *)x)[i * p + r] = (float)v, ((float *)gv)[i * p + r] = (float)w;
            else ((double *)x)[i * p + r] = v, ((double *)gv)[i * p + r] = w;
        }
    const tmx_csr *Wc = use_w ? &c->Wcache[0] : NULL, *Wd = use_w ? &d->Wcache[0] : NULL;
    void *in_c = c->buf[BUF_X], *out_c = in_place ? c->buf[BUF_X] : c->buf[BUF_V];
    void *in_d = d->buf[BUF_X], *out_d = in_place ? d->buf[BUF_X] : d->buf[BUF_V];
    memcpy(in_c, x, bytes);
    memcpy(c->buf[BUF_G], gv, bytes);
    d->be->to_device(d, in_d, x, bytes);
    d->be->to_device(d, d->buf[BUF_G], gv, bytes);
    int64_t before = tmx__device_mix_fallbacks(d);
    mix_stats sc, sd;
    c->be->mix_axpy(c, Wc, in_c, use_g ? c->buf[BUF_G] : NULL, 0.1, out_c, &sc);
    d->be->mix_axpy(d, Wd, in_d, use_g ? d->buf[BUF_G] : NULL, 0.1, out_d, &sd);
    cr_assert_eq(d->be->check(d), TMX_OK, "%s", tmx_last_error());
    memcpy(oc, out_c, bytes);
    d->be->to_host(d, od, out_d, bytes);
    char what[160];
    snprintf(what, sizeof what, "p=%lld n=%lld N=%lld %s kind %d%s%s%s", (long long)p, (long long)n, (long long)N,
             d->f32 ? "f32" : "f64", kind, use_w ? " W" : " I", use_g ? " g" : "", in_place ? " in place" : "");
    double amax = 0.0;
    for (int64_t q = 0; q < cells; q++) amax = fmax(amax, fabs(d->f32 ? ((float *)oc)[q] : ((double *)oc)[q]));
#if TMX_DEVICE_CUDA
    double tol = (d->f32 ? 0x1p-20 : 1e-12) * amax; /* norm-wise: an entry may cancel to near 0 */
#else
    double tol = 0.0;
#endif
    for (int64_t q = 0; q < cells; q++) {
        double a = d->f32 ? ((float *)oc)[q] : ((double *)oc)[q], b = d->f32 ? ((float *)od)[q] : ((double *)od)[q];
        cr_assert(fabs(a - b) <= tol, "%s: entry %lld: %.17g (cpu) vs %.17g (device)", what, (long long)q, a, b);
        o64[q] = b;
    }
    double cons, sumsq;
    exact_stats(o64, p, n, N, &cons, &sumsq);
    cr_assert(fabs(sd.consensus - cons) <= 1e-12 * cons, "%s: consensus %.17g vs %.17g exact", what, sd.consensus, cons);
    cr_assert(fabs(sd.sumsq - sumsq) <= 1e-12 * sumsq, "%s: sum of squares %.17g vs %.17g", what, sd.sumsq, sumsq);
    (void)sc; /* the CPU's mean, in the state's type, is less exact near consensus (its error enters squared) */
    free(x);
    free(gv);
    free(oc);
    free(od);
    free(o64);
    return tmx__device_mix_fallbacks(d) - before;
}

/* The fused statistics at several p (1; below, across and not a multiple of the host's 256-row
 * items and of the GPU's 4-row ones, whose tail rows take one thread each; more column blocks than
 * one), n = 1, auxiliary columns, f32 and f64, the identity and a ring, with and without the gradient
 * term, in place, in both layouts (a host build runs the GPU's too): against exact sums of the
 * device's output. The
 * one-pass form holds near consensus (kind 0, where the naive Σ‖x‖² − n‖x̄‖² would lose 12 digits);
 * with worker 0 an outlier (kind 1) the a-posteriori bound sends it to the second pass. */
Test(device, fused_statistics)
{
    static const int64_t ps[] = {1, 7, 300, 513};
    static const int64_t ns[][2] = {{1, 0}, {1, 2}, {2, 0}, {5, 0}, {8, 1}, {70, 0}};
    for (size_t a = 0; a < sizeof ps / sizeof *ps; a++)
        for (size_t b = 0; b < sizeof ns / sizeof *ns; b++)
            for (int f32 = 0; f32 < 2; f32++)
                for (int gpu = 0; gpu < 2; gpu++) {
                    fused_case f;
                    fused_new(&f, ps[a], ns[b][0], ns[b][1], f32);
                    int64_t n = ns[b][0];
                    if (tmx__device_mix_rows(f.dev, gpu) != 0) {
                        cr_assert(TMX_DEVICE_CUDA && !gpu, "the %s layout refused", gpu ? "GPU's" : "host's");
                        fused_free(&f);
                        continue; /* a CUDA build runs the GPU's layout alone */
                    }
                    for (int kind = 0; kind < 3; kind++) {
                        int64_t fb = fused_check(&f, kind, 1, kind == 2, 0);
                        /* one pass: S2/M2 = 1 + n‖x_0 − x̄‖²/Σ‖x_i − x̄‖² is about 2 once many rows
                         * average the noise (one row may make worker 0 atypical by chance), 1 for n = 1 */
                        if ((kind == 0 && ps[a] >= 300) || n == 1)
                            cr_assert_eq(fb, 0, "p=%lld n=%lld kind %d: the second pass ran", (long long)ps[a],
                                         (long long)n, kind);
                    }
                    /* the identity keeps worker 0 the outlier: S2/M2 = n, above the bound's 4.7 from n = 5 */
                    int64_t fb = fused_check(&f, 1, 0, 0, 0);
                    cr_assert_eq(fb, n >= 5, "p=%lld n=%lld: an outlier worker 0 took %lld second passes",
                                 (long long)ps[a], (long long)n, (long long)fb);
                    fused_check(&f, 2, 0, 1, 0); /* the identity with the gradient term: a local step */
                    fused_check(&f, 0, 0, 0, 1); /* statistics only, in place */
                    fused_free(&f);
                }
}

/* A non-finite entry anywhere, an auxiliary node's too, makes the sum of squares non-finite (the
 * engine's divergence check). */
Test(device, fused_statistics_non_finite)
{
    for (int at = 0; at < 2; at++) {
        fused_case f;
        fused_new(&f, 9, 4, 1, 0);
        tmx_sim *d = f.dev;
        int64_t cells = d->p * d->N;
        double *x = malloc((size_t)cells * sizeof *x);
        cr_assert(x != NULL);
        for (int64_t q = 0; q < cells; q++) x[q] = 1.0 + (double)q;
        x[at ? 4 * d->p + 3 : 2 * d->p + 5] = at ? NAN : INFINITY; /* the auxiliary node, or a worker */
        d->be->to_device(d, d->buf[BUF_X], x, (size_t)cells * sizeof *x);
        mix_stats st;
        d->be->mix_axpy(d, NULL, d->buf[BUF_X], NULL, 0.0, d->buf[BUF_V], &st);
        cr_assert(!isfinite(st.sumsq), "non-finite entry in %s: sum of squares %g", at ? "an aux node" : "a worker", st.sumsq);
        free(x);
        fused_free(&f);
    }
}

/* The steps of a run allocate nothing: the reductions' scratch is kept (it grows in the first steps
 * at most), and a large enough state takes the parallel reductions that use it. */
Test(device, steps_allocate_no_scratch)
{
    fused_case f;
    fused_new(&f, 40000, 4, 0, 0);
    for (int k = 0; k < 3; k++) cr_assert_eq(tmx_sim_step(f.dev), TMX_OK, "%s", tmx_last_error());
    int64_t grown = tmx__device_scratch_allocs(f.dev);
    cr_assert(grown >= 1, "the reductions did not use the kept scratch");
    for (int k = 0; k < 5; k++) cr_assert_eq(tmx_sim_step(f.dev), TMX_OK, "%s", tmx_last_error());
    cr_assert_eq(tmx__device_scratch_allocs(f.dev), grown, "the scratch was reallocated in later steps");
    fused_free(&f);
}
