"""One package per paper; each reads like the paper's list of claims.

Importing a paper package registers its claims.  Which packages are loaded is the explicit
list ``bnproof.claims.PAPERS``; the packages never import each other (import-linter checks it).
"""
