/* topomix — the periodic exact-averaging check (docs/definitions.md §5). */
#ifndef TMX_EXACT_H
#define TMX_EXACT_H

#include <stdint.h>
#include <topomix/error.h>
#include <topomix/export.h>
#include <topomix/topo.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Result of an exact-averaging check from one phase. */
typedef struct tmx_exact_result {
    int exact;          /**< some L ≤ max_steps reached ‖∏ − J‖_max ≤ tol/n */
    int64_t steps;      /**< that smallest L, or −1 */
    double residual;    /**< ‖∏ − J‖_max at L (exact) or after max_steps (not exact) */
    int64_t phase;      /**< the first step k of the product W^(k+L−1)…W^(k) */
    int one_column;     /**< 1 when one column sufficed (circulant or XOR-shift structure) */
} tmx_exact_result;

/** Smallest L ≥ 1 with ‖W^(phase+L−1)…W^(phase) − J‖_max ≤ tol/n, trying L = 1..max_steps: tol
 *  is relative to the entries 1/n of J, so that it means the same at every n (an absolute 1e-12
 *  would accept any product within 1e-6 relative at n = 2^20). residual is absolute.
 *  For circulant topologies and onepeer-hypercube (whose products are invariant under a transitive
 *  group of node relabellings) one column of the product decides: O(L · nnz) time, O(n) memory.
 *  Otherwise the product is formed densely: O(L · nnz · n) time, O(n²) memory (refused with
 *  TMX_ENOMEM when it would not fit). tol ≥ 0 and finite; max_steps ≥ 1. */
TMX_API tmx_status tmx_exact_check(const tmx_topo *t, int64_t phase, int64_t max_steps, double tol,
                                   tmx_exact_result *out);

/** The work tmx_exact_check(t, phase, max_steps, …) may take at most, in multiply-adds: max_steps ·
 *  nnz(W^(phase)) · (1 when one column suffices, else n), nnz of the other steps taken to be alike.
 *  Forms W^(phase) once (O(nnz)). Progress during the check: tmx_progress_set (topomix/spectral.h). */
TMX_API tmx_status tmx_exact_work(const tmx_topo *t, int64_t phase, int64_t max_steps, double *work);

/** The default bound on L: three periods for periodic topologies, else 3·max(⌈log2 n⌉, 1). */
TMX_API int64_t tmx_exact_default_max_steps(const tmx_topo *t);

#ifdef __cplusplus
}
#endif
#endif
