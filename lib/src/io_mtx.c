/* topomix — Matrix Market read and write (the subset scipy.io.mmread/mmwrite use for real
 * matrices). Spec: NIST, "The Matrix Market Exchange Formats: Initial Design" (1996). */
#define _POSIX_C_SOURCE 200809L
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <topomix/io.h>

typedef struct reader {
    FILE *f;
    char *line;
    size_t cap;
    long lineno;
} reader;

/* Next line that is neither blank nor a comment; NULL at end of file, or with *nul set at a line
 * holding a NUL byte (which would end the line early for every parser below). Strips CR/LF. */
static char *next_data_line(reader *r, int *nul)
{
    *nul = 0;
    for (;;) {
        ssize_t len = getline(&r->line, &r->cap, r->f);
        if (len < 0) return NULL;
        r->lineno++;
        if (memchr(r->line, '\0', (size_t)len)) {
            *nul = 1;
            return NULL;
        }
        while (len > 0 && (r->line[len - 1] == '\n' || r->line[len - 1] == '\r')) r->line[--len] = '\0';
        char *s = r->line;
        while (isspace((unsigned char)*s)) s++;
        if (*s == '\0' || *s == '%') continue;
        return s;
    }
}

/* Parses a decimal integer token; advances *s. 0 on failure. */
static int parse_int(char **s, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(*s, &end, 10);
    if (end == *s || errno == ERANGE || (*end && !isspace((unsigned char)*end))) return 0;
    *out = v;
    *s = end;
    return 1;
}

static int parse_real(char **s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(*s, &end);
    if (end == *s || (*end && !isspace((unsigned char)*end))) return 0;
    *out = v;
    *s = end;
    return 1;
}

static int only_space(const char *s)
{
    while (isspace((unsigned char)*s)) s++;
    return *s == '\0';
}

/* Triplet arrays grown as entries are read, so that a header's count never allocates more than
 * the file holds. */
typedef struct triplets {
    int64_t *i, *j;
    double *v;
    int64_t cap;
} triplets;

/* Room for `need` triplets (need <= most, the declared count), doubling up to `most`. */
static int triplets_reserve(triplets *t, int64_t need, int64_t most)
{
    if (need <= t->cap) return 1;
    int64_t c = t->cap ? t->cap : most < 4096 ? most : 4096;
    while (c < need) c = c > most / 2 ? most : 2 * c;
    int64_t *i = realloc(t->i, (size_t)c * sizeof *i);
    if (i) t->i = i;
    int64_t *j = i ? realloc(t->j, (size_t)c * sizeof *j) : NULL;
    if (j) t->j = j;
    double *v = j ? realloc(t->v, (size_t)c * sizeof *v) : NULL;
    if (v) t->v = v, t->cap = c;
    return v != NULL;
}

/* Bytes left to read in f when it is a regular file, else -1 (a pipe, a memory stream). */
static double bytes_left(FILE *f)
{
    struct stat sb;
    int fd = fileno(f);
    off_t pos = fd >= 0 ? ftello(f) : -1;
    if (fd < 0 || pos < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) return -1.0;
    return sb.st_size > pos ? (double)(sb.st_size - pos) : 0.0;
}

