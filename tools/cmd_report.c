/* topomix report — Markdown reports with figures that reproduce the source papers' claims
 * (docs/definitions.md §22). Each report runs topomix commands in its own folder DIR/NAME, writes
 * DIR/NAME/NAME.md (the paper's claim, our numbers beside the paper's, figures, the claims checked,
 * the commands that regenerate it) and DIR/NAME/NAME.claims (one "holds"/"fails" line a claim). */
#include "commands.h"
#include "report_internal.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct {
    const char *name;
    const char *source; /* the seed paper */
    void (*run)(report *);
} reports[] = {
    {"exp-graphs", "seed 000: Ying et al. 2021, Exponential Graph is Provably Efficient for Decentralized Deep Training", report_exp_graphs},
    {"consensus-control", "seed 001: Kong et al. 2021, Consensus Control for Decentralized Deep Learning", report_consensus_control},
    {"ad-psgd", "seed 002: Zhang, Lian, Zhang & Liu, Decentralized Distributed Deep Learning (AD-PSGD)", report_ad_psgd},
    {"cooperative-sgd", "seed 003: Wang & Joshi, Cooperative SGD", report_cooperative_sgd},
    {"psgd-speedup", "seed 004: Yuan, Introduction to Distributed Learning (parallel SGD's linear speedup)", report_psgd_speedup},
    {NULL, NULL, NULL},
};

static size_t nreports(void)
{
    size_t n = 0;
    while (reports[n].name) n++;
    return n;
}
#define NREPORTS nreports()

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: topomix report NAME|all [-o DIR] [--quick]\n"
            "       topomix report --list\n\n"
            "Regenerates a Markdown report with its figures, entirely from topomix: each runs the\n"
            "commands it lists, checks the claims it states against the numbers they produce, and\n"
            "writes DIR/NAME/NAME.md, its figures and data, and DIR/NAME/NAME.claims (one line a claim,\n"
            "\"holds\" or \"fails\", then the claim).\n\n"
            "Options:\n"
            "  -o, --output DIR  where the reports go (default notebooks-free-reports)\n"
            "      --quick       small versions (seconds each), as CI runs them\n"
            "      --list        the reports and their source papers\n"
            "  -h, --help        this help\n\n"
            "Reports:\n");
    for (size_t i = 0; i < NREPORTS; i++) fprintf(f, "  %-18s %s\n", reports[i].name, reports[i].source);
    fprintf(f, "\nExit status: 0 every claim holds, 1 a command or a write failed, 2 usage error,\n"
               "3 the reports were written but a claim does not hold.\n");
}

/* mkdir -p for one or two levels; exit 1 naming the folder. */
static void make_folder(const char *path)
{
    struct stat sb;
    if (mkdir(path, 0777) == 0) return;
    if (errno == EEXIST && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) return;
    if (errno == EEXIST) cli_die(2, "%s exists and is not a folder", path);
    cli_die(1, "cannot create folder %s: %s", path, strerror(errno));
}

static FILE *memfile(char **buf, size_t *len)
{
    FILE *f = open_memstream(buf, len);
    if (!f) cli_die(1, "out of memory");
    return f;
}

static void write_file(const char *path, const char *text, size_t len)
{
    FILE *f = cli_open_output(path);
    fwrite(text, 1, len, f);
    cli_close_output(f);
}

