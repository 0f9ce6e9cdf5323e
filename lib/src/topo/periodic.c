/* topomix — deterministic periodic topologies: onepeer-exp, onepeer-hypercube, bipartite-exp,
 * npeer-exp, base-k (docs/definitions.md §2, §18). */
#include "basek.h"
#include "family.h"

#include <stdlib.h>

/* ---- onepeer-exp: w_ii = w_{i, i+2^(k mod tau)} = 1/2 -------------------------------------- */

static tmx_status onepeer_exp_setup(tmx_topo *t)
{
    t->period = t->tau > 0 ? t->tau : 1;
    t->directed = t->n >= 3;
    return tmx__topo_check_entries(t, 2.0 * (double)t->n, 0.0);
}

static tmx_status onepeer_exp_build(const tmx_topo *t, int64_t k, tmx_csr *W, tmx_topo_ws *ws)
{
    tmx__builder b;
    int64_t n = t->n;
    tmx_status st = tmx__builder_begin(&b, W, n, 2 * n);
    if (st != TMX_OK) return st;
    int64_t off = n > 1 ? (int64_t)1 << (k % t->tau) : 0;
    for (int64_t i = 0; i < n; i++) {
        if (n == 1) {
            tmx__builder_push(&b, i, 1.0);
        } else {
            tmx__builder_push(&b, i, 0.5);
            tmx__builder_push(&b, (i + off) % n, 0.5);
        }
        tmx__builder_end_row(&b);
    }
    return tmx__builder_finish(&b);
}

static tmx_status onepeer_exp_first_row(const tmx_topo *t, int64_t k, double *c)
{
    if (t->n == 1) {
        c[0] = 1.0;
        return TMX_OK;
    }
    c[0] = 0.5;
    c[(int64_t)1 << (k % t->tau)] = 0.5;
    return TMX_OK;
}

const tmx__family tmx__fam_onepeer_exp = {
    {"onepeer-exp", TMX_TOPO_PERIODIC, 0, 0, "any n >= 1; exact averaging needs n a power of two",
     "one-peer exponential graph: 1/2 on i and i+2^(k mod tau)"},
    0, onepeer_exp_setup, onepeer_exp_build, NULL, onepeer_exp_first_row};

/* ---- onepeer-hypercube: i pairs with i XOR 2^(k mod tau) ------------------------------------ */

static tmx_status onepeer_hypercube_setup(tmx_topo *t)
{
    if (!tmx__is_pow2(t->n))
        return tmx__error(TMX_EINVAL, "onepeer-hypercube needs n a power of two, got n=%lld",
                          (long long)t->n);
    t->period = t->tau > 0 ? t->tau : 1;
    return tmx__topo_check_entries(t, (double)t->n, 0.0);
}

static tmx_status onepeer_hypercube_build(const tmx_topo *t, int64_t k, tmx_csr *G, tmx_topo_ws *ws)
{
    tmx__builder b;
    tmx_status st = tmx__builder_begin(&b, G, t->n, t->n);
    if (st != TMX_OK) return st;
    for (int64_t i = 0; i < t->n; i++) {
        if (t->n > 1) tmx__builder_push(&b, i ^ ((int64_t)1 << (k % t->tau)), 1.0);
        tmx__builder_end_row(&b);
    }
    return tmx__builder_finish(&b);
}

const tmx__family tmx__fam_onepeer_hypercube = {
    {"onepeer-hypercube", TMX_TOPO_PERIODIC, 0, 1, "n a power of two",
     "pairs i and i XOR 2^(k mod tau), 1/2 each"},
    0, onepeer_hypercube_setup, onepeer_hypercube_build, NULL, NULL};

/* ---- bipartite-exp (SGP, Assran et al. 2019) -------------------------------------------------
 * SGP's phone book (DynamicBipartiteExponentialGraph): for each offset o = 1, 1 + 2, 1 + 4, …,
 * 1 + 2^t ≤ n − 1, an odd (active) node lists i + o then i − o, an even (passive) node i − o then
 * i + o, skipping peers already listed; step s uses entry s mod (length). With n even every offset
 * is odd, so at step s the signed offset d_s maps the n/2 odd nodes one-to-one onto the even ones
 * and each even node's entry s is exactly the odd node that picked it: W^(s) is the perfect
 * matching {i, i + d_s} (i odd), weights 1/2, 1/2 — symmetric and doubly stochastic. */

typedef struct {
    int64_t count, off[128]; /* the active nodes' signed offsets, as residues mod n */
} bipartite_book;

static tmx_status bipartite_setup(tmx_topo *t)
{
    int64_t n = t->n;
    if (n % 2 != 0)
        return tmx__error(TMX_EINVAL, "bipartite-exp needs an even n (odd nodes pair with even ones), got n=%lld",
                          (long long)n);
    bipartite_book *bk = calloc(1, sizeof *bk);
    if (!bk) return tmx__error(TMX_ENOMEM, "bipartite-exp: out of memory");
    t->priv = bk;
    for (int64_t o = 1, p = 1; o <= n - 1; p *= 2, o = 1 + p) { /* 1, then 1 + 2^t */
        int64_t d[2] = {o % n, (n - o % n) % n};
        for (int q = 0; q < 2; q++) {
            int seen = 0;
            for (int64_t s = 0; s < bk->count && !seen; s++) seen = bk->off[s] == d[q];
            if (!seen) bk->off[bk->count++] = d[q];
        }
        if (p > (n - 1) / 2) break; /* the next 2^t would pass n − 1 */
    }
    t->period = bk->count;
    return tmx__topo_check_entries(t, (double)n, 0.0);
}

