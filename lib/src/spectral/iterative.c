/* topomix — iterative spectral kernels: ARPACK (implicitly restarted Lanczos / Arnoldi) through
 * reverse communication on a matrix-free operator.
 *
 * Choices, common to the three kernels:
 * - nev = 1 Ritz value of largest modulus (which = "LM"), ncv = min(n, 32) Lanczos/Arnoldi
 *   vectors, at most 3000 restarts, ARPACK's own convergence test with the caller's tol
 *   (‖r‖ ≤ tol·|θ|; tol = 0 means machine precision). nev = 2 was measured too, and was 3–16×
 *   slower (operator applications, tol 1e-10) on the hard cases — the ring's W − J, whose ρ is a
 *   double eigenvalue in a tight cluster, and the cycle's adjacency with both +2 and −2 — because
 *   it waits for a second value in the cluster to converge as well; nev = 1 found the right
 *   modulus in all of them. (dnaupd raises nev by one itself when the wanted value is complex.)
 * - A fixed pseudo-random starting vector (info = 1), so that repeated calls give the same
 *   result (ARPACK's default start depends on a seed it keeps between calls).
 * - The reported residual is recomputed, not ARPACK's estimate: the operator is applied once more
 *   to the returned unit Ritz vector v, residual = ‖A v − θ v‖. For a symmetric operator some
 *   eigenvalue λ then satisfies |θ − λ| ≤ residual (Weyl / Bauer–Fike for normal matrices).
 *   General operator: the Ritz value θ = a + ib may be complex; with the complex Ritz vector
 *   x = x_r + i x_i (‖x‖ = 1, two real applications) residual = ‖A x − θ x‖; an eigenvalue lies
 *   within κ·residual of θ, where κ is the eigenvalue condition number (κ = 1 for normal A).
 *   norm2: θ is a Ritz value of AᵀA and value = σ = √θ; residual = ‖AᵀA v − θ v‖ / max(σ, tiny),
 *   which bounds |σ − σ_j| for some singular value σ_j, since |θ − σ_j²| ≤ ‖AᵀA v − θ v‖ and
 *   |σ − σ_j| = |θ − σ_j²| / (σ + σ_j).
 * - applies counts every call of the caller's operator functions (for norm2 a product AᵀA x is two
 *   calls), including those for the residual.
 * - n ≤ TMX__ITER_DENSE_N: ARPACK needs nev < ncv ≤ n (nev + 2 ≤ ncv for dnaupd), and at such sizes
 *   a dense solve is cheaper anyway: the operator is applied to the n unit vectors, the dense matrix
 *   handed to LAPACK with eigen/singular vectors, and the residual computed as above.
 *
 * ARPACK keeps state in Fortran SAVE variables between reverse-communication calls, so it is not
 * reentrant: one solve at a time runs, under a process-wide mutex. An operator must therefore not
 * start another iterative solve itself (it would deadlock). */
#include "kernels.h"

#include <float.h>
#include <lapacke.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <topomix/spectral.h>

/* ---- ARPACK's Fortran 77 interface ---------------------------------------------------------- */

/* Debian's libarpack2 uses default (4-byte) Fortran INTEGERs and LOGICALs (arpackdef.h:
 * INTERFACE64 0). gfortran passes each CHARACTER argument's length as a hidden trailing argument of
 * type size_t (gfortran ≥ 8), in argument order. */
typedef int tmx__fint;

extern void dsaupd_(tmx__fint *ido, const char *bmat, const tmx__fint *n, const char *which,
                    const tmx__fint *nev, const double *tol, double *resid, const tmx__fint *ncv,
                    double *v, const tmx__fint *ldv, tmx__fint *iparam, tmx__fint *ipntr,
                    double *workd, double *workl, const tmx__fint *lworkl, tmx__fint *info,
                    size_t bmat_len, size_t which_len);
