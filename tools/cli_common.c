/* topomix CLI — shared option parsing, error reporting and JSON helpers. */
#include "cli_common.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

const char *cli_prog = "topomix";

static int progress_shown;

static void progress_draw(const char *what, double done, double total, void *ctx)
{
    static struct timespec last;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (progress_shown && (double)(now.tv_sec - last.tv_sec) + 1e-9 * (double)(now.tv_nsec - last.tv_nsec) < 0.25) return;
    last = now;
    fprintf(stderr, "\r%s: %s: %.0f %s (at most %.0f, %.0f%%) ", cli_prog, what, done, (const char *)ctx, total,
            total > 0 ? 100.0 * done / total : 100.0);
    fflush(stderr);
    progress_shown = 1;
}

void cli_progress_start(const char *unit)
{
    if (isatty(STDERR_FILENO)) tmx_progress_set(progress_draw, (void *)unit);
}

void cli_progress_end(void)
{
    if (progress_shown) fputs("\r\033[K", stderr);
    progress_shown = 0;
}

/* "PROG: message" on stderr, the progress line erased first */
static void report(const char *fmt, va_list ap)
{
    cli_progress_end();
    fflush(stdout);
    fprintf(stderr, "%s: ", cli_prog);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void cli_die(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(fmt, ap);
    va_end(ap);
    exit(code);
}

int cli_exit_code(tmx_status st)
{
    switch (st) {
    case TMX_OK: return 0;
    case TMX_EINVAL:
    case TMX_EDIM:
    case TMX_ENOTSQR:
    case TMX_EPARSE:
    case TMX_EIO:
    case TMX_EUNSUP:
    case TMX_ENOMEM: return EXIT_USAGE;
    default: return 1;
    }
}

void cli_die_status(tmx_status st)
{
    const char *msg = tmx_last_error();
    cli_die(cli_exit_code(st), "%s", *msg ? msg : tmx_strerror(st));
}

int64_t cli_int(const char *opt, const char *s, int64_t min, int64_t max)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end != '\0')
        cli_usage("%s expects an integer, got '%s'", opt, s);
    if (errno == ERANGE || v > max) cli_usage("%s %s is too large (at most %lld)", opt, s, (long long)max);
    if (v < min) cli_usage("%s must be >= %lld, got %s", opt, (long long)min, s);
    return v;
}

uint64_t cli_u64(const char *opt, const char *s)
{
    char *end;
    errno = 0;
    if (*s == '-' || *s == '\0') cli_usage("%s expects a nonnegative integer, got '%s'", opt, s);
    unsigned long long v = strtoull(s, &end, 10);
    if (*end != '\0') cli_usage("%s expects a nonnegative integer, got '%s'", opt, s);
    if (errno == ERANGE) cli_usage("%s %s is too large", opt, s);
    return v;
}

double cli_double(const char *opt, const char *s)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0') cli_usage("%s expects a number, got '%s'", opt, s);
    if (!isfinite(v) || errno == ERANGE) cli_usage("%s must be a finite number, got '%s'", opt, s);
    return v;
}

void cli_topo_init(cli_topo *c)
{
    memset(c, 0, sizeof *c);
    tmx_topo_params_init(&c->par);
}

/* Largest n accepted on the command line; sizes below it are still checked against memory. */
#define CLI_N_MAX ((int64_t)1 << 40)

int cli_topo_option(cli_topo *c, int opt, const char *arg)
{
    switch (opt) {
    case 'n':
        c->par.n = cli_int("-n", arg, 1, CLI_N_MAX);
        c->have_n = 1;
        return 1;
    case OPT_SEED: c->par.seed = cli_u64("--seed", arg); return 1;
    case OPT_WEIGHTS:
        if (tmx_weights_parse(arg, &c->par.weights) != TMX_OK) cli_die_status(TMX_EINVAL);
        return 1;
    case OPT_ROWS: c->par.rows = cli_int("--rows", arg, 1, CLI_N_MAX); return 1;
    case OPT_P:
        c->par.p = cli_double("--p", arg);
        if (!(c->par.p > 0.0 && c->par.p <= 1.0)) cli_usage("--p must be in (0, 1], got %s", arg);
        return 1;
    case OPT_K: c->par.k = cli_int("--k", arg, 1, CLI_N_MAX); return 1;
    case OPT_M: c->par.m = cli_int("--M", arg, 1, CLI_N_MAX); return 1;
    case OPT_ETA:
        c->par.eta = cli_double("--eta", arg);
        if (!(c->par.eta > 0.0 && c->par.eta <= 1.0)) cli_usage("--eta must be in (0, 1], got %s", arg);
        return 1;
    case OPT_UNDIRECTED: c->par.undirected = 1; return 1;
    case OPT_TOPOLOGY: c->name = arg; return 1;
    case OPT_BASE: c->par.base = cli_int("--base", arg, 2, CLI_N_MAX); return 1;
    case OPT_PEERS: c->par.peers = cli_int("--peers", arg, 1, CLI_N_MAX); return 1;
    case OPT_DEGREE: c->par.degree = cli_int("--degree", arg, 1, CLI_N_MAX); return 1;
    case OPT_TEPS:
        c->par.eps = cli_double("--equi-eps", arg);
        if (!(c->par.eps > 0.0 && c->par.eps < 1.0)) cli_usage("--equi-eps must be in (0, 1), got %s", arg);
        return 1;
    case OPT_FAIL_PROB:
        c->par.fail_prob = cli_double("--fail-prob", arg);
        if (!(c->par.fail_prob > 0.0 && c->par.fail_prob < 1.0)) cli_usage("--fail-prob must be in (0, 1), got %s", arg);
        return 1;
    case OPT_INDEX_BASE:
        if (strcmp(arg, "0") == 0) c->par.index_base = TMX_INDEX_ZERO;
        else if (strcmp(arg, "1") == 0) c->par.index_base = TMX_INDEX_ONE;
        else cli_usage("--index-base must be 0 or 1, got '%s'", arg);
        return 1;
    case OPT_DIRECTED: c->par.directed = 1; return 1;
    default: return 0;
    }
}

