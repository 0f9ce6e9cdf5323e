/* libFuzzer harness: the LIBSVM reader, and its round trip through the writer.
 *
 * Each input is read in every label mode (binary, classes, raw), once with dim = 0 (d = the largest
 * index) and once with a fixed dim. Every dataset the reader accepts is written back, read again
 * (same mode, dim = the d read first: the writer omits zeros, so trailing all-zero columns are not
 * in the text) and must give the same m, d, class count, labels (bit for bit) and values (equal;
 * a -0 feature comes back as +0, since the writer omits zeros). A mismatch aborts, so libFuzzer
 * reports it as a crash with its input. */
#define _GNU_SOURCE
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <topomix/topomix.h>

#include "fuzz_common.h"

/* The reader stores the data densely, m x d with d the largest index when dim = 0, and refuses only
 * what exceeds the machine's memory: "1 1000000000:1" is a legitimate 8 GB dataset. With dim = 0
 * the harness reads only inputs whose indices stay at most MAX_D (m is at most the input's length);
 * the fixed-dim read refuses larger indices itself. */
enum { MAX_D = 1024, FIXED_DIM = 8 };

/* An upper bound on the largest index: the largest digit run followed by ':' (saturating). */
static long long max_index_bound(const char *text, size_t size)
{
    long long best = 0, v = 0;
    for (size_t i = 0; i < size; i++) {
        char c = text[i];
        if (c >= '0' && c <= '9') {
            v = v > (LLONG_MAX - 9) / 10 ? LLONG_MAX : v * 10 + (c - '0');
        } else {
            if (c == ':' && v > best) best = v;
            v = 0;
        }
    }
    return best;
}

static const char *mode_name(tmx_label_mode mode)
{
    return mode == TMX_LABELS_BINARY ? "binary" : mode == TMX_LABELS_CLASSES ? "classes" : "raw";
}

static void check_labels(const tmx_dataset *D, tmx_label_mode mode, const char *text)
{
    for (int64_t i = 0; i < D->m; i++) {
        double y = D->y[i];
        int ok = mode == TMX_LABELS_BINARY    ? (y == 1.0 || y == -1.0)
                 : mode == TMX_LABELS_CLASSES ? (y >= 0 && y < (double)D->nclass && y == floor(y))
                                              : isfinite(y);
        if (!ok) fuzz_fail(text, "%s labels: sample %lld has label %.17g (nclass %lld)", mode_name(mode), (long long)i, y,
                           (long long)D->nclass);
    }
}

static void expect_same(const tmx_dataset *a, const tmx_dataset *b, const char *what, const char *text)
{
    if (a->m != b->m || a->d != b->d || a->nclass != b->nclass)
        fuzz_fail(text, "%s: m %lld -> %lld, d %lld -> %lld, nclass %lld -> %lld", what, (long long)a->m,
                  (long long)b->m, (long long)a->d, (long long)b->d, (long long)a->nclass, (long long)b->nclass);
    for (int64_t i = 0; i < a->m; i++) {
        if (memcmp(&a->y[i], &b->y[i], sizeof a->y[i]) != 0)
            fuzz_fail(text, "%s: label of sample %lld: %.17g -> %.17g", what, (long long)i, a->y[i], b->y[i]);
        for (int64_t j = 0; j < a->d; j++)
            if (a->A[i * a->d + j] != b->A[i * a->d + j])
                fuzz_fail(text, "%s: sample %lld feature %lld: %.17g -> %.17g", what, (long long)i, (long long)j + 1,
                          a->A[i * a->d + j], b->A[i * a->d + j]);
    }
}

static void one_read(char *text, size_t size, int64_t dim, tmx_label_mode mode)
{
    char what[64];
    snprintf(what, sizeof what, "%s labels, dim %lld", mode_name(mode), (long long)dim);
    FILE *f = fuzz_open(text, size);
    tmx_dataset D = {0};
    tmx_status st = tmx_libsvm_read(f, dim, mode, &D);
    fclose(f);
    if (st != TMX_OK) {
        if (D.A || D.y || D.m || D.d) fuzz_fail(text, "%s: a failed read (%s) left D non-empty", what, tmx_last_error());
        return;
    }
    if (D.m < 1 || D.d < 1 || (dim > 0 && D.d != dim))
        fuzz_fail(text, "%s: accepted with m = %lld, d = %lld", what, (long long)D.m, (long long)D.d);
    check_labels(&D, mode, text);

    char *out = NULL;
    size_t len = 0;
    FILE *w = open_memstream(&out, &len);
    if (!w) fuzz_fail(NULL, "open_memstream failed");
    if (tmx_libsvm_write(w, &D) != TMX_OK) fuzz_fail(text, "%s: write: %s", what, tmx_last_error());
    fclose(w);
    FILE *r = fuzz_open(out, len);
    tmx_dataset R = {0};
    if (tmx_libsvm_read(r, D.d, mode, &R) != TMX_OK)
        fuzz_fail(text, "%s: the written file is refused: %s\n--- written:\n%s", what, tmx_last_error(), out);
    fclose(r);
    expect_same(&D, &R, what, text);
    tmx_dataset_destroy(&R);
    tmx_dataset_destroy(&D);
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const tmx_label_mode modes[] = {TMX_LABELS_BINARY, TMX_LABELS_CLASSES, TMX_LABELS_RAW};
    char *text = fuzz_text(data, size);
    int small = max_index_bound(text, size) <= MAX_D;
    for (int k = 0; k < 3; k++) {
        if (small) one_read(text, size, 0, modes[k]);
        one_read(text, size, FIXED_DIM, modes[k]);
    }
    free(text);
    return 0;
}
