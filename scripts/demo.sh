#!/usr/bin/env bash
# `npm run demo`: see config-rollout work on a real (local) control plane.
# Starts the test control plane, deploys examples/shop/base, plans the change to examples/shop/head (the PR
# comment the action would post), then applies it and verifies every rollout.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

[ -f dist/cli.js ] || { echo "dist/cli.js is missing: run npm ci (and npm run bundle) first." >&2; exit 2; }
started=false
if ! bash test/cluster/cluster.sh status >/dev/null 2>&1; then
  say "Starting the local control plane (the first run builds it from Go modules: 15+ minutes)"
  started=true
fi
kubeconfig=$(bash test/cluster/cluster.sh up | tail -n 1)
kubectl() { bash test/cluster/cluster.sh kubectl "$@"; }

say "Deploying the example shop (examples/shop/base) into namespace shop"
kubectl delete namespace shop --ignore-not-found --wait=true >/dev/null
kubectl create namespace shop >/dev/null
until kubectl -n shop get serviceaccount default >/dev/null 2>&1; do sleep 0.2; done
kubectl -n shop apply -f examples/shop/base >/dev/null
kubectl -n shop rollout status deployment/api --timeout=120s
kubectl -n shop rollout status statefulset/worker --timeout=120s
kubectl -n shop rollout status daemonset/web --timeout=120s

say "The pull request changes examples/shop/head — the comment config-rollout posts on it:"
node dist/cli.js plan --base examples/shop/base --manifests examples/shop/head --kubeconfig "$kubeconfig" || true

say "Merged: config-rollout apply patches the changed keys, restarts what needs it and watches the rollouts"
node dist/cli.js apply --base examples/shop/base --manifests examples/shop/head --kubeconfig "$kubeconfig"

say "The cluster now holds the new config"
kubectl -n shop get configmap shop-config -o jsonpath='{.data}'; echo
kubectl -n shop get deployment api -o jsonpath='{.spec.template.metadata.annotations}'; echo

if [ "$started" = true ]; then
  say "Stopping the control plane this demo started (keep it with: npm run cluster -- up)"
  bash test/cluster/cluster.sh down >/dev/null
fi
