/*
 * Both nested APIs on one machine: the L1 chooses one by using it
 *
 * QEMU cannot know ahead of time which nested API the L1's kernel uses:
 * Linux 6.12 probes the PAPR API (v2) and falls back to the nested-HV
 * API (v1), Linux 6.1 knows only v1, and a guest may reboot or kexec into
 * either.  With cap-nested-hv and cap-nested-papr both on, the first call
 * that commits the L1 to an API selects it (v1: H_SET_PARTITION_TABLE or
 * H_ENTER_NESTED; v2: H_GUEST_SET_CAPABILITIES or H_GUEST_CREATE; a query
 * such as H_GUEST_GET_CAPABILITIES does not).  The other API's calls then
 * fail as on a hypervisor without it, until the L1 has torn down all its
 * nested state (no v2 guest, or the v1 partition table cleared) or the
 * machine resets.  Each capability alone behaves as upstream: its API is
 * the only one, chosen when the capability is applied.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "hw/core/cpu.h"
#include "hw/ppc/spapr.h"
#include "hw/ppc/spapr_cpu_core.h"
#include "hw/ppc/spapr_nested_select.h"
#include "trace.h"

bool spapr_nested_both_apis(SpaprMachineState *spapr)
{
    return spapr_get_cap(spapr, SPAPR_CAP_NESTED_KVM_HV) &&
           spapr_get_cap(spapr, SPAPR_CAP_NESTED_PAPR);
}

bool spapr_nested_api_refused(SpaprMachineState *spapr, uint8_t api)
{
    return spapr_nested_both_apis(spapr) && spapr->nested.api &&
           spapr->nested.api != api;
}

void spapr_nested_api_commit(SpaprMachineState *spapr, uint8_t api)
{
    if (spapr_nested_both_apis(spapr) && !spapr->nested.api) {
        spapr->nested.api = api;
        trace_spapr_nested_api_select(api);
    }
}

/* State is stored back into the L1's nested guest when the L2 exits. */
static bool nested_l2_running(void)
{
    CPUState *cs;

    CPU_FOREACH(cs) {
        if (spapr_cpu_state(POWERPC_CPU(cs))->in_nested) {
            return true;
        }
    }
    return false;
}

void spapr_nested_api_release(SpaprMachineState *spapr)
{
    bool torn_down;

    if (!spapr_nested_both_apis(spapr) || nested_l2_running()) {
        return;
    }
    switch (spapr->nested.api) {
    case NESTED_API_KVM_HV:
        torn_down = !spapr->nested.ptcr;
        break;
    case NESTED_API_PAPR:
        torn_down = !spapr->nested.guests ||
                    !g_hash_table_size(spapr->nested.guests);
        break;
    default:
        return;
    }
    if (torn_down) {
        trace_spapr_nested_api_release(spapr->nested.api);
        spapr->nested.api = 0;
    }
}

void spapr_nested_api_reset(SpaprMachineState *spapr)
{
    spapr->nested.api = 0;
    spapr->nested.ptcr = 0;
}

/* Sent only while an L1 with both APIs on uses one */
static bool nested_api_needed(void *opaque)
{
    SpaprMachineState *spapr = opaque;

    return spapr_nested_both_apis(spapr) && spapr->nested.api;
}

const VMStateDescription vmstate_spapr_nested_api = {
    .name = "spapr/nested-api",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = nested_api_needed,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8(nested.api, SpaprMachineState),
        VMSTATE_UINT64(nested.ptcr, SpaprMachineState),
        VMSTATE_BOOL(nested.capabilities_set, SpaprMachineState),
        VMSTATE_UINT32(nested.pvr_base, SpaprMachineState),
        VMSTATE_END_OF_LIST()
    },
};
