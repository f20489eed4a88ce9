#!/usr/bin/env bash
# `yuqing user` and `yuqing audit` end to end: the first admin from a
# password on stdin (never argv), a handler with a department, refusals
# (short password, unknown role, duplicate name "user NAME exists", no password,
# a department not in a non-empty case_departments registry, a --head that
# is not 64 hex digits; a new database is announced), API tokens
# printed once and stored only as a hash, revocation; the audit log gets one
# entry per change, its hash chain recomputed here independently in Python
# from the format documented in docs/auth.md, and `audit verify` catching an
# edited field, a deleted middle entry, a deleted tail (with --head) and a
# swapped pair.
source "$(dirname "$0")/lib.sh"
DB="$T/y.db"

echo 'first-admin-password' | "$YQ" user add --db "$DB" root --role admin 2> "$T/add.err"
check_eq "add admin: exit" "$?" 0
check_eq "add admin: message" "$(cat "$T/add.err")" "yuqing: user: $DB does not exist: creating a new database there
yuqing: user: added root (admin, id 1)"
printf 'handler-pw-123\r\n' | "$YQ" user add --db "$DB" 王五 --role handler --department 城管局 2>/dev/null
check_eq "add handler: exit" "$?" 0
rc=0; echo 'short' | "$YQ" user add --db "$DB" x --role viewer 2> "$T/e1" || rc=$?
check_eq "short password: exit" "$rc" 1
check_eq "short password: message" "$(cat "$T/e1")" "yuqing: user: cannot add x: the password must have 8 to 1024 bytes"
rc=0; echo 'long-enough-pw' | "$YQ" user add --db "$DB" x --role god 2> /dev/null || rc=$?
check_eq "unknown role: exit" "$rc" 2
rc=0; echo 'long-enough-pw' | "$YQ" user add --db "$DB" root --role viewer 2> "$T/e2" || rc=$?
check_eq "duplicate: exit" "$rc" 1
check_eq "duplicate: message" "$(cat "$T/e2")" "yuqing: user: user root exists"
rc=0; "$YQ" user add --db "$DB" y --role viewer < /dev/null 2>/dev/null || rc=$?
check_eq "no password: exit" "$rc" 1
rc=0; "$YQ" user add --db "$DB" w --role handler < /dev/null 2>/dev/null || rc=$?
check_eq "handler without department: exit" "$rc" 1

"$YQ" user list --db "$DB" | cut -f1-4 > "$T/list"
check_eq "list" "$(cat "$T/list")" "$(printf 'root\tadmin\t-\tactive\n王五\thandler\t城管局\tactive')"
check_eq "argon2id stored" "$(q "$DB" "SELECT substr(pwhash, 1, 31) FROM auth_users WHERE name='root'")" '$argon2id$v=19$m=65536,t=2,p=1$'
check_eq "no plain password" "$(q "$DB" "SELECT count(*) FROM auth_users WHERE pwhash LIKE '%first-admin%'")" 0

tok=$("$YQ" user token --db "$DB" root --label ci 2> "$T/tok.err")
[[ "$tok" =~ ^yqt_[0-9a-f]{64}$ ]] || fail "token format: $tok"
check_eq "token stored as its SHA-256" "$(q "$DB" 'SELECT token_hash FROM auth_tokens WHERE id=1')" "$(printf '%s' "$tok" | sha256sum | cut -d' ' -f1)"
check_eq "token id on stderr" "$(cat "$T/tok.err")" "yuqing: user: token 1 for root (shown once; revoke with 'yuqing user revoke --db DB 1')"
"$YQ" user revoke --db "$DB" 1 2>/dev/null
check_eq "revoked" "$(q "$DB" 'SELECT revoked IS NOT NULL FROM auth_tokens WHERE id=1')" 1
rc=0; "$YQ" user revoke --db "$DB" 7 2>/dev/null || rc=$?
check_eq "revoke unknown: exit" "$rc" 1

# the audit log: user.add ×2, token.create, token.revoke
check_eq "audit actions" "$(q "$DB" 'SELECT group_concat(action, " ") FROM (SELECT action FROM audit_log ORDER BY seq)')" "user.add user.add token.create token.revoke"
check_eq "no password in the audit log" "$(q "$DB" "SELECT count(*) FROM audit_log WHERE after LIKE '%password%'")" 0
out=$("$YQ" audit verify --db "$DB")
check_eq "verify: exit" "$?" 0
head=$(echo "$out" | sed -n 's/^ok: 4 entries, head \([0-9a-f]\{64\}\)$/\1/p')
[ -n "$head" ] || fail "verify output: $out"
/usr/bin/python3 - "$DB" "$head" <<'PY' || fail "independent chain check"
import hashlib, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
prev = "0" * 64
def f(v):
    if v is None:
        return b"-:\n"
    b = str(v).encode()
    return str(len(b)).encode() + b":" + b + b"\n"
