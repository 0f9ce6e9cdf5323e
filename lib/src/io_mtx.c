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

/* A UTF-8 byte order mark, as some Windows editors write, is not part of line 1. */
static const char *skip_bom(const char *s) { return strncmp(s, "\xEF\xBB\xBF", 3) == 0 ? s + 3 : s; }

/* The Matrix Market body after line 1, which r->line holds (len bytes). pattern_ok: also accept
 * `coordinate pattern` (entries 'ROW COL', value 1). field_out (32 bytes, may be NULL) ← the
 * header's field. Frees r->line. */
static tmx_status mm_parse(reader *r, ssize_t len, tmx_csr *W, int pattern_ok, char *field_out)
{
    tmx_status st = TMX_OK;
    FILE *f = r->f;
    triplets tr = {0};
    int nul = 0;
    char fmt[32] = "", field[32] = "", sym[32] = "", obj[32] = "", banner[32] = "";
    tmx_csr_destroy(W);

    if (memchr(r->line, '\0', (size_t)len)) {
        st = tmx__error(TMX_EPARSE, "matrix market: NUL byte in line 1 (not a text file?)");
        goto cleanup;
    }
    const char *head = skip_bom(r->line);
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
    int pattern = pattern_ok && strcasecmp(field, "pattern") == 0;
    if (!pattern && strcasecmp(field, "real") != 0 && strcasecmp(field, "integer") != 0 && strcasecmp(field, "double") != 0) {
        st = tmx__error(TMX_EUNSUP, "matrix market: field '%s' is not supported (real or integer%s)", field,
                        pattern_ok ? ", or pattern for a graph" : "");
        goto cleanup;
    }
    if (pattern && !coordinate) {
        st = tmx__error(TMX_EPARSE, "matrix market: 'array pattern' is not a Matrix Market format (pattern needs coordinate)");
        goto cleanup;
    }
    if (field_out) snprintf(field_out, 32, "%s", field);
    int symmetric = strcasecmp(sym, "symmetric") == 0;
    if (!symmetric && strcasecmp(sym, "general") != 0) {
        st = tmx__error(TMX_EUNSUP, "matrix market: symmetry '%s' is not supported (general or symmetric)", sym);
        goto cleanup;
    }

    char *s = next_data_line(r, &nul);
    long long rows, cols, count = 0;
    if (nul) {
        st = tmx__error(TMX_EPARSE, "matrix market: NUL byte in line %ld (not a text file?)", r->lineno);
        goto cleanup;
    }
    if (!s || !parse_int(&s, &rows) || !parse_int(&s, &cols) || (coordinate && !parse_int(&s, &count)) ||
        !only_space(s)) {
        st = tmx__error(TMX_EPARSE, "matrix market: line %ld: expected the size line '%s'", r->lineno,
                        coordinate ? "ROWS COLS ENTRIES" : "ROWS COLS");
        goto cleanup;
    }
    if (rows < 1 || cols < 1) {
        st = tmx__error(TMX_EPARSE, "matrix market: line %ld: sizes must be >= 1, got %lld x %lld", r->lineno, rows, cols);
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
                        r->lineno, count, rows, cols, symmetric ? "symmetric" : "general");
        goto cleanup;
    }
    if (coordinate && count < 0) {
        st = tmx__error(TMX_EPARSE, "matrix market: line %ld: negative entry count %lld", r->lineno, count);
        goto cleanup;
    }
    /* an array file holds every entry: decide the size in floating point before any conversion */
    double entries = coordinate ? (double)count : maxcount;
    /* each entry takes a line of at least "1 1 1", "1 1" (pattern) or "1", and a newline unless it
     * is the last */
    double left = bytes_left(f), most = floor((left + 1.0) / (pattern ? 4.0 : coordinate ? 6.0 : 2.0));
    if (left >= 0.0 && entries > most) {
        st = tmx__error(TMX_EPARSE, "matrix market: line %ld: %.0f entries declared, but the %.0f bytes after "
                        "this line hold %.0f at most", r->lineno, entries, left, most);
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
        if (!(s = next_data_line(r, &nul))) {
            if (nul)
                st = tmx__error(TMX_EPARSE, "matrix market: NUL byte in line %ld (not a text file?)", r->lineno);
            else
                st = tmx__error(TMX_EPARSE, "matrix market: truncated: %lld entries declared, %lld found", count, e);
            goto cleanup;
        }
        long long i, j;
        double v;
        if (coordinate) {
            v = 1.0;
            if (!parse_int(&s, &i) || !parse_int(&s, &j) || (!pattern && !parse_real(&s, &v)) || !only_space(s)) {
                st = tmx__error(TMX_EPARSE, "matrix market: line %ld: expected '%s'", r->lineno,
                                pattern ? "ROW COL" : "ROW COL VALUE");
                goto cleanup;
            }
            if (i < 1 || i > rows || j < 1 || j > cols) {
                st = tmx__error(TMX_EPARSE, "matrix market: line %ld: index (%lld, %lld) outside %lld x %lld",
                                r->lineno, i, j, rows, cols);
                goto cleanup;
            }
            i--, j--;
        } else {
            if (!parse_real(&s, &v) || !only_space(s)) {
                st = tmx__error(TMX_EPARSE, "matrix market: line %ld: expected one value", r->lineno);
                goto cleanup;
            }
            i = ai, j = aj;
            if (++ai == n) aj++, ai = symmetric ? aj : 0;
        }
        if (!isfinite(v)) {
            st = tmx__error(TMX_EPARSE, "matrix market: line %ld: value is not finite", r->lineno);
            goto cleanup;
        }
        if (symmetric && i < j) {
            st = tmx__error(TMX_EPARSE, "matrix market: line %ld: entry (%lld, %lld) above the diagonal of a symmetric matrix",
                            r->lineno, i + 1, j + 1);
            goto cleanup;
        }
        if (!triplets_reserve(&tr, q + (symmetric && i != j ? 2 : 1), stored)) {
            st = tmx__error(TMX_ENOMEM, "matrix market: line %ld: out of memory for %lld entries", r->lineno, (long long)q);
            goto cleanup;
        }
        tr.i[q] = i, tr.j[q] = j, tr.v[q] = v, q++;
        if (symmetric && i != j) tr.i[q] = j, tr.j[q] = i, tr.v[q] = v, q++;
    }
    if ((s = next_data_line(r, &nul)) != NULL) {
        st = tmx__error(TMX_EPARSE, "matrix market: line %ld: more entries than the %lld declared", r->lineno, count);
        goto cleanup;
    }
    if (nul) {
        st = tmx__error(TMX_EPARSE, "matrix market: NUL byte in line %ld (not a text file?)", r->lineno);
        goto cleanup;
    }
    st = tmx_csr_from_triplets(W, n, q, tr.i, tr.j, tr.v);
