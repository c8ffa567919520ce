/*
 * QTest testcase for both nested APIs on one pseries machine
 *
 * With cap-nested-hv and cap-nested-papr on, the L1 chooses its API by
 * the first call that commits to one; the other API's calls then fail as
 * on a hypervisor without it, until the L1 tears its nested state down or
 * the machine resets.  Each capability alone keeps its single API.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqtest.h"

#define H_SUCCESS 0
#define H_FUNCTION (-2)
#define H_PARAMETER (-4)
#define H_NOT_AVAILABLE 3
#define H_STATE (-75)

#define H_GUEST_GET_CAPABILITIES 0x460
#define H_GUEST_SET_CAPABILITIES 0x464
#define H_GUEST_CREATE 0x470
#define H_GUEST_DELETE 0x488
#define H_SET_PARTITION_TABLE 0xf800
#define H_ENTER_NESTED 0xf804
#define H_TLB_INVALIDATE 0xf808

#define CAP_P9 0x4000000000000000ULL
#define CAP_P10 0x2000000000000000ULL

#define BOTH "-M pseries,cap-nested-hv=on,cap-nested-papr=on -cpu power10"
#define V1_ONLY "-M pseries,cap-nested-hv=on -cpu power10"
#define V2_ONLY "-M pseries,cap-nested-papr=on -cpu power10"

/* A partition table of 2^12 bytes at 16 MiB */
#define PTCR 0x1000000

static int64_t hcall(QTestState *qts, uint64_t opcode, uint64_t a0,
                     uint64_t a1, uint64_t *rets)
{
    const uint64_t args[] = { a0, a1 };

    return qtest_hcall(qts, 0, opcode, ARRAY_SIZE(args), args, rets);
}

static int64_t v2_query(QTestState *qts)
{
    return hcall(qts, H_GUEST_GET_CAPABILITIES, 0, 0, NULL);
}

static int64_t v2_set_caps(QTestState *qts)
{
    return hcall(qts, H_GUEST_SET_CAPABILITIES, 0, CAP_P9 | CAP_P10, NULL);
}

static int64_t v2_create(QTestState *qts, uint64_t *guest)
{
    uint64_t rets[QTEST_HCALL_MAX_RETS];
    int64_t rc = hcall(qts, H_GUEST_CREATE, 0, -1, rets);

    *guest = rets[0];
    return rc;
}

static int64_t v1_set_ptbl(QTestState *qts, uint64_t ptcr)
{
    return hcall(qts, H_SET_PARTITION_TABLE, ptcr, 0, NULL);
}

/* H_ENTER_NESTED without valid state: the answer says if v1 is there. */
static int64_t v1_enter(QTestState *qts)
{
    return hcall(qts, H_ENTER_NESTED, 0, 0, NULL);
}

static void test_v2_first(void)
{
    QTestState *qts = qtest_init(BOTH);
    uint64_t guest;

    g_assert_cmpint(v2_set_caps(qts), ==, H_SUCCESS);
    g_assert_cmpint(v2_create(qts, &guest), ==, H_SUCCESS);
    g_assert_cmpint(v1_set_ptbl(qts, PTCR), ==, H_FUNCTION);
    g_assert_cmpint(v1_enter(qts), ==, H_FUNCTION);
    g_assert_cmpint(v2_query(qts), ==, H_SUCCESS);
    /* shared by both APIs */
    g_assert_cmpint(hcall(qts, H_TLB_INVALIDATE, 0, guest, NULL),
                    ==, H_SUCCESS);
    qtest_quit(qts);
}

static void test_v1_first(void)
{
    QTestState *qts = qtest_init(BOTH);

    g_assert_cmpint(v1_set_ptbl(qts, PTCR), ==, H_SUCCESS);
    g_assert_cmpint(v2_query(qts), ==, H_FUNCTION);
    g_assert_cmpint(v2_set_caps(qts), ==, H_FUNCTION);
    g_assert_cmpint(hcall(qts, H_GUEST_DELETE, 0, 1, NULL), ==, H_FUNCTION);
    g_assert_cmpint(hcall(qts, H_TLB_INVALIDATE, 0, 1, NULL), ==, H_SUCCESS);
    qtest_quit(qts);
}

