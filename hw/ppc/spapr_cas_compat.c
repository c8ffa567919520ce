/*
 * Setting the compat mode negotiated at CAS
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/error-report.h"
#include "system/kvm.h"
#include "hw/ppc/spapr_cas_compat.h"
#include "hw/ppc/spapr_cas_policy.h"
#include "kvm_ppc.h"
#include "kvm-compat.h"
#include "target/ppc/cpu.h"
#include "trace.h"

/* KVM PR has no compat modes: setting one fails whatever the mode. */
static bool accel_has_compat_modes(void)
{
    return !(kvm_enabled() && kvmppc_is_pr(kvm_state));
}

static const char *accel_name(void)
{
    return kvm_enabled() ? "KVM" : "the accelerator";
}

/* The newest mode below @compat_pvr that @cpu can run, if any. */
static const char *lower_mode(PowerPCCPU *cpu, uint32_t compat_pvr)
{
    const char *name = ppc_compat_name(compat_pvr - 1);

    return name && ppc_check_compat(cpu, compat_pvr - 1, 0, 0) ? name : NULL;
}

bool spapr_cas_set_compat(PowerPCCPU *cpu, uint32_t cas_pvr,
                          bool raw_mode_supported, uint32_t max_compat)
{
    Error *local_err = NULL;
    SpaprCasCompatSet set = SPAPR_CAS_COMPAT_SET_OK;
    SpaprCasCompatAction action;
    SpaprCasRefusal refusal;
    g_autofree char *msg = NULL;
    g_autofree char *host_modes = NULL;

    if (ppc_set_compat_all(cas_pvr, &local_err) < 0) {
        set = accel_has_compat_modes() ? SPAPR_CAS_COMPAT_SET_REFUSED :
                                         SPAPR_CAS_COMPAT_SET_UNSUPPORTED;
    }
    action = spapr_cas_compat_action(set, raw_mode_supported, max_compat);
    trace_spapr_cas_compat(cas_pvr, set, action);

    switch (action) {
    case SPAPR_CAS_COMPAT_USE:
        return true;
    case SPAPR_CAS_COMPAT_RAW:
        error_free(local_err);
        return true;
    case SPAPR_CAS_COMPAT_FAIL:
    default:
        break;
    }
    if (set != SPAPR_CAS_COMPAT_SET_REFUSED) {
        error_report_err(local_err);
        return false;
    }
    host_modes = kvmppc_host_compat_names();
    refusal = (SpaprCasRefusal) {
        .accel = accel_name(),
        .mode = ppc_compat_name(cas_pvr),
        .compat_pvr = cas_pvr,
        .raw_pvr = cpu->env.spr[SPR_PVR],
        .reason = error_get_pretty(local_err),
        .lower_mode = lower_mode(cpu, cas_pvr),
        .host_modes = host_modes,
    };
    msg = spapr_cas_refusal_message(&refusal);
    error_report("%s", msg);
    error_free(local_err);
    return false;
}
