#!/usr/bin/env bash
# Builds the binaries of the integration-test control plane from Go modules, once per version set:
#   kube-apiserver, kube-controller-manager, kube-scheduler, kubectl  (k8s.io/kubernetes)
#   etcd                                                              (go.etcd.io/etcd/server/v3)
#   kwok                                                              (sigs.k8s.io/kwok)
# into ~/.cache/config-rollout/cluster/<key>/bin, where <key> names every version and the Go toolchain.
#
# Usage: build.sh            build if missing, then print the cache dir on stdout (progress goes to stderr)
#        build.sh --print    print the cache dir only if it is already built (exit 1 otherwise; no network)
#
# Safe when two processes run it at once: a flock per key serialises builders, and a build happens in a
# temporary dir that is renamed into place only when finished, so a half-built dir is never used.
set -euo pipefail

export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod

# Candidate versions, newest first; the first one the module proxy serves wins. Override with env.
K8S_CANDIDATES=${CONFIG_ROLLOUT_K8S_VERSIONS:-"v1.36.3 v1.36.1 v1.35.4"}
ETCD_CANDIDATES=${CONFIG_ROLLOUT_ETCD_VERSIONS:-"v3.6.16 v3.6.15 v3.6.14 v3.6.13"}
KWOK_CANDIDATES=${CONFIG_ROLLOUT_KWOK_VERSIONS:-"v0.8.0 v0.7.0"}
CACHE_ROOT=${CONFIG_ROLLOUT_CLUSTER_CACHE:-"$HOME/.cache/config-rollout/cluster"}
GO_VERSION=$(go env GOVERSION)
BINARIES="etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok"

log() { printf '[cluster build] %s\n' "$*" >&2; }

cache_key() { # k8s etcd kwok
  printf 'k8s-%s_etcd-%s_kwok-%s_%s' "$1" "$2" "$3" "$GO_VERSION"
}

# A finished dir holds every binary and a versions.env written last.
is_built() { [[ -f "$1/versions.env" ]]; }

# Without network: the first already-built combination of candidates, if any.
find_built() {
  local k e w dir
  for k in $K8S_CANDIDATES; do
    for e in $ETCD_CANDIDATES; do
      for w in $KWOK_CANDIDATES; do
        dir="$CACHE_ROOT/$(cache_key "$k" "$e" "$w")"
        if is_built "$dir"; then
          printf '%s\n' "$dir"
          return 0
        fi
      done
    done
  done
  return 1
}

# A string field of `go mod download -json` output (one field a line; paths without quotes or backslashes).
json_field() { sed -n "s/^[[:space:]]*\"$1\": \"\(.*\)\",\{0,1\}\$/\1/p"; }

# First candidate version of a module that the proxy serves; prints "version<TAB>go.mod path<TAB>dir".
resolve_module() { # module candidates...
  local module=$1 v json
  shift
  for v in "$@"; do
    if json=$(go mod download -json "$module@$v" 2>/dev/null) && ! grep -q '"Error"' <<<"$json"; then
      printf '%s\t%s\t%s\n' "$v" "$(json_field GoMod <<<"$json")" "$(json_field Dir <<<"$json")"
      return 0
    fi
    log "$module@$v is not available, trying the next candidate"
  done
  log "none of $* of $module can be downloaded"
  return 1
}

