#!/usr/bin/env bash
# Makes sure a `nats-server` binary (with JetStream, v2.9 or later) is available.
# Order: $ATC_NATS_SERVER, then PATH, then Debian's package (when root with apt-get), else a clear message.
# Prints nothing on success unless it had to install; exits non-zero with instructions otherwise.
set -euo pipefail

if [ -n "${ATC_NATS_SERVER:-}" ]; then
  if [ -x "$ATC_NATS_SERVER" ]; then exit 0; fi
  echo "ATC_NATS_SERVER=$ATC_NATS_SERVER is not an executable file" >&2
  exit 1
fi
if command -v nats-server >/dev/null 2>&1; then exit 0; fi
# Debian installs it under /usr/sbin, which is not on every user's PATH.
if [ -x /usr/sbin/nats-server ]; then exit 0; fi

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "nats-server not found: installing Debian's package 'nats-server' with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq nats-server >/dev/null
  if command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ]; then
    # Debian's package enables a system service; we start our own servers on free ports instead.
    (systemctl disable --now nats-server >/dev/null 2>&1 || true)
    exit 0
  fi
fi

cat >&2 <<'MSG'
llm-atc needs the NATS server (nats-server, v2.9 or later, with JetStream) and could not find or install it.
Install it one of these ways, then run the command again:
  - Debian/Ubuntu:  sudo apt-get install -y nats-server
  - macOS:          brew install nats-server
  - any OS:         a release binary from the NATS project, put on your PATH
                    (or point ATC_NATS_SERVER at it)
Or run against a NATS server you already have: ATC_NATS_URL=nats://host:4222 npm start
MSG
exit 1
