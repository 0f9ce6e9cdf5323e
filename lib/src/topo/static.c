/* topomix — deterministic static topologies: complete, ring, dring, star, grid, torus, hypercube,
 * exp (docs/definitions.md §2). */
#include "family.h"

#include <math.h>
#include <stdio.h>

/* First row of the Metropolis/uniform weights of a vertex-transitive graph, from node 0's
 * neighbours at the given offsets (duplicates and self-offsets merge: a simple graph). Every node
 * has the same degree d, so both schemes give 1/(d+1) per edge. */
static void graph_first_row(double *c, int64_t len, const int64_t *off, int count)
{
    int64_t d = 0;
    for (int q = 0; q < count; q++)
        if (off[q] != 0 && c[off[q]] == 0.0) c[off[q]] = 1.0, d++;
    for (int q = 0; q < count; q++)
        if (off[q] != 0) c[off[q]] = 1.0 / (double)(d + 1);
    c[0] = 1.0 - (double)d / (double)(d + 1);
    (void)len;
}

/* ---- complete: W = J ---------------------------------------------------------------------- */

static tmx_status complete_setup(tmx_topo *t)
{
    return tmx__topo_check_entries(t, (double)t->n * (double)(t->n - 1), 0.0);
}

static tmx_status complete_build(const tmx_topo *t, int64_t k, tmx_csr *G, tmx_topo_ws *ws)
{
    (void)k;
    tmx__builder b;
    int64_t n = t->n;
    tmx_status st = tmx__builder_begin(&b, G, n, n * (n - 1));
    if (st != TMX_OK) return st;
    for (int64_t i = 0; i < n; i++) {
        for (int64_t j = 0; j < n; j++)
            if (j != i) tmx__builder_push(&b, j, 1.0);
        tmx__builder_end_row(&b);
    }
    return tmx__builder_finish(&b);
}

static tmx_status complete_first_row(const tmx_topo *t, int64_t k, double *c)
{
    (void)k;
    for (int64_t j = 0; j < t->n; j++) c[j] = 1.0 / (double)t->n;
    return TMX_OK;
}

const tmx__family tmx__fam_complete = {
    {"complete", TMX_TOPO_STATIC, 0, 1, "any n >= 1 (dense: n^2 entries)", "all-to-all, W = J"},
    0, complete_setup, complete_build, NULL, complete_first_row};

/* ---- ring: undirected cycle ---------------------------------------------------------------- */

static tmx_status ring_build(const tmx_topo *t, int64_t k, tmx_csr *G, tmx_topo_ws *ws)
{
    (void)k;
    tmx__builder b;
    int64_t n = t->n;
    tmx_status st = tmx__builder_begin(&b, G, n, 2 * n);
    if (st != TMX_OK) return st;
    for (int64_t i = 0; i < n; i++) {
        if (n >= 2) tmx__builder_push(&b, (i + 1) % n, 1.0);
        if (n >= 3) tmx__builder_push(&b, (i + n - 1) % n, 1.0);
        tmx__builder_end_row(&b);
    }
    return tmx__builder_finish(&b);
}

static tmx_status ring_setup(tmx_topo *t) { return tmx__topo_check_entries(t, 2.0 * (double)t->n, 0.0); }

static tmx_status ring_first_row(const tmx_topo *t, int64_t k, double *c)
{
    (void)k;
    int64_t off[2] = {1 % t->n, (t->n - 1) % t->n};
    graph_first_row(c, t->n, off, 2);
    return TMX_OK;
}

const tmx__family tmx__fam_ring = {
    {"ring", TMX_TOPO_STATIC, 0, 1, "any n >= 1", "undirected cycle (1/3 on i-1, i, i+1)"},
    0, ring_setup, ring_build, NULL, ring_first_row};

/* ---- dring: directed ring, w_ii = w_{i,i-1} = 1/2 ----------------------------------------- */

static tmx_status dring_build(const tmx_topo *t, int64_t k, tmx_csr *W, tmx_topo_ws *ws)
{
    (void)k;
    tmx__builder b;
    int64_t n = t->n;
    tmx_status st = tmx__builder_begin(&b, W, n, 2 * n);
    if (st != TMX_OK) return st;
    for (int64_t i = 0; i < n; i++) {
        if (n == 1) {
            tmx__builder_push(&b, i, 1.0);
        } else {
            tmx__builder_push(&b, i, 0.5);
            tmx__builder_push(&b, (i + n - 1) % n, 0.5);
        }
        tmx__builder_end_row(&b);
    }
    return tmx__builder_finish(&b);
}

