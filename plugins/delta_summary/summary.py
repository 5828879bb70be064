"""delta_summary: the task context arrives as JSON on stdin; results go to the result file."""
import json
import os
import sys

import pyarrow.compute as pc
from deltalake import DeltaTable


def table_path(name: str, context: dict) -> str:
    """An absolute path, a path relative to the task's working directory, or db.table in the lake."""
    if os.path.isabs(name):
        return name
    if "/" not in name and "." in name and context.get("lake_root"):
        db, table = name.split(".", 1)
        return os.path.join(context["lake_root"], db, table)
    return os.path.join(context.get("working_dir") or ".", name)


def main() -> int:
    context = json.load(sys.stdin)
    args = context["arguments"]
    path = table_path(args["table"], context)
    if not os.path.isdir(os.path.join(path, "_delta_log")):
        print(f"delta_summary: {path} is not a Delta table (no _delta_log)", file=sys.stderr)
        return 1
    table = DeltaTable(path)
    dataset = table.to_pyarrow_dataset()
    rows = dataset.count_rows()
    summary = {"table": args["table"], "version": table.version(), "rows": rows,
               "columns": [field.name for field in dataset.schema], "files": len(table.file_uris())}
    column = args.get("column")
    if column:
        values = dataset.to_table(columns=[column]).column(column)
        summary[column] = {"min": pc.min(values).as_py(), "max": pc.max(values).as_py(), "mean": pc.mean(values).as_py()}
    print(f"delta_summary: {path} version {summary['version']}: {rows} rows in {summary['files']} files")
    if rows < args.get("min_rows", 1):
        print(f"delta_summary: {rows} rows, fewer than min_rows={args['min_rows']}", file=sys.stderr)
        return 1
    with open(context["result_file"], "a", encoding="utf-8") as out:
        out.write(json.dumps({"xcom": "return_value", "value": summary}) + "\n")
        out.write(json.dumps({"xcom": "rows", "value": rows}) + "\n")
        out.write(json.dumps({"metric": "rows", "value": rows}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