/* Queries commit to nothing: either API can still be chosen. */
static void test_query_does_not_select(void)
{
    QTestState *qts = qtest_init(BOTH);

    g_assert_cmpint(v2_query(qts), ==, H_SUCCESS);
    g_assert_cmpint(v1_set_ptbl(qts, PTCR), ==, H_SUCCESS);
    g_assert_cmpint(v2_query(qts), ==, H_FUNCTION);
    qtest_quit(qts);
}

/* Tearing everything down lets the L1 (or the next kernel) choose again. */
static void test_release_after_teardown(void)
{
    QTestState *qts = qtest_init(BOTH);
    uint64_t guest;

    /* v2: the last guest deleted */
    g_assert_cmpint(v2_set_caps(qts), ==, H_SUCCESS);
    g_assert_cmpint(v2_create(qts, &guest), ==, H_SUCCESS);
    g_assert_cmpint(v1_set_ptbl(qts, PTCR), ==, H_FUNCTION);
    g_assert_cmpint(hcall(qts, H_GUEST_DELETE, 0, guest, NULL), ==, H_SUCCESS);

    /* v1: its partition table cleared */
    g_assert_cmpint(v1_set_ptbl(qts, PTCR), ==, H_SUCCESS);
    g_assert_cmpint(v2_query(qts), ==, H_FUNCTION);
    g_assert_cmpint(v1_set_ptbl(qts, 0), ==, H_SUCCESS);

    /* a kexec'd v2 kernel negotiates its modes again */
    g_assert_cmpint(v2_set_caps(qts), ==, H_SUCCESS);
    g_assert_cmpint(v2_create(qts, &guest), ==, H_SUCCESS);
    g_assert_cmpint(v1_set_ptbl(qts, PTCR), ==, H_FUNCTION);
    qtest_quit(qts);
}

/*
 * Capabilities alone are no nested state: a kernel that negotiated them
 * and kexec'd into one that knows only v1 gets v1.
 */
static void test_capabilities_hold_nothing(void)
{
    QTestState *qts = qtest_init(BOTH);

    g_assert_cmpint(v2_set_caps(qts), ==, H_SUCCESS);
    g_assert_cmpint(v1_set_ptbl(qts, PTCR), ==, H_SUCCESS);
    g_assert_cmpint(v2_query(qts), ==, H_FUNCTION);
    g_assert_cmpint(v2_set_caps(qts), ==, H_FUNCTION);
    qtest_quit(qts);
}

/*
 * A kexec'd v2 kernel (or kvm-hv loaded again) negotiates its modes
 * again when the one before it created no guest, whatever it calls
 * first; not while a guest is left.
 */
static void test_renegotiate(void)
{
    QTestState *qts = qtest_init(BOTH);
    uint64_t guest;

    g_assert_cmpint(v2_set_caps(qts), ==, H_SUCCESS);
    g_assert_cmpint(v2_set_caps(qts), ==, H_SUCCESS);
    g_assert_cmpint(v2_create(qts, &guest), ==, H_SUCCESS);
    g_assert_cmpint(v2_set_caps(qts), ==, H_STATE);
    qtest_quit(qts);
}

/* While v2 guests remain, v2 stays chosen. */
static void test_no_release_with_guests(void)
{
    QTestState *qts = qtest_init(BOTH);
    uint64_t first, second;

    g_assert_cmpint(v2_set_caps(qts), ==, H_SUCCESS);
    g_assert_cmpint(v2_create(qts, &first), ==, H_SUCCESS);
    g_assert_cmpint(v2_create(qts, &second), ==, H_SUCCESS);
    g_assert_cmpint(hcall(qts, H_GUEST_DELETE, 0, first, NULL), ==, H_SUCCESS);
    g_assert_cmpint(v1_set_ptbl(qts, PTCR), ==, H_FUNCTION);
    qtest_quit(qts);
}

static void test_release_at_reset(void)
{
    QTestState *qts = qtest_init(BOTH);
    uint64_t guest;

    g_assert_cmpint(v1_set_ptbl(qts, PTCR), ==, H_SUCCESS);
    g_assert_cmpint(v2_query(qts), ==, H_FUNCTION);

    qtest_qmp_assert_success(qts, "{ 'execute': 'system_reset' }");
    qtest_qmp_eventwait(qts, "RESET");

    g_assert_cmpint(v2_set_caps(qts), ==, H_SUCCESS);
    g_assert_cmpint(v2_create(qts, &guest), ==, H_SUCCESS);
    g_assert_cmpint(v1_set_ptbl(qts, PTCR), ==, H_FUNCTION);
    qtest_quit(qts);
}

