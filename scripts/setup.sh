#!/usr/bin/env bash
# Idempotent set-up of a fresh checkout: Node 24 + pnpm under .tools/, workspace dependencies, TypeScript build.
# A step whose inputs hash to the key it stamped last time is skipped, so a second run takes about a second.
# Add a step by writing its key and action functions and one `step` line in main.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

TOOLS=$ROOT/.tools
NODE_MAJOR=24
# pnpm refuses (or re-downloads itself) when its version differs from package.json's packageManager, so pin that one.
PNPM_VERSION=$(sed -n 's/.*"packageManager": *"pnpm@\([^"]*\)".*/\1/p' package.json)
export PATH=$TOOLS/node_modules/.bin:$PATH

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: FAILED: %s\n' "$*" >&2; exit 1; }

# Files under the given paths, skipping installed and generated trees, in a stable order.
files_under() {
  find "$@" \( -name node_modules -o -name dist -o -name '*.tsbuildinfo' -o -name .git -o -name .tools -o -name .cache \
    -o -name .venv -o -path ./benchmarks/data \) -prune -o -type f -print 2>/dev/null |
    LC_ALL=C sort
}

# Hash of the names and contents of the files listed on stdin, plus any extra words given as arguments.
hash_of() {
  { xargs -r -d '\n' sha256sum; printf '%s\n' "$@"; } | sha256sum | cut -c1-32
}

# step NAME KEY_FN ACTION_FN: runs ACTION_FN unless KEY_FN prints the key stamped by its last success.
# The key is taken again after the action, so keys may cover the action's outputs (e.g. that dist/ exists).
step() {
  local name=$1 key_fn=$2 action=$3 stamp=$ROOT/.cache/setup/$1
  if [[ -f $stamp && $(<"$stamp") == "$($key_fn)" ]]; then
    say "$name: up to date"
    return
  fi
  say "$name: running"
  "$action" || die "$name (see the output above)"
  mkdir -p "${stamp%/*}"
  "$key_fn" >"$stamp"
}

# The versions actually installed, read from .tools itself rather than whatever node/pnpm the PATH had before.
tools_key() {
  printf 'node %s pnpm %s\n' "$("$TOOLS/node_modules/.bin/node" --version 2>/dev/null)" \
    "$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$TOOLS/node_modules/pnpm/package.json" 2>/dev/null)"
}
# Also names the wanted versions, so bumping packageManager or NODE_MAJOR reinstalls.
tools_step_key() {
  printf 'want node %s pnpm %s, have %s\n' "$NODE_MAJOR" "$PNPM_VERSION" "$(tools_key)"
}
tools() {
  command -v npm >/dev/null || die "npm is needed to fetch Node $NODE_MAJOR and pnpm"
  # npm warns that it skipped the node package's preinstall script; the binary it ships works without it.
  npm install --prefix "$TOOLS" --no-fund --no-audit --loglevel=error "node@$NODE_MAJOR" "pnpm@$PNPM_VERSION" ||
    die "npm install --prefix .tools node@$NODE_MAJOR pnpm@$PNPM_VERSION"
  [[ $(tools_key) == "node v$NODE_MAJOR."*" pnpm $PNPM_VERSION" ]] || die "$TOOLS holds $(tools_key), not what was asked for"
}

deps_key() {
  { ls -d pnpm-lock.yaml pnpm-workspace.yaml .npmrc 2>/dev/null || true; files_under . | grep '/package\.json$'; } |
    hash_of "$TOOLS_VERSIONS" "$([[ -f node_modules/.modules.yaml ]] && echo installed)"
}
deps() {
  # confirmModulesPurge: with no stdin (CI), pnpm would abort instead of asking to rebuild node_modules.
  pnpm install --frozen-lockfile --prefer-offline --config.confirm-modules-purge=false
}

build_key() {
  { ls tsconfig.base.json; files_under packages proto; } | hash_of "$(deps_key)" packages/*/dist
}
build() {
  # tsc -b trusts a package's tsbuildinfo even when its dist/ was deleted, so forget the build info of those.
  local tsconfig
  for tsconfig in packages/*/tsconfig.json; do
    [[ -d ${tsconfig%/*}/dist ]] || rm -f "${tsconfig%.json}.tsbuildinfo"
  done
  pnpm build
}

python_key() {
  ls python/requirements.txt | hash_of "$(python3 --version 2>&1)" "$([[ -x .venv/bin/python ]] && echo venv)"
}
python_env() {
  # The venv provides libxgboost (the xgboost-cpu wheel ships lib/libxgboost.so) and the Python references.
  command -v python3 >/dev/null || die "python3 is needed for the project venv (libxgboost)"
  [[ -x .venv/bin/python ]] || python3 -m venv .venv || die "python3 -m venv .venv"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r python/requirements.txt
}

# The libxgboost binding (packages/ml/native), built by node-gyp against the headers of the Node in .tools.
NATIVE_DIR=packages/ml/native
NATIVE_OUT=$NATIVE_DIR/build/Release/quiver_xgboost.node
native_key() {
  files_under "$NATIVE_DIR/binding.gyp" "$NATIVE_DIR/src" | hash_of "$TOOLS_VERSIONS" "$(deps_key)" \
    "$([[ -f $NATIVE_OUT ]] && echo built)"
}
# The node package of .tools normally keeps its platform package (binary + include/node) beside it;
# when that copy is gone, the same package is fetched once more just for its headers.
node_headers_dir() {
  local pkg
  pkg=node-$(node -p 'process.platform + "-" + process.arch')
  for dir in "$TOOLS/node_modules/node/node_modules/$pkg" "$TOOLS/node-headers/node_modules/$pkg"; do
    [[ -f $dir/include/node/common.gypi ]] && { echo "$dir"; return; }
  done
  npm install --prefix "$TOOLS/node-headers" --no-save --no-fund --no-audit --loglevel=error \
    "$pkg@$(node -p 'process.versions.node')" >&2 || return 1
  [[ -f $TOOLS/node-headers/node_modules/$pkg/include/node/common.gypi ]] || return 1
  echo "$TOOLS/node-headers/node_modules/$pkg"
}
native() {
  local headers
  headers=$(node_headers_dir) || die "cannot find or fetch the Node $(node --version) headers for the addon build"
  # Several checkouts' set-ups may run at once: one build at a time, and an incremental one (make)
  # rather than a rebuild, so the .node file others have loaded is not deleted under them.
  mkdir -p .cache
  (
    flock 9
    cd "$NATIVE_DIR"
    local gyp=(../node_modules/.bin/node-gyp --nodedir="$headers" --loglevel=warn)
    [[ -f build/Makefile && build/config.gypi -nt binding.gyp ]] || "${gyp[@]}" configure
    "${gyp[@]}" build
  ) 9>.cache/native-build.lock
}

main() {
  [[ -n $PNPM_VERSION ]] || die "package.json has no \"packageManager\": \"pnpm@<version>\""
  step tools tools_step_key tools
  TOOLS_VERSIONS=$(tools_key)
  say "using $TOOLS_VERSIONS"
  step deps deps_key deps
  step python python_key python_env
  step native native_key native
  step build build_key build
  say "done"
}

main "$@"
