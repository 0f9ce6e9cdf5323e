/* topomix — random topologies drawn from the seed: er, random-regular and small-world (static),
 * matching, random-ring and equidyn (a fresh W each step), equistatic (static) (docs/definitions.md
 * §2, §19). Step k's randomness comes from a generator seeded by (seed, family stream, k) alone, so
 * W^(k) does not depend on which steps came before. */
#include "family.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { STREAM_ER = 1, STREAM_MATCHING = 2, STREAM_EQUISTATIC = 3, STREAM_EQUIDYN = 4, STREAM_REGULAR = 5,
       STREAM_SMALL_WORLD = 6, STREAM_RANDOM_RING = 7 };

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

/* ---- edge sets and patterns shared by random-regular and small-world ------------------------ */

/* An open-addressing set of undirected edges {i, j}: key i·n + j + 1 with i < j (0 an empty slot,
 * ~0 a deleted one), linear probing. Sized to at least twice the edges ever inserted, so probes
 * stay short without ever reusing deleted slots. Needs n < 2^32. */
typedef struct edge_set {
    uint64_t *slot, mask;
    int64_t n;
} edge_set;

#define EDGE_DELETED (~(uint64_t)0)

static tmx_status edge_set_init(edge_set *s, int64_t n, double inserts)
{
    uint64_t cap = 16;
    while ((double)cap < 2.0 * inserts) cap *= 2;
    s->n = n;
    s->mask = cap - 1;
    s->slot = calloc((size_t)cap, sizeof *s->slot);
    return s->slot ? TMX_OK : tmx__error(TMX_ENOMEM, "out of memory for an edge set of %llu slots", (unsigned long long)cap);
}

static void edge_set_clear(edge_set *s) { memset(s->slot, 0, (size_t)(s->mask + 1) * sizeof *s->slot); }

/* The slot holding {i, j}, or the empty slot where it would go. */
static uint64_t *edge_set_find(const edge_set *s, int64_t i, int64_t j)
{
    uint64_t key = i < j ? (uint64_t)i * (uint64_t)s->n + (uint64_t)j + 1 : (uint64_t)j * (uint64_t)s->n + (uint64_t)i + 1;
    for (uint64_t h = tmx__mix64(key) & s->mask;; h = (h + 1) & s->mask)
        if (s->slot[h] == key || s->slot[h] == 0) return &s->slot[h];
}

static int edge_set_has(const edge_set *s, int64_t i, int64_t j) { return *edge_set_find(s, i, j) != 0; }

static void edge_set_add(edge_set *s, int64_t i, int64_t j)
{
    uint64_t *p = edge_set_find(s, i, j);
    *p = i < j ? (uint64_t)i * (uint64_t)s->n + (uint64_t)j + 1 : (uint64_t)j * (uint64_t)s->n + (uint64_t)i + 1;
}

static void edge_set_del(edge_set *s, int64_t i, int64_t j)
{
    uint64_t *p = edge_set_find(s, i, j);
    if (*p) *p = EDGE_DELETED;
}

/* G ← the symmetric pattern of the `count` edges {eu[e], ev[e]} (no loops, no repeats). */
static tmx_status pattern_of_edges(int64_t n, int64_t count, const int64_t *eu, const int64_t *ev, tmx_csr *G)
{
    int64_t *ti = malloc((size_t)(2 * count + 1) * sizeof *ti), *tj = malloc((size_t)(2 * count + 1) * sizeof *tj);
    double *tv = malloc((size_t)(2 * count + 1) * sizeof *tv);
    tmx_status st;
    if (!ti || !tj || !tv) {
        st = tmx__error(TMX_ENOMEM, "out of memory for a graph of %lld edges", (long long)count);
    } else {
        for (int64_t e = 0; e < count; e++) {
            ti[2 * e] = eu[e], tj[2 * e] = ev[e];
            ti[2 * e + 1] = ev[e], tj[2 * e + 1] = eu[e];
            tv[2 * e] = tv[2 * e + 1] = 1.0;
        }
        st = tmx_csr_from_triplets(G, n, 2 * count, ti, tj, tv);
    }
    free(ti);
    free(tj);
    free(tv);
    return st;
}

