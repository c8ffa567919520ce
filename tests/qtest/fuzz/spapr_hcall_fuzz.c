/*
 * Fuzz the pseries hypercalls: the nested APIs' L0 above all
 *
 * An input is a sequence of operations an L1 could perform: hypercalls
 * (through the "hcall" qtest command, as a guest's "sc 1" reaches them),
 * writes of the guest memory those calls point at (raw, or as guest state
 * buffers whose header and element sizes agree), exits of a running L2 to
 * its L1 (an HV interrupt, delivered as the CPU delivers it) and resets
 * (what a machine reset does to vCPUs and nested guests).  The vCPUs
 * never run guest code: an L2 entered stays entered until an exit
 * operation, so that every execution stays short.  After
 * each input the buffer area is cleared and what hypercalls change is
 * reset as a machine reset does it (spapr_qtest_quick_reset()).
 *
 * Operation encoding, one byte selecting the operation (0xff a reset, any
 * other modulo the number of the others) followed by its operands; an
 * input that ends inside an operation ends there:
 *   HCALL  cpu:u8 opcode:u8 (index into spapr_hcall_fuzz_opcodes) nargs:u8
 *          then nargs arguments, each a tag byte and its value (below)
 *   WRITE  offset:u16 len:u8 data[len]      at BUF_BASE + offset * 16
 *   GSB    offset:u16 count:u8 then count elements id:u16 len:u8 data[len]
 *          written as a guest state buffer (big-endian header and sizes)
 *   EXIT   cpu:u8 kind:u8 (see spapr_qtest_l2_exit())
 *   FILL   offset:u16 pages:u8 byte:u8      memset of pages * 4 KiB
 *   RESET  (0xff only) spapr_qtest_quick_reset(): what a machine reset
 *          does to vCPUs and nested guests, L2s running or not
 * Argument tags (low 3 bits): 0 u8, 1 u16, 2 u32, 3 u64 (big-endian),
 * 4 BUF_BASE + u16 * 16, 5 the last guest id H_GUEST_CREATE returned,
 * 6 an interesting constant (u8 index), 7 u8 with bit 63 (guest-wide).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "hw/ppc/spapr_qtest.h"
#include "tests/qtest/libqtest.h"
#include "fuzz.h"

/* The guest memory that inputs write: 1 MiB from 16 MiB */
#define BUF_BASE 0x1000000ULL
#define BUF_SIZE 0x100000ULL
#define BUF_GRANULE 16
#define FUZZ_PAGE 0x1000
#define FUZZ_SMP 2
/* The least pseries takes (256 MiB steps): a reset clears an HPT for it */
#define FUZZ_RAM_MIB 256

enum {
    OP_HCALL,
    OP_WRITE,
    OP_GSB,
    OP_EXIT,
    OP_FILL,
    OP_COUNT,
    OP_RESET = 0xff
};

/*
 * PAPR's numbers (include/hw/ppc/spapr.h, which needs the target's)
 */
static const uint64_t spapr_hcall_fuzz_opcodes[] = {
    /* the PAPR nested API (v2): H_GUEST_GET_CAPABILITIES .. H_GUEST_DELETE */
    0x460, 0x464, 0x470, 0x474, 0x478, 0x47c,
    0x480, 0x488,
    /*
     * the nested-HV API (v1): H_SET_PARTITION_TABLE, H_ENTER_NESTED,
     * H_TLB_INVALIDATE, H_COPY_TOFROM_GUEST
     */
    0xf800, 0xf804, 0xf808, 0xf80c,
    /* client-architecture-support (KVMPPC_H_CAS) */
    0xf002,
    /*
     * ordinary calls: H_REGISTER_PROC_TBL, H_SET_MODE, H_REGISTER_VPA,
     * H_SIGNAL_SYS_RESET, H_PAGE_INIT, H_SET_DABR, H_SET_XDABR,
     * H_SET_SPRG0, H_ENTER, H_REMOVE, H_PROTECT, H_BULK_REMOVE,
     * H_GET_CPU_CHARACTERISTICS, H_RANDOM, H_CEDE, H_PROD, H_CONFER,
     * H_READ
     */
    0x37c, 0x31c, 0xdc, 0x380, 0x2c, 0x28,
    0x134, 0x24, 0x08, 0x04, 0x18, 0x124,
    0x1c8, 0x300, 0xe0, 0xe8, 0xe4, 0x0c,
};

#define H_GUEST_CREATE 0x470
#define H_SUCCESS 0

