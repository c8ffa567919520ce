/*
 * The compatibility modes a KVM host can run its guests in
 *
 * A host that itself runs in a compat mode (a PowerVM LPAR, or an L1 of
 * a nested setup) has a raw PVR newer than what it can give its guests.
 * These functions decode what the host says of its modes, and keep
 * guests within them; they hold no state, so that every case can be
 * unit-tested without KVM.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/bswap.h"
#include "host-compat.h"

const HostCompatMode host_compat_modes[HOST_COMPAT_N_MODES] = {
    { HOST_COMPAT_POWER9, 0x0f000005, "power9" },
    { HOST_COMPAT_POWER10, 0x0f000006, "power10" },
    { HOST_COMPAT_POWER11, 0x0f000007, "power11" },
};

const char *host_compat_source_name(HostCompatSource source)
{
    switch (source) {
    case HOST_COMPAT_SOURCE_IOCTL:
        return "KVM_PPC_GET_COMPAT_CAPS";
    case HOST_COMPAT_SOURCE_DT:
        return "device tree";
    case HOST_COMPAT_SOURCE_NONE:
    default:
        return "none";
    }
}

uint64_t host_compat_from_caps(uint64_t compat_capabilities)
{
    return compat_capabilities & HOST_COMPAT_ALL;
}

uint64_t host_compat_from_kvm(const HostCompatKvmAnswer *answer, char **kvm)
{
    uint64_t modes;

    if (answer->cap <= 0) {
        *kvm = g_strdup("no KVM_CAP_PPC_COMPAT_CAPS");
        return 0;
    }
    if (answer->ret < 0) {
        *kvm = g_strdup_printf("KVM_PPC_GET_COMPAT_CAPS failed: %s",
                               strerror(-answer->ret));
        return 0;
    }
    if (answer->size < HOST_COMPAT_KVM_CAPS_SIZE) {
        *kvm = g_strdup_printf("KVM_PPC_GET_COMPAT_CAPS answered with %"
                               PRIu64 " bytes, fewer than %d", answer->size,
                               HOST_COMPAT_KVM_CAPS_SIZE);
        return 0;
    }
    modes = host_compat_from_caps(answer->compat_capabilities);
    *kvm = g_strdup_printf("KVM_PPC_GET_COMPAT_CAPS gave 0x%016" PRIx64 "%s",
                           answer->compat_capabilities,
                           modes ? "" : ", no mode QEMU knows");
    return modes;
}

uint64_t host_compat_from_cpu_version(const void *prop, size_t len)
{
    uint64_t modes = 0;
    uint32_t pvr;
    int i;

    if (len != sizeof(pvr)) {
        return 0;
    }
    pvr = ldl_be_p(prop);
    for (i = 0; i < ARRAY_SIZE(host_compat_modes); i++) {
        modes |= host_compat_modes[i].bit;
        if (host_compat_modes[i].pvr == pvr) {
            return modes;
        }
    }
    return 0;
}

static bool is_cpu_node(const char *node)
{
    g_autofree char *path = g_build_filename(node, "device_type", NULL);
    g_autofree char *type = NULL;
    size_t len;

    return g_file_get_contents(path, &type, &len, NULL) &&
           len >= strlen("cpu") && strncmp(type, "cpu", len) == 0;
}

uint64_t host_compat_from_dt(const char *cpus_dir)
{
    g_autoptr(GDir) dir = g_dir_open(cpus_dir, 0, NULL);
    uint64_t modes = HOST_COMPAT_ALL;
    bool told = false;
    const char *entry;

    if (!dir) {
        return 0;
    }
    while ((entry = g_dir_read_name(dir))) {
        g_autofree char *node = g_build_filename(cpus_dir, entry, NULL);
        g_autofree char *path = g_build_filename(node, "cpu-version", NULL);
        g_autofree char *prop = NULL;
        uint64_t cpu_modes;
        size_t len;

        if (!is_cpu_node(node) ||
            !g_file_get_contents(path, &prop, &len, NULL)) {
            continue;
        }
        cpu_modes = host_compat_from_cpu_version(prop, len);
        if (!cpu_modes) {
            /* A CPU in raw mode, or one we cannot read: tells nothing. */
            return 0;
        }
        modes &= cpu_modes;
        told = true;
    }
    return told ? modes : 0;
}

