/* topomix — partitions of a dataset's samples into n shards: contiguous, shuffled, label-skewed
 * with Dirichlet(α) class proportions (docs/definitions.md §9; the label-skew scheme of Hsu, Qi &
 * Brown, "Measuring the effects of non-identical data distribution for federated visual
 * classification", 2019). Seeded generators are drawn from (seed, stream, step) as everywhere
 * else. */
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <topomix/data.h>

enum { STREAM_SHUFFLE = 201, STREAM_SKEW = 202, STREAM_SKEW_MIX = 203 };

void tmx_partition_destroy(tmx_partition *P)
{
    if (!P) return;
    free(P->order);
    free(P->start);
    P->order = P->start = NULL;
    P->n = P->m = 0;
}

tmx_status tmx_partition_parse(const char *s, tmx_partition_kind *kind, double *alpha)
{
    if (!s || !kind || !alpha) return tmx__error(TMX_EINVAL, "partition_parse: NULL argument");
    static const char skew[] = "label-skew";
    const size_t ls = sizeof skew - 1;
    if (strcmp(s, "contiguous") == 0) {
        *kind = TMX_PART_CONTIGUOUS;
        *alpha = 0.0;
        return TMX_OK;
    }
    if (strcmp(s, "shuffle") == 0) {
        *kind = TMX_PART_SHUFFLE;
        *alpha = 0.0;
        return TMX_OK;
    }
    if (strncmp(s, skew, ls) == 0 && (s[ls] == '\0' || s[ls] == ':')) {
        const char *a = s + ls + (s[ls] == ':');
        if (s[ls] == '\0' || *a == '\0')
            return tmx__error(TMX_EINVAL, "partition: '%s' needs a concentration: label-skew:ALPHA "
                                          "(ALPHA > 0, e.g. label-skew:0.5)", s);
        char *end;
        errno = 0;
        double v = strtod(a, &end);
        if (end == a || *end != '\0' || isspace((unsigned char)a[0]))
            return tmx__error(TMX_EINVAL, "partition: '%s': ALPHA '%s' is not a number", s, a);
        if (!(isfinite(v) && v > 0.0))
            return tmx__error(TMX_EINVAL, "partition: '%s': ALPHA must be finite and > 0", s);
        *kind = TMX_PART_LABEL_SKEW;
        *alpha = v;
        return TMX_OK;
    }
    return tmx__error(TMX_EINVAL,
                      "partition: unknown partition '%s' (contiguous, shuffle, label-skew:ALPHA)", s);
}

/* ⌊i·m/n⌋ exactly, for 0 ≤ i ≤ n and 1 ≤ n ≤ m: m = q·n + r gives i·q + ⌊i·r/n⌋. When i·r may
 * overflow, ⌊i·r/n⌋ is formed bit by bit (shift-and-add keeping i·r = Q·n + R with R < n), so no
 * intermediate exceeds 2n < 2^64. */
static int64_t floor_frac(int64_t i, int64_t m, int64_t n)
{
    int64_t q = m / n, r = m % n;
    if (r == 0 || i <= INT64_MAX / r) return i * q + i * r / n;
    uint64_t Q = 0, R = 0, un = (uint64_t)n, ur = (uint64_t)r;
    for (int bit = 62; bit >= 0; bit--) {
        Q <<= 1, R <<= 1;
        if (R >= un) Q++, R -= un;
        if (((uint64_t)i >> bit) & 1u) {
            R += ur;
            if (R >= un) Q++, R -= un;
        }
    }
    return i * q + (int64_t)Q;
}

static void contiguous_starts(int64_t *start, int64_t m, int64_t n)
{
    for (int64_t i = 0; i <= n; i++) start[i] = floor_frac(i, m, n);
}

/* The class of label y: −1 → 0 for binary ±1 labels (+1 → 1), otherwise y itself when it is an
 * integer in [0, nclass). −1 when y is neither. */
