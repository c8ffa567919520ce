/*
 * The compatibility modes a KVM host can run its guests in
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef TARGET_PPC_HOST_COMPAT_H
#define TARGET_PPC_HOST_COMPAT_H

/*
 * A set of compat modes, as KVM_PPC_GET_COMPAT_CAPS and PAPR's
 * H_GUEST_GET_CAPABILITIES number them: IBM bit numbering, bit 0 being
 * the most significant.  (kvm-compat.c and spapr_nested_compat.c check
 * that KVM's and PAPR's bits are these.)
 */
#define HOST_COMPAT_POWER9  (1ULL << (63 - 1))
#define HOST_COMPAT_POWER10 (1ULL << (63 - 2))
#define HOST_COMPAT_POWER11 (1ULL << (63 - 3))
#define HOST_COMPAT_ALL (HOST_COMPAT_POWER9 | HOST_COMPAT_POWER10 | \
                         HOST_COMPAT_POWER11)

/*
 * The modes a host may report, oldest first: the one table of them, for
 * KVM's answer, the host's device tree, and the PAPR nested API's L0.
 */
typedef struct HostCompatMode {
    uint64_t bit;
    uint32_t pvr;               /* logical PVR */
    const char *name;           /* as -machine max-cpu-compat names it */
} HostCompatMode;

#define HOST_COMPAT_N_MODES 3
extern const HostCompatMode host_compat_modes[HOST_COMPAT_N_MODES];

/* Where the host's modes were learnt. */
typedef enum HostCompatSource {
    HOST_COMPAT_SOURCE_NONE,        /* unknown: raw mode assumed */
    HOST_COMPAT_SOURCE_IOCTL,       /* KVM_PPC_GET_COMPAT_CAPS */
    HOST_COMPAT_SOURCE_DT,          /* cpu-version in the device tree */
} HostCompatSource;

const char *host_compat_source_name(HostCompatSource source);

/* The known modes of KVM's answer; 0 if none (unknown). */
uint64_t host_compat_from_caps(uint64_t compat_capabilities);

/* The size of struct kvm_ppc_compat_caps that QEMU asks with */
#define HOST_COMPAT_KVM_CAPS_SIZE 24

/*
 * What KVM answered: KVM_CHECK_EXTENSION(KVM_CAP_PPC_COMPAT_CAPS), and,
 * where that is positive, KVM_PPC_GET_COMPAT_CAPS's result (0 or -errno)
 * and the size and compat_capabilities it left in the structure.
 */
typedef struct HostCompatKvmAnswer {
    int cap;
    int ret;
    uint64_t size;
    uint64_t compat_capabilities;
} HostCompatKvmAnswer;

/*
 * The modes of KVM's @answer; 0 if it cannot say (no capability, any
 * error, a short structure, no mode QEMU knows), and then the device tree
 * is asked.  *@kvm tells what KVM said, for the trace; g_free() it.
 */
uint64_t host_compat_from_kvm(const HostCompatKvmAnswer *answer, char **kvm);

/*
 * The modes implied by a CPU node's cpu-version property (@len bytes,
 * big endian): a logical PVR means that mode and the older ones; a raw
 * PVR, or anything else, tells nothing (0).
 */
uint64_t host_compat_from_cpu_version(const void *prop, size_t len);

/*
 * The modes of the CPUs under @cpus_dir (a device tree as a directory,
 * like /proc/device-tree/cpus): those that every CPU node can run; 0 if
 * no CPU node tells.
 */
uint64_t host_compat_from_dt(const char *cpus_dir);

/*
 * The host's modes: @kvm_modes (host_compat_from_kvm()) if there are any,
 * else those of the first of the @n_dirs @dt_cpus_dirs that exists;
 * 0 if neither tells.  @source says where they came from.
 */
uint64_t host_compat_detect(uint64_t kvm_modes,
                            const char *const *dt_cpus_dirs, size_t n_dirs,
                            HostCompatSource *source);

/*
 * The modes that limit a guest on a host that runs @modes: none under
 * KVM PR (@kvm_pr), which cannot set a compat mode at all, and none when
 * the user turned the limit off (@limit false).
 */
uint64_t host_compat_limiting_modes(uint64_t modes, bool kvm_pr, bool limit);

/* The logical PVR of the newest mode of @modes; 0 if empty. */
uint32_t host_compat_max_pvr(uint64_t modes);

/* "power9, power10"; free with g_free(). */
char *host_compat_names(uint64_t modes);

/*
 * The max-cpu-compat a guest gets on a host that runs @modes, given the
 * user's @requested one (0: none).  Fails when @requested is newer than
 * the host can run.
 */
bool host_compat_max_for_guest(uint64_t modes, uint32_t requested,
                               uint32_t *max_compat, Error **errp);

#endif /* TARGET_PPC_HOST_COMPAT_H */
