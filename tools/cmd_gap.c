/* topomix gap — consensus rates: SLEM, ‖W − J‖₂, spectral gap; periodic and random sequence rates;
 * theorem checks; sweeps over n for plots. */
#include "cli_common.h"
#include "commands.h"

#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_METHOD = OPT_FIRST_FREE, OPT_CHECK, OPT_SWEEP, OPT_NRANGE, OPT_SAMPLES };

#define STR(x) #x
#define XSTR(x) STR(x)

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: topomix gap NAME -n N [--step K] [--method M] [--check] [--format text|json|csv]\n"
            "       topomix gap --sweep NAME[,NAME...] --n A:B[:S] [--method M] [-o FILE]\n"
            "\n"
            "Rates of the mixing matrix W^(K): slem (largest |eigenvalue| of W - J), beta = ||W - J||_2\n"
            "and the spectral gap 1 - slem. Periodic topologies add period, period_rate (max over phases of\n"
            "||W^(k+P-1)...W^(k) - J||_2) and step_rate = period_rate^(1/P); random ones add the expected\n"
            "rate p, where 1 - p = lambda_max(E[W^T W] - J) (exact where enumerable, else Monte Carlo).\n"
            "\n"
            "General:\n"
            "  -h, --help            this help\n"
            "      --step K          step of time-varying topologies (default 0)\n"
            "      --method M        auto (default) | dense (LAPACKE) | dft (FFTW, circulants only) |\n"
            "                        iterative (ARPACK; shift-invert through a sparse Cholesky factor for\n"
            "                        symmetric W, docs/definitions.md section 4)\n"
            "      --check           state the closed form or theorem for this topology (exp base 2, ring,\n"
            "                        torus, complete, hypercube; docs/definitions.md section 4) and whether it\n"
            "                        holds; exit 1 if it does not\n"
            "      --samples S       Monte Carlo samples for random topologies (default 1000)\n"
            "      --sweep LIST      comma-separated topologies; one row per topology and n (sizes a\n"
            "                        topology does not allow are skipped with a note; a sweep in which\n"
            "                        every size is skipped is an error)\n"
            "      --n A:B[:S]       sweep sizes: A, 2A, 4A, ... up to B; with S: A, A+S, ... up to B;\n"
            "                        or a comma list\n"
            "\n"
            "Communication cost, for every topology: messages_per_step (per node, max(in-degree,\n"
            "out-degree) of W^(k) off the diagonal, maximised over nodes; mean over a period, expected\n"
            "for random topologies), steps_to_eps (gossip steps until ||X_t - mean|| <= E ||X_0 - mean||:\n"
            "worst case from ||W^t - J||_2 or the products W^(t-1)...W^(0) from phase 0, in expectation\n"
            "from (1 - p)^(t/2) for random ones; exact_averaging when the product equals J), and\n"
            "bytes_per_node_to_eps and time_to_eps = messages x S and messages x (A + S/B). topomix\n"
            "compare ranks every topology by it.\n"
            "\n" CLI_COST_HELP);
    fprintf(f, /* in two parts: ISO C bounds a string literal at 4095 characters */
            "\n" CLI_TOPO_HELP
            "\n"
            "Output:\n"
            "      --format FMT      text (default), json (one object), csv (header + one row); with\n"
            "                        --sweep csv (default) or json: a JSON array of the objects one\n"
            "                        topology gives, one per line\n"
            "  -o, --output FILE     write to FILE instead of standard output\n"
            "\n"
            "W must be a mixing matrix: nonnegative, rows and columns summing to 1 (within 1e-12, more for\n"
            "rows longer than 2250 entries, where rounding alone reaches it), and its graph connected (for\n"
            "a periodic topology, the union over a period; a random topology's draw need not be). Otherwise\n"
            "gap names the first failing row, column or entry, counted from 1 as in Matrix Market files,\n"
            "and exits 2. A push-sum W (--weights push on a graph whose degrees differ, or such a file) has\n"
            "columns summing to 1 and rows that need not, a positive diagonal and a strongly connected graph:\n"
            "gap then reports the rates of the push-sum iteration about W's Perron vector w (W w = w, sum 1):\n"
            "slem = rho(W - w 1^T), beta = ||W - w 1^T||_2 (docs/definitions.md section 20), densely, with\n"
            "push_sum, perron_min and perron_max (n min w_i, n max w_i); no cost or sequence rates.\n"
            "Bounds: the iterative method keeps " XSTR(TMX_ITER_NCV) " vectors of length n (refused up front when they\n"
            "would not fit in memory) and gives up after " XSTR(TMX_ITER_MAX_RESTARTS) " restarts (exit 1). On a terminal, its\n"
            "progress is shown on stderr.\n"
            "\n"
            "Exit status: 0 ok, 1 numerical failure or a --check that does not hold, 2 usage error or\n"
            "invalid matrix.\n");
}

