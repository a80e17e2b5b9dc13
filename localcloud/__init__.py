"""The local cloud: the whole shop on one machine, no AWS account, no Docker.

See docs/local-cloud.md. `make local` runs `python -m localcloud`.
"""
