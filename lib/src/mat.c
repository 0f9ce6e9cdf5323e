/* topomix — dense matrices. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>
#include <topomix/mat.h>

tmx_status tmx_mat_init(tmx_mat *m, size_t rows, size_t cols)
{
    memset(m, 0, sizeof *m);
    size_t count = tmx__mul_size(rows, cols);
    size_t bytes = tmx__mul_size(count, sizeof(double));
    if (bytes == SIZE_MAX)
        return tmx__error(TMX_ENOMEM, "mat_init: %zu x %zu matrix overflows the address space", rows,
                          cols);
    tmx_status st = tmx__check_bytes((double)bytes, "dense matrix");
    if (st != TMX_OK) return st;
    double *data = calloc(count ? count : 1, sizeof(double));
    if (!data) return tmx__error(TMX_ENOMEM, "mat_init: cannot allocate %zu x %zu matrix", rows, cols);
    m->rows = rows;
    m->cols = cols;
    m->ld = rows;
    m->data = data;
    m->owner = 1;
    return TMX_OK;
}

void tmx_mat_destroy(tmx_mat *m)
{
    if (!m) return;
    if (m->owner) free(m->data);
    memset(m, 0, sizeof *m);
}
