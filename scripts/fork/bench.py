#!/usr/bin/env python3
"""The fork against unpatched upstream, side by side under TCG.

Run by bench.sh, which prepares the binaries and the guests: it boots
each workload on the fork's and the baseline's qemu-system-ppc64 in turn
(fork, baseline, fork, baseline ...), stamps every console line as it
arrives, and writes bench.md (the tables, also on stdout), bench.json
(every run, every figure) and bench.png (the phases) to --out.
docs/bench.md tells how to read them.
"""

import argparse
import datetime
import hashlib
import json
import os
import re
import select
import shutil
import signal
import statistics
import subprocess
import sys
import time

BUILDS = ('fork', 'baseline')
APPEND = 'console=hvc0 panic=-1'
COMMON = ['-accel', 'tcg,thread=multi', '-nographic', '-vga', 'none',
          '-no-reboot']
# What the L1 QEMU of the nested workloads gives its L2 (l1-assets.sh).
L2_CAPS = ('cap-cfpc=broken,cap-sbbc=broken,cap-ibs=broken,'
           'cap-ccf-assist=off')
TARGET = 1.02
CLK_TCK = os.sysconf('SC_CLK_TCK')
TIMEOUT = {'l1': 300, 'nested': 420}
PERF_FREQ = 4999

# Hypercall numbers of the nested APIs (include/hw/ppc/spapr.h).
NESTED_HCALLS = {
    0x460: 'H_GUEST_GET_CAPABILITIES', 0x464: 'H_GUEST_SET_CAPABILITIES',
    0x470: 'H_GUEST_CREATE', 0x474: 'H_GUEST_CREATE_VCPU',
    0x478: 'H_GUEST_GET_STATE', 0x47C: 'H_GUEST_SET_STATE',
    0x480: 'H_GUEST_RUN_VCPU', 0x488: 'H_GUEST_DELETE',
    0xF800: 'H_SET_PARTITION_TABLE', 0xF804: 'H_ENTER_NESTED',
    0xF808: 'H_TLB_INVALIDATE', 0xF80C: 'H_COPY_TOFROM_GUEST',
}
RUN_HCALL = {'nested-v2': 'H_GUEST_RUN_VCPU', 'nested-v1': 'H_ENTER_NESTED'}

L1_PHASES = ('firmware', 'kernel', 'init')
NESTED_PHASES = ('L1 boot', 'L1 setup', 'L2 firmware', 'L2 kernel',
                 'L2 init')


def workloads(kernel, initrd, l1_initrd):
    """The workloads, in the order they run and are reported."""
    def l1(name, what, machine, cpu, smp='2', mem='1G'):
        return {
            'name': name, 'kind': 'l1', 'what': what,
            'args': ['-M', machine, '-cpu', cpu, '-smp', smp, '-m', mem] +
                    COMMON + ['-kernel', kernel, '-initrd', initrd,
                              '-append', APPEND],
        }

    def nested(name, what, cap):
        return {
            'name': name, 'kind': 'nested', 'what': what,
            'args': ['-M', 'pseries,%s=on,max-cpu-compat=power10,%s'
                     % (cap, L2_CAPS),
                     '-cpu', 'power11', '-smp', '2', '-m', '2G'] + COMMON +
                    ['-kernel', kernel, '-initrd', l1_initrd or '',
                     '-append', APPEND],
            'missing': None if l1_initrd else
            "no L1 initramfs with the fork's ppc64le QEMU: run 'make cross'",
        }

    return [
        l1('l1-slof-power10', 'SLOF, -cpu power10', 'pseries', 'power10'),
        l1('l1-slof-power11-compat10',
           'SLOF, -cpu power11, max-cpu-compat=power10',
           'pseries,max-cpu-compat=power10', 'power11'),
        l1('l1-vof-power10', 'VOF, -cpu power10', 'pseries,x-vof=on',
           'power10'),
        l1('l1-vof-power11-compat10',
           'VOF, -cpu power11, max-cpu-compat=power10',
           'pseries,x-vof=on,max-cpu-compat=power10', 'power11'),
        l1('l2-direct',
           "the nested workloads' L2 guest booted directly (VOF, "
           'power11 in power10 mode, 1 vCPU, 512M): reference of the '
           'nested overhead',
           'pseries,x-vof=on,max-cpu-compat=power10,%s,'
           'cap-hpt-max-page-size=4k' % L2_CAPS, 'power11', '1', '512M'),
        nested('nested-v2', 'PAPR nested API v2 (cap-nested-papr=on)',
               'cap-nested-papr'),
        nested('nested-v1', 'nested-HV API v1 (cap-nested-hv=on)',
               'cap-nested-hv'),
    ]


def log(text):
    print('==> ' + text, file=sys.stderr, flush=True)


ESCAPE = re.compile(rb'\x1b\[[0-9;?]*[A-Za-z]')


