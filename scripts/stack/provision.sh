#!/usr/bin/env bash
# Provisions everything the tests and the native stack need. `npm test` runs it
# first, so a fresh clone needs only `npm ci && npm test`; `npm run stack:build`
# and CI (through npm test) run the same thing.
#
# Every step decides by itself, in milliseconds, whether it has anything to do
# (a binary built for the same pinned versions, packages already installed),
# so a second run takes a fraction of a second. Each step prints one line with
# its outcome and time. A missing prerequisite (Go, root for apt) fails on CI;
# on a developer's machine the step is skipped with the exact command to run,
# and the suites that need it skip loudly.
#
#   bash scripts/stack/provision.sh                  # every step
#   bash scripts/stack/provision.sh jaeger fixtures  # only these steps
#   FORCE=1 bash scripts/stack/provision.sh jaeger   # rebuild anyway
#
# Go's module and build caches are the machine's defaults (go env GOMODCACHE
# GOCACHE), shared by every checkout. Adding a step is one line below: an id, a
# label and a script in this folder that ends with done_up_to_date, unavailable
# or a built binary (see lib.sh).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

step apt              "Debian packages (Prometheus, Alertmanager, promtool, amtool)" install-apt-packages.sh
step collector        "collector (ocb build of collector-config/otelcol)"           build-collector.sh
step jaeger           "Jaeger v2"                                                  build-jaeger.sh
step compose-check    "compose-check (compose-go, for docker-compose.yml)"          build-compose-check.sh
step dashboard-linter "dashboard-linter (Grafana dashboards)"                       build-dashboard-linter.sh
step promtool-v3      "promtool of Prometheus 3 (rule tests on compose's version)"  build-promtool-v3.sh
step thanos           "Thanos (scale-out profile: receivers, query)"              build-thanos.sh
step victorialogs     "VictoriaLogs (the log store of both profiles)"               build-victorialogs.sh
step cassandra        "Apache Cassandra jars from Maven Central (scale-out profile)" fetch-cassandra.sh
step fixtures         "npm test fixtures (Express 4, json-server, bull-board, an opt-in instrumentation, Node 22.15)" install-test-fixtures.sh

run_steps "$@"
