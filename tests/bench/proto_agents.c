/* Prototype, not used by the library: a D-SGD iteration for many agents with small models, laid out
 * the way docs/performance.md §4.2 proposes, timed against the engine's iteration on the same run
 * (lsq-nc, ring, f64, synthetic data of tmx_data_synth, contiguous shards) so that its gain can be
 * judged before porting it into sim/backend_cpu.c.
 *
 * (Since docs/performance.md §4.3 the engine has passes 1 and 2 below, the gradients as a stream
 * and the gossip over agents, with the same results; what this program still shows apart is the
 * one parallel region per iteration, the stencil and the fused passes.)
 * The engine's step before that, for p = d = 10, spent its time in (a) the gossip kernel, which
 * blocked along the model dimension with register tiles of 16 rows and so runs its scalar tail over all agents,
 * with the 10 coordinates split 8 + 2 between the two threads, (b) one call chain per agent for the
 * gradient (grad_agent → tmx__problem_grad → rows_dot/rows_axpy clones → reg_grad) and (c) OpenMP
 * barriers. The prototype:
 *   - parallelises every pass over agents, in the same contiguous static ranges, inside ONE
 *     parallel region per iteration (two barriers);
 *   - pass 1: agent i's minibatch draws (the hash prefix mix64(mix64(mix64(seed) ^ i) ^ k)
 *     hoisted per agent: the same tmx__hash4 values) and the prefetch of its rows run AHEAD = 8
 *     agents before its arithmetic — the whole shard when it is small (≤ 4 KiB, contiguous: the
 *     shards of consecutive agents then form one stream), else exactly the sampled rows; the
 *     arithmetic has the model dimension a compile-time constant (d = 10 and d = 100 specialised,
 *     any other d generic) and makes no calls; it writes v_i = x_i − γ g_i;
 *   - pass 2: x'_i = Σ_j w_ij v_j agent by agent (CSR row i, all p coordinates of a neighbour at
 *     once, the same summation order as the engine), with per-thread column sums and sums of squares;
 *     For a circulant W (the ring) pass 2 is a flat stencil over blocks of agents instead
 *     (mix_circ: no index reads; PROTO_CSR=1 keeps the CSR pass), and with PROTO_FUSE=1 passes 1
 *     and 2 run as one (fused_d10, fused_d100: v kept in a ring of 16 rows in L1, never stored);
 *   - pass 3: the consensus distance Σ_i ‖x'_i − x̄‖² (exact two-pass, as the engine's).
 * It draws the same minibatches and sums in the engine's order, the dot products' reduction order
 * aside, so its state agrees with the engine's to rounding (bit for bit in the meson build here);
 * the check below bounds the difference and fails the run beyond 1e-12 relative.
 *
 * Usage: [PROTO_CSR=1] [PROTO_FUSE=1 [PROTO_NT=1]] [PROTO_NOCONS=1] proto_agents [N D M B [K]]
 *        PROTO_NT=1: the fused pass writes the new state with non-temporal stores; PROTO_NOCONS=1:
 *        the timed rounds skip pass 3, as the engine's iterations between two logged rows do
 *        (default 100000 10 10 4, K = 20 iterations per timed run)
 * Prints the agreement with the engine, then the medians over 5 rounds (engine with and without its
 * simulated clock, prototype), the prototype's three passes timed apart, and both iterations
 * against the traffic bound of bench_agents.py over a STREAM-like copy taken in this process. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <topomix/sim.h>
#include <topomix/topomix.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "bench_util.h"
#include "problem.h"      /* TMX__CLONES: the engine's AVX-512 / AVX2 / baseline clones */
#include "sim_internal.h" /* tmx__mix64: the engine's minibatch draws (tmx__hash4) */

#define LAMBDA 1e-3
#define GAMMA 0.1
#ifndef AHEAD
#define AHEAD 8
#endif
/* AHEAD: agents whose draws and row prefetches run ahead of the arithmetic */
#define BMAX 16   /* largest batch the prototype handles */
#define DMAX 1024 /* largest d of the generic kernel */

