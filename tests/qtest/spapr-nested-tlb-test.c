/*
 * QTest testcase for the L2 translations that the L0's vCPUs keep
 *
 * Under TCG, a vCPU keeps the translations of the L2 it runs across the
 * L2's exits and the L1's next entry (hw/ppc/spapr_nested_tlb.c), with
 * both nested APIs.  None may be used once stale: an L2 whose page the L1
 * remaps, and invalidates with H_TLB_INVALIDATE, reads the new page; two
 * L2s that one vCPU runs in turn each read their own page at the same
 * address; an L2 vCPU that ran on another vCPU of the L1 since (which
 * may have invalidated there alone) reads the new page; an L2 that runs
 * on, without an exit, while the L1's other vCPU remaps its page and
 * invalidates it, reads the new page.
 *
 * The L2s run in real mode: their addresses go through the L1's
 * partition-scoped tables alone.  Those map the first GiB onto the L1's
 * and, in the second, one 4 KiB page (L2_PAGE) onto a page of the L1 that
 * holds a value the L2 reads and writes back to the L1 at RESULT.
 *
 * A PIDR change keeps the translations of quadrant 3 and of the other
 * level (target/ppc/mmu_helper.c); those of quadrant 0 it must not.  An
 * L2, then an L1, in virtual mode reads a page and runs a block at the
 * same quadrant 0 addresses under PIDR 0, 1 and 2, each its own; an L2
 * entered again under the PIDR it started with reads that one's page.
 * The L0 flushes the quadrant 0 pages it listed, or all of them when
 * there were too many to list: the same reads, with ten more pages read
 * before each, try the second.
 *
 * A process-scoped tlbie or tlbiel flushes the level that runs it alone
 * (an L1's, or its L2's): an L2, then an L1, reads a page of quadrant 0,
 * remaps it in its process table, invalidates it by page or by PID, and
 * reads the new page; an L1's tlbie on one vCPU reaches its other vCPU.
 *
 * With spapr_nested_l2_time traced, each entry to an L2 and each exit
 * report the CPU time the vCPU's thread spent in L2s so far
 * (hw/ppc/spapr_nested_time.c): an L2 entered three times adds, at each
 * exit, the thread's time since the entry.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "libqtest.h"
#include "spapr-nested-util.h"

#define NESTED_HV "-accel tcg -S -M pseries,cap-nested-hv=on -cpu power10"
#define NESTED_PAPR "-accel tcg -S -M pseries,cap-nested-papr=on -cpu power10"

/* The L2's page, and the L1's pages that it may be */
#define L2_PAGE 0x40000000
#define PAGE_A 0x2800000
#define PAGE_B 0x2801000
#define VALUE_A 0xaaaa0000aaaa0000ULL
#define VALUE_B 0xbbbb0000bbbb0000ULL
#define RESULT 0x2900000
#define GO 0x2910000

/* Tree @c: a root, three directories (1 GiB, 2 MiB, 4 KiB entries) */
#define TREES 0x2200000
#define TREE_SIZE 0x100000
#define TREE_ROOT_SIZE 0x10000
#define TREE_DIR1 0x10000
#define TREE_DIR2 0x11000
#define TREE_PTES 0x12000
#define PROCTBL 0x2a00000
#define PROCTBL_SIZE 0x1000
/* Referenced and changed: no R/C update to make */
#define R_PTE_RWX_RC (R_PTE_VALID | R_PTE_LEAF | R_PTE_RC | R_PTE_EAA_RWX)

/* v1: the L1's partition table, its hv state and its L2's registers */
#define PTCR 0x3000000
#define HV_STATE_ADDR 0x3100000
#define HV_STATE_LPID_OFFSET 8
#define HV_STATE_HDEC_EXPIRY_OFFSET 88
#define REGS_ADDR 0x3200000
#define REGS_NIP_OFFSET (32 * 8)
#define REGS_MSR_OFFSET (33 * 8)
#define REGS_SIZE 0x200

#define L2_CODE 0x3300000
#define VCPU1_CODE 0x3400000
#define RTAS_ARGS 0x3401000

/*
 * Process-scoped tables, in the L2's real memory (the L1's below 1 GiB)
 * or the L1's: PID 0's maps the first GiB (at quadrant 3, and at quadrant
 * 0 where VALUE_0 is at Q0_DATA), PID 1's Q0_DATA and Q0_CODE onto PAGE_A
 * and CODE_A, PID 2's onto PAGE_B and CODE_B.
 */
#define PTREES 0x2b00000
#define PTREE_SIZE 0x20000
#define Q0_DATA 0x10000000
#define Q0_CODE 0x10001000
#define CODE_A 0x2802000
#define CODE_B 0x2803000
#define VALUE_0 0x0000cccc0000ccccULL
#define R_PTE_EAA_PRIV 0x8ULL
#define H_REGISTER_PROC_TBL 0x37c
/* modify, register, radix, GTSE */
#define PROC_TBL_RADIX 0x1d

#define SPR_SRR0 26
#define SPR_SRR1 27
#define SPR_PIDR 48
#define INSN_RFID 0x4c000024
#define INSN_STD_AT(rs, ra, ds) (0xf8000000 | (rs) << 21 | (ra) << 16 | \
                                 ((ds) & 0xfffc))
