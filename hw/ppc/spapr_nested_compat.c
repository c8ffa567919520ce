/*
 * The processor compatibility modes of the PAPR nested API's L0 (TCG)
 *
 * PowerVM lets an L1 give its L2 guests only the modes the L1 itself may
 * run in: an L1 running a Power11 processor in Power10 mode cannot start
 * a Power11 L2.  Upstream's L0 offered and accepted modes by the
 * machine's max-cpu-compat and the CPU model, so the failure that such an
 * L1 meets on PowerVM could not be seen here.  With "nested-papr-strict"
 * the L0 offers the modes of the L1's effective compat level, remembers
 * which ones the L1 enabled and refuses other logical PVRs, and answers a
 * malformed request with the error that names its fault.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/error-report.h"
#include "qemu/log.h"
#include "hw/ppc/spapr.h"
#include "hw/ppc/spapr_nested_compat.h"
#include "hw/ppc/spapr_nested_select.h"
#include "target/ppc/host-compat.h"
#include "trace.h"

/* PAPR numbers the modes as KVM does: one table serves both. */
QEMU_BUILD_BUG_ON(H_GUEST_CAPABILITIES_P9_MODE != HOST_COMPAT_POWER9);
QEMU_BUILD_BUG_ON(H_GUEST_CAPABILITIES_P10_MODE != HOST_COMPAT_POWER10);
QEMU_BUILD_BUG_ON(H_GUEST_CAPABILITIES_P11_MODE != HOST_COMPAT_POWER11);

bool spapr_nested_papr_strict(SpaprMachineState *spapr)
{
    SpaprMachineClass *smc = SPAPR_MACHINE_GET_CLASS(spapr);

    switch (spapr->nested.strict) {
    case ON_OFF_AUTO_ON:
        return true;
    case ON_OFF_AUTO_OFF:
        return false;
    default:
        return !smc->nested_papr_lenient;
    }
}

/* Upstream answered every malformed buffer with H_P3. */
target_ulong spapr_nested_gsb_error(SpaprMachineState *spapr,
                                    target_ulong strict_rc)
{
    return spapr_nested_papr_strict(spapr) ? strict_rc : H_P3;
}

/*
 * The modes the L1 may enable.  Strict: those up to the L1's effective
 * compat level, which CAS negotiated (before CAS, max-cpu-compat; in raw
 * mode, the CPU's own generation); otherwise upstream's, up to
 * max-cpu-compat whatever the L1 negotiated.  Only modes the CPU model
 * can run either way.
 */
static uint64_t nested_compat_offered(SpaprMachineState *spapr,
                                      PowerPCCPU *cpu)
{
    uint32_t limit = spapr_nested_papr_strict(spapr) ? cpu->compat_pvr :
                                                       spapr->max_compat_pvr;
    uint64_t caps = 0;
    int i;

    for (i = 0; i < ARRAY_SIZE(host_compat_modes); i++) {
        if (ppc_check_compat(cpu, host_compat_modes[i].pvr, 0, limit)) {
            caps |= host_compat_modes[i].bit;
        }
    }
    return caps;
}

target_ulong spapr_nested_h_guest_get_capabilities(PowerPCCPU *cpu,
                                                   SpaprMachineState *spapr,
                                                   target_ulong opcode,
                                                   target_ulong *args)
{
    CPUPPCState *env = &cpu->env;
    target_ulong flags = args[0];

    if (spapr_nested_api_release_or_refuse(spapr, NESTED_API_PAPR)) {
        return H_FUNCTION;
    }

    if (flags) { /* don't handle any flags capabilities for now */
        return H_PARAMETER;
    }

    env->gpr[4] = nested_compat_offered(spapr, cpu);
    trace_spapr_nested_get_capabilities(cpu->compat_pvr, env->gpr[4]);
    return H_SUCCESS;
}

/* R4 = 1 says that R5 holds the index of the faulty capability bit. */
static target_ulong nested_caps_refused(CPUPPCState *env, int bit)
{
    env->gpr[4] = 1;
    env->gpr[5] = bit;
    return H_P2;
}

target_ulong spapr_nested_h_guest_set_capabilities(PowerPCCPU *cpu,
                                                   SpaprMachineState *spapr,
                                                   target_ulong opcode,
                                                   target_ulong *args)
{
    CPUPPCState *env = &cpu->env;
    target_ulong flags = args[0];
    uint64_t capabilities = args[1];
    uint64_t offered = nested_compat_offered(spapr, cpu);
    bool strict = spapr_nested_papr_strict(spapr);
    bool renegotiate;

    if (spapr_nested_api_release_or_refuse(spapr, NESTED_API_PAPR)) {
        return H_FUNCTION;
    }
    /*
     * An L1 that holds no guest may have rebooted or kexec'd (or loaded
     * kvm-hv again): its choice of the API goes, and it negotiates again.
     */
    spapr_nested_api_release(spapr);
    renegotiate = spapr_nested_both_apis(spapr) && !spapr->nested.api;

    env->gpr[4] = 0;

    if (flags) { /* don't handle any flags capabilities for now */
        return H_PARAMETER;
    }

    if (capabilities & H_GUEST_CAPABILITIES_COPY_MEM) {
        if (strict) {
            return nested_caps_refused(env, H_GUEST_CAP_COPY_MEM_BMAP);
        }
        env->gpr[4] = 1;
        return H_P2; /* isn't supported */
    }

    /* None asked for: R5 names the newest mode offered (0: none). */
    if (!capabilities) {
        env->gpr[4] = 1;
        if (offered) {
            env->gpr[5] = clz64(offered & -offered);
        } else if (strict) {
            env->gpr[5] = 0;
        }
        return H_P2;
    }

    if (capabilities & ~H_GUEST_CAP_VALID_MASK) {
        /* upstream names the last bit set, not the first invalid one */
        return nested_caps_refused(env, strict ?
            clz64(capabilities & ~H_GUEST_CAP_VALID_MASK) :
            63 - ctz64(capabilities));
    }

    if (strict && (capabilities & ~offered)) {
        qemu_log_mask(LOG_GUEST_ERROR, "H_GUEST_SET_CAPABILITIES: 0x%016"
                      PRIx64 " asks for modes beyond the 0x%016" PRIx64
                      " offered\n", capabilities, offered);
        return nested_caps_refused(env, clz64(capabilities & ~offered));
    }

    if (spapr->nested.capabilities_set && !renegotiate) {
        return H_STATE;
    }
    spapr->nested.capabilities_set = true;
    spapr->nested.pvr_base = env->spr[SPR_PVR];
    spapr->nested.enabled_caps = capabilities;
    trace_spapr_nested_set_capabilities(capabilities);
    spapr_nested_api_commit(spapr, NESTED_API_PAPR);
    return H_SUCCESS;
}

