/*
 * Migration of an L1 that runs L2 guests
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_SPAPR_NESTED_MIGRATION_H
#define HW_SPAPR_NESTED_MIGRATION_H

#include "migration/vmstate.h"

typedef struct SpaprMachineState SpaprMachineState;

/* Whether a vCPU runs an L2 guest now */
bool spapr_nested_l2_running(void);

/* Sent, and failing the migration, only while a vCPU runs an L2 */
extern const VMStateDescription vmstate_spapr_nested_l2_running;

/*
 * Before H_GUEST_CREATE: blocks migration from the L1's first PAPR API
 * guest on.  H_SUCCESS, or the hcall's answer: busy while a migration
 * runs (R4 gets the continue token to retry with), H_RESOURCE where no
 * migration may be blocked (-only-migratable).
 */
target_ulong spapr_nested_migration_hold(target_ulong *r4);

/* Lifts that block once the L1 has no PAPR API guest left */
void spapr_nested_migration_release(SpaprMachineState *spapr);

/* The nested-HV API's partition table, with that API alone */
extern const VMStateDescription vmstate_spapr_nested_hv_ptcr;

#endif /* HW_SPAPR_NESTED_MIGRATION_H */