typedef struct proto {
    int64_t n, d, B;
    const double *A, *y;
    const int64_t *order, *start;
    const tmx_csr *W;
    uint64_t seed;
    double *X, *V; /* n × d each */
    double *part;  /* per thread: d column sums, then the sum of squares, the consensus share */
    int ncirc;     /* W circulant: its offsets off[] (ascending) and weights; 0 otherwise */
    int64_t off[8];
    double woff[8];
    int fuse; /* fuse passes 1 and 2 when W is circulant (fused_d10, fused_d100) */
    int nt;   /* the fused pass writes the new state with non-temporal stores (no write-allocate) */
    int nocons; /* the timed rounds skip pass 3 (the engine computes the consensus only when it logs) */
} proto;

static int64_t index_of(uint64_t h, int64_t m)
{
    __extension__ typedef unsigned __int128 u128;
    return (int64_t)(((u128)h * (u128)(uint64_t)m) >> 64);
}

/* Pass 1 over agents [i0, i1): V[i] ← x_i − γ (minibatch gradient + regulariser), for a model
 * dimension DD known at compile time (0: P->d at run time). */
#define GRAD_PASS(NAME, DD)                                                                                                  \
    TMX__CLONES static void NAME(const proto *P, int64_t k, int64_t i0, int64_t i1)                                          \
    {                                                                                                                        \
        const int64_t d = DD ? DD : P->d, B = P->B;                                                                          \
        const double inv_b = 1.0 / (double)B;                                                                                \
        const uint64_t h0 = tmx__mix64(P->seed);                                                                             \
        int64_t rows[AHEAD * BMAX];                                                                                          \
        for (int64_t i = i0; i < i1 + AHEAD; i++) {                                                                          \
            int64_t j = i - AHEAD; /* agent j's arithmetic, then agent i's draws into its slot */                            \
            if (j >= i0) {                                                                                                   \
                const int64_t *rj = rows + (j % AHEAD) * B;                                                                  \
                const double *x = P->X + j * d;                                                                              \
                double g[DD ? DD : DMAX];                                                                                    \
                for (int64_t t = 0; t < d; t++) g[t] = 0.0;                                                                  \
                for (int64_t q = 0; q < B; q++) {                                                                            \
                    const double *a = P->A + rj[q] * d;                                                                      \
                    double z = 0.0;                                                                                          \
                    _Pragma("omp simd reduction(+ : z)") for (int64_t t = 0; t < d; t++) z += a[t] * x[t];                   \
                    double c = inv_b * (z - P->y[rj[q]]);                                                                    \
                    _Pragma("omp simd") for (int64_t t = 0; t < d; t++) g[t] += c * a[t];                                    \
                }                                                                                                            \
                double *v = P->V + j * d;                                                                                    \
                _Pragma("omp simd") for (int64_t t = 0; t < d; t++)                                                          \
                {                                                                                                            \
                    double inv = 1.0 / (1.0 + x[t] * x[t]);                                                                  \
                    v[t] = x[t] - GAMMA * (g[t] + 2.0 * LAMBDA * x[t] * inv * inv);                                          \
                }                                                                                                            \
            }                                                                                                                \
            if (i < i1) { /* agent i's draws, AHEAD agents before its arithmetic; fetch its rows */                          \
                uint64_t hi = tmx__mix64(tmx__mix64(h0 ^ (uint64_t)i) ^ (uint64_t)k);                                        \
                int64_t s0 = P->start[i], mi = P->start[i + 1] - s0, *ri = rows + (i % AHEAD) * B;                           \
                int small = mi * d * 8 <= 4096 && P->order[s0 + mi - 1] == P->order[s0] + mi - 1;                            \
                for (int64_t q = 0; q < B; q++) {                                                                            \
                    ri[q] = P->order[s0 + index_of(tmx__mix64(hi ^ (uint64_t)q), mi)];                                       \
                    if (!small) { /* a large or scattered shard: its sampled rows */                                         \
                        const char *a = (const char *)(P->A + ri[q] * d);                                                    \
                        for (int64_t off = 0; off < d * 8; off += 64) __builtin_prefetch(a + off);                           \
                        __builtin_prefetch(a + d * 8 - 1);                                                                   \
                    }                                                                                                        \
                }                                                                                                            \
                if (small) { /* a small contiguous shard: all of it, as one stream */                                        \
                    const char *a = (const char *)(P->A + P->order[s0] * d);                                                 \
                    for (int64_t off = 0; off < mi * d * 8; off += 64) __builtin_prefetch(a + off);                          \
                }                                                                                                            \
                __builtin_prefetch(P->y + ri[0]);                                                                            \
            }                                                                                                                \
        }                                                                                                                    \
    }