static const uint64_t spapr_hcall_fuzz_constants[] = {
    0, 1, 2, 3, 4, 7, 8, 0x10, 0xff, 0x100, 0xfff, FUZZ_PAGE, 0x10000,
    0x7fffffffULL, 0x80000000ULL, 0xffffffffULL, 0x100000000ULL,
    0x7fffffffffffffffULL, 0x8000000000000000ULL, 0xc000000000000000ULL,
    0xfffffffffffffff0ULL, UINT64_MAX, BUF_BASE, BUF_BASE + BUF_SIZE - 8,
    BUF_BASE + BUF_SIZE, FUZZ_RAM_MIB * MiB - 8, FUZZ_RAM_MIB * MiB,
    1ULL << 52,
};

typedef struct FuzzInput {
    const uint8_t *data;
    size_t size;
    size_t pos;
} FuzzInput;

static uint64_t last_guest_id;

static bool take(FuzzInput *in, size_t n, uint64_t *value)
{
    uint64_t v = 0;

    if (in->size - in->pos < n) {
        in->pos = in->size;
        return false;
    }
    while (n--) {
        v = (v << 8) | in->data[in->pos++];
    }
    *value = v;
    return true;
}

static bool take_arg(FuzzInput *in, uint64_t *arg)
{
    static const size_t width[] = { 1, 2, 4, 8 };
    uint64_t tag, v = 0;

    if (!take(in, 1, &tag)) {
        return false;
    }
    switch (tag & 7) {
    case 0 ... 3:
        return take(in, width[tag & 7], arg);
    case 4:
        if (!take(in, 2, &v)) {
            return false;
        }
        *arg = BUF_BASE + v * BUF_GRANULE;
        return true;
    case 5:
        *arg = last_guest_id;
        return true;
    case 6:
        if (!take(in, 1, &v)) {
            return false;
        }
        v %= ARRAY_SIZE(spapr_hcall_fuzz_constants);
        *arg = spapr_hcall_fuzz_constants[v];
        return true;
    default:
        if (!take(in, 1, &v)) {
            return false;
        }
        *arg = v | (1ULL << 63);
        return true;
    }
}

static void op_hcall(QTestState *s, FuzzInput *in)
{
    uint64_t cpu_index, op, nargs, args[QTEST_HCALL_MAX_ARGS] = { 0 };
    uint64_t rets[QTEST_HCALL_MAX_RETS];
    uint64_t opcode;
    int64_t r3;
    int i;

    if (!take(in, 1, &cpu_index) || !take(in, 1, &op) || !take(in, 1, &nargs)) {
        return;
    }
    nargs %= QTEST_HCALL_MAX_ARGS + 1;
    for (i = 0; i < nargs; i++) {
        if (!take_arg(in, &args[i])) {
            return;
        }
    }
    /* A guest's sc 1 from a vCPU that runs an L2 reaches the L2's L1. */
    if (spapr_qtest_vcpu_in_nested(cpu_index % FUZZ_SMP)) {
        return;
    }
    op %= ARRAY_SIZE(spapr_hcall_fuzz_opcodes);
    opcode = spapr_hcall_fuzz_opcodes[op];
    r3 = qtest_hcall(s, cpu_index % FUZZ_SMP, opcode, nargs, args, rets);
    if (opcode == H_GUEST_CREATE && r3 == H_SUCCESS) {
        last_guest_id = rets[0];
    }
}

static void op_write(QTestState *s, FuzzInput *in)
{
    uint64_t offset, len;
    uint64_t addr;

    if (!take(in, 2, &offset) || !take(in, 1, &len)) {
        return;
    }
    len = MIN(len, in->size - in->pos);
    addr = offset * BUF_GRANULE;
    len = MIN(len, BUF_SIZE - addr);
    qtest_memwrite(s, BUF_BASE + addr, in->data + in->pos, len);
    in->pos += len;
}

/* A guest state buffer: be32 count, then be16 id, be16 size, value */
static void op_gsb(QTestState *s, FuzzInput *in)
{
    g_autoptr(GByteArray) gsb = g_byte_array_new();
    uint64_t offset, count, id, len;
    uint8_t header[4];
    uint64_t addr;
    int i;

    if (!take(in, 2, &offset) || !take(in, 1, &count)) {
        return;
    }
    count %= 17;
    stl_be_p(header, count);
    g_byte_array_append(gsb, header, 4);
    for (i = 0; i < count; i++) {
        if (!take(in, 2, &id) || !take(in, 1, &len)) {
            break;
        }
        len = MIN(len, in->size - in->pos);
        stw_be_p(header, id);
        stw_be_p(header + 2, len);
        g_byte_array_append(gsb, header, 4);
        g_byte_array_append(gsb, in->data + in->pos, len);
        in->pos += len;
    }
    addr = offset * BUF_GRANULE;
    qtest_memwrite(s, BUF_BASE + addr, gsb->data,
                   MIN(gsb->len, BUF_SIZE - addr));
}

