/* topomix CLI — CSV tables: a column line, rows of fields (RFC 4180 quotes), and the `# key=value`
 * settings lines that sim logs start with; other '#' lines are skipped. One reader for `topomix plot`
 * and the reports. */
#ifndef TMX_CSV_TABLE_H
#define TMX_CSV_TABLE_H

#include <stdint.h>

#include "cli_common.h"

typedef struct table {
    const char *path;
    int ncol;
    char **cols;
    int64_t nrow;
    char **cell; /* nrow × ncol */
    int nset;
    char **key, **val; /* the '# key=value' lines */
    int json;          /* the first data line is a JSON object */
} table;

/* Reads path into t; on failure (unreadable, a directory, a NUL byte, rows of the wrong width, no
 * column line) prints one line naming the file and exits with code. */
void table_read(table *t, const char *path, int code);
void table_free(table *t);
/* The column's index, or -1. */
int table_col(const table *t, const char *name);
const char *table_str(const table *t, int64_t i, int j);
/* The value of a cell: NaN when empty or not a number. */
double table_num(const table *t, int64_t i, int j);
/* The value of a `# key=value` setting, or NULL. */
const char *table_setting(const table *t, const char *key);

/* malloc, realloc and strdup that exit 1 ("out of memory") on failure. */
void *cli_xmalloc(size_t n);
void *cli_xrealloc(void *p, size_t n);
char *cli_xstrdup(const char *s);

#endif
