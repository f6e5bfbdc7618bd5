#!/usr/bin/env bash
# Installs the npm packages the tests keep apart from the root's node_modules,
# from their committed lockfiles:
#   test/fixtures/express4  Express 4, beside the root's Express 5;
#   test/fixtures/json-server, test/fixtures/bull-board
#                           npm packages whose Express routes are checked;
#   test/fixtures/opt-in    an opt-in instrumentation installed next to an app,
#                           with its own copy of @opentelemetry/api;
#   test/node-floor         Node.js 22.15, the floor of `engines`, beside the
#                           root's Node 24 (both would claim .bin/node).
# A folder is skipped when its node_modules was installed from the same
# lockfile (a hash of it is kept in node_modules/.provision.stamp).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

installed=()
for fixture in test/fixtures/express4 test/fixtures/json-server test/fixtures/bull-board test/fixtures/opt-in test/node-floor; do
  dir="$STACK_REPO_ROOT/$fixture"
  key="lock=$(sha256sum "$dir/package-lock.json" | cut -c1-16)"
  up_to_date_file "$dir/node_modules/.provision.stamp" "$key" && continue
  npm ci --prefix "$dir" --no-audit --no-fund --silent
  printf '%s' "$key" >"$dir/node_modules/.provision.stamp"
  installed+=("$fixture")
done
((${#installed[@]})) || done_up_to_date "test/fixtures/{express4,json-server,bull-board,opt-in}, test/node-floor"
note_outcome "installed: ${installed[*]}"
