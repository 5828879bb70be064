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

    /// a * b exactly, as a rounded product and its error (Dekker's product with Veltkamp's
    /// splitting: plain multiplies and adds, where `fma` would be a library call on baseline
    /// x86-64). Exact unless a product overflows.
    @inline(__always) static func twoProduct(_ a: Double, _ b: Double) -> DoubleDouble {
        let p = a * b
        let (ah, al) = split(a)
        let (bh, bl) = split(b)
        let e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
        return DoubleDouble(hi: p, lo: e)
    }

    @inline(__always) private static func split(_ a: Double) -> (Double, Double) {
        let c = 134_217_729.0 * a  // 2^27 + 1
        let hi = c - (c - a)
        return (hi, a - hi)
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

    /// self + v, cheaper than adding a DoubleDouble with a zero low part.
    @inline(__always) func adding(_ v: Double) -> DoubleDouble {
        let s = DoubleDouble.twoSum(hi, v)
        let (h, l) = DoubleDouble.quickTwoSum(s.hi, s.lo + lo)
        return DoubleDouble(hi: h, lo: l)
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

    @inline(__always) static func quickTwoSum(_ a: Double, _ b: Double) -> (Double, Double) {
        let s = a + b
        return (s, b - (s - a))
    }
}
