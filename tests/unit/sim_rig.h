/* A simulation on synthetic data for the simulator's tests (test_clock.c, test_adpsgd.c): the data,
 * partition, topology and simulation created together and freed together, and the dyadic network
 * parameters under which every simulated-time sum is exact in double precision (T = 1/8 s,
 * α = 1/4 s, S = 1024 bytes, B = 4096 bytes/s: one message costs 1/2 s). */
#ifndef TMX_TEST_SIM_RIG_H
#define TMX_TEST_SIM_RIG_H

#include <criterion/criterion.h>
#include <string.h>
#include <topomix/topomix.h>

#define T_STEP 0.125
#define ALPHA 0.25
#define S_BYTES 1024.0
#define BW 4096.0
#define MSG (ALPHA + S_BYTES / BW) /* 0.5 */

typedef struct rig {
    tmx_topo *topo;
    tmx_dataset ds;
    tmx_partition P;
    tmx_sim *s;
} rig;

/* The default configuration with a batch of 4 and the dyadic clock. */
static inline void dyadic_config(tmx_sim_config *cfg)
{
    tmx_sim_config_init(cfg);
    cfg->batch = 4;
    cfg->compute_a = T_STEP;
    cfg->latency = ALPHA;
    cfg->message_bytes = S_BYTES;
    cfg->bandwidth = BW;
}

/* r->topo ← topology `topo` over n nodes */
static inline void rig_topo(rig *r, const char *topo, int64_t n)
{
    tmx_topo_params tp;
    tmx_topo_params_init(&tp);
    tp.n = n;
    cr_assert_eq(tmx_topo_new(topo, &tp, &r->topo), TMX_OK, "%s", tmx_last_error());
}

/* A simulation over n workers (plus cfg->aux) on synthetic data; the topology over n + aux nodes. */
static inline void rig_new(rig *r, const tmx_sim_config *cfg, const char *topo, int64_t n)
{
    tmx_synth_params sp;
    tmx_synth_params_init(&sp);
    sp.shards = n;
    sp.per_shard = 20;
    sp.d = 6;
    sp.hetero = 0.5;
    sp.seed = 3;
    memset(r, 0, sizeof *r);
    cr_assert_eq(tmx_data_synth(&sp, &r->ds), TMX_OK, "%s", tmx_last_error());
    cr_assert_eq(tmx_partition_make(&r->ds, n, TMX_PART_CONTIGUOUS, 0, 1, &r->P), TMX_OK);
    rig_topo(r, topo, n + cfg->aux);
    cr_assert_eq(tmx_sim_new(cfg, r->topo, &r->ds, &r->P, &r->s), TMX_OK, "%s", tmx_last_error());
}

/* P ← n shards of the given sizes (sizes NULL: mi rows each) over m = Σ sizes rows: contiguous, or
 * scattered (shard rows spread over the data by the permutation j ↦ (7919·j + 13) mod m, m not a
 * multiple of the prime 7919). */
static inline void rig_partition(tmx_partition *P, int64_t n, const int64_t *sizes, int64_t mi, int scattered)
{
    int64_t m = 0;
    for (int64_t i = 0; i < n; i++) m += sizes ? sizes[i] : mi;
    cr_assert(m % 7919 != 0, "the permutation needs m not a multiple of 7919");
    P->n = n;
    P->m = m;
    P->order = malloc(sizeof(int64_t) * (size_t)m);
    P->start = malloc(sizeof(int64_t) * (size_t)(n + 1));
    cr_assert(P->order && P->start);
    for (int64_t j = 0; j < m; j++) P->order[j] = scattered ? (j * 7919 + 13) % m : j;
    P->start[0] = 0;
    for (int64_t i = 0; i < n; i++) P->start[i + 1] = P->start[i] + (sizes ? sizes[i] : mi);
}

static inline void rig_free(rig *r)
{
    tmx_sim_free(r->s);
    tmx_topo_free(r->topo);
    tmx_partition_destroy(&r->P);
    tmx_dataset_destroy(&r->ds);
}

static inline void steps(tmx_sim *s, int64_t k)
{
    for (int64_t q = 0; q < k; q++) cr_assert_eq(tmx_sim_step(s), TMX_OK, "%s", tmx_last_error());
}

static inline tmx_sim_metrics metrics(tmx_sim *s)
{
    tmx_sim_metrics m;
    cr_assert_eq(tmx_sim_metrics_get(s, &m), TMX_OK, "%s", tmx_last_error());
    return m;
}

#endif
