"""The shop's Pulumi ComponentResources, one per file, composed in __main__.py.

The API's routes and the events are declared once, in functions/shop_common
(the library the Lambda functions share: shop_common.routes, .contracts); the
program reads them from there, so this package puts that folder on the path.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the repository: the Pulumi project
FUNCTIONS_DIR = ROOT / "functions"
if str(FUNCTIONS_DIR) not in sys.path:
    sys.path.append(str(FUNCTIONS_DIR))
