/*
 * QTest testcase for the L0 of the PAPR nested API (cap-nested-papr)
 *
 * The L1's side of the H_GUEST_* hcalls, made through the "hcall" qtest
 * command with guest state buffers written into guest memory: the compat
 * modes offered, enabled and enforced under nested-papr-strict (the
 * default of the fork's machine types, pseries-fork-*) and upstream's
 * behaviour kept for upstream's machine types, the L2 VPA element and
 * H_TLB_INVALIDATE, the bits an L1 may set, the L0's heap, migration, and
 * malformed requests, each answered with an error while QEMU goes on.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "qobject/qdict.h"
#include "qobject/qlist.h"
#include "libqtest.h"
#include "spapr-cas-util.h"

#define H_SUCCESS 0
#define H_FUNCTION (-2)
#define H_NO_MEM (-9)
#define H_P2 (-55)
#define H_P3 (-56)
#define H_P4 (-57)
#define H_P5 (-58)
#define H_STATE (-75)
#define H_INVALID_ELEMENT_ID (-79)
#define H_INVALID_ELEMENT_SIZE (-80)
#define H_INVALID_ELEMENT_VALUE (-81)

#define H_GUEST_GET_CAPABILITIES 0x460
#define H_GUEST_SET_CAPABILITIES 0x464
#define H_GUEST_CREATE 0x470
#define H_GUEST_CREATE_VCPU 0x474
#define H_GUEST_GET_STATE 0x478
#define H_GUEST_SET_STATE 0x47c
#define H_GUEST_DELETE 0x488
#define H_TLB_INVALIDATE 0xf808

#define CAP_P9 0x4000000000000000ULL
#define CAP_P10 0x2000000000000000ULL
#define CAP_P11 0x1000000000000000ULL

#define GUEST_WIDE 0x8000000000000000ULL
#define DELETE_ALL 0x8000000000000000ULL

#define GSID_LPVR 0x0003
#define GSID_PAGETBL 0x0005
#define GSID_PROCESS_TBL 0x0006
#define GSID_RESERVED 0x0007
#define GSID_RUN_INPUT 0x0c00
#define GSID_VPA 0x0c02
#define GSID_L0_HEAP_INUSE 0x0800
#define GSID_L0_HEAP_MAX 0x0801
#define GSID_GPR0 0x1000
#define GSID_MSR 0x1022
#define GSID_LPCR 0x102c
#define GSID_TB_OFFSET 0x0004

#define HOST_WIDE 0x4000000000000000ULL
#define MSR_HV (1ULL << 60)
#define MSR_ME (1ULL << 12)
#define LPCR_HR (1ULL << 20)

#define VEC_ADDR 0x2000000
#define GSB_ADDR 0x1000000
#define GSB_MAX_SIZE (1024 * 1024)
#define OUTSIDE_RAM 0x100000000000ULL

#define NESTED "cap-nested-papr=on"
#define LEGACY_MACHINE "pseries-9.2"

static const PvrEntry lists_power9_only[] = {
    { 0xffffffff, PVR_LOGICAL_POWER9 },
};

/* A guest state buffer: its element count, then the elements. */
static GByteArray *gsb_new(uint32_t count)
{
    GByteArray *gsb = g_byte_array_new();
    uint32_t be = cpu_to_be32(count);

    g_byte_array_append(gsb, (const guint8 *)&be, sizeof(be));
    return gsb;
}

static void gsb_add(GByteArray *gsb, uint16_t id, uint16_t size,
                    const void *value)
{
    uint16_t header[2] = { cpu_to_be16(id), cpu_to_be16(size) };

    g_byte_array_append(gsb, (const guint8 *)header, sizeof(header));
    g_byte_array_append(gsb, value, size);
}

static void gsb_add_u32(GByteArray *gsb, uint16_t id, uint32_t value)
{
    uint32_t be = cpu_to_be32(value);

    gsb_add(gsb, id, sizeof(be), &be);
}

static void gsb_add_u64(GByteArray *gsb, uint16_t id, uint64_t value)
{
    uint64_t be = cpu_to_be64(value);

    gsb_add(gsb, id, sizeof(be), &be);
}

static void gsb_add_u64s(GByteArray *gsb, uint16_t id, int n,
                         const uint64_t *values)
{
    uint64_t be[3];
    int i;

    g_assert(n <= ARRAY_SIZE(be));
    for (i = 0; i < n; i++) {
        be[i] = cpu_to_be64(values[i]);
    }
    gsb_add(gsb, id, n * sizeof(be[0]), be);
}

/* H_GUEST_SET_STATE or _GET_STATE with @gsb at GSB_ADDR. */
static int64_t guest_state(QTestState *qts, uint64_t opcode, uint64_t flags,
                           uint64_t guest, uint64_t vcpu, GByteArray *gsb,
                           uint64_t *rets)
{
    const uint64_t args[] = { flags, guest, vcpu, GSB_ADDR, gsb->len };

    qtest_memwrite(qts, GSB_ADDR, gsb->data, gsb->len);
    return qtest_hcall(qts, 0, opcode, ARRAY_SIZE(args), args, rets);
}

/* Sets a single element; returns the hcall's return code. */
static int64_t set_u64(QTestState *qts, uint64_t flags, uint64_t guest,
                       uint64_t vcpu, uint16_t id, uint64_t value,
                       uint64_t *rets)
{
    g_autoptr(GByteArray) gsb = gsb_new(1);

    gsb_add_u64(gsb, id, value);
    return guest_state(qts, H_GUEST_SET_STATE, flags, guest, vcpu, gsb, rets);
}

static int64_t set_lpvr(QTestState *qts, uint64_t guest, uint32_t lpvr,
                        uint64_t *rets)
{
    g_autoptr(GByteArray) gsb = gsb_new(1);

    gsb_add_u32(gsb, GSID_LPVR, lpvr);
    return guest_state(qts, H_GUEST_SET_STATE, GUEST_WIDE, guest, 0, gsb,
                       rets);
}

