/* topomix sim — the metrics log: CSV or JSON lines, written so that nothing is lost.
 *
 * A fresh log to a new file gets its name at once (it can be followed while the run goes on); one
 * that would replace an existing file is written beside it and put in place only when the run has
 * something to show for it: at a checkpoint (the log first, then the checkpoint, so that after a
 * crash the log never lags behind the checkpoint), at the end, when the run diverges (the rows say
 * how) or is interrupted. A resumed run copies the old log's rows up to the checkpoint's iteration
 * (rows written after the checkpoint by a killed run are dropped, never duplicated) and continues. */
#include "sim_log.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char csv_header[] = "iter,loss,grad_norm2,consensus,accuracy,gossip_rounds,messages,bytes_sent,lr,time,staleness\n";

/* The iteration of a logged row, or -1 for a header or comment line. */
static long long row_iter(const char *line, int json)
{
    const char *p = line;
    if (json) {
        if (strncmp(line, "{\"settings\":", 12) == 0) return -1;
        p = strstr(line, "\"iter\":");
        if (!p) return -1;
        p += 7;
    }
    if (*p < '0' || *p > '9') return -1;
    return strtoll(p, NULL, 10);
}

/* One setting: "# key=value" (CSV) or ,"key":value in the settings object (JSON; a value that reads
 * whole as a finite number is written as one, others as strings). */
