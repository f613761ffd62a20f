"""Every model module, imported once so that the app and Alembic know every table."""

from mrc.audit import models as audit_models  # noqa: F401
from mrc.auth import models as auth_models  # noqa: F401
from mrc.centres import models as centre_models  # noqa: F401
from mrc.clients import models as client_models  # noqa: F401
from mrc.partners import models as partner_models  # noqa: F401
