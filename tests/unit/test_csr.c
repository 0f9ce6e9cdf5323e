/* Unit tests: sparse matrices (csr.c), dense matrices (mat.c), status codes and the integer
 * helpers of core.c. Internals (the row builder, tmx__is_pow2, …) are reached through the static
 * tmx_internal library. */
#include "internal.h"

#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <topomix/csr.h>
#include <topomix/error.h>
#include <topomix/mat.h>

/* ---- helpers ------------------------------------------------------------------------------ */

/* A small deterministic generator (splitmix64), so that the random instances are the same on
 * every run and do not depend on the library's own generator. */
static uint64_t rng_state;

static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform in (0, 1], using all 53 bits of the mantissa. */
static double rng_unit(void) { return (double)((rng_next() >> 11) + 1) * 0x1p-53; }

static int64_t rng_below(int64_t n) { return (int64_t)(rng_next() % (uint64_t)n); }

/* Builds W from parallel triplet arrays and asserts success. */
static void build(tmx_csr *W, int64_t n, int64_t count, const int64_t *i, const int64_t *j,
                  const double *v)
{
    tmx_status st = tmx_csr_from_triplets(W, n, count, i, j, v);
    cr_assert(eq(int, st, TMX_OK), "from_triplets: %s", tmx_last_error());
    cr_assert(eq(int, tmx_csr_check(W), TMX_OK), "check: %s", tmx_last_error());
}

/* A random n × n matrix with entries in (0, 1]: about density·n² draws of values in (0, 1/2], at
 * most two per position, duplicates summed. Its dense image goes to D (row-major, n*n) when D is
 * not NULL. */
static void random_csr(tmx_csr *W, int64_t n, double density, double *D)
{
    int64_t cap = (int64_t)(density * (double)(n * n)) + 1;
    int64_t *ti = malloc((size_t)cap * sizeof *ti), *tj = malloc((size_t)cap * sizeof *tj);
    double *tv = malloc((size_t)cap * sizeof *tv);
    cr_assert(ti && tj && tv);
    for (int64_t e = 0; e < cap; e++) {
        ti[e] = rng_below(n);
        tj[e] = rng_below(n);
        tv[e] = rng_unit() / 2; /* (0, 1/2]: a duplicate sums to at most 1 */
    }
    /* The library sums duplicates, and so does the reference below. A position drawn three times
     * or more could exceed 1, so keep only the first two draws of any position. */
    int64_t kept = 0;
    int *hits = calloc((size_t)(n * n), sizeof *hits);
    cr_assert(hits != NULL);
    for (int64_t e = 0; e < cap; e++) {
        if (hits[ti[e] * n + tj[e]]++ >= 2) continue;
        ti[kept] = ti[e], tj[kept] = tj[e], tv[kept] = tv[e], kept++;
    }
    free(hits);
    build(W, n, kept, ti, tj, tv);
    if (D) {
        memset(D, 0, (size_t)(n * n) * sizeof *D);
        for (int64_t e = 0; e < kept; e++) D[ti[e] * n + tj[e]] += tv[e];
    }
    free(ti);
    free(tj);
    free(tv);
}

static void assert_same_csr(const tmx_csr *A, const tmx_csr *B)
{
    cr_assert(eq(i64, A->n, B->n));
    cr_assert(eq(i64, A->nnz, B->nnz));
    cr_assert(eq(int, memcmp(A->rowptr, B->rowptr, ((size_t)A->n + 1) * sizeof(int64_t)), 0));
    if (A->nnz) {
        cr_assert(eq(int, memcmp(A->col, B->col, (size_t)A->nnz * sizeof(int64_t)), 0));
        cr_assert(eq(int, memcmp(A->val, B->val, (size_t)A->nnz * sizeof(double)), 0));
    }
}

static void assert_failed_with_message(tmx_status got, tmx_status want)
{
    cr_assert(eq(int, got, want), "status %s (%s), wanted %s", tmx_errname(got), tmx_last_error(),
              tmx_errname(want));
    cr_assert(ne(str, (char *)tmx_last_error(), ""), "no message in tmx_last_error()");
}

/* The 4-node ring with lazy Metropolis weights: every row and column holds 1/2 on the diagonal and
 * 1/4 on both neighbours. All values and sums are exact in binary. */
static void lazy_ring4(tmx_csr *W)
{
    int64_t ti[12], tj[12];
    double tv[12];
    int e = 0;
    for (int64_t i = 0; i < 4; i++) {
        ti[e] = i, tj[e] = i, tv[e] = 0.5, e++;
        ti[e] = i, tj[e] = (i + 1) % 4, tv[e] = 0.25, e++;
        ti[e] = i, tj[e] = (i + 3) % 4, tv[e] = 0.25, e++;
    }
    build(W, 4, e, ti, tj, tv);
}

/* ---- row builder -------------------------------------------------------------------------- */

Test(csr, builder_sorts_rows_and_merges_duplicates)
{
    tmx_csr W = {0};
    tmx__builder b;
    cr_assert(eq(int, tmx__builder_begin(&b, &W, 3, 8), TMX_OK));
    tmx__builder_push(&b, 2, 1.0); /* row 0: out of order, column 2 twice */
    tmx__builder_push(&b, 0, 0.5);
    tmx__builder_push(&b, 2, 0.25);
    tmx__builder_end_row(&b);
    tmx__builder_end_row(&b);      /* row 1: empty */
    tmx__builder_push(&b, 1, 1.0); /* row 2: column 1 twice, then smaller column */
    tmx__builder_push(&b, 1, 2.0);
    tmx__builder_push(&b, 0, 3.0);
    tmx__builder_push(&b, 2, 4.0);
    tmx__builder_end_row(&b);
    cr_assert(eq(int, tmx__builder_finish(&b), TMX_OK), "%s", tmx_last_error());

    const int64_t rowptr[] = {0, 2, 2, 5}, col[] = {0, 2, 0, 1, 2};
    const double val[] = {0.5, 1.25, 3.0, 3.0, 4.0}; /* sums of binary fractions: exact */
    cr_assert(eq(i64, W.n, 3));
    cr_assert(eq(i64, W.nnz, 5));
    cr_assert(eq(i64[4], W.rowptr, (int64_t *)rowptr));
    cr_assert(eq(i64[5], W.col, (int64_t *)col));
    cr_assert(eq(dbl[5], W.val, (double *)val));
    cr_assert(eq(int, tmx_csr_check(&W), TMX_OK));
    tmx_csr_destroy(&W);
}