extern void dseupd_(const tmx__fint *rvec, const char *howmny, tmx__fint *select, double *d,
                    double *z, const tmx__fint *ldz, const double *sigma, const char *bmat,
                    const tmx__fint *n, const char *which, const tmx__fint *nev, const double *tol,
                    double *resid, const tmx__fint *ncv, double *v, const tmx__fint *ldv,
                    tmx__fint *iparam, tmx__fint *ipntr, double *workd, double *workl,
                    const tmx__fint *lworkl, tmx__fint *info, size_t howmny_len, size_t bmat_len,
                    size_t which_len);
extern void dnaupd_(tmx__fint *ido, const char *bmat, const tmx__fint *n, const char *which,
                    const tmx__fint *nev, const double *tol, double *resid, const tmx__fint *ncv,
                    double *v, const tmx__fint *ldv, tmx__fint *iparam, tmx__fint *ipntr,
                    double *workd, double *workl, const tmx__fint *lworkl, tmx__fint *info,
                    size_t bmat_len, size_t which_len);
extern void dneupd_(const tmx__fint *rvec, const char *howmny, tmx__fint *select, double *dr,
                    double *di, double *z, const tmx__fint *ldz, const double *sigmar,
                    const double *sigmai, double *workev, const char *bmat, const tmx__fint *n,
                    const char *which, const tmx__fint *nev, const double *tol, double *resid,
                    const tmx__fint *ncv, double *v, const tmx__fint *ldv, tmx__fint *iparam,
                    tmx__fint *ipntr, double *workd, double *workl, const tmx__fint *lworkl,
                    tmx__fint *info, size_t howmny_len, size_t bmat_len, size_t which_len);

/* ---- parameters ------------------------------------------------------------------------------ */

#define TMX__ITER_NEV 1
#define TMX__ITER_NCV TMX_ITER_NCV
#define TMX__ITER_MAXITER TMX_ITER_MAX_RESTARTS
#define TMX__ITER_DENSE_N 16 /* n at or below this: dense fallback */

static pthread_mutex_t arpack_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- progress --------------------------------------------------------------------------------- */

static _Thread_local tmx_progress_fn progress_fn;
static _Thread_local void *progress_ctx;

void tmx_progress_set(tmx_progress_fn fn, void *ctx)
{
    progress_fn = fn;
    progress_ctx = ctx;
}

void tmx__progress_tick(tmx__meter *m, double work, const char *what, double done, double total)
{
    m->since += work;
    if (m->since < TMX__PROGRESS_WORK || !progress_fn) return;
    m->since = 0.0;
    progress_fn(what, done, total, progress_ctx);
}

/* ---- the operator, counted ------------------------------------------------------------------- */

typedef struct tmx__opctx {
    tmx__op A, At; /* At != NULL: apply AᵀA */
    void *ctx;
    double *tmp; /* length n, for AᵀA */
    int64_t n, applies;
    tmx__meter meter;
} tmx__opctx;

/* The most operator applications one ARPACK solve may take: ncv to build the first factorization,
 * at most ncv per restart, each an AᵀA product of two for norm2. */
static double max_applies(const tmx__opctx *o, tmx__fint ncv)
{
    return (1.0 + TMX__ITER_MAXITER) * (double)ncv * (o->At ? 2.0 : 1.0);
}

/* y = A x (or AᵀA x). TMX_EINVAL when the operator returns a non-finite value. */
static tmx_status apply(tmx__opctx *o, const char *fn, const double *x, double *y)
{
    if (o->At) {
        o->A(x, o->tmp, o->ctx);
        o->At(o->tmp, y, o->ctx);
        o->applies += 2;
    } else {
        o->A(x, y, o->ctx);
        o->applies += 1;
    }
    for (int64_t i = 0; i < o->n; i++)
        if (!isfinite(y[i]))
            return tmx__error(TMX_EINVAL, "%s: the operator returned a non-finite value (%g at %lld)",
                              fn, y[i], (long long)i);
    return TMX_OK;
}

static double norm2sq(int64_t n, const double *x)
{
    double s = 0.0;
    for (int64_t i = 0; i < n; i++) s += x[i] * x[i];
    return s;
}

