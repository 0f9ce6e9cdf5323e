/* topomix simulator — losses and gradients of the problems of docs/definitions.md §8. */
#include "problem.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#include "../lib/src/internal.h"

tmx_status tmx__problem_init(tmx__problem *pb, tmx_problem_kind kind, const tmx_dataset *D, int64_t hidden,
                             double reg)
{
    memset(pb, 0, sizeof *pb);
    pb->kind = kind;
    pb->D = D;
    pb->d = D->d;
    pb->reg = reg;
    if (!(reg >= 0.0) || !isfinite(reg)) return tmx__error(TMX_EINVAL, "--reg must be finite and >= 0");
    switch (kind) {
    case TMX_PROB_LOGREG_NC:
        for (int64_t i = 0; i < D->m; i++)
            if (D->y[i] != 1.0 && D->y[i] != -1.0)
                return tmx__error(TMX_EINVAL, "logreg-nc needs labels -1/+1; sample %lld has %g", (long long)i, D->y[i]);
        pb->p = D->d;
        return TMX_OK;
    case TMX_PROB_LSQ_NC:
        pb->p = D->d;
        return TMX_OK;
    case TMX_PROB_MLP:
        if (hidden < 1) return tmx__error(TMX_EINVAL, "mlp needs --hidden >= 1, got %lld", (long long)hidden);
        if (D->nclass < 2) return tmx__error(TMX_EINVAL, "mlp needs class labels (at least 2 classes)");
        for (int64_t i = 0; i < D->m; i++)
            if (!(D->y[i] >= 0.0 && D->y[i] < (double)D->nclass) || D->y[i] != floor(D->y[i]))
                return tmx__error(TMX_EINVAL, "mlp needs class labels 0..%lld; sample %lld has %g", (long long)(D->nclass - 1),
                                  (long long)i, D->y[i]);
        pb->hidden = hidden;
        pb->nclass = D->nclass;
        pb->p = hidden * D->d + hidden + D->nclass * hidden + D->nclass;
        return TMX_OK;
    default: return tmx__error(TMX_EINVAL, "unknown problem %d", (int)kind);
    }
}

int tmx__problem_default_init(const tmx__problem *pb, uint64_t seed, double *x)
{
    if (pb->kind != TMX_PROB_MLP) return 0;
    int64_t d = pb->d, H = pb->hidden, C = pb->nclass;
    const uint64_t stream = tmx__mix64(seed ^ 0x6d6c70696e6974ull); /* "mlpinit" */
    double a1 = sqrt(6.0 / (double)(d + H)), a2 = sqrt(6.0 / (double)(H + C));
    for (int64_t k = 0; k < pb->p; k++) {
        /* layout: W1 (H × d), b1 (H), W2 (C × H), b2 (C) */
        int64_t off = k - H * d;
        double a = off < 0 ? a1 : off < H ? 0.0 : off < H + C * H ? a2 : 0.0;
        double u = (double)(tmx__mix64(stream ^ (uint64_t)k) >> 11) * 0x1p-53; /* [0, 1) */
        x[k] = a * (2.0 * u - 1.0);
    }
    return 1;
}

int64_t tmx__problem_ws(const tmx__problem *pb)
{
    if (pb->kind != TMX_PROB_MLP) return 1;
    return 2 * pb->hidden + 2 * pb->nclass + (pb->Af ? 2 * pb->p : 0);
}

double tmx__problem_reg(const tmx__problem *pb, const double *x, double *g)
{
    if (pb->reg == 0.0) return 0.0;
    double r = 0.0, lam = pb->reg;
    for (int64_t k = 0; k < pb->p; k++) {
        double x2 = x[k] * x[k], den = 1.0 + x2;
        r += x2 / den;
        if (g) g[k] += lam * 2.0 * x[k] / (den * den);
    }
    return lam * r;
}

/* log(1 + e^t), stably */
static double softplus(double t) { return t > 0 ? t + log1p(exp(-t)) : log1p(exp(t)); }

