# Sourced by the scripts in bin/ and .ci/run: exports JAVA_HOME of a JDK >= 21.
# Order: $JAVA_HOME if it is >= 21, then the newest JDK under /usr/lib/jvm and /opt, then `java` on PATH.
persona4j_java_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}'; }
persona4j_pick_jdk() {
  local c v
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ]; then
    v=$(persona4j_java_major "$JAVA_HOME"); [ "${v:-0}" -ge 21 ] 2>/dev/null && return 0
  fi
  for c in $(ls -d /usr/lib/jvm/*/ /opt/*jdk*/ /opt/java/*/ 2>/dev/null | sort -rV); do
    c=${c%/}
    [ -x "$c/bin/javac" ] || continue
    v=$(persona4j_java_major "$c")
    if [ "${v:-0}" -ge 21 ] 2>/dev/null; then export JAVA_HOME="$c"; return 0; fi
  done
  if command -v javac >/dev/null 2>&1; then
    c=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
    v=$(persona4j_java_major "$c")
    if [ "${v:-0}" -ge 21 ] 2>/dev/null; then export JAVA_HOME="$c"; return 0; fi
  fi
  echo "persona4j: no JDK >= 21 found (looked at \$JAVA_HOME, /usr/lib/jvm, /opt, PATH)." >&2
  echo "persona4j: install one (e.g. Temurin 21+) and set JAVA_HOME to it." >&2
  return 1
}
persona4j_pick_jdk || exit 1
export PATH="$JAVA_HOME/bin:$PATH"

# PyTorch's OpenMP threads spin while waiting by default; on a busy 2-core machine that made
# batch-1 decoding 5-10x slower (measured: 6.6 vs 53-73 tokens/s on the demo model). Passive
# waiting costs nothing measurable on large matmuls. Users may override it.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
