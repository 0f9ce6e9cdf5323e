/* topomix — command-line entry point: dispatches to the subcommands. */
#include "cli_common.h"
#include "commands.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    int (*run)(int, char **);
    const char *summary;
} commands[] = {
    {"topo", cmd_topo, "mixing matrices of every topology, their validation, Matrix Market output"},
    {"gap", cmd_gap, "consensus rates: slem, ||W - J||_2, spectral gap; periodic and random rates; sweeps"},
    {"compare", cmd_compare, "every topology at one n, ranked by the time to reach consensus error eps"},
    {"exact", cmd_exact, "smallest number of steps after which a sequence averages exactly"},
    {"sim", cmd_sim, "simulate n agents running D-SGD and its relatives; log loss and consensus"},
    {"data", cmd_data, "write synthetic datasets as LIBSVM text; summarise a dataset"},
    {"plot", cmd_plot, "figures with gnuplot: gap sweeps, spectra, sim logs (seeds' mean and band), compare"},
    {"report", cmd_report, "regenerate the Markdown reports that reproduce the source papers' claims"},
};

static void usage(FILE *f)
{
    fprintf(f, "Usage: topomix COMMAND [options]   (topomix help COMMAND, or topomix COMMAND --help, for each)\n\nCommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nOptions:\n  -h, --help     this help\n  -V, --version  print the version\n"
               "\nEnvironment:\n"
               "  TOPOMIX_MEMORY_LIMIT=SIZE  memory the process may use, in bytes or with K, M, G, T (binary);\n"
               "                             work whose estimated peak exceeds what is available (this, the\n"
               "                             cgroup limit or MemAvailable, whichever is lowest) is refused up front\n"
               "\nExit status: 0 ok, 1 runtime or write failure, 2 usage or input error (sim: 3 diverged,\n"
               "130/143 interrupted).\n");
}

int main(int argc, char **argv)
{
    tmx_init();
    if (argc < 2) cli_usage("no command given (topo, gap, compare, exact, sim, data, plot, report)");
    const char *cmd = argv[1];
    if (strcmp(cmd, "help") == 0 && argc > 2) { /* topomix help CMD: that command's help */
        if (argc > 3) cli_usage("help takes one command, got '%s' too", argv[3]);
        for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
            if (strcmp(argv[2], commands[i].name) == 0) {
                char *args[] = {argv[2], "--help", NULL};
                return commands[i].run(2, args);
            }
        cli_usage("unknown command '%s' (topo, gap, compare, exact, sim, data, plot, report)", argv[2]);
    }
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "-V") == 0 || strcmp(cmd, "--version") == 0) {
        printf("topomix %s\n", TMX_VERSION);
        return 0;
    }
    /* Commands that run dense linear algebra re-execute themselves with AVX-512 kernels when
     * OpenBLAS chose slower ones on an AVX-512 CPU (see tmx_blas_fix_coretype); they report the
     * kernels in their output. */
    if (strcmp(cmd, "gap") == 0 || strcmp(cmd, "compare") == 0 || strcmp(cmd, "sim") == 0) (void)tmx_blas_fix_coretype(argv);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(cmd, commands[i].name) == 0) return commands[i].run(argc - 1, argv + 1);
    if (cmd[0] == '-') cli_usage("unknown option '%s'", cmd);
    cli_usage("unknown command '%s' (topo, gap, compare, exact, sim, data, plot, report)", cmd);
}
