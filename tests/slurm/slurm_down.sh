#!/usr/bin/env bash
# Stop the private Slurm started by slurm_up.sh DIR: slurmd, slurmctld and (only if slurm_up.sh
# started it) munged, each by its pid file. Safe to run twice.
set -uo pipefail

[[ $# -eq 1 ]] || { echo "usage: slurm_down.sh DIR" >&2; exit 1; }
DIR=$1
[[ -d $DIR ]] || { echo "slurm_down: $DIR: no such directory" >&2; exit 1; }

stop() {  # stop NAME PIDFILE
  local name=$1 pidfile=$2 pid
  [[ -f $pidfile ]] || return 0
  pid=$(cat "$pidfile" 2>/dev/null)
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "slurm_down: $name (pid $pid) ignored SIGTERM for 10 s; sending SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null
    fi
    echo "slurm_down: stopped $name (pid $pid)"
  fi
  rm -f "$pidfile"
}

# Jobs' processes (slurmstepd) exit when slurmd and the steps go; cancel what is left first.
if [[ -f $DIR/slurm.conf && -f $DIR/slurmctld.pid ]] && kill -0 "$(cat "$DIR/slurmctld.pid")" 2>/dev/null; then
  SLURM_CONF=$DIR/slurm.conf scancel --quiet --user=root 2>/dev/null || true
  sleep 1
fi
stop slurmd "$DIR/slurmd.pid"
stop slurmctld "$DIR/slurmctld.pid"
if [[ -f $DIR/munged.started ]]; then
  pid=$(cat "$DIR/munged.started")
  if [[ -n $pid && $(cat /proc/"$pid"/comm 2>/dev/null) == munged ]]; then
    stop munged "$DIR/munged.started"
  fi
  rm -f "$DIR/munged.started"
fi
exit 0
