/* topomix sim — n agents running D-SGD and its relatives on one machine
 * (docs/definitions.md §6–§11). */
#include "cli_common.h"
#include "commands.h"
#include "sim_log.h"
#include <topomix/sim.h>

#include "data/data_internal.h" /* a rank's shards alone */

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum {
    OPT_ALGO = OPT_FIRST_FREE, OPT_PROBLEM, OPT_DATA, OPT_DIM, OPT_SAMPLES, OPT_HETERO, OPT_NOISE, OPT_CLASSES,
    OPT_PARTITION, OPT_HIDDEN, OPT_REG, OPT_ITERS, OPT_LR, OPT_MOMENTUM, OPT_QGMU, OPT_BATCH, OPT_PERIOD, OPT_ALPHA,
    OPT_AUX, OPT_INIT, OPT_SCHEDULE, OPT_DECAY, OPT_DECAYF, OPT_WARMUP, OPT_CTARGET, OPT_CPHASES, OPT_CMAX, OPT_LOG,
    OPT_LOGEVERY, OPT_CKPT, OPT_CKPTEVERY, OPT_RESUME, OPT_PRECISION, OPT_DEVICE, OPT_QUIET, OPT_COMPUTE, OPT_SLOW,
    OPT_LATENCY, OPT_BANDWIDTH, OPT_MSGBYTES, OPT_TARGET, OPT_TIMELIMIT, OPT_SEEDS
};

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: topomix sim --topology NAME -n N --algo ALGO --problem PROBLEM\n"
            "                   [--data FILE [--partition P] | --dim D --samples M] --batch B|full\n"
            "                   --iters T --lr LR [options]\n"
            "\n"
            "Simulates N agents (plus --aux auxiliary nodes for coop) gossiping over the topology and logs\n"
            "iter, loss = f(mean x), grad_norm2 = |grad f(mean x)|^2, consensus = (1/n) sum |x_i - mean x|^2,\n"
            "accuracy, gossip_rounds, messages, bytes_sent, lr, time (simulated seconds), staleness (adpsgd:\n"
            "mean updates of x_i by others between a gradient's snapshot and its application, over the\n"
            "interval's events; empty otherwise) every --log-every iterations.\n"
            "\n"
            "Algorithm:\n"
            "      --algo A          dsgd (adapt-then-combine) | dpsgd (combine-then-adapt) | dmsgd | vdmsgd |\n"
            "                        qgdmsgd | psgd (exact average) | local | easgd | coop |\n"
            "                        gt (gradient tracking) | adpsgd (asynchronous: each worker's gradient\n"
            "                        completion is an event in simulated time; it averages with one random\n"
            "                        neighbour, then applies its possibly stale gradient; --iters T means T x N\n"
            "                        events; no --consensus-target, no --aux) | sgp (stochastic gradient push:\n"
            "                        push-sum of the models and one weight per agent over a column-stochastic\n"
            "                        W, e.g. --weights push on a directed graph; gradients and metrics at the\n"
            "                        de-biased z_i = x_i / w_i; no --consensus-target); the updates:\n"
            "                        docs/definitions.md sections 6, 16 and 20\n"
            "      --iters T         iterations (default 100)\n"
            "      --lr LR           step size (default 0.1)\n"
            "      --lr-schedule S   const (default) | step | cosine\n"
            "      --lr-decay F,...  step schedule: decay at these fractions of T (phases for consensus control)\n"
            "      --lr-decay-factor F  multiply the step size by F in (0, 1] at each decay (default 0.1)\n"
            "      --warmup K        linear warm-up over the first K iterations\n"
            "      --momentum BETA   dmsgd/vdmsgd/qgdmsgd, in [0, 1) (default 0.9)\n"
            "      --qg-mu MU        qgdmsgd's mu, in [0, 1) (default: BETA)\n"
            "      --batch B|full    minibatch per agent per step, sampled from the seed; full: whole shard\n"
            "      --period K        local/easgd/coop: communicate every K steps (default 4)\n"
            "      --alpha A         easgd elasticity, 0 < A < 2/(N+1) (default 0.1)\n"
            "      --aux V           coop: auxiliary nodes (the topology then has N + V nodes)\n"
            "      --init S          initial models S * N(0, 1), identical on every agent; S = 0: zeros.\n"
            "                        Default: zeros for logreg-nc and lsq-nc; for mlp, Glorot uniform weights\n"
            "                        U(-a, a), a = sqrt(6/(fan_in + fan_out)) per layer, and zero biases\n"
            "      --consensus-target const:F | adaptive:F\n"
            "                        after each step, gossip until consensus <= F x (max uncontrolled distance\n"
            "                        of the phase | EMA of the mean local gradient norm^2)\n"
            "      --control-phases P,...  phases (0-based, split by --lr-decay) where control applies\n"
            "                        (default: all)\n"
            "      --control-max-rounds R  cap on extra gossip rounds per step (default 1000)\n"
            "\n");
    fprintf(f,
            "Simulated wall-clock (docs/definitions.md section 15; it never changes the models, but for adpsgd,\n"
            "whose events it orders):\n"
            "      --compute-time D  seconds per local step on a node: T (constant; default 0.1) | exp:T |\n"
            "                        lognormal:T,SIGMA (both with mean T) | uniform:A,B; drawn per (seed, node,\n"
            "                        iteration), so the time column is as reproducible as the rest of the log\n"
            "      --slow I:F[,I:F...]  node I's compute times are F times longer (F > 0)\n"
            "      --latency A       seconds per message (default 1e-5)\n"
            "      --bandwidth B     bytes per second per link and direction (default 1.25e9, 10 Gbit/s)\n"
            "      --message-bytes S bytes of one model message (default: the model's, p x 8, or p x 4 with\n"
            "                        --precision f32); e.g. 102e6 stands in for ResNet-50 in f32\n"
            "  Gossip: node i starts step k+1 once it and the nodes it receives from are done with step k, then\n"
            "  pays max(in-degree, out-degree) x (A + S/B) (gt: twice, x and y); psgd, local's and easgd's\n"
            "  averaging and coop with W = J wait for every node, then pay a ring All-Reduce\n"
            "  2(n-1)(A + S/(n B)); local steps pay their compute only. adpsgd: no barrier; a worker's pairwise\n"
            "  average costs it 2(A + S/B) before its next gradient (its partner is not blocked).\n"
            "      --target-loss L   stop at the first logged row with loss <= L\n"
            "      --time-limit T    stop after the first step at which the simulated time reaches T seconds\n"
            "\n");
    fprintf(f,
            "Problem and data:\n"
            "      --problem P       logreg-nc | lsq-nc | mlp (default logreg-nc)\n"
            "      --data FILE       LIBSVM/SVMlight file (labels <= 0 -> -1 for binary problems)\n"
            "      --partition P     contiguous (default) | shuffle | label-skew:ALPHA (per class,\n"
            "                        Dirichlet(ALPHA) shares over the shards; a shard left empty gets one\n"
            "                        sample of the largest shard). Every partition needs >= N samples.\n"
            "      --dim D           features (synthetic data, or to fix a LIBSVM file's d)\n"
            "      --samples M       synthetic samples per agent (default 200)\n"
            "      --hetero H        synthetic: shift of each shard's feature mean (default 0)\n"
            "      --noise S         synthetic label noise (default 0.1)\n"
            "      --classes C       synthetic classes for mlp (default 3)\n"
            "      --hidden H        mlp hidden units (default 16)\n"
            "      --reg LAMBDA      non-convex regulariser weight (default 1e-3)\n"
            "\n"
            "Topology:\n"
            "      --topology NAME   a family of 'topomix topo --list' (complete ring dring star grid torus\n"
            "                        hypercube er exp onepeer-exp onepeer-hypercube bipartite-exp matching\n"
            "                        base-k equistatic equidyn sym-exp npeer-exp ring-antipodal\n"
            "                        two-cliques binary-tree margulis cycle-plus-inverse random-regular\n"
            "                        small-world random-ring; periodic and random ones give W^(k) at\n"
            "                        iteration k) or file:PATH, a Matrix Market\n"
            "                        matrix over N (+ V) nodes\n"
            "      --seed S          seeds, each through its own stream: the random topologies' draws, the\n"
            "                        synthetic data, the shuffle and label-skew partitions, the minibatch\n"
            "                        samples and the initial models (default 1). Same seed, same log.\n"
            "      --seeds A:B       run the configuration once per seed A..B (one after the other), each\n"
            "                        with its own log: the seed goes before --log's extension (run.csv ->\n"
            "                        run.seed3.csv; so for --checkpoint); needs --log FILE, not with --seed or\n"
            "                        --resume; stops at the first run that fails, with its exit status\n"
            "  The options below are those of topomix topo (--seed as above; --step does not apply).\n"
            CLI_TOPO_HELP
            "\n");
    fprintf(f,
            "Output and runs:\n"
            "      --log FILE        metrics log (default standard output); it starts with the run's settings\n"
            "                        as '# key=value' lines (JSON: a first {\"settings\": {...}} line)\n"
            "      --log-every K     a row every K iterations (default 10), plus iteration 0 and the last\n"
            "      --format F        csv (default) | json (JSON lines)\n"
            "      --checkpoint FILE --checkpoint-every K   write the state every K iterations\n"
            "      --resume FILE     continue from a checkpoint (bit-identical to an uninterrupted run)\n"
            "      --precision P     f64 (default) | f32: state, gossip, gradients and a copy of the data in\n"
            "                        single precision; the logged metrics are evaluated in double at mean x\n"
            "      --device cpu|gpu  where the agents' state lives and is computed: cpu (default) | gpu, the\n"
            "                        device backend (Thrust kernels: on the GPU in a -Ddevice=cuda build, on the\n"
            "                        host's cores in a -Ddevice=omp build); same trajectory to rounding; the\n"
            "                        summary and the log's settings name the device (docs/definitions.md section 23)\n"
            "      --quiet           no progress bar or summary on stderr\n"
            "  Under MPI (a build with -Dmpi): mpirun -np R topomix sim ... splits the agents into R blocks,\n"
            "  one per rank, with the same options and the same log byte for byte (one thread per rank and\n"
            "  in the one-process run); rank 0 writes the log, the summary and checkpoints; no adpsgd,\n"
            "  --device gpu or --seeds (docs/definitions.md section 24)\n"
            "  -h, --help            this help\n"
            "\n"
            "SIGINT/SIGTERM flush the log and write a checkpoint (--checkpoint FILE, else topomix-sim.ckpt).\n"
            "Exit status: 0 ok, 1 runtime failure, 2 usage error, 3 NaN/Inf in the state (log kept),\n"
            "130/143 interrupted (checkpoint written).\n");
}

