"""The service's records in Redis, for several machines sharing one queue.

Same contract as SqliteStore. The per-branch lock is a key that expires with the
lease (`SET NX PX`), so a dead worker's lock frees itself; claims, renewals and
recovery are Lua scripts, atomic on the server.
"""

from __future__ import annotations

import time
from typing import Any

import redis

from bot.app.router import InstallationChange
from bot.app.store import Claim, JobRecord, JobState
from bot.core.jobs import FixJob

P = "redfix:"
ACTIVE = P + "active"  # jobs queued or running
INSTALLATIONS = P + "installations"

RECORD = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX') == false then return 0 end
redis.call('INCR', KEYS[2])
if ARGV[2] ~= '' then
  redis.call('HSET', KEYS[3], 'payload', ARGV[2], 'lock_key', ARGV[3], 'state', 'queued',
             'executions', 0, 'lease_until', 0, 'enqueued_at', ARGV[4], 'result', '',
             'pr_url', '')
  redis.call('ZADD', KEYS[4], ARGV[4], ARGV[5])
end
return 1
"""

CLAIM = """
local state = redis.call('HGET', KEYS[1], 'state')
if state == false then return 'unknown' end
local now = tonumber(ARGV[1])
if state == 'done' or state == 'failed' then return 'taken' end
if state == 'running' and tonumber(redis.call('HGET', KEYS[1], 'lease_until')) >= now then
  return 'taken'
end
local holder = redis.call('GET', KEYS[2])
if holder ~= false and holder ~= ARGV[3] then return 'busy' end
redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4])
redis.call('HSET', KEYS[1], 'state', 'running', 'lease_until', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'executions', 1)
return 'claimed'
"""

RENEW = """
if redis.call('HGET', KEYS[1], 'state') ~= 'running' then return 0 end
redis.call('HSET', KEYS[1], 'lease_until', ARGV[1])
if redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end
return 1
"""

SETTLE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'state', ARGV[1], 'result', ARGV[2], 'pr_url', ARGV[3],
           'lease_until', 0, 'enqueued_at', ARGV[4])
if redis.call('GET', KEYS[2]) == ARGV[5] then redis.call('DEL', KEYS[2]) end
if ARGV[1] == 'queued' then redis.call('ZADD', KEYS[3], ARGV[4], ARGV[5])
else redis.call('ZREM', KEYS[3], ARGV[5]) end
return 1
"""

STRANDED = """
local now, cutoff, found = tonumber(ARGV[1]), tonumber(ARGV[2]), {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local key = ARGV[3] .. id
  local state = redis.call('HGET', key, 'state')
  local lease = tonumber(redis.call('HGET', key, 'lease_until') or '0')
  local queued = tonumber(redis.call('HGET', key, 'enqueued_at') or '0')
  if (state == 'running' and lease < now) or (state == 'queued' and queued < cutoff) then
    redis.call('HSET', key, 'enqueued_at', ARGV[1])
    table.insert(found, id)
  end
end
return found
"""


def _job_key(job_id: str) -> str:
    return f"{P}job:{job_id}"


def _lock_key(lock: str) -> str:
    return f"{P}lock:{lock}"


ACTIVE_STATES = (JobState.QUEUED, JobState.RUNNING)


def _job_record(fields: dict[str, str]) -> JobRecord | None:
    if not fields or not fields.get("payload"):
        return None
    return JobRecord(
        FixJob.from_json(fields["payload"]),
        JobState(fields["state"]),
        int(fields["executions"]),
        fields["result"],
        fields["pr_url"],
        float(fields.get("enqueued_at") or 0),
    )


