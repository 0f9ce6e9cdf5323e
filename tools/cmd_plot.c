/* topomix plot — figures of topomix's outputs, drawn by gnuplot (docs/definitions.md §21).
 *
 * The command reads and checks its inputs, writes a gnuplot script with the data inline ($name <<
 * EOD blocks) and pipes it into gnuplot, whose standard output (the image: pngcairo or svg without
 * `set output`) is the temporary file of the safe-output mechanism, put in place when gnuplot exits
 * 0. Its standard error goes to an anonymous file, read for the first error line when it fails. */
#include "cli_common.h"
#include "commands.h"
#include "csv_table.h"
#include <topomix/spectral.h>

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

enum {
    OPT_OUT = OPT_FIRST_FREE, OPT_TITLE, OPT_SIZE, OPT_LABELS, OPT_Y, OPT_CURVE, OPT_X, OPT_PANELS, OPT_BAND,
    OPT_FLOOR, OPT_LOGY_LOSS, OPT_GROUP, OPT_LOGX, OPT_LOGY, OPT_XLABEL, OPT_YLABEL, OPT_STYLE, OPT_PSTEP
};

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: topomix plot gap SWEEP.csv... -o OUT.png|OUT.svg [--y gap|rate|inv-gap|steps|time] [--curve 'EXPR:TITLE']...\n"
            "       topomix plot spectrum --topology NAME -n N [topology options] [--step K] -o OUT\n"
            "       topomix plot sim LOG.csv... -o OUT [--x iter|time|bytes] [--panels loss,grad,consensus,accuracy,lr,staleness]\n"
            "                        [--band minmax|std|none] [--floor F] [--logy-loss]\n"
            "       topomix plot compare COMPARE.csv -o OUT [--y time|steps|bytes|messages|rate]\n"
            "       topomix plot xy TABLE.csv... -o OUT --x COL --y COL[,COL...] [--group COL] [--logx] [--logy]\n"
            "                        [--xlabel T] [--ylabel T] [--style lines|points|linespoints] [--curve 'EXPR:TITLE']...\n"
            "\n"
            "Draws a figure with gnuplot (pngcairo for .png, svg for .svg); what each shows: docs/definitions.md\n"
            "section 21. Options may come before or after the inputs.\n"
            "  gap       topomix gap --sweep output: one line per topology against n, log axes. --y gap (default:\n"
            "            1 - per-step rate, column rate_gap), rate, inv-gap (1/(1 - rate): the growth the papers\n"
            "            bound), steps (steps_to_eps), time (time_to_eps).\n"
            "  spectrum  every eigenvalue of W^(K) (dense, n <= %d): on the real line with their multiplicities\n"
            "            for a symmetric W, in the complex plane with the unit circle for another; the slem marked.\n"
            "  sim       topomix sim CSV logs: one panel per quantity against iteration, simulated time or bytes\n"
            "            sent (all nodes). Logs whose settings (their '# key=value' header) agree but for the seed\n"
            "            form one line: the mean at each logged iteration, with a min-max band (--band std: mean\n"
            "            +- one standard deviation). Log-scale panels (grad, consensus) draw values <= F (default\n"
            "            1e-30; 0 included) at F and say so in the legend. The title names the settings the lines\n"
            "            share, the legend those that differ.\n"
            "  compare   topomix compare --format csv output: one bar per row in its order (the ranking); --y time\n"
            "            (default, time_to_eps), steps (steps_to_eps), bytes (bytes_per_node_to_eps), messages\n"
            "            (messages_per_step), rate; time, steps and bytes on a log scale.\n"
            "  xy        any CSV with a column line ('#' lines skipped): --y columns against --x, one line per\n"
            "            column, file and --group value.\n"
            "\n",
            TMX_DENSE_MAX_N);
    fprintf(f,
            "Options:\n"
            "  -o, --output FILE     the figure, FILE.png or FILE.svg (required); replaced only when gnuplot succeeds\n"
            "      --title TEXT      the figure's title (default: from the inputs)\n"
            "      --size W,H        pixels (default 900,560; sim: 480 per panel + 120, by 410 + the legend)\n"
            "      --labels A,B,...  legend entries, one per line drawn (gap: per topology; sim: per group of logs;\n"
            "                        xy: per line), in the order they are drawn\n"
            "      --curve 'EXPR:TITLE'  gap, xy: also draw the gnuplot expression EXPR in x (gap: x = n), dashed,\n"
            "                        over the data's x range; EXPR ends at its first ':' outside a ?: (write\n"
            "                        2.0/x, not 2/x: gnuplot divides integers as integers); repeatable\n"
            "  -h, --help            this help\n"
            "  The topology options of topomix topo (spectrum):\n" CLI_TOPO_HELP
            "\n"
            "Needs gnuplot (5.x, with the pngcairo terminal) on PATH. Exit status: 0 ok, 1 gnuplot missing or\n"
            "failed (its first error line) or a write failure, 2 bad input.\n");
}

/* ---- small helpers ---------------------------------------------------------------------------- */

/* A growing string. */
typedef struct sbuf {
    char *s;
    size_t len, cap;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int need = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (need < 0) cli_die(1, "formatting the gnuplot script failed");
        if (b->s && b->len + (size_t)need < b->cap) {
            b->len += (size_t)need;
            return;
        }
        b->cap = (b->cap + (size_t)need + 1) * 2;
        b->s = cli_xrealloc(b->s, b->cap);
        if (b->len == 0) b->s[0] = '\0';
    }
}

/* A gnuplot string literal: single quotes ('' inside), no line breaks. */
static void sb_quote(sbuf *b, const char *s)
{
    sb_printf(b, "'");
    for (; *s; s++) {
        if (*s == '\'') sb_printf(b, "''");
        else if (*s == '\n' || *s == '\r') sb_printf(b, " ");
        else sb_printf(b, "%c", *s);
    }
    sb_printf(b, "'");
}