/* ‖A v − θ v‖ / ‖v‖ for a real Ritz pair; y is scratch of length n. */
static tmx_status residual_real(tmx__opctx *o, const char *fn, const double *v, double theta, double *y,
                                double *out)
{
    tmx_status st = apply(o, fn, v, y);
    if (st != TMX_OK) return st;
    double r = 0.0;
    for (int64_t i = 0; i < o->n; i++) {
        double d = y[i] - theta * v[i];
        r += d * d;
    }
    double vv = norm2sq(o->n, v);
    *out = vv > 0.0 ? sqrt(r / vv) : INFINITY;
    return TMX_OK;
}

/* ‖A x − θ x‖ / ‖x‖ for x = xr + i·xi, θ = a + i·b:
 * A x − θ x = (A xr − a xr + b xi) + i (A xi − a xi − b xr). y1, y2 are scratch of length n. */
static tmx_status residual_complex(tmx__opctx *o, const char *fn, const double *xr, const double *xi,
                                   double a, double b, double *y1, double *y2, double *out)
{
    tmx_status st = apply(o, fn, xr, y1);
    if (st == TMX_OK) st = apply(o, fn, xi, y2);
    if (st != TMX_OK) return st;
    double r = 0.0;
    for (int64_t i = 0; i < o->n; i++) {
        double re = y1[i] - a * xr[i] + b * xi[i], im = y2[i] - a * xi[i] - b * xr[i];
        r += re * re + im * im;
    }
    double xx = norm2sq(o->n, xr) + norm2sq(o->n, xi);
    *out = xx > 0.0 ? sqrt(r / xx) : INFINITY;
    return TMX_OK;
}

/* ---- argument checks and workspace ------------------------------------------------------------ */

static tmx_status check_args(const char *fn, int64_t n, tmx__op A, const void *r, double tol)
{
    if (!A || !r) return tmx__error(TMX_EINVAL, "%s: NULL argument", fn);
    if (n <= 0) return tmx__error(TMX_EINVAL, "%s: n must be positive, got %lld", fn, (long long)n);
    if (n > INT_MAX)
        return tmx__error(TMX_EUNSUP, "%s: n = %lld exceeds ARPACK's 32-bit index range", fn,
                          (long long)n);
    if (!(tol >= 0.0) || !isfinite(tol))
        return tmx__error(TMX_EINVAL, "%s: tol must be finite and >= 0, got %g", fn, tol);
    return TMX_OK;
}

/* One block of `count` doubles, checked against memory first. */
static tmx_status alloc_block(const char *fn, size_t count, double **out)
{
    size_t bytes = tmx__mul_size(count, sizeof(double));
    if (bytes == SIZE_MAX) return tmx__error(TMX_ENOMEM, "%s: workspace size overflows", fn);
    tmx_status st = tmx__check_bytes((double)bytes, "iterative eigensolver workspace");
    if (st != TMX_OK) return st;
    *out = calloc(count ? count : 1, sizeof(double));
    if (!*out) return tmx__error(TMX_ENOMEM, "%s: cannot allocate %zu doubles of workspace", fn, count);
    return TMX_OK;
}

/* The whole of one solve's workspace (`count` doubles), checked before any of it is allocated:
 * the blocks one by one could each fit where together they do not. */
static tmx_status check_workspace(double count)
{
    return tmx__check_bytes(count * sizeof(double), "the iterative eigensolver (ARPACK: 32 vectors of length n)");
}

/* Deterministic pseudo-random start in [-0.5, 0.5): never orthogonal to a structured eigenvector
 * such as 1 by accident, and the same on every call. `attempt` selects another vector. */
static void start_vector(int64_t n, int attempt, double *resid)
{
    uint64_t base = tmx__mix64(0x746f706f6d6978ull + (uint64_t)attempt) ^ 0x6172706163ull;
    for (int64_t i = 0; i < n; i++)
        resid[i] = (double)(tmx__mix64(base + (uint64_t)i) >> 11) * 0x1p-53 - 0.5;
}

