#!/usr/bin/env bash
# Builds Thanos (receive, query) from the Go module proxy into .stack/bin/thanos,
# for the scale-out profile's metrics tier (two receivers in a hashring, one
# query). Idempotent: does nothing when built from the same version and Go
# toolchain. FORCE=1 rebuilds anyway.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_go

# Tags from upstream's .promu.yml. Without slicelabels the receivers crash on
# their first gRPC call (Thanos' labels code expects the slice-based
# labels.Labels of Prometheus); netgo is the pure-Go resolver of the releases.
pkg=github.com/prometheus/common/version
build_from_module_source thanos "github.com/thanos-io/thanos@$THANOS_VERSION" ./cmd/thanos \
  "thanos=$THANOS_VERSION tags=netgo,slicelabels $(go env GOVERSION)" \
  -tags netgo,slicelabels -ldflags "-X $pkg.Version=${THANOS_VERSION#v} -X $pkg.Branch=release"
