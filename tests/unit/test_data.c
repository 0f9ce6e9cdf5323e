/* Unit tests: datasets (data/libsvm.c, data/synth.c, data/partition.c). LIBSVM text goes through
 * in-memory streams (fmemopen / open_memstream); heart_scale is Debian's liblinear-tools example. */
#define _POSIX_C_SOURCE 200809L
#include "internal.h"

#include "data/data_internal.h"
#include "temp_file.h"

#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <fenv.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <topomix/data.h>
#include <topomix/error.h>

#define HEART_SCALE "/usr/share/doc/liblinear-tools/examples/heart_scale"

/* ---- helpers ------------------------------------------------------------------------------ */

/* Reads LIBSVM text through an in-memory stream. */
static tmx_status read_text(const char *text, int64_t dim, tmx_label_mode mode, tmx_dataset *D)
{
    size_t len = strlen(text);
    /* fmemopen of a zero-length buffer is an error in older glibc: use a temporary file. */
    FILE *f = len ? fmemopen((void *)text, len, "r") : tmpfile();
    cr_assert(not(eq(ptr, f, NULL)), "cannot open an in-memory stream");
    tmx_status st = tmx_libsvm_read(f, dim, mode, D);
    fclose(f);
    return st;
}

/* The read fails with `want`, the message contains `part`, and D is left empty. */
static void expect_failure(const char *text, int64_t dim, tmx_status want, const char *part)
{
    tmx_dataset D = {0};
    tmx_clear_error();
    tmx_status st = read_text(text, dim, TMX_LABELS_RAW, &D);
    cr_expect(eq(int, st, want), "input %s: got %s (%s), want %s", text, tmx_errname(st), tmx_last_error(),
              tmx_errname(want));
    cr_expect(not(eq(ptr, strstr(tmx_last_error(), part), NULL)), "input %s: message '%s' lacks '%s'", text,
              tmx_last_error(), part);
    cr_expect(eq(ptr, D.A, NULL));
    cr_expect(eq(ptr, D.y, NULL));
    cr_expect(eq(i64, D.m, 0));
    tmx_dataset_destroy(&D);
}

static uint64_t rng_state;

static uint64_t rng_next(void) /* splitmix64: deterministic, independent of the library */
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* A value that needs all 17 significant digits, at varied scales (subnormal, tiny, huge). */
static double rng_value(void)
{
    double v = (double)((rng_next() >> 11) | 1) * 0x1p-53;
    switch (rng_next() % 8) {
    case 0: v *= 0x1p-1040; break;
    case 1: v *= 1e300; break;
    case 2: v *= 1e-300; break;
    default: break;
    }
    return rng_next() & 1 ? -v : v;
}

/* A dataset with m labels y (copied) and a 1-column A of zeros: enough for partitions. */
static void labels_dataset(tmx_dataset *D, int64_t m, const double *y, int64_t nclass)
{
    D->m = m;
    D->d = 1;
    D->A = calloc((size_t)m, sizeof *D->A);
    D->y = malloc((size_t)m * sizeof *D->y);
    cr_assert(D->A && D->y);
    memcpy(D->y, y, (size_t)m * sizeof *D->y);
    D->nclass = nclass;
}

/* P is a partition of 0..m−1 into n non-empty shards. */
static void check_partition(const tmx_partition *P, int64_t n, int64_t m)
{
    cr_assert(eq(i64, P->n, n));
    cr_assert(eq(i64, P->m, m));
    cr_assert(eq(i64, P->start[0], 0));
    cr_assert(eq(i64, P->start[n], m));
    for (int64_t k = 0; k < n; k++)
        cr_assert(lt(i64, P->start[k], P->start[k + 1]), "shard %lld empty", (long long)k);
    char *seen = calloc((size_t)m, 1);
    cr_assert(seen != NULL);
    for (int64_t i = 0; i < m; i++) {
        cr_assert(ge(i64, P->order[i], 0));
        cr_assert(lt(i64, P->order[i], m));
        cr_assert(eq(int, seen[P->order[i]], 0), "sample %lld appears twice", (long long)P->order[i]);
        seen[P->order[i]] = 1;
    }
    free(seen);
}

/* ---- LIBSVM reading ----------------------------------------------------------------------- */

Test(libsvm, reads_a_well_formed_file_into_a_dense_row_major_matrix)
{
    tmx_dataset D = {0};
    cr_assert(eq(int, read_text("+1 1:0.5 3:-2\n-1 2:4\n", 0, TMX_LABELS_BINARY, &D), TMX_OK), "%s",
              tmx_last_error());
    cr_assert(eq(i64, D.m, 2));
    cr_assert(eq(i64, D.d, 3));
    cr_assert(eq(i64, D.nclass, 2));
    const double A[] = {0.5, 0.0, -2.0, 0.0, 4.0, 0.0}, y[] = {1.0, -1.0};
    for (int k = 0; k < 6; k++) cr_expect(eq(dbl, D.A[k], A[k]), "A[%d]", k);
    for (int k = 0; k < 2; k++) cr_expect(eq(dbl, D.y[k], y[k]), "y[%d]", k);
    tmx_dataset_destroy(&D);
    cr_assert(eq(ptr, D.A, NULL));
    tmx_dataset_destroy(&D); /* twice is harmless */
    tmx_dataset_destroy(NULL);
}

Test(libsvm, skips_blank_lines_and_comments_and_accepts_crlf)
{
    tmx_dataset D = {0};
    const char *text = "# a header comment\r\n"
                       "\r\n"
                       "1 1:1.5 # trailing comment\r\n"
                       "   \t \n"
                       "-1\t2:2.5   \r\n"
                       "1 # a sample with no features\n"
                       "#\n";
    cr_assert(eq(int, read_text(text, 0, TMX_LABELS_RAW, &D), TMX_OK), "%s", tmx_last_error());
    cr_assert(eq(i64, D.m, 3));
    cr_assert(eq(i64, D.d, 2));
    cr_expect(eq(dbl, D.A[0], 1.5));
    cr_expect(eq(dbl, D.A[3], 2.5));
    cr_expect(eq(dbl, D.A[4], 0.0));
    cr_expect(eq(dbl, D.y[1], -1.0));
    tmx_dataset_destroy(&D);
}

Test(libsvm, rejects_index_zero_naming_the_line)
{
    expect_failure("1 1:1\n\n# comment\n1 0:1\n", 0, TMX_EPARSE, "line 4: index 0 (indices are 1-based)");
}

Test(libsvm, rejects_a_negative_index)
{
    expect_failure("1 -3:1\n", 0, TMX_EPARSE, "line 1: negative index -3");
}

Test(libsvm, rejects_malformed_indices)
{
    expect_failure("1 1.5:1\n", 0, TMX_EPARSE, "index '1.5'");
    expect_failure("1 a:1\n", 0, TMX_EPARSE, "index 'a'");
    expect_failure("1 :1\n", 0, TMX_EPARSE, "line 1");
    expect_failure("1 +2:1\n", 0, TMX_EPARSE, "index '+2'");
    expect_failure("1 99999999999999999999:1\n", 0, TMX_EPARSE, "out of range");
}

Test(libsvm, rejects_non_increasing_indices)
{
    expect_failure("1 1:1 3:1 2:1\n", 0, TMX_EPARSE, "line 1: index 2 after 3");
    expect_failure("1 1:1\n-1 2:1 2:5\n", 0, TMX_EPARSE, "line 2: index 2 after 2");
}

Test(libsvm, rejects_non_numeric_labels_and_values)
{
    expect_failure("abc 1:1\n", 0, TMX_EPARSE, "line 1: label 'abc'");
    expect_failure("1e 1:1\n", 0, TMX_EPARSE, "label '1e'");
    expect_failure("1 1:1\n1 1:3abc\n", 0, TMX_EPARSE, "line 2: value '3abc'");
    expect_failure("1 1:1e\n", 0, TMX_EPARSE, "value '1e'");
    expect_failure("1 1:\n", 0, TMX_EPARSE, "value ''");
    expect_failure("1 1: 2\n", 0, TMX_EPARSE, "line 1");
    expect_failure("1 1:1:2\n", 0, TMX_EPARSE, "value '1:2'");
}

