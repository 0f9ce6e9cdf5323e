/* topomix — random topologies drawn from the seed: er (static), matching and equidyn (a fresh W
 * each step), equistatic (static) (docs/definitions.md §2). Step k's randomness comes from a
 * generator seeded by (seed, family stream, k) alone, so W^(k) does not depend on which steps came
 * before. */
#include "family.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>

enum { STREAM_ER = 1, STREAM_MATCHING = 2, STREAM_EQUISTATIC = 3, STREAM_EQUIDYN = 4 };

/* The generator of (seed, stream, step): ws's, allocated on first use and reseeded, so that a
 * workspace stepping through a random family allocates it once. NULL when out of memory. */
static gsl_rng *rng_for(const tmx_topo *t, uint64_t stream, uint64_t step, tmx_topo_ws *ws)
{
    tmx_init();
    if (!ws->rng) ws->rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (ws->rng) gsl_rng_set(ws->rng, tmx__derive_seed(t->par.seed, stream, step));
    return ws->rng;
}

/* ---- er: G(n, p), redrawn until connected ----------------------------------------------------- */

enum { ER_MAX_DRAWS = 1000 };

/* One draw of G(n, p) as a symmetric pattern. Pairs (i < j) in lexicographic order are visited
 * with geometric skips (Batagelj & Brandes 2005), so the cost is O(n + edges). */
static tmx_status er_draw(int64_t n, double p, gsl_rng *r, tmx_csr *G)
{
    tmx_status st = TMX_OK;
    int64_t cap = 1024, cnt = 0;
    int64_t *ti = malloc((size_t)cap * sizeof *ti), *tj = malloc((size_t)cap * sizeof *tj);
    double *tv = NULL;
    if (!ti || !tj) goto nomem;
    double logq = p < 1.0 ? log1p(-p) : 0.0;
    for (int64_t i = 0; i < n - 1; i++) {
        int64_t j = i; /* next candidate is j + 1 + skip */
        for (;;) {
            int64_t skip = 0;
            if (p < 1.0) {
                double s = floor(log(gsl_rng_uniform_pos(r)) / logq);
                skip = s > (double)n ? n : (int64_t)s;
            }
            j += 1 + skip;
            if (j >= n) break;
            if (cnt + 2 > cap) {
                cap *= 2;
                int64_t *a = realloc(ti, (size_t)cap * sizeof *a);
                if (!a) goto nomem;
                ti = a;
                a = realloc(tj, (size_t)cap * sizeof *a);
                if (!a) goto nomem;
                tj = a;
            }
            ti[cnt] = i, tj[cnt] = j, cnt++;
            ti[cnt] = j, tj[cnt] = i, cnt++;
        }
    }
    tv = malloc((size_t)(cnt ? cnt : 1) * sizeof *tv);
    if (!tv) goto nomem;
    for (int64_t e = 0; e < cnt; e++) tv[e] = 1.0;
    st = tmx_csr_from_triplets(G, n, cnt, ti, tj, tv);
    goto done;
nomem:
    st = tmx__error(TMX_ENOMEM, "er: out of memory drawing G(n=%lld, p=%g)", (long long)n, p);
done:
    free(ti);
    free(tj);
    free(tv);
    return st;
}