/*
 * 0 leaves the L2 in the L1's own mode; a logical PVR must be of a mode
 * the L1 enabled.  Without strict checks any value is taken, as upstream
 * did.
 */
bool spapr_nested_compat_lpvr_ok(SpaprMachineState *spapr, uint32_t lpvr)
{
    int i;

    if (!spapr_nested_papr_strict(spapr) || !lpvr) {
        return true;
    }
    for (i = 0; i < ARRAY_SIZE(host_compat_modes); i++) {
        if (host_compat_modes[i].pvr == lpvr) {
            return spapr->nested.enabled_caps & host_compat_modes[i].bit;
        }
    }
    return false;
}

/*
 * Under strict checks the L2 runs in a mode the L1 enabled, and reads
 * back as such: "the L1's own mode" (0, or a guest the L1 gave no logical
 * PVR yet) is the newest of them, which is the L1's own when it enabled
 * that.  Otherwise upstream's: 0 is kept, a new guest gets @pvr_base.
 */
uint32_t spapr_nested_compat_lpvr(SpaprMachineState *spapr, uint32_t lpvr)
{
    int i;

    if (lpvr || !spapr_nested_papr_strict(spapr)) {
        return lpvr;
    }
    for (i = ARRAY_SIZE(host_compat_modes) - 1; i >= 0; i--) {
        if (spapr->nested.enabled_caps & host_compat_modes[i].bit) {
            return host_compat_modes[i].pvr;
        }
    }
    return 0;
}

uint32_t spapr_nested_compat_new_guest_lpvr(SpaprMachineState *spapr)
{
    return spapr_nested_papr_strict(spapr) ? spapr_nested_compat_lpvr(spapr, 0)
                                           : spapr->nested.pvr_base;
}

bool spapr_nested_compat_lpvr_runnable(SpaprMachineState *spapr,
                                       uint32_t lpvr)
{
    if (!spapr_nested_papr_strict(spapr)) {
        return true;
    }
    if (!lpvr || !spapr_nested_compat_lpvr_ok(spapr, lpvr)) {
        qemu_log_mask(LOG_GUEST_ERROR, "H_GUEST_RUN_VCPU: logical PVR 0x%08x"
                      " is not of a mode the L1 enabled (0x%016" PRIx64 ")\n",
                      lpvr, spapr->nested.enabled_caps);
        return false;
    }
    return true;
}

static bool nested_papr_strict_get(Object *obj, Error **errp)
{
    return spapr_nested_papr_strict(SPAPR_MACHINE(obj));
}

static void nested_papr_strict_set(Object *obj, bool value, Error **errp)
{
    SPAPR_MACHINE(obj)->nested.strict = value ? ON_OFF_AUTO_ON :
                                                ON_OFF_AUTO_OFF;
}

void spapr_nested_compat_class_init(ObjectClass *oc)
{
    object_class_property_add_bool(oc, "nested-papr-strict",
                                   nested_papr_strict_get,
                                   nested_papr_strict_set);
    object_class_property_set_description(oc, "nested-papr-strict",
        "With cap-nested-papr, check the L1 as PowerVM does: offer and "
        "accept only the compatibility modes the L1 runs in, and report "
        "which element of a guest state buffer is wrong (default: on for "
        "the fork's machine types, pseries-fork-*; off for upstream's)");
}

/* Sent only once the L1 has enabled modes, under strict checks */
static bool nested_compat_needed(void *opaque)
{
    SpaprMachineState *spapr = opaque;

    return spapr->nested.capabilities_set && spapr_nested_papr_strict(spapr);
}

static int nested_compat_post_load(void *opaque, int version_id)
{
    SpaprMachineState *spapr = opaque;

    if (spapr->nested.enabled_caps & ~H_GUEST_CAP_VALID_MASK) {
        error_report("spapr/nested-papr-compat: enabled modes 0x%016" PRIx64
                     " that no L1 can have enabled",
                     spapr->nested.enabled_caps);
        return -EINVAL;
    }
    return 0;
}

const VMStateDescription vmstate_spapr_nested_compat = {
    .name = "spapr/nested-papr-compat",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = nested_compat_needed,
    .post_load = nested_compat_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_BOOL(nested.capabilities_set, SpaprMachineState),
        VMSTATE_UINT32(nested.pvr_base, SpaprMachineState),
        VMSTATE_UINT64(nested.enabled_caps, SpaprMachineState),
        VMSTATE_END_OF_LIST()
    },
};