static tmx_status static_build(const tmx_topo *t, int64_t k, tmx_csr *G, tmx_topo_ws *ws)
{
    (void)k;
    (void)ws;
    return tmx_csr_copy(G, t->priv);
}

static void static_release(tmx_topo *t)
{
    tmx_csr_destroy(t->priv);
    free(t->priv);
}

/* n·n must fit the edge set's keys */
static tmx_status check_key_range(const tmx_topo *t)
{
    if (t->n >= ((int64_t)1 << 32))
        return tmx__error(TMX_EUNSUP, "%s: n=%lld is above 2^32 - 1", t->fam->info.name, (long long)t->n);
    return TMX_OK;
}

/* ---- random-regular: a random simple D-regular graph, redrawn until connected ---------------- */

enum { REGULAR_MAX_DRAWS = 1000, REGULAR_MAX_RESTARTS = 1000, REGULAR_TRIES = 64 };

/* One run of the Steger–Wormald pairing (as networkx's random_regular_graph): d points per node;
 * repeatedly join two uniformly random unpaired points of different, not yet adjacent nodes. When
 * REGULAR_TRIES random pairs in a row are unsuitable, the suitable pairs are enumerated and one is
 * taken uniformly (the same choice, found directly); when there is none the run fails (*ok = 0).
 * The m = n·d/2 edges go to eu, ev; pts holds n·d points. */
static void regular_pairing(int64_t n, int64_t d, gsl_rng *r, edge_set *set, int64_t *pts, int64_t *eu, int64_t *ev,
                            int *ok)
{
    int64_t m = n * d, edges = 0;
    edge_set_clear(set);
    for (int64_t q = 0; q < m; q++) pts[q] = q / d;
    *ok = 1;
    while (m > 0) {
        int64_t a = -1, b = -1;
        for (int tries = 0; tries < REGULAR_TRIES && a < 0; tries++) {
            int64_t x = (int64_t)gsl_rng_uniform_int(r, (unsigned long)m);
            int64_t y = (int64_t)gsl_rng_uniform_int(r, (unsigned long)(m - 1));
            if (y >= x) y++;
            if (pts[x] != pts[y] && !edge_set_has(set, pts[x], pts[y])) a = x, b = y;
        }
        if (a < 0) { /* few suitable pairs left: count them, take one uniformly */
            int64_t count = 0;
            for (int64_t x = 0; x < m; x++)
                for (int64_t y = x + 1; y < m; y++) count += pts[x] != pts[y] && !edge_set_has(set, pts[x], pts[y]);
            if (count == 0) {
                *ok = 0;
                return;
            }
            /* the generator gives 32 bits: a larger count (not met in practice) is scaled instead */
            int64_t pick = count <= 0xffffffffLL ? (int64_t)gsl_rng_uniform_int(r, (unsigned long)count)
                                                 : (int64_t)(gsl_rng_uniform(r) * (double)count);
            for (int64_t x = 0; x < m && a < 0; x++)
                for (int64_t y = x + 1; y < m; y++)
                    if (pts[x] != pts[y] && !edge_set_has(set, pts[x], pts[y]) && pick-- == 0) {
                        a = x, b = y;
                        break;
                    }
        }
        eu[edges] = pts[a], ev[edges] = pts[b], edges++;
        edge_set_add(set, pts[a], pts[b]);
        if (a < b) { int64_t s = a; a = b, b = s; } /* remove the later position first */
        pts[a] = pts[--m];
        pts[b] = pts[--m];
    }
}

