/* topomix simulator — problems: non-convex logistic regression, non-convex least squares, a
 * one-hidden-layer tanh MLP with softmax cross-entropy (docs/definitions.md §8). Internal. */
#ifndef TMX_SIM_PROBLEM_H
#define TMX_SIM_PROBLEM_H

#include <stdint.h>
#include <topomix/data.h>

#include <topomix/sim.h>

/* Hot kernels are cloned for AVX-512 and AVX2 and picked at load time (GCC on x86-64; sanitizer
 * builds keep one plain version). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__)
#define TMX__CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define TMX__CLONES
#endif

typedef struct tmx__problem {
    tmx_problem_kind kind;
    const tmx_dataset *D;
    int64_t d, p, hidden, nclass;
    double reg;
    const float *Af; /* f32 runs: a single-precision copy of D->A (NULL in f64) */
} tmx__problem;

/* Sets up the problem and its model dimension p; TMX_EINVAL when the data do not fit it (labels
 * not ±1 for logreg-nc, fewer than 2 classes for mlp). */
tmx_status tmx__problem_init(tmx__problem *pb, tmx_problem_kind kind, const tmx_dataset *D, int64_t hidden,
                             double reg);

/* The problem's default initial model (--init not given), written to x (p doubles); returns 1,
 * or 0 (x untouched) when the default is the zero model. Linear models start at 0. The MLP
 * starts from Glorot/Xavier uniform weights, W ~ U(−a, a) with a = √(6/(fan_in + fan_out)) per
 * layer, and zero biases: all-zero weights are a saddle where every hidden unit gets the same
 * (zero) gradient, so only the output bias would learn. Each weight comes from a counter-based
 * hash of (seed, index): identical on every agent, reproducible, no generator state. */
int tmx__problem_default_init(const tmx__problem *pb, uint64_t seed, double *x);

/* Doubles of workspace that the gradient and loss functions need (per thread). */
int64_t tmx__problem_ws(const tmx__problem *pb);

/* g ← g + scale·(∇ of the mean data loss over rows) and returns scale·(mean data loss): no
 * regulariser (the caller adds it once). */
double tmx__problem_accumulate(const tmx__problem *pb, const double *x, const int64_t *rows, int64_t count,
                               double scale, double *g, int64_t *correct, double *ws);

/* g ← g + scale·∇(mean data loss over rows), without evaluating the loss (one exp per sample for
 * logreg-nc); linear models stream the rows four at a time. */
void tmx__problem_grad(const tmx__problem *pb, const double *x, const int64_t *rows, int64_t count, double scale,
                       double *g, double *ws);

/* The same in single precision, reading pb->Af: x and g are p floats. MLP gradients are formed in
 * double from converted copies (ws holds 2p extra doubles for that, see tmx__problem_ws). */
void tmx__problem_grad_f32(const tmx__problem *pb, const float *x, const int64_t *rows, int64_t count, double scale,
                           float *g, double *ws);
void tmx__problem_reg_grad_f32(const tmx__problem *pb, const float *x, float *g);

/* g += ∇ of the regulariser, λ·2x/(1 + x²)² (vectorisable; no value). */
void tmx__problem_reg_grad(const tmx__problem *pb, const double *x, double *g);

/* λ Σ_k x_k²/(1 + x_k²), and with g != NULL, g += its gradient λ·2x/(1 + x²)². */
double tmx__problem_reg(const tmx__problem *pb, const double *x, double *g);

#endif
