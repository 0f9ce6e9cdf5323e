/* topomix — LIBSVM/SVMlight text input and output, and the dataset destructor
 * (docs/definitions.md §9).
 *
 * The reader is single-pass over a possibly unseekable stream: the nonzeros go into growable
 * sparse arrays (bounded by the file's size), and only once d and m are known is the dense m × d
 * matrix checked against the machine's memory and allocated. A lone huge index therefore costs
 * nothing before it is refused. */
#define _POSIX_C_SOURCE 200809L
#include "internal.h"

#include "data/data_internal.h"

#include <errno.h>
#include <fenv.h>
#include <float.h>
#include <locale.h>
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

/* ---- numbers: strtod's value, faster ----------------------------------------------------------
 *
 * strtod took half of the reader's time on the %.17g values that tmx_libsvm_write (and most tools)
 * write: glibc parses them through multi-precision arithmetic. Debian's fast parsers (fast_float,
 * double-conversion) are C++, so the common case is decided here, exactly as strtod would decide
 * it, and everything else goes to strtod:
 *   - a plain decimal [+-]digits[.digits][(e|E)[+-]digits] with at most 19 significant digits, so
 *     that the digits w < 10^19 fit in 64 bits, and a decimal exponent e10 (value w·10^e10);
 *   - w ≤ 2^53 and |e10| ≤ 22 [Clinger 1990]: w and 10^|e10| are exact doubles, and one IEEE
 *     multiplication or division rounds the exact value once: strtod's result;
 *   - else |e10| ≤ 27 in x87 extended precision (64-bit significand): w and 10^|e10| (5^27 < 2^64)
 *     are exact, so r = w·10^e10 is the exact value rounded once, within half a unit of its 64th bit;
 *     rounding r to double then gives the correctly rounded value unless r lies exactly halfway
 *     between two doubles (its low 11 bits 10000000000): then the exact value may lie on either
 *     side of the tie, and strtod decides. Used only where the extended format is x87's and the
 *     arithmetic is really carried in 64 bits (checked at run time: valgrind, for one, computes
 *     long doubles in 53 bits).
 * Rounding to nearest and a '.' decimal point are required (checked per read, strtod follows the
 * rounding mode and the locale); tests/unit/test_data.c compares with strtod on 700 000 tokens. */

