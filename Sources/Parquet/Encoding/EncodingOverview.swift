// Parquet value and level encodings: how a page reader uses this folder.
//
// Every decoder reads from an `UnsafeRawBufferPointer` that the caller keeps alive, takes a
// `baseOffset` (where that buffer starts inside the page, so errors name page offsets) and throws
// `EncodingError` for anything malformed. Counts always come from the caller (page header and
// definition levels), never from the stream alone, so no allocation is sized by untrusted input.
//
// Data page v1 (body = [repetition levels][definition levels][values]):
//     var rep = try RLEHybridDecoder(lengthPrefixed: body, bitWidth: bitWidth(maxRep))   // if maxRep > 0
//     var def = try RLEHybridDecoder(lengthPrefixed: rest, bitWidth: bitWidth(maxDef), baseOffset: ...)
//     (or LegacyBitPacked.decode(...) when the header says BIT_PACKED; it has no length prefix)
//     each stream's `encodedByteCount` says where the next section starts.
// Data page v2: the level lengths are in the header, so
//     RLEHybridDecoder(body[0 ..< repLength], bitWidth: ...), RLEHybridDecoder(body[repLength ..< repLength + defLength], ...)
// Values, with `n` = number of non-null values (count of definition levels == maxDef):
//     PLAIN                   PlainDecoder(values).decode(into:) / decodeBooleans / decodeByteArrays / decodeFixedLenByteArrays
//     RLE_DICTIONARY          RLEHybridDecoder(dictionaryIndices: values).decodeIndices(into:dictionaryCount:)
//     RLE (booleans)          RLEHybridDecoder(lengthPrefixed: values, bitWidth: 1).decodeBooleans(into:)
//     DELTA_BINARY_PACKED     DeltaBinaryPackedDecoder<Int32 or Int64>(values).decode(into:)
//     DELTA_LENGTH_BYTE_ARRAY DeltaLengthByteArrayDecoder(values, count: n).decode(count:into:)
//     DELTA_BYTE_ARRAY        DeltaByteArrayDecoder(values, count: n).decode(count:into:) / decodeFixed(count:width:into:)
//     BYTE_STREAM_SPLIT       ByteStreamSplitDecoder(values, width: k).decode(into:) / decodeFixedLenByteArrays
// Dictionary pages are PLAIN. Typed outputs are `UnsafeMutableBufferPointer<T>`, which fits
// Columnar's `PrimitiveColumnBuilder.append(unsafeUninitializedCount:initializingWith:)`; byte arrays
// go to a `ByteArrayBuffer` (Arrow-style offsets plus one data buffer).
//
// The encoders mirror the decoders (`...Encoder` types, `finish()` returns the bytes). Release builds
// decode about 1M DELTA_BINARY_PACKED INT64 values per millisecond and 5M RLE dictionary indices per
// millisecond on one core; the generic decoders have concrete `Int32`/`Int64` overloads so callers in
// other modules get the specialised code too.
