/* topomix compare — every topology at one n, ranked by the time its gossip takes to reach a
 * consensus error ε under the α-β model (docs/definitions.md §14). Also the cost options that gap
 * shares. */
#include "cli_common.h"
#include "commands.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Families whose cost needs dense O(n^3) work (a non-circulant W's eigenvalues, dense products,
 * E[WᵀW]) are skipped above this n: each takes several seconds at n = 4096. */
#define COMPARE_DENSE_MAX_N 2048

#define STR(x) #x
#define XSTR(x) STR(x)

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: topomix compare -n N [--topologies LIST] [--eps E] [--latency A] [--bandwidth B]\n"
            "                       [--message-bytes S] [topology options] [--format text|json|csv] [-o FILE]\n"
            "\n"
            "Which topology gets n workers to consensus soonest? One table of every topology, sorted by the\n"
            "time to reach consensus error E (||X_t - mean|| <= E ||X_0 - mean||) when one message of S\n"
            "bytes costs A + S/B seconds and a node sends and receives one message at a time:\n"
            "  rate          per-step rate: slem (static), step_rate (periodic), sqrt(1 - p) (random)\n"
            "  msgs/step     per node, max(in-degree, out-degree) off the diagonal, maximised over nodes;\n"
            "                mean over a period (periodic), expected (random)\n"
            "  steps         steps until the error is <= E: from ||W^t - J||_2 = slem^t (symmetric or\n"
            "                circulant W), from the products W^(t-1)...W^(0) starting at phase 0\n"
            "                (periodic; '*': averages exactly), in expectation from (1 - p)^(t/2) (random)\n"
            "  bytes/node    messages the busiest node sends in those steps, times S\n"
            "  time          those messages times (A + S/B)\n"
            "\n"
            "General:\n"
            "  -h, --help            this help\n"
            "  -n, --nodes N         number of nodes (required)\n"
            "      --topologies LIST comma-separated; default: every family of the registry (topomix topo\n"
            "                        --list) at its default parameters. An item is NAME, NAME:KEY=VALUE[:...]\n"
            "                        with KEY one of rows, p, k, M, eta, seed, weights, base, peers, degree,\n"
            "                        equi-eps, fail-prob, or :undirected (e.g. base-k:k=3, exp:base=3),\n"
            "                        file:PATH, or all (the whole registry)\n"
            "      --samples S       Monte Carlo samples of random topologies without a closed form\n"
            "                        (default 1000)\n"
            "\n" CLI_COST_HELP
            "\n"
            "Topology options (applied to every family that uses them): --seed, --weights, --rows, --p,\n"
            "--k, --M, --eta, --undirected, --base, --peers, --degree, --equi-eps, --fail-prob, as in\n"
            "topomix topo --help.\n"
            "\n"
            "Output:\n"
            "      --format FMT      text (default: a ranked table, then the topologies skipped and why),\n"
            "                        json (one object: the model, rows, and skipped with reasons), csv\n"
            "  -o, --output FILE     write to FILE instead of standard output\n"
            "\n"
            "Families invalid at n (hypercube when n is not a power of two, ...) are skipped in text and\n"
            "left out of json and csv. Families whose computation needs dense O(n^3) work (every one that is\n"
            "not circulant, except matching) are skipped above n = " XSTR(COMPARE_DENSE_MAX_N) ", where each takes several\n"
            "seconds; topomix gap NAME -n N computes them one at a time. A topology given in --topologies\n"
            "that is invalid at n is an error.\n"
            "\n"
            "Exit status: 0 ok, 1 a numerical failure in some row (the others are still written), 2 usage\n"
            "error.\n");
}

/* ---- the cost options gap shares ---------------------------------------------------------------- */

