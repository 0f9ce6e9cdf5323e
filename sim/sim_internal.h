/* topomix simulator — the state shared by the engine's rooms (engine.c, checkpoint.c, clock.c,
 * adpsgd.c, sgp.c).
 * Not installed: the public interface is topomix/sim.h. */
#ifndef TMX_SIM_INTERNAL_H
#define TMX_SIM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <topomix/sim.h>

#include "../lib/src/internal.h"
#include "problem.h"

enum { BUF_X, BUF_V, BUF_G, BUF_M, BUF_MH, BUF_Y, BUF_GOLD, NBUF };

/* Counter-based hash of four words: minibatch rows (seed, agent, iteration, slot), initial models and
 * compute times draw from it, so that a run depends on its seed alone and holds no generator state. */
static inline uint64_t tmx__hash4(uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
    return tmx__mix64(tmx__mix64(tmx__mix64(tmx__mix64(a) ^ b) ^ c) ^ d);
}

/* The simulated wall-clock (clock.c, docs/definitions.md §15): per-node times of the max-plus
 * recursion of synchronous gossip, All-Reduce barriers, and the communication/compute split. */
typedef struct tmx__clock {
    double msg;        /* α + S/B: one message of the model */
    double allreduce;  /* 2(N−1)(α + S/(NB)): a ring All-Reduce over all N nodes (N = n but for coop) */
    double *slow;      /* N factors (auxiliary nodes: 0, they compute nothing) */
    double *t;         /* N: when node i is ready to start its next step (checkpointed) */
    double *c;         /* N: this step's compute times */
    double *fin;       /* N: scratch, t_j + c_j */
    int32_t *deg;      /* ncache × N: max(indeg, outdeg) off the diagonal of each cached W^(k) */
    int32_t *deg_rand; /* N: the same for a random topology's current W^(k) (and its out-degree count) */
    unsigned char *is_J; /* ncache: W^(k) is the exact average J (coop pays an All-Reduce there) */
    double compute, comm; /* Σ over nodes and steps of compute and communication seconds (checkpointed) */
    int32_t *deg_uni;  /* ncache: the common value of each cached W^(k)'s deg (−1: the degrees differ) */
    int c_const;       /* c holds constant compute times (drawn once) */
    int c_uni;         /* ... and they are all equal (c[0]) */
    int csum_ok;       /* csum is Σ_i c_i of the current c */
    double csum;
    double *gsum;      /* 2 × ncache: Σ_i deg_i·copies·msg of each cached W^(k), copies 1 and 2 (NaN: not yet) */
    int skip;          /* benchmark hook: no update */
} tmx__clock;

/* AD-PSGD's event queue and counters (adpsgd.c, docs/definitions.md §16). Every worker has exactly
 * one gradient in flight, computed at its snapshot (column i of s->buf[BUF_V]); its completion time
 * due[i] = t_i + c_i^(steps[i]) keys a binary min-heap of the n workers (ties by node id). */
typedef struct tmx__async {
    int64_t *heap;    /* n node ids, heap-ordered by (due, id) (rebuilt from due[] on load) */
    double *due;      /* n: completion time of worker i's gradient in flight (checkpointed) */
    int64_t *steps;   /* n: gradients worker i has applied (its local step count; checkpointed) */
    int64_t *updates; /* n: times another worker's pairwise average changed x_i (checkpointed) */
    int64_t *snapver; /* n: updates[i] when worker i took its snapshot (checkpointed) */
    int64_t events;   /* gradient events so far (checkpointed) */
    int64_t stale_sum;   /* Σ over events of their staleness (checkpointed) */
    int64_t mark_events, mark_sum; /* events and stale_sum at the previous metrics call (checkpointed) */
} tmx__async;

/* SGP's push-sum state (sgp.c, docs/definitions.md §20); all NULL for the other algorithms. */
typedef struct tmx__push {
    double *w, *wnext; /* N: the push-sum weights (checkpointed), and the next ones */
    void *Z;           /* p × N: the de-biased models z_i = x_i / w_i, kept current after every step */
} tmx__push;

typedef struct mix_stats {
    double consensus; /* (1/n) Σ_i ‖x_i − x̄‖² over the n workers of the output */
    double sumsq;     /* Σ of squares of the whole output (non-finite when any entry is) */
} mix_stats;

/* The backend: every operation on the agents' state that the algorithms use, so that they are
 * written once (tmx_sim_step) and a device backend replaces the table (as BLIS's context tables do).
 * The CPU table is the reference; state vectors are p × N, float or double per s->f32. */
