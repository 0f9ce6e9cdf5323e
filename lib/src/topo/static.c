/* topomix — deterministic static topologies: complete, ring, dring, star, grid, torus, hypercube,
 * exp, sym-exp, ring-antipodal, two-cliques, binary-tree, margulis, cycle-plus-inverse
 * (docs/definitions.md §2, §18). */
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

/* ---- exp: BlueFog's ExponentialGraph(n, B) ---------------------------------------------------- */

/* off ← the offsets B^t ≤ n − 1 in increasing order; returns their count (at most 63). Exact
 * integers: BlueFog tests powers through a float logarithm, which misses 3^5 = 243, 10^3 = 1000,
 * 3^10 = 59049. */
static int power_offsets(int64_t n, int64_t base, int64_t *off)
{
    int c = 0;
    if (n < 2) return 0;
    for (int64_t o = 1;; o *= base) {
        off[c++] = o;
        if (o > (n - 1) / base) break; /* the next power passes n − 1 (tested without overflow) */
    }
    return c;
}

static tmx_status base_param(tmx_topo *t, int64_t dflt)
{
    if (t->par.base == 0) t->par.base = dflt;
    if (t->par.base < 2)
        return tmx__error(TMX_EINVAL, "%s needs --base >= 2, got base=%lld", t->fam->info.name, (long long)t->par.base);
    return TMX_OK;
}

static tmx_status exp_setup(tmx_topo *t)
{
    tmx_status st = base_param(t, 2);
    if (st != TMX_OK) return st;
    int64_t off[64];
    int c = power_offsets(t->n, t->par.base, off);
    t->directed = t->n >= 3;
    return tmx__topo_check_entries(t, (double)t->n * (double)(c + 1), 0.0);
}

static tmx_status exp_build(const tmx_topo *t, int64_t k, tmx_csr *W, tmx_topo_ws *ws)
{
    (void)k;
    tmx__builder b;
    int64_t n = t->n, off[64];
    int c = power_offsets(n, t->par.base, off);
    double w = 1.0 / (double)(c + 1);
    tmx_status st = tmx__builder_begin(&b, W, n, n * (c + 1));
    if (st != TMX_OK) return st;
    for (int64_t i = 0; i < n; i++) {
        tmx__builder_push(&b, i, w);
        for (int q = 0; q < c; q++) { /* offsets in 1..n-1: distinct, never 0 mod n */
            int64_t j = i + off[q];
            tmx__builder_push(&b, j >= n ? j - n : j, w);
        }
        tmx__builder_end_row(&b);
    }
    return tmx__builder_finish(&b);
}

static tmx_status exp_first_row(const tmx_topo *t, int64_t k, double *c)
{
    (void)k;
    int64_t off[64];
    int cnt = power_offsets(t->n, t->par.base, off);
    double w = 1.0 / (double)(cnt + 1);
    c[0] = w;
    for (int q = 0; q < cnt; q++) c[off[q]] = w;
    return TMX_OK;
}

const tmx__family tmx__fam_exp = {
    {"exp", TMX_TOPO_STATIC, 0, 0, "any n >= 1; base B >= 2 (--base, default 2)",
     "static exponential graph (BlueFog ExponentialGraph): equal weights on i and i+B^t, B^t < n"},
    TMX__USES_BASE, exp_setup, exp_build, NULL, exp_first_row};

/* ---- sym-exp: BlueFog's SymmetricExponentialGraph(n, B) --------------------------------------- */

/* off ← the offsets o with min(o, n − o) = B^t (o in 1..n-1), both directions; returns the count
 * written (a self-symmetric o = n/2 appears twice: graph_first_row and the builder merge it). */
static int sym_offsets(int64_t n, int64_t base, int64_t *off)
{
    int64_t p[64];
    int c = power_offsets(n / 2 + 1, base, p), q = 0; /* powers ≤ ⌊n/2⌋ */
    for (int s = 0; s < c; s++) off[q++] = p[s], off[q++] = n - p[s];
    return q;
}

static int64_t sym_degree(int64_t n, int64_t base)
{
    int64_t off[128];
    int c = sym_offsets(n, base, off);
    return c > 0 && 2 * off[c - 2] == n ? c - 1 : c;
}

static tmx_status sym_exp_setup(tmx_topo *t)
{
    tmx_status st = base_param(t, 4);
    if (st != TMX_OK) return st;
    return tmx__topo_check_entries(t, (double)t->n * (double)sym_degree(t->n, t->par.base), 0.0);
}

