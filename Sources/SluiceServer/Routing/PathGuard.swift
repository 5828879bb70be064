import Foundation

/// Resolves paths that come from requests or the database inside a root folder, refusing any
/// that would leave it (`..`, absolute paths elsewhere, symbolic links pointing out).
public enum PathGuard {
    /// The absolute path of `path` (relative to `root`, or absolute) when it lies inside `root`; nil otherwise.
    public static func resolve(_ path: String, inside root: String) -> String? {
        guard !path.isEmpty, !path.contains("\0") else { return nil }
        let base = canonical(root)
        let candidate = canonical(path.hasPrefix("/") ? path : (root as NSString).appendingPathComponent(path))
        guard candidate == base || candidate.hasPrefix(base.hasSuffix("/") ? base : base + "/") else { return nil }
        return candidate
    }

    /// The path with `.`/`..` removed and symbolic links of existing parts followed.
    static func canonical(_ path: String) -> String {
        let standard = (path as NSString).standardizingPath
        // realpath needs the file to exist; resolve the longest existing prefix and append the rest.
        var existing = standard
        var rest: [String] = []
        while !existing.isEmpty, existing != "/", !FileManager.default.fileExists(atPath: existing) {
            rest.insert((existing as NSString).lastPathComponent, at: 0)
            existing = (existing as NSString).deletingLastPathComponent
        }
        var resolved = existing
        if let real = realpath(existing, nil) {
            resolved = String(cString: real)
            free(real)
        }
        for part in rest { resolved = (resolved as NSString).appendingPathComponent(part) }
        return (resolved as NSString).standardizingPath
    }
}
