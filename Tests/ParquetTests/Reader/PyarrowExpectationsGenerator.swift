// The script that produced PyarrowExpectations.swift, kept here (inside a comment, so the test
// target needs no resource rules) to regenerate it:
//
//     /tmp/pyenv/bin/python <this script> Tests/ParquetTests/Reader/PyarrowExpectations.swift
//
// It needs pyarrow and numpy and the corpus at /work/shared/conformance/parquet.

/*
# Renders each corpus file (or the columns of it pyarrow reads) with pyarrow the way Columnar's
# JSONLines.render does, and writes a Swift fixture table.
import base64, json, math, os, sys
import numpy as np
import pyarrow as pa, pyarrow.parquet as pq, pyarrow.types as t

DATA = "/work/shared/conformance/parquet/data"

def civil(days):
    z = days + 719468
    era = (z if z >= 0 else z - 146096) // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return yoe + era * 400 + (1 if m <= 2 else 0), m, d

def date_text(days):
    y, m, d = civil(days)
    ys = str(y).zfill(4) if 0 <= y <= 9999 else ("-" if y < 0 else "+") + str(abs(y)).zfill(4)
    return f"{ys}-{m:02d}-{d:02d}"

TPS = {"s": 1, "ms": 1000, "us": 10**6, "ns": 10**9}
def frac(ticks, unit):
    if unit == "s": return ".000000"
    if unit == "ms": return "." + str(ticks * 1000).zfill(6)
    if unit == "us": return "." + str(ticks).zfill(6)
    return "." + str(ticks).zfill(9)

def clock(s):
    return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"

def ts_text(v, unit, utc):
    # Swift's quotientAndRemainder truncates; the floor fix-up gives floor division, as Python's.
    secs, ticks = divmod(v, TPS[unit])
    days, sod = divmod(secs, 86400)
    return date_text(days) + "T" + clock(sod) + frac(ticks, unit) + ("Z" if utc else "")

def time_text(v, unit):
    secs, ticks = divmod(v, TPS[unit])
    return clock(secs) + frac(ticks, unit)

def dec_text(unscaled, scale):
    digits = str(abs(unscaled))
    if scale <= 0:
        if unscaled != 0: digits += "0" * (-scale)
    else:
        if len(digits) <= scale: digits = "0" * (scale - len(digits) + 1) + digits
        digits = digits[:-scale] + "." + digits[-scale:]
    return ("-" if unscaled < 0 else "") + digits

def jstr(s):
    return json.dumps(s, ensure_ascii=False)

def float_text(v, single):
    if math.isnan(v): return '"NaN"'
    if math.isinf(v): return '"Infinity"' if v > 0 else '"-Infinity"'
    if single:
        r = str(np.float32(v))
    else:
        r = repr(float(v))
    if "e" not in r and "." not in r and "inf" not in r and "nan" not in r: r += ".0"
    return r

def key_text(rendered):
    return rendered if rendered.startswith('"') else jstr(rendered)

def render_column(arr):
    typ = arr.type
    n = len(arr)
    valid = arr.is_valid().to_pylist()
    if t.is_struct(typ):
        children = [render_column(c) for c in arr.flatten()]
        names = [typ.field(i).name for i in range(typ.num_fields)]
        vals = ["{" + ",".join(jstr(k) + ":" + c[i] for k, c in zip(names, children)) + "}" for i in range(n)]
    elif t.is_map(typ):
        offsets = arr.offsets.to_pylist()
        keys, items = render_column(arr.keys), render_column(arr.items)
        base = offsets[0] if offsets else 0
        vals = ["{" + ",".join(key_text(keys[j - base]) + ":" + items[j - base] for j in range(offsets[i], offsets[i + 1])) + "}"
                for i in range(n)]
    elif t.is_list(typ) or t.is_large_list(typ):
        offsets = arr.offsets.to_pylist()
        items = render_column(arr.values)
        vals = ["[" + ",".join(items[offsets[i]:offsets[i + 1]]) + "]" for i in range(n)]
    elif t.is_null(typ):
        vals = ["null"] * n
    elif t.is_timestamp(typ):
        ints = arr.cast(pa.int64()).to_pylist()
        vals = [jstr(ts_text(v, typ.unit, typ.tz is not None)) for v in map(lambda x: x or 0, ints)]
    elif t.is_date32(typ):
        ints = arr.cast(pa.int32()).to_pylist()
        vals = [jstr(date_text(v or 0)) for v in ints]
    elif t.is_time(typ):
        ints = arr.cast(pa.int64() if t.is_time64(typ) else pa.int32()).to_pylist()
        vals = [jstr(time_text(v or 0, typ.unit)) for v in ints]
    elif t.is_decimal(typ):
        vals = []
        for v in arr.to_pylist():
            vals.append(jstr(dec_text(int(v.scaleb(typ.scale)), typ.scale)) if v is not None else None)
    elif t.is_float16(typ):
        # Sluice reads FLOAT16 as float32 (exact): render the values as float32s.
        vals = [float_text(float(v), True) if v is not None else None for v in arr.to_pylist()]
    elif t.is_floating(typ):
        vals = [float_text(v, t.is_float32(typ)) if v is not None else None for v in arr.to_pylist()]
    elif t.is_boolean(typ):
        vals = ["true" if v else "false" for v in arr.to_pylist()]
    elif t.is_integer(typ):
        vals = [str(v) if v is not None else None for v in arr.to_pylist()]
    elif t.is_string(typ) or t.is_large_string(typ):
        vals = [jstr(v) if v is not None else None for v in arr.to_pylist()]
    elif t.is_binary(typ) or t.is_large_binary(typ) or t.is_fixed_size_binary(typ):
        vals = [jstr(base64.b64encode(v).decode()) if v is not None else None for v in arr.to_pylist()]
    else:
        raise ValueError(f"unhandled type {typ}")
    return [v if ok else "null" for v, ok in zip(vals, valid)]

def render(table):
    cols = [render_column(c.combine_chunks()) for c in table.columns]
    lines = []
    for i in range(table.num_rows):
        lines.append("{" + ",".join(jstr(name) + ":" + col[i] for name, col in zip(table.column_names, cols)) + "}\n")
    return "".join(lines)

def fnv(text):
    h = 0xcbf29ce484222325
    for b in text.encode():
        h ^= b
        h = (h * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h

def readable(typ):
    if t.is_dictionary(typ) or t.is_decimal256(typ): return False
    if t.is_struct(typ): return all(readable(typ.field(i).type) for i in range(typ.num_fields))
    if t.is_map(typ): return readable(typ.key_type) and readable(typ.item_type)
    if t.is_list(typ) or t.is_large_list(typ): return readable(typ.value_type)
    return True

def swift_literal(s):
    if not s: return '""'
    return '#"""\n' + s.rstrip("\n") + '\n"""# + "\\n"'

entries = []
geo = ["geospatial/" + x for x in sorted(os.listdir(os.path.join(DATA, "geospatial")))]
for name in sorted(os.listdir(DATA)) + geo + ["../bad_data/ARROW-GH-43605.parquet"]:
    if not name.endswith(".parquet"): continue
    try:
        schema = pq.read_schema(os.path.join(DATA, name))
    except Exception as e:
        print("skip", name, e, file=sys.stderr); continue
    cols = [f.name for f in schema if readable(f.type)]
    projected = len(cols) != len(schema)
    if not cols: continue
    try:
        table = pq.read_table(os.path.join(DATA, name), columns=cols)
    except Exception as e:
        print("skip", name, e, file=sys.stderr); continue
    try:
        text = render(table)
    except Exception as e:
        print("skip", name, e, file=sys.stderr); continue
    full = len(text.encode()) <= 6000
    head = "".join(text.splitlines(keepends=True)[:3])
    entries.append((name, cols if projected else None, table.num_rows, fnv(text), text if full else head, full))
    print(name, table.num_rows, "full" if full else "hashed", "projected" if projected else "", file=sys.stderr)

out = ["// Generated by the script in PyarrowExpectationsGenerator.swift from pyarrow " + pa.__version__ + "; do not edit.",
       "// Each entry: the file, the columns read (nil = all), the row count, the FNV-1a 64 hash of the",
       "// whole JSONL rendering, and either the whole rendering or its first three lines.", "",
       "struct ExpectedRendering: Sendable {",
       "    var file: String", "    var columns: [String]?", "    var rows: Int", "    var hash: UInt64",
       "    var text: String", "    var isComplete: Bool", "}", "",
       "let pyarrowExpectations: [ExpectedRendering] = ["]
for name, cols, rows, h, text, full in entries:
    c = "nil" if cols is None else "[" + ", ".join(jstr(x) for x in cols) + "]"
    body = text.replace("\\", "\\\\") if False else text
    out.append(f"    ExpectedRendering(\n        file: {jstr(name)}, columns: {c}, rows: {rows}, hash: 0x{h:016x},\n        text: {swift_literal(text)},\n        isComplete: {'true' if full else 'false'}),")
out.append("]")
open(sys.argv[1], "w").write("\n".join(out) + "\n")
*/
