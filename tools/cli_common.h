/* topomix CLI — shared option parsing, error reporting and JSON helpers. */
#ifndef TMX_CLI_COMMON_H
#define TMX_CLI_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <topomix/topomix.h>

#include "internal.h" /* tmx__ofile */

#define EXIT_USAGE 2

extern const char *cli_prog; /* "topomix topo", for messages */

/* Prints "PROG: message" on stderr and exits with code. */
_Noreturn void cli_die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* For a failed library call: prints "PROG: <last error>" and exits 2 for input errors (EINVAL,
 * EDIM, ENOTSQR, EPARSE, EIO, EUNSUP, ENOMEM for refused sizes) or 1 for runtime failures (ESYS: a write
 * failed; ENOCONV, ELAPACK, EINTERNAL). */
_Noreturn void cli_die_status(tmx_status st);
int cli_exit_code(tmx_status st);

/* Output files (-o/--output/--log) never destroy what was there: the data goes to a temporary file
 * beside the target and replaces it only at cli_close_output, after the work succeeded; a process
 * that exits before (an error, a signal) leaves the old file as it was. NULL or "-": standard
 * output. Open failures exit 1 naming the file and the system's reason (2 for a directory). */
FILE *cli_open_output(const char *path);
/* Flushes and reports a write error at once (exit 1, naming the file and the reason). */
void cli_check_output(FILE *out);
/* Puts the file in place and closes it (stdout: flushes); exit 1 when a write failed. */
void cli_close_output(FILE *out);
/* The same with flags (TMX__OF_SYNC, TMX__OF_EARLY); the handle stays valid until closed. */
tmx__ofile *cli_ofile_open(const char *path, unsigned flags);
tmx__ofile *cli_ofile_of(FILE *f);
/* A usage error: "PROG: message" then "Try 'PROG --help'." on stderr, exit 2. Never the whole
 * usage: the first line names the problem. */
_Noreturn void cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* For getopt_long's ':' (missing value) and '?' (unknown option): cli_usage naming the option. */
_Noreturn void cli_bad_option(int opt, char **argv);

/* Strict parsers: the whole string must be a number in range, else exit 2 naming the option. */
int64_t cli_int(const char *opt, const char *s, int64_t min, int64_t max);
uint64_t cli_u64(const char *opt, const char *s);
double cli_double(const char *opt, const char *s); /* finite values only */

/* The topology options shared by every subcommand that takes a topology. */
enum {
    OPT_STEP = 256, OPT_SEED, OPT_WEIGHTS, OPT_ROWS, OPT_P, OPT_K, OPT_M, OPT_ETA, OPT_UNDIRECTED,
    OPT_FORMAT, OPT_LIST, OPT_TABLE, OPT_TOL, OPT_TOPOLOGY, OPT_BASE, OPT_PEERS, OPT_DEGREE, OPT_TEPS,
    OPT_FAIL_PROB, OPT_INDEX_BASE, OPT_DIRECTED, OPT_FIRST_FREE
};
#define CLI_TOPO_LONGOPTS                                                                          \
    {"nodes", required_argument, NULL, 'n'}, {"seed", required_argument, NULL, OPT_SEED},          \
        {"weights", required_argument, NULL, OPT_WEIGHTS},                                         \
        {"rows", required_argument, NULL, OPT_ROWS}, {"p", required_argument, NULL, OPT_P},        \
        {"k", required_argument, NULL, OPT_K}, {"M", required_argument, NULL, OPT_M},              \
        {"eta", required_argument, NULL, OPT_ETA},                                                 \
        {"undirected", no_argument, NULL, OPT_UNDIRECTED},                                         \
        {"topology", required_argument, NULL, OPT_TOPOLOGY},                                       \
        {"base", required_argument, NULL, OPT_BASE}, {"peers", required_argument, NULL, OPT_PEERS}, \
        {"degree", required_argument, NULL, OPT_DEGREE}, {"equi-eps", required_argument, NULL, OPT_TEPS}, \
        {"fail-prob", required_argument, NULL, OPT_FAIL_PROB},                                     \
        {"index-base", required_argument, NULL, OPT_INDEX_BASE},                                   \
        {"directed", no_argument, NULL, OPT_DIRECTED}
#define CLI_TOPO_HELP                                                                              \
    "Topology options:\n"                                                                          \
    "  -n, --nodes N         number of nodes (required except for file:PATH)\n"                   \
    "      --seed S          seed of random topologies (the families --list marks seeded; default 1)\n" \
    "      --weights SCHEME  default | metropolis | uniform | lazy | max-degree | best-constant\n"  \
    "      --rows R          grid/torus rows (must divide n; default: largest divisor <= sqrt n)\n" \
    "      --p P             er edge probability in (0, 1] (default 0.5); small-world rewiring\n"  \
    "                        probability in (0, 1] (default 0.1)\n"                               \
    "      --k K             base-k maximum degree (default 1); small-world even lattice degree\n" \
    "                        (K/2 neighbours each side, default 4)\n"                            \
    "      --M M             equistatic number of basis matrices, any M >= 1 (default ceil(log2 n))\n" \
    "      --eta ETA         equidyn laziness in (0, 1] (default 0.5)\n"                           \
    "      --undirected      equistatic: symmetrised basis; equidyn: a random one-peer matching\n" \
    "      --base B          exp, sym-exp: base B >= 2 (default 2; sym-exp 4)\n"                  \
    "      --peers P         npeer-exp: peers per step, 1..n-1 (default 1)\n"                      \
    "      --degree D        random-regular: degree (n*D even; default min(4, n-1))\n"            \
    "      --equi-eps E      equistatic: choose M = floor(8 ln(2n/p) / (3 E^2)) for E in (0, 1)\n" \
    "      --fail-prob P     equistatic: the failure probability p of that choice (default 0.1)\n" \
    "      --index-base 0|1  file: an edge list's node numbering (default: detected, reported)\n" \
    "      --directed        file: an edge list's edges are directed\n"

typedef struct cli_topo {
    const char *name;
    tmx_topo_params par;
    int have_n;
} cli_topo;

void cli_topo_init(cli_topo *c);
/* Handles one getopt_long result if it is a topology option; returns 1 if handled. */
int cli_topo_option(cli_topo *c, int opt, const char *arg);
/* Creates the topology or exits with a clear message. */
tmx_topo *cli_topo_new(const cli_topo *c);

/* "static", "periodic" or "random" */
const char *cli_kind_name(tmx_topo_kind k);

/* Progress of long library computations (tmx_progress_set), drawn on stderr when it is a terminal:
 * one line, redrawn at most 4 times a second, "PROG: WHAT: DONE UNIT (at most TOTAL, P%)", erased
 * by cli_progress_end and before any error line. Nothing when stderr is not a terminal. */
void cli_progress_start(const char *unit);
void cli_progress_end(void);

/* The OpenBLAS kernels in use, and the ones they replaced after a re-execution (NULL if none). */
const char *cli_blas_replaced(void);

/* JSON output helpers (values as %.17g, NaN/Inf as null, strings escaped). */
void json_str(FILE *f, const char *s);
void json_num(FILE *f, double x);

#endif
