#!/usr/bin/env python3
"""Print 'N passed, N failed[, N skipped]' from meson's junit log.

meson expands gtest-protocol tests into their individual cases; a test that
crashed before writing its cases counts as one failure.
"""
import sys
import xml.etree.ElementTree as ET

path = sys.argv[1]
try:
    root = ET.parse(path).getroot()
except (OSError, ET.ParseError) as e:
    print(f"test: cannot read {path}: {e}", file=sys.stderr)
    print("0 passed, 1 failed")
    sys.exit(1)

passed = failed = skipped = 0
for case in root.iter("testcase"):
    if case.find("failure") is not None or case.find("error") is not None:
        failed += 1
    elif case.find("skipped") is not None:
        skipped += 1
    else:
        passed += 1
line = f"{passed} passed, {failed} failed"
if skipped:
    line += f", {skipped} skipped"
print(line)
sys.exit(1 if failed else 0)
