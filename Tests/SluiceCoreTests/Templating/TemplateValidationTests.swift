import Foundation
import Testing
@testable import SluiceCore

@Suite("Template validation")
struct TemplateValidationTests {
    typealias F = TemplateFixture
    typealias P = TemplateFixture.Pair

    @Test("valid templates using every kind of name produce no issues")
    func validTemplates() {
        let source = """
            {{ ds }} {{ ds_nodash }} {{ ts }} {{ ts_nodash }} {{ logical_date }} {{ data_interval_start }}
            {{ data_interval_end }} {{ prev_ds }} {{ next_ds }} {{ prev_ds_nodash }} {{ next_ds_nodash }}
            {{ run_id }} {{ try_number }} {{ dag.dag_id }} {{ task.id }} {{ task.task_id }} {{ params.lookback }}
            {{ params['symbol'] }} {{ conf.anything.at.all | default('x') }} {{ xcom('extract') }}
            {{ xcom('transform', 'rows') }} {{ macros.ds_add(ds, -5) }} {{ macros.ds_format(ds, '%Y-%m-%d', '%Y%m%d') }}
            {{ params.tags | join(',') | upper | lower | replace('a', 'b') | tojson | string }} {{ '1' | int | float }}
            {{ params.lookback + 1 - 2 ~ 'x' }} {{ params }} {{ conf }} {{ -params.ratio }} {{ xcom(conf.task) }}
            """
        #expect(F.issues(source) == [])
    }

    @Test("an unknown variable is reported at its offset with a suggestion")
    func unknownVariable() {
        #expect(F.issues("{{ dss }}") == [P(offset: 3, message: "unknown template variable 'dss' (did you mean 'ds'?)")])
        #expect(F.issues("{{ nothing_like_it }}") == [P(offset: 3, message: "unknown template variable 'nothing_like_it'")])
    }

