"""bnproof.cli.show: piped output (not a TTY) is printed unwrapped; a terminal gets wrapped columns."""

from helpers import cli

from bnproof.cli import show

LONG = "a reason " + "that goes on and on " * 12 + "END"
RECORD = {"claim": "p.claim", "verdict": "inconclusive", "reason": LONG, "elapsed_s": 1.0,
          "expected": {"bound": "≥ " + "a very long expected statement " * 4 + "END", "k": "2"},
          "measured": {"k": "2.718281828459045235360287", "not_measured": None, "family": "exp-polylog"},
          "precision": {}}


def test_piped_output_is_not_wrapped(capsys):
    show.print_record(RECORD)
    lines = capsys.readouterr().out.splitlines()
    assert f"  {LONG}" in lines  # the reason on one line, > 80 columns
    bound = next(line for line in lines if line.startswith("bound"))
    assert bound.rstrip().endswith("END")  # the expected cell is not folded either
    assert any(line.startswith("k ") and "2.71828" in line for line in lines)  # long decimals shortened
    assert not any(line.startswith("not_measured") for line in lines)  # a declared key this run did not measure


def test_a_terminal_gets_wrapped_columns(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdout.isatty", lambda: True, raising=False)
    console = show.stdout_console()
    assert console.width < show.UNWRAPPED_WIDTH and not console.soft_wrap


def test_check_piped_through_the_cli_keeps_whole_lines(capsys):
    code, out, _ = cli(["check", "wei2019.fim-bound", "--quick"], capsys)  # a reason of ~200 characters
    reason = out.splitlines()[1]
    assert code == 0 and reason.startswith("  reading 'hat'") and reason.rstrip().endswith(")")
    assert len(reason) > 80 and "networks per point" in reason
