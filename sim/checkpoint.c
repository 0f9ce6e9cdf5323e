/* topomix simulator — checkpoints: every piece of state the next iterations read, so that a resumed
 * run is bit-identical to an uninterrupted one.
 *
 * Layout (native byte order and sizes: a checkpoint is read back on the machine that wrote it):
 *     "TMXSIM04"                       8 bytes
 *     H                                uint32, length of the header
 *     header                           H bytes of text, one "key=value\n" per configuration field
 *     counters                         6 int64 and 6 double
 *     state                            the algorithm's buffers (p × N each), then the anchor z (p)
 *     clock                            the N nodes' simulated times t_i (double)
 *     adpsgd only: event queue         4 int64 (events, Σ staleness, and both at the last metrics
 *                                      call), then per worker its steps, updates by others and
 *                                      updates at its snapshot (int64 × 3n) and its gradient's due
 *                                      time (double × n); its snapshots are the state's V buffer
 *     sgp only: push-sum weights        w_i (double × N); the de-biased z = x / w is recomputed
 *     CRC-32                           uint32 (zlib's crc32) of every byte before it
 * The header names everything that changes the trajectory — the options, the topology's parameters,
 * CRC-32s of the data, the partition and the cached mixing matrices — so that a checkpoint written
 * for another run is refused with the first field that differs. It is written through a temporary
 * file, fsync'ed, and renamed over the old checkpoint: a crash leaves the old one or the new one. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "../lib/src/internal.h"
#include "sim_internal.h"
#include "sim_mpi.h"

static const char magic[8] = {'T', 'M', 'X', 'S', 'I', 'M', '0', '4'};
enum { NINTS = 6, NDBLS = 6, HEADER_MAX = 1 << 16 };

/* zlib's crc32 takes 32-bit lengths */
static unsigned long crc_update(unsigned long crc, const void *p, size_t len)
{
    const unsigned char *b = p;
    while (len > 0) {
        size_t chunk = len > (1u << 30) ? (1u << 30) : len;
        crc = crc32(crc, b, (uInt)chunk);
        b += chunk;
        len -= chunk;
    }
    return crc;
}

static void compute_hashes(tmx_sim *s)
{
    if (s->have_hashes) return;
    const tmx_dataset *D = s->D;
    const tmx_partition *P = tmx__mpi_partition(s); /* the caller's: under MPI s->P may be renumbered */
    unsigned long c = crc32(0L, Z_NULL, 0);
    if (!tmx__mpi_data_crc(s, &s->data_crc)) { /* under MPI a rank's shards alone: hashed by all ranks */
        c = crc_update(c, D->A, (size_t)D->m * (size_t)D->d * sizeof(double));
        s->data_crc = crc_update(c, D->y, (size_t)D->m * sizeof(double));
    }
    c = crc32(0L, Z_NULL, 0);
    c = crc_update(c, P->order, (size_t)P->m * sizeof(int64_t));
    s->part_crc = crc_update(c, P->start, (size_t)(P->n + 1) * sizeof(int64_t));
    c = crc32(0L, Z_NULL, 0);
    for (int64_t q = 0; q < s->ncache; q++) {
        const tmx_csr *W = &s->Wcache[q];
        c = crc_update(c, W->rowptr, (size_t)(W->n + 1) * sizeof(int64_t));
        c = crc_update(c, W->col, (size_t)W->nnz * sizeof(int64_t));
        c = crc_update(c, W->val, (size_t)W->nnz * sizeof(double));
    }
    s->topo_crc = c;
    s->have_hashes = 1;
}

/* The run's iteration count enters the trajectory only through a schedule that depends on it
 * (step decays at fractions of T, cosine, consensus-control phases); otherwise a finished run can
 * be extended with a larger --iters. */
static int iters_matter(const tmx_sim_config *c) { return c->schedule != TMX_LR_CONST || c->ndecay > 0; }

typedef struct header {
    char text[HEADER_MAX];
    size_t len;
} header;

static void field(header *h, const char *key, const char *fmt, ...) TMX__PRINTF(3, 4);
static void field(header *h, const char *key, const char *fmt, ...)
{
    if (h->len >= sizeof h->text) return;
    int w = snprintf(h->text + h->len, sizeof h->text - h->len, "%s=", key);
    if (w > 0) h->len += (size_t)w;
    va_list ap;
    va_start(ap, fmt);
    w = h->len < sizeof h->text ? vsnprintf(h->text + h->len, sizeof h->text - h->len, fmt, ap) : 0;
    va_end(ap);
    if (w > 0) h->len += (size_t)w;
    if (h->len < sizeof h->text) h->text[h->len++] = '\n';
    if (h->len > sizeof h->text) h->len = sizeof h->text;
}