static tmx_status sym_exp_build(const tmx_topo *t, int64_t k, tmx_csr *G, tmx_topo_ws *ws)
{
    (void)k;
    tmx__builder b;
    int64_t n = t->n, off[128];
    int c = sym_offsets(n, t->par.base, off);
    tmx_status st = tmx__builder_begin(&b, G, n, n * c);
    if (st != TMX_OK) return st;
    for (int64_t i = 0; i < n; i++) {
        for (int q = 0; q < c; q++) tmx__builder_push(&b, (i + off[q]) % n, 1.0);
        tmx__builder_end_row(&b);
    }
    return tmx__builder_finish(&b);
}

static tmx_status sym_exp_first_row(const tmx_topo *t, int64_t k, double *c)
{
    (void)k;
    int64_t off[128];
    graph_first_row(c, t->n, off, sym_offsets(t->n, t->par.base, off));
    return TMX_OK;
}

const tmx__family tmx__fam_sym_exp = {
    {"sym-exp", TMX_TOPO_STATIC, 0, 1, "any n >= 1; base B >= 2 (--base, default 4)",
     "symmetric exponential graph (BlueFog SymmetricExponentialGraph): i ~ i+-B^t, B^t <= n/2"},
    TMX__USES_BASE, sym_exp_setup, sym_exp_build, NULL, sym_exp_first_row};

/* ---- ring-antipodal: cycle plus the opposite node (pcode's RingExtGraph) ---------------------- */

static tmx_status ring_antipodal_setup(tmx_topo *t)
{
    if (t->n < 4 || t->n % 2 != 0)
        return tmx__error(TMX_EINVAL, "ring-antipodal needs an even n >= 4 (node i links to i+n/2), got n=%lld",
                          (long long)t->n);
    return tmx__topo_check_entries(t, 3.0 * (double)t->n, 0.0);
}

static tmx_status ring_antipodal_build(const tmx_topo *t, int64_t k, tmx_csr *G, tmx_topo_ws *ws)
{
    (void)k;
    tmx__builder b;
    int64_t n = t->n;
    tmx_status st = tmx__builder_begin(&b, G, n, 3 * n);
    if (st != TMX_OK) return st;
    for (int64_t i = 0; i < n; i++) {
        tmx__builder_push(&b, (i + 1) % n, 1.0);
        tmx__builder_push(&b, (i + n - 1) % n, 1.0);
        tmx__builder_push(&b, (i + n / 2) % n, 1.0);
        tmx__builder_end_row(&b);
    }
    return tmx__builder_finish(&b);
}

static tmx_status ring_antipodal_first_row(const tmx_topo *t, int64_t k, double *c)
{
    (void)k;
    int64_t off[3] = {1, t->n - 1, t->n / 2};
    graph_first_row(c, t->n, off, 3);
    return TMX_OK;
}

const tmx__family tmx__fam_ring_antipodal = {
    {"ring-antipodal", TMX_TOPO_STATIC, 0, 1, "n even, n >= 4",
     "ring plus a link to the opposite node i+n/2 (pcode's RingExtGraph): 1/4 each"},
    0, ring_antipodal_setup, ring_antipodal_build, NULL, ring_antipodal_first_row};

/* ---- two-cliques: cliques {0..h-1} and {h..n-1}, h = ⌊n/2⌋, joined by the edge 0 – h ---------- */

static tmx_status two_cliques_setup(tmx_topo *t)
{
    if (t->n < 2) return tmx__error(TMX_EINVAL, "two-cliques needs n >= 2, got n=%lld", (long long)t->n);
    double h = (double)(t->n / 2), r = (double)t->n - h;
    return tmx__topo_check_entries(t, h * (h - 1.0) + r * (r - 1.0) + 2.0, 0.0);
}

static tmx_status two_cliques_build(const tmx_topo *t, int64_t k, tmx_csr *G, tmx_topo_ws *ws)
{
    (void)k;
    tmx__builder b;
    int64_t n = t->n, h = n / 2;
    tmx_status st = tmx__builder_begin(&b, G, n, h * (h - 1) + (n - h) * (n - h - 1) + 2);
    if (st != TMX_OK) return st;
    for (int64_t i = 0; i < n; i++) {
        int64_t lo = i < h ? 0 : h, hi = i < h ? h : n;
        for (int64_t j = lo; j < hi; j++)
            if (j != i) tmx__builder_push(&b, j, 1.0);
        if (i == 0) tmx__builder_push(&b, h, 1.0);
        if (i == h) tmx__builder_push(&b, 0, 1.0);
        tmx__builder_end_row(&b);
    }
    return tmx__builder_finish(&b);
}