/* A number for a data block: NaN for missing values (gnuplot skips the point). */
static void sb_num(sbuf *b, double x)
{
    if (isfinite(x)) sb_printf(b, " %.17g", x);
    else sb_printf(b, " NaN");
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* Splits a comma list into a NULL-terminated array (the copy is kept: the array points into it). */
static char **split_list(const char *s, int *count)
{
    char *copy = cli_xstrdup(s);
    int n = 1;
    for (const char *q = s; *q; q++) n += *q == ',';
    char **out = cli_xmalloc(((size_t)n + 1) * sizeof *out);
    int k = 0;
    for (char *tok = copy, *comma;; tok = comma + 1) {
        comma = strchr(tok, ',');
        if (comma) *comma = '\0';
        out[k++] = tok;
        if (!comma) break;
    }
    out[k] = NULL;
    *count = k;
    return out;
}

static int need_col(const table *t, const char *name, const char *what)
{
    int j = table_col(t, name);
    if (j < 0) cli_die(EXIT_USAGE, "%s has no column '%s'; is it %s?", t->path, name, what);
    return j;
}

/* ---- gnuplot ---------------------------------------------------------------------------------- */

/* The gnuplot program on PATH, or NULL. */
static char *find_gnuplot(void)
{
    const char *path = getenv("PATH");
    if (!path || !*path) return NULL;
    char *copy = cli_xstrdup(path), *save = NULL, *found = NULL;
    for (char *dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
        size_t n = strlen(dir) + sizeof "/gnuplot";
        char *cand = cli_xmalloc(n);
        snprintf(cand, n, "%s/gnuplot", *dir ? dir : ".");
        struct stat sb;
        if (stat(cand, &sb) == 0 && S_ISREG(sb.st_mode) && access(cand, X_OK) == 0) found = cand;
        else free(cand);
    }
    free(copy);
    return found;
}

typedef struct figure {
    const char *out; /* -o */
    int svg;
    int width, height;
    sbuf script; /* after the terminal line */
} figure;

/* The first line of gnuplot's error output that names the error ("line N: ..."), else the first
 * non-blank one. */
static void first_error(FILE *err, char *buf, size_t len)
{
    char line[1024];
    buf[0] = '\0';
    rewind(err);
    while (fgets(line, sizeof line, err)) {
        char *p = line + strspn(line, " \t");
        p[strcspn(p, "\r\n")] = '\0';
        if (!*p || *p == '^') continue;
        if (strstr(p, "line ") && strchr(p, ':') && (strstr(p, "error") || strstr(p, ": "))) {
            const char *at = strstr(p, "line ");
            if (at[5] >= '0' && at[5] <= '9') {
                snprintf(buf, len, "%s", p);
                return;
            }
        }
        if (!buf[0]) snprintf(buf, len, "%s", p);
    }
}

/* Runs gnuplot on the script, its image going to fig->out through the safe-output mechanism. */
static void render(figure *fig)
{
    char *gp = find_gnuplot();
    if (!gp) cli_die(1, "gnuplot is not on PATH; install it (Debian: apt-get install gnuplot-nox) to draw figures");
    sbuf all = {0};
    sb_printf(&all, "set encoding utf8\n");
    if (fig->svg) sb_printf(&all, "set terminal svg size %d,%d dynamic enhanced font 'sans,11' background rgb 'white'\n", fig->width, fig->height);
    else sb_printf(&all, "set terminal pngcairo size %d,%d enhanced font 'sans,11'\n", fig->width, fig->height);
    sb_printf(&all, "%s", fig->script.s ? fig->script.s : "");
    FILE *err = tmpfile();
    if (!err) cli_die(1, "cannot create a temporary file for gnuplot's messages: %s", strerror(errno));
    tmx__ofile *o = cli_ofile_open(fig->out, TMX__OF_BINARY);
    int pipefd[2];
    if (pipe(pipefd) != 0) cli_die(1, "cannot create a pipe to gnuplot: %s", strerror(errno));
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pipefd[0], 0);
    posix_spawn_file_actions_adddup2(&fa, o->fd, 1);
    posix_spawn_file_actions_adddup2(&fa, fileno(err), 2);
    posix_spawn_file_actions_addclose(&fa, pipefd[1]);
    char *argv[] = {gp, "-d", NULL}; /* -d: no ~/.gnuplot, the same figure for everyone */
    pid_t pid;
    fflush(NULL);
    int e = posix_spawn(&pid, gp, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(pipefd[0]);
    if (e != 0) cli_die(1, "cannot run %s: %s", gp, strerror(e));
    /* a gnuplot that stops reading (it failed) must not kill us: its exit status says why */
    struct sigaction ign, old;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ign, &old);
    size_t off = 0;
    while (off < all.len) {
        ssize_t w = write(pipefd[1], all.s + off, all.len - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) break; /* gnuplot exited: reported below */
        off += (size_t)w;
    }
    close(pipefd[1]);
    sigaction(SIGPIPE, &old, NULL);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) cli_die(1, "lost gnuplot: %s", strerror(errno));
    char msg[1024];
    first_error(err, msg, sizeof msg);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        if (WIFSIGNALED(status)) cli_die(1, "gnuplot was killed by signal %d%s%s", WTERMSIG(status), msg[0] ? ": " : "", msg);
        cli_die(1, "gnuplot failed (exit %d): %s", WEXITSTATUS(status), msg[0] ? msg : "no message");
    }
    struct stat sb;
    if (fstat(o->fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size == 0)
        cli_die(1, "gnuplot exited 0 but wrote no image%s%s", msg[0] ? ": " : "", msg);
    /* warnings of a successful run (e.g. a line with no valid points) are worth seeing */
    rewind(err);
    char line[1024];
    while (fgets(line, sizeof line, err))
        if (strstr(line, "warning") && !strstr(line, "difficulty fitting")) fprintf(stderr, "topomix plot: gnuplot: %s", line + strspn(line, " \t"));
    fclose(err);
    cli_close_output(o->f);
    free(all.s);
    free(gp);
}

/* ---- shared option state ---------------------------------------------------------------------- */

typedef struct popts {
    const char *out, *title, *y, *x, *panels, *band, *group, *xlabel, *ylabel, *style;
    char **labels;
    int nlabels;
    const char **curves;
    int ncurves;
    int width, height, have_size;
    double floor;
    int have_floor, logy_loss, logx, logy;
    int64_t step;
    int have_step;
    cli_topo topo;
} popts;

static const char *label_of(const popts *o, int i, const char *fallback)
{
    return o->labels && i < o->nlabels ? o->labels[i] : fallback;
}

static void check_labels(const popts *o, int lines, const char *what)
{
    if (o->labels && o->nlabels != lines)
        cli_usage("--labels gives %d entr%s, the figure has %d %s", o->nlabels, o->nlabels == 1 ? "y" : "ies", lines, what);
}

static void title_line(sbuf *s, const popts *o, const char *dflt)
{
    sb_printf(s, "set title ");
    sb_quote(s, o->title ? o->title : dflt);
    sb_printf(s, " noenhanced\n");
}

/* The ':' that ends a --curve's EXPR: the first one that does not close a ternary a ? b : c. */
static const char *curve_colon(const char *c)
{
    int open = 0;
    for (; *c; c++) {
        if (*c == '?') open++;
        else if (*c == ':' && open > 0) open--;
        else if (*c == ':') return c;
    }
    return NULL;
}

/* The --curve functions, appended to a plot command (the x range is the data's). */
static void plot_curves(sbuf *s, const popts *o, int *first)
{
    for (int i = 0; i < o->ncurves; i++) {
        const char *c = o->curves[i], *colon = curve_colon(c);
        sb_printf(s, "%s%.*s with lines dt 2 lw 2 title ", *first ? "plot " : ", ", colon ? (int)(colon - c) : (int)strlen(c), c);
        sb_quote(s, colon ? colon + 1 : c);
        sb_printf(s, " noenhanced");
        *first = 0;
    }
}

