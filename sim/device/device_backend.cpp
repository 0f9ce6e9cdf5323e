/* topomix simulator — the device backend: the backend table of sim_internal.h written once as Thrust
 * algorithms over __host__ __device__ functors, compiled two ways (sim/device/meson.build):
 *   - by g++ with THRUST_DEVICE_SYSTEM_OMP: the same kernels run on the host's cores, so every
 *     machine (and CI) tests the device code path against the CPU backend (-Ddevice=omp);
 *   - by nvcc for CUDA (-Ddevice=cuda): the kernels run on the GPU.
 * The state buffers, the data, the partition and the mixing matrices W^(k) live in device memory
 * (W uploaded once per cached matrix; a random topology's W once per step); the host launches, reads
 * back the metrics it logs (x̄, the consensus distance, one column when asked) and writes checkpoints.
 * Every reduction runs in a fixed order (no atomics), so a run is reproducible; where the order is
 * the CPU's (the gossip, the column sums of small state), the f64 results are the CPU's bit for bit,
 * elsewhere they agree to rounding (docs/definitions.md §23). The problems' gradients: gradients.cpp. */
#include <thrust/copy.h>
#include <thrust/device_free.h>
#include <thrust/device_malloc.h>
#include <thrust/device_ptr.h>
#include <thrust/execution_policy.h>
#include <thrust/for_each.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/transform.h>
#include <thrust/transform_reduce.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

extern "C" {
#include "../sim_internal.h"
}
#include "device_backend.h"
#include "gradients.h"

#if THRUST_DEVICE_SYSTEM == THRUST_DEVICE_SYSTEM_CUDA
#include <cuda_runtime.h>
#define TMX_DEV_CUDA 1
#else
#include <omp.h>
#define TMX_DEV_CUDA 0
#endif

namespace {

typedef thrust::counting_iterator<int64_t> counter_it;

/* ---- device memory ---------------------------------------------------------------------------- */

void *dalloc(size_t bytes)
{
    thrust::device_ptr<unsigned char> p = thrust::device_malloc<unsigned char>(bytes ? bytes : 1);
    return thrust::raw_pointer_cast(p);
}

void dfree(void *p)
{
    if (p) thrust::device_free(thrust::device_pointer_cast(static_cast<unsigned char *>(p)));
}

#if TMX_DEV_CUDA
void cuda_check(cudaError_t e, const char *what)
{
    if (e != cudaSuccess) throw std::runtime_error(std::string(what) + ": " + cudaGetErrorName(e) + ": " + cudaGetErrorString(e));
}
#endif

void h2d(void *dst, const void *src, size_t bytes)
{
    if (!bytes) return;
#if TMX_DEV_CUDA
    cuda_check(cudaMemcpy(dst, src, bytes, cudaMemcpyHostToDevice), "cudaMemcpy to the device");
#else
    std::memcpy(dst, src, bytes); /* the OpenMP system's device memory is the host's */
#endif
}

void d2h(void *dst, const void *src, size_t bytes)
{
    if (!bytes) return;
#if TMX_DEV_CUDA
    cuda_check(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToHost), "cudaMemcpy to the host");
#else
    std::memcpy(dst, src, bytes);
#endif
}

void d2d(void *dst, const void *src, size_t bytes)
{
    if (!bytes || dst == src) return;
#if TMX_DEV_CUDA
    cuda_check(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToDevice), "cudaMemcpy on the device");
    cuda_check(cudaDeviceSynchronize(), "cudaDeviceSynchronize"); /* done when it returns, as memcpy */
#else
    std::memcpy(dst, src, bytes);
#endif
}

void dzero(void *p, size_t bytes)
{
    if (!bytes) return;
#if TMX_DEV_CUDA
    cuda_check(cudaMemset(p, 0, bytes), "cudaMemset");
#else
    std::memset(p, 0, bytes); /* (thrust::fill wrote the bytes one at a time) */
#endif
}

/* A CSR matrix in device memory. */
struct dcsr {
    int64_t nnz = -1; /* -1: not uploaded */
    int64_t rows = 0;
    size_t cap = 0, rcap = 0;
    int64_t *rowptr = nullptr, *col = nullptr;
    double *val = nullptr;
};

void csr_upload(dcsr &c, const tmx_csr &W)
{
    if ((size_t)W.n + 1 > c.rcap) {
        dfree(c.rowptr);
        c.rowptr = nullptr;
        c.rowptr = static_cast<int64_t *>(dalloc(((size_t)W.n + 1) * sizeof(int64_t)));
        c.rcap = (size_t)W.n + 1;
    }
    if ((size_t)W.nnz > c.cap || !c.col) {
        dfree(c.col);
        dfree(c.val);
        c.col = nullptr;
        c.val = nullptr;
        c.col = static_cast<int64_t *>(dalloc((size_t)W.nnz * sizeof(int64_t)));
        c.val = static_cast<double *>(dalloc((size_t)W.nnz * sizeof(double)));
        c.cap = (size_t)W.nnz;
    }
    h2d(c.rowptr, W.rowptr, ((size_t)W.n + 1) * sizeof(int64_t));
    h2d(c.col, W.col, (size_t)W.nnz * sizeof(int64_t));
    h2d(c.val, W.val, (size_t)W.nnz * sizeof(double));
    c.rows = W.n;
    c.nnz = W.nnz;
}

void csr_free(dcsr &c)
{
    dfree(c.rowptr);
    dfree(c.col);
    dfree(c.val);
    c = dcsr();
}

/* Temporary storage for Thrust's reductions, kept from one call to the next: with a plain
 * thrust::device policy a CUDA reduction cudaMallocs and cudaFrees its scratch on every call (cudaFree
 * waits for the whole device), and the OpenMP one mallocs its per-thread partials. A few blocks are
 * lent and taken back (a call may hold more than one at a time), each grown when a request needs more;
 * after the first calls of a size nothing is allocated. */
