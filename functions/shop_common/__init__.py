"""Code shared by the shop's Lambda functions.

Each function's archive holds only the modules of this package that its
handler imports (see components/packaging.py), so keep modules small and
their imports light: anything imported here is paid for on every cold start.
"""
