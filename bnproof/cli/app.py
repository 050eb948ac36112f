"""The typer application; each command module registers its command on :data:`app`."""

import typer

__all__ = ["app"]

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, no_args_is_help=True,
                  help="Check theorems about batch normalization, symbolically and at high precision.")