typedef struct tmx__backend {
    const char *name;
    /* G[:, i] ← g_i, the stochastic gradient of f_i at X[:, i] (aux columns 0), or with adapt the
     * local step X[:, i] − γ·g_i (aux columns X's); *mean_norm2 ← mean ‖g_i‖² if not NULL */
    void (*gradients)(tmx_sim *s, const void *X, void *G, int64_t counter, int adapt, double gamma,
                      double *mean_norm2);
    /* G[:, i] ← the stochastic gradient of f_i at X[:, i] for the one agent i (AD-PSGD's events) */
    void (*grad_one)(tmx_sim *s, int64_t i, const void *X, void *G, int64_t counter);
    /* out ← gossip of (in − γ·g) with W (NULL: identity; g NULL: none), consensus fused */
    void (*mix_axpy)(const tmx_sim *s, const tmx_csr *W, const void *in, const void *g, double gamma, void *out,
                     mix_stats *st);
    /* dst ← a·A + b·B + c·C (B, C may be NULL) */
    void (*vec_comb)(const tmx_sim *s, void *dst, double a, const void *A, double b, const void *B, double c,
                     const void *C);
    /* out (p doubles) ← mean of the workers' columns */
    void (*cols_mean)(const tmx_sim *s, const void *X, double *out);
    /* columns 0..cols−1 ← a·column + b·v */
    void (*cols_set)(const tmx_sim *s, void *X, double a, double b, const double *v, int64_t cols);
    /* ---- where the state lives (the device backend: sim/device/, docs/definitions.md §23) ---- */
    int host; /* 1: state buffers are host memory, read in place by tmx_sim_model and checkpoints */
    /* after the problem is set up, before any buffer: device context, data upload (NULL: nothing) */
    tmx_status (*open)(tmx_sim *s);
    void (*close)(tmx_sim *s);
    void *(*alloc)(tmx_sim *s, size_t bytes); /* zeroed; NULL when out of memory */
    void (*release)(tmx_sim *s, void *p);
    void (*to_host)(const tmx_sim *s, void *dst, const void *src, size_t bytes);
    void (*to_device)(const tmx_sim *s, void *dst, const void *src, size_t bytes);
    void (*copy)(const tmx_sim *s, void *dst, const void *src, size_t bytes);
    /* Σ_{i<n} ‖x_i − mean‖² in double (mean: p host doubles), the metrics' consensus distance × n */
    double (*consensus)(const tmx_sim *s, const void *X, const double *mean);
    /* AD-PSGD's event (adpsgd.c): x_i, x_j ← (x_i + x_j)/2 (j ≥ 0), x_i ← x_i − γ g_i, v_i ← x_i;
     * returns the sum of squares of the columns written */
    double (*event_update)(tmx_sim *s, int64_t i, int64_t j, double gamma);
    /* SGP: Z[:, i] ← X[:, i] / w_i (w: N host doubles) */
    void (*debias)(tmx_sim *s, const void *X, void *Z, const double *w);
    /* the first failure of a call above (they return no status), or TMX_OK (NULL: never fails) */
    tmx_status (*check)(tmx_sim *s);
} tmx__backend;

/* The reference backend (backend_cpu.c), and its host versions of AD-PSGD's and SGP's updates. */
extern const tmx__backend tmx__cpu_backend;
double tmx__cpu_event_update(tmx_sim *s, int64_t i, int64_t j, double gamma);
void tmx__cpu_debias(tmx_sim *s, const void *X, void *Z, const double *w);
/* out[k] += Σ_{i < cols} X[k, i], column by column in order (the column means' sums; MPI's chain). */
void tmx__cpu_cols_add(const tmx_sim *s, const void *X, int64_t cols, double *out);
/* The device backend (sim/device/device_backend.cpp), linked when TMX_HAVE_DEVICE; its device's
 * description ("thrust-omp on the host (2 threads)", the GPU's name), or the reason it has none. */
extern const tmx__backend tmx__device_backend;
tmx_status tmx__device_probe(char *buf, size_t len);

typedef struct tmx__mpi tmx__mpi; /* mpi.c */

