/// A malformed or hostile Thrift message: where in the input it went wrong and what was expected.
///
/// `offset` is absolute: the reader's base offset (for a footer, its position in the file) plus
/// the position inside the message.
public struct ThriftError: Error, Sendable, Equatable, CustomStringConvertible {
    public var offset: Int
    public var message: String

    public init(offset: Int, message: String) {
        self.offset = offset
        self.message = message
    }

    public var description: String { "at byte \(offset): \(message)" }
}

/// The value types of the Thrift compact protocol, as they appear in field, list and map headers.
///
/// The two boolean nibbles of the compact protocol (1 = true, 2 = false) both map to `.bool`; a
/// boolean field carries its value in the field header (see `ThriftField.boolValue`).
public enum ThriftType: UInt8, Sendable, CustomStringConvertible {
    case bool = 1
    case byte = 3
    case i16 = 4
    case i32 = 5
    case i64 = 6
    case double = 7
    case binary = 8
    case list = 9
    case set = 10
    case map = 11
    case `struct` = 12
    /// Added to the compact protocol after Parquet's files were specified; only ever skipped.
    case uuid = 13

    /// The type that a compact header nibble names, or nil for STOP and undefined nibbles.
    init?(compactNibble nibble: UInt8) {
        if nibble == 2 {
            self = .bool
        } else {
            self.init(rawValue: nibble)
        }
    }

    /// i16, i32 and i64 are all zigzag varints on the wire.
    var isVarint: Bool { self == .i16 || self == .i32 || self == .i64 }

    /// The fewest bytes one value of this type can occupy as a list, set or map element; used to
    /// reject element counts that the remaining input cannot possibly hold.
    var minimumElementSize: Int {
        switch self {
        case .double: return 8
        case .uuid: return 16
        default: return 1
        }
    }

    public var description: String {
        switch self {
        case .bool: return "bool"
        case .byte: return "byte"
        case .i16: return "i16"
        case .i32: return "i32"
        case .i64: return "i64"
        case .double: return "double"
        case .binary: return "binary"
        case .list: return "list"
        case .set: return "set"
        case .map: return "map"
        case .struct: return "struct"
        case .uuid: return "uuid"
        }
    }
}

/// One field header read from a struct: its id, its wire type and, for booleans, its value.
public struct ThriftField: Sendable {
    public var id: Int16
    public var type: ThriftType
    /// For a `.bool` field, the value the header encodes; false for every other type.
    public var boolValue: Bool
    /// Absolute offset of the field header.
    public var offset: Int
    /// Name of the struct being read, for error messages.
    public var owner: StaticString
}

/// A Thrift struct (or union) that reads and writes itself with the compact protocol.
public protocol ThriftStruct: Sendable, Equatable {
    /// Reads one struct. Unknown fields are skipped; a missing required field is an error.
    init(from reader: inout CompactReader) throws(ThriftError)
    /// Writes the struct including its closing STOP byte.
    func write(to writer: inout CompactWriter)
}

extension ThriftStruct {
    /// Decodes a struct that starts at the first byte of `bytes`; trailing bytes are ignored.
    /// `baseOffset` is added to every offset an error reports.
    public init(thriftBytes bytes: UnsafeRawBufferPointer, baseOffset: Int = 0) throws(ThriftError) {
        var reader = CompactReader(bytes, baseOffset: baseOffset)
        self = try Self(from: &reader)
    }

    /// Decodes a struct that starts at the first byte of `bytes`; trailing bytes are ignored.
    public init(thriftBytes bytes: [UInt8], baseOffset: Int = 0) throws(ThriftError) {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(ThriftError) -> Self in try Self(thriftBytes: buffer, baseOffset: baseOffset) }
        }
        self = try result.get()
    }

    /// Decodes a struct at the start of `bytes` and reports how many bytes it took, as needed for
    /// page headers that are followed directly by page data.
    public static func decodePrefix(_ bytes: UnsafeRawBufferPointer, baseOffset: Int = 0) throws(ThriftError) -> (value: Self, length: Int) {
        var reader = CompactReader(bytes, baseOffset: baseOffset)
        let value = try Self(from: &reader)
        return (value, reader.position)
    }

    /// The compact-protocol encoding of the struct.
    public func thriftBytes() -> [UInt8] {
        var writer = CompactWriter()
        write(to: &writer)
        return writer.bytes
    }
}
