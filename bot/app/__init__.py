"""The GitHub App: webhooks in, validated pull requests out.

Pure decisions are functions of bytes, headers and values: `webhooks` (signature,
delivery), `router` and `routing`/`pull_events` (one handler per event, composed by
`routing.app_router`), `conversation` (slash commands). `web` (FastAPI), `queue`
(huey), `store` (SQLite or Redis) and `worker` do the I/O; `worker` runs one job through
`dispatch` to its handler: `fix_job`, `commands` or `learning`. `main` wires it all.
"""