/* The shortest decimal form that reads back as the same double (the header is read by people too:
 * whole numbers below 10^15 in full, 1250000000 rather than 1.25e+09) */
static const char *num(char *buf, double x)
{
    if (x == floor(x) && fabs(x) < 1e15) {
        snprintf(buf, 32, "%.0f", x);
        return buf;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, 32, "%.*g", prec, x);
        if (strtod(buf, NULL) == x) break;
    }
    return buf;
}

static void build_header(tmx_sim *s, header *h)
{
    char b[32];
    const tmx_sim_config *c = &s->cfg;
    const tmx_topo_params *tp = tmx_topo_params_of(s->topo);
    static const char *const schedules[] = {"const", "step", "cosine"};
    static const char *const controls[] = {"none", "const", "adaptive"};
    compute_hashes(s);
    h->len = 0;
    field(h, "algo", "%s", tmx_algo_name(c->algo));
    field(h, "problem", "%s", tmx_problem_name(c->problem));
    field(h, "precision", "%s", c->precision == TMX_PREC_F32 ? "f32" : "f64");
    field(h, "agents", "%lld", (long long)s->n);
    field(h, "aux", "%lld", (long long)s->aux);
    field(h, "model-size", "%lld", (long long)s->p);
    field(h, "hidden", "%lld", (long long)c->hidden);
    field(h, "batch", "%lld", (long long)c->batch);
    field(h, "seed", "%llu", (unsigned long long)c->seed);
    field(h, "iters", "%lld", (long long)c->iters);
    field(h, "lr", "%s", num(b, c->lr));
    field(h, "lr-schedule", "%s", schedules[c->schedule]);
    char decays[TMX_SIM_MAX_DECAYS * 26 + 1] = "";
    for (int q = 0; q < c->ndecay; q++)
        snprintf(decays + strlen(decays), sizeof decays - strlen(decays), "%s%.17g", q ? "," : "", c->decay_at[q]);
    field(h, "lr-decay", "%s", decays);
    field(h, "lr-decay-factor", "%s", num(b, c->decay_factor));
    field(h, "warmup", "%lld", (long long)c->warmup);
    field(h, "momentum", "%s", num(b, c->momentum));
    field(h, "qg-mu", "%s", num(b, c->qg_mu));
    field(h, "reg", "%s", num(b, c->reg));
    field(h, "period", "%lld", (long long)c->period);
    field(h, "alpha", "%s", num(b, c->alpha));
    field(h, "init", "%s", num(b, c->init_scale));
    field(h, "consensus-target", "%s:%s", controls[c->control], num(b, c->control_factor));
    field(h, "control-phases", "%#x", c->control_phases);
    field(h, "control-max-rounds", "%lld", (long long)c->control_max_rounds);
    field(h, "topology", "%s", tmx_topo_name(s->topo));
    field(h, "nodes", "%lld", (long long)tmx_topo_n(s->topo));
    field(h, "weights", "%s", tmx_weights_name(tp->weights));
    field(h, "topology-seed", "%llu", (unsigned long long)tp->seed);
    field(h, "rows", "%lld", (long long)tp->rows);
    field(h, "p", "%s", num(b, tp->p));
    field(h, "k", "%lld", (long long)tp->k);
    field(h, "M", "%lld", (long long)tp->m);
    field(h, "eta", "%s", num(b, tp->eta));
    field(h, "undirected", "%d", tp->undirected);
    field(h, "mixing-matrices", "%08lx", s->topo_crc);
    field(h, "samples", "%lld", (long long)s->P->m); /* = D->m, unless a rank holds its shards alone */
    field(h, "features", "%lld", (long long)s->D->d);
    field(h, "classes", "%lld", (long long)s->D->nclass);
    field(h, "data-content", "%08lx", s->data_crc);
    field(h, "partition", "%08lx", s->part_crc);
    /* the clock's options (they shape the logged time; for adpsgd the order of events too) */
    static const char *const dists[] = {"const", "exp", "lognormal", "uniform"};
    char b2[32];
    if (c->compute == TMX_COMPUTE_LOGNORMAL || c->compute == TMX_COMPUTE_UNIFORM)
        field(h, "compute-time", "%s:%s,%s", dists[c->compute], num(b, c->compute_a), num(b2, c->compute_b));
    else
        field(h, "compute-time", "%s:%s", dists[c->compute], num(b, c->compute_a));
    char slow[1024] = "";
    size_t used = 0;
    int listed = 1;
    for (int64_t i = 0; i < s->n && listed; i++) {
        if (s->clk.slow[i] == 1.0) continue;
        int w = snprintf(slow + used, sizeof slow - used, "%s%lld:%s", used ? "," : "", (long long)i, num(b, s->clk.slow[i]));
        if (w < 0 || (size_t)w >= sizeof slow - used) listed = 0;
        else used += (size_t)w;
    }
    if (!listed) /* too many slow nodes to list: their factors' CRC-32 */
        snprintf(slow, sizeof slow, "crc32:%08lx",
                 crc_update(crc32(0L, Z_NULL, 0), s->clk.slow, (size_t)s->n * sizeof *s->clk.slow));
    field(h, "slow", "%s", slow);
    field(h, "latency", "%s", num(b, c->latency));
    field(h, "bandwidth", "%s", num(b, c->bandwidth));
    field(h, "message-bytes", "%s", num(b, c->message_bytes < 0 ? (double)s->p * (double)s->esz : c->message_bytes));
}

