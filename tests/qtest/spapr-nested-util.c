/*
 * An L1 that runs an L2 on the nested APIs' L0, from qtests, through the
 * "hcall" qtest command on vCPU 0
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "spapr-nested-util.h"

int64_t spapr_nested_hcall(QTestState *qts, uint64_t opcode, int nargs,
                           const uint64_t *args, uint64_t *rets)
{
    return qtest_hcall(qts, 0, opcode, nargs, args, rets);
}

static void set_state(QTestState *qts, uint64_t flags, uint64_t guest,
                      uint64_t vcpu, uint16_t id, int n,
                      const uint64_t *values)
{
    uint8_t gsb[4 + 4 + 3 * 8];
    const uint64_t args[] = { flags, guest, vcpu, GSB_ADDR, 8 + n * 8 };
    int i;

    g_assert(n >= 1 && n <= 3);
    stl_be_p(gsb, 1);
    stw_be_p(gsb + 4, id);
    stw_be_p(gsb + 6, n * 8);
    for (i = 0; i < n; i++) {
        stq_be_p(gsb + 8 + i * 8, values[i]);
    }
    qtest_memwrite(qts, GSB_ADDR, gsb, 8 + n * 8);
    g_assert_cmpint(spapr_nested_hcall(qts, H_GUEST_SET_STATE,
                                       ARRAY_SIZE(args), args, NULL),
                    ==, H_SUCCESS);
}

void spapr_nested_set_state(QTestState *qts, uint64_t flags, uint64_t guest,
                            uint16_t id, int n, const uint64_t *values)
{
    set_state(qts, flags, guest, 0, id, n, values);
}

void spapr_nested_set_vcpu_state(QTestState *qts, uint64_t guest,
                                 uint64_t vcpu, uint16_t id, int n,
                                 const uint64_t *values)
{
    set_state(qts, 0, guest, vcpu, id, n, values);
}

uint64_t spapr_nested_papr_create_l2(QTestState *qts, uint64_t msr)
{
    const uint64_t caps[] = { 0, CAP_P9 | CAP_P10 };

    g_assert_cmpint(spapr_nested_hcall(qts, H_GUEST_SET_CAPABILITIES,
                                       ARRAY_SIZE(caps), caps, NULL),
                    ==, H_SUCCESS);
    return spapr_nested_papr_add_l2(qts, msr);
}

uint64_t spapr_nested_papr_add_l2(QTestState *qts, uint64_t msr)
{
    const uint64_t create[] = { 0, -1 };
    const uint64_t pagetbl[] = { L2_PAGETBL, 52, L2_PAGETBL_ROOT_SIZE };
    const uint64_t run_in[] = { RUN_IN_ADDR, RUN_BUF_SIZE };
    const uint64_t run_out[] = { RUN_OUT_ADDR, RUN_BUF_SIZE };
    uint64_t rets[QTEST_HCALL_MAX_RETS], vcpu[3] = { 0 };
    uint8_t empty_gsb[4] = { 0 };
    uint64_t guest;

    g_assert_cmpint(spapr_nested_hcall(qts, H_GUEST_CREATE,
                                       ARRAY_SIZE(create), create, rets),
                    ==, H_SUCCESS);
    guest = vcpu[1] = rets[0];
    g_assert_cmpint(spapr_nested_hcall(qts, H_GUEST_CREATE_VCPU,
                                       ARRAY_SIZE(vcpu), vcpu, NULL),
                    ==, H_SUCCESS);
    spapr_nested_set_state(qts, GUEST_WIDE, guest, GSID_PAGETBL,
                           ARRAY_SIZE(pagetbl), pagetbl);
    spapr_nested_set_state(qts, 0, guest, GSID_RUN_INPUT,
                           ARRAY_SIZE(run_in), run_in);
    spapr_nested_set_state(qts, 0, guest, GSID_RUN_OUTPUT,
                           ARRAY_SIZE(run_out), run_out);
    spapr_nested_set_state(qts, 0, guest, GSID_MSR, 1, &msr);
    qtest_memwrite(qts, RUN_IN_ADDR, empty_gsb, sizeof(empty_gsb));
    return guest;
}

uint64_t spapr_nested_papr_create_real_mode_l2(QTestState *qts, uint64_t msr,
                                               uint64_t nia)
{
    const uint64_t proctbl[] = { L2_REAL_PROCTBL, L2_REAL_PROCTBL_SIZE };
    const uint64_t hdec_expiry = HDEC_EXPIRY;
    uint64_t guest;

    qtest_memset(qts, L2_PAGETBL, 0, L2_PAGETBL_ROOT_SIZE);
    qtest_writeq(qts, L2_PAGETBL, R_PTE_VALID | L2_REAL_PAGEDIR | DIR_NLS);
    qtest_memset(qts, L2_REAL_PAGEDIR, 0, 8 << DIR_NLS);
    qtest_writeq(qts, L2_REAL_PAGEDIR,
                 R_PTE_VALID | R_PTE_LEAF | R_PTE_RC | R_PTE_EAA_RWX);
    qtest_memset(qts, L2_REAL_PROCTBL, 0, L2_REAL_PROCTBL_SIZE);
    guest = spapr_nested_papr_create_l2(qts, msr);
    g_assert_cmphex(guest, <=, 0x7fff);
    spapr_nested_set_state(qts, GUEST_WIDE, guest, GSID_PROCTBL,
                           ARRAY_SIZE(proctbl), proctbl);
    spapr_nested_set_state(qts, 0, guest, GSID_HDEC_EXPIRY, 1, &hdec_expiry);
    spapr_nested_set_state(qts, 0, guest, GSID_NIA, 1, &nia);
    return guest;
}

uint64_t spapr_nested_get_vcpu_state(QTestState *qts, uint64_t guest,
                                     uint64_t vcpu, uint16_t id)
{
    const uint64_t args[] = { 0, guest, vcpu, GSB_ADDR, 16 };
    uint8_t gsb[16] = { 0 };

    stl_be_p(gsb, 1);
    stw_be_p(gsb + 4, id);
    stw_be_p(gsb + 6, 8);
    qtest_memwrite(qts, GSB_ADDR, gsb, sizeof(gsb));
    g_assert_cmpint(spapr_nested_hcall(qts, H_GUEST_GET_STATE,
                                       ARRAY_SIZE(args), args, NULL),
                    ==, H_SUCCESS);
    return qtest_readq(qts, GSB_ADDR + 8);
}

uint64_t spapr_nested_vcpu0_reg(QTestState *qts, const char *name)
{
    g_autofree char *regs = qtest_hmp(qts, "info registers");
    g_autofree char *key = g_strdup_printf("%s ", name);
    const char *at = strstr(regs, key);

    g_assert_nonnull(at);
    return g_ascii_strtoull(at + strlen(key), NULL, 16);
}

/* A line of "info registers" starts with the name of every fourth GPR. */
uint64_t spapr_nested_vcpu0_gpr(QTestState *qts, int n)
{
    g_autofree char *regs = qtest_hmp(qts, "info registers");
    g_autofree char *key = g_strdup_printf("GPR%02d ", n & ~3);
    const char *at = strstr(regs, key);
    char *end;
    int i;

    g_assert_nonnull(at);
    at += strlen(key);
    for (i = 0; i < (n & 3); i++) {
        g_ascii_strtoull(at, &end, 16);
        at = end;
    }
    return g_ascii_strtoull(at, NULL, 16);
}

