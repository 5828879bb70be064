#if canImport(Glibc)
import Glibc
#endif

/// Element-wise arithmetic, comparisons and functions, with numpy's NaN rules.
enum ElementKernels {
    @inline(__always) static func truth(_ x: Double) -> Bool { x != 0 }  // NaN is true, as in numpy

    @inline(__always) static func apply(_ op: BinaryOperator, _ a: Double, _ b: Double) -> Double {
        switch op {
        case .add: a + b
        case .subtract: a - b
        case .multiply: a * b
        case .divide: a / b
        case .greater: a > b ? 1 : 0
        case .greaterEqual: a >= b ? 1 : 0
        case .less: a < b ? 1 : 0
        case .lessEqual: a <= b ? 1 : 0
        case .equal: a == b ? 1 : 0
        case .notEqual: a != b ? 1 : 0
        case .and: truth(a) && truth(b) ? 1 : 0
        case .or: truth(a) || truth(b) ? 1 : 0
        }
    }

    @inline(__always) static func apply(_ f: ElementFunction, _ a: Double, _ b: Double) -> Double {
        switch f {
        case .abs: Swift.abs(a)
        case .sign: a.isNaN ? .nan : a > 0 ? 1 : a < 0 ? -1 : 0
        case .log: Glibc.log(a)
        case .not: a == 0 ? 1 : 0
        case .power: Glibc.pow(a, b)
        case .signedPower: a.isNaN ? .nan : (a > 0 ? 1 : a < 0 ? -1 : 0) * Glibc.pow(Swift.abs(a), b)
        case .greater: a.isNaN || b.isNaN ? .nan : Swift.max(a, b)
        case .less: a.isNaN || b.isNaN ? .nan : Swift.min(a, b)
        }
    }

    static func binary(_ op: BinaryOperator, _ a: UnsafeBufferPointer<Double>, _ b: UnsafeBufferPointer<Double>,
                       into out: UnsafeMutableBufferPointer<Double>) {
        let n = out.count
        switch op {
        case .add: for i in 0 ..< n { out[i] = a[i] + b[i] }
        case .subtract: for i in 0 ..< n { out[i] = a[i] - b[i] }
        case .multiply: for i in 0 ..< n { out[i] = a[i] * b[i] }
        case .divide: for i in 0 ..< n { out[i] = a[i] / b[i] }
        default: for i in 0 ..< n { out[i] = apply(op, a[i], b[i]) }
        }
    }

    static func function(_ f: ElementFunction, _ a: UnsafeBufferPointer<Double>, _ b: UnsafeBufferPointer<Double>?,
                         into out: UnsafeMutableBufferPointer<Double>) {
        if let b {
            for i in 0 ..< out.count { out[i] = apply(f, a[i], b[i]) }
        } else {
            for i in 0 ..< out.count { out[i] = apply(f, a[i], .nan) }
        }
    }

    static func ifThenElse(_ c: UnsafeBufferPointer<Double>, _ a: UnsafeBufferPointer<Double>, _ b: UnsafeBufferPointer<Double>,
                           into out: UnsafeMutableBufferPointer<Double>) {
        for i in 0 ..< out.count { out[i] = truth(c[i]) ? a[i] : b[i] }
    }

    /// Row `i` takes row `i - k` (NaN outside the series); negative `k` looks ahead.
    static func ref(_ x: UnsafeBufferPointer<Double>, _ k: Int, into out: UnsafeMutableBufferPointer<Double>) {
        let n = out.count
        for i in 0 ..< n {
            let j = i - k
            out[i] = j >= 0 && j < n ? x[j] : .nan
        }
    }
}
