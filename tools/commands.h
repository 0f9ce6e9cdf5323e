/* topomix CLI — the subcommands. */
#ifndef TMX_COMMANDS_H
#define TMX_COMMANDS_H

#include <topomix/cost.h>

int cmd_topo(int argc, char **argv);
int cmd_gap(int argc, char **argv);
int cmd_exact(int argc, char **argv);
int cmd_sim(int argc, char **argv);
int cmd_data(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_report(int argc, char **argv);

/* The cost options of gap and compare (cmd_compare.c): --eps, --latency, --bandwidth,
 * --message-bytes. Their ids lie above every command's own. */
enum { OPT_COST_EPS = 400, OPT_COST_LATENCY, OPT_COST_BANDWIDTH, OPT_COST_MESSAGE_BYTES };
#define CLI_COST_LONGOPTS                                                                          \
    {"eps", required_argument, NULL, OPT_COST_EPS}, {"latency", required_argument, NULL, OPT_COST_LATENCY},  \
        {"bandwidth", required_argument, NULL, OPT_COST_BANDWIDTH},                                     \
        {"message-bytes", required_argument, NULL, OPT_COST_MESSAGE_BYTES}
#define CLI_COST_HELP                                                                              \
    "Cost model (docs/definitions.md section 14):\n"                                               \
    "      --eps E           target consensus error in (0, 1) (default 1e-4)\n"                     \
    "      --latency A       seconds per message, >= 0 (default 1e-5: 10 us)\n"                     \
    "      --bandwidth B     bytes per second, > 0 (default 1.25e9: 10 Gbit/s)\n"                   \
    "      --message-bytes S bytes per message, >= 0 (default 1e6: a 1 MB model, ResNet-20 in\n"   \
    "                        f32; 102e6 for ResNet-50)\n"
/* Handles one getopt_long result if it is a cost option (exits 2 on a bad value); returns 1 if
 * handled. */
int cli_cost_option(tmx_cost_opts *o, int opt, const char *arg);

#endif