/* virt_code(): VIRT_ENTRY instructions in real mode */
#define VIRT_ENTRY 10
/*
 * pidr_code(): in virtual mode, stores PIDR_RESULTS values at RESULT; with
 * @touch, before each read of Q0_DATA, it reads the PIDR_TOUCHED pages
 * after Q0_CODE, more than the L0 keeps a list of
 * (target/ppc/mmu_helper.c), and those of Q0_DATA and Q0_CODE are not on
 * it.
 */
#define PIDR_RESULTS 5
#define PIDR_DONE 0x600d
#define PIDR_TOUCHED 10
#define PIDR_MAX_CODE 64

/*
 * tlbie_code(): in virtual mode, under PID 1, reads Q0_DATA, points PID
 * 1's PTE of it (PID1_Q0_PTE) at PAGE_B with the value at NEW_PTE,
 * invalidates, reads again, and stores both at RESULT.
 */
#define PID1_Q0_PTE (PTREES + PTREE_SIZE + TREE_PTES)
#define NEW_PTE 0x2920000
#define TLBIE_RESULTS 2
#define TLBIE_MAX_CODE 48
#define INSN_PTESYNC 0x7c4004ac
#define INSN_EIEIO 0x7c0006ac
#define INSN_TLBSYNC 0x7c00046c
/* RIC 0 (TLB), PRS 1, R 1 */
#define INSN_TLBIE_PRS(rb, rs, local) \
    (0x7c030000 | (rs) << 21 | (rb) << 11 | ((local) ? 0x224 : 0x264))
#define TLBIE_RB_IS_PID 0x400

/* The L0's answer to an hcall of the L2: in GPR 3 (v1) or 4 (v2) */
#define SC_VECTOR 0xc00

/* An L1 with up to two L2s, one vCPU each, of one of the APIs */
typedef struct L1 {
    QTestState *qts;
    bool papr;
    uint64_t guests[2];         /* v1: LPIDs, v2: guest ids */
    uint64_t nip;               /* the L1's "b .", where its L2s return */
} L1;

static uint64_t tree(int c)
{
    return TREES + c * TREE_SIZE;
}

/* Tree @c maps L2_PAGE onto @page; the L1 invalidates, or not, apart */
static void map_page(L1 *l1, int c, uint64_t page)
{
    qtest_writeq(l1->qts, tree(c) + TREE_PTES, R_PTE_RWX_RC | page);
}

static void write_tree(L1 *l1, int c, uint64_t page)
{
    uint64_t root = tree(c);

    qtest_memset(l1->qts, root, 0, TREE_PTES + 0x1000);
    qtest_writeq(l1->qts, root, R_PTE_VALID | (root + TREE_DIR1) | DIR_NLS);
    qtest_writeq(l1->qts, root + TREE_DIR1, R_PTE_RWX_RC);
    qtest_writeq(l1->qts, root + TREE_DIR1 + 8,
                 R_PTE_VALID | (root + TREE_DIR2) | DIR_NLS);
    qtest_writeq(l1->qts, root + TREE_DIR2,
                 R_PTE_VALID | (root + TREE_PTES) | DIR_NLS);
    map_page(l1, c, page);
}

/* An hcall of the L1 on vCPU @cpu */
static int64_t hcall_on(L1 *l1, int cpu, uint64_t opcode, int nargs,
                        const uint64_t *args)
{
    return qtest_hcall(l1->qts, cpu, opcode, nargs, args, NULL);
}

static int64_t hcall(L1 *l1, uint64_t opcode, int nargs, const uint64_t *args)
{
    return hcall_on(l1, 0, opcode, nargs, args);
}

/* v1: the partition table entry of LPID @lpid is tree @c */
static void hv_add_l2(L1 *l1, int c, uint64_t lpid)
{
    qtest_writeq(l1->qts, PTCR + 16 * lpid,
                 PATE0_HR | PATE0_RTS52 | tree(c) | ROOT_NLS);
    qtest_writeq(l1->qts, PTCR + 16 * lpid + 8, PROCTBL);
    l1->guests[c] = lpid;
}

/* v2: guest @c on tree @c, at L2_CODE in real mode */
static void papr_add_l2(L1 *l1, int c)
{
    const uint64_t pagetbl[] = { tree(c), 52, TREE_ROOT_SIZE };
    const uint64_t proctbl[] = { PROCTBL, PROCTBL_SIZE };
    const uint64_t hdec_expiry = HDEC_EXPIRY, nip = L2_CODE;
    uint64_t guest;

    guest = c ? spapr_nested_papr_add_l2(l1->qts, L2_MSR_REAL) :
        spapr_nested_papr_create_l2(l1->qts, L2_MSR_REAL);
    spapr_nested_set_state(l1->qts, GUEST_WIDE, guest, GSID_PAGETBL,
                           ARRAY_SIZE(pagetbl), pagetbl);
    spapr_nested_set_state(l1->qts, GUEST_WIDE, guest, GSID_PROCTBL,
                           ARRAY_SIZE(proctbl), proctbl);
    spapr_nested_set_state(l1->qts, 0, guest, GSID_HDEC_EXPIRY, 1,
                           &hdec_expiry);
    spapr_nested_set_state(l1->qts, 0, guest, GSID_NIA, 1, &nip);
    l1->guests[c] = guest;
}

/*
 * An L1 of the PAPR API (@papr) or the nested-HV one, with @nr L2s whose
 * trees map L2_PAGE onto PAGE_A (the first) and PAGE_B, running @l2_code;
 * its vCPU 0 is at "b .".
 */
