#!/usr/bin/env bash
# Idempotent set-up of the peer engines for `pnpm bench:peers`: runs scripts/setup.sh (Node, the workspace, the
# base venv .venv), then installs python/requirements-peers.txt (pyspark, dask[distributed], dask-ml) into .venv
# and checks that a Java PySpark 4 accepts (17 or 21) is there. A stamp keyed on the requirements, the Python
# version and the Java chosen skips the install, so a second run takes about a second.
# Prints `JAVA_HOME=<dir>` as its last line on stdout; callers export it before starting PySpark.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
say() { printf 'setup-peers: %s\n' "$*" >&2; }
die() { printf 'setup-peers: FAILED: %s\n' "$*" >&2; exit 1; }

# The base set-up prints its progress on stdout; keep stdout for the JAVA_HOME line. The peers need only its venv:
# a failing step elsewhere (say, a build broken by work in progress) is reported, and shows up again as an engine
# error in the benchmark, but does not stop the peers from being installed.
if ! "$ROOT/scripts/setup.sh" >&2; then
  [[ -x .venv/bin/python ]] || die "scripts/setup.sh did not make the base venv .venv"
  say "scripts/setup.sh failed (see above); going on with the venv it left"
fi

# Major version of the java binary under $1 (a JAVA_HOME), empty when there is none.
java_major() {
  [[ -x $1/bin/java ]] || return 0
  "$1/bin/java" -version 2>&1 | sed -n '1s/.*version "\([0-9]*\).*/\1/p'
}

# PySpark 4 runs on Java 17 and 21 only; machines often carry a newer JDK too (this one has 25), and the JVM that
# PySpark starts is $JAVA_HOME/bin/java, else `java` on the PATH. Prefer a JAVA_HOME the user set, when usable.
pick_java() {
  local candidates=() c major
  [[ -n ${JAVA_HOME:-} ]] && candidates+=("$JAVA_HOME")
  command -v java >/dev/null && candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  for c in /usr/lib/jvm/*; do candidates+=("$c"); done
  for c in "${candidates[@]}"; do
    major=$(java_major "$c")
    if [[ $major == 17 || $major == 21 ]]; then
      printf '%s\n' "$(readlink -f "$c")"
      return
    fi
  done
  die "PySpark 4 needs Java 17 or 21 (set JAVA_HOME); none found in JAVA_HOME, PATH or /usr/lib/jvm"
}

JAVA=$(pick_java)
key=$( { sha256sum python/requirements.txt python/requirements-peers.txt; .venv/bin/python --version; echo "$JAVA"; } |
  sha256sum | cut -c1-32)
stamp=$ROOT/.cache/setup/peers
if [[ -f $stamp && $(<"$stamp") == "$key" ]]; then
  say "peers: up to date (Java $(java_major "$JAVA") at $JAVA)"
else
  say "peers: installing python/requirements-peers.txt into .venv"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r python/requirements-peers.txt >&2 ||
    die "pip install -r python/requirements-peers.txt"
  JAVA_HOME=$JAVA .venv/bin/python -c 'import pyspark, dask, distributed, dask_ml' >&2 ||
    die "the peers do not import after the install"
  mkdir -p "${stamp%/*}"
  printf '%s\n' "$key" >"$stamp"
  say "peers: done (Java $(java_major "$JAVA") at $JAVA)"
fi
printf 'JAVA_HOME=%s\n' "$JAVA"
