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
#include <thrust/fill.h>
#include <thrust/for_each.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/transform.h>
#include <thrust/transform_reduce.h>

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
    thrust::device_ptr<unsigned char> d = thrust::device_pointer_cast(static_cast<unsigned char *>(p));
    thrust::fill(thrust::device, d, d + bytes, (unsigned char)0);
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
    void *mean = nullptr;    /* p state elements: the gossip's workers' mean */
    void *partial = nullptr; /* max(p, COLSUM_WORK) doubles: column-sum partials */
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

/* out[:, i] ← Σ_e w_e (in[:, j_e] − γ·g[:, j_e]) over row i of W (rowptr NULL: the identity), one
 * entry per call, accumulated in the state's type in CSR order: backend_cpu.c's arithmetic. */
template <class T> struct gossip_f {
    const int64_t *rowptr, *col;
    const double *val;
    const T *in, *g;
    T gamma;
    T *out;
    int64_t p;
    __host__ __device__ void operator()(int64_t q) const
    {
        int64_t i = quot(q, p), r = q - i * p;
        T acc = T(0);
        if (rowptr) {
            for (int64_t e = rowptr[i]; e < rowptr[i + 1]; e++) {
                int64_t at = col[e] * p + r;
                T w = T(val[e]);
                if (g) acc += w * (in[at] - gamma * g[at]);
                else acc += w * in[at];
            }
        } else {
            acc += T(1) * (g ? in[q] - gamma * g[q] : in[q]);
        }
        out[q] = acc;
    }
};

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

struct dd {
    double a, b;
};
struct dd_plus {
    __host__ __device__ dd operator()(const dd &x, const dd &y) const
    {
        dd z;
        z.a = x.a + y.a;
        z.b = x.b + y.b;
        return z;
    }
};

/* (consensus share, square) of one entry of the gossip's output: the CPU's per-entry terms. */
template <class T> struct stats_f {
    const T *out, *mean;
    int64_t p, n;
    __host__ __device__ dd operator()(int64_t q) const
    {
        int64_t i = quot(q, p);
        double v = out[q];
        dd z;
        z.b = v * v;
        z.a = 0.0;
        if (i < n) {
            double dv = (double)(out[q] - mean[q - i * p]);
            z.a = dv * dv;
        }
        return z;
    }
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
    thrust::for_each(thrust::device, counter_it(0), counter_it(nb * p), f);
    colfinal_f<TA> g = {part, out, p, nb, scale, divide};
    thrust::for_each(thrust::device, counter_it(0), counter_it(p), g);
}

template <class T>
void mix_t(const tmx_sim *s, const tmx_csr *W, const T *in, const T *g, double gamma, T *out, mix_stats *st)
{
    device_state *d = ds(s);
    int64_t p = s->p, N = s->N, n = s->n;
    const dcsr *dw = nullptr;
    if (W) {
        int64_t q = -1;
        for (int64_t c = 0; c < s->ncache && q < 0; c++)
            if (W == &s->Wcache[c]) q = c;
        if (q >= 0) {
            if ((int64_t)d->wc.size() < s->ncache) d->wc.resize((size_t)s->ncache);
            if (d->wc[(size_t)q].nnz < 0) csr_upload(d->wc[(size_t)q], *W); /* once per cached matrix */
            dw = &d->wc[(size_t)q];
        } else {
            /* a random topology's W^(k): uploaded once per rebuild (weights_at bumps the version) */
            if (W != &s->Wrand || d->wr_version != s->wrand_version) {
                csr_upload(d->wr, *W);
                d->wr_version = W == &s->Wrand ? s->wrand_version : -1;
            }
            dw = &d->wr;
        }
    }
    gossip_f<T> f = {dw ? dw->rowptr : nullptr, dw ? dw->col : nullptr, dw ? dw->val : nullptr, in, g, T(gamma), out, p};
    thrust::for_each(thrust::device, counter_it(0), counter_it(p * N), f);
    /* the workers' mean in the state's type, then the consensus and the sum of squares in double */
    T *mean = static_cast<T *>(d->mean);
    colsum<T, T>(s, out, n, mean, T(1) / T(n), 0);
    stats_f<T> sf = {out, mean, p, n};
    dd zero = {0.0, 0.0};
    dd r = thrust::transform_reduce(thrust::device, counter_it(0), counter_it(p * N), sf, zero, dd_plus());
    st->consensus = r.a / (double)n;
    st->sumsq = r.b;
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
            thrust::for_each(thrust::device, counter_it(0), counter_it(total), f);
        } else {
            comb_f<double> f = {static_cast<double *>(dst), static_cast<const double *>(A), static_cast<const double *>(B),
                                static_cast<const double *>(C), a, b, c};
            thrust::for_each(thrust::device, counter_it(0), counter_it(total), f);
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
            thrust::for_each(thrust::device, counter_it(0), counter_it(cols * s->p), f);
        } else {
            colset_f<double> f = {static_cast<double *>(X), d->vec, a, b, s->p};
            thrust::for_each(thrust::device, counter_it(0), counter_it(cols * s->p), f);
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
            r = thrust::transform_reduce(thrust::device, counter_it(0), counter_it(total), f, 0.0, thrust::plus<double>());
        } else {
            dist_f<double> f = {static_cast<const double *>(X), d->vec, s->p};
            r = thrust::transform_reduce(thrust::device, counter_it(0), counter_it(total), f, 0.0, thrust::plus<double>());
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
            r = thrust::transform_reduce(thrust::device, counter_it(0), counter_it(p), f, 0.0, thrust::plus<double>());
        } else {
            double *X = static_cast<double *>(s->buf[BUF_X]), *V = static_cast<double *>(s->buf[BUF_V]);
            event_f<double> f = {X + i * p, j >= 0 ? X + j * p : nullptr, V + i * p,
                                 static_cast<const double *>(s->buf[BUF_G]) + i * p, gamma};
            r = thrust::transform_reduce(thrust::device, counter_it(0), counter_it(p), f, 0.0, thrust::plus<double>());
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
            thrust::for_each(thrust::device, counter_it(0), counter_it(total), f);
        } else {
            debias_f<double> f = {static_cast<const double *>(X), static_cast<double *>(Z), d->w, s->p};
            thrust::for_each(thrust::device, counter_it(0), counter_it(total), f);
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
    dfree(d->mean);
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
        d->ws = dalloc(tmx_dev::gradients_workspace_bytes(pb, s->f32, s->n));
        d->vec = static_cast<double *>(dalloc((size_t)s->p * sizeof(double)));
        d->mean = dalloc((size_t)s->p * s->esz);
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