/* What a differing hashed field means, for the message. */
static const char *field_hint(const char *key)
{
    if (!strcmp(key, "data-content"))
        return " (the data differ: --data file, --dim, --samples, --hetero, --noise, --classes or --seed)";
    if (!strcmp(key, "partition")) return " (the shards differ: --partition or --seed)";
    if (!strcmp(key, "mixing-matrices")) return " (the mixing matrices differ: the topology, its file or options)";
    return "";
}

/* Compares the checkpoint's header with this run's, field by field in order. */
static tmx_status compare_header(const tmx_sim *s, const char *path, const char *theirs, size_t tlen,
                                 const header *ours, int64_t *iter_check)
{
    const char *a = theirs, *aend = theirs + tlen, *b = ours->text, *bend = ours->text + ours->len;
    while (a < aend || b < bend) {
        const char *anl = a < aend ? memchr(a, '\n', (size_t)(aend - a)) : NULL;
        const char *bnl = b < bend ? memchr(b, '\n', (size_t)(bend - b)) : NULL;
        if (!anl || !bnl) break;
        const char *aeq = memchr(a, '=', (size_t)(anl - a)), *beq = memchr(b, '=', (size_t)(bnl - b));
        if (!aeq || !beq) break;
        int klen = (int)(beq - b);
        if (aeq - a != beq - b || memcmp(a, b, (size_t)klen) != 0)
            return tmx__error(TMX_EINVAL, "checkpoint: %s has field '%.*s' where this version expects '%.*s'", path,
                              (int)(aeq - a), a, klen, b);
        int vlen_a = (int)(anl - aeq - 1), vlen_b = (int)(bnl - beq - 1);
        int same = vlen_a == vlen_b && memcmp(aeq + 1, beq + 1, (size_t)vlen_a) == 0;
        if (!same && klen == 5 && !memcmp(b, "iters", 5) && !iters_matter(&s->cfg)) {
            same = 1; /* extending (or shortening) a run with a constant schedule: checked below */
        }
        if (!same) {
            char key[64];
            snprintf(key, sizeof key, "%.*s", klen, b);
            return tmx__error(TMX_EINVAL, "checkpoint: %s was written with %s=%.*s, this run has %s=%.*s%s", path, key,
                              vlen_a, aeq + 1, key, vlen_b, beq + 1, field_hint(key));
        }
        a = anl + 1;
        b = bnl + 1;
    }
    if (a != aend || b != bend) return tmx__error(TMX_EPARSE, "checkpoint: %s has a malformed header", path);
    *iter_check = s->cfg.iters;
    return TMX_OK;
}

static size_t state_elems(const tmx_sim *s) { return (size_t)s->p * (size_t)s->N; }

/* V is scratch, but for adpsgd, whose V holds the snapshots its gradients in flight are taken at */
static int saved_buffer(const tmx_sim *s, int b)
{
    return s->buf[b] && b != BUF_G && (b != BUF_V || s->cfg.algo == TMX_ALGO_ADPSGD);
}

