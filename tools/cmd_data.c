/* topomix data — synthetic datasets written as LIBSVM text, and a summary of a dataset. */
#include "cli_common.h"
#include "commands.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_PROBLEM = OPT_FIRST_FREE, OPT_DIM, OPT_SAMPLES, OPT_HETERO, OPT_NOISE, OPT_CLASSES };

static void usage(FILE *f)
{
    fprintf(f, "Usage: topomix data gen [-n SHARDS] [--samples M] [--dim D] [--problem P] [--hetero H]\n"
               "                        [--noise S] [--classes C] [--seed S] -o FILE\n"
               "       topomix data info FILE [--problem P] [--format text|json]\n"
               "\n"
               "gen writes the synthetic set that topomix sim generates for the same options, as LIBSVM\n"
               "text: SHARDS x M samples (shard s = rows s*M .. s*M + M - 1), a planted model plus noise,\n"
               "each shard's feature mean shifted by --hetero. --problem logreg-nc (labels -1/+1, default),\n"
               "lsq-nc (real targets), mlp (classes 0..C-1).\n"
            "\n"
            "info reads FILE as --problem P would and prints the file, samples m, features d, classes\n"
            "and the count of each label as that problem sees it (-1/+1 for logreg-nc, class indices\n"
            "0..C-1 for mlp with the original labels sorted ascending, the distinct targets for lsq-nc);\n"
            "--format json prints one object {\"file\", \"samples\", \"features\", \"classes\",\n"
            "\"label_counts\": {\"LABEL\": COUNT, ...}}.\n"
               "\n"
               "  -n, --nodes N     shards (default 1)      --samples M  per shard (default 200)\n"
               "      --dim D       features (default 100)  --seed S     (default 1)\n"
               "  -o, --output FILE (required for gen)      -h, --help\n");
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The summary of data info: the labels are sorted and counted run by run. */
static void info(const char *path, const tmx_dataset *D, int json)
{
    double *y = malloc((size_t)D->m * sizeof *y);
    if (!y) cli_die(1, "out of memory for %lld labels", (long long)D->m);
    memcpy(y, D->y, (size_t)D->m * sizeof *y);
    qsort(y, (size_t)D->m, sizeof *y, cmp_double);
    if (json) {
        fputs("{\"file\":", stdout);
        json_str(stdout, path);
        printf(",\"samples\":%lld,\"features\":%lld,\"classes\":%lld,\"label_counts\":{", (long long)D->m,
               (long long)D->d, (long long)D->nclass);
    } else {
        printf("file      %s\nsamples   %lld\nfeatures  %lld\nclasses   %lld\nlabel     count\n", path,
               (long long)D->m, (long long)D->d, (long long)D->nclass);
    }
    for (int64_t i = 0, j; i < D->m; i = j) {
        for (j = i; j < D->m && y[j] == y[i];) j++;
        char label[32];
        snprintf(label, sizeof label, "%.17g", y[i]);
        if (json) {
            if (i > 0) putchar(',');
            json_str(stdout, label);
            printf(":%lld", (long long)(j - i));
        } else {
            printf("%-9s %lld\n", label, (long long)(j - i));
        }
    }
    if (json) puts("}}");
    free(y);
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
        {"format", required_argument, NULL, OPT_FORMAT},
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
    int opt, json = 0;
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
        case OPT_FORMAT:
            if (!strcmp(optarg, "text")) json = 0;
            else if (!strcmp(optarg, "json")) json = 1;
            else cli_usage("unknown --format '%s' (text, json)", optarg);
            break;
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
        if (optind + 1 < argc) cli_usage("unexpected argument '%s'", argv[optind + 1]);
        if ((st = tmx_libsvm_read_file(argv[optind], 0, sp.mode, &D)) != TMX_OK) cli_die_status(st);
        info(argv[optind], &D, json);
        tmx_dataset_destroy(&D);
        cli_close_output(stdout); /* exits 1 when the summary could not be written */
        return 0;
    }
    if (json) cli_usage("--format applies to data info");
    if (optind < argc) cli_usage("unexpected argument '%s'", argv[optind]);
    if (!output) cli_usage("data gen needs -o FILE");
    if ((st = tmx_data_synth(&sp, &D)) != TMX_OK) cli_die_status(st);
    FILE *f = cli_open_output(output);
    st = tmx_libsvm_write(f, &D);
    tmx_dataset_destroy(&D);
    if (st != TMX_OK) cli_die_status(st);
    cli_close_output(f);
    return 0;
}