const tmx__family tmx__fam_two_cliques = {
    {"two-cliques", TMX_TOPO_STATIC, 0, 1, "any n >= 2 (dense: about n^2/2 entries)",
     "cliques {0..n/2-1} and {n/2..n-1} joined by the edge 0 - n/2 (Vogels et al. 2022)"},
    0, two_cliques_setup, two_cliques_build, NULL, NULL};

/* ---- binary-tree: heap numbering from 1, node 0 the parent of node 1 (Vogels et al. 2022) ----- */

static tmx_status binary_tree_setup(tmx_topo *t) { return tmx__topo_check_entries(t, 2.0 * (double)t->n, 0.0); }

static tmx_status binary_tree_build(const tmx_topo *t, int64_t k, tmx_csr *G, tmx_topo_ws *ws)
{
    (void)k;
    tmx__builder b;
    int64_t n = t->n;
    tmx_status st = tmx__builder_begin(&b, G, n, 2 * n);
    if (st != TMX_OK) return st;
    for (int64_t i = 0; i < n; i++) {
        if (i == 0) {
            if (n >= 2) tmx__builder_push(&b, 1, 1.0);
        } else {
            tmx__builder_push(&b, i / 2, 1.0);
            if (i < n - i) tmx__builder_push(&b, 2 * i, 1.0); /* 2i < n, without overflow */
            if (i < n - i - 1) tmx__builder_push(&b, 2 * i + 1, 1.0);
        }
        tmx__builder_end_row(&b);
    }
    return tmx__builder_finish(&b);
}

const tmx__family tmx__fam_binary_tree = {
    {"binary-tree", TMX_TOPO_STATIC, 0, 1, "any n >= 1",
     "binary tree: i ~ i/2, 2i, 2i+1 for i >= 1, and 0 ~ 1 (Vogels et al. 2022)"},
    0, binary_tree_setup, binary_tree_build, NULL, NULL};

/* ---- margulis: the Gabber–Galil expander on Z_m × Z_m, n = m² (pcode's MargulisExpanderGraph) --
 * Node (x, y) is i = x·m + y. The 8-regular multigraph links (x, y) to (x + 2y, y), (x + 2y + 1, y),
 * (x, y + 2x), (x, y + 2x + 1) mod m, and so, undirected, also to the inverse images. pcode keeps
 * each distinct link once, counts a self loop as a neighbour in d'_i, puts 1/max(d'_i, d'_j) on
 * every link and the rest on the diagonal: symmetric and doubly stochastic. */

static int64_t isqrt(int64_t n)
{
    int64_t r = (int64_t)sqrt((double)n);
    while (r > 0 && r > n / r) r--; /* r² > n */
    while (r + 1 <= n / (r + 1)) r++;
    return r;
}

/* nb ← the distinct neighbours j ≠ i of node i; returns their count (≤ 8); *loop ← whether one of
 * the eight link ends is i itself. */
static int margulis_neighbours(int64_t m, int64_t i, int64_t *nb, int *loop)
{
    int64_t x = i / m, y = i % m;
    int64_t e[8][2] = {{x + 2 * y, y}, {x + 2 * y + 1, y}, {x, y + 2 * x}, {x, y + 2 * x + 1},
                       {x - 2 * y, y}, {x - 2 * y - 1, y}, {x, y - 2 * x}, {x, y - 2 * x - 1}};
    int c = 0;
    *loop = 0;
    for (int q = 0; q < 8; q++) {
        int64_t j = tmx__mod(e[q][0], m) * m + tmx__mod(e[q][1], m);
        int seen = j == i;
        *loop |= seen;
        for (int s = 0; s < c && !seen; s++) seen = nb[s] == j;
        if (!seen) nb[c++] = j;
    }
    return c;
}

static tmx_status margulis_setup(tmx_topo *t)
{
    int64_t m = isqrt(t->n);
    if (m * m != t->n)
        return tmx__error(TMX_EINVAL, "margulis needs n = m^2, a perfect square (nodes are Z_m x Z_m), got n=%lld",
                          (long long)t->n);
    return tmx__topo_check_entries(t, 9.0 * (double)t->n, 8.0 * (double)t->n);
}