cleanup:
    free(r->line);
    r->line = NULL;
    free(tr.i);
    free(tr.j);
    free(tr.v);
    return st;
}

tmx_status tmx_mm_read(FILE *f, tmx_csr *W)
{
    reader r = {f, NULL, 0, 1};
    ssize_t len = getline(&r.line, &r.cap, f);
    if (len < 0) {
        free(r.line);
        tmx_csr_destroy(W);
        return tmx__error(TMX_EPARSE, "matrix market: empty file (no %%%%MatrixMarket header)");
    }
    return mm_parse(&r, len, W, 0, NULL);
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

/* ---- users' graphs: edge lists and adjacency files (docs/definitions.md §17) ------------------ */

/* One edge as read, with its line for messages. */
typedef struct edge {
    int64_t i, j, lo, hi; /* ids as written; lo/hi: the key duplicates are found by */
    double w;
    long line;
} edge;

static int edge_cmp(const void *a, const void *b)
{
    const edge *x = a, *y = b;
    if (x->lo != y->lo) return x->lo < y->lo ? -1 : 1;
    if (x->hi != y->hi) return x->hi < y->hi ? -1 : 1;
    return (x->line > y->line) - (x->line < y->line);
}

/* The next token of s (blank-separated) into tok (NUL-terminated in place); NULL when none. */
static char *next_token(char **s)
{
    char *p = *s;
    while (isspace((unsigned char)*p)) p++;
    if (!*p) return NULL;
    char *tok = p;
    while (*p && !isspace((unsigned char)*p)) p++;
    if (*p) *p++ = '\0';
    *s = p;
    return tok;
}

#define EDGE_HEAD "edge list (no %%%%MatrixMarket banner on line 1)"

/* A node id: a whole decimal integer >= 0. */
static tmx_status parse_id(const char *tok, long line, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(tok, &end, 10);
    if (end == tok || *end)
        return tmx__error(TMX_EPARSE, EDGE_HEAD ": line %ld: node id '%s' is not an integer", line, tok);
    if (errno == ERANGE || v > INT64_MAX / 4)
        return tmx__error(TMX_EPARSE, EDGE_HEAD ": line %ld: node id %s is too large", line, tok);
    if (v < 0) return tmx__error(TMX_EPARSE, EDGE_HEAD ": line %ld: node id %lld is negative", line, v);
    *out = v;
    return TMX_OK;
}

/* The edge list whose first line r->line holds (len bytes, not yet stripped). */
static tmx_status edges_parse(reader *r, ssize_t len, tmx_index_base base, int directed, tmx_csr *A,
                              tmx_graph_info *info)
{
    tmx_status st = TMX_OK;
    edge *E = NULL;
    int64_t count = 0, cap = 0, maxid = -1;
    long zero_line = 0, cols_line = 0; /* the first line with an id 0; the line that set the columns */
    int cols = 0;
    int64_t *ti = NULL, *tj = NULL;
    double *tv = NULL;
    for (int first = 1;; first = 0) {
        if (!first) {
            len = getline(&r->line, &r->cap, r->f);
            if (len < 0) break;
            r->lineno++;
        }
        if (memchr(r->line, '\0', (size_t)len)) {
            st = tmx__error(TMX_EPARSE, EDGE_HEAD ": NUL byte in line %ld (not a text file?)", r->lineno);
            goto cleanup;
        }
        char *s = first ? (char *)skip_bom(r->line) : r->line;
        s[strcspn(s, "#%\r\n")] = '\0'; /* comments run to the end of the line */
        char *tok[4];
        int nt = 0;
        while (nt < 4 && (tok[nt] = next_token(&s)) != NULL) nt++;
        if (nt == 0) continue;
        if (nt < 2 || nt > 3) {
            st = tmx__error(TMX_EPARSE, EDGE_HEAD ": line %ld: %s%d column%s (a line is 'i j' or 'i j w')", r->lineno,
                            nt > 3 ? "more than " : "", nt == 4 ? 3 : nt, nt == 1 ? "" : "s");
            goto cleanup;
        }
        if (!cols) cols = nt, cols_line = r->lineno;
        if (nt != cols) {
            st = tmx__error(TMX_EPARSE, EDGE_HEAD ": line %ld has %d columns, line %ld %d (every line must have the same)",
                            r->lineno, nt, cols_line, cols);
            goto cleanup;
        }
        edge e = {0};
        e.line = r->lineno;
        e.w = 1.0;
        TMX_TRY(parse_id(tok[0], r->lineno, &e.i));
        TMX_TRY(parse_id(tok[1], r->lineno, &e.j));
        if (nt == 3) {
            char *end;
            e.w = strtod(tok[2], &end);
            if (end == tok[2] || *end) {
                st = tmx__error(TMX_EPARSE, EDGE_HEAD ": line %ld: weight '%s' is not a number", r->lineno, tok[2]);
                goto cleanup;
            }
            if (!isfinite(e.w)) {
                st = tmx__error(TMX_EPARSE, EDGE_HEAD ": line %ld: weight '%s' is not finite", r->lineno, tok[2]);
                goto cleanup;
            }
        }
        if (e.i == e.j) {
            st = tmx__error(TMX_EPARSE, EDGE_HEAD ": line %ld: self loop %lld %lld (a node's own weight is set by the "
                            "weight scheme, or is the rest of its row)", r->lineno, (long long)e.i, (long long)e.j);
            goto cleanup;
        }
        if (!zero_line && (e.i == 0 || e.j == 0)) zero_line = r->lineno;
        if (e.i > maxid) maxid = e.i;
        if (e.j > maxid) maxid = e.j;
        e.lo = directed || e.i < e.j ? e.i : e.j;
        e.hi = directed || e.i < e.j ? e.j : e.i;
        if (count == cap) {
            int64_t c = cap ? 2 * cap : 1024;
            char what[96];
            snprintf(what, sizeof what, "edge list (%lld edges so far)", (long long)count);
            TMX_TRY(tmx__check_bytes((double)c * sizeof *E, what));
            edge *p = realloc(E, (size_t)c * sizeof *E);
            if (!p) {
                st = tmx__error(TMX_ENOMEM, EDGE_HEAD ": line %ld: out of memory", r->lineno);
                goto cleanup;
            }
            E = p, cap = c;
        }
        E[count++] = e;
    }
    if (ferror(r->f)) {
        st = tmx__error(TMX_EIO, EDGE_HEAD ": read error after line %ld", r->lineno);
        goto cleanup;
    }
    if (count == 0) {
        st = tmx__error(TMX_EPARSE, EDGE_HEAD ": no edges (an edge list has lines 'i j' or 'i j w')");
        goto cleanup;
    }
    int b = base == TMX_INDEX_ONE ? 1 : base == TMX_INDEX_ZERO ? 0 : zero_line ? 0 : 1;
    if (b == 1 && zero_line) {
        st = tmx__error(TMX_EPARSE, EDGE_HEAD ": line %ld: node id 0 in a list numbered from 1 (--index-base 1)", zero_line);
        goto cleanup;
    }
    int64_t n = maxid + 1 - b;
    if ((double)n > 2.0 * (double)count) {
        st = tmx__error(TMX_EPARSE, EDGE_HEAD ": node ids run to %lld (n = %lld, numbered from %d), but %lld edges touch "
                        "at most %lld nodes: some nodes have no edge", (long long)maxid, (long long)n, b,
                        (long long)count, 2 * (long long)count);
        goto cleanup;
    }
    qsort(E, (size_t)count, sizeof *E, edge_cmp);
    for (int64_t q = 1; q < count; q++)
        if (E[q].lo == E[q - 1].lo && E[q].hi == E[q - 1].hi) {
            st = tmx__error(TMX_EPARSE, EDGE_HEAD ": line %ld: edge %lld %lld repeats line %ld%s", E[q].line,
                            (long long)E[q].i, (long long)E[q].j, E[q - 1].line,
                            directed ? "" : " (an undirected edge is given once)");
            goto cleanup;
        }
    int64_t stored = directed ? count : 2 * count;
    TMX_TRY(tmx__check_bytes(16.0 * ((double)n + 1.0) + 48.0 * (double)stored, "edge list's matrix"));
    ti = malloc((size_t)stored * sizeof *ti), tj = malloc((size_t)stored * sizeof *tj);
    tv = malloc((size_t)stored * sizeof *tv);
    if (!ti || !tj || !tv) {
        st = tmx__error(TMX_ENOMEM, "edge list: out of memory for %lld edges", (long long)count);
        goto cleanup;
    }
    int64_t q = 0;
    for (int64_t e = 0; e < count; e++) {
        int64_t i = E[e].i - b, j = E[e].j - b;
        /* i -> j: j receives from i, so the entry sits in row j */
        ti[q] = j, tj[q] = i, tv[q] = E[e].w, q++;
        if (!directed) ti[q] = i, tj[q] = j, tv[q] = E[e].w, q++;
    }
    free(E);
    E = NULL;
    TMX_TRY(tmx_csr_from_triplets(A, n, q, ti, tj, tv));
    if (info) {
        info->format = TMX_GRAPH_EDGES;
        info->weighted = cols == 3;
        info->directed = directed;
        info->index_base = b;
        info->base_detected = base == TMX_INDEX_AUTO;
        info->edges = count;
        info->field[0] = '\0';
    }
cleanup:
    free(E);
    free(ti);
    free(tj);
    free(tv);
    free(r->line);
    r->line = NULL;
    return st;
}

/* A Matrix Market pattern or integer matrix A (as read) → the 0/1 adjacency of an undirected graph.
 * Faults are looked for in the lower triangle first, where a symmetric file stores its entries, so
 * that a message names the entry as the file gives it. */
static tmx_status adjacency_of(tmx_csr *A, int pattern)
{
    for (int upper = 0; upper < 2; upper++)
        for (int64_t i = 0; i < A->n; i++)
            for (int64_t e = A->rowptr[i]; e < A->rowptr[i + 1]; e++) {
                int64_t j = A->col[e];
                double v = A->val[e];
                if ((upper ? j <= i : j > i) || (v == 0.0 && !pattern)) continue;
                if (i == j)
                    return tmx__error(TMX_EPARSE, "matrix market: entry (%lld, %lld): a self loop (the weight scheme sets "
                                      "the diagonal of a graph)", (long long)i + 1, (long long)j + 1);
                if (v != 1.0)
                    return pattern ? tmx__error(TMX_EPARSE, "matrix market: entry (%lld, %lld) is given more than once",
                                                (long long)i + 1, (long long)j + 1)
                                   : tmx__error(TMX_EPARSE, "matrix market: entry (%lld, %lld) = %.17g: an integer file is "
                                                "read as a 0/1 adjacency matrix (duplicate entries sum)", (long long)i + 1,
                                                (long long)j + 1, v);
            }
    int64_t q = 0; /* drop the zeros */
    for (int64_t i = 0; i < A->n; i++) {
        int64_t start = A->rowptr[i];
        A->rowptr[i] = q;
        for (int64_t e = start; e < A->rowptr[i + 1]; e++)
            if (A->val[e] != 0.0) A->col[q] = A->col[e], A->val[q] = 1.0, q++;
    }
    A->rowptr[A->n] = A->nnz = q;
    for (int64_t i = 0; i < A->n; i++)
        for (int64_t e = A->rowptr[i]; e < A->rowptr[i + 1]; e++)
            if (tmx_csr_get(A, A->col[e], i) == 0.0)
                return tmx__error(TMX_EPARSE, "matrix market: entry (%lld, %lld) has no (%lld, %lld): an adjacency file "
                                  "describes an undirected graph (a 'symmetric' file gives each edge once)",
                                  (long long)i + 1, (long long)A->col[e] + 1, (long long)A->col[e] + 1, (long long)i + 1);
    return TMX_OK;
}

tmx_status tmx_graph_read(FILE *f, tmx_index_base base, int directed, tmx_csr *A, tmx_graph_info *info)
{
    tmx_csr_destroy(A);
    if (!f) return tmx__error(TMX_EINVAL, "graph_read: a stream is required");
    if ((unsigned)base > TMX_INDEX_ONE) return tmx__error(TMX_EINVAL, "graph_read: unknown numbering %d", (int)base);
    reader r = {f, NULL, 0, 1};
    ssize_t len = getline(&r.line, &r.cap, f);
    if (len < 0) {
        free(r.line);
        return tmx__error(TMX_EPARSE, "empty file: neither a Matrix Market file nor an edge list");
    }
    if (strncmp(skip_bom(r.line), "%%MatrixMarket", 14) != 0)
        return edges_parse(&r, len, base, directed, A, info);
    if (base != TMX_INDEX_AUTO || directed) {
        free(r.line);
        return tmx__error(TMX_EINVAL, "%s applies to edge lists, and this is a Matrix Market file (%s)",
                          directed ? "--directed" : "--index-base",
                          directed ? "its header says general or symmetric" : "always numbered from 1");
    }
    char field[32] = "";
    tmx_status st = mm_parse(&r, len, A, 1, field);
    if (st != TMX_OK) return st;
    int pattern = strcasecmp(field, "pattern") == 0, integer = strcasecmp(field, "integer") == 0;
    if ((pattern || integer) && (st = adjacency_of(A, pattern)) != TMX_OK) {
        tmx_csr_destroy(A);
        return st;
    }
    if (info) {
        info->format = TMX_GRAPH_MTX;
        info->weighted = !pattern && !integer;
        info->directed = 0;
        info->index_base = 1;
        info->base_detected = 0;
        info->edges = A->nnz;
        for (size_t c = 0; c + 1 < sizeof info->field && field[c]; c++) info->field[c] = (char)tolower((unsigned char)field[c]), info->field[c + 1] = '\0';
    }
    return TMX_OK;
}

tmx_status tmx_graph_read_file(const char *path, tmx_index_base base, int directed, tmx_csr *A, tmx_graph_info *info)
{
    tmx_csr_destroy(A);
    if (!path) return tmx__error(TMX_EINVAL, "graph_read_file: a path is required");
    FILE *f = fopen(path, "r");
    if (!f) return tmx__error(TMX_EIO, "cannot open %s: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fileno(f), &sb) == 0 && S_ISDIR(sb.st_mode)) {
        fclose(f);
        return tmx__error(TMX_EIO, "%s is a directory, not a graph or matrix file", path);
    }
    tmx_status st = tmx_graph_read(f, base, directed, A, info);
    fclose(f);
    if (st != TMX_OK) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", tmx_last_error());
        tmx__error(st, "%s: %s", path, msg);
    }
    return st;
}

