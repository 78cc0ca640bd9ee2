"""What each audited action, party, subject and purpose is called on the portal.

The functions compose a label from words and what the entry names (an order's number, a user's id); each word
goes through `tr`, the page's translation (identity by default: Chinese), so a label reads in the page's language
rather than as a Chinese phrase no catalogue entry can match."""

from __future__ import annotations

from collections.abc import Callable

Translate = Callable[[str], str]


def _same(text: str) -> str:
    return text

ACTION_LABELS: dict[str, str] = {
    "identity.enterprise_registered": "实名注册",
    "identity.login": "登录",
    "identity.logout": "退出登录",
    "identity.token_issued": "签发接口访问令牌",
    "identity.password_changed": "修改密码",
    "identity.mobile_changed": "修改手机号码",
    "identity.institution_applied": "提交机构入驻申请",
    "identity.institution_assessment_started": "开始入驻评估",
    "identity.institution_assessed": "记录入驻评估结果",
    "identity.institution_approved": "批准机构入驻",
    "identity.institution_rejected": "驳回机构入驻",
    "identity.institution_suspended": "暂停机构服务",
    "identity.institution_reinstated": "恢复机构服务",
    "identity.usage_commitment_signed": "签署信息使用承诺",
    "identity.api_client_issued": "开通接口客户端",
    "demo.sandbox_bank_opened": "开通接口沙箱银行",
    "registry.enterprise_registered": "登记市场主体",
    "reporting.target_set": "修改统计目标",
    "reporting.sme_lending_recorded": "登记银行报送的新增小微企业贷款",
    "reporting.monthly_report_generated": "生成月报",
    "reporting.monthly_report_downloaded": "下载月报",
    "network.member_set": "登记网络目录成员",
    "network.member_status": "变更网络目录成员状态",
    "network.directory_published": "签发网络目录",
    "network.flow_rule_set": "修改数据流转规则",
    "network.resync": "重新同步网络主题",
    "products.network_received": "接收平台网络产品",
    "orders.network_received": "接收其他节点提交的融资申请",
    "orders.network_outcome": "接收银行在其他节点的处理结果",
    "consent.network_received": "接收随申请转来的授权",
    "network.signon_authenticated": "统一身份认证核验身份",
    "network.signon_token": "统一身份认证兑换授权码",
    "network.signon_signed_in": "统一身份认证登录",
    "network.signon_organisation_created": "统一身份认证创建机构",
    "network.signon_logout": "统一身份认证退出",
    "consent.granted": "授权查询信用信息",
    "consent.revoked": "撤销授权",
    "consent.access_refused": "查询被拒绝",
    "consent.draft_prepared": "准备授权（待管理员确认）",
    "consent.draft_confirmed": "确认经办人准备的授权",
    "consent.draft_discarded": "放弃经办人准备的授权",
    "creditdata.credit_file_read": "查阅信用档案",
    "creditdata.verified": "核验信用信息",
    "creditdata.verifications_read": "查阅核验记录",
    "creditdata.self_reported": "自主填报信用信息",
    "creditdata.commitment_breached": "认定信用承诺不实",
    "creditdata.file_imported": "导入数据文件",
    "creditdata.rows_pushed": "接口推送数据",
    "creditdata.catalogue.update": "修改信用信息目录",
    "creditdata.credit_report_issued": "出具信用报告",
    "creditdata.credit_report_verified": "核验信用报告真伪",
    "creditcheck.checked": "公共信用核查（招标投标）",
    "creditcheck.verified": "核验信用核查结果",
    "products.created": "创建金融产品",
    "products.published": "发布金融产品",
    "products.policy_article_created": "撰写政策",
    "products.policy_article_updated": "修改政策",
    "products.policy_article_published": "发布政策",
    "products.policy_article_retired": "停用政策",
    "products.version_created": "修改金融产品条款（新版本）",
    "products.submitted": "提交金融产品审核",
    "products.approved": "审核通过金融产品（上架）",
    "products.returned": "退回金融产品",
    "products.withdrawn": "下架金融产品",
    "products.matched": "智能匹配金融产品",
    "loans.end_of_day_run": "运行日终批处理",
    "monitoring.rule_changed": "修改监测规则",
    "reporting.policy_simulated": "运行政策模拟",
    "reporting.policy_applied": "采用政策模拟的产品条款（新版本）",
    "monitoring.alert_read": "贷后管理查看风险预警",
    "monitoring.alert_acknowledged": "确认风险预警",
    "monitoring.alert_action": "记录预警处置措施",
    "monitoring.alert_closed": "关闭风险预警",
    "monitoring.alert_escalated": "督办逾期未确认的风险预警",
    "orders.submitted": "提交融资申请",
    "orders.estimated": "融资预评估（测一测）",
    "orders.accepted": "受理融资申请",
    "orders.proposed": "提出审批建议（客户经理）",
    "orders.committee": "首位审批人批准，待第二位审批人",
    "orders.returned": "退回审批建议",
    "orders.approved": "批准融资申请",
    "orders.exposure_viewed": "查看申请企业在平台的授信与在途申请",
    "orders.rejected": "拒绝融资申请",
    "orders.withdrawn": "撤回融资申请",
    "orders.need_sent": "发送融资需求给多家银行",
    "orders.offered": "批准融资需求中的申请（待企业接受）",
    "orders.offer_accepted": "接受银行批复",
    "orders.offer_declined": "谢绝银行批复（已接受其他银行）",
    "orders.declined": "谢绝银行批复（已接受其他银行）",
    "orders.renewal_requested": "申请续贷",
    "orders.deferral_requested": "申请延期还本",
    "orders.prompted": "监管督办",
    "orders.prompt_answered": "银行答复督办",
    "loans.line_renewed": "授信额度续贷",
    "loans.drawdown_deferred": "用信延期还本",
    "orders.draft_prepared": "准备融资申请（待管理员确认）",
    "orders.draft_confirmed": "确认提交经办人准备的融资申请",
    "orders.draft_discarded": "放弃经办人准备的融资申请",
    "loans.line_opened": "开立授信额度",
    "loans.line_active": "恢复授信额度",
    "loans.line_frozen": "冻结授信额度",
    "loans.line_closed": "关闭授信额度",
    "loans.line_expired": "授信额度到期",
    "loans.drawdown": "用信放款",
    "loans.repayment": "还款",
    "loans.classification_bands_set": "设置五级分类规则",
    "guarantee.compensated": "担保代偿",
    "guarantee.recovered": "代偿追偿",
    "chains.community_created": "发起产业链信用共同体",
    "chains.membership_requested": "申请加入产业链信用共同体",
    "chains.membership_confirmed": "核心企业确认共同体成员",
    "chains.membership_declined": "核心企业拒绝共同体成员",
    "chains.line_set": "设定共同体授信额度",
    "chains.allocation_set": "分配共同体成员额度",
    "chains.receivable_confirmed": "核心企业确权应收账款",
    "chains.trade_recorded": "登记产业链交易信息",
    "chains.member_alerted": "提示共同体成员逾期或违约",
    "outreach.grid_worker_added": "新增网格员",
    "outreach.referral_recorded": "网格员推荐注册",
    "outreach.visit_recorded": "记录网格员走访",
    "outreach.phase_set": "修改推广计划",
    "audit.searched": "查询审计日志",
    "crypto.rotated": "轮换数据加密密钥",
    "rights.record_viewed": "查阅异议或修复所涉信用记录",
    "rights.attachment_downloaded": "下载异议或修复的证明材料",
    "rights.objection_filed": "提出异议",
    "rights.objection_answered": "答复异议",
    "rights.objection_escalated": "异议逾期督办",
    "rights.repair_applied": "申请信用修复",
    "rights.repair_decided": "决定信用修复申请",
    "scoring.decided": "信用评估决策",
    "scoring.portrait_read": "查阅信用画像",
    "scoring.model_registered": "登记模型版本",
    "scoring.model_promoted": "启用冠军模型",
    "scoring.sandbox_model_uploaded": "上传沙箱模型",
    "scoring.sandbox_run": "在平台内运行模型",
    "scoring.sandbox_computed": "该机构的模型在平台内对您的数据进行了计算（数据不出平台，仅返回分数）",
    "scoring.model_retired": "退役模型版本",
    "scoring.batch_started": "开始批量评分",
    "scoring.batch_finished": "完成批量评分",
    "scoring.batch_failed": "批量评分失败",
    "webhooks.endpoint_created": "登记事件推送地址",
    "webhooks.endpoint_updated": "修改事件推送地址",
    "webhooks.secret_rotated": "更换事件推送签名密钥",
    "webhooks.endpoint_deleted": "删除事件推送地址",
    "webhooks.redelivered": "重新推送事件",
}

