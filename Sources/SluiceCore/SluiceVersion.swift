/// Sluice's release version, printed by `sluice version` and written into metadata and lineage.
public enum SluiceVersion {
    public static let current = "0.1.0"

    /// The compiler Sluice was built with.
    public static var swift: String {
        #if swift(>=6.3)
        return "6.3"
        #elseif swift(>=6.2)
        return "6.2"
        #else
        return "6.x"
        #endif
    }
}