static tmx_status er_setup(tmx_topo *t)
{
    if (t->par.p == 0.0) t->par.p = 0.5;
    double p = t->par.p, n = (double)t->n;
    if (!(p > 0.0 && p <= 1.0))
        return tmx__error(TMX_EINVAL, "er needs an edge probability p in (0, 1], got p=%g", p);
    /* a draw's peak: the triplets (24 bytes an entry), then from_triplets' order (8) and the pattern
     * (16), with two n-arrays; its connectivity test then adds a transpose and three n-arrays. The
     * entries are 2 Binomial(n(n-1)/2, p): the mean plus 6 standard deviations bounds every draw. */
    double pairs = n * (n - 1.0) / 2.0, cnt = 2.0 * (pairs * p + 6.0 * sqrt(pairs * p * (1.0 - p))) + 64.0;
    double draw = 48.0 * cnt + 16.0 * n, connect = 2.0 * (8.0 * n + 16.0 * cnt) + 17.0 * n;
    char what[96];
    snprintf(what, sizeof what, "topology er at n=%lld (about %.3g edges)", (long long)t->n, cnt / 2.0);
    tmx_status st = tmx__check_bytes(draw > connect ? draw : connect, what);
    if (st != TMX_OK) return st;
    tmx_csr *G = calloc(1, sizeof *G);
    tmx_topo_ws ws = {0};
    gsl_rng *r = rng_for(t, STREAM_ER, 0, &ws);
    if (!G || !r) {
        free(G);
        tmx__ws_release(&ws);
        return tmx__error(TMX_ENOMEM, "er: out of memory");
    }
    int draws = 0;
    do {
        st = er_draw(t->n, p, r, G);
        draws++;
    } while (st == TMX_OK && !tmx_csr_is_connected(G) && draws < ER_MAX_DRAWS);
    tmx__ws_release(&ws);
    if (st == TMX_OK && !tmx_csr_is_connected(G))
        st = tmx__error(TMX_ENOCONV, "er: no connected G(n=%lld, p=%g) in %d draws; raise p",
                        (long long)t->n, p, ER_MAX_DRAWS);
    if (st != TMX_OK) {
        tmx_csr_destroy(G);
        free(G);
        return st;
    }
    t->priv = G;
    return tmx__topo_check_entries(t, (double)G->nnz, 0.0);
}

static tmx_status er_build(const tmx_topo *t, int64_t k, tmx_csr *G, tmx_topo_ws *ws)
{
    (void)k;
    return tmx_csr_copy(G, t->priv);
}

static void er_release(tmx_topo *t)
{
    tmx_csr_destroy(t->priv);
    free(t->priv);
}

const tmx__family tmx__fam_er = {
    {"er", TMX_TOPO_STATIC, 1, 1, "any n >= 1; p in (0, 1] (--p, default 1/2)",
     "Erdos-Renyi G(n, p), redrawn until connected"},
    TMX__USES_P, er_setup, er_build, er_release, NULL};

/* ---- matching: a uniformly random perfect matching each step ------------------------------- */

static tmx_status matching_setup(tmx_topo *t)
{
    t->period = 0;
    return tmx__topo_check_entries(t, (double)t->n, 2.0 * (double)t->n * sizeof(int64_t)); /* perm, peer */
}

static tmx_status matching_build(const tmx_topo *t, int64_t k, tmx_csr *G, tmx_topo_ws *ws)
{
    tmx_status st = TMX_OK;
    int64_t n = t->n;
    int64_t *perm = tmx__ws_ints(ws, 2 * (size_t)n), *peer = perm ? perm + n : NULL;
    gsl_rng *r = rng_for(t, STREAM_MATCHING, (uint64_t)k, ws);
    tmx__builder b = {0};
    if (!perm || !r) return tmx__error(TMX_ENOMEM, "matching: out of memory");
    for (int64_t i = 0; i < n; i++) perm[i] = i, peer[i] = -1;
    gsl_ran_shuffle(r, perm, (size_t)n, sizeof *perm);
    for (int64_t q = 0; q + 1 < n; q += 2) { /* an odd n leaves perm[n-1] idle */
        peer[perm[q]] = perm[q + 1];
        peer[perm[q + 1]] = perm[q];
    }
    TMX_TRY(tmx__builder_begin(&b, G, n, n));
    for (int64_t i = 0; i < n; i++) {
        if (peer[i] >= 0) tmx__builder_push(&b, peer[i], 1.0);
        tmx__builder_end_row(&b);
    }
    TMX_TRY(tmx__builder_finish(&b));
cleanup:
    if (st != TMX_OK) tmx__builder_abort(&b);
    return st;
}

