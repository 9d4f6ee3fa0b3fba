#!/usr/bin/env bash
# Builds the renderers the tests run for real, from Go modules, once per version set:
#   kustomize  (sigs.k8s.io/kustomize/kustomize/v5)
#   helm       (helm.sh/helm/v4, or helm.sh/helm/v3 when no v4 candidate can be had)
# into ${XDG_CACHE_HOME:-~/.cache}/config-rollout/renderers/<key>/bin, where <key> names both versions and the Go
# toolchain (beside the control plane's cluster/ cache, built the same way by test/cluster/build.sh).
#
# Usage: build.sh            build if missing, then print the cache dir on stdout (progress goes to stderr)
#        build.sh --print    print the cache dir only if it is already built (exit 1 otherwise; no network)
#
# Safe when two processes run it at once: a flock per key serialises builders, and a build happens in a
# temporary dir that is renamed into place only when finished, so a half-built dir is never used.
set -euo pipefail

export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
# Go may be installed without being on the PATH (as .ci/run finds it).
export PATH="$PATH:/usr/local/go/bin"

# Candidate versions, newest first; the first one the module proxy serves and this Go accepts wins (kustomize
# v5.8.3 needs Go 1.27, so on Go 1.26 it falls through to v5.8.2). Override with env.
KUSTOMIZE_CANDIDATES=${CONFIG_ROLLOUT_KUSTOMIZE_VERSIONS:-"v5.8.3 v5.8.2 v5.8.1 v5.7.1"}
# A helm candidate's major version picks its module: v4.x -> helm.sh/helm/v4, v3.x -> helm.sh/helm/v3.
HELM_CANDIDATES=${CONFIG_ROLLOUT_HELM_VERSIONS:-"v4.3.1 v4.3.0 v3.22.0"}
CACHE_ROOT=${CONFIG_ROLLOUT_RENDERERS_CACHE:-"${XDG_CACHE_HOME:-$HOME/.cache}/config-rollout/renderers"}
GO_VERSION=$(go env GOVERSION)
BINARIES="kustomize helm"

log() { printf '[renderers build] %s\n' "$*" >&2; }

cache_key() { # kustomize helm
  printf 'kustomize-%s_helm-%s_%s' "$1" "$2" "$GO_VERSION"
}

helm_module() { printf 'helm.sh/helm/%s' "${1%%.*}"; }

# A finished dir holds every binary and a versions.env written last.
is_built() { [[ -f "$1/versions.env" ]]; }

# Without network: the first already-built combination of candidates, if any.
find_built() {
  local k h dir
  for k in $KUSTOMIZE_CANDIDATES; do
    for h in $HELM_CANDIDATES; do
      dir="$CACHE_ROOT/$(cache_key "$k" "$h")"
      if is_built "$dir"; then
        printf '%s\n' "$dir"
        return 0
      fi
    done
  done
  return 1
}

# A string field of `go mod download -json` output (one field a line; paths without quotes or backslashes).
json_field() { sed -n "s/^[[:space:]]*\"$1\": \"\(.*\)\",\{0,1\}\$/\1/p"; }

# First candidate version of a module that the proxy serves and this Go accepts (`go mod download` reports a
# module whose go.mod needs a newer Go as an Error); prints "version<TAB>go.mod path<TAB>dir".
resolve_module() { # module-for-version-function candidates...
  local module_of=$1 v module json
  shift
  for v in "$@"; do
    module=$($module_of "$v")
    if json=$(go mod download -json "$module@$v" 2>/dev/null) && ! grep -q '"Error"' <<<"$json"; then
      printf '%s\t%s\t%s\n' "$v" "$(json_field GoMod <<<"$json")" "$(json_field Dir <<<"$json")"
      return 0
    fi
    log "$module@$v is not available for $GO_VERSION, trying the next candidate"
  done
  log "none of $* can be downloaded"
  return 1
}

kustomize_module() { printf 'sigs.k8s.io/kustomize/kustomize/v5'; }

