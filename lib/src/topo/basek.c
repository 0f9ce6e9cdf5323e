/* topomix — the Base-(k+1) graph of Takezawa, Sato, Bao, Niwa, Yamada, "Beyond Exponential Graph:
 * Communication-Efficient Topologies for Decentralized Learning via Finite-time Convergence"
 * (NeurIPS 2023, arXiv 2305.11420), docs/definitions.md §2 row `base-k`.
 *
 * This is the full Base-(k+1) graph (the authors' BaseGraph), not only the Simple Base-(k+1) graph,
 * re-implemented from the description in the paper and the authors' reference code
 * (github.com/yukiTakezawa/BaseGraph: base_graph.py, simple_base_graph.py). Write K = k + 1.
 *
 * Hyper-hypercube HHC(N), for N whose prime factors are all ≤ K ("K-smooth"): write
 * N = f_0 f_1 … f_{d-1} with 2 ≤ f_r ≤ K and read a node's local index in mixed radix. Round r
 * averages every clique of the f_r nodes that differ only in digit r (stride f_0…f_{r-1}), weight
 * 1/f_r each. After the d rounds every node holds the mean: the product is J. N = 1 has d = 0
 * (W = I).
 * The reference factorises greedily (largest factor ≤ K first); we take the factorisation with the
 * fewest factors (iterative deepening, largest factors first, so it IS the greedy one whenever that
 * is already shortest: for every N ≤ 2·10^5 when k ≤ 6; it differs rarely, e.g. N = 216, k = 7:
 * 6·6·6, 3 rounds, where greedy 8·3·3·3 takes 4). Rounds and their order otherwise follow the
 * reference, whose matrices we reproduce entry for entry where the factorisations agree.
 *
 * Simple Base-(K) graph SB(N), N not K-smooth: write N in base K, N = Σ_l a_l K^{p_l} with
 * p_0 > p_1 > … > p_{L-1}, 1 ≤ a_l ≤ k (L ≥ 2, p_0 ≥ 1). Block V_l holds the next n_l = a_l K^{p_l}
 * consecutive nodes and splits into a_l sub-blocks of B_l = K^{p_l} consecutive nodes. With
 * S_t = n_t + … + n_{L-1} and H = p_0 + [a_0 > 1] (the rounds of HHC(n_0)):
 *   rounds 0 … H-1     every block runs HHC(n_l) (shorter ones repeat their rounds): block means.
 *   round H + t        (t = 0 … L-2) merge: the nodes of V_{>t}, ranked V_{L-1} first, then
 *                      V_{L-2}, …, each pair with one node of every sub-block of V_t (rank r ↔
 *                      offset B_t-1-r of each sub-block; S_{t+1} < B_t, so there is room): weight
 *                      n_t/(S_t a_t) on each such edge, 1 - n_t/S_t on the high node's diagonal,
 *                      1 - n_t/(S_t a_t) on the low one's. The unpaired nodes of V_t (all
 *                      holding the same value at this point) form cliques of ≤ K in index order
 *                      ("inner edges" of the reference: harmless for the product, useful when
 *                      local updates intervene).
 *   rounds > H + t     V_t's sub-blocks run HHC(B_t) (p_t rounds, repeated while the period lasts;
 *                      a last block with p = 0 runs HHC(a_{L-1}) instead).
 * By induction each node of V_l (l > t) holds Σ_{t'≤t} n_{t'} x̄_{t'}/N + (S_{t+1}/N) x̄_l after
 * round H + t, so V_{L-1} ends at the global mean; the sub-blocks of V_t each receive the same
 * total during round H + t, and their mean after it is the global mean, which HHC(B_t) spreads
 * before the period ends (t + p_t ≤ p_0). Period H + p_0 + 1 = 2 p_0 + 1 + [a_0 > 1].
 * A K-smooth N just uses HHC(N).
 *
 * Base-(K) graph: n = n_pow · n_rest with n_pow the K-smooth part of n. Either SB(n) alone, or
 * first SB(n_rest) inside each of the n_pow groups of n_rest consecutive nodes, then HHC(n_pow)
 * across the n_rest strided classes {j, j + n_rest, …}; SB(n) is kept when it is strictly shorter
 * (as in the reference). Periods for k = 1: n = 17 → 9, n = 2^m → m, n = 100 → 11; always
 * P ≤ 2 log_K(n) + 2 (SB: 2 p_0 + 2 ≤ 2 log_K n + 2; in a shortest or greedy factorisation two
 * consecutive factors multiply to more than K, so d ≤ 2 log_K N + 1).
 *
 * Storage: O(log n) numbers (digits, factor lists); tmx__basek_matrix computes each row from them
 * in O(k + log n) time, so one W costs O(n (k + log n)) time and O(n k) memory. Every row stores
 * its diagonal (always > 0). Max degree: k is clamped to n - 1, which changes nothing (n ≤ k + 1
 * is one clique, W = J). */
