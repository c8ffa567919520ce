/*
 * Unit tests of the KVM host compatibility modes: decoding what the
 * kernel and the device tree say, and keeping guests within the modes.
 * Device trees are laid out as real directories in a temporary folder.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include <glib/gstdio.h>
#include "qapi/error.h"
#include "qemu/bswap.h"
#include "target/ppc/host-compat.h"

#define P9 HOST_COMPAT_POWER9
#define P10 HOST_COMPAT_POWER10
#define P11 HOST_COMPAT_POWER11

#define LOGICAL_POWER7P 0x0f100003
#define LOGICAL_POWER8 0x0f000004
#define LOGICAL_POWER9 0x0f000005
#define LOGICAL_POWER10 0x0f000006
#define LOGICAL_POWER11 0x0f000007
#define RAW_POWER11 0x00821200

static void test_caps_bits(void)
{
    /* IBM numbering: bit 1 is Power9, bit 2 Power10, bit 3 Power11. */
    g_assert_cmphex(P9, ==, 0x4000000000000000ULL);
    g_assert_cmphex(P10, ==, 0x2000000000000000ULL);
    g_assert_cmphex(P11, ==, 0x1000000000000000ULL);
    g_assert_cmphex(host_compat_from_caps(0), ==, 0);
    g_assert_cmphex(host_compat_from_caps(0x6000000000000000ULL),
                    ==, P9 | P10);
    /* Bits the fork does not know (bit 0, low bits) are dropped. */
    g_assert_cmphex(host_compat_from_caps(0x8000000000000001ULL | P11),
                    ==, P11);
    g_assert_cmphex(host_compat_from_caps(~0ULL), ==, P9 | P10 | P11);
}

/* What Linux 7.3 answers, and what a kernel may answer otherwise */
typedef struct KvmAnswerCase {
    const char *name;
    HostCompatKvmAnswer answer;
    uint64_t modes;
    const char *kvm;            /* what the trace says */
} KvmAnswerCase;

static const KvmAnswerCase kvm_answer_cases[] = {
    /* An L1 in Power10 mode, as measured with Debian's 7.3 */
    { "power10-mode", { 1, 0, 24, 0x6000000000000000ULL }, P9 | P10,
      "KVM_PPC_GET_COMPAT_CAPS gave 0x6000000000000000" },
    { "raw-power11", { 1, 0, 24, 0x7000000000000000ULL }, P9 | P10 | P11,
      "KVM_PPC_GET_COMPAT_CAPS gave 0x7000000000000000" },
    { "power9-mode", { 1, 0, 24, 0x4000000000000000ULL }, P9,
      "KVM_PPC_GET_COMPAT_CAPS gave 0x4000000000000000" },
    /* Older kernels, and hosts that are not pseries (PowerNV) */
    { "no-capability", { 0, 0, 0, 0 }, 0, "no KVM_CAP_PPC_COMPAT_CAPS" },
    { "capability-error", { -EINVAL, 0, 0, 0 }, 0,
      "no KVM_CAP_PPC_COMPAT_CAPS" },
    { "enotty", { 1, -ENOTTY, 24, 0 }, 0,
      "KVM_PPC_GET_COMPAT_CAPS failed: Inappropriate ioctl for device" },
    { "einval", { 1, -EINVAL, 24, 0 }, 0,
      "KVM_PPC_GET_COMPAT_CAPS failed: Invalid argument" },
    /* A kernel whose structure is larger, and that says its size */
    { "e2big", { 1, -E2BIG, 32, 0 }, 0,
      "KVM_PPC_GET_COMPAT_CAPS failed: Argument list too long" },
    { "short", { 1, 0, 16, 0x6000000000000000ULL }, 0,
      "KVM_PPC_GET_COMPAT_CAPS answered with 16 bytes, fewer than 24" },
    { "zero-caps", { 1, 0, 24, 0 }, 0,
      "KVM_PPC_GET_COMPAT_CAPS gave 0x0000000000000000, "
      "no mode QEMU knows" },
    /* Bits QEMU does not know: a newer processor, reserved ones */
    { "unknown-bits", { 1, 0, 24, 0x6800000000000001ULL }, P9 | P10,
      "KVM_PPC_GET_COMPAT_CAPS gave 0x6800000000000001" },
    { "only-unknown-bits", { 1, 0, 24, 0x8800000000000000ULL }, 0,
      "KVM_PPC_GET_COMPAT_CAPS gave 0x8800000000000000, "
      "no mode QEMU knows" },
};

