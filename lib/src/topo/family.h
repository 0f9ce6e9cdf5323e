/* topomix — what a topology family implements, and the topology handle. Internal. */
#ifndef TMX_TOPO_FAMILY_H
#define TMX_TOPO_FAMILY_H

#include "../internal.h"
#include <topomix/topo.h>

/* A family builds either the undirected graph of step k (info.graph != 0: a symmetric pattern of
 * off-diagonal entries, values ignored; the registry turns it into weights) or the mixing matrix of
 * step k itself (fixed weights). */
enum { TMX__USES_ROWS = 1, TMX__USES_P = 2, TMX__USES_K = 4, TMX__USES_M = 8, TMX__USES_ETA = 16,
       TMX__USES_UNDIRECTED = 32 };

typedef struct tmx__family {
    tmx_topo_family_info info;
    unsigned uses; /* TMX__USES_*: which optional parameters apply */
    /* Checks n and the parameters, resolves defaults, sets period/directed/shape, precomputes priv.
     * May be NULL when every n ≥ 1 is allowed and there is nothing to precompute. */
    tmx_status (*setup)(tmx_topo *t);
    /* out ← graph pattern or W of step k (k ≥ 0; periodic families receive k mod period). */
    tmx_status (*build)(const tmx_topo *t, int64_t k, tmx_csr *out);
    /* Frees priv. May be NULL. */
    void (*release)(tmx_topo *t);
} tmx__family;

struct tmx_topo {
    const tmx__family *fam;
    tmx_topo_params par; /* defaults resolved */
    char *path;          /* file: */
    int64_t n, tau;      /* tau = ⌈log2 n⌉ */
    int64_t period;      /* 1 static, P periodic, 0 random */
    int directed;
    int64_t rows, cols;  /* grid, torus */
    void *priv;
};

extern const tmx__family tmx__fam_complete, tmx__fam_ring, tmx__fam_dring, tmx__fam_star,
    tmx__fam_grid, tmx__fam_torus, tmx__fam_hypercube, tmx__fam_er, tmx__fam_exp,
    tmx__fam_onepeer_exp, tmx__fam_onepeer_hypercube, tmx__fam_bipartite_exp, tmx__fam_matching,
    tmx__fam_base_k, tmx__fam_equistatic, tmx__fam_equidyn, tmx__fam_file;

/* Refuses (TMX_ENOMEM) a topology whose matrices would hold `entries` stored values. */
tmx_status tmx__topo_check_entries(const tmx_topo *t, double entries);

#endif
