#!/usr/bin/env python3
"""Print "PASSED FAILED SKIPPED" for a meson testlog.json, by subtest.

Meson counts test programs; one qtest program holds dozens of checks, so
the fork's summary counts the TAP lines each program printed.  A program
that failed without saying which check failed counts as one failure.
"""

import json
import re
import sys

FAILURES = {'FAIL', 'TIMEOUT', 'ERROR', 'UNEXPECTEDPASS'}
TAP_RESULT = re.compile(r'^(not ok|ok)\b(.*)$')


def count(path):
    passed = failed = skipped = 0
    with open(path, encoding='utf-8') as log:
        for line in log:
            test = json.loads(line)
            p = f = s = 0
            for out in (test.get('stdout') or '').splitlines():
                match = TAP_RESULT.match(out)
                if not match:
                    continue
                directive = match.group(2).upper()
                if '# SKIP' in directive:
                    s += 1
                elif match.group(1) == 'ok' or '# TODO' in directive:
                    p += 1
                else:
                    f += 1
            if test['result'] in FAILURES and f == 0:
                f = 1
            elif p + f + s == 0:
                if test['result'] == 'SKIP':
                    s = 1
                else:
                    p = 1
            passed, failed, skipped = passed + p, failed + f, skipped + s
    return passed, failed, skipped


if __name__ == '__main__':
    print(*count(sys.argv[1]))
