/* topomix data — synthetic datasets written as LIBSVM text, and a summary of a dataset. */
#include "cli_common.h"
#include "commands.h"

#include <getopt.h>
#include <math.h>
#include <string.h>

enum { OPT_PROBLEM = OPT_FIRST_FREE, OPT_DIM, OPT_SAMPLES, OPT_HETERO, OPT_NOISE, OPT_CLASSES };

static void usage(FILE *f)
{
    fprintf(f, "Usage: topomix data gen [-n SHARDS] [--samples M] [--dim D] [--problem P] [--hetero H]\n"
               "                        [--noise S] [--classes C] [--seed S] -o FILE\n"
               "       topomix data info FILE [--problem P]\n"
               "\n"
               "gen writes the synthetic set that topomix sim generates for the same options, as LIBSVM\n"
               "text: SHARDS x M samples (shard s = rows s*M .. s*M + M - 1), a planted model plus noise,\n"
               "each shard's feature mean shifted by --hetero. --problem logreg-nc (labels -1/+1, default),\n"
               "lsq-nc (real targets), mlp (classes 0..C-1). info prints m, d, classes and label counts.\n"
               "\n"
               "  -n, --nodes N     shards (default 1)      --samples M  per shard (default 200)\n"
               "      --dim D       features (default 100)  --seed S     (default 1)\n"
               "  -o, --output FILE (required for gen)      -h, --help\n");
}

int cmd_data(int argc, char **argv)
{
    static const struct option opts[] = {
        {"help", no_argument, NULL, 'h'},
        {"nodes", required_argument, NULL, 'n'},
        {"samples", required_argument, NULL, OPT_SAMPLES},
        {"dim", required_argument, NULL, OPT_DIM},
        {"problem", required_argument, NULL, OPT_PROBLEM},
        {"hetero", required_argument, NULL, OPT_HETERO},
        {"noise", required_argument, NULL, OPT_NOISE},
        {"classes", required_argument, NULL, OPT_CLASSES},
        {"seed", required_argument, NULL, OPT_SEED},
        {"output", required_argument, NULL, 'o'},
        {NULL, 0, NULL, 0},
    };
    cli_prog = "topomix data";
    if (argc < 2) cli_usage("a subcommand is required: gen or info (see topomix data --help)");
    const char *sub = argv[1];
    if (!strcmp(sub, "-h") || !strcmp(sub, "--help")) {
        usage(stdout);
        return 0;
    }
    if (strcmp(sub, "gen") && strcmp(sub, "info")) cli_usage("unknown subcommand '%s' (gen, info)", sub);
    tmx_synth_params sp;
    tmx_synth_params_init(&sp);
    sp.d = 100;
    sp.per_shard = 200;
    sp.nclass = 3;
    const char *output = NULL, *problem = "logreg-nc";
    int opt;
    opterr = 0;
    optind = 2;
    while ((opt = getopt_long(argc, argv, ":hn:o:", opts, NULL)) != -1) {
        switch (opt) {
        case 'h': usage(stdout); return 0;
        case 'n': sp.shards = cli_int("-n", optarg, 1, 1 << 24); break;
        case OPT_SAMPLES: sp.per_shard = cli_int("--samples", optarg, 1, (int64_t)1 << 40); break;
        case OPT_DIM: sp.d = cli_int("--dim", optarg, 1, (int64_t)1 << 40); break;
        case OPT_PROBLEM: problem = optarg; break;
        case OPT_HETERO: sp.hetero = cli_double("--hetero", optarg); break;
        case OPT_NOISE: sp.noise = cli_double("--noise", optarg); break;
        case OPT_CLASSES: sp.nclass = cli_int("--classes", optarg, 2, 1 << 20); break;
        case OPT_SEED: sp.seed = cli_u64("--seed", optarg); break;
        case 'o': output = optarg; break;
        default: cli_bad_option(opt, argv);
        }
    }
    sp.mode = !strcmp(problem, "mlp") ? TMX_LABELS_CLASSES : !strcmp(problem, "lsq-nc") ? TMX_LABELS_RAW
              : !strcmp(problem, "logreg-nc")                ? TMX_LABELS_BINARY
                                                             : (cli_usage("unknown --problem '%s' (logreg-nc, lsq-nc, mlp)", problem), 0);
    tmx_dataset D = {0};
    tmx_status st;
    if (!strcmp(sub, "info")) {
        if (optind >= argc) cli_usage("data info needs a FILE");
        if ((st = tmx_libsvm_read_file(argv[optind], 0, sp.mode, &D)) != TMX_OK) cli_die_status(st);
        printf("file      %s\nsamples   %lld\nfeatures  %lld\nclasses   %lld\n", argv[optind], (long long)D.m, (long long)D.d,
               (long long)D.nclass);
        tmx_dataset_destroy(&D);
        return 0;
    }
    if (optind < argc) cli_usage("unexpected argument '%s'", argv[optind]);
    if (!output) cli_usage("data gen needs -o FILE");
    if ((st = tmx_data_synth(&sp, &D)) != TMX_OK) cli_die_status(st);
    FILE *f = cli_open_output(output, 0);
    st = tmx_libsvm_write(f, &D);
    tmx_dataset_destroy(&D);
    if (st != TMX_OK) cli_die_status(st);
    cli_close_output(f);
    return 0;
}
