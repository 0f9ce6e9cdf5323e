/* topomix — dense column-major matrices. */
#ifndef TMX_MAT_H
#define TMX_MAT_H

#include <stddef.h>
#include <topomix/error.h>
#include <topomix/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A dense column-major matrix: element (i, j) is data[i + j*ld]. A plain struct so that the data
 *  reaches LAPACKE, FFTW and cuBLAS without copies. owner != 0 means tmx_mat_destroy frees data. */
typedef struct tmx_mat {
    size_t rows, cols, ld;
    double *data;
    int owner;
} tmx_mat;

/** Allocates a zeroed rows × cols matrix into the caller's struct (caller later calls
 *  tmx_mat_destroy). Refuses sizes that overflow or exceed physical memory (TMX_ENOMEM). */
TMX_API tmx_status tmx_mat_init(tmx_mat *m, size_t rows, size_t cols);

/** Frees the data if owned and zeroes the struct. Accepts NULL and zeroed structs. */
TMX_API void tmx_mat_destroy(tmx_mat *m);

/** Element access; no bounds check. */
static inline double tmx_mat_get(const tmx_mat *m, size_t i, size_t j) { return m->data[i + j * m->ld]; }
static inline void tmx_mat_set(tmx_mat *m, size_t i, size_t j, double v) { m->data[i + j * m->ld] = v; }

#ifdef __cplusplus
}
#endif
#endif