# Prints the `require (...)` blocks and single-line requires of a go.mod.
require_blocks() {
  awk '
    /^require \(/ { inblock = 1; print; next }
    inblock && /^\)/ { inblock = 0; print; next }
    inblock { print; next }
    /^require [^(]/ { print }
  ' "$1"
}

# k8s.io/kubernetes requires its staging modules at v0.0.0 and replaces them with ./staging/src/...; those
# replaces only apply when kubernetes is the main module, so the wrapper points each one at its published
# release instead (kubernetes v1.X.Y <-> staging v0.X.Y).
write_k8s_wrapper() { # dir version gomod moddir
  local dir=$1 version=$2 gomod=$3 moddir=$4 staging_version="v0.${2#v1.}" m
  mkdir -p "$dir"
  {
    printf 'module config-rollout.local/cluster-build/kubernetes\n\n'
    grep -E '^(go|godebug) ' "$gomod"
    printf '\nrequire k8s.io/kubernetes %s\n\n' "$version"
    require_blocks "$gomod"
    printf '\nreplace (\n'
    for m in $(awk '$2 == "=>" && $3 ~ /^\.\/staging\// { print $1 }' "$gomod"); do
      # Only the staging modules kubernetes requires are part of the module graph (sample-* are not).
      if grep -qE "^[[:space:]]*$m v0\.0\.0" "$gomod"; then
        printf '\t%s => %s %s\n' "$m" "$m" "$staging_version"
      fi
    done
    printf ')\n'
  } >"$dir/go.mod"
  cp "$moddir/go.sum" "$dir/go.sum"
  chmod u+w "$dir/go.sum"
}

# A wrapper module that just depends on one published module at one version.
write_simple_wrapper() { # dir name module version gomod moddir
  local dir=$1
  mkdir -p "$dir"
  {
    printf 'module config-rollout.local/cluster-build/%s\n\n' "$2"
    grep -E '^go ' "$5"
    printf '\nrequire %s %s\n' "$3" "$4"
  } >"$dir/go.mod"
  cp "$6/go.sum" "$dir/go.sum"
  chmod u+w "$dir/go.sum"
}

build_all() { # out_dir k8s etcd kwok k8s_gomod k8s_dir etcd_gomod etcd_dir kwok_gomod kwok_dir
  local out=$1 k8s=$2 etcd=$3 kwok=$4 work="$1/src" minor start
  mkdir -p "$out/bin"
  minor=${k8s#v1.}
  minor=${minor%%.*}

  start=$SECONDS
  log "etcd $etcd: preparing wrapper module"
  write_simple_wrapper "$work/etcd" etcd go.etcd.io/etcd/server/v3 "$etcd" "$7" "$8"
  # The etcd server module's root package is the etcd binary's main (it calls etcdmain.Main).
  (cd "$work/etcd" && go mod download go.etcd.io/etcd/server/v3 && \
    go build -p 2 -trimpath -ldflags "-s -w" -o "$out/bin/etcd" go.etcd.io/etcd/server/v3)
  log "etcd built in $((SECONDS - start))s"

  start=$SECONDS
  log "kwok $kwok: preparing wrapper module"
  write_simple_wrapper "$work/kwok" kwok sigs.k8s.io/kwok "$kwok" "$9" "${10}"
  (cd "$work/kwok" && go build -p 2 -trimpath \
    -ldflags "-s -w" \
    -o "$out/bin/kwok" sigs.k8s.io/kwok/cmd/kwok)
  log "kwok built in $((SECONDS - start))s"

  start=$SECONDS
  log "kubernetes $k8s: preparing wrapper module (the long part: about 10 min on 2 cores with a cold Go cache)"
  write_k8s_wrapper "$work/kubernetes" "$k8s" "$5" "$6"
  local ld="-s -w" pkg
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $pkg.gitVersion=$k8s -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
  done
  # go build is silent while it compiles; say every minute that it is still going.
  (while sleep 60 && kill -0 $$ 2>/dev/null; do log "still compiling kubernetes ($((SECONDS - start))s)"; done) &
  TICKER=$!
  (cd "$work/kubernetes" && go build -p 2 -trimpath -ldflags "$ld" -o "$out/bin/" \
    k8s.io/kubernetes/cmd/kube-apiserver \
    k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler \
    k8s.io/kubernetes/cmd/kubectl)
  kill "$TICKER" 2>/dev/null || true
  TICKER=
  log "kubernetes built in $((SECONDS - start))s"

  local b
  for b in $BINARIES; do
    [[ -x "$out/bin/$b" ]] || { log "missing $out/bin/$b after build"; return 1; }
  done
  rm -rf "$work"
  # Written last: its presence marks the dir as complete.
  printf 'K8S_VERSION=%s\nETCD_VERSION=%s\nKWOK_VERSION=%s\nGO_VERSION=%s\n' \
    "$k8s" "$etcd" "$kwok" "$GO_VERSION" >"$out/versions.env"
}

main() {
  local dir
  if dir=$(find_built); then
    printf '%s\n' "$dir"
    return 0
  fi
  [[ ${1:-} == --print ]] && return 1

  mkdir -p "$CACHE_ROOT"
  log "no cached build for this version set; resolving versions through the Go module proxy"
  local k8s etcd kwok
  IFS=$'\t' read -r -a k8s < <(resolve_module k8s.io/kubernetes $K8S_CANDIDATES)
  IFS=$'\t' read -r -a etcd < <(resolve_module go.etcd.io/etcd/server/v3 $ETCD_CANDIDATES)
  IFS=$'\t' read -r -a kwok < <(resolve_module sigs.k8s.io/kwok $KWOK_CANDIDATES)
  [[ ${#k8s[@]} -eq 3 && ${#etcd[@]} -eq 3 && ${#kwok[@]} -eq 3 ]] || return 1

  local key
  key=$(cache_key "${k8s[0]}" "${etcd[0]}" "${kwok[0]}")
  dir="$CACHE_ROOT/$key"
  exec 9>"$CACHE_ROOT/.$key.lock"
  if ! flock -n 9; then
    log "another process is building $key; waiting for it"
    flock 9
  fi
  if ! is_built "$dir"; then
    local tmp="$CACHE_ROOT/.tmp-$key-$$" start=$SECONDS
    # Holding the lock, so any other .tmp dir of this key is left over from a killed build.
    rm -rf "$CACHE_ROOT/.tmp-$key-"*
    trap 'rm -rf "$tmp"; [[ -z ${TICKER:-} ]] || kill "$TICKER" 2>/dev/null' EXIT
    log "building $key (go build logs follow)"
    build_all "$tmp" "${k8s[0]}" "${etcd[0]}" "${kwok[0]}" \
      "${k8s[1]}" "${k8s[2]}" "${etcd[1]}" "${etcd[2]}" "${kwok[1]}" "${kwok[2]}"
    rm -rf "$dir"
    mv "$tmp" "$dir"
    trap - EXIT
    log "built $key in $((SECONDS - start))s ($(du -sh "$dir" | cut -f1))"
  fi
  flock -u 9
  printf '%s\n' "$dir"
}

main "$@"