    @Test("Airflow-only names get a pointer to the Sluice spelling")
    func airflowHints() {
        #expect(F.issues("{{ ti.xcom_pull('extract') }}")
            == [P(offset: 3, message: "unknown template variable 'ti' (use xcom('task_id') to read XCom values)")])
        #expect(F.issues("{{ execution_date }}") == [P(offset: 3, message: "unknown template variable 'execution_date' (use 'logical_date')")])
    }

    @Test("offsets count Unicode scalars, so a decomposed accent counts twice")
    func scalarOffsets() {
        #expect(F.issues("cafe\u{301} {{ dss }}").map(\.offset) == [9])
        #expect(F.issues("✓ {{ dss }}").map(\.offset) == [5])
    }

    @Test("an undeclared param is an error at the param name, by attribute or by index")
    func unknownParam() {
        #expect(F.issues("run --days {{ params.lookbak }}")
            == [P(offset: 21, message: "unknown param 'lookbak' (did you mean 'lookback'?)")])
        #expect(F.issues("{{ params['lookbak'] }}")
            == [P(offset: 10, message: "unknown param 'lookbak' (did you mean 'lookback'?)")])
        #expect(F.issues("{{ params.x }}", TemplateScope())
            == [P(offset: 10, message: "unknown param 'x' (this DAG declares no params)")])
    }

    @Test("conf accepts any key at load time, because conf is only known per run")
    func confIsFreeForm() {
        #expect(F.issues("{{ conf.universe }} {{ conf['any key'] }} {{ conf.a.b }}") == [])
    }

    @Test("xcom of a task that is not in the DAG is an error at the task id")
    func xcomUnknownTask() {
        #expect(F.issues("{{ xcom('x') }}") == [P(offset: 8, message: "xcom('x'): no task 'x' in this DAG")])
        #expect(F.issues("{{ xcom('extrct', 'rows') }}")
            == [P(offset: 8, message: "xcom('extrct'): no task 'extrct' in this DAG (did you mean 'extract'?)")])
    }

    @Test("xcom of a task that is not upstream is an error when upstream tasks are known")
    func xcomNotUpstream() {
        #expect(F.issues("{{ xcom('load') }}")
            == [P(offset: 8, message: "xcom('load'): task 'load' is not upstream of this task, so its value may not exist yet")])
        var scope = F.scope
        scope.upstreamTaskIDs = nil
        #expect(F.issues("{{ xcom('load') }}", scope) == [])
    }

    @Test("xcom arguments that are literals of the wrong type are errors")
    func xcomLiteralTypes() {
        #expect(F.issues("{{ xcom(1) }}") == [P(offset: 8, message: "xcom: task_id must be a string, got int")])
        #expect(F.issues("{{ xcom('extract', none) }}") == [P(offset: 19, message: "xcom: key must be a string, got null")])
    }

    @Test("unknown attributes of dag and task are errors at the attribute")
    func unknownAttributes() {
        #expect(F.issues("{{ dag.foo }}") == [P(offset: 7, message: "unknown attribute 'dag.foo'")])
        #expect(F.issues("{{ dag.dagid }}") == [P(offset: 7, message: "unknown attribute 'dag.dagid' (did you mean 'dag.dag_id'?)")])
        #expect(F.issues("{{ task['taskid'] }}") == [P(offset: 8, message: "unknown attribute 'task.taskid' (did you mean 'task.task_id'?)")])
    }

    @Test("an unknown macro is an error at the macro name")
    func unknownMacro() {
        #expect(F.issues("{{ macros.ds_ad(ds, 1) }}") == [P(offset: 10, message: "unknown macro 'macros.ds_ad' (did you mean 'macros.ds_add'?)")])
        #expect(F.issues("{{ macros.datetime.now() }}")
            == [P(offset: 10, message: "unknown macro 'macros.datetime' (available: macros.ds_add, macros.ds_format)")])
    }

    @Test("an unknown filter is an error at the filter name")
    func unknownFilter() {
        #expect(F.issues("{{ ds | uper }}") == [P(offset: 8, message: "unknown filter 'uper' (did you mean 'upper'?)")])
    }

    @Test("wrong argument counts are errors at the function, macro or filter name")
    func argumentCounts() {
        #expect(F.issues("{{ macros.ds_add(ds) }}") == [P(offset: 10, message: "macros.ds_add takes 2 arguments (ds, days), got 1")])
        #expect(F.issues("{{ xcom() }}") == [P(offset: 3, message: "xcom takes 1 or 2 arguments (task_id[, key]), got 0")])
        #expect(F.issues("{{ xcom('extract', 'a', 'b') }}") == [P(offset: 3, message: "xcom takes 1 or 2 arguments (task_id[, key]), got 3")])
        #expect(F.issues("{{ ds | replace('-') }}") == [P(offset: 8, message: "filter 'replace' takes 2 arguments (old, new), got 1")])
        #expect(F.issues("{{ ds | upper(1) }}") == [P(offset: 8, message: "filter 'upper' takes no arguments, got 1")])
        #expect(F.issues("{{ ds | join(1, 2) }}") == [P(offset: 8, message: "filter 'join' takes at most 1 argument (separator), got 2")])
        #expect(F.issues("{{ macros.ds_format(ds, '%Y') }}")
            == [P(offset: 10, message: "macros.ds_format takes 3 arguments (ds, input_format, output_format), got 2")])
    }

    @Test("literal macro arguments are checked: dates, day counts and format directives")
    func macroLiterals() {
        #expect(F.issues("{{ macros.ds_add(ds, '5') }}") == [P(offset: 21, message: "macros.ds_add: days must be an integer, got string")])
        #expect(F.issues("{{ macros.ds_add('2024-02-30', 1) }}")
            == [P(offset: 17, message: "macros.ds_add: '2024-02-30' is not a date in YYYY-MM-DD form")])
        #expect(F.issues("{{ macros.ds_format(ds, '%Y-%m-%d', '%Y%') }}")
            == [P(offset: 36, message: "macros.ds_format: output_format ends with a lone '%'")])
    }

    @Test("functions and namespaces used as values, and calls of non-functions, are errors")
    func misuseOfFunctions() {
        #expect(F.issues("{{ xcom }}") == [P(offset: 3, message: "'xcom' is a function; call it as xcom(task_id[, key])")])
        #expect(F.issues("{{ macros.ds_add | upper }}")
            == [P(offset: 10, message: "'macros.ds_add' is a function; call it as macros.ds_add(ds, days)")])
        #expect(F.issues("{{ macros }}")
            == [P(offset: 3, message: "'macros' is a namespace, not a value; call macros.ds_add(...) or macros.ds_format(...)")])
        #expect(F.issues("{{ ds(1) }}") == [P(offset: 3, message: "'ds' is not a function; only xcom(...) and macros.* can be called")])
    }

    @Test("an unclosed block is reported at its '{{'")
    func unclosedBlock() {
        #expect(F.issues("a {{ ds ") == [P(offset: 2, message: "unclosed '{{' (expected '}}')")])
        #expect(F.issues("a {{ ds |") == [P(offset: 2, message: "unclosed '{{' (expected '}}')")])
        // The next block still gets checked: the scan resumes at its '{{'.
        #expect(F.issues("{{ ds {{ dss }}") == [
            P(offset: 0, message: "unclosed '{{' (expected '}}')"),
            P(offset: 9, message: "unknown template variable 'dss' (did you mean 'ds'?)"),
        ])
    }

    @Test("syntax errors point at the offending token")
    func syntaxErrors() {
        #expect(F.issues("{{ ds | }}") == [P(offset: 8, message: "expected an expression after '|'")])
        #expect(F.issues("{{ ds | 'x' }}") == [P(offset: 8, message: "expected an expression after '|'")])
        #expect(F.issues("{{ }}") == [P(offset: 3, message: "expected an expression after '{{'")])
        #expect(F.issues("{{ ds * 2 }}") == [P(offset: 6, message: "unexpected '*' (expected '}}')")])
        #expect(F.issues("{{ ds ds }}") == [P(offset: 6, message: "unexpected 'ds' (expected '}}')")])
        #expect(F.issues("{{ ds }") == [P(offset: 6, message: "unexpected '}' (did you mean '}}'?)")])
        #expect(F.issues("{{ ds + }}") == [P(offset: 8, message: "expected an expression after '+'")])
        #expect(F.issues("{{ xcom('extract', ) }}") == [])
        #expect(F.issues("{{ xcom('extract' 'rows') }}") == [P(offset: 18, message: "expected ',' or ')' in the argument list")])
        #expect(F.issues("{{ dag. }}") == [P(offset: 8, message: "expected an attribute name after '.'")])
        #expect(F.issues("{{ 99999999999999999999 }}") == [P(offset: 3, message: "integer literal 99999999999999999999 is too large")])
    }

    @Test("Jinja whitespace control markers are rejected rather than read as minus signs")
    func whitespaceControl() {
        #expect(F.issues("a {{- ds }}") == [P(offset: 4, message: "whitespace control '{{-' is not supported; remove the '-'")])
        #expect(F.issues("{{ ds -}} b") == [P(offset: 6, message: "whitespace control '-}}' is not supported; remove the '-'")])
        #expect(F.issues("{{ -5 }} {{ 1 - 2}}") == [])
    }

    @Test("an unterminated string is reported at its opening quote")
    func unterminatedString() {
        #expect(F.issues("{{ 'abc }}") == [P(offset: 3, message: "unterminated string (missing closing ')")])
        #expect(F.issues("x {{ \"abc") == [P(offset: 5, message: "unterminated string (missing closing \")")])
    }

    @Test("statements are rejected with a clear message at the '{%'")
    func statementsRejected() {
        #expect(F.issues("ok {% if x %}y{% endif %}") == [
            P(offset: 3, message: "statements {% ... %} are not supported; only {{ expressions }}"),
            P(offset: 14, message: "statements {% ... %} are not supported; only {{ expressions }}"),
        ])
    }

    @Test("every bad block in a source is reported, in source order")
    func allIssuesReported() {
        #expect(F.issues("{{ dss }} and {{ params.lookbak }} and {{ ds | }} and {{ xcom('x') | uper }}") == [
            P(offset: 3, message: "unknown template variable 'dss' (did you mean 'ds'?)"),
            P(offset: 24, message: "unknown param 'lookbak' (did you mean 'lookback'?)"),
            P(offset: 47, message: "expected an expression after '|'"),
            P(offset: 62, message: "xcom('x'): no task 'x' in this DAG"),
            P(offset: 69, message: "unknown filter 'uper' (did you mean 'upper'?)"),
        ])
    }

    @Test("parsing throws the first issue that validate reports, and issues(in:) sees name errors")
    func parsingAgreesWithValidate() throws {
        for source in ["{{ ds | }}", "a {{ ds", "{% x %}", "{{ 'abc }}"] {
            #expect(throws: Template.validate(source, scope: F.scope)[0]) { _ = try Template(parsing: source) }
        }
        let t = try Template(parsing: "{{ params.lookbak }}")
        #expect(t.issues(in: F.scope).map(\.offset) == [10])
    }
}
