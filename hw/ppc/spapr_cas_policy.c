/*
 * What CAS does when the accelerator does not take the compat mode
 *
 * Kept free of machine state so that every case can be unit-tested
 * without KVM.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "hw/ppc/spapr_cas_policy.h"

/*
 * Only an accelerator without any compat mode (KVM PR) may fall back to
 * raw mode, and only where raw mode was negotiable in the first place:
 * the guest lists the raw PVR and no max-cpu-compat is set.  A refusal
 * means that the host cannot run the mode: running raw instead would
 * give the guest a mode nobody asked for and fail much later.
 */
SpaprCasCompatAction spapr_cas_compat_action(SpaprCasCompatSet set,
                                             bool raw_mode_supported,
                                             bool max_compat_set)
{
    switch (set) {
    case SPAPR_CAS_COMPAT_SET_OK:
        return SPAPR_CAS_COMPAT_USE;
    case SPAPR_CAS_COMPAT_SET_UNSUPPORTED:
        return raw_mode_supported && !max_compat_set ?
               SPAPR_CAS_COMPAT_RAW : SPAPR_CAS_COMPAT_FAIL;
    case SPAPR_CAS_COMPAT_SET_REFUSED:
    default:
        return SPAPR_CAS_COMPAT_FAIL;
    }
}

char *spapr_cas_refusal_message(const SpaprCasRefusal *r)
{
    GString *msg = g_string_new("CAS: ");

    g_string_append_printf(msg, "%s refused compatibility mode ", r->accel);
    if (r->mode) {
        g_string_append_printf(msg, "%s (logical PVR 0x%08" PRIx32 ")",
                               r->mode, r->compat_pvr);
    } else {
        g_string_append_printf(msg, "logical PVR 0x%08" PRIx32,
                               r->compat_pvr);
    }
    g_string_append_printf(msg, " for the CPU with PVR 0x%08" PRIx32 ": %s.",
                           r->raw_pvr, r->reason);
    if (r->host_modes) {
        g_string_append_printf(msg, " The host runs only compatibility "
                               "modes %s.", r->host_modes);
    } else {
        g_string_append(msg, " The host may itself run in an older "
                        "compatibility mode, as a PowerVM LPAR or a nested "
                        "KVM guest can.");
    }
    if (r->lower_mode) {
        g_string_append_printf(msg, " Start QEMU with -machine "
                               "max-cpu-compat=%s to offer the guest a mode "
                               "the host can run.", r->lower_mode);
    } else {
        g_string_append(msg, " Start QEMU with a -machine max-cpu-compat "
                        "that the host can run.");
    }
    return g_string_free(msg, false);
}
