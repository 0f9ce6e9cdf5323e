/* topomix — rates of mixing matrices and sequences (docs/definitions.md §4): method selection, the
 * DFT closed form for circulants (FFTW), periodic products, expected rates of random topologies. */
#include "../topo/family.h"
#include "kernels.h"

#include <fftw3.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <topomix/spectral.h>

static const char *const method_names[] = {"auto", "dense", "dft", "iterative"};

tmx_status tmx_method_parse(const char *s, tmx_method *out)
{
    for (int m = 0; m < 4; m++)
        if (s && strcmp(s, method_names[m]) == 0) {
            *out = (tmx_method)m;
            return TMX_OK;
        }
    return tmx__error(TMX_EINVAL, "unknown method '%s' (auto, dense, dft, iterative)", s ? s : "(null)");
}

const char *tmx_method_name(tmx_method m) { return (unsigned)m < 4 ? method_names[m] : "unknown"; }

/* Iterative tolerance handed to ARPACK (relative to the Ritz value). */
#define ITER_TOL 1e-12

/* ---- dense ---------------------------------------------------------------------------------- */

/* D ← W − J as a dense matrix. */
static tmx_status dense_minus_J(const tmx_csr *W, tmx_mat *D)
{
    tmx_status st = tmx_csr_to_dense(W, D);
    if (st != TMX_OK) return st;
    double j = 1.0 / (double)W->n;
    size_t count = (size_t)W->n * (size_t)W->n;
    for (size_t q = 0; q < count; q++) D->data[q] -= j;
    return TMX_OK;
}

/* Symmetric W from this size on: the dense shift-invert path (see rate_dense); from the second size
 * when one factorisation will do (the bottom of the spectrum settled by Gershgorin's discs). */
#define DENSE_SI_MIN_N 2048
#define DENSE_SI_ONE_N 512

/* The dense shift-invert path into r: 1 when it settled the rate (*st TMX_OK) or failed for good
 * (*st the error); 0 when it does not apply (rows not summing to 1, I ± W singular: *st TMX_OK). */
static int dense_si(const tmx_csr *W, tmx_rate *r, tmx_status *st)
{
    *st = tmx__rate_dense_shift_invert(W, &r->slem, &r->gap, &r->residual, &r->iterations);
    if (*st == TMX_OK) {
        r->beta = r->slem;
        r->method = TMX_METHOD_DENSE;
        return 1;
    }
    if (*st != TMX_EUNSUP && *st != TMX_ENOCONV) return 1;
    *st = TMX_OK;
    r->residual = 0.0;
    r->iterations = 0;
    return 0;
}

static tmx_status rate_dense(const tmx_csr *W, tmx_rate *r)
{
    tmx_status st = TMX_OK;
    tmx_mat A = {0};
    if (tmx__csr_exactly_symmetric(W)) {
        /* docs/performance.md §5. From n = 512, when one factorisation will do (the pre-test: λ₂
         * high above the bottom, which Gershgorin's discs settle: rings, tori, grids, whose
         * clustered top makes Lanczos on W − J crawl), shift-invert through a dense Cholesky
         * factor. Otherwise Lanczos on W − J within a small budget, certified by two
         * factorisations (dense.c: well-separated ends, a hypercube's, an expander's), then
         * shift-invert with both factorisations from n = 2048, then the tridiagonal reduction
         * (also where shift-invert does not apply: rows not summing to 1, I ± W singular) */
        int one = W->n >= DENSE_SI_ONE_N && tmx__shift_invert_one_factor(W);
        if (one && dense_si(W, r, &st)) goto cleanup;
        TMX_TRY(dense_minus_J(W, &A));
        if (one || tmx__dense_sym_lanczos(&A, 0, &r->slem) != TMX_OK) {
            if (!one && W->n >= DENSE_SI_MIN_N && dense_si(W, r, &st)) goto cleanup;
            TMX_TRY(tmx__dense_sym_maxabs_reduced(&A, &r->slem));
        }
        r->beta = r->slem;
    } else {
        /* beta from the top eigenvalue of the Gram matrix (dense.c), the SVD of W − J only where beta
         * is too small for that; the eigenvalues (dgeev, ~10x the Gram route's time) only when W is
         * not circulant: a circulant is normal, so rho(W − J) = beta exactly */
        st = tmx__dense_beta_gram(W, &r->beta);
        if (st == TMX_EUNSUP) {
            TMX_TRY(dense_minus_J(W, &A));
            TMX_TRY(tmx__dense_norm2(&A, &r->beta));
        }
        if (st != TMX_OK) goto cleanup;
        if (tmx__csr_is_circulant(W)) {
            r->slem = r->beta;
        } else {
            TMX_TRY(dense_minus_J(W, &A));
            TMX_TRY(tmx__dense_gen_maxabs(&A, &r->slem));
        }
    }
    r->gap = 1.0 - r->slem;
    r->method = TMX_METHOD_DENSE;
cleanup:
    tmx_mat_destroy(&A);
    return st;
}

/* ---- iterative: operators (W − J) x and (W − J)ᵀ x ------------------------------------------- */

typedef struct minus_J_ctx {
    const tmx_csr *W, *Wt;
} minus_J_ctx;

