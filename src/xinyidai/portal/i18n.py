"""Portal languages: Simplified Chinese first, English available.

Templates write the Chinese text and wrap it in `_()`; the English catalogue maps it. A missing
English entry falls back to the Chinese, never to a key.
"""

from __future__ import annotations

from fastapi import Request

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
LANG_COOKIE = "lang"

EN: dict[str, str] = {
    "信易贷·融资信用服务平台": "Xinyidai Financing Credit Service Platform",
    "首页": "Home", "登录": "Log in", "退出": "Log out", "注册": "Register", "用户名": "Username",
    "密码": "Password", "企业首页": "Enterprise home", "银行工作台": "Bank workbench",
    "机构管理": "Organisations", "用户管理": "Users", "产品超市": "Products", "我的订单": "My orders",
    "订单": "Order", "订单号": "Order no.", "状态": "Status", "申请金额": "Amount requested",
    "期限": "Term", "月": "months", "还款方式": "Repayment", "资金用途": "Use of funds",
    "提交申请": "Submit application", "申请融资": "Apply", "预估额度": "Estimated line",
    "预估利率": "Estimated rate", "信用评分": "Credit score", "评估依据": "Basis of the estimate",
    "办理时限": "Deadline", "已超时": "Overdue", "剩余工作日": "Working days left",
    "受理": "Accept", "批准": "Approve", "拒绝": "Reject", "拒绝原因": "Reason for rejection",
    "撤回申请": "Withdraw", "授信额度": "Credit line", "年化利率": "Annual rate",
    "办理进度": "Timeline", "登记信息": "Registry card", "统一社会信用代码": "Unified social credit code",
    "法定代表人": "Legal representative", "成立日期": "Registered on", "注册资本": "Registered capital",
    "所属行业": "Industry", "所属镇街": "Town/street", "所属社区": "Community", "登记状态": "Status",
    "年报": "Annual report", "最近年报年度": "Latest annual report", "经营异常名录": "Abnormal-operations list",
    "未列入": "Not listed", "已列入": "Listed", "可以申请": "You may apply",
    "请先处理以下事项": "Please resolve the following first", "前往办理": "Go there",
    "待受理": "To accept", "处理中": "In progress", "全部": "All", "超时订单": "Late orders",
    "企业": "Enterprise", "产品": "Product", "提交时间": "Submitted", "操作": "Actions", "查看": "View",
    "机构名称": "Name", "类型": "Kind", "角色": "Roles", "新增": "Add", "保存": "Save",
    "实名注册": "Real-name registration", "法定代表人（经营者）姓名": "Legal representative's name",
    "身份证号码": "ID number", "显示名称": "Display name", "语言": "Language",
    "授权": "Authorisation", "担保费率": "Guarantee fee", "最高额度": "Maximum line", "利率区间": "Rate range",
    "元": "yuan", "万元": "10k yuan", "暂无订单": "No orders yet", "暂无数据": "Nothing yet",
    "银行决定": "Bank decision", "备注": "Note", "登录失败": "Login failed", "出错了": "Something went wrong",
    "返回首页": "Back home", "无权访问": "Access denied", "页面不存在": "Page not found",
    "平台管理": "Administration", "最近登录": "Last login", "停用": "Suspended", "正常": "Active",
    "所属机构": "Organisation", "我同意授权": "I authorise",
    "还没有账号？": "No account yet?", "已有账号？": "Have an account?",
    "审计日志": "Audit log", "我的账户": "My account", "时间": "Time", "动作": "Action", "结果": "Outcome",
}


def language_of(request: Request) -> str:
    """The visitor's chosen language."""
    lang = request.cookies.get(LANG_COOKIE, DEFAULT_LANGUAGE)
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def translate(text: str, lang: str) -> str:
    """`text` (Chinese) in `lang`."""
    return EN.get(text, text) if lang == "en" else text
