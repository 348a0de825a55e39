# Simulated Centra webhook plugin: order changes POSTed form-encoded to the
# configured URL (here the simulator's own /_sim/sink), signed
# X-Centra-Signature: t=<unix>,v1=<HMAC-SHA256(secret, "t.body")>, checked
# with openssl as an independent implementation.
source "$(dirname "$0")/sim_centra_lib.sh"
SECRET=test-centra-secret
sim_start --seed 9 --centra-webhook-secret "$SECRET"
seed_basic
ctl POST /_sim/centra/webhook "{\"url\": \"$C/_sim/sink/centra-hook\"}"
check "webhook target set" "$STATUS" 200

ctl POST /_sim/centra/orders '{"number": 5000, "lines": [{"sku": "TEE-WHT-M", "quantity": 1}]}'
check "order seeded" "$STATUS" 201
ctl POST /_sim/centra/orders/5000 '{"isOnHold": true}'

n=0
for i in $(seq 100); do
  n=$(curl -s "$C/_sim/sink" | jq '[.requests[] | select(.path == "/_sim/sink/centra-hook")] | length')
  [ "$n" -ge 2 ] && break
  sleep 0.05
done
check "two deliveries" "$n" 2

verify() { # index action
  local idx body sig t v1 want payload
  idx=$(curl -s "$C/_sim/sink" | jq -r "[.requests[] | select(.path == \"/_sim/sink/centra-hook\")][$1].index")
  curl -s -o "$WORK/body" "$C/_sim/sink/$idx/body"
  sig=$(curl -s "$C/_sim/sink/$idx/header?name=X-Centra-Signature")
  t=$(sed -E 's/^t=([0-9]+),.*/\1/' <<<"$sig")
  v1=$(sed -E 's/.*v1=([0-9a-f]+).*/\1/' <<<"$sig")
  want=$( (printf '%s.' "$t"; cat "$WORK/body") | openssl dgst -sha256 -hmac "$SECRET" | awk '{print $NF}')
  check "delivery $1 signature" "$v1" "$want"
  now=$(date +%s)
  check "delivery $1 timestamp fresh" "$([ $((now - t)) -le 60 ] && echo yes)" yes
  check "delivery $1 content type" "$(curl -s "$C/_sim/sink/$idx/header?name=Content-Type")" \
    application/x-www-form-urlencoded
  enc=$(sed -E 's/^payload=//' "$WORK/body")
  check "delivery $1 form field" "$(head -c 8 "$WORK/body")" "payload="
  payload=$(printf '%b' "${enc//%/\\x}")
  check "delivery $1 payload" "$(jq -r '.events[0] | "\(.type)/\(.action)/\(.id)"' <<<"$payload")" "order/$2/5000"
  check "delivery $1 date format" "$(jq -r '.events[0].date | test("^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}$")' <<<"$payload")" true
  # A tampered body must not verify.
  bad=$( (printf '%s.' "$t"; cat "$WORK/body"; printf 'x') | openssl dgst -sha256 -hmac "$SECRET" | awk '{print $NF}')
  check "delivery $1 tamper detected" "$([ "$bad" != "$v1" ] && echo yes)" yes
}
verify 0 insert
verify 1 update

ctl POST /_sim/centra/webhook '{"url": null}'
ctl POST /_sim/centra/orders '{"number": 5001, "lines": [{"sku": "TEE-WHT-M", "quantity": 1}]}'
sleep 0.3
check "disabled target sends nothing" "$(curl -s "$C/_sim/sink" | jq '[.requests[] | select(.path == "/_sim/sink/centra-hook")] | length')" 2
