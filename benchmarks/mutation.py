"""Mutation testing of bnproof's math: small code mutations that the targeted tests must kill.

    python benchmarks/mutation.py [--paths bnproof/core/verdicts.py ...] [--functions PATTERN ...]
                                  [--sample N --seed S] [--max-minutes N] [--jobs J]
                                  [--tests TESTPATH ...] [--json FILE] [--list]

``--paths`` takes module paths relative to the repository root; ``path.py::f,g`` mutates only
the functions (or methods) named ``f`` and ``g`` of that module (e.g. a paper's decide function);
the names are shell-style patterns (``path.py::decide*``).  ``--functions 'decide*' '_decide*'``
applies the same patterns to every path given without ``::`` (modules with no such function are
skipped).  ``--sample N --seed S`` runs a reproducible random sample of at most N mutants of each
module (a stratified sample: every module is a stratum); the kill rates are then estimates,
printed with their Wilson 95 % interval and the sample size, and the total is the stratified
estimate (module rates weighted by their mutant counts).
For each module in ``--paths`` (default: the decision core, ``DEFAULT_PATHS``) it runs the
tests that cover that module (``--tests``; else ``TESTS_FOR``; else the mirror file
``tests/<sub>/test_<mod>.py``; else ``tests/<sub>/``; for a function-restricted target only the
test functions that reach those functions, :func:`focused_tests`) once unmutated, then once per
mutant with ``pytest -x``, and prints per module: mutants, killed, survived, timeout, not run (the
time budget ran out) and the kill rate over non-equivalent mutants with its Wilson 95 % interval,
then every survivor as ``file:line  before -> after``.  Exit status 1 if a module has a survivor
not listed in ``EQUIVALENT`` (the reviewed equivalent mutants, each with its reason), else 0.
With ``--jobs 1`` each pytest run is a fork of this process after :func:`preload` (``--no-fork``:
a fresh interpreter, as with ``--jobs`` > 1).  Results: docs/mutation.md.

No library mutation tool is used, and none is needed: ``pip install`` nothing beyond the test
extra.  Why not mutmut or cosmic-ray: cosmic-ray mutates the source files in place, and mutmut 3
copies the project into a ``mutants/`` directory under the project root and rewrites every
function into a trampoline; this tree is a shared working copy (other sessions run its tests
while this runs), so neither may touch it.  This runner never writes to the tree: the mutant is
built in the pytest child by an import hook (installed in the forked child, or loaded as the
plugin ``-p mutation`` in a fresh one) that compiles the mutated AST of the one module under test
in place of the file's code; pytest runs
from a temporary directory with the cache provider off, so no ``.pytest_cache`` or Hypothesis
database is written into the project either.  (To try mutmut anyway: ``pip install mutmut``.)

Operators (each site gives one mutant per variant; docstrings, ``__all__`` and annotations are
not mutated):

- comparison: ``<`` ↔ ``<=``, ``>`` ↔ ``>=``, ``==`` ↔ ``!=``, ``in`` ↔ ``not in``, ``is`` ↔ ``is not``;
- arithmetic: ``+`` ↔ ``-``, ``*`` ↔ ``/``, ``//`` → ``/``, ``**`` → ``*``, ``%`` → ``*``;
- unary: ``-x`` → ``x``, ``not x`` → ``x``;
- boolean: ``and`` ↔ ``or``;
- numeric constants: ``c`` → ``c + 1`` and ``c - 1`` (``True`` ↔ ``False``);
- return value: ``return e`` → ``return None``; ``return e`` of a comparison/bool → ``return not e``.

A timeout (the mutant ran more than ``max(20 s, 5 × the unmutated run)``) counts as killed in the
kill rate and is listed separately.  Kill rate = (killed + timeout) / mutants run; the rate over
non-equivalent mutants leaves out the survivors listed in ``EQUIVALENT``.
"""

from __future__ import annotations

import ast
import copy
import fnmatch
import importlib.abc
import importlib.util
import os
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENV_MUTANT = "BNPROOF_MUTANT"  # "<module path relative to ROOT>:<mutant index>" in the pytest child
ENV_STATUS = "BNPROOF_MUTANT_STATUS"  # file the child writes "applied" to once the mutant was imported

DEFAULT_PATHS = ["bnproof/core/verdicts.py", "bnproof/analysis/slopes.py", "bnproof/analysis/stats.py",
                 "bnproof/core/controls.py"]

# The fast, targeted tests of each module (relative to ROOT).  Others: tests/<subpackage>/.
TESTS_FOR = {
    "bnproof/core/verdicts.py": ["tests/core/test_verdicts.py"],
    "bnproof/core/controls.py": ["tests/core/test_controls.py"],
    "bnproof/analysis/slopes.py": ["tests/analysis/test_slopes.py"],
    "bnproof/analysis/stats.py": ["tests/analysis/test_stats.py"],
    "bnproof/analysis/rates.py": ["tests/analysis/test_rates.py"],
    # the printed kernels: their own tests, then the engines that run them against multiprecision
    "bnproof/kernels/deviation.py": ["tests/kernels/test_deviation.py", "tests/engines/test_deviation.py",
                                     "tests/engines/test_deviation_cnn.py"],
    # the mirror file is new and small; the model is exercised by the cao2023 model tests
    "bnproof/models/bn_linear.py": ["tests/models/test_bn_linear.py", "tests/papers/cao2023/test_linear_model.py",
                                    "tests/papers/cao2023/test_cnn_model.py"],
    # modules without a mirror test file: the fastest test files that exercise them
    "bnproof/symbolic/bn_cnn.py": ["tests/papers/cao2023/test_cnn_model.py"],
    "bnproof/symbolic/cao2023.py": ["tests/symbolic/test_cao2023.py", "tests/symbolic/test_bn_linear.py"],
    "bnproof/symbolic/linear_nobn.py": ["tests/symbolic/test_linear_nobn.py", "tests/papers/cao2023/test_nobn_run.py"],
    "bnproof/kernels/bn_cnn.py": ["tests/kernels/test_bn_cnn.py", "tests/papers/cao2023/test_cnn_model.py"],
    "bnproof/kernels/nobn.py": ["tests/papers/cao2023/test_nobn_run.py"],
    "bnproof/engines/baseline.py": ["tests/kernels/test_codegen.py", "tests/papers/cao2023/test_linear_model.py"],
    # the shared verdict rule of cao2023's two uniform-margin claims: its own boundary tests and its
    # callers' (decide_uniform_margin, decide_patchwise)
    "bnproof/papers/cao2023/convergence.py": ["tests/papers/cao2023/test_convergence.py",
                                              "tests/papers/cao2023/test_linear.py::test_uniform_margin_gap_tol_boundary",
                                              "tests/papers/cao2023/test_linear.py::test_uniform_margin_target_boundary",
                                              "tests/papers/cao2023/test_cnn.py::test_patchwise_target_boundary"],
}

