"""WSGI entry point: the app `regsvc serve` runs under gunicorn, and `flask --app wsgi …`."""

import gc

from regsvc import create_app

app = create_app()
# What loading the app created lives as long as the process: keep it out of the garbage
# collector's full passes, which would otherwise scan it all (about 100 ms, inside
# whatever request happens to trigger one, seat lock included).
gc.freeze()