struct scratch {
    typedef char value_type;
    static const int NBLK = 4;
    char *base[NBLK] = {};
    size_t cap[NBLK] = {};
    bool lent[NBLK] = {};
    int64_t allocs = 0; /* device allocations made (tests: they stop after the first steps) */

    char *allocate(std::ptrdiff_t n)
    {
        size_t bytes = n > 0 ? (size_t)n : 1;
        int k = -1;
        for (int q = 0; q < NBLK; q++) /* the first free block that fits, else the first free one */
            if (!lent[q] && (k < 0 || (cap[q] >= bytes && cap[k] < bytes))) k = q;
        allocs += k < 0 || cap[k] < bytes;
        if (k < 0) return static_cast<char *>(dalloc(bytes)); /* all lent: a block of its own */
        if (cap[k] < bytes) {
            dfree(base[k]);
            base[k] = nullptr;
            cap[k] = 0;
            base[k] = static_cast<char *>(dalloc(bytes));
            cap[k] = bytes;
        }
        lent[k] = true;
        return base[k];
    }
    void deallocate(char *p, size_t)
    {
        for (int q = 0; q < NBLK; q++)
            if (p == base[q] && lent[q]) {
                lent[q] = false;
                return;
            }
        dfree(p);
    }
    void release()
    {
        for (int q = 0; q < NBLK; q++) {
            dfree(base[q]);
            base[q] = nullptr;
            cap[q] = 0;
        }
    }
};

#if !TMX_DEV_CUDA
/* Passes below about this many entries run on the host without an OpenMP team (as backend_cpu.c
 * and gradients.cpp do: a team costs more than such a pass). */
const double SMALL_WORK = 32768.0;
#endif

/* f(t) for t in [0, count), about `work` entries in all. A CUDA launch does not wait for its kernel
 * (par_nosync): the stream orders the launches, and the host waits where it reads a result back (a
 * reduction, a copy to the host), which also reports a failed launch. */
template <class F> void launch(int64_t count, double work, F f)
{
#if TMX_DEV_CUDA
    (void)work;
    thrust::for_each(thrust::cuda::par_nosync, counter_it(0), counter_it(count), f);
#else
    if (work < SMALL_WORK) thrust::for_each(thrust::seq, counter_it(0), counter_it(count), f);
    else thrust::for_each(thrust::device, counter_it(0), counter_it(count), f);
#endif
}

/* Σ_t f(t) over [0, count) in a fixed order, Thrust's scratch from `scr`. */
template <class R, class F, class Op> R reduce(scratch &scr, int64_t count, double work, F f, R zero, Op op)
{
#if !TMX_DEV_CUDA
    if (work < SMALL_WORK) return thrust::transform_reduce(thrust::seq, counter_it(0), counter_it(count), f, zero, op);
#else
    (void)work;
#endif
    return thrust::transform_reduce(thrust::device(scr), counter_it(0), counter_it(count), f, zero, op);
}

/* Column sums of small state: the partials of COLSUM_WORK rows × column blocks at once. */
const int64_t COLSUM_WORK = 65536;

struct device_state {
    tmx_dev::problem pb{};
    double *A = nullptr, *y = nullptr;
    float *Af = nullptr;
    int64_t *order = nullptr, *start = nullptr;
    void *ws = nullptr;      /* the gradients' workspace, for n agents */
    std::vector<dcsr> wc;    /* the cached W^(k), uploaded at their first use */
    dcsr wr;                 /* a random topology's current W^(k) (or a matrix not in the cache) */
    int64_t wr_version = -1; /* s->wrand_version it holds */
    double *vec = nullptr;   /* p doubles: a host vector uploaded, or a column mean to download */
    void *partial = nullptr; /* max(p, COLSUM_WORK) doubles: column-sum partials */
    int64_t mix_R = 0;             /* the fused gossip's rows per item (dev_open) */
    int64_t mix_nb = 1, mix_C = 1; /* its column blocks, of C columns each */
    double *mixpart = nullptr; /* 3 × mix_nb × p doubles: its per-block statistics */
    double *shift = nullptr;   /* p doubles: its shift c_r, then (fallback) the workers' mean */
    int64_t mix_fallbacks = 0; /* gossips whose consensus took the second pass (tests) */
    scratch scr;               /* Thrust's reduction scratch */
    double *w = nullptr;     /* N doubles: SGP's push-sum weights */
    std::string err;         /* the first device error (reported by check) */
};

device_state *ds(const tmx_sim *s) { return static_cast<device_state *>(s->dev); }

void fail(const tmx_sim *s, const char *what)
{
    device_state *d = ds(s);
    if (d && d->err.empty()) d->err = what && *what ? what : "unknown device error";
}

/* Runs f, recording instead of throwing what a device call throws (the table's calls return no
 * status: check() reports the first failure after the step). */
template <class F> void guard(const tmx_sim *s, F &&f)
{
    try {
        f();
    } catch (const std::exception &e) {
        fail(s, e.what());
    } catch (...) {
        fail(s, "unknown device error");
    }
}

/* ---- functors ------------------------------------------------------------------------------- */

/* q / p, in 32 bits where both fit (a GPU divides 64-bit integers in software, ~3x slower). */
__host__ __device__ inline int64_t quot(int64_t q, int64_t p)
{
    if (((uint64_t)q | (uint64_t)p) >> 32 == 0) return (int64_t)((uint32_t)q / (uint32_t)p);
    return q / p;
}

/* part[b·p + r] ← Σ over the columns i of block b (C columns) of X[i·p + r], accumulated in TA. */
template <class TI, class TA> struct colsum_f {
    const TI *X;
    TA *part;
    int64_t p, n, C;
    __host__ __device__ void operator()(int64_t q) const
    {
        int64_t b = quot(q, p), r = q - b * p, i0 = b * C, i1 = i0 + C < n ? i0 + C : n;
        TA acc = TA(0);
        for (int64_t i = i0; i < i1; i++) acc += TA(X[i * p + r]);
        part[q] = acc;
    }
};

