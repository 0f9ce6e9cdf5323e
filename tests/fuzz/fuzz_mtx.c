/* libFuzzer harness: the Matrix Market reader, and its round trip through the writer.
 *
 * Every input the reader accepts is written back (`general`, and `symmetric` too when the matrix is
 * exactly symmetric), read again, and must give the same matrix bit for bit: the writer prints
 * values with %.17g, which strtod reads back exactly. A mismatch aborts, so libFuzzer reports it
 * as a crash with the input that caused it. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <topomix/topomix.h>

#include "fuzz_common.h"

/* The largest declared n the harness reads. The reader legitimately allocates O(n) row offsets for
 * a declared n, refusing only what exceeds the machine's memory: a 60-byte file declaring an empty
 * matrix of n = 10^9 would spend the run on an 8 GB memset. Small matrices exercise every branch
 * of the reader. */
enum { MAX_N = 1000 };

/* Whether the declared size is at most MAX_N, found as the reader finds it: line 1 is the banner,
 * the size line the first line that is neither blank nor a % comment (a line is read as a C string,
 * so a NUL ends it). Anything unparsable is read: the reader refuses it by itself. */
static int size_is_small(const char *text, size_t size)
{
    const char *p = memchr(text, '\n', size);
    if (!p) return 1;
    const char *end = text + size;
    for (p++; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end;
        const char *s = p;
        while (s < e && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\v' || *s == '\f')) s++;
        if (s < e && *s != '%' && *s != '\0') {
            for (int k = 0; k < 2; k++) { /* rows, cols; text is NUL-terminated, so strtoll stops */
                char *after;
                long long v = strtoll(s, &after, 10);
                if (after == s) break;
                if (v > MAX_N) return 0;
                s = after;
            }
            return 1;
        }
        p = e + 1;
    }
    return 1;
}

static void expect_same(const tmx_csr *a, const tmx_csr *b, const char *what, const char *text)
{
    if (a->n != b->n || a->nnz != b->nnz)
        fuzz_fail(text, "%s: n %lld -> %lld, nnz %lld -> %lld", what, (long long)a->n, (long long)b->n,
                  (long long)a->nnz, (long long)b->nnz);
    if (memcmp(a->rowptr, b->rowptr, sizeof *a->rowptr * (size_t)(a->n + 1)) != 0)
        fuzz_fail(text, "%s: row offsets differ", what);
    for (int64_t e = 0; e < a->nnz; e++)
        if (a->col[e] != b->col[e] || memcmp(&a->val[e], &b->val[e], sizeof a->val[e]) != 0)
            fuzz_fail(text, "%s: entry %lld: column %lld value %.17g -> column %lld value %.17g", what,
                      (long long)e, (long long)a->col[e] + 1, a->val[e], (long long)b->col[e] + 1, b->val[e]);
}

/* Exactly symmetric, bit for bit (a -0 facing a +0 is not, since the symmetric file stores one). */
static int bitwise_symmetric(const tmx_csr *W)
{
    tmx_csr T = {0};
    if (tmx_csr_transpose(&T, W) != TMX_OK) fuzz_fail(NULL, "transpose failed: %s", tmx_last_error());
    int sym = T.nnz == W->nnz && memcmp(T.rowptr, W->rowptr, sizeof *T.rowptr * (size_t)(W->n + 1)) == 0 &&
              memcmp(T.col, W->col, sizeof *T.col * (size_t)W->nnz) == 0 &&
              memcmp(T.val, W->val, sizeof *T.val * (size_t)W->nnz) == 0;
    tmx_csr_destroy(&T);
    return sym;
}

/* Writes W, reads the text back and compares. */
static void round_trip(const tmx_csr *W, int symmetric, const char *input)
{
    const char *what = symmetric ? "symmetric round trip" : "general round trip";
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (!out) fuzz_fail(NULL, "open_memstream failed");
    if (tmx_mm_write(out, W, symmetric, "fuzz") != TMX_OK) fuzz_fail(input, "%s: write: %s", what, tmx_last_error());
    fclose(out);
    FILE *in = fmemopen(text, len, "r");
    if (!in) fuzz_fail(NULL, "fmemopen failed");
    tmx_csr R = {0};
    if (tmx_mm_read(in, &R) != TMX_OK)
        fuzz_fail(input, "%s: the written file is refused: %s\n--- written:\n%s", what, tmx_last_error(), text);
    fclose(in);
    expect_same(W, &R, what, input);
    tmx_csr_destroy(&R);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    if (size_is_small(text, size)) {
        FILE *f = fuzz_open(text, size);
        tmx_csr W = {0};
        tmx_status st = tmx_mm_read(f, &W);
        fclose(f);
        if (st == TMX_OK) {
            if (tmx_csr_check(&W) != TMX_OK) fuzz_fail(text, "the reader returned a malformed CSR: %s", tmx_last_error());
            round_trip(&W, 0, text);
            if (bitwise_symmetric(&W)) round_trip(&W, 1, text);
        }
        tmx_csr_destroy(&W);
    }
    free(text);
    return 0;
}
