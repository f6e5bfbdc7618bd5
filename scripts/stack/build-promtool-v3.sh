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

# `go install` refuses this module (replace directives): built from its source folder.
build_from_module_source promtool-v3 "github.com/prometheus/prometheus@$PROMETHEUS_MODULE_VERSION" ./cmd/promtool \
  "promtool=$PROMETHEUS_MODULE_VERSION $(go env GOVERSION)"