static void test_kvm_answer(const void *data)
{
    const KvmAnswerCase *c = data;
    g_autofree char *kvm = NULL;

    g_assert_cmphex(host_compat_from_kvm(&c->answer, &kvm), ==, c->modes);
    g_assert_cmpstr(kvm, ==, c->kvm);
}

static uint64_t modes_of_version(uint32_t pvr)
{
    uint8_t prop[4];

    stl_be_p(prop, pvr);
    return host_compat_from_cpu_version(prop, sizeof(prop));
}

static void test_cpu_version(void)
{
    const uint8_t short_prop[3] = { 0x0f, 0x00, 0x00 };
    const uint8_t long_prop[8] = { 0x0f, 0, 0, 0x06, 0, 0, 0, 0 };

    g_assert_cmphex(modes_of_version(LOGICAL_POWER9), ==, P9);
    g_assert_cmphex(modes_of_version(LOGICAL_POWER10), ==, P9 | P10);
    g_assert_cmphex(modes_of_version(LOGICAL_POWER11), ==, P9 | P10 | P11);
    /* Raw mode, modes older than the table and garbage tell nothing. */
    g_assert_cmphex(modes_of_version(RAW_POWER11), ==, 0);
    g_assert_cmphex(modes_of_version(LOGICAL_POWER8), ==, 0);
    g_assert_cmphex(modes_of_version(0xdeadbeef), ==, 0);
    g_assert_cmphex(host_compat_from_cpu_version(short_prop,
                                                 sizeof(short_prop)), ==, 0);
    g_assert_cmphex(host_compat_from_cpu_version(long_prop,
                                                 sizeof(long_prop)), ==, 0);
    g_assert_cmphex(host_compat_from_cpu_version(NULL, 0), ==, 0);
}

/* A device tree on disk: cpus/<node>/{device_type,cpu-version}. */
typedef struct FakeDt {
    char *root;
    char *cpus;
} FakeDt;

static void fake_dt_init(FakeDt *dt)
{
    dt->root = g_dir_make_tmp("host-compat-XXXXXX", NULL);
    g_assert_nonnull(dt->root);
    dt->cpus = g_build_filename(dt->root, "cpus", NULL);
    g_assert_cmpint(g_mkdir(dt->cpus, 0755), ==, 0);
}

static void fake_dt_file(FakeDt *dt, const char *node, const char *name,
                         const void *data, size_t len)
{
    g_autofree char *dir = g_build_filename(dt->cpus, node, NULL);
    g_autofree char *path = g_build_filename(dir, name, NULL);

    g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
    g_assert_true(g_file_set_contents(path, data, len, NULL));
}

/* @pvr 0: the node has no cpu-version. */
static void fake_dt_cpu(FakeDt *dt, const char *node, uint32_t pvr)
{
    uint8_t prop[4];

    fake_dt_file(dt, node, "device_type", "cpu", sizeof("cpu"));
    if (pvr) {
        stl_be_p(prop, pvr);
        fake_dt_file(dt, node, "cpu-version", prop, sizeof(prop));
    }
}

static void fake_dt_cleanup(FakeDt *dt)
{
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dt->root);

    g_assert_cmpint(system(cmd), ==, 0);
    g_free(dt->cpus);
    g_free(dt->root);
}

static void test_dt_power10_mode(void)
{
    FakeDt dt;

    fake_dt_init(&dt);
    fake_dt_cpu(&dt, "PowerPC,POWER11@0", LOGICAL_POWER10);
    fake_dt_cpu(&dt, "PowerPC,POWER11@8", LOGICAL_POWER10);
    /* Not a CPU: ignored whatever it holds. */
    fake_dt_file(&dt, "l2-cache@2000", "device_type", "cache",
                 sizeof("cache"));
    fake_dt_file(&dt, "l2-cache@2000", "cpu-version", "\xde\xad\xbe\xef", 4);
    g_assert_cmphex(host_compat_from_dt(dt.cpus), ==, P9 | P10);
    fake_dt_cleanup(&dt);
}

