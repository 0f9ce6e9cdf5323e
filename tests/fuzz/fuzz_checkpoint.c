/* libFuzzer harness: the simulator's checkpoint loader, and its round trip through the saver.
 *
 * One small fixed simulation (ring, n = 3, dsgd, logreg-nc, synthetic data d = 4 with 5 samples per
 * agent). The input is written to a file and loaded into a fresh simulation; when the loader
 * accepts it, the state is saved, loaded into another fresh simulation and saved again: the two
 * saved files must be identical, and the two simulations must show the same metrics and models,
 * before and after one more step each (a step from whatever state was accepted must be safe). Only
 * the public API is used, so the harness follows the checkpoint format as it changes. Build the library with
 * -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION: the loader then skips its checksum, so that mutated
 * inputs reach the fields behind it.
 *
 * Seeds: run with TMX_FUZZ_WRITE_SEEDS=DIR to write checkpoints of this configuration (at several
 * iterations) into DIR and exit; scripts/fuzz.sh does so before fuzzing, so the seeds always match
 * the current format. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <topomix/topomix.h>
#include <unistd.h>

#include "fuzz_common.h"

static tmx_topo *topo;
static tmx_dataset data;
static tmx_partition part;
static tmx_sim_config cfg;
static char dir[64], in_path[80], a_path[80], b_path[80];

static void cleanup(void)
{
    remove(in_path);
    remove(a_path);
    remove(b_path);
    rmdir(dir);
    tmx_partition_destroy(&part);
    tmx_dataset_destroy(&data);
    tmx_topo_free(topo);
}

static tmx_sim *fresh_sim(void)
{
    tmx_sim *s = NULL;
    if (tmx_sim_new(&cfg, topo, &data, &part, &s) != TMX_OK) fuzz_fail(NULL, "tmx_sim_new: %s", tmx_last_error());
    return s;
}

/* Checkpoints after 0, 1, 4 and 10 (= iters) steps. */
static void write_seeds(const char *out)
{
    static const int at[] = {0, 1, 4, 10};
    tmx_sim *s = fresh_sim();
    for (int k = 0, done = 0; k < 4; k++) {
        for (; done < at[k]; done++)
            if (tmx_sim_step(s) != TMX_OK) fuzz_fail(NULL, "step: %s", tmx_last_error());
        char path[4096];
        snprintf(path, sizeof path, "%s/iter%d.ckpt", out, at[k]);
        if (tmx_sim_save(s, path) != TMX_OK) fuzz_fail(NULL, "writing seed %s: %s", path, tmx_last_error());
    }
    tmx_sim_free(s);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    tmx_synth_params sp;
    tmx_synth_params_init(&sp);
    sp.shards = 3;
    sp.per_shard = 5;
    sp.d = 4;
    sp.seed = 7;
    sp.hetero = 0.5;
    tmx_topo_params tp;
    tmx_topo_params_init(&tp);
    tp.n = 3;
    tmx_sim_config_init(&cfg);
    cfg.algo = TMX_ALGO_DSGD;
    cfg.problem = TMX_PROB_LOGREG_NC;
    cfg.iters = 10;
    cfg.batch = 2;
    if (tmx_data_synth(&sp, &data) != TMX_OK || tmx_partition_make(&data, 3, TMX_PART_CONTIGUOUS, 0, 1, &part) != TMX_OK ||
        tmx_topo_new("ring", &tp, &topo) != TMX_OK)
        fuzz_fail(NULL, "setting up the simulation: %s", tmx_last_error());
    /* on tmpfs where there is one: the saver fsyncs, which a disk makes cost milliseconds */
    snprintf(dir, sizeof dir, "%s/topomix-fuzz-ckpt-XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
    if (!mkdtemp(dir)) fuzz_fail(NULL, "mkdtemp %s failed", dir);
    snprintf(in_path, sizeof in_path, "%s/in", dir);
    snprintf(a_path, sizeof a_path, "%s/a", dir);
    snprintf(b_path, sizeof b_path, "%s/b", dir);
    atexit(cleanup);
    const char *seeds = getenv("TMX_FUZZ_WRITE_SEEDS");
    if (seeds) {
        write_seeds(seeds);
        exit(0);
    }
    return 0;
}

/* The whole of a file, malloc'ed (its size in *len). */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) fuzz_fail(NULL, "cannot open %s", path);
    char *buf = NULL;
    size_t cap = 0, n = 0, got;
    do {
        if (n == cap && !(buf = realloc(buf, cap = cap ? 2 * cap : 4096))) fuzz_fail(NULL, "out of memory");
        got = fread(buf + n, 1, cap - n, f);
        n += got;
    } while (got > 0);
    fclose(f);
    *len = n;
    return buf;
}

