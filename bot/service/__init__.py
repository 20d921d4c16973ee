"""The GitHub App service: webhooks in, validated pull requests out.

Pure decisions (`webhooks`, `routing`, `jobs`, `publishing`) are functions of
bytes, headers and values; `app` (FastAPI), `queue` (huey), `store` (SQLite)
and `worker` are the entry points that do the I/O.
"""
