/* topomix simulator — AD-PSGD, asynchronous decentralized parallel SGD (Lian et al. 2018;
 * docs/definitions.md §16): an event queue of gradient completions in simulated time.
 *
 * Worker i copies its model into its snapshot (column i of s->buf[BUF_V]) when it starts a gradient,
 * and computes that gradient over its own compute time c_i^(k) = tmx__clock_draw(s, i, k), k its local
 * step count: the gradient is due at due[i] = t_i + c_i^(k). The workers' completions are a binary
 * min-heap keyed by (due, node id), so equal times are taken in node order and a run depends on its
 * seed alone. At its completion, worker i
 *   1. averages atomically with one neighbour j drawn uniformly from the off-diagonal entries of row
 *      i of W^(k) (a counter-based hash of (seed, i, k): no generator state):
 *      x_i, x_j ← (x_i + x_j)/2, which costs i two messages, 2(α + S/B); j is not blocked (its
 *      own gradient goes on: in the paper a communication thread serves the average);
 *   2. applies its gradient, computed at the snapshot (stale when others averaged with it meanwhile):
 *      x_i ← x_i − γ g_i;
 *   3. starts its next gradient at t_i = due[i] + 2(α + S/B) from a fresh snapshot.
 * Since the gradient is a function of the snapshot and of (seed, i, k), it is evaluated at the
 * completion: the snapshots are the state a checkpoint needs. The pair average keeps the workers'
 * mean (both get the same rounded value); the gradient moves it by −γ g_i / n. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

/* The fourth hash word of the neighbour draws: apart from the minibatch slots and the clock's. */
#define NEIGHBOUR_SLOT UINT64_C(0x4e65696768000000) /* "Neigh" */

static int before(const tmx__async *a, int64_t x, int64_t y)
{
    return a->due[x] < a->due[y] || (a->due[x] == a->due[y] && x < y);
}

static void sift_down(tmx__async *a, int64_t n, int64_t q)
{
    int64_t *h = a->heap, v = h[q];
    for (;;) {
        int64_t c = 2 * q + 1;
        if (c >= n) break;
        if (c + 1 < n && before(a, h[c + 1], h[c])) c++;
        if (!before(a, h[c], v)) break;
        h[q] = h[c];
        q = c;
    }
    h[q] = v;
}

void tmx__adpsgd_heapify(tmx_sim *s)
{
    tmx__async *a = &s->as;
    for (int64_t i = 0; i < s->n; i++) a->heap[i] = i;
    for (int64_t q = s->n / 2; q-- > 0;) sift_down(a, s->n, q);
}

void tmx__adpsgd_free(tmx__async *a)
{
    free(a->heap);
    free(a->due);
    free(a->steps);
    free(a->updates);
    free(a->snapver);
    memset(a, 0, sizeof *a);
}

tmx_status tmx__adpsgd_init(tmx_sim *s)
{
    tmx__async *a = &s->as;
    size_t n = (size_t)s->n;
    a->heap = malloc(n * sizeof *a->heap);
    a->due = malloc(n * sizeof *a->due);
    a->steps = calloc(n, sizeof *a->steps);
    a->updates = calloc(n, sizeof *a->updates);
    a->snapver = calloc(n, sizeof *a->snapver);
    if (!a->heap || !a->due || !a->steps || !a->updates || !a->snapver)
        return tmx__error(TMX_ENOMEM, "sim: out of memory for AD-PSGD's event queue");
    s->be->copy(s, s->buf[BUF_V], s->buf[BUF_X], (size_t)s->p * n * s->esz); /* every worker starts at x_i(0) */
    for (int64_t i = 0; i < s->n; i++) a->due[i] = s->clk.t[i] + tmx__clock_draw(s, i, 0);
    tmx__adpsgd_heapify(s);
    return TMX_OK;
}

/* Unbiased index in [0, m) from a 64-bit hash (Lemire's multiply-shift). */
static int64_t index_of(uint64_t h, int64_t m)
{
    __extension__ typedef unsigned __int128 u128;
    return (int64_t)(((u128)h * (u128)(uint64_t)m) >> 64);
}

/* Worker i's partner for its k-th gradient: uniform over the off-diagonal nonzeros of row i of W
 * (the nodes i receives from); −1 when it has none at this step. */
