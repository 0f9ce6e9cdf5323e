/* topomix — sparse square matrices (CSR): construction, products, validation. */
#include "internal.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <topomix/csr.h>

void tmx_csr_init(tmx_csr *W) { memset(W, 0, sizeof *W); }

void tmx_csr_destroy(tmx_csr *W)
{
    if (!W) return;
    free(W->rowptr);
    free(W->col);
    free(W->val);
    memset(W, 0, sizeof *W);
}

/* Allocates rowptr (n+1, zeroed), col and val (cap each) after checking the size. */
static tmx_status csr_alloc(tmx_csr *W, int64_t n, int64_t cap, const char *what)
{
    if (n < 0 || cap < 0) return tmx__error(TMX_EINVAL, "%s: negative size", what);
    if (W->rowptr && W->col && W->val && W->n == n && W->cap >= cap && W->cap > 0) { /* reuse */
        memset(W->rowptr, 0, ((size_t)n + 1) * sizeof *W->rowptr);
        W->nnz = 0;
        return TMX_OK;
    }
    tmx_csr_destroy(W);
    double bytes = (double)(n + 1) * sizeof(int64_t) + (double)cap * (sizeof(int64_t) + sizeof(double));
    tmx_status st = tmx__check_bytes(bytes, what);
    if (st != TMX_OK) return st;
    W->rowptr = calloc((size_t)n + 1, sizeof(int64_t));
    W->col = malloc((size_t)(cap ? cap : 1) * sizeof(int64_t));
    W->val = malloc((size_t)(cap ? cap : 1) * sizeof(double));
    if (!W->rowptr || !W->col || !W->val) {
        tmx_csr_destroy(W);
        return tmx__error(TMX_ENOMEM, "%s: cannot allocate a sparse matrix with n=%lld, %lld entries",
                          what, (long long)n, (long long)cap);
    }
    W->n = n;
    W->cap = cap ? cap : 1;
    return TMX_OK;
}

/* ---- row builder -------------------------------------------------------------------------- */

tmx_status tmx__builder_begin(tmx__builder *b, tmx_csr *W, int64_t n, int64_t cap)
{
    b->W = W;
    b->row = 0;
    b->pos = 0;
    b->cap = cap;
    return csr_alloc(W, n, cap, "sparse matrix");
}

static void sift_down(int64_t *c, double *v, int64_t root, int64_t len)
{
    for (;;) {
        int64_t child = 2 * root + 1;
        if (child >= len) return;
        if (child + 1 < len && c[child + 1] > c[child]) child++;
        if (c[root] >= c[child]) return;
        int64_t tc = c[root];
        c[root] = c[child];
        c[child] = tc;
        double tv = v[root];
        v[root] = v[child];
        v[child] = tv;
        root = child;
    }
}

/* Sorts parallel arrays by c: insertion sort for short or nearly sorted rows, heapsort otherwise. */
static void sort_row(int64_t *c, double *v, int64_t len)
{
    int64_t i, inversions = 0;
    for (i = 1; i < len; i++)
        if (c[i] < c[i - 1]) inversions++;
    if (inversions == 0) return;
    if (len <= 64) {
        for (i = 1; i < len; i++) {
            int64_t key = c[i], j = i;
            double kv = v[i];
            while (j > 0 && c[j - 1] > key) {
                c[j] = c[j - 1];
                v[j] = v[j - 1];
                j--;
            }
            c[j] = key;
            v[j] = kv;
        }
        return;
    }
    for (i = len / 2 - 1; i >= 0; i--) sift_down(c, v, i, len);
    for (i = len - 1; i > 0; i--) {
        int64_t tc = c[0];
        c[0] = c[i];
        c[i] = tc;
        double tv = v[0];
        v[0] = v[i];
        v[i] = tv;
        sift_down(c, v, 0, i);
    }
}

