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
void tmx__cpu_cols_add(const tmx_sim *s, const void *X, int64_t cols, double *out)
{
    int64_t p = s->p;
    for (int64_t i = 0; i < cols; i++) {
        if (s->f32) {
            const float *x = (const float *)X + i * p;
            for (int64_t k = 0; k < p; k++) out[k] += x[k];
        } else {
            const double *x = (const double *)X + i * p;
            for (int64_t k = 0; k < p; k++) out[k] += x[k];
        }
    }
}

static void cpu_cols_mean(const tmx_sim *s, const void *X, double *out)
{
    int64_t p = s->p;
    memset(out, 0, (size_t)p * sizeof *out);
    tmx__cpu_cols_add(s, X, s->n, out);
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

/* ---- the gossip over agents, for small p --------------------------------------------------------
 * With p < AGENT_P mix_block's register tiles of 16 coordinates cover little or nothing (below 16
 * every coordinate goes through its scalar tail, which re-reads row i's indices and weights once per
 * coordinate), and splitting p among threads makes each thread walk all N rows. Here each thread
 * takes a contiguous range of rows (agents) instead and accumulates all p coordinates of a
 * neighbour at once, in mix_block's order and expression (each output entry is the same bit for
 * bit: the logs of docs/performance.md §4.3 are compared byte for byte), with its share of the
 * workers' column sums; after one barrier every thread forms the mean from the shares in thread
 * order and runs mix_block's statistics pass over its own rows. On one thread the shares, the mean and the
 * statistics are mix_block's, in its order; on T threads the column sums and the consensus and
 * sum-of-squares totals are added up in T contiguous parts (docs/performance.md §4.3). */
#define AGENT_P 128
#define AGENT_MAXT 64 /* threads of the agents' gossip (the shares live on the stack) */

#define TMX__MIX_AGENTS(NAME, T, PP, SQ)                                                           \
    TMX__CLONES static void NAME(const tmx_csr *W, const T *in, const T *g, T gamma, T *out, int64_t p_, int64_t i0, \
                                 int64_t i1, int64_t n, T *colsum, double *sq_io)                  \
    {                                                                                              \
        const int64_t p = PP ? PP : p_;                                                            \
        double sqr[AGENT_P] = {0}; /* per coordinate: no chain of dependent additions across rows */ \
        for (int64_t i = i0; i < i1; i++) {                                                        \
            T acc[AGENT_P] = {0};                                                                  \
            int64_t e0 = W ? W->rowptr[i] : 0, e1 = W ? W->rowptr[i + 1] : 1;                      \
            for (int64_t e = e0; e < e1; e++) {                                                    \
                int64_t j = W ? W->col[e] : i;                                                     \
                T w = W ? (T)W->val[e] : (T)1;                                                     \
                const T *x = in + j * p;                                                           \
                if (g) {                                                                           \
                    const T *gg = g + j * p;                                                       \
                    for (int64_t r = 0; r < p; r++) acc[r] += w * (x[r] - gamma * gg[r]);         \
                } else {                                                                           \
                    for (int64_t r = 0; r < p; r++) acc[r] += w * (x[r] - (T)0);                   \
                }                                                                                  \
            }                                                                                      \
            T *o = out + i * p;                                                                    \
            for (int64_t r = 0; r < p; r++) o[r] = acc[r];                                         \
            if (SQ)                                                                                \
                for (int64_t r = 0; r < p; r++) sqr[r] += (double)acc[r] * (double)acc[r];        \
            else if (i < n)                                                                        \
                for (int64_t r = 0; r < p; r++) colsum[r] += acc[r];                               \
        }                                                                                          \
        if (SQ)                                                                                    \
            for (int64_t r = 0; r < p; r++) *sq_io += sqr[r];                                      \
    }
/* p known at compile time for p = 10 (every operation is entrywise: the same values for any p) */
TMX__MIX_AGENTS(mix_agents, double, 0, 0)
TMX__MIX_AGENTS(mix_agents_f32, float, 0, 0)
TMX__MIX_AGENTS(mix_agents_p10, double, 10, 0)
TMX__MIX_AGENTS(mix_agents_f32_p10, float, 10, 0)
/* without consensus control the step's statistics serve the divergence check alone: the sum of
 * squares accumulates in the same pass (any order), with no column sums, barrier or second pass */
TMX__MIX_AGENTS(mix_agents_sq, double, 0, 1)
TMX__MIX_AGENTS(mix_agents_f32_sq, float, 0, 1)
TMX__MIX_AGENTS(mix_agents_p10_sq, double, 10, 1)
TMX__MIX_AGENTS(mix_agents_f32_p10_sq, float, 10, 1)

/* Thread t of T's part of mix_range_agents: rows [N·t/T, N·(t+1)/T), its shares of the column sums
 * in part[t] (partf[t] in f32), then, after the team's barrier, its statistics in cons_t[t], sq_t[t]. */
static void agents_part(const tmx_sim *s, const tmx_csr *W, const void *in, const void *g, double gamma, void *out,
                        int64_t N, int64_t n, int t, int T, double (*part)[AGENT_P], float (*partf)[AGENT_P],
                        double *cons_t, double *sq_t)
{
    int64_t p = s->p, lo = N * t / T, hi = N * (t + 1) / T;
    int64_t nl = n - lo < 0 ? 0 : n - lo > hi - lo ? hi - lo : n - lo;
    double c = 0.0, q = 0.0;
    if (s->cfg.control == TMX_CONTROL_NONE) {
        if (s->f32)
            (p == 10 ? mix_agents_f32_p10_sq : mix_agents_f32_sq)(W, in, g, (float)gamma, out, p, lo, hi, n, NULL, &q);
        else
            (p == 10 ? mix_agents_p10_sq : mix_agents_sq)(W, in, g, gamma, out, p, lo, hi, n, NULL, &q);
        cons_t[t] = NAN;
        sq_t[t] = q;
        return;
    }
    /* ET: the element type; PARTS: the team's shares in ET; KERN, KERN_P10: mix_agents in ET; STATS: its
     * statistics pass */
#define AGENTS_STATS(ET, PARTS, KERN, KERN_P10, STATS)                                             \
    {                                                                                              \
        ET *cs = PARTS[t], mean[AGENT_P] = {0};                                                    \
        for (int64_t r = 0; r < p; r++) cs[r] = (ET)0;                                             \
        (p == 10 ? KERN_P10 : KERN)(W, in, g, (ET)gamma, out, p, lo, hi, n, cs, NULL);             \
        if (T > 1) {                                                                               \
            _Pragma("omp barrier")                                                                 \
        }                                                                                          \
        for (int u = 0; u < T; u++)                                                                \
            for (int64_t r = 0; r < p; r++) mean[r] += PARTS[u][r];                                \
        ET inv = (ET)1 / (ET)n;                                                                    \
        for (int64_t r = 0; r < p; r++) mean[r] *= inv;                                            \
        STATS((const ET *)out + lo * p, p, hi - lo, nl, 0, p, mean, &c, &q);                       \
    }
    if (s->f32) AGENTS_STATS(float, partf, mix_agents_f32, mix_agents_f32_p10, mix_block_f32_stats)
    else AGENTS_STATS(double, part, mix_agents, mix_agents_p10, mix_block_stats)
#undef AGENTS_STATS
    cons_t[t] = c;
    sq_t[t] = q;
}

/* The gossip of tmx__cpu_mix_range for p < AGENT_P, on `nt` threads (1: no parallel region, see
 * cpu_vec_comb). */
static void mix_range_agents(const tmx_sim *s, const tmx_csr *W, const void *in, const void *g, double gamma,
                             void *out, int64_t N, int64_t n, int nt, mix_stats *st)
{
    double part[AGENT_MAXT][AGENT_P], cons_t[AGENT_MAXT], sq_t[AGENT_MAXT];
    float partf[AGENT_MAXT][AGENT_P];
    if (nt > AGENT_MAXT) nt = AGENT_MAXT;
    if (nt > N) nt = N > 0 ? (int)N : 1;
    if (nt > 1) {
#pragma omp parallel num_threads(nt)
        {
#ifdef _OPENMP
            int t = omp_get_thread_num(), T = omp_get_num_threads();
#else
            int t = 0, T = 1;
#endif
            agents_part(s, W, in, g, gamma, out, N, n, t, T, part, partf, cons_t, sq_t);
            if (t == 0) nt = T; /* the team may be smaller than asked */
        }
    } else {
        agents_part(s, W, in, g, gamma, out, N, n, 0, 1, part, partf, cons_t, sq_t);
    }
    double cons = 0.0, sq = 0.0;
    for (int t = 0; t < nt; t++) cons += cons_t[t], sq += sq_t[t];
    st->consensus = cons / (double)n;
    st->sumsq = sq;
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

/* The coordinate blocks of the gossip's statistics on one thread (mpi.c chains them in this order):
 * the agents' gossip takes all p coordinates at once. */
int64_t tmx__cpu_mix_block(const tmx_sim *s) { return s->p < AGENT_P ? s->p : mix_bs(s, s->N); }

/* The gossip over rows 0..N−1 (workers: < n); cpu_mix_axpy's over every node, mpi.c's over a rank's. */
void tmx__cpu_mix_range(const tmx_sim *s, const tmx_csr *W, const void *in, const void *g, double gamma, void *out,
                        int64_t N, int64_t n, mix_stats *st)
{
    int64_t p = s->p, bs = mix_bs(s, N);
    int64_t nblocks = (p + bs - 1) / bs;
    double cons = 0.0, sq = 0.0;
    if (p < AGENT_P) {
        /* a fork only for ≥ 64k entries (≈ 50 µs on one core): a shared core can stall a team at
         * every barrier, and a passive wait costs tens of µs (docs/performance.md §4.3) */
        mix_range_agents(s, W, in, g, gamma, out, N, n, p * N >= 65536 ? s->nthreads : 1, st);
        return;
    }
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

/* ---- many agents, short rows: the gradients as one stream -------------------------------------
 * For linear models with a small minibatch and short rows, the per-agent work is a few dozen
 * multiply-adds on rows that miss in cache, so grad_agent's call chain and its prefetch two agents
 * ahead leave the core waiting on memory. The stream runs over a range of agents: agent i's draws
 * (the same tmx__hash4 values, the (seed, i, counter) prefix hoisted) and the prefetch of its rows
 * run AHEAD agents before its arithmetic, which is problem.c's four-rows-at-a-time loops inlined
 * (the same statements in the same clones, so the same sums bit for bit). The regulariser and the
 * local step run in stream_tail once per TAIL_AGENTS agents. Rows of 512 B to 2 KiB take the
 * stream's draws and prefetches with grad_agent's arithmetic (grad_stream_long); longer rows keep
 * grad_agent, whose kernels stream within a row (problem.c). */
#define AHEAD 8
#define STREAM_BMAX 32       /* largest minibatch of the stream */
#define STREAM_ROW_BYTES 2048 /* longest row of the stream (d × element size) */
#define STREAM_INLINE_BYTES 512 /* longest row whose arithmetic the stream inlines */
#define STREAM_AHEAD_BYTES 16384 /* rows in flight: the prefetch distance in bytes of sampled rows */

/* Agents between an agent's draws (and prefetches) and its arithmetic: AHEAD for short rows, fewer
 * once AHEAD agents' sampled rows would exceed STREAM_AHEAD_BYTES, at least 1. */
static int64_t stream_ahead(const tmx_sim *s)
{
    int64_t per = s->cfg.batch * s->D->d * (int64_t)s->esz, a = per > 0 ? STREAM_AHEAD_BYTES / per : AHEAD;
    return a < 1 ? 1 : a > AHEAD ? AHEAD : a;
}

static int stream_ok(const tmx_sim *s, int want_norm)
{
    int64_t B = s->cfg.batch;
    return !want_norm && B >= 1 && B <= STREAM_BMAX && s->D->d * (int64_t)s->esz <= STREAM_ROW_BYTES &&
           (s->pb.kind == TMX_PROB_LSQ_NC || s->pb.kind == TMX_PROB_LOGREG_NC) && s->p == s->D->d;
}

/* g += ∇R(x), then with adapt g ← x − γ·g, over `len` consecutive entries (the rows of a few
 * consecutive agents): the statements of tmx__problem_reg_grad and grad_agent. Those are compiled
 * without clones, so without FMA; these are cloned for the wider divisions (SSE2's were a fifth of
 * the iteration at n = 10⁵, d = 10) but with contraction off, so they give the same values. */
#define TAIL_AGENTS 16
#if defined(__GNUC__) && !defined(__clang__)
#define TMX__NO_CONTRACT __attribute__((noinline, optimize("fp-contract=off")))
#else
#define TMX__NO_CONTRACT __attribute__((noinline))
#endif
TMX__CLONES TMX__NO_CONTRACT static void stream_tail_f64(const tmx__problem *pb, const double *x, double *g,
                                                          int64_t len, double gamma, int adapt)
{
    double two_lam = 2.0 * pb->reg;
    if (two_lam != 0.0)
#pragma omp simd
        for (int64_t k = 0; k < len; k++) {
            double inv = 1.0 / (1.0 + x[k] * x[k]);
            g[k] += two_lam * x[k] * inv * inv;
        }
    if (adapt)
#pragma omp simd
        for (int64_t k = 0; k < len; k++) g[k] = x[k] - gamma * g[k];
}

TMX__CLONES TMX__NO_CONTRACT static void stream_tail_f32(const tmx__problem *pb, const float *x, float *g,
                                                          int64_t len, double gamma, int adapt)
{
    float two_lam = (float)(2.0 * pb->reg);
    const float gam = (float)gamma;
    if (two_lam != 0.0f)
#pragma omp simd
        for (int64_t k = 0; k < len; k++) {
            float inv = 1.0f / (1.0f + x[k] * x[k]);
            g[k] += two_lam * x[k] * inv * inv;
        }
    if (adapt)
        for (int64_t k = 0; k < len; k++) g[k] = x[k] - gam * g[k];
}

/* Agent i's minibatch rows into r (B of them), and a prefetch of its rows: the whole shard when it
 * is contiguous and at most twice the lines the sample touches (a row straddles up to one line more
 * than its bytes; consecutive agents' shards then form one stream), else the sampled rows. Whole
 * shards of 20 or 40 rows of 80 B for B = 4 cost 1.6–1.8× the iteration at n = 10⁵ (they were
 * prefetched up to 4 KiB); at 10 rows it is even (docs/performance.md §4.4). Under a contiguous
 * partition (s->order_id) row k of the shard is row s0 + k of the data, and the order is not read:
 * 0.91× the iteration at (10⁵, 10, 10, 4) on two threads. The labels too: both ends of a small
 * shard's, else each sampled row's (with only the first row's prefetched, the others missed one at
 * a time: 0.89× and 0.92× the iteration at (4096 and 10⁴, 100, 50, 8), ABBA). */
__attribute__((always_inline)) static inline void stream_draw(const tmx_sim *s, const char *A, int64_t gi,
                                                               int64_t counter, uint64_t h0, int64_t *r)
{
    const tmx_partition *P = s->P;
    int64_t B = s->cfg.batch, s0 = P->start[gi], mi = P->start[gi + 1] - s0;
    size_t row = (size_t)s->D->d * s->esz;
    const int64_t *shard = s->order_id ? NULL : P->order + s0; /* NULL: rows s0 + k */
    uint64_t hi = tmx__mix64(tmx__mix64(h0 ^ (uint64_t)gi) ^ (uint64_t)counter);
    int small = (size_t)mi * row <= 2 * (size_t)B * (row + 64) && (!shard || shard[mi - 1] == shard[0] + mi - 1);
    for (int64_t q = 0; q < B; q++) {
        int64_t k = index_of(tmx__mix64(hi ^ (uint64_t)q), mi);
        r[q] = shard ? shard[k] : s0 + k;
        if (!small) {
            const char *a = A + (size_t)r[q] * row;
            for (size_t off = 0; off < row; off += 64) __builtin_prefetch(a + off, 0, 2);
            __builtin_prefetch(a + row - 1, 0, 2);
            __builtin_prefetch(s->D->y + r[q], 0, 2); /* its label: anywhere in the shard's */
        }
    }
    if (small) {
        const int64_t f = shard ? shard[0] : s0; /* the shard is rows f … f + mi − 1 */
        const char *a = A + (size_t)f * row;
        for (size_t off = 0; off < (size_t)mi * row; off += 64) __builtin_prefetch(a + off);
        __builtin_prefetch(s->D->y + f); /* its labels: one or two lines at a few rows */
        __builtin_prefetch(s->D->y + f + mi - 1);
    }
}

/* Agents [i0, i1) of cpu_gradients through the stream (want_norm 0). T: the element type; DD: d
 * when known at compile time (0: s->D->d); TAIL: stream_tail_*; A_OF: the data in T; WEIGHT: the
 * rows' weight 1/B as problem.c rounds it; DLOSS: its dℓ/dz in T. */
#define TMX__GRAD_STREAM(NAME, T, DD, TAIL, A_OF, WEIGHT, DLOSS)                                   \
    TMX__CLONES static void NAME(tmx_sim *s, int64_t i0, int64_t i1, const void *X, void *G, int64_t counter, \
                                 int adapt, double gamma)                                          \
    {                                                                                              \
        const int64_t d = DD ? DD : s->D->d, B = s->cfg.batch;                                     \
        const T *A = A_OF;                                                                         \
        const double *y = s->D->y;                                                                 \
        const int logreg = s->pb.kind == TMX_PROB_LOGREG_NC;                                       \
        const T w = WEIGHT;                                                                        \
        const uint64_t h0 = tmx__mix64(s->cfg.seed);                                               \
        int64_t rows[AHEAD * STREAM_BMAX];                                                         \
        for (int64_t i = i0; i < i1 + AHEAD; i++) {                                                \
            int64_t j = i - AHEAD; /* agent j's arithmetic, then agent i's draws into its slot */ \
            if (j >= i0) {                                                                         \
                const int64_t *rj = rows + (j % AHEAD) * STREAM_BMAX;                              \
                const T *x = (const T *)X + j * d;                                                 \
                T *g = (T *)G + j * d;                                                             \
                for (int64_t k = 0; k < d; k++) g[k] = (T)0;                                       \
                for (int64_t q = 0; q < B; q += 4) {                                               \
                    int r = B - q < 4 ? (int)(B - q) : 4;                                          \
                    const T *a0 = A + rj[q] * d, *a1 = A + rj[q + (1 < r ? 1 : 0)] * d;            \
                    const T *a2 = A + rj[q + (2 < r ? 2 : 0)] * d, *a3 = A + rj[q + (3 < r ? 3 : 0)] * d; \
                    T s0 = 0, s1 = 0, s2 = 0, s3 = 0;                                              \
                    _Pragma("omp simd reduction(+ : s0, s1, s2, s3)") for (int64_t k = 0; k < d; k++) \
                    {                                                                              \
                        s0 += a0[k] * x[k];                                                        \
                        s1 += a1[k] * x[k];                                                        \
                        s2 += a2[k] * x[k];                                                        \
                        s3 += a3[k] * x[k];                                                        \
                    }                                                                              \
                    const T zz[4] = {s0, s1, s2, s3};                                              \
                    T c[4];                                                                        \
                    for (int t = 0; t < 4; t++) c[t] = t < r ? w * DLOSS(y[rj[q + t]], zz[t]) : (T)0; \
                    const T c0 = c[0], c1 = c[1], c2 = c[2], c3 = c[3];                            \
                    _Pragma("omp simd") for (int64_t k = 0; k < d; k++) g[k] += c0 * a0[k] + c1 * a1[k] + \
                                                                                c2 * a2[k] + c3 * a3[k]; \
                }                                                                                  \
                if ((j - i0) % TAIL_AGENTS == TAIL_AGENTS - 1 || j == i1 - 1) {                    \
                    int64_t j0 = j - (j - i0) % TAIL_AGENTS; /* the block's first agent */          \
                    TAIL(&s->pb, (const T *)X + j0 * d, (T *)G + j0 * d, (j + 1 - j0) * d, gamma, adapt); \
                }                                                                                  \
            }                                                                                      \
            if (i < i1) stream_draw(s, (const char *)A, i + s->col0, counter, h0, rows + (i % AHEAD) * STREAM_BMAX); \
        }                                                                                          \
    }
#define DLOSS_F64(b, z) (logreg ? -(b) / (1.0 + exp((b) * (z))) : (z) - (b))
#define DLOSS_F32(b, z) (logreg ? -(float)(b) / (1.0f + expf((float)(b) * (z))) : (z) - (float)(b))
/* d known at compile time for the commonest short rows (DD = 0: any d); in f32 the constant trip
 * count changes the dot products' reduction order, so f32 keeps the general loop */
TMX__GRAD_STREAM(grad_stream_f64, double, 0, stream_tail_f64, s->D->A, 1.0 / (double)B, DLOSS_F64)
TMX__GRAD_STREAM(grad_stream_f32, float, 0, stream_tail_f32, s->Af, (float)(1.0 / (double)B), DLOSS_F32)
TMX__GRAD_STREAM(grad_stream_f64_d10, double, 10, stream_tail_f64, s->D->A, 1.0 / (double)B, DLOSS_F64)

/* Long rows (STREAM_INLINE_BYTES < d × element size ≤ STREAM_ROW_BYTES): the stream's draws and
 * prefetches (into L2), stream_ahead(s) agents ahead, with grad_agent's arithmetic: problem.c's
 * kernels, then the regulariser and the local step (stream_tail: the same values). At d = 100 the
 * sampled rows (800 bytes, anywhere in a 40 KB shard) otherwise arrive one cache miss at a time. */
static void grad_stream_long(tmx_sim *s, int64_t i0, int64_t i1, const void *X, void *G, int64_t counter, int adapt,
                             double gamma)
{
    const int64_t d = s->D->d, B = s->cfg.batch, ahead = stream_ahead(s);
    const char *A = s->f32 ? (const char *)s->Af : (const char *)s->D->A;
    const uint64_t h0 = tmx__mix64(s->cfg.seed);
    const size_t row = (size_t)d * s->esz;
    int64_t rows[AHEAD * STREAM_BMAX];
    for (int64_t i = i0; i < i1 + ahead; i++) {
        int64_t j = i - ahead; /* agent j's arithmetic, then agent i's draws into its slot */
        if (j >= i0) {
            const int64_t *rj = rows + (j % AHEAD) * STREAM_BMAX;
            const char *x = (const char *)X + (size_t)j * row;
            char *g = (char *)G + (size_t)j * row;
            memset(g, 0, row);
            if (s->f32) {
                tmx__problem_grad_f32(&s->pb, (const float *)x, rj, B, 1.0, (float *)g, NULL);
                stream_tail_f32(&s->pb, (const float *)x, (float *)g, d, gamma, adapt);
            } else {
                tmx__problem_grad(&s->pb, (const double *)x, rj, B, 1.0, (double *)g, NULL);
                stream_tail_f64(&s->pb, (const double *)x, (double *)g, d, gamma, adapt);
            }
        }
        if (i < i1) stream_draw(s, A, i + s->col0, counter, h0, rows + (i % AHEAD) * STREAM_BMAX);
    }
}

static void grad_stream(tmx_sim *s, int64_t i0, int64_t i1, const void *X, void *G, int64_t counter, int adapt,
                        double gamma)
{
    if (s->D->d * (int64_t)s->esz > STREAM_INLINE_BYTES) {
        grad_stream_long(s, i0, i1, X, G, counter, adapt, gamma);
        return;
    }
    if (!s->f32 && s->D->d == 10) grad_stream_f64_d10(s, i0, i1, X, G, counter, adapt, gamma);
    else if (s->f32) grad_stream_f32(s, i0, i1, X, G, counter, adapt, gamma);
    else grad_stream_f64(s, i0, i1, X, G, counter, adapt, gamma);
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
    if (stream_ok(s, want)) {
        /* blocks of at least 256 agents and about 64k multiply-adds, so that the stream's start-up
         * (AHEAD agents of draws) is paid rarely; handed out dynamically (a shared core may stall) */
        int64_t blk = (int64_t)(65536.0 / ((double)B * (double)s->D->d)), nblk;
        blk = blk < 256 ? 256 : blk;
        if (s->D->d * (int64_t)s->esz > STREAM_INLINE_BYTES) {
            /* long rows: a stream starts stream_ahead (1-2) agents early; grad_agent's chunks of
             * about 16k multiply-adds keep both threads busy from a few dozen agents on */
            int64_t a = 4 * stream_ahead(s);
            blk = (int64_t)(16384.0 / ((double)B * (double)s->D->d));
            blk = blk < a ? a : blk;
        }
        nblk = (n + blk - 1) / blk;
        if (nblk > 1 && work > 32768) {
#pragma omp parallel for schedule(dynamic, 1)
            for (int64_t b = 0; b < nblk; b++)
                grad_stream(s, b * blk, (b + 1) * blk < n ? (b + 1) * blk : n, X, G, counter, adapt, gamma);
        } else {
            grad_stream(s, 0, n, X, G, counter, adapt, gamma);
        }
    } else if (n > 1 && work > 32768) {
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
