"""Portal languages: Simplified Chinese first, English available.

Templates write the Chinese text and wrap it in `_()`; the English catalogue maps it. A missing
English entry falls back to the Chinese, never to a key. A template writes no Chinese outside `_()`, punctuation
between its words and a value included (`{{ _("（") }}`, `{{ _("：") }}` become " (" and ": "); words the code
hands it (a status, a role) go through `_()` too. What is data (a firm's name, a catalogue item, a record) is
shown as it is, inside an element marked `data-value`. tests/unit/test_i18n.py and
tests/integration/foundation/test_english_pages.py hold templates and pages to this.
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
    "收获季一次还本": "Principal after the harvest",
    # The financial supermarket: products as data, their review and smart matching
    "纯信用": "Pure credit", "担保": "Guaranteed", "税易贷类": "Tax-based", "涉农": "Agricultural",
    "产业链": "Industry chain", "政策贴息": "Policy-subsidised",
    "按信用评价定价": "Priced by the credit evaluation", "固定利率": "Fixed rate",
    "无担保": "No guarantee", "担保公司分险": "Guarantee company's share",
    "核心企业确权": "Chain leader's confirmation",
    "按信用评价核定额度": "Line by the credit evaluation", "按种植面积核定额度": "Line by planted area",
    "待审核": "Waiting for review", "已上架": "On the shelf", "已退回": "Returned", "已生效": "In force",
    "已被替代": "Superseded",
    "修改金融产品条款（新版本）": "Change a product's terms (new version)",
    "提交金融产品审核": "Submit a product for review", "审核通过金融产品（上架）": "Approve a product (shelve it)",
    "退回金融产品": "Return a product", "下架金融产品": "Withdraw a product",
    "智能匹配金融产品": "Match products to the firm",
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
    # A clerk (经办人) prepares an application or a grant; the firm's administrator confirms or discards it.
    "提交管理员确认": "Submit for the administrator to confirm", "准备申请": "Prepare an application",
    "您是企业经办人：填写后提交企业管理员确认。管理员确认提交前，银行看不到这笔申请，本企业也未授权任何机构查询信用信息。":
        "You are a clerk: fill this in and submit it for your administrator to confirm. Until then no bank sees "
        "the application and your firm has authorised no one to read its credit information.",
    "待管理员确认的融资申请": "Applications awaiting the administrator",
    "经办人准备的申请须由企业管理员确认后才提交银行；确认前银行看不到，本企业也未授权任何机构。":
        "An application a clerk prepared goes to the bank only once the administrator confirms it; until then no "
        "bank sees it and nothing is authorised.",
    "已放弃该待确认的融资申请": "The prepared application was discarded",
    "准备人": "Prepared by", "准备时间": "Prepared at", "处理时间": "Decided at", "经办人": "clerk",
    "查看并确认": "Review and confirm", "待确认的融资申请": "Application awaiting confirmation",
    "返回企业首页": "Back to the enterprise home",
    "已提交企业管理员确认。管理员确认提交前，银行看不到这笔申请。":
        "Submitted to the administrator. No bank sees the application until the administrator confirms it.",
    "确认提交": "Confirm and submit", "确认并提交申请": "Confirm and submit the application",
    "等待企业管理员确认。确认提交前银行看不到这笔申请。":
        "Waiting for the administrator to confirm. No bank sees the application until then.",
    "放弃该申请": "Discard this application",
    "您是企业经办人：授权须由企业管理员确认后才生效。提交后，管理员在“我的授权”中确认或放弃；确认前对方看不到、也不能使用。":
        "You are a clerk: an authorisation takes effect only once the administrator confirms it on My "
        "authorisations. Until then the institution neither sees nor uses it.",
    "待管理员确认的授权": "Authorisations awaiting the administrator",
    "经办人准备的授权须由企业管理员确认后才生效；确认前对方看不到、也不能使用。":
        "An authorisation a clerk prepared takes effect only once the administrator confirms it; until then the "
        "institution neither sees nor uses it.",
    "已放弃该待确认的授权": "The prepared authorisation was discarded",
    "自确认起": "From confirmation, ", "待确认的授权": "Authorisation awaiting confirmation",
    "已提交企业管理员确认。管理员确认前，该授权不生效，对方看不到。":
        "Submitted to the administrator. The authorisation takes no effect, and the institution does not see it, "
        "until the administrator confirms it.",
    "授权内容": "What is authorised",
    "等待企业管理员确认。确认前该授权不生效，对方看不到。":
        "Waiting for the administrator to confirm. Until then the authorisation takes no effect.",
    "放弃该授权": "Discard this authorisation", "确认该授权": "Confirm this authorisation",
    "待管理员确认": "Awaiting the administrator", "已确认": "Confirmed", "已放弃": "Discarded",
    "准备授权（待管理员确认）": "Prepare an authorisation (for the administrator to confirm)",
    "确认经办人准备的授权": "Confirm an authorisation a clerk prepared",
    "放弃经办人准备的授权": "Discard an authorisation a clerk prepared",
    "准备融资申请（待管理员确认）": "Prepare a financing application (for the administrator to confirm)",
    "确认提交经办人准备的融资申请": "Confirm a financing application a clerk prepared",
    "放弃经办人准备的融资申请": "Discard a financing application a clerk prepared",
    # The order's whole life: needs to several banks, offers, renewal, deferral, supervision.
    "申请延期还本": "Request deferral of principal",
    "当前到期日": "Current maturity",
    "延期还本：银行批准后，剩余本金按原还款方式在新的到期日前重新排定还款计划，利息按合同利率继续计收；原还款计划保留为已被替代。最长延期12个月，新的到期日为每月还款日。":
        "Deferral of principal: once the bank approves, the remaining principal is rescheduled by the same repaymen"
        "t method up to the new maturity, interest keeps accruing at the contract rate, and the old schedule is kep"
        "t as superseded. At most 12 months; the new maturity is a monthly due day.",
    "该产品不提供延期还本": "This product does not allow deferral of principal",
    "只有企业管理员可以申请延期还本。": "Only the firm's administrator may request a deferral.",
    "新的到期日": "New maturity",
    "延期原因": "Reason for the deferral",
    "本主体授权该银行在延期还本审批中查询、使用本主体在平台归集的信用信息。":
        "The entity authorises the bank to look up and use its credit information on the platform to review the def"
        "erral.",
    "提交延期还本申请": "Request the deferral",
    "一次需求，多家银行：同一笔融资需求可同时发送给最多三家银行的产品，各银行独立审批，您选择其中一家的批复。":
        "One need, several banks: send one financing need to up to three banks' products at once; each bank decides"
        " independently and you take one offer.",
    "发送融资需求给多家银行": "Send a need to several banks",
    "融资需求": "Financing need",
    "融资需求已发送给所选银行，各银行将在10个工作日内办结。":
        "The need was sent to the chosen banks; each will decide within 10 working days.",
    "您已接受该银行的批复，授信额度即将开立；其他银行的申请已撤回并已通知银行。":
        "You accepted this bank's offer; the credit line opens shortly. The other banks' orders were withdrawn and "
        "the banks told.",
    "各银行办理情况": "Each bank's handling",
    "我确认接受该银行的批复，其他银行的申请将撤回，不能恢复":
        "I confirm I accept this bank's offer; the other banks' orders will be withdrawn for good",
    "接受该批复": "Accept this offer",
    "一次需求，多家银行：选择最多三家不同银行的产品，同一笔需求分别提交给每家银行，各银行独立审批。银行批准后，您在融资需求页比较各银行批复并接受其中一家，其他银行的申请将自动撤回并通知银行。":
        "One need, several banks: choose up to three products of different banks; the need goes to each bank, which"
        " decides independently. Compare the offers on the need's page and accept one; the other banks' orders are "
        "withdrawn and the banks told.",
    "只有企业管理员可以发送融资需求（提交即授权银行查询本主体信用信息）。":
        "Only the firm's administrator may send a need (sending it authorises the banks to read the entity's credit"
        " information).",
    "选择产品（最多三个，每家银行一个）": "Choose products (up to three, one per bank)",
    "本主体授权平台及所选各家银行在本次融资需求审批中查询、使用本主体在平台归集的信用信息，授权有效期90天，仅限融资用途，不得提供给第三方。":
        "The entity authorises the platform and each chosen bank to look up and use its credit information on the p"
        "latform to review this need, for 90 days, for financing only and not to be given to third parties.",
    "发送融资需求": "Send the need",
    "申请原因": "Reason",
    "查看各银行批复": "See each bank's answer",
    "申请延至": "Requested maturity",
    "撤回原因": "Reason for withdrawal",
    "这是银行对您融资需求的批复，请在融资需求页比较各银行批复后接受其中一家。":
        "This is a bank's offer for your need; compare the offers on the need's page and accept one.",
    "比较并接受批复": "Compare and accept offers",
    "审贷分离：客户经理按企业申请的新到期日提出延期还本建议，由信贷主管审批；剩余本金按合同利率重新排定还款计划。":
        "Maker-checker: the loan officer proposes the deferral to the requested maturity and a manager approves it;"
        " the remaining principal is rescheduled at the contract rate.",
    "提交延期还本建议": "Propose the deferral",
    "原因将告知银行": "The bank will be told the reason",
    "我确认撤回该申请，撤回后不能恢复": "I confirm I withdraw this application; it cannot be restored",
    "监管督办": "Supervisory prompt",
    "督办意见": "Prompt",
    "银行答复": "Bank's answer",
    "答复督办": "Answer the prompt",
    "等待银行答复": "Awaiting the bank's answer",
    "申请续贷": "Request renewal",
    "续贷申请期": "Renewal window",
    "续贷（无还本续贷）：额度到期前90天至30天之间可申请，无需先归还存量用信；银行审批通过后额度有效期自原到期日起延续，存量用信不受影响。":
        "Renewal (without repaying first): request it between 90 and 30 days before the line expires; once approved"
        " the line's validity runs on from the old expiry and outstanding drawdowns are unaffected.",
    "该产品不提供续贷": "This product does not allow renewal",
    "只有企业管理员可以申请续贷。": "Only the firm's administrator may request a renewal.",
    "续贷原因": "Reason for the renewal",
    "本主体授权该银行在续贷审批中查询、使用本主体在平台归集的信用信息。":
        "The entity authorises the bank to look up and use its credit information on the platform to review the ren"
        "ewal.",
    "提交续贷申请": "Request the renewal",
    "服务质量监督": "Service-quality supervision",
    "超过10个工作日办理时限仍未办结的订单，按银行列出；可向银行督办，银行的答复记入订单办理进度。":
        "Orders still open past their 10-working-day deadline, by bank; prompt the bank, and its answer goes on the"
        " order's timeline.",
    "督办已发送给银行": "The prompt was sent to the bank",
    "目前没有超时未办结的订单": "No order is past its deadline",
    "待答复的监管督办": "Supervisory prompts awaiting your answer",
    "督办时间": "Prompted at",
    "查看并答复": "View and answer",
    "融资申请": "Financing application",
    "续贷申请": "Renewal request",
    "延期还本申请": "Deferral request",
    "银行答复督办": "Bank answered the prompt",
    "已选定银行": "Offer accepted",
    "已结束": "Closed",
    "已批准，待企业接受": "Approved, awaiting the firm's acceptance",
    "企业已选择其他银行": "Firm chose another bank",
    "批准融资需求中的申请（待企业接受）": "Approve an order of a need (offer)",
    "接受银行批复": "Accept a bank's offer",
    "谢绝银行批复（已接受其他银行）": "Decline an offer (another accepted)",
    "授信额度续贷": "Renew a credit line",
    "用信延期还本": "Defer a drawdown's principal",
    "申请续贷（到期前90至30天）": "Request renewal (90 to 30 days before expiry)",
}


# Form labels, table headers and the rest of the pages' fixed text, context by context, with the words the code
# hands to them (roles, statuses, choices) and the punctuation between words and values. Kept apart from the
# catalogue above, so that entries added there and here do not collide.
EN.update({
    # Punctuation between a template's words and the values it shows.
    "（": " (", "）": ")", "：": ": ", "，": ", ", "。": ". ", "；": "; ", "、": ", ",
    # Vocabulary the portal shows from the code: roles, kinds of organisation, statuses, choices.
    "市场主体": "Market entity", "担保公司": "Guarantee company", "信用服务机构": "Credit agency",
    "政府部门": "Government department", "平台运营方": "Platform operator",
    "企业管理员": "Enterprise administrator", "企业经办人": "Enterprise clerk", "银行客户经理": "Loan officer",
    "银行信贷主管": "Credit manager", "担保业务员": "Guarantee officer", "信用服务分析员": "Credit analyst",
    "部门数据专员": "Department data officer", "政府监管人员": "Government supervisor",
    "平台管理员": "Platform administrator", "机构管理员": "Institution administrator",
    "已提交": "Submitted", "银行已受理": "Accepted by the bank", "待第二位审批人审批": "Awaiting a second approver",
    "已批准": "Approved", "已拒绝": "Rejected", "已撤回": "Withdrawn",
    "关注": "Special mention", "次级": "Substandard", "可疑": "Doubtful", "损失": "Loss",
    "草稿": "Draft", "已发布": "Published", "已下架": "Withdrawn from sale",
    "已更正": "Corrected", "维持原记录": "Record upheld", "审核中": "Under review",
    "已修复": "Repaired", "不予修复": "Repair refused",
    "公开": "Public", "需授权": "Needs authorisation", "受限": "Restricted",
    "实时": "Real time", "每日": "Daily", "每月": "Monthly", "每季度": "Quarterly", "每年": "Yearly",
    "变更时": "On change",
    "总对总": "National channel", "物理归集": "Bulk import", "接口调用": "API push", "自主填报": "Self-report",
    "平台产生": "Platform", "国家总对总共享": "National channel", "本地归集": "Local collection",
    "文本": "Text", "年月": "Year and month", "年度": "Year", "整数": "Integer", "金额（元）": "Amount (yuan)",
    "数值": "Number", "选项": "Choice", "是/否": "Yes/no",
    "导入中": "Loading", "已入库": "Loaded", "已拒收": "Refused",
    "符合": "Matches", "不符合": "Does not match", "来源部门无该主体信息": "The source holds nothing on this entity",
    "来源部门暂未响应": "The source did not answer",
    "模型可用不可见计算": "Model run (usable, not visible)",
    "数据质量核查": "Data quality check", "监督检查": "Supervisory inspection",
    "企业自主填报（信用承诺）": "Self-reported by the enterprise (credit commitment)",
    "身份稳定": "Identity and stability", "经营状况": "Business operations", "合规守信": "Compliance",
    "财务纳税": "Finance and tax", "司法涉诉": "Litigation", "社会责任": "Social responsibility",
    "冠军模型评分卡": "Champion scorecard",
    "规则评估（未启用冠军模型或模型未采用该维度特征）":
        "Rules (no champion model, or the model does not use this dimension's features)",
    "授权未涵盖": "Not covered by the authorisation",
    "越高风险越大": "Higher is riskier", "越低风险越大": "Lower is riskier",
    "进行中": "Running", "已完成": "Done", "失败": "Failed", "定时任务": "Schedule", "管理端": "Admin portal",
    "建议准入": "Approve", "建议拒绝": "Decline", "需先整改": "Remedy first", "评分失败": "Scoring failed",
    "候选": "Candidate", "冠军（在用）": "Champion (in use)", "已退役": "Retired",
    "已通过校验": "Validated",
    "未登记的市场主体": "Not a registered market entity", "未授权或授权已失效": "No authorisation, or it has lapsed",
    "授权未涵盖模型所用的信息类别": "The authorisation does not cover the model's categories",
    "模型未给出有效分数": "The model gave no valid score", "运行被终止，未得出分数": "The run was stopped; no score",
    "完成": "Done", "超时终止": "Stopped: time limit", "超出内存限制终止": "Stopped: memory limit",
    "运行失败": "Run failed", "沙箱繁忙，未运行": "Sandbox busy; not run",
    "真实有效：该报告由本平台出具": "Genuine: this report was issued by the platform",
    "未找到：本平台未出具过该校验码对应的报告": "Not found: the platform issued no report under this code",
    "文件不一致：校验码真实，但所提交的文件与平台出具的报告不一致，可能已被篡改":
        "File differs: the code is genuine, but the file is not the report the platform issued; it may have been "
        "altered",
    # Audit log pager and counts
    "第": "Page", "页": "", "共": "Total:", "条": "entries",
    # Authorisations (consent)
    "新增授权（信用报告下载、贷后管理）": "New authorisation (credit report download, post-loan management)",
    "已授权": "Authorised", "，业务编号": ", reference",
    "。请将业务编号告知被授权机构，对方凭此查询。": ". Give the reference to the recipient; it quotes it to query.",
    "授权银行、担保机构或信用服务机构下载贵企业的信用报告，授权放款银行对贵企业的某笔贷款进行贷后管理，或授权银"
    "行、信用服务机构的模型在平台内对贵企业的数据进行计算（模型可用不可见：机构只得到评分，看不到数据）。申请融"
    "资时对受理银行的授权已随申请完成，无需在此办理。":
        "Authorise a bank, guarantee company or credit agency to download your credit report, the lending bank to "
        "manage one of your loans after it is made, or a bank's or agency's model to compute on your data inside "
        "the platform (usable, not visible: the institution gets a score and never sees the data). Applying for "
        "financing already authorises the bank that handles it; nothing to do here for that.",
    "返回我的授权": "Back to my authorisations", "请确认授权内容": "Please confirm what you authorise",
    "确认授权": "Authorise", "请选择": "Choose…",
    "贷后管理针对的贷款或产业链信用共同体（仅贷后管理需选择）":
    "Loan or industry-chain community to manage (for post-loan management only)",
    "不适用": "Not applicable",
    "机构提供的业务编号（仅模型可用不可见计算需填写）": "The institution's reference (for a model run only)",
    "授权的信息类别": "Categories authorised",
    "数据期间起（可留空，表示不限）": "Data from (leave empty for no limit)",
    "数据期间止（可留空，表示不限）": "Data to (leave empty for no limit)",
    "有效期（天，1至": "Valid for (days, 1 to ",
    "撤销后，该机构的下一次查询即被拒绝；撤销不能恢复，如需继续合作须重新授权。":
        "Once revoked, the institution's next request is refused; a revocation cannot be undone, a new "
        "authorisation is needed to go on.",
    "该授权已不在有效状态，无需撤销。": "This authorisation is no longer active; there is nothing to revoke.",
    # Data collection (creditdata)
    "已处理": "Processed", "行，正在生成结果……": "rows; preparing the result…", "正在上传文件……": "Uploading the file…",
    "行": "rows", "导入批次": "Import batch", "来源部门": "Source department", "归集渠道": "Channel", "文件": "File",
    "开始时间": "Started", "完成时间": "Finished", "整批拒收：": "Whole file refused: ",
    "本批数据未入库任何一行。请修正文件后重新上传。":
        "No row of this file was loaded. Fix the file and upload it again.",
    "总行数": "Rows", "入库": "Loaded", "重复（已有，未重复入库）": "Duplicates (already held, not loaded again)",
    "拒收": "Refused", "错误报告下载": "Download the error report", "继续上传": "Upload another file",
    "拒收的行": "Refused rows",
    "下载错误报告，按“错误原因”修正后可直接上传该报告文件（“错误原因”列会被忽略）。":
        "Download the error report, fix each row as its reason says and upload the report itself (its reason "
        "column is ignored).",
    "本页仅列出前": "This page lists only the first", "条。": "rows.",
    "行号": "Row", "字段": "Field", "错误原因": "Reason", "原始内容": "Original content",
    "批次": "Batch", "信息项": "Sub-category", "渠道": "Channel", "重复": "Duplicates", "暂无批次": "No batches yet",
    "个大类": "categories", "个信息项": "sub-categories",
    "每个信息项的字段、敏感级别、更新周期、公示期和权威渠道决定了它如何归集、保存和展示。":
        "Each sub-category's fields, sensitivity, update cycle, publicity period and authoritative channel decide "
        "how it is collected, kept and shown.",
    "敏感级别": "Sensitivity", "更新周期": "Update cycle", "公示期": "Publicity period",
    "权威渠道": "Authoritative channel", "负面信息": "Negative", "天": "days", "长期": "Indefinite",
    "本地": "Local", "本地可补充归集": "local deliveries also accepted", "本地不归集": "not collected locally",
    "启用": "Enabled", "字段代码": "Field code", "必填": "Required", "说明": "Notes", "识别": "Key",
    "是": "Yes", "否": "No", "名称": "Name",
    "公示期（天，留空为长期）": "Publicity period (days; empty for indefinite)",
    "以总对总为准时，仍接受本地归集（合并，国家版本优先）":
        "When the national channel is authoritative, still accept local deliveries (merged, national version first)",
    "启用（停用后不再接收归集）": "Enabled (a disabled sub-category takes no deliveries)",
    "各来源部门按信息项的归集情况，是每月“信息共享进度”的依据。":
        "What each source department has delivered, by sub-category: the basis of the monthly "
        "information-sharing progress.",
    "已有数据的信息项": "Sub-categories with data", "在库记录": "Records held", "入库行数": "Rows loaded",
    "拒收行数": "Rows refused", "最近归集": "Last delivery", "覆盖主体": "Entities covered",
    "整批拒收": "Whole files refused",
    "记录条数": "Records", "生成时间": "Generated", "授权业务编号": "Authorisation reference",
    "已记入审计日志": "recorded in the audit log", "查阅事由": "Purpose of the lookup",
    "以下为该主体授权贵机构查询的信用信息，仅限授权涵盖的类别和期间；个人信息已按贵机构人员角色脱敏。信息仅可用"
    "于本笔融资业务，不得向第三方提供。":
        "The credit information this entity authorised your institution to query, limited to the categories and "
        "period the authorisation covers; personal information is masked for your role. Use it for this "
        "financing only and give it to no third party.",
    "以下是平台归集的本企业全部信用信息，按类别列示，每条注明来源部门、归集渠道和时间。已过公示期的记录不再向金"
    "融机构展示。对记录有异议的，可向平台提出异议申请。":
        "All the credit information the platform holds on your enterprise, by category, each record with its "
        "source department, channel and time. Records past their publicity period are no longer shown to "
        "financial institutions. If a record is wrong, raise an objection.",
    "已过公示期的记录标注展示，仅供异议处理、信用修复等平台管理事由查阅，不向金融机构提供。":
        "Records past their publicity period are marked; they are shown only for the platform's own purposes "
        "(objections, credit repair) and never to financial institutions.",
    "自主填报（信用承诺）": "Self-report (credit commitment)",
    "信用报告每页印有校验码，任何人可在":
        "Every page of a credit report carries a verification code; anyone can check it on the",
    "页面核验其真实性。": "page.",
    "来源": "Source", "归集时间": "Received", "承诺书": "Commitment", "已过公示期": "Past its publicity period",
    "不向金融机构展示": "not shown to financial institutions", "异议处理中": "Under objection",
    "不向金融机构展示，不计入信用评价": "not shown to financial institutions and not used in credit scoring",
    "依异议更正": "Corrected after objection",
    "提出异议": "Raise an objection", "申请信用修复": "Apply for credit repair",
    "历史版本": "Earlier versions",
    "平台尚未归集到该主体的信用信息。": "The platform holds no credit information on this entity yet.",
    "平台管理员查阅市场主体的信用档案须说明事由，每次查阅均记入审计日志。":
        "A platform administrator must give a purpose to read an entity's credit file; every lookup is recorded "
        "in the audit log.",
    "机构下载企业信用报告须取得该企业“信用报告下载”用途的有效授权；一次性授权下载后即失效。每次下载均记入审计日"
    "志，企业可在“谁查看了我的信息”中查看。":
        "Downloading an enterprise's credit report needs its active authorisation for “credit report "
        "download”; a one-time authorisation ends with the download. Every download is recorded in the audit log "
        "and the enterprise sees it under “Who looked at my information”.",
    "自主填报的信息将以“企业自主填报（信用承诺）”标注记入本企业信用档案，与部门归集的信息分开展示；承诺不实的，"
    "将形成失信记录。":
        "What you report is added to your credit file marked “self-reported by the enterprise (credit "
        "commitment)”, shown apart from what departments deliver; a commitment found false becomes a negative "
        "record.",
    "报告年度": "Report year", "年营业收入（元）": "Annual revenue (yuan)", "从业人数": "Employees",
    "主营产品或服务": "Main products or services",
    "资质认证（每行一项，选填）": "Certifications (one a line, optional)",
    "主要客户（选填）": "Main customers (optional)", "信用承诺书": "Credit commitment",
    "我已阅读并签署上述信用承诺": "I have read and sign the credit commitment above",
    "签署承诺并提交": "Sign and submit", "返回信用档案": "Back to the credit file",
    "总对总数据导入": "National channel import",
    "平台管理员只能导入国家“总对总”渠道下发的数据；本地数据由来源部门自行上传。":
        "The platform administrator imports only data relayed by the national channel; local data is uploaded by "
        "its source departments.",
    "数据文件（CSV 或 XLSX）": "Data file (CSV or XLSX)",
    "第一行为列名（可用中文列名或字段名）；CSV 可为 UTF-8 或 GBK 编码。同一文件重复上传不会重复入库。校验通过的"
    "行入库，未通过的行拒收，并在批次详情中逐行列出原因（可下载错误报告，修正后重新上传这些行）；文件无法读取或"
    "缺少必需的列时整批拒收。":
        "The first row holds the column names (Chinese labels or field names); a CSV may be UTF-8 or GBK. "
        "Uploading the same file again loads nothing twice. Valid rows are loaded and invalid ones refused, each "
        "with its reason on the batch page (download the error report, fix those rows and upload them again); a "
        "file that cannot be read or lacks a required column is refused whole.",
    "正在上传并导入，请勿关闭页面……": "Uploading and loading; please keep this page open…",
    "您所在单位尚未被登记为任何信息项的来源部门，暂不能上传数据。请联系平台管理员。":
        "Your organisation is not the source department of any sub-category yet, so it cannot upload data. "
        "Please contact the platform administrator.",
    "列名": "Columns", "选填": "optional", "下载模板": "Download the template",
    "以下信息项以国家“总对总”共享渠道为准，本地不再归集：":
        "These sub-categories come from the national channel and are no longer collected locally: ",
    "输入信用报告每页底部印制的校验码，即可核验该报告是否由本平台出具；上传所持的 PDF 文件，还可核对文件是否被"
    "改动。核验结果不包含任何信用信息。":
        "Enter the code printed at the foot of each page of a credit report to check that the platform issued "
        "it; upload the PDF you hold to check that it was not altered. The answer holds no credit information.",
    "校验码": "Verification code", "报告文件（可选，PDF）": "Report file (optional, PDF)", "报告编号": "Report no.",
    "报告主体": "Subject", "报告对象": "Issued to", "用途": "Purpose", "文件核对": "File check",
    "未上传文件": "No file uploaded", "文件与平台出具的报告一致": "The file is the report the platform issued",
    "文件与平台出具的报告不一致": "The file is not the report the platform issued",
    # Guarantees
    "追回的款项按风险分担协议在担保方与银行之间分配；某一方债权已足额收回的，其余额分给其他方。":
        "Recovered money is split between the guarantor and the bank by the risk-sharing agreement; once one "
        "side's claim is fully recovered, the rest goes to the other.",
    # Identity and institution onboarding
    "金融机构入驻申请": "Financial institutions: apply to connect", "消息": "Messages", "未读": "Unread",
    "全部标为已读": "Mark all as read", "标为已读": "Mark as read", "暂无消息": "No messages",
    "机构入驻申请": "Apply to connect",
    "银行、担保公司和信用服务机构可申请有序接入平台。平台对接入机构进行信息安全评估，评估通过、签署《信息使用承"
    "诺书》后开通信息查询、信用报告下载等服务。":
        "Banks, guarantee companies and credit agencies may apply to connect to the platform. The platform "
        "assesses each institution's information security; once it passes and signs the usage commitment, "
        "credit lookup, credit report download and other services are opened.",
    "机构类型": "Kind of institution", "许可证编号": "Licence number",
    "银行填写金融许可证机构编码，担保公司填写融资担保业务经营许可证编号，信用服务机构填写征信业务许可或备案编号。":
        "A bank enters its financial licence code, a guarantee company its financing-guarantee licence number, "
        "a credit agency its credit-reporting licence or filing number.",
    "联系人": "Contact", "联系人手机": "Contact's mobile", "申请开通的服务": "Services requested",
    "查询申请进度": "Check an application", "申请编号": "Application no.", "接入状态": "Connection status",
    "信息使用承诺书": "Usage commitment", "版本": "Version", "已于": "signed on",
    "代表本机构签署。": "for the institution.",
    "本人已阅读并代表本机构同意以上承诺": "I have read the commitment above and agree to it for the institution",
    "签署承诺书": "Sign the commitment",
    "接口客户端已开通。客户端密钥只显示这一次，请立即保存到贵机构的系统中。":
        "The API client is issued. Its secret is shown this once only: store it in your institution's system now.",
    "开通时间": "Issued", "接口名称": "Client name", "接口角色": "Client roles", "开通接口": "Issue an API client",
    "签署《信息使用承诺书》后方可开通接口。": "API clients can be issued once the usage commitment is signed.",
    "已批准接入，机构管理员账号已创建。初始密码只显示这一次，请通过安全渠道交付机构联系人，并提醒其登录后签署承诺书。":
        "Approved: the institution administrator's account is created. The initial password is shown this once "
        "only; hand it to the institution's contact by a secure channel and remind them to sign the commitment "
        "after logging in.",
    "初始密码": "Initial password", "审核意见": "Decision note", "暂停原因": "Reason for suspension",
    "使用承诺": "Usage commitment", "于": "signed on", "签署": "", "未签署": "Not signed",
    "开始安全评估": "Start the security assessment", "信息安全评估清单": "Information security checklist",
    "依据《重庆市融资信用服务平台网络建设实施方案》“对接入机构进行信息安全评估”，逐项记录评估结论、说明和证明材"
    "料编号；全部通过方可批准接入。":
        "As the Chongqing platform network plan requires (“assess the information security of connecting "
        "institutions”), record each item's finding, note and evidence reference; approval needs every item "
        "passed.",
    "评估项": "Item", "要求与依据": "Requirement and basis", "结论": "Finding", "记录": "Record",
    "未评估": "Not assessed", "通过": "Passed", "不通过": "Failed", "评估说明": "Assessment note",
    "证明材料": "Evidence", "证明材料编号": "Evidence reference", "审核决定": "Decision",
    "机构管理员用户名": "Institution administrator's username", "批准接入": "Approve",
    "不予接入的原因": "Reason for refusing", "不予接入": "Refuse", "暂停接入的原因": "Reason for suspending",
    "暂停立即生效：该机构所有用户的登录会话和接口访问令牌（包括已签发的）自下一次请求起被拒绝。":
        "A suspension takes effect at once: every session and access token of the institution (those issued "
        "before included) is refused from its next request.",
    "暂停接入": "Suspend", "恢复接入": "Reinstate", "返回列表": "Back to the list", "审核": "Review",
    "入驻申请进度": "Application status",
    "平台已向贵机构联系人交付机构管理员账号，请登录后签署《信息使用承诺书》。":
        "The platform has given your contact the institution administrator's account; log in and sign the usage "
        "commitment.",
    "申请已提交": "Application submitted",
    "的入驻申请已提交，平台管理员将进行信息安全评估。":
        ": the application to connect is submitted; the platform administrator will assess its information "
        "security.",
    "请妥善保存申请编号，凭申请编号和统一社会信用代码查询进度。":
        "Keep the application number: with it and the unified social credit code you can check its status.",
    "接入档案": "Onboarding record", "恢复": "Reactivate",
    "市场主体凭统一社会信用代码、法定代表人（经营者）姓名和身份证号码实名注册，平台向市场监管部门登记信息核验，"
    "一次注册即可在信用信息共享平台网络通用。":
        "A market entity registers under its real name with its unified social credit code and its legal "
        "representative's name and ID number, checked against market supervision's register; one registration "
        "serves across the credit information sharing network.",
    "至少10位，须同时包含字母和数字": "At least 10 characters, with letters and digits",
    "已提交，待受理": "Submitted, awaiting acceptance", "安全评估中": "Under security assessment",
    "已接入": "Connected", "未通过": "Refused", "已暂停接入": "Suspended",
    "信用信息查询（信易查）": "Credit information lookup", "发布金融产品、在线受理融资需求":
        "Publish financial products and take financing applications online",
    "模型部署（可用不可见）": "Model deployment (usable, not visible)",
    "增值服务（信用评价、企业画像、异动监测、风险预警）":
        "Value-added services (credit scoring, portraits, change monitoring, risk alerts)",
    "网络安全等级保护第三级备案与测评": "MLPS level 3 filing and assessment",
    "接入平台、处理信用信息的系统已按第三级定级备案，并取得有效期内的等级测评报告。":
        "The systems that connect to the platform and process credit information are filed at MLPS level 3 and "
        "hold a current assessment report.",
    "《网络安全法》第二十一条；GB/T 22239-2019《网络安全等级保护基本要求》第三级":
        "Cybersecurity Law, art. 21; GB/T 22239-2019 (MLPS baseline), level 3",
    "数据安全管理制度": "Data security management",
    "建立全流程数据安全管理制度，明确数据安全负责人和管理机构，定期开展数据安全教育培训。":
        "A data security management system over the whole process, a named data security officer and body, and "
        "regular data security training.",
    "《数据安全法》第二十七条": "Data Security Law, art. 27",
    "人员保密与权限管理": "Staff confidentiality and access control",
    "接触信用信息的人员签署保密协议，按最小必要原则授予操作权限并定期复核。":
        "Staff who handle credit information sign confidentiality agreements; access is granted on least "
        "privilege and reviewed regularly.",
    "《个人信息保护法》第五十一条（三）（四）": "Personal Information Protection Law, art. 51 (3) (4)",
    "网络隔离与边界防护": "Network isolation and boundary protection",
    "与平台对接的系统部署在独立安全区域，边界有访问控制，专线或加密通道传输。":
        "Systems connected to the platform sit in a separate security zone with access control at its boundary; "
        "traffic goes over a leased line or an encrypted channel.",
    "GB/T 22239-2019 第三级“安全区域边界”“安全通信网络”":
        "GB/T 22239-2019 level 3, “secure area boundary” and “secure communication network”",
    "安全事件应急处置": "Incident response",
    "制定数据安全事件应急预案并演练，发生事件时立即处置、告知平台并向主管部门报告。":
        "A rehearsed data security incident plan; an incident is handled at once, told to the platform and "
        "reported to the authorities.",
    "《数据安全法》第二十九条；《个人信息保护法》第五十一条（六）":
        "Data Security Law, art. 29; Personal Information Protection Law, art. 51 (6)",
    "数据保存期限与删除": "Retention and deletion",
    "从平台获取的信息只保存至实现融资目的所必需的期限，期满或业务终止后删除。":
        "Information from the platform is kept only as long as the financing needs it and deleted when that "
        "period or the business ends.",
    "《个人信息保护法》第十九条、第四十七条": "Personal Information Protection Law, arts. 19 and 47",
    "访问审计与日志留存": "Access audit and log retention",
    "对信用信息的每次查询和使用记录操作人、时间、用途，日志留存不少于六个月。":
        "Every query and use of credit information is logged with who, when and why; logs are kept at least six "
        "months.",
    "《网络安全法》第二十一条（三）": "Cybersecurity Law, art. 21 (3)",
    # Loans and end of day
    "至": "to", "将对营业日": "Will run for business day",
    "执行日终：到期转逾期、计提利息与罚息、五级分类，达到违约条件的用信转为违约并触发代偿。执行后当日不能再办理"
    "放款和还款。":
        "End of day: overdue transfer, accrual of interest and penalty interest, classification; drawdowns that "
        "meet the default condition default and trigger compensation. After it, no drawdown or repayment can be "
        "made on that day.",
    "下一个待处理营业日": "Next business day to run", "截至今日的日终均已完成": "Every end of day up to today is done",
    "营业日": "Business day", "计提笔数": "Drawdowns accrued", "会计分录": "Journal entries",
    "记账条目": "Ledger postings", "新增违约": "New defaults", "暂无日终记录": "No end-of-day runs yet",
    # Orders and the quick estimate
    "暂不符合该产品的准入条件": "Not eligible for this product at present",
    "本次测算不给出额度和利率。": "This check gives no line or rate.", "您可以这样做": "What you can do",
    "在“我的信用档案”核对相关信息，如有错误可提出异议；情况改善、信息更新后可再测一测或重新申请。":
        "Check the information under “My credit file” and raise an objection if something is wrong; once "
        "things improve and the information is updated, check again or apply.",
    "按平台归集的信用信息于": "Estimated from the platform's credit information on",
    "测算，评估版本": "by assessor version",
    "仅供参考，以银行审批为准。测一测不提交申请，也不向银行授权。":
        "for reference only; the bank's decision is what counts. A check submits no application and authorises "
        "no bank.",
    "预估年利率": "Estimated annual rate",
    "（信用越好，利率越低）": " (the better the credit, the lower the rate)",
    "本主体授权平台及受理银行在本次融资申请审批中查询、使用本主体在平台归集的信用信息，授权有效期90天，仅限融资"
    "用途，不得提供给第三方。":
        "this entity authorises the platform and the bank that handles this application to query and use the "
        "credit information the platform holds on it, for 90 days, for financing only, and never to give it to a "
        "third party.",
    "申请已提交，银行将在": "Application submitted; the bank will decide by ",
    "前（10个工作日内）办结。": " (within 10 working days).", "预评估结果": "Pre-assessment",
    "企业对本笔申请的授权已撤销或已过期，基于其信用信息得出的信用评分、违约概率、评估依据和信用画像不再向贵行显示。":
        "The firm's authorisation for this application was revoked or has expired, so the credit score, "
        "probability of default, basis and portrait drawn from its credit information are no longer shown to "
        "your bank.",
    "。预估结果仅供参考，以银行审批为准。": ". The estimate is for reference only; the bank's decision is what counts.",
    "申请信息": "Application", "说明需要客户经理补充或修改什么": "Say what the loan officer should add or change",
    "原因将告知企业，请具体说明": "The firm is told the reason: be specific",
    "在企业授权范围内查询其信用信息；个人信息按您的角色脱敏，每次查询记入审计日志，企业撤销或授权过期后即不能查询。":
        "Query the firm's credit information within its authorisation; personal information is masked for your "
        "role, every query is audited, and none is possible once the firm revokes or the authorisation expires.",
    "查询授权信用信息": "Query the authorised credit information",
    # Objections and credit repair (rights)
    "已逾期": "Overdue", "已督办": "Escalated", "提出时间": "Raised", "答复期限": "Answer due",
    "异议理由": "Grounds", "答复时间": "Answered", "答复理由": "Answer",
    "有异议的记录": "The disputed record", "原版本，已作为历史保留": "original version, kept in the history",
    "更正后的记录（新版本）": "Corrected record (new version)", "答复异议": "Answer the objection",
    "答复结果": "Answer", "更正（按下列内容形成新版本）": "Correct (a new version with the content below)",
    "更正后的内容（仅选择“更正”时使用；识别字段不可修改）":
        "Corrected content (used only when correcting; key fields cannot change)",
    "已脱敏显示的字段不在此更正，保留原记录的值": "Masked fields are not corrected here; they keep the original values",
    "提交答复": "Submit the answer",
    "异议提交后，该记录向金融机构展示时将标注“异议处理中”；来源部门须在":
        "Once raised, the record is shown to financial institutions marked “under objection”; the source "
        "department must check and answer by",
    "前核查答复（5个工作日）。": " (5 working days).",
    "异议理由（请具体说明哪项内容有误、正确内容是什么）": "Grounds (say what is wrong and what is right)",
    "证明材料（PDF、PNG 或 JPEG，最多": "Evidence (PDF, PNG or JPEG, at most", "个，每个不超过": "files, each up to",
    "提交异议": "Raise the objection", "异议编号": "Objection no.", "暂无异议": "No objections",
    "全部异议": "All objections", "全部修复申请": "All repair applications", "督办": "Escalate",
    "待督办": "To escalate", "没有逾期的异议": "No overdue objections", "审核期限": "Review due",
    "没有审核中的申请": "No applications under review", "信用修复申请": "Credit repair application",
    "申请时间": "Applied", "履行完毕日期": "Obligations fulfilled on", "申请说明": "Statement",
    "信用修复承诺": "Credit repair commitment", "已签署": "Signed", "审核时间": "Reviewed",
    "修复生效日期": "Repair effective from",
    "自该日起不再向金融机构展示，不计入信用评价":
        "from that day not shown to financial institutions and not used in credit scoring",
    "申请修复的记录": "The record to repair", "审核结果": "Decision", "同意修复": "Approve the repair",
    "提交审核结果": "Submit the decision", "该记录暂不能申请信用修复：": "This record cannot be repaired yet: ",
    "行政处罚信息在处罚义务履行完毕、最短公示期届满并签署信用修复承诺后可申请修复；审核通过后，该记录不再向金融"
    "机构展示，也不计入信用评价。":
        "An administrative penalty can be repaired once its obligations are fulfilled, its minimum publicity "
        "period has passed and a credit repair commitment is signed; once approved, the record is no longer shown "
        "to financial institutions nor used in credit scoring.",
    "处罚义务履行完毕日期": "Date the penalty's obligations were fulfilled",
    "申请说明（履行情况、整改措施）": "Statement (what was fulfilled, what was corrected)",
    "履行证明材料（如罚没款缴纳凭证；PDF、PNG 或 JPEG，最多":
        "Evidence of fulfilment (such as the receipt for the fine; PDF, PNG or JPEG, at most",
    "信用修复承诺书": "Credit repair commitment",
    "我已阅读并签署上述信用修复承诺": "I have read and sign the credit repair commitment above",
    "提交修复申请": "Apply for the repair", "暂无信用修复申请": "No credit repair applications",
    # The model sandbox
    "返回模型沙箱": "Back to the model sandbox", "拒收原因": "Reason refused", "所用特征": "Features used",
    "分数输出": "Score output", "算子": "Operators", "字节": "bytes", "在平台内运行": "Run inside the platform",
    "每次运行至少需要": "Each run needs at least",
    "户已授权且授权涵盖模型所用信息类别的主体，否则不运行，以免单个主体的分数被单独算出。分数须为0至1之间的概率"
    "，超出范围则整次运行失败、不返回任何分数；平台将每个分数四舍五入到小数点后":
        "entities whose authorisation covers the model's categories, or it does not run, so that no single "
        "entity's score can be singled out. Scores must be probabilities between 0 and 1; one out of range fails "
        "the whole run and no score is returned. The platform rounds each score to",
    "位后返回。": "decimal places before returning it.",
    "授权业务编号（企业授权“模型可用不可见计算”时的编号）":
        "Authorisation reference (the one firms quoted when authorising the model run)",
    "统一社会信用代码（可选，每行一个；不填则为该编号下授权贵机构的全部主体）":
        "Unified social credit codes (optional, one a line; empty: every entity that authorised you under the "
        "reference)",
    "运行": "Run", "运行记录": "Runs", "已评分": "scored", "跳过": "skipped", "尚未运行": "Not run yet",
    "贵机构的模型在平台内、在隔离的进程中运行，只使用已授权贵机构“模型可用不可见计算”的主体的数据；平台只返回分"
    "数，数据不出平台。企业可以看到哪家机构的模型对其数据进行了计算。":
        "Your models run inside the platform in an isolated process, on the data of entities that authorised "
        "your institution's model runs only; the platform returns scores and the data never leaves it. Firms see "
        "whose model computed on their data.",
    "模型名称": "Model name", "ONNX 模型文件": "ONNX model file",
    "所用特征（按输入矩阵的列序，以逗号或空格分隔）":
        "Features used (in the input matrix's column order, separated by commas or spaces)",
    "分数输出名": "Score output name", "分数所在列（多列输出时填写，从0起）":
        "Score column (for a multi-column output, from 0)",
    "模型须为 ONNX 格式、数据全部内嵌，只能使用 ONNX 标准算子与 ai.onnx.ml 中允许清单内的算子（不含循环、条件分"
    "支、按数据生成张量形状和随机数算子）。输入为一个[N, k]浮点矩阵，或每个特征一个以特征名命名的输入。分数须由"
    "至少":
        "A model must be ONNX with all its data embedded, and use only standard ONNX operators and the "
        "allow-listed ones of ai.onnx.ml (no loops, branches, data-dependent shapes or random numbers). Its input "
        "is one [N, k] float matrix, or one input per feature named after it. The score must be computed from at "
        "least",
    "个声明的特征经计算得出（只经 Identity、Cast、Gather、Reshape 等传递、变形、选取类算子转发特征的模型不予接"
    "收），输出须为0至1之间的概率；每次运行至少需要":
        "declared features (a model that only passes features on through Identity, Cast, Gather, Reshape and the "
        "like is refused), and be a probability between 0 and 1; each run needs at least",
    "户已授权主体。": "authorising entities.", "上传时间": "Uploaded", "尚未上传模型": "No models uploaded yet",
    "特征名": "Feature", "含义": "Meaning", "单位": "Unit", "运行结果": "Run result", "返回模型": "Back to the model",
    "数据截至": "Data as of", "主体数": "Entities", "分数": "Score", "本次运行没有得出分数": "This run gave no scores",
    # Scoring: portraits, model versions and batch runs
    "信用画像雷达图": "Credit portrait radar chart", "维度": "Dimension", "得分": "Score", "评价日": "Scored on",
    "各维度满分100分。": "Each dimension scores out of 100.", "提升建议": "How to improve",
    "各项可改进的指标均已处于最好档，请继续保持。":
        "Every indicator you can act on is already at its best; keep it up.",
    "编号": "No.", "当前冠军": "The current champion",
    "将自动退役。此后的预评估和批量评分都使用该版本。":
        "will be retired. From then on, pre-assessments and batch scoring use this version.",
    "此后的预评估和批量评分都使用该版本。": "From then on, pre-assessments and batch scoring use this version.",
    "这是当前冠军版本。退役后没有冠军模型：预评估改按规则进行，批量评分将无法发起，直到启用新的版本。":
        "This is the current champion. Once it is retired there is no champion: pre-assessments fall back to the "
        "rules and no batch scoring can start until a new version is promoted.",
    "退役后该版本不能再被使用，除非重新启用。": "A retired version is not used again unless it is promoted again.",
    "已": "Done:",
    "训练后用“xinyidai model register”登记的版本。同一模型同时只有一个冠军版本，预评估和批量评分都用它；启用新"
    "版本时原冠军自动退役。启用和退役都记入审计日志。":
        "Versions registered after training with “xinyidai model register”. A model has one champion at a time, "
        "used by pre-assessments and batch scoring; promoting a new version retires the old champion. Promotions "
        "and retirements are audited.",
    "尚未登记模型版本。": "No model versions registered yet.", "模型 / 版本": "Model / version",
    "留出样本 AUC": "Hold-out AUC", "决策模型": "Decides with", "评分卡": "Scorecard", "挑战者模型": "Challenger",
    "评分卡与挑战者融合": "Blend of scorecard and challenger", "交叉验证 AUC": "Cross-validated AUC",
    "PSI 开发→留出": "PSI development→hold-out",
    "样本量": "Sample size", "登记": "Registered", "退役": "Retire", "返回评分批次": "Back to scoring runs",
    "发起": "Started by", "开始": "Started", "在册主体": "Registered entities", "评分成功": "Scored",
    "平均分": "Mean score", "平均违约概率": "Mean probability of default",
    "群体稳定性指数 PSI": "Population stability index (PSI)", "对开发样本": "Against the development sample",
    "对上一批次": "Against the previous run", "无上一批次": "No previous run",
    "PSI = Σ（本批占比 − 对照占比）× ln（本批占比 ÷ 对照占比），按开发样本评分的十分位分组计算。":
        "PSI = Σ (this run's share − reference share) × ln (this run's share ÷ reference share), over the "
        "deciles of the development sample's scores.",
    "评分分布": "Score distribution", "分数段": "Score band", "户数": "Entities", "分布": "Distribution",
    "本批次没有评分结果。": "This run has no scores.", "开发样本十分位上的占比": "Shares over the development deciles",
    "分数区间": "Score range", "开发样本": "Development sample", "本批次": "This run", "占比图示": "Shares",
    "每个评价日用当时的冠军模型对所有在册市场主体批量评分一次，只使用评价日当日结束前平台已收到的信息。批次由定"
    "时任务或命令“xinyidai model batch-score”发起；同一模型版本、同一评价日只评分一次。":
        "On each scoring day the champion of the day scores every registered market entity once, from what the "
        "platform had received by the end of that day. A run is started by the schedule or by “xinyidai model "
        "batch-score”; one model version scores one day once.",
    "尚无评分批次。": "No scoring runs yet.", "评分户数": "Entities scored",
    "PSI（对开发样本）": "PSI (vs development)", "PSI（对上一批次）": "PSI (vs previous run)",
    # The audit log's actions and outcomes (audit/labels.py)
    "退出登录": "Log out", "签发接口访问令牌": "Issue an access token",
    "提交机构入驻申请": "Apply to connect", "开始入驻评估": "Start an onboarding assessment",
    "记录入驻评估结果": "Record an assessment finding", "批准机构入驻": "Approve an institution",
    "驳回机构入驻": "Refuse an institution", "暂停机构服务": "Suspend an institution",
    "恢复机构服务": "Reinstate an institution", "签署信息使用承诺": "Sign the usage commitment",
    "开通接口客户端": "Issue an API client", "登记市场主体": "Register a market entity",
    "授权查询信用信息": "Authorise access to credit information", "查询被拒绝": "Access refused",
    "核验信用信息": "Verify credit information", "查阅核验记录": "Read verification records",
    "自主填报信用信息": "Self-report credit information", "认定信用承诺不实": "Find a credit commitment false",
    "导入数据文件": "Import a data file", "接口推送数据": "Push data through the API",
    "修改信用信息目录": "Edit the catalogue", "出具信用报告": "Issue a credit report",
    "核验信用报告真伪": "Verify a credit report", "创建金融产品": "Create a financial product",
    "发布金融产品": "Publish a financial product", "运行日终批处理": "Run end of day",
    "提交融资申请": "Submit a financing application", "融资预评估（测一测）": "Quick pre-assessment",
    "受理融资申请": "Accept a financing application", "提出审批建议（客户经理）": "Propose terms (loan officer)",
    "首位审批人批准，待第二位审批人": "First approval; awaiting a second approver",
    "退回审批建议": "Return a proposal", "批准融资申请": "Approve a financing application",
    "查看申请企业在平台的授信与在途申请": "View the applicant's lines and open applications",
    "拒绝融资申请": "Reject a financing application", "撤回融资申请": "Withdraw a financing application",
    "开立授信额度": "Open a credit line", "恢复授信额度": "Unfreeze a credit line",
    "冻结授信额度": "Freeze a credit line", "关闭授信额度": "Close a credit line",
    "授信额度到期": "Credit line expired", "用信放款": "Drawdown paid out",
    "设置五级分类规则": "Set the classification rules", "担保代偿": "Guarantee compensation",
    "代偿追偿": "Recovery after compensation", "查询审计日志": "Search the audit log",
    "轮换数据加密密钥": "Rotate the data encryption key",
    "查阅异议或修复所涉信用记录": "Read the record of an objection or repair",
    "下载异议或修复的证明材料": "Download an objection's or repair's evidence",
    "异议逾期督办": "Escalate an overdue objection", "决定信用修复申请": "Decide a credit repair",
    "信用评估决策": "Credit decision", "查阅信用画像": "Read a credit portrait",
    "登记模型版本": "Register a model version", "启用冠军模型": "Promote a champion model",
    "上传沙箱模型": "Upload a sandbox model", "在平台内运行模型": "Run a model inside the platform",
    "该机构的模型在平台内对您的数据进行了计算（数据不出平台，仅返回分数）":
        "This institution's model computed on your data inside the platform (the data stayed; only scores left)",
    "退役模型版本": "Retire a model version", "开始批量评分": "Start batch scoring",
    "完成批量评分": "Finish batch scoring", "批量评分失败": "Batch scoring failed",
    "成功": "Success", "已锁定": "Locked", "部分入库": "Partly loaded",
})

# The platform network (xinyidai.network).
EN.update({
    "上传": "Up",
    "从序号": "From sequence",
    "重新同步网络主题": "Re-sync a network topic",
    "接收平台网络产品": "Receive a network product",
    "平台网络产品，由省级节点的银行服务": "Network product, served by the bank at the provincial node",
    "提交节点": "Filed at node",
    "来自节点": "From node",
    "接收其他节点提交的融资申请": "Receive an application filed at another node",
    "接收银行在其他节点的处理结果": "Receive the bank's handling at another node",
    "接收随申请转来的授权": "Receive the authorisation relayed with an application",
    "重新同步": "Re-sync",
    "上级目录版本（最近一份有效副本）": "Parent directory version (last good copy)",
    "上级节点": "Parent node",
    "下达": "Down",
    "不流转": "Does not flow",
    "主题": "Topic",
    "交换进度": "Exchanges",
    "保存规则": "Save rule",
    "发送": "Sent",
    "地址": "Address",
    "完整": "Intact",
    "密钥": "Keys",
    "对方序号": "Neighbour head",
    "尚未交换": "No exchange yet",
    "层级": "Tier",
    "已处理序号": "Applied up to",
    "已被改动": "Altered",
    "平台网络": "Platform network",
    "序号范围": "Sequences",
    "报文日志": "Message log",
    "报文日志哈希链": "Message-log hash chain",
    "接收": "Received",
    "数据流转规则": "Flow rules",
    "方向": "Direction",
    "是否流转": "Flows",
    "暂无成员": "No members",
    "暂无报文": "No messages",
    "最新序号": "Latest sequence",
    "最近成功": "Last success",
    "最近错误": "Last error",
    "本平台为单节点部署，未接入融资信用服务平台网络。":
        "This platform is a single node, not connected to the financing credit service platform network.",
    "本节点": "This node",
    "本节点发布的目录版本": "Directory version published here",
    "本节点的变更流": "This node's feeds",
    "条数": "Entries",
    "流转": "Flows",
    "滞后": "Lag",
    "目录成员": "Directory members",
    "相邻节点": "Neighbour",
    "签名密钥": "Signing key",
    "节点代码": "Node code",
    "需经企业授权方可使用的信息从不离开本节点；个人证件号码只以脱敏形式传输。":
        "Information whose use needs the firm's authorisation never leaves this node; personal identity numbers "
        "travel masked only.",
    "国家平台": "National platform",
    "省级节点": "Provincial node",
    "地方平台": "Local platform",
    "暂停": "Suspended",
    "已移除": "Removed",
    "已发送": "Sent",
    "已接收": "Applied",
    "登记网络目录成员": "Set a network directory member",
    "变更网络目录成员状态": "Change a network member's status",
    "签发网络目录": "Publish the network directory",
    "修改数据流转规则": "Change a flow rule",
})

# Single sign-on across the network (xinyidai.network.signon).
EN.update({
    "统一身份认证": "Network sign-on",
    "统一身份认证登录": "Sign in with the network's sign-on",
    "登录后将返回": "After signing in you return to",
    "所属节点": "Home node",
    "已在本省其他节点实名注册的企业和机构可直接登录，无需重复注册；统一身份认证服务不可用时，本节点账号仍可登录。":
        "Firms and institutions registered by real name at another node of the province sign in here without "
        "registering again; accounts of this node still sign in when the sign-on service is unavailable.",
    "统一身份认证服务暂时无法访问，请使用本节点账号登录。":
        "The network's sign-on service cannot be reached at the moment: please sign in with an account of this node.",
    "统一身份认证核验身份": "Network sign-on: credentials checked",
    "统一身份认证兑换授权码": "Network sign-on: code redeemed",
    "统一身份认证创建机构": "Network sign-on: organisation created",
    "统一身份认证退出": "Network sign-on: logged out",
    "统一身份认证用户": "Network sign-on user",
})

# Webhooks to institutions (xinyidai.webhooks).
EN.update({
    "事件推送": "Event notifications (webhooks)",
    "平台在申请、授权等事件发生时向贵机构登记的地址推送签名通知；验签方法见接口文档。":
        "When an application, an authorisation or another event concerns your institution, the platform posts a "
        "signed notice to the addresses you register; the API documentation shows how to verify the signature.",
    "请立即妥善保存，该密钥只显示这一次。": "Store it safely now: it is shown this once only.",
    "推送地址": "Endpoints",
    "订阅事件": "Events",
    "旧密钥有效至": "Old secret valid until",
    "更换密钥": "Rotate secret",
    "删除": "Delete",
    "尚未登记推送地址": "No endpoints yet",
    "登记推送地址": "Register an endpoint",
    "推送记录": "Deliveries",
    "死信": "Dead letters",
    "事件": "Event",
    "尝试次数": "Attempts",
    "最近结果": "Last result",
    "下次尝试": "Next attempt",
    "重新推送": "Redeliver",
    "暂无推送记录": "No deliveries yet",
    "重新推送次数": "Times redelivered",
    "推送内容": "Body",
    "尝试记录": "Attempt log",
    "次序": "No.",
    "耗时（毫秒）": "Duration (ms)",
    "状态码": "Status code",
    "错误": "Error",
    "尚未尝试": "Not tried yet",
    "已停用": "Disabled",
    "已删除": "Deleted",
    "待发送": "Waiting",
    "发送中": "Sending",
    "已送达": "Delivered",
    "融资申请已提交": "Application submitted",
    "融资申请已撤回": "Application withdrawn",
    "融资申请被督办": "Application prompted by the supervisor",
    "续贷申请": "Renewal requested",
    "延期还本申请": "Deferral of principal requested",
    "融资申请已批准": "Application approved",
    "融资申请已拒绝": "Application rejected",
    "已向企业发出批复": "Offer sent to the firm",
    "企业接受本机构批复": "The firm accepted our offer",
    "企业选择了其他银行": "The firm chose another bank",
    "续贷已有决定": "Renewal decided",
    "延期还本已有决定": "Deferral decided",
    "企业撤销授权": "Authorisation revoked by the firm",
    "登记事件推送地址": "Register a webhook endpoint",
    "修改事件推送地址": "Change a webhook endpoint",
    "更换事件推送签名密钥": "Rotate a webhook secret",
    "删除事件推送地址": "Delete a webhook endpoint",
    "重新推送事件": "Redeliver a webhook",
})

# Audit subjects of webhooks.
EN.update({
    "事件推送地址": "Webhook endpoint",
    "事件推送记录": "Webhook delivery",
})

# The agricultural credit database (xinyidai.creditdata.agriculture) and industry-chain communities (xinyidai.chains).
EN.update({
    "三农信用信息摘要": "Agricultural credit summary", "经营主体类型": "Kind of operator", "种植年度": "Planting year",
    "种植面积（亩）": "Planted area (mu)", "土地承包及流转面积（亩）": "Contracted and transferred land (mu)",
    "在保面积（亩）": "Insured area (mu)", "在保保险金额": "Sum insured in force",
    "近12个月农业补贴": "Agricultural subsidies, last 12 months", "作物": "Crop",
    "最近产量（公斤）": "Latest output (kg)",
    "摘要按最近种植年度、在有效期内的土地合同和保单、近12个月发放的补贴汇总，仅含您可查看的记录。":
        "Summarised from the latest planting year, land contracts and insurance policies in force and subsidies paid "
        "in the last 12 months, over the records you may see.",
    "发起产业链信用共同体": "Found an industry-chain community", "申请加入产业链信用共同体": "Ask to join a community",
    "核心企业确认共同体成员": "Leader confirms a member", "核心企业拒绝共同体成员": "Leader declines a member",
    "设定共同体授信额度": "Set the community line", "分配共同体成员额度": "Allocate the line to a member",
    "核心企业确权应收账款": "Leader confirms a receivable", "登记产业链交易信息": "Record a chain trade",
    "提示共同体成员逾期或违约": "Alert of a member's arrears",
    "共同体风险提示": "Community alert", "共同体成员资格": "Community membership",
    "确权应收账款": "Confirmed receivable",
    "产业链信用共同体": "Industry-chain credit communities", "产业链共同体": "Chain communities",
    "核心企业与上下游企业组成信用共同体，银行向共同体授信并分配给成员；核心企业确权的应收账款可提高供应商额度，成员逾期或违约将降低共同体可用额度。":
        "A chain leader and its suppliers and distributors form a credit community; a bank grants the community a "
        "line and allocates it among the members; receivables the leader confirms raise a supplier's allocation, and "
        "a member's arrears reduce what the community may draw.",
    "编号": "No.", "共同体名称": "Community", "核心企业": "Chain leader", "授信银行": "Lender",
    "共同体授信额度": "Community line", "可用额度": "May draw", "我方身份": "We are", "成员": "Member",
    "平台管理员": "Platform admin", "发起共同体（核心企业）": "Found a community (as its leader)", "发起": "Found",
    "申请加入共同体": "Join a community", "共同体编号": "Community no.", "成员类型": "Member kind",
    "申请加入": "Ask to join", "上游供应商": "Upstream supplier", "下游经销商": "Downstream distributor",
    "待核心企业确认": "Awaiting the leader", "已确认": "Confirmed", "已拒绝": "Declined",
    "成员逾期": "Member overdue", "成员违约": "Member in default", "已分配": "Allocated",
    "风险扣减比例": "Arrears haircut",
    "规则：成员额度 = 银行分配 + 确权增加；确权增加 = 未到期确权应收账款 × ":
        "Rule: a member's allocation = the bank's allocation + the uplift; "
        "uplift = confirmed receivables not yet due × ",
    "，不超过共同体额度的 ": ", at most ",
    "，且各成员额度合计不超过共同体授信额度。每有一家成员逾期扣减 ":
        " of the community line, and the members' allocations never exceed the line together. "
        "Each overdue member cuts ",
    "、违约扣减 ": ", each member in default ",
    "，逾期或违约成员暂停用信。": "; a member in arrears may not draw.",
    "设定": "Set", "银行分配": "Bank allocation", "确权增加": "Receivables uplift", "还款状况": "Repayment",
    "违约": "Default", "逾期": "Overdue", "确认成员": "Confirm", "分配额度": "Allocate",
    "应收账款确权": "Confirm a receivable", "单据编号": "Document no.", "金额": "Amount", "交易日期": "Trade date",
    "到期日期": "Due date", "确权": "Confirm", "风险提示": "Alerts", "日期": "Date", "用信编号": "Drawdown no.",
    "贵单位已获分配共同体额度，但尚未授权授信银行进行贷后管理：银行对成员的贷后监测以该授权为准。":
        "Your firm has an allocation of the community line but has not authorised the lender's post-loan "
        "management: the lender watches a member only under that authorisation.",
    "授权贷后管理": "Authorise post-loan management",
})


def language_of(request: Request) -> str:
    """The visitor's chosen language."""
    lang = request.cookies.get(LANG_COOKIE, DEFAULT_LANGUAGE)
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def translate(text: str, lang: str) -> str:
    """`text` (Chinese) in `lang`."""
    return EN.get(text, text) if lang == "en" else text

