/*
 * QTest testcase for ibm,client-architecture-support (KVMPPC_H_CAS)
 *
 * Drives CAS through the "hcall" qtest command with architecture vectors
 * written into guest memory, and reads the compat mode it chose from the
 * device tree that CAS hands back.  Under TCG every compat mode the CPU
 * allows is taken; the accelerator refusing one needs KVM HV, and that
 * decision is covered by tests/unit/test-spapr-cas-policy.c.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include <libfdt.h>
#include "libqtest.h"
#include "qobject/qdict.h"
#include "spapr-cas-util.h"

#define H_SUCCESS 0
#define H_HARDWARE (-1)
#define H_PARAMETER (-4)

#define VEC_ADDR 0x2000000
/* SpaprDeviceTreeUpdateHeader precedes the tree in the buffer. */
#define FDT_UPDATE_HEADER_SIZE 4
/* The PVR table may have 512 entries; a longer one is cut there. */
#define PVR_TABLE_MAX 512

#define PVR_POWER11_RAW 0x00821200

static const PvrEntry lists_all[] = {
    { 0xffff0000, 0x00820000 },         /* Power11, raw */
    { 0xffffffff, PVR_LOGICAL_POWER11 },
    { 0xffffffff, PVR_LOGICAL_POWER10 },
    { 0xffffffff, PVR_LOGICAL_POWER9 },
};
static const PvrEntry lists_raw_only[] = {
    { 0xffff0000, 0x00820000 },
};
static const PvrEntry lists_power11_only[] = {
    { 0xffffffff, PVR_LOGICAL_POWER11 },
};
static const PvrEntry lists_power8_only[] = {
    { 0xffffffff, PVR_LOGICAL_POWER8 },
};

/* cpu-version of the first CPU in the tree that CAS wrote back. */
static uint32_t cas_cpu_version(QTestState *qts)
{
    uint64_t fdt_addr = SPAPR_CAS_FDT_BUF_ADDR + FDT_UPDATE_HEADER_SIZE;
    uint32_t header[2];
    g_autofree void *fdt = NULL;
    const fdt32_t *version;
    uint32_t size;
    int node, len;

    qtest_memread(qts, fdt_addr, header, sizeof(header));
    size = be32_to_cpu(header[1]);
    g_assert_cmpuint(size, <=,
                     SPAPR_CAS_FDT_BUF_SIZE - FDT_UPDATE_HEADER_SIZE);
    fdt = g_malloc(size);
    qtest_memread(qts, fdt_addr, fdt, size);
    g_assert_cmpint(fdt_check_header(fdt), ==, 0);

    node = fdt_node_offset_by_prop_value(fdt, -1, "device_type", "cpu",
                                         sizeof("cpu"));
    g_assert_cmpint(node, >=, 0);
    version = fdt_getprop(fdt, node, "cpu-version", &len);
    g_assert_nonnull(version);
    g_assert_cmpint(len, ==, sizeof(*version));
    return fdt32_to_cpu(*version);
}

typedef struct CasCase {
    const char *name;
    const char *args;
    const PvrEntry *pvrs;
    int n;
    int64_t rc;
    uint32_t cpu_version;
} CasCase;

static const CasCase cas_cases[] = {
    {
        .name = "power11/best-listed", .args = "-cpu power11",
        .pvrs = lists_all, .n = ARRAY_SIZE(lists_all),
        .rc = H_SUCCESS, .cpu_version = PVR_LOGICAL_POWER11,
    }, {
        .name = "power11/max-compat-power10",
        .args = "-cpu power11 -M max-cpu-compat=power10",
        .pvrs = lists_all, .n = ARRAY_SIZE(lists_all),
        .rc = H_SUCCESS, .cpu_version = PVR_LOGICAL_POWER10,
    }, {
        .name = "power11/raw-only", .args = "-cpu power11",
        .pvrs = lists_raw_only, .n = ARRAY_SIZE(lists_raw_only),
        .rc = H_SUCCESS, .cpu_version = PVR_POWER11_RAW,
    }, {
        /* max-cpu-compat rules raw mode out (upstream's rule) */
        .name = "power11/raw-only-but-max-compat",
        .args = "-cpu power11 -M max-cpu-compat=power10",
        .pvrs = lists_raw_only, .n = ARRAY_SIZE(lists_raw_only),
        .rc = H_HARDWARE,
    }, {
        /* DAWR1 left out of Power8's shorter pa-features (was an abort) */
        .name = "power10/power8-only-with-dawr1",
        .args = "-cpu power10 -M cap-dawr1=on",
        .pvrs = lists_power8_only, .n = ARRAY_SIZE(lists_power8_only),
        .rc = H_SUCCESS, .cpu_version = PVR_LOGICAL_POWER8,
    }, {
        .name = "power10/no-acceptable-pvr", .args = "-cpu power10",
        .pvrs = lists_power11_only, .n = ARRAY_SIZE(lists_power11_only),
        .rc = H_HARDWARE,
    },
};