int cli_cost_option(tmx_cost_opts *o, int opt, const char *arg)
{
    switch (opt) {
    case OPT_COST_EPS:
        o->eps = cli_double("--eps", arg);
        if (!(o->eps > 0.0 && o->eps < 1.0)) cli_usage("--eps must be in (0, 1), got %s", arg);
        return 1;
    case OPT_COST_LATENCY:
        o->model.alpha = cli_double("--latency", arg);
        if (o->model.alpha < 0.0) cli_usage("--latency must be >= 0 seconds, got %s", arg);
        return 1;
    case OPT_COST_BANDWIDTH:
        o->model.bandwidth = cli_double("--bandwidth", arg);
        if (!(o->model.bandwidth > 0.0)) cli_usage("--bandwidth must be > 0 bytes/s, got %s", arg);
        return 1;
    case OPT_COST_MESSAGE_BYTES:
        o->model.message_bytes = cli_double("--message-bytes", arg);
        if (o->model.message_bytes < 0.0) cli_usage("--message-bytes must be >= 0, got %s", arg);
        return 1;
    default: return 0;
    }
}

/* ---- rows --------------------------------------------------------------------------------------- */

typedef struct row {
    char label[160];
    tmx_topo *t;
    tmx_cost cost;
} row;

typedef struct skip {
    char label[160];
    char reason[400];
    int invalid; /* invalid at n: text only */
} skip;

typedef struct table {
    row *rows;
    size_t nrows, caprows;
    skip *skips;
    size_t nskips, capskips;
} table;

static void add_skip(table *tb, const char *label, int invalid, const char *reason)
{
    if (tb->nskips == tb->capskips &&
        !(tb->skips = realloc(tb->skips, (tb->capskips = 2 * tb->capskips + 8) * sizeof *tb->skips)))
        cli_die(1, "out of memory");
    skip *s = &tb->skips[tb->nskips++];
    snprintf(s->label, sizeof s->label, "%s", label);
    snprintf(s->reason, sizeof s->reason, "%s", reason);
    s->invalid = invalid;
}

/* The label of a row: the name, with the parameters that shape it (defaults resolved). */
static void label_of(const tmx_topo *t, char *buf, size_t len)
{
    const char *name = tmx_topo_name(t);
    const tmx_topo_params *p = tmx_topo_params_of(t);
    int64_t r, c;
    tmx_topo_shape(t, &r, &c);
    if (strcmp(name, "file") == 0) snprintf(buf, len, "file");
    else if (strcmp(name, "base-k") == 0) snprintf(buf, len, "base-k:k=%lld", (long long)p->k);
    else if (strcmp(name, "er") == 0) snprintf(buf, len, "er:p=%g:seed=%llu", p->p, (unsigned long long)p->seed);
    else if (strcmp(name, "equistatic") == 0)
        snprintf(buf, len, "equistatic:M=%lld%s", (long long)p->m, p->undirected ? ":undirected" : "");
    else if (strcmp(name, "equidyn") == 0) snprintf(buf, len, "equidyn:eta=%g%s", p->eta, p->undirected ? ":undirected" : "");
    else if (p->base != 0 && strcmp(name, "exp") != 0) snprintf(buf, len, "%s:base=%lld", name, (long long)p->base);
    else if (strcmp(name, "exp") == 0 && p->base > 2) snprintf(buf, len, "exp:base=%lld", (long long)p->base);
    else if (strcmp(name, "npeer-exp") == 0) snprintf(buf, len, "npeer-exp:peers=%lld", (long long)p->peers);
    else if (strcmp(name, "random-regular") == 0)
        snprintf(buf, len, "random-regular:degree=%lld:seed=%llu", (long long)p->degree, (unsigned long long)p->seed);
    else if (strcmp(name, "small-world") == 0)
        snprintf(buf, len, "small-world:k=%lld:p=%g:seed=%llu", (long long)p->k, p->p, (unsigned long long)p->seed);
    else if (r > 0) snprintf(buf, len, "%s:%lldx%lld", name, (long long)r, (long long)c);
    else snprintf(buf, len, "%s", name);
    if (p->weights != TMX_WEIGHTS_DEFAULT) {
        size_t used = strlen(buf);
        snprintf(buf + used, len - used, ":weights=%s", tmx_weights_name(p->weights));
    }
}

/* 1 when the family's cost needs dense O(n^3) work: all but the circulant ones (equistatic's W is
 * circulant too) and matching (closed forms). */