static void setting(sim_log *L, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void setting(sim_log *L, const char *key, const char *fmt, ...)
{
    char v[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v, sizeof v, fmt, ap);
    va_end(ap);
    if (L->json) {
        char *end;
        double x = strtod(v, &end);
        fputs(L->nset++ ? "," : "", L->f);
        json_str(L->f, key);
        fputc(':', L->f);
        if (v[0] && *end == '\0' && isfinite(x) && v[0] != ' ') fputs(v, L->f);
        else json_str(L->f, v);
        return;
    }
    for (char *q = v; *q; q++)
        if (*q == '\n' || *q == '\r') *q = ' '; /* one line per setting */
    fprintf(L->f, "# %s=%s\n", key, v);
    L->nset++;
}

static void write_settings(sim_log *L, const sim_settings *s)
{
    const tmx_sim_config *c = s->cfg;
    tmx_algo a = c->algo;
    const tmx_topo_params *tp = tmx_topo_params_of(s->topo);
    int64_t rows, cols;
    char buf[8192];
    L->nset = 0;
    if (L->json) fputs("{\"settings\":{", L->f);
    else fputs("# topomix sim log: the run's settings (docs/definitions.md section 21)\n", L->f);
    setting(L, "topology", "%s", s->topology);
    setting(L, "n", "%lld", (long long)s->n);
    tmx_topo_shape(s->topo, &rows, &cols);
    if (rows > 0) setting(L, "rows", "%lld", (long long)rows);
    if (tp->weights != TMX_WEIGHTS_DEFAULT) setting(L, "weights", "%s", tmx_weights_name(tp->weights));
    if (strcmp(tmx_topo_name(s->topo), "er") == 0) setting(L, "p", "%g", tp->p);
    if (strcmp(tmx_topo_name(s->topo), "base-k") == 0) setting(L, "k", "%lld", (long long)tp->k);
    if (tp->m) setting(L, "M", "%lld", (long long)tp->m);
    if (tp->eta > 0) setting(L, "eta", "%g", tp->eta);
    if (tp->undirected) setting(L, "undirected", "1");
    if (tp->base) setting(L, "base", "%lld", (long long)tp->base);
    if (tp->peers) setting(L, "peers", "%lld", (long long)tp->peers);
    if (tp->degree) setting(L, "degree", "%lld", (long long)tp->degree);
    setting(L, "algo", "%s", tmx_algo_name(a));
    setting(L, "problem", "%s", tmx_problem_name(c->problem));
    setting(L, "params", "%lld", (long long)s->p);
    if (s->data) {
        setting(L, "data", "%s", s->data);
    } else {
        setting(L, "data", "synthetic");
        setting(L, "dim", "%lld", (long long)s->synth->d);
        setting(L, "samples", "%lld", (long long)s->synth->per_shard);
        setting(L, "hetero", "%g", s->synth->hetero);
        setting(L, "noise", "%g", s->synth->noise);
        if (c->problem == TMX_PROB_MLP) setting(L, "classes", "%lld", (long long)s->synth->nclass);
    }
    setting(L, "partition", "%s", s->partition);
    if (c->problem == TMX_PROB_MLP) setting(L, "hidden", "%lld", (long long)c->hidden);
    setting(L, "reg", "%g", c->reg);
    setting(L, "iters", "%lld", (long long)c->iters);
    setting(L, "lr", "%g", c->lr);
    setting(L, "lr-schedule", "%s", c->schedule == TMX_LR_STEP ? "step" : c->schedule == TMX_LR_COSINE ? "cosine" : "const");
    if (c->ndecay > 0) {
        buf[0] = '\0';
        for (int i = 0; i < c->ndecay; i++)
            snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%g", i ? "," : "", c->decay_at[i]);
        setting(L, "lr-decay", "%s", buf);
    }
    if (c->schedule == TMX_LR_STEP) setting(L, "lr-decay-factor", "%g", c->decay_factor);
    if (c->warmup) setting(L, "warmup", "%lld", (long long)c->warmup);
    if (a == TMX_ALGO_DMSGD || a == TMX_ALGO_VDMSGD || a == TMX_ALGO_QGDMSGD) setting(L, "momentum", "%g", c->momentum);
    if (a == TMX_ALGO_QGDMSGD) setting(L, "qg-mu", "%g", c->qg_mu < 0 ? c->momentum : c->qg_mu);
    if (c->batch) setting(L, "batch", "%lld", (long long)c->batch);
    else setting(L, "batch", "full");
    if (a == TMX_ALGO_LOCAL || a == TMX_ALGO_EASGD || a == TMX_ALGO_COOP) setting(L, "period", "%lld", (long long)c->period);
    if (a == TMX_ALGO_EASGD) setting(L, "alpha", "%g", c->alpha);
    if (a == TMX_ALGO_COOP) setting(L, "aux", "%lld", (long long)c->aux);
    if (c->init_scale >= 0) setting(L, "init", "%g", c->init_scale);
    if (c->control != TMX_CONTROL_NONE) {
        setting(L, "consensus-target", "%s:%g", c->control == TMX_CONTROL_CONST ? "const" : "adaptive", c->control_factor);
        if (c->control_phases) {
            buf[0] = '\0';
            for (int i = 0; i <= TMX_SIM_MAX_DECAYS; i++)
                if (c->control_phases >> i & 1u) snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%d", buf[0] ? "," : "", i);
            setting(L, "control-phases", "%s", buf);
        }
        setting(L, "control-max-rounds", "%lld", (long long)c->control_max_rounds);
    }
    setting(L, "precision", "%s", c->precision == TMX_PREC_F32 ? "f32" : "f64");
    if (s->device) setting(L, "device", "%s", s->device); /* --device gpu only: CPU logs as before */
    switch (c->compute) {
    case TMX_COMPUTE_EXP: setting(L, "compute-time", "exp:%g", c->compute_a); break;
    case TMX_COMPUTE_LOGNORMAL: setting(L, "compute-time", "lognormal:%g,%g", c->compute_a, c->compute_b); break;
    case TMX_COMPUTE_UNIFORM: setting(L, "compute-time", "uniform:%g,%g", c->compute_a, c->compute_b); break;
    default: setting(L, "compute-time", "%g", c->compute_a);
    }
    if (c->slowdown) {
        buf[0] = '\0';
        for (int64_t i = 0; i < s->n; i++)
            if (c->slowdown[i] != 1.0)
                snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%lld:%g", buf[0] ? "," : "", (long long)i, c->slowdown[i]);
        if (buf[0]) setting(L, "slow", "%s", buf);
    }
    setting(L, "latency", "%g", c->latency);
    setting(L, "bandwidth", "%g", c->bandwidth);
    setting(L, "message-bytes", "%g",
            c->message_bytes >= 0 ? c->message_bytes : (double)s->p * (c->precision == TMX_PREC_F32 ? 4.0 : 8.0));
    setting(L, "seed", "%llu", (unsigned long long)c->seed);
    if (L->json) fputs("}}\n", L->f);
}

/* Copies the rows of the old log at `path` up to iteration `upto` into L->f. */
static void copy_prefix(sim_log *L, const char *path, int64_t upto, const sim_settings *set)
{
    FILE *in = fopen(path, "r");
    if (!in) {
        if (errno != ENOENT) cli_die(1, "cannot read the log %s to resume it: %s", path, strerror(errno));
        write_settings(L, set); /* no old log: a new one */
        if (!L->json) fputs(csv_header, L->f);
        return;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int lineno = 0, header = 0;
    /* the settings of this run replace the old ones (a larger --iters extends a finished run), so
     * that a resumed log equals the uninterrupted run's byte for byte */
    write_settings(L, set);
    while ((len = getline(&line, &cap, in)) > 0) {
        lineno++;
        if (line[0] == '#' || strncmp(line, "{\"settings\":", 12) == 0) continue;
        int is_json = line[0] == '{';
        if (line[0] != '#' && is_json != L->json) {
            free(line);
            fclose(in);
            cli_die(EXIT_USAGE, "the log %s holds %s rows (line %d); resume with --format %s", path,
                    is_json ? "JSON" : "CSV", lineno, is_json ? "json" : "csv");
        }
        long long it = row_iter(line, L->json);
        if (it < 0) header |= !L->json && strncmp(line, "iter,", 5) == 0;
        if (it > (long long)upto) break; /* rows after the checkpoint: a killed run's, redone now */
        if (line[len - 1] != '\n') break; /* a row cut off by a crash */
        fwrite(line, 1, (size_t)len, L->f);
    }
    free(line);
    fclose(in);
    if (!L->json && !header) {
        /* a log without its header is not one topomix wrote: leave it alone */
        cli_die(EXIT_USAGE, "the log %s has no CSV header; resume with another --log", path);
    }
}

void sim_log_open(sim_log *L, const char *path, int json, int64_t resume_iter, const sim_settings *set)
{
    memset(L, 0, sizeof *L);
    L->json = json;
    L->path = path;
    if (!path || strcmp(path, "-") == 0) {
        L->f = stdout;
        if (resume_iter < 0) {
            write_settings(L, set);
            if (!json) fputs(csv_header, L->f);
        }
        return;
    }
    L->o = cli_ofile_open(path, resume_iter < 0 ? TMX__OF_EARLY : 0);
    L->f = L->o->f;
    if (resume_iter < 0) {
        write_settings(L, set);
        if (!json) fputs(csv_header, L->f);
    } else {
        copy_prefix(L, path, resume_iter, set);
    }
    sim_log_check(L);
}

void sim_log_row(sim_log *L, const tmx_sim_metrics *m)
{
    FILE *f = L->f;
    if (!f) return; /* no log on this rank (MPI ranks but 0) */
    if (L->json) {
        fprintf(f, "{\"iter\":%lld,\"loss\":", (long long)m->iter);
        json_num(f, m->loss);
        fputs(",\"grad_norm2\":", f);
        json_num(f, m->grad_norm2);
        fputs(",\"consensus\":", f);
        json_num(f, m->consensus);
        fputs(",\"accuracy\":", f);
        json_num(f, m->accuracy);
        fprintf(f, ",\"gossip_rounds\":%lld,\"messages\":%lld,\"bytes_sent\":%.17g,\"lr\":", (long long)m->gossip_rounds,
                (long long)m->messages, m->bytes_sent);
        json_num(f, m->lr);
        fputs(",\"time\":", f);
        json_num(f, m->time);
        fputs(",\"staleness\":", f); /* null: a synchronous algorithm, or no events in the interval */
        json_num(f, m->staleness);
        fputs("}\n", f);
    } else {
        fprintf(f, "%lld,%.17g,%.17g,%.17g,", (long long)m->iter, m->loss, m->grad_norm2, m->consensus);
        if (isfinite(m->accuracy)) fprintf(f, "%.17g", m->accuracy);
        fprintf(f, ",%lld,%lld,%.17g,%.17g,%.17g,", (long long)m->gossip_rounds, (long long)m->messages, m->bytes_sent,
                m->lr, m->time);
        if (isfinite(m->staleness)) fprintf(f, "%.17g", m->staleness); /* empty as accuracy is */
        fputc('\n', f);
    }
    sim_log_check(L); /* a full disk is reported at the row that hit it, not at the end of the run */
}

void sim_log_check(sim_log *L)
{
    if (L->f) cli_check_output(L->f);
}

void sim_log_commit(sim_log *L)
{
    if (!L->f) return;
    if (!L->o) {
        cli_check_output(L->f);
        return;
    }
    tmx_status st = tmx__ofile_commit(L->o);
    if (st != TMX_OK) cli_die_status(st);
}

void sim_log_close(sim_log *L)
{
    cli_close_output(L->f);
    L->f = NULL;
    L->o = NULL;
}
