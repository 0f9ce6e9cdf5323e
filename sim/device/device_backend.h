/* topomix simulator — the device backend's hooks for its tests (tests/unit/test_device.c). The
 * backend itself is the table tmx__device_backend of sim_internal.h. */
#ifndef TMX_SIM_DEVICE_BACKEND_H
#define TMX_SIM_DEVICE_BACKEND_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct tmx_sim;

/* Gossips of a simulation on the device backend whose consensus took the second pass over the
 * output (the fused statistics' a-posteriori bound was not met; docs/definitions.md §23). */
int64_t tmx__device_mix_fallbacks(const struct tmx_sim *s);
/* Device allocations the reductions' kept scratch has made: they stop after the first steps, so a
 * step allocates nothing. */
int64_t tmx__device_scratch_allocs(const struct tmx_sim *s);
/* The fused gossip's layout from now on: gpu ≠ 0, the GPU's (4 rows per item, the rows past the last
 * full stretch one each); 0, the host's (256 rows per item). A host build runs either, so that its
 * tests cover the GPU's; a CUDA build only the GPU's. Returns 0, or −1 (refused, or out of memory). */
int tmx__device_mix_rows(struct tmx_sim *s, int gpu);

#ifdef __cplusplus
}
#endif

#endif
