/* topomix sim — the metrics log: CSV or JSON lines, written so that nothing is lost.
 *
 * A fresh log to a new file gets its name at once (it can be followed while the run goes on); one
 * that would replace an existing file is written beside it and put in place only when the run has
 * something to show for it: at a checkpoint (the log first, then the checkpoint, so that after a
 * crash the log never lags behind the checkpoint), at the end, when the run diverges (the rows say
 * how) or is interrupted. A resumed run copies the old log's rows up to the checkpoint's iteration
 * (rows written after the checkpoint by a killed run are dropped, never duplicated) and continues. */
#include "sim_log.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char csv_header[] = "iter,loss,grad_norm2,consensus,accuracy,gossip_rounds,messages,bytes_sent,lr,time,staleness\n";

/* The iteration of a logged row, or -1 for a header or comment line. */
static long long row_iter(const char *line, int json)
{
    const char *p = line;
    if (json) {
        p = strstr(line, "\"iter\":");
        if (!p) return -1;
        p += 7;
    }
    if (*p < '0' || *p > '9') return -1;
    return strtoll(p, NULL, 10);
}

/* Copies the rows of the old log at `path` up to iteration `upto` into L->f. */
static void copy_prefix(sim_log *L, const char *path, int64_t upto)
{
    FILE *in = fopen(path, "r");
    if (!in) {
        if (errno != ENOENT) cli_die(1, "cannot read the log %s to resume it: %s", path, strerror(errno));
        if (!L->json) fputs(csv_header, L->f); /* no old log: a new one */
        return;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int lineno = 0, header = 0;
    while ((len = getline(&line, &cap, in)) > 0) {
        lineno++;
        int is_json = line[0] == '{';
        if (line[0] != '#' && is_json != L->json) {
            free(line);
            fclose(in);
            cli_die(EXIT_USAGE, "the log %s holds %s rows (line %d); resume with --format %s", path,
                    is_json ? "JSON" : "CSV", lineno, is_json ? "json" : "csv");
        }
        long long it = row_iter(line, L->json);
        if (it < 0) header |= !L->json && strncmp(line, "iter,", 5) == 0;
        if (it > (long long)upto) break; /* rows after the checkpoint: a killed run's, redone now */
        if (line[len - 1] != '\n') break; /* a row cut off by a crash */
        fwrite(line, 1, (size_t)len, L->f);
    }
    free(line);
    fclose(in);
    if (!L->json && !header) {
        /* a log without its header is not one topomix wrote: leave it alone */
        cli_die(EXIT_USAGE, "the log %s has no CSV header; resume with another --log", path);
    }
}

void sim_log_open(sim_log *L, const char *path, int json, int64_t resume_iter)
{
    memset(L, 0, sizeof *L);
    L->json = json;
    L->path = path;
    if (!path || strcmp(path, "-") == 0) {
        L->f = stdout;
        if (resume_iter < 0 && !json) fputs(csv_header, L->f);
        return;
    }
    L->o = cli_ofile_open(path, resume_iter < 0 ? TMX__OF_EARLY : 0);
    L->f = L->o->f;
    if (resume_iter < 0) {
        if (!json) fputs(csv_header, L->f);
    } else {
        copy_prefix(L, path, resume_iter);
    }
    sim_log_check(L);
}

void sim_log_row(sim_log *L, const tmx_sim_metrics *m)
{
    FILE *f = L->f;
    if (L->json) {
        fprintf(f, "{\"iter\":%lld,\"loss\":", (long long)m->iter);
        json_num(f, m->loss);
        fputs(",\"grad_norm2\":", f);
        json_num(f, m->grad_norm2);
        fputs(",\"consensus\":", f);
        json_num(f, m->consensus);
        fputs(",\"accuracy\":", f);
        json_num(f, m->accuracy);
        fprintf(f, ",\"gossip_rounds\":%lld,\"messages\":%lld,\"bytes_sent\":%.17g,\"lr\":", (long long)m->gossip_rounds,
                (long long)m->messages, m->bytes_sent);
        json_num(f, m->lr);
        fputs(",\"time\":", f);
        json_num(f, m->time);
        fputs(",\"staleness\":", f); /* null: a synchronous algorithm, or no events in the interval */
        json_num(f, m->staleness);
        fputs("}\n", f);
    } else {
        fprintf(f, "%lld,%.17g,%.17g,%.17g,", (long long)m->iter, m->loss, m->grad_norm2, m->consensus);
        if (isfinite(m->accuracy)) fprintf(f, "%.17g", m->accuracy);
        fprintf(f, ",%lld,%lld,%.17g,%.17g,%.17g,", (long long)m->gossip_rounds, (long long)m->messages, m->bytes_sent,
                m->lr, m->time);
        if (isfinite(m->staleness)) fprintf(f, "%.17g", m->staleness); /* empty as accuracy is */
        fputc('\n', f);
    }
    sim_log_check(L); /* a full disk is reported at the row that hit it, not at the end of the run */
}

void sim_log_check(sim_log *L) { cli_check_output(L->f); }

void sim_log_commit(sim_log *L)
{
    if (!L->o) {
        cli_check_output(L->f);
        return;
    }
    tmx_status st = tmx__ofile_commit(L->o);
    if (st != TMX_OK) cli_die_status(st);
}

void sim_log_close(sim_log *L)
{
    cli_close_output(L->f);
    L->f = NULL;
    L->o = NULL;
}