GRAD_PASS(grad_d10, 10)
GRAD_PASS(grad_d100, 100)
GRAD_PASS(grad_any, 0)

/* Pass 2 over agents [i0, i1): X[i] ← Σ_e w_e V[col_e]; adds the column sums to part[0..d) and the
 * sum of squares to part[d]. */
#define MIX_PASS(NAME, DD)                                                                                                   \
    TMX__CLONES static void NAME(const proto *P, int64_t i0, int64_t i1, double *part)                                       \
    {                                                                                                                        \
        const int64_t d = DD ? DD : P->d;                                                                                    \
        const tmx_csr *W = P->W;                                                                                             \
        double sq = 0.0;                                                                                                     \
        for (int64_t i = i0; i < i1; i++) {                                                                                  \
            double acc[DD ? DD : DMAX];                                                                                      \
            for (int64_t t = 0; t < d; t++) acc[t] = 0.0;                                                                    \
            for (int64_t e = W->rowptr[i]; e < W->rowptr[i + 1]; e++) {                                                      \
                const double w = W->val[e], *v = P->V + W->col[e] * d;                                                       \
                _Pragma("omp simd") for (int64_t t = 0; t < d; t++) acc[t] += w * v[t];                                      \
            }                                                                                                                \
            double *o = P->X + i * d;                                                                                        \
            _Pragma("omp simd reduction(+ : sq)") for (int64_t t = 0; t < d; t++)                                            \
            {                                                                                                                \
                o[t] = acc[t];                                                                                               \
                part[t] += acc[t];                                                                                           \
                sq += acc[t] * acc[t];                                                                                       \
            }                                                                                                                \
        }                                                                                                                    \
        part[d] += sq;                                                                                                       \
    }
MIX_PASS(mix_d10, 10)
MIX_PASS(mix_d100, 100)
MIX_PASS(mix_any, 0)

/* P->ncirc ← the number of distinct offsets when W is circulant (row i holds w_o at column
 * i + o mod n, the same (o, w_o) in every row), with the offsets in (−n/2, n/2] ascending; else 0. */
static void detect_circulant(proto *P)
{
    const tmx_csr *W = P->W;
    int64_t n = P->n, cnt = W->rowptr[1] - W->rowptr[0];
    P->ncirc = 0;
    if (cnt < 1 || cnt > 8) return;
    for (int64_t e = 0; e < cnt; e++) { /* row 0, sorted by offset (insertion) */
        int64_t o = W->col[e] > n / 2 ? W->col[e] - n : W->col[e], q = e;
        for (; q > 0 && P->off[q - 1] > o; q--) P->off[q] = P->off[q - 1], P->woff[q] = P->woff[q - 1];
        P->off[q] = o, P->woff[q] = W->val[e];
    }
    for (int64_t i = 0; i < n; i++) {
        if (W->rowptr[i + 1] - W->rowptr[i] != cnt) return;
        for (int64_t e = W->rowptr[i]; e < W->rowptr[i + 1]; e++) {
            int64_t o = ((W->col[e] - i) % n + n) % n, q = 0;
            if (o > n / 2) o -= n;
            while (q < cnt && P->off[q] != o) q++;
            if (q == cnt || P->woff[q] != W->val[e]) return;
        }
    }
    P->ncirc = (int)cnt;
}

/* Pass 2 for a circulant W over agents [i0, i1): rows whose neighbours do not wrap around are one
 * flat stencil out[q] = Σ_o w_o v[q + o·d] over blocks of 256 agents (long unit-stride streams, no
 * index reads; the terms in ascending column order, as the CSR pass adds them), then the block's
 * column sums and sum of squares from cache; the few wrapping rows take the CSR pass. */
