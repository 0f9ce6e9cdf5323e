/* topomix topo — the mixing matrix of a topology at one step, its validation, the registry. */
#include "cli_common.h"
#include "commands.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: topomix topo NAME -n N [--step K] [options] [--format text|json|mtx|edges|dot]\n"
            "       topomix topo --list\n"
            "       topomix topo --table [-n N]\n"
            "\n"
            "Builds the mixing matrix W^(K) of topology NAME (x_i <- sum_j w_ij x_j) and reports\n"
            "its validation: nonnegative, row/column stochastic, symmetric, (strongly) connected,\n"
            "in/out degrees, and the period of periodic topologies.\n"
            "\n"
            "General:\n"
            "  -h, --help            this help\n"
            "      --list            list the topologies with their allowed sizes\n"
            "      --table           validate every topology at -n N (default 16): the overview\n"
            "      --step K          step of time-varying topologies (default 0)\n"
            "      --tol T           validation tolerance, absolute (default 1e-12)\n"
            "\n" CLI_TOPO_HELP
            "\n"
            "Output:\n"
            "      --format FMT      text (summary; dense W for n <= 16), json (validation),\n"
            "                        mtx (W^(K) as Matrix Market coordinate real general, %%.17g),\n"
            "                        edges (W^(K)'s edges as 'i j w' lines, 0-based, %%.17g: what\n"
            "                        file:PATH reads back), dot (its graph for Graphviz)\n"
            "      --labels          dot: label each edge with its weight\n"
            "  -o, --output FILE     write to FILE instead of standard output\n"
            "\n"
            "NAME is one of the names of --list, or file:PATH for your own graph or matrix: an edge\n"
            "list ('i j' or 'i j w' lines) or a Matrix Market file (docs/definitions.md section 17).\n"
            "Exit status: 0 ok, 1 runtime failure, 2 usage or input error.\n");
}

enum { OPT_LABELS = OPT_FIRST_FREE };

static const char *yn(int b) { return b ? "yes" : "no"; }

static void print_list(FILE *out)
{
    fprintf(out, "%-18s %-9s %-6s %s\n", "topology", "kind", "seeded", "sizes / description");
    for (size_t i = 0; i < tmx_topo_family_count(); i++) {
        const tmx_topo_family_info *f = tmx_topo_family(i);
        fprintf(out, "%-18s %-9s %-6s %s\n%-35s %s\n", strcmp(f->name, "file") == 0 ? "file:PATH" : f->name,
                cli_kind_name(f->kind), f->seeded ? "yes" : "no", f->sizes, "", f->summary);
    }
}

static void print_table(FILE *out, const cli_topo *c, double tol)
{
    int64_t n = c->have_n ? c->par.n : 16;
    fprintf(out, "Every topology at n = %lld (step 0; 'conn' is per step, 'period conn' the union over a period)\n\n",
            (long long)n);
    fprintf(out, "%-18s %-9s %6s %8s %9s %6s %5s %5s %12s\n", "topology", "kind", "period", "nnz", "degree",
            "d.s.", "sym", "conn", "period conn");
    for (size_t i = 0; i < tmx_topo_family_count(); i++) {
        const tmx_topo_family_info *f = tmx_topo_family(i);
        if (strcmp(f->name, "file") == 0) continue;
        tmx_topo_params par = c->par;
        par.n = n;
        tmx_topo *t = NULL;
        tmx_topo_report r;
        tmx_status st = tmx_topo_new(f->name, &par, &t);
        if (st == TMX_OK) st = tmx_topo_validate(t, 0, tol, &r);
        if (st != TMX_OK) {
            fprintf(out, "%-18s %-9s n/a: %s\n", f->name, cli_kind_name(f->kind), tmx_last_error());
        } else {
            char deg[32], period[16];
            snprintf(deg, sizeof deg, "%lld..%lld", (long long)r.step.min_in_degree, (long long)r.step.max_in_degree);
            if (f->kind == TMX_TOPO_RANDOM)
                snprintf(period, sizeof period, "-");
            else
                snprintf(period, sizeof period, "%lld", (long long)tmx_topo_period(t));
            fprintf(out, "%-18s %-9s %6s %8lld %9s %6s %5s %5s %12s\n", f->name, cli_kind_name(f->kind), period,
                    (long long)r.step.nnz, deg, yn(r.step.doubly_stochastic), yn(r.step.symmetric),
                    yn(r.step.connected), r.period_connected < 0 ? "-" : yn(r.period_connected));
        }
        tmx_topo_free(t);
    }
}

