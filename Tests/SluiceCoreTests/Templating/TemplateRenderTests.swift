import Foundation
import Testing
@testable import SluiceCore

@Suite("Template rendering")
struct TemplateRenderTests {
    typealias F = TemplateFixture

    @Test("every built-in variable renders in the context's time zone", arguments: [
        ("{{ ds }}", "2024-03-15"),
        ("{{ ds_nodash }}", "20240315"),
        ("{{ ts }}", "2024-03-15T09:30:00-04:00"),
        ("{{ ts_nodash }}", "20240315T093000"),
        ("{{ logical_date }}", "2024-03-15T09:30:00-04:00"),
        ("{{ data_interval_start }}", "2024-03-15T09:30:00-04:00"),
        ("{{ data_interval_end }}", "2024-03-18T09:30:00-04:00"),
        ("{{ prev_ds }}", "2024-03-14"),
        ("{{ next_ds }}", "2024-03-18"),
        ("{{ prev_ds_nodash }}", "20240314"),
        ("{{ next_ds_nodash }}", "20240318"),
        ("{{ run_id }}", "scheduled__2024-03-15T13:30:00+00:00"),
        ("{{ try_number }}", "2"),
        ("{{ dag.dag_id }}", "daily_prices"),
        ("{{ task.id }}", "load"),
        ("{{ task.task_id }}", "load"),
        ("{{ params.lookback }}", "5"),
        ("{{ params['symbol'] }}", "AAPL"),
        ("{{ conf.universe }}", "sp500"),
    ])
    func variables(source: String, expected: String) throws {
        #expect(try F.render(source) == expected)
    }

    @Test("ds is the local date, not the UTC date, when the zone is ahead of UTC")
    func localDateInTokyo() throws {
        var c = F.context()
        // 08:00 in Tokyo on the 15th is still the 14th in UTC; Airflow would say 2024-03-14.
        c.logicalDate = F.instant(F.tokyo, 2024, 3, 15, 8, 0)
        c.timeZone = F.tokyo
        #expect(try F.render("{{ ds }} {{ ts }} {{ ts_nodash }}", c) == "2024-03-15 2024-03-15T08:00:00+09:00 20240315T080000")
    }

    @Test("ts carries the offset in force at that instant, across a DST change")
    func offsetAcrossFallBack() throws {
        var c = F.context()
        // 01:30 on 2024-11-03 happens twice in New York; 06:30Z is the second, in EST.
        c.logicalDate = Date(timeIntervalSince1970: 1_730_615_400)
        #expect(try F.render("{{ ts }}", c) == "2024-11-03T01:30:00-05:00")
        c.logicalDate = Date(timeIntervalSince1970: 1_730_615_400 - 3600)
        #expect(try F.render("{{ ts }}", c) == "2024-11-03T01:30:00-04:00")
    }

    @Test("prev_ds and next_ds are null on the first and last run: empty text, .null value")
    func missingNeighbours() throws {
        let c = F.context(prev: nil, next: nil)
        #expect(try F.render("[{{ prev_ds }}][{{ next_ds_nodash }}]", c) == "[][]")
        #expect(try F.renderValue("{{ prev_ds }}", c) == .null)
        #expect(try F.render("{{ prev_ds | default(ds) }}", c) == "2024-03-15")
    }

    @Test("text around blocks is kept verbatim, including newlines and non-ASCII")
    func textAroundBlocks() throws {
        #expect(try F.render("load --date={{ds}} --sym={{ params.symbol }}\nété ✓") == "load --date=2024-03-15 --sym=AAPL\nété ✓")
    }

    @Test("a template without {{ is constant and renders unchanged, stray braces included")
    func constantTemplates() throws {
        let t = try Template(parsing: "echo ${#arr[@]} }} {# not a comment #} {x}")
        #expect(t.isConstant)
        #expect(try t.render(F.context()) == "echo ${#arr[@]} }} {# not a comment #} {x}")
        #expect(try t.renderValue(F.context()) == .string("echo ${#arr[@]} }} {# not a comment #} {x}"))
        #expect(try Template(parsing: "").isConstant)
        #expect(try !Template(parsing: "{{ 'x' }}").isConstant)
    }

    @Test("'{{' and '}}' can be written literally as string expressions")
    func escapingBraces() throws {
        #expect(try F.render("{{ '{{' }} ds {{ '}}' }}") == "{{ ds }}")
        #expect(try F.render("{{\"{{\"}}") == "{{")
    }