void spapr_nested_write_code(QTestState *qts, uint64_t addr,
                             const uint32_t *insns, int n)
{
    int i;

    for (i = 0; i < n; i++) {
        qtest_writel(qts, addr + i * 4, insns[i]);
    }
}

uint64_t spapr_nested_write_l1_code(QTestState *qts, const uint32_t *insns,
                                    int n)
{
    uint64_t nip = spapr_nested_vcpu0_reg(qts, "NIP");

    spapr_nested_write_code(qts, nip, insns, n);
    return nip;
}

bool spapr_nested_terminate(QTestState *qts)
{
    gint64 deadline = g_get_monotonic_time() + PATIENCE_US;

    kill(qtest_pid(qts), SIGTERM);
    while (qtest_probe_child(qts)) {
        if (g_get_monotonic_time() > deadline) {
            kill(qtest_pid(qts), SIGKILL);
            while (qtest_probe_child(qts)) {
                g_usleep(POLL_US);
            }
            return false;
        }
        g_usleep(POLL_US);
    }
    return true;
}

void spapr_nested_wait_back_in_l1(QTestState *qts, uint64_t nip, int gpr,
                                  uint64_t value)
{
    gint64 deadline = g_get_monotonic_time() + PATIENCE_US;

    qtest_qmp_assert_success(qts, "{ 'execute': 'cont' }");
    while (spapr_nested_vcpu0_reg(qts, "NIP") != nip ||
           spapr_nested_vcpu0_gpr(qts, gpr) != value) {
        if (g_get_monotonic_time() > deadline) {
            g_assert_false(spapr_nested_terminate(qts));
            g_assert_not_reached();
        }
        g_usleep(POLL_US);
    }
    qtest_qmp_assert_success(qts, "{ 'execute': 'stop' }");
}

void spapr_nested_l1_run_l2_to_hcall(QTestState *qts, const uint32_t *l1,
                                     int n)
{
    uint64_t nip = spapr_nested_write_l1_code(qts, l1, n);

    spapr_nested_wait_back_in_l1(qts, nip + (n - 1) * 4, L1_DONE_GPR,
                                 L1_DONE);
    g_assert_cmphex(spapr_nested_vcpu0_gpr(qts, 3), ==, H_SUCCESS);
    g_assert_cmphex(spapr_nested_vcpu0_gpr(qts, 4), ==, SYSCALL_VECTOR);
}

void spapr_nested_start_vcpu(QTestState *qts, uint32_t cpu, uint64_t code,
                             uint64_t rtas_args)
{
    /* start-cpu: the vCPU, where it starts, its R3 */
    const uint32_t args[] = { cpu, code, 0 };
    int i;

    for (i = 0; i < ARRAY_SIZE(args); i++) {
        qtest_writel(qts, rtas_args + i * 4, args[i]);
    }
    qtest_writel(qts, rtas_args + 0x100, -1);
    g_assert_cmpint(qtest_rtas_call(qts, "start-cpu", ARRAY_SIZE(args),
                                    rtas_args, 1, rtas_args + 0x100), ==, 0);
    g_assert_cmpint(qtest_readl(qts, rtas_args + 0x100), ==, 0);
}