typedef struct gap_result {
    const tmx_topo *t;
    int64_t step;
    tmx_rate r;
    int periodic, random;
    tmx_seq_rate seq;
    tmx_random_rate rnd;
    double slem_raw, gap_raw; /* as computed, before clamping */
    int clamped;              /* slem or beta above 1, or the gap below 0, by rounding: set to 1 and 0 */
    int push;                 /* a push-sum W (columns sum to 1, rows need not): r holds its rates (§20) */
    tmx_push_rate pr;
    int have_cost;
    tmx_cost cost;
    char cost_error[400]; /* why the cost is missing (a size beyond its methods' limits) */
} gap_result;

static tmx_status compute_rates(const tmx_topo *t, int64_t step, tmx_method m, int64_t samples, gap_result *g)
{
    tmx_status st = tmx_rate_topo(t, step, m, &g->r);
    if (st != TMX_OK) return st;
    if (tmx_topo_kind_of(t) == TMX_TOPO_PERIODIC) {
        g->periodic = 1;
        st = tmx_rate_periodic(t, m, &g->seq);
    } else if (tmx_topo_kind_of(t) == TMX_TOPO_RANDOM) {
        g->random = 1;
        st = tmx_rate_random(t, samples, &g->rnd);
    }
    return st;
}

/* Checks that W is a mixing matrix (connected; for a periodic topology over a period), then
 * computes its rates. */
static tmx_status compute(const tmx_topo *t, int64_t step, tmx_method m, int64_t samples, const tmx_cost_opts *co,
                          gap_result *g)
{
    memset(g, 0, sizeof *g);
    g->t = t;
    g->step = step;
    tmx_status st = tmx_topo_check_mixing(t, step, TMX_MIXING_CONNECTED);
    if (st == TMX_EINVAL && tmx_topo_check_mixing(t, step, TMX_MIXING_CONNECTED | TMX_MIXING_PUSH) == TMX_OK) {
        /* a push-sum W: the step's rates about its Perron vector w, densely (docs/definitions.md §20) */
        if (m == TMX_METHOD_DFT || m == TMX_METHOD_ITERATIVE)
            cli_usage("--method %s: the rates of a push-sum W (columns sum to 1, rows do not) are dense only",
                      tmx_method_name(m));
        g->push = 1;
        if ((st = tmx_rate_push_topo(t, step, &g->pr)) != TMX_OK) return st;
        g->r.slem = g->pr.slem;
        g->r.beta = g->pr.beta;
        g->r.gap = g->pr.gap;
        g->r.method = TMX_METHOD_DENSE;
        g->slem_raw = g->r.slem;
        g->gap_raw = g->r.gap;
        if (g->r.slem > 1.0 || g->r.gap < 0.0) /* beta = ||W - w1^T||_2 may exceed 1 */
            g->clamped = 1, g->r.slem = fmin(g->r.slem, 1.0), g->r.gap = fmax(g->r.gap, 0.0);
        snprintf(g->cost_error, sizeof g->cost_error, "the cost model assumes doubly stochastic W^(k); this W is "
                 "column stochastic only (push-sum)");
        return TMX_OK;
    }
    if (st == TMX_EINVAL) tmx_topo_check_mixing(t, step, TMX_MIXING_CONNECTED); /* its message again */
    if (st != TMX_OK) return st;
    st = compute_rates(t, step, m, samples, g);
    cli_progress_end();
    if (st != TMX_OK) return st;
    /* For a mixing matrix ρ ≤ ‖W − J‖₂ ≤ 1, so a value above 1 (a gap below 0) is rounding: a step
     * whose W does not mix on its own (a one-peer step) lands there; report 1 and 0, and say so. */
    g->slem_raw = g->r.slem;
    g->gap_raw = g->r.gap;
    if (g->r.slem > 1.0 || g->r.beta > 1.0 || g->r.gap < 0.0) {
        g->clamped = 1;
        g->r.slem = fmin(g->r.slem, 1.0);
        g->r.beta = fmin(g->r.beta, 1.0);
        g->r.gap = fmax(g->r.gap, 0.0);
    }
    /* The cost reuses the rates (W^(0)'s for a static topology, whatever the step). A size beyond
     * the cost's methods leaves it out with the reason; the rates are still reported. */
    tmx_cost_opts o = *co;
    o.method = m;
    o.samples = samples;
    o.rate = tmx_topo_kind_of(t) == TMX_TOPO_STATIC ? &g->r : NULL;
    o.seq_rate = g->periodic ? &g->seq : NULL;
    o.random_rate = g->random ? &g->rnd : NULL;
    st = tmx_cost_topo(t, &o, &g->cost);
    if (st == TMX_EUNSUP || st == TMX_ENOMEM) {
        snprintf(g->cost_error, sizeof g->cost_error, "%s", tmx_last_error());
        return TMX_OK;
    }
    g->have_cost = st == TMX_OK;
    return st;
}

