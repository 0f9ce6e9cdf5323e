/* topomix — LIBSVM/SVMlight text input and output, and the dataset destructor
 * (docs/definitions.md §9).
 *
 * The reader is single-pass over a possibly unseekable stream: the nonzeros go into growable
 * sparse arrays (bounded by the file's size), and only once d and m are known is the dense m × d
 * matrix checked against the machine's memory and allocated. A lone huge index therefore costs
 * nothing before it is refused. */
#define _POSIX_C_SOURCE 200809L
#include "internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <topomix/data.h>

void tmx_dataset_destroy(tmx_dataset *D)
{
    if (!D) return;
    free(D->A);
    free(D->y);
    D->A = NULL;
    D->y = NULL;
    D->m = D->d = D->nclass = 0;
}

/* ---- reading ---------------------------------------------------------------------------------- */

/* Sparse rows as read: nonzeros of row i are col/val[rowptr[i] .. rowptr[i+1]) (0-based columns). */
typedef struct sparse_rows {
    int64_t m, nnz, cap_rowptr, cap_y, cap_col, cap_val;
    int64_t *rowptr; /* m + 1 */
    double *y;       /* m */
    int64_t *col;    /* nnz */
    double *val;     /* nnz */
} sparse_rows;

static void sparse_free(sparse_rows *s)
{
    free(s->rowptr);
    free(s->y);
    free(s->col);
    free(s->val);
}

/* Grows p to hold at least `need` elements of `size` bytes (capacity *cap, doubling), first
 * checking the growth against the memory available; on failure leaves p and *cap as they were. */
static tmx_status grow(void **p, int64_t *cap, int64_t need, size_t size)
{
    if (need <= *cap) return TMX_OK;
    int64_t c = *cap ? *cap : 64;
    while (c < need) {
        if (c > INT64_MAX / 2) return tmx__error(TMX_ENOMEM, "libsvm: out of memory");
        c *= 2;
    }
    size_t bytes = tmx__mul_size((size_t)c, size);
    tmx_status st = tmx__check_bytes((double)(c - *cap) * (double)size, "libsvm: the samples read so far");
    if (st != TMX_OK) return st;
    void *q = bytes == SIZE_MAX ? NULL : realloc(*p, bytes);
    if (!q) return tmx__error(TMX_ENOMEM, "libsvm: out of memory");
    *p = q;
    *cap = c;
    return TMX_OK;
}

/* Makes room for `rows` rows (rowptr also holds the closing offset) and `nnz` nonzeros. */
static tmx_status reserve(sparse_rows *s, int64_t rows, int64_t nnz)
{
    tmx_status st;
    if ((st = grow((void **)&s->rowptr, &s->cap_rowptr, rows + 1, sizeof *s->rowptr)) != TMX_OK ||
        (st = grow((void **)&s->y, &s->cap_y, rows, sizeof *s->y)) != TMX_OK ||
        (st = grow((void **)&s->col, &s->cap_col, nnz, sizeof *s->col)) != TMX_OK)
        return st;
    return grow((void **)&s->val, &s->cap_val, nnz, sizeof *s->val);
}

static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\v' || c == '\f'; }

/* A real number spanning exactly [s, e): strtod must consume the whole token, and the value must be
 * finite (NaN, Inf and overflow are refused; underflow to a subnormal or zero is accepted). */
static int parse_real(const char *s, const char *e, double *out)
{
    if (s == e || *s == '\r' || is_blank(*s)) return 0; /* strtod would skip leading space */
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end != e || !isfinite(v)) return 0;
    *out = v;
    return 1;
}

typedef enum { IDX_OK, IDX_BAD, IDX_NEGATIVE, IDX_ZERO, IDX_RANGE } idx_result;

/* A decimal index spanning exactly [s, e): digits only (an optional leading '-' is recognised so
 * that it can be reported as negative). */
static idx_result parse_index(const char *s, const char *e, int64_t *out)
{
    if (s == e) return IDX_BAD;
    int neg = *s == '-';
    const char *d = s + neg;
    if (d == e) return IDX_BAD;
    for (const char *c = d; c < e; c++)
        if (*c < '0' || *c > '9') return IDX_BAD;
    if (neg) return IDX_NEGATIVE;
    char *end;
    errno = 0;
    long long v = strtoll(d, &end, 10);
    if (end != e) return IDX_BAD;
    if (errno == ERANGE) return IDX_RANGE;
    if (v == 0) return IDX_ZERO;
    *out = (int64_t)v;
    return IDX_OK;
}