    @Test("string literals accept both quotes and backslash escapes; unknown escapes keep the backslash")
    func stringLiterals() throws {
        #expect(try F.render(#"{{ 'it\'s' }}|{{ "say \"hi\"" }}|{{ 'a\\b' }}|{{ 'x\ny' }}|{{ '\d' }}"#) == "it's|say \"hi\"|a\\b|x\ny|\\d")
    }

    @Test("renderValue keeps the type of a single block: ints, doubles, lists and maps")
    func typedSingleExpression() throws {
        #expect(try F.renderValue("{{ params.lookback }}") == .int(5))
        #expect(try F.renderValue("{{params.ratio}}") == .double(1.5))
        #expect(try F.renderValue("{{ params.tags }}") == .list([.string("a"), .string("b")]))
        #expect(try F.renderValue("{{ xcom('extract', 'rows') }}") == .int(1200))
        #expect(try F.renderValue("{{ true }}") == .bool(true))
        #expect(try F.renderValue("{{ None }}") == .null)
        #expect(try F.renderValue("{{ -2.5 }}") == .double(-2.5))
        #expect(try Template(parsing: "{{ params.lookback }}").isSingleExpression)
    }

    @Test("renderValue gives a string once there is any text around the block, even a space")
    func typedRenderNeedsBareBlock() throws {
        #expect(try F.renderValue(" {{ params.lookback }}") == .string(" 5"))
        #expect(try F.renderValue("{{ params.lookback }}{{ params.lookback }}") == .string("55"))
        #expect(try !Template(parsing: "n={{ params.lookback }}").isSingleExpression)
    }

    @Test("non-string values render as JSON: lists, maps, doubles, booleans")
    func jsonRendering() throws {
        #expect(try F.render("{{ params.tags }} {{ conf.nested }} {{ params.ratio }} {{ false }} {{ 2.0 }}")
            == #"["a","b"] {"inner":3} 1.5 false 2.0"#)
    }

    @Test("params and conf render as whole mappings with sorted keys")
    func wholeNamespaces() throws {
        #expect(try F.render("{{ conf }}") == #"{"nested":{"inner":3},"universe":"sp500"}"#)
        #expect(try F.renderValue("{{ dag }}") == .map([("dag_id", .string("daily_prices"))]))
    }

    @Test("nested conf values are reachable by attribute and by index")
    func nestedAccess() throws {
        #expect(try F.render("{{ conf.nested.inner }} {{ conf['nested']['inner'] }} {{ params.tags[1] }} {{ params.tags[-1] }}") == "3 3 b b")
    }

    @Test("a missing conf key is a run-time error pointing at the key, naming it")
    func missingConfKey() throws {
        let error = try #require(F.renderError("x={{ conf.univers }}"))
        #expect(error.offset == 10)
        #expect(error.message == "conf key 'univers' is not set for this run (add | default(...) to make it optional)")
    }

    @Test("default() supplies a fallback for missing conf keys, nested misses and null")
    func defaultFilter() throws {
        #expect(try F.render("{{ conf.region | default('us') }}") == "us")
        #expect(try F.render("{{ conf.universe | default('us') }}") == "sp500")
        #expect(try F.render("{{ conf.a.b.c | default(7) }}") == "7")
        #expect(try F.render("{{ params.nothing | default('n/a') }}") == "n/a")
        #expect(try F.renderValue("{{ conf.days | default(params.lookback) }}") == .int(5))
        #expect(try F.render("[{{ conf.region | default }}]") == "[]")
    }

    @Test("default(x, true) also replaces falsy values, as in Jinja")
    func defaultFalsy() throws {
        #expect(try F.render("[{{ params.empty | default('x') }}]") == "[]")
        #expect(try F.render("[{{ params.empty | default('x', true) }}]") == "[x]")
        #expect(try F.render("[{{ params.symbol | default('x', true) }}]") == "[AAPL]")
    }

    @Test("xcom reads return_value by default and an explicit key when given")
    func xcomKeys() throws {
        #expect(try F.render("{{ xcom('extract') }}") == "/data/2024-03-15.csv")
        #expect(try F.render("{{ xcom('extract', 'rows') }}") == "1200")
        #expect(try F.render("{{ xcom('extract', 'meta').source }}") == "vendor")
    }

    @Test("a missing XCom is a run-time error naming the task and key, unless defaulted")
    func missingXCom() throws {
        let error = try #require(F.renderError("{{ xcom('transform') }}"))
        #expect(error == TemplateRenderError(offset: 3, message: "no XCom value from task 'transform' with key 'return_value'"))
        let keyed = try #require(F.renderError("{{ xcom('extract', 'nope') }}"))
        #expect(keyed.message == "no XCom value from task 'extract' with key 'nope'")
        #expect(try F.render("{{ xcom('transform') | default('none yet') }}") == "none yet")
    }

