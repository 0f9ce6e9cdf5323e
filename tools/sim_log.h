/* topomix sim — the metrics log (CSV or JSON lines); see sim_log.c for when it is put in place. */
#ifndef TMX_SIM_LOG_H
#define TMX_SIM_LOG_H

#include "cli_common.h"

typedef struct sim_log {
    FILE *f;
    tmx__ofile *o; /* NULL for standard output */
    int json;
    const char *path;
    int nset; /* settings written so far */
} sim_log;

/* The run's settings, written as the log's comment header (docs/definitions.md §21): CSV lines
 * "# key=value" before the column line, or a first JSON line {"settings": {...}}. They are what
 * shapes the trajectory (no file names, no stopping rules), so equal runs write equal logs. */
typedef struct sim_settings {
    const tmx_sim_config *cfg;
    const tmx_topo *topo;            /* over n + aux nodes */
    const char *topology;            /* as given: NAME or file:PATH */
    int64_t n, p;                    /* agents, model dimension */
    const char *data;                /* NULL: synthetic data from *synth */
    const tmx_synth_params *synth;
    const char *partition;
    const char *device;              /* --device gpu: the device backend's description; NULL on the CPU */
} sim_settings;

/* path NULL or "-": standard output. resume_iter < 0: a fresh log (settings, header, then rows);
 * otherwise the settings of this run, then the old log's rows up to that iteration.
 * Exits on failure (one line). */
void sim_log_open(sim_log *L, const char *path, int json, int64_t resume_iter, const sim_settings *set);
/* Writes one row; a write failure exits 1 at once, naming the file and the reason. */
void sim_log_row(sim_log *L, const tmx_sim_metrics *m);
void sim_log_check(sim_log *L);
/* Puts the log in place (replacing the old file); writing continues in it. */
void sim_log_commit(sim_log *L);
void sim_log_close(sim_log *L);

#endif
