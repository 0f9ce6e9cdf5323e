/* Helpers shared by the reports consensus-control, ad-psgd and cooperative-sgd: running `topomix
 * sim` with a common set of options, reading its log, and the quantities the reports compare
 * (a tail-averaged loss, the first iteration or time at which a target loss is reached). */
#ifndef TMX_REPORT_B_H
#define TMX_REPORT_B_H

#include <stdint.h>
#include <stdio.h>

#include "report.h"

/* Runs `topomix sim BASE... EXTRA... --log LOG --quiet`: base is a NULL-terminated list shared by a
 * report's runs, the extra words (ending with NULL) are this run's own. */
void rb_sim(report *r, const char *log, const char *const *base, ...) __attribute__((sentinel));

/* The columns of a sim log the reports use. */
typedef struct rb_log {
    int64_t rows;
    double *iter, *loss, *consensus, *gossip, *time, *bytes;
} rb_log;
void rb_log_read(report *r, const char *file, rb_log *L);
void rb_log_free(rb_log *L);

/* Mean loss over the last quarter of the logged rows (at least one): the level a run settles at,
 * less noisy than the last row of a stochastic run. */
double rb_tail_loss(const rb_log *L);
/* Mean consensus distance over the rows after row 0. */
double rb_mean_consensus(const rb_log *L);
/* The iteration (by_time = 0) or simulated time (1) of the first row with loss <= target; INFINITY
 * when no row reaches it. */
double rb_reach(const rb_log *L, double target, int by_time);

/* "%.3g" of x into buf, or "not reached" for an infinite value; rb_secs adds " s" to a finite one. */
const char *rb_fmt(char *buf, size_t len, double x);
const char *rb_secs(char *buf, size_t len, double x);

#endif
