/*
 * QTest testcase: plug and unplug a pseries CPU core, over and over
 *
 * Each cycle hot-plugs a core, stops and continues the machine, and has
 * the core removed at a system reset (the guest never started it).  The
 * removal joins the core's vCPU thread, which must wake up for it: a
 * thread that misses its kick hangs QEMU's main loop for good, and the
 * test fails by its timeout.  Stopping and continuing leaves the thread
 * idle after kicks it has already taken, where 10.2's dummy accelerator
 * (qtest's) lost the unplug's kick within a few hundred cycles.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "qobject/qdict.h"
#include "qobject/qlist.h"

#define REPLUG_CYCLES 400

static bool is_deleted_event_of(QDict *event, const char *id)
{
    QDict *data = qdict_get_qdict(event, "data");
    const char *device = data ? qdict_get_try_str(data, "device") : NULL;

    return device && !strcmp(device, id);
}

/* How many slots of @core_id hold a core (have a qom-path). */
static int slots_plugged(QList *slots, int64_t core_id)
{
    const QListEntry *e;
    int n = 0;

    g_assert(slots);
    QLIST_FOREACH_ENTRY(slots, e) {
        QDict *slot = qobject_to(QDict, qlist_entry_obj(e));
        QDict *props = qdict_get_qdict(slot, "props");

        if (props && qdict_get_try_int(props, "core-id", -1) == core_id &&
            qdict_haskey(slot, "qom-path")) {
            n++;
        }
    }
    return n;
}

static void unplug_at_reset(QTestState *qts, const char *id)
{
    QDict *event;
    bool deleted = false;

    qtest_qmp_device_del_send(qts, id);
    qtest_system_reset_nowait(qts);
    while (!deleted) {
        event = qtest_qmp_eventwait_ref(qts, "DEVICE_DELETED");
        deleted = is_deleted_event_of(event, id);
        qobject_unref(event);
    }
}

static void test_replug_core(void)
{
    QTestState *qts;
    QDict *resp;
    int i;

    qts = qtest_init("-machine pseries -cpu power10 -smp 1,maxcpus=2");
    for (i = 0; i < REPLUG_CYCLES; i++) {
        qtest_qmp_device_add(qts, "power10_v2.0-spapr-cpu-core", "core1",
                             "{'core-id': 1}");
        qtest_qmp_assert_success(qts, "{'execute': 'stop'}");
        qtest_qmp_assert_success(qts, "{'execute': 'cont'}");
        unplug_at_reset(qts, "core1");
    }

    /* The last unplug took: core-id 1's slot is empty again. */
    resp = qtest_qmp(qts, "{'execute': 'query-hotpluggable-cpus'}");
    g_assert_cmpint(slots_plugged(qdict_get_qlist(resp, "return"), 1), ==, 0);
    g_assert_cmpint(slots_plugged(qdict_get_qlist(resp, "return"), 0), ==, 1);
    qobject_unref(resp);
    qtest_quit(qts);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("spapr-cpu-replug/core", test_replug_core);
    return g_test_run();
}
