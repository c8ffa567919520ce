/*
 * When the L2 translations that a vCPU's TLB holds may be used again
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_SPAPR_NESTED_TLB_H
#define HW_SPAPR_NESTED_TLB_H

#include "target/ppc/cpu-qom.h"

typedef struct SpaprMachineState SpaprMachineState;
typedef struct SpaprNestedTlb SpaprNestedTlb;

/*
 * @cpu has just loaded L2 vCPU @vcpu (the L1's vcpu_token of the
 * nested-HV API, the vCPU id of the PAPR API) of the guest in its LPIDR:
 * flushes the L2 translations it holds unless they are this vCPU's and
 * still valid.  On @cpu's thread.
 */
void spapr_nested_tlb_enter(SpaprMachineState *spapr, PowerPCCPU *cpu,
                            uint64_t vcpu);

/* @cpu leaves the L2 it runs, whose registers it still holds */
void spapr_nested_tlb_exit(SpaprMachineState *spapr, PowerPCCPU *cpu);

/* The L2 translations of @cs, all of them.  On @cs's thread. */
void spapr_nested_tlb_flush(CPUState *cs);

/*
 * A guest deleted, a partition table set, a reset: no L2 translation a
 * vCPU holds is used again; each vCPU flushes them at its next entry.
 */
void spapr_nested_tlb_forget(SpaprMachineState *spapr);

#endif /* HW_SPAPR_NESTED_TLB_H */
