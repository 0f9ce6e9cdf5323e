/* Unit tests: users' graphs (edge lists, Matrix Market adjacency files) and the weight schemes
 * built on a graph (metropolis, uniform, max-degree, lazy, best-constant), each against a dense
 * reference built here from the definitions (docs/definitions.md §3, §17). */
#include "internal.h"
#include "topo/family.h"

#include "temp_file.h"

#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <lapacke.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <topomix/topomix.h>
#include <unistd.h>

/* ---- helpers ------------------------------------------------------------------------------ */

static uint64_t rng_state;

static uint64_t rng_next(void) /* splitmix64: deterministic, independent of the library */
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* A random connected graph on n nodes as a dense 0/1 adjacency: a random spanning tree (each node
 * joins an earlier one) plus `extra` random edges. */
static void random_graph(int n, int extra, int *adj)
{
    memset(adj, 0, sizeof(int) * (size_t)(n * n));
    for (int i = 1; i < n; i++) {
        int j = (int)(rng_next() % (uint64_t)i);
        adj[i * n + j] = adj[j * n + i] = 1;
    }
    for (int e = 0; e < extra; e++) {
        int i = (int)(rng_next() % (uint64_t)n), j = (int)(rng_next() % (uint64_t)n);
        if (i != j) adj[i * n + j] = adj[j * n + i] = 1;
    }
}

/* The edge list of adj, each edge once, ids from `base`, in a shuffled line order and with the
 * two ends in random order; comments and blank lines mixed in. */
static char *edge_text(int n, const int *adj, int base)
{
    size_t cap = 64 + (size_t)n * (size_t)n * 32, len = 0;
    char *s = malloc(cap);
    cr_assert(not(eq(ptr, s, NULL)));
    len += (size_t)snprintf(s + len, cap - len, "# a test graph\n\n%% another comment\n");
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (adj[i * n + j]) {
                int a = i, b = j;
                if (rng_next() & 1) a = j, b = i;
                len += (size_t)snprintf(s + len, cap - len, "%d\t%d%s\n", a + base, b + base,
                                        rng_next() % 4 == 0 ? "  # trailing comment" : "");
            }
    return s;
}

/* A topology from file text (with the given weights, numbering and direction). */
static tmx_status file_topo(const char *text, tmx_weights w, tmx_index_base base, int directed, tmx_topo **t)
{
    char path[32], name[48];
    temp_file(path, text, strlen(text));
    snprintf(name, sizeof name, "file:%s", path);
    tmx_topo_params p;
    tmx_topo_params_init(&p);
    p.weights = w;
    p.index_base = base;
    p.directed = directed;
    *t = NULL;
    tmx_status st = tmx_topo_new(name, &p, t);
    unlink(path);
    return st;
}

/* The eigenvalues of the Laplacian of adj, ascending (LAPACKE dsyev, not the library's dsyevd). */
static void laplacian_eigenvalues(int n, const int *adj, double *lam)
{
    double *L = calloc((size_t)(n * n), sizeof *L);
    cr_assert(not(eq(ptr, L, NULL)));
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            if (adj[i * n + j]) L[i * n + j] = -1.0, L[i * n + i] += 1.0;
    cr_assert(eq(int, LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'N', 'U', n, L, n, lam), 0));
    free(L);
}

/* Components of adj (depth-first search). */
static int components(int n, const int *adj)
{
    int *mark = calloc((size_t)n, sizeof *mark), *stack = malloc(sizeof(int) * (size_t)n), c = 0;
    for (int s = 0; s < n; s++) {
        if (mark[s]) continue;
        c++;
        int top = 0;
        stack[top++] = s, mark[s] = 1;
        while (top) {
            int i = stack[--top];
            for (int j = 0; j < n; j++)
                if (adj[i * n + j] && !mark[j]) mark[j] = 1, stack[top++] = j;
        }
    }
    free(mark);
    free(stack);
    return c;
}

