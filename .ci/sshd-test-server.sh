#!/usr/bin/env bash
# A throwaway sshd on 127.0.0.1 for the sftp:// tests (HTTPTests/SFTPTests).
#
#   sshd-test-server.sh start DIR PORT   generate keys in DIR, start sshd on 127.0.0.1:PORT
#   sshd-test-server.sh stop DIR         stop the sshd started for DIR
#
# After `start`, DIR holds:
#   client_key (+ .pub)   an ECDSA key authorised to log in as the current user
#   known_hosts           the server's host key for [127.0.0.1]:PORT
#   host_key.sha256       base64 SHA-256 of the host key (for CURLOPT_SSH_HOST_PUBLIC_KEY_SHA256)
#   user                  the login name
#   sshd.log, sshd.pid
# Needs openssh-server (/usr/sbin/sshd) and ssh-keygen. Only public-key login, only on loopback.
set -euo pipefail

die() { echo "sshd-test-server: $*" >&2; exit 1; }

command="${1:-}"
dir="${2:-}"
[ -n "$command" ] && [ -n "$dir" ] || die "usage: $0 start DIR PORT | stop DIR"

case "$command" in
start)
    port="${3:-}"
    [ -n "$port" ] || die "usage: $0 start DIR PORT"
    [ -x /usr/sbin/sshd ] || die "/usr/sbin/sshd not found (apt-get install openssh-server)"
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    chmod 700 "$dir"
    # sshd refuses to start without its privilege separation directory.
    if [ "$(id -u)" = 0 ]; then mkdir -p /run/sshd && chmod 755 /run/sshd; fi
    user="$(id -un)"
    rm -f "$dir/host_key" "$dir/host_key.pub" "$dir/client_key" "$dir/client_key.pub"
    ssh-keygen -q -t ecdsa -b 256 -N '' -C sverka-test-host -f "$dir/host_key"
    ssh-keygen -q -t ecdsa -b 256 -N '' -C sverka-test-client -f "$dir/client_key"
    cp "$dir/client_key.pub" "$dir/authorized_keys"
    chmod 600 "$dir/authorized_keys" "$dir/client_key" "$dir/host_key"
    printf '[127.0.0.1]:%s %s\n' "$port" "$(cut -d' ' -f1,2 "$dir/host_key.pub")" > "$dir/known_hosts"
    ssh-keygen -l -E sha256 -f "$dir/host_key.pub" | awk '{print $2}' | sed 's/^SHA256://' > "$dir/host_key.sha256"
    printf '%s\n' "$user" > "$dir/user"
    cat > "$dir/sshd_config" <<CONFIG
ListenAddress 127.0.0.1
Port $port
HostKey $dir/host_key
PidFile $dir/sshd.pid
AuthorizedKeysFile $dir/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
AllowTcpForwarding no
X11Forwarding no
PrintMotd no
Subsystem sftp internal-sftp
CONFIG
    /usr/sbin/sshd -t -f "$dir/sshd_config" || die "sshd rejected its configuration"
    /usr/sbin/sshd -f "$dir/sshd_config" -E "$dir/sshd.log"
    for _ in $(seq 1 100); do
        if [ -s "$dir/sshd.pid" ] && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            exit 0
        fi
        sleep 0.05
    done
    cat "$dir/sshd.log" >&2 || true
    die "sshd did not start on 127.0.0.1:$port"
    ;;
stop)
    if [ -s "$dir/sshd.pid" ]; then
        pid="$(cat "$dir/sshd.pid")"
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 40); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.05
        done
        # A parent that blocks SIGTERM (as test runners may) passes the mask on: escalate.
        kill -9 "$pid" 2>/dev/null || true
        rm -f "$dir/sshd.pid"
    fi
    ;;
*)
    die "unknown command $command (start or stop)"
    ;;
esac
