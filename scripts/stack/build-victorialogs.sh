#!/usr/bin/env bash
# Builds VictoriaLogs (app/victoria-logs) from the Go module proxy into
# .stack/bin/victoria-logs: the log store of both stack profiles (one node in
# the single-node stack; two storage nodes behind an insert/select node when
# scaled out; one executable for every role). Idempotent: does nothing when
# built from the same version and Go toolchain. FORCE=1 rebuilds anyway.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_go

target="$STACK_BIN/victoria-logs"
key="victoria-logs=$VICTORIALOGS_VERSION $(go env GOVERSION)"
if [[ "${FORCE:-0}" != 1 ]] && up_to_date "$target" "$key"; then
  log "victoria-logs up to date ($target)"
  exit 0
fi

start="$(now)"
mkdir -p "$STACK_BIN"
build="$(module_source_copy "github.com/VictoriaMetrics/VictoriaLogs@$VICTORIALOGS_VERSION")"
log "building victoria-logs $VICTORIALOGS_VERSION"
# CGO_ENABLED=0: upstream's "pure" build (pure-Go zstd), a static binary.
(cd "$build" && GOWORK=off CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath \
  -ldflags "-X github.com/VictoriaMetrics/VictoriaMetrics/lib/buildinfo.Version=victoria-logs-$VICTORIALOGS_VERSION" \
  -o "$target.tmp" ./app/victoria-logs)
rm -rf "$build"
mv "$target.tmp" "$target"
write_stamp "$target" "$key"
log "victoria-logs built in $(elapsed "$start") s: $("$target" -version 2>&1 | head -1)"