/* out[r] ← (Σ_b part[b·p + r]) · scale, or / scale with divide. */
template <class TA> struct colfinal_f {
    const TA *part;
    TA *out;
    int64_t p, nb;
    TA scale;
    int divide;
    __host__ __device__ void operator()(int64_t r) const
    {
        TA acc = TA(0);
        for (int64_t b = 0; b < nb; b++) acc += part[b * p + r];
        out[r] = divide ? acc / scale : acc * scale;
    }
};

/* ---- the fused gossip ------------------------------------------------------------------------ */

/* Rows per work item of the gossip. On a GPU four, in registers: consecutive threads take
 * consecutive 4-row stretches of a column (p-major state: a warp's loads and stores coalesce, its reads
 * of W are one broadcast), and each thread has four independent loads in flight per column, not one
 * (a thread walks C columns in turn: one row each would leave the memory system short of requests);
 * the rows past the last full stretch take one thread each. On the host a stretch of 256 rows of each
 * column, a contiguous run that the core streams and vectorises, its sums in L1 (8 rows per item left
 * it waiting on 64 strided streams). The host build has both layouts, so that its tests run the GPU's
 * too (tmx__device_mix_rows); MIX_R: the host's rows per item. */
constexpr int64_t MIX_GPU_R = 4;
#if TMX_DEV_CUDA
constexpr int MIX_R = 4;
#ifdef __CUDA_ARCH__
#define TMX_SIMD _Pragma("unroll")
#else /* nvcc's host pass runs no kernel */
#define TMX_SIMD
#endif
#else
constexpr int MIX_R = 256;
#define TMX_SIMD _Pragma("omp simd")
#endif

/* Terms per inner sum of the statistics (see mix_t for the bound they enter). */
constexpr int64_t MIX_GROUP = 32;

/* Work item t of a kernel K laid out as above (K's tiles, rpi, p and rows<R>(b, r0, m)): rows
 * r0 .. r0 + rpi of column block b = t / tiles; on a GPU MIX_GPU_R rows at a time, one by one past
 * the last full stretch; on the host (rpi = MIX_R) one stretch of any length. */
template <class K> __host__ __device__ inline void tile_rows(const K &k, int64_t t)
{
    int64_t b = quot(t, k.tiles), r0 = (t - b * k.tiles) * k.rpi;
#if !TMX_DEV_CUDA
    if (k.rpi != MIX_GPU_R) {
        k.template rows<0>(b, r0, k.p - r0 < k.rpi ? k.p - r0 : k.rpi);
        return;
    }
#endif
    if (r0 + MIX_GPU_R <= k.p)
        k.template rows<MIX_GPU_R>(b, r0, MIX_GPU_R);
    else
        for (int64_t r = r0; r < k.p; r++) k.template rows<1>(b, r, 1);
}

struct dd3 {
    double a, b, c;
};
struct dd3_plus {
    __host__ __device__ dd3 operator()(const dd3 &x, const dd3 &y) const
    {
        dd3 z;
        z.a = x.a + y.a;
        z.b = x.b + y.b;
        z.c = x.c + y.c;
        return z;
    }
};

/* The gossip out[:, i] ← Σ_e w_e (in[:, j_e] − γ·g[:, j_e]) over row i of W (rowptr NULL: the
 * identity) fused with its statistics, in one pass over the state: item t takes column block b
 * (columns [b·C, b·C + C) of the N) × a tile of rows. Each entry is accumulated in the state's type
 * in CSR order (backend_cpu.c's arithmetic: the f64 output is the CPU's bit for bit) and written
 * once; the item sums, in double, over its block's workers d = x − c_r (c_r = row r of worker 0's
 * output, the shift, recomputed by every item: the same bits) and d², in groups of MIX_GROUP
 * columns, and over its auxiliary nodes x², into part[(k·nb + b)·p + r] for k = 0, 1, 2. */
template <class T> struct fused_f {
    const int64_t *rowptr, *col;
    const double *val;
    const T *in, *g;
    T gamma;
    T *out;
    double *part, *shift; /* 3 × nb × p; p (written by block 0) */
    int64_t p, n, N, C, nb, tiles, rpi; /* rows per item: MIX_GPU_R, or (host) MIX_R */

    /* acc[0, m) ← rows r0 .. r0 + m of column i of the gossip */
    template <int R> __host__ __device__ void column(int64_t i, int64_t r0, int64_t m_any, T *acc) const
    {
        const int64_t m = R > 0 ? R : m_any;
        int64_t e0 = rowptr ? rowptr[i] : 0, e1 = rowptr ? rowptr[i + 1] : 1;
        for (int64_t l = 0; l < m; l++) acc[l] = T(0);
        for (int64_t e = e0; e < e1; e++) {
            int64_t j = rowptr ? col[e] : i;
            const T *x = in + j * p + r0, *y = g ? g + j * p + r0 : nullptr;
            T w = rowptr ? T(val[e]) : T(1);
            if (y) {
                TMX_SIMD
                for (int64_t l = 0; l < m; l++) acc[l] += w * (x[l] - gamma * y[l]);
            } else {
                TMX_SIMD
                for (int64_t l = 0; l < m; l++) acc[l] += w * x[l];
            }
        }
    }

    __host__ __device__ void operator()(int64_t t) const { tile_rows(*this, t); }

    /* rows r0 .. r0 + m of column block b (R > 0: m = R, a constant) */
    template <int R> __host__ __device__ void rows(int64_t b, int64_t r0, int64_t m_any) const
    {
        const int64_t m = R > 0 ? R : m_any;
        int64_t i0 = b * C, i1 = i0 + C < N ? i0 + C : N, iw = i1 < n ? i1 : n;
        T c[R > 0 ? R : MIX_R], acc[R > 0 ? R : MIX_R];
        double s1[R > 0 ? R : MIX_R], s2[R > 0 ? R : MIX_R], g1[R > 0 ? R : MIX_R], g2[R > 0 ? R : MIX_R],
            qa[R > 0 ? R : MIX_R];
        column<R>(0, r0, m, c);
        for (int64_t l = 0; l < m; l++) {
            if (b == 0) shift[r0 + l] = (double)c[l];
            s1[l] = s2[l] = qa[l] = 0.0;
        }
        for (int64_t ig = i0; ig < iw; ig += MIX_GROUP) { /* the workers */
            int64_t ie = ig + MIX_GROUP < iw ? ig + MIX_GROUP : iw;
            for (int64_t l = 0; l < m; l++) g1[l] = g2[l] = 0.0;
            for (int64_t i = ig; i < ie; i++) {
                column<R>(i, r0, m, acc);
                T *o = out + i * p + r0;
                TMX_SIMD
                for (int64_t l = 0; l < m; l++) {
                    o[l] = acc[l];
                    double dv = (double)acc[l] - (double)c[l];
                    g1[l] += dv;
                    g2[l] += dv * dv;
                }
            }
            TMX_SIMD
            for (int64_t l = 0; l < m; l++) {
                s1[l] += g1[l];
                s2[l] += g2[l];
            }
        }
        for (int64_t i = iw > i0 ? iw : i0; i < i1; i++) { /* auxiliary nodes: their squares alone */
            column<R>(i, r0, m, acc);
            T *o = out + i * p + r0;
            for (int64_t l = 0; l < m; l++) {
                o[l] = acc[l];
                qa[l] += (double)acc[l] * (double)acc[l];
            }
        }
        for (int64_t l = 0; l < m; l++) {
            part[b * p + r0 + l] = s1[l];
            part[(nb + b) * p + r0 + l] = s2[l];
            part[(2 * nb + b) * p + r0 + l] = qa[l];
        }
    }
};

