/* topomix — internals shared by the library's sources. Not installed. */
#ifndef TMX_INTERNAL_H
#define TMX_INTERNAL_H

#include <stddef.h>
#include <stdio.h>
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

/* Memory guard: TMX_OK when `bytes` more (the peak of what the caller is about to allocate, all
 * arrays alive at once) fit in the memory available now: MemAvailable of /proc/meminfo, or what
 * the cgroup's limit leaves (v2 memory.max - memory.current, v1 memory.limit_in_bytes - usage) when
 * lower, or the physical memory when neither is known. The environment variable
 * TOPOMIX_MEMORY_LIMIT (a whole number of bytes, optionally with a K, M, G or T suffix, binary)
 * caps the whole process as a cgroup would: what it leaves is the limit minus the process's resident
 * memory. Otherwise TMX_ENOMEM, one line: "<what> needs 2.24 GiB, more than the 1.5 GiB of memory
 * available"; TMX_EINVAL naming the variable when TOPOMIX_MEMORY_LIMIT is not such a size. Without
 * the variable, requests under 16 MiB pass unread. */
tmx_status tmx__check_bytes(double bytes, const char *what);
/* Bytes that holding `count` matrices built by tmx_topo_weights of t adds at its peak (each W, and
 * the temporaries of building one: the graph pattern, the lazy step's matrix). */
struct tmx_topo;
double tmx__topo_weights_bytes(const struct tmx_topo *t, int64_t count);
/* a*b with overflow reported as SIZE_MAX. */
size_t tmx__mul_size(size_t a, size_t b);

/* Allocation of large arrays (data sets, simulator state): from 1 MiB up, rounded up to whole
 * 2 MiB pages, aligned to 2 MiB and advised for transparent huge pages (MADV_HUGEPAGE, where the
 * kernel offers them), since streaming sampled rows through 4 KiB pages costs a TLB miss every
 * 4 KiB; the gradient phase of the simulator measured up to 1.25x faster with it. zero != 0 clears the memory (as calloc).
 * Freed with free(); NULL on failure (or on a size of SIZE_MAX from tmx__mul_size). */
void *tmx__alloc_big(size_t bytes, int zero);

/* 64-bit mixing function (splitmix64 finaliser), used to derive per-step seeds so that the matrix
 * of step k does not depend on which steps were asked for before, and by the simulator's
 * counter-based hash (inline: four calls per sampled row). */
static inline uint64_t tmx__mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}
/* The 32-bit seed that seeds GSL's generator for (seed, stream, step). */
unsigned long tmx__derive_seed(uint64_t seed, uint64_t stream, uint64_t step);

/* Output files that never destroy what was there (ofile.c): the data goes to a temporary file beside
 * the target, renamed over it by commit; a target that is not a regular file (/dev/null, a FIFO) is
 * written through; a directory is refused (TMX_EINVAL). Open and write failures are TMX_ESYS naming
 * the file and the system's reason. Usage:
 *     tmx__ofile o;  TMX_TRY(tmx__ofile_open(&o, path, flags));  fprintf(o.f, ...);
 *     st = tmx__ofile_close(&o);   (commit + close)   or   tmx__ofile_abort(&o);  (old file kept)
 * After a commit the stream stays open, now writing the named file (a log that grows). */
enum {
    TMX__OF_BINARY = 1, /* fopen mode "wb" */
    TMX__OF_SYNC = 2,   /* fsync the file before the rename, and the directory after it */
    TMX__OF_EARLY = 4   /* when nothing exists at the target, name the file at once (a log) */
};
typedef struct tmx__ofile {
    FILE *f;      /* write here */
    int fd;
    unsigned flags;
    int kind, committed, failed;
    char *path;    /* as given, for messages */
    char *target;  /* the path renamed over: symbolic links resolved */
    char *tmpname; /* the temporary's name, while it has one */
} tmx__ofile;
tmx_status tmx__ofile_open(tmx__ofile *o, const char *path, unsigned flags);
/* Flushes, and reports a write error (full disk, EIO) as soon as it happened. */
tmx_status tmx__ofile_check(tmx__ofile *o);
/* Flushes (fsync with TMX__OF_SYNC) and puts the file in place; writing may continue. */
tmx_status tmx__ofile_commit(tmx__ofile *o);
/* Commit, then close; on failure the target keeps its old content. Resets o. */
tmx_status tmx__ofile_close(tmx__ofile *o);
/* Closes without committing: the target keeps its old content. Resets o; safe on a reset o. */
void tmx__ofile_abort(tmx__ofile *o);
/* Whether two paths name the same file (existing: same inode; new: same directory and name). */
int tmx__ofile_same(const char *a, const char *b);

/* Whether W equals its transpose exactly (bit for bit), csr.c. */
int tmx__csr_exactly_symmetric(const tmx_csr *W);

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
