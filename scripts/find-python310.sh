#!/usr/bin/env bash
# Prints the path of a Python 3.10 interpreter (Rasa 3.6.21 needs 3.8-3.10; we pin 3.10),
# looking at $PYTHON, PATH and pyenv. Exits 1 with an explanation if there is none.
set -u

is_310() {
  [ -n "$1" ] && [ -x "$1" ] && "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' 2>/dev/null
}

candidates=()
[ -n "${PYTHON:-}" ] && candidates+=("$(command -v "$PYTHON" 2>/dev/null || echo "$PYTHON")")
for name in python3.10 python3 python; do
  path=$(command -v "$name" 2>/dev/null) && candidates+=("$path")
done
if command -v pyenv >/dev/null 2>&1; then
  root=$(pyenv root 2>/dev/null)
  for version in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.10(\.|$)' | sort -rV); do
    candidates+=("$root/versions/$version/bin/python3.10")
  done
fi
for dir in "$HOME"/.pyenv/versions/3.10*/bin /usr/local/bin /usr/bin; do
  candidates+=("$dir/python3.10")
done

for candidate in "${candidates[@]}"; do
  if is_310 "$candidate"; then
    echo "$candidate"
    exit 0
  fi
done

cat >&2 <<'MSG'
error: Python 3.10 was not found.
Rasa 3.6 runs on Python 3.8-3.10 only, and this project pins 3.10. Install it, e.g.
    pyenv install 3.10.13        (https://github.com/pyenv/pyenv)
or  apt-get install python3.10 python3.10-venv
then run make again, or point to it: make install PYTHON=/path/to/python3.10
MSG
exit 1
