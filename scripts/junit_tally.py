"""Add up pytest's JUnit reports into one closing line: `tests: N passed, N failed, N skipped`.

Exits non-zero when a report is missing, something failed, or nothing ran at all.
"""

import sys
import xml.etree.ElementTree as ET


def tally(paths: list[str]) -> tuple[int, int, int]:
    passed = failed = skipped = 0
    for path in paths:
        root = ET.parse(path).getroot()  # noqa: S314 - our own test run's report
        suites = [root] if root.tag == "testsuite" else root.iter("testsuite")
        for suite in suites:
            tests, skips = int(suite.get("tests", 0)), int(suite.get("skipped", 0))
            fails = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
            passed += tests - skips - fails
            failed += fails
            skipped += skips
    return passed, failed, skipped


def main() -> int:
    passed, failed, skipped = tally(sys.argv[1:])
    print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
    return 0 if passed and not failed else 1


if __name__ == "__main__":
    sys.exit(main())
