/* topomix — file:PATH, a user's mixing matrix or graph: a Matrix Market file or an edge list
 * (docs/definitions.md §17). A file with weights (Matrix Market real, `i j w` lines) is W itself
 * unless a graph weight scheme is asked for; a graph (pattern, integer, `i j` lines), or a file
 * under such a scheme, gives the pattern of its off-diagonal nonzeros to the registry's schemes. */
#include "family.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <topomix/io.h>

typedef struct file_priv {
    tmx_csr M;         /* the graph's pattern (t->graph) or the matrix */
    char source[320];  /* tmx_topo_source */
} file_priv;

/* An edge list's weights are the entries off the diagonal: each node keeps the rest of its row,
 * 1 − Σ_{j≠i} w_ij, summed in column order as the graph schemes sum theirs. */
static tmx_status add_diagonal(tmx_csr *M)
{
    tmx_csr D = {0};
    tmx__builder b;
    tmx_status st = tmx__builder_begin(&b, &D, M->n, M->nnz + M->n);
    if (st != TMX_OK) return st;
    for (int64_t i = 0; i < M->n; i++) {
        double sum = 0.0;
        for (int64_t e = M->rowptr[i]; e < M->rowptr[i + 1]; e++) {
            tmx__builder_push(&b, M->col[e], M->val[e]);
            sum += M->val[e];
        }
        tmx__builder_push(&b, i, 1.0 - sum);
        tmx__builder_end_row(&b);
    }
    if ((st = tmx__builder_finish(&b)) != TMX_OK) return st;
    tmx_csr_destroy(M);
    *M = D;
    return TMX_OK;
}

static tmx_status file_setup(tmx_topo *t)
{
    file_priv *fp = calloc(1, sizeof *fp);
    if (!fp) return tmx__error(TMX_ENOMEM, "file: out of memory");
    t->priv = fp; /* freed by file_release, also on failure */
    tmx_csr *M = &fp->M;
    tmx_graph_info info;
    tmx_status st = tmx_graph_read_file(t->path, t->par.index_base, t->par.directed, M, &info);
    if (st != TMX_OK) return st;
    if (t->par.n != 0 && t->par.n != M->n)
        return tmx__error(TMX_EDIM, "file %s holds a %lld x %lld matrix but n=%lld was asked for", t->path,
                          (long long)M->n, (long long)M->n, (long long)t->par.n);
    t->n = t->par.n = M->n;
    tmx_weights w = t->par.weights;
    int scheme = w == TMX_WEIGHTS_METROPOLIS || w == TMX_WEIGHTS_UNIFORM || w == TMX_WEIGHTS_MAX_DEGREE ||
                 w == TMX_WEIGHTS_BEST_CONSTANT || w == TMX_WEIGHTS_PUSH;
    t->graph = !info.weighted || scheme;
    char how[128];
    tmx_graph_info_describe(&info, fp->source, sizeof fp->source);
    if (t->graph)
        snprintf(how, sizeof how, "; %s weights on its graph",
                 tmx_weights_name(w == TMX_WEIGHTS_DEFAULT || w == TMX_WEIGHTS_LAZY ? TMX_WEIGHTS_METROPOLIS : w));
    else
        snprintf(how, sizeof how, "; its own weights%s", w == TMX_WEIGHTS_LAZY ? ", lazy (I + W)/2" : "");
    size_t len = strlen(fp->source);
    snprintf(fp->source + len, sizeof fp->source - len, "%s%s", how,
             t->graph && w == TMX_WEIGHTS_LAZY ? ", lazy (I + W)/2" : "");
    t->source = fp->source;

    if (t->graph) {
        tmx__keep_pattern(M);
        if (M->n < 2)
            return tmx__error(TMX_EINVAL, "file %s: a graph needs at least 2 nodes, this one has n = %lld", t->path,
                              (long long)M->n);
        if (info.directed && w != TMX_WEIGHTS_PUSH)
            return tmx__error(TMX_EINVAL, "file %s: a directed graph takes --weights push (metropolis, uniform, "
                              "max-degree and best-constant are for undirected graphs)", t->path);
        if (!info.directed) /* a weighted Matrix Market file's pattern may be one-sided */
            for (int64_t i = 0; i < M->n; i++)
                for (int64_t e = M->rowptr[i]; e < M->rowptr[i + 1]; e++)
                    if (tmx_csr_get(M, M->col[e], i) == 0.0)
                        return tmx__error(TMX_EINVAL, "file %s: weights '%s' need an undirected graph, and entry "
                                          "(%lld, %lld) has no (%lld, %lld)", t->path, tmx_weights_name(w),
                                          (long long)i + 1, (long long)M->col[e] + 1, (long long)M->col[e] + 1,
                                          (long long)i + 1);
        int64_t comps = tmx__graph_components(M);
        if (comps < 0) return tmx__error(TMX_ENOMEM, "file %s: out of memory", t->path);
        if (comps > 1)
            return tmx__error(TMX_EINVAL, "file %s: the graph is disconnected (%lld components)", t->path, (long long)comps);
        if (info.directed && !tmx_csr_is_connected(M))
            return tmx__error(TMX_EINVAL, "file %s: the directed graph is not strongly connected", t->path);
        t->directed = info.directed;
        return tmx__topo_check_entries(t, (double)M->nnz, 0.0);
    }
    if (info.format == TMX_GRAPH_EDGES) { /* an edge list is a graph, weights or not */
        int64_t comps = tmx__graph_components(M);
        if (comps < 0) return tmx__error(TMX_ENOMEM, "file %s: out of memory", t->path);
        if (comps > 1)
            return tmx__error(TMX_EINVAL, "file %s: the graph is disconnected (%lld components)", t->path, (long long)comps);
        if ((st = add_diagonal(M)) != TMX_OK) return st;
    }
    /* validation's arrays: column sums and degrees, then the connectivity test's transpose */
    char what[96];
    snprintf(what, sizeof what, "validating %s (n=%lld, %lld entries)", t->path, (long long)M->n, (long long)M->nnz);
    double n = (double)M->n, nnz = (double)M->nnz;
    if ((st = tmx__check_bytes(33.0 * n + 8.0 * (n + 1.0) + 16.0 * nnz, what)) != TMX_OK) return st;
    if ((st = tmx__topo_check_entries(t, nnz, 0.0)) != TMX_OK) return st;
    tmx_validation v;
    st = tmx_csr_validate(M, 1e-12, &v);
    t->directed = st == TMX_OK ? !v.symmetric : 1;
    return st;
}

static tmx_status file_build(const tmx_topo *t, int64_t k, tmx_csr *W, tmx_topo_ws *ws)
{
    (void)k;
    const file_priv *fp = t->priv;
    return tmx_csr_copy(W, &fp->M);
}

static void file_release(tmx_topo *t)
{
    file_priv *fp = t->priv;
    tmx_csr_destroy(&fp->M);
    free(fp);
}

const tmx__family tmx__fam_file = {
    {"file", TMX_TOPO_STATIC, 0, 0, "n read from the file (-n, if given, must match)",
     "file:PATH, a Matrix Market matrix or graph (pattern, integer), or an edge list 'i j [w]'"},
    TMX__USES_FILE, file_setup, file_build, file_release, NULL};