static int64_t partner(const tmx_sim *s, const tmx_csr *W, int64_t i, int64_t k)
{
    int64_t deg = 0;
    for (int64_t e = W->rowptr[i]; e < W->rowptr[i + 1]; e++) deg += W->col[e] != i && W->val[e] != 0.0;
    if (deg == 0) return -1;
    int64_t pick = index_of(tmx__hash4(s->cfg.seed, (uint64_t)i, (uint64_t)k, NEIGHBOUR_SLOT), deg);
    for (int64_t e = W->rowptr[i]; e < W->rowptr[i + 1]; e++)
        if (W->col[e] != i && W->val[e] != 0.0 && pick-- == 0) return W->col[e];
    return -1; /* not reached */
}

/* x_i, x_j ← (x_i + x_j)/2 (j ≥ 0), then x_i ← x_i − γ g_i, then the snapshot v_i ← x_i; returns the
 * sum of squares of the columns written (non-finite when any entry is). The CPU backend's
 * event_update (the device backend has its own). */
double tmx__cpu_event_update(tmx_sim *s, int64_t i, int64_t j, double gamma)
{
    int64_t p = s->p;
    double sq = 0.0;
    if (s->f32) {
        float *xi = (float *)s->buf[BUF_X] + i * p, *vi = (float *)s->buf[BUF_V] + i * p;
        const float *g = (const float *)s->buf[BUF_G] + i * p, gam = (float)gamma;
        if (j >= 0) {
            float *xj = (float *)s->buf[BUF_X] + j * p;
            for (int64_t k = 0; k < p; k++) {
                float m = 0.5f * (xi[k] + xj[k]);
                xi[k] = xj[k] = m;
                sq += (double)m * m;
            }
        }
        for (int64_t k = 0; k < p; k++) {
            xi[k] -= gam * g[k];
            sq += (double)xi[k] * xi[k];
        }
        memcpy(vi, xi, (size_t)p * sizeof *vi);
    } else {
        double *xi = (double *)s->buf[BUF_X] + i * p, *vi = (double *)s->buf[BUF_V] + i * p;
        const double *g = (const double *)s->buf[BUF_G] + i * p;
        if (j >= 0) {
            double *xj = (double *)s->buf[BUF_X] + j * p;
            for (int64_t k = 0; k < p; k++) {
                double m = 0.5 * (xi[k] + xj[k]);
                xi[k] = xj[k] = m;
                sq += m * m;
            }
        }
        for (int64_t k = 0; k < p; k++) {
            xi[k] -= gamma * g[k];
            sq += xi[k] * xi[k];
        }
        memcpy(vi, xi, (size_t)p * sizeof *vi);
    }
    return sq;
}

tmx_status tmx__adpsgd_step(tmx_sim *s)
{
    tmx__async *a = &s->as;
    tmx__clock *clk = &s->clk;
    int64_t n = s->n;
    double gamma = tmx__lr_at(s, s->iter), comm = 2.0 * clk->msg, sq = 0.0;
    double model_bytes = (double)s->p * (double)s->esz;
    for (int64_t e = 0; e < n; e++) {
        int64_t i = a->heap[0], k = a->steps[i];
        double now = a->due[i];
        const tmx_csr *W = NULL;
        int64_t msgs;
        tmx_status st = tmx__weights_at(s, k, &W, &msgs);
        if (st != TMX_OK) return st;
        int64_t j = partner(s, W, i, k);
        tmx__grad_one(s, i, s->buf[BUF_V], s->buf[BUF_G], k); /* at the snapshot: stale */
        sq += s->be->event_update(s, i, j, gamma);
        a->stale_sum += a->updates[i] - a->snapver[i];
        clk->compute += tmx__clock_draw(s, i, k); /* due[i] − t_i, without the rounding of a difference */
        if (j >= 0) {
            a->updates[j]++;
            s->gossip_rounds++; /* for adpsgd: pairwise averages */
            s->messages += 2;
            s->bytes += 2.0 * model_bytes;
            clk->comm += comm;
            now += comm;
        }
        a->snapver[i] = a->updates[i];
        a->steps[i] = k + 1;
        a->events++;
        clk->t[i] = now;
        a->due[i] = now + tmx__clock_draw(s, i, k + 1);
        sift_down(a, n, 0);
    }
    s->iter++;
    if (!isfinite(sq))
        return tmx__error(TMX_ENOCONV, "the state holds NaN or Inf after iteration %lld (lower --lr?)", (long long)s->iter);
    return TMX_OK;
}
