import Foundation
import SluiceCore

/// Hides secrets in what the API returns: values of keys that name a secret (password, token,
/// secret, key, credential...) and every known secret value wherever it appears in text.
public struct SecretMasker: Sendable {
    public static let mask = "***"
    let secrets: [String]

    public init(secrets: [String]) {
        // Short values would mask common words; configured secrets are long in practice.
        self.secrets = secrets.filter { $0.count >= 4 }.sorted { $0.count > $1.count }
    }

    /// True for names such as `AWS_SECRET_ACCESS_KEY`, `db_password`, `api-token`.
    public static func isSensitive(_ name: String) -> Bool {
        let lower = name.lowercased()
        return ["password", "passwd", "secret", "token", "credential", "private_key", "api_key", "apikey", "access_key", "auth"]
            .contains { lower.contains($0) }
    }

    /// `value` with sensitive keys' values replaced by `***` (recursively) and known secrets hidden in strings.
    public func masked(_ value: Value) -> Value {
        switch value {
        case let .map(pairs):
            return .map(pairs.map { ($0.key, Self.isSensitive($0.key) ? .string(Self.mask) : masked($0.value)) })
        case let .list(items):
            return .list(items.map(masked))
        case let .string(text):
            return .string(masked(text))
        default:
            return value
        }
    }

    /// `text` with every known secret replaced by `***`.
    public func masked(_ text: String) -> String {
        var out = text
        for secret in secrets where out.contains(secret) { out = out.replacingOccurrences(of: secret, with: Self.mask) }
        return out
    }
}