/* What the public API shows of two simulations must agree bit for bit (NaN included). The first
 * holds the state as loaded from the input, the second as reloaded from its save: a field that the
 * saver drops shows here (one that the loader drops cannot: both went through it). */
static void expect_same_state(tmx_sim *a, tmx_sim *b, const char *when)
{
    tmx_sim_metrics ma, mb;
    /* TMX_ENOCONV (a loss that is not finite) still fills the metrics */
    if (tmx_sim_metrics_get(a, &ma) != tmx_sim_metrics_get(b, &mb)) fuzz_fail(NULL, "metrics: statuses differ %s", when);
#define SAME(field)                                                                                                \
    if (memcmp(&ma.field, &mb.field, sizeof ma.field) != 0) fuzz_fail(NULL, "metric " #field " differs %s", when)
    SAME(iter);
    SAME(loss);
    SAME(grad_norm2);
    SAME(consensus);
    SAME(accuracy);
    SAME(lr);
    SAME(gossip_rounds);
    SAME(messages);
    SAME(bytes_sent);
    SAME(control_target);
    SAME(control_capped);
#undef SAME
    size_t p = (size_t)tmx_sim_dim(a);
    for (int64_t i = 0; i < part.n; i++)
        if (memcmp(tmx_sim_model(a, i), tmx_sim_model(b, i), p * sizeof(double)) != 0)
            fuzz_fail(NULL, "agent %lld's model differs %s", (long long)i, when);
}

int LLVMFuzzerTestOneInput(const uint8_t *data_in, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data_in, size_t size)
{
    FILE *f = fopen(in_path, "wb");
    if (!f || fwrite(data_in, 1, size, f) != size || fclose(f) != 0) fuzz_fail(NULL, "writing %s failed", in_path);
    tmx_sim *s = fresh_sim();
    if (tmx_sim_load(s, in_path) == TMX_OK) {
        if (tmx_sim_save(s, a_path) != TMX_OK) fuzz_fail(NULL, "saving an accepted checkpoint: %s", tmx_last_error());
        tmx_sim *t = fresh_sim();
        if (tmx_sim_load(t, a_path) != TMX_OK) fuzz_fail(NULL, "the saved checkpoint is refused: %s", tmx_last_error());
        if (tmx_sim_save(t, b_path) != TMX_OK) fuzz_fail(NULL, "saving the reloaded checkpoint: %s", tmx_last_error());
        size_t la, lb;
        char *a = slurp(a_path, &la), *b = slurp(b_path, &lb);
        if (la != lb || memcmp(a, b, la) != 0) {
            size_t i = 0;
            while (i < la && i < lb && a[i] == b[i]) i++;
            fuzz_fail(NULL, "save, load, save: the files differ (%zu and %zu bytes, first difference at byte %zu)", la, lb, i);
        }
        free(a);
        free(b);
        expect_same_state(s, t, "after save and load");
        /* resuming from what was accepted must be safe (NaN or Inf in the state is a clean refusal),
         * and the reloaded copy must resume identically */
        tmx_status sa = tmx_sim_step(s), sb = tmx_sim_step(t);
        if ((sa != TMX_OK && sa != TMX_ENOCONV) || sb != sa)
            fuzz_fail(NULL, "a step after loading returned %s, after reloading %s: %s", tmx_errname(sa), tmx_errname(sb),
                      tmx_last_error());
        expect_same_state(s, t, "after one more step");
        tmx_sim_free(t);
    }
    tmx_sim_free(s);
    return 0;
}
