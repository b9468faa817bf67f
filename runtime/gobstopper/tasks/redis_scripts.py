"""The Lua scripts behind :class:`~gobstopper.tasks.redis_store.RedisTaskStore`.

Each state change of a task is one script, so the task's record, its place in a stream,
the delayed set and the per-status counters change together or not at all. Keys are
built from ``ARGV[1]`` (the prefix): the store targets one Redis server, not a cluster.

Layout under the prefix ``P``:

``P:t:<id>``
    the task's record (a hash).
``P:q:<category>:<priority>``
    a stream per category and priority, read by the consumer group ``workers``.
``P:d:<category>``
    tasks waiting for their start time or their next retry (a sorted set by time).
``P:n:<category>``
    how many tasks of the category are in each status (a hash).
``P:f``
    finished tasks by the time they finished (a sorted set), for cleaning up.
``P:c``
    every category that has had a task.
"""

from __future__ import annotations

__all__ = ["CANCEL", "CLAIM", "DELETE_FINISHED", "ENQUEUE", "FINISH", "GROUP"]

#: The consumer group of every stream.
GROUP = "workers"

_MOVE = """
local prefix = ARGV[1]
local function move(key, category, from, to)
  local counts = prefix .. ':n:' .. category
  if from then redis.call('HINCRBY', counts, from, -1) end
  redis.call('HINCRBY', counts, to, 1)
  redis.call('HSET', key, 'status', to)
end
local function stream(category, priority)
  return prefix .. ':q:' .. category .. ':' .. priority
end
"""

#: ARGV: prefix, id, category, priority, run_at, now, field, value, ...
ENQUEUE = (
    _MOVE
    + """
local id, category, priority = ARGV[2], ARGV[3], ARGV[4]
local key = prefix .. ':t:' .. id
redis.call('HSET', key, unpack(ARGV, 7))
redis.call('SADD', prefix .. ':c', category)
move(key, category, false, 'pending')
if tonumber(ARGV[5]) > tonumber(ARGV[6]) then
  redis.call('ZADD', prefix .. ':d:' .. category, ARGV[5], id)
else
  redis.call('XADD', stream(category, priority), '*', 'id', id)
end
"""
)

#: ARGV: prefix, category, consumer, now, min idle ms of an abandoned task.
#: Returns {stream, entry, record} for the task now started, or {false, next due time,
#: last entry ids of the streams from highest priority down} when none is runnable.
CLAIM = (
    _MOVE
    + """
local category, consumer, now, idle = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local delayed = prefix .. ':d:' .. category
for _, id in ipairs(redis.call('ZRANGEBYSCORE', delayed, '-inf', now, 'LIMIT', 0, 100)) do
  redis.call('ZREM', delayed, id)
  local priority = redis.call('HGET', prefix .. ':t:' .. id, 'priority')
  if priority then redis.call('XADD', stream(category, priority), '*', 'id', id) end
end
local last = {}
for priority = 3, 0, -1 do
  local key = stream(category, priority)
  for _ = 1, 1000 do
    local reclaimed = true
    local entries = redis.call('XAUTOCLAIM', key, 'workers', consumer, idle, '0-0', 'COUNT', 1)[2]
    if #entries == 0 then
      reclaimed = false
      local read = redis.call('XREADGROUP', 'GROUP', 'workers', consumer, 'COUNT', 1,
        'STREAMS', key, '>')
      entries = read and read[1][2] or {}
    end
    if #entries == 0 then break end
    local entry = entries[1][1]
    local task = prefix .. ':t:' .. entries[1][2][2]
    local status = redis.call('HGET', task, 'status')
    if status == 'pending' or status == 'retrying' or (reclaimed and status == 'started') then
      move(task, category, status, 'started')
      redis.call('HINCRBY', task, 'attempts', 1)
      redis.call('HSET', task, 'started_at', now)
      return {key, entry, redis.call('HGETALL', task)}
    end
    redis.call('XACK', key, 'workers', entry)
    redis.call('XDEL', key, entry)
  end
  local info = redis.call('XINFO', 'STREAM', key)
  for i = 1, #info, 2 do
    if info[i] == 'last-generated-id' then table.insert(last, info[i + 1]) end
  end
end
local due = redis.call('ZRANGE', delayed, 0, 0, 'WITHSCORES')
return {false, due[2] or false, last}
"""
)

#: ARGV: prefix, id, category, stream, entry, outcome, now, retry time, field, value, ...
#: The outcome is success, failed, retrying, or pending (put back by a stopping worker).
FINISH = (
    _MOVE
    + """
local id, category, key, entry, outcome = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local task = prefix .. ':t:' .. id
local status = redis.call('HGET', task, 'status')
if status == 'started' then
  move(task, category, status, outcome)
  if #ARGV > 8 then redis.call('HSET', task, unpack(ARGV, 9)) end
  if outcome == 'pending' then
    redis.call('HINCRBY', task, 'attempts', -1)
    redis.call('XCLAIM', key, 'workers', 'requeued', 0, entry, 'IDLE', 2147483647, 'JUSTID')
    return 1
  elseif outcome == 'retrying' then
    redis.call('ZADD', prefix .. ':d:' .. category, ARGV[8], id)
  else
    redis.call('ZADD', prefix .. ':f', ARGV[7], id)
  end
end
redis.call('XACK', key, 'workers', entry)
redis.call('XDEL', key, entry)
return 1
"""
)

#: ARGV: prefix, id, now. Returns 1 when the task was waiting and is now cancelled.
CANCEL = (
    _MOVE
    + """
local id, now = ARGV[2], ARGV[3]
local task = prefix .. ':t:' .. id
local status = redis.call('HGET', task, 'status')
if status ~= 'pending' and status ~= 'retrying' then return 0 end
local category = redis.call('HGET', task, 'category')
move(task, category, status, 'cancelled')
redis.call('HSET', task, 'finished_at', now)
redis.call('ZREM', prefix .. ':d:' .. category, id)
redis.call('ZADD', prefix .. ':f', now, id)
return 1
"""
)

#: ARGV: prefix, finished before, offset, batch, status, ... Returns {examined, kept, deleted}.
DELETE_FINISHED = (
    _MOVE
    + """
local wanted = {}
for i = 5, #ARGV do wanted[ARGV[i]] = true end
local finished = prefix .. ':f'
local ids = redis.call('ZRANGEBYSCORE', finished, '-inf', '(' .. ARGV[2], 'LIMIT', ARGV[3], ARGV[4])
local kept, deleted = 0, 0
for _, id in ipairs(ids) do
  local task = prefix .. ':t:' .. id
  local fields = redis.call('HMGET', task, 'status', 'category')
  if not fields[1] then
    redis.call('ZREM', finished, id)
  elseif wanted[fields[1]] then
    redis.call('HINCRBY', prefix .. ':n:' .. fields[2], fields[1], -1)
    redis.call('DEL', task)
    redis.call('ZREM', finished, id)
    deleted = deleted + 1
  else
    kept = kept + 1
  end
end
return {#ids, kept, deleted}
"""
)
