"""The typer application; each command module registers its command on :data:`app`.

``bnproof --version`` prints ``bnproof <version>`` and exits 0 (an eager option of the app's
callback, so it answers before any command is parsed).
"""

import typer

__all__ = ["app"]

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, no_args_is_help=True,
                  help="Check theorems about batch normalization, symbolically and at high precision.")


def _print_version(value: bool) -> None:
    if value:
        from bnproof import __version__

        typer.echo(f"bnproof {__version__}")
        raise typer.Exit(0)


@app.callback()
def _options(version: bool = typer.Option(False, "--version", help="print the version and exit",
                                          callback=_print_version, is_eager=True)) -> None:
    """Check theorems about batch normalization, symbolically and at high precision."""