/* ---- gap -------------------------------------------------------------------------------------- */

static void plot_gap(figure *fig, const popts *o, char **inputs, int ninputs)
{
    const char *y = o->y ? o->y : "gap";
    const char *ycol, *ylabel;
    int logy = 1;
    if (!strcmp(y, "gap")) ycol = "rate_gap", ylabel = "1 - per-step rate  (static: 1 - slem; periodic: 1 - period\\_rate^{1/P})";
    else if (!strcmp(y, "rate")) ycol = "rate", ylabel = "per-step rate (slem; periodic: period\\_rate^{1/P})", logy = 0;
    else if (!strcmp(y, "inv-gap")) ycol = "rate_gap", ylabel = "1 / (1 - per-step rate)";
    else if (!strcmp(y, "steps")) ycol = "steps_to_eps", ylabel = "gossip steps to consensus error eps";
    else if (!strcmp(y, "time")) ycol = "time_to_eps", ylabel = "time to consensus error eps (s)";
    else cli_usage("unknown --y '%s' for plot gap (gap, rate, inv-gap, steps, time)", y);
    /* topologies in order of first appearance, their points over every input */
    char **names = NULL;
    sbuf *blocks = NULL;
    int nt = 0;
    double xmin = INFINITY, xmax = -INFINITY;
    for (int f = 0; f < ninputs; f++) {
        table t;
        table_read(&t, inputs[f], EXIT_USAGE);
        const char *what = "the output of topomix gap --sweep";
        if (t.json) cli_die(EXIT_USAGE, "%s holds JSON; plot gap reads the CSV of topomix gap --sweep", t.path);
        int jt = need_col(&t, "topology", what), jn = need_col(&t, "n", what), jy = need_col(&t, ycol, what);
        for (int64_t i = 0; i < t.nrow; i++) {
            const char *name = table_str(&t, i, jt);
            int k = 0;
            while (k < nt && strcmp(names[k], name)) k++;
            if (k == nt) {
                names = cli_xrealloc(names, (size_t)(nt + 1) * sizeof *names);
                blocks = cli_xrealloc(blocks, (size_t)(nt + 1) * sizeof *blocks);
                names[nt] = cli_xstrdup(name);
                memset(&blocks[nt], 0, sizeof *blocks);
                nt++;
            }
            double n = table_num(&t, i, jn), v = table_num(&t, i, jy);
            if (!strcmp(y, "inv-gap")) v = v > 0 ? 1.0 / v : NAN;
            if (logy && !(v > 0)) v = NAN; /* no place on a log axis (a gap of 0: disconnected) */
            if (isfinite(n) && n > 0) xmin = fmin(xmin, n), xmax = fmax(xmax, n);
            sb_printf(&blocks[k], "%.17g", n);
            sb_num(&blocks[k], v);
            sb_printf(&blocks[k], "\n");
        }
        table_free(&t);
    }
    if (nt == 0) cli_die(EXIT_USAGE, "%s holds no rows to draw", inputs[0]);
    check_labels(o, nt, "topologies");
    sbuf *s = &fig->script;
    for (int k = 0; k < nt; k++) sb_printf(s, "$T%d << EOD\n%sEOD\n", k, blocks[k].s);
    title_line(s, o, "Consensus speed of topologies");
    sb_printf(s, "set logscale x\nset xlabel 'number of nodes n'\nset ylabel '%s'\n", ylabel);
    if (logy) sb_printf(s, "set logscale y\nset format y '10^{%%L}'\n");
    sb_printf(s, "set grid\nset key outside right noenhanced\nset samples 400\n");
    if (isfinite(xmin)) sb_printf(s, "set xrange [%.17g:%.17g]\n", xmin, xmax > xmin ? xmax : xmin * 2);
    int first = 1;
    for (int k = 0; k < nt; k++) {
        sb_printf(s, "%s$T%d using 1:2 with linespoints lw 2 pt 7 ps 0.6 title ", first ? "plot " : ", ", k);
        sb_quote(s, label_of(o, k, names[k]));
        first = 0;
    }
    plot_curves(s, o, &first);
    sb_printf(s, "\n");
    for (int k = 0; k < nt; k++) free(names[k]), free(blocks[k].s);
    free(names);
    free(blocks);
}

/* ---- spectrum --------------------------------------------------------------------------------- */

static void plot_spectrum(figure *fig, const popts *o)
{
    if (!o->topo.name) cli_usage("plot spectrum needs --topology NAME (or file:PATH)");
    if (!o->topo.have_n && strncmp(o->topo.name, "file:", 5) != 0) cli_usage("-n N (number of nodes) is required");
    tmx_topo *t = cli_topo_new(&o->topo);
    int64_t n = tmx_topo_n(t), k = o->step;
    if (n > TMX_DENSE_MAX_N)
        cli_die(EXIT_USAGE, "plot spectrum: n = %lld exceeds the dense limit %d", (long long)n, TMX_DENSE_MAX_N);
    tmx_csr W = {0};
    tmx_status st = tmx_topo_weights(t, k, &W);
    if (st != TMX_OK) cli_die_status(st);
    double *re = cli_xmalloc((size_t)n * sizeof *re), *im = cli_xmalloc((size_t)n * sizeof *im);
    int sym = 0;
    if ((st = tmx_spectrum(&W, re, im, &sym)) != TMX_OK) cli_die_status(st);
    /* the slem: the largest modulus once one eigenvalue 1 (the consensus direction) is set aside;
     * it is the eigenvalue nearest 1 */
    int64_t one = 0;
    for (int64_t i = 1; i < n; i++)
        if (hypot(re[i] - 1.0, im[i]) < hypot(re[one] - 1.0, im[one])) one = i;
    double slem = 0.0;
    for (int64_t i = 0; i < n; i++)
        if (i != one) slem = fmax(slem, hypot(re[i], im[i]));
    char name[256], title[512];
    if (strncmp(o->topo.name, "file:", 5) == 0) snprintf(name, sizeof name, "%s", base_name(o->topo.name + 5));
    else snprintf(name, sizeof name, "%s", tmx_topo_name(t));
    if (tmx_topo_kind_of(t) == TMX_TOPO_STATIC)
        snprintf(title, sizeof title, "Eigenvalues of W: %s, n = %lld", name, (long long)n);
    else snprintf(title, sizeof title, "Eigenvalues of W^{(%lld)}: %s, n = %lld", (long long)k, name, (long long)n);
    sbuf *s = &fig->script;
    if (sym) {
        /* eigenvalues equal to 1e-9 are one point with their multiplicity */
        sb_printf(s, "$E << EOD\n");
        for (int64_t i = 0; i < n;) {
            int64_t j = i;
            while (j < n && re[j] - re[i] <= 1e-9) j++;
            sb_printf(s, "%.17g %lld\n", re[i], (long long)(j - i));
            i = j;
        }
        sb_printf(s, "EOD\n");
        title_line(s, o, title);
        sb_printf(s, "set xrange [-1.05:1.05]\nset yrange [0:*]\nset xlabel 'eigenvalue (real: W is symmetric)'\n"
                     "set ylabel 'multiplicity'\nset grid\nset key outside right noenhanced\n"
                     "set arrow from %.17g, graph 0 to %.17g, graph 1 nohead dt 2 lc rgb 'red'\n"
                     "set arrow from %.17g, graph 0 to %.17g, graph 1 nohead dt 2 lc rgb 'red'\n",
                  slem, slem, -slem, -slem);
        sb_printf(s, "plot $E using 1:2 with impulses lw 2 lc rgb '#1f77b4' title 'eigenvalues (height: multiplicity)', "
                     "$E using 1:2 with points pt 7 ps 0.7 lc rgb '#1f77b4' notitle, "
                     "NaN with lines dt 2 lc rgb 'red' title sprintf('slem = %%.6g, gap 1 - slem = %%.3g', %.17g, %.17g)\n",
                  slem, 1.0 - slem);
    } else {
        sb_printf(s, "$E << EOD\n");
        for (int64_t i = 0; i < n; i++) sb_printf(s, "%.17g %.17g\n", re[i], im[i]);
        sb_printf(s, "EOD\n");
        title_line(s, o, title);
        sb_printf(s, "set size ratio -1\nset xrange [-1.1:1.1]\nset yrange [-1.1:1.1]\nset xlabel 'real part'\n"
                     "set ylabel 'imaginary part'\nset grid\nset key outside right noenhanced\nset parametric\n"
                     "set trange [0:2*pi]\nset samples 400\n");
        sb_printf(s, "plot cos(t), sin(t) with lines lc rgb 'gray' title 'unit circle', "
                     "%.17g*cos(t), %.17g*sin(t) with lines dt 2 lc rgb 'red' title sprintf('slem = %%.6g', %.17g), "
                     "$E using 1:2 with points pt 7 ps 0.8 lc rgb '#1f77b4' title 'eigenvalues (W is not symmetric)'\n",
                  slem, slem, slem);
    }
    free(re);
    free(im);
    tmx_csr_destroy(&W);
    tmx_topo_free(t);
}