/* The dense W of a scheme on adj, from the definitions. */
static void reference_weights(int n, const int *adj, tmx_weights w, double *W)
{
    int *deg = calloc((size_t)n, sizeof *deg), dmax = 0;
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) deg[i] += adj[i * n + j];
        if (deg[i] > dmax) dmax = deg[i];
    }
    double alpha = 0.0;
    if (w == TMX_WEIGHTS_BEST_CONSTANT) {
        double *lam = malloc(sizeof(double) * (size_t)n);
        laplacian_eigenvalues(n, adj, lam);
        int c = components(n, adj); /* λ⁺_min: the first eigenvalue after the components' zeros */
        alpha = 2.0 / (lam[n - 1] + lam[c]);
        free(lam);
    }
    for (int i = 0; i < n; i++) {
        double off = 0.0;
        for (int j = 0; j < n; j++) {
            double v = 0.0;
            if (adj[i * n + j]) {
                switch (w) {
                case TMX_WEIGHTS_UNIFORM: v = 1.0 / (dmax + 1); break;
                case TMX_WEIGHTS_MAX_DEGREE: v = 1.0 / dmax; break;
                case TMX_WEIGHTS_BEST_CONSTANT: v = alpha; break;
                default: v = 1.0 / (1 + (deg[i] > deg[j] ? deg[i] : deg[j])); break; /* Metropolis */
                }
                if (w == TMX_WEIGHTS_LAZY) v *= 0.5;
            }
            W[i * n + j] = v;
            off += v;
        }
        W[i * n + i] = 1.0 - off;
    }
    free(deg);
}

/* max |W − R| over every entry, W sparse. */
static double max_diff(const tmx_csr *W, const double *R)
{
    int64_t n = W->n;
    double m = 0.0;
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < n; j++) m = fmax(m, fabs(tmx_csr_get(W, i, j) - R[i * n + j]));
    return m;
}

static tmx_status read_text(const char *text, tmx_index_base base, int directed, tmx_csr *A, tmx_graph_info *info)
{
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    cr_assert(not(eq(ptr, f, NULL)));
    tmx_status st = tmx_graph_read(f, base, directed, A, info);
    fclose(f);
    return st;
}

static const tmx_weights schemes[] = {TMX_WEIGHTS_DEFAULT, TMX_WEIGHTS_METROPOLIS, TMX_WEIGHTS_UNIFORM,
                                      TMX_WEIGHTS_MAX_DEGREE, TMX_WEIGHTS_LAZY, TMX_WEIGHTS_BEST_CONSTANT};

/* ---- weights on users' graphs --------------------------------------------------------------- */

/* Every scheme on random connected graphs read from edge lists, 0- and 1-based, against the dense
 * reference. The constant schemes and Metropolis compute the same numbers in the same order as the
 * reference up to the diagonal's summation order: 8 ulps of 1 cover it for rows of ≤ 30 entries.
 * best-constant's α comes from two different LAPACK eigensolvers: their eigenvalues of L (norm
 * ≤ 2 d_max ≤ 60) agree to about n·ε·‖L‖ ≈ 1e-13, so 1e-12 on the weights. */
Test(graphs, every_scheme_on_random_edge_lists_matches_the_dense_reference)
{
    rng_state = 11;
    const int sizes[] = {2, 3, 5, 8, 13, 30};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++)
        for (int rep = 0; rep < 3; rep++) {
            int n = sizes[s], *adj = malloc(sizeof(int) * (size_t)(n * n));
            random_graph(n, rep * n, adj);
            int base = (int)(rng_next() & 1);
            char *text = edge_text(n, adj, base);
            double *R = malloc(sizeof(double) * (size_t)(n * n));
            for (size_t q = 0; q < sizeof schemes / sizeof *schemes; q++) {
                tmx_topo *t;
                cr_assert(eq(int, file_topo(text, schemes[q], TMX_INDEX_AUTO, 0, &t), TMX_OK), "%s", tmx_last_error());
                cr_assert(eq(i64, tmx_topo_n(t), n));
                tmx_csr W = {0};
                cr_assert(eq(int, tmx_topo_weights(t, 0, &W), TMX_OK), "%s", tmx_last_error());
                reference_weights(n, adj, schemes[q], R);
                double tol = schemes[q] == TMX_WEIGHTS_BEST_CONSTANT ? 1e-12 : 8.0 * 0x1p-52;
                cr_assert(le(dbl, max_diff(&W, R), tol), "n=%d rep=%d scheme %s: off by %g", n, rep,
                          tmx_weights_name(schemes[q]), max_diff(&W, R));
                tmx_csr_destroy(&W);
                tmx_topo_free(t);
            }
            free(text);
            free(adj);
            free(R);
        }
}

