"""The demo district's policy pages: the city's plan for the financing credit service platform network and the
district's own measures, summarised as a platform operator would for the firms it serves."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from xinyidai.auth.principal import Principal
from xinyidai.demo.districts import District
from xinyidai.products.supermarket import service as supermarket_service
from xinyidai.products.supermarket.schemas import PolicyArticleCreate


def _articles(district: District) -> list[PolicyArticleCreate]:
    return [
        PolicyArticleCreate(
            title="建设完善重庆市融资信用服务平台网络促进中小微企业融资的实施方案",
            issuer="重庆市发展和改革委员会、中国银行保险监督管理委员会重庆监管局", issued_date=date(2022, 7, 21),
            summary="全市以“信易贷·渝惠融”平台为枢纽，共享税务、社保、水电气、不动产等信用信息，"
                    "引导银行开发纯信用的线上融资产品；企业在平台注册并授权后，银行可据此授信，"
                    "提高中小微企业贷款的覆盖率、可得性和便利度。",
            body="一、企业可以做什么\n在平台实名注册，查看自己的信用档案，对有误的信息提出异议，"
                 "在金融超市选择产品并一键申请。\n二、平台归集哪些信息\n按国家要求归集14大类37小类信用信息，"
                 "包括纳税、社会保险、住房公积金、水电气、不动产、进出口等，企业授权后才提供给银行。\n"
                 "三、银行如何使用\n银行在企业授权范围内查询信用信息，10个工作日内办结融资申请，"
                 "并将结果反馈平台。",
        ),
        PolicyArticleCreate(
            title="加强信用信息共享应用促进中小微企业融资实施方案",
            issuer="国务院办公厅", document_no="国办发〔2021〕52号", issued_date=date(2021, 12, 22),
            summary="以信用信息共享为基础，破解银企信息不对称，扩大信用贷款规模；"
                    "明确了共享的信用信息范围、数据安全和市场主体权益保护的要求。",
        ),
        PolicyArticleCreate(
            title=f"{district.name}“重信贷”纯信用贷款推广工作方案（演示）",
            issuer=f"{district.name}发展和改革委员会", issued_date=date(2022, 1, 20),
            summary="“重信贷”是本区企业数字信用管理平台推出的首款线上纯信用贷款，无需抵押担保，"
                    "随借随还、按日计息；先在3个街道试点，由社区网格员上门讲解和推广，再推广到全区各镇街。",
        ),
    ]


def publish_policies(session: Session, *, admin: Principal, district: District) -> int:
    """Write and publish the demo district's policy articles; how many."""
    articles = _articles(district)
    for article_in in articles:
        article = supermarket_service.create(session, principal=admin, article_in=article_in)
        supermarket_service.publish(session, principal=admin, article_id=article.id)
    return len(articles)
