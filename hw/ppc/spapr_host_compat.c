/*
 * The compatibility modes of the KVM host, for a pseries machine
 *
 * On a host that itself runs in a compat mode (a PowerVM LPAR, the L1 of
 * a nested setup), KVM can only give a guest that mode or an older one.
 * The machine keeps what the user asked for (max-cpu-compat) apart from
 * what is in force, and shows both, with where the host's limit came
 * from; host-compat-limit=off is the way out where the host's modes are
 * misdetected.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "system/kvm.h"
#include "hw/ppc/spapr_host_compat.h"
#include "kvm-compat.h"

bool spapr_host_compat_init(SpaprMachineState *spapr, Error **errp)
{
    uint32_t host_max = 0;

    if (kvm_enabled() &&
        !kvmppc_host_compat_max(spapr->user_max_compat_pvr,
                                !spapr->host_compat_unlimited, &host_max,
                                errp)) {
        return false;
    }
    spapr->host_max_compat_pvr = host_max;
    spapr->max_compat_pvr = spapr->user_max_compat_pvr ?: host_max;
    return true;
}

static bool spapr_get_host_compat_limit(Object *obj, Error **errp)
{
    return !SPAPR_MACHINE(obj)->host_compat_unlimited;
}

static void spapr_set_host_compat_limit(Object *obj, bool value, Error **errp)
{
    SPAPR_MACHINE(obj)->host_compat_unlimited = !value;
}

/* The name of a logical PVR, "" for none (raw mode) */
static char *compat_name(uint32_t pvr)
{
    const char *name = ppc_compat_name(pvr);

    return g_strdup(name ? name : "");
}

static char *spapr_get_effective_max_compat(Object *obj, Error **errp)
{
    return compat_name(SPAPR_MACHINE(obj)->max_compat_pvr);
}

static char *spapr_get_host_compat_source(Object *obj, Error **errp)
{
    SpaprMachineState *spapr = SPAPR_MACHINE(obj);

    if (spapr->user_max_compat_pvr) {
        return g_strdup("max-cpu-compat");
    }
    if (spapr->host_max_compat_pvr) {
        return g_strdup(kvmppc_host_compat_source());
    }
    return g_strdup("none");
}

void spapr_host_compat_add_properties(Object *obj)
{
    object_property_add_bool(obj, "host-compat-limit",
                             spapr_get_host_compat_limit,
                             spapr_set_host_compat_limit);
    object_property_set_description(obj, "host-compat-limit",
                                    "With KVM, keep the guest within the "
                                    "compatibility modes of the host "
                                    "(default on)");
    object_property_add_str(obj, "effective-max-cpu-compat",
                            spapr_get_effective_max_compat, NULL);
    object_property_set_description(obj, "effective-max-cpu-compat",
                                    "The maximum CPU compatibility mode in "
                                    "force, \"\" for none (read-only)");
    object_property_add_str(obj, "host-compat-source",
                            spapr_get_host_compat_source, NULL);
    object_property_set_description(obj, "host-compat-source",
                                    "Where effective-max-cpu-compat comes "
                                    "from: max-cpu-compat, "
                                    "KVM_PPC_GET_COMPAT_CAPS, device tree "
                                    "or none (read-only)");
}