static void l1_init(L1 *l1, bool papr, int nr, const char *extra_args,
                    const uint32_t *l2_code, int l2_code_size)
{
    const uint32_t spin[] = { INSN_B(0) };
    int c;

    l1->papr = papr;
    l1->qts = qtest_initf("%s %s", papr ? NESTED_PAPR : NESTED_HV,
                          extra_args);
    qtest_writeq(l1->qts, PAGE_A, VALUE_A);
    qtest_writeq(l1->qts, PAGE_B, VALUE_B);
    qtest_memset(l1->qts, PROCTBL, 0, PROCTBL_SIZE);
    spapr_nested_write_code(l1->qts, L2_CODE, l2_code, l2_code_size);
    l1->nip = spapr_nested_write_l1_code(l1->qts, spin, ARRAY_SIZE(spin));
    if (!papr) {
        const uint64_t ptcr = PTCR;

        qtest_memset(l1->qts, PTCR, 0, 0x1000);
        g_assert_cmpint(hcall(l1, H_SET_PARTITION_TABLE, 1, &ptcr),
                        ==, H_SUCCESS);
    }
    for (c = 0; c < nr; c++) {
        write_tree(l1, c, c ? PAGE_B : PAGE_A);
        if (papr) {
            papr_add_l2(l1, c);
        } else {
            hv_add_l2(l1, c, c + 1);
        }
    }
}

/*
 * vCPU @cpu enters L2 @c: at L2_CODE for v1 (the L1 hands over the L2's
 * registers at each entry), where it left off for v2.
 */
static void enter_l2_on(L1 *l1, int cpu, int c)
{
    if (l1->papr) {
        const uint64_t run[] = { 0, l1->guests[c], 0 };

        hcall_on(l1, cpu, H_GUEST_RUN_VCPU, ARRAY_SIZE(run), run);
    } else {
        const uint64_t enter[] = { HV_STATE_ADDR, REGS_ADDR };
        const uint64_t msr = L2_MSR_REAL, nip = L2_CODE;
        const uint64_t hdec_expiry = HDEC_EXPIRY;
        uint8_t zero[REGS_SIZE] = { 0 };
        uint32_t lpid = l1->guests[c];

        /* the L1 writes these structures in its byte order: the host's */
        qtest_memwrite(l1->qts, HV_STATE_ADDR, zero, sizeof(zero));
        qtest_memwrite(l1->qts, HV_STATE_ADDR + HV_STATE_LPID_OFFSET, &lpid,
                       sizeof(lpid));
        qtest_memwrite(l1->qts, HV_STATE_ADDR + HV_STATE_HDEC_EXPIRY_OFFSET,
                       &hdec_expiry, sizeof(hdec_expiry));
        qtest_memwrite(l1->qts, REGS_ADDR, zero, sizeof(zero));
        qtest_memwrite(l1->qts, REGS_ADDR + REGS_MSR_OFFSET, &msr,
                       sizeof(msr));
        qtest_memwrite(l1->qts, REGS_ADDR + REGS_NIP_OFFSET, &nip,
                       sizeof(nip));
        hcall_on(l1, cpu, H_ENTER_NESTED, ARRAY_SIZE(enter), enter);
    }
}

static void enter_l2(L1 *l1, int c)
{
    enter_l2_on(l1, 0, c);
}

/* The L2 reads its page and makes an hcall; entered again, it reads again */
static const uint32_t l2_read_once[] = {
    INSN_LIS(5, L2_PAGE >> 16), INSN_LIS(8, RESULT >> 16),
    INSN_LD(7, 5), INSN_STD(7, 8),
    INSN_SC1, INSN_B(-12),
};

/* What L2 @c read in one run */
static uint64_t run_l2(L1 *l1, int c)
{
    qtest_writeq(l1->qts, RESULT, 0);
    enter_l2(l1, c);
    spapr_nested_wait_back_in_l1(l1->qts, l1->nip, l1->papr ? 4 : 3,
                                 SC_VECTOR);
    return qtest_readq(l1->qts, RESULT);
}

/* The L1's invalidation of all its L2 translations of L2 @c */
static void invalidate(L1 *l1, int c)
{
    /* RIC 2 (all), PRS 0, R 1; the LPID; IS 2 (LPID) */
    const uint64_t args[] = { 0x000000000000000aULL, l1->guests[c], 0x800 };

    g_assert_cmpint(hcall(l1, H_TLB_INVALIDATE, ARRAY_SIZE(args), args),
                    ==, H_SUCCESS);
}

static void remap(const void *data)
{
    bool papr = GPOINTER_TO_INT(data);
    L1 l1;

    l1_init(&l1, papr, 1, "", l2_read_once, ARRAY_SIZE(l2_read_once));
    g_assert_cmphex(run_l2(&l1, 0), ==, VALUE_A);
    g_assert_cmphex(run_l2(&l1, 0), ==, VALUE_A);
    map_page(&l1, 0, PAGE_B);
    invalidate(&l1, 0);
    g_assert_cmphex(run_l2(&l1, 0), ==, VALUE_B);
    g_assert_cmphex(run_l2(&l1, 0), ==, VALUE_B);
    qtest_quit(l1.qts);
}

static void two_l2s(const void *data)
{
    bool papr = GPOINTER_TO_INT(data);
    L1 l1;
    int i;

    l1_init(&l1, papr, 2, "", l2_read_once, ARRAY_SIZE(l2_read_once));
    for (i = 0; i < 3; i++) {
        g_assert_cmphex(run_l2(&l1, 0), ==, VALUE_A);
        g_assert_cmphex(run_l2(&l1, 1), ==, VALUE_B);
    }
    qtest_quit(l1.qts);
}

