#!/usr/bin/env python3
"""Print the ninja targets that the meson test suites named need.

Usage: suite-targets.py OBJ SUITE...

OBJ is a configured QEMU build folder (its meson-info is read, so run
"ninja build.ninja" there first when meson files may have changed).
A SUITE is a meson suite name such as unit, qtest-ppc64 or func-ppc64.
Printed, one per line and relative to OBJ: every file that the tests of
those suites run or depend on (executables, plugins, the emulator), and
what the build makes in pc-bios/ (device trees, firmware): an emulator
loads those at run time, and no test names them as a dependency.
Exits 1, saying so, when no test is in any of the suites.
"""

import json
import os
import sys


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__.strip())
    obj = os.path.realpath(sys.argv[1])
    wanted = set(sys.argv[2:])
    info = os.path.join(obj, "meson-info")
    with open(os.path.join(info, "intro-tests.json")) as f:
        tests = json.load(f)
    with open(os.path.join(info, "intro-targets.json")) as f:
        built = json.load(f)
    files = {t["id"]: t["filename"] for t in built}

    targets = set()
    run_time_data = os.path.join(obj, "pc-bios") + os.sep
    for target in built:
        if target.get("build_by_default", True):
            for path in target["filename"]:
                if os.path.realpath(path).startswith(run_time_data):
                    targets.add(os.path.relpath(path, obj))
    found = 0
    for test in tests:
        # meson names a project's suites "project:suite"
        suites = {s.split(":", 1)[-1] for s in test["suite"]}
        if not suites & wanted:
            continue
        found += 1
        paths = [test["cmd"][0]] if test["cmd"] else []
        for dep in test["depends"]:
            paths.extend(files.get(dep, []))
        for path in paths:
            real = os.path.realpath(path)
            if real.startswith(obj + os.sep) and "/pyvenv/" not in real:
                targets.add(os.path.relpath(path, obj))
    if not found:
        sys.exit("suite-targets.py: no test in suites %s of %s"
                 % (", ".join(sorted(wanted)), obj))
    for target in sorted(targets):
        print(target)


if __name__ == "__main__":
    main()