Test(csr, builder_sorts_a_long_reversed_row)
{
    /* 300 pushes exceed the insertion-sort threshold, so this exercises the heapsort path: columns
     * 149..0 pushed twice in descending order, value = column + 1 each time. */
    tmx_csr W = {0};
    tmx__builder b;
    cr_assert(eq(int, tmx__builder_begin(&b, &W, 150, 300), TMX_OK));
    for (int rep = 0; rep < 2; rep++)
        for (int64_t j = 149; j >= 0; j--) tmx__builder_push(&b, j, (double)(j + 1));
    tmx__builder_end_row(&b);
    for (int64_t i = 1; i < 150; i++) tmx__builder_end_row(&b);
    cr_assert(eq(int, tmx__builder_finish(&b), TMX_OK));
    cr_assert(eq(i64, W.nnz, 150));
    for (int64_t j = 0; j < 150; j++) {
        cr_assert(eq(i64, W.col[j], j));
        cr_assert(eq(dbl, W.val[j], 2.0 * (double)(j + 1))); /* small integers: exact */
    }
    cr_assert(eq(int, tmx_csr_check(&W), TMX_OK));
    tmx_csr_destroy(&W);
}

Test(csr, builder_finish_rejects_missing_rows)
{
    tmx_csr W = {0};
    tmx__builder b;
    cr_assert(eq(int, tmx__builder_begin(&b, &W, 3, 3), TMX_OK));
    tmx__builder_push(&b, 0, 1.0);
    tmx__builder_end_row(&b); /* only one of three rows */
    tmx_clear_error();
    assert_failed_with_message(tmx__builder_finish(&b), TMX_EINTERNAL);
    cr_assert(eq(ptr, W.rowptr, NULL), "a failed finish must free W");
}

/* ---- from_triplets ------------------------------------------------------------------------ */

Test(csr, from_triplets_sums_duplicates)
{
    const int64_t ti[] = {1, 0, 1, 1, 0};
    const int64_t tj[] = {0, 1, 0, 1, 1};
    const double tv[] = {0.25, 0.5, 0.5, 1.0, 0.125};
    tmx_csr W = {0};
    build(&W, 2, 5, ti, tj, tv);
    cr_assert(eq(i64, W.nnz, 3));
    cr_assert(eq(dbl, tmx_csr_get(&W, 0, 1), 0.625)); /* binary fractions: exact */
    cr_assert(eq(dbl, tmx_csr_get(&W, 1, 0), 0.75));
    cr_assert(eq(dbl, tmx_csr_get(&W, 1, 1), 1.0));
    cr_assert(eq(dbl, tmx_csr_get(&W, 0, 0), 0.0));
    tmx_csr_destroy(&W);
}

Test(csr, from_triplets_keeps_explicit_zeros)
{
    /* "dropping nothing": an explicit zero and a pair that cancels stay stored. */
    const int64_t ti[] = {0, 1, 1};
    const int64_t tj[] = {0, 1, 1};
    const double tv[] = {0.0, 1.0, -1.0};
    tmx_csr W = {0};
    build(&W, 2, 3, ti, tj, tv);
    cr_assert(eq(i64, W.nnz, 2));
    tmx_csr_destroy(&W);
}

Test(csr, from_triplets_with_no_entries_gives_empty_rows)
{
    tmx_csr W = {0};
    build(&W, 4, 0, NULL, NULL, NULL);
    cr_assert(eq(i64, W.n, 4));
    cr_assert(eq(i64, W.nnz, 0));
    for (int i = 0; i <= 4; i++) cr_assert(eq(i64, W.rowptr[i], 0));
    tmx_csr_destroy(&W);
}

Test(csr, from_triplets_rejects_out_of_range_index)
{
    const int64_t good[] = {0, 1};
    const int64_t bad_cases[][2] = {{-1, 0}, {3, 0}, {0, -1}, {0, 3}, {INT64_MAX, 0}};
    const double tv[] = {0.5, 0.5};
    for (size_t c = 0; c < sizeof bad_cases / sizeof bad_cases[0]; c++) {
        int64_t ti[] = {good[0], bad_cases[c][0]}, tj[] = {good[1], bad_cases[c][1]};
        tmx_csr W = {0};
        tmx_clear_error();
        assert_failed_with_message(tmx_csr_from_triplets(&W, 3, 2, ti, tj, tv), TMX_EINVAL);
        cr_assert(eq(ptr, W.rowptr, NULL));
    }
}

Test(csr, from_triplets_rejects_non_finite_values)
{
    const int64_t ti[] = {0, 1}, tj[] = {0, 1};
    const double bad[] = {NAN, INFINITY, -INFINITY};
    for (size_t c = 0; c < 3; c++) {
        double tv[] = {1.0, bad[c]};
        tmx_csr W = {0};
        tmx_clear_error();
        assert_failed_with_message(tmx_csr_from_triplets(&W, 2, 2, ti, tj, tv), TMX_EINVAL);
    }
}

Test(csr, from_triplets_rejects_n_below_one_and_negative_count)
{
    tmx_csr W = {0};
    tmx_clear_error();
    assert_failed_with_message(tmx_csr_from_triplets(&W, 0, 0, NULL, NULL, NULL), TMX_EINVAL);
    tmx_clear_error();
    assert_failed_with_message(tmx_csr_from_triplets(&W, -5, 0, NULL, NULL, NULL), TMX_EINVAL);
    tmx_clear_error();
    assert_failed_with_message(tmx_csr_from_triplets(&W, 3, -1, NULL, NULL, NULL), TMX_EINVAL);
}

Test(csr, from_triplets_frees_previous_content)
{
    /* Run under valgrind/ASan this would show a leak if the old arrays were not freed; here we
     * check the new content replaces the old. */
    tmx_csr W = {0};
    lazy_ring4(&W);
    const int64_t ti[] = {0}, tj[] = {0};
    const double tv[] = {1.0};
    build(&W, 1, 1, ti, tj, tv);
    cr_assert(eq(i64, W.n, 1));
    cr_assert(eq(i64, W.nnz, 1));
    tmx_csr_destroy(&W);
}

/* ---- small operations --------------------------------------------------------------------- */

Test(csr, get_returns_stored_value_or_zero_when_absent)
{
    tmx_csr W = {0};
    lazy_ring4(&W);
    cr_assert(eq(dbl, tmx_csr_get(&W, 0, 0), 0.5));
    cr_assert(eq(dbl, tmx_csr_get(&W, 0, 1), 0.25));
    cr_assert(eq(dbl, tmx_csr_get(&W, 0, 3), 0.25));
    cr_assert(eq(dbl, tmx_csr_get(&W, 2, 1), 0.25));
    cr_assert(eq(dbl, tmx_csr_get(&W, 0, 2), 0.0));
    cr_assert(eq(dbl, tmx_csr_get(&W, 1, 3), 0.0));
    /* outside the matrix: 0, no access out of bounds */
    cr_assert(eq(dbl, tmx_csr_get(&W, -1, 0), 0.0));
    cr_assert(eq(dbl, tmx_csr_get(&W, 4, 0), 0.0));
    cr_assert(eq(dbl, tmx_csr_get(&W, 0, 7), 0.0));
    cr_assert(eq(dbl, tmx_csr_get(&W, 0, -1), 0.0));
    tmx_csr_destroy(&W);
}