static double mlp_sample(const tmx__problem *pb, const double *x, const double *a, double label, double scale,
                         double *g, int64_t *correct, double *ws)
{
    int64_t d = pb->d, H = pb->hidden, C = pb->nclass;
    const double *W1 = x, *b1 = x + H * d, *W2 = b1 + H, *b2 = W2 + C * H;
    double *h = ws, *o = ws + H, *dh = o + C, *dout = dh + H;
    for (int64_t u = 0; u < H; u++) h[u] = tanh(cblas_ddot((int)d, W1 + u * d, 1, a, 1) + b1[u]);
    double mx = -INFINITY;
    int64_t arg = 0;
    for (int64_t c = 0; c < C; c++) {
        o[c] = cblas_ddot((int)H, W2 + c * H, 1, h, 1) + b2[c];
        if (o[c] > mx) mx = o[c], arg = c;
    }
    double z = 0.0;
    for (int64_t c = 0; c < C; c++) z += exp(o[c] - mx);
    int64_t y = (int64_t)label;
    double loss = log(z) + mx - o[y];
    if (correct && arg == y) (*correct)++;
    if (g) {
        double *gW1 = g, *gb1 = g + H * d, *gW2 = gb1 + H, *gb2 = gW2 + C * H;
        for (int64_t c = 0; c < C; c++) dout[c] = scale * (exp(o[c] - mx) / z - (c == y ? 1.0 : 0.0));
        for (int64_t u = 0; u < H; u++) dh[u] = 0.0;
        for (int64_t c = 0; c < C; c++) {
            gb2[c] += dout[c];
            cblas_daxpy((int)H, dout[c], h, 1, gW2 + c * H, 1);
            cblas_daxpy((int)H, dout[c], W2 + c * H, 1, dh, 1);
        }
        for (int64_t u = 0; u < H; u++) {
            double du = dh[u] * (1.0 - h[u] * h[u]);
            gb1[u] += du;
            cblas_daxpy((int)d, du, a, 1, gW1 + u * d, 1);
        }
    }
    return loss;
}

double tmx__problem_accumulate(const tmx__problem *pb, const double *x, const int64_t *rows, int64_t count,
                               double scale, double *g, int64_t *correct, double *ws)
{
    const tmx_dataset *D = pb->D;
    int64_t d = pb->d;
    double sum = 0.0, w = scale / (double)count;
    for (int64_t q = 0; q < count; q++) {
        const double *a = D->A + rows[q] * d;
        double b = D->y[rows[q]];
        if (pb->kind == TMX_PROB_MLP) {
            sum += mlp_sample(pb, x, a, b, w, g, correct, ws);
            continue;
        }
        double z = cblas_ddot((int)d, a, 1, x, 1), dz;
        if (pb->kind == TMX_PROB_LOGREG_NC) {
            sum += softplus(-b * z);
            dz = -b / (1.0 + exp(b * z)); /* d/dz log(1 + e^{−bz}) = −b σ(−bz) */
            if (correct && (z >= 0.0 ? 1.0 : -1.0) == b) (*correct)++;
        } else {
            double r = z - b;
            sum += 0.5 * r * r;
            dz = r;
            if (correct && (b == 1.0 || b == -1.0) && (z >= 0.0 ? 1.0 : -1.0) == b) (*correct)++;
        }
        if (g) cblas_daxpy((int)d, w * dz, a, 1, g, 1);
    }
    return w * sum;
}

void tmx__problem_reg_grad(const tmx__problem *pb, const double *x, double *g)
{
    double two_lam = 2.0 * pb->reg;
    if (two_lam == 0.0) return;
#pragma omp simd
    for (int64_t k = 0; k < pb->p; k++) {
        double inv = 1.0 / (1.0 + x[k] * x[k]);
        g[k] += two_lam * x[k] * inv * inv;
    }
}

/* Sampled rows are streamed four at a time: one pass reads x once for four dot products, the
 * next reads and writes g once for four rows, so each core keeps four independent memory streams
 * in flight. One cblas_ddot + cblas_daxpy per row (OpenBLAS has no gathered-rows GEMV) keeps one,
 * and so does gathering the rows into a block for cblas_dgemv (the copy is the stream); both ran
 * the gradient phase at 24-31 GB/s where these kernels run it at 54-57 GB/s (n = 256, d = 1000,
 * B = 16 and n = 64, d = 10000, B = 32, two threads, huge pages). A block of fewer than four rows
 * repeats its first row with coefficient 0. Generated for double and float. */