/* The per-step rate that compares topologies: slem for static, step_rate for periodic, and
 * sqrt(1 − p) for random (E‖XW − X̄‖² ≤ (1 − p)‖X − X̄‖²). */
static double rate_of(const gap_result *g)
{
    if (g->periodic) return g->seq.step_rate;
    if (g->random) return sqrt(g->rnd.one_minus_p);
    return g->r.slem;
}

/* ---- closed forms and theorems ---------------------------------------------------------------- */

typedef struct check {
    int applies, holds;
    char statement[256];
    double expected, computed, margin;
} check;

static int tau_of(int64_t n)
{
    int t = 0;
    while (((int64_t)1 << t) < n) t++;
    return t;
}

/* Tolerance of the comparisons: the DFT path computes each |λ_m| as a sum of ≤ τ+1 terms
 * (precise_gap) after an FFT whose error is O(log2 n · eps); 1e-12 is > 100× that for n ≤ 2^24. */
#define CHECK_TOL 1e-12

static check make_check(const gap_result *g)
{
    check c = {0};
    const tmx_topo *t = g->t;
    const char *name = tmx_topo_name(t);
    int64_t n = tmx_topo_n(t);
    c.computed = g->r.slem;
    if (tmx_topo_params_of(t)->weights == TMX_WEIGHTS_LAZY || tmx_topo_params_of(t)->weights == TMX_WEIGHTS_UNIFORM)
        return c;
    if (strcmp(name, "exp") == 0 && n >= 2 && tmx_topo_params_of(t)->base == 2) { /* §4: base 2 only */
        int tau = tau_of(n);
        c.applies = 1;
        c.expected = 1.0 - 2.0 / (tau + 1);
        double beta_gap = fabs(g->r.beta - g->r.slem);
        if (n % 2 == 0) {
            snprintf(c.statement, sizeof c.statement,
                     "n even: rho(W_exp) = 1 - 2/(tau+1) = %.17g, and ||W_exp - J||_2 = rho", c.expected);
            c.margin = fabs(c.computed - c.expected);
            c.holds = c.margin <= CHECK_TOL && beta_gap <= CHECK_TOL;
        } else {
            snprintf(c.statement, sizeof c.statement,
                     "n odd: rho(W_exp) < 1 - 2/(tau+1) = %.17g, and ||W_exp - J||_2 = rho", c.expected);
            c.margin = c.expected - c.computed;
            c.holds = c.margin > CHECK_TOL && beta_gap <= CHECK_TOL;
        }
    } else if (strcmp(name, "ring") == 0 && n >= 3) {
        c.applies = 1;
        /* largest |λ| of (1 + 2cos(2πm/n))/3 over m ≠ 0: m = 1, or the most negative near n/2 */
        double top = (1.0 + 2.0 * cos(2.0 * M_PI / (double)n)) / 3.0;
        double bottom = (1.0 + 2.0 * cos(2.0 * M_PI * (double)(n / 2) / (double)n)) / 3.0;
        c.expected = fmax(fabs(top), fabs(bottom));
        snprintf(c.statement, sizeof c.statement, "ring: rho = max |(1 + 2cos(2 pi m/n))/3| over m != 0 = %.17g%s",
                 c.expected, n >= 5 ? " = (1 + 2cos(2 pi/n))/3" : "");
        c.margin = fabs(c.computed - c.expected);
        c.holds = c.margin <= CHECK_TOL;
    } else if (strcmp(name, "complete") == 0) {
        c.applies = 1;
        c.expected = 0.0;
        snprintf(c.statement, sizeof c.statement, "complete: rho(J) = 0");
        c.margin = fabs(c.computed);
        c.holds = c.margin <= CHECK_TOL;
    } else if (strcmp(name, "hypercube") == 0 && n >= 2) {
        int tau = tau_of(n);
        c.applies = 1;
        c.expected = 1.0 - 2.0 / (tau + 1);
        snprintf(c.statement, sizeof c.statement, "hypercube: rho = 1 - 2/(tau+1) = %.17g", c.expected);
        c.margin = fabs(c.computed - c.expected);
        c.holds = c.margin <= CHECK_TOL;
    } else if (strcmp(name, "torus") == 0) {
        int64_t r, cc;
        tmx_topo_shape(t, &r, &cc);
        if (r >= 3 && cc >= 3) {
            c.applies = 1;
            double best = 0.0;
            for (int64_t a = 0; a < r; a++)
                for (int64_t b = 0; b < cc; b++)
                    if (a || b)
                        best = fmax(best, fabs((1.0 + 2.0 * cos(2.0 * M_PI * (double)a / (double)r) +
                                                2.0 * cos(2.0 * M_PI * (double)b / (double)cc)) / 5.0));
            c.expected = best;
            snprintf(c.statement, sizeof c.statement,
                     "torus %lldx%lld: eigenvalues (1 + 2cos(2 pi a/r) + 2cos(2 pi b/c))/5, rho = %.17g",
                     (long long)r, (long long)cc, best);
            c.margin = fabs(c.computed - c.expected);
            c.holds = c.margin <= CHECK_TOL;
        }
    }
    return c;
}

