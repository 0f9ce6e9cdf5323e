/* topomix simulator — the problems' stochastic gradients on the device backend (docs/definitions.md
 * §8), written once as Thrust algorithms: compiled by nvcc for CUDA and by g++ with Thrust's OpenMP
 * device system, so the kernels that a GPU runs are the ones CI tests against the CPU backend.
 * Internal; the device backend (device_backend.cpp) calls tmx_dev::gradients. */
#ifndef TMX_SIM_DEVICE_GRADIENTS_H
#define TMX_SIM_DEVICE_GRADIENTS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
namespace tmx_dev {

/* A problem as the kernels see it: plain pointers to device memory, so that the struct is copied
 * by value into every functor. The minibatch rows depend on (seed, agent, counter, slot) alone, as on
 * the CPU (backend_cpu.c's grad_agent), so a device run draws the CPU run's samples. */
struct problem {               /* every pointer is device memory */
    int kind;                  /* tmx_problem_kind: TMX_PROB_LOGREG_NC, TMX_PROB_LSQ_NC, TMX_PROB_MLP */
    int64_t m, d, p, hidden, nclass, n, batch;
    double reg;
    uint64_t seed;
    const double *A;           /* m × d row-major (f64 runs; f32 MLP runs too: the CPU forms MLP
                                * gradients in double from the double data, so A is read when set,
                                * else Af converted) */
    const float *Af;           /* m × d (f32 runs) */
    const double *y;           /* m labels */
    const int64_t *order, *start; /* the partition: shard i is order[start[i] .. start[i+1]) */
    const int64_t *start_host;    /* start[] in host memory: the host plans a full batch's groups from it
                                   * without reading device memory (a synchronous copy per word on a GPU) */
};

/* Bytes of device workspace that gradients() needs for `agents` workers at once (the sampled rows,
 * and the per-sample margins or the MLP's activations; full batch: bounded by the m samples). */
size_t gradients_workspace_bytes(const problem &pb, int f32, int64_t agents);

/* For the workers i in [i0, i1) (column i of the p × N state at X + i·p): G[:, i] ← the stochastic
 * gradient of f_i at X[:, i] over the CPU's minibatch rows (pb.batch; 0 = the whole shard) plus the
 * regulariser's, or with adapt ≠ 0 the local step X[:, i] − γ·g_i. Returns Σ_i ‖g_i‖² when want_norm
 * (else 0). T is float or double; workspace: gradients_workspace_bytes(pb, f32, i1 − i0) bytes of
 * device memory. Deterministic: every sum runs in a fixed order, no atomics. Throws what Thrust
 * throws (thrust::system_error) when a launch fails. */
template <class T>
double gradients(const problem &pb, const T *X, T *G, int64_t counter, int adapt, double gamma, int64_t i0, int64_t i1,
                 int want_norm, void *workspace);

} /* namespace tmx_dev */

extern "C" {
#endif

/* ---- test entries (tests/unit/test_devgrad.c): host arrays in, host arrays out ---- */

/* The fields of tmx_dev::problem, but host memory. */
typedef struct tmx__devgrad_host {
    int kind;
    int64_t m, d, p, hidden, nclass, n, batch;
    double reg;
    uint64_t seed;
    const double *A; /* may be NULL in f32 linear runs */
    const float *Af; /* may be NULL in f64 runs */
    const double *y;
    const int64_t *order, *start;
} tmx__devgrad_host;

/* Copies the problem, X and G (p × n each, float when f32 else double) to device memory, runs
 * tmx_dev::gradients for [i0, i1) and copies G back (the other columns come back as they went);
 * *norm2 ← its return value. group > 0 runs the passes `group` agents at a time (what the host system
 * does to keep rows in cache), 0 leaves it to the backend. Returns 0, or −1 when a device call failed
 * (nothing thrown). */
int tmx__devgrad_run(const tmx__devgrad_host *h, int f32, const void *X, void *G, int64_t counter, int adapt,
                     double gamma, int64_t i0, int64_t i1, int want_norm, int64_t group, double *norm2);

/* On the device: hash[q] ← tmx__hash4(w[4q], w[4q+1], w[4q+2], w[4q+3]) and
 * index[q] ← Lemire's ⌊hash[q]·m[q] / 2^64⌋, for q < count. Returns 0, or −1 on a device failure. */
int tmx__devgrad_hash(const uint64_t *w, const int64_t *m, int64_t count, uint64_t *hash, int64_t *index);

#ifdef __cplusplus
}
#endif

#endif
