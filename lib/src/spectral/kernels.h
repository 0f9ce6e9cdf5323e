/* topomix — dense (LAPACKE) and iterative (ARPACK) spectral kernels. Internal. */
#ifndef TMX_SPECTRAL_KERNELS_H
#define TMX_SPECTRAL_KERNELS_H

#include <fftw3.h>
#include <stdint.h>
#include <topomix/mat.h>
#include <topomix/topo.h>

#include "../internal.h"

/* ---- dense, LAPACKE on OpenBLAS; A (n × n, column-major) is overwritten ---------------------- */

/* Largest |λ| of a symmetric A: eigenvalues only (no eigenvectors). From n = 512 the certified
 * Lanczos attempt below first, else (and below 512) the tridiagonal reduction. */
tmx_status tmx__dense_sym_maxabs(tmx_mat *A, double *out);
/* The same by the reduction alone. */
tmx_status tmx__dense_sym_maxabs_reduced(tmx_mat *A, double *out);
/* Largest eigenvalue of a symmetric A (the top end only). */
tmx_status tmx__dense_sym_top(tmx_mat *A, double *out);
/* The attempt both try first from n = 512 (dense.c): Lanczos on A within a small budget, certified
 * by Cholesky factorisations of t·I ∓ A; TMX_ENOCONV when it declines (the reduction then runs).
 * top_only: λ_max, else max |λ|. A is not modified. */
tmx_status tmx__dense_sym_lanczos(const tmx_mat *A, int top_only, double *out);
/* Its certificate: 1 when t·I − A and, unless top_only, t·I + A are positive definite by dpotrf, for
 * t = value + max(4·residual, 1e-12·value): every eigenvalue (top_only: the largest) then lies
 * below t in modulus, up to the factorisation's rounding. */
int tmx__dense_sym_certify(const tmx_mat *A, int top_only, double value, double residual);
/* β = ‖W − J‖₂ of a square W from the top eigenvalue of the Gram matrix (W − J)ᵀ(W − J), formed
 * from the sparse WᵀW; TMX_EUNSUP when β is too small against ‖W‖ for the Gram route (dense.c). */
tmx_status tmx__dense_beta_gram(const tmx_csr *W, double *out);
/* 1 when W is exactly circulant (w_ij = w_0,(j−i) mod n, bit for bit): then W is normal and
 * ρ(W − J) = ‖W − J‖₂. O(nnz). */
int tmx__csr_is_circulant(const tmx_csr *W);
/* Largest |λ| of a general A (dgeev, eigenvalues only). */
tmx_status tmx__dense_gen_maxabs(tmx_mat *A, double *out);
/* Largest singular value of A (singular values only). */
tmx_status tmx__dense_norm2(tmx_mat *A, double *out);

/* ---- iterative, ARPACK, on an operator y = A x (x, y of length n, not aliased) --------------- */

typedef void (*tmx__op)(const double *x, double *y, void *ctx);

typedef struct tmx__iter_result {
    double value;      /* the requested quantity */
    double residual;   /* ‖A v − θ v‖ (or ‖AᵀA v − σ² v‖ / σ for norm2) of the converged vector */
    int64_t applies;   /* operator applications */
    double *vec;       /* in: NULL, or n doubles that receive the unit eigenvector (op_sym_maxabs only) */
} tmx__iter_result;

/* Largest |λ| of a symmetric operator (dsaupd, which='LM'). */
tmx_status tmx__op_sym_maxabs(int64_t n, tmx__op A, void *ctx, double tol, tmx__iter_result *r);
/* The same with at most max_restarts ARPACK restarts (≤ 0: TMX_ITER_MAX_RESTARTS); TMX_ENOCONV
 * past them. For a quick attempt before a costlier method. */
tmx_status tmx__op_sym_maxabs_budget(int64_t n, tmx__op A, void *ctx, double tol, int max_restarts, tmx__iter_result *r);
/* Largest |λ| of a general operator (dnaupd, which='LM'). */
tmx_status tmx__op_gen_maxabs(int64_t n, tmx__op A, void *ctx, double tol, tmx__iter_result *r);
/* Largest singular value of A from AᵀA (dsaupd on x ↦ Aᵀ(Ax)). */
tmx_status tmx__op_norm2(int64_t n, tmx__op A, tmx__op At, void *ctx, double tol, tmx__iter_result *r);

/* ---- shift-invert Lanczos through a sparse Cholesky factorisation (shiftinvert.c) ------------ */

/* Rates of a symmetric W with W1 = 1 from the two ends of its spectrum, each found as the top
 * eigenvalue of an inverse: λ₂ from (I − W)⁺ on 1⊥ (the Laplacian I − W grounded at one node and
 * factored by CHOLMOD), λ_n from (I + W)⁻¹ unless Gershgorin's discs already show |λ_n| ≤ λ₂.
 * gap = λ₂(I − W) comes out directly, with all its digits. TMX_EUNSUP when the build has no
 * CHOLMOD or W is not of that kind (rows not summing to 1, I − W or I + W not positive
 * definite on the relevant subspace): the caller then takes the plain Lanczos path. */
tmx_status tmx__rate_shift_invert(const tmx_csr *W, double *slem, double *gap, double *residual, int64_t *solves);
/* The same with LAPACK's dense Cholesky factorisation (dpotrf) of I − W + J and I + W − J in place
 * of CHOLMOD's sparse one: the dense method's path for a symmetric W (any build). */
tmx_status tmx__rate_dense_shift_invert(const tmx_csr *W, double *slem, double *gap, double *residual, int64_t *solves);
/* 1 when shift-invert on the symmetric W will need one factorisation only (Gershgorin's lower end
 * is above −λ₂, λ₂ bounded below by a Rayleigh quotient after 30 power steps); O(nnz) per step. */
int tmx__shift_invert_one_factor(const tmx_csr *W);

/* ---- DFT of a circulant's first row (FFTW), rate.c ------------------------------------------- */

/* The 1-D or 2-D real-to-complex transform of the first row c (rows × cols, row-major). X holds
 * rows × (cols/2 + 1) values; X[m] = Σ_s c_s e^{−2πi s·m/n} = conj(λ_m), so |X[m]| = |λ_m|. */
typedef struct tmx__dft {
    int64_t rows, cols, half, n;
    double *c;
    fftw_complex *X;
    fftw_plan plan;
} tmx__dft;
/* A plan for rows × cols (memory checked first); fill c, then fftw_execute(d->plan). */
tmx_status tmx__dft_init_shape(tmx__dft *d, int64_t rows, int64_t cols);
/* A plan for the shape of a circulant topology t. */
tmx_status tmx__dft_init(tmx__dft *d, const tmx_topo *t);
/* Loads the first row of W^(k) of t into c and transforms it. */
tmx_status tmx__dft_step(tmx__dft *d, const tmx_topo *t, int64_t k);
void tmx__dft_free(tmx__dft *d);

/* ---- progress (tmx_progress_set) ------------------------------------------------------------- */

/* Work since the last report, so that the callback runs about once per TMX__PROGRESS_WORK units
 * of work (multiply-adds) whatever the size of one step. */
typedef struct tmx__meter {
    double since;
} tmx__meter;
#define TMX__PROGRESS_WORK 4194304.0 /* 2^22: a few milliseconds */
/* Adds `work` and reports (what, done, total) to this thread's callback when enough has accrued. */
void tmx__progress_tick(tmx__meter *m, double work, const char *what, double done, double total);

#endif
