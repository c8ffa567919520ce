/*
 * Migration of an L1 while its vCPUs run L2 guests
 *
 * While a vCPU runs an L2, the L1's own registers wait in QEMU's memory
 * (nested_host_state), and no migration stream carries them: a
 * destination would resume the L2's registers as the L1's, with the
 * L2's LPID, and assert at its first translation.  Until that state
 * migrates, refuse to migrate then, so that the source runs on and the
 * user can retry, rather than lose the guest.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "hw/core/cpu.h"
#include "hw/ppc/spapr.h"
#include "hw/ppc/spapr_cpu_core.h"
#include "hw/ppc/spapr_nested_migration.h"

bool spapr_nested_l2_running(void)
{
    CPUState *cs;

    CPU_FOREACH(cs) {
        if (spapr_cpu_state(POWERPC_CPU(cs))->in_nested) {
            return true;
        }
    }
    return false;
}

static bool nested_l2_running_needed(void *opaque)
{
    return spapr_nested_l2_running();
}

static int nested_l2_running_pre_save(void *opaque)
{
    error_report("pseries: cannot migrate while a vCPU runs a nested guest "
                 "(L2): its L1 state does not migrate; try again when the "
                 "L1 runs no nested guest");
    return -EBUSY;
}

const VMStateDescription vmstate_spapr_nested_l2_running = {
    .name = "spapr/nested-l2-running",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = nested_l2_running_needed,
    .pre_save = nested_l2_running_pre_save,
    .fields = (const VMStateField[]) {
        VMSTATE_END_OF_LIST()
    },
};