static void test_dt_mixed_modes(void)
{
    FakeDt dt;

    fake_dt_init(&dt);
    fake_dt_cpu(&dt, "PowerPC,POWER11@0", LOGICAL_POWER11);
    fake_dt_cpu(&dt, "PowerPC,POWER11@8", LOGICAL_POWER10);
    /* Only what every CPU can run. */
    g_assert_cmphex(host_compat_from_dt(dt.cpus), ==, P9 | P10);
    fake_dt_cleanup(&dt);
}

static void test_dt_raw_mode(void)
{
    FakeDt dt;

    fake_dt_init(&dt);
    fake_dt_cpu(&dt, "PowerPC,POWER11@0", RAW_POWER11);
    g_assert_cmphex(host_compat_from_dt(dt.cpus), ==, 0);
    fake_dt_cleanup(&dt);
}

static void test_dt_unreadable(void)
{
    const char garbage[] = "not a pvr";
    FakeDt dt;

    /* No cpus folder at all. */
    fake_dt_init(&dt);
    g_assert_cmphex(host_compat_from_dt(dt.root), ==, 0);
    g_assert_cmpint(g_rmdir(dt.cpus), ==, 0);
    g_assert_cmphex(host_compat_from_dt(dt.cpus), ==, 0);
    fake_dt_cleanup(&dt);

    /* CPU nodes without cpu-version, or with garbage in it. */
    fake_dt_init(&dt);
    fake_dt_cpu(&dt, "PowerPC,POWER11@0", 0);
    g_assert_cmphex(host_compat_from_dt(dt.cpus), ==, 0);
    fake_dt_file(&dt, "PowerPC,POWER11@0", "cpu-version", garbage,
                 sizeof(garbage));
    g_assert_cmphex(host_compat_from_dt(dt.cpus), ==, 0);
    /* Truncated, empty, or four bytes that are no PVR */
    fake_dt_file(&dt, "PowerPC,POWER11@0", "cpu-version", "\x0f\x00\x00", 3);
    g_assert_cmphex(host_compat_from_dt(dt.cpus), ==, 0);
    fake_dt_file(&dt, "PowerPC,POWER11@0", "cpu-version", "", 0);
    g_assert_cmphex(host_compat_from_dt(dt.cpus), ==, 0);
    fake_dt_file(&dt, "PowerPC,POWER11@0", "cpu-version", "\xde\xad\xbe\xef",
                 4);
    g_assert_cmphex(host_compat_from_dt(dt.cpus), ==, 0);
    fake_dt_cleanup(&dt);

    /* One CPU that cannot be read makes the whole tree tell nothing. */
    fake_dt_init(&dt);
    fake_dt_cpu(&dt, "PowerPC,POWER11@0", LOGICAL_POWER10);
    fake_dt_file(&dt, "PowerPC,POWER11@8", "device_type", "cpu", sizeof("cpu"));
    fake_dt_file(&dt, "PowerPC,POWER11@8", "cpu-version", "\x0f\x00", 2);
    g_assert_cmphex(host_compat_from_dt(dt.cpus), ==, 0);
    fake_dt_cleanup(&dt);
}

/*
 * The order of the sources: KVM's answer, then the first device tree
 * folder that exists (/proc/device-tree, else /sys's), then nothing.
 */