/* Polls RESULT for @value while the machine runs; false after PATIENCE_US */
static bool wait_result(L1 *l1, uint64_t value)
{
    gint64 deadline = g_get_monotonic_time() + PATIENCE_US;

    while (qtest_readq(l1->qts, RESULT) != value) {
        if (g_get_monotonic_time() > deadline) {
            return false;
        }
        g_usleep(POLL_US);
    }
    return true;
}

/*
 * The L2's vCPU runs on the L1's vCPU 0, then on its vCPU 1 after a remap
 * that the L1 does not invalidate, then on vCPU 0 again.  Its kernel may
 * have invalidated the old translation with tlbiel, which reaches the
 * processor it runs on, vCPU 1, only: as KVM on POWER does with the L1's
 * vcpu_token, the L0 flushes vCPU 0's L2 translations, and the L2 reads
 * the new page there too.
 */
static void vcpu_moved(const void *data)
{
    bool papr = GPOINTER_TO_INT(data);
    const uint32_t spin[] = { INSN_B(0) };
    L1 l1;

    l1_init(&l1, papr, 1, "-smp 2", l2_read_once, ARRAY_SIZE(l2_read_once));
    spapr_nested_write_code(l1.qts, VCPU1_CODE, spin, ARRAY_SIZE(spin));
    spapr_nested_start_vcpu(l1.qts, 1, VCPU1_CODE, RTAS_ARGS);
    g_assert_cmphex(run_l2(&l1, 0), ==, VALUE_A);

    map_page(&l1, 0, PAGE_B);
    qtest_writeq(l1.qts, RESULT, 0);
    enter_l2_on(&l1, 1, 0);
    qtest_qmp_assert_success(l1.qts, "{ 'execute': 'cont' }");
    g_assert_true(wait_result(&l1, VALUE_B));
    /* vCPU 1 back in its L1, from the L2's hcall just after its store */
    g_usleep(G_USEC_PER_SEC / 10);
    qtest_qmp_assert_success(l1.qts, "{ 'execute': 'stop' }");

    g_assert_cmphex(run_l2(&l1, 0), ==, VALUE_B);
    qtest_quit(l1.qts);
}

/*
 * vCPU 0 runs an L2 that reads its page in a loop, with no exit; vCPU 1
 * waits for GO, and then invalidates as the L1 does after a remap.
 */
static void invalidation_from_another_vcpu(const void *data)
{
    bool papr = GPOINTER_TO_INT(data);
    const uint32_t l2[] = {
        INSN_LIS(5, L2_PAGE >> 16), INSN_LIS(8, RESULT >> 16),
        INSN_LD(7, 5), INSN_STD(7, 8), INSN_B(-8),
    };
    L1 l1;

    l1_init(&l1, papr, 1, "-smp 2", l2, ARRAY_SIZE(l2));
    {
        const uint32_t vcpu1[] = {
            INSN_LIS(22, GO >> 16),
            INSN_LD(9, 22), INSN_CMPLDI(9, 0), INSN_BEQ(-8),
            INSN_LI(3, 0), INSN_ORI(3, 3, H_TLB_INVALIDATE),
            INSN_LI(4, 0xa), INSN_LI(5, l1.guests[0]), INSN_LI(6, 0x800),
            INSN_SC1,
            INSN_B(0),
        };

        spapr_nested_write_code(l1.qts, VCPU1_CODE, vcpu1, ARRAY_SIZE(vcpu1));
    }
    qtest_writeq(l1.qts, GO, 0);
    spapr_nested_start_vcpu(l1.qts, 1, VCPU1_CODE, RTAS_ARGS);
    qtest_writeq(l1.qts, RESULT, 0);
    enter_l2(&l1, 0);
    qtest_qmp_assert_success(l1.qts, "{ 'execute': 'cont' }");
    g_assert_true(wait_result(&l1, VALUE_A));

    /* remapped: the L2 keeps its translation until the L1 invalidates it */
    map_page(&l1, 0, PAGE_B);
    g_usleep(G_USEC_PER_SEC / 5);
    g_assert_cmphex(qtest_readq(l1.qts, RESULT), ==, VALUE_A);
    qtest_writeq(l1.qts, GO, 1);
    g_assert_true(wait_result(&l1, VALUE_B));
    g_assert_true(spapr_nested_terminate(l1.qts));
    qtest_quit(l1.qts);
}

