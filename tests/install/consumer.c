/* A program outside the project, built against the installed libtopomix: a topology, its gap, and a
 * short simulation through the public API (tests/install/run.sh links it shared and static). */
#include <stdio.h>
#include <topomix/topomix.h>

int main(void)
{
    tmx_topo_params p;
    tmx_topo_params_init(&p);
    p.n = 8;
    tmx_topo *t = NULL;
    tmx_dataset D = {0};
    tmx_partition P = {0};
    tmx_sim *s = NULL;
    tmx_synth_params sp;
    tmx_synth_params_init(&sp);
    sp.shards = 8;
    sp.d = 5;
    sp.per_shard = 20;
    tmx_sim_config cfg;
    tmx_sim_config_init(&cfg);
    cfg.iters = 20;
    tmx_sim_metrics m0, m1;
    if (tmx_topo_new("exp", &p, &t) != TMX_OK || tmx_data_synth(&sp, &D) != TMX_OK ||
        tmx_partition_make(&D, 8, TMX_PART_CONTIGUOUS, 0.0, 1, &P) != TMX_OK || tmx_sim_new(&cfg, t, &D, &P, &s) != TMX_OK ||
        tmx_sim_metrics_get(s, &m0) != TMX_OK) {
        fprintf(stderr, "consumer: %s\n", tmx_last_error());
        return 1;
    }
    for (int k = 0; k < 20; k++)
        if (tmx_sim_step(s) != TMX_OK) return fprintf(stderr, "consumer: %s\n", tmx_last_error()), 1;
    if (tmx_sim_metrics_get(s, &m1) != TMX_OK) return 1;
    printf("loss %.6f -> %.6f after %lld iterations\n", m0.loss, m1.loss, (long long)tmx_sim_iter(s));
    int ok = m1.loss < m0.loss;
    tmx_sim_free(s);
    tmx_partition_destroy(&P);
    tmx_dataset_destroy(&D);
    tmx_topo_free(t);
    return ok ? 0 : 1;
}
