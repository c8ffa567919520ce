/*
 * The CPU time a vCPU's thread spends running L2s
 *
 * Under TCG, an L2's boot costs the L0 more than the same guest booted
 * directly, and only part of it is the L2's: the rest is its L1 handling
 * the L2's exits, run by the same vCPU threads.  With the trace event
 * spapr_nested_l2_time enabled, each entry to an L2 and each exit from
 * it reports, for the thread of the vCPU, the CPU time it has spent in
 * L2s so far and its CPU time in all: differences between two reports
 * split a span of the thread's time into the L2's and the L1's.  Without
 * the event, nothing is read or kept.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/timer.h"
#include "hw/core/cpu.h"
#include "hw/ppc/spapr_cpu_core.h"
#include "hw/ppc/spapr_nested_time.h"
#include "trace.h"

/*
 * The CPU time of @cs's own thread, or -1, whichever thread asks: an
 * entry may come from another one (qtest's hcall command).
 */
static int64_t vcpu_thread_cpu_ns(CPUState *cs)
{
#if defined(CONFIG_POSIX) && defined(_POSIX_THREAD_CPUTIME)
    clockid_t clock;
    struct timespec ts;

    if (cs->thread && !pthread_getcpuclockid(cs->thread->thread, &clock) &&
        !clock_gettime(clock, &ts)) {
        return ts.tv_sec * NANOSECONDS_PER_SECOND + ts.tv_nsec;
    }
#endif
    return -1;
}

static void report(PowerPCCPU *cpu, SpaprNestedTime *t, int64_t now)
{
    trace_spapr_nested_l2_time(CPU(cpu)->cpu_index, t->l2_ns, now, t->exits);
}

void spapr_nested_time_enter(PowerPCCPU *cpu)
{
    SpaprNestedTime *t = &spapr_cpu_state(cpu)->nested_time;

    t->entered_ns = 0;
    if (trace_event_get_state_backends(TRACE_SPAPR_NESTED_L2_TIME)) {
        t->entered_ns = vcpu_thread_cpu_ns(CPU(cpu));
        report(cpu, t, t->entered_ns);
    }
}

void spapr_nested_time_exit(PowerPCCPU *cpu)
{
    SpaprNestedTime *t = &spapr_cpu_state(cpu)->nested_time;
    int64_t now;

    /*
     * entered before the event was enabled, on another QEMU (migrated), or
     * no thread clock
     */
    if (t->entered_ns <= 0 ||
        !trace_event_get_state_backends(TRACE_SPAPR_NESTED_L2_TIME)) {
        return;
    }
    now = vcpu_thread_cpu_ns(CPU(cpu));
    if (now < t->entered_ns) {
        return;
    }
    t->l2_ns += now - t->entered_ns;
    t->exits++;
    t->entered_ns = 0;
    report(cpu, t, now);
}
