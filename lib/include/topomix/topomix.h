/* topomix — communication topologies of decentralized learning. Umbrella header. */
#ifndef TMX_TOPOMIX_H
#define TMX_TOPOMIX_H

#include <topomix/cost.h>
#include <topomix/csr.h>
#include <topomix/data.h>
#include <topomix/error.h>
#include <topomix/exact.h>
#include <topomix/io.h>
#include <topomix/mat.h>
#include <topomix/sim.h>
#include <topomix/spectral.h>
#include <topomix/topo.h>
#include <topomix/version.h> /* generated */

#endif