def process_cpu(pid):
    """User + system CPU seconds of process pid so far (all its threads),
    or None once it is gone."""
    try:
        with open('/proc/%d/stat' % pid) as f:
            fields = f.read().rsplit(')', 1)[1].split()
    except (OSError, IndexError):
        return None
    # utime and stime: fields 14 and 15 of proc(5), 12 and 13 after comm
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def run_qemu(cmd, console_path, timeout):
    """Run cmd, its stdout and stderr stamped line by line (seconds since
    the start, and the CPU seconds the process has used by then) into
    console_path.  Returns (lines, exit status, seconds, CPU seconds);
    the status is None when it was killed at the timeout.  lines are
    (time, text, cpu)."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    fd = proc.stdout.fileno()
    lines, pending, killed = [], b'', False
    deadline = start + timeout
    cpu = 0.0
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            os.killpg(proc.pid, signal.SIGKILL)
            killed = True
            break
        ready, _, _ = select.select([fd], [], [], min(left, 5))
        if not ready:
            continue
        data = os.read(fd, 65536)
        if not data:
            break
        now = time.monotonic() - start
        cpu = process_cpu(proc.pid) or cpu
        pending += data
        *done, pending = pending.split(b'\n')
        for line in done:
            line = ESCAPE.sub(b'', line).replace(b'\r', b'')
            lines.append((now, line.decode('utf-8', 'replace'), cpu))
    if pending:
        lines.append((time.monotonic() - start,
                      pending.decode('utf-8', 'replace'), cpu))
    _, status, usage = os.wait4(proc.pid, 0)
    status = os.waitstatus_to_exitcode(status)
    proc.returncode = status
    cpu_total = usage.ru_utime + usage.ru_stime
    seconds = time.monotonic() - start
    proc.stdout.close()
    with open(console_path, 'w', encoding='utf-8') as out:
        out.write('# %s\n' % ' '.join(cmd))
        for t, line, c in lines:
            out.write('%9.3f %8.2f %s\n' % (t, c, line))
        out.write('%9.3f %8.2f # exit status %s\n'
                  % (seconds, cpu_total,
                     'killed at the timeout' if killed else status))
    return lines, None if killed else status, seconds, cpu_total


UPTIME_INIT = re.compile(r'\[\s*(\d+\.\d+)\] Run /init as init process')
KERNEL_ENTRY = re.compile(r'Booting Linux via __start\(\)|^\[\s*\d+\.\d+\] ')
FIRST_PRINTK = re.compile(r'^\[\s*0\.0+\] ')


def first(lines, pattern, after=0.0, index=0):
    """(time, match, index) of the first line from lines[index:] at or after
    time `after` matching pattern, or (None, None, index)."""
    for i in range(index, len(lines)):
        t, line, _ = lines[i]
        if t < after:
            continue
        m = pattern.search(line)
        if m:
            return t, m, i
    return None, None, index


def cpu_at(lines, t, i):
    """The L0's CPU seconds at the line i found at time t (None: not found)"""
    return lines[i][2] if t is not None else None


def events_l1(lines):
    ev = {}
    t, _, i = first(lines, KERNEL_ENTRY)
    ev['kernel_entry'] = t
    ev['cpu_kernel_entry'] = cpu_at(lines, t, i)
    t, m, i = first(lines, UPTIME_INIT, index=i)
    ev['init'] = t
    ev['cpu_init'] = cpu_at(lines, t, i)
    ev['uptime_init'] = float(m.group(1)) if m else None
    t, _, j = first(lines, re.compile(r'FORK-GUEST: booted'), index=i)
    ev['marker'] = t
    ev['cpu_marker'] = cpu_at(lines, t, j)
    _, m, _ = first(lines, re.compile(r'FORK-GUEST: cpu-version=(\S+)'))
    ev['cpu_version'] = m.group(1) if m else None
    return ev


def events_nested(lines):
    ev = {}
    t, _, i = first(lines, KERNEL_ENTRY)
    ev['l1_kernel_entry'] = t
    t, m, i = first(lines, UPTIME_INIT, index=i)
    ev['l1_init'] = t
    ev['l1_uptime_init'] = float(m.group(1)) if m else None
    t, _, i = first(lines, re.compile(r'FORK-L1: booted'), index=i)
    ev['l1_marker'] = t
    t, _, i = first(lines, re.compile(r'FORK-L1: qemu-args='), index=i)
    ev['l1_qemu'] = t
    ev['cpu_l1_qemu'] = cpu_at(lines, t, i)
    if t is None:
        i = len(lines)
    # From here the L1 QEMU's output (the L2's console) comes along.
    t, _, j = first(lines, FIRST_PRINTK, index=i)
    ev['l2_kernel_entry'] = t
    ev['cpu_l2_kernel_entry'] = cpu_at(lines, t, j)
    t, m, j = first(lines, UPTIME_INIT, index=j if t else i)
    ev['l2_init'] = t
    ev['cpu_l2_init'] = cpu_at(lines, t, j)
    ev['l2_uptime_init'] = float(m.group(1)) if m else None
    t, _, k = first(lines, re.compile(r'FORK-GUEST: booted'), index=i)
    ev['l2_marker'] = t
    ev['cpu_l2_marker'] = cpu_at(lines, t, k)
    _, m, _ = first(lines, re.compile(r'FORK-GUEST: cpu-version=(\S+)'),
                    index=i)
    ev['l2_cpu_version'] = m.group(1) if m else None
    _, m, _ = first(lines, re.compile(r'FORK-L1: qemu-exit=(\S+)'), index=i)
    ev['l1_qemu_exit'] = m.group(1) if m else None
    return ev


def diff(a, b):
    return None if a is None or b is None else b - a


def measure(kind, lines, status, seconds, cpu_total):
    """The figures of one run: its metric (the workload's time), the L0's
    CPU seconds over the same span (cpu) and over the kernel's boot
    (kernel_cpu: entry to init; the L2's in a nested run), its phases, and
    whether it produced its marker."""
    if kind == 'l1':
        ev = events_l1(lines)
        phases = {
            'firmware': ev['kernel_entry'],
            'kernel': diff(ev['kernel_entry'], ev['init']),
            'init': diff(ev['init'], ev['marker']),
        }
        metric = ev['marker']
        cpu = ev['cpu_marker']
        kernel_cpu = diff(ev['cpu_kernel_entry'], ev['cpu_init'])
        ok = ev['marker'] is not None
    else:
        ev = events_nested(lines)
        phases = {
            'L1 boot': ev['l1_marker'],
            'L1 setup': diff(ev['l1_marker'], ev['l1_qemu']),
            'L2 firmware': diff(ev['l1_qemu'], ev['l2_kernel_entry']),
            'L2 kernel': diff(ev['l2_kernel_entry'], ev['l2_init']),
            'L2 init': diff(ev['l2_init'], ev['l2_marker']),
        }
        metric = diff(ev['l1_qemu'], ev['l2_marker'])
        cpu = diff(ev['cpu_l1_qemu'], ev['cpu_l2_marker'])
        kernel_cpu = diff(ev['cpu_l2_kernel_entry'], ev['cpu_l2_init'])
        ok = metric is not None
        if ev['l1_uptime_init'] and ev['l2_uptime_init']:
            ev['overhead_vs_l1'] = ev['l2_uptime_init'] / ev['l1_uptime_init']
    return {'ok': ok, 'metric': metric, 'cpu': cpu, 'kernel_cpu': kernel_cpu,
            'phases': phases, 'events': ev, 'exit_status': status,
            'seconds': seconds, 'cpu_total': cpu_total}