static tmx_status regular_setup(tmx_topo *t)
{
    int64_t n = t->n;
    if (t->par.degree == 0) t->par.degree = n - 1 < 4 ? n - 1 : 4;
    int64_t D = t->par.degree;
    if (n < 2) return tmx__error(TMX_EINVAL, "random-regular needs n >= 2, got n=%lld", (long long)n);
    if (D < 1 || D >= n)
        return tmx__error(TMX_EINVAL, "random-regular needs 1 <= degree < n, got degree=%lld, n=%lld", (long long)D, (long long)n);
    if ((n % 2) && (D % 2))
        return tmx__error(TMX_EINVAL, "random-regular needs n*degree even, got n=%lld, degree=%lld", (long long)n, (long long)D);
    if (D == 1 && n > 2)
        return tmx__error(TMX_EINVAL, "random-regular: degree 1 is a perfect matching, never connected at n=%lld > 2", (long long)n);
    /* a dense D is drawn as the complement of a random (n-1-D)-regular graph: fewer points to pair */
    int64_t d = D <= (n - 1) / 2 ? D : n - 1 - D;
    double nd = (double)n * (double)d, nD = (double)n * (double)D;
    /* points, edge lists, edge set (2 slots an edge, rounded up to a power of two: 4 at most), then the
     * pattern from triplets (48 bytes an entry) or the complement's builder (16), the connectivity
     * test (2 patterns, 17n) */
    double draw = 8.0 * nd + 8.0 * nd + 8.0 * 2.0 * nd, build = 48.0 * nD + 16.0 * (double)n;
    char what[112];
    snprintf(what, sizeof what, "topology random-regular at n=%lld, degree=%lld", (long long)n, (long long)D);
    tmx_status st = tmx__check_bytes(draw + build + 2.0 * (8.0 * (double)n + 16.0 * nD) + 17.0 * (double)n, what);
    if (st != TMX_OK) return st;
    if ((st = check_key_range(t)) != TMX_OK) return st;

    tmx_csr *G = calloc(1, sizeof *G);
    int64_t *pts = malloc((size_t)(n * d + 1) * sizeof *pts);
    int64_t *eu = malloc((size_t)(n * d / 2 + 1) * sizeof *eu), *ev = malloc((size_t)(n * d / 2 + 1) * sizeof *ev);
    edge_set set = {0};
    tmx_topo_ws ws = {0};
    gsl_rng *r = rng_for(t, STREAM_REGULAR, 0, &ws);
    if (!G || !pts || !eu || !ev || !r || edge_set_init(&set, n, nd / 2.0) != TMX_OK) {
        st = tmx__error(TMX_ENOMEM, "random-regular: out of memory");
        goto cleanup;
    }
    int draws = 0, restarts = 0, connected = 0;
    while (!connected && draws < REGULAR_MAX_DRAWS) {
        int ok = 0;
        regular_pairing(n, d, r, &set, pts, eu, ev, &ok);
        if (!ok) {
            if (++restarts >= REGULAR_MAX_RESTARTS) {
                st = tmx__error(TMX_ENOCONV, "random-regular: the pairing got stuck %d times (n=%lld, degree=%lld)",
                                REGULAR_MAX_RESTARTS, (long long)n, (long long)D);
                goto cleanup;
            }
            continue;
        }
        draws++;
        tmx_csr_destroy(G);
        if (d == D) {
            TMX_TRY(pattern_of_edges(n, n * d / 2, eu, ev, G));
        } else { /* the complement: every pair the drawn graph lacks */
            tmx__builder b;
            TMX_TRY(tmx__builder_begin(&b, G, n, n * D));
            for (int64_t i = 0; i < n; i++) {
                for (int64_t j = 0; j < n; j++)
                    if (j != i && !edge_set_has(&set, i, j)) tmx__builder_push(&b, j, 1.0);
                tmx__builder_end_row(&b);
            }
            TMX_TRY(tmx__builder_finish(&b));
        }
        connected = tmx_csr_is_connected(G);
    }
    if (!connected) {
        st = tmx__error(TMX_ENOCONV, "random-regular: no connected %lld-regular graph on n=%lld in %d draws; raise --degree",
                        (long long)D, (long long)n, REGULAR_MAX_DRAWS);
        goto cleanup;
    }
    t->priv = G;
    G = NULL;
cleanup:
    if (G) tmx_csr_destroy(G);
    free(G);
    free(pts);
    free(eu);
    free(ev);
    free(set.slot);
    tmx__ws_release(&ws);
    if (st == TMX_OK) st = tmx__topo_check_entries(t, (double)((tmx_csr *)t->priv)->nnz, 0.0);
    return st;
}

