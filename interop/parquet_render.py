#!/usr/bin/env python3
"""pyarrow's reading of Parquet files, rendered as Sluice's JSONLines.render renders record batches.

    parquet_render.py FILE...

Prints one JSON object per file: {"file": FILE, "rows": N, "text": RENDERING} or, when pyarrow
cannot read it, {"file": FILE, "error": MESSAGE}. Uses the renderer of parquet_random.py.
"""
import json, sys
import pyarrow.parquet as pq
import parquet_random as pr

for path in sys.argv[1:]:
    try:
        table = pq.read_table(path)
        print(json.dumps({"file": path, "rows": table.num_rows, "text": pr.render(table)}, ensure_ascii=False))
    except Exception as error:  # reported, not raised: the caller decides what a refusal means
        print(json.dumps({"file": path, "error": f"{type(error).__name__}: {error}"}))