/* The value of one 8-byte element, read with H_GUEST_GET_STATE. */
static uint64_t get_u64(QTestState *qts, uint64_t flags, uint64_t guest,
                        uint64_t vcpu, uint16_t id)
{
    g_autoptr(GByteArray) gsb = gsb_new(1);
    uint64_t value;

    gsb_add_u64(gsb, id, 0);
    g_assert_cmpint(guest_state(qts, H_GUEST_GET_STATE, flags, guest, vcpu,
                                gsb, NULL), ==, H_SUCCESS);
    qtest_memread(qts, GSB_ADDR + 8, &value, sizeof(value));
    return be64_to_cpu(value);
}

static uint32_t get_lpvr(QTestState *qts, uint64_t guest)
{
    g_autoptr(GByteArray) gsb = gsb_new(1);
    uint32_t value;

    gsb_add_u32(gsb, GSID_LPVR, 0);
    g_assert_cmpint(guest_state(qts, H_GUEST_GET_STATE, GUEST_WIDE, guest, 0,
                                gsb, NULL), ==, H_SUCCESS);
    qtest_memread(qts, GSB_ADDR + 8, &value, sizeof(value));
    return be32_to_cpu(value);
}

/* Element 0x0002, the size that the L0 wants of run output buffers */
static int64_t get_out_buf_min_size(QTestState *qts, uint64_t guest,
                                    uint64_t vcpu, uint64_t *size)
{
    g_autoptr(GByteArray) gsb = gsb_new(1);
    int64_t rc;

    gsb_add_u64(gsb, 0x0002, 0);
    rc = guest_state(qts, H_GUEST_GET_STATE, GUEST_WIDE, guest, vcpu, gsb,
                     NULL);
    if (size) {
        qtest_memread(qts, GSB_ADDR + 8, size, sizeof(*size));
        *size = be64_to_cpu(*size);
    }
    return rc;
}

static uint64_t get_capabilities(QTestState *qts)
{
    uint64_t flags = 0, rets[QTEST_HCALL_MAX_RETS];

    g_assert_cmpint(qtest_hcall(qts, 0, H_GUEST_GET_CAPABILITIES, 1, &flags,
                                rets), ==, H_SUCCESS);
    return rets[0];
}

static int64_t set_capabilities(QTestState *qts, uint64_t caps,
                                 uint64_t *rets)
{
    const uint64_t args[] = { 0, caps };

    return qtest_hcall(qts, 0, H_GUEST_SET_CAPABILITIES, ARRAY_SIZE(args),
                       args, rets);
}

/* Enables @caps and creates a guest with one vCPU; returns its id. */
static uint64_t create_guest(QTestState *qts, uint64_t caps)
{
    const uint64_t create[] = { 0, -1 };
    uint64_t rets[QTEST_HCALL_MAX_RETS], vcpu[3] = { 0 };

    g_assert_cmpint(set_capabilities(qts, caps, NULL), ==, H_SUCCESS);
    g_assert_cmpint(qtest_hcall(qts, 0, H_GUEST_CREATE, ARRAY_SIZE(create),
                                create, rets), ==, H_SUCCESS);
    g_assert_cmpuint(rets[0], !=, 0);
    vcpu[1] = rets[0];
    g_assert_cmpint(qtest_hcall(qts, 0, H_GUEST_CREATE_VCPU, ARRAY_SIZE(vcpu),
                                vcpu, NULL), ==, H_SUCCESS);
    return rets[0];
}

static int64_t create_vcpu(QTestState *qts, uint64_t guest, uint64_t vcpu)
{
    const uint64_t args[] = { 0, guest, vcpu };

    return qtest_hcall(qts, 0, H_GUEST_CREATE_VCPU, ARRAY_SIZE(args), args,
                       NULL);
}

static int64_t delete_guest(QTestState *qts, uint64_t guest)
{
    const uint64_t args[] = { 0, guest };

    return qtest_hcall(qts, 0, H_GUEST_DELETE, ARRAY_SIZE(args), args, NULL);
}

/* The hcalls still answer: QEMU went on. */
static void assert_alive(QTestState *qts)
{
    get_capabilities(qts);
    qtest_qmp_assert_success(qts, "{ 'execute': 'query-status' }");
}

typedef struct OfferCase {
    const char *name;
    const char *args;
    bool cas_power9;        /* the guest lists only Power9 at CAS */
    uint64_t caps;
} OfferCase;

static const OfferCase offer_cases[] = {
    { "power9", "-M pseries," NESTED " -cpu power9", false, CAP_P9 },
    { "power10", "-M pseries," NESTED " -cpu power10", false,
      CAP_P9 | CAP_P10 },
    { "power11", "-M pseries," NESTED " -cpu power11", false,
      CAP_P9 | CAP_P10 | CAP_P11 },
    { "power11-compat-power10",
      "-M pseries," NESTED ",max-cpu-compat=power10 -cpu power11", false,
      CAP_P9 | CAP_P10 },
    { "power11-compat-power9",
      "-M pseries," NESTED ",max-cpu-compat=power9 -cpu power11", false,
      CAP_P9 },
    { "power10-compat-power9",
      "-M pseries," NESTED ",max-cpu-compat=power9 -cpu power10", false,
      CAP_P9 },
    /* what CAS negotiated bounds the offer */
    { "power11-cas-power9", "-M pseries," NESTED " -cpu power11", true,
      CAP_P9 },
    { "power11-compat-power10-cas-power9",
      "-M pseries," NESTED ",max-cpu-compat=power10 -cpu power11", true,
      CAP_P9 },
    /* upstream's machine types offer by max-cpu-compat, whatever CAS chose */
    { "upstream-10.0-power11-cas-power9",
      "-M pseries-10.0," NESTED " -cpu power11", true,
      CAP_P9 | CAP_P10 | CAP_P11 },
    { "legacy-power11-cas-power9",
      "-M " LEGACY_MACHINE "," NESTED " -cpu power11", true,
      CAP_P9 | CAP_P10 | CAP_P11 },
    { "legacy-power11-compat-power10-cas-power9",
      "-M " LEGACY_MACHINE "," NESTED ",max-cpu-compat=power10 -cpu power11",
      true, CAP_P9 | CAP_P10 },
    { "strict-off-power11-cas-power9",
      "-M pseries," NESTED ",nested-papr-strict=off -cpu power11", true,
      CAP_P9 | CAP_P10 | CAP_P11 },
    { "legacy-strict-on-power11-cas-power9",
      "-M " LEGACY_MACHINE "," NESTED ",nested-papr-strict=on -cpu power11",
      true, CAP_P9 },
};

