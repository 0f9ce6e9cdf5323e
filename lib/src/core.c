/* topomix — status codes, the thread-local error buffer, integer and memory helpers, seeds. */
#include "internal.h"

#include <gsl/gsl_errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static _Thread_local char last_error[512];

static const struct {
    const char *name, *text;
} codes[] = {
    [TMX_OK] = {"OK", "success"},
    [TMX_EINVAL] = {"EINVAL", "invalid argument"},
    [TMX_ENOMEM] = {"ENOMEM", "out of memory"},
    [TMX_EDIM] = {"EDIM", "dimension mismatch"},
    [TMX_ENOTSQR] = {"ENOTSQR", "matrix is not square"},
    [TMX_ENOCONV] = {"ENOCONV", "did not converge"},
    [TMX_ELAPACK] = {"ELAPACK", "LAPACK failure"},
    [TMX_EIO] = {"EIO", "input/output error"},
    [TMX_EPARSE] = {"EPARSE", "malformed input"},
    [TMX_EUNSUP] = {"EUNSUP", "unsupported"},
    [TMX_EINTERNAL] = {"EINTERNAL", "internal error"},
    [TMX_ESYS] = {"ESYS", "system failure writing a file"},
};

const char *tmx_strerror(tmx_status s)
{
    if ((unsigned)s < sizeof codes / sizeof codes[0]) return codes[s].text;
    return "unknown status";
}

const char *tmx_errname(tmx_status s)
{
    if ((unsigned)s < sizeof codes / sizeof codes[0]) return codes[s].name;
    return "EUNKNOWN";
}

const char *tmx_last_error(void) { return last_error; }

void tmx_clear_error(void) { last_error[0] = '\0'; }

tmx_status tmx__error(tmx_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return st;
}

static void init_once(void) { gsl_set_error_handler_off(); }

void tmx_init(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, init_once);
}

int tmx__is_pow2(int64_t n) { return n >= 1 && (n & (n - 1)) == 0; }

int tmx__ceil_log2(int64_t n)
{
    int t = 0;
    while (t < 63 && ((int64_t)1 << t) < n) t++;
    return t;
}

int64_t tmx__mod(int64_t a, int64_t n)
{
    int64_t r = a % n;
    return r < 0 ? r + n : r;
}

void *tmx__alloc_big(size_t bytes, int zero)
{
    enum { HUGE_PAGE = 2 << 20 };
    if (bytes == SIZE_MAX) return NULL;
    if (bytes < HUGE_PAGE / 2) return zero ? calloc(bytes ? bytes : 1, 1) : malloc(bytes ? bytes : 1);
    /* whole huge pages: the kernel maps one only where the advised range covers it */
    size_t len = (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
    if (len < bytes) return NULL;
    void *p = NULL;
    if (posix_memalign(&p, HUGE_PAGE, len) != 0) return NULL;
#ifdef MADV_HUGEPAGE
    (void)madvise(p, len, MADV_HUGEPAGE); /* advice only: without THP the pages stay 4 KiB */
#endif
    if (zero) memset(p, 0, bytes);
    return p;
}

size_t tmx__mul_size(size_t a, size_t b)
{
    if (a != 0 && b > SIZE_MAX / a) return SIZE_MAX;
    return a * b;
}

static double physical_bytes(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || size <= 0) return 16.0 * (1ull << 30); /* unknown: assume 16 GiB */
    return (double)pages * (double)size;
}

static void human_bytes(double b, char *buf, size_t len)
{
    static const char *unit[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    int u = 0;
    while (b >= 1024.0 && u < 6) {
        b /= 1024.0;
        u++;
    }
    snprintf(buf, len, "%.3g %s", b, unit[u]);
}

tmx_status tmx__check_bytes(double bytes, const char *what)
{
    double have = physical_bytes();
    if (!(bytes <= have) || bytes >= (double)SIZE_MAX) {
        char need[32], mem[32];
        human_bytes(bytes, need, sizeof need);
        human_bytes(have, mem, sizeof mem);
        return tmx__error(TMX_ENOMEM, "%s needs %s, more than this machine's %s of memory", what, need,
                          mem);
    }
    return TMX_OK;
}

uint64_t tmx__mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

unsigned long tmx__derive_seed(uint64_t seed, uint64_t stream, uint64_t step)
{
    uint64_t h = tmx__mix64(tmx__mix64(tmx__mix64(seed) ^ stream) ^ step);
    return (unsigned long)(h >> 32); /* GSL's generators take 32 bits of seed */
}
