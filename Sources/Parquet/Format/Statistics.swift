/// Min/max and counts of a column chunk or page. Every field is optional.
///
/// Values are PLAIN-encoded without the length prefix of byte arrays. `min`/`max` are the
/// deprecated signed-order pair; `minValue`/`maxValue` follow the column's `ColumnOrder`.
public struct Statistics: ThriftStruct, Hashable {
    /// 1, 2: deprecated; signed comparison whatever the logical type.
    public var max: [UInt8]?
    public var min: [UInt8]?
    /// 3: absent is not zero (readers must not assume "no nulls").
    public var nullCount: Int64?
    /// 4
    public var distinctCount: Int64?
    /// 5, 6: bounds in the column order; may be truncated (see the `is...Exact` flags).
    public var maxValue: [UInt8]?
    public var minValue: [UInt8]?
    /// 7, 8: whether the bounds are the actual extremes rather than truncated ones.
    public var isMaxValueExact: Bool?
    public var isMinValueExact: Bool?
    /// 9: floating point columns only; absent means NaNs may be present.
    public var nanCount: Int64?

    public init(
        max: [UInt8]? = nil,
        min: [UInt8]? = nil,
        nullCount: Int64? = nil,
        distinctCount: Int64? = nil,
        maxValue: [UInt8]? = nil,
        minValue: [UInt8]? = nil,
        isMaxValueExact: Bool? = nil,
        isMinValueExact: Bool? = nil,
        nanCount: Int64? = nil
    ) {
        self.max = max
        self.min = min
        self.nullCount = nullCount
        self.distinctCount = distinctCount
        self.maxValue = maxValue
        self.minValue = minValue
        self.isMaxValueExact = isMaxValueExact
        self.isMinValueExact = isMinValueExact
        self.nanCount = nanCount
    }

    public init(from reader: inout CompactReader) throws(ThriftError) {
        var value = Statistics()
        try reader.readStruct("Statistics") { reader, field throws(ThriftError) in
            switch field.id {
            case 1: value.max = try reader.readBinary(field)
            case 2: value.min = try reader.readBinary(field)
            case 3: value.nullCount = try reader.readI64(field)
            case 4: value.distinctCount = try reader.readI64(field)
            case 5: value.maxValue = try reader.readBinary(field)
            case 6: value.minValue = try reader.readBinary(field)
            case 7: value.isMaxValueExact = try reader.readBool(field)
            case 8: value.isMinValueExact = try reader.readBool(field)
            case 9: value.nanCount = try reader.readI64(field)
            default: try reader.skip(field)
            }
        }
        self = value
    }

    public func write(to writer: inout CompactWriter) {
        writer.writeStruct { writer in
            writer.writeField(1, binary: max)
            writer.writeField(2, binary: min)
            writer.writeField(3, i64: nullCount)
            writer.writeField(4, i64: distinctCount)
            writer.writeField(5, binary: maxValue)
            writer.writeField(6, binary: minValue)
            writer.writeField(7, bool: isMaxValueExact)
            writer.writeField(8, bool: isMinValueExact)
            writer.writeField(9, i64: nanCount)
        }
    }
}

/// Sizes and level histograms for estimating memory and for nested filter pushdown.
public struct SizeStatistics: ThriftStruct, Hashable {
    /// 1: BYTE_ARRAY columns: bytes of the values without their length prefixes.
    public var unencodedByteArrayDataBytes: Int64?
    /// 2: count per repetition level 0...max.
    public var repetitionLevelHistogram: [Int64]?
    /// 3: count per definition level 0...max.
    public var definitionLevelHistogram: [Int64]?

    public init(
        unencodedByteArrayDataBytes: Int64? = nil,
        repetitionLevelHistogram: [Int64]? = nil,
        definitionLevelHistogram: [Int64]? = nil
    ) {
        self.unencodedByteArrayDataBytes = unencodedByteArrayDataBytes
        self.repetitionLevelHistogram = repetitionLevelHistogram
        self.definitionLevelHistogram = definitionLevelHistogram
    }