/* The dense reference of a family's graph: the pattern of its Metropolis W. */
static int *family_adjacency(const char *name, int64_t n)
{
    tmx_topo_params p;
    tmx_topo_params_init(&p);
    p.n = n;
    p.weights = TMX_WEIGHTS_METROPOLIS;
    tmx_topo *t;
    cr_assert(eq(int, tmx_topo_new(name, &p, &t), TMX_OK), "%s: %s", name, tmx_last_error());
    tmx_csr W = {0};
    cr_assert(eq(int, tmx_topo_weights(t, 0, &W), TMX_OK));
    int *adj = calloc((size_t)(n * n), sizeof *adj);
    for (int64_t i = 0; i < n; i++)
        for (int64_t e = W.rowptr[i]; e < W.rowptr[i + 1]; e++)
            if (W.col[e] != i && W.val[e] != 0.0) adj[i * n + W.col[e]] = 1;
    tmx_csr_destroy(&W);
    tmx_topo_free(t);
    return adj;
}

/* max-degree and best-constant on the graph families: the circulant ones (ring, torus, complete)
 * through their first row and the DFT, the others through the dense Laplacian; every W, and the
 * circulant first row where there is one, against the reference. Tolerance as above. */
Test(graphs, max_degree_and_best_constant_on_every_graph_family)
{
    int checked = 0;
    for (size_t f = 0; f < tmx_topo_family_count(); f++) {
        const tmx_topo_family_info *info = tmx_topo_family(f);
        if (!info->graph || info->kind != TMX_TOPO_STATIC) continue;
        const int64_t sizes[] = {2, 4, 7, 16, 30};
        for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
            int64_t n = sizes[s];
            tmx_topo_params p;
            tmx_topo_params_init(&p);
            p.n = n;
            p.weights = TMX_WEIGHTS_MAX_DEGREE;
            tmx_topo *t;
            if (tmx_topo_new(info->name, &p, &t) != TMX_OK) continue; /* a size the family refuses */
            tmx_topo_free(t);
            int *adj = family_adjacency(info->name, n);
            if (components((int)n, adj) > 1) { /* a disconnected draw (er) is no test of these */
                free(adj);
                continue;
            }
            double *R = malloc(sizeof(double) * (size_t)(n * n)), *c = malloc(sizeof(double) * (size_t)n);
            for (int q = 0; q < 2; q++) {
                p.weights = q ? TMX_WEIGHTS_BEST_CONSTANT : TMX_WEIGHTS_MAX_DEGREE;
                cr_assert(eq(int, tmx_topo_new(info->name, &p, &t), TMX_OK), "%s", tmx_last_error());
                tmx_csr W = {0};
                cr_assert(eq(int, tmx_topo_weights(t, 0, &W), TMX_OK), "%s", tmx_last_error());
                reference_weights((int)n, adj, p.weights, R);
                cr_assert(le(dbl, max_diff(&W, R), 1e-12), "%s n=%lld %s: off by %g", info->name, (long long)n,
                          tmx_weights_name(p.weights), max_diff(&W, R));
                if (tmx__topo_is_circulant(t)) {
                    cr_assert(eq(int, tmx__topo_first_row(t, 0, c), TMX_OK), "%s", tmx_last_error());
                    for (int64_t j = 0; j < n; j++)
                        cr_assert(le(dbl, fabs(c[j] - R[j]), 1e-12), "%s n=%lld %s first row [%lld]: %g vs %g",
                                  info->name, (long long)n, tmx_weights_name(p.weights), (long long)j, c[j], R[j]);
                }
                tmx_csr_destroy(&W);
                tmx_topo_free(t);
                checked++;
            }
            free(adj);
            free(R);
            free(c);
        }
    }
    cr_assert(ge(int, checked, 30), "only %d checked", checked);
}

/* A ring of n = 1000 through the DFT against its closed form: L's eigenvalues are
 * 2 − 2cos(2πm/n), so λ_max = 4 (n even) and λ_{n−1} = 2 − 2cos(2π/n). */