void tmx_graph_info_describe(const tmx_graph_info *info, char *buf, size_t size)
{
    if (info->format == TMX_GRAPH_MTX)
        snprintf(buf, size, "Matrix Market %s (%s), %lld entries", info->field,
                 info->weighted ? "a weighted matrix" : "a 0/1 adjacency", (long long)info->edges);
    else
        snprintf(buf, size, "edge list, %d-based%s, %s, %lld edges, %s", info->index_base,
                 !info->base_detected ? "" : info->index_base ? " (detected: no id is 0)" : " (detected: an id is 0)",
                 info->directed ? "directed" : "undirected", (long long)info->edges,
                 info->weighted ? "weighted" : "unweighted");
}

tmx_status tmx_edges_write(FILE *f, const tmx_csr *W, int directed, const char *comment)
{
    tmx_status st = tmx_csr_check(W);
    if (st != TMX_OK) return st;
    int ok = 1;
    if (comment) ok = fprintf(f, "# %s\n", comment) > 0;
    ok = ok && fprintf(f, "# n=%lld, 0-based, %s: %s\n", (long long)W->n, directed ? "directed" : "undirected",
                       directed ? "'i j w' is w_ji, node i sending to j (read back with --directed)"
                                : "'i j w' is w_ij = w_ji, each edge once; the diagonal is the rest of each row") > 0;
    for (int64_t r = 0; ok && r < W->n; r++)
        for (int64_t e = W->rowptr[r]; ok && e < W->rowptr[r + 1]; e++) {
            int64_t c = W->col[e];
            if (c == r || W->val[e] == 0.0 || (!directed && c < r)) continue;
            /* directed: row r receives from c, the edge c -> r */
            ok = directed ? fprintf(f, "%lld %lld %.17g\n", (long long)c, (long long)r, W->val[e]) > 0
                          : fprintf(f, "%lld %lld %.17g\n", (long long)r, (long long)c, W->val[e]) > 0;
        }
    if (!ok || fflush(f) != 0 || ferror(f)) return tmx__error(TMX_EIO, "edge list: write failed");
    return TMX_OK;
}