static void print_text(FILE *out, const tmx_topo *t, int64_t step, const tmx_topo_report *r, const tmx_csr *W)
{
    const tmx_topo_params *p = tmx_topo_params_of(t);
    const tmx_validation *v = &r->step;
    const tmx_topo_family_info *f = tmx_topo_info(t);
    int64_t rows, cols;
    tmx_topo_shape(t, &rows, &cols);
    fprintf(out, "topology            %s\n", tmx_topo_name(t));
    if (tmx_topo_source(t)) fprintf(out, "read as             %s\n", tmx_topo_source(t));
    fprintf(out, "n                   %lld\n", (long long)tmx_topo_n(t));
    if (rows) fprintf(out, "shape               %lld x %lld\n", (long long)rows, (long long)cols);
    fprintf(out, "kind                %s%s\n", cli_kind_name(f->kind), tmx_topo_directed(t) ? ", directed" : "");
    if (f->kind == TMX_TOPO_PERIODIC) fprintf(out, "period              %lld\n", (long long)tmx_topo_period(t));
    fprintf(out, "step                %lld\n", (long long)step);
    if (f->seeded) fprintf(out, "seed                %llu\n", (unsigned long long)p->seed);
    fprintf(out, "weights             %s\n", tmx_weights_name(p->weights));
    fprintf(out, "nonzeros            %lld\n", (long long)v->nnz);
    fprintf(out, "in-degree           %lld..%lld\n", (long long)v->min_in_degree, (long long)v->max_in_degree);
    fprintf(out, "out-degree          %lld..%lld\n", (long long)v->min_out_degree, (long long)v->max_out_degree);
    fprintf(out, "nonnegative         %s (min entry %.3g)\n", yn(v->nonnegative), v->min_entry);
    fprintf(out, "row stochastic      %s (max |row sum - 1| %.3g)\n", yn(v->row_stochastic), v->max_row_error);
    fprintf(out, "column stochastic   %s (max |col sum - 1| %.3g)\n", yn(v->col_stochastic), v->max_col_error);
    fprintf(out, "doubly stochastic   %s\n", yn(v->doubly_stochastic));
    if (v->col_stochastic && !v->row_stochastic) /* column stochastic only: what push-sum needs (§20) */
        fprintf(out, "push-sum            %s (column stochastic, positive diagonal, strongly connected)\n",
                v->push_sum ? "yes, a push-sum mixing matrix" : "no");
    fprintf(out, "symmetric           %s (max |w_ij - w_ji| %.3g)\n", yn(v->symmetric), v->max_asymmetry);
    fprintf(out, "connected           %s%s\n", yn(v->connected), tmx_topo_directed(t) ? " (strongly)" : "");
    if (r->period_connected >= 0) fprintf(out, "connected (period)  %s\n", yn(r->period_connected));
    if (W->n <= 16) {
        fprintf(out, "W^(%lld) =\n", (long long)step);
        for (int64_t i = 0; i < W->n; i++) {
            for (int64_t j = 0; j < W->n; j++) {
                double w = tmx_csr_get(W, i, j);
                if (w == 0.0)
                    fprintf(out, " %7s", ".");
                else
                    fprintf(out, " %7.4f", w);
            }
            fputc('\n', out);
        }
    }
}