/* Σ_b part[(k·nb + b)·p + r] in groups of MIX_GROUP blocks. */
__host__ __device__ inline double blocks_sum(const double *part, int64_t k, int64_t nb, int64_t p, int64_t r)
{
    double s = 0.0;
    for (int64_t bg = 0; bg < nb; bg += MIX_GROUP) {
        int64_t be = bg + MIX_GROUP < nb ? bg + MIX_GROUP : nb;
        double a = 0.0;
        for (int64_t b = bg; b < be; b++) a += part[(k * nb + b) * p + r];
        s += a;
    }
    return s;
}

/* Row r's (M2_r, S2_r, Q_r): M2_r = S2_r − S1_r²/n = Σ_{i<n} (x_ir − x̄_r)² from the shifted sums, and
 * the squares Q_r = Σ_i x_ir² = S2_r + 2c_r·S1_r + n·c_r² + the auxiliary nodes' (the engine reads
 * their sum for its finiteness alone: it is infinite or NaN when an entry is, or overflows). */
struct rowstat_f {
    const double *part, *shift;
    int64_t p, nb;
    double n;
    __host__ __device__ dd3 operator()(int64_t r) const
    {
        double s1 = blocks_sum(part, 0, nb, p, r), s2 = blocks_sum(part, 1, nb, p, r), c = shift[r];
        dd3 z;
        z.a = s2 - s1 * s1 / n;
        z.b = s2;
        z.c = s2 + 2.0 * c * s1 + n * c * c + blocks_sum(part, 2, nb, p, r);
        return z;
    }
};

/* The fallback's mean: shift[r] ← c_r + S1_r/n = x̄_r (in double). */
struct rowmean_f {
    const double *part;
    double *shift;
    int64_t p, nb;
    double n;
    __host__ __device__ void operator()(int64_t r) const { shift[r] += blocks_sum(part, 0, nb, p, r) / n; }
};

/* The fallback's pass over the output: part[b·p + r] ← Σ over block b's workers of (x_ir − x̄_r)², in
 * groups (backend_cpu.c's two-pass form, with the mean in double). */
template <class T> struct dev2_f {
    const T *out;
    const double *mean;
    double *part;
    int64_t p, n, C, tiles, rpi;

    __host__ __device__ void operator()(int64_t t) const { tile_rows(*this, t); }

    template <int R> __host__ __device__ void rows(int64_t b, int64_t r0, int64_t m_any) const
    {
        const int64_t m = R > 0 ? R : m_any;
        int64_t i0 = b * C, i1 = i0 + C < n ? i0 + C : n;
        double s[R > 0 ? R : MIX_R], a[R > 0 ? R : MIX_R];
        for (int64_t l = 0; l < m; l++) s[l] = 0.0;
        for (int64_t ig = i0; ig < i1; ig += MIX_GROUP) {
            int64_t ie = ig + MIX_GROUP < i1 ? ig + MIX_GROUP : i1;
            for (int64_t l = 0; l < m; l++) a[l] = 0.0;
            for (int64_t i = ig; i < ie; i++) {
                const T *o = out + i * p + r0;
                TMX_SIMD
                for (int64_t l = 0; l < m; l++) {
                    double dv = (double)o[l] - mean[r0 + l];
                    a[l] += dv * dv;
                }
            }
            for (int64_t l = 0; l < m; l++) s[l] += a[l];
        }
        for (int64_t l = 0; l < m; l++) part[b * p + r0 + l] = s[l];
    }
};

struct rowsum_f {
    const double *part;
    int64_t p, nb;
    __host__ __device__ double operator()(int64_t r) const { return blocks_sum(part, 0, nb, p, r); }
};

/* dst ← a·A + b·B + c·C (B, C may be NULL), the CPU's expression in the state's type. */
template <class T> struct comb_f {
    T *d;
    const T *x, *y, *z;
    T a, b, c;
    __host__ __device__ void operator()(int64_t q) const
    {
        d[q] = a * x[q] + (y ? b * y[q] : T(0)) + (z ? c * z[q] : T(0));
    }
};

/* X[:, i] ← a·X[:, i] + b·v in double, rounded to the state's type. */
template <class T> struct colset_f {
    T *X;
    const double *v;
    double a, b;
    int64_t p;
    __host__ __device__ void operator()(int64_t q) const
    {
        int64_t i = quot(q, p);
        X[q] = T(a * X[q] + b * v[q - i * p]);
    }
};