/* Under mpirun a rank holds its agents' shards alone (docs/definitions.md section 24): the partition
 * is made from the whole dataset's labels, then the rank keeps (or generates) its agents' rows. */
typedef struct shard_pick {
    int64_t n, aux;
    tmx_partition_kind kind;
    double alpha;
    uint64_t seed;
    tmx_partition *P;
} shard_pick;

static tmx_status pick_shards(void *ctx, const tmx_dataset *labels, const int64_t **rows, int64_t *count)
{
    shard_pick *k = ctx;
    tmx_status st = tmx_partition_make(labels, k->n, k->kind, k->alpha, k->seed, k->P);
    if (st != TMX_OK) return st;
    int64_t a0, a1;
    tmx_sim_mpi_agents(k->n, k->aux, &a0, &a1);
    *count = k->P->start[a1] - k->P->start[a0];
    /* every sample on this rank (the others hold auxiliary nodes alone): the dataset as it is */
    *rows = *count == k->P->m ? NULL : k->P->order + k->P->start[a0];
    return TMX_OK;
}

static volatile sig_atomic_t stop_signal = 0;
static void on_signal(int sig) { stop_signal = sig; }

/* --seeds: PATH with ".seedS" before its extension (the last '.' of the file name, not a leading one). */
static char *seed_path(const char *path, uint64_t seed)
{
    const char *base = strrchr(path, '/'), *dot = strrchr(base ? base + 1 : path, '.');
    base = base ? base + 1 : path;
    size_t stem = dot && dot > base ? (size_t)(dot - path) : strlen(path);
    char *out = malloc(strlen(path) + 32);
    if (!out) cli_die(1, "out of memory");
    sprintf(out, "%.*s.seed%llu%s", (int)stem, path, (unsigned long long)seed, path + stem);
    return out;
}