Test(csr, identity_and_copy)
{
    tmx_csr Id = {0}, C = {0};
    cr_assert(eq(int, tmx_csr_identity(&Id, 5), TMX_OK));
    cr_assert(eq(int, tmx_csr_check(&Id), TMX_OK));
    cr_assert(eq(i64, Id.nnz, 5));
    for (int64_t i = 0; i < 5; i++)
        for (int64_t j = 0; j < 5; j++) cr_assert(eq(dbl, tmx_csr_get(&Id, i, j), i == j ? 1.0 : 0.0));
    cr_assert(eq(int, tmx_csr_copy(&C, &Id), TMX_OK));
    assert_same_csr(&C, &Id);
    cr_assert(ne(ptr, C.val, Id.val), "copy must be deep");
    C.val[0] = 7.0;
    cr_assert(eq(dbl, Id.val[0], 1.0));
    tmx_clear_error();
    assert_failed_with_message(tmx_csr_identity(&Id, 0), TMX_EINVAL);
    tmx_csr_destroy(&Id);
    tmx_csr_destroy(&C);
    tmx_csr_destroy(NULL); /* accepted */
}

Test(csr, transpose_moves_entry_ij_to_ji)
{
    const int64_t ti[] = {0, 0, 2, 1}, tj[] = {1, 2, 0, 1};
    const double tv[] = {0.1, 0.2, 0.3, 0.4};
    tmx_csr W = {0}, T = {0};
    build(&W, 3, 4, ti, tj, tv);
    cr_assert(eq(int, tmx_csr_transpose(&T, &W), TMX_OK));
    cr_assert(eq(int, tmx_csr_check(&T), TMX_OK)); /* rows of T sorted */
    for (int64_t i = 0; i < 3; i++)
        for (int64_t j = 0; j < 3; j++)
            cr_assert(eq(dbl, tmx_csr_get(&T, i, j), tmx_csr_get(&W, j, i))); /* copies: exact */
    tmx_clear_error();
    assert_failed_with_message(tmx_csr_transpose(&W, &W), TMX_EINVAL);
    tmx_csr_destroy(&W);
    tmx_csr_destroy(&T);
}

Test(csr, transpose_twice_is_identity)
{
    /* No arithmetic happens in a transpose, so the comparison is exact (bitwise). */
    rng_state = 11;
    const int64_t sizes[] = {1, 2, 7, 40, 200};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        tmx_csr W = {0}, T = {0}, TT = {0};
        random_csr(&W, sizes[s], 0.15, NULL);
        cr_assert(eq(int, tmx_csr_transpose(&T, &W), TMX_OK));
        cr_assert(eq(int, tmx_csr_check(&T), TMX_OK));
        cr_assert(eq(int, tmx_csr_transpose(&TT, &T), TMX_OK));
        assert_same_csr(&TT, &W);
        tmx_csr_destroy(&W);
        tmx_csr_destroy(&T);
        tmx_csr_destroy(&TT);
    }
}

Test(csr, mul_matches_dense_product_of_random_matrices)
{
    /* Entries of A and B lie in (0, 1]. Entry (i, j) of C = A·B is a sum over the m = (length of
     * row i of A) products a_ik·b_kj, each in (0, 1]. Recursive summation in double has
     * |fl(s) − s| ≤ γ_m·Σ|a_ik·b_kj| ≤ γ_m·m with γ_m = m·u/(1 − m·u), u = 2⁻⁵³ (Higham, Accuracy
     * and Stability, §3.1). For m ≤ n ≤ 8: γ_m·m ≤ 8.0000001·m·u ≈ 8.9e-16·m, so an absolute
     * tolerance of 1e-15·m bounds the library's rounding. The reference sums in long double
     * (u = 2⁻⁶⁴ on x86-64; its own error ≤ 64·2⁻⁶⁴ ≈ 3.5e-18, inside the 1.1e-16·m margin). */
    rng_state = 12345;
    for (int64_t n = 1; n <= 8; n++) {
        for (int rep = 0; rep < 25; rep++) {
            double density = 0.1 + 0.15 * (double)(rep % 6);
            double *DA = malloc((size_t)(n * n) * sizeof *DA), *DB = malloc((size_t)(n * n) * sizeof *DB);
            cr_assert(DA && DB);
            tmx_csr A = {0}, B = {0}, C = {0};
            random_csr(&A, n, density, DA);
            random_csr(&B, n, density, DB);
            cr_assert(eq(int, tmx_csr_mul(&C, &A, &B), TMX_OK), "%s", tmx_last_error());
            cr_assert(eq(int, tmx_csr_check(&C), TMX_OK), "%s", tmx_last_error());
            for (int64_t i = 0; i < n; i++) {
                int64_t m = A.rowptr[i + 1] - A.rowptr[i];
                for (int64_t j = 0; j < n; j++) {
                    long double ref = 0.0L;
                    int structural = 0;
                    for (int64_t k = 0; k < n; k++) {
                        ref += (long double)DA[i * n + k] * (long double)DB[k * n + j];
                        if (DA[i * n + k] != 0.0 && DB[k * n + j] != 0.0) structural = 1;
                    }
                    double got = tmx_csr_get(&C, i, j);
                    cr_assert(le(dbl, fabs(got - (double)ref), 1e-15 * (double)m),
                              "n=%lld rep=%d C(%lld,%lld) = %.17g, dense %.17Lg", (long long)n, rep,
                              (long long)i, (long long)j, got, ref);
                    /* values are > 0, so the stored pattern is exactly the structural product */
                    int stored = 0;
                    for (int64_t e = C.rowptr[i]; e < C.rowptr[i + 1]; e++) stored |= C.col[e] == j;
                    cr_assert(eq(int, stored, structural), "pattern of C at (%lld, %lld)", (long long)i,
                              (long long)j);
                }
            }
            tmx_csr_destroy(&A);
            tmx_csr_destroy(&B);
            tmx_csr_destroy(&C);
            free(DA);
            free(DB);
        }
    }
}

Test(csr, mul_by_identity_is_exact)
{
    /* x·1 = x and x + 0 = x exactly: multiplying by I reproduces the matrix bit for bit. */
    rng_state = 99;
    tmx_csr W = {0}, Id = {0}, C = {0}, D = {0};
    random_csr(&W, 30, 0.2, NULL);
    cr_assert(eq(int, tmx_csr_identity(&Id, 30), TMX_OK));
    cr_assert(eq(int, tmx_csr_mul(&C, &W, &Id), TMX_OK));
    assert_same_csr(&C, &W);
    cr_assert(eq(int, tmx_csr_mul(&D, &Id, &W), TMX_OK));
    assert_same_csr(&D, &W);
    tmx_csr_destroy(&W);
    tmx_csr_destroy(&Id);
    tmx_csr_destroy(&C);
    tmx_csr_destroy(&D);
}

Test(csr, mul_rejects_aliasing_and_dimension_mismatch)
{
    tmx_csr A = {0}, B = {0}, C = {0};
    cr_assert(eq(int, tmx_csr_identity(&A, 3), TMX_OK));
    cr_assert(eq(int, tmx_csr_identity(&B, 4), TMX_OK));
    tmx_clear_error();
    assert_failed_with_message(tmx_csr_mul(&C, &A, &B), TMX_EDIM);
    tmx_clear_error();
    assert_failed_with_message(tmx_csr_mul(&A, &A, &A), TMX_EINVAL);
    tmx_csr_destroy(&A);
    tmx_csr_destroy(&B);
    tmx_csr_destroy(&C);
}

