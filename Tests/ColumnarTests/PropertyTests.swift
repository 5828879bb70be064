import Testing
@testable import Columnar

/// Random types and values for round-trip properties.
struct RandomData {
    var generator: SplitMix64

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &generator) }
    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &generator) < p }

    mutating func type(depth: Int) -> DataType {
        let leaves: [DataType] = [
            .bool, .int8, .int16, .int32, .int64, .uint8, .uint16, .uint32, .uint64, .float32, .float64,
            .string, .binary, .fixedSizeBinary(3), .date32, .timestamp(.micro, timezone: "UTC"), .timestamp(.nano),
            .time(.milli), .time(.micro), .decimal(precision: 18, scale: 4), .decimal(precision: 38, scale: 0),
        ]
        guard depth > 0, chance(0.4) else { return leaves[int(0...leaves.count - 1)] }
        switch int(0...2) {
        case 0: return .struct((0..<int(1...3)).map { Field("f\($0)", type(depth: depth - 1)) })
        case 1: return .list(of: type(depth: depth - 1))
        default: return .map(key: [.string, .int32, .date32][int(0...2)], value: type(depth: depth - 1))
        }
    }

    mutating func bits<T: FixedWidthInteger>(_: T.Type) -> T { T.random(in: .min ... .max, using: &generator) }

    mutating func text() -> String {
        let pool: [Unicode.Scalar] = ["a", "Z", "0", " ", "\"", "\\", "\n", "\u{01}", "é", "中", "😀", "\u{7F}"]
        return String(String.UnicodeScalarView((0..<int(0...8)).map { _ in pool[int(0...pool.count - 1)] }))
    }

    mutating func value(of type: DataType, nullable: Bool = true) -> ScalarValue {
        if nullable && chance(0.15) { return .null }
        switch type {
        case .bool: return .bool(chance(0.5))
        case .int8: return .int(Int64(bits(Int8.self)))
        case .int16: return .int(Int64(bits(Int16.self)))
        case .int32: return .int(Int64(bits(Int32.self)))
        case .int64: return .int(bits(Int64.self))
        case .uint8: return .uint(UInt64(bits(UInt8.self)))
        case .uint16: return .uint(UInt64(bits(UInt16.self)))
        case .uint32: return .uint(UInt64(bits(UInt32.self)))
        case .uint64: return .uint(bits(UInt64.self))
        case .float32: return .float(Float(bitPattern: bits(UInt32.self)))
        case .float64: return .double(chance(0.5) ? Double(bitPattern: bits(UInt64.self)) : Double(int(-1000...1000)) / 8)
        case .string: return .string(text())
        case .binary: return .binary((0..<int(0...6)).map { _ in bits(UInt8.self) })
        case .fixedSizeBinary(let width): return .binary((0..<width).map { _ in bits(UInt8.self) })
        case .date32: return .date(days: Int32(int(-800_000...3_000_000)))
        case .timestamp(let unit, let timezone): return .timestamp(bits(Int64.self), unit: unit, timezone: timezone)
        case .time(let unit): return .time(unit == .milli ? Int64(int(0...86_399_999)) : Int64(int(0...86_399_999_999)), unit: unit)
        case .decimal(let precision, let scale):
            let limit = Int128.powerOfTen(precision) - 1
            return .decimal(Int128.random(in: -limit...limit, using: &generator), precision: precision, scale: scale)
        case .struct(let fields):
            return .struct(fields.map { (name: $0.name, value: value(of: $0.type)) })
        case .list(let item):
            return .list((0..<int(0...4)).map { _ in value(of: item.type) })
        case .map(let keys, let values, _):
            return .map((0..<int(0...3)).map { _ in (key: value(of: keys.type, nullable: false), value: value(of: values.type)) })
        }
    }
}

@Suite("Properties")
struct PropertyTests {
    @Test("random columns round-trip through builder, column and values, and survive slicing and concatenation",
          arguments: 0..<40)
    func randomRoundTrip(seed: Int) throws {
        var random = RandomData(generator: SplitMix64(seed: UInt64(seed) &* 7919 &+ 1))
        let type = random.type(depth: 2)
        let values = (0..<random.int(0...120)).map { _ in random.value(of: type) }

        let column = try makeColumn(type, values)
        #expect(column.dataType == type)
        #expect(column.count == values.count)
        #expect(column.scalars == values, "type \(type)")
        #expect(column.nullCount == values.filter(\.isNull).count)
        for row in 0..<values.count { #expect(column.isNull(row) == values[row].isNull) }

        let offset = random.int(0...values.count)
        let count = random.int(0...values.count - offset)
        let slice = column.slice(offset: offset, count: count)
        #expect(slice.scalars == Array(values[offset..<offset + count]))
        #expect(slice.nullCount == values[offset..<offset + count].filter(\.isNull).count)

        let split = random.int(0...values.count)
        let joined = try Column.concatenate([column.slice(offset: 0, count: split), column.slice(offset: split, count: values.count - split)])
        #expect(joined.scalars == values)
        #expect(joined.nullCount == column.nullCount)

        let batch = try RecordBatch([("c", column)])
        #expect(JSONLines.render(batch).filter { $0 == "\n" }.count == values.count)
    }

    @Test("primitive columns built from arrays give back the same values through their buffers")
    func typedBufferRoundTrip() {
        var generator = SplitMix64(seed: 42)
        for _ in 0..<20 {
            let values = (0..<Int.random(in: 0...500, using: &generator)).map { _ in
                Bool.random(using: &generator) ? Int64.random(in: .min ... .max, using: &generator) : nil
            }
            let builder = PrimitiveColumnBuilder<Int64>()
            for value in values { builder.append(value) }
            let column = builder.finishTyped()
            #expect(column.optionalValues == values)
            let stored = column.withUnsafeBufferPointer { Array($0) }
            #expect(stored == values.map { $0 ?? 0 })
        }
    }

    @Test("finite doubles render in JSON to text that parses back to the same bits")
    func floatTextRoundTrips() {
        var generator = SplitMix64(seed: 3)
        for _ in 0..<2000 {
            let value = Double(bitPattern: UInt64.random(in: .min ... .max, using: &generator))
            guard value.isFinite else { continue }
            let text = ScalarValue.double(value).json
            #expect(Double(text)?.bitPattern == value.bitPattern, "\(text)")
            let float = Float(bitPattern: UInt32.random(in: .min ... .max, using: &generator))
            if float.isFinite { #expect(Float(ScalarValue.float(float).json)?.bitPattern == float.bitPattern) }
        }
    }
}
