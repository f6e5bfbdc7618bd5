#!/usr/bin/env bash
# Installs grafana/dashboard-linter from the Go module proxy into
# .stack/bin/dashboard-linter, pinned to DASHBOARD_LINTER_VERSION below.
# Idempotent: does nothing when the binary was built from the same version and
# Go toolchain. FORCE=1 rebuilds anyway.
#
# test/alerting/dashboards.test.ts runs it over collector-config/grafana/dashboards
# (loud skip on a dev machine without it, failure on CI).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_go

# v0.2.0 (2026-06-18) is the newest tag the module proxy serves; it reads the
# classic dashboard JSON that grafana-foundation-sdk's `dashboard` package emits.
DASHBOARD_LINTER_VERSION="${DASHBOARD_LINTER_VERSION:-v0.2.0}"

target="$STACK_BIN/dashboard-linter"
key="dashboard-linter=$DASHBOARD_LINTER_VERSION $(go env GOVERSION)"
if [[ "${FORCE:-0}" != 1 ]] && up_to_date "$target" "$key"; then
  done_up_to_date "$target"
fi

start="$(now)"
mkdir -p "$STACK_BIN" "$STACK_DIR/build"
# `go install module@version` refuses this module: its go.mod has a `replace`
# directive (upstream README says so). So download the pinned module source
# from the proxy and build it as the main module, where the replace applies.
log "downloading dashboard-linter $DASHBOARD_LINTER_VERSION from the Go module proxy"
build="$(module_source_copy "github.com/grafana/dashboard-linter@$DASHBOARD_LINTER_VERSION")"
# v0.2.0's adapter for the Kubernetes-style v2 dashboard schema (lint/v2.go) is
# the only user of github.com/grafana/grafana/apps/dashboard, at a pseudo-version
# that the module proxy we build from refuses (403). Our dashboards are classic
# JSON (grafana-foundation-sdk `dashboard` package), so replace that adapter by
# a stub that rejects v2 dashboards, and drop the requirement. Every lint rule is
# upstream's, unchanged.
if [[ "${DASHBOARD_LINTER_KEEP_V2:-0}" != 1 ]]; then
  log "stubbing the v2-schema adapter (lint/v2.go): its dependency is not served by the module proxy"
  cat >"$build/lint/v2.go" <<'GO'
package lint

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Stub written by otel-companion's scripts/stack/build-dashboard-linter.sh:
// v2 (Kubernetes-style) dashboards are rejected instead of linted.
func isV2APIVersion(apiVersion string) bool {
	v := apiVersion
	if i := strings.LastIndex(v, "/"); i >= 0 {
		v = v[i+1:]
	}
	return strings.HasPrefix(v, "v2")
}

func newDashboardFromV2(_ json.RawMessage, apiVersion string) (Dashboard, error) {
	return Dashboard{}, fmt.Errorf("%s dashboards are not supported by this build", apiVersion)
}
GO
  (cd "$build" && go mod edit -droprequire=github.com/grafana/grafana/apps/dashboard)
fi
log "building dashboard-linter"
(cd "$build" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -o "$target" .)
rm -rf "$build"
write_stamp "$target" "$key"
log "dashboard-linter built in $(elapsed "$start") s: $target"