TMX__CLONES static void mix_circ(const proto *P, int64_t i0, int64_t i1, double *part,
                                 void (*csr)(const proto *, int64_t, int64_t, double *))
{
    const int64_t d = P->d, omin = P->off[0], omax = P->off[P->ncirc - 1];
    int64_t lo = i0 > -omin ? i0 : -omin, hi = i1 < P->n - omax ? i1 : P->n - omax;
    if (lo >= hi) {
        csr(P, i0, i1, part);
        return;
    }
    if (i0 < lo) csr(P, i0, lo, part);
    if (hi < i1) csr(P, hi, i1, part);
    double sq = 0.0;
    for (int64_t b0 = lo; b0 < hi; b0 += 256) {
        int64_t b1 = b0 + 256 < hi ? b0 + 256 : hi;
        double *o = P->X + b0 * d;
        const double *v = P->V + b0 * d;
        int64_t len = (b1 - b0) * d;
        const double w0 = P->woff[0];
        const double *v0 = v + P->off[0] * d;
#pragma omp simd
        for (int64_t q = 0; q < len; q++) o[q] = w0 * v0[q];
        for (int c = 1; c < P->ncirc; c++) {
            const double w = P->woff[c], *vc = v + P->off[c] * d;
#pragma omp simd
            for (int64_t q = 0; q < len; q++) o[q] += w * vc[q];
        }
        for (int64_t i = b0; i < b1; i++, o += d)
            for (int64_t t = 0; t < d; t++) part[t] += o[t], sq += o[t] * o[t];
    }
    part[d] += sq;
}

/* Passes 1 and 2 fused, for a circulant W whose offsets span fewer than RING agents: the thread
 * walks the positions u = i0 + o_min … i1 + o_max − 1 (agent u mod n; the few halo agents next to
 * another thread's range are computed by both), keeps v_u = x_u − γ g_u in a ring of RING rows that
 * stays in L1, and writes x'_j = Σ_o w_o v_{j+o} to out as soon as v_{j+o_max} exists, with the
 * column sums and sum of squares. v never goes to memory: the state is read once and written once.
 * The terms are added in ascending column order, as the CSR pass does (rows that wrap around too). */
#define RING 16
/* d doubles (d even, o 16-byte aligned: rows of 80 or 800 B in a calloc'd array) past the caches;
 * consecutive agents' rows fill whole lines, which the write-combining buffers send as such */