static int64_t class_of(double y, int64_t nclass)
{
    if (nclass == 2 && y == -1.0) return 0;
    if (y >= 0.0 && y < (double)nclass && y == floor(y)) return (int64_t)y;
    return -1;
}

/* Max-heap of shard indices by size (ties: the lower index first), for the empty-shard repair. */
static int heap_before(const int64_t *size, int64_t a, int64_t b)
{
    return size[a] > size[b] || (size[a] == size[b] && a < b);
}

static void heap_sift_down(int64_t *h, int64_t len, const int64_t *size, int64_t i)
{
    for (;;) {
        int64_t l = 2 * i + 1, r = l + 1, top = i;
        if (l < len && heap_before(size, h[l], h[top])) top = l;
        if (r < len && heap_before(size, h[r], h[top])) top = r;
        if (top == i) return;
        int64_t t = h[i];
        h[i] = h[top], h[top] = t;
        i = top;
    }
}

/* Dirichlet draws with a small α put whole classes on a few shards, so some shards may get no
 * sample at all. Each empty shard (in index order) takes one sample from the currently largest
 * shard, of that shard's most numerous class (the lowest class on ties): the last of that class's
 * cut. The donor always holds ≥ 2 samples: with r shards still empty and F already filled, the
 * n − r − F donors hold m − F ≥ n − F samples, i.e. r more than one each. Deterministic, and
 * a no-op whenever no shard is empty, so the skew of the draws is kept. cnt[c·n + k] counts the
 * class-c samples of shard k and is decremented for the donated ones; moved[k] is the sample a
 * repaired shard received (−1 for the others). */
static void fill_empty_shards(int64_t n, int64_t C, int64_t *cnt, int64_t *size, int64_t *heap, int64_t *moved,
                              const int64_t *members, const int64_t *cstart, const int64_t *bound)
{
    int64_t len = 0;
    for (int64_t k = 0; k < n; k++) {
        moved[k] = -1;
        if (size[k] > 0) heap[len++] = k;
    }
    if (len == n) return;
    for (int64_t i = len / 2 - 1; i >= 0; i--) heap_sift_down(heap, len, size, i);
    for (int64_t e = 0; e < n; e++) {
        if (size[e] > 0) continue;
        int64_t d = heap[0], c = 0;
        for (int64_t q = 1; q < C; q++)
            if (cnt[q * n + d] > cnt[c * n + d]) c = q;
        cnt[c * n + d]--;
        moved[e] = members[cstart[c] + bound[c * (n + 1) + d] + cnt[c * n + d]];
        size[d]--, size[e] = 1;
        heap_sift_down(heap, len, size, 0);
    }
}

