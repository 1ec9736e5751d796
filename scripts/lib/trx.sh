# shellcheck shell=bash
# trx_counts DIR : prints "PASSED FAILED SKIPPED FILES", summed over every *.trx
# file under DIR (each test project writes one), from each file's
# <ResultSummary><Counters .../> element:
#   <Counters total=".." executed=".." passed=".." failed=".." error=".." timeout=".."
#     aborted=".." inconclusive=".." passedButRunAborted=".." notRunnable=".."
#     notExecuted=".." disconnected=".." warning=".." completed=".." inProgress=".." pending=".."/>
# passed  = passed + passedButRunAborted
# failed  = failed + error + timeout + aborted
# skipped = total - passed - failed, at least the sum of notExecuted + inconclusive
#           + notRunnable + disconnected + warning.
# Why total-based: VSTest's TRX logger (checked with NUnit3TestAdapter 6.3.1) writes
# notExecuted="0" even when tests were [Ignore]d, Assert.Ignore'd, Inconclusive or
# [Explicit]: those show up only as total > executed (their <UnitTestResult>s have
# outcome="NotExecuted").
# Plain grep/tr/awk: no python needed.
trx_counts() {
  local dir="$1" f
  local -a files=()
  while IFS= read -r -d '' f; do files+=("$f"); done < <(find "$dir" -name '*.trx' -type f -print0 2>/dev/null | sort -z)
  if ((${#files[@]} == 0)); then
    echo "0 0 0 0"
    return 0
  fi
  local f_count=${#files[@]}
  local line
  line="$(
    for f in "${files[@]}"; do
      # one TRX per line, so each file's first <Counters> is taken once
      tr '\n\r\t' '   ' <"$f" | grep -o '<Counters [^>]*>' | head -n 1
    done | awk '
      function attr(s, name,   m) {
        if (match(s, "[ ]" name "=\"[0-9]+\"")) {
          m = substr(s, RSTART, RLENGTH); gsub(/[^0-9]/, "", m); return m + 0
        }
        return 0
      }
      {
        p += attr($0, "passed") + attr($0, "passedButRunAborted")
        f += attr($0, "failed") + attr($0, "error") + attr($0, "timeout") + attr($0, "aborted")
        fp = attr($0, "passed") + attr($0, "passedButRunAborted")
        ff = attr($0, "failed") + attr($0, "error") + attr($0, "timeout") + attr($0, "aborted")
        fs = attr($0, "total") - fp - ff
        fn = attr($0, "notExecuted") + attr($0, "inconclusive") + attr($0, "notRunnable") + attr($0, "disconnected") + attr($0, "warning")
        s += (fs > fn ? fs : fn)
      }
      END { printf "%d %d %d\n", p, f, s }'
  )"
  echo "$line $f_count"
}