static int needs_dense(const char *name)
{
    static const char *const cheap[] = {"complete", "ring", "dring", "exp", "torus", "onepeer-exp", "equistatic",
                                        "matching"};
    for (size_t i = 0; i < sizeof cheap / sizeof *cheap; i++)
        if (strcmp(name, cheap[i]) == 0) return 0;
    return 1;
}

static int known_family(const char *name)
{
    for (size_t i = 0; i < tmx_topo_family_count(); i++)
        if (strcmp(name, tmx_topo_family(i)->name) == 0) return 1;
    return 0;
}

/* An item NAME[:KEY=VALUE...] onto c (name and parameters); file:PATH is taken whole. Exits 2 on
 * an unknown name or key. The name is written into namebuf. */
static void parse_item(const char *item, cli_topo *c, char *namebuf, size_t len)
{
    snprintf(namebuf, len, "%s", item);
    c->name = namebuf;
    if (strncmp(item, "file:", 5) == 0) {
        if (!item[5]) cli_usage("--topologies: 'file:' needs a path");
        return;
    }
    char *colon = strchr(namebuf, ':');
    if (colon) *colon++ = '\0';
    if (!known_family(namebuf)) cli_usage("unknown topology '%s' in --topologies (see topomix topo --list)", namebuf);
    static const struct { const char *key; int opt; } keys[] = {
        {"rows", OPT_ROWS}, {"p", OPT_P}, {"k", OPT_K}, {"M", OPT_M}, {"eta", OPT_ETA}, {"seed", OPT_SEED},
        {"weights", OPT_WEIGHTS}, {"undirected", OPT_UNDIRECTED}, {"base", OPT_BASE}, {"peers", OPT_PEERS},
        {"degree", OPT_DEGREE}, {"equi-eps", OPT_TEPS}, {"fail-prob", OPT_FAIL_PROB},
    };
    while (colon && *colon) {
        char *next = strchr(colon, ':');
        if (next) *next++ = '\0';
        char *eq = strchr(colon, '=');
        if (eq) *eq++ = '\0';
        size_t q = 0;
        while (q < sizeof keys / sizeof *keys && strcmp(keys[q].key, colon) != 0) q++;
        if (q == sizeof keys / sizeof *keys)
            cli_usage("--topologies %s: unknown parameter '%s' (rows, p, k, M, eta, seed, weights, undirected, base, peers, degree, "
                      "equi-eps, fail-prob)", item,
                      colon);
        if ((keys[q].opt == OPT_UNDIRECTED) != (eq == NULL))
            cli_usage("--topologies %s: '%s' %s", item, colon,
                      eq ? "takes no value" : "needs a value (KEY=VALUE)");
        cli_topo_option(c, keys[q].opt, eq);
        colon = next;
    }
}

/* Creates, checks and costs one topology; appends a row or a skip. explicit: named in
 * --topologies, where being invalid at n is an error. Returns the exit code of a failure (0). */
static int add_topology(table *tb, const cli_topo *c, int explicit, const tmx_cost_opts *o)
{
    tmx_topo *t = NULL;
    char label[160];
    tmx_status st = tmx_topo_new(c->name, &c->par, &t);
    if (st == TMX_OK) st = tmx_topo_check_mixing(t, 0, TMX_MIXING_CONNECTED);
    if (st != TMX_OK) {
        if (explicit || (st != TMX_EINVAL && st != TMX_ENOMEM)) {
            char msg[512];
            snprintf(msg, sizeof msg, "%s", tmx_last_error());
            tmx_topo_free(t);
            cli_die(cli_exit_code(st), "%s at n=%lld: %s", c->name, (long long)c->par.n, msg);
        }
        add_skip(tb, c->name, 1, tmx_last_error());
        tmx_topo_free(t);
        return 0;
    }
    label_of(t, label, sizeof label);
    if (strcmp(tmx_topo_name(t), "file") == 0) snprintf(label, sizeof label, "%s", c->name);
    if (tmx_topo_n(t) > COMPARE_DENSE_MAX_N && needs_dense(tmx_topo_name(t))) {
        char why[200];
        snprintf(why, sizeof why, "needs dense O(n^3) work above n = %d, several seconds (topomix gap %s -n %lld "
                                  "computes it)", COMPARE_DENSE_MAX_N, tmx_topo_name(t), (long long)tmx_topo_n(t));
        add_skip(tb, label, 0, why);
        tmx_topo_free(t);
        return 0;
    }
    tmx_cost cost;
    st = tmx_cost_topo(t, o, &cost);
    if (st == TMX_EUNSUP || st == TMX_ENOMEM) { /* beyond the limits of this machine or method */
        add_skip(tb, label, 0, tmx_last_error());
        tmx_topo_free(t);
        return 0;
    }
    if (st != TMX_OK) {
        fprintf(stderr, "%s: %s: %s\n", cli_prog, label, tmx_last_error());
        tmx_topo_free(t);
        return cli_exit_code(st);
    }
    if (tb->nrows == tb->caprows &&
        !(tb->rows = realloc(tb->rows, (tb->caprows = 2 * tb->caprows + 8) * sizeof *tb->rows)))
        cli_die(1, "out of memory");
    row *r = &tb->rows[tb->nrows++];
    snprintf(r->label, sizeof r->label, "%s", label);
    r->t = t;
    r->cost = cost;
    return 0;
}

