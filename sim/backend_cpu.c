/* topomix simulator — the CPU backend: the operations on the agents' state that the algorithms are
 * written against (see tmx__backend in sim_internal.h), with OpenMP over rows or agents and kernels
 * cloned for AVX-512 and AVX2. It is the reference that every other backend is tested against. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/src/internal.h"
#include "problem.h"
#include "sim_internal.h"
#include "sim_mpi.h"

#ifdef _OPENMP
#include <omp.h>
#endif

/* Unbiased index in [0, m) from a 64-bit hash (Lemire's multiply-shift; bias < m/2^64). */
static int64_t index_of(uint64_t h, int64_t m)
{
    __extension__ typedef unsigned __int128 u128;
    return (int64_t)(((u128)h * (u128)(uint64_t)m) >> 64);
}

/* ---- state vectors in either precision ---------------------------------------------------------
 * The algorithms are written once against these helpers; only they, the gossip kernel and the
 * gradients look at the element type. */

/* dst ← a·A + b·B + c·C over all p × N entries (B, C may be NULL; dst may alias any input).
 * Here and below, work too small for two threads runs outside any parallel region rather than in
 * one with a false if clause, which libgomp serialises by allocating a team each time: the
 * iteration loop allocates nothing. */
static void cpu_vec_comb(const tmx_sim *s, void *dst, double a, const void *A, double b, const void *B, double c,
                     const void *C)
{
    int64_t total = s->p * s->N;
    if (s->f32) {
        float *d = dst, fa = (float)a, fb = (float)b, fc = (float)c;
        const float *x = A, *y = B, *z = C;
        if (total > 65536) {
#pragma omp parallel for simd schedule(static)
            for (int64_t q = 0; q < total; q++) d[q] = fa * x[q] + (y ? fb * y[q] : 0.0f) + (z ? fc * z[q] : 0.0f);
        } else {
#pragma omp simd
            for (int64_t q = 0; q < total; q++) d[q] = fa * x[q] + (y ? fb * y[q] : 0.0f) + (z ? fc * z[q] : 0.0f);
        }
    } else {
        double *d = dst;
        const double *x = A, *y = B, *z = C;
        if (total > 65536) {
#pragma omp parallel for simd schedule(static)
            for (int64_t q = 0; q < total; q++) d[q] = a * x[q] + (y ? b * y[q] : 0.0) + (z ? c * z[q] : 0.0);
        } else {
#pragma omp simd
            for (int64_t q = 0; q < total; q++) d[q] = a * x[q] + (y ? b * y[q] : 0.0) + (z ? c * z[q] : 0.0);
        }
    }
}

/* out ← the mean of the n workers' columns of X (out: p doubles). */
static void cpu_cols_mean(const tmx_sim *s, const void *X, double *out)
{
    int64_t p = s->p;
    memset(out, 0, (size_t)p * sizeof *out);
    for (int64_t i = 0; i < s->n; i++) {
        if (s->f32) {
            const float *x = (const float *)X + i * p;
            for (int64_t k = 0; k < p; k++) out[k] += x[k];
        } else {
            const double *x = (const double *)X + i * p;
            for (int64_t k = 0; k < p; k++) out[k] += x[k];
        }
    }
    for (int64_t k = 0; k < p; k++) out[k] /= (double)s->n;
}

/* Columns 0..cols−1 of X ← a·X[:, i] + b·v (v: p doubles). */
static void cpu_cols_set(const tmx_sim *s, void *X, double a, double b, const double *v, int64_t cols)
{
    int64_t p = s->p;
    for (int64_t i = 0; i < cols; i++) {
        if (s->f32) {
            float *x = (float *)X + i * p;
            for (int64_t k = 0; k < p; k++) x[k] = (float)(a * x[k] + b * v[k]);
        } else {
            double *x = (double *)X + i * p;
            for (int64_t k = 0; k < p; k++) x[k] = a * x[k] + b * v[k];
        }
    }
}

/* Rows of X per block: the block of all N columns (read and written) stays in L2. */
static int64_t block_rows(int64_t N)
{
    int64_t b = 32768 / (N > 0 ? N : 1);
    b = (b / 8) * 8;
    return b < 64 ? 64 : b;
}

