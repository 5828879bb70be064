/// Columnar: typed columns with validity bitmaps, schemas and record batches (in progress).
public enum ColumnarModule {}