Test(csr, matvec_matches_hand_computed_product)
{
    /* W = [[1/2 1/2 0], [0 1/4 3/4], [1 0 0]], x = (2, 4, 8): y = (3, 7, 2), all exact. */
    const int64_t ti[] = {0, 0, 1, 1, 2}, tj[] = {0, 1, 1, 2, 0};
    const double tv[] = {0.5, 0.5, 0.25, 0.75, 1.0};
    const double x[] = {2.0, 4.0, 8.0}, want[] = {3.0, 7.0, 2.0};
    double y[3] = {-1, -1, -1};
    tmx_csr W = {0};
    build(&W, 3, 5, ti, tj, tv);
    tmx_csr_matvec(&W, x, y);
    cr_assert(eq(dbl[3], y, (double *)want));
    tmx_csr_destroy(&W);
}

Test(csr, matvec_writes_zero_for_empty_rows)
{
    const int64_t ti[] = {0}, tj[] = {1};
    const double tv[] = {3.0};
    const double x[] = {1.0, 2.0};
    double y[2] = {NAN, NAN};
    tmx_csr W = {0};
    build(&W, 2, 1, ti, tj, tv);
    tmx_csr_matvec(&W, x, y);
    cr_assert(eq(dbl, y[0], 6.0));
    cr_assert(eq(dbl, y[1], 0.0));
    tmx_csr_destroy(&W);
}

Test(csr, to_dense_places_entries_column_major)
{
    const int64_t ti[] = {0, 1, 2, 2}, tj[] = {2, 0, 1, 2};
    const double tv[] = {0.125, 0.5, 0.75, 1.5};
    tmx_csr W = {0};
    tmx_mat D = {0};
    build(&W, 3, 4, ti, tj, tv);
    cr_assert(eq(int, tmx_csr_to_dense(&W, &D), TMX_OK));
    cr_assert(eq(sz, D.rows, 3));
    cr_assert(eq(sz, D.cols, 3));
    cr_assert(ge(sz, D.ld, 3));
    for (size_t i = 0; i < 3; i++)
        for (size_t j = 0; j < 3; j++) {
            cr_assert(eq(dbl, tmx_mat_get(&D, i, j), tmx_csr_get(&W, (int64_t)i, (int64_t)j)));
            cr_assert(eq(dbl, D.data[i + j * D.ld], tmx_csr_get(&W, (int64_t)i, (int64_t)j)));
        }
    /* a second call frees the old content first */
    cr_assert(eq(int, tmx_csr_to_dense(&W, &D), TMX_OK));
    tmx_mat_destroy(&D);
    tmx_csr_destroy(&W);
}

Test(csr, to_dense_refuses_a_matrix_larger_than_memory)
{
    /* A header-only CSR of order 2^32: to_dense must refuse (2^64·8 bytes) before it reads the
     * (absent) arrays. */
    tmx_csr W = {0};
    W.n = (int64_t)1 << 32;
    tmx_mat D = {0};
    tmx_clear_error();
    assert_failed_with_message(tmx_csr_to_dense(&W, &D), TMX_ENOMEM);
    cr_assert(eq(ptr, D.data, NULL));
}

/* ---- check -------------------------------------------------------------------------------- */

Test(csr, check_catches_unsorted_or_duplicate_columns)
{
    tmx_csr W = {0};
    lazy_ring4(&W);
    /* row 1 holds columns 0, 1, 2: swap the first two */
    int64_t *c = W.col + W.rowptr[1];
    int64_t t = c[0];
    c[0] = c[1];
    c[1] = t;
    tmx_clear_error();
    assert_failed_with_message(tmx_csr_check(&W), TMX_EINVAL);
    cr_assert(not(eq(ptr, strstr(tmx_last_error(), "row 1"), NULL)), "message: %s", tmx_last_error());
    c[0] = c[1]; /* duplicate column */
    tmx_clear_error();
    assert_failed_with_message(tmx_csr_check(&W), TMX_EINVAL);
    tmx_csr_destroy(&W);
}

Test(csr, check_catches_column_out_of_range_and_non_finite_value)
{
    tmx_csr W = {0};
    lazy_ring4(&W);
    int64_t last = W.col[W.nnz - 1];
    W.col[W.nnz - 1] = 4;
    tmx_clear_error();
    assert_failed_with_message(tmx_csr_check(&W), TMX_EINVAL);
    W.col[W.nnz - 1] = last;
    cr_assert(eq(int, tmx_csr_check(&W), TMX_OK));
    W.val[2] = NAN;
    tmx_clear_error();
    assert_failed_with_message(tmx_csr_check(&W), TMX_EINVAL);
    tmx_csr_destroy(&W);
}

Test(csr, check_catches_bad_rowptr)
{
    tmx_csr W = {0};
    lazy_ring4(&W); /* rowptr = 0 3 6 9 12 */
    W.rowptr[2] = 2; /* decreases after 3 */
    tmx_clear_error();
    assert_failed_with_message(tmx_csr_check(&W), TMX_EINVAL);
    W.rowptr[2] = 6;
    W.rowptr[4] = 11; /* does not end at nnz */
    tmx_clear_error();
    assert_failed_with_message(tmx_csr_check(&W), TMX_EINVAL);
    W.rowptr[4] = 12;
    W.rowptr[0] = 1; /* does not start at 0 */
    tmx_clear_error();
    assert_failed_with_message(tmx_csr_check(&W), TMX_EINVAL);
    W.rowptr[0] = 0;
    cr_assert(eq(int, tmx_csr_check(&W), TMX_OK));
    tmx_csr_destroy(&W);
    tmx_clear_error();
    assert_failed_with_message(tmx_csr_check(&W), TMX_EINVAL); /* zeroed: uninitialised */
}

/* ---- validate ----------------------------------------------------------------------------- */

Test(csr, validate_accepts_a_doubly_stochastic_symmetric_matrix)
{
    tmx_csr W = {0};
    tmx_validation v;
    lazy_ring4(&W);
    cr_assert(eq(int, tmx_csr_validate(&W, 0.0, &v), TMX_OK)); /* sums of 1/2, 1/4: exact, tol 0 */
    cr_assert(eq(i64, v.n, 4));
    cr_assert(eq(i64, v.nnz, 12));
    cr_assert(v.nonnegative);
    cr_assert(v.row_stochastic);
    cr_assert(v.col_stochastic);
    cr_assert(v.doubly_stochastic);
    cr_assert(v.symmetric);
    cr_assert(v.connected);
    cr_assert(eq(i64, v.min_in_degree, 2));
    cr_assert(eq(i64, v.max_in_degree, 2));
    cr_assert(eq(i64, v.min_out_degree, 2));
    cr_assert(eq(i64, v.max_out_degree, 2));
    cr_assert(eq(dbl, v.max_row_error, 0.0));
    cr_assert(eq(dbl, v.max_col_error, 0.0));
    cr_assert(eq(dbl, v.max_asymmetry, 0.0));
    cr_assert(eq(dbl, v.min_entry, 0.25));
    tmx_csr_destroy(&W);
}

