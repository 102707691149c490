#!/usr/bin/env bash
# Start a private single-node Slurm (munged if needed, slurmctld, slurmd) whose configuration,
# state, spool, pid and log files all live in DIR. Prints the line to export SLURM_CONF.
#
#   tests/slurm/slurm_up.sh DIR      # then: export SLURM_CONF=DIR/slurm.conf
#   tests/slurm/slurm_down.sh DIR
#
# Environment: CT_SLURM_CPUS (CPUs of the node, default 4), CT_SLURMCTLD_PORT (default 6817),
# CT_SLURMD_PORT (default 6818), CT_SLURM_TIMEOUT (seconds to wait for "idle", default 30),
# CT_SLURM_CRED_EXPIRE (credential lifetime = delay before a requeued job restarts, default 10 s).
# Needs root (SlurmUser=root), slurm-wlm and munge installed, and a mounted cgroup file system.
set -euo pipefail

die() { echo "slurm_up: $*" >&2; exit 1; }

[[ $# -eq 1 ]] || die "usage: slurm_up.sh DIR"
[[ $(id -u) -eq 0 ]] || die "must run as root (the test cluster uses SlurmUser=root)"
for exe in slurmctld slurmd munged sinfo scontrol munge unmunge; do
  command -v "$exe" >/dev/null || [[ -x /usr/sbin/$exe ]] || die "$exe not found (apt-get install slurm-wlm munge)"
done
export PATH="$PATH:/usr/sbin"

DIR=$(mkdir -p "$1" && cd "$1" && pwd)
CPUS=${CT_SLURM_CPUS:-4}
CTLD_PORT=${CT_SLURMCTLD_PORT:-6817}
SLURMD_PORT=${CT_SLURMD_PORT:-6818}
TIMEOUT=${CT_SLURM_TIMEOUT:-30}

if [[ -f $DIR/slurmctld.pid ]] && kill -0 "$(cat "$DIR/slurmctld.pid")" 2>/dev/null; then
  die "a slurmctld from $DIR is already running (pid $(cat "$DIR/slurmctld.pid")); run slurm_down.sh $DIR first"
fi
for port in "$CTLD_PORT" "$SLURMD_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "port $port is in use (another Slurm?); set CT_SLURMCTLD_PORT / CT_SLURMD_PORT"
  fi
done
if ! grep -q cgroup /proc/mounts; then
  die "no cgroup file system mounted (slurmd needs one even with proctrack/linuxproc)"
fi

mkdir -p "$DIR/state" "$DIR/spool" "$DIR/log"
rm -f "$DIR/munged.started"

# --- munge ----------------------------------------------------------------------------------
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  [[ -r /etc/munge/munge.key ]] || die "/etc/munge/munge.key missing (reinstall munge or run mungekey)"
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge
  chmod 0755 /run/munge
  rm -f /run/munge/munged.pid
  if command -v runuser >/dev/null; then
    runuser -u munge -- munged --pid-file=/run/munge/munged.pid
  else
    su -s /bin/sh munge -c "munged --pid-file=/run/munge/munged.pid"
  fi
  for _ in $(seq 50); do
    munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break
    sleep 0.1
  done
  munge -n | unmunge >/dev/null || die "munged did not come up"
  cp /run/munge/munged.pid "$DIR/munged.started"  # slurm_down.sh stops only what we started
  echo "slurm_up: started munged (pid $(cat "$DIR/munged.started"))"
fi

# --- configuration --------------------------------------------------------------------------
cat >"$DIR/slurm.conf" <<CONF
# Private single-node test cluster written by tests/slurm/slurm_up.sh.
ClusterName=ctwin
SlurmctldHost=localhost
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
# A requeued job may start again only after the step credential lifetime (default 120 s).
AuthInfo=cred_expire=${CT_SLURM_CRED_EXPIRE:-10}
MpiDefault=pmix
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
EnforcePartLimits=ALL
SlurmdParameters=config_overrides
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool/slurmd-%n
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
MailProg=/bin/true
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=2
MinJobAge=600
KillWait=5
InactiveLimit=0
SlurmctldTimeout=30
SlurmdTimeout=60
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$CPUS State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
CONF
# A cgroup.conf next to slurm.conf so slurmd does not read (or miss) the system one.
echo "CgroupPlugin=cgroup/v1" >"$DIR/cgroup.conf"

export SLURM_CONF=$DIR/slurm.conf

# --- daemons --------------------------------------------------------------------------------
slurmctld -f "$SLURM_CONF" -i || die "slurmctld failed to start (see $DIR/log/slurmctld.log)"
slurmd -f "$SLURM_CONF" -N localhost || die "slurmd failed to start (see $DIR/log/slurmd.log)"

state=""
deadline=$((SECONDS + TIMEOUT))
while ((SECONDS < deadline)); do
  state=$(sinfo -h -o %t 2>/dev/null | head -n1 || true)
  [[ $state == idle ]] && break
  sleep 0.3
done
if [[ $state != idle ]]; then
  echo "slurm_up: node not idle after ${TIMEOUT}s (state '${state:-none}'); last log lines:" >&2
  tail -n 15 "$DIR/log/slurmctld.log" "$DIR/log/slurmd.log" >&2 || true
  exit 1
fi
echo "slurm_up: Slurm is up in $DIR (node localhost, $CPUS CPUs, idle)"
echo "export SLURM_CONF=$SLURM_CONF"
