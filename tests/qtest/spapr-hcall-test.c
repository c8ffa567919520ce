/*
 * QTest testcase for the pseries "hcall" qtest command
 *
 * The command must reach hypercall handlers as a guest's "sc 1" does, and
 * answer malformed commands with FAIL while QEMU keeps running.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqtest.h"

#define H_SUCCESS 0
#define H_FUNCTION (-2)
#define H_PARAMETER (-4)

#define H_CONFER 0xe4
#define H_GUEST_GET_CAPABILITIES 0x460

#define CAP_P9 0x4000000000000000ULL
#define CAP_P10 0x2000000000000000ULL
#define CAP_P11 0x1000000000000000ULL

static int64_t hcall1(QTestState *qts, int cpu, uint64_t opcode,
                      uint64_t arg, uint64_t *rets)
{
    return qtest_hcall(qts, cpu, opcode, 1, &arg, rets);
}

typedef struct CapsCase {
    const char *name;
    const char *args;
    uint64_t caps;
} CapsCase;

static const CapsCase caps_cases[] = {
    { "power9", "-cpu power9", CAP_P9 },
    { "power10", "-cpu power10", CAP_P9 | CAP_P10 },
    { "power11", "-cpu power11", CAP_P9 | CAP_P10 | CAP_P11 },
    { "power10-compat-power9", "-cpu power10 -M max-cpu-compat=power9",
      CAP_P9 },
};

/* Offered modes follow the CPU model and max-cpu-compat (upstream rule). */
static void test_get_capabilities(const void *data)
{
    const CapsCase *c = data;
    uint64_t rets[QTEST_HCALL_MAX_RETS];
    QTestState *qts;

    qts = qtest_initf("-M pseries,cap-nested-papr=on %s", c->args);
    g_assert_cmpint(hcall1(qts, 0, H_GUEST_GET_CAPABILITIES, 0, rets),
                    ==, H_SUCCESS);
    g_assert_cmphex(rets[0], ==, c->caps);
    qtest_quit(qts);
}

static void test_bad_flags(void)
{
    QTestState *qts = qtest_init("-M pseries,cap-nested-papr=on");

    g_assert_cmpint(hcall1(qts, 0, H_GUEST_GET_CAPABILITIES, 1, NULL),
                    ==, H_PARAMETER);
    qtest_quit(qts);
}

/* Without the capability the nested API does not exist for the guest. */
static void test_nested_papr_off(void)
{
    QTestState *qts = qtest_init("-M pseries");

    g_assert_cmpint(hcall1(qts, 0, H_GUEST_GET_CAPABILITIES, 0, NULL),
                    ==, H_FUNCTION);
    qtest_quit(qts);
}

static void test_unknown_opcodes(void)
{
    static const uint64_t opcodes[] = {
        0x3,                  /* not a multiple of 4 */
        0x190,                /* in PAPR, not implemented */
        0x48c,                /* past the last one */
        0xdead0000,           /* in no range */
        0xffffffffffffffffULL,
    };
    QTestState *qts = qtest_init("-M pseries");
    int i;

    for (i = 0; i < ARRAY_SIZE(opcodes); i++) {
        g_assert_cmpint(qtest_hcall(qts, 0, opcodes[i], 0, NULL, NULL),
                        ==, H_FUNCTION);
    }
    qtest_quit(qts);
}

static void test_second_vcpu(void)
{
    QTestState *qts = qtest_init("-M pseries,cap-nested-papr=on "
                                 "-cpu power10 -smp 2");
    uint64_t rets[QTEST_HCALL_MAX_RETS];
    g_autofree gchar *answer = NULL;

    g_assert_cmpint(hcall1(qts, 1, H_GUEST_GET_CAPABILITIES, 0, rets),
                    ==, H_SUCCESS);
    g_assert_cmphex(rets[0], ==, CAP_P9 | CAP_P10);
    answer = qtest_hcall_raw(qts, "cpu=2 0x460 0");
    g_assert_cmpstr(answer, ==, "FAIL hcall: no vCPU 2");
    qtest_quit(qts);
}

