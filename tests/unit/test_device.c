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
