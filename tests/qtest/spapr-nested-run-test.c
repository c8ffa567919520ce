/*
 * QTest testcase for an L1 that runs its L2 on the nested APIs' L0
 *
 * The machine is stopped (-S), so a vCPU that enters its L2 through
 * H_GUEST_RUN_VCPU (PAPR API) or H_ENTER_NESTED (nested-HV API) stays
 * there: what the L0 loaded for the L2 can be read with "info registers",
 * and what happens to such a vCPU at a machine reset or a migration can
 * be seen from outside.  The accelerator is TCG, whose TLB the nested
 * entry flushes.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "qobject/qdict.h"
#include "libqtest.h"
#include "spapr-nested-util.h"

#define H_NOT_AVAILABLE 3
#define H_P2 (-55)
#define H_INVALID_ELEMENT_VALUE (-81)

/* v1: the L1's partition table, its hv state and its L2's registers */
#define PTCR 0x3000000
#define HV_STATE_ADDR 0x3100000
#define REGS_ADDR 0x3200000
#define HV_STATE_LPID_OFFSET 8
#define REGS_MSR_OFFSET (33 * 8)
#define REGS_SIZE 0x200

#define NESTED_PAPR "-accel tcg -S -M pseries,cap-nested-papr=on -cpu power10"
#define NESTED_HV "-accel tcg -S -M pseries,cap-nested-hv=on -cpu power10"

static int64_t hcall(QTestState *qts, uint64_t opcode, int nargs,
                     const uint64_t *args, uint64_t *rets)
{
    return spapr_nested_hcall(qts, opcode, nargs, args, rets);
}

/*
 * An L2 with one vCPU that can run, whose MSR is @msr; returns its id
 * once vCPU 0 of the machine has entered it.
 */
static uint64_t papr_run_l2(QTestState *qts, uint64_t msr)
{
    uint64_t run[3] = { 0, spapr_nested_papr_create_l2(qts, msr), 0 };

    hcall(qts, H_GUEST_RUN_VCPU, ARRAY_SIZE(run), run, NULL);
    return run[1];
}

/*
 * vCPU 0 enters an L2 through H_ENTER_NESTED, the L2's MSR being @msr,
 * with the partition table the L1 set before; returns the hcall's answer
 * if it did not enter.
 */
static int64_t hv_enter(QTestState *qts, uint64_t msr)
{
    const uint64_t enter[] = { HV_STATE_ADDR, REGS_ADDR };
    uint8_t zero[REGS_SIZE] = { 0 };
    uint32_t lpid = 1;

    /* the L1 writes these structures in its byte order: the host's here */
    qtest_memwrite(qts, HV_STATE_ADDR, zero, sizeof(zero));
    qtest_memwrite(qts, HV_STATE_ADDR + HV_STATE_LPID_OFFSET, &lpid,
                   sizeof(lpid));
    qtest_memwrite(qts, REGS_ADDR, zero, sizeof(zero));
    qtest_memwrite(qts, REGS_ADDR + REGS_MSR_OFFSET, &msr, sizeof(msr));
    return hcall(qts, H_ENTER_NESTED, ARRAY_SIZE(enter), enter, NULL);
}

static void hv_set_ptbl(QTestState *qts)
{
    const uint64_t ptcr = PTCR;

    g_assert_cmpint(hcall(qts, H_SET_PARTITION_TABLE, 1, &ptcr, NULL),
                    ==, H_SUCCESS);
}

static void hv_enter_l2(QTestState *qts, uint64_t msr)
{
    hv_set_ptbl(qts);
    hv_enter(qts, msr);
}

/* vCPU 0's MSR, as "info registers" shows it */
static uint64_t vcpu0_msr(QTestState *qts)
{
    return spapr_nested_vcpu0_reg(qts, "MSR");
}

/* Whether vCPU 0 takes hcalls, that is, runs its L1 and not an L2 */
static bool vcpu0_in_l1(QTestState *qts)
{
    g_autofree char *answer = qtest_hcall_raw(qts, "cpu=0 0x460 0");

    if (g_str_has_prefix(answer, "FAIL")) {
        g_assert_nonnull(strstr(answer, "running a nested guest"));
        return false;
    }
    g_assert_true(g_str_has_prefix(answer, "OK "));
    return true;
}

