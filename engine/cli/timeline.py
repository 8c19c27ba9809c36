"""`ceasefire timeline`: the verdicts per day and party, with the truce's phases and escalation episodes."""

from __future__ import annotations

import argparse
from pathlib import Path

from engine.cli.main import EXIT_OK, INPUT_HELP, add_evaluation, add_output, add_source, examples
from engine.cli.outputs import PLOT, check_output, check_plot, output, refuse_inputs, then_plot


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "timeline",
        help="count the verdicts per day and party, with phases and escalation",
        description="Count each verdict per calendar day (in the ruleset's time zone) and per party the verdict "
        "names, and list the truce's phases as they came into force and its escalation episodes. Incidents whose "
        "time falls on no one day (a week, a month, a span) are counted in a row of their own; the totals are "
        "`run`'s summary. With --plot, also draw the days as a chart.",
        epilog=examples(
            "ceasefire timeline scenarios/syria-2016-09-jic.yaml",
            "ceasefire timeline scenarios/syria-2016-09-jic.yaml --format json",
            "ceasefire timeline scenarios/syria-week-2016-09.yaml --format csv -o days.csv",
            "ceasefire timeline scenarios/syria-2016-09-jic.yaml --plot days.svg",
            "ceasefire timeline scenarios/syria-2016-09-jic.yaml --format html -o days.html",
            "ceasefire timeline acled-export.csv --rules idlib-2020-03 --plot days.png",
        ),
    )
    p.add_argument(
        "scenario",
        metavar="INPUT",
        type=Path,
        help=INPUT_HELP,
    )
    add_evaluation(p)
    add_source(p)
    add_output(p, ("table", "json", "csv", "html"))
    p.add_argument(PLOT, metavar="FILE", help="also draw the days as a chart: FILE.png or FILE.svg (needs matplotlib)")
    p.set_defaults(handler=timeline)


def timeline(args: argparse.Namespace) -> int:
    from engine.analysis.timeline import timeline as count_days
    from engine.cli.run import load_report
    from engine.report.render import console_for, write_timeline_csv, write_timeline_json, write_timeline_table

    check_output(args.output, [args.scenario])
    check_plot(args.plot, [args.scenario], args.output)
    report = load_report(args.scenario, args.rules, args.engine, args.sets, args.source, args.strict)
    for path, option in ((args.output, "--output"), (args.plot, PLOT)):
        refuse_inputs(path, report.compiled.files, option)  # known once loaded: the ruleset and what it extends
    days = count_days(report)
    chart = None
    if args.plot is not None:  # drawn before anything is written: a failure leaves no file behind
        from engine.report.plot import plot_timeline

        chart = plot_timeline(days, Path(args.plot).suffix.lower().removeprefix("."))
    page = None
    if args.format == "html":  # made whole before anything is written, as the chart is
        from engine.report.html import timeline_html

        page = timeline_html(days, report.compiled, str(args.scenario))
    with then_plot(args.plot, chart), output(args.output) as out:
        if page is not None:
            out.write(page)
        elif args.format == "json":
            write_timeline_json(days, out)
        elif args.format == "csv":
            write_timeline_csv(days, out)
        else:
            write_timeline_table(days, console_for(out, args.width))
    return EXIT_OK