static tmx_status dring_setup(tmx_topo *t)
{
    t->directed = t->n >= 3;
    return tmx__topo_check_entries(t, 2.0 * (double)t->n, 0.0);
}

static tmx_status dring_first_row(const tmx_topo *t, int64_t k, double *c)
{
    (void)k;
    if (t->n == 1) {
        c[0] = 1.0;
        return TMX_OK;
    }
    c[0] = 0.5;
    c[t->n - 1] = 0.5; /* w_{0, n-1} */
    return TMX_OK;
}

const tmx__family tmx__fam_dring = {
    {"dring", TMX_TOPO_STATIC, 0, 0, "any n >= 1", "directed ring: w_ii = w_{i,i-1} = 1/2"},
    0, dring_setup, dring_build, NULL, dring_first_row};

/* ---- star: hub 0 --------------------------------------------------------------------------- */

static tmx_status star_build(const tmx_topo *t, int64_t k, tmx_csr *G, tmx_topo_ws *ws)
{
    (void)k;
    tmx__builder b;
    int64_t n = t->n;
    tmx_status st = tmx__builder_begin(&b, G, n, 2 * (n - 1));
    if (st != TMX_OK) return st;
    for (int64_t i = 0; i < n; i++) {
        if (i == 0)
            for (int64_t j = 1; j < n; j++) tmx__builder_push(&b, j, 1.0);
        else
            tmx__builder_push(&b, 0, 1.0);
        tmx__builder_end_row(&b);
    }
    return tmx__builder_finish(&b);
}

static tmx_status star_setup(tmx_topo *t) { return tmx__topo_check_entries(t, 2.0 * (double)t->n, 0.0); }

const tmx__family tmx__fam_star = {
    {"star", TMX_TOPO_STATIC, 0, 1, "any n >= 1", "hub 0 linked to every other node"},
    0, star_setup, star_build, NULL, NULL};

/* ---- grid and torus: r x c meshes, node i = a*c + b ---------------------------------------- */

static tmx_status mesh_setup(tmx_topo *t)
{
    int64_t n = t->n, r = t->par.rows;
    if (r == 0) {
        for (int64_t d = 1; d <= n / d; d++) /* d*d <= n without floating point */
            if (n % d == 0) r = d;
    } else if (r < 1 || r > n || n % r != 0) {
        return tmx__error(TMX_EINVAL, "%s: rows=%lld does not divide n=%lld", t->fam->info.name,
                          (long long)r, (long long)n);
    }
    t->rows = t->crows = r;
    t->cols = t->ccols = n / r;
    return tmx__topo_check_entries(t, 4.0 * (double)n, 0.0);
}

static tmx_status mesh_build(const tmx_topo *t, int wrap, tmx_csr *G)
{
    tmx__builder b;
    int64_t r = t->rows, c = t->cols;
    tmx_status st = tmx__builder_begin(&b, G, t->n, 4 * t->n);
    if (st != TMX_OK) return st;
    for (int64_t a = 0; a < r; a++)
        for (int64_t x = 0; x < c; x++) {
            int64_t i = a * c + x;
            int64_t nb[4][2] = {{a - 1, x}, {a + 1, x}, {a, x - 1}, {a, x + 1}};
            for (int q = 0; q < 4; q++) {
                int64_t aa = nb[q][0], xx = nb[q][1];
                if (wrap) {
                    aa = tmx__mod(aa, r);
                    xx = tmx__mod(xx, c);
                } else if (aa < 0 || aa >= r || xx < 0 || xx >= c) {
                    continue;
                }
                int64_t j = aa * c + xx;
                if (j != i) tmx__builder_push(&b, j, 1.0); /* duplicates merge: a simple graph */
            }
            tmx__builder_end_row(&b);
        }
    return tmx__builder_finish(&b);
}

static tmx_status grid_build(const tmx_topo *t, int64_t k, tmx_csr *G, tmx_topo_ws *ws)
{
    (void)k;
    return mesh_build(t, 0, G);
}