/*
 * H_CONFER to no one in particular leaves the CPU loop (TCG), as from a
 * guest's "sc 1": the command still answers, and QEMU goes on (it crashed).
 */
static void test_leaves_cpu_loop(void)
{
    QTestState *qts = qtest_init("-accel tcg -S -M pseries -cpu power10 "
                                 "-smp 2");
    g_autofree gchar *answer = NULL;

    answer = qtest_hcall_raw(qts, "cpu=1 0xe4 -1");
    g_assert_true(g_str_has_prefix(answer, "OK "));
    g_assert_cmpint(hcall1(qts, 0, H_CONFER, -1, NULL), !=, H_FUNCTION);
    qtest_qmp_assert_success(qts, "{ 'execute': 'query-status' }");
    qtest_quit(qts);
}

/* Each malformed command is refused, with a reason, and changes nothing. */
static void test_malformed_commands(void)
{
    static const struct {
        const char *words;
        const char *answer;
    } cases[] = {
        { "", "FAIL hcall: expected OPCODE [ARG...], got ''" },
        { "cpu=0", "FAIL hcall: expected OPCODE [ARG...], got ''" },
        { "cpu=x 0x460", "FAIL hcall: bad vCPU index 'cpu=x'" },
        { "cpu=4294967296 0x460", "FAIL hcall: no vCPU 4294967296" },
        { "H_CEDE", "FAIL hcall: expected OPCODE [ARG...], got 'H_CEDE'" },
        { "0x460 zz", "FAIL hcall: bad argument 'zz'" },
        { "0x460 0x10000000000000000",
          "FAIL hcall: bad argument '0x10000000000000000'" },
        { "0x460 0 1 2 3 4 5 6 7 8 9", "FAIL hcall: more than 9 arguments" },
    };
    QTestState *qts = qtest_init("-M pseries,cap-nested-papr=on "
                                 "-cpu power10");
    uint64_t rets[QTEST_HCALL_MAX_RETS];
    int i;

    for (i = 0; i < ARRAY_SIZE(cases); i++) {
        g_autofree gchar *answer = qtest_hcall_raw(qts, cases[i].words);

        g_assert_cmpstr(answer, ==, cases[i].answer);
    }
    g_assert_cmpint(hcall1(qts, 0, H_GUEST_GET_CAPABILITIES, 0, rets),
                    ==, H_SUCCESS);
    g_assert_cmphex(rets[0], ==, CAP_P9 | CAP_P10);
    qtest_quit(qts);
}

static void test_not_pseries(void)
{
    QTestState *qts = qtest_init("-M none");
    g_autofree gchar *answer = qtest_hcall_raw(qts, "0x460 0");

    g_assert_cmpstr(answer, ==, "FAIL hcall needs a pseries machine");
    qtest_quit(qts);
}

int main(int argc, char **argv)
{
    int i;

    g_test_init(&argc, &argv, NULL);

    for (i = 0; i < ARRAY_SIZE(caps_cases); i++) {
        g_autofree gchar *path = g_strdup_printf(
            "spapr/hcall/get-capabilities/%s", caps_cases[i].name);

        qtest_add_data_func(path, &caps_cases[i], test_get_capabilities);
    }
    qtest_add_func("spapr/hcall/get-capabilities/bad-flags", test_bad_flags);
    qtest_add_func("spapr/hcall/nested-papr-off", test_nested_papr_off);
    qtest_add_func("spapr/hcall/unknown-opcodes", test_unknown_opcodes);
    qtest_add_func("spapr/hcall/second-vcpu", test_second_vcpu);
    qtest_add_func("spapr/hcall/malformed", test_malformed_commands);
    qtest_add_func("spapr/hcall/leaves-cpu-loop", test_leaves_cpu_loop);
    qtest_add_func("spapr/hcall/not-pseries", test_not_pseries);

    return g_test_run();
}