Test(libsvm, rejects_nan_and_infinite_numbers)
{
    expect_failure("1 1:nan\n", 0, TMX_EPARSE, "not a finite number");
    expect_failure("1 1:-inf\n", 0, TMX_EPARSE, "not a finite number");
    expect_failure("1 1:1e999\n", 0, TMX_EPARSE, "not a finite number");
    expect_failure("NaN 1:1\n", 0, TMX_EPARSE, "label 'NaN'");
    expect_failure("inf 1:1\n", 0, TMX_EPARSE, "label 'inf'");
}

Test(libsvm, rejects_a_token_without_colon)
{
    expect_failure("1 1:1 7\n", 0, TMX_EPARSE, "line 1: missing ':' in '7'");
}

Test(libsvm, rejects_svmlight_qid_tokens_as_unsupported)
{
    expect_failure("1 qid:3 1:1\n", 0, TMX_EUNSUP, "line 1: SVMlight 'qid:'");
}

Test(libsvm, refuses_a_single_huge_index_with_enomem_before_allocating, .timeout = 5.0)
{
    /* 8 TB of doubles: refused by the memory check, fast, and without touching that memory. */
    expect_failure("1 1000000000000:1\n", 0, TMX_ENOMEM, "1 x 1000000000000");
    expect_failure("1 9223372036854775807:1\n", 0, TMX_ENOMEM, "libsvm");
}

Test(libsvm, rejects_a_file_without_samples)
{
    expect_failure("", 0, TMX_EPARSE, "no samples");
    expect_failure("# only a comment\n\n  \r\n", 0, TMX_EPARSE, "no samples");
    expect_failure("1\n-1\n", 0, TMX_EPARSE, "no feature");
}

Test(libsvm, dim_fixes_d_and_an_index_above_it_is_an_error)
{
    tmx_dataset D = {0};
    cr_assert(eq(int, read_text("1 2:1\n-1\n", 5, TMX_LABELS_BINARY, &D), TMX_OK), "%s", tmx_last_error());
    cr_assert(eq(i64, D.d, 5));
    cr_assert(eq(i64, D.m, 2));
    cr_expect(eq(dbl, D.A[1], 1.0));
    cr_expect(eq(dbl, D.A[9], 0.0));
    tmx_dataset_destroy(&D);
    /* labels alone are fine once dim fixes d */
    cr_assert(eq(int, read_text("1\n-1\n", 3, TMX_LABELS_BINARY, &D), TMX_OK), "%s", tmx_last_error());
    cr_assert(eq(i64, D.d, 3));
    tmx_dataset_destroy(&D);
    expect_failure("1 1:1\n1 6:1\n", 5, TMX_EPARSE, "line 2: index 6 is above dim = 5");
}

Test(libsvm, rejects_invalid_arguments)
{
    tmx_dataset D = {0};
    cr_expect(eq(int, read_text("1 1:1\n", -1, TMX_LABELS_RAW, &D), TMX_EINVAL));
    cr_expect(eq(int, read_text("1 1:1\n", 0, (tmx_label_mode)7, &D), TMX_EINVAL));
    cr_expect(eq(int, tmx_libsvm_read(NULL, 0, TMX_LABELS_RAW, &D), TMX_EINVAL));
    cr_expect(eq(int, tmx_libsvm_read_file("/nonexistent/dir/file.svm", 0, TMX_LABELS_RAW, &D), TMX_EIO));
    cr_expect(not(eq(ptr, strstr(tmx_last_error(), "/nonexistent/dir/file.svm"), NULL)));
}

Test(libsvm, a_failed_read_frees_the_previous_content)
{
    tmx_dataset D = {0};
    cr_assert(eq(int, read_text("1 1:1\n", 0, TMX_LABELS_RAW, &D), TMX_OK));
    cr_assert(eq(int, read_text("1 0:1\n", 0, TMX_LABELS_RAW, &D), TMX_EPARSE));
    cr_expect(eq(ptr, D.A, NULL));
    cr_expect(eq(i64, D.m, 0)); /* the sanitizer build checks that nothing leaked */
}

Test(libsvm, class_labels_map_sorted_distinct_values_to_0_to_C_minus_1)
{
    tmx_dataset D = {0};
    cr_assert(eq(int, read_text("7 1:1\n-3 1:1\n2.5 1:1\n7 1:1\n-3 1:1\n", 0, TMX_LABELS_CLASSES, &D), TMX_OK));
    cr_assert(eq(i64, D.nclass, 3));
    const double want[] = {2, 0, 1, 2, 0};
    for (int i = 0; i < 5; i++) cr_expect(eq(dbl, D.y[i], want[i]), "sample %d", i);
    tmx_dataset_destroy(&D);
}

Test(libsvm, binary_labels_send_nonpositive_to_minus_one_and_raw_labels_are_kept)
{
    tmx_dataset D = {0};
    const char *text = "0 1:1\n2 1:1\n-5 1:1\n1 1:1\n0.25 1:1\n";
    cr_assert(eq(int, read_text(text, 0, TMX_LABELS_BINARY, &D), TMX_OK));
    cr_assert(eq(i64, D.nclass, 2));
    const double bin[] = {-1, 1, -1, 1, 1}, raw[] = {0, 2, -5, 1, 0.25};
    for (int i = 0; i < 5; i++) cr_expect(eq(dbl, D.y[i], bin[i]), "sample %d", i);
    cr_assert(eq(int, read_text(text, 0, TMX_LABELS_RAW, &D), TMX_OK));
    cr_assert(eq(i64, D.nclass, 0));
    for (int i = 0; i < 5; i++) cr_expect(eq(dbl, D.y[i], raw[i]), "sample %d", i);
    tmx_dataset_destroy(&D);
}

Test(libsvm, reads_debians_heart_scale)
{
    FILE *probe = fopen(HEART_SCALE, "r");
    if (!probe) cr_skip_test("%s is absent (install liblinear-tools)", HEART_SCALE);
    fclose(probe);
    tmx_dataset D = {0};
    cr_assert(eq(int, tmx_libsvm_read_file(HEART_SCALE, 0, TMX_LABELS_BINARY, &D), TMX_OK), "%s",
              tmx_last_error());
    cr_assert(eq(i64, D.m, 270));
    cr_assert(eq(i64, D.d, 13));
    cr_assert(eq(i64, D.nclass, 2));
    int pos = 0;
    for (int64_t i = 0; i < D.m; i++) pos += D.y[i] > 0;
    cr_expect(eq(int, pos, 120), "120 samples of class +1, 150 of class -1");
    /* first line: +1 1:0.708333 2:1 3:1 4:-0.320755 ... 10:-0.225806 12:1 13:-1 */
    cr_expect(eq(dbl, D.y[0], 1.0));
    cr_expect(eq(dbl, D.A[0], 0.708333));
    cr_expect(eq(dbl, D.A[3], -0.320755));
    cr_expect(eq(dbl, D.A[10], 0.0), "index 11 is absent on the first line");
    cr_expect(eq(dbl, D.A[12], -1.0));
    for (int64_t k = 0; k < D.m * D.d; k++)
        cr_assert(le(dbl, fabs(D.A[k]), 1.0), "heart_scale is scaled to [-1, 1]");
    tmx_dataset_destroy(&D);
}

/* ---- LIBSVM writing ----------------------------------------------------------------------- */

Test(libsvm, write_then_read_is_bitwise_exact)
{
    rng_state = 42;
    tmx_dataset D = {0}, R = {0};
    D.m = 40, D.d = 17, D.nclass = 0;
    D.A = malloc((size_t)(D.m * D.d) * sizeof *D.A);
    D.y = malloc((size_t)D.m * sizeof *D.y);
    cr_assert(D.A && D.y);
    for (int64_t k = 0; k < D.m * D.d; k++) D.A[k] = rng_next() % 3 == 0 ? 0.0 : rng_value();
    for (int64_t i = 0; i < D.m; i++) D.y[i] = rng_value();
    D.A[D.d - 1] = 1.0; /* the last feature is present, so d is read back */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert(not(eq(ptr, f, NULL)));
    cr_assert(eq(int, tmx_libsvm_write(f, &D), TMX_OK), "%s", tmx_last_error());
    fclose(f);
    cr_assert(eq(int, read_text(buf, 0, TMX_LABELS_RAW, &R), TMX_OK), "%s", tmx_last_error());
    cr_assert(eq(i64, R.m, D.m));
    cr_assert(eq(i64, R.d, D.d));
    cr_assert(eq(int, memcmp(R.A, D.A, (size_t)(D.m * D.d) * sizeof *D.A), 0));
    cr_assert(eq(int, memcmp(R.y, D.y, (size_t)D.m * sizeof *D.y), 0));
    free(buf);
    tmx_dataset_destroy(&D);
    tmx_dataset_destroy(&R);
}