Test(csr, validate_reports_a_row_stochastic_only_matrix)
{
    /* W = [[1 0 0], [1/2 1/2 0], [1/2 0 1/2]]: rows sum to 1, column 0 sums to 2. Nodes 1 and 2
     * receive from 0, node 0 from nobody, so not strongly connected. In-degrees (row lengths off
     * the diagonal) 0, 1, 1; out-degrees (column lengths) 2, 0, 0. */
    const int64_t ti[] = {0, 1, 1, 2, 2}, tj[] = {0, 0, 1, 0, 2};
    const double tv[] = {1.0, 0.5, 0.5, 0.5, 0.5};
    tmx_csr W = {0};
    tmx_validation v;
    build(&W, 3, 5, ti, tj, tv);
    cr_assert(eq(int, tmx_csr_validate(&W, 1e-12, &v), TMX_OK));
    cr_assert(v.nonnegative);
    cr_assert(v.row_stochastic);
    cr_assert(not(v.col_stochastic));
    cr_assert(not(v.doubly_stochastic));
    cr_assert(not(v.symmetric));
    cr_assert(not(v.connected));
    cr_assert(eq(dbl, v.max_row_error, 0.0));
    cr_assert(eq(dbl, v.max_col_error, 1.0));
    cr_assert(eq(dbl, v.max_asymmetry, 0.5));
    cr_assert(eq(i64, v.min_in_degree, 0));
    cr_assert(eq(i64, v.max_in_degree, 1));
    cr_assert(eq(i64, v.min_out_degree, 0));
    cr_assert(eq(i64, v.max_out_degree, 2));
    tmx_csr_destroy(&W);
}

Test(csr, validate_flags_a_negative_entry)
{
    /* [[3/2 -1/2], [-1/2 3/2]]: every row and column sums to 1 and it is symmetric, but it is not
     * a mixing matrix. */
    const int64_t ti[] = {0, 0, 1, 1}, tj[] = {0, 1, 0, 1};
    const double tv[] = {1.5, -0.5, -0.5, 1.5};
    tmx_csr W = {0};
    tmx_validation v;
    build(&W, 2, 4, ti, tj, tv);
    cr_assert(eq(int, tmx_csr_validate(&W, 1e-12, &v), TMX_OK));
    cr_assert(not(v.nonnegative));
    cr_assert(v.row_stochastic);
    cr_assert(v.col_stochastic);
    cr_assert(not(v.doubly_stochastic));
    cr_assert(v.symmetric);
    cr_assert(eq(dbl, v.min_entry, -0.5));
    tmx_csr_destroy(&W);
}

Test(csr, validate_counts_in_degree_by_row_and_out_degree_by_column)
{
    /* Node 0 receives from 1, 2, 3 (row 0); nobody receives from 0. A stored zero (row 2,
     * column 3) is not an edge. */
    const int64_t ti[] = {0, 0, 0, 0, 1, 2, 2, 3}, tj[] = {0, 1, 2, 3, 1, 2, 3, 3};
    const double tv[] = {0.25, 0.25, 0.25, 0.25, 1.0, 1.0, 0.0, 1.0};
    tmx_csr W = {0};
    tmx_validation v;
    build(&W, 4, 8, ti, tj, tv);
    cr_assert(eq(int, tmx_csr_validate(&W, 1e-12, &v), TMX_OK));
    cr_assert(eq(i64, v.min_in_degree, 0));
    cr_assert(eq(i64, v.max_in_degree, 3));
    cr_assert(eq(i64, v.min_out_degree, 0)); /* column 0 has no off-diagonal entry */
    cr_assert(eq(i64, v.max_out_degree, 1)); /* the stored zero does not make column 3 count 2 */
    cr_assert(v.row_stochastic);
    cr_assert(not(v.col_stochastic));
    cr_assert(not(v.connected));
    tmx_csr_destroy(&W);
}

Test(csr, validate_rejects_nan_or_negative_tolerance)
{
    tmx_csr W = {0};
    tmx_validation v;
    lazy_ring4(&W);
    const double bad[] = {NAN, -1e-12, -INFINITY, INFINITY};
    for (int c = 0; c < 4; c++) {
        tmx_clear_error();
        assert_failed_with_message(tmx_csr_validate(&W, bad[c], &v), TMX_EINVAL);
    }
    tmx_csr_destroy(&W);
}

Test(csr, validate_rejects_a_malformed_matrix)
{
    tmx_csr W = {0};
    tmx_validation v;
    lazy_ring4(&W);
    W.col[1] = 3; /* row 0: columns 0, 3, 3 */
    tmx_clear_error();
    assert_failed_with_message(tmx_csr_validate(&W, 1e-12, &v), TMX_EINVAL);
    tmx_csr_destroy(&W);
}

/* Builds the given edge list (i receives from j) with 1/2 on each listed entry, plus diagonals. */
static void graph(tmx_csr *W, int64_t n, int count, const int64_t *ti, const int64_t *tj)
{
    int64_t *ai = malloc((size_t)(n + count) * sizeof *ai), *aj = malloc((size_t)(n + count) * sizeof *aj);
    double *av = malloc((size_t)(n + count) * sizeof *av);
    cr_assert(ai && aj && av);
    for (int64_t i = 0; i < n; i++) ai[i] = aj[i] = i, av[i] = 0.5;
    for (int e = 0; e < count; e++) ai[n + e] = ti[e], aj[n + e] = tj[e], av[n + e] = 0.5;
    build(W, n, n + count, ai, aj, av);
    free(ai);
    free(aj);
    free(av);
}

Test(csr, connectivity_of_two_disconnected_blocks_is_zero)
{
    /* undirected edges 0-1, 1-2 and 3-4, 4-5: two blocks */
    const int64_t ti[] = {0, 1, 1, 2, 3, 4, 4, 5}, tj[] = {1, 0, 2, 1, 4, 3, 5, 4};
    tmx_csr W = {0};
    tmx_validation v;
    graph(&W, 6, 8, ti, tj);
    cr_assert(eq(int, tmx_csr_is_connected(&W), 0));
    cr_assert(eq(int, tmx_csr_validate(&W, 1e-12, &v), TMX_OK));
    cr_assert(eq(int, v.connected, 0));
    tmx_csr_destroy(&W);
}

Test(csr, connectivity_of_a_directed_cycle_is_one)
{
    /* i receives from i-1 (mod 5): the directed ring, strongly connected */
    int64_t ti[5], tj[5];
    for (int64_t i = 0; i < 5; i++) ti[i] = i, tj[i] = (i + 4) % 5;
    tmx_csr W = {0};
    tmx_validation v;
    graph(&W, 5, 5, ti, tj);
    cr_assert(eq(int, tmx_csr_is_connected(&W), 1));
    cr_assert(eq(int, tmx_csr_validate(&W, 1e-12, &v), TMX_OK));
    cr_assert(eq(int, v.connected, 1));
    cr_assert(v.doubly_stochastic);
    cr_assert(not(v.symmetric));
    tmx_csr_destroy(&W);
}