/* ARPACK first replaces the start vector x0 by A x0 and stops with info = -9 when that is exactly
 * zero. After TMX__ITER_STARTS different pseudo-random starts all mapped to 0, A is taken to be the
 * zero operator (a nonzero A annihilates a random vector with probability 0): the result is the
 * exact eigenpair (0, x0), whose residual is still computed. */
#define TMX__ITER_STARTS 3

static tmx_status aupd_failed(const char *fn, const char *routine, tmx__fint info, const tmx__fint *iparam,
                              int maxiter, int64_t n, double tol, int64_t applies)
{
    switch (info) {
    case 1:
        return tmx__error(TMX_ENOCONV,
                          "%s: %s did not converge in %d restarts (%d of %d Ritz values converged; "
                          "n = %lld, tol = %g, %lld operator applications)",
                          fn, routine, maxiter, (int)iparam[4], TMX__ITER_NEV, (long long)n,
                          tol, (long long)applies);
    case 3:
        return tmx__error(TMX_ENOCONV,
                          "%s: %s could apply no shifts in a restart cycle (n = %lld, ncv too small?)",
                          fn, routine, (long long)n);
    case -9999:
        return tmx__error(TMX_ENOCONV, "%s: %s could not build a Lanczos/Arnoldi factorization (n = %lld)",
                          fn, routine, (long long)n);
    case -8:
        return tmx__error(TMX_ELAPACK, "%s: %s: LAPACK failed inside ARPACK (info = %d)", fn, routine,
                          (int)info);
    default:
        return tmx__error(TMX_EINTERNAL, "%s: %s rejected its arguments (info = %d)", fn, routine,
                          (int)info);
    }
}

/* ---- dense fallback for tiny n ------------------------------------------------------------------ */

/* M (n × n, column-major) = the operator's matrix (A alone, also for norm2): column j = A e_j. */
static tmx_status form_dense(tmx__opctx *o, const char *fn, double *M, double *e)
{
    tmx__op At = o->At;
    o->At = NULL;
    tmx_status st = TMX_OK;
    for (int64_t j = 0; j < o->n && st == TMX_OK; j++) {
        memset(e, 0, (size_t)o->n * sizeof *e);
        e[j] = 1.0;
        st = apply(o, fn, e, M + j * o->n);
    }
    o->At = At;
    return st;
}

typedef enum { KIND_SYM, KIND_GEN, KIND_NORM2 } tmx__kind;

