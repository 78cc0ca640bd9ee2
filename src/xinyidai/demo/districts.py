"""The districts the demo can build: each its administrative division code, its name, its towns and streets, and its
roads, so that a second local node of the demo network is a district of its own, not a copy of the first."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class District:
    """A district of Chongqing as the demo draws it."""

    code: str  # the administrative division code, which the district's credit codes and identity numbers carry
    name: str  # 南岸区
    # Its towns and streets: (name, "town" or "street", a pilot area named in the launch).
    areas: tuple[tuple[str, str, bool], ...]
    roads: tuple[str, ...]  # for the addresses of the demo's entities

    @property
    def short(self) -> str:
        """The name without 区, as in 南岸支行 or 南岸执罚."""
        return self.name.removesuffix("区")


NAN_AN = District(
    code="500108", name="南岸区",
    areas=(
        ("南坪镇", "town", True), ("南坪街道", "street", True), ("天文街道", "street", True),
        ("铜元局街道", "street", False), ("花园路街道", "street", False), ("海棠溪街道", "street", False),
        ("龙门浩街道", "street", False), ("弹子石街道", "street", False), ("南山街道", "street", False),
        ("涂山镇", "town", False), ("鸡冠石镇", "town", False), ("峡口镇", "town", False),
        ("长生桥镇", "town", False), ("迎龙镇", "town", False), ("广阳镇", "town", False),
    ),
    roads=("南坪西路", "南坪东路", "江南大道", "南城大道", "南滨路", "弹子石正街", "腾龙大道", "海峡路", "工贸路",
           "学府大道", "通江大道", "长电路", "南湖路", "烟雨路", "丹龙路", "铜元局正街", "花园路", "海棠溪正街",
           "龙门浩街", "涂山路", "茶园路", "峡口大道", "广福大道", "迎龙大道"),
)

YU_BEI = District(
    code="500112", name="渝北区",
    areas=(
        ("双龙湖街道", "street", True), ("回兴街道", "street", True), ("龙溪街道", "street", True),
        ("龙山街道", "street", False), ("龙塔街道", "street", False), ("仙桃街道", "street", False),
        ("宝圣湖街道", "street", False), ("悦来街道", "street", False), ("双凤桥街道", "street", False),
        ("王家街道", "street", False), ("木耳镇", "town", False), ("兴隆镇", "town", False),
        ("茨竹镇", "town", False), ("大盛镇", "town", False), ("洛碛镇", "town", False),
    ),
    roads=("金开大道", "新南路", "龙山大道", "红锦大道", "黄杨路", "松石大道", "金渝大道", "宝圣大道", "两港大道",
           "双龙大道", "龙华大道", "空港大道", "兰馨大道", "星光大道", "湖彩路", "紫薇路", "龙脊路", "金石大道",
           "桂花大道", "食品城大道", "新溉大道", "泰山大道", "洪湖东路", "余松路"),
)

DISTRICTS = {district.code: district for district in (NAN_AN, YU_BEI)}