static void sub_mean(int64_t n, const double *x, double *y)
{
    double s = 0.0;
    for (int64_t i = 0; i < n; i++) s += x[i];
    s /= (double)n;
    for (int64_t i = 0; i < n; i++) y[i] -= s;
}

static void op_minus_J(const double *x, double *y, void *ctx)
{
    const minus_J_ctx *c = ctx;
    tmx_csr_matvec(c->W, x, y);
    sub_mean(c->W->n, x, y);
}

static void op_minus_J_t(const double *x, double *y, void *ctx)
{
    const minus_J_ctx *c = ctx;
    tmx_csr_matvec(c->Wt, x, y);
    sub_mean(c->W->n, x, y);
}

/* 1 when breadth-first search from node 0 reaches every node within ceil(log2 n) hops: random
 * graphs, hypercubes, expanders. Such graphs have large gaps, which Lanczos settles in a few
 * restarts, and no small separators, so a Cholesky factor fills in (er -n 10000 --p 0.002: 66
 * applications, 0.05 s, against 0.09 s for CHOLMOD's AMD analysis alone and 0.3 s with its METIS
 * trial, before the fill check declines). O(nnz); 0 when out of memory. */
static int few_hops(const tmx_csr *W)
{
    int64_t n = W->n, limit = 0;
    while (limit < 62 && ((int64_t)1 << limit) < n) limit++;
    int64_t *queue = malloc((size_t)n * sizeof *queue);
    char *seen = calloc((size_t)n, 1);
    int64_t head = 0, tail = 0, level = 0;
    if (queue && seen) {
        seen[0] = 1, queue[tail++] = 0;
        while (head < tail && level <= limit) {
            int64_t end = tail; /* one level: nodes queued before it began */
            for (; head < end; head++)
                for (int64_t e = W->rowptr[queue[head]]; e < W->rowptr[queue[head] + 1]; e++)
                    if (!seen[W->col[e]]) seen[W->col[e]] = 1, queue[tail++] = W->col[e];
            if (tail > end) level++;
        }
    }
    free(queue);
    free(seen);
    return tail == n && level <= limit;
}

/* Restarts allowed to the quick Lanczos attempt on few-hop graphs before shift-invert. */
#define QUICK_RESTARTS 5

/* max_restarts bounds the final plain Lanczos on a symmetric W (0: TMX_ITER_MAX_RESTARTS). */
static tmx_status rate_iterative(const tmx_csr *W, tmx_rate *r, int max_restarts)
{
    tmx_status st = TMX_OK;
    tmx_csr Wt = {0};
    minus_J_ctx ctx = {W, NULL};
    tmx__iter_result a = {0}, b = {0};
    if (tmx__csr_exactly_symmetric(W)) {
        if (few_hops(W)) {
            st = tmx__op_sym_maxabs_budget(W->n, op_minus_J, &ctx, ITER_TOL, QUICK_RESTARTS, &a);
            if (st != TMX_ENOCONV) goto lanczos_done;
        }
        /* shift-invert when the Cholesky factor stays sparse (grids, tori, most graphs with small
         * gaps); Lanczos on W − J otherwise */
        st = tmx__rate_shift_invert(W, &r->slem, &r->gap, &r->residual, &r->iterations);
        if (st == TMX_OK) {
            r->beta = r->slem;
            r->method = TMX_METHOD_ITERATIVE;
            return TMX_OK;
        }
        if (st != TMX_EUNSUP) return st;
        st = tmx__op_sym_maxabs_budget(W->n, op_minus_J, &ctx, ITER_TOL, max_restarts, &a);
    lanczos_done:
        if (st != TMX_OK) goto cleanup;
        b = a;
    } else {
        TMX_TRY(tmx_csr_transpose(&Wt, W));
        ctx.Wt = &Wt;
        TMX_TRY(tmx__op_gen_maxabs(W->n, op_minus_J, &ctx, ITER_TOL, &a));
        TMX_TRY(tmx__op_norm2(W->n, op_minus_J, op_minus_J_t, &ctx, ITER_TOL, &b));
    }
    r->slem = a.value;
    r->beta = b.value;
    r->gap = 1.0 - r->slem;
    r->residual = fmax(a.residual, b.residual);
    r->iterations = ctx.Wt ? a.applies + b.applies : a.applies; /* symmetric: one run serves both */
    r->method = TMX_METHOD_ITERATIVE;
cleanup:
    tmx_csr_destroy(&Wt);
    return st;
}

/* From this n on, AUTO tries the iterative path before the dense one for a symmetric W. */
#define AUTO_SPARSE_MIN_N 1024