void tmx__builder_end_row(tmx__builder *b)
{
    tmx_csr *W = b->W;
    int64_t start = W->rowptr[b->row], len = b->pos - start;
    int64_t *c = W->col + start;
    double *v = W->val + start;
    sort_row(c, v, len);
    int64_t out = 0;
    for (int64_t i = 0; i < len; i++) {
        if (out > 0 && c[out - 1] == c[i]) {
            v[out - 1] += v[i];
        } else {
            c[out] = c[i];
            v[out] = v[i];
            out++;
        }
    }
    b->pos = start + out;
    b->row++;
    W->rowptr[b->row] = b->pos;
}

tmx_status tmx__builder_finish(tmx__builder *b)
{
    tmx_csr *W = b->W;
    if (b->row != W->n || b->pos > b->cap) {
        tmx_csr_destroy(W);
        return tmx__error(TMX_EINTERNAL, "builder: %lld of %lld rows, %lld of %lld entries",
                          (long long)b->row, (long long)W->n, (long long)b->pos, (long long)b->cap);
    }
    W->nnz = b->pos;
    /* give back a slack of over a quarter and over 4 MiB (matrices with n in the hundreds of
     * thousands): smaller ones keep it, so that rebuilding them in place allocates nothing */
    if (W->nnz < W->cap - W->cap / 4 && (double)(W->cap - W->nnz) * 16.0 > 4194304.0) {
        size_t keep = (size_t)(W->nnz ? W->nnz : 1);
        int64_t *c = realloc(W->col, keep * sizeof *c);
        double *v = c ? realloc(W->val, keep * sizeof *v) : NULL;
        if (c) W->col = c;
        if (v) W->val = v;
        if (c) W->cap = (int64_t)keep; /* col (and val, unless its shrink failed) now hold keep */
    }
    return TMX_OK;
}

void tmx__builder_abort(tmx__builder *b)
{
    if (b->W) tmx_csr_destroy(b->W);
    b->W = NULL;
}

/* ---- basic operations --------------------------------------------------------------------- */

tmx_status tmx_csr_copy(tmx_csr *dst, const tmx_csr *src)
{
    if (dst == src) return TMX_OK;
    tmx_status st = csr_alloc(dst, src->n, src->nnz, "csr_copy");
    if (st != TMX_OK) return st;
    memcpy(dst->rowptr, src->rowptr, ((size_t)src->n + 1) * sizeof(int64_t));
    if (src->nnz) {
        memcpy(dst->col, src->col, (size_t)src->nnz * sizeof(int64_t));
        memcpy(dst->val, src->val, (size_t)src->nnz * sizeof(double));
    }
    dst->nnz = src->nnz;
    return TMX_OK;
}

tmx_status tmx_csr_identity(tmx_csr *W, int64_t n)
{
    if (n < 1) return tmx__error(TMX_EINVAL, "csr_identity: n must be >= 1, got %lld", (long long)n);
    tmx_status st = csr_alloc(W, n, n, "identity");
    if (st != TMX_OK) return st;
    for (int64_t i = 0; i < n; i++) {
        W->rowptr[i + 1] = i + 1;
        W->col[i] = i;
        W->val[i] = 1.0;
    }
    W->nnz = n;
    return TMX_OK;
}

