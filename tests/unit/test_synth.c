/* Unit tests: the synthetic data's counter-based generator (data/synth.c): the same bytes on any
 * number of threads and for any split of the rows, and the normal draws' distribution. The
 * dataset's own properties (planted model, shard means, labels) are tested in test_data.c. */
#include "internal.h"

#include "data/data_internal.h"

#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <topomix/data.h>
#include <topomix/error.h>

#ifdef _OPENMP
#include <omp.h>
#endif

static void synth(const tmx_synth_params *p, tmx_dataset *D)
{
    cr_assert(eq(int, tmx_data_synth(p, D), TMX_OK), "%s", tmx_last_error());
    cr_assert(eq(i64, D->m, p->shards * p->per_shard));
}

static int same_data(const tmx_dataset *a, const tmx_dataset *b)
{
    return a->m == b->m && a->d == b->d && memcmp(a->A, b->A, (size_t)(a->m * a->d) * sizeof(double)) == 0 &&
           memcmp(a->y, b->y, (size_t)a->m * sizeof(double)) == 0;
}

/* Shards of an odd size, so that the threads' blocks of rows start and end inside shards; hetero
 * > 0, so that each block computes its shards' means itself; and large enough (m·(d + 1) ≥ 65536)
 * for tmx_data_synth to start a team of threads. */
static void odd_params(tmx_synth_params *p, int mode)
{
    tmx_synth_params_init(p);
    p->shards = 5, p->per_shard = 3001, p->d = 37, p->hetero = 1.5, p->seed = 42, p->noise = 0.3;
    p->mode = (tmx_label_mode)mode;
    p->nclass = mode == TMX_LABELS_CLASSES ? 3 : 0;
}

Test(synth_gen, the_data_are_the_same_bytes_on_1_2_3_and_7_threads)
{
#ifndef _OPENMP
    cr_skip_test("built without OpenMP: one thread only");
#else
    const int counts[] = {2, 3, 7};
    int saved = omp_get_max_threads();
    for (int mode = 0; mode < 3; mode++) {
        tmx_synth_params p;
        odd_params(&p, mode);
        tmx_dataset one = {0};
        omp_set_num_threads(1);
        synth(&p, &one);
        for (size_t k = 0; k < sizeof counts / sizeof *counts; k++) {
            omp_set_num_threads(counts[k]);
            cr_assert(eq(int, omp_get_max_threads(), counts[k]));
            tmx_dataset many = {0};
            synth(&p, &many);
            cr_expect(same_data(&one, &many), "mode %d: %d threads differ from one", mode, counts[k]);
            tmx_dataset_destroy(&many);
        }
        tmx_dataset_destroy(&one);
    }
    omp_set_num_threads(saved);
#endif
}

Test(synth_gen, any_split_of_the_rows_gives_the_same_bytes)
{
    /* tmx__synth_rows over [0, m) in chunks that cut shards anywhere (single rows, a chunk across a
     * shard boundary, the rest), each chunk with a scratch μ full of NaN: every row must come out as
     * tmx_data_synth makes it, whatever ran before it. */
    for (int mode = 0; mode < 3; mode++) {
        tmx_synth_params p;
        odd_params(&p, mode);
        tmx_dataset ref = {0};
        synth(&p, &ref);
        const int64_t m = ref.m, d = p.d, nmodel = mode == TMX_LABELS_CLASSES ? p.nclass : 1;
        double *A = malloc((size_t)(m * d) * sizeof *A), *y = malloc((size_t)m * sizeof *y);
        double *X = malloc((size_t)(nmodel * d) * sizeof *X), *mu = malloc((size_t)d * sizeof *mu);
        cr_assert(A && y && X && mu);
        tmx__zig Z;
        tmx__zig_init(&Z);
        tmx__synth_model(&p, &Z, X);
        const int64_t cuts[] = {0, 1, 2, 2999, 3002, 3003, 7777, 9003, 9004, 15004, 15005};
        for (size_t k = 0; k + 1 < sizeof cuts / sizeof *cuts; k++) {
            for (int64_t j = 0; j < d; j++) mu[j] = NAN;
            tmx__synth_rows(&p, &Z, X, cuts[k], cuts[k + 1], A, y, mu);
        }
        cr_assert(eq(i64, cuts[sizeof cuts / sizeof *cuts - 1], m));
        cr_expect(eq(int, memcmp(A, ref.A, (size_t)(m * d) * sizeof *A), 0), "mode %d: features", mode);
        cr_expect(eq(int, memcmp(y, ref.y, (size_t)m * sizeof *y), 0), "mode %d: labels", mode);
        /* and backwards, row by row */
        memset(A, 0, (size_t)(m * d) * sizeof *A);
        for (int64_t i = m - 1; i >= 0; i -= 997) tmx__synth_rows(&p, &Z, X, i, i + 1, A, y, mu);
        for (int64_t i = m - 1; i >= 0; i -= 997)
            cr_assert(eq(int, memcmp(A + i * d, ref.A + i * d, (size_t)d * sizeof *A), 0), "row %lld", (long long)i);
        free(A), free(y), free(X), free(mu);
        tmx_dataset_destroy(&ref);
    }
}