#include "basek.h"

#include "../internal.h"

#include <stdlib.h>

#define TMX__BASEK_MAXF 64 /* factors or base-K digits of an int64_t: at most 63 */

/* Hyper-hypercube: f[r] nodes per clique in round r, at stride[r] = f[0]…f[r-1]. */
typedef struct tmx__basek_hhc {
    int nf;
    int64_t f[TMX__BASEK_MAXF];
    int64_t stride[TMX__BASEK_MAXF];
} tmx__basek_hhc;

/* Simple Base-(K) graph on N nodes (see the top of the file). */
typedef struct tmx__basek_simple {
    int64_t N, K;
    int smooth;           /* N is K-smooth: HHC(N) alone, in `whole` */
    tmx__basek_hhc whole;
    int L;                /* nonzero base-K digits of N */
    int64_t H;            /* rounds of the first phase */
    int64_t period;
    int64_t start[TMX__BASEK_MAXF], size[TMX__BASEK_MAXF], a[TMX__BASEK_MAXF], B[TMX__BASEK_MAXF];
    int p[TMX__BASEK_MAXF];
    int64_t S[TMX__BASEK_MAXF + 1]; /* S[l] = size[l] + … + size[L-1], S[L] = 0 */
    int64_t Kpow[TMX__BASEK_MAXF];  /* K^0 … K^{p_0} */
} tmx__basek_simple;

struct tmx__basek {
    int64_t n, K; /* K = min(k, n-1) + 1 (K = 2 for n = 1) */
    int64_t period;
    int split;    /* 0: simple = SB(n); 1: simple = SB(nrest) in groups, then `across` */
    int64_t nrest, npow, PA;
    tmx__basek_simple simple;
    tmx__basek_hhc across; /* HHC(npow) */
};

/* ---- factorisation ------------------------------------------------------------------------- */

/* The K-smooth part of n: the product of its prime factors ≤ K (with multiplicity). */
static int64_t tmx__basek_smooth_part(int64_t n, int64_t K)
{
    int64_t rest = n;
    for (int64_t m = 2; m <= K && m <= rest / m; m++)
        while (rest % m == 0) rest /= m;
    /* Now rest is 1, or a prime (the loop stopped at m² > rest), or a product of primes > K. */
    if (rest <= K) rest = 1;
    return n / rest;
}

/* 1 when f^d < x (f ≥ 2, x ≥ 1), without overflow. */
static int tmx__basek_pow_below(int64_t f, int d, int64_t x)
{
    int64_t y = 1;
    for (int i = 0; i < d; i++) {
        if (y > x / f) return 0; /* y·f > x */
        y *= f;
    }
    return y < x;
}

/* Looks for rest = out[pos] · out[pos+1] · … with at most `depth` more factors, non-increasing,
 * each ≤ maxf and ≥ 2, trying larger factors first. Returns the total count, or -1 (none found, or
 * the work budget ran out). */
static int tmx__basek_search(int64_t rest, int64_t maxf, int depth, int64_t *out, int pos,
                             long *budget)
{
    if (rest == 1) return pos;
    if (depth == 0) return -1;
    for (int64_t f = maxf < rest ? maxf : rest; f >= 2; f--) {
        if (--*budget < 0) return -1;
        if (tmx__basek_pow_below(f, depth, rest)) break; /* f is the largest factor left */
        if (rest % f != 0) continue;
        out[pos] = f;
        int got = tmx__basek_search(rest / f, f, depth - 1, out, pos + 1, budget);
        if (got >= 0) return got;
    }
    return -1;
}