static tmx_status bipartite_build(const tmx_topo *t, int64_t k, tmx_csr *G, tmx_topo_ws *ws)
{
    const bipartite_book *bk = t->priv;
    tmx__builder b;
    int64_t n = t->n, d = bk->off[k];
    tmx_status st = tmx__builder_begin(&b, G, n, n);
    if (st != TMX_OK) return st;
    for (int64_t i = 0; i < n; i++) {
        /* active i picks i + d; passive i was picked by i − d */
        tmx__builder_push(&b, (i % 2 == 1) ? (i + d) % n : tmx__mod(i - d, n), 1.0);
        tmx__builder_end_row(&b);
    }
    return tmx__builder_finish(&b);
}

static void bipartite_release(tmx_topo *t) { free(t->priv); }

const tmx__family tmx__fam_bipartite_exp = {
    {"bipartite-exp", TMX_TOPO_PERIODIC, 0, 1, "n even",
     "SGP bipartite exponential graph: odd nodes pair with even ones at offsets +1, -1, +3, -3, +5, -5, +9, ..."},
    0, bipartite_setup, bipartite_build, bipartite_release, NULL};

/* ---- npeer-exp: SGP's N-peer dynamic exponential graph -----------------------------------------
 * SGP's NPeerDynamicDirectedExponentialGraph with P peers per step: at step s every node i sends
 * to i + j (P+1)^t for j = 1..P, t = s mod T, where T counts the t with (P+1)^t ≤ n − 1 (exact
 * integers), and keeps 1/(P + 1), each peer receiving 1/(P + 1). In topomix's convention the row
 * of i holds i and i + j (P+1)^t (as exp and onepeer-exp); peers that coincide mod n add up. */

static int64_t npeer_stride(int64_t P, int64_t t)
{
    int64_t s = 1;
    while (t-- > 0) s *= P + 1;
    return s;
}

static tmx_status npeer_setup(tmx_topo *t)
{
    int64_t n = t->n;
    if (t->par.peers == 0) t->par.peers = 1;
    int64_t P = t->par.peers, most = n > 1 ? n - 1 : 1;
    if (P < 1 || P > most)
        return tmx__error(TMX_EINVAL, "npeer-exp needs 1 <= peers <= %lld (n - 1) at n=%lld, got peers=%lld",
                          (long long)most, (long long)n, (long long)P);
    t->period = 1;
    for (int64_t s = 1; n > 1 && s <= (n - 1) / (P + 1); s *= P + 1) t->period++; /* (P+1)^T ≤ n − 1 */
    t->directed = n >= 3;
    return tmx__topo_check_entries(t, (double)n * (double)(P + 1), 0.0);
}

static tmx_status npeer_build(const tmx_topo *t, int64_t k, tmx_csr *W, tmx_topo_ws *ws)
{
    tmx__builder b;
    int64_t n = t->n, P = t->par.peers, stride = npeer_stride(P, k) % n;
    double w = 1.0 / (double)(P + 1);
    tmx_status st = tmx__builder_begin(&b, W, n, n * (P + 1));
    if (st != TMX_OK) return st;
    for (int64_t i = 0; i < n; i++) {
        tmx__builder_push(&b, i, w);
        for (int64_t j = 1, o = stride; j <= P; j++, o = (o + stride) % n) tmx__builder_push(&b, (i + o) % n, w);
        tmx__builder_end_row(&b);
    }
    return tmx__builder_finish(&b);
}

static tmx_status npeer_first_row(const tmx_topo *t, int64_t k, double *c)
{
    int64_t n = t->n, P = t->par.peers, stride = npeer_stride(P, k) % n;
    double w = 1.0 / (double)(P + 1);
    c[0] += w;
    for (int64_t j = 1, o = stride; j <= P; j++, o = (o + stride) % n) c[o] += w;
    return TMX_OK;
}

const tmx__family tmx__fam_npeer_exp = {
    {"npeer-exp", TMX_TOPO_PERIODIC, 0, 0, "any n >= 1; peers 1 <= P <= n-1 (--peers, default 1)",
     "SGP N-peer exponential graph: 1/(P+1) on i and i+j(P+1)^(k mod T), j = 1..P"},
    TMX__USES_PEERS, npeer_setup, npeer_build, NULL, npeer_first_row};

/* ---- base-k: Base-(k+1) graph (Takezawa et al. 2023) ---------------------------------------- */

static tmx_status basek_setup(tmx_topo *t)
{
    if (t->par.k == 0) t->par.k = 1;
    if (t->par.k < 1) return tmx__error(TMX_EINVAL, "base-k needs k >= 1, got k=%lld", (long long)t->par.k);
    /* rows hold min(k + 1, n) entries, diagonal included (tmx__basek_matrix) */
    double row = t->par.k < t->n - 1 ? (double)(t->par.k + 1) : (double)t->n;
    tmx_status st = tmx__topo_check_entries(t, (double)t->n * row, 0.0);
    if (st != TMX_OK) return st;
    tmx__basek *bk = NULL;
    st = tmx__basek_new(t->n, t->par.k, &bk);
    if (st != TMX_OK) return st;
    t->priv = bk;
    t->period = tmx__basek_period(bk);
    return TMX_OK;
}

static tmx_status basek_build(const tmx_topo *t, int64_t k, tmx_csr *W, tmx_topo_ws *ws)
{
    return tmx__basek_matrix(t->priv, k, W);
}

static void basek_release(tmx_topo *t) { tmx__basek_free(t->priv); }

const tmx__family tmx__fam_base_k = {
    {"base-k", TMX_TOPO_PERIODIC, 0, 0, "any n >= 1; k >= 1 (--k)",
     "Base-(k+1) graph: degree <= k, exact averaging after one period for every n"},
    TMX__USES_K, basek_setup, basek_build, basek_release, NULL};