tmx_status tmx_rate_csr(const tmx_csr *W, tmx_method m, tmx_rate *out)
{
    memset(out, 0, sizeof *out);
    tmx_status st = tmx_csr_check(W);
    if (st != TMX_OK) return st;
    if (W->n < 1) return tmx__error(TMX_EINVAL, "rate: empty matrix");
    if (m == TMX_METHOD_DFT)
        return tmx__error(TMX_EUNSUP, "rate: the DFT method needs a circulant topology, not a general matrix");
    if (m == TMX_METHOD_AUTO && W->n >= AUTO_SPARSE_MIN_N && W->n <= TMX_DENSE_MAX_N &&
        tmx__csr_exactly_symmetric(W)) {
        /* Below the dense limit too, a symmetric W goes iterative first (few-hop Lanczos or
         * shift-invert: milliseconds where the dense reduction takes 0.05–3 s), with plain Lanczos
         * held to the restarts whose work, ncv·(2·nnz + 4·ncv·n) flops each, matches the dense
         * path's 4/3·n³; the dense path takes over if that does not converge. */
        double per = (double)TMX_ITER_NCV * (2.0 * (double)W->nnz + 4.0 * TMX_ITER_NCV * (double)W->n);
        double n3 = (double)W->n * (double)W->n * (double)W->n;
        st = rate_iterative(W, out, (int)fmax(QUICK_RESTARTS, fmin(TMX_ITER_MAX_RESTARTS, 4.0 / 3.0 * n3 / per)));
        if (st != TMX_ENOCONV) return st;
        memset(out, 0, sizeof *out);
        m = TMX_METHOD_DENSE;
    }
    if (m == TMX_METHOD_AUTO) m = W->n <= TMX_DENSE_MAX_N ? TMX_METHOD_DENSE : TMX_METHOD_ITERATIVE;
    if ((unsigned)m > TMX_METHOD_ITERATIVE) return tmx__error(TMX_EINVAL, "rate: unknown method %d", (int)m);
    return m == TMX_METHOD_DENSE ? rate_dense(W, out) : rate_iterative(W, out, 0);
}

/* ---- the mixing-matrix check ------------------------------------------------------------------ */

static int64_t gcd64(int64_t a, int64_t b)
{
    while (b) {
        int64_t r = a % b;
        a = b;
        b = r;
    }
    return a;
}

/* Components of the circulant graph on Z_rows × Z_cols whose edges join x and x + s for every
 * offset s of the support sup (row-major r·cols + c). 1-D: the offsets generate the subgroup
 * gcd(n, s…)·Z_n, so there are that many components. 2-D (the torus): breadth-first search from
 * each unvisited node, O(n·|sup|). -1 when out of memory. */
static int64_t circulant_components(int64_t rows, int64_t cols, const int64_t *sup, int64_t count)
{
    int64_t n = rows * cols;
    if (rows == 1) {
        int64_t g = n;
        for (int64_t q = 0; q < count; q++) g = gcd64(g, sup[q]);
        return g;
    }
    char *seen = calloc((size_t)n, 1);
    int64_t *queue = malloc((size_t)n * sizeof *queue), comps = 0;
    if (!seen || !queue) comps = -1;
    for (int64_t start = 0; start < n && comps >= 0; start++) {
        if (seen[start]) continue;
        comps++;
        int64_t head = 0, tail = 0;
        seen[start] = 1;
        queue[tail++] = start;
        while (head < tail) {
            int64_t x = queue[head++], xr = x / cols, xc = x % cols;
            for (int64_t q = 0; q < count; q++) {
                int64_t y = ((xr + sup[q] / cols) % rows) * cols + (xc + sup[q] % cols) % cols;
                if (!seen[y]) seen[y] = 1, queue[tail++] = y;
            }
        }
    }
    free(seen);
    free(queue);
    return comps;
}

/* The circulant path of tmx_topo_check_mixing: every row and every column of a circulant holds the
 * entries of the first row, so the first row decides, in O(n) and without forming W. */
static tmx_status check_circulant(const tmx_topo *t, int64_t first, int64_t last, double tol, unsigned flags)
{
    static const char head[] = "W is not a mixing matrix";
    int64_t rows, cols, n = tmx_topo_n(t), count = 0;
    tmx__topo_circulant_shape(t, &rows, &cols);
    tmx_status st = TMX_OK;
    double *c = malloc((size_t)n * sizeof *c);
    int64_t *sup = malloc((size_t)n * sizeof *sup); /* the union of the supports, offset 0 left out */
    char *in = calloc((size_t)n, 1);
    if (!c || !sup || !in) {
        st = tmx__error(TMX_ENOMEM, "check_mixing: out of memory");
        goto cleanup;
    }
    for (int64_t k = first; k <= last && st == TMX_OK; k++) {
        TMX_TRY(tmx__topo_first_row(t, k, c));
        double sum = 0.0;
        int64_t nz = 0;
        for (int64_t j = 0; j < n && st == TMX_OK; j++) {
            if (c[j] < 0.0)
                st = tmx__error(TMX_EINVAL, "%s: entry (1, %lld) = %.15g is negative", head, (long long)j + 1, c[j]);
            sum += c[j];
            nz += c[j] != 0.0;
            if (c[j] != 0.0 && j != 0 && !in[j]) in[j] = 1, sup[count++] = j;
        }
        if (st == TMX_OK && (flags & TMX_MIXING_PUSH) && !(c[0] > 0.0)) /* as tmx_csr_check_mixing */
            st = tmx__error(TMX_EINVAL, "W is not a push-sum mixing matrix: entry (1, 1) = 0 (push-sum needs every "
                                        "node to keep a share of its mass: a positive diagonal)");
        double lim = fmax(tol, 2.0 * (double)nz * DBL_EPSILON); /* as tmx_csr_check_mixing */
        if (st == TMX_OK && fabs(sum - 1.0) > lim)
            st = tmx__error(TMX_EINVAL, "%s: row 1 sums to %.15g (must be 1 within %.3g)", head, sum, lim);
        if (st != TMX_OK && last > first) {
            char msg[512];
            snprintf(msg, sizeof msg, "%s", tmx_last_error());
            st = tmx__error(st, "step %lld: %s", (long long)k, msg);
        }
    }
    if (st == TMX_OK && (flags & TMX_MIXING_CONNECTED)) {
        int64_t comps = circulant_components(rows, cols, sup, count);
        if (comps < 0) st = tmx__error(TMX_ENOMEM, "check_mixing: out of memory");
        else if (comps > 1)
            st = tmx__error(TMX_EINVAL, "%s: the graph of W%s is disconnected (%lld components)", head,
                            last > first ? " (the union over a period)" : "", (long long)comps);
    }
cleanup:
    free(c);
    free(sup);
    free(in);
    return st;
}