/* Prints the token [s, e) into buf, shortened if long, for messages. */
static const char *token_text(const char *s, const char *e, char *buf, size_t len)
{
    size_t n = (size_t)(e - s);
    if (n + 1 > len) {
        snprintf(buf, len, "%.*s...", (int)(len - 4), s);
    } else {
        memcpy(buf, s, n);
        buf[n] = '\0';
    }
    return buf;
}

/* Parses one data line (comment and line end already removed; not blank) into row s->m. */
static tmx_status parse_line(char *line, long lineno, int64_t dim, sparse_rows *s, int64_t *dmax)
{
    char tok[48];
    char *p = line;
    while (is_blank(*p)) p++;
    char *e = p;
    while (*e && !is_blank(*e)) e++;

    double label;
    if (!parse_real(p, e, &label))
        return tmx__error(TMX_EPARSE, "libsvm: line %ld: label '%s' is not a finite number", lineno,
                          token_text(p, e, tok, sizeof tok));

    int64_t prev = 0;
    for (p = e;;) {
        while (is_blank(*p)) p++;
        if (!*p) break;
        e = p;
        while (*e && !is_blank(*e)) e++;
        char *colon = memchr(p, ':', (size_t)(e - p));
        if (!colon)
            return tmx__error(TMX_EPARSE, "libsvm: line %ld: missing ':' in '%s' (expected idx:val)",
                              lineno, token_text(p, e, tok, sizeof tok));
        if (colon - p == 3 && strncmp(p, "qid", 3) == 0)
            return tmx__error(TMX_EUNSUP, "libsvm: line %ld: SVMlight 'qid:' tokens (ranking) are not "
                                          "supported", lineno);
        int64_t idx = 0;
        switch (parse_index(p, colon, &idx)) {
        case IDX_OK: break;
        case IDX_BAD:
            return tmx__error(TMX_EPARSE, "libsvm: line %ld: index '%s' is not a positive integer",
                              lineno, token_text(p, colon, tok, sizeof tok));
        case IDX_NEGATIVE:
            return tmx__error(TMX_EPARSE, "libsvm: line %ld: negative index %s (indices are 1-based)",
                              lineno, token_text(p, colon, tok, sizeof tok));
        case IDX_ZERO:
            return tmx__error(TMX_EPARSE, "libsvm: line %ld: index 0 (indices are 1-based)", lineno);
        case IDX_RANGE:
            return tmx__error(TMX_EPARSE, "libsvm: line %ld: index %s is out of range", lineno,
                              token_text(p, colon, tok, sizeof tok));
        }
        if (idx <= prev)
            return tmx__error(TMX_EPARSE,
                              "libsvm: line %ld: index %lld after %lld (indices must be strictly "
                              "increasing)",
                              lineno, (long long)idx, (long long)prev);
        if (dim > 0 && idx > dim)
            return tmx__error(TMX_EPARSE, "libsvm: line %ld: index %lld is above dim = %lld", lineno,
                              (long long)idx, (long long)dim);
        double v;
        if (!parse_real(colon + 1, e, &v))
            return tmx__error(TMX_EPARSE, "libsvm: line %ld: value '%s' of index %lld is not a finite "
                                          "number",
                              lineno, token_text(colon + 1, e, tok, sizeof tok), (long long)idx);
        tmx_status st = reserve(s, s->m + 1, s->nnz + 1);
        if (st != TMX_OK) return st;
        s->col[s->nnz] = idx - 1;
        s->val[s->nnz] = v;
        s->nnz++;
        prev = idx;
        p = e;
    }
    if (prev > *dmax) *dmax = prev;
    tmx_status st = reserve(s, s->m + 1, s->nnz);
    if (st != TMX_OK) return st;
    s->y[s->m] = label;
    s->m++;
    s->rowptr[s->m] = s->nnz;
    return TMX_OK;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* "a, b, c" for the first distinct values of the sorted u[0..c), with how many more. */
static const char *label_list(const double *u, int64_t c, char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = '\0';
    for (int64_t i = 0; i < c && i < 4 && at < len; i++)
        at += (size_t)snprintf(buf + at, len - at, "%s%.6g", i ? ", " : "", u[i]);
    if (c > 4 && at < len) snprintf(buf + at, len - at, " and %lld more", (long long)(c - 4));
    return buf;
}

/* Maps labels in place by mode; sets *nclass. A binary or class mode refuses labels that leave a
 * single class: nothing could be learnt from them. */
static tmx_status map_labels(double *y, int64_t m, tmx_label_mode mode, int64_t *nclass)
{
    if (mode == TMX_LABELS_RAW) {
        *nclass = 0;
        return TMX_OK;
    }
    double *u = malloc((size_t)m * sizeof *u);
    if (!u) return tmx__error(TMX_ENOMEM, "libsvm: out of memory mapping %lld labels", (long long)m);
    memcpy(u, y, (size_t)m * sizeof *u);
    qsort(u, (size_t)m, sizeof *u, cmp_double);
    int64_t c = 0;
    for (int64_t i = 0; i < m; i++)
        if (i == 0 || u[i] != u[c - 1]) u[c++] = u[i];
    char seen[96];
    if (mode == TMX_LABELS_BINARY) {
        int pos = u[c - 1] > 0.0, neg = u[0] <= 0.0;
        if (!(pos && neg)) {
            tmx_status st = tmx__error(TMX_EINVAL,
                                       "libsvm: every label maps to %s (labels %s; a binary problem maps labels > 0 "
                                       "to +1, the others to -1, and needs both)",
                                       pos ? "+1" : "-1", label_list(u, c, seen, sizeof seen));
            free(u);
            return st;
        }
        free(u);
        for (int64_t i = 0; i < m; i++) y[i] = y[i] > 0.0 ? 1.0 : -1.0;
        *nclass = 2;
        return TMX_OK;
    }
    if (c < 2) {
        tmx_status st = tmx__error(TMX_EINVAL, "libsvm: every sample has label %s: classification needs 2 classes or more",
                                   label_list(u, c, seen, sizeof seen));
        free(u);
        return st;
    }
    for (int64_t i = 0; i < m; i++) {
        int64_t lo = 0, hi = c - 1; /* u[0..c) is sorted and holds y[i] */
        while (lo < hi) {
            int64_t mid = lo + (hi - lo) / 2;
            if (u[mid] < y[i]) lo = mid + 1;
            else hi = mid;
        }
        y[i] = (double)lo;
    }
    free(u);
    *nclass = c;
    return TMX_OK;
}

tmx_status tmx_libsvm_read(FILE *f, int64_t dim, tmx_label_mode mode, tmx_dataset *D)
{
    tmx_status st = TMX_OK;
    sparse_rows s = {0};
    char *line = NULL;
    size_t cap = 0;
    long lineno = 0;
    int64_t dmax = 0;
    double *A = NULL;

    if (!D) return tmx__error(TMX_EINVAL, "libsvm_read: D is NULL");
    tmx_dataset_destroy(D);
    if (!f) return tmx__error(TMX_EINVAL, "libsvm_read: stream is NULL");
    if (dim < 0) return tmx__error(TMX_EINVAL, "libsvm_read: dim must be >= 0, got %lld", (long long)dim);
    if (mode != TMX_LABELS_BINARY && mode != TMX_LABELS_CLASSES && mode != TMX_LABELS_RAW)
        return tmx__error(TMX_EINVAL, "libsvm_read: unknown label mode %d", (int)mode);

    TMX_TRY(reserve(&s, 1, 1)); /* every array non-NULL from here on */
    s.rowptr[0] = 0;
    for (;;) {
        errno = 0;
        ssize_t len = getline(&line, &cap, f);
        if (len < 0) {
            if (ferror(f)) {
                st = errno == ENOMEM ? tmx__error(TMX_ENOMEM, "libsvm: line %ld: out of memory", lineno + 1)
                                     : tmx__error(TMX_EIO, "libsvm: read error after line %ld", lineno);
                goto cleanup;
            }
            break;
        }
        lineno++;
        if (memchr(line, '\0', (size_t)len)) {
            st = tmx__error(TMX_EPARSE, "libsvm: NUL byte in line %ld (not a text file?)", lineno);
            goto cleanup;
        }
        /* a UTF-8 byte order mark, as some Windows editors write, is not part of the first label */
        if (lineno == 1 && strncmp(line, "\xEF\xBB\xBF", 3) == 0) memmove(line, line + 3, (size_t)len - 2);
        char *hash = strchr(line, '#');
        if (hash) *hash = '\0';
        len = (ssize_t)strlen(line);
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r' || is_blank(line[len - 1])))
            line[--len] = '\0';
        char *p = line;
        while (is_blank(*p)) p++;
        if (!*p) continue;
        TMX_TRY(parse_line(p, lineno, dim, &s, &dmax));
    }
    if (s.m == 0) {
        st = tmx__error(TMX_EPARSE, "libsvm: no samples (%ld lines, all blank or comments)", lineno);
        goto cleanup;
    }
    int64_t d = dim > 0 ? dim : dmax;
    if (d == 0) {
        st = tmx__error(TMX_EPARSE, "libsvm: no feature in any of the %lld samples (pass dim to fix d)",
                        (long long)s.m);
        goto cleanup;
    }
    char what[96];
    snprintf(what, sizeof what, "libsvm: a dense %lld x %lld dataset", (long long)s.m, (long long)d);
    /* the dense matrix, and the labels' sorted copy (map_labels), beside the sparse rows already read */
    TMX_TRY(tmx__check_bytes(((double)s.m * (double)d + (double)s.m) * (double)sizeof(double), what));
    A = tmx__alloc_big(tmx__mul_size((size_t)s.m * (size_t)d, sizeof *A), 1);
    if (!A) {
        st = tmx__error(TMX_ENOMEM, "%s: out of memory", what);
        goto cleanup;
    }
    for (int64_t i = 0; i < s.m; i++)
        for (int64_t k = s.rowptr[i]; k < s.rowptr[i + 1]; k++) A[i * d + s.col[k]] = s.val[k];
    int64_t nclass = 0;
    TMX_TRY(map_labels(s.y, s.m, mode, &nclass));

    D->m = s.m;
    D->d = d;
    D->A = A;
    D->y = s.y;
    D->nclass = nclass;
    A = NULL;
    s.y = NULL;
cleanup:
    free(A);
    sparse_free(&s);
    free(line);
    return st;
}

tmx_status tmx_libsvm_read_file(const char *path, int64_t dim, tmx_label_mode mode, tmx_dataset *D)
{
    if (!path) return tmx__error(TMX_EINVAL, "libsvm_read_file: path is NULL");
    FILE *f = fopen(path, "r");
    if (!f) {
        if (D) tmx_dataset_destroy(D);
        return tmx__error(TMX_EIO, "libsvm: cannot open %s: %s", path, strerror(errno));
    }
    struct stat sb;
    if (fstat(fileno(f), &sb) == 0 && S_ISDIR(sb.st_mode)) { /* fopen opens a directory for reading */
        fclose(f);
        if (D) tmx_dataset_destroy(D);
        return tmx__error(TMX_EIO, "%s is a directory, not a LIBSVM file", path);
    }
    tmx_status st = tmx_libsvm_read(f, dim, mode, D);
    fclose(f);
    if (st != TMX_OK) { /* name the file: "data.svm: libsvm: line 3: ..." */
        char msg[512];
        snprintf(msg, sizeof msg, "%s", tmx_last_error());
        tmx__error(st, "%s: %s", path, msg);
    }
    return st;
}

/* ---- writing ---------------------------------------------------------------------------------- */

tmx_status tmx_libsvm_write(FILE *f, const tmx_dataset *D)
{
    if (!f || !D) return tmx__error(TMX_EINVAL, "libsvm_write: NULL stream or dataset");
    if (D->m < 0 || D->d < 0 || (D->m > 0 && (!D->y || (D->d > 0 && !D->A))))
        return tmx__error(TMX_EINVAL, "libsvm_write: malformed dataset (m=%lld, d=%lld)", (long long)D->m,
                          (long long)D->d);
    for (int64_t i = 0; i < D->m; i++) {
        if (!isfinite(D->y[i]))
            return tmx__error(TMX_EINVAL, "libsvm_write: label of sample %lld is not finite", (long long)i);
        for (int64_t j = 0; j < D->d; j++)
            if (!isfinite(D->A[i * D->d + j]))
                return tmx__error(TMX_EINVAL, "libsvm_write: entry (%lld, %lld) is not finite",
                                  (long long)i, (long long)j);
    }
    int ok = 1;
    for (int64_t i = 0; i < D->m && ok; i++) {
        ok = fprintf(f, "%.17g", D->y[i]) > 0;
        const double *row = D->A + i * D->d;
        for (int64_t j = 0; j < D->d && ok; j++)
            if (row[j] != 0.0) ok = fprintf(f, " %lld:%.17g", (long long)(j + 1), row[j]) > 0;
        if (ok) ok = fputc('\n', f) != EOF;
    }
    if (!ok || fflush(f) != 0 || ferror(f)) return tmx__error(TMX_EIO, "libsvm: write failed");
    return TMX_OK;
}
