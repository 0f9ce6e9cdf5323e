/* topomix — Matrix Market input and output of mixing matrices; graphs from edge lists and adjacency
 * files (docs/definitions.md §17). */
#ifndef TMX_IO_H
#define TMX_IO_H

#include <stdio.h>
#include <topomix/csr.h>
#include <topomix/error.h>
#include <topomix/export.h>
#include <topomix/topo.h>

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

/** The two formats of a user's graph file, told apart by content. */
typedef enum tmx_graph_format {
    TMX_GRAPH_EDGES = 0, /**< an edge list: lines `i j` or `i j w` */
    TMX_GRAPH_MTX = 1    /**< a Matrix Market file: line 1 starts with %%MatrixMarket */
} tmx_graph_format;

/** What tmx_graph_read found. */
typedef struct tmx_graph_info {
    tmx_graph_format format;
    int weighted;      /**< 1: the values are weights (`i j w` lines, a Matrix Market real file); 0: a graph */
    int directed;      /**< edge lists read as directed */
    int index_base;    /**< edge lists: the numbering used, 0 or 1 (Matrix Market: always 1) */
    int base_detected; /**< edge lists: 1 when the numbering was detected (TMX_INDEX_AUTO) */
    int64_t edges;     /**< edges (edge lists: data lines) or Matrix Market entries read */
    char field[16];    /**< Matrix Market: the header's field (real, integer, pattern); "" for edge lists */
} tmx_graph_info;

/** Reads a user's graph or matrix: a Matrix Market file when line 1 (after a UTF-8 byte order mark)
 *  starts with %%MatrixMarket, an edge list otherwise. A ← the n × n matrix (n from the file):
 *
 *  - Matrix Market `real` (or `double`): the matrix as tmx_mm_read reads it (weighted = 1).
 *  - Matrix Market `pattern` and `integer`: a 0/1 adjacency matrix (weighted = 0): entries off the
 *    diagonal with value 1 (pattern: present; integer: 0 or 1, zeros dropped); a diagonal entry
 *    (self loop), an integer other than 0 and 1, an entry given twice or an entry (i, j) without
 *    (j, i) (the graph must be undirected) is refused. `directed` must be 0 and `base` AUTO
 *    (TMX_EINVAL otherwise: a Matrix Market file is 1-based and says its own symmetry).
 *  - An edge list: one edge per line, `i j` (weighted = 0, value 1) or `i j w` (weighted = 1, w a
 *    finite number), every line with the same number of columns, separated by blanks; `#` and `%`
 *    start comments (whole lines or the rest of a line); blank lines are skipped. Node ids are
 *    integers ≥ 0, numbered from 0 or 1 as `base` says; TMX_INDEX_AUTO detects it: 1-based when no
 *    id is 0, else 0-based (reported in info). n = the largest id + 1 − base, and every node must
 *    appear in some edge (n ≤ 2·edges). Undirected (directed = 0): `i j w` sets w_ij = w_ji = w, and
 *    `j i` on another line repeats the edge. Directed: `i j w` is the edge i → j, node i sending to
 *    j, so row j (whom j receives from) holds w_ji = w. Refused, naming the line: a self loop
 *    `i i`, an edge given twice, a negative or non-integer id, an id 0 in a 1-based list, a weight
 *    that is not a finite number, a line with another number of columns than the first, no edges.
 *
 *  A holds only what the file gives: an edge list's diagonal is empty. Errors are TMX_EPARSE
 *  (TMX_EINVAL for the arguments, TMX_ENOMEM for sizes that would not fit) with a message that
 *  says which format was assumed. info may be NULL. A's previous content is freed. */
TMX_API tmx_status tmx_graph_read(FILE *f, tmx_index_base base, int directed, tmx_csr *A, tmx_graph_info *info);

/** Opens and reads path (TMX_EIO if it cannot be opened); messages start with the path. */
TMX_API tmx_status tmx_graph_read_file(const char *path, tmx_index_base base, int directed, tmx_csr *A,
                                       tmx_graph_info *info);

/** One line describing info, e.g. "edge list, 1-based (detected: no id is 0), undirected, 12 edges,
 *  unweighted" or "Matrix Market pattern (a 0/1 adjacency), 24 entries". */
TMX_API void tmx_graph_info_describe(const tmx_graph_info *info, char *buf, size_t size);

/** Writes W's off-diagonal entries as an edge list, 0-based, one `i j w` line each (%.17g), after
 *  `comment` (may be NULL) as # lines. Undirected (directed = 0; the caller asserts W is symmetric):
 *  each edge once, i < j. Directed: entry w_ji as the line `i j w` (i sends to j), as tmx_graph_read
 *  reads it back with directed = 1. The diagonal is left out: reading back gives it as the rest of
 *  each row. TMX_EIO if a write fails. */
TMX_API tmx_status tmx_edges_write(FILE *f, const tmx_csr *W, int directed, const char *comment);

/** Writes W's graph in Graphviz DOT: `graph` with `i -- j` (undirected, i < j) or `digraph` with
 *  `i -> j` (i sends to j), nodes 0-based; with labels != 0 each edge carries its weight as a label
 *  (%.6g). `comment` (may be NULL) goes in a // line. TMX_EIO if a write fails. */
TMX_API tmx_status tmx_dot_write(FILE *f, const tmx_csr *W, int directed, int labels, const char *comment);

#ifdef __cplusplus
}
#endif
#endif
