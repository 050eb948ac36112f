"""Paper modules: importing one registers its claims.

Every module in this package is imported (in name order), so adding a paper is adding a
module; ``bnproof list`` shows claims grouped by paper key (see ``claims.registry``).
"""

import importlib
import pkgutil

for _info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    importlib.import_module(f"{__name__}.{_info.name}")