/* ‖x_i − x̄‖² terms in double (metrics). */
template <class T> struct dist_f {
    const T *X;
    const double *mean;
    int64_t p;
    __host__ __device__ double operator()(int64_t q) const
    {
        int64_t i = quot(q, p);
        double dv = (double)X[q] - mean[q - i * p];
        return dv * dv;
    }
};

/* AD-PSGD's event at entry k: x_i, x_j ← (x_i + x_j)/2 (xj NULL: none), x_i ← x_i − γ g_i, v_i ← x_i;
 * returns the squares of the entries written (adpsgd.c's event_update). */
template <class T> struct event_f {
    T *xi, *xj, *vi;
    const T *g;
    T gam;
    __host__ __device__ double operator()(int64_t k) const
    {
        double sq = 0.0;
        if (xj) {
            T m = T(0.5) * (xi[k] + xj[k]);
            xi[k] = xj[k] = m;
            sq += (double)m * m;
        }
        xi[k] -= gam * g[k];
        sq += (double)xi[k] * xi[k];
        vi[k] = xi[k];
        return sq;
    }
};

/* z ← x / w_i per column, a true division in double (SGP's de-bias, sgp.c). */
template <class T> struct debias_f {
    const T *x;
    T *z;
    const double *w;
    int64_t p;
    __host__ __device__ void operator()(int64_t q) const
    {
        int64_t i = quot(q, p);
        z[q] = T((double)x[q] / w[i]);
    }
};

/* ---- operations ------------------------------------------------------------------------------ */

/* out (device, p elements of TA) ← the sum over the first n columns of X, · or / scale. Blocks of C
 * columns give COLSUM_WORK partial sums; with one block, or one column per block, the order of the
 * additions is the CPU's sequential one. */
template <class TI, class TA>
void colsum(const tmx_sim *s, const TI *X, int64_t n, TA *out, TA scale, int divide)
{
    device_state *d = ds(s);
    int64_t p = s->p, nb = COLSUM_WORK / p;
    if (nb < 1) nb = 1;
    if (nb > n) nb = n;
    int64_t C = (n + nb - 1) / nb;
    nb = (n + C - 1) / C;
    TA *part = static_cast<TA *>(d->partial);
    colsum_f<TI, TA> f = {X, part, p, n, C};
    launch(nb * p, (double)n * (double)p, f);
    colfinal_f<TA> g = {part, out, p, nb, scale, divide};
    launch(p, (double)(p), g);
}

/* The device copy of W (NULL: the identity): a cached matrix is uploaded at its first use, a random
 * topology's W^(k) once per rebuild (weights_at bumps the version). */
const dcsr *matrix_of(const tmx_sim *s, const tmx_csr *W)
{
    device_state *d = ds(s);
    if (!W) return nullptr;
    int64_t q = -1;
    for (int64_t c = 0; c < s->ncache && q < 0; c++)
        if (W == &s->Wcache[c]) q = c;
    if (q >= 0) {
        if ((int64_t)d->wc.size() < s->ncache) d->wc.resize((size_t)s->ncache);
        if (d->wc[(size_t)q].nnz < 0) csr_upload(d->wc[(size_t)q], *W);
        return &d->wc[(size_t)q];
    }
    if (W != &s->Wrand || d->wr_version != s->wrand_version) {
        csr_upload(d->wr, *W);
        d->wr_version = W == &s->Wrand ? s->wrand_version : -1;
    }
    return &d->wr;
}

/* Column blocks of the fused gossip over N columns of p rows: a GPU wants about 2^18 threads (items)
 * in flight, the host about 256 items to share among its threads (a constant, so that the order of
 * the sums, and the bits of a run, do not depend on the thread count); at most one block per column. */
void mix_blocks(int64_t p, int64_t N, int64_t R, int64_t *nb_out, int64_t *C_out)
{
#if TMX_DEV_CUDA
    int64_t tiles = (p + R - 1) / R, want = (((int64_t)1 << 18) + tiles - 1) / tiles;
#else
    int64_t tiles = (p + R - 1) / R, want = (256 + tiles - 1) / tiles;
#endif
    int64_t nb = want < 1 ? 1 : want > N ? N : want;
    if (nb < 1) nb = 1;
    int64_t C = (N + nb - 1) / nb;
    *C_out = C > 0 ? C : 1;
    *nb_out = N > 0 ? (N + *C_out - 1) / *C_out : 1;
}

/* The gossip with its statistics (docs/definitions.md §23). One pass writes out and, per column
 * block and row, the sums S1 = Σ d, S2 = Σ d² of the workers' d = x_ir − c_r, and Q = Σ x² over every
 * node; then per row M2_r = S2_r − S1_r²/n = Σ_i (x_ir − x̄_r)², summed over the rows.
 *
 * Why it is safe. Each d enters its sum through at most L = 2G + ⌈C/G⌉ + ⌈nb/G⌉ additions (groups of
 * G = MIX_GROUP within an item and across blocks), after ≤ 3 roundings (x − c, d², and the double of
 * an f64 x − c), so with u = 2^-53, |ΔS2| ≤ γ_{L+3}·S2 and, by Cauchy–Schwarz (|S1|, Σ|d| ≤ √(n·S2)),
 * |Δ(S1²/n)| ≤ 2γ_{L+1}·S2 + 2u·S2: |ΔM2| ≤ 3.1·(L+3)·u·ΣS2 over the rows. The cancellation is bounded
 * by S2/M2 = 1 + n‖x_0 − x̄‖²/Σ_i‖x_i − x̄‖²: about 2 when worker 0 is a typical worker, however close
 * to consensus the models are (the raw Σ‖x_i‖² − n‖x̄‖² would lose ‖x̄‖²/‖x_i − x̄‖² instead). The pass
 * checks the bound a posteriori: when 3.1·(L+3)·u·ΣS2 > 2^-43·ΣM2 (a relative error above 1.1e-13, a
 * tenth of the 1e-12 at which the backends are compared; worker 0 an outlier), a second, light pass
 * reads the output once more and sums (x − x̄)² about the mean in double, the CPU's two-pass form. */