tmx_status tmx_mm_read(FILE *f, tmx_csr *W)
{
    tmx_status st = TMX_OK;
    reader r = {f, NULL, 0, 0};
    triplets tr = {0};
    int nul = 0;
    char fmt[32] = "", field[32] = "", sym[32] = "", obj[32] = "", banner[32] = "";
    tmx_csr_destroy(W);

    ssize_t len = getline(&r.line, &r.cap, f);
    r.lineno = 1;
    if (len < 0) {
        st = tmx__error(TMX_EPARSE, "matrix market: empty file (no %%%%MatrixMarket header)");
        goto cleanup;
    }
    if (memchr(r.line, '\0', (size_t)len)) {
        st = tmx__error(TMX_EPARSE, "matrix market: NUL byte in line 1 (not a text file?)");
        goto cleanup;
    }
    /* a UTF-8 byte order mark, as some Windows editors write, is not part of the banner */
    const char *head = strncmp(r.line, "\xEF\xBB\xBF", 3) == 0 ? r.line + 3 : r.line;
    if (sscanf(head, "%31s %31s %31s %31s %31s", banner, obj, fmt, field, sym) != 5 ||
        strcmp(banner, "%%MatrixMarket") != 0 || strcasecmp(obj, "matrix") != 0) {
        st = tmx__error(TMX_EPARSE, "matrix market: line 1 is not a '%%%%MatrixMarket matrix FORMAT FIELD SYMMETRY' header");
        goto cleanup;
    }
    int coordinate = strcasecmp(fmt, "coordinate") == 0;
    if (!coordinate && strcasecmp(fmt, "array") != 0) {
        st = tmx__error(TMX_EPARSE, "matrix market: unknown format '%s' (coordinate or array)", fmt);
        goto cleanup;
    }
    if (strcasecmp(field, "real") != 0 && strcasecmp(field, "integer") != 0 && strcasecmp(field, "double") != 0) {
        st = tmx__error(TMX_EUNSUP, "matrix market: field '%s' is not supported (real or integer)", field);
        goto cleanup;
    }
    int symmetric = strcasecmp(sym, "symmetric") == 0;
    if (!symmetric && strcasecmp(sym, "general") != 0) {
        st = tmx__error(TMX_EUNSUP, "matrix market: symmetry '%s' is not supported (general or symmetric)", sym);
        goto cleanup;
    }

    char *s = next_data_line(&r, &nul);
    long long rows, cols, count = 0;
    if (nul) {
        st = tmx__error(TMX_EPARSE, "matrix market: NUL byte in line %ld (not a text file?)", r.lineno);
        goto cleanup;
    }
    if (!s || !parse_int(&s, &rows) || !parse_int(&s, &cols) || (coordinate && !parse_int(&s, &count)) ||
        !only_space(s)) {
        st = tmx__error(TMX_EPARSE, "matrix market: line %ld: expected the size line '%s'", r.lineno,
                        coordinate ? "ROWS COLS ENTRIES" : "ROWS COLS");
        goto cleanup;
    }
    if (rows < 1 || cols < 1) {
        st = tmx__error(TMX_EPARSE, "matrix market: line %ld: sizes must be >= 1, got %lld x %lld", r.lineno, rows, cols);
        goto cleanup;
    }
    if (rows != cols) {
        st = tmx__error(TMX_ENOTSQR, "matrix market: a mixing matrix must be square, got %lld x %lld", rows, cols);
        goto cleanup;
    }
    int64_t n = rows;
    double maxcount = symmetric ? (double)n * ((double)n + 1) / 2 : (double)n * (double)n;
    if (coordinate && (double)count > maxcount) {
        st = tmx__error(TMX_EPARSE, "matrix market: line %ld: %lld entries cannot fit a %lld x %lld %s matrix",
                        r.lineno, count, rows, cols, symmetric ? "symmetric" : "general");
        goto cleanup;
    }
    if (coordinate && count < 0) {
        st = tmx__error(TMX_EPARSE, "matrix market: line %ld: negative entry count %lld", r.lineno, count);
        goto cleanup;
    }
    /* an array file holds every entry: decide the size in floating point before any conversion */
    double entries = coordinate ? (double)count : maxcount;
    /* each entry takes a line of at least "1 1 1" or "1", and a newline unless it is the last */
    double left = bytes_left(f), most = floor((left + 1.0) / (coordinate ? 6.0 : 2.0));
    if (left >= 0.0 && entries > most) {
        st = tmx__error(TMX_EPARSE, "matrix market: line %ld: %.0f entries declared, but the %.0f bytes after "
                        "this line hold %.0f at most", r.lineno, entries, left, most);
        goto cleanup;
    }
    /* the peak: the triplets (24 bytes an entry), then from_triplets' order (8) and the matrix (16),
     * with its row starts and the matrix's row pointers (8 bytes a row each); a symmetric entry off
     * the diagonal is stored twice */
    double stored_d = symmetric ? 2.0 * entries : entries;
    TMX_TRY(tmx__check_bytes(16.0 * ((double)n + 1.0) + 48.0 * stored_d, "matrix market file's matrix"));
    if (!coordinate) count = (long long)maxcount; /* fits: it passed the memory check */
    int64_t stored = symmetric ? 2 * (int64_t)count : (int64_t)count;
    int64_t q = 0, ai = 0, aj = 0; /* array position: row ai of column aj */
    for (long long e = 0; e < count; e++) {
        if (!(s = next_data_line(&r, &nul))) {
            if (nul)
                st = tmx__error(TMX_EPARSE, "matrix market: NUL byte in line %ld (not a text file?)", r.lineno);
            else
                st = tmx__error(TMX_EPARSE, "matrix market: truncated: %lld entries declared, %lld found", count, e);
            goto cleanup;
        }
        long long i, j;
        double v;
        if (coordinate) {
            if (!parse_int(&s, &i) || !parse_int(&s, &j) || !parse_real(&s, &v) || !only_space(s)) {
                st = tmx__error(TMX_EPARSE, "matrix market: line %ld: expected 'ROW COL VALUE'", r.lineno);
                goto cleanup;
            }
            if (i < 1 || i > rows || j < 1 || j > cols) {
                st = tmx__error(TMX_EPARSE, "matrix market: line %ld: index (%lld, %lld) outside %lld x %lld",
                                r.lineno, i, j, rows, cols);
                goto cleanup;
            }
            i--, j--;
        } else {
            if (!parse_real(&s, &v) || !only_space(s)) {
                st = tmx__error(TMX_EPARSE, "matrix market: line %ld: expected one value", r.lineno);
                goto cleanup;
            }
            i = ai, j = aj;
            if (++ai == n) aj++, ai = symmetric ? aj : 0;
        }
        if (!isfinite(v)) {
            st = tmx__error(TMX_EPARSE, "matrix market: line %ld: value is not finite", r.lineno);
            goto cleanup;
        }
        if (symmetric && i < j) {
            st = tmx__error(TMX_EPARSE, "matrix market: line %ld: entry (%lld, %lld) above the diagonal of a symmetric matrix",
                            r.lineno, i + 1, j + 1);
            goto cleanup;
        }
        if (!triplets_reserve(&tr, q + (symmetric && i != j ? 2 : 1), stored)) {
            st = tmx__error(TMX_ENOMEM, "matrix market: line %ld: out of memory for %lld entries", r.lineno, (long long)q);
            goto cleanup;
        }
        tr.i[q] = i, tr.j[q] = j, tr.v[q] = v, q++;
        if (symmetric && i != j) tr.i[q] = j, tr.j[q] = i, tr.v[q] = v, q++;
    }
    if ((s = next_data_line(&r, &nul)) != NULL) {
        st = tmx__error(TMX_EPARSE, "matrix market: line %ld: more entries than the %lld declared", r.lineno, count);
        goto cleanup;
    }
    if (nul) {
        st = tmx__error(TMX_EPARSE, "matrix market: NUL byte in line %ld (not a text file?)", r.lineno);
        goto cleanup;
    }
    st = tmx_csr_from_triplets(W, n, q, tr.i, tr.j, tr.v);
cleanup:
    free(r.line);
    free(tr.i);
    free(tr.j);
    free(tr.v);
    return st;
}