Test(graphs, best_constant_ring_closed_form)
{
    tmx_topo_params p;
    tmx_topo_params_init(&p);
    p.n = 1000;
    p.weights = TMX_WEIGHTS_BEST_CONSTANT;
    tmx_topo *t;
    cr_assert(eq(int, tmx_topo_new("ring", &p, &t), TMX_OK), "%s", tmx_last_error());
    double *c = calloc(1000, sizeof *c);
    cr_assert(eq(int, tmx__topo_first_row(t, 0, c), TMX_OK));
    double alpha = 2.0 / (4.0 + 2.0 - 2.0 * cos(2.0 * M_PI / 1000.0));
    cr_assert(le(dbl, fabs(c[1] - alpha), 1e-15), "%.17g vs %.17g", c[1], alpha);
    cr_assert(le(dbl, fabs(c[999] - alpha), 1e-15));
    cr_assert(le(dbl, fabs(c[0] - (1.0 - 2.0 * alpha)), 1e-15));
    free(c);
    tmx_topo_free(t);
}

/* A time-varying graph family: each matching is disconnected; best-constant's α is then the best
 * constant on every pair (L's nonzero eigenvalues are all 2): 1/2, the Metropolis pairing. */
Test(graphs, best_constant_on_a_matching_is_the_pairwise_average)
{
    tmx_topo_params p;
    tmx_topo_params_init(&p);
    p.n = 10;
    p.weights = TMX_WEIGHTS_BEST_CONSTANT;
    tmx_topo *t, *m;
    cr_assert(eq(int, tmx_topo_new("matching", &p, &t), TMX_OK), "%s", tmx_last_error());
    p.weights = TMX_WEIGHTS_METROPOLIS;
    cr_assert(eq(int, tmx_topo_new("matching", &p, &m), TMX_OK));
    for (int64_t k = 0; k < 5; k++) {
        tmx_csr A = {0}, B = {0};
        cr_assert(eq(int, tmx_topo_weights(t, k, &A), TMX_OK), "%s", tmx_last_error());
        cr_assert(eq(int, tmx_topo_weights(m, k, &B), TMX_OK));
        cr_assert(eq(i64, A.nnz, B.nnz));
        for (int64_t e = 0; e < A.nnz; e++) {
            cr_assert(eq(i64, A.col[e], B.col[e]));
            cr_assert(le(dbl, fabs(A.val[e] - B.val[e]), 1e-14), "step %lld entry %lld: %g vs %g", (long long)k,
                      (long long)e, A.val[e], B.val[e]);
        }
        tmx_csr_destroy(&A);
        tmx_csr_destroy(&B);
    }
    tmx_topo_free(t);
    tmx_topo_free(m);
}

/* A weighted file keeps its weights; a scheme asked for uses its graph instead. */
Test(graphs, a_weighted_edge_list_keeps_its_weights_unless_a_scheme_is_given)
{
    const char *text = "0 1 0.25\n1 2 0.5\n2 0 0.125\n";
    tmx_topo *t;
    cr_assert(eq(int, file_topo(text, TMX_WEIGHTS_DEFAULT, TMX_INDEX_AUTO, 0, &t), TMX_OK), "%s", tmx_last_error());
    tmx_csr W = {0};
    cr_assert(eq(int, tmx_topo_weights(t, 0, &W), TMX_OK));
    cr_assert(eq(dbl, tmx_csr_get(&W, 0, 1), 0.25));
    cr_assert(eq(dbl, tmx_csr_get(&W, 2, 0), 0.125));
    cr_assert(eq(dbl, tmx_csr_get(&W, 0, 0), 1.0 - 0.25 - 0.125)); /* the rest of the row */
    cr_assert(eq(dbl, tmx_csr_get(&W, 1, 1), 0.25));
    cr_assert(not(eq(ptr, strstr(tmx_topo_source(t), "its own weights"), NULL)), "%s", tmx_topo_source(t));
    tmx_topo_free(t);
    cr_assert(eq(int, file_topo(text, TMX_WEIGHTS_METROPOLIS, TMX_INDEX_AUTO, 0, &t), TMX_OK));
    cr_assert(eq(int, tmx_topo_weights(t, 0, &W), TMX_OK));
    cr_assert(eq(dbl, tmx_csr_get(&W, 0, 1), 1.0 / 3.0)); /* the triangle: every degree 2 */
    cr_assert(not(eq(ptr, strstr(tmx_topo_source(t), "metropolis weights on its graph"), NULL)), "%s", tmx_topo_source(t));
    tmx_csr_destroy(&W);
    tmx_topo_free(t);
}

