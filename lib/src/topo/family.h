/* topomix — what a topology family implements, and the topology handle. Internal. */
#ifndef TMX_TOPO_FAMILY_H
#define TMX_TOPO_FAMILY_H

#include "../internal.h"
#include <topomix/topo.h>

/* A family builds either the undirected graph of step k (info.graph != 0: a symmetric pattern of
 * off-diagonal entries, values ignored; the registry turns it into weights) or the mixing matrix of
 * step k itself (fixed weights). */
enum { TMX__USES_ROWS = 1, TMX__USES_P = 2, TMX__USES_K = 4, TMX__USES_M = 8, TMX__USES_ETA = 16,
       TMX__USES_UNDIRECTED = 32, TMX__USES_BASE = 64, TMX__USES_PEERS = 128, TMX__USES_DEGREE = 256,
       TMX__USES_EPS = 512, TMX__USES_FILE = 1024 };

typedef struct tmx__family {
    tmx_topo_family_info info;
    unsigned uses; /* TMX__USES_*: which optional parameters apply */
    /* Checks n and the parameters, resolves defaults, sets period/directed/shape, precomputes priv.
     * May be NULL when every n ≥ 1 is allowed and there is nothing to precompute. */
    tmx_status (*setup)(tmx_topo *t);
    /* out ← graph pattern or W of step k (k ≥ 0; periodic families receive k mod period). ws is
     * never NULL: temporaries come from it (tmx__ws_ints, the generator in random.c). */
    tmx_status (*build)(const tmx_topo *t, int64_t k, tmx_csr *out, tmx_topo_ws *ws);
    /* Frees priv. May be NULL. */
    void (*release)(tmx_topo *t);
    /* Circulant families only (else NULL): c ← the first row of W^(k) before the weight scheme's
     * lazy step, as a dense array of rows·cols values (row-major r × c for the 2-D torus, 1 × n
     * otherwise), so that w_ij = c[(j − i) mod shape]. Never forms W. */
    tmx_status (*first_row)(const tmx_topo *t, int64_t k, double *c);
} tmx__family;

struct tmx_topo_ws {
    void *rng;          /* gsl_rng *, allocated on first use, reseeded per step */
    int64_t *ints;      /* tmx__ws_ints */
    size_t nints;
    tmx_csr G, spare;   /* the graph pattern; the lazy step's second matrix */
};

/* count int64 of scratch from ws (contents undefined), grown only when too small; NULL on failure. */
int64_t *tmx__ws_ints(tmx_topo_ws *ws, size_t count);
/* Frees what ws holds and zeroes it (the struct itself stays). */
void tmx__ws_release(tmx_topo_ws *ws);

struct tmx_topo {
    const tmx__family *fam;
    tmx_topo_params par; /* defaults resolved */
    char *path;          /* file: */
    int64_t n, tau;      /* tau = ⌈log2 n⌉ */
    int64_t period;      /* 1 static, P periodic, 0 random */
    int directed;
    int64_t rows, cols;  /* grid, torus */
    int64_t crows, ccols; /* circulant shape for first_row: 1 × n, or r × c for the torus */
    double built;        /* entries of build's output, at most (the graph pattern or W) */
    double scratch;      /* bytes of build's temporaries in the workspace (tmx__ws_ints) */
    int graph;           /* build gives a graph pattern: info.graph, or a file read as a graph */
    double alpha;        /* best-constant on a static graph: its edge weight, found once (< 0: per step) */
    const char *source;  /* file: how the file was read, one line (tmx_topo_source) */
    void *priv;
};

extern const tmx__family tmx__fam_complete, tmx__fam_ring, tmx__fam_dring, tmx__fam_star,
    tmx__fam_grid, tmx__fam_torus, tmx__fam_hypercube, tmx__fam_er, tmx__fam_exp,
    tmx__fam_onepeer_exp, tmx__fam_onepeer_hypercube, tmx__fam_bipartite_exp, tmx__fam_matching,
    tmx__fam_base_k, tmx__fam_equistatic, tmx__fam_equidyn, tmx__fam_file;
/* the peers' deterministic families (static.c, periodic.c) */
extern const tmx__family tmx__fam_sym_exp, tmx__fam_npeer_exp, tmx__fam_ring_antipodal, tmx__fam_two_cliques,
    tmx__fam_binary_tree, tmx__fam_margulis, tmx__fam_cycle_inverse;
/* the peers' random families (random.c) */
extern const tmx__family tmx__fam_random_regular, tmx__fam_small_world, tmx__fam_random_ring;

/* 1 when the topology's W^(k) are circulant (first_row available), and the circulant first row of
 * W^(k) including the weight scheme (lazy). c has tmx_topo_n(t) entries. */
int tmx__topo_is_circulant(const tmx_topo *t);
tmx_status tmx__topo_first_row(const tmx_topo *t, int64_t k, double *c);
void tmx__topo_circulant_shape(const tmx_topo *t, int64_t *rows, int64_t *cols);
/* equidyn: W for a given shift a in 1..n-1 and, undirected, matching start s in 0..n-1 with n
 * int64 of scratch in partner (directed: s and partner unused); used by the exact E[WᵀW]. */
tmx_status tmx__equidyn_matrix(const tmx_topo *t, int64_t a, int64_t s, int64_t *partner, tmx_csr *W);
/* small-world: one Watts–Strogatz draw from a generator seeded by seed (p = 0: the ring lattice). */
tmx_status tmx__small_world_draw(int64_t n, int64_t K, double p, uint64_t seed, tmx_csr *G);

/* Users' graphs and weight schemes (graphs.c, docs/definitions.md §17). Components of the graph of
 * G's off-diagonal nonzeros, taken as undirected; -1 when out of memory. */
int64_t tmx__graph_components(const tmx_csr *G);
/* Xiao & Boyd's best constant edge weight 2/(λ₁(L) + λ⁺_min(L)) of the undirected graph G (a
 * symmetric off-diagonal pattern), from the dense eigenvalues of its Laplacian L (n ≤
 * TMX_DENSE_MAX_N, TMX_EUNSUP beyond, naming `who`); 0 for a graph without edges. */
tmx_status tmx__best_constant_dense(const tmx_csr *G, const char *who, double *alpha);
/* The same for a circulant graph from its first row (rows × cols, row-major; neighbours where
 * c[j] != 0, j ≠ 0), through the DFT: O(n log n), any n. */
tmx_status tmx__best_constant_circulant(const double *c, int64_t rows, int64_t cols, double *alpha);

/* Records what one build produces (`built` entries at most, `scratch` bytes of workspace) for the
 * memory estimates of tmx_topo_weights and tmx_topo_validate, and refuses (TMX_ENOMEM) a topology
 * whose W^(k) alone would not fit. Every setup calls it. */
tmx_status tmx__topo_check_entries(tmx_topo *t, double built, double scratch);

/* M ← its off-diagonal nonzeros, each 1: the graph of a matrix (graphs.c; used by file: and
 * tmx_topo_from_csr). */
void tmx__keep_pattern(tmx_csr *M);

#endif