static void test_offered(const void *data)
{
    const OfferCase *c = data;
    QTestState *qts = qtest_init(c->args);

    if (c->cas_power9) {
        g_assert_cmpint(spapr_cas(qts, VEC_ADDR, lists_power9_only,
                                  ARRAY_SIZE(lists_power9_only), true),
                        ==, H_SUCCESS);
    }
    g_assert_cmphex(get_capabilities(qts), ==, c->caps);
    qtest_quit(qts);
}

/* Modes not offered are refused: H_P2, R4 = 1, R5 = the first such bit. */
static void test_set_capabilities(void)
{
    QTestState *qts = qtest_init("-M pseries," NESTED
                                 ",max-cpu-compat=power10 -cpu power11");
    uint64_t rets[QTEST_HCALL_MAX_RETS];

    g_assert_cmpint(set_capabilities(qts, CAP_P9 | CAP_P10 | CAP_P11, rets),
                    ==, H_P2);
    g_assert_cmpuint(rets[0], ==, 1);
    g_assert_cmpuint(rets[1], ==, 3);
    g_assert_cmpint(set_capabilities(qts, CAP_P9 | (1ULL << (63 - 10)), rets),
                    ==, H_P2);
    g_assert_cmpuint(rets[1], ==, 10);
    /* none asked for: R5 names the newest mode offered */
    g_assert_cmpint(set_capabilities(qts, 0, rets), ==, H_P2);
    g_assert_cmpuint(rets[1], ==, 2);

    g_assert_cmpint(set_capabilities(qts, CAP_P9 | CAP_P10, NULL),
                    ==, H_SUCCESS);
    g_assert_cmpint(set_capabilities(qts, CAP_P9, NULL), ==, H_STATE);
    qtest_quit(qts);
}

/* Upstream's rule for older machine types: any valid mode is taken. */
static void test_set_capabilities_legacy(void)
{
    QTestState *qts = qtest_init("-M " LEGACY_MACHINE "," NESTED
                                 " -cpu power11");

    g_assert_cmpint(spapr_cas(qts, VEC_ADDR, lists_power9_only,
                              ARRAY_SIZE(lists_power9_only), true),
                    ==, H_SUCCESS);
    g_assert_cmpint(set_capabilities(qts, CAP_P9 | CAP_P10 | CAP_P11, NULL),
                    ==, H_SUCCESS);
    qtest_quit(qts);
}

/*
 * A logical PVR of a mode the L1 did not enable is refused, R4 naming
 * the element, and nothing of the request is applied.
 */
static void test_lpvr(void)
{
    QTestState *qts = qtest_init("-M pseries," NESTED
                                 ",max-cpu-compat=power10 -cpu power11");
    uint64_t rets[QTEST_HCALL_MAX_RETS];
    g_autoptr(GByteArray) gsb = gsb_new(2);
    uint64_t guest = create_guest(qts, CAP_P9 | CAP_P10);

    g_assert_cmpint(set_lpvr(qts, guest, PVR_LOGICAL_POWER10, NULL),
                    ==, H_SUCCESS);
    gsb_add_u32(gsb, GSID_LPVR, PVR_LOGICAL_POWER9);
    gsb_add_u32(gsb, GSID_LPVR, PVR_LOGICAL_POWER11);
    g_assert_cmpint(guest_state(qts, H_GUEST_SET_STATE, GUEST_WIDE, guest, 0,
                                gsb, rets), ==, H_INVALID_ELEMENT_VALUE);
    g_assert_cmpuint(rets[0], ==, 1);
    g_assert_cmphex(get_lpvr(qts, guest), ==, PVR_LOGICAL_POWER10);

    g_assert_cmpint(set_lpvr(qts, guest, 0x0f000004, rets),
                    ==, H_INVALID_ELEMENT_VALUE);
    g_assert_cmpint(set_lpvr(qts, guest, 0x00821200, rets),
                    ==, H_INVALID_ELEMENT_VALUE);
    g_assert_cmpint(set_lpvr(qts, guest, PVR_LOGICAL_POWER10, NULL),
                    ==, H_SUCCESS);
    g_assert_cmphex(get_lpvr(qts, guest), ==, PVR_LOGICAL_POWER10);
    g_assert_cmpint(set_lpvr(qts, guest, PVR_LOGICAL_POWER9, NULL),
                    ==, H_SUCCESS);
    /* 0: the L2 runs in the L1's own mode */
    g_assert_cmpint(set_lpvr(qts, guest, 0, NULL), ==, H_SUCCESS);
    qtest_quit(qts);
}

/* Enabling P9 only leaves Power10 out, though it is offered. */
static void test_lpvr_enabled_only(void)
{
    QTestState *qts = qtest_init("-M pseries," NESTED
                                 ",max-cpu-compat=power10 -cpu power11");
    uint64_t guest = create_guest(qts, CAP_P9);

    g_assert_cmpint(set_lpvr(qts, guest, PVR_LOGICAL_POWER10, NULL),
                    ==, H_INVALID_ELEMENT_VALUE);
    g_assert_cmpint(set_lpvr(qts, guest, PVR_LOGICAL_POWER9, NULL),
                    ==, H_SUCCESS);
    qtest_quit(qts);
}

static void test_lpvr_legacy(void)
{
    QTestState *qts = qtest_init("-M " LEGACY_MACHINE "," NESTED
                                 ",max-cpu-compat=power10 -cpu power11");
    uint64_t guest = create_guest(qts, CAP_P9 | CAP_P10);

    g_assert_cmpint(set_lpvr(qts, guest, PVR_LOGICAL_POWER11, NULL),
                    ==, H_SUCCESS);
    g_assert_cmphex(get_lpvr(qts, guest), ==, PVR_LOGICAL_POWER11);
    qtest_quit(qts);
}

