/*
 * QTest testcase for an L2 whose first fetch faults in the L1's
 * partition-scoped tables, with the machine running
 *
 * The L1's tables map the L2's memory without the reference bit (R), as
 * a Linux 7.3 L1 can leave them: the table walk of the L2's first fetch
 * needs an R update, which is an HDSI for the L1 to handle.  The L0 must
 * deliver it once and return to the L1; it used to fetch the instruction
 * again to tell a prefixed one, fault again, and loop for ever in the
 * vCPU thread, deaf to "stop", "quit" and SIGTERM.  The L1 here is a few
 * instructions that the test writes at its entry point: "b ." after one
 * run of its L2, or a loop that runs it again and again.
 *
 * With the machine running too, L2s whose tables map them without faults:
 * one whose exit rewrites code that the L1 runs next (the L0's writes to
 * L1 memory must invalidate it), and one that an L1's second vCPU
 * invalidates, with H_TLB_INVALIDATE in a loop, while it runs.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "libqtest.h"
#include "spapr-nested-util.h"

#define HDSI_VECTOR 0xe00
#define DSISR_ATOMIC_RC 0x00040000


#define L2_PAGEDIR 0x2010000
#define L2_PROCTBL 0x2100000
#define L2_PROCTBL_SIZE 0x1000

/* v1: the L1's partition table, its hv state and its L2's registers */
#define PTCR 0x3000000
#define L2_LPID 1
#define HV_STATE_ADDR 0x3100000
#define HV_STATE_LPID_OFFSET 8
#define HV_STATE_HDEC_EXPIRY_OFFSET 88
#define REGS_ADDR 0x3200000
#define REGS_MSR_OFFSET (33 * 8)
#define REGS_SIZE 0x200

#define NESTED_PAPR "-accel tcg -S -M pseries,cap-nested-papr=on -cpu power10"
#define NESTED_HV "-accel tcg -S -M pseries,cap-nested-hv=on -cpu power10"

#define REGS_NIP_OFFSET (32 * 8)
#define L2_CODE 0x3300000

static int64_t hcall(QTestState *qts, uint64_t opcode, int nargs,
                     const uint64_t *args, uint64_t *rets)
{
    return spapr_nested_hcall(qts, opcode, nargs, args, rets);
}

/*
 * The L1's partition-scoped tables for its L2: the first GiB of the L2's
 * memory onto the L1's, readable, writable, executable, and neither
 * referenced nor changed.  A process table entry in it that is never
 * reached: reading it is what faults.
 */
static void write_l2_tables(QTestState *qts)
{
    qtest_memset(qts, L2_PAGETBL, 0, L2_PAGETBL_ROOT_SIZE);
    qtest_writeq(qts, L2_PAGETBL, R_PTE_VALID | L2_PAGEDIR | DIR_NLS);
    qtest_memset(qts, L2_PAGEDIR, 0, 8 << DIR_NLS);
    qtest_writeq(qts, L2_PAGEDIR, R_PTE_VALID | R_PTE_LEAF | R_PTE_EAA_RWX);
    qtest_memset(qts, L2_PROCTBL, 0, L2_PROCTBL_SIZE);
}

/* Creates the L2 of the PAPR API on those tables and returns its id */
static uint64_t papr_create_l2(QTestState *qts)
{
    const uint64_t proctbl[] = { L2_PROCTBL, L2_PROCTBL_SIZE };
    const uint64_t hdec_expiry = HDEC_EXPIRY;
    uint64_t guest;

    write_l2_tables(qts);
    guest = spapr_nested_papr_create_l2(qts, L2_MSR);
    g_assert_cmphex(guest, <=, 0x7fff);
    spapr_nested_set_state(qts, GUEST_WIDE, guest, GSID_PROCTBL,
                           ARRAY_SIZE(proctbl), proctbl);
    spapr_nested_set_state(qts, 0, guest, GSID_HDEC_EXPIRY, 1, &hdec_expiry);
    return guest;
}

static void papr_run_l2(QTestState *qts, uint64_t guest)
{
    const uint64_t run[] = { 0, guest, 0 };

    hcall(qts, H_GUEST_RUN_VCPU, ARRAY_SIZE(run), run, NULL);
}

