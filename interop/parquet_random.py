#!/usr/bin/env python3
"""Random flat Parquet files for the differential test of Sluice's Parquet reader.

    parquet_random.py --out DIR --seed S --count N

Writes DIR/tNNN.parquet (a random flat table written by pyarrow with random writer options),
DIR/tNNN.jsonl (pyarrow's reading of that file rendered exactly as Columnar's JSONLines.render
renders record batches) and DIR/manifest.json (files, writer options, column types, row counts).
The output depends only on the seed and count (and the pyarrow version).

Needs only pyarrow (no numpy). The renderer below is shared: parquet_writeback.py,
parquet_inspect.py, parquet_render.py, parquet_corpus_expectations.py and delta_oracle.py import it.
"""
import argparse, base64, decimal, json, math, os, random, struct, sys
import pyarrow as pa, pyarrow.parquet as pq, pyarrow.types as t

# ---------------------------------------------------------------- rendering (matches JSONLines)

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

def f32(v):
    return struct.unpack("<f", struct.pack("<f", v))[0]

def exponential(r):
    # "1234567.0" -> "1.234567e+06", the layout Python's repr and Swift use for exponents.
    sign, digits, exp = decimal.Decimal(r).normalize().as_tuple()
    digits = "".join(map(str, digits))
    e = exp + len(digits) - 1
    mant = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return ("-" if sign else "") + mant + "e" + ("+" if e >= 0 else "-") + f"{abs(e):02d}"

def float_text(v, single):
    if math.isnan(v): return '"NaN"'
    if math.isinf(v): return '"Infinity"' if v > 0 else '"-Infinity"'
    if single:
        # Shortest decimal that round-trips through float32 (the digits Swift's Float.description
        # prints), laid out the way Python's repr lays out a double.
        for p in range(1, 10):
            s = "%.*g" % (p, v)
            if f32(float(s)) == v: break
        r = repr(float(s))
    else:
        r = repr(float(v))
    # Swift lays out positionally for 1e-4 <= |v| <= 2^24 (Float) or 2^53 (Double), Python's
    # repr for 1e-4 <= |v| < 1e16: the values in between take Swift's exponential form.
    if "e" not in r and abs(v) > (2.0 ** 24 if single else 2.0 ** 53):
        r = exponential(r)
    if "e" not in r and "." not in r and "inf" not in r and "nan" not in r: r += ".0"
    return r

DEC_CTX = decimal.Context(prec=80)

def render_key(text):
    # Map keys are JSON object keys: a value that does not render as a string is quoted.
    return text if text.startswith('"') else jstr(text)

def render_column(arr):
    typ = arr.type
    valid = arr.is_valid().to_pylist()
    if t.is_struct(typ):
        # flatten() applies the struct's own offset to its children.
        names = [jstr(typ.field(i).name) + ":" for i in range(typ.num_fields)]
        children = [render_column(child) for child in arr.flatten()]
        vals = ["{" + ",".join(k + child[i] for k, child in zip(names, children)) + "}" for i in range(len(arr))]
    elif t.is_map(typ):
        # Offsets index the (unsliced) key/value struct; flatten() keeps its indices.
        offsets = arr.offsets.to_pylist()
        keys, items = (render_column(child) for child in arr.values.flatten())
        vals = ["{" + ",".join(render_key(keys[j]) + ":" + items[j] for j in range(offsets[i], offsets[i + 1])) + "}"
                for i in range(len(arr))]
    elif t.is_list(typ) or t.is_large_list(typ):
        offsets = arr.offsets.to_pylist()
        items = render_column(arr.values)
        vals = ["[" + ",".join(items[offsets[i]:offsets[i + 1]]) + "]" for i in range(len(arr))]
    elif t.is_null(typ):
        vals = [None] * len(arr)
    elif t.is_timestamp(typ):
        ints = arr.cast(pa.int64()).to_pylist()
        vals = [jstr(ts_text(v or 0, typ.unit, typ.tz is not None)) for v in ints]
    elif t.is_date32(typ):
        ints = arr.cast(pa.int32()).to_pylist()
        vals = [jstr(date_text(v or 0)) for v in ints]
    elif t.is_time(typ):
        ints = arr.cast(pa.int64() if t.is_time64(typ) else pa.int32()).to_pylist()
        vals = [jstr(time_text(v or 0, typ.unit)) for v in ints]
    elif t.is_decimal(typ):
        vals = [jstr(dec_text(int(v.scaleb(typ.scale, context=DEC_CTX)), typ.scale)) if v is not None else None
                for v in arr.to_pylist()]
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
    keys = [jstr(name) + ":" for name in table.column_names]
    lines = []
    for i in range(table.num_rows):
        lines.append("{" + ",".join(k + col[i] for k, col in zip(keys, cols)) + "}\n")
    return "".join(lines)

