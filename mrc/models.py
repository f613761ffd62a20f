"""Every model module, imported once so that the app and Alembic know every table."""

from mrc.audit import models as audit_models  # noqa: F401
from mrc.auth import models as auth_models  # noqa: F401
from mrc.centres import models as centre_models  # noqa: F401
from mrc.clients import models as client_models  # noqa: F401
from mrc.clients import privacy_models  # noqa: F401
from mrc.counselling import models as counselling_models  # noqa: F401
from mrc.group_sessions import models as group_session_models  # noqa: F401
from mrc.partners import models as partner_models  # noqa: F401
from mrc.referrals import models as referral_models  # noqa: F401
from mrc.sheets import models as sheet_models  # noqa: F401
from mrc.stats import models as stats_models  # noqa: F401
