#!/bin/sh
# hutch's one installer, for a fresh Debian or Ubuntu machine, as root.
#
#   ./install.sh           install hutch (system packages + a virtualenv) and
#                          run the demo: a busybox container showing its isolation
#   ./install.sh --test    install what the tests need and run the whole suite
#                          (what CI runs: .ci/run calls this)
#   ./install.sh --no-demo install only
set -eu
cd "$(dirname "$0")"
MODE=${1:-demo}
PREFIX=${HUTCH_PREFIX:-/opt/hutch}

if [ "$(id -u)" != 0 ]; then
    echo "install.sh: run as root (hutch makes namespaces, mounts and cgroups)" >&2
    exit 1
fi

PKGS="busybox-static python3 python3-venv"
if [ "$MODE" = "--test" ]; then
    # differential tests against libcgroup, the v2 guest (../shared/tools/v2run),
    # console tests, and `ip` as an independent witness in network tests
    PKGS="$PKGS cgroup-tools iproute2 tmux qemu-system-x86 linux-image-amd64 cpio kmod"
fi
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends $missing
fi

# Debian's own interpreter: a pyenv shim costs ~80 ms per command
PY=/usr/bin/python3

# pip's console script imports `re` and `site` first (~15 ms here); hutch's
# start path is hot, so bin/hutch is replaced by a launcher that skips both
write_launcher() {   # VENV
    libdir=$("$1/bin/python" -c 'import hutch, os; print(os.path.dirname(os.path.dirname(hutch.__file__)))')
    cat > "$1/bin/hutch.new" <<LAUNCHER
#!$1/bin/python -S
import sys
sys.path.insert(1, "$libdir")
from hutch.cli.main import run
run()
LAUNCHER
    chmod 755 "$1/bin/hutch.new"
    mv "$1/bin/hutch.new" "$1/bin/hutch"
    # byte-compile now: with PYTHONDONTWRITEBYTECODE set, nothing else would
    "$1/bin/python" -m compileall -q "$libdir/hutch" >/dev/null
}

if [ "$MODE" = "--test" ]; then
    [ -x .venv/bin/python ] || "$PY" -m venv .venv
    .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
    write_launcher "$PWD/.venv"
    shift || true
    set +e
    .venv/bin/python -m pytest -q -p no:cacheprovider tests/unit tests/integration "$@"
    rc=$?
    set -e
    [ "$rc" = 5 ] && { echo "install.sh: pytest collected no tests" >&2; exit 1; }
    [ "$rc" = 0 ] || exit "$rc"
    # the cgroup v2 suite, for real, in a guest booted with a pure v2 hierarchy
    V2RUN=../shared/tools/v2run
    if [ -x "$V2RUN" ] && ls tests/v2/test_*.py >/dev/null 2>&1; then
        # the guest has its own empty /tmp: a checkout there must be shared in
        share=""
        case "$PWD" in /tmp/*) share="--share $PWD" ;; esac
        "$V2RUN" $share --timeout 1500 -- .venv/bin/python -m pytest -q -p no:cacheprovider tests/v2
    else
        echo "install.sh: $V2RUN not found: cgroup v2 suite not run" >&2
    fi
    exit 0
fi

[ -x "$PREFIX/bin/python" ] || "$PY" -m venv "$PREFIX"
"$PREFIX/bin/python" -m pip install -q --disable-pip-version-check --upgrade .
write_launcher "$PREFIX"
ln -sf "$PREFIX/bin/hutch" /usr/local/bin/hutch
echo "hutch installed: $(command -v hutch) ($("$PREFIX/bin/hutch" version))"
[ "$MODE" = "--no-demo" ] && exit 0

# the main job, offline: a busybox container from the host's busybox-static
if ! hutch ls -1 | grep -qx demo; then
    hutch create -n demo -t busybox
fi
echo "--- hutch execute -n demo: inside the container ---"
hutch execute -n demo -- /bin/sh -c '
echo "my PID:        $$ (the reaper is PID 1: $(cat /proc/1/comm))"
echo "my hostname:   $(hostname)"
echo "my interfaces: $(ls /sys/class/net | tr "\n" " ")"
echo "processes I can see:"; ps -o pid,comm'
echo "--- back on the host: hostname $(hostname); remove the demo with: hutch destroy -n demo"