/* ---- sim -------------------------------------------------------------------------------------- */

static const struct panel {
    const char *name, *col, *ylabel;
    int log;
} panels[] = {
    {"loss", "loss", "loss f(x̄)", 0},
    {"grad", "grad_norm2", "‖∇f(x̄)‖²", 1},
    {"consensus", "consensus", "consensus distance (1/n) Σ‖x_i − x̄‖²", 1},
    {"accuracy", "accuracy", "accuracy at x̄", 0},
    {"lr", "lr", "step size", 0},
    {"staleness", "staleness", "staleness (updates by others)", 0},
};
#define NPANELS (int)(sizeof panels / sizeof panels[0])

/* Settings that are not the configuration: the seed, and the command that carries it. */
static int ignored_key(const char *k) { return !strcmp(k, "seed") || !strcmp(k, "command"); }

/* Whether two logs are runs of one configuration: same settings but the seed; logs without
 * settings never group. */
static int same_config(const table *a, const table *b)
{
    if (a->nset == 0 || b->nset == 0) return 0;
    for (int pass = 0; pass < 2; pass++) {
        const table *x = pass ? b : a, *y = pass ? a : b;
        for (int i = 0; i < x->nset; i++) {
            if (ignored_key(x->key[i])) continue;
            const char *v = table_setting(y, x->key[i]);
            if (!v || strcmp(v, x->val[i])) return 0;
        }
    }
    return 1;
}

typedef struct group {
    int *logs, nlogs;
    char label[512];
} group;

/* The row of `t` at iteration `iter` (rows ascend in iter), or -1. */
static int64_t row_at(const table *t, int jiter, double iter, int64_t from)
{
    for (int64_t i = from; i < t->nrow; i++) {
        double v = table_num(t, i, jiter);
        if (v == iter) return i;
        if (v > iter) return -1;
    }
    return -1;
}

