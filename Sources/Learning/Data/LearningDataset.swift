import Columnar

/// A supervised dataset for gradient boosting: a dense row-major Float32 feature matrix (NaN for
/// missing), one label per row, and each row's date (days since 1970-01-01) for cross-sectional
/// metrics and walk-forward splits.
public struct LearningDataset: Sendable {
    public let featureNames: [String]
    /// Row-major: row `r`'s features are `features[r * featureCount ..< (r + 1) * featureCount]`.
    public let features: [Float]
    public let labels: [Float]
    public let dates: [Int32]

    public var rowCount: Int { labels.count }
    public var featureCount: Int { featureNames.count }

    public init(featureNames: [String], features: [Float], labels: [Float], dates: [Int32]) throws(LearningError) {
        guard features.count == labels.count * featureNames.count else {
            throw LearningError("the feature matrix has \(features.count) values, expected \(labels.count) rows x \(featureNames.count) features")
        }
        guard dates.count == labels.count else { throw LearningError("\(dates.count) dates for \(labels.count) rows") }
        self.featureNames = featureNames
        self.features = features
        self.labels = labels
        self.dates = dates
    }

    /// Builds the matrix from record batches: `features` (numeric columns; null and ±inf become
    /// NaN, XGBoost's missing value), `label` and the date column. Rows whose label is missing or
    /// not finite are left out (a label not yet known, or a division by a zero price, cannot
    /// train or score).
    public init(batches: [RecordBatch], features: [String], label: String, date: String = "date") throws(LearningError) {
        guard !features.isEmpty else { throw LearningError("no feature columns") }
        var labelValues: [Float] = []
        var dateValues: [Int32] = []
        var matrix: [Float] = []
        let width = features.count
        for batch in batches {
            guard let labelColumn = batch.column(named: label) else {
                throw LearningError("no label column '\(label)' (columns: \(batch.schema.names.joined(separator: ", ")))")
            }
            guard let dateColumn = batch.column(named: date) else { throw LearningError("no date column '\(date)'") }
            let columns = try features.map { name throws(LearningError) -> Column in
                guard let column = batch.column(named: name) else { throw LearningError("no feature column '\(name)'") }
                return column
            }
            let labels = try Self.floats(labelColumn, name: label)
            let keep = labels.indices.filter { labels[$0].isFinite }
            let base = labelValues.count
            labelValues += keep.map { labels[$0] }
            for row in keep {
                guard !dateColumn.isNull(row), case .date(let days) = dateColumn.value(at: row) else {
                    throw LearningError("row \(row + 1): the \(date) column must hold dates")
                }
                dateValues.append(days)
            }
            matrix += [Float](repeating: .nan, count: keep.count * width)
            for (j, column) in columns.enumerated() {
                let values = try Self.floats(column, name: features[j])
                for (k, row) in keep.enumerated() where values[row].isFinite { matrix[(base + k) * width + j] = values[row] }
            }
        }
        try self.init(featureNames: features, features: matrix, labels: labelValues, dates: dateValues)
    }

    /// The features of every row, for scoring: no label (0 in its place), every row kept, the date
    /// column when there is one.
    public init(scoring batches: [RecordBatch], features: [String], date: String = "date") throws(LearningError) {
        var matrix: [Float] = []
        var dates: [Int32] = []
        let width = features.count
        for batch in batches {
            let base = dates.count
            let dateColumn = batch.column(named: date)
            for row in 0 ..< batch.rowCount {
                if let dateColumn, !dateColumn.isNull(row), case .date(let days) = dateColumn.value(at: row) { dates.append(days) } else { dates.append(0) }
            }
            matrix += [Float](repeating: .nan, count: batch.rowCount * width)
            for (j, name) in features.enumerated() {
                guard let column = batch.column(named: name) else {
                    throw LearningError("the input has no column '\(name)', a feature of the model (columns: \(batch.schema.names.joined(separator: ", ")))")
                }
                let values = try Self.floats(column, name: name)
                for row in 0 ..< batch.rowCount where values[row].isFinite { matrix[(base + row) * width + j] = values[row] }
            }
        }
        try self.init(featureNames: features, features: matrix, labels: [Float](repeating: 0, count: dates.count), dates: dates)
    }

    /// A numeric column as Float32, null as NaN.
    static func floats(_ column: Column, name: String) throws(LearningError) -> [Float] {
        switch column {
        case .float64(let c): return (0 ..< c.count).map { c.isNull($0) ? .nan : Float(c.value(at: $0)) }
        case .float32(let c): return (0 ..< c.count).map { c.isNull($0) ? .nan : c.value(at: $0) }
        case .int64(let c): return (0 ..< c.count).map { c.isNull($0) ? .nan : Float(c.value(at: $0)) }
        case .int32(let c) where c.dataType == .int32: return (0 ..< c.count).map { c.isNull($0) ? .nan : Float(c.value(at: $0)) }
        default: throw LearningError("column '\(name)' is \(column.dataType), expected a number")
        }
    }

    /// The rows ordered by date (stable), as ranking objectives need: each date's rows form one query group.
    public func sortedByDate() -> LearningDataset {
        subset(dates.indices.sorted { dates[$0] != dates[$1] ? dates[$0] < dates[$1] : $0 < $1 })
    }

    /// The sizes of the runs of equal consecutive dates (the query groups of a date-sorted dataset).
    public var dateGroupSizes: [UInt32] {
        var sizes: [UInt32] = []
        var previous: Int32?
        for date in dates {
            if date == previous { sizes[sizes.count - 1] += 1 } else { sizes.append(1); previous = date }
        }
        return sizes
    }

    /// The numeric columns of `schema` other than `excluded`: the default features of a table.
    public static func numericColumns(of schema: Schema, excluding excluded: Set<String>) -> [String] {
        schema.fields.filter { field in
            guard !excluded.contains(field.name) else { return false }
            switch field.type {
            case .float64, .float32, .int64, .int32: return true
            default: return false
            }
        }.map(\.name)
    }

    /// True when `parameters` ask for a ranking objective (XGBoost's `rank:*`, LightGBM's
    /// `lambdarank` / `rank_xendcg`): the rows of each date are then one query group.
    public static func isRanking(_ parameters: [String: String]) -> Bool {
        let objective = parameters["objective"] ?? ""
        return objective.hasPrefix("rank:") || objective == "lambdarank" || objective == "rank_xendcg"
    }

    /// The rows `rows`, in that order.
    public func subset(_ rows: [Int]) -> LearningDataset {
        let width = featureCount
        var matrix: [Float] = []
        matrix.reserveCapacity(rows.count * width)
        for row in rows { matrix.append(contentsOf: features[row * width ..< (row + 1) * width]) }
        // Dimensions agree by construction.
        return try! LearningDataset(featureNames: featureNames, features: matrix, labels: rows.map { labels[$0] }, dates: rows.map { dates[$0] })
    }
}

/// Why learning failed: bad data, a bad parameter, or an error from XGBoost/LightGBM.
public struct LearningError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