# Reviewed survivors that no test can kill: (path, line, mutation) -> why the mutant is equivalent.
EQUIVALENT: dict[tuple[str, int, str], str] = {
    ("bnproof/core/controls.py", 50, "set(expect) <= set(VERDICTS)  ->  set(expect) < set(VERDICTS)"):
        "reached only when 'verified' is not in expect; VERDICTS contains 'verified', so a subset of "
        "VERDICTS without it is always a proper subset: <= and < agree on every input",
    ("bnproof/analysis/rates.py", 154, "3  ->  2"):
        "_ols's own guard n < 3 is unreachable: every caller (the fit_* functions, local_exponent, "
        "ratio_profile) has already refused fewer than 3 points with its own message",
    ("bnproof/papers/cao2023/examples.py", 356, "orientation > 0  ->  orientation >= 0"):
        "decide_example's orientation is +1 or -1 (set from the claim in _settings), never 0: > 0 and >= 0 agree",
    ("bnproof/papers/cao2023/examples.py", 356, "0  ->  -1"):
        "decide_example's orientation is +1 or -1, never 0: orientation > 0 and orientation > -1 agree",
    ("bnproof/engines/audit.py", 24, "20  ->  19"):
        "agreeing_digits parses and compares at cap + 20 digits; any precision a few digits above cap gives the "
        "same float: a difference beyond digit cap is min(cap, ·) = cap either way, and -log10(rel) is exact to "
        "~cap + 19 digits before float() keeps 16",
    ("bnproof/engines/audit.py", 24, "20  ->  21"):
        "agreeing_digits parses and compares at cap + 20 digits; any precision a few digits above cap gives the "
        "same float: a difference beyond digit cap is min(cap, ·) = cap either way, and -log10(rel) is exact to "
        "~cap + 19 digits before float() keeps 16",
    ("bnproof/engines/deviation.py", 134, "0.0  ->  1.0"):
        "_advance_numpy: psih, Ph, phih = 0.0 are placeholders of the lambdified signature, each overwritten before "
        "the first expression that reads it (delta reads none of them, psi reads phih, p_term psih, h and dgamma Ph; "
        "checked with SymPy's free_symbols for both losses)",
    ("bnproof/engines/deviation.py", 134, "0.0  ->  -1.0"):
        "_advance_numpy: psih, Ph, phih = 0.0 are placeholders, each overwritten before any expression reads it",
    ("bnproof/engines/deviation.py", 175, "0.0  ->  1.0"):
        "_resolve's probe state feeds a 0-step kernel call that only checks the kernel loads and runs; the loop "
        "body never executes, so the probe's values are never read",
    ("bnproof/engines/deviation_cnn.py", 172, "0.0  ->  1.0"):
        "_advance_numpy: dh, psih, dbh, Psih, phih = 0.0 are placeholders of the lambdified signature, each set "
        "before the first expression that reads it (SymPy free_symbols: delta reads none; psi phih; Psi_term dbh, "
        "psih; h and dgamma Psih, dh, psih)",
    ("bnproof/engines/deviation_cnn.py", 172, "0.0  ->  -1.0"):
        "_advance_numpy: the 0.0 placeholders are each set before any expression reads them",
    ("bnproof/engines/deviation_cnn.py", 210, "1.0  ->  0.0"):
        "_resolve's probe state feeds a 0-step kernel call (only checks the kernel loads and runs); the kernel "
        "copies the state into locals and its loop never runs, so the probe's values are never used",
    ("bnproof/engines/deviation_cnn.py", 238, "0  ->  -1"):
        "advance: nsteps <= 0 vs <= -1 differ only at nsteps = 0, where _step runs zero steps and leaves the state "
        "unchanged bit for bit (checked for both variants)",
    ("bnproof/engines/flow.py", 70, "745  ->  746"):
        "_pieces: sigma = exp(rho) if rho > -745 else 0 only avoids the underflow warning; the mutant differs only "
        "for rho in (-745.13, -745], where sigma becomes 5e-324 (the smallest subnormal) instead of 0: q = sigma^2 "
        "is 0 either way and every other use multiplies it into a sum of O(1) terms. A cut-off inside the subnormal "
        "range that no specification pins down (equivalent up to one subnormal)",
    ("bnproof/engines/flow.py", 89, "700  ->  699"):
        "_t_lam0: on (-700, -699] the logistic exp(tau - gamma)/(1 + exp(-gamma)) and the overflow-safe exp(tau) "
        "agree to 6e-14 relative (measured on 1e5 random points; exp's rounding at |argument| ~ 700): where the switch "
        "sits is a free choice (equivalent up to rounding)",
    ("bnproof/engines/runner.py", 42, "0  ->  -1"):
        "log_checkpoints: starting k at -1 adds round(10^(-1/per_decade)), which is 0 or 1 for per_decade >= 1 (its "
        "Param range); both are already in the set",
    ("bnproof/engines/scaled_state.py", 179, "a >= 0  ->  a > 0"):
        "numpy_steps: at a = 0 exactly both branches give apl = s (a + s = s; q/(s - a) = q/sqrt(q) = s up to one "
        "rounding): the two formulas differ only in cancellation for a < 0 (checked: bit-identical states after "
        "2e4 steps on three instances)",
    ("bnproof/engines/scaled_state.py", 195, "32  ->  31"):
        "numpy_steps: the frame rescale multiplies r by an exact power of two and moves it into the exponent e; "
        "binary floating point is equivariant under such scalings (away from overflow/underflow), so whether it "
        "triggers at 2^31 or 2^32 changes no value (checked: bit-identical states after 2e4 steps on three "
        "instances)",
    ("bnproof/kernels/deviation.py", 49, "True  ->  False"):
        "the SymPy assumption real=True on gt changes no printed expression: kernel_source and cnn_kernel_source "
        "are identical for both losses with and without it (checked)",
    ("bnproof/kernels/deviation.py", 50, "True  ->  False"):
        "the SymPy assumption positive=True on c changes no printed expression: kernel_source and "
        "cnn_kernel_source are identical for both losses with and without it (checked)",
    ("bnproof/kernels/numba.py", 89, "0  ->  1"):
        "cache_dir: the 0 is the user-id stand-in on platforms without os.getuid (not POSIX); on every platform "
        "this package runs on, getuid exists and the constant is never used",
    ("bnproof/models/bn_init.py", 333, "no > 0  ->  no >= 0"):
        "odd_point_stats: where=(no > 0) & (mm > 0); the odd point has the largest norm, so mm > 0 (a non-zero "
        "cluster point) already implies no > 0: the first guard never decides",
    ("bnproof/models/ergen_net.py", 234, "0  ->  -1"):
        "rebuild: a block with a = 0 gets gamma = 0, so its neuron outputs 0 whatever its first-layer column; the "
        "column is a placeholder unit vector, V[:, 0] or V[:, -1] (orthonormal columns: the same norm under "
        "penalize_w)",
    ("bnproof/models/scale_invariant.py", 409, "4096  ->  4097"):
        "gd: the noise is drawn in chunks of `chunk` rows; NumPy's Generator gives the same stream of normals "
        "whatever the chunk size (checked: 4096 + 4096 rows equal 4097 + 4095), so the iterates are identical",
    ("bnproof/solvers/group_lasso.py", 136, "1.0  ->  0.0"):
        "exact_patterns (k > 1): eps = gap/(2 max(1, max|step|)) and gap/(2 max|step|) both keep |eps*step| <= gap/2, "
        "below every |base_i| off S, and eps > 0 keeps the signs on S: the same patterns (k = 1, where step = 0, is "
        "a different mutant outcome and is tested: test_exact_patterns_of_a_single_column)",
    ("bnproof/symbolic/bn_cnn.py", 116, "i + 1  ->  i - 1"):
        "_z_model: only the printed names of the symbols z_ip change (z-11, z01, ... instead of z11, z21, ...); "
        "they stay distinct for the sizes proved, and no identity depends on a name",
    ("bnproof/symbolic/bn_cnn.py", 163, "1  ->  2"):
        "prove_w_identities: only the names of the symbols x_ipk change (x113 for x112 ...), distinct for d < 9",
    ("bnproof/symbolic/bn_cnn.py", 153, "2  ->  1"):
        "prove_w_identities' default n_ = 2 is never used: its one caller (_cached) passes the sizes",
    ("bnproof/symbolic/bn_cnn.py", 246, "2  ->  3"):
        "prove_linearisation's default n_ = 2 is never used: its one caller (_cached) passes the sizes",
    ("bnproof/symbolic/bn_cnn.py", 292, "1  ->  2"):
        "patches-as-samples control: labels (1, ..., 1) -> (2, ..., 2); the stacked linear-model gradient is "
        "rejected for any non-zero labels, and the Identity records neither the labels nor anything they change",
    ("bnproof/symbolic/bn_init.py", 77, "13  ->  12"):
        "_draw: the range of the random sample points of derive's numeric cross-check; every identity derived "
        "holds at every point, so other points give the same verdicts (errors ~1e-30 either way)",
    ("bnproof/symbolic/bn_init.py", 263, "30  ->  29"):
        "the sample points of the sawa_dphi cross-check (sigma_j = k/31, k <= 30 vs 29): the identity holds at "
        "every point, so the verdict and the ~1e-30 error are the same",
    ("bnproof/symbolic/bn_linear.py", 164, "j + 1  ->  j - 1"):
        "_w_model: only the names of the symbols w_j change (w-1, w0, ... for w1, w2, ...), still distinct",
    ("bnproof/symbolic/deviation.py", 252, "1 + sigma * p  ->  1 - sigma * p"):
        "deviation_control is a negative control with a fixed instance: it records only that the truncated "
        "gradient is rejected, and with either weights the difference does not vanish (same Identity)",
    ("bnproof/symbolic/ergen2022.py", 130, "0.1  ->  1.1"):
        "the ergen_net gradient identity is checked on a fixed instance at beta = 0.1; it holds for every beta "
        "and the Identity does not record beta: the same output",
    ("bnproof/symbolic/ergen2022.py", 79, "_zero(f.subs(s, 0) - t ** 2 / 2) and _zero(sp.diff(f, s).subs(s, 0) - (b - t))"
     "  ->  _zero(f.subs(s, 0) - t ** 2 / 2) or _zero(sp.diff(f, s).subs(s, 0) - (b - t))"):
        "soft_threshold_value takes no input and both conjuncts hold, so and/or give the same constant result",
    ("bnproof/symbolic/ergen2022.py", 75, "True  ->  False"):
        "soft_threshold_value takes no input: without positive=True on s, t, beta SymPy reaches the same "
        "stationary point and every check still holds (the same constant Identity)",
    ("bnproof/symbolic/linear_nobn.py", 140, "2  ->  3"):
        "prove_w_identities' default n_ = 2 is never used: its one caller (all_identities) passes the sizes",
    ("bnproof/symbolic/linear_nobn.py", 163, "0  ->  -1"):
        "(wc.T * v) is a 1x1 matrix: index 0 and -1 name its one element",
    ("bnproof/symbolic/linear_nobn.py", 184, "sum((ell(yi * zi) for yi, zi in zip(ys, zs))) / n_  ->  "
     "sum((ell(yi * zi) for yi, zi in zip(ys, zs))) * n_"):
        "wrong_gradient_control is a negative control on a fixed instance: the template without the label is "
        "rejected whether L carries 1/n or n (same Identity)",
    ("bnproof/symbolic/meanfield.py", 91, "sp.rf(-kk, j) * sp.rf(bb - 3 + kk, j)  ->  sp.rf(-kk, j) / sp.rf(bb - 3 + kk, j)"):
        "the c_k > 0 check takes no input and records only a boolean, True with either product: equivalent in "
        "output (it also shows the check cannot see a wrong c_k that stays positive: reported, not changed)",
    ("bnproof/symbolic/meanfield.py", 122, "-0.5  ->  0.5"):
        "one of the sample points where meanfield.J is compared with the derived expression; they agree at every "
        "point, so another point gives the same boolean",
    ("bnproof/kernels/deviation.py", 93, "0  ->  -1"):
        "hoist: terms grouped by monomial are emitted sorted by str(monomial) or, mutated, by "
        "str(coefficient): another deterministic order of the same sum (equivalent up to the rounding of the "
        "summation order; the engine tests against multiprecision agree to 10 digits either way)",
    ("bnproof/analysis/rates.py", 133, "True  ->  False"):
        "_OLS(frozen=True) -> frozen=False: no code assigns to an _OLS (a private result that is read "
        "once and dropped), so the flag changes no computation",
}