const tmx__family tmx__fam_random_regular = {
    {"random-regular", TMX_TOPO_STATIC, 1, 1,
     "n >= 2; 1 <= D < n, n*D even, D = 1 only at n = 2 (--degree, default min(4, n-1))",
     "random simple D-regular graph (Steger-Wormald pairing), redrawn until connected"},
    TMX__USES_DEGREE, regular_setup, static_build, static_release, NULL};

/* ---- small-world: Watts–Strogatz, redrawn until connected ---------------------------------- */

enum { SMALL_WORLD_MAX_DRAWS = 1000 };

tmx_status tmx__small_world_draw(int64_t n, int64_t K, double p, uint64_t seed, tmx_csr *G)
{
    tmx_status st = TMX_OK;
    int64_t m = n * (K / 2);
    int64_t *eu = malloc((size_t)(m + 1) * sizeof *eu), *ev = malloc((size_t)(m + 1) * sizeof *ev);
    int64_t *deg = malloc((size_t)n * sizeof *deg);
    edge_set set = {0};
    gsl_rng *r = NULL;
    tmx_init();
    r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!eu || !ev || !deg || !r || edge_set_init(&set, n, 2.0 * (double)m) != TMX_OK) {
        st = tmx__error(TMX_ENOMEM, "small-world: out of memory");
        goto cleanup;
    }
    gsl_rng_set(r, (unsigned long)seed);
    /* the ring lattice: edge (j - 1)·n + u joins u and u + j, j = 1..K/2 */
    for (int64_t j = 1; j <= K / 2; j++)
        for (int64_t u = 0; u < n; u++) {
            int64_t e = (j - 1) * n + u;
            eu[e] = u, ev[e] = (u + j) % n;
            edge_set_add(&set, u, ev[e]);
        }
    for (int64_t u = 0; u < n; u++) deg[u] = K;
    /* networkx's order: by distance j, then by node u; each edge (u, u + j) is rewired with
     * probability p to (u, w), w uniform among the nodes that are neither u nor its neighbours
     * (skipped when u is joined to every node) */
    for (int64_t j = 1; j <= K / 2; j++)
        for (int64_t u = 0; u < n; u++) {
            if (!(gsl_rng_uniform(r) < p)) continue;
            int64_t e = (j - 1) * n + u, w;
            if (deg[u] >= n - 1) continue;
            do w = (int64_t)gsl_rng_uniform_int(r, (unsigned long)n);
            while (w == u || edge_set_has(&set, u, w));
            edge_set_del(&set, u, ev[e]);
            deg[ev[e]]--;
            edge_set_add(&set, u, w);
            deg[w]++;
            ev[e] = w;
        }
    st = pattern_of_edges(n, m, eu, ev, G);
cleanup:
    free(eu);
    free(ev);
    free(deg);
    free(set.slot);
    if (r) gsl_rng_free(r);
    return st;
}

