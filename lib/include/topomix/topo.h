/* topomix — the topology registry: mixing matrices W^(k) for every topology of decentralized SGD.
 *
 * One registry serves everything: a topology is created by name with its parameters, then gives the
 * sparse mixing matrix of any step k. Static topologies ignore k. Random topologies derive step k's
 * matrix from (seed, k) alone, so W^(k) is the same whatever order steps are asked in.
 * Definitions: docs/definitions.md §1–§3. Convention: x_i ← Σ_j w_ij x_j. */
#ifndef TMX_TOPO_H
#define TMX_TOPO_H

#include <stdint.h>
#include <topomix/csr.h>
#include <topomix/error.h>
#include <topomix/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/** How a topology varies with the step. */
typedef enum tmx_topo_kind {
    TMX_TOPO_STATIC = 0,   /**< one W (er and equistatic draw it once from the seed) */
    TMX_TOPO_PERIODIC = 1, /**< deterministic, W^(k) = W^(k mod period) */
    TMX_TOPO_RANDOM = 2    /**< a fresh random W^(k) each step, from (seed, k) */
} tmx_topo_kind;

/** Weight schemes. DEFAULT is the family's own: Metropolis–Hastings for undirected graphs, the
 *  definition's fixed weights otherwise. METROPOLIS, UNIFORM, MAX_DEGREE and BEST_CONSTANT apply to graph
 *  families and files only (a file then gives its graph: docs/definitions.md §17); LAZY
 *  applies to every family and gives (I + W)/2 of the default weights. */
typedef enum tmx_weights {
    TMX_WEIGHTS_DEFAULT = 0,
    TMX_WEIGHTS_METROPOLIS = 1, /**< w_ij = 1/(1 + max(d_i, d_j)) on edges, rest on the diagonal */
    TMX_WEIGHTS_UNIFORM = 2,    /**< w_ij = 1/(d_max + 1) on edges, rest on the diagonal */
    TMX_WEIGHTS_LAZY = 3,       /**< (I + W)/2 */
    TMX_WEIGHTS_MAX_DEGREE = 4, /**< w_ij = 1/d_max on edges (Xiao & Boyd's max-degree weights), rest on the diagonal */
    TMX_WEIGHTS_BEST_CONSTANT = 5, /**< w_ij = 2/(λ₁(L) + λ_{n−1}(L)) on edges (Xiao & Boyd), rest on the diagonal,
                                    *   which may be negative; docs/definitions.md §17 */
    TMX_WEIGHTS_PUSH = 6        /**< directed graphs: column-stochastic, node j splits its mass uniformly over
                                 *   itself and its out-neighbours (push-sum) */
} tmx_weights;

/** How a file's edge list numbers its nodes. */
typedef enum tmx_index_base {
    TMX_INDEX_AUTO = 0, /**< detect: 1-based when no id is 0 and the largest id is n, reported */
    TMX_INDEX_ZERO = 1,
    TMX_INDEX_ONE = 2
} tmx_index_base;

/** Parameters. Initialise with tmx_topo_params_init, then set what you need. Zero means "the
 *  default" for every optional field. */
typedef struct tmx_topo_params {
    int64_t n;           /**< number of nodes, ≥ 1 (required) */
    uint64_t seed;       /**< random topologies: er, matching, equistatic, equidyn, random-regular, small-world, random-ring (default 1) */
    tmx_weights weights; /**< weight scheme (default TMX_WEIGHTS_DEFAULT) */
    int64_t rows;        /**< grid/torus: rows r dividing n (0: largest divisor ≤ √n) */
    double p;            /**< er: edge probability in (0, 1] (0: 1/2); small-world: rewiring probability (0: 0.1) */
    int64_t k;           /**< base-k: maximum degree k ≥ 1 (0: 1); small-world: even lattice degree (0: 4, or 2 below n = 5) */
    int64_t m;           /**< equistatic: number of basis matrices M ≥ 1, any (0: from eps, else ⌈log2 n⌉, at least 1) */
    double eta;          /**< equidyn: laziness η in (0, 1] (0: 1/2) */
    int undirected;      /**< equistatic/equidyn: undirected version */
    int64_t base;        /**< exp: base B ≥ 2 (0: 2) */
    int64_t peers;       /**< npeer-exp: peers per step P ≥ 1 (0: 1) */
    int64_t degree;      /**< random-regular: degree D, n·D even (0: min(4, n − 1)) */
    double eps;          /**< equistatic: ε in (0, 1) choosing M = ⌊8 ln(2n/p)/(3ε²)⌋ (0: M as given) */
    double fail_prob;    /**< equistatic: the failure probability p of that choice, in (0, 1) (0: 0.1) */
    tmx_index_base index_base; /**< file: edge lists' node numbering (default: detect) */
    int directed;        /**< file: an edge list's edges are directed (default: undirected) */
} tmx_topo_params;

/** Opaque topology handle. */
typedef struct tmx_topo tmx_topo;

/** Static description of one family in the registry. */
typedef struct tmx_topo_family_info {
    const char *name;    /**< "ring", "file" (used as file:PATH), … */
    tmx_topo_kind kind;
    int seeded;          /**< uses params.seed */
    int graph;           /**< undirected graph family: the graph weight schemes apply */
    const char *sizes;   /**< which n are allowed, in words */
    const char *summary; /**< one line */
} tmx_topo_family_info;

