#!/usr/bin/env bash
# What the tests need beyond Node packages: Debian's Chromium (ensure-chromium.sh) and Debian's
# ClickHouse server (the ClickHouse sink test starts its own instance).
# PostgreSQL, MariaDB, Redis and NATS run on every machine; start them if one has stopped.
set -euo pipefail
SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive

bash "$(dirname "$0")/ensure-chromium.sh"
if ! command -v clickhouse-server >/dev/null; then
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq clickhouse-server >/dev/null
fi

up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
up 5432 || $SUDO pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
up 6379 || $SUDO redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
up 4222 || $SUDO start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
up 3306 || $SUDO start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
for port in 5432 6379 4222 3306; do
  for _ in $(seq 50); do up $port && break; sleep 0.2; done
  up $port || { echo "service on 127.0.0.1:$port did not start" >&2; exit 1; }
done
