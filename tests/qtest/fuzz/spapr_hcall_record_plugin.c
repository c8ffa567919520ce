/*
 * TCG plugin: record the nested-API hypercalls a pseries L1 makes
 *
 * The pseries hypercall fuzzer's seeds should include what a real Linux
 * L1 sends its L0 for one L2's life, not only what was written by hand.
 * Run an L0 with this plugin; every "sc 1" whose opcode belongs to a
 * nested API (PAPR nested v2, nested-HV v1) is written to the record with
 * its arguments and the L1 memory the L0 will read for it (guest state
 * buffers, the run input buffer, hv_guest_state and pt_regs, the
 * partition table entry), and the first instruction after it records what
 * the L0 returned (the exit reason of a run).  scripts/fork/fuzz-record.py
 * turns a record into fuzzer inputs.
 *
 * Usage: -plugin libspapr-hcall-record.so,out=FILE
 * Record lines (hexadecimal numbers):
 *   call VCPU OPCODE ARG1 .. ARG9
 *   mem ADDR BYTES               L1 memory the call above reads
 *   ret VCPU OPCODE R3 R4 R5     what the call returned
 *
 * The L1 makes its hypercalls with data translation on and passes real
 * addresses, which Linux maps at 0xc000000000000000.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <glib.h>
#include <qemu-plugin.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define SC_1 0x44000022u
#define LINEAR_MAP 0xc000000000000000ull
#define MAX_VCPUS 64
#define NARGS 9
#define MAX_GSB 0x10000
#define HV_GUEST_STATE_SIZE 248
#define PT_REGS_SIZE 352
#define PATE_SIZE 16
#define PATB_MASK 0x0ffffffffffff000ull

#define H_GUEST_GET_STATE 0x478
#define H_GUEST_SET_STATE 0x47c
#define H_GUEST_RUN_VCPU 0x480
#define H_SET_PARTITION_TABLE 0xf800
#define H_ENTER_NESTED 0xf804
#define GSB_VCPU_IN_BUFFER 0x0c00

typedef struct VcpuRegs {
    struct qemu_plugin_register *gpr[13];  /* r1 .. r12, r0 unused */
    /* the hypercall this vCPU waits for, and its stack pointer */
    bool pending;
    uint64_t pending_opcode;
    uint64_t pending_r1;
    bool little_endian;
} VcpuRegs;

static FILE *record;
static GMutex lock;
static VcpuRegs vcpus[MAX_VCPUS];
static GHashTable *after_sc;     /* vaddrs that follow an "sc 1" */
static GHashTable *run_inputs;   /* guest << 32 | vcpu -> run input address */
static uint64_t ptcr;

static bool nested_opcode(uint64_t opcode)
{
    return (opcode >= 0x460 && opcode <= 0x488) ||
           (opcode >= H_SET_PARTITION_TABLE && opcode <= 0xf80c);
}

static uint64_t bytes_to_u64(const uint8_t *p, size_t len, bool le)
{
    uint64_t v = 0;
    size_t i;

    for (i = 0; i < len; i++) {
        v |= (uint64_t)p[le ? i : len - 1 - i] << (8 * i);
    }
    return v;
}

static uint64_t be(const uint8_t *p, size_t len)
{
    return bytes_to_u64(p, len, false);
}

static uint64_t read_gpr(VcpuRegs *v, int n)
{
    g_autoptr(GByteArray) buf = g_byte_array_new();

    if (qemu_plugin_read_register(v->gpr[n], buf) != 8) {
        return 0;
    }
    return bytes_to_u64(buf->data, 8, v->little_endian);
}

/*
 * The gdb view of the registers follows the vCPU's byte order at the time
 * (firmware big-endian, the kernel little-endian): at an "sc 1", r3 holds
 * an opcode, below 0x10000 in the right one.
 */
static uint64_t read_opcode(VcpuRegs *v)
{
    uint64_t opcode;

    v->little_endian = true;
    opcode = read_gpr(v, 3);
    if (opcode >= 0x10000) {
        v->little_endian = false;
        opcode = read_gpr(v, 3);
    }
    return opcode;
}