# ---------------------------------------------------------------- random tables

INT_RANGES = {
    "int8": (-2**7, 2**7 - 1), "int16": (-2**15, 2**15 - 1), "int32": (-2**31, 2**31 - 1),
    "int64": (-2**63, 2**63 - 1), "uint8": (0, 2**8 - 1), "uint16": (0, 2**16 - 1),
    "uint32": (0, 2**32 - 1), "uint64": (0, 2**64 - 1),
}
DECIMALS = [(1, 0), (5, 2), (9, 3), (10, 0), (18, 6), (19, 4), (28, 10), (38, 0), (38, 12), (38, 38)]
TEXT_PIECES = ["a", "b", "xyz", "é", "日本", "🙂", " ", '"', "\\", "\n", "\t", "\x01", "ß", "Ω", "0", "long-" * 5]
TYPE_KINDS = ["bool", "int", "int", "float32", "float64", "string", "string", "binary", "date32",
              "timestamp", "timestamp", "decimal", "fixed", "time", "large"]
# Day numbers for years 0001 .. 9999 (what a timestamp in ms/us can hold and the renderer writes).
DAY_MIN, DAY_MAX = -719162, 2932896

def pick_type(rng):
    kind = rng.choice(TYPE_KINDS)
    if kind == "bool": return pa.bool_()
    if kind == "int": return pa.type_for_alias(rng.choice(list(INT_RANGES)))
    if kind == "float32": return pa.float32()
    if kind == "float64": return pa.float64()
    if kind == "string": return pa.string()
    if kind == "binary": return pa.binary()
    if kind == "date32": return pa.date32()
    if kind == "timestamp":
        # Seconds are stored as milliseconds; any time zone means "adjusted to UTC" in Parquet.
        unit = rng.choice(["s", "ms", "us", "ns"])
        return pa.timestamp(unit, tz=rng.choice([None, None, "UTC", "UTC", "Europe/Paris", "+05:30"]))
    if kind == "time":
        return rng.choice([pa.time32("s"), pa.time32("ms"), pa.time64("us"), pa.time64("ns")])
    if kind == "large": return rng.choice([pa.large_string(), pa.large_binary()])
    if kind == "decimal": return pa.decimal128(*rng.choice(DECIMALS))
    return pa.binary(rng.choice([1, 2, 3, 7, 16]))

def random_float(rng, single):
    r = rng.random()
    if r < 0.04: return math.nan
    if r < 0.06: return math.inf
    if r < 0.08: return -math.inf
    if r < 0.10: return -0.0
    if r < 0.12: return 0.0
    if r < 0.25: return float(rng.randint(-1000, 1000))
    if r < 0.45:  # any bit pattern: subnormals, huge values, NaN payloads (all render "NaN")
        if single: return struct.unpack("<f", struct.pack("<I", rng.getrandbits(32)))[0]
        return struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0]
    if r < 0.55:  # around the positional/exponential switch (2^24 for Float, 2^53 for Double)
        v = float(rng.randint(2**23, 2**26) if single else rng.randint(2**52, 2**55)) * rng.choice([1, -1])
        return f32(v) if single else v
    v = rng.uniform(-1, 1) * 10 ** rng.randint(-6, 8 if single else 17)
    return f32(v) if single else v

def random_text(rng):
    return "".join(rng.choice(TEXT_PIECES) for _ in range(rng.choice([0, 0, 1, 2, 3, 8])))

