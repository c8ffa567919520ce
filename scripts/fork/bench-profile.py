#!/usr/bin/env python3
"""Where the L0's CPU time goes while an L2 boots, on each nested API.

Boots the benchmark's nested workloads (nested-v2, nested-v1: the fork's
L1 initramfs on a Power11 L0 in Power10 mode) under
`perf record -F 999 -g -k CLOCK_MONOTONIC`, stamps each console line with
the same clock, and keeps the samples from the L1 QEMU's start to the
L2's last line: the L2's whole life.  Each sampled function (its own
time, not what it calls: QEMU is built without frame pointers, so
call chains are partial) falls in one category; writes
profile-WORKLOAD.txt (perf report of the window) and profile.md (the
categories and the top functions) to --out, and prints profile.md.

Usage: bench-profile.py --out DIR --qemu BIN --kernel FILE --l1-initrd FILE
"""

import argparse
import os
import re
import select
import subprocess
import sys
import time

CAPS = ('cap-cfpc=broken,cap-sbbc=broken,cap-ibs=broken,'
        'cap-ccf-assist=off')
WORKLOADS = (('nested-v2', 'cap-nested-papr'), ('nested-v1', 'cap-nested-hv'))
START = re.compile(r'^FORK-L1: qemu-args=')
END = re.compile(r'^FORK-GUEST: done')
TIMEOUT = 600

# (category, pattern on the function name); the first that matches wins.
# Generated code and the host kernel go by their DSO.
CATEGORIES = [
    ('TB lookup: finding the translated code of the next block',
     r'^(helper_lookup_tb_ptr|qht_|tb_htable_lookup|tb_lookup|curr_cflags|'
     r'get_page_addr_code|cpu_get_tb_cpu_state|ppc_get_tb_cpu_state|'
     r'cpu_exec|cpu_tb_exec|tb_jmp_cache)'),
    ('TLB and jump cache flushes',
     r'(tlb_flush|flush_jmp_cache|tb_flush|tlb_mmu_resize|tlb_window_reset|'
     r'tlb_mmu_flush|cpu_tb_jmp_cache_clear)'),
    ('translation (TCG front and back end)',
     r'^(tcg_|liveness_|tb_gen_code|translator_|ppc_tr_|gen_|decode_|'
     r'la_|reachable_code|temp_|tb_link|tb_page|page_collection|'
     r'tcg_optimize|disas|do_constant_folding|fold_|finish_folding|'
     r'init_ts_info|reset_ts|ts_info|arg_info|tb_record|tb_invalidate|'
     r'tb_phys_invalidate|store_alloc|copy_propagate|remove_)'),
    ('page table walks (radix: process and partition scoped)',
     r'^(ppc_radix64_|ppc_xlate|ppc_hash|ppc_.*xlate|address_space_ld|'
     r'address_space_translate|flatview_|ldq_|ldl_|ppc_radix|'
     r'vhyp_|spapr_get_pate|get_pate)'),
    ('softmmu: TLB misses, fills and slow-path memory access',
     r'^(victim_tlb_hit|mmu_lookup|tlb_set_page|probe_access|do_ld|do_st|'
     r'helper_ld|helper_st|helper_le_|helper_be_|tlb_fill|ppc_cpu_tlb_fill|'
     r'cpu_ld|cpu_st|tlb_reset_dirty|io_|int_ld|int_st|'
     r'qemu_ram_block_from_host|qemu_ram_addr_from_host|'
     r'memory_region_get_ram_addr|notdirty_|tlb_entry|tlbfast|'
     r'tlb_n_entries|cpu_physical_memory|atomic_mmu_lookup)'),
    ('hypercalls, L2 entry and exit, interrupts',
     r'^(spapr_|h_|nested_|ppc_cpu_do_interrupt|powerpc_excp|ppc_hv|'
     r'.*nested.*|vhyp|helper_sc|helper_raise|raise_exception|'
     r'ppc_set_irq|ppc_maybe_interrupt|cpu_interrupt|ppc_cpu_exec_interrupt|'
     r'helper_store_msr|hreg_|helper_rfi|helper_hrfid|helper_rfid|'
     r'ppc_store|cpu_loop_exit|gsb_|copy_state_|getset_state|'
     r'guest_state_|map_and_getset)'),
    ('timers and the main loop',
     r'^(timer|qemu_clock|timerlist|cpu_get_host_ticks|qemu_timer|'
     r'main_loop|aio_|qemu_poll|g_main|icount|cpu_ppc_|_cpu_ppc|'
     r'ppc_decr|helper_load_decr|helper_mftb|ppc_get_tb|muldiv64|'
     r'get_clock|qemu_mutex|qemu_cond|qemu_sem|qemu_event|qemu_thread)'),
]
CATEGORIES = [(name, re.compile(p)) for name, p in CATEGORIES]
GENERATED = 'generated code: the guests\' instructions, translated'
KERNEL = 'host kernel (page faults and zeroing, scheduling, the VM\'s own)'
LIBC = 'libc and glib (memset, memcpy: largely TLB clears and copies)'
OTHER = 'other QEMU functions'