static GByteArray *read_l1(uint64_t addr, size_t len)
{
    GByteArray *buf = g_byte_array_new();

    if (!len || !qemu_plugin_read_memory_vaddr(LINEAR_MAP | addr, buf, len)) {
        g_byte_array_set_size(buf, 0);
    }
    return buf;
}

static void write_mem(uint64_t addr, GByteArray *buf, size_t len)
{
    size_t i;

    if (!len) {
        return;
    }
    fprintf(record, "mem %" PRIx64 " ", addr);
    for (i = 0; i < len; i++) {
        fprintf(record, "%02x", buf->data[i]);
    }
    fputc('\n', record);
}

/* A guest state buffer: its used length; the run input address it sets */
static size_t gsb_length(GByteArray *buf, uint64_t *run_input)
{
    size_t pos = 4;
    uint32_t count, i;

    if (buf->len < 4) {
        return 0;
    }
    count = be(buf->data, 4);
    for (i = 0; i < count && pos + 4 <= buf->len; i++) {
        uint16_t id = be(buf->data + pos, 2);
        uint16_t size = be(buf->data + pos + 2, 2);

        if (pos + 4 + size > buf->len) {
            return buf->len;
        }
        if (id == GSB_VCPU_IN_BUFFER && size >= 8 && run_input) {
            *run_input = be(buf->data + pos + 4, 8);
        }
        pos += 4 + size;
    }
    return pos;
}

static void record_gsb(uint64_t addr, uint64_t size, uint64_t *run_input)
{
    g_autoptr(GByteArray) buf = read_l1(addr, MIN(size, MAX_GSB));

    write_mem(addr, buf, gsb_length(buf, run_input));
}

static void record_buffers(uint64_t opcode, const uint64_t *args)
{
    uint64_t key = args[1] << 32 | (args[2] & 0xffffffff);
    uint64_t run_input = 0;
    gpointer found;

    switch (opcode) {
    case H_GUEST_GET_STATE:
        record_gsb(args[3], args[4], NULL);
        break;
    case H_GUEST_SET_STATE:
        record_gsb(args[3], args[4], &run_input);
        if (run_input) {
            g_hash_table_insert(run_inputs, GSIZE_TO_POINTER(key),
                                GSIZE_TO_POINTER(run_input));
        }
        break;
    case H_GUEST_RUN_VCPU:
        found = g_hash_table_lookup(run_inputs, GSIZE_TO_POINTER(key));
        if (found) {
            record_gsb(GPOINTER_TO_SIZE(found), MAX_GSB, NULL);
        }
        break;
    case H_SET_PARTITION_TABLE:
        ptcr = args[0];
        break;
    case H_ENTER_NESTED: {
        g_autoptr(GByteArray) hv = read_l1(args[0], HV_GUEST_STATE_SIZE);
        g_autoptr(GByteArray) regs = read_l1(args[1], PT_REGS_SIZE);
        g_autoptr(GByteArray) pate = NULL;
        uint64_t pate_addr;
        bool le;

        write_mem(args[0], hv, hv->len);
        write_mem(args[1], regs, regs->len);
        if (hv->len == HV_GUEST_STATE_SIZE && ptcr) {
            /* hv_guest_state is in the L1's byte order: its version tells */
            le = bytes_to_u64(hv->data, 8, true) < 0x100;
            pate_addr = (ptcr & PATB_MASK) +
                        bytes_to_u64(hv->data + 8, 4, le) * PATE_SIZE;
            pate = read_l1(pate_addr, PATE_SIZE);
            write_mem(pate_addr, pate, pate->len);
        }
        break;
    }
    }
}

