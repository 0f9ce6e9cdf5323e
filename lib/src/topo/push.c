/* topomix — push-sum weights: column-stochastic W from a directed graph's out-neighbours
 * (docs/definitions.md §20). x_i ← Σ_j w_ij x_j, so column j is what node j sends: 1/(d_j + 1) to
 * each out-neighbour and as much to itself (Kempe et al. 2003; SGP, Assran et al. 2019). */
#include "push.h"

tmx_status tmx__push_weights(const tmx_csr *G, tmx_csr *W, tmx_topo_ws *ws)
{
    int64_t n = G->n, *outdeg = tmx__ws_ints(ws, (size_t)(n > 0 ? n : 1)), edges = 0;
    if (!outdeg) return tmx__error(TMX_ENOMEM, "push weights: out of memory for n=%lld", (long long)n);
    for (int64_t j = 0; j < n; j++) outdeg[j] = 0;
    for (int64_t i = 0; i < n; i++)
        for (int64_t e = G->rowptr[i]; e < G->rowptr[i + 1]; e++)
            if (G->col[e] != i && G->val[e] != 0.0) outdeg[G->col[e]]++, edges++;
    tmx__builder b;
    tmx_status st = tmx__builder_begin(&b, W, n, edges + n);
    if (st != TMX_OK) return st;
    for (int64_t i = 0; i < n; i++) {
        for (int64_t e = G->rowptr[i]; e < G->rowptr[i + 1]; e++) {
            int64_t j = G->col[e];
            if (j != i && G->val[e] != 0.0) tmx__builder_push(&b, j, 1.0 / (double)(outdeg[j] + 1));
        }
        /* the diagonal directly, not 1 − (the others): the column's entries are then equal bit for bit */
        tmx__builder_push(&b, i, 1.0 / (double)(outdeg[i] + 1));
        tmx__builder_end_row(&b);
    }
    return tmx__builder_finish(&b);
}

void tmx__push_first_row(double *c, int64_t count)
{
    int64_t d = 0;
    for (int64_t j = 1; j < count; j++) d += c[j] != 0.0;
    double w = 1.0 / (double)(d + 1);
    for (int64_t j = 1; j < count; j++)
        if (c[j] != 0.0) c[j] = w;
    c[0] = w;
}