tmx_status tmx_csr_from_triplets(tmx_csr *W, int64_t n, int64_t count, const int64_t *ti,
                                 const int64_t *tj, const double *tv)
{
    tmx_status st = TMX_OK;
    int64_t *start = NULL, *order = NULL;
    tmx__builder b = {0};
    if (n < 1 || count < 0)
        return tmx__error(TMX_EINVAL, "csr_from_triplets: need n >= 1 and count >= 0");
    for (int64_t e = 0; e < count; e++) {
        if (ti[e] < 0 || ti[e] >= n || tj[e] < 0 || tj[e] >= n)
            return tmx__error(TMX_EINVAL, "csr_from_triplets: entry %lld (%lld, %lld) outside %lld x %lld",
                              (long long)e, (long long)ti[e], (long long)tj[e], (long long)n,
                              (long long)n);
        if (!isfinite(tv[e]))
            return tmx__error(TMX_EINVAL, "csr_from_triplets: entry %lld is not finite", (long long)e);
    }
    /* the row starts and the order beside the matrix built (row pointers, columns and values) */
    st = tmx__check_bytes(16.0 * ((double)n + 1.0) + 24.0 * (double)count, "csr_from_triplets");
    if (st != TMX_OK) return st;
    start = calloc((size_t)n + 1, sizeof *start);
    order = malloc((size_t)(count ? count : 1) * sizeof *order);
    if (!start || !order) {
        st = tmx__error(TMX_ENOMEM, "csr_from_triplets: out of memory");
        goto cleanup;
    }
    for (int64_t e = 0; e < count; e++) start[ti[e] + 1]++;
    for (int64_t i = 0; i < n; i++) start[i + 1] += start[i];
    for (int64_t e = 0; e < count; e++) order[start[ti[e]]++] = e; /* start[i] now = end of row i */
    TMX_TRY(tmx__builder_begin(&b, W, n, count));
    for (int64_t i = 0, e = 0; i < n; i++) {
        for (; e < start[i]; e++) tmx__builder_push(&b, tj[order[e]], tv[order[e]]);
        tmx__builder_end_row(&b);
    }
    TMX_TRY(tmx__builder_finish(&b));
cleanup:
    if (st != TMX_OK) tmx__builder_abort(&b);
    free(start);
    free(order);
    return st;
}

double tmx_csr_get(const tmx_csr *W, int64_t i, int64_t j)
{
    if (i < 0 || i >= W->n) return 0.0;
    int64_t lo = W->rowptr[i], hi = W->rowptr[i + 1];
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (W->col[mid] < j)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (lo < W->rowptr[i + 1] && W->col[lo] == j) ? W->val[lo] : 0.0;
}

tmx_status tmx_csr_transpose(tmx_csr *dst, const tmx_csr *W)
{
    if (dst == W) return tmx__error(TMX_EINVAL, "csr_transpose: dst and W must differ");
    tmx_status st = csr_alloc(dst, W->n, W->nnz, "csr_transpose");
    if (st != TMX_OK) return st;
    int64_t n = W->n;
    for (int64_t e = 0; e < W->nnz; e++) dst->rowptr[W->col[e] + 1]++;
    for (int64_t i = 0; i < n; i++) dst->rowptr[i + 1] += dst->rowptr[i];
    /* scatter rows in increasing order: each destination row receives increasing columns */
    int64_t *next = malloc(((size_t)n + 1) * sizeof *next);
    if (!next) {
        tmx_csr_destroy(dst);
        return tmx__error(TMX_ENOMEM, "csr_transpose: out of memory");
    }
    memcpy(next, dst->rowptr, ((size_t)n + 1) * sizeof *next);
    for (int64_t i = 0; i < n; i++)
        for (int64_t e = W->rowptr[i]; e < W->rowptr[i + 1]; e++) {
            int64_t p = next[W->col[e]]++;
            dst->col[p] = i;
            dst->val[p] = W->val[e];
        }
    free(next);
    dst->nnz = W->nnz;
    return TMX_OK;
}

