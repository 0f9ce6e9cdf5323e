/* topomix simulator — n agents running D-SGD and its relatives in one process
 * (docs/definitions.md §6–§11).
 *
 * Agent state X is d × n, column-major: agent i's model is the contiguous column X[i·d .. i·d+d−1]
 * (Cooperative-SGD notation X ← X W). Gossip computes x_i ← Σ_j w_ij x_j with the sparse W^(k) of
 * the topology registry, blocked along d so that X streams through memory once, with the consensus
 * distance fused into the same pass. Minibatch indices come from a counter-based hash of
 * (seed, agent, iteration, slot), so a run depends only on its seed, and a checkpoint needs no
 * generator state. */
#ifndef TMX_SIM_H
#define TMX_SIM_H

#include <stdint.h>
#include <stdio.h>
#include <topomix/csr.h>
#include <topomix/data.h>
#include <topomix/error.h>
#include <topomix/export.h>
#include <topomix/topo.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tmx_algo {
    TMX_ALGO_DSGD,    /* adapt-then-combine: x_i ← Σ_j w_ij (x_j − γ g_j) */
    TMX_ALGO_DPSGD,   /* combine-then-adapt: x_i ← Σ_j w_ij x_j − γ g_i */
    TMX_ALGO_DMSGD,   /* m ← βm + g; x ← W(x − γm) */
    TMX_ALGO_VDMSGD,  /* m ← βm + g; x ← Wx − γm */
    TMX_ALGO_QGDMSGD, /* quasi-global momentum (Lin et al. 2021) */
    TMX_ALGO_PSGD,    /* exact average of the gradients (All-Reduce) */
    TMX_ALGO_LOCAL,   /* local SGD, x_i ← x̄ every `period` steps */
    TMX_ALGO_EASGD,   /* elastic averaging with an anchor z every `period` steps */
    TMX_ALGO_COOP,    /* Cooperative SGD A(period, W, aux) */
    TMX_ALGO_GT,      /* gradient tracking (DIGing / DSGT) */
    TMX_ALGO_ADPSGD,  /* asynchronous D-PSGD (Lian et al. 2018): event-driven pairwise averaging */
    TMX_ALGO_SGP,     /* stochastic gradient push (Assran et al. 2019): push-sum over a column-stochastic W */
    TMX_ALGO_COUNT
} tmx_algo;

typedef enum tmx_problem_kind { TMX_PROB_LOGREG_NC, TMX_PROB_LSQ_NC, TMX_PROB_MLP, TMX_PROB_COUNT } tmx_problem_kind;

typedef enum tmx_schedule { TMX_LR_CONST, TMX_LR_STEP, TMX_LR_COSINE } tmx_schedule;

typedef enum tmx_control { TMX_CONTROL_NONE, TMX_CONTROL_CONST, TMX_CONTROL_ADAPTIVE } tmx_control;

/* Arithmetic of the agents' state, gossip and gradients. f32 keeps models, buffers and a copy of
 * the data in single precision (the metrics are still evaluated in double at x̄). */
typedef enum tmx_precision { TMX_PREC_F64, TMX_PREC_F32 } tmx_precision;

#define TMX_SIM_MAX_DECAYS 8

/* Distribution of the seconds one local step takes on a node (the simulated clock,
 * docs/definitions.md §15): a constant T; exponential with mean T; lognormal with mean T and log-scale
 * SIGMA; uniform on [A, B]. */
typedef enum tmx_compute_dist { TMX_COMPUTE_CONST, TMX_COMPUTE_EXP, TMX_COMPUTE_LOGNORMAL, TMX_COMPUTE_UNIFORM } tmx_compute_dist;

/* Where the agents' state lives and is computed (docs/definitions.md §23): the CPU backend, or the
 * device backend, Thrust kernels built for CUDA (-Ddevice=cuda) or, in an OpenMP build
 * (-Ddevice=omp), the same kernels run on the host. Both give the same trajectory to rounding. */
typedef enum tmx_device { TMX_DEVICE_CPU, TMX_DEVICE_GPU } tmx_device;

