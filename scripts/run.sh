#!/usr/bin/env bash
# Starts the action server, the Rasa server and the web page; Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."

RASA_PORT=${RASA_PORT:-5005}
ACTION_PORT=${ACTION_PORT:-5055}
WEB_PORT=${WEB_PORT:-8000}
VENV=.venv
export PYTHONPATH="$PWD" TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-3} SQLALCHEMY_SILENCE_UBER_WARNING=1 RASA_TELEMETRY_ENABLED=false
mkdir -p var/log

# The Rasa HTTP API (/model/parse, tracker events) needs this token.
if [ -z "${RASA_API_TOKEN:-}" ]; then
  [ -f var/rasa-api-token ] || "$VENV/bin/python" -c 'import secrets; print(secrets.token_urlsafe(24))' > var/rasa-api-token
  RASA_API_TOKEN=$(cat var/rasa-api-token)
fi
export RASA_API_TOKEN

for port in "$RASA_PORT" "$ACTION_PORT" "$WEB_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "error: port $port is already in use. Stop what runs there or choose another port, e.g. RASA_PORT=5006 make run" >&2
    exit 1
  fi
done

# Each server runs in a session of its own: Ctrl-C in the terminal reaches only this
# script, whose trap stops them (a server hit by the same Ctrl-C would exit first and
# look like a crash).
pids=()
stop() {
  trap - INT TERM EXIT
  echo; echo "Stopping..."
  kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

setsid "$VENV/bin/rasa" run actions --actions actions --port "$ACTION_PORT" > var/log/actions.log 2>&1 &
pids+=($!)
setsid "$VENV/bin/rasa" run --model models/assistant.tar.gz --port "$RASA_PORT" --enable-api --auth-token "$RASA_API_TOKEN" \
  --cors "*" --credentials credentials.yml --endpoints endpoints.yml > var/log/rasa.log 2>&1 &
pids+=($!)
setsid "$VENV/bin/python" -m bot web --port "$WEB_PORT" > var/log/web.log 2>&1 &
pids+=($!)

wait_for() {  # name url seconds
  for _ in $(seq 1 "$3"); do
    if curl -fs -o /dev/null "$2"; then echo "  $1 is up ($2)"; return 0; fi
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null || { echo "error: a server stopped; see var/log/" >&2; tail -n 20 var/log/*.log >&2; exit 1; }; done
    sleep 1
  done
  echo "error: $1 did not start in $3 s; see var/log/" >&2; exit 1
}
echo "Starting (logs in var/log/)..."
wait_for "action server" "http://127.0.0.1:$ACTION_PORT/health" 60
wait_for "Rasa server" "http://127.0.0.1:$RASA_PORT/" 180
wait_for "web page" "http://127.0.0.1:$WEB_PORT/health" 30
curl -fsS "http://127.0.0.1:$RASA_PORT/status?token=$RASA_API_TOKEN" >/dev/null

cat <<MSG

  Chat with the assistant:  http://localhost:$WEB_PORT/
  REST channel:             curl -s localhost:$RASA_PORT/webhooks/rest/webhook -d '{"sender":"me","message":"hi"}'
  Rasa HTTP API token:      var/rasa-api-token

Press Ctrl-C to stop.
MSG
wait -n "${pids[@]}"
echo "A server stopped unexpectedly; see var/log/." >&2