static void write_process_tables(QTestState *qts)
{
    const uint32_t code_a[] = { INSN_LI(7, 1), INSN_BLR };
    const uint32_t code_b[] = { INSN_LI(7, 2), INSN_BLR };
    int pid, i;

    qtest_memset(qts, PROCTBL, 0, PROCTBL_SIZE);
    for (pid = 0; pid <= 2; pid++) {
        uint64_t root = PTREES + pid * PTREE_SIZE;

        qtest_memset(qts, root, 0, TREE_PTES + 0x1000);
        qtest_writeq(qts, root, R_PTE_VALID | (root + TREE_DIR1) | DIR_NLS);
        qtest_writeq(qts, PROCTBL + 16 * pid,
                     PATE0_RTS52 | root | ROOT_NLS);
        if (!pid) {
            qtest_writeq(qts, root + TREE_DIR1,
                         R_PTE_RWX_RC | R_PTE_EAA_PRIV);
            continue;
        }
        qtest_writeq(qts, root + TREE_DIR1,
                     R_PTE_VALID | (root + TREE_DIR2) | DIR_NLS);
        qtest_writeq(qts, root + TREE_DIR2 + (Q0_DATA >> 21) * 8,
                     R_PTE_VALID | (root + TREE_PTES) | DIR_NLS);
        qtest_writeq(qts, root + TREE_PTES, R_PTE_RWX_RC | R_PTE_EAA_PRIV |
                     (pid == 1 ? PAGE_A : PAGE_B));
        qtest_writeq(qts, root + TREE_PTES + 8, R_PTE_RWX_RC |
                     R_PTE_EAA_PRIV | (pid == 1 ? CODE_A : CODE_B));
        for (i = 0; i < PIDR_TOUCHED; i++) {
            qtest_writeq(qts, root + TREE_PTES + 16 + 8 * i, R_PTE_RWX_RC |
                         R_PTE_EAA_PRIV | (pid == 1 ? PAGE_A : PAGE_B));
        }
    }
    qtest_writeq(qts, Q0_DATA, VALUE_0);
    qtest_writeq(qts, PAGE_A, VALUE_A);
    qtest_writeq(qts, PAGE_B, VALUE_B);
    spapr_nested_write_code(qts, CODE_A, code_a, ARRAY_SIZE(code_a));
    spapr_nested_write_code(qts, CODE_B, code_b, ARRAY_SIZE(code_b));
}

/* With @touch, code that reads the PIDR_TOUCHED pages after Q0_CODE */
static int touch_code(uint32_t *code, bool touch)
{
    int n = 0;

    if (touch) {
        code[n++] = INSN_LI(6, PIDR_TOUCHED);
        code[n++] = INSN_MTCTR(6);
        code[n++] = INSN_ADDI(6, 5, Q0_CODE + 0x1000 - Q0_DATA);
        code[n++] = INSN_LD(7, 6);
        code[n++] = INSN_ADDI(6, 6, 0x1000);
        code[n++] = INSN_BDNZ(-8);
    }
    return n;
}

/*
 * Code at @base, in real mode, that goes on at its quadrant 3 address in
 * virtual mode (instruction VIRT_ENTRY), with 0xc000000000000000 in r9
 */
static int virt_code(uint32_t *code, uint64_t base)
{
    uint64_t entry = base + VIRT_ENTRY * 4;
    int n = 0;

    code[n++] = INSN_LIS(9, 0xc000);
    code[n++] = INSN_SLDI32(9, 9);
    code[n++] = INSN_ORIS(10, 9, entry >> 16);
    code[n++] = INSN_ORI(10, 10, entry & 0xffff);
    code[n++] = INSN_MTSPR(SPR_SRR0, 10);
    code[n++] = INSN_LIS(11, 0x8000);
    code[n++] = INSN_SLDI32(11, 11);
    code[n++] = INSN_ORI(11, 11, MSR_ME | MSR_IR | MSR_DR);
    code[n++] = INSN_MTSPR(SPR_SRR1, 11);
    code[n++] = INSN_RFID;
    g_assert_cmpint(n, ==, VIRT_ENTRY);
    return n;
}

/*
 * Code at @base, in real mode: in virtual mode, it reads Q0_DATA under the
 * PIDR it has, and then under PIDR 1 and 2 reads Q0_DATA and calls
 * Q0_CODE, to RESULT onwards, with quadrant 3's address of RESULT in r8.
 * Returns the number of instructions; what follows is the caller's.
 */
static int pidr_code(uint32_t *code, uint64_t base, bool touch)
{
    int n = virt_code(code, base), pid;

    code[n++] = INSN_LIS(5, Q0_DATA >> 16);
    code[n++] = INSN_ORI(12, 5, Q0_CODE & 0xffff);
    code[n++] = INSN_ORIS(8, 9, RESULT >> 16);
    n += touch_code(code + n, touch);
    code[n++] = INSN_LD(7, 5);
    code[n++] = INSN_STD_AT(7, 8, 0);
    for (pid = 1; pid <= 2; pid++) {
        code[n++] = INSN_LI(4, pid);
        code[n++] = INSN_MTSPR(SPR_PIDR, 4);
        n += touch_code(code + n, touch);
        code[n++] = INSN_LD(7, 5);
        code[n++] = INSN_STD_AT(7, 8, 16 * pid - 8);
        code[n++] = INSN_MTCTR(12);
        code[n++] = INSN_BCTRL;
        code[n++] = INSN_STD_AT(7, 8, 16 * pid);
    }
    return n;
}

/* What pidr_code() read under the PIDR it had: @first, and then 1 and 2 */
static void assert_pidr_results(QTestState *qts, uint64_t first)
{
    const uint64_t expected[PIDR_RESULTS] = {
        first, VALUE_A, 1, VALUE_B, 2,
    };
    int i;

    for (i = 0; i < PIDR_RESULTS; i++) {
        g_assert_cmphex(qtest_readq(qts, RESULT + 8 * i), ==, expected[i]);
    }
}

/*
 * The L2 makes an hcall after its reads; entered again, v2 goes on with
 * PIDR 2 and reads PAGE_B first, v1 starts over with PIDR 0, as the L1
 * hands it over, and reads VALUE_0, not what the L2 left in the TLB.
 */
