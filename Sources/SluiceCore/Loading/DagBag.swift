import Foundation

/// Every DAG found under a set of files and folders, with the problems of the files that failed.
/// One bad file never hides the others.
public struct DagBag: Sendable {
    public var dags: [String: DagDefinition] = [:]
    /// Files that were read, in the order they were found.
    public var files: [String] = []
    public var diagnostics: [Diagnostic] = []
    /// Files with at least one error (Airflow's "import errors"), with their first message.
    public var importErrors: [String: String] = [:]

    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    public init() {}

    /// Loads DAG files from `paths` (files, or folders searched recursively for `*.yaml`/`*.yml`,
    /// skipping hidden entries), in parallel across cores.
    public static func load(paths: [String], loader: DagFileLoader) -> DagBag {
        var bag = DagBag()
        var missing: [Diagnostic] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
                bag.files += isDirectory.boolValue ? findDagFiles(under: path) : [path]
            } else {
                missing.append(Diagnostic(file: path, location: .init(line: 1, column: 1), message: "no such file or folder"))
            }
        }
        let files = bag.files
        let results = ParallelMap.map(files) { loader.load(path: $0) }

        var firstDefinition: [String: (file: String, location: SourceLocation)] = [:]
        for result in results {
            var diagnostics = result.diagnostics
            if let dag = result.dag {
                let location = result.dagIDLocation ?? .init(line: 1, column: 1)
                if let first = firstDefinition[dag.dagID] {
                    diagnostics.append(Diagnostic(file: result.file, location: location,
                                                  message: "dag_id '\(dag.dagID)' is already defined in \(first.file):\(first.location)"))
                } else {
                    firstDefinition[dag.dagID] = (result.file, location)
                    bag.dags[dag.dagID] = dag
                }
            }
            if let first = diagnostics.first(where: { $0.severity == .error }) {
                bag.importErrors[result.file] = first.description
            }
            bag.diagnostics += diagnostics
        }
        bag.diagnostics += missing
        return bag
    }

    /// `*.yaml` and `*.yml` files under `root`, sorted, hidden files and folders skipped.
    public static func findDagFiles(under root: String) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: root) else { return [] }
        var found: [String] = []
        while let relative = enumerator.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            if name.hasPrefix(".") {
                enumerator.skipDescendants()
                continue
            }
            if name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
                found.append(root.hasSuffix("/") ? root + relative : root + "/" + relative)
            }
        }
        return found.sorted()
    }
}

/// Maps over an array on all cores, keeping order.
public enum ParallelMap {
    public static func map<T: Sendable, R: Sendable>(_ items: [T], _ transform: @Sendable (T) -> R) -> [R] {
        if items.count < 2 { return items.map(transform) }
        let results = UnsafeMutableBufferPointer<R?>.allocate(capacity: items.count)
        results.initialize(repeating: nil)
        defer { results.deallocate() }
        let box = UnsafeSendableBuffer(results)
        let workers = min(items.count, max(1, ProcessInfo.processInfo.activeProcessorCount))
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var i = worker
            while i < items.count {
                box.buffer[i] = transform(items[i])
                i += workers
            }
        }
        return results.map { $0! }
    }
}

/// Lets disjoint indices of one buffer be written from several threads.
private struct UnsafeSendableBuffer<R>: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<R?>
    init(_ buffer: UnsafeMutableBufferPointer<R?>) { self.buffer = buffer }
}
