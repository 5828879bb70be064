import Columnar
import Parquet

/// Reads the files of a log segment into actions: JSON commits line by line, checkpoints (classic,
/// multi-part, v2 with sidecars) through the Parquet reader.
struct LogReader {
    let storage: any DeltaStorage

    var table: String { storage.root }

    /// The actions of commit `name` (in `_delta_log`), in file order.
    func commitActions(_ name: String) throws(DeltaError) -> [DeltaAction] {
        let location = "_delta_log/" + name
        let bytes = try storage.read(location)
        var actions: [DeltaAction] = []
        var lineNumber = 0
        var lineStart = 0
        let result = bytes.withUnsafeBytes { raw -> DeltaError? in
            while lineStart < raw.count {
                lineNumber += 1
                var end = lineStart
                while end < raw.count, raw[end] != UInt8(ascii: "\n") { end += 1 }
                defer { lineStart = end + 1 }
                let line = UnsafeRawBufferPointer(rebasing: raw[lineStart ..< end])
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { continue }
                let node: JSONNode
                do throws(JSONParseError) {
                    node = try JSONParser.parse(line)
                } catch {
                    return DeltaError(.corruptLog, table: table, location: "\(location):\(lineNumber)",
                                      "not a JSON action: \(error.message) (byte \(error.offset + 1) of the line)")
                }
                do throws(ActionDecodingError) {
                    if let action = try DeltaAction.decode(node) { actions.append(action) }
                } catch {
                    return DeltaError(.corruptLog, table: table, location: "\(location):\(lineNumber)", error.message)
                }
            }
            return nil
        }
        if let result { throw result }
        return actions
    }

    /// The actions of checkpoint file `name` (in `_delta_log`, or `_delta_log/_sidecars`).
    func checkpointActions(_ name: String, directory: String = "_delta_log") throws(DeltaError) -> [DeltaAction] {
        let location = directory + "/" + name
        if name.hasSuffix(".json") { return try commitActions(name) }
        let reader: ParquetFileReader
        do throws(ParquetReadError) {
            reader = try ParquetFileReader(path: storage.localPath(location))
        } catch {
            throw DeltaError(.corruptLog, table: table, location: location, "unreadable checkpoint: \(error.message)")
        }
        let wanted = ["protocol", "metaData", "add", "remove", "txn", "domainMetadata", "checkpointMetadata", "sidecar"]
        let columns = wanted.filter { reader.schema.names.contains($0) }
        var actions: [DeltaAction] = []
        for group in 0 ..< reader.rowGroupCount {
            let batch: RecordBatch
            do throws(ParquetReadError) {
                batch = try reader.readRowGroup(group, columns: columns)
            } catch {
                throw DeltaError(.corruptLog, table: table, location: location, "unreadable checkpoint: \(error.message)")
            }
            // `add` and `remove` (nearly every row of a checkpoint) are read straight from their columns.
            let typed: [CheckpointFiles?] = zip(columns, batch.columns).map { name, column in
                guard name == "add" || name == "remove", let structure = column.asStruct else { return nil }
                return CheckpointFiles(structure)
            }
            for row in 0 ..< batch.rowCount {
                for (index, column) in batch.columns.enumerated() where !column.isNull(row) {
                    if let files = typed[index] {
                        do throws(ActionDecodingError) {
                            if columns[index] == "add" {
                                if let add = try files.add(row) { actions.append(.add(add)) }
                            } else if let remove = try files.remove(row) {
                                actions.append(.remove(remove))
                            }
                        } catch {
                            throw DeltaError(.corruptLog, table: table, location: "\(location) row \(row) of row group \(group)", error.message)
                        }
                        continue
                    }
                    let node = JSONNode.object([(columns[index], JSONNode(column.value(at: row)))])
                    do throws(ActionDecodingError) {
                        if let action = try DeltaAction.decode(node) { actions.append(action) }
                    } catch {
                        throw DeltaError(.corruptLog, table: table, location: "\(location) row \(row) of row group \(group)", error.message)
                    }
                }
            }
        }
        return actions
    }

    /// Replays `segment` into a table state.
    func replay(_ segment: LogSegment) throws(DeltaError) -> TableState {
        var state = TableState()
        if let checkpoint = segment.checkpoint {
            for file in checkpoint.files {
                for action in try checkpointActions(file) {
                    if case .sidecar(let sidecar) = action {
                        for inner in try checkpointActions(sidecar.path, directory: "_delta_log/_sidecars") { state.apply(inner) }
                    } else {
                        state.apply(action)
                    }
                }
            }
        }
        for commit in segment.commits {
            for action in try commitActions(commit.name) { state.apply(action) }
        }
        return state
    }
}

extension JSONNode {
    /// A Columnar value as JSON: structs and maps become objects, lists arrays, numbers numbers.
    init(_ value: ScalarValue) {
        switch value {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .int(let v): self = .int(v)
        case .uint(let v): self = v <= UInt64(Int64.max) ? .int(Int64(v)) : .double(Double(v))
        case .float(let v): self = .double(Double(v))
        case .double(let v): self = .double(v)
        case .string(let s): self = .string(s)
        case .struct(let entries): self = .object(entries.map { ($0.name, JSONNode($0.value)) })
        case .list(let items): self = .array(items.map(JSONNode.init))
        case .map(let entries): self = .object(entries.map { ($0.key.keyText, JSONNode($0.value)) })
        case .date(let days): self = .int(Int64(days))
        case .timestamp(let v, _, _), .time(let v, _): self = .int(v)
        default: self = .string(value.keyText)
        }
    }
}