# The financial supermarket's shelf and the district's policy pages (xinyidai.products.supermarket).
EN.update({
    "金融超市": "Financial supermarket", "辖区银行等金融机构在平台上架的融资产品，无需登录即可查看。":
    "Financing products that the district's banks and other lenders offer on the platform; no login needed.",
    "查看为本企业匹配的产品": "See the products matched to your firm",
    "企业登录后可查看为本企业智能匹配的产品。": "A firm that logs in sees the products matched to it.",
    "关键词": "Keywords", "产品名称、机构或用途": "Product, lender or purpose", "金融机构": "Lender",
    "需要金额": "Amount needed", "可接受的最高年利率": "Highest annual rate accepted", "排序": "Sort by",
    "利率从低到高": "Lowest rate first", "额度从高到低": "Largest amount first", "最新上架": "Newest first",
    "筛选": "Filter", "清除条件": "Clear", "个产品": "products", "上架": "on the shelf", "额度": "Amount",
    "没有符合条件的产品，请放宽筛选条件": "No product meets these conditions; try wider ones.",
    "政策": "Policies", "全部政策": "All policies", "返回金融超市": "Back to the supermarket", "年化": "annual",
    "授信有效期": "Line valid for",
    "申请融资请先登录企业账户；尚未注册的企业可先注册。":
    "Log in with your firm's account to apply; a firm not yet registered can register first.",
    "返回政策列表": "Back to the policies", "要点": "Key points", "正文": "Full text", "查看原文": "Read the original",
    "政策管理": "Policies", "发布后，政策显示在金融超市的政策页上，任何人无需登录即可查看。":
    "Once published, a policy is shown on the supermarket's policy pages, to anyone without logging in.",
    "修改政策": "Edit the policy", "新增政策": "New policy", "标题": "Title", "发文机关": "Issued by",
    "文号": "Document no.", "发文日期": "Issued on", "原文链接": "Link to the original",
    "发布": "Publish", "停用": "Retire", "已停用": "Retired",
    "撰写政策": "Wrote a policy", "发布政策": "Published a policy", "停用政策": "Retired a policy",
    "产品类型": "Kind of product", "担保方式": "Guarantee", "条款版本": "Terms version", "申请条件": "Who may apply",
    "无特别条件": "No particular conditions", "所需材料": "Documents needed",
    "看看本企业是否符合条件": "See whether your firm qualifies", "为本企业匹配的产品": "Products matched to your firm",
    "按本企业的信用评价和每个产品的准入条件逐一匹配：符合条件的产品按预计获批可能、利率和额度排序；不符合的单独列出并说明原因。结果仅供参考，以银行审批为准。":
    "Each product is matched against your firm's credit evaluation and its own conditions: those you qualify for "
    "are ranked by the expected chance of approval, rate and line; the others are listed apart with the reasons. "
    "For reference only: the bank decides.",
    "符合条件": "Eligible", "暂不符合": "Not yet eligible", "符合条件的产品": "Products you qualify for",
    "排名": "Rank", "预计获批可能": "Chance of approval", "排序依据": "Why here",
    "暂无符合条件的产品，请查看下方原因，改善后再来匹配":
    "No product fits yet: see the reasons below, and match again once they are resolved.",
    "暂不符合条件的产品": "Products you do not qualify for yet", "原因": "Reasons",
    "手机号码": "Mobile number", "融资申请的审批结果等重要通知会以短信发送到这个号码。":
    "Decisions on your applications and other important notices are texted to this number.",
    "当前号码": "Current number", "未填写": "None given", "新手机号码": "New mobile number",
    "留空并保存即删除号码。": "Save it empty to remove the number.", "用户账户": "User account",
    "修改手机号码": "Changed the mobile number", "贷后风险预警": "Post-loan alert",
    "融资": "Financing",
    "手机号码（选填，用于接收审批结果短信）": "Mobile number (optional: decisions are texted to it)",
})

