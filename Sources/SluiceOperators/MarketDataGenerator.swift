import Columnar
import Foundation

/// Deterministic synthetic daily bars with a weak planted signal, so the reference pipeline has
/// something real to find. Any (ticker, business day) is computed from counters alone: dates can
/// be generated in any order, again and again, with identical results.
///
/// The formula, for ticker i on business day t (counted from 2018-01-01, weekends skipped):
/// - a latent state `q(i,t) = sin(2π t / P_i + φ_i)`, with a period `P_i` of 20-60 days and a
///   phase `φ_i` drawn from the seed;
/// - the return `r(i,t) = 0.0002 + σ_i (s · q(i,t-1) + sqrt(1 - s²) · ε(i,t))`, `σ_i` in
///   [0.01, 0.03], `s` the signal strength (0.05 by default), `ε` standard normal;
/// - the close `50 e^{u_i} · exp(Σ_{k≤t} r(i,k))`; the open a small gap from the previous close;
///   high and low outside both; the volume `10^6 · exp(0.5 q(i,t) + 0.3 η(i,t))`, so today's
///   volume reveals the state that tilts tomorrow's return.
public struct MarketDataGenerator: Sendable {
    public var seed: UInt64
    public var tickers: Int
    public var signal: Double

    public init(seed: UInt64 = 7, tickers: Int = 1000, signal: Double = 0.05) {
        self.seed = seed
        self.tickers = tickers
        self.signal = signal
    }

    /// 2018-01-01, a Monday: business day 0 (prices start there, so a 2023 day sums ~1,300 returns).
    static let epoch: Int32 = 17_532

    /// The business-day index of `day` (days since 1970-01-01), or nil on a weekend or before 2018.
    public static func businessDay(_ day: Int32) -> Int? {
        let offset = Int(day - epoch)
        guard offset >= 0 else { return nil }
        let weekday = offset % 7  // 0 = Monday
        guard weekday < 5 else { return nil }
        return offset / 7 * 5 + weekday
    }

    /// Ticker names: T0000, T0001, ...
    public func ticker(_ i: Int) -> String {
        let digits = String(i)
        return "T" + String(repeating: "0", count: Swift.max(0, 4 - digits.count)) + digits
    }

    private func uniform(_ i: Int, _ t: Int, _ stream: UInt64) -> Double {
        var z = seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(truncatingIfNeeded: i) &* 0xBF58_476D_1CE4_E5B9
        z = z &+ UInt64(truncatingIfNeeded: t) &* 0x94D0_49BB_1331_11EB &+ stream &* 0xD6E8_FEB8_6659_FD93
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return (Double(z >> 11) + 0.5) / 9_007_199_254_740_992
    }

    private func normal(_ i: Int, _ t: Int, _ stream: UInt64) -> Double {
        (-2 * Foundation.log(uniform(i, t, stream))).squareRoot() * Foundation.cos(2 * .pi * uniform(i, t, stream + 1000))
    }

    private func state(_ i: Int, _ t: Int) -> Double {
        let period = 20 + 40 * uniform(i, -1, 1), phase = 2 * .pi * uniform(i, -1, 2)
        return Foundation.sin(2 * .pi * Double(t) / period + phase)
    }

    private func sigma(_ i: Int) -> Double { 0.01 + 0.02 * uniform(i, -1, 3) }

    private func ret(_ i: Int, _ t: Int) -> Double {
        0.0002 + sigma(i) * (signal * state(i, t - 1) + (1 - signal * signal).squareRoot() * normal(i, t, 10))
    }

    /// One business day's bars for every ticker (nil on weekends): columns ticker, date, open,
    /// high, low, close, volume, sorted by ticker.
    public func bars(day: Int32) -> RecordBatch? {
        guard let t = Self.businessDay(day) else { return nil }
        var names: [String?] = [], opens: [Double] = [], highs: [Double] = [], lows: [Double] = [], closes: [Double] = [], volumes: [Double] = []
        for i in 0 ..< tickers {
            var logPrice = Foundation.log(50.0) + 0.8 * (uniform(i, -1, 4) - 0.5)
            for k in stride(from: 1, to: t, by: 1) { logPrice += ret(i, k) }
            let previous = Foundation.exp(logPrice)
            let close = Foundation.exp(logPrice + (t > 0 ? ret(i, t) : 0))
            let s = sigma(i)
            let open = previous * Foundation.exp(0.3 * s * normal(i, t, 20))
            let high = Swift.max(open, close) * Foundation.exp(Swift.abs(0.5 * s * normal(i, t, 30)))
            let low = Swift.min(open, close) * Foundation.exp(-Swift.abs(0.5 * s * normal(i, t, 40)))
            names.append(ticker(i))
            opens.append(open); highs.append(high); lows.append(low); closes.append(close)
            volumes.append((1e6 * Foundation.exp(0.5 * state(i, t) + 0.3 * normal(i, t, 50))).rounded())
        }
        // Columns of equal length by construction.
        return try! RecordBatch([
            ("ticker", .binary(BinaryColumn(names))), ("date", .int32(PrimitiveColumn([Int32](repeating: day, count: tickers), type: .date32))),
            ("open", .float64(PrimitiveColumn(opens))), ("high", .float64(PrimitiveColumn(highs))), ("low", .float64(PrimitiveColumn(lows))),
            ("close", .float64(PrimitiveColumn(closes))), ("volume", .float64(PrimitiveColumn(volumes))),
        ])
    }
}
