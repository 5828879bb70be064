/// Tables addressed as `db.table` under a lake root (`ROOT/db/table`), as the pipeline names them.
public enum DeltaCatalog {
    /// Whether `text` is a `db.table` name: two identifiers (letters, digits, `_`, not starting
    /// with a digit) joined by one dot.
    public static func isTableName(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 2 && parts.allSatisfy { part in
            guard let first = part.first, first.isLetter || first == "_" else { return false }
            return part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
        }
    }

    /// The directory of table `name` (`db.table`) under `lakeRoot`.
    public static func path(lakeRoot: String, name: String) -> String {
        let parts = name.split(separator: ".")
        var root = lakeRoot
        while root.count > 1, root.hasSuffix("/") { root.removeLast() }
        return root + "/" + parts.joined(separator: "/")
    }
}
