/* topomix report — the framework every report is written in (docs/definitions.md §22).
 *
 * A report is one function that runs topomix commands, reads their CSV output, writes Markdown,
 * draws figures with `topomix plot`, and states claims that its numbers either support or not.
 * Commands run as child processes of this same executable, in the report's own folder, so that the
 * "Regenerate" section lists them exactly as a user types them there. */
#ifndef TMX_REPORT_H
#define TMX_REPORT_H

#include <stddef.h> /* NULL, which ends report_run's arguments */
#include <stdint.h>
#include <stdio.h>

typedef struct report report;

/* 1 under --quick: small sizes, seconds per run (CI). */
int report_quick(const report *r);

/* Runs `topomix ARG...` (list ending with NULL) in the report's folder; its standard output goes to
 * the file `out` there (NULL: discarded). The command joins the "Regenerate" list. A failing
 * command stops the report: exit 1, naming the command and showing its error. */
void report_run(report *r, const char *out, ...) __attribute__((sentinel));
/* The same with an array: argv[0] is the subcommand; NULL-terminated. */
void report_runv(report *r, const char *out, char *const *argv);

/* A command built word by word (printf-formatted words, copied), run with report_cmd_run, which
 * also empties it for the next command. */
typedef struct report_cmd {
    char *v[128];
    int n;
} report_cmd;
void report_cmd_add(report_cmd *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void report_cmd_run(report *r, const char *out, report_cmd *c);

/* A file the report writes itself (a table for `topomix plot xy`), in its folder, through the
 * safe-output mechanism; report_table_close puts it in place. */
FILE *report_table_open(report *r, const char *file);
void report_table_close(FILE *f);

/* A sim log's column xcol at the first row whose loss is at most target; INFINITY when none. */
double report_log_reach(report *r, const char *log, double target, const char *xcol);

/* "%.4g" of x, or "not reached" for an infinite value. */
const char *report_num(char *buf, size_t len, double x);

/* printf into the report's Markdown. */
void report_md(report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A claim checked by the numbers the report computed: "- ✅ holds: TEXT" or "- ❌ does not hold:
 * TEXT" in the Markdown, and "holds\tTEXT" or "fails\tTEXT" in NAME.claims. */
void report_claim(report *r, int holds, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A figure: runs `topomix plot ARG... -o FILE` and embeds it with its caption. */
void report_figure(report *r, const char *file, const char *caption, ...) __attribute__((sentinel));

/* CSV output of the commands: lines starting with '#' are skipped, the first other line names the
 * columns. */
typedef struct report_csv report_csv;
report_csv *report_csv_read(report *r, const char *file); /* exits 1 naming the file on failure */
int64_t report_csv_rows(const report_csv *c);
int report_csv_col(const report_csv *c, const char *name); /* exits 1 when the column is missing */
double report_csv_num(const report_csv *c, int64_t row, int col); /* NaN: empty or not a number */
const char *report_csv_str(const report_csv *c, int64_t row, int col);
void report_csv_free(report_csv *c);

/* Least-squares slope of log y on log x over the points with x > 0 and y > 0 (NaN with fewer
 * than two): the fitted exponent of y ∝ x^s. */
double report_loglog_slope(const double *x, const double *y, int64_t n);

/* The reports. */
void report_exp_graphs(report *r);
void report_consensus_control(report *r);
void report_ad_psgd(report *r);
void report_cooperative_sgd(report *r);
void report_psgd_speedup(report *r);

#endif
