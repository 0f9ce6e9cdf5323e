/* topomix — internals shared by the library's sources. Not installed. */
#ifndef TMX_INTERNAL_H
#define TMX_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <topomix/csr.h>
#include <topomix/error.h>

#if defined(__GNUC__)
#define TMX__PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define TMX__PRINTF(a, b)
#endif

/* Records a formatted message in the thread's last-error buffer and returns st. */
tmx_status tmx__error(tmx_status st, const char *fmt, ...) TMX__PRINTF(2, 3);

/* st = expr; on failure jump to the function's `cleanup:` label. */
#define TMX_TRY(expr)                                                                              \
    do {                                                                                           \
        st = (expr);                                                                               \
        if (st != TMX_OK) goto cleanup;                                                            \
    } while (0)

/* Integer helpers: decided in integer arithmetic, never through floating-point logarithms. */
int tmx__is_pow2(int64_t n);          /* n ≥ 1 and a power of two */
int tmx__ceil_log2(int64_t n);        /* smallest τ with 2^τ ≥ n (n ≥ 1); 0 for n = 1 */
int64_t tmx__mod(int64_t a, int64_t n); /* a mod n in [0, n) for n > 0 */

/* Memory guard: TMX_OK when `bytes` (with overflow already checked by the caller through
 * tmx__mul_size) can be allocated on this machine: at most the physical memory. Otherwise
 * TMX_ENOMEM with a message naming `what` and the estimate. */
tmx_status tmx__check_bytes(double bytes, const char *what);
/* a*b with overflow reported as SIZE_MAX. */
size_t tmx__mul_size(size_t a, size_t b);

/* Allocation of large arrays (data sets, simulator state): from 1 MiB up, rounded up to whole
 * 2 MiB pages, aligned to 2 MiB and advised for transparent huge pages (MADV_HUGEPAGE, where the
 * kernel offers them), since streaming sampled rows through 4 KiB pages costs a TLB miss every
 * 4 KiB; the gradient phase of the simulator measured up to 1.25x faster with it. zero != 0 clears the memory (as calloc).
 * Freed with free(); NULL on failure (or on a size of SIZE_MAX from tmx__mul_size). */
void *tmx__alloc_big(size_t bytes, int zero);

/* 64-bit mixing function (splitmix64 finaliser), used to derive per-step seeds so that the matrix
 * of step k does not depend on which steps were asked for before. */
uint64_t tmx__mix64(uint64_t x);
/* The 32-bit seed that seeds GSL's generator for (seed, stream, step). */
unsigned long tmx__derive_seed(uint64_t seed, uint64_t stream, uint64_t step);

/* Row-by-row CSR builder. Usage:
 *     tmx__builder b;  TMX_TRY(tmx__builder_begin(&b, W, n, cap));
 *     for each row i in order: tmx__builder_push(&b, j, w) ...; tmx__builder_end_row(&b);
 *     TMX_TRY(tmx__builder_finish(&b));
 * cap is an upper bound on the number of pushes (entries before merging). end_row sorts the row by
 * column and sums duplicates. On failure call tmx__builder_abort, which frees W (never after a
 * successful finish). */
typedef struct tmx__builder {
    tmx_csr *W;
    int64_t row, cap, pos;
} tmx__builder;
tmx_status tmx__builder_begin(tmx__builder *b, tmx_csr *W, int64_t n, int64_t cap);
static inline void tmx__builder_push(tmx__builder *b, int64_t j, double w)
{
    b->W->col[b->pos] = j;
    b->W->val[b->pos] = w;
    b->pos++;
}
void tmx__builder_end_row(tmx__builder *b);
tmx_status tmx__builder_finish(tmx__builder *b);
void tmx__builder_abort(tmx__builder *b);

/* W ← (I + W)/2 (the lazy variant), built in spare and swapped with W, so that W's old arrays
 * become the spare's (spare NULL: a temporary). Needs W's diagonal stored or not: handles both. */
tmx_status tmx__csr_lazy(tmx_csr *W, tmx_csr *spare);

#endif