uint64_t host_compat_detect(uint64_t kvm_modes,
                            const char *const *dt_cpus_dirs, size_t n_dirs,
                            HostCompatSource *source)
{
    uint64_t modes = host_compat_from_caps(kvm_modes);
    size_t i;

    if (modes) {
        *source = HOST_COMPAT_SOURCE_IOCTL;
        return modes;
    }
    /*
     * Only the first folder that exists: the others are other names of
     * the same tree (/proc/device-tree links to the one in /sys).
     */
    for (i = 0; i < n_dirs; i++) {
        if (g_file_test(dt_cpus_dirs[i], G_FILE_TEST_IS_DIR)) {
            modes = host_compat_from_dt(dt_cpus_dirs[i]);
            break;
        }
    }
    *source = modes ? HOST_COMPAT_SOURCE_DT : HOST_COMPAT_SOURCE_NONE;
    return modes;
}

uint64_t host_compat_limiting_modes(uint64_t modes, bool kvm_pr, bool limit)
{
    return kvm_pr || !limit ? 0 : modes;
}

uint32_t host_compat_max_pvr(uint64_t modes)
{
    int i;

    for (i = ARRAY_SIZE(host_compat_modes) - 1; i >= 0; i--) {
        if (modes & host_compat_modes[i].bit) {
            return host_compat_modes[i].pvr;
        }
    }
    return 0;
}

char *host_compat_names(uint64_t modes)
{
    GString *names = g_string_new("");
    int i;

    for (i = 0; i < ARRAY_SIZE(host_compat_modes); i++) {
        if (modes & host_compat_modes[i].bit) {
            g_string_append_printf(names, "%s%s", names->len ? ", " : "",
                                   host_compat_modes[i].name);
        }
    }
    return g_string_free(names, false);
}

/*
 * The place of @pvr among the modes a host may report, oldest first; -1
 * for the modes before them (Power8 and older, which no host reports):
 * logical PVRs do not grow with the generation (power7+ is 0x0f100003).
 */
static int mode_index(uint32_t pvr)
{
    int i;

    for (i = 0; i < ARRAY_SIZE(host_compat_modes); i++) {
        if (host_compat_modes[i].pvr == pvr) {
            return i;
        }
    }
    return -1;
}

static const char *mode_name(uint32_t pvr)
{
    int i = mode_index(pvr);

    return i < 0 ? NULL : host_compat_modes[i].name;
}

bool host_compat_max_for_guest(uint64_t modes, uint32_t requested,
                               uint32_t *max_compat, Error **errp)
{
    ERRP_GUARD();
    uint32_t host_max = host_compat_max_pvr(modes);
    g_autofree char *names = NULL;
    const char *name;

    if (!host_max || !requested ||
        mode_index(requested) <= mode_index(host_max)) {
        *max_compat = requested ? requested : host_max;
        return true;
    }
    names = host_compat_names(modes);
    name = mode_name(requested);
    if (name) {
        error_setg(errp, "max-cpu-compat=%s is newer than what this host "
                   "can run: it runs only compatibility modes %s",
                   name, names);
    } else {
        error_setg(errp, "max-cpu-compat (logical PVR 0x%08" PRIx32 ") is "
                   "newer than what this host can run: it runs only "
                   "compatibility modes %s", requested, names);
    }
    error_append_hint(errp, "Use -machine max-cpu-compat=%s or older, or "
                      "leave it out to get the host's newest mode.\n",
                      mode_name(host_max));
    return false;
}
