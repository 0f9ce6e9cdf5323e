/* Unit tests: Matrix Market input and output (io_mtx.c). Streams are in memory (fmemopen /
 * open_memstream); the files of tests/data were written by scipy.io.mmwrite. */
#include "internal.h"

#include "temp_file.h"

#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <criterion/parameterized.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <topomix/csr.h>
#include <topomix/error.h>
#include <topomix/io.h>
#include <unistd.h>

#ifndef TMX_TEST_DATA
#error "TMX_TEST_DATA (the absolute path of tests/data) must be defined by the build"
#endif

/* ---- helpers ------------------------------------------------------------------------------ */

static uint64_t rng_state;

static uint64_t rng_next(void) /* splitmix64: deterministic, independent of the library */
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* A value that needs all 17 significant digits: a uniform 53-bit mantissa in (0, 1), with a
 * random sign and, one time in four, a scale far from 1 (tiny, huge or subnormal). */
static double rng_value(void)
{
    double v = (double)((rng_next() >> 11) | 1) * 0x1p-53;
    switch (rng_next() % 8) {
    case 0: v *= 0x1p-1040; break; /* subnormal */
    case 1: v *= 1e300; break;
    case 2: v *= 1e-300; break;
    default: break;
    }
    return rng_next() & 1 ? -v : v;
}

static int64_t rng_below(int64_t n) { return (int64_t)(rng_next() % (uint64_t)n); }

/* Random n × n matrix with `count` draws (duplicates summed by from_triplets); symmetric when
 * asked (each draw placed at (i, j) and (j, i)). */
static void random_matrix(tmx_csr *W, int64_t n, int64_t count, int symmetric)
{
    int64_t *ti = malloc((size_t)(2 * count) * sizeof *ti), *tj = malloc((size_t)(2 * count) * sizeof *tj);
    double *tv = malloc((size_t)(2 * count) * sizeof *tv);
    cr_assert(ti && tj && tv);
    int64_t q = 0;
    for (int64_t e = 0; e < count; e++) {
        int64_t i = rng_below(n), j = rng_below(n);
        double v = rng_value();
        ti[q] = i, tj[q] = j, tv[q] = v, q++;
        if (symmetric && i != j) ti[q] = j, tj[q] = i, tv[q] = v, q++;
    }
    cr_assert(eq(int, tmx_csr_from_triplets(W, n, q, ti, tj, tv), TMX_OK), "%s", tmx_last_error());
    free(ti);
    free(tj);
    free(tv);
}

/* Reads a Matrix Market text through fmemopen. */
static tmx_status read_text(const char *text, tmx_csr *W)
{
    size_t len = strlen(text);
    /* fmemopen of a zero-length buffer is an error in older glibc; a one-byte buffer with size 0
     * of readable content is not expressible either, so the empty file goes through tmpfile(). */
    FILE *f = len ? fmemopen((void *)text, len, "r") : tmpfile();
    cr_assert(not(eq(ptr, f, NULL)), "cannot open an in-memory stream");
    tmx_status st = tmx_mm_read(f, W);
    fclose(f);
    return st;
}

static char *write_text(const tmx_csr *W, int symmetric, const char *comment)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert(not(eq(ptr, f, NULL)));
    tmx_status st = tmx_mm_write(f, W, symmetric, comment);
    cr_assert(eq(int, st, TMX_OK), "%s", tmx_last_error());
    fclose(f);
    return buf;
}

/* Same pattern, and values equal bit for bit (%.17g round-trips every double). */
static void assert_bitwise_equal(const tmx_csr *A, const tmx_csr *B)
{
    cr_assert(eq(i64, A->n, B->n));
    cr_assert(eq(i64, A->nnz, B->nnz));
    cr_assert(eq(int, memcmp(A->rowptr, B->rowptr, ((size_t)A->n + 1) * sizeof(int64_t)), 0));
    cr_assert(eq(int, memcmp(A->col, B->col, (size_t)A->nnz * sizeof(int64_t)), 0));
    for (int64_t e = 0; e < A->nnz; e++)
        cr_assert(eq(int, memcmp(&A->val[e], &B->val[e], sizeof(double)), 0), "entry %lld: %a vs %a",
                  (long long)e, A->val[e], B->val[e]);
}

static int count_lines(const char *s)
{
    int lines = 0;
    for (; *s; s++) lines += *s == '\n';
    return lines;
}

/* ---- round trips -------------------------------------------------------------------------- */

Test(io, general_round_trip_is_bitwise_exact)
{
    rng_state = 2024;
    const int64_t sizes[] = {1, 3, 17, 60};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        tmx_csr W = {0}, R = {0};
        random_matrix(&W, sizes[s], 3 * sizes[s], 0);
        char *text = write_text(&W, 0, "random general matrix");
        cr_assert(eq(int, strncmp(text, "%%MatrixMarket matrix coordinate real general\n", 46), 0), "%s", text);
        cr_assert(not(eq(ptr, strstr(text, "\n% random general matrix\n"), NULL)));
        /* banner + comment + size line + one line per stored entry */
        cr_assert(eq(int, count_lines(text), 3 + (int)W.nnz));
        cr_assert(eq(int, read_text(text, &R), TMX_OK), "%s", tmx_last_error());
        assert_bitwise_equal(&R, &W);
        free(text);
        tmx_csr_destroy(&W);
        tmx_csr_destroy(&R);
    }
}

