/*
 * qtest commands of the pseries machine
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_PPC_SPAPR_QTEST_H
#define HW_PPC_SPAPR_QTEST_H

#include "chardev/char-fe.h"

/*
 * Handles "hcall [cpu=N] OPCODE [ARG...]": returns false when @words is
 * not that command, so that other handlers may take it.
 */
bool spapr_qtest_hcall(CharBackend *chr, gchar **words);

#endif /* HW_PPC_SPAPR_QTEST_H */