static void l2_pidr_test(bool papr, bool touch)
{
    uint32_t code[PIDR_MAX_CODE];
    int n, round;
    L1 l1;

    n = pidr_code(code, L2_CODE, touch);
    code[n] = INSN_SC1;
    code[n + 1] = INSN_B(4 * (VIRT_ENTRY - n - 1));
    n += 2;
    g_assert_cmpint(n, <=, PIDR_MAX_CODE);
    l1_init(&l1, papr, 1, "", code, n);
    write_process_tables(l1.qts);
    for (round = 0; round < 2; round++) {
        run_l2(&l1, 0);
        assert_pidr_results(l1.qts, round && papr ? VALUE_B : VALUE_0);
    }
    qtest_quit(l1.qts);
}

static void l2_pidr(const void *data)
{
    l2_pidr_test(GPOINTER_TO_INT(data), false);
}

/* The same with more pages of quadrant 0 than the L0 lists */
static void l2_pidr_many_pages(const void *data)
{
    l2_pidr_test(GPOINTER_TO_INT(data), true);
}

/*
 * The L1's vCPU 0 runs @code from @nip (@n instructions, in an array of
 * @max), stores PIDR_DONE after its @results results at RESULT, and
 * spins; the L1 has registered its process table.  Returns when it is
 * done.
 */
static void l1_run_to_done(QTestState *qts, uint64_t nip, uint32_t *code,
                           int n, int max, int results)
{
    const uint64_t proc_tbl[] = { PROC_TBL_RADIX, PROCTBL, 0, 0 };
    gint64 deadline = g_get_monotonic_time() + PATIENCE_US;

    g_assert_cmpint(n + 3, <=, max);
    code[n++] = INSN_LI(7, PIDR_DONE);
    code[n++] = INSN_STD_AT(7, 8, 8 * results);
    code[n++] = INSN_B(0);
    spapr_nested_write_code(qts, nip, code, n);
    g_assert_cmpint(qtest_hcall(qts, 0, H_REGISTER_PROC_TBL,
                                ARRAY_SIZE(proc_tbl), proc_tbl, NULL),
                    ==, H_SUCCESS);
    qtest_qmp_assert_success(qts, "{ 'execute': 'cont' }");
    while (qtest_readq(qts, RESULT + 8 * results) != PIDR_DONE) {
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        g_usleep(POLL_US);
    }
}

/* The same reads in the L1 itself, which registers its process table */
static void l1_pidr_test(bool touch)
{
    QTestState *qts = qtest_init("-accel tcg -S -M pseries -cpu power10");
    uint64_t nip = spapr_nested_vcpu0_reg(qts, "NIP");
    uint32_t code[PIDR_MAX_CODE];

    write_process_tables(qts);
    l1_run_to_done(qts, nip, code, pidr_code(code, nip, touch),
                   PIDR_MAX_CODE, PIDR_RESULTS);
    assert_pidr_results(qts, VALUE_0);
    qtest_quit(qts);
}

static void l1_pidr(void)
{
    l1_pidr_test(false);
}

static void l1_pidr_many_pages(void)
{
    l1_pidr_test(true);
}

typedef enum TlbieLevel {
    TLBIE_L2_HV,
    TLBIE_L2_PAPR,
    TLBIE_L1,
} TlbieLevel;

typedef struct TlbieCase {
    const char *name;
    TlbieLevel level;
    bool local;                 /* tlbiel, or tlbie */
    bool by_pid;                /* all of PID 1's translations, or a page */
} TlbieCase;

static const TlbieCase tlbie_cases[] = {
    { "hv-tlbie-page", TLBIE_L2_HV, false, false },
    { "hv-tlbie-pid", TLBIE_L2_HV, false, true },
    { "hv-tlbiel-page", TLBIE_L2_HV, true, false },
    { "hv-tlbiel-pid", TLBIE_L2_HV, true, true },
    { "papr-tlbie-page", TLBIE_L2_PAPR, false, false },
    { "papr-tlbie-pid", TLBIE_L2_PAPR, false, true },
    { "papr-tlbiel-page", TLBIE_L2_PAPR, true, false },
    { "papr-tlbiel-pid", TLBIE_L2_PAPR, true, true },
    { "l1-tlbie-page", TLBIE_L1, false, false },
    { "l1-tlbie-pid", TLBIE_L1, false, true },
    { "l1-tlbiel-page", TLBIE_L1, true, false },
    { "l1-tlbiel-pid", TLBIE_L1, true, true },
};

/*
 * Code at @base, in real mode: tlbie_code()'s reads, remap and
 * invalidation of @c; what follows is the caller's.
 */
static int tlbie_code(uint32_t *code, uint64_t base, const TlbieCase *c)
{
    int n = virt_code(code, base);

    code[n++] = INSN_LIS(5, Q0_DATA >> 16);
    code[n++] = INSN_ORIS(8, 9, RESULT >> 16);
    code[n++] = INSN_LI(4, 1);
    code[n++] = INSN_MTSPR(SPR_PIDR, 4);
    code[n++] = INSN_LD(7, 5);
    code[n++] = INSN_STD_AT(7, 8, 0);
    code[n++] = INSN_ORIS(10, 9, NEW_PTE >> 16);
    code[n++] = INSN_LD(11, 10);
    code[n++] = INSN_ORIS(10, 9, PID1_Q0_PTE >> 16);
    code[n++] = INSN_ORI(10, 10, PID1_Q0_PTE & 0xffff);
    code[n++] = INSN_STD(11, 10);
    code[n++] = INSN_PTESYNC;
    /* RS: the PID in its first word; RB: Q0_DATA's page, or IS 1 (PID) */
    code[n++] = INSN_SLDI32(4, 4);
    code[n++] = c->by_pid ? INSN_LI(6, TLBIE_RB_IS_PID) : INSN_ORI(6, 5, 0);
    code[n++] = INSN_TLBIE_PRS(6, 4, c->local);
    if (!c->local) {
        code[n++] = INSN_EIEIO;
        code[n++] = INSN_TLBSYNC;
    }
    code[n++] = INSN_PTESYNC;
    code[n++] = INSN_LD(7, 5);
    code[n++] = INSN_STD_AT(7, 8, 8);
    return n;
}

