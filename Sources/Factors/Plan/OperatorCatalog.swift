/// The operators of the language: how each call's arguments are checked and which plan node it
/// becomes. Names are Qlib's (case-sensitive), plus the cross-sectional and WorldQuant forms.
extension FactorPlan {
    /// The operator names `compile` accepts, for `sluice factors check` and error messages.
    public static let operatorNames: [String] = [
        "Abs", "Sign", "Log", "Not", "Power", "SignedPower", "Greater", "Less", "If", "Mask",
        "Ref", "Delta", "Sum", "Mean", "Count", "Std", "Var", "Skew", "Kurt", "Max", "Min", "Med", "Mad",
        "IdxMax", "IdxMin", "Slope", "Rsquare", "Resi", "Rank", "Quantile", "Corr", "Cov", "EMA", "WMA",
        "TsRank", "TsArgMax", "TsArgMin", "DecayLinear", "Product", "WilderMA", "SeededEMA", "EWM",
        "CSRank", "CSZScore", "CSDemean", "CSScale", "CSNeutralize",
        "Add", "Sub", "Mul", "Div", "Gt", "Ge", "Lt", "Le", "Eq", "Ne", "And", "Or",
    ]

    private static let rolling: [String: RollingFunction] = [
        "Sum": .sum, "Mean": .mean, "Count": .count, "Std": .std, "Var": .variance, "Skew": .skew, "Kurt": .kurt,
        "Max": .max, "Min": .min, "Med": .median, "Mad": .mad, "IdxMax": .idxMax, "IdxMin": .idxMin,
        "TsArgMax": .idxMax, "TsArgMin": .idxMin, "Slope": .slope, "Rsquare": .rsquare, "Resi": .resi,
        "Rank": .rank, "TsRank": .tsRank, "WMA": .wma, "DecayLinear": .wma, "Product": .product,
    ]
    private static let binaryFunctions: [String: BinaryOperator] = [
        "Add": .add, "Sub": .subtract, "Mul": .multiply, "Div": .divide, "Gt": .greater, "Ge": .greaterEqual,
        "Lt": .less, "Le": .lessEqual, "Eq": .equal, "Ne": .notEqual, "And": .and, "Or": .or,
    ]
    private static let crossSections: [String: CrossSectionFunction] = [
        "CSRank": .rank, "CSZScore": .zscore, "CSDemean": .demean, "CSScale": .scale,
    ]

    /// The node computing `expression`.
    mutating func compile(_ expression: FactorExpression) throws(FactorSyntaxError) -> Int {
        switch expression {
        case .field(let name, _):
            return node(.field(name), [])
        case .number(let value, _):
            return node(.constant(value), [])
        case .string(let text, let column):
            throw FactorSyntaxError(column: column, "a string (\"\(text)\") can only be Mask's ticker argument")
        case .unary(.negate, let operand, _):
            return node(.negate, [try compile(operand)])
        case .binary(let op, let left, let right, _):
            return node(.arithmetic(op), [try compile(left), try compile(right)])
        case .call(let name, let arguments, let column):
            return try call(name, arguments, column: column)
        }
    }

