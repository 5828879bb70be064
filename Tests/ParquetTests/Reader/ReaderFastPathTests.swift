import Columnar
import Foundation
import Testing
@testable import Parquet

/// The reader's bulk paths: values decoded straight into column memory, dictionary indices
/// gathered run by run, and definition levels left out of pages without nulls.
@Suite("Parquet reader fast paths")
struct ReaderFastPathTests {
    /// `rows` rows of every directly stored type and strings; nulls only where `isNull` says.
    static func batch(rows: Int, isNull: (Int) -> Bool) throws -> RecordBatch {
        let fields: [Field] = [
            Field("i32", .int32), Field("d", .date32), Field("i64", .int64), Field("f32", .float32),
            Field("f64", .float64), Field("s", .string), Field("bin", .binary), Field("i8", .int8),
            Field("dec", .decimal(precision: 9, scale: 2)), Field("b", .bool),
        ]
        var columns: [Column] = []
        for field in fields {
            let builder = makeColumnBuilder(for: field.type, capacity: rows)
            for r in 0 ..< rows {
                if isNull(r) { builder.appendNull(); continue }
                // Runs of equal values (RLE runs of indices) and varying ones (bit-packed runs).
                let k = r % 300 < 100 ? Int64(r / 100) : Int64(r * 7919 % 53)
                let value: ScalarValue
                switch field.type {
                case .int32: value = .int(k - 20)
                case .date32: value = .date(days: Int32(k * 3))
                case .int64: value = .int(k * 1_000_003)
                case .float32: value = .float(Float(k) / 4)
                case .float64: value = .double(Double(k) / 8)
                case .string: value = .string(k % 5 == 0 ? "" : "s\(k)")
                case .binary: value = .binary(Array("b\(k)".utf8) + [0])
                case .int8: value = .int(k % 100)
                case .decimal(let p, let s): value = .decimal(Int128(k) * 101, precision: p, scale: s)
                case .bool: value = .bool(k % 3 == 0)
                default: value = .null
                }
                try builder.append(scalar: value)
            }
            columns.append(builder.finish())
        }
        return try RecordBatch(schema: Schema(fields), columns: columns)
    }

    static func roundTrip(_ batch: RecordBatch, pageVersion: Int, dictionary: Bool) throws -> [RecordBatch] {
        var options = ParquetWriterOptions()
        options.pageVersion = pageVersion
        options.dictionary = dictionary
        options.rowGroupRows = 700
        options.dataPageSize = 200
        let path = NSTemporaryDirectory() + "sluice-fastpath-\(UUID().uuidString).parquet"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try ParquetFileWriter(path: path, schema: batch.schema, options: options)
        try writer.write(batch)
        _ = try writer.close()
        return try ParquetFileReader(path: path).readAll()
    }

