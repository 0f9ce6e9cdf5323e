/* topomix CLI — CSV tables: the files that plot draws and that reports read (csv_table.h). */
#include "csv_table.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void *cli_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) cli_die(1, "out of memory");
    return p;
}

void *cli_xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) cli_die(1, "out of memory");
    return p;
}

char *cli_xstrdup(const char *s)
{
    char *d = strdup(s);
    if (!d) cli_die(1, "out of memory");
    return d;
}


/* Splits one CSV line in place into fields (RFC 4180 quotes: "a,b", "" for a quote). */
static int split_csv(char *line, char ***fields, int *cap)
{
    int n = 0;
    char *r = line, *w = line;
    for (;;) {
        if (n == *cap) {
            *cap = *cap ? 2 * *cap : 16;
            *fields = cli_xrealloc(*fields, (size_t)*cap * sizeof **fields);
        }
        (*fields)[n++] = w;
        if (*r == '"') {
            r++;
            for (; *r; r++) {
                if (*r == '"' && r[1] == '"') *w++ = '"', r++;
                else if (*r == '"') {
                    r++;
                    break;
                } else *w++ = *r;
            }
        }
        for (; *r && *r != ','; r++) *w++ = *r;
        if (!*r) {
            *w = '\0';
            return n;
        }
        r++;
        *w++ = '\0';
    }
}

void table_read(table *t, const char *path, int code)
{
    memset(t, 0, sizeof *t);
    t->path = path;
    FILE *in = fopen(path, "r");
    if (!in) cli_die(code, "cannot read %s: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fileno(in), &sb) == 0 && S_ISDIR(sb.st_mode)) cli_die(code, "%s is a directory, not a CSV file", path);
    char *line = NULL, **fields = NULL;
    size_t cap = 0;
    int fcap = 0;
    int64_t lineno = 0, rowcap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, in)) > 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = '\0';
        char *p = line;
        if (lineno == 1 && (unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB && (unsigned char)p[2] == 0xBF) p += 3;
        if (strlen(p) != (size_t)(len - (p - line)))
            cli_die(code, "%s line %lld: a NUL byte; not a text CSV file", path, (long long)lineno);
        if (*p == '\0') continue;
        if (*p == '#') {
            const char *k = p + 1 + (p[1] == ' '), *eq = strchr(k, '=');
            if (eq && eq > k && !memchr(k, ' ', (size_t)(eq - k))) {
                t->key = cli_xrealloc(t->key, (size_t)(t->nset + 1) * sizeof *t->key);
                t->val = cli_xrealloc(t->val, (size_t)(t->nset + 1) * sizeof *t->val);
                t->key[t->nset] = strndup(k, (size_t)(eq - k));
                t->val[t->nset] = cli_xstrdup(eq + 1);
                if (!t->key[t->nset]) cli_die(1, "out of memory");
                t->nset++;
            }
            continue;
        }
        if (!t->cols) {
            if (*p == '{') {
                t->json = 1;
                break;
            }
            int n = split_csv(p, &fields, &fcap);
            t->ncol = n;
            t->cols = cli_xmalloc((size_t)n * sizeof *t->cols);
            for (int j = 0; j < n; j++) t->cols[j] = cli_xstrdup(fields[j]);
            continue;
        }
        int n = split_csv(p, &fields, &fcap);
        if (n != t->ncol)
            cli_die(code, "%s line %lld: %d fields, the column line has %d", path, (long long)lineno, n, t->ncol);
        if (t->nrow == rowcap) {
            rowcap = rowcap ? 2 * rowcap : 64;
            t->cell = cli_xrealloc(t->cell, (size_t)rowcap * (size_t)t->ncol * sizeof *t->cell);
        }
        for (int j = 0; j < n; j++) t->cell[t->nrow * t->ncol + j] = cli_xstrdup(fields[j]);
        t->nrow++;
    }
    int err = ferror(in);
    free(line);
    free(fields);
    fclose(in);
    if (err) cli_die(code, "cannot read %s: %s", path, strerror(EIO));
    if (!t->cols && !t->json) cli_die(code, "%s holds no CSV column line (empty, or only '#' lines)", path);
}

void table_free(table *t)
{
    for (int j = 0; j < t->ncol; j++) free(t->cols[j]);
    for (int64_t i = 0; i < t->nrow * t->ncol; i++) free(t->cell[i]);
    for (int i = 0; i < t->nset; i++) free(t->key[i]), free(t->val[i]);
    free(t->cols), free(t->cell), free(t->key), free(t->val);
    memset(t, 0, sizeof *t);
}

int table_col(const table *t, const char *name)
{
    for (int j = 0; j < t->ncol; j++)
        if (strcmp(t->cols[j], name) == 0) return j;
    return -1;
}

const char *table_str(const table *t, int64_t i, int j) { return t->cell[i * t->ncol + j]; }

/* The value of a cell: NaN when empty or not a number. */
double table_num(const table *t, int64_t i, int j)
{
    const char *s = table_str(t, i, j);
    char *end;
    if (!*s) return NAN;
    double x = strtod(s, &end);
    return *end ? NAN : x;
}

const char *table_setting(const table *t, const char *key)
{
    for (int i = 0; i < t->nset; i++)
        if (strcmp(t->key[i], key) == 0) return t->val[i];
    return NULL;
}