/* --seeds A:B: runs each seed in a child process, one after the other, and returns in the child
 * (with *seed set) to do its run; the parent returns the first failing child's exit status, or 0.
 * Each child is this process forked before any data or state exists, so the runs are those of
 * separate commands. A signal is passed on to the running child, which saves its checkpoint. */
static int run_seeds(uint64_t first, uint64_t last, uint64_t *seed)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: waitpid returns to pass the signal on */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    for (uint64_t s = first;; s++) {
        fflush(NULL);
        pid_t pid = fork();
        if (pid < 0) cli_die(1, "--seeds: cannot start the run of seed %llu: %s", (unsigned long long)s, strerror(errno));
        if (pid == 0) {
            *seed = s;
            return -1;
        }
        int status, passed = 0;
        while (waitpid(pid, &status, 0) < 0) {
            if (errno != EINTR) cli_die(1, "--seeds: lost the run of seed %llu: %s", (unsigned long long)s, strerror(errno));
            if (stop_signal && !passed) kill(pid, stop_signal), passed = 1;
        }
        int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        if (code != 0 || stop_signal) return code ? code : 128 + stop_signal;
        if (s == last) return 0;
    }
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void progress(int64_t k, int64_t T, double loss)
{
    int width = 30, fill = T > 0 ? (int)(width * k / T) : width;
    fprintf(stderr, "\r[%.*s%*s] %3d%% iter %lld/%lld loss %.4g ", fill, "##############################", width - fill, "",
            T > 0 ? (int)(100 * k / T) : 100, (long long)k, (long long)T, loss);
    fflush(stderr);
}

/* --slow I:F[,I:F...] over n workers: n factors, 1 where not given. */
static double *parse_slow(const char *s, int64_t n)
{
    double *f = malloc((size_t)n * sizeof *f);
    char *copy = strdup(s), *save = NULL;
    if (!f || !copy) cli_die(1, "out of memory");
    for (int64_t i = 0; i < n; i++) f[i] = NAN; /* not given yet */
    int count = 0;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save), count++) {
        char *colon = strchr(tok, ':');
        if (!colon) cli_usage("--slow expects I:F[,I:F...] (node I is F times slower), got '%s'", tok);
        *colon = '\0';
        int64_t i = cli_int("--slow node", tok, 0, INT64_MAX);
        if (i >= n) cli_usage("--slow: node %lld is not one of the %lld workers (0..%lld)", (long long)i, (long long)n,
                              (long long)n - 1);
        double x = cli_double("--slow factor", colon + 1);
        if (!(x > 0)) cli_usage("--slow factor must be > 0, got %s", colon + 1);
        if (!isnan(f[i])) cli_usage("--slow names node %lld twice", (long long)i);
        f[i] = x;
    }
    free(copy);
    if (count == 0) cli_usage("--slow expects I:F[,I:F...], got '%s'", s);
    for (int64_t i = 0; i < n; i++)
        if (isnan(f[i])) f[i] = 1.0;
    return f;
}

