/* topomix — status codes, the thread-local error buffer, integer and memory helpers, seeds. */
#include "internal.h"

#include <gsl/gsl_errno.h>
#include <math.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
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

/* The first number in a small file such as /sys/fs/cgroup/memory.max; -1 when the file is absent or
 * holds no number ("max": no limit). */
static double read_number(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return -1.0;
    unsigned long long v = 0;
    int ok = fscanf(f, "%llu", &v) == 1;
    fclose(f);
    return ok ? (double)v : -1.0;
}

/* MemAvailable of /proc/meminfo in bytes; -1 when unknown (kernels before 3.14, no /proc). */
static double meminfo_available(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f) return -1.0;
    char line[128];
    double kib = -1.0;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "MemAvailable:", 13) == 0) {
            kib = strtod(line + 13, NULL);
            break;
        }
    fclose(f);
    return kib >= 0.0 ? kib * 1024.0 : -1.0;
}

/* The value of `key` in a "key value" file such as memory.stat; 0 when absent. */
static double read_stat(const char *path, const char *key)
{
    FILE *f = fopen(path, "r");
    if (!f) return 0.0;
    char line[128];
    size_t len = strlen(key);
    double v = 0.0;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, key, len) == 0 && line[len] == ' ') {
            v = strtod(line + len + 1, NULL);
            break;
        }
    fclose(f);
    return v;
}

/* What the cgroup's limit leaves, -1 when there is no limit: v2's memory.max, else v1's
 * memory.limit_in_bytes, minus the usage less its inactive file cache, which the kernel reclaims
 * before refusing (as `docker stats` counts it). v1 reports "no limit" as a huge number (LONG_MAX
 * rounded down to a page), hence limits at or above 2^60 count as none. */
static double cgroup_available(void)
{
    static const char *const files[][4] = {
        {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current", "/sys/fs/cgroup/memory.stat",
         "inactive_file"},
        {"/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes",
         "/sys/fs/cgroup/memory/memory.stat", "total_inactive_file"},
    };
    for (int q = 0; q < 2; q++) {
        double limit = read_number(files[q][0]);
        if (limit < 0.0 || limit >= 0x1p60) continue;
        double used = read_number(files[q][1]);
        if (used < 0.0) return limit;
        used -= fmin(used, read_stat(files[q][2], files[q][3]));
        return limit > used ? limit - used : 0.0;
    }
    return -1.0;
}

/* This process's resident memory in bytes (/proc/self/statm); 0 when unknown. */
static double resident_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f) return 0.0;
    unsigned long long size = 0, resident = 0;
    int ok = fscanf(f, "%llu %llu", &size, &resident) == 2;
    fclose(f);
    long page = sysconf(_SC_PAGESIZE);
    return ok && page > 0 ? (double)resident * (double)page : 0.0;
}

/* The limit TOPOMIX_MEMORY_LIMIT sets on this process's memory in bytes, -1 when unset. */
static tmx_status memory_limit(double *limit)
{
    const char *s = getenv("TOPOMIX_MEMORY_LIMIT");
    *limit = -1.0;
    if (!s || !*s) return TMX_OK;
    const char *p = s;
    while (*p >= '0' && *p <= '9') p++;
    size_t digits = (size_t)(p - s);
    double scale = 1.0;
    switch (*p) {
    case 'k': case 'K': scale = 0x1p10, p++; break;
    case 'm': case 'M': scale = 0x1p20, p++; break;
    case 'g': case 'G': scale = 0x1p30, p++; break;
    case 't': case 'T': scale = 0x1p40, p++; break;
    default: break;
    }
    if (digits == 0 || digits > 19 || *p != '\0')
        return tmx__error(TMX_EINVAL,
                          "TOPOMIX_MEMORY_LIMIT='%.40s' is not a size (a whole number of bytes, optionally with a "
                          "K, M, G or T suffix, as in 1500M)",
                          s);
    *limit = strtod(s, NULL) * scale;
    return TMX_OK;
}

/* Bytes this process may still allocate: MemAvailable, or what the cgroup's limit leaves when
 * lower, or what TOPOMIX_MEMORY_LIMIT leaves (limit - resident) when lower still (*by_limit = 1). */
static double memory_available(double limit, int *by_limit)
{
    double have = meminfo_available(), cg = cgroup_available();
    if (have < 0.0) have = physical_bytes();
    if (cg >= 0.0 && cg < have) have = cg;
    *by_limit = 0;
    if (limit >= 0.0) {
        double left = limit - resident_bytes();
        if (left < 0.0) left = 0.0;
        if (left < have) have = left, *by_limit = 1;
    }
    return have;
}

static void human_bytes(double b, char *buf, size_t len)
{
    static const char *unit[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    int u = 0;
    while (b >= 1000.0 && u < 6) { /* 1000: "0.996 GiB", never "1.02e+03 MiB" */
        b /= 1024.0;
        u++;
    }
    snprintf(buf, len, "%.3g %s", b, unit[u]);
}

tmx_status tmx__check_bytes(double bytes, const char *what)
{
    double limit;
    tmx_status st = memory_limit(&limit);
    if (st != TMX_OK) return st;
    /* below 16 MiB and without a limit set, not worth reading /proc: loops that may allocate (a
     * random topology's next matrix) call this each time */
    if (limit < 0.0 && bytes < 0x1p24) return TMX_OK;
#ifdef __GLIBC__
    /* memory freed into the heap stays resident until trimmed: without this, what a build just
     * freed would count against the next one, which will reuse it */
    malloc_trim(0);
#endif
    int by_limit;
    double have = memory_available(limit, &by_limit);
    if (!(bytes <= have) || bytes >= (double)SIZE_MAX) {
        char need[32], mem[32];
        human_bytes(bytes, need, sizeof need);
        human_bytes(have, mem, sizeof mem);
        return tmx__error(TMX_ENOMEM, "%s needs %s, more than the %s of memory available%s", what, need, mem,
                          by_limit ? " under TOPOMIX_MEMORY_LIMIT" : "");
    }
    return TMX_OK;
}

unsigned long tmx__derive_seed(uint64_t seed, uint64_t stream, uint64_t step)
{
    uint64_t h = tmx__mix64(tmx__mix64(tmx__mix64(seed) ^ stream) ^ step);
    return (unsigned long)(h >> 32); /* GSL's generators take 32 bits of seed */
}
