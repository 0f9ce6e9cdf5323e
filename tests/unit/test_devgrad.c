/* The device backend's gradients (sim/device/gradients.cpp) against the CPU backend's: the device
 * hash and Lemire index against tmx__hash4; for the three problems in f64 and f32, full batch and
 * B ∈ {1, 7, 300} (300 spans two of the CPU's 256-row chunks), adapt on and off, ‖g‖² on and off,
 * all workers or a middle range of them, in one group of agents or one and two at a time, over shards
 * of 1 to 300 rows, d = 1 to 300 (tails of the host tiles), MLP hidden 1-5 and 2-4 classes.
 *
 * Tolerances. f64: 1e-13 · ‖g_i‖∞ per worker — the kernels repeat problem.c's operations in its
 * order but for the dot products over d (SIMD partial sums on the CPU, eight interleaved ones on the
 * device), whose differences are a few ulps (measured: below 1e-14 · ‖g_i‖∞).
 * f32, linear models, per coordinate k of worker i (u = 2⁻²⁴, γ_j = j·u/(1 − j·u), first order in u,
 * applied with a factor 2 for the second-order terms): both sides round each margin z_q = a_qᵀx to
 * within γ_d S_q, S_q = Σ_k |a_qk x_k|; ℓ' moves by at most L·|Δz| (L = 1 for lsq-nc, 1/4 for
 * logreg-nc, |σ'| ≤ 1/4) plus 8u|ℓ'| of rounding per side (expf, the add, the division, the weight);
 * the batch sum Σ_q c_q a_qk runs in the same order on both sides, each within γ_{Q+1} Σ_q |c_q a_qk|;
 * the regulariser's add and the local step add 2u of their results. So
 *   |Δg_k| ≤ Σ_q w_q (2L γ_d S_q + 16u |ℓ'_q|) |a_qk| + 2γ_{Q+1} Σ_q w_q |ℓ'_q a_qk| + 2u|g_k| + 4u|r_k|,
 * with r the regulariser's gradient.
 * f32 MLP: each chunk of ≤ 256 rows is summed in double (≈1e-13 apart), rounded to float and added in
 * float in the same order, so with M_k = Σ_chunks |chunk sum_k| (computed here from the CPU's own
 * double kernel) |Δg_k| ≤ 2u(1 + chunks)·M_k + 1e-12·M_k + 2u|g_k| + 4u|r_k|. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <topomix/topomix.h>

#include "device/gradients.h"
#include "sim_internal.h"
#include "sim_rig.h"

#define U32 0x1p-24

#ifndef TMX_DEVGRAD_CUDA /* set by tests/meson.build */
#define TMX_DEVGRAD_CUDA 0
#endif

__extension__ typedef unsigned __int128 u128;

static int64_t lemire(uint64_t h, int64_t m) { return (int64_t)(((u128)h * (u128)(uint64_t)m) >> 64); }

/* splitmix64 stream for test inputs */
static uint64_t rnd(uint64_t *st) { return tmx__mix64((*st)++); }
static double unif(uint64_t *st) { return (double)(rnd(st) >> 11) * 0x1p-53 * 2.0 - 1.0; }

/* A cuda build on a machine without a GPU has nothing to run the kernels on: skip, naming why. */
static void need_device(void)
{
    uint64_t w[4] = {1, 2, 3, 4}, h;
    int64_t m = 1, idx;
    if (TMX_DEVGRAD_CUDA && tmx__devgrad_hash(w, &m, 1, &h, &idx) != 0) cr_skip_test("no usable CUDA device");
}

/* ---- a CPU simulation over a hand-made partition, and its host view for the device ---- */

typedef struct setup {
    tmx_dataset ds;
    tmx_partition P;
    tmx_topo *topo;
    tmx_sim *s;
    tmx__devgrad_host h;
} setup;

