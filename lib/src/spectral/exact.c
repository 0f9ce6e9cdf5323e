/* topomix — the exact-averaging check: smallest L with W^(k+L−1)…W^(k) = J
 * (docs/definitions.md §5). */
#include "../topo/family.h"
#include "kernels.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <topomix/exact.h>

int64_t tmx_exact_default_max_steps(const tmx_topo *t)
{
    int64_t P = tmx_topo_period(t), tau = tmx__ceil_log2(tmx_topo_n(t));
    if (tmx_topo_kind_of(t) == TMX_TOPO_PERIODIC) return 3 * P;
    return 3 * (tau > 1 ? tau : 1);
}

/* Products of circulant matrices are circulant, and products of XOR-shift-invariant matrices
 * (onepeer-hypercube, hypercube) are XOR-shift invariant: every column holds the same multiset of
 * entries, so column 0 decides the max-abs residual. */
static int one_column_suffices(const tmx_topo *t)
{
    const char *name = tmx_topo_name(t);
    return tmx__topo_is_circulant(t) || strcmp(name, "onepeer-hypercube") == 0 || strcmp(name, "hypercube") == 0;
}

static double residual_of(const double *x, int64_t len, double target)
{
    double r = 0.0;
    for (int64_t i = 0; i < len; i++) r = fmax(r, fabs(x[i] - target));
    return r;
}

tmx_status tmx_exact_work(const tmx_topo *t, int64_t phase, int64_t max_steps, double *work)
{
    *work = 0.0;
    if (phase < 0) return tmx__error(TMX_EINVAL, "exact: phase must be >= 0, got %lld", (long long)phase);
    tmx_csr W = {0};
    tmx_status st = tmx_topo_weights(t, phase, &W);
    if (st == TMX_OK)
        *work = (double)max_steps * (double)W.nnz * (one_column_suffices(t) ? 1.0 : (double)tmx_topo_n(t));
    tmx_csr_destroy(&W);
    return st;
}

tmx_status tmx_exact_check(const tmx_topo *t, int64_t phase, int64_t max_steps, double tol, tmx_exact_result *out)
{
    memset(out, 0, sizeof *out);
    out->steps = -1;
    out->phase = phase;
    if (phase < 0) return tmx__error(TMX_EINVAL, "exact: phase must be >= 0, got %lld", (long long)phase);
    if (max_steps < 1) return tmx__error(TMX_EINVAL, "exact: max steps must be >= 1, got %lld", (long long)max_steps);
    if (!(tol >= 0.0) || !isfinite(tol)) return tmx__error(TMX_EINVAL, "exact: tolerance must be finite and >= 0");
    int64_t n = tmx_topo_n(t);
    int col = one_column_suffices(t);
    int64_t width = col ? 1 : n; /* columns tracked */
    tmx_status st = tmx__check_bytes(2.0 * (double)n * (double)width * 8.0, "the exact-averaging product");
    if (st != TMX_OK) return st;
    double *X = calloc((size_t)(n * width), sizeof *X), *Y = malloc((size_t)(n * width) * sizeof *Y);
    tmx_csr W = {0};
    tmx__meter meter = {0.0};
    if (!X || !Y) {
        st = tmx__error(TMX_ENOMEM, "exact: out of memory");
        goto cleanup;
    }
    for (int64_t j = 0; j < width; j++) X[j * n + j] = 1.0; /* column-major n × width identity block */
    double target = 1.0 / (double)n, abs_tol = tol / (double)n; /* tol is relative to J's entries */
    out->one_column = col;
    for (int64_t L = 1; L <= max_steps; L++) {
        TMX_TRY(tmx_topo_weights(t, phase + L - 1, &W));
        for (int64_t j = 0; j < width; j++) tmx_csr_matvec(&W, X + j * n, Y + j * n);
        tmx__progress_tick(&meter, (double)W.nnz * (double)width, "exact-averaging product", (double)L,
                           (double)max_steps);
        double *tmp = X;
        X = Y;
        Y = tmp;
        out->residual = residual_of(X, n * width, target);
        if (out->residual <= abs_tol) {
            out->exact = 1;
            out->steps = L;
            break;
        }
    }
cleanup:
    tmx_csr_destroy(&W);
    free(X);
    free(Y);
    return st;
}
