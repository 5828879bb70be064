import Foundation
import Testing
@testable import SluiceCore

@Suite("Template macros")
struct TemplateMacroTests {
    typealias F = TemplateFixture

    @Test("macros.ds_add crosses month ends, year ends and leap days", arguments: [
        ("2024-01-31", 1, "2024-02-01"),
        ("2023-12-31", 1, "2024-01-01"),
        ("2024-01-01", -1, "2023-12-31"),
        ("2024-02-28", 1, "2024-02-29"),
        ("2024-02-29", 1, "2024-03-01"),
        ("2023-02-28", 1, "2023-03-01"),
        ("2024-03-01", -1, "2024-02-29"),
        ("2100-02-28", 1, "2100-03-01"),
        ("2000-02-28", 1, "2000-02-29"),
        ("2024-01-01", 365, "2024-12-31"),
        ("2024-03-15", 0, "2024-03-15"),
    ])
    func dsAdd(ds: String, days: Int, expected: String) throws {
        #expect(try F.render("{{ macros.ds_add('\(ds)', \(days)) }}") == expected)
    }

    @Test("macros.ds_add works on the run's ds with a negative literal or a param")
    func dsAddWithVariables() throws {
        #expect(try F.render("{{ macros.ds_add(ds, -5) }}") == "2024-03-10")
        #expect(try F.render("{{ macros.ds_add(ds, -params.lookback) }}") == "2024-03-10")
        #expect(try F.render("{{ macros.ds_add(ds, params.lookback) | replace('-', '') }}") == "20240320")
    }

    @Test("macros.ds_add rejects malformed dates and absurd offsets without crashing")
    func dsAddErrors() throws {
        #expect(F.renderError("{{ macros.ds_add('2024-02-30', 1) }}")
            == TemplateRenderError(offset: 10, message: "macros.ds_add: '2024-02-30' is not a date in YYYY-MM-DD form"))
        #expect(F.renderError("{{ macros.ds_add(ds, '1') }}")?.message == "macros.ds_add: days must be an integer, got string")
        #expect(F.renderError("{{ macros.ds_add(ds, 9223372036854775807) }}")?.message
            == "macros.ds_add: 2024-03-15 plus 9223372036854775807 days is outside years 1-9999")
        #expect(F.renderError("{{ macros.ds_add('9999-12-31', 1) }}") != nil)
    }

    @Test("macros.ds_format reformats dates like Python's strptime/strftime", arguments: [
        ("2024-03-15", "%Y-%m-%d", "%Y%m%d", "20240315"),
        ("20240315", "%Y%m%d", "%d/%m/%Y", "15/03/2024"),
        ("2024-03-15", "%Y-%m-%d", "%b %d, %Y", "Mar 15, 2024"),
        ("2024-03-15", "%Y-%m-%d", "%a %A %B %j %y", "Fri Friday March 075 24"),
        ("2024-03-15", "%Y-%m-%d", "%H:%M:%S %I%p 100%%", "00:00:00 12AM 100%"),
        ("5 march 2024", "%d %B %Y", "%Y-%m-%d", "2024-03-05"),
        ("15-Mar-24", "%d-%b-%y", "%Y-%m-%d", "2024-03-15"),
        ("01/02/69", "%m/%d/%y", "%Y-%m-%d", "1969-01-02"),
        ("01/02/68", "%m/%d/%y", "%Y-%m-%d", "2068-01-02"),
        ("2024-060", "%Y-%j", "%Y-%m-%d", "2024-02-29"),
        ("2024-03-15 04:05:06 PM", "%Y-%m-%d %I:%M:%S %p", "%H%M%S", "160506"),
        ("2024-03-15   12:00", "%Y-%m-%d %H:%M", "%d %H", "15 12"),
        ("Friday 2024-03-15", "%A %Y-%m-%d", "%Y%m%d", "20240315"),
    ])
    func dsFormat(ds: String, input: String, output: String, expected: String) throws {
        #expect(try F.render("{{ macros.ds_format('\(ds)', '\(input)', '\(output)') }}") == expected)
    }

    @Test("macros.ds_format with the run's ds, the common Airflow idiom")
    func dsFormatOnDs() throws {
        #expect(try F.render("{{ macros.ds_format(ds, '%Y-%m-%d', '%Y%m%d') }}") == "20240315")
        #expect(try F.render("{{ macros.ds_format(macros.ds_add(ds, 1), '%Y-%m-%d', '%A') }}") == "Saturday")
    }

    @Test("macros.ds_format reports text that does not match, leftovers and impossible days")
    func dsFormatErrors() throws {
        #expect(F.renderError("{{ macros.ds_format('2024/03/15', '%Y-%m-%d', '%Y') }}")?.message
            == "macros.ds_format: '2024/03/15' does not match format '%Y-%m-%d'")
        #expect(F.renderError("{{ macros.ds_format('2024-03-15x', '%Y-%m-%d', '%Y') }}")?.message
            == "macros.ds_format: '2024-03-15x' does not match format '%Y-%m-%d' (unconverted text remains)")
        #expect(F.renderError("{{ macros.ds_format('2023-02-29', '%Y-%m-%d', '%Y') }}")?.message
            == "macros.ds_format: '2023-02-29': day is out of range for month")
        #expect(F.renderError("{{ macros.ds_format(ds, '%Y-%m-%d', '%Q') }}")?.message
            == "macros.ds_format: format uses unsupported directive '%Q' (supported: %Y %y %m %d %j %H %I %M %S %p %b %B %a %A %%)")
    }
}