typedef struct tmx_sim_config {
    tmx_algo algo;
    tmx_problem_kind problem;
    int64_t iters;       /* T ≥ 1 */
    double lr;           /* γ > 0 */
    double momentum;     /* β in [0, 1) */
    double qg_mu;        /* μ of QG-DmSGD in [0, 1); < 0 means μ = β */
    double reg;          /* λ ≥ 0 */
    int64_t hidden;      /* MLP hidden units ≥ 1 */
    int64_t batch;       /* B ≥ 1, or 0 for the full shard (deterministic) */
    uint64_t seed;
    int64_t period;      /* local/easgd/coop τ_c ≥ 1 */
    double alpha;        /* easgd α in (0, 2/(n+1)) */
    int64_t aux;         /* coop: auxiliary variables v ≥ 0 (the topology then has n + v nodes) */
    double init_scale;   /* x_i(0) = init_scale · N(0, 1) (same for every agent); 0: x_i = 0; −1 (the
                          * default): the problem's own, zeros or Glorot uniform for the MLP */
    tmx_schedule schedule;
    double decay_at[TMX_SIM_MAX_DECAYS]; /* fractions of T in (0, 1), increasing */
    int ndecay;
    double decay_factor; /* multiply γ by this, in (0, 1], at each decay (default 0.1) */
    int64_t warmup;      /* linear warm-up iterations */
    tmx_control control;
    double control_factor;
    unsigned control_phases; /* bit p: control in phase p (phases are separated by decays); 0 = all */
    int64_t control_max_rounds; /* cap on extra gossip rounds per step (default 1000) */
    tmx_precision precision;    /* default TMX_PREC_F64 */
    /* Simulated wall-clock (docs/definitions.md §15); it shapes the logged time only, never the models,
     * but for adpsgd, whose events it orders (§16). */
    tmx_compute_dist compute;   /* default TMX_COMPUTE_CONST */
    double compute_a, compute_b; /* const/exp: T (mean, s); lognormal: T, SIGMA; uniform: A, B (default 0.1, 0) */
    const double *slowdown;     /* n factors > 0 multiplying each worker's draws, or NULL (all 1); copied */
    double latency;             /* α, seconds per message ≥ 0 (default 1e-5) */
    double bandwidth;           /* B, bytes per second > 0 (default 1.25e9: 10 Gbit/s) */
    double message_bytes;       /* S, bytes of one model message ≥ 0; < 0 (default): the model's, p × 8 or × 4 */
    tmx_device device;          /* default TMX_DEVICE_CPU; TMX_DEVICE_GPU: the device backend (tmx_sim_new
                                 * refuses as tmx_sim_device_name does when there is none) */
} tmx_sim_config;

TMX_API void tmx_sim_config_init(tmx_sim_config *c);
TMX_API tmx_status tmx_algo_parse(const char *s, tmx_algo *out);
TMX_API const char *tmx_algo_name(tmx_algo a);
TMX_API tmx_status tmx_problem_parse(const char *s, tmx_problem_kind *out);
TMX_API const char *tmx_problem_name(tmx_problem_kind p);

/* Metrics at the current iterate; loss, grad_norm2 and accuracy are evaluated at x̄ on all data:
 * loss = f(x̄) = (1/n) Σ_i f_i(x̄) with f_i the mean over shard i plus the regulariser. */
typedef struct tmx_sim_metrics {
    int64_t iter;
    double loss, grad_norm2, consensus, accuracy; /* accuracy NaN for regression */
    double lr;
    int64_t gossip_rounds; /* cumulative gossip rounds (mixing steps), control rounds included;
                            * adpsgd: pairwise averages */
    int64_t messages;      /* cumulative point-to-point messages */
    double bytes_sent;     /* cumulative bytes: messages × model size × 8 */
    double control_target; /* consensus control: the target of the last step (0 without control) */
    int64_t control_capped;/* steps whose control stopped at the rounds cap above the target */
    double time;           /* simulated seconds: max_i t_i, when the last node is ready for the next step */
    double time_compute;   /* seconds of local steps so far, averaged over the nodes */
    double time_comm;      /* seconds of communication so far, averaged over the nodes (the rest of
                            * `time` is waiting for neighbours or for a barrier) */
    double staleness;      /* adpsgd: the mean staleness of the gradients applied since the previous
                            * tmx_sim_metrics_get (docs/definitions.md §16); NaN for synchronous
                            * algorithms and for an interval without events */
    int64_t events;        /* adpsgd: gradient events so far (n per iteration); 0 otherwise */
} tmx_sim_metrics;

typedef struct tmx_sim tmx_sim;