static void plot_sim(figure *fig, const popts *o, char **inputs, int nlogs)
{
    const char *xname = o->x ? o->x : "iter", *xcol, *xlabel;
    if (!strcmp(xname, "iter")) xcol = "iter", xlabel = "iteration";
    else if (!strcmp(xname, "time")) xcol = "time", xlabel = "simulated time (s)";
    else if (!strcmp(xname, "bytes")) xcol = "bytes_sent", xlabel = "bytes sent (all nodes)";
    else cli_usage("unknown --x '%s' for plot sim (iter, time, bytes)", xname);
    int npan = 0, which[NPANELS];
    {
        int count;
        char **list = split_list(o->panels ? o->panels : "loss,consensus", &count);
        for (int i = 0; i < count; i++) {
            int p = 0;
            while (p < NPANELS && strcmp(panels[p].name, list[i])) p++;
            if (p == NPANELS) cli_usage("unknown panel '%s' (loss, grad, consensus, accuracy, lr, staleness)", list[i]);
            for (int q = 0; q < npan; q++)
                if (which[q] == p) cli_usage("--panels names '%s' twice", list[i]);
            which[npan++] = p;
        }
        free(list[0]);
        free(list);
    }
    const char *band = o->band ? o->band : "minmax";
    if (strcmp(band, "minmax") && strcmp(band, "std") && strcmp(band, "none"))
        cli_usage("unknown --band '%s' (minmax, std, none)", band);
    table *t = cli_xmalloc((size_t)nlogs * sizeof *t);
    for (int f = 0; f < nlogs; f++) {
        table_read(&t[f], inputs[f], EXIT_USAGE);
        if (t[f].json)
            cli_die(EXIT_USAGE, "%s is a JSON-lines log; plot sim reads CSV logs (topomix sim --format csv)", t[f].path);
        if (table_col(&t[f], "iter") != 0 || table_col(&t[f], "loss") < 0)
            cli_die(EXIT_USAGE, "%s is not a topomix sim log (its column line does not start with iter,loss)", t[f].path);
        if (table_col(&t[f], xcol) < 0)
            cli_die(EXIT_USAGE, "%s has no %s column (a log written before topomix sim had it); use --x iter", t[f].path, xcol);
        if (t[f].nrow == 0) cli_die(EXIT_USAGE, "%s holds no rows", t[f].path);
        for (int q = 0; q < npan; q++) {
            int j = table_col(&t[f], panels[which[q]].col);
            if (j < 0) cli_die(EXIT_USAGE, "%s has no %s column for the %s panel", t[f].path, panels[which[q]].col, panels[which[q]].name);
            int any = 0;
            for (int64_t i = 0; i < t[f].nrow && !any; i++) any = table_str(&t[f], i, j)[0] != '\0';
            if (!any)
                cli_die(EXIT_USAGE, "%s has no %s values (empty column: %s)", t[f].path, panels[which[q]].name,
                        !strcmp(panels[which[q]].name, "accuracy") ? "lsq-nc has no accuracy" : "not defined for this run");
        }
    }
    /* groups: logs of one configuration but the seed */
    group *g = cli_xmalloc((size_t)nlogs * sizeof *g);
    int ng = 0;
    for (int f = 0; f < nlogs; f++) {
        int k = 0;
        while (k < ng && !same_config(&t[g[k].logs[0]], &t[f])) k++;
        if (k == ng) {
            g[ng].logs = cli_xmalloc((size_t)nlogs * sizeof *g[ng].logs);
            g[ng].nlogs = 0;
            ng++;
        }
        g[k].logs[g[k].nlogs++] = f;
    }
    check_labels(o, ng, ng == 1 ? "group of logs" : "groups of logs (logs that differ only in the seed form one)");
    /* the title: settings every group shares; legend entries: the ones that differ */
    static const char *const title_keys[] = {"algo", "topology", "n", "lr", "problem"};
    sbuf shared = {0};
    char tmp[600];
    sb_printf(&shared, "%s", "");
    const table *t0 = &t[g[0].logs[0]];
    int differs[5] = {0};
    for (int q = 0; q < 5; q++) {
        const char *v0 = table_setting(t0, title_keys[q]);
        for (int k = 1; k < ng; k++) {
            const char *v = table_setting(&t[g[k].logs[0]], title_keys[q]);
            differs[q] |= !v0 || !v || strcmp(v, v0);
        }
        differs[q] |= !v0;
    }
    const char *sv;
    if (!differs[0] && (sv = table_setting(t0, "algo"))) sb_printf(&shared, "%s", sv);
    if (!differs[1] && (sv = table_setting(t0, "topology"))) sb_printf(&shared, "%s%s", shared.len ? " on " : "", sv);
    for (int q = 2; q < 5; q++)
        if (!differs[q] && (sv = table_setting(t0, title_keys[q])))
            sb_printf(&shared, "%s%s%s%s", shared.len ? ", " : "", q == 4 ? "" : title_keys[q], q == 4 ? "" : " = ", sv);
    int same_count = 1;
    for (int k = 1; k < ng; k++) same_count &= g[k].nlogs == g[0].nlogs;
    const char *band_words = !strcmp(band, "minmax") ? " with a min-max band" : !strcmp(band, "std") ? " with a ±1 std band" : "";
    if (same_count && g[0].nlogs > 1) {
        sb_printf(&shared, "%s%d seeds per line: their mean%s", shared.len ? "; " : "", g[0].nlogs, band_words);
    }
    for (int k = 0; k < ng; k++) {
        const table *a = &t[g[k].logs[0]];
        char *lab = g[k].label;
        lab[0] = '\0';
        /* the settings that differ from some other group (at most 3): "value" alone when one does.
         * First those every group has (topology, lr, ...): a topology's own parameters (rows of a
         * torus) name it no better than its name does; then, if none, the others. */
        int ndiff = 0, which_diff[3];
        for (int pass = 0; pass < 2 && ndiff == 0; pass++)
            for (int i = 0; i < a->nset && ndiff < 3; i++) {
                if (ignored_key(a->key[i])) continue;
                int diff = 0, everywhere = 1;
                for (int m = 0; m < ng; m++) {
                    const char *w = table_setting(&t[g[m].logs[0]], a->key[i]);
                    everywhere &= w != NULL;
                    diff |= m != k && (!w || strcmp(w, a->val[i]));
                }
                if (diff && (everywhere || pass == 1)) which_diff[ndiff++] = i;
            }
        for (int d = 0; d < ndiff; d++) {
            size_t used = strlen(lab);
            int i = which_diff[d];
            if (ndiff == 1) snprintf(lab, sizeof g[k].label, "%s", a->val[i]);
            else snprintf(lab + used, sizeof g[k].label - used, "%s%s=%s", d ? ", " : "", a->key[i], a->val[i]);
        }
        if (!ndiff) snprintf(lab, sizeof g[k].label, "%s", base_name(a->path));
        if (o->labels) snprintf(lab, sizeof g[k].label, "%s", o->labels[k]);
        if (!same_count && g[k].nlogs > 1) {
            size_t used = strlen(lab);
            snprintf(lab + used, sizeof g[k].label - used, " (mean of %d seeds)", g[k].nlogs);
        }
    }
    /* per panel and group: x (the mean over the group), mean, low, high at the iterations every log
     * of the group has (a run stopped early by --target-loss ends the group's line) */
    typedef struct series {
        double *v; /* 4 per point */
        int64_t n;
    } series;
    series *ser = cli_xmalloc((size_t)(npan * ng) * sizeof *ser);
    double *floors = cli_xmalloc((size_t)npan * sizeof *floors);
    int *clamped = cli_xmalloc((size_t)npan * sizeof *clamped);
    for (int q = 0; q < npan; q++) {
        const struct panel *P = &panels[which[q]];
        double minpos = INFINITY;
        for (int k = 0; k < ng; k++) {
            series *S = &ser[q * ng + k];
            const table *a = &t[g[k].logs[0]];
            int ja = table_col(a, "iter");
            S->v = cli_xmalloc((size_t)a->nrow * 4 * sizeof *S->v);
            S->n = 0;
            int64_t *pos = cli_xmalloc((size_t)g[k].nlogs * sizeof *pos);
            for (int m = 0; m < g[k].nlogs; m++) pos[m] = 0;
            for (int64_t i = 0; i < a->nrow; i++) {
                double iter = table_num(a, i, ja), sx = 0, sy = 0, sy2 = 0, lo = INFINITY, hi = -INFINITY;
                int cnt = 0, all = 1;
                for (int m = 0; m < g[k].nlogs && all; m++) {
                    const table *b = &t[g[k].logs[m]];
                    int64_t r = row_at(b, table_col(b, "iter"), iter, pos[m]);
                    if (r < 0) {
                        all = 0;
                        break;
                    }
                    pos[m] = r;
                    double x = table_num(b, r, table_col(b, xcol)), y = table_num(b, r, table_col(b, P->col));
                    sx += x, sy += y, sy2 += y * y, cnt++;
                    lo = fmin(lo, y), hi = fmax(hi, y);
                }
                if (!all || cnt == 0) continue;
                double mean = sy / cnt, sd = cnt > 1 ? sqrt(fmax(0.0, (sy2 - sy * sy / cnt) / (cnt - 1))) : 0.0;
                if (!strcmp(band, "std")) lo = mean - sd, hi = mean + sd;
                double *v = S->v + 4 * S->n++;
                v[0] = sx / cnt, v[1] = mean, v[2] = lo, v[3] = hi;
                if (mean > 0) minpos = fmin(minpos, mean);
                if (strcmp(band, "std") && lo > 0) minpos = fmin(minpos, lo);
            }
            free(pos);
        }
        /* the floor of a log panel: --floor, else 1e-30 or, when higher, 1/100 of the smallest
         * positive value drawn, so that a 0 (iteration 0's consensus) does not stretch the axis */
        double f = o->have_floor ? o->floor : 1e-30;
        if (!o->have_floor && isfinite(minpos) && minpos / 100 > f) f = pow(10.0, floor(log10(minpos / 100)));
        floors[q] = f;
        clamped[q] = 0;
        int logp = P->log || (o->logy_loss && !strcmp(P->name, "loss"));
        for (int k = 0; k < ng && logp; k++) {
            series *S = &ser[q * ng + k];
            for (int64_t i = 0; i < S->n; i++) {
                double *v = S->v + 4 * i;
                for (int c = 1; c < 4; c++)
                    if (isfinite(v[c]) && v[c] <= f) {
                        clamped[q] |= c == 1 || (c == 2 && strcmp(band, "std") && g[k].nlogs > 1 && strcmp(band, "none"));
                        v[c] = f;
                    }
            }
        }
    }
    sbuf *s = &fig->script;
    for (int q = 0; q < npan; q++)
        for (int k = 0; k < ng; k++) {
            series *S = &ser[q * ng + k];
            sb_printf(s, "$P%dG%d << EOD\n", q, k);
            for (int64_t i = 0; i < S->n; i++) {
                sb_printf(s, "%.17g", S->v[4 * i]);
                for (int c = 1; c < 4; c++) sb_num(s, S->v[4 * i + c]);
                sb_printf(s, "\n");
            }
            sb_printf(s, "EOD\n");
            free(S->v);
        }
    free(ser);
    /* one legend for the lines, under the whole figure (drawn by the first panel at a screen
     * position): as many columns as fit at about 7 px per character of an 11 pt sans font, and
     * the bottom margin to hold its rows. A panel that clamped at its floor says so in a key of
     * its own, inside it. */
    size_t maxlen = 8;
    for (int k = 0; k < ng; k++) maxlen = strlen(g[k].label) > maxlen ? strlen(g[k].label) : maxlen;
    int width = o->have_size ? o->width : 480 * npan + 120;
    int entry_w = 7 * (int)maxlen + 70, cols = (width - 40) / entry_w > 1 ? (width - 40) / entry_w : 1;
    if (cols > ng) cols = ng;
    int rows = (ng + cols - 1) / cols, bottom = 78 + 17 * rows;
    int height = o->have_size ? o->height : 330 + bottom;
    if (bottom > height / 2) bottom = height / 2;
    fig->width = width, fig->height = height;
    /* fixed margins: every panel the same size */
    sb_printf(s, "set multiplot layout 1,%d margins %.4f,%.4f,%.4f,%.4f spacing %.4f,0.1 title ", npan, 80.0 / width,
              1.0 - 20.0 / width, (double)bottom / height, 1.0 - 45.0 / height, 100.0 / width);
    sb_quote(s, o->title ? o->title : shared.len ? shared.s : "topomix sim");
    free(shared.s);
    sb_printf(s, " noenhanced\nset grid\nset autoscale xfix\nset xlabel '%s'\nset style fill transparent solid 0.2 noborder\n", xlabel);
    for (int q = 0; q < npan; q++) {
        const struct panel *P = &panels[which[q]];
        int logp = P->log || (o->logy_loss && !strcmp(P->name, "loss"));
        sb_printf(s, "set ylabel '%s'\n", P->ylabel);
        if (logp) sb_printf(s, "set logscale y\nset format y '10^{%%L}'\n");
        else sb_printf(s, "unset logscale y\nset format y '%%g'\n");
        if (q == 0)
            sb_printf(s, "set key at screen 0.5, screen %.4f center bottom vertical maxrows %d noenhanced\n", 8.0 / height,
                      rows + clamped[0]);
        else sb_printf(s, "set key inside right center noenhanced\n");
        int first = 1;
        for (int k = 0; k < ng; k++) {
            int c = k % 8 + 1;
            if (g[k].nlogs > 1 && strcmp(band, "none"))
                sb_printf(s, "%s$P%dG%d using 1:3:4 with filledcurves lc %d notitle", first ? "plot " : ", ", q, k, c), first = 0;
            sb_printf(s, "%s$P%dG%d using 1:2 with lines lw 2 lc %d ", first ? "plot " : ", ", q, k, c);
            if (q == 0) {
                sb_printf(s, "title ");
                sb_quote(s, g[k].label);
            } else sb_printf(s, "notitle");
            first = 0;
        }
        if (clamped[q]) {
            snprintf(tmp, sizeof tmp, "values <= %g (0 included) drawn at %g", floors[q], floors[q]);
            sb_printf(s, ", %.17g with lines dt 3 lc rgb 'gray40' title ", floors[q]);
            sb_quote(s, tmp);
        }
        sb_printf(s, "\n");
    }
    sb_printf(s, "unset multiplot\n");
    free(floors);
    free(clamped);
    for (int k = 0; k < ng; k++) free(g[k].logs);
    free(g);
    for (int f = 0; f < nlogs; f++) table_free(&t[f]);
    free(t);
}

