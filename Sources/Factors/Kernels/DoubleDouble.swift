/// A number carried as the unevaluated sum of two doubles (about 106 bits of precision), so
/// running window sums can add and remove values without leaving rounding residue behind.
struct DoubleDouble: Sendable {
    var hi: Double
    var lo: Double

    static let zero = DoubleDouble(hi: 0, lo: 0)

    @inline(__always) init(hi: Double, lo: Double) {
        self.hi = hi
        self.lo = lo
    }

    @inline(__always) init(_ value: Double) {
        hi = value
        lo = 0
    }

    /// The nearest double.
    @inline(__always) var value: Double { hi + lo }

    /// a + b exactly, as a rounded sum and its error (Knuth's two-sum).
    @inline(__always) static func twoSum(_ a: Double, _ b: Double) -> DoubleDouble {
        let s = a + b
        let v = s - a
        let e = (a - (s - v)) + (b - v)
        return DoubleDouble(hi: s, lo: e)
    }

    /// a * b exactly, as a rounded product and its error (fused multiply-add).
    @inline(__always) static func twoProduct(_ a: Double, _ b: Double) -> DoubleDouble {
        let p = a * b
        return DoubleDouble(hi: p, lo: (-p).addingProduct(a, b))
    }

    @inline(__always) static func + (x: DoubleDouble, y: DoubleDouble) -> DoubleDouble {
        let s = twoSum(x.hi, y.hi)
        let t = twoSum(x.lo, y.lo)
        var hi = s.hi
        var lo = s.lo + t.hi
        (hi, lo) = quickTwoSum(hi, lo)
        lo += t.lo
        (hi, lo) = quickTwoSum(hi, lo)
        return DoubleDouble(hi: hi, lo: lo)
    }

    @inline(__always) static prefix func - (x: DoubleDouble) -> DoubleDouble { DoubleDouble(hi: -x.hi, lo: -x.lo) }

    @inline(__always) static func - (x: DoubleDouble, y: DoubleDouble) -> DoubleDouble { x + (-y) }

    @inline(__always) static func * (x: DoubleDouble, y: DoubleDouble) -> DoubleDouble {
        var p = twoProduct(x.hi, y.hi)
        p.lo += x.hi * y.lo + x.lo * y.hi
        let (hi, lo) = quickTwoSum(p.hi, p.lo)
        return DoubleDouble(hi: hi, lo: lo)
    }

    @inline(__always) static func * (x: DoubleDouble, y: Double) -> DoubleDouble { x * DoubleDouble(y) }

    @inline(__always) static func / (x: DoubleDouble, y: Double) -> DoubleDouble {
        let q1 = x.hi / y
        let r = x - twoProduct(q1, y)
        let q2 = r.hi / y
        let (hi, lo) = quickTwoSum(q1, q2)
        return DoubleDouble(hi: hi, lo: lo)
    }

    @inline(__always) static func / (x: DoubleDouble, y: DoubleDouble) -> DoubleDouble {
        let q1 = x.hi / y.hi
        let r = x - y * DoubleDouble(q1)
        let q2 = r.hi / y.hi
        let r2 = r - y * DoubleDouble(q2)
        let q3 = r2.hi / y.hi
        let (hi, lo) = quickTwoSum(q1, q2)
        return DoubleDouble(hi: hi, lo: lo) + DoubleDouble(q3)
    }

    @inline(__always) private static func quickTwoSum(_ a: Double, _ b: Double) -> (Double, Double) {
        let s = a + b
        return (s, b - (s - a))
    }
}