#define TMX__ROW_KERNELS(T, SUF)                                                                   \
    TMX__CLONES static void rows_dot_##SUF(const T *const a[4], const T *x, int64_t d, T z[4])    \
    {                                                                                              \
        const T *a0 = a[0], *a1 = a[1], *a2 = a[2], *a3 = a[3];                                    \
        T s0 = 0, s1 = 0, s2 = 0, s3 = 0;                                                          \
        _Pragma("omp simd reduction(+ : s0, s1, s2, s3)") for (int64_t k = 0; k < d; k++)        \
        {                                                                                          \
            s0 += a0[k] * x[k];                                                                    \
            s1 += a1[k] * x[k];                                                                    \
            s2 += a2[k] * x[k];                                                                    \
            s3 += a3[k] * x[k];                                                                    \
        }                                                                                          \
        z[0] = s0, z[1] = s1, z[2] = s2, z[3] = s3;                                                \
    }                                                                                              \
    TMX__CLONES static void rows_axpy_##SUF(const T c[4], const T *const a[4], T *g, int64_t d)   \
    {                                                                                              \
        const T *a0 = a[0], *a1 = a[1], *a2 = a[2], *a3 = a[3];                                    \
        const T c0 = c[0], c1 = c[1], c2 = c[2], c3 = c[3];                                        \
        _Pragma("omp simd") for (int64_t k = 0; k < d; k++) g[k] += c0 * a0[k] + c1 * a1[k] +     \
                                                                    c2 * a2[k] + c3 * a3[k];       \
    }
TMX__ROW_KERNELS(double, f64)
TMX__ROW_KERNELS(float, f32)

/* dℓ/dz of one sample with label b and margin z: −b σ(−bz) for logreg-nc, z − b for lsq-nc. */
static double dloss(tmx_problem_kind kind, double b, double z)
{
    return kind == TMX_PROB_LOGREG_NC ? -b / (1.0 + exp(b * z)) : z - b;
}

void tmx__problem_grad(const tmx__problem *pb, const double *x, const int64_t *rows, int64_t count, double scale,
                       double *g, double *ws)
{
    if (pb->kind == TMX_PROB_MLP) {
        tmx__problem_accumulate(pb, x, rows, count, scale, g, NULL, ws);
        return;
    }
    const double *A = pb->D->A, *y = pb->D->y;
    int64_t d = pb->d;
    double w = scale / (double)count;
    for (int64_t q = 0; q < count; q += 4) {
        int r = count - q < 4 ? (int)(count - q) : 4;
        const double *a[4];
        double z[4], c[4];
        for (int j = 0; j < 4; j++) a[j] = A + rows[q + (j < r ? j : 0)] * d;
        rows_dot_f64(a, x, d, z);
        for (int j = 0; j < 4; j++) c[j] = j < r ? w * dloss(pb->kind, y[rows[q + j]], z[j]) : 0.0;
        rows_axpy_f64(c, a, g, d);
    }
}

void tmx__problem_grad_f32(const tmx__problem *pb, const float *x, const int64_t *rows, int64_t count, double scale,
                           float *g, double *ws)
{
    int64_t d = pb->d;
    if (pb->kind == TMX_PROB_MLP) {
        double *xd = ws + 2 * pb->hidden + 2 * pb->nclass, *gd = xd + pb->p;
        for (int64_t k = 0; k < pb->p; k++) xd[k] = x[k], gd[k] = 0.0;
        tmx__problem_accumulate(pb, xd, rows, count, scale, gd, NULL, ws);
        for (int64_t k = 0; k < pb->p; k++) g[k] += (float)gd[k];
        return;
    }
    const double *y = pb->D->y;
    float w = (float)(scale / (double)count);
    for (int64_t q = 0; q < count; q += 4) {
        int r = count - q < 4 ? (int)(count - q) : 4;
        const float *a[4];
        float z[4], c[4];
        for (int j = 0; j < 4; j++) a[j] = pb->Af + rows[q + (j < r ? j : 0)] * d;
        rows_dot_f32(a, x, d, z);
        for (int j = 0; j < 4; j++) {
            float b = (float)(j < r ? y[rows[q + j]] : 0.0);
            c[j] = j < r ? w * (pb->kind == TMX_PROB_LOGREG_NC ? -b / (1.0f + expf(b * z[j])) : z[j] - b) : 0.0f;
        }
        rows_axpy_f32(c, a, g, d);
    }
}

void tmx__problem_reg_grad_f32(const tmx__problem *pb, const float *x, float *g)
{
    float two_lam = (float)(2.0 * pb->reg);
    if (two_lam == 0.0f) return;
#pragma omp simd
    for (int64_t k = 0; k < pb->p; k++) {
        float inv = 1.0f / (1.0f + x[k] * x[k]);
        g[k] += two_lam * x[k] * inv * inv;
    }
}