/* Rows per register tile of the gossip kernel. */
#define TILE 16

/* One block of rows [r0, r0 + len) of the gossip out[:, i] ← Σ_j w_ij (in[:, j] − γ·g[:, j]) (g
 * may be NULL; W NULL means the identity), with the block's share of the consensus distance and the
 * sum of squares (accumulated in double). Each output tile is accumulated in registers over all of
 * row i's neighbours and written once; the workers' mean is accumulated in the same pass; the
 * statistics then read the block back from cache. Generated for double (mix_block) and float
 * (mix_block_f32); cloned for AVX-512 and AVX2, picked at load time. */
#define TMX__MIX_BLOCK(NAME, T)                                                                    \
    TMX__CLONES static void NAME(const tmx_csr *W, const T *in, const T *g, T gamma, T *out, int64_t p, int64_t N, \
                                 int64_t n, int64_t r0, int64_t len, T *mean, double *cons_out, double *sq_out) \
    {                                                                                              \
        for (int64_t r = 0; r < len; r++) mean[r] = (T)0;                                          \
        for (int64_t i = 0; i < N; i++) {                                                          \
            T *o = out + i * p + r0;                                                               \
            int64_t e0 = W ? W->rowptr[i] : 0, e1 = W ? W->rowptr[i + 1] : 1;                      \
            int64_t r = 0;                                                                         \
            for (; r + TILE <= len; r += TILE) {                                                   \
                T acc[TILE] = {0};                                                                 \
                for (int64_t e = e0; e < e1; e++) {                                                \
                    int64_t j = W ? W->col[e] : i;                                                 \
                    T w = W ? (T)W->val[e] : (T)1;                                                 \
                    const T *x = in + j * p + r0 + r;                                              \
                    if (g) {                                                                       \
                        const T *gg = g + j * p + r0 + r;                                          \
                        for (int t = 0; t < TILE; t++) acc[t] += w * (x[t] - gamma * gg[t]);       \
                    } else {                                                                       \
                        for (int t = 0; t < TILE; t++) acc[t] += w * x[t];                         \
                    }                                                                              \
                }                                                                                  \
                for (int t = 0; t < TILE; t++) o[r + t] = acc[t];                                  \
                if (i < n)                                                                         \
                    for (int t = 0; t < TILE; t++) mean[r + t] += acc[t];                          \
            }                                                                                      \
            for (; r < len; r++) { /* the tail */                                                  \
                T acc = (T)0;                                                                      \
                for (int64_t e = e0; e < e1; e++) {                                                \
                    int64_t j = W ? W->col[e] : i;                                                 \
                    T w = W ? (T)W->val[e] : (T)1;                                                 \
                    acc += w * (in[j * p + r0 + r] - (g ? gamma * g[j * p + r0 + r] : (T)0));     \
                }                                                                                  \
                o[r] = acc;                                                                        \
                if (i < n) mean[r] += acc;                                                         \
            }                                                                                      \
        }                                                                                          \
        T inv = (T)1 / (T)n;                                                                       \
        double cons = 0.0, sq = 0.0;                                                               \
        for (int64_t r = 0; r < len; r++) mean[r] *= inv;                                          \
        NAME##_stats(out, p, N, n, r0, len, mean, &cons, &sq);                                     \
        *cons_out = cons;                                                                          \
        *sq_out = sq;                                                                              \
    }
/* The statistics pass of a block, continuing the sums *cons_io and *sq_io: its own function so that
 * the MPI layer (mpi.c) runs the same reduction over a rank's columns. */
