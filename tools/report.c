/* topomix report — running commands, writing Markdown and claims, reading CSV (report.h). */
#include "csv_table.h"
#include "report_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int report_quick(const report *r) { return r->quick; }

static void oom(void) { cli_die(1, "out of memory"); }

void report_md(report *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(r->md, fmt, ap);
    va_end(ap);
}

void report_claim(report *r, int holds, const char *fmt, ...)
{
    char *text = NULL;
    va_list ap;
    va_start(ap, fmt);
    int len = vasprintf(&text, fmt, ap);
    va_end(ap);
    if (len < 0) oom();
    for (char *c = text; *c; c++) /* one claim, one line */
        if (*c == '\n' || *c == '\t') *c = ' ';
    fprintf(r->md, "- %s %s\n", holds ? "✅ holds:" : "❌ does not hold:", text);
    fprintf(r->claims, "%s\t%s\n", holds ? "holds" : "fails", text);
    r->nclaims++;
    if (!holds) r->nfailed++;
    free(text);
}

/* A word as a POSIX shell reads it: bare when it holds only safe characters, else single-quoted. */
static void shell_word(FILE *f, const char *s)
{
    int safe = *s != '\0';
    for (const char *c = s; *c; c++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.,:/=+%@", *c)) safe = 0;
    if (safe) {
        fputs(s, f);
        return;
    }
    fputc('\'', f);
    for (const char *c = s; *c; c++)
        if (*c == '\'') fputs("'\\''", f);
        else fputc(*c, f);
    fputc('\'', f);
}

void report_runv(report *r, const char *out, char *const *argv)
{
    /* the command as the user types it, for the Regenerate section and for messages */
    char *line = NULL;
    size_t linelen = 0;
    FILE *lf = open_memstream(&line, &linelen);
    if (!lf) oom();
    fputs("topomix", lf);
    for (char *const *a = argv; *a; a++) fputc(' ', lf), shell_word(lf, *a);
    if (out) fputs(" > ", lf), shell_word(lf, out);
    if (fclose(lf) != 0) oom();
    fprintf(r->cmds, "%s\n", line);

    int errpipe[2];
    if (pipe(errpipe) != 0) cli_die(1, "report %s: pipe: %s", r->name, strerror(errno));
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) cli_die(1, "report %s: fork: %s", r->name, strerror(errno));
    if (pid == 0) {
        close(errpipe[0]);
        if (chdir(r->folder) != 0) _exit(126);
        int fd = out ? open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666) : open("/dev/null", O_WRONLY);
        if (fd < 0) {
            dprintf(errpipe[1], "cannot write %s: %s\n", out ? out : "/dev/null", strerror(errno));
            _exit(1);
        }
        dup2(fd, STDOUT_FILENO);
        dup2(errpipe[1], STDERR_FILENO);
        size_t argc = 0;
        while (argv[argc]) argc++;
        char **args = calloc(argc + 2, sizeof *args);
        if (!args) _exit(1);
        args[0] = "topomix";
        for (size_t i = 0; i < argc; i++) args[i + 1] = argv[i];
        execv(r->exe, args);
        dprintf(errpipe[1], "cannot run %s: %s\n", r->exe, strerror(errno));
        _exit(127);
    }
    close(errpipe[1]);
    /* keep the first lines of the command's stderr to show if it fails */
    char err[2048];
    size_t have = 0;
    for (;;) {
        char buf[512];
        ssize_t got = read(errpipe[0], buf, sizeof buf);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        size_t take = (size_t)got < sizeof err - 1 - have ? (size_t)got : sizeof err - 1 - have;
        memcpy(err + have, buf, take);
        have += take;
    }
    err[have] = '\0';
    close(errpipe[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) cli_die(1, "report %s: waitpid: %s", r->name, strerror(errno));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        char *nl = strchr(err, '\n');
        if (nl) *nl = '\0';
        if (WIFSIGNALED(status))
            cli_die(1, "report %s: `%s` was killed by signal %d%s%s", r->name, line, WTERMSIG(status), have ? ": " : "", err);
        cli_die(1, "report %s: `%s` failed (exit %d)%s%s", r->name, line, WEXITSTATUS(status), have ? ": " : "", err);
    }
    free(line);
}

void report_run(report *r, const char *out, ...)
{
    char *argv[128];
    size_t argc = 0;
    va_list ap;
    va_start(ap, out);
    for (const char *a; (a = va_arg(ap, const char *)) != NULL;) {
        if (argc == sizeof argv / sizeof argv[0] - 1) cli_die(1, "report %s: a command of over 127 words", r->name);
        argv[argc++] = (char *)a;
    }
    va_end(ap);
    argv[argc] = NULL;
    report_runv(r, out, argv);
}

