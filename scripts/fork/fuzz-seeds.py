#!/usr/bin/env python3
"""Write the seed corpus and the dictionary of the pseries hypercall fuzzer.

The seeds are inputs of tests/qtest/fuzz/spapr_hcall_fuzz.c (its header
describes the encoding): an L1's calls for one L2 on each nested API, as
Linux's kvm-hv makes them, and one H_GUEST_SET_STATE / H_GUEST_GET_STATE
of a valid value for every guest state element id.  The dictionary holds
element ids, capability bits, logical PVRs and the values the L0 checks.

Usage: fuzz-seeds.py SEED-DIR DICT-FILE
"""

import os
import struct
import sys

# The order of spapr_hcall_fuzz_opcodes[] in spapr_hcall_fuzz.c
OPCODES = [
    'H_GUEST_GET_CAPABILITIES', 'H_GUEST_SET_CAPABILITIES', 'H_GUEST_CREATE',
    'H_GUEST_CREATE_VCPU', 'H_GUEST_GET_STATE', 'H_GUEST_SET_STATE',
    'H_GUEST_RUN_VCPU', 'H_GUEST_DELETE',
    'H_SET_PARTITION_TABLE', 'H_ENTER_NESTED', 'H_TLB_INVALIDATE',
    'H_COPY_TOFROM_GUEST',
    'H_CAS',
    'H_REGISTER_PROC_TBL', 'H_SET_MODE', 'H_REGISTER_VPA',
    'H_SIGNAL_SYS_RESET',
    'H_PAGE_INIT', 'H_SET_DABR', 'H_SET_XDABR', 'H_SET_SPRG0',
    'H_ENTER', 'H_REMOVE', 'H_PROTECT', 'H_BULK_REMOVE',
    'H_GET_CPU_CHARACTERISTICS', 'H_RANDOM', 'H_CEDE', 'H_PROD', 'H_CONFER',
    'H_READ',
]
# The order of spapr_qtest_l2_exits[] (hw/ppc/spapr_qtest.c)
EXITS = ['SYSCALL', 'HDECR', 'HDSI', 'HISI', 'HV_EMU', 'HVIRT', 'HV_FU',
         'SDOOR_HV', 'RESET', 'MCHECK']
OP_HCALL, OP_WRITE, OP_GSB, OP_EXIT, OP_FILL = range(5)
OP_RESET = 0xff

BUF_BASE = 0x1000000
GRANULE = 16
GUEST_WIDE = 1 << 63
HOST_WIDE = 1 << 62
CAP_P9, CAP_P10, CAP_P11 = 1 << 62, 1 << 61, 1 << 60

# Where the seeds put things, as offsets into the fuzzer's buffer area
GSB_OFF = 0x0000
RUN_IN_OFF = 0x1000
RUN_OUT_OFF = 0x2000
VPA_OFF = 0x3000
HV_STATE_OFF = 0x4000
REGS_OFF = 0x5000
CAS_OFF = 0x6000
FDT_OFF = 0x8000
PROCTBL_OFF = 0x10000
PARTTBL_OFF = 0x20000
PAGETBL_OFF = 0x30000


def addr(off):
    return BUF_BASE + off


def u8(v):
    return (0, v)


def u16(v):
    return (1, v)


def u32(v):
    return (2, v)


def u64(v):
    return (3, v)


def buf(off):
    return (4, off)


GUEST = (5, None)


def wide(v):
    return (7, v)


