"""Fakes of the three shops' APIs, each written from its shop's published documentation (named in its module).

Each is an ASGI app with its state in plain dicts, a call log, and faults (`faults.py`): an answer
lost after the shop did the work, a 429 with `Retry-After`, a 5xx. Unit tests reach them through
`httpx.ASGITransport` (no socket); end-to-end tests serve them on loopback (`serve`).
"""