tmx_status tmx_mm_read_file(const char *path, tmx_csr *W)
{
    FILE *f = fopen(path, "r");
    if (!f) return tmx__error(TMX_EIO, "cannot open %s: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fileno(f), &sb) == 0 && S_ISDIR(sb.st_mode)) { /* fopen opens a directory for reading */
        fclose(f);
        tmx_csr_destroy(W);
        return tmx__error(TMX_EIO, "%s is a directory, not a Matrix Market file", path);
    }
    tmx_status st = tmx_mm_read(f, W);
    fclose(f);
    if (st != TMX_OK) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", tmx_last_error());
        tmx__error(st, "%s: %s", path, msg);
    }
    return st;
}

tmx_status tmx_mm_write(FILE *f, const tmx_csr *W, int symmetric, const char *comment)
{
    tmx_status st = tmx_csr_check(W);
    if (st != TMX_OK) return st;
    int64_t count = 0;
    for (int64_t i = 0; i < W->n; i++)
        for (int64_t e = W->rowptr[i]; e < W->rowptr[i + 1]; e++)
            if (!symmetric || W->col[e] <= i) count++;
    int ok = fprintf(f, "%%%%MatrixMarket matrix coordinate real %s\n", symmetric ? "symmetric" : "general") > 0;
    if (comment) ok = ok && fprintf(f, "%% %s\n", comment) > 0;
    ok = ok && fprintf(f, "%lld %lld %lld\n", (long long)W->n, (long long)W->n, (long long)count) > 0;
    for (int64_t i = 0; ok && i < W->n; i++)
        for (int64_t e = W->rowptr[i]; ok && e < W->rowptr[i + 1]; e++)
            if (!symmetric || W->col[e] <= i)
                ok = fprintf(f, "%lld %lld %.17g\n", (long long)i + 1, (long long)W->col[e] + 1, W->val[e]) > 0;
    if (!ok || fflush(f) != 0 || ferror(f)) return tmx__error(TMX_EIO, "matrix market: write failed");
    return TMX_OK;
}
