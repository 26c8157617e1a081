"""Puts performance records side by side: `python -m benchmarks.compare A.json B.json ...`.

One row per measured variant, one column per record (its file name): the
median rate, then each record's rate as a multiple of the first record's.
Used by `benchmarks/gpu_check.sh` to compare XLA and mixed precision with
the plain float32 run on the same GPU.
"""

import json
import sys
from pathlib import Path


def rates(record):
    """{(group, variant): (rate, unit)} of one `python -m benchmarks` record."""
    found = {}
    for bench in record["benchmarks"]:
        for row in bench["rows"]:
            if row.get("variant") and row.get("rate"):
                found[(row["group"], row["variant"])] = (row["rate"], row["unit"])
    return found


def table(records):
    """Lines of the side-by-side table for `records` = {name: record}."""
    names = list(records)
    by_name = {name: rates(record) for name, record in records.items()}
    keys = list(dict.fromkeys(key for name in names for key in by_name[name]))
    lines = ["| variant | unit | " + " | ".join(names) + " |", "|---|---|" + "---|" * len(names)]
    for key in keys:
        first = by_name[names[0]].get(key)
        cells = []
        for name in names:
            value = by_name[name].get(key)
            if value is None:
                cells.append("")
            elif first is None or name == names[0]:
                cells.append(f"{value[0]:,.1f}")
            else:
                cells.append(f"{value[0]:,.1f} ({value[0] / first[0]:.2f}x)")
        unit = (first or next(by_name[n][key] for n in names if key in by_name[n]))[1]
        lines.append(f"| {key[0]}: {key[1]} | {unit} | " + " | ".join(cells) + " |")
    return lines


def main(argv=None):
    paths = [Path(p) for p in (sys.argv[1:] if argv is None else argv)]
    missing = [str(p) for p in paths if not p.is_file()]
    if not paths or missing:
        print(f"compare: expected performance records (JSON files); missing: {missing or 'all'}", file=sys.stderr)
        return 2
    records = {p.stem: json.loads(p.read_text()) for p in paths}
    print("\n".join(table(records)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
