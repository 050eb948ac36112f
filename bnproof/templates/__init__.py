"""Kernel templates for models other than the BN linear model (whose template is in codegen).

Each module turns a model's SymPy program into source via ``bnproof.codegen.ContextPrinter``
and ``hoisted``, and compiles it with ``bnproof.codegen.compile_source``.
"""