Test(libsvm, write_omits_zeros_and_uses_one_based_indices)
{
    double A[] = {0.0, 2.5, 0.0, -1.0, 0.0, 0.0}, y[] = {1.0, -1.0};
    tmx_dataset D = {2, 3, A, y, 2};
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert(eq(int, tmx_libsvm_write(f, &D), TMX_OK));
    fclose(f);
    cr_expect(eq(str, buf, "1 2:2.5\n-1 1:-1\n"));
    free(buf);
}

Test(libsvm, write_refuses_non_finite_entries_and_reports_io_failure)
{
    double A[] = {1.0, NAN}, y[] = {1.0};
    tmx_dataset D = {1, 2, A, y, 0};
    FILE *f = tmpfile();
    cr_assert(not(eq(ptr, f, NULL)));
    cr_expect(eq(int, tmx_libsvm_write(f, &D), TMX_EINVAL));
    cr_expect(eq(long, ftell(f), 0L), "nothing written");
    A[1] = 2.0;
    y[0] = INFINITY;
    cr_expect(eq(int, tmx_libsvm_write(f, &D), TMX_EINVAL));
    fclose(f);
    y[0] = 1.0;
    f = fopen("/dev/full", "w");
    if (!f) cr_skip_test("/dev/full is absent");
    cr_expect(eq(int, tmx_libsvm_write(f, &D), TMX_EIO));
    fclose(f);
}

/* ---- synthetic data ------------------------------------------------------------------------ */

static void synth(const tmx_synth_params *p, tmx_dataset *D)
{
    cr_assert(eq(int, tmx_data_synth(p, D), TMX_OK), "%s", tmx_last_error());
    cr_assert(eq(i64, D->m, p->shards * p->per_shard));
    cr_assert(eq(i64, D->d, p->d));
}

static int same_data(const tmx_dataset *a, const tmx_dataset *b)
{
    return a->m == b->m && a->d == b->d && memcmp(a->A, b->A, (size_t)(a->m * a->d) * sizeof(double)) == 0 &&
           memcmp(a->y, b->y, (size_t)a->m * sizeof(double)) == 0;
}

Test(synth, params_init_sets_the_documented_defaults)
{
    tmx_synth_params p;
    memset(&p, 0xff, sizeof p);
    tmx_synth_params_init(&p);
    cr_expect(eq(i64, p.shards, 1));
    cr_expect(eq(i64, p.per_shard, 100));
    cr_expect(eq(i64, p.d, 10));
    cr_expect(eq(u64, p.seed, 1));
    cr_expect(eq(dbl, p.hetero, 0.0));
    cr_expect(eq(dbl, p.noise, 0.1));
    cr_expect(eq(int, p.mode, TMX_LABELS_BINARY));
    cr_expect(eq(i64, p.nclass, 0));
}

Test(synth, the_same_seed_gives_identical_bytes_and_another_seed_differs)
{
    tmx_synth_params p;
    tmx_synth_params_init(&p);
    p.shards = 3, p.per_shard = 50, p.d = 7, p.hetero = 1.5, p.seed = 99;
    for (int mode = 0; mode < 3; mode++) {
        p.mode = (tmx_label_mode)mode;
        p.nclass = mode == TMX_LABELS_CLASSES ? 3 : 0;
        tmx_dataset a = {0}, b = {0}, c = {0};
        synth(&p, &a);
        synth(&p, &b);
        cr_expect(same_data(&a, &b), "mode %d: same seed, same bytes", mode);
        p.seed = 100;
        synth(&p, &c);
        p.seed = 99;
        cr_expect(not(eq(int, memcmp(a.A, c.A, (size_t)(a.m * a.d) * sizeof(double)), 0)), "mode %d", mode);
        tmx_dataset_destroy(&a);
        tmx_dataset_destroy(&b);
        tmx_dataset_destroy(&c);
    }
}

Test(synth, a_shard_and_the_planted_model_do_not_depend_on_per_shard_or_shards)
{
    /* Streams are per purpose and per shard: with per_shard 10 → 25 and shards 2 → 3, the first 10
     * samples of shards 0 and 1 (features and regression labels, hence the planted model) are
     * unchanged. */
    tmx_synth_params p;
    tmx_synth_params_init(&p);
    p.mode = TMX_LABELS_RAW, p.shards = 2, p.per_shard = 10, p.d = 6, p.hetero = 2.0, p.seed = 5;
    tmx_dataset a = {0}, b = {0};
    synth(&p, &a);
    p.shards = 3, p.per_shard = 25;
    synth(&p, &b);
    for (int64_t s = 0; s < 2; s++)
        for (int64_t t = 0; t < 10; t++) {
            int64_t ia = s * 10 + t, ib = s * 25 + t;
            cr_assert(eq(int, memcmp(a.A + ia * 6, b.A + ib * 6, 6 * sizeof(double)), 0), "shard %lld sample %lld",
                      (long long)s, (long long)t);
            cr_assert(eq(int, memcmp(&a.y[ia], &b.y[ib], sizeof(double)), 0));
        }
    tmx_dataset_destroy(&a);
    tmx_dataset_destroy(&b);
}

Test(synth, hetero_moves_each_shards_feature_mean_to_its_mu_s)
{
    /* With one seed, hetero only adds μ_s = hetero·u_s to every feature vector of shard s (the
     * Gaussian draws are the same), so row differences recover μ_s; ‖μ_s‖ = hetero. Tolerance of
     * the recovery: (μ + g) − g differs from μ by at most one rounding of |μ + g| ≲ 10, i.e.
     * ≤ 2e-15; 1e-12 absolute is generous.
     * Then the statistical claim: a shard's sample mean of feature j is μ_s[j] + z/√N with
     * z ~ N(0, 1) exactly (features ~ N(μ_s, I)). We require |mean − μ_s[j]| ≤ 5/√N for all
     * 4 shards × 8 features = 32 coordinates: P(any |z| > 5) ≤ 32 · 5.7e-7 ≈ 2e-5 for a random
     * seed (and the seed is fixed, so the test is deterministic). The same bound holds around 0 for
     * hetero = 0, while for hetero = 3 the means sit at distance 3 from 0. */
    const int64_t S = 4, N = 4000, d = 8;
    const double het = 3.0, tol = 5.0 / sqrt((double)N);
    tmx_synth_params p;
    tmx_synth_params_init(&p);
    p.shards = S, p.per_shard = N, p.d = d, p.seed = 2024;
    tmx_dataset h0 = {0}, h1 = {0};
    p.hetero = 0.0;
    synth(&p, &h0);
    p.hetero = het;
    synth(&p, &h1);
    double *mu = calloc((size_t)d, sizeof *mu);
    cr_assert(mu != NULL);
    for (int64_t s = 0; s < S; s++) {
        for (int64_t j = 0; j < d; j++) mu[j] = h1.A[s * N * d + j] - h0.A[s * N * d + j];
        double norm = 0.0;
        for (int64_t j = 0; j < d; j++) norm += mu[j] * mu[j];
        cr_expect(epsilon_eq(dbl, sqrt(norm), het, 1e-12), "‖μ_%lld‖ = %.17g", (long long)s, sqrt(norm));
        for (int64_t i = s * N; i < (s + 1) * N; i++)
            for (int64_t j = 0; j < d; j++)
                cr_assert(epsilon_eq(dbl, h1.A[i * d + j] - h0.A[i * d + j], mu[j], 1e-12), "row %lld",
                          (long long)i);
        double dist0 = 0.0;
        for (int64_t j = 0; j < d; j++) {
            double m0 = 0.0, m1 = 0.0;
            for (int64_t i = s * N; i < (s + 1) * N; i++) m0 += h0.A[i * d + j], m1 += h1.A[i * d + j];
            m0 /= (double)N, m1 /= (double)N;
            cr_expect(le(dbl, fabs(m0), tol), "hetero 0: shard %lld feature %lld mean %g", (long long)s,
                      (long long)j, m0);
            cr_expect(le(dbl, fabs(m1 - mu[j]), tol), "hetero 3: shard %lld feature %lld mean %g vs μ %g",
                      (long long)s, (long long)j, m1, mu[j]);
            dist0 += m1 * m1;
        }
        cr_expect(gt(dbl, sqrt(dist0), het - 0.5), "hetero 3: shard %lld mean is far from 0", (long long)s);
    }
    /* Shards get different directions: the means of shards 0 and 1 differ. */
    cr_expect(not(eq(dbl, h1.A[0] - h0.A[0], h1.A[N * d] - h0.A[N * d])));
    free(mu);
    tmx_dataset_destroy(&h0);
    tmx_dataset_destroy(&h1);
}