/* n shards of the given sizes, each a scattered set of rows (order is a permutation of the m rows) */
static void setup_new(setup *u, tmx_problem_kind kind, int f32, int64_t d, const int64_t *sizes, int64_t n,
                      int64_t batch, int64_t hidden, int64_t nclass)
{
    need_device();
    memset(u, 0, sizeof *u);
    int64_t m = 0;
    for (int64_t i = 0; i < n; i++) m += sizes[i];
    cr_assert(m < 7919, "the permutation below needs m < 7919");
    tmx_synth_params sp;
    tmx_synth_params_init(&sp);
    sp.shards = 1;
    sp.per_shard = m;
    sp.d = d;
    sp.seed = 5;
    sp.hetero = 0.5;
    sp.mode = kind == TMX_PROB_LOGREG_NC ? TMX_LABELS_BINARY : kind == TMX_PROB_LSQ_NC ? TMX_LABELS_RAW : TMX_LABELS_CLASSES;
    sp.nclass = kind == TMX_PROB_MLP ? nclass : 0;
    cr_assert_eq(tmx_data_synth(&sp, &u->ds), TMX_OK, "%s", tmx_last_error());
    rig_partition(&u->P, n, sizes, 0, 1);
    tmx_topo_params tp;
    tmx_topo_params_init(&tp);
    tp.n = n;
    cr_assert_eq(tmx_topo_new("ring", &tp, &u->topo), TMX_OK, "%s", tmx_last_error());
    tmx_sim_config cfg;
    tmx_sim_config_init(&cfg);
    cfg.problem = kind;
    cfg.batch = batch;
    cfg.hidden = hidden;
    cfg.reg = 0.05; /* large enough that a wrong regulariser shows */
    cfg.seed = 11;
    cfg.precision = f32 ? TMX_PREC_F32 : TMX_PREC_F64;
    cr_assert_eq(tmx_sim_new(&cfg, u->topo, &u->ds, &u->P, &u->s), TMX_OK, "%s", tmx_last_error());
    tmx_sim *s = u->s;
    u->h = (tmx__devgrad_host){.kind = (int)s->pb.kind, .m = u->ds.m, .d = u->ds.d, .p = s->p,
                               .hidden = s->pb.hidden, .nclass = s->pb.nclass, .n = s->n, .batch = s->cfg.batch,
                               .reg = s->pb.reg, .seed = s->cfg.seed, .A = u->ds.A, .Af = s->Af, .y = u->ds.y,
                               .order = u->P.order, .start = u->P.start};
}

static void setup_free(setup *u)
{
    tmx_sim_free(u->s);
    tmx_topo_free(u->topo);
    tmx_partition_destroy(&u->P);
    tmx_dataset_destroy(&u->ds);
}

/* The CPU's rows of worker i at `counter` (backend_cpu.c's grad_agent); returns their number. */
static int64_t cpu_rows(const tmx_sim *s, int64_t i, int64_t counter, int64_t *rows)
{
    const int64_t *shard = s->P->order + s->P->start[i];
    int64_t mi = s->P->start[i + 1] - s->P->start[i], B = s->cfg.batch;
    if (!B) {
        memcpy(rows, shard, sizeof(int64_t) * (size_t)mi);
        return mi;
    }
    for (int64_t q = 0; q < B; q++)
        rows[q] = shard[lemire(tmx__hash4(s->cfg.seed, (uint64_t)i, (uint64_t)counter, (uint64_t)q), mi)];
    return B;
}