def random_value(rng, typ, state, int96):
    # `state` holds a small pool per column so values repeat (dictionary encoding matters).
    if state["pool"] and rng.random() < state["repeat"]:
        return rng.choice(state["pool"])
    v = fresh_value(rng, typ, int96)
    if len(state["pool"]) < 20: state["pool"].append(v)
    return v

def fresh_value(rng, typ, int96):
    if t.is_boolean(typ): return rng.random() < 0.5
    if t.is_integer(typ):
        lo, hi = INT_RANGES[str(typ)]
        r = rng.random()
        if r < 0.1: return rng.choice([lo, hi, 0])
        if r < 0.5: return rng.randint(max(lo, -100), min(hi, 100))
        return rng.randint(lo, hi)
    if t.is_float32(typ): return random_float(rng, True)
    if t.is_float64(typ): return random_float(rng, False)
    if t.is_string(typ) or t.is_large_string(typ): return random_text(rng)
    if t.is_fixed_size_binary(typ): return bytes(rng.randrange(256) for _ in range(typ.byte_width))
    if t.is_binary(typ) or t.is_large_binary(typ): return bytes(rng.randrange(256) for _ in range(rng.choice([0, 1, 3, 10, 40])))
    if t.is_date32(typ): return rng.randint(DAY_MIN, DAY_MAX) if rng.random() < 0.5 else rng.randint(-20000, 40000)
    if t.is_timestamp(typ):
        if int96:  # INT96 is read back as nanoseconds: stay within what they can hold
            return rng.randint(-2**63 + 1, 2**63 - 1) // (10**9 // TPS[typ.unit])
        if typ.unit == "ns": return rng.randint(-2**63 + 1, 2**63 - 1)
        per_day = 86400 * TPS[typ.unit]
        return rng.randint(DAY_MIN * per_day, (DAY_MAX + 1) * per_day - 1)
    if t.is_time(typ): return rng.randrange(86400 * TPS[typ.unit])
    if t.is_decimal(typ):
        digits = rng.randint(0, typ.precision)
        unscaled = rng.randint(-(10 ** digits - 1), 10 ** digits - 1)
        return decimal.Decimal(unscaled).scaleb(-typ.scale, context=DEC_CTX)
    raise ValueError(typ)

def pick_nested_type(rng, depth=0):
    """A struct, list or map whose children are primitives or (to depth 3) nested again."""
    def child():
        return pick_nested_type(rng, depth + 1) if depth < 2 and rng.random() < 0.35 else pick_type(rng)
    kind = rng.choice(["struct", "list", "list", "map", "large_list"])
    if kind == "struct":
        return pa.struct([pa.field(f"f{i}", child(), nullable=rng.random() < 0.8) for i in range(rng.randint(1, 3))])
    if kind == "map":
        key = rng.choice([pa.string(), pa.int32(), pa.int64(), pa.date32()])
        return pa.map_(key, pa.field("value", child(), nullable=rng.random() < 0.8))
    item = pa.field("element", child(), nullable=rng.random() < 0.8)
    return pa.large_list(item) if kind == "large_list" else pa.list_(item)

def nested_value(rng, typ, state, nullable=True):
    """A random value of a nested (or primitive) type; `state` per type path keeps pools small."""
    if nullable and rng.random() < state.setdefault("null_p", rng.choice([0.0, 0.1, 0.4])):
        return None
    if t.is_struct(typ):
        return {typ.field(i).name: nested_value(rng, typ.field(i).type, state.setdefault(i, {}), typ.field(i).nullable)
                for i in range(typ.num_fields)}
    if t.is_map(typ):
        keys = {}
        for _ in range(rng.choice([0, 0, 1, 2, 3, 5])):
            k = random_value(rng, typ.key_type, state.setdefault("k", {"pool": [], "repeat": 0.3}), False)
            keys[k] = nested_value(rng, typ.item_type, state.setdefault("v", {}), typ.item_field.nullable)
        return list(keys.items())
    if t.is_list(typ) or t.is_large_list(typ):
        return [nested_value(rng, typ.value_type, state.setdefault("e", {}), typ.value_field.nullable)
                for _ in range(rng.choice([0, 0, 1, 2, 3, 7]))]
    pool = state.setdefault("p", {"pool": [], "repeat": rng.choice([0.0, 0.5, 0.95])})
    return random_value(rng, typ, pool, False)