Test(synth, binary_labels_are_plus_minus_one_and_balanced)
{
    /* a ~ N(0, I) is symmetric, so P(aᵀx* + noise·ε ≥ 0) = 1/2: the fraction of +1 among m = 20000
     * has standard error √(1/4m) ≈ 0.0035; we allow 5 standard errors. */
    tmx_synth_params p;
    tmx_synth_params_init(&p);
    p.shards = 4, p.per_shard = 5000, p.seed = 7;
    tmx_dataset D = {0};
    synth(&p, &D);
    cr_assert(eq(i64, D.nclass, 2));
    int64_t pos = 0;
    for (int64_t i = 0; i < D.m; i++) {
        cr_assert(D.y[i] == 1.0 || D.y[i] == -1.0, "label %g", D.y[i]);
        pos += D.y[i] > 0;
    }
    double frac = (double)pos / (double)D.m, se = sqrt(0.25 / (double)D.m);
    cr_expect(le(dbl, fabs(frac - 0.5), 5 * se), "fraction of +1: %g", frac);
    tmx_dataset_destroy(&D);
}

Test(synth, binary_labels_are_the_sign_of_regression_labels_and_noise_has_its_scale)
{
    /* Same seed, same draws: binary y = sign(regression y), ties → +1. With noise σ against
     * noise 0 the regression labels differ by σ·ε, ε ~ N(0, 1): the sample variance of the
     * differences over m = 10000 has relative standard error √(2/m) ≈ 1.4%; we allow 10%. */
    tmx_synth_params p;
    tmx_synth_params_init(&p);
    p.shards = 2, p.per_shard = 5000, p.seed = 11, p.hetero = 1.0, p.noise = 0.5;
    tmx_dataset bin = {0}, reg = {0}, clean = {0};
    p.mode = TMX_LABELS_BINARY;
    synth(&p, &bin);
    p.mode = TMX_LABELS_RAW;
    synth(&p, &reg);
    cr_assert(eq(i64, reg.nclass, 0));
    p.noise = 0.0;
    synth(&p, &clean);
    cr_assert(eq(int, memcmp(reg.A, clean.A, (size_t)(reg.m * reg.d) * sizeof(double)), 0));
    double ss = 0.0;
    for (int64_t i = 0; i < reg.m; i++) {
        cr_assert(eq(dbl, bin.y[i], reg.y[i] >= 0.0 ? 1.0 : -1.0), "sample %lld", (long long)i);
        double e = reg.y[i] - clean.y[i];
        ss += e * e;
    }
    double var = ss / (double)reg.m;
    cr_expect(epsilon_eq(dbl, var / 0.25, 1.0, 0.1), "noise variance %g, want 0.25", var);
    tmx_dataset_destroy(&bin);
    tmx_dataset_destroy(&reg);
    tmx_dataset_destroy(&clean);
}

Test(synth, class_labels_use_every_class)
{
    tmx_synth_params p;
    tmx_synth_params_init(&p);
    p.mode = TMX_LABELS_CLASSES, p.nclass = 4, p.shards = 2, p.per_shard = 2000, p.seed = 3;
    tmx_dataset D = {0};
    synth(&p, &D);
    cr_assert(eq(i64, D.nclass, 4));
    int64_t count[4] = {0};
    for (int64_t i = 0; i < D.m; i++) {
        double y = D.y[i];
        cr_assert(y == 0.0 || y == 1.0 || y == 2.0 || y == 3.0, "label %g", y);
        count[(int)y]++;
    }
    /* argmax over 4 random directions: each class holds a sizeable share (not exactly 1/4, since
     * the planted class vectors have different norms). */
    for (int c = 0; c < 4; c++)
        cr_expect(gt(i64, count[c], D.m / 20), "class %d: %lld samples", c, (long long)count[c]);
    tmx_dataset_destroy(&D);
}

Test(synth, invalid_parameters_are_einval_and_huge_sizes_enomem)
{
    tmx_synth_params p, q;
    tmx_dataset D = {0};
    tmx_synth_params_init(&p);
    q = p, q.shards = 0;
    cr_expect(eq(int, tmx_data_synth(&q, &D), TMX_EINVAL));
    q = p, q.per_shard = 0;
    cr_expect(eq(int, tmx_data_synth(&q, &D), TMX_EINVAL));
    q = p, q.d = 0;
    cr_expect(eq(int, tmx_data_synth(&q, &D), TMX_EINVAL));
    q = p, q.hetero = -1.0;
    cr_expect(eq(int, tmx_data_synth(&q, &D), TMX_EINVAL));
    q = p, q.hetero = NAN;
    cr_expect(eq(int, tmx_data_synth(&q, &D), TMX_EINVAL));
    q = p, q.noise = INFINITY;
    cr_expect(eq(int, tmx_data_synth(&q, &D), TMX_EINVAL));
    q = p, q.mode = TMX_LABELS_CLASSES, q.nclass = 1;
    cr_expect(eq(int, tmx_data_synth(&q, &D), TMX_EINVAL));
    cr_expect(not(eq(ptr, strstr(tmx_last_error(), "nclass"), NULL)), "%s", tmx_last_error());
    q = p, q.mode = (tmx_label_mode)9;
    cr_expect(eq(int, tmx_data_synth(&q, &D), TMX_EINVAL));
    cr_expect(eq(int, tmx_data_synth(NULL, &D), TMX_EINVAL));
    cr_expect(eq(int, tmx_data_synth(&p, NULL), TMX_EINVAL));
    q = p, q.shards = 1000000000, q.per_shard = 1000000000, q.d = 1000000;
    cr_expect(eq(int, tmx_data_synth(&q, &D), TMX_ENOMEM));
    q = p, q.shards = INT64_MAX, q.per_shard = INT64_MAX;
    cr_expect(eq(int, tmx_data_synth(&q, &D), TMX_ENOMEM));
    cr_expect(eq(ptr, D.A, NULL));
}

/* ---- partitions --------------------------------------------------------------------------- */

Test(partition, parse_accepts_the_three_kinds)
{
    tmx_partition_kind k = TMX_PART_SHUFFLE;
    double a = 9.0;
    cr_assert(eq(int, tmx_partition_parse("contiguous", &k, &a), TMX_OK));
    cr_expect(eq(int, k, TMX_PART_CONTIGUOUS));
    cr_assert(eq(int, tmx_partition_parse("shuffle", &k, &a), TMX_OK));
    cr_expect(eq(int, k, TMX_PART_SHUFFLE));
    cr_assert(eq(int, tmx_partition_parse("label-skew:0.5", &k, &a), TMX_OK));
    cr_expect(eq(int, k, TMX_PART_LABEL_SKEW));
    cr_expect(eq(dbl, a, 0.5));
    cr_assert(eq(int, tmx_partition_parse("label-skew:1e3", &k, &a), TMX_OK));
    cr_expect(eq(dbl, a, 1000.0));
}

Test(partition, parse_rejects_malformed_strings)
{
    const char *bad[] = {"bogus", "", "label-skew:abc", "label-skew:-1", "label-skew:0", "label-skew",
                         "label-skew:", "label-skew:1x", "label-skew:nan", "label-skew:inf", "Shuffle",
                         "contiguous ", "label-skewed:1", "label-skew: 1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tmx_partition_kind k;
        double a;
        tmx_clear_error();
        cr_expect(eq(int, tmx_partition_parse(bad[i], &k, &a), TMX_EINVAL), "'%s'", bad[i]);
        cr_expect(ne(str, (char *)tmx_last_error(), ""), "'%s' has a message", bad[i]);
    }
}