/* N draws of one stream, sorted or not. */
enum { NDRAW = 1 << 22 };

static double *draws(uint64_t key)
{
    tmx__zig Z;
    tmx__zig_init(&Z);
    double *z = malloc((size_t)NDRAW * sizeof *z);
    cr_assert(z != NULL);
    for (int64_t e = 0; e < NDRAW; e++) z[e] = tmx__zig_normal(&Z, key, (uint64_t)e);
    return z;
}

Test(synth_gen, the_ziggurat_has_the_moments_of_n01)
{
    /* For z ~ N(0, 1): E z = 0, E z² = 1, E z³ = 0, E z⁴ = 3, with variances 1, 2, 15 and 96 of
     * z, z², z³, z⁴ (the moments 2, 4, 6 and 8 are 1, 3, 15, 105). Sample means of N = 2^22 draws
     * must lie within 5 standard errors √(var/N): a false alarm has probability < 6e-7 per
     * moment for a random key, and the key is fixed. A wrong layer table, a biased uniform or a
     * one-sided tail moves these by far more: a missing tail alone (|z| > R, mass 2.6e-4) lowers
     * E z⁴ by 0.061, 12.7 standard errors; the tail's frequency is checked on its own below. */
    double *z = draws(0x5eed);
    double s1 = 0, s2 = 0, s3 = 0, s4 = 0;
    int64_t tail = 0;
    const double R = 3.6541528853610088; /* where the ziggurat's tail starts */
    for (int64_t e = 0; e < NDRAW; e++) {
        double x = z[e], x2 = x * x;
        s1 += x, s2 += x2, s3 += x2 * x, s4 += x2 * x2;
        tail += fabs(x) > R;
    }
    const double N = NDRAW;
    cr_expect(le(dbl, fabs(s1 / N), 5 * sqrt(1 / N)), "mean %g", s1 / N);
    cr_expect(le(dbl, fabs(s2 / N - 1), 5 * sqrt(2 / N)), "E z^2 = %g", s2 / N);
    cr_expect(le(dbl, fabs(s3 / N), 5 * sqrt(15 / N)), "E z^3 = %g", s3 / N);
    cr_expect(le(dbl, fabs(s4 / N - 3), 5 * sqrt(96 / N)), "E z^4 = %g", s4 / N);
    /* the tail |z| > R, drawn by its own method: a binomial count with p = erfc(R/√2) ≈ 2.58e-4,
     * expected about 1082, standard deviation √(Np(1 − p)) ≈ 33 */
    double p = erfc(R / M_SQRT2), mean = N * p, sd = sqrt(N * p * (1 - p));
    cr_expect(le(dbl, fabs((double)tail - mean), 5 * sd), "%lld draws beyond R, expected %.0f", (long long)tail, mean);
    free(z);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

Test(synth_gen, the_ziggurat_passes_kolmogorov_smirnov_against_phi)
{
    /* The empirical CDF of N = 2^22 draws against Φ: √N · sup|F_N − Φ| exceeds 1.95 with
     * probability 0.001 under the null (Kolmogorov's distribution). At this N the test sees any
     * error of the CDF above about 1e-3, e.g. one of the 256 layers (each 1/256 of the mass)
     * sampled a third too often or too seldom, or a wedge accepted without its test. */
    double *z = draws(0xfeed);
    qsort(z, NDRAW, sizeof *z, cmp_double);
    double D = 0;
    for (int64_t i = 0; i < NDRAW; i++) {
        double F = 0.5 * erfc(-z[i] / M_SQRT2);
        double lo = F - (double)i / NDRAW, hi = (double)(i + 1) / NDRAW - F;
        if (lo > D) D = lo;
        if (hi > D) D = hi;
    }
    cr_expect(lt(dbl, sqrt((double)NDRAW) * D, 1.95), "sqrt(N) D = %g", sqrt((double)NDRAW) * D);
    free(z);
}

Test(synth_gen, neighbouring_entries_of_the_data_are_uncorrelated)
{
    /* Entries of neighbouring rows and columns come from neighbouring counters: features with
     * hetero 0 are i.i.d. N(0, 1), so the sample correlation of K pairs has standard error 1/√K.
     * Pairs (i, j)–(i, j+1), (i, j)–(i+1, j) and the diagonal (i, j+1)–(i+1, j) (a stream that
     * repeated shifted by one row would show there) within 5/√K; and the entries' mean and
     * variance within 5 standard errors, as for the moments above. */
    tmx_synth_params p;
    tmx_synth_params_init(&p);
    p.shards = 3, p.per_shard = 2000, p.d = 50, p.seed = 9;
    tmx_dataset D = {0};
    synth(&p, &D);
    const int64_t m = D.m, d = D.d;
    double c_col = 0, c_row = 0, c_diag = 0, s1 = 0, s2 = 0;
    for (int64_t i = 0; i + 1 < m; i++)
        for (int64_t j = 0; j + 1 < d; j++) {
            const double *a = D.A + i * d + j;
            c_col += a[0] * a[1], c_row += a[0] * a[d], c_diag += a[1] * a[d];
        }
    for (int64_t k = 0; k < m * d; k++) s1 += D.A[k], s2 += D.A[k] * D.A[k];
    const double K = (double)(m - 1) * (double)(d - 1), N = (double)(m * d);
    cr_expect(le(dbl, fabs(c_col / K), 5 / sqrt(K)), "columns: %g", c_col / K);
    cr_expect(le(dbl, fabs(c_row / K), 5 / sqrt(K)), "rows: %g", c_row / K);
    cr_expect(le(dbl, fabs(c_diag / K), 5 / sqrt(K)), "diagonal: %g", c_diag / K);
    cr_expect(le(dbl, fabs(s1 / N), 5 / sqrt(N)), "mean %g", s1 / N);
    cr_expect(le(dbl, fabs(s2 / N - 1), 5 * sqrt(2 / N)), "variance %g", s2 / N);
    tmx_dataset_destroy(&D);
}

Test(synth_gen, a_draw_depends_on_its_key_and_counter_alone)
{
    /* counter-based: draw e of a key is the same whether or not other draws came before it */
    tmx__zig Z;
    tmx__zig_init(&Z);
    double late = tmx__zig_normal(&Z, 77, 123456);
    for (uint64_t e = 0; e < 1000; e++) (void)tmx__zig_normal(&Z, 77, e);
    cr_expect(eq(dbl, tmx__zig_normal(&Z, 77, 123456), late));
    cr_expect(not(eq(dbl, tmx__zig_normal(&Z, 78, 123456), late)), "another key, another draw");
    /* the table closes: the top layer ends at 0 and the recursion's last edge meets f = 1 */
    cr_expect(eq(dbl, Z.x[TMX__ZIG_LAYERS], 0.0));
    cr_expect(lt(dbl, Z.x[TMX__ZIG_LAYERS - 1], Z.x[TMX__ZIG_LAYERS - 2]));
}