static void assert_tlbie_results(QTestState *qts)
{
    g_assert_cmphex(qtest_readq(qts, RESULT), ==, VALUE_A);
    g_assert_cmphex(qtest_readq(qts, RESULT + 8), ==, VALUE_B);
}

static void write_new_pte(QTestState *qts)
{
    qtest_writeq(qts, NEW_PTE, R_PTE_RWX_RC | R_PTE_EAA_PRIV | PAGE_B);
}

/* An L2 runs tlbie_code() to its hcall */
static void l2_tlbie_test(const TlbieCase *c)
{
    uint32_t code[TLBIE_MAX_CODE];
    int n;
    L1 l1;

    n = tlbie_code(code, L2_CODE, c);
    code[n++] = INSN_SC1;
    code[n++] = INSN_B(0);
    g_assert_cmpint(n, <=, TLBIE_MAX_CODE);
    l1_init(&l1, c->level == TLBIE_L2_PAPR, 1, "", code, n);
    write_process_tables(l1.qts);
    write_new_pte(l1.qts);
    run_l2(&l1, 0);
    assert_tlbie_results(l1.qts);
    qtest_quit(l1.qts);
}

/* The L1 runs tlbie_code() on its vCPU 0, and marks it done */
static void l1_tlbie_test(const TlbieCase *c)
{
    QTestState *qts = qtest_init("-accel tcg -S -M pseries -cpu power10");
    uint64_t nip = spapr_nested_vcpu0_reg(qts, "NIP");
    uint32_t code[TLBIE_MAX_CODE];

    write_process_tables(qts);
    write_new_pte(qts);
    l1_run_to_done(qts, nip, code, tlbie_code(code, nip, c),
                   TLBIE_MAX_CODE, TLBIE_RESULTS);
    assert_tlbie_results(qts);
    qtest_quit(qts);
}

/*
 * The L1's vCPU 0 reads Q0_DATA under PID 1 in a loop; vCPU 1, in real
 * mode, waits for GO, remaps it and invalidates it with tlbie, by page or
 * by PID (@data), which must reach vCPU 0.
 */
static void l1_tlbie_from_another_vcpu(const void *data)
{
    const uint64_t proc_tbl[] = { PROC_TBL_RADIX, PROCTBL, 0, 0 };
    bool by_pid = GPOINTER_TO_INT(data);
    const uint32_t vcpu1[] = {
        INSN_LIS(22, GO >> 16),
        INSN_LD(9, 22), INSN_CMPLDI(9, 0), INSN_BEQ(-8),
        INSN_LIS(10, NEW_PTE >> 16), INSN_LD(11, 10),
        INSN_LIS(10, PID1_Q0_PTE >> 16),
        INSN_ORI(10, 10, PID1_Q0_PTE & 0xffff), INSN_STD(11, 10),
        INSN_PTESYNC,
        INSN_LI(4, 1), INSN_SLDI32(4, 4),
        by_pid ? INSN_LI(6, TLBIE_RB_IS_PID) : INSN_LIS(6, Q0_DATA >> 16),
        INSN_TLBIE_PRS(6, 4, false), INSN_EIEIO, INSN_TLBSYNC, INSN_PTESYNC,
        INSN_B(0),
    };
    L1 l1 = {
        .qts = qtest_init("-accel tcg -S -M pseries -cpu power10 -smp 2"),
    };
    uint64_t nip = spapr_nested_vcpu0_reg(l1.qts, "NIP");
    uint32_t vcpu0[TLBIE_MAX_CODE];
    int n;

    write_process_tables(l1.qts);
    write_new_pte(l1.qts);
    n = virt_code(vcpu0, nip);
    vcpu0[n++] = INSN_LIS(5, Q0_DATA >> 16);
    vcpu0[n++] = INSN_ORIS(8, 9, RESULT >> 16);
    vcpu0[n++] = INSN_LI(4, 1);
    vcpu0[n++] = INSN_MTSPR(SPR_PIDR, 4);
    vcpu0[n++] = INSN_LD(7, 5);
    vcpu0[n++] = INSN_STD(7, 8);
    vcpu0[n++] = INSN_B(-8);
    spapr_nested_write_code(l1.qts, nip, vcpu0, n);
    spapr_nested_write_code(l1.qts, VCPU1_CODE, vcpu1, ARRAY_SIZE(vcpu1));
    qtest_writeq(l1.qts, GO, 0);
    qtest_writeq(l1.qts, RESULT, 0);
    g_assert_cmpint(qtest_hcall(l1.qts, 0, H_REGISTER_PROC_TBL,
                                ARRAY_SIZE(proc_tbl), proc_tbl, NULL),
                    ==, H_SUCCESS);
    spapr_nested_start_vcpu(l1.qts, 1, VCPU1_CODE, RTAS_ARGS);
    qtest_qmp_assert_success(l1.qts, "{ 'execute': 'cont' }");
    g_assert_true(wait_result(&l1, VALUE_A));

    /* remapped: vCPU 0 keeps its translation until vCPU 1 invalidates it */
    qtest_writeq(l1.qts, PID1_Q0_PTE, R_PTE_RWX_RC | R_PTE_EAA_PRIV | PAGE_B);
    g_usleep(G_USEC_PER_SEC / 5);
    g_assert_cmphex(qtest_readq(l1.qts, RESULT), ==, VALUE_A);
    qtest_writeq(l1.qts, GO, 1);
    g_assert_true(wait_result(&l1, VALUE_B));
    qtest_quit(l1.qts);
}