Test(csr, connectivity_of_a_directed_path_is_zero)
{
    /* i receives from i-1 for i = 1..4: weakly but not strongly connected */
    const int64_t ti[] = {1, 2, 3, 4}, tj[] = {0, 1, 2, 3};
    tmx_csr W = {0}, T = {0};
    graph(&W, 5, 4, ti, tj);
    cr_assert(eq(int, tmx_csr_is_connected(&W), 0));
    cr_assert(eq(int, tmx_csr_transpose(&T, &W), TMX_OK));
    cr_assert(eq(int, tmx_csr_is_connected(&T), 0)); /* the reversed path neither */
    tmx_csr_destroy(&W);
    tmx_csr_destroy(&T);
}

Test(csr, connectivity_of_an_undirected_path_is_one)
{
    const int64_t ti[] = {1, 0, 2, 1, 3, 2}, tj[] = {0, 1, 1, 2, 2, 3};
    tmx_csr W = {0};
    graph(&W, 4, 6, ti, tj);
    cr_assert(eq(int, tmx_csr_is_connected(&W), 1));
    tmx_csr_destroy(&W);
}

Test(csr, connectivity_ignores_stored_zeros)
{
    /* the only link back from 1 to 0 is a stored zero */
    const int64_t ti[] = {0, 0, 1, 1}, tj[] = {0, 1, 1, 0};
    const double tv[] = {0.5, 0.5, 1.0, 0.0};
    tmx_csr W = {0};
    build(&W, 2, 4, ti, tj, tv);
    cr_assert(eq(int, tmx_csr_is_connected(&W), 0));
    tmx_csr_destroy(&W);
}

Test(csr, connectivity_of_a_single_node_is_one)
{
    tmx_csr W = {0};
    tmx_validation v;
    cr_assert(eq(int, tmx_csr_identity(&W, 1), TMX_OK));
    cr_assert(eq(int, tmx_csr_is_connected(&W), 1));
    cr_assert(eq(int, tmx_csr_validate(&W, 0.0, &v), TMX_OK));
    cr_assert(eq(int, v.connected, 1));
    cr_assert(v.doubly_stochastic);
    cr_assert(eq(i64, v.max_in_degree, 0));
    cr_assert(eq(i64, v.max_out_degree, 0));
    tmx_csr_destroy(&W);
    /* an empty 1 × 1 matrix (no diagonal stored) is connected too */
    build(&W, 1, 0, NULL, NULL, NULL);
    cr_assert(eq(int, tmx_csr_is_connected(&W), 1));
    tmx_csr_destroy(&W);
}

/* ---- the mixing-matrix check -------------------------------------------------------------- */

/* Asserts that tmx_csr_check_mixing refuses W with TMX_EINVAL and a message containing want. */
static void assert_refused(const tmx_csr *W, double tol, unsigned flags, const char *want)
{
    tmx_clear_error();
    tmx_status st = tmx_csr_check_mixing(W, tol, flags);
    cr_assert(eq(int, st, TMX_EINVAL), "status %s (%s), wanted EINVAL", tmx_errname(st), tmx_last_error());
    cr_assert(strstr(tmx_last_error(), "W is not a mixing matrix: ") == tmx_last_error(), "message: %s",
              tmx_last_error());
    cr_assert(strstr(tmx_last_error(), want) != NULL, "message '%s' lacks '%s'", tmx_last_error(), want);
    cr_assert(strchr(tmx_last_error(), '\n') == NULL, "more than one line: %s", tmx_last_error());
}

Test(csr, check_mixing_accepts_a_connected_doubly_stochastic_matrix)
{
    tmx_csr W = {0};
    lazy_ring4(&W);
    cr_assert(eq(int, tmx_csr_check_mixing(&W, 0.0, 0), TMX_OK), "%s", tmx_last_error());
    cr_assert(eq(int, tmx_csr_check_mixing(&W, TMX_MIXING_TOL, TMX_MIXING_CONNECTED), TMX_OK), "%s",
              tmx_last_error());
    tmx_csr_destroy(&W);
}

Test(csr, check_mixing_names_the_first_negative_entry_counted_from_one)
{
    /* [[3/4 1/2 -1/4], [1/2 1/4 1/4], [-1/4 1/4 1]]: rows and columns sum to 1; negative entries at
     * (1, 3) and (3, 1), counted from 1. The first in row order is named (column order would give
     * (3, 1)). */
    const int64_t ti[] = {0, 0, 0, 1, 1, 1, 2, 2, 2}, tj[] = {0, 1, 2, 0, 1, 2, 0, 1, 2};
    const double tv[] = {0.75, 0.5, -0.25, 0.5, 0.25, 0.25, -0.25, 0.25, 1.0};
    tmx_csr W = {0};
    build(&W, 3, 9, ti, tj, tv);
    assert_refused(&W, TMX_MIXING_TOL, 0, "entry (1, 3) = -0.25 is negative");
    tmx_csr_destroy(&W);
}

Test(csr, check_mixing_names_the_first_row_that_does_not_sum_to_one)
{
    /* the 0/1 adjacency of the 4-cycle: every row sums to 2 (rows 1..4); row 1 is named */
    const int64_t ti[] = {0, 1, 1, 2, 2, 3, 3, 0}, tj[] = {1, 0, 2, 1, 3, 2, 0, 3};
    const double tv[] = {1, 1, 1, 1, 1, 1, 1, 1};
    tmx_csr W = {0};
    build(&W, 4, 8, ti, tj, tv);
    assert_refused(&W, TMX_MIXING_TOL, 0, "row 1 sums to 2 (must be 1 within 1e-12)");
    tmx_csr_destroy(&W);
    /* only row 3 is off (row 2 holds 1/2 + 1/2): the first failing row is 3, not 1 */
    const int64_t ui[] = {0, 1, 1, 2}, uj[] = {0, 1, 2, 2};
    const double uv[] = {1.0, 0.5, 0.5, 0.75};
    build(&W, 3, 4, ui, uj, uv);
    assert_refused(&W, TMX_MIXING_TOL, 0, "row 3 sums to 0.75");
    tmx_csr_destroy(&W);
}

Test(csr, check_mixing_names_the_first_column_of_a_row_stochastic_matrix)
{
    /* [[1 0 0], [1/2 1/2 0], [1/2 0 1/2]]: rows sum to 1, columns to 2, 1/2, 1/2; column 1 named */
    const int64_t ti[] = {0, 1, 1, 2, 2}, tj[] = {0, 0, 1, 0, 2};
    const double tv[] = {1.0, 0.5, 0.5, 0.5, 0.5};
    tmx_csr W = {0};
    build(&W, 3, 5, ti, tj, tv);
    assert_refused(&W, TMX_MIXING_TOL, 0, "column 1 sums to 2 (must be 1 within 1e-12)");
    tmx_csr_destroy(&W);
    /* column 1 right, columns 2 and 3 off: column 2 is named */
    const int64_t ui[] = {0, 1, 1, 2, 2}, uj[] = {0, 1, 2, 1, 2};
    const double uv[] = {1.0, 0.75, 0.25, 0.75, 0.25};
    build(&W, 3, 5, ui, uj, uv);
    assert_refused(&W, TMX_MIXING_TOL, 0, "column 2 sums to 1.5");
    tmx_csr_destroy(&W);
}