static tmx_status margulis_build(const tmx_topo *t, int64_t k, tmx_csr *W, tmx_topo_ws *ws)
{
    (void)k;
    int64_t n = t->n, m = isqrt(n), nb[8];
    int loop;
    int64_t *deg = tmx__ws_ints(ws, (size_t)n);
    if (!deg) return tmx__error(TMX_ENOMEM, "margulis: out of memory");
    for (int64_t i = 0; i < n; i++) {
        int c = margulis_neighbours(m, i, nb, &loop);
        deg[i] = c + loop;
    }
    tmx__builder b;
    tmx_status st = tmx__builder_begin(&b, W, n, 9 * n);
    if (st != TMX_OK) return st;
    for (int64_t i = 0; i < n; i++) {
        int c = margulis_neighbours(m, i, nb, &loop);
        double sum = 0.0;
        for (int q = 0; q < c; q++) {
            double w = 1.0 / (double)(deg[i] > deg[nb[q]] ? deg[i] : deg[nb[q]]);
            tmx__builder_push(&b, nb[q], w);
            sum += w;
        }
        tmx__builder_push(&b, i, 1.0 - sum);
        tmx__builder_end_row(&b);
    }
    return tmx__builder_finish(&b);
}

const tmx__family tmx__fam_margulis = {
    {"margulis", TMX_TOPO_STATIC, 0, 0, "n = m^2, a perfect square",
     "Margulis-Gabber-Galil expander on Z_m x Z_m, degree <= 8 (pcode's MargulisExpanderGraph)"},
    0, margulis_setup, margulis_build, NULL, NULL};

/* ---- cycle-plus-inverse: i ~ i ± 1 and i ~ i⁻¹ mod p (pcode's ExpanderGraph) -------------------
 * W = (P + Pᵀ + Q)/3 for the shift P and the involution Q: i ↦ i⁻¹ mod p (0 ↦ 0; 1 and p − 1 are
 * their own inverses): 1/3 on each link of the 3-regular multigraph, a link that coincides with a
 * cycle edge counting twice. pcode assigns 1 instead of adding, which loses a third of the row
 * where i⁻¹ = i ± 1 (p ≡ ±1 mod 5); adding keeps W symmetric and doubly stochastic. */

static int is_prime(int64_t n)
{
    if (n < 2) return 0;
    for (int64_t d = 2; d <= n / d; d++)
        if (n % d == 0) return 0;
    return 1;
}

/* a⁻¹ mod p for 0 < a < p, p prime (extended Euclid, no products that could overflow). */
static int64_t inverse_mod(int64_t a, int64_t p)
{
    int64_t r0 = p, r1 = a, s0 = 0, s1 = 1;
    while (r1 != 0) {
        int64_t q = r0 / r1, r = r0 - q * r1, s = s0 - q * s1;
        r0 = r1, r1 = r, s0 = s1, s1 = s;
    }
    return tmx__mod(s0, p);
}

static tmx_status cycle_inverse_setup(tmx_topo *t)
{
    if (!is_prime(t->n))
        return tmx__error(TMX_EINVAL, "cycle-plus-inverse needs a prime n (i links to its inverse mod n), got n=%lld",
                          (long long)t->n);
    return tmx__topo_check_entries(t, 3.0 * (double)t->n, 0.0);
}

static tmx_status cycle_inverse_build(const tmx_topo *t, int64_t k, tmx_csr *W, tmx_topo_ws *ws)
{
    (void)k;
    tmx__builder b;
    int64_t n = t->n;
    const double w = 1.0 / 3.0;
    tmx_status st = tmx__builder_begin(&b, W, n, 3 * n);
    if (st != TMX_OK) return st;
    for (int64_t i = 0; i < n; i++) { /* coinciding links add up in end_row */
        tmx__builder_push(&b, (i + 1) % n, w);
        tmx__builder_push(&b, (i + n - 1) % n, w);
        tmx__builder_push(&b, i == 0 ? 0 : inverse_mod(i, n), w);
        tmx__builder_end_row(&b);
    }
    return tmx__builder_finish(&b);
}

const tmx__family tmx__fam_cycle_inverse = {
    {"cycle-plus-inverse", TMX_TOPO_STATIC, 0, 0, "n prime",
     "expander: cycle plus chords i ~ 1/i mod n, 1/3 per link (pcode's ExpanderGraph)"},
    0, cycle_inverse_setup, cycle_inverse_build, NULL, NULL};
