"""The one error type of the `kata` command: a sentence for the learner, exit code 1, no traceback."""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup


class KataError(Exception):
    """Something the learner can fix; the message is one sentence that says how."""


class FriendlyGroup(TyperGroup):
    """Runs the subcommands; a KataError becomes its sentence on stderr and exit code 1."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except KataError as error:
            typer.echo(f"Error: {error}", err=True)
            raise typer.Exit(1) from None