/* Element 0x0C02: the L2 vCPU's VPA, kept and read back. */
static void test_vpa(void)
{
    QTestState *qts = qtest_init("-M pseries," NESTED " -cpu power10");
    uint64_t guest = create_guest(qts, CAP_P9 | CAP_P10);

    g_assert_cmphex(get_u64(qts, 0, guest, 0, GSID_VPA), ==, 0);
    g_assert_cmpint(set_u64(qts, 0, guest, 0, GSID_VPA, 0x4000400, NULL),
                    ==, H_SUCCESS);
    g_assert_cmphex(get_u64(qts, 0, guest, 0, GSID_VPA), ==, 0x4000400);
    /* thread-wide: not in a guest-wide request */
    g_assert_cmpint(set_u64(qts, GUEST_WIDE, guest, 0, GSID_VPA, 0, NULL),
                    ==, H_INVALID_ELEMENT_ID);
    qtest_quit(qts);
}

static void test_tlb_invalidate(void)
{
    const uint64_t args[] = { 0x2 << 8 | 0x1, 1, 0x800 };
    QTestState *qts;

    qts = qtest_init("-M pseries," NESTED " -cpu power10");
    g_assert_cmpint(qtest_hcall(qts, 0, H_TLB_INVALIDATE, ARRAY_SIZE(args),
                                args, NULL), ==, H_SUCCESS);
    qtest_quit(qts);

    qts = qtest_init("-M pseries -cpu power10");
    g_assert_cmpint(qtest_hcall(qts, 0, H_TLB_INVALIDATE, ARRAY_SIZE(args),
                                args, NULL), ==, H_FUNCTION);
    qtest_quit(qts);
}

/* A machine reset forgets the modes: they are negotiated again. */
static void test_reset(void)
{
    QTestState *qts = qtest_init("-M pseries," NESTED " -cpu power11");

    g_assert_cmpint(spapr_cas(qts, VEC_ADDR, lists_power9_only,
                              ARRAY_SIZE(lists_power9_only), true),
                    ==, H_SUCCESS);
    g_assert_cmphex(get_capabilities(qts), ==, CAP_P9);
    g_assert_cmpint(set_capabilities(qts, CAP_P9, NULL), ==, H_SUCCESS);
    g_assert_cmpint(set_capabilities(qts, CAP_P9, NULL), ==, H_STATE);

    qtest_qmp_assert_success(qts, "{ 'execute': 'system_reset' }");
    qtest_qmp_eventwait(qts, "RESET");

    g_assert_cmphex(get_capabilities(qts), ==, CAP_P9 | CAP_P10 | CAP_P11);
    g_assert_cmpint(set_capabilities(qts, CAP_P9 | CAP_P10, NULL),
                    ==, H_SUCCESS);
    qtest_quit(qts);
}

typedef struct MalformedCase {
    const char *name;
    uint64_t flags;
    void (*fill)(GByteArray *gsb);
    int64_t rc;             /* under nested-papr-strict */
    int64_t legacy_rc;      /* for older machine types */
    int64_t index;          /* R4, or -1 */
} MalformedCase;

static void fill_count_beyond(GByteArray *gsb)
{
    gsb->data[3] = 3;
    gsb_add_u32(gsb, GSID_LPVR, PVR_LOGICAL_POWER10);
}

static void fill_size_beyond(GByteArray *gsb)
{
    uint16_t header[2] = { cpu_to_be16(GSID_GPR0), cpu_to_be16(0x4000) };

    gsb->data[3] = 1;
    g_byte_array_append(gsb, (const guint8 *)header, sizeof(header));
    g_byte_array_append(gsb, (const guint8 *)"12345678", 8);
}

static void fill_size_mismatch(GByteArray *gsb)
{
    gsb->data[3] = 2;
    gsb_add_u32(gsb, GSID_LPVR, PVR_LOGICAL_POWER10);
    gsb_add_u64(gsb, GSID_LPVR, PVR_LOGICAL_POWER10);
}

static void fill_unknown_id(GByteArray *gsb)
{
    gsb->data[3] = 1;
    gsb_add_u64(gsb, GSID_RESERVED, 0);
}

static void fill_read_only(GByteArray *gsb)
{
    gsb->data[3] = 1;
    gsb_add_u64(gsb, 0x0002, 0x80);
}

static void fill_bad_process_table(GByteArray *gsb)
{
    const uint64_t proctbl[] = { 0x1000000, 12345 };

    gsb->data[3] = 1;
    gsb_add_u64s(gsb, GSID_PROCESS_TBL, ARRAY_SIZE(proctbl), proctbl);
}

static void fill_bad_page_table(GByteArray *gsb)
{
    const uint64_t pagetbl[] = { 0x1000000, 40, 0x10000 };

    gsb->data[3] = 1;
    gsb_add_u64s(gsb, GSID_PAGETBL, ARRAY_SIZE(pagetbl), pagetbl);
}

static void fill_bad_run_buffer(GByteArray *gsb)
{
    const uint64_t runbuf[] = { 0, 0x1000 };

    gsb->data[3] = 1;
    gsb_add_u64s(gsb, GSID_RUN_INPUT, ARRAY_SIZE(runbuf), runbuf);
}

static const MalformedCase malformed_cases[] = {
    { "count-beyond-buffer", GUEST_WIDE, fill_count_beyond, H_P5, H_P3, -1 },
    { "size-beyond-buffer", 0, fill_size_beyond, H_P5, H_P3, -1 },
    { "size-mismatch", GUEST_WIDE, fill_size_mismatch,
      H_INVALID_ELEMENT_SIZE, H_P3, 1 },
    { "unknown-id", GUEST_WIDE, fill_unknown_id,
      H_INVALID_ELEMENT_ID, H_P3, 0 },
    { "read-only", GUEST_WIDE, fill_read_only, H_INVALID_ELEMENT_ID, H_P3, 0 },
    { "bad-process-table", GUEST_WIDE, fill_bad_process_table,
      H_INVALID_ELEMENT_VALUE, H_INVALID_ELEMENT_VALUE, 0 },
    { "bad-page-table", GUEST_WIDE, fill_bad_page_table,
      H_INVALID_ELEMENT_VALUE, H_INVALID_ELEMENT_VALUE, 0 },
    { "bad-run-buffer", 0, fill_bad_run_buffer,
      H_INVALID_ELEMENT_VALUE, H_INVALID_ELEMENT_VALUE, 0 },
};

