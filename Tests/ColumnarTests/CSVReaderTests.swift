import Testing
@testable import Columnar

@Suite("CSV reader")
struct CSVReaderTests {
    @Test("quotes, doubled quotes, newlines inside quotes and CRLF line ends")
    func quoting() throws {
        let text = "a,b\r\n\"x, y\",\"say \"\"hi\"\"\"\r\n\"two\nlines\",plain\r\n"
        let batch = try CSVReader.read(text)
        #expect(batch.rowCount == 2)
        #expect(JSONLines.render(batch) == "{\"a\":\"x, y\",\"b\":\"say \\\"hi\\\"\"}\n{\"a\":\"two\\nlines\",\"b\":\"plain\"}\n")
    }

    @Test("types are inferred as the narrowest that fits every value; empty fields are nulls")
    func inference() throws {
        let batch = try CSVReader.read("i,f,d,t,b,s\n1,1,2024-02-29,2024-01-02T09:30:00Z,true,x\n-7,2.5,,2024-01-02 09:30:00.5+02:00,FALSE,\n")
        #expect(batch.schema.fields.map(\.type) == [.int64, .float64, .date32, .timestamp(.micro, timezone: "UTC"), .bool, .string])
        #expect(JSONLines.render(batch).hasSuffix("{\"i\":-7,\"f\":2.5,\"d\":null,\"t\":\"2024-01-02T07:30:00.500000Z\",\"b\":false,\"s\":null}\n"))
    }

    @Test("a given schema fixes the types and checks every value")
    func schema() throws {
        let types = try CSVReader.parseSchemaSpec("ticker:string, close:double, day:date")
        let batch = try CSVReader.read("day,ticker,close\n2024-01-02,AAPL,185.6\n", types: types)
        #expect(batch.schema.fields.map(\.type) == [.date32, .string, .float64])
        do {
            _ = try CSVReader.read("day,ticker,close\n2024-01-02,AAPL,n/a\n", types: types)
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "2:3: 'n/a' in column 'close' is not a valid double")
        }
    }

    @Test("malformed CSV is refused with the line and column", arguments: [
        ("a,b\n1\n", "2:1: expected 2 fields (as in the header), found 1"),
        ("a,b\n\"open,1\n", "2:1: unterminated quoted field"),
        ("a,b\nx\"y,1\n", "2:2: a quote inside an unquoted field (quote the whole field)"),
        ("a,a\n1,2\n", "1:2: duplicate column name 'a'"),
        ("", "1:1: the file is empty; expected a header row"),
    ])
    func malformed(text: String, expected: String) {
        do {
            _ = try CSVReader.read(text)
            Issue.record("expected an error for \(text.debugDescription)")
        } catch {
            #expect(error.description == expected)
        }
    }

    @Test("schema specs are checked")
    func badSpec() {
        #expect(throws: CSVError.self) { try CSVReader.parseSchemaSpec("a:int64,b") }
        #expect(throws: CSVError.self) { try CSVReader.parseSchemaSpec("a:money") }
        #expect(throws: CSVError.self) { try CSVReader.read("a\n1\n", types: [("b", .int64)]) }
    }
}
