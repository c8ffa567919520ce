/*
 * Unit tests of what CAS does when the accelerator does not take the
 * compat mode.  The refusal itself needs KVM HV to happen for real; these
 * tests cover every outcome of setting the mode without it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "hw/ppc/spapr_cas_policy.h"

typedef struct ActionCase {
    SpaprCasCompatSet set;
    bool raw_mode_supported;
    bool max_compat_set;
    SpaprCasCompatAction action;
} ActionCase;

static const ActionCase action_cases[] = {
    /* The accelerator took the mode: whatever else, use it. */
    { SPAPR_CAS_COMPAT_SET_OK, false, false, SPAPR_CAS_COMPAT_USE },
    { SPAPR_CAS_COMPAT_SET_OK, false, true, SPAPR_CAS_COMPAT_USE },
    { SPAPR_CAS_COMPAT_SET_OK, true, false, SPAPR_CAS_COMPAT_USE },
    { SPAPR_CAS_COMPAT_SET_OK, true, true, SPAPR_CAS_COMPAT_USE },
    /* No compat modes at all (KVM PR): raw mode if it is negotiable. */
    { SPAPR_CAS_COMPAT_SET_UNSUPPORTED, false, false, SPAPR_CAS_COMPAT_FAIL },
    { SPAPR_CAS_COMPAT_SET_UNSUPPORTED, false, true, SPAPR_CAS_COMPAT_FAIL },
    { SPAPR_CAS_COMPAT_SET_UNSUPPORTED, true, false, SPAPR_CAS_COMPAT_RAW },
    { SPAPR_CAS_COMPAT_SET_UNSUPPORTED, true, true, SPAPR_CAS_COMPAT_FAIL },
    /* This mode refused (KVM HV): never a silent raw mode. */
    { SPAPR_CAS_COMPAT_SET_REFUSED, false, false, SPAPR_CAS_COMPAT_FAIL },
    { SPAPR_CAS_COMPAT_SET_REFUSED, false, true, SPAPR_CAS_COMPAT_FAIL },
    { SPAPR_CAS_COMPAT_SET_REFUSED, true, false, SPAPR_CAS_COMPAT_FAIL },
    { SPAPR_CAS_COMPAT_SET_REFUSED, true, true, SPAPR_CAS_COMPAT_FAIL },
};

static void test_action(const void *data)
{
    const ActionCase *c = data;

    g_assert_cmpint(spapr_cas_compat_action(c->set, c->raw_mode_supported,
                                            c->max_compat_set),
                    ==, c->action);
}

static void test_refusal_host_modes_unknown(void)
{
    SpaprCasRefusal r = {
        .accel = "KVM", .mode = "power11", .compat_pvr = 0x0f000007,
        .raw_pvr = 0x00821200, .reason = "Invalid argument",
        .lower_mode = "power10",
    };
    g_autofree char *msg = spapr_cas_refusal_message(&r);

    g_assert_cmpstr(msg, ==,
        "CAS: KVM refused compatibility mode power11 (logical PVR "
        "0x0f000007) for the CPU with PVR 0x00821200: Invalid argument. "
        "The host may itself run in an older compatibility mode, as a "
        "PowerVM LPAR or a nested KVM guest can. Start QEMU with -machine "
        "max-cpu-compat=power10 to offer the guest a mode the host can run.");
}

static void test_refusal_host_modes_known(void)
{
    SpaprCasRefusal r = {
        .accel = "KVM", .mode = "power10", .compat_pvr = 0x0f000006,
        .raw_pvr = 0x00801200, .reason = "Invalid argument",
        .lower_mode = "power9", .host_modes = "power8, power9",
    };
    g_autofree char *msg = spapr_cas_refusal_message(&r);

    g_assert_nonnull(strstr(msg, "KVM refused compatibility mode power10 "
                            "(logical PVR 0x0f000006)"));
    g_assert_nonnull(strstr(msg, "The host runs only compatibility modes "
                            "power8, power9."));
    g_assert_nonnull(strstr(msg, "-machine max-cpu-compat=power9 "));
    g_assert_null(strstr(msg, "may itself"));
}

static void test_refusal_unnamed_mode(void)
{
    SpaprCasRefusal r = {
        .accel = "KVM", .compat_pvr = 0x0f000009, .raw_pvr = 0x00821200,
        .reason = "Operation not permitted",
    };
    g_autofree char *msg = spapr_cas_refusal_message(&r);

    g_assert_nonnull(strstr(msg, "refused compatibility mode logical PVR "
                            "0x0f000009 for the CPU with PVR 0x00821200: "
                            "Operation not permitted."));
    g_assert_nonnull(strstr(msg, "Start QEMU with a -machine max-cpu-compat "
                            "that the host can run."));
}

int main(int argc, char **argv)
{
    static const char *const set_names[] = { "ok", "unsupported", "refused" };
    int i;

    g_test_init(&argc, &argv, NULL);
    for (i = 0; i < ARRAY_SIZE(action_cases); i++) {
        const ActionCase *c = &action_cases[i];
        g_autofree char *path = g_strdup_printf(
            "/spapr/cas-policy/action/%s/%s/%s", set_names[c->set],
            c->raw_mode_supported ? "raw-listed" : "raw-not-listed",
            c->max_compat_set ? "max-compat" : "no-max-compat");

        g_test_add_data_func(path, c, test_action);
    }
    g_test_add_func("/spapr/cas-policy/refusal/host-modes-unknown",
                    test_refusal_host_modes_unknown);
    g_test_add_func("/spapr/cas-policy/refusal/host-modes-known",
                    test_refusal_host_modes_known);
    g_test_add_func("/spapr/cas-policy/refusal/unnamed-mode",
                    test_refusal_unnamed_mode);
    return g_test_run();
}
