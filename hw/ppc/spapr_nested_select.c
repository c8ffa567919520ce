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
 * fail as on a hypervisor without it while the L1 holds nested state of
 * the chosen API (a v2 guest, or a v1 partition table): once it has torn
 * it down, or never built any (a kernel that negotiated capabilities and
 * kexec'd), or the machine resets, the L1 may choose again.  Each
 * capability alone behaves as upstream: its API is the only one, chosen
 * when the capability is applied.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "hw/core/cpu.h"
#include "hw/ppc/spapr.h"
#include "hw/ppc/spapr_cpu_core.h"
#include "hw/ppc/spapr_nested_migration.h"
#include "hw/ppc/spapr_nested_select.h"
#include "mmu-book3s-v3.h"
#include "qemu/error-report.h"
#include "trace.h"

bool spapr_nested_both_apis(SpaprMachineState *spapr)
{
    return spapr_get_cap(spapr, SPAPR_CAP_NESTED_KVM_HV) &&
           spapr_get_cap(spapr, SPAPR_CAP_NESTED_PAPR);
}

bool spapr_nested_api_release_or_refuse(SpaprMachineState *spapr,
                                        uint8_t api)
{
    if (!spapr_nested_both_apis(spapr) || !spapr->nested.api ||
        spapr->nested.api == api) {
        return false;
    }
    spapr_nested_api_release(spapr);
    return spapr->nested.api;
}

void spapr_nested_api_commit(SpaprMachineState *spapr, uint8_t api)
{
    if (spapr_nested_both_apis(spapr) && !spapr->nested.api) {
        spapr->nested.api = api;
        trace_spapr_nested_api_select(api);
    }
}

void spapr_nested_api_release(SpaprMachineState *spapr)
{
    bool torn_down;

    if (!spapr_nested_both_apis(spapr) || spapr_nested_l2_running()) {
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

/* As H_SET_PARTITION_TABLE takes them */
#define PTCR_PRTS_MAX 4

bool spapr_nested_ptcr_loadable(uint64_t ptcr)
{
    return (ptcr & PTCR_PATS) <= PTCR_PRTS_MAX;
}

static int nested_api_post_load(void *opaque, int version_id)
{
    SpaprMachineState *spapr = opaque;

    if (spapr->nested.api > NESTED_API_PAPR ||
        !spapr_nested_ptcr_loadable(spapr->nested.ptcr)) {
        error_report("spapr/nested-api: nested API %u or partition table "
                     "0x%" PRIx64 " that no L1 can have chosen",
                     spapr->nested.api, spapr->nested.ptcr);
        return -EINVAL;
    }
    return 0;
}

const VMStateDescription vmstate_spapr_nested_api = {
    .name = "spapr/nested-api",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = nested_api_needed,
    .post_load = nested_api_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8(nested.api, SpaprMachineState),
        VMSTATE_UINT64(nested.ptcr, SpaprMachineState),
        VMSTATE_BOOL(nested.capabilities_set, SpaprMachineState),
        VMSTATE_UINT32(nested.pvr_base, SpaprMachineState),
        VMSTATE_END_OF_LIST()
    },
};