template <class T>
void mix_t(const tmx_sim *s, const tmx_csr *W, const T *in, const T *g, double gamma, T *out, mix_stats *st)
{
    device_state *d = ds(s);
    int64_t p = s->p, N = s->N, n = s->n, nb = d->mix_nb, C = d->mix_C, R = d->mix_R, tiles = (p + R - 1) / R;
    const dcsr *dw = matrix_of(s, W);
    double work = (double)p * (double)N;
    fused_f<T> f = {dw ? dw->rowptr : nullptr, dw ? dw->col : nullptr, dw ? dw->val : nullptr, in, g, T(gamma), out,
                    d->mixpart, d->shift, p, n, N, C, nb, tiles, R};
    launch(nb * tiles, work * (dw ? (double)dw->nnz / (double)N : 1.0), f);
    rowstat_f rf = {d->mixpart, d->shift, p, nb, (double)n};
    dd3 zero = {0.0, 0.0, 0.0};
    dd3 r = reduce(d->scr, p, (double)p * (double)nb, rf, zero, dd3_plus());
    double L = (double)(2 * MIX_GROUP + (C + MIX_GROUP - 1) / MIX_GROUP + (nb + MIX_GROUP - 1) / MIX_GROUP);
    double m2 = r.a;
    if (!(3.1 * (L + 3.0) * 0x1p-53 * r.b <= 0x1p-43 * m2) && std::isfinite(r.c)) {
        d->mix_fallbacks++;
        launch(p, (double)p * (double)nb, rowmean_f{d->mixpart, d->shift, p, nb, (double)n});
        launch(nb * tiles, (double)p * (double)n, dev2_f<T>{out, d->shift, d->mixpart, p, n, C, tiles, R});
        m2 = reduce(d->scr, p, (double)p * (double)nb, rowsum_f{d->mixpart, p, nb}, 0.0, thrust::plus<double>());
    }
    st->consensus = m2 / (double)n;
    st->sumsq = r.c;
}

template <class T> void gradients_t(tmx_sim *s, const T *X, T *G, int64_t counter, int adapt, double gamma, double *mean_norm2)
{
    device_state *d = ds(s);
    int64_t p = s->p, n = s->n;
    double nn = tmx_dev::gradients<T>(d->pb, X, G, counter, adapt, gamma, 0, n, mean_norm2 != NULL, d->ws);
    if (s->aux) { /* auxiliary nodes compute nothing: 0, or their X with the local step fused */
        size_t off = (size_t)(n * p), len = (size_t)(s->aux * p) * sizeof(T);
        if (adapt) d2d(G + off, X + off, len);
        else dzero(G + off, len);
    }
    if (mean_norm2) *mean_norm2 = nn / (double)n;
}

/* ---- the table ------------------------------------------------------------------------------ */

void dev_gradients(tmx_sim *s, const void *X, void *G, int64_t counter, int adapt, double gamma, double *mean_norm2)
{
    guard(s, [&] {
        if (s->f32) gradients_t(s, static_cast<const float *>(X), static_cast<float *>(G), counter, adapt, gamma, mean_norm2);
        else gradients_t(s, static_cast<const double *>(X), static_cast<double *>(G), counter, adapt, gamma, mean_norm2);
    });
}

void dev_grad_one(tmx_sim *s, int64_t i, const void *X, void *G, int64_t counter)
{
    guard(s, [&] {
        device_state *d = ds(s);
        if (s->f32)
            tmx_dev::gradients<float>(d->pb, static_cast<const float *>(X), static_cast<float *>(G), counter, 0, 0.0, i,
                                      i + 1, 0, d->ws);
        else
            tmx_dev::gradients<double>(d->pb, static_cast<const double *>(X), static_cast<double *>(G), counter, 0, 0.0,
                                       i, i + 1, 0, d->ws);
    });
}

void dev_mix_axpy(const tmx_sim *s, const tmx_csr *W, const void *in, const void *g, double gamma, void *out,
                  mix_stats *st)
{
    st->consensus = st->sumsq = 0.0;
    guard(s, [&] {
        if (s->f32)
            mix_t(s, W, static_cast<const float *>(in), static_cast<const float *>(g), gamma, static_cast<float *>(out), st);
        else
            mix_t(s, W, static_cast<const double *>(in), static_cast<const double *>(g), gamma, static_cast<double *>(out),
                  st);
    });
}

void dev_vec_comb(const tmx_sim *s, void *dst, double a, const void *A, double b, const void *B, double c, const void *C)
{
    guard(s, [&] {
        int64_t total = s->p * s->N;
        if (s->f32) {
            comb_f<float> f = {static_cast<float *>(dst), static_cast<const float *>(A), static_cast<const float *>(B),
                               static_cast<const float *>(C), (float)a, (float)b, (float)c};
            launch(total, (double)(total), f);
        } else {
            comb_f<double> f = {static_cast<double *>(dst), static_cast<const double *>(A), static_cast<const double *>(B),
                                static_cast<const double *>(C), a, b, c};
            launch(total, (double)(total), f);
        }
    });
}

void dev_cols_mean(const tmx_sim *s, const void *X, double *out)
{
    guard(s, [&] {
        device_state *d = ds(s);
        if (s->f32) colsum<float, double>(s, static_cast<const float *>(X), s->n, d->vec, (double)s->n, 1);
        else colsum<double, double>(s, static_cast<const double *>(X), s->n, d->vec, (double)s->n, 1);
        d2h(out, d->vec, (size_t)s->p * sizeof(double));
    });
}