/* h ← HHC(N) for K-smooth N ≥ 1: the fewest factors in [2, K] (greedy if the search gives up),
 * stored smallest first (round 0 at stride 1), as in the reference. */
static void tmx__basek_factor(int64_t N, int64_t K, tmx__basek_hhc *h)
{
    int64_t greedy[TMX__BASEK_MAXF], best[TMX__BASEK_MAXF];
    int ng = 0, nb;
    int64_t rest = N;
    for (int64_t f = K; f >= 2 && rest > 1; f--) /* largest divisor ≤ K of what is left */
        while (rest % f == 0) {
            greedy[ng++] = f;
            rest /= f;
        }
    nb = ng;
    for (int i = 0; i < ng; i++) best[i] = greedy[i];
    int d0 = 0; /* lower bound: K^d0 ≥ N */
    while (tmx__basek_pow_below(K, d0, N)) d0++;
    long budget = 1L << 22;
    for (int d = d0; d < ng; d++) {
        int64_t cand[TMX__BASEK_MAXF];
        int got = tmx__basek_search(N, K, d, cand, 0, &budget);
        if (got >= 0) {
            nb = got;
            for (int i = 0; i < got; i++) best[i] = cand[i];
            break;
        }
        if (budget < 0) break;
    }
    h->nf = nb;
    int64_t stride = 1;
    for (int r = 0; r < nb; r++) {
        h->f[r] = best[nb - 1 - r];
        h->stride[r] = stride;
        stride *= h->f[r];
    }
}

/* ---- the Simple Base-(K) graph ----------------------------------------------------------- */

static tmx_status tmx__basek_simple_init(tmx__basek_simple *s, int64_t N, int64_t K)
{
    s->N = N;
    s->K = K;
    s->smooth = tmx__basek_smooth_part(N, K) == N;
    if (s->smooth) {
        tmx__basek_factor(N, K, &s->whole);
        s->L = 0;
        s->H = 0;
        s->period = s->whole.nf > 0 ? s->whole.nf : 1;
        return TMX_OK;
    }
    int p0 = 0;
    s->Kpow[0] = 1;
    while (s->Kpow[p0] <= N / K) {
        s->Kpow[p0 + 1] = s->Kpow[p0] * K;
        p0++;
    }
    int64_t rest = N, at = 0;
    s->L = 0;
    for (int q = p0; q >= 0; q--) {
        int64_t a = rest / s->Kpow[q];
        if (a == 0) continue;
        s->start[s->L] = at;
        s->size[s->L] = a * s->Kpow[q];
        s->a[s->L] = a;
        s->B[s->L] = s->Kpow[q];
        s->p[s->L] = q;
        s->L++;
        at += a * s->Kpow[q];
        rest -= a * s->Kpow[q];
    }
    if (s->L < 2 || s->p[0] < 1 || rest != 0) /* a single digit would make N K-smooth */
        return tmx__error(TMX_EINTERNAL, "base-k: bad base-%lld digits of n=%lld", (long long)K,
                          (long long)N);
    s->S[s->L] = 0;
    for (int l = s->L - 1; l >= 0; l--) s->S[l] = s->S[l + 1] + s->size[l];
    s->H = s->p[0] + (s->a[0] > 1);
    s->period = s->H + s->p[0] + 1;
    return TMX_OK;
}

/* Row emission: local node u is global node base + u·scale. */
typedef struct tmx__basek_out {
    tmx__builder *bd;
    int64_t base, scale;
} tmx__basek_out;

static void tmx__basek_put(const tmx__basek_out *o, int64_t u, double w)
{
    tmx__builder_push(o->bd, o->base + u * o->scale, w);
}

/* Row of local node u in the clique of f nodes at stride st (f ≤ 1: u alone). */
static void tmx__basek_clique(const tmx__basek_out *o, int64_t u, int64_t f, int64_t st)
{
    if (f <= 1) {
        tmx__basek_put(o, u, 1.0);
        return;
    }
    int64_t d = (u / st) % f;
    for (int64_t c = 0; c < f; c++) tmx__basek_put(o, u + (c - d) * st, 1.0 / (double)f);
}

