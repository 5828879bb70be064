// Parquet modular encryption: only enough of it to recognise an encrypted file and say so.

/// The parameters shared by both AES algorithms (`AesGcmV1` and `AesGcmCtrV1`).
public struct AesParameters: Sendable, Hashable {
    /// 1
    public var aadPrefix: [UInt8]?
    /// 2
    public var aadFileUnique: [UInt8]?
    /// 3: the reader must supply the AAD prefix (it is not stored).
    public var supplyAadPrefix: Bool?

    public init(aadPrefix: [UInt8]? = nil, aadFileUnique: [UInt8]? = nil, supplyAadPrefix: Bool? = nil) {
        self.aadPrefix = aadPrefix
        self.aadFileUnique = aadFileUnique
        self.supplyAadPrefix = supplyAadPrefix
    }

    static func read(_ name: StaticString, from reader: inout CompactReader) throws(ThriftError) -> AesParameters {
        var value = AesParameters()
        try reader.readStruct(name) { reader, field throws(ThriftError) in
            switch field.id {
            case 1: value.aadPrefix = try reader.readBinary(field)
            case 2: value.aadFileUnique = try reader.readBinary(field)
            case 3: value.supplyAadPrefix = try reader.readBool(field)
            default: try reader.skip(field)
            }
        }
        return value
    }

    func write(to writer: inout CompactWriter) {
        writer.writeStruct { writer in
            writer.writeField(1, binary: aadPrefix)
            writer.writeField(2, binary: aadFileUnique)
            writer.writeField(3, bool: supplyAadPrefix)
        }
    }
}

/// The `EncryptionAlgorithm` union.
public enum EncryptionAlgorithm: ThriftStruct, Hashable, CustomStringConvertible {
    case aesGcmV1(AesParameters)
    case aesGcmCtrV1(AesParameters)
    case unrecognized(fieldId: Int16)

    public init(from reader: inout CompactReader) throws(ThriftError) {
        var result: EncryptionAlgorithm?
        try reader.readStruct("EncryptionAlgorithm") { reader, field throws(ThriftError) in
            guard result == nil, field.type == .struct else { return try reader.skip(field) }
            switch field.id {
            case 1: result = .aesGcmV1(try AesParameters.read("AesGcmV1", from: &reader))
            case 2: result = .aesGcmCtrV1(try AesParameters.read("AesGcmCtrV1", from: &reader))
            default:
                try reader.skip(field)
                result = .unrecognized(fieldId: field.id)
            }
        }
        self = result ?? .unrecognized(fieldId: 0)
    }

    public func write(to writer: inout CompactWriter) {
        writer.writeStruct { writer in
            switch self {
            case .aesGcmV1(let parameters):
                writer.writeFieldHeader(1, .struct)
                parameters.write(to: &writer)
            case .aesGcmCtrV1(let parameters):
                writer.writeFieldHeader(2, .struct)
                parameters.write(to: &writer)
            case .unrecognized:
                break
            }
        }
    }

    public var description: String {
        switch self {
        case .aesGcmV1: return "AES_GCM_V1"
        case .aesGcmCtrV1: return "AES_GCM_CTR_V1"
        case .unrecognized(let id): return "UNRECOGNIZED(\(id))"
        }
    }
}

/// What precedes the encrypted footer of a file whose trailing magic is `PARE`.
public struct FileCryptoMetaData: ThriftStruct, Hashable {
    /// 1
    public var encryptionAlgorithm: EncryptionAlgorithm
    /// 2
    public var keyMetadata: [UInt8]?

    public init(encryptionAlgorithm: EncryptionAlgorithm, keyMetadata: [UInt8]? = nil) {
        self.encryptionAlgorithm = encryptionAlgorithm
        self.keyMetadata = keyMetadata
    }

    public init(from reader: inout CompactReader) throws(ThriftError) {
        let start = reader.offset
        var algorithm: EncryptionAlgorithm?
        var keyMetadata: [UInt8]?
        try reader.readStruct("FileCryptoMetaData") { reader, field throws(ThriftError) in
            switch field.id {
            case 1: algorithm = try reader.readStruct(field)
            case 2: keyMetadata = try reader.readBinary(field)
            default: try reader.skip(field)
            }
        }
        self.init(
            encryptionAlgorithm: try reader.required(algorithm, "FileCryptoMetaData", 1, "encryption_algorithm", structOffset: start),
            keyMetadata: keyMetadata)
    }

    public func write(to writer: inout CompactWriter) {
        writer.writeStruct { writer in
            writer.writeField(1, struct: encryptionAlgorithm)
            writer.writeField(2, binary: keyMetadata)
        }
    }
}

/// How one column chunk is encrypted (the `ColumnCryptoMetaData` union).
public enum ColumnCryptoMetaData: ThriftStruct, Hashable {
    /// Encrypted with the footer key.
    case footerKey
    /// Encrypted with a key of its own.
    case columnKey(pathInSchema: [String], keyMetadata: [UInt8]?)
    case unrecognized(fieldId: Int16)

    public init(from reader: inout CompactReader) throws(ThriftError) {
        var result: ColumnCryptoMetaData?
        try reader.readStruct("ColumnCryptoMetaData") { reader, field throws(ThriftError) in
            guard result == nil, field.type == .struct else { return try reader.skip(field) }
            switch field.id {
            case 1:
                try reader.readEmptyStruct(field)
                result = .footerKey
            case 2:
                let start = reader.offset
                var path: [String]?
                var keyMetadata: [UInt8]?
                try reader.readStruct("EncryptionWithColumnKey") { reader, field throws(ThriftError) in
                    switch field.id {
                    case 1: path = try reader.readStringList(field)
                    case 2: keyMetadata = try reader.readBinary(field)
                    default: try reader.skip(field)
                    }
                }
                let pathInSchema = try reader.required(path, "EncryptionWithColumnKey", 1, "path_in_schema", structOffset: start)
                result = .columnKey(pathInSchema: pathInSchema, keyMetadata: keyMetadata)
            default:
                try reader.skip(field)
                result = .unrecognized(fieldId: field.id)
            }
        }
        self = result ?? .unrecognized(fieldId: 0)
    }

    public func write(to writer: inout CompactWriter) {
        writer.writeStruct { writer in
            switch self {
            case .footerKey:
                writer.writeEmptyStructField(1)
            case .columnKey(let path, let keyMetadata):
                writer.writeFieldHeader(2, .struct)
                writer.writeStruct { writer in
                    writer.writeField(1, strings: path)
                    writer.writeField(2, binary: keyMetadata)
                }
            case .unrecognized:
                break
            }
        }
    }
}