void dev_cols_set(const tmx_sim *s, void *X, double a, double b, const double *v, int64_t cols)
{
    guard(s, [&] {
        device_state *d = ds(s);
        h2d(d->vec, v, (size_t)s->p * sizeof(double));
        if (s->f32) {
            colset_f<float> f = {static_cast<float *>(X), d->vec, a, b, s->p};
            launch(cols * s->p, (double)(cols * s->p), f);
        } else {
            colset_f<double> f = {static_cast<double *>(X), d->vec, a, b, s->p};
            launch(cols * s->p, (double)(cols * s->p), f);
        }
    });
}

void *dev_alloc(tmx_sim *s, size_t bytes)
{
    void *p = nullptr;
    try {
        p = dalloc(bytes);
        dzero(p, bytes ? bytes : 1);
    } catch (const std::bad_alloc &) {
        dfree(p);
        return nullptr;
    } catch (const std::exception &e) {
        if (p) {
            try {
                dfree(p);
            } catch (...) {
            }
        }
        fail(s, e.what());
        return nullptr;
    }
    return p;
}

void dev_release(tmx_sim *s, void *p)
{
    guard(s, [&] { dfree(p); });
}

void dev_to_host(const tmx_sim *s, void *dst, const void *src, size_t bytes)
{
    guard(s, [&] { d2h(dst, src, bytes); });
}

void dev_to_device(const tmx_sim *s, void *dst, const void *src, size_t bytes)
{
    guard(s, [&] { h2d(dst, src, bytes); });
}

void dev_copy(const tmx_sim *s, void *dst, const void *src, size_t bytes)
{
    guard(s, [&] { d2d(dst, src, bytes); });
}

double dev_consensus(const tmx_sim *s, const void *X, const double *mean)
{
    double r = 0.0;
    guard(s, [&] {
        device_state *d = ds(s);
        int64_t total = s->n * s->p;
        h2d(d->vec, mean, (size_t)s->p * sizeof(double));
        if (s->f32) {
            dist_f<float> f = {static_cast<const float *>(X), d->vec, s->p};
            r = reduce(ds(s)->scr, total, (double)total, f, 0.0, thrust::plus<double>());
        } else {
            dist_f<double> f = {static_cast<const double *>(X), d->vec, s->p};
            r = reduce(ds(s)->scr, total, (double)total, f, 0.0, thrust::plus<double>());
        }
    });
    return r;
}

double dev_event_update(tmx_sim *s, int64_t i, int64_t j, double gamma)
{
    double r = 0.0;
    guard(s, [&] {
        int64_t p = s->p;
        if (s->f32) {
            float *X = static_cast<float *>(s->buf[BUF_X]), *V = static_cast<float *>(s->buf[BUF_V]);
            event_f<float> f = {X + i * p, j >= 0 ? X + j * p : nullptr, V + i * p,
                                static_cast<const float *>(s->buf[BUF_G]) + i * p, (float)gamma};
            r = reduce(ds(s)->scr, p, (double)p, f, 0.0, thrust::plus<double>());
        } else {
            double *X = static_cast<double *>(s->buf[BUF_X]), *V = static_cast<double *>(s->buf[BUF_V]);
            event_f<double> f = {X + i * p, j >= 0 ? X + j * p : nullptr, V + i * p,
                                 static_cast<const double *>(s->buf[BUF_G]) + i * p, gamma};
            r = reduce(ds(s)->scr, p, (double)p, f, 0.0, thrust::plus<double>());
        }
    });
    return r;
}

void dev_debias(tmx_sim *s, const void *X, void *Z, const double *w)
{
    guard(s, [&] {
        device_state *d = ds(s);
        int64_t total = s->p * s->N;
        h2d(d->w, w, (size_t)s->N * sizeof(double));
        if (s->f32) {
            debias_f<float> f = {static_cast<const float *>(X), static_cast<float *>(Z), d->w, s->p};
            launch(total, (double)(total), f);
        } else {
            debias_f<double> f = {static_cast<const double *>(X), static_cast<double *>(Z), d->w, s->p};
            launch(total, (double)(total), f);
        }
    });
}

tmx_status dev_check(tmx_sim *s)
{
    device_state *d = ds(s);
    if (!d || d->err.empty()) return TMX_OK;
#if TMX_DEV_CUDA
    return tmx__error(TMX_ESYS, "sim: the CUDA device failed: %s", d->err.c_str());
#else
    return tmx__error(TMX_ESYS, "sim: the device backend failed: %s", d->err.c_str());
#endif
}

struct float_of {
    __host__ __device__ float operator()(double v) const { return (float)v; }
};

void free_state(device_state *d)
{
    dfree(d->A);
    dfree(d->y);
    dfree(d->Af);
    dfree(d->order);
    dfree(d->start);
    dfree(d->ws);
    for (dcsr &c : d->wc) csr_free(c);
    csr_free(d->wr);
    dfree(d->vec);
    dfree(d->mixpart);
    dfree(d->shift);
    d->scr.release();
    dfree(d->partial);
    dfree(d->w);
}

void dev_close(tmx_sim *s)
{
    device_state *d = ds(s);
    if (!d) return;
    try {
        free_state(d);
    } catch (...) { /* a failed device: nothing more to release */
    }
    delete d;
    s->dev = nullptr;
}

/* Uploads the data and the partition and allocates the scratch vectors; the mixing matrices follow
 * at their first use. */
