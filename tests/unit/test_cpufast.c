/* The CPU backend's fast paths for many agents and short rows (docs/performance.md §4.3–§4.4)
 * against its reference paths:
 *   - the gradients as a stream (short rows inlined, long rows through problem.c's kernels, rows
 *     prefetched ahead) against grad_agent, agent by agent: bit for bit, since both run the same
 *     operations in the same order (lsq-nc and logreg-nc, f64 and f32, d = 1 to 300 across the
 *     inlined / long-row / per-agent limits, B = 1 to 32, small contiguous shards and scattered
 *     ones, adapt on and off, one block and several per thread);
 *   - the gossip over agents (p < 128) against an exact long-double evaluation of
 *     out_i = Σ_j w_ij (x_j − γ g_j): each entry is a recursive sum of deg_i + 1 ≤ 4 rounded terms,
 *     so |out − exact| ≤ γ_8 · Σ_j |w_ij| (|x_j| + |γ g_j|) (γ_k = k·u/(1 − k·u), u the unit roundoff
 *     of the state's type, with room for the product and the difference); the statistics: without
 *     consensus control the sum of squares alone (consensus NaN), with it the consensus distance
 *     too, both to 1e-12 relative of the exact sums of the output (they are summed in double);
 *   - the coordinate blocks that MPI chains the statistics over: one block of p below 128. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <topomix/topomix.h>

#include "sim_internal.h"
#include "sim_mpi.h"
#include "sim_rig.h"

static uint64_t next_u64(uint64_t *st) /* splitmix64 */
{
    uint64_t z = (*st += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double unit_rand(uint64_t *st) { return (double)(next_u64(st) >> 11) * 0x1p-53 * 2.0 - 1.0; }

/* n agents with mi rows each of dimension d; scattered: the rows of a shard are spread over the data
 * (else contiguous); the ring; the given problem, precision, batch and consensus control. */
static void setup_new(rig *u, tmx_problem_kind kind, int f32, int64_t d, int64_t n, int64_t mi, int scattered,
                      int64_t batch, tmx_control control)
{
    memset(u, 0, sizeof *u);
    tmx_synth_params sp;
    tmx_synth_params_init(&sp);
    sp.shards = n;
    sp.per_shard = mi;
    sp.d = d;
    sp.seed = 7;
    sp.hetero = 0.5;
    sp.mode = kind == TMX_PROB_LOGREG_NC ? TMX_LABELS_BINARY : TMX_LABELS_RAW;
    cr_assert_eq(tmx_data_synth(&sp, &u->ds), TMX_OK, "%s", tmx_last_error());
    rig_partition(&u->P, n, NULL, mi, scattered);
    rig_topo(u, "ring", n);
    tmx_sim_config cfg;
    tmx_sim_config_init(&cfg);
    cfg.problem = kind;
    cfg.batch = batch;
    cfg.reg = 0.05;
    cfg.seed = 11;
    cfg.precision = f32 ? TMX_PREC_F32 : TMX_PREC_F64;
    cfg.control = control;
    cfg.control_factor = 0.5;
    cr_assert_eq(tmx_sim_new(&cfg, u->topo, &u->ds, &u->P, &u->s), TMX_OK, "%s", tmx_last_error());
}

static void fill(const tmx_sim *s, void *X, uint64_t seed, double scale)
{
    uint64_t st = seed;
    for (int64_t q = 0; q < s->p * s->N; q++) {
        double v = scale * unit_rand(&st);
        if (s->f32) ((float *)X)[q] = (float)v;
        else ((double *)X)[q] = v;
    }
}

/* The backend's gradients of every agent against grad_agent's, bit for bit. */
static void grad_case(tmx_problem_kind kind, int f32, int64_t d, int64_t n, int64_t mi, int scattered, int64_t B)
{
    rig u;
    setup_new(&u, kind, f32, d, n, mi, scattered, B, TMX_CONTROL_NONE);
    tmx_sim *s = u.s;
    /* the stream reads a contiguous partition's rows without its order: both kinds are covered */
    cr_assert_eq(s->order_id, !scattered, "the partition's identity order was %sdetected", s->order_id ? "" : "not ");
    size_t bytes = (size_t)(s->p * s->N) * s->esz;
    void *X = malloc(bytes), *G = malloc(bytes), *R = malloc(bytes);
    cr_assert(X && G && R);
    fill(s, X, 1000 + (uint64_t)d, 0.7);
    for (int adapt = 0; adapt < 2; adapt++)
        for (int64_t counter = 0; counter < 3; counter += 2) {
            memset(G, 0x5a, bytes);
            s->be->gradients(s, X, G, counter, adapt, 0.3, NULL);
            for (int64_t i = 0; i < n; i++) tmx__cpu_grad_agent(s, i, X, R, counter, adapt, 0.3, 0);
            for (int64_t i = 0; i < n; i++) {
                size_t off = (size_t)(i * s->p) * s->esz, len = (size_t)s->p * s->esz;
                cr_assert(memcmp((char *)G + off, (char *)R + off, len) == 0,
                          "%s %s d=%lld n=%lld m_i=%lld %s B=%lld adapt=%d counter=%lld: agent %lld differs from grad_agent",
                          kind == TMX_PROB_LSQ_NC ? "lsq-nc" : "logreg-nc", f32 ? "f32" : "f64", (long long)d,
                          (long long)n, (long long)mi, scattered ? "scattered" : "contiguous", (long long)B, adapt,
                          (long long)counter, (long long)i);
            }
        }
    free(X);
    free(G);
    free(R);
    rig_free(&u);
}

Test(cpufast, gradient_stream_matches_grad_agent)
{
    /* d × element size around 512 B (inlined), 2 KiB (long rows) and beyond (grad_agent) */
    static const int64_t ds[] = {1, 7, 10, 13, 64, 65, 100, 255, 256, 300};
    static const int64_t Bs[] = {1, 3, 4, 8, 32};
    for (int kind = 0; kind < 2; kind++)
        for (int f32 = 0; f32 < 2; f32++)
            for (size_t a = 0; a < sizeof ds / sizeof *ds; a++)
                for (size_t b = 0; b < sizeof Bs / sizeof *Bs; b++) {
                    int64_t d = ds[a], B = Bs[b];
                    /* enough agents for several stream blocks where rows are short (blocks of
                     * ≥ 256 agents and ~64k multiply-adds), fewer for long rows */
                    int64_t n = d <= 16 ? 3000 : d <= 100 ? 600 : 120;
                    tmx_problem_kind k = kind ? TMX_PROB_LOGREG_NC : TMX_PROB_LSQ_NC;
                    grad_case(k, f32, d, n, 10, 0, B);
                    if (b % 2 == 0) grad_case(k, f32, d, n, 37, 1, B); /* scattered, larger shards */
                }
}

/* One gossip over the ring against the exact sums (see the top of this file). */
static void gossip_case(int f32, int64_t p, int64_t n, tmx_control control, int with_g)
{
    rig u;
    setup_new(&u, TMX_PROB_LSQ_NC, f32, p, n, 2, 0, 1, control);
    tmx_sim *s = u.s;
    cr_assert_eq(s->p, p);
    size_t cells = (size_t)(p * s->N), bytes = cells * s->esz;
    void *X = malloc(bytes), *G = malloc(bytes), *O = malloc(bytes);
    cr_assert(X && G && O);
    fill(s, X, 77, 1.0);
    fill(s, G, 78, 2.0);
    const double gamma = 0.1;
    const tmx_csr *W = &s->Wcache[0];
    mix_stats st;
    tmx__cpu_mix_range(s, W, X, with_g ? G : NULL, gamma, O, s->N, s->n, &st);
    double u_ = f32 ? 0x1p-24 : 0x1p-53, g8 = 8.0 * u_ / (1.0 - 8.0 * u_);
    long double sq = 0.0L, cons = 0.0L;
    long double *mean = calloc((size_t)p, sizeof *mean);
    cr_assert(mean);
    for (int64_t i = 0; i < n; i++)
        for (int64_t r = 0; r < p; r++) mean[r] += s->f32 ? ((float *)O)[i * p + r] : ((double *)O)[i * p + r];
    for (int64_t r = 0; r < p; r++) mean[r] /= n;
    for (int64_t i = 0; i < n; i++)
        for (int64_t r = 0; r < p; r++) {
            long double ex = 0.0L, mag = 0.0L;
            for (int64_t e = W->rowptr[i]; e < W->rowptr[i + 1]; e++) {
                int64_t j = W->col[e];
                double x = f32 ? ((float *)X)[j * p + r] : ((double *)X)[j * p + r];
                double g = !with_g ? 0.0 : f32 ? ((float *)G)[j * p + r] : ((double *)G)[j * p + r];
                double gg = f32 ? (double)((float)gamma * (float)g) : gamma * g; /* γg as the kernel rounds it */
                ex += (long double)W->val[e] * ((long double)x - (long double)gg);
                mag += fabsl((long double)W->val[e]) * (fabsl((long double)x) + fabsl((long double)gg));
            }
            double o = f32 ? ((float *)O)[i * p + r] : ((double *)O)[i * p + r];
            cr_assert(fabsl((long double)o - ex) <= g8 * mag + 1e-300,
                      "%s p=%lld n=%lld%s: entry (%lld, %lld) = %.17g, exact %.17Lg (bound %.3Lg)", f32 ? "f32" : "f64",
                      (long long)p, (long long)n, with_g ? " with g" : "", (long long)i, (long long)r, o, ex, g8 * mag);
            sq += (long double)o * o;
            long double dv = (long double)o - mean[r];
            cons += dv * dv;
        }
    cr_assert(fabsl((long double)st.sumsq - sq) <= 1e-12L * sq, "p=%lld n=%lld: sum of squares %.17g vs %.17Lg",
              (long long)p, (long long)n, st.sumsq, sq);
    if (control == TMX_CONTROL_NONE) {
        cr_assert(isnan(st.consensus) || p >= 128, "p=%lld: no consensus control, yet a consensus distance", (long long)p);
    } else {
        /* the mean in the state's type (its error enters squared): 1e-12 in f64, f32's own rounding */
        long double c = cons / n, tol = (f32 ? 1e-5L : 1e-12L) * c + (f32 ? 1e-9L : 1e-20L);
        cr_assert(fabsl((long double)st.consensus - c) <= tol, "%s p=%lld n=%lld: consensus %.17g vs %.17Lg",
                  f32 ? "f32" : "f64", (long long)p, (long long)n, st.consensus, c);
    }
    if (p < 128) cr_assert_eq(tmx__cpu_mix_block(s), p, "p=%lld: MPI's statistics blocks", (long long)p);
    free(mean);
    free(X);
    free(G);
    free(O);
    rig_free(&u);
}

Test(cpufast, gossip_over_agents_against_exact_sums)
{
    static const int64_t ps[] = {1, 10, 63, 64, 100, 127, 128, 200};
    static const int64_t ns[] = {3, 700, 9000}; /* 9000 × p ≥ 65536 from p = 8: two threads */
    for (int f32 = 0; f32 < 2; f32++)
        for (size_t a = 0; a < sizeof ps / sizeof *ps; a++)
            for (size_t b = 0; b < sizeof ns / sizeof *ns; b++)
                for (int ctl = 0; ctl < 2; ctl++) {
                    if (ns[b] * ps[a] > 2000000) continue;
                    gossip_case(f32, ps[a], ns[b], ctl ? TMX_CONTROL_CONST : TMX_CONTROL_NONE, (int)((a + b) % 2));
                }
}