#define TMX__MIX_STATS(NAME, T)                                                                    \
    TMX__CLONES static void NAME(const T *out, int64_t p, int64_t N, int64_t n, int64_t r0, int64_t len, \
                                 const T *mean, double *cons_io, double *sq_io)                    \
    {                                                                                              \
        double cons = *cons_io, sq = *sq_io;                                                       \
        for (int64_t i = 0; i < N; i++) {                                                          \
            const T *o = out + i * p + r0;                                                         \
            if (i < n) {                                                                           \
                _Pragma("omp simd reduction(+ : cons, sq)") for (int64_t r = 0; r < len; r++)     \
                {                                                                                  \
                    double v = o[r], dv = (double)(o[r] - mean[r]);                                \
                    sq += v * v;                                                                   \
                    cons += dv * dv;                                                               \
                }                                                                                  \
            } else {                                                                               \
                _Pragma("omp simd reduction(+ : sq)") for (int64_t r = 0; r < len; r++) sq +=     \
                    (double)o[r] * (double)o[r];                                                   \
            }                                                                                      \
        }                                                                                          \
        *cons_io = cons;                                                                           \
        *sq_io = sq;                                                                               \
    }
TMX__MIX_STATS(mix_block_stats, double)
TMX__MIX_STATS(mix_block_f32_stats, float)
TMX__MIX_BLOCK(mix_block, double)
TMX__MIX_BLOCK(mix_block_f32, float)

void tmx__cpu_mix_stats(const tmx_sim *s, const void *out, int64_t N, int64_t n, int64_t r0, int64_t len,
                        const void *mean, double *cons, double *sq)
{
    if (s->f32) mix_block_f32_stats(out, s->p, N, n, r0, len, mean, cons, sq);
    else mix_block_stats(out, s->p, N, n, r0, len, mean, cons, sq);
}

/* Rows [r0, r0 + bs) ∩ [0, p) of the gossip, in chunks of at most 4096 rows (the mean's buffer);
 * adds the block's consensus and sum-of-squares shares to *cons and *sq. */
static void mix_rows(const tmx_sim *s, const tmx_csr *W, const void *in, const void *g, double gamma, void *out,
                     int64_t N, int64_t n, int64_t r0, int64_t bs, double *cons, double *sq)
{
    int64_t p = s->p, len = (r0 + bs <= p ? bs : p - r0);
    double mean[4096];
    for (int64_t c0 = 0; c0 < len; c0 += 4096) {
        int64_t cl = len - c0 < 4096 ? len - c0 : 4096;
        double cc, qq;
        if (s->f32)
            mix_block_f32(W, in, g, (float)gamma, out, p, N, n, r0 + c0, cl, (float *)mean, &cc, &qq);
        else
            mix_block(W, in, g, gamma, out, p, N, n, r0 + c0, cl, mean, &cc, &qq);
        *cons += cc;
        *sq += qq;
    }
}

/* out ← the gossip of (in − γ·g) over every node (g may be NULL; W NULL: identity), blocked along
 * p, with the consensus distance of the output fused in the same pass. out must not alias in or g,
 * except with W NULL and g NULL (statistics only), where in == out is allowed. */
/* Rows of X per block over N columns. */
static int64_t mix_bs(const tmx_sim *s, int64_t N)
{
    int64_t p = s->p, bs = block_rows(N);
    /* at least one block per thread once the state is big enough to pay for the fork */
    if (s->nthreads > 1 && p * N >= 8192 && (p + bs - 1) / bs < s->nthreads) {
        bs = (p + s->nthreads - 1) / s->nthreads;
        bs = (bs + 7) / 8 * 8;
    }
    return bs;
}

int64_t tmx__cpu_mix_block(const tmx_sim *s) { return mix_bs(s, s->N); }

/* The gossip over rows 0..N−1 (workers: < n); cpu_mix_axpy's over every node, mpi.c's over a rank's. */
void tmx__cpu_mix_range(const tmx_sim *s, const tmx_csr *W, const void *in, const void *g, double gamma, void *out,
                        int64_t N, int64_t n, mix_stats *st)
{
    int64_t p = s->p, bs = mix_bs(s, N);
    int64_t nblocks = (p + bs - 1) / bs;
    double cons = 0.0, sq = 0.0;
    if (nblocks > 1 && p * N >= 8192) {
#pragma omp parallel for schedule(static) reduction(+ : cons, sq)
        for (int64_t blk = 0; blk < nblocks; blk++) mix_rows(s, W, in, g, gamma, out, N, n, blk * bs, bs, &cons, &sq);
    } else {
        for (int64_t blk = 0; blk < nblocks; blk++) mix_rows(s, W, in, g, gamma, out, N, n, blk * bs, bs, &cons, &sq);
    }
    st->consensus = cons / (double)n;
    st->sumsq = sq;
}

