"""`regsvc serve`: the web application under gunicorn, with defaults fit for production.

- Workers: SERVE_WORKERS, or two per CPU plus one (gunicorn's rule of thumb): a sync worker
  waits on the database and on rendering, and nginx in front buffers slow clients.
- SERVE_TIMEOUT (120 s) for a request, and for the requests in hand when the server stops:
  the longest are PDFs with many receipt photos.
- No access log: a private page's path is its private link. Pass gunicorn's own options
  after `--` to change anything (`regsvc serve -- --access-logfile - --access-logformat …`).
- No control socket: gunicorn would otherwise create one in the home directory, shared by
  every gunicorn of that user.

The command replaces itself with gunicorn (exec), so that the service manager's signals
reach gunicorn's master directly: SIGTERM stops it gracefully, SIGHUP reloads the workers.
"""

import os
import sys

import click
from flask import current_app

from regsvc import layout


def available_cpus() -> int:
    """CPUs this process may run on, which gunicorn's workers are sized by."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def gunicorn_command(bind: str, workers: int, timeout: int, forwarded_allow_ips: str, extra=()) -> list[str]:
    """The command line that serves wsgi.py's app with these settings."""
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        bind,
        "--workers",
        str(workers or 2 * available_cpus() + 1),
        "--timeout",
        str(timeout),
        "--graceful-timeout",
        str(timeout),
        "--forwarded-allow-ips",
        forwarded_allow_ips,
        "--no-control-socket",
    ]
    if not layout.INSTALLED:
        # A checkout's wsgi.py is the top-level module `wsgi`.
        command += ["--pythonpath", str(layout.ROOT)]
    return [*command, *extra, layout.WSGI_APP]


def register(group: click.Group) -> None:
    """Add `serve` to the `regsvc` command group."""

    @group.command("serve", context_settings={"ignore_unknown_options": True})
    @click.option("--bind", help="host:port or unix:/path to listen on (default: SERVE_BIND).")
    @click.option("--workers", type=click.IntRange(min=1), help="Worker processes (default: SERVE_WORKERS).")
    @click.option(
        "--timeout", type=click.IntRange(min=1), help="Seconds per request (default: SERVE_TIMEOUT)."
    )
    @click.option(
        "--forwarded-allow-ips",
        help="Proxies whose X-Forwarded-Proto is believed (default: SERVE_FORWARDED_ALLOW_IPS).",
    )
    @click.argument("gunicorn_options", nargs=-1, type=click.UNPROCESSED)
    def serve(bind, workers, timeout, forwarded_allow_ips, gunicorn_options):
        """Serve the web application with gunicorn (options after `--` go to gunicorn)."""
        config = current_app.config
        command = gunicorn_command(
            bind or config["SERVE_BIND"],
            workers or config["SERVE_WORKERS"],
            timeout or config["SERVE_TIMEOUT"],
            forwarded_allow_ips or config["SERVE_FORWARDED_ALLOW_IPS"],
            gunicorn_options,
        )
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(command[0], command)  # noqa: S606 - our own interpreter, running gunicorn