# --------------------------------------------------------------------------------------------
# The mutator
# --------------------------------------------------------------------------------------------

_CMP_SWAP = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
             ast.NotEq: ast.Eq, ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is}
_BIN_SWAP = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.FloorDiv: ast.Div,
             ast.Pow: ast.Mult, ast.Mod: ast.Mult}
_BOOL_SWAP = {ast.And: ast.Or, ast.Or: ast.And}


def _skip_ids(tree: ast.AST, functions: tuple[str, ...] = ()) -> set[int]:
    """ids of nodes never mutated: docstrings, ``__all__``, annotations, ``from`` imports; and,
    if ``functions`` names some (shell-style patterns), everything outside the functions (or
    methods) whose names match."""
    skip: set[int] = set()
    if functions:
        inside = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                  and any(fnmatch.fnmatchcase(f.name, pat) for pat in functions) for n in ast.walk(f)}
        skip.update(id(n) for n in ast.walk(tree) if id(n) not in inside)

    def mark(node: ast.AST | None) -> None:
        if node is not None:
            skip.update(id(n) for n in ast.walk(node))

    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                mark(body[0])
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            mark(node.returns)
            for a in node.args.args + node.args.kwonlyargs + node.args.posonlyargs + \
                    [x for x in (node.args.vararg, node.args.kwarg) if x]:
                mark(a.annotation)
        if isinstance(node, ast.AnnAssign):
            mark(node.annotation)
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            mark(node)
        if isinstance(node, ast.ImportFrom):
            mark(node)
    return skip