/* Element @id of the run output buffer, which has it once */
static uint64_t run_output_element(QTestState *qts, uint16_t id)
{
    uint8_t buf[RUN_BUF_SIZE];
    uint32_t n, i;
    size_t at = 4;
    uint16_t size;

    qtest_memread(qts, RUN_OUT_ADDR, buf, sizeof(buf));
    n = ldl_be_p(buf);
    for (i = 0; i < n; i++) {
        g_assert_cmpuint(at + 4, <=, sizeof(buf));
        size = lduw_be_p(buf + at + 2);
        g_assert_cmpuint(at + 4 + size, <=, sizeof(buf));
        if (lduw_be_p(buf + at) == id) {
            g_assert_true(size == 4 || size == 8);
            return size == 4 ? ldl_be_p(buf + at + 4) : ldq_be_p(buf + at + 4);
        }
        at += 4 + size;
    }
    g_assert_not_reached();
}

/*
 * The L2's exit reaches its L1 once, as an HDSI that asks for the R
 * update of the process table entry's page, and the L1 goes on.
 */
static void test_papr_rc_exit(void)
{
    QTestState *qts = qtest_init(NESTED_PAPR);
    const uint32_t l1[] = { INSN_B(0) };
    uint64_t guest = papr_create_l2(qts);
    uint64_t nip = spapr_nested_write_l1_code(qts, l1, ARRAY_SIZE(l1));

    papr_run_l2(qts, guest);
    spapr_nested_wait_back_in_l1(qts, nip, 4, HDSI_VECTOR);
    g_assert_cmphex(spapr_nested_vcpu0_gpr(qts, 3), ==, H_SUCCESS);
    g_assert_cmphex(run_output_element(qts, GSID_HDSISR) & DSISR_ATOMIC_RC,
                    ==, DSISR_ATOMIC_RC);
    g_assert_cmphex(run_output_element(qts, GSID_ASDR), ==, L2_PROCTBL);
    qtest_quit(qts);
}

/*
 * The nested-HV API: the L1's partition table has the same tables, its hv
 * state and its L2's registers are ready for H_ENTER_NESTED, the L2 at
 * @nip with @msr.
 */
static void hv_prepare_l2(QTestState *qts, uint64_t msr, uint64_t nip)
{
    const uint64_t ptcr = PTCR;
    uint8_t zero[REGS_SIZE] = { 0 };
    uint64_t hdec_expiry = HDEC_EXPIRY;
    uint32_t lpid = L2_LPID;

    write_l2_tables(qts);
    qtest_memset(qts, PTCR, 0, 0x1000);
    qtest_writeq(qts, PTCR + 16 * L2_LPID, PATE0_HR | PATE0_RTS52 |
                 L2_PAGETBL | ROOT_NLS);
    qtest_writeq(qts, PTCR + 16 * L2_LPID + 8, L2_PROCTBL);
    g_assert_cmpint(hcall(qts, H_SET_PARTITION_TABLE, 1, &ptcr, NULL),
                    ==, H_SUCCESS);
    /* the L1 writes these structures in its byte order: the host's here */
    qtest_memwrite(qts, HV_STATE_ADDR, zero, sizeof(zero));
    qtest_memwrite(qts, HV_STATE_ADDR + HV_STATE_LPID_OFFSET, &lpid,
                   sizeof(lpid));
    qtest_memwrite(qts, HV_STATE_ADDR + HV_STATE_HDEC_EXPIRY_OFFSET,
                   &hdec_expiry, sizeof(hdec_expiry));
    qtest_memwrite(qts, REGS_ADDR, zero, sizeof(zero));
    qtest_memwrite(qts, REGS_ADDR + REGS_MSR_OFFSET, &msr, sizeof(msr));
    qtest_memwrite(qts, REGS_ADDR + REGS_NIP_OFFSET, &nip, sizeof(nip));
}

static void hv_enter_l2(QTestState *qts)
{
    const uint64_t enter[] = { HV_STATE_ADDR, REGS_ADDR };

    hv_prepare_l2(qts, L2_MSR, 0);
    hcall(qts, H_ENTER_NESTED, ARRAY_SIZE(enter), enter, NULL);
}

static void test_hv_rc_exit(void)
{
    QTestState *qts = qtest_init(NESTED_HV);
    const uint32_t l1[] = { INSN_B(0) };
    uint64_t nip = spapr_nested_write_l1_code(qts, l1, ARRAY_SIZE(l1));

    hv_enter_l2(qts);
    spapr_nested_wait_back_in_l1(qts, nip, 3, HDSI_VECTOR);
    qtest_quit(qts);
}