/* ---- output ----------------------------------------------------------------------------------- */

static const char *csv_header =
    "topology,n,step,method,slem,beta,spectral_gap,residual,period,period_rate,step_rate,p,p_stderr,rate,rate_gap,"
    "messages_per_step,eps,steps_to_eps,steps_method,exact_averaging,bytes_per_node_to_eps,time_to_eps";

static void csv_row(FILE *out, const gap_result *g)
{
    fprintf(out, "%s,%lld,%lld,%s,%.17g,%.17g,%.17g,%.17g,", tmx_topo_name(g->t), (long long)tmx_topo_n(g->t),
            (long long)g->step, tmx_method_name(g->r.method), g->r.slem, g->r.beta, g->r.gap, g->r.residual);
    if (g->periodic)
        fprintf(out, "%lld,%.17g,%.17g,", (long long)g->seq.period, g->seq.period_rate, g->seq.step_rate);
    else
        fputs(",,,", out);
    if (g->random)
        fprintf(out, "%.17g,%.17g,", g->rnd.p, g->rnd.stderr_p);
    else
        fputs(",,", out);
    double rate = rate_of(g);
    /* the static rate's gap is computed directly (precise for tiny gaps) */
    double rgap = (!g->periodic && !g->random) ? g->r.gap : 1.0 - rate;
    fprintf(out, "%.17g,%.17g,", rate, rgap);
    const tmx_cost *c = &g->cost;
    if (!g->have_cost) /* beyond the cost's limits: empty fields */
        fputs(",,,,,,\n", out);
    else if (c->steps_to_eps < 0) /* never reaches eps */
        fprintf(out, "%.17g,%.17g,,%s,0,,\n", c->messages_per_step, c->eps, tmx_cost_steps_how_name(c->steps_how));
    else
        fprintf(out, "%.17g,%.17g,%lld,%s,%d,%.17g,%.17g\n", c->messages_per_step, c->eps, (long long)c->steps_to_eps,
                tmx_cost_steps_how_name(c->steps_how), c->exact_averaging, c->bytes_per_node_to_eps, c->time_to_eps);
}

