/*
 * qtest commands of the pseries machine
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_PPC_SPAPR_QTEST_H
#define HW_PPC_SPAPR_QTEST_H

#include "chardev/char-fe.h"

/* QEMU 10.2 renamed a chardev's front end from CharBackend to CharFrontend */
#if QEMU_VERSION_MAJOR > 10 || \
    (QEMU_VERSION_MAJOR == 10 && QEMU_VERSION_MINOR >= 2)
typedef CharFrontend SpaprQtestChardev;
#else
typedef CharBackend SpaprQtestChardev;
#endif

/*
 * Handles "hcall [cpu=N] OPCODE [ARG...]": returns false when @words is
 * not that command, so that other handlers may take it.
 */
bool spapr_qtest_hcall(SpaprQtestChardev *chr, gchar **words);

/*
 * For in-process qtests (the hypercall fuzzer), which cannot include the
 * target's headers: whether vCPU @cpu_index runs an L2, and that L2
 * taking an HV interrupt of @kind (0 to spapr_qtest_l2_exit_kinds() - 1:
 * hypercall, HDEC, HDSI, HISI, HEA, HVI, HFU, doorbell, system reset,
 * machine check) as the CPU delivers it, which returns to its L1.  False
 * when the vCPU runs no L2.
 */
bool spapr_qtest_vcpu_in_nested(uint64_t cpu_index);
unsigned int spapr_qtest_l2_exit_kinds(void);
bool spapr_qtest_l2_exit(uint64_t cpu_index, unsigned int kind);

/*
 * A machine reset of what hypercalls change (vCPUs, VPAs, process table,
 * HPT, what CAS negotiated, the nested APIs' state, L2s running or not)
 * without the devices, whose reset costs a hundred times more: what the
 * hypercall fuzzer does between inputs, in the order a machine reset
 * does it, as qtest does it (all of option vector 5 taken).
 */
void spapr_qtest_quick_reset(void);

#endif /* HW_PPC_SPAPR_QTEST_H */