static void test_malformed(const void *data)
{
    const MalformedCase *c = data;
    uint64_t rets[QTEST_HCALL_MAX_RETS];
    int legacy;

    for (legacy = 0; legacy <= 1; legacy++) {
        QTestState *qts = qtest_initf("-M %s," NESTED " -cpu power10",
                                      legacy ? LEGACY_MACHINE : "pseries");
        g_autoptr(GByteArray) gsb = gsb_new(0);
        uint64_t guest = create_guest(qts, CAP_P9 | CAP_P10);

        c->fill(gsb);
        g_assert_cmpint(guest_state(qts, H_GUEST_SET_STATE, c->flags, guest,
                                    0, gsb, rets),
                        ==, legacy ? c->legacy_rc : c->rc);
        if (!legacy && c->index >= 0) {
            g_assert_cmpint(rets[0], ==, c->index);
        }
        assert_alive(qts);
        qtest_quit(qts);
    }
}

/* Buffers, guests and vCPUs that are not there. */
static void test_bad_arguments(void)
{
    QTestState *qts = qtest_init("-M pseries," NESTED " -cpu power10");
    uint64_t guest = create_guest(qts, CAP_P9 | CAP_P10);
    g_autoptr(GByteArray) gsb = gsb_new(1);
    uint64_t args[5] = { GUEST_WIDE, guest, 0, GSB_ADDR, 0 };
    const uint64_t vcpu_gap[] = { 0, guest, 5 };
    uint64_t min_size;

    gsb_add_u32(gsb, GSID_LPVR, PVR_LOGICAL_POWER10);
    qtest_memwrite(qts, GSB_ADDR, gsb->data, gsb->len);
    args[4] = gsb->len;

    args[3] = GSB_ADDR + 1;
    g_assert_cmpint(qtest_hcall(qts, 0, H_GUEST_SET_STATE, 5, args, NULL),
                    ==, H_P4);
    args[3] = OUTSIDE_RAM;
    g_assert_cmpint(qtest_hcall(qts, 0, H_GUEST_SET_STATE, 5, args, NULL),
                    ==, H_P4);
    args[3] = GSB_ADDR;
    args[4] = GSB_MAX_SIZE + 1;
    g_assert_cmpint(qtest_hcall(qts, 0, H_GUEST_SET_STATE, 5, args, NULL),
                    ==, H_P5);
    args[4] = 0;
    g_assert_cmpint(qtest_hcall(qts, 0, H_GUEST_SET_STATE, 5, args, NULL),
                    ==, H_P5);
    args[4] = gsb->len;
    args[1] = guest + 100;
    g_assert_cmpint(qtest_hcall(qts, 0, H_GUEST_SET_STATE, 5, args, NULL),
                    ==, H_P2);
    args[1] = guest;
    g_assert_cmpint(qtest_hcall(qts, 0, H_GUEST_SET_STATE, 5, args, NULL),
                    ==, H_SUCCESS);

    /* thread-wide requests for a vCPU that does not exist */
    g_assert_cmpint(set_u64(qts, 0, guest, 7, GSID_GPR0, 1, NULL), ==, H_P3);
    g_assert_cmpint(set_u64(qts, 0, guest, -1, GSID_GPR0, 1, NULL), ==, H_P3);
    /* a guest-wide element kept per vCPU, for a vCPU that does not exist */
    g_assert_cmpint(get_out_buf_min_size(qts, guest, 7, NULL), ==, H_P3);
    g_assert_cmpint(get_out_buf_min_size(qts, guest, 0, &min_size),
                    ==, H_SUCCESS);
    g_assert_cmpuint(min_size, >=, 0x80);
    /* vCPU ids are allocated in sequence */
    g_assert_cmpint(qtest_hcall(qts, 0, H_GUEST_CREATE_VCPU,
                                ARRAY_SIZE(vcpu_gap), vcpu_gap, NULL),
                    ==, H_P3);
    assert_alive(qts);
    qtest_quit(qts);
}

/* Elements stored encoded for the MMU cannot be read back. */
static void test_unreadable(void)
{
    QTestState *qts = qtest_init("-M pseries," NESTED " -cpu power10");
    uint64_t guest = create_guest(qts, CAP_P9 | CAP_P10);
    g_autoptr(GByteArray) gsb = gsb_new(1);
    const uint64_t zero[2] = { 0 };

    gsb_add_u64s(gsb, GSID_PROCESS_TBL, ARRAY_SIZE(zero), zero);
    g_assert_cmpint(guest_state(qts, H_GUEST_GET_STATE, GUEST_WIDE, guest, 0,
                                gsb, NULL), ==, H_INVALID_ELEMENT_ID);
    assert_alive(qts);
    qtest_quit(qts);
}

/* Deleting all guests, twice, then creating one, as the L1 may. */
static void test_delete_all(void)
{
    QTestState *qts = qtest_init("-M pseries," NESTED " -cpu power10");
    const uint64_t delete_all[] = { DELETE_ALL, 0 };
    const uint64_t create[] = { 0, -1 };
    uint64_t guest;

    g_assert_cmpint(qtest_hcall(qts, 0, H_GUEST_DELETE, ARRAY_SIZE(delete_all),
                                delete_all, NULL), ==, H_SUCCESS);
    guest = create_guest(qts, CAP_P9 | CAP_P10);
    g_assert_cmpint(qtest_hcall(qts, 0, H_GUEST_DELETE, ARRAY_SIZE(delete_all),
                                delete_all, NULL), ==, H_SUCCESS);
    g_assert_cmpint(qtest_hcall(qts, 0, H_GUEST_DELETE, ARRAY_SIZE(delete_all),
                                delete_all, NULL), ==, H_SUCCESS);
    g_assert_cmpint(set_lpvr(qts, guest, PVR_LOGICAL_POWER10, NULL),
                    ==, H_P2);
    g_assert_cmpint(qtest_hcall(qts, 0, H_GUEST_CREATE, ARRAY_SIZE(create),
                                create, NULL), ==, H_SUCCESS);
    assert_alive(qts);
    qtest_quit(qts);
}

