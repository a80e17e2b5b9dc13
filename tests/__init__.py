"""The shop's tests: infra/ (Pulumi mocks), functions/ (moto), e2e/ (the local
cloud through HTTP), localcloud/ (its own parts)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the repository