/* tol (p doubles) ← the f32 bound of the header comment for worker i with gradient g (double copy) */
static void f32_bound(const tmx_sim *s, int64_t i, int64_t counter, const float *x, const double *g, double *tol)
{
    int64_t p = s->p, d = s->D->d, B = s->cfg.batch, mi = s->P->start[i + 1] - s->P->start[i];
    int64_t *rows = malloc(sizeof(int64_t) * (size_t)(B ? B : mi));
    double *xd = malloc(sizeof(double) * (size_t)p), *M = calloc((size_t)p, sizeof(double));
    cr_assert(rows && xd && M);
    int64_t Q = cpu_rows(s, i, counter, rows);
    for (int64_t k = 0; k < p; k++) xd[k] = x[k];
    if (s->pb.kind == TMX_PROB_MLP) {
        double *gc = malloc(sizeof(double) * (size_t)p), *ws = malloc(sizeof(double) * (size_t)tmx__problem_ws(&s->pb));
        cr_assert(gc && ws);
        int64_t chunks = 0;
        for (int64_t b0 = 0; b0 < Q; b0 += 256, chunks++) {
            int64_t cnt = Q - b0 < 256 ? Q - b0 : 256;
            memset(gc, 0, sizeof(double) * (size_t)p);
            tmx__problem_grad(&s->pb, xd, rows + b0, cnt, B ? (double)cnt / (double)B : 1.0, gc, ws);
            for (int64_t k = 0; k < p; k++) M[k] += fabs(gc[k]);
        }
        for (int64_t k = 0; k < p; k++) tol[k] = (2.0 * U32 * (double)(1 + chunks) + 1e-12) * M[k];
        free(gc);
        free(ws);
    } else {
        double L = s->pb.kind == TMX_PROB_LSQ_NC ? 1.0 : 0.25;
        double gd = (double)d * U32 / (1.0 - (double)d * U32), gq = (double)(Q + 1) * U32 / (1.0 - (double)(Q + 1) * U32);
        for (int64_t k = 0; k < p; k++) tol[k] = 0.0;
        for (int64_t q = 0; q < Q; q++) {
            const float *a = s->Af + rows[q] * d;
            double z = 0.0, S = 0.0, b = s->D->y[rows[q]];
            for (int64_t k = 0; k < d; k++) z += (double)a[k] * xd[k], S += fabs((double)a[k] * xd[k]);
            double dl = s->pb.kind == TMX_PROB_LOGREG_NC ? -b / (1.0 + exp(b * z)) : z - b;
            double w = B ? 1.0 / (double)B : 1.0 / (double)mi;
            for (int64_t k = 0; k < d; k++)
                tol[k] += w * fabs((double)a[k]) * (2.0 * L * gd * S + 16.0 * U32 * fabs(dl) + 2.0 * gq * fabs(dl));
        }
        for (int64_t k = 0; k < p; k++) tol[k] *= 2.0; /* the second-order terms */
    }
    for (int64_t k = 0; k < p; k++) {
        double r = 2.0 * s->pb.reg * xd[k] / ((1.0 + xd[k] * xd[k]) * (1.0 + xd[k] * xd[k]));
        tol[k] += 2.0 * U32 * fabs(g[k]) + 4.0 * U32 * fabs(r);
    }
    free(rows);
    free(xd);
    free(M);
}

static double col(const tmx_sim *s, const void *V, int64_t i, int64_t k)
{
    return s->f32 ? (double)((const float *)V)[i * s->p + k] : ((const double *)V)[i * s->p + k];
}