OUTCOME_LABELS = {"success": "成功", "failure": "失败", "locked": "已锁定", "rejected": "拒收", "partial": "部分入库",
                  "refused": "已拒绝"}


def action_label(action: str, *, tr: Translate = _same) -> str:
    """The name of an action; the code itself for one not yet named."""
    return tr(ACTION_LABELS.get(action, action))


ACTOR_KIND_LABELS = {"user": "用户", "api_client": "接口客户端", "cli": "命令行", "system": "系统任务",
                     "public": "未登录访客"}

# The platform's jobs, by the name their entries record (audit.actor.Actor.system).
JOB_LABELS = {
    "end_of_day": "日终批处理",
    "scoring_batch": "批量评分",
    "objection_escalation": "异议逾期督办",
    "order_approved": "审批通过后开立额度",
    "drawdown_defaulted": "违约代偿",
    "recovery": "追偿分配",
    "credit_decision": "授信评估",
}


def actor_label(*, kind: str | None, label: str | None, user_id: int | None, api_client_id: int | None,
                tr: Translate = _same) -> str:
    """Who acted, in words: a user or API client by number, the operator and command of the command line, the
    job's name; an entry written before callers were recorded by kind is named by the ids it carries."""
    if kind == "cli":
        return f"{tr('命令行')}{tr('：')}{label or '—'}"
    if kind == "system":
        job, _, detail = (label or "").partition(":")
        name = tr(JOB_LABELS[job]) if job in JOB_LABELS else (job or "—")
        return f"{tr('系统任务')}{tr('：')}{name}" + (f"{tr('（')}{detail}{tr('）')}" if detail else "")
    if kind == "public":
        return tr(ACTOR_KIND_LABELS["public"])
    if kind == "api_client" or (kind is None and api_client_id is not None):
        return f"{tr('接口客户端')} #{api_client_id}" if api_client_id is not None else tr("接口客户端")
    if user_id is not None:
        return f"{tr('用户')} #{user_id}"
    return "—"


