"""The local cloud: the whole shop on one machine, no AWS account, no Docker.

See docs/local-cloud.md. `make local` runs `python -m localcloud`.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the repository the local cloud runs
