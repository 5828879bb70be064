import Columnar

/// Partition values as the log writes them and the Hive-style directories data files go in,
/// escaped the way Spark escapes them (so Spark, delta-rs and Sluice agree on every path).
public enum PartitionPaths {
    /// Characters Spark escapes in partition directory names (`ExternalCatalogUtils.charToEscape`).
    static let escaped: Set<UInt8> = {
        var set = Set("\"#%'*/:=?\\{[]^".utf8)
        set.insert(0x7F)
        for c in UInt8(1) ... 0x1F { set.insert(c) }
        return set
    }()

    /// The log's string for a partition value (nil for null): dates `YYYY-MM-DD`, timestamps
    /// `YYYY-MM-DD HH:MM:SS.ffffff` (UTC for `timestamp`), decimals in plain notation.
    public static func logText(_ value: ScalarValue) -> String? {
        switch value {
        case .null: return nil
        case .timestamp(let v, let unit, _):
            let micros = ColumnCast.rescale(v, from: unit, to: .micro)
            let iso = TextFormat.timestamp(micros, unit: .micro, utc: false)  // YYYY-MM-DDTHH:MM:SS.ffffff
            return iso.replacingFirst("T", with: " ")
        case .bool(let b): return b ? "true" : "false"
        default: return value.keyText
        }
    }

    /// A directory name component: `column=value`, both escaped; null is `__HIVE_DEFAULT_PARTITION__`.
    public static func directory(column: String, value: String?) -> String {
        escape(column) + "=" + (value.map(escape) ?? PartitionValues.hiveDefault)
    }

    /// `text` with Spark's partition escapes (`%XX`, uppercase hex); an empty value is the Hive default.
    static func escape(_ text: String) -> String {
        if text.isEmpty { return PartitionValues.hiveDefault }
        return String(decoding: escapedBytes(text), as: UTF8.self)
    }

    private static func escapedBytes(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        for byte in text.utf8 {
            if escaped.contains(byte) {
                let hex = Array(String(byte, radix: 16, uppercase: true).utf8)
                bytes.append(UInt8(ascii: "%"))
                if hex.count == 1 { bytes.append(UInt8(ascii: "0")) }
                bytes += hex
            } else {
                bytes.append(byte)
            }
        }
        return bytes
    }

    /// A relative path as `add.path` holds it: percent-encoded as a URI path (each byte outside
    /// the unreserved set and `/` becomes `%XX`), which readers decode exactly once.
    public static func uriEncode(_ path: String) -> String {
        var out: [UInt8] = []
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "a") ... UInt8(ascii: "z"), UInt8(ascii: "A") ... UInt8(ascii: "Z"), UInt8(ascii: "0") ... UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"), UInt8(ascii: "/"),
                 UInt8(ascii: "="), UInt8(ascii: "@"), UInt8(ascii: ":"), UInt8(ascii: "+"), UInt8(ascii: "!"), UInt8(ascii: "$"),
                 UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: ","),
                 UInt8(ascii: ";"):
                out.append(byte)
            default:
                let hex = Array(String(byte, radix: 16, uppercase: true).utf8)
                out.append(UInt8(ascii: "%"))
                if hex.count == 1 { out.append(UInt8(ascii: "0")) }
                out += hex
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension String {
    func replacingFirst(_ target: Character, with replacement: String) -> String {
        guard let index = firstIndex(of: target) else { return self }
        var copy = self
        copy.replaceSubrange(index ... index, with: replacement)
        return copy
    }
}