Test(partition, contiguous_offsets_are_exactly_floor_i_m_over_n)
{
    const int64_t ms[] = {1, 7, 10, 100, 1001}, ns[] = {1, 2, 3, 7, 64};
    for (size_t a = 0; a < 5; a++)
        for (size_t b = 0; b < 5; b++) {
            int64_t m = ms[a], n = ns[b];
            if (n > m) continue;
            double *y = calloc((size_t)m, sizeof *y);
            tmx_dataset D = {0};
            labels_dataset(&D, m, y, 0);
            tmx_partition P = {0};
            cr_assert(eq(int, tmx_partition_make(&D, n, TMX_PART_CONTIGUOUS, 0.0, 1, &P), TMX_OK), "%s",
                      tmx_last_error());
            check_partition(&P, n, m);
            for (int64_t i = 0; i <= n; i++)
                cr_assert(eq(i64, P.start[i], i * m / n), "m=%lld n=%lld i=%lld", (long long)m, (long long)n,
                          (long long)i);
            for (int64_t i = 0; i < m; i++) cr_assert(eq(i64, P.order[i], i));
            tmx_partition_destroy(&P);
            tmx_partition_destroy(&P);
            tmx_dataset_destroy(&D);
            free(y);
        }
    tmx_partition_destroy(NULL);
}

Test(partition, shuffle_is_a_reproducible_permutation)
{
    const int64_t m = 1000, n = 7;
    double *y = calloc((size_t)m, sizeof *y);
    tmx_dataset D = {0};
    labels_dataset(&D, m, y, 0);
    tmx_partition P = {0}, Q = {0}, R = {0};
    cr_assert(eq(int, tmx_partition_make(&D, n, TMX_PART_SHUFFLE, 0.0, 17, &P), TMX_OK));
    cr_assert(eq(int, tmx_partition_make(&D, n, TMX_PART_SHUFFLE, 0.0, 17, &Q), TMX_OK));
    cr_assert(eq(int, tmx_partition_make(&D, n, TMX_PART_SHUFFLE, 0.0, 18, &R), TMX_OK));
    check_partition(&P, n, m);
    check_partition(&R, n, m);
    for (int64_t i = 0; i <= n; i++) cr_assert(eq(i64, P.start[i], i * m / n));
    cr_expect(eq(int, memcmp(P.order, Q.order, (size_t)m * sizeof *P.order), 0), "same seed, same order");
    cr_expect(not(eq(int, memcmp(P.order, R.order, (size_t)m * sizeof *P.order), 0)), "another seed");
    int64_t fixed = 0;
    for (int64_t i = 0; i < m; i++) fixed += P.order[i] == i;
    cr_expect(lt(i64, fixed, 10), "a uniform permutation has ~1 fixed point, got %lld", (long long)fixed);
    tmx_partition_destroy(&P);
    tmx_partition_destroy(&Q);
    tmx_partition_destroy(&R);
    tmx_dataset_destroy(&D);
    free(y);
}

/* m = C·per samples with labels i mod C (so the file order interleaves the classes). */
static void class_dataset(tmx_dataset *D, int64_t C, int64_t per)
{
    int64_t m = C * per;
    double *y = malloc((size_t)m * sizeof *y);
    cr_assert(y != NULL);
    for (int64_t i = 0; i < m; i++) y[i] = (double)(i % C);
    labels_dataset(D, m, y, C);
    free(y);
}

/* Mean over shards of the largest class share in the shard. */
static double mean_dominant_share(const tmx_dataset *D, const tmx_partition *P)
{
    int64_t C = D->nclass;
    int64_t *count = calloc((size_t)C, sizeof *count);
    cr_assert(count != NULL);
    double sum = 0.0;
    for (int64_t k = 0; k < P->n; k++) {
        memset(count, 0, (size_t)C * sizeof *count);
        int64_t best = 0;
        for (int64_t t = P->start[k]; t < P->start[k + 1]; t++) {
            int64_t c = (int64_t)D->y[P->order[t]];
            if (++count[c] > best) best = count[c];
        }
        sum += (double)best / (double)(P->start[k + 1] - P->start[k]);
    }
    free(count);
    return sum / (double)P->n;
}

Test(partition, label_skew_with_small_alpha_gives_shards_dominated_by_one_class)
{
    /* 4 balanced classes of 1000 over 8 shards. α = 0.1: each class lands mostly on one or two
     * shards, so most shards have a majority class (a uniform split gives shares ≈ 1/4). Seed 1
     * gives a partition whose Dirichlet cuts left no shard empty (so the repair of empty shards
     * did not touch it); over seeds 1..10 such partitions had ≥ 7 of 8 shards with a majority
     * class.
     * α = 1000: the proportions are 1/8 ± 0.004, so every class share is ≈ 1/4 and every shard
     * holds ≈ 500 samples (± 8 for one standard deviation; we allow ± 50). */
    tmx_dataset D = {0};
    class_dataset(&D, 4, 1000);
    tmx_partition P = {0};
    cr_assert(eq(int, tmx_partition_make(&D, 8, TMX_PART_LABEL_SKEW, 0.1, 1, &P), TMX_OK), "%s", tmx_last_error());
    check_partition(&P, 8, D.m);
    double skewed = mean_dominant_share(&D, &P);
    int dominated = 0;
    for (int64_t k = 0; k < 8; k++) {
        int64_t count[4] = {0}, best = 0;
        for (int64_t t = P.start[k]; t < P.start[k + 1]; t++) {
            int64_t c = (int64_t)D.y[P.order[t]];
            if (++count[c] > best) best = count[c];
        }
        dominated += 2 * best > P.start[k + 1] - P.start[k];
    }
    cr_expect(gt(dbl, skewed, 0.7), "alpha 0.1: mean dominant share %g", skewed);
    cr_expect(ge(int, dominated, 6), "alpha 0.1: %d of 8 shards have a majority class", dominated);
    cr_assert(eq(int, tmx_partition_make(&D, 8, TMX_PART_LABEL_SKEW, 1000.0, 1, &P), TMX_OK), "%s",
              tmx_last_error());
    check_partition(&P, 8, D.m);
    double uniform = mean_dominant_share(&D, &P);
    cr_expect(lt(dbl, uniform, 0.32), "alpha 1000: mean dominant share %g", uniform);
    for (int64_t k = 0; k < 8; k++) {
        int64_t size = P.start[k + 1] - P.start[k];
        cr_expect(epsilon_eq(dbl, (double)size, 500.0, 50.0), "alpha 1000: shard %lld has %lld", (long long)k,
                  (long long)size);
    }
    tmx_partition_destroy(&P);
    tmx_dataset_destroy(&D);
}

Test(partition, label_skew_is_a_reproducible_permutation_that_splits_each_class)
{
    tmx_dataset D = {0};
    class_dataset(&D, 3, 100);
    tmx_partition P = {0}, Q = {0}, R = {0};
    cr_assert(eq(int, tmx_partition_make(&D, 4, TMX_PART_LABEL_SKEW, 1.0, 5, &P), TMX_OK), "%s", tmx_last_error());
    cr_assert(eq(int, tmx_partition_make(&D, 4, TMX_PART_LABEL_SKEW, 1.0, 5, &Q), TMX_OK));
    cr_assert(eq(int, tmx_partition_make(&D, 4, TMX_PART_LABEL_SKEW, 1.0, 6, &R), TMX_OK), "%s", tmx_last_error());
    check_partition(&P, 4, D.m);
    check_partition(&R, 4, D.m);
    cr_expect(eq(int, memcmp(P.order, Q.order, (size_t)D.m * sizeof *P.order), 0));
    cr_expect(eq(int, memcmp(P.start, Q.start, 5 * sizeof *P.start), 0));
    cr_expect(not(eq(int, memcmp(P.order, R.order, (size_t)D.m * sizeof *P.order), 0)));
    tmx_partition_destroy(&P);
    tmx_partition_destroy(&Q);
    tmx_partition_destroy(&R);
    tmx_dataset_destroy(&D);
}

Test(partition, label_skew_on_binary_labels_uses_the_two_label_values)
{
    /* ±1 labels (as read in BINARY mode): α huge splits each class evenly, so every shard keeps
     * the global share of +1 (1/4 here) up to rounding. */
    const int64_t m = 400;
    double *y = malloc((size_t)m * sizeof *y);
    cr_assert(y != NULL);
    for (int64_t i = 0; i < m; i++) y[i] = i % 4 == 0 ? 1.0 : -1.0;
    tmx_dataset D = {0};
    labels_dataset(&D, m, y, 2);
    tmx_partition P = {0};
    cr_assert(eq(int, tmx_partition_make(&D, 4, TMX_PART_LABEL_SKEW, 1e6, 3, &P), TMX_OK), "%s", tmx_last_error());
    check_partition(&P, 4, m);
    for (int64_t k = 0; k < 4; k++) {
        int64_t pos = 0;
        for (int64_t t = P.start[k]; t < P.start[k + 1]; t++) pos += D.y[P.order[t]] > 0;
        cr_expect(epsilon_eq(dbl, (double)pos, 25.0, 2.0), "shard %lld: %lld of +1", (long long)k, (long long)pos);
    }
    tmx_partition_destroy(&P);
    tmx_dataset_destroy(&D);
    free(y);
}

