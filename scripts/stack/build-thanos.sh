#!/usr/bin/env bash
# Builds Thanos (receive, query) from the Go module proxy into .stack/bin/thanos,
# for the scale-out profile's metrics tier (two receivers in a hashring, one
# query). Idempotent: does nothing when built from the same version and Go
# toolchain. FORCE=1 rebuilds anyway.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_go

target="$STACK_BIN/thanos"
key="thanos=$THANOS_VERSION tags=netgo,slicelabels $(go env GOVERSION)"
if [[ "${FORCE:-0}" != 1 ]] && up_to_date "$target" "$key"; then
  log "thanos up to date ($target)"
  exit 0
fi

start="$(now)"
mkdir -p "$STACK_BIN"
# `go install module@version` refuses this module (its go.mod has replace
# directives), so it is built from a copy of its source, as the main module.
build="$(module_source_copy "github.com/thanos-io/thanos@$THANOS_VERSION")"
log "building thanos $THANOS_VERSION (a few minutes on a cold Go cache)"
# Tags from upstream's .promu.yml. Without slicelabels the receivers crash on
# their first gRPC call (Thanos' labels code expects the slice-based
# labels.Labels of Prometheus); netgo is the pure-Go resolver of the releases.
pkg=github.com/prometheus/common/version
(cd "$build" && GOWORK=off CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -tags netgo,slicelabels \
  -ldflags "-X $pkg.Version=${THANOS_VERSION#v} -X $pkg.Branch=release" -o "$target.tmp" ./cmd/thanos)
rm -rf "$build"
mv "$target.tmp" "$target"
write_stamp "$target" "$key"
log "thanos built in $(elapsed "$start") s: $("$target" --version 2>&1 | head -1)"