const tmx__family tmx__fam_matching = {
    {"matching", TMX_TOPO_RANDOM, 1, 1, "any n >= 1 (one node idles when n is odd)",
     "random perfect matching each step, pairs average 1/2, 1/2"},
    0, matching_setup, matching_build, NULL, NULL};

/* ---- EquiTopo (Song et al. 2022) ------------------------------------------------------------
 * Basis W^(a) = I/n + ((n-1)/n) P^a with (P^a)_{i, (i+a) mod n} = 1, a = 1..n-1; the mean of the
 * basis over a is exactly J. Shifts are drawn i.i.d. uniformly from {1, …, n-1}. */

/* Pushes row i of w · W^(a) (or of its symmetrisation) into the builder. */
static void push_basis_row(tmx__builder *b, int64_t n, int64_t i, int64_t a, double w, int undirected)
{
    double off = w * (double)(n - 1) / (double)n;
    tmx__builder_push(b, i, w / (double)n);
    if (undirected) {
        tmx__builder_push(b, (i + a) % n, 0.5 * off);
        tmx__builder_push(b, (i + n - a) % n, 0.5 * off);
    } else {
        tmx__builder_push(b, (i + a) % n, off);
    }
}

static tmx_status equi_check(tmx_topo *t)
{
    if (t->n < 2) return tmx__error(TMX_EINVAL, "%s needs n >= 2, got n=%lld", t->fam->info.name, (long long)t->n);
    t->directed = !t->par.undirected && t->n >= 3;
    return TMX_OK;
}

static tmx_status equistatic_setup(tmx_topo *t)
{
    tmx_status st = equi_check(t);
    if (st != TMX_OK) return st;
    if (t->par.m == 0) t->par.m = t->tau > 0 ? t->tau : 1;
    if (t->par.m < 1) return tmx__error(TMX_EINVAL, "equistatic needs M >= 1, got M=%lld", (long long)t->par.m);
    int64_t m = t->par.m, n = t->n, per = t->par.undirected ? 3 : 2;
    if (m > n) return tmx__error(TMX_EINVAL, "equistatic needs M <= n, got M=%lld, n=%lld", (long long)m, (long long)n);
    /* rows merge to the diagonal and per - 1 entries a shift at most, so the builder never holds more
     * than that for the rows before plus one row's per·m pushes */
    int64_t cap = n * (1 + (per - 1) * m) + per * m;
    {
        char what[96];
        snprintf(what, sizeof what, "topology equistatic at n=%lld, M=%lld", (long long)n, (long long)m);
        st = tmx__check_bytes(8.0 * ((double)n + 1.0) + 16.0 * (double)cap + 8.0 * (double)m, what);
        if (st != TMX_OK) return st;
    }
    tmx_csr *W = calloc(1, sizeof *W);
    int64_t *shift = malloc((size_t)m * sizeof *shift);
    tmx_topo_ws ws = {0};
    gsl_rng *r = rng_for(t, STREAM_EQUISTATIC, 0, &ws);
    tmx__builder b = {0};
    if (!W || !shift || !r) {
        st = tmx__error(TMX_ENOMEM, "equistatic: out of memory");
        goto cleanup;
    }
    for (int64_t q = 0; q < m; q++) shift[q] = 1 + (int64_t)gsl_rng_uniform_int(r, (unsigned long)(n - 1));
    TMX_TRY(tmx__builder_begin(&b, W, n, cap));
    for (int64_t i = 0; i < n; i++) {
        for (int64_t q = 0; q < m; q++) push_basis_row(&b, n, i, shift[q], 1.0 / (double)m, t->par.undirected);
        tmx__builder_end_row(&b);
    }
    TMX_TRY(tmx__builder_finish(&b));
    t->priv = W;
    W = NULL;
cleanup:
    if (st != TMX_OK) tmx__builder_abort(&b);
    free(W);
    free(shift);
    tmx__ws_release(&ws);
    if (st == TMX_OK) st = tmx__topo_check_entries(t, (double)((tmx_csr *)t->priv)->nnz, 0.0);
    return st;
}

