#!/usr/bin/env python3
"""Write-side differential test of Sluice's Parquet writer: Sluice writes, pyarrow reads back.

    parquet_writeback.py generate --out DIR --seed S --count N
    parquet_writeback.py check --dir DIR

generate writes DIR/tNNN.parquet (a random flat table written by pyarrow, from parquet_random's
generator) and DIR/manifest.json, which names for every file the output Sluice must write
(tNNN.sluice.parquet) and the Sluice writer options to use: compression, page_version,
dictionary, row_group_rows (the `sluice parquet convert` options) and, for in-process writers
only, data_page_size. Deterministic for a given seed (and pyarrow version).

check reads every tNNN.sluice.parquet with pyarrow and compares it with tNNN.parquet as pyarrow
reads it: Arrow types (EXPECTED MAPPING below), values (exact; floats bitwise, any NaN equal to
any NaN), row-group count and rows per group, per row group and column the physical type,
logical type, codec, encodings, dictionary page and statistics (null_count, has_min_max, min and
max equal to pyarrow.compute.min_max of the group's data: strings bytewise, unsigned as unsigned;
floats computed in Python instead, NaN ignored, with the spec's zero rule: a zero minimum is
-0.0, a zero maximum +0.0);
then writes the expected table with pyarrow under the same options and cross-checks the
statistics pyarrow writes against Sluice's. Prints one JSON line per file,
{"file", "ok", "problems": [...], "row_groups"}, and exits 1 if any file has a problem.

EXPECTED MAPPING (what Sluice writes, as pyarrow reads it back; Sluice writes no ARROW:schema):
  bool, int8..int64, uint8..uint64, float32/64, date32, fixed_size_binary(n): unchanged
    (int32/int64 carry no logical type; the others INT(bits, signed))
  string, large_string -> string; binary, large_binary -> binary
  timestamp[s|ms|us|ns] -> timestamp[us] (INT64 TIMESTAMP(MICROS), what Delta Lake needs):
    s and ms values scaled up exactly, ns values floored to whole microseconds;
    any time zone -> tz "UTC" (isAdjustedToUTC=true), none -> none (isAdjustedToUTC=false)
  time32[s] -> time32[ms] (pyarrow itself stores seconds as TIME(MILLIS)), time32[ms] unchanged
    (INT32), time64[us|ns] unchanged (INT64); TIME(isAdjustedToUTC=false)
  decimal128(p, s): unchanged; INT32 for p <= 9, INT64 for p <= 18, else FIXED_LEN_BYTE_ARRAY of
    the fewest bytes holding p digits
"""
import argparse, json, math, os, random, struct, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import parquet_random as pr  # noqa: E402  (the random table generator)
import pyarrow as pa, pyarrow.compute as pc, pyarrow.parquet as pq, pyarrow.types as t  # noqa: E402

CODECS = {"snappy": "SNAPPY", "zstd": "ZSTD", "gzip": "GZIP", "none": "UNCOMPRESSED"}

# ---------------------------------------------------------------- generate

