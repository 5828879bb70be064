@testable import Columnar

/// A small, seedable generator so random tests are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Builds a column of `type` from scalars, failing the test on a type error.
func makeColumn(_ type: DataType, _ values: [ScalarValue]) throws -> Column {
    try Column(type: type, values: values)
}

/// The base address of a primitive column's visible values.
func baseAddress<T: FixedWidthValue>(_ column: PrimitiveColumn<T>) -> UnsafeRawPointer? {
    column.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
}