/* Creates a simulation over n = P->n agents (plus cfg->aux auxiliary nodes for coop): the topology
 * must have n + aux nodes. D and P must outlive the simulation (they are not copied).
 * Refuses (TMX_ENOMEM) a state that would not fit, with the estimate. */
TMX_API tmx_status tmx_sim_new(const tmx_sim_config *cfg, const tmx_topo *topo, const tmx_dataset *D, const tmx_partition *P,
                       tmx_sim **out);
TMX_API void tmx_sim_free(tmx_sim *s);

/* One iteration (adpsgd: n gradient events, in simulated-time order). TMX_ENOCONV when the state
 * holds NaN or Inf afterwards (the message names the iteration). */
TMX_API tmx_status tmx_sim_step(tmx_sim *s);
TMX_API int64_t tmx_sim_iter(const tmx_sim *s);
TMX_API int64_t tmx_sim_dim(const tmx_sim *s); /* model dimension p */
TMX_API tmx_status tmx_sim_metrics_get(tmx_sim *s, tmx_sim_metrics *m);
/* Agent i's model (0 ≤ i < n + aux), p doubles, read-only. In f32, or on the device backend (read
 * back from device memory), it is a copy, valid until the next call. */
TMX_API const double *tmx_sim_model(const tmx_sim *s, int64_t i);
/* Bytes of memory the simulation holds (state, buffers, workspaces; the data not included). */
TMX_API double tmx_sim_bytes(const tmx_sim *s);
/* Estimate before creating: bytes for (cfg, n, p). */
TMX_API double tmx_sim_estimate_bytes(const tmx_sim_config *cfg, int64_t n, int64_t p, int64_t aux);
TMX_API tmx_status tmx_precision_parse(const char *s, tmx_precision *out);
/* "cpu" or "gpu". */
TMX_API tmx_status tmx_device_parse(const char *s, tmx_device *out);
/* The device backend's system and device, e.g. "thrust-omp on the host (2 threads)" or
 * "thrust-cuda on NVIDIA H200 (sm_90, 139.8 GiB)", into buf (may be NULL). TMX_EUNSUP when this build
 * has no device backend; TMX_ESYS, naming the CUDA error, when a CUDA build finds no usable GPU. */
TMX_API tmx_status tmx_sim_device_name(char *buf, size_t len);
/* 1 when --device gpu would run here (a device backend is built and, for CUDA, a GPU answers). */
TMX_API int tmx_sim_device_available(void);
/* The backend the simulation runs on: "cpu", "thrust-omp" or "thrust-cuda". */
TMX_API const char *tmx_sim_backend_name(const tmx_sim *s);

/* Benchmark hook: the median wall time in seconds of `reps` gossip passes X ← X·W^(0)ᵀ (with
 * the fused consensus distance) over the current state, which the passes overwrite (call it on a
 * simulation used only for timing). */
TMX_API double tmx_sim_time_mix(tmx_sim *s, int reps);
/* Benchmark hook: the median wall time of `reps` full-iteration steps is what the caller measures
 * with tmx_sim_step; this returns the bytes one iteration must move at least (state read and
 * written, minibatch rows read, W), the denominator of the traffic bound. */
TMX_API double tmx_sim_traffic_bytes(const tmx_sim *s);

/* The compute-time distribution: parses "T", "exp:T", "lognormal:T,SIGMA" or "uniform:A,B" into
 * cfg->compute, compute_a, compute_b (TMX_EINVAL naming the problem). */
TMX_API tmx_status tmx_compute_time_parse(const char *s, tmx_sim_config *cfg);
/* Simulated seconds node i (0 ≤ i < n + aux) spends on its k-th local step: a draw of the
 * compute-time distribution from a counter-based hash of (seed, i, k), times its slowdown; 0 for
 * auxiliary nodes. The same draws serve every algorithm. */
TMX_API double tmx_sim_compute_time(const tmx_sim *s, int64_t i, int64_t k);
/* The simulated time now, max_i t_i in seconds (what tmx_sim_metrics_get reports as `time`; cheap). */
TMX_API double tmx_sim_time(const tmx_sim *s);
/* t_i: when node i (0 ≤ i < n + aux) is ready to start its next step, in simulated seconds; NaN out of range. */
TMX_API double tmx_sim_node_time(const tmx_sim *s, int64_t i);
/* Benchmark hook: skip (1) or keep (0, the default) the simulated clock's update in tmx_sim_step,
 * to measure its overhead; skipped steps leave the clock where it was. Ignored by adpsgd, whose
 * events are ordered by the clock. */