static tmx_status dense_fallback(tmx__opctx *o, const char *fn, tmx__kind kind, tmx__iter_result *r)
{
    tmx_status st = TMX_OK;
    lapack_int n = (lapack_int)o->n, info = 0;
    double *M = NULL, *vec = NULL, *w = NULL, *y = NULL;
    TMX_TRY(alloc_block(fn, (size_t)n * (size_t)n, &M));
    TMX_TRY(alloc_block(fn, (size_t)n * (size_t)n, &vec));
    TMX_TRY(alloc_block(fn, 4 * (size_t)n, &w)); /* w, wi, and two vectors of scratch */
    TMX_TRY(alloc_block(fn, 2 * (size_t)n, &y));
    TMX_TRY(form_dense(o, fn, M, y));
    double *wi = w + n, *s1 = w + 2 * n, *s2 = w + 3 * n;
    if (kind == KIND_SYM) {
        info = LAPACKE_dsyev(LAPACK_COL_MAJOR, 'V', 'L', n, M, n, w); /* ascending; vectors in M */
        if (info != 0) {
            st = tmx__error(TMX_ELAPACK, "%s: dsyev failed (info = %d)", fn, (int)info);
            goto cleanup;
        }
        lapack_int k = fabs(w[0]) > fabs(w[n - 1]) ? 0 : n - 1;
        r->value = fabs(w[k]);
        if (r->vec) memcpy(r->vec, M + (size_t)k * (size_t)n, (size_t)n * sizeof *r->vec);
        TMX_TRY(residual_real(o, fn, M + (size_t)k * (size_t)n, w[k], y, &r->residual));
    } else if (kind == KIND_GEN) {
        info = LAPACKE_dgeev(LAPACK_COL_MAJOR, 'N', 'V', n, M, n, w, wi, NULL, 1, vec, n);
        if (info != 0) {
            st = tmx__error(TMX_ELAPACK, "%s: dgeev failed (info = %d)", fn, (int)info);
            goto cleanup;
        }
        /* A complex pair occupies columns (j, j+1): real and imaginary part of the eigenvector of
         * w[j] + i·wi[j], wi[j] > 0. */
        lapack_int best = 0;
        double bestmod = -1.0;
        for (lapack_int j = 0; j < n; j += (wi[j] != 0.0 && j + 1 < n) ? 2 : 1)
            if (hypot(w[j], wi[j]) > bestmod) {
                bestmod = hypot(w[j], wi[j]);
                best = j;
            }
        r->value = bestmod;
        const double *xr = vec + (size_t)best * (size_t)n;
        if (wi[best] == 0.0 || best + 1 >= n)
            TMX_TRY(residual_real(o, fn, xr, w[best], y, &r->residual));
        else
            TMX_TRY(residual_complex(o, fn, xr, xr + n, w[best], wi[best], s1, s2, &r->residual));
    } else {
        /* Singular values and Vᵀ; v₁ is the first row of Vᵀ. */
        double *superb = y;
        info = LAPACKE_dgesvd(LAPACK_COL_MAJOR, 'N', 'A', n, n, M, n, w, NULL, 1, vec, n, superb);
        if (info != 0) {
            st = tmx__error(TMX_ELAPACK, "%s: dgesvd failed (info = %d)", fn, (int)info);
            goto cleanup;
        }
        for (lapack_int i = 0; i < n; i++) s1[i] = vec[i * n]; /* row 0 of Vᵀ */
        double sigma = w[0], res = 0.0;
        TMX_TRY(residual_real(o, fn, s1, sigma * sigma, s2, &res));
        r->value = sigma;
        r->residual = res / fmax(sigma, DBL_MIN);
    }
    r->applies = o->applies;
cleanup:
    free(M);
    free(vec);
    free(w);
    free(y);
    return st;
}

/* ---- symmetric: dsaupd / dseupd (also AᵀA for norm2) ------------------------------------------- */

