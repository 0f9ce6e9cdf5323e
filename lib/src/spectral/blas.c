/* topomix — choosing OpenBLAS's kernels.
 *
 * OpenBLAS picks its kernel set once, when it loads, from the CPU model, or from the environment
 * variable OPENBLAS_CORETYPE. 0.3.21 (Debian 12) does not recognise some newer AVX-512 CPUs and then
 * falls back to kernels that leave AVX-512 unused, e.g. the generic "Prescott" (SSE3) set on recent
 * Intel models under KVM (docs/performance.md §1: dgemm 17 instead of 134 GFLOP/s). Measured on an
 * AVX-512 machine, dsyevd at n = 4096, whole process: Prescott 3.9 s, Haswell (AVX2) 2.8 s,
 * SkylakeX 2.45 s. Since the choice is made at load time, the only fix from inside a program is
 * to set the variable and re-execute the program. */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <topomix/spectral.h>
#include <unistd.h>

/* Environment variable set (to the replaced kernel name) before re-executing; see spectral.h. */
#define TMX__REEXEC_ENV "TMX_BLAS_REEXEC"

/* 1 when the CPU, and the operating system's saved state, support what OpenBLAS's SkylakeX kernels
 * use: AVX-512 F, CD, BW, DQ and VL. (GCC's __builtin_cpu_supports checks XCR0 too.) */
static int cpu_has_avx512(void)
{
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
           __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512vl");
#else
    return 0;
#endif
}

/* 1 for OpenBLAS kernel sets that use AVX-512. */
static int core_uses_avx512(const char *core)
{
    static const char *const avx512[] = {"SkylakeX", "Cooperlake", "SapphireRapids"};
    for (size_t i = 0; i < sizeof avx512 / sizeof *avx512; i++)
        if (strcasecmp(core, avx512[i]) == 0) return 1;
    return 0;
}

int tmx_blas_fix_coretype(char **argv)
{
    const char *set = getenv("OPENBLAS_CORETYPE");
    if (set && *set) return 0; /* the user (or our earlier self) chose: respect it */
    if (!cpu_has_avx512()) return 0;
    const char *core = tmx_blas_corename();
    if (core_uses_avx512(core) || strcmp(core, "unknown") == 0) return 0;
    if (!argv || !argv[0]) return -1;
    if (setenv(TMX__REEXEC_ENV, core, 1) != 0) return -1;
    if (setenv("OPENBLAS_CORETYPE", "SkylakeX", 1) != 0) {
        unsetenv(TMX__REEXEC_ENV);
        return -1;
    }
    execv("/proc/self/exe", argv);
    /* Still here: exec failed. Leave the environment as we found it, and errno as execv set it. */
    int saved = errno;
    unsetenv("OPENBLAS_CORETYPE");
    unsetenv(TMX__REEXEC_ENV);
    errno = saved;
    return -1;
}
