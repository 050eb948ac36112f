"""Helpers shared by the test modules (importable as ``helpers``: pyproject puts tests/ on pythonpath)."""

import pytest

from bnproof.cli import main


def cli(args, capsys):
    """Run ``bnproof ARGS`` in-process; return (exit status, stdout, stderr)."""
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def assert_one_line_error(code, out, err):
    """Bad input: exit 2, one line on stderr starting ``bnproof: error:``, nothing on stdout, no traceback."""
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("bnproof: error:"), err
    assert "Traceback" not in err and out == ""
