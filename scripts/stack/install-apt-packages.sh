#!/usr/bin/env bash
# Installs the Debian packages of the native stack (APT_PACKAGES in
# versions.env: Prometheus and Alertmanager, with promtool and amtool), unless
# their binaries are already on PATH. Needs root, or sudo without a password;
# without either, a developer's machine gets the exact command to run (and the
# suites that need the binaries skip loudly), while CI fails.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

missing=()
for bin in prometheus prometheus-alertmanager promtool amtool; do
  command -v "$bin" >/dev/null 2>&1 || missing+=("$bin")
done
((${#missing[@]})) || done_up_to_date "${APT_PACKAGES// /, }"

sudo=()
if [[ "$(id -u)" != 0 ]]; then
  command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null \
    || unavailable "apt-get needs root to install ${missing[*]}" \
      "sudo apt-get update && sudo apt-get install -y --no-install-recommends $APT_PACKAGES"
  sudo=(sudo -n)
fi

log "installing Debian packages ($APT_PACKAGES) for: ${missing[*]}"
# The lists may be missing on a fresh machine, so update before installing.
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# shellcheck disable=SC2086
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $APT_PACKAGES >/dev/null
# The packages start system services; the native stack runs its own instances
# on other ports and folders, so those services are stopped.
for unit in prometheus prometheus-alertmanager; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$unit" 2>/dev/null; then
    "${sudo[@]}" systemctl stop "$unit" || true
  fi
done
note_outcome "installed: $(prometheus --version 2>&1 | head -1)"
