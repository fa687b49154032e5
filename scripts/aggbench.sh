#!/bin/sh
# Measures one file aggregation through the real server: uploads a generated
# CSV of ROWS accounts (default 1,000,000) to a delimited-file source with
# POST /v2025/sources/{id}/load-accounts, polls the status until it ends, and
# prints the wall time and the server's peak RSS (VmHWM). Needs go, curl, sed.
set -eu
ROWS=${ROWS:-1000000}
WORK=$(mktemp -d)
trap 'kill $PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
go build -o "$WORK/mica" ./cmd/mica
go run ./scripts/gencsv -rows "$ROWS" > "$WORK/accounts.csv"
ls -l "$WORK/accounts.csv"
"$WORK/mica" clients create --data-dir "$WORK/data" --identity bench.admin --levels ORG_ADMIN > "$WORK/client.txt"
ID=$(sed -n 's/.*client id: *//p' "$WORK/client.txt" | head -1)
SECRET=$(sed -n 's/.*client secret: *//p' "$WORK/client.txt" | head -1)
"$WORK/mica" serve --data-dir "$WORK/data" --addr 127.0.0.1:18089 --rate-limit 0 --log-level warn &
PID=$!
sleep 2
TOKEN=$(curl -s -X POST http://127.0.0.1:18089/oauth/token -d grant_type=client_credentials \
  -d client_id="$ID" -d client_secret="$SECRET" | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
OWNER=$(curl -s -H "Authorization: Bearer $TOKEN" 'http://127.0.0.1:18089/v2025/identities?defaultFilter=NONE' | sed -E 's/^\[\{"id":"([^"]+)".*/\1/')
SRC=$(curl -s -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  'http://127.0.0.1:18089/v2025/sources?provisionAsCsv=true' \
  -d "{\"name\":\"Bench\",\"owner\":{\"type\":\"IDENTITY\",\"id\":\"$OWNER\"},\"connector\":\"x\",\"connectorAttributes\":{\"mergeColumns\":[\"groups\"]}}" \
  | sed -E 's/^\{"id":"([^"]+)".*/\1/')
START=$(date +%s.%N)
TASK=$(curl -s -H "Authorization: Bearer $TOKEN" -F file=@"$WORK/accounts.csv" \
  "http://127.0.0.1:18089/v2025/sources/$SRC/load-accounts" | sed -E 's/.*"task":\{"id":"([^"]+)".*/\1/')
echo "aggregation $TASK"
while :; do
  S=$(curl -s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:18089/v2025/account-aggregations/$TASK/status")
  case "$S" in *COMPLETED*|*TERMINATED*) break;; esac
  # the API stays responsive: time a list request during the aggregation
  T0=$(date +%s.%N); curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" 'http://127.0.0.1:18089/v2025/sources'; T1=$(date +%s.%N)
  echo "$(echo "$T1 - $START" | bc)s: $S (GET /sources took $(echo "($T1 - $T0)*1000" | bc | cut -d. -f1) ms)"
  sleep 2
done
END=$(date +%s.%N)
echo "$S"
echo "wall time: $(echo "$END - $START" | bc) s"
grep -E 'VmHWM|VmRSS' /proc/$PID/status
ls -l "$WORK/data"