# Post-loan monitoring and early warning (xinyidai.monitoring).
EN.update({
    "风险预警": "Risk alerts", "监测规则": "Monitoring rules",
    "贵机构放款或担保的企业在贷后管理授权有效期内发生的信用变化。预警只显示信息类别和变化，查看即记入企业的“谁查看了我的信息”。":
        "Changes in the credit information of firms your institution lends to or guarantees, while their post-loan "
        "authorisation is active. An alert shows the category and the change only; each view is recorded on the "
        "firm's \"who viewed my information\" log.",
    "待处理的预警": "Alerts to handle", "编号": "No.", "等级": "Severity", "信息类别": "Category", "变化": "Change",
    "规则版本": "Rule version", "确认时限": "Acknowledge by", "处理": "Handle",
    "暂无待处理的预警": "No alerts to handle",
    "最近关闭的预警": "Recently closed alerts", "处置措施": "Action taken", "暂无": "None",
    "返回风险预警": "Back to risk alerts", "监测信号": "Signal", "触发记录": "Record that fired it",
    "授权编号": "Authorisation no.", "预警时间": "Raised at", "处理预警": "Handle the alert",
    "确认预警": "Acknowledge", "记录处置措施": "Record the action", "关闭预警": "Close the alert",
    "每条规则决定一种信用变化的预警等级、阈值和接收机构。修改即保存为新版本并记入审计日志；每条预警都注明触发它的规则版本。":
        "Each rule sets the severity, threshold and recipients of one kind of change. A change is saved as a new "
        "version and audited; every alert names the rule version that raised it.",
    "版本": "Version", "阈值": "Threshold", "接收机构": "Recipients", "启用": "Enabled",
    "保存规则新版本": "Save a new version of a rule", "保存新版本": "Save new version", "、": ", ", "；": "; ",
    "提示": "Hint", "关注": "Attention", "预警": "Warning", "严重": "Severe",
    "待确认": "To acknowledge", "已关闭": "Closed",
    "电话联系企业": "Called the firm", "实地走访": "Visited", "冻结授信额度": "Froze the line",
    "提前收回贷款": "Called in the loan", "无需处置": "No action",
    "股权或法定代表人变更": "Equity or legal representative change",
    "列入经营异常名录": "Listed as operating abnormally",
    "行政处罚": "Administrative penalty", "行政处罚（情节严重）": "Administrative penalty (serious)",
    "欠税": "Tax arrears",
    "社保参保人数下降": "Social-insurance headcount drop", "水电气欠费": "Utility arrears",
    "法院裁判文书": "Court judgment", "被执行人或失信被执行人": "Enforcement or dishonest-debtor listing",
    "在其他机构融资违约": "Default at another institution", "信用信息更正（正面）": "Record corrected (positive)",
    "批量评分等级下降": "Batch score grade drop", "贷后监测停止": "Post-loan watch stopped",
    "欠费金额不低于（分）": "arrears of at least (fen)", "等级下降不少于（档）": "grade drop of at least (steps)",
    "增值税实缴同比下降": "VAT paid down on the same month last year", "信用修复（正面）": "Credit repaired (positive)",
    "同比下降不少于（%）": "down on last year by at least (%)",
    "较上月下降不少于（%）": "down on last month by at least (%)",
    "贷后管理查看风险预警": "Read risk alerts (post-loan management)", "修改监测规则": "Changed a monitoring rule",
    "确认风险预警": "Acknowledged a risk alert", "记录预警处置措施": "Recorded an action on a risk alert",
    "贷后风险视图": "Portfolio risk view", "分组": "Group", "监测企业数": "Watched firms", "风险敞口": "Exposure",
    "未结预警": "Open alerts", "按最高预警等级": "By most severe open alert", "按行业": "By industry",
    "按镇街": "By town/street", "无未结预警": "No open alert",
    "关闭风险预警": "Closed a risk alert", "督办逾期未确认的风险预警": "Escalated an unacknowledged risk alert",
    "贵机构在贷后管理授权下监测的企业：风险敞口为贷款本金余额（担保公司按分担比例），按企业当前最高的未结预警等级、行业和镇街汇总。趋势由预警记录、监测期间和贷款台账推算。":
        "The firms your institution watches under their post-loan authorisation. Exposure is the principal "
        "outstanding (a guarantee company's share of it), summed by each firm's most severe open alert, by "
        "industry and by town/street. The trend is worked out from the alerts, the watch periods and the loan "
        "ledger.",
    "风险趋势": "Trend", "统计周期": "Period", "按月": "By month", "按周": "By week",
    "新增和关闭的预警": "Alerts raised and closed", "新增预警": "Raised", "已关闭预警": "Closed", "预警条数": "Alerts",
    "逾期未确认，已督办": "Escalated (not acknowledged in time)",
    "期末风险敞口（按最高预警等级）": "Exposure at period end (by most severe open alert)",
})

