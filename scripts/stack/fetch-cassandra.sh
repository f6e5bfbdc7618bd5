#!/usr/bin/env bash
# Puts Apache Cassandra (org.apache.cassandra:cassandra-all and its runtime
# jars, from Maven Central) in .stack/cassandra/lib, for the scale-out
# profile's trace store; scripts/stack/cassandra.sh runs it. Idempotent: does
# nothing when the jars were fetched for the same version and pom. FORCE=1
# fetches again.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
command -v mvn >/dev/null 2>&1 || unavailable "mvn is not on PATH (Cassandra's jars come from Maven Central)" "sudo apt-get install -y maven"
command -v java >/dev/null 2>&1 || unavailable "java is not on PATH (Cassandra 5.0 runs on Java 17)" "sudo apt-get install -y openjdk-17-jre-headless"

pom="$STACK_REPO_ROOT/scripts/stack/cassandra/pom.xml"
lib="$STACK_DIR/cassandra/lib"
key="cassandra=$CASSANDRA_VERSION pom=$(sha256sum "$pom" | cut -c1-16)"
if [[ "${FORCE:-0}" != 1 && -f "$lib/.stamp" && "$(cat "$lib/.stamp")" == "$key" ]]; then
  done_up_to_date "$lib"
fi

start="$(now)"
log "fetching cassandra-all $CASSANDRA_VERSION and its runtime jars from Maven Central"
rm -rf "$lib.tmp"
mkdir -p "$lib.tmp"
mvn -q -B -Dstyle.color=never -f "$pom" dependency:copy-dependencies -Dcassandra.version="$CASSANDRA_VERSION" \
  -DincludeScope=runtime -DoutputDirectory="$lib.tmp"
[[ -f "$lib.tmp/cassandra-all-$CASSANDRA_VERSION.jar" ]] || die "cassandra-all-$CASSANDRA_VERSION.jar missing after mvn dependency:copy-dependencies"
rm -rf "$lib"
mv "$lib.tmp" "$lib"
printf '%s' "$key" >"$lib/.stamp"
note_outcome "fetched in $(elapsed "$start") s: $(ls "$lib" | grep -c '\.jar$') jars in ${lib#"$STACK_REPO_ROOT"/}"