enum { NASYNC = 4 };

/* Bytes of the adpsgd section (0 for synchronous algorithms). */
static double async_bytes(const tmx_sim *s)
{
    return s->as.heap ? 8.0 * NASYNC + 32.0 * (double)s->n : 0.0;
}

typedef struct writer {
    tmx__ofile o;
    unsigned long crc;
    int ok;
} writer;

static void put(writer *w, const void *p, size_t size, size_t count)
{
    if (!w->ok) return;
    w->ok = fwrite(p, size, count, w->o.f) == count;
    if (w->ok) w->crc = crc_update(w->crc, p, size * count);
}

static void put_bytes(void *w, const void *p, size_t len) { put(w, p, 1, len); }

/* Under MPI: the state buffers rank 0 has gathered, so that every rank's columns were sent even when
 * the file could not be written (the others would wait). */
static int mpi_gathered;

/* A state buffer (bytes), in place on the CPU, else read back from the device a chunk at a time;
 * under MPI every rank's columns in turn, gathered on rank 0 (mpi.c). */
static void put_state(writer *w, const tmx_sim *s, const void *buf, size_t bytes)
{
    if (s->mpi) {
        tmx__mpi_gather_cols((tmx_sim *)(uintptr_t)s, buf, put_bytes, w);
        mpi_gathered++;
        return;
    }
    if (s->be->host) {
        put(w, buf, 1, bytes);
        return;
    }
    size_t chunk = bytes < ((size_t)1 << 24) ? bytes : ((size_t)1 << 24);
    char *h = malloc(chunk ? chunk : 1);
    if (!h) {
        w->ok = 0;
        errno = ENOMEM;
        return;
    }
    for (size_t off = 0; off < bytes && w->ok; off += chunk) {
        size_t len = bytes - off < chunk ? bytes - off : chunk;
        s->be->to_host(s, h, (const char *)buf + off, len);
        put(w, h, 1, len);
    }
    free(h);
}

static tmx_status save_file(tmx_sim *s, const char *path)
{
    header *h = malloc(sizeof *h); /* 64 KiB: not on the stack */
    if (!h) return tmx__error(TMX_ENOMEM, "out of memory");
    build_header(s, h);
    writer w = {.crc = crc32(0L, Z_NULL, 0), .ok = 1};
    tmx_status st = tmx__ofile_open(&w.o, path, TMX__OF_BINARY | TMX__OF_SYNC);
    if (st != TMX_OK) {
        free(h);
        return st;
    }
    uint32_t hlen = (uint32_t)h->len;
    int64_t ints[NINTS] = {s->iter, s->gossip_rounds, s->messages, s->phase, s->gt_ready, s->capped};
    double dbl[NDBLS] = {s->phase_max, s->grad_ema, s->last_target, s->bytes, s->clk.compute, s->clk.comm};
    put(&w, magic, 1, sizeof magic);
    put(&w, &hlen, sizeof hlen, 1);
    put(&w, h->text, 1, h->len);
    free(h);
    put(&w, ints, sizeof ints, 1);
    put(&w, dbl, sizeof dbl, 1);
    for (int b = 0; b < NBUF; b++)
        if (saved_buffer(s, b)) put_state(&w, s, s->buf[b], s->esz * state_elems(s));
    put(&w, s->z, sizeof(double), (size_t)s->p);
    put(&w, s->clk.t, sizeof(double), (size_t)s->N);
    if (s->as.heap) {
        const tmx__async *a = &s->as;
        int64_t head[NASYNC] = {a->events, a->stale_sum, a->mark_events, a->mark_sum};
        size_t n = (size_t)s->n;
        put(&w, head, sizeof head, 1);
        put(&w, a->steps, sizeof *a->steps, n);
        put(&w, a->updates, sizeof *a->updates, n);
        put(&w, a->snapver, sizeof *a->snapver, n);
        put(&w, a->due, sizeof *a->due, n);
    }
    if (s->ps.w) put(&w, s->ps.w, sizeof *s->ps.w, (size_t)s->N);
    if (s->be->check && (st = s->be->check(s)) != TMX_OK) { /* a device read-back failed */
        tmx__ofile_abort(&w.o);
        return st;
    }
    uint32_t crc = (uint32_t)w.crc;
    if (w.ok) w.ok = fwrite(&crc, sizeof crc, 1, w.o.f) == 1;
    if (!w.ok) {
        int e = errno;
        tmx__ofile_abort(&w.o);
        return tmx__error(TMX_ESYS, "cannot write checkpoint %s: %s", path, strerror(e ? e : EIO));
    }
    st = tmx__ofile_close(&w.o);
    if (st != TMX_OK) {
        char why[512];
        snprintf(why, sizeof why, "%s", tmx_last_error());
        return tmx__error(TMX_ESYS, "checkpoint: %s", why);
    }
    return TMX_OK;
}

