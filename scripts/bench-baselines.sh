#!/usr/bin/env bash
# Baselines for the channel benchmark: the same number of bytes through
#   1. an OpenSSL TLS 1.3 pipe (socat -b 131072, OPENSSL addresses; OpenSSL 3 negotiates
#      TLS_AES_256_GCM_SHA384 first: socat 1.7.4 cannot set TLS 1.3 suites), and
#   2. ssh (the transport xl migrate uses by default) to a private sshd on loopback,
# each from /dev/zero into /dev/null, timed. Prints one JSON line per baseline.
# Usage: scripts/bench-baselines.sh BYTES   (needs socat, openssl; ssh needs openssh-server and root)
set -euo pipefail
bytes=${1:?usage: bench-baselines.sh BYTES}
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]:-}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
now_ns() { date +%s%N; }
report() { # name bytes start_ns end_ns
  python3 -c "import json,sys; n,b,s,e=sys.argv[1],int(sys.argv[2]),int(sys.argv[3]),int(sys.argv[4]); t=(e-s)/1e9; print(json.dumps({'transport':n,'bytes':b,'seconds':round(t,3),'MBps':round(b/t/1e6,1)}))" "$@"
}

# 1. OpenSSL TLS 1.3 through socat
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=bench -days 1 \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
cat "$work/key.pem" "$work/cert.pem" > "$work/both.pem"
port=$(free_port)
socat -b 131072 -u "OPENSSL-LISTEN:$port,bind=127.0.0.1,reuseaddr,cert=$work/both.pem,verify=0,openssl-min-proto-version=TLS1.3" \
  OPEN:/dev/null &
pids+=($!)
sleep 0.5
start=$(now_ns)
head -c "$bytes" /dev/zero | socat -b 131072 -u STDIN \
  "OPENSSL:127.0.0.1:$port,verify=0,openssl-min-proto-version=TLS1.3"
wait "${pids[-1]}" 2>/dev/null || true
report socat-openssl-tls1.3 "$bytes" "$start" "$(now_ns)"

# 2. ssh to a private sshd on loopback
if [ -x /usr/sbin/sshd ] && [ "$(id -u)" -eq 0 ]; then
  ssh-keygen -q -t ed25519 -N '' -f "$work/host_key"
  ssh-keygen -q -t ed25519 -N '' -f "$work/user_key"
  cp "$work/user_key.pub" "$work/authorized_keys"
  sport=$(free_port)
  mkdir -p /run/sshd
  /usr/sbin/sshd -D -e -f /dev/null -o "Port=$sport" -o ListenAddress=127.0.0.1 -o "HostKey=$work/host_key" \
    -o "AuthorizedKeysFile=$work/authorized_keys" -o PasswordAuthentication=no -o PermitRootLogin=prohibit-password \
    -o StrictModes=no -o UsePAM=no -o "PidFile=$work/sshd.pid" 2>"$work/sshd.log" &
  pids+=($!)
  sleep 0.5
  start=$(now_ns)
  head -c "$bytes" /dev/zero | ssh -q -p "$sport" -i "$work/user_key" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
    -o BatchMode=yes root@127.0.0.1 'cat > /dev/null'
  report ssh "$bytes" "$start" "$(now_ns)"
else
  echo '{"transport":"ssh","skipped":"needs /usr/sbin/sshd and root"}'
fi