/*
 * The L1 chooses the L2's MSR, but not hypervisor state: with MSR[HV]
 * the L2 would run with the privileges of the virtual hypervisor.
 */
static void test_papr_msr_hv(void)
{
    QTestState *qts = qtest_init(NESTED_PAPR);
    uint64_t guest = spapr_nested_papr_create_l2(qts, L2_MSR);
    uint8_t gsb[16] = { 0, 0, 0, 1, 0x10, 0x22, 0, 8 };
    const uint64_t set[] = { 0, guest, 0, GSB_ADDR, sizeof(gsb) };
    const uint64_t run[] = { 0, guest, 0 };

    /* refused as a reserved bit, the MSR left as it was */
    stq_be_p(gsb + 8, L2_MSR | MSR_HV);
    qtest_memwrite(qts, GSB_ADDR, gsb, sizeof(gsb));
    g_assert_cmpint(hcall(qts, H_GUEST_SET_STATE, ARRAY_SIZE(set), set, NULL),
                    ==, H_INVALID_ELEMENT_VALUE);
    hcall(qts, H_GUEST_RUN_VCPU, ARRAY_SIZE(run), run, NULL);
    g_assert_false(vcpu0_in_l1(qts));
    g_assert_cmphex(vcpu0_msr(qts), ==, L2_MSR);
    qtest_quit(qts);
}

static void test_hv_msr_hv(void)
{
    QTestState *qts = qtest_init(NESTED_HV);

    hv_enter_l2(qts, L2_MSR | MSR_HV);
    g_assert_false(vcpu0_in_l1(qts));
    g_assert_cmphex(vcpu0_msr(qts), ==, L2_MSR);
    qtest_quit(qts);
}

static void reset(QTestState *qts)
{
    qtest_qmp_assert_success(qts, "{ 'execute': 'system_reset' }");
    qtest_qmp_eventwait(qts, "RESET");
}

/*
 * A reset (another vCPU of the L1 asked for it) while vCPU 0 runs an L2:
 * vCPU 0 comes back to the new L1, and the old L1's L2s are gone.
 */
static void test_papr_reset_in_l2(void)
{
    QTestState *qts = qtest_init(NESTED_PAPR " -smp 2");
    uint64_t guest = papr_run_l2(qts, L2_MSR);
    uint8_t gsb[12] = { 0, 0, 0, 1, 0x10, 0x00, 0, 8 };
    const uint64_t set[] = { 0, guest, 0, GSB_ADDR, sizeof(gsb) };

    g_assert_false(vcpu0_in_l1(qts));
    reset(qts);
    g_assert_true(vcpu0_in_l1(qts));
    qtest_memwrite(qts, GSB_ADDR, gsb, sizeof(gsb));
    g_assert_cmpint(hcall(qts, H_GUEST_SET_STATE, ARRAY_SIZE(set), set, NULL),
                    ==, H_P2);
    /* the new L1 negotiates its modes again, and runs an L2 */
    g_assert_cmphex(papr_run_l2(qts, L2_MSR), !=, 0);
    g_assert_false(vcpu0_in_l1(qts));
    qtest_quit(qts);
}

static void test_hv_reset_in_l2(void)
{
    QTestState *qts = qtest_init(NESTED_HV " -smp 2");
    const uint64_t enter[] = { HV_STATE_ADDR, REGS_ADDR };

    hv_enter_l2(qts, L2_MSR);
    g_assert_false(vcpu0_in_l1(qts));
    reset(qts);
    g_assert_true(vcpu0_in_l1(qts));
    /* the old L1's partition table went with it */
    g_assert_cmpint(hcall(qts, H_ENTER_NESTED, ARRAY_SIZE(enter), enter,
                          NULL), ==, H_NOT_AVAILABLE);
    hv_enter_l2(qts, L2_MSR);
    g_assert_false(vcpu0_in_l1(qts));
    qtest_quit(qts);
}

static char *migrate_status(QTestState *qts)
{
    QDict *rsp = qtest_qmp_assert_success_ref(qts,
                     "{ 'execute': 'query-migrate' }");
    char *status = g_strdup(qdict_get_try_str(rsp, "status"));

    qobject_unref(rsp);
    return status;
}

static char *wait_migration_end(QTestState *qts)
{
    char *status = NULL;

    do {
        g_free(status);
        g_usleep(20 * 1000);
        status = migrate_status(qts);
    } while (!strcmp(status, "setup") || !strcmp(status, "active") ||
             !strcmp(status, "device"));
    return status;
}