tmx_status tmx_csr_mul(tmx_csr *C, const tmx_csr *A, const tmx_csr *B)
{
    tmx_status st = TMX_OK;
    int64_t *mark = NULL;
    double *acc = NULL;
    tmx__builder b = {0};
    if (C == A || C == B) return tmx__error(TMX_EINVAL, "csr_mul: C must differ from A and B");
    if (A->n != B->n)
        return tmx__error(TMX_EDIM, "csr_mul: %lld x %lld times %lld x %lld", (long long)A->n,
                          (long long)A->n, (long long)B->n, (long long)B->n);
    int64_t n = A->n, nnz = 0;
    mark = malloc(((size_t)n ? (size_t)n : 1) * sizeof *mark);
    acc = calloc((size_t)n ? (size_t)n : 1, sizeof *acc);
    if (!mark || !acc) {
        st = tmx__error(TMX_ENOMEM, "csr_mul: out of memory");
        goto cleanup;
    }
    for (int64_t i = 0; i < n; i++) mark[i] = -1;
    for (int64_t i = 0; i < n; i++) /* symbolic pass: count the product's entries */
        for (int64_t e = A->rowptr[i]; e < A->rowptr[i + 1]; e++)
            for (int64_t f = B->rowptr[A->col[e]]; f < B->rowptr[A->col[e] + 1]; f++)
                if (mark[B->col[f]] != i) {
                    mark[B->col[f]] = i;
                    nnz++;
                }
    TMX_TRY(tmx__builder_begin(&b, C, n, nnz));
    for (int64_t i = 0; i < n; i++) mark[i] = -1;
    for (int64_t i = 0; i < n; i++) {
        int64_t rs = b.pos;
        for (int64_t e = A->rowptr[i]; e < A->rowptr[i + 1]; e++) {
            double a = A->val[e];
            for (int64_t f = B->rowptr[A->col[e]]; f < B->rowptr[A->col[e] + 1]; f++) {
                int64_t j = B->col[f];
                if (mark[j] != i) {
                    mark[j] = i;
                    acc[j] = 0.0;
                    tmx__builder_push(&b, j, 0.0);
                }
                acc[j] += a * B->val[f];
            }
        }
        for (int64_t p = rs; p < b.pos; p++) C->val[p] = acc[C->col[p]];
        tmx__builder_end_row(&b);
    }
    TMX_TRY(tmx__builder_finish(&b));
cleanup:
    if (st != TMX_OK) tmx__builder_abort(&b);
    free(mark);
    free(acc);
    return st;
}

void tmx_csr_matvec(const tmx_csr *W, const double *x, double *y)
{
    for (int64_t i = 0; i < W->n; i++) {
        double s = 0.0;
        for (int64_t e = W->rowptr[i]; e < W->rowptr[i + 1]; e++) s += W->val[e] * x[W->col[e]];
        y[i] = s;
    }
}

tmx_status tmx_csr_to_dense(const tmx_csr *W, tmx_mat *D)
{
    tmx_mat_destroy(D);
    tmx_status st = tmx_mat_init(D, (size_t)W->n, (size_t)W->n);
    if (st != TMX_OK) return st;
    for (int64_t i = 0; i < W->n; i++)
        for (int64_t e = W->rowptr[i]; e < W->rowptr[i + 1]; e++)
            D->data[(size_t)i + (size_t)W->col[e] * D->ld] = W->val[e];
    return TMX_OK;
}

tmx_status tmx_csr_check(const tmx_csr *W)
{
    if (!W || W->n < 0 || !W->rowptr) return tmx__error(TMX_EINVAL, "csr: empty or uninitialised matrix");
    if (W->rowptr[0] != 0 || W->rowptr[W->n] != W->nnz)
        return tmx__error(TMX_EINVAL, "csr: rowptr does not span 0..nnz");
    for (int64_t i = 0; i < W->n; i++) {
        if (W->rowptr[i + 1] < W->rowptr[i])
            return tmx__error(TMX_EINVAL, "csr: rowptr decreases at row %lld", (long long)i);
        for (int64_t e = W->rowptr[i]; e < W->rowptr[i + 1]; e++) {
            if (W->col[e] < 0 || W->col[e] >= W->n)
                return tmx__error(TMX_EINVAL, "csr: column %lld out of range in row %lld",
                                  (long long)W->col[e], (long long)i);
            if (e > W->rowptr[i] && W->col[e] <= W->col[e - 1])
                return tmx__error(TMX_EINVAL, "csr: columns not strictly increasing in row %lld",
                                  (long long)i);
            if (!isfinite(W->val[e]))
                return tmx__error(TMX_EINVAL, "csr: non-finite value at (%lld, %lld)", (long long)i,
                                  (long long)W->col[e]);
        }
    }
    return TMX_OK;
}

