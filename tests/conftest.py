from __future__ import annotations

import logging

import structlog

# Keep test output readable: our info-level request logs would interleave with pytest's dots.
structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