/*
 * An L1 that never handles the fault and runs its L2 again and again:
 * QEMU still ends on SIGTERM, promptly.
 */
static void test_papr_sigterm_while_rerunning(void)
{
    QTestState *qts = qtest_init(NESTED_PAPR);
    uint64_t guest = papr_create_l2(qts);
    const uint32_t l1[] = {
        INSN_LI(3, H_GUEST_RUN_VCPU), INSN_LI(4, 0), INSN_LI(5, guest),
        INSN_LI(6, 0), INSN_SC1, INSN_B(-20),
    };

    spapr_nested_write_l1_code(qts, l1, ARRAY_SIZE(l1));
    papr_run_l2(qts, guest);
    qtest_qmp_assert_success(qts, "{ 'execute': 'cont' }");
    g_usleep(G_USEC_PER_SEC / 2);
    g_assert_true(spapr_nested_terminate(qts));
    qtest_quit(qts);
}

static void test_hv_sigterm_while_rerunning(void)
{
    QTestState *qts = qtest_init(NESTED_HV);
    const uint32_t l1[] = {
        INSN_LI(3, 0), INSN_ORI(3, 3, H_ENTER_NESTED),
        INSN_LIS(4, HV_STATE_ADDR >> 16), INSN_LIS(5, REGS_ADDR >> 16),
        INSN_SC1, INSN_B(-20),
    };

    spapr_nested_write_l1_code(qts, l1, ARRAY_SIZE(l1));
    hv_enter_l2(qts);
    qtest_qmp_assert_success(qts, "{ 'execute': 'cont' }");
    g_usleep(G_USEC_PER_SEC / 2);
    g_assert_true(spapr_nested_terminate(qts));
    qtest_quit(qts);
}

/*
 * The nested-HV API's L2 at @nip, in real mode, its partition-scoped
 * tables mapping it without faults (referenced and changed).
 */
static void hv_prepare_real_mode_l2(QTestState *qts, uint64_t nip)
{
    hv_prepare_l2(qts, L2_MSR_REAL, nip);
    qtest_writeq(qts, L2_PAGEDIR,
                 R_PTE_VALID | R_PTE_LEAF | R_PTE_RC | R_PTE_EAA_RWX);
}

/*
 * What the L0 writes into the L1's memory at an L2's exit (its registers)
 * is written for all that can see it: translated code there goes too.
 * The L1 runs a function in the slot of the L2's GPR 2 (li r20,1; blr),
 * enters the L2, which leaves in GPR 2 another (li r20,2; blr) and makes
 * an hcall, and runs the function again: it must be the new one.
 */
static void test_hv_exit_rewrites_l1_code(void)
{
    QTestState *qts = qtest_init(NESTED_HV);
    const uint64_t func = REGS_ADDR + 2 * 8;
    const uint32_t old_func[] = { INSN_LI(20, 1), INSN_BLR };
    const uint32_t l2[] = {
        INSN_LIS(2, 0x2000), INSN_ORI(2, 2, 0x804e), INSN_SLDI32(2, 2),
        INSN_ORIS(2, 2, 0x0200), INSN_ORI(2, 2, 0x803a), INSN_SC1,
    };
    const uint32_t l1[] = {
        INSN_LIS(9, func >> 16), INSN_ORI(9, 9, func & 0xffff),
        INSN_MTCTR(9), INSN_BCTRL,
        INSN_LI(3, 0), INSN_ORI(3, 3, H_ENTER_NESTED),
        INSN_LIS(4, HV_STATE_ADDR >> 16), INSN_LIS(5, REGS_ADDR >> 16),
        INSN_SC1,
        INSN_MTCTR(9), INSN_BCTRL,
        INSN_B(0),
    };
    uint64_t nip;

    hv_prepare_real_mode_l2(qts, L2_CODE);
    spapr_nested_write_code(qts, L2_CODE, l2, ARRAY_SIZE(l2));
    spapr_nested_write_code(qts, func, old_func, ARRAY_SIZE(old_func));
    nip = spapr_nested_write_l1_code(qts, l1, ARRAY_SIZE(l1));
    spapr_nested_wait_back_in_l1(qts, nip + (ARRAY_SIZE(l1) - 1) * 4, 20, 2);
    g_assert_cmphex(spapr_nested_vcpu0_gpr(qts, 3), ==, 0xc00);
    qtest_quit(qts);
}

