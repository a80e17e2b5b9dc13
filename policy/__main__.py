"""The shop's policy pack: `pulumi preview --policy-pack policy`.

Pulumi runs this file (`python -m pulumi.policy <engine> policy`) in the virtualenv
PulumiPolicy.yaml names; PolicyPack starts the analyzer's gRPC server, prints its port
and serves until the engine stops it. The policies live in policy/shop_policies.py,
where the tests import them without starting a server.
"""

import sys
from pathlib import Path

# The engine puts only this folder on the path; the policies import the program's
# declarations (components/) as the package policy.
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pulumi_policy import EnforcementLevel, PolicyPack  # noqa: E402 - after the path is set

from policy.shop_policies import PACK_NAME, POLICIES  # noqa: E402 - after the path is set

PolicyPack(
    name=PACK_NAME,
    policies=POLICIES,
    enforcement_level=EnforcementLevel.MANDATORY,
    description="The shop's reliability and security defaults (docs/architecture.md)",
)
