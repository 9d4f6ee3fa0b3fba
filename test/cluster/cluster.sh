#!/usr/bin/env bash
# A real Kubernetes control plane for integration tests, without Docker or kubelets:
#   etcd -> kube-apiserver -> kube-controller-manager + kube-scheduler -> kwok (fake nodes that make pods Ready)
# Binaries come from test/cluster/build.sh (built from Go modules once, cached in ~/.cache/config-rollout/cluster).
# Everything listens on 127.0.0.1 only; state, certs, logs and pids live in <repo>/.cluster (git-ignored).
#
# Usage: cluster.sh up        build if needed, start, wait until pods can run; prints the kubeconfig path
#        cluster.sh down      stop everything and delete <repo>/.cluster (but the logs, kept in last-logs/)
#        cluster.sh status    exit 0 and say so when up; exit 1 when down
#        cluster.sh build     only build (or find) the binaries
#        cluster.sh kubectl …  run the cached kubectl against the cluster
#        cluster.sh acquire|release <pid>   for test runs (global-setup.ts): up if needed + hold, let go
#                             (+ down when the last holder lets go of a cluster that a test run started)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
STATE=${CONFIG_ROLLOUT_CLUSTER_STATE:-"$REPO/.cluster"}
KUBECONFIG_PATH="$STATE/kubeconfig"
COMPONENTS="etcd kube-apiserver kube-controller-manager kube-scheduler kwok" # start order
FAKE_NODES=${CONFIG_ROLLOUT_FAKE_NODES:-3}
SERVICE_CIDR=10.96.0.0/16
SERVICE_IP=10.96.0.1