    private mutating func call(_ name: String, _ arguments: [FactorExpression], column: Int) throws(FactorSyntaxError) -> Int {
        func expect(_ count: Int, _ shape: String) throws(FactorSyntaxError) {
            guard arguments.count == count else {
                throw FactorSyntaxError(column: column, "\(name) takes \(count) argument\(count == 1 ? "" : "s") (\(shape)), found \(arguments.count)")
            }
        }
        if let function = Self.rolling[name] {
            try expect(2, "\(name)(x, N)")
            return node(.rolling(function, window: try window(arguments[1], of: name)), [try compile(arguments[0])])
        }
        if let op = Self.binaryFunctions[name] {
            try expect(2, "\(name)(x, y)")
            return node(.arithmetic(op), [try compile(arguments[0]), try compile(arguments[1])])
        }
        if let function = Self.crossSections[name] {
            try expect(1, "\(name)(x)")
            return node(.crossSection(function), [try compile(arguments[0])])
        }
        switch name {
        case "Abs", "Sign", "Log", "Not":
            try expect(1, "\(name)(x)")
            let function: ElementFunction = name == "Abs" ? .abs : name == "Sign" ? .sign : name == "Log" ? .log : .not
            return node(.function(function), [try compile(arguments[0])])
        case "Power", "SignedPower", "Greater", "Less":
            try expect(2, "\(name)(x, y)")
            let function: ElementFunction = name == "Power" ? .power : name == "SignedPower" ? .signedPower : name == "Greater" ? .greater : .less
            return node(.function(function), [try compile(arguments[0]), try compile(arguments[1])])
        case "If":
            try expect(3, "If(condition, x, y)")
            return node(.ifThenElse, [try compile(arguments[0]), try compile(arguments[1]), try compile(arguments[2])])
        case "Mask":
            try expect(2, "Mask(x, \"TICKER\")")
            guard case .string(let ticker, _) = arguments[1] else {
                throw FactorSyntaxError(column: arguments[1].column, "Mask's second argument must be a ticker in quotes, as Mask($close, \"SPY\")")
            }
            return node(.mask(ticker: ticker), [try compile(arguments[0])])
        case "Ref", "Delta":
            try expect(2, "\(name)(x, N)")
            guard let value = Self.literal(arguments[1]), value == value.rounded(), abs(value) < 1e6 else {
                throw FactorSyntaxError(column: arguments[1].column, "\(name)'s N must be a whole number written literally (negative looks ahead)")
            }
            let x = try compile(arguments[0])
            let shifted = Int(value) == 0 ? x : node(.ref(Int(value)), [x])
            return name == "Ref" ? shifted : node(.arithmetic(.subtract), [x, shifted])
        case "Quantile":
            try expect(3, "Quantile(x, N, q)")
            let n = try window(arguments[1], of: name)
            guard let q = Self.literal(arguments[2]), q >= 0, q <= 1 else {
                throw FactorSyntaxError(column: arguments[2].column, "Quantile's q must be a number between 0 and 1")
            }
            return node(.quantile(window: n, q: q), [try compile(arguments[0])])
        case "Corr", "Cov":
            try expect(3, "\(name)(x, y, N)")
            let n = try window(arguments[2], of: name)
            return node(.pair(name == "Corr" ? .corr : .cov, window: n), [try compile(arguments[0]), try compile(arguments[1])])
        case "EMA":
            try expect(2, "EMA(x, N)")
            guard let value = Self.literal(arguments[1]), value > 0, value < 1 || value == value.rounded(), value < 1e6 else {
                throw FactorSyntaxError(column: arguments[1].column, "EMA's N must be a whole span N >= 1 or a smoothing factor 0 < alpha < 1, written literally")
            }
            return node(.ema(alpha: value < 1 ? value : 2 / (value + 1)), [try compile(arguments[0])])
        case "EWM":
            try expect(2, "EWM(x, alpha)")
            guard let alpha = Self.literal(arguments[1]), alpha > 0, alpha <= 1 else {
                throw FactorSyntaxError(column: arguments[1].column, "EWM's alpha must be a number in (0, 1], written literally (1/14 is fine)")
            }
            return node(.ewm(alpha: alpha), [try compile(arguments[0])])
        case "WilderMA", "SeededEMA":
            try expect(2, "\(name)(x, N)")
            let n = try window(arguments[1], of: name)
            guard n >= 1 else { throw FactorSyntaxError(column: arguments[1].column, "\(name)'s N must be at least 1") }
            return node(name == "WilderMA" ? .wilder(window: n) : .seededEMA(window: n), [try compile(arguments[0])])
        case "CSNeutralize":
            try expect(2, "CSNeutralize(x, group)")
            return node(.crossSection(.neutralize), [try compile(arguments[0]), try compile(arguments[1])])
        default:
            let close = Self.operatorNames.filter { $0.lowercased() == name.lowercased() }
            throw FactorSyntaxError(column: column, "unknown operator '\(name)'" + (close.isEmpty ? "" : " (did you mean \(close[0])?)"))
        }
    }

    /// The value of a number written literally, allowing arithmetic on numbers (`1/14`).
    static func literal(_ expression: FactorExpression) -> Double? {
        switch expression {
        case .number(let value, _): return value
        case .unary(.negate, let inner, _): return literal(inner).map { -$0 }
        case .binary(let op, let left, let right, _):
            guard [.add, .subtract, .multiply, .divide].contains(op), let a = literal(left), let b = literal(right) else { return nil }
            return ElementKernels.apply(op, a, b)
        default: return nil
        }
    }

    /// A window length: a whole number >= 0 written literally (0: expanding).
    private func window(_ argument: FactorExpression, of name: String) throws(FactorSyntaxError) -> Int {
        guard let value = Self.literal(argument) else {
            throw FactorSyntaxError(column: argument.column, "\(name)'s window must be a number written literally")
        }
        guard value >= 0, value == value.rounded(), value < 1e6 else {
            throw FactorSyntaxError(column: argument.column,
                                    "\(name)'s window must be a whole number >= 0 (0: expanding); Qlib's 0 < N < 1 (an exponential window) is only accepted by EMA")
        }
        return Int(value)
    }
}