tmx_topo *cli_topo_new(const cli_topo *c)
{
    if (!c->name) cli_usage("no topology given (see --list)");
    if (!c->have_n && strncmp(c->name, "file:", 5) != 0) cli_usage("-n N is required");
    tmx_topo *t = NULL;
    tmx_status st = tmx_topo_new(c->name, &c->par, &t);
    if (st != TMX_OK) cli_die_status(st);
    return t;
}

const char *cli_kind_name(tmx_topo_kind k)
{
    return k == TMX_TOPO_STATIC ? "static" : k == TMX_TOPO_PERIODIC ? "periodic" : "random";
}

void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

void json_num(FILE *f, double x)
{
    if (isfinite(x))
        fprintf(f, "%.17g", x);
    else
        fputs("null", f);
}

const char *cli_blas_replaced(void)
{
    const char *r = getenv("TMX_BLAS_REEXEC");
    return r && *r ? r : NULL;
}

/* The outputs of this process: committed by cli_close_output, abandoned (the old files kept) when
 * the process exits without it. */
enum { CLI_MAX_OUTPUTS = 8 };
static tmx__ofile outputs[CLI_MAX_OUTPUTS];

static void abandon_outputs(void)
{
    for (int i = 0; i < CLI_MAX_OUTPUTS; i++)
        if (outputs[i].f && !outputs[i].committed) tmx__ofile_abort(&outputs[i]);
}

tmx__ofile *cli_ofile_open(const char *path, unsigned flags)
{
    static int registered;
    if (!registered) registered = atexit(abandon_outputs) == 0;
    for (int i = 0; i < CLI_MAX_OUTPUTS; i++)
        if (!outputs[i].f) {
            tmx_status st = tmx__ofile_open(&outputs[i], path, flags);
            if (st != TMX_OK) cli_die_status(st);
            return &outputs[i];
        }
    cli_die(1, "too many output files");
}

tmx__ofile *cli_ofile_of(FILE *f)
{
    for (int i = 0; i < CLI_MAX_OUTPUTS; i++)
        if (outputs[i].f && outputs[i].f == f) return &outputs[i];
    return NULL;
}

FILE *cli_open_output(const char *path)
{
    if (!path || strcmp(path, "-") == 0) return stdout;
    return cli_ofile_open(path, 0)->f;
}

void cli_check_output(FILE *out)
{
    tmx__ofile *o = cli_ofile_of(out);
    if (o) {
        tmx_status st = tmx__ofile_check(o);
        if (st != TMX_OK) cli_die_status(st);
    } else if (fflush(out) != 0 || ferror(out)) {
        cli_die(1, "writing standard output failed: %s", strerror(errno ? errno : EIO));
    }
}

void cli_close_output(FILE *out)
{
    tmx__ofile *o = cli_ofile_of(out);
    if (o) {
        tmx_status st = tmx__ofile_close(o);
        if (st != TMX_OK) cli_die_status(st);
    } else {
        cli_check_output(out);
    }
}

void cli_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(fmt, ap);
    va_end(ap);
    fprintf(stderr, "Try '%s --help'.\n", cli_prog);
    exit(EXIT_USAGE);
}

void cli_bad_option(int opt, char **argv)
{
    if (opt == ':') cli_usage("option %s needs a value", argv[optind - 1]);
    cli_usage("unknown option '%s'", argv[optind - 1]);
}