# Charts (portal.charts): the numbers under each chart.
EN.update({
    "数据表": "Data table",
})

# The API sandbox (demo.api_sandbox).
EN.update({
    "接口沙箱": "API sandbox",
    "本环境只有模拟数据。银行的开发人员可以在这里开通一家沙箱银行：平台立即发放登录账号和接口凭证，上架一款沙箱产品，并由几家演示企业向它提交融资申请（附企业授权），用来试用全部机构接口。":
        "This deployment holds only made-up data. A bank's developer can open a sandbox bank here: the platform "
        "issues a login and API credentials at once, shelves a sandbox product and has a few demo firms apply to it "
        "(with their authorisation), to try every institution API.",
    "沙箱中的数据与正式环境完全隔离，请勿录入任何真实的企业或个人信息。":
        "The sandbox is apart from production: enter no real firm's or person's information.",
    "开通沙箱银行": "Open a sandbox bank",
    "接口文档": "API documentation",
    "沙箱凭证": "Sandbox credentials",
    "沙箱银行已开通。以下密码和客户端密钥只显示这一次，请立即保存。":
        "The sandbox bank is open. The password and client secret below are shown this once: save them now.",
    "登录名": "User name",
    "开始调用": "First calls",
    "用客户端凭证换取访问令牌：": "Exchange the client credentials for an access token:",
    "查看向本行提交的融资申请：": "List the applications made to your bank:",
    "完整的接口与事件推送说明见": "Every operation and webhook event is described in the",
    "；也可用上面的登录名在门户中办理同一笔申请。":
        "; the login above works in the portal too, to handle the same applications.",
    "接口沙箱：本环境的数据均为模拟，请勿录入真实信息。":
        "API sandbox: every figure here is made up; enter no real information.",
    "开通接口沙箱银行": "Opened an API sandbox bank",
    "正式开通前，可在接口沙箱中用模拟数据试用全部接口：":
        "Before going live, try every API on made-up data in the sandbox:",
})

