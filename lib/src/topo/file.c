/* topomix — file:PATH, a user's mixing matrix from a Matrix Market file. */
#include "family.h"

#include <stdio.h>
#include <stdlib.h>
#include <topomix/io.h>

static tmx_status file_setup(tmx_topo *t)
{
    tmx_csr *W = calloc(1, sizeof *W);
    if (!W) return tmx__error(TMX_ENOMEM, "file: out of memory");
    tmx_status st = tmx_mm_read_file(t->path, W);
    if (st != TMX_OK) {
        free(W);
        return st;
    }
    if (t->par.n != 0 && t->par.n != W->n) {
        st = tmx__error(TMX_EDIM, "file %s holds a %lld x %lld matrix but n=%lld was asked for", t->path,
                        (long long)W->n, (long long)W->n, (long long)t->par.n);
        tmx_csr_destroy(W);
        free(W);
        return st;
    }
    t->n = t->par.n = W->n;
    t->priv = W;
    /* validation's arrays: column sums and degrees, then the connectivity test's transpose */
    char what[96];
    snprintf(what, sizeof what, "validating %s (n=%lld, %lld entries)", t->path, (long long)W->n, (long long)W->nnz);
    double n = (double)W->n, nnz = (double)W->nnz;
    if ((st = tmx__check_bytes(33.0 * n + 8.0 * (n + 1.0) + 16.0 * nnz, what)) != TMX_OK) return st;
    if ((st = tmx__topo_check_entries(t, nnz, 0.0)) != TMX_OK) return st;
    tmx_validation v;
    st = tmx_csr_validate(W, 1e-12, &v);
    t->directed = st == TMX_OK ? !v.symmetric : 1;
    return st;
}

static tmx_status file_build(const tmx_topo *t, int64_t k, tmx_csr *W, tmx_topo_ws *ws)
{
    (void)k;
    return tmx_csr_copy(W, t->priv);
}

static void file_release(tmx_topo *t)
{
    tmx_csr_destroy(t->priv);
    free(t->priv);
}

const tmx__family tmx__fam_file = {
    {"file", TMX_TOPO_STATIC, 0, 0, "n read from the file (-n, if given, must match)",
     "file:PATH, a Matrix Market coordinate or array file"},
    0, file_setup, file_build, file_release, NULL};