    @Test("nulls that first appear after pages without any, and pages without nulls after pages with some",
          arguments: [1, 2], [true, false])
    func nullsAfterElidedLevels(pageVersion: Int, dictionary: Bool) throws {
        let patterns: [(String, (Int) -> Bool)] = [
            ("none", { _ in false }),
            ("late", { $0 >= 650 && $0 % 3 == 0 }),
            ("early", { $0 < 40 && $0 % 2 == 0 }),
            ("one in the middle", { $0 == 1000 }),
            ("all", { _ in true }),
        ]
        for (name, isNull) in patterns {
            let batch = try Self.batch(rows: 1500, isNull: isNull)
            let back = try Self.roundTrip(batch, pageVersion: pageVersion, dictionary: dictionary)
            #expect(back.count == 3)
            #expect(back.map(JSONLines.render).joined() == JSONLines.render(batch),
                    "nulls \(name), page v\(pageVersion), dictionary \(dictionary)")
            for read in back {
                for (c, column) in read.columns.enumerated() {
                    let expected = read.rowCount - (0 ..< read.rowCount).filter { column.isNull($0) }.count
                    #expect(column.count - column.nullCount == expected, "column \(c), nulls \(name)")
                }
            }
        }
    }

    @Test("a column without nulls shares the decoded memory and has no validity bitmap")
    func noValidityWithoutNulls() throws {
        let batch = try Self.batch(rows: 900, isNull: { _ in false })
        let back = try Self.roundTrip(batch, pageVersion: 1, dictionary: true)
        for read in back {
            for column in read.columns {
                if case .int32(let c) = column { #expect(c.validity == nil) }
                if case .float64(let c) = column { #expect(c.validity == nil) }
                if case .binary(let c) = column { #expect(c.validity == nil) }
            }
        }
    }

    /// The outcome of reading every row group of `path` with `threads` threads: the rows rendered,
    /// or the error.
    static func outcome(_ path: String, threads: Int, columns: [String]? = nil) -> String {
        do {
            let reader = try ParquetFileReader(path: path)
            reader.threadCount = threads
            return try reader.readAll(columns: columns).map(JSONLines.render).joined()
        } catch {
            return "error: \(error)"
        }
    }

    @Test("several threads read the same columns as one, and throw the error of the first bad column in the order asked")
    func threadsAgree() throws {
        let batch = try Self.batch(rows: 1500, isNull: { $0 % 7 == 3 })
        var options = ParquetWriterOptions()
        options.rowGroupRows = 700
        options.dataPageSize = 300
        let path = NSTemporaryDirectory() + "sluice-threads-\(UUID().uuidString).parquet"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try ParquetFileWriter(path: path, schema: batch.schema, options: options)
        try writer.write(batch)
        _ = try writer.close()
        let expected = JSONLines.render(batch)
        for threads in [1, 2, 3, 16] {
            #expect(Self.outcome(path, threads: threads) == expected, "\(threads) threads")
        }
        let picked = ["f64", "s", "i32", "dec"]
        #expect(Self.outcome(path, threads: 1, columns: picked) == Self.outcome(path, threads: 4, columns: picked))

        // Damage the data section in many places: one thread and several must agree every time.
        let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let metadata = try ParquetFileReader(path: path).metadata
        let dataEnd = Int(metadata.rowGroups.flatMap(\.columns).compactMap { $0.metaData.map { $0.dataPageOffset + $0.totalCompressedSize } }.max() ?? 4)
        var generator = SystemRandomNumberGenerator()
        let damagedPath = path + ".damaged"
        defer { try? FileManager.default.removeItem(atPath: damagedPath) }
        var errors = 0
        for _ in 0 ..< 60 {
            var bytes = original
            for _ in 0 ..< 3 {
                let at = Int.random(in: 4 ..< dataEnd, using: &generator)
                bytes[at] ^= UInt8.random(in: 1 ... 255, using: &generator)
            }
            try Data(bytes).write(to: URL(fileURLWithPath: damagedPath))
            let one = Self.outcome(damagedPath, threads: 1)
            if one.hasPrefix("error:") { errors += 1 }
            #expect(one == Self.outcome(damagedPath, threads: 4))
            #expect(Self.outcome(damagedPath, threads: 1, columns: picked) == Self.outcome(damagedPath, threads: 3, columns: picked))
        }
        #expect(errors > 0)
    }

    @Test("readRowGroups returns the row groups asked for, in the order asked, and refuses a missing one")
    func rowGroupsInOrder() throws {
        let batch = try Self.batch(rows: 1500, isNull: { $0 % 5 == 1 })
        var options = ParquetWriterOptions()
        options.rowGroupRows = 500
        let path = NSTemporaryDirectory() + "sluice-groups-\(UUID().uuidString).parquet"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try ParquetFileWriter(path: path, schema: batch.schema, options: options)
        try writer.write(batch)
        _ = try writer.close()
        let reader = try ParquetFileReader(path: path)
        let picked = try reader.readRowGroups([2, 0, 2], columns: ["s", "f64"])
        let one = try [2, 0, 2].map { try reader.readRowGroup($0, columns: ["s", "f64"]) }
        #expect(picked.map(JSONLines.render) == one.map(JSONLines.render))
        #expect(try reader.readRowGroups([]).isEmpty)
        #expect(throws: ParquetReadError.self) { try reader.readRowGroups([0, 3]) }
        #expect(throws: ParquetReadError.self) { try reader.readRowGroups([1], columns: ["nope"]) }
    }
}