/* Row of u in round r of HHC h (rounds repeat with period h->nf). */
static void tmx__basek_hhc_row(const tmx__basek_out *o, const tmx__basek_hhc *h, int64_t r,
                               int64_t u)
{
    if (h->nf == 0) {
        tmx__basek_put(o, u, 1.0);
        return;
    }
    r %= h->nf;
    tmx__basek_clique(o, u, h->f[r], h->stride[r]);
}

/* Row of u in round r of HHC(a K^p) with factors a (if a > 1), K, …, K (repeating). */
static void tmx__basek_block_row(const tmx__basek_out *o, const tmx__basek_simple *s, int64_t a,
                                 int p, int64_t r, int64_t u)
{
    int64_t len = p + (a > 1);
    if (len == 0) {
        tmx__basek_put(o, u, 1.0);
        return;
    }
    r %= len;
    if (a > 1) {
        if (r == 0)
            tmx__basek_clique(o, u, a, 1);
        else
            tmx__basek_clique(o, u, s->K, a * s->Kpow[r - 1]);
    } else {
        tmx__basek_clique(o, u, s->K, s->Kpow[r]);
    }
}

/* The block holding local node u (binary search on start). */
static int tmx__basek_block_of(const tmx__basek_simple *s, int64_t u)
{
    int lo = 0, hi = s->L - 1;
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (s->start[mid] <= u)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

/* The node of rank r among V_{>t} in the merge order (V_{L-1} first: block l holds ranks
 * [S[l+1], S[l])). */
static int64_t tmx__basek_ranked(const tmx__basek_simple *s, int t, int64_t r)
{
    int l = s->L - 1;
    while (l > t + 1 && r >= s->S[l]) l--;
    return s->start[l] + (r - s->S[l + 1]);
}

/* Row of local node u in round m of SB(N). */
static void tmx__basek_simple_row(const tmx__basek_out *o, const tmx__basek_simple *s, int64_t m,
                                  int64_t u)
{
    if (s->smooth) {
        tmx__basek_hhc_row(o, &s->whole, m, u);
        return;
    }
    int l = tmx__basek_block_of(s, u);
    int64_t off = u - s->start[l];
    tmx__basek_out blk = {o->bd, o->base + s->start[l] * o->scale, o->scale};
    if (m < s->H) { /* phase 1: block means */
        tmx__basek_block_row(&blk, s, s->a[l], s->p[l], m, off);
        return;
    }
    int64_t t64 = m - s->H;
    if (t64 < l) { /* merge round t: u is a high node, one partner in each sub-block of V_t */
        int t = (int)t64;
        int64_t r = s->S[l + 1] + off;
        double frac = (double)s->size[t] / (double)s->S[t];
        double w = frac / (double)s->a[t];
        tmx__basek_put(o, u, 1.0 - frac);
        for (int64_t q = 0; q < s->a[t]; q++)
            tmx__basek_put(o, s->start[t] + q * s->B[t] + (s->B[t] - 1 - r), w);
        return;
    }
    if (t64 == l && l != s->L - 1) { /* merge round l: u is in the low block */
        int64_t Bt = s->B[l], c = Bt - s->S[l + 1]; /* c unpaired nodes per sub-block */
        int64_t q = off / Bt, oo = off % Bt;
        if (oo >= c) {
            double w = (double)s->size[l] / (double)s->S[l] / (double)s->a[l];
            tmx__basek_put(o, u, 1.0 - w);
            tmx__basek_put(o, tmx__basek_ranked(s, l, Bt - 1 - oo), w);
            return;
        }
        /* unpaired: cliques of ≤ K consecutive unpaired nodes, sub-block after sub-block */
        int64_t idx = q * c + oo, lo = idx / s->K * s->K, hi = lo + s->K;
        if (hi > s->a[l] * c) hi = s->a[l] * c;
        if (hi - lo <= 1) {
            tmx__basek_put(o, u, 1.0);
            return;
        }
        for (int64_t x = lo; x < hi; x++)
            tmx__basek_put(&blk, (x / c) * Bt + x % c, 1.0 / (double)(hi - lo));
        return;
    }
    /* after its merge round: V_l's sub-blocks (or a last block below K) re-average */
    int64_t r = (l != s->L - 1) ? t64 - l - 1 : t64 - l;
    if (s->p[l] == 0) {
        tmx__basek_block_row(&blk, s, s->a[l], 0, r, off);
        return;
    }
    tmx__basek_out sub = {o->bd, blk.base + (off / s->B[l]) * s->B[l] * o->scale, o->scale};
    tmx__basek_clique(&sub, off % s->B[l], s->K, s->Kpow[r % s->p[l]]);
}

/* ---- public (internal) interface ------------------------------------------------------------ */

tmx_status tmx__basek_new(int64_t n, int64_t k, tmx__basek **out)
{
    tmx_status st = TMX_OK;
    tmx__basek *b = NULL;
    tmx__basek_simple *rest = NULL;
    if (!out) return tmx__error(TMX_EINVAL, "base-k: NULL output");
    *out = NULL;
    if (n < 1) return tmx__error(TMX_EINVAL, "base-k needs n >= 1, got n=%lld", (long long)n);
    if (k < 1) return tmx__error(TMX_EINVAL, "base-k needs k >= 1, got k=%lld", (long long)k);
    b = calloc(1, sizeof *b);
    rest = calloc(1, sizeof *rest);
    if (!b || !rest) {
        st = tmx__error(TMX_ENOMEM, "base-k: cannot allocate the schedule (n=%lld)", (long long)n);
        goto cleanup;
    }
    b->n = n;
    b->K = (n == 1 ? 1 : (k < n - 1 ? k : n - 1)) + 1;
    TMX_TRY(tmx__basek_simple_init(&b->simple, n, b->K));
    b->period = b->simple.period;
    b->npow = tmx__basek_smooth_part(n, b->K);
    b->nrest = n / b->npow;
    if (b->npow > 1 && b->nrest > 1) {
        tmx__basek_factor(b->npow, b->K, &b->across);
        TMX_TRY(tmx__basek_simple_init(rest, b->nrest, b->K));
        if (rest->period + b->across.nf <= b->simple.period) {
            b->split = 1;
            b->simple = *rest;
            b->PA = rest->period;
            b->period = rest->period + b->across.nf;
        }
    }
    *out = b;
    b = NULL;
cleanup:
    free(rest);
    free(b);
    return st;
}

int64_t tmx__basek_period(const tmx__basek *b) { return b ? b->period : 0; }

tmx_status tmx__basek_matrix(const tmx__basek *b, int64_t s, tmx_csr *W)
{
    tmx_status st = TMX_OK;
    tmx__builder bd = {0};
    if (!b || !W) return tmx__error(TMX_EINVAL, "base-k: NULL schedule or matrix");
    if (s < 0 || s >= b->period)
        return tmx__error(TMX_EINVAL, "base-k: step %lld outside the period [0, %lld)",
                          (long long)s, (long long)b->period);
    int64_t n = b->n, row = b->K < n ? b->K : n; /* entries per row, diagonal included */
    if (row > INT64_MAX / n)
        return tmx__error(TMX_ENOMEM, "base-k: n=%lld with %lld entries per row overflows",
                          (long long)n, (long long)row);
    TMX_TRY(tmx__builder_begin(&bd, W, n, n * row));
    for (int64_t i = 0; i < n; i++) {
        if (!b->split) {
            tmx__basek_out o = {&bd, 0, 1};
            tmx__basek_simple_row(&o, &b->simple, s, i);
        } else if (s < b->PA) { /* SB(nrest) inside group i / nrest */
            tmx__basek_out o = {&bd, (i / b->nrest) * b->nrest, 1};
            tmx__basek_simple_row(&o, &b->simple, s, i % b->nrest);
        } else { /* HHC(npow) across the class i mod nrest */
            tmx__basek_out o = {&bd, i % b->nrest, b->nrest};
            tmx__basek_hhc_row(&o, &b->across, s - b->PA, i / b->nrest);
        }
        tmx__builder_end_row(&bd);
    }
    TMX_TRY(tmx__builder_finish(&bd));
cleanup:
    if (st != TMX_OK) tmx__builder_abort(&bd);
    return st;
}

void tmx__basek_free(tmx__basek *b) { free(b); }
