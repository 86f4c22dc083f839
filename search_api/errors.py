"""Kept so that code written against this module's names keeps working: the error shape lives in edge.errors."""
from edge.errors import ApiError, error_json, install_error_handlers

__all__ = ["ApiError", "error_json", "install_error_handlers"]
