/*
 * QTest testcase for the decrementers across an L2's run on the PAPR
 * nested API (v2), with the machine running
 *
 * An L1 sets its DEC, runs its L2 with H_GUEST_RUN_VCPU; the L2 sets its
 * own DEC and cedes (H_CEDE), which exits to the L1.  DEC counts down to
 * its expiry: the L1 finds its DEC where it left it, less the time gone
 * by, and the L2's DEC expiry (element 0x102A), which the L1 reads to
 * know whether its L2 has a timer due, is in the future.  The L0 once
 * stored both expiries in the past (now less DEC): the L1's DEC came back
 * negative after every run, and an L2's timer looked due long before it
 * was.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "spapr-nested-util.h"

#define NESTED_PAPR "-accel tcg -S -M pseries,cap-nested-papr=on -cpu power10"

#define GSID_DEC_EXPIRY_TB 0x102a
#define H_CEDE 0xe0
#define L2_CODE 0x3300000

#define SPR_DEC 22
#define SPR_TB 268

/*
 * What each level puts in its DEC, in timebase ticks (512 MHz): seconds,
 * positive in 32 bits (no large decrementer), and far apart
 */
#define L1_DEC 0x70000000
#define L2_DEC 0x40000000

/* GPRs of the L1 after the run */
#define GPR_TB 8
#define GPR_DEC 9

/*
 * The L1 sets its DEC, runs its L2 once and reads its timebase and DEC;
 * the L2 sets its DEC and cedes.  Returns the L2's id, with the machine
 * stopped in the L1 after the run.
 */
static uint64_t run_l2_once(QTestState *qts)
{
    const uint32_t l2[] = {
        INSN_LIS(3, L2_DEC >> 16), INSN_MTSPR(SPR_DEC, 3),
        INSN_LI(3, H_CEDE), INSN_SC1, INSN_B(0),
    };
    uint64_t guest = spapr_nested_papr_create_real_mode_l2(qts, L2_MSR_REAL,
                                                           L2_CODE);
    const uint32_t l1[] = {
        INSN_LIS(7, L1_DEC >> 16), INSN_MTSPR(SPR_DEC, 7),
        INSN_LI(3, 0), INSN_ORI(3, 3, H_GUEST_RUN_VCPU),
        INSN_LI(4, 0), INSN_LI(5, guest), INSN_LI(6, 0),
        INSN_SC1,
        INSN_MFSPR(GPR_TB, SPR_TB), INSN_MFSPR(GPR_DEC, SPR_DEC),
        INSN_LI(L1_DONE_GPR, L1_DONE), INSN_B(0),
    };

    spapr_nested_write_code(qts, L2_CODE, l2, ARRAY_SIZE(l2));
    spapr_nested_l1_run_l2_to_hcall(qts, l1, ARRAY_SIZE(l1));
    return guest;
}

/* The L1's DEC went on counting down from where it set it */
static void test_l1_dec_kept(void)
{
    QTestState *qts = qtest_init(NESTED_PAPR);
    int32_t dec;

    run_l2_once(qts);
    dec = spapr_nested_vcpu0_gpr(qts, GPR_DEC);
    g_test_message("L1 DEC 0x%x after the run, 0x%x before", dec, L1_DEC);
    g_assert_cmpint(dec, >, 0);
    g_assert_cmpint(dec, <, L1_DEC);
    qtest_quit(qts);
}

/* The L2's DEC expiry is its DEC from the L1's timebase after the exit */
static void test_l2_dec_expiry(void)
{
    QTestState *qts = qtest_init(NESTED_PAPR);
    uint64_t guest = run_l2_once(qts);
    uint64_t tb = spapr_nested_vcpu0_gpr(qts, GPR_TB);
    uint64_t expiry = spapr_nested_get_vcpu_state(qts, guest, 0,
                                                  GSID_DEC_EXPIRY_TB);

    g_test_message("L2 DEC expiry 0x%" PRIx64 ", L1 timebase 0x%" PRIx64,
                   expiry, tb);
    g_assert_cmpuint(expiry, >, tb);
    g_assert_cmpuint(expiry - tb, <, L2_DEC);
    qtest_quit(qts);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("spapr/nested-dec/papr-l1-dec-kept", test_l1_dec_kept);
    qtest_add_func("spapr/nested-dec/papr-l2-dec-expiry",
                   test_l2_dec_expiry);
    return g_test_run();
}