def sha256(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            h.update(block)
    return h.hexdigest()


def binary_info(path):
    info = {'path': path, 'size': os.path.getsize(path),
            'sha256': sha256(path)}
    try:
        out = subprocess.run(['size', path], capture_output=True, text=True,
                             check=True).stdout.splitlines()[1].split()
        info.update(text=int(out[0]), data=int(out[1]), bss=int(out[2]))
    except (OSError, subprocess.CalledProcessError, IndexError, ValueError):
        pass
    return info


# The L0's own time in the nested API: perf samples whose function lies in
# hw/ppc/spapr_nested*.c, found through the binary's DWARF (the compile
# units' names and address ranges) and symbol table.
NESTED_SOURCE = re.compile(r'(^|/)hw/ppc/spapr_nested[^/]*\.c$')


def nested_functions(binary):
    def run(*cmd):
        return subprocess.run(cmd, capture_output=True, text=True,
                              check=True).stdout

    units, unit = set(), None
    for line in run('readelf', '--debug-dump=info', '--dwarf-depth=1',
                    binary).splitlines():
        m = re.match(r'\s*Compilation Unit @ offset (0x[0-9a-f]+):', line)
        if m:
            unit = int(m.group(1), 16)
            continue
        m = re.search(r'DW_AT_name\s*:(?:.*\):)?\s*(\S+)\s*$', line)
        if m and unit is not None:
            if NESTED_SOURCE.search(m.group(1)):
                units.add(unit)
            unit = None
    ranges, unit = [], None
    for line in run('readelf', '--debug-dump=aranges', binary).splitlines():
        m = re.match(r'\s*Offset into \.debug_info:\s*(0x[0-9a-f]+|0)\s*$',
                     line)
        if m:
            unit = int(m.group(1), 16)
            continue
        m = re.match(r'\s*([0-9a-f]{8,16})\s+([0-9a-f]{8,16})\s*$', line)
        if m and unit in units and int(m.group(2), 16):
            lo = int(m.group(1), 16)
            ranges.append((lo, lo + int(m.group(2), 16)))
    inside = {}
    for line in run('readelf', '-sW', binary).splitlines():
        f = line.split()
        if len(f) >= 8 and f[3] == 'FUNC' and f[6] != 'UND':
            addr = int(f[1], 16)
            inside.setdefault(f[7], set()).add(
                any(lo <= addr < hi for lo, hi in ranges))
    # a name also used outside those files cannot be told apart: left out
    return {name for name, where in inside.items() if where == {True}}


def perf_nested_time(data, binary, functions):
    """(CPU seconds sampled in the nested API's functions, CPU seconds of
    all samples) from a perf.data of cpu-clock samples."""
    out = subprocess.run(
        ['perf', 'report', '-i', data, '--stdio', '-q', '--sort', 'dso,sym',
         '-F', 'period,dso,sym'], capture_output=True, text=True,
        check=True).stdout
    nested = total = 0
    dso = os.path.basename(binary)
    for line in out.splitlines():
        f = line.split()
        if len(f) < 3 or not f[0].isdigit():
            continue
        period = int(f[0])
        total += period
        if f[1] == dso and f[-1] in functions:
            nested += period
    return nested / 1e9, total / 1e9


HCALL = re.compile(rb'^hypercall r3=([0-9a-f]+) ', re.M)


def count_hcalls(path):
    counts = {}
    with open(path, 'rb') as f:
        carry = b''
        for block in iter(lambda: f.read(1 << 22), b''):
            block = carry + block
            cut = block.rfind(b'\n') + 1
            for m in HCALL.finditer(block, 0, cut):
                op = int(m.group(1), 16)
                if op in NESTED_HCALLS:
                    name = NESTED_HCALLS[op]
                    counts[name] = counts.get(name, 0) + 1
            carry = block[cut:]
    return counts


L2_TIME = re.compile(r'@(\d+)\.(\d+):spapr_nested_l2_time vCPU (\d+) '
                     r'l2_ns=(\d+) thread_ns=(\d+) exits=(\d+)')


def l2_time_reports(path):
    """The spapr_nested_l2_time reports of a trace log written with -msg
    timestamp=on: (wall-clock seconds, vCPU, l2_ns, thread_ns, exits)."""
    reports = []
    with open(path, encoding='utf-8', errors='replace') as f:
        for line in f:
            m = L2_TIME.search(line)
            if m:
                g = [int(x) for x in m.groups()]
                reports.append((g[0] + g[1] / 1e6, g[2], g[3], g[4], g[5]))
    return reports


def l2_time_split(lines, reports, wall_start):
    """Where the L0's CPU went over the L2 kernel's boot (its first line to
    init), from the fork's spapr_nested_l2_time reports (each L2 entry and
    exit, cumulative per vCPU) of a run whose console lines are stamped in
    seconds from wall_start: the L2's own execution (l2), the L1 on the
    same vCPU threads between the L2's exits and entries
    (l1_same_threads), and the rest of the process (other: the L1's other
    vCPUs, the main loop), in seconds, and the L2's exits.  None when a
    marker or a report is missing."""
    _, _, i = first(lines, re.compile(r'FORK-L1: qemu-args='))
    t0, _, j0 = first(lines, FIRST_PRINTK, index=i)
    t1, _, j1 = (None, None, j0) if t0 is None else \
        first(lines, UPTIME_INIT, index=j0)
    if t0 is None or t1 is None:
        return None
    # each vCPU's last report before either line; a vCPU that enters an
    # L2 first in between counts from that entry
    last, start = {}, None
    for wall, cpu, l2, thread, exits in sorted(reports):
        if wall > wall_start + t1:
            break
        if wall > wall_start + t0 and start is None:
            start = dict(last)
        last[cpu] = (l2, thread, exits)
        if start is not None:
            start.setdefault(cpu, last[cpu])
    if not start:
        return None
    threads = list(start)
    end = last
    l2 = sum(end[c][0] - start[c][0] for c in threads) / 1e9
    thread = sum(end[c][1] - start[c][1] for c in threads) / 1e9
    total = lines[j1][2] - lines[j0][2]
    return {'cpu': total, 'l2': l2, 'l1_same_threads': thread - l2,
            'other': total - thread,
            'exits': sum(end[c][2] - start[c][2] for c in threads)}


def instructions_countable():
    """Why the benchmark gives no instruction counts here, or None."""
    if not shutil.which('perf'):
        return 'perf is not installed (Debian: linux-perf)'
    try:
        r = subprocess.run(['perf', 'stat', '-x', ',', '-e', 'instructions:u',
                            '--', 'true'], capture_output=True, text=True,
                           timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        return 'perf does not run: %s' % e
    if r.returncode != 0 or '<not supported>' in r.stderr or \
            '<not counted>' in r.stderr:
        return ('not counted: perf stat cannot count instructions on this '
                'machine (no hardware counters exposed to it)')
    return ('countable with perf stat on this machine, which the '
            'benchmark does not do yet')


def perf_usable(workdir):
    if not shutil.which('perf'):
        return 'perf is not installed (Debian: linux-perf)'
    try:
        r = subprocess.run(['perf', 'record', '-q', '-N', '-e', 'cpu-clock',
                            '-o', os.path.join(workdir, 'perf-probe.data'),
                            '--', 'true'], capture_output=True, text=True,
                           timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        return 'perf does not run: %s' % e
    if r.returncode != 0:
        return 'perf cannot sample here: %s' % (
            r.stderr.strip().splitlines() or ['?'])[0]
    return None


def summary(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {'median': statistics.median(values), 'min': min(values),
            'max': max(values), 'n': len(values)}


def fmt_s(s, digits=2):
    if not s:
        return 'n/a'
    if s['n'] == 1:
        return '%.*f' % (digits, s['median'])
    return '%.*f (%.*f-%.*f)' % (digits, s['median'], digits, s['min'],
                                 digits, s['max'])


def fmt_ratio(s):
    return fmt_s(s, 3)


def verdict(s):
    if not s:
        return 'n/a'
    return 'met' if s['median'] <= TARGET else 'over'


def analyse(wl_list, results):
    """Summaries and pair-by-pair ratios."""
    by_name = {w['name']: w for w in wl_list}
    report = {}
    for w in wl_list:
        name = w['name']
        runs = results[name]
        entry = {'builds': {}, 'phases': {}}
        for b in BUILDS:
            ok_runs = [r for r in runs[b] if r['ok']]
            entry['builds'][b] = summary([r['metric'] for r in ok_runs])
            phases = L1_PHASES if w['kind'] == 'l1' else NESTED_PHASES
            entry['phases'][b] = {
                p: summary([r['phases'][p] for r in ok_runs])
                for p in phases}
        pairs = [(a['metric'] / b['metric'])
                 for a, b in zip(runs['fork'], runs['baseline'])
                 if a['ok'] and b['ok'] and b['metric']]
        entry['ratio'] = summary(pairs)
        entry['pairs'] = pairs
        entry['cpu'] = {b: summary([r['cpu'] for r in runs[b] if r['ok']])
                        for b in BUILDS}
        entry['kernel_cpu'] = {
            b: summary([r['kernel_cpu'] for r in runs[b] if r['ok']])
            for b in BUILDS}
        entry['cpu_ratio'] = summary(
            [a['cpu'] / b['cpu']
             for a, b in zip(runs['fork'], runs['baseline'])
             if a['ok'] and b['ok'] and a['cpu'] and b['cpu']])
        if w['kind'] == 'nested':
            entry['overhead_vs_l1'] = {}
            entry['overhead_vs_direct'] = {}
            entry['uptime'] = {}
            direct = results.get('l2-direct') if 'l2-direct' in by_name \
                else None
            for b in BUILDS:
                entry['overhead_vs_l1'][b] = summary(
                    [r['events'].get('overhead_vs_l1') for r in runs[b]
                     if r['ok']])
                entry['uptime'][b] = {
                    'L1': summary([r['events']['l1_uptime_init']
                                   for r in runs[b] if r['ok']]),
                    'L2': summary([r['events']['l2_uptime_init']
                                   for r in runs[b] if r['ok']]),
                }
                vs = []
                if direct:
                    for r, d in zip(runs[b], direct[b]):
                        u = d['events'].get('uptime_init') if d['ok'] \
                            else None
                        if r['ok'] and u and r['events']['l2_uptime_init']:
                            vs.append(r['events']['l2_uptime_init'] / u)
                entry['overhead_vs_direct'][b] = summary(vs)
                # The same on the L0's CPU seconds: the L2 kernel's boot
                # (entry to init) against the direct boot's, round by round
                vs = []
                if direct:
                    for r, d in zip(runs[b], direct[b]):
                        if r['ok'] and d['ok'] and r['kernel_cpu'] and \
                                d['kernel_cpu']:
                            vs.append(r['kernel_cpu'] / d['kernel_cpu'])
                entry.setdefault('kernel_cpu_vs_direct', {})[b] = summary(vs)
        report[name] = entry
    return report


def markdown(meta, wl_list, report, hcalls, builds_info, build_times,
             splits=None):
    out = []
    add = out.append
    add('# Benchmark: the fork against upstream %s under TCG'
        % meta['upstream'])
    add('')
    add('%s, %s mode: %d counted run(s) per build and workload after %d '
        'warm-up run(s), fork and baseline interleaved; %s; %d CPUs, load '
        'average %s at the start.  Times in seconds: median (min-max); '
        'ratios fork/baseline pair by pair: median (min-max).  See '
        'docs/bench.md.'
        % (meta['date'], meta['mode'], meta['runs'], meta['warmup'],
           meta['guest'], meta['cpus'], meta['load_start']))
    add('')

    add('## L1 boot: L0 start to the guest\'s init marker')
    add('')
    add('| workload | fork s | baseline s | fork/baseline | target <= %.2f |'
        % TARGET)
    add('|---|---|---|---|---|')
    for w in wl_list:
        if w['kind'] != 'l1':
            continue
        r = report[w['name']]
        add('| %s | %s | %s | %s | %s |' % (
            w['name'], fmt_s(r['builds']['fork']),
            fmt_s(r['builds']['baseline']), fmt_ratio(r['ratio']),
            'reference' if w['name'] == 'l2-direct' else verdict(r['ratio'])))
    add('')

    add('## L0 CPU time over the same spans')
    add('')
    add('CPU seconds (user + system, all threads) of the L0 process from '
        'its start (L1 boots) or from the L1 QEMU\'s start (nested boots) '
        'to the marker, read from /proc as the console line arrives; '
        'ratios pair by pair.')
    add('')
    add('| workload | fork CPU s | baseline CPU s | fork/baseline |')
    add('|---|---|---|---|')
    for w in wl_list:
        r = report[w['name']]
        add('| %s | %s | %s | %s |' % (
            w['name'], fmt_s(r['cpu']['fork']), fmt_s(r['cpu']['baseline']),
            fmt_ratio(r['cpu_ratio'])))
    add('')

    nested = [w for w in wl_list if w['kind'] == 'nested']
    if nested:
        add('## Nested boot: L1 QEMU start to the L2\'s init marker')
        add('')
        add('| workload | fork s | baseline s | fork/baseline | '
            'target <= %.2f |' % TARGET)
        add('|---|---|---|---|---|')
        for w in nested:
            r = report[w['name']]
            add('| %s | %s | %s | %s | %s |' % (
                w['name'], fmt_s(r['builds']['fork']),
                fmt_s(r['builds']['baseline']), fmt_ratio(r['ratio']),
                verdict(r['ratio'])))
        add('')
        add('## Nested overhead: L2 kernel uptime at init')
        add('')
        add('Divided by the L1 kernel\'s uptime at init in the same run '
            '(/L1), and by the uptime at init of the same guest booted '
            'directly, l2-direct, in the same round (/direct).  Uptimes in '
            'seconds.')
        add('')
        add('| workload | build | L1 uptime | L2 uptime | L2/L1 | '
            'L2/direct |')
        add('|---|---|---|---|---|---|')
        for w in nested:
            r = report[w['name']]
            for b in BUILDS:
                add('| %s | %s | %s | %s | %s | %s |' % (
                    w['name'], b, fmt_s(r['uptime'][b]['L1']),
                    fmt_s(r['uptime'][b]['L2']),
                    fmt_ratio(r['overhead_vs_l1'][b]),
                    fmt_ratio(r['overhead_vs_direct'][b])))
        add('')
        add('## Nested overhead on the L0\'s CPU time')
        add('')
        add('CPU seconds (user + system, all threads) the L0 process used '
            'while the L2 kernel booted (its first line to init), and the '
            'same for the direct boot of the same guest (l2-direct, entry '
            'to init) in the same round: less sensitive than wall time to '
            'what else the machine runs.  Instructions: %s.' %
            meta['instructions'])
        add('')
        add('| workload | build | L2 kernel CPU s | direct kernel CPU s | '
            'L2/direct |')
        add('|---|---|---|---|---|')
        direct = report.get('l2-direct')
        for w in nested:
            r = report[w['name']]
            for b in BUILDS:
                add('| %s | %s | %s | %s | %s |' % (
                    w['name'], b, fmt_s(r['kernel_cpu'][b]),
                    fmt_s(direct['kernel_cpu'][b]) if direct else 'n/a',
                    fmt_ratio(r['kernel_cpu_vs_direct'][b])))
        add('')
        add('## Where the L2 kernel boot\'s CPU time goes (fork)')
        add('')
        add('One run per workload with the fork\'s trace event '
            '`spapr_nested_l2_time` (each L2 entry and exit reports its '
            'vCPU thread\'s CPU time, and its share in L2s), over the L2 '
            'kernel\'s boot: the L2\'s own execution, the L1 on the same '
            'vCPU threads between the L2\'s exits and entries (its KVM, '
            'QEMU and console), the rest of the L0 process (the L1\'s '
            'other vCPU, the main loop); the L2\'s own execution against '
            'the kernel CPU of the direct boot run just before it.')
        add('')
        add('| workload | L0 CPU s | the L2 | the L1 on its threads | '
            'the rest | L2 exits | direct kernel CPU s | the L2 / direct |')
        add('|---|---|---|---|---|---|---|---|')
        for w in nested:
            sp = (splits or {}).get(w['name'])
            if not sp or 'why' in sp:
                add('| %s | n/a (%s) | | | | | | |' % (
                    w['name'], (sp or {}).get('why', 'not run')))
                continue
            add('| %s | %.2f | %.2f | %.2f | %.2f | %d | %s | %s |' % (
                w['name'], sp['cpu'], sp['l2'], sp['l1_same_threads'],
                sp['other'], sp['exits'],
                ('%.2f' % sp['direct_kernel_cpu'])
                if sp.get('direct_kernel_cpu') else 'n/a',
                ('%.3f' % sp['l2_vs_direct']) if sp.get('l2_vs_direct')
                else 'n/a'))
        add('')
        add('## Nested hypercalls per L2 boot (one counting run each)')
        add('')
        add('Counted from `-d int` (every hypercall the L1 makes); L0 CPU '
            'time: perf samples in the functions of hw/ppc/spapr_nested*.c '
            '(their own code, not what they call).')
        add('')
        add('| workload | build | RUN_VCPU / ENTER_NESTED | GET_STATE | '
            'SET_STATE | other nested | L0 CPU ms in nested code | '
            'per call us |')
        add('|---|---|---|---|---|---|---|---|')
        for w in nested:
            for b in BUILDS:
                h = hcalls.get(w['name'], {}).get(b)
                if not h or not h.get('ok'):
                    why = (h or {}).get('why', 'not run')
                    add('| %s | %s | n/a | n/a | n/a | n/a | n/a (%s) | n/a |'
                        % (w['name'], b, why))
                    continue
                c = h['counts']
                run = c.get(RUN_HCALL[w['name']], 0)
                get = c.get('H_GUEST_GET_STATE', 0)
                set_ = c.get('H_GUEST_SET_STATE', 0)
                other = sum(c.values()) - run - get - set_
                if h.get('nested_cpu_s') is not None:
                    ms = '%.1f' % (h['nested_cpu_s'] * 1e3)
                    per = '%.2f' % (h['nested_cpu_s'] * 1e6 /
                                    max(1, sum(c.values())))
                else:
                    ms = 'n/a (%s)' % h.get('perf_why', '?')
                    per = 'n/a'
                add('| %s | %s | %d | %s | %s | %d | %s | %s |' % (
                    w['name'], b, run,
                    get if w['name'] == 'nested-v2' else '-',
                    set_ if w['name'] == 'nested-v2' else '-',
                    other, ms, per))
        add('')

    add('## Phases (medians, seconds)')
    add('')
    add('| workload | build | ' + ' | '.join(L1_PHASES) + ' | to marker |')
    add('|---|---|' + '---|' * (len(L1_PHASES) + 1))
    for w in wl_list:
        if w['kind'] != 'l1':
            continue
        r = report[w['name']]
        for b in BUILDS:
            add('| %s | %s | %s | %s |' % (
                w['name'], b, ' | '.join(
                    med(r['phases'][b][p]) for p in L1_PHASES),
                med(r['builds'][b])))
    if nested:
        add('')
        add('| workload | build | ' + ' | '.join(NESTED_PHASES) +
            ' | nested boot |')
        add('|---|---|' + '---|' * (len(NESTED_PHASES) + 1))
        for w in nested:
            r = report[w['name']]
            for b in BUILDS:
                add('| %s | %s | %s | %s |' % (
                    w['name'], b, ' | '.join(
                        med(r['phases'][b][p]) for p in NESTED_PHASES),
                    med(r['builds'][b])))
    add('')

    add('## Build: qemu-system-ppc64')
    add('')
    add('| build | file MB | text+data MB | cold build s |')
    add('|---|---|---|---|')
    for b in BUILDS:
        i = builds_info[b]
        td = ('%.1f' % ((i['text'] + i['data']) / 1e6)) if 'text' in i \
            else 'n/a'
        bt = build_times.get(b) if build_times else None
        add('| %s | %.1f | %s | %s |' % (
            b, i['size'] / 1e6, td,
            ('%.0f' % bt) if bt else 'n/a (bench.sh --build)'))
    if build_times and build_times.get('fork') and \
            build_times.get('baseline'):
        add('')
        add('Cold builds (no ccache, %s): fork/baseline %.3f.' % (
            build_times.get('date', '?'),
            build_times['fork'] / build_times['baseline']))
    add('')
    return '\n'.join(out)


def med(s):
    return '%.2f' % s['median'] if s else 'n/a'


def chart(path, wl_list, report):
    """Stacked phases, fork above baseline, one panel per kind."""
    try:
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
    except ImportError:
        return 'python3-matplotlib is not installed'
    kinds = [('l1', L1_PHASES, 'L1 boot: L0 start to init marker'),
             ('nested', NESTED_PHASES,
              'Nested: L0 start to L2 init marker')]
    kinds = [k for k in kinds if any(w['kind'] == k[0] for w in wl_list)]
    heights = [sum(1 for w in wl_list if w['kind'] == k[0]) for k in kinds]
    fig, axes = plt.subplots(len(kinds), 1, squeeze=False,
                             figsize=(12, 1.6 * len(kinds) +
                                      0.75 * sum(heights)),
                             gridspec_kw={'height_ratios': heights})
    colors = plt.get_cmap('tab10').colors
    for ax, (kind, phases, title) in zip(axes[:, 0], kinds):
        rows = [w for w in wl_list if w['kind'] == kind]
        labels, y = [], 0
        handles = {}
        for w in rows:
            r = report[w['name']]
            for b in BUILDS:
                left = 0.0
                for k, p in enumerate(phases):
                    s = r['phases'][b][p]
                    v = s['median'] if s else 0.0
                    bar = ax.barh(y, v, left=left, color=colors[k % 10],
                                  hatch='//' if b == 'baseline' else None,
                                  edgecolor='white', height=0.8)
                    handles.setdefault(p, bar)
                    left += v
                text = '%.2f s' % left
                if b == 'fork' and r['ratio']:
                    text += '   %s fork/baseline %.3f' % (
                        'nested boot' if kind == 'nested' else 'ratio',
                        r['ratio']['median'])
                ax.text(left, y, ' ' + text, va='center', fontsize=8)
                labels.append('%s %s' % (w['name'], b))
                y += 1
            y += 0.5
        ticks, t = [], 0
        for w in rows:
            ticks += [t, t + 1]
            t += 2.5
        ax.set_yticks(ticks)
        ax.set_yticklabels(labels, fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel('seconds (medians; baseline hatched)')
        ax.set_title(title, fontsize=10)
        ax.legend(handles.values(), handles.keys(), fontsize=8,
                  loc='upper left', bbox_to_anchor=(1.01, 1.0))
        ax.margins(x=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return None


class Tap:
    def __init__(self, enabled):
        self.enabled, self.n, self.failed = enabled, 0, 0

    def result(self, ok, text):
        self.n += 1
        if not ok:
            self.failed += 1
        if self.enabled:
            print('%s %d - %s' % ('ok' if ok else 'not ok', self.n, text),
                  flush=True)

    def plan(self):
        if self.enabled:
            print('1..%d' % self.n, flush=True)


def snapshot(src, dest):
    """A copy of src at dest, unless dest already is one: the inputs must
    not change under a run (another build may replace a binary)."""
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    if os.path.exists(dest) and os.path.getsize(dest) == \
            os.path.getsize(src) and sha256(dest) == sha256(src):
        return dest
    shutil.copy2(src, dest + '.tmp')
    os.replace(dest + '.tmp', dest)
    return dest


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--out', required=True)
    ap.add_argument('--fork', required=True)
    ap.add_argument('--baseline', required=True)
    ap.add_argument('--kernel', required=True)
    ap.add_argument('--initrd', required=True)
    ap.add_argument('--l1-initrd', default='')
    ap.add_argument('--inputs', default='',
                    help='where the copies of binaries and guests go')
    ap.add_argument('--runs', type=int, default=5)
    ap.add_argument('--warmup', type=int, default=1)
    ap.add_argument('--mode', default='full')
    ap.add_argument('--tap', action='store_true')
    ap.add_argument('--only', default='',
                    help='comma-separated workload names')
    ap.add_argument('--no-count', action='store_true',
                    help='no hypercall counting runs')
    ap.add_argument('--build-times', default='')
    ap.add_argument('--guest', default='')
    ap.add_argument('--upstream', default='')
    args = ap.parse_args()

    began = time.monotonic()
    out = os.path.abspath(args.out)
    logs = os.path.join(out, 'logs')
    work = os.path.join(out, 'work')
    shutil.rmtree(logs, ignore_errors=True)
    os.makedirs(logs)
    os.makedirs(work, exist_ok=True)
    tap = Tap(args.tap)
    load_start = '%.2f %.2f %.2f' % os.getloadavg()

    # Snapshots: the binaries with their firmware found through -L, and
    # the guests.
    inputs = os.path.abspath(args.inputs or os.path.join(out, 'inputs'))
    qemu, firmware = {}, {}
    for b, path in (('fork', args.fork), ('baseline', args.baseline)):
        qemu[b] = snapshot(path, os.path.join(inputs, b, 'qemu-system-ppc64'))
        firmware[b] = os.path.join(os.path.dirname(os.path.abspath(path)),
                                   'qemu-bundle/usr/local/share/qemu')
    kernel = snapshot(args.kernel, os.path.join(inputs, 'vmlinux'))
    initrd = snapshot(args.initrd, os.path.join(inputs, 'guest.cpio.gz'))
    l1_initrd = ''
    if args.l1_initrd and os.path.exists(args.l1_initrd):
        l1_initrd = snapshot(args.l1_initrd,
                             os.path.join(inputs, 'l1-fork.cpio.gz'))
    wl_list = workloads(kernel, initrd, l1_initrd)
    if args.only:
        only = args.only.split(',')
        unknown = set(only) - {w['name'] for w in wl_list}
        if unknown:
            sys.exit('bench.py: unknown workload(s) %s' % ', '.join(unknown))
        wl_list = [w for w in wl_list if w['name'] in only]

    results = {w['name']: {b: [] for b in BUILDS} for w in wl_list}
    warm = {w['name']: {b: [] for b in BUILDS} for w in wl_list}
    failures = {}
    rounds = [('warm-up', i) for i in range(args.warmup)] + \
             [('run', i) for i in range(args.runs)]
    for phase, i in rounds:
        for w in wl_list:
            if w.get('missing'):
                continue
            for b in BUILDS:
                tag = '%s-%s-%s%d' % (w['name'], b,
                                      'w' if phase == 'warm-up' else 'r',
                                      i + 1)
                cmd = [qemu[b], '-L', firmware[b]] + w['args']
                lines, status, secs, cpu = run_qemu(
                    cmd, os.path.join(logs, tag + '.log'),
                    TIMEOUT[w['kind']])
                m = measure(w['kind'], lines, status, secs, cpu)
                m['log'] = os.path.join('logs', tag + '.log')
                (warm if phase == 'warm-up' else results)[w['name']][b] \
                    .append(m)
                log('%-9s %-2d %-26s %-8s %s' % (
                    phase, i + 1, w['name'], b,
                    ('%.2f s' % m['metric']) if m['ok'] else
                    'FAILED: no marker (%s)' % m['log']))
                if not m['ok']:
                    failures.setdefault((w['name'], b), m['log'])

    for w in wl_list:
        for b in BUILDS:
            if w.get('missing'):
                tap.result(False, '%s %s # %s' % (w['name'], b,
                                                  w['missing']))
            else:
                where = failures.get((w['name'], b))
                tap.result(where is None, '%s %s: marker in every run%s' % (
                    w['name'], b, '' if where is None else
                    ' (not in %s)' % where))

    # One counting run per nested workload and build: every hypercall
    # through -d int, the L0's time in the nested code through perf.
    hcalls = {}
    nested = [w for w in wl_list if w['kind'] == 'nested']
    if nested and not args.no_count:
        perf_why = perf_usable(work)
        functions = {}
        for w in nested:
            hcalls[w['name']] = {}
            for b in BUILDS:
                if w.get('missing'):
                    hcalls[w['name']][b] = {'ok': False, 'why': 'no L1'}
                    continue
                intlog = os.path.join(work, 'int.log')
                perf_data = os.path.join(work, 'perf.data')
                cmd = [qemu[b], '-L', firmware[b]] + w['args'] + \
                    ['-d', 'int', '-D', intlog]
                if not perf_why:
                    cmd = ['perf', 'record', '-q', '-N', '-e', 'cpu-clock',
                           '-F', str(PERF_FREQ), '-o', perf_data, '--'] + cmd
                tag = '%s-%s-count' % (w['name'], b)
                lines, status, secs, cpu = run_qemu(
                    cmd, os.path.join(logs, tag + '.log'), TIMEOUT['nested'])
                m = measure('nested', lines, status, secs, cpu)
                h = {'ok': m['ok'], 'log': os.path.join('logs', tag + '.log'),
                     'seconds': secs}
                if m['ok']:
                    h['counts'] = count_hcalls(intlog)
                    if not h['counts'].get(RUN_HCALL[w['name']]):
                        h['ok'] = False
                        h['why'] = 'no %s' % RUN_HCALL[w['name']]
                else:
                    h['why'] = 'no L2 marker'
                if m['ok'] and not perf_why:
                    try:
                        if b not in functions:
                            functions[b] = nested_functions(qemu[b])
                        h['nested_cpu_s'], h['total_cpu_s'] = \
                            perf_nested_time(perf_data, qemu[b], functions[b])
                        h['nested_functions'] = len(functions[b])
                    except (OSError, subprocess.CalledProcessError) as e:
                        h['perf_why'] = 'perf report failed: %s' % e
                elif perf_why:
                    h['perf_why'] = perf_why
                for f in (intlog, perf_data):
                    if os.path.exists(f):
                        os.remove(f)
                hcalls[w['name']][b] = h
                log('count     %-29s %-8s %s' % (
                    w['name'], b, json.dumps(h.get('counts')) if h['ok']
                    else 'FAILED: %s (%s)' % (h['why'], h['log'])))
                tap.result(h['ok'], '%s %s: nested hypercalls counted%s' % (
                    w['name'], b, '' if h['ok'] else ' (%s)' % h['why']))

    # One run per nested workload on the fork with spapr_nested_l2_time
    # traced: the L2's kernel boot split between the L2 and its L1.
    splits = {}
    direct_wl = [w for w in wl_list if w['name'] == 'l2-direct']
    if nested and not args.no_count:
        for w in nested:
            if w.get('missing'):
                continue
            # the direct boot just before, for a divisor of the same moment
            direct_cpu = None
            if direct_wl:
                tag = 'l2-direct-fork-before-%s-split' % w['name']
                lines, status, secs, cpu = run_qemu(
                    [qemu['fork'], '-L', firmware['fork']] +
                    direct_wl[0]['args'], os.path.join(logs, tag + '.log'),
                    TIMEOUT['l1'])
                direct_cpu = measure('l1', lines, status, secs,
                                     cpu)['kernel_cpu']
            tag = '%s-fork-split' % w['name']
            trace = os.path.join(logs, tag + '.trace')
            cmd = [qemu['fork'], '-L', firmware['fork']] + w['args'] + \
                ['-trace', 'spapr_nested_l2_time', '-D', trace,
                 '-msg', 'timestamp=on']
            wall_start = time.time()
            lines, _, _, _ = run_qemu(cmd, os.path.join(logs, tag + '.log'),
                                      TIMEOUT['nested'])
            sp = l2_time_split(lines, l2_time_reports(trace), wall_start) \
                if os.path.exists(trace) else None
            if sp:
                sp['direct_kernel_cpu'] = direct_cpu
                sp['l2_vs_direct'] = \
                    sp['l2'] / direct_cpu if direct_cpu else None
            splits[w['name']] = sp or {
                'why': 'no L2 kernel boot or no spapr_nested_l2_time '
                       'report', 'log': os.path.join('logs', tag + '.log')}
            log('split     %-29s fork     %s' % (
                w['name'], json.dumps(sp) if sp else 'FAILED'))
            tap.result(sp is not None, '%s fork: L2 time split' % w['name'])

    report = analyse(wl_list, results)
    builds_info = {b: binary_info(qemu[b]) for b in BUILDS}
    for b in BUILDS:
        builds_info[b]['source'] = os.path.abspath(
            args.fork if b == 'fork' else args.baseline)
    build_times = None
    if args.build_times and os.path.exists(args.build_times):
        with open(args.build_times, encoding='utf-8') as f:
            build_times = json.load(f)
    meta = {
        'date': datetime.datetime.now().astimezone().isoformat(
            timespec='seconds'),
        'mode': args.mode, 'runs': args.runs, 'warmup': args.warmup,
        'cpus': os.cpu_count(), 'load_start': load_start,
        'load_end': '%.2f %.2f %.2f' % os.getloadavg(),
        'guest': args.guest, 'upstream': args.upstream,
        'instructions': instructions_countable(),
        'seconds': round(time.monotonic() - began, 1),
    }
    text = markdown(meta, wl_list, report, hcalls, builds_info, build_times,
                    splits)
    with open(os.path.join(out, 'bench.md'), 'w', encoding='utf-8') as f:
        f.write(text + '\n')
    doc = {
        'schema': 1, 'meta': meta, 'target': TARGET,
        'builds': builds_info, 'build_times': build_times,
        'inputs': {'kernel': args.kernel, 'initrd': args.initrd,
                   'l1_initrd': args.l1_initrd,
                   'sha256': {k: sha256(p) for k, p in
                              (('kernel', kernel), ('initrd', initrd),
                               ('l1_initrd', l1_initrd)) if p}},
        'workloads': [{
            'name': w['name'], 'kind': w['kind'], 'what': w['what'],
            'args': w['args'], 'missing': w.get('missing'),
            'summary': report[w['name']],
            'runs': results[w['name']], 'warmup': warm[w['name']],
        } for w in wl_list],
        'hcalls': hcalls,
        'l2_time_split': splits,
    }
    with open(os.path.join(out, 'bench.json'), 'w', encoding='utf-8') as f:
        json.dump(doc, f, indent=1)
    why = chart(os.path.join(out, 'bench.png'), wl_list, report)
    if why:
        log('no chart: %s' % why)
        if os.path.exists(os.path.join(out, 'bench.png')):
            os.remove(os.path.join(out, 'bench.png'))
        tap.result(True, 'outputs: bench.md, bench.json # SKIP no chart: '
                   + why)
    else:
        tap.result(True, 'outputs: bench.md, bench.json, bench.png')
    print(text, flush=True)
    tap.plan()
    log('results in %s (bench.md, bench.json%s), %.0f s' % (
        out, '' if why else ', bench.png', time.monotonic() - began))
    return 1 if tap.failed else 0


if __name__ == '__main__':
    sys.exit(main())