static void test_cas(const void *data)
{
    const CasCase *c = data;
    QTestState *qts = qtest_initf("-M pseries %s", c->args);

    g_assert_cmpint(spapr_cas(qts, VEC_ADDR, c->pvrs, c->n, true), ==, c->rc);
    if (c->rc == H_SUCCESS) {
        g_assert_cmphex(cas_cpu_version(qts), ==, c->cpu_version);
    }
    qtest_qmp_assert_success(qts, "{ 'execute': 'query-status' }");
    qtest_quit(qts);
}

/*
 * A table with no terminator ends after its 512th entry: a 513th, which
 * would be the best match, is not read as a PVR.
 */
static void test_unterminated_table(void)
{
    PvrEntry *pvrs = g_new(PvrEntry, PVR_TABLE_MAX + 1);
    QTestState *qts;
    int i;

    for (i = 0; i < PVR_TABLE_MAX; i++) {
        pvrs[i] = (PvrEntry) { 0xffffffff, PVR_LOGICAL_POWER9 };
    }
    pvrs[PVR_TABLE_MAX] = (PvrEntry) { 0xffffffff, PVR_LOGICAL_POWER10 };
    qts = qtest_init("-M pseries -cpu power11");
    g_assert_cmpint(spapr_cas_unterminated(qts, VEC_ADDR, pvrs,
                                           PVR_TABLE_MAX + 1), ==, H_SUCCESS);
    g_assert_cmphex(cas_cpu_version(qts), ==, PVR_LOGICAL_POWER9);
    qtest_qmp_assert_success(qts, "{ 'execute': 'query-status' }");
    qtest_quit(qts);
    g_free(pvrs);
}

/*
 * A vector outside guest RAM reads as zeros: a PVR table that matches
 * anything and has no terminator, then no option vector 5, which CAS
 * refuses as for any guest that gives none.
 */
static void test_vector_outside_ram(void)
{
    QTestState *qts = qtest_init("-M pseries -cpu power11 -m 512M");

    g_assert_cmpint(spapr_cas(qts, 0x7000000000ULL, NULL, 0, false),
                    ==, H_PARAMETER);
    qtest_qmp_assert_success(qts, "{ 'execute': 'query-status' }");
    qtest_quit(qts);
}

/* A string property of the machine, as qom-get answers it */
static char *machine_str(QTestState *qts, const char *name)
{
    QDict *rsp = qtest_qmp(qts, "{ 'execute': 'qom-get', 'arguments': "
                           "{ 'path': '/machine', 'property': %s } }", name);
    char *value = g_strdup(qdict_get_str(rsp, "return"));

    qobject_unref(rsp);
    return value;
}

/*
 * The max-cpu-compat in force and where it came from, for libvirt and
 * HMP: under TCG there is no host limit, so it is the user's, which
 * stays what the user set.  host-compat-limit can be turned off; the
 * read-only properties cannot be set.
 */
static void test_host_compat_properties(void)
{
    QTestState *qts = qtest_init("-M pseries -cpu power11");
    QDict *rsp;
    char *value;

    value = machine_str(qts, "effective-max-cpu-compat");
    g_assert_cmpstr(value, ==, "");
    g_free(value);
    value = machine_str(qts, "host-compat-source");
    g_assert_cmpstr(value, ==, "none");
    g_free(value);
    rsp = qtest_qmp(qts, "{ 'execute': 'qom-set', 'arguments': "
                    "{ 'path': '/machine', 'property': "
                    "'effective-max-cpu-compat', 'value': 'power9' } }");
    g_assert_true(qdict_haskey(rsp, "error"));
    qobject_unref(rsp);
    qtest_quit(qts);

    qts = qtest_init("-M pseries,max-cpu-compat=power10,host-compat-limit=off "
                     "-cpu power11");
    value = machine_str(qts, "max-cpu-compat");
    g_assert_cmpstr(value, ==, "power10");
    g_free(value);
    value = machine_str(qts, "effective-max-cpu-compat");
    g_assert_cmpstr(value, ==, "power10");
    g_free(value);
    value = machine_str(qts, "host-compat-source");
    g_assert_cmpstr(value, ==, "max-cpu-compat");
    g_free(value);
    rsp = qtest_qmp(qts, "{ 'execute': 'qom-get', 'arguments': "
                    "{ 'path': '/machine', 'property': 'host-compat-limit' } }");
    g_assert_false(qdict_get_bool(rsp, "return"));
    qobject_unref(rsp);
    qtest_quit(qts);
}

int main(int argc, char **argv)
{
    int i;

    g_test_init(&argc, &argv, NULL);
    for (i = 0; i < ARRAY_SIZE(cas_cases); i++) {
        g_autofree char *path = g_strdup_printf("spapr/cas/%s",
                                                cas_cases[i].name);

        qtest_add_data_func(path, &cas_cases[i], test_cas);
    }
    qtest_add_func("spapr/cas/unterminated-table", test_unterminated_table);
    qtest_add_func("spapr/cas/vector-outside-ram", test_vector_outside_ram);
    qtest_add_func("spapr/cas/host-compat-properties",
                   test_host_compat_properties);
    return g_test_run();
}