static void wait_migration(QTestState *qts, const char *done)
{
    while (true) {
        QDict *rsp = qtest_qmp_assert_success_ref(qts,
                         "{ 'execute': 'query-migrate' }");
        const char *status = qdict_get_try_str(rsp, "status");
        bool finished = status && !strcmp(status, done);

        g_assert(!status || strcmp(status, "failed"));
        qobject_unref(rsp);
        if (finished) {
            return;
        }
        g_usleep(20 * 1000);
    }
}

/*
 * The L1's guests hold state that does not migrate: while it has one,
 * migration is refused, saying why; once it has deleted it, the modes it
 * enabled migrate, and the destination refuses to negotiate them again
 * and enforces them (P9 only, though P10 is offered).
 */
static void test_migration(void)
{
    const char *args = "-M pseries," NESTED ",max-cpu-compat=power10 "
                       "-cpu power11";
    g_autofree char *tmpdir = g_dir_make_tmp("spapr-nested-XXXXXX", NULL);
    g_autofree char *uri = NULL;
    QTestState *src, *dst;
    const uint64_t create[] = { 0, -1 };
    uint64_t rets[QTEST_HCALL_MAX_RETS], guest;
    QDict *rsp;

    g_assert_nonnull(tmpdir);
    uri = g_strdup_printf("unix:%s/migsocket", tmpdir);
    src = qtest_init(args);
    dst = qtest_initf("%s -incoming defer", args);
    guest = create_guest(src, CAP_P9);

    rsp = qtest_qmp(src, "{ 'execute': 'migrate',"
                    "  'arguments': { 'uri': %s } }", uri);
    g_assert_true(qdict_haskey(rsp, "error"));
    g_assert_nonnull(strstr(qdict_get_str(qdict_get_qdict(rsp, "error"),
                                          "desc"),
                            "nested guests (L2) of the PAPR API"));
    qobject_unref(rsp);
    g_assert_cmpint(set_lpvr(src, guest, PVR_LOGICAL_POWER9, NULL),
                    ==, H_SUCCESS);
    g_assert_cmpint(delete_guest(src, guest), ==, H_SUCCESS);

    qtest_qmp_assert_success(dst, "{ 'execute': 'migrate-incoming',"
                             "  'arguments': { 'uri': %s } }", uri);
    qtest_qmp_assert_success(src, "{ 'execute': 'migrate',"
                             "  'arguments': { 'uri': %s } }", uri);
    wait_migration(src, "completed");
    wait_migration(dst, "completed");

    g_assert_cmpint(set_capabilities(dst, CAP_P9, NULL), ==, H_STATE);
    g_assert_cmpint(qtest_hcall(dst, 0, H_GUEST_CREATE, ARRAY_SIZE(create),
                                create, rets), ==, H_SUCCESS);
    g_assert_cmpint(set_lpvr(dst, rets[0], PVR_LOGICAL_POWER9, NULL),
                    ==, H_SUCCESS);
    g_assert_cmpint(set_lpvr(dst, rets[0], PVR_LOGICAL_POWER10, NULL),
                    ==, H_INVALID_ELEMENT_VALUE);

    qtest_quit(src);
    qtest_quit(dst);
    rmdir(tmpdir);
}

/*
 * Bits the L1 may not set in an element are refused, R4 naming the
 * element, and nothing of the request is applied; the bits that Linux
 * gives its guests are taken.
 */
static void test_reserved_bits(void)
{
    QTestState *qts = qtest_init("-M pseries," NESTED " -cpu power10");
    uint64_t guest = create_guest(qts, CAP_P9 | CAP_P10);
    const uint64_t linux_msr = 0x8000000000001033ULL;
    uint64_t rets[QTEST_HCALL_MAX_RETS];
    g_autoptr(GByteArray) gsb = gsb_new(2);

    gsb_add_u64(gsb, GSID_GPR0, 5);
    gsb_add_u64(gsb, GSID_MSR, linux_msr | MSR_HV);
    rets[0] = 0xdead;
    g_assert_cmpint(guest_state(qts, H_GUEST_SET_STATE, 0, guest, 0, gsb,
                                rets), ==, H_INVALID_ELEMENT_VALUE);
    g_assert_cmpuint(rets[0], ==, 1);
    g_assert_cmphex(get_u64(qts, 0, guest, 0, GSID_GPR0), ==, 0);

    g_assert_cmpint(set_u64(qts, 0, guest, 0, GSID_MSR, linux_msr | MSR_ME,
                            NULL), ==, H_SUCCESS);
    g_assert_cmphex(get_u64(qts, 0, guest, 0, GSID_MSR), ==, linux_msr);
    /* what Linux 6.12 and 7.3 give: LPCR with GTSE, a negative TB offset */
    g_assert_cmpint(set_u64(qts, 0, guest, 0, GSID_LPCR, 0x0040000000020400ULL,
                            NULL), ==, H_SUCCESS);
    g_assert_cmpint(set_u64(qts, 0, guest, 0, GSID_LPCR, LPCR_HR, rets),
                    ==, H_INVALID_ELEMENT_VALUE);
    g_assert_cmpint(set_u64(qts, GUEST_WIDE, guest, 0, GSID_TB_OFFSET,
                            0xfffffffe51000000ULL, NULL), ==, H_SUCCESS);
    /* TBU40 takes the upper 40 bits only */
    g_assert_cmpint(set_u64(qts, GUEST_WIDE, guest, 0, GSID_TB_OFFSET,
                            0x1234, rets), ==, H_INVALID_ELEMENT_VALUE);
    assert_alive(qts);
    qtest_quit(qts);
}