static tmx_status label_skew(const tmx_dataset *D, int64_t n, double alpha, uint64_t seed, gsl_rng *r,
                             tmx_partition *P)
{
    tmx_status st = TMX_OK;
    const int64_t m = D->m, C = D->nclass;
    int64_t *cls = NULL, *cstart = NULL, *cursor = NULL, *members = NULL, *bound = NULL, *cnt = NULL, *size = NULL,
            *heap = NULL, *moved = NULL;
    double *a = NULL, *theta = NULL;

    if (C < 1)
        return tmx__error(TMX_EINVAL, "partition: label-skew needs class labels (the dataset has "
                                      "raw labels; read them as binary or classes)");
    TMX_TRY(tmx__check_bytes(((double)C * (2.0 * (double)n + 3.0) + 2.0 * (double)m + 5.0 * (double)n) *
                                 (double)sizeof(int64_t),
                             "partition: label-skew bookkeeping"));
    cls = malloc((size_t)m * sizeof *cls);
    cstart = calloc((size_t)C + 1, sizeof *cstart);
    members = malloc((size_t)m * sizeof *members);
    bound = malloc((size_t)C * ((size_t)n + 1) * sizeof *bound);
    cnt = malloc((size_t)C * (size_t)n * sizeof *cnt);
    size = malloc((size_t)n * sizeof *size);
    heap = malloc((size_t)n * sizeof *heap);
    moved = malloc((size_t)n * sizeof *moved);
    cursor = malloc((size_t)C * sizeof *cursor);
    a = malloc((size_t)n * sizeof *a);
    theta = malloc((size_t)n * sizeof *theta);
    if (!cls || !cstart || !members || !bound || !cnt || !size || !heap || !moved || !cursor || !a || !theta) {
        st = tmx__error(TMX_ENOMEM, "partition: out of memory");
        goto cleanup;
    }

    /* Members of each class, in file order (a counting sort). */
    for (int64_t i = 0; i < m; i++) {
        cls[i] = class_of(D->y[i], C);
        if (cls[i] < 0) {
            st = tmx__error(TMX_EINVAL, "partition: label-skew: sample %lld has label %g, not a class "
                                        "of 0..%lld (or -1/+1 for binary data)",
                            (long long)i, D->y[i], (long long)(C - 1));
            goto cleanup;
        }
        cstart[cls[i] + 1]++;
    }
    for (int64_t c = 0; c < C; c++) cstart[c + 1] += cstart[c];
    memcpy(cursor, cstart, (size_t)C * sizeof *cursor);
    for (int64_t i = 0; i < m; i++) members[cursor[cls[i]]++] = i;

    /* Per class c: shuffle its members, draw p_c ~ Dir(α·1_n), and cut the shuffled list at
     * round(m_c · (p_1 + … + p_k)) for k = 1..n−1. */
    for (int64_t k = 0; k < n; k++) a[k] = alpha;
    for (int64_t c = 0; c < C; c++) {
        int64_t mc = cstart[c + 1] - cstart[c];
        int64_t *b = bound + c * (n + 1);
        gsl_rng_set(r, tmx__derive_seed(seed, STREAM_SKEW, (uint64_t)c));
        if (mc > 1) gsl_ran_shuffle(r, members + cstart[c], (size_t)mc, sizeof *members);
        gsl_ran_dirichlet(r, (size_t)n, a, theta);
        double cum = 0.0;
        b[0] = 0;
        for (int64_t k = 1; k < n; k++) {
            cum += theta[k - 1];
            if (!isfinite(cum)) {
                st = tmx__error(TMX_EINTERNAL, "partition: non-finite Dirichlet draw (alpha=%g)", alpha);
                goto cleanup;
            }
            double x = floor(cum * (double)mc + 0.5);
            int64_t v = x <= 0.0 ? 0 : x >= (double)mc ? mc : (int64_t)x;
            b[k] = v < b[k - 1] ? b[k - 1] : v;
        }
        b[n] = mc;
    }

    /* Counts per (class, shard) and shard sizes; then no shard left empty (n ≤ m is checked by
     * the caller). */
    for (int64_t k = 0; k < n; k++) size[k] = 0;
    for (int64_t c = 0; c < C; c++)
        for (int64_t k = 0; k < n; k++) {
            cnt[c * n + k] = bound[c * (n + 1) + k + 1] - bound[c * (n + 1) + k];
            size[k] += cnt[c * n + k];
        }
    fill_empty_shards(n, C, cnt, size, heap, moved, members, cstart, bound);

    /* The order: shard k gets, class by class, what is left of its cut of each class (or the one
     * sample it was given). */
    P->start[0] = 0;
    for (int64_t k = 0; k < n; k++) P->start[k + 1] = P->start[k] + size[k];
    for (int64_t k = 0; k < n; k++) {
        int64_t pos = P->start[k];
        if (moved[k] >= 0) P->order[pos++] = moved[k];
        for (int64_t c = 0; c < C; c++) {
            const int64_t *src = members + cstart[c] + bound[c * (n + 1) + k];
            for (int64_t t = 0; t < cnt[c * n + k]; t++) P->order[pos++] = src[t];
        }
        /* Within a shard the samples come class by class; shuffle them so that a sequential pass
         * over a shard does not see one class after another. */
        gsl_rng_set(r, tmx__derive_seed(seed, STREAM_SKEW_MIX, (uint64_t)k));
        gsl_ran_shuffle(r, P->order + P->start[k], (size_t)(P->start[k + 1] - P->start[k]),
                        sizeof *P->order);
    }
cleanup:
    free(cls);
    free(cstart);
    free(members);
    free(bound);
    free(cnt);
    free(size);
    free(heap);
    free(moved);
    free(cursor);
    free(a);
    free(theta);
    return st;
}