static const double pow10_dbl[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                     1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

#if (defined(__x86_64__) || defined(__i386__)) && LDBL_MANT_DIG == 64
#define HAVE_X87_PATH 1
static const long double pow10_ext[28] = {1e0L,  1e1L,  1e2L,  1e3L,  1e4L,  1e5L,  1e6L,  1e7L,  1e8L,  1e9L,
                                          1e10L, 1e11L, 1e12L, 1e13L, 1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L,
                                          1e20L, 1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L};
#else
#define HAVE_X87_PATH 0
#endif

/* What the fast paths may assume for this read: 0 strtod only, 1 Clinger's path, 2 both. */
static int number_paths(void)
{
#if FLT_EVAL_METHOD != 0
    return 0; /* double arithmetic carried in more bits: Clinger's single rounding does not hold */
#else
    const struct lconv *lc = localeconv();
    if (fegetround() != FE_TONEAREST || !lc || strcmp(lc->decimal_point, ".") != 0) return 0;
#if HAVE_X87_PATH
    volatile long double big = 0x1p63L, one = 1.0L;
    volatile long double sum = big + one;
    if (sum - big == one) return 2; /* a 64-bit significand, really */
#endif
    return 1;
#endif
}

/* Appends the digits starting at s (before e) to w: returns where they end; *sig counts them, and
 * past 19 w is meaningless (the caller gives up). Eight at a time where they are eight digits
 * [the SWAR conversion of fast_float, Lemire 2021], on little-endian machines. */
static const char *digits(const char *s, const char *e, uint64_t *w, int *sig)
{
    uint64_t v = *w;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    while (e - s >= 8 && *sig <= 19) {
        uint64_t b;
        memcpy(&b, s, 8);
        if (((b & 0xf0f0f0f0f0f0f0f0ull) | (((b + 0x0606060606060606ull) & 0xf0f0f0f0f0f0f0f0ull) >> 4)) !=
            0x3333333333333333ull)
            break; /* not eight digits */
        b -= 0x3030303030303030ull;
        b = b * 10 + (b >> 8); /* pairs of digits in bytes 0, 2, 4, 6 */
        b = ((b & 0x000000ff000000ffull) * 0x000f424000000064ull +
             ((b >> 16) & 0x000000ff000000ffull) * 0x0000271000000001ull) >> 32;
        v = v * 100000000u + b;
        *sig += 8;
        s += 8;
    }
#endif
    for (; s < e && *s >= '0' && *s <= '9'; s++, ++*sig) v = v * 10 + (uint64_t)(*s - '0');
    *w = v;
    return s;
}

/* The value of [s, e) as strtod would give it, when a fast path can decide: 1 and *out set;
 * 0 when strtod must decide (not that the token is invalid). */
static int fast_real(const char *s, const char *e, int paths, double *out)
{
    if (e - s > 64) return 0; /* bounds the counts below; such tokens are rare */
    int neg = 0;
    if (s < e && (*s == '-' || *s == '+')) neg = *s++ == '-';
    uint64_t w = 0;
    int sig = 0, ndig = 0, e10 = 0; /* significant digits in w, all digits, 10's exponent */
    const char *t = s;
    while (s < e && *s == '0') s++; /* leading zeros are not significant */
    s = digits(s, e, &w, &sig);
    ndig += (int)(s - t);
    if (s < e && *s == '.') {
        t = ++s;
        if (sig == 0)
            while (s < e && *s == '0') s++;
        s = digits(s, e, &w, &sig);
        ndig += (int)(s - t);
        e10 -= (int)(s - t);
    }
    if (ndig == 0 || sig > 19) return 0;
    if (s < e && (*s == 'e' || *s == 'E')) {
        s++;
        int eneg = 0, x = 0, xd = 0;
        if (s < e && (*s == '-' || *s == '+')) eneg = *s++ == '-';
        for (; s < e && *s >= '0' && *s <= '9'; s++, xd++) {
            if (xd == 4) return 0; /* |exponent| ≥ 10^4: over- or underflow, strtod's business */
            x = x * 10 + (*s - '0');
        }
        if (xd == 0) return 0;
        e10 += eneg ? -x : x;
    }
    if (s != e) return 0;
    double v;
    if (w == 0) {
        v = 0.0;
    } else if (w <= ((uint64_t)1 << 53) && e10 >= -22 && e10 <= 22) {
        v = e10 >= 0 ? (double)w * pow10_dbl[e10] : (double)w / pow10_dbl[-e10];
    } else {
#if HAVE_X87_PATH
        if (paths < 2 || e10 < -27 || e10 > 27) return 0;
        long double r = e10 >= 0 ? (long double)w * pow10_ext[e10] : (long double)w / pow10_ext[-e10];
        uint64_t bits;
        memcpy(&bits, &r, sizeof bits); /* x87 layout: the significand, explicit leading 1, first */
        if ((bits & 0x7ff) == 0x400) return 0;
        v = (double)r; /* |r| within [10^-27, 2^64·10^27]: a normal double */
#else
        return 0;
#endif
    }
    *out = neg ? -v : v;
    return 1;
}

/* A real number spanning exactly [s, e): strtod must consume the whole token, and the value must be
 * finite (NaN, Inf and overflow are refused; underflow to a subnormal or zero is accepted). */
static int parse_real(const char *s, const char *e, int paths, double *out)
{
    if (s == e || *s == '\r' || is_blank(*s)) return 0; /* strtod would skip leading space */
    if (paths && fast_real(s, e, paths, out)) return 1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end != e || !isfinite(v)) return 0;
    *out = v;
    return 1;
}

