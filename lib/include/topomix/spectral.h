/* topomix — consensus rates: SLEM, ‖W − J‖₂ and the spectral gap of static W, rates of periodic
 * and random sequences (docs/definitions.md §4). */
#ifndef TMX_SPECTRAL_H
#define TMX_SPECTRAL_H

#include <stdint.h>
#include <topomix/csr.h>
#include <topomix/error.h>
#include <topomix/export.h>
#include <topomix/topo.h>

#ifdef __cplusplus
extern "C" {
#endif

/** How a rate is computed. */
typedef enum tmx_method {
    TMX_METHOD_AUTO = 0,      /**< dft for circulant topologies, dense up to TMX_DENSE_MAX_N, else iterative;
                               *   a symmetric W from n = 1024 on: iterative first, dense if it does not converge */
    TMX_METHOD_DENSE = 1,     /**< LAPACKE on OpenBLAS, O(n^3) time, O(n^2) memory */
    TMX_METHOD_DFT = 2,       /**< FFTW closed form of a circulant W, O(n log n); never forms W */
    TMX_METHOD_ITERATIVE = 3  /**< ARPACK (implicitly restarted Lanczos/Arnoldi) on the sparse W − J; for
                               *   symmetric W, shift-invert through a sparse Cholesky factor of I − W */
} tmx_method;

/** Largest n for which AUTO picks the dense path for a non-circulant W. */
#define TMX_DENSE_MAX_N 4096

/** Rates of one mixing matrix. For doubly stochastic W, slem = ρ(W − J), the largest modulus of the
 *  eigenvalues of W once the eigenvalue 1 of the vector 1 is removed; beta = ‖W − J‖₂ (largest
 *  singular value), the factor that bounds ‖XW − X̄‖ ≤ β‖X − X̄‖. They coincide for normal W (all
 *  symmetric and all circulant matrices). gap = 1 − slem, computed directly (not as 1 − slem in
 *  floating point) where the structure allows, so tiny gaps keep their digits. */
typedef struct tmx_rate {
    double slem, beta, gap;
    tmx_method method;  /**< the method that produced the values */
    double residual;    /**< iterative: largest residual ‖A v − θ v‖ of the reported values; else 0 */
    int64_t iterations; /**< iterative: operator applications; else 0 */
} tmx_rate;

/** Parses "auto", "dense", "dft", "iterative". */
TMX_API tmx_status tmx_method_parse(const char *s, tmx_method *out);
TMX_API const char *tmx_method_name(tmx_method m);

/** Checks that the matrices a rate or exact-averaging computation of t uses are mixing matrices
 *  (tmx_csr_check_mixing with TMX_MIXING_TOL): W^(0) of a static topology, every step of one
 *  period of a periodic one, W^(step) of a random one. TMX_MIXING_CONNECTED in flags also demands
 *  a connected graph: of W, or for a periodic topology of the union over a period; a random
 *  topology's single draw is not held to it. TMX_EINVAL with one line naming the first failing
 *  row, column or entry (prefixed with "step k: " for time-varying topologies). Circulant
 *  topologies are decided by their first row, O(n) without forming W (every row and column of a
 *  circulant holds its entries); others cost O(nnz) per step checked. */
TMX_API tmx_status tmx_topo_check_mixing(const tmx_topo *t, int64_t step, unsigned flags);

/** Rates of W^(k) of a topology. DFT is refused (TMX_EUNSUP, with a message) for non-circulant
 *  topologies; DENSE is refused (TMX_ENOMEM) when n × n doubles would exceed memory. */
TMX_API tmx_status tmx_rate_topo(const tmx_topo *t, int64_t k, tmx_method m, tmx_rate *out);

/** Rates of any square W (dense or iterative; AUTO picks by size). */
TMX_API tmx_status tmx_rate_csr(const tmx_csr *W, tmx_method m, tmx_rate *out);

/** Every eigenvalue of a square W, for figures (topomix plot spectrum): dense LAPACK, dsyevd for an
 *  exactly symmetric W (im all 0, re ascending), dgeev otherwise (sorted by decreasing modulus; a
 *  conjugate pair together, positive imaginary part first). re and im are caller arrays of W->n
 *  doubles; *symmetric (may be NULL) is set to 1 for the symmetric path. n > TMX_DENSE_MAX_N is
 *  refused (TMX_EUNSUP), so is a dense copy that would not fit in memory (TMX_ENOMEM). */
TMX_API tmx_status tmx_spectrum(const tmx_csr *W, double *re, double *im, int *symmetric);

/** Rates of a push-sum (column-stochastic) W (docs/definitions.md §20). w is the Perron vector,
 *  W w = w with Σ w_i = 1 (positive for a strongly connected W), and the numerators' deviation from
 *  their limit w·(1ᵀx) obeys x⁺ − w(1ᵀx) = (W − w1ᵀ)(x − w(1ᵀx)) exactly: beta = ‖W − w1ᵀ‖₂ bounds
 *  one step, slem = ρ(W − w1ᵀ) (W's second-largest |eigenvalue|) is the asymptotic rate,
 *  ‖W^t − w1ᵀ‖₂^(1/t) → slem. For a doubly stochastic W, w1ᵀ = J: beta and slem are tmx_rate's.
 *  perron_min and perron_max are n·min w_i and n·max w_i, the limits of the push-sum weights that
 *  start at 1. Dense (LAPACKE: the Perron vector from the bordered system of W − I, dgesdd, dgeev):
 *  n > TMX_DENSE_MAX_N is refused (TMX_EUNSUP), so is a W whose columns do not sum to 1 or whose
 *  Perron vector is not positive (TMX_EINVAL). */
typedef struct tmx_push_rate {
    double beta, slem, gap; /**< gap = 1 − slem */
    double perron_min, perron_max;
} tmx_push_rate;

TMX_API tmx_status tmx_rate_push_csr(const tmx_csr *W, tmx_push_rate *out);
/** The same for W^(k) of a topology. */
TMX_API tmx_status tmx_rate_push_topo(const tmx_topo *t, int64_t k, tmx_push_rate *out);

/** Rates of a periodic topology: period P, period_rate = max over phases k of
 *  ‖W^(k+P−1)…W^(k) − J‖₂, and step_rate = period_rate^(1/P). */
typedef struct tmx_seq_rate {
    int64_t period;
    double period_rate, step_rate;
    tmx_method method;
} tmx_seq_rate;

TMX_API tmx_status tmx_rate_periodic(const tmx_topo *t, tmx_method m, tmx_seq_rate *out);

/** Expected rate p of a random topology (Koloskova et al. 2020): 1 − p = λ_max(E[WᵀW] − J).
 *  exact != 0 when E[WᵀW] was formed by enumerating every outcome; otherwise it is a Monte Carlo
 *  mean over `samples` draws (steps 0..samples−1 of the seeded stream) and stderr_p is the
 *  standard error of p from 10 batch means. Caveat: λ_max of a sample mean is biased upward
 *  (p downward) by the sampling noise, most when the spectrum of E[WᵀW] − J is degenerate; the
 *  standard error does not include that bias, which shrinks as O(√(n/samples)). Exact paths:
 *  equidyn (every shift enumerated) and matching with default weights (closed form by
 *  exchangeability, any n). The enumerated and Monte Carlo paths form E[WᵀW] densely: n ≤ 2048. */
typedef struct tmx_random_rate {
    double p, one_minus_p, stderr_p;
    int64_t samples;
    int exact;
} tmx_random_rate;

TMX_API tmx_status tmx_rate_random(const tmx_topo *t, int64_t samples, tmx_random_rate *out);

/** Progress of the long computations: the iterative method's solves (tmx_rate_topo, tmx_rate_csr,
 *  tmx_rate_periodic; what = "iterative eigensolver", done = operator applications so far, total =
 *  the most one solve may take: (1 + TMX_ITER_MAX_RESTARTS) · TMX_ITER_NCV, twice that for a norm)
 *  and tmx_exact_check (what = "exact-averaging product", done = steps tried, total = max_steps).
 *  The callback runs in the computing thread about once per 2^22 multiply-adds, so it costs nothing
 *  measurable; it must not call the library. */
typedef void (*tmx_progress_fn)(const char *what, double done, double total, void *ctx);

/** Sets the calling thread's progress callback and its ctx (fn NULL: none, the default). */
TMX_API void tmx_progress_set(tmx_progress_fn fn, void *ctx);

/** The iterative method's bounds: ARPACK keeps TMX_ITER_NCV Lanczos/Arnoldi vectors of length n
 *  (its memory, refused up front with TMX_ENOMEM when it would not fit) and gives up (TMX_ENOCONV)
 *  after TMX_ITER_MAX_RESTARTS restarts. */
#define TMX_ITER_NCV 32
#define TMX_ITER_MAX_RESTARTS 3000

/** Name of the OpenBLAS kernel set in use ("SkylakeX", "Prescott", …), or "unknown". */
TMX_API const char *tmx_blas_corename(void);

/** Makes OpenBLAS use its AVX-512 kernels where it failed to pick them. OpenBLAS chooses its
 *  kernels once, when it loads; 0.3.21 does not recognise some AVX-512 CPUs (e.g. recent Intel
 *  models under KVM) and falls back to kernels without AVX-512, such as the generic SSE3
 *  "Prescott" set, 1.2–8× slower. When OPENBLAS_CORETYPE is unset (or empty), the CPU supports
 *  AVX-512 (F, CD, BW, DQ, VL) and tmx_blas_corename() names a kernel set without AVX-512, this
 *  sets OPENBLAS_CORETYPE=SkylakeX and TMX_BLAS_REEXEC=<the replaced kernel name> in the
 *  environment and re-executes the running program (execv of /proc/self/exe with @p argv). In the new process OPENBLAS_CORETYPE is set, so
 *  a second call returns 0; the caller can tell that a re-execution happened, and from which
 *  kernels, by getenv("TMX_BLAS_REEXEC"), and should say so. Prints nothing.
 *
 *  Because it replaces the process, call it first thing in main(), before any output, threads or
 *  other state that would be lost. Not thread-safe (it modifies the environment).
 *
 *  @param[in] argv main()'s argv (NULL-terminated), passed unchanged to the new process.
 *  @returns 0 when nothing needed doing (OPENBLAS_CORETYPE already set, no AVX-512, or AVX-512
 *           kernels already in use); does not return when it re-executes; -1 when it should have
 *           re-executed but could not (argv NULL, or execv failed: errno says why), with the
 *           environment left unchanged. */
TMX_API int tmx_blas_fix_coretype(char **argv);

#ifdef __cplusplus
}
#endif
#endif
