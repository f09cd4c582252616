# Sourced by the other scripts: points JAVA_HOME at a JDK 25 (the default java here may be 17).
if [ -z "${JAVA_HOME:-}" ] || ! "$JAVA_HOME/bin/java" -version 2>&1 | grep -q 'version "25'; then
  JAVA_HOME=""
  for candidate in /usr/lib/jvm/temurin-25* /usr/lib/jvm/*-25-* /usr/lib/jvm/jdk-25*; do
    if [ -x "$candidate/bin/javac" ] && "$candidate/bin/java" -version 2>&1 | grep -q 'version "25'; then
      JAVA_HOME="$candidate"
      break
    fi
  done
  if [ -z "$JAVA_HOME" ]; then
    echo "zeroedge: no JDK 25 found under /usr/lib/jvm; set JAVA_HOME to one" >&2
    exit 2
  fi
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