tmx_status tmx_topo_check_mixing(const tmx_topo *t, int64_t step, unsigned flags)
{
    if (step < 0) return tmx__error(TMX_EINVAL, "step must be >= 0, got %lld", (long long)step);
    tmx_topo_kind kind = tmx_topo_kind_of(t);
    int64_t first = kind == TMX_TOPO_RANDOM ? step : 0, last = kind == TMX_TOPO_PERIODIC ? tmx_topo_period(t) - 1 : first;
    if (tmx__topo_is_circulant(t)) return check_circulant(t, first, last, TMX_MIXING_TOL, flags);
    tmx_status st = TMX_OK;
    tmx_csr W = {0};
    unsigned step_flags = kind == TMX_TOPO_STATIC ? flags : flags & TMX_MIXING_PUSH;
    for (int64_t k = first; k <= last && st == TMX_OK; k++) {
        st = tmx_topo_weights(t, k, &W);
        if (st == TMX_OK) st = tmx_csr_check_mixing(&W, TMX_MIXING_TOL, step_flags);
        if (st != TMX_OK && kind != TMX_TOPO_STATIC) {
            char msg[512];
            snprintf(msg, sizeof msg, "%s", tmx_last_error());
            st = tmx__error(st, "step %lld: %s", (long long)k, msg);
        }
    }
    tmx_csr_destroy(&W);
    if (st == TMX_OK && (flags & TMX_MIXING_CONNECTED) && kind == TMX_TOPO_PERIODIC) {
        tmx_topo_report r;
        st = tmx_topo_validate(t, 0, TMX_MIXING_TOL, &r);
        if (st == TMX_OK && r.period_connected == 0)
            st = tmx__error(TMX_EINVAL, "W is not a mixing matrix: the union of the graphs of W^(0..%lld) is "
                                        "disconnected", (long long)last);
    }
    return st;
}

/* ---- DFT closed form for circulants ---------------------------------------------------------- */


void tmx__dft_free(tmx__dft *d)
{
    if (d->plan) fftw_destroy_plan(d->plan);
    fftw_free(d->c);
    fftw_free(d->X);
    memset(d, 0, sizeof *d);
}

tmx_status tmx__dft_init_shape(tmx__dft *d, int64_t rows, int64_t cols)
{
    memset(d, 0, sizeof *d);
    d->rows = rows;
    d->cols = cols;
    d->n = rows * cols;
    d->half = cols / 2 + 1;
    tmx_status st = tmx__check_bytes((double)d->n * 8.0 + (double)(d->rows * d->half) * 16.0, "DFT of the first row");
    if (st != TMX_OK) return st;
    if (d->n > INT32_MAX || d->rows > INT32_MAX)
        return tmx__error(TMX_EUNSUP, "dft: n=%lld exceeds FFTW's int sizes", (long long)d->n);
    d->c = fftw_alloc_real((size_t)d->n);
    d->X = fftw_alloc_complex((size_t)(d->rows * d->half));
    if (!d->c || !d->X) {
        tmx__dft_free(d);
        return tmx__error(TMX_ENOMEM, "dft: out of memory for n=%lld", (long long)d->n);
    }
    if (d->rows == 1)
        d->plan = fftw_plan_dft_r2c_1d((int)d->n, d->c, d->X, FFTW_ESTIMATE);
    else
        d->plan = fftw_plan_dft_r2c_2d((int)d->rows, (int)d->cols, d->c, d->X, FFTW_ESTIMATE);
    if (!d->plan) {
        tmx__dft_free(d);
        return tmx__error(TMX_EINTERNAL, "dft: FFTW could not plan a transform of size %lld", (long long)d->n);
    }
    return TMX_OK;
}

tmx_status tmx__dft_init(tmx__dft *d, const tmx_topo *t)
{
    int64_t rows, cols;
    tmx__topo_circulant_shape(t, &rows, &cols);
    return tmx__dft_init_shape(d, rows, cols);
}

/* Loads the first row of W^(k) and transforms it. */
tmx_status tmx__dft_step(tmx__dft *d, const tmx_topo *t, int64_t k)
{
    tmx_status st = tmx__topo_first_row(t, k, d->c);
    if (st != TMX_OK) return st;
    /* FFTW_ESTIMATE plans may overwrite nothing for r2c out-of-place except the input in 2-D
     * multi-dimensional transforms; the callers reload c before every use. */
    fftw_execute(d->plan);
    return TMX_OK;
}

