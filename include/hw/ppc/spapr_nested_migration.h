/*
 * Migration of an L1 while its vCPUs run L2 guests
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_SPAPR_NESTED_MIGRATION_H
#define HW_SPAPR_NESTED_MIGRATION_H

#include "migration/vmstate.h"

/* Whether a vCPU runs an L2 guest now */
bool spapr_nested_l2_running(void);

/* Sent, and failing the migration, only while a vCPU runs an L2 */
extern const VMStateDescription vmstate_spapr_nested_l2_running;

#endif /* HW_SPAPR_NESTED_MIGRATION_H */
