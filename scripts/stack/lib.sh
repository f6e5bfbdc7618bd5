# Shared helpers for scripts/stack/*.sh (sourced, not run).
set -euo pipefail

STACK_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STACK_DIR="${STACK_DIR:-$STACK_REPO_ROOT/.stack}"
STACK_BIN="$STACK_DIR/bin"
# shellcheck source=versions.env
source "$STACK_REPO_ROOT/scripts/stack/versions.env"

log() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }

# on_ci: true under any truthy CI (true, 1, yes, a CI service's own value);
# unset, empty, 0, false, no and off (any case) are not CI. The same rule as
# test/helpers/ci.ts (test/helpers/ci.test.ts compares the two).
on_ci() {
  local value="${CI:-}"
  value="${value,,}"
  value="${value//[[:space:]]/}"
  case "$value" in '' | 0 | false | no | off) return 1 ;; *) return 0 ;; esac
}

# When provision.sh runs a step, it passes a file for the step's outcome, so
# that it can print one line per step; run alone, a step logs it itself.
note_outcome() {
  if [[ -n "${STACK_STEP_OUTCOME:-}" ]]; then printf '%s' "$1" >"$STACK_STEP_OUTCOME"; else log "$1"; fi
}

# done_up_to_date WHAT: the step has nothing to do; ends it.
done_up_to_date() {
  note_outcome "up to date${1:+ (${1#"$STACK_REPO_ROOT"/})}"
  exit 0
}

# unavailable WHAT FIX: a prerequisite of the step is missing (Go, root for
# apt). On CI that fails provisioning. On a developer's machine the step is
# skipped with the exact command to run, and the suites that need what it
# would have built skip loudly.
unavailable() {
  on_ci && die "$1; on CI this is an error. Fix: $2"
  note_outcome "SKIPPED: $1. Run: $2"
  exit 0
}

require_go() {
  command -v go >/dev/null 2>&1 || unavailable "go is not on PATH (the collector, Jaeger and the linters are built from Go modules)" "install Go >= 1.25 from https://go.dev/dl/, then npm test"
}

# up_to_date BINARY KEY: true when BINARY exists and was built for KEY.
# The key holds everything that changes the output: pinned versions, the
# manifest's hash and the Go toolchain version.
up_to_date() {
  [[ -x "$1" ]] && up_to_date_file "$1.stamp" "$2"
}

# up_to_date_file STAMP KEY: true when the file STAMP holds exactly KEY.
up_to_date_file() {
  [[ -f "$1" && "$(<"$1")" == "$2" ]]
}

write_stamp() { printf '%s' "$2" >"$1.stamp"; }

# Seconds since the epoch with decimals, for build timings.
now() { date +%s.%N; }
# elapsed START [DECIMALS]: seconds since START (from now), 1 decimal by default.
elapsed() { awk -v a="$1" -v b="$(now)" -v d="${2:-1}" 'BEGIN { printf "%.*f", d, b - a }'; }

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

# Steps of provision.sh: `step ID LABEL SCRIPT` registers one, `run_steps
# [ID...]` runs them in order (only the given ones, if any), one line each.
STEP_IDS=()
declare -A STEP_LABEL=() STEP_SCRIPT=()
step() {
  STEP_IDS+=("$1")
  STEP_LABEL[$1]="$2"
  STEP_SCRIPT[$1]="$3"
}

run_steps() {
  local id selected=("$@") started step_start outcome skipped=() n=0 total
  for id in "${selected[@]}"; do
    [[ -n "${STEP_SCRIPT[$id]:-}" ]] || die "unknown step '$id'; steps: ${STEP_IDS[*]}"
  done
  ((${#selected[@]})) || selected=("${STEP_IDS[@]}")
  total=${#selected[@]}
  started="$(now)"
  STACK_STEP_OUTCOME="$(mktemp)"
  export STACK_STEP_OUTCOME
  trap 'rm -f "$STACK_STEP_OUTCOME"' EXIT
  for id in "${STEP_IDS[@]}"; do
    [[ " ${selected[*]} " == *" $id "* ]] || continue
    n=$((n + 1))
    : >"$STACK_STEP_OUTCOME"
    step_start="$(now)"
    if ! bash "$STACK_REPO_ROOT/scripts/stack/${STEP_SCRIPT[$id]}"; then
      log "✗ [$n/$total] ${STEP_LABEL[$id]}: FAILED after $(elapsed "$step_start") s (run alone: bash scripts/stack/${STEP_SCRIPT[$id]})"
      exit 1
    fi
    outcome="$(<"$STACK_STEP_OUTCOME")"
    if [[ "$outcome" == SKIPPED:* ]]; then
      skipped+=("${STEP_LABEL[$id]}: ${outcome#SKIPPED: }")
      log "! [$n/$total] ${STEP_LABEL[$id]}: $outcome"
    else
      log "✓ [$n/$total] ${STEP_LABEL[$id]}: ${outcome:-done} ($(elapsed "$step_start" 2) s)"
    fi
  done
  log "provisioned in $(elapsed "$started" 2) s"
  if ((${#skipped[@]})); then
    local bar
    bar="$(printf '!%.0s' {1..78})"
    printf '%s\n' "$bar" "!!! NOT PROVISIONED; the suites that need these will be SKIPPED:" >&2
    printf '!!!   %s\n' "${skipped[@]}" >&2
    printf '%s\n' "$bar" >&2
  fi
}

# build_from_module_source NAME MODULE@VERSION PACKAGE KEY [GO BUILD FLAGS...]
# Builds PACKAGE (e.g. ./cmd/thanos) of a module whose `go install` is refused
# (replace directives) from a copy of its source, into $STACK_BIN/NAME, unless
# the binary's stamp already holds KEY (FORCE=1 builds anyway). CGO off.
# Ends the step (done_up_to_date) when there is nothing to do.
build_from_module_source() {
  local name="$1" module_at_version="$2" package="$3" key="$4" target="$STACK_BIN/$1" start build
  shift 4
  if [[ "${FORCE:-0}" != 1 ]] && up_to_date "$target" "$key"; then
    done_up_to_date "$target"
  fi
  start="$(now)"
  mkdir -p "$STACK_BIN"
  build="$(module_source_copy "$module_at_version")"
  log "building $name from $module_at_version (minutes on a cold Go cache)"
  (cd "$build" && GOWORK=off CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -buildvcs=false "$@" -o "$target.tmp" "$package")
  rm -rf "$build"
  mv "$target.tmp" "$target"
  write_stamp "$target" "$key"
  note_outcome "built in $(elapsed "$start") s: $("$target" --version 2>&1 | head -1)"
}
