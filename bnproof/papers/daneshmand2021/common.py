"""What the two claims of Daneshmand, Joudaki, Bach 2021 share: the citation and the readings of its flagged misprints."""

from __future__ import annotations

__all__ = ["CITATION", "CONSTANTS", "ALPHA_READINGS", "P_READINGS"]

CITATION = ("Daneshmand, Joudaki, Bach. Batch normalization orthogonalizes representations in deep random "
            "networks. NeurIPS 2021 (arXiv:2106.03970)")
CONSTANTS = {"main": 3.0, "appendix": 1.5}  # floor c·n/(α√d): main text 3n/(α√d); appendix's last line 3n/(2α√d)
ALPHA_READINGS = ("sigma_sq", "sigma")  # A1 bounds σ_n² (what the proof uses) or σ_n (as printed)
P_READINGS = ("sigma_i", "sigma_n")  # Lemma 6's p_i numerator: σ_i² w_i² (intended) or σ_n² w_n² (as printed)
