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
 * Keeps @max_compat (a machine's max-cpu-compat, 0 if unset) within the
 * host's modes: an unset one becomes the host's newest mode, a newer one
 * than the host can run is an error.  A host in raw mode changes nothing.
 */
bool kvmppc_host_compat_limit(uint32_t *max_compat, Error **errp);

/* The host's modes ("power9, power10"), or NULL if unknown; g_free() it. */
char *kvmppc_host_compat_names(void);

#else

static inline bool kvmppc_host_compat_limit(uint32_t *max_compat,
                                            Error **errp)
{
    return true;
}

static inline char *kvmppc_host_compat_names(void)
{
    return NULL;
}

#endif /* CONFIG_KVM */

#endif /* TARGET_PPC_KVM_COMPAT_H */