/* Reads exactly len bytes, updating the CRC; 0 on a short read. */
static int get(FILE *f, void *p, size_t len, unsigned long *crc)
{
    if (len && fread(p, 1, len, f) != len) return 0;
    if (crc) *crc = crc_update(*crc, p, len);
    return 1;
}

/* Under MPI rank 0 writes the file, which the other ranks' columns reach through put_state; every
 * rank returns the same status. */
tmx_status tmx_sim_save(tmx_sim *s, const char *path)
{
    if (!s->mpi) return save_file(s, path);
    compute_hashes(s); /* collective under MPI: before rank 0 alone builds the header */
    mpi_gathered = 0;
    tmx_status st = tmx__mpi_root(s) ? save_file(s, path) : TMX_OK;
    writer discard = {.ok = 0};
    /* the buffers rank 0 has not gathered: all of them on the other ranks (their sends), the rest of
     * them on rank 0 when the file failed early (received and dropped) */
    for (int b = 0, q = 0; b < NBUF; b++)
        if (saved_buffer(s, b) && q++ >= mpi_gathered) tmx__mpi_gather_cols(s, s->buf[b], put_bytes, &discard);
    return tmx__mpi_agree(s, st);
}

static tmx_status load_file(tmx_sim *s, const char *path);

/* Under MPI every rank reads the file (its columns of the state) and returns the same status. */
tmx_status tmx_sim_load(tmx_sim *s, const char *path)
{
    if (s->mpi) compute_hashes(s); /* collective: before a rank may fail alone */
    return tmx__mpi_agree(s, load_file(s, path));
}

