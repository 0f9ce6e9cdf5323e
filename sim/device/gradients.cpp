/* topomix simulator — the problems' stochastic gradients as Thrust kernels (see gradients.h).
 *
 * One source for both device systems: nvcc compiles it for CUDA, g++ with
 * THRUST_DEVICE_SYSTEM=THRUST_DEVICE_SYSTEM_OMP for the host. The work of agents [i0, i1) is a few
 * flat passes, each a thrust::for_each over a counting_iterator, so a GPU gets one thread per
 * (agent, sample) or (agent, parameter) pair:
 *   1. per (agent, sample): the sampled row, and for the linear models its margin aᵀx and the
 *      coefficient w·ℓ'(aᵀx) (the dot product over d in a fixed order, see dot);
 *   2. MLP only: per (agent, sample, hidden unit) the activation h = tanh(W₁a + b₁); per (agent,
 *      sample) the softmax's output gradient; per (agent, sample, hidden unit) the back-propagated
 *      error δ = (W₂ᵀ dout) ⊙ (1 − h²);
 *   3. per (agent, parameter): the sum over the batch in sample order, the regulariser's gradient and
 *      the local step — one writer per output entry, no atomics, so every run gives the same bits.
 * The arithmetic follows problem.c operation by operation where that costs nothing (the linear
 * models' blocks of four rows, the per-chunk weights cnt/B, the f32 MLP's per-chunk rounding), so
 * f64 results differ from the CPU's only by the order of the dot products over d (and, in a CUDA
 * build, nvcc's fused multiply-adds). On the host system the same kernels run in groups of agents
 * whose rows fit in cache, a few parameters per call, and small passes without an OpenMP team. */
#include "gradients.h"

#include <math.h>
#include <topomix/sim.h>

#include <thrust/device_ptr.h>
#include <thrust/device_vector.h>
#include <thrust/execution_policy.h>
#include <thrust/for_each.h>
#include <thrust/functional.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/transform_reduce.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#define TMX_HD __host__ __device__

/* Fully unrolled loops over a tile's lanes keep its sums in registers (GCC otherwise vectorises the
 * lane loop over a stack array and every add waits on a store). */
#if defined(__CUDA_ARCH__)
#define TMX_UNROLL _Pragma("unroll")
#elif defined(__CUDACC__) /* nvcc's host pass: it runs no kernel, and its front end knows no GCC pragma */
#define TMX_UNROLL
#elif defined(__GNUC__) && !defined(__clang__)
#define TMX_UNROLL _Pragma("GCC unroll 16")
#else
#define TMX_UNROLL
#endif

typedef thrust::counting_iterator<int64_t> count_it;

