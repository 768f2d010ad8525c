"""Where regsvc finds what the repository keeps at its top: templates/, migrations/, wsgi.py
and config.py (the default settings, and load_settings()).

In a checkout, and in the editable install `make install` makes, they are where the
repository has them, beside the package. A wheel carries them inside the package, in
regsvc/root/ (pyproject.toml maps the repository's top directory there), so an installed
regsvc needs no checkout. Code that needs any of them asks this module, which knows both.
"""

import importlib
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
INSTALLED = (PACKAGE / "root").is_dir()
# The repository's top directory, or the copy of it that a wheel installs.
ROOT = PACKAGE / "root" if INSTALLED else PACKAGE.parent
TEMPLATES = ROOT / "templates"
MIGRATIONS = ROOT / "migrations"
# What gunicorn serves: wsgi.py's `app`, by the module name wsgi.py has here.
WSGI_APP = "regsvc.root.wsgi:app" if INSTALLED else "wsgi:app"

if INSTALLED:
    config = importlib.import_module("regsvc.root.config")
else:
    # A checkout's config.py is the top-level module `config`, the one the tests and
    # `flask --app wsgi` import. A command started elsewhere has no checkout on its path.
    if str(ROOT) not in sys.path:
        sys.path.append(str(ROOT))
    config = importlib.import_module("config")

load_settings = config.load_settings
