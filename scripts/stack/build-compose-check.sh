#!/usr/bin/env bash
# Builds compose-check (scripts/stack/compose-check: compose-go's loader, what
# `docker compose config` runs) into .stack/bin/compose-check, for the static
# docker-compose.yml validation in test/stack/compose.test.ts. Idempotent.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_go

src="$STACK_REPO_ROOT/scripts/stack/compose-check"
target="$STACK_BIN/compose-check"
key="compose-check src=$(cat "$src/go.mod" "$src/go.sum" "$src/main.go" | sha256sum | cut -c1-16) $(go env GOVERSION)"
if [[ "${FORCE:-0}" != 1 ]] && up_to_date "$target" "$key"; then
  done_up_to_date "$target"
fi
start="$(now)"
mkdir -p "$STACK_BIN"
(cd "$src" && CGO_ENABLED=0 go build -mod=readonly -trimpath -o "$target.tmp" .)
mv "$target.tmp" "$target"
write_stamp "$target" "$key"
log "compose-check built in $(elapsed "$start") s: $target"
