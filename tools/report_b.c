/* Helpers shared by the reports consensus-control, ad-psgd and cooperative-sgd (report_b.h). */
#include "report_b.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>

#include "report_internal.h"

void rb_sim(report *r, const char *log, const char *const *base, ...)
{
    const char *argv[128];
    size_t argc = 0;
    argv[argc++] = "sim";
    for (const char *const *b = base; *b; b++) {
        if (argc >= 120) cli_die(1, "report %s: a sim command of over 120 words", r->name);
        argv[argc++] = *b;
    }
    va_list ap;
    va_start(ap, base);
    for (const char *a; (a = va_arg(ap, const char *)) != NULL;) {
        if (argc >= 120) cli_die(1, "report %s: a sim command of over 120 words", r->name);
        argv[argc++] = a;
    }
    va_end(ap);
    argv[argc++] = "--log";
    argv[argc++] = log;
    argv[argc++] = "--quiet";
    argv[argc] = NULL;
    report_runv(r, NULL, (char *const *)argv);
}

static double *column(report_csv *c, const char *name)
{
    int64_t n = report_csv_rows(c);
    int col = report_csv_col(c, name);
    double *v = malloc((size_t)(n ? n : 1) * sizeof *v);
    if (!v) cli_die(1, "out of memory");
    for (int64_t i = 0; i < n; i++) v[i] = report_csv_num(c, i, col);
    return v;
}

void rb_log_read(report *r, const char *file, rb_log *L)
{
    report_csv *c = report_csv_read(r, file);
    L->rows = report_csv_rows(c);
    if (L->rows < 1) cli_die(1, "report %s: %s has no rows", r->name, file);
    L->iter = column(c, "iter");
    L->loss = column(c, "loss");
    L->consensus = column(c, "consensus");
    L->gossip = column(c, "gossip_rounds");
    L->time = column(c, "time");
    L->bytes = column(c, "bytes_sent");
    report_csv_free(c);
}

void rb_log_free(rb_log *L)
{
    free(L->iter), free(L->loss), free(L->consensus), free(L->gossip), free(L->time), free(L->bytes);
    *L = (rb_log){0};
}

double rb_tail_loss(const rb_log *L)
{
    int64_t k = L->rows / 4 > 0 ? L->rows / 4 : 1;
    double s = 0;
    for (int64_t i = L->rows - k; i < L->rows; i++) s += L->loss[i];
    return s / (double)k;
}

double rb_mean_consensus(const rb_log *L)
{
    if (L->rows < 2) return L->consensus[0];
    double s = 0;
    for (int64_t i = 1; i < L->rows; i++) s += L->consensus[i];
    return s / (double)(L->rows - 1);
}

double rb_reach(const rb_log *L, double target, int by_time)
{
    for (int64_t i = 0; i < L->rows; i++)
        if (L->loss[i] <= target) return by_time ? L->time[i] : L->iter[i];
    return INFINITY;
}


const char *rb_fmt(char *buf, size_t len, double x)
{
    if (isinf(x)) snprintf(buf, len, "not reached");
    else snprintf(buf, len, "%.3g", x);
    return buf;
}

const char *rb_secs(char *buf, size_t len, double x)
{
    if (isinf(x)) snprintf(buf, len, "not reached");
    else snprintf(buf, len, "%.3g s", x);
    return buf;
}
