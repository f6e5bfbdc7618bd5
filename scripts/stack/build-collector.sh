#!/usr/bin/env bash
# Builds the otel-companion collector with the OpenTelemetry Collector Builder
# (ocb) from the Go module proxy, into .stack/bin/otelcol-companion.
# Idempotent: does nothing when the binary was already built from the same
# manifest, collector version and Go toolchain. FORCE=1 rebuilds anyway.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_go

manifest="$STACK_REPO_ROOT/collector-config/otelcol/builder-config.yaml"
target="$STACK_BIN/otelcol-companion"
[[ -f "$manifest" ]] || die "manifest not found: $manifest"

# Every gomod line of the manifest that is not a confmap provider must carry
# the pinned collector version: ocb itself does not check this, and mixed
# versions fail late with confusing Go module errors.
mismatch="$(grep -E '^\s*- gomod:' "$manifest" | grep -v '/confmap/provider/' | grep -v " v$OTELCOL_VERSION\$" || true)"
[[ -z "$mismatch" ]] || die "components in $manifest not at v$OTELCOL_VERSION (scripts/stack/versions.env):
$mismatch"

key="otelcol=$OTELCOL_VERSION manifest=$(sha256sum "$manifest" | cut -c1-16) $(go env GOVERSION)"
if [[ "${FORCE:-0}" != 1 ]] && up_to_date "$target" "$key"; then
  done_up_to_date "$target"
fi

start="$(now)"
mkdir -p "$STACK_DIR/tools" "$STACK_BIN"
builder="$STACK_DIR/tools/ocb-v$OTELCOL_VERSION"
if [[ ! -x "$builder" ]]; then
  log "installing ocb v$OTELCOL_VERSION"
  GOBIN="$STACK_DIR/tools/gobin" go install "go.opentelemetry.io/collector/cmd/builder@v$OTELCOL_VERSION"
  mv "$STACK_DIR/tools/gobin/builder" "$builder"
fi

mkdir -p "$STACK_REPO_ROOT/.stack/build"
log "building collector v$OTELCOL_VERSION with ocb (several minutes on a cold Go cache)"
# ocb resolves output_path against the working directory.
(cd "$STACK_REPO_ROOT" && CGO_ENABLED=0 "$builder" --config "$manifest")
install -m 0755 "$STACK_REPO_ROOT/.stack/build/otelcol-companion/otelcol-companion" "$target"
write_stamp "$target" "$key"
log "collector built in $(elapsed "$start") s: $target"
