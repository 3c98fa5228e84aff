"""Prints one line per reliability case from TRX files: case, model, pass/fail, figure (a Markdown table with --markdown;
one row per case and one column per model with --pivot, as in docs/reliability.md).

The model is read from the test class: <Model><Transport>ConformanceTests (the survival cases), <Model><Transport>MatrixTests -> model,
TinyEchoServerSurvivalTests -> tiny, FaultProxyTests -> proxy. The figure is the
line a test wrote as 'figure: ...' (tests/Reliability/Figure.cs); without one, the test's duration stands in.
"""
import pathlib
import re
import sys
import xml.etree.ElementTree as ET

NS = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}


def model_of(class_name: str) -> str:
    short = class_name.rsplit(".", 1)[-1]
    if short == "FaultProxyTests":
        return "proxy"
    if short in ("ProcessEchoServerTests", "ProcSampleTests", "DescriptorBudgetTests"):
        return "tools"
    match = re.match(r"(.+?)(EchoServer)?(Survival|Matrix|Conformance)Tests$", short)
    if not match:
        return short
    # A variant is <Model><Transport>[Tls]: AsyncEpoll and AsyncSockets are both the async model's column.
    variant = match.group(1).lower()
    return next((m for m in MODELS if variant.startswith(m)), variant)


def duration_ms(text: str) -> str:
    match = re.match(r"(\d+):(\d+):(\d+(?:\.\d+)?)", text)
    if not match:
        return text
    hours, minutes, seconds = match.groups()
    return f"{(int(hours) * 3600 + int(minutes) * 60 + float(seconds)) * 1000:.0f} ms"


def rows(folder: str):
    for trx in sorted(pathlib.Path(folder).rglob("*.trx")):
        root = ET.parse(trx).getroot()
        classes = {d.get("id"): d.find("t:TestMethod", NS).get("className", "")
                   for d in root.iterfind(".//t:UnitTest", NS)}
        for result in root.iterfind(".//t:UnitTestResult", NS):
            name = result.get("testName", "?")
            case = name.rsplit(".", 1)[-1] if "(" not in name else name.split("(")[0].rsplit(".", 1)[-1] + "(" + name.split("(", 1)[1]
            outcome = {"Passed": "pass", "Failed": "FAIL"}.get(result.get("outcome", ""), "skip")
            out = result.findtext("t:Output/t:StdOut", default="", namespaces=NS) or ""
            figures = [line.split("figure: ", 1)[1].strip() for line in out.splitlines() if "figure: " in line]
            figure = figures[-1] if figures else duration_ms(result.get("duration", ""))
            if outcome == "FAIL":
                message = result.findtext("t:Output/t:ErrorInfo/t:Message", default="", namespaces=NS) or ""
                figure = message.strip().splitlines()[0][:160] if message.strip() else figure
            yield case, model_of(classes.get(result.get("testId"), "")), outcome, figure


MODELS = ["threads", "pool", "async", "eventloop", "kestrel"]


def pivot(table) -> None:
    """One Markdown row per case (parameters folded), one column per model: result, variants passed, figure."""
    cells = {}
    order = []
    for case, model, outcome, figure in table:
        if model not in MODELS:
            continue
        base = case.split("(")[0]
        if base not in order:
            order.append(base)
        cells.setdefault((base, model), []).append((outcome, figure))
    print("| case | " + " | ".join(MODELS) + " |")
    print("|---|" + "---|" * len(MODELS))
    for base in order:
        row = []
        for model in MODELS:
            results = cells.get((base, model), [])
            if not results:
                row.append("")
                continue
            passed = sum(1 for o, _ in results if o == "pass")
            failed = [f for o, f in results if o == "FAIL"]
            verdict = "pass" if passed == len(results) else ("skip" if not failed and passed == 0 else "**FAIL**")
            if len(results) > 1:
                verdict += f" {passed}/{len(results)}"
            figure = failed[0] if failed else (results[0][1] if len(results) == 1 and not results[0][1].endswith(" ms") else "")
            row.append(f"{verdict}: {figure}".replace("|", "/") if figure else verdict)
        print(f"| {base} | " + " | ".join(row) + " |")


def main() -> int:
    folder = sys.argv[1]
    markdown = "--markdown" in sys.argv
    if "--pivot" in sys.argv:
        pivot(sorted(rows(folder), key=lambda r: (r[1], r[0])))
        return 0
    table = sorted(rows(folder), key=lambda r: (r[1], r[0]))
    if markdown:
        print("| case | model | result | figure |")
        print("|---|---|---|---|")
    for case, model, outcome, figure in table:
        if markdown:
            print(f"| {case} | {model} | {outcome} | {figure} |")
        else:
            print(f"{case:<90} {model:<10} {outcome:<5} {figure}")
    failed = sum(1 for r in table if r[2] == "FAIL")
    if not markdown:
        print(f"{len(table) - failed} passed, {failed} failed")
    return 1 if failed or not table else 0


if __name__ == "__main__":
    sys.exit(main())