/* Frequency index q of the half spectrum as (ma, mb). */
static void freq_of(const tmx__dft *d, int64_t q, int64_t *ma, int64_t *mb)
{
    *ma = q / d->half;
    *mb = q % d->half;
}

/* Precise 1 − |λ| at frequency (ma, mb) from the sparse stencil, where λ = Σ_s c_s e^{iθ_s}:
 * 1 − Re λ = Σ c_s 2 sin²(θ_s/2), 1 + Re λ = Σ c_s 2 cos²(θ_s/2), so
 * 1 − |λ|² = (1 − Re)(1 + Re) − Im² and 1 − |λ| = (1 − |λ|²)/(1 + |λ|). Angles are reduced in
 * integers first (s·m mod n), so no digits are lost for tiny gaps (docs/performance.md §2). */
static double precise_gap(const int64_t *sa, const int64_t *sb, const double *w, int64_t count, int64_t rows,
                          int64_t cols, int64_t ma, int64_t mb, double *modulus)
{
    double om = 0.0, op = 0.0, im = 0.0;
    uint64_t n = (uint64_t)rows * (uint64_t)cols;
    for (int64_t q = 0; q < count; q++) {
        /* θ_s/2 = π (sa·ma/rows + sb·mb/cols) = π·num/n with num reduced mod n in integers; then
         * the half angle is folded to π·min(num, n − num)/n ≤ π/2, where sin and cos keep full
         * relative precision (sin(π − x) evaluated near π would not). sin²(θ/2) and cos²(θ/2) are
         * unchanged by the fold; sin θ changes sign. */
        __extension__ unsigned __int128 a = (unsigned __int128)(uint64_t)sa[q] * (uint64_t)ma % (uint64_t)rows;
        __extension__ unsigned __int128 b = (unsigned __int128)(uint64_t)sb[q] * (uint64_t)mb % (uint64_t)cols;
        uint64_t num = (uint64_t)((a * (uint64_t)cols + b * (uint64_t)rows) % n);
        double sign = 1.0;
        if (num > n - num) num = n - num, sign = -1.0;
        double half = M_PI * ((double)num / (double)n);
        double sn = sin(half), cs = cos(half);
        om += w[q] * 2.0 * sn * sn;
        op += w[q] * 2.0 * cs * cs;
        im += sign * w[q] * 2.0 * sn * cs; /* sin θ = 2 sin(θ/2) cos(θ/2) */
    }
    double one_minus_sq = om * op - im * im;
    double re = 1.0 - om;
    double mod = sqrt(re * re + im * im);
    *modulus = mod;
    return one_minus_sq / (1.0 + mod);
}

/* Number of candidate frequencies re-evaluated precisely. */
#define CANDIDATES 8

static tmx_status rate_dft(const tmx_topo *t, int64_t k, tmx_rate *r)
{
    tmx__dft d;
    tmx_status st = tmx__dft_init(&d, t);
    if (st != TMX_OK) return st;
    int64_t *sa = NULL, *sb = NULL;
    double *w = NULL;
    if ((st = tmx__dft_step(&d, t, k)) != TMX_OK) goto cleanup;
    /* the CANDIDATES largest |X| over every frequency but 0 */
    int64_t best[CANDIDATES];
    double bestv[CANDIDATES];
    int nb = 0;
    int64_t total = d.rows * d.half;
    for (int64_t q = 1; q < total; q++) {
        double v = d.X[q][0] * d.X[q][0] + d.X[q][1] * d.X[q][1];
        if (nb < CANDIDATES || v > bestv[nb - 1]) {
            int p = nb < CANDIDATES ? nb++ : nb - 1;
            while (p > 0 && bestv[p - 1] < v) {
                bestv[p] = bestv[p - 1];
                best[p] = best[p - 1];
                p--;
            }
            bestv[p] = v;
            best[p] = q;
        }
    }
    if (nb == 0) { /* n = 1: W = [1], W − J = 0 */
        r->slem = r->beta = 0.0;
        r->gap = 1.0;
        r->method = TMX_METHOD_DFT;
        goto cleanup;
    }
    /* sparse stencil of the first row (reload it: the transform may have overwritten c) */
    if ((st = tmx__topo_first_row(t, k, d.c)) != TMX_OK) goto cleanup;
    int64_t count = 0;
    for (int64_t j = 0; j < d.n; j++) count += d.c[j] != 0.0;
    sa = malloc((size_t)count * sizeof *sa);
    sb = malloc((size_t)count * sizeof *sb);
    w = malloc((size_t)count * sizeof *w);
    if (!sa || !sb || !w) {
        st = tmx__error(TMX_ENOMEM, "dft: out of memory");
        goto cleanup;
    }
    for (int64_t j = 0, q = 0; j < d.n; j++)
        if (d.c[j] != 0.0) sa[q] = j / d.cols, sb[q] = j % d.cols, w[q] = d.c[j], q++;
    double gap = INFINITY, slem = 0.0;
    for (int q = 0; q < nb; q++) {
        int64_t ma, mb;
        freq_of(&d, best[q], &ma, &mb);
        double mod, g = precise_gap(sa, sb, w, count, d.rows, d.cols, ma, mb, &mod);
        if (g < gap) gap = g, slem = mod;
    }
    r->gap = gap;
    r->slem = r->beta = slem; /* circulants are normal: ρ(W − J) = ‖W − J‖₂ */
    r->method = TMX_METHOD_DFT;
cleanup:
    free(sa);
    free(sb);
    free(w);
    tmx__dft_free(&d);
    return st;
}