/** Sets every field to its default (n = 0, which tmx_topo_new rejects until set). */
TMX_API void tmx_topo_params_init(tmx_topo_params *p);

/** Number of families in the registry, and the i-th (NULL past the end). Static storage. */
TMX_API size_t tmx_topo_family_count(void);
TMX_API const tmx_topo_family_info *tmx_topo_family(size_t i);

/** Parses a weight-scheme name ("default", "metropolis", "uniform", "lazy"). TMX_EINVAL if unknown. */
TMX_API tmx_status tmx_weights_parse(const char *name, tmx_weights *out);
TMX_API const char *tmx_weights_name(tmx_weights w);

/** Creates a topology by name ("ring", "base-k", "file:path/to/W.mtx", …). Checks that n and the
 *  parameters are allowed for that topology (TMX_EINVAL with a message otherwise), precomputes what
 *  the family needs (the er graph, the file's matrix, the base-k schedule) and refuses sizes whose
 *  matrices would exceed memory (TMX_ENOMEM). *out is owned by the caller: tmx_topo_free. */
TMX_API tmx_status tmx_topo_new(const char *name, const tmx_topo_params *p, tmx_topo **out);

/** Frees the handle. Accepts NULL. */
TMX_API void tmx_topo_free(tmx_topo *t);

/** W ← W^(k), the mixing matrix of step k ≥ 0 (W's arrays are reused when large enough, else
 *  replaced). Diagonal entries are stored even when zero-free rows would not need them.
 *  Thread-safe on a shared handle. Time and memory O(nnz(W^(k))). */
TMX_API tmx_status tmx_topo_weights(const tmx_topo *t, int64_t k, tmx_csr *W);

/** Scratch space for stepping through W^(k): the random families' generator and buffers, the
 *  graph pattern and the lazy step's spare matrix. With one workspace and one output matrix
 *  (per thread), tmx_topo_weights_ws allocates nothing once the matrices stop growing, which is
 *  what a simulation's iteration loop needs for matching and equidyn. */
typedef struct tmx_topo_ws tmx_topo_ws;
TMX_API tmx_status tmx_topo_ws_new(tmx_topo_ws **out);
TMX_API void tmx_topo_ws_free(tmx_topo_ws *ws); /**< Accepts NULL. */
/** tmx_topo_weights through a workspace (ws NULL: a temporary one). Same result bit for bit. */
TMX_API tmx_status tmx_topo_weights_ws(const tmx_topo *t, int64_t k, tmx_csr *W, tmx_topo_ws *ws);

/** Accessors. */
TMX_API const char *tmx_topo_name(const tmx_topo *t);      /**< family name ("file" for file:) */
TMX_API const tmx_topo_family_info *tmx_topo_info(const tmx_topo *t);
TMX_API int64_t tmx_topo_n(const tmx_topo *t);
TMX_API tmx_topo_kind tmx_topo_kind_of(const tmx_topo *t);
/** Period of a periodic topology; 1 for static ones; 0 for random time-varying ones. */
TMX_API int64_t tmx_topo_period(const tmx_topo *t);
/** 1 when W^(k) may be nonsymmetric (dring, exp, onepeer-exp, directed EquiTopo, files that are). */
TMX_API int tmx_topo_directed(const tmx_topo *t);
/** The grid/torus shape (rows, cols); 0, 0 for other families. */
TMX_API void tmx_topo_shape(const tmx_topo *t, int64_t *rows, int64_t *cols);
/** The effective parameters (defaults resolved). */
TMX_API const tmx_topo_params *tmx_topo_params_of(const tmx_topo *t);
/** file: how the file was read, one line ("edge list, 1-based (detected: no id is 0), undirected,
 *  12 edges, unweighted; metropolis weights on its graph"); NULL for other families. */
TMX_API const char *tmx_topo_source(const tmx_topo *t);

/** A static topology from a matrix or graph held in memory, as file:PATH reads one from a file
 *  (docs/definitions.md §17); its name is "user". A is copied. With graph != 0, or when p->weights
 *  is a graph scheme (metropolis, uniform, max-degree, best-constant, push), A's off-diagonal
 *  nonzeros are a graph (row i: whom node i receives from) under that scheme (default and lazy:
 *  Metropolis, lazy Metropolis): undirected unless p->directed (push only), n ≥ 2, symmetric in
 *  pattern and connected (strongly, when directed). Otherwise A is W itself (lazy: (I + A)/2).
 *  Only p->weights, p->directed and p->n (0, or A's n) may be set (TMX_EINVAL naming the problem;
 *  TMX_EDIM for another n). */
TMX_API tmx_status tmx_topo_from_csr(const tmx_csr *A, int graph, const tmx_topo_params *p, tmx_topo **out);

/** Validation of a topology at step k: the per-step report of tmx_csr_validate, plus, for periodic
 *  topologies, whether the union of the graphs over one period is strongly connected
 *  (period_connected; -1 when it does not apply). */
typedef struct tmx_topo_report {
    tmx_validation step;
    int period_connected;
} tmx_topo_report;

TMX_API tmx_status tmx_topo_validate(const tmx_topo *t, int64_t k, double tol, tmx_topo_report *r);

#ifdef __cplusplus
}
#endif
#endif