struct tmx_sim {
    tmx_sim_config cfg;
    const tmx_topo *topo;
    const tmx_dataset *D;
    const tmx_partition *P;
    int order_id; /* P->order[k] = k for every k (a contiguous partition): shard i is data rows
                     start[i] to start[i+1] − 1 */
    tmx__problem pb;
    int64_t n, aux, N, p; /* workers, auxiliary nodes, all nodes, model size */
    const struct tmx__backend *be; /* the operations the algorithms are written against */
    void *dev;            /* the device backend's state (NULL on the CPU) */
    void *hcol;           /* device runs: one column (p elements) read back by tmx_sim_model */
    int64_t wrand_version; /* rebuilds of Wrand so far: the device uploads each one once */
    int64_t wrand_k;       /* the step whose W^(k) Wrand holds (−1: none; W^(k) is a function of (seed, k)) */
    /* MPI (mpi.c, docs/definitions.md §24): this rank's columns [col0, col0 + ncols) of the N nodes,
     * which the state buffers hold first (then the halo); one process: 0, N and mpi NULL */
    int64_t col0, ncols;
    struct tmx__mpi *mpi;
    void *buf[NBUF];      /* p × N each, float or double (NULL when the algorithm does not need it) */
    size_t esz;           /* bytes per state element: 4 (f32) or 8 (f64) */
    int f32;
    float *Af;            /* f32: single-precision copy of the data */
    double *model;        /* f32: scratch for tmx_sim_model */
    double *z;            /* easgd anchor, p */
    double *xbar, *gbar;  /* p */
    double *ws;           /* per-thread problem workspaces */
    int64_t ws_stride;
    int nthreads;
    /* mixing matrices: static and periodic topologies are built once */
    tmx_csr *Wcache;
    int64_t ncache;
    tmx_csr Wrand; /* random topologies: rebuilt each step, in place */
    tmx_topo_ws *topo_ws; /* ... through this workspace, so that the loop allocates nothing */
    int64_t *outdeg_msgs; /* messages of one gossip round per cached matrix */
    /* counters (checkpointed) */
    int64_t iter, gossip_rounds, messages;
    double bytes, phase_max, grad_ema, last_target;
    int64_t phase, capped;
    int gt_ready;
    tmx__clock clk;
    tmx__async as; /* adpsgd only (else all NULL and 0) */
    tmx__push ps;  /* sgp only (else all NULL) */
    /* wall seconds in tmx_sim_step and, within it, in the local gradients (not checkpointed) */
    double t_step, t_grad;
    /* checkpoints: CRC-32s of the data, the partition and the cached W (computed once, lazily) */
    int have_hashes;
    unsigned long data_crc, part_crc, topo_crc;
};

/* ---- the clock (clock.c) ---- */
/* Allocates and sets up s->clk from s->cfg, s->n, s->N, s->p, s->esz and the cached matrices. */
tmx_status tmx__clock_init(tmx_sim *s);
void tmx__clock_free(tmx__clock *k);
tmx_status tmx__clock_validate(const tmx_sim_config *c, int64_t n);
/* Node i's compute seconds for its k-th local step (0 for auxiliary nodes). */
double tmx__clock_draw(const tmx_sim *s, int64_t i, int64_t k);
/* Draws every node's compute time of step k into clk.c (extra: also one more local step, gt's y_0). */
void tmx__clock_draws(tmx_sim *s, int64_t k, int extra);
/* One step of synchronous gossip with W (cache index q ≥ 0, or −1: s->Wrand), `copies` messages per
 * edge: t_i ← max_{j ∈ N_i ∪ {i}} (t_j + c_j) + copies·g_i. compute 0: a consensus-control round. */
void tmx__clock_gossip(tmx_sim *s, const tmx_csr *W, int64_t q, int copies, int compute);
/* A barrier then a ring All-Reduce over every node: t_i ← max_j (t_j + c_j) + 2(N−1)(α + S/(NB)). */
void tmx__clock_allreduce(tmx_sim *s);
/* A step without communication: t_i ← t_i + c_i. */
void tmx__clock_local(tmx_sim *s);
/* The run's time, max_i t_i. */
double tmx__clock_now(const tmx_sim *s);

/* ---- engine helpers shared with adpsgd.c (engine.c) ---- */
double tmx__lr_at(const tmx_sim *s, int64_t k);
/* The mixing matrix of step k (random topologies: rebuilt into s->Wrand) and its messages. */
tmx_status tmx__weights_at(tmx_sim *s, int64_t k, const tmx_csr **W, int64_t *msgs);
/* G[:, i] ← the stochastic gradient of f_i at X[:, i], minibatch of counter `counter` (timed). */
void tmx__grad_one(tmx_sim *s, int64_t i, const void *X, void *G, int64_t counter);

/* ---- AD-PSGD (adpsgd.c) ---- */
/* Allocates the queue and starts every worker's first gradient at its initial model (at time 0). */
tmx_status tmx__adpsgd_init(tmx_sim *s);
void tmx__adpsgd_free(tmx__async *a);
/* One iteration: the next n gradient events. */
tmx_status tmx__adpsgd_step(tmx_sim *s);
/* Rebuilds the heap from due[] (after a checkpoint is loaded). */
void tmx__adpsgd_heapify(tmx_sim *s);
/* Bytes per worker of the queue and counters. */
#define TMX__ASYNC_BYTES_PER_NODE 40.0

/* ---- SGP (sgp.c) ---- */
/* Allocates the weights (w_i = 1) and the de-biased models (z_i = x_i): after the initial models. */
tmx_status tmx__sgp_init(tmx_sim *s);
void tmx__sgp_free(tmx_sim *s, tmx__push *q);
/* After x ← W(x − γg): w ← W w and z ← x / w. */
void tmx__sgp_update(tmx_sim *s, const tmx_csr *W);
/* z ← x / w (after a checkpoint is loaded). */
void tmx__sgp_debias(tmx_sim *s);
/* Bytes per node of the weights (the de-biased models are one more state buffer). */
#define TMX__PUSH_BYTES_PER_NODE 16.0

#endif
