/*
 * What one L1 can make the PAPR nested API's L0 hold
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_SPAPR_NESTED_HEAP_H
#define HW_SPAPR_NESTED_HEAP_H

#include "qom/object.h"

typedef struct SpaprMachineState SpaprMachineState;

/* What a guest and each of its vCPUs hold */
#define SPAPR_NESTED_HEAP_GUEST sizeof(SpaprMachineStateNestedGuest)
#define SPAPR_NESTED_HEAP_VCPU sizeof(SpaprMachineStateNestedGuestVcpu)

/* Whether the L1's nested guests may hold @bytes more */
bool spapr_nested_heap_fits(SpaprMachineState *spapr, uint64_t bytes);

/* Counts what they hold, after a guest or vCPU came or went */
void spapr_nested_heap_update(SpaprMachineState *spapr);

/* The machine property "nested-papr-heap-max" */
void spapr_nested_heap_class_init(ObjectClass *oc);

#endif /* HW_SPAPR_NESTED_HEAP_H */
