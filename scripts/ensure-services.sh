#!/usr/bin/env bash
# Start the local Redis and PostgreSQL when they are installed but not answering.
# Tests that need them read GOBSTOPPER_TEST_REDIS_URL / GOBSTOPPER_TEST_POSTGRES_DSN, or
# start their own servers from these binaries on free ports.
set -uo pipefail

redis_up() { command -v redis-cli >/dev/null && redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }
postgres_up() { command -v pg_isready >/dev/null && pg_isready -h 127.0.0.1 -p 5432 -q; }

if command -v redis-server >/dev/null && ! redis_up; then
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log || echo "could not start redis-server"
fi

if command -v pg_ctlcluster >/dev/null && ! postgres_up; then
  for version in $(ls /etc/postgresql 2>/dev/null); do
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || echo "could not start PostgreSQL $version"
  done
fi

for _ in $(seq 1 30); do
  { ! command -v redis-server >/dev/null || redis_up; } && { ! command -v pg_ctlcluster >/dev/null || postgres_up; } && break
  sleep 1
done
redis_up && echo "redis: up" || echo "redis: not available"
postgres_up && echo "postgresql: up" || echo "postgresql: not available"
exit 0