Test(io, symmetric_round_trip_writes_the_lower_triangle_and_is_bitwise_exact)
{
    rng_state = 77;
    const int64_t sizes[] = {1, 4, 25};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        tmx_csr W = {0}, R = {0};
        random_matrix(&W, sizes[s], 4 * sizes[s], 1);
        int64_t lower = 0;
        for (int64_t i = 0; i < W.n; i++)
            for (int64_t e = W.rowptr[i]; e < W.rowptr[i + 1]; e++) lower += W.col[e] <= i;
        char *text = write_text(&W, 1, NULL);
        cr_assert(eq(int, strncmp(text, "%%MatrixMarket matrix coordinate real symmetric\n", 48), 0));
        cr_assert(eq(int, count_lines(text), 2 + (int)lower), "no comment line, lower triangle only");
        cr_assert(eq(int, read_text(text, &R), TMX_OK), "%s", tmx_last_error());
        assert_bitwise_equal(&R, &W);
        free(text);
        tmx_csr_destroy(&W);
        tmx_csr_destroy(&R);
    }
}

Test(io, round_trip_through_a_temporary_file)
{
    rng_state = 5;
    tmx_csr W = {0}, R = {0};
    random_matrix(&W, 9, 30, 0);
    FILE *f = tmpfile();
    cr_assert(not(eq(ptr, f, NULL)));
    cr_assert(eq(int, tmx_mm_write(f, &W, 0, "tmpfile"), TMX_OK));
    rewind(f);
    cr_assert(eq(int, tmx_mm_read(f, &R), TMX_OK), "%s", tmx_last_error());
    fclose(f);
    assert_bitwise_equal(&R, &W);
    tmx_csr_destroy(&W);
    tmx_csr_destroy(&R);
}

Test(io, write_refuses_a_malformed_matrix)
{
    tmx_csr W = {0};
    cr_assert(eq(int, tmx_csr_identity(&W, 3), TMX_OK));
    W.col[2] = 3; /* row 2's column out of range */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    tmx_clear_error();
    cr_assert(eq(int, tmx_mm_write(f, &W, 0, NULL), TMX_EINVAL));
    cr_assert(ne(str, (char *)tmx_last_error(), ""));
    fclose(f);
    free(buf);
    tmx_csr_destroy(&W);
}

Test(io, write_failure_is_reported_as_eio)
{
    FILE *f = fopen("/dev/full", "w");
    if (!f) cr_skip_test("no /dev/full on this system");
    tmx_csr W = {0};
    cr_assert(eq(int, tmx_csr_identity(&W, 50), TMX_OK));
    tmx_clear_error();
    cr_assert(eq(int, tmx_mm_write(f, &W, 0, "to /dev/full"), TMX_EIO));
    cr_assert(ne(str, (char *)tmx_last_error(), ""));
    fclose(f);
    tmx_csr_destroy(&W);
}

/* ---- accepted inputs ---------------------------------------------------------------------- */

Test(io, reads_array_format_general_in_column_major_order)
{
    tmx_csr W = {0};
    cr_assert(eq(int, read_text("%%MatrixMarket matrix array real general\n2 2\n1\n2\n3\n4\n", &W), TMX_OK),
              "%s", tmx_last_error());
    cr_assert(eq(i64, W.n, 2));
    cr_assert(eq(dbl, tmx_csr_get(&W, 0, 0), 1.0));
    cr_assert(eq(dbl, tmx_csr_get(&W, 1, 0), 2.0));
    cr_assert(eq(dbl, tmx_csr_get(&W, 0, 1), 3.0));
    cr_assert(eq(dbl, tmx_csr_get(&W, 1, 1), 4.0));
    tmx_csr_destroy(&W);
}

Test(io, reads_array_format_symmetric_from_the_lower_triangle)
{
    /* columns of the lower triangle: (0,0) (1,0) (2,0) | (1,1) (2,1) | (2,2) */
    tmx_csr W = {0};
    const char *text = "%%MatrixMarket matrix array real symmetric\n3 3\n"
                       "0.5\n0.25\n0.25\n0.625\n0.125\n0.625\n";
    cr_assert(eq(int, read_text(text, &W), TMX_OK), "%s", tmx_last_error());
    const double want[3][3] = {{0.5, 0.25, 0.25}, {0.25, 0.625, 0.125}, {0.25, 0.125, 0.625}};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) cr_assert(eq(dbl, tmx_csr_get(&W, i, j), want[i][j]), "(%d, %d)", i, j);
    tmx_validation v;
    cr_assert(eq(int, tmx_csr_validate(&W, 0.0, &v), TMX_OK)); /* binary fractions: exact sums */
    cr_assert(v.doubly_stochastic);
    cr_assert(v.symmetric);
    tmx_csr_destroy(&W);
}

