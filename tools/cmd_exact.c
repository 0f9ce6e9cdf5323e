/* topomix exact — the periodic exact-averaging check (docs/definitions.md §5). */
#include "cli_common.h"
#include "commands.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_MAXSTEPS = OPT_FIRST_FREE, OPT_PHASE, OPT_ALLPHASES };

/* The most work a check may be asked for, in multiply-adds: at the 0.5–2·10^9 per second of a
 * sparse product on one core, about 10–30 minutes. Beyond it a --max-steps is taken for a mistake. */
#define EXACT_MAX_WORK 1e12

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: topomix exact NAME -n N [--max-steps L] [--phase K | --all-phases] [--tol T]\n"
            "                     [--format text|json]\n"
            "\n"
            "Finds the smallest L with max_ij |(W^(K+L-1)...W^(K))_ij - 1/n| <= tol/n, or reports that none\n"
            "exists within --max-steps, with the residual. Circulant topologies and onepeer-hypercube\n"
            "track one column of the product (O(L nnz)); others form it densely (O(L nnz n)).\n"
            "\n"
            "General:\n"
            "  -h, --help            this help\n"
            "      --max-steps L     largest L tried (default: 3 periods, or 3 ceil(log2 n))\n"
            "      --phase K         first step of the product (default 0)\n"
            "      --all-phases      check every phase 0..P-1 of a periodic topology; exact only if all are,\n"
            "                        steps = the largest L over phases\n"
            "      --tol T           tolerance relative to J's entries 1/n (default 1e-12); the reported\n"
            "                        residual is the absolute max_ij |prod_ij - 1/n|\n"
            "\n" CLI_TOPO_HELP
            "\n"
            "Output:\n"
            "      --format FMT      text (default) or json\n"
            "  -o, --output FILE     write to FILE instead of standard output\n"
            "\n"
            "W^(k) must be a mixing matrix (nonnegative, rows and columns summing to 1 within 1e-12, more\n"
            "for rows longer than 2250): the first row, column or entry that is not is named, rows and\n"
            "columns counted from 1 as in Matrix Market files, and exact exits 2.\n"
            "Work: at most max-steps x nnz(W) (one column) or max-steps x nnz(W) x n (whole product)\n"
            "multiply-adds per phase; above 1e12 (10-30 minutes) exact refuses and names the estimate.\n"
            "On a terminal, progress is shown on stderr.\n"
            "\n"
            "Exit status: 0 ok (whether or not the sequence averages exactly), 1 numerical failure,\n"
            "2 usage error, invalid matrix or refused work.\n");
}

