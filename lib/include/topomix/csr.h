/* topomix — sparse square matrices in compressed sparse row form. */
#ifndef TMX_CSR_H
#define TMX_CSR_H

#include <stdint.h>
#include <topomix/error.h>
#include <topomix/export.h>
#include <topomix/mat.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A sparse n × n matrix. Row i holds entries col[rowptr[i] .. rowptr[i+1]-1] with values val[...];
 *  columns are strictly increasing within a row (no duplicates). Row i of a mixing matrix lists the
 *  nodes that node i receives from (x_i ← Σ_j w_ij x_j). The struct is caller-owned: initialise it
 *  with tmx_csr_init (or = {0}) and release it with tmx_csr_destroy. Functions that write a
 *  tmx_csr reuse its arrays when they hold the same n and enough room (cap), so that rebuilding a
 *  matrix step after step allocates nothing, and free and replace them otherwise. */
typedef struct tmx_csr {
    int64_t n;       /**< rows = columns */
    int64_t nnz;     /**< stored entries, rowptr[n] */
    int64_t *rowptr; /**< n + 1 offsets */
    int64_t *col;    /**< nnz column indices */
    double *val;     /**< nnz values */
    int64_t cap;     /**< entries col and val can hold (≥ nnz; 0 when unknown: never reused) */
} tmx_csr;

/** Zeroes the struct (holds nothing). */
TMX_API void tmx_csr_init(tmx_csr *W);

/** Frees the arrays and zeroes the struct. Accepts NULL. */
TMX_API void tmx_csr_destroy(tmx_csr *W);

/** dst ← a deep copy of src (dst's previous content is freed). */
TMX_API tmx_status tmx_csr_copy(tmx_csr *dst, const tmx_csr *src);

/** The n × n identity. */
TMX_API tmx_status tmx_csr_identity(tmx_csr *W, int64_t n);

/** Builds W from triplets (0-based i, j, v), summing duplicates and dropping nothing. Rejects
 *  indices outside [0, n) and non-finite values (TMX_EINVAL). O(nnz log nnz). */
TMX_API tmx_status tmx_csr_from_triplets(tmx_csr *W, int64_t n, int64_t count, const int64_t *i,
                                         const int64_t *j, const double *v);

/** w_ij, or 0 if not stored. O(log(row length)). No bounds check beyond returning 0. */
TMX_API double tmx_csr_get(const tmx_csr *W, int64_t i, int64_t j);

/** dst ← Wᵀ. O(n + nnz). */
TMX_API tmx_status tmx_csr_transpose(tmx_csr *dst, const tmx_csr *W);

/** C ← A·B (sparse product; C must be a different struct from A and B). Refuses products whose
 *  size would exceed memory. */
TMX_API tmx_status tmx_csr_mul(tmx_csr *C, const tmx_csr *A, const tmx_csr *B);

/** y ← W x (x, y of length n, not aliased). */
TMX_API void tmx_csr_matvec(const tmx_csr *W, const double *x, double *y);

/** Dense copy into the caller's struct (freed first). Refuses (TMX_ENOMEM) an n × n matrix that would
 *  not fit in physical memory. */
TMX_API tmx_status tmx_csr_to_dense(const tmx_csr *W, tmx_mat *D);

/** Checks the structural invariants (sorted unique columns in range, rowptr monotone, finite
 *  values). TMX_EINVAL with a message naming the first violation. O(n + nnz). */
TMX_API tmx_status tmx_csr_check(const tmx_csr *W);

/** What validation reports about one mixing matrix. Degrees count off-diagonal nonzeros:
 *  the in-degree of i is the length of row i (whom i receives from), the out-degree the length of
 *  column i. */
typedef struct tmx_validation {
    int64_t n, nnz;
    int nonnegative;      /**< every stored entry ≥ 0 */
    int row_stochastic;   /**< |Σ_j w_ij − 1| ≤ tol for every i */
    int col_stochastic;   /**< |Σ_i w_ij − 1| ≤ tol for every j */
    int doubly_stochastic;/**< all three above */
    int symmetric;        /**< |w_ij − w_ji| ≤ tol for every pair */
    int connected;        /**< the graph of W's off-diagonal nonzeros is strongly connected */
    int64_t min_in_degree, max_in_degree, min_out_degree, max_out_degree;
    double max_row_error, max_col_error, max_asymmetry, min_entry;
    int push_sum;         /**< a mixing matrix for push-sum (docs/definitions.md §20): nonnegative, column
                           *   stochastic, a positive diagonal, strongly connected; row sums free */
} tmx_validation;

/** Validates W with absolute tolerance tol (tol ≥ 0, finite). O(n + nnz). */
TMX_API tmx_status tmx_csr_validate(const tmx_csr *W, double tol, tmx_validation *v);

/** 1 when the directed graph of the off-diagonal pattern of W is strongly connected (n = 1 counts as
 *  connected). O(n + nnz) time, O(n) memory. */
TMX_API int tmx_csr_is_connected(const tmx_csr *W);

/** The tolerance for the row and column sums of tmx_csr_check_mixing: 1e-12, or more for long rows
 *  (see there). */
#define TMX_MIXING_TOL 1e-12

/** Flags of tmx_csr_check_mixing. */
#define TMX_MIXING_CONNECTED 1u /**< also demand a connected graph */
#define TMX_MIXING_PUSH 2u      /**< push-sum: rows need not sum to 1, but the diagonal must be positive
                                 *   ("entry (3, 3) = 0: ..."), checked after the signs */

/** Checks that W is a mixing matrix: nonnegative, every row and column summing to 1, and with
 *  TMX_MIXING_CONNECTED in flags, the graph of its off-diagonal nonzeros connected. On the first
 *  violation returns TMX_EINVAL with one line naming it, rows and columns counted from 1 as in a
 *  Matrix Market file: "W is not a mixing matrix: " followed by "entry (2, 5) = -0.25 is negative",
 *  "row 3 sums to 2 (must be 1 within 1e-12)", "column 4 sums to ..." or "the graph of W is
 *  disconnected (3 components)"; checked in that order, rows and entries in row order.
 *
 *  The sums are compared with max(tol, 2·L·DBL_EPSILON), L the most nonzeros in a row or column:
 *  a valid W's sum of L nonnegative entries carries rounding of at most L·u (u = DBL_EPSILON/2) from
 *  the summation and as much again from entries computed as 1 − (the others), as diagonals are,
 *  so tol (TMX_MIXING_TOL = 1e-12 covers L ≤ 2250) never refuses a valid W however long its rows,
 *  while a row that is off by more than rounding can explain is refused.
 *  Reuses tmx_csr_validate; O(n + nnz) time, O(n) memory. */
TMX_API tmx_status tmx_csr_check_mixing(const tmx_csr *W, double tol, unsigned flags);

#ifdef __cplusplus
}
#endif
#endif