static void json_cost(FILE *out, const gap_result *g)
{
    const tmx_cost *c = &g->cost;
    fprintf(out, ",\"spectral_gap_clamped\":%s", g->clamped ? "true" : "false");
    if (g->clamped) {
        fputs(",\"slem_computed\":", out);
        json_num(out, g->slem_raw);
        fputs(",\"spectral_gap_computed\":", out);
        json_num(out, g->gap_raw);
    }
    if (!g->have_cost) {
        fputs(",\"messages_per_step\":null,\"steps_to_eps\":null,\"time_to_eps\":null,\"cost_error\":", out);
        json_str(out, g->cost_error);
        return;
    }
    fputs(",\"messages_per_step\":", out);
    json_num(out, c->messages_per_step);
    fprintf(out, ",\"messages_exact\":%s,\"eps\":", c->messages_exact ? "true" : "false");
    json_num(out, c->eps);
    fputs(",\"steps_to_eps\":", out);
    if (c->steps_to_eps < 0) fputs("null", out);
    else fprintf(out, "%lld", (long long)c->steps_to_eps);
    fprintf(out, ",\"steps_method\":\"%s\",\"exact_averaging\":%s,\"error_at_steps\":",
            tmx_cost_steps_how_name(c->steps_how), c->exact_averaging ? "true" : "false");
    json_num(out, c->error_at_steps);
    fputs(",\"latency\":", out);
    json_num(out, c->model.alpha);
    fputs(",\"bandwidth\":", out);
    json_num(out, c->model.bandwidth);
    fputs(",\"message_bytes\":", out);
    json_num(out, c->model.message_bytes);
    fputs(",\"messages_to_eps\":", out);
    json_num(out, c->messages_to_eps);
    fputs(",\"bytes_per_node_to_eps\":", out);
    json_num(out, c->bytes_per_node_to_eps);
    fputs(",\"time_to_eps\":", out);
    json_num(out, c->time_to_eps);
}

static void text_cost(FILE *out, const gap_result *g)
{
    const tmx_cost *c = &g->cost;
    if (!g->have_cost) {
        fprintf(out, "steps to eps    not computed: %s\n", g->cost_error);
        return;
    }
    fprintf(out, "messages/step   %.6g%s\n", c->messages_per_step,
            c->messages_exact ? "" : " (mean over sampled steps)");
    if (c->steps_to_eps < 0) {
        fprintf(out, "steps to eps    never (eps %g: the rate is 1)\n", c->eps);
        return;
    }
    static const char *const how[] = {"||W^t - J||_2 = slem^t", "products from phase 0", "upper bound beta^t",
                                      "expected, (1 - p)^(t/2)"};
    fprintf(out, "steps to eps    %lld (eps %g; %s; error %.3g)%s\n", (long long)c->steps_to_eps, c->eps,
            how[c->steps_how], c->error_at_steps, c->exact_averaging ? ", averages exactly" : "");
    fprintf(out, "time to eps     %.6g s (%.6g messages x (%g s + %g B / %g B/s))\n", c->time_to_eps, c->messages_to_eps,
            c->model.alpha, c->model.message_bytes, c->model.bandwidth);
    fprintf(out, "bytes to eps    %.6g per node\n", c->bytes_per_node_to_eps);
}

static void json_result(FILE *out, const gap_result *g, const check *c)
{
    fputs("{\"status\":\"ok\",\"error\":null,\"topology\":", out);
    json_str(out, tmx_topo_name(g->t));
    fprintf(out, ",\"n\":%lld,\"step\":%lld,\"seed\":%llu,\"weights\":\"%s\",\"method\":\"%s\"",
            (long long)tmx_topo_n(g->t), (long long)g->step, (unsigned long long)tmx_topo_params_of(g->t)->seed,
            tmx_weights_name(tmx_topo_params_of(g->t)->weights), tmx_method_name(g->r.method));
    fputs(",\"slem\":", out);
    json_num(out, g->r.slem);
    fputs(",\"beta\":", out);
    json_num(out, g->r.beta);
    fputs(",\"spectral_gap\":", out);
    json_num(out, g->r.gap);
    fprintf(out, ",\"push_sum\":%s", g->push ? "true" : "false");
    if (g->push) {
        fputs(",\"perron_min\":", out);
        json_num(out, g->pr.perron_min);
        fputs(",\"perron_max\":", out);
        json_num(out, g->pr.perron_max);
    }
    if (g->r.method == TMX_METHOD_ITERATIVE) {
        fputs(",\"residual\":", out);
        json_num(out, g->r.residual);
        fprintf(out, ",\"iterations\":%lld", (long long)g->r.iterations);
    }
    if (g->periodic) {
        fprintf(out, ",\"period\":%lld,\"period_method\":\"%s\",\"period_rate\":", (long long)g->seq.period,
                tmx_method_name(g->seq.method));
        json_num(out, g->seq.period_rate);
        fputs(",\"step_rate\":", out);
        json_num(out, g->seq.step_rate);
    }
    if (g->random) {
        fputs(",\"p\":", out);
        json_num(out, g->rnd.p);
        fputs(",\"one_minus_p\":", out);
        json_num(out, g->rnd.one_minus_p);
        fprintf(out, ",\"p_exact\":%s,\"samples\":%lld,\"p_stderr\":", g->rnd.exact ? "true" : "false",
                (long long)g->rnd.samples);
        json_num(out, g->rnd.stderr_p);
    }
    if (g->r.method == TMX_METHOD_DENSE || (g->periodic && g->seq.method == TMX_METHOD_DENSE) || g->random) {
        fputs(",\"blas\":", out);
        json_str(out, tmx_blas_corename());
        fputs(",\"blas_replaced\":", out);
        if (cli_blas_replaced())
            json_str(out, cli_blas_replaced());
        else
            fputs("null", out);
    }
    json_cost(out, g);
    if (c && c->applies) {
        fputs(",\"check\":{\"statement\":", out);
        json_str(out, c->statement);
        fputs(",\"expected\":", out);
        json_num(out, c->expected);
        fputs(",\"computed\":", out);
        json_num(out, c->computed);
        fputs(",\"margin\":", out);
        json_num(out, c->margin);
        fprintf(out, ",\"holds\":%s}", c->holds ? "true" : "false");
    }
    fputc('}', out);
}