/* Breadth-first search over the off-diagonal nonzero pattern; returns the number reached from 0. */
static int64_t bfs_count(const tmx_csr *W, char *seen, int64_t *queue)
{
    int64_t head = 0, tail = 0;
    memset(seen, 0, (size_t)W->n);
    seen[0] = 1;
    queue[tail++] = 0;
    while (head < tail) {
        int64_t i = queue[head++];
        for (int64_t e = W->rowptr[i]; e < W->rowptr[i + 1]; e++) {
            int64_t j = W->col[e];
            if (W->val[e] != 0.0 && !seen[j]) {
                seen[j] = 1;
                queue[tail++] = j;
            }
        }
    }
    return tail;
}

int tmx_csr_is_connected(const tmx_csr *W)
{
    if (W->n <= 1) return 1;
    int ok = 0;
    char *seen = malloc((size_t)W->n);
    int64_t *queue = malloc((size_t)W->n * sizeof *queue);
    tmx_csr T = {0};
    if (seen && queue && bfs_count(W, seen, queue) == W->n && tmx_csr_transpose(&T, W) == TMX_OK)
        ok = bfs_count(&T, seen, queue) == W->n;
    tmx_csr_destroy(&T);
    free(seen);
    free(queue);
    return ok;
}

tmx_status tmx_csr_validate(const tmx_csr *W, double tol, tmx_validation *v)
{
    memset(v, 0, sizeof *v);
    if (!(tol >= 0.0) || !isfinite(tol))
        return tmx__error(TMX_EINVAL, "validate: tolerance must be finite and >= 0");
    tmx_status st = tmx_csr_check(W);
    if (st != TMX_OK) return st;
    int64_t n = W->n;
    double *colsum = calloc((size_t)n ? (size_t)n : 1, sizeof *colsum);
    int64_t *outdeg = calloc((size_t)n ? (size_t)n : 1, sizeof *outdeg);
    if (!colsum || !outdeg) {
        free(colsum);
        free(outdeg);
        return tmx__error(TMX_ENOMEM, "validate: out of memory");
    }
    v->n = n;
    v->nnz = W->nnz;
    v->min_entry = n ? INFINITY : 0.0;
    v->min_in_degree = INT64_MAX;
    int64_t diag = 0; /* rows with a positive diagonal */
    for (int64_t i = 0; i < n; i++) {
        double rowsum = 0.0;
        int64_t deg = 0;
        for (int64_t e = W->rowptr[i]; e < W->rowptr[i + 1]; e++) {
            int64_t j = W->col[e];
            double w = W->val[e];
            rowsum += w;
            colsum[j] += w;
            if (w < v->min_entry) v->min_entry = w;
            if (j == i && w > 0.0) diag++;
            if (j != i && w != 0.0) {
                deg++;
                outdeg[j]++;
            }
            double asym = fabs(w - tmx_csr_get(W, j, i));
            if (asym > v->max_asymmetry) v->max_asymmetry = asym;
        }
        double err = fabs(rowsum - 1.0);
        if (err > v->max_row_error) v->max_row_error = err;
        if (deg < v->min_in_degree) v->min_in_degree = deg;
        if (deg > v->max_in_degree) v->max_in_degree = deg;
    }
    v->min_out_degree = INT64_MAX;
    for (int64_t j = 0; j < n; j++) {
        double err = fabs(colsum[j] - 1.0);
        if (err > v->max_col_error) v->max_col_error = err;
        if (outdeg[j] < v->min_out_degree) v->min_out_degree = outdeg[j];
        if (outdeg[j] > v->max_out_degree) v->max_out_degree = outdeg[j];
    }
    if (n == 0) v->min_in_degree = v->min_out_degree = 0;
    v->nonnegative = v->min_entry >= 0.0;
    v->row_stochastic = v->max_row_error <= tol;
    v->col_stochastic = v->max_col_error <= tol;
    v->doubly_stochastic = v->nonnegative && v->row_stochastic && v->col_stochastic;
    v->symmetric = v->max_asymmetry <= tol;
    v->connected = tmx_csr_is_connected(W);
    v->push_sum = v->nonnegative && v->col_stochastic && diag == n && v->connected;
    free(colsum);
    free(outdeg);
    return TMX_OK;
}