def arg_bytes(arg):
    tag, v = arg
    if tag == 4:
        assert off_ok(v)
        return bytes([4]) + struct.pack('>H', v // GRANULE)
    if tag == 5:
        return bytes([5])
    if tag == 7:
        return bytes([7, v])
    fmt = {0: '>B', 1: '>H', 2: '>I', 3: '>Q'}[tag]
    return bytes([tag]) + struct.pack(fmt, v)


def off_ok(off):
    return off % GRANULE == 0 and off // GRANULE < 0x10000


class Seed:
    def __init__(self):
        self.data = bytearray()

    def hcall(self, name, *args, cpu=0):
        self.data += bytes([OP_HCALL, cpu, OPCODES.index(name), len(args)])
        for a in args:
            self.data += arg_bytes(a)
        return self

    def write(self, off, data):
        # chunks of whole granules, each at most a length byte long
        assert off_ok(off)
        for i in range(0, len(data), 240):
            chunk = data[i:i + 240]
            self.data += bytes([OP_WRITE]) + \
                struct.pack('>HB', (off + i) // GRANULE, len(chunk)) + chunk
        return self

    def gsb(self, off, elements):
        assert off_ok(off) and len(elements) <= 16
        self.data += bytes([OP_GSB]) + struct.pack('>HB', off // GRANULE,
                                                   len(elements))
        for eid, value in elements:
            self.data += struct.pack('>HB', eid, len(value)) + value
        return self

    def exit(self, vector, cpu=0):
        self.data += bytes([OP_EXIT, cpu, EXITS.index(vector)])
        return self

    def reset(self):
        self.data += bytes([OP_RESET])
        return self


def q(v):
    return struct.pack('>Q', v)


def d(v):
    return struct.pack('>I', v)


# Guest state element ids with a valid value each (PAPR's nested API)
MSR_L2 = 0x8000000000001033
LPCR_L2 = 0x0040000000020400
ELEMENTS = {
    0x0001: ('guest', q(0)),               # HV vCPU state size (read only)
    0x0002: ('guest', q(0x80)),            # run output buffer min size
    0x0003: ('guest', d(0x0f000006)),      # logical PVR, Power10
    0x0004: ('guest', q(0xfffffffe51000000)),  # TB offset, as Linux sets it
    0x0005: ('guest', q(addr(PAGETBL_OFF)) + q(52) + q(0x10000)),
    0x0006: ('guest', q(addr(PROCTBL_OFF)) + q(0x1000)),
    0x0800: ('host', q(0)), 0x0801: ('host', q(0)), 0x0802: ('host', q(0)),
    0x0803: ('host', q(0)), 0x0804: ('host', q(0)),
    0x0c00: ('vcpu', q(addr(RUN_IN_OFF)) + q(0x1000)),
    0x0c01: ('vcpu', q(addr(RUN_OUT_OFF)) + q(0x1000)),
    0x0c02: ('vcpu', q(addr(VPA_OFF))),
}
for i in range(0x1000, 0x1054):
    ELEMENTS[i] = ('vcpu', q(0))
ELEMENTS[0x1021] = ('vcpu', q(0x10000))            # NIA
ELEMENTS[0x1022] = ('vcpu', q(MSR_L2))             # MSR
ELEMENTS[0x102c] = ('vcpu', q(LPCR_L2))            # LPCR
ELEMENTS[0x1020] = ('vcpu', q(0x7fffffffffffffff))  # HDEC expiry
for i in range(0x2000, 0x200f):
    ELEMENTS[i] = ('vcpu', d(0))
for i in range(0x3000, 0x3040):
    ELEMENTS[i] = ('vcpu', bytes(16))
ELEMENTS[0xf000] = ('vcpu', q(0))      # HDAR
ELEMENTS[0xf001] = ('vcpu', d(0))      # HDSISR
ELEMENTS[0xf002] = ('vcpu', d(0))      # HEIR
ELEMENTS[0xf003] = ('vcpu', q(0))      # ASDR


def v2_guest(seed, caps=CAP_P10 | CAP_P9):
    """GET_CAPABILITIES, SET_CAPABILITIES, CREATE, CREATE_VCPU 0."""
    return (seed.hcall('H_GUEST_GET_CAPABILITIES', u8(0))
            .hcall('H_GUEST_SET_CAPABILITIES', u8(0), u64(caps))
            .hcall('H_GUEST_CREATE', u8(0), u64((1 << 64) - 1))
            .hcall('H_GUEST_CREATE_VCPU', u8(0), GUEST, u8(0)))


def set_state(seed, flags, elements, vcpu=0, cpu=0, off=GSB_OFF):
    seed.gsb(off, elements)
    size = 4 + sum(4 + len(v) for _, v in elements)
    return seed.hcall('H_GUEST_SET_STATE', flags, GUEST, u8(vcpu), buf(off),
                      u16(size), cpu=cpu)


def get_state(seed, flags, ids, vcpu=0, off=GSB_OFF):
    elements = [(i, bytes(len(ELEMENTS[i][1]))) for i in ids]
    seed.gsb(off, elements)
    size = 4 + sum(4 + len(v) for _, v in elements)
    return seed.hcall('H_GUEST_GET_STATE', flags, GUEST, u8(vcpu), buf(off),
                      u16(size))


def v2_ready(seed, cpu=0):
    """A guest with one vCPU that H_GUEST_RUN_VCPU runs, as Linux makes it."""
    v2_guest(seed)
    set_state(seed, wide(0), [(i, ELEMENTS[i][1])
                              for i in (0x0003, 0x0004, 0x0005, 0x0006)])
    set_state(seed, u8(0), [(i, ELEMENTS[i][1])
                            for i in (0x0c00, 0x0c01, 0x0c02)])
    set_state(seed, u8(0), [(0x1021, q(0x10000)), (0x1022, q(MSR_L2)),
                            (0x102c, q(LPCR_L2)), (0x1001, q(0x20000)),
                            (0x1020, q(0x7fffffffffffffff))])
    # the run input buffer: the state changed since the last exit
    seed.gsb(RUN_IN_OFF, [(0x1003, q(0)), (0x1021, q(0x10004))])
    return seed


def pate_dw0(root):
    # HR, radix tree size 52 (RTS 21), root directory 64 KiB (RPDS 13)
    return (1 << 63) | (2 << 61) | root | (5 << 5) | 13


def hv_state(lpid=1, version=2, lpcr=LPCR_L2):
    """struct kvmppc_hv_guest_state, in the L1's (little) endianness."""
    data = struct.pack('<QIIQQQQQqQQQQ', version, lpid, 0, lpcr, 0, 0, 0, 0,
                       0xfffffffe51000000 - (1 << 64), 0, 0, 0,
                       0x7fffffffffffffff)
    data += bytes(8 * 8)                 # purr .. asdr
    data += struct.pack('<QQ', 0x10000, MSR_L2)   # srr0, srr1
    data += bytes(8 * 7)                 # sprg[4], pidr, cfar, ppr
    data += bytes(16)                    # dawr1, dawrx1
    return data


def pt_regs(nip=0x10000, msr=MSR_L2):
    gpr = [0] * 32
    gpr[1] = 0x20000
    data = struct.pack('<32Q', *gpr)
    data += struct.pack('<QQQQQQQQQQQQ', nip, msr, 0, 0, 0, 0, 0, 0, 0, 0,
                        0, 0)
    return data + bytes(8 * 4)


def v1_ready(seed, lpid=1):
    """A partition table for @lpid and the state H_ENTER_NESTED takes."""
    seed.write(PARTTBL_OFF + 16 * lpid,
               q(pate_dw0(addr(PAGETBL_OFF))) + q(addr(PROCTBL_OFF)))
    seed.hcall('H_SET_PARTITION_TABLE', u64(addr(PARTTBL_OFF)))
    seed.write(HV_STATE_OFF, hv_state(lpid))
    seed.write(REGS_OFF, pt_regs())
    return seed


def enter(seed, cpu=0):
    return seed.hcall('H_ENTER_NESTED', buf(HV_STATE_OFF), buf(REGS_OFF),
                      cpu=cpu)


def cas_vector(pvrs, ov5=bytes(24)):
    """ibm,client-architecture-support: PVR mask/value pairs, the list's
    end, then the option vectors (their count - 1; each: its length - 1,
    its bytes), as tests/qtest/spapr-cas-util.c writes them."""
    data = b''.join(struct.pack('>II', 0xffffffff, p) for p in pvrs)
    data += struct.pack('>II', 0xfffffffe, 0x0f000001)
    vectors = [b'\x00\xff\xc0', b'\x00', b'\x00', b'\x00', ov5]
    data += bytes([len(vectors) - 1])
    for v in vectors:
        data += bytes([len(v) - 1]) + v
    return data


def ov5_with(byte, bits):
    """Option vector 5 (24 bytes) with @bits in its byte @byte (from 1)."""
    v = bytearray(24)
    v[byte - 1] = bits
    return bytes(v)


def cas(seed, vector, fdt_size=0x8000):
    seed.write(CAS_OFF, vector)
    return seed.hcall('H_CAS', buf(CAS_OFF), buf(FDT_OFF), u16(fdt_size))


def seeds():
    out = {}

    s = v2_ready(Seed())
    for i in range(3):
        s.hcall('H_GUEST_RUN_VCPU', u8(0), GUEST, u8(0))
        s.exit(['HDECR', 'SYSCALL', 'HDSI'][i])
        get_state(s, u8(0), [0x1021, 0x1022, 0xf000, 0xf001, 0xf003])
    s.hcall('H_GUEST_DELETE', u8(0), GUEST)
    out['v2-l2-boot'] = s

    s = v2_ready(Seed()).hcall('H_GUEST_RUN_VCPU', u8(0), GUEST, u8(0))
    s.hcall('H_GUEST_DELETE', u8(0), GUEST, cpu=1).exit('HDECR')
    out['v2-delete-while-running'] = s

    s = v2_ready(Seed()).hcall('H_GUEST_RUN_VCPU', u8(0), GUEST, u8(0))
    s.hcall('H_SIGNAL_SYS_RESET', u64((1 << 64) - 1), cpu=1)
    s.reset()
    out['v2-reset-while-running'] = s

    s = v2_ready(Seed())
    s.hcall('H_GUEST_CREATE_VCPU', u8(0), GUEST, u8(1))
    set_state(s, u8(0), [(0x0c00, q(addr(RUN_IN_OFF)) + q(0x1000)),
                         (0x0c01, q(addr(RUN_OUT_OFF)) + q(0x80))], vcpu=1,
              cpu=1)
    s.hcall('H_GUEST_RUN_VCPU', u8(0), GUEST, u8(0))
    s.hcall('H_GUEST_RUN_VCPU', u8(0), GUEST, u8(1), cpu=1)
    s.exit('HDECR', cpu=1).exit('SYSCALL')
    out['v2-two-vcpus'] = s

    for eid, (scope, value) in sorted(ELEMENTS.items()):
        s = v2_guest(Seed())
        flags = {'guest': wide(0), 'host': u64(HOST_WIDE),
                 'vcpu': u8(0)}[scope]
        if scope != 'host':
            set_state(s, flags, [(eid, value)])
        get_state(s, flags, [eid])
        out['element-%04x' % eid] = s

    s = v1_ready(Seed())
    enter(s).exit('HDECR')
    enter(s).exit('SYSCALL')
    enter(s).exit('HDSI')
    s.hcall('H_TLB_INVALIDATE', u64(0x0), u64(1), u64(0))
    s.hcall('H_TLB_INVALIDATE', u64(0xc), u64(1), u64(0x1000))
    s.hcall('H_COPY_TOFROM_GUEST', u8(1), u8(0), u64(0x1000),
            buf(GSB_OFF), u8(0), u8(8))
    out['v1-l2-boot'] = s

    s = v1_ready(Seed())
    enter(s).hcall('H_TLB_INVALIDATE', u64(0x0), u64(1), u64(0), cpu=1)
    s.exit('HDECR')
    out['v1-tlb-invalidate-while-running'] = s

    s = v1_ready(Seed())
    enter(s).hcall('H_SET_PARTITION_TABLE', u8(0), cpu=1).exit('HDECR')
    out['v1-ptcr-cleared-while-running'] = s

    s = v1_ready(Seed())
    enter(s).exit('HDECR')
    v2_ready(s).hcall('H_GUEST_RUN_VCPU', u8(0), GUEST, u8(0)).exit('HDECR')
    out['both-apis'] = s

    s = cas(Seed(), cas_vector([0x0f000005, 0x0f000006]))
    v2_ready(s).hcall('H_GUEST_RUN_VCPU', u8(0), GUEST, u8(0)).exit('HDECR')
    out['cas-then-v2'] = s

    # What made QEMU exit, abort or misbehave once (the fixes' tests)
    out['regress-cas-buffer-too-small'] = cas(
        Seed(), cas_vector([0x0f000006]), fdt_size=2)
    out['regress-cas-buffer-small-for-tree'] = cas(
        Seed(), cas_vector([0x0f000006]), fdt_size=0x100)
    s = Seed().write(CAS_OFF, cas_vector([0x0f000006]))
    out['regress-cas-buffer-huge'] = s.hcall('H_CAS', buf(CAS_OFF),
                                             buf(FDT_OFF), u64(1 << 62))
    out['regress-cas-power8-dawr1'] = cas(Seed(), cas_vector([0x0f000004]))
    out['regress-cas-mmu-both'] = cas(
        Seed(), cas_vector([0x0f000006], ov5_with(24, 0xc0)))
    out['regress-cas-xive-both'] = cas(
        Seed(), cas_vector([0x0f000006], ov5_with(23, 0xc0)))
    out['regress-cas-no-table'] = Seed().hcall('H_CAS', u8(0), buf(FDT_OFF),
                                               u16(0x8000))
    out['regress-proc-tbl-size'] = Seed().hcall(
        'H_REGISTER_PROC_TBL', u8(0x18), buf(PROCTBL_OFF), u8(0), u8(0xff))

    s = Seed()
    s.hcall('H_REGISTER_PROC_TBL', u8(0x18), buf(PROCTBL_OFF), u8(0),
            u8(0))
    s.hcall('H_SET_MODE', u8(0), u8(3), u8(0), u8(0))
    s.hcall('H_REGISTER_VPA', u64(1 << 45), u8(0), buf(VPA_OFF))
    s.hcall('H_PAGE_INIT', u8(0), buf(GSB_OFF), buf(VPA_OFF))
    s.hcall('H_GET_CPU_CHARACTERISTICS', buf(GSB_OFF))
    s.hcall('H_RANDOM')
    out['ordinary'] = s
    return out


def dictionary():
    lines = ['# element ids (big-endian, as in a guest state buffer)']
    for eid in sorted(ELEMENTS):
        lines.append('gsid_%04x="%s"' % (eid, esc(struct.pack('>H', eid))))
    values = {
        'cap_p9': q(CAP_P9), 'cap_p10': q(CAP_P10), 'cap_p11': q(CAP_P11),
        'cap_all': q(CAP_P9 | CAP_P10 | CAP_P11),
        'lpvr_p9': d(0x0f000005), 'lpvr_p10': d(0x0f000006),
        'lpvr_p11': d(0x0f000007), 'radix_bits': q(52),
        'root_64k': q(0x10000), 'proctbl_4k': q(0x1000),
        'msr_l2': q(MSR_L2), 'msr_hv': q(MSR_L2 | (1 << 60)),
        'lpcr_l2': q(LPCR_L2), 'out_buf_min': q(0x80),
        'run_buf_max': q(16384), 'buf_base': q(BUF_BASE),
        'guest_wide': q(GUEST_WIDE), 'host_wide': q(HOST_WIDE),
        'hv_version_le': struct.pack('<Q', 2),
    }
    lines.append('# values the L0 checks')
    for name, v in values.items():
        lines.append('%s="%s"' % (name, esc(v)))
    return '\n'.join(lines) + '\n'


def esc(b):
    return ''.join('\\x%02x' % c for c in b)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    seed_dir, dict_file = sys.argv[1:]
    os.makedirs(seed_dir, exist_ok=True)
    for name, s in seeds().items():
        with open(os.path.join(seed_dir, name), 'wb') as f:
            f.write(bytes(s.data))
    with open(dict_file, 'w') as f:
        f.write(dictionary())


if __name__ == '__main__':
    main()
