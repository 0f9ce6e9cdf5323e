/* topomix — Matrix Market input and output of mixing matrices. */
#ifndef TMX_IO_H
#define TMX_IO_H

#include <stdio.h>
#include <topomix/csr.h>
#include <topomix/error.h>
#include <topomix/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Reads a square real matrix in Matrix Market format: `coordinate` or `array`, field `real` or
 *  `integer`, symmetry `general` or `symmetric` (what scipy.io.mmwrite writes). Duplicate
 *  coordinate entries are summed. Errors (TMX_EPARSE unless said otherwise), each with a message
 *  naming the line: missing/invalid header, unsupported field or symmetry (TMX_EUNSUP), non-square
 *  (TMX_ENOTSQR), index out of range, NaN or infinite value, fewer or more entries than declared,
 *  an entry above the diagonal in a symmetric file, a size that would exceed memory (TMX_ENOMEM).
 *  W's previous content is freed. */
TMX_API tmx_status tmx_mm_read(FILE *f, tmx_csr *W);

/** Opens and reads path (TMX_EIO if it cannot be opened). */
TMX_API tmx_status tmx_mm_read_file(const char *path, tmx_csr *W);

/** Writes W as `coordinate real general`, or `coordinate real symmetric` (lower triangle only) when
 *  symmetric != 0 (the caller asserts W is symmetric), 1-based, values as %.17g. `comment` (may be
 *  NULL) is written as a % line. TMX_EIO if a write fails. */
TMX_API tmx_status tmx_mm_write(FILE *f, const tmx_csr *W, int symmetric, const char *comment);

#ifdef __cplusplus
}
#endif
#endif