namespace tmx_dev {
namespace {

/* ---- the counter-based hash of sim_internal.h (tmx__mix64, tmx__hash4), for host and device ---- */
TMX_HD inline uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

TMX_HD inline uint64_t hash4(uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
    return mix64(mix64(mix64(mix64(a) ^ b) ^ c) ^ d);
}

/* Lemire's multiply-shift, as backend_cpu.c's index_of: the high word of h·m. */
TMX_HD inline int64_t index_of(uint64_t h, int64_t m)
{
#ifdef __CUDA_ARCH__
    return (int64_t)__umul64hi(h, (uint64_t)m);
#else
    __extension__ typedef unsigned __int128 u128;
    return (int64_t)(((u128)h * (u128)(uint64_t)m) >> 64);
#endif
}

/* The CPU draws a batch in chunks of at most 256 rows (grad_agent's stack array). */
constexpr int64_t CHUNK = 256;

inline size_t align256(size_t b) { return (b + 255) & ~(size_t)255; }

/* The linear models read the data in the state's precision. */
TMX_HD inline const double *data_of(const problem &pb, const double *) { return pb.A; }
TMX_HD inline const float *data_of(const problem &pb, const float *) { return pb.Af; }

/* Σ_k a_k b_k in R, in a fixed order: lane k mod 8 sums its products in index order, then the lanes
 * pairwise. Eight independent sums keep a host core's pipelines and vector units busy (one serial sum
 * ran the omp passes 3x slower); a GPU thread does the same work either way. */
template <class R, class P, class Q> TMX_HD inline R dot(const P *a, const Q *b, int64_t n)
{
    R s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t k = 0;
    for (; k + 8 <= n; k += 8) {
        TMX_UNROLL
        for (int j = 0; j < 8; j++) s[j] += (R)a[k + j] * (R)b[k + j];
    }
    TMX_UNROLL
    for (int j = 0; j < 8; j++)
        if (k + j < n) s[j] += (R)a[k + j] * (R)b[k + j];
    return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

/* Where the samples of agents [i0, i1) lie in the workspace: B slots per agent, or with the full
 * batch the agents' shards back to back (agent i's rows start at start[i] − start[i0]). */
struct layout {
    int64_t i0, i1, B, s0; /* s0 = start[i0] */
    const int64_t *start;

    TMX_HD int64_t agent_of(int64_t s) const
    {
        if (B) return i0 + s / B;
        int64_t t = s + s0, lo = i0, hi = i1 - 1; /* the last i with start[i] ≤ t */
        while (lo < hi) {
            int64_t mid = lo + (hi - lo + 1) / 2;
            if (start[mid] <= t)
                lo = mid;
            else
                hi = mid - 1;
        }
        return lo;
    }
    TMX_HD int64_t first(int64_t i) const { return B ? (i - i0) * B : start[i] - s0; }
    /* samples of agent i (an empty shard has none, whatever B) */
    TMX_HD int64_t count(int64_t i) const
    {
        int64_t mi = start[i + 1] - start[i];
        return B && mi ? B : mi;
    }
    /* problem.c's weight of sample q: w = scale/count, scale = cnt/B for a chunk of cnt rows */
    TMX_HD double weight(int64_t q, int64_t mi) const
    {
        if (!B) return 1.0 / (double)mi;
        int64_t b0 = q - q % CHUNK, cnt = B - b0 < CHUNK ? B - b0 : CHUNK;
        return ((double)cnt / (double)B) / (double)cnt;
    }
};

/* Pass 1, per (agent, sample): the row, and for the linear models coef = w·ℓ'(aᵀx). */
template <class T> struct sample_pass {
    problem pb;
    layout L;
    const T *X;
    int64_t counter;
    int64_t *rows;
    T *coef;

    TMX_HD void operator()(int64_t s) const
    {
        int64_t i = L.agent_of(s), q = s - L.first(i);
        int64_t lo = pb.start[i], mi = pb.start[i + 1] - lo;
        if (!mi) { /* no samples: the gradient is the regulariser's */
            rows[s] = -1;
            return;
        }
        int64_t r = L.B ? pb.order[lo + index_of(hash4(pb.seed, (uint64_t)i, (uint64_t)counter, (uint64_t)q), mi)]
                        : pb.order[lo + q];
        rows[s] = r;
        if (pb.kind == TMX_PROB_MLP) return;
        const T *a = data_of(pb, X) + r * pb.d, *x = X + i * pb.p;
        T z = dot<T>(a, x, pb.d);
        double w = L.weight(q, mi);
        if constexpr (sizeof(T) == sizeof(double)) { /* problem.c's dloss */
            double b = pb.y[r];
            coef[s] = (T)(w * (pb.kind == TMX_PROB_LOGREG_NC ? -b / (1.0 + exp(b * (double)z)) : (double)z - b));
        } else { /* tmx__problem_grad_f32: every step in float */
            float b = (float)pb.y[r], wf = (float)w, zf = (float)z;
            coef[s] = (T)(wf * (pb.kind == TMX_PROB_LOGREG_NC ? -b / (1.0f + expf(b * zf)) : zf - b));
        }
    }
};

/* MLP pass 2a, per (agent, sample, hidden unit u): h = tanh(W₁[u]·a + b₁[u]), in double. The MLP
 * reads the double data in both precisions, as problem.c does (an f32 run without A falls back on the
 * single-precision copy). */
template <class T> struct hidden_pass {
    problem pb;
    layout L;
    const T *X;
    const int64_t *rows;
    double *h;

    TMX_HD void operator()(int64_t t) const
    {
        int64_t H = pb.hidden, d = pb.d, s = t / H, u = t % H, r = rows[s];
        if (r < 0) return;
        const T *x = X + L.agent_of(s) * pb.p, *W1 = x + u * d, *b1 = x + H * d;
        double acc = pb.A ? dot<double>(W1, pb.A + r * d, d) : dot<double>(W1, pb.Af + r * d, d);
        h[t] = tanh(acc + (double)b1[u]);
    }
};

/* MLP pass 2b, per (agent, sample): dout = w·(softmax(o) − e_y) with o = W₂h + b₂ (o is kept in
 * dout's slots until the softmax overwrites it). */
template <class T> struct output_pass {
    problem pb;
    layout L;
    const T *X;
    const int64_t *rows;
    const double *h;
    double *dout;

    TMX_HD void operator()(int64_t s) const
    {
        int64_t r = rows[s];
        if (r < 0) return;
        int64_t H = pb.hidden, C = pb.nclass, i = L.agent_of(s);
        const T *W2 = X + i * pb.p + H * pb.d + H, *b2 = W2 + C * H;
        const double *hs = h + s * H;
        double *o = dout + s * C, mx = -INFINITY;
        for (int64_t c = 0; c < C; c++) {
            double acc = 0.0;
            for (int64_t u = 0; u < H; u++) acc += (double)W2[c * H + u] * hs[u];
            o[c] = acc + (double)b2[c];
            if (o[c] > mx) mx = o[c];
        }
        double z = 0.0;
        for (int64_t c = 0; c < C; c++) z += exp(o[c] - mx);
        int64_t y = (int64_t)pb.y[r];
        double w = L.weight(s - L.first(i), pb.start[i + 1] - pb.start[i]);
        for (int64_t c = 0; c < C; c++) o[c] = w * (exp(o[c] - mx) / z - (c == y ? 1.0 : 0.0));
    }
};

/* MLP pass 2c, per (agent, sample, hidden unit u): δ_u = (Σ_c dout_c W₂[c, u])·(1 − h_u²). */
template <class T> struct back_pass {
    problem pb;
    layout L;
    const T *X;
    const int64_t *rows;
    const double *h, *dout;
    double *delta;

    TMX_HD void operator()(int64_t t) const
    {
        int64_t H = pb.hidden, C = pb.nclass, s = t / H, u = t % H;
        if (rows[s] < 0) return;
        const T *W2 = X + L.agent_of(s) * pb.p + H * pb.d + H;
        double dh = 0.0;
        for (int64_t c = 0; c < C; c++) dh += dout[s * C + c] * (double)W2[c * H + u];
        delta[t] = dh * (1.0 - h[t] * h[t]);
    }
};

/* Pass 3, per (agent, tile of KT consecutive parameters): the batch's sum in sample order, + the
 * regulariser's gradient; G ← g, or x − γg when the local step is fused here. A GPU thread takes one
 * parameter, so a warp's loads of a sampled row coalesce; a host thread takes a cache line's worth,
 * independent sums over one stretch of the row (the arithmetic per parameter is the same). */
#if THRUST_DEVICE_SYSTEM == THRUST_DEVICE_SYSTEM_CUDA
template <class T> TMX_HD constexpr int tile_of() { return 1; }
#else
template <class T> TMX_HD constexpr int tile_of() { return 64 / (int)sizeof(T); }
#endif

template <class T> struct param_pass {
    problem pb;
    layout L;
    const T *X;
    T *G;
    const int64_t *rows;
    const T *coef;
    const double *h, *dout, *delta;
    double gamma;
    int adapt;
    int64_t tiles; /* ⌈p / KT⌉ per agent */

    TMX_HD void finish(int64_t i, int64_t k, T g) const
    {
        T x = X[i * pb.p + k];
        T two_lam = (T)(2.0 * pb.reg);
        if (two_lam != (T)0) {
            T inv = (T)1 / ((T)1 + x * x);
            g += two_lam * x * inv * inv;
        }
        G[i * pb.p + k] = adapt ? x - (T)gamma * g : g;
    }

    /* problem.c's blocks of four rows: g += c₀a₀ + c₁a₁ + c₂a₂ + c₃a₃ (chunks of 256 keep the blocks
     * aligned to the batch) */
    template <int W> TMX_HD void linear(int64_t i, int64_t k0) const
    {
        int64_t s0 = L.first(i), cnt = L.count(i), d = pb.d;
        const T *A = data_of(pb, X);
        T g[W], blk[W];
        TMX_UNROLL
        for (int j = 0; j < W; j++) g[j] = 0;
        for (int64_t q = 0; q < cnt; q += 4) {
            int64_t e = cnt - q < 4 ? cnt : q + 4;
            T c = coef[s0 + q];
            const T *a = A + rows[s0 + q] * d + k0;
            TMX_UNROLL
            for (int j = 0; j < W; j++) blk[j] = c * a[j];
            for (int64_t r = q + 1; r < e; r++) {
                c = coef[s0 + r];
                a = A + rows[s0 + r] * d + k0;
                TMX_UNROLL
                for (int j = 0; j < W; j++) blk[j] += c * a[j];
            }
            TMX_UNROLL
            for (int j = 0; j < W; j++) g[j] += blk[j];
        }
        TMX_UNROLL
        for (int j = 0; j < W; j++) finish(i, k0 + j, g[j]);
    }

    /* Σ over agent i's samples of W terms, term(s, acc) adding sample s's to acc[0..W): in f64 one
     * running sum as problem.c's; in f32 each chunk of ≤ 256 rows in double, then rounded and added
     * in float, as tmx__problem_grad_f32 forms the MLP's */
    template <int W, class F> TMX_HD void batch_sum(int64_t i, F term, T *g) const
    {
        int64_t s0 = L.first(i), cnt = L.count(i);
        int64_t len = sizeof(T) == sizeof(float) && L.B ? CHUNK : cnt;
        TMX_UNROLL
        for (int j = 0; j < W; j++) g[j] = 0;
        for (int64_t b0 = 0; b0 < cnt; b0 += len) {
            double acc[W];
            TMX_UNROLL
            for (int j = 0; j < W; j++) acc[j] = 0.0;
            for (int64_t q = b0; q < cnt && q < b0 + len; q++) term(s0 + q, acc);
            TMX_UNROLL
            for (int j = 0; j < W; j++) g[j] += (T)acc[j];
        }
    }

    /* W₁[u, j0 .. j0 + W): Σ_s δ_su a_s,j */
    template <int W> TMX_HD void mlp_w1(int64_t i, int64_t u, int64_t j0) const
    {
        int64_t H = pb.hidden, d = pb.d;
        T g[W];
        if (pb.A)
            batch_sum<W>(i, [&](int64_t s, double *acc) {
                double du = delta[s * H + u];
                const double *a = pb.A + rows[s] * d + j0;
                TMX_UNROLL
                for (int j = 0; j < W; j++) acc[j] += du * a[j];
            }, g);
        else
            batch_sum<W>(i, [&](int64_t s, double *acc) {
                double du = delta[s * H + u];
                const float *a = pb.Af + rows[s] * d + j0;
                TMX_UNROLL
                for (int j = 0; j < W; j++) acc[j] += du * (double)a[j];
            }, g);
        TMX_UNROLL
        for (int j = 0; j < W; j++) finish(i, u * d + j0 + j, g[j]);
    }

    /* one parameter of b₁, W₂ or b₂ (k ≥ H·d) */
    TMX_HD void mlp_rest(int64_t i, int64_t k) const
    {
        int64_t H = pb.hidden, C = pb.nclass, e = k - H * pb.d;
        T g[1];
        if (e < H)
            batch_sum<1>(i, [&](int64_t s, double *acc) { acc[0] += delta[s * H + e]; }, g);
        else if (e < H + C * H)
            batch_sum<1>(i, [&](int64_t s, double *acc) {
                acc[0] += dout[s * C + (e - H) / H] * h[s * H + (e - H) % H];
            }, g);
        else
            batch_sum<1>(i, [&](int64_t s, double *acc) { acc[0] += dout[s * C + e - H - C * H]; }, g);
        finish(i, k, g[0]);
    }

    TMX_HD void operator()(int64_t t) const
    {
        constexpr int KT = tile_of<T>();
        int64_t p = pb.p, i = L.i0 + t / tiles, k0 = t % tiles * KT, d = pb.d, Hd = pb.hidden * d;
        if (pb.kind != TMX_PROB_MLP) {
            if (k0 + KT <= p)
                linear<KT>(i, k0);
            else
                for (int64_t k = k0; k < p; k++) linear<1>(i, k);
        } else if (k0 + KT <= Hd && k0 / d == (k0 + KT - 1) / d) {
            mlp_w1<KT>(i, k0 / d, k0 % d);
        } else {
            for (int64_t k = k0; k < p && k < k0 + KT; k++) {
                if (k < Hd)
                    mlp_w1<1>(i, k / d, k % d);
                else
                    mlp_rest(i, k);
            }
        }
    }
};

template <class T> struct square {
    TMX_HD double operator()(T v) const { return (double)v * v; }
};

template <class T> struct local_step { /* X + lo, G + lo */
    const T *X;
    T *G;
    T gamma;
    TMX_HD void operator()(int64_t t) const { G[t] = X[t] - gamma * G[t]; }
};

/* The workspace of S samples: rows, then the linear coefficients or the MLP's h, dout and δ. */
struct carve {
    int64_t *rows;
    void *coef;
    double *h, *dout, *delta;
    size_t bytes;
    carve(const problem &pb, size_t esz, int64_t S, void *base)
    {
        char *b = (char *)base;
        size_t off = align256((size_t)S * sizeof(int64_t));
        rows = (int64_t *)b;
        coef = nullptr;
        h = dout = delta = nullptr;
        if (pb.kind != TMX_PROB_MLP) {
            coef = b ? b + off : nullptr;
            off += align256((size_t)S * esz);
        } else {
            size_t hb = align256((size_t)(S * pb.hidden) * sizeof(double));
            h = b ? (double *)(b + off) : nullptr;
            delta = b ? (double *)(b + off + hb) : nullptr;
            dout = b ? (double *)(b + off + 2 * hb) : nullptr;
            off += 2 * hb + align256((size_t)(S * pb.nclass) * sizeof(double));
        }
        bytes = off;
    }
};

/* f(t) for t in [0, n), about `work` multiply-adds in all. The host system runs small passes
 * outside any parallel region (as backend_cpu.c does): an OpenMP team per tiny pass cost seconds per
 * test when the cores were shared. The data are host memory there, so thrust::seq reads them. */
template <class F> void launch(int64_t n, double work, F f)
{
#if THRUST_DEVICE_SYSTEM == THRUST_DEVICE_SYSTEM_CUDA
    (void)work; /* no wait for the kernel: the stream orders the passes (device_backend.cpp's launch) */
    thrust::for_each(thrust::cuda::par_nosync, count_it(0), count_it(n), f);
#else
    if (work < 32768.0)
        thrust::for_each(thrust::seq, count_it(0), count_it(n), f);
    else
        thrust::for_each(thrust::device, count_it(0), count_it(n), f);
#endif
}

/* Agents per group of launches. A GPU takes the whole range at once. On the host the passes of one
 * group run back to back, so that the sampled rows the first pass reads are still in the cores' L2
 * caches when the parameter pass reads them again (one group of 64 agents × 32 rows × d = 1000 read
 * them twice from memory, 2x slower); about 512 KiB of rows per thread. */
inline int64_t group_size(const problem &pb, size_t esz, int64_t na, double rows_per_agent)
{
#if THRUST_DEVICE_SYSTEM == THRUST_DEVICE_SYSTEM_CUDA
    (void)pb, (void)esz, (void)rows_per_agent;
    return na;
#else
    int threads = 1;
#ifdef _OPENMP
    threads = omp_get_max_threads();
#endif
    double bytes = rows_per_agent * (double)pb.d * (double)esz;
    double g = 524288.0 * threads / (bytes > 1.0 ? bytes : 1.0);
    return g < 1.0 ? 1 : g >= (double)na ? na : (int64_t)g;
#endif
}

/* The passes for agents [i0, i1), whose samples are rows [s0, s0 + S) of the full batch (else B each). */
template <class T>
void run_group(const problem &pb, const T *X, T *G, int64_t counter, double gamma, int fuse, int64_t i0, int64_t i1,
               int64_t s0, int64_t S, void *workspace)
{
    layout L = {i0, i1, pb.batch, s0, pb.start};
    carve ws(pb, sizeof(T), S, workspace);
    T *coef = (T *)ws.coef;
    double Sd = (double)S, d = (double)pb.d, H = (double)pb.hidden, C = (double)pb.nclass;
    launch(S, pb.kind == TMX_PROB_MLP ? Sd : Sd * d, sample_pass<T>{pb, L, X, counter, ws.rows, coef});
    if (pb.kind == TMX_PROB_MLP) {
        int64_t SH = S * pb.hidden;
        launch(SH, Sd * H * d, hidden_pass<T>{pb, L, X, ws.rows, ws.h});
        launch(S, Sd * C * H, output_pass<T>{pb, L, X, ws.rows, ws.h, ws.dout});
        launch(SH, Sd * C * H, back_pass<T>{pb, L, X, ws.rows, ws.h, ws.dout, ws.delta});
    }
    int64_t tiles = (pb.p + tile_of<T>() - 1) / tile_of<T>();
    launch((i1 - i0) * tiles, Sd * (double)pb.p,
           param_pass<T>{pb, L, X, G, ws.rows, coef, ws.h, ws.dout, ws.delta, gamma, fuse, tiles});
}

/* start[i], from the host's copy */
inline int64_t start_at(const problem &pb, int64_t i) { return pb.start_host[i]; }

} /* namespace */

size_t gradients_workspace_bytes(const problem &pb, int f32, int64_t agents)
{
    /* full batch: agents' shards are disjoint, so they hold at most m samples together */
    int64_t S = pb.batch ? agents * pb.batch : pb.m;
    return carve(pb, f32 ? sizeof(float) : sizeof(double), S, nullptr).bytes;
}

/* gradients() in groups of `group` agents (0: group_size's choice; the tests force small ones) */
template <class T>
double gradients_grouped(const problem &pb, const T *X, T *G, int64_t counter, int adapt, double gamma, int64_t i0,
                         int64_t i1, int want_norm, void *workspace, int64_t group)
{
    if (i1 <= i0) return 0.0;
    int64_t na = i1 - i0;
    if (group <= 0) {
        /* full batch: where the shards of [i0, i1) begin and end */
        double rows = pb.batch ? (double)pb.batch : (double)(start_at(pb, i1) - start_at(pb, i0)) / (double)na;
        size_t esz = pb.kind == TMX_PROB_MLP ? sizeof(double) : sizeof(T);
        group = group_size(pb, esz, na, rows);
    }
    /* the local step is fused into the parameter pass unless ‖g‖² must be read first */
    int fuse = adapt && !want_norm;
    for (int64_t g0 = i0; g0 < i1; g0 += group) {
        int64_t g1 = i1 - g0 < group ? i1 : g0 + group, s0 = 0, S = (g1 - g0) * pb.batch;
        if (!pb.batch) s0 = start_at(pb, g0), S = start_at(pb, g1) - s0;
        run_group(pb, X, G, counter, gamma, fuse, g0, g1, s0, S, workspace);
    }
    int64_t lo = i0 * pb.p, hi = i1 * pb.p;
    double norm2 = 0.0;
    if (want_norm) {
#if THRUST_DEVICE_SYSTEM != THRUST_DEVICE_SYSTEM_CUDA
        if (hi - lo < 32768)
            norm2 = thrust::transform_reduce(thrust::seq, G + lo, G + hi, square<T>(), 0.0, thrust::plus<double>());
        else
#endif
            norm2 = thrust::transform_reduce(thrust::device, G + lo, G + hi, square<T>(), 0.0, thrust::plus<double>());
    }
    if (adapt && !fuse) launch(hi - lo, (double)(hi - lo), local_step<T>{X + lo, G + lo, (T)gamma});
    return norm2;
}

template <class T>
double gradients(const problem &pb, const T *X, T *G, int64_t counter, int adapt, double gamma, int64_t i0, int64_t i1,
                 int want_norm, void *workspace)
{
    return gradients_grouped(pb, X, G, counter, adapt, gamma, i0, i1, want_norm, workspace, 0);
}

template double gradients<float>(const problem &, const float *, float *, int64_t, int, double, int64_t, int64_t, int,
                                 void *);
template double gradients<double>(const problem &, const double *, double *, int64_t, int, double, int64_t, int64_t,
                                  int, void *);

} /* namespace tmx_dev */

/* ---- test entries ---- */
namespace {

template <class V> V to_device(const typename V::value_type *h, int64_t count)
{
    return h ? V(h, h + count) : V();
}

template <class T> const T *raw_or_null(const thrust::device_vector<T> &v)
{
    return v.empty() ? nullptr : thrust::raw_pointer_cast(v.data());
}

template <class T>
double run_typed(const tmx_dev::problem &pb, const void *Xh, void *Gh, int64_t counter, int adapt, double gamma,
                 int64_t i0, int64_t i1, int want_norm, int64_t group)
{
    size_t cells = (size_t)(pb.p * pb.n);
    thrust::device_vector<T> X((const T *)Xh, (const T *)Xh + cells), G((T *)Gh, (T *)Gh + cells);
    size_t bytes = tmx_dev::gradients_workspace_bytes(pb, sizeof(T) == sizeof(float), i1 - i0);
    thrust::device_vector<double> ws((bytes + sizeof(double) - 1) / sizeof(double)); /* 8-byte aligned */
    double norm2 = tmx_dev::gradients_grouped<T>(pb, thrust::raw_pointer_cast(X.data()),
                                                 thrust::raw_pointer_cast(G.data()), counter, adapt, gamma, i0, i1,
                                                 want_norm, thrust::raw_pointer_cast(ws.data()), group);
    thrust::copy(G.begin(), G.end(), (T *)Gh);
    return norm2;
}

struct hash_pass {
    const uint64_t *w;
    const int64_t *m;
    uint64_t *hash;
    int64_t *index;
    TMX_HD void operator()(int64_t q) const
    {
        hash[q] = tmx_dev::hash4(w[4 * q], w[4 * q + 1], w[4 * q + 2], w[4 * q + 3]);
        index[q] = tmx_dev::index_of(hash[q], m[q]);
    }
};

} /* namespace */

extern "C" int tmx__devgrad_run(const tmx__devgrad_host *h, int f32, const void *X, void *G, int64_t counter,
                                int adapt, double gamma, int64_t i0, int64_t i1, int want_norm, int64_t group,
                                double *norm2)
{
    try {
        size_t cells = (size_t)(h->m * h->d);
        thrust::device_vector<double> A = to_device<thrust::device_vector<double>>(h->A, (int64_t)cells);
        thrust::device_vector<float> Af = to_device<thrust::device_vector<float>>(h->Af, (int64_t)cells);
        thrust::device_vector<double> y(h->y, h->y + h->m);
        thrust::device_vector<int64_t> order(h->order, h->order + h->m), start(h->start, h->start + h->n + 1);
        tmx_dev::problem pb = {h->kind, h->m, h->d, h->p, h->hidden, h->nclass, h->n, h->batch, h->reg, h->seed,
                               raw_or_null(A), raw_or_null(Af), raw_or_null(y), raw_or_null(order),
                               raw_or_null(start), h->start};
        *norm2 = f32 ? run_typed<float>(pb, X, G, counter, adapt, gamma, i0, i1, want_norm, group)
                     : run_typed<double>(pb, X, G, counter, adapt, gamma, i0, i1, want_norm, group);
        return 0;
    } catch (...) {
        return -1;
    }
}

extern "C" int tmx__devgrad_hash(const uint64_t *w, const int64_t *m, int64_t count, uint64_t *hash, int64_t *index)
{
    try {
        thrust::device_vector<uint64_t> dw(w, w + 4 * count), dh((size_t)count);
        thrust::device_vector<int64_t> dm(m, m + count), di((size_t)count);
        thrust::for_each(thrust::device, count_it(0), count_it(count),
                         hash_pass{thrust::raw_pointer_cast(dw.data()), thrust::raw_pointer_cast(dm.data()),
                                   thrust::raw_pointer_cast(dh.data()), thrust::raw_pointer_cast(di.data())});
        thrust::copy(dh.begin(), dh.end(), hash);
        thrust::copy(di.begin(), di.end(), index);
        return 0;
    } catch (...) {
        return -1;
    }
}