tmx_status tmx_rate_topo(const tmx_topo *t, int64_t k, tmx_method m, tmx_rate *out)
{
    memset(out, 0, sizeof *out);
    if (k < 0) return tmx__error(TMX_EINVAL, "step must be >= 0, got %lld", (long long)k);
    if ((unsigned)m > TMX_METHOD_ITERATIVE) return tmx__error(TMX_EINVAL, "rate: unknown method %d", (int)m);
    int circ = tmx__topo_is_circulant(t);
    if (m == TMX_METHOD_DFT && !circ)
        return tmx__error(TMX_EUNSUP, "--method tmx__dft needs a circulant topology (complete, ring, dring, exp, "
                                      "onepeer-exp, torus); %s is not", tmx_topo_name(t));
    if (m == TMX_METHOD_AUTO && circ) m = TMX_METHOD_DFT; /* otherwise tmx_rate_csr decides */
    if (m == TMX_METHOD_DFT) return rate_dft(t, k, out);
    if (m == TMX_METHOD_DENSE) {
        tmx_status st = tmx__check_bytes(2.0 * (double)tmx_topo_n(t) * (double)tmx_topo_n(t) * 8.0, "the dense method");
        if (st != TMX_OK) return st;
    }
    tmx_csr W = {0};
    tmx_status st = tmx_topo_weights(t, k, &W);
    if (st == TMX_OK) st = tmx_rate_csr(&W, m, out);
    tmx_csr_destroy(&W);
    return st;
}

/* ---- periodic sequences ---------------------------------------------------------------------- */

typedef struct product_ctx {
    tmx_csr *Ws, *Wts; /* the P matrices of one period, in step order, and their transposes */
    int64_t P, n;
    double *tmp;
} product_ctx;

/* y = (W^(P−1)…W^(0) − J) x */
static void op_product(const double *x, double *y, void *vctx)
{
    product_ctx *c = vctx;
    const double *in = x;
    for (int64_t s = 0; s < c->P; s++) {
        double *out = ((c->P - s) % 2 == 1) ? y : c->tmp; /* last product lands in y */
        tmx_csr_matvec(&c->Ws[s], in, out);
        in = out;
    }
    sub_mean(c->n, x, y);
}

/* y = (W^(P−1)…W^(0) − J)ᵀ x = (W^(0)ᵀ…W^(P−1)ᵀ − J) x */
static void op_product_t(const double *x, double *y, void *vctx)
{
    product_ctx *c = vctx;
    const double *in = x;
    for (int64_t s = c->P - 1, q = 0; s >= 0; s--, q++) {
        double *out = ((c->P - q) % 2 == 1) ? y : c->tmp;
        tmx_csr_matvec(&c->Wts[s], in, out);
        in = out;
    }
    sub_mean(c->n, x, y);
}

/* ‖W^(k+P−1)…W^(k) − J‖₂ for one phase k. */
static tmx_status phase_norm(const tmx_topo *t, int64_t k, tmx_method m, double *out)
{
    tmx_status st = TMX_OK;
    int64_t P = tmx_topo_period(t), n = tmx_topo_n(t);
    product_ctx c = {0};
    tmx_mat D = {0};
    c.P = P;
    c.n = n;
    c.Ws = calloc((size_t)P, sizeof *c.Ws);
    c.Wts = calloc((size_t)P, sizeof *c.Wts);
    c.tmp = malloc((size_t)n * sizeof *c.tmp);
    if (!c.Ws || !c.Wts || !c.tmp) {
        st = tmx__error(TMX_ENOMEM, "periodic rate: out of memory");
        goto cleanup;
    }
    for (int64_t s = 0; s < P; s++) {
        TMX_TRY(tmx_topo_weights(t, k + s, &c.Ws[s]));
        TMX_TRY(tmx_csr_transpose(&c.Wts[s], &c.Ws[s]));
    }
    if (m == TMX_METHOD_DENSE) {
        /* columns of the product minus J, one operator application per unit vector */
        TMX_TRY(tmx_mat_init(&D, (size_t)n, (size_t)n));
        double *e = calloc((size_t)n, sizeof *e);
        if (!e) {
            st = tmx__error(TMX_ENOMEM, "periodic rate: out of memory");
            goto cleanup;
        }
        for (int64_t j = 0; j < n; j++) {
            e[j] = 1.0;
            op_product(e, D.data + (size_t)j * D.ld, &c);
            e[j] = 0.0;
        }
        free(e);
        TMX_TRY(tmx__dense_norm2(&D, out));
    } else {
        tmx__iter_result r = {0};
        TMX_TRY(tmx__op_norm2(n, op_product, op_product_t, &c, ITER_TOL, &r));
        *out = r.value;
    }
cleanup:
    if (c.Ws)
        for (int64_t s = 0; s < P; s++) tmx_csr_destroy(&c.Ws[s]);
    if (c.Wts)
        for (int64_t s = 0; s < P; s++) tmx_csr_destroy(&c.Wts[s]);
    free(c.Ws);
    free(c.Wts);
    free(c.tmp);
    tmx_mat_destroy(&D);
    return st;
}