# What an entry is about (its subject_type), in words.
SUBJECT_LABELS = {
    "api_client": "接口客户端",
    "authorisation": "授权",
    "authorisation_draft": "待确认的授权",
    "bank_sme_lending": "银行报送的小微企业贷款",
    "catalogue_item": "信用信息目录项",
    "chain_alert": "共同体风险提示",
    "chain_community": "产业链信用共同体",
    "chain_membership": "共同体成员资格",
    "chain_receivable": "确权应收账款",
    "credit_commitment": "信用承诺",
    "eod_run": "日终批处理",
    "credit_check": "公共信用核查",
    "credit_decision": "授信评估",
    "credit_file": "信用档案",
    "credit_line": "授信额度",
    "credit_portrait": "信用画像",
    "credit_record": "信用记录",
    "credit_repair": "信用修复申请",
    "credit_report": "信用报告",
    "data_key": "数据加密密钥",
    "drawdown": "用信",
    "enterprise": "市场主体",
    "financial_product": "金融产品",
    "financing_order": "融资订单",
    "financing_order_draft": "待确认的融资申请",
    "financing_need": "融资需求",
    "grid_worker": "网格员",
    "import_batch": "导入批次",
    "institution_application": "机构入驻申请",
    "model_version": "模型版本",
    "monitoring_alert": "风险预警",
    "monitoring_rule": "监测规则",
    "monthly_report": "月报",
    "network_cursor": "网络同步游标",
    "network_directory": "网络目录版本",
    "network_flow_rule": "数据流转规则",
    "network_member": "网络目录成员",
    "network_subject": "统一身份认证用户",
    "organisation": "机构",
    "outreach_visit": "走访记录",
    "policy_article": "政策",
    "policy_simulation": "政策模拟",
    "user_account": "用户账户",
    "objection": "异议",
    "product": "金融产品",
    "reporting_target": "统计目标",
    "rights_attachment": "证明材料",
    "rollout_phase": "推广计划",
    "sandbox_model": "沙箱模型",
    "sandbox_run": "沙箱运行",
    "scoring_run": "评分批次",
    "usage_commitment": "信息使用承诺",
    "verification": "核验",
    "webhook_delivery": "事件推送记录",
    "webhook_endpoint": "事件推送地址",
}


def subject_label(subject_type: str | None, subject_id: str | None, *, name: str | None,
                  tr: Translate = _same) -> str:
    """What an entry is about, in words: the kind of thing and its name (an order's number, say) or its id."""
    if not subject_type:
        return "—"
    kind = tr(SUBJECT_LABELS[subject_type]) if subject_type in SUBJECT_LABELS else subject_type
    if name:
        return f"{kind} {name}"
    return f"{kind} #{subject_id}" if subject_id else kind


# Why a party acted (an entry's purpose), for the purposes the contexts record as codes, alone or with the
# reference they concern ("financing_application:XYD…", the order's number); a purpose recorded in words
# (实名注册) is shown as it is.
PURPOSE_LABELS = {
    "financing_application": "融资申请审批",
    "post_loan_management": "贷后管理",
    "credit_report_download": "信用报告下载",
    "model_run": "模型可用不可见计算",
    "self_query": "本企业查询自身信息",
    "information_subject_rights": "信息主体权益（异议与信用修复）",
    "verification_history": "查阅核验记录",
    "credit_commitment_check": "核查信用承诺",
}


def purpose_label(purpose: str | None, *, tr: Translate = _same) -> str:
    """An entry's purpose in words, with the reference it names: "financing_application:XYD…" → "融资申请审批
    XYD…"; "—" for none."""
    if not purpose:
        return "—"
    code, colon, reference = purpose.partition(":")
    if code not in PURPOSE_LABELS:
        return tr(purpose)
    return f"{tr(PURPOSE_LABELS[code])} {reference}" if colon and reference else tr(PURPOSE_LABELS[code])
