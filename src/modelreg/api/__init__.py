"""The registry service: a FastAPI app over one Registry (``create_app``), served by ``modelreg serve``."""

from modelreg.api.app import create_app

__all__ = ["create_app"]