tmx_status tmx_partition_make(const tmx_dataset *D, int64_t n, tmx_partition_kind kind, double alpha,
                              uint64_t seed, tmx_partition *P)
{
    tmx_status st = TMX_OK;
    gsl_rng *r = NULL;

    if (!P) return tmx__error(TMX_EINVAL, "partition: P is NULL");
    tmx_partition_destroy(P);
    if (!D || D->m < 0 || (D->m > 0 && !D->y))
        return tmx__error(TMX_EINVAL, "partition: NULL or malformed dataset");
    if (n < 1) return tmx__error(TMX_EINVAL, "partition: need n >= 1 shards, got %lld", (long long)n);
    if (n > D->m)
        return tmx__error(TMX_EINVAL, "partition: %lld shards for %lld samples (n <= m needed): every "
                                      "shard must be non-empty; use fewer nodes",
                          (long long)n, (long long)D->m);
    if (kind != TMX_PART_CONTIGUOUS && kind != TMX_PART_SHUFFLE && kind != TMX_PART_LABEL_SKEW)
        return tmx__error(TMX_EINVAL, "partition: unknown kind %d", (int)kind);
    if (kind == TMX_PART_LABEL_SKEW && !(isfinite(alpha) && alpha > 0.0))
        return tmx__error(TMX_EINVAL, "partition: label-skew needs a finite alpha > 0, got %g", alpha);

    const int64_t m = D->m;
    TMX_TRY(tmx__check_bytes(((double)m + (double)n + 1.0) * (double)sizeof(int64_t), "partition"));
    P->order = malloc((size_t)m * sizeof *P->order);
    P->start = malloc(((size_t)n + 1) * sizeof *P->start);
    if (kind != TMX_PART_CONTIGUOUS) {
        tmx_init();
        r = gsl_rng_alloc(gsl_rng_mt19937);
    }
    if (!P->order || !P->start || (kind != TMX_PART_CONTIGUOUS && !r)) {
        st = tmx__error(TMX_ENOMEM, "partition: out of memory for %lld samples", (long long)m);
        goto cleanup;
    }
    P->n = n;
    P->m = m;
    if (kind != TMX_PART_CONTIGUOUS && (uint64_t)m - 1 > (uint64_t)gsl_rng_max(r)) {
        /* gsl_ran_shuffle draws indices below m from a 32-bit generator */
        st = tmx__error(TMX_EUNSUP, "partition: shuffling more than 2^32 samples is not supported");
        goto cleanup;
    }

    switch (kind) {
    case TMX_PART_CONTIGUOUS:
    case TMX_PART_SHUFFLE:
        for (int64_t i = 0; i < m; i++) P->order[i] = i;
        if (kind == TMX_PART_SHUFFLE) {
            gsl_rng_set(r, tmx__derive_seed(seed, STREAM_SHUFFLE, 0));
            gsl_ran_shuffle(r, P->order, (size_t)m, sizeof *P->order);
        }
        contiguous_starts(P->start, m, n);
        break;
    case TMX_PART_LABEL_SKEW:
        TMX_TRY(label_skew(D, n, alpha, seed, r, P));
        break;
    }
cleanup:
    gsl_rng_free(r);
    if (st != TMX_OK) tmx_partition_destroy(P);
    return st;
}