/* ---- reading ------------------------------------------------------------------------------ */

Test(graphs, numbering_is_detected_or_given_and_reported)
{
    tmx_csr A = {0};
    tmx_graph_info info;
    char line[256];
    /* no id 0: 1-based, n = 3 */
    cr_assert(eq(int, read_text("1 2\n2 3\n", TMX_INDEX_AUTO, 0, &A, &info), TMX_OK), "%s", tmx_last_error());
    cr_assert(eq(i64, A.n, 3));
    cr_assert(eq(int, info.index_base, 1));
    cr_assert(eq(int, info.base_detected, 1));
    tmx_graph_info_describe(&info, line, sizeof line);
    cr_assert(not(eq(ptr, strstr(line, "1-based (detected: no id is 0)"), NULL)), "%s", line);
    cr_assert(eq(dbl, tmx_csr_get(&A, 0, 1), 1.0));
    /* an id 0: 0-based, n = 3 */
    cr_assert(eq(int, read_text("0 1\n1 2\n", TMX_INDEX_AUTO, 0, &A, &info), TMX_OK));
    cr_assert(eq(i64, A.n, 3));
    cr_assert(eq(int, info.index_base, 0));
    /* given 0: the same text "1 2 / 2 3" has n = 4 and node 0 without edges, which the reader
     * accepts (3 ≤ 2·2 nodes) and file: refuses as disconnected */
    cr_assert(eq(int, read_text("1 2\n2 3\n", TMX_INDEX_ZERO, 0, &A, &info), TMX_OK));
    cr_assert(eq(i64, A.n, 4));
    cr_assert(eq(int, info.base_detected, 0));
    tmx_topo *t;
    cr_assert(eq(int, file_topo("1 2\n2 3\n", TMX_WEIGHTS_DEFAULT, TMX_INDEX_ZERO, 0, &t), TMX_EINVAL));
    cr_assert(not(eq(ptr, strstr(tmx_last_error(), "disconnected (2 components)"), NULL)), "%s", tmx_last_error());
    /* given 1 with an id 0 */
    cr_assert(eq(int, read_text("0 1\n1 2\n", TMX_INDEX_ONE, 0, &A, &info), TMX_EPARSE));
    cr_assert(not(eq(ptr, strstr(tmx_last_error(), "line 1: node id 0"), NULL)), "%s", tmx_last_error());
    tmx_csr_destroy(&A);
}

Test(graphs, directed_and_undirected_edge_lists)
{
    tmx_csr A = {0};
    tmx_graph_info info;
    /* 0 -> 1 -> 2 -> 0: row j lists whom j receives from */
    cr_assert(eq(int, read_text("0 1 0.5\n1 2 0.25\n2 0 0.125\n", TMX_INDEX_AUTO, 1, &A, &info), TMX_OK));
    cr_assert(eq(int, info.directed, 1));
    cr_assert(eq(int, info.weighted, 1));
    cr_assert(eq(i64, A.nnz, 3));
    cr_assert(eq(dbl, tmx_csr_get(&A, 1, 0), 0.5));
    cr_assert(eq(dbl, tmx_csr_get(&A, 2, 1), 0.25));
    cr_assert(eq(dbl, tmx_csr_get(&A, 0, 2), 0.125));
    cr_assert(eq(dbl, tmx_csr_get(&A, 0, 1), 0.0));
    /* undirected: both directions */
    cr_assert(eq(int, read_text("0 1 0.5\n1 2 0.25\n2 0 0.125\n", TMX_INDEX_AUTO, 0, &A, &info), TMX_OK));
    cr_assert(eq(i64, A.nnz, 6));
    cr_assert(eq(dbl, tmx_csr_get(&A, 0, 1), 0.5));
    cr_assert(eq(dbl, tmx_csr_get(&A, 1, 0), 0.5));
    /* a reversed pair is two edges when directed, one edge twice when not */
    cr_assert(eq(int, read_text("0 1\n1 0\n", TMX_INDEX_AUTO, 1, &A, &info), TMX_OK));
    cr_assert(eq(i64, A.nnz, 2));
    cr_assert(eq(int, read_text("0 1\n1 0\n", TMX_INDEX_AUTO, 0, &A, &info), TMX_EPARSE));
    cr_assert(not(eq(ptr, strstr(tmx_last_error(), "line 2: edge 1 0 repeats line 1"), NULL)), "%s", tmx_last_error());
    /* an unweighted directed graph needs push weights; Metropolis refuses it */
    tmx_topo *t;
    cr_assert(eq(int, file_topo("0 1\n1 2\n2 0\n", TMX_WEIGHTS_METROPOLIS, TMX_INDEX_AUTO, 1, &t), TMX_EINVAL));
    cr_assert(not(eq(ptr, strstr(tmx_last_error(), "directed graph takes --weights push"), NULL)), "%s", tmx_last_error());
    tmx_csr_destroy(&A);
}