# A wrapper module that just depends on one published module at one version, with that module's go.sum: the
# build then uses exactly the dependency versions the release was tested with.
write_simple_wrapper() { # dir name module version gomod moddir
  local dir=$1
  mkdir -p "$dir"
  {
    printf 'module config-rollout.local/renderers-build/%s\n\n' "$2"
    grep -E '^go ' "$5"
    printf '\nrequire %s %s\n' "$3" "$4"
  } >"$dir/go.mod"
  cp "$6/go.sum" "$dir/go.sum"
  chmod u+w "$dir/go.sum"
}

# go build's own lines, each prefixed with the binary's name, so two builds running at once stay readable
# (the hundred-odd "go: downloading" lines of a cold module cache are left out).
prefixed() { # name
  sed -u -e '/^go: downloading /d' -e "s/^/[renderers build] $1: /" >&2
}

build_kustomize() { # out work version gomod moddir
  local out=$1 work=$2/kustomize version=$3 start=$SECONDS
  log "kustomize $version: building"
  write_simple_wrapper "$work" kustomize sigs.k8s.io/kustomize/kustomize/v5 "$version" "$4" "$5"
  # kustomize reads its version from build info only when it is the main module; here it is a dependency.
  (cd "$work" && go build -p 2 -trimpath \
    -ldflags "-s -w -X sigs.k8s.io/kustomize/api/provenance.version=kustomize/$version" \
    -o "$out/bin/kustomize" sigs.k8s.io/kustomize/kustomize/v5) 2>&1 | prefixed kustomize
  log "kustomize built in $((SECONDS - start))s"
}

build_helm() { # out work version gomod moddir
  local out=$1 work=$2/helm version=$3 start=$SECONDS module
  module=$(helm_module "$version")
  log "helm $version: building"
  write_simple_wrapper "$work" helm "$module" "$version" "$4" "$5"
  (cd "$work" && go build -p 2 -trimpath \
    -ldflags "-s -w -X $module/internal/version.version=$version -X $module/internal/version.gitTreeState=clean" \
    -o "$out/bin/helm" "$module/cmd/helm") 2>&1 | prefixed helm
  log "helm built in $((SECONDS - start))s"
}

build_all() { # out_dir kustomize helm k_gomod k_dir h_gomod h_dir
  local out=$1 work="$1/src" pid_k pid_h failed=0
  mkdir -p "$out/bin"
  # Two independent modules: built side by side (the Go build cache is safe to share between processes).
  build_kustomize "$out" "$work" "$2" "$4" "$5" &
  pid_k=$!
  build_helm "$out" "$work" "$3" "$6" "$7" &
  pid_h=$!
  wait "$pid_k" || { log "kustomize build failed"; failed=1; }
  wait "$pid_h" || { log "helm build failed"; failed=1; }
  [[ $failed -eq 0 ]] || return 1

  local b
  for b in $BINARIES; do
    [[ -x "$out/bin/$b" ]] || { log "missing $out/bin/$b after build"; return 1; }
  done
  rm -rf "$work"
  # Written last: its presence marks the dir as complete.
  printf 'KUSTOMIZE_VERSION=%s\nHELM_VERSION=%s\nGO_VERSION=%s\n' "$2" "$3" "$GO_VERSION" >"$out/versions.env"
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
  local kustomize helm
  IFS=$'\t' read -r -a kustomize < <(resolve_module kustomize_module $KUSTOMIZE_CANDIDATES)
  IFS=$'\t' read -r -a helm < <(resolve_module helm_module $HELM_CANDIDATES)
  [[ ${#kustomize[@]} -eq 3 && ${#helm[@]} -eq 3 ]] || return 1

  local key
  key=$(cache_key "${kustomize[0]}" "${helm[0]}")
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
    trap 'rm -rf "$tmp"' EXIT
    log "building $key (a cold Go cache takes minutes: helm is the long part; go build logs follow)"
    build_all "$tmp" "${kustomize[0]}" "${helm[0]}" \
      "${kustomize[1]}" "${kustomize[2]}" "${helm[1]}" "${helm[2]}"
    rm -rf "$dir"
    mv "$tmp" "$dir"
    trap - EXIT
    log "built $key in $((SECONDS - start))s ($(du -sh "$dir" | cut -f1))"
  fi
  flock -u 9
  printf '%s\n' "$dir"
}

main "$@"
