import Foundation
import SluiceCore
import Testing

@Suite("sluice parquet schema / meta")
struct ParquetCommandTests {
    /// The shared conformance corpus, or nil (with a visible note) when this checkout has none.
    static var corpus: String? {
        let path = URL(fileURLWithPath: CLI.repositoryRoot).deletingLastPathComponent()
            .appendingPathComponent("shared/conformance/parquet").path
        if FileManager.default.fileExists(atPath: path) { return path }
        print("SKIPPED: ../shared/conformance/parquet is absent; Parquet CLI tests need it")
        return nil
    }

    @Test("schema prints the Parquet schema, nested groups included, as text and JSON")
    func schema() throws {
        guard let corpus = Self.corpus else { return }
        let text = try CLI.run(["parquet", "schema", corpus + "/data/alltypes_plain.parquet"])
        #expect(text.status == 0)
        #expect(text.stdout.hasPrefix("message schema {\n  optional int32 id;\n  optional boolean bool_col;"))
        #expect(text.stdout.contains("  optional int96 timestamp_col;\n}"))
        let nested = try CLI.run(["parquet", "schema", corpus + "/data/nested_maps.snappy.parquet"])
        #expect(nested.stdout.contains("  optional group a (MAP) {\n    repeated group key_value {\n      required byte_array key (UTF8);"))
        let json = try Value.parseJSON(try CLI.run(["parquet", "schema", corpus + "/data/alltypes_plain.parquet", "--json"]).stdout)
        #expect(json["fields"]?.listValue?.count == 11)
        #expect(json["fields"]?.listValue?.first?["physical_type"] == .string("INT32"))
    }

    @Test("meta reports row groups, codecs, encodings and sizes")
    func meta() throws {
        guard let corpus = Self.corpus else { return }
        let json = try Value.parseJSON(try CLI.run(["parquet", "meta", corpus + "/data/alltypes_plain.snappy.parquet", "--json"]).stdout)
        #expect(json["num_rows"] == .int(2))
        let first = json["row_groups"]?.listValue?.first?["columns"]?.listValue?.first
        #expect(first?["path"] == .string("id"))
        #expect(first?["codec"] == .string("SNAPPY"))
        #expect(first?["encodings"] == .list([.string("RLE"), .string("PLAIN_DICTIONARY"), .string("PLAIN")]))
    }

    @Test("encrypted, foreign and missing files are one-line errors naming the file and byte offset")
    func errors() throws {
        guard let corpus = Self.corpus else { return }
        let encrypted = corpus + "/data/encrypt_columns_and_footer.parquet.encrypted"
        let out = try CLI.run(["parquet", "schema", encrypted])
        #expect(out.status == 1)
        #expect(out.stderr.hasPrefix("error: \(encrypted): at byte "))
        #expect(out.stderr.hasSuffix("encrypted Parquet (PARE) is not supported\n"))
        let dir = try CLI.temporaryFolder()
        try "not parquet at all".write(toFile: dir + "/x.parquet", atomically: true, encoding: .utf8)
        let foreign = try CLI.run(["parquet", "meta", dir + "/x.parquet"])
        #expect(foreign.status == 1 && foreign.stderr.contains("x.parquet: at byte"))
        let missing = try CLI.run(["parquet", "meta", dir + "/nope.parquet"])
        #expect(missing.stderr == "error: \(dir)/nope.parquet: cannot open the file\n")
    }

    @Test("cat prints rows as JSON lines or CSV, with projection and a limit")
    func cat() throws {
        guard let corpus = Self.corpus else { return }
        let file = corpus + "/data/alltypes_plain.parquet"
        let jsonl = try CLI.run(["parquet", "cat", file, "--columns", "id,bool_col,double_col", "--limit", "2"])
        #expect(jsonl.status == 0)
        #expect(jsonl.stdout == "{\"id\":4,\"bool_col\":true,\"double_col\":0.0}\n{\"id\":5,\"bool_col\":false,\"double_col\":10.1}\n")
        let csv = try CLI.run(["parquet", "cat", file, "--columns", "id,timestamp_col", "--format", "csv", "--limit", "1"])
        #expect(csv.stdout == "id,timestamp_col\n4,2009-03-01T00:00:00.000000000\n")
        let all = try CLI.run(["parquet", "cat", file])
        #expect(all.stdout.split(separator: "\n").count == 8)
        let nested = try CLI.run(["parquet", "cat", corpus + "/data/nested_maps.snappy.parquet", "--limit", "1"])
        #expect(nested.status == 0)
        #expect(nested.stdout == #"{"a":{"a":{"1":true,"2":false}},"b":1,"c":1.0}"# + "\n")
        let badFormat = try CLI.run(["parquet", "cat", file, "--format", "xml"])
        #expect(badFormat.status == 2)
    }