static void sc_exec(unsigned int vcpu_index, void *userdata)
{
    VcpuRegs *v = &vcpus[vcpu_index % MAX_VCPUS];
    uint64_t args[NARGS];
    uint64_t opcode;
    int i;

    g_mutex_lock(&lock);
    opcode = read_opcode(v);
    if (nested_opcode(opcode)) {
        fprintf(record, "call %x %" PRIx64, vcpu_index, opcode);
        for (i = 0; i < NARGS; i++) {
            args[i] = read_gpr(v, 4 + i);
            fprintf(record, " %" PRIx64, args[i]);
        }
        fputc('\n', record);
        record_buffers(opcode, args);
        v->pending = true;
        v->pending_opcode = opcode;
        v->pending_r1 = read_gpr(v, 1);
    }
    g_mutex_unlock(&lock);
}

/* The same address runs in other contexts too: the stack pointer tells. */
static void after_sc_exec(unsigned int vcpu_index, void *userdata)
{
    VcpuRegs *v = &vcpus[vcpu_index % MAX_VCPUS];

    g_mutex_lock(&lock);
    if (v->pending && read_gpr(v, 1) == v->pending_r1) {
        fprintf(record, "ret %x %" PRIx64 " %" PRIx64 " %" PRIx64 " %" PRIx64
                "\n", vcpu_index, v->pending_opcode, read_gpr(v, 3),
                read_gpr(v, 4), read_gpr(v, 5));
        v->pending = false;
    }
    g_mutex_unlock(&lock);
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    size_t n = qemu_plugin_tb_n_insns(tb), i;

    for (i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        uint64_t vaddr = qemu_plugin_insn_vaddr(insn);
        uint8_t data[4];
        uint32_t word_le, word_be;

        if (qemu_plugin_insn_data(insn, data, sizeof(data)) != 4) {
            continue;
        }
        word_le = bytes_to_u64(data, 4, true);
        word_be = bytes_to_u64(data, 4, false);
        g_mutex_lock(&lock);
        if (word_le == SC_1 || word_be == SC_1) {
            g_hash_table_add(after_sc, GSIZE_TO_POINTER(vaddr + 4));
            qemu_plugin_register_vcpu_insn_exec_cb(insn, sc_exec,
                                                   QEMU_PLUGIN_CB_R_REGS,
                                                   NULL);
        } else if (g_hash_table_contains(after_sc,
                                         GSIZE_TO_POINTER(vaddr))) {
            qemu_plugin_register_vcpu_insn_exec_cb(insn, after_sc_exec,
                                                   QEMU_PLUGIN_CB_R_REGS,
                                                   NULL);
        }
        g_mutex_unlock(&lock);
    }
}

static void vcpu_init(qemu_plugin_id_t id, unsigned int vcpu_index)
{
    g_autoptr(GArray) regs = qemu_plugin_get_registers();
    VcpuRegs *v = &vcpus[vcpu_index % MAX_VCPUS];
    char name[8];
    guint i;
    int n;

    for (i = 0; i < regs->len; i++) {
        qemu_plugin_reg_descriptor *rd =
            &g_array_index(regs, qemu_plugin_reg_descriptor, i);

        for (n = 1; n <= 12; n++) {
            snprintf(name, sizeof(name), "r%d", n);
            if (!strcmp(rd->name, name)) {
                v->gpr[n] = rd->handle;
            }
        }
    }
}

static void at_exit(qemu_plugin_id_t id, void *userdata)
{
    fclose(record);
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id,
                                           const qemu_info_t *info,
                                           int argc, char **argv)
{
    const char *out = NULL;
    int i;

    for (i = 0; i < argc; i++) {
        if (g_str_has_prefix(argv[i], "out=")) {
            out = argv[i] + 4;
        }
    }
    if (!out || !info->system_emulation) {
        fprintf(stderr, "spapr-hcall-record: needs out=FILE, system mode\n");
        return -1;
    }
    record = fopen(out, "w");
    if (!record) {
        perror(out);
        return -1;
    }
    after_sc = g_hash_table_new(NULL, NULL);
    run_inputs = g_hash_table_new(NULL, NULL);
    qemu_plugin_register_vcpu_init_cb(id, vcpu_init);
    qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
    qemu_plugin_register_atexit_cb(id, at_exit, NULL);
    return 0;
}
