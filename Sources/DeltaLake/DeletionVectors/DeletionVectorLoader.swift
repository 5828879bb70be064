import Parquet

/// Loads the rows a deletion vector deletes: inline (`i`), in a file beside the table named by a
/// UUID (`u`), or at an absolute path (`p`); checks the size, checksum and cardinality.
struct DeletionVectorLoader {
    let storage: any DeltaStorage

    /// The deleted row indices of `dv` (ascending), for data file `file` (named in errors).
    func rows(_ dv: DeletionVectorDescriptor, file: String) throws(DeltaError) -> [UInt64] {
        func fail(_ message: String) -> DeltaError {
            DeltaError(.corruptLog, table: storage.root, location: file, "deletion vector \(dv.storageType)\(dv.pathOrInlineDv): \(message)")
        }
        let bitmap: ArraySlice<UInt8>
        switch dv.storageType {
        case "i":
            guard let bytes = Z85.decode(dv.pathOrInlineDv), dv.sizeInBytes >= 0, dv.sizeInBytes <= bytes.count else {
                throw fail("the inline data is not Z85 of \(dv.sizeInBytes) bytes")
            }
            bitmap = bytes[0 ..< dv.sizeInBytes]
        case "u", "p":
            let path: String
            if dv.storageType == "u" {
                guard let relative = Self.relativePath(dv) else { throw fail("the path does not end in a Z85-encoded UUID") }
                path = relative
            } else {
                path = DeltaPath.decode(dv.pathOrInlineDv)
            }
            let bytes = try storage.read(path.hasPrefix("file:") ? String(path.drop { $0 != "/" }) : path)
            let offset = dv.offset ?? 1
            guard offset >= 1, offset <= bytes.count - 4 else { throw fail("offset \(offset) is outside the \(bytes.count)-byte file \(path)") }
            let size = Int(UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3]))
            guard size == dv.sizeInBytes, size <= bytes.count - offset - 8 else {
                throw fail("the file \(path) holds \(size) bytes at offset \(offset), the log says \(dv.sizeInBytes)")
            }
            bitmap = bytes[offset + 4 ..< offset + 4 + size]
            let stored = UInt32(bytes[offset + 4 + size]) << 24 | UInt32(bytes[offset + 5 + size]) << 16
                | UInt32(bytes[offset + 6 + size]) << 8 | UInt32(bytes[offset + 7 + size])
            let actual = bitmap.withUnsafeBytes { PageCompression.crc32($0) }
            guard stored == actual else { throw fail("checksum mismatch in \(path) (stored \(stored), computed \(actual))") }
        default:
            throw DeltaError(.unsupported, table: storage.root, location: file, "deletion vector storage type '\(dv.storageType)' is not supported")
        }
        let rows: [UInt64]
        do throws(RoaringBitmap.DecodeError) {
            rows = try RoaringBitmap.decodeArray(bitmap, limit: dv.cardinality)
        } catch {
            throw fail("corrupt bitmap at byte \(error.offset): \(error.message)")
        }
        guard Int64(rows.count) == dv.cardinality else { throw fail("holds \(rows.count) rows, the log says \(dv.cardinality)") }
        return rows
    }

    /// The table-relative file of a `u` (UUID-named) deletion vector; nil for other kinds or a
    /// malformed name.
    static func relativePath(_ dv: DeletionVectorDescriptor) -> String? {
        let text = dv.pathOrInlineDv
        guard dv.storageType == "u", text.count >= 20, let uuid = Z85.decode(String(text.suffix(20))), uuid.count == 16 else { return nil }
        let prefix = String(text.dropLast(20))
        return (prefix.isEmpty ? "" : prefix + "/") + "deletion_vector_" + uuidText(uuid) + ".bin"
    }

    /// The 8-4-4-4-12 lowercase hex form of 16 bytes.
    static func uuidText(_ bytes: [UInt8]) -> String {
        let hex = bytes.map { b -> String in
            let s = String(b, radix: 16)
            return s.count == 1 ? "0" + s : s
        }.joined()
        let chars = Array(hex)
        return [0 ..< 8, 8 ..< 12, 12 ..< 16, 16 ..< 20, 20 ..< 32].map { String(chars[$0]) }.joined(separator: "-")
    }
}