/* Circulant steps commute and are normal: the product's eigenvalues are Π_s λ_m^(s), for every
 * phase, and its norm is their largest modulus over m ≠ 0. */
static tmx_status periodic_dft(const tmx_topo *t, double *out)
{
    tmx__dft d;
    tmx_status st = tmx__dft_init(&d, t);
    if (st != TMX_OK) return st;
    int64_t total = d.rows * d.half, P = tmx_topo_period(t);
    double *prod = malloc((size_t)total * sizeof *prod);
    if (!prod) {
        tmx__dft_free(&d);
        return tmx__error(TMX_ENOMEM, "periodic rate: out of memory");
    }
    for (int64_t q = 0; q < total; q++) prod[q] = 1.0;
    for (int64_t s = 0; s < P && st == TMX_OK; s++) {
        st = tmx__dft_step(&d, t, s);
        for (int64_t q = 0; q < total && st == TMX_OK; q++) prod[q] *= hypot(d.X[q][0], d.X[q][1]);
    }
    double best = 0.0;
    for (int64_t q = 1; q < total; q++) best = fmax(best, prod[q]);
    *out = best;
    free(prod);
    tmx__dft_free(&d);
    return st;
}

/* Largest n for which the periodic rate is formed densely (P products of n × n, then an SVD). */
#define PERIODIC_DENSE_MAX_N 512

tmx_status tmx_rate_periodic(const tmx_topo *t, tmx_method m, tmx_seq_rate *out)
{
    memset(out, 0, sizeof *out);
    if (tmx_topo_kind_of(t) != TMX_TOPO_PERIODIC)
        return tmx__error(TMX_EINVAL, "%s is not periodic", tmx_topo_name(t));
    int64_t P = tmx_topo_period(t), n = tmx_topo_n(t);
    int circ = tmx__topo_is_circulant(t);
    if (m == TMX_METHOD_DFT && !circ)
        return tmx__error(TMX_EUNSUP, "--method tmx__dft needs a circulant topology; %s is not", tmx_topo_name(t));
    if (m == TMX_METHOD_AUTO) m = circ ? TMX_METHOD_DFT : n <= PERIODIC_DENSE_MAX_N ? TMX_METHOD_DENSE : TMX_METHOD_ITERATIVE;
    if ((unsigned)m > TMX_METHOD_ITERATIVE) return tmx__error(TMX_EINVAL, "rate: unknown method %d", (int)m);
    if (m == TMX_METHOD_DENSE) {
        tmx_status st = tmx__check_bytes((double)n * (double)n * 8.0, "the dense method");
        if (st != TMX_OK) return st;
    }
    double worst = 0.0;
    tmx_status st = TMX_OK;
    if (m == TMX_METHOD_DFT) {
        st = periodic_dft(t, &worst);
    } else {
        for (int64_t k = 0; k < P && st == TMX_OK; k++) {
            double v = 0.0;
            st = phase_norm(t, k, m, &v);
            worst = fmax(worst, v);
        }
    }
    if (st != TMX_OK) return st;
    out->period = P;
    out->period_rate = worst;
    out->step_rate = pow(worst, 1.0 / (double)P);
    out->method = m;
    return TMX_OK;
}

/* ---- random sequences ------------------------------------------------------------------------ */

/* λ_max of the symmetric PSD matrix E − J where E is given densely (overwritten). */
static tmx_status lambda_max_minus_J(tmx_mat *E, double *out)
{
    double j = 1.0 / (double)E->rows;
    for (size_t q = 0; q < E->rows * E->cols; q++) E->data[q] -= j;
    return tmx__dense_sym_maxabs(E, out); /* PSD: the largest |λ| is λ_max */
}

/* E += w · WᵀW (dense, column-major; W sparse). */
static void add_wtw(tmx_mat *E, const tmx_csr *W, double w)
{
    /* (WᵀW)_{ab} = Σ_i w_ia w_ib: for every row i, all pairs of its entries */
    for (int64_t i = 0; i < W->n; i++)
        for (int64_t e = W->rowptr[i]; e < W->rowptr[i + 1]; e++)
            for (int64_t f = W->rowptr[i]; f < W->rowptr[i + 1]; f++)
                E->data[(size_t)W->col[e] + (size_t)W->col[f] * E->ld] += w * W->val[e] * W->val[f];
}

/* equidyn's exact 1 − p: the shift a is uniform on 1..n−1 and, undirected, the matching's start s
 * uniform on 0..n−1. W(a, s) is W(a, 0) with node i renamed i + s, so the mean over s of
 * W(a, s)ᵀW(a, s) is the circulant with first row c_d = (1/n) Σ_i (W(a, 0)ᵀW(a, 0))_{i, i+d}
 * (directed W(a) is circulant already: the same c). E[WᵀW] is the circulant of the mean c over a,
 * symmetric, with eigenvalue 1 on the constant vector and the DFT of c on the others, so λ_max(E − J)
 * is the largest of those: O(n²) work and O(n) memory. */
