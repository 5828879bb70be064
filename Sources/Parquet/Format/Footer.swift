/// Why a file's footer could not be read. `offset` is a byte offset in the file.
public struct ParquetFooterError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Too small, or the magic bytes are wrong.
        case notParquet
        /// Parquet modular encryption, which is not supported.
        case encrypted
        /// The footer length does not fit the file.
        case corruptFooter
        /// The footer's Thrift is malformed or lacks required fields.
        case corruptMetadata
        /// The bytes passed hold only part of the footer: pass at least the last `needed` bytes.
        case tailTooShort(needed: Int)
    }

    public var kind: Kind
    public var offset: Int
    public var message: String

    public init(kind: Kind, offset: Int, message: String) {
        self.kind = kind
        self.offset = offset
        self.message = message
    }

    public var description: String { "at byte \(offset): \(message)" }
}

/// Locates and decodes the footer of a Parquet file:
///
///     "PAR1" <column chunks ...> <FileMetaData> <metadata length: u32 little-endian> "PAR1"
public enum ParquetFooter {
    /// `PAR1`, at the start and at the end of every unencrypted file.
    public static let magic: [UInt8] = [0x50, 0x41, 0x52, 0x31]
    /// `PARE`, in place of `PAR1` in files whose footer is encrypted.
    public static let encryptedMagic: [UInt8] = [0x50, 0x41, 0x52, 0x45]
    /// The metadata length and the trailing magic.
    public static let trailerSize = 8
    /// Leading magic plus trailer.
    public static let minimumFileSize = 12
    /// How many trailing bytes to read first: usually enough for the whole footer of a small or
    /// medium file, so one read suffices.
    public static let suggestedTailSize = 64 * 1024

    /// The length of the Thrift metadata, from the file's last 8 bytes (or a longer tail).
    public static func metadataLength(tail: UnsafeRawBufferPointer, fileSize: Int) throws(ParquetFooterError) -> Int {
        guard fileSize >= minimumFileSize else {
            throw ParquetFooterError(
                kind: .notParquet, offset: 0,
                message: "a file of \(fileSize) bytes is too small for Parquet (it needs at least \(minimumFileSize))")
        }
        guard tail.count >= trailerSize else {
            throw ParquetFooterError(
                kind: .tailTooShort(needed: trailerSize), offset: fileSize - trailerSize,
                message: "expected the last \(trailerSize) bytes of the \(fileSize)-byte file, got \(tail.count) bytes")
        }
        guard tail.count <= fileSize else {
            throw ParquetFooterError(
                kind: .corruptFooter, offset: 0,
                message: "got \(tail.count) trailing bytes of a file said to hold only \(fileSize)")
        }
        let trailerStart = tail.count - trailerSize
        let magicBytes = Array(tail[(trailerStart + 4)...])
        if magicBytes == encryptedMagic {
            throw ParquetFooterError(
                kind: .encrypted, offset: fileSize - 4, message: "encrypted Parquet (PARE) is not supported")
        }
        guard magicBytes == magic else {
            throw ParquetFooterError(
                kind: .notParquet, offset: fileSize - 4,
                message: "expected the magic PAR1 at the end of the file, found \(describe(magicBytes))")
        }
        let length = Int(tail.loadUnaligned(fromByteOffset: trailerStart, as: UInt32.self).littleEndian)
        let room = fileSize - minimumFileSize
        guard length <= room else {
            throw ParquetFooterError(
                kind: .corruptFooter, offset: fileSize - trailerSize,
                message: "footer length \(length) exceeds the \(room) bytes between the leading magic and the trailer")
        }
        return length
    }

    /// Fails unless the file starts with `PAR1`; `head` is at least its first 4 bytes.
    public static func checkLeadingMagic(_ head: UnsafeRawBufferPointer) throws(ParquetFooterError) {
        let first = Array(head.prefix(4))
        if first == encryptedMagic {
            throw ParquetFooterError(kind: .encrypted, offset: 0, message: "encrypted Parquet (PARE) is not supported")
        }
        guard first == magic else {
            throw ParquetFooterError(
                kind: .notParquet, offset: 0, message: "expected the magic PAR1 at the start of the file, found \(describe(first))")
        }
    }

    /// Decodes the footer from the last `tail.count` bytes of a file of `fileSize` bytes. When
    /// the tail is the whole file, its leading magic is checked too (otherwise use
    /// `checkLeadingMagic`). A tail too short for the footer fails with `.tailTooShort`, naming
    /// how many trailing bytes are needed.
    ///
    /// Files with encrypted columns but a plaintext footer fail with `.encrypted` unless
    /// `allowEncryptedColumns` is set, in which case their metadata is returned (with
    /// `isEncrypted` true) for inspection.
    public static func read(
        fileBytes tail: UnsafeRawBufferPointer, fileSize: Int, allowEncryptedColumns: Bool = false
    ) throws(ParquetFooterError) -> FileMetaData {
        let length = try metadataLength(tail: tail, fileSize: fileSize)
        let needed = length + trailerSize
        let metadataStart = fileSize - needed
        guard tail.count >= needed else {
            throw ParquetFooterError(
                kind: .tailTooShort(needed: needed), offset: metadataStart,
                message: "the footer starts \(needed) bytes before the end of the file; only \(tail.count) were given")
        }
        if tail.count == fileSize {
            try checkLeadingMagic(tail)
        }
        let tailStart = fileSize - tail.count
        let metadataBytes = UnsafeRawBufferPointer(rebasing: tail[(metadataStart - tailStart)..<(tail.count - trailerSize)])
        let metadata: FileMetaData
        do throws(ThriftError) {
            metadata = try FileMetaData(thriftBytes: metadataBytes, baseOffset: metadataStart)
        } catch {
            throw ParquetFooterError(kind: .corruptMetadata, offset: error.offset, message: "corrupt footer: \(error.message)")
        }
        if metadata.isEncrypted && !allowEncryptedColumns {
            throw ParquetFooterError(
                kind: .encrypted, offset: metadataStart,
                message: "encrypted Parquet (plaintext footer, \(metadata.encryptionAlgorithm.map { "\($0)" } ?? "") encrypted columns) is not supported")
        }
        return metadata
    }

    /// `read(fileBytes:fileSize:allowEncryptedColumns:)` over an array.
    public static func read(fileBytes tail: [UInt8], fileSize: Int, allowEncryptedColumns: Bool = false) throws(ParquetFooterError) -> FileMetaData {
        let result = tail.withUnsafeBytes { buffer in
            Result { () throws(ParquetFooterError) -> FileMetaData in
                try read(fileBytes: buffer, fileSize: fileSize, allowEncryptedColumns: allowEncryptedColumns)
            }
        }
        return try result.get()
    }

    /// The bytes that end a file: `metadata`, its length and the magic.
    public static func encode(_ metadata: FileMetaData) -> [UInt8] {
        var bytes = metadata.thriftBytes()
        let length = UInt32(truncatingIfNeeded: bytes.count)
        withUnsafeBytes(of: length.littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: magic)
        return bytes
    }

    private static func describe(_ bytes: [UInt8]) -> String {
        let printable = bytes.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
        if printable { return "\"" + String(decoding: bytes, as: UTF8.self) + "\"" }
        return bytes.map { byte in
            let hex = String(byte, radix: 16, uppercase: true)
            return byte < 16 ? "0" + hex : hex
        }.joined(separator: " ")
    }
}