static void test_detect_order(void)
{
    HostCompatSource source = (HostCompatSource)-1;
    g_autofree char *missing = NULL;
    const char *dirs[2];
    FakeDt proc, sys;

    fake_dt_init(&proc);
    fake_dt_cpu(&proc, "PowerPC,POWER11@0", LOGICAL_POWER10);
    fake_dt_init(&sys);
    fake_dt_cpu(&sys, "PowerPC,POWER11@0", LOGICAL_POWER9);
    missing = g_build_filename(proc.root, "no-such-folder", NULL);

    /* KVM knows: the device tree is not read. */
    dirs[0] = proc.cpus;
    dirs[1] = sys.cpus;
    g_assert_cmphex(host_compat_detect(P9 | P10 | P11, dirs, 2, &source),
                    ==, P9 | P10 | P11);
    g_assert_cmpint(source, ==, HOST_COMPAT_SOURCE_IOCTL);

    /* An answer of no known mode is no answer. */
    g_assert_cmphex(host_compat_detect(0x8000000000000000ULL, dirs, 2,
                                       &source), ==, P9 | P10);
    g_assert_cmpint(source, ==, HOST_COMPAT_SOURCE_DT);
    g_assert_cmphex(host_compat_detect(0, dirs, 2, &source), ==, P9 | P10);
    g_assert_cmpint(source, ==, HOST_COMPAT_SOURCE_DT);

    /* No /proc: the second folder. */
    dirs[0] = missing;
    g_assert_cmphex(host_compat_detect(0, dirs, 2, &source), ==, P9);
    g_assert_cmpint(source, ==, HOST_COMPAT_SOURCE_DT);

    /* A first folder in raw mode is not overruled by a second one. */
    fake_dt_cpu(&proc, "PowerPC,POWER11@0", RAW_POWER11);
    dirs[0] = proc.cpus;
    g_assert_cmphex(host_compat_detect(0, dirs, 2, &source), ==, 0);
    g_assert_cmpint(source, ==, HOST_COMPAT_SOURCE_NONE);

    /* Neither folder: raw mode assumed, as upstream. */
    dirs[0] = missing;
    dirs[1] = missing;
    g_assert_cmphex(host_compat_detect(0, dirs, 2, &source), ==, 0);
    g_assert_cmpint(source, ==, HOST_COMPAT_SOURCE_NONE);
    g_assert_cmphex(host_compat_detect(0, NULL, 0, &source), ==, 0);
    g_assert_cmpint(source, ==, HOST_COMPAT_SOURCE_NONE);

    fake_dt_cleanup(&proc);
    fake_dt_cleanup(&sys);
}

static void test_names_and_max(void)
{
    g_autofree char *none = host_compat_names(0);
    g_autofree char *two = host_compat_names(P9 | P10);
    g_autofree char *all = host_compat_names(P9 | P10 | P11);

    g_assert_cmpstr(none, ==, "");
    g_assert_cmpstr(two, ==, "power9, power10");
    g_assert_cmpstr(all, ==, "power9, power10, power11");
    g_assert_cmphex(host_compat_max_pvr(0), ==, 0);
    g_assert_cmphex(host_compat_max_pvr(P9), ==, LOGICAL_POWER9);
    g_assert_cmphex(host_compat_max_pvr(P9 | P10), ==, LOGICAL_POWER10);
    g_assert_cmphex(host_compat_max_pvr(P11), ==, LOGICAL_POWER11);
    g_assert_cmpstr(host_compat_source_name(HOST_COMPAT_SOURCE_IOCTL), ==,
                    "KVM_PPC_GET_COMPAT_CAPS");
    g_assert_cmpstr(host_compat_source_name(HOST_COMPAT_SOURCE_DT), ==,
                    "device tree");
    g_assert_cmpstr(host_compat_source_name(HOST_COMPAT_SOURCE_NONE), ==,
                    "none");
}

typedef struct GuestCase {
    const char *name;
    uint64_t host;
    uint32_t requested;
    bool ok;
    uint32_t max_compat;
} GuestCase;

static const GuestCase guest_cases[] = {
    /* A host in raw mode (or unknown): exactly as upstream. */
    { "raw/none", 0, 0, true, 0 },
    { "raw/power9", 0, LOGICAL_POWER9, true, LOGICAL_POWER9 },
    { "raw/power11", 0, LOGICAL_POWER11, true, LOGICAL_POWER11 },
    /* A host in Power10 mode. */
    { "power10/none", P9 | P10, 0, true, LOGICAL_POWER10 },
    { "power10/power8", P9 | P10, LOGICAL_POWER8, true, LOGICAL_POWER8 },
    /* Older than any host mode, with a larger logical PVR */
    { "power10/power7+", P9 | P10, LOGICAL_POWER7P, true, LOGICAL_POWER7P },
    { "power9/power7+", P9, LOGICAL_POWER7P, true, LOGICAL_POWER7P },
    { "power10/power9", P9 | P10, LOGICAL_POWER9, true, LOGICAL_POWER9 },
    { "power10/power10", P9 | P10, LOGICAL_POWER10, true, LOGICAL_POWER10 },
    { "power10/power11", P9 | P10, LOGICAL_POWER11, false },
    /* A host in Power9 mode. */
    { "power9/none", P9, 0, true, LOGICAL_POWER9 },
    { "power9/power10", P9, LOGICAL_POWER10, false },
    { "power9/power11", P9, LOGICAL_POWER11, false },
    /* A host that runs all of them. */
    { "power11/none", P9 | P10 | P11, 0, true, LOGICAL_POWER11 },
    { "power11/power10", P9 | P10 | P11, LOGICAL_POWER10, true,
      LOGICAL_POWER10 },
    { "power11/power11", P9 | P10 | P11, LOGICAL_POWER11, true,
      LOGICAL_POWER11 },
};