def _variants(node: ast.AST) -> list[tuple[ast.AST, str]]:
    """The mutants of one node: (replacement node, short description)."""
    out: list[tuple[ast.AST, str]] = []
    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            if type(op) in _CMP_SWAP:
                new = copy.deepcopy(node)
                new.ops[i] = _CMP_SWAP[type(op)]()
                out.append((new, f"{ast.unparse(node)}  ->  {ast.unparse(new)}"))
    elif isinstance(node, ast.BinOp) and type(node.op) in _BIN_SWAP:
        new = copy.deepcopy(node)
        new.op = _BIN_SWAP[type(node.op)]()
        out.append((new, f"{ast.unparse(node)}  ->  {ast.unparse(new)}"))
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.Not)):
        new = copy.deepcopy(node.operand)
        out.append((new, f"{ast.unparse(node)}  ->  {ast.unparse(new)}"))
    elif isinstance(node, ast.BoolOp):
        new = copy.deepcopy(node)
        new.op = _BOOL_SWAP[type(node.op)]()
        out.append((new, f"{ast.unparse(node)}  ->  {ast.unparse(new)}"))
    elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
        new = ast.Constant(not node.value)
        out.append((new, f"{node.value!r}  ->  {new.value!r}"))
    elif isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        for delta in (1, -1):
            new = ast.Constant(node.value + delta)
            out.append((new, f"{node.value!r}  ->  {new.value!r}"))
    elif isinstance(node, ast.Return) and node.value is not None:
        if not (isinstance(node.value, ast.Constant) and node.value.value is None):
            new = ast.Return(ast.Constant(None))
            out.append((new, f"{ast.unparse(node)}  ->  return None"))
        if isinstance(node.value, (ast.Compare, ast.BoolOp)) or \
                (isinstance(node.value, ast.Constant) and isinstance(node.value.value, bool)):
            new = ast.Return(ast.UnaryOp(ast.Not(), copy.deepcopy(node.value)))
            out.append((new, f"{ast.unparse(node)}  ->  {ast.unparse(new)}"))
    return out


