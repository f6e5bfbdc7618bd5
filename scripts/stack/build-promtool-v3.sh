#!/usr/bin/env bash
# Builds promtool from Prometheus 3 (the version docker-compose.yml runs) into
# .stack/bin/promtool-v3, from the Go module proxy. The native stack runs
# Debian's Prometheus 2.x; the alert rules' unit tests run on both, because
# range windows are left-open in 3.x (test/alerting/promtool.test.ts).
# Idempotent: does nothing when built from the same version and Go toolchain.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_go

# Prometheus 3.12.0 is module version v0.312.0 (Prometheus tags its Go module v0.MAJORMINOR.PATCH).
PROMETHEUS_MODULE_VERSION="${PROMETHEUS_MODULE_VERSION:-v0.312.0}"

target="$STACK_BIN/promtool-v3"
key="promtool=$PROMETHEUS_MODULE_VERSION $(go env GOVERSION)"
if [[ "${FORCE:-0}" != 1 ]] && up_to_date "$target" "$key"; then
  done_up_to_date "$target"
fi

start="$(now)"
mkdir -p "$STACK_BIN"
# `go install` refuses this module (replace directives): built from its source folder.
build="$(module_source_copy "github.com/prometheus/prometheus@$PROMETHEUS_MODULE_VERSION")"
log "building promtool $PROMETHEUS_MODULE_VERSION"
(cd "$build" && GOWORK=off CGO_ENABLED=0 GOFLAGS=-mod=mod go build -o "$target" ./cmd/promtool)
rm -rf "$build"
write_stamp "$target" "$key"
log "promtool-v3 built in $(elapsed "$start") s: $("$target" --version 2>&1 | head -1)"