static void cpu_mix_axpy(const tmx_sim *s, const tmx_csr *W, const void *in, const void *g, double gamma, void *out,
                     mix_stats *st)
{
    tmx__cpu_mix_range(s, W, in, g, gamma, out, s->N, s->n, st);
}

/* Agent i's part of cpu_gradients; returns ‖g_i‖² when want_norm (else 0). */
static double grad_agent(tmx_sim *s, int64_t i, const void *X, void *G, int64_t counter, int adapt, double gamma,
                         int want_norm)
{
    int64_t p = s->p, B = s->cfg.batch;
    const tmx_partition *P = s->P;
#ifdef _OPENMP
    int tid = omp_get_thread_num();
#else
    int tid = 0;
#endif
    double *ws = s->ws + tid * s->ws_stride;
    int64_t rows[256];
    int64_t gi = i + s->col0; /* the agent's index (under MPI, i is the rank's column: mpi.c) */
    const int64_t *shard = P->order + P->start[gi];
    int64_t mi = P->start[gi + 1] - P->start[gi];
    char *g = (char *)G + (size_t)(i * p) * s->esz;
    const char *x = (const char *)X + (size_t)(i * p) * s->esz;
    memset(g, 0, (size_t)p * s->esz);
    if (B && gi + 2 < s->n) {
        /* a small contiguous shard (≤ 4 KiB): fetch agent i+2's rows now, or their cache misses stall
         * the dot products of the sampled rows (many agents, small models) */
        size_t row = (size_t)s->D->d * s->esz, lo = (size_t)P->start[gi + 2];
        int64_t cnt = P->start[gi + 3] - P->start[gi + 2];
        const char *a = s->f32 ? (const char *)s->Af : (const char *)s->D->A;
        if (cnt > 0 && (size_t)cnt * row <= 4096 && P->order[lo + (size_t)cnt - 1] == P->order[lo] + cnt - 1)
            for (size_t off = 0; off < (size_t)cnt * row; off += 64) __builtin_prefetch(a + (size_t)P->order[lo] * row + off);
    }
    /* full batch: the whole shard; else chunks of ≤ 256 sampled rows, each weighted by its
     * share of B so that the sum is the mean over the batch */
    for (int64_t b0 = 0; b0 < (B ? B : 1); b0 += 256) {
        const int64_t *r = shard;
        int64_t cnt = mi;
        double scale = 1.0;
        if (B) {
            cnt = B - b0 < 256 ? B - b0 : 256;
            for (int64_t q = 0; q < cnt; q++)
                rows[q] = shard[index_of(tmx__hash4(s->cfg.seed, (uint64_t)gi, (uint64_t)counter, (uint64_t)(b0 + q)), mi)];
            r = rows;
            scale = (double)cnt / (double)B;
        }
        if (s->f32)
            tmx__problem_grad_f32(&s->pb, (const float *)x, r, cnt, scale, (float *)g, ws);
        else
            tmx__problem_grad(&s->pb, (const double *)x, r, cnt, scale, (double *)g, ws);
    }
    double nn = 0.0;
    if (s->f32) {
        float *gf = (float *)g;
        const float *xf = (const float *)x, gam = (float)gamma;
        tmx__problem_reg_grad_f32(&s->pb, xf, gf);
        if (want_norm)
            for (int64_t k = 0; k < p; k++) nn += (double)gf[k] * gf[k];
        if (adapt)
            for (int64_t k = 0; k < p; k++) gf[k] = xf[k] - gam * gf[k];
    } else {
        double *gd = (double *)g;
        const double *xd = (const double *)x;
        tmx__problem_reg_grad(&s->pb, xd, gd);
        if (want_norm) {
#pragma omp simd reduction(+ : nn)
            for (int64_t k = 0; k < p; k++) nn += gd[k] * gd[k];
        }
        if (adapt) /* the local step while x and g are in cache: the gossip then reads one array */
#pragma omp simd
            for (int64_t k = 0; k < p; k++) gd[k] = xd[k] - gamma * gd[k];
    }
    return nn;
}

