/*
 * Migration of an L1 that runs L2 guests
 *
 * While a vCPU runs an L2, the L1's own registers wait in QEMU's memory
 * (nested_host_state), and no migration stream carries them: a
 * destination would resume the L2's registers as the L1's, with the
 * L2's LPID, and assert at its first translation.  Until that state
 * migrates, refuse to migrate then, so that the source runs on and the
 * user can retry, rather than lose the guest.
 *
 * The PAPR API's guests (their registers, partition and process tables,
 * run buffers) live in QEMU from H_GUEST_CREATE to H_GUEST_DELETE, and
 * do not migrate either: migration is blocked, with an error that says
 * why, from the first guest on until the L1 has deleted the last one (or
 * the machine resets).  The nested-HV API's L2s live in the L1's memory,
 * which migrates, but for the L1's partition table register, which is
 * sent with them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/error-report.h"
#include "hw/core/cpu.h"
#include "hw/ppc/spapr.h"
#include "hw/ppc/spapr_cpu_core.h"
#include "hw/ppc/spapr_nested_migration.h"
#include "hw/ppc/spapr_nested_select.h"
#include "migration/blocker.h"

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

/* Set while the L1 has PAPR API guests, one machine per process */
static Error *nested_guests_blocker;

target_ulong spapr_nested_migration_hold(target_ulong *r4)
{
    Error *local_err = NULL;
    int ret;

    if (nested_guests_blocker) {
        return H_SUCCESS;
    }
    error_setg(&nested_guests_blocker, "pseries: the L1 has nested guests "
               "(L2) of the PAPR API (cap-nested-papr), whose state in QEMU "
               "does not migrate; migrate once the L1 has deleted them "
               "(no KVM guest runs in the L1)");
    ret = migrate_add_blocker(&nested_guests_blocker, &local_err);
    if (ret == -EBUSY) {
        /* a migration runs: the L1 retries once it has ended */
        error_free(local_err);
        *r4 = -1;
        return H_LONG_BUSY_ORDER_10_MSEC;
    }
    if (ret < 0) {
        warn_report_err_once(local_err);
        return H_RESOURCE;
    }
    return H_SUCCESS;
}

void spapr_nested_migration_release(SpaprMachineState *spapr)
{
    if (nested_guests_blocker &&
        (!spapr->nested.guests || !g_hash_table_size(spapr->nested.guests))) {
        migrate_del_blocker(&nested_guests_blocker);
    }
}

/* Sent while an L1 that has the nested-HV API alone has a partition table */
static bool nested_hv_ptcr_needed(void *opaque)
{
    SpaprMachineState *spapr = opaque;

    return spapr->nested.ptcr && !spapr_nested_both_apis(spapr);
}

static int nested_hv_ptcr_post_load(void *opaque, int version_id)
{
    SpaprMachineState *spapr = opaque;

    if (!spapr_get_cap(spapr, SPAPR_CAP_NESTED_KVM_HV) ||
        !spapr_nested_ptcr_loadable(spapr->nested.ptcr)) {
        error_report("spapr/nested-hv-ptcr: partition table 0x%" PRIx64
                     " that no L1 can have set here (cap-nested-hv=%s)",
                     spapr->nested.ptcr,
                     spapr_get_cap(spapr, SPAPR_CAP_NESTED_KVM_HV) ?
                     "on" : "off");
        return -EINVAL;
    }
    return 0;
}

const VMStateDescription vmstate_spapr_nested_hv_ptcr = {
    .name = "spapr/nested-hv-ptcr",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = nested_hv_ptcr_needed,
    .post_load = nested_hv_ptcr_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT64(nested.ptcr, SpaprMachineState),
        VMSTATE_END_OF_LIST()
    },
};