# Agricultural self-report on the portal (creditdata.pages).
EN.update({
    "农业经营主体：": "Farms and cooperatives: ",
    "填报种植、产量和土地承包信息": "report crops, yields and land contracts",
    "农业经营主体可自主填报种植、产量和土地承包信息，作为申请农业贷款（如按种植面积核定额度的产品）的依据；记入信用档案时标注“企业自主填报（信用承诺）”，与农业农村部门归集的信息分开展示。":
        "A farm may report what it plants, harvests and farms on, as the basis of an agricultural loan (a product "
        "whose line follows the planted area); it is marked on the credit file as self-reported under a credit "
        "commitment, apart from what the agriculture department delivers.",
    "（选填）": " (optional)",
})

# Trades on the chain community's page.
EN.update({
    "记录交易": "Record a trade",
    "核心企业与成员之间的发票、订单记入成员的信用档案，作为产业链信用信息。":
        "Invoices and orders between the leader and a member go on the member's credit file as chain credit "
        "information.",
    "单据类型": "Document",
    "发票": "Invoice",
    "订单": "Order",
    "已记录交易，计入成员信用档案": "Trade recorded on the member's credit file",
})

# Public credit checks (公共信用核查) for procurement and bidding.
EN.update({
    "公共信用核查": "Public credit check", "公共信用核查（招标投标）": "Public credit check (bidding)",
    "核验信用核查结果": "Verify a credit check result",
    "为公共资源交易、政府采购和招标投标核查投标人的公开信用信息：是否列入失信名单、公示期内的行政处罚、经营异常状态。"
    "核查结果由平台签章并可核验，核查记录会出现在该企业的访问记录中。":
        "Check a bidder's public credit information for public resource trading, government procurement and "
        "bidding: dishonesty lists, administrative penalties within their publicity period, abnormal operations. "
        "The result is sealed by the platform and can be verified; the check appears on the firm's access log.",
    "投标人统一社会信用代码": "Bidder's unified social credit code", "招标项目编号（可选）": "Tender number (optional)",
    "核查": "Check", "核查编号": "Check number", "失信名单": "Dishonesty lists", "已列入": "Listed",
    "未列入": "Not listed", "信用等级": "Credit grade", "核查时间": "Checked at", "公示截止": "Published until",
    "核验该核查结果": "Verify this result", "处罚决定书文号": "Penalty decision number",
    "处罚类别": "Penalty", "情节": "Severity", "处罚决定日期": "Decision date",
    "输入核查结果上的校验码，即可核验该结果是否由本平台出具；粘贴所持的核查结果（JSON），还可核对内容是否被改动。":
        "Enter the verification code of a check result to see whether the platform issued it; paste the result "
        "(JSON) to check that it was not altered.",
    "核查结果（可选，JSON）": "Check result (optional, JSON)", "核查对象": "Subject", "核查单位": "Checked by",
    "内容核对": "Content check", "未提交核查结果": "No result submitted",
    "内容与平台出具的核查结果一致": "The content matches the result the platform issued",
    "内容与平台出具的核查结果不一致": "The content does not match the result the platform issued",
    "真实有效：该核查结果由本平台出具": "Genuine: the platform issued this check result",
    "未找到：本平台未出具过该校验码对应的核查结果": "Not found: the platform issued no check result with this code",
    "内容不一致：校验码真实，但所提交的核查结果与平台出具的不一致，可能已被篡改":
        "Altered: the code is genuine but the result submitted differs from the one issued",
})

