# Sourced by bin/brook and bin/test: sets JAVA_HOME and JAVA to a JDK >= 21 (a JRE is enough with
# BROOK_JRE_OK=1, as in the release archive, which builds nothing).
# Looks at $JAVA_HOME, then `java` on PATH, then /usr/lib/jvm/*, and says clearly when there is none.
brook_java_major() { # sets java_major to the feature version of the java binary $1 (empty if unknown)
  # The JDK's release file answers without starting a JVM (~0.1 s saved on every bin/brook start),
  # read with shell builtins only, and the answer is a variable, not printed to a $(...) subshell:
  # every process this file forks costs ~1-2 ms of each start (more where page faults are dear).
  local rel=${1%/bin/java}/release line v
  java_major=
  if [ -r "$rel" ]; then
    while IFS= read -r line || [ -n "$line" ]; do
      case $line in
        JAVA_VERSION=*)
          v=${line#JAVA_VERSION=}; v=${v//\"/}; v=${v#1.}; java_major=${v%%[!0-9]*}
          return ;;
      esac
    done < "$rel"
    return
  fi
  java_major=$("$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1)
}
brook_is_jdk21() { # $1 = a java home; true if it has java (and javac, unless BROOK_JRE_OK=1) of version >= 21
  [ -x "$1/bin/java" ] || return 1
  [ "${BROOK_JRE_OK:-0}" = 1 ] || [ -x "$1/bin/javac" ] || return 1
  local java_major; brook_java_major "$1/bin/java"
  [ -n "$java_major" ] && [ "$java_major" -ge 21 ] && BROOK_JAVA_MAJOR=$java_major
}
brook_find_java() {
  local c
  if [ -n "${JAVA_HOME:-}" ] && brook_is_jdk21 "$JAVA_HOME"; then return 0; fi
  if command -v java >/dev/null 2>&1; then
    c=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
    if brook_is_jdk21 "$c"; then JAVA_HOME=$c; return 0; fi
  fi
  for c in $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV); do
    c=${c%/}
    if brook_is_jdk21 "$c"; then JAVA_HOME=$c; return 0; fi
  done
  local what=JDK pkg=openjdk-21-jdk
  if [ "${BROOK_JRE_OK:-0}" = 1 ]; then what="Java runtime"; pkg=openjdk-21-jre-headless; fi
  echo "brook: no $what 21 or newer found (looked at \$JAVA_HOME, java on PATH, /usr/lib/jvm/*)." >&2
  echo "brook: install one (for example: apt-get install $pkg) or set JAVA_HOME to it." >&2
  return 1
}
brook_find_java || exit 1
export JAVA_HOME BROOK_JAVA_MAJOR
JAVA="$JAVA_HOME/bin/java"