Test(io, reads_integer_field)
{
    tmx_csr W = {0};
    cr_assert(eq(int, read_text("%%MatrixMarket matrix coordinate integer general\n2 2 3\n1 1 2\n2 1 -7\n2 2 1\n", &W),
                  TMX_OK), "%s", tmx_last_error());
    cr_assert(eq(i64, W.nnz, 3));
    cr_assert(eq(dbl, tmx_csr_get(&W, 0, 0), 2.0));
    cr_assert(eq(dbl, tmx_csr_get(&W, 1, 0), -7.0));
    cr_assert(eq(dbl, tmx_csr_get(&W, 1, 1), 1.0));
    tmx_csr_destroy(&W);
}

Test(io, accepts_comments_blank_lines_crlf_and_any_case_in_the_header)
{
    const char *text = "%%MatrixMarket MATRIX Coordinate Real General\r\n"
                       "% a comment\r\n"
                       "\r\n"
                       "%another comment\r\n"
                       "  3 3 4  \r\n"
                       "\r\n"
                       "1 1 0.5\r\n"
                       "% comment between entries\r\n"
                       "\t2 2 1.0e0\r\n"
                       "\r\n"
                       "3 3 1\r\n"
                       "1 3 0.5\r\n"
                       "\r\n"
                       "% trailing comment\r\n";
    tmx_csr W = {0};
    cr_assert(eq(int, read_text(text, &W), TMX_OK), "%s", tmx_last_error());
    cr_assert(eq(i64, W.n, 3));
    cr_assert(eq(i64, W.nnz, 4));
    cr_assert(eq(dbl, tmx_csr_get(&W, 0, 2), 0.5));
    cr_assert(eq(dbl, tmx_csr_get(&W, 1, 1), 1.0));
    tmx_csr_destroy(&W);
}

Test(io, accepts_a_last_line_without_newline)
{
    tmx_csr W = {0};
    cr_assert(eq(int, read_text("%%MatrixMarket matrix coordinate real general\n1 1 1\n1 1 1", &W), TMX_OK),
              "%s", tmx_last_error());
    cr_assert(eq(dbl, tmx_csr_get(&W, 0, 0), 1.0));
    tmx_csr_destroy(&W);
}

Test(io, sums_duplicate_coordinate_entries)
{
    tmx_csr W = {0};
    cr_assert(eq(int, read_text("%%MatrixMarket matrix coordinate real general\n2 2 3\n1 2 0.25\n2 2 1\n1 2 0.5\n", &W),
                  TMX_OK), "%s", tmx_last_error());
    cr_assert(eq(i64, W.nnz, 2));
    cr_assert(eq(dbl, tmx_csr_get(&W, 0, 1), 0.75));
    tmx_csr_destroy(&W);
}

Test(io, reads_a_symmetric_file_with_an_explicit_zero_entry_count)
{
    tmx_csr W = {0};
    cr_assert(eq(int, read_text("%%MatrixMarket matrix coordinate real symmetric\n4 4 0\n", &W), TMX_OK),
              "%s", tmx_last_error());
    cr_assert(eq(i64, W.n, 4));
    cr_assert(eq(i64, W.nnz, 0));
    tmx_csr_destroy(&W);
}

Test(io, read_frees_the_previous_content)
{
    tmx_csr W = {0};
    cr_assert(eq(int, tmx_csr_identity(&W, 10), TMX_OK));
    cr_assert(eq(int, read_text("%%MatrixMarket matrix coordinate real general\n1 1 1\n1 1 1\n", &W), TMX_OK));
    cr_assert(eq(i64, W.n, 1));
    tmx_csr_destroy(&W);
}

/* ---- files written by scipy.io.mmwrite (tests/data) --------------------------------------- */

Test(io, reads_scipy_general_ring5)
{
    /* scipy writes 16 significant digits: "3.333333333333333e-01", whose nearest double is the
     * double nearest 1/3 (they differ by 1.5e-17, under half the spacing 2.8e-17). */
    tmx_csr W = {0};
    tmx_validation v;
    cr_assert(eq(int, tmx_mm_read_file(TMX_TEST_DATA "/ring5.mtx", &W), TMX_OK), "%s", tmx_last_error());
    cr_assert(eq(i64, W.n, 5));
    cr_assert(eq(i64, W.nnz, 15));
    for (int64_t i = 0; i < 5; i++)
        for (int64_t j = 0; j < 5; j++) {
            int64_t d = tmx__mod(j - i, 5);
            cr_assert(eq(dbl, tmx_csr_get(&W, i, j), (d == 0 || d == 1 || d == 4) ? 1.0 / 3.0 : 0.0));
        }
    /* sums of three values 1/3 each carry at most 2 roundings of ≤ 2^-53 (≈ 1.1e-16) each */
    cr_assert(eq(int, tmx_csr_validate(&W, 4e-16, &v), TMX_OK));
    cr_assert(v.doubly_stochastic);
    cr_assert(v.symmetric);
    cr_assert(v.connected);
    tmx_csr_destroy(&W);
}

