/* A STREAM-like copy b[j] = a[j] for bench_agents.py's memory-traffic bound: two arrays of doubles
 * (256 MiB each by default, far beyond any last-level cache here), first touched by the threads
 * that copy them, one OpenMP parallel region per pass with the default thread count (that of
 * `topomix sim`), ordinary loads and stores (meson builds this file with
 * -fno-tree-loop-distribute-patterns, so the loop does not become a memcpy call that may use
 * non-temporal stores), 16 B counted per element.
 * Usage: stream_copy [MIB_PER_ARRAY [PASSES]]   (defaults 256 and 11)
 * Prints one line: `copy: gbs=<median GB/s> best=<GB/s> threads=<T> mib=<MIB_PER_ARRAY> passes=<P>`. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "bench_util.h"

int main(int argc, char **argv)
{
    long mib = argc > 1 ? strtol(argv[1], NULL, 10) : 256, passes = argc > 2 ? strtol(argv[2], NULL, 10) : 11;
    if (mib < 1 || mib > 65536 || passes < 1 || passes > 10000) {
        fprintf(stderr, "usage: stream_copy [MIB_PER_ARRAY [PASSES]]\n");
        return 2;
    }
    int64_t len = (int64_t)mib << 17; /* doubles */
    double *a = aligned_alloc(64, (size_t)len * sizeof *a), *b = aligned_alloc(64, (size_t)len * sizeof *b);
    double *t = malloc((size_t)passes * sizeof *t);
    if (!a || !b || !t) {
        fprintf(stderr, "stream_copy: cannot allocate 2 x %ld MiB\n", mib);
        return 1;
    }
#pragma omp parallel for schedule(static)
    for (int64_t j = 0; j < len; j++) a[j] = 1.0 + (double)(j & 1023), b[j] = 0.0;
    for (long r = -1; r < passes; r++) { /* one untimed pass first */
        double *dst = r % 2 ? b : a, *src = r % 2 ? a : b, t0 = now();
#pragma omp parallel for schedule(static)
        for (int64_t j = 0; j < len; j++) dst[j] = src[j];
        if (r >= 0) t[r] = now() - t0;
    }
    double best = t[0];
    for (long r = 1; r < passes; r++) best = t[r] < best ? t[r] : best;
    int nthr = 1;
#ifdef _OPENMP
    nthr = omp_get_max_threads();
#endif
    double sum = 0.0; /* read the result, so that the passes cannot be elided */
    for (int64_t j = 0; j < len; j += 4096) sum += a[j] + b[j];
    printf("copy: gbs=%.4g best=%.4g threads=%d mib=%ld passes=%ld check=%.0f\n", 16.0 * (double)len / median(t, (int)passes) / 1e9,
           16.0 * (double)len / best / 1e9, nthr, mib, passes, sum);
    free(a);
    free(b);
    free(t);
    return 0;
}
