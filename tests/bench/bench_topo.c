/* Benchmark: building W for exp, onepeer-exp, ring (and base-k) at n = 2^20.
 * Prints the median of 5 builds of one step's CSR matrix, with its size. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <topomix/topomix.h>
#include "bench_util.h"

int main(int argc, char **argv)
{
    int64_t n = argc > 1 ? atoll(argv[1]) : (int64_t)1 << 20;
    const char *names[] = {"exp", "onepeer-exp", "ring", "base-k", "torus", "matching"};
    printf("topology build time at n = %lld (median of 5; W^(0) as CSR)\n", (long long)n);
    printf("%-12s %12s %12s %10s\n", "topology", "nnz", "MiB", "seconds");
    int rc = 0;
    for (size_t q = 0; q < sizeof names / sizeof *names; q++) {
        tmx_topo_params p;
        tmx_topo_params_init(&p);
        p.n = n;
        tmx_topo *t = NULL;
        double t0 = now();
        if (tmx_topo_new(names[q], &p, &t) != TMX_OK) {
            printf("%-12s failed: %s\n", names[q], tmx_last_error());
            rc = 1;
            continue;
        }
        double setup = now() - t0, times[5];
        tmx_csr W = {0};
        for (int r = 0; r < 5; r++) {
            tmx_csr_destroy(&W);
            t0 = now();
            tmx_status st = tmx_topo_weights(t, 1, &W);
            times[r] = now() - t0;
            if (st != TMX_OK) rc = 1;
        }
        qsort(times, 5, sizeof *times, cmp);
        printf("%-12s %12lld %12.1f %10.4f   (setup %.4f s)\n", names[q], (long long)W.nnz,
               (double)W.nnz * 16.0 / (1 << 20), times[2], setup);
        tmx_csr_destroy(&W);
        tmx_topo_free(t);
    }
    return rc;
}