Test(csr, check_mixing_counts_the_components_of_a_disconnected_matrix_when_asked)
{
    /* three 2 × 2 blocks of 1/2: doubly stochastic, three components */
    const int64_t ti[] = {0, 1, 2, 3, 4, 5}, tj[] = {1, 0, 3, 2, 5, 4};
    tmx_csr W = {0};
    graph(&W, 6, 6, ti, tj);
    cr_assert(eq(int, tmx_csr_check_mixing(&W, TMX_MIXING_TOL, 0), TMX_OK), "%s", tmx_last_error());
    assert_refused(&W, TMX_MIXING_TOL, TMX_MIXING_CONNECTED, "the graph of W is disconnected (3 components)");
    tmx_csr_destroy(&W);
    /* an identity: n components (stored diagonal entries are no edges) */
    cr_assert(eq(int, tmx_csr_identity(&W, 5), TMX_OK));
    assert_refused(&W, TMX_MIXING_TOL, TMX_MIXING_CONNECTED, "(5 components)");
    tmx_csr_destroy(&W);
}

Test(csr, check_mixing_checks_signs_before_rows_and_rows_before_columns)
{
    /* [[2 -1], [0 1]] has a negative entry, a column that sums to 2 and rows that sum to 1 */
    const int64_t ti[] = {0, 0, 1}, tj[] = {0, 1, 1};
    const double tv[] = {2.0, -1.0, 1.0};
    tmx_csr W = {0};
    build(&W, 2, 3, ti, tj, tv);
    assert_refused(&W, TMX_MIXING_TOL, 0, "entry (1, 2) = -1 is negative");
    tmx_csr_destroy(&W);
    /* [[1 1], [0 1]]: row 1 and column 2 sum to 2; the row is named */
    const double uv[] = {1.0, 1.0, 1.0};
    build(&W, 2, 3, ti, tj, uv);
    assert_refused(&W, TMX_MIXING_TOL, TMX_MIXING_CONNECTED, "row 1 sums to 2");
    tmx_csr_destroy(&W);
}

Test(csr, check_mixing_allows_the_rounding_of_long_rows_and_no_more)
{
    /* With tol = 0 the limit is 2·L·DBL_EPSILON, L the most nonzeros of a row or column: 3 for the
     * lazy ring (diagonal + 2 neighbours), so 6·eps ≈ 1.3e-15. Row 1 of the ring moved by 4 ulps of
     * 1/2 (≈ 4.4e-16 · 2) passes, by 16 ulps (≈ 3.6e-15) does not. */
    tmx_csr W = {0};
    lazy_ring4(&W);
    cr_assert(eq(dbl, W.val[0], 0.5)); /* row 0 starts with its diagonal */
    W.val[0] = 0.5 + 4 * 0x1p-53;     /* + 4.4e-16, one column off by as much */
    cr_assert(eq(int, tmx_csr_check_mixing(&W, 0.0, 0), TMX_OK), "%s", tmx_last_error());
    W.val[0] = 0.5 + 16 * 0x1p-53; /* + 1.8e-15 > 6 eps */
    assert_refused(&W, 0.0, 0, "row 1 sums to");
    /* the caller's tolerance rules when it is larger */
    cr_assert(eq(int, tmx_csr_check_mixing(&W, 1e-12, 0), TMX_OK), "%s", tmx_last_error());
    W.val[0] = 0.5 + 2e-12;
    assert_refused(&W, 1e-12, 0, "(must be 1 within 1e-12)");
    tmx_csr_destroy(&W);
}

Test(csr, check_mixing_refuses_a_malformed_matrix_and_a_bad_tolerance)
{
    tmx_csr W = {0};
    lazy_ring4(&W);
    W.col[1] = 7; /* out of range */
    assert_failed_with_message(tmx_csr_check_mixing(&W, TMX_MIXING_TOL, 0), TMX_EINVAL);
    W.col[1] = 1;
    assert_failed_with_message(tmx_csr_check_mixing(&W, NAN, 0), TMX_EINVAL);
    tmx_csr_destroy(&W);
}

Test(csr, lazy_gives_half_identity_plus_half_w)
{
    /* W = [[0 1], [1 0]] (no diagonal stored) → [[1/2 1/2], [1/2 1/2]]; the lazy ring keeps its
     * pattern and gets 3/4 on the diagonal, 1/8 off it. All exact. */
    const int64_t ti[] = {0, 1}, tj[] = {1, 0};
    const double tv[] = {1.0, 1.0};
    tmx_csr W = {0};
    build(&W, 2, 2, ti, tj, tv);
    cr_assert(eq(int, tmx__csr_lazy(&W, NULL), TMX_OK));
    cr_assert(eq(int, tmx_csr_check(&W), TMX_OK));
    cr_assert(eq(i64, W.nnz, 4));
    for (int64_t i = 0; i < 2; i++)
        for (int64_t j = 0; j < 2; j++) cr_assert(eq(dbl, tmx_csr_get(&W, i, j), 0.5));
    tmx_csr_destroy(&W);
    lazy_ring4(&W);
    tmx_csr spare = {0}; /* through a spare: W takes the spare's arrays, the spare W's old ones */
    int64_t *old_col = W.col;
    cr_assert(eq(int, tmx__csr_lazy(&W, &spare), TMX_OK));
    cr_assert(eq(ptr, spare.col, old_col));
    cr_assert(eq(i64, W.nnz, 12));
    cr_assert(eq(dbl, tmx_csr_get(&W, 1, 1), 0.75));
    cr_assert(eq(dbl, tmx_csr_get(&W, 1, 2), 0.125));
    tmx_csr_destroy(&W);
    tmx_csr_destroy(&spare);
}

/* ---- dense matrices ----------------------------------------------------------------------- */

Test(mat, init_gives_a_zeroed_column_major_matrix)
{
    tmx_mat m;
    cr_assert(eq(int, tmx_mat_init(&m, 3, 2), TMX_OK));
    cr_assert(eq(sz, m.rows, 3));
    cr_assert(eq(sz, m.cols, 2));
    cr_assert(eq(sz, m.ld, 3));
    cr_assert(m.owner);
    for (size_t i = 0; i < 3; i++)
        for (size_t j = 0; j < 2; j++) cr_assert(eq(dbl, tmx_mat_get(&m, i, j), 0.0));
    tmx_mat_set(&m, 2, 1, 4.0);
    cr_assert(eq(dbl, m.data[2 + 1 * 3], 4.0));
    tmx_mat_destroy(&m);
    cr_assert(eq(ptr, m.data, NULL));
    tmx_mat_destroy(&m);   /* zeroed: accepted */
    tmx_mat_destroy(NULL); /* accepted */
}