static tmx_status equistatic_build(const tmx_topo *t, int64_t k, tmx_csr *W, tmx_topo_ws *ws)
{
    (void)k;
    return tmx_csr_copy(W, t->priv);
}

static void equistatic_release(tmx_topo *t)
{
    tmx_csr_destroy(t->priv);
    free(t->priv);
}

const tmx__family tmx__fam_equistatic = {
    {"equistatic", TMX_TOPO_STATIC, 1, 0, "any n >= 2; 1 <= M <= n (--M, default ceil(log2 n))",
     "EquiTopo static: mean of M random shifts W^(a) = I/n + (n-1)/n P^a"},
    TMX__USES_M | TMX__USES_UNDIRECTED, equistatic_setup, equistatic_build, equistatic_release, NULL};

static tmx_status equidyn_setup(tmx_topo *t)
{
    tmx_status st = equi_check(t);
    if (st != TMX_OK) return st;
    if (t->par.eta == 0.0) t->par.eta = 0.5;
    if (!(t->par.eta > 0.0 && t->par.eta <= 1.0))
        return tmx__error(TMX_EINVAL, "equidyn needs eta in (0, 1], got eta=%g", t->par.eta);
    t->period = 0;
    /* rows merge to the diagonal and one shift, or two when undirected */
    return tmx__topo_check_entries(t, (t->par.undirected ? 3.0 : 2.0) * (double)t->n, 0.0);
}

tmx_status tmx__equidyn_matrix(const tmx_topo *t, int64_t a, tmx_csr *W)
{
    int64_t n = t->n;
    double eta = t->par.eta;
    if (a < 1 || a >= n) return tmx__error(TMX_EINVAL, "equidyn: shift %lld outside 1..%lld", (long long)a, (long long)(n - 1));
    tmx__builder b; /* pushes per row: the lazy diagonal, the basis diagonal, one or two shifts */
    tmx_status st = tmx__builder_begin(&b, W, n, (t->par.undirected ? 4 : 3) * n);
    if (st != TMX_OK) return st;
    for (int64_t i = 0; i < n; i++) {
        tmx__builder_push(&b, i, 1.0 - eta);
        push_basis_row(&b, n, i, a, eta, t->par.undirected);
        tmx__builder_end_row(&b);
    }
    st = tmx__builder_finish(&b);
    if (st == TMX_OK && t->par.weights == TMX_WEIGHTS_LAZY) st = tmx__csr_lazy(W, NULL);
    return st;
}

static tmx_status equidyn_build(const tmx_topo *t, int64_t k, tmx_csr *W, tmx_topo_ws *ws)
{
    gsl_rng *r = rng_for(t, STREAM_EQUIDYN, (uint64_t)k, ws);
    if (!r) return tmx__error(TMX_ENOMEM, "equidyn: out of memory");
    int64_t a = 1 + (int64_t)gsl_rng_uniform_int(r, (unsigned long)(t->n - 1));
    tmx_topo u = *t; /* the registry applies lazy weights itself after build */
    u.par.weights = TMX_WEIGHTS_DEFAULT;
    return tmx__equidyn_matrix(&u, a, W);
}

const tmx__family tmx__fam_equidyn = {
    {"equidyn", TMX_TOPO_RANDOM, 1, 0, "any n >= 2; eta in (0, 1] (--eta, default 1/2)",
     "EquiTopo dynamic: one-peer lazy step (1-eta) I + eta W^(a), random a each step"},
    TMX__USES_ETA | TMX__USES_UNDIRECTED, equidyn_setup, equidyn_build, NULL, NULL};