static inline void store_nt(double *o, const double *v, int64_t d)
{
#if defined(__SSE2__)
    for (int64_t t = 0; t < d; t += 2) _mm_stream_pd(o + t, _mm_loadu_pd(v + t));
#else
    memcpy(o, v, (size_t)d * sizeof *o);
#endif
}
static inline void fence_nt(void)
{
#if defined(__SSE2__)
    _mm_sfence();
#endif
}
#define FUSED_PASS(NAME, DD)                                                                                                 \
    TMX__CLONES static void NAME(const proto *P, int64_t k, int64_t i0, int64_t i1, double *out, double *part)               \
    {                                                                                                                        \
        const int64_t d = DD, B = P->B, n = P->n, nc = P->ncirc, omin = P->off[0], omax = P->off[nc - 1];                    \
        const int64_t u0 = i0 + omin, u1 = i1 + omax;                                                                        \
        const double inv_b = 1.0 / (double)B;                                                                                \
        const uint64_t h0 = tmx__mix64(P->seed);                                                                             \
        int64_t rows[AHEAD * BMAX];                                                                                          \
        double vr[RING][DD], sq = 0.0;                                                                                       \
        for (int64_t u = u0; u < u1 + AHEAD; u++) {                                                                          \
            int64_t pu = u - AHEAD;                                                                                          \
            if (pu >= u0) {                                                                                                  \
                int64_t a = pu < 0 ? pu + n : pu >= n ? pu - n : pu; /* no division */                                       \
                const int64_t *rj = rows + (pu - u0) % AHEAD * B;                                                            \
                const double *x = P->X + a * d;                                                                              \
                double g[DD];                                                                                                \
                for (int64_t t = 0; t < d; t++) g[t] = 0.0;                                                                  \
                for (int64_t q = 0; q < B; q++) {                                                                            \
                    const double *ar = P->A + rj[q] * d;                                                                     \
                    double z = 0.0;                                                                                          \
                    _Pragma("omp simd reduction(+ : z)") for (int64_t t = 0; t < d; t++) z += ar[t] * x[t];                  \
                    double c = inv_b * (z - P->y[rj[q]]);                                                                    \
                    _Pragma("omp simd") for (int64_t t = 0; t < d; t++) g[t] += c * ar[t];                                   \
                }                                                                                                            \
                double *v = vr[pu & (RING - 1)];                                                                             \
                _Pragma("omp simd") for (int64_t t = 0; t < d; t++)                                                          \
                {                                                                                                            \
                    double inv = 1.0 / (1.0 + x[t] * x[t]);                                                                  \
                    v[t] = x[t] - GAMMA * (g[t] + 2.0 * LAMBDA * x[t] * inv * inv);                                          \
                }                                                                                                            \
                int64_t j = pu - omax;                                                                                       \
                if (j >= i0) { /* all of row j's terms exist now */                                                          \
                    int ord[8];                                                                                              \
                    for (int c = 0; c < nc; c++) ord[c] = c;                                                                 \
                    if (j + omin < 0 || j + omax >= n) /* wraps: ascending global column */                                  \
                        for (int c = 1; c < nc; c++)                                                                         \
                            for (int e = c; e > 0 && (j + P->off[ord[e]] + n) % n < (j + P->off[ord[e - 1]] + n) % n; e--) { \
                                int tmp = ord[e];                                                                            \
                                ord[e] = ord[e - 1], ord[e - 1] = tmp;                                                       \
                            }                                                                                                \
                    double acc[DD];                                                                                          \
                    for (int64_t t = 0; t < d; t++) acc[t] = 0.0;                                                            \
                    for (int c = 0; c < nc; c++) {                                                                           \
                        const double w = P->woff[ord[c]], *vv = vr[(j + P->off[ord[c]]) & (RING - 1)];                       \
                        _Pragma("omp simd") for (int64_t t = 0; t < d; t++) acc[t] += w * vv[t];                             \
                    }                                                                                                        \
                    double *o = out + j * d;                                                                                 \
                    _Pragma("omp simd reduction(+ : sq)") for (int64_t t = 0; t < d; t++)                                    \
                    {                                                                                                        \
                        part[t] += acc[t];                                                                                   \
                        sq += acc[t] * acc[t];                                                                               \
                    }                                                                                                        \
                    if (P->nt) store_nt(o, acc, d);                                                                          \
                    else memcpy(o, acc, sizeof acc);                                                                         \
                }                                                                                                            \
            }                                                                                                                \
            if (u < u1) { /* position u's draws and the prefetch of its shard, AHEAD early */                                \
                int64_t a = u < 0 ? u + n : u >= n ? u - n : u;                                                              \
                uint64_t hi = tmx__mix64(tmx__mix64(h0 ^ (uint64_t)a) ^ (uint64_t)k);                                        \
                int64_t s0 = P->start[a], mi = P->start[a + 1] - s0, *ri = rows + (u - u0) % AHEAD * B;                      \
                int small = mi * d * 8 <= 4096 && P->order[s0 + mi - 1] == P->order[s0] + mi - 1;                            \
                for (int64_t q = 0; q < B; q++) {                                                                            \
                    ri[q] = P->order[s0 + index_of(tmx__mix64(hi ^ (uint64_t)q), mi)];                                       \
                    if (!small) __builtin_prefetch(P->A + ri[q] * d);                                                        \
                }                                                                                                            \
                if (small)                                                                                                   \
                    for (int64_t off = 0; off < mi * d * 8; off += 64)                                                       \
                        __builtin_prefetch((const char *)(P->A + P->order[s0] * d) + off);                                   \
                __builtin_prefetch(P->y + ri[0]);                                                                            \
            }                                                                                                                \
        }                                                                                                                    \
        part[d] += sq;                                                                                                       \
        if (P->nt) fence_nt();                                                                                               \
    }
