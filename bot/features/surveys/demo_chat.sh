#!/usr/bin/env bash
# The survey end to end in the terminal (`make survey-demo`), on a database of its own
# (DEMO_DIR/survey-demo.sqlite3, DEMO_DIR defaulting to var/, recreated each run):
#   a demo dossier is handed over (status 10) → the invitation arrives → consent → answers,
#   one changed with "quay lại" → the assistant is stopped halfway and started again → the
#   survey resumes at the same question → submitted (with a feedback ticket) → a second attempt
#   is refused → staff see the index move (/baocao) and export the XLSX, which holds the response.
# Without NLU by default (fast, "chế độ dự phòng" notes); NLU=1 uses the real Rasa server.
set -euo pipefail
cd "$(dirname "$0")/../../.."
PY=${PY:-.venv/bin/python}
DEMO_DIR=${DEMO_DIR:-var}
DB=$DEMO_DIR/survey-demo.sqlite3
XLSX=$DEMO_DIR/survey-demo.xlsx
CODE=000.22.27.H49-261126-0003
RUN_ARGS=$([ "${NLU:-0}" = "1" ] && echo "" || echo "--no-nlu")
export TTHC_DATABASE__URL="sqlite+aiosqlite:///$(realpath -m "$DB")"
export TTHC_STAFF='["console:console-user"]'  # this terminal is also a staff chat, for /baocao and /xuatbaocao
export TTHC_SURVEYS__EXPORTS_DIR="$(realpath -m "$DEMO_DIR/exports")"  # where /xuatbaocao writes its file
FROM=$(TZ=Asia/Ho_Chi_Minh date +%Y-%m-01)
TO=$(TZ=Asia/Ho_Chi_Minh date +%F)
mkdir -p "$DEMO_DIR" && rm -f "$DB" "$DB-wal" "$DB-shm"

step() { printf '\n\033[1m===== %s =====\033[0m\n' "$*"; }
# One assistant process per call. WAIT: seconds before typing, so that queued notifications
# (the invitation) print first; the assistant takes a few seconds to start.
chat() { (sleep "${WAIT:-0}"; printf '%s\n' "$@") | "$PY" -m bot run $RUN_ARGS; }

step "0. Sample dossiers and sample survey responses (a fresh install)"
"$PY" -m bot dossiers demo | sed -n 1p  # sed reads it all: no broken pipe
"$PY" -m bot surveys demo

step "1. The citizen looks up dossier $CODE (result ready) and agrees to be notified; staff check the index"
chat "tra cứu hồ sơ $CODE" "9753" "có" "/baocao"

step "2. The one-stop system reports the result handed over (status 10: Đã trả kết quả)"
"$PY" -m bot dossiers import tests/data/surveys/demo_handover.csv

step "3. The invitation arrives; consent; answers, one changed with «quay lại»; then the assistant stops"
WAIT=${INVITE_WAIT:-10} chat "đánh giá" "đồng ý" "hài lòng" "4" "quay lại" "5" "2"

step "4. The assistant is started again: the survey resumes at the same question (câu 4/8) and is submitted"
chat "đánh giá" "5" "4" "chưa góp ý" "2" "Nên bớt các bản sao giấy tờ đã có trên VNeID" "gửi" "có" \
  "Cán bộ yêu cầu nộp thêm bản sao không có trong danh mục" \
  "đánh giá hồ sơ $CODE" "/baocao" "/xuatbaocao $FROM $TO"

step "5. Staff export from the command line (audited) and what the XLSX holds"
"$PY" -m bot export --from "$FROM" --to "$TO" --format xlsx -o "$XLSX" --no-progress
"$PY" - "$CODE" "$XLSX" <<'EOF'
import sys
from openpyxl import load_workbook

code, path = sys.argv[1], sys.argv[2]
wb = load_workbook(path, read_only=True)
rows = list(wb["Phiếu trả lời"].iter_rows(values_only=True))
header, mine = rows[0], [r for r in rows[1:] if code in r]
print(f"Sheets: {', '.join(wb.sheetnames)}")
print(f"«Phiếu trả lời»: {len(rows) - 1} responses; the one of {code}:")
for name, value in zip(header, mine[0]):
    print(f"  {name}: {value}")
print("«Chỉ số SIPAS», by element:")
for r in list(wb["Chỉ số SIPAS"].iter_rows(values_only=True))[4:11]:
    print("  " + " | ".join("" if v is None else str(v) for v in r[:3]))
EOF
