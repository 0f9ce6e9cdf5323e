/* topomix simulator — the simulator over MPI (mpi.c, docs/definitions.md §24): the hooks the engine
 * and the checkpoints call, and the CPU backend's pieces the MPI layer reuses. In one process (or a
 * build without MPI) every hook leaves the simulation as it is: col0 = 0, ncols = N, s->mpi NULL.
 * Not installed. */
#ifndef TMX_SIM_MPI_H
#define TMX_SIM_MPI_H

#include "sim_internal.h"

/* After s->N is set, before any buffer: this rank's columns [col0, col0 + ncols) (contiguous blocks
 * of the N nodes); refuses what cannot run over several ranks (deterministically: every rank
 * refuses alike, without communication). */
tmx_status tmx__mpi_attach(tmx_sim *s);
/* After the cached mixing matrices are built: the exchange plans, the buffers grown by their halo
 * columns, the MPI backend table. */
tmx_status tmx__mpi_setup(tmx_sim *s);
/* Every rank passes its status and gets the first failing rank's (with its message): the end of
 * tmx_sim_new, of a load and of a save. */
tmx_status tmx__mpi_agree(tmx_sim *s, tmx_status st);
/* Before a step: a random topology's W^(k), its exchange plan, and room for its halo. */
tmx_status tmx__mpi_prestep(tmx_sim *s);
/* The metrics' loss, ∇ (into s->gbar) and correct count over the n agents, in the one-process order. */
double tmx__mpi_loss(tmx_sim *s, int64_t *correct);
void tmx__mpi_free(tmx_sim *s);
/* 1 on the rank that writes files (rank 0; always in one process). */
int tmx__mpi_root(const tmx_sim *s);
/* Checkpoints: every rank's columns of a state buffer, in rank order, handed to put on rank 0 (the
 * other ranks send theirs); read: this rank's columns of a buffer stored p × N at the file's
 * position, which is left after the whole buffer. */
/* The caller's partition (under MPI a rank holding its shards alone reads a renumbered one), and 1
 * with the CRC-32 of the whole dataset (A's rows, then y) when this rank holds its shards alone
 * (collective: every rank calls it), else 0 (hash s->D). */
const tmx_partition *tmx__mpi_partition(const tmx_sim *s);
int tmx__mpi_data_crc(tmx_sim *s, unsigned long *crc);
void tmx__mpi_gather_cols(tmx_sim *s, const void *buf, void (*put)(void *ctx, const void *p, size_t bytes), void *ctx);

/* ---- the CPU backend's pieces (backend_cpu.c) ---- */
/* The gossip of cpu_mix_axpy over rows 0..N−1 of W (columns may reach past N: the halo), of which
 * rows < n are workers; the statistics are those of these rows alone. */
void tmx__cpu_mix_range(const tmx_sim *s, const tmx_csr *W, const void *in, const void *g, double gamma, void *out,
                        int64_t N, int64_t n, mix_stats *st);
/* The rows of X per block of cpu_mix_axpy over all s->N nodes (the blocks of its statistics). */
int64_t tmx__cpu_mix_block(const tmx_sim *s);
/* The statistics pass of the gossip kernel over columns 0..N−1 of out (workers: < n), rows
 * [r0, r0 + len) with the workers' mean `mean` (len elements of the state's type), continuing the
 * sums *cons and *sq. */
void tmx__cpu_mix_stats(const tmx_sim *s, const void *out, int64_t N, int64_t n, int64_t r0, int64_t len,
                        const void *mean, double *cons, double *sq);
/* Agent col0 + i's gradient into column i of G (X's column i), as cpu_gradients; returns ‖g‖² when
 * want_norm. */
double tmx__cpu_grad_agent(tmx_sim *s, int64_t i, const void *X, void *G, int64_t counter, int adapt, double gamma,
                           int want_norm);

#endif
