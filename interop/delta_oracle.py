#!/usr/bin/env python3
"""delta-rs's reading of Delta tables, rendered as Sluice's JSONLines.render renders rows.

    delta_oracle.py TABLE [TABLE ...] [--version N | --all-versions]

Prints one JSON object per table (per version with --all-versions, from 0 to the latest):
{"table", "version", "files": [data file paths, sorted], "rows": [rendered row, ...] (sorted)};
"rows" is replaced by "error" when delta-rs cannot read the rows (e.g. a data file is missing),
and "files" too when it cannot even load the log. Rows come from delta-rs's DataFusion query
engine (QueryBuilder), which applies deletion vectors and reads v2 checkpoints; values are cast
to plain Arrow types (views and dictionaries decoded) and rendered by parquet_random.render.
"""
import argparse, json, sys
import pyarrow as pa, pyarrow.types as t
from deltalake import DeltaTable, QueryBuilder
import parquet_random as pr

def plain(typ):
    """`typ` with string/binary views, large variants and dictionaries replaced by plain types."""
    if t.is_dictionary(typ): return plain(typ.value_type)
    if t.is_string_view(typ) or t.is_large_string(typ): return pa.string()
    if t.is_binary_view(typ) or t.is_large_binary(typ): return pa.binary()
    if t.is_struct(typ): return pa.struct([pa.field(f.name, plain(f.type), f.nullable) for f in typ])
    if t.is_list_view(typ) or t.is_large_list(typ) or t.is_list(typ):
        return pa.list_(pa.field(typ.value_field.name, plain(typ.value_type), typ.value_field.nullable))
    if t.is_map(typ):
        return pa.map_(plain(typ.key_type), pa.field("value", plain(typ.item_type), typ.item_field.nullable))
    return typ

def files(dt):
    actions = pa.table(dt.get_add_actions(flatten=True))
    return sorted(actions.column("path").to_pylist())

def rows(dt):
    table = pa.table(QueryBuilder().register("t", dt).execute("select * from t").read_all())
    table = pa.table([c.cast(plain(c.type)) for c in table.columns], names=table.column_names)
    return sorted(pr.render(table).splitlines())

def report(path, version):
    out = {"table": path, "version": version}
    try:
        dt = DeltaTable(path, version=version)
        out["version"] = dt.version()
        out["files"] = files(dt)
    except Exception as error:  # reported: the caller pins what each refusal means
        out["error"] = f"{type(error).__name__}: {str(error)[:300]}"
        return out
    try:
        out["rows"] = rows(dt)
    except Exception as error:
        out["error"] = f"{type(error).__name__}: {str(error)[:300]}"
    return out

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tables", nargs="+")
    ap.add_argument("--version", type=int)
    ap.add_argument("--all-versions", action="store_true")
    args = ap.parse_args()
    for path in args.tables:
        versions = [args.version]
        if args.all_versions:
            try:
                versions = list(range(DeltaTable(path).version() + 1))
            except Exception:
                versions = [None]
        for version in versions:
            print(json.dumps(report(path, version), ensure_ascii=False), flush=True)

if __name__ == "__main__":
    main()
