import Foundation
import Testing
@testable import DeltaLake

@Suite("Delta log")
struct LogTests {
    @Test("log file names: commits, classic, multi-part and v2 checkpoints; anything else ignored")
    func fileNames() {
        #expect(LogFileName.parse("00000000000000000010.json") == .commit(10))
        #expect(LogFileName.parse("00000000000000000010.checkpoint.parquet") == .checkpoint(10))
        #expect(LogFileName.parse("00000000000000000010.checkpoint.0000000002.0000000003.parquet") == .checkpointPart(10, part: 2, parts: 3))
        #expect(LogFileName.parse("00000000000000000006.checkpoint.1a1516f4-8a39-48f0-9ccd-cc3790d824c7.parquet") == .v2Checkpoint(6))
        #expect(LogFileName.parse("00000000000000000010.crc") == nil)
        #expect(LogFileName.parse("_last_checkpoint") == nil)
        #expect(LogFileName.parse("0000000000000000010.json") == nil)
        #expect(LogFileName.commitName(7) == "00000000000000000007.json")
    }

    @Test("segments start at the newest complete checkpoint at or before the version and need every commit after it")
    func segments() throws {
        func files(_ names: [String]) -> [StoredFile] { names.map { StoredFile(name: $0, size: 1, modificationTime: 0) } }
        let listing = files((0 ... 12).map(LogFileName.commitName) + ["00000000000000000010.checkpoint.parquet",
            "00000000000000000005.checkpoint.0000000001.0000000002.parquet"])
        let latest = try LogSegment.build(listing: listing, target: nil, table: "t")
        #expect(latest.version == 12 && latest.checkpoint?.version == 10 && latest.commits.map(\.version) == [11, 12])
        let old = try LogSegment.build(listing: listing, target: 7, table: "t")
        #expect(old.checkpoint == nil && old.commits.map(\.version) == Array(0 ... 7), "the 2-part checkpoint at 5 is incomplete")
        let missing = #expect(throws: DeltaError.self) {
            try LogSegment.build(listing: files([0, 1, 3].map(LogFileName.commitName)), target: nil, table: "t")
        }
        #expect(missing?.kind == .corruptLog && missing?.message.contains("00000000000000000002.json is missing") == true)
        let tooNew = #expect(throws: DeltaError.self) { try LogSegment.build(listing: listing, target: 13, table: "t") }
        #expect(tooNew?.description == "t: version 13 does not exist (the latest is 12)")
    }

    @Test("paths are percent-decoded exactly once")
    func paths() {
        #expect(DeltaPath.decode("a%20b/c%253D.parquet") == "a b/c%3D.parquet")
        #expect(DeltaPath.decode("plain.parquet") == "plain.parquet")
        #expect(DeltaPath.decode("bad%zz%4") == "bad%zz%4")
    }

    @Test("JSON: exact integers, escapes, surrogate pairs, and errors with byte offsets")
    func json() throws {
        let node = try JSONParser.parse(#"{"a": 9007199254740993, "b": [1.5, true, null], "c": "x\u00e9\ud83d\ude00\n"}"#)
        #expect(node["a"] == .int(9_007_199_254_740_993))
        #expect(node["b"] == .array([.double(1.5), .bool(true), .null]))
        #expect(node["c"] == .string("xé😀\n"))
        #expect(node.text == #"{"a":9007199254740993,"b":[1.5,true,null],"c":"xé😀\n"}"#)
        for (text, offset) in [("{\"a\" 1}", 5), ("[1,]", 3), ("01", 0), ("\"abc", 4), ("{} x", 3)] {
            let error = #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
            #expect(error?.offset == offset, "\(text): \(String(describing: error))")
        }
    }
}
