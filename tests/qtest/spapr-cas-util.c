/*
 * ibm,client-architecture-support from qtests, through the "hcall"
 * qtest command
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "spapr-cas-util.h"

#define KVMPPC_H_CAS 0xf002

static void append_be32(GByteArray *vec, uint32_t value)
{
    uint32_t be = cpu_to_be32(value);

    g_byte_array_append(vec, (const guint8 *)&be, sizeof(be));
}

/* The PVR table, its terminator, then option vectors 1 to 5. */
static void append_pvr_table(GByteArray *vec, const PvrEntry *pvrs, int n,
                             bool terminated, bool vectors)
{
    static const guint8 option_vectors[] = {
        5 - 1,                              /* five vectors */
        3 - 1, 0x00, 0xff, 0xc0,            /* 1: ISA 2.00 to 3.1 */
        1 - 1, 0x00,                        /* 2 */
        1 - 1, 0x00,                        /* 3 */
        1 - 1, 0x00,                        /* 4 */
        8 - 1, 0, 0, 0, 0, 0, 0, 0, 0,      /* 5: hash MMU, XICS */
    };
    int i;

    for (i = 0; i < n; i++) {
        append_be32(vec, pvrs[i].mask);
        append_be32(vec, pvrs[i].pvr);
    }
    if (terminated) {
        append_be32(vec, 0xfffffffe);
        append_be32(vec, 0x0f000001);
    }
    if (vectors) {
        g_byte_array_append(vec, option_vectors, sizeof(option_vectors));
    }
}

static int64_t cas_call(QTestState *qts, uint64_t vec_addr, GByteArray *vec)
{
    const uint64_t args[] = {
        vec_addr, SPAPR_CAS_FDT_BUF_ADDR, SPAPR_CAS_FDT_BUF_SIZE
    };

    if (vec->len) {
        qtest_memwrite(qts, vec_addr, vec->data, vec->len);
    }
    return qtest_hcall(qts, 0, KVMPPC_H_CAS, ARRAY_SIZE(args), args, NULL);
}

int64_t spapr_cas(QTestState *qts, uint64_t vec_addr, const PvrEntry *pvrs,
                  int n, bool terminated)
{
    g_autoptr(GByteArray) vec = g_byte_array_new();

    append_pvr_table(vec, pvrs, n, terminated, terminated);
    return cas_call(qts, vec_addr, vec);
}

int64_t spapr_cas_unterminated(QTestState *qts, uint64_t vec_addr,
                               const PvrEntry *pvrs, int n)
{
    g_autoptr(GByteArray) vec = g_byte_array_new();

    append_pvr_table(vec, pvrs, n, false, true);
    return cas_call(qts, vec_addr, vec);
}