void report_figure(report *r, const char *file, const char *caption, ...)
{
    char *argv[128];
    size_t argc = 0;
    argv[argc++] = "plot";
    va_list ap;
    va_start(ap, caption);
    for (const char *a; (a = va_arg(ap, const char *)) != NULL;) {
        if (argc == sizeof argv / sizeof argv[0] - 3) cli_die(1, "report %s: a command of over 125 words", r->name);
        argv[argc++] = (char *)a;
    }
    va_end(ap);
    argv[argc++] = "-o";
    argv[argc++] = (char *)file;
    argv[argc] = NULL;
    report_runv(r, NULL, argv);
    fprintf(r->md, "\n![%s](%s)\n\n*%s*\n\n", caption, file, caption);
}

void report_cmd_add(report_cmd *c, const char *fmt, ...)
{
    if (c->n == (int)(sizeof c->v / sizeof c->v[0]) - 1) cli_die(1, "report: a command of over 127 words");
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&c->v[c->n], fmt, ap) < 0) oom();
    va_end(ap);
    c->v[++c->n] = NULL;
}

void report_cmd_run(report *r, const char *out, report_cmd *c)
{
    report_runv(r, out, c->v);
    for (int i = 0; i < c->n; i++) free(c->v[i]);
    c->n = 0;
}

FILE *report_table_open(report *r, const char *file)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", r->folder, file) >= (int)sizeof path)
        cli_die(1, "report %s: path too long for %s", r->name, file);
    return cli_open_output(path);
}

void report_table_close(FILE *f) { cli_close_output(f); }

double report_log_reach(report *r, const char *log, double target, const char *xcol)
{
    report_csv *c = report_csv_read(r, log);
    int lc = report_csv_col(c, "loss"), xc = report_csv_col(c, xcol);
    double x = INFINITY;
    for (int64_t i = 0; i < report_csv_rows(c); i++)
        if (report_csv_num(c, i, lc) <= target) {
            x = report_csv_num(c, i, xc);
            break;
        }
    report_csv_free(c);
    return x;
}

const char *report_num(char *buf, size_t len, double x)
{
    if (isinf(x)) snprintf(buf, len, "not reached");
    else snprintf(buf, len, "%.4g", x);
    return buf;
}

/* ---- CSV ------------------------------------------------------------------------------------- */

struct report_csv {
    table t;
};

report_csv *report_csv_read(report *r, const char *file)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", r->folder, file) >= (int)sizeof path)
        cli_die(1, "report %s: path too long for %s", r->name, file);
    report_csv *c = cli_xmalloc(sizeof *c);
    table_read(&c->t, path, 1); /* the reader's copy of path is not kept past this call */
    if (c->t.json) cli_die(1, "report %s: %s is not a CSV file", r->name, path);
    c->t.path = file;
    return c;
}

int64_t report_csv_rows(const report_csv *c) { return c->t.nrow; }

int report_csv_col(const report_csv *c, const char *name)
{
    int j = table_col(&c->t, name);
    if (j < 0) cli_die(1, "report: %s has no column '%s'", c->t.path, name);
    return j;
}

const char *report_csv_str(const report_csv *c, int64_t row, int col)
{
    if (row < 0 || row >= c->t.nrow || col < 0 || col >= c->t.ncol) return "";
    return table_str(&c->t, row, col);
}

double report_csv_num(const report_csv *c, int64_t row, int col)
{
    if (row < 0 || row >= c->t.nrow || col < 0 || col >= c->t.ncol) return NAN;
    return table_num(&c->t, row, col);
}

void report_csv_free(report_csv *c)
{
    if (!c) return;
    table_free(&c->t);
    free(c);
}

double report_loglog_slope(const double *x, const double *y, int64_t n)
{
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    int64_t m = 0;
    for (int64_t i = 0; i < n; i++)
        if (x[i] > 0 && y[i] > 0 && isfinite(x[i]) && isfinite(y[i])) {
            double lx = log(x[i]), ly = log(y[i]);
            sx += lx, sy += ly, sxx += lx * lx, sxy += lx * ly, m++;
        }
    if (m < 2) return NAN;
    double den = (double)m * sxx - sx * sx;
    return den > 0 ? ((double)m * sxy - sx * sy) / den : NAN;
}