/* m labels of C classes with unequal class sizes: class c gets weight c + 1 (labels in a
 * seeded pseudo-random order, so the file order does not follow the classes). */
static void skewed_class_dataset(tmx_dataset *D, int64_t C, int64_t m, uint64_t seed)
{
    double *y = malloc((size_t)m * sizeof *y);
    cr_assert(y != NULL);
    rng_state = seed;
    int64_t total = C * (C + 1) / 2;
    for (int64_t i = 0; i < m; i++) {
        int64_t t = (int64_t)(rng_next() % (uint64_t)total), c = 0;
        while (t >= c + 1) t -= c + 1, c++;
        y[i] = (double)c;
    }
    labels_dataset(D, m, y, C);
    free(y);
}

Test(partition, label_skew_never_leaves_a_shard_empty_when_m_is_at_least_n)
{
    /* Small α puts whole classes on a few shards, so the raw Dirichlet cuts often leave shards
     * empty (20 samples of 2 classes over 10 shards with α = 1 did for 3 seeds in 10 before the
     * repair). Over many (m, n, C, α, seed), including m = n and α far below 1, every shard must
     * hold a sample, the shards must be a permutation of 0..m−1 (check_partition: sizes sum to m,
     * no sample twice), and the same seed must give the same partition. */
    const double alphas[] = {1e-3, 0.05, 0.5, 1.0, 10.0};
    const int64_t ns[] = {1, 2, 7, 10, 32};
    const int64_t Cs[] = {2, 3, 10};
    int64_t cases = 0;
    for (size_t ic = 0; ic < sizeof Cs / sizeof *Cs; ic++)
        for (size_t in = 0; in < sizeof ns / sizeof *ns; in++) {
            int64_t n = ns[in];
            const int64_t ms[] = {n, n + 1, 3 * n, 40 * n};
            for (size_t im = 0; im < sizeof ms / sizeof *ms; im++) {
                tmx_dataset D = {0};
                skewed_class_dataset(&D, Cs[ic], ms[im], 1000 + (uint64_t)(ic * 100 + in * 10 + im));
                for (size_t ia = 0; ia < sizeof alphas / sizeof *alphas; ia++)
                    for (uint64_t seed = 1; seed <= 12; seed++) {
                        tmx_partition P = {0}, Q = {0};
                        cr_assert(eq(int, tmx_partition_make(&D, n, TMX_PART_LABEL_SKEW, alphas[ia], seed, &P), TMX_OK),
                                  "m=%lld n=%lld C=%lld alpha=%g seed=%llu: %s", (long long)ms[im], (long long)n,
                                  (long long)Cs[ic], alphas[ia], (unsigned long long)seed, tmx_last_error());
                        check_partition(&P, n, ms[im]);
                        cr_assert(eq(int, tmx_partition_make(&D, n, TMX_PART_LABEL_SKEW, alphas[ia], seed, &Q), TMX_OK));
                        cr_assert(eq(int, memcmp(P.start, Q.start, ((size_t)n + 1) * sizeof *P.start), 0));
                        cr_assert(eq(int, memcmp(P.order, Q.order, (size_t)ms[im] * sizeof *P.order), 0));
                        tmx_partition_destroy(&P);
                        tmx_partition_destroy(&Q);
                        cases++;
                    }
                tmx_dataset_destroy(&D);
            }
        }
    cr_expect(eq(i64, cases, 3 * 5 * 4 * 5 * 12));
}

Test(partition, label_skew_keeps_the_skew_of_heart_scale_sized_data)
{
    /* The README's example: 270 samples (150 of −1, 120 of +1, as in heart_scale) over 10
     * shards with α = 0.5. Every seed must fill every shard, and the shards stay skewed: a
     * uniform split gives each shard a dominant share ≈ 150/270 = 0.56 (≈ 0.6 with sampling
     * noise at 27 samples per shard); Dir(0.5) over two classes gives a mean dominant share of
     * about 0.8. We require > 0.65 on average over 50 seeds (the seed-to-seed spread of the
     * mean over 10 shards is ≈ 0.05). */
    const int64_t m = 270;
    double *y = malloc((size_t)m * sizeof *y);
    cr_assert(y != NULL);
    for (int64_t i = 0; i < m; i++) y[i] = i % 9 < 5 ? -1.0 : 1.0;
    tmx_dataset D = {0};
    labels_dataset(&D, m, y, 2);
    double share = 0.0;
    for (uint64_t seed = 1; seed <= 50; seed++) {
        tmx_partition P = {0};
        cr_assert(eq(int, tmx_partition_make(&D, 10, TMX_PART_LABEL_SKEW, 0.5, seed, &P), TMX_OK), "seed %llu: %s",
                  (unsigned long long)seed, tmx_last_error());
        check_partition(&P, 10, m);
        for (int64_t k = 0; k < 10; k++) {
            int64_t pos = 0, size = P.start[k + 1] - P.start[k];
            for (int64_t t = P.start[k]; t < P.start[k + 1]; t++) pos += D.y[P.order[t]] > 0;
            share += (double)(pos > size - pos ? pos : size - pos) / (double)size / 500.0;
        }
        tmx_partition_destroy(&P);
    }
    cr_expect(gt(dbl, share, 0.65), "mean dominant share %g", share);
    tmx_dataset_destroy(&D);
    free(y);
}

Test(partition, label_skew_refuses_fewer_samples_than_shards)
{
    tmx_dataset D = {0};
    class_dataset(&D, 2, 5);
    tmx_partition P = {0};
    cr_expect(eq(int, tmx_partition_make(&D, 11, TMX_PART_LABEL_SKEW, 0.5, 1, &P), TMX_EINVAL));
    cr_expect(not(eq(ptr, strstr(tmx_last_error(), "11 shards for 10 samples"), NULL)), "%s", tmx_last_error());
    cr_expect(eq(ptr, strchr(tmx_last_error(), '\n'), NULL), "one line: %s", tmx_last_error());
    cr_expect(eq(ptr, P.order, NULL));
    tmx_partition_destroy(&P);
    tmx_dataset_destroy(&D);
}

Test(partition, label_skew_needs_class_labels)
{
    tmx_dataset D = {0};
    double y[] = {0.5, 1.5, 2.5, 3.5};
    labels_dataset(&D, 4, y, 0);
    tmx_partition P = {0};
    cr_expect(eq(int, tmx_partition_make(&D, 2, TMX_PART_LABEL_SKEW, 1.0, 1, &P), TMX_EINVAL));
    cr_expect(not(eq(ptr, strstr(tmx_last_error(), "label-skew needs class labels"), NULL)), "%s",
              tmx_last_error());
    /* a label outside 0..nclass−1 */
    D.nclass = 3;
    D.y[0] = 0, D.y[1] = 1, D.y[2] = 5, D.y[3] = 2;
    cr_expect(eq(int, tmx_partition_make(&D, 2, TMX_PART_LABEL_SKEW, 1.0, 1, &P), TMX_EINVAL));
    cr_expect(not(eq(ptr, strstr(tmx_last_error(), "sample 2"), NULL)), "%s", tmx_last_error());
    /* raw labels are fine for the other kinds */
    D.nclass = 0;
    cr_expect(eq(int, tmx_partition_make(&D, 2, TMX_PART_SHUFFLE, 0.0, 1, &P), TMX_OK));
    tmx_partition_destroy(&P);
    tmx_dataset_destroy(&D);
}