/*
 * Migrating while a vCPU runs an L2 fails, saying why (the L1's registers
 * wait in the L0 and do not migrate), and the source keeps them; once the
 * vCPU is back in its L1 (here: after a reset), it migrates.
 */
static void test_migration_in_l2(void)
{
    g_autofree char *tmpdir = g_dir_make_tmp("spapr-nested-run-XXXXXX", NULL);
    g_autofree char *uri = g_strdup_printf("file:%s/state", tmpdir);
    g_autofree char *path = g_strdup_printf("%s/state", tmpdir);
    QTestState *qts = qtest_init(NESTED_HV);
    char *status;
    QDict *rsp;

    hv_enter_l2(qts, L2_MSR);
    qtest_qmp_assert_success(qts, "{ 'execute': 'migrate',"
                             "  'arguments': { 'uri': %s } }", uri);
    status = wait_migration_end(qts);
    g_assert_cmpstr(status, ==, "failed");
    g_free(status);
    rsp = qtest_qmp_assert_success_ref(qts, "{ 'execute': 'query-migrate' }");
    g_assert_nonnull(strstr(qdict_get_try_str(rsp, "error-desc") ?: "",
                            "spapr/nested-l2-running"));
    qobject_unref(rsp);
    g_assert_false(vcpu0_in_l1(qts));
    g_assert_cmphex(vcpu0_msr(qts), ==, L2_MSR);

    reset(qts);
    qtest_qmp_assert_success(qts, "{ 'execute': 'migrate',"
                             "  'arguments': { 'uri': %s } }", uri);
    status = wait_migration_end(qts);
    g_assert_cmpstr(status, ==, "completed");
    g_free(status);

    qtest_quit(qts);
    unlink(path);
    rmdir(tmpdir);
}

/*
 * With the nested-HV API alone, an L1's L2s live in its memory but for
 * its partition table register: that migrates, and the destination
 * enters the L2 (it answered H_NOT_AVAILABLE, as if the L1 had none).
 */
static void test_hv_migration(void)
{
    g_autofree char *tmpdir = g_dir_make_tmp("spapr-nested-run-XXXXXX", NULL);
    g_autofree char *uri = g_strdup_printf("unix:%s/migsocket", tmpdir);
    QTestState *src = qtest_init(NESTED_HV);
    QTestState *dst = qtest_init(NESTED_HV " -incoming defer");
    char *status;

    hv_set_ptbl(src);
    qtest_qmp_assert_success(dst, "{ 'execute': 'migrate-incoming',"
                             "  'arguments': { 'uri': %s } }", uri);
    qtest_qmp_assert_success(src, "{ 'execute': 'migrate',"
                             "  'arguments': { 'uri': %s } }", uri);
    status = wait_migration_end(src);
    g_assert_cmpstr(status, ==, "completed");
    g_free(status);
    status = wait_migration_end(dst);
    g_assert_cmpstr(status, ==, "completed");
    g_free(status);

    g_assert_true(vcpu0_in_l1(dst));
    g_assert_cmpint(hv_enter(dst, L2_MSR), ==, H_SUCCESS);
    g_assert_false(vcpu0_in_l1(dst));
    g_assert_cmphex(vcpu0_msr(dst), ==, L2_MSR);

    qtest_quit(src);
    qtest_quit(dst);
    rmdir(tmpdir);
}

/* vCPU 0's PCR, as the monitor prints it */
static uint64_t vcpu0_pcr(QTestState *qts)
{
    g_autofree char *out = qtest_hmp(qts, "p $pcr");

    return g_ascii_strtoull(out, NULL, 0);
}

/* Element 0x0003 of @guest, the L2's logical PVR */
static void papr_set_lpvr(QTestState *qts, uint64_t guest, uint32_t lpvr)
{
    uint8_t gsb[12];
    const uint64_t args[] = { GUEST_WIDE, guest, 0, GSB_ADDR, sizeof(gsb) };

    stl_be_p(gsb, 1);
    stw_be_p(gsb + 4, 0x0003);
    stw_be_p(gsb + 6, 4);
    stl_be_p(gsb + 8, lpvr);
    qtest_memwrite(qts, GSB_ADDR, gsb, sizeof(gsb));
    g_assert_cmpint(hcall(qts, H_GUEST_SET_STATE, ARRAY_SIZE(args), args,
                          NULL), ==, H_SUCCESS);
}

