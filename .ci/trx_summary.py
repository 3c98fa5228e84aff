"""Reads every TRX file under a folder, prints 'N passed, N failed, N skipped', exits 1 on failures or on no tests.
With --counts: prints just the three numbers, for .ci/run to add its own end-to-end checks to."""
import pathlib
import sys
import xml.etree.ElementTree as ET

NS = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}


def main(folder: str, counts_only: bool = False) -> int:
    passed = failed = skipped = 0
    failures = []
    files = sorted(pathlib.Path(folder).rglob("*.trx"))
    for trx in files:
        root = ET.parse(trx).getroot()
        for result in root.iterfind(".//t:UnitTestResult", NS):
            outcome = result.get("outcome", "")
            if outcome == "Passed":
                passed += 1
            elif outcome in ("NotExecuted", "Inconclusive"):
                skipped += 1
            else:
                failed += 1
                failures.append(result.get("testName", "?"))
    if counts_only:
        print(passed, failed, skipped)
        return 0
    for name in failures:
        print(f"FAILED: {name}")
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    if not files or passed + failed == 0:
        print("no test ran")
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], "--counts" in sys.argv[2:]))