Test(partition, invalid_arguments_are_einval)
{
    tmx_dataset D = {0};
    class_dataset(&D, 2, 5);
    tmx_partition P = {0};
    cr_expect(eq(int, tmx_partition_make(&D, 11, TMX_PART_CONTIGUOUS, 0.0, 1, &P), TMX_EINVAL), "n > m");
    cr_expect(not(eq(ptr, strstr(tmx_last_error(), "11 shards for 10 samples"), NULL)), "%s", tmx_last_error());
    cr_expect(eq(int, tmx_partition_make(&D, 0, TMX_PART_CONTIGUOUS, 0.0, 1, &P), TMX_EINVAL), "n = 0");
    cr_expect(eq(int, tmx_partition_make(&D, -3, TMX_PART_SHUFFLE, 0.0, 1, &P), TMX_EINVAL), "n < 0");
    cr_expect(eq(int, tmx_partition_make(&D, 2, TMX_PART_LABEL_SKEW, 0.0, 1, &P), TMX_EINVAL), "alpha = 0");
    cr_expect(eq(int, tmx_partition_make(&D, 2, TMX_PART_LABEL_SKEW, -1.0, 1, &P), TMX_EINVAL), "alpha < 0");
    cr_expect(eq(int, tmx_partition_make(&D, 2, TMX_PART_LABEL_SKEW, NAN, 1, &P), TMX_EINVAL), "alpha NaN");
    cr_expect(eq(int, tmx_partition_make(&D, 2, (tmx_partition_kind)9, 0.0, 1, &P), TMX_EINVAL), "kind");
    cr_expect(eq(int, tmx_partition_make(NULL, 2, TMX_PART_CONTIGUOUS, 0.0, 1, &P), TMX_EINVAL));
    cr_expect(eq(int, tmx_partition_make(&D, 2, TMX_PART_CONTIGUOUS, 0.0, 1, NULL), TMX_EINVAL));
    cr_expect(eq(ptr, P.order, NULL));
    /* n = m is fine: one sample per shard */
    cr_expect(eq(int, tmx_partition_make(&D, 10, TMX_PART_SHUFFLE, 0.0, 1, &P), TMX_OK));
    check_partition(&P, 10, 10);
    tmx_partition_destroy(&P);
    tmx_dataset_destroy(&D);
}

/* ---- garbage refused before work: BOM, NUL bytes, huge indices, directories, one class ------- */

/* Reads `len` bytes (which may hold NUL) through fmemopen. */
static tmx_status read_bytes(const char *bytes, size_t len, tmx_label_mode mode, tmx_dataset *D)
{
    FILE *f = fmemopen((void *)bytes, len, "r");
    cr_assert(not(eq(ptr, f, NULL)), "cannot open an in-memory stream");
    tmx_status st = tmx_libsvm_read(f, 0, mode, D);
    fclose(f);
    return st;
}


Test(libsvm, accepts_a_utf8_byte_order_mark_at_the_start)
{
    tmx_dataset A = {0}, B = {0};
    cr_assert(eq(int, read_text("+1 1:0.5 3:-2\n-1 2:4\n", 0, TMX_LABELS_BINARY, &A), TMX_OK), "%s", tmx_last_error());
    cr_assert(eq(int, read_text("\xEF\xBB\xBF+1 1:0.5 3:-2\n-1 2:4\n", 0, TMX_LABELS_BINARY, &B), TMX_OK), "%s",
              tmx_last_error());
    cr_assert(eq(i64, A.m, B.m));
    cr_assert(eq(i64, A.d, B.d));
    cr_assert(eq(int, memcmp(A.A, B.A, (size_t)(A.m * A.d) * sizeof *A.A), 0));
    cr_assert(eq(int, memcmp(A.y, B.y, (size_t)A.m * sizeof *A.y), 0));
    tmx_dataset_destroy(&A);
    tmx_dataset_destroy(&B);
    /* only at the start of the file: on a later line it is not a label */
    expect_failure("1 1:1\n\xEF\xBB\xBF" "2 1:1\n", 0, TMX_EPARSE, "line 2");
}

Test(libsvm, a_nul_byte_names_its_line_and_the_file)
{
    static const char text[] = "1 1:1\n-1 2:1\n1 3:\0\n";
    tmx_dataset D = {0};
    tmx_clear_error();
    cr_assert(eq(int, read_bytes(text, sizeof text - 1, TMX_LABELS_BINARY, &D), TMX_EPARSE));
    cr_assert(not(eq(ptr, strstr(tmx_last_error(), "NUL byte in line 3"), NULL)), "%s", tmx_last_error());
    cr_assert(eq(ptr, D.A, NULL));
    char path[32];
    temp_file(path, text, sizeof text - 1);
    tmx_status st = tmx_libsvm_read_file(path, 0, TMX_LABELS_BINARY, &D);
    remove(path);
    cr_assert(eq(int, st, TMX_EPARSE));
    cr_assert(not(eq(ptr, strstr(tmx_last_error(), path), NULL)), "%s", tmx_last_error());
    cr_assert(not(eq(ptr, strstr(tmx_last_error(), "NUL byte in line 3"), NULL)), "%s", tmx_last_error());
}

/* `1 3000000000:1` makes d = 3·10^9: a dense 1 × d matrix of 24 GB, refused from the estimate
 * before allocating it; with TOPOMIX_MEMORY_LIMIT at 1 GiB on any host. */
Test(libsvm, a_huge_index_is_refused_against_the_memory_available)
{
    cr_assert(eq(int, setenv("TOPOMIX_MEMORY_LIMIT", "1G", 1), 0));
    expect_failure("1 3000000000:1\n", 0, TMX_ENOMEM, "1 x 3000000000");
    cr_expect(not(eq(ptr, strstr(tmx_last_error(), "needs 22.4 GiB"), NULL)), "%s", tmx_last_error());
    /* and a 1000 x 1000 one (8 MB) still fits */
    tmx_dataset D = {0};
    cr_assert(eq(int, read_text("1 1000:1\n-1 1:1\n", 0, TMX_LABELS_BINARY, &D), TMX_OK), "%s", tmx_last_error());
    cr_assert(eq(i64, D.d, 1000));
    tmx_dataset_destroy(&D);
}

Test(libsvm, a_directory_is_refused_by_name)
{
    char dir[] = "/tmp/topomix-dir-XXXXXX";
    cr_assert(not(eq(ptr, mkdtemp(dir), NULL)));
    tmx_dataset D = {0};
    tmx_status st = tmx_libsvm_read_file(dir, 0, TMX_LABELS_BINARY, &D);
    remove(dir);
    cr_assert(eq(int, st, TMX_EIO), "got %s (%s)", tmx_errname(st), tmx_last_error());
    cr_assert(not(eq(ptr, strstr(tmx_last_error(), dir), NULL)), "%s", tmx_last_error());
    cr_assert(not(eq(ptr, strstr(tmx_last_error(), "is a directory"), NULL)), "%s", tmx_last_error());
    cr_assert(eq(ptr, D.A, NULL));
}

Test(libsvm, labels_that_collapse_to_one_class_are_refused_naming_them)
{
    static const struct {
        const char *text;
        tmx_label_mode mode;
        const char *parts[2];
    } cases[] = {
        /* {1, 2}: both > 0, so both +1 under the binary rule */
        {"1 1:1\n2 1:2\n1 2:1\n", TMX_LABELS_BINARY, {"every label maps to +1", "labels 1, 2;"}},
        {"0 1:1\n-1 1:2\n", TMX_LABELS_BINARY, {"every label maps to -1", "labels -1, 0;"}},
        {"5 1:1\n6 1:1\n7 1:1\n8 1:1\n9 1:1\n", TMX_LABELS_BINARY, {"+1", "labels 5, 6, 7, 8 and 1 more"}},
        {"3 1:1\n3 2:1\n", TMX_LABELS_CLASSES, {"every sample has label 3", "2 classes"}},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        tmx_dataset D = {0};
        tmx_clear_error();
        cr_expect(eq(int, read_text(cases[c].text, 0, cases[c].mode, &D), TMX_EINVAL), "case %zu: %s", c,
                  tmx_last_error());
        for (int q = 0; q < 2; q++)
            cr_expect(not(eq(ptr, strstr(tmx_last_error(), cases[c].parts[q]), NULL)), "case %zu: '%s' lacks '%s'", c,
                      tmx_last_error(), cases[c].parts[q]);
        cr_expect(eq(ptr, D.A, NULL));
        cr_expect(eq(ptr, D.y, NULL));
    }
    /* two classes pass, and the raw mode keeps any labels */
    tmx_dataset D = {0};
    cr_expect(eq(int, read_text("0 1:1\n1 1:1\n", 0, TMX_LABELS_BINARY, &D), TMX_OK), "%s", tmx_last_error());
    cr_expect(eq(i64, D.nclass, 2));
    tmx_dataset_destroy(&D);
    cr_expect(eq(int, read_text("3 1:1\n3 2:1\n", 0, TMX_LABELS_RAW, &D), TMX_OK), "%s", tmx_last_error());
    tmx_dataset_destroy(&D);
    /* read from a file, the message names it */
    char path[32];
    temp_file(path, "1 1:1\n2 1:2\n", 12);
    tmx_status st = tmx_libsvm_read_file(path, 0, TMX_LABELS_BINARY, &D);
    remove(path);
    cr_expect(eq(int, st, TMX_EINVAL));
    cr_expect(not(eq(ptr, strstr(tmx_last_error(), path), NULL)), "%s", tmx_last_error());
}