Test(io, reads_scipy_symmetric_sym4)
{
    tmx_csr W = {0};
    tmx_validation v;
    cr_assert(eq(int, tmx_mm_read_file(TMX_TEST_DATA "/sym4.mtx", &W), TMX_OK), "%s", tmx_last_error());
    cr_assert(eq(i64, W.n, 4));
    cr_assert(eq(i64, W.nnz, 12)); /* 8 lower-triangle lines: 4 diagonal + 4 mirrored pairs */
    cr_assert(eq(dbl, tmx_csr_get(&W, 0, 3), 0.25));
    cr_assert(eq(dbl, tmx_csr_get(&W, 3, 0), 0.25));
    cr_assert(eq(dbl, tmx_csr_get(&W, 0, 2), 0.0));
    cr_assert(eq(dbl, tmx_csr_get(&W, 2, 2), 0.5));
    cr_assert(eq(int, tmx_csr_validate(&W, 0.0, &v), TMX_OK)); /* 1/2 and 1/4: exact sums */
    cr_assert(v.doubly_stochastic);
    cr_assert(v.symmetric);
    cr_assert(eq(i64, v.min_in_degree, 2));
    cr_assert(eq(i64, v.max_out_degree, 2));
    tmx_csr_destroy(&W);
}

Test(io, reads_scipy_dense_array_dense3)
{
    tmx_csr W = {0};
    tmx_validation v;
    cr_assert(eq(int, tmx_mm_read_file(TMX_TEST_DATA "/dense3.mtx", &W), TMX_OK), "%s", tmx_last_error());
    cr_assert(eq(i64, W.n, 3));
    for (int64_t i = 0; i < 3; i++)
        for (int64_t j = 0; j < 3; j++) cr_assert(eq(dbl, tmx_csr_get(&W, i, j), i == j ? 0.5 : 0.25));
    cr_assert(eq(int, tmx_csr_validate(&W, 0.0, &v), TMX_OK));
    cr_assert(v.doubly_stochastic);
    cr_assert(v.symmetric);
    tmx_csr_destroy(&W);
}

Test(io, read_file_on_a_missing_path_is_eio)
{
    tmx_csr W = {0};
    tmx_clear_error();
    cr_assert(eq(int, tmx_mm_read_file(TMX_TEST_DATA "/no-such-file.mtx", &W), TMX_EIO));
    cr_assert(not(eq(ptr, strstr(tmx_last_error(), "no-such-file.mtx"), NULL)), "message: %s", tmx_last_error());
    cr_assert(eq(ptr, W.rowptr, NULL));
}

Test(io, read_file_names_the_path_in_a_parse_error)
{
    char path[] = "/tmp/topomix-test-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(ge(int, fd, 0));
    FILE *f = fdopen(fd, "w");
    fputs("%%MatrixMarket matrix coordinate real general\n2 2 1\n3 1 1\n", f);
    fclose(f);
    tmx_csr W = {0};
    tmx_clear_error();
    tmx_status st = tmx_mm_read_file(path, &W);
    remove(path);
    cr_assert(eq(int, st, TMX_EPARSE));
    cr_assert(not(eq(ptr, strstr(tmx_last_error(), path), NULL)), "message: %s", tmx_last_error());
    cr_assert(not(eq(ptr, strstr(tmx_last_error(), "line 3"), NULL)), "message: %s", tmx_last_error());
}

/* ---- malformed inputs --------------------------------------------------------------------- */

struct bad_input {
    char what[64];
    char text[160];
    tmx_status want;
};

#define MM_GEN "%%MatrixMarket matrix coordinate real general\n"
#define MM_SYM "%%MatrixMarket matrix coordinate real symmetric\n"

/* The strings are arrays inside the struct, not pointers: Criterion copies each parameter into a
 * separate worker process, where pointers into this one's memory would be meaningless. */
