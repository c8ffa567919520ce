/*
 * The compatibility modes of the KVM host, for a pseries machine
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_PPC_SPAPR_HOST_COMPAT_H
#define HW_PPC_SPAPR_HOST_COMPAT_H

#include "hw/ppc/spapr.h"

/*
 * Sets the max-cpu-compat in force (spapr->max_compat_pvr): the user's,
 * else, with KVM-HV, the host's newest mode.  Fails when the user's is
 * newer than the host can run.  host-compat-limit=off, TCG and KVM-PR
 * (which cannot set a compat mode at all) leave the user's as it is.
 * Called before the capabilities get their defaults, which depend on it.
 */
bool spapr_host_compat_init(SpaprMachineState *spapr, Error **errp);

/*
 * host-compat-limit, and the read-only effective-max-cpu-compat and
 * host-compat-source
 */
void spapr_host_compat_add_properties(Object *obj);

#endif /* HW_PPC_SPAPR_HOST_COMPAT_H */
