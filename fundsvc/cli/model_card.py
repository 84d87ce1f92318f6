"""``fundsvc model-card [RUN] --format html|xlsx|md``: the model card, from the code and a run."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from fundsvc.cli.db import DatabaseUrlOption, DataDirOption, settings_from_options


class CardFormat(StrEnum):
    MD = "md"
    HTML = "html"
    XLSX = "xlsx"


def model_card(
    run_id: Annotated[int | None, typer.Argument(help="Stored run whose headline figures to include")] = None,
    fmt: Annotated[CardFormat, typer.Option("--format", "-f", help="md, html or xlsx")] = CardFormat.MD,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (default: print md/html)")] = None,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Purpose, users, scope, every assumption with its source, limitations, validation results, code version."""
    from fundsvc.errors import InputError, NotFoundError
    from fundsvc.inputs.bundled import bundled_dir
    from fundsvc.validation.model_card import build_model_card

    if fmt is CardFormat.XLSX and output is None:
        raise InputError.single("command line", "--output", "an xlsx model card needs --output FILE")
    run, heads = None, None
    if run_id is not None:
        from fundsvc.store import Store

        with Store.open(settings_from_options(data_dir, database_url)) as store:
            rec = store.runs.get(run_id)
            run = {"run": rec.id, "scenario": rec.scenario_name, "paths": rec.n_paths, "seed": rec.seed,
                   "status": rec.status.value}
            try:
                heads = store.runs.load_table(run_id, "headlines")
            except NotFoundError:
                heads = None
    card = build_model_card(bundled_dir(), run=run, headlines=heads)
    if fmt is CardFormat.XLSX:
        card.write_xlsx(output)
        typer.echo(f"model card written to {output}")
        return
    text = card.markdown() if fmt is CardFormat.MD else card.html()
    if output is None:
        typer.echo(text)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"model card written to {output}")


def register(app: typer.Typer) -> None:
    app.command("model-card")(model_card)