static tmx_status equidyn_expected(const tmx_topo *t, double *one_minus_p)
{
    int64_t n = tmx_topo_n(t);
    tmx_status st = TMX_OK;
    tmx_csr W = {0};
    tmx__dft d = {0};
    int64_t *partner = malloc((size_t)n * sizeof *partner);
    if (!partner) return tmx__error(TMX_ENOMEM, "expected rate: out of memory");
    TMX_TRY(tmx__dft_init_shape(&d, 1, n));
    for (int64_t j = 0; j < n; j++) d.c[j] = 0.0;
    double scale = 1.0 / ((double)n * (double)(n - 1));
    for (int64_t a = 1; a < n; a++) {
        TMX_TRY(tmx__equidyn_matrix(t, a, 0, partner, &W));
        /* (WᵀW)_{jk} = Σ_i w_ij w_ik: each pair of entries of row i adds to offset k − j */
        for (int64_t i = 0; i < n; i++)
            for (int64_t e = W.rowptr[i]; e < W.rowptr[i + 1]; e++)
                for (int64_t f = W.rowptr[i]; f < W.rowptr[i + 1]; f++)
                    d.c[(W.col[f] - W.col[e] + n) % n] += scale * W.val[e] * W.val[f];
    }
    fftw_execute(d.plan);
    double best = 0.0; /* E is PSD: every eigenvalue ≥ 0 */
    for (int64_t m = 1; m < d.half; m++) best = fmax(best, d.X[m][0]);
    *one_minus_p = best;
cleanup:
    free(partner);
    tmx_csr_destroy(&W);
    tmx__dft_free(&d);
    return st;
}

/* Largest n for the expected rate (dense E[WᵀW]). */
#define RANDOM_MAX_N 2048

tmx_status tmx_rate_random(const tmx_topo *t, int64_t samples, tmx_random_rate *out)
{
    memset(out, 0, sizeof *out);
    if (tmx_topo_kind_of(t) != TMX_TOPO_RANDOM)
        return tmx__error(TMX_EINVAL, "%s is not a random time-varying topology", tmx_topo_name(t));
    int64_t n = tmx_topo_n(t);
    const char *name = tmx_topo_name(t);
    /* matching's closed form (below) forms nothing: any n */
    int closed = strcmp(name, "matching") == 0 && tmx_topo_params_of(t)->weights != TMX_WEIGHTS_LAZY;
    if (n > RANDOM_MAX_N && !closed)
        return tmx__error(TMX_EUNSUP, "expected rate: n=%lld is above the dense limit %d", (long long)n, RANDOM_MAX_N);
    if (samples < 20) return tmx__error(TMX_EINVAL, "expected rate: need at least 20 samples, got %lld", (long long)samples);
    tmx_status st = TMX_OK;
    tmx_mat E = {0}, B = {0};
    tmx_csr W = {0};
    int equidyn = strcmp(name, "equidyn") == 0;
    if (!closed && !equidyn) TMX_TRY(tmx_mat_init(&E, (size_t)n, (size_t)n));
    if (equidyn) {
        TMX_TRY(equidyn_expected(t, &out->one_minus_p));
        out->exact = 1;
    } else if (closed) {
        /* exact by exchangeability: W is a projection (pairs average), so WᵀW = W, and E[W] has
         * q = P(i~j)/2 off the diagonal with P(i~j) = 1/(n−1) for even n, 1/n for odd n (each node
         * is matched with probability (n−1)/n, to a uniform partner). On 1⊥, E[W] − J has the
         * single eigenvalue 1 − nq. */
        double q = n < 2 ? 0.0 : (n % 2 == 0) ? 0.5 / (double)(n - 1) : 0.5 / (double)n;
        out->one_minus_p = n < 2 ? 0.0 : 1.0 - (double)n * q;
        out->exact = 1;
    } else {
        /* Monte Carlo over steps 0..samples−1, with 10 batch means for the standard error */
        enum { BATCHES = 10 };
        double batch[BATCHES], sum = 0.0;
        int64_t per = samples / BATCHES;
        for (int b = 0; b < BATCHES; b++) {
            TMX_TRY(tmx_mat_init(&B, (size_t)n, (size_t)n));
            for (int64_t s = 0; s < per; s++) {
                TMX_TRY(tmx_topo_weights(t, b * per + s, &W));
                add_wtw(&B, &W, 1.0 / (double)per);
            }
            for (size_t q = 0; q < (size_t)(n * n); q++) E.data[q] += B.data[q] / BATCHES;
            TMX_TRY(lambda_max_minus_J(&B, &batch[b]));
            tmx_mat_destroy(&B);
            sum += batch[b];
        }
        double mean = sum / BATCHES, var = 0.0;
        for (int b = 0; b < BATCHES; b++) var += (batch[b] - mean) * (batch[b] - mean);
        out->stderr_p = sqrt(var / (BATCHES - 1) / BATCHES);
        TMX_TRY(lambda_max_minus_J(&E, &out->one_minus_p));
        samples = per * BATCHES;
    }
    out->p = 1.0 - out->one_minus_p;
    out->samples = out->exact ? 0 : samples;
cleanup:
    tmx_mat_destroy(&E);
    tmx_mat_destroy(&B);
    tmx_csr_destroy(&W);
    return st;
}