/* ---- compare ---------------------------------------------------------------------------------- */

static void plot_compare(figure *fig, const popts *o, char **inputs, int ninputs)
{
    if (ninputs != 1) cli_usage("plot compare takes one CSV of topomix compare --format csv, got %d", ninputs);
    const char *y = o->y ? o->y : "time", *ycol, *ylabel;
    int logy = 1;
    if (!strcmp(y, "time")) ycol = "time_to_eps", ylabel = "time to consensus error eps (s)";
    else if (!strcmp(y, "steps")) ycol = "steps_to_eps", ylabel = "gossip steps to consensus error eps";
    else if (!strcmp(y, "bytes")) ycol = "bytes_per_node_to_eps", ylabel = "bytes per node to consensus error eps";
    else if (!strcmp(y, "messages")) ycol = "messages_per_step", ylabel = "messages per node per step", logy = 0;
    else if (!strcmp(y, "rate")) ycol = "rate", ylabel = "per-step rate", logy = 0;
    else cli_usage("unknown --y '%s' for plot compare (time, steps, bytes, messages, rate)", y);
    table t;
    table_read(&t, inputs[0], EXIT_USAGE);
    const char *what = "the output of topomix compare --format csv";
    if (t.json) cli_die(EXIT_USAGE, "%s holds JSON; plot compare reads topomix compare --format csv", t.path);
    int jl = need_col(&t, "label", what), jy = need_col(&t, ycol, what), jn = table_col(&t, "n");
    sbuf *s = &fig->script;
    sb_printf(s, "$B << EOD\n");
    double lo = INFINITY, hi = 0;
    int64_t bars = 0;
    for (int64_t i = 0; i < t.nrow; i++) {
        double v = table_num(&t, i, jy);
        if (!isfinite(v) || (logy && !(v > 0))) continue; /* a topology compare skipped, or 0 on a log axis */
        sb_printf(s, "%lld %.17g \"", (long long)bars++, v);
        for (const char *c = table_str(&t, i, jl); *c; c++) sb_printf(s, "%c", *c == '"' ? '\'' : *c);
        sb_printf(s, "\"\n");
        lo = fmin(lo, v), hi = fmax(hi, v);
    }
    sb_printf(s, "EOD\n");
    if (bars == 0) cli_die(EXIT_USAGE, "%s holds no row with a %s value to draw", t.path, ycol);
    char title[256];
    if (jn >= 0 && t.nrow > 0) snprintf(title, sizeof title, "Topologies at n = %s: %s", table_str(&t, 0, jn), ylabel);
    else snprintf(title, sizeof title, "Topologies: %s", ylabel);
    title_line(s, o, title);
    double base = logy ? pow(10.0, floor(log10(lo))) : 0.0;
    sb_printf(s, "set ylabel '%s'\nset xtics rotate by -45 noenhanced\nset grid ytics\nset style fill solid 0.7 border -1\n"
                 "set xrange [-0.6:%lld.6]\nunset key\n", ylabel, (long long)bars - 1);
    if (logy) sb_printf(s, "set logscale y\nset format y '10^{%%L}'\nset yrange [%.17g:%.17g]\n", base, hi * 3);
    else sb_printf(s, "set yrange [0:*]\n");
    sb_printf(s, "plot $B using 1:2:($1-0.35):($1+0.35):(%.17g):2:xtic(3) with boxxyerror lc rgb '#1f77b4'\n", base);
    table_free(&t);
}

