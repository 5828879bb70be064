// Columnar: Sluice's in-memory columnar format.
//
// The layout follows Apache Arrow's: every column is a set of contiguous,
// 64-byte aligned buffers (values, offsets, LSB-first validity bitmaps), so
// kernels can walk them through `UnsafeBufferPointer`s without copying.
//
// - Types:    `DataType`, `Field`, `KeyValueMetadata`, `Schema`.
// - Memory:   `Buffer` (immutable bytes), `Bitmap`, `BitmapBuilder`.
// - Columns:  `Column` (enum over the concrete layouts) and the layouts
//             themselves: `PrimitiveColumn<Value>`, `BooleanColumn`,
//             `BinaryColumn`, `FixedSizeBinaryColumn`, `StructColumn`,
//             `ListColumn`, `MapColumn`.
// - Builders: one `ColumnBuilder` class per layout, `makeColumnBuilder(for:)`.
// - Batches:  `RecordBatch`, concatenation of columns and batches.
// - Values:   `ScalarValue` for single values, `JSONLines` rendering.