/* One comparison: workers [i0, i1) at `counter`, with or without the local step and ‖g‖². */
static void check(setup *u, int64_t counter, int adapt, int want_norm, int64_t i0, int64_t i1, int64_t group)
{
    tmx_sim *s = u->s;
    int64_t p = s->p, n = s->n;
    size_t cells = (size_t)(p * n), bytes = cells * s->esz;
    const double gamma = 0.375;
    void *X = malloc(bytes), *Gc = malloc(bytes), *Gca = malloc(bytes), *Gd = malloc(bytes), *G0 = malloc(bytes);
    double *tol = malloc(sizeof(double) * (size_t)p), *gi = malloc(sizeof(double) * (size_t)p);
    cr_assert(X && Gc && Gca && Gd && G0 && tol && gi);
    uint64_t st = 1000 + (uint64_t)counter;
    double amp = s->pb.kind == TMX_PROB_MLP ? 0.5 : 0.3;
    for (size_t q = 0; q < cells; q++) {
        double v = amp * unif(&st), sentinel = 7.0 + (double)q;
        if (s->f32)
            ((float *)X)[q] = (float)v, ((float *)G0)[q] = (float)sentinel;
        else
            ((double *)X)[q] = v, ((double *)G0)[q] = sentinel;
    }
    double mean_cpu = 0.0, nd = -1.0;
    tmx__cpu_backend.gradients(s, X, Gc, counter, 0, 0.0, &mean_cpu);
    tmx__cpu_backend.gradients(s, X, Gca, counter, 1, gamma, NULL);
    memcpy(Gd, G0, bytes);
    cr_assert_eq(tmx__devgrad_run(&u->h, s->f32, X, Gd, counter, adapt, gamma, i0, i1, want_norm, group, &nd), 0,
                 "the device run failed");
    /* columns outside [i0, i1) come back untouched */
    cr_assert(i0 == 0 || memcmp(Gd, G0, (size_t)(i0 * p) * s->esz) == 0, "columns before i0 were written");
    cr_assert(i1 == n || memcmp((char *)Gd + (size_t)(i1 * p) * s->esz, (char *)G0 + (size_t)(i1 * p) * s->esz,
                                (size_t)((n - i1) * p) * s->esz) == 0, "columns after i1 were written");
    double sum_cpu = 0.0, sum_tol = 0.0;
    for (int64_t i = i0; i < i1; i++) {
        double gmax = 0.0;
        for (int64_t k = 0; k < p; k++) {
            gi[k] = col(s, Gc, i, k);
            gmax = fmax(gmax, fabs(gi[k]));
            sum_cpu += gi[k] * gi[k];
        }
        if (s->f32)
            f32_bound(s, i, counter, (const float *)X + i * p, gi, tol);
        else
            for (int64_t k = 0; k < p; k++) tol[k] = 1e-13 * gmax;
        for (int64_t k = 0; k < p; k++) {
            double want = adapt ? col(s, Gca, i, k) : gi[k], got = col(s, Gd, i, k);
            double t = adapt ? gamma * tol[k] + 2.0 * (s->f32 ? U32 : 0x1p-53) * fabs(want) : tol[k];
            cr_assert(fabs(got - want) <= t,
                      "%s %s B=%lld counter=%lld adapt=%d worker %lld coordinate %lld: device %.17g, cpu %.17g "
                      "(|diff| %.3g > %.3g)",
                      tmx_problem_name(s->pb.kind), s->f32 ? "f32" : "f64", (long long)s->cfg.batch,
                      (long long)counter, adapt, (long long)i, (long long)k, got, want, fabs(got - want), t);
            sum_tol += (2.0 * fabs(gi[k]) + tol[k]) * tol[k];
        }
    }
    if (!want_norm) {
        cr_assert_eq(nd, 0.0, "no norm asked, got %g", nd);
    } else {
        cr_assert(fabs(nd - sum_cpu) <= sum_tol + 1e-13 * sum_cpu, "sum of ‖g_i‖²: device %.17g, cpu %.17g", nd, sum_cpu);
        if (i0 == 0 && i1 == n)
            cr_assert(fabs(nd - mean_cpu * (double)n) <= sum_tol + 1e-13 * sum_cpu,
                      "sum of ‖g_i‖²: device %.17g, cpu backend %.17g", nd, mean_cpu * (double)n);
    }
    free(X);
    free(Gc);
    free(Gca);
    free(Gd);
    free(G0);
    free(tol);
    free(gi);
}

/* Every batch (full, 1, 7, 300), adapt and norm combination over all workers, then a middle range. */
static void sweep(tmx_problem_kind kind, int f32, int64_t d, const int64_t *sizes, int64_t n, int64_t hidden,
                  int64_t nclass)
{
    const int64_t batches[] = {0, 1, 7, 300};
    for (int b = 0; b < 4; b++) {
        setup u;
        setup_new(&u, kind, f32, d, sizes, n, batches[b], hidden, nclass);
        for (int adapt = 0; adapt < 2; adapt++)
            for (int want = 0; want < 2; want++) check(&u, 3 + 2 * adapt + want, adapt, want, 0, n, 0);
        check(&u, 41, 1, 1, 1, n - 1, 0);
        check(&u, 42, 0, 1, n - 1, n, 0);
        /* the passes one and two agents at a time, as the host system runs large rows */
        check(&u, 43, 1, 1, 0, n, 1);
        check(&u, 44, 0, 0, 1, n, 2);
        setup_free(&u);
    }
}