    @Test("text filters: upper, lower, replace, string, join")
    func textFilters() throws {
        #expect(try F.render("{{ params.symbol | lower }} {{ 'abc' | upper }}") == "aapl ABC")
        #expect(try F.render("{{ ds | replace('-', '/') }}") == "2024/03/15")
        #expect(try F.render("{{ 'ab' | replace('', '.') }}") == ".a.b.")
        #expect(try F.renderValue("{{ params.lookback | string }}") == .string("5"))
        #expect(try F.render("{{ params.tags | join(',') }} {{ params.tags | join }}") == "a,b ab")
        #expect(try F.render("{{ ds | replace('-', '') | upper }}") == "20240315")
    }

    @Test("number filters: int truncates like Jinja, float widens; bad input is an error, not 0")
    func numberFilters() throws {
        #expect(try F.renderValue("{{ '42' | int }}") == .int(42))
        #expect(try F.renderValue("{{ ' 3.7 ' | int }}") == .int(3))
        #expect(try F.renderValue("{{ -3.7 | int }}") == .int(-3))
        #expect(try F.renderValue("{{ params.lookback | float }}") == .double(5))
        #expect(try F.renderValue("{{ '2.5' | float }}") == .double(2.5))
        #expect(try F.renderValue("{{ true | int }}") == .int(1))
        let error = try #require(F.renderError("{{ params.symbol | int }}"))
        #expect(error == TemplateRenderError(offset: 19, message: "filter 'int': cannot convert 'AAPL' to an integer"))
        #expect(F.renderError("{{ 1e300 | int }}")?.message == "filter 'int': 1e+300 does not fit in an integer")
    }

    @Test("tojson quotes strings and keeps mapping order")
    func tojsonFilter() throws {
        #expect(try F.render("{{ params.symbol | tojson }} {{ xcom('extract', 'meta') | tojson }}") == #""AAPL" {"source":"vendor"}"#)
        #expect(try F.renderValue("{{ params.lookback | tojson }}") == .string("5"))
    }

    @Test("+ adds numbers and joins strings or lists; ~ joins anything as text")
    func operators() throws {
        #expect(try F.renderValue("{{ params.lookback + 2 }}") == .int(7))
        #expect(try F.renderValue("{{ params.lookback - 10 }}") == .int(-5))
        #expect(try F.renderValue("{{ params.ratio + 1 }}") == .double(2.5))
        #expect(try F.render("{{ 'px_' + params.symbol }}") == "px_AAPL")
        #expect(try F.render("{{ params.symbol ~ '_' ~ params.lookback }}") == "AAPL_5")
        #expect(try F.renderValue("{{ -params.lookback }}") == .int(-5))
        #expect(try F.renderValue("{{ (1 + 2) - (3 - 4) }}") == .int(4))
    }

    @Test("filters bind tighter than operators, as in Jinja")
    func precedence() throws {
        #expect(try F.render("{{ 'a' ~ 'b' | upper }}") == "aB")
        #expect(try F.render("{{ ('a' ~ 'b') | upper }}") == "AB")
        #expect(try F.renderValue("{{ -1 | string }}") == .string("-1"))
    }

    @Test("type errors in operators are run-time errors with a hint")
    func operatorTypeErrors() throws {
        #expect(F.renderError("{{ params.symbol + 1 }}")
            == TemplateRenderError(offset: 17, message: "cannot add string and int (use ~ to join as text)"))
        #expect(F.renderError("{{ 9223372036854775807 + 1 }}")?.message == "integer overflow in '9223372036854775807 + 1'")
        #expect(F.renderError("{{ -ds }}")?.message == "cannot negate string 'ds'")
    }

    @Test("an unvalidated template still fails cleanly at run time on unknown names")
    func runtimeUnknownNames() throws {
        #expect(F.renderError("{{ dss }}") == TemplateRenderError(offset: 3, message: "unknown template variable 'dss' (did you mean 'ds'?)"))
        #expect(F.renderError("{{ ds | uper }}")?.message == "unknown filter 'uper' (did you mean 'upper'?)")
        #expect(F.renderError("{{ xcom }}")?.message == "'xcom' is a function; call it as xcom(task_id[, key])")
        #expect(F.renderError("{{ ds.year }}")?.message == "'ds' is a string, so it has no attribute 'year'")
        #expect(F.renderError("{{ params.tags[5] }}")?.message == "index 5 is out of range for 'params.tags' (2 items)")
    }
}
