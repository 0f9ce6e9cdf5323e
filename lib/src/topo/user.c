/* topomix — a topology from a matrix or graph held in memory (tmx_topo_from_csr): what file:PATH
 * does with a file's contents (docs/definitions.md §17), for callers that already hold the matrix,
 * such as the Python binding's from_graph. The handle goes through the registry's weight schemes,
 * rates and costs like any other topology. */
#include "family.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct user_priv {
    tmx_csr M;        /* the graph's pattern (t->graph) or W */
    char source[160]; /* tmx_topo_source */
} user_priv;

static tmx_status user_build(const tmx_topo *t, int64_t k, tmx_csr *W, tmx_topo_ws *ws)
{
    (void)k;
    (void)ws;
    const user_priv *up = t->priv;
    return tmx_csr_copy(W, &up->M);
}

static void user_release(tmx_topo *t)
{
    user_priv *up = t->priv;
    tmx_csr_destroy(&up->M);
    free(up);
}

/* Not in the registry's table: it is reached through tmx_topo_from_csr only, never by name. */
static const tmx__family fam_user = {
    {"user", TMX_TOPO_STATIC, 0, 0, "n of the matrix given", "a matrix or graph given in memory (tmx_topo_from_csr)"},
    0, NULL, user_build, user_release, NULL};

/* The graph checks of file.c on a pattern: undirected graphs symmetric and connected, directed ones
 * (push-sum only) strongly connected; best-constant's edge weight found once. */
static tmx_status setup_graph(tmx_topo *t, tmx_csr *M)
{
    tmx_weights w = t->par.weights;
    int directed = t->par.directed;
    if (M->n < 2) return tmx__error(TMX_EINVAL, "graph: a graph needs at least 2 nodes, this one has n = %lld", (long long)M->n);
    if (directed && w != TMX_WEIGHTS_PUSH)
        return tmx__error(TMX_EINVAL, "graph: a directed graph takes weights 'push' (metropolis, uniform, max-degree "
                          "and best-constant are for undirected graphs)");
    if (!directed)
        for (int64_t i = 0; i < M->n; i++)
            for (int64_t e = M->rowptr[i]; e < M->rowptr[i + 1]; e++)
                if (tmx_csr_get(M, M->col[e], i) == 0.0)
                    return tmx__error(TMX_EINVAL, "graph: an undirected graph needs a symmetric pattern, and entry (%lld, "
                                      "%lld) has no (%lld, %lld)", (long long)i, (long long)M->col[e],
                                      (long long)M->col[e], (long long)i);
    int64_t comps = tmx__graph_components(M);
    if (comps < 0) return tmx__error(TMX_ENOMEM, "graph: out of memory");
    if (comps > 1) return tmx__error(TMX_EINVAL, "graph: the graph is disconnected (%lld components)", (long long)comps);
    if (directed && !tmx_csr_is_connected(M))
        return tmx__error(TMX_EINVAL, "graph: the directed graph is not strongly connected");
    t->directed = directed;
    tmx_status st = tmx__topo_check_entries(t, (double)M->nnz, 0.0);
    if (st == TMX_OK && w == TMX_WEIGHTS_BEST_CONSTANT) {
        char who[64];
        snprintf(who, sizeof who, "a graph in memory (n=%lld)", (long long)M->n);
        st = tmx__best_constant_dense(M, who, &t->alpha);
    }
    return st;
}

tmx_status tmx_topo_from_csr(const tmx_csr *A, int graph, const tmx_topo_params *p, tmx_topo **out)
{
    if (!out) return tmx__error(TMX_EINVAL, "topo_from_csr: output is required");
    *out = NULL;
    if (!A || !p) return tmx__error(TMX_EINVAL, "topo_from_csr: matrix and params are required");
    tmx_status st = tmx_csr_check(A);
    if (st != TMX_OK) return st;
    if (A->n < 1) return tmx__error(TMX_EINVAL, "topo_from_csr: the matrix is empty (n = 0)");
    if (p->n != 0 && p->n != A->n)
        return tmx__error(TMX_EDIM, "topo_from_csr: the matrix is %lld x %lld but n=%lld was asked for", (long long)A->n,
                          (long long)A->n, (long long)p->n);
    if ((unsigned)p->weights > TMX_WEIGHTS_PUSH) return tmx__error(TMX_EINVAL, "unknown weight scheme %d", (int)p->weights);
    if (p->rows || p->p != 0.0 || p->k || p->m || p->eta != 0.0 || p->undirected || p->base || p->peers || p->degree ||
        p->eps != 0.0 || p->fail_prob != 0.0 || p->index_base != TMX_INDEX_AUTO)
        return tmx__error(TMX_EINVAL, "topo_from_csr: only weights and directed apply to a matrix or graph in memory");
    tmx_weights w = p->weights;
    int scheme = w == TMX_WEIGHTS_METROPOLIS || w == TMX_WEIGHTS_UNIFORM || w == TMX_WEIGHTS_MAX_DEGREE ||
                 w == TMX_WEIGHTS_BEST_CONSTANT || w == TMX_WEIGHTS_PUSH;
    if (p->directed && !graph && !scheme)
        return tmx__error(TMX_EINVAL, "topo_from_csr: directed describes a graph, and this matrix is taken as W (weights '%s')",
                          tmx_weights_name(w));

    tmx_topo *t = calloc(1, sizeof *t);
    user_priv *up = calloc(1, sizeof *up);
    if (!t || !up) {
        free(t), free(up);
        return tmx__error(TMX_ENOMEM, "topo_from_csr: out of memory");
    }
    t->fam = &fam_user;
    t->priv = up;
    t->par = *p;
    t->par.n = t->n = A->n;
    t->tau = tmx__ceil_log2(t->n);
    t->period = 1;
    t->crows = 1, t->ccols = t->n;
    t->alpha = -1.0;
    t->graph = graph || scheme;
    if ((st = tmx_csr_copy(&up->M, A)) != TMX_OK) goto fail;
    if (t->graph) {
        tmx__keep_pattern(&up->M);
        st = setup_graph(t, &up->M);
        snprintf(up->source, sizeof up->source, "%s graph in memory, %lld nodes; %s weights on it%s",
                 p->directed ? "a directed" : "an undirected", (long long)t->n,
                 tmx_weights_name(w == TMX_WEIGHTS_DEFAULT || w == TMX_WEIGHTS_LAZY ? TMX_WEIGHTS_METROPOLIS : w),
                 w == TMX_WEIGHTS_LAZY ? ", lazy (I + W)/2" : "");
    } else {
        /* W itself: its symmetry says whether it is directed, as for a file's matrix */
        tmx_validation v;
        st = tmx__topo_check_entries(t, (double)A->nnz, 0.0);
        if (st == TMX_OK) st = tmx_csr_validate(A, 1e-12, &v);
        t->directed = st == TMX_OK ? !v.symmetric : 1;
        snprintf(up->source, sizeof up->source, "a matrix in memory, %lld x %lld, %lld entries; its own weights%s",
                 (long long)t->n, (long long)t->n, (long long)A->nnz, w == TMX_WEIGHTS_LAZY ? ", lazy (I + W)/2" : "");
    }
    t->source = up->source;
    if (st != TMX_OK) goto fail;
    *out = t;
    return TMX_OK;
fail:
    tmx_topo_free(t);
    return st;
}
