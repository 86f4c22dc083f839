"""Kept so that routes written against this module's names keep working: the policy lives in edge.access."""
from edge.access import Access, Caller, policy, require_read, require_write

__all__ = ["Access", "Caller", "policy", "require_read", "require_write"]