static void text_result(FILE *out, const gap_result *g, const check *c)
{
    fprintf(out, "topology        %s\nn               %lld\nstep            %lld\nmethod          %s\n",
            tmx_topo_name(g->t), (long long)tmx_topo_n(g->t), (long long)g->step, tmx_method_name(g->r.method));
    fprintf(out, "slem            %.17g\nbeta            %.17g\nspectral gap    %.17g", g->r.slem, g->r.beta, g->r.gap);
    if (g->clamped)
        fprintf(out, " (clamped: computed slem %.17g and gap %.3g, past 1 and 0 by rounding)", g->slem_raw,
                g->gap_raw);
    fputc('\n', out);
    if (g->push)
        fprintf(out, "push-sum        yes: W is column stochastic only; slem = rho(W - w 1^T), beta = ||W - w 1^T||_2\n"
                     "                for the Perron vector w (n w_i in [%.6g, %.6g])\n", g->pr.perron_min, g->pr.perron_max);
    if (g->r.method == TMX_METHOD_ITERATIVE)
        fprintf(out, "residual        %.3g (%lld operator applications)\n", g->r.residual, (long long)g->r.iterations);
    if (g->r.method == TMX_METHOD_DENSE) {
        fprintf(out, "blas kernels    %s", tmx_blas_corename());
        if (cli_blas_replaced())
            fprintf(out, " (OpenBLAS had chosen %s on this AVX-512 CPU; re-ran with OPENBLAS_CORETYPE=SkylakeX)",
                    cli_blas_replaced());
        fputc('\n', out);
    }
    if (g->periodic)
        fprintf(out, "period          %lld\nperiod rate     %.17g (%s)\nstep rate       %.17g\n", (long long)g->seq.period,
                g->seq.period_rate, tmx_method_name(g->seq.method), g->seq.step_rate);
    if (g->random) {
        fprintf(out, "expected rate p %.17g", g->rnd.p);
        if (g->rnd.exact)
            fputs(" (exact)\n", out);
        else
            fprintf(out, " +- %.2g (Monte Carlo, %lld samples)\n", g->rnd.stderr_p, (long long)g->rnd.samples);
    }
    text_cost(out, g);
    if (c && c->applies)
        fprintf(out, "check           %s\n                computed %.17g: %s (margin %.3g)\n", c->statement, c->computed,
                c->holds ? "HOLDS" : "DOES NOT HOLD", c->margin);
}

/* ---- sweep ------------------------------------------------------------------------------------ */