/*
 * A new guest runs in a mode the L1 enabled, and says so: the newest of
 * them, whether or not the L1 ever sets a logical PVR, and the L1's own
 * mode (0) means the same.
 */
static void test_new_guest_mode(void)
{
    const char *args = "-M pseries," NESTED ",max-cpu-compat=power10 "
                       "-cpu power11";
    QTestState *qts = qtest_init(args);
    uint64_t guest = create_guest(qts, CAP_P9 | CAP_P10);

    g_assert_cmphex(get_lpvr(qts, guest), ==, PVR_LOGICAL_POWER10);
    g_assert_cmpint(set_lpvr(qts, guest, PVR_LOGICAL_POWER9, NULL),
                    ==, H_SUCCESS);
    g_assert_cmpint(set_lpvr(qts, guest, 0, NULL), ==, H_SUCCESS);
    g_assert_cmphex(get_lpvr(qts, guest), ==, PVR_LOGICAL_POWER10);
    /* what reads back is taken back */
    g_assert_cmpint(set_lpvr(qts, guest, get_lpvr(qts, guest), NULL),
                    ==, H_SUCCESS);
    qtest_quit(qts);

    qts = qtest_init(args);
    guest = create_guest(qts, CAP_P9);
    g_assert_cmphex(get_lpvr(qts, guest), ==, PVR_LOGICAL_POWER9);
    qtest_quit(qts);
}

/*
 * The L1's guests hold at most nested-papr-heap-max bytes in the L0, as
 * the host-wide heap elements tell the L1; beyond, creation is answered
 * H_NO_MEM; deleting a guest gives its part back.
 */
static void test_heap_max(void)
{
    QTestState *qts = qtest_init("-M pseries," NESTED
                                 ",nested-papr-heap-max=64K -cpu power10");
    const uint64_t create[] = { 0, -1 };
    uint64_t rets[QTEST_HCALL_MAX_RETS], guest, vcpus, inuse, full;
    int64_t rc;
    int i;

    g_assert_cmpuint(get_u64(qts, HOST_WIDE, 0, 0, GSID_L0_HEAP_MAX),
                     ==, 64 * 1024);
    g_assert_cmpuint(get_u64(qts, HOST_WIDE, 0, 0, GSID_L0_HEAP_INUSE),
                     ==, 0);
    guest = create_guest(qts, CAP_P9 | CAP_P10);
    inuse = get_u64(qts, HOST_WIDE, 0, 0, GSID_L0_HEAP_INUSE);
    g_assert_cmpuint(inuse, >, 0);

    for (vcpus = 1; vcpus < 1024; vcpus++) {
        rc = create_vcpu(qts, guest, vcpus);
        if (rc != H_SUCCESS) {
            break;
        }
    }
    g_assert_cmpint(rc, ==, H_NO_MEM);
    /* what is left may hold a guest, with no room for its vCPU */
    for (i = 0; i < 64; i++) {
        rc = qtest_hcall(qts, 0, H_GUEST_CREATE, ARRAY_SIZE(create), create,
                         rets);
        if (rc != H_SUCCESS) {
            break;
        }
        g_assert_cmpint(create_vcpu(qts, rets[0], 0), ==, H_NO_MEM);
    }
    g_assert_cmpint(rc, ==, H_NO_MEM);
    full = get_u64(qts, HOST_WIDE, 0, 0, GSID_L0_HEAP_INUSE);
    g_assert_cmpuint(full, <=, 64 * 1024);
    g_assert_cmpuint(full, >, 60 * 1024);
    /* nothing of the refused requests was kept */
    g_assert_cmpuint(get_u64(qts, HOST_WIDE, 0, 0, GSID_L0_HEAP_INUSE),
                     ==, full);
    g_assert_cmpint(set_u64(qts, 0, guest, vcpus - 1, GSID_GPR0, 1, NULL),
                    ==, H_SUCCESS);
    g_assert_cmpint(set_u64(qts, 0, guest, vcpus, GSID_GPR0, 1, NULL),
                    ==, H_P3);

    g_assert_cmpint(delete_guest(qts, guest), ==, H_SUCCESS);
    g_assert_cmpuint(get_u64(qts, HOST_WIDE, 0, 0, GSID_L0_HEAP_INUSE),
                     <, full - (vcpus - 1) * 1024);
    g_assert_cmpint(qtest_hcall(qts, 0, H_GUEST_DELETE,
                                2, (uint64_t[]) { DELETE_ALL, 0 }, NULL),
                    ==, H_SUCCESS);
    g_assert_cmpuint(get_u64(qts, HOST_WIDE, 0, 0, GSID_L0_HEAP_INUSE),
                     ==, 0);
    g_assert_cmpint(qtest_hcall(qts, 0, H_GUEST_CREATE, ARRAY_SIZE(create),
                                create, rets), ==, H_SUCCESS);
    g_assert_cmpint(create_vcpu(qts, rets[0], 0), ==, H_SUCCESS);
    g_assert_cmpuint(get_u64(qts, HOST_WIDE, 0, 0, GSID_L0_HEAP_INUSE),
                     ==, inuse);
    assert_alive(qts);
    qtest_quit(qts);
}

/* A budget that cannot hold one guest is a command-line error. */
static void test_heap_max_too_small(void)
{
    const char *argv[] = {
        getenv("QTEST_QEMU_BINARY"), "-M", "pseries," NESTED
        ",nested-papr-heap-max=1K", "-display", "none", "-S", NULL
    };
    g_autofree char *out = NULL, *err = NULL;
    int status;

    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL,
                               G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                               &status, NULL));
    g_assert_false(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    g_assert_nonnull(strstr(err, "nested-papr-heap-max must be at least"));
}

static bool machine_strict(QTestState *qts)
{
    QDict *rsp = qtest_qmp(qts, "{ 'execute': 'qom-get', 'arguments': {"
                           " 'path': '/machine',"
                           " 'property': 'nested-papr-strict' } }");
    bool strict = qdict_get_bool(rsp, "return");

    qobject_unref(rsp);
    return strict;
}