/* ---- xy --------------------------------------------------------------------------------------- */

static void plot_xy(figure *fig, const popts *o, char **inputs, int ninputs)
{
    if (!o->x) cli_usage("plot xy needs --x COLUMN");
    if (!o->y) cli_usage("plot xy needs --y COLUMN[,COLUMN...]");
    const char *style = o->style ? o->style : "linespoints";
    if (strcmp(style, "lines") && strcmp(style, "points") && strcmp(style, "linespoints"))
        cli_usage("unknown --style '%s' (lines, points, linespoints)", style);
    int ny;
    char **ys = split_list(o->y, &ny);
    sbuf *s = &fig->script;
    sbuf plot = {0};
    int lines = 0;
    char lab[600];
    for (int f = 0; f < ninputs; f++) {
        table t;
        table_read(&t, inputs[f], EXIT_USAGE);
        if (t.json) cli_die(EXIT_USAGE, "%s holds JSON; plot xy reads CSV", t.path);
        int jx = table_col(&t, o->x), jg = -1;
        if (jx < 0) cli_die(EXIT_USAGE, "%s has no column '%s' (--x)", t.path, o->x);
        if (o->group && (jg = table_col(&t, o->group)) < 0) cli_die(EXIT_USAGE, "%s has no column '%s' (--group)", t.path, o->group);
        /* the distinct --group values, in order */
        int nval = 1;
        const char **vals = cli_xmalloc((size_t)(t.nrow + 1) * sizeof *vals);
        vals[0] = NULL;
        if (jg >= 0) {
            nval = 0;
            for (int64_t i = 0; i < t.nrow; i++) {
                int k = 0;
                while (k < nval && strcmp(vals[k], table_str(&t, i, jg))) k++;
                if (k == nval) vals[nval++] = table_str(&t, i, jg);
            }
        }
        for (int c = 0; c < ny; c++) {
            int jy = table_col(&t, ys[c]);
            if (jy < 0) cli_die(EXIT_USAGE, "%s has no column '%s' (--y)", t.path, ys[c]);
            for (int v = 0; v < nval; v++) {
                sb_printf(s, "$L%d << EOD\n", lines);
                for (int64_t i = 0; i < t.nrow; i++) {
                    if (jg >= 0 && strcmp(table_str(&t, i, jg), vals[v])) continue;
                    double x = table_num(&t, i, jx), y = table_num(&t, i, jy);
                    if (o->logx && !(x > 0)) x = NAN;
                    if (o->logy && !(y > 0)) y = NAN;
                    sb_num(s, x);
                    sb_num(s, y);
                    sb_printf(s, "\n");
                }
                sb_printf(s, "EOD\n");
                lab[0] = '\0';
                if (ny > 1 || (jg < 0 && ninputs == 1)) snprintf(lab, sizeof lab, "%s", ys[c]);
                if (jg >= 0) snprintf(lab + strlen(lab), sizeof lab - strlen(lab), "%s%s=%s", lab[0] ? ", " : "", o->group, vals[v]);
                if (ninputs > 1) snprintf(lab + strlen(lab), sizeof lab - strlen(lab), "%s%s", lab[0] ? ", " : "", base_name(t.path));
                sb_printf(&plot, "%s$L%d using 1:2 with %s lw 2 pt 7 ps 0.6 title ", lines ? ", " : "plot ", lines, style);
                sb_quote(&plot, label_of(o, lines, lab));
                lines++;
            }
        }
        free(vals);
        table_free(&t);
    }
    check_labels(o, lines, "lines");
    title_line(s, o, o->y);
    sb_printf(s, "set xlabel ");
    sb_quote(s, o->xlabel ? o->xlabel : o->x);
    sb_printf(s, " noenhanced\nset ylabel ");
    sb_quote(s, o->ylabel ? o->ylabel : ny == 1 ? ys[0] : "");
    sb_printf(s, " noenhanced\nset grid\nset key outside right noenhanced\nset samples 400\n");
    if (o->logx) sb_printf(s, "set logscale x\n");
    if (o->logy) sb_printf(s, "set logscale y\nset format y '10^{%%L}'\n");
    int first = 0;
    sb_printf(s, "%s", plot.s);
    plot_curves(s, o, &first);
    sb_printf(s, "\n");
    free(plot.s);
    free(ys[0]);
    free(ys);
}

/* ---- the command ------------------------------------------------------------------------------ */

