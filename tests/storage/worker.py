"""An app worker adding a receipt, stopped at a chosen moment for the test to kill it
(tests/storage/test_crashes.py):

    python -m tests.storage.worker before-commit CLAIM_ID   # its files staged, the row not committed
    python -m tests.storage.worker after-commit CLAIM_ID    # the row committed, nothing done after

Its settings come from the REGSVC_* environment, as a real worker's do. It prints the moment's
name once there, then waits to be killed.
"""

from __future__ import annotations

import sys
import time
from datetime import date

from sqlalchemy import event

from regsvc import create_app
from regsvc.claims.drafting import add_receipt
from regsvc.claims.models import ExpenseKind
from regsvc.claims.receipts import process_upload
from regsvc.db import get_session
from regsvc.storage import current_storage
from tests.claims.corpus import image_bytes, marked_picture

MOMENTS = ("before-commit", "after-commit")


def wait_to_be_killed(moment: str) -> None:
    print(moment, flush=True)
    time.sleep(300)
    sys.exit(f"{moment}: not killed")


def main(moment: str, claim_id: int) -> None:
    app = create_app()
    with app.app_context():
        session = get_session()
        storage = current_storage()
        if moment == "before-commit":
            event.listen(session, "before_commit", lambda _session: wait_to_be_killed(moment))
        else:
            # What comes after the row's commit: putting the staged files in place.
            type(storage).commit = lambda self, staged: wait_to_be_killed(moment)  # type: ignore[method-assign]
        upload = process_upload(image_bytes(marked_picture(400, 300), "JPEG"), "ticket.jpg")
        add_receipt(session, claim_id, storage, upload, ExpenseKind.BUS_TICKET, date(2031, 6, 30), 190000)
    sys.exit(f"{moment}: never reached")


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in MOMENTS:
        sys.exit(__doc__)
    main(sys.argv[1], int(sys.argv[2]))
