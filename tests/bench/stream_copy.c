/* A STREAM-like copy b[j] = a[j] for bench_agents.py's memory-traffic bound: two arrays of doubles
 * (256 MiB each by default, far beyond any last-level cache here), first touched by the threads
 * that copy them, one OpenMP parallel region per pass with the default thread count (that of
 * `topomix sim`), ordinary loads and stores (meson builds this file with
 * -fno-tree-loop-distribute-patterns, so the loop does not become a memcpy call that may use
 * non-temporal stores), 16 B counted per element.
 * Usage: stream_copy [MIB_PER_ARRAY [PASSES [MODE]]]   (defaults 256, 11, copy)
 * MODE copy: the above; nt: the same copy with non-temporal stores (no write-allocate: the bytes
 * counted are the bytes moved); read: a sum of one array (8 B counted per element). Since ordinary
 * stores first read the line they write, `copy` moves 24 B per element for the 16 it counts; the
 * two other modes tell what the memory system gives to reads alone and to a copy without that read.
 * Prints one line: `MODE: gbs=<median GB/s> best=<GB/s> threads=<T> mib=<MIB_PER_ARRAY> passes=<P>`. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#ifdef _OPENMP
#include <omp.h>
#endif

#include "bench_util.h"

int main(int argc, char **argv)
{
    long mib = argc > 1 ? strtol(argv[1], NULL, 10) : 256, passes = argc > 2 ? strtol(argv[2], NULL, 10) : 11;
    const char *mode = argc > 3 ? argv[3] : "copy";
    int nt = strcmp(mode, "nt") == 0, rd = strcmp(mode, "read") == 0, cp = strcmp(mode, "copy") == 0;
#if !defined(__SSE2__)
    nt = 0; /* no streaming stores here: "nt" is refused */
#endif
    if (mib < 1 || mib > 65536 || passes < 1 || passes > 10000 || !(nt || rd || cp)) {
        fprintf(stderr, "usage: stream_copy [MIB_PER_ARRAY [PASSES [copy|nt|read]]]\n");
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
    double sum = 0.0; /* read the result, so that the passes cannot be elided */
    for (long r = -1; r < passes; r++) { /* one untimed pass first */
        double *dst = r % 2 ? b : a, *src = r % 2 ? a : b, t0 = now();
        if (rd) {
            double part = 0.0;
            /* a tree of eight per step, so that one chain of additions per 64 B, not per
             * element, bounds the loop (len is a multiple of 8) */
#pragma omp parallel for schedule(static) reduction(+ : part)
            for (int64_t j = 0; j < len; j += 8)
                part += ((src[j] + src[j + 1]) + (src[j + 2] + src[j + 3])) +
                        ((src[j + 4] + src[j + 5]) + (src[j + 6] + src[j + 7]));
            sum += part;
        } else if (nt) {
#if defined(__SSE2__)
#pragma omp parallel for schedule(static)
            for (int64_t j = 0; j < len; j += 2) _mm_stream_pd(dst + j, _mm_load_pd(src + j));
            _mm_sfence();
#endif
        } else {
#pragma omp parallel for schedule(static)
            for (int64_t j = 0; j < len; j++) dst[j] = src[j];
        }
        if (r >= 0) t[r] = now() - t0;
    }
    double best = t[0];
    for (long r = 1; r < passes; r++) best = t[r] < best ? t[r] : best;
    int nthr = 1;
#ifdef _OPENMP
    nthr = omp_get_max_threads();
#endif
    for (int64_t j = 0; j < len; j += 4096) sum += a[j] + b[j];
    double per = rd ? 8.0 : 16.0; /* bytes counted per element */
    printf("%s: gbs=%.4g best=%.4g threads=%d mib=%ld passes=%ld check=%.0f\n", mode, per * (double)len / median(t, (int)passes) / 1e9,
           per * (double)len / best / 1e9, nthr, mib, passes, sum);
    free(a);
    free(b);
    free(t);
    return 0;
}