Test(mat, init_refuses_an_absurd_size)
{
    /* 2^40 × 2^40 doubles overflow size_t: TMX_ENOMEM without attempting the allocation. */
    tmx_mat m;
    tmx_clear_error();
    assert_failed_with_message(tmx_mat_init(&m, (size_t)1 << 40, (size_t)1 << 40), TMX_ENOMEM);
    cr_assert(eq(ptr, m.data, NULL));
    /* 2^20 × 2^20 doubles = 8 TiB fits size_t but exceeds the physical memory of any test host */
    tmx_clear_error();
    assert_failed_with_message(tmx_mat_init(&m, (size_t)1 << 20, (size_t)1 << 20), TMX_ENOMEM);
    cr_assert(eq(ptr, m.data, NULL));
}

/* ---- status codes ------------------------------------------------------------------------- */

Test(error, every_code_has_a_message_and_a_distinct_name)
{
    for (int s = TMX_OK; s <= TMX_EINTERNAL; s++) {
        const char *text = tmx_strerror((tmx_status)s), *name = tmx_errname((tmx_status)s);
        cr_assert(not(eq(ptr, (void *)text, NULL)));
        cr_assert(not(eq(ptr, (void *)name, NULL)));
        cr_assert(gt(sz, strlen(text), 0), "strerror(%d) empty", s);
        cr_assert(gt(sz, strlen(name), 0), "errname(%d) empty", s);
        for (int t = TMX_OK; t < s; t++) {
            cr_assert(ne(str, (char *)name, (char *)tmx_errname((tmx_status)t)), "codes %d and %d share a name", t, s);
            cr_assert(ne(str, (char *)text, (char *)tmx_strerror((tmx_status)t)), "codes %d and %d share a text", t, s);
        }
    }
    cr_assert(eq(str, (char *)tmx_errname(TMX_EDIM), "EDIM"));
    cr_assert(eq(str, (char *)tmx_strerror(TMX_EDIM), "dimension mismatch"));
    /* codes outside the table still give strings */
    cr_assert(gt(sz, strlen(tmx_strerror((tmx_status)99)), 0));
    cr_assert(gt(sz, strlen(tmx_errname((tmx_status)-1)), 0));
}

Test(error, last_error_is_set_by_a_failure_and_cleared_on_request)
{
    tmx_clear_error();
    cr_assert(eq(str, (char *)tmx_last_error(), ""));
    tmx_csr W = {0};
    cr_assert(eq(int, tmx_csr_identity(&W, -1), TMX_EINVAL));
    cr_assert(ne(str, (char *)tmx_last_error(), ""));
    tmx_clear_error();
    cr_assert(eq(str, (char *)tmx_last_error(), ""));
    cr_assert(eq(int, tmx__error(TMX_EPARSE, "x=%d", 42), TMX_EPARSE));
    cr_assert(eq(str, (char *)tmx_last_error(), "x=42"));
}

/* ---- integer helpers ---------------------------------------------------------------------- */

Test(core, is_pow2_and_ceil_log2_in_integer_arithmetic)
{
    /* 243 = 3^5 is not a power of two (2^7 = 128 < 243 ≤ 256 = 2^8); 2^40 + 1 needs 41 bits. */
    static const struct {
        int64_t n;
        int pow2, clog2;
    } cases[] = {
        {1, 1, 0},
        {2, 1, 1},
        {3, 0, 2},
        {4, 1, 2},
        {243, 0, 8},
        {256, 1, 8},
        {(int64_t)1 << 40, 1, 40},
        {((int64_t)1 << 40) + 1, 0, 41},
        {((int64_t)1 << 62) + 1, 0, 63},
        {INT64_MAX, 0, 63},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        cr_assert(eq(int, tmx__is_pow2(cases[c].n), cases[c].pow2), "is_pow2(%lld)", (long long)cases[c].n);
        cr_assert(eq(int, tmx__ceil_log2(cases[c].n), cases[c].clog2), "ceil_log2(%lld)", (long long)cases[c].n);
    }
    cr_assert(eq(int, tmx__is_pow2(0), 0));
    cr_assert(eq(int, tmx__is_pow2(-4), 0));
    cr_assert(eq(int, tmx__is_pow2(INT64_MIN), 0));
}

Test(core, mod_is_nonnegative)
{
    cr_assert(eq(i64, tmx__mod(7, 5), 2));
    cr_assert(eq(i64, tmx__mod(-1, 5), 4));
    cr_assert(eq(i64, tmx__mod(-10, 5), 0));
    cr_assert(eq(i64, tmx__mod(0, 1), 0));
    cr_assert(eq(i64, tmx__mod(INT64_MIN, 3), 1)); /* −2^63 = −3·3074457345618258603 + 1 */
}

Test(core, mul_size_reports_overflow_as_size_max)
{
    cr_assert(eq(sz, tmx__mul_size(0, SIZE_MAX), 0));
    cr_assert(eq(sz, tmx__mul_size(3, 5), 15));
    cr_assert(eq(sz, tmx__mul_size((size_t)1 << 40, (size_t)1 << 40), SIZE_MAX));
}

/* tmx__csr_exactly_symmetric walks each row's upper part with one cursor (O(nnz)); it must agree
 * with the definition, entry (i, j) equal bit for bit to tmx_csr_get(j, i) (a missing entry and a
 * stored zero both read 0), on random small patterns: general, symmetric, and symmetric with a
 * few partners changed, dropped or stored as zeros. */
Test(csr, exactly_symmetric_against_the_definition)
{
    rng_state = 7;
    int symmetric = 0;
    for (int it = 0; it < 20000; it++) {
        int n = 1 + (int)(rng_next() % 6), mode = (int)(rng_next() % 3), q = 0;
        int64_t ti[72], tj[72];
        double tv[72];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) {
                if (rng_next() % 3 == 0 || (mode > 0 && j < i)) continue;
                double v = (double)(rng_next() % 4) * 0.5;
                ti[q] = i, tj[q] = j, tv[q] = v, q++;
                if (mode == 0 || j == i || rng_next() % 7 == 0) continue; /* no partner */
                ti[q] = j, tj[q] = i, tv[q] = mode == 2 && rng_next() % 5 == 0 ? (double)(rng_next() % 3) * 0.5 : v, q++;
            }
        tmx_csr W = {0};
        cr_assert_eq(tmx_csr_from_triplets(&W, n, q, ti, tj, tv), TMX_OK);
        int def = 1;
        for (int64_t i = 0; i < n && def; i++)
            for (int64_t e = W.rowptr[i]; e < W.rowptr[i + 1]; e++)
                if (W.val[e] != tmx_csr_get(&W, W.col[e], i)) def = 0;
        symmetric += def;
        cr_assert_eq(tmx__csr_exactly_symmetric(&W), def, "case %d (n = %d, mode %d)", it, n, mode);
        tmx_csr_destroy(&W);
    }
    cr_expect(symmetric > 2000 && symmetric < 18000, "the cases must exercise both answers (%d symmetric)", symmetric);
}
