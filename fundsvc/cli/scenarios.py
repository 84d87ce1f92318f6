"""``fundsvc scenarios list|show``: the bundled scenarios."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from fundsvc.errors import FundsvcError, NotFoundError
from fundsvc.formatting import fmt_money, money_unit
from fundsvc.inputs.bundled import bundled_dir, bundled_scenarios, resolve_scenario
from fundsvc.inputs.loader import load_scenario
from fundsvc.inputs.summary import summarise


def register(app: typer.Typer) -> None:
    sub = typer.Typer(help="Bundled scenarios.", no_args_is_help=True)

    @sub.command("list")
    def list_(as_json: bool = typer.Option(False, "--json", help="Print JSON (schema in fundsvc.cli.schemas).")) -> None:
        """List the bundled scenarios with their size."""
        console = Console(soft_wrap=True)
        files = bundled_scenarios()
        if not files:
            raise NotFoundError(f"no scenarios found in {bundled_dir()} (set FUNDSVC_SCENARIOS_DIR)")
        if as_json:
            from fundsvc.cli.runs import print_json

            docs = []
            for f in files:
                try:
                    s = summarise(load_scenario(f).scenario)
                    docs.append({"file": f.name, "valid": True, "title": s.title, "sub_funds": s.n_sub_funds,
                                 "guidance_committed_cny": s.guidance_committed_cny, "pools": s.n_pools,
                                 "loans": s.n_loans})
                except FundsvcError as exc:
                    docs.append({"file": f.name, "valid": False, "error": str(exc).splitlines()[0]})
            print_json({"scenarios": docs})
            return
        rows: list[tuple] = []
        for f in files:
            try:
                rows.append((f, summarise(load_scenario(f).scenario), None))
            except FundsvcError as exc:
                rows.append((f, None, str(exc).splitlines()[0]))
        unit = money_unit([s.guidance_committed_cny for _, s, _ in rows if s is not None])  # one unit, in the header
        t = Table(title=f"Bundled scenarios 内置情景 ({bundled_dir()})", show_lines=True)
        # the name (what `fundsvc simulate NAME` takes) with its title below it, wrapped; short numeric columns
        t.add_column("scenario 情景 / title 标题", overflow="fold", ratio=1)
        for col in ("sub-funds\n子基金", f"guidance\n引导基金\n({unit.value[1]})", "pools\n资金池", "loans\n贷款"):
            t.add_column(col, justify="right", no_wrap=True)
        t.add_column("status\n状态", no_wrap=True)
        for f, s, error in rows:
            if s is None:
                t.add_row(f"[bold]{f.stem}[/]", "", "", "", "", f"[red]invalid[/]: {error}")
            else:
                t.add_row(f"[bold]{f.stem}[/]\n[dim]{s.title}[/]", str(s.n_sub_funds),
                          fmt_money(s.guidance_committed_cny, unit), str(s.n_pools), f"{s.n_loans:,}",
                          "[green]valid[/]")
        console.print(t)

    @sub.command("show")
    def show(name: str = typer.Argument(..., metavar="NAME", help="Bundled scenario name (e.g. quick) or a file")) -> None:
        """Print a scenario file and its summary."""
        from fundsvc.cli.validate import render_summary

        path = resolve_scenario(name)
        if not path.exists():
            raise NotFoundError(f"no scenario '{name}' (bundled ones: {', '.join(p.stem for p in bundled_scenarios())})")
        loaded = load_scenario(path)
        console = Console(soft_wrap=True)
        console.rule(str(path))
        console.print(loaded.text, markup=False, highlight=False)
        console.rule()
        render_summary(console, summarise(loaded.scenario), path)

    app.add_typer(sub, name="scenarios")