static tmx_status torus_build(const tmx_topo *t, int64_t k, tmx_csr *G, tmx_topo_ws *ws)
{
    (void)k;
    return mesh_build(t, 1, G);
}

const tmx__family tmx__fam_grid = {
    {"grid", TMX_TOPO_STATIC, 0, 1, "any n >= 1; rows must divide n", "r x c 2-D mesh without wrap-around"},
    TMX__USES_ROWS, mesh_setup, grid_build, NULL, NULL};

/* Torus first row in the r × c layout: node (a, b) ↦ a·c + b, offsets (±1, 0), (0, ±1). */
static tmx_status torus_first_row(const tmx_topo *t, int64_t k, double *cr)
{
    (void)k;
    int64_t r = t->rows, c = t->cols;
    int64_t off[4] = {(1 % r) * c, ((r - 1) % r) * c, 1 % c, (c - 1) % c};
    graph_first_row(cr, t->n, off, 4);
    return TMX_OK;
}

const tmx__family tmx__fam_torus = {
    {"torus", TMX_TOPO_STATIC, 0, 1, "any n >= 1; rows must divide n", "r x c 2-D mesh with wrap-around"},
    TMX__USES_ROWS, mesh_setup, torus_build, NULL, torus_first_row};

/* ---- hypercube: n = 2^tau, neighbours differ in one bit ------------------------------------- */

static tmx_status hypercube_setup(tmx_topo *t)
{
    if (!tmx__is_pow2(t->n))
        return tmx__error(TMX_EINVAL, "hypercube needs n a power of two, got n=%lld", (long long)t->n);
    return tmx__topo_check_entries(t, (double)t->n * (double)t->tau, 0.0);
}

static tmx_status hypercube_build(const tmx_topo *t, int64_t k, tmx_csr *G, tmx_topo_ws *ws)
{
    (void)k;
    tmx__builder b;
    tmx_status st = tmx__builder_begin(&b, G, t->n, t->n * t->tau);
    if (st != TMX_OK) return st;
    for (int64_t i = 0; i < t->n; i++) {
        for (int64_t s = 0; s < t->tau; s++) tmx__builder_push(&b, i ^ ((int64_t)1 << s), 1.0);
        tmx__builder_end_row(&b);
    }
    return tmx__builder_finish(&b);
}

const tmx__family tmx__fam_hypercube = {
    {"hypercube", TMX_TOPO_STATIC, 0, 1, "n a power of two", "neighbours differ in one bit, weights 1/(tau+1)"},
    0, hypercube_setup, hypercube_build, NULL, NULL};

/* ---- exp: static exponential graph ---------------------------------------------------------- */

static tmx_status exp_setup(tmx_topo *t)
{
    t->directed = t->n >= 3;
    return tmx__topo_check_entries(t, (double)t->n * (double)(t->tau + 1), 0.0);
}

static tmx_status exp_build(const tmx_topo *t, int64_t k, tmx_csr *W, tmx_topo_ws *ws)
{
    (void)k;
    tmx__builder b;
    int64_t n = t->n, tau = t->tau;
    double w = 1.0 / (double)(tau + 1);
    tmx_status st = tmx__builder_begin(&b, W, n, n * (tau + 1));
    if (st != TMX_OK) return st;
    for (int64_t i = 0; i < n; i++) {
        tmx__builder_push(&b, i, w);
        for (int64_t s = 0; s < tau; s++) { /* offsets 2^s < n: distinct, never 0 mod n */
            int64_t j = i + ((int64_t)1 << s);
            tmx__builder_push(&b, j >= n ? j - n : j, w);
        }
        tmx__builder_end_row(&b);
    }
    return tmx__builder_finish(&b);
}

static tmx_status exp_first_row(const tmx_topo *t, int64_t k, double *c)
{
    (void)k;
    double w = 1.0 / (double)(t->tau + 1);
    c[0] = w;
    for (int64_t s = 0; s < t->tau; s++) c[(int64_t)1 << s] = w;
    return TMX_OK;
}

const tmx__family tmx__fam_exp = {
    {"exp", TMX_TOPO_STATIC, 0, 0, "any n >= 1", "static exponential graph: 1/(tau+1) on i and i+2^t"},
    0, exp_setup, exp_build, NULL, exp_first_row};