# Outreach: grid workers, visits, coverage and the roll-out (xinyidai.outreach).
EN.update({
    "网格员": "Grid worker", "网格员工作台": "Grid worker desk", "网格员管理": "Grid workers",
    "推广覆盖": "Outreach coverage",
    "新增网格员": "Add a grid worker", "网格员推荐注册": "Registered through a grid worker",
    "记录网格员走访": "Recorded a grid worker's visit", "修改推广计划": "Changed the roll-out plan",
    "走访记录": "Visit record", "推广计划": "Roll-out plan", "已走访": "Visited", "有意向": "Interested",
    "已注册": "Registered", "无意向": "Not interested", "登记在册": "On the register", "已授信": "Credit line granted",
    "已获贷": "Financed", "已申请": "Applied", "未开始": "Not started",
    "未排期": "Not scheduled", "试点": "Pilot", "推广批次": "Roll-out wave", "保存走访记录": "Save the visit",
    "先在试点街道推开，再分批推广到全部镇街。":
        "The pilot streets first, then every town and street in waves.",
    "全区对照目标": "The district against the target", "前往平台注册页面": "Go to the platform's registration page",
    "各镇街覆盖情况": "Coverage by town/street", "商户": "Merchant",
    "商户扫码即进入实名注册页面；通过此码注册的商户及其授权、申请和贷款计入本人和本社区。":
        "A merchant who scans this code reaches the real-name registration page; merchants registered through it, "
        "and their authorisations, applications and loans, count for you and your community.",
    "开始日期": "Starts on", "结束日期": "Ends on", "我的推广二维码": "My QR code", "我的走访记录": "My visits",
    "所属街道办事处或镇政府": "Street office or town government", "按镇街和社区": "By town/street and community",
    "推广二维码": "QR code for registration", "推广码": "Code", "推荐注册": "Registered through them",
    "推荐网格员": "Referred by grid worker", "无意向原因（选择“无意向”时必填）":
        "Why not interested (required for \"not interested\")",
    "本社区市场主体": "Merchants of my community", "注册率": "Registered share", "目标商户数": "Target merchants",
    "社区": "Community", "网格员推荐成效": "What grid workers' merchants went on to do", "记录走访": "Record a visit",
    "负责社区": "Community", "走访日期": "Visited on", "走访结果": "Outcome", "进度": "Progress", "镇街": "Town/street",
    "阶段": "Phase", "阶段（1为试点，2起为推广批次）": "Phase (1 is the pilot, 2 on are roll-out waves)",
    "初始密码": "Initial password", "按网格员": "By grid worker", "按社区": "By community",
    "通过网格员二维码注册的商户，以及其中已授权、已申请、已授信、已获贷的户数，计入带来它们的网格员和社区。":
        "Merchants registered through a grid worker's QR code, and how many of them authorised, applied, were "
        "granted a line and were financed, count for the grid worker and the community that brought them in.",
})

