"""The piped terminal demo (bot/features/surveys/demo_chat.sh): real processes, a restart mid-survey."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CODE = "000.22.27.H49-261126-0003"


def test_piped_demo_invites_resumes_after_restart_refuses_twice_and_exports(tmp_path: Path) -> None:
    env = {**os.environ, "DEMO_DIR": str(tmp_path), "INVITE_WAIT": "0", "PY": sys.executable,
           "DOSSIER_HASH_KEY": "test-survey-demo-hash-key-01234567"}
    script = ROOT / "bot/features/surveys/demo_chat.sh"
    done = subprocess.run(["bash", str(script)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    out = done.stdout
    assert done.returncode == 0, done.stderr[-3000:]
    step3, step4 = out.split("===== 3.")[1].split("===== 4.")
    # The invitation arrives (outbox), consent, «quay lại» changes an answer, the process ends at câu 4/8.
    assert f"Trợ lý (thông báo): Dạ, hồ sơ {CODE} của Anh/Chị đã trả kết quả" in step3
    assert "(Anh/Chị đã trả lời: Hài lòng)" in step3
    assert step3.rstrip().split("Bạn: ")[-1].split("\n", 1)[1].lstrip().startswith("Trợ lý: Câu 4/8")
    # A new process resumes at the same question, submits once, refuses a second attempt.
    assert "mình tiếp tục phiếu đánh giá hồ sơ" in step4 and "\nCâu 4/8:" in step4
    assert "em đã ghi nhận đánh giá của Anh/Chị" in step4 and "Mã theo dõi: PA-" in step4
    assert f"hồ sơ {CODE} đã được đánh giá rồi ạ" in step4
    # The index moved by one response: /baocao before and after.
    before, after = (int(n) for n in re.findall(r"mẫu phiếu «short»: (\d+) phiếu đã gửi", out))
    assert after == before + 1
    assert "Dạ, em gửi file báo cáo sipas_" in step4
    # The XLSX from the command line holds the response as answered.
    assert f"Mã hồ sơ: {CODE}" in out and "2. Tiếp cận dịch vụ: 5" in out and "3. Thủ tục hành chính: 2" in out
    assert (tmp_path / "survey-demo.xlsx").is_file()