class _Mutator(ast.NodeTransformer):
    """Walks the tree in a fixed order; applies mutant number ``target`` (or only counts, target=-1)."""

    def __init__(self, skip: set[int], target: int = -1):
        self.skip, self.target, self.count = skip, target, 0
        self.sites: list[tuple[int, str]] = []  # (line, description) per mutant index
        self.applied: tuple[int, str] | None = None

    def generic_visit(self, node: ast.AST) -> ast.AST:
        node = super().generic_visit(node)  # children first, then this node's own variants
        if id(node) in self.skip:
            return node
        replacement = node
        for new, desc in _variants(node):  # count every variant, applied or not: indices stay stable
            if self.count == self.target:
                self.applied = (getattr(node, "lineno", 0), desc)
                replacement = ast.copy_location(new, node)
            self.sites.append((getattr(node, "lineno", 0), desc))
            self.count += 1
        return replacement


def mutants_of(source: str, functions: tuple[str, ...] = ()) -> list[tuple[int, str]]:
    """(line, description) of every mutant of ``source`` (within ``functions`` if given), in index order."""
    tree = ast.parse(source)
    m = _Mutator(_skip_ids(tree, functions))
    m.visit(tree)
    return m.sites


def mutated_tree(source: str, index: int, functions: tuple[str, ...] = ()) -> tuple[ast.Module, tuple[int, str]]:
    tree = ast.parse(source)
    m = _Mutator(_skip_ids(tree, functions), index)
    tree = m.visit(tree)
    if m.applied is None:
        raise IndexError(f"no mutant {index}")
    ast.fix_missing_locations(tree)
    return tree, m.applied


# --------------------------------------------------------------------------------------------
# The pytest-side hook: loaded as a plugin (``-p mutation``) before bnproof is imported
# --------------------------------------------------------------------------------------------

def _split_target(target: str) -> tuple[str, tuple[str, ...]]:
    """``path.py::f,g`` -> (``path.py``, (``f``, ``g``)); a plain path mutates the whole module."""
    rel, _, funcs = target.partition("::")
    return rel, tuple(f for f in funcs.split(",") if f)


def _module_name(rel: str) -> str:
    p = Path(rel).with_suffix("")
    parts = list(p.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


class _MutantLoader(importlib.abc.Loader):
    def __init__(self, path: Path, index: int, functions: tuple[str, ...]):
        self.path, self.index, self.functions = path, index, functions

    def create_module(self, spec):
        return None

    def exec_module(self, module) -> None:
        tree, applied = mutated_tree(self.path.read_text(), self.index, self.functions)
        module.__dict__["__bnproof_mutant__"] = applied
        exec(compile(tree, str(self.path), "exec"), module.__dict__)  # noqa: S102 - the mutant is our own AST
        status = os.environ.get(ENV_STATUS)
        if status:
            Path(status).write_text("applied\n")


class _MutantFinder(importlib.abc.MetaPathFinder):
    def __init__(self, name: str, path: Path, index: int, functions: tuple[str, ...]):
        self.name, self.path, self.index, self.functions = name, path, index, functions

    def find_spec(self, fullname, path=None, target=None):
        if fullname != self.name:
            return None
        return importlib.util.spec_from_file_location(fullname, self.path, loader=_MutantLoader(self.path, self.index,
                                                                                    self.functions))


def _install_hook() -> None:
    spec = os.environ.get(ENV_MUTANT)
    if not spec:
        return
    target, index = spec.rsplit(":", 1)
    rel, functions = _split_target(target)
    name = _module_name(rel)
    if name in sys.modules:
        raise RuntimeError(f"{name} was imported before the mutation hook")
    sys.meta_path.insert(0, _MutantFinder(name, ROOT / rel, int(index), functions))


if __name__ != "__main__":  # imported by pytest as the plugin of a mutant run
    _install_hook()


# --------------------------------------------------------------------------------------------
# The runner
# --------------------------------------------------------------------------------------------

def _tests_for(rel: str, override: list[str] | None) -> list[str]:
    """The tests of one target: ``--tests``; else ``TESTS_FOR``; else the mirror test file
    ``tests/<sub>/test_<mod>.py``; else ``tests/<sub>/``.  For a target restricted to some
    functions, only the test functions of those files that call them (:func:`focused_tests`)."""
    if override:
        return override
    path, functions = _split_target(rel)
    if path in TESTS_FOR:
        files = TESTS_FOR[path]
    else:
        parts = Path(path).parts  # bnproof/<sub>/.../<mod>.py
        mirror = Path("tests", *parts[1:-1], f"test_{Path(path).stem}.py")
        if (ROOT / mirror).exists():
            files = [str(mirror)]
        else:
            return [str(Path("tests", *parts[1:-1]))] if len(parts) > 2 else ["tests"]
    if not functions:
        return files
    names = _function_names((ROOT / path).read_text(), functions)
    return focused_tests(files, names) or files


def _function_names(source: str, patterns: tuple[str, ...]) -> set[str]:
    """Names of the functions of ``source`` matching ``patterns``, and of the module-level
    functions that call one of them (a thin public wrapper of a shared decide rule)."""
    tree = ast.parse(source)
    defs = [f for f in tree.body if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))]
    names = {f.name for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
             and any(fnmatch.fnmatchcase(f.name, pat) for pat in patterns)}
    return names | {f.name for f in defs if _referenced(f) & names}


def _referenced(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} | \
        {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}