tmx_status tmx_dot_write(FILE *f, const tmx_csr *W, int directed, int labels, const char *comment)
{
    tmx_status st = tmx_csr_check(W);
    if (st != TMX_OK) return st;
    int ok = 1;
    if (comment) ok = fprintf(f, "// %s\n", comment) > 0;
    ok = ok && fprintf(f, "%s W {\n", directed ? "digraph" : "graph") > 0;
    for (int64_t i = 0; ok && i < W->n; i++) ok = fprintf(f, "  %lld;\n", (long long)i) > 0;
    for (int64_t r = 0; ok && r < W->n; r++)
        for (int64_t e = W->rowptr[r]; ok && e < W->rowptr[r + 1]; e++) {
            int64_t c = W->col[e];
            if (c == r || W->val[e] == 0.0 || (!directed && c < r)) continue;
            int64_t from = directed ? c : r, to = directed ? r : c;
            ok = fprintf(f, "  %lld %s %lld", (long long)from, directed ? "->" : "--", (long long)to) > 0;
            if (ok && labels) ok = fprintf(f, " [label=\"%.6g\"]", W->val[e]) > 0;
            ok = ok && fputs(";\n", f) >= 0;
        }
    ok = ok && fputs("}\n", f) >= 0;
    if (!ok || fflush(f) != 0 || ferror(f)) return tmx__error(TMX_EIO, "dot: write failed");
    return TMX_OK;
}
