/* topomix simulator — SGP, stochastic gradient push (Assran et al. 2019, Algorithm 1;
 * docs/definitions.md §20): push-sum gossip of the models and of one scalar weight per agent over a
 * column-stochastic W^(k), which need not be row stochastic (directed graphs, --weights push).
 *
 * Agent i holds the numerator x_i (s->buf[BUF_X]) and the push-sum weight w_i (w_i(0) = 1); its
 * model is the de-biased z_i = x_i / w_i (s->ps.Z), where its gradient is taken and the metrics are
 * evaluated. One step, with g_i the stochastic gradient of f_i at z_i:
 *     x_i ← Σ_j w_ij (x_j − γ g_j),   w_i ← Σ_j w_ij w_j,   z_i ← x_i / w_i.
 * engine.c's step computes the gradients and the first line (its fused gossip kernel: agent j
 * pushes w_ij (x_j − γ g_j) to each out-neighbour i); this room keeps the weights and the de-biased
 * models. Column sums 1 keep Σ_i x_i (moved by −γ Σ_i g_i) and Σ_i w_i = n; for a strongly connected
 * W with a positive diagonal, w → n·(Perron vector) and every z_i → the true average (1/n) Σ_j x_j,
 * where plain D-SGD would drift to the Perron-weighted point. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

void tmx__sgp_free(tmx_sim *s, tmx__push *q)
{
    if (q->Z) s->be->release(s, q->Z);
    free(q->w);
    free(q->wnext);
    memset(q, 0, sizeof *q);
}

/* Z ← X / w, column by column (z_i = x_i / w_i, a true division, in the state's precision): the CPU
 * backend's debias. */
void tmx__cpu_debias(tmx_sim *s, const void *X, void *Z, const double *w)
{
    int64_t p = s->p, N = s->N;
    if (s->f32) {
        const float *x = X;
        float *z = Z;
#pragma omp parallel for schedule(static) if (p * N > 65536)
        for (int64_t i = 0; i < N; i++)
            for (int64_t k = 0; k < p; k++) z[i * p + k] = (float)((double)x[i * p + k] / w[i]);
    } else {
        const double *x = X;
        double *z = Z;
#pragma omp parallel for schedule(static) if (p * N > 65536)
        for (int64_t i = 0; i < N; i++)
            for (int64_t k = 0; k < p; k++) z[i * p + k] = x[i * p + k] / w[i];
    }
}

/* z ← x / w on the backend (w uploaded: N doubles). */
void tmx__sgp_debias(tmx_sim *s) { s->be->debias(s, s->buf[BUF_X], s->ps.Z, s->ps.w); }

tmx_status tmx__sgp_init(tmx_sim *s)
{
    tmx__push *q = &s->ps;
    size_t N = (size_t)s->N;
    q->w = malloc(N * sizeof *q->w);
    q->wnext = malloc(N * sizeof *q->wnext);
    q->Z = s->be->alloc(s, tmx__mul_size((size_t)s->p * (size_t)s->ncols, s->esz)); /* this rank's columns */
    if (!q->w || !q->wnext || !q->Z) {
        tmx__sgp_free(s, q);
        return tmx__error(TMX_ENOMEM, "sim: out of memory for SGP's de-biased models (%lld x %lld)", (long long)s->N,
                          (long long)s->p);
    }
    for (size_t i = 0; i < N; i++) q->w[i] = 1.0;
    tmx__sgp_debias(s); /* z_i(0) = x_i(0) */
    return TMX_OK;
}

/* After the gossip of the numerators with W: w ← W w, then z ← x / w. */
void tmx__sgp_update(tmx_sim *s, const tmx_csr *W)
{
    tmx__push *q = &s->ps;
    tmx_csr_matvec(W, q->w, q->wnext);
    double *t = q->w;
    q->w = q->wnext;
    q->wnext = t;
    tmx__sgp_debias(s);
}
