#!/usr/bin/env bash
# Builds Jaeger v2 (cmd/jaeger) from Go modules into .stack/bin/jaeger, via the
# wrapper module in scripts/stack/jaeger/ (see the comment in its go.mod, and
# versions.env for why a v2 release is addressed by a v1.x module version).
# Idempotent like build-collector.sh; FORCE=1 rebuilds anyway.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_go

wrapper="$STACK_REPO_ROOT/scripts/stack/jaeger"
target="$STACK_BIN/jaeger"
grep -qE "^\s*github.com/jaegertracing/jaeger $JAEGER_MODULE_VERSION( |$)" "$wrapper/go.mod" \
  || die "$wrapper/go.mod does not require github.com/jaegertracing/jaeger $JAEGER_MODULE_VERSION (versions.env); update both together"

key="jaeger=$JAEGER_RELEASE module=$JAEGER_MODULE_VERSION gosum=$(sha256sum "$wrapper/go.sum" | cut -c1-16) $(go env GOVERSION)"
if [[ "${FORCE:-0}" != 1 ]] && up_to_date "$target" "$key"; then
  done_up_to_date "$target"
fi

start="$(now)"
mkdir -p "$STACK_BIN"
log "building jaeger $JAEGER_RELEASE (module $JAEGER_MODULE_VERSION); several minutes on a cold Go cache"
# The build info upstream's Makefile stamps in, so `jaeger version` reports
# the v2 release rather than an empty version.
pkg=github.com/jaegertracing/jaeger/internal/version
ldflags="-X $pkg.commitSHA=$JAEGER_COMMIT -X $pkg.latestVersion=$JAEGER_RELEASE"
# -mod=readonly: the committed go.mod/go.sum are the pin; never rewrite them.
(cd "$wrapper" && CGO_ENABLED=0 go build -mod=readonly -trimpath -ldflags "$ldflags" \
  -o "$target.tmp" github.com/jaegertracing/jaeger/cmd/jaeger)
mv "$target.tmp" "$target"
write_stamp "$target" "$key"
log "jaeger built in $(elapsed "$start") s: $target"