static tmx_status small_world_setup(tmx_topo *t)
{
    int64_t n = t->n;
    if (n < 3) return tmx__error(TMX_EINVAL, "small-world needs n >= 3, got n=%lld", (long long)n);
    if (t->par.k == 0) t->par.k = n >= 5 ? 4 : 2;
    if (t->par.p == 0.0) t->par.p = 0.1;
    int64_t K = t->par.k;
    double p = t->par.p;
    if (K < 2 || K % 2 || K >= n)
        return tmx__error(TMX_EINVAL, "small-world needs an even lattice degree 2 <= K < n (K/2 neighbours each side), got K=%lld, n=%lld",
                          (long long)K, (long long)n);
    if (!(p > 0.0 && p <= 1.0))
        return tmx__error(TMX_EINVAL, "small-world needs a rewiring probability p in (0, 1], got p=%g", p);
    /* edge lists, degrees, the edge set (2 slots an insertion, rounded up: 4 at most, for the
     * lattice and every rewiring), the pattern from triplets (48 bytes an entry), connectivity */
    double nK = (double)n * (double)K;
    char what[112];
    snprintf(what, sizeof what, "topology small-world at n=%lld, K=%lld", (long long)n, (long long)K);
    tmx_status st = tmx__check_bytes(8.0 * nK + 8.0 * (double)n + 32.0 * nK + 48.0 * nK + 2.0 * (8.0 * (double)n + 16.0 * nK),
                                     what);
    if (st != TMX_OK) return st;
    if ((st = check_key_range(t)) != TMX_OK) return st;
    tmx_csr *G = calloc(1, sizeof *G);
    if (!G) return tmx__error(TMX_ENOMEM, "small-world: out of memory");
    int draws = 0, connected = 0;
    while (st == TMX_OK && !connected && draws < SMALL_WORLD_MAX_DRAWS) {
        tmx_csr_destroy(G);
        st = tmx__small_world_draw(n, K, p, tmx__derive_seed(t->par.seed, STREAM_SMALL_WORLD, (uint64_t)draws), G);
        draws++;
        connected = st == TMX_OK && tmx_csr_is_connected(G);
    }
    if (st == TMX_OK && !connected)
        st = tmx__error(TMX_ENOCONV, "small-world: no connected graph (n=%lld, K=%lld, p=%g) in %d draws; lower p or raise K",
                        (long long)n, (long long)K, p, SMALL_WORLD_MAX_DRAWS);
    if (st != TMX_OK) {
        tmx_csr_destroy(G);
        free(G);
        return st;
    }
    t->priv = G;
    return tmx__topo_check_entries(t, (double)G->nnz, 0.0);
}

const tmx__family tmx__fam_small_world = {
    {"small-world", TMX_TOPO_STATIC, 1, 1,
     "n >= 3; even 2 <= K < n (--k, default 4, or 2 below n = 5); p in (0, 1] (--p, default 0.1)",
     "Watts-Strogatz: ring lattice of degree K, each edge rewired with probability p; redrawn until connected"},
    TMX__USES_K | TMX__USES_P, small_world_setup, static_build, static_release, NULL};

/* ---- random-ring: the ring through a fresh random permutation each step (pcode) ------------- */

static tmx_status random_ring_setup(tmx_topo *t)
{
    t->period = 0;
    return tmx__topo_check_entries(t, 2.0 * (double)t->n, 2.0 * (double)t->n * sizeof(int64_t)); /* perm, pos */
}

static tmx_status random_ring_build(const tmx_topo *t, int64_t k, tmx_csr *G, tmx_topo_ws *ws)
{
    int64_t n = t->n;
    int64_t *perm = tmx__ws_ints(ws, 2 * (size_t)n), *pos = perm ? perm + n : NULL;
    gsl_rng *r = rng_for(t, STREAM_RANDOM_RING, (uint64_t)k, ws);
    if (!perm || !r) return tmx__error(TMX_ENOMEM, "random-ring: out of memory");
    for (int64_t i = 0; i < n; i++) perm[i] = i;
    gsl_ran_shuffle(r, perm, (size_t)n, sizeof *perm);
    for (int64_t q = 0; q < n; q++) pos[perm[q]] = q;
    /* node perm[q] joins perm[q - 1] and perm[q + 1] (one neighbour at n = 2, none at n = 1) */
    tmx__builder b;
    tmx_status st = tmx__builder_begin(&b, G, n, 2 * n);
    if (st != TMX_OK) return st;
    for (int64_t i = 0; i < n; i++) {
        int64_t q = pos[i];
        if (n >= 2) tmx__builder_push(&b, perm[(q + 1) % n], 1.0);
        if (n >= 3) tmx__builder_push(&b, perm[(q + n - 1) % n], 1.0);
        tmx__builder_end_row(&b);
    }
    return tmx__builder_finish(&b);
}