static tmx_status load_file(tmx_sim *s, const char *path)
{
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        return tmx__error(TMX_EIO, "checkpoint: %s is a directory", path);
    FILE *f = fopen(path, "rb");
    if (!f) return tmx__error(TMX_EIO, "checkpoint: cannot open %s: %s", path, strerror(errno));
    tmx_status st = TMX_OK;
    header *ours = malloc(sizeof *ours);
    char *theirs = malloc(HEADER_MAX);
    unsigned long crc = crc32(0L, Z_NULL, 0);
    char mg[8];
    uint32_t hlen = 0, stored_crc = 0;
    int64_t ints[NINTS], iter_limit = 0;
    double dbl[NDBLS];
    void *chunk = NULL;
    double *times = malloc((size_t)s->N * sizeof *times);
    /* adpsgd: head[NASYNC], then steps, updates, snapver (int64) and due (double), n each */
    int64_t head[NASYNC] = {0}, *aq = s->as.heap ? malloc((size_t)s->n * 3 * sizeof *aq) : NULL;
    double *due = s->as.heap ? malloc((size_t)s->n * sizeof *due) : NULL;
    double *pw = s->ps.w ? malloc((size_t)s->N * sizeof *pw) : NULL; /* sgp: the push-sum weights */
    if (!ours || !theirs || !times || (s->as.heap && (!aq || !due)) || (s->ps.w && !pw)) {
        st = tmx__error(TMX_ENOMEM, "out of memory");
        goto done;
    }
    if (!get(f, mg, sizeof mg, &crc) || memcmp(mg, magic, 7) != 0) {
        st = tmx__error(TMX_EPARSE, "checkpoint: %s is not a topomix checkpoint", path);
        goto done;
    }
    if (mg[7] != magic[7]) {
        st = tmx__error(TMX_EPARSE, "checkpoint: %s has format version %c, this version reads %c", path, mg[7], magic[7]);
        goto done;
    }
    if (!get(f, &hlen, sizeof hlen, &crc)) goto truncated;
    if (hlen == 0 || hlen > HEADER_MAX) {
        st = tmx__error(TMX_EPARSE, "checkpoint: %s has a header of %u bytes (corrupt)", path, (unsigned)hlen);
        goto done;
    }
    if (!get(f, theirs, hlen, &crc)) goto truncated;
    /* the size first: a file of the wrong length is truncated or foreign, whatever its CRC says */
    size_t state = state_elems(s), nbuf = 0;
    for (int b = 0; b < NBUF; b++) nbuf += saved_buffer(s, b);
    double expect = 8.0 + 4.0 + hlen + sizeof ints + sizeof dbl + (double)nbuf * (double)state * (double)s->esz +
                    8.0 * (double)s->p + 8.0 * (double)s->N + async_bytes(s) + (pw ? 8.0 * (double)s->N : 0.0) + 4.0;
    /* the header before the size: a foreign checkpoint has another size, and its field says why */
    build_header(s, ours);
    if ((st = compare_header(s, path, theirs, hlen, ours, &iter_limit)) != TMX_OK) goto done;
    if (fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode) && (double)sb.st_size != expect) {
        st = tmx__error(TMX_EPARSE, "checkpoint: %s is %s (%lld bytes, expected %.0f)", path,
                        (double)sb.st_size < expect ? "truncated" : "longer than its contents", (long long)sb.st_size,
                        expect);
        goto done;
    }
    if (!get(f, ints, sizeof ints, &crc) || !get(f, dbl, sizeof dbl, &crc)) goto truncated;
    /* pass 1: the CRC over the state, without touching the simulation (a failed load leaves it as
     * it was) */
    long data_at = ftell(f);
    size_t chunk_len = 1 << 20;
    chunk = malloc(chunk_len);
    if (!chunk) {
        st = tmx__error(TMX_ENOMEM, "out of memory");
        goto done;
    }
    double rest = (double)nbuf * (double)state * (double)s->esz + 8.0 * (double)s->p;
    while (rest > 0) {
        size_t len = rest > (double)chunk_len ? chunk_len : (size_t)rest;
        if (!get(f, chunk, len, &crc)) goto truncated;
        rest -= (double)len;
    }
    if (!get(f, times, (size_t)s->N * sizeof *times, &crc)) goto truncated;
    if (s->as.heap && (!get(f, head, sizeof head, &crc) || !get(f, aq, (size_t)s->n * 3 * sizeof *aq, &crc) ||
                       !get(f, due, (size_t)s->n * sizeof *due, &crc)))
        goto truncated;
    if (pw && !get(f, pw, (size_t)s->N * sizeof *pw, &crc)) goto truncated;
    if (!get(f, &stored_crc, sizeof stored_crc, NULL)) goto truncated;
    if (fgetc(f) != EOF) {
        st = tmx__error(TMX_EPARSE, "checkpoint: %s has trailing data", path);
        goto done;
    }
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
    if ((uint32_t)crc != stored_crc) {
        st = tmx__error(TMX_EPARSE, "checkpoint: %s is corrupt (CRC-32 %08lx, recorded %08lx)", path,
                        (unsigned long)(uint32_t)crc, (unsigned long)stored_crc);
        goto done;
    }