def to_storage(typ):
    """The type pa.array can build from Python ints for dates, times and timestamps at any depth."""
    if t.is_struct(typ):
        return pa.struct([pa.field(f.name, to_storage(f.type), f.nullable) for f in typ])
    if t.is_map(typ):
        return pa.map_(to_storage(typ.key_type), pa.field("value", to_storage(typ.item_type), typ.item_field.nullable))
    if t.is_list(typ) or t.is_large_list(typ):
        make = pa.large_list if t.is_large_list(typ) else pa.list_
        return make(pa.field(typ.value_field.name, to_storage(typ.value_type), typ.value_field.nullable))
    if t.is_date32(typ) or t.is_time32(typ): return pa.int32()
    if t.is_timestamp(typ) or t.is_time64(typ): return pa.int64()
    return typ

def random_column(rng, typ, rows, int96):
    density = rng.choice(["none", "none", "some", "all"])
    null_p = 0.0 if density == "none" else 1.0 if density == "all" else rng.choice([0.05, 0.3, 0.7])
    state = {"pool": [], "repeat": rng.choice([0.0, 0.5, 0.95])}
    values = [None if rng.random() < null_p else random_value(rng, typ, state, int96) for _ in range(rows)]
    if t.is_date32(typ) or t.is_timestamp(typ) or t.is_time(typ):
        storage = pa.int32() if t.is_date32(typ) or t.is_time32(typ) else pa.int64()
        return pa.array(values, type=storage).cast(typ), density
    return pa.array(values, type=typ), density

def random_options(rng, schema, int96):
    opts = {
        "compression": rng.choice(["none", "snappy", "gzip", "zstd", "lz4"]),
        "use_dictionary": rng.random() < 0.6,
        "data_page_version": rng.choice(["1.0", "2.0"]),
        "row_group_size": rng.choice([50, 333, 1000, 1024 * 1024]),
        "write_statistics": rng.random() < 0.7,
    }
    if int96: opts["use_deprecated_int96_timestamps"] = True
    if rng.random() < 0.3: opts["data_page_size"] = rng.choice([64, 512, 4096])
    if rng.random() < 0.2: opts["write_batch_size"] = rng.choice([7, 100])
    if rng.random() < 0.2: opts["dictionary_pagesize_limit"] = rng.choice([64, 1024])
    if rng.random() < 0.2: opts["store_decimal_as_integer"] = True
    if rng.random() < 0.2: opts["write_page_index"] = True
    if rng.random() < 0.2: opts["write_page_checksum"] = True
    if rng.random() < 0.2: opts["max_rows_per_page"] = rng.choice([1, 10, 300])
    if rng.random() < 0.1: opts["use_content_defined_chunking"] = True
    if rng.random() < 0.1: opts["write_time_adjusted_to_utc"] = True
    if rng.random() < 0.1:
        # (pyarrow builds no bloom filter for booleans)
        opts["bloom_filter_options"] = {f.name: {"ndv": 100, "fpp": 0.05} for f in schema
                                        if not t.is_boolean(f.type) and not t.is_nested(f.type) and rng.random() < 0.5}
    if rng.random() < 0.1:
        opts["sorting_columns"] = [{"column_index": 0, "descending": rng.random() < 0.5}]  # (JSON for the manifest)
    if rng.random() < 0.2: opts["store_schema"] = False
    if rng.random() < 0.2:
        # 1.0 and 2.4 have no nanosecond logical types: pyarrow would coerce (and refuse to truncate).
        has_ns = any(getattr(f.type, "unit", None) == "ns" for f in schema)
        opts["version"] = "2.6" if has_ns else rng.choice(["1.0", "2.4", "2.6"])
    if opts["compression"] in ("gzip", "zstd") and rng.random() < 0.3:
        opts["compression_level"] = rng.choice([1, 9])
    if rng.random() < 0.5:
        encodings = {}
        for field in schema:
            typ = field.type
            choices = []
            if t.is_timestamp(typ) and opts.get("use_deprecated_int96_timestamps"):
                choices = []  # INT96 takes neither DELTA_BINARY_PACKED nor BYTE_STREAM_SPLIT
            elif t.is_integer(typ) or t.is_date32(typ) or t.is_timestamp(typ) or t.is_time(typ):
                choices = ["DELTA_BINARY_PACKED", "DELTA_BINARY_PACKED", "BYTE_STREAM_SPLIT"]
            elif t.is_fixed_size_binary(typ):
                choices = ["BYTE_STREAM_SPLIT", "DELTA_BYTE_ARRAY"]
            elif t.is_decimal(typ):
                choices = ["BYTE_STREAM_SPLIT"]  # FIXED_LEN_BYTE_ARRAY, or INT32/INT64 as integers
            elif t.is_string(typ) or t.is_binary(typ) or t.is_large_string(typ) or t.is_large_binary(typ):
                choices = ["DELTA_LENGTH_BYTE_ARRAY", "DELTA_BYTE_ARRAY"]
            elif t.is_floating(typ):
                choices = ["BYTE_STREAM_SPLIT"]
            elif t.is_boolean(typ):
                choices = ["RLE"]
            if choices and rng.random() < 0.8:
                encodings[field.name] = rng.choice(choices)
        if encodings:
            opts["column_encoding"] = encodings
            # Columns with an explicit encoding must not use a dictionary.
            if opts["use_dictionary"]:
                opts["use_dictionary"] = [f.name for f in schema if f.name not in encodings]
    return opts

