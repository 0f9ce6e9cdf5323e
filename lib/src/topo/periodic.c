/* topomix — deterministic periodic topologies: onepeer-exp, onepeer-hypercube, bipartite-exp,
 * base-k (docs/definitions.md §2). */
#include "basek.h"
#include "family.h"

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
 * Odd (active) nodes pick one even (passive) peer per step at offsets 1, 1+2, 1+4, … (1 + 2^t < n).
 * With n even every offset o is odd, so i ↦ i + o mod n maps the n/2 odd nodes one-to-one onto the
 * n/2 even ones: each passive node is picked by exactly one active node, and the pair averages
 * with weights 1/2, 1/2. W^(k) is therefore a perfect matching: symmetric and doubly stochastic. */

static int64_t bipartite_offset(int64_t s) { return s == 0 ? 1 : 1 + ((int64_t)1 << s); }

static tmx_status bipartite_setup(tmx_topo *t)
{
    if (t->n % 2 != 0)
        return tmx__error(TMX_EINVAL, "bipartite-exp needs an even n (odd nodes pair with even ones), got n=%lld",
                          (long long)t->n);
    int64_t p = 1;
    while (bipartite_offset(p) < t->n) p++;
    t->period = p;
    return tmx__topo_check_entries(t, (double)t->n, 0.0);
}

static tmx_status bipartite_build(const tmx_topo *t, int64_t k, tmx_csr *G, tmx_topo_ws *ws)
{
    tmx__builder b;
    int64_t n = t->n, off = bipartite_offset(k);
    tmx_status st = tmx__builder_begin(&b, G, n, n);
    if (st != TMX_OK) return st;
    for (int64_t i = 0; i < n; i++) {
        /* active i sends to i + off; passive i was picked by i - off */
        tmx__builder_push(&b, (i % 2 == 1) ? (i + off) % n : tmx__mod(i - off, n), 1.0);
        tmx__builder_end_row(&b);
    }
    return tmx__builder_finish(&b);
}

const tmx__family tmx__fam_bipartite_exp = {
    {"bipartite-exp", TMX_TOPO_PERIODIC, 0, 1, "n even",
     "SGP bipartite exponential graph: odd nodes pair with even ones at offsets 1, 1+2^t"},
    0, bipartite_setup, bipartite_build, NULL, NULL};

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