/* By time to eps (never last), then steps, then label. */
static int by_time(const void *a, const void *b)
{
    const row *x = a, *y = b;
    if (x->cost.time_to_eps != y->cost.time_to_eps) return x->cost.time_to_eps < y->cost.time_to_eps ? -1 : 1;
    if (x->cost.steps_to_eps != y->cost.steps_to_eps) return x->cost.steps_to_eps < y->cost.steps_to_eps ? -1 : 1;
    return strcmp(x->label, y->label);
}

/* ---- output ------------------------------------------------------------------------------------- */

static void write_text(FILE *out, const table *tb, int64_t n, const tmx_cost_opts *o)
{
    double mt = o->model.alpha + o->model.message_bytes / o->model.bandwidth;
    fprintf(out, "n = %lld, eps = %g; one message: %g s + %g B / %g B/s = %.3g s\n\n", (long long)n, o->eps,
            o->model.alpha, o->model.message_bytes, o->model.bandwidth, mt);
    int w = 8;
    for (size_t i = 0; i < tb->nrows; i++) w = (int)fmax(w, (double)strlen(tb->rows[i].label));
    fprintf(out, "rank  %-*s  %-8s  %-9s  %9s  %10s  %11s  %11s\n", w, "topology", "kind", "rate", "msgs/step", "steps",
            "bytes/node", "time");
    int any_exact = 0;
    for (size_t i = 0; i < tb->nrows; i++) {
        const row *r = &tb->rows[i];
        const tmx_cost *c = &r->cost;
        char steps[32], bytes[32], time[32];
        if (c->steps_to_eps < 0) {
            snprintf(steps, sizeof steps, "never");
            snprintf(bytes, sizeof bytes, "-");
            snprintf(time, sizeof time, "never");
        } else {
            snprintf(steps, sizeof steps, "%lld%s", (long long)c->steps_to_eps, c->exact_averaging ? "*" : "");
            snprintf(bytes, sizeof bytes, "%.3g", c->bytes_per_node_to_eps);
            snprintf(time, sizeof time, "%.4g s", c->time_to_eps);
        }
        any_exact |= c->exact_averaging;
        fprintf(out, "%4zu  %-*s  %-8s  %-9.6f  %9.4g  %10s  %11s  %11s\n", i + 1, w, r->label, cli_kind_name(tmx_topo_kind_of(r->t)), c->rate,
                c->messages_per_step, steps, bytes, time);
    }
    if (any_exact) fputs("\n* averages exactly: the product of the steps taken equals J\n", out);
    if (tb->nskips) {
        fputs("\nskipped:\n", out);
        for (size_t i = 0; i < tb->nskips; i++) fprintf(out, "  %s: %s\n", tb->skips[i].label, tb->skips[i].reason);
    }
}

