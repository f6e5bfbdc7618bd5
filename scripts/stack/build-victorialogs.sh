#!/usr/bin/env bash
# Builds VictoriaLogs (app/victoria-logs) from the Go module proxy into
# .stack/bin/victoria-logs: the log store of both stack profiles (one node in
# the single-node stack; two storage nodes behind an insert/select node when
# scaled out; one executable for every role). Idempotent: does nothing when
# built from the same version and Go toolchain. FORCE=1 rebuilds anyway.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_go

# CGO off (build_from_module_source): upstream's "pure" build, pure-Go zstd.
build_from_module_source victoria-logs "github.com/VictoriaMetrics/VictoriaLogs@$VICTORIALOGS_VERSION" ./app/victoria-logs \
  "victoria-logs=$VICTORIALOGS_VERSION $(go env GOVERSION)" \
  -ldflags "-X github.com/VictoriaMetrics/VictoriaMetrics/lib/buildinfo.Version=victoria-logs-$VICTORIALOGS_VERSION"