def focused_tests(files: list[str], names: set[str]) -> list[str]:
    """Node ids of the tests in ``files`` that refer to one of ``names`` -- directly, or through a
    helper function or fixture of the same file that does.  A function's mutants can only be
    killed by tests that reach it; the tests that reach it only through a whole claim run (slow)
    are left out, so the kill rate measured this way is a lower bound of the whole file's."""
    out = []
    for file in files:
        if not file.endswith(".py"):
            continue
        tree = ast.parse((ROOT / file).read_text())
        tops = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
        refs = {name: _referenced(n) for name, n in tops.items()}
        reach, grew = set(names), True
        while grew:
            new = {name for name, r in refs.items() if name not in reach and r & reach}
            reach |= new
            grew = bool(new)
        out += [f"{file}::{name}" for name in tops if name in reach and name.lower().startswith("test")]
    return out


_STOP = threading.Event()  # set when the runner is stopped: no further child starts
_LIVE: set = set()  # the pytest children running now (each in its own session), killed if the runner stops


def _kill_children() -> None:
    for proc in list(_LIVE):
        try:
            os.killpg(proc.pid, 9)
        except (ProcessLookupError, PermissionError):
            pass


def _runner(fork: bool):
    """The function that runs one pytest: forked from this process, or a fresh interpreter."""
    return _run_forked if fork else _run_pytest


# Third-party modules the tests import, loaded once by the runner so that a forked child starts
# with them (saves their ~3-7 s import per mutant); bnproof itself is never preloaded.
PRELOAD = ("numpy", "scipy", "scipy.stats", "scipy.optimize", "scipy.integrate", "scipy.linalg", "sympy", "mpmath",
           "numba", "pandas", "matplotlib", "matplotlib.figure", "hypothesis", "pytest", "typer", "rich", "cvxpy")


def preload() -> None:
    import importlib

    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - an optional library: the child imports it itself (or fails the same way)
            pass


def _pytest_args(tests: list[str], plugin: bool = True) -> list[str]:
    return ["-x", "-q", *(["-p", "mutation"] if plugin else []), "-p", "no:cacheprovider", "--rootdir", str(ROOT), "-c",
            str(ROOT / "pyproject.toml"), *[t if t.startswith("-") else str(ROOT / t) for t in tests]]  # "-kEXPR" passes


def _run_forked(tests: list[str], workdir: Path, mutant: str | None, timeout: float) -> tuple[str, float]:
    """One pytest run in a forked child of the runner (which has :func:`preload`-ed the heavy
    libraries): the child drops every ``bnproof`` module it inherited, sets the mutant's
    environment and runs ``pytest.main`` in ``workdir``.  Same outcomes as :func:`_run_pytest`."""
    import time

    status = workdir / "status"
    status.unlink(missing_ok=True)
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        rc = 99
        try:
            os.setsid()
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, 1)
            os.dup2(null, 2)
            os.chdir(workdir)
            for name in [m for m in sys.modules if m == "bnproof" or m.startswith("bnproof.")]:
                del sys.modules[name]
            os.environ.pop(ENV_MUTANT, None)
            if mutant:
                os.environ[ENV_MUTANT] = mutant
                os.environ[ENV_STATUS] = str(status)
            sys.dont_write_bytecode = True
            _install_hook()  # this process's own hook: the script on disk may be edited while a run goes on
            import pytest

            rc = int(pytest.main(_pytest_args(tests, plugin=False)))
        finally:
            os._exit(rc)
    live = _Forked(pid)
    _LIVE.add(live)
    try:
        while True:
            done, code = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if time.perf_counter() - t0 > timeout:
                live.kill()
                os.waitpid(pid, 0)
                return "timeout", time.perf_counter() - t0
            time.sleep(0.05)
    except BaseException:  # the runner is stopping: the child (own session) would outlive it
        live.kill()
        raise
    finally:
        _LIVE.discard(live)
    dt = time.perf_counter() - t0
    rc = os.waitstatus_to_exitcode(code)
    return _outcome(rc, mutant, status), dt


class _Forked:
    """A forked child in its own session, killable like a Popen in ``_LIVE``."""

    def __init__(self, pid: int):
        self.pid = pid

    def kill(self) -> None:
        try:
            os.killpg(self.pid, 9)
        except (ProcessLookupError, PermissionError):
            pass


def _outcome(rc: int, mutant: str | None, status: Path) -> str:
    if rc == 99:  # the forked child failed outside pytest: a harness error, never a kill
        return "harness"
    if mutant and rc == 0 and not status.exists():
        return "notapplied"
    if rc == 0:
        return "pass"
    if rc == 5:  # no tests collected
        return "notapplied"
    return "fail"  # 1 failed; 2 interrupted (collection error: the mutant broke the import); 3/4 errors; <0 signal