static void json_row(FILE *out, const row *r, int64_t n)
{
    const tmx_cost *c = &r->cost;
    fputs("{\"topology\":", out);
    json_str(out, tmx_topo_name(r->t));
    fputs(",\"label\":", out);
    json_str(out, r->label);
    fprintf(out, ",\"kind\":\"%s\",\"n\":%lld,\"rate\":", cli_kind_name(tmx_topo_kind_of(r->t)), (long long)n);
    json_num(out, c->rate);
    fputs(",\"messages_per_step\":", out);
    json_num(out, c->messages_per_step);
    fprintf(out, ",\"messages_exact\":%s,\"steps_to_eps\":", c->messages_exact ? "true" : "false");
    if (c->steps_to_eps < 0) fputs("null", out);
    else fprintf(out, "%lld", (long long)c->steps_to_eps);
    fprintf(out, ",\"steps_method\":\"%s\",\"exact_averaging\":%s,\"error_at_steps\":", tmx_cost_steps_how_name(c->steps_how),
            c->exact_averaging ? "true" : "false");
    json_num(out, c->error_at_steps);
    fputs(",\"messages_to_eps\":", out);
    json_num(out, c->messages_to_eps);
    fputs(",\"bytes_per_node_to_eps\":", out);
    json_num(out, c->bytes_per_node_to_eps);
    fputs(",\"time_to_eps\":", out);
    json_num(out, c->time_to_eps);
    fputc('}', out);
}

static void write_json(FILE *out, const table *tb, int64_t n, const tmx_cost_opts *o)
{
    fprintf(out, "{\"status\":\"ok\",\"error\":null,\"n\":%lld,\"eps\":", (long long)n);
    json_num(out, o->eps);
    fputs(",\"latency\":", out);
    json_num(out, o->model.alpha);
    fputs(",\"bandwidth\":", out);
    json_num(out, o->model.bandwidth);
    fputs(",\"message_bytes\":", out);
    json_num(out, o->model.message_bytes);
    fputs(",\"rows\":[", out);
    for (size_t i = 0; i < tb->nrows; i++) {
        fputs(i ? ",\n" : "\n", out);
        json_row(out, &tb->rows[i], n);
    }
    fputs("],\"skipped\":[", out);
    int first = 1;
    for (size_t i = 0; i < tb->nskips; i++) {
        if (tb->skips[i].invalid) continue;
        fputs(first ? "\n{\"topology\":" : ",\n{\"topology\":", out);
        json_str(out, tb->skips[i].label);
        fputs(",\"reason\":", out);
        json_str(out, tb->skips[i].reason);
        fputc('}', out);
        first = 0;
    }
    fputs("]}\n", out);
}

static void write_csv(FILE *out, const table *tb, int64_t n)
{
    fputs("rank,topology,label,kind,n,rate,messages_per_step,steps_to_eps,steps_method,exact_averaging,"
          "bytes_per_node_to_eps,time_to_eps\n", out);
    for (size_t i = 0; i < tb->nrows; i++) {
        const row *r = &tb->rows[i];
        const tmx_cost *c = &r->cost;
        fprintf(out, "%zu,%s,%s,%s,%lld,%.17g,%.17g,", i + 1, tmx_topo_name(r->t), r->label, cli_kind_name(tmx_topo_kind_of(r->t)),
                (long long)n, c->rate, c->messages_per_step);
        if (c->steps_to_eps < 0) fputs(",", out);
        else fprintf(out, "%lld,", (long long)c->steps_to_eps);
        fprintf(out, "%s,%d,", tmx_cost_steps_how_name(c->steps_how), c->exact_averaging);
        if (c->steps_to_eps < 0) fputs(",\n", out);
        else fprintf(out, "%.17g,%.17g\n", c->bytes_per_node_to_eps, c->time_to_eps);
    }
    for (size_t i = 0; i < tb->nskips; i++) /* the rows left out for time, not for n */
        if (!tb->skips[i].invalid) fprintf(stderr, "%s: skipping %s: %s\n", cli_prog, tb->skips[i].label, tb->skips[i].reason);
}