/*
 * Two vCPUs of an L1 really run: vCPU 0 runs an L2 that reads a page in
 * each of 4096 pages and makes an hcall, again and again; vCPU 1 calls
 * H_TLB_INVALIDATE in a loop (a thousand instructions apart), which
 * flushes vCPU 0's TLB (on vCPU 0's thread) while it runs the L2.  Both
 * go on, and QEMU with them.
 */
#define L1_COUNTERS 0x3400000
#define L2_PAGES 4096
static void test_hv_tlb_invalidate_while_running(void)
{
    QTestState *qts = qtest_init(NESTED_HV " -smp 2");
    const uint32_t l2[] = {
        INSN_LIS(5, 0x800), INSN_LI(6, 0),
        INSN_LD(7, 5), INSN_ADDI(5, 5, 4096), INSN_ADDI(6, 6, 1),
        INSN_CMPLDI(6, L2_PAGES), INSN_BNE(-16),
        INSN_SC1, INSN_B(-32),
    };
    const uint32_t l1_vcpu0[] = {
        INSN_LIS(22, L1_COUNTERS >> 16),
        INSN_LI(3, 0), INSN_ORI(3, 3, H_ENTER_NESTED),
        INSN_LIS(4, HV_STATE_ADDR >> 16), INSN_LIS(5, REGS_ADDR >> 16),
        INSN_SC1,
        INSN_ADDI(21, 21, 1), INSN_STD(21, 22),
        INSN_B(-28),
    };
    const uint32_t l1_vcpu1[] = {
        INSN_LIS(22, L1_COUNTERS >> 16), INSN_ADDI(22, 22, 8),
        INSN_LI(3, 0), INSN_ORI(3, 3, H_TLB_INVALIDATE),
        INSN_LI(4, 0), INSN_LI(5, L2_LPID), INSN_LI(6, 0),
        INSN_SC1,
        INSN_ADDI(21, 21, 1), INSN_STD(21, 22),
        INSN_LI(7, 1000), INSN_MTCTR(7), INSN_BDNZ(0),
        INSN_B(-44),
    };
    const uint64_t vcpu1_code = L1_COUNTERS + 0x1000;
    uint64_t runs, invalidations;

    hv_prepare_real_mode_l2(qts, L2_CODE);
    spapr_nested_write_code(qts, L2_CODE, l2, ARRAY_SIZE(l2));
    spapr_nested_write_code(qts, vcpu1_code, l1_vcpu1, ARRAY_SIZE(l1_vcpu1));
    qtest_memset(qts, L1_COUNTERS, 0, 16);
    spapr_nested_write_l1_code(qts, l1_vcpu0, ARRAY_SIZE(l1_vcpu0));
    spapr_nested_start_vcpu(qts, 1, vcpu1_code, L1_COUNTERS + 0x2000);

    qtest_qmp_assert_success(qts, "{ 'execute': 'cont' }");
    g_usleep(3 * G_USEC_PER_SEC);
    runs = qtest_readq(qts, L1_COUNTERS);
    invalidations = qtest_readq(qts, L1_COUNTERS + 8);
    g_test_message("%" PRIu64 " L2 runs of %d pages, %" PRIu64
                   " H_TLB_INVALIDATE", runs, L2_PAGES, invalidations);
    g_assert_cmpuint(runs, >, 10);
    g_assert_cmpuint(invalidations, >, 10);
    g_usleep(G_USEC_PER_SEC / 2);
    g_assert_cmpuint(qtest_readq(qts, L1_COUNTERS), >, runs);
    g_assert_cmpuint(qtest_readq(qts, L1_COUNTERS + 8), >, invalidations);
    g_assert_true(spapr_nested_terminate(qts));
    qtest_quit(qts);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("spapr/nested-fault/papr-rc-exit", test_papr_rc_exit);
    qtest_add_func("spapr/nested-fault/hv-rc-exit", test_hv_rc_exit);
    qtest_add_func("spapr/nested-fault/papr-sigterm-while-rerunning",
                   test_papr_sigterm_while_rerunning);
    qtest_add_func("spapr/nested-fault/hv-sigterm-while-rerunning",
                   test_hv_sigterm_while_rerunning);
    qtest_add_func("spapr/nested-fault/hv-exit-rewrites-l1-code",
                   test_hv_exit_rewrites_l1_code);
    qtest_add_func("spapr/nested-fault/hv-tlb-invalidate-while-running",
                   test_hv_tlb_invalidate_while_running);
    return g_test_run();
}
