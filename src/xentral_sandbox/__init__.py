"""Xentral sandbox: a local, faithful stand-in for the Xentral REST API operations the Unified Order API uses.

Independent of `unified_order_api`; the two share only the wire format.
"""

from .app import SandboxApp, create_app
from .calllog import CallLog, CallRecord
from .config import SandboxConfig
from .faults import Fault, FaultInjector, FaultKind
from .server import serve
from .state import SandboxState

__all__ = [
    "CallLog",
    "CallRecord",
    "Fault",
    "FaultInjector",
    "FaultKind",
    "SandboxApp",
    "SandboxConfig",
    "SandboxState",
    "create_app",
    "serve",
]