static int64_t *parse_sizes(const char *spec, size_t *count)
{
    size_t cap = 64;
    int64_t *v = malloc(cap * sizeof *v);
    *count = 0;
    if (!v) cli_die(1, "out of memory");
    if (strchr(spec, ':')) {
        char buf[128];
        snprintf(buf, sizeof buf, "%s", spec);
        char *b = strchr(buf, ':');
        *b++ = '\0';
        char *s = strchr(b, ':');
        if (s) *s++ = '\0';
        int64_t a = cli_int("--n", buf, 1, (int64_t)1 << 40), e = cli_int("--n", b, 1, (int64_t)1 << 40);
        int64_t step = s ? cli_int("--n step", s, 1, (int64_t)1 << 40) : 0;
        if (e < a) cli_usage("--n %s: the end is below the start", spec);
        for (int64_t x = a; x <= e; x = step ? x + step : 2 * x) {
            if (*count == cap && !(v = realloc(v, (cap *= 2) * sizeof *v))) cli_die(1, "out of memory");
            v[(*count)++] = x;
            if (*count > 100000) cli_usage("--n %s: more than 100000 sizes", spec);
        }
    } else {
        char *copy = strdup(spec), *save = NULL;
        for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            if (*count == cap && !(v = realloc(v, (cap *= 2) * sizeof *v))) cli_die(1, "out of memory");
            v[(*count)++] = cli_int("--n", tok, 1, (int64_t)1 << 40);
        }
        free(copy);
    }
    if (*count == 0) cli_usage("--n %s: no sizes", spec);
    return v;
}

/* Notes on skipped sizes wait here until a row has been written: when every size is skipped the
 * sweep fails with one line instead. */
typedef struct notes {
    char *text;
    size_t len, cap;
    char last[400];
} notes;