int cmd_exact(int argc, char **argv)
{
    static const struct option opts[] = {
        /* General */
        {"help", no_argument, NULL, 'h'},
        {"max-steps", required_argument, NULL, OPT_MAXSTEPS},
        {"phase", required_argument, NULL, OPT_PHASE},
        {"all-phases", no_argument, NULL, OPT_ALLPHASES},
        {"tol", required_argument, NULL, OPT_TOL},
        /* Topology */
        CLI_TOPO_LONGOPTS,
        /* Output */
        {"format", required_argument, NULL, OPT_FORMAT},
        {"output", required_argument, NULL, 'o'},
        {NULL, 0, NULL, 0},
    };
    cli_topo c;
    cli_topo_init(&c);
    int json = 0, all = 0, opt;
    int64_t max_steps = 0, phase = 0;
    double tol = 1e-12;
    const char *output = NULL;
    cli_prog = "topomix exact";
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":hn:o:", opts, NULL)) != -1) {
        if (cli_topo_option(&c, opt, optarg)) continue;
        switch (opt) {
        case 'h': usage(stdout); return 0;
        case OPT_MAXSTEPS: max_steps = cli_int("--max-steps", optarg, 1, 100000000); break;
        case OPT_PHASE: phase = cli_int("--phase", optarg, 0, INT64_MAX / 2); break;
        case OPT_ALLPHASES: all = 1; break;
        case OPT_TOL:
            tol = cli_double("--tol", optarg);
            if (tol < 0) cli_usage("--tol must be >= 0, got %s", optarg);
            break;
        case 'o': output = optarg; break;
        case OPT_FORMAT:
            if (strcmp(optarg, "text") == 0) json = 0;
            else if (strcmp(optarg, "json") == 0) json = 1;
            else cli_usage("unknown --format '%s' (text, json)", optarg);
            break;
        default: cli_bad_option(opt, argv);
        }
    }
    if (optind < argc) c.name = argv[optind++];
    if (optind < argc) cli_usage("unexpected argument '%s'", argv[optind]);
    if (!c.name) {
        cli_usage("no topology given (see topomix topo --list)");
    }
    tmx_topo *t = cli_topo_new(&c);
    if (all && tmx_topo_kind_of(t) != TMX_TOPO_PERIODIC) {
        tmx_topo_free(t);
        cli_usage("--all-phases needs a periodic topology; %s is not", c.name);
    }
    tmx_status cst = tmx_topo_check_mixing(t, phase, 0);
    if (cst != TMX_OK) cli_die_status(cst);
    if (max_steps == 0) max_steps = tmx_exact_default_max_steps(t);
    int64_t first = all ? 0 : phase, last = all ? tmx_topo_period(t) - 1 : phase;
    double work = 0.0;
    tmx_status wst = tmx_exact_work(t, first, max_steps, &work);
    if (wst != TMX_OK) cli_die_status(wst);
    work *= (double)(last - first + 1);
    if (work > EXACT_MAX_WORK) {
        tmx_topo_free(t);
        double fits = floor(EXACT_MAX_WORK / (work / (double)max_steps));
        if (fits >= 1.0)
            cli_die(EXIT_USAGE, "--max-steps %lld would take up to %.3g multiply-adds (limit %.0e); give --max-steps "
                    "%.0f or less", (long long)max_steps, work, EXACT_MAX_WORK, fits);
        cli_die(EXIT_USAGE, "one step of the product would take %.3g multiply-adds (limit %.0e); try a smaller n",
                work / (double)max_steps, EXACT_MAX_WORK);
    }
    cli_progress_start("steps");
    tmx_exact_result agg = {0}, r;
    agg.exact = 1;
    agg.steps = 0;
    for (int64_t k = first; k <= last; k++) {
        tmx_status st = tmx_exact_check(t, k, max_steps, tol, &r);
        cli_progress_end();
        if (st != TMX_OK) {
            tmx_topo_free(t);
            cli_die_status(st);
        }
        agg.exact &= r.exact;
        if (r.steps > agg.steps) agg.steps = r.steps;
        if (r.residual > agg.residual || k == first) agg.residual = r.residual;
        agg.one_column = r.one_column;
    }
    if (!agg.exact) agg.steps = -1;
    FILE *out = cli_open_output(output);
    if (json) {
        fputs("{\"status\":\"ok\",\"error\":null,\"topology\":", out);
        json_str(out, tmx_topo_name(t));
        fprintf(out, ",\"n\":%lld,\"period\":", (long long)tmx_topo_n(t));
        if (tmx_topo_kind_of(t) == TMX_TOPO_RANDOM)
            fputs("null", out);
        else
            fprintf(out, "%lld", (long long)tmx_topo_period(t));
        fprintf(out, ",\"phases\":[%lld,%lld],\"max_steps\":%lld,\"tol\":", (long long)first, (long long)last,
                (long long)max_steps);
        json_num(out, tol);
        fprintf(out, ",\"exact\":%s,\"steps\":", agg.exact ? "true" : "false");
        if (agg.exact)
            fprintf(out, "%lld", (long long)agg.steps);
        else
            fputs("null", out);
        fputs(",\"residual\":", out);
        json_num(out, agg.residual);
        fprintf(out, ",\"one_column\":%s}\n", agg.one_column ? "true" : "false");
    } else {
        fprintf(out, "topology   %s\nn          %lld\n", tmx_topo_name(t), (long long)tmx_topo_n(t));
        if (all)
            fprintf(out, "phases     0..%lld\n", (long long)last);
        else
            fprintf(out, "phase      %lld\n", (long long)phase);
        if (agg.exact)
            fprintf(out, "exact      yes: the product of %lld steps equals J (residual %.3g <= %.3g/n)\n",
                    (long long)agg.steps, agg.residual, tol);
        else
            fprintf(out, "exact      no: no product of up to %lld steps is within %.3g/n of J (residual %.3g)\n",
                    (long long)max_steps, tol, agg.residual);
    }
    tmx_topo_free(t);
    cli_close_output(out);
    return 0;
}
