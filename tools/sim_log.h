/* topomix sim — the metrics log (CSV or JSON lines); see sim_log.c for when it is put in place. */
#ifndef TMX_SIM_LOG_H
#define TMX_SIM_LOG_H

#include "cli_common.h"

typedef struct sim_log {
    FILE *f;
    tmx__ofile *o; /* NULL for standard output */
    int json;
    const char *path;
} sim_log;

/* path NULL or "-": standard output. resume_iter < 0: a fresh log (header, then rows); otherwise
 * the rows of the old log up to that iteration are kept. Exits on failure (one line). */
void sim_log_open(sim_log *L, const char *path, int json, int64_t resume_iter);
/* Writes one row; a write failure exits 1 at once, naming the file and the reason. */
void sim_log_row(sim_log *L, const tmx_sim_metrics *m);
void sim_log_check(sim_log *L);
/* Puts the log in place (replacing the old file); writing continues in it. */
void sim_log_commit(sim_log *L);
void sim_log_close(sim_log *L);

#endif
