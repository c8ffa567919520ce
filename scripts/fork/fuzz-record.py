#!/usr/bin/env python3
"""Turn a record of an L1's nested hypercalls into hypercall fuzzer inputs.

The record comes from an L0 run under the recording plugin
(tests/qtest/fuzz/spapr_hcall_record_plugin.c, see fuzz-record.sh): each
nested-API call of the L1, the L1 memory the L0 reads for it, and what it
returned.  The inputs (encoding: tests/qtest/fuzz/spapr_hcall_fuzz.c) replay
the calls in order on the same vCPUs: the L1's buffers are written into the
fuzzer's buffer area (page by page, the L1 addresses in the arguments and in
the buffers' address elements moved with them), a guest id H_GUEST_CREATE
returned is the fuzzer's "last guest", and where a run returned an exit
reason, the L2 takes that exit.

Writes NAME-boot (the calls of the whole boot, or as many as 320 KiB
hold: a v1 boot's pt_regs and hv_guest_state take 2 MiB) and NAME-start
(the first calls, within libFuzzer's input size of fuzz.sh) into SEED-DIR.

Usage: fuzz-record.py RECORD SEED-DIR NAME
"""

import importlib.util
import os
import struct
import sys

_spec = importlib.util.spec_from_file_location(
    'fuzz_seeds', os.path.join(os.path.dirname(__file__), 'fuzz-seeds.py'))
fs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fs)

PAGE = 0x1000
BUF_PAGES = 0x100000 // PAGE
START_SIZE = 4000   # fuzz.sh runs libFuzzer with -max_len=4096
BOOT_SIZE = 320 * 1024  # what the repository keeps of a boot
NAMES = {
    0x460: 'H_GUEST_GET_CAPABILITIES', 0x464: 'H_GUEST_SET_CAPABILITIES',
    0x470: 'H_GUEST_CREATE', 0x474: 'H_GUEST_CREATE_VCPU',
    0x478: 'H_GUEST_GET_STATE', 0x47c: 'H_GUEST_SET_STATE',
    0x480: 'H_GUEST_RUN_VCPU', 0x488: 'H_GUEST_DELETE',
    0xf800: 'H_SET_PARTITION_TABLE', 0xf804: 'H_ENTER_NESTED',
    0xf808: 'H_TLB_INVALIDATE', 0xf80c: 'H_COPY_TOFROM_GUEST',
}
# PAPR's argument counts
NARGS = {0x460: 1, 0x464: 2, 0x470: 2, 0x474: 3, 0x478: 5, 0x47c: 5,
         0x480: 3, 0x488: 2, 0xf800: 1, 0xf804: 2, 0xf808: 3, 0xf80c: 6}
# Arguments that are L1 addresses, by opcode
ADDRESS_ARGS = {0x478: [3], 0x47c: [3], 0xf804: [0, 1], 0xf80c: [4]}
# Arguments that are a guest id (v2)
GUEST_ARGS = {0x474: 1, 0x478: 1, 0x47c: 1, 0x480: 1, 0x488: 1}
RUNS = (0x480, 0xf804)
# Guest state elements whose value starts with an L1 address, and the
# size of what it points at (None: a size field after it, capped)
ADDRESS_ELEMENTS = {0x0005: PAGE, 0x0006: PAGE, 0x0c00: None,
                    0x0c01: None, 0x0c02: PAGE}
VECTORS = {0xc00: 'SYSCALL', 0x980: 'HDECR', 0xe00: 'HDSI', 0xe20: 'HISI',
           0xe40: 'HV_EMU', 0xea0: 'HVIRT', 0xf80: 'HV_FU',
           0xe80: 'SDOOR_HV', 0x100: 'RESET', 0x200: 'MCHECK'}
PTCR_BASE = 0x0ffffffffffff000


class AddressMap:
    """L1 pages to pages of the fuzzer's buffer area, in order of use; a
    range keeps its pages together.  When the area is full, it starts
    over (the oldest mappings are forgotten)."""

    def __init__(self):
        self.pages = {}
        self.next = 0

    def map(self, addr, size=1):
        first, last = addr // PAGE, (addr + max(size, 1) - 1) // PAGE
        n = min(last - first + 1, 16)
        slot = self.pages.get(first)
        if slot is None or any(self.pages.get(first + i) != slot + i
                               for i in range(n)):
            if self.next + n > BUF_PAGES:
                self.pages, self.next = {}, 0
            slot = self.next
            self.next += n
            for i in range(n):
                self.pages[first + i] = slot + i
        return slot * PAGE + addr % PAGE