static int parse_fractions(const char *s, double *out, int max)
{
    int count = 0;
    char *copy = strdup(s), *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (count == max) cli_usage("--lr-decay: at most %d decay points", max);
        out[count++] = cli_double("--lr-decay", tok);
    }
    free(copy);
    if (count == 0) cli_usage("--lr-decay needs at least one fraction");
    return count;
}

/* The summary's second line: simulated time, its split, and why the run stopped. */
static void clock_summary(const tmx_sim_metrics *m, int have_target, double target, int reached, int timed_out,
                          double limit)
{
    double T = m->time, wait = T - m->time_compute - m->time_comm;
    fprintf(stderr, "# simulated time %.6g s", T);
    if (T > 0)
        fprintf(stderr, " (per node: compute %.1f%%, communication %.1f%%, waiting %.1f%%)", 100.0 * m->time_compute / T,
                100.0 * m->time_comm / T, 100.0 * (wait > 0 ? wait : 0.0) / T);
    if (have_target && reached)
        fprintf(stderr, "; loss <= %g at iteration %lld, simulated time to target %.6g s", target, (long long)m->iter, T);
    else if (have_target)
        fprintf(stderr, "; target loss %g not reached (last logged loss %.6g)", target, m->loss);
    if (timed_out && !reached) fprintf(stderr, "; stopped at --time-limit %g s (iteration %lld)", limit, (long long)m->iter);
    if (m->events > 0) fprintf(stderr, "; %lld gradient events", (long long)m->events);
    fputc('\n', stderr);
}

