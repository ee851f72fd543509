"""Self-checks for the course's exercises: `from minigrad_course import checks`, then `checks.check_...(your_function)`.

Each notebook's checkers live in their own module (`nb01`, `nb02`, ...) and are
all available here; `verdict` holds what they share.
"""
from .verdict import attempt, compare, failed, not_done, passed  # noqa: F401
from .nb00 import *  # noqa: F401,F403
from .nb01 import *  # noqa: F401,F403
from .nb02 import *  # noqa: F401,F403
from .nb03 import *  # noqa: F401,F403
from .nb04 import *  # noqa: F401,F403
from .nb05 import *  # noqa: F401,F403
from .nb06 import *  # noqa: F401,F403
from .nb07 import *  # noqa: F401,F403
from .nb08 import *  # noqa: F401,F403
from .nb09 import *  # noqa: F401,F403
from .nb10 import *  # noqa: F401,F403
from .nb11 import *  # noqa: F401,F403
from .nb12 import *  # noqa: F401,F403
from .nb13 import *  # noqa: F401,F403
from .nb14 import *  # noqa: F401,F403
from .nb15 import *  # noqa: F401,F403
from .nb16 import *  # noqa: F401,F403
from .nb17 import *  # noqa: F401,F403