/* Root of i in the union-find forest, halving the path on the way. */
static int64_t uf_find(int64_t *parent, int64_t i)
{
    while (parent[i] != i) i = parent[i] = parent[parent[i]];
    return i;
}

/* Connected components of the undirected graph of W's off-diagonal nonzeros; -1 when out of
 * memory. For a doubly stochastic W these are also its strongly connected components: a doubly
 * stochastic matrix that is reducible is a permuted direct sum (the block an upper block-triangular
 * form puts above the diagonal carries the row sums of the first block minus its column sums, zero),
 * so no edge joins two strong components. */
static int64_t components(const tmx_csr *W)
{
    int64_t *parent = malloc((size_t)W->n * sizeof *parent), count = W->n;
    if (!parent) return -1;
    for (int64_t i = 0; i < W->n; i++) parent[i] = i;
    for (int64_t i = 0; i < W->n; i++)
        for (int64_t e = W->rowptr[i]; e < W->rowptr[i + 1]; e++) {
            int64_t a = uf_find(parent, i), b = uf_find(parent, W->col[e]);
            if (a != b && W->val[e] != 0.0) parent[a] = b, count--;
        }
    free(parent);
    return count;
}

tmx_status tmx_csr_check_mixing(const tmx_csr *W, double tol, unsigned flags)
{
    const char *head = (flags & TMX_MIXING_PUSH) ? "W is not a push-sum mixing matrix" : "W is not a mixing matrix";
    tmx_validation v;
    tmx_status st = tmx_csr_validate(W, tol, &v);
    if (st != TMX_OK) return st;
    int64_t n = W->n;
    if (n < 1) return tmx__error(TMX_EINVAL, "%s: it is empty (n = 0)", head);
    /* nonzeros in the longest row or column: the degrees count off-diagonal ones, plus the diagonal */
    int64_t L = (v.max_in_degree > v.max_out_degree ? v.max_in_degree : v.max_out_degree) + 1;
    double lim = fmax(tol, 2.0 * (double)L * DBL_EPSILON);
    if (!v.nonnegative)
        for (int64_t i = 0; i < n; i++)
            for (int64_t e = W->rowptr[i]; e < W->rowptr[i + 1]; e++)
                if (W->val[e] < 0.0)
                    return tmx__error(TMX_EINVAL, "%s: entry (%lld, %lld) = %.15g is negative", head, (long long)i + 1,
                                      (long long)W->col[e] + 1, W->val[e]);
    if (flags & TMX_MIXING_PUSH) /* every node keeps a share: its push-sum weight stays positive */
        for (int64_t i = 0; i < n; i++)
            if (!(tmx_csr_get(W, i, i) > 0.0))
                return tmx__error(TMX_EINVAL, "%s: entry (%lld, %lld) = 0 (push-sum needs every node to keep a share "
                                  "of its mass: a positive diagonal)", head, (long long)i + 1, (long long)i + 1);
    /* the sums are formed in the order tmx_csr_validate forms them, so they are the same numbers */
    if (v.max_row_error > lim && !(flags & TMX_MIXING_PUSH))
        for (int64_t i = 0; i < n; i++) {
            double s = 0.0;
            for (int64_t e = W->rowptr[i]; e < W->rowptr[i + 1]; e++) s += W->val[e];
            if (fabs(s - 1.0) > lim)
                return tmx__error(TMX_EINVAL, "%s: row %lld sums to %.15g (must be 1 within %.3g)", head,
                                  (long long)i + 1, s, lim);
        }
    if (v.max_col_error > lim) {
        double *colsum = calloc((size_t)n, sizeof *colsum);
        if (!colsum) return tmx__error(TMX_ENOMEM, "check_mixing: out of memory");
        for (int64_t e = 0; e < W->nnz; e++) colsum[W->col[e]] += W->val[e];
        for (int64_t j = 0; j < n; j++)
            if (fabs(colsum[j] - 1.0) > lim) {
                st = tmx__error(TMX_EINVAL, "%s: column %lld sums to %.15g (must be 1 within %.3g)", head,
                                (long long)j + 1, colsum[j], lim);
                break;
            }
        free(colsum);
        if (st != TMX_OK) return st;
    }
    if ((flags & TMX_MIXING_CONNECTED) && !v.connected) {
        int64_t c = components(W);
        if (c < 0) return tmx__error(TMX_ENOMEM, "check_mixing: out of memory");
        if (c == 1) /* weakly but not strongly connected: possible only through entries of rounding size */
            return tmx__error(TMX_EINVAL, "%s: the graph of W is not strongly connected", head);
        return tmx__error(TMX_EINVAL, "%s: the graph of W is disconnected (%lld components)", head, (long long)c);
    }
    return TMX_OK;
}

