#if canImport(Glibc)
import Glibc
#endif

/// LightGBM's C API, loaded at run time from the PyPI wheel's `lib_lightgbm.so` (the wheel ships
/// no headers, and Debian has no package): the functions Sluice calls, resolved once.
final class LightGBMLibrary: @unchecked Sendable {
    typealias DatasetCreateFromMat = @convention(c) (UnsafeRawPointer?, Int32, Int32, Int32, Int32, UnsafePointer<CChar>?, UnsafeMutableRawPointer?,
                                                    UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> Int32
    typealias DatasetSetField = @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?, UnsafeRawPointer?, Int32, Int32) -> Int32
    typealias DatasetSetFeatureNames = @convention(c) (UnsafeMutableRawPointer?, UnsafeMutablePointer<UnsafePointer<CChar>?>?, Int32) -> Int32
    typealias HandleFree = @convention(c) (UnsafeMutableRawPointer?) -> Int32
    typealias BoosterCreate = @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?, UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> Int32
    typealias BoosterAddValidData = @convention(c) (UnsafeMutableRawPointer?, UnsafeMutableRawPointer?) -> Int32
    typealias BoosterUpdateOneIter = @convention(c) (UnsafeMutableRawPointer?, UnsafeMutablePointer<Int32>?) -> Int32
    typealias BoosterGetEvalCounts = @convention(c) (UnsafeMutableRawPointer?, UnsafeMutablePointer<Int32>?) -> Int32
    typealias BoosterGetEval = @convention(c) (UnsafeMutableRawPointer?, Int32, UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<Double>?) -> Int32
    typealias BoosterPredictForMat = @convention(c) (UnsafeMutableRawPointer?, UnsafeRawPointer?, Int32, Int32, Int32, Int32, Int32, Int32, Int32,
                                                    UnsafePointer<CChar>?, UnsafeMutablePointer<Int64>?, UnsafeMutablePointer<Double>?) -> Int32
    typealias BoosterSaveModel = @convention(c) (UnsafeMutableRawPointer?, Int32, Int32, Int32, UnsafePointer<CChar>?) -> Int32
    typealias BoosterCreateFromModelfile = @convention(c) (UnsafePointer<CChar>?, UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> Int32
    typealias GetLastError = @convention(c) () -> UnsafePointer<CChar>?

    let path: String
    let datasetCreateFromMat: DatasetCreateFromMat
    let datasetSetField: DatasetSetField
    let datasetSetFeatureNames: DatasetSetFeatureNames
    let datasetFree: HandleFree
    let boosterCreate: BoosterCreate
    let boosterAddValidData: BoosterAddValidData
    let boosterUpdateOneIter: BoosterUpdateOneIter
    let boosterGetEvalCounts: BoosterGetEvalCounts
    let boosterGetEval: BoosterGetEval
    let boosterPredictForMat: BoosterPredictForMat
    let boosterSaveModel: BoosterSaveModel
    let boosterCreateFromModelfile: BoosterCreateFromModelfile
    let boosterFree: HandleFree
    let getLastError: GetLastError

    private init(path: String, handle: UnsafeMutableRawPointer) throws(LearningError) {
        func symbol<T>(_ name: String, as type: T.Type) throws(LearningError) -> T {
            guard let address = dlsym(handle, name) else {
                throw LearningError("\(path) has no \(name): not a LightGBM 4 library")
            }
            return unsafeBitCast(address, to: type)
        }
        self.path = path
        datasetCreateFromMat = try symbol("LGBM_DatasetCreateFromMat", as: DatasetCreateFromMat.self)
        datasetSetField = try symbol("LGBM_DatasetSetField", as: DatasetSetField.self)
        datasetSetFeatureNames = try symbol("LGBM_DatasetSetFeatureNames", as: DatasetSetFeatureNames.self)
        datasetFree = try symbol("LGBM_DatasetFree", as: HandleFree.self)
        boosterCreate = try symbol("LGBM_BoosterCreate", as: BoosterCreate.self)
        boosterAddValidData = try symbol("LGBM_BoosterAddValidData", as: BoosterAddValidData.self)
        boosterUpdateOneIter = try symbol("LGBM_BoosterUpdateOneIter", as: BoosterUpdateOneIter.self)
        boosterGetEvalCounts = try symbol("LGBM_BoosterGetEvalCounts", as: BoosterGetEvalCounts.self)
        boosterGetEval = try symbol("LGBM_BoosterGetEval", as: BoosterGetEval.self)
        boosterPredictForMat = try symbol("LGBM_BoosterPredictForMat", as: BoosterPredictForMat.self)
        boosterSaveModel = try symbol("LGBM_BoosterSaveModel", as: BoosterSaveModel.self)
        boosterCreateFromModelfile = try symbol("LGBM_BoosterCreateFromModelfile", as: BoosterCreateFromModelfile.self)
        boosterFree = try symbol("LGBM_BoosterFree", as: HandleFree.self)
        getLastError = try symbol("LGBM_GetLastError", as: GetLastError.self)
    }

    /// Throws LightGBM's last error when `status` is not 0.
    func check(_ status: Int32, _ what: String) throws(LearningError) {
        guard status != 0 else { return }
        throw LearningError("LightGBM \(what): \(getLastError().map { String(cString: $0) } ?? "unknown error")")
    }

    private static let cache = CachedLibrary()

    /// The library at `path`, or found: `$SLUICE_LIGHTGBM_LIBRARY`, then the `lightgbm` package of
    /// the active virtualenv (`$VIRTUAL_ENV`), of `interop/.venv` under the working directory, and
    /// of the system and user Python site-packages.
    static func load(_ path: String? = nil) throws(LearningError) -> LightGBMLibrary {
        var candidates: [String] = []
        if let path { candidates.append(path) }
        if let env = getenv("SLUICE_LIGHTGBM_LIBRARY") { candidates.append(String(cString: env)) }
        if path == nil {
            var roots: [String] = []
            if let venv = getenv("VIRTUAL_ENV") { roots.append(String(cString: venv)) }
            roots += ["interop/.venv", "/usr/local", "/usr"]
            if let home = getenv("HOME") { roots.append(String(cString: home) + "/.local") }
            for root in roots {
                for pattern in ["\(root)/lib/python3*/site-packages/lightgbm/lib/lib_lightgbm.so", "\(root)/lib/python3*/dist-packages/lightgbm/lib/lib_lightgbm.so"] {
                    candidates += glob(pattern)
                }
            }
        }
        if let loaded = cache.library(for: candidates) { return loaded }
        var problems: [String] = []
        for candidate in candidates {
            guard let handle = dlopen(candidate, RTLD_NOW | RTLD_LOCAL) else {
                problems.append("\(candidate): \(dlerror().map { String(cString: $0) } ?? "cannot load")")
                continue
            }
            let library = try LightGBMLibrary(path: candidate, handle: handle)
            cache.store(library)
            return library
        }
        let tried = problems.isEmpty ? "no lib_lightgbm.so found (looked in $SLUICE_LIGHTGBM_LIBRARY, $VIRTUAL_ENV, interop/.venv and the Python site-packages)"
            : problems.joined(separator: "; ")
        throw LearningError("LightGBM is not installed: \(tried). Install it with `pip install lightgbm` (it needs libgomp1), or set SLUICE_LIGHTGBM_LIBRARY to its lib_lightgbm.so")
    }

    private static func glob(_ pattern: String) -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        guard Glibc.glob(pattern, 0, nil, &result) == 0 else { return [] }
        return (0 ..< Int(result.gl_pathc)).compactMap { result.gl_pathv[$0].map { String(cString: $0) } }
    }
}

/// The first library loaded, reused (dlopen once per process).
private final class CachedLibrary: @unchecked Sendable {
    private var loaded: LightGBMLibrary?
    private var lock = pthread_mutex_t()

    init() { pthread_mutex_init(&lock, nil) }

    func library(for candidates: [String]) -> LightGBMLibrary? {
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        guard let loaded, candidates.isEmpty || candidates.contains(loaded.path) else { return nil }
        return loaded
    }

    func store(_ library: LightGBMLibrary) {
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        if loaded == nil { loaded = library }
    }
}