class Converter:
    def __init__(self):
        self.amap = AddressMap()
        self.shadow = bytearray(BUF_PAGES * PAGE)
        self.seed = fs.Seed()
        self.guest = None
        self.running = {}      # vCPU -> a run whose return is not seen yet
        self.calls = 0

    def write(self, off, data):
        """Write what differs from what the area holds already, in runs
        that start on the fuzzer's granule."""
        end = off + len(data)
        old = bytes(self.shadow[off:end])
        self.shadow[off:end] = data
        i = 0
        while i < len(data):
            if old[i] == data[i]:
                i += 1
                continue
            j, same = i, 0
            while j < len(data) and same < fs.GRANULE:
                same = same + 1 if old[j] == data[j] else 0
                j += 1
            start = off + i - (off + i) % fs.GRANULE
            self.seed.write(start, bytes(self.shadow[start:off + j - same]))
            i = j

    def gsb(self, data):
        """The buffer with its address elements moved into the area."""
        data = bytearray(data)
        pos, count = 4, struct.unpack_from('>I', data)[0] if len(data) >= 4 else 0
        for _ in range(count):
            if pos + 4 > len(data):
                break
            eid, size = struct.unpack_from('>HH', data, pos)
            if eid in ADDRESS_ELEMENTS and size >= 8 and pos + 4 + size <= len(data):
                addr = struct.unpack_from('>Q', data, pos + 4)[0]
                extent = ADDRESS_ELEMENTS[eid]
                if extent is None:
                    extent = struct.unpack_from('>Q', data, pos + 12)[0] \
                        if size >= 16 else PAGE
                off = self.amap.map(addr, min(extent, 16 * PAGE))
                struct.pack_into('>Q', data, pos + 4, fs.BUF_BASE + off)
            pos += 4 + size
        return data

    def arg(self, opcode, i, value):
        if i == GUEST_ARGS.get(opcode) and value == self.guest:
            return fs.GUEST
        if value == fs.GUEST_WIDE:
            return fs.wide(0)
        for tag, limit in ((0, 1 << 8), (1, 1 << 16), (2, 1 << 32)):
            if value < limit:
                return (tag, value)
        return fs.u64(value)

    def exit(self, cpu, vector):
        self.seed.exit(VECTORS.get(vector, 'HDECR'), cpu=cpu)

    def call(self, cpu, opcode, args, mems):
        if self.running.pop(cpu, None):
            self.exit(cpu, 0x980)
        moved = {}
        for addr, data in mems:
            if opcode in (0x478, 0x47c, 0x480):
                data = self.gsb(data)
            off = self.amap.map(addr, len(data))
            moved[addr] = off
            self.write(off, data)
        args = list(args[:NARGS[opcode]])
        for i in ADDRESS_ARGS.get(opcode, []):
            off = moved.get(args[i])
            if off is None:
                off = self.amap.map(args[i])
            args[i] = fs.BUF_BASE + off
        if opcode == 0xf800 and args[0]:
            off = self.amap.map(args[0] & PTCR_BASE)
            args[0] = fs.BUF_BASE + off + (args[0] & ~PTCR_BASE)
        self.seed.hcall(NAMES[opcode],
                        *[self.arg(opcode, i, a) for i, a in enumerate(args)],
                        cpu=cpu)
        if opcode in RUNS:
            self.running[cpu] = True
        self.calls += 1

    def ret(self, cpu, opcode, r3, r4):
        if opcode == 0x470 and r3 == 0:
            self.guest = r4
        if opcode in RUNS and self.running.pop(cpu, None):
            vector = r4 if opcode == 0x480 else r3
            if (opcode == 0x480 and r3 == 0) or vector in VECTORS:
                self.exit(cpu, vector)


def events(path):
    """(kind, vCPU, opcode, numbers, memory) for each call and return"""
    last = None
    with open(path) as f:
        for line in f:
            word = line.split()
            if not word:
                continue
            if word[0] == 'mem' and last:
                last[4].append((int(word[1], 16), bytes.fromhex(word[2])))
                continue
            if last:
                yield last
            last = (word[0], int(word[1], 16) % 2, int(word[2], 16),
                    [int(w, 16) for w in word[3:]], [])
    if last:
        yield last


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    record, seed_dir, name = sys.argv[1:]
    conv = Converter()
    start, boot, prev = None, None, 0
    for kind, cpu, opcode, numbers, mems in events(record):
        if opcode not in NAMES:
            continue
        if kind == 'call':
            conv.call(cpu, opcode, numbers, mems)
        elif kind == 'ret':
            conv.ret(cpu, opcode, numbers[0], numbers[1])
        if start is None and len(conv.seed.data) > START_SIZE:
            start = bytes(conv.seed.data[:prev])
        if boot is None and len(conv.seed.data) > BOOT_SIZE:
            boot = bytes(conv.seed.data[:prev])
            kept = conv.calls - 1
        prev = len(conv.seed.data)
    if not conv.calls:
        sys.exit('%s: no nested hypercall recorded' % record)
    os.makedirs(seed_dir, exist_ok=True)
    if boot is None:
        boot, kept = bytes(conv.seed.data), conv.calls
    for suffix, data in (('boot', boot), ('start', start or boot)):
        with open(os.path.join(seed_dir, '%s-%s' % (name, suffix)), 'wb') as f:
            f.write(data)
    print('%s: %d calls recorded, %d kept (%d bytes), start %d bytes' %
          (name, conv.calls, kept, len(boot), len(start or boot)))


if __name__ == '__main__':
    main()