static void note_skip(notes *nb, int flushed, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void note_skip(notes *nb, int flushed, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(nb->last, sizeof nb->last, fmt, ap);
    va_end(ap);
    if (flushed) {
        fprintf(stderr, "%s: skipping %s\n", cli_prog, nb->last);
        return;
    }
    size_t need = nb->len + strlen(cli_prog) + strlen(nb->last) + 16;
    if (need > nb->cap) {
        nb->cap = 2 * need;
        if (!(nb->text = realloc(nb->text, nb->cap))) cli_die(1, "out of memory");
    }
    nb->len += (size_t)sprintf(nb->text + nb->len, "%s: skipping %s\n", cli_prog, nb->last);
}

static int run_sweep(FILE *out, const char *list, const char *nspec, const cli_topo *c, tmx_method m, int64_t samples,
                     const tmx_cost_opts *co, int json)
{
    size_t nsizes;
    int64_t *sizes = parse_sizes(nspec, &nsizes);
    char *names = strdup(list), *save = NULL;
    /* validate every name first, so a typo fails before any work */
    for (char *tok = strtok_r(names, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        int known = strncmp(tok, "file:", 5) == 0;
        for (size_t i = 0; i < tmx_topo_family_count(); i++) known |= strcmp(tok, tmx_topo_family(i)->name) == 0;
        if (!known) cli_usage("unknown topology '%s' in --sweep (see topomix topo --list)", tok);
    }
    free(names);
    names = strdup(list);
    int rc = 0;
    int64_t rows = 0, failed = 0;
    notes skipped = {0};
    for (char *tok = strtok_r(names, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
        for (size_t q = 0; q < nsizes; q++) {
            tmx_topo_params p = c->par;
            p.n = sizes[q];
            tmx_topo *t = NULL;
            gap_result g;
            tmx_status st = tmx_topo_new(tok, &p, &t);
            if (st == TMX_EINVAL) { /* a size this topology does not allow: note it, go on */
                note_skip(&skipped, rows > 0, "%s at n=%lld: %s", tok, (long long)sizes[q], tmx_last_error());
                continue;
            }
            if (st == TMX_OK) st = compute(t, 0, m, samples, co, &g);
            if (st != TMX_OK) {
                fprintf(stderr, "%s: %s at n=%lld: %s\n", cli_prog, tok, (long long)sizes[q], tmx_last_error());
                rc = cli_exit_code(st) > rc ? cli_exit_code(st) : rc;
                failed++;
            } else {
                if (rows == 0) { /* the header, and the notes held back until now */
                    fputs(json ? "[\n" : csv_header, out);
                    if (!json) fputc('\n', out);
                    if (skipped.len) fputs(skipped.text, stderr);
                } else if (json) {
                    fputs(",\n", out);
                }
                if (json)
                    json_result(out, &g, NULL);
                else
                    csv_row(out, &g);
                rows++;
                cli_check_output(out); /* a full disk is reported at the row that hit it */
            }
            tmx_topo_free(t);
        }
    free(names);
    free(sizes);
    if (rows == 0 && failed == 0) {
        free(skipped.text);
        cli_die(EXIT_USAGE, "--sweep %s --n %s: every size was skipped, nothing to write (%s)", list, nspec,
                skipped.last);
    }
    if (rows == 0 && skipped.len) fputs(skipped.text, stderr);
    if (rows == 0) fputs(json ? "[" : csv_header, out); /* a valid, empty result beside the errors */
    if (json) fputs("\n]", out);
    if (json || rows == 0) fputc('\n', out);
    free(skipped.text);
    return rc;
}

int cmd_gap(int argc, char **argv)
{
    enum { FMT_DEFAULT, FMT_TEXT, FMT_JSON, FMT_CSV } fmt = FMT_DEFAULT;
    static const struct option opts[] = {
        /* General */
        {"help", no_argument, NULL, 'h'},
        {"step", required_argument, NULL, OPT_STEP},
        {"method", required_argument, NULL, OPT_METHOD},
        {"check", no_argument, NULL, OPT_CHECK},
        {"samples", required_argument, NULL, OPT_SAMPLES},
        {"sweep", required_argument, NULL, OPT_SWEEP},
        {"n", required_argument, NULL, OPT_NRANGE},
        /* Topology */
        CLI_TOPO_LONGOPTS,
        /* Cost */
        CLI_COST_LONGOPTS,
        /* Output */
        {"format", required_argument, NULL, OPT_FORMAT},
        {"output", required_argument, NULL, 'o'},
        {NULL, 0, NULL, 0},
    };
    cli_topo c;
    cli_topo_init(&c);
    tmx_cost_opts co;
    tmx_cost_opts_init(&co);
    int do_check = 0, opt;
    int64_t step = 0, samples = 1000;
    tmx_method method = TMX_METHOD_AUTO;
    const char *output = NULL, *sweep = NULL, *nrange = NULL;
    cli_prog = "topomix gap";
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":hn:o:", opts, NULL)) != -1) {
        if (cli_topo_option(&c, opt, optarg) || cli_cost_option(&co, opt, optarg)) continue;
        switch (opt) {
        case 'h': usage(stdout); return 0;
        case OPT_STEP: step = cli_int("--step", optarg, 0, INT64_MAX); break;
        case OPT_METHOD:
            if (tmx_method_parse(optarg, &method) != TMX_OK) cli_die_status(TMX_EINVAL);
            break;
        case OPT_CHECK: do_check = 1; break;
        case OPT_SAMPLES: samples = cli_int("--samples", optarg, 20, 100000000); break;
        case OPT_SWEEP: sweep = optarg; break;
        case OPT_NRANGE: nrange = optarg; break;
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
    if (optind < argc) c.name = argv[optind++];
    if (optind < argc) cli_usage("unexpected argument '%s'", argv[optind]);
    if (sweep && !nrange) cli_usage("--sweep needs --n A:B");
    if (nrange && !sweep) cli_usage("--n A:B goes with --sweep (use -n N for one size)");
    if (sweep && c.name) cli_usage("give either NAME or --sweep, not both");

    if (sweep && fmt == FMT_TEXT) cli_usage("--sweep writes csv or json, not text");
    if (sweep && do_check) cli_usage("--check goes with one topology, not --sweep");
    if (sweep && step != 0) cli_usage("--step goes with one topology, not --sweep");
    cli_progress_start("operator applications");

    FILE *out = cli_open_output(output);
    int rc = 0;
    if (sweep) {
        rc = run_sweep(out, sweep, nrange, &c, method, samples, &co, fmt == FMT_JSON);
    } else {
        if (!c.name) {
            cli_usage("no topology given (see topomix topo --list)");
        }
        tmx_topo *t = cli_topo_new(&c);
        gap_result g;
        tmx_status st = compute(t, step, method, samples, &co, &g);
        if (st != TMX_OK) {
            tmx_topo_free(t);
            cli_die_status(st);
        }
        check ck = {0};
        if (do_check) {
            ck = make_check(&g);
            if (!ck.applies) {
                tmx_topo_free(t);
                cli_usage("--check has no closed form for %s at this n and weight scheme (exp base 2, ring, "
                                    "torus r,c >= 3, complete, hypercube with default weights)", c.name);
            }
            if (!ck.holds) rc = 1;
        }
        if (fmt == FMT_JSON)
            json_result(out, &g, do_check ? &ck : NULL), fputc('\n', out);
        else if (fmt == FMT_CSV)
            fprintf(out, "%s\n", csv_header), csv_row(out, &g);
        else
            text_result(out, &g, do_check ? &ck : NULL);
        tmx_topo_free(t);
    }
    cli_close_output(out);
    return rc;
}
