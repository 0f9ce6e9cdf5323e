/* topomix simulator — the state shared by the engine's rooms (engine.c, checkpoint.c). Not
 * installed: the public interface is topomix/sim.h. */
#ifndef TMX_SIM_INTERNAL_H
#define TMX_SIM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <topomix/sim.h>

#include "problem.h"

enum { BUF_X, BUF_V, BUF_G, BUF_M, BUF_MH, BUF_Y, BUF_GOLD, NBUF };

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
} tmx__backend;

struct tmx_sim {
    tmx_sim_config cfg;
    const tmx_topo *topo;
    const tmx_dataset *D;
    const tmx_partition *P;
    tmx__problem pb;
    int64_t n, aux, N, p; /* workers, auxiliary nodes, all nodes, model size */
    const struct tmx__backend *be; /* the operations the algorithms are written against */
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
    /* wall seconds in tmx_sim_step and, within it, in the local gradients (not checkpointed) */
    double t_step, t_grad;
    /* checkpoints: CRC-32s of the data, the partition and the cached W (computed once, lazily) */
    int have_hashes;
    unsigned long data_crc, part_crc, topo_crc;
};

#endif