Test(graphs, matrix_market_pattern_and_integer_files_are_adjacency)
{
    tmx_csr A = {0};
    tmx_graph_info info;
    /* a path 1 - 2 - 3, pattern symmetric (lower triangle) */
    cr_assert(eq(int, read_text("%%MatrixMarket matrix coordinate pattern symmetric\n3 3 2\n2 1\n3 2\n", TMX_INDEX_AUTO, 0,
                                &A, &info), TMX_OK), "%s", tmx_last_error());
    cr_assert(eq(int, info.format, TMX_GRAPH_MTX));
    cr_assert(eq(int, info.weighted, 0));
    cr_assert(eq(str, info.field, "pattern"));
    cr_assert(eq(i64, A.nnz, 4));
    cr_assert(eq(dbl, tmx_csr_get(&A, 0, 1), 1.0));
    cr_assert(eq(dbl, tmx_csr_get(&A, 2, 1), 1.0));
    /* integer general: explicit zeros are no edge */
    cr_assert(eq(int, read_text("%%MatrixMarket matrix coordinate integer general\n3 3 6\n1 2 1\n2 1 1\n2 3 1\n3 2 1\n"
                                "1 3 0\n3 1 0\n", TMX_INDEX_AUTO, 0, &A, &info), TMX_OK), "%s", tmx_last_error());
    cr_assert(eq(i64, A.nnz, 4));
    cr_assert(eq(dbl, tmx_csr_get(&A, 0, 2), 0.0));
    /* a real file stays a matrix */
    cr_assert(eq(int, read_text("%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1\n2 2 1\n", TMX_INDEX_AUTO, 0,
                                &A, &info), TMX_OK));
    cr_assert(eq(int, info.weighted, 1));
    cr_assert(eq(dbl, tmx_csr_get(&A, 0, 0), 1.0));
    /* the pattern path under Metropolis: W of the path graph */
    tmx_topo *t;
    cr_assert(eq(int, file_topo("%%MatrixMarket matrix coordinate pattern symmetric\n3 3 2\n2 1\n3 2\n",
                                TMX_WEIGHTS_DEFAULT, TMX_INDEX_AUTO, 0, &t), TMX_OK), "%s", tmx_last_error());
    tmx_csr W = {0};
    cr_assert(eq(int, tmx_topo_weights(t, 0, &W), TMX_OK));
    cr_assert(eq(dbl, tmx_csr_get(&W, 0, 1), 1.0 / 3.0));
    cr_assert(eq(dbl, tmx_csr_get(&W, 0, 0), 1.0 - 1.0 / 3.0));
    cr_assert(eq(dbl, tmx_csr_get(&W, 1, 1), 1.0 - 2.0 / 3.0));
    tmx_csr_destroy(&W);
    tmx_topo_free(t);
    tmx_csr_destroy(&A);
}