static tmx_status arpack_sym(tmx__opctx *o, const char *fn, double tol, int maxiter, double *theta_out,
                             double *res_out, double *vec_out)
{
    tmx_status st = TMX_OK;
    tmx__fint n = (tmx__fint)o->n, nev = TMX__ITER_NEV, ncv = n < TMX__ITER_NCV ? n : TMX__ITER_NCV;
    tmx__fint ldv = n, lworkl = ncv * (ncv + 8), ido = 0, info = 1, iparam[11] = {0}, ipntr[11] = {0};
    tmx__fint *select = NULL;
    double *resid = NULL, *v = NULL, *workd = NULL, *workl = NULL, *d = NULL, *z = NULL, *y = NULL;
    TMX_TRY(check_workspace((double)n * (ncv + nev + 6.0) + lworkl));
    TMX_TRY(alloc_block(fn, (size_t)n, &resid));
    TMX_TRY(alloc_block(fn, (size_t)n * (size_t)ncv, &v));
    TMX_TRY(alloc_block(fn, 3 * (size_t)n, &workd));
    TMX_TRY(alloc_block(fn, (size_t)lworkl, &workl));
    TMX_TRY(alloc_block(fn, (size_t)nev + 1, &d));
    TMX_TRY(alloc_block(fn, (size_t)n * ((size_t)nev + 1), &z));
    TMX_TRY(alloc_block(fn, (size_t)n, &y));
    select = calloc((size_t)ncv, sizeof *select);
    if (!select) {
        st = tmx__error(TMX_ENOMEM, "%s: cannot allocate %d flags", fn, (int)ncv);
        goto cleanup;
    }
    for (int attempt = 0; attempt < TMX__ITER_STARTS; attempt++) {
        start_vector(o->n, attempt, resid);
        memset(iparam, 0, sizeof iparam);
        iparam[0] = 1;                 /* exact shifts */
        iparam[2] = maxiter;           /* restarts */
        iparam[6] = 1;                 /* mode 1: A x = λ x */
        ido = 0;
        info = 1; /* resid holds the start */
        for (;;) {
            dsaupd_(&ido, "I", &n, "LM", &nev, &tol, resid, &ncv, v, &ldv, iparam, ipntr, workd,
                    workl, &lworkl, &info, 1, 2);
            if (ido != -1 && ido != 1) break;
            TMX_TRY(apply(o, fn, workd + ipntr[0] - 1, workd + ipntr[1] - 1));
            /* an application costs O(nnz) and ARPACK's orthogonalisation O(ncv·n) around it */
            tmx__progress_tick(&o->meter, (double)ncv * (double)n, "iterative eigensolver", (double)o->applies,
                               max_applies(o, ncv));
        }
        if (info != -9) break;
    }
    if (info == -9) { /* the zero operator */
        start_vector(o->n, 0, z);
        *theta_out = 0.0;
        TMX_TRY(residual_real(o, fn, z, 0.0, y, res_out));
        goto cleanup;
    }
    if (info != 0) {
        st = aupd_failed(fn, "dsaupd", info, iparam, maxiter, o->n, tol, o->applies);
        goto cleanup;
    }
    tmx__fint rvec = 1;
    double sigma = 0.0;
    dseupd_(&rvec, "A", select, d, z, &ldv, &sigma, "I", &n, "LM", &nev, &tol, resid, &ncv, v, &ldv,
            iparam, ipntr, workd, workl, &lworkl, &info, 1, 1, 2);
    if (info != 0) {
        st = info == -14 ? tmx__error(TMX_ENOCONV, "%s: dseupd: no Ritz value converged", fn)
                         : tmx__error(TMX_ELAPACK, "%s: dseupd failed (info = %d)", fn, (int)info);
        goto cleanup;
    }
    tmx__fint nconv = iparam[4] < nev ? iparam[4] : nev;
    if (nconv < 1) {
        st = tmx__error(TMX_ENOCONV, "%s: dseupd returned no converged Ritz value", fn);
        goto cleanup;
    }
    tmx__fint k = 0;
    for (tmx__fint j = 1; j < nconv; j++)
        if (fabs(d[j]) > fabs(d[k])) k = j;
    *theta_out = d[k];
    TMX_TRY(residual_real(o, fn, z + (size_t)k * (size_t)n, d[k], y, res_out));
    if (vec_out) memcpy(vec_out, z + (size_t)k * (size_t)n, (size_t)n * sizeof *vec_out);
cleanup:
    free(resid);
    free(v);
    free(workd);
    free(workl);
    free(d);
    free(z);
    free(y);
    free(select);
    return st;
}

tmx_status tmx__op_sym_maxabs(int64_t n, tmx__op A, void *ctx, double tol, tmx__iter_result *r)
{
    return tmx__op_sym_maxabs_budget(n, A, ctx, tol, 0, r);
}

tmx_status tmx__op_sym_maxabs_budget(int64_t n, tmx__op A, void *ctx, double tol, int max_restarts, tmx__iter_result *r)
{
    static const char fn[] = "op_sym_maxabs";
    tmx_status st = check_args(fn, n, A, r, tol);
    if (st != TMX_OK) return st;
    tmx__opctx o = {A, NULL, ctx, NULL, n, 0, {0.0}};
    if (n <= TMX__ITER_DENSE_N) return dense_fallback(&o, fn, KIND_SYM, r);
    double theta = 0.0, res = 0.0;
    int maxiter = max_restarts > 0 && max_restarts < TMX__ITER_MAXITER ? max_restarts : TMX__ITER_MAXITER;
    pthread_mutex_lock(&arpack_lock);
    st = arpack_sym(&o, fn, tol, maxiter, &theta, &res, r->vec);
    pthread_mutex_unlock(&arpack_lock);
    if (st != TMX_OK) return st;
    r->value = fabs(theta);
    r->residual = res;
    r->applies = o.applies;
    return TMX_OK;
}

