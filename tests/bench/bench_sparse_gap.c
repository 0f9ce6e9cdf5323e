/* Benchmark: the spectral gap of a large sparse symmetric W (a grid with Metropolis weights), ours
 * (tmx_rate_csr, iterative: shift-invert Lanczos with a CHOLMOD factor of I − W) against SciPy's
 * eigsh on I − W with shift-invert (sigma, SuperLU) and, up to n = 62500, without it. Medians of
 * RUNS runs, SciPy timed inside Python (bench_sparse_gap.py), side by side in one run: the ratios
 * are what to read on a shared machine.
 *   bench_sparse_gap [N ...]   (default 62500 250000 1000000: 250², 500², 1000² grids) */
#include "spectral/kernels.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <topomix/topomix.h>
#include <unistd.h>
#include "bench_util.h"

#ifndef BENCH_SPARSE_PY
#define BENCH_SPARSE_PY "bench_sparse_gap.py"
#endif
#define RUNS 3
#define PLAIN_MAX_N 62500 /* scipy without shift-invert takes 40 s here, minutes beyond */

/* bench_sparse_gap.py FILE MODE: its seconds and gap, or NaN when it fails. */
static void scipy_run(const char *file, const char *mode, double *sec, double *gap)
{
    char cmd[1024], line[256] = "";
    snprintf(cmd, sizeof cmd, "%s %s %s %d 2>/dev/null", BENCH_SPARSE_PY, file, mode, RUNS);
    *sec = *gap = NAN;
    FILE *p = popen(cmd, "r");
    if (!p) return;
    if (fgets(line, sizeof line, p)) sscanf(line, "seconds=%lf gap=%lf", sec, gap);
    pclose(p);
}

int main(int argc, char **argv)
{
    tmx_init();
    int64_t sizes[8] = {62500, 250000, 1000000};
    int ns = 3;
    if (argc > 1) {
        ns = 0;
        for (int a = 1; a < argc && ns < 8; a++) sizes[ns++] = atoll(argv[a]);
    }
    printf("# spectral gap of a sqrt(n) x sqrt(n) grid (Metropolis weights); medians of %d runs\n", RUNS);
    printf("%-9s %-11s %-11s %-10s %-11s %-11s %-9s %-9s %s\n", "n", "ours_s", "sigma_s", "ours/sig", "plain_s",
           "plain/ours", "solves", "residual", "|gap - scipy gap| / gap");
    for (int q = 0; q < ns; q++) {
        int64_t n = sizes[q], side = (int64_t)llround(sqrt((double)n));
        tmx_topo_params par;
        tmx_topo_params_init(&par);
        par.n = n;
        par.rows = side * side == n ? side : 0;
        tmx_topo *t = NULL;
        tmx_csr W = {0};
        if (tmx_topo_new("grid", &par, &t) != TMX_OK || tmx_topo_weights(t, 0, &W) != TMX_OK) {
            fprintf(stderr, "bench_sparse_gap: n=%lld: %s\n", (long long)n, tmx_last_error());
            return 1;
        }
        char file[] = "/tmp/topomix-bench-gap.XXXXXX";
        int fd = mkstemp(file);
        FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
        if (!f || tmx_mm_write(f, &W, 1, NULL) != TMX_OK || fclose(f) != 0) {
            fprintf(stderr, "bench_sparse_gap: cannot write %s\n", file);
            return 1;
        }
        double t_ours[RUNS];
        tmx_rate r = {0};
        for (int k = 0; k < RUNS; k++) {
            double t0 = now();
            if (tmx_rate_csr(&W, TMX_METHOD_ITERATIVE, &r) != TMX_OK) {
                fprintf(stderr, "bench_sparse_gap: n=%lld: %s\n", (long long)n, tmx_last_error());
                return 1;
            }
            t_ours[k] = now() - t0;
        }
        qsort(t_ours, RUNS, sizeof t_ours[0], cmp);
        double ours = t_ours[RUNS / 2], sig, sgap, plain = NAN, pgap;
        scipy_run(file, "sigma", &sig, &sgap);
        if (n <= PLAIN_MAX_N) scipy_run(file, "plain", &plain, &pgap);
        printf("%-9lld %-11.4g %-11.4g %-10.3g %-11.4g %-11.3g %-9lld %-9.2g %.2g\n", (long long)n, ours, sig, ours / sig,
               plain, plain / ours, (long long)r.iterations, r.residual, fabs(r.gap - sgap) / r.gap);
        fflush(stdout);
        unlink(file);
        tmx_csr_destroy(&W);
        tmx_topo_free(t);
    }
    return 0;
}
