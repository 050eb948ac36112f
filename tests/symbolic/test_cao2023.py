"""The Cao et al. derivation pages (bnproof/symbolic/cao2023.py): what ``render_cao2023`` gathers.

The pages themselves are compared with the committed files by ``bnproof derive --check`` (minutes:
every identity at full size); here the four identity sources are stubbed to show that every one
of them reaches the pages and the list of failures.
"""

from __future__ import annotations

from bnproof.symbolic import cao2023
from bnproof.symbolic.identity import Identity


def test_render_gathers_every_source_and_names_each_failure(monkeypatch):
    def ident(name, holds=True):
        return Identity(name, "x", holds, "stub")

    monkeypatch.setattr(cao2023.bl, "all_identities", lambda fast=False: [ident("lin"), ident("lin_bad", False)])
    monkeypatch.setattr(cao2023.bn_cnn, "all_identities", lambda: [ident("cnn_bad", False)])
    monkeypatch.setattr(cao2023.linear_nobn, "all_identities", lambda: [ident("nobn_bad", False)])
    monkeypatch.setattr(cao2023.dv, "all_identities", lambda: [ident("dev_bad", False), ident("dev")])
    seen = []
    monkeypatch.setattr(cao2023, "render_files", lambda *parts: seen.append(parts) or {"page.md": "text"})
    files, failed = cao2023.render_cao2023()
    assert files == {"page.md": "text"} and failed == ["lin_bad", "cnn_bad", "nobn_bad", "dev_bad"]
    assert [len(p) for p in seen[0]] == [2, 1, 1, 2]