tmx_status tmx__op_norm2(int64_t n, tmx__op A, tmx__op At, void *ctx, double tol, tmx__iter_result *r)
{
    static const char fn[] = "op_norm2";
    tmx_status st = check_args(fn, n, A, r, tol);
    if (st != TMX_OK) return st;
    if (!At) return tmx__error(TMX_EINVAL, "%s: NULL transpose operator", fn);
    double *tmp = NULL;
    st = alloc_block(fn, (size_t)n, &tmp);
    if (st != TMX_OK) return st;
    tmx__opctx o = {A, At, ctx, tmp, n, 0, {0.0}};
    if (n <= TMX__ITER_DENSE_N) {
        st = dense_fallback(&o, fn, KIND_NORM2, r);
        free(tmp);
        return st;
    }
    double theta = 0.0, res = 0.0;
    pthread_mutex_lock(&arpack_lock);
    st = arpack_sym(&o, fn, tol, TMX__ITER_MAXITER, &theta, &res, NULL);
    pthread_mutex_unlock(&arpack_lock);
    free(tmp);
    if (st != TMX_OK) return st;
    double sigma = sqrt(fmax(theta, 0.0)); /* AᵀA is positive semidefinite; θ < 0 only by rounding */
    r->value = sigma;
    r->residual = res / fmax(sigma, DBL_MIN);
    r->applies = o.applies;
    return TMX_OK;
}

/* ---- general: dnaupd / dneupd -------------------------------------------------------------------- */

