"""`xinyidai demo generate` prints its logins whole in an 80-column terminal."""

from __future__ import annotations

import io

from rich.cells import cell_len
from rich.console import Console

from xinyidai.demo.cli import print_logins
from xinyidai.demo.generator import DemoLogin

LOGINS = [
    DemoLogin(role="银行客户经理（Bank loan officer）", username="bank.officer.chongqing.nanan",
              organisation="重庆农村商业银行股份有限公司南岸支行营业部小微企业金融服务中心",
              note="受理、审批融资申请，查看资产组合与贷后预警；可在模型沙箱中运行本行模型"),
    DemoLogin(role="企业管理员", username="enterprise.demo", organisation="重庆兴旺物流有限公司"),
]


def test_every_login_is_printed_whole_at_80_columns() -> None:
    out = io.StringIO()
    print_logins(Console(file=out, width=80, force_terminal=False, color_system=None), LOGINS, password="Demo2026!pw")
    text = out.getvalue()
    assert "…" not in text
    assert all(cell_len(line) <= 80 for line in text.splitlines())
    joined = "".join(line.strip() for line in text.splitlines())  # a long name may wrap, never be cut
    for login in LOGINS:
        assert login.username in text and login.organisation in joined and login.note in joined
    assert "Demo2026!pw" in text
