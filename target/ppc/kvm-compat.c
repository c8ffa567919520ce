/*
 * The compatibility modes of the KVM host
 *
 * The host CPU class comes from the raw PVR, but a host that itself runs
 * in a compat mode (a PowerVM LPAR, the L1 of a nested setup) can only
 * give its guests that mode and older ones.  Ask KVM which modes those
 * are; with a kernel that cannot say, read the host's device tree; else
 * assume raw mode, as upstream does.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include <sys/ioctl.h>
#include <linux/kvm.h>
#include "qapi/error.h"
#include "qemu/error-report.h"
#include "system/kvm.h"
#include "cpu.h"
#include "kvm_ppc.h"
#include "host-compat.h"
#include "kvm-compat.h"
#include "trace.h"

static uint64_t host_modes;
static HostCompatSource host_source;

QEMU_BUILD_BUG_ON(KVM_PPC_COMPAT_CAP_POWER9 != HOST_COMPAT_POWER9);
QEMU_BUILD_BUG_ON(KVM_PPC_COMPAT_CAP_POWER10 != HOST_COMPAT_POWER10);
QEMU_BUILD_BUG_ON(KVM_PPC_COMPAT_CAP_POWER11 != HOST_COMPAT_POWER11);
QEMU_BUILD_BUG_ON(KVM_PPC_COMPAT_CAPS_SIZE_VER0 != HOST_COMPAT_KVM_CAPS_SIZE);
QEMU_BUILD_BUG_ON(sizeof(struct kvm_ppc_compat_caps) !=
                  HOST_COMPAT_KVM_CAPS_SIZE);

/*
 * Linux 7.3 and later: any failure (no capability, ENOTTY, EINVAL, E2BIG
 * from a kernel that knows another size) means "the kernel cannot say".
 */
static uint64_t kvm_compat_modes(KVMState *s, char **kvm)
{
    struct kvm_ppc_compat_caps caps = { .size = sizeof(caps), .flags = 0 };
    HostCompatKvmAnswer answer = {
        .cap = kvm_vm_check_extension(s, KVM_CAP_PPC_COMPAT_CAPS),
    };

    if (answer.cap > 0) {
        answer.ret = kvm_vm_ioctl(s, KVM_PPC_GET_COMPAT_CAPS, &caps);
        answer.size = caps.size;
        answer.compat_capabilities = caps.compat_capabilities;
    }
    return host_compat_from_kvm(&answer, kvm);
}

/* /proc/device-tree is a link to the second; /proc may be absent. */
static const char *const dt_cpus_dirs[] = {
    "/proc/device-tree/cpus",
    "/sys/firmware/devicetree/base/cpus",
};

void kvmppc_host_compat_detect(KVMState *s)
{
    g_autofree char *kvm = NULL;
    uint64_t kvm_modes = kvm_compat_modes(s, &kvm);

    host_modes = host_compat_detect(kvm_modes, dt_cpus_dirs,
                                    ARRAY_SIZE(dt_cpus_dirs), &host_source);
    trace_kvmppc_host_compat(host_modes, host_compat_source_name(host_source),
                             kvm);
}

bool kvmppc_host_compat_max(uint32_t requested, bool limit,
                            uint32_t *host_max, Error **errp)
{
    g_autofree char *names = NULL;
    bool kvm_pr = kvmppc_is_pr(kvm_state);
    uint64_t modes = host_compat_limiting_modes(host_modes, kvm_pr, limit);
    uint32_t max_compat;

    *host_max = 0;
    if (!host_modes || kvm_pr) {
        return true;
    }
    names = host_compat_names(host_modes);
    if (!modes) {
        info_report("KVM host runs compatibility modes %s (from %s): not "
                    "limiting guests to them (host-compat-limit=off)",
                    names, host_compat_source_name(host_source));
        return true;
    }
    if (!host_compat_max_for_guest(modes, requested, &max_compat, errp)) {
        return false;
    }
    info_report("KVM host runs compatibility modes %s (from %s): "
                "guests get at most %s", names,
                host_compat_source_name(host_source),
                ppc_compat_name(max_compat));
    *host_max = host_compat_max_pvr(modes);
    return true;
}

const char *kvmppc_host_compat_source(void)
{
    return host_compat_source_name(host_source);
}

char *kvmppc_host_compat_names(void)
{
    return host_modes ? host_compat_names(host_modes) : NULL;
}