for row in db.execute("SELECT seq, time, actor, action, object_type, object_id, before, after, addr, prev_hash, hash FROM audit_log ORDER BY seq"):
    assert row[9] == prev, ("prev_hash", row[0])
    h = hashlib.sha256(bytes.fromhex(prev) + b"".join(f(v) for v in row[:9])).hexdigest()
    assert h == row[10], ("hash", row[0])
    prev = h
assert prev == sys.argv[2], "head"
print("ok: chain recomputed independently")
PY

tamper() { # name sql want-message [verify args]
  cp "$DB" "$T/t.db"; rm -f "$T/t.db-wal" "$T/t.db-shm"
  q "$T/t.db" "$2"
  local rc=0
  "$YQ" audit verify --db "$T/t.db" "${@:4}" > /dev/null 2> "$T/t.err" || rc=$?
  check_eq "$1: exit" "$rc" 1
  check_eq "$1: message" "$(cat "$T/t.err")" "$3"
}
q "$DB" "PRAGMA wal_checkpoint(TRUNCATE)" > /dev/null
tamper "edit" "UPDATE audit_log SET after = replace(after, 'handler', 'admin') WHERE seq = 2" \
  "yuqing: audit: entry 2: content does not match its hash (edited) ($T/t.db)"
tamper "delete middle" "DELETE FROM audit_log WHERE seq = 3" \
  "yuqing: audit: entry 4: entries 3.. missing before it (deleted) ($T/t.db)"
tamper "delete tail" "DELETE FROM audit_log WHERE seq = 4" \
  "yuqing: audit: entry 4: entries 4.. missing at the end (deleted) ($T/t.db)"
tamper "delete tail and head" "DELETE FROM audit_log WHERE seq = 4; UPDATE audit_head SET seq = 3, hash = (SELECT hash FROM audit_log WHERE seq = 3)" \
  "yuqing: audit: entry 4: the recorded head hash is not in the chain (3 entries) ($T/t.db)" --head "$head"
tamper "swap" "UPDATE audit_log SET seq = 100 WHERE seq = 1; UPDATE audit_log SET seq = 1 WHERE seq = 2; UPDATE audit_log SET seq = 2 WHERE seq = 100" \
  "yuqing: audit: entry 1: its prev_hash is not the hash of entry 0 ($T/t.db)"
rc=0; "$YQ" audit verify --db "$DB" --head abc123 > /dev/null 2> "$T/h.err" || rc=$?
check_eq "--head not 64 hex digits: exit" "$rc" 2
check_eq "--head not 64 hex digits: message" "$(cat "$T/h.err")" \
  "yuqing: audit: --head is the 64 hex digits a verify printed, not 'abc123'"
# a handler's department must be in the case workflow's registry once it has one
R="$T/reg.db"
echo 'first-admin-password' | "$YQ" user add --db "$R" boss --role admin 2> /dev/null
"$YQ" cases departments --db "$R" --as boss --set 住建局 --categories 城乡建设 > /dev/null
"$YQ" cases departments --db "$R" --as boss --set 商务局 --categories 商贸旅游 > /dev/null
rc=0; echo 'long-enough-pw' | "$YQ" user add --db "$R" h1 --role handler --department 城管局 2> "$T/d.err" || rc=$?
check_eq "unregistered department: exit" "$rc" 2
check_eq "unregistered department: message" "$(cat "$T/d.err")" \
  "yuqing: user: unknown department '城管局' (the registry has: 住建局, 商务局)"
check_eq "unregistered department: not added" "$(q "$R" "SELECT count(*) FROM auth_users WHERE name = 'h1'")" 0
echo 'long-enough-pw' | "$YQ" user add --db "$R" h1 --role handler --department 商务局 2> /dev/null ||
  fail "registered department refused"
"$YQ" audit list --db "$DB" --after 2 --limit 1 > "$T/list.json"
check_eq "audit list" "$(/usr/bin/python3 -c 'import json,sys; e=json.load(open(sys.argv[1])); print(len(e), e[0]["seq"], e[0]["action"], e[0]["after"]["label"])' "$T/list.json")" "1 3 token.create ci"
finish