/* a 1-row shard, d = 1 */
static const int64_t tiny[] = {1, 2, 9, 40, 3};
/* a shard of 300 rows (the full batch spans two chunks too), a 1-row one */
static const int64_t wide[] = {1, 300, 17, 64};
/* d = 300 */
static const int64_t deep[] = {50, 1, 20};

#define PROBLEM_TESTS(NAME, KIND)                                                                         \
    Test(devgrad, NAME##_f64) {                                                                           \
        sweep(KIND, 0, 1, tiny, 5, 1, 2);                                                                 \
        sweep(KIND, 0, 37, wide, 4, 5, 4);                                                                \
        sweep(KIND, 0, 300, deep, 3, 3, 3);                                                               \
    }                                                                                                     \
    Test(devgrad, NAME##_f32) {                                                                           \
        sweep(KIND, 1, 1, tiny, 5, 1, 2);                                                                 \
        sweep(KIND, 1, 37, wide, 4, 5, 4);                                                                \
        sweep(KIND, 1, 300, deep, 3, 3, 3);                                                               \
    }

PROBLEM_TESTS(logreg, TMX_PROB_LOGREG_NC)
PROBLEM_TESTS(lsq, TMX_PROB_LSQ_NC)
PROBLEM_TESTS(mlp, TMX_PROB_MLP)

Test(devgrad, hash_and_index_match_the_cpu)
{
    enum { COUNT = 20000 };
    need_device();
    uint64_t *w = malloc(sizeof(uint64_t) * 4 * COUNT), *h = malloc(sizeof(uint64_t) * COUNT), st = 77;
    int64_t *m = malloc(sizeof(int64_t) * COUNT), *idx = malloc(sizeof(int64_t) * COUNT);
    cr_assert(w && h && m && idx);
    const int64_t ms[] = {1, 2, 3, 255, 256, 1000003, (int64_t)1 << 31, ((int64_t)1 << 62) + 12345, INT64_MAX};
    for (int q = 0; q < COUNT; q++) {
        for (int j = 0; j < 4; j++) /* small words, as (seed, agent, counter, slot) are, and full 64-bit ones */
            w[4 * q + j] = q % 3 == 0 ? rnd(&st) % 1000 : q % 3 == 1 ? rnd(&st) : ~(rnd(&st) % 4);
        m[q] = q % 2 ? ms[q / 2 % 9] : 1 + (int64_t)(rnd(&st) % 100000);
    }
    cr_assert_eq(tmx__devgrad_hash(w, m, COUNT, h, idx), 0, "the device run failed");
    for (int q = 0; q < COUNT; q++) {
        uint64_t want = tmx__hash4(w[4 * q], w[4 * q + 1], w[4 * q + 2], w[4 * q + 3]);
        cr_assert_eq(h[q], want, "hash %d: device %llx, cpu %llx", q, (unsigned long long)h[q], (unsigned long long)want);
        cr_assert_eq(idx[q], lemire(want, m[q]), "index %d", q);
        cr_assert(idx[q] >= 0 && idx[q] < m[q]);
    }
    free(w);
    free(h);
    free(m);
    free(idx);
}

Test(devgrad, an_empty_range_does_nothing)
{
    setup u;
    setup_new(&u, TMX_PROB_LSQ_NC, 0, 3, tiny, 5, 4, 1, 2);
    double X[15], G[15], G0[15], nd = -1.0;
    for (int q = 0; q < 15; q++) X[q] = q, G[q] = G0[q] = -q;
    cr_assert_eq(tmx__devgrad_run(&u.h, 0, X, G, 1, 0, 0.0, 2, 2, 1, 0, &nd), 0);
    cr_assert_eq(nd, 0.0);
    cr_assert(memcmp(G, G0, sizeof G) == 0);
    setup_free(&u);
}