int cmd_plot(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},
        {"title", required_argument, NULL, OPT_TITLE},
        {"size", required_argument, NULL, OPT_SIZE},
        {"labels", required_argument, NULL, OPT_LABELS},
        {"y", required_argument, NULL, OPT_Y},
        {"curve", required_argument, NULL, OPT_CURVE},
        {"x", required_argument, NULL, OPT_X},
        {"panels", required_argument, NULL, OPT_PANELS},
        {"band", required_argument, NULL, OPT_BAND},
        {"floor", required_argument, NULL, OPT_FLOOR},
        {"logy-loss", no_argument, NULL, OPT_LOGY_LOSS},
        {"group", required_argument, NULL, OPT_GROUP},
        {"logx", no_argument, NULL, OPT_LOGX},
        {"logy", no_argument, NULL, OPT_LOGY},
        {"xlabel", required_argument, NULL, OPT_XLABEL},
        {"ylabel", required_argument, NULL, OPT_YLABEL},
        {"style", required_argument, NULL, OPT_STYLE},
        {"step", required_argument, NULL, OPT_PSTEP},
        CLI_TOPO_LONGOPTS,
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    /* which kinds each option applies to: g(ap) s(pectrum) S(im) c(ompare) x(y) */
    static const struct {
        int opt;
        const char *name, *kinds;
    } applies[] = {
        {OPT_Y, "--y", "gcx"},          {OPT_CURVE, "--curve", "gx"},      {OPT_X, "--x", "Sx"},
        {OPT_PANELS, "--panels", "S"},  {OPT_BAND, "--band", "S"},         {OPT_FLOOR, "--floor", "S"},
        {OPT_LOGY_LOSS, "--logy-loss", "S"}, {OPT_GROUP, "--group", "x"}, {OPT_LOGX, "--logx", "x"},
        {OPT_LOGY, "--logy", "x"},      {OPT_XLABEL, "--xlabel", "x"},     {OPT_YLABEL, "--ylabel", "x"},
        {OPT_STYLE, "--style", "x"},    {OPT_PSTEP, "--step", "s"},        {OPT_LABELS, "--labels", "gSx"},
    };
    static const char *const kinds[] = {"gap", "spectrum", "sim", "compare", "xy"};
    static const char kind_letter[] = "gsScx";
    cli_prog = "topomix plot";
    popts o;
    memset(&o, 0, sizeof o);
    cli_topo_init(&o.topo);
    int kind = -1, opt, topo_opt = 0;
    if (argc >= 2 && argv[1][0] != '-') {
        for (int k = 0; k < 5; k++)
            if (!strcmp(argv[1], kinds[k])) kind = k;
        if (kind < 0) cli_usage("unknown kind '%s' (gap, spectrum, sim, compare, xy)", argv[1]);
        argv[1] = argv[0]; /* getopt starts after the kind */
        argv++, argc--;
    }
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":ho:n:", opts, NULL)) != -1) {
        if (opt == 'h') {
            usage(stdout);
            return 0;
        }
        if (kind < 0) cli_usage("the kind comes first: topomix plot gap|spectrum|sim|compare|xy INPUT... -o OUT");
        for (size_t i = 0; i < sizeof applies / sizeof *applies; i++)
            if (applies[i].opt == opt && !strchr(applies[i].kinds, kind_letter[kind]))
                cli_usage("%s does not apply to plot %s", applies[i].name, kinds[kind]);
        if (cli_topo_option(&o.topo, opt, optarg)) {
            if (kind != 1) cli_usage("%s does not apply to plot %s (topology options are for plot spectrum)", argv[optind - 1], kinds[kind]);
            topo_opt = 1;
            continue;
        }
        switch (opt) {
        case 'o': o.out = optarg; break;
        case OPT_TITLE: o.title = optarg; break;
        case OPT_SIZE: {
            const char *comma = strchr(optarg, ',');
            if (!comma) cli_usage("--size expects W,H in pixels, got '%s'", optarg);
            char w[32];
            snprintf(w, sizeof w, "%.*s", (int)(comma - optarg) < 31 ? (int)(comma - optarg) : 31, optarg);
            o.width = (int)cli_int("--size width", w, 100, 10000);
            o.height = (int)cli_int("--size height", comma + 1, 100, 10000);
            o.have_size = 1;
            break;
        }
        case OPT_LABELS: o.labels = split_list(optarg, &o.nlabels); break;
        case OPT_Y: o.y = optarg; break;
        case OPT_CURVE:
            if (strpbrk(optarg, "\n\r;`")) cli_usage("--curve: no line breaks, ';' or '`' in '%s'", optarg);
            if (optarg[0] == ':' || !optarg[0]) cli_usage("--curve expects EXPR:TITLE, got '%s'", optarg);
            o.curves = cli_xrealloc(o.curves, (size_t)(o.ncurves + 1) * sizeof *o.curves);
            o.curves[o.ncurves++] = optarg;
            break;
        case OPT_X: o.x = optarg; break;
        case OPT_PANELS: o.panels = optarg; break;
        case OPT_BAND: o.band = optarg; break;
        case OPT_FLOOR:
            o.floor = cli_double("--floor", optarg);
            if (!(o.floor > 0)) cli_usage("--floor must be > 0 (a log axis), got %s", optarg);
            o.have_floor = 1;
            break;
        case OPT_LOGY_LOSS: o.logy_loss = 1; break;
        case OPT_GROUP: o.group = optarg; break;
        case OPT_LOGX: o.logx = 1; break;
        case OPT_LOGY: o.logy = 1; break;
        case OPT_XLABEL: o.xlabel = optarg; break;
        case OPT_YLABEL: o.ylabel = optarg; break;
        case OPT_STYLE: o.style = optarg; break;
        case OPT_PSTEP: o.step = cli_int("--step", optarg, 0, INT64_MAX), o.have_step = 1; break;
        default: cli_bad_option(opt, argv);
        }
    }
    if (kind < 0) cli_usage("no kind given (gap, spectrum, sim, compare, xy)");
    char **inputs = argv + optind;
    int ninputs = argc - optind;
    if (kind == 1 && ninputs > 0) cli_usage("plot spectrum takes no input files ('%s'): the matrix is --topology NAME or file:PATH", inputs[0]);
    if (kind != 1 && ninputs == 0) cli_usage("plot %s needs at least one input file", kinds[kind]);
    (void)topo_opt;
    if (!o.out) cli_usage("-o OUT.png or OUT.svg is required");
    size_t len = strlen(o.out);
    figure fig = {.out = o.out, .width = 900, .height = 560};
    if (len > 4 && !strcasecmp(o.out + len - 4, ".svg")) fig.svg = 1;
    else if (!(len > 4 && !strcasecmp(o.out + len - 4, ".png")))
        cli_usage("-o %s: the figure's name must end in .png or .svg (the format follows it)", o.out);
    for (int i = 0; i < ninputs; i++)
        if (tmx__ofile_same(inputs[i], o.out)) cli_usage("-o %s is also an input", o.out);
    if (kind == 1) fig.width = 760;
    switch (kind) {
    case 0: plot_gap(&fig, &o, inputs, ninputs); break;
    case 1: plot_spectrum(&fig, &o); break;
    case 2: plot_sim(&fig, &o, inputs, ninputs); break;
    case 3: plot_compare(&fig, &o, inputs, ninputs); break;
    default: plot_xy(&fig, &o, inputs, ninputs); break;
    }
    if (o.have_size) fig.width = o.width, fig.height = o.height;
    render(&fig);
    free(fig.script.s);
    if (o.labels) free(o.labels[0]);
    free(o.labels);
    free(o.curves);
    return 0;
}