def _run_pytest(tests: list[str], workdir: Path, mutant: str | None, timeout: float) -> tuple[str, float]:
    """One pytest child: 'pass', 'fail', 'timeout' or 'notapplied'; and its wall time."""
    import subprocess
    import time

    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "benchmarks"), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    status = workdir / "status"
    status.unlink(missing_ok=True)
    if mutant:
        env[ENV_MUTANT] = mutant
        env[ENV_STATUS] = str(status)
    else:
        env.pop(ENV_MUTANT, None)
    cmd = [sys.executable, "-m", "pytest", *_pytest_args(tests)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    _LIVE.add(proc)
    try:
        rc = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        proc.wait()
        return "timeout", time.perf_counter() - t0
    except BaseException:  # the runner is stopping: the child (own session) would outlive it
        os.killpg(proc.pid, 9)
        raise
    finally:
        _LIVE.discard(proc)
    return _outcome(rc, mutant, status), time.perf_counter() - t0


def sample_indices(rel: str, population: int, size: int | None, seed: int) -> list[int]:
    """The mutant indices to run for one module: all of them in order, or a reproducible random
    sample of ``size`` (seeded by ``seed`` and the module path, so adding a module changes no other
    module's sample).  The sample stays in its random order: if the time budget cuts a run short,
    the mutants that did run are still a simple random sample of the module."""
    import random

    if size is None or size >= population:
        return list(range(population))
    return random.Random(f"{seed}:{rel}").sample(range(population), size)


def run_module(rel: str, tests: list[str], deadline: float, jobs: int, indices: list[int] | None = None,
               fork: bool = False) -> dict:
    import tempfile
    import time
    from concurrent.futures import ThreadPoolExecutor

    path, functions = _split_target(rel)
    sites = mutants_of((ROOT / path).read_text(), functions)
    indices = list(range(len(sites))) if indices is None else indices
    result = {"path": rel, "tests": tests, "mutants": len(sites), "sample": len(indices), "killed": 0,
              "survived": 0, "timeout": 0, "not_run": 0, "survivors": [], "timeouts": [], "errors": [],
              "seconds": 0.0}
    t_start = time.perf_counter()
    if not indices:
        return _rates(result, t_start)
    with tempfile.TemporaryDirectory(prefix="bnproof-mut-") as tmp:
        run = _runner(fork)
        base, base_dt = run(tests, Path(tmp), None, timeout=600)
        if base != "pass":
            result["errors"].append(f"unmutated tests do not pass ({base}): {' '.join(tests)}")
            result["not_run"] = len(indices)
            return _rates(result, t_start)
        timeout = max(20.0, 5 * base_dt)
        result["baseline_seconds"] = round(base_dt, 2)

        def one(i: int):
            if _STOP.is_set() or time.time() > deadline:
                return i, "notrun", 0.0
            wd = Path(tmp, f"w{i}")
            wd.mkdir()
            outcome, dt = run(tests, wd, f"{rel}:{i}", timeout)
            return i, outcome, dt

        ex = ThreadPoolExecutor(max_workers=jobs)
        try:  # forking is safe only from a single-threaded process: run in this thread then
            outcomes = [one(i) for i in indices] if fork else list(ex.map(one, indices))
        except BaseException:  # KeyboardInterrupt/SIGTERM: start no further child, kill the running ones
            _STOP.set()
            _kill_children()
            ex.shutdown(wait=False, cancel_futures=True)
            raise
        ex.shutdown()
        for i, outcome, _ in outcomes:
            line, desc = sites[i]
            entry = {"line": line, "mutation": desc, "index": i}
            if outcome == "fail":
                result["killed"] += 1
            elif outcome == "pass":
                result["survived"] += 1
                why = EQUIVALENT.get((path, line, desc))
                entry["equivalent"] = why
                result["survivors"].append(entry)
            elif outcome == "timeout":
                result["timeout"] += 1
                result["timeouts"].append(entry)
            elif outcome == "notrun":
                result["not_run"] += 1
            else:
                result["errors"].append(f"mutant {i} ({rel}:{line} {desc}): {outcome} (not applied or harness error)")
    return _rates(result, t_start)


def _rates(result: dict, t_start: float) -> dict:
    """Adds the kill rates to a module's result, the one over non-equivalent mutants with its
    Wilson 95 % interval (exact counts when every mutant ran; a sampling interval otherwise)."""
    import time

    from bnproof.analysis.stats import wilson_interval

    run = result["killed"] + result["survived"] + result["timeout"]
    equivalent = sum(1 for s in result["survivors"] if s["equivalent"])
    killed = result["killed"] + result["timeout"]
    nonequiv = run - equivalent
    result["run"] = run
    result["equivalent"] = equivalent
    result["nonequivalent"] = nonequiv
    result["kill_rate"] = killed / run if run else float("nan")
    result["kill_rate_nonequivalent"] = killed / nonequiv if nonequiv else float("nan")
    result["interval_nonequivalent"] = list(wilson_interval(killed, nonequiv)) if nonequiv else [float("nan")] * 2
    result["seconds"] = round(time.perf_counter() - t_start, 1)
    return result


def stratified_estimate(results: list[dict]) -> tuple[float, tuple[float, float], float]:
    """Kill rate over non-equivalent mutants of all modules together, from per-module samples.

    Every module is a stratum, weighted by its mutant count ``M_h`` (the equivalent share is
    assumed alike within a module): p = Σ W_h p_h with W_h = M_h / Σ M.  The interval is Wilson's
    at the effective sample size n_eff = p(1 − p) / Var(p), Var(p) = Σ W_h² p_h(1 − p_h) / n_h
    (Kish's design effect; no finite-population correction, so it errs wide).  When every sampled
    stratum has p_h ∈ {0, 1} the variance estimate is 0; n_eff is then the total sample size.
    Hand-written: statsmodels has no stratified proportion interval.  Returns (p, interval, n_eff)."""
    from bnproof.analysis.stats import wilson_interval

    strata = [r for r in results if r.get("nonequivalent")]
    if not strata:
        return float("nan"), (float("nan"), float("nan")), 0.0
    total = sum(r["mutants"] for r in strata)
    p = sum(r["mutants"] / total * r["kill_rate_nonequivalent"] for r in strata)
    var = sum((r["mutants"] / total) ** 2 * r["kill_rate_nonequivalent"] * (1 - r["kill_rate_nonequivalent"])
              / r["nonequivalent"] for r in strata)
    n_eff = p * (1 - p) / var if var > 0 else float(sum(r["nonequivalent"] for r in strata))
    return p, wilson_interval(round(p * n_eff), max(1, round(n_eff))), n_eff


def _targets(paths: list[str], functions: list[str] | None) -> list[str]:
    """``--paths`` with ``--functions`` applied to the paths given without ``::``."""
    if not functions:
        return paths
    return [rel if "::" in rel else f"{rel}::{','.join(functions)}" for rel in paths]


def main(argv: list[str] | None = None) -> int:
    import argparse
    import json
    import time

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--paths", nargs="+", default=DEFAULT_PATHS, help="modules to mutate (relative to the repo root)")
    ap.add_argument("--functions", nargs="+", help="mutate only functions matching these shell-style patterns")
    ap.add_argument("--sample", type=int, help="run a random sample of at most this many mutants per module")
    ap.add_argument("--seed", type=int, default=0, help="seed of the sample (default 0)")
    ap.add_argument("--tests", nargs="+", help="test paths for every module (default: TESTS_FOR / tests/<subpackage>)")
    ap.add_argument("--max-minutes", type=float, default=30.0, help="time budget; mutants past it are 'not run'")
    ap.add_argument("--jobs", type=int, default=1, help="pytest children at once (default 1)")
    ap.add_argument("--no-fork", action="store_true",
                    help="start every pytest as a fresh interpreter (default with --jobs 1: fork this process after "
                         "preloading numpy/scipy/sympy/numba/..., several seconds faster per mutant)")
    ap.add_argument("--json", help="also write the results as JSON to this file")
    ap.add_argument("--list", action="store_true", help="only list the mutants (the sampled ones with --sample)")
    args = ap.parse_args(argv)
    targets = _targets(args.paths, args.functions)

    if args.list:
        for rel in targets:
            path, functions = _split_target(rel)
            sites = mutants_of((ROOT / path).read_text(), functions)
            for i in sorted(sample_indices(rel, len(sites), args.sample, args.seed)):
                line, desc = sites[i]
                print(f"{rel}:{line}  [{i}]  {desc}")
        return 0

    deadline = time.time() + 60 * args.max_minutes
    fork = args.jobs == 1 and not args.no_fork and hasattr(os, "fork")
    if fork:
        preload()
    results = []
    for rel in targets:
        path, functions = _split_target(rel)
        population = len(mutants_of((ROOT / path).read_text(), functions))
        if population == 0:
            print(f"{rel}: no mutants (no matching function or nothing to mutate), skipped", flush=True)
            continue
        indices = sample_indices(rel, population, args.sample, args.seed)
        r = run_module(rel, _tests_for(rel, args.tests), deadline, args.jobs, indices, fork)
        results.append(r)
        print(f"{rel}: {r['mutants']} mutants, {r['sample']} sampled, {r['killed']} killed, {r['survived']} survived "
              f"({r.get('equivalent', 0)} equivalent), {r['timeout']} timeout, {r['not_run']} not run, "
              f"{r['seconds']} s", flush=True)
        if args.json:  # after every module, so a long run cut short keeps what it measured
            Path(args.json).write_text(json.dumps(results, indent=2) + "\n")

    print()
    _print_table(results)
    bad = False
    for r in results:
        for e in r["errors"]:
            print(f"ERROR {r['path']}: {e}")
            bad = True
        for s in r["survivors"]:
            tag = f"equivalent: {s['equivalent']}" if s["equivalent"] else "SURVIVED"
            print(f"{r['path']}:{s['line']}  [{s['index']}]  {s['mutation']}    ({tag})")
            bad |= not s["equivalent"]
        for s in r["timeouts"]:
            print(f"{r['path']}:{s['line']}  [{s['index']}]  {s['mutation']}    (timeout: counted as killed)")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 1 if bad else 0


def _pct(x: float) -> str:
    return f"{100 * x:.1f}" if x == x else "-"


def _print_table(results: list[dict]) -> None:
    """One line per module and a total: counts, kill rates, the Wilson 95 % interval."""
    hdr = f"{'module':60} {'mutants':>7} {'ran':>5} {'killed':>6} {'surv':>5} {'equiv':>5} {'tmout':>5} " \
          f"{'kill%':>6} {'kill% non-eq [95% CI]':>22} {'time s':>7}"
    print(hdr)
    tot = {k: 0 for k in ("mutants", "run", "killed", "survived", "equivalent", "timeout")}
    for r in results:
        for k in tot:
            tot[k] += r.get(k, 0)
        lo, hi = r["interval_nonequivalent"]
        print(f"{r['path'][:60]:60} {r['mutants']:7} {r['run']:5} {r['killed']:6} {r['survived']:5} "
              f"{r['equivalent']:5} {r['timeout']:5} {_pct(r['kill_rate']):>6} "
              f"{_pct(r['kill_rate_nonequivalent']):>6} [{_pct(lo)}, {_pct(hi)}]".ljust(120)
              + f" {r['seconds']:7}")
    if not tot["run"]:
        return
    p, (lo, hi), n_eff = stratified_estimate(results)
    killed = tot["killed"] + tot["timeout"]
    pooled = killed / (tot["run"] - tot["equivalent"]) if tot["run"] > tot["equivalent"] else float("nan")
    print(f"{'total (pooled over the mutants run)':60} {tot['mutants']:7} {tot['run']:5} {tot['killed']:6} "
          f"{tot['survived']:5} {tot['equivalent']:5} {tot['timeout']:5} {_pct(killed / tot['run']):>6} "
          f"{_pct(pooled):>6}")
    if tot["run"] < tot["mutants"]:
        print(f"stratified estimate over all {tot['mutants']} mutants (non-equivalent): {_pct(p)} % "
              f"[{_pct(lo)}, {_pct(hi)}] (Wilson 95 %, effective n = {n_eff:.0f}, {tot['run']} mutants run)")


def _main_killing_children() -> int:
    """:func:`main`, with SIGTERM turned into KeyboardInterrupt and the pytest children (own
    sessions, so a signal to the runner does not reach them) killed however the runner stops."""
    import signal

    def _term(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _term)
    try:
        return main()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        _kill_children()


if __name__ == "__main__":
    sys.exit(_main_killing_children())