static struct bad_input bad_inputs[] = {
    {"empty file", "", TMX_EPARSE},
    {"only a newline", "\n", TMX_EPARSE},
    {"no banner", "2 2 1\n1 1 1\n", TMX_EPARSE},
    {"wrong banner word", "%%MatrixMarkt matrix coordinate real general\n1 1 1\n1 1 1\n", TMX_EPARSE},
    {"object not matrix", "%%MatrixMarket vector coordinate real general\n1 1 1\n1 1 1\n", TMX_EPARSE},
    {"header missing symmetry", "%%MatrixMarket matrix coordinate real\n1 1 1\n1 1 1\n", TMX_EPARSE},
    {"unknown format", "%%MatrixMarket matrix sparse real general\n1 1 1\n1 1 1\n", TMX_EPARSE},
    {"pattern field", "%%MatrixMarket matrix coordinate pattern general\n2 2 2\n1 1\n2 2\n", TMX_EUNSUP},
    {"complex field", "%%MatrixMarket matrix coordinate complex general\n1 1 1\n1 1 1 0\n", TMX_EUNSUP},
    {"hermitian symmetry", "%%MatrixMarket matrix coordinate real hermitian\n1 1 1\n1 1 1\n", TMX_EUNSUP},
    {"skew-symmetric symmetry", "%%MatrixMarket matrix coordinate real skew-symmetric\n2 2 1\n2 1 1\n", TMX_EUNSUP},
    {"non-square coordinate", MM_GEN "3 4 1\n1 1 1\n", TMX_ENOTSQR},
    {"non-square array", "%%MatrixMarket matrix array real general\n2 3\n1\n2\n3\n4\n5\n6\n", TMX_ENOTSQR},
    {"missing size line", MM_GEN "% only comments\n\n", TMX_EPARSE},
    {"size line without entry count", MM_GEN "2 2\n1 1 1\n", TMX_EPARSE},
    {"size line with an extra token", MM_GEN "2 2 1 9\n1 1 1\n", TMX_EPARSE},
    {"non-numeric size", MM_GEN "two 2 1\n1 1 1\n", TMX_EPARSE},
    {"size overflowing 64 bits", MM_GEN "99999999999999999999 99999999999999999999 1\n1 1 1\n", TMX_EPARSE},
    {"negative size", MM_GEN "-2 -2 1\n1 1 1\n", TMX_EPARSE},
    {"zero size", MM_GEN "0 0 0\n", TMX_EPARSE},
    {"negative entry count", MM_GEN "2 2 -1\n", TMX_EPARSE},
    {"row index 0", MM_GEN "2 2 1\n0 1 1\n", TMX_EPARSE},
    {"column index 0", MM_GEN "2 2 1\n1 0 1\n", TMX_EPARSE},
    {"row index above n", MM_GEN "2 2 1\n3 1 1\n", TMX_EPARSE},
    {"column index above n", MM_GEN "2 2 1\n1 3 1\n", TMX_EPARSE},
    {"negative index", MM_GEN "2 2 1\n-1 1 1\n", TMX_EPARSE},
    {"NaN value", MM_GEN "2 2 1\n1 1 nan\n", TMX_EPARSE},
    {"inf value", MM_GEN "2 2 1\n1 1 inf\n", TMX_EPARSE},
    {"-infinity value", MM_GEN "2 2 1\n1 1 -Infinity\n", TMX_EPARSE},
    {"value overflowing to inf", MM_GEN "2 2 1\n1 1 1e400\n", TMX_EPARSE},
    {"NaN in an array file", "%%MatrixMarket matrix array real general\n1 1\nNaN\n", TMX_EPARSE},
    {"non-numeric value", MM_GEN "2 2 1\n1 1 abc\n", TMX_EPARSE},
    {"value with trailing garbage", MM_GEN "2 2 1\n1 1 0.5x\n", TMX_EPARSE},
    {"missing value", MM_GEN "2 2 1\n1 1\n", TMX_EPARSE},
    {"extra token on an entry line", MM_GEN "2 2 1\n1 1 1 1\n", TMX_EPARSE},
    {"fractional index", MM_GEN "2 2 1\n1.5 1 1\n", TMX_EPARSE},
    {"truncated coordinate file", MM_GEN "3 3 3\n1 1 1\n2 2 1\n", TMX_EPARSE},
    {"truncated array file", "%%MatrixMarket matrix array real general\n2 2\n1\n2\n3\n", TMX_EPARSE},
    {"extra coordinate entries", MM_GEN "2 2 1\n1 1 1\n2 2 1\n", TMX_EPARSE},
    {"extra array values", "%%MatrixMarket matrix array real symmetric\n2 2\n1\n0\n1\n5\n", TMX_EPARSE},
    {"entry above the diagonal of a symmetric file", MM_SYM "2 2 2\n1 1 1\n1 2 0.5\n", TMX_EPARSE},
    {"huge declared size, one entry", MM_GEN "1000000000000000 1000000000000000 1\n1 1 1\n", TMX_ENOMEM},
    {"huge declared size, no entries", MM_GEN "1000000000000000 1000000000000000 0\n", TMX_ENOMEM},
    {"huge symmetric size", MM_SYM "1000000000000000 1000000000000000 1\n1 1 1\n", TMX_ENOMEM},
    {"large array size", "%%MatrixMarket matrix array real general\n100000000 100000000\n1\n", TMX_ENOMEM},
    {"huge entry count", MM_GEN "1000000 1000000 1000000000000\n1 1 1\n", TMX_ENOMEM},
    {"more entries than n^2", MM_GEN "2 2 5\n1 1 1\n1 2 1\n2 1 1\n2 2 1\n1 1 1\n", TMX_EPARSE},
    {"more entries than a symmetric n(n+1)/2", MM_SYM "2 2 4\n1 1 1\n2 1 1\n2 2 1\n1 1 1\n", TMX_EPARSE},
};