/* G[:, i] ← stochastic gradient of f_i at X[:, i] for every worker, or with adapt the local step
 * X[:, i] − γ·g_i (aux columns: 0, or X's with adapt). The batch of agent i at counter c is rows
 * hash(seed, i, c, slot) mod m_i of its shard; batch 0 = full shard. */
static void cpu_gradients(tmx_sim *s, const void *X, void *G, int64_t counter, int adapt, double gamma,
                          double *mean_norm2)
{
    int64_t p = s->p, n = s->n, B = s->cfg.batch;
    double norm2 = 0.0, work = (double)(B ? B : s->P->m / n) * (double)s->D->d * (double)n;
    int want = mean_norm2 != NULL;
    if (n > 1 && work > 32768) {
        /* chunks of about 16k multiply-adds: one agent each for large shards and batches, hundreds
         * of tiny agents at a time (contiguous shards then stream, and the queue is not contended) */
        double per = work / (double)n;
        int chunk = per >= 16384.0 ? 1 : (int)(16384.0 / (per > 1.0 ? per : 1.0));
#pragma omp parallel for schedule(dynamic, chunk) reduction(+ : norm2)
        for (int64_t i = 0; i < n; i++) norm2 += grad_agent(s, i, X, G, counter, adapt, gamma, want);
    } else {
        for (int64_t i = 0; i < n; i++) norm2 += grad_agent(s, i, X, G, counter, adapt, gamma, want);
    }
    size_t off = (size_t)(n * p) * s->esz, len = (size_t)(s->aux * p) * s->esz;
    if (s->aux && adapt)
        memcpy((char *)G + off, (const char *)X + off, len);
    else if (s->aux)
        memset((char *)G + off, 0, len);
    if (mean_norm2) *mean_norm2 = norm2 / (double)n;
}

double tmx__cpu_grad_agent(tmx_sim *s, int64_t i, const void *X, void *G, int64_t counter, int adapt, double gamma,
                           int want_norm)
{
    return grad_agent(s, i, X, G, counter, adapt, gamma, want_norm);
}

static void cpu_grad_one(tmx_sim *s, int64_t i, const void *X, void *G, int64_t counter)
{
    grad_agent(s, i, X, G, counter, 0, 0.0, 0);
}

/* ---- memory: the state is host memory ---- */

static void *cpu_alloc(tmx_sim *s, size_t bytes)
{
    (void)s;
    return tmx__alloc_big(bytes, 1);
}

static void cpu_release(tmx_sim *s, void *p)
{
    (void)s;
    free(p);
}

static void cpu_memcpy(const tmx_sim *s, void *dst, const void *src, size_t bytes)
{
    (void)s;
    if (bytes && dst != src) memcpy(dst, src, bytes);
}

/* Σ_{i<n} ‖x_i − mean‖², agent by agent in double (the metrics' order). */
static double cpu_consensus(const tmx_sim *s, const void *X, const double *mean)
{
    int64_t p = s->p;
    double cons = 0.0;
    for (int64_t i = 0; i < s->n; i++) {
        for (int64_t k = 0; k < p; k++) {
            double dv = (s->f32 ? (double)((const float *)X)[i * p + k] : ((const double *)X)[i * p + k]) - mean[k];
            cons += dv * dv;
        }
    }
    return cons;
}

const tmx__backend tmx__cpu_backend = {
    .name = "cpu", .gradients = cpu_gradients, .grad_one = cpu_grad_one, .mix_axpy = cpu_mix_axpy,
    .vec_comb = cpu_vec_comb, .cols_mean = cpu_cols_mean, .cols_set = cpu_cols_set, .host = 1,
    .alloc = cpu_alloc, .release = cpu_release, .to_host = cpu_memcpy, .to_device = cpu_memcpy,
    .copy = cpu_memcpy, .consensus = cpu_consensus, .event_update = tmx__cpu_event_update,
    .debias = tmx__cpu_debias};
