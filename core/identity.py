"""Who runs this process: the operating-system account of the real user id.

Never the environment: ``LOGNAME``/``USER`` (what the getpass module reads first) are
set by anyone, so ``LOGNAME=boss salesdesk ...`` must not make you the boss. The only
override is ``SALESDESK_USER`` on a demo database (see ``core.runtime.current_login``).
Kept free of heavy imports: the app shows the login before the database is open.
"""

from __future__ import annotations

import os
import pwd

from core.errors import SalesdeskError
from core.i18n import _


def os_login() -> str:
    """The login name of the process's real user id."""
    uid = os.getuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        raise SalesdeskError(
            _(
                "Your user id {uid} has no login name on this machine, so salesdesk cannot "
                "tell who you are; ask the system administrator to give it an account"
            ).format(uid=uid)
        ) from None