ParameterizedTestParameters(io, malformed_input_is_rejected_with_its_status_and_a_message)
{
    return cr_make_param_array(struct bad_input, bad_inputs, sizeof bad_inputs / sizeof bad_inputs[0]);
}

ParameterizedTest(struct bad_input *c, io, malformed_input_is_rejected_with_its_status_and_a_message)
{
    tmx_csr W = {0};
    tmx_clear_error();
    tmx_status st = read_text(c->text, &W);
    cr_assert(eq(int, st, c->want), "%s: got %s (%s), wanted %s", c->what, tmx_errname(st), tmx_last_error(),
              tmx_errname(c->want));
    cr_assert(ne(str, (char *)tmx_last_error(), ""), "%s: no message", c->what);
    cr_assert(eq(ptr, W.rowptr, NULL), "%s: W must hold nothing after a failure", c->what);
    cr_assert(eq(i64, W.n, 0), "%s", c->what);
}

/* An array file declares n² values: for n = 10^15 (n² = 10^30, beyond any integer type) and for
 * n = 2.5·10^9 (n² = 6.25·10^18, near LLONG_MAX) the size must be refused as TMX_ENOMEM, the
 * documented status for a size that would exceed memory, without an out-of-range conversion. */
Test(io, huge_array_size_is_refused_as_enomem)
{
    static const char *texts[] = {
        "%%MatrixMarket matrix array real general\n1000000000000000 1000000000000000\n1\n",
        "%%MatrixMarket matrix array real general\n2500000000 2500000000\n1\n",
        "%%MatrixMarket matrix array real symmetric\n1000000000000000 1000000000000000\n1\n",
    };
    for (size_t c = 0; c < sizeof texts / sizeof texts[0]; c++) {
        tmx_csr W = {0};
        tmx_clear_error();
        tmx_status st = read_text(texts[c], &W);
        cr_expect(eq(int, st, TMX_ENOMEM), "case %zu: got %s (%s)", c, tmx_errname(st), tmx_last_error());
        cr_expect(ne(str, (char *)tmx_last_error(), ""));
        cr_expect(eq(ptr, W.rowptr, NULL));
    }
}

/* ---- garbage refused before work: BOM, NUL bytes, headers beyond the file or memory ---------- */

/* Reads `len` bytes (which may hold NUL) through fmemopen. */
static tmx_status read_bytes(const char *bytes, size_t len, tmx_csr *W)
{
    FILE *f = fmemopen((void *)bytes, len, "r");
    cr_assert(not(eq(ptr, f, NULL)), "cannot open an in-memory stream");
    tmx_status st = tmx_mm_read(f, W);
    fclose(f);
    return st;
}


Test(io, accepts_a_utf8_byte_order_mark_before_the_banner)
{
    static const char plain[] = MM_GEN "2 2 3\n1 1 0.5\n2 1 0.5\n2 2 1\n";
    static const char bom[] = "\xEF\xBB\xBF" MM_GEN "2 2 3\n1 1 0.5\n2 1 0.5\n2 2 1\n";
    tmx_csr A = {0}, B = {0};
    cr_assert(eq(int, read_text(plain, &A), TMX_OK), "%s", tmx_last_error());
    cr_assert(eq(int, read_text(bom, &B), TMX_OK), "%s", tmx_last_error());
    assert_bitwise_equal(&A, &B);
    tmx_csr_destroy(&A);
    tmx_csr_destroy(&B);
    /* a BOM is accepted at the start only: elsewhere it is garbage in a number */
    cr_assert(eq(int, read_text(MM_GEN "2 2 1\n\xEF\xBB\xBF" "1 1 1\n", &A), TMX_EPARSE));
}

Test(io, a_nul_byte_names_its_line_and_the_file)
{
    /* the NUL sits in line 3 (an entry), in line 2 (the size line) and in a comment line 2 */
    static const char entry[] = MM_GEN "2 2 1\n1 1\0 1\n";
    static const char size[] = MM_GEN "2 2\0 1\n1 1 1\n";
    static const char comment[] = MM_GEN "% a\0b\n2 2 1\n1 1 1\n";
    const struct {
        const char *bytes;
        size_t len;
        const char *want;
    } cases[] = {{entry, sizeof entry - 1, "NUL byte in line 3"},
                 {size, sizeof size - 1, "NUL byte in line 2"},
                 {comment, sizeof comment - 1, "NUL byte in line 2"}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        tmx_csr W = {0};
        tmx_clear_error();
        cr_expect(eq(int, read_bytes(cases[c].bytes, cases[c].len, &W), TMX_EPARSE), "case %zu", c);
        cr_expect(not(eq(ptr, strstr(tmx_last_error(), cases[c].want), NULL)), "case %zu: %s", c, tmx_last_error());
        cr_expect(eq(ptr, W.rowptr, NULL));
    }
    char path[32];
    temp_file(path, entry, sizeof entry - 1);
    tmx_csr W = {0};
    tmx_status st = tmx_mm_read_file(path, &W);
    remove(path);
    cr_assert(eq(int, st, TMX_EPARSE));
    cr_assert(not(eq(ptr, strstr(tmx_last_error(), path), NULL)), "message: %s", tmx_last_error());
    cr_assert(not(eq(ptr, strstr(tmx_last_error(), "NUL byte in line 3"), NULL)), "message: %s", tmx_last_error());
}