/*
 * "pseries" is the fork's machine type for the upstream it is built on
 * (pseries-fork-MAJOR.MINOR), with the fork's checks; upstream's
 * pseries-10.0 keeps upstream's behaviour.
 */
static void test_machine_types(void)
{
    QTestState *qts = qtest_init("-M pseries," NESTED " -cpu power10");
    QDict *rsp = qtest_qmp(qts, "{ 'execute': 'query-machines' }");
    QList *machines = qdict_get_qlist(rsp, "return");
    const QListEntry *entry;
    const char *aliased = NULL;

    QLIST_FOREACH_ENTRY(machines, entry) {
        QDict *machine = qobject_to(QDict, qlist_entry_obj(entry));

        if (!g_strcmp0(qdict_get_try_str(machine, "alias"), "pseries")) {
            aliased = qdict_get_str(machine, "name");
            g_assert_true(qdict_get_try_bool(machine, "is-default", false));
        }
    }
    g_assert_cmpstr(aliased, ==, "pseries-fork-" stringify(QEMU_VERSION_MAJOR)
                    "." stringify(QEMU_VERSION_MINOR));
    qobject_unref(rsp);
    g_assert_true(machine_strict(qts));
    qtest_quit(qts);

    qts = qtest_init("-M pseries-10.0," NESTED " -cpu power10");
    g_assert_false(machine_strict(qts));
    qtest_quit(qts);

    /* Kept on every later upstream, for its guests to migrate there */
    qts = qtest_init("-M pseries-fork-10.0," NESTED " -cpu power10");
    g_assert_true(machine_strict(qts));
    qtest_quit(qts);
}

/*
 * The migration stream of a nested L1 (modes negotiated, a guest made
 * and deleted) on upstream's pseries-10.0 has no section that upstream
 * QEMU does not know, so that upstream can load it; on the fork's machine
 * type it carries what the fork's checks keep.
 */
static char *nested_l1_stream(const char *machine)
{
    g_autofree char *tmpdir = g_dir_make_tmp("spapr-nested-XXXXXX", NULL);
    g_autofree char *path = g_strdup_printf("%s/state", tmpdir);
    g_autofree char *uri = g_strdup_printf("file:%s", path);
    QTestState *qts = qtest_initf("-M %s," NESTED " -cpu power10", machine);
    char *stream;
    gsize len;

    g_assert_cmpint(delete_guest(qts, create_guest(qts, CAP_P9 | CAP_P10)),
                    ==, H_SUCCESS);
    qtest_qmp_assert_success(qts, "{ 'execute': 'migrate',"
                             "  'arguments': { 'uri': %s } }", uri);
    wait_migration(qts, "completed");
    qtest_quit(qts);
    g_assert_true(g_file_get_contents(path, &stream, &len, NULL));
    /* section names are strings in it: make it one */
    for (gsize i = 0; i < len; i++) {
        stream[i] = stream[i] ? stream[i] : ' ';
    }
    unlink(path);
    rmdir(tmpdir);
    return stream;
}

static void test_upstream_stream(void)
{
    static const char *const fork_sections[] = {
        "spapr/nested-papr-compat", "spapr/nested-api",
        "spapr/nested-hv-ptcr", "spapr/nested-l2-running",
    };
    g_autofree char *upstream = nested_l1_stream("pseries-10.0");
    g_autofree char *fork = nested_l1_stream("pseries");
    int i;

    for (i = 0; i < ARRAY_SIZE(fork_sections); i++) {
        g_assert_null(strstr(upstream, fork_sections[i]));
    }
    g_assert_nonnull(strstr(fork, "spapr/nested-papr-compat"));
}

int main(int argc, char **argv)
{
    int i;

    g_test_init(&argc, &argv, NULL);
    for (i = 0; i < ARRAY_SIZE(offer_cases); i++) {
        g_autofree char *path = g_strdup_printf("spapr/nested-papr/offered/%s",
                                                offer_cases[i].name);

        qtest_add_data_func(path, &offer_cases[i], test_offered);
    }
    for (i = 0; i < ARRAY_SIZE(malformed_cases); i++) {
        g_autofree char *path =
            g_strdup_printf("spapr/nested-papr/malformed/%s",
                            malformed_cases[i].name);

        qtest_add_data_func(path, &malformed_cases[i], test_malformed);
    }
    qtest_add_func("spapr/nested-papr/set-capabilities",
                   test_set_capabilities);
    qtest_add_func("spapr/nested-papr/set-capabilities-legacy",
                   test_set_capabilities_legacy);
    qtest_add_func("spapr/nested-papr/lpvr", test_lpvr);
    qtest_add_func("spapr/nested-papr/lpvr-enabled-only",
                   test_lpvr_enabled_only);
    qtest_add_func("spapr/nested-papr/lpvr-legacy", test_lpvr_legacy);
    qtest_add_func("spapr/nested-papr/vpa", test_vpa);
    qtest_add_func("spapr/nested-papr/tlb-invalidate", test_tlb_invalidate);
    qtest_add_func("spapr/nested-papr/reset", test_reset);
    qtest_add_func("spapr/nested-papr/bad-arguments", test_bad_arguments);
    qtest_add_func("spapr/nested-papr/unreadable", test_unreadable);
    qtest_add_func("spapr/nested-papr/delete-all", test_delete_all);
    qtest_add_func("spapr/nested-papr/migration", test_migration);
    qtest_add_func("spapr/nested-papr/reserved-bits", test_reserved_bits);
    qtest_add_func("spapr/nested-papr/new-guest-mode", test_new_guest_mode);
    qtest_add_func("spapr/nested-papr/heap-max", test_heap_max);
    qtest_add_func("spapr/nested-papr/machine-types", test_machine_types);
    qtest_add_func("spapr/nested-papr/upstream-stream", test_upstream_stream);
    qtest_add_func("spapr/nested-papr/heap-max-too-small",
                   test_heap_max_too_small);
    return g_test_run();
}