static void tlbie_test(const void *data)
{
    const TlbieCase *c = data;

    if (c->level == TLBIE_L1) {
        l1_tlbie_test(c);
    } else {
        l2_tlbie_test(c);
    }
}

/*
 * The reports of a log of spapr_nested_l2_time: an entry, then its exit,
 * which adds the thread's CPU time in between to the time in L2s
 */
static void assert_l2_time_reports(const char *log, int runs)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    uint64_t l2 = 0, exits = 0, entry_l2 = 0, entry_exits = 0;
    int64_t thread = 0, entry_thread = 0;
    int reports = 0, cpu, i;

    g_assert_true(g_file_get_contents(log, &text, NULL, NULL));
    lines = g_strsplit(text, "\n", -1);
    for (i = 0; lines[i]; i++) {
        const char *r = strstr(lines[i], "spapr_nested_l2_time ");

        if (!r) {
            continue;
        }
        g_assert_cmpint(sscanf(r, "spapr_nested_l2_time vCPU %d l2_ns=%"
                               SCNu64 " thread_ns=%" SCNd64 " exits=%"
                               SCNu64, &cpu, &l2, &thread, &exits), ==, 4);
        g_assert_cmpint(cpu, ==, 0);
        if (reports++ % 2 == 0) {
            g_assert_cmpuint(exits, ==, reports / 2);
            g_assert_cmpuint(l2, ==, reports > 1 ? entry_l2 : 0);
            g_assert_cmpint(thread, >=, entry_thread);
            entry_l2 = l2;
            entry_exits = exits;
            entry_thread = thread;
        } else {
            g_assert_cmpuint(exits, ==, entry_exits + 1);
            g_assert_cmpint(thread, >=, entry_thread);
            g_assert_cmpuint(l2, ==, entry_l2 + (thread - entry_thread));
            entry_l2 = l2;
        }
    }
    g_assert_cmpint(reports, ==, 2 * runs);
}

static void l2_time(const void *data)
{
    bool papr = GPOINTER_TO_INT(data);
    g_autofree char *log = NULL;
    g_autofree char *args = NULL;
    int fd, i;
    L1 l1;

    fd = g_file_open_tmp("spapr-nested-time-XXXXXX", &log, NULL);
    g_assert_cmpint(fd, >=, 0);
    close(fd);
    args = g_strdup_printf("-trace spapr_nested_l2_time -D %s", log);
    l1_init(&l1, papr, 1, args, l2_read_once, ARRAY_SIZE(l2_read_once));
    for (i = 0; i < 3; i++) {
        g_assert_cmphex(run_l2(&l1, 0), ==, VALUE_A);
    }
    qtest_quit(l1.qts);
    assert_l2_time_reports(log, 3);
    unlink(log);
}

/* Each test with the nested-HV API (v1) and the PAPR API (v2) */
static void add_tests(const char *name, GTestDataFunc fn)
{
    g_autofree char *hv = g_strdup_printf("spapr/nested-tlb/hv-%s", name);
    g_autofree char *papr = g_strdup_printf("spapr/nested-tlb/papr-%s", name);

    qtest_add_data_func(hv, GINT_TO_POINTER(false), fn);
    qtest_add_data_func(papr, GINT_TO_POINTER(true), fn);
}

int main(int argc, char **argv)
{
    size_t i;

    g_test_init(&argc, &argv, NULL);
    add_tests("remap", remap);
    add_tests("two-l2s", two_l2s);
    add_tests("vcpu-moved", vcpu_moved);
    add_tests("invalidation-from-another-vcpu",
              invalidation_from_another_vcpu);
    add_tests("pidr", l2_pidr);
    add_tests("pidr-many-pages", l2_pidr_many_pages);
    add_tests("l2-time", l2_time);
    qtest_add_func("spapr/nested-tlb/l1-pidr", l1_pidr);
    qtest_add_func("spapr/nested-tlb/l1-pidr-many-pages", l1_pidr_many_pages);
    for (i = 0; i < ARRAY_SIZE(tlbie_cases); i++) {
        g_autofree char *path = g_strdup_printf("spapr/nested-tlb/%s",
                                                tlbie_cases[i].name);

        qtest_add_data_func(path, &tlbie_cases[i], tlbie_test);
    }
    qtest_add_data_func("spapr/nested-tlb/l1-tlbie-page-from-another-vcpu",
                        GINT_TO_POINTER(false), l1_tlbie_from_another_vcpu);
    qtest_add_data_func("spapr/nested-tlb/l1-tlbie-pid-from-another-vcpu",
                        GINT_TO_POINTER(true), l1_tlbie_from_another_vcpu);
    return g_test_run();
}