def sluice_options(rng, rows):
    # Small row groups only where they stay few (statistics are checked per group).
    sizes = [r for r in (1, 7, 50, 333, 1000) if rows // r <= 120] + [1 << 20, 1 << 20]
    opts = {"compression": rng.choice(list(CODECS)), "page_version": rng.choice([1, 2]),
            "dictionary": rng.random() < 0.6, "row_group_rows": rng.choice(sizes)}
    if rng.random() < 0.3: opts["data_page_size"] = rng.choice([64, 512, 4096])
    return opts

def input_options(rng):
    # Options that vary how the input is stored but not the types pyarrow and Sluice read from it.
    return {"compression": rng.choice(["none", "snappy", "gzip", "zstd", "lz4"]),
            "use_dictionary": rng.random() < 0.6, "data_page_version": rng.choice(["1.0", "2.0"]),
            "row_group_size": rng.choice([50, 333, 1 << 20])}

def one_signed(rng, table):
    # Zero is an extreme (the spec's -0.0 / +0.0 rule) mostly in float columns of one sign: make
    # half of them so, keeping NaNs and zeros of both signs as they are.
    columns = []
    for c in table.columns:
        if t.is_floating(c.type) and rng.random() < 0.5:
            sign = rng.choice([1.0, -1.0])
            values = [v if v is None or v == 0 or math.isnan(v) else math.copysign(v, sign) for v in c.to_pylist()]
            c = pa.array(values, type=c.type)
        columns.append(c)
    return pa.table(columns, names=table.column_names)

def without_ns(typ):
    """`typ` with nanosecond timestamps inside structs, lists and maps made microseconds: Sluice
    floors nanoseconds to microseconds, which the nested comparison (a plain cast) cannot express."""
    if t.is_struct(typ): return pa.struct([pa.field(f.name, without_ns(f.type), f.nullable) for f in typ])
    if t.is_map(typ): return pa.map_(without_ns(typ.key_type), pa.field("value", without_ns(typ.item_type), typ.item_field.nullable))
    if t.is_list(typ) or t.is_large_list(typ):
        make = pa.large_list if t.is_large_list(typ) else pa.list_
        return make(pa.field(typ.value_field.name, without_ns(typ.value_type), typ.value_field.nullable))
    if t.is_timestamp(typ) and typ.unit == "ns": return pa.timestamp("us", tz=typ.tz)
    return typ

def generate(out, seed, count, nested=0.0):
    os.makedirs(out, exist_ok=True)
    manifest = {"seed": seed, "pyarrow": pa.__version__, "files": []}
    for index in range(count):
        rng = random.Random(f"writeback/{seed}/{index}")
        table, densities = pr.random_table(rng, False, nested)
        table = pa.table([c.cast(without_ns(c.type), safe=False) if t.is_nested(c.type) else c for c in table.columns],
                         names=table.column_names)
        table = one_signed(rng, table)
        name = f"t{index:03d}"
        opts = input_options(rng)
        pq.write_table(table, os.path.join(out, name + ".parquet"), **opts)
        manifest["files"].append({
            "name": name, "input": name + ".parquet", "output": name + ".sluice.parquet", "rows": table.num_rows,
            "columns": [{"name": f.name, "type": str(f.type), "nulls": d} for f, d in zip(table.schema, densities)],
            "input_options": opts, "sluice": sluice_options(rng, table.num_rows),
        })
    with open(os.path.join(out, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1, ensure_ascii=False)

# ---------------------------------------------------------------- the expected mapping

def expected_type(typ):
    if t.is_struct(typ): return pa.struct([pa.field(f.name, expected_type(f.type), f.nullable) for f in typ])
    if t.is_map(typ):
        return pa.map_(pa.field("key", expected_type(typ.key_type), False),
                       pa.field("value", expected_type(typ.item_type), typ.item_field.nullable))
    if t.is_list(typ) or t.is_large_list(typ):
        return pa.list_(pa.field("element", expected_type(typ.value_type), typ.value_field.nullable))
    if t.is_large_string(typ): return pa.string()
    if t.is_large_binary(typ): return pa.binary()
    if t.is_timestamp(typ): return pa.timestamp("us", tz=None if typ.tz is None else "UTC")
    if t.is_time32(typ): return pa.time32("ms")
    return typ

def int_storage(typ):
    """The integer type a temporal type's values are compared as, or None."""
    if t.is_date32(typ) or t.is_time32(typ): return pa.int32()
    if t.is_timestamp(typ) or t.is_time64(typ): return pa.int64()
    return None

def expected_column(arr):
    """The column pyarrow should read from Sluice's file for the original column `arr`."""
    typ, want = arr.type, expected_type(arr.type)
    if t.is_timestamp(typ) or t.is_time32(typ):
        scale = {"s": 10**6, "ms": 1000, "us": 1, "ns": None}[typ.unit] if t.is_timestamp(typ) else \
            (1000 if typ.unit == "s" else 1)
        ints = arr.cast(int_storage(typ)).to_pylist()
        # ns -> us floors (toward negative infinity), Python's // does exactly that.
        conv = [None if v is None else (v // 1000 if scale is None else v * scale) for v in ints]
        return pa.array(conv, type=int_storage(want)).cast(want)
    if t.is_nested(typ): return arr.cast(want)
    return arr.cast(want) if want != typ else arr

def decimal_width(p):
    w = 1
    while 2 ** (8 * w - 1) - 1 < 10 ** p - 1: w += 1
    return w

def expected_physical(typ):
    if t.is_boolean(typ): return "BOOLEAN"
    if t.is_decimal(typ): return "INT32" if typ.precision <= 9 else "INT64" if typ.precision <= 18 else "FIXED_LEN_BYTE_ARRAY"
    if t.is_date32(typ) or t.is_time32(typ): return "INT32"
    if t.is_timestamp(typ) or t.is_time64(typ): return "INT64"
    if t.is_integer(typ): return "INT64" if typ.bit_width == 64 else "INT32"
    if t.is_float32(typ): return "FLOAT"
    if t.is_float64(typ): return "DOUBLE"
    if t.is_fixed_size_binary(typ): return "FIXED_LEN_BYTE_ARRAY"
    return "BYTE_ARRAY"

UNIT_NAMES = {"ms": "milliseconds", "us": "microseconds", "ns": "nanoseconds"}

def expected_logical(typ):
    if t.is_integer(typ):
        if typ in (pa.int32(), pa.int64()): return {"Type": "None"}
        return {"Type": "Int", "bitWidth": typ.bit_width, "isSigned": t.is_signed_integer(typ)}
    if t.is_string(typ): return {"Type": "String"}
    if t.is_date32(typ): return {"Type": "Date"}
    if t.is_timestamp(typ):
        return {"Type": "Timestamp", "isAdjustedToUTC": typ.tz is not None, "timeUnit": UNIT_NAMES[typ.unit],
                "is_from_converted_type": False, "force_set_converted_type": False}
    if t.is_time(typ): return {"Type": "Time", "isAdjustedToUTC": False, "timeUnit": UNIT_NAMES[typ.unit]}
    if t.is_decimal(typ): return {"Type": "Decimal", "precision": typ.precision, "scale": typ.scale}
    return {"Type": "None"}

# ---------------------------------------------------------------- comparison helpers

def same(a, b):
    """Exact equality; floats bitwise (as doubles: float32 widens exactly), any NaN equals any NaN."""
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b): return math.isnan(a) and math.isnan(b)
        return struct.pack("<d", a) == struct.pack("<d", b)
    return type(a) is type(b) and a == b

def show(v):
    if isinstance(v, float): return repr(v) if not math.isnan(v) else "NaN"
    if isinstance(v, (bytes, str)) and len(v) > 40: return repr(v[:40]) + f"...({len(v)})"
    return repr(v)

def comparable(arr):
    """Python values to compare: temporal types as their integers."""
    storage = int_storage(arr.type)
    return (arr.cast(storage) if storage else arr).to_pylist()

def first_value_difference(want, got):
    a, b = comparable(want), comparable(got)
    if len(a) != len(b): return f"{len(b)} values, expected {len(a)}"
    for i, (x, y) in enumerate(zip(a, b)):
        if not same(x, y): return f"row {i}: {show(y)}, expected {show(x)}"
    return None

def expected_stats(arr):
    """(null_count, has_min_max, min, max) pyarrow computes for a row group's slice `arr`."""
    nulls = arr.null_count
    if t.is_floating(arr.type):
        # Not pc.min_max: pyarrow 26 gets it wrong when a NaN has its sign bit set
        # (min_max([-5.0, -NaN, -1.0]) gives min -1.0), and random bit patterns make such NaNs.
        real = [v for v in arr.to_pylist() if v is not None and not math.isnan(v)]
        if not real: return nulls, False, None, None
        lo, hi = min(real), max(real)
        if lo == 0: lo = -0.0
        if hi == 0: hi = 0.0
        return nulls, True, lo, hi
    storage = int_storage(arr.type)
    mm = pc.min_max(arr.cast(storage) if storage else arr)
    lo, hi = mm["min"].as_py(), mm["max"].as_py()
    if lo is None: return nulls, False, None, None
    return nulls, True, lo, hi

def stat_value(stats, which, typ):
    """pyarrow's reading of a statistic: logical for most types, the raw integer for temporal ones."""
    if int_storage(typ): return getattr(stats, which + "_raw")
    return getattr(stats, which)

def stats_problems(where, stats, typ, want):
    nulls, has, lo, hi = want
    if stats is None: return [f"{where}: no statistics"]
    out = []
    if not stats.has_null_count or stats.null_count != nulls:
        out.append(f"{where}: null_count {stats.null_count if stats.has_null_count else 'unset'}, expected {nulls}")
    if stats.has_min_max != has:
        out.append(f"{where}: has_min_max {stats.has_min_max}, expected {has}"
                   + (f" (min {show(lo)}, max {show(hi)})" if has else ""))
    elif has:
        for which, value in (("min", lo), ("max", hi)):
            got = stat_value(stats, which, typ)
            if not same(value, got): out.append(f"{where}: {which} {show(got)}, expected {show(value)}")
    return out

# ---------------------------------------------------------------- check

def group_sizes(rows, per_group):
    # Sluice writes one (empty) row group for an empty table, as pyarrow does.
    if rows == 0: return [0]
    return [min(per_group, rows - start) for start in range(0, rows, per_group)]

def check_file(directory, entry, scratch):
    name = entry["name"]
    path = os.path.join(directory, entry["output"])
    if not os.path.exists(path): return [f"{entry['output']} missing (Sluice wrote nothing)"], 0
    original = pq.read_table(os.path.join(directory, entry["input"]))
    opts = entry["sluice"]
    pf = pq.ParquetFile(path)
    md, schema = pf.metadata, pf.schema
    got = pf.read()
    problems = []
    if got.column_names != original.column_names:
        return [f"columns {got.column_names}, expected {original.column_names}"], md.num_row_groups
    expected = pa.table([expected_column(c.combine_chunks()) for c in original.columns], names=original.column_names)
    leaves = {}  # top-level column -> its leaf (column chunk) indices
    for k in range(md.num_columns):
        leaves.setdefault(schema.column(k).path.split(".")[0], []).append(k)
    for j, name_j in enumerate(original.column_names):
        col = f"column '{name_j}' ({original.schema.field(j).type})"
        want_type, got_field = expected.schema.field(j).type, got.schema.field(j)
        if got_field.type != want_type:
            problems.append(f"{col}: pyarrow reads type {got_field.type}, expected {want_type}")
            continue
        if not got_field.nullable: problems.append(f"{col}: read as not nullable")
        if t.is_nested(want_type):
            # Values compared as rendered (exact floats, NaN as "NaN"); leaves' statistics below.
            want_text = pr.render_column(expected.column(j).combine_chunks())
            got_text = pr.render_column(got.column(j).combine_chunks())
            bad = next((i for i, (a, b) in enumerate(zip(want_text, got_text)) if a != b), None)
            if len(want_text) != len(got_text): problems.append(f"{col}: {len(got_text)} values, expected {len(want_text)}")
            elif bad is not None: problems.append(f"{col}: row {bad}: {got_text[bad][:200]}, expected {want_text[bad][:200]}")
            continue
        diff = first_value_difference(expected.column(j).combine_chunks(), got.column(j).combine_chunks())
        if diff: problems.append(f"{col}: {diff}")
        element = schema.column(leaves[name_j][0])
        logical = json.loads(element.logical_type.to_json())
        if logical != expected_logical(want_type):
            problems.append(f"{col}: logical type {logical}, expected {expected_logical(want_type)}")
        if t.is_decimal(want_type) and want_type.precision > 18 and element.length != decimal_width(want_type.precision):
            problems.append(f"{col}: FIXED_LEN_BYTE_ARRAY({element.length}), expected {decimal_width(want_type.precision)} bytes")
    if problems: return problems, md.num_row_groups

    sizes = group_sizes(original.num_rows, opts["row_group_rows"])
    actual_sizes = [md.row_group(i).num_rows for i in range(md.num_row_groups)]
    if actual_sizes != sizes or md.num_rows != original.num_rows:
        return [f"row groups of {actual_sizes} rows ({md.num_rows} in all), expected {sizes}"], md.num_row_groups

    # The same table and options written by pyarrow, for the cross check of statistics.
    reference = os.path.join(scratch, name + ".pyarrow.parquet")
    pq.write_table(expected, reference, row_group_size=opts["row_group_rows"], use_dictionary=opts["dictionary"],
                   compression=opts["compression"], data_page_version=f"{opts['page_version']}.0")
    ref = pq.ParquetFile(reference).metadata
    if ref.num_row_groups != md.num_row_groups:
        problems.append(f"vs pyarrow: {md.num_row_groups} row groups, pyarrow writes {ref.num_row_groups}")
        ref = None

    start = 0
    for g, size in enumerate(sizes):
        group = md.row_group(g)
        for j, name_j in enumerate(original.column_names):
            where = f"row group {g} column '{name_j}' ({original.schema.field(j).type})"
            typ = expected.schema.field(j).type
            if t.is_nested(typ):
                problems += nested_leaf_problems(where, group, ref.row_group(g) if ref is not None else None, leaves[name_j])
                continue
            chunk = group.column(leaves[name_j][0])
            data = expected.column(j).slice(start, size).combine_chunks()
            if chunk.physical_type != expected_physical(typ):
                problems.append(f"{where}: physical type {chunk.physical_type}, expected {expected_physical(typ)}")
            if chunk.compression != CODECS[opts["compression"]]:
                problems.append(f"{where}: codec {chunk.compression}, expected {CODECS[opts['compression']]}")
            if chunk.num_values != size:
                problems.append(f"{where}: num_values {chunk.num_values}, expected {size}")
            # A dictionary for every column but booleans, unless the group has no values.
            dictionary = opts["dictionary"] and not t.is_boolean(typ) and data.null_count < size
            want_enc = {"PLAIN", "RLE", "RLE_DICTIONARY"} if dictionary else {"PLAIN", "RLE"}
            if set(chunk.encodings) != want_enc or chunk.has_dictionary_page != dictionary:
                problems.append(f"{where}: encodings {sorted(chunk.encodings)}, dictionary page {chunk.has_dictionary_page}; "
                                f"expected {sorted(want_enc)}, {dictionary}")
            want = expected_stats(data)
            problems += stats_problems(where, chunk.statistics if chunk.is_stats_set else None, typ, want)
            if ref is not None:
                ours = chunk.statistics if chunk.is_stats_set else None
                theirs = ref.row_group(g).column(leaves[name_j][0]).statistics
                if theirs is not None and ours is not None:
                    for key in ("has_min_max", "null_count"):
                        if getattr(ours, key) != getattr(theirs, key):
                            problems.append(f"vs pyarrow: {where}: {key} {getattr(ours, key)}, pyarrow writes {getattr(theirs, key)}")
                    if ours.has_min_max and theirs.has_min_max:
                        for which in ("min", "max"):
                            a, b = stat_value(ours, which, typ), stat_value(theirs, which, typ)
                            if not same(b, a):
                                problems.append(f"vs pyarrow: {where}: {which} {show(a)}, pyarrow writes {show(b)}")
        start += size
    os.remove(reference)
    return problems, md.num_row_groups

def expected_decimal_physical(logical):
    return expected_physical(pa.decimal128(json.loads(logical.to_json())["precision"], 0))

def nested_leaf_problems(where, group, theirs, indices):
    """A nested column's leaves against pyarrow's own writing of the same rows: path, physical
    type, level entries, null count and min/max (compared raw)."""
    if theirs is None: return [f"{where}: pyarrow's reference file has other row groups"]
    out = []
    for k in indices:
        a, b = group.column(k), theirs.column(k)
        leaf = f"{where} leaf '{a.path_in_schema}'"
        # Decimals: Sluice stores p <= 18 as INT32/INT64 where pyarrow writes FIXED_LEN_BYTE_ARRAY;
        # their statistics are then compared as decimal values rather than raw bytes.
        decimal_leaf = "Decimal" in a.statistics.logical_type.to_json() if a.is_stats_set else False
        if a.path_in_schema != b.path_in_schema or (a.physical_type != b.physical_type and not decimal_leaf):
            out.append(f"{leaf}: {a.physical_type}, pyarrow writes '{b.path_in_schema}' {b.physical_type}")
            continue
        if decimal_leaf and a.physical_type != expected_decimal_physical(a.statistics.logical_type):
            out.append(f"{leaf}: {a.physical_type} for {a.statistics.logical_type}")
        if a.num_values != b.num_values: out.append(f"{leaf}: num_values {a.num_values}, pyarrow writes {b.num_values}")
        ours = a.statistics if a.is_stats_set else None
        ref = b.statistics if b.is_stats_set else None
        if ours is None or ref is None:
            if ref is not None: out.append(f"{leaf}: no statistics, pyarrow writes some")
            continue
        if ours.null_count != ref.null_count: out.append(f"{leaf}: null_count {ours.null_count}, pyarrow writes {ref.null_count}")
        if ours.has_min_max != ref.has_min_max:
            out.append(f"{leaf}: has_min_max {ours.has_min_max}, pyarrow writes {ref.has_min_max}")
        elif ours.has_min_max:
            for which in (("min", "max") if decimal_leaf else ("min_raw", "max_raw")):
                x, y = getattr(ours, which), getattr(ref, which)
                if not same(y, x): out.append(f"{leaf}: {which} {show(x)}, pyarrow writes {show(y)}")
    return out

def check(directory):
    with open(os.path.join(directory, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    failed = 0
    with tempfile.TemporaryDirectory(prefix="sluice-writeback-") as scratch:
        for entry in manifest["files"]:
            try:
                problems, groups = check_file(directory, entry, scratch)
            except Exception as error:  # a file pyarrow cannot read at all
                problems, groups = [f"pyarrow cannot read it: {type(error).__name__}: {error}"], 0
            failed += bool(problems)
            print(json.dumps({"file": entry["output"], "ok": not problems, "problems": problems, "row_groups": groups},
                             ensure_ascii=False), flush=True)
    print(f"{len(manifest['files']) - failed} of {len(manifest['files'])} files match", file=sys.stderr)
    return 1 if failed else 0

def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="mode", required=True)
    g = sub.add_parser("generate")
    g.add_argument("--out", required=True)
    g.add_argument("--seed", type=int, required=True)
    g.add_argument("--count", type=int, required=True)
    g.add_argument("--nested", type=float, default=0.0, help="chance that a column is a struct, list or map")
    c = sub.add_parser("check")
    c.add_argument("--dir", required=True)
    args = ap.parse_args()
    if args.mode == "generate":
        generate(args.out, args.seed, args.count, args.nested)
    else:
        sys.exit(check(args.dir))

if __name__ == "__main__":
    main()
