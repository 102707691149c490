# bash completion for clustertwin and clustertwin-report (installed to
# PREFIX/share/bash-completion/completions/; source it by hand otherwise).

_clustertwin() {
  local cur prev cmd
  cur=${COMP_WORDS[COMP_CWORD]}
  prev=${COMP_WORDS[COMP_CWORD - 1]}
  cmd=${COMP_WORDS[1]}
  if ((COMP_CWORD == 1)); then
    mapfile -t COMPREPLY < <(compgen -W "run validate info calibrate sweep summarize export presets help --help --version" -- "$cur")
    return
  fi
  case $prev in
    -o | --output | --restart | --stats-json | --target)
      mapfile -t COMPREPLY < <(compgen -f -- "$cur")
      return
      ;;
    --log-level)
      mapfile -t COMPREPLY < <(compgen -W "trace debug info warn error off" -- "$cur")
      return
      ;;
    --set)
      # the top-level sections; deeper keys: see `clustertwin validate SCENARIO`
      mapfile -t COMPREPLY < <(compgen -W "seed= replicas= time. output. campus. accelerator. activity. cooling. weather. fabric. faults. grid. jobs." -- "$cur")
      compopt -o nospace 2>/dev/null
      return
      ;;
    --seed | --replicas | --iterations | --sweep-index | --restart-every | --stop-after | --pace | --progress-interval | --deflate)
      return
      ;;
  esac
  local opts=""
  case $cmd in
    run) opts="-o --output --set --seed --replicas --sweep-index --restart --restart-every --stop-after --stats-json --pace -q --quiet --log-level --progress-interval -h --help" ;;
    validate | info) opts="--set -h --help" ;;
    calibrate) opts="--target -o --output --iterations --replicas --seed --set -h --help" ;;
    sweep) opts="--count --list -h --help" ;;
    summarize) opts="-o --output -h --help" ;;
    export) opts="-o --output --no-events --deflate -h --help" ;;
    presets) opts="-h --help" ;;
  esac
  if [[ $cur == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
    return
  fi
  case $cmd in
    run | validate | info | calibrate | sweep)
      mapfile -t COMPREPLY < <(compgen -f -X '!*.@(yaml|yml)' -- "$cur"; compgen -d -- "$cur") ;;
    summarize | export)
      mapfile -t COMPREPLY < <(compgen -f -X '!*.h5' -- "$cur"; compgen -d -- "$cur") ;;
  esac
}

_clustertwin_report() {
  local cur prev
  cur=${COMP_WORDS[COMP_CWORD]}
  prev=${COMP_WORDS[COMP_CWORD - 1]}
  case $prev in
    -o | --output)
      mapfile -t COMPREPLY < <(compgen -d -- "$cur")
      return
      ;;
    --max-points | --params | --metrics) return ;;
  esac
  if [[ $cur == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "--compare -o --output --params --metrics --max-points -v --verbose -h --help" -- "$cur")
    return
  fi
  mapfile -t COMPREPLY < <(compgen -f -X '!*.@(h5|csv)' -- "$cur"; compgen -d -- "$cur")
}

shopt -s extglob 2>/dev/null
complete -o filenames -F _clustertwin clustertwin
complete -o filenames -F _clustertwin_report clustertwin-report