static void print_json(FILE *out, const tmx_topo *t, int64_t step, const tmx_topo_report *r)
{
    const tmx_topo_params *p = tmx_topo_params_of(t);
    const tmx_validation *v = &r->step;
    const tmx_topo_family_info *f = tmx_topo_info(t);
    int64_t rows, cols;
    tmx_topo_shape(t, &rows, &cols);
    fputs("{\"status\":\"ok\",\"error\":null,\"topology\":", out);
    json_str(out, tmx_topo_name(t));
    if (tmx_topo_source(t)) fputs(",\"source\":", out), json_str(out, tmx_topo_source(t));
    fprintf(out, ",\"n\":%lld,\"step\":%lld,\"kind\":\"%s\",\"directed\":%s", (long long)tmx_topo_n(t),
            (long long)step, cli_kind_name(f->kind), tmx_topo_directed(t) ? "true" : "false");
    fprintf(out, ",\"params\":{\"seed\":%llu,\"weights\":\"%s\"", (unsigned long long)p->seed, tmx_weights_name(p->weights));
    if (rows) fprintf(out, ",\"rows\":%lld,\"cols\":%lld", (long long)rows, (long long)cols);
    if (strcmp(f->name, "er") == 0) fprintf(out, ",\"p\":%.17g", p->p);
    if (strcmp(f->name, "base-k") == 0) fprintf(out, ",\"k\":%lld", (long long)p->k);
    if (strcmp(f->name, "exp") == 0 || strcmp(f->name, "sym-exp") == 0) fprintf(out, ",\"base\":%lld", (long long)p->base);
    if (strcmp(f->name, "npeer-exp") == 0) fprintf(out, ",\"peers\":%lld", (long long)p->peers);
    if (strcmp(f->name, "equistatic") == 0) fprintf(out, ",\"M\":%lld", (long long)p->m);
    if (strcmp(f->name, "equidyn") == 0) fprintf(out, ",\"eta\":%.17g", p->eta);
    if (strcmp(f->name, "equistatic") == 0 && p->eps != 0.0)
        fprintf(out, ",\"equi_eps\":%.17g,\"fail_prob\":%.17g", p->eps, p->fail_prob);
    if (strcmp(f->name, "random-regular") == 0) fprintf(out, ",\"degree\":%lld", (long long)p->degree);
    if (strcmp(f->name, "small-world") == 0) fprintf(out, ",\"k\":%lld,\"p\":%.17g", (long long)p->k, p->p);
    if (strncmp(f->name, "equi", 4) == 0) fprintf(out, ",\"undirected\":%s", p->undirected ? "true" : "false");
    fputs("}", out);
    if (f->kind == TMX_TOPO_RANDOM)
        fputs(",\"period\":null", out);
    else
        fprintf(out, ",\"period\":%lld", (long long)tmx_topo_period(t));
    fprintf(out, ",\"nnz\":%lld,\"min_in_degree\":%lld,\"max_in_degree\":%lld,\"min_out_degree\":%lld,"
                 "\"max_out_degree\":%lld",
            (long long)v->nnz, (long long)v->min_in_degree, (long long)v->max_in_degree,
            (long long)v->min_out_degree, (long long)v->max_out_degree);
    fprintf(out, ",\"nonnegative\":%s,\"row_stochastic\":%s,\"col_stochastic\":%s,\"doubly_stochastic\":%s,"
                 "\"symmetric\":%s,\"connected\":%s",
            v->nonnegative ? "true" : "false", v->row_stochastic ? "true" : "false",
            v->col_stochastic ? "true" : "false", v->doubly_stochastic ? "true" : "false",
            v->symmetric ? "true" : "false", v->connected ? "true" : "false");
    fprintf(out, ",\"push_sum\":%s", v->push_sum ? "true" : "false");
    fprintf(out, ",\"period_connected\":%s",
            r->period_connected < 0 ? "null" : r->period_connected ? "true" : "false");
    fputs(",\"min_entry\":", out);
    json_num(out, v->min_entry);
    fputs(",\"max_row_error\":", out);
    json_num(out, v->max_row_error);
    fputs(",\"max_col_error\":", out);
    json_num(out, v->max_col_error);
    fputs(",\"max_asymmetry\":", out);
    json_num(out, v->max_asymmetry);
    fputs("}\n", out);
}