/* Runs one report; returns the number of claims that do not hold. */
static int run_one(size_t i, const char *dir, const char *exe, int quick)
{
    char folder[PATH_MAX], path[PATH_MAX + 64];
    if (snprintf(folder, sizeof folder, "%s/%s", dir, reports[i].name) >= (int)sizeof folder)
        cli_usage("-o %s: path too long", dir);
    make_folder(folder);
    char *body = NULL, *cmds = NULL, *claims = NULL;
    size_t nbody = 0, ncmds = 0, nclaims = 0;
    report r = {reports[i].name, folder, exe, quick, memfile(&body, &nbody), memfile(&cmds, &ncmds),
                memfile(&claims, &nclaims), 0, 0};
    fprintf(stderr, "%s: %s%s ...\n", cli_prog, reports[i].name, quick ? " (quick)" : "");
    reports[i].run(&r);
    if (fclose(r.md) || fclose(r.cmds) || fclose(r.claims)) cli_die(1, "out of memory");

    snprintf(path, sizeof path, "%s/%s.md", folder, reports[i].name);
    FILE *md = cli_open_output(path);
    fprintf(md, "# %s — %s\n\n%s", reports[i].name, reports[i].source,
            quick ? "*A quick version (`--quick`): small sizes, for CI; the numbers are not the full report's.*\n\n" : "");
    fputs(body, md);
    fprintf(md, "\n## Claims checked\n\n%d of %d claims hold%s.\n", r.nclaims - r.nfailed, r.nclaims,
            r.nfailed ? " (the ones marked ❌ above do not)" : "");
    fprintf(md, "\n## Regenerate\n\nThis report was written by `topomix report %s%s`, which ran these commands in "
                "its folder (`cd %s` first):\n\n```sh\n%s```\n",
            reports[i].name, quick ? " --quick" : "", folder, cmds);
    cli_close_output(md);
    snprintf(path, sizeof path, "%s/%s.claims", folder, reports[i].name);
    write_file(path, claims, nclaims);
    fprintf(stderr, "%s: %s: %d of %d claims hold; %s/%s.md\n", cli_prog, reports[i].name, r.nclaims - r.nfailed,
            r.nclaims, folder, reports[i].name);
    free(body), free(cmds), free(claims);
    return r.nfailed;
}

int cmd_report(int argc, char **argv)
{
    enum { OPT_QUICK = OPT_FIRST_FREE, OPT_RLIST };
    static const struct option opts[] = {
        {"help", no_argument, NULL, 'h'},           {"output", required_argument, NULL, 'o'},
        {"quick", no_argument, NULL, OPT_QUICK},    {"list", no_argument, NULL, OPT_RLIST},
        {NULL, 0, NULL, 0},
    };
    const char *dir = "notebooks-free-reports";
    int quick = 0, list = 0, opt;
    cli_prog = "topomix report";
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
        switch (opt) {
        case 'h': usage(stdout); return 0;
        case 'o': dir = optarg; break;
        case OPT_QUICK: quick = 1; break;
        case OPT_RLIST: list = 1; break;
        default: cli_bad_option(opt, argv);
        }
    }
    if (list) {
        if (optind < argc) cli_usage("--list takes no report name, got '%s'", argv[optind]);
        for (size_t i = 0; i < NREPORTS; i++) printf("%-18s %s\n", reports[i].name, reports[i].source);
        return 0;
    }
    if (optind >= argc) cli_usage("no report given (a name from --list, or all)");
    if (optind + 1 < argc) cli_usage("one report at a time (or all), got '%s' too", argv[optind + 1]);
    const char *which = argv[optind];
    if (!*dir) cli_usage("-o needs a folder");
    size_t first = 0, last = NREPORTS;
    if (strcmp(which, "all") != 0) {
        for (first = 0; first < NREPORTS && strcmp(reports[first].name, which) != 0; first++) {}
        if (first == NREPORTS) cli_usage("unknown report '%s' (see --list)", which);
        last = first + 1;
    }
    static char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0) cli_die(1, "cannot find this executable (/proc/self/exe): %s", strerror(errno));
    exe[len] = '\0';
    make_folder(dir);
    int failed = 0;
    for (size_t i = first; i < last; i++) failed += run_one(i, dir, exe, quick);
    if (failed) fprintf(stderr, "%s: %d claim%s do%s not hold\n", cli_prog, failed, failed == 1 ? "" : "s", failed == 1 ? "es" : "");
    return failed ? 3 : 0;
}
