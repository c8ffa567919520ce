/*
 * The processor compatibility modes of the PAPR nested API's L0 (TCG)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_SPAPR_NESTED_COMPAT_H
#define HW_SPAPR_NESTED_COMPAT_H

#include "migration/vmstate.h"
#include "target/ppc/cpu-qom.h"

typedef struct SpaprMachineState SpaprMachineState;

/*
 * Whether the L0 checks the L1 as PowerVM does ("nested-papr-strict"):
 * by default for the fork's machine types only, pseries-fork-*.
 */
bool spapr_nested_papr_strict(SpaprMachineState *spapr);

/* The hcall answer to an invalid guest state buffer or element */
target_ulong spapr_nested_gsb_error(SpaprMachineState *spapr,
                                    target_ulong strict_rc);

/* H_GUEST_GET_CAPABILITIES and H_GUEST_SET_CAPABILITIES */
target_ulong spapr_nested_h_guest_get_capabilities(PowerPCCPU *cpu,
                                                   SpaprMachineState *spapr,
                                                   target_ulong opcode,
                                                   target_ulong *args);
target_ulong spapr_nested_h_guest_set_capabilities(PowerPCCPU *cpu,
                                                   SpaprMachineState *spapr,
                                                   target_ulong opcode,
                                                   target_ulong *args);

/* Whether the L1 may give its guests logical PVR @lpvr */
bool spapr_nested_compat_lpvr_ok(SpaprMachineState *spapr, uint32_t lpvr);

/* The logical PVR a guest gets when the L1 sets @lpvr (0: its own mode) */
uint32_t spapr_nested_compat_lpvr(SpaprMachineState *spapr, uint32_t lpvr);

/* The logical PVR of a guest that H_GUEST_CREATE makes */
uint32_t spapr_nested_compat_new_guest_lpvr(SpaprMachineState *spapr);

/* Whether H_GUEST_RUN_VCPU may run a guest at logical PVR @lpvr */
bool spapr_nested_compat_lpvr_runnable(SpaprMachineState *spapr,
                                       uint32_t lpvr);

/* The machine property "nested-papr-strict" */
void spapr_nested_compat_class_init(ObjectClass *oc);

extern const VMStateDescription vmstate_spapr_nested_compat;

#endif /* HW_SPAPR_NESTED_COMPAT_H */