TMX_API void tmx_sim_clock_skip(tmx_sim *s, int skip);

/* Wall seconds this process spent in tmx_sim_step, and within it in the local gradients (the rest
 * is gossip, updates and consensus control). */
TMX_API void tmx_sim_times(const tmx_sim *s, double *step, double *gradients);

/* Checkpoint: every piece of state that the next iterations read, so that resuming gives a result
 * bit-identical to an uninterrupted run. The file carries a CRC-32 and a header of the fields that
 * shape the trajectory (options, topology parameters, CRC-32s of the data, the partition and the
 * mixing matrices). Save writes a temporary file beside `path`, fsyncs it and renames it over the old
 * checkpoint (a device such as /dev/null is written through); TMX_ESYS when the system refuses a
 * write, naming the file and the reason. Load refuses (TMX_EINVAL) a checkpoint written for another
 * run, naming the first field that differs, or one past this run's iterations; TMX_EPARSE for a
 * corrupt or truncated file, TMX_EIO for a missing one. A failed load leaves the simulation as it
 * was. With a constant step size the iteration count is not part of the trajectory: a finished run
 * resumes with a larger cfg.iters. */
TMX_API tmx_status tmx_sim_save(tmx_sim *s, const char *path);
TMX_API tmx_status tmx_sim_load(tmx_sim *s, const char *path);
/* TMX_OK when a checkpoint could be written at `path` (its directory accepts a new file; nothing is
 * written); otherwise the error tmx_sim_save would give. Cheap: checked before a long run. */
TMX_API tmx_status tmx_sim_checkpoint_writable(const char *path);

/* The simulator over MPI (docs/definitions.md §24; a build with -Dmpi, else the one-process
 * stubs). Started by an MPI launcher (mpirun sets OMPI_COMM_WORLD_SIZE, PMI_SIZE or PMIX_RANK),
 * tmx_sim_mpi_start initialises MPI and returns the number of ranks R; otherwise it does nothing
 * and returns 1. With R > 1, tmx_sim_new splits the agents into R contiguous blocks, one per rank,
 * and every call on the simulation is collective (every rank makes it, in the same order); metrics
 * are the same on every rank and equal to one process's bit for bit; checkpoints are one file,
 * written by rank 0, read by every rank. MPI ends at exit: normally, or when `collective` is off
 * (a failure may be one rank's alone) and the exit status is not 0, by aborting every rank. */
TMX_API int tmx_sim_mpi_start(void);
TMX_API int tmx_sim_mpi_rank(void); /* 0 in one process */
/* On ranks other than 0: stdout closed and stderr held back (rank 0 speaks for all); at an exit
 * that fails on this rank alone (the others did not fail alike) its first line reaches the real
 * stderr as "topomix sim: rank k of R: ...". Nothing in one process or on rank 0. */
TMX_API void tmx_sim_mpi_quiet(void);
/* 1 (the default): a failure exit is every rank's; 0: it may be this rank's alone (abort all). */
TMX_API void tmx_sim_mpi_collective(int on);
/* Collective: every rank passes its status; all get the first failing rank's, with its message. */
TMX_API tmx_status tmx_sim_mpi_agree(tmx_status st);
/* Collective: the bytes every rank sent to another so far, summed (0 in one process); *halo, if not
 * NULL: of which the gossip's model columns. */
TMX_API double tmx_sim_mpi_bytes(const tmx_sim *s, double *halo);
/* The agents [*first, *end) of n (plus aux auxiliary nodes) on this rank (0, n in one process).
 * Under MPI the dataset passed to tmx_sim_new may hold these agents' shards alone: the samples
 * P->order[P->start[first] .. P->start[end]) in that order (D->m < P->m says so). */
TMX_API void tmx_sim_mpi_agents(int64_t n, int64_t aux, int64_t *first, int64_t *end);
/* Collective: the most bytes of data a rank holds (its samples and labels, their f32 copy, the
 * partitions) and, if not NULL, the least (*least) and the whole dataset's samples and labels. */
TMX_API double tmx_sim_mpi_data_bytes(const tmx_sim *s, double *least, double *whole);

#ifdef __cplusplus
}
#endif
#endif