#endif
    if (ints[0] < 0 || ints[0] > iter_limit) {
        st = tmx__error(TMX_EINVAL, "checkpoint: %s is at iteration %lld, beyond this run's --iters %lld", path,
                        (long long)ints[0], (long long)iter_limit);
        goto done;
    }
    if (ints[1] < 0 || ints[2] < 0 || ints[3] < 0 || ints[3] > TMX_SIM_MAX_DECAYS || ints[4] < 0 || ints[4] > 1 ||
        ints[5] < 0 || !(dbl[4] >= 0.0 && isfinite(dbl[4])) || !(dbl[5] >= 0.0 && isfinite(dbl[5]))) {
        st = tmx__error(TMX_EPARSE, "checkpoint: %s holds invalid counters (corrupt)", path);
        goto done;
    }
    for (int64_t i = 0; i < s->N; i++)
        if (!(times[i] >= 0.0 && isfinite(times[i]))) {
            st = tmx__error(TMX_EPARSE, "checkpoint: %s holds an invalid simulated time for node %lld (corrupt)", path,
                            (long long)i);
            goto done;
        }
    if (s->as.heap) { /* the queue must be one a run could have reached */
        int64_t n = s->n, total = 0, *steps = aq, *upd = aq + n, *ver = aq + 2 * n;
        int bad = !(head[0] == ints[0] * n && head[1] >= 0 && head[2] >= 0 && head[2] <= head[0] && head[3] >= 0 &&
                    head[3] <= head[1]);
        for (int64_t i = 0; i < n && !bad; i++) {
            bad = steps[i] < 0 || ver[i] < 0 || ver[i] > upd[i] || !(due[i] >= times[i] && isfinite(due[i]));
            total += steps[i];
        }
        if (bad || total != head[0]) {
            st = tmx__error(TMX_EPARSE, "checkpoint: %s holds an invalid AD-PSGD event queue (corrupt)", path);
            goto done;
        }
    }
    for (int64_t i = 0; pw && i < s->N; i++) /* w_i ≥ w_ii^k > 0 under a positive diagonal */
        if (!(pw[i] > 0.0 && isfinite(pw[i]))) {
            st = tmx__error(TMX_EPARSE, "checkpoint: %s holds an invalid push-sum weight for node %lld (corrupt)", path,
                            (long long)i);
            goto done;
        }
    /* pass 2: the state itself */
    if (fseek(f, data_at, SEEK_SET) != 0) goto truncated;
    for (int b = 0; b < NBUF; b++) {
        if (!saved_buffer(s, b)) continue;
        if (s->be->host) { /* this rank's columns of the p × N buffer (all of them in one process) */
            size_t cb = (size_t)s->p * s->esz;
            if (fseek(f, (long)((size_t)s->col0 * cb), SEEK_CUR) != 0 ||
                fread(s->buf[b], cb, (size_t)s->ncols, f) != (size_t)s->ncols ||
                fseek(f, (long)((size_t)(s->N - s->col0 - s->ncols) * cb), SEEK_CUR) != 0)
                goto truncated;
            continue;
        }
        size_t bytes = state * s->esz; /* to the device through the chunk buffer */
        for (size_t off = 0; off < bytes; off += chunk_len) {
            size_t len = bytes - off < chunk_len ? bytes - off : chunk_len;
            if (fread(chunk, 1, len, f) != len) goto truncated;
            s->be->to_device(s, (char *)s->buf[b] + off, chunk, len);
        }
    }
    if (fread(s->z, sizeof(double), (size_t)s->p, f) != (size_t)s->p) goto truncated;
    s->iter = ints[0];
    s->gossip_rounds = ints[1];
    s->messages = ints[2];
    s->phase = ints[3];
    s->gt_ready = (int)ints[4];
    s->capped = ints[5];
    s->phase_max = dbl[0];
    s->grad_ema = dbl[1];
    s->last_target = dbl[2];
    s->bytes = dbl[3];
    s->clk.compute = dbl[4];
    s->clk.comm = dbl[5];
    memcpy(s->clk.t, times, (size_t)s->N * sizeof *times);
    if (s->as.heap) {
        tmx__async *a = &s->as;
        size_t n = (size_t)s->n;
        a->events = head[0];
        a->stale_sum = head[1];
        a->mark_events = head[2];
        a->mark_sum = head[3];
        memcpy(a->steps, aq, n * sizeof *aq);
        memcpy(a->updates, aq + n, n * sizeof *aq);
        memcpy(a->snapver, aq + 2 * n, n * sizeof *aq);
        memcpy(a->due, due, n * sizeof *due);
        tmx__adpsgd_heapify(s); /* the heap is a function of (due, id): the same pop order */
    }
    if (pw) {
        memcpy(s->ps.w, pw, (size_t)s->N * sizeof *pw);
        tmx__sgp_debias(s); /* z = x / w, as the step that wrote the checkpoint left it */
    }
    if (s->be->check) st = s->be->check(s); /* a device upload that failed */
    goto done;
truncated:
    st = tmx__error(TMX_EPARSE, "checkpoint: %s is truncated", path);
done:
    free(times);
    free(aq);
    free(due);
    free(pw);
    free(chunk);
    free(ours);
    free(theirs);
    fclose(f);
    return st;
}

tmx_status tmx_sim_checkpoint_writable(const char *path)
{
    tmx__ofile o;
    tmx_status st = tmx__ofile_open(&o, path, TMX__OF_BINARY);
    if (st != TMX_OK) return st;
    tmx__ofile_abort(&o); /* nothing written: the existing file, if any, is untouched */
    return TMX_OK;
}