/* Each capability alone: its API only, as upstream. */
static void test_single_capability(void)
{
    QTestState *qts;
    uint64_t guest;

    qts = qtest_init(V1_ONLY);
    g_assert_cmpint(v2_query(qts), ==, H_FUNCTION);
    g_assert_cmpint(v2_set_caps(qts), ==, H_FUNCTION);
    g_assert_cmpint(v1_enter(qts), ==, H_NOT_AVAILABLE);
    g_assert_cmpint(v1_set_ptbl(qts, PTCR), ==, H_SUCCESS);
    qtest_quit(qts);

    qts = qtest_init(V2_ONLY);
    g_assert_cmpint(v1_set_ptbl(qts, PTCR), ==, H_FUNCTION);
    g_assert_cmpint(v1_enter(qts), ==, H_FUNCTION);
    g_assert_cmpint(v2_set_caps(qts), ==, H_SUCCESS);
    g_assert_cmpint(v2_create(qts, &guest), ==, H_SUCCESS);
    g_assert_cmpint(hcall(qts, H_GUEST_DELETE, 0, guest, NULL), ==, H_SUCCESS);
    /* upstream: the modes are negotiated once per boot */
    g_assert_cmpint(v2_set_caps(qts), ==, -75 /* H_STATE */);
    qtest_quit(qts);
}

static void wait_migration(QTestState *qts)
{
    while (true) {
        QDict *rsp = qtest_qmp_assert_success_ref(qts,
                         "{ 'execute': 'query-migrate' }");
        const char *status = qdict_get_try_str(rsp, "status");
        bool done = status && !strcmp(status, "completed");

        g_assert(!status || strcmp(status, "failed"));
        qobject_unref(rsp);
        if (done) {
            return;
        }
        g_usleep(20 * 1000);
    }
}

/* The API chosen, and v1's partition table, migrate. */
static void test_migration(void)
{
    g_autofree char *tmpdir = g_dir_make_tmp("spapr-nested-apis-XXXXXX",
                                             NULL);
    g_autofree char *uri = g_strdup_printf("unix:%s/migsocket", tmpdir);
    QTestState *src = qtest_init(BOTH);
    QTestState *dst = qtest_init(BOTH " -incoming defer");

    g_assert_cmpint(v1_set_ptbl(src, PTCR), ==, H_SUCCESS);
    qtest_qmp_assert_success(dst, "{ 'execute': 'migrate-incoming',"
                             "  'arguments': { 'uri': %s } }", uri);
    qtest_qmp_assert_success(src, "{ 'execute': 'migrate',"
                             "  'arguments': { 'uri': %s } }", uri);
    wait_migration(src);
    wait_migration(dst);

    g_assert_cmpint(v2_query(dst), ==, H_FUNCTION);
    /*
     * the partition table came along: H_ENTER_NESTED gets past it (to
     * its hv state, which is not there), where it would be
     * H_NOT_AVAILABLE
     */
    g_assert_cmpint(v1_enter(dst), ==, H_PARAMETER);

    qtest_quit(src);
    qtest_quit(dst);
    rmdir(tmpdir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("spapr/nested-apis/v2-first", test_v2_first);
    qtest_add_func("spapr/nested-apis/v1-first", test_v1_first);
    qtest_add_func("spapr/nested-apis/query-does-not-select",
                   test_query_does_not_select);
    qtest_add_func("spapr/nested-apis/release-after-teardown",
                   test_release_after_teardown);
    qtest_add_func("spapr/nested-apis/capabilities-hold-nothing",
                   test_capabilities_hold_nothing);
    qtest_add_func("spapr/nested-apis/renegotiate", test_renegotiate);
    qtest_add_func("spapr/nested-apis/no-release-with-guests",
                   test_no_release_with_guests);
    qtest_add_func("spapr/nested-apis/release-at-reset",
                   test_release_at_reset);
    qtest_add_func("spapr/nested-apis/single-capability",
                   test_single_capability);
    qtest_add_func("spapr/nested-apis/migration", test_migration);
    return g_test_run();
}