# The policy simulator (政策模拟).
EN.update({
    "政策模拟": "Policy simulation", "运行政策模拟": "Ran a policy simulation", "%": "%",
    "下载Excel": "Download Excel", "假设与参数": "Assumptions and parameters",
    "再做一次模拟": "Simulate again", "准入户数": "Firms passing",
    "准入近12个月纳税下限（元）": "Minimum tax paid in 12 months (yuan)",
    "准入近12个月纳税下限（可空）": "Minimum tax paid in 12 months (optional)",
    "准入违约概率上限": "Maximum PD to pass", "准入违约概率上限（可空）": "Maximum PD to pass (optional)",
    "加权平均利率": "Amount-weighted average rate", "参数": "Parameter",
    "尚无上架产品，无法模拟。": "No product is on sale; nothing to simulate.",
    "已保存的模拟": "Saved simulations", "市场主体数": "Market entities", "平均利率": "Average rate",
    "总体": "Overall", "担保方分担比例": "Guarantee side's share", "担保方承担": "Borne by the guarantee side",
    "担保费收入": "Guarantee fee income", "拟议": "proposed", "拟议政策": "Proposed policy", "指标": "Figure",
    "最低利率对应违约概率": "PD at the minimum rate", "最低年利率": "Minimum annual rate",
    "最低申请金额": "Minimum amount", "最低申请金额（分）": "Minimum amount (fen)",
    "最高利率对应违约概率": "PD at the maximum rate", "最高年利率": "Maximum annual rate",
    "最高授信额度": "Line cap", "最高授信额度（分）": "Line cap (fen)",
    "模拟不改变任何现行政策；采用新政策须由产品所属银行另行修改产品条款并经平台审核。":
        "A simulation changes no policy in force; adopting a new policy takes the product's bank changing the "
        "product's terms, reviewed by the platform.",
    "模拟名称": "Simulation name", "模拟时间": "Simulated at", "每名参保人员额度": "Line per insured employee",
    "每名参保人员额度（分）": "Line per insured employee (fen)", "现行": "current", "现行政策": "Current policy",
    "用信率（假设）": "Utilisation (assumed)", "等级与额度系数": "Grades and line factors",
    "级违约概率上限": "grade: PD ceiling", "级额度系数": "grade: line factor", "融资金额": "Amount financed",
    "读取现行政策": "Load the current policy",
    "调整产品的利率区间、违约概率与利率的对应、额度上限和额度规则、风险分担比例、担保费率和准入条件，用最近一次批量评分的全区市场主体"
    "测算通过率、融资户数和金额、平均利率、预期违约和损失、担保方和银行各自承担的损失及担保费收入，与现行政策并列，按镇街和行业分列。"
    "模拟只保存测算结果，不改变任何现行政策。":
        "Change a product's rate band, the mapping from PD to rate, the line cap and line rule, the risk split, the "
        "guarantee fee and the eligibility thresholds, and project on the district's entities of the latest batch "
        "scoring the pass rate, the firms and amount financed, the average rate, expected defaults and loss, what "
        "the guarantee side and the bank each bear, and the fee income, beside the current policy, by town/street "
        "and industry. A simulation keeps only its projections and changes no policy in force.",
    "运行模拟": "Run the simulation", "违约损失率（假设）": "Loss given default (assumed)", "通过率": "Pass rate",
    "银行分担比例": "Bank's share", "银行承担": "Borne by the bank", "预期损失": "Expected loss",
    "预期违约户数": "Expected defaults", "额度占推算营收比例": "Line as a share of tax-implied revenue",
    "／": " / ",
    "采用政策模拟": "Adopt a policy simulation", "产品条款": "Product terms",
    "采用后，拟议的产品条款成为本产品的新版本，经平台审核后上架；风险分担比例、违约概率与利率的对应、等级额度系数、额度规则和准入条件不属于产品条款，不随之改变。":
        "Adopted, the proposed product terms become a new version of the product, on sale once the platform has "
        "reviewed it; the risk split, the mapping from PD to rate, the grades' line factors, the line rule and the "
        "eligibility thresholds are not product terms and do not change with it.",
    "不随产品条款改变的拟议调整": "Proposed changes that are not product terms",
    "采用为产品新版本": "Adopt as a new product version",
    "采用政策模拟的产品条款（新版本）": "Adopt a policy simulation's product terms (new version)",
    "产品所属银行的信贷主管在此采用": "The product's bank's credit manager adopts it at",
})


