# Sourced by the shell tests that signal or kill a running `clustertwin run`.
# wait_for FILE PID: waits (up to 120 s, for slow or loaded machines) until FILE exists, such as
# OUT.partial (the run has claimed its output and every rank catches SIGUSR1/SIGTERM) or a
# periodic restart file; returns 1 if PID ended first or the time ran out.
wait_for() {
  local i
  for i in $(seq 1200); do
    [ -e "$1" ] && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
