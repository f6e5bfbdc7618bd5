#!/usr/bin/env bash
# Provisions everything the native stack and its tests need, idempotently:
#   1. Debian packages prometheus + prometheus-alertmanager (promtool, amtool),
#      skipped when the binaries are already installed;
#   2. the collector, built with ocb (build-collector.sh);
#   3. Jaeger v2 (build-jaeger.sh);
#   4. compose-check, the compose-spec loader the compose test uses;
#   scale-out profile (docs/scale-out.md):
#   5. Thanos (build-thanos.sh);
#   6. VictoriaLogs, the log store of both profiles (build-victorialogs.sh);
#   7. Apache Cassandra's jars from Maven Central (fetch-cassandra.sh).
# Each build is skipped when .stack/bin holds a binary built from the same
# pinned versions (versions.env, the ocb manifest, Jaeger's wrapper go.sum),
# and Cassandra's jars when fetched for the same version. Each step prints one
# line with its time; with everything present the whole run takes well under
# a second. Go's module and build caches are the machine's defaults (go env
# GOMODCACHE GOCACHE), Maven's is ~/.m2, so a second provision on the same
# machine is fast.
#
#   bash scripts/stack/provision.sh        # what .ci/run calls
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start="$(now)"
missing=()
for bin in prometheus prometheus-alertmanager promtool amtool; do
  command -v "$bin" >/dev/null 2>&1 || missing+=("$bin")
done
if ((${#missing[@]})); then
  log "installing Debian packages ($APT_PACKAGES) for: ${missing[*]}"
  [[ "$(id -u)" == 0 ]] || die "apt-get needs root; run: sudo apt-get install -y $APT_PACKAGES"
  export DEBIAN_FRONTEND=noninteractive
  # The lists may be missing on a fresh machine, so update before installing.
  # The packages start system services; the native stack runs its own
  # instances on other ports and folders, so those services are stopped.
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $APT_PACKAGES >/dev/null
  for unit in prometheus prometheus-alertmanager; do
    if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$unit" 2>/dev/null; then
      systemctl stop "$unit" || true
    fi
  done
else
  log "Debian packages present: $(prometheus --version 2>&1 | head -1)"
fi

steps=(build-collector build-jaeger build-compose-check build-thanos build-victorialogs fetch-cassandra)
for i in "${!steps[@]}"; do
  step_start="$(now)"
  bash "$STACK_REPO_ROOT/scripts/stack/${steps[$i]}.sh"
  log "step $((i + 1))/${#steps[@]} ${steps[$i]}: $(elapsed "$step_start") s"
done
log "provisioned in $(elapsed "$start") s"