/* A 57-byte file whose header declares 10^9 entries: the entries cannot be in the file, so it is
 * refused from the file's size before anything is allocated by the count. */
Test(io, a_header_declaring_more_entries_than_the_file_holds_is_refused)
{
    static const char text[] = MM_GEN "100000 100000 1000000000\n1 1 1\n";
    char path[32];
    temp_file(path, text, sizeof text - 1);
    tmx_csr W = {0};
    tmx_clear_error();
    tmx_status st = tmx_mm_read_file(path, &W);
    remove(path);
    cr_assert(eq(int, st, TMX_EPARSE), "got %s (%s)", tmx_errname(st), tmx_last_error());
    cr_assert(not(eq(ptr, strstr(tmx_last_error(), "1000000000 entries declared"), NULL)), "%s", tmx_last_error());
    cr_assert(eq(ptr, W.rowptr, NULL));
    /* the array format likewise: 10^10 values declared, a handful of bytes present */
    static const char array[] = "%%MatrixMarket matrix array real general\n100000 100000\n1\n";
    temp_file(path, array, sizeof array - 1);
    st = tmx_mm_read_file(path, &W);
    remove(path);
    cr_assert(eq(int, st, TMX_EPARSE), "got %s (%s)", tmx_errname(st), tmx_last_error());
}

/* The n-dependent arrays (row pointers, row starts: 16 bytes a row) are checked against memory:
 * with TOPOMIX_MEMORY_LIMIT at 64 MiB, n = 10^7 (160 MB) is refused, n = 10^5 (1.6 MB) is read. */
Test(io, a_header_declaring_more_rows_than_memory_holds_is_refused)
{
    /* The limit caps the whole process (limit minus resident memory), and valgrind's own memory
     * counts as resident: 512 MiB leaves room for the 1.6 MB read below under valgrind too, and
     * none for the 16 GB of row offsets that 10^9 rows need. */
    cr_assert(eq(int, setenv("TOPOMIX_MEMORY_LIMIT", "512M", 1), 0));
    tmx_csr W = {0};
    tmx_clear_error();
    tmx_status st = read_text(MM_GEN "1000000000 1000000000 1\n1 1 1\n", &W);
    cr_assert(eq(int, st, TMX_ENOMEM), "got %s (%s)", tmx_errname(st), tmx_last_error());
    cr_assert(not(eq(ptr, strstr(tmx_last_error(), "TOPOMIX_MEMORY_LIMIT"), NULL)), "%s", tmx_last_error());
    cr_assert(eq(ptr, W.rowptr, NULL));
    cr_assert(eq(int, read_text(MM_GEN "100000 100000 1\n1 1 1\n", &W), TMX_OK), "%s", tmx_last_error());
    cr_assert(eq(i64, W.n, 100000));
    tmx_csr_destroy(&W);
}

/* A header with a large count that the entries then fall short of: the reader grows its arrays as
 * entries arrive instead of allocating the declared count, and reports the truncation. */
Test(io, a_large_declared_count_with_few_entries_is_truncated_not_allocated)
{
    cr_assert(eq(int, setenv("TOPOMIX_MEMORY_LIMIT", "1G", 1), 0));
    tmx_csr W = {0};
    tmx_clear_error();
    /* 10^7 entries: 480 MB at the peak, within the limit, but only two are present */
    tmx_status st = read_text(MM_GEN "10000 10000 10000000\n1 1 1\n2 2 1\n", &W);
    cr_assert(eq(int, st, TMX_EPARSE), "got %s (%s)", tmx_errname(st), tmx_last_error());
    cr_assert(not(eq(ptr, strstr(tmx_last_error(), "truncated"), NULL)), "%s", tmx_last_error());
}

Test(io, a_directory_is_refused_by_name)
{
    char dir[] = "/tmp/topomix-dir-XXXXXX";
    cr_assert(not(eq(ptr, mkdtemp(dir), NULL)));
    tmx_csr W = {0};
    tmx_clear_error();
    tmx_status st = tmx_mm_read_file(dir, &W);
    rmdir(dir);
    cr_assert(eq(int, st, TMX_EIO), "got %s (%s)", tmx_errname(st), tmx_last_error());
    cr_assert(not(eq(ptr, strstr(tmx_last_error(), dir), NULL)), "%s", tmx_last_error());
    cr_assert(not(eq(ptr, strstr(tmx_last_error(), "is a directory"), NULL)), "%s", tmx_last_error());
    cr_assert(eq(ptr, W.rowptr, NULL));
}

