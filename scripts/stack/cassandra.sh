#!/usr/bin/env bash
# Starts one Apache Cassandra node in the foreground, natively: what the
# official image's `cassandra -f` does, for the native scale-out stack
# (scripts/stack/native.mts runs the compose command line through this script).
#
#   cassandra.sh -f [-R] [-D<property>=<value>]...
#
# -f (foreground) and -R (allow root) are accepted as the image's `cassandra`
# script accepts them; every -D is passed to the JVM. Heap: MAX_HEAP_SIZE and
# HEAP_NEWSIZE from the environment, as in the image. JVM flags:
# scripts/stack/cassandra/jvm17-server.options. Jars: .stack/cassandra/lib
# (scripts/stack/fetch-cassandra.sh).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
lib="${STACK_DIR:-$root/.stack}/cassandra/lib"
[[ -d "$lib" ]] || { echo "cassandra.sh: $lib is missing: run bash scripts/stack/provision.sh" >&2; exit 1; }

props=()
for arg in "$@"; do
  case "$arg" in
    -f | -R) ;;
    -D*) props+=("$arg") ;;
    *) echo "cassandra.sh: unsupported argument $arg (expected -f, -R or -D<property>=<value>)" >&2; exit 2 ;;
  esac
done

# One flag per line; "--add-exports X" is two arguments (word splitting, no globbing).
set -f
# shellcheck disable=SC2207
jvm_opts=($(grep -Ev '^\s*(#|$)' "$root/scripts/stack/cassandra/jvm17-server.options"))
set +f
heap="${MAX_HEAP_SIZE:-512M}"
heap_opts=("-Xms$heap" "-Xmx$heap")
[[ -n "${HEAP_NEWSIZE:-}" ]] && heap_opts+=("-Xmn$HEAP_NEWSIZE")

exec java "${heap_opts[@]}" "${jvm_opts[@]}" -Dcassandra-foreground=yes "${props[@]}" \
  -cp "$lib/*" org.apache.cassandra.service.CassandraDaemon