static void test_guest(const void *data)
{
    const GuestCase *c = data;
    Error *err = NULL;
    uint32_t max_compat = 0xffffffff;
    bool ok = host_compat_max_for_guest(c->host, c->requested, &max_compat,
                                        &err);

    g_assert_cmpint(ok, ==, c->ok);
    if (ok) {
        g_assert_null(err);
        g_assert_cmphex(max_compat, ==, c->max_compat);
    } else {
        g_assert_nonnull(err);
        g_assert_nonnull(strstr(error_get_pretty(err),
                                "is newer than what this host can run"));
        g_assert_nonnull(strstr(error_get_pretty(err),
                                c->host == P9 ? "modes power9" :
                                "modes power9, power10"));
        error_free(err);
    }
}

/*
 * KVM PR cannot set a compat mode at all: a host limit would only stop
 * the guest (and make CAS take it for a user's max-cpu-compat, which
 * forbids the raw mode that KVM PR falls back to).  So neither it nor a
 * user's host-compat-limit=off limits anything, and the guest's
 * max-cpu-compat stays the user's.
 */
static void test_limiting_modes(void)
{
    uint32_t max_compat = 0xffffffff;

    g_assert_cmphex(host_compat_limiting_modes(P9 | P10, false, true),
                    ==, P9 | P10);
    g_assert_cmphex(host_compat_limiting_modes(P9 | P10, true, true), ==, 0);
    g_assert_cmphex(host_compat_limiting_modes(P9 | P10, false, false),
                    ==, 0);
    g_assert_cmphex(host_compat_limiting_modes(0, false, true), ==, 0);

    g_assert_true(host_compat_max_for_guest(
        host_compat_limiting_modes(P9 | P10, true, true), 0, &max_compat,
        &error_abort));
    g_assert_cmphex(max_compat, ==, 0);
    g_assert_true(host_compat_max_for_guest(
        host_compat_limiting_modes(P9 | P10, true, true), LOGICAL_POWER11,
        &max_compat, &error_abort));
    g_assert_cmphex(max_compat, ==, LOGICAL_POWER11);
}

static void test_guest_message(void)
{
    Error *err = NULL;
    uint32_t max_compat;

    g_assert_false(host_compat_max_for_guest(P9 | P10, LOGICAL_POWER11,
                                             &max_compat, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "max-cpu-compat=power11 is newer than what this host "
                    "can run: it runs only compatibility modes power9, "
                    "power10");
    error_free(err);
}

int main(int argc, char **argv)
{
    int i;

    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/ppc/host-compat/caps-bits", test_caps_bits);
    for (i = 0; i < ARRAY_SIZE(kvm_answer_cases); i++) {
        g_autofree char *path = g_strdup_printf("/ppc/host-compat/kvm/%s",
                                                kvm_answer_cases[i].name);
        g_test_add_data_func(path, &kvm_answer_cases[i], test_kvm_answer);
    }
    g_test_add_func("/ppc/host-compat/cpu-version", test_cpu_version);
    g_test_add_func("/ppc/host-compat/dt/power10-mode", test_dt_power10_mode);
    g_test_add_func("/ppc/host-compat/dt/mixed-modes", test_dt_mixed_modes);
    g_test_add_func("/ppc/host-compat/dt/raw-mode", test_dt_raw_mode);
    g_test_add_func("/ppc/host-compat/dt/unreadable", test_dt_unreadable);
    g_test_add_func("/ppc/host-compat/detect-order", test_detect_order);
    g_test_add_func("/ppc/host-compat/names-and-max", test_names_and_max);
    for (i = 0; i < ARRAY_SIZE(guest_cases); i++) {
        g_autofree char *path = g_strdup_printf(
            "/ppc/host-compat/guest/%s", guest_cases[i].name);

        g_test_add_data_func(path, &guest_cases[i], test_guest);
    }
    g_test_add_func("/ppc/host-compat/guest/message", test_guest_message);
    g_test_add_func("/ppc/host-compat/limiting-modes", test_limiting_modes);
    return g_test_run();
}