FUSED_PASS(fused_d10, 10)
FUSED_PASS(fused_d100, 100)

/* Pass 3 over agents [i0, i1): Σ ‖x_i − x̄‖². */
static double cons_pass(const proto *P, const double *X, const double *mean, int64_t i0, int64_t i1)
{
    int64_t d = P->d;
    double c = 0.0;
    for (int64_t i = i0; i < i1; i++) {
        const double *o = X + i * d;
#pragma omp simd reduction(+ : c)
        for (int64_t t = 0; t < d; t++) c += (o[t] - mean[t]) * (o[t] - mean[t]);
    }
    return c;
}

static int nthreads(void)
{
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

/* Whether proto_step runs the fused pass. */
static int fused_ok(const proto *P)
{
    return P->fuse && P->ncirc && (P->d == 10 || P->d == 100) && P->off[P->ncirc - 1] - P->off[0] < RING &&
           P->n >= 2 * RING;
}

/* One iteration k; returns the consensus distance. With split, the three passes' seconds are added
 * to split[0..2] (then each pass gets its own parallel region, so that it can be timed). */
static double proto_step(proto *P, int64_t k, double *split)
{
    int64_t n = P->n, d = P->d;
    int nthr = nthreads();
    double mean[DMAX], cons = 0.0;
    memset(P->part, 0, (size_t)nthr * (size_t)(d + 1) * sizeof(double));
    void (*grad)(const proto *, int64_t, int64_t, int64_t) = d == 10 ? grad_d10 : d == 100 ? grad_d100 : grad_any;
    void (*mixp)(const proto *, int64_t, int64_t, double *) = d == 10 ? mix_d10 : d == 100 ? mix_d100 : mix_any;
    int fused = fused_ok(P);
    double t0 = now();
#pragma omp parallel
    {
#ifdef _OPENMP
        int tid = omp_get_thread_num(), nt = omp_get_num_threads();
#else
        int tid = 0, nt = 1;
#endif
        int64_t i0 = n * tid / nt, i1 = n * (tid + 1) / nt; /* the same range in every pass */
        double t1 = t0, *part = P->part + (size_t)tid * (size_t)(d + 1);
        if (fused) { /* gradients and gossip in one pass, into V */
            (d == 10 ? fused_d10 : fused_d100)(P, k, i0, i1, P->V, part);
        } else {
            grad(P, k, i0, i1);
#pragma omp barrier
#pragma omp master
            if (split) split[0] += now() - t0;
#pragma omp barrier
            t1 = now();
            if (P->ncirc)
                mix_circ(P, i0, i1, part, mixp);
            else
                mixp(P, i0, i1, part);
        }
#pragma omp barrier
#pragma omp master
        {
            if (split) split[1] += now() - t1;
            for (int64_t t = 0; t < d; t++) {
                double s = 0.0;
                for (int h = 0; h < nt; h++) s += P->part[(size_t)h * (size_t)(d + 1) + (size_t)t];
                mean[t] = s / (double)n;
            }
        }
#pragma omp barrier
        double t2 = now(), c = P->nocons ? 0.0 : cons_pass(P, fused ? P->V : P->X, mean, i0, i1);
#pragma omp atomic
        cons += c;
#pragma omp barrier
#pragma omp master
        if (split) split[2] += now() - t2;
    }
    if (fused) { /* the new state is in V */
        double *t = P->X;
        P->X = P->V, P->V = t;
    }
    return cons / (double)n;
}

static volatile double sink;

/* Median bandwidth (16 B per element) of 7 passes b ← a over two arrays of 2^25 doubles. */
static double copy_bw(void)
{
    int64_t len = (int64_t)1 << 25;
    double *a = aligned_alloc(64, (size_t)len * 8), *b = aligned_alloc(64, (size_t)len * 8), t[7];
    if (!a || !b) {
        free(a);
        free(b);
        return NAN;
    }
#pragma omp parallel for schedule(static)
    for (int64_t j = 0; j < len; j++) a[j] = (double)(j & 1023), b[j] = 0.0;
    for (int r = -1; r < 7; r++) {
        double *dst = r % 2 ? b : a, *src = r % 2 ? a : b, t0 = now();
#pragma omp parallel for schedule(static)
        for (int64_t j = 0; j < len; j++) dst[j] = src[j];
        if (r >= 0) t[r] = now() - t0;
    }
    sink = a[len / 2] + b[len / 3]; /* the passes' result is read */
    free(a);
    free(b);
    return 16.0 * (double)len / median(t, 7);
}

int main(int argc, char **argv)
{
    int64_t n = 100000, d = 10, m = 10, B = 4;
    int K = 20;
    if (argc >= 5) n = atoll(argv[1]), d = atoll(argv[2]), m = atoll(argv[3]), B = atoll(argv[4]);
    if (argc >= 6) K = atoi(argv[5]);
    if (n < 3 || d < 1 || d > DMAX || m < 1 || B < 1 || B > BMAX || K < 2) {
        fprintf(stderr, "usage: proto_agents [N D M B [K]] (N >= 3, D <= %d, B <= %d, K >= 2)\n", DMAX, BMAX);
        return 2;
    }
    tmx_synth_params sp;
    tmx_synth_params_init(&sp);
    sp.shards = n;
    sp.per_shard = m;
    sp.d = d;
    sp.seed = 1;
    sp.mode = TMX_LABELS_RAW;
    tmx_dataset D = {0};
    tmx_partition Pt = {0};
    tmx_topo *topo = NULL;
    tmx_sim *s = NULL;
    tmx_csr W = {0};
    tmx_topo_params tp;
    tmx_topo_params_init(&tp);
    tp.n = n;
    tmx_sim_config cfg;
    tmx_sim_config_init(&cfg);
    cfg.algo = TMX_ALGO_DSGD;
    cfg.problem = TMX_PROB_LSQ_NC;
    cfg.batch = B;
    cfg.seed = 1;
    cfg.reg = LAMBDA;
    cfg.lr = GAMMA;
    cfg.iters = 1 << 30;
    if (tmx_data_synth(&sp, &D) != TMX_OK || tmx_partition_make(&D, n, TMX_PART_CONTIGUOUS, 0.0, 1, &Pt) != TMX_OK ||
        tmx_topo_new("ring", &tp, &topo) != TMX_OK || tmx_topo_weights(topo, 0, &W) != TMX_OK ||
        tmx_sim_new(&cfg, topo, &D, &Pt, &s) != TMX_OK) {
        printf("setup failed: %s\n", tmx_last_error());
        return 1;
    }
    int nthr = nthreads();
    proto P = {n, d, B, D.A, D.y, Pt.order, Pt.start, &W, 1, calloc((size_t)(n * d), 8), calloc((size_t)(n * d), 8),
               calloc((size_t)nthr * (size_t)(d + 1), 8), 0, {0}, {0}, 0, 0, 0};
    if (!P.X || !P.V || !P.part) {
        printf("out of memory\n");
        return 1;
    }
    const char *circ = getenv("PROTO_CSR"); /* PROTO_CSR=1: the CSR gossip even for a circulant W */
    if (!(circ && *circ == '1')) detect_circulant(&P);
    const char *fz = getenv("PROTO_FUSE"); /* PROTO_FUSE=1: passes 1 and 2 fused for a circulant W */
    P.fuse = fz && *fz == '1';
    const char *ntz = getenv("PROTO_NT"), *ncz = getenv("PROTO_NOCONS"); /* =1: see proto */
    P.nt = ntz && *ntz == '1';
    printf("proto-agents: D-SGD, lsq-nc, ring, f64, n=%lld d=%lld m=%lld B=%lld, %d threads; gossip %s\n",
           (long long)n, (long long)d, (long long)m, (long long)B, nthr,
           P.ncirc ? (fused_ok(&P) ? "fused with the gradients (W circulant)" : "as a stencil (W circulant)")
                   : "through CSR");

    /* agreement: 10 iterations of each from x = 0 */
    enum { CHECK = 10 };
    for (int k = 0; k < CHECK; k++) {
        if (tmx_sim_step(s) != TMX_OK) {
            printf("engine step failed: %s\n", tmx_last_error());
            return 1;
        }
        proto_step(&P, k, NULL);
    }
    double diff = 0.0, big = 0.0;
    for (int64_t i = 0; i < n; i++) {
        const double *xe = tmx_sim_model(s, i);
        for (int64_t t = 0; t < d; t++) {
            diff = fmax(diff, fabs(xe[t] - P.X[i * d + t]));
            big = fmax(big, fabs(xe[t]));
        }
    }
    tmx_sim_metrics met;
    double cons_p = proto_step(&P, CHECK, NULL); /* one more: compare consensus after both do it */
    tmx_sim_step(s);
    tmx_sim_metrics_get(s, &met);
    /* rounding: each step adds a few ulps per coordinate (dot products in another order), so after
     * 10 steps a relative difference near 1e-15 is expected; 1e-12 would mean a different draw or
     * formula */
    printf("check   : after %d iterations max |x_engine - x_proto| = %.2e (max |x| %.3g, relative %.2e: %s);\n"
           "          consensus after %d: engine %.12g, prototype %.12g\n",
           CHECK, diff, big, diff / big, diff / big <= 1e-12 ? "agree" : "DIFFER", CHECK + 1, met.consensus, cons_p);
    int rc = diff / big <= 1e-12 ? 0 : 1;

    P.nocons = ncz && *ncz == '1'; /* the check above compared the consensus; the timed rounds may skip it */
    enum { ROUNDS = 5 };
    double te[ROUNDS], tc[ROUNDS], tpr[ROUNDS];
    int64_t kp = CHECK + 1;
    for (int q = 0; q < ROUNDS; q++) { /* interleaved: engine with its clock, without, prototype */
        double t0 = now();
        tmx_sim_clock_skip(s, 0);
        for (int k = 0; k < K; k++) tmx_sim_step(s);
        tc[q] = (now() - t0) / K;
        tmx_sim_clock_skip(s, 1);
        t0 = now();
        for (int k = 0; k < K; k++) tmx_sim_step(s);
        te[q] = (now() - t0) / K;
        t0 = now();
        for (int k = 0; k < K; k++) proto_step(&P, kp++, NULL);
        tpr[q] = (now() - t0) / K;
    }
    double split[3] = {0, 0, 0};
    for (int k = 0; k < K; k++) proto_step(&P, kp++, split);
    double e_med = median(te, ROUNDS), c_med = median(tc, ROUNDS), p_med = median(tpr, ROUNDS);
    double bw = copy_bw();
    double bytes = 2.0 * (double)n * (double)d * 8.0 + (double)n * (double)B * ((double)d * 8.0 + 8.0) +
                   16.0 * (double)W.nnz + 8.0 * (double)(n + 1);
    double t_step, t_grad;
    tmx_sim_times(s, &t_step, &t_grad);
    printf("engine  : %.3f ms per iteration with its simulated clock, %.3f ms without (gradients + gossip);\n"
           "          its gradients take %.0f%% of its steps\n",
           1e3 * c_med, 1e3 * e_med, 100.0 * t_grad / t_step);
    printf("proto   : %.3f ms per iteration -> %.2fx the engine's gradients + gossip, %.2fx its full iteration\n",
           1e3 * p_med, e_med / p_med, c_med / p_med);
    printf("          passes (one run of %d, separate regions): gradients %.3f ms, gossip %.3f ms%s,"
           " consensus %.3f ms\n", K,
           1e3 * split[0] / K, 1e3 * split[1] / K, fused_ok(&P) ? " (with the gradients)" : "", 1e3 * split[2] / K);
    printf("bound   : %.1f MB per iteration over a %.1f GB/s copy = %.3f ms: engine %.1fx, prototype %.1fx the bound\n",
           bytes / 1e6, bw / 1e9, 1e3 * bytes / bw, c_med / (bytes / bw), p_med / (bytes / bw));
    free(P.X);
    free(P.V);
    free(P.part);
    tmx_csr_destroy(&W);
    tmx_sim_free(s);
    tmx_topo_free(topo);
    tmx_partition_destroy(&Pt);
    tmx_dataset_destroy(&D);
    return rc;
}
