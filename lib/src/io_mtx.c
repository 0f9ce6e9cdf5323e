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
#include <topomix/io.h>

typedef struct reader {
    FILE *f;
    char *line;
    size_t cap;
    long lineno;
} reader;

/* Next line that is neither blank nor a comment; NULL at end of file. Strips CR/LF. */
static char *next_data_line(reader *r)
{
    for (;;) {
        ssize_t len = getline(&r->line, &r->cap, r->f);
        if (len < 0) return NULL;
        r->lineno++;
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

tmx_status tmx_mm_read(FILE *f, tmx_csr *W)
{
    tmx_status st = TMX_OK;
    reader r = {f, NULL, 0, 0};
    int64_t *ti = NULL, *tj = NULL;
    double *tv = NULL;
    char fmt[32] = "", field[32] = "", sym[32] = "", obj[32] = "", banner[32] = "";
    tmx_csr_destroy(W);

    ssize_t len = getline(&r.line, &r.cap, f);
    r.lineno = 1;
    if (len < 0) {
        st = tmx__error(TMX_EPARSE, "matrix market: empty file (no %%%%MatrixMarket header)");
        goto cleanup;
    }
    if (sscanf(r.line, "%31s %31s %31s %31s %31s", banner, obj, fmt, field, sym) != 5 ||
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

    char *s = next_data_line(&r);
    long long rows, cols, count = 0;
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
    double stored_d = symmetric ? 2.0 * entries : entries;
    TMX_TRY(tmx__check_bytes((double)(n + 1) * 8 + stored_d * 48, "matrix market file's matrix"));
    if (!coordinate) count = (long long)maxcount; /* fits: it passed the memory check */
    int64_t stored = symmetric ? 2 * (int64_t)count : (int64_t)count;
    ti = malloc((size_t)(stored ? stored : 1) * sizeof *ti);
    tj = malloc((size_t)(stored ? stored : 1) * sizeof *tj);
    tv = malloc((size_t)(stored ? stored : 1) * sizeof *tv);
    if (!ti || !tj || !tv) {
        st = tmx__error(TMX_ENOMEM, "matrix market: out of memory for %lld entries", count);
        goto cleanup;
    }
    int64_t q = 0, ai = 0, aj = 0; /* array position: row ai of column aj */
    for (long long e = 0; e < count; e++) {
        if (!(s = next_data_line(&r))) {
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
        ti[q] = i, tj[q] = j, tv[q] = v, q++;
        if (symmetric && i != j) ti[q] = j, tj[q] = i, tv[q] = v, q++;
    }
    if ((s = next_data_line(&r)) != NULL) {
        st = tmx__error(TMX_EPARSE, "matrix market: line %ld: more entries than the %lld declared", r.lineno, count);
        goto cleanup;
    }
    st = tmx_csr_from_triplets(W, n, q, ti, tj, tv);
cleanup:
    free(r.line);
    free(ti);
    free(tj);
    free(tv);
    return st;
}

tmx_status tmx_mm_read_file(const char *path, tmx_csr *W)
{
    FILE *f = fopen(path, "r");
    if (!f) return tmx__error(TMX_EIO, "cannot open %s: %s", path, strerror(errno));
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
