# shellcheck shell=bash
# Shared helpers for the haproxy -c compat scripts (sourced, not executed).
#   haproxy-record.sh  regenerates haproxy/*.expect from the real haproxy
#   haproxy-check.sh   real haproxy vs vipr, live (exit code + first ALERT/WARNING)
#   haproxy-golden.sh  vipr vs the stored .expect files (strict)

# Every run gets the same clean environment, so that .expect files do not
# depend on the caller's locale or variables (env_vars.cfg uses setenv/presetenv),
# and fd 100 is closed (bind_fd_closed.cfg uses fd@100).
# Sanitizer settings and LD_LIBRARY_PATH are passed through for vipr's test builds.
compat_run() {   # compat_run BINARY CFG -> stderr on stdout, exit code of BINARY
    local keep=() v
    for v in LD_LIBRARY_PATH ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS MSAN_OPTIONS; do
        [ -n "${!v:-}" ] && keep+=("$v=${!v}")
    done
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C "${keep[@]}" \
        timeout 30 "$1" -c -f "$2" 2>&1 >/dev/null 100<&-
}

# Keep the [ALERT]/[WARNING]/[NOTICE] lines, drop the two NOTICE lines that
# name the version and the executable, normalize "(1234)" to "(PID)".
compat_normalize() {
    grep -aE '^\[(ALERT|WARNING|NOTICE)\]' \
    | grep -avE '^\[NOTICE\] +\([0-9]+\) : (haproxy version is|path to executable is) ' \
    | sed -E 's/(\[(ALERT|WARNING|NOTICE)\] +)\([0-9]+\)/\1(PID)/g'
}

# First [ALERT] line, or if there is none the first [WARNING] line.
compat_key() {   # stdin: normalized lines
    local all
    all=$(cat)
    if printf '%s\n' "$all" | grep -q '^\[ALERT\]'; then
        printf '%s\n' "$all" | grep -m1 '^\[ALERT\]'
    else
        printf '%s\n' "$all" | grep -m1 '^\[WARNING\]'
    fi
}

# Case names: the arguments (with or without .cfg, with or without a directory),
# or every *.cfg of the corpus.
compat_cases() {   # compat_cases CORPUS_DIR [NAME...]
    local dir=$1 n
    shift
    if [ $# -gt 0 ]; then
        for n in "$@"; do n=${n##*/}; printf '%s\n' "${n%.cfg}"; done
    else
        for n in "$dir"/*.cfg; do [ -e "$n" ] || continue; n=${n##*/}; printf '%s\n' "${n%.cfg}"; done
    fi
}