int tmx__libsvm_parse_real(const char *s, const char *e, double *out)
{
    return parse_real(s, e, number_paths(), out);
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
    if (e - d <= 18) { /* below 10^18 < 2^63: no overflow, no strtoll */
        int64_t v = 0;
        for (const char *c = d; c < e; c++) v = v * 10 + (*c - '0');
        if (v == 0) return IDX_ZERO;
        *out = v;
        return IDX_OK;
    }
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

/* Parses one data line (comment and line end already removed; not blank) into row s->m; paths:
 * number_paths(). */
static tmx_status parse_line(char *line, long lineno, int64_t dim, int paths, sparse_rows *s, int64_t *dmax)
{
    char tok[48];
    char *p = line;
    while (is_blank(*p)) p++;
    char *e = p;
    while (*e && !is_blank(*e)) e++;

    double label;
    if (!parse_real(p, e, paths, &label))
        return tmx__error(TMX_EPARSE, "libsvm: line %ld: label '%s' is not a finite number", lineno,
                          token_text(p, e, tok, sizeof tok));

    int64_t prev = 0;
    for (p = e;;) {
        while (is_blank(*p)) p++;
        if (!*p) break;
        char *colon = NULL;
        for (e = p; *e && !is_blank(*e); e++)
            if (*e == ':' && !colon) colon = e;
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
        if (!parse_real(colon + 1, e, paths, &v))
            return tmx__error(TMX_EPARSE, "libsvm: line %ld: value '%s' of index %lld is not a finite "
                                          "number",
                              lineno, token_text(colon + 1, e, tok, sizeof tok), (long long)idx);
        if (s->nnz >= s->cap_col || s->nnz >= s->cap_val) { /* the rows' arrays: at the line's end */
            tmx_status st = reserve(s, s->m + 1, s->nnz + 1);
            if (st != TMX_OK) return st;
        }
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

/* The read: the sparse rows into *s, d into *d. */
static tmx_status read_sparse(FILE *f, int64_t dim, tmx_label_mode mode, sparse_rows *s, int64_t *d)
{
    tmx_status st = TMX_OK;
    char *line = NULL;
    size_t cap = 0;
    long lineno = 0;
    int64_t dmax = 0;

    if (!f) return tmx__error(TMX_EINVAL, "libsvm_read: stream is NULL");
    if (dim < 0) return tmx__error(TMX_EINVAL, "libsvm_read: dim must be >= 0, got %lld", (long long)dim);
    if (mode != TMX_LABELS_BINARY && mode != TMX_LABELS_CLASSES && mode != TMX_LABELS_RAW)
        return tmx__error(TMX_EINVAL, "libsvm_read: unknown label mode %d", (int)mode);

    const int paths = number_paths();
    TMX_TRY(reserve(s, 1, 1)); /* every array non-NULL from here on */
    s->rowptr[0] = 0;
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
        if (lineno == 1 && strncmp(line, "\xEF\xBB\xBF", 3) == 0) {
            memmove(line, line + 3, (size_t)len - 2);
            len -= 3;
        }
        char *hash = memchr(line, '#', (size_t)len);
        if (hash) *hash = '\0', len = hash - line;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r' || is_blank(line[len - 1])))
            line[--len] = '\0';
        char *p = line;
        while (is_blank(*p)) p++;
        if (!*p) continue;
        TMX_TRY(parse_line(p, lineno, dim, paths, s, &dmax));
    }
    if (s->m == 0) {
        st = tmx__error(TMX_EPARSE, "libsvm: no samples (%ld lines, all blank or comments)", lineno);
        goto cleanup;
    }
    *d = dim > 0 ? dim : dmax;
    if (*d == 0)
        st = tmx__error(TMX_EPARSE, "libsvm: no feature in any of the %lld samples (pass dim to fix d)", (long long)s->m);
cleanup:
    free(line);
    return st;
}

/* The dense rows rows[0..count) of the sparse ones (all of them when rows is NULL) into D, with
 * their labels, mapped beforehand when `mapped`. */
static tmx_status densify(sparse_rows *s, int64_t d, tmx_label_mode mode, const int64_t *rows, int64_t count,
                          int64_t nclass, int mapped, tmx_dataset *D)
{
    tmx_status st = TMX_OK;
    double *A = NULL, *y = NULL;
    if (!rows) count = s->m;
    char what[96];
    snprintf(what, sizeof what, "libsvm: a dense %lld x %lld dataset", (long long)count, (long long)d);
    /* the dense matrix, and the labels' sorted copy (map_labels), beside the sparse rows already read */
    TMX_TRY(tmx__check_bytes(((double)count * (double)d + (double)s->m) * (double)sizeof(double), what));
    A = tmx__alloc_big(tmx__mul_size((size_t)(count ? count : 1) * (size_t)d, sizeof *A), 1);
    if (rows && A) y = malloc((size_t)(count ? count : 1) * sizeof *y);
    if (!A || (rows && !y)) {
        st = tmx__error(TMX_ENOMEM, "%s: out of memory", what);
        goto cleanup;
    }
    for (int64_t j = 0; j < count; j++) {
        int64_t i = rows ? rows[j] : j;
        if (i < 0 || i >= s->m) {
            st = tmx__error(TMX_EINVAL, "libsvm: row %lld outside the %lld samples", (long long)i, (long long)s->m);
            goto cleanup;
        }
        for (int64_t k = s->rowptr[i]; k < s->rowptr[i + 1]; k++) A[j * d + s->col[k]] = s->val[k];
        if (rows) y[j] = s->y[i];
    }
    if (!mapped) TMX_TRY(map_labels(s->y, s->m, mode, &nclass));
    if (!rows) y = s->y, s->y = NULL;
    D->m = count;
    D->d = d;
    D->A = A;
    D->y = y;
    D->nclass = nclass;
    A = NULL;
    y = NULL;
cleanup:
    free(A);
    free(y);
    return st;
}

tmx_status tmx_libsvm_read(FILE *f, int64_t dim, tmx_label_mode mode, tmx_dataset *D)
{
    sparse_rows s = {0};
    int64_t d = 0;
    if (!D) return tmx__error(TMX_EINVAL, "libsvm_read: D is NULL");
    tmx_dataset_destroy(D);
    tmx_status st = read_sparse(f, dim, mode, &s, &d);
    if (st == TMX_OK) st = densify(&s, d, mode, NULL, 0, 0, 0, D);
    sparse_free(&s);
    return st;
}

tmx_status tmx__libsvm_read_rows(const char *path, int64_t dim, tmx_label_mode mode, tmx__pick_rows pick, void *ctx,
                                 tmx_dataset *D)
{
    sparse_rows s = {0};
    int64_t d = 0, nclass = 0, count = 0;
    const int64_t *rows = NULL;
    if (!D || !path || !pick) return tmx__error(TMX_EINVAL, "libsvm_read_rows: NULL argument");
    tmx_dataset_destroy(D);
    FILE *f = fopen(path, "r");
    if (!f) return tmx__error(TMX_EIO, "libsvm: cannot open %s: %s", path, strerror(errno));
    struct stat sb;
    tmx_status st = fstat(fileno(f), &sb) == 0 && S_ISDIR(sb.st_mode)
                        ? tmx__error(TMX_EIO, "%s is a directory, not a LIBSVM file", path)
                        : read_sparse(f, dim, mode, &s, &d);
    fclose(f);
    if (st == TMX_OK) st = map_labels(s.y, s.m, mode, &nclass);
    if (st != TMX_OK) { /* name the file, as tmx_libsvm_read_file */
        char msg[512];
        snprintf(msg, sizeof msg, "%s", tmx_last_error());
        if (strncmp(msg, path, strlen(path)) != 0) tmx__error(st, "%s: %s", path, msg);
        sparse_free(&s);
        return st;
    }
    tmx_dataset labels = {.m = s.m, .d = d, .A = NULL, .y = s.y, .nclass = nclass};
    st = pick(ctx, &labels, &rows, &count);
    if (st == TMX_OK) st = densify(&s, d, mode, rows, count, nclass, 1, D);
    sparse_free(&s);
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