    @Test("convert writes CSV and Parquet input as Parquet with the chosen options, losslessly")
    func convert() throws {
        let dir = try CLI.temporaryFolder()
        try "day,ticker,close,volume\n2024-01-02,AAPL,185.64,82488700\n2024-01-03,\"A,B\",,1\n"
            .write(toFile: dir + "/in.csv", atomically: true, encoding: .utf8)
        let csv = try CLI.run(["parquet", "convert", dir + "/in.csv", dir + "/a.parquet"])
        #expect(csv.status == 0, "\(csv.stderr)")
        #expect(csv.stdout == "wrote \(dir)/a.parquet: 2 rows, 1 row group(s), \(try FileManager.default.attributesOfItem(atPath: dir + "/a.parquet")[.size] as! Int) bytes\n")
        let rows = try CLI.run(["parquet", "cat", dir + "/a.parquet"]).stdout
        #expect(rows == "{\"day\":\"2024-01-02\",\"ticker\":\"AAPL\",\"close\":185.64,\"volume\":82488700}\n{\"day\":\"2024-01-03\",\"ticker\":\"A,B\",\"close\":null,\"volume\":1}\n")
        let again = try CLI.run(["parquet", "convert", dir + "/a.parquet", dir + "/b.parquet", "--compression", "zstd",
                                 "--page-version", "2", "--dictionary", "off", "--row-group-rows", "1"])
        #expect(again.stdout.contains("2 rows, 2 row group(s)"))
        #expect(try CLI.run(["parquet", "cat", dir + "/b.parquet"]).stdout == rows)
        let typed = try CLI.run(["parquet", "convert", dir + "/in.csv", dir + "/c.parquet", "--schema", "day:date,ticker:string,close:double,volume:double"])
        #expect(typed.status == 0)
        let bad = try CLI.run(["parquet", "convert", dir + "/in.csv", dir + "/d.parquet", "--schema", "day:date,ticker:int64,close:double,volume:double"])
        #expect(bad.stderr == "error: \(dir)/in.csv:2:2: 'AAPL' in column 'ticker' is not a valid int64\n")
        #expect(!FileManager.default.fileExists(atPath: dir + "/d.parquet"), "nothing is written on failure")
    }

    @Test("--where keeps the matching rows and skips row groups whose statistics rule them out")
    func whereConditions() throws {
        let dir = try CLI.temporaryFolder()
        var csv = "day,ticker,close\n"
        for i in 0..<60 { csv += "2024-01-\(String(format: "%02d", i % 28 + 1)),T\(i / 20),\(Double(i) + 0.5)\n" }
        try csv.write(toFile: dir + "/in.csv", atomically: true, encoding: .utf8)
        #expect(try CLI.run(["parquet", "convert", dir + "/in.csv", dir + "/t.parquet", "--row-group-rows", "20"]).status == 0)
        let rows = try CLI.run(["parquet", "cat", dir + "/t.parquet", "--where", "ticker=T1", "--where", "close >= 37", "--columns", "close"])
        #expect(rows.stdout == "{\"close\":37.5}\n{\"close\":38.5}\n{\"close\":39.5}\n")
        let scan = try CLI.run(["parquet", "scan", dir + "/t.parquet", "--where", "close < 10"])
        #expect(scan.stdout.hasPrefix("10 rows, 3 column(s), 3 row group(s) in "))
        #expect(scan.stdout.hasSuffix("(1 row group(s) read, the others ruled out by statistics)\n"))
        let bad = try CLI.run(["parquet", "cat", dir + "/t.parquet", "--where", "close ~ 3"])
        #expect(bad.status == 1)
        #expect(bad.stderr.hasPrefix("error: predicate 'close ~ 3': expected COLUMN OP VALUE"))
    }

    @Test("a reader that stops early (| head -1) ends cat quietly with status 0, not a trap")
    func closedPipe() throws {
        let dir = try CLI.temporaryFolder()
        let csv = "n,s\n" + (0..<50_000).map { "\($0),row \($0)\n" }.joined()
        try csv.write(toFile: dir + "/in.csv", atomically: true, encoding: .utf8)
        #expect(try CLI.run(["parquet", "convert", dir + "/in.csv", dir + "/t.parquet"]).status == 0)
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/bash")
        shell.arguments = ["-c", "set -o pipefail; '\(CLI.binary)' parquet cat '\(dir)/t.parquet' 2>&1 | head -1 > /dev/null"]
        try shell.run()
        shell.waitUntilExit()
        #expect(shell.terminationStatus == 0)
    }

    @Test("scan reads every row without printing them")
    func scan() throws {
        guard let corpus = Self.corpus else { return }
        let out = try CLI.run(["parquet", "scan", corpus + "/data/alltypes_tiny_pages.parquet", "--columns", "id,string_col"])
        #expect(out.status == 0)
        #expect(out.stdout.hasPrefix("7300 rows, 2 column(s), 1 row group(s) in "))
        let repeated = try CLI.run(["parquet", "scan", corpus + "/data/alltypes_tiny_pages.parquet", "--threads", "1", "--repeat", "2"])
        #expect(repeated.status == 0)
        #expect(repeated.stdout.hasPrefix("7300 rows, 13 column(s), 1 row group(s) in "))
        #expect(try CLI.run(["parquet", "scan", corpus + "/data/alltypes_tiny_pages.parquet", "--threads", "0"]).status == 2)
        #expect(try CLI.run(["parquet", "scan", corpus + "/data/alltypes_tiny_pages.parquet", "--repeat", "0"]).status == 2)
    }

    @Test("every malformed file in bad_data gives a clean result, never a crash")
    func badData() throws {
        guard let corpus = Self.corpus else { return }
        for name in try FileManager.default.contentsOfDirectory(atPath: corpus + "/bad_data") where name.hasSuffix(".parquet") {
            for command in ["meta", "cat"] {
                let out = try CLI.run(["parquet", command, corpus + "/bad_data/" + name])
                #expect(out.status == 0 || (out.status == 1 && out.stderr.hasPrefix("error: ")), "\(command) \(name): status \(out.status)")
            }
        }
    }
}