/* The L2 on @cpu takes an HV interrupt, which returns to its L1. */
static void op_exit(FuzzInput *in)
{
    uint64_t cpu_index, kind;

    if (!take(in, 1, &cpu_index) || !take(in, 1, &kind)) {
        return;
    }
    spapr_qtest_l2_exit(cpu_index % FUZZ_SMP,
                        kind % spapr_qtest_l2_exit_kinds());
}

static const uint8_t zero_page[FUZZ_PAGE];

/* qtest_memwrite, not qtest_memset: the fuzzer's memset leaks its buffer */
static void fill(QTestState *s, uint64_t addr, uint8_t byte, uint64_t len)
{
    g_autofree uint8_t *pattern = byte ? g_malloc(FUZZ_PAGE) : NULL;
    uint64_t done;

    if (pattern) {
        memset(pattern, byte, FUZZ_PAGE);
    }
    for (done = 0; done < len; done += FUZZ_PAGE) {
        qtest_memwrite(s, addr + done, pattern ? pattern : zero_page,
                       MIN(FUZZ_PAGE, len - done));
    }
}

static void op_fill(QTestState *s, FuzzInput *in)
{
    uint64_t offset, pages, byte;
    uint64_t addr;

    if (!take(in, 2, &offset) || !take(in, 1, &pages) ||
        !take(in, 1, &byte)) {
        return;
    }
    addr = offset * BUF_GRANULE;
    fill(s, BUF_BASE + addr, byte, MIN(pages * FUZZ_PAGE, BUF_SIZE - addr));
}

static void spapr_hcall_fuzz(QTestState *s, const unsigned char *data,
                             size_t size)
{
    FuzzInput in = { .data = data, .size = size };
    uint64_t op;

    last_guest_id = 0;
    while (take(&in, 1, &op)) {
        switch (op == OP_RESET ? op : op % OP_COUNT) {
        case OP_HCALL:
            op_hcall(s, &in);
            break;
        case OP_WRITE:
            op_write(s, &in);
            break;
        case OP_GSB:
            op_gsb(s, &in);
            break;
        case OP_EXIT:
            op_exit(&in);
            break;
        case OP_RESET:
            spapr_qtest_quick_reset();
            break;
        case OP_FILL:
            op_fill(s, &in);
            break;
        }
    }
    flush_events(s);
    spapr_qtest_quick_reset();
    fill(s, BUF_BASE, 0, BUF_SIZE);
}

#define SPAPR_HCALL_FUZZ_ARGS \
    TARGET_NAME " -accel tcg -S -nodefaults -display none" \
    " -m " stringify(FUZZ_RAM_MIB) "M -smp " stringify(FUZZ_SMP) \
    " -M cap-cfpc=broken,cap-sbbc=broken,cap-ibs=broken,cap-ccf-assist=off"

static GString *spapr_hcall_fuzz_cmdline(FuzzTarget *t)
{
    return g_string_new(t->opaque);
}

static void register_spapr_hcall_fuzz_targets(void)
{
    fuzz_add_target(&(FuzzTarget){
        .name = "spapr-nested-papr",
        .description = "pseries hypercalls, the PAPR nested API's L0 "
                       "(Power11 CPU in Power10 mode)",
        .get_init_cmdline = spapr_hcall_fuzz_cmdline,
        .fuzz = spapr_hcall_fuzz,
        .opaque = (void *)(SPAPR_HCALL_FUZZ_ARGS " -cpu power11"
                           " -M pseries,cap-nested-papr=on,"
                           "max-cpu-compat=power10"),
    });
    fuzz_add_target(&(FuzzTarget){
        .name = "spapr-nested-hv",
        .description = "pseries hypercalls, the nested-HV API's L0",
        .get_init_cmdline = spapr_hcall_fuzz_cmdline,
        .fuzz = spapr_hcall_fuzz,
        .opaque = (void *)(SPAPR_HCALL_FUZZ_ARGS " -cpu power10"
                           " -M pseries,cap-nested-hv=on"),
    });
    fuzz_add_target(&(FuzzTarget){
        .name = "spapr-nested-both",
        .description = "pseries hypercalls, both nested APIs offered",
        .get_init_cmdline = spapr_hcall_fuzz_cmdline,
        .fuzz = spapr_hcall_fuzz,
        .opaque = (void *)(SPAPR_HCALL_FUZZ_ARGS " -cpu power10"
                           " -M pseries,cap-nested-hv=on,cap-nested-papr=on"),
    });
}

fuzz_target_init(register_spapr_hcall_fuzz_targets);