/*
 * The PCR that vCPU @vcpu of a Power9-mode L2 runs with, the vCPU being
 * created after (1) or before (0) the logical PVR was set
 */
static uint64_t papr_power9_pcr(uint64_t vcpu)
{
    QTestState *qts = qtest_init(NESTED_PAPR);
    uint64_t guest = spapr_nested_papr_create_l2(qts, L2_MSR);
    const uint64_t create[] = { 0, guest, 1 }, run[] = { 0, guest, vcpu };
    const uint64_t run_in[] = { RUN_IN_ADDR, RUN_BUF_SIZE };
    const uint64_t run_out[] = { RUN_OUT_ADDR + RUN_BUF_SIZE, RUN_BUF_SIZE };
    const uint64_t msr = L2_MSR;
    uint64_t pcr;

    papr_set_lpvr(qts, guest, 0x0f000005);
    g_assert_cmpint(hcall(qts, H_GUEST_CREATE_VCPU, ARRAY_SIZE(create),
                          create, NULL), ==, H_SUCCESS);
    spapr_nested_set_vcpu_state(qts, guest, 1, GSID_RUN_INPUT,
                                ARRAY_SIZE(run_in), run_in);
    spapr_nested_set_vcpu_state(qts, guest, 1, GSID_RUN_OUTPUT,
                                ARRAY_SIZE(run_out), run_out);
    spapr_nested_set_vcpu_state(qts, guest, 1, GSID_MSR, 1, &msr);
    hcall(qts, H_GUEST_RUN_VCPU, ARRAY_SIZE(run), run, NULL);
    g_assert_false(vcpu0_in_l1(qts));
    pcr = vcpu0_pcr(qts);
    qtest_quit(qts);
    return pcr;
}

/* Every vCPU of an L2 runs in its mode, created before or after it was set */
static void test_papr_pcr_of_new_vcpu(void)
{
    uint64_t pcr = papr_power9_pcr(0);

    g_assert_cmphex(pcr, !=, 0);
    g_assert_cmphex(papr_power9_pcr(1), ==, pcr);
}

/*
 * An L1 in Power10 mode whose L2 never gets a logical PVR runs it in
 * Power10 mode all the same, not raw (as a Power11).
 */
static void test_papr_mode_without_lpvr(void)
{
    const char *args = "-accel tcg -S -M pseries,cap-nested-papr=on,"
                       "max-cpu-compat=power10 -cpu power11";
    const uint64_t msr = L2_MSR;
    QTestState *qts;
    uint64_t guest, pcr;

    qts = qtest_init(args);
    guest = spapr_nested_papr_create_l2(qts, msr);
    papr_set_lpvr(qts, guest, 0x0f000006);
    hcall(qts, H_GUEST_RUN_VCPU, 3, (uint64_t[]) { 0, guest, 0 }, NULL);
    g_assert_false(vcpu0_in_l1(qts));
    pcr = vcpu0_pcr(qts);
    qtest_quit(qts);

    qts = qtest_init(args);
    g_assert_false(papr_run_l2(qts, msr) == 0);
    g_assert_false(vcpu0_in_l1(qts));
    g_assert_cmphex(vcpu0_pcr(qts), ==, pcr);
    qtest_quit(qts);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("spapr/nested-run/papr-msr-hv", test_papr_msr_hv);
    qtest_add_func("spapr/nested-run/hv-msr-hv", test_hv_msr_hv);
    qtest_add_func("spapr/nested-run/papr-reset-in-l2",
                   test_papr_reset_in_l2);
    qtest_add_func("spapr/nested-run/hv-reset-in-l2", test_hv_reset_in_l2);
    qtest_add_func("spapr/nested-run/migration-in-l2", test_migration_in_l2);
    qtest_add_func("spapr/nested-run/hv-migration", test_hv_migration);
    qtest_add_func("spapr/nested-run/papr-pcr-of-new-vcpu",
                   test_papr_pcr_of_new_vcpu);
    qtest_add_func("spapr/nested-run/papr-mode-without-lpvr",
                   test_papr_mode_without_lpvr);
    return g_test_run();
}
