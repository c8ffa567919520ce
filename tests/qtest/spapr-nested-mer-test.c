/*
 * QTest testcase for the external interrupts an L1 gives its L2 with
 * LPCR[MER], on the PAPR nested API (v2), with the machine running
 *
 * KVM gives a guest the interrupts it emulates (the L1's QEMU raises
 * them) by running the guest with LPCR[MER], the mediated external
 * exception request: the guest takes an External interrupt as soon as
 * it enables them (MSR[EE]).  Linux as an L1 always asks so, and leaves
 * it to the L0.  The L0 once ignored the bit: an L2 vCPU never took the
 * interrupt, and an idle one ceded, came back at once to the interrupt
 * still pending, and ceded again, for ever.
 *
 * Here the L2 starts in real mode at L2_CODE, which makes an hcall with
 * NO_INTERRUPT in r3, unless it takes an External interrupt first: its
 * vector (0x500) makes one with EXTERNAL_TAKEN, and where it was (SRR0)
 * in r4.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "spapr-nested-util.h"

#define NESTED_PAPR "-accel tcg -S -M pseries,cap-nested-papr=on -cpu power10"

#define GSID_GPR3 0x1003
#define GSID_GPR4 0x1004
#define SPR_SRR0 26
#define GSID_DEC_EXPIRY_TB 0x102a
#define GSID_LPCR 0x102c
#define LPCR_MER 0x800ULL
#define MSR_EE (1ULL << 15)

#define L2_CODE 0x3300000
#define L2_EXTERNAL_VECTOR 0x500
#define NO_INTERRUPT 0x111
#define EXTERNAL_TAKEN 0x500
/* A DEC expiry seconds away: no Decrementer interrupt in the run */
#define DEC_EXPIRY 0x70000000ULL

/*
 * Runs once an L2 whose MSR is @msr and LPCR @lpcr, and returns what it
 * left in r3
 */
static uint64_t run_l2(uint64_t msr, uint64_t lpcr)
{
    QTestState *qts = qtest_init(NESTED_PAPR);
    const uint32_t l2[] = { INSN_LI(3, NO_INTERRUPT), INSN_SC1, INSN_B(0) };
    const uint32_t l2_vector[] = {
        INSN_MFSPR(4, SPR_SRR0), INSN_LI(3, EXTERNAL_TAKEN), INSN_SC1,
        INSN_B(0),
    };
    uint64_t guest = spapr_nested_papr_create_real_mode_l2(qts, msr, L2_CODE);
    const uint32_t l1[] = {
        INSN_LI(3, 0), INSN_ORI(3, 3, H_GUEST_RUN_VCPU),
        INSN_LI(4, 0), INSN_LI(5, guest), INSN_LI(6, 0),
        INSN_SC1,
        INSN_LI(L1_DONE_GPR, L1_DONE), INSN_B(0),
    };
    const uint64_t dec_expiry = DEC_EXPIRY;
    uint64_t r3;

    spapr_nested_set_vcpu_state(qts, guest, 0, GSID_LPCR, 1, &lpcr);
    spapr_nested_set_vcpu_state(qts, guest, 0, GSID_DEC_EXPIRY_TB, 1,
                                &dec_expiry);
    spapr_nested_write_code(qts, L2_CODE, l2, ARRAY_SIZE(l2));
    spapr_nested_write_code(qts, L2_EXTERNAL_VECTOR, l2_vector,
                            ARRAY_SIZE(l2_vector));
    spapr_nested_l1_run_l2_to_hcall(qts, l1, ARRAY_SIZE(l1));
    r3 = spapr_nested_get_vcpu_state(qts, guest, 0, GSID_GPR3);
    if (r3 == EXTERNAL_TAKEN) {
        /* taken before the L2's first instruction */
        g_assert_cmphex(spapr_nested_get_vcpu_state(qts, guest, 0, GSID_GPR4),
                        ==, L2_CODE);
    }
    qtest_quit(qts);
    return r3;
}

/* LPCR[MER] with MSR[EE]: an External interrupt at once */
static void test_mer_taken(void)
{
    g_assert_cmphex(run_l2(L2_MSR_REAL | MSR_EE, LPCR_MER), ==,
                    EXTERNAL_TAKEN);
}

/* LPCR[MER] waits for MSR[EE] */
static void test_mer_masked(void)
{
    g_assert_cmphex(run_l2(L2_MSR_REAL, LPCR_MER), ==, NO_INTERRUPT);
}

/* No LPCR[MER], no interrupt */
static void test_no_mer(void)
{
    g_assert_cmphex(run_l2(L2_MSR_REAL | MSR_EE, 0), ==, NO_INTERRUPT);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("spapr/nested-mer/papr-taken", test_mer_taken);
    qtest_add_func("spapr/nested-mer/papr-masked", test_mer_masked);
    qtest_add_func("spapr/nested-mer/papr-none", test_no_mer);
    return g_test_run();
}
