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
    "违约概率": "Probability of default", "评估模型": "Assessed by",
    "办理时限": "Deadline", "已超时": "Overdue", "剩余工作日": "Working days left",
    "受理": "Accept", "批准": "Approve", "拒绝": "Reject", "拒绝原因": "Reason for rejection",
    "撤回申请": "Withdraw", "授信额度": "Credit line", "年化利率": "Annual rate",
    "办理进度": "Timeline", "登记信息": "Registry card", "统一社会信用代码": "Unified social credit code",
    "法定代表人": "Legal representative", "成立日期": "Registered on", "注册资本": "Registered capital",
    "所属行业": "Industry", "所属镇街": "Town/street", "所属社区": "Community", "登记状态": "Status",
    "年报": "Annual report", "最近年报年度": "Latest annual report", "经营异常名录": "Abnormal-operations list",
    "未列入": "Not listed", "已列入": "Listed", "可以申请": "You may apply",
    "请先处理以下事项": "Please resolve the following first", "前往办理": "Go there",
    "待受理": "To accept", "待审批": "Awaiting approval",
    "待第二位审批": "Awaiting a second approver", "处理中": "In progress", "全部": "All", "超时订单": "Late orders",
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
    # Loan servicing, the calculator and risk sharing
    "我的贷款": "My loans", "资产组合": "Portfolio", "担保业务": "Guarantees", "借款试算": "Loan calculator",
    "有效": "Active", "已冻结": "Frozen", "已到期": "Expired", "已关闭": "Closed",
    "还款中": "Repaying", "已结清": "Settled", "已违约": "Defaulted", "已代偿": "Compensated",
    "部分代偿": "Partly compensated",
    "先息后本": "Interest first", "等额本金": "Equal principal", "等额本息": "Equal installments",
    "放款": "Disbursement", "计息": "Accrual", "到期转逾期": "Overdue transfer", "还款": "Repayment",
    "代偿": "Compensation", "追偿": "Recovery",
    "本金": "Principal", "逾期本金": "Overdue principal", "应计利息": "Accrued interest",
    "逾期利息": "Overdue interest", "罚息": "Penalty interest", "担保费": "Guarantee fee",
    "逾期担保费": "Overdue guarantee fee", "合计": "Total",
    "已用额度": "Used", "可用额度": "Available", "年": "year", "有效期": "Valid", "有效期至": "Valid until",
    "状态说明": "Status note", "申请用信": "Draw on the line", "用信": "Drawdown", "用信金额": "Drawdown amount",
    "不超过": "up to", "输入用信金额后显示还款计划": "Enter an amount to see the repayment schedule",
    "确认用信": "Draw", "起息日为今日；资金当日发放。": "Interest starts today; the money is paid out today.",
    "额度已全部使用，归还本金后可再次用信。": "The line is fully used; repaid principal can be drawn again.",
    "该额度当前不能用信。": "This line takes no drawdowns at present.",
    "暂无授信额度": "No credit lines yet", "前往产品超市申请融资": "Apply in the product supermarket",
    "我的用信": "My drawdowns", "用信编号": "Drawdown no.", "放款日": "Paid out", "到期日": "Maturity",
    "剩余本金": "Principal outstanding", "逾期金额": "Overdue", "应还合计": "Total owed",
    "逾期天数": "Days past due", "暂无用信": "No drawdowns yet",
    "用信金额超过可用额度，提交时将被拒绝": "The amount is above the available limit and will be refused",
    "每月还款（月供）": "Monthly payment", "首期还款": "First payment", "利息合计": "Total interest",
    "担保费合计": "Total guarantee fee", "融资总成本": "Total cost of financing", "单位：元": "Amounts in yuan",
    "还款总额": "Total repaid", "按未取整月供计算的利息总额": "Total interest from the unrounded payment",
    "其他银行计算器常用的口径": "as published bank calculators print it",
    "按月计划测算；随借随还，实际利息和担保费按实际用款天数计算。":
        "Estimated by month; interest and fee are charged for the days the money is actually used.",
    "期数": "No.", "还款日": "Due date", "利息": "Interest", "本期合计": "Due", "借款金额": "Amount",
    "无担保的产品填 0。": "Enter 0 for a product without a guarantee.", "计算": "Calculate",
    "重信贷融资成本示例": "What Chongxindai costs: an example",
    "五级分类": "Classification", "当前余额": "Balances", "用信信息": "Drawdown", "贷款银行": "Bank",
    "还款金额": "Amount to repay", "当前应付利息、费用及到期款项": "Interest, fees and amounts due now:",
    "一次结清全部欠款（含提前归还的本金）需还款": "To settle everything, principal included, repay",
    "还款依次冲抵罚息、逾期款项、利息和担保费，余额提前归还本金；提前还款后还款计划重新排定。":
        "A repayment pays penalty interest, overdue amounts, interest and fees first; the rest prepays "
        "principal and the schedule is recast.",
    "确认还款": "Repay", "还款计划": "Repayment schedule", "还款计划预览": "Schedule preview",
    "应还本金": "Principal due",
    "计划利息": "Scheduled interest", "已还本金": "Principal paid", "逾期未还": "Overdue unpaid",
    "已作废（提前还款后重排）": "Superseded (recast after a prepayment)", "逾期": "Overdue", "已还": "Paid",
    "今日到期": "Due today", "未到期": "Not yet due",
    "计划利息按月计算；实际利息按日计息，以交易流水为准。":
        "Scheduled interest is monthly; interest is charged by the day, as the statement shows.",
    "交易流水": "Statement", "各科目的变动（元）：正数为应收增加，负数为减少。":
        "Change of each account (yuan): positive adds to what is owed, negative reduces it.",
    "日期": "Date", "业务": "Transaction",
    "分类": "Category", "笔数": "Count", "占比": "Share", "笔": "", "用信明细": "Drawdowns",
    "未结清的用信（含已违约、已代偿）按逾期天数与违约、代偿状态分类：违约或代偿的至少为次级。":
        "Outstanding drawdowns (defaulted and compensated ones included) are classified by days past due and by "
        "default or compensation: a defaulted or compensated drawdown is at least substandard.",
    "当前有逾期的用信": "Drawdowns with overdue amounts:",
    "授信额度管理": "Credit lines", "冻结 / 解冻": "Freeze / unfreeze", "原因": "Reason",
    "冻结原因（必填）": "Reason for freezing (required)", "解冻原因（必填）": "Reason for unfreezing (required)",
    "冻结": "Freeze", "解冻": "Unfreeze",
    "在保笔数": "Guaranteed drawdowns", "我方分担余额": "Our share outstanding", "累计代偿": "Compensated",
    "累计追回": "Recovered", "在保业务": "Exposures", "分担比例": "Share", "我方分担": "Our share",
    "暂无在保业务": "No exposures", "我方分担 = 应还合计 × 风险分担协议中的我方比例；违约时按此金额代偿。":
        "Our share = total owed × our share in the risk-sharing agreement; on default we compensate this amount.",
    "代偿与追偿": "Compensation and recovery", "代偿日期": "Compensated on", "代偿金额": "Compensated",
    "已追回": "Recovered", "待追偿": "To recover", "暂无代偿": "No compensations",
    # The audit log
    "谁查看了我的信息": "Who looked at my information", "操作机构": "Acting organisation", "涉及企业": "Enterprise",
    "涉及企业（统一社会信用代码）": "Enterprise (unified social credit code)", "起始日期": "From",
    "截止日期": "To", "查询": "Search", "序号": "No.", "对象": "Subject", "事由": "Purpose",
    "来源地址": "Address", "机构": "Organisation", "上一页": "Previous", "下一页": "Next",
    "操作者": "Acted by", "接口客户端": "API client", "系统任务": "Platform job", "命令行": "Command line",
    "未登录访客": "Visitor (not signed in)",
    "没有符合条件的记录": "No matching entries", "返回我的信用档案": "Back to my credit file",
    "暂无其他机构查看贵企业信息的记录": "No other organisation has looked at your information yet",
    "审计日志只增不改，每一条都以国密SM3哈希与前一条相链；任何改动或删除都可由“xinyidai audit verify”查出。":
        "The audit log is append-only; each entry is chained to the previous one by an SM3 hash, so any change "
        "or deletion is found by “xinyidai audit verify”.",
    "其他机构查阅、核验或处理贵企业信息的每一次记录，包括事由和时间。如有疑问，可向平台提出异议。":
        "Every time another organisation read, verified or acted on your information, with its purpose and "
        "time. If something looks wrong, raise an objection with the platform.",
    # Authorisations (consent)
    "我的授权": "My authorisations", "被授权机构": "Recipient", "授权用途": "Purpose", "信息类别": "Categories",
    "数据期间": "Data period", "授权方式": "Mode", "撤销授权": "Revoke",
    "暂无授权记录": "No authorisations yet", "授权已撤销": "Authorisation revoked", "不限": "Any",
    "融资申请审批": "Financing application review", "贷后管理": "Post-loan management",
    "信用报告下载": "Credit report download", "一次性": "One-time", "有效期内多次": "Periodic",
    "未生效": "Not yet valid", "已撤销": "Revoked", "已过期": "Expired", "已使用": "Used",
    "贵企业授权机构查询、使用本主体信用信息的每一项记录。申请融资时即授权受理银行和平台；撤销后，对方的下一次查询即被拒绝。":
        "Every authorisation your enterprise gave an institution to read and use its credit information. Applying "
        "for financing authorises the bank and the platform; once revoked, their next request is refused.",
    # Navigation menus and the pages they lead to.
    "信用信息": "Credit information", "数据归集": "Data collection", "监督": "Oversight",
    "模型": "Models", "机构与用户": "Organisations and users", "更多": "More", "运维": "Operations",
    "异议与修复": "Objections and repairs", "我的信用档案": "My credit file", "上传数据文件": "Upload a data file",
    "批次记录": "Batches", "信用信息目录": "Credit information catalogue", "归集进度": "Collection progress",
    "查阅信用档案": "Look up a credit file", "下载企业信用报告": "Download a credit report",
    "核验信用报告": "Verify a credit report", "模型沙箱": "Model sandbox",
    "授权机构模型计算": "Authorise a model run", "评分批次": "Scoring runs", "模型版本": "Model versions",
    "入驻审核": "Institution applications", "机构接入": "Connection", "我的异议": "My objections",
    "信用修复": "Credit repair", "异议处理": "Objections to answer", "修复审核": "Repairs to review",
    "我的信用修复": "My credit repairs", "异议总览": "Objections", "信用修复总览": "Credit repairs",
    "异议与修复总览": "Objections and repairs overview", "异议": "Objections",
    "逾期未答复的异议": "Objections not answered in time", "审核中的信用修复申请": "Credit repairs under review",
    "日终处理": "End of day", "执行记录": "Runs", "待办": "To do", "信用档案": "Credit file", "信易查": "Credit lookup",
    "新增授权": "New authorisation", "机构入驻审核": "Institution applications",
    "模型沙箱（可用不可见）": "Model sandbox (usable, not visible)", "上传模型": "Upload a model",
    "贵机构的模型": "Your models", "平台特征目录": "Platform feature catalogue", "信用画像": "Credit portrait",
    "空白模板下载": "Blank templates", "未绑定报送单位": "No reporting body bound", "字段与编辑": "Fields and editing",
    # Buttons.
    "上传并导入": "Upload and load", "上传并校验": "Upload and check",
    "下一步：确认授权内容": "Next: confirm what you authorise",
    "下载信用报告（PDF）": "Download the credit report (PDF)",
    "下载信用报告（PDF，免费）": "Download the credit report (PDF, free)", "查阅": "Look up", "核验": "Verify",
    "测一测": "Check my chances", "确认": "Confirm", "取消": "Cancel", "返回": "Back",
    "确认撤销授权": "Confirm the revocation", "确认撤销": "Revoke",
    "执行下一日日终": "Run the next day's end of day", "确认执行日终": "Run end of day",
    "登记追偿": "Record a recovery", "追偿记录": "Recoveries", "追偿日期": "Recovered on",
    "追回金额": "Amount recovered",
    "暂无追偿记录": "No recoveries yet",
    # Password change.
    "修改密码": "Change password", "当前密码": "Current password", "新密码": "New password",
    "确认新密码": "Confirm the new password", "密码已修改": "Your password was changed",
    "您的初始密码曾由他人经手，请先设置只有您知道的新密码，之后才能使用平台。":
        "Your initial password passed through other hands: set a new one only you know before using the platform.",
    "至少10位，同时包含字母和数字；不能是常见密码，也不能包含您的用户名或姓名。":
        "At least 10 characters with letters and digits; not a common password, and not containing your names.",
    # Separation of duties (审贷分离) and the firm's exposure on the order page.
    "客户经理审批建议": "Loan officer's proposal",
    "超过产品审批限额，须两位信贷主管审批": "Above the product's limit: two managers must approve",
    "信贷主管退回": "Returned by the manager", "审贷分离：客户经理提出审批建议，由信贷主管审批。":
        "Separation of duties: the loan officer proposes, a credit manager approves.",
    "额度超过": "Lines above", "元须两位信贷主管审批": "yuan need two managers' approval",
    "提交审批建议": "Submit proposal", "已有一位信贷主管审批，您的审批为第二签。":
        "One manager has approved; yours is the second signature.",
    "审批意见": "Approver's note", "退回原因": "Reason for returning", "退回客户经理": "Return to the officer",
    "审批建议已提交，等待其他信贷主管审批（提出或已审批建议的人不能再审批）。":
        "The proposal awaits another manager's approval (whoever proposed or approved it may not approve it).",
    "该企业在平台上的授信与申请": "The firm's lines and applications on the platform",
    "在企业授权范围内显示；有效授信合计": "Shown under the firm's authorisation; live lines total",
    "本产品每户仅限一笔有效授信": "this product allows one live line per firm", "银行": "Bank", "额度": "Limit",
    "已用": "Used", "同一产品": "same product", "无有效授信": "No live line",
    "其他申请": "Other applications", "无其他在办申请": "No other open application",
}


def language_of(request: Request) -> str:
    """The visitor's chosen language."""
    lang = request.cookies.get(LANG_COOKIE, DEFAULT_LANGUAGE)
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def translate(text: str, lang: str) -> str:
    """`text` (Chinese) in `lang`."""
    return EN.get(text, text) if lang == "en" else text
