# Shared helpers for scripts/stack/*.sh (sourced, not run).
set -euo pipefail

STACK_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STACK_DIR="${STACK_DIR:-$STACK_REPO_ROOT/.stack}"
STACK_BIN="$STACK_DIR/bin"
# shellcheck source=versions.env
source "$STACK_REPO_ROOT/scripts/stack/versions.env"

log() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }

require_go() {
  command -v go >/dev/null 2>&1 || die "go is not on PATH; install Go >= 1.25 (the collector and Jaeger are built from Go modules)"
}

# up_to_date BINARY KEY: true when BINARY exists and was built for KEY.
# The key holds everything that changes the output: pinned versions, the
# manifest's hash and the Go toolchain version.
up_to_date() {
  local bin="$1" key="$2"
  [[ -x "$bin" && -f "$bin.stamp" && "$(cat "$bin.stamp")" == "$key" ]]
}

write_stamp() { printf '%s' "$2" >"$1.stamp"; }

# Seconds since the epoch with decimals, for build timings.
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# Copies the source of MODULE@VERSION from the Go module proxy into a writable
# build folder and prints its path. For modules whose go.mod has `replace`
# directives: `go install module@version` refuses them, so they are built from
# their own folder, as the main module, where the replaces apply.
module_source_copy() {
  local module_at_version="$1" src build
  mkdir -p "$STACK_DIR/build"
  src="$(cd "$STACK_DIR/build" && GOFLAGS=-mod=mod go mod download -json "$module_at_version" \
    | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [[ -n "$src" && -d "$src" ]] || die "go mod download gave no source directory for $module_at_version"
  build="$STACK_DIR/build/$(basename "${module_at_version%@*}")-${module_at_version##*@}"
  rm -rf "$build"
  cp -R "$src" "$build"
  chmod -R u+w "$build"
  printf '%s' "$build"
}

# build_from_module_source NAME MODULE@VERSION PACKAGE KEY [GO BUILD FLAGS...]
# Builds PACKAGE (e.g. ./cmd/thanos) of a module whose `go install` is refused
# (replace directives) from a copy of its source, into $STACK_BIN/NAME, unless
# the binary's stamp already holds KEY (FORCE=1 builds anyway). CGO off.
build_from_module_source() {
  local name="$1" module_at_version="$2" package="$3" key="$4" target="$STACK_BIN/$1" start build
  shift 4
  if [[ "${FORCE:-0}" != 1 ]] && up_to_date "$target" "$key"; then
    log "$name up to date ($target)"
    return 0
  fi
  start="$(now)"
  mkdir -p "$STACK_BIN"
  build="$(module_source_copy "$module_at_version")"
  log "building $name from $module_at_version (minutes on a cold Go cache)"
  (cd "$build" && GOWORK=off CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath "$@" -o "$target.tmp" "$package")
  rm -rf "$build"
  mv "$target.tmp" "$target"
  write_stamp "$target" "$key"
  log "$name built in $(elapsed "$start") s: $("$target" --version 2>&1 | head -1)"
}