def category(dso, sym):
    if dso.startswith('[JIT]') or dso == '[unknown]' or \
            re.match(r'^0x[0-9a-f]+$', sym):
        return GENERATED
    if dso.startswith('[kernel'):
        return KERNEL
    if dso.startswith('lib') and 'qemu' not in dso:
        return LIBC
    for name, pattern in CATEGORIES:
        if pattern.search(sym):
            return name
    return OTHER


def boot(cmd, data):
    """Run cmd under perf; the monotonic times of its first START and END
    console lines."""
    perf = ['perf', 'record', '-q', '-F', '999', '-g', '-k',
            'CLOCK_MONOTONIC', '-o', data, '--'] + cmd
    proc = subprocess.Popen(perf, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    start = end = None
    pending = b''
    deadline = time.monotonic() + TIMEOUT
    console = []
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 5)
        if not ready:
            continue
        chunk = os.read(proc.stdout.fileno(), 65536)
        if not chunk:
            break
        now = time.clock_gettime(time.CLOCK_MONOTONIC)
        pending += chunk
        *lines, pending = pending.split(b'\n')
        for line in lines:
            text = line.decode('utf-8', 'replace').replace('\r', '')
            console.append('%.3f %s' % (now, text))
            if start is None and START.search(text):
                start = now
            if end is None and start is not None and END.search(text):
                end = now
    else:
        proc.kill()
    proc.wait()
    return start, end, console


def report(data, start, end):
    """[(self percent, dso, symbol)] of the samples in [start, end]"""
    out = subprocess.run(
        ['perf', 'report', '-i', data, '--no-children', '--stdio',
         '--sort', 'dso,sym', '-g', 'none', '-t', '\t',
         '--time', '%.6f,%.6f' % (start, end)],
        capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines():
        if line.startswith('#') or not line.strip():
            continue
        fields = [f.strip() for f in line.split('\t')]
        if len(fields) < 3 or not fields[0].endswith('%'):
            continue
        sym = re.sub(r'^\[[.kgu]\]\s*', '', fields[2])
        rows.append((float(fields[0][:-1]), fields[1], sym))
    return rows, out


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--out', required=True)
    ap.add_argument('--qemu', required=True)
    ap.add_argument('--kernel', required=True)
    ap.add_argument('--l1-initrd', required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    firmware = os.path.join(os.path.dirname(os.path.abspath(args.qemu)),
                            'qemu-bundle/usr/local/share/qemu')
    md = ['# L0 profile of an L2 boot', '',
          'perf record -F 999 of the L0 (%s) from the L1 QEMU\'s start to '
          'the L2\'s last line; each function\'s own time, by category; '
          'percent of the L0\'s samples in that window.  '
          'scripts/fork/bench-profile.py; docs/bench.md.' % args.qemu, '']
    for name, cap in WORKLOADS:
        data = os.path.join(args.out, name + '.perf.data')
        cmd = [args.qemu, '-L', firmware,
               '-M', 'pseries,%s=on,max-cpu-compat=power10,%s' % (cap, CAPS),
               '-cpu', 'power11', '-smp', '2', '-m', '2G',
               '-accel', 'tcg,thread=multi', '-nographic', '-vga', 'none',
               '-no-reboot', '-kernel', args.kernel,
               '-initrd', args.l1_initrd, '-append', 'console=hvc0 panic=-1']
        start, end, console = boot(cmd, data)
        with open(os.path.join(args.out, name + '-console.log'), 'w') as f:
            f.write('\n'.join(console) + '\n')
        if start is None or end is None:
            sys.exit('%s: the L2 did not boot (see %s-console.log)'
                     % (name, name))
        rows, text = report(data, start, end)
        with open(os.path.join(args.out, 'profile-%s.txt' % name), 'w') as f:
            f.write(text)
        os.remove(data)
        totals, top = {}, {}
        for pct, dso, sym in rows:
            c = category(dso, sym)
            totals[c] = totals.get(c, 0.0) + pct
            top.setdefault(c, []).append((pct, sym))
        md += ['## %s (%s): the L2\'s life, %.1f s' % (name, cap, end - start),
               '', '| category | % | top functions |', '|---|---|---|']
        for c, pct in sorted(totals.items(), key=lambda kv: -kv[1]):
            funcs = ', '.join('%s %.1f' % (s if len(s) < 40 else s[:37] +
                                           '...', p)
                              for p, s in sorted(top[c], reverse=True)[:4]
                              if c != GENERATED)
            md.append('| %s | %.1f | %s |' % (c, pct, funcs or '-'))
        md.append('')
    text = '\n'.join(md)
    with open(os.path.join(args.out, 'profile.md'), 'w') as f:
        f.write(text + '\n')
    print(text)


if __name__ == '__main__':
    main()
