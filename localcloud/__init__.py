"""The local cloud: the whole shop on one machine, no AWS account, no Docker.

See DESIGN §7 and docs/local-cloud.md. `make local` runs `python -m localcloud`.
"""
