"""``gobstopper openapi``: the application's OpenAPI 3.1 document as JSON, for client
generators and CI."""

from __future__ import annotations

from pathlib import Path

import click
import msgspec

from .errors import CommandError
from .project import load_project_app
from .run import RunError

__all__ = ["openapi"]


@click.command("openapi")
@click.argument("app", required=False, metavar="[APP]")
@click.option("--title", help="The document's title (default: the application's import name).")
@click.option("--api-version", help="The API's version, info.version (default: 0.1.0).")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the document to this file instead of standard output.",
)
@click.pass_context
def openapi(
    ctx: click.Context,
    app: str | None,
    title: str | None,
    api_version: str | None,
    output: Path | None,
) -> None:
    """Write the OpenAPI 3.1 document of APP (MODULE:ATTR or FILE.py; default: --app,
    $GOBSTOPPER_APP, else app.py:app) as indented JSON.

    \b
      gobstopper openapi > openapi.json
    """
    from ..openapi import build_openapi

    try:
        application = load_project_app(ctx, app)
    except RunError as error:
        raise CommandError(str(error)) from None
    document = build_openapi(application, title=title, version=api_version)
    text = msgspec.json.format(msgspec.json.encode(document), indent=2).decode() + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text)
