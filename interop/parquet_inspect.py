#!/usr/bin/env python3
"""pyarrow's view of one Parquet file, for Sluice's writer tests.

    parquet_inspect.py FILE [--rewrite OUT ROWS]

Prints one JSON object: "jsonl" (pyarrow's reading of FILE rendered exactly as Columnar's
JSONLines.render renders it, by parquet_random.render), "arrow_schema" (the Arrow type of each
top-level field), "parquet_schema" (pyarrow's printout of the Parquet schema), "leaves" (per leaf:
path, physical type, logical and converted types, max definition and repetition levels) and
"row_groups" (per row group, per column chunk: path, num_values and statistics null_count /
min / max as pyarrow reports them; binary min/max in base64). With --rewrite, pyarrow also
writes the table it read to OUT in row groups of ROWS rows (decimals as integers, as Sluice
writes them) and adds "rewrite": the same "parquet_schema" and "row_groups" for OUT, so the
caller can compare the schema and statistics pyarrow writes for the same data.
"""
import base64, json, os, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pyarrow.parquet as pq  # noqa: E402
from parquet_random import render  # noqa: E402


def plain(v):
    if isinstance(v, bytes):
        return base64.b64encode(v).decode()
    if isinstance(v, float) or isinstance(v, (int, str, bool)) or v is None:
        return v
    return str(v)


def describe(f):
    md = f.metadata
    groups = []
    for g in range(md.num_row_groups):
        rg = md.row_group(g)
        chunks = []
        for i in range(rg.num_columns):
            c = rg.column(i)
            s = c.statistics
            chunks.append({
                "path": c.path_in_schema, "num_values": c.num_values,
                "null_count": s.null_count if s is not None else None,
                "min": plain(s.min) if s is not None and s.has_min_max else None,
                "max": plain(s.max) if s is not None and s.has_min_max else None,
            })
        groups.append({"num_rows": rg.num_rows, "columns": chunks})
    return {"parquet_schema": str(f.schema).split("\n", 1)[1], "row_groups": groups}


def main():
    path = sys.argv[1]
    f = pq.ParquetFile(path)
    table = f.read()
    out = {
        "jsonl": render(table),
        "arrow_schema": [f"{field.name}: {field.type}{'' if field.nullable else ' not null'}" for field in table.schema],
        "leaves": [],
    }
    out.update(describe(f))
    for i in range(len(f.schema)):
        c = f.schema.column(i)
        out["leaves"].append({
            "path": c.path, "physical": c.physical_type, "logical": str(c.logical_type),
            "converted": c.converted_type, "max_def": c.max_definition_level, "max_rep": c.max_repetition_level,
        })
    if len(sys.argv) > 4 and sys.argv[2] == "--rewrite":
        pq.write_table(table, sys.argv[3], row_group_size=int(sys.argv[4]), store_decimal_as_integer=True)
        out["rewrite"] = describe(pq.ParquetFile(sys.argv[3]))
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