tmx_status tmx__csr_lazy(tmx_csr *W, tmx_csr *spare)
{
    tmx_status st = TMX_OK;
    tmx_csr tmp = {0}, *L = spare ? spare : &tmp;
    tmx__builder b = {0};
    TMX_TRY(tmx__builder_begin(&b, L, W->n, W->nnz + W->n));
    for (int64_t i = 0; i < W->n; i++) {
        tmx__builder_push(&b, i, 0.5);
        for (int64_t e = W->rowptr[i]; e < W->rowptr[i + 1]; e++)
            tmx__builder_push(&b, W->col[e], 0.5 * W->val[e]);
        tmx__builder_end_row(&b);
    }
    TMX_TRY(tmx__builder_finish(&b));
    tmx_csr old = *W;
    *W = *L;
    *L = old;
    tmx_csr_destroy(&tmp);
    return TMX_OK;
cleanup:
    tmx__builder_abort(&b);
    return st;
}

/* One pass, O(nnz + n), over W's strictly increasing columns: rows are visited in increasing i, so
 * the entries (j, i), i > j, that the lower entries (i, j) must meet come up in row j in increasing
 * column order, and cursor[j] walks row j's upper part once. Values are compared bit for bit, and a
 * stored zero counts as a missing entry (tmx_csr_get's 0). When the cursors cannot be allocated,
 * a binary search per entry does the same. */
int tmx__csr_exactly_symmetric(const tmx_csr *W)
{
    int64_t n = W->n;
    int64_t *cursor = malloc((size_t)(n > 0 ? n : 1) * sizeof *cursor);
    if (!cursor) {
        for (int64_t i = 0; i < n; i++)
            for (int64_t e = W->rowptr[i]; e < W->rowptr[i + 1]; e++)
                if (W->val[e] != tmx_csr_get(W, W->col[e], i)) return 0;
        return 1;
    }
    for (int64_t j = 0; j < n; j++) {
        int64_t e = W->rowptr[j];
        while (e < W->rowptr[j + 1] && W->col[e] <= j) e++;
        cursor[j] = e;
    }
    int sym = 1;
    for (int64_t i = 0; i < n && sym; i++)
        for (int64_t e = W->rowptr[i]; e < W->rowptr[i + 1] && W->col[e] < i && sym; e++) {
            if (W->val[e] == 0.0) continue;
            int64_t j = W->col[e], c = cursor[j], end = W->rowptr[j + 1];
            for (; c < end && W->col[c] < i && sym; c++) sym = W->val[c] == 0.0; /* (j, k) without (k, j) */
            if (sym && (c == end || W->col[c] != i || W->val[c] != W->val[e])) sym = 0;
            cursor[j] = c + 1;
        }
    for (int64_t j = 0; j < n && sym; j++) /* upper entries that no lower one met */
        for (int64_t c = cursor[j]; c < W->rowptr[j + 1] && sym; c++) sym = W->val[c] == 0.0;
    free(cursor);
    return sym;
}
