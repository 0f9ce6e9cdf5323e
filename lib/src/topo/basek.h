/* topomix — the Base-(k+1) graph of Takezawa et al. (NeurIPS 2023). Internal. */
#ifndef TMX_TOPO_BASEK_H
#define TMX_TOPO_BASEK_H

#include <stdint.h>
#include <topomix/csr.h>
#include <topomix/error.h>

typedef struct tmx__basek tmx__basek;

/* Builds the schedule for n ≥ 1 nodes and maximum degree k ≥ 1. *out owned by the caller
 * (tmx__basek_free). The product W^(P-1)…W^(0) over one period P equals J = 11ᵀ/n exactly (up to
 * rounding); every W^(s) is symmetric, doubly stochastic, nonnegative, with at most k off-diagonal
 * nonzeros per row; P ≤ 2·log_{k+1}(n) + 2. */
tmx_status tmx__basek_new(int64_t n, int64_t k, tmx__basek **out);
int64_t tmx__basek_period(const tmx__basek *b);
/* W ← W^(s) for 0 ≤ s < period (W's previous content freed). */
tmx_status tmx__basek_matrix(const tmx__basek *b, int64_t s, tmx_csr *W);
void tmx__basek_free(tmx__basek *b);

#endif