    public init(from reader: inout CompactReader) throws(ThriftError) {
        var value = SizeStatistics()
        try reader.readStruct("SizeStatistics") { reader, field throws(ThriftError) in
            switch field.id {
            case 1: value.unencodedByteArrayDataBytes = try reader.readI64(field)
            case 2: value.repetitionLevelHistogram = try reader.readI64List(field)
            case 3: value.definitionLevelHistogram = try reader.readI64List(field)
            default: try reader.skip(field)
            }
        }
        self = value
    }

    public func write(to writer: inout CompactWriter) {
        writer.writeStruct { writer in
            writer.writeField(1, i64: unencodedByteArrayDataBytes)
            writer.writeField(2, i64s: repetitionLevelHistogram)
            writer.writeField(3, i64s: definitionLevelHistogram)
        }
    }
}

/// Bounding box of GEOMETRY/GEOGRAPHY values; z and m only when the data has them.
public struct BoundingBox: ThriftStruct, Hashable {
    public var xmin: Double
    public var xmax: Double
    public var ymin: Double
    public var ymax: Double
    public var zmin: Double?
    public var zmax: Double?
    public var mmin: Double?
    public var mmax: Double?

    public init(
        xmin: Double, xmax: Double, ymin: Double, ymax: Double,
        zmin: Double? = nil, zmax: Double? = nil, mmin: Double? = nil, mmax: Double? = nil
    ) {
        self.xmin = xmin
        self.xmax = xmax
        self.ymin = ymin
        self.ymax = ymax
        self.zmin = zmin
        self.zmax = zmax
        self.mmin = mmin
        self.mmax = mmax
    }

    public init(from reader: inout CompactReader) throws(ThriftError) {
        let start = reader.offset
        var values = [Double?](repeating: nil, count: 8)
        try reader.readStruct("BoundingBox") { reader, field throws(ThriftError) in
            if (1...8).contains(field.id) {
                values[Int(field.id) - 1] = try reader.readDouble(field)
            } else {
                try reader.skip(field)
            }
        }
        self.init(
            xmin: try reader.required(values[0], "BoundingBox", 1, "xmin", structOffset: start),
            xmax: try reader.required(values[1], "BoundingBox", 2, "xmax", structOffset: start),
            ymin: try reader.required(values[2], "BoundingBox", 3, "ymin", structOffset: start),
            ymax: try reader.required(values[3], "BoundingBox", 4, "ymax", structOffset: start),
            zmin: values[4], zmax: values[5], mmin: values[6], mmax: values[7])
    }

    public func write(to writer: inout CompactWriter) {
        writer.writeStruct { writer in
            writer.writeField(1, double: xmin)
            writer.writeField(2, double: xmax)
            writer.writeField(3, double: ymin)
            writer.writeField(4, double: ymax)
            writer.writeField(5, double: zmin)
            writer.writeField(6, double: zmax)
            writer.writeField(7, double: mmin)
            writer.writeField(8, double: mmax)
        }
    }
}

/// Statistics of GEOMETRY and GEOGRAPHY columns.
public struct GeospatialStatistics: ThriftStruct, Hashable {
    /// 1
    public var bbox: BoundingBox?
    /// 2: WKB geometry type codes present; empty when unknown.
    public var geospatialTypes: [Int32]?

    public init(bbox: BoundingBox? = nil, geospatialTypes: [Int32]? = nil) {
        self.bbox = bbox
        self.geospatialTypes = geospatialTypes
    }

    public init(from reader: inout CompactReader) throws(ThriftError) {
        var value = GeospatialStatistics()
        try reader.readStruct("GeospatialStatistics") { reader, field throws(ThriftError) in
            switch field.id {
            case 1: value.bbox = try reader.readStruct(field)
            case 2: value.geospatialTypes = try reader.readI32List(field)
            default: try reader.skip(field)
            }
        }
        self = value
    }

    public func write(to writer: inout CompactWriter) {
        writer.writeStruct { writer in
            writer.writeField(1, struct: bbox)
            writer.writeField(2, i32s: geospatialTypes)
        }
    }
}