/* Each bad input refused with its status and a message naming what is wrong. */
Test(graphs, bad_input_is_refused_naming_the_fault)
{
    static const struct {
        const char *text;
        tmx_index_base base;
        int directed;
        tmx_status st;
        const char *want;
    } cases[] = {
        {"0 1\n1 1\n", TMX_INDEX_AUTO, 0, TMX_EPARSE, "line 2: self loop 1 1"},
        {"0 1\n1 2\n0 1\n", TMX_INDEX_AUTO, 0, TMX_EPARSE, "line 3: edge 0 1 repeats line 1"},
        {"0 1\n1 -2\n", TMX_INDEX_AUTO, 0, TMX_EPARSE, "line 2: node id -2 is negative"},
        {"0 1\n1 2.5\n", TMX_INDEX_AUTO, 0, TMX_EPARSE, "line 2: node id '2.5' is not an integer"},
        {"0 1 0.5\n1 2 abc\n", TMX_INDEX_AUTO, 0, TMX_EPARSE, "line 2: weight 'abc' is not a number"},
        {"0 1 0.5\n1 2 nan\n", TMX_INDEX_AUTO, 0, TMX_EPARSE, "line 2: weight 'nan' is not finite"},
        {"0 1 0.5\n1 2\n", TMX_INDEX_AUTO, 0, TMX_EPARSE, "line 2 has 2 columns, line 1 3"},
        {"0 1 2 3\n", TMX_INDEX_AUTO, 0, TMX_EPARSE, "line 1: more than 3 columns"},
        {"7\n", TMX_INDEX_AUTO, 0, TMX_EPARSE, "line 1: 1 column"},
        {"# nothing\n\n", TMX_INDEX_AUTO, 0, TMX_EPARSE, "no edges"},
        {"", TMX_INDEX_AUTO, 0, TMX_EPARSE, "empty file"},
        {"0 1\n1 1000\n", TMX_INDEX_AUTO, 0, TMX_EPARSE, "some nodes have no edge"},
        {"%%MatrixMarket matrix coordinate pattern general\n2 2 1\n1 2\n", TMX_INDEX_AUTO, 0, TMX_EPARSE,
         "entry (1, 2) has no (2, 1)"},
        {"%%MatrixMarket matrix coordinate pattern symmetric\n2 2 2\n2 1\n2 2\n", TMX_INDEX_AUTO, 0, TMX_EPARSE,
         "entry (2, 2): a self loop"},
        {"%%MatrixMarket matrix coordinate integer symmetric\n2 2 1\n2 1 3\n", TMX_INDEX_AUTO, 0, TMX_EPARSE,
         "entry (2, 1) = 3"},
        {"%%MatrixMarket matrix coordinate pattern symmetric\n2 2 2\n2 1\n2 1\n", TMX_INDEX_AUTO, 0, TMX_EPARSE,
         "entry (2, 1) is given more than once"},
        {"%%MatrixMarket matrix array pattern general\n2 2\n", TMX_INDEX_AUTO, 0, TMX_EPARSE, "pattern needs coordinate"},
        {"%%MatrixMarket matrix coordinate pattern symmetric\n2 2 1\n2 1\n", TMX_INDEX_ONE, 0, TMX_EINVAL,
         "--index-base applies to edge lists"},
        {"%%MatrixMarket matrix coordinate pattern symmetric\n2 2 1\n2 1\n", TMX_INDEX_AUTO, 1, TMX_EINVAL,
         "--directed applies to edge lists"},
    };
    for (size_t q = 0; q < sizeof cases / sizeof *cases; q++) {
        tmx_csr A = {0};
        tmx_status st;
        if (!*cases[q].text) { /* fmemopen of nothing: a temporary empty file */
            FILE *f = tmpfile();
            st = tmx_graph_read(f, cases[q].base, cases[q].directed, &A, NULL);
            fclose(f);
        } else {
            st = read_text(cases[q].text, cases[q].base, cases[q].directed, &A, NULL);
        }
        cr_assert(eq(int, st, cases[q].st), "case %zu: status %d (%s)", q, (int)st, tmx_last_error());
        cr_assert(not(eq(ptr, strstr(tmx_last_error(), cases[q].want), NULL)), "case %zu: '%s' lacks '%s'", q,
                  tmx_last_error(), cases[q].want);
        cr_assert(eq(ptr, A.rowptr, NULL), "case %zu: A left allocated", q);
        if (!*cases[q].text || strncmp(cases[q].text, "%%", 2) == 0) continue;
        cr_assert(not(eq(ptr, strstr(tmx_last_error(), "edge list (no %%MatrixMarket banner"), NULL)),
                  "case %zu: '%s' does not say it read an edge list", q, tmx_last_error());
    }
    /* through file: the path leads, n = 1 and disconnected graphs are refused */
    tmx_topo *t;
    cr_assert(eq(int, file_topo("%%MatrixMarket matrix coordinate pattern symmetric\n1 1 0\n", TMX_WEIGHTS_DEFAULT,
                                TMX_INDEX_AUTO, 0, &t), TMX_EINVAL));
    cr_assert(not(eq(ptr, strstr(tmx_last_error(), "at least 2 nodes"), NULL)), "%s", tmx_last_error());
    cr_assert(eq(int, file_topo("0 1\n2 3\n4 5\n", TMX_WEIGHTS_DEFAULT, TMX_INDEX_AUTO, 0, &t), TMX_EINVAL));
    cr_assert(not(eq(ptr, strstr(tmx_last_error(), "the graph is disconnected (3 components)"), NULL)), "%s", tmx_last_error());
    cr_assert(eq(int, strncmp(tmx_last_error(), "file /tmp/topomix-test-", 23), 0), "%s", tmx_last_error());
    cr_assert(eq(int, file_topo("0 1\n1 1\n", TMX_WEIGHTS_DEFAULT, TMX_INDEX_AUTO, 0, &t), TMX_EPARSE));
    cr_assert(eq(int, strncmp(tmx_last_error(), "/tmp/topomix-test-", 18), 0), "%s", tmx_last_error());
}