tmx_status dev_open(tmx_sim *s)
{
    char name[256];
    tmx_status st = tmx__device_probe(name, sizeof name);
    if (st != TMX_OK) return st;
    device_state *d = new (std::nothrow) device_state;
    if (!d) return tmx__error(TMX_ENOMEM, "sim: out of memory");
    s->dev = d;
    const tmx_dataset *D = s->D;
    const tmx_partition *P = s->P;
    size_t cells = (size_t)D->m * (size_t)D->d;
    try {
        d->A = static_cast<double *>(dalloc(cells * sizeof(double)));
        h2d(d->A, D->A, cells * sizeof(double));
        if (s->f32) { /* the single-precision copy, made where it is read */
            d->Af = static_cast<float *>(dalloc(cells * sizeof(float)));
            thrust::device_ptr<double> a = thrust::device_pointer_cast(d->A);
            thrust::transform(thrust::device, a, a + (int64_t)cells, thrust::device_pointer_cast(d->Af), float_of());
            if (s->pb.kind != TMX_PROB_MLP) { /* the linear models read Af alone */
                dfree(d->A);
                d->A = nullptr;
            }
        }
        d->y = static_cast<double *>(dalloc((size_t)D->m * sizeof(double)));
        h2d(d->y, D->y, (size_t)D->m * sizeof(double));
        d->order = static_cast<int64_t *>(dalloc((size_t)P->m * sizeof(int64_t)));
        h2d(d->order, P->order, (size_t)P->m * sizeof(int64_t));
        d->start = static_cast<int64_t *>(dalloc(((size_t)P->n + 1) * sizeof(int64_t)));
        h2d(d->start, P->start, ((size_t)P->n + 1) * sizeof(int64_t));
        tmx_dev::problem &pb = d->pb;
        pb.kind = (int)s->pb.kind;
        pb.m = D->m;
        pb.d = D->d;
        pb.p = s->p;
        pb.hidden = s->pb.hidden;
        pb.nclass = s->pb.nclass;
        pb.n = s->n;
        pb.batch = s->cfg.batch;
        pb.reg = s->pb.reg;
        pb.seed = s->cfg.seed;
        pb.A = d->A;
        pb.Af = d->Af;
        pb.y = d->y;
        pb.order = d->order;
        pb.start = d->start;
        pb.start_host = P->start;
        d->ws = dalloc(tmx_dev::gradients_workspace_bytes(pb, s->f32, s->n));
        d->vec = static_cast<double *>(dalloc((size_t)s->p * sizeof(double)));
        d->mix_R = MIX_R;
        mix_blocks(s->p, s->N, d->mix_R, &d->mix_nb, &d->mix_C);
        d->mixpart = static_cast<double *>(dalloc((size_t)(3 * d->mix_nb * s->p) * sizeof(double)));
        d->shift = static_cast<double *>(dalloc((size_t)s->p * sizeof(double)));
        d->partial = dalloc((size_t)(s->p > COLSUM_WORK ? s->p : COLSUM_WORK) * sizeof(double));
        d->w = static_cast<double *>(dalloc((size_t)s->N * sizeof(double)));
    } catch (const std::bad_alloc &) {
        return tmx__error(TMX_ENOMEM, "sim: out of device memory for the data (%lld x %lld) and the scratch of %s",
                          (long long)D->m, (long long)D->d, name);
    } catch (const std::exception &e) {
        return tmx__error(TMX_ESYS, "sim: %s: %s", name, e.what());
    }
    return TMX_OK;
}

tmx__backend make_table()
{
    tmx__backend b;
    std::memset(&b, 0, sizeof b);
#if TMX_DEV_CUDA
    b.name = "thrust-cuda";
#else
    b.name = "thrust-omp";
#endif
    b.gradients = dev_gradients;
    b.grad_one = dev_grad_one;
    b.mix_axpy = dev_mix_axpy;
    b.vec_comb = dev_vec_comb;
    b.cols_mean = dev_cols_mean;
    b.cols_set = dev_cols_set;
    b.host = 0;
    b.open = dev_open;
    b.close = dev_close;
    b.alloc = dev_alloc;
    b.release = dev_release;
    b.to_host = dev_to_host;
    b.to_device = dev_to_device;
    b.copy = dev_copy;
    b.consensus = dev_consensus;
    b.event_update = dev_event_update;
    b.debias = dev_debias;
    b.check = dev_check;
    return b;
}

} // namespace

const tmx__backend tmx__device_backend = make_table();

int64_t tmx__device_mix_fallbacks(const tmx_sim *s) { return s->dev ? ds(s)->mix_fallbacks : 0; }

int64_t tmx__device_scratch_allocs(const tmx_sim *s) { return s->dev ? ds(s)->scr.allocs : 0; }

int tmx__device_mix_rows(tmx_sim *s, int gpu)
{
    device_state *d = ds(s);
    if (!d || (TMX_DEV_CUDA && !gpu)) return -1;
    int64_t nb, C, R = gpu ? MIX_GPU_R : MIX_R;
    mix_blocks(s->p, s->N, R, &nb, &C);
    if (nb > d->mix_nb) { /* more blocks: a larger array of partials */
        double *part = nullptr;
        try {
            part = static_cast<double *>(dalloc((size_t)(3 * nb * s->p) * sizeof(double)));
        } catch (...) {
            return -1;
        }
        dfree(d->mixpart);
        d->mixpart = part;
    }
    d->mix_R = R;
    d->mix_nb = nb;
    d->mix_C = C;
    return 0;
}

/* The device's description, or the reason there is none (one line, recorded). */
tmx_status tmx__device_probe(char *buf, size_t len)
{
#if TMX_DEV_CUDA
    int count = 0;
    cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess)
        return tmx__error(TMX_ESYS, "--device gpu: no usable CUDA device (cudaGetDeviceCount: %s: %s)", cudaGetErrorName(e),
                          cudaGetErrorString(e));
    if (count < 1) return tmx__error(TMX_ESYS, "--device gpu: no CUDA device found (cudaGetDeviceCount: 0)");
    cudaDeviceProp prop;
    if ((e = cudaGetDeviceProperties(&prop, 0)) != cudaSuccess)
        return tmx__error(TMX_ESYS, "--device gpu: cudaGetDeviceProperties: %s: %s", cudaGetErrorName(e), cudaGetErrorString(e));
    std::snprintf(buf, len, "thrust-cuda on %s (sm_%d%d, %.1f GiB)", prop.name, prop.major, prop.minor,
                  (double)prop.totalGlobalMem / 1073741824.0);
#else
    int t = omp_get_max_threads();
    std::snprintf(buf, len, "thrust-omp on the host (%d thread%s)", t, t == 1 ? "" : "s");
#endif
    return TMX_OK;
}
