#!/usr/bin/env bash
# A one-node Slurm cluster for test/e2e/slurm.test.ts (source this file: it exports SLURM_CONF).
#   source .ci/slurm.sh        install slurm-wlm + munge (Debian) when sbatch is missing, start munged,
#                              slurmctld and slurmd with their config, state and logs in one folder
#                              ($FACEGAN_SLURM_DIR, default <tmp>/facegan-slurm), wait until the node is idle.
# No systemd and no cgroups needed: root runs the daemons, munged as user munge on its own socket.
# The folder's slurm.conf is also found by the test without SLURM_CONF (same default path).
# Without root or apt it prints why and returns 0: the Slurm test then skips, saying so.

facegan_slurm_setup() {
  local dir="${FACEGAN_SLURM_DIR:-${TMPDIR:-/tmp}/facegan-slurm}"
  if ! command -v sbatch >/dev/null 2>&1 || ! command -v munged >/dev/null 2>&1; then
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
      echo "slurm: sbatch missing and cannot install it (needs root and apt-get); the Slurm test will skip"
      return 0
    fi
    echo "== slurm: installing slurm-wlm and munge"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
  fi
  if [ "$(id -u)" != 0 ]; then
    echo "slurm: starting the daemons needs root; the Slurm test will skip unless a cluster is configured (SLURM_CONF)"
    return 0
  fi
  local host; host="$(hostname -s)"
  mkdir -p "$dir"/{state,spool,log,run,munge}
  chown munge: "$dir/munge" && chmod 755 "$dir/munge"  # munged wants the socket folder searchable by all
  if [ ! -s /etc/munge/munge.key ]; then
    mkdir -p /etc/munge
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
    chown munge: /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
  fi
  local sock="$dir/munge/munge.socket.2"
  if [ ! -S "$sock" ] || ! munge -n --socket="$sock" >/dev/null 2>&1; then
    runuser -u munge -- munged --socket="$sock" --pid-file="$dir/munge/munged.pid" \
      --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/munged.seed"
  fi
  cat >"$dir/slurm.conf" <<CONF
ClusterName=facegan
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$sock
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
MinJobAge=600
NodeName=$host CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
  export SLURM_CONF="$dir/slurm.conf"
  local pid
  for d in slurmctld slurmd; do
    pid="$(cat "$dir/run/$d.pid" 2>/dev/null || true)"
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      scontrol reconfigure >/dev/null 2>&1 || true
    else
      "$d"
    fi
  done
  # Sourced under `set -euo pipefail` (.ci/run): sinfo failing or timing out while slurmctld starts
  # (or head closing the pipe early) must not abort CI, so every try tolerates failure.
  local i state=""
  for i in $(seq 1 60); do
    state="$(timeout 5 sinfo -h -o %T 2>/dev/null | head -1)" || true
    case "$state" in idle*|mixed*|allocated*) break ;; esac
    sleep 1
  done
  case "$state" in
    idle*|mixed*|allocated*) echo "== slurm: node $host $state, SLURM_CONF=$SLURM_CONF" ;;
    *) echo "slurm: node $host not ready after 60 tries (state: ${state:-no answer from sinfo}); logs in $dir/log; the Slurm test will fail or wait, SLURM_CONF=$SLURM_CONF" >&2 ;;
  esac
}
facegan_slurm_setup