int cmd_topo(int argc, char **argv)
{
    enum { FMT_TEXT, FMT_JSON, FMT_MTX, FMT_EDGES, FMT_DOT } fmt = FMT_TEXT;
    static const struct option opts[] = {
        /* General */
        {"help", no_argument, NULL, 'h'},
        {"list", no_argument, NULL, OPT_LIST},
        {"table", no_argument, NULL, OPT_TABLE},
        {"step", required_argument, NULL, OPT_STEP},
        {"tol", required_argument, NULL, OPT_TOL},
        /* Topology */
        CLI_TOPO_LONGOPTS,
        /* Output */
        {"format", required_argument, NULL, OPT_FORMAT},
        {"labels", no_argument, NULL, OPT_LABELS},
        {"output", required_argument, NULL, 'o'},
        {NULL, 0, NULL, 0},
    };
    cli_topo c;
    cli_topo_init(&c);
    int list = 0, table = 0, labels = 0, opt;
    int64_t step = 0;
    double tol = 1e-12;
    const char *output = NULL;
    cli_prog = "topomix topo";
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":hn:o:", opts, NULL)) != -1) {
        if (cli_topo_option(&c, opt, optarg)) continue;
        switch (opt) {
        case 'h': usage(stdout); return 0;
        case OPT_LIST: list = 1; break;
        case OPT_TABLE: table = 1; break;
        case OPT_STEP: step = cli_int("--step", optarg, 0, INT64_MAX); break;
        case OPT_TOL:
            tol = cli_double("--tol", optarg);
            if (tol < 0) cli_usage("--tol must be >= 0, got %s", optarg);
            break;
        case 'o': output = optarg; break;
        case OPT_FORMAT:
            if (strcmp(optarg, "text") == 0) fmt = FMT_TEXT;
            else if (strcmp(optarg, "json") == 0) fmt = FMT_JSON;
            else if (strcmp(optarg, "mtx") == 0) fmt = FMT_MTX;
            else if (strcmp(optarg, "edges") == 0) fmt = FMT_EDGES;
            else if (strcmp(optarg, "dot") == 0) fmt = FMT_DOT;
            else cli_usage("unknown --format '%s' (text, json, mtx, edges, dot)", optarg);
            break;
        case OPT_LABELS: labels = 1; break;
        default: cli_bad_option(opt, argv);
        }
    }
    if (optind < argc) c.name = argv[optind++];
    if (optind < argc) cli_usage("unexpected argument '%s'", argv[optind]);
    if (labels && fmt != FMT_DOT) cli_usage("--labels applies to --format dot");

    FILE *out = cli_open_output(output);
    int rc = 0;
    if (list) {
        print_list(out);
    } else if (table) {
        print_table(out, &c, tol);
    } else {
        if (!c.name) {
            cli_usage("no topology given (see --list)");
        }
        tmx_topo *t = cli_topo_new(&c);
        tmx_csr W = {0};
        tmx_topo_report r;
        tmx_status st = tmx_topo_weights(t, step, &W);
        if (st == TMX_OK && (fmt == FMT_TEXT || fmt == FMT_JSON)) st = tmx_topo_validate(t, step, tol, &r);
        if (st != TMX_OK) {
            tmx_csr_destroy(&W);
            tmx_topo_free(t);
            cli_die_status(st);
        }
        if (fmt == FMT_MTX || fmt == FMT_EDGES || fmt == FMT_DOT) {
            char comment[256];
            snprintf(comment, sizeof comment, "topomix %s: %s n=%lld step=%lld seed=%llu weights=%s", TMX_VERSION,
                     tmx_topo_name(t), (long long)tmx_topo_n(t), (long long)step,
                     (unsigned long long)tmx_topo_params_of(t)->seed, tmx_weights_name(tmx_topo_params_of(t)->weights));
            /* edges and dot: undirected when W equals its transpose bit for bit, so nothing is lost */
            int directed = !tmx__csr_exactly_symmetric(&W);
            if (fmt == FMT_MTX) st = tmx_mm_write(out, &W, 0, comment);
            else if (fmt == FMT_EDGES) st = tmx_edges_write(out, &W, directed, comment);
            else st = tmx_dot_write(out, &W, directed, labels, comment);
        } else if (fmt == FMT_JSON) {
            print_json(out, t, step, &r);
        } else {
            print_text(out, t, step, &r, &W);
        }
        tmx_csr_destroy(&W);
        tmx_topo_free(t);
        if (st != TMX_OK) cli_die_status(st);
    }
    cli_close_output(out);
    return rc;
}
