/* Benchmark: the DFT path at n = 2^24 (exp: wall time and peak memory, never forming W), the ring's
 * tiny gap at 2^24, and the exact-averaging check of onepeer-exp at n = 2^20. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <topomix/topomix.h>
#include "bench_util.h"

static double peak_mib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0;
}

static tmx_topo *make(const char *name, int64_t n)
{
    tmx_topo_params p;
    tmx_topo_params_init(&p);
    p.n = n;
    tmx_topo *t = NULL;
    if (tmx_topo_new(name, &p, &t) != TMX_OK) {
        fprintf(stderr, "bench_spectral: %s\n", tmx_last_error());
        exit(1);
    }
    return t;
}

int main(int argc, char **argv)
{
    int log2n = argc > 1 ? atoi(argv[1]) : 24;
    int64_t n = (int64_t)1 << log2n;
    const char *names[] = {"exp", "ring"};
    printf("DFT rates at n = 2^%d (FFTW_ESTIMATE r2c of the first row; W is never formed)\n", log2n);
    for (int q = 0; q < 2; q++) {
        tmx_topo *t = make(names[q], n);
        tmx_rate r;
        double t0 = now();
        tmx_status st = tmx_rate_topo(t, 0, TMX_METHOD_DFT, &r);
        double dt = now() - t0;
        if (st != TMX_OK) {
            fprintf(stderr, "bench_spectral: %s\n", tmx_last_error());
            return 1;
        }
        printf("  %-5s slem %.17g  gap %.6e  %.3f s  peak RSS %.0f MiB (n doubles = %.0f MiB)\n", names[q], r.slem,
               r.gap, dt, peak_mib(), (double)n * 8 / (1 << 20));
        tmx_topo_free(t);
    }
    int64_t m = (int64_t)1 << 20;
    tmx_topo *t = make("onepeer-exp", m);
    tmx_exact_result e;
    double t0 = now();
    tmx_status st = tmx_exact_check(t, 0, 60, 0.0, &e);
    double dt = now() - t0;
    if (st != TMX_OK) return 1;
    printf("exact check, onepeer-exp n = 2^20: exact=%d steps=%lld residual=%g  %.3f s\n", e.exact, (long long)e.steps,
           e.residual, dt);
    tmx_topo_free(t);
    t = make("onepeer-exp", m - 1);
    t0 = now();
    st = tmx_exact_check(t, 0, 60, 1e-12, &e);
    dt = now() - t0;
    if (st != TMX_OK) return 1;
    printf("exact check, onepeer-exp n = 2^20 - 1 (tol 1e-12 relative, up to 60 steps): exact=%d steps=%lld "
           "residual=%.3g  %.3f s\n", e.exact, (long long)e.steps, e.residual, dt);
    tmx_topo_free(t);
    return 0;
}