/* ---- the memory check (core.c) and TOPOMIX_MEMORY_LIMIT ------------------------------------ */

/* This process's resident bytes, read as the library reads them. */
static double resident(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    cr_assert(not(eq(ptr, f, NULL)));
    unsigned long long size, res;
    cr_assert(eq(int, fscanf(f, "%llu %llu", &size, &res), 2));
    fclose(f);
    return (double)res * (double)sysconf(_SC_PAGESIZE);
}

Test(memory, the_limit_caps_the_whole_process_with_binary_suffixes)
{
    double rss = resident();
    cr_assert(lt(dbl, rss, 0x1p30), "the test process holds %.0f bytes", rss);
    /* 4 GiB written four ways: 3 GiB more fit beside this process (under 1 GiB), 4 GiB do not */
    static const char *const four_gib[] = {"4294967296", "4194304K", "4096m", "4G"};
    for (size_t q = 0; q < sizeof four_gib / sizeof four_gib[0]; q++) {
        cr_assert(eq(int, setenv("TOPOMIX_MEMORY_LIMIT", four_gib[q], 1), 0));
        cr_expect(eq(int, tmx__check_bytes(3.0 * 0x1p30, "three"), TMX_OK), "%s: %s", four_gib[q], tmx_last_error());
        tmx_clear_error();
        cr_expect(eq(int, tmx__check_bytes(4.0 * 0x1p30, "the test's array"), TMX_ENOMEM), "%s", four_gib[q]);
        /* one line: what, the estimate in human units, what is available, and why */
        cr_expect(not(eq(ptr, strstr(tmx_last_error(), "the test's array needs 4 GiB, more than the "), NULL)), "%s",
                  tmx_last_error());
        cr_expect(not(eq(ptr, strstr(tmx_last_error(), "of memory available under TOPOMIX_MEMORY_LIMIT"), NULL)),
                  "%s", tmx_last_error());
        cr_expect(eq(ptr, strchr(tmx_last_error(), '\n'), NULL));
    }
    /* the limit counts what the process already holds: with it just above the resident memory,
     * 64 MiB more do not fit, however much the machine has */
    char lim[32];
    snprintf(lim, sizeof lim, "%.0f", rss + 0x1p20);
    cr_assert(eq(int, setenv("TOPOMIX_MEMORY_LIMIT", lim, 1), 0));
    cr_expect(eq(int, tmx__check_bytes(0x1p26, "64 MiB"), TMX_ENOMEM));
    /* a small request is checked too once a limit is set */
    cr_assert(eq(int, setenv("TOPOMIX_MEMORY_LIMIT", "1K", 1), 0));
    cr_expect(eq(int, tmx__check_bytes(4096.0, "a page"), TMX_ENOMEM));
}

Test(memory, without_a_limit_the_available_memory_decides)
{
    cr_assert(eq(int, unsetenv("TOPOMIX_MEMORY_LIMIT"), 0));
    cr_expect(eq(int, tmx__check_bytes(0x1p20, "1 MiB"), TMX_OK), "%s", tmx_last_error());
    cr_expect(eq(int, tmx__check_bytes(0x1p27, "128 MiB"), TMX_OK), "%s", tmx_last_error());
    tmx_clear_error();
    /* 1 EiB is more than any test host has available */
    cr_expect(eq(int, tmx__check_bytes(0x1p60, "an exbibyte"), TMX_ENOMEM));
    cr_expect(not(eq(ptr, strstr(tmx_last_error(), "an exbibyte needs 1 EiB, more than the "), NULL)), "%s",
              tmx_last_error());
    cr_expect(eq(ptr, strstr(tmx_last_error(), "TOPOMIX_MEMORY_LIMIT"), NULL), "%s", tmx_last_error());
    /* an empty value is no limit */
    cr_assert(eq(int, setenv("TOPOMIX_MEMORY_LIMIT", "", 1), 0));
    cr_expect(eq(int, tmx__check_bytes(0x1p27, "128 MiB"), TMX_OK), "%s", tmx_last_error());
}

Test(memory, an_invalid_limit_is_an_error_naming_the_variable)
{
    static const char *const bad[] = {"abc", "12X", "-5", "1.5G", "4GB", " 4G", "4G ", "G",
                                      "99999999999999999999"};
    for (size_t q = 0; q < sizeof bad / sizeof bad[0]; q++) {
        cr_assert(eq(int, setenv("TOPOMIX_MEMORY_LIMIT", bad[q], 1), 0));
        tmx_clear_error();
        /* refused whatever the size asked for, so that a typo never goes unnoticed */
        cr_expect(eq(int, tmx__check_bytes(1.0, "a byte"), TMX_EINVAL), "'%s'", bad[q]);
        cr_expect(not(eq(ptr, strstr(tmx_last_error(), "TOPOMIX_MEMORY_LIMIT"), NULL)), "'%s': %s", bad[q],
                  tmx_last_error());
    }
}