int cmd_compare(int argc, char **argv)
{
    enum { FMT_TEXT, FMT_JSON, FMT_CSV } fmt = FMT_TEXT;
    enum { OPT_TOPOLOGIES = OPT_FIRST_FREE, OPT_SAMPLES };
    static const struct option opts[] = {
        {"help", no_argument, NULL, 'h'},
        {"topologies", required_argument, NULL, OPT_TOPOLOGIES},
        {"samples", required_argument, NULL, OPT_SAMPLES},
        CLI_COST_LONGOPTS,
        CLI_TOPO_LONGOPTS,
        {"format", required_argument, NULL, OPT_FORMAT},
        {"output", required_argument, NULL, 'o'},
        {NULL, 0, NULL, 0},
    };
    cli_topo base;
    cli_topo_init(&base);
    tmx_cost_opts o;
    tmx_cost_opts_init(&o);
    const char *output = NULL, *list = NULL;
    int opt;
    cli_prog = "topomix compare";
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":hn:o:", opts, NULL)) != -1) {
        if (opt == OPT_TOPOLOGY) cli_usage("--topology is not an option of compare (use --topologies LIST)");
        if (cli_topo_option(&base, opt, optarg) || cli_cost_option(&o, opt, optarg)) continue;
        switch (opt) {
        case 'h': usage(stdout); return 0;
        case OPT_TOPOLOGIES: list = optarg; break;
        case OPT_SAMPLES: o.samples = cli_int("--samples", optarg, 20, 100000000); break;
        case 'o': output = optarg; break;
        case OPT_FORMAT:
            if (strcmp(optarg, "text") == 0) fmt = FMT_TEXT;
            else if (strcmp(optarg, "json") == 0) fmt = FMT_JSON;
            else if (strcmp(optarg, "csv") == 0) fmt = FMT_CSV;
            else cli_usage("unknown --format '%s' (text, json, csv)", optarg);
            break;
        default: cli_bad_option(opt, argv);
        }
    }
    if (optind < argc) cli_usage("unexpected argument '%s'", argv[optind]);
    if (!base.have_n) cli_usage("-n N is required");
    if (list && !*list) cli_usage("--topologies is empty");

    /* every item is checked before any work, so a typo fails at once */
    size_t nitems = 0;
    char **items = NULL;
    char *copy = strdup(list ? list : "all"), *save = NULL;
    if (!copy) cli_die(1, "out of memory");
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (!(items = realloc(items, (nitems + 1) * sizeof *items))) cli_die(1, "out of memory");
        items[nitems++] = tok;
        if (strcmp(tok, "all") != 0) {
            cli_topo c = base;
            char name[512];
            parse_item(tok, &c, name, sizeof name);
        }
    }
    if (nitems == 0) cli_usage("--topologies '%s' names no topology", list);

    table tb = {0};
    int rc = 0;
    for (size_t i = 0; i < nitems; i++) {
        if (strcmp(items[i], "all") == 0) {
            for (size_t f = 0; f < tmx_topo_family_count(); f++) {
                const char *name = tmx_topo_family(f)->name;
                if (strcmp(name, "file") == 0) continue;
                cli_topo c = base;
                c.name = name;
                int r = add_topology(&tb, &c, 0, &o);
                if (r > rc) rc = r;
            }
        } else {
            cli_topo c = base;
            char name[512];
            parse_item(items[i], &c, name, sizeof name);
            int r = add_topology(&tb, &c, 1, &o);
            if (r > rc) rc = r;
        }
    }
    if (tb.nrows == 0 && rc == 0) cli_die(EXIT_USAGE, "no topology could be compared at n=%lld", (long long)base.par.n);
    qsort(tb.rows, tb.nrows, sizeof *tb.rows, by_time);

    FILE *out = cli_open_output(output);
    if (fmt == FMT_JSON) write_json(out, &tb, base.par.n, &o);
    else if (fmt == FMT_CSV) write_csv(out, &tb, base.par.n);
    else write_text(out, &tb, base.par.n, &o);
    cli_close_output(out);
    for (size_t i = 0; i < tb.nrows; i++) tmx_topo_free(tb.rows[i].t);
    free(tb.rows);
    free(tb.skips);
    free(items);
    free(copy);
    return rc;
}