def random_table(rng, int96, nested=0.0):
    ncols = rng.randint(1, 8)
    rows = rng.choice([0, 1, 2, rng.randint(3, 100), rng.randint(100, 1000), rng.randint(1000, 5000)])
    arrays, names, densities = [], [], []
    for i in range(ncols):
        if not int96 and rng.random() < nested:
            typ = pick_nested_type(rng)
            state = {}
            values = [nested_value(rng, typ, state) for _ in range(rows)]
            arrays.append(pa.array(values, type=to_storage(typ)).cast(typ))
            names.append(f"n{i}")
            densities.append("nested")
            continue
        typ = pick_type(rng)
        arr, density = random_column(rng, typ, rows, int96)
        arrays.append(arr)
        names.append(rng.choice([f"c{i}", f"c{i}", f"col_{i}_ü"]))
        densities.append(density)
    return pa.Table.from_arrays(arrays, names=names), densities

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--nested", type=float, default=0.0, help="chance that a column is a struct, list or map")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    manifest = {"seed": args.seed, "pyarrow": pa.__version__, "files": []}
    for index in range(args.count):
        rng = random.Random(f"{args.seed}/{index}")
        int96 = rng.random() < 0.1  # deprecated INT96 timestamps (legacy writers, Spark, Impala)
        table, densities = random_table(rng, int96, args.nested)
        opts = random_options(rng, table.schema, int96)
        name = f"t{index:03d}"
        path = os.path.join(args.out, name + ".parquet")
        write_opts = dict(opts)
        if "sorting_columns" in opts:
            write_opts["sorting_columns"] = [pq.SortingColumn(**c) for c in opts["sorting_columns"]]
        pq.write_table(table, path, **write_opts)
        text = render(pq.read_table(path))
        written = table
        if int96:  # pyarrow reads INT96 back as timestamp[ns] without a time zone
            written = pa.table([c.cast(pa.timestamp("ns")) if t.is_timestamp(c.type) else c for c in table.columns],
                               names=table.column_names)
        if text != render(written):  # (rendered, since NaN != NaN for Table.equals)
            sys.exit(f"{name}: pyarrow did not read back what it wrote")
        with open(os.path.join(args.out, name + ".jsonl"), "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        manifest["files"].append({
            "parquet": name + ".parquet", "jsonl": name + ".jsonl", "rows": table.num_rows,
            "row_groups": pq.ParquetFile(path).num_row_groups,
            "columns": [{"name": f.name, "type": str(f.type), "nulls": d} for f, d in zip(table.schema, densities)],
            "options": opts,
        })
    with open(os.path.join(args.out, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1, ensure_ascii=False)

if __name__ == "__main__":
    main()