const tmx__family tmx__fam_random_ring = {
    {"random-ring", TMX_TOPO_RANDOM, 1, 1, "any n >= 1",
     "ring through a fresh random permutation each step (1/3 on each neighbour and self, as pcode)"},
    0, random_ring_setup, random_ring_build, NULL, NULL};

/* ---- EquiTopo (Song et al. 2022) ------------------------------------------------------------
 * Basis W^(a) = I/n + ((n-1)/n) P^a with (P^a)_{i, (i+a) mod n} = 1, a = 1..n-1; the mean of the
 * basis over a is exactly J. Shifts are drawn i.i.d. uniformly from {1, …, n-1}. */

/* Most shifts equistatic draws: one by one, as EquiTopo does (about 10 ns each). */
#define EQUI_MAX_M ((int64_t)1 << 28)
/* The failure probability p of the choice of M from ε when only ε is given. */
#define EQUI_DEFAULT_FAIL_PROB 0.1

static tmx_status equi_check(tmx_topo *t)
{
    if (t->n < 2) return tmx__error(TMX_EINVAL, "%s needs n >= 2, got n=%lld", t->fam->info.name, (long long)t->n);
    t->directed = !t->par.undirected && t->n >= 3;
    return TMX_OK;
}

/* M from EquiTopo's bound: P(‖W − J‖₂ < ε) ≥ 1 − p once M ≥ 8 ln(2n/p)/(3ε²). */
static tmx_status equistatic_resolve_m(tmx_topo *t)
{
    double eps = t->par.eps;
    if (t->par.fail_prob != 0.0 && eps == 0.0)
        return tmx__error(TMX_EINVAL, "equistatic: fail-prob needs equi-eps (it is the failure probability of choosing M from it)");
    if (eps != 0.0) {
        if (t->par.m != 0)
            return tmx__error(TMX_EINVAL, "equistatic: give M or equi-eps, not both (M=%lld, equi-eps=%g)", (long long)t->par.m, eps);
        if (t->par.fail_prob == 0.0) t->par.fail_prob = EQUI_DEFAULT_FAIL_PROB;
        double p = t->par.fail_prob;
        if (!(eps > 0.0 && eps < 1.0)) return tmx__error(TMX_EINVAL, "equistatic needs equi-eps in (0, 1), got %g", eps);
        if (!(p > 0.0 && p < 1.0)) return tmx__error(TMX_EINVAL, "equistatic needs fail-prob in (0, 1), got %g", p);
        double m = floor(8.0 * log(2.0 * (double)t->n / p) / (3.0 * eps * eps));
        if (!(m <= (double)EQUI_MAX_M))
            return tmx__error(TMX_EINVAL, "equistatic: equi-eps=%g, fail-prob=%g give M=%.4g shifts, above the limit %lld", eps, p, m,
                              (long long)EQUI_MAX_M);
        t->par.m = (int64_t)m; /* ≥ 3: ε < 1 and 2n/p > 4 */
    }
    if (t->par.m == 0) t->par.m = t->tau > 0 ? t->tau : 1;
    if (t->par.m < 1) return tmx__error(TMX_EINVAL, "equistatic needs M >= 1, got M=%lld", (long long)t->par.m);
    if (t->par.m > EQUI_MAX_M)
        return tmx__error(TMX_EINVAL, "equistatic: M=%lld is above the limit %lld", (long long)t->par.m, (long long)EQUI_MAX_M);
    return TMX_OK;
}

