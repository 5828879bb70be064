/// Random valid factor expressions for property tests, built to be well conditioned: divisions by
/// positive quantities, comparisons and order statistics over exact inputs (fields and their
/// shifts), so a one-ulp difference between two correct implementations cannot flip a
/// comparison or a rank and turn into a large difference.
struct ExpressionGenerator {
    var rng: SplitMix
    var crossSectional: Bool

    init(seed: UInt64, crossSectional: Bool = true) {
        rng = SplitMix(seed: seed)
        self.crossSectional = crossSectional
    }

    private mutating func pick<T>(_ items: [T]) -> T { items[Int(rng.next() % UInt64(items.count))] }
    private mutating func chance(_ percent: UInt64) -> Bool { rng.next() % 100 < percent }
    private mutating func window() -> Int { pick([1, 2, 3, 5, 10, 20, 60, 0]) }

    /// An exact series: a field, possibly shifted (order statistics and comparisons use these).
    mutating func exact() -> String {
        let field = pick(["$open", "$high", "$low", "$close", "$volume", "$close", "$close"])
        return chance(30) ? "Ref(\(field), \(pick([1, 2, 5, -1])))" : field
    }

    /// A positive, well-scaled series (denominators, logs).
    mutating func positive() -> String {
        switch rng.next() % 4 {
        case 0: return pick(["$close", "$open", "$high", "$low"])
        case 1: return "($volume + 1)"
        case 2: return "Mean(\(pick(["$close", "$high"])), \(pick([5, 10, 20])))"
        default: return "(Abs(\(smooth(depth: 1))) + 1)"
        }
    }

    /// A continuous, well-conditioned series.
    mutating func smooth(depth: Int) -> String {
        if depth <= 0 { return chance(50) ? exact() : "\(exact()) / \(positive())" }
        let x = smooth(depth: depth - 1)
        switch rng.next() % 22 {
        case 0: return "\(x) + \(smooth(depth: depth - 1))"
        case 1: return "\(x) - \(pick(["1", "0.5", exact()]))"
        case 2: return "\(x) * \(pick(["2", "0.1", "-1"]))"
        case 3: return "\(x) / \(positive())"
        case 4: return "Mean(\(x), \(window()))"
        case 5: return "Sum(\(x), \(window()))"
        case 6: return "Std(\(x), \(window()))"
        case 7: return "Var(\(exact()) / \(positive()), \(window()))"
        case 8: return "Max(\(exact()), \(window())) / \(positive())"
        case 9: return "Min(\(exact()), \(window())) / \(positive())"
        case 10: return "Quantile(\(exact()), \(window()), \(pick(["0.2", "0.5", "0.8", "0.95"])))"
        case 11: return "Rank(\(exact()), \(window()))"
        case 12: return "IdxMax(\(exact()), \(window()))"
        case 13: return "IdxMin(\(exact()), \(window()))"
        case 14: return "Slope(\(x), \(pick([5, 10, 20, 60])))"
        case 15: return "Resi(\(exact()), \(pick([5, 10, 20])))"
        case 16: return "Corr(\(exact()), \(exact()), \(pick([5, 10, 20, 60])))"
        case 17: return "EMA(\(x), \(pick([2, 5, 12, 26])))"
        case 18: return "WMA(\(x), \(window()))"
        case 19: return "If(\(exact()) > \(exact()), \(x), \(pick(["0", "1", exact()])))"
        case 20: return "Log(\(positive()))"
        default: return "Delta(\(x), \(pick([1, 2, 5])))"
        }
    }

    /// One expression, sometimes wrapped in a cross-sectional operator.
    mutating func expression() -> String {
        let body: String
        switch rng.next() % 12 {
        case 0: body = "Mean(\(exact()) > \(exact()), \(window()))"
        case 1: body = "Count(\(exact()), \(window()))"
        case 2: body = "Med(\(exact()), \(window()))"
        case 3: body = "Rsquare(\(exact()), \(pick([5, 10, 20, 60])))"
        case 4: body = "Skew(\(exact()), \(pick([5, 10, 20, 60])))"
        case 5: body = "Kurt(\(exact()), \(pick([5, 10, 20, 60])))"
        case 6: body = "Greater(\(exact()), \(exact())) - Less(\(exact()), \(exact()))"
        case 7: body = "Cov(\(exact()) / \(positive()), \(exact()) / \(positive()), \(pick([5, 10, 20])))"
        default: body = smooth(depth: Int(rng.next() % 3))
        }
        guard crossSectional, chance(15) else { return body }
        return "\(pick(["CSRank", "CSZScore", "CSDemean"]))(\(body))"
    }
}