/* ---- the reader's number parser against strtod --------------------------------------------- */

static uint64_t next_u64(uint64_t *state) /* splitmix64: the test's own reproducible stream */
{
    uint64_t x = (*state += 0x9e3779b97f4a7c15ull);
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* What the reader must answer for tok: strtod's value when strtod reads all of tok as a finite
 * number, else a refusal. Returns 0 on agreement; counts the agreements reached by value. */
static int disagrees(const char *tok, int64_t *accepted)
{
    size_t len = strlen(tok);
    char *end;
    double want = strtod(tok, &end), got = 0.0;
    int valid = len > 0 && end == tok + len && isfinite(want);
    int ok = tmx__libsvm_parse_real(tok, tok + len, &got);
    if (ok != valid) return 1;
    if (ok) {
        ++*accepted;
        return memcmp(&got, &want, sizeof got) != 0; /* bit for bit: -0.0 is not 0.0 */
    }
    return 0;
}

Test(libsvm_number, values_parse_bit_for_bit_as_strtod_parses_them)
{
    /* The reader decides plain decimals itself (Clinger's exact path, x87 extended precision with a
     * tie check) and leaves the rest to strtod; any difference from strtod is a bug. Tokens:
     * random doubles of every exponent printed as the writer does (%.17g) and as other tools do
     * (%.15g, %.16g, %.6g, %.3e, %.19e); random digit strings (1 to 21 digits, leading zeros, a
     * point anywhere, exponents −40..40, signs); decimals next to the midpoint between two
     * neighbouring doubles (%.18Lg and %.19Lg of the exact midpoint, as long double); and integers
     * in [2^53, 2^64) that are exact midpoints, where the tie check must send the token to strtod.
     * About 700 000 tokens (20 s under valgrind, which computes long doubles in 53 bits: there the
     * extended path steps aside and strtod decides). */
    uint64_t st = 2024;
    int64_t accepted = 0, tested = 0;
    char tok[96];
    const int prec[] = {17, 15, 16, 6}; /* %.*g */
    for (int i = 0; i < 60000; i++) {
        uint64_t b = next_u64(&st);
        double x;
        memcpy(&x, &b, sizeof x);
        if (!isfinite(x)) continue;
        if (i % 2) x = ldexp(x, -ilogb(x) + (int)(next_u64(&st) % 200) - 100); /* common magnitudes too */
        for (size_t f = 0; f < sizeof prec / sizeof *prec + 2; f++) {
            if (f < sizeof prec / sizeof *prec) snprintf(tok, sizeof tok, "%.*g", prec[f], x);
            else snprintf(tok, sizeof tok, "%.*e", f % 2 ? 19 : 3, x);
            tested++;
            cr_assert(not(disagrees(tok, &accepted)), "token '%s'", tok);
        }
    }
    for (int i = 0; i < 200000; i++) {
        uint64_t r = next_u64(&st);
        int nd = 1 + (int)(r % 21), point = (int)((r >> 8) % (uint64_t)(nd + 2)) - 1, lead = (int)((r >> 16) % 4);
        size_t at = 0;
        if ((r >> 20) & 1) tok[at++] = (r >> 21) & 1 ? '-' : '+';
        for (int k = 0; k < lead; k++) tok[at++] = '0';
        uint64_t dg = next_u64(&st);
        for (int k = 0; k < nd; k++) {
            if (k == point) tok[at++] = '.';
            tok[at++] = (char)('0' + (k == 0 && (r >> 24) & 1 ? 1 + dg % 9 : dg % 10));
            dg = dg / 10 ? dg / 10 : next_u64(&st);
        }
        if (point == nd) tok[at++] = '.';
        if ((r >> 28) % 3) at += (size_t)snprintf(tok + at, 16, "e%d", (int)((r >> 32) % 81) - 40);
        tok[at] = '\0';
        tested++;
        cr_assert(not(disagrees(tok, &accepted)), "token '%s'", tok);
    }
    for (int i = 0; i < 60000; i++) {
        uint64_t b = next_u64(&st);
        double x = ldexp(1.0 + (double)(b >> 11) * 0x1p-53, (int)(b % 160) - 80); /* [2^-80, 2^80) */
        long double mid = ((long double)x + (long double)nextafter(x, INFINITY)) / 2;
        snprintf(tok, sizeof tok, "%.18Lg", mid);
        tested++;
        cr_assert(not(disagrees(tok, &accepted)), "token '%s'", tok);
        snprintf(tok, sizeof tok, "%.19Lg", mid);
        tested++;
        cr_assert(not(disagrees(tok, &accepted)), "token '%s'", tok);
    }
    for (int i = 0; i < 30000; i++) {
        int bitlen = 54 + (int)(next_u64(&st) % 11); /* 54..64 bits: ties below the 53rd */
        uint64_t w = next_u64(&st) >> (64 - bitlen) | (uint64_t)1 << (bitlen - 1);
        uint64_t low = ((uint64_t)1 << (bitlen - 53)) - 1;
        w = (w & ~low) | (low + 1) / 2; /* the bits dropped by rounding: exactly one half */
        snprintf(tok, sizeof tok, "%llu", (unsigned long long)w);
        tested++;
        cr_assert(not(disagrees(tok, &accepted)), "token '%s'", tok);
        snprintf(tok, sizeof tok, "-%llue-%d", (unsigned long long)w, (int)(next_u64(&st) % 28));
        tested++;
        cr_assert(not(disagrees(tok, &accepted)), "token '%s'", tok);
    }
    cr_expect(gt(i64, accepted, tested / 2), "%lld of %lld tokens are numbers", (long long)accepted, (long long)tested);
}

Test(libsvm_number, malformed_and_non_finite_tokens_are_refused_as_strtod_refuses_them)
{
    const char *toks[] = {"1e", "1.5e+", ".", "-", "+", "1..2", "1e5.", "--1", "+-1", "0x", "nan", "inf", "-Infinity",
                          "1e400", "-1e99999", "1,5", "1e+-5", "e5", ".e5", "1.2.3", "12a", "0x1p-3z", "1e5e5", "+.",
                          "١", "1\r", "0.5\v", "99999999999999999999999999999999999999999e999"};
    int64_t accepted = 0;
    for (size_t k = 0; k < sizeof toks / sizeof *toks; k++) {
        cr_expect(not(disagrees(toks[k], &accepted)), "token '%s'", toks[k]);
    }
    cr_expect(eq(i64, accepted, 0), "none of them is a finite number read whole");
    /* strtod's own extensions stay accepted, through strtod */
    double v = 0;
    cr_expect(eq(int, tmx__libsvm_parse_real("0x1.8p1", "0x1.8p1" + 7, &v), 1));
    cr_expect(eq(dbl, v, 3.0));
    cr_expect(eq(int, tmx__libsvm_parse_real("1e-320", "1e-320" + 6, &v), 1), "a subnormal is accepted");
    cr_expect(eq(dbl, v, strtod("1e-320", NULL)));
}

Test(libsvm_number, another_rounding_mode_is_followed_as_strtod_follows_it)
{
    /* strtod rounds in the current rounding mode; so must the reader (its fast paths assume
     * rounding to nearest, and step aside otherwise). Rounding upward, "0.3" (whose nearest double
     * lies below 0.3) must give the next double up. */
    const char *toks[] = {"0.3", "0.46147349570053017", "-0.70000000000000007", "123456789012345678e-20", "2.5"};
    int saved = fegetround();
    cr_assert(eq(int, fesetround(FE_UPWARD), 0));
    int64_t accepted = 0;
    int differs = 0;
    for (size_t k = 0; k < sizeof toks / sizeof *toks; k++) {
        int bad = disagrees(toks[k], &accepted);
        double up = strtod(toks[k], NULL);
        fesetround(saved);
        differs += up != strtod(toks[k], NULL);
        fesetround(FE_UPWARD);
        cr_expect(not(bad), "token '%s'", toks[k]);
    }
    fesetround(saved);
    cr_expect(eq(i64, accepted, 5));
    cr_expect(gt(int, differs, 0), "rounding upward changes some of these values");
}