static tmx_status equistatic_setup(tmx_topo *t)
{
    tmx_status st = equi_check(t);
    if (st == TMX_OK) st = equistatic_resolve_m(t);
    if (st != TMX_OK) return st;
    int64_t m = t->par.m, n = t->n, per = t->par.undirected ? 2 : 1;
    /* W is the mean of the drawn basis matrices: a count per shift, then per row the diagonal and
     * per pushes for each distinct shift (at most min(M, n - 1) of them) */
    int64_t distinct = m < n - 1 ? m : n - 1, cap = n * (1 + per * distinct);
    {
        char what[96];
        snprintf(what, sizeof what, "topology equistatic at n=%lld, M=%lld", (long long)n, (long long)m);
        st = tmx__check_bytes(8.0 * ((double)n + 1.0) + 16.0 * (double)cap + 16.0 * (double)n, what);
        if (st != TMX_OK) return st;
    }
    tmx_csr *W = calloc(1, sizeof *W);
    int64_t *count = calloc((size_t)n, sizeof *count), *shift = malloc((size_t)n * sizeof *shift);
    tmx_topo_ws ws = {0};
    gsl_rng *r = rng_for(t, STREAM_EQUISTATIC, 0, &ws);
    tmx__builder b = {0};
    if (!W || !count || !shift || !r) {
        st = tmx__error(TMX_ENOMEM, "equistatic: out of memory");
        goto cleanup;
    }
    for (int64_t q = 0; q < m; q++) count[1 + gsl_rng_uniform_int(r, (unsigned long)(n - 1))]++;
    int64_t ns = 0;
    for (int64_t a = 1; a < n; a++)
        if (count[a]) shift[ns++] = a;
    TMX_TRY(tmx__builder_begin(&b, W, n, n * (1 + per * ns)));
    for (int64_t i = 0; i < n; i++) {
        tmx__builder_push(&b, i, 1.0 / (double)n);
        for (int64_t q = 0; q < ns; q++) {
            int64_t a = shift[q];
            double off = (double)count[a] / (double)m * (double)(n - 1) / (double)n;
            if (t->par.undirected) { /* (W^(a) + W^(a)ᵀ)/2 */
                tmx__builder_push(&b, (i + a) % n, 0.5 * off);
                tmx__builder_push(&b, (i + n - a) % n, 0.5 * off);
            } else {
                tmx__builder_push(&b, (i + a) % n, off);
            }
        }
        tmx__builder_end_row(&b);
    }
    TMX_TRY(tmx__builder_finish(&b));
    t->priv = W;
    W = NULL;
cleanup:
    if (st != TMX_OK) tmx__builder_abort(&b);
    free(W);
    free(count);
    free(shift);
    tmx__ws_release(&ws);
    if (st == TMX_OK) st = tmx__topo_check_entries(t, (double)((tmx_csr *)t->priv)->nnz, 0.0);
    return st;
}

const tmx__family tmx__fam_equistatic = {
    {"equistatic", TMX_TOPO_STATIC, 1, 0,
     "any n >= 2; M >= 1 (--M, default ceil(log2 n)), or M = floor(8 ln(2n/p)/(3 E^2)) from --equi-eps E, --fail-prob p (default 0.1)",
     "EquiTopo static: mean of M random shifts W^(a) = I/n + (n-1)/n P^a"},
    TMX__USES_M | TMX__USES_UNDIRECTED | TMX__USES_EPS, equistatic_setup, static_build, static_release, NULL};

