/*
 * The compatibility modes of the KVM host
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef TARGET_PPC_KVM_COMPAT_H
#define TARGET_PPC_KVM_COMPAT_H

#include "system/kvm.h"

#ifdef CONFIG_KVM

/* Learns, once, which compat modes the host can run its guests in. */
void kvmppc_host_compat_detect(KVMState *s);

/*
 * The limit that the host puts on a guest whose max-cpu-compat is
 * @requested (0 if unset): *@host_max is the host's newest mode, 0 for
 * none (a host in raw mode or of unknown modes, KVM-PR, which sets no
 * compat mode at all, or @limit false).  Fails when @requested is newer
 * than the host can run.  Says what it found, and what it does with it.
 */
bool kvmppc_host_compat_max(uint32_t requested, bool limit,
                            uint32_t *host_max, Error **errp);

/* Where the host's modes were learnt ("device tree"), "none" if nowhere */
const char *kvmppc_host_compat_source(void);

/* The host's modes ("power9, power10"), or NULL if unknown; g_free() it. */
char *kvmppc_host_compat_names(void);

#else

static inline bool kvmppc_host_compat_max(uint32_t requested, bool limit,
                                          uint32_t *host_max, Error **errp)
{
    *host_max = 0;
    return true;
}

static inline const char *kvmppc_host_compat_source(void)
{
    return "none";
}

static inline char *kvmppc_host_compat_names(void)
{
    return NULL;
}

#endif /* CONFIG_KVM */

#endif /* TARGET_PPC_KVM_COMPAT_H */
