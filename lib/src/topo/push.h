/* topomix — push-sum weights (docs/definitions.md §20). Internal. */
#ifndef TMX_TOPO_PUSH_H
#define TMX_TOPO_PUSH_H

#include "family.h"

/* W ← the column-stochastic push-sum weights of the directed graph whose edges j → i are the
 * off-diagonal nonzeros (i, j) of G (row i lists whom i receives from, as in a mixing matrix):
 * node j splits its mass uniformly over itself and its out-neighbours, w_ij = w_jj = 1/(d_j + 1)
 * with d_j the out-degree of j. Diagonal and zero entries of G are ignored, so G may be a graph
 * family's pattern or a fixed-weight W. Scratch: n int64 from ws. O(n + nnz). */
tmx_status tmx__push_weights(const tmx_csr *G, tmx_csr *W, tmx_topo_ws *ws);

/* The same on a circulant's first row c (count values, offset 0 at c[0]): every node has the
 * out-degree d of the row's off-diagonal nonzeros, so c[j] ← 1/(d + 1) on them and on c[0]. */
void tmx__push_first_row(double *c, int64_t count);

#endif