static tmx_status equidyn_setup(tmx_topo *t)
{
    tmx_status st = equi_check(t);
    if (st != TMX_OK) return st;
    if (t->par.eta == 0.0) t->par.eta = 0.5;
    if (!(t->par.eta > 0.0 && t->par.eta <= 1.0))
        return tmx__error(TMX_EINVAL, "equidyn needs eta in (0, 1], got eta=%g", t->par.eta);
    t->period = 0;
    /* rows merge to the diagonal and one peer; the undirected matching's partners in the workspace */
    return tmx__topo_check_entries(t, 2.0 * (double)t->n, t->par.undirected ? (double)t->n * sizeof(int64_t) : 0.0);
}

tmx_status tmx__equidyn_matrix(const tmx_topo *t, int64_t a, int64_t s, int64_t *partner, tmx_csr *W)
{
    int64_t n = t->n;
    double eta = t->par.eta;
    if (a < 1 || a >= n) return tmx__error(TMX_EINVAL, "equidyn: shift %lld outside 1..%lld", (long long)a, (long long)(n - 1));
    if (t->par.undirected && (s < 0 || s >= n))
        return tmx__error(TMX_EINVAL, "equidyn: start %lld outside 0..%lld", (long long)s, (long long)(n - 1));
    if (t->par.undirected) { /* greedy matching along i → i + a, visiting i = s, s + 1, … (mod n) */
        for (int64_t i = 0; i < n; i++) partner[i] = -1;
        for (int64_t q = 0; q < n; q++) {
            int64_t i = (s + q) % n, j = (i + a) % n;
            if (partner[i] < 0 && partner[j] < 0) partner[i] = j, partner[j] = i;
        }
    }
    tmx__builder b; /* pushes per row: the lazy diagonal, the basis diagonal, one peer */
    tmx_status st = tmx__builder_begin(&b, W, n, 3 * n);
    if (st != TMX_OK) return st;
    for (int64_t i = 0; i < n; i++) {
        int64_t j = t->par.undirected ? partner[i] : (i + a) % n;
        if (j < 0) {
            tmx__builder_push(&b, i, 1.0); /* unmatched: w_ii = 1, and so after the lazy step */
        } else {
            tmx__builder_push(&b, i, 1.0 - eta);
            tmx__builder_push(&b, i, eta / (double)n);
            tmx__builder_push(&b, j, eta * (double)(n - 1) / (double)n);
        }
        tmx__builder_end_row(&b);
    }
    st = tmx__builder_finish(&b);
    if (st == TMX_OK && t->par.weights == TMX_WEIGHTS_LAZY) st = tmx__csr_lazy(W, NULL);
    return st;
}

static tmx_status equidyn_build(const tmx_topo *t, int64_t k, tmx_csr *W, tmx_topo_ws *ws)
{
    gsl_rng *r = rng_for(t, STREAM_EQUIDYN, (uint64_t)k, ws);
    int64_t *partner = t->par.undirected ? tmx__ws_ints(ws, (size_t)t->n) : NULL;
    if (!r || (t->par.undirected && !partner)) return tmx__error(TMX_ENOMEM, "equidyn: out of memory");
    /* the shift, then (undirected) the start, as EquiTopo's OUEquiDyn draws them */
    int64_t a = 1 + (int64_t)gsl_rng_uniform_int(r, (unsigned long)(t->n - 1));
    int64_t s = t->par.undirected ? (int64_t)gsl_rng_uniform_int(r, (unsigned long)t->n) : 0;
    tmx_topo u = *t; /* the registry applies lazy weights itself after build */
    u.par.weights = TMX_WEIGHTS_DEFAULT;
    return tmx__equidyn_matrix(&u, a, s, partner, W);
}

const tmx__family tmx__fam_equidyn = {
    {"equidyn", TMX_TOPO_RANDOM, 1, 0, "any n >= 2; eta in (0, 1] (--eta, default 1/2)",
     "EquiTopo dynamic: (1-eta) I + eta W^(a), random shift a each step; --undirected: a random matching along i -> i+a"},
    TMX__USES_ETA | TMX__USES_UNDIRECTED, equidyn_setup, equidyn_build, NULL, NULL};