class RedisStore:
    def __init__(self, url: str) -> None:
        self._redis: Any = redis.Redis.from_url(url, decode_responses=True)
        self._record = self._redis.register_script(RECORD)
        self._claim = self._redis.register_script(CLAIM)
        self._renew = self._redis.register_script(RENEW)
        self._settle = self._redis.register_script(SETTLE)
        self._stranded = self._redis.register_script(STRANDED)

    def close(self) -> None:
        self._redis.close()

    def record_delivery(
        self, delivery_id: str, *, event: str, action: str, decision: str, job: FixJob | None
    ) -> bool:
        keys = [f"{P}delivery:{delivery_id}", P + "deliveries", _job_key(delivery_id), ACTIVE]
        payload, lock = (job.to_json(), job.lock_key) if job else ("", "")
        args: list[str | float] = [
            f"{event}.{action}:{decision}", payload, lock, time.time(), delivery_id
        ]
        return bool(self._record(keys=keys, args=args))

    def _lock_of(self, job_id: str) -> str:
        return _lock_key(str(self._redis.hget(_job_key(job_id), "lock_key") or ""))

    def claim(self, job_id: str, *, lease_s: float) -> Claim:
        now = time.time()
        answer = self._claim(
            keys=[_job_key(job_id), self._lock_of(job_id)],
            args=[now, now + lease_s, job_id, int(lease_s * 1000)],
        )
        return Claim(answer)

    def renew(self, job_id: str, *, lease_s: float) -> None:
        self._renew(
            keys=[_job_key(job_id), self._lock_of(job_id)],
            args=[time.time() + lease_s, int(lease_s * 1000), job_id],
        )

    def touch(self, job_id: str) -> None:
        key = _job_key(job_id)
        if self._redis.hget(key, "state") == JobState.QUEUED:
            now = time.time()
            self._redis.hset(key, "enqueued_at", now)
            self._redis.zadd(ACTIVE, {job_id: now})

    def _set(self, job_id: str, state: JobState, *, result: str, pr_url: str) -> None:
        self._settle(
            keys=[_job_key(job_id), self._lock_of(job_id), ACTIVE],
            args=[str(state), result, pr_url, time.time(), job_id],
        )

    def release(self, job_id: str) -> None:
        self._set(job_id, JobState.QUEUED, result="", pr_url="")

    def finish(self, job_id: str, *, state: JobState, result: str, pr_url: str = "") -> None:
        self._set(job_id, state, result=result, pr_url=pr_url)

    def stranded(self, *, requeue_after_s: float) -> list[str]:
        now = time.time()
        found = self._stranded(keys=[ACTIVE], args=[now, now - requeue_after_s, P + "job:"])
        return [str(job_id) for job_id in found]

    def job(self, job_id: str) -> JobRecord | None:
        return _job_record(self._redis.hgetall(_job_key(job_id)))

    def active_jobs(self) -> list[JobRecord]:
        pipe = self._redis.pipeline()
        for job_id in self._redis.zrange(ACTIVE, 0, -1):
            pipe.hgetall(_job_key(job_id))
        found = [_job_record(fields) for fields in pipe.execute()]
        active = [r for r in found if r is not None and r.state in ACTIVE_STATES]
        return sorted(active, key=lambda r: (r.queued_at, r.job.job_id))

    def counts(self) -> dict[str, int]:
        counts = {f"jobs_{state}": 0 for state in JobState}
        for key in self._redis.scan_iter(match=P + "job:*", count=500):
            state = self._redis.hget(key, "state")
            if state:
                counts[f"jobs_{state}"] += 1
        counts["deliveries"] = int(self._redis.get(P + "deliveries") or 0)
        return counts

    def apply_installation(self, change: InstallationChange) -> None:
        repos = f"{P}installation:{change.installation_id}:repos"
        pipe = self._redis.pipeline()
        if change.uninstalled:
            pipe.srem(INSTALLATIONS, change.installation_id)
            pipe.delete(repos)
        else:
            pipe.sadd(INSTALLATIONS, change.installation_id)
        for name in change.added:
            pipe.sadd(repos, name)
        for name in change.removed:
            pipe.srem(repos, name)
        pipe.execute()

    def installed_repositories(self) -> dict[int, list[str]]:
        found: dict[int, list[str]] = {}
        for installation in self._redis.smembers(INSTALLATIONS):
            names = sorted(self._redis.smembers(f"{P}installation:{installation}:repos"))
            if names:
                found[int(installation)] = names
        return found

    def ping(self) -> str:
        return "" if self._redis.ping() else "Redis does not answer"
