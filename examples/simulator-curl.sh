#!/usr/bin/env bash
# The eSIM Access simulator from any language. It speaks the live API's wire (POST /api/v1/open/<path> with a JSON
# body, the RT-* headers, the { success, errorCode, errorMsg, obj } envelope, the error codes), so any HTTP client can
# test against it. This script starts it in strict mode (every request must be signed, as for an account with a
# secret key), then calls it with curl, signing with openssl:
#
#   balance -> packages for Japan -> order -> query (200010 while the profile is allocated) -> query again
#   -> cancel (refunded) -> balance; and one request with a bad signature (101003)
#
#   bash examples/simulator-curl.sh                                        # in this repository (npm run simulator)
#   SIMULATOR="npx effect-esim-access-simulator" bash simulator-curl.sh    # where the package is installed
#
# Needs bash, curl, openssl, grep and sed. Prints each request and the start of its answer; exits 1 if an answer is
# not the expected one.
set -euo pipefail
cd "$(dirname "$0")/.."

ACCESS_CODE="sim-access-code"
SECRET_KEY="curl-example-secret"
SIMULATOR="${SIMULATOR:-npm run --silent simulator --}"

log="$(mktemp)"
# its own process group, so that one kill stops npm and the node process it started
set -m
$SIMULATOR --port 0 --strict --secret-key "$SECRET_KEY" --allocation-delay 2 >"$log" 2>&1 &
pid=$!
set +m
cleanup() {
  kill -- "-$pid" 2>/dev/null || true
  rm -f "$log"
}
trap cleanup EXIT

# the simulator prints "  base URL:    http://127.0.0.1:<port>" once it listens
url=""
for _ in $(seq 1 300); do
  url="$(sed -n 's/^  base URL: *//p' "$log")"
  if [ -n "$url" ]; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then
    cat "$log" >&2
    exit 1
  fi
  sleep 0.1
done
if [ -z "$url" ]; then
  echo "the simulator did not start" >&2
  exit 1
fi
echo "simulator on $url"

# call PATH BODY [SECRET]: POSTs a signed request; the answer is in $answer.
# signature = lower-case hex HMAC-SHA256(secret key, timestamp + request id + access code + body)
answer=""
call() {
  local path="$1" body="$2" secret="${3:-$SECRET_KEY}" timestamp request_id signature
  timestamp="$(($(date +%s) * 1000))" # milliseconds
  request_id="$(openssl rand -hex 16)"
  signature="$(printf '%s' "$timestamp$request_id$ACCESS_CODE$body" | openssl dgst -sha256 -hmac "$secret" | sed 's/^.*= //')"
  answer="$(curl -sS -X POST "$url/api/v1/open/$path" \
    -H "Content-Type: application/json" \
    -H "RT-AccessCode: $ACCESS_CODE" \
    -H "RT-Timestamp: $timestamp" \
    -H "RT-RequestID: $request_id" \
    -H "RT-Signature: $signature" \
    --data "$body")"
  printf '\n> %s %s\n< %s\n' "$path" "$body" "$(printf '%s' "$answer" | cut -c1-240)"
}

# field NAME: the first value of "NAME" in $answer (a string or a number)
field() {
  printf '%s' "$answer" | grep -o "\"$1\":\"\{0,1\}[^\",}]*" | head -n1 | sed 's/^"[^"]*"://; s/"//g'
}

expect() {
  if ! printf '%s' "$answer" | grep -q "$1"; then
    echo "expected $1" >&2
    exit 1
  fi
}

call balance/query '{}'
expect '"success":true'
before="$(field balance)"
echo "balance: $before (API units: USD x 10,000)"

call package/list '{"locationCode":"JP","type":"BASE"}'
expect '"success":true'
packageCode="$(field packageCode)"
price="$(field price)"
echo "ordering $packageCode for $price"

# the transactionId is your id for the purchase: sending this request again returns the same order
call esim/order "{\"transactionId\":\"curl-example-1\",\"amount\":$price,\"packageInfoList\":[{\"packageCode\":\"$packageCode\",\"count\":1,\"price\":$price}]}"
expect '"success":true'
orderNo="$(field orderNo)"

# right after ordering the profile is being allocated: 200010 is "pending", not a failure; poll every few seconds
query="{\"orderNo\":\"$orderNo\",\"pager\":{\"pageNum\":1,\"pageSize\":5}}"
call esim/query "$query"
expect '"errorCode":"200010"'
for _ in $(seq 1 20); do
  sleep 1
  call esim/query "$query"
  if printf '%s' "$answer" | grep -q '"success":true'; then break; fi
  expect '"errorCode":"200010"'
done
expect '"success":true'
esimTranNo="$(field esimTranNo)"
echo "profile $esimTranNo, activation code $(field ac)"

# never installed: cancelling refunds the price
call esim/cancel "{\"esimTranNo\":\"$esimTranNo\"}"
expect '"success":true'
call balance/query '{}'
after="$(field balance)"
if [ "$after" != "$before" ]; then
  echo "expected the balance back at $before, got $after" >&2
  exit 1
fi
echo "balance: $after (refunded)"

# strict mode: a request signed with the wrong key is refused
call balance/query '{}' wrong-secret
expect '"errorCode":"101003"'

echo
echo "done"