log() { printf '[cluster] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---------------------------------------------------------------------------------------------- processes
pid_of() { # component -> pid if it is alive and really runs our binary
  local f="$STATE/pids/$1.pid" pid exe
  [[ -f $f ]] || return 1
  pid=$(<"$f")
  exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 1
  [[ $(basename "$exe") == "$1" ]] || return 1
  printf '%s\n' "$pid"
}

start_component() { # name args...
  local name=$1
  shift
  # setsid: the cluster outlives the shell (or vitest global setup) that started it.
  # 8>&-: the child must not inherit the state lock, or it would hold it for its whole life.
  setsid "$BIN/$name" "$@" >"$STATE/logs/$name.log" 2>&1 </dev/null 8>&- &
  printf '%s\n' "$!" >"$STATE/pids/$name.pid"
}

stop_all() {
  local names=() n pid i
  for n in $COMPONENTS; do names=("$n" "${names[@]}"); done # reverse start order
  for n in "${names[@]}"; do
    pid=$(pid_of "$n") || continue
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "$n ($pid) did not stop in 10s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
}

# ---------------------------------------------------------------------------------------------- ports
port_is_free() {
  if command -v ss >/dev/null; then
    [[ -z $(ss -Htln "sport = :$1") ]]
  else
    ! (: <"/dev/tcp/127.0.0.1/$1") 2>/dev/null
  fi
}

pick_ports() { # count -> distinct free ports in 20000-39999
  local want=$1 chosen=() p tries=0
  while ((${#chosen[@]} < want)); do
    ((tries++ < 500)) || die "no free ports found"
    p=$((20000 + RANDOM % 20000))
    [[ " ${chosen[*]} " == *" $p "* ]] && continue
    port_is_free "$p" && chosen+=("$p")
  done
  printf '%s\n' "${chosen[@]}"
}

# ---------------------------------------------------------------------------------------------- certificates
new_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

# Signs a certificate for key $2 with the cluster CA. $3 = subject, $4 = extensions.
sign_cert() { # out key subject extensions
  local csr="$1.csr" ext="$1.ext"
  openssl req -new -key "$2" -subj "$3" -out "$csr" 2>/dev/null
  printf '%s\n' "$4" >"$ext"
  openssl x509 -req -in "$csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial -days 3650 \
    -extfile "$ext" -out "$1" 2>/dev/null
  rm -f "$csr" "$ext"
}

make_pki() {
  mkdir -p "$PKI"
  new_key "$PKI/ca.key"
  openssl req -x509 -new -key "$PKI/ca.key" -subj "/CN=config-rollout-test-ca" -days 3650 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
    -out "$PKI/ca.crt" 2>/dev/null

  new_key "$PKI/apiserver.key"
  sign_cert "$PKI/apiserver.crt" "$PKI/apiserver.key" "/CN=kube-apiserver" \
    "keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:$SERVICE_IP,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"

  # One client identity per component, as the bootstrap RBAC roles expect; admin (system:masters) for tests and kwok.
  local id
  for id in "admin:/O=system:masters/CN=config-rollout-admin" \
    "kube-controller-manager:/CN=system:kube-controller-manager" \
    "kube-scheduler:/CN=system:kube-scheduler"; do
    new_key "$PKI/${id%%:*}.key"
    sign_cert "$PKI/${id%%:*}.crt" "$PKI/${id%%:*}.key" "${id#*:}" \
      "keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
  done

  # Service-account token signing key (kube-apiserver signs, kube-controller-manager signs legacy tokens).
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$PKI/sa.key" 2>/dev/null
  openssl pkey -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
  chmod 600 "$PKI"/*.key
}

write_kubeconfig() { # path user
  local b64='base64 -w0'
  cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: config-rollout-test
  cluster:
    server: https://127.0.0.1:$APISERVER_PORT
    certificate-authority-data: $($b64 <"$PKI/ca.crt")
users:
- name: $2
  user:
    client-certificate-data: $($b64 <"$PKI/$2.crt")
    client-key-data: $($b64 <"$PKI/$2.key")
contexts:
- name: config-rollout-test
  context:
    cluster: config-rollout-test
    user: $2
current-context: config-rollout-test
EOF
  chmod 600 "$1"
}

# ---------------------------------------------------------------------------------------------- kwok stages
# kwok uses only the stages it is given, so pass its own defaults (node init + lease heartbeat, pod ready /
# complete / delete) along with ours. They are read from the kwok module in the Go module cache, at the same
# version as the kwok binary.
write_kwok_config() {
  local moddir stage out="$STATE/kwok.yaml"
  moddir="$(go env GOMODCACHE)/sigs.k8s.io/kwok@$KWOK_VERSION"
  if [[ ! -d $moddir/kustomize/stage ]]; then
    GOTOOLCHAIN=local go mod download "sigs.k8s.io/kwok@$KWOK_VERSION" >&2
  fi
  : >"$out"
  for stage in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
    pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
    [[ -f $moddir/kustomize/stage/$stage ]] || die "kwok stage $stage not found in $moddir"
    { cat "$moddir/kustomize/stage/$stage"; printf '\n---\n'; } >>"$out"
  done
  cat "$HERE/failure-stages.yaml" >>"$out"
}

# ---------------------------------------------------------------------------------------------- readiness
wait_until() { # description timeout_seconds command...
  local what=$1 timeout=$2 start=$SECONDS
  shift 2
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS - start >= timeout)); then
      log "timed out after ${timeout}s waiting for $what"
      return 1
    fi
    sleep 0.25
  done
}

apiserver_ready() {
  curl -fsS --max-time 2 --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" \
    "https://127.0.0.1:$APISERVER_PORT/readyz"
}

https_healthz() { curl -fsSk --max-time 2 "https://127.0.0.1:$1/healthz"; }

all_alive() {
  local n
  for n in $COMPONENTS; do pid_of "$n" >/dev/null || return 1; done
}

is_up() {
  [[ -f $STATE/ports.env ]] || return 1
  # shellcheck source=/dev/null
  source "$STATE/ports.env"
  PKI="$STATE/pki"
  all_alive && apiserver_ready >/dev/null 2>&1
}

fail_with_logs() { # component
  log "$1 is not healthy; last lines of $STATE/logs/$1.log:"
  tail -n 25 "$STATE/logs/$1.log" >&2 || true
  stop_all
  exit 1
}

kubectl_() { "$BIN/kubectl" --kubeconfig "$KUBECONFIG_PATH" "$@"; }

# ---------------------------------------------------------------------------------------------- commands
resolve_bin() { # $1: build if missing?
  local dir
  if [[ $1 == build ]]; then
    dir=$(bash "$HERE/build.sh")
  else
    dir=$(bash "$HERE/build.sh" --print) || die "binaries not built; run: bash test/cluster/cluster.sh build"
  fi
  BIN="$dir/bin"
  # shellcheck source=/dev/null
  source "$dir/versions.env"
}

# Every command that changes the cluster holds this lock: two `up`s at once, the second waits and finds it up.
lock_state() {
  mkdir -p "$STATE"
  exec 8>"$STATE/.lock"
  flock 8
}

cmd_up() {
  lock_state
  if is_up; then
    # Started for a test run until now: from here on it stays up after the run.
    rm -f "$STATE/started-for-tests"
    log "already up (kube-apiserver https://127.0.0.1:$APISERVER_PORT)"
    printf '%s\n' "$KUBECONFIG_PATH"
    return 0
  fi
  start_cluster
}

# Test runs share one cluster: each run (vitest global setup) holds it under its process id, and the last
# run to let go stops it, unless it was up before any run needed it (`cluster.sh up` by hand).
cmd_acquire() { # holder-pid
  [[ ${1:-} =~ ^[0-9]+$ ]] || die "usage: cluster.sh acquire <holder pid>"
  lock_state
  if is_up; then
    log "using the running cluster (kube-apiserver https://127.0.0.1:$APISERVER_PORT)"
  else
    start_cluster >/dev/null
    touch "$STATE/started-for-tests"
  fi
  mkdir -p "$STATE/holders"
  touch "$STATE/holders/$1"
  printf '%s\n' "$KUBECONFIG_PATH"
}

cmd_release() { # holder-pid
  [[ ${1:-} =~ ^[0-9]+$ ]] || die "usage: cluster.sh release <holder pid>"
  [[ -d $STATE ]] || return 0
  lock_state
  rm -f "$STATE/holders/$1"
  local h
  for h in "$STATE"/holders/*; do
    [[ -e $h ]] || continue
    if kill -0 "$(basename "$h")" 2>/dev/null; then
      log "still used by test run $(basename "$h"); leaving it up"
      return 0
    fi
    rm -f "$h" # a run that died without letting go
  done
  if [[ -f $STATE/started-for-tests ]]; then
    cmd_down_locked
    log "down"
  fi
}

start_cluster() {
  if [[ -d $STATE/pids ]]; then
    log "found a half-running cluster; cleaning it up first"
    cmd_down_locked
  fi
  resolve_bin build
  local start=$SECONDS
  rm -rf "${STATE:?}/pki" "$STATE/etcd" "$STATE/logs" "$STATE/pids" "$STATE/run"
  mkdir -p "$STATE/logs" "$STATE/pids" "$STATE/run"
  PKI="$STATE/pki"
  make_pki

  local ports
  mapfile -t ports < <(pick_ports 6)
  cat >"$STATE/ports.env" <<EOF
ETCD_PORT=${ports[0]}
ETCD_PEER_PORT=${ports[1]}
APISERVER_PORT=${ports[2]}
CONTROLLER_MANAGER_PORT=${ports[3]}
SCHEDULER_PORT=${ports[4]}
KWOK_PORT=${ports[5]}
EOF
  # shellcheck source=/dev/null
  source "$STATE/ports.env"
  write_kubeconfig "$KUBECONFIG_PATH" admin
  write_kubeconfig "$STATE/run/kube-controller-manager.kubeconfig" kube-controller-manager
  write_kubeconfig "$STATE/run/kube-scheduler.kubeconfig" kube-scheduler
  write_kwok_config

  log "starting etcd $ETCD_VERSION on 127.0.0.1:$ETCD_PORT"
  # --unsafe-no-fsync: throwaway test data; fsync is most of etcd's write latency on a shared disk.
  start_component etcd --name=config-rollout-test --data-dir="$STATE/etcd" \
    --listen-client-urls="http://127.0.0.1:$ETCD_PORT" --advertise-client-urls="http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster="config-rollout-test=http://127.0.0.1:$ETCD_PEER_PORT" \
    --unsafe-no-fsync --log-level=warn --quota-backend-bytes=2147483648
  wait_until etcd 30 curl -fsS --max-time 2 "http://127.0.0.1:$ETCD_PORT/health" || fail_with_logs etcd

  log "starting kube-apiserver $K8S_VERSION on 127.0.0.1:$APISERVER_PORT"
  # --endpoint-reconciler-type=none: the `kubernetes` Service can't point at a loopback address.
  start_component kube-apiserver \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$APISERVER_PORT" \
    --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
    --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --client-ca-file="$PKI/ca.crt" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
    --service-cluster-ip-range="$SERVICE_CIDR" --endpoint-reconciler-type=none \
    --authorization-mode=Node,RBAC --allow-privileged=true --profiling=false
  wait_until kube-apiserver 90 apiserver_ready || fail_with_logs kube-apiserver

  log "starting kube-controller-manager, kube-scheduler and kwok $KWOK_VERSION"
  local kcm="$STATE/run/kube-controller-manager.kubeconfig" sched="$STATE/run/kube-scheduler.kubeconfig"
  start_component kube-controller-manager \
    --bind-address=127.0.0.1 --secure-port="$CONTROLLER_MANAGER_PORT" --cert-dir="$STATE/run/kcm-certs" \
    --kubeconfig="$kcm" --authentication-kubeconfig="$kcm" --authorization-kubeconfig="$kcm" \
    --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
    --use-service-account-credentials=true --service-cluster-ip-range="$SERVICE_CIDR" \
    --leader-elect=false --profiling=false
  start_component kube-scheduler \
    --bind-address=127.0.0.1 --secure-port="$SCHEDULER_PORT" --cert-dir="$STATE/run/scheduler-certs" \
    --kubeconfig="$sched" --authentication-kubeconfig="$sched" --authorization-kubeconfig="$sched" \
    --leader-elect=false --profiling=false
  start_component kwok --config="$STATE/kwok.yaml" --kubeconfig="$KUBECONFIG_PATH" \
    --manage-all-nodes=true --server-address="127.0.0.1:$KWOK_PORT" \
    --node-ip=127.0.0.1 --cidr=10.244.0.1/16 --node-lease-duration-seconds=40
  wait_until kube-controller-manager 60 https_healthz "$CONTROLLER_MANAGER_PORT" || fail_with_logs kube-controller-manager
  wait_until kube-scheduler 60 https_healthz "$SCHEDULER_PORT" || fail_with_logs kube-scheduler
  wait_until kwok 60 curl -fsS --max-time 2 "http://127.0.0.1:$KWOK_PORT/healthz" || fail_with_logs kwok

  create_fake_nodes
  wait_until "fake nodes to be Ready" 60 kubectl_ wait --for=condition=Ready node --all --timeout=1s ||
    fail_with_logs kwok
  # Pods are refused until the namespace's `default` ServiceAccount exists (made by kube-controller-manager).
  wait_until "the default ServiceAccount" 60 kubectl_ get serviceaccount default -n default ||
    fail_with_logs kube-controller-manager

  log "up in $((SECONDS - start))s: $FAKE_NODES fake nodes, kube-apiserver https://127.0.0.1:$APISERVER_PORT"
  log "export KUBECONFIG=$KUBECONFIG_PATH"
  printf '%s\n' "$KUBECONFIG_PATH"
}

# Fake nodes without taints, so workloads from real-world manifests (and DaemonSets) schedule on them as is.
create_fake_nodes() {
  local i manifest=""
  for ((i = 0; i < FAKE_NODES; i++)); do
    manifest+="apiVersion: v1
kind: Node
metadata:
  name: kwok-node-$i
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: \"0\"
  labels:
    type: kwok
    kubernetes.io/arch: amd64
    kubernetes.io/os: linux
    kubernetes.io/hostname: kwok-node-$i
    topology.kubernetes.io/zone: zone-$((i % 2))
---
"
  done
  kubectl_ apply -f - <<<"$manifest" >/dev/null
}

cmd_down_locked() {
  stop_all
  # The logs of the cluster just stopped stay in last-logs/ (for a look after a failed test run) until the
  # next `down`; the lock file stays as another `up` may hold it; everything else goes.
  if [[ -d $STATE/logs ]]; then
    rm -rf "$STATE/last-logs"
    mv "$STATE/logs" "$STATE/last-logs"
  fi
  find "$STATE" -mindepth 1 -maxdepth 1 ! -name .lock ! -name last-logs -exec rm -rf {} +
}

cmd_down() {
  [[ -d $STATE ]] || { log "not running"; return 0; }
  lock_state
  cmd_down_locked
  log "down"
}

cmd_status() {
  if is_up; then
    log "up: kube-apiserver https://127.0.0.1:$APISERVER_PORT, kubeconfig $KUBECONFIG_PATH"
    local n
    for n in $COMPONENTS; do log "  $n pid $(pid_of "$n")"; done
    return 0
  fi
  if [[ -d $STATE/pids ]]; then
    local n
    for n in $COMPONENTS; do pid_of "$n" >/dev/null || log "  $n is not running"; done
  fi
  log "not running"
  return 1
}

case ${1:-} in
up) cmd_up ;;
down) cmd_down ;;
acquire) cmd_acquire "${2:-}" ;;
release) cmd_release "${2:-}" ;;
status) cmd_status ;;
build) resolve_bin build && log "binaries in $BIN ($K8S_VERSION, etcd $ETCD_VERSION, kwok $KWOK_VERSION)" ;;
kubectl)
  shift
  resolve_bin cached
  kubectl_ "$@"
  ;;
*)
  sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
  ;;
esac