# Statistics and monthly reports (xinyidai.reporting).
EN.update({
    "统计与月报": "Statistics and monthly reports",
    "平台自身记录计算的统计数据，按统计口径截至统计期末日24时（北京时间）；本月数据截至今日。":
        "Statistics computed from the platform's own records, each by its definition, as of midnight at the "
        "end of the period (Beijing time); the current month runs to today.",
    "查看各部门归集进度": "Sharing progress by department",
    "目标已保存": "Target saved",
    "月报已生成": "Monthly report generated",
    "统计月份": "Month",
    "统计期": "Period",
    "目标": "Target",
    "趋势与分布": "Trends and distribution",
    "全部指标及统计口径": "All figures and their definitions",
    "指标": "Figure",
    "统计口径": "Definition",
    "比例目标填写百分数，金额目标填写元。修改记入审计日志。":
        "Enter a share in percent and an amount in yuan. Every change is audited.",
    "目标值": "Target value",
    "本期实际": "Actual (this period)",
    "修改": "Change",
    "月报": "Monthly reports",
    "每月第一个工作日自动生成上月月报；任一过去月份均可重新生成，数据按该月末的记录计算，结果不变。":
        "The previous month's report is generated on the first working day of each month; any past month can "
        "be generated again and, read as of that month's end, gives the same figures.",
    "月份": "Month",
    "生成月报": "Generate report",
    "生成次数": "Generations",
    "数据校验值": "Checksum of the figures",
    "下载": "Download",
    "Excel工作簿": "Excel workbook",
    "PDF": "PDF",
    "暂无月报": "No monthly report yet",
    "下级节点月报": "Monthly reports of the nodes below",
    "各下级节点每月上报的月报统计数据，每个节点每月一行；下级节点重新生成月报后，此处随之更新并计入版本。":
        "The monthly reports' figures the nodes below send up, one row per node and month; when a node "
        "generates its report again, the row here is replaced and its version counted.",
    "节点": "Node",
    "暂无下级节点上报的月报": "No monthly report from the nodes below yet",
    "修改统计目标": "Changed a statistics target",
    "下载月报": "Downloaded a monthly report",
    "统计目标": "Statistics target",
    "户": "firms",
    "家": "institutions",
    "个": "products",
    "件": "cases",
    "项": "items",
    "%": "%",
    "信息归集（按部门）": "Information sharing by department",
    "信息归集（按类别）": "Information sharing by category",
    "金融产品（按类型）": "Products by kind",
    "超期未办结融资申请（按银行）": "Orders past their deadline, by bank",
    "近期各月": "Recent months",
    "镇街": "Town/street",
    "注册企业数": "Registered firms",
    "本期获贷企业数": "Firms financed (period)",
    "本期放款金额（分）": "Disbursed in the period (fen)",
    "本期放款金额（元）": "Disbursed in the period (yuan)",
    "银行报送的新增小微企业贷款": "New SME loans reported by the banks",
    "各银行报送的当月全部新增小微企业贷款（不限于平台业务），用于计算信用贷款占新增小微企业贷款比重；更正时再登记一次，以最后一次为准。":
        "Each bank's new loans to small and micro firms in a month, all of them and not only the platform's: the "
        "denominator of the credit-loan share. To correct one, record it again; the latest counts.",
    "已登记": "Recorded", "登记报送": "Record the report", "报送月份": "Month reported", "登记时间": "Recorded at",
    "登记银行报送的新增小微企业贷款": "Recorded a bank's reported SME lending",
    "银行报送的小微企业贷款": "Bank-reported SME lending",
    "上月银行报送新增小微企业贷款": "New SME loans reported for last month",
    "信用贷款占新增小微企业贷款比重（上月）": "Credit loans' share of new SME loans (last month)",
    "累计放款金额（元）": "Disbursed to date (yuan)",
    "本期首贷户数": "First-time borrowers (period)",
    "累计获贷企业数": "Firms financed to date",
    "累计放款金额（分）": "Disbursed to date (fen)",
    "各月放款金额": "Disbursed by month",
    "放款金额": "Disbursed",
    "其中信用贷款": "of which credit loans",
    "各月信用贷款占比与通过率": "Credit-loan share and pass rate by month",
    "信用贷款占比": "Credit-loan share",
    "通过率": "Pass rate",
    "信用贷款占比目标": "Credit-loan share target",
    "各月获贷企业与首贷户": "Firms financed and first-time borrowers by month",
    "获贷企业数": "Firms financed",
    "首贷户数": "First-time borrowers",
    "各镇街放款金额（本期）": "Disbursed by town/street (period)",
    "各镇街注册企业与获贷企业（累计）": "Registered and financed firms by town/street (to date)",
    "各部门信息归集覆盖率与及时率": "Sharing coverage and timeliness by department",
    "覆盖率": "Coverage",
    "及时率": "Timeliness",
    "新增注册企业数": "Newly registered firms",
    "入驻金融机构数": "Institutions on the platform",
    "本地市场主体数": "Local market entities",
    "注册覆盖率": "Registration coverage",
    "应归集目录项数": "Catalogue items to share",
    "归集覆盖率": "Sharing coverage",
    "归集及时率": "Sharing timeliness",
    "归集差错率": "Sharing error rate",
    "新归集信用记录数": "Credit records received",
    "金融产品数": "Financial products",
    "融资申请笔数": "Applications submitted",
    "已决策申请笔数": "Applications decided",
    "获批笔数": "Applications approved",
    "授信金额": "Amount approved",
    "放款笔数": "Drawdowns",
    "平均利率": "Average rate",
    "信用贷款放款金额": "Credit loans disbursed",
    "信用贷款占比（平台内）": "Credit-loan share (on the platform)",
    "首贷金额": "First loans' amount",
    "累计放款金额": "Disbursed to date",
    "违约笔数": "Defaults",
    "违约时欠款": "Owed at default",
    "代偿笔数": "Compensations",
    "追偿笔数": "Recoveries",
    "追偿金额": "Amount recovered",
    "异议申请数": "Objections filed",
    "异议办结数": "Objections answered",
    "异议平均办理天数": "Average days to answer an objection",
    "超期未办结异议数": "Objections past due",
    "信用修复申请数": "Repair applications",
    "信用修复办结数": "Repairs decided",
    "修复平均办理天数": "Average days to decide a repair",
    "超期未办结修复数": "Repairs past due",
    "超期未办结融资申请数": "Applications past their deadline",
    "比例": "share",
    "年利率": "annual rate",
    "信用贷款占新增小微企业贷款比重": "Credit loans' share of new SME loans",
    "注册用户占本地中小微企业比重": "Registered users' share of local SMEs",
})

# A clerk's prepared financing need (一次需求，多家银行, 待管理员确认).
EN.update({
    "一次需求，多家银行：经办人可准备发送给最多三家银行的融资需求，由企业管理员确认后发送。":
        "One need, several banks: a clerk may prepare a financing need to up to three banks; the administrator "
        "confirms it before it is sent.",
    "准备多家银行的融资需求": "Prepare a need to several banks",
    "您是企业经办人：填写后提交企业管理员确认。管理员确认发送前，银行看不到这笔融资需求，本企业也未授权任何机构查询信用信息。":
        "You are a clerk: fill this in and submit it for your administrator to confirm. Until it is sent no bank "
        "sees the need and your firm has authorised no one to read its credit information.",
    "待确认的融资需求": "Financing need awaiting confirmation",
    "已提交企业管理员确认。管理员确认发送前，银行看不到这笔融资需求。":
        "Submitted to the administrator. No bank sees the need until the administrator confirms it.",
    "融资需求信息": "Financing need", "发送给": "To",
    "同一笔需求分别提交给每家银行，各银行独立审批。": "The same need goes to each bank; each decides independently.",
    "确认并发送融资需求": "Confirm and send the need",
    "等待企业管理员确认。确认发送前银行看不到这笔融资需求。":
        "Waiting for the administrator to confirm. No bank sees the need until then.",
    "放弃该需求": "Discard this need", "多家银行": "Several banks",
})

# The audit log and the firm's access log: the words its entries are composed of (xinyidai.audit.labels).
EN.update({
    "用户": "User", "平台": "Platform",
    "信用信息目录项": "Catalogue item", "信用承诺": "Credit commitment", "日终批处理": "End of day",
    "授信评估": "Credit decision", "信用记录": "Credit record", "信用报告": "Credit report",
    "数据加密密钥": "Data encryption key", "金融产品": "Financial product", "融资订单": "Financing order",
    "网络同步游标": "Network sync cursor", "网络目录版本": "Network directory version",
    "网络目录成员": "Network directory member", "沙箱模型": "Sandbox model", "沙箱运行": "Sandbox run",
    "信息使用承诺": "Usage commitment",
    "批量评分": "Batch scoring", "审批通过后开立额度": "Line opened after approval",
    "违约代偿": "Compensation on default", "追偿分配": "Recovery allocation",
    "本企业查询自身信息": "The firm's own query",
    "信息主体权益（异议与信用修复）": "Data subject's rights (objections and repair)",
    "查阅核验记录": "Verification history read", "核查信用承诺": "Credit commitment check",
    "融资支持": "Financing support", "信用修复审核": "Credit repair review", "网格员走访": "Grid worker's visit",
    "市场主体登记": "Registration of a market entity",
    "未提供授权业务编号": "No authorisation reference given", "未获授权": "Not authorised",
    "一次性授权已使用": "One-time authorisation already used", "授权已过期": "Authorisation expired",
    "授权尚未生效": "Authorisation not yet in force",
    "授权不涵盖所查信息类别": "Categories not covered by the authorisation",
    "无权查看": "No right to view",
    "尚未启用冠军模型，信用画像按规则评估。": "No champion model is in use yet: the portrait is scored by the rules. ",
})