int cmd_sim(int argc, char **argv)
{
    static const struct option opts[] = {
        /* Algorithm */
        {"algo", required_argument, NULL, OPT_ALGO},
        {"iters", required_argument, NULL, OPT_ITERS},
        {"lr", required_argument, NULL, OPT_LR},
        {"lr-schedule", required_argument, NULL, OPT_SCHEDULE},
        {"lr-decay", required_argument, NULL, OPT_DECAY},
        {"lr-decay-factor", required_argument, NULL, OPT_DECAYF},
        {"warmup", required_argument, NULL, OPT_WARMUP},
        {"momentum", required_argument, NULL, OPT_MOMENTUM},
        {"qg-mu", required_argument, NULL, OPT_QGMU},
        {"batch", required_argument, NULL, OPT_BATCH},
        {"period", required_argument, NULL, OPT_PERIOD},
        {"alpha", required_argument, NULL, OPT_ALPHA},
        {"aux", required_argument, NULL, OPT_AUX},
        {"init", required_argument, NULL, OPT_INIT},
        {"consensus-target", required_argument, NULL, OPT_CTARGET},
        {"control-phases", required_argument, NULL, OPT_CPHASES},
        {"control-max-rounds", required_argument, NULL, OPT_CMAX},
        /* Problem and data */
        {"problem", required_argument, NULL, OPT_PROBLEM},
        {"data", required_argument, NULL, OPT_DATA},
        {"partition", required_argument, NULL, OPT_PARTITION},
        {"dim", required_argument, NULL, OPT_DIM},
        {"samples", required_argument, NULL, OPT_SAMPLES},
        {"hetero", required_argument, NULL, OPT_HETERO},
        {"noise", required_argument, NULL, OPT_NOISE},
        {"classes", required_argument, NULL, OPT_CLASSES},
        {"hidden", required_argument, NULL, OPT_HIDDEN},
        {"reg", required_argument, NULL, OPT_REG},
        /* Topology */
        CLI_TOPO_LONGOPTS,
        {"step", required_argument, NULL, OPT_STEP},
        /* Output and runs */
        {"log", required_argument, NULL, OPT_LOG},
        {"log-every", required_argument, NULL, OPT_LOGEVERY},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"checkpoint", required_argument, NULL, OPT_CKPT},
        {"checkpoint-every", required_argument, NULL, OPT_CKPTEVERY},
        {"resume", required_argument, NULL, OPT_RESUME},
        {"precision", required_argument, NULL, OPT_PRECISION},
        {"device", required_argument, NULL, OPT_DEVICE},
        {"quiet", no_argument, NULL, OPT_QUIET},
        /* Simulated wall-clock */
        {"compute-time", required_argument, NULL, OPT_COMPUTE},
        {"slow", required_argument, NULL, OPT_SLOW},
        {"latency", required_argument, NULL, OPT_LATENCY},
        {"bandwidth", required_argument, NULL, OPT_BANDWIDTH},
        {"message-bytes", required_argument, NULL, OPT_MSGBYTES},
        {"target-loss", required_argument, NULL, OPT_TARGET},
        {"time-limit", required_argument, NULL, OPT_TIMELIMIT},
        {"seeds", required_argument, NULL, OPT_SEEDS},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    /* under mpirun (docs/definitions.md section 24): MPI, and one voice, rank 0's; alone: nothing */
    int ranks = tmx_sim_mpi_start(), root = tmx_sim_mpi_rank() == 0;
    tmx_sim_mpi_quiet(); /* the other ranks: a failure of their own alone reaches stderr, as one line */
    cli_topo c;
    cli_topo_init(&c);
    tmx_sim_config cfg;
    tmx_sim_config_init(&cfg);
    tmx_synth_params sp;
    tmx_synth_params_init(&sp);
    sp.d = 100;
    sp.per_shard = 200;
    const char *data = NULL, *logpath = NULL, *ckpt = NULL, *resume = NULL, *partition = "contiguous";
    int64_t dim = 0, log_every = 10, ckpt_every = 0, classes = 3;
    int json = 0, quiet = 0, have_dim = 0, have_target = 0, have_cmax = 0, opt;
    double target_loss = 0.0, time_limit = INFINITY;
    const char *slow = NULL;
    uint64_t seed_first = 0, seed_last = 0;
    char *seed_log = NULL, *seed_ckpt = NULL;
    int have_seeds = 0, have_seed = 0;
    tmx_status st;
    cli_prog = "topomix sim";
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":hn:", opts, NULL)) != -1) {
        have_seed |= opt == OPT_SEED;
        if (cli_topo_option(&c, opt, optarg)) continue;
        switch (opt) {
        case 'h': usage(stdout); return 0;
        case OPT_SEEDS: {
            const char *colon = strchr(optarg, ':');
            if (!colon || strchr(colon + 1, ':')) cli_usage("--seeds expects A:B (seeds A to B), got '%s'", optarg);
            char first[32];
            snprintf(first, sizeof first, "%.*s", (int)(colon - optarg) < 31 ? (int)(colon - optarg) : 31, optarg);
            seed_first = cli_u64("--seeds", first);
            seed_last = cli_u64("--seeds", colon + 1);
            if (seed_first > seed_last) cli_usage("--seeds A:B needs A <= B, got '%s'", optarg);
            have_seeds = 1;
            break;
        }
        case OPT_ALGO:
            if (tmx_algo_parse(optarg, &cfg.algo) != TMX_OK) cli_die_status(TMX_EINVAL);
            break;
        case OPT_PROBLEM:
            if (tmx_problem_parse(optarg, &cfg.problem) != TMX_OK) cli_die_status(TMX_EINVAL);
            break;
        case OPT_ITERS: cfg.iters = cli_int("--iters", optarg, 0, (int64_t)1 << 40); break;
        case OPT_LR:
            cfg.lr = cli_double("--lr", optarg);
            if (!(cfg.lr > 0)) cli_usage("--lr must be > 0, got %s", optarg);
            break;
        case OPT_SCHEDULE:
            if (!strcmp(optarg, "const")) cfg.schedule = TMX_LR_CONST;
            else if (!strcmp(optarg, "step")) cfg.schedule = TMX_LR_STEP;
            else if (!strcmp(optarg, "cosine")) cfg.schedule = TMX_LR_COSINE;
            else cli_usage("unknown --lr-schedule '%s' (const, step, cosine)", optarg);
            break;
        case OPT_DECAY:
            cfg.ndecay = parse_fractions(optarg, cfg.decay_at, TMX_SIM_MAX_DECAYS);
            if (cfg.schedule == TMX_LR_CONST) cfg.schedule = TMX_LR_STEP;
            break;
        case OPT_DECAYF: cfg.decay_factor = cli_double("--lr-decay-factor", optarg); break;
        case OPT_WARMUP: cfg.warmup = cli_int("--warmup", optarg, 0, (int64_t)1 << 40); break;
        case OPT_MOMENTUM: cfg.momentum = cli_double("--momentum", optarg); break;
        case OPT_QGMU:
            cfg.qg_mu = cli_double("--qg-mu", optarg);
            if (!(cfg.qg_mu >= 0.0 && cfg.qg_mu < 1.0)) cli_usage("--qg-mu must be in [0, 1), got %s", optarg);
            break;
        case OPT_BATCH: cfg.batch = strcmp(optarg, "full") == 0 ? 0 : cli_int("--batch", optarg, 1, 1 << 24); break;
        case OPT_PERIOD: cfg.period = cli_int("--period", optarg, 1, (int64_t)1 << 40); break;
        case OPT_ALPHA: cfg.alpha = cli_double("--alpha", optarg); break;
        case OPT_AUX: cfg.aux = cli_int("--aux", optarg, 0, 1 << 20); break;
        case OPT_INIT:
            cfg.init_scale = cli_double("--init", optarg);
            if (!(cfg.init_scale >= 0.0)) cli_usage("--init must be >= 0, got %s", optarg);
            break;
        case OPT_CTARGET: {
            const char *colon = strchr(optarg, ':');
            if (!colon) cli_usage("--consensus-target expects const:F or adaptive:F, got '%s'", optarg);
            if (!strncmp(optarg, "const:", 6)) cfg.control = TMX_CONTROL_CONST;
            else if (!strncmp(optarg, "adaptive:", 9)) cfg.control = TMX_CONTROL_ADAPTIVE;
            else cli_usage("--consensus-target expects const:F or adaptive:F, got '%s'", optarg);
            cfg.control_factor = cli_double("--consensus-target factor", colon + 1);
            break;
        }
        case OPT_CPHASES: {
            char *copy = strdup(optarg), *save = NULL;
            cfg.control_phases = 0;
            for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
                cfg.control_phases |= 1u << cli_int("--control-phases", tok, 0, TMX_SIM_MAX_DECAYS);
            free(copy);
            break;
        }
        case OPT_CMAX:
            cfg.control_max_rounds = cli_int("--control-max-rounds", optarg, 1, 1 << 30);
            have_cmax = 1;
            break;
        case OPT_DATA: data = optarg; break;
        case OPT_PARTITION: partition = optarg; break;
        case OPT_DIM: dim = cli_int("--dim", optarg, 1, (int64_t)1 << 40), have_dim = 1; break;
        case OPT_SAMPLES: sp.per_shard = cli_int("--samples", optarg, 1, (int64_t)1 << 40); break;
        case OPT_HETERO: sp.hetero = cli_double("--hetero", optarg); break;
        case OPT_NOISE: sp.noise = cli_double("--noise", optarg); break;
        case OPT_CLASSES: classes = cli_int("--classes", optarg, 2, 1 << 20); break;
        case OPT_HIDDEN: cfg.hidden = cli_int("--hidden", optarg, 1, 1 << 24); break;
        case OPT_REG: cfg.reg = cli_double("--reg", optarg); break;
        case OPT_STEP: cli_usage("--step does not apply to sim (every step uses W^(k) of its iteration)");
        case OPT_LOG: logpath = optarg; break;
        case OPT_LOGEVERY: log_every = cli_int("--log-every", optarg, 1, (int64_t)1 << 40); break;
        case OPT_FORMAT:
            if (!strcmp(optarg, "csv")) json = 0;
            else if (!strcmp(optarg, "json")) json = 1;
            else cli_usage("unknown --format '%s' (csv, json)", optarg);
            break;
        case OPT_CKPT: ckpt = optarg; break;
        case OPT_CKPTEVERY: ckpt_every = cli_int("--checkpoint-every", optarg, 1, (int64_t)1 << 40); break;
        case OPT_RESUME: resume = optarg; break;
        case OPT_PRECISION:
            if (tmx_precision_parse(optarg, &cfg.precision) != TMX_OK) cli_die_status(TMX_EINVAL);
            break;
        case OPT_DEVICE:
            if (tmx_device_parse(optarg, &cfg.device) != TMX_OK) cli_die_status(TMX_EINVAL);
            break;
        case OPT_QUIET: quiet = 1; break;
        case OPT_COMPUTE:
            if (tmx_compute_time_parse(optarg, &cfg) != TMX_OK) cli_die_status(TMX_EINVAL);
            break;
        case OPT_SLOW: slow = optarg; break;
        case OPT_LATENCY:
            cfg.latency = cli_double("--latency", optarg);
            if (!(cfg.latency >= 0)) cli_usage("--latency must be >= 0 seconds, got %s", optarg);
            break;
        case OPT_BANDWIDTH:
            cfg.bandwidth = cli_double("--bandwidth", optarg);
            if (!(cfg.bandwidth > 0)) cli_usage("--bandwidth must be > 0 bytes/s, got %s", optarg);
            break;
        case OPT_MSGBYTES:
            cfg.message_bytes = cli_double("--message-bytes", optarg);
            if (!(cfg.message_bytes >= 0)) cli_usage("--message-bytes must be >= 0, got %s", optarg);
            break;
        case OPT_TARGET: target_loss = cli_double("--target-loss", optarg), have_target = 1; break;
        case OPT_TIMELIMIT:
            time_limit = cli_double("--time-limit", optarg);
            if (!(time_limit > 0)) cli_usage("--time-limit must be > 0 seconds, got %s", optarg);
            break;
        default: cli_bad_option(opt, argv);
        }
    }
    if (optind < argc) cli_usage("unexpected argument '%s'", argv[optind]);
    if (!c.name) cli_usage("--topology NAME is required (see topomix topo --list)");
    if (!c.have_n) cli_usage("-n N (number of agents) is required");
    if (ckpt_every && !ckpt) cli_usage("--checkpoint-every needs --checkpoint FILE");
    if (cfg.algo == TMX_ALGO_ADPSGD && (cfg.control != TMX_CONTROL_NONE || have_cmax))
        cli_usage("--%s does not apply to --algo adpsgd (no synchronous gossip rounds to repeat)",
                  have_cmax && cfg.control == TMX_CONTROL_NONE ? "control-max-rounds" : "consensus-target");
    if (cfg.algo == TMX_ALGO_SGP && (cfg.control != TMX_CONTROL_NONE || have_cmax))
        cli_usage("--%s does not apply to --algo sgp (extra gossip rounds would have to carry the push-sum weights)",
                  have_cmax && cfg.control == TMX_CONTROL_NONE ? "control-max-rounds" : "consensus-target");
    if (logpath && strcmp(logpath, "-") && ckpt && tmx__ofile_same(logpath, ckpt))
        cli_usage("--log and --checkpoint name the same file (%s)", logpath);
    if (logpath && strcmp(logpath, "-") && resume && tmx__ofile_same(logpath, resume))
        cli_usage("--log and --resume name the same file (%s)", logpath);
    if (data && (sp.hetero != 0.0)) cli_usage("--hetero applies to synthetic data, not --data");
    if (have_seeds && ranks > 1) cli_usage("--seeds runs the seeds as processes of their own; under mpirun run one seed per job");
    if (have_seeds) {
        if (have_seed) cli_usage("--seeds and --seed both given; --seeds A:B runs seeds A to B");
        if (!logpath || !strcmp(logpath, "-")) cli_usage("--seeds needs --log FILE (one log per seed: FILE.seedS)");
        if (resume) cli_usage("--resume continues one run; it does not combine with --seeds");
        int code = run_seeds(seed_first, seed_last, &c.par.seed);
        if (code >= 0) return code;
        logpath = seed_log = seed_path(logpath, c.par.seed); /* the child: one run, its own files */
        if (ckpt) ckpt = seed_ckpt = seed_path(ckpt, c.par.seed);
    }
    char device[256] = "";
    /* no device backend: usage (2); a CUDA build without a GPU: runtime (1), naming the CUDA error */
    if (cfg.device == TMX_DEVICE_GPU && (st = tmx_sim_device_name(device, sizeof device)) != TMX_OK) cli_die_status(st);
    int64_t n = c.par.n;
    double *slowdown = slow ? parse_slow(slow, n) : NULL;
    cfg.slowdown = slowdown;

    /* data and partition */
    double t_setup = now(); /* start-up: data, partition, topology and state, reported on its own */
    tmx_dataset D = {0};
    tmx_partition P = {0};
    tmx_label_mode mode = cfg.problem == TMX_PROB_MLP ? TMX_LABELS_CLASSES
                          : cfg.problem == TMX_PROB_LSQ_NC ? TMX_LABELS_RAW : TMX_LABELS_BINARY;
    tmx_partition_kind pk;
    double alpha = 0;
    if (tmx_partition_parse(partition, &pk, &alpha) != TMX_OK) cli_die_status(TMX_EINVAL);
    shard_pick pick = {.n = n, .aux = cfg.aux, .kind = pk, .alpha = alpha, .seed = c.par.seed, .P = &P};
    if (!data) {
        sp.shards = n;
        if (have_dim) sp.d = dim;
        sp.seed = c.par.seed;
        sp.mode = mode;
        sp.nclass = classes;
    }
    if (ranks > 1) /* this rank's shards alone */
        st = data ? tmx__libsvm_read_rows(data, dim, mode, pick_shards, &pick, &D)
                  : tmx__synth_pick(&sp, pk == TMX_PART_LABEL_SKEW, pick_shards, &pick, &D);
    else
        st = data ? tmx_libsvm_read_file(data, dim, mode, &D) : tmx_data_synth(&sp, &D);
    if (ranks > 1) st = tmx_sim_mpi_agree(st); /* a rank that cannot hold its shards: all refuse, rank 0 names it */
    if (st != TMX_OK) cli_die_status(st);
    if (ranks == 1 && (st = tmx_partition_make(&D, n, pk, alpha, c.par.seed, &P)) != TMX_OK) cli_die_status(st);

    /* topology over n + aux nodes */
    cli_topo tc = c;
    tc.par.n = n + cfg.aux;
    tmx_topo *topo = cli_topo_new(&tc);
    /* a diverging run helps no one; sgp takes a push-sum W, whose rows need not sum to 1 */
    if ((st = tmx_topo_check_mixing(topo, 0, cfg.algo == TMX_ALGO_SGP ? TMX_MIXING_PUSH : 0)) != TMX_OK)
        cli_die_status(st);
    cfg.seed = c.par.seed;
    tmx_sim *s = NULL;
    if ((st = tmx_sim_new(&cfg, topo, &D, &P, &s)) != TMX_OK) cli_die_status(st);
    if (resume && (st = tmx_sim_load(s, resume)) != TMX_OK) cli_die_status(st);

    const char *ckpath = ckpt ? ckpt : "topomix-sim.ckpt"; /* also where an interrupt saves */
    /* a checkpoint that cannot be written is found now, not at the first save hours later */
    if ((st = tmx_sim_mpi_agree(root ? tmx_sim_checkpoint_writable(ckpath) : TMX_OK)) != TMX_OK) { /* rank 0 writes */
        if (ckpt) cli_die_status(st);
        /* without --checkpoint only an interrupt would write one: say so then */
    }
    sim_log log;
    sim_settings set = {.cfg = &cfg, .topo = topo, .topology = c.name, .n = n, .p = tmx_sim_dim(s), .data = data,
                        .synth = &sp, .partition = partition, .device = device[0] ? device : NULL};
    tmx_sim_mpi_collective(0); /* from here a failure (a log write on rank 0) may be one rank's */
    if (root) sim_log_open(&log, logpath, json, resume ? tmx_sim_iter(s) : -1, &set);
    else memset(&log, 0, sizeof log); /* the other ranks write nothing (sim_log's calls do nothing) */

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    if (ranks == 1) { /* under mpirun an interrupt ends the job (mpirun's signals); --checkpoint-every saves */
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
    }
    int bar = !quiet && isatty(STDERR_FILENO);
    tmx_sim_metrics m;
    int rc = 0, have_m = 0, reached = 0, timed_out = 0;
    int64_t start = tmx_sim_iter(s);
    double t0 = now(), startup = t0 - t_setup;
    if (start == 0) {
        if ((st = tmx_sim_metrics_get(s, &m)) != TMX_OK) cli_die_status(st);
        have_m = 1;
        sim_log_row(&log, &m);
        reached = have_target && m.loss <= target_loss;
    }
    while (!reached && tmx_sim_iter(s) < cfg.iters) {
        st = tmx_sim_step(s);
        int64_t k = tmx_sim_iter(s);
        timed_out = isfinite(time_limit) && tmx_sim_time(s) >= time_limit; /* the max is O(N) */
        if (st == TMX_ENOCONV) {
            if (bar) fputc('\n', stderr);
            sim_log_commit(&log); /* the rows show the divergence: keep them */
            fprintf(stderr, "topomix sim: %s\n", tmx_last_error());
            rc = 3;
            break;
        }
        if (st != TMX_OK) cli_die_status(st);
        if (k % log_every == 0 || k == cfg.iters || timed_out) {
            if ((st = tmx_sim_metrics_get(s, &m)) != TMX_OK) {
                sim_log_commit(&log);
                fprintf(stderr, "topomix sim: %s\n", tmx_last_error());
                rc = 3;
                break;
            }
            have_m = 1;
            sim_log_row(&log, &m);
            if (bar) progress(k, cfg.iters, m.loss);
            reached = have_target && m.loss <= target_loss;
        }
        if (ckpt && ckpt_every && k % ckpt_every == 0) {
            sim_log_commit(&log); /* the log first: after a crash it never lags behind the checkpoint */
            if ((st = tmx_sim_save(s, ckpt)) != TMX_OK) cli_die_status(st);
        }
        if (stop_signal) {
            if (bar) fputc('\n', stderr);
            sim_log_commit(&log);
            st = tmx_sim_save(s, ckpath);
            if (st != TMX_OK) {
                fprintf(stderr, "topomix sim: interrupted at iteration %lld; could not write the checkpoint: %s\n",
                        (long long)k, tmx_last_error());
                sim_log_close(&log);
                rc = 1;
            } else {
                fprintf(stderr, "topomix sim: interrupted at iteration %lld; checkpoint written to %s (resume with --resume %s)\n",
                        (long long)k, ckpath, ckpath);
                rc = stop_signal == SIGINT ? 130 : 143;
            }
            break;
        }
        if (timed_out) break;
    }
    if (rc == 0 && !have_m && (st = tmx_sim_metrics_get(s, &m)) != TMX_OK) cli_die_status(st); /* nothing left to run */
    double dt = now() - t0;
    if (bar && rc == 0) fputc('\n', stderr);
    if (log.f) sim_log_close(&log);
    double halo_bytes = 0.0, rank_bytes = ranks > 1 ? tmx_sim_mpi_bytes(s, &halo_bytes) : 0.0; /* collective */
    double data_least = 0.0, data_whole = 0.0, data_most = ranks > 1 ? tmx_sim_mpi_data_bytes(s, &data_least, &data_whole) : 0.0;
    if (rc == 0 && !quiet) {
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        int64_t done = tmx_sim_iter(s) - start;
        fprintf(stderr,
                "# %s on %s, n=%lld, p=%lld, %s: %lld iterations in %.3f s (%.1f it/s, %.3g agent-steps/s; start-up %.3f s), "
                "final loss %.6g, consensus %.3g, peak memory %.1f MiB, seed %llu\n",
                tmx_algo_name(cfg.algo), tmx_topo_name(topo), (long long)n, (long long)tmx_sim_dim(s),
                tmx_problem_name(cfg.problem), (long long)done, dt, dt > 0 ? (double)done / dt : 0.0,
                dt > 0 ? (double)done * (double)n / dt : 0.0, startup, m.loss, m.consensus, (double)ru.ru_maxrss / 1024.0,
                (unsigned long long)cfg.seed);
        clock_summary(&m, have_target, target_loss, reached, timed_out, time_limit);
        if (device[0]) fprintf(stderr, "# device %s\n", device);
        double steps = (double)(tmx_sim_iter(s) > 0 ? tmx_sim_iter(s) : 1);
        if (ranks > 1)
            fprintf(stderr,
                    "# mpi: %d ranks; bytes sent between ranks per iteration %.6g (model columns %.6g, reductions %.6g); "
                    "the model's agent-to-agent bytes per iteration %.6g; data per rank %.6g to %.6g bytes (samples, "
                    "labels, partitions; the whole dataset's samples and labels %.6g)\n",
                    ranks, rank_bytes / steps, halo_bytes / steps, (rank_bytes - halo_bytes) / steps, m.bytes_sent / steps,
                    data_least, data_most, data_whole);
    }
    free(slowdown);
    free(seed_log);
    free(seed_ckpt);
    tmx_sim_free(s);
    tmx_topo_free(topo);
    tmx_partition_destroy(&P);
    tmx_dataset_destroy(&D);
    tmx_sim_mpi_collective(1); /* every rank ends here alike */
    return rc;
}