/* ---- writing ------------------------------------------------------------------------------ */

static char *written(const tmx_csr *W, int directed, int dot)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    tmx_status st = dot ? tmx_dot_write(f, W, directed, 1, "test") : tmx_edges_write(f, W, directed, "test");
    cr_assert(eq(int, st, TMX_OK), "%s", tmx_last_error());
    fclose(f);
    return buf;
}

/* Edge lists read back the off-diagonal entries bit for bit (%.17g), directed or not; the dot
 * file names every edge once with the right arrow. */
Test(graphs, written_edges_read_back_and_dot_names_every_edge)
{
    const char *names[] = {"exp", "er", "equistatic", "star"};
    const int is_directed[] = {1, 0, 1, 0};
    for (size_t q = 0; q < sizeof names / sizeof *names; q++) {
        tmx_topo_params p;
        tmx_topo_params_init(&p);
        p.n = 12;
        tmx_topo *t;
        cr_assert(eq(int, tmx_topo_new(names[q], &p, &t), TMX_OK), "%s", tmx_last_error());
        tmx_csr W = {0}, A = {0};
        cr_assert(eq(int, tmx_topo_weights(t, 0, &W), TMX_OK));
        int directed = !tmx__csr_exactly_symmetric(&W);
        cr_assert(eq(int, directed, is_directed[q]), "%s", names[q]);
        char *text = written(&W, directed, 0);
        cr_assert(eq(int, read_text(text, TMX_INDEX_ZERO, directed, &A, NULL), TMX_OK), "%s: %s", names[q], tmx_last_error());
        int64_t off = 0;
        for (int64_t i = 0; i < W.n; i++)
            for (int64_t e = W.rowptr[i]; e < W.rowptr[i + 1]; e++)
                if (W.col[e] != i) {
                    off++;
                    cr_assert(eq(dbl, tmx_csr_get(&A, i, W.col[e]), W.val[e]), "%s (%lld, %lld)", names[q], (long long)i,
                              (long long)W.col[e]);
                }
        cr_assert(eq(i64, A.nnz, off));
        free(text);
        text = written(&W, directed, 1);
        cr_assert(eq(int, strncmp(text, directed ? "// test\ndigraph W {\n" : "// test\ngraph W {\n", directed ? 20 : 18), 0),
                  "%s", text);
        int64_t arrows = 0;
        for (const char *s = text; (s = strstr(s, directed ? " -> " : " -- ")) != NULL; s++) arrows++;
        cr_assert(eq(i64, arrows, directed ? off : off / 2), "%s", names[q]);
        free(text);
        tmx_csr_destroy(&W);
        tmx_csr_destroy(&A);
        tmx_topo_free(t);
    }
}