static tmx_status arpack_gen(tmx__opctx *o, const char *fn, double tol, tmx__iter_result *r)
{
    tmx_status st = TMX_OK;
    tmx__fint n = (tmx__fint)o->n, nev = TMX__ITER_NEV, ncv = n < TMX__ITER_NCV ? n : TMX__ITER_NCV;
    tmx__fint ldv = n, lworkl = 3 * ncv * ncv + 6 * ncv, ido = 0, info = 1;
    tmx__fint iparam[11] = {0}, ipntr[14] = {0}, *select = NULL;
    double *resid = NULL, *v = NULL, *workd = NULL, *workl = NULL, *dr = NULL, *di = NULL, *z = NULL,
           *workev = NULL, *y = NULL;
    TMX_TRY(check_workspace((double)n * (ncv + nev + 7.0) + lworkl + 3.0 * ncv));
    TMX_TRY(alloc_block(fn, (size_t)n, &resid));
    TMX_TRY(alloc_block(fn, (size_t)n * (size_t)ncv, &v));
    TMX_TRY(alloc_block(fn, 3 * (size_t)n, &workd));
    TMX_TRY(alloc_block(fn, (size_t)lworkl, &workl));
    TMX_TRY(alloc_block(fn, (size_t)nev + 1, &dr));
    TMX_TRY(alloc_block(fn, (size_t)nev + 1, &di));
    TMX_TRY(alloc_block(fn, (size_t)n * ((size_t)nev + 1), &z));
    TMX_TRY(alloc_block(fn, 3 * (size_t)ncv, &workev));
    TMX_TRY(alloc_block(fn, 2 * (size_t)n, &y));
    select = calloc((size_t)ncv, sizeof *select);
    if (!select) {
        st = tmx__error(TMX_ENOMEM, "%s: cannot allocate %d flags", fn, (int)ncv);
        goto cleanup;
    }
    for (int attempt = 0; attempt < TMX__ITER_STARTS; attempt++) {
        start_vector(o->n, attempt, resid);
        memset(iparam, 0, sizeof iparam);
        iparam[0] = 1;
        iparam[2] = TMX__ITER_MAXITER;
        iparam[6] = 1;
        ido = 0;
        info = 1;
        for (;;) {
            dnaupd_(&ido, "I", &n, "LM", &nev, &tol, resid, &ncv, v, &ldv, iparam, ipntr, workd,
                    workl, &lworkl, &info, 1, 2);
            if (ido != -1 && ido != 1) break;
            TMX_TRY(apply(o, fn, workd + ipntr[0] - 1, workd + ipntr[1] - 1));
            tmx__progress_tick(&o->meter, (double)ncv * (double)n, "iterative eigensolver", (double)o->applies,
                               max_applies(o, ncv));
        }
        if (info != -9) break;
    }
    if (info == -9) { /* the zero operator */
        start_vector(o->n, 0, z);
        r->value = 0.0;
        TMX_TRY(residual_real(o, fn, z, 0.0, y, &r->residual));
        r->applies = o->applies;
        goto cleanup;
    }
    if (info != 0) {
        st = aupd_failed(fn, "dnaupd", info, iparam, TMX__ITER_MAXITER, o->n, tol, o->applies);
        goto cleanup;
    }
    tmx__fint rvec = 1;
    double sigmar = 0.0, sigmai = 0.0;
    dneupd_(&rvec, "A", select, dr, di, z, &ldv, &sigmar, &sigmai, workev, "I", &n, "LM", &nev, &tol,
            resid, &ncv, v, &ldv, iparam, ipntr, workd, workl, &lworkl, &info, 1, 1, 2);
    if (info != 0) {
        st = info == -14 ? tmx__error(TMX_ENOCONV, "%s: dneupd: no Ritz value converged", fn)
                         : tmx__error(TMX_ELAPACK, "%s: dneupd failed (info = %d)", fn, (int)info);
        goto cleanup;
    }
    /* dneupd may return nev + 1 values so as not to split a conjugate pair; z has room for them. A
     * pair occupies columns (j, j+1): real and imaginary part of the Ritz vector of dr[j] + i·di[j]. */
    tmx__fint nconv = iparam[4] < nev + 1 ? iparam[4] : nev + 1, best = -1;
    double bestmod = -1.0;
    for (tmx__fint j = 0; j < nconv; j += (di[j] != 0.0) ? 2 : 1) {
        if (di[j] != 0.0 && j + 1 > nev) break; /* pair without room for its second column */
        double mod = hypot(dr[j], di[j]);
        if (mod > bestmod) {
            bestmod = mod;
            best = j;
        }
    }
    if (best < 0) {
        st = tmx__error(TMX_ENOCONV, "%s: dneupd returned no converged Ritz value", fn);
        goto cleanup;
    }
    const double *xr = z + (size_t)best * (size_t)n;
    r->value = bestmod;
    if (di[best] == 0.0)
        TMX_TRY(residual_real(o, fn, xr, dr[best], y, &r->residual));
    else
        TMX_TRY(residual_complex(o, fn, xr, xr + n, dr[best], di[best], y, y + n, &r->residual));
    r->applies = o->applies;
cleanup:
    free(resid);
    free(v);
    free(workd);
    free(workl);
    free(dr);
    free(di);
    free(z);
    free(workev);
    free(y);
    free(select);
    return st;
}

tmx_status tmx__op_gen_maxabs(int64_t n, tmx__op A, void *ctx, double tol, tmx__iter_result *r)
{
    static const char fn[] = "op_gen_maxabs";
    tmx_status st = check_args(fn, n, A, r, tol);
    if (st != TMX_OK) return st;
    tmx__opctx o = {A, NULL, ctx, NULL, n, 0, {0.0}};
    if (n <= TMX__ITER_DENSE_N) return dense_fallback(&o, fn, KIND_GEN, r);
    tmx__iter_result tmp = {0.0, 0.0, 0, NULL};
    pthread_mutex_lock(&arpack_lock);
    st = arpack_gen(&o, fn, tol, &tmp);
    pthread_mutex_unlock(&arpack_lock);
    if (st == TMX_OK) *r = tmp;
    return st;
}
